"""The specification curve ("multiverse") of a sweep: every claim's verdict and the optimum
ratio under each learning-speed metric and window, computed from the saved loss curves.

Each row replaces the learning rate by one metric of `_speed.METRICS` over the first K
epochs (turned into "lower = faster"), and runs the same analyses and verdict rules as the
main report, so a reader sees at once which conclusions depend on the metric's definition.
The windows are fixed in advance (`_speed.windows`), not chosen after seeing the results.
"""

from typing import Any

import numpy as np
import pandas as pd

from ._claims import _claims, _learning
from ._common import ReportError, _unavailable
from ._speed import METRICS, oriented, windows


def _check_curves(curves: Any, rows: int) -> np.ndarray:
    """The curves as a 2-D float array with one row per network."""
    curves = np.asarray(curves, dtype=float)
    if curves.ndim != 2 or curves.shape[0] != rows:
        raise ReportError(
            f"curves: expected one loss curve per results row ({rows} x epochs); got shape "
            f"{curves.shape}"
        )
    return curves


def specification(
    results: pd.DataFrame,
    curves: np.ndarray,
    *,
    main_window: int,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    """One row per (metric, window): the optimum ratio A/N with its interval and the verdict
    on each claim, by the rules of `_claims`.

    The row of the slope over `main_window` is the main report's metric: its optimum and
    verdicts are the report's own.
    """
    from ._stats import _failures, _prepare

    epochs = curves.shape[1]
    if epochs < 2:
        return _unavailable("the curves hold fewer than 2 epochs")
    ok_status = (
        (results["status"].astype(str).str.strip().str.lower() == "ok").to_numpy()
        if "status" in results.columns
        else np.ones(len(results), bool)
    )
    rows = []
    for name, (label, unit, _lower, function, fewest) in METRICS.items():
        for window in windows(epochs, main_window):
            if window < fewest:
                continue
            values = oriented(name, function(curves, window))
            table = results.copy()
            table["learning_rate"] = np.where(ok_status, values, np.nan)
            df = _prepare(table)
            ok = df.loc[df["usable"]]
            stats = {
                "n_networks": len(df),
                "n_usable": len(ok),
                "failures": _failures(df),
                **_learning(ok, n_boot=n_boot, seed=seed, full=False),
            }
            claims = _claims(stats)
            ratio = stats["ratio"]
            raw = ratio["raw"] if ratio["available"] else ratio
            rows.append(
                {
                    "metric": name,
                    "label": label,
                    "unit": unit,
                    "window": window,
                    "all_epochs": window == epochs,
                    "main": name == "slope" and window == main_window,
                    "n": len(ok),
                    "optimum": raw["optimum"] if raw["available"] else float("nan"),
                    "interval": raw["interval"] if raw["available"] else [np.nan, np.nan],
                    "why_no_optimum": "" if raw["available"] else raw["reason"],
                    "verdicts": {k: c["verdict"] for k, c in claims.items()},
                }
            )
    verdicts = {k: {r["verdicts"][k] for r in rows} for k in rows[0]["verdicts"]} if rows else {}
    return {
        "available": bool(rows),
        "epochs": epochs,
        "main_window": main_window,
        "n_boot": n_boot,
        "rows": rows,
        "robust": {k: next(iter(v)) if len(v) == 1 else "" for k, v in verdicts.items()},
        **({} if rows else {"reason": "no metric fits the sweep's epochs"}),
    }

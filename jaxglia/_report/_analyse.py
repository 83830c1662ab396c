"""`analyse`: every analysis of a sweep's results table and loss curves (`_stats`), the
claims' verdicts (`_claims`), the slope's fit and the specification curve (`_speed`,
`_spec`), as one plain dictionary that `report` renders."""

from typing import Any

import numpy as np
import pandas as pd

from ._claims import _claims, _learning
from ._common import (
    _FORECAST,
    _SPEC_BOOT,
    ReportError,
    _unavailable,
)
from ._spec import _check_curves, specification
from ._speed import fit_quality
from ._stats import (
    _activity,
    _failures,
    _forecast,
    _no_learning_rate,
    _nrmse,
    _prepare,
)


def analyse(
    results: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    readout: str | None = None,
    curves: np.ndarray | None = None,
    window: int | None = None,
    spec_boot: int = _SPEC_BOOT,
) -> dict[str, Any]:
    """The statistics of a sweep's results table, as plain Python numbers, lists and dicts.

    **Arguments:**

    - `results`: the `results.csv` table; needs `num_neurons`, `num_astrocytes`, `learning_rate`
      and uses `status` ("ok" or not), `failure`, the firing rates, `test_nrmse`,
      `forecast_nrmse` and `valid_time` when present. Only rows with status "ok", a finite
      learning rate and N + A > 0 enter the learning-rate statistics; the error analyses use
      every row with status "ok", N + A > 0 and a finite value of their column.
    - `n_boot`: bootstrap resamples for the optimum ratio (default 1000).
    - `seed`: seed of the bootstrap's `numpy.random.Generator` and of the LASSO's folds, so
      the result is deterministic (default 0).
    - `readout`: the sweep's readout ("mlp" or "ridge") if known. With "ridge", or when no
      finished network has a learning rate but some have a test NRMSE, the learning-rate
      analyses do not apply (the ridge readout has no epochs).
    - `curves`: the sweep's loss curves (networks x epochs, rows in `results`' order, as in
      `curves.npz`), or None. With them, the fit of the slope metric (`metric_fit`) and the
      specification curve (`specification`) are added.
    - `window`: the epochs over which `results`' learning rate was taken (default: all of
      the curves' epochs); the specification curve always includes it.
    - `spec_boot`: bootstrap resamples for each row of the specification curve (default
      200).

    **Returns:** a dict with these keys.

    - `n_networks`, `n_usable`, `failures` (counts, and the failed (N, A) with their reasons),
      `activity` (firing rates per population);
    - `populations`: neuron-only, astrocyte-only and mixed networks compared at matched total
      size (Mann–Whitney U, Cliff's delta, Holm-adjusted p);
    - `size`, `fraction`: OLS slope and Spearman ρ of the learning rate against N + A and
      against A/(N + A); `size_fraction`: both in one OLS;
    - `ratio`: a local-linear kernel smoother of the learning rate against log10(A/N) over
      mixed networks, the ratio where it is most negative and its bootstrap interval;
    - `regression`: OLS models on N, A, N + A and log ratio, with VIFs;
    - `lasso`: cross-validated LASSO on standardised N, A and N + A (the paper's design,
      exactly collinear: shown, no verdict rests on it);
    - `split`: the identifiable design of claim (e), OLS, LASSO and stability selection on
      S = N + A and D = A − N;
    - `claims`: for each claim (a) to (e) of the paper, its text, a verdict (one of
      `VERDICTS`: "supported", "contradicted", "not significant", "cannot test"; or,
      without a learning rate, "does not apply"), the evidence and the `rule` that turns
      the evidence into the verdict;
    - `metric_fit`: the R² of the slope's straight line per network (quantiles, the worst
      rows), with `curves`;
    - `specification`: with `curves`, one row per learning-speed metric and window (see
      `jaxglia._report._speed`), each with the optimum ratio, its interval and every
      claim's verdict;
    - `no_learning_rate`: why the learning-rate analyses do not apply, or "" if they do;
    - `nrmse`: test NRMSE summary, the populations compared on it (`statement`: one line),
      and the 5 best (N, A) by median test NRMSE over replicates (`best`);
    - `forecast`: the same for the closed-loop forecast, on the valid time (higher is
      better; `metric` says if only the forecast NRMSE was there), with `n_not_run`, the
      finished networks without a forecast.

    An analysis the data cannot support is `{"available": False, "reason": ...}`.

    **Raises:** `ReportError` if a required column is missing or the counts are not whole
    numbers.
    """
    if n_boot < 10:
        raise ReportError(f"n_boot must be at least 10; got {n_boot}")
    df = _prepare(results)
    ok = df.loc[df["usable"]]
    stats: dict[str, Any] = {
        "n_networks": len(df),
        "n_usable": len(ok),
        "failures": _failures(df),
        "activity": _activity(df),
        **_learning(ok, n_boot=n_boot, seed=seed),
        "no_learning_rate": _no_learning_rate(df, readout),
        "nrmse": _nrmse(df, "test_nrmse" in results.columns),
        "forecast": _forecast(df, [c for c in _FORECAST if c in results.columns]),
    }
    stats["claims"] = _claims(stats)
    if curves is None or stats["no_learning_rate"] or not stats["n_usable"]:
        why = (
            "no loss curves were given"
            if curves is None
            else stats["no_learning_rate"] or "no network has a finite learning rate"
        )
        stats["metric_fit"] = _unavailable(why)
        stats["specification"] = _unavailable(why)
        return stats
    curves = _check_curves(curves, len(df))
    main = window if window is not None else curves.shape[1]
    stats["metric_fit"] = fit_quality(curves, df["usable"].to_numpy(), main)
    stats["specification"] = specification(
        results, curves, main_window=main, n_boot=spec_boot, seed=seed
    )
    return stats

"""From the per-network records a sweep stores (its chunks) to the results table.

The sweep's `results.csv` and `load()` both build their rows here, so a table rebuilt from
the chunks is the table the sweep wrote.
"""

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._schema import METRICS, RESULT_COLUMNS


Network = tuple[int, int, int]


def failure(curve: np.ndarray, metrics: Mapping[str, float]) -> str:
    """Why a network failed (empty if it did not): non-finite loss is data, not a crash.

    A readout without epochs (ridge) has an empty curve: only its training loss and test
    prediction are checked.
    """
    bad = np.flatnonzero(~np.isfinite(curve))
    if bad.size:
        return f"training diverged: non-finite loss from epoch {int(bad[0])}"
    if not np.isfinite(metrics["final_loss"]):
        return "non-finite training loss"
    if not np.isfinite(metrics["test_nrmse"]):
        return "non-finite test prediction"
    return ""


def results_table(
    networks: Iterable[Network], records: Mapping[Network, Mapping[str, Any]], *, seed: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """The results table (columns `RESULT_COLUMNS`) and the loss curves, one row per network
    of `networks` (in that order), from `records[(N, A, replicate)]` (a chunk's keys).

    A failed network keeps its firing rates; its other metrics are NaN.
    """
    rows, curves = [], []
    for n, a, r in networks:
        rec = records[(n, a, r)]
        metrics = {k: float(rec[k]) for k in METRICS}
        curve = np.asarray(rec["curve"], np.float32)
        why = failure(curve, metrics)
        if why:
            metrics = {
                k: (v if k.startswith("rate_") else float("nan")) for k, v in metrics.items()
            }
        rows.append(
            {
                "num_neurons": n,
                "num_astrocytes": a,
                "replicate": r,
                "seed": seed,
                "num_units": n + a,
                "ratio": a / n if n else float("nan"),
                **metrics,
                "status": "failed" if why else "ok",
                "failure": why,
                "capacity": int(rec["capacity"]),
            }
        )
        curves.append(curve)
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return table, (np.stack(curves) if curves else np.zeros((0, 0), np.float32))

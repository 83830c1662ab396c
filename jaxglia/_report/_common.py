"""What every part of the report shares: its error, the names of the figures it writes, the
significance level, units and recurring reasons, and small helpers for numbers and text.

The results columns are named by the schema (`jaxglia._schema`). Nothing here imports a heavy
library: matplotlib, statsmodels, scikit-learn and scipy are imported inside the functions
that use them, so that importing jaxglia, or running a sweep, does not pay for them.
"""

import contextlib
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._schema import IDENTITY


# The two columns that place a network on the (N, A) grid: num_neurons and num_astrocytes.
_SIZES = IDENTITY[:2]

_LR_FIGURES = ("heatmap.png", "ratio.png", "populations.png", "size.png", "curves.png")
_METRIC_FIGURES = ("fit.png", "spec.png")
FIGURES = (*_LR_FIGURES, *_METRIC_FIGURES, "nrmse.png", "forecast.png")
"""The figure files that `report` can write (each also as SVG), when the data support them."""
ALPHA = 0.05
"""Significance level of every test in the report."""
_SPEC_BOOT = 200  # bootstrap resamples per row of a specification curve (the main: 1000)
_REQUIRED = (*_SIZES, "learning_rate")
# Optional error columns: NaN where a network did not compute them, or when absent.
_ERRORS = ("test_nrmse", "forecast_nrmse", "valid_time")
_FORECAST = ("forecast_nrmse", "valid_time")
_BASELINE_METRICS = ("test_nrmse", "forecast_nrmse", "valid_time", "fit_seconds")
_VT_UNIT = "Lyapunov times"
_RIDGE = (
    "the ridge readout is fitted in closed form, so it has no epochs, hence no loss curve "
    "and no learning rate"
)
_NO_LR = "the learning-rate analyses do not apply"
_HOW_FORECAST = "run the sweep with `jaxglia sweep --forecast` to enable it"
_HOW_BASELINES = (
    "`jaxglia baselines --out DIR`, with the same options as the sweep, writes it into the "
    "sweep directory DIR"
)
_GROUPS = ("neuron-only", "astrocyte-only", "mixed")
_LR_UNIT = "Δlog10 MSE per epoch"
_LR_LABEL = f"learning rate ({_LR_UNIT})"
_NEEDS_MIXED = "needs networks with both N > 0 and A > 0 (the ratio A/N is 0 or infinite otherwise)"


class ReportError(ValueError):
    """A sweep directory or results table that cannot be reported on (missing or malformed)."""


def _unavailable(reason: str) -> dict[str, Any]:
    """The result of an analysis that the data cannot support, and why."""
    return {"available": False, "reason": reason}


def _float(x: Any) -> float:
    """A plain Python float (NaN for anything that is not a finite-or-infinite number)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


@contextlib.contextmanager
def _quiet():
    """Silence the numerical warnings of degenerate fits: the report states those cases."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _numbers(column: Any) -> np.ndarray:
    """A column as a float array, NaN where an entry is not a number."""
    return np.asarray(pd.to_numeric(column, errors="coerce"), dtype=float)


def _distinct(column: Any) -> int:
    """How many distinct values a column holds."""
    return len(pd.unique(np.asarray(column)))


def _fmt(x: Any, digits: int = 3) -> str:
    """A number for a table: n/a for NaN, ∞ for infinity, scientific when very small or big."""
    x = _float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e5:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _fmt_p(p: Any) -> str:
    """A p-value for a table."""
    p = _float(p)
    if math.isnan(p):
        return "n/a"
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"


def _config(run: dict[str, Any] | None) -> dict[str, Any]:
    """run.json's `config`, or an empty dict."""
    config = run.get("config") if run is not None else None
    return config if isinstance(config, dict) else {}


def _text(value: Any) -> str:
    """A table cell's text: empty for NaN, compact numbers, no pipes (they split cells)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("|", "/").replace("\n", " ")


def _brief(value: Any, limit: int = 80) -> str:
    """A value (list, dict or scalar) as a short one-line text."""
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} {v}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"

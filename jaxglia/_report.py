"""Figures, statistics and a one-page verdict for a finished (N, A) size sweep.

A sweep directory holds `results.csv` (one row per network), `curves.npz` (the raw per-epoch
training losses, rows in the same order) and `run.json` (the options, a fingerprint and the
library versions). [`report`][] reads them, draws the figures of the seed paper (Yang et al.,
"Characterizing Learning in Spiking Neural Networks with Astrocyte-Like Units", arXiv 2503.06798,
2025) and writes `report.md`, which says for each of the paper's claims whether this sweep
supports it, and with which numbers. [`analyse`][] is the statistics alone, as plain Python
numbers, lists and dicts.

The learning rate is the least-squares slope of log10(epoch-mean training MSE) against the epoch
index: it is measured in decades of MSE per epoch, and *more negative means faster learning*.
Throughout, "improves" means "becomes more negative".

Every analysis that the data cannot support (too few networks, no mixed networks, ...) is
returned as `{"available": False, "reason": ...}` rather than raising, and every figure that
cannot be drawn is replaced by a small image that states why.

Beyond the learning rate, the report covers the test NRMSE of every sweep, the closed-loop
forecast when the sweep ran one (`valid_time`, `forecast_nrmse`), and the baselines of
`baselines.csv` (NG-RC, an echo-state network) when the directory holds one. With the ridge
readout there is no learning rate (it has no epochs): the report says so and reports the
errors. [`compare`][] puts several sweeps of one task side by side, typically one per
astrocyte model, and asks of each whether the best ratio lies near A:N = 2.
"""

import contextlib
import json
import math
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


# The heavy libraries (matplotlib, statsmodels, scikit-learn, scipy) are imported inside the
# functions that use them: importing jaxglia, or running a sweep, should not pay for them.

_LR_FIGURES = ("heatmap.png", "ratio.png", "populations.png", "size.png", "curves.png")
FIGURES = (*_LR_FIGURES, "nrmse.png", "forecast.png")
"""The figure files that `report` writes, each of them always (a placeholder if need be)."""

COMPARE_FILES = ("models.png", "compare.md")
"""The files that `compare` writes."""

ALPHA = 0.05
"""Significance level of every test in the report."""

_REQUIRED = ("n_neurons", "n_astrocytes", "learning_rate")
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
_GROUP_LABELS = {
    "neuron-only": "neuron-only\n(A = 0)",
    "astrocyte-only": "astrocyte-only\n(N = 0)",
    "mixed": "mixed\n(N > 0, A > 0)",
}
_GROUP_COLOURS = {"neuron-only": "tab:blue", "astrocyte-only": "tab:orange", "mixed": "tab:green"}
_TERMS = ("N", "A", "N + A")
_LR_UNIT = "Δlog10 MSE per epoch"
_LR_LABEL = f"learning rate ({_LR_UNIT})"
_NEEDS_MIXED = "needs networks with both N > 0 and A > 0 (the ratio A/N is 0 or infinite otherwise)"
_DPI = 150
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "savefig.dpi": _DPI,
}
_CLAIMS = {
    "a": "Mixed networks (N > 0 and A > 0) learn faster than neuron-only (A = 0) and "
    "astrocyte-only (N = 0) networks of comparable total size.",
    "b": "The learning rate improves (becomes more negative) with total size N + A.",
    "c": "The learning rate improves with the astrocyte fraction A / (N + A).",
    "d": "The learning rate is best near A:N = 2:1.",
    "e": "Regressing on N, A and N + A, the LASSO keeps only the (N + A) term.",
}


class ReportError(ValueError):
    """A sweep directory or results table that cannot be reported on (missing or malformed)."""


# ---------------------------------------------------------------------------------------
# Small helpers.


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


# ---------------------------------------------------------------------------------------
# The statistics.


def _prepare(results: pd.DataFrame) -> pd.DataFrame:
    """Validate the table and add the derived columns used by every analysis."""
    if not isinstance(results, pd.DataFrame):
        raise ReportError(f"expected a pandas DataFrame of results; got {type(results).__name__}")
    missing = [c for c in _REQUIRED if c not in results.columns]
    if missing:
        raise ReportError(
            f"results table lacks column(s) {', '.join(missing)}; "
            f"expected the results.csv schema written by a sweep"
        )
    df = results.reset_index(drop=True).copy()
    for column in ("n_neurons", "n_astrocytes"):
        values = _numbers(df[column])
        if not np.all(np.isfinite(values) & (values >= 0) & (values % 1 == 0)):
            raise ReportError(f"column {column} must hold non-negative whole numbers")
        df[column] = values.astype(int)
    df["learning_rate"] = _numbers(df["learning_rate"])
    for column in _ERRORS:
        df[column] = _numbers(df[column]) if column in df.columns else np.nan
    # An all-empty text column comes back from CSV as float NaN: convert value by value.
    status = df["status"] if "status" in df.columns else ["ok"] * len(df)
    df["status"] = ["missing" if pd.isna(v) else str(v).strip().lower() for v in status]
    failure = df["failure"] if "failure" in df.columns else [""] * len(df)
    df["failure"] = ["" if pd.isna(v) else str(v) for v in failure]
    if "replicate" not in df.columns:
        df["replicate"] = 0
    n, a = df["n_neurons"].to_numpy(), df["n_astrocytes"].to_numpy()
    total = n + a
    df["total"] = total
    with np.errstate(divide="ignore", invalid="ignore"):
        df["fraction"] = np.where(total > 0, a / np.maximum(total, 1), np.nan)
        df["ratio"] = np.where(n > 0, a / np.maximum(n, 1), np.inf)
    df["group"] = np.select(
        [(n > 0) & (a == 0), (n == 0) & (a > 0), (n > 0) & (a > 0)], list(_GROUPS), "empty"
    )
    # "finished" networks enter the error analyses; "usable" ones also have a learning rate.
    df["finished"] = (df["status"] == "ok") & (total > 0)
    df["usable"] = df["finished"] & np.isfinite(df["learning_rate"].to_numpy())
    return df


def _ols(y: np.ndarray, terms: dict[str, np.ndarray], *, vif: bool = False) -> dict[str, Any]:
    """Ordinary least squares of `y` on an intercept and `terms`, as plain numbers.

    The fit uses the pseudo-inverse, so a rank-deficient (collinear) design still gives
    numbers; `rank` and `n_params` tell whether they are identifiable.
    """
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    names = list(terms)
    exog = np.column_stack([np.ones(len(y))] + [np.asarray(terms[k], float) for k in names])
    rank = int(np.linalg.matrix_rank(exog))
    if len(y) < rank + 2:
        return _unavailable(f"needs at least {rank + 2} networks for this fit; got {len(y)}")
    with _quiet():
        fit = sm.OLS(np.asarray(y, float), exog).fit()
        out: dict[str, Any] = {
            "available": True,
            "n": len(y),
            "rank": rank,
            "n_params": exog.shape[1],
            "r2": _float(fit.rsquared),
            "intercept": _float(fit.params[0]),
            "terms": {
                name: {
                    "coef": _float(fit.params[i + 1]),
                    "se": _float(fit.bse[i + 1]),
                    "p": _float(fit.pvalues[i + 1]),
                }
                for i, name in enumerate(names)
            },
        }
        if vif and len(names) > 1:
            values = {}
            for i, name in enumerate(names):
                value = _float(variance_inflation_factor(exog, i + 1))
                # An exactly collinear column gives R² = 1 up to rounding, i.e. a VIF of order
                # 1e15 rather than inf: report what it is, perfect collinearity.
                values[name] = math.inf if not value < 1e10 else value
            out["vif"] = values
    return out


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Two-sided Mann–Whitney U of x against y, with Cliff's delta P(x > y) − P(x < y)."""
    from scipy.stats import mannwhitneyu

    with _quiet():
        result = mannwhitneyu(x, y, alternative="two-sided")
    u = _float(result.statistic)
    return {
        "u": u,
        "p": _float(result.pvalue),
        "cliffs_delta": 2.0 * u / (len(x) * len(y)) - 1.0,
    }


def _matched(x: pd.DataFrame, y: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Restrict two groups to the total sizes N + A they share (else to shared octaves)."""
    shared = np.intersect1d(x["total"].to_numpy(), y["total"].to_numpy())
    if len(shared):
        sizes = ", ".join(str(int(t)) for t in shared[:8]) + (", ..." if len(shared) > 8 else "")
        return (
            x.loc[np.isin(x["total"].to_numpy(), shared)],
            y.loc[np.isin(y["total"].to_numpy(), shared)],
            f"{len(shared)} shared total size(s) N + A = {sizes}",
        )
    octave_x = np.floor(np.log2(x["total"].to_numpy()))
    octave_y = np.floor(np.log2(y["total"].to_numpy()))
    shared = np.intersect1d(octave_x, octave_y)
    return (
        x.loc[np.isin(octave_x, shared)],
        y.loc[np.isin(octave_y, shared)],
        f"no exact total size shared; matched within {len(shared)} octave bin(s) of N + A",
    )


def _populations(ok: pd.DataFrame, column: str = "learning_rate") -> dict[str, Any]:
    """Neuron-only vs astrocyte-only vs mixed networks on `column`, at matched total size."""
    from statsmodels.stats.multitest import multipletests

    groups = {g: ok.loc[ok["group"] == g] for g in _GROUPS}
    summary = {
        g: {
            "n": len(d),
            "mean": _float(d[column].mean()) if len(d) else math.nan,
            "median": _float(d[column].median()) if len(d) else math.nan,
            "sd": _float(d[column].std()) if len(d) > 1 else math.nan,
        }
        for g, d in groups.items()
    }
    comparisons: dict[str, dict[str, Any]] = {}
    for first, second in (
        ("mixed", "neuron-only"),
        ("mixed", "astrocyte-only"),
        ("neuron-only", "astrocyte-only"),
    ):
        key = f"{first} vs {second}"
        absent = [g for g in (first, second) if groups[g].empty]
        if absent:
            comparisons[key] = _unavailable(f"needs {' and '.join(absent)} networks")
            continue
        x, y, matching = _matched(groups[first], groups[second])
        if len(x) < 2 or len(y) < 2:
            comparisons[key] = _unavailable(
                f"needs at least 2 {first} and 2 {second} networks of comparable total size "
                f"N + A; after matching ({matching}) there are {len(x)} and {len(y)}"
            )
            continue
        test = _mann_whitney(x[column].to_numpy(), y[column].to_numpy())
        comparisons[key] = {
            "available": True,
            "matching": matching,
            "n_first": len(x),
            "n_second": len(y),
            "median_first": _float(x[column].median()),
            "median_second": _float(y[column].median()),
            "median_difference": _float(x[column].median() - y[column].median()),
            **test,
        }
    tested = [k for k, v in comparisons.items() if v["available"]]
    if tested:
        adjusted = np.asarray(
            multipletests([comparisons[k]["p"] for k in tested], method="holm")[1], dtype=float
        )
        for k, p in zip(tested, adjusted):
            comparisons[k]["p_holm"] = _float(p)
    present = [g for g in _GROUPS if not groups[g].empty]
    out: dict[str, Any] = {"groups": summary, "comparisons": comparisons}
    if len(present) < 2:
        out.update(
            _unavailable(
                "needs at least two of the groups neuron-only (A = 0), astrocyte-only (N = 0) "
                f"and mixed (N > 0, A > 0); this sweep has {', '.join(present) or 'none'}"
            )
        )
    else:
        out["available"] = bool(tested)
        if not tested:
            out["reason"] = "; ".join(v["reason"] for v in comparisons.values())
    return out


def _trend(ok: pd.DataFrame, column: str, what: str) -> dict[str, Any]:
    """OLS slope and Spearman correlation of the learning rate against one column."""
    from scipy.stats import spearmanr

    d = ok.loc[np.isfinite(ok[column].to_numpy(float))]
    if len(d) < 3 or _distinct(d[column]) < 2:
        return _unavailable(
            f"needs at least 3 networks with at least 2 distinct values of {what}; "
            f"got {len(d)} network(s) with {_distinct(d[column])} value(s)"
        )
    y = d["learning_rate"].to_numpy()
    fit = _ols(y, {what: d[column].to_numpy(float)})
    if not fit["available"]:
        return fit
    with _quiet():
        rho = spearmanr(d[column].to_numpy(float), y)
    return {
        **fit,
        "spearman_rho": _float(rho.statistic),  # pyright: ignore[reportAttributeAccessIssue]
        "spearman_p": _float(rho.pvalue),  # pyright: ignore[reportAttributeAccessIssue]
    }


def _size_fraction(ok: pd.DataFrame) -> dict[str, Any]:
    """Learning rate on total size and astrocyte fraction together (they are correlated)."""
    if len(ok) < 5 or _distinct(ok["total"]) < 2 or _distinct(ok["fraction"]) < 2:
        return _unavailable(
            "needs at least 5 networks in which both the total size N + A and the astrocyte "
            "fraction A/(N + A) take at least 2 values"
        )
    fit = _ols(
        ok["learning_rate"].to_numpy(),
        {"N + A": ok["total"].to_numpy(float), "A/(N + A)": ok["fraction"].to_numpy(float)},
        vif=True,
    )
    if fit["available"] and fit["rank"] < fit["n_params"]:
        return _unavailable("total size and astrocyte fraction are collinear in this sweep")
    return fit


def _smoother(x: np.ndarray, ys: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Local-linear kernel regression with a Gaussian kernel, for each column of `ys`.

    At each grid point g, a straight line is fitted to (x, y) by least squares with weights
    exp(-(x - g)² / 2h²), and its value at g is returned: statsmodels'
    `KernelReg(..., reg_type="ll", bw=[h])`, vectorised because the bootstrap calls it
    thousands of times. Unlike nearest-neighbour LOWESS, the curve stays smooth when many
    networks tie on a ratio, as they do on a grid of (N, A).

    **Returns:** an array of shape `(len(grid), ys.shape[1])`.
    """
    offset = x[None, :] - grid[:, None]
    weight = np.exp(-0.5 * (offset / bandwidth) ** 2)
    s0 = weight.sum(axis=1)
    s1 = (weight * offset).sum(axis=1)
    s2 = (weight * offset * offset).sum(axis=1)
    determinant = s0 * s2 - s1 * s1
    # Where the weights sit on a single ratio, no line is defined: use the weighted mean.
    flat = ~(determinant > 1e-12 * np.maximum(s0 * s2, 1e-300))
    numerator = s2[:, None] - offset * s1[:, None]
    numerator[flat] = 1.0
    determinant[flat] = s0[flat]
    return (weight * numerator / determinant[:, None]) @ ys


def _bandwidth(x: np.ndarray, y: np.ndarray) -> float:
    """The kernel width (in decades of A/N) by leave-one-ratio-out cross-validation.

    Leaving out single networks would favour tiny widths on a grid, where every ratio is
    shared by several networks that predict each other. So all networks at one ratio are left
    out together and predicted from the others; only interior ratios are scored (the extreme
    ones would be extrapolations). Candidates are fractions of the sampled log range, never
    below half the widest gap between adjacent ratios, so no grid point falls between ratios
    that the kernel cannot see.
    """
    distinct = np.unique(x)
    span = distinct[-1] - distinct[0]
    floor = 0.5 * float(np.diff(distinct).max())
    candidates = sorted({max(floor, f * span) for f in (0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)})
    interior = distinct[1:-1]
    scores = []
    for h in candidates:
        error = 0.0
        for u in interior:
            held = x == u
            predicted = _smoother(x[~held], y[~held, None], np.array([u]), h)[0, 0]
            error += float(np.sum((y[held] - predicted) ** 2))
        scores.append(error)
    # Ties (and near-ties within rounding) go to the smoother curve.
    best = min(scores)
    return float(max(h for h, score in zip(candidates, scores) if score <= best * (1 + 1e-9)))


def _argmin(curve: np.ndarray, grid: np.ndarray) -> float:
    """The grid point where a curve is lowest (NaN if the curve is nowhere finite)."""
    if not np.isfinite(curve).any():
        return math.nan
    return float(grid[int(np.nanargmin(curve))])


def _ratio(
    ok: pd.DataFrame, *, n_boot: int, seed: int, column: str = "learning_rate"
) -> dict[str, Any]:
    """Smoothed `column` (lower is better) against log10(A/N) and the bootstrap interval of
    its argmin.

    The bootstrap resamples networks with replacement, refits the smoother and takes its
    argmin; the interval is the 2.5 and 97.5 percentiles of those argmins. A second estimate
    first removes a linear trend in total size N + A, because in a grid the large ratios come
    with large A, hence large networks.
    """
    mixed = ok.loc[ok["group"] == "mixed"]
    if mixed.empty:
        return _unavailable(_NEEDS_MIXED)
    x = np.log10(mixed["ratio"].to_numpy(float))
    y = mixed[column].to_numpy(float)
    distinct = len(np.unique(x))
    if len(x) < 5 or distinct < 3:
        return _unavailable(
            "needs at least 5 networks with both N > 0 and A > 0 spanning at least 3 distinct "
            f"ratios A/N; got {len(x)} network(s) with {distinct} ratio(s)"
        )
    total = mixed["total"].to_numpy(float)
    if len(np.unique(total)) > 1:
        slope = np.polyfit(total, y, 1)[0]
        adjusted = y - slope * (total - total.mean())
    else:
        adjusted = y
    # The width is chosen once, on all networks, and kept fixed in the bootstrap.
    bandwidth = _bandwidth(x, y)
    grid = np.linspace(x.min(), x.max(), 121)
    ys = np.column_stack([y, adjusted])
    fitted = _smoother(x, ys, grid, bandwidth)
    rng = np.random.default_rng(seed)
    boot_curves = np.full((n_boot, len(grid)), np.nan)
    boot_argmin = np.full((n_boot, 2), np.nan)
    for b in range(n_boot):
        index = rng.integers(0, len(x), len(x))
        if len(np.unique(x[index])) < 3:
            continue
        boot = _smoother(x[index], ys[index], grid, bandwidth)
        boot_curves[b] = boot[:, 0]
        boot_argmin[b] = [_argmin(boot[:, 0], grid), _argmin(boot[:, 1], grid)]

    def estimate(curve: np.ndarray, argmins: np.ndarray) -> dict[str, Any]:
        """Point estimate and bootstrap interval of the best ratio from one curve."""
        best = _argmin(curve, grid)
        good = argmins[np.isfinite(argmins)]
        if math.isnan(best) or len(good) < 10:
            return _unavailable("the smoother failed on this data (too few distinct ratios)")
        lo, hi = np.percentile(good, [2.5, 97.5])
        step = grid[1] - grid[0]
        at_edge = (good <= grid[0] + step / 2) | (good >= grid[-1] - step / 2)
        return {
            "available": True,
            "optimum": float(10**best),
            "value": float(np.nanmin(curve)),
            "interval": [float(10**lo), float(10**hi)],
            "contains_2": bool(10**lo <= 2.0 <= 10**hi),
            "optimum_at_edge": bool(best in (grid[0], grid[-1])),
            "interval_share_of_range": float((hi - lo) / (grid[-1] - grid[0])),
            "boot_at_edge_fraction": float(np.mean(at_edge)),
            "n_boot_used": len(good),
        }

    with _quiet():
        band = np.nanpercentile(boot_curves, [2.5, 97.5], axis=0)
    return {
        "available": True,
        "n": len(x),
        "n_ratios": distinct,
        "range": [float(10 ** x.min()), float(10 ** x.max())],
        "bandwidth": bandwidth,
        "n_boot": n_boot,
        "seed": seed,
        "raw": estimate(fitted[:, 0], boot_argmin[:, 0]),
        "size_adjusted": estimate(fitted[:, 1], boot_argmin[:, 1]),
        "curve": {
            "ratio": [float(v) for v in 10**grid],
            "mean": [float(v) for v in fitted[:, 0]],
            "low": [float(v) for v in band[0]],
            "high": [float(v) for v in band[1]],
        },
    }


def _lasso(ok: pd.DataFrame, *, seed: int) -> dict[str, Any]:
    """Cross-validated LASSO of the standardised learning rate on standardised N, A and N + A."""
    from sklearn.linear_model import LassoCV
    from sklearn.model_selection import KFold

    if len(ok) < 10:
        return _unavailable(f"needs at least 10 successful networks; got {len(ok)}")
    if _distinct(ok["n_neurons"]) < 2 or _distinct(ok["n_astrocytes"]) < 2:
        return _unavailable("needs at least 2 distinct values of N and of A")
    features = ok[["n_neurons", "n_astrocytes", "total"]].to_numpy(float)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    y = ok["learning_rate"].to_numpy(float)
    if not y.std() > 0:
        return _unavailable("the learning rate is the same for every network")
    y = (y - y.mean()) / y.std()
    folds = KFold(n_splits=5, shuffle=True, random_state=seed)
    with _quiet():
        model = LassoCV(cv=folds, max_iter=100_000, tol=1e-8).fit(features, y)
    coefs = {name: _float(c) for name, c in zip(_TERMS, model.coef_)}
    return {
        "available": True,
        "n": len(ok),
        "alpha": _float(model.alpha_),
        "coefficients": coefs,
        "survivors": [name for name, c in coefs.items() if abs(c) > 1e-10],
    }


def _regression(ok: pd.DataFrame) -> dict[str, Any]:
    """OLS on N, A and N + A (separately and as the collinear design) and on log ratio."""
    y = ok["learning_rate"].to_numpy(float)
    n, a, total = (ok[c].to_numpy(float) for c in ("n_neurons", "n_astrocytes", "total"))
    models: dict[str, Any] = {}
    if len(ok) < 4 or _distinct(ok["total"]) < 2:
        models["N + A"] = _unavailable(
            f"needs at least 4 successful networks with at least 2 distinct total sizes N + A; "
            f"got {len(ok)} network(s) with {_distinct(ok['total'])} size(s)"
        )
    else:
        models["N + A"] = _ols(y, {"N + A": total})
    if len(ok) < 4 or _distinct(ok["n_neurons"]) < 2 or _distinct(ok["n_astrocytes"]) < 2:
        reason = (
            "needs at least 4 successful networks with at least 2 distinct values of N and "
            f"of A; got {len(ok)} network(s), {_distinct(ok['n_neurons'])} value(s) of N and "
            f"{_distinct(ok['n_astrocytes'])} of A"
        )
        for name in ("N, A", "N, A, N + A"):
            models[name] = _unavailable(reason)
    else:
        models["N, A"] = _ols(y, {"N": n, "A": a}, vif=True)
        models["N, A, N + A"] = _ols(y, {"N": n, "A": a, "N + A": total}, vif=True)
        if models["N, A, N + A"]["available"]:
            models["N, A, N + A"]["note"] = (
                "N + A is exactly N plus A, so this design has rank "
                f"{models['N, A, N + A']['rank']} for {models['N, A, N + A']['n_params']} "
                "parameters: the minimum-norm (pseudo-inverse) fit shares the size effect "
                "between the three terms, and its coefficients and standard errors are not "
                "identifiable. Read the N + A and the N, A models instead."
            )
    mixed = ok.loc[ok["group"] == "mixed"]
    x = np.log10(mixed["ratio"].to_numpy(float))
    if len(mixed) < 4 or len(np.unique(x)) < 3:
        reason = f"{_NEEDS_MIXED}; at least 4 of them over at least 3 distinct ratios"
        models["log10(A/N)"] = _unavailable(reason)
        models["log10(A/N), squared"] = _unavailable(reason)
    else:
        ym = mixed["learning_rate"].to_numpy(float)
        models["log10(A/N)"] = _ols(ym, {"log10(A/N)": x})
        quadratic = _ols(ym, {"log10(A/N)": x, "log10(A/N)^2": x**2})
        if quadratic["available"]:
            b1 = quadratic["terms"]["log10(A/N)"]["coef"]
            b2 = quadratic["terms"]["log10(A/N)^2"]["coef"]
            # Only an upward parabola has a minimum, i.e. a best (most negative) ratio.
            quadratic["vertex_ratio"] = float(10 ** (-b1 / (2 * b2))) if b2 > 0 else math.nan
        models["log10(A/N), squared"] = quadratic
    return models


def _failures(df: pd.DataFrame) -> dict[str, Any]:
    """Which networks failed, grouped by (N, A), with their reasons."""
    failed = df.loc[df["status"] != "ok"]
    by_pair = []
    for (n, a), rows in failed.groupby(["n_neurons", "n_astrocytes"], sort=True):
        reasons = sorted({r for r in rows["failure"] if r} or {rows["status"].iloc[0]})
        by_pair.append(
            {"n_neurons": int(n), "n_astrocytes": int(a), "count": len(rows), "reasons": reasons}
        )
    nan_ok = df.loc[(df["status"] == "ok") & ~np.isfinite(df["learning_rate"].to_numpy())]
    return {
        "n_failed": len(failed),
        "by_pair": by_pair,
        "n_ok_without_learning_rate": len(nan_ok),
        "n_empty_networks": int(np.sum(df["group"].to_numpy() == "empty")),
    }


def _activity(df: pd.DataFrame) -> dict[str, Any]:
    """Firing rates per population: silent (0) or saturated (1 spike per step) reservoirs."""
    out = {}
    for column, population in (("rate_neurons", "neurons"), ("rate_astrocytes", "astrocytes")):
        if column not in df.columns:
            continue
        rate = _numbers(df[column])
        rate = rate[np.isfinite(rate)]
        if not len(rate):
            continue
        out[population] = {
            "n": len(rate),
            "median": float(np.median(rate)),
            "min": float(rate.min()),
            "max": float(rate.max()),
            "n_silent": int((rate == 0).sum()),
            "n_saturated": int((rate >= 0.999).sum()),
        }
    return out


def _verdict_trend(fit: dict[str, Any], term: str, marginal: dict[str, Any], what: str):
    """Verdict on "improves with `what`": a negative coefficient with p < ALPHA."""
    if not fit.get("available"):
        fit = marginal
        model = "alone"
    else:
        model = "with size and fraction together"
    if not fit.get("available"):
        return "cannot test", fit["reason"]
    t = fit["terms"][term]
    evidence = f"OLS slope on {what} ({model}) = {_fmt(t['coef'])} ± {_fmt(t['se'])}, p = "
    evidence += _fmt_p(t["p"])
    if marginal.get("available") and fit is not marginal:
        m = marginal["terms"][next(iter(marginal["terms"]))]
        evidence += f"; alone: {_fmt(m['coef'])}, p = {_fmt_p(m['p'])}"
    if marginal.get("available"):
        evidence += f"; Spearman ρ = {_fmt(marginal['spearman_rho'], 2)}"
        evidence += f" (p = {_fmt_p(marginal['spearman_p'])})"
    if t["p"] < ALPHA and t["coef"] < 0:
        return "supported", evidence
    if t["p"] < ALPHA and t["coef"] > 0:
        return "contradicted", evidence + " (learning gets slower)"
    return "not supported", evidence + " (no significant trend)"


def _ratio_verdict(ratio: dict[str, Any], lowest: str) -> tuple[str, str]:
    """Verdict on "the optimum lies near A:N = 2" from a `_ratio` result, and its evidence.

    `lowest` says where the optimum is, e.g. "smoothed learning rate is most negative".
    Supported only if 2 lies inside the bootstrap interval of the optimum, the optimum is not
    at an edge of the sampled ratios and the interval spans at most two thirds of them.
    """
    if not ratio["available"]:
        return "cannot test", ratio["reason"]
    if not ratio["raw"]["available"]:
        return "cannot test", ratio["raw"]["reason"]
    raw, adj = ratio["raw"], ratio["size_adjusted"]
    lo, hi = raw["interval"]
    evidence = (
        f"{lowest} at A/N = {_fmt(raw['optimum'])} "
        f"(95 % bootstrap interval {_fmt(lo)} to {_fmt(hi)}, {raw['n_boot_used']} resamples "
        f"of {ratio['n']} mixed networks; sampled ratios {_fmt(ratio['range'][0])} to "
        f"{_fmt(ratio['range'][1])})"
    )
    if adj["available"]:
        evidence += (
            f"; after removing the linear size trend: {_fmt(adj['optimum'])} "
            f"({_fmt(adj['interval'][0])} to {_fmt(adj['interval'][1])})"
        )
    # An interval that contains 2 only because it spans almost every sampled ratio, or an
    # optimum at the edge of the sampled ratios, is no evidence for an optimum at 2.
    if not raw["contains_2"]:
        return "not supported", evidence
    if raw["optimum_at_edge"]:
        return "inconclusive", evidence + (
            "; the smoothed mean is lowest at the edge of the sampled ratios"
        )
    if raw["interval_share_of_range"] > 2 / 3:
        return "inconclusive", evidence + (
            f"; the interval spans {_fmt(100 * raw['interval_share_of_range'], 2)} % of the "
            "sampled log ratios"
        )
    return "supported", evidence


def _claims(stats: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A verdict and its evidence for each claim of the paper, from the analyses."""
    if stats.get("no_learning_rate"):
        evidence = f"{_NO_LR}: {stats['no_learning_rate']}"
        return {
            k: {"claim": claim, "verdict": "does not apply", "evidence": evidence}
            for k, claim in _CLAIMS.items()
        }
    if stats["n_usable"] == 0:
        evidence = (
            f"no network finished with a finite learning rate ({stats['failures']['n_failed']} "
            f"of {stats['n_networks']} failed)"
        )
        return {
            k: {"claim": claim, "verdict": "cannot test", "evidence": evidence}
            for k, claim in _CLAIMS.items()
        }
    claims: dict[str, dict[str, str]] = {}

    # (a) Mixed against each single population, at matched total size.
    pops = stats["populations"]
    groups = pops["groups"]
    if groups["mixed"]["n"] == 0:
        verdict, evidence = "cannot test", _NEEDS_MIXED
    elif groups["neuron-only"]["n"] == 0 and groups["astrocyte-only"]["n"] == 0:
        verdict = "cannot test"
        evidence = "needs neuron-only (A = 0) or astrocyte-only (N = 0) networks to compare with"
    else:
        outcomes, parts = [], []
        for other in ("neuron-only", "astrocyte-only"):
            c = pops["comparisons"][f"mixed vs {other}"]
            if not c["available"]:
                outcomes.append("untested")
                parts.append(f"vs {other}: cannot test ({c['reason']})")
                continue
            significant = c["p_holm"] < ALPHA
            outcome = (
                "faster"
                if significant and c["cliffs_delta"] < 0
                else "slower"
                if significant
                else "no difference"
            )
            outcomes.append(outcome)
            parts.append(
                f"vs {other}: median {_fmt(c['median_first'])} vs {_fmt(c['median_second'])}, "
                f"Cliff's δ = {_fmt(c['cliffs_delta'], 2)}, Mann–Whitney p = {_fmt_p(c['p'])} "
                f"(Holm {_fmt_p(c['p_holm'])}; n = {c['n_first']} vs {c['n_second']}) → "
                f"mixed {outcome if outcome != 'no difference' else 'not significantly different'}"
            )
        evidence = "; ".join(parts)
        if "slower" in outcomes:
            verdict = "contradicted"
        elif outcomes == ["faster", "faster"]:
            verdict = "supported"
        elif "untested" in outcomes:
            verdict = "cannot test"
            evidence += " (only part of the claim can be tested)"
        else:
            verdict = "not supported"
    claims["a"] = {"verdict": verdict, "evidence": evidence}

    # (b) and (c): the joint model separates size from fraction, which a grid correlates.
    joint = stats["size_fraction"]
    verdict, evidence = _verdict_trend(joint, "N + A", stats["size"], "total size N + A")
    claims["b"] = {"verdict": verdict, "evidence": evidence}
    verdict, evidence = _verdict_trend(
        joint, "A/(N + A)", stats["fraction"], "astrocyte fraction A/(N + A)"
    )
    claims["c"] = {"verdict": verdict, "evidence": evidence}

    # (d) The optimum ratio: supported only if 2 lies inside the bootstrap interval.
    verdict, evidence = _ratio_verdict(stats["ratio"], "smoothed learning rate is most negative")
    claims["d"] = {"verdict": verdict, "evidence": evidence}

    # (e) The LASSO keeps only N + A.
    lasso = stats["lasso"]
    if not lasso["available"]:
        verdict, evidence = "cannot test", lasso["reason"]
    else:
        kept = lasso["survivors"]
        coefs = ", ".join(f"{k}: {_fmt(v)}" for k, v in lasso["coefficients"].items())
        evidence = (
            f"terms kept: {', '.join(kept) or 'none'} (standardised coefficients {coefs}; "
            f"α = {_fmt(lasso['alpha'])} by 5-fold CV, n = {lasso['n']})"
        )
        verdict = "supported" if kept == ["N + A"] else "not supported"
    claims["e"] = {"verdict": verdict, "evidence": evidence}
    return {k: {"claim": _CLAIMS[k], **v} for k, v in claims.items()}


def _no_learning_rate(df: pd.DataFrame, readout: str | None) -> str:
    """Why the learning-rate analyses do not apply to this sweep, or "" if they do."""
    if readout == "ridge":
        return _RIDGE
    finished = df.loc[df["finished"]]
    if (
        len(finished)
        and not np.isfinite(finished["learning_rate"].to_numpy()).any()
        and np.isfinite(finished["test_nrmse"].to_numpy()).any()
    ):
        # Only the ridge readout finishes without a learning rate: the sweep marks an MLP
        # whose loss is not finite as failed.
        return (
            "no network that finished has a learning rate, as with the ridge readout, which "
            "is fitted in closed form and has no epochs"
        )
    return ""


def _best_pairs(
    d: pd.DataFrame, column: str, *, higher_is_better: bool, k: int = 5
) -> list[dict[str, Any]]:
    """The `k` best (N, A) by the median of `column` over their replicates.

    Each entry holds N, A, the number of networks and the medians of every error column.
    Ties go to the lower median test NRMSE, then to the smaller network.
    """
    grouped = d.groupby(["n_neurons", "n_astrocytes"], sort=True)
    table = grouped[list(_ERRORS)].median()
    table["networks"] = grouped.size()
    table = table.reset_index()
    table["sort_key"] = -table[column] if higher_is_better else table[column]
    table["sort_total"] = table["n_neurons"] + table["n_astrocytes"]
    table = table.sort_values(
        ["sort_key", "test_nrmse", "sort_total"], na_position="last", kind="stable"
    )
    return [
        {
            "n_neurons": int(row["n_neurons"]),
            "n_astrocytes": int(row["n_astrocytes"]),
            "networks": int(row["networks"]),
            **{c: _float(row[c]) for c in _ERRORS},
        }
        for row in table.head(k).to_dict("records")
    ]


def _group_statement(pops: dict[str, Any], what: str, *, higher_is_better: bool, better: str):
    """One line comparing neuron-only, astrocyte-only and mixed networks on one metric.

    A difference is named only where its Holm-adjusted Mann–Whitney p is below ALPHA;
    otherwise the line says there is none, with the numbers.
    """
    if not pops.get("available") and len([g for g in pops["groups"].values() if g["n"]]) < 2:
        return f"{what}: cannot compare the populations ({pops['reason']})."
    parts = []
    for key, c in pops["comparisons"].items():
        first, second = key.split(" vs ")
        if not c["available"]:
            parts.append(f"{key}: cannot compare ({c['reason']})")
            continue
        if c["p_holm"] < ALPHA:
            ahead = c["cliffs_delta"] > 0 if higher_is_better else c["cliffs_delta"] < 0
            outcome = f"{first if ahead else second} {better}"
        else:
            outcome = "no significant difference"
        parts.append(
            f"{key}: {outcome} (median {_fmt(c['median_first'])} vs "
            f"{_fmt(c['median_second'])}, Cliff's δ = {_fmt(c['cliffs_delta'], 2)}, "
            f"Holm-adjusted Mann–Whitney p = {_fmt_p(c['p_holm'])}, n = {c['n_first']} vs "
            f"{c['n_second']} at matched total size)"
        )
    return f"{what}: " + "; ".join(parts) + "."


def _nrmse(df: pd.DataFrame, present: bool) -> dict[str, Any]:
    """Test NRMSE: summary, the populations compared, and the best (N, A)."""
    if not present:
        return _unavailable("results.csv has no test_nrmse column")
    d = df.loc[df["finished"] & np.isfinite(df["test_nrmse"].to_numpy())]
    if d.empty:
        return _unavailable("no network finished with a finite test NRMSE")
    pops = _populations(d, "test_nrmse")
    return {
        "available": True,
        "n": len(d),
        "median": _float(d["test_nrmse"].median()),
        "range": [_float(d["test_nrmse"].min()), _float(d["test_nrmse"].max())],
        "populations": pops,
        "n_pairs": int(d.groupby(["n_neurons", "n_astrocytes"]).ngroups),
        "best": _best_pairs(d, "test_nrmse", higher_is_better=False),
        "statement": _group_statement(pops, "Test NRMSE", higher_is_better=False, better="lower"),
    }


def _forecast(df: pd.DataFrame, present: list[str]) -> dict[str, Any]:
    """Closed-loop forecast: valid time (or, without it, forecast NRMSE) over the grid."""
    if not present:
        return _unavailable(
            f"forecasting was not run: results.csv has no {' or '.join(_FORECAST)} column; "
            f"{_HOW_FORECAST}"
        )
    finished = df.loc[df["finished"]]
    has = {c: bool(np.isfinite(finished[c].to_numpy()).any()) for c in _FORECAST}
    if not any(has.values()):
        return _unavailable(
            f"forecasting was not run for any network that finished ({' and '.join(present)} "
            f"empty); {_HOW_FORECAST}"
        )
    # The valid time is the headline; the forecast NRMSE stands in only without it.
    metric = "valid_time" if has["valid_time"] else "forecast_nrmse"
    higher = metric == "valid_time"
    d = finished.loc[np.isfinite(finished[metric].to_numpy())]
    values = d[metric].to_numpy(float)
    pops = _populations(d, metric)
    what = f"Valid time ({_VT_UNIT})" if higher else "Forecast NRMSE"
    return {
        "available": True,
        "metric": metric,
        "n": len(d),
        "n_not_run": len(finished) - len(d),
        "median": float(np.median(values)),
        "range": [float(values.min()), float(values.max())],
        "n_at_max": int(np.sum(values == values.max())),
        "populations": pops,
        "n_pairs": int(d.groupby(["n_neurons", "n_astrocytes"]).ngroups),
        "best": _best_pairs(d, metric, higher_is_better=higher),
        "statement": _group_statement(
            pops, what, higher_is_better=higher, better="longer" if higher else "lower"
        ),
    }


def analyse(
    results: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, readout: str | None = None
) -> dict[str, Any]:
    """The statistics of a sweep's results table, as plain Python numbers, lists and dicts.

    **Arguments:**

    - `results`: the `results.csv` table; needs `n_neurons`, `n_astrocytes`, `learning_rate`
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
    - `lasso`: cross-validated LASSO on standardised N, A and N + A;
    - `claims`: for each claim (a) to (e) of the paper, its text, a verdict ("supported",
      "not supported", "contradicted", "inconclusive", "cannot test" or, without a learning
      rate, "does not apply") and the evidence. "inconclusive" is used for (d) when the
      interval contains 2 but the smoothed mean is lowest at an edge of the sampled ratios,
      or the interval spans more than two thirds of them;
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
        "populations": _populations(ok),
        "size": _trend(ok, "total", "N + A"),
        "fraction": _trend(ok, "fraction", "A/(N + A)"),
        "size_fraction": _size_fraction(ok),
        "ratio": _ratio(ok, n_boot=n_boot, seed=seed),
        "regression": _regression(ok),
        "lasso": _lasso(ok, seed=seed),
        "no_learning_rate": _no_learning_rate(df, readout),
        "nrmse": _nrmse(df, "test_nrmse" in results.columns),
        "forecast": _forecast(df, [c for c in _FORECAST if c in results.columns]),
    }
    stats["claims"] = _claims(stats)
    return stats


# ---------------------------------------------------------------------------------------
# Figures. They are built on matplotlib's object API with an explicit Agg canvas, not with
# pyplot: nothing enters pyplot's global figure registry (so nothing is left open), and the
# caller's backend (say, a notebook's) is not changed.


class _Unavailable(Exception):
    """A figure that the data cannot support; its message goes on the placeholder."""


def _figure(size: tuple[float, float], ncols: int = 1):
    """A figure with one row of `ncols` axes on an Agg canvas, outside pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def _save(fig, path: Path) -> None:
    """Write a figure to `path` and free its contents."""
    fig.savefig(path, dpi=_DPI)
    fig.clear()


def _axis_note(ax, message: str) -> None:
    """A small wrapped note in the top-left corner of an axis (why a layer is missing)."""
    ax.text(0.02, 0.98, textwrap.fill(message, 70), transform=ax.transAxes, va="top", fontsize=8)


def _placeholder(path: Path, title: str, message: str) -> None:
    """A small image that says which figure is missing and why."""
    fig, (ax,) = _figure((6.4, 1.8))
    ax.set_axis_off()
    text = "\n".join(textwrap.wrap(f"{title}: not drawn. {message}", 80))
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10)
    _save(fig, path)


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges halfway between sorted grid values (a non-uniform grid keeps its axes)."""
    values = np.asarray(values, float)
    if len(values) == 1:
        half = max(abs(values[0]) * 0.25, 0.5)
        return np.array([values[0] - half, values[0] + half])
    mids = (values[1:] + values[:-1]) / 2
    return np.concatenate([[2 * values[0] - mids[0]], mids, [2 * values[-1] - mids[-1]]])


def _ratio_colouring():
    """Colour by A:N through the astrocyte fraction A/(N + A), which maps 0..∞ onto 0..1."""
    from matplotlib.colors import Normalize

    ticks = {"0": 0.0, "1:2": 1 / 3, "1:1": 0.5, "2:1": 2 / 3, "4:1": 0.8, "∞": 1.0}
    return "viridis", Normalize(0.0, 1.0), ticks


def _heatmap(fig, ax, df: pd.DataFrame, rows: pd.DataFrame, column: str, label: str) -> bool:
    """Mean of `column` over the (N, A) grid of `df` from `rows`, with the lines A:N = 1, 2, 3.

    **Returns:** whether some cell of the grid (other than the empty network) has no value.
    """
    ns = np.sort(df.loc[df["group"] != "empty", "n_neurons"].unique())
    as_ = np.sort(df.loc[df["group"] != "empty", "n_astrocytes"].unique())
    table = rows.pivot_table(
        index="n_astrocytes", columns="n_neurons", values=column, aggfunc="mean"
    ).reindex(index=as_, columns=ns)
    values = table.to_numpy(float)
    ax.set_facecolor("0.85")
    xe, ye = _edges(ns), _edges(as_)
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(values), cmap="viridis", shading="flat")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(label)
    if values.size <= 120:
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2
        for i, a in enumerate(as_):
            for j, n in enumerate(ns):
                if np.isfinite(values[i, j]):
                    colour = "white" if values[i, j] < middle else "black"
                    ax.text(
                        n,
                        a,
                        _fmt(values[i, j], 2),
                        ha="center",
                        va="center",
                        fontsize=6,
                        color=colour,
                    )
    x = np.linspace(0, xe[-1], 100)
    for k, style in ((1, ":"), (2, "--"), (3, "-.")):
        ax.plot(x, k * x, style, color="white", lw=1.6)
        ax.plot(x, k * x, style, color="crimson", lw=1.0, label=f"A:N = {k}:1")
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("neurons N (units)")
    ax.set_ylabel("astrocytes A (units)")
    ax.legend(loc="upper left", framealpha=0.8)
    # The empty network (0, 0) is never run, so its cell being grey says nothing.
    missing = np.isnan(values) & ~((as_[:, None] == 0) & (ns[None, :] == 0))
    return bool(missing.any())


def _draw_heatmap(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Mean learning rate over the (N, A) grid, with the lines A:N = 1, 2, 3."""
    ok = df.loc[df["usable"]]
    if ok.empty:
        raise _Unavailable("No network finished with a finite learning rate.")
    fig, (ax,) = _figure((6.4, 5.2))
    label = f"mean {_LR_LABEL}\n(more negative = faster)"
    title = "Mean learning rate over the (N, A) grid"
    if _heatmap(fig, ax, df, ok, "learning_rate", label):
        title += "\n(grey: no successful network)"
    ax.set_title(title)
    _save(fig, path)


def _draw_metric(
    df: pd.DataFrame, column: str, label: str, *, higher_is_better: bool, path: Path
) -> None:
    """One error metric over the grid: its mean over (N, A) (left) and against A/N (right).

    The right panel shows the mixed networks, a local-linear smoother through them (the
    ratio analysis' smoother, its width by the same cross-validation) and the medians of the
    neuron-only and astrocyte-only networks, which have no finite ratio, as horizontal lines.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    rows = df.loc[df["finished"] & np.isfinite(df[column].to_numpy())]
    if rows.empty:
        raise _Unavailable(f"No network that finished has a finite {label}.")
    direction = "higher" if higher_is_better else "lower"
    fig, (left, right) = _figure((12.0, 4.9), ncols=2)
    title = f"Mean {label} over the (N, A) grid"
    if _heatmap(fig, left, df, rows, column, f"mean {label}\n({direction} = better)"):
        title += "\n(grey: no value)"
    left.set_title(title)
    mixed = rows.loc[rows["group"] == "mixed"]
    if mixed.empty:
        _axis_note(right, f"No ratio plot: it {_NEEDS_MIXED}.")
    else:
        x, y = mixed["ratio"].to_numpy(float), mixed[column].to_numpy(float)
        right.scatter(x, y, s=7, color="0.15", alpha=0.55, lw=0, label="one mixed network")
        logs = np.log10(x)
        if len(x) >= 5 and len(np.unique(logs)) >= 3:
            with _quiet():
                grid = np.linspace(logs.min(), logs.max(), 121)
                curve = _smoother(logs, y[:, None], grid, _bandwidth(logs, y))[:, 0]
            right.plot(10**grid, curve, color="tab:orange", lw=2, label="smoothed mean")
        right.set_xscale("log")
        right.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        right.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        right.xaxis.set_minor_formatter(NullFormatter())
        right.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1")
    for group in ("neuron-only", "astrocyte-only"):
        values = rows.loc[rows["group"] == group, column]
        if len(values):
            right.axhline(
                float(values.median()),
                color=_GROUP_COLOURS[group],
                lw=1.3,
                ls=":",
                label=f"{group} median (n = {len(values)})",
            )
    right.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    right.ticklabel_format(axis="y", useOffset=False)
    right.set_ylabel(f"{label} ({direction} = better)")
    right.set_title(f"{label[0].upper() + label[1:]} against the astrocyte:neuron ratio")
    if right.get_legend_handles_labels()[0]:
        right.legend(loc="best", framealpha=0.85)
    _save(fig, path)


def _density(x: np.ndarray, y: np.ndarray):
    """A 2-D Gaussian KDE of (log10 ratio, learning rate) on a 100 x 100 grid, or None when
    there are too few networks or they lie on a line (the KDE's covariance is singular)."""
    from scipy.stats import gaussian_kde

    if len(x) < 10 or _distinct(x) < 2 or _distinct(y) < 2:
        return None
    try:
        with _quiet():
            kde = gaussian_kde(np.vstack([x, y]))
    except (np.linalg.LinAlgError, ValueError):
        return None
    pad_x, pad_y = 0.05 * np.ptp(x), 0.1 * np.ptp(y)
    grid_x = np.linspace(x.min() - pad_x, x.max() + pad_x, 100)
    grid_y = np.linspace(y.min() - pad_y, y.max() + pad_y, 100)
    mesh_x, mesh_y = np.meshgrid(grid_x, grid_y)
    values = kde(np.vstack([mesh_x.ravel(), mesh_y.ravel()])).reshape(mesh_x.shape)
    if not np.all(np.isfinite(values)):
        return None
    return grid_x, grid_y, values


def _draw_ratio(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Learning rate against A/N: networks, density, smoothed mean and optimum."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    mixed = df.loc[df["usable"] & (df["group"] == "mixed")]
    if mixed.empty:
        raise _Unavailable(f"The ratio plot {_NEEDS_MIXED}.")
    ratio, lr = mixed["ratio"].to_numpy(float), mixed["learning_rate"].to_numpy(float)
    fig, (ax,) = _figure((7.0, 4.8))
    density = _density(np.log10(ratio), lr)
    if density is not None:
        grid_x, grid_y, values = density
        # Relative density, and nothing drawn below 5 % of the peak, so the axes stay white.
        levels = np.linspace(0.05, 1.0, 9)
        filled = ax.contourf(
            10**grid_x,
            grid_y,
            values / values.max(),
            levels=levels,
            cmap="Blues",
            alpha=0.85,
            zorder=0,
        )
        cbar = fig.colorbar(filled, ax=ax, ticks=[0.05, 0.25, 0.5, 0.75, 1.0])
        cbar.set_label("relative density of networks (2-D Gaussian KDE)")
    ax.scatter(ratio, lr, s=7, color="0.15", alpha=0.55, lw=0, label="one network", zorder=3)
    ax.set_xscale("log")
    info = stats["ratio"]
    if info["available"]:
        curve = info["curve"]
        ax.fill_between(
            curve["ratio"],
            curve["low"],
            curve["high"],
            color="tab:orange",
            alpha=0.3,
            lw=0,
            label="95 % bootstrap band",
            zorder=4,
        )
        ax.plot(
            curve["ratio"], curve["mean"], color="tab:orange", lw=2, label="smoothed mean", zorder=5
        )
        raw = info["raw"]
        if raw["available"]:
            ax.axvspan(
                *raw["interval"],
                color="tab:red",
                alpha=0.12,
                lw=0,
                zorder=1,
                label="95 % interval of the optimum",
            )
            ax.axvline(
                raw["optimum"],
                color="tab:red",
                lw=1.5,
                label=f"optimum A/N = {_fmt(raw['optimum'])}",
            )
    else:
        _axis_note(ax, f"No smoothed mean: {info['reason']}")
    ax.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1 (paper)")
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    ax.set_ylabel(_LR_LABEL)
    ax.set_title("Learning rate against the astrocyte:neuron ratio (mixed networks)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    _save(fig, path)


def _draw_populations(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Single populations against mixed networks, at matched total size."""
    ok = df.loc[df["usable"]]
    present = [g for g in _GROUPS if (ok["group"] == g).any()]
    if not present:
        raise _Unavailable("No network finished with a finite learning rate.")
    # Left: the matched comparison, i.e. total sizes that at least two groups share.
    sizes = ok.groupby("total")["group"].nunique()
    shared = sizes[sizes >= 2].index
    matched = ok.loc[ok["total"].isin(shared)] if len(shared) else ok
    fig, (left, right) = _figure((10.0, 4.6), ncols=2)
    rng = np.random.default_rng(0)
    data, labels, positions = [], [], []
    for i, g in enumerate(_GROUPS):
        values = matched.loc[matched["group"] == g, "learning_rate"].to_numpy(float)
        if not len(values):
            continue
        data.append(values)
        labels.append(f"{_GROUP_LABELS[g]}\nn = {len(values)}")
        positions.append(i)
        jitter = rng.uniform(-0.18, 0.18, len(values))
        left.scatter(i + jitter, values, s=8, alpha=0.5, color=_GROUP_COLOURS[g], lw=0, zorder=3)
    left.boxplot(
        data, positions=positions, widths=0.55, showfliers=False, medianprops={"color": "black"}
    )
    left.set_xticks(positions, labels)
    left.set_ylabel(_LR_LABEL)
    left.set_title(
        "Matched total sizes N + A" if len(shared) else "All networks (no total size shared)"
    )
    notes = []
    for key, c in stats["populations"]["comparisons"].items():
        if c["available"]:
            notes.append(
                f"{key}: δ = {_fmt(c['cliffs_delta'], 2)}, p(Holm) = {_fmt_p(c['p_holm'])}"
            )
    if len(present) < 2:
        notes.append(f"only {present[0]} networks: nothing to compare")
    if notes:
        left.text(
            0.02,
            0.02,
            "\n".join(notes),
            transform=left.transAxes,
            fontsize=7,
            va="bottom",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
        )
    # Right: the mean at every total size, one line per group.
    for g in present:
        means = ok.loc[ok["group"] == g].groupby("total")["learning_rate"].agg(["mean", "std"])
        right.errorbar(
            means.index,
            means["mean"],
            yerr=means["std"].fillna(0),
            marker="o",
            ms=4,
            capsize=2,
            color=_GROUP_COLOURS[g],
            label=g,
        )
    right.set_xlabel("total size N + A (units)")
    right.set_ylabel(f"mean {_LR_LABEL}")
    right.set_title("Mean ± SD at each total size")
    right.legend(framealpha=0.85)
    _save(fig, path)


def _draw_size(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Learning rate against total size N + A, coloured by ratio, with the OLS line."""
    ok = df.loc[df["usable"]]
    if ok.empty:
        raise _Unavailable("No network finished with a finite learning rate.")
    cmap, norm, ticks = _ratio_colouring()
    fig, (ax,) = _figure((6.8, 4.6))
    points = ax.scatter(
        ok["total"],
        ok["learning_rate"],
        c=ok["fraction"],
        cmap=cmap,
        norm=norm,
        s=12,
        alpha=0.75,
        lw=0,
        label="one network",
    )
    cbar = fig.colorbar(points, ax=ax, ticks=list(ticks.values()))
    cbar.ax.set_yticklabels(list(ticks))
    cbar.set_label("ratio A:N (colour scale: astrocyte fraction A/(N + A))")
    size = stats["size"]
    if size["available"]:
        x = np.linspace(ok["total"].min(), ok["total"].max(), 50)
        t = size["terms"]["N + A"]
        ax.plot(
            x,
            size["intercept"] + t["coef"] * x,
            color="crimson",
            lw=1.5,
            label=f"OLS: slope {_fmt(t['coef'])} per unit, p = {_fmt_p(t['p'])}",
        )
        ax.legend(loc="best", framealpha=0.85)
    else:
        _axis_note(ax, f"No trend: {size['reason']}")
    ax.set_xlabel("total size N + A (units)")
    ax.set_ylabel(_LR_LABEL)
    ax.set_title("Learning rate against network size")
    _save(fig, path)


def _draw_curves(df: pd.DataFrame, curves: np.ndarray | None, path: Path, why: str) -> None:
    """Up to 40 loss curves on a log axis, evenly spread over the ratio."""
    from matplotlib.cm import ScalarMappable

    if curves is None:
        raise _Unavailable(why)
    valid = np.all(np.isfinite(curves) & (curves > 0), axis=1) & (df["group"] != "empty").to_numpy()
    if not valid.any():
        raise _Unavailable("No network has a finite, positive loss curve to draw on a log axis.")
    rows = np.flatnonzero(valid)
    # An even sample across the astrocyte fraction, so every ratio is represented.
    rows = rows[np.argsort(df["fraction"].to_numpy()[rows], kind="stable")]
    if len(rows) > 40:
        rows = rows[np.unique(np.linspace(0, len(rows) - 1, 40).round().astype(int))]
    cmap, norm, ticks = _ratio_colouring()
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    fig, (ax,) = _figure((6.8, 4.6))
    epochs = np.arange(curves.shape[1])
    for row in rows:
        colour = mappable.to_rgba(df["fraction"].iloc[row])
        ax.plot(epochs, curves[row], color=colour, lw=0.9, alpha=0.8)
    ax.set_yscale("log")
    cbar = fig.colorbar(mappable, ax=ax, ticks=list(ticks.values()))
    cbar.ax.set_yticklabels(list(ticks))
    cbar.set_label("ratio A:N")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE (epoch mean, log scale)")
    ax.set_title(f"Readout loss curves ({len(rows)} of {valid.sum()} networks)")
    _save(fig, path)


# ---------------------------------------------------------------------------------------
# Reading a sweep directory and writing the report.


def _read_results(path: Path) -> pd.DataFrame:
    """results.csv as a table; a ReportError if it cannot be parsed."""
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ReportError(f"cannot read {path.name}: {error}") from error
    return table


def _read_curves(path: Path, results: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """The loss curves if present and consistent with results.csv, else None and why."""
    if not path.is_file():
        return None, "curves.npz is missing from the sweep directory."
    try:
        with np.load(path) as data:
            curves = np.asarray(data["curves"], dtype=float)
            keys = {k: np.asarray(data[k]) for k in ("n_neurons", "n_astrocytes") if k in data}
    except (OSError, ValueError, KeyError) as error:
        raise ReportError(f"cannot read curves.npz: {error}") from error
    if curves.ndim != 2 or curves.shape[0] != len(results):
        raise ReportError(
            f"curves.npz holds curves of shape {curves.shape}, but results.csv has "
            f"{len(results)} rows: the two files come from different sweeps"
        )
    for key, values in keys.items():
        if key in results.columns and not np.array_equal(values, results[key].to_numpy()):
            raise ReportError(f"curves.npz and results.csv disagree on {key} row by row")
    if curves.shape[1] == 0:
        return None, "curves.npz holds no epochs."
    return curves, ""


def _read_run(path: Path) -> dict[str, Any] | None:
    """run.json as a dict, or None if it is missing."""
    if not path.is_file():
        return None
    try:
        run = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"run.json is not valid JSON: {error}") from error
    if not isinstance(run, dict):
        raise ReportError("run.json must hold a JSON object")
    return run


def _read_baselines(path: Path) -> pd.DataFrame | None:
    """baselines.csv as a table, or None if it is missing; a ReportError if it is unusable."""
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ReportError(f"cannot read {path.name}: {error}") from error
    missing = [c for c in ("model", "test_nrmse") if c not in table.columns]
    if missing or table.empty:
        raise ReportError(
            f"{path.name} must hold one row per baseline with columns model, task, "
            f"{', '.join(_BASELINE_METRICS)} (and any hyperparameters); "
            + (f"it lacks {', '.join(missing)}" if missing else "it has no rows")
        )
    return table


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


def _baselines(table: pd.DataFrame | None, stats: dict[str, Any], run: dict[str, Any] | None):
    """The baselines of baselines.csv beside the sweep's best (N, A), as plain values."""
    if table is None:
        return _unavailable(f"the sweep directory holds no baselines.csv; {_HOW_BASELINES}")
    task = _config(run).get("task")
    # The valid time in steps, as some writers add it, is a score, not a hyperparameter.
    known = {"model", "task", "valid_steps", *_BASELINE_METRICS}
    rows = []
    for _, row in table.iterrows():
        rows.append(
            {
                "model": _text(row["model"]),
                "task": _text(row.get("task")),
                **{m: _float(row.get(m)) for m in _BASELINE_METRICS},
                "hyperparameters": ", ".join(
                    f"{k}={_text(v)}" for k, v in row.items() if k not in known and _text(v)
                ),
            }
        )
    reservoir = []
    for key, selection in (("nrmse", "test NRMSE"), ("forecast", "valid time")):
        analysis = stats[key]
        if analysis["available"] and (key == "nrmse" or analysis["metric"] == "valid_time"):
            reservoir.append(
                {
                    "selection": selection,
                    "criterion": f"the {'lowest' if key == 'nrmse' else 'longest'} median "
                    f"{selection}",
                    "n_pairs": analysis["n_pairs"],
                    **analysis["best"][0],
                }
            )
    return {
        "available": True,
        "rows": rows,
        "reservoir": reservoir,
        "task": task,
        "other_tasks": sorted({r["task"] for r in rows if task and r["task"] not in ("", task)}),
    }


def _brief(value: Any, limit: int = 80) -> str:
    """A value (list, dict or scalar) as a short one-line text."""
    if isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} {v}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ols_rows(name: str, fit: dict[str, Any]) -> list[str]:
    """Markdown table rows for one OLS fit, or one row that says why it is missing."""
    if not fit["available"]:
        return [f"| {name} | – | – | – | – | – | cannot fit: {fit['reason']} |"]
    rows = []
    for term, t in fit["terms"].items():
        vif = _fmt(fit["vif"][term]) if "vif" in fit else "–"
        rows.append(
            f"| {name} | {term} | {_fmt(t['coef'])} | {_fmt(t['se'])} | {_fmt_p(t['p'])} | "
            f"{vif} | n = {fit['n']}, R² = {_fmt(fit['r2'], 2)} |"
        )
    return rows


def _best_table(best: list[dict[str, Any]], order: tuple[str, ...]) -> list[str]:
    """Markdown rows for the best (N, A), the ranking metric first; empty columns left out."""
    order = order[:1] + tuple(c for c in order[1:] if any(math.isfinite(b[c]) for b in best))
    names = {
        "test_nrmse": "test NRMSE",
        "forecast_nrmse": "forecast NRMSE",
        "valid_time": f"valid time ({_VT_UNIT})",
    }
    lines = [
        "| rank | N | A | A:N | networks | " + " | ".join(f"{names[c]}" for c in order) + " |",
        "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in order) + " |",
    ]
    for rank, b in enumerate(best, 1):
        n, a = b["n_neurons"], b["n_astrocytes"]
        ratio = _fmt(a / n) if n else "∞"
        values = " | ".join(_fmt(b[c]) for c in order)
        lines.append(f"| {rank} | {n} | {a} | {ratio} | {b['networks']} | {values} |")
    return lines


def _figure_line(name: str, caption: str, placeholders: dict[str, str]) -> list[str]:
    """A figure and its caption, or why it is only a placeholder."""
    if name in placeholders:
        caption = "a placeholder image, for the reason stated above."
    return [f"![{name}]({name})", "", f"*{name}*: {caption}", ""]


def _markdown_errors(
    stats: dict[str, Any], baselines: dict[str, Any], placeholders: dict[str, str]
) -> list[str]:
    """The sections on test NRMSE, forecasting and baselines."""
    lines = ["", "## Test NRMSE", ""]
    nrmse = stats["nrmse"]
    if nrmse["available"]:
        lines += [
            "Normalised root-mean-square error of the readout's prediction on the test split "
            f"(lower is better): {nrmse['n']} networks, median {_fmt(nrmse['median'])}, range "
            f"{_fmt(nrmse['range'][0])} to {_fmt(nrmse['range'][1])}.",
            "",
            nrmse["statement"],
            "",
        ]
    else:
        lines += [f"No test NRMSE to report: {nrmse['reason']}.", ""]
    lines += _figure_line(
        "nrmse.png",
        "Mean test NRMSE over (N, A) (left), and against A/N for mixed networks with the "
        "single populations' medians (right).",
        placeholders,
    )
    if nrmse["available"]:
        lines += [
            f"Best (N, A) by median test NRMSE over replicates (of {nrmse['n_pairs']}):",
            "",
            *_best_table(nrmse["best"], ("test_nrmse", "forecast_nrmse", "valid_time")),
        ]

    lines += ["", "## Forecasting", ""]
    forecast = stats["forecast"]
    if not forecast["available"]:
        reason = forecast["reason"]
        lines += [reason[0].upper() + reason[1:] + ".", ""]
    else:
        lines += [
            "Closed-loop forecast from the start of the test split, the readout's output fed "
            "back as its input. Valid time: steps until the normalised error first exceeds "
            f"0.4, in {_VT_UNIT} (higher is better); forecast NRMSE: over the first Lyapunov "
            f"time (lower is better). {forecast['n']} networks have a forecast "
            f"(median {'valid time' if forecast['metric'] == 'valid_time' else 'forecast NRMSE'}"
            f" {_fmt(forecast['median'])}, range {_fmt(forecast['range'][0])} to "
            f"{_fmt(forecast['range'][1])})"
            + (
                f"; {forecast['n_not_run']} finished network(s) have none"
                if forecast["n_not_run"]
                else ""
            )
            + ".",
            "",
            forecast["statement"],
            "",
        ]
        if forecast["metric"] != "valid_time":
            lines += ["results.csv holds no valid time: networks are ranked by forecast NRMSE.", ""]
    shown = "forecast NRMSE" if forecast.get("metric") == "forecast_nrmse" else "valid time"
    lines += _figure_line(
        "forecast.png",
        f"Mean {shown} over (N, A) (left), and against A/N for mixed networks with the single "
        "populations' medians (right).",
        placeholders,
    )
    if forecast["available"]:
        order = ("valid_time", "forecast_nrmse", "test_nrmse")
        if forecast["metric"] != "valid_time":
            order = ("forecast_nrmse", "valid_time", "test_nrmse")
        what = "valid time" if forecast["metric"] == "valid_time" else "forecast NRMSE"
        lines += [
            f"Best (N, A) by median {what} over replicates (of {forecast['n_pairs']}):",
            "",
            *_best_table(forecast["best"], order),
        ]
        if forecast["metric"] == "valid_time" and forecast["n_at_max"] > 1:
            lines += [
                "",
                f"{forecast['n_at_max']} networks share the longest valid time, "
                f"{_fmt(forecast['range'][1])}: if that is the whole forecast, their error "
                "never exceeded 0.4 and the valid time is only a lower bound.",
            ]

    lines += ["", "## Baselines on the same split", ""]
    if not baselines["available"]:
        reason = baselines["reason"]
        lines.append(reason[0].upper() + reason[1:] + ".")
        return lines
    lines += [
        f"| model | task | test NRMSE | forecast NRMSE | valid time ({_VT_UNIT}) | fit time (s) "
        "| hyperparameters |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in baselines["rows"]:
        metrics = " | ".join(_fmt(r[m]) for m in _BASELINE_METRICS)
        lines.append(
            f"| {r['model']} | {r['task'] or '–'} | {metrics} | {r['hyperparameters'] or '–'} |"
        )
    task = baselines["task"] or "–"
    for r in baselines["reservoir"]:
        metrics = " | ".join(_fmt(r[m]) for m in _ERRORS)
        lines.append(
            f"| spiking reservoir, best by {r['selection']}: N = {r['n_neurons']}, "
            f"A = {r['n_astrocytes']} | {task} | {metrics} | – | median of {r['networks']} "
            "replicate(s) |"
        )
    if baselines["reservoir"]:
        chosen = " and ".join(r["criterion"] for r in baselines["reservoir"])
        lines += [
            "",
            f"The spiking-reservoir rows are the grid points (N, A) of this sweep with {chosen} "
            "over their replicates; they are picked among "
            f"{baselines['reservoir'][0]['n_pairs']} grid points by their score on the test "
            "split, which flatters them a little. results.csv records no per-network fit time.",
        ]
    else:
        lines += ["", "The sweep has no network with a finite test NRMSE to set beside them."]
    if baselines["other_tasks"]:
        lines += [
            "",
            f"**Warning**: baselines.csv holds rows for task {', '.join(baselines['other_tasks'])}"
            f", but the sweep ran task {baselines['task']}: those rows are not on the same split.",
        ]
    return lines


def _claims_table(stats: dict[str, Any]) -> list[str]:
    lines = ["## The paper's claims", "", "| claim | verdict | evidence |", "| --- | --- | --- |"]
    for key, c in stats["claims"].items():
        lines.append(f"| ({key}) {c['claim']} | **{c['verdict']}** | {c['evidence']} |")
    return lines


def _markdown(
    stats: dict[str, Any],
    run: dict[str, Any] | None,
    placeholders: dict[str, str],
    baselines: dict[str, Any],
) -> str:
    """The text of report.md."""
    lines = ["# Sweep report: learning rate over neuron and astrocyte counts", ""]

    # What was run, and what came of it.
    summary: list[str] = []
    if run is None:
        summary.append("run.json is missing: the sweep's options and versions are unknown.")
    else:
        config = run.get("config", {}) if isinstance(run.get("config"), dict) else {}
        parts = [
            f"{label} {_brief(config[key])}"
            for key, label in (
                ("neurons", "N ∈"),
                ("astrocytes", "A ∈"),
                ("seeds", "seeds"),
                ("steps", "T ="),
                ("epochs", "epochs ="),
                ("task", "task"),
                ("astrocyte_model", "astrocyte model"),
                ("readout", "readout"),
            )
            if key in config
        ]
        summary.append("Sweep: " + ("; ".join(parts) or "options not recorded") + ".")
        extra = []
        if "fingerprint" in run:
            extra.append(f"Fingerprint `{_brief(run['fingerprint'], 24)}`")
        if "versions" in run:
            extra.append(f"versions: {_brief(run['versions'], 120)}")
        if extra:
            summary.append(" ".join(e + ";" for e in extra[:-1]) + " " + extra[-1] + ".")
    failures = stats["failures"]
    no_lr = stats.get("no_learning_rate", "")
    if no_lr:
        summary.append(
            f"Networks: {stats['n_networks']}, of which {failures['n_failed']} failed "
            f"(status ≠ ok); {_NO_LR}: {no_lr}."
        )
    else:
        summary.append(
            f"Networks: {stats['n_networks']}, of which {stats['n_usable']} finished with a "
            f"finite learning rate and {failures['n_failed']} failed (status ≠ ok)."
        )
    by_reason: dict[str, list[str]] = {}
    for pair in failures["by_pair"]:
        for reason in pair["reasons"]:
            by_reason.setdefault(reason, []).append(
                f"({pair['n_neurons']}, {pair['n_astrocytes']}) ×{pair['count']}"
            )
    for reason, pairs in by_reason.items():
        more = f", and {len(pairs) - 20} more" if len(pairs) > 20 else ""
        summary.append(f"Failed, {reason}: (N, A) = {', '.join(pairs[:20])}{more}.")
    if failures["n_ok_without_learning_rate"] and not no_lr:
        summary.append(
            f"{failures['n_ok_without_learning_rate']} network(s) have status ok but no finite "
            "learning rate; they are left out."
        )
    for population, a in stats["activity"].items():
        summary.append(
            f"Firing rate of {population} (spikes per unit per step): median {_fmt(a['median'])}, "
            f"range {_fmt(a['min'])} to {_fmt(a['max'])}; {a['n_silent']} silent and "
            f"{a['n_saturated']} saturated network(s)."
        )
    lines += [f"- {item}" for item in summary]
    if no_lr:
        lines += [
            "",
            f"**{_NO_LR[0].upper() + _NO_LR[1:]}** to this sweep: {no_lr}. The paper's claims "
            "are about the learning rate, so each is marked *does not apply*, and the "
            "learning-rate figures are placeholders; the test NRMSE, forecasting and baseline "
            "sections below still apply.",
            "",
        ]
        lines += _claims_table(stats)
        lines += ["", "## Figures", ""]
        for name in _LR_FIGURES:
            lines += [f"![{name}]({name})", "", f"*{name}*: placeholder ({_NO_LR}).", ""]
        lines += _markdown_errors(stats, baselines, placeholders)
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"Learning rate = least-squares slope of log10(epoch-mean training MSE) against epoch "
        f"({_LR_UNIT}); more negative = faster learning. Tests at α = {ALPHA}."
        + (
            f" **Here the slope is taken over the first {stats['slope_epochs']} epochs only**"
            " (recomputed from curves.npz; the sweep's results.csv uses all epochs)."
            if stats.get("slope_epochs")
            else ""
        ),
        "",
    ]
    lines += _claims_table(stats)

    # Figures.
    captions = {
        "heatmap.png": "Mean learning rate over (N, A), with the lines A:N = 1, 2, 3.",
        "ratio.png": "Learning rate against A/N for mixed networks: density (2-D KDE), "
        "smoothed mean with a 95 % bootstrap band, and the optimum with its bootstrap interval.",
        "populations.png": "Neuron-only, astrocyte-only and mixed networks at matched total "
        "size (left), and the mean at each total size (right).",
        "size.png": "Learning rate against total size N + A, coloured by ratio.",
        "curves.png": "A sample of training-loss curves, coloured by ratio.",
    }
    lines += ["", "## Figures", ""]
    for name in _LR_FIGURES:
        caption = captions[name]
        if name in placeholders:
            caption += f" *Not drawn: {placeholders[name]}*"
        lines += [f"![{name}]({name})", "", f"*{name}*: {caption}", ""]

    # Tables.
    pops = stats["populations"]
    lines += [
        "## Tables",
        "",
        "Populations (all successful networks; tests use matched total sizes):",
        "",
        "| group | n | median | mean | SD |",
        "| --- | --- | --- | --- | --- |",
    ]
    for g, s in pops["groups"].items():
        lines.append(
            f"| {g} | {s['n']} | {_fmt(s['median'])} | {_fmt(s['mean'])} | {_fmt(s['sd'])} |"
        )
    lines += [
        "",
        "| comparison | n | median difference | Cliff's δ | Mann–Whitney U | p | p (Holm) "
        "| matching |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, c in pops["comparisons"].items():
        if c["available"]:
            lines.append(
                f"| {key} | {c['n_first']} vs {c['n_second']} | {_fmt(c['median_difference'])} "
                f"| {_fmt(c['cliffs_delta'], 2)} | {_fmt(c['u'])} | {_fmt_p(c['p'])} | "
                f"{_fmt_p(c['p_holm'])} | {c['matching']} |"
            )
        else:
            lines.append(f"| {key} | – | – | – | – | – | – | cannot test: {c['reason']} |")

    ratio = stats["ratio"]
    lines += ["", "Optimum ratio A/N (argmin of the smoothed mean, bootstrap over networks):", ""]
    if ratio["available"]:
        lines += [
            "| estimate | optimum A/N | 95 % interval | contains 2 | resamples at the edge |",
            "| --- | --- | --- | --- | --- |",
        ]
        for label, key in (("raw", "raw"), ("size trend removed", "size_adjusted")):
            e = ratio[key]
            if e["available"]:
                lines.append(
                    f"| {label} | {_fmt(e['optimum'])} | {_fmt(e['interval'][0])} to "
                    f"{_fmt(e['interval'][1])} | {'yes' if e['contains_2'] else 'no'} | "
                    f"{_fmt(100 * e['boot_at_edge_fraction'], 2)} % |"
                )
            else:
                lines.append(f"| {label} | – | – | – | cannot estimate: {e['reason']} |")
        lines.append(
            f"\n{ratio['n']} mixed networks, {ratio['n_ratios']} distinct ratios; local-linear "
            f"smoother with a Gaussian kernel of width {_fmt(ratio['bandwidth'], 2)} decades of "
            f"A/N (leave-one-ratio-out cross-validation); {ratio['n_boot']} resamples "
            f"(seed {ratio['seed']})."
        )
    else:
        lines.append(f"Cannot estimate: {ratio['reason']}.")

    lines += [
        "",
        "Regressions of the learning rate (OLS; coefficients per unit, or per decade of A/N):",
        "",
        "| model | term | coefficient | SE | p | VIF | fit |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, fit in stats["regression"].items():
        lines += _ols_rows(name, fit)
    lines += _ols_rows("A/(N + A)", stats["fraction"])
    lines += _ols_rows("N + A, A/(N + A)", stats["size_fraction"])
    full = stats["regression"]["N, A, N + A"]
    if full.get("note"):
        lines += ["", f"Note on the N, A, N + A model: {full['note']}"]
    quadratic = stats["regression"]["log10(A/N), squared"]
    if quadratic["available"]:
        vertex = quadratic["vertex_ratio"]
        lines.append(
            "\nQuadratic in log10(A/N) (mixed networks): "
            + (
                f"best ratio at its vertex A/N = {_fmt(vertex)}."
                if math.isfinite(vertex)
                else "the parabola opens downward, so it has no best ratio."
            )
        )
    lasso = stats["lasso"]
    lines += ["", "LASSO (5-fold CV, standardised N, A and N + A):", ""]
    if lasso["available"]:
        lines += [
            "| term | standardised coefficient | kept |",
            "| --- | --- | --- |",
        ]
        for term, coef in lasso["coefficients"].items():
            kept = "yes" if term in lasso["survivors"] else "no"
            lines.append(f"| {term} | {_fmt(coef)} | {kept} |")
        lines.append(f"\nα = {_fmt(lasso['alpha'])}, n = {lasso['n']}.")
    else:
        lines.append(f"Cannot fit: {lasso['reason']}.")
    lines += _markdown_errors(stats, baselines, placeholders)
    return "\n".join(lines) + "\n"


def _early_slope(
    results: pd.DataFrame, curves: np.ndarray | None, epochs: int, why_no_curves: str
) -> pd.DataFrame:
    """`results` with `learning_rate` recomputed over the first `epochs` epochs of the curves."""
    if curves is None:
        raise ReportError(f"--slope-epochs needs curves.npz: {why_no_curves}")
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, int)
        or not 2 <= epochs <= curves.shape[1]
    ):
        raise ReportError(
            f"--slope-epochs: got {epochs!r}; must be a whole number from 2 to the sweep's "
            f"{curves.shape[1]} epochs"
        )
    from ._metrics import learning_rate_slope

    results = results.copy()
    slopes = np.asarray(learning_rate_slope(np.asarray(curves[:, :epochs], np.float64)))
    ok = (
        (results["status"] == "ok").to_numpy()
        if "status" in results
        else np.ones(len(results), bool)
    )
    results["learning_rate"] = np.where(ok, slopes, np.nan)
    return results


def report(
    directory: str | Path, *, out: str | Path | None = None, slope_epochs: int | None = None
) -> Path:
    """Write the figures and `report.md` for a finished sweep, and return the report's path.

    **Arguments:**

    - `directory`: the sweep directory, holding `results.csv` (required), `curves.npz`,
      `run.json` and `baselines.csv` (the report notes their absence and still gets
      written). With `run.json`'s `config.readout` "ridge" the learning-rate analyses are
      marked as not applying; `results.csv`'s optional `test_nrmse`, `forecast_nrmse` and
      `valid_time` feed the sections on test error and forecasting, and `baselines.csv`
      (columns `model`, `task`, `test_nrmse`, `forecast_nrmse`, `valid_time`, `fit_seconds`,
      any others read as hyperparameters) the section "Baselines on the same split".
    - `out`: where to write the figures and `report.md`; defaults to `directory`. Created if
      needed.
    - `slope_epochs`: if given, the learning rate is recomputed from `curves.npz` as the
      slope over the first `slope_epochs` epochs only (the sweep's own column uses all
      epochs), and the report says so. Needs `curves.npz`.

    **Returns:** the path of `report.md`. The figures (`FIGURES`) lie beside it, each of them
    always: a figure the data cannot support is a small image that says why, and the report
    states plainly which analyses could not be made and why.

    **Raises:** `ReportError` if the directory or its `results.csv` is missing or unreadable,
    if `baselines.csv` is unreadable or lacks `model` or `test_nrmse`, or if the files are
    inconsistent with each other.
    """
    import matplotlib

    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"sweep directory {directory} does not exist or is not a directory")
    results_path = directory / "results.csv"
    if not results_path.is_file():
        raise ReportError(
            f"{directory} holds no results.csv: not a finished sweep directory "
            "(a sweep writes results.csv, curves.npz and run.json when every network is done)"
        )
    results = _read_results(results_path)
    curves, why_no_curves = _read_curves(directory / "curves.npz", results)
    run = _read_run(directory / "run.json")
    baselines_table = _read_baselines(directory / "baselines.csv")
    readout = _config(run).get("readout")
    if slope_epochs is not None:
        if readout == "ridge":
            raise ReportError(f"--slope-epochs: {_RIDGE}")
        results = _early_slope(results, curves, slope_epochs, why_no_curves)
    stats = analyse(results, readout=readout if isinstance(readout, str) else None)
    stats["slope_epochs"] = slope_epochs
    df = _prepare(results)
    baselines = _baselines(baselines_table, stats, run)

    target = directory if out is None else Path(out)
    target.mkdir(parents=True, exist_ok=True)
    forecast = stats["forecast"]
    vt = forecast.get("metric", "valid_time") == "valid_time"

    def draw_forecast(path: Path) -> None:
        if not forecast["available"]:
            raise _Unavailable(forecast["reason"][0].upper() + forecast["reason"][1:] + ".")
        _draw_metric(
            df,
            forecast["metric"],
            f"valid time ({_VT_UNIT})" if vt else "forecast NRMSE",
            higher_is_better=vt,
            path=path,
        )

    drawers = {
        "heatmap.png": ("Heatmap", lambda p: _draw_heatmap(df, stats, p)),
        "ratio.png": ("Ratio plot", lambda p: _draw_ratio(df, stats, p)),
        "populations.png": ("Population comparison", lambda p: _draw_populations(df, stats, p)),
        "size.png": ("Size plot", lambda p: _draw_size(df, stats, p)),
        "curves.png": ("Loss curves", lambda p: _draw_curves(df, curves, p, why_no_curves)),
        "nrmse.png": (
            "Test NRMSE",
            lambda p: _draw_metric(df, "test_nrmse", "test NRMSE", higher_is_better=False, path=p),
        ),
        "forecast.png": ("Forecast", draw_forecast),
    }
    placeholders: dict[str, str] = {}
    with matplotlib.rc_context(_STYLE):  # pyright: ignore[reportArgumentType]
        for name, (title, draw) in drawers.items():
            try:
                if name in _LR_FIGURES and stats["no_learning_rate"]:
                    raise _Unavailable(
                        f"{_NO_LR[0].upper()}{_NO_LR[1:]}: {stats['no_learning_rate']}."
                    )
                draw(target / name)
            except _Unavailable as reason:
                placeholders[name] = str(reason)
                _placeholder(target / name, title, str(reason))
    path = target / "report.md"
    path.write_text(_markdown(stats, run, placeholders, baselines), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# Comparing sweeps: one per astrocyte model, on the same task.

# Options that decide how a sweep runs, not what it computes (as `_config.EXECUTION_FIELDS`):
# sweeps that differ only in them are the same experiment.
_EXECUTION = ("chunk_size", "block_size", "buckets", "memory_fraction")


def _load_sweep(directory: str | Path) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """A finished sweep's directory, results table and run.json config; a ReportError if not."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"sweep directory {directory} does not exist or is not a directory")
    missing = [name for name in ("results.csv", "run.json") if not (directory / name).is_file()]
    if missing:
        raise ReportError(
            f"{directory} is not a finished sweep: it holds no {' and no '.join(missing)} "
            "(a sweep writes results.csv, curves.npz and run.json once every network is done)"
        )
    try:
        results = _read_results(directory / "results.csv")
        run = _read_run(directory / "run.json")
        _prepare(results)
    except ReportError as error:
        raise ReportError(f"{directory}: {error}") from error
    if run is None or not isinstance(run.get("config"), dict):
        raise ReportError(
            f"{directory}: run.json holds no config, so the sweep's task and astrocyte model "
            "are unknown"
        )
    return directory, results, run["config"]


def _labels(directories: list[Path], configs: list[dict[str, Any]]) -> list[str]:
    """Each sweep's astrocyte model; the directory name where that is missing or shared."""
    models = [str(c.get("astrocyte_model") or "") for c in configs]
    labels = [
        m if m and models.count(m) == 1 else (d.resolve().name or str(d))
        for m, d in zip(models, directories)
    ]
    # The same directory twice, or two directories of one name: number them.
    return [
        label if labels.count(label) == 1 else f"{label} ({i + 1})"
        for i, label in enumerate(labels)
    ]


def _differences(configs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    """The options, other than the astrocyte model, on which the sweeps differ."""
    keys = sorted({k for c in configs for k in c} - {"astrocyte_model", *_EXECUTION})
    differences = []
    for key in keys:
        values = [json.dumps(c.get(key), sort_keys=True, default=str) for c in configs]
        if len(set(values)) > 1:
            listing = ", ".join(
                f"{label} {_brief(c.get(key, 'unset'), 40)}" for label, c in zip(labels, configs)
            )
            differences.append(f"{key} ({listing})")
    return differences


def _comparison(
    directories: Sequence[str | Path],
    labels: Sequence[str] | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The statistics behind `compare`, as plain values (see there)."""
    if isinstance(directories, str | Path):
        directories = [directories]
    directories = list(directories)
    if len(directories) < 2:
        raise ReportError(
            f"compare needs at least two sweep directories; got {len(directories)} "
            f"({', '.join(str(d) for d in directories) or 'none'})"
        )
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else [str(label) for label in labels]
        if len(labels) != len(directories):
            raise ReportError(
                f"labels: got {len(labels)} label(s) for {len(directories)} sweep directories"
            )
        if len(set(labels)) != len(labels):
            raise ReportError(f"labels must be distinct; got {', '.join(labels)}")
    sweeps = [_load_sweep(d) for d in directories]
    paths = [path for path, _, _ in sweeps]
    configs = [config for _, _, config in sweeps]
    # The only task before the option existed was Lorenz-63.
    tasks = [str(c.get("task", "lorenz")) for c in configs]
    if len(set(tasks)) > 1:
        listing = ", ".join(f"{path} ({task})" for path, task in zip(paths, tasks))
        raise ReportError(
            f"the sweeps were run on different tasks: {listing}. Their learning rates and "
            "errors measure different problems, so comparing them is meaningless; compare "
            "sweeps of one task"
        )
    labels = list(labels) if labels is not None else _labels(paths, configs)
    frames = [_prepare(results) for _, results, _ in sweeps]
    no_lr = {
        label: _no_learning_rate(df, str(config.get("readout") or "") or None)
        for label, df, config in zip(labels, frames, configs)
    }
    metric = "test_nrmse" if any(no_lr.values()) else "learning_rate"
    lowest = (
        "smoothed learning rate is most negative"
        if metric == "learning_rate"
        else "smoothed test NRMSE is lowest"
    )
    models = []
    for label, path, df, config, (_, results, _) in zip(labels, paths, frames, configs, sweeps):
        if metric == "learning_rate":
            rows = df.loc[df["usable"]]
        else:
            rows = df.loc[df["finished"] & np.isfinite(df["test_nrmse"].to_numpy())]
        ratio = _ratio(rows, n_boot=n_boot, seed=seed, column=metric)
        verdict, evidence = _ratio_verdict(ratio, lowest)
        nrmse = _nrmse(df, "test_nrmse" in results.columns)
        models.append(
            {
                "label": label,
                "directory": str(path),
                "astrocyte_model": str(config.get("astrocyte_model", "unknown")),
                "readout": str(config.get("readout", "mlp")),
                "n_networks": len(df),
                "n_used": len(rows),
                "no_learning_rate": no_lr[label],
                "ratio": ratio,
                "verdict": verdict,
                "evidence": evidence,
                "best_nrmse": nrmse["best"][0] if nrmse["available"] else None,
            }
        )
    return {
        "task": tasks[0],
        "metric": metric,
        "without_learning_rate": [label for label, why in no_lr.items() if why],
        "models": models,
        "differences": _differences(configs, labels),
        "n_boot": n_boot,
        "seed": seed,
    }


def _draw_models(comparison: dict[str, Any], path: Path) -> None:
    """Each model's smoothed metric against A/N, its bootstrap band and its optimum."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, (ax,) = _figure((7.6, 5.0))
    notes, drawn = [], 0
    for i, model in enumerate(comparison["models"]):
        colour, ratio = f"C{i}", model["ratio"]
        if not ratio["available"]:
            notes.append(f"{model['label']}: no curve ({ratio['reason']})")
            continue
        curve = ratio["curve"]
        ax.fill_between(curve["ratio"], curve["low"], curve["high"], color=colour, alpha=0.18, lw=0)
        ax.plot(curve["ratio"], curve["mean"], color=colour, lw=2, label=model["label"])
        raw = ratio["raw"]
        if raw["available"]:
            lo, hi = raw["interval"]
            ax.errorbar(
                [raw["optimum"]],
                [raw["value"]],
                xerr=[[raw["optimum"] - lo], [hi - raw["optimum"]]],
                fmt="o",
                color=colour,
                mec="black",
                ms=7,
                capsize=4,
                lw=1.5,
                zorder=5,
                label=f"{model['label']}: optimum A/N = {_fmt(raw['optimum'])} "
                f"({_fmt(lo)} to {_fmt(hi)})",
            )
        else:
            notes.append(f"{model['label']}: no optimum ({raw['reason']})")
        drawn += 1
    if not drawn:
        raise _Unavailable("No sweep supports a curve. " + "; ".join(notes) + ".")
    ax.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1 (paper)")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    if comparison["metric"] == "learning_rate":
        ax.set_ylabel(f"smoothed {_LR_LABEL}\n(more negative = faster)")
        ax.set_title("Learning rate against A/N, one curve per astrocyte model")
    else:
        ax.set_ylabel("smoothed test NRMSE (lower = better)")
        ax.set_title("Test NRMSE against A/N, one curve per astrocyte model")
    if notes:
        _axis_note(ax, "; ".join(notes))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    _save(fig, path)


def _compare_markdown(comparison: dict[str, Any], placeholder: str | None) -> str:
    """The text of compare.md."""
    lr = comparison["metric"] == "learning_rate"
    name = "learning rate" if lr else "test NRMSE"
    models = comparison["models"]
    lines = [
        f"# Model comparison: {name} against the astrocyte:neuron ratio",
        "",
        f"{len(models)} sweeps of the task {comparison['task']}:",
        "",
        "| model | directory | astrocyte model | readout | networks | used |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in models:
        lines.append(
            f"| {m['label']} | `{m['directory']}` | {m['astrocyte_model']} | {m['readout']} | "
            f"{m['n_networks']} | {m['n_used']} |"
        )
    lines.append("")
    if lr:
        lines.append(
            f"Compared on the learning rate ({_LR_UNIT}; more negative = faster learning) of "
            "the mixed networks (N > 0, A > 0) of each sweep."
        )
    else:
        lines.append(
            "**Compared on the test NRMSE (lower is better), not on the learning rate**, "
            "because not every sweep has one ("
            + "; ".join(
                f"{m['label']}: {m['no_learning_rate']}" for m in models if m["no_learning_rate"]
            )
            + "). The paper's claim is about the learning rate; below it is asked of the test "
            "NRMSE, for every model alike."
        )
    caption = (
        f"Smoothed {name} against A/N for each model (local-linear kernel smoother, 95 % "
        "bootstrap band), and each model's optimum with its 95 % bootstrap interval."
    )
    if placeholder:
        caption += f" *Not drawn: {placeholder}*"
    lines += ["", "![models.png](models.png)", "", f"*models.png*: {caption}", ""]
    lines += [
        f"| model | optimum A/N | 95 % interval | {name} there | optimum, size trend removed "
        "| best (N, A) by median test NRMSE | optimum near A:N = 2 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in models:
        best = m["best_nrmse"]
        best_text = (
            f"({best['n_neurons']}, {best['n_astrocytes']}): {_fmt(best['test_nrmse'])} "
            f"(median of {best['networks']})"
            if best
            else "–"
        )
        ratio = m["ratio"]
        raw = ratio["raw"] if ratio["available"] else ratio
        if not raw["available"]:
            lines.append(
                f"| {m['label']} | – | – | – | – | {best_text} | **{m['verdict']}**: "
                f"{raw['reason']} |"
            )
            continue
        adj = ratio["size_adjusted"]
        adjusted = (
            f"{_fmt(adj['optimum'])} ({_fmt(adj['interval'][0])} to {_fmt(adj['interval'][1])})"
            if adj["available"]
            else "–"
        )
        lines.append(
            f"| {m['label']} | {_fmt(raw['optimum'])} | {_fmt(raw['interval'][0])} to "
            f"{_fmt(raw['interval'][1])} | {_fmt(raw['value'])} | {adjusted} | {best_text} | "
            f"**{m['verdict']}** |"
        )
    lines += [
        "",
        "## Is the optimum near A:N = 2?",
        "",
        "The paper's claim (d), judged by the single-sweep report's criteria: *supported* only "
        "if 2 lies inside the 95 % bootstrap interval of the optimum, the optimum is not at an "
        "edge of the sampled ratios and the interval spans at most two thirds of them; "
        "*inconclusive* if 2 is inside but one of the other two fails.",
        "",
    ]
    for m in models:
        lines.append(
            f"- **{m['label']}**: {m['verdict']}. {m['evidence'][0].upper()}{m['evidence'][1:]}."
        )
    phrases = {
        "supported": "holds for",
        "not supported": "does not hold for",
        "inconclusive": "is inconclusive for",
        "cannot test": "cannot be tested for",
    }
    parts = []
    for verdict, phrase in phrases.items():
        labels = [m["label"] for m in models if m["verdict"] == verdict]
        if labels:
            parts.append(f"{phrase} {', '.join(labels)}")
    lines += ["", f"In short, the optimum near A:N = 2 {'; it '.join(parts)}."]
    if comparison["differences"]:
        lines += [
            "",
            "**The sweeps also differ in** "
            + "; ".join(comparison["differences"])
            + ": a difference between models may come from these too.",
        ]
    lines += [
        "",
        f"Bootstrap: {comparison['n_boot']} resamples of each sweep's networks (seed "
        f"{comparison['seed']}); the kernel width is chosen per sweep by leave-one-ratio-out "
        "cross-validation.",
    ]
    return "\n".join(lines) + "\n"


def compare(
    directories: Sequence[str | Path], *, out: str | Path, labels: Sequence[str] | None = None
) -> Path:
    """Compare finished sweeps of one task, typically one per astrocyte model.

    For each sweep, the learning rate of its mixed networks is smoothed against log10(A/N)
    as in [`report`][] (local-linear kernel smoother, bootstrap over networks), and the
    ratio where it is most negative, with its 95 % bootstrap interval, is set beside the
    others'. If any sweep has no learning rate (the ridge readout has no epochs), every
    sweep is compared on its test NRMSE instead, and `compare.md` says so.

    **Arguments:**

    - `directories`: two or more finished sweep directories (each with `results.csv` and
      `run.json`), all run on the same task (`run.json`'s `config.task`).
    - `out`: where to write `models.png` and `compare.md`; created if needed.
    - `labels`: a distinct name per directory. By default each sweep is named by its
      `config.astrocyte_model` ("lif", "synaptic", "tripartite", "li-rinzel", ...), or by
      its directory's name where that is missing or shared.

    **Returns:** the path of `compare.md`. It lists, per model, the optimum ratio and its
    interval, the smoothed value there, the best (N, A) by median test NRMSE, and whether
    the optimum lies near A:N = 2 by the criteria of claim (d) in `report`. `models.png`
    shows one smoothed curve per model with its band and its optimum (a placeholder image
    that says why, if no sweep supports a curve).

    **Raises:** `ReportError` if fewer than two directories are given, a directory is not a
    finished sweep, the sweeps were run on different tasks, or `labels` does not match.
    """
    import matplotlib

    comparison = _comparison(directories, labels)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    placeholder = None
    with matplotlib.rc_context(_STYLE):  # pyright: ignore[reportArgumentType]
        try:
            _draw_models(comparison, target / "models.png")
        except _Unavailable as reason:
            placeholder = str(reason)
            _placeholder(target / "models.png", "Model comparison", placeholder)
    path = target / "compare.md"
    path.write_text(_compare_markdown(comparison, placeholder), encoding="utf-8")
    return path

"""The statistics of a sweep's results table, as plain Python numbers, lists and dicts.

`_prepare` validates the table and adds the derived columns (total size, astrocyte fraction,
ratio, population group, which networks are usable); the rest are pure functions of it:
ordinary least squares, Mann–Whitney tests between the populations at matched total size,
trends, the local-linear ratio smoother with its bootstrap, the LASSO and the regressions,
failures and activity, and the test-error and forecast summaries. An analysis the data
cannot support returns `_unavailable(reason)`.

No verdicts (those are in `_claims`) and no matplotlib; statsmodels, scipy and scikit-learn
are imported inside the functions that use them.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

from ._common import (
    _ERRORS,
    _FORECAST,
    _GROUPS,
    _HOW_FORECAST,
    _NEEDS_MIXED,
    _REQUIRED,
    _RIDGE,
    _SIZES,
    _VT_UNIT,
    ALPHA,
    ReportError,
    _distinct,
    _float,
    _fmt,
    _fmt_p,
    _numbers,
    _quiet,
    _unavailable,
)


_TERMS = ("N", "A", "N + A")
# The comparisons of claim (a), corrected together (Holm).
_FAMILY = ("mixed vs neuron-only", "mixed vs astrocyte-only")


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
    for column in _SIZES:
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
    n, a = df["num_neurons"].to_numpy(), df["num_astrocytes"].to_numpy()
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
        "p_min": _mw_min_p(len(x), len(y)),
        "cliffs_delta": 2.0 * u / (len(x) * len(y)) - 1.0,
    }


def _mw_min_p(m: int, n: int) -> float:
    """The smallest two-sided p a Mann–Whitney test of m against n values can give: the
    exact permutation p of complete separation, 2 / C(m + n, m) (ties only raise it)."""
    return min(1.0, 2.0 / math.comb(m + n, m))


def _mw_needed(alpha: float) -> int:
    """The fewest networks per group (equal groups) whose smallest Mann–Whitney p is at
    most `alpha`."""
    m = 1
    while _mw_min_p(m, m) > alpha:
        m += 1
    return m


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
    # Holm's correction over the family of claim (a), the two comparisons of mixed networks;
    # neuron-only vs astrocyte-only is a family of its own (its p is not adjusted).
    for family in (_FAMILY, ("neuron-only vs astrocyte-only",)):
        members = [k for k in family if k in tested]
        if not members:
            continue
        adjusted = np.asarray(
            multipletests([comparisons[k]["p"] for k in members], method="holm")[1], dtype=float
        )
        for k, p in zip(members, adjusted):
            comparisons[k]["p_holm"] = _float(p)
            comparisons[k]["family"] = len(family)
            # The smallest Holm-adjusted p it can reach as the family's most significant test.
            comparisons[k]["p_min_holm"] = min(1.0, len(family) * comparisons[k]["p_min"])
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
    if _distinct(ok["num_neurons"]) < 2 or _distinct(ok["num_astrocytes"]) < 2:
        return _unavailable("needs at least 2 distinct values of N and of A")
    features = ok[["num_neurons", "num_astrocytes", "total"]].to_numpy(float)
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


def _split(
    ok: pd.DataFrame, *, seed: int, n_subsamples: int = 100, lasso: bool = True
) -> dict[str, Any]:
    """Claim (e) on an identifiable design: total size S = N + A and the split D = A - N.

    N, A and N + A are exactly collinear, so a regression on all three cannot tell which
    terms matter. S and D carry the same information (N = (S - D)/2, A = (S + D)/2) without
    the collinearity: "only N + A matters" means D has no effect, i.e. N and A have the same
    coefficient. Here: OLS on S and D (the t-test of D is the test of equal N and A
    coefficients), a 5-fold cross-validated LASSO on standardised S and D, and stability
    selection (the share of `n_subsamples` half-samples in which the LASSO, at the
    cross-validated penalty, keeps each term). With `lasso` False, the OLS alone.
    """
    from sklearn.linear_model import Lasso, LassoCV
    from sklearn.model_selection import KFold

    if len(ok) < 10:
        return _unavailable(f"needs at least 10 successful networks; got {len(ok)}")
    if _distinct(ok["num_neurons"]) < 2 or _distinct(ok["num_astrocytes"]) < 2:
        return _unavailable("needs at least 2 distinct values of N and of A")
    n, a = ok["num_neurons"].to_numpy(float), ok["num_astrocytes"].to_numpy(float)
    y = ok["learning_rate"].to_numpy(float)
    terms = {"N + A": n + a, "A - N": a - n}
    fit = _ols(y, terms, vif=True)
    if not fit["available"]:
        return fit
    if fit["rank"] < fit["n_params"]:
        return _unavailable("N + A and A - N are collinear in this sweep (N or A is fixed)")
    if not y.std() > 0:
        return _unavailable("the learning rate is the same for every network")
    if not lasso:
        return {**fit, "lasso_survivors": None, "n_subsamples": 0}
    features = np.column_stack(list(terms.values()))
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    z = (y - y.mean()) / y.std()
    folds = KFold(n_splits=5, shuffle=True, random_state=seed)
    rng = np.random.default_rng(seed)
    kept = np.zeros(2)
    with _quiet():
        model = LassoCV(cv=folds, max_iter=100_000, tol=1e-8).fit(features, z)
        for _ in range(n_subsamples):
            half = rng.choice(len(z), len(z) // 2, replace=False)
            sub = Lasso(alpha=model.alpha_, max_iter=100_000, tol=1e-8)
            kept += np.abs(sub.fit(features[half], z[half]).coef_) > 1e-10
    names = list(terms)
    return {
        **fit,
        "lasso_alpha": _float(model.alpha_),
        "lasso_coefficients": {k: _float(c) for k, c in zip(names, model.coef_)},
        "lasso_survivors": [k for k, c in zip(names, model.coef_) if abs(c) > 1e-10],
        "selection": {k: float(v / max(n_subsamples, 1)) for k, v in zip(names, kept)},
        "n_subsamples": n_subsamples,
    }


def _regression(ok: pd.DataFrame) -> dict[str, Any]:
    """OLS on N, A and N + A (separately and as the collinear design) and on log ratio."""
    y = ok["learning_rate"].to_numpy(float)
    n, a, total = (ok[c].to_numpy(float) for c in ("num_neurons", "num_astrocytes", "total"))
    models: dict[str, Any] = {}
    if len(ok) < 4 or _distinct(ok["total"]) < 2:
        models["N + A"] = _unavailable(
            f"needs at least 4 successful networks with at least 2 distinct total sizes N + A; "
            f"got {len(ok)} network(s) with {_distinct(ok['total'])} size(s)"
        )
    else:
        models["N + A"] = _ols(y, {"N + A": total})
    if len(ok) < 4 or _distinct(ok["num_neurons"]) < 2 or _distinct(ok["num_astrocytes"]) < 2:
        reason = (
            "needs at least 4 successful networks with at least 2 distinct values of N and "
            f"of A; got {len(ok)} network(s), {_distinct(ok['num_neurons'])} value(s) of N and "
            f"{_distinct(ok['num_astrocytes'])} of A"
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
    for (n, a), rows in failed.groupby(list(_SIZES), sort=True):
        reasons = sorted({r for r in rows["failure"] if r} or {rows["status"].iloc[0]})
        by_pair.append(
            {
                "num_neurons": int(n),
                "num_astrocytes": int(a),
                "count": len(rows),
                "reasons": reasons,
            }
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
    grouped = d.groupby(list(_SIZES), sort=True)
    table = grouped[list(_ERRORS)].median()
    table["networks"] = grouped.size()
    table = table.reset_index()
    table["sort_key"] = -table[column] if higher_is_better else table[column]
    table["sort_total"] = table["num_neurons"] + table["num_astrocytes"]
    table = table.sort_values(
        ["sort_key", "test_nrmse", "sort_total"], na_position="last", kind="stable"
    )
    return [
        {
            "num_neurons": int(row["num_neurons"]),
            "num_astrocytes": int(row["num_astrocytes"]),
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
        "n_pairs": int(d.groupby(list(_SIZES)).ngroups),
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
        "n_pairs": int(d.groupby(list(_SIZES)).ngroups),
        "best": _best_pairs(d, metric, higher_is_better=higher),
        "statement": _group_statement(
            pops, what, higher_is_better=higher, better="longer" if higher else "lower"
        ),
    }

"""The verdicts on the seed paper's claims, and `analyse`, which runs the statistics of
`_stats` on a results table and adds the verdicts to them.

The paper is Yang et al., "Characterizing Learning in Spiking Neural Networks with
Astrocyte-Like Units" (arXiv 2503.06798, 2025); its claims (a) to (e) are in `_CLAIMS`. Each
verdict is "supported", "not supported", "contradicted", "inconclusive", "cannot test" or
"does not apply", with its evidence in words and numbers. `_ratio_verdict` also judges each
sweep of `compare`.
"""

from typing import Any

import pandas as pd

from ._common import _FORECAST, _NEEDS_MIXED, _NO_LR, ALPHA, ReportError, _fmt, _fmt_p
from ._stats import (
    _activity,
    _failures,
    _forecast,
    _lasso,
    _no_learning_rate,
    _nrmse,
    _populations,
    _prepare,
    _ratio,
    _regression,
    _size_fraction,
    _trend,
)


_CLAIMS = {
    "a": "Mixed networks (N > 0 and A > 0) learn faster than neuron-only (A = 0) and "
    "astrocyte-only (N = 0) networks of comparable total size.",
    "b": "The learning rate improves (becomes more negative) with total size N + A.",
    "c": "The learning rate improves with the astrocyte fraction A / (N + A).",
    "d": "The learning rate is best near A:N = 2:1.",
    "e": "Regressing on N, A and N + A, the LASSO keeps only the (N + A) term.",
}


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


def analyse(
    results: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, readout: str | None = None
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

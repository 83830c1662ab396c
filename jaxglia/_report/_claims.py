"""The verdicts on the seed paper's claims (`_analyse.analyse` runs the statistics of
`_stats` on a results table and adds them).

The paper is Yang et al., "Characterizing Learning in Spiking Neural Networks with
Astrocyte-Like Units" (arXiv 2503.06798, 2025); its claims (a) to (e) are in `_CLAIMS`. Each
verdict is one of `VERDICTS` ("supported", "contradicted", "not significant", "cannot test";
or "does not apply" without a learning rate), with its evidence in words and numbers and the
rule (`_RULES`) that turns the evidence into the verdict. `_ratio_verdict` also judges each
sweep of `compare`; `_learning` and `_claims` are also run by the specification curve.
"""

import math
from typing import Any

import pandas as pd

from ._common import (
    _NEEDS_MIXED,
    _NO_LR,
    ALPHA,
    _distinct,
    _fmt,
    _fmt_p,
)
from ._stats import (
    _lasso,
    _mw_needed,
    _populations,
    _ratio,
    _regression,
    _size_fraction,
    _split,
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
VERDICTS = ("supported", "contradicted", "not significant", "cannot test")
"""The verdicts a claim can get (and "does not apply" to a sweep without a learning rate)."""
_AT = f"α = {ALPHA}"
_NEAR = (1.0, 4.0)  # "near A:N = 2:1": within a factor of 2 of it
_RULES = {
    "a": "Two-sided Mann–Whitney U of mixed networks against each single population, "
    "restricted to the total sizes N + A the two groups share, Holm-corrected over these two "
    f"comparisons. Supported: both significant ({_AT}) with mixed faster; contradicted: "
    "either significant with mixed slower; not significant: otherwise; cannot test: a group "
    "is missing, or a comparison's smallest attainable Holm-adjusted p (2 × 2/C(m + n, m) for "
    f"m vs n networks) exceeds {ALPHA}.",
    "b": "Adjusted: OLS on total size N + A and astrocyte fraction A/(N + A) together (an "
    "identifiable design; the size alone if the fraction is constant). Marginal: Spearman ρ "
    "of the learning rate with N + A. Supported: both negative with p < "
    f"{ALPHA}; contradicted: both positive with p < {ALPHA}; not significant: otherwise, "
    "including when they disagree (both must hold, an intersection–union test, so no "
    "correction); cannot test: fewer than 5 networks (the smallest Spearman p, 2/n!, "
    f"exceeds {ALPHA}) or no identifiable adjusted model.",
    "c": "As (b), for the astrocyte fraction A/(N + A): the same adjusted OLS, and the "
    "marginal Spearman ρ with the fraction; both must be significant in the same direction.",
    "d": "Local-linear kernel smoother of the learning rate against log10(A/N) over mixed "
    "networks; the optimum is its argmin, with a 95 % bootstrap interval over networks; "
    f'"near 2:1" means A/N in [{_NEAR[0]:g}, {_NEAR[1]:g}] (within a factor of 2). '
    "Supported: the whole interval lies in that range and the optimum is not at an edge of "
    "the sampled ratios; contradicted: the interval does not reach that range; not "
    "significant: otherwise (the interval overlaps it but is too wide to place the optimum "
    "there); cannot test: fewer than 5 mixed networks over 3 ratios, or no sampled ratio on "
    "one side of 2.",
    "e": "N, A and N + A are exactly collinear, so which of them a LASSO keeps is arbitrary. "
    'Identifiable reading: OLS on S = N + A and D = A − N; "only N + A matters" means D has '
    "no effect (N and A have equal coefficients). Contradicted: D significant "
    f"(p < {ALPHA}); supported: S significant and D not — absence of evidence for a split "
    "effect, not an equivalence test; not significant: neither; cannot test: fewer than 10 "
    "networks, or N or A fixed. The LASSO and stability selection on S and D are reported "
    "beside it, descriptively.",
}


def _p_text(t: dict[str, Any]) -> str:
    return f"{_fmt(t['coef'])} ± {_fmt(t['se'])}, p = {_fmt_p(t['p'])}"


def _verdict_trend(
    joint: dict[str, Any], term: str, marginal: dict[str, Any], what: str
) -> tuple[str, str]:
    """Verdict on "improves with `what`" by the rule of claims (b) and (c)."""
    if not marginal.get("available"):
        return "cannot test", marginal["reason"]
    n = marginal["n"]
    if n < 5 or 2 / math.factorial(n) > ALPHA:
        return "cannot test", (
            f"{n} networks: the smallest attainable Spearman p, 2/{n}! = "
            f"{_fmt_p(2 / math.factorial(n))}, exceeds α; needs at least 5 networks"
        )
    if joint.get("available"):
        adjusted, model = joint["terms"][term], "adjusted for the other"
    elif joint.get("constant_other"):
        adjusted, model = marginal["terms"][what], "alone (the other is constant)"
    else:
        return "cannot test", f"no identifiable adjusted model: {joint['reason']}"
    rho, p_rho = marginal["spearman_rho"], marginal["spearman_p"]
    evidence = (
        f"adjusted OLS slope on {what} ({model}) = {_p_text(adjusted)}; marginal OLS "
        f"{_p_text(marginal['terms'][what])}; Spearman ρ = {_fmt(rho, 2)} (p = "
        f"{_fmt_p(p_rho)}, n = {n})"
    )
    sig_adj, sig_rho = adjusted["p"] < ALPHA, p_rho < ALPHA
    if sig_adj and sig_rho and adjusted["coef"] < 0 and rho < 0:
        return "supported", evidence
    if sig_adj and sig_rho and adjusted["coef"] > 0 and rho > 0:
        return "contradicted", evidence + " (learning gets slower)"
    if sig_adj and sig_rho:
        why = "the adjusted and marginal results are significant in opposite directions"
    elif sig_adj or sig_rho:
        why = f"only the {'adjusted' if sig_adj else 'marginal'} result is significant"
    else:
        why = "neither the adjusted nor the marginal result is significant"
    return "not significant", f"{evidence} ({why})"


def _ratio_verdict(ratio: dict[str, Any], lowest: str) -> tuple[str, str]:
    """Verdict on "the optimum lies near A:N = 2" (rule (d)) from a `_ratio` result.

    `lowest` says where the optimum is, e.g. "smoothed learning rate is most negative".
    """
    if not ratio["available"]:
        return "cannot test", ratio["reason"]
    if not ratio["raw"]["available"]:
        return "cannot test", ratio["raw"]["reason"]
    low_ratio, high_ratio = ratio["range"]
    if not low_ratio < 2 < high_ratio:
        return "cannot test", (
            f"the sampled ratios run from {_fmt(low_ratio)} to {_fmt(high_ratio)}: an optimum "
            "near 2 needs ratios on both sides of 2"
        )
    raw, adj = ratio["raw"], ratio["size_adjusted"]
    lo, hi = raw["interval"]
    evidence = (
        f"{lowest} at A/N = {_fmt(raw['optimum'])} "
        f"(95 % bootstrap interval {_fmt(lo)} to {_fmt(hi)}, {raw['n_boot_used']} resamples "
        f"of {ratio['n']} mixed networks; sampled ratios {_fmt(low_ratio)} to "
        f"{_fmt(high_ratio)})"
    )
    if adj["available"]:
        evidence += (
            f"; after removing the linear size trend: {_fmt(adj['optimum'])} "
            f"({_fmt(adj['interval'][0])} to {_fmt(adj['interval'][1])})"
        )
    near_low, near_high = _NEAR
    if hi < near_low or lo > near_high:
        return "contradicted", evidence + (
            f"; the interval does not reach A/N = {near_low:g} to {near_high:g}"
        )
    if raw["optimum_at_edge"]:
        return "not significant", evidence + (
            "; the smoothed mean is lowest at the edge of the sampled ratios"
        )
    if not (near_low <= lo and hi <= near_high):
        return "not significant", evidence + (
            f"; the interval reaches beyond A/N = {near_low:g} to {near_high:g}"
        )
    return "supported", evidence


def _verdict_populations(pops: dict[str, Any]) -> tuple[str, str]:
    """Verdict on claim (a) by its rule."""
    groups = pops["groups"]
    if groups["mixed"]["n"] == 0:
        return "cannot test", _NEEDS_MIXED
    outcomes, parts, untestable = [], [], []
    for other in ("neuron-only", "astrocyte-only"):
        c = pops["comparisons"][f"mixed vs {other}"]
        if not c["available"]:
            untestable.append(f"vs {other}: {c['reason']}")
            continue
        described = (
            f"vs {other}: median {_fmt(c['median_first'])} vs {_fmt(c['median_second'])}, "
            f"Cliff's δ = {_fmt(c['cliffs_delta'], 2)}, Mann–Whitney p = {_fmt_p(c['p'])} "
            f"(Holm {_fmt_p(c['p_holm'])}; n = {c['n_first']} vs {c['n_second']})"
        )
        if c["p_min_holm"] > ALPHA:
            need = _mw_needed(ALPHA / c["family"])
            untestable.append(
                f"{described}: with {c['n_first']} vs {c['n_second']} networks at shared "
                f"sizes the smallest attainable Holm-adjusted p is {_fmt_p(c['p_min_holm'])} "
                f"> {ALPHA}; needs at least {need} networks per group at a shared total size"
            )
            continue
        significant = c["p_holm"] < ALPHA
        outcome = (
            "faster"
            if significant and c["cliffs_delta"] < 0
            else "slower"
            if significant
            else "not significantly different"
        )
        outcomes.append(outcome)
        parts.append(f"{described} → mixed {outcome}")
    evidence = "; ".join(parts + untestable)
    if "slower" in outcomes:
        return "contradicted", evidence
    if untestable:
        return "cannot test", evidence
    if outcomes == ["faster", "faster"]:
        return "supported", evidence
    return "not significant", evidence


def _verdict_split(split: dict[str, Any]) -> tuple[str, str]:
    """Verdict on claim (e) by its rule, on the identifiable design (S, D)."""
    if not split["available"]:
        return "cannot test", split["reason"]
    s, d = split["terms"]["N + A"], split["terms"]["A - N"]
    selection = split.get("selection", {})
    evidence = f"OLS on S = N + A: {_p_text(s)}; on D = A − N: {_p_text(d)} (n = {split['n']})"
    if split["lasso_survivors"] is not None:
        evidence += (
            f"; LASSO (5-fold CV) on standardised S, D keeps "
            f"{', '.join(split['lasso_survivors']) or 'none'}; stability selection over "
            f"{split['n_subsamples']} half-samples: S {100 * selection['N + A']:.0f} %, "
            f"D {100 * selection['A - N']:.0f} %"
        )
    if d["p"] < ALPHA:
        return "contradicted", evidence + " (N and A have different effects)"
    if s["p"] < ALPHA:
        return "supported", evidence
    return "not significant", evidence


def _claims(stats: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A verdict, its evidence and its rule for each claim of the paper, from the analyses."""
    if stats.get("no_learning_rate"):
        evidence = f"{_NO_LR}: {stats['no_learning_rate']}"
        return {
            k: {"claim": claim, "verdict": "does not apply", "evidence": evidence, "rule": ""}
            for k, claim in _CLAIMS.items()
        }
    if stats["n_usable"] == 0:
        evidence = (
            f"no network finished with a finite learning rate ({stats['failures']['n_failed']} "
            f"of {stats['n_networks']} failed)"
        )
        return {
            k: {"claim": claim, "verdict": "cannot test", "evidence": evidence, "rule": _RULES[k]}
            for k, claim in _CLAIMS.items()
        }
    claims = {
        "a": _verdict_populations(stats["populations"]),
        "b": _verdict_trend(stats["size_fraction"], "N + A", stats["size"], "N + A"),
        "c": _verdict_trend(stats["size_fraction"], "A/(N + A)", stats["fraction"], "A/(N + A)"),
        "d": _ratio_verdict(stats["ratio"], "smoothed learning rate is most negative"),
        "e": _verdict_split(stats["split"]),
    }
    return {
        k: {"claim": _CLAIMS[k], "verdict": v, "evidence": e, "rule": _RULES[k]}
        for k, (v, e) in claims.items()
    }


def _learning(ok: pd.DataFrame, *, n_boot: int, seed: int, full: bool = True) -> dict[str, Any]:
    """The learning-rate analyses of the usable networks `ok` (prepared rows). With `full`
    False, only what the verdicts need (no paper regressions, no stability selection)."""
    size_fraction = _size_fraction(ok)
    if (
        not size_fraction["available"]
        and len(ok)
        and (_distinct(ok["fraction"]) == 1 or _distinct(ok["total"]) == 1)
    ):
        size_fraction["constant_other"] = True
    out = {
        "populations": _populations(ok),
        "size": _trend(ok, "total", "N + A"),
        "fraction": _trend(ok, "fraction", "A/(N + A)"),
        "size_fraction": size_fraction,
        "ratio": _ratio(ok, n_boot=n_boot, seed=seed),
        "split": _split(ok, seed=seed, lasso=full),
    }
    if full:
        out["regression"] = _regression(ok)
        out["lasso"] = _lasso(ok, seed=seed)
    return out

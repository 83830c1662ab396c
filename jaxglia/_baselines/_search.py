"""The echo state network tuned as its users tune it: a seeded random search of spectral
radius, leak rate and input scaling on the training split's validation part, then a refit.
"""

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, PRNGKeyArray

from .._metrics import nrmse, valid_steps
from .._ridge import fit_samples, validated_penalty
from ._esn import ESN, esn_features, esn_forecast, fit_esn


# The search: `ESN_SEARCH_BUDGET` candidates drawn log-uniformly from these ranges with the
# given seed, after the ESN's defaults (candidate 0, so the search never does worse than
# them on validation); the same budget for every task. Ranges after Lukoševičius (2012) and
# ReservoirPy's hyper-parameter tutorial: spectral radius around 1, leak rates down to the
# slow end, input scalings from weak to saturating for z-scored inputs.
ESN_SEARCH_BUDGET = 24
ESN_SEARCH_SPACE: dict[str, tuple[float, float]] = {
    "spectral_radius": (0.1, 1.5),
    "leak_rate": (0.05, 1.0),
    "input_scaling": (0.01, 2.0),
}
ESN_DEFAULTS = {"spectral_radius": 0.9, "leak_rate": 1.0, "input_scaling": 0.1}


def esn_candidates(
    budget: int, seed: int, fixed: dict[str, float] | None = None
) -> list[dict[str, float]]:
    """The defaults, then `budget` log-uniform draws of `ESN_SEARCH_SPACE` from NumPy's
    `default_rng(seed)`; parameters in `fixed` keep their value in every candidate."""
    fixed = fixed or {}
    rng = np.random.default_rng(seed)
    candidates = [{**ESN_DEFAULTS, **fixed}]
    for _ in range(budget):
        draw = {
            name: float(math.exp(rng.uniform(math.log(low), math.log(high))))
            for name, (low, high) in ESN_SEARCH_SPACE.items()
        }
        candidates.append({**draw, **fixed})
    return candidates


def fit_esn_extended(
    esn: ESN, inputs: Array, targets: Array, washout: int
) -> tuple[ESN, tuple[float, ...]]:
    """`fit_esn` with its penalty validated over a range extended while the choice sits on an
    edge (`validated_penalty`, from one SVD). **Returns:** the ESN and the range searched."""
    alpha, searched = validated_penalty(esn_features(esn, inputs)[washout:], targets[washout:])
    return fit_esn(esn, inputs, targets, washout=washout, alpha=alpha), searched


def _rescaled(esn: ESN, params: dict[str, float]) -> ESN:
    """`esn` (built with `ESN_DEFAULTS`) with another spectral radius, input scaling and leak
    rate: its weights are linear in the first two."""
    dtype = esn.recurrent.dtype
    radius = params["spectral_radius"] / ESN_DEFAULTS["spectral_radius"]
    scaling = params["input_scaling"] / ESN_DEFAULTS["input_scaling"]
    recurrent = esn.recurrent * jnp.asarray(radius, dtype)
    input_weights = esn.input_weights * jnp.asarray(scaling, dtype)
    leak_rate = jnp.asarray(params["leak_rate"], dtype)
    return eqx.tree_at(
        lambda e: (e.recurrent, e.input_weights, e.leak_rate),
        esn,
        (recurrent, input_weights, leak_rate),
    )


def tune_esn(
    inputs: Array,
    targets: Array,
    *,
    washout: int,
    num_train: int,
    forecast: bool,
    key: PRNGKeyArray,
    budget: int = ESN_SEARCH_BUDGET,
    seed: int = 0,
    fixed: dict[str, float] | None = None,
    validation_fraction: float = 0.2,
    **esn_options,
) -> tuple[dict[str, float], dict]:
    """Choose the ESN's spectral radius, leak rate and input scaling on the validation part.

    The training samples `washout … washout + num_train` are split chronologically: the
    first `1 - validation_fraction` fit each candidate (`fit_esn`, its penalty validated
    within them, the range extended while on an edge: `fit_esn_extended`), the rest
    validate it. Every candidate shares the reservoir draw `key` (only the scalings differ).
    Score: with `forecast`, the closed-loop valid steps over the validation part (from its
    first sample; most wins), ties broken by the one-step validation NRMSE (least wins);
    without, the one-step validation NRMSE alone.

    **Returns:** the chosen parameters, and a record of the search (budget, seed, space,
    every trial's parameters, penalty and scores) for `baselines.json`.
    """
    num_fit = fit_samples(num_train, validation_fraction)
    fit_end, end = washout + num_fit, washout + num_train
    truth = targets[fit_end:end]
    ones = jnp.ones(truth.shape[1], truth.dtype)
    trials = []
    # One draw; each candidate rescales its recurrent and input weights (the same network
    # `ESN(..., key=key, **params)` builds, without recomputing the eigenvalues).
    base = ESN(inputs.shape[1], targets.shape[1], key=key, **ESN_DEFAULTS, **esn_options)
    for params in esn_candidates(budget, seed, fixed):
        esn = _rescaled(base, params)
        fitted, _ = fit_esn_extended(esn, inputs[:fit_end], targets[:fit_end], washout)
        error = float(nrmse(fitted.predict(inputs[:end])[fit_end:], truth))
        error = error if math.isfinite(error) else math.inf
        steps = math.nan
        if forecast:
            closed = esn_forecast(fitted, inputs[: fit_end + 1], end - fit_end)
            steps = float(valid_steps(closed, truth, ones))
        trials.append({**params, "alpha": float(fitted.alpha), "validation_nrmse": error,
                       "validation_valid_steps": steps})  # fmt: skip
    rank = (
        (lambda t: (-t["validation_valid_steps"], t["validation_nrmse"]))
        if forecast
        else (lambda t: (t["validation_nrmse"],))
    )
    best = min(range(len(trials)), key=lambda i: rank(trials[i]))
    chosen = {name: trials[best][name] for name in ESN_DEFAULTS}
    record = {
        "budget": budget,
        "seed": seed,
        "space": {k: list(v) for k, v in ESN_SEARCH_SPACE.items()},
        "sampling": "log-uniform; candidate 0 = the ESN's defaults",
        "fixed": dict(fixed or {}),
        "score": "validation valid steps, then one-step validation NRMSE"
        if forecast
        else "one-step validation NRMSE",
        "validation_samples": end - fit_end,
        "trials": trials,
        "chosen": best,
    }
    return chosen, record

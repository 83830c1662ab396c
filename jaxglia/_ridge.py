"""The closed-form ridge readout, the standard reservoir-computing alternative to the MLP.

One penalty search serves every ridge fit of the package (the reservoir's ridge readout,
NG-RC and the echo state network): `RIDGE_ALPHAS`, the rule of `select_penalty`, and the
edge warning of `penalty_on_edge`.
"""

import math
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Bool, Float


# Penalties tried by every validated ridge fit: a log grid over twenty decades, 1e-14 ... 1e6.
# Features are z-scored (the readout, the ESN) or of order one (NG-RC on z-scored data), so
# the values are comparable across models and sizes. The old grid, 1e-4 ... 1e4, put the
# echo state network's optimum on its floor (1e-4, against ~1e-8 validated); on every task
# of `jaxglia baselines` and the quick grid's ridge readouts this grid's optimum is interior
# (benchmarks/README.md, "Accuracy"). A fit whose choice still sits on an edge says so
# (`penalty_on_edge`), in results.csv and baselines.csv.
RIDGE_ALPHAS = tuple(10.0**p for p in range(-14, 7))

# Validation errors within this relative margin of the least count as tied, and the largest
# tied penalty wins: below the features' float resolution the error stops changing (rounding
# noise), and the tie rule then takes the most regularised of the equivalent fits instead of
# the floor of the grid.
PENALTY_TIE = 1e-3

T = TypeVar("T")

# Relative: a penalty compared with a range's edge may have passed through float32.
EDGE_TOLERANCE = 1e-4


def select_penalty(
    errors: Float[ArrayLike, " alphas"], alphas: Float[ArrayLike, " alphas"]
) -> Float[Array, ""]:
    """The penalty chosen from validation `errors` (one per penalty of `alphas`, ascending):
    the largest whose error is within `PENALTY_TIE` (relative) of the least; non-finite errors
    never win (all non-finite: the largest penalty)."""
    errors, alphas = jnp.asarray(errors), jnp.asarray(alphas)
    errors = jnp.where(jnp.isfinite(errors), errors, jnp.inf)
    tied = errors <= jnp.min(errors) * (1.0 + PENALTY_TIE)
    index = jnp.max(jnp.where(tied, jnp.arange(alphas.shape[0]), 0))
    index = jnp.where(jnp.isfinite(jnp.min(errors)), index, alphas.shape[0] - 1)
    return alphas[index]


def penalty_on_edge(
    alpha: Float[ArrayLike, "*batch"], alphas: tuple[float, ...] = RIDGE_ALPHAS
) -> Bool[Array, "*batch"]:
    """Whether a chosen penalty sits on an edge of the range searched (its smallest or
    largest value), where the validated optimum may lie outside the range."""
    alpha = jnp.asarray(alpha)
    low, high = min(alphas), max(alphas)
    return (alpha <= low * (1 + EDGE_TOLERANCE)) | (alpha >= high * (1 - EDGE_TOLERANCE))


# Where a host-side search (`extend_penalties`, the baselines in float64) stops extending.
PENALTY_FLOOR, PENALTY_CEILING = 1e-24, 1e12


def extend_penalties(
    fit: Callable[[tuple[float, ...]], tuple[T, float]],
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
    *,
    decades: int = 4,
    floor: float = PENALTY_FLOOR,
    ceiling: float = PENALTY_CEILING,
) -> tuple[T, tuple[float, ...]]:
    """The penalty search with its range extended until the choice is interior.

    `fit(alphas)` fits with the penalty validated over `alphas` and returns `(result,
    chosen penalty)`. While the choice sits on the lower (upper) edge of the range and the
    range has not reached `floor` (`ceiling`), `decades` more decades are added on that side
    and `fit` is called again: the validation error still improved at the edge, or the tie
    rule of `select_penalty` would have left it. For host-side fits (a new range recompiles
    a jitted fit); inside a batched program the range is fixed and `penalty_on_edge` flags
    an edge.

    **Returns:** the last `result` and the range it searched.
    """
    alphas = tuple(sorted(alphas))
    while True:
        result, alpha = fit(alphas)
        low, high = alphas[0], alphas[-1]
        if float(alpha) <= low * (1 + EDGE_TOLERANCE) and low > floor:
            e = math.floor(math.log10(low) + 0.5)
            alphas = tuple(10.0 ** (e - p) for p in range(decades, 0, -1)) + alphas
        elif float(alpha) >= high * (1 - EDGE_TOLERANCE) and high < ceiling:
            e = math.floor(math.log10(high) + 0.5)
            alphas = alphas + tuple(10.0 ** (e + p) for p in range(1, decades + 1))
        else:
            return result, alphas


def ridge_path(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    alphas: Float[ArrayLike, " alphas"],
    *,
    intercept: bool = True,
) -> tuple[Float[Array, "alphas units outputs"], Float[Array, "alphas outputs"]]:
    r"""Ridge regression for several penalties from one SVD of the features.

    $$W_\alpha = V\,\mathrm{diag}\Big(\frac{s_i}{s_i^2 + \alpha}\Big)\,U^\top Y
    \quad\text{for}\quad X = U\,\mathrm{diag}(s)\,V^\top,$$

    the solution of $(X^\top X + \alpha I) W = X^\top Y$. The SVD of $X$, not a Cholesky
    factor of $X^\top X$, keeps the condition number from squaring: in float32 the Gram
    matrix's Cholesky fails (NaN) for the small penalties smooth reservoir states need.

    With `intercept` (scikit-learn's `Ridge` convention) the columns are centred first and
    the intercept is unpenalised, $b = \bar y - \bar x W$; without it (the NG-RC paper's
    convention) a constant feature is penalised like the others and the intercepts are 0.
    A column that is identically zero after centring (padding, a silent unit) gets exactly
    zero weight, so padding changes nothing.

    **Returns:** weights `(alphas, units, outputs)` and intercepts `(alphas, outputs)`.
    """
    return _path(_factorise(features, targets, intercept), alphas)


def _factorise(features, targets, intercept: bool) -> dict[str, Array]:
    """What `ridge_path` needs of the data for any penalties: the SVD of the (centred)
    features, `U^T Y`, the means and the active columns."""
    x_mean = jnp.mean(features, axis=0, keepdims=True)
    y_mean = jnp.mean(targets, axis=0, keepdims=True)
    x, y = (features - x_mean, targets - y_mean) if intercept else (features, targets)
    u, singular, vt = jnp.linalg.svd(x, full_matrices=False)
    if not intercept:
        x_mean, y_mean = jnp.zeros_like(x_mean), jnp.zeros_like(y_mean)
    return {"singular": singular, "vt": vt, "uty": u.T @ y, "x_mean": x_mean,
            "y_mean": y_mean, "active": jnp.any(x != 0, axis=0)}  # fmt: skip


def _path(factors: dict[str, Array], alphas) -> tuple[Array, Array]:
    """`ridge_path` from `_factorise`'s factors (zero means: no intercept, bias 0)."""
    singular = factors["singular"]
    alphas = jnp.asarray(alphas, singular.dtype)
    gains = singular[None, :] / (singular[None, :] ** 2 + alphas[:, None])
    weights = jnp.einsum("rf,ar,ro->afo", factors["vt"], gains, factors["uty"])
    weights = jnp.where(factors["active"][None, :, None], weights, 0.0)
    bias = factors["y_mean"] - jnp.einsum("sf,afo->aso", factors["x_mean"], weights)[:, 0, :]
    return weights, bias


def fit_ridge(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    alpha: Float[ArrayLike, ""],
) -> tuple[Float[Array, "units outputs"], Float[Array, " outputs"]]:
    r"""Ridge regression with an unpenalised intercept (as scikit-learn's `Ridge`):

    $$W = (\tilde X^\top \tilde X + \alpha I)^{-1} \tilde X^\top \tilde Y, \qquad
    b = \bar y - \bar x W$$

    with $\tilde X, \tilde Y$ the column-centred features and targets, solved through the
    SVD (`ridge_path`). Padded (all-zero) features get exactly zero weight, so padding
    changes nothing. `alpha` > 0.

    **Returns:** the weights `(units, outputs)` and the intercept `(outputs,)`.
    """
    weights, bias = ridge_path(features, targets, jnp.reshape(jnp.asarray(alpha), (1,)))
    return weights[0], bias[0]


def fit_samples(num_samples: int, validation_fraction: float) -> int:
    """Samples fitted before the (chronologically last) validation part."""
    num_fit = int(round((1.0 - validation_fraction) * num_samples))
    if not 0 < num_fit < num_samples:
        raise ValueError(
            f"`validation_fraction`={validation_fraction} leaves no fitting or no validation "
            f"samples out of {num_samples}."
        )
    return num_fit


def validation_errors(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    validation_fraction: float = 0.2,
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
    intercept: bool = True,
) -> Float[Array, " alphas"]:
    """One-step validation MSE of each penalty of `alphas` (sorted ascending): fitted on all
    but the chronologically last `validation_fraction` of the samples (one SVD for all),
    scored on that last part."""
    num_fit = fit_samples(features.shape[0], validation_fraction)
    candidates = jnp.asarray(sorted(alphas), features.dtype)
    weights, bias = ridge_path(
        features[:num_fit], targets[:num_fit], candidates, intercept=intercept
    )
    prediction = jnp.einsum("sf,afo->aso", features[num_fit:], weights) + bias[:, None, :]
    return jnp.mean((prediction - targets[None, num_fit:]) ** 2, axis=(1, 2))


def fit_ridge_validated(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    validation_fraction: float = 0.2,
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
    intercept: bool = True,
) -> tuple[Float[Array, "units outputs"], Float[Array, " outputs"], Float[Array, ""]]:
    """Ridge with its penalty chosen by validation, then refitted on all samples.

    The last `validation_fraction` of the (chronological) samples validate each penalty of
    `alphas` (default `RIDGE_ALPHAS`, 1e-14 ... 1e6) after a fit on the rest (one SVD for
    all of them, `validation_errors`); `select_penalty` chooses (the least validation MSE,
    ties within 0.1 % going to the larger penalty), and that penalty is refitted on every
    sample. Whether the choice sits on an edge of `alphas` is `penalty_on_edge(alpha,
    alphas)`. One compiled program for any values; vmaps over networks. `intercept` as in
    `ridge_path`.

    **Returns:** weights, intercept, and the chosen penalty.
    """
    errors = validation_errors(
        features,
        targets,
        validation_fraction=validation_fraction,
        alphas=alphas,
        intercept=intercept,
    )
    alpha = select_penalty(errors, jnp.asarray(sorted(alphas), features.dtype))
    weights, bias = ridge_path(features, targets, alpha[None], intercept=intercept)
    return weights[0], bias[0], alpha


@partial(jax.jit, static_argnames="intercept")
def _factorise_jit(features, targets, intercept):
    return _factorise(features, targets, intercept)


@jax.jit
def _validation_mse(factors, features, targets, alphas):
    weights, bias = _path(factors, alphas)
    prediction = jnp.einsum("sf,afo->aso", features, weights) + bias[:, None, :]
    return jnp.mean((prediction - targets[None]) ** 2, axis=(1, 2))


def validated_penalty(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    validation_fraction: float = 0.2,
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
    intercept: bool = True,
) -> tuple[float, tuple[float, ...]]:
    """`fit_ridge_validated`'s choice of penalty, its range extended while the choice sits on
    an edge (`extend_penalties`), from one SVD of the fitting part: for host-side fits (the
    baselines). Refit with `fit_ridge` (or `ridge_path` without intercept).

    **Returns:** the chosen penalty and the range searched.
    """
    num_fit = fit_samples(features.shape[0], validation_fraction)
    factors = _factorise_jit(features[:num_fit], targets[:num_fit], intercept)
    held, truth = features[num_fit:], targets[num_fit:]

    def choose(candidates: tuple[float, ...]) -> tuple[None, float]:
        grid = jnp.asarray(candidates, features.dtype)
        return None, float(select_penalty(_validation_mse(factors, held, truth, grid), grid))

    _, searched = extend_penalties(choose, alphas)
    return choose(searched)[1], searched

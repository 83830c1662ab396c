"""The closed-form ridge readout, the standard reservoir-computing alternative to the MLP."""

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float


# Penalties tried by `fit_ridge_validated` (features are z-scored, so these are comparable
# across network sizes): a log grid over eight decades.
RIDGE_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0, 1e4)


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
    alphas = jnp.asarray(alphas, features.dtype)
    x_mean = jnp.mean(features, axis=0, keepdims=True)
    y_mean = jnp.mean(targets, axis=0, keepdims=True)
    x, y = (features - x_mean, targets - y_mean) if intercept else (features, targets)
    u, singular, vt = jnp.linalg.svd(x, full_matrices=False)
    gains = singular[None, :] / (singular[None, :] ** 2 + alphas[:, None])
    weights = jnp.einsum("rf,ar,ro->afo", vt, gains, u.T @ y)
    active = jnp.any(x != 0, axis=0)
    weights = jnp.where(active[None, :, None], weights, 0.0)
    if not intercept:
        return weights, jnp.zeros((alphas.shape[0], targets.shape[1]), features.dtype)
    bias = y_mean - jnp.einsum("sf,afo->aso", x_mean, weights)[:, 0, :]
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
    `alphas` after a fit on the rest (one SVD for all of them); the penalty with the least
    validation MSE is refitted on every sample. One compiled program for any values; vmaps
    over networks. `intercept` as in `ridge_path`.

    **Returns:** weights, intercept, and the chosen penalty.
    """
    num_fit = fit_samples(features.shape[0], validation_fraction)
    candidates = jnp.asarray(alphas, features.dtype)
    weights, bias = ridge_path(
        features[:num_fit], targets[:num_fit], candidates, intercept=intercept
    )
    prediction = jnp.einsum("sf,afo->aso", features[num_fit:], weights) + bias[:, None, :]
    errors = jnp.mean((prediction - targets[None, num_fit:]) ** 2, axis=(1, 2))
    alpha = candidates[jnp.argmin(jnp.where(jnp.isfinite(errors), errors, jnp.inf))]
    weights, bias = ridge_path(features, targets, alpha[None], intercept=intercept)
    return weights[0], bias[0], alpha

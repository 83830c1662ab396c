"""The closed-form ridge readout, the standard reservoir-computing alternative to the MLP."""

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jaxtyping import Array, ArrayLike, Float


# Penalties tried by `fit_ridge_validated` (features are z-scored, so these are comparable
# across network sizes): a log grid over eight decades.
RIDGE_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0, 1e4)


def fit_ridge(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    alpha: Float[ArrayLike, ""],
) -> tuple[Float[Array, "units outputs"], Float[Array, " outputs"]]:
    r"""Ridge regression with an unpenalised intercept (as scikit-learn's `Ridge`):

    $$W = (\tilde X^\top \tilde X + \alpha I)^{-1} \tilde X^\top \tilde Y, \qquad
    b = \bar y - \bar x W$$

    with $\tilde X, \tilde Y$ the column-centred features and targets. Padded (all-zero)
    features get exactly zero weight, so padding changes nothing. `alpha` > 0.

    **Returns:** the weights `(units, outputs)` and the intercept `(outputs,)`.
    """
    x_mean = jnp.mean(features, axis=0, keepdims=True)
    y_mean = jnp.mean(targets, axis=0, keepdims=True)
    x, y = features - x_mean, targets - y_mean
    gram = x.T @ x + alpha * jnp.eye(x.shape[1], dtype=x.dtype)
    weights = jsl.cho_solve(jsl.cho_factor(gram), x.T @ y)
    return weights, (y_mean - x_mean @ weights)[0]


def fit_ridge_validated(
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    validation_fraction: float = 0.2,
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
) -> tuple[Float[Array, "units outputs"], Float[Array, " outputs"], Float[Array, ""]]:
    """Ridge with its penalty chosen by validation, then refitted on all samples.

    The last `validation_fraction` of the (chronological) samples validate each penalty of
    `alphas` after a fit on the rest; the penalty with the least validation MSE is refitted
    on every sample. One compiled program for any values; vmaps over networks.

    **Returns:** weights, intercept, and the chosen penalty.
    """
    num_fit = int(round((1.0 - validation_fraction) * features.shape[0]))
    fit_x, fit_y = features[:num_fit], targets[:num_fit]
    val_x, val_y = features[num_fit:], targets[num_fit:]

    def validation_mse(alpha):
        weights, bias = fit_ridge(fit_x, fit_y, alpha)
        return jnp.mean((val_x @ weights + bias[None] - val_y) ** 2)

    candidates = jnp.asarray(alphas, features.dtype)
    errors = jax.vmap(validation_mse)(candidates)
    alpha = candidates[jnp.argmin(jnp.where(jnp.isfinite(errors), errors, jnp.inf))]
    weights, bias = fit_ridge(features, targets, alpha)
    return weights, bias, alpha

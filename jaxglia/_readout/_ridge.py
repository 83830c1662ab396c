"""The closed-form readout: ridge regression per network, its penalty chosen by validation.

The solver itself (`ridge_path`, one SVD for a whole penalty grid) is `jaxglia._ridge`,
shared with the NG-RC and echo-state baselines.
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._ridge import RIDGE_ALPHAS, fit_ridge_validated
from ._base import AbstractReadout, Fit


class Linear(eqx.Module):
    """An affine map of one step's features: `features @ weights + bias`."""

    weights: Float[Array, "units outputs"]
    bias: Float[Array, " outputs"]

    def __call__(self, features: Float[Array, " units"]) -> Float[Array, " outputs"]:
        return features @ self.weights + self.bias


class RidgeReadout(AbstractReadout):
    """Ridge regression with an unpenalised intercept, its penalty chosen from `alphas` on
    the chronologically last `validation_fraction` of the training split, then refitted
    on all of it (`fit_ridge_validated`). No epochs, so no learning rate; `final_loss` is
    the training MSE. Zero (padding) features get exactly zero weight.

    **Arguments:**

    - `alphas`: the penalties tried (default `RIDGE_ALPHAS`, 1e-4 ... 1e4; static).
    - `validation_fraction`: in (0, 1) (default 0.2; static).
    """

    alphas: tuple[float, ...] = eqx.field(static=True, default=RIDGE_ALPHAS)
    validation_fraction: float = eqx.field(static=True, default=0.2)

    @property
    def num_epochs(self) -> int:
        return 0

    def fit(self, params, features, targets, *, key) -> Fit:
        weights, bias, _ = fit_ridge_validated(
            features,
            targets,
            validation_fraction=self.validation_fraction,
            alphas=self.alphas,
        )
        linear = Linear(weights, bias)
        train_loss = jnp.mean((features @ weights + bias[None] - targets) ** 2)
        return Fit(linear, jnp.zeros((0,), features.dtype), train_loss)

"""The closed-form readout: ridge regression per network, its penalty chosen by validation.

The solver itself (`ridge_path`, one SVD for a whole penalty grid) and the penalty search
(`RIDGE_ALPHAS`, `select_penalty`, `penalty_on_edge`) are `jaxglia._ridge`, shared with the
NG-RC and echo-state baselines.
"""

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .._ridge import RIDGE_ALPHAS, fit_ridge_validated, penalty_on_edge
from ._base import AbstractReadout, Fit


class Linear(eqx.Module):
    """An affine map of one step's features: `features @ weights + bias`.

    A ridge fit also records the penalty it chose (`penalty`) and whether that penalty sits
    on an edge of the range searched (`penalty_on_edge`: 1.0 or 0.0); both are NaN for an
    affine map built by hand. The sweep reports them as `readout_penalty` and
    `penalty_on_edge`.
    """

    weights: Float[Array, "units outputs"]
    bias: Float[Array, " outputs"]
    penalty: Float[Array, ""] = eqx.field(default=math.nan, converter=jnp.asarray)
    penalty_on_edge: Float[Array, ""] = eqx.field(default=math.nan, converter=jnp.asarray)

    def __call__(self, features: Float[Array, " units"]) -> Float[Array, " outputs"]:
        return features @ self.weights + self.bias


class RidgeReadout(AbstractReadout):
    """Ridge regression with an unpenalised intercept, its penalty chosen from `alphas` on
    the chronologically last `validation_fraction` of the training split, then refitted
    on all of it (`fit_ridge_validated`: the least validation MSE, ties within 0.1 % going
    to the larger penalty). No epochs, so no learning rate; `final_loss` is the training
    MSE. Zero (padding) features get exactly zero weight. The predictor (`Linear`) records
    the chosen penalty and whether it sits on an edge of `alphas`.

    **Arguments:**

    - `alphas`: the penalties tried (default `RIDGE_ALPHAS`, 1e-14 ... 1e6 by decades,
      shared with the baselines; static).
    - `validation_fraction`: in (0, 1) (default 0.2; static).
    """

    alphas: tuple[float, ...] = eqx.field(static=True, default=RIDGE_ALPHAS)
    validation_fraction: float = eqx.field(static=True, default=0.2)

    @property
    def num_epochs(self) -> int:
        return 0

    def fit(self, params, features, targets, *, key) -> Fit:
        weights, bias, alpha = fit_ridge_validated(
            features,
            targets,
            validation_fraction=self.validation_fraction,
            alphas=self.alphas,
        )
        edge = penalty_on_edge(alpha, self.alphas).astype(features.dtype)
        linear = Linear(weights, bias, alpha, edge)
        train_loss = jnp.mean((features @ weights + bias[None] - targets) ** 2)
        return Fit(linear, jnp.zeros((0,), features.dtype), train_loss)

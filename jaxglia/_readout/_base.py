"""The readout interface, and the feature standardisation every readout sees.

A readout *family* (`MLPReadout`, `RidgeReadout`, or a user's subclass of
`AbstractReadout`) holds its settings; `init` draws its starting parameters for one network
and `fit` trains them on that network's standardised features, returning a `Fit`: the
trained predictor, its per-epoch loss curve and its training loss. Everything runs inside
the sweep's jit and vmap, once per network.
"""

import abc
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray, PyTree

from .._connectivity import UnitLayout


class Fit(eqx.Module):
    """What fitting a readout to one network gives.

    - `predictor`: maps one step's features `(units,)` to a prediction `(outputs,)` (a
      Module or any function: it is applied row by row to the test split and fed back in a
      closed-loop forecast).
    - `curve`: the per-epoch training loss, shape `(epochs,)`; empty for a closed-form fit.
    - `train_loss`: the training loss reported as `final_loss`.
    """

    predictor: Callable[[Float[Array, " units"]], Float[Array, " outputs"]]
    curve: Float[Array, " epochs"]
    train_loss: Float[Array, ""]


class AbstractReadout(eqx.Module):
    """A readout family: maps a network's features to predictions of the targets.

    Subclasses implement `fit` (and `init` if they have random starting parameters) and
    say how many epochs their loss curve has (`num_epochs`, 0 for a closed form). The
    features given to `fit` are z-scored with their training statistics; padding units'
    features are exactly zero, and `layout` tells where the active units are, so a readout
    can keep padding invisible (zero-feature columns must not change its predictions).
    Array fields may be traced (new values do not recompile); fields that fix shapes are
    `eqx.field(static=True)`.

    The loss curve feeds the paper's metric, `learning_rate` (its log10 slope); a readout
    with `num_epochs == 0` has no learning rate.
    """

    @property
    @abc.abstractmethod
    def num_epochs(self) -> int:
        """The length of the loss curve `fit` returns (static)."""

    def init(self, layout: UnitLayout, num_outputs: int, *, key: PRNGKeyArray) -> PyTree:
        """Starting parameters for one network (default: none)."""
        return None

    @abc.abstractmethod
    def fit(
        self,
        params: PyTree,
        features: Float[Array, "samples units"],
        targets: Float[Array, "samples outputs"],
        *,
        key: PRNGKeyArray,
    ) -> Fit:
        """Train from `params` (what `init` returned) on the training split."""

    def flops(self, num_units: int, num_train: int, num_test: int, num_outputs: int) -> float:
        """Floating-point operations of one fit and test prediction (for the sweep's cost
        model: bucket planning and the progress figures). Default: a least-squares fit."""
        return 2.0 * num_train * num_units * (num_units + num_outputs) + 2.0 * num_test * (
            num_units * num_outputs
        )

    def memory_words(self, num_units: int) -> int:
        """Words of memory one fit holds besides the features (for block sizing)."""
        return 4 * num_units * num_units


def predict(
    predictor: Callable[[Float[Array, " units"]], Float[Array, " outputs"]],
    features: Float[Array, "time units"],
) -> Float[Array, "time outputs"]:
    """Apply a predictor to every row of `features`."""
    return jax.vmap(predictor)(features)


def feature_stats(
    features: Float[Array, "time units"], num_train: int
) -> tuple[Float[Array, " units"], Float[Array, " units"]]:
    """Mean and standard deviation of each feature over the first `num_train` rows."""
    train = features[:num_train]
    return jnp.mean(train, axis=0), jnp.std(train, axis=0)


def apply_stats(
    features: Float[Array, "*time units"], mean: Float[Array, " units"], std: Float[Array, " units"]
) -> Float[Array, "*time units"]:
    """Z-score with given statistics (`feature_stats` of the training rows); a constant
    feature (padding, or a silent unit) has std 0 and stays exactly 0."""
    mean, std = jnp.broadcast_to(mean, features.shape), jnp.broadcast_to(std, features.shape)
    centred = features - mean
    return jnp.where(std > 0, centred / jnp.where(std > 0, std, 1.0), 0.0)

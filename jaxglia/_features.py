"""What a reservoir run records for the readout at each step: the feature kinds.

A feature kind is a Module with a small carry of its own (a filtered trace, or nothing),
advanced once per reservoir step inside the one time loop of `_simulate.py`. The built-in
kinds are `Membrane`, `Spikes` and `Filtered`; a user's own kind subclasses
`AbstractFeatures`.
"""

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PyTree

from ._reservoir import Reservoir, ReservoirState


class AbstractFeatures(eqx.Module):
    """The readout features one reservoir step produces.

    `init(reservoir)` gives the kind's own carry (a PyTree, or None); `observe(reservoir,
    state, carry)` maps the reservoir's state after a step to `(carry, features)`, the
    features one value per unit (padding units must give 0, which every observable of a
    `Reservoir` does). Both run inside the sweep's jit and vmap: use `jnp`, no Python
    branching on values.
    """

    def init(self, reservoir: Reservoir) -> PyTree[Array]:
        """The carry before the first step (default: none)."""
        return None

    @abc.abstractmethod
    def observe(
        self, reservoir: Reservoir, state: ReservoirState, carry: Any
    ) -> tuple[Any, Float[Array, " units"]]:
        """The new carry and the features of each unit after one step."""


class Membrane(AbstractFeatures):
    """Each unit's membrane-like observable (`AbstractPopulation.membrane`); MODEL.md's
    default."""

    def observe(self, reservoir, state, carry):
        return carry, reservoir.membrane(state)


class Spikes(AbstractFeatures):
    """Each unit's output of the step: spikes as 0/1 (or a non-spiking unit's current)."""

    def observe(self, reservoir, state, carry):
        return carry, state.outputs


class Filtered(AbstractFeatures):
    r"""Outputs low-pass filtered: $x_t = \lambda x_{t-1} + S_t$, $\lambda$ = `decay`.

    **Arguments:**

    - `decay`: $\lambda$ in [0, 1) (default 0.9). An array: new values do not recompile.
    """

    decay: Float[Array, ""]

    def __init__(self, decay: ArrayLike = 0.9):
        self.decay = jnp.asarray(decay, jnp.float32)

    def init(self, reservoir):
        return jnp.zeros((reservoir.capacity,), reservoir.dtype)

    def observe(self, reservoir, state, carry):
        trace = self.decay.astype(carry.dtype) * carry + state.outputs
        return trace, trace


# The built-in kinds by the name the options use.
FEATURE_KINDS: dict[str, type[AbstractFeatures]] = {
    "membrane": Membrane,
    "spikes": Spikes,
    "filtered": Filtered,
}


def as_features(features: "str | AbstractFeatures", filter_decay: ArrayLike = 0.9):
    """A feature kind from its name (`FEATURE_KINDS`) or as given."""
    if isinstance(features, AbstractFeatures):
        return features
    if features not in FEATURE_KINDS:
        raise ValueError(f"`features` must be one of {tuple(FEATURE_KINDS)}; got {features!r}.")
    return Filtered(filter_decay) if features == "filtered" else FEATURE_KINDS[features]()

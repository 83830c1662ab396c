"""The interface every population model implements (`AbstractPopulation`)."""

import abc

import equinox as eqx
from jaxtyping import Array, Bool, Float, PyTree


class AbstractPopulation(eqx.Module):
    """A population of units advanced by one discrete time step.

    A population is a *model* (parameters only); its evolving values live in a separate state
    PyTree returned by `init_state`. `step` is pure: `(state, current) -> (state, spikes)`.
    The two roles of a reservoir (`neurons`, `astrocytes`) each hold one population, so a new
    astrocyte model only has to implement this interface.
    """

    @abc.abstractmethod
    def init_state(self, size: int) -> PyTree[Array]:
        """The resting state of `size` units."""

    @abc.abstractmethod
    def step(
        self, state: PyTree[Array], current: Float[Array, " units"]
    ) -> tuple[PyTree[Array], Bool[Array, " units"]]:
        """Advance one step under the input `current`; return the new state and its spikes."""

    @abc.abstractmethod
    def membrane(self, state: PyTree[Array]) -> Float[Array, " units"]:
        """The membrane-like observable of each unit, used as readout feature."""

"""The reservoir: two populations (neurons, astrocytes) wired like tripartite synapses."""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray, PyTree

from ._connectivity import (
    Connectivity,
    input_weights,
    recurrent_weights,
    synapses as sparse_synapses,
    unit_layout,
    weights_form,
)
from ._lif import LIF, LIFState, lif_update
from ._population import AbstractPopulation
from ._random import MAX_ROWS
from ._sparse import Synapses
from ._tripartite import (
    Coverage,
    SparseCoverage,
    Tripartite,
    sparse_coverage,
    tripartite_coverage,
)


class ReservoirState(eqx.Module):
    """State of a `Reservoir`: each population's state and what each unit emitted last step.

    - `outputs`: the last step's output of each unit, the signal the recurrent weights
      carry: spikes (0 or 1) for spiking models, a continuous current for the Li–Rinzel
      astrocyte's slow inward current. Padding units emit 0.
    - `neurons`, `astrocytes`: each population's state over all units (when both are
      plain `LIF`, `neurons` holds every unit's membrane and `astrocytes` stays at rest:
      `Reservoir.merged`).
    - `modulation`: the astrocytes' synaptic-activity traces of the `"tripartite"` gain
      model (one per unit, 0 outside astrocytes), or None without it.
    """

    neurons: PyTree[Array]
    astrocytes: PyTree[Array]
    outputs: Float[Array, " units"]
    modulation: Float[Array, " units"] | None = None


class Reservoir(eqx.Module):
    r"""A fixed random spiking reservoir of neurons and astrocyte-like units.

    Units are laid out as `[N neurons, A astrocytes, padding up to capacity]`. At every step

    $$I_t = W_{in} u_t + W_{rec} S_{t-1}, \qquad W_{rec} = \begin{pmatrix} W_{NN} & W_{NA} \\
    W_{AN} & W_{AA}\end{pmatrix}$$

    and each population advances under its units' part of $I_t$ (both population models
    step over all `capacity` units and each unit takes its own population's result, so the
    sizes can be traced). $S_{t-1}$ is what each unit emitted: spikes, or a continuous
    output for a non-spiking astrocyte model. Padded units have all-zero rows and columns in
    $W_{in}$ and $W_{rec}$: they receive nothing, and their outputs and membranes are masked
    to zero. With `tripartite` set, the covered neuron-to-neuron synapses are further scaled
    by their astrocytes' activity (see `Tripartite`). Build with `make_reservoir`.

    The recurrent weights take one of two forms holding the same synapses: `recurrent_weights`
    (dense, `capacity x capacity`) or `synapses` (sparse: per unit, its inputs' indices and
    weights), the other field None (`Connectivity.form`).
    """

    neurons: AbstractPopulation
    astrocytes: AbstractPopulation
    input_weights: Float[Array, "units inputs"]
    recurrent_weights: Float[Array, "units units"] | None
    num_neurons: Int[Array, ""]
    num_astrocytes: Int[Array, ""]
    capacity: int = eqx.field(static=True)
    tripartite: Tripartite | None = None
    coverage: Coverage | SparseCoverage | None = None
    synapses: Synapses | None = None

    @property
    def population(self) -> Int[Array, " units"]:
        """0 for neurons, 1 for astrocytes, 2 for padding, unit by unit."""
        return unit_layout(self.capacity, self.num_neurons, self.num_astrocytes)[0]

    @property
    def unit_mask(self) -> Bool[Array, " units"]:
        """True for active units, False for padding."""
        return self.population < 2

    @property
    def dtype(self):
        """The dtype of currents and outputs."""
        return self.input_weights.dtype

    @property
    def dense_weights(self) -> Float[Array, "units units"]:
        """The recurrent weights as a `capacity x capacity` matrix, whatever the form."""
        if self.recurrent_weights is not None:
            return self.recurrent_weights
        assert self.synapses is not None
        return self.synapses.dense()

    def init_state(self) -> ReservoirState:
        dtype = self.dtype
        zeros = jnp.zeros((self.capacity,), dtype)
        return ReservoirState(
            self.neurons.init_state(self.capacity),
            self.astrocytes.init_state(self.capacity),
            zeros,
            None if self.coverage is None else zeros,
        )

    def step(self, state: ReservoirState, drive: Float[Array, " units"]) -> ReservoirState:
        """Advance one step; `drive` is the input current $W_{in} u_t$ (precomputed)."""
        outputs = state.outputs
        modulation = state.modulation
        tri, cover = self.tripartite, self.coverage
        if self.synapses is not None:
            syn = self.synapses
            if tri is not None and isinstance(cover, SparseCoverage) and modulation is not None:
                recurrent, summed = cover.currents(syn, tri, outputs, modulation)
                current = drive + recurrent
                sensed = summed / jnp.maximum(cover.counts, 1.0)
                modulation = tri.decay * modulation + (1.0 - tri.decay) * sensed
            else:
                current = drive + syn.apply(outputs)
        else:
            assert self.recurrent_weights is not None
            current = drive + self.recurrent_weights @ outputs
            if tri is not None and isinstance(cover, Coverage) and modulation is not None:
                gain = tri.modulation * modulation[cover.astrocyte]
                current = current + (cover.weights * gain) @ outputs
                sensed = cover.sensing @ outputs
                modulation = tri.decay * modulation + (1.0 - tri.decay) * sensed
        population = self.population
        n, a = self.neurons, self.astrocytes
        if self.merged and isinstance(n, LIF) and isinstance(a, LIF):
            # Both populations LIF: one update with per-unit beta and threshold (the same
            # arithmetic unit by unit, one fused kernel instead of two); `neurons` holds
            # every unit's membrane and `astrocytes` stays at rest.
            neuron = population == 0
            beta = jnp.where(neuron, n.beta, a.beta)
            threshold = jnp.where(neuron, n.threshold, a.threshold)
            membrane, spikes = lif_update(state.neurons.membrane, current, beta, threshold, n.reset)
            outputs = jnp.where(population < 2, spikes.astype(drive.dtype), 0.0)
            return ReservoirState(LIFState(membrane), state.astrocytes, outputs, modulation)
        neurons, out_n = n.step(state.neurons, current)
        astrocytes, out_a = a.step(state.astrocytes, current)
        out_n, out_a = out_n.astype(drive.dtype), out_a.astype(drive.dtype)
        outputs = jnp.where(population == 0, out_n, jnp.where(population == 1, out_a, 0.0))
        return ReservoirState(neurons, astrocytes, outputs, modulation)

    @property
    def merged(self) -> bool:
        """Whether both populations are plain `LIF` with one reset mode, stepped as one
        (then `ReservoirState.neurons` holds every unit's membrane)."""
        n, a = self.neurons, self.astrocytes
        return type(n) is LIF and type(a) is LIF and n.reset == a.reset

    def membrane(self, state: ReservoirState) -> Float[Array, " units"]:
        population = self.population
        if self.merged:
            return jnp.where(population < 2, state.neurons.membrane, 0.0)
        mem_n = self.neurons.membrane(state.neurons)
        mem_a = self.astrocytes.membrane(state.astrocytes)
        return jnp.where(population == 0, mem_n, jnp.where(population == 1, mem_a, 0.0))


def network_key(seed, num_neurons, num_astrocytes, replicate) -> PRNGKeyArray:
    """The key of network (N, A, replicate) under root `seed`: independent of any grid."""
    key = jr.key(seed)
    for value in (num_neurons, num_astrocytes, replicate):
        key = jr.fold_in(key, value)
    return key


def make_reservoir(
    key: PRNGKeyArray,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    *,
    capacity: int | None = None,
    neurons: AbstractPopulation | None = None,
    astrocytes: AbstractPopulation | None = None,
    connectivity: Connectivity | None = None,
    num_inputs: int = 3,
    tripartite: Tripartite | None = None,
) -> Reservoir:
    """Draw a reservoir of `num_neurons` neurons and `num_astrocytes` astrocytes.

    **Arguments:**

    - `key`: a PRNG key; use `network_key(seed, N, A, replicate)` for grid-independent draws.
    - `num_neurons`, `num_astrocytes`: active sizes, >= 0 (either may be 0). May be traced
      (under `vmap`) when `capacity` is given.
    - `capacity`: static number of units (padded); default exactly `N + A`.
    - `neurons`, `astrocytes`: population models; default `LIF(0.9)` and `LIF(0.99)`.
    - `connectivity`: a `Connectivity` (default: p = 0.1, g = 1 for all four blocks).
    - `num_inputs`: input dimension (3 for Lorenz).
    - `tripartite`: astrocyte gain modulation of the neuron-to-neuron synapses (default
      None: none). See `Tripartite`.

    **Returns:** a `Reservoir` whose active weights do not depend on `capacity`.
    """
    sizes = {"num_neurons": num_neurons, "num_astrocytes": num_astrocytes}
    for name, value in sizes.items():
        if isinstance(value, int | np.integer) and not 0 <= value < MAX_ROWS:
            raise ValueError(f"`{name}` must lie in [0, {MAX_ROWS}); got {value}.")
    if capacity is None:
        capacity = int(num_neurons) + int(num_astrocytes)  # pyright: ignore[reportArgumentType]
    total = sizes["num_neurons"] + sizes["num_astrocytes"]
    if isinstance(total, int | np.integer) and total > capacity:
        raise ValueError(f"`capacity`={capacity} is smaller than N + A = {total}.")
    neurons = LIF(beta=0.9) if neurons is None else neurons
    astrocytes = LIF(beta=0.99) if astrocytes is None else astrocytes
    conn = Connectivity() if connectivity is None else connectivity
    n = jnp.asarray(num_neurons, jnp.int32)
    a = jnp.asarray(num_astrocytes, jnp.int32)
    return _build_jit(key, n, a, capacity, neurons, astrocytes, conn, num_inputs, tripartite)


def build_reservoir(
    key: PRNGKeyArray,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    capacity: int,
    neurons: AbstractPopulation,
    astrocytes: AbstractPopulation,
    conn: Connectivity,
    num_inputs: int,
    tripartite: Tripartite | None = None,
) -> Reservoir:
    """Unjitted body of `make_reservoir` (the sweep calls it inside its own jit and vmap)."""
    n, a = num_neurons, num_astrocytes
    weights, syn, coverage = None, None, None
    if weights_form(conn, capacity) == "sparse":
        syn = sparse_synapses(key, capacity, n, a, conn)
        if tripartite is not None:
            coverage = sparse_coverage(key, syn, n, a, tripartite)
    elif conn.in_degree:
        syn_slots = sparse_synapses(key, capacity, n, a, conn)
        weights = syn_slots.dense()
        if tripartite is not None:
            coverage = sparse_coverage(key, syn_slots, n, a, tripartite).densify(syn_slots.pre)
    else:
        weights = recurrent_weights(key, capacity, n, a, conn)
        if tripartite is not None:
            coverage = tripartite_coverage(key, weights, n, a, tripartite)
    return Reservoir(
        neurons=neurons,
        astrocytes=astrocytes,
        input_weights=input_weights(key, capacity, n, a, conn, num_inputs),
        recurrent_weights=weights,
        synapses=syn,
        num_neurons=jnp.asarray(n, jnp.int32),
        num_astrocytes=jnp.asarray(a, jnp.int32),
        capacity=capacity,
        tripartite=tripartite,
        coverage=coverage,
    )


_build_jit = eqx.filter_jit(build_reservoir)

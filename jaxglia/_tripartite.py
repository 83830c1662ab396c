"""The tripartite coupling: astrocytes modulating the gain of neuron-to-neuron synapses.

`Tripartite` holds the coupling's parameters; `tripartite_coverage` draws which astrocyte
covers which synapse (hashed like the weights, so padding changes nothing), and the
reservoir's step applies the gain (`Reservoir.step`).
"""

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from ._connectivity import unit_layout
from ._random import hash_many, to_uniform
from ._ranges import COVERAGE_PROBABILITY, MODULATION, POOL_SIZE, TRIPARTITE_DECAY, check_concrete
from ._sparse import Synapses, gather, over_slots


class Tripartite(eqx.Module):
    r"""Astrocyte gain modulation of neuron-to-neuron synapses (the `"tripartite"` model).

    The idea of NEST's `tripartite_bernoulli_with_pool` rule: every postsynaptic neuron $i$
    has a pool of `pool_size` astrocytes, drawn at random (with replacement) from the
    network's astrocytes; each existing synapse $j \to i$ of the $N \leftarrow N$ block is
    covered, with probability `p_third`, by one astrocyte $a(i, j)$ picked uniformly from
    $i$'s pool. Astrocyte $a$ integrates the activity of the synapses it covers on its slow
    timescale,

    $$c_a[t] = \lambda\, c_a[t-1] + (1 - \lambda)\, \frac{1}{n_a} \sum_{(i,j) \to a} S_j[t-1],$$

    ($n_a$ the number of synapses it covers, $\lambda$ = `decay`), and scales their efficacy:
    a covered synapse carries $w_{ij}\,(1 + \kappa\, c_{a(i,j)}[t-1])$ ($\kappa$ =
    `modulation`). With $\kappa = 0$ the network is exactly the plain reservoir. The
    astrocytes keep their place as units of the reservoir (their own dynamics, inputs and
    outputs are unchanged); this adds the synaptic pathway on top.

    `p_third`, `modulation` and `decay` are arrays (new values do not recompile);
    `pool_size` is static.
    """

    p_third: Float[Array, ""]
    modulation: Float[Array, ""]
    decay: Float[Array, ""]
    pool_size: int = eqx.field(static=True)

    def __init__(
        self,
        p_third: ArrayLike = 0.5,
        modulation: ArrayLike = 1.0,
        decay: ArrayLike = 0.99,
        pool_size: int = 10,
    ):
        """**Arguments:**

        - `p_third`: probability that a neuron-to-neuron synapse is covered, in [0, 1]
          (default 0.5, as NEST's `astrocyte_brunel` example).
        - `modulation`: $\\kappa$, the efficacy gain at full astrocyte activity, >= -1 so
          efficacies keep their sign (default 1: a fully active astrocyte doubles them).
        - `decay`: $\\lambda$ in [0, 1), the astrocytes' per-step decay (default 0.99, the
          slow LIF's $\\beta$).
        - `pool_size`: astrocytes in each postsynaptic neuron's pool, >= 1 (default 10).
        """
        pool_size = POOL_SIZE.value("pool_size", pool_size)
        f = lambda x: jnp.asarray(x, jnp.float32)
        self.p_third, self.modulation, self.decay = f(p_third), f(modulation), f(decay)
        self.pool_size = pool_size

    def __check_init__(self):
        check_concrete(
            self,
            {"p_third": COVERAGE_PROBABILITY, "modulation": MODULATION, "decay": TRIPARTITE_DECAY},
        )


class Coverage(eqx.Module):
    """Which astrocyte covers which synapse, as the per-step products need it.

    - `weights`: the covered part of $W_{NN}$ (uncovered entries 0), `capacity x capacity`.
    - `astrocyte`: for each synapse, the position of its covering astrocyte (0 where
      uncovered; those entries are masked by `weights`).
    - `sensing`: row $a$ holds, for each presynaptic neuron $j$, the fraction of astrocyte
      $a$'s covered synapses that come from $j$ (rows sum to 1 for covering astrocytes, 0
      otherwise), so `sensing @ spikes` is each astrocyte's mean synaptic activity.
    """

    weights: Float[Array, "units units"]
    astrocyte: Int[Array, "units units"]
    sensing: Float[Array, "units units"]


def _draw_coverage(key, population, local, pre, weights, num_neurons, num_astrocytes,
                   tripartite: "Tripartite"):  # fmt: skip
    """(covered, astrocyte) of each synapse (post = row, pre = `pre`'s position, weight
    `weights`), dense or slot by slot: the same hashed draws at the synapse's (post, pre)
    indices within their populations (streams 6 and 7), so both forms cover alike."""
    pool_slots = jnp.arange(tripartite.pool_size, dtype=jnp.int32)
    (bits_cover, bits_slot), (bits_pool, _) = hash_many(
        key, [(6, local[:, None], local[pre]), (7, local[:, None], pool_slots[None, :])]
    )
    a = jnp.asarray(num_astrocytes, jnp.int32)
    n = jnp.asarray(num_neurons, jnp.int32)
    neuron = population == 0
    covered = (
        neuron[:, None]
        & neuron[pre]
        & (weights != 0)
        & (to_uniform(bits_cover) < tripartite.p_third)
        & (a > 0)
    )
    slot = jnp.minimum(
        (to_uniform(bits_slot) * tripartite.pool_size).astype(jnp.int32), tripartite.pool_size - 1
    )
    pool = (to_uniform(bits_pool) * a.astype(jnp.float32)).astype(jnp.int32)
    pool = jnp.minimum(pool, jnp.maximum(a - 1, 0))
    astrocyte = jnp.where(covered, n + jnp.take_along_axis(pool, slot, axis=1), 0)
    return covered, astrocyte


def tripartite_coverage(
    key: PRNGKeyArray,
    weights: Float[Array, "units units"],
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    tripartite: Tripartite,
) -> Coverage:
    """Draw the coverage of `weights`' neuron-to-neuron synapses (hash streams 6 and 7).

    Draws are indexed by positions within populations, like the weights, so the coverage of
    the active units does not depend on the capacity.
    """
    capacity = weights.shape[0]
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    covered, astrocyte = _draw_coverage(
        key, population, local, jnp.arange(capacity)[None, :], weights,
        num_neurons, num_astrocytes, tripartite,
    )  # fmt: skip
    columns = jnp.broadcast_to(jnp.arange(capacity)[None, :], (capacity, capacity))
    counts = jnp.zeros((capacity, capacity), weights.dtype)
    counts = counts.at[astrocyte, columns].add(covered.astype(weights.dtype))
    per_astrocyte = jnp.sum(counts, axis=1, keepdims=True)
    sensing = counts / jnp.maximum(per_astrocyte, 1.0)
    return Coverage(jnp.where(covered, weights, 0.0), astrocyte, sensing)


class SparseCoverage(eqx.Module):
    """`Coverage` in the sparse form, slot by slot of the network's `Synapses` (slot-major,
    like them).

    - `weights`: `(slots, units)` the covered synapses' weights (0 where uncovered).
    - `astrocyte`: `(slots, units)` the position of each slot's covering astrocyte (0 where
      uncovered).
    - `counts`: `(units,)` the number of synapses each astrocyte covers, so each
      astrocyte's mean synaptic activity is the scatter-sum of its slots' inputs over it.
    """

    weights: Float[Array, "slots units"]
    astrocyte: Int[Array, "slots units"]
    counts: Float[Array, " units"]

    def densify(self, pre: Int[Array, "slots units"]) -> Coverage:
        """The same coverage as a dense `Coverage` (slots summed into place)."""
        c = self.weights.shape[-1]
        rows = jnp.broadcast_to(jnp.arange(c)[None, :], pre.shape)
        covered = (self.weights != 0).astype(self.weights.dtype)
        weights = jnp.zeros((c, c), self.weights.dtype).at[rows, pre].add(self.weights)
        astrocyte = jnp.zeros((c, c), jnp.int32).at[rows, pre].max(self.astrocyte)
        counts = jnp.zeros((c, c), self.weights.dtype).at[self.astrocyte, pre].add(covered)
        per_astrocyte = jnp.sum(counts, axis=1, keepdims=True)
        return Coverage(weights, astrocyte, counts / jnp.maximum(per_astrocyte, 1.0))

    def currents(
        self,
        synapses: Synapses,
        tripartite: "Tripartite",
        outputs: Float[Array, " units"],
        trace: Float[Array, " units"],
    ) -> tuple[Float[Array, " units"], Float[Array, " units"]]:
        """The recurrent current of `synapses`, covered synapses scaled by their astrocytes'
        gain `1 + modulation * trace`, and each astrocyte's summed covered input activity:
        `currents_by_slots` on CPU, `currents_fused` elsewhere."""
        by_slots, fused = SparseCoverage.currents_by_slots, SparseCoverage.currents_fused
        return lax.platform_dependent(
            self, synapses, tripartite, outputs, trace, cpu=by_slots, default=fused
        )

    def currents_by_slots(self, synapses, tripartite, outputs, trace):
        """`currents` as one pass over the slots (`over_slots`), the CPU form."""
        weight, kappa = synapses.weight, tripartite.modulation

        def slot(carry, k, inputs):
            current, summed = carry
            gain = kappa * trace[self.astrocyte[k]]
            current = current + weight[k] * inputs + self.weights[k] * gain * inputs
            active = jnp.where(self.weights[k] != 0, inputs, 0.0)
            return current, summed.at[self.astrocyte[k]].add(active)

        zeros = jnp.zeros_like(trace)
        return over_slots(synapses.pre, outputs, slot, (zeros, zeros), synapses.used)

    def currents_fused(self, synapses, tripartite, outputs, trace):
        """`currents` as whole-array expressions (fused kernels on a GPU)."""
        inputs = gather(outputs, synapses.pre)
        gain = tripartite.modulation * trace[self.astrocyte]
        current = jnp.sum(synapses.weight * inputs + self.weights * gain * inputs, axis=0)
        active = jnp.where(self.weights != 0, inputs, 0.0)
        return current, jnp.zeros_like(trace).at[self.astrocyte].add(active)


def sparse_coverage(
    key: PRNGKeyArray,
    synapses: Synapses,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    tripartite: Tripartite,
) -> SparseCoverage:
    """`tripartite_coverage` of the synapses in sparse form: the same draws (hash streams 6
    and 7 at each synapse's (post, pre) indices within their populations), slot by slot."""
    pre, weight = synapses.pre.T, synapses.weight.T  # (units, slots): rows are the posts
    capacity = weight.shape[0]
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    covered, astrocyte = _draw_coverage(
        key, population, local, pre, weight, num_neurons, num_astrocytes, tripartite,
    )  # fmt: skip
    dtype = weight.dtype
    counts = jnp.zeros((capacity,), dtype).at[astrocyte].add(covered.astype(dtype))
    return SparseCoverage(jnp.where(covered, weight, 0.0).T, astrocyte.T, counts)

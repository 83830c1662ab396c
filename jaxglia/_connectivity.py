"""Connection parameters and the random weight blocks they describe.

Every weight is drawn with `hash_counters` (see `_random.py`) from the indices of its two
units within their populations, so a network drawn at a larger capacity, restricted to its
active units, is bit-identical to the unpadded one.
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from ._random import hash_counters, hash_many, to_normal, to_uniform


class Connectivity(eqx.Module):
    r"""How the four recurrent blocks and the input weights are drawn.

    Block `post <- pre` is Bernoulli(`p`) with weights $\mathcal N(0, g^2 / (p\,n_{pre}))$,
    where $n_{pre}$ is the *active* size of the presynaptic population, so the input variance
    a unit receives does not depend on network size. Input weights are $U(-a, a)$ with
    $a$ = `input_scale` of the receiving population (0 routes no input to it).

    Every field is an array: new values do not recompile and can be vmapped over.
    """

    p_nn: Float[Array, ""]
    p_na: Float[Array, ""]
    p_an: Float[Array, ""]
    p_aa: Float[Array, ""]
    gain_nn: Float[Array, ""]
    gain_na: Float[Array, ""]
    gain_an: Float[Array, ""]
    gain_aa: Float[Array, ""]
    input_scale_neurons: Float[Array, ""]
    input_scale_astrocytes: Float[Array, ""]

    def __init__(
        self,
        p_nn: ArrayLike = 0.1,
        p_na: ArrayLike = 0.1,
        p_an: ArrayLike = 0.1,
        p_aa: ArrayLike = 0.1,
        gain_nn: ArrayLike = 1.0,
        gain_na: ArrayLike = 1.0,
        gain_an: ArrayLike = 1.0,
        gain_aa: ArrayLike = 1.0,
        input_scale_neurons: ArrayLike = 1.0,
        input_scale_astrocytes: ArrayLike = 1.0,
    ):
        """**Arguments:** (blocks are named post-pre: `na` is neurons <- astrocytes)

        - `p_nn`, `p_na`, `p_an`, `p_aa`: connection probability of each block, in (0, 1]
          (default 0.1).
        - `gain_nn`, `gain_na`, `gain_an`, `gain_aa`: weight scale g of each block, >= 0
          (default 1).
        - `input_scale_neurons`, `input_scale_astrocytes`: half-width of the uniform input
          weights into each population, >= 0 (default 1; 0 routes no input there).
        """
        f = lambda x: jnp.asarray(x, jnp.float32)
        self.p_nn, self.p_na, self.p_an, self.p_aa = f(p_nn), f(p_na), f(p_an), f(p_aa)
        self.gain_nn, self.gain_na = f(gain_nn), f(gain_na)
        self.gain_an, self.gain_aa = f(gain_an), f(gain_aa)
        self.input_scale_neurons = f(input_scale_neurons)
        self.input_scale_astrocytes = f(input_scale_astrocytes)


def unit_layout(capacity: int, num_neurons, num_astrocytes) -> tuple[Array, Array]:
    """Population (0 neurons, 1 astrocytes, 2 padding) and index within it, of each unit.

    Units are laid out as `[N neurons, A astrocytes, padding]`; `num_neurons` and
    `num_astrocytes` may be traced, so one compiled program serves every (N, A) with
    N + A <= capacity.
    """
    position = jnp.arange(capacity, dtype=jnp.int32)
    n = jnp.asarray(num_neurons, jnp.int32)
    a = jnp.asarray(num_astrocytes, jnp.int32)
    population = jnp.where(position < n, 0, jnp.where(position < n + a, 1, 2))
    local = jnp.where(population == 0, position, jnp.where(population == 1, position - n, 0))
    return population, local


def recurrent_weights(
    key: PRNGKeyArray,
    capacity: int,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    connectivity: Connectivity,
) -> Float[Array, "units units"]:
    """The four Bernoulli-Gaussian blocks, laid out as one `capacity x capacity` matrix.

    Block b = (post population, pre population) is hash stream b, indexed by the units'
    positions *within* their populations, so block entries do not move when the layout or
    the capacity changes. Rows and columns of padding units are zero.
    """
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    post, pre = population[:, None], population[None, :]
    block = 2 * jnp.minimum(post, 1) + jnp.minimum(pre, 1)  # nn=0, na=1, an=2, aa=3
    bits_mask, bits_weight = hash_counters(key, block, local[:, None], local[None, :])
    c = connectivity
    p = jnp.stack([c.p_nn, c.p_na, c.p_an, c.p_aa])[block]
    gain = jnp.stack([c.gain_nn, c.gain_na, c.gain_an, c.gain_aa])[block]
    sizes = jnp.stack([jnp.asarray(num_neurons), jnp.asarray(num_astrocytes)]).astype(jnp.float32)
    fan_in = jnp.maximum(sizes[jnp.minimum(pre, 1)], 1.0)
    connected = (to_uniform(bits_mask) < p) & (post < 2) & (pre < 2)
    return jnp.where(connected, to_normal(bits_weight) * gain / jnp.sqrt(p * fan_in), 0.0)


def input_weights(
    key: PRNGKeyArray,
    capacity: int,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    connectivity: Connectivity,
    num_inputs: int,
) -> Float[Array, "units inputs"]:
    """Uniform(-s, s) input weights, s the receiving population's `input_scale` (streams 4,
    5); zero rows for padding."""
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    stream = 4 + jnp.minimum(population, 1)[:, None]
    bits, _ = hash_counters(key, stream, local[:, None], jnp.arange(num_inputs)[None, :])
    c = connectivity
    scale = jnp.stack([c.input_scale_neurons, c.input_scale_astrocytes, jnp.float32(0.0)])
    return (2.0 * to_uniform(bits) - 1.0) * scale[population][:, None]


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
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"`pool_size` must be a whole number >= 1; got {pool_size!r}.")
        f = lambda x: jnp.asarray(x, jnp.float32)
        self.p_third, self.modulation, self.decay = f(p_third), f(modulation), f(decay)
        self.pool_size = pool_size


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
    pool_slots = jnp.arange(tripartite.pool_size, dtype=jnp.int32)
    (bits_cover, bits_slot), (bits_pool, _) = hash_many(
        key, [(6, local[:, None], local[None, :]), (7, local[:, None], pool_slots[None, :])]
    )
    a = jnp.asarray(num_astrocytes, jnp.int32)
    n = jnp.asarray(num_neurons, jnp.int32)
    neuron = population == 0
    covered = (
        neuron[:, None]
        & neuron[None, :]
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
    columns = jnp.broadcast_to(jnp.arange(capacity)[None, :], (capacity, capacity))
    counts = jnp.zeros((capacity, capacity), weights.dtype)
    counts = counts.at[astrocyte, columns].add(covered.astype(weights.dtype))
    per_astrocyte = jnp.sum(counts, axis=1, keepdims=True)
    sensing = counts / jnp.maximum(per_astrocyte, 1.0)
    return Coverage(jnp.where(covered, weights, 0.0), astrocyte, sensing)

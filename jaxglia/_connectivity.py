"""Connection parameters and the random weight blocks they describe.

Every weight is drawn with `hash_counters` (see `_random.py`) from the indices of its two
units within their populations, so a network drawn at a larger capacity, restricted to its
active units, is bit-identical to the unpadded one.
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from ._random import hash_counters, to_normal, to_uniform
from ._ranges import CONNECTION_PROBABILITY, GAIN, INPUT_SCALE, ConfigError, check_concrete
from ._sparse import (
    FORMS,
    IN_DEGREE,
    Synapses,
    compact_rows,
    map_rows,
    resolve_form,
    slots_of,
)


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
    in_degree: int = eqx.field(static=True)
    form: str = eqx.field(static=True)
    p_max: float = eqx.field(static=True)

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
        *,
        in_degree: int = 0,
        form: str = "auto",
    ):
        """**Arguments:** (blocks are named post-pre: `na` is neurons <- astrocytes)

        - `p_nn`, `p_na`, `p_an`, `p_aa`: connection probability of each block, in (0, 1]
          (default 0.1).
        - `gain_nn`, `gain_na`, `gain_an`, `gain_aa`: weight scale g of each block, >= 0
          (default 1).
        - `input_scale_neurons`, `input_scale_astrocytes`: half-width of the uniform input
          weights into each population, >= 0 (default 1; 0 routes no input there).
        - `in_degree`: K > 0 replaces the Bernoulli blocks by fixed in-degree wiring (NEST's
          `fixed_indegree`, multapses and autapses allowed): each unit draws exactly K
          inputs uniformly from the network's N + A units, weights of block b
          N(0, g_b^2 / (p n_pre)) with p = K / (N + A), so the `p_*` are
          unused. 0 (default): Bernoulli blocks. Static.
        - `form`: how the recurrent weights are stored and multiplied: `"dense"` (a
          `capacity x capacity` matrix), `"sparse"` (per unit, its inputs' indices and
          weights: `Synapses`) or `"auto"` (default: sparse where it streams fewer bytes;
          see `_sparse.resolve_form`). Both forms hold exactly the same synapses; results
          differ only by float rounding. Static.
        """
        f = lambda x: jnp.asarray(x, jnp.float32)
        self.p_nn, self.p_na, self.p_an, self.p_aa = f(p_nn), f(p_na), f(p_an), f(p_aa)
        self.gain_nn, self.gain_na = f(gain_nn), f(gain_na)
        self.gain_an, self.gain_aa = f(gain_an), f(gain_aa)
        self.input_scale_neurons = f(input_scale_neurons)
        self.input_scale_astrocytes = f(input_scale_astrocytes)
        IN_DEGREE.check("in_degree", in_degree)
        if form not in FORMS:
            raise ConfigError("connectivity", form, f"allowed: {', '.join(FORMS)}")
        self.in_degree, self.form = int(in_degree), form
        self.p_max = _p_max(self.p_nn, self.p_na, self.p_an, self.p_aa)

    def __check_init__(self):
        check_concrete(
            self,
            {**{f"p_{b}": CONNECTION_PROBABILITY for b in ("nn", "na", "an", "aa")},
             **{f"gain_{b}": GAIN for b in ("nn", "na", "an", "aa")},
             "input_scale_neurons": INPUT_SCALE, "input_scale_astrocytes": INPUT_SCALE},
        )  # fmt: skip


def _p_max(*ps) -> float:
    """The largest connection probability (it bounds the sparse form's slots); 1 when the
    values are traced."""
    try:
        return max(float(p) for p in ps)
    except Exception:  # noqa: BLE001 - traced under jit: the bound that always holds.
        return 1.0


class UnitLayout(eqx.Module):
    """Where each of a network's `capacity` units sits: `[N neurons, A astrocytes, padding]`.

    - `population`: 0 for neurons, 1 for astrocytes, 2 for padding, unit by unit.
    - `index`: each unit's position *within* its population (0 for padding): the index
      every random draw is hashed from, so draws do not depend on the capacity.
    - `num_neurons`, `num_astrocytes`: the active sizes (may be traced).

    This and the sweep's bucket plan are the two places that know about padding; a
    readout is handed the layout so it can keep padding invisible too.
    """

    population: Int[Array, " units"]
    index: Int[Array, " units"]
    num_neurons: Int[Array, ""]
    num_astrocytes: Int[Array, ""]

    @classmethod
    def of(cls, capacity: int, num_neurons, num_astrocytes) -> "UnitLayout":
        population, index = unit_layout(capacity, num_neurons, num_astrocytes)
        n = jnp.asarray(num_neurons, jnp.int32)
        return cls(population, index, n, jnp.asarray(num_astrocytes, jnp.int32))

    @property
    def capacity(self) -> int:
        return self.population.shape[0]

    @property
    def is_active(self) -> Array:
        """True for neurons and astrocytes, False for padding."""
        return self.population < 2

    @property
    def num_active(self) -> Int[Array, ""]:
        return self.num_neurons + self.num_astrocytes


def readout_subset(key: PRNGKeyArray, layout: UnitLayout, size: int) -> tuple[Array, UnitLayout]:
    """A random subset of `size` active units, for a readout that sees only some units.

    Each unit gets a uniform draw hashed from its population and index within it (stream
    10 + population), and the `size` smallest draws are taken, in that order: the subset
    and its order do not depend on the capacity. With fewer than `size` active units, all
    of them are taken, then padding. **Returns:** the subset's positions and its
    `UnitLayout` (whose `capacity` is `size`).
    """
    population, index = layout.population, layout.index
    bits, _ = hash_counters(key, 10 + jnp.minimum(population, 1), index, 0)
    score = jnp.where(population < 2, to_uniform(bits), 2.0)
    chosen = jnp.argsort(score, stable=True)[:size].astype(jnp.int32)
    sub = population[chosen]
    n = jnp.sum(sub == 0).astype(jnp.int32)
    sub_layout = UnitLayout(sub, index[chosen], n, jnp.sum(sub == 1).astype(jnp.int32))
    return chosen, sub_layout


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
    the capacity changes. Rows and columns of padding units are zero. With fixed in-degree
    wiring, the slots of `synapses` summed into place.
    """
    if connectivity.in_degree:
        return synapses(key, capacity, num_neurons, num_astrocytes, connectivity).dense()
    rows = jnp.arange(capacity, dtype=jnp.int32)
    return _bernoulli_rows(key, rows, capacity, num_neurons, num_astrocytes, connectivity)[0]


def _bernoulli_rows(key, rows, capacity, num_neurons, num_astrocytes, connectivity):
    """Rows `rows` of the Bernoulli matrix and their connection mask."""
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    post, pre = population[rows][:, None], population[None, :]
    block = 2 * jnp.minimum(post, 1) + jnp.minimum(pre, 1)  # nn=0, na=1, an=2, aa=3
    bits_mask, bits_weight = hash_counters(key, block, local[rows][:, None], local[None, :])
    c = connectivity
    p = jnp.stack([c.p_nn, c.p_na, c.p_an, c.p_aa])[block]
    gain = jnp.stack([c.gain_nn, c.gain_na, c.gain_an, c.gain_aa])[block]
    sizes = jnp.stack([jnp.asarray(num_neurons), jnp.asarray(num_astrocytes)]).astype(jnp.float32)
    fan_in = jnp.maximum(sizes[jnp.minimum(pre, 1)], 1.0)
    connected = (to_uniform(bits_mask) < p) & (post < 2) & (pre < 2)
    weights = jnp.where(connected, to_normal(bits_weight) * gain / jnp.sqrt(p * fan_in), 0.0)
    return weights, connected


def synapses(
    key: PRNGKeyArray,
    capacity: int,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    connectivity: Connectivity,
) -> Synapses:
    """The recurrent weights in sparse form (`Synapses`), exactly the synapses of the dense
    form: Bernoulli rows compacted (hashed `ROW_CHUNK` rows at a time, so memory stays
    linear in the capacity), or the fixed in-degree draws themselves."""
    c = connectivity
    slots = slots_of(capacity, c.in_degree, c.p_max)
    if c.in_degree:
        return _in_degree(key, capacity, num_neurons, num_astrocytes, c)

    def rows_of(rows):
        w, connected = _bernoulli_rows(key, rows, capacity, num_neurons, num_astrocytes, c)
        return compact_rows(w, connected, slots)

    pre, weight, counts = map_rows(rows_of, capacity)
    # More connections in a row than slots: poison the network rather than drop synapses.
    weight = jnp.where(jnp.any(counts > slots), jnp.nan, weight)
    return Synapses.from_rows(pre, weight, jnp.minimum(jnp.max(counts), slots))


def _in_degree(key, capacity, num_neurons, num_astrocytes, c: Connectivity) -> Synapses:
    """Fixed in-degree: slot k of unit (population P, index i) is hash stream 8 + P at
    (i, k); its first word picks the presynaptic position in [0, N + A), the second the
    weight."""
    population, local = unit_layout(capacity, num_neurons, num_astrocytes)
    k = c.in_degree
    stream = 8 + jnp.minimum(population, 1)[:, None]
    bits_pre, bits_weight = hash_counters(key, stream, local[:, None], jnp.arange(k)[None, :])
    n = jnp.asarray(num_neurons, jnp.int32)
    total = n + jnp.asarray(num_astrocytes, jnp.int32)
    totalf = total.astype(jnp.float32)
    pre = jnp.minimum((to_uniform(bits_pre) * totalf).astype(jnp.int32), jnp.maximum(total - 1, 0))
    pre_pop = (pre >= n).astype(jnp.int32)
    post = jnp.minimum(population, 1)[:, None]
    block = 2 * post + pre_pop
    gain = jnp.stack([c.gain_nn, c.gain_na, c.gain_an, c.gain_aa])[block]
    sizes = jnp.stack([n, total - n]).astype(jnp.float32)
    expected = jnp.float32(k) * sizes[pre_pop] / jnp.maximum(totalf, 1.0)  # p * n_pre
    weight = to_normal(bits_weight) * gain / jnp.sqrt(jnp.maximum(expected, 1e-30))
    active = (population < 2)[:, None]
    return Synapses.from_rows(jnp.where(active, pre, 0), jnp.where(active, weight, 0.0))


def weights_form(connectivity: Connectivity, capacity: int) -> str:
    """`dense` or `sparse`: the form a network at `capacity` is built in."""
    c = connectivity
    return resolve_form(c.form, capacity, c.in_degree, c.p_max)


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

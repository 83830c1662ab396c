"""The sparse form of the recurrent weights: per unit, the indices and weights of its inputs.

`Synapses` is a padded row format (ELL): row i holds `slots` (presynaptic position, weight)
pairs of unit i; unused slots carry weight 0. The dense and sparse forms of a network hold
exactly the same synapses: with Bernoulli wiring the sparse rows are the dense rows
compacted (the same hashed draws), and with fixed in-degree wiring the dense matrix is the
slots summed into place. The per-step product gathers each unit's inputs,
`sum_k weight[i, k] * outputs[pre[i, k]]`, streaming `slots` pairs per unit instead of the
`capacity` weights of a dense row.

The number of slots is static (it fixes the program's shapes): the in-degree itself, or, for
Bernoulli wiring, a bound on the row counts far in the binomial tail (`bernoulli_slots`). A
row with more connections than slots (probability below 1e-9 per row) poisons the network's
weights with NaN, so it fails loudly instead of losing synapses.
"""

import math

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from ._ranges import Interval


# The connectivity forms a network's recurrent weights can take (option `connectivity`).
FORMS = ("auto", "dense", "sparse")

# Fixed in-degree K (0: Bernoulli wiring).
IN_DEGREE = Interval(0, integer=True)

# Bernoulli slot bound: mean + Z_SLOTS standard deviations + SLOT_MARGIN.
Z_SLOTS = 6.0
SLOT_MARGIN = 8

# `auto` chooses the sparse form where a unit has at most 1/AUTO_RATIO of `capacity` slots,
# and always above DENSE_LIMIT units (a dense block of 8192^2 float32 is 268 MB). On a
# 2-core CPU a gathered synapse costs ~1.5 ns and a streamed dense weight ~0.1 ns
# (benchmarks/README.md, "Sparse and dense"): the paper's Bernoulli(0.1) networks stay dense.
AUTO_RATIO = 16
DENSE_LIMIT = 8192

# Rows of a Bernoulli draw hashed at once while compacting to the sparse form.
ROW_CHUNK = 256


class Synapses(eqx.Module):
    """The recurrent weights in padded row form.

    - `pre`: `(units, slots)` presynaptic positions of each unit's inputs (0 in unused
      slots).
    - `weight`: `(units, slots)` their weights (0 in unused slots and padding rows).
    """

    pre: Int[Array, "units slots"]
    weight: Float[Array, "units slots"]

    @property
    def slots(self) -> int:
        return self.weight.shape[-1]

    def apply(self, outputs: Float[Array, " units"]) -> Float[Array, " units"]:
        """The recurrent current `W @ outputs`."""
        return jnp.sum(self.weight * outputs[self.pre], axis=-1)

    def dense(self) -> Float[Array, "units units"]:
        """The same weights as a `units x units` matrix (slots summed into place)."""
        c = self.weight.shape[0]
        rows = jnp.broadcast_to(jnp.arange(c)[:, None], self.pre.shape)
        return jnp.zeros((c, c), self.weight.dtype).at[rows, self.pre].add(self.weight)


def bernoulli_slots(capacity: int, p: float) -> int:
    """Slots for Bernoulli(`p`) rows of `capacity` candidates: mean + 6 sd + 8, at most
    `capacity`."""
    mean = capacity * p
    bound = mean + Z_SLOTS * math.sqrt(mean * (1.0 - p)) + SLOT_MARGIN
    return int(min(capacity, math.ceil(bound)))


def slots_of(capacity: int, in_degree: int, p_max: float) -> int:
    """Static slots per unit of a network at `capacity`."""
    return in_degree if in_degree else bernoulli_slots(capacity, p_max)


def resolve_form(form: str, capacity: int, in_degree: int, p_max: float) -> str:
    """`dense` or `sparse` for a network at `capacity` (`auto` decides by bytes streamed)."""
    if form != "auto":
        return form
    if capacity > DENSE_LIMIT:
        return "sparse"
    return "sparse" if AUTO_RATIO * slots_of(capacity, in_degree, p_max) <= capacity else "dense"


def compact_rows(
    rows: Float[Array, "r units"], connected: Array, slots: int
) -> tuple[Array, Array, Array]:
    """The first `slots` connected entries of each row: (pre, weight, overflowed)."""
    order = jnp.argsort(~connected, axis=-1, stable=True)[..., :slots].astype(jnp.int32)
    weight = jnp.take_along_axis(rows, order, axis=-1)
    overflow = jnp.sum(connected, axis=-1) > slots
    return order, weight, overflow


def map_rows(fn, capacity: int, chunk: int = ROW_CHUNK):
    """`fn(positions)` over every row position in chunks of `chunk` rows (bounded memory),
    results concatenated along the first axis."""
    if capacity <= chunk:
        return fn(jnp.arange(capacity, dtype=jnp.int32))
    num = -(-capacity // chunk)
    positions = jnp.arange(num * chunk, dtype=jnp.int32).reshape(num, chunk)
    out = lax.map(fn, jnp.minimum(positions, capacity - 1))
    return tuple(x.reshape((num * chunk,) + x.shape[2:])[:capacity] for x in out)

"""The sparse form of the recurrent weights: per unit, the indices and weights of its inputs.

`Synapses` is a padded row format (ELL) stored slot-major: `pre[k, i]` and `weight[k, i]` are
the presynaptic position and weight of unit i's k-th input; unused slots carry weight 0. The
dense and sparse forms of a network hold exactly the same synapses: with Bernoulli wiring the
sparse rows are the dense rows compacted (the same hashed draws), and with fixed in-degree
wiring the dense matrix is the slots summed into place. The per-step product gathers each
unit's inputs, `sum_k weight[k, i] * outputs[pre[k, i]]`, streaming `slots` pairs per unit
instead of the `capacity` weights of a dense row.

On CPU the product is a loop over the slots (`over_slots`): each pass gathers one input of
every unit and accumulates it, reading `pre[k]` and `weight[k]` contiguously, `UNROLL` slots
fused into one pass. XLA:CPU would otherwise materialise every gathered input of a
`(slots, units)` block before reducing it: the loop is 1.7x faster at 10^5 units and makes
the paper's networks faster sparse than dense (benchmarks/README.md, "Sparse and dense").
Elsewhere (GPU) the gather and the reduction are one fused kernel, so there the product is
that one expression (`lax.platform_dependent` picks per platform at compilation).

The number of slots is static (it fixes the program's shapes): the in-degree itself, or, for
Bernoulli wiring, a bound on the row counts far in the binomial tail (`bernoulli_slots`). A
row with more connections than slots (probability below 1e-9 per row) poisons the network's
weights with NaN, so it fails loudly instead of losing synapses.
"""

import math

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import numpy as np
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
# 2-core Xeon a slot costs ~0.5 ns in the slot loop and a dense weight ~0.08 ns streamed
# from cache, so the forms break even near 1/6 (benchmarks/README.md, "Sparse and dense":
# the paper's Bernoulli(0.1) networks, 153 slots of 900, run alike; in-degree 100 of 900
# runs 1.7x faster sparse); 1/8 picks sparse only where it clearly wins.
AUTO_RATIO = 8
DENSE_LIMIT = 8192

# Rows of a Bernoulli draw hashed at once while compacting to the sparse form.
ROW_CHUNK = 256

# Slots accumulated per pass of the CPU slot loop (one fused gather-multiply-add kernel);
# 4-10 measured alike on a 2-core Xeon, 1 (no unrolling) 20-50 % slower.
UNROLL = 8


class Synapses(eqx.Module):
    """The recurrent weights in padded row form, slot-major.

    - `pre`: `(slots, units)` presynaptic positions: `pre[k, i]` is unit i's k-th input (0 in
      unused slots).
    - `weight`: `(slots, units)` their weights (0 in unused slots and padding units).
    - `used`: how many leading slots hold a synapse in some row (the largest in-degree), or
      None for all of them. Bernoulli rows are compacted (connections first) into a static
      bound far in their counts' tail, so the CPU loop stops after `used` slots instead of
      adding zeros (at 900 units, Bernoulli 0.1: ~120 of 153).
    """

    pre: Int[Array, "slots units"]
    weight: Float[Array, "slots units"]
    used: Int[Array, ""] | None = None

    def __check_init__(self):
        """Refuse, when the arrays are concrete, wiring the product could not use: the
        gather reads `outputs[pre]` without bounds checks, so a position outside
        `[0, units)` would read memory that is not the network's. (Under jit or vmap the
        fields are tracers and the builders guarantee it.)"""
        if self.pre.shape != self.weight.shape or len(self.pre.shape) < 2:
            raise ValueError(
                "`Synapses.pre` and `Synapses.weight` must have the same (slots, units) "
                f"shape; got {self.pre.shape} and {self.weight.shape}."
            )
        try:
            pre = np.asarray(self.pre)
            used = None if self.used is None else np.asarray(self.used)
        except Exception:  # noqa: BLE001 - tracers have no value; nothing to check then.
            return
        units, slots = self.pre.shape[-1], self.pre.shape[-2]
        if pre.size and (pre.min() < 0 or pre.max() >= units):
            raise ValueError(
                f"`Synapses.pre` must hold positions in [0, {units}) (the units); got values "
                f"from {pre.min()} to {pre.max()}."
            )
        if used is not None and ((used < 0) | (used > slots)).any():
            raise ValueError(f"`Synapses.used` must lie in [0, {slots}] (the slots); got {used}.")

    @classmethod
    def from_rows(
        cls,
        pre: Int[Array, "units slots"],
        weight: Float[Array, "units slots"],
        used: Int[Array, ""] | None = None,
    ) -> "Synapses":
        """From row-major `(units, slots)` arrays: row i holds unit i's inputs."""
        return cls(pre.T, weight.T, used)

    @property
    def slots(self) -> int:
        return self.weight.shape[-2]

    def apply(self, outputs: Float[Array, " units"]) -> Float[Array, " units"]:
        """The recurrent current `W @ outputs`: `apply_by_slots` on CPU, `apply_fused`
        elsewhere (chosen when the program is compiled for its platform)."""
        # Unbound methods: the branches must be hashable, and a module holding tracers is not.
        by_slots, fused = Synapses.apply_by_slots, Synapses.apply_fused
        return lax.platform_dependent(self, outputs, cpu=by_slots, default=fused)

    def apply_by_slots(self, outputs: Float[Array, " units"]) -> Float[Array, " units"]:
        """`W @ outputs` as a loop over the slots (`over_slots`), the CPU form."""
        weight = self.weight
        add = lambda acc, k, inputs: acc + weight[k] * inputs
        zeros = jnp.zeros(weight.shape[-1], weight.dtype)
        return over_slots(self.pre, outputs, add, zeros, self.used)

    def apply_fused(self, outputs: Float[Array, " units"]) -> Float[Array, " units"]:
        """`W @ outputs` as one gather and reduction (one fused kernel on a GPU)."""
        return jnp.sum(self.weight * gather(outputs, self.pre), axis=0)

    def dense(self) -> Float[Array, "units units"]:
        """The same weights as a `units x units` matrix (slots summed into place)."""
        c = self.weight.shape[-1]
        rows = jnp.broadcast_to(jnp.arange(c)[None, :], self.pre.shape)
        return jnp.zeros((c, c), self.weight.dtype).at[rows, self.pre].add(self.weight)


def gather(outputs: Float[Array, " units"], pre: Int[Array, "..."]) -> Float[Array, "..."]:
    """`outputs[pre]` for positions known to lie in `[0, units)`: unsigned, so neither
    negative wrap-around nor XLA's clamping is emitted."""
    return outputs.at[pre.astype(jnp.uint32)].get(mode="promise_in_bounds")


def over_slots(
    pre: Int[Array, "slots units"],
    outputs: Float[Array, " units"],
    body,
    init,
    used: Int[Array, ""] | None = None,
):
    """Fold `body(carry, k, inputs)` over the slots k, where `inputs = outputs[pre[k]]` holds
    every unit's k-th presynaptic output: one gather per slot, `UNROLL` slots per pass (the
    CPU form of the sparse product). With `used`, only the first `used` slots (the rest
    must hold no synapse): passes of `UNROLL` slots while any remain, the last pass shifted
    back to end at a slot that exists, its slots already folded in skipped."""
    slots = pre.shape[-2]
    if used is None or slots < UNROLL:
        step = lambda k, carry: body(carry, k, gather(outputs, pre[k]))
        return lax.fori_loop(0, slots, step, init, unroll=max(1, min(UNROLL, slots)))

    def group(g, carry):
        first = g * UNROLL
        start = jnp.minimum(first, slots - UNROLL)
        for j in range(UNROLL):
            k = start + j
            new = body(carry, k, gather(outputs, pre[k]))
            carry = jax.tree.map(lambda a, b: jnp.where(k >= first, a, b), new, carry)
        return carry

    return lax.fori_loop(0, (used + UNROLL - 1) // UNROLL, group, init)


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
    """The first `slots` connected entries of each row: (pre, weight, connections in the
    row)."""
    order = jnp.argsort(~connected, axis=-1, stable=True)[..., :slots].astype(jnp.int32)
    weight = jnp.take_along_axis(rows, order, axis=-1)
    return order, weight, jnp.sum(connected, axis=-1, dtype=jnp.int32)


def map_rows(fn, capacity: int, chunk: int = ROW_CHUNK):
    """`fn(positions)` over every row position in chunks of `chunk` rows (bounded memory),
    results concatenated along the first axis."""
    if capacity <= chunk:
        return fn(jnp.arange(capacity, dtype=jnp.int32))
    num = -(-capacity // chunk)
    positions = jnp.arange(num * chunk, dtype=jnp.int32).reshape(num, chunk)
    out = lax.map(fn, jnp.minimum(positions, capacity - 1))
    return tuple(x.reshape((num * chunk,) + x.shape[2:])[:capacity] for x in out)

"""Running a reservoir over an input sequence, teacher-forced or closed-loop (`feed_back`)."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from ._features import FEATURE_KINDS as _KINDS, AbstractFeatures, as_features
from ._reservoir import Reservoir, ReservoirState


# The names of the built-in feature kinds (declared in `_features.py`).
FEATURE_KINDS: tuple[str, ...] = tuple(_KINDS)


class Recording(eqx.Module):
    """What `simulate` keeps after the washout.

    - `features`: the readout features at each kept step, shape `(time_kept, units)`.
    - `spike_counts`: spikes of each unit summed over the kept steps, shape `(units,)`.
    - `num_steps`: the number of kept steps.
    - `final`: the loop's carry after the last step (to continue the run).

    For a non-spiking astrocyte model (Li–Rinzel), `spike_counts` sums the units' continuous
    output instead of spikes.
    """

    features: Float[Array, "time_kept units"]
    spike_counts: Float[Array, " units"]
    num_steps: int = eqx.field(static=True)
    final: "Carry | None" = None


class Carry(eqx.Module):
    """What the time loop carries: the reservoir's state and the feature kind's own carry."""

    state: ReservoirState
    features: Any


def initial_carry(reservoir: Reservoir, features: AbstractFeatures) -> Carry:
    return Carry(reservoir.init_state(), features.init(reservoir))


def advance(
    reservoir: Reservoir,
    carry: Carry,
    drive: Float[Array, " units"],
    features: AbstractFeatures,
    units: Int[Array, " recorded"] | None = None,
) -> tuple[Carry, Float[Array, " units"], Float[Array, " units"]]:
    """One step of the loop: the new carry, the recorded feature (of `units` only, when
    given) and the units' outputs."""
    state = reservoir.step(carry.state, drive)
    feature_carry, observed = features.observe(reservoir, state, carry.features)
    if units is not None:
        observed = observed[units]
    return Carry(state, feature_carry), observed, state.outputs


# Above this many (time x units) values, the input current is computed step by step.
MAX_PRECOMPUTED_DRIVE = 1 << 25


def drive_precomputed(num_steps: int, capacity: int) -> bool:
    """Whether `run_reservoir` computes every step's input current up front (a
    `(time, units)` array) rather than one step at a time."""
    return num_steps * capacity <= MAX_PRECOMPUTED_DRIVE


def run_reservoir(
    reservoir: Reservoir,
    inputs: Float[Array, "time inputs"],
    *,
    features: AbstractFeatures,
    washout: int = 0,
    initial: Carry | None = None,
    units: Int[Array, " recorded"] | None = None,
) -> Recording:
    """Unjitted body of `simulate` (the sweep calls it inside its own jit and vmap).

    `initial` continues a run from a `Recording.final` carry (default: the resting state).
    `units`: record the features of these units only (positions; default all), so the
    recording is `(time_kept, len(units))` and a full-size one never exists.
    """
    num_steps = inputs.shape[0]
    if not 0 <= washout < num_steps:
        raise ValueError(f"`washout` must lie in [0, {num_steps}); got {washout}.")
    # The input current of every step in one matrix product, outside the time loop, unless
    # that (time x units) array would be large: then one product per step, inside it.
    precompute = drive_precomputed(num_steps, reservoir.capacity)
    drive = inputs @ reservoir.input_weights.T if precompute else inputs

    def body(carry: tuple[Carry, Array], x):
        loop, counts = carry
        drive_t, keep = x
        if not precompute:
            drive_t = reservoir.input_weights @ drive_t
        loop, observed, outputs = advance(reservoir, loop, drive_t, features, units)
        counts = counts + jnp.where(keep, outputs, 0.0)
        return (loop, counts), observed

    start = initial_carry(reservoir, features) if initial is None else initial
    zeros = jnp.zeros((reservoir.capacity,), reservoir.dtype)
    keep = jnp.arange(num_steps) >= washout
    (final, counts), observed = lax.scan(body, (start, zeros), (drive, keep))
    return Recording(observed[washout:], counts, num_steps - washout, final)


def feed_back(
    step: Callable[[Any, Float[Array, " inputs"]], tuple[Any, Float[Array, " inputs"]]],
    carry: Any,
    first_input: Float[Array, " inputs"],
    num_steps: int,
) -> Float[Array, "time inputs"]:
    """Run a one-step predictor autonomously: each prediction is the next step's input.

    `step(carry, u) -> (carry, prediction)` is any model of the next input (a reservoir and
    its readout, NG-RC, an ESN, or the true integrator); the loop starts from `carry` with
    `first_input` (the first input not yet seen) and returns the `num_steps` predictions,
    prediction k being the model's estimate of the input that follows input k.
    """

    def body(state, _):
        carry, u = state
        carry, prediction = step(carry, u)
        return (carry, prediction), prediction

    _, predictions = lax.scan(body, (carry, first_input), None, length=num_steps)
    return predictions


def closed_loop(
    reservoir: Reservoir,
    start: Carry,
    first_input: Float[Array, " inputs"],
    readout: Callable[[Float[Array, " units"]], Float[Array, " inputs"]],
    num_steps: int,
    *,
    features: AbstractFeatures,
    units: Int[Array, " recorded"] | None = None,
) -> Float[Array, "time inputs"]:
    """`feed_back` of a reservoir and its trained `readout` (a function of one step's
    feature vector, of `units` only when given), from the carry `start` (a
    `Recording.final`)."""

    def step(carry: Carry, u: Array) -> tuple[Carry, Array]:
        drive = reservoir.input_weights @ u
        carry, observed, _ = advance(reservoir, carry, drive, features, units)
        return carry, readout(observed)

    return feed_back(step, start, first_input, num_steps)


@eqx.filter_jit
def simulate(
    reservoir: Reservoir,
    inputs: Float[Array, "time inputs"],
    *,
    features: "str | AbstractFeatures" = "membrane",
    washout: int = 0,
    filter_decay: float | Array = 0.9,
) -> Recording:
    r"""Run `reservoir` over `inputs` (one `lax.scan` under one jit) and record the features.

    **Arguments:**

    - `reservoir`: a `Reservoir` (from `make_reservoir`).
    - `inputs`: input sequence, shape `(time, inputs)`.
    - `features`: what is recorded at each step: a feature kind (`Membrane()`, `Spikes()`,
      `Filtered(decay)` or your own `AbstractFeatures`), or its name: `"membrane"`
      (membrane potentials, the default), `"spikes"` (0/1), or `"filtered"` (spikes
      low-pass filtered, $x_t = \lambda x_{t-1} + S_t$ with $\lambda$ = `filter_decay`).
    - `washout`: leading steps to drop (static; changing it recompiles).
    - `filter_decay`: $\lambda$ of the `"filtered"` features, in [0, 1).

    **Returns:** a `Recording` with `features` of shape `(time - washout, units)` and the
    spike count of each unit over the kept steps. Full spike rasters are never stored unless
    `features="spikes"`.
    """
    kind = as_features(features, filter_decay)
    return run_reservoir(reservoir, inputs, features=kind, washout=washout)

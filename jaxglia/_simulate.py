"""Running a reservoir over an input sequence: the library's one time loop."""

from typing import Literal

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._reservoir import Reservoir, ReservoirState


FeatureKind = Literal["membrane", "spikes", "filtered"]
FEATURE_KINDS: tuple[str, ...] = ("membrane", "spikes", "filtered")


class Recording(eqx.Module):
    """What `simulate` keeps after the washout.

    - `features`: the readout features at each kept step, shape `(time_kept, units)`.
    - `spike_counts`: spikes of each unit summed over the kept steps, shape `(units,)`.
    - `num_steps`: the number of kept steps.
    """

    features: Float[Array, "time_kept units"]
    spike_counts: Float[Array, " units"]
    num_steps: int = eqx.field(static=True)


def run_reservoir(
    reservoir: Reservoir,
    inputs: Float[Array, "time inputs"],
    *,
    features: str = "membrane",
    washout: int = 0,
    filter_decay: float | Array = 0.9,
) -> Recording:
    """Unjitted body of `simulate` (the sweep calls it inside its own jit and vmap)."""
    if features not in FEATURE_KINDS:
        raise ValueError(f"`features` must be one of {FEATURE_KINDS}; got {features!r}.")
    num_steps = inputs.shape[0]
    if not 0 <= washout < num_steps:
        raise ValueError(f"`washout` must lie in [0, {num_steps}); got {washout}.")
    # The input current of every step in one matrix product, outside the time loop.
    drive = inputs @ reservoir.input_weights.T
    decay = jnp.asarray(filter_decay, drive.dtype)

    def body(carry: tuple[ReservoirState, Array, Array], x):
        state, trace, counts = carry
        drive_t, keep = x
        state = reservoir.step(state, drive_t)
        spikes = state.spikes.astype(drive_t.dtype)
        trace = decay * trace + spikes
        counts = counts + jnp.where(keep, spikes, 0.0)
        if features == "membrane":
            observed = reservoir.membrane(state)
        elif features == "spikes":
            observed = spikes
        else:
            observed = trace
        return (state, trace, counts), observed

    zeros = jnp.zeros((reservoir.capacity,), drive.dtype)
    keep = jnp.arange(num_steps) >= washout
    (_, _, counts), observed = lax.scan(body, (reservoir.init_state(), zeros, zeros), (drive, keep))
    return Recording(observed[washout:], counts, num_steps - washout)


@eqx.filter_jit
def simulate(
    reservoir: Reservoir,
    inputs: Float[Array, "time inputs"],
    *,
    features: str = "membrane",
    washout: int = 0,
    filter_decay: float | Array = 0.9,
) -> Recording:
    r"""Run `reservoir` over `inputs` (one `lax.scan` under one jit) and record the features.

    **Arguments:**

    - `reservoir`: a `Reservoir` (from `make_reservoir`).
    - `inputs`: input sequence, shape `(time, inputs)`.
    - `features`: what is recorded at each step: `"membrane"` (membrane potentials, the
      default), `"spikes"` (0/1), or `"filtered"` (spikes low-pass filtered,
      $x_t = \lambda x_{t-1} + S_t$ with $\lambda$ = `filter_decay`).
    - `washout`: leading steps to drop (static; changing it recompiles).
    - `filter_decay`: $\lambda$ of the `"filtered"` features, in [0, 1).

    **Returns:** a `Recording` with `features` of shape `(time - washout, units)` and the
    spike count of each unit over the kept steps. Full spike rasters are never stored unless
    `features="spikes"`.
    """
    return run_reservoir(
        reservoir, inputs, features=features, washout=washout, filter_decay=filter_decay
    )

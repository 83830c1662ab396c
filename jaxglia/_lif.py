"""Leaky integrate-and-fire populations: first order (`LIF`) and second order (`SynapticLIF`)."""

from typing import Literal

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Bool, Float

from ._population import AbstractPopulation
from ._ranges import DECAY, THRESHOLD, check_concrete


ResetMode = Literal["subtract", "zero", "none"]
RESET_MODES: tuple[str, ...] = ("subtract", "zero", "none")


def _as_float(x: ArrayLike) -> Array:
    return jnp.asarray(x, dtype=jnp.float32)


class LIFState(eqx.Module):
    """State of a `LIF` population: the membrane potential of each unit."""

    membrane: Float[Array, " units"]


class LIF(AbstractPopulation):
    r"""First-order leaky integrate-and-fire units with snnTorch `Leaky` semantics.

    $$R_t = [U_{t-1} > \theta], \qquad U_t = \beta U_{t-1} + I_t - R_t\,\theta, \qquad
    S_t = [U_t > \theta]$$

    The reset $R_t$ is decided from the *previous* step (snnTorch's `reset_delay=True`), and
    the comparison is strict, so a membrane exactly at threshold does not spike. Reset modes:

    - `"subtract"` (default): $U_t = \beta U_{t-1} + I_t - R_t\theta$; the charge above
      threshold is kept, so with $\beta = 1$ the firing rate is exactly $c/\theta$.
    - `"zero"`: $U_t = \beta (1 - R_t) U_{t-1} + I_t$, as snnTorch's code does (its docstring
      formula differs; we follow the code).
    - `"none"`: $U_t = \beta U_{t-1} + I_t$.

    Time is measured in steps (one step = one input sample); `beta` is dimensionless. Use
    `LIF.from_tau` to give a time constant instead.
    """

    beta: Float[Array, ""]
    threshold: Float[Array, ""]
    reset: str = eqx.field(static=True)

    def __init__(self, beta: ArrayLike = 0.9, threshold: ArrayLike = 1.0, reset: str = "subtract"):
        """**Arguments:**

        - `beta`: membrane decay per step, in [0, 1] (default 0.9). An array: new values do
          not recompile, and stacked values can be vmapped.
        - `threshold`: firing threshold θ > 0 (default 1.0); also the amount subtracted on reset.
        - `reset`: `"subtract"` (default), `"zero"` or `"none"`.
        """
        if reset not in RESET_MODES:
            raise ValueError(f"`reset` must be one of {RESET_MODES}; got {reset!r}.")
        self.beta = _as_float(beta)
        self.threshold = _as_float(threshold)
        self.reset = reset

    def __check_init__(self):
        # The ranges the options use (`_ranges.py`); only concrete values are checked.
        check_concrete(self, {"beta": DECAY, "threshold": THRESHOLD})

    @classmethod
    def from_tau(
        cls,
        tau: ArrayLike,
        dt: ArrayLike = 1.0,
        threshold: ArrayLike = 1.0,
        reset: str = "subtract",
    ) -> "LIF":
        r"""LIF units with $\beta = e^{-\Delta t/\tau}$ (`tau` and `dt` in the same unit)."""
        beta = jnp.exp(-_as_float(dt) / _as_float(tau))
        return cls(beta=beta, threshold=threshold, reset=reset)

    def init_state(self, size: int) -> LIFState:
        return LIFState(jnp.zeros((size,), jnp.float32))

    def step(
        self, state: LIFState, current: Float[Array, " units"]
    ) -> tuple[LIFState, Bool[Array, " units"]]:
        membrane, spikes = lif_update(
            state.membrane, current, self.beta, self.threshold, self.reset
        )
        return LIFState(membrane), spikes

    def membrane(self, state: LIFState) -> Float[Array, " units"]:
        return state.membrane


def lif_update(previous, current, beta, threshold, reset: str):
    """One `LIF` step of membranes `previous` under `current`: (membrane, spikes). `beta`
    and `threshold` may be per unit (the reservoir steps two LIF populations as one)."""
    fired = previous > threshold  # the reset uses the previous step's spike
    if reset == "subtract":
        membrane = beta * previous + current - jnp.where(fired, threshold, 0.0)
    elif reset == "zero":
        membrane = beta * jnp.where(fired, 0.0, previous) + current
    else:
        membrane = beta * previous + current
    return membrane, membrane > threshold


class SynapticLIFState(eqx.Module):
    """State of a `SynapticLIF` population: synaptic current and membrane of each unit."""

    synaptic: Float[Array, " units"]
    membrane: Float[Array, " units"]


class SynapticLIF(AbstractPopulation):
    r"""Second-order LIF units with snnTorch `Synaptic` semantics: a synaptic current with
    its own decay feeds the membrane (a second reading of the paper's "slower unit").

    $$R_t = [U_{t-1} > \theta], \quad I^{syn}_t = \alpha I^{syn}_{t-1} + I_t, \quad
    U_t = \beta U_{t-1} + I^{syn}_t - R_t\theta, \quad S_t = [U_t > \theta]$$

    Reset modes follow snnTorch 1.0's code: `"subtract"` as above; `"zero"` sets the new
    membrane to 0 on a reset step, $U_t = (1 - R_t)(\beta U_{t-1} + I^{syn}_t)$, leaving the
    synaptic current untouched; `"none"` never resets. Time is measured in steps.
    """

    alpha: Float[Array, ""]
    beta: Float[Array, ""]
    threshold: Float[Array, ""]
    reset: str = eqx.field(static=True)

    def __init__(
        self,
        alpha: ArrayLike = 0.9,
        beta: ArrayLike = 0.99,
        threshold: ArrayLike = 1.0,
        reset: str = "subtract",
    ):
        """**Arguments:**

        - `alpha`: decay of the synaptic current per step, in [0, 1] (default 0.9).
        - `beta`: decay of the membrane per step, in [0, 1] (default 0.99).
        - `threshold`: firing threshold θ > 0 (default 1.0).
        - `reset`: `"subtract"` (default), `"zero"` or `"none"`.
        """
        if reset not in RESET_MODES:
            raise ValueError(f"`reset` must be one of {RESET_MODES}; got {reset!r}.")
        self.alpha = _as_float(alpha)
        self.beta = _as_float(beta)
        self.threshold = _as_float(threshold)
        self.reset = reset

    def __check_init__(self):
        check_concrete(self, {"alpha": DECAY, "beta": DECAY, "threshold": THRESHOLD})

    def init_state(self, size: int) -> SynapticLIFState:
        zeros = jnp.zeros((size,), jnp.float32)
        return SynapticLIFState(zeros, zeros)

    def step(
        self, state: SynapticLIFState, current: Float[Array, " units"]
    ) -> tuple[SynapticLIFState, Bool[Array, " units"]]:
        fired = state.membrane > self.threshold  # the reset uses the previous step's spike
        synaptic = self.alpha * state.synaptic + current
        membrane = self.beta * state.membrane + synaptic
        if self.reset == "subtract":
            membrane = membrane - jnp.where(fired, self.threshold, 0.0)
        elif self.reset == "zero":
            membrane = jnp.where(fired, 0.0, membrane)
        return SynapticLIFState(synaptic, membrane), membrane > self.threshold

    def membrane(self, state: SynapticLIFState) -> Float[Array, " units"]:
        return state.membrane

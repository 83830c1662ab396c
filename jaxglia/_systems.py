r"""Dynamical systems and benchmark series, generated deterministically in JAX.

Each generator is a pure function under `eqx.filter_jit`: the same arguments give the same
series. The conventions are shared:

- `num_steps` (static) samples are returned, shape `(num_steps, dim)`, in the default float
  dtype (float32, or float64 when x64 is enabled);
- `dt` is the *sampling* step; the ODEs are integrated with classical RK4 at the step
  `dt / substeps` and sampled every `dt`;
- `transient` (static) samples are computed and discarded first, so sample `k` is the state at
  time `(transient + k) * dt`, and with `transient=0` the first sample is the initial state;
- `initial` is the state at time 0; the model parameters are keyword arguments.

`SYSTEMS` describes every system (defaults, largest Lyapunov exponent, provenance) and
`generate` builds a series from that description.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import jax.tree_util as jtu
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from ._misc import rk4_step
from ._ranges import POSITIVE, WHOLE, ConfigError, plain


# --------------------------------------------------------------------------- vector fields


def lorenz_vector_field(
    state: Float[Array, " 3"], sigma: ArrayLike, rho: ArrayLike, beta: ArrayLike
) -> Float[Array, " 3"]:
    r"""The Lorenz-63 vector field of `lorenz`, state $(x, y, z)$:
    $\dot x = \sigma(y - x),\ \dot y = x(\rho - z) - y,\ \dot z = xy - \beta z$.

    Defaults are in `SYSTEMS["lorenz"].parameters`; `rk4_step` integrates it as `lorenz` does.
    """
    x, y, z = state[0], state[1], state[2]
    return jnp.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def rossler_vector_field(
    state: Float[Array, " 3"], a: ArrayLike, b: ArrayLike, c: ArrayLike
) -> Float[Array, " 3"]:
    r"""The Rössler vector field of `rossler`, state $(x, y, z)$:
    $\dot x = -y - z,\ \dot y = x + a y,\ \dot z = b + z (x - c)$.

    Defaults are in `SYSTEMS["rossler"].parameters`; `rk4_step` integrates it as `rossler`
    does.
    """
    x, y, z = state[0], state[1], state[2]
    return jnp.stack([-y - z, x + a * y, b + z * (x - c)])


def double_scroll_vector_field(
    state: Float[Array, " 3"],
    r1: ArrayLike,
    r2: ArrayLike,
    r4: ArrayLike,
    beta: ArrayLike,
    ir: ArrayLike,
) -> Float[Array, " 3"]:
    r"""The double-scroll circuit, state $(V_1, V_2, I)$ and $\Delta V = V_1 - V_2$:

    $$\dot V_1 = V_1/R_1 - \Delta V/R_2 - 2 I_r \sinh(\beta \Delta V),\quad
    \dot V_2 = \Delta V/R_2 + 2 I_r \sinh(\beta \Delta V) - I,\quad
    \dot I = V_2 - R_4 I.$$

    The vector field of `double_scroll`; defaults are in `SYSTEMS["double-scroll"].parameters`.
    """
    v1, v2, current = state[0], state[1], state[2]
    dv = v1 - v2
    diode = dv / r2 + 2.0 * ir * jnp.sinh(beta * dv)
    return jnp.stack([v1 / r1 - diode, diode - current, v2 - r4 * current])


# --------------------------------------------------------------------------- ODE sampling


def _check_counts(num_steps: int, transient: int, substeps: int) -> None:
    if num_steps < 0:
        raise ValueError(f"`num_steps` must be non-negative; got {num_steps}.")
    if transient < 0:
        raise ValueError(f"`transient` must be non-negative; got {transient}.")
    if substeps < 1:
        raise ValueError(f"`substeps` must be a positive integer; got {substeps}.")


def _sample_map(field: Callable[[Array], Array], dt: Array, substeps: int):
    """The map from the state at time t to the state at t + dt: `substeps` RK4 steps."""
    autonomous = lambda _, state: field(state)
    if substeps == 1:
        # No division and no loop: the graph is exactly the original one-step `lorenz`.
        return lambda state: rk4_step(autonomous, state, dt)
    h = dt / substeps
    return lambda state: lax.fori_loop(0, substeps, lambda _, s: rk4_step(autonomous, s, h), state)


def _sample_ode(
    field: Callable[[Array], Array],
    initial: ArrayLike | tuple[float, ...],
    dt: ArrayLike,
    num_steps: int,
    transient: int,
    substeps: int,
) -> Float[Array, "time dim"]:
    _check_counts(num_steps, transient, substeps)
    dtype = jnp.result_type(float)
    state0 = jnp.asarray(initial, dtype)
    sample = _sample_map(field, jnp.asarray(dt, dtype), substeps)

    def body(state, _):
        return sample(state), state

    _, states = lax.scan(body, state0, None, length=transient + num_steps)
    return states[transient:]


# Initial states of the NG-RC reference code (github.com/quantinfo/ng-rc-paper-code), points
# on the attractors found by integrating to t = 50.
NGRC_LORENZ_INITIAL = (17.67715816276679, 12.931379185960404, 43.91404334248268)
NGRC_DOUBLE_SCROLL_INITIAL = (0.37926545, 0.058339, -0.08167691)


@eqx.filter_jit
def lorenz(
    num_steps: int,
    *,
    dt: ArrayLike = 0.01,
    transient: int = 1000,
    substeps: int = 1,
    initial: ArrayLike | tuple[float, float, float] = (1.0, 1.0, 1.0),
    sigma: ArrayLike = 10.0,
    rho: ArrayLike = 28.0,
    beta: ArrayLike = 8.0 / 3.0,
) -> Float[Array, "time 3"]:
    r"""A Lorenz-63 trajectory, integrated with RK4 (a `lax.scan`) and sampled every `dt`.

    $$\dot x = \sigma(y - x),\quad \dot y = x(\rho - z) - y,\quad \dot z = xy - \beta z.$$

    RK4 runs at the step `dt / substeps`. With `substeps=1` (the default) this is exactly the
    original one-step-per-sample integrator.

    The NG-RC protocol (Gauthier et al. 2021, *Nat. Commun.* 12:5564) samples at
    `dt=0.025` from `initial=NGRC_LORENZ_INITIAL` with no transient; its reference code
    integrates with SciPy's RK23 at the default tolerances (rtol 1e-3, atol 1e-6). RK4 at that
    `dt` is more accurate than that for any `substeps >= 1`: over the first two time units,
    against DOP853 at rtol = atol = 1e-12, the maximum error is ~1e-2 with `substeps=1` and
    ~7e-6 with `substeps=5` (the `"lorenz-ngrc"` default), against ~0.6 for the RK23
    solution (checked in `tests/test_systems.py`).

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `dt`: sampling step, in Lorenz time units (default 0.01).
    - `transient`: samples integrated and discarded first (static, default 1000).
    - `substeps`: RK4 steps per sample (static, default 1).
    - `initial`: state at time 0 (default (1, 1, 1)).
    - `sigma`, `rho`, `beta`: the system's parameters (default 10, 28, 8/3).

    **Returns:** the states at times `(transient + k) * dt` for `k = 0..num_steps-1`, shape
    `(num_steps, 3)`, in the default float dtype (float32 unless x64 is enabled).
    """
    field = lambda s: lorenz_vector_field(s, sigma, rho, beta)
    return _sample_ode(field, initial, dt, num_steps, transient, substeps)


@eqx.filter_jit
def rossler(
    num_steps: int,
    *,
    dt: ArrayLike = 0.1,
    transient: int = 1000,
    substeps: int = 5,
    initial: ArrayLike | tuple[float, float, float] = (-0.1, 0.0, 0.02),
    a: ArrayLike = 0.2,
    b: ArrayLike = 0.2,
    c: ArrayLike = 5.7,
) -> Float[Array, "time 3"]:
    r"""A Rössler trajectory (Rössler 1976), integrated with RK4 and sampled every `dt`.

    $$\dot x = -y - z,\quad \dot y = x + a y,\quad \dot z = b + z (x - c).$$

    The sampling step and initial state follow ReservoirPy's `rossler` (h = 0.1, x0 =
    (-0.1, 0, 0.02)); ReservoirPy integrates with SciPy's adaptive RK45 instead of fixed-step
    RK4 and keeps no transient. Here 1000 samples (100 time units) are dropped, which takes
    the orbit from near the origin onto the attractor.

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `dt`: sampling step (default 0.1).
    - `transient`: samples integrated and discarded first (static, default 1000).
    - `substeps`: RK4 steps per sample (static, default 5, so the RK4 step is 0.02; the
      error against DOP853 over 20 time units is then ~3e-5, against ~0.2 for RK45 at its
      default tolerances).
    - `initial`: state at time 0 (default (-0.1, 0, 0.02)).
    - `a`, `b`, `c`: the system's parameters (default 0.2, 0.2, 5.7).

    **Returns:** the states at times `(transient + k) * dt`, shape `(num_steps, 3)`.
    """
    field = lambda s: rossler_vector_field(s, a, b, c)
    return _sample_ode(field, initial, dt, num_steps, transient, substeps)


@eqx.filter_jit
def double_scroll(
    num_steps: int,
    *,
    dt: ArrayLike = 0.25,
    transient: int = 0,
    substeps: int = 10,
    initial: ArrayLike | tuple[float, float, float] = NGRC_DOUBLE_SCROLL_INITIAL,
    r1: ArrayLike = 1.2,
    r2: ArrayLike = 3.44,
    r4: ArrayLike = 0.193,
    beta: ArrayLike = 11.6,
    ir: ArrayLike = 2.25e-5,
) -> Float[Array, "time 3"]:
    r"""The double-scroll electronic circuit of Gauthier et al. 2021 (NG-RC), RK4-integrated.

    State $(V_1, V_2, I)$, with $\Delta V = V_1 - V_2$:

    $$\dot V_1 = \frac{V_1}{R_1} - \frac{\Delta V}{R_2} - 2 I_r \sinh(\beta \Delta V),\quad
    \dot V_2 = \frac{\Delta V}{R_2} + 2 I_r \sinh(\beta \Delta V) - I,\quad
    \dot I = V_2 - R_4 I.$$

    Equations, parameters, the initial state (a point on the attractor) and the sampling step
    0.25 are those of the NG-RC reference code (`DoubleScrollNVAR-RK23.py` in
    github.com/quantinfo/ng-rc-paper-code, which integrates with SciPy RK23 at default
    tolerances) and of ReservoirPy's `doublescroll` (`reservoirpy/datasets/_chaos.py`). Both
    write the current as `ir = 2 * 2.25e-5`, i.e. with the factor 2 of the sinh folded in; here
    `ir` is $I_r = 2.25\times10^{-5}$ and the factor 2 is explicit, the same vector field.

    The sinh makes the system mildly stiff: the Jacobian's spectral radius on the attractor
    reaches ~36, so RK4 at h = 0.25 (|hλ| ≈ 9) is unstable. The default `substeps=10` gives
    h = 0.025 (|hλ| ≈ 0.9), accurate to ~6e-8 over 10 time units against DOP853 (RK23 at
    default tolerances, as in the NG-RC code: ~3e-3).

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `dt`: sampling step (default 0.25).
    - `transient`: samples integrated and discarded first (static, default 0: the initial
      state already lies on the attractor).
    - `substeps`: RK4 steps per sample (static, default 10).
    - `initial`: $(V_1, V_2, I)$ at time 0 (default `NGRC_DOUBLE_SCROLL_INITIAL`).
    - `r1`, `r2`, `r4`, `beta`, `ir`: the circuit's parameters (default 1.2, 3.44, 0.193,
      11.6, 2.25e-5).

    **Returns:** the states at times `(transient + k) * dt`, shape `(num_steps, 3)`.
    """
    field = lambda s: double_scroll_vector_field(s, r1, r2, r4, beta, ir)
    return _sample_ode(field, initial, dt, num_steps, transient, substeps)


# --------------------------------------------------------------------------- Mackey-Glass


def _delay_steps(tau: float, dt: float, substeps: int) -> int:
    """τ / h as an exact integer, for the RK4 step h = dt / substeps; refuse anything else."""
    for name, value in (("tau", tau), ("dt", dt)):
        if isinstance(value, jax.Array):
            raise ValueError(
                f"`{name}` must be a Python float for `mackey_glass` (it fixes the history "
                f"buffer's length, a static shape); got an array."
            )
        if not value > 0:
            raise ValueError(f"`{name}` must be positive; got {value}.")
    ratio = tau * substeps / dt
    num_delay = round(ratio)
    if num_delay < 1 or abs(ratio - num_delay) > 1e-9 * ratio:
        raise ValueError(
            f"`tau / (dt / substeps)` must be a positive integer, so that the delayed state "
            f"falls on the integration grid; got tau={tau}, dt={dt}, substeps={substeps} "
            f"(ratio {ratio}). Change `substeps` or `dt`."
        )
    return num_delay


def _mackey_glass_sampler(tau: float, dt: float, substeps: int, initial, beta, gamma, n):
    """The one-sample map of the Mackey-Glass RK4 integrator and its initial state.

    The state is `((x, values, slopes), i)`: the current value, the ring buffer of past values
    and slopes, and the step counter (kept apart: it is an integer, not differentiated).
    """
    dtype = jnp.result_type(float)
    num_delay = _delay_steps(tau, dt, substeps)
    size = num_delay + 1
    h = dt / substeps
    field = lambda x, delayed: beta * delayed / (1.0 + delayed**n) - gamma * x

    def step(_, carry):
        (x, values, slopes), i = carry
        # Slot i % size is written with step i; before that it holds step i - size, which is
        # no longer needed. Slot (i + 1) % size holds step i - m, slot (i + 2) % size step
        # i - m + 1 (for m = 1 that is step i itself, written just below).
        write, old, new = i % size, (i + 1) % size, (i + 2) % size
        delayed0 = values[old]
        k1 = field(x, delayed0)
        values = values.at[write].set(x)
        slopes = slopes.at[write].set(k1)
        delayed1 = values[new]
        slope0 = slopes[old]
        # The solution's slope jumps at t = 0 (constant history, then the DDE). Grid points are
        # breaking points, so each interval is smooth; the interval [-h, 0] needs the slope at
        # 0 from the left, the history's, which is zero.
        slope1 = jnp.where(i == num_delay - 1, jnp.zeros((), dtype), slopes[new])
        # Cubic Hermite midpoint of the interval [t_i - τ, t_i - τ + h]: O(h^4), which keeps
        # RK4 fourth order (linear interpolation, O(h^2), would cap it at second order).
        delayed_mid = 0.5 * (delayed0 + delayed1) + (h / 8.0) * (slope0 - slope1)
        # The delayed value at each stage's time t_i + c h (k1, at c = 0, is already known).
        delayed = {0.5: delayed_mid, 1.0: delayed1}
        x = rk4_step(lambda c, y: field(y, delayed[c]), x, h, k1=k1)
        return (x, values, slopes), i + 1

    def sample(state, count):
        return lax.fori_loop(0, substeps, step, (state, count))

    x0 = jnp.asarray(initial, dtype)
    state0 = (x0, jnp.full((size,), x0), jnp.zeros((size,), dtype))
    return sample, (state0, jnp.zeros((), jnp.int32))


@eqx.filter_jit
def mackey_glass(
    num_steps: int,
    *,
    dt: float = 1.0,
    transient: int = 1000,
    substeps: int = 10,
    initial: ArrayLike = 1.2,
    tau: float = 17.0,
    beta: ArrayLike = 0.2,
    gamma: ArrayLike = 0.1,
    n: ArrayLike = 10,
) -> Float[Array, "time 1"]:
    r"""A Mackey-Glass series (Mackey & Glass 1977), the delay equation integrated with RK4.

    $$\dot x(t) = \beta \frac{x(t-\tau)}{1 + x(t-\tau)^n} - \gamma x(t), \qquad
    x(t) = x_0 \text{ for } t \le 0.$$

    **Discretisation.** RK4 at the step h = `dt / substeps`, which must divide τ exactly
    (`ValueError` otherwise), so that the delayed states $x(t_i - \tau)$ and
    $x(t_i + h - \tau)$ are past grid values and the breaking points $t = k\tau$ of the DDE lie on
    the grid. Past values and slopes (the k1 of each step) are kept in a ring buffer of
    τ/h + 1 entries carried through the `lax.scan`. The delayed value at the half step, needed
    by k2 and k3, is the cubic Hermite interpolant of the two neighbouring grid values and
    slopes, accurate to O(h^4); the method is fourth order overall (measured slope 4.00; with
    linear interpolation, O(h^2), it drops to second order). The slope jump of the solution at
    t = 0 is respected: the interval [-h, 0] is interpolated with the history's zero slope. In
    float64 at the defaults, the series agrees with a method-of-steps DOP853 reference (rtol =
    atol = 1e-12) to 3.4e-9 over 400 time units (`tests/test_systems.py`).

    **Conventions versus ReservoirPy.** ReservoirPy's `mackey_glass` (same τ = 17, β = 0.2,
    γ = 0.1, n = 10 and x0 = 1.2; β and γ are its `a` and `b`) samples every h = 1 but also
    *integrates* with h = 1, holding the delayed value constant over each step (a first-order
    treatment of the delay), and starts from a random history x0 + U(-0.1, 0.1). This function
    keeps its sampling step 1 and parameters, but uses the constant history x0 (the textbook
    initial function, deterministic) and a fourth-order integrator at h = 0.1 by default.

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `dt`: sampling step, a Python float (static; default 1.0).
    - `transient`: samples integrated and discarded first (static, default 1000, which removes
      the start-up from the constant history).
    - `substeps`: RK4 steps per sample (static, default 10, so h = 0.1).
    - `initial`: the constant history x(t) = x0 for t ≤ 0 (default 1.2).
    - `tau`: the delay, a Python float (static; default 17).
    - `beta`, `gamma`, `n`: the equation's parameters (default 0.2, 0.1, 10).

    **Returns:** x at times `(transient + k) * dt`, shape `(num_steps, 1)`.
    """
    _check_counts(num_steps, transient, substeps)
    sample, carry0 = _mackey_glass_sampler(tau, dt, substeps, initial, beta, gamma, n)

    def body(carry, _):
        return sample(*carry), carry[0][0]

    _, xs = lax.scan(body, carry0, None, length=transient + num_steps)
    return xs[transient:, None]


# --------------------------------------------------------------------------- NARMA-10


@eqx.filter_jit
def narma10(
    num_steps: int, key: PRNGKeyArray, *, transient: int = 200
) -> tuple[Float[Array, "time 1"], Float[Array, "time 1"]]:
    r"""The NARMA-10 input/output pair (Atiya & Parlos 2000), driven by i.i.d. uniform input.

    The usual recursion is
    $y_{t+1} = 0.3\, y_t + 0.05\, y_t \sum_{i=0}^{9} y_{t-i} + 1.5\, u_{t-9} u_t + 0.1$ with
    $u_t \sim U(0, 0.5)$. The returned target is **shifted by one** so that sample `t` of both
    arrays belong together causally: `y[t]` is $y_{t+1}$ of the recursion, the first output that
    depends on `u[t]`. In the returned indices,

    $$y[t] = 0.3\, y[t-1] + 0.05\, y[t-1] \sum_{i=1}^{10} y[t-i] + 1.5\, u[t-9]\, u[t] + 0.1,$$

    so the one-step task "input `u[t]` → target `y[t]`" is well defined: the target depends on
    the current input and the nine before it (and on past targets). Before the first sample
    every `u` and `y` is zero; `transient` samples are then computed and dropped.

    !!! warning
        The recursion is not globally stable: once `y` exceeds ~1.4 for a while, the
        quadratic term wins and `y` runs off to infinity. This is a property of NARMA-10
        itself, not of the implementation. Measured in float64 over 1000 keys, 1.0% of
        sequences diverge within 2,200 samples and 4.3% within 10,200 (bounded runs stay
        below ~1.2). Nothing here checks for it: test `jnp.isfinite(y)` and draw another key.

    ReservoirPy's `narma` (`reservoirpy/datasets/_chaos.py`, with `order=10` and these
    coefficients) pairs `u[t]` with an output that depends on `u[t-1]` and `u[t-11]`, and sums
    `y` over `t-10..t-1`; the indexing here follows the definition above instead.

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `key`: the PRNG key for the inputs (`transient + num_steps` uniform draws).
    - `transient`: samples computed and discarded first (static, default 200).

    **Returns:** `(u, y)`, each shape `(num_steps, 1)` in the default float dtype.
    """
    _check_counts(num_steps, transient, 1)
    dtype = jnp.result_type(float)
    inputs = jr.uniform(key, (transient + num_steps,), dtype, minval=0.0, maxval=0.5)

    def body(carry, u):
        # `outputs` holds y[t-1], ..., y[t-10] and `past_inputs` u[t-1], ..., u[t-9], newest
        # first: the 10-sample buffer of the recursion.
        outputs, past_inputs = carry
        y_prev = outputs[0]
        y = 0.3 * y_prev + 0.05 * y_prev * jnp.sum(outputs) + 1.5 * past_inputs[8] * u + 0.1
        outputs = jnp.concatenate([y[None], outputs[:-1]])
        past_inputs = jnp.concatenate([u[None], past_inputs[:-1]])
        return (outputs, past_inputs), y

    carry0 = (jnp.zeros((10,), dtype), jnp.zeros((9,), dtype))
    _, outputs = lax.scan(body, carry0, inputs)
    return inputs[transient:, None], outputs[transient:, None]


# --------------------------------------------------------------------------- registry


@dataclasses.dataclass(frozen=True)
class SystemSpec:
    """How a benchmark system is generated by default, and what is known about it.

    - `name`: the registry key.
    - `dim`: number of variables (the input dimension); 1 for NARMA-10.
    - `dt`: default sampling step, in the system's time units.
    - `transient`: default number of discarded samples.
    - `substeps`: default RK4 steps per sample.
    - `lyapunov_exponent`: largest Lyapunov exponent per time unit (natural log); `None` for
      NARMA-10. A literature value, checked against `largest_lyapunov_exponent` to within 7%
      in the tests, except for the double scroll, where the one published figure found
      (0.128) disagrees with two independent estimates and the measured value is used; see
      `lyapunov_source`.
    - `autonomous`: `False` for systems driven by an external input (NARMA-10).
    - `parameters`: the model parameters and initial state, JSON-serialisable (provenance).
    - `lyapunov_source`: where `lyapunov_exponent` comes from.
    """

    name: str
    dim: int
    dt: float
    transient: int
    substeps: int
    lyapunov_exponent: float | None
    autonomous: bool
    parameters: dict[str, Any]
    lyapunov_source: str = ""


_LORENZ_PARAMETERS = {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}
_SPROTT = "J. C. Sprott, Chaos and Time-Series Analysis (Oxford, 2003), Appendix A"

SYSTEMS: dict[str, SystemSpec] = {
    spec.name: spec
    for spec in (
        SystemSpec(
            name="lorenz",
            dim=3,
            dt=0.01,
            transient=1000,
            substeps=1,
            lyapunov_exponent=0.9056,
            autonomous=True,
            parameters={**_LORENZ_PARAMETERS, "initial": [1.0, 1.0, 1.0]},
            lyapunov_source=_SPROTT + "; also 1/1.104 in the NG-RC reference code",
        ),
        SystemSpec(
            name="lorenz-ngrc",
            dim=3,
            dt=0.025,
            transient=0,
            substeps=5,
            lyapunov_exponent=0.9056,
            autonomous=True,
            parameters={**_LORENZ_PARAMETERS, "initial": list(NGRC_LORENZ_INITIAL)},
            lyapunov_source=_SPROTT + "; also 1/1.104 in the NG-RC reference code",
        ),
        SystemSpec(
            name="rossler",
            dim=3,
            dt=0.1,
            transient=1000,
            substeps=5,
            lyapunov_exponent=0.0714,
            autonomous=True,
            parameters={"a": 0.2, "b": 0.2, "c": 5.7, "initial": [-0.1, 0.0, 0.02]},
            lyapunov_source=_SPROTT,
        ),
        SystemSpec(
            name="double-scroll",
            dim=3,
            dt=0.25,
            transient=0,
            substeps=10,
            lyapunov_exponent=0.0914,
            autonomous=True,
            parameters={
                "r1": 1.2,
                "r2": 3.44,
                "r4": 0.193,
                "beta": 11.6,
                "ir": 2.25e-5,
                "initial": list(NGRC_DOUBLE_SCROLL_INITIAL),
            },
            lyapunov_source=(
                "measured: `largest_lyapunov_exponent` over 100,000 time units in float64 "
                "(0.0914), and an independent SciPy DOP853 variational-equation estimate over "
                "4,000 time units (0.095). The NG-RC reference code (Gauthier et al., Nat. "
                "Commun. 12:5564, 2021) quotes 0.128 (Lyapunov time 7.8125, attributed to "
                "H. Abarbanel) for the same equations and parameters; neither estimate "
                "reproduces it"
            ),
        ),
        SystemSpec(
            name="mackey-glass",
            dim=1,
            dt=1.0,
            transient=1000,
            substeps=10,
            lyapunov_exponent=0.0056,
            autonomous=True,
            parameters={
                "tau": 17.0,
                "beta": 0.2,
                "gamma": 0.1,
                "n": 10,
                "initial": 1.2,
            },
            lyapunov_source=(
                "0.0056 (natural log): tangent dynamics of a 100-point RK4 discretisation "
                "(h = 0.17), sites.google.com/view/lyapunov-spectrum/home/mackey-glass_eq, "
                "after J. D. Farmer, Physica D 4:366 (1982); `largest_lyapunov_exponent` "
                "gives 0.0054-0.0055"
            ),
        ),
        SystemSpec(
            name="narma10",
            dim=1,
            dt=1.0,
            transient=200,
            substeps=1,
            lyapunov_exponent=None,
            autonomous=False,
            parameters={
                "order": 10,
                "coefficients": [0.3, 0.05, 1.5, 0.1],
                "input_range": [0.0, 0.5],
                "target_alignment": "y[t] = y_{t+1} of the recursion (depends on u[t])",
            },
        ),
    )
}

_GENERATORS: dict[str, Callable[..., Array]] = {
    "lorenz": lorenz,
    "lorenz-ngrc": lorenz,
    "rossler": rossler,
    "double-scroll": double_scroll,
    "mackey-glass": mackey_glass,
}


def _spec(name: str) -> SystemSpec:
    if name not in SYSTEMS:
        raise ValueError(f"Unknown system {name!r}; expected one of {sorted(SYSTEMS)}.")
    return SYSTEMS[name]


def generate(
    name: str,
    num_steps: int,
    *,
    dt: float | None = None,
    transient: int | None = None,
    key: PRNGKeyArray | None = None,
) -> tuple[Float[Array, "time inputs"], Float[Array, "time inputs"]]:
    """`(inputs, series)` for the system `name` of `SYSTEMS`, at its default settings.

    For an autonomous system, `inputs` and `series` are the same array: the trajectory,
    shape `(num_steps, dim)`. For `"narma10"` they are `(u, y)`, with `y[t]` the target
    for input `u[t]` (see `narma10`).

    **Arguments:**

    - `name`: a key of `SYSTEMS`.
    - `num_steps`: samples returned, after the transient.
    - `dt`: sampling step (default: the system's); the RK4 substeps per sample stay at the
      system's default. NARMA-10 is discrete: only `dt=1` is accepted.
    - `transient`: discarded samples (default: the system's).
    - `key`: the PRNG key for NARMA-10's input (required there); unused by the autonomous
      systems, which are deterministic.

    **Returns:** `(inputs, series)`, each shape `(num_steps, dim)` in the default float dtype.
    """
    spec = _spec(name)
    dt, transient = plain(dt), plain(transient)
    if transient is not None:
        WHOLE.check("transient", transient)
    transient = spec.transient if transient is None else transient
    if dt is not None and spec.autonomous:
        check_sampling(name, dt)
    if not spec.autonomous:
        if key is None:
            raise ValueError(f"`key` is required for the driven system {name!r}.")
        if dt is not None and dt != 1.0:
            raise ValueError(f"`dt` must be 1 (or None) for the discrete system {name!r}.")
        return narma10(num_steps, key, transient=transient)
    dt = spec.dt if dt is None else dt
    series = _GENERATORS[name](
        num_steps, dt=dt, transient=transient, substeps=spec.substeps, **spec.parameters
    )
    return series, series


def check_sampling(name: str, dt: float) -> None:
    """Refuse a sampling step `dt` the system `name` cannot be generated at (`ConfigError`
    naming `dt`): not > 0, or for Mackey-Glass one whose RK4 step (dt / substeps) does not
    divide the delay τ, so that the delayed state would fall off the integration grid."""
    spec = _spec(name)
    POSITIVE.check("dt", dt)
    if name != "mackey-glass":
        return
    tau, substeps = spec.parameters["tau"], spec.substeps
    span = tau * substeps  # dt must divide it: tau / (dt / substeps) whole
    ratio = span / dt
    if round(ratio) >= 1 and abs(ratio - round(ratio)) <= 1e-9 * ratio:
        return
    nice = [span / k for k in range(1, 100 * int(span) + 1) if round(span / k, 2) == span / k]
    below = [x for x in nice if x < dt][:1]
    above = [x for x in nice if x > dt][-1:]
    examples = " or ".join(f"{x:g}" for x in above + below)
    raise ConfigError(
        "dt", dt, f"must divide tau x substeps = {tau:g} x {substeps} = {span:g} a whole "
        f"number of times (dt = {span:g} / k for a whole number k, e.g. {examples}), so that "
        f"the delayed state of {name} falls on its RK4 grid",
    )  # fmt: skip


# --------------------------------------------------------------------------- Lyapunov

_ODE_FIELDS = {
    "lorenz": lorenz_vector_field,
    "lorenz-ngrc": lorenz_vector_field,
    "rossler": rossler_vector_field,
    "double-scroll": double_scroll_vector_field,
}


def _system_sampler(name: str, dt: float):
    """The one-sample map `(state, aux) -> (state, aux)` of a system and its initial value.

    `state` is what the tangent dynamics act on; `aux` is carried along undifferentiated (the
    Mackey-Glass step counter).
    """
    spec = SYSTEMS[name]
    parameters = dict(spec.parameters)
    initial = parameters.pop("initial")
    if name == "mackey-glass":
        return _mackey_glass_sampler(dt=dt, substeps=spec.substeps, initial=initial, **parameters)
    dtype = jnp.result_type(float)
    vector_field = _ODE_FIELDS[name]
    field = lambda s: vector_field(s, **parameters)
    ode_sample = _sample_map(field, jnp.asarray(dt, dtype), spec.substeps)
    return (lambda state, aux: (ode_sample(state), aux)), (jnp.asarray(initial, dtype), None)


@eqx.filter_jit
def _benettin(name: str, dt: float, settle: int, num_steps: int, discard: int) -> Array:
    sample, carry = _system_sampler(name, dt)
    carry = lax.fori_loop(0, settle, lambda _, c: sample(*c), carry)
    state, aux = carry
    dtype = jnp.result_type(float)
    leaves = jtu.tree_leaves(state)
    size = sum(leaf.size for leaf in leaves)
    tangent = jtu.tree_map(lambda leaf: jnp.full_like(leaf, 1.0 / math.sqrt(size)), state)

    def body(carry, _):
        (state, aux), tangent = carry
        state, tangent, aux = jax.jvp(lambda s: sample(s, aux), (state,), (tangent,), has_aux=True)
        norm = jnp.sqrt(sum(jnp.sum(leaf**2) for leaf in jtu.tree_leaves(tangent)))
        tangent = jtu.tree_map(lambda leaf: leaf / norm, tangent)
        return ((state, aux), tangent), jnp.log(norm)

    _, logs = lax.scan(body, (carry, tangent), None, length=num_steps)
    return jnp.sum(logs[discard:]) / jnp.asarray((num_steps - discard) * dt, dtype)


def largest_lyapunov_exponent(
    name: str,
    num_steps: int = 20_000,
    *,
    dt: float | None = None,
    discard: int = 1_000,
) -> float:
    r"""Estimate the largest Lyapunov exponent of a system of `SYSTEMS` (Benettin's method).

    Starting from the system's default initial state, after its default transient or 100
    time units, whichever is longer, the state and a tangent vector are advanced together
    through the one-sample RK4 map, the tangent by `jax.jvp` (the exact linearisation of the
    discrete map), and the tangent is renormalised after every sample. The estimate is the
    mean log growth per unit time over the last `num_steps - discard` samples; the first
    `discard` let the tangent align with the most unstable direction. Run in float64 (enable
    x64) for a clean estimate.

    For Mackey-Glass the state is the whole discretised history (the ring buffer of τ/h + 1
    values and slopes): the tangent dynamics of the RK4 scheme of `mackey_glass`.

    **Arguments:**

    - `name`: `"lorenz"`, `"lorenz-ngrc"`, `"rossler"`, `"double-scroll"` or
      `"mackey-glass"`.
    - `num_steps`: samples integrated (default 20,000).
    - `dt`: sampling (and renormalisation) step (default: the system's), with the system's
      substeps.
    - `discard`: initial samples left out of the average (default 1000).

    **Returns:** the estimate, per time unit (natural log), as a Python float.
    """
    spec = _spec(name)
    if spec.lyapunov_exponent is None:
        raise ValueError(
            f"`largest_lyapunov_exponent` needs an autonomous system, one of "
            f"{sorted(_ODE_FIELDS) + ['mackey-glass']}; got {name!r}."
        )
    if not 0 <= discard < num_steps:
        raise ValueError(f"`discard` must lie in [0, num_steps); got {discard}.")
    dt = spec.dt if dt is None else dt
    settle = max(spec.transient, math.ceil(100.0 / dt))
    return float(_benettin(name, dt, settle, num_steps, discard))

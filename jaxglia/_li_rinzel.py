r"""A biophysical astrocyte population: NEST's `astrocyte_lr_1994` (Li–Rinzel calcium dynamics).

Transcribed from NEST's `models/astrocyte_lr_1994.h` and `models/astrocyte_lr_1994.cpp`
(repository nest/nest-simulator, read at commit cafe1e6f72c59437cb235e0034907c22bc9ac734; the
model entered NEST with pull request #2919). Equations, parameter names, default values and
units (ms, µM) are NEST's; only the coupling to the reservoir (`step_ms`, `every`, `substeps`,
`drive_scale`, `sic_scale`) is jaxglia's.

An earlier version of the same NEST files (e.g. commit 0189025229610620dbd70b87feae23e1757192da,
as first merged) used an ER calcium of `Ca_tot + (Ca_tot - Ca) / ratio_ER_cyt`, clamped Ca to
`Ca_tot * (1 + ratio_ER_cyt)` and had `delta_IP3 = 5` µM; NEST's reference notebook
(doc/htmldoc/model_details/astrocyte_model_implementation.ipynb) still shows that form. This
module follows the later code: ER calcium `(Ca_tot - Ca) / ratio_ER_cyt` (Li & Rinzel's
`(c0 - c) / c1`), Ca clamped to `[0, Ca_tot]`, `delta_IP3 = 0.0002` µM.
"""

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int

from ._misc import rk4_step
from ._population import AbstractPopulation
from ._ranges import NON_NEGATIVE, POSITIVE, Interval, admits, plain


# NEST's defaults, `astrocyte_lr_1994::Parameters_::Parameters_()` ("parameters based on
# Nadkarni & Jung (2003)"), with the units of the model's documentation table.
NEST_PARAMETERS: dict[str, tuple[float, str]] = {
    "Ca_tot": (2.0, "µM"),
    "IP3_0": (0.16, "µM"),
    "Kd_IP3_1": (0.13, "µM"),
    "Kd_IP3_2": (0.9434, "µM"),
    "Kd_act": (0.08234, "µM"),
    "Kd_inh": (1.049, "µM"),
    "Km_SERCA": (0.1, "µM"),
    "SIC_scale": (1.0, "unitless"),
    "SIC_th": (0.19669, "µM"),
    "delta_IP3": (0.0002, "µM"),
    "k_IP3R": (0.0002, "1/(µM*ms)"),
    "rate_IP3R": (0.006, "1/ms"),
    "rate_L": (0.00011, "1/ms"),
    "rate_SERCA": (0.0009, "µM/ms"),
    "ratio_ER_cyt": (0.185, "unitless"),
    "tau_IP3": (7142.0, "ms"),
}

# NEST's initial state, `astrocyte_lr_1994::State_::State_()`: IP3 = IP3_0 and these two
# values ("based on Li & Rinzel (1994) and Nadkarni & Jung (2003)"). They round the resting
# point (Ca, h) = (0.07222, 0.79242) at IP3 = 0.16 µM; `LiRinzel.init_state` uses the exact one.
NEST_INITIAL_CA = 0.073  # µM
NEST_INITIAL_H = 0.793

# Largest |eigenvalue| of the (Ca, h) Jacobian over 0 <= IP3 <= 100 µM, 0 < Ca < Ca_tot,
# 0 <= h <= 1 with NEST's defaults: about 0.02 /ms. Classical RK4 is stable for
# |lambda| dt < 2.78, i.e. dt < ~140 ms; the RK4 step is capped below that.
MAX_RK4_STEP_MS = 100.0


_Triple = tuple[Array, Array, Array]


def _default_float():
    return jnp.asarray(0.0).dtype  # float32, or float64 under `jax.enable_x64`


def _as_float(x: ArrayLike) -> Array:
    return jnp.asarray(x, dtype=_default_float())


class LiRinzelState(eqx.Module):
    """State of a `LiRinzel` population.

    - `ip3`, `ca`, `h`: NEST's `IP3` (µM), `Ca_astro` (µM) and `h_IP3R` (unitless) per unit.
    - `drive`: rectified input current summed since the last update (applied at the next one;
      always 0 when `every = 1` after a step).
    - `count`: reservoir steps since the last update, modulo `every` (one scalar).
    """

    ip3: Float[Array, " units"]
    ca: Float[Array, " units"]
    h: Float[Array, " units"]
    drive: Float[Array, " units"]
    count: Int[Array, ""]


class LiRinzel(AbstractPopulation):
    r"""Astrocytes with Li–Rinzel IP3/Ca²⁺ dynamics, exactly as NEST's `astrocyte_lr_1994`.

    Three state variables per unit: IP3 concentration $I$, cytosolic calcium $C$ and the
    fraction $h$ of IP3 receptors not inactivated by calcium (De Young & Keizer 1992; Li &
    Rinzel 1994; input/output after Nadkarni & Jung 2003). In physical time (ms, µM), with
    $\bar C = \min(\max(C, 0), C_{tot})$ as in NEST's right-hand side:

    $$\frac{dI}{dt} = \frac{I_0 - I}{\tau_{IP3}}, \qquad
    \frac{dC}{dt} = J_{channel} - J_{pump} + J_{leak}, \qquad
    \frac{dh}{dt} = \alpha_h (1 - h) - \beta_h h$$

    $$J_{channel} = r_{ER} v_{IP3R} m_\infty^3 n_\infty^3 h^3 (C_{ER} - \bar C), \quad
    J_{leak} = r_{ER} v_L (C_{ER} - \bar C), \quad
    J_{pump} = \frac{v_{SERCA} \bar C^2}{K_{SERCA}^2 + \bar C^2}$$

    $$C_{ER} = \frac{C_{tot} - \bar C}{r_{ER}}, \quad m_\infty = \frac{I}{I + K_{IP3,1}}, \quad
    n_\infty = \frac{\bar C}{\bar C + K_{act}}, \quad
    \alpha_h = k_{IP3R} K_{inh} \frac{I + K_{IP3,1}}{I + K_{IP3,2}}, \quad
    \beta_h = k_{IP3R} \bar C$$

    (`li_rinzel_rhs`). NEST's calcium current input $J_{noise}$ is not modelled.

    **One reservoir step.** Let $x_t = \max(I_t^{res}, 0)$ be the rectified reservoir current
    (a weighted sum of presynaptic spikes and external drive; NEST refuses negative spike
    weights, here negative current is simply ignored). Every `every`-th reservoir step the
    unit is updated, in NEST's order:

    1. integrate the ODE over $\Delta = $ `every * step_ms` ms with `substeps` classical RK4
       steps, clamping $C$ to $[0, C_{tot}]$ after each (NEST clamps after each of its steps);
    2. add the input: $I \mathrel{+}= \Delta_{IP3} \cdot s \cdot \sum x$, the sum over the
       `every` reservoir steps since the last update ($s$ = `drive_scale`). In NEST, the spikes
       of one time step with summed weight $J$ raise IP3 by $\Delta_{IP3} J$ after that step's
       integration; here $s\,x_t$ plays the role of $J$;
    3. output the slow inward current (NEST's formula)

    $$\mathrm{SIC} = \mathrm{SIC_{scale}} \ln(y)\, [y > 1], \qquad
    y = (C - \mathrm{SIC_{th}}) / \mathrm{nM},$$

    times `sic_scale`. This output (≥ 0, a float, not a spike) is what the unit sends through
    the reservoir's recurrent weights. Between updates the state and the output are held.

    **Parameters** (NEST's names and defaults):

    | name | default | unit | meaning |
    | --- | --- | --- | --- |
    | `Ca_tot` | 2.0 | µM | total free Ca²⁺, in cytosolic volume ($C_{tot}$) |
    | `IP3_0` | 0.16 | µM | baseline IP3 ($I_0$) |
    | `Kd_IP3_1` | 0.13 | µM | first IP3R dissociation constant of IP3 |
    | `Kd_IP3_2` | 0.9434 | µM | second IP3R dissociation constant of IP3 |
    | `Kd_act` | 0.08234 | µM | IP3R dissociation constant of Ca²⁺ (activation) |
    | `Kd_inh` | 1.049 | µM | IP3R dissociation constant of Ca²⁺ (inhibition) |
    | `Km_SERCA` | 0.1 | µM | half-activation constant of the SERCA pump |
    | `SIC_scale` | 1.0 | unitless | scale of the SIC output |
    | `SIC_th` | 0.19669 | µM | Ca²⁺ threshold of the SIC |
    | `delta_IP3` | 0.0002 | µM | IP3 increase per unit of synaptic input |
    | `k_IP3R` | 0.0002 | 1/(µM·ms) | IP3R binding constant for Ca²⁺ inhibition |
    | `rate_IP3R` | 0.006 | 1/ms | maximal Ca²⁺ release rate via IP3R ($v_{IP3R}$) |
    | `rate_L` | 0.00011 | 1/ms | Ca²⁺ leak rate from ER to cytosol ($v_L$) |
    | `rate_SERCA` | 0.0009 | µM/ms | maximal Ca²⁺ uptake rate of SERCA ($v_{SERCA}$) |
    | `ratio_ER_cyt` | 0.185 | unitless | ER to cytosol volume ratio ($r_{ER}$) |
    | `tau_IP3` | 7142.0 | ms | time constant of IP3 decay |

    With these values the (Ca, h) subsystem at clamped IP3 has a stable rest for IP3 below
    0.3545 µM and oscillates between 0.3545 and ~0.64 µM (Hopf points at 0.3545 and 0.6369;
    the cycle outlives the upper one a little), with a
    period of 11.49 s at IP3 = 0.5 µM. `tau_IP3 = inf` clamps IP3 at its initial value.

    **Initial state.** IP3 = `IP3_0` and the exact resting (Ca, h) at that IP3
    (`init_state`): 0.07222 µM and 0.79242 by default. NEST starts at the rounded
    values 0.073 µM and 0.793, which relax to that point with the slow time constant of
    rest, ~12 s; starting exactly at rest keeps an undriven unit stationary.

    **Numerics.** The system is not stiff at reservoir resolutions: over the whole state
    space the fastest local rate is ~0.02 /ms (rest: 0.0036 /ms; the limit cycle's own rate
    ~5e-4 /ms), so explicit RK4 is stable for steps up to ~140 ms. RK4 with a 10 ms step
    reproduces the limit-cycle period of a tight SciPy reference to ~1e-6 relative in
    float64 (NEST itself integrates with adaptive RKF45 at an absolute tolerance of 1e-3).

    **References.** NEST `astrocyte_lr_1994` (models/astrocyte_lr_1994.{h,cpp}); Li & Rinzel,
    J. Theor. Biol. 166:461 (1994); De Young & Keizer, PNAS 89:9895 (1992); Nadkarni & Jung,
    Phys. Rev. Lett. 91:268101 (2003).
    """

    Ca_tot: Float[Array, ""]
    IP3_0: Float[Array, ""]
    Kd_IP3_1: Float[Array, ""]
    Kd_IP3_2: Float[Array, ""]
    Kd_act: Float[Array, ""]
    Kd_inh: Float[Array, ""]
    Km_SERCA: Float[Array, ""]
    SIC_scale: Float[Array, ""]
    SIC_th: Float[Array, ""]
    delta_IP3: Float[Array, ""]
    k_IP3R: Float[Array, ""]
    rate_IP3R: Float[Array, ""]
    rate_L: Float[Array, ""]
    rate_SERCA: Float[Array, ""]
    ratio_ER_cyt: Float[Array, ""]
    tau_IP3: Float[Array, ""]
    step_ms: Float[Array, ""]
    drive_scale: Float[Array, ""]
    sic_scale: Float[Array, ""]
    every: int = eqx.field(static=True)
    substeps: int = eqx.field(static=True)

    def __init__(
        self,
        *,
        Ca_tot: ArrayLike = NEST_PARAMETERS["Ca_tot"][0],
        IP3_0: ArrayLike = NEST_PARAMETERS["IP3_0"][0],
        Kd_IP3_1: ArrayLike = NEST_PARAMETERS["Kd_IP3_1"][0],
        Kd_IP3_2: ArrayLike = NEST_PARAMETERS["Kd_IP3_2"][0],
        Kd_act: ArrayLike = NEST_PARAMETERS["Kd_act"][0],
        Kd_inh: ArrayLike = NEST_PARAMETERS["Kd_inh"][0],
        Km_SERCA: ArrayLike = NEST_PARAMETERS["Km_SERCA"][0],
        SIC_scale: ArrayLike = NEST_PARAMETERS["SIC_scale"][0],
        SIC_th: ArrayLike = NEST_PARAMETERS["SIC_th"][0],
        delta_IP3: ArrayLike = NEST_PARAMETERS["delta_IP3"][0],
        k_IP3R: ArrayLike = NEST_PARAMETERS["k_IP3R"][0],
        rate_IP3R: ArrayLike = NEST_PARAMETERS["rate_IP3R"][0],
        rate_L: ArrayLike = NEST_PARAMETERS["rate_L"][0],
        rate_SERCA: ArrayLike = NEST_PARAMETERS["rate_SERCA"][0],
        ratio_ER_cyt: ArrayLike = NEST_PARAMETERS["ratio_ER_cyt"][0],
        tau_IP3: ArrayLike = NEST_PARAMETERS["tau_IP3"][0],
        step_ms: ArrayLike = 10.0,
        drive_scale: ArrayLike = 2.4,
        sic_scale: ArrayLike = 0.1,
        every: int = 1,
        substeps: int = 1,
    ):
        r"""**Arguments:** (all keyword-only)

        - `Ca_tot` ... `tau_IP3`: NEST's parameters, in NEST's units (see the class table);
          defaults are NEST's. Arrays: new values do not recompile, and stacked values can be
          vmapped. `tau_IP3 = inf` holds IP3 fixed (no decay; input still adds to it).
        - `step_ms`: physical time of one reservoir step, in ms (default 10). One oscillation
          (~11.5 s) then spans ~1150 steps and `tau_IP3` ~714 steps: far slower than the
          neurons (β = 0.9, ~10 steps) and the LIF astrocyte stand-in (β = 0.99, ~100 steps),
          yet several cycles fit in a 3000- or 10000-step run. At 1 ms per step (the
          physiological reading of β = 0.9 as a 10 ms membrane) the units would hardly move
          within a run.
        - `drive_scale`: reservoir current to NEST synaptic weight, ≥ 0 (default 2.4). A
          sustained current $x$ holds IP3 at $I_0 + \Delta_{IP3}\, s\, x / (1 -
          e^{-\Delta/\tau_{IP3}})$ (≈ $I_0 + 0.143\, s\, x$ µM at the defaults), so a
          sustained current of 1 (the LIF threshold) holds IP3 at ≈ 0.50 µM, the middle of
          the oscillatory window. Sustained currents below ~0.57 leave a unit at a
          sub-threshold rest (no SIC), ~0.57 to ~1.4 make it oscillate (SIC pulses), and
          above ~1.4-1.5 it settles at a high calcium with a steady SIC. The mapping depends
          on `step_ms`: rescale `drive_scale` with it.
        - `sic_scale`: SIC (NEST's units, pA) to reservoir current, ≥ 0 (default 0.1). NEST's
          log law compresses: 10 nM above `SIC_th` already gives ln(10) = 2.3, the cycle's
          peak at IP3 = 0.5 µM (0.445 µM Ca) gives ln(248) = 5.5, and a driven unit's SIC
          averages 4.7–5.3 while on. So an active unit outputs ~0.5 (at most ~0.65): half the
          LIF threshold, like a unit that spikes every other step — the scale of presynaptic
          output the recurrent weights N(0, g²/(p n)) were drawn for.
        - `every`: static int ≥ 1 (default 1). The unit is updated every `every`-th reservoir
          step, by `every * step_ms` ms, with the input summed in between; state and output
          are held between updates (a slower astrocyte clock). The update is computed at
          every step and selected with `jnp.where` (a `lax.cond` would become a select under
          `vmap` anyway, and may add a synchronisation per step on GPU), so it saves no
          compute.
        - `substeps`: static int ≥ 1 (default 1), RK4 steps per update. The RK4 step
          `every * step_ms / substeps` must not exceed 100 ms (stability bound ~140 ms);
          10 ms gives ~1e-6 relative period error, 100 ms ~1e-5.
        """
        values = dict(
            Ca_tot=Ca_tot,
            IP3_0=IP3_0,
            Kd_IP3_1=Kd_IP3_1,
            Kd_IP3_2=Kd_IP3_2,
            Kd_act=Kd_act,
            Kd_inh=Kd_inh,
            Km_SERCA=Km_SERCA,
            SIC_scale=SIC_scale,
            SIC_th=SIC_th,
            delta_IP3=delta_IP3,
            k_IP3R=k_IP3R,
            rate_IP3R=rate_IP3R,
            rate_L=rate_L,
            rate_SERCA=rate_SERCA,
            ratio_ER_cyt=ratio_ER_cyt,
            tau_IP3=tau_IP3,
            step_ms=step_ms,
            drive_scale=drive_scale,
            sic_scale=sic_scale,
        )
        for name, value in values.items():
            setattr(self, name, _as_float(value))
        every, substeps = plain(every), plain(substeps)  # NumPy whole numbers too
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"`every` must be an int >= 1; got {every!r}.")
        if not (isinstance(substeps, int) and substeps >= 1):
            raise ValueError(f"`substeps` must be an int >= 1; got {substeps!r}.")
        self.every = every
        self.substeps = substeps

    def __check_init__(self):
        # NEST's `Parameters_::set` checks, plus ours; only when the values are concrete.
        try:
            low = {name: float(jnp.min(getattr(self, name))) for name in _CHECKS}
            rk4_ms = float(jnp.max(self.step_ms)) * self.every / self.substeps
        except Exception:  # noqa: BLE001 - tracers cannot be converted; nothing to check then.
            return
        for name, (interval, text) in _CHECKS.items():
            if not admits(interval, low[name]):  # tau_IP3 = inf: IP3 does not decay
                raise ValueError(
                    f"`{name}` ({text}) {interval.requirement()}; got {getattr(self, name)}."
                )
        if rk4_ms > MAX_RK4_STEP_MS:
            raise ValueError(
                f"The RK4 step `every * step_ms / substeps` = {rk4_ms} ms exceeds "
                f"{MAX_RK4_STEP_MS} ms (stability needs < ~140 ms); raise `substeps`."
            )

    def init_state(self, size: int) -> LiRinzelState:
        ca, h = li_rinzel_rest(self.IP3_0, self)
        dtype = self.IP3_0.dtype
        full = lambda x: jnp.full((size,), x, dtype)
        zeros = jnp.zeros((size,), dtype)
        return LiRinzelState(full(self.IP3_0), full(ca), full(h), zeros, jnp.zeros((), jnp.int32))

    def step(
        self, state: LiRinzelState, current: Float[Array, " units"]
    ) -> tuple[LiRinzelState, Float[Array, " units"]]:
        dtype = state.ip3.dtype
        drive = state.drive + jnp.maximum(current.astype(dtype), 0.0)
        count = (state.count + 1) % self.every
        update = count == 0
        ip3, ca, h = self._integrate(state.ip3, state.ca, state.h)
        ip3 = ip3 + self.delta_IP3 * self.drive_scale * drive
        new = LiRinzelState(
            jnp.where(update, ip3, state.ip3),
            jnp.where(update, ca, state.ca),
            jnp.where(update, h, state.h),
            jnp.where(update, 0.0, drive),
            count,
        )
        return new, self.sic_scale * slow_inward_current(new.ca, self)

    def membrane(self, state: LiRinzelState) -> Float[Array, " units"]:
        """Cytosolic calcium (µM), the readout's observable."""
        return state.ca

    def _integrate(self, ip3, ca, h):
        """`substeps` classical RK4 steps over `every * step_ms` ms, Ca clamped after each."""
        dt = self.every * self.step_ms / self.substeps

        def f(_, y: _Triple) -> _Triple:
            return li_rinzel_rhs(y[0], y[1], y[2], self)

        def rk4(_, y: _Triple) -> _Triple:
            ip3, ca, h = rk4_step(f, y, dt)
            return ip3, jnp.clip(ca, 0.0, self.Ca_tot), h

        return lax.fori_loop(0, self.substeps, rk4, (ip3, ca, h))


# name: (strictly positive?, description), from NEST's `Parameters_::set`.
# Each parameter's range (the options `step_ms`, `drive_scale`, `sic_scale` share them).
_CHECKS: dict[str, tuple[Interval, str]] = {
    "Ca_tot": (POSITIVE, "total free calcium"),
    "IP3_0": (NON_NEGATIVE, "baseline IP3"),
    "Kd_act": (POSITIVE, "IP3R dissociation constant of calcium (activation)"),
    "Kd_inh": (NON_NEGATIVE, "IP3R dissociation constant of calcium (inhibition)"),
    "Kd_IP3_1": (POSITIVE, "first IP3R dissociation constant of IP3"),
    "Kd_IP3_2": (POSITIVE, "second IP3R dissociation constant of IP3"),
    "Km_SERCA": (POSITIVE, "SERCA half-activation constant"),
    "ratio_ER_cyt": (POSITIVE, "ER to cytosol volume ratio"),
    "delta_IP3": (NON_NEGATIVE, "IP3 increase per input"),
    "k_IP3R": (NON_NEGATIVE, "IP3R binding constant"),
    "SIC_scale": (POSITIVE, "SIC scale"),
    "SIC_th": (NON_NEGATIVE, "SIC threshold"),
    "rate_L": (NON_NEGATIVE, "leak rate"),
    "rate_IP3R": (NON_NEGATIVE, "IP3R release rate"),
    "rate_SERCA": (NON_NEGATIVE, "SERCA uptake rate"),
    "tau_IP3": (POSITIVE, "IP3 decay time constant"),
    "step_ms": (POSITIVE, "time per reservoir step"),
    "drive_scale": (NON_NEGATIVE, "input scale"),
    "sic_scale": (NON_NEGATIVE, "output scale"),
}


def li_rinzel_rhs(
    ip3: Float[ArrayLike, "*units"],
    ca: Float[ArrayLike, "*units"],
    h: Float[ArrayLike, "*units"],
    params: LiRinzel,
) -> tuple[Float[Array, "*units"], Float[Array, "*units"], Float[Array, "*units"]]:
    """NEST's `astrocyte_lr_1994_dynamics` without the current input: the time derivatives
    of (IP3, Ca, h) in µM/ms, µM/ms and 1/ms (see `LiRinzel`). Ca is clamped to
    [0, `Ca_tot`] inside, as in NEST.
    """
    p = params
    ip3, h = jnp.asarray(ip3), jnp.asarray(h)
    calc = jnp.clip(ca, 0.0, p.Ca_tot)
    alpha_h = p.k_IP3R * p.Kd_inh * (ip3 + p.Kd_IP3_1) / (ip3 + p.Kd_IP3_2)
    beta_h = p.k_IP3R * calc
    j_pump = p.rate_SERCA * calc**2 / (p.Km_SERCA**2 + calc**2)
    m_inf = ip3 / (ip3 + p.Kd_IP3_1)
    n_inf = calc / (calc + p.Kd_act)
    calc_er = (p.Ca_tot - calc) / p.ratio_ER_cyt
    j_leak = p.ratio_ER_cyt * p.rate_L * (calc_er - calc)
    j_channel = p.ratio_ER_cyt * p.rate_IP3R * m_inf**3 * n_inf**3 * h**3 * (calc_er - calc)
    d_ip3 = (p.IP3_0 - ip3) / p.tau_IP3
    d_ca = j_channel - j_pump + j_leak
    d_h = alpha_h * (1.0 - h) - beta_h * h
    return d_ip3, d_ca, d_h


def li_rinzel_rest(
    ip3: Float[ArrayLike, "*units"], params: LiRinzel, iterations: int = 64
) -> tuple[Float[Array, "*units"], Float[Array, "*units"]]:
    r"""The resting (Ca, h) of the (Ca, h) subsystem at a fixed IP3 (µM).

    On the h-nullcline $h = h_\infty(C) = Q / (Q + C)$, $Q = K_{inh} (I + K_{IP3,1}) /
    (I + K_{IP3,2})$, the calcium rate $g(C) = \dot C(C, h_\infty(C))$ is positive at
    $C = 0$ (leak from a full ER) and negative at $C = C_{tot}$ (empty ER, pump on); the
    root is found by `iterations` bisection steps (64 reach the last bit in float64). With
    NEST's parameters the root is unique; for IP3 in the oscillatory window it is the
    unstable focus the limit cycle surrounds.

    **Returns:** `(ca, h)`, shaped like `ip3`.
    """
    p = params
    ip3 = jnp.asarray(ip3, p.IP3_0.dtype)
    q = p.Kd_inh * (ip3 + p.Kd_IP3_1) / (ip3 + p.Kd_IP3_2)
    rate = lambda c: li_rinzel_rhs(ip3, c, q / (q + c), p)[1]

    def bisect(_, bounds):
        low, high = bounds
        mid = 0.5 * (low + high)
        above = rate(mid) > 0  # the root lies above mid
        return jnp.where(above, mid, low), jnp.where(above, high, mid)

    low, high = lax.fori_loop(
        0, iterations, bisect, (jnp.zeros_like(ip3), jnp.broadcast_to(p.Ca_tot, ip3.shape))
    )
    ca = 0.5 * (low + high)
    return ca, q / (q + ca)


def slow_inward_current(ca: Float[ArrayLike, "*units"], params: LiRinzel) -> Float[Array, "*units"]:
    """NEST's slow inward current (pA, before `sic_scale`) at calcium `ca` (µM):
    `SIC_scale * ln(y)` where `y = (ca - SIC_th) * 1000 > 1` (calcium in nM above the
    threshold), else 0.
    """
    y = (jnp.asarray(ca) - params.SIC_th) * 1000.0
    return params.SIC_scale * jnp.log(jnp.maximum(y, 1.0))  # ln(1) = 0 at and below y = 1

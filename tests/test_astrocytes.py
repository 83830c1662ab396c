"""LiRinzel (NEST's astrocyte_lr_1994) against independent references: NEST's parameter table,
a plain NumPy transcription of NEST's equations, SciPy's root finder and stiff ODE solver, and
closed forms for the input and output laws."""

import math
import re

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from jaxglia import LiRinzel, LiRinzelState, li_rinzel_rhs


# NEST's defaults and units, copied by hand from nest/nest-simulator
# models/astrocyte_lr_1994.cpp (`Parameters_::Parameters_()`, commit cafe1e6f72c5) and the
# parameter table of models/astrocyte_lr_1994.h. Initial state: `State_::State_()`.
NEST_TABLE = {
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
NEST_INITIAL = {"Ca_astro": 0.073, "h_IP3R": 0.793}

IP3_OSCILLATING = 0.5  # µM; the clamped (Ca, h) subsystem oscillates for ~0.3545-0.64 µM


def numpy_rhs(ip3, ca, h, p):
    """NEST's `astrocyte_lr_1994_dynamics` (without J_noise), transcribed into NumPy."""
    calc = np.clip(ca, 0.0, p["Ca_tot"])
    alpha = p["k_IP3R"] * p["Kd_inh"] * (ip3 + p["Kd_IP3_1"]) / (ip3 + p["Kd_IP3_2"])
    beta = p["k_IP3R"] * calc
    j_pump = p["rate_SERCA"] * calc**2 / (p["Km_SERCA"] ** 2 + calc**2)
    m_inf = ip3 / (ip3 + p["Kd_IP3_1"])
    n_inf = calc / (calc + p["Kd_act"])
    calc_er = (p["Ca_tot"] - calc) / p["ratio_ER_cyt"]
    j_leak = p["ratio_ER_cyt"] * p["rate_L"] * (calc_er - calc)
    j_channel = p["ratio_ER_cyt"] * p["rate_IP3R"] * (m_inf * n_inf * h) ** 3 * (calc_er - calc)
    d_ip3 = (p["IP3_0"] - ip3) / p["tau_IP3"]
    return d_ip3, j_channel - j_pump + j_leak, alpha * (1.0 - h) - beta * h


def numpy_sic(ca, sic_scale_nest, sic_th):
    """NEST's update(): calc_thr = (Ca - SIC_th) * 1000; SIC = log(calc_thr) * SIC_scale if
    calc_thr > 1 else 0."""
    calc_thr = (np.asarray(ca, np.float64) - sic_th) * 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(calc_thr > 1.0, np.log(calc_thr) * sic_scale_nest, 0.0)


def nest_defaults():
    return {name: value for name, (value, _) in NEST_TABLE.items()}


def scipy_rest(ip3, p):
    """Resting (Ca, h) at fixed IP3 by brentq on the h-nullcline, from the NumPy rhs."""
    q = p["Kd_inh"] * (ip3 + p["Kd_IP3_1"]) / (ip3 + p["Kd_IP3_2"])
    ca = brentq(lambda c: numpy_rhs(ip3, c, q / (q + c), p)[1], 0.0, p["Ca_tot"], xtol=1e-16)
    return ca, q / (q + ca)


def run(model, state, currents):
    """Step `model` over `currents` (time x units); record (ip3, ca, h, count, output)."""

    def body(state, current):
        state, output = model.step(state, current)
        return state, (state.ip3, state.ca, state.h, state.count, output)

    return eqx.filter_jit(lambda m, s, c: lax.scan(body, s, c))(model, state, currents)[1]


@eqx.filter_jit
def step(model, state, current):
    return model.step(state, current)


def crossing_times(ca, dt, threshold):
    """Upward crossings of `threshold` by samples `ca` taken at t = dt, 2 dt, ...
    (linear interpolation)."""
    ca = np.asarray(ca, np.float64)
    k = np.nonzero((ca[:-1] < threshold) & (ca[1:] >= threshold))[0]
    return dt * (k + 1) + dt * (threshold - ca[k]) / (ca[k + 1] - ca[k])


def documented_parameters():
    """The class docstring's parameter table: name -> (default, unit)."""
    table = {}
    for line in LiRinzel.__doc__.splitlines():
        row = re.fullmatch(r"\s*\| `(\w+)` \| ([^|]+) \| ([^|]+) \|.*", line)
        if row:
            table[row[1]] = (float(row[2]), row[3].strip().replace("·", "*"))
    return table


def test_parameters_and_units_are_nests():
    # The documented table (names, defaults, units) is NEST's, and so is the documented
    # initial state; the model's defaults are the table's values.
    assert documented_parameters() == NEST_TABLE
    doc = " ".join(LiRinzel.__doc__.split())
    assert f"values {NEST_INITIAL['Ca_astro']} µM and {NEST_INITIAL['h_IP3R']}" in doc
    model = LiRinzel()
    for name, (value, _) in NEST_TABLE.items():
        assert getattr(model, name) == np.float32(value), name
    with jax.enable_x64(True):
        model = LiRinzel()
        for name, (value, _) in NEST_TABLE.items():
            assert getattr(model, name).dtype == jnp.float64
            assert float(getattr(model, name)) == value, name


def test_rhs_matches_numpy_transcription(strict_dtypes):
    rng = np.random.default_rng(0)
    ip3 = rng.uniform(0.0, 3.0, 200)
    ca = rng.uniform(-0.2, 2.5, 200)  # includes values NEST clamps
    h = rng.uniform(0.0, 1.0, 200)
    with jax.enable_x64(True):
        ours = li_rinzel_rhs(jnp.asarray(ip3), jnp.asarray(ca), jnp.asarray(h), LiRinzel())
        reference = numpy_rhs(ip3, ca, h, nest_defaults())
        for a, b in zip(ours, reference):
            np.testing.assert_allclose(np.asarray(a), b, rtol=1e-13, atol=1e-20)


def test_rest_is_a_fixed_point(strict_dtypes):
    p = nest_defaults()
    with jax.enable_x64(True):
        model = LiRinzel()
        ip3 = jnp.asarray([0.0, 0.16, 0.3, IP3_OSCILLATING, 1.0, 5.0])
        # The initial state is the exact rest at IP3 = IP3_0.
        rests = [LiRinzel(IP3_0=float(i)).init_state(1) for i in ip3]
        ca = jnp.concatenate([rest.ca for rest in rests])
        h = jnp.concatenate([rest.h for rest in rests])
        reference = np.array([scipy_rest(float(i), p) for i in ip3])
        np.testing.assert_allclose(np.asarray(ca), reference[:, 0], rtol=1e-13)
        np.testing.assert_allclose(np.asarray(h), reference[:, 1], rtol=1e-13)
        _, d_ca, d_h = li_rinzel_rhs(ip3, ca, h, model)
        # Flux scale: rate_SERCA = 9e-4 uM/ms; the residual is rounding.
        assert float(jnp.max(jnp.abs(d_ca))) < 1e-17
        assert float(jnp.max(jnp.abs(d_h))) < 1e-18
    # NEST's initial values are this resting point, rounded.
    ca0, h0 = scipy_rest(p["IP3_0"], p)
    assert abs(ca0 - NEST_INITIAL["Ca_astro"]) < 1e-3 and abs(h0 - NEST_INITIAL["h_IP3R"]) < 1e-3


def test_rest_is_stationary_without_input(strict_dtypes):
    model = LiRinzel()
    state = model.init_state(4)
    assert state.ip3.dtype == jnp.float32 and state.count.shape == ()
    np.testing.assert_allclose(np.asarray(model.membrane(state)), 0.0722218, rtol=1e-6)
    ip3, ca, h, _, output = run(model, state, jnp.zeros((10_000, 4), jnp.float32))
    for x, x0 in ((ip3, state.ip3), (ca, state.ca), (h, state.h)):
        assert float(jnp.max(jnp.abs(x / x0[None] - 1.0))) <= 1e-6
    assert not bool(jnp.any(output))  # resting Ca is below SIC_th: no SIC


@pytest.mark.parametrize("x64, tolerance", [(False, 1e-5), (True, 1e-6)])
def test_period_matches_scipy(x64, tolerance, strict_dtypes):
    # IP3 clamped (tau_IP3 = inf) in the oscillatory window; both runs start from NEST's
    # initial (Ca, h). Periods from upward crossings of Ca = 0.25 uM, after 100 s.
    p = nest_defaults() | {"IP3_0": IP3_OSCILLATING, "tau_IP3": np.inf}
    start = (NEST_INITIAL["Ca_astro"], NEST_INITIAL["h_IP3R"])
    threshold, duration = 0.25, 150_000.0

    def rhs(t, y):
        return numpy_rhs(IP3_OSCILLATING, y[0], y[1], p)[1:]

    def crossing(t, y):
        return y[0] - threshold

    crossing.direction = 1.0
    reference = solve_ivp(
        rhs, (0.0, duration), start, method="LSODA", rtol=1e-10, atol=1e-13, events=crossing
    )
    assert reference.success
    t_ref = reference.t_events[0]
    periods_ref = np.diff(t_ref[t_ref > 100_000.0 - 12_000.0])
    assert abs(periods_ref.mean() / 1000.0 - 11.49) < 0.01  # seconds

    with jax.enable_x64(x64):
        model = LiRinzel(IP3_0=IP3_OSCILLATING, tau_IP3=jnp.inf, step_ms=10.0)
        dtype = model.IP3_0.dtype
        fill = lambda x: jnp.full((1,), x, dtype)
        state = LiRinzelState(
            fill(IP3_OSCILLATING), fill(start[0]), fill(start[1]), fill(0.0), jnp.zeros((), int)
        )
        steps = int(duration / 10.0)
        ip3, ca, _, _, _ = run(model, state, jnp.zeros((steps, 1), dtype))
        assert bool(jnp.all(ip3 == IP3_OSCILLATING))
    t = crossing_times(ca[:, 0], 10.0, threshold)
    periods = np.diff(t[t > 100_000.0 - 12_000.0])
    assert len(periods) == len(periods_ref) >= 3
    np.testing.assert_allclose(periods, periods_ref, rtol=tolerance)


def test_multirate_equals_coarse_steps(strict_dtypes):
    every, blocks = 4, 250
    rng = np.random.default_rng(1)
    currents = rng.normal(0.5, 1.0, (every * blocks, 3)).astype(np.float32)
    fine = LiRinzel(IP3_0=0.3, every=every)
    coarse = LiRinzel(IP3_0=0.3, step_ms=10.0 * every)
    ip3, ca, h, count, out = run(fine, fine.init_state(3), jnp.asarray(currents))
    # The rectified input summed over each block, in the order the fine model sums it.
    summed = np.maximum(currents, 0.0).reshape(blocks, every, 3)
    block_drive = summed[:, 0]
    for i in range(1, every):
        block_drive = block_drive + summed[:, i]
    ip3_c, ca_c, h_c, _, out_c = run(coarse, coarse.init_state(3), jnp.asarray(block_drive))

    np.testing.assert_array_equal(np.asarray(count), np.arange(1, every * blocks + 1) % every)
    updated = np.arange(every * blocks) % every == every - 1
    for x, x_c in ((ip3, ip3_c), (ca, ca_c), (h, h_c), (out, out_c)):
        x = np.asarray(x)
        held = np.concatenate([x[:1], x[:-1]])  # value before each step
        assert np.array_equal(x[~updated], held[~updated])  # frozen between updates
        assert not np.array_equal(x[updated], held[updated])
        # Bit-identical on CPU (jax 0.10.2); a tolerance in case another backend fuses differently.
        np.testing.assert_allclose(x[updated], np.asarray(x_c), rtol=1e-6, atol=0)
    assert float(jnp.max(ip3)) > 0.4  # the drive did move the state


def test_drive_raises_ip3_by_delta_ip3_times_current(strict_dtypes):
    with jax.enable_x64(True):
        model = LiRinzel(drive_scale=1.7)
        state = model.init_state(6)
        current = jnp.asarray([0.0, 0.5, 2.0, 30.0, -1.0, -1e3])
        driven, _ = step(model, state, current)
        idle, _ = step(model, state, jnp.zeros(6))
        expected = 0.0002 * 1.7 * np.maximum(np.asarray(current), 0.0)
        np.testing.assert_allclose(np.asarray(driven.ip3 - idle.ip3), expected, rtol=1e-12)
        # The increment follows the integration (NEST's order): Ca and h are untouched now.
        assert bool(jnp.all(driven.ca == idle.ca) & jnp.all(driven.h == idle.h))
        assert bool(jnp.all(driven.ip3[4:] == idle.ip3[4:]))  # negative current: nothing


def test_ip3_follows_its_closed_form_under_sustained_drive(strict_dtypes):
    # IP3 obeys a linear ODE; RK4 multiplies its excess by r = sum_k (-z)^k / k!, k <= 4,
    # z = step_ms / tau_IP3, then the input adds delta_IP3 * drive_scale * x.
    with jax.enable_x64(True):
        model = LiRinzel()
        x = np.array([0.0, 0.4, 1.0, 1.6])
        steps = 3000
        ip3 = run(model, model.init_state(4), jnp.broadcast_to(jnp.asarray(x), (steps, 4)))[0]
        z = 10.0 / 7142.0
        r = 1.0 - z + z**2 / 2 - z**3 / 6 + z**4 / 24
        k = np.arange(1, steps + 1)[:, None]
        expected = 0.16 + 0.0002 * 2.4 * x * (1.0 - r**k) / (1.0 - r)
        np.testing.assert_allclose(np.asarray(ip3), expected, rtol=1e-11)
    # A sustained current of 1 holds IP3 at ~0.50 uM, inside the oscillatory window.
    assert abs(0.16 + 0.0002 * 2.4 / (1.0 - math.exp(-z)) - 0.503) < 1e-3


def test_output_is_nests_slow_inward_current(strict_dtypes):
    sic_th = 0.19669
    ca = np.array([0.0, 0.1, sic_th, sic_th + 0.0005, sic_th + 0.001, sic_th + 0.0011, 0.3, 0.45])
    with jax.enable_x64(True):
        state = LiRinzelState(
            jnp.full(8, 0.16), jnp.asarray(ca), jnp.full(8, 0.7), jnp.zeros(8), jnp.zeros((), int)
        )
        # The SIC law itself, on exactly these calcium values: with `every=2` the first step
        # holds the state, and with `sic_scale=1` the output is the SIC of the held calcium.
        held, direct = step(LiRinzel(sic_scale=1.0, SIC_scale=1.3, every=2), state, jnp.zeros(8))
        np.testing.assert_array_equal(np.asarray(held.ca), ca)
        np.testing.assert_allclose(np.asarray(direct), numpy_sic(ca, 1.3, sic_th), rtol=1e-13)
        direct = np.asarray(direct)
        assert np.all(direct[:4] == 0.0) and np.all(direct[5:] > 0.0)
        assert direct[4] < 1e-12  # y = 1 nM above threshold, up to rounding: ln(1) = 0
        # The step outputs sic_scale * SIC of the updated calcium.
        model = LiRinzel(sic_scale=0.1, SIC_scale=1.3)
        new, output = step(model, state, jnp.zeros(8))
        expected = 0.1 * numpy_sic(np.asarray(new.ca), 1.3, sic_th)
        np.testing.assert_allclose(np.asarray(output), expected, rtol=1e-13)
        assert np.all(np.asarray(output) >= 0.0)


def test_new_parameter_values_do_not_recompile():
    traces = 0

    @eqx.filter_jit
    def one_step(model, state, current):
        nonlocal traces
        traces += 1
        return model.step(state, current)

    for ip3_0 in (0.16, 0.3, 0.5):
        model = LiRinzel(IP3_0=ip3_0, sic_scale=ip3_0, step_ms=ip3_0 * 20)
        one_step(model, model.init_state(3), jnp.ones(3))
    assert traces == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"every": 0},
        {"substeps": 0},
        {"Ca_tot": 0.0},
        {"tau_IP3": -1.0},
        {"SIC_scale": 0.0},
        {"drive_scale": -0.1},
        {"step_ms": 200.0},  # RK4 step beyond 100 ms
        {"step_ms": 50.0, "every": 4},
    ],
)
def test_invalid_parameters_raise(changes):
    with pytest.raises(ValueError):
        LiRinzel(**changes)


def test_valid_large_update_with_substeps():
    LiRinzel(step_ms=50.0, every=4, substeps=2)  # RK4 step 100 ms: allowed


def test_state_stays_physical_under_any_current(strict_dtypes):
    # The reservoir steps every population model over all units, so neuron and padding
    # currents (any sign, any size) also pass through this model: nothing may blow up.
    model = LiRinzel()
    rng = np.random.default_rng(2)
    scales = np.array([0.1, 1.0, 10.0, 1e3], np.float32)
    currents = (rng.standard_normal((2000, 4)) * scales).astype(np.float32)
    ip3, ca, h, _, output = run(model, model.init_state(4), jnp.asarray(currents))
    assert bool(jnp.all(jnp.isfinite(ip3)) & jnp.all(jnp.isfinite(output)))
    assert bool(jnp.all((ca >= 0.0) & (ca <= 2.0)) & jnp.all((h >= 0.0) & (h <= 1.0)))
    assert bool(jnp.all(output >= 0.0))

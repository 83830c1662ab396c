import dataclasses
import json

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import jaxglia
from jaxglia import (
    SYSTEMS,
    double_scroll,
    generate,
    largest_lyapunov_exponent,
    lorenz,
    lorenz_vector_field,
    mackey_glass,
    narma10,
    rk4_step,
    rossler,
)


# The initial states of the NG-RC reference scripts (Gauthier et al. 2021), written out.
NGRC_LORENZ_INITIAL = (17.67715816276679, 12.931379185960404, 43.91404334248268)
NGRC_DOUBLE_SCROLL_INITIAL = (0.37926545, 0.058339, -0.08167691)


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


# Independent right-hand sides, written from the published equations in plain NumPy.


def lorenz_rhs(_, s, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = s
    return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]


def rossler_rhs(_, s, a=0.2, b=0.2, c=5.7):
    x, y, z = s
    return [-y - z, x + a * y, b + z * (x - c)]


def double_scroll_rhs(_, s):
    # As in the NG-RC reference code: `ir` there already includes the factor 2 of the sinh.
    r1, r2, r4, alpha, ir = 1.2, 3.44, 0.193, 11.6, 2 * 2.25e-5
    dv = s[0] - s[1]
    g = dv / r2 + ir * np.sinh(alpha * dv)
    return [s[0] / r1 - g, g - s[2], s[1] - r4 * s[2]]


RHS = {
    "lorenz": lorenz_rhs,
    "lorenz-ngrc": lorenz_rhs,
    "rossler": rossler_rhs,
    "double-scroll": double_scroll_rhs,
}
GENERATORS = {
    "lorenz": lorenz,
    "lorenz-ngrc": lorenz,
    "rossler": rossler,
    "double-scroll": double_scroll,
}


def dop853(rhs, initial, times, rtol=1e-12, atol=1e-12):
    sol = solve_ivp(rhs, (0.0, times[-1]), initial, t_eval=times, method="DOP853", rtol=rtol,
                    atol=atol)  # fmt: skip
    return sol.y.T


# --------------------------------------------------------------------------- RK4


def test_rk4_step_is_the_classical_scheme(x64):
    # On y' = λy one step multiplies by the degree-4 Taylor polynomial of exp(hλ).
    lam, h = -1.3, 0.2
    z = h * lam
    expected = 1.0 + z + z**2 / 2 + z**3 / 6 + z**4 / 24
    one = rk4_step(lambda _, y: lam * y, jnp.asarray(1.0), h)
    np.testing.assert_allclose(float(one), expected, rtol=1e-15)
    # Any pytree, and `args` reach every stage.
    pair = rk4_step(
        lambda _, y, k: (k * y[0], k * y[1]), (jnp.asarray(1.0), jnp.asarray(2.0)), h, lam
    )
    np.testing.assert_allclose(
        [float(pair[0]), float(pair[1])], [expected, 2 * expected], rtol=1e-15
    )
    # The nodes c = 0, 1/2, 1/2, 1: y' = t from 0 is integrated exactly (y(h) = h²/2).
    np.testing.assert_allclose(float(rk4_step(lambda c, _: c * h, jnp.asarray(0.0), h)), h**2 / 2)
    # A precomputed first stage is used as is.
    given = rk4_step(lambda _, y: lam * y, jnp.asarray(1.0), h, k1=jnp.asarray(lam))
    assert float(given) == float(one)


# --------------------------------------------------------------------------- Lorenz


@eqx.filter_jit
def lorenz_before_substeps(num_steps, *, dt=0.01, transient=1000, initial=(1.0, 1.0, 1.0)):
    """`lorenz` as it was before `substeps` existed (a verbatim copy of its body)."""
    dtype = jnp.result_type(float)
    state0 = jnp.asarray(initial, dtype)
    dt = jnp.asarray(dt, dtype)
    field = lambda _, s: lorenz_vector_field(s, 10.0, 28.0, 8.0 / 3.0)

    def body(state, _):
        return rk4_step(field, state, dt), state

    _, states = lax.scan(body, state0, None, length=transient + num_steps)
    return states[transient:]


def test_lorenz_default_is_unchanged():
    # Same graph, same shapes: bit-identical (float32, the default).
    np.testing.assert_array_equal(np.asarray(lorenz(500)), np.asarray(lorenz_before_substeps(500)))
    np.testing.assert_array_equal(
        np.asarray(lorenz(50, dt=0.02, transient=3, substeps=1)),
        np.asarray(lorenz_before_substeps(50, dt=0.02, transient=3)),
    )


def test_lorenz_substeps_equal_finer_steps(x64):
    # k substeps per sample is lorenz at dt/k sampled every k-th step, transient included.
    k, dt, n, transient = 4, 0.02, 300, 7
    coarse = np.asarray(lorenz(n, dt=dt, transient=transient, substeps=k))
    fine = np.asarray(lorenz(n * k, dt=dt / k, transient=transient * k))[::k]
    # The same floating-point operations in the same order; 1e-12 allows XLA to fuse the loop
    # body differently (measured 3e-14 on CPU).
    np.testing.assert_allclose(coarse, fine, rtol=0, atol=1e-12)


def test_lorenz_ngrc_is_more_accurate_than_the_ngrc_rk23(x64):
    # The NG-RC reference code integrates with SciPy RK23 at default tolerances. Over the
    # first 2 time units from its initial state, against DOP853 at 1e-12: RK23 errs by ~0.6,
    # RK4 with 5 substeps by ~7e-6.
    spec = SYSTEMS["lorenz-ngrc"]
    steps = 81
    times = np.arange(steps) * spec.dt
    ref = dop853(lorenz_rhs, NGRC_LORENZ_INITIAL, times)
    rk23 = solve_ivp(lorenz_rhs, (0.0, times[-1]), NGRC_LORENZ_INITIAL, t_eval=times,
                     method="RK23").y.T  # fmt: skip
    ours = np.asarray(generate("lorenz-ngrc", steps)[1])
    error_rk4 = np.abs(ours - ref).max()
    error_rk23 = np.abs(rk23 - ref).max()
    assert error_rk4 < 3e-5, error_rk4
    assert error_rk4 < 1e-3 * error_rk23, (error_rk4, error_rk23)


# --------------------------------------------------------------------------- ODEs vs SciPy

# (system, time window, tolerance). Each window is short enough that chaos amplifies the RK4
# error only a little (λ·T ≤ 2); the tolerance is ~3x the maximum error measured at the
# default dt and substeps (lorenz 1.8e-4 at dt 0.01, one RK4 step per sample, over 2 time
# units; lorenz-ngrc 7e-6; rossler 3.6e-5 over 20; double-scroll 5.5e-8 over 10).
ODE_CASES = (
    ("lorenz", 2.0, 5e-4),
    ("lorenz-ngrc", 2.0, 3e-5),
    ("rossler", 20.0, 1e-4),
    ("double-scroll", 10.0, 3e-7),
)


@pytest.mark.parametrize("name, duration, tolerance", ODE_CASES)
def test_ode_agrees_with_solve_ivp(x64, name, duration, tolerance):
    spec = SYSTEMS[name]
    # Start on the attractor: the state after the default transient.
    start = np.asarray(generate(name, 1)[1][0])
    steps = int(round(duration / spec.dt)) + 1
    params = {**spec.parameters, "initial": start}
    generator = GENERATORS[name]
    ours = np.asarray(generator(steps, dt=spec.dt, transient=0, substeps=spec.substeps, **params))
    assert ours.dtype == np.float64
    ref = dop853(RHS[name], start, np.arange(steps) * spec.dt)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=tolerance)


def test_double_scroll_initial_state_and_equations_match_ngrc(x64):
    # From the NG-RC initial state, with the NG-RC form of the equations (ir = 2 * 2.25e-5).
    times = np.arange(41) * 0.25
    ref = dop853(double_scroll_rhs, NGRC_DOUBLE_SCROLL_INITIAL, times)
    ours = np.asarray(generate("double-scroll", 41)[1])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=3e-7)  # measured 6e-8


# --------------------------------------------------------------------------- Mackey-Glass

TAU, BETA_MG, GAMMA_MG, N_MG, X0_MG = 17.0, 0.2, 0.1, 10, 1.2


def mackey_glass_reference(t_end, rtol=1e-12, atol=1e-12):
    """Method of steps: DOP853 on each delay interval [kτ, (k+1)τ], the delayed term taken from
    the dense output of the previous interval (the constant history on the first)."""
    pieces = []
    start = 0.0
    while start < t_end:
        previous = pieces[-1] if pieces else None

        def rhs(t, x, previous=previous):
            delayed = X0_MG if previous is None else previous.sol(t - TAU)[0]
            return [BETA_MG * delayed / (1 + delayed**N_MG) - GAMMA_MG * x[0]]

        x_start = X0_MG if previous is None else previous.sol(start)[0]
        pieces.append(solve_ivp(rhs, (start, start + TAU), [x_start], method="DOP853",
                                rtol=rtol, atol=atol, dense_output=True))  # fmt: skip
        start += TAU

    def evaluate(times):
        out = np.empty(len(times))
        index = np.minimum((times // TAU).astype(int), len(pieces) - 1)
        for k, piece in enumerate(pieces):
            mask = index == k
            if mask.any():
                out[mask] = piece.sol(times[mask])[0]
        return out

    return evaluate


@pytest.fixture(scope="module")
def mg_reference():
    return mackey_glass_reference(400.0)


def test_mackey_glass_agrees_with_method_of_steps(x64, mg_reference):
    # 400 time units at the defaults (dt 1, h = 0.1, constant history 1.2, no transient).
    # Measured: max error 3.4e-9; the reference agrees with itself at 1e-13 to 3e-11.
    times = np.arange(401.0)
    ours = np.asarray(mackey_glass(401, transient=0))
    assert ours.shape == (401, 1) and ours.dtype == np.float64
    np.testing.assert_allclose(ours[:, 0], mg_reference(times), rtol=0, atol=1e-8)


def test_mackey_glass_fourth_order(x64, mg_reference):
    # Max error over [0, 100] for h = 1/2 ... 1/16: log-log slope 4.00 (linear interpolation
    # of the delayed half-step value, or ignoring the slope jump at t = 0, gives 2.0).
    times = np.arange(101.0)
    ref = mg_reference(times)
    hs, errors = [], []
    for substeps in (2, 4, 8, 16):
        ours = np.asarray(mackey_glass(101, transient=0, substeps=substeps))[:, 0]
        hs.append(1.0 / substeps)
        errors.append(np.abs(ours - ref).max())
    slope = np.polyfit(np.log(hs), np.log(errors), 1)[0]
    assert 3.8 < slope < 4.2, (slope, errors)


def test_mackey_glass_refuses_off_grid_delay():
    with pytest.raises(ValueError, match="substeps"):
        mackey_glass(10, dt=0.3, substeps=1)
    with pytest.raises(ValueError, match="`dt`"):
        mackey_glass(10, dt=jnp.asarray(1.0))


# --------------------------------------------------------------------------- NARMA-10


def narma10_loop(u, transient):
    """The textbook recursion y(t+1) = 0.3 y(t) + 0.05 y(t) Σ_{i=0}^{9} y(t-i)
    + 1.5 u(t-9) u(t) + 0.1, with zeros before t = 0, transcribed as a plain loop."""
    u = [float(v) for v in u]
    total = len(u)
    y = [0.0] * (total + 1)  # y[t] for t = 0..total; y(0) = 0
    at = lambda seq, i: seq[i] if i >= 0 else 0.0
    for t in range(total):
        window = sum(at(y, t - i) for i in range(10))
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * window + 1.5 * at(u, t - 9) * u[t] + 0.1
    # Target for input u(t) is y(t+1), the first output that depends on u(t).
    return np.asarray(y[1:])[transient:]


def test_narma10_matches_the_definition(x64):
    transient, steps = 50, 400
    key = jr.key(11)
    u, y = narma10(steps, key, transient=transient)
    assert u.shape == y.shape == (steps, 1) and y.dtype == jnp.float64
    # The inputs are the U(0, 0.5) draws of `key`, after the transient.
    all_u = np.asarray(jr.uniform(key, (transient + steps,), jnp.float64, 0.0, 0.5))
    np.testing.assert_array_equal(np.asarray(u[:, 0]), all_u[transient:])
    np.testing.assert_allclose(np.asarray(y[:, 0]), narma10_loop(all_u, transient), rtol=1e-12)


def test_narma10_target_depends_on_current_input(x64):
    # Alignment: y[t] moves with u[t] (through 1.5 u[t-9] u[t]) and not with u[t+1].
    u = np.random.default_rng(0).uniform(0, 0.5, 60)
    t = 30
    bumped = u.copy()
    bumped[t] += 0.1
    base, moved = narma10_loop(u, 0), narma10_loop(bumped, 0)
    np.testing.assert_array_equal(base[:t], moved[:t])
    assert moved[t] != base[t]


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_generate_shapes_dtypes_determinism(name):
    spec = SYSTEMS[name]
    # Plain keys, not the `getkey` fixture: splitting 10,000 keys costs seconds per dtype mode.
    key = jr.key(7)
    inputs, series = generate(name, 64, key=key)
    again_inputs, again_series = generate(name, 64, key=key)
    assert inputs.shape == series.shape == (64, spec.dim)
    assert inputs.dtype == series.dtype == jnp.float32
    assert np.all(np.isfinite(np.asarray(series)))
    np.testing.assert_array_equal(np.asarray(inputs), np.asarray(again_inputs))
    np.testing.assert_array_equal(np.asarray(series), np.asarray(again_series))
    if spec.autonomous:
        assert inputs is series
    else:
        assert not np.array_equal(np.asarray(inputs), np.asarray(series))
    json.dumps(dataclasses.asdict(spec))  # provenance must be serialisable


def test_generate_defaults_match_the_generators():
    np.testing.assert_array_equal(np.asarray(generate("lorenz", 100)[0]), np.asarray(lorenz(100)))
    ngrc = lorenz(100, dt=0.025, transient=0, substeps=5, initial=NGRC_LORENZ_INITIAL)
    np.testing.assert_array_equal(np.asarray(generate("lorenz-ngrc", 100)[0]), np.asarray(ngrc))
    np.testing.assert_array_equal(
        np.asarray(generate("mackey-glass", 30, transient=5)[0]),
        np.asarray(mackey_glass(30, transient=5)),
    )


def test_generate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="lorenz-ngrc.*narma10|narma10.*lorenz-ngrc"):
        generate("lorenz96", 10)
    with pytest.raises(ValueError, match="`key`"):
        generate("narma10", 10)
    with pytest.raises(ValueError, match="`dt`"):
        generate("narma10", 10, dt=0.5, key=jr.key(0))


# --------------------------------------------------------------------------- Lyapunov

# (system, samples). Benettin estimates at these lengths (float64): lorenz 0.904, rossler
# 0.0740 (at 2,000 time units; 0.0710 at 40,000), double-scroll 0.0907, mackey-glass 0.00548.
LYAPUNOV_CASES = (
    ("lorenz", 20_000),
    ("rossler", 20_000),
    ("double-scroll", 20_000),
    ("mackey-glass", 5_000),
)


@pytest.mark.parametrize("name, num_steps", LYAPUNOV_CASES)
def test_registry_lyapunov_exponent_matches_benettin(x64, name, num_steps):
    estimate = largest_lyapunov_exponent(name, num_steps)
    expected = SYSTEMS[name].lyapunov_exponent
    assert expected is not None
    # 7%: the spread of finite-time estimates at these lengths (up to 4% for Rössler).
    assert abs(estimate / expected - 1) < 0.07, (estimate, expected)


def test_lyapunov_refuses_driven_system():
    with pytest.raises(ValueError, match="narma10"):
        largest_lyapunov_exponent("narma10")


def test_mackey_glass_off_grid_dt_is_refused_with_values_that_work():
    # The dt values the refusal suggests put the delay on the RK4 grid: they generate.
    import re

    for dt in (3.0, 0.3, 0.07):
        with pytest.raises(jaxglia.ConfigError) as error:
            generate("mackey-glass", 5, dt=dt)
        assert error.value.option == "dt"
        suggested = re.search(r"e\.g\. ([\d.]+)(?: or ([\d.]+))?\)", str(error.value))
        assert suggested, error.value
        for value in filter(None, suggested.groups()):
            series = np.asarray(generate("mackey-glass", 5, dt=float(value))[0])
            assert np.isfinite(series).all()

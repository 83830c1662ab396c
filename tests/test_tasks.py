import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import jaxglia


SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def lorenz_rhs(_, s):
    x, y, z = s
    return [SIGMA * (y - x), x * (RHO - z) - y, x * y - BETA * z]


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def test_agrees_with_solve_ivp(x64):
    # Two time units from (1, 1, 1) (no transient), against a tight DOP853 solution. The
    # RK4 global error at dt = 0.001 is ~1e-9 here; chaos amplifies it only ~e^{0.9 t}.
    dt, steps = 0.001, 2000
    traj = np.asarray(jaxglia.lorenz(steps, dt=dt, transient=0))
    assert traj.dtype == np.float64
    t = np.arange(steps) * dt
    ref = solve_ivp(lorenz_rhs, (0, t[-1]), [1.0, 1.0, 1.0], t_eval=t, method="DOP853",
                    rtol=1e-12, atol=1e-12).y.T  # fmt: skip
    np.testing.assert_allclose(traj, ref, rtol=0, atol=1e-6)


def test_fourth_order_convergence(x64):
    # Error at t = 1 against solve_ivp, for halving dt: log-log slope ~ 4.
    ref = solve_ivp(lorenz_rhs, (0, 1.0), [1.0, 1.0, 1.0], method="DOP853", rtol=1e-13,
                    atol=1e-13).y[:, -1]  # fmt: skip
    dts = np.array([0.005, 0.0025, 0.00125, 0.000625])  # the asymptotic regime
    errors = []
    for dt in dts:
        n = int(round(1.0 / dt))
        traj = np.asarray(jaxglia.lorenz(n + 1, dt=dt, transient=0))
        errors.append(np.linalg.norm(traj[n] - ref))
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert 3.7 < slope < 4.3, (slope, errors)


def test_fixed_points_are_stationary(x64):
    c = np.sqrt(BETA * (RHO - 1))
    for point in ([0.0, 0.0, 0.0], [c, c, RHO - 1], [-c, -c, RHO - 1]):
        traj = np.asarray(jaxglia.lorenz(50, dt=0.01, transient=0, initial=point))
        np.testing.assert_allclose(traj, np.broadcast_to(point, traj.shape), atol=1e-9)


def test_task_split_and_normalisation():
    task = jaxglia.lorenz_task(1000, washout=100, train_fraction=0.8)
    assert task.num_train == 720 and task.num_test == 180
    train = np.asarray(task.inputs[100:820])
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(train.std(axis=0), 1, rtol=1e-4)
    # Target is the input one step later.
    np.testing.assert_array_equal(np.asarray(task.targets[:-1]), np.asarray(task.inputs[1:]))
    raw = np.asarray(jaxglia.lorenz(1001))
    np.testing.assert_allclose(
        np.asarray(task.inputs) * np.asarray(task.std) + np.asarray(task.mean), raw[:1000],
        rtol=1e-5, atol=1e-4,
    )  # fmt: skip


def test_horizon():
    task = jaxglia.lorenz_task(500, horizon=3, washout=50)
    np.testing.assert_array_equal(np.asarray(task.targets[:-3]), np.asarray(task.inputs[3:]))


def test_dtype_default_float32():
    assert jaxglia.lorenz(10).dtype == jnp.float32


def test_split_is_refused_exactly_when_a_part_is_empty():
    # Against the arithmetic itself: a split is accepted iff round(f * (T - w)) training
    # samples and the rest for testing are both >= 1; a refusal naming the washout gives the
    # largest washout that works, which must then be accepted (and one more refused).
    import re

    ridge = jaxglia.RidgeReadout()
    make = lambda t, w, f: jaxglia.Experiment(steps=t, washout=w, train_fraction=f, readout=ridge)
    for steps in (2, 3, 5, 12):
        for fraction in (0.1, 0.5, 0.8, 0.97):
            for washout in range(steps):
                kept = steps - washout
                train = int(round(fraction * kept))
                if 1 <= train <= kept - 1:
                    make(steps, washout, fraction)
                    continue
                with pytest.raises(jaxglia.ConfigError) as error:
                    make(steps, washout, fraction)
                bound = re.search(r"must be <= (\d+)", str(error.value))
                if error.value.option == "washout":
                    assert bound, error.value
                    make(steps, int(bound[1]), fraction)
                    assert int(bound[1]) < washout
                else:  # no washout would do: the fraction is named
                    assert error.value.option == "train_fraction", error.value
                    assert all(not 1 <= round(fraction * k) <= k - 1 for k in range(1, steps + 1))

"""NG-RC and ESN baselines against independent references: a NumPy transcription of the NG-RC
paper's script, scikit-learn's ridge, NumPy loops, eigenvalues, and exactly representable maps."""

import itertools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from sklearn.linear_model import Ridge

import jaxglia
from jaxglia import (
    ESN,
    esn_forecast,
    fit_esn,
    fit_ngrc,
    fit_ridge_validated,
    ngrc_features,
    ngrc_forecast,
    ngrc_protocol,
    nrmse,
    run_baselines,
)


# The NG-RC paper's warm-up times (REFERENCES.md §3a): `ngrc_protocol`'s defaults.
PAPER_WARMUP_TIMES = (5.0, 15.0, 25.0, 35.0, 45.0, 55.0, 65.0, 75.0, 85.0, 95.0)

# One Lorenz length for every float32 test: `lorenz` compiles once per number of samples
# (`lorenz_task(n, horizon=h)` integrates n + h samples).
TASK_SAMPLES = 1501


def short_task(horizon: int = 1) -> jaxglia.Task:
    return jaxglia.lorenz_task(TASK_SAMPLES - horizon, washout=100, horizon=horizon)


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


# --------------------------------------------------------------------------------------
# NG-RC
# --------------------------------------------------------------------------------------


def numpy_ngrc_features(inputs, k, s):
    """[1, u_t, u_{t-s}, ..., products i <= j], straight from the paper's definition."""
    rows = []
    for t in range((k - 1) * s, inputs.shape[0]):
        linear = np.concatenate([inputs[t - j * s] for j in range(k)])
        quadratic = [a * b for a, b in itertools.combinations_with_replacement(linear, 2)]
        rows.append(np.concatenate([[1.0], linear, quadratic]))
    return np.asarray(rows)


@pytest.mark.parametrize("k, s", [(2, 1), (3, 2), (1, 1)])
def test_ngrc_features_match_numpy(k, s):
    inputs = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    features = np.asarray(ngrc_features(inputs, k, s))
    expected = numpy_ngrc_features(inputs, k, s)
    linear = 3 * k
    assert features.shape == (30 - (k - 1) * s, 1 + linear + linear * (linear + 1) // 2)
    if (k, s) == (2, 1):
        assert features.shape[1] == 28  # the paper's count for Lorenz-63
    np.testing.assert_allclose(features, expected, rtol=1e-6)


def lorenz_rhs(t, y):
    return [10.0 * (y[1] - y[0]), y[0] * (28.0 - y[2]) - y[1], y[0] * y[1] - 8.0 / 3.0 * y[2]]


PAPER_INITIAL = [17.67715816276679, 12.931379185960404, 43.91404334248268]


def paper_solution(maxtime, dt=0.025):
    """As the reference script: RK23 (default tolerances), t_eval = linspace(0, maxtime,
    round(maxtime / dt) + 1), so the sampling step is slightly above dt and differs per window."""
    num = round(maxtime / dt)
    t_eval = np.linspace(0, maxtime, num + 1)
    return solve_ivp(lorenz_rhs, (0, maxtime), PAPER_INITIAL, t_eval=t_eval, method="RK23").y


def reference_window_nrmse(y, warmup, dt=0.025, k=2, ridge_param=2.5e-6):
    """`find_err` of LorenzConstLinQuadraticNVARtimedelayNRMSE-RK23.py (quantinfo/
    ng-rc-paper-code), transcribed line by line; `y` is its `lorenz_soln.y`, shape (3, time).

    One change: `np.linalg.solve` instead of `np.linalg.pinv`. NumPy 2's pinv cutoff
    (1e-15 of the largest eigenvalue, ~2.5e9 here) sits at the penalty 2.5e-6 and truncates
    one direction: pinv gives 2.06e-3 mean NRMSE, the exact ridge 2.11e-3 (REFERENCES.md).
    """
    traintime, lyaptime = 10.0, 1.104
    maxtime = warmup + traintime + lyaptime
    warmup_pts, traintime_pts = round(warmup / dt), round(traintime / dt)
    warmtrain_pts = warmup_pts + traintime_pts
    testtime_pts = lyaptime_pts = round(lyaptime / dt)
    maxtime_pts = round(maxtime / dt)
    d = 3
    dlin = k * d
    dtot = 1 + dlin + dlin * (dlin + 1) // 2
    x = np.zeros((dlin, maxtime_pts))
    for delay in range(k):
        for j in range(delay, maxtime_pts):
            x[d * delay : d * (delay + 1), j] = y[:, j - delay]
    out_train = np.ones((dtot, traintime_pts))
    out_train[1 : dlin + 1, :] = x[:, warmup_pts - 1 : warmtrain_pts - 1]
    cnt = 0
    for row in range(dlin):
        for column in range(row, dlin):
            out_train[dlin + 1 + cnt] = (
                x[row, warmup_pts - 1 : warmtrain_pts - 1]
                * x[column, warmup_pts - 1 : warmtrain_pts - 1]
            )
            cnt += 1
    delta = x[0:d, warmup_pts:warmtrain_pts] - x[0:d, warmup_pts - 1 : warmtrain_pts - 1]
    gram = out_train @ out_train.T + ridge_param * np.identity(dtot)
    w_out = np.linalg.solve(gram, out_train @ delta.T).T
    total_var = np.var(y[0:d, :])
    out_test = np.ones(dtot)
    x_test = np.zeros((dlin, testtime_pts))
    x_test[:, 0] = x[:, warmtrain_pts - 1]
    for j in range(testtime_pts - 1):
        out_test[1 : dlin + 1] = x_test[:, j]
        cnt = 0
        for row in range(dlin):
            for column in range(row, dlin):
                out_test[dlin + 1 + cnt] = x_test[row, j] * x_test[column, j]
                cnt += 1
        x_test[d:dlin, j + 1] = x_test[0 : (dlin - d), j]
        x_test[0:d, j + 1] = x_test[0:d, j] + w_out @ out_test[:]
    truth = x[0:d, warmtrain_pts - 1 : warmtrain_pts + lyaptime_pts - 1]
    return np.sqrt(np.mean((truth - x_test[0:d, 0:lyaptime_pts]) ** 2) / total_var)


def test_ngrc_protocol_reproduces_paper(x64):
    # float64 is needed: the raw-unit features have condition number ~6e7 (1.7e7 even with
    # scaled columns) against a penalty of 2.5e-6. In float32 the per-window NRMSE is off by
    # up to a factor 3 (window at 55: 16e-3 instead of 5.1e-3).
    solutions = [paper_solution(w + 10.0 + 1.104) for w in PAPER_WARMUP_TIMES]
    result = ngrc_protocol([y.T for y in solutions])
    expected = np.array(
        [reference_window_nrmse(y, w) for y, w in zip(solutions, PAPER_WARMUP_TIMES)]
    )
    # Same ridge, solved through the SVD here and by `solve` there: the closed loop amplifies
    # the ~1e-9 relative weight differences of this ill-conditioned fit to ~4e-5 relative.
    np.testing.assert_allclose(result["nrmse"], expected, rtol=1e-3)
    mean = result["nrmse"].mean()
    assert 1e-3 <= mean <= 4e-3  # REFERENCES.md §3a: 2.11e-3 +- 0.45e-3 (SEM)
    assert mean == pytest.approx(2.11e-3, abs=0.01e-3)
    assert 0.7e-3 < result["nrmse"].min() and result["nrmse"].max() < 5.2e-3


def test_ngrc_protocol_valid_time_on_one_trajectory(x64):
    # One RK23 trajectory sampled at exactly dt, long enough for 20 Lyapunov times after the
    # last window: REFERENCES.md §3a records VPT ~4.7 Lyapunov times (range 1.5-8.7).
    t_eval = np.arange(round(140.0 / 0.025) + 1) * 0.025
    y = solve_ivp(lorenz_rhs, (0, t_eval[-1]), PAPER_INITIAL, t_eval=t_eval, method="RK23").y
    result = ngrc_protocol(y.T)
    assert result["valid_time"].mean() == pytest.approx(4.7, abs=0.1)
    assert 1e-3 <= result["nrmse"].mean() <= 4e-3


@pytest.mark.parametrize("predict_difference", [False, True])
def test_ngrc_ridge_matches_sklearn(x64, predict_difference):
    # The constant feature is an ordinary (penalised) column, as in the paper: scikit-learn
    # with fit_intercept=False on the same 28 features is the same estimator.
    task = jaxglia.lorenz_task(600, washout=50, dt=0.02)
    inputs, targets = np.asarray(task.inputs), np.asarray(task.targets)
    alpha = 1e-3
    model = fit_ngrc(inputs, targets, k=2, s=1, alpha=alpha, predict_difference=predict_difference)
    features = np.asarray(ngrc_features(inputs, 2, 1))
    regressed = targets[1:] - inputs[1:] if predict_difference else targets[1:]
    reference = Ridge(alpha=alpha, fit_intercept=False, solver="cholesky").fit(features, regressed)
    np.testing.assert_allclose(np.asarray(model.weights), reference.coef_.T, rtol=1e-7, atol=1e-9)
    prediction = reference.predict(features) + (inputs[1:] if predict_difference else 0.0)
    np.testing.assert_allclose(np.asarray(model.predict(inputs)), prediction, atol=1e-9)


def test_ngrc_forecast_reproduces_a_linear_map():
    # x_{t+1} = A x_t (a slow rotation in the x-y plane, a decay in z) lies exactly in the
    # NG-RC model class (the linear part), so the closed loop must follow the true orbit.
    angle = 0.1
    a = np.array(
        [[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0],
         [0.0, 0.0, 0.99]]
    )  # fmt: skip
    states = [np.array([1.0, 0.0, 0.5])]
    for _ in range(600):
        states.append(a @ states[-1])
    states = np.asarray(states, np.float32)
    train, test = states[:201], states[200:]
    model = fit_ngrc(train[:-1], train[1:], k=2, s=1, alpha=1e-9, predict_difference=True)
    forecast = np.asarray(ngrc_forecast(model, train[:-1], 400))
    # 400 steps, ~6 rotations: float32 rounding per step accumulates only linearly.
    np.testing.assert_allclose(forecast, test[:400], atol=1e-5)


def test_ngrc_forecast_step_matches_teacher_forced_prediction():
    inputs = short_task().inputs[:400]
    model = fit_ngrc(inputs[:-1], inputs[1:], k=3, s=2, alpha=1e-4)
    teacher = model.predict(inputs)  # row i predicts time i + 4 + 1
    for t in (4, 100, 399):
        one = ngrc_forecast(model, inputs[t - 4 : t + 1], 1)[0]
        np.testing.assert_allclose(np.asarray(one), np.asarray(teacher[t - 4]), rtol=1e-6)


def test_ngrc_validation_choices():
    # The driver's split (shares its compilation): one delay tap reaches into the washout.
    task = short_task()
    end = task.washout + task.num_train
    inputs, targets = task.inputs[task.washout - 1 : end], task.targets[task.washout - 1 : end]
    one_step = fit_ngrc(inputs, targets, predict_difference=True)
    forecast = fit_ngrc(inputs, targets, predict_difference=True, validate_forecast=True)
    # One-step validation takes a tiny penalty; closed-loop validation a larger, stable one.
    assert float(forecast.alpha) > float(one_step.alpha)
    horizon = task.num_test
    error = ngrc_forecast(forecast, task.inputs[: end + 1], horizon) - task.targets[end:]
    assert float(jnp.max(jnp.abs(error[:100]))) < 0.05


def test_ngrc_protocol_warns_in_float32():
    with pytest.warns(UserWarning, match="x64"), pytest.raises(ValueError, match="samples"):
        ngrc_protocol(np.zeros((100, 3), np.float32))


def test_ngrc_argument_errors():
    with pytest.raises(ValueError, match="`k`"):
        ngrc_features(np.zeros((10, 3)), 0, 1)
    model = fit_ngrc(np.ones((10, 3)), np.ones((10, 3)), k=3, s=2, alpha=1.0)
    with pytest.raises(ValueError, match="warmup_inputs"):
        ngrc_forecast(model, np.ones((4, 3)), 5)


# --------------------------------------------------------------------------------------
# Echo state network
# --------------------------------------------------------------------------------------


def numpy_esn(esn, inputs, num_forecast):
    """Teacher-forced predictions over `inputs`, then a closed loop, as plain NumPy loops."""
    w, w_in, b = (np.asarray(x, np.float64) for x in (esn.recurrent, esn.input_weights, esn.bias))
    w_out, c, a = np.asarray(esn.readout), np.asarray(esn.intercept), float(esn.leak_rate)
    state = np.zeros(w.shape[0])
    teacher = []
    for u in inputs:
        state = (1 - a) * state + a * np.tanh(w @ state + w_in @ u + b)
        teacher.append(np.concatenate([state, u]) @ w_out + c)
    forecast, u = [], teacher[-1]
    for _ in range(num_forecast):
        forecast.append(u)
        state = (1 - a) * state + a * np.tanh(w @ state + w_in @ u + b)
        u = np.concatenate([state, u]) @ w_out + c
    return np.asarray(teacher), np.asarray(forecast)


@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
def test_esn_matches_numpy_loop(getkey, leak_rate):
    # The driver's sizes and split, so that the compilations are shared.
    task = short_task()
    end = task.washout + task.num_train
    inputs, targets = task.inputs[:end], task.targets[:end]
    esn = ESN(3, size=100, leak_rate=leak_rate, key=getkey())
    esn = fit_esn(esn, inputs, targets, washout=task.washout)
    teacher, forecast = numpy_esn(esn, np.asarray(inputs, np.float64), task.num_test)
    np.testing.assert_allclose(np.asarray(esn.predict(inputs)), teacher, atol=2e-5)
    # float32 against float64: the closed loop amplifies rounding (by ~1e3 over 100 steps), so
    # compare its first 40 steps.
    closed = np.asarray(esn_forecast(esn, inputs, task.num_test))
    np.testing.assert_allclose(closed[:40], forecast[:40], atol=1e-4)


def test_esn_readout_is_fit_ridge_validated(x64, getkey):
    # The same estimator, validation split and choice as `fit_ridge_validated`; only the solver
    # differs (SVD, not Cholesky), so in float64 they agree.
    task = short_task()
    end = task.washout + task.num_train
    inputs, targets = task.inputs[:end], task.targets[:end]
    esn = fit_esn(ESN(3, size=50, key=getkey()), inputs, targets, washout=task.washout)
    features = jnp.concatenate([esn.states(inputs), inputs], axis=1)[task.washout :]
    weights, bias, alpha = fit_ridge_validated(features, targets[task.washout :])
    assert float(esn.alpha) == float(alpha)
    np.testing.assert_allclose(
        np.asarray(esn.predict(inputs)[task.washout :]),
        np.asarray(features @ weights + bias[None, :]),
        atol=1e-9,
    )


def test_esn_spectral_radius_and_density(getkey):
    for radius in (0.9, 1.3):
        esn = ESN(3, size=100, spectral_radius=radius, density=0.1, key=getkey())
        eigenvalues = np.linalg.eigvals(np.asarray(esn.recurrent, np.float64))
        assert np.max(np.abs(eigenvalues)) == pytest.approx(radius, rel=1e-5)  # float32 entries
        # 10000 Bernoulli(0.1) draws: standard deviation of the fraction 0.003.
        assert np.mean(np.asarray(esn.recurrent) != 0) == pytest.approx(0.1, abs=0.015)


@pytest.mark.parametrize("leak_rate", [1.0, 0.3])
def test_esn_echo_state_property(getkey, leak_rate):
    esn = ESN(3, size=100, leak_rate=leak_rate, key=getkey())
    inputs = short_task().inputs[:1000]
    first, second = (jr.uniform(getkey(), (esn.size,), minval=-1.0, maxval=1.0) for _ in range(2))
    states_first, states_second = esn.states(inputs, first), esn.states(inputs, second)
    gap = np.max(np.abs(np.asarray(states_first - states_second)), axis=1)
    assert gap[0] > 0.1
    # Contraction per step <= (1 - a) + a * 0.9: 1e-6 after ~130 (a = 1) or ~450 (a = 0.3) steps.
    assert np.all(gap[700:] < 1e-6)


def test_esn_forecast_of_a_perfect_readout(getkey):
    # A readout that ignores the state and applies x -> A x: the closed loop is A^t x exactly,
    # which pins the feedback alignment (the first output predicts the sample after warm-up).
    a = np.array([[0.99, -0.1], [0.1, 0.99]], np.float32)
    readout = np.zeros((22, 2), np.float32)
    readout[20:] = a.T
    esn = eqx.tree_at(lambda e: e.readout, ESN(2, size=20, key=getkey()), jnp.asarray(readout))
    warmup = np.array([[0.3, 0.0], [1.0, 0.5]], np.float32)
    expected, x = [], warmup[-1]
    for _ in range(50):
        x = a @ x
        expected.append(x)
    np.testing.assert_allclose(np.asarray(esn_forecast(esn, warmup, 50)), expected, atol=1e-5)


def test_esn_argument_errors(getkey):
    for name, kwargs in [
        ("density", dict(density=0.0)),
        ("leak_rate", dict(leak_rate=1.5)),
        ("size", dict(size=0)),
        ("spectral_radius", dict(spectral_radius=-1.0)),
    ]:
        with pytest.raises(ValueError, match=f"`{name}`"):
            ESN(3, key=getkey(), **kwargs)


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def test_run_baselines_on_a_short_lorenz_task(getkey):
    task = short_task()
    key = getkey()
    ngrc, esn = run_baselines(task, lyapunov_time_steps=110.4, key=key, esn_size=100)
    assert (ngrc["model"], esn["model"]) == ("ngrc", "esn")
    assert ngrc["num_features"] == 28 and esn["num_features"] == 103
    # One step of dt = 0.01 in z-scored units: persistence alone scores ~0.06.
    assert ngrc["test_nrmse"] < 1e-3
    assert esn["test_nrmse"] < 0.05
    # Closed loop from the start of the test split (280 samples, 2.5 Lyapunov times). NG-RC
    # stays valid throughout (forecast RMS ~2e-3); a small float32 ESN for ~90 steps.
    assert ngrc["valid_steps"] == task.num_test and ngrc["forecast_nrmse"] < 0.01
    assert esn["valid_steps"] >= 20 and np.isfinite(esn["forecast_nrmse"])
    for row in (ngrc, esn):
        assert row["valid_time"] == pytest.approx(row["valid_steps"] / 110.4, rel=1e-6)
        assert row["fit_seconds"] > 0
    # The driver's split, recomputed by hand: fit on inputs[washout - 1 : washout + num_train]
    # (one delay tap reaches into the washout) with the reported penalty, test on the rest.
    end = task.washout + task.num_train
    model = fit_ngrc(
        task.inputs[task.washout - 1 : end],
        task.targets[task.washout - 1 : end],
        alpha=ngrc["alpha"],
        predict_difference=True,
    )
    manual = nrmse(model.predict(task.inputs[end - 1 :]), task.targets[end:])
    assert ngrc["test_nrmse"] == pytest.approx(float(manual), rel=1e-5)
    # Determinism: the same key gives the same numbers (timings aside).
    again = run_baselines(task, lyapunov_time_steps=110.4, key=key, esn_size=100)
    for first, second in zip((ngrc, esn), again):
        first, second = dict(first), dict(second)
        first.pop("fit_seconds"), second.pop("fit_seconds")
        assert first == second


def test_run_baselines_without_forecast(getkey):
    task = short_task(horizon=3)
    with pytest.raises(ValueError, match="next-step"):
        run_baselines(task, lyapunov_time_steps=None, key=getkey(), forecast=True)
    rows = run_baselines(task, lyapunov_time_steps=None, key=getkey(), esn_size=100)
    for row in rows:
        assert math.isnan(row["valid_time"]) and math.isnan(row["forecast_nrmse"])
        assert row["test_nrmse"] < 0.05


def test_esn_determinism(getkey):
    key = getkey()
    first, second = ESN(3, size=100, key=key), ESN(3, size=100, key=key)
    other = ESN(3, size=100, key=getkey())
    assert jax.tree_util.tree_all(
        jax.tree_util.tree_map(
            lambda x, y: bool(jnp.array_equal(x, y, equal_nan=True)), first, second
        )
    )
    assert not np.array_equal(np.asarray(first.recurrent), np.asarray(other.recurrent))

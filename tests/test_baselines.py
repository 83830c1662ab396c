"""NG-RC and ESN baselines against independent references: a NumPy transcription of the NG-RC
paper's script, scikit-learn's ridge, NumPy loops, eigenvalues, and exactly representable maps."""

import itertools
import json
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
    with jax.enable_x64(True):
        yield


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


def test_ngrc_forecast_validation_falls_back_when_no_forecast_holds():
    # White noise cannot be forecast: every penalty's validation forecast is lost, the closed
    # loop ranks nothing, and the one-step choice is taken (not the range's largest penalty).
    noise = jnp.asarray(np.random.default_rng(0).standard_normal((400, 3)), jnp.float32)
    inputs, targets = noise[:-1], noise[1:]
    forecast = fit_ngrc(inputs, targets, predict_difference=True, validate_forecast=True)
    one_step = fit_ngrc(inputs, targets, predict_difference=True)
    assert float(forecast.alpha) == float(one_step.alpha) < max(jaxglia.RidgeReadout().alphas)


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


# One driver run shared by the tests below (its compilation is most of their cost).
DRIVER = dict(lyapunov_time_steps=110.4, key=jr.key(11), esn_size=100, esn_search_budget=3,
              search_seed=7)  # fmt: skip


@pytest.fixture(scope="module")
def driver_rows():
    return run_baselines(short_task(), **DRIVER)


def test_run_baselines_on_a_short_lorenz_task(driver_rows):
    task = short_task()
    ngrc, esn = driver_rows
    assert (ngrc["model"], esn["model"]) == ("ngrc", "esn")
    assert ngrc["num_features"] == 28 and esn["num_features"] == 103
    # One step of dt = 0.01 in z-scored units: persistence alone scores ~0.06.
    assert ngrc["test_nrmse"] < 1e-3
    assert esn["test_nrmse"] < 0.05
    # Closed loop from the start of the test split: 280 samples (2.5 Lyapunov times), one
    # window, so the cap is the split's length. NG-RC stays valid throughout.
    assert ngrc["windows"] == esn["windows"] == 1
    assert ngrc["valid_time_cap"] == pytest.approx(task.num_test / 110.4)
    assert ngrc["valid_steps"] == task.num_test and ngrc["windows_at_cap"] == 1
    assert ngrc["forecast_nrmse"] < 0.01
    assert esn["valid_steps"] >= 20 and np.isfinite(esn["forecast_nrmse"])
    for row in (ngrc, esn):
        assert row["valid_time"] == pytest.approx(row["valid_steps"] / 110.4, rel=1e-6)
        assert row["fit_seconds"] > 0
        # Every penalty validated inside its range, no edge warning.
        assert not row["alpha_on_edge"] and 0 < row["alpha"] < 1e-4
    # The driver's split, recomputed by hand (float64, as the driver): fit on
    # inputs[washout - 1 : washout + num_train] (one delay tap reaches into the washout) with
    # the reported penalty, test on the rest.
    end = task.washout + task.num_train
    with jax.enable_x64(True):
        inputs, targets = (jnp.asarray(a, jnp.float64) for a in (task.inputs, task.targets))
        model = fit_ngrc(
            inputs[task.washout - 1 : end],
            targets[task.washout - 1 : end],
            alpha=ngrc["alpha"],
            predict_difference=True,
        )
        manual = nrmse(model.predict(inputs[end - 1 :]), targets[end:])
    assert ngrc["test_nrmse"] == pytest.approx(float(manual), rel=1e-9)


def test_run_baselines_without_forecast(getkey):
    task = short_task(horizon=3)
    with pytest.raises(ValueError, match="next-step"):
        run_baselines(task, lyapunov_time_steps=None, key=getkey(), forecast=True)
    rows = run_baselines(
        task, lyapunov_time_steps=None, key=getkey(), esn_size=100, esn_search_budget=1
    )
    for row in rows:
        assert math.isnan(row["valid_time"]) and math.isnan(row["forecast_nrmse"])
        assert row["windows"] == 0
        assert row["test_nrmse"] < 0.05


def test_the_esn_search_is_seeded_and_recorded(driver_rows):
    task = short_task()
    first = driver_rows[1]
    again = run_baselines(task, **DRIVER)[1]
    search = first["search"]
    # Deterministic for a seed (timings aside).
    assert {k: v for k, v in first.items() if k != "fit_seconds"} == {
        k: v for k, v in again.items() if k != "fit_seconds"
    }
    draws = [(t["spectral_radius"], t["leak_rate"], t["input_scaling"]) for t in search["trials"]]
    # The record: budget, seed, the defaults first, then the draws, each inside the space.
    assert search["budget"] == 3 and search["seed"] == 7 and len(search["trials"]) == 4
    assert draws[0] == (0.9, 1.0, 0.1) and len(set(draws)) == 4
    for trial in search["trials"][1:]:
        for name, (low, high) in search["space"].items():
            assert low <= trial[name] <= high
    # The chosen candidate is the best by the recorded scores (most validation valid steps,
    # then least one-step validation NRMSE), and the row reports its parameters.
    ranked = sorted(
        range(4),
        key=lambda i: (-search["trials"][i]["validation_valid_steps"],
                       search["trials"][i]["validation_nrmse"]),
    )  # fmt: skip
    assert search["chosen"] == ranked[0]
    best = search["trials"][search["chosen"]]
    for name in ("spectral_radius", "leak_rate", "input_scaling"):
        assert first[name] == best[name]
    # Refitted on the whole training split with these parameters: the same as by hand.
    with jax.enable_x64(True):
        inputs, targets = (jnp.asarray(a, jnp.float64) for a in (task.inputs, task.targets))
        params = {n: best[n] for n in ("spectral_radius", "leak_rate", "input_scaling")}
        esn = ESN(3, size=100, key=DRIVER["key"], **params)
        end = task.washout + task.num_train
        esn = fit_esn(esn, inputs[:end], targets[:end], washout=task.washout,
                      alpha=first["alpha"])  # fmt: skip
        manual = nrmse(esn.predict(inputs)[end:], targets[end:])
    assert first["test_nrmse"] == pytest.approx(float(manual), rel=1e-6)


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


# --------------------------------------------------------------------------------------
# The penalty search of NG-RC and the ESN
# --------------------------------------------------------------------------------------

# Weights drawn N(0, 1), noise N(0, NOISE^2): the Bayes-optimal penalty is NOISE^2 = 1e-6,
# below the old grid's floor (1e-4); features with directions of small scale make it matter.
NOISE = 1e-3


def sklearn_choice(features, targets, intercept):
    """The penalty rule (least validation error on the last 20 %, ties within 0.1 % going to
    the larger penalty) with scikit-learn's ridge, over `RIDGE_ALPHAS`."""
    alphas = jaxglia.RidgeReadout().alphas
    num_fit = round(0.8 * features.shape[0])
    errors = []
    for a in alphas:
        model = Ridge(alpha=a, fit_intercept=intercept, solver="svd")
        model.fit(features[:num_fit], targets[:num_fit])
        errors.append(np.mean((model.predict(features[num_fit:]) - targets[num_fit:]) ** 2))
    errors = np.asarray(errors)
    return max(a for a, e in zip(alphas, errors) if e <= errors.min() * (1 + 1e-3)), alphas


def assert_found(alpha, expected, alphas):
    assert alpha == pytest.approx(expected, rel=1e-6)
    assert NOISE**2 / 100 <= alpha <= NOISE**2 * 100 and alpha < 1e-4  # near the optimum
    assert min(alphas) < alpha < max(alphas)  # interior: no edge warning


def test_ngrc_penalty_search_finds_a_small_optimum(x64):
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((600, 8)) * np.logspace(0, -2.5, 8)  # monomials down to 1e-5
    features = np.asarray(ngrc_features(inputs, 1, 1))  # 1 + 8 + 36 columns
    targets = features @ rng.standard_normal((45, 2)) + NOISE * rng.standard_normal((600, 2))
    model = fit_ngrc(inputs, targets, k=1, s=1)  # one-step validation, no intercept
    expected, alphas = sklearn_choice(features, targets, intercept=False)
    assert_found(float(model.alpha), expected, alphas)


def test_esn_penalty_search_finds_a_small_optimum(x64, getkey):
    esn = ESN(3, size=60, key=getkey())
    rng = np.random.default_rng(1)
    inputs = jnp.asarray(short_task().inputs[:700], jnp.float64)
    features = np.asarray(jnp.concatenate([esn.states(inputs), inputs], axis=1))[100:]
    kept = features @ rng.standard_normal((63, 3)) + NOISE * rng.standard_normal((600, 3))
    targets = np.concatenate([np.zeros((100, 3)), kept])  # the washout's targets are unused
    fitted = fit_esn(esn, inputs, targets, washout=100)
    expected, alphas = sklearn_choice(features, kept, intercept=True)
    assert_found(float(fitted.alpha), expected, alphas)


def test_a_narrow_range_reports_its_edge(x64, getkey):
    esn = ESN(3, size=60, key=getkey())
    task = short_task()
    inputs = jnp.asarray(task.inputs[:700], jnp.float64)
    targets = jnp.asarray(task.targets[:700], jnp.float64)
    fitted = fit_esn(esn, inputs, targets, washout=100, alphas=(1.0, 10.0))
    assert float(fitted.alpha) == 1.0  # Lorenz's one-step optimum lies far below
    model = fit_ngrc(inputs, targets, alphas=(1.0, 10.0))
    assert float(model.alpha) == 1.0


# --------------------------------------------------------------------------------------
# Valid time over several windows
# --------------------------------------------------------------------------------------


def numpy_lorenz(initial, num_steps, dt=0.01, rho=28.0):
    """Lorenz-63 by classical RK4 in float64, sampled every dt (one step per sample)."""

    def field(v):
        x, y, z = v
        return np.array([10.0 * (y - x), x * (rho - z) - y, x * y - 8.0 / 3.0 * z])

    states, v = [], np.asarray(initial, np.float64)
    for _ in range(num_steps):
        k1 = field(v)
        k2 = field(v + dt / 2 * k1)
        k3 = field(v + dt / 2 * k2)
        k4 = field(v + dt * k3)
        v = v + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        states.append(v)
    return np.asarray(states)


LYAPUNOV_STEPS = 1.0 / (0.9056 * 0.01)  # 110.4 samples


def test_multi_window_valid_time_of_the_true_integrator():
    series = numpy_lorenz([1.0, 1.0, 1.0], 1700)[500:]  # on the attractor
    inputs, targets, start = series[:-1], series[1:], 400
    scale = series.std(axis=0)
    windows = lambda forecast: jaxglia.valid_time_windows(
        forecast, inputs, targets, start=start, lyapunov_steps=LYAPUNOV_STEPS,
        window_lyapunov_times=2.0, max_windows=10, scale=scale,
    )  # fmt: skip
    # The true integrator: the same RK4 from the last true sample.
    exact = windows(lambda warmup, n: numpy_lorenz(np.asarray(warmup)[-1], n))
    horizon = round(2.0 * LYAPUNOV_STEPS)  # 221 steps; 799 test targets hold 3 windows
    assert exact["window_steps"] == horizon and exact["cap"] == horizon / LYAPUNOV_STEPS
    np.testing.assert_array_equal(exact["starts"], [start, start + horizon, start + 2 * horizon])
    np.testing.assert_array_equal(exact["valid_steps"], [horizon] * 3)  # the cap, each window
    np.testing.assert_allclose(exact["valid_time"], exact["cap"], rtol=1e-6)
    np.testing.assert_allclose(exact["forecast_nrmse"], 0.0, atol=1e-6)  # float32 rounding
    # A perturbed model (rho 28 -> 29) fails before the cap in every window.
    perturbed = windows(lambda warmup, n: numpy_lorenz(np.asarray(warmup)[-1], n, rho=29.0))
    assert np.all(perturbed["valid_time"] < exact["cap"]) and np.all(perturbed["valid_time"] > 0)
    # An error growing as c exp(t / tau) in every variable (in units of its scale) first
    # exceeds 0.4 at step floor(tau ln(0.4 / c)) + 1, in every window.
    c, tau = 1e-3, 20.0
    growing = lambda warmup, n: (
        targets[len(warmup) - 1 : len(warmup) - 1 + n]
        + c * np.exp(np.arange(n) / tau)[:, None] * scale
    )  # fmt: skip
    expected = math.floor(tau * math.log(0.4 / c)) + 1
    np.testing.assert_array_equal(windows(growing)["valid_steps"], [expected] * 3)


def test_multi_window_arguments():
    with pytest.raises(ValueError, match="start"):
        jaxglia.valid_time_windows(lambda w, n: w, np.zeros((5, 3)), np.zeros((5, 3)),
                                   start=5, lyapunov_steps=1.0)  # fmt: skip


# --------------------------------------------------------------------------------------
# `baselines` on a sweep's directory
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a file", "under a file", "empty"])
def test_baselines_refuse_a_bad_out_before_fitting(tmp_path, where):
    (tmp_path / "afile").write_text("mine\n")
    out = {"a file": tmp_path / "afile", "under a file": tmp_path / "afile" / "sub",
           "empty": ""}[where]  # fmt: skip
    with pytest.raises(ValueError, match="--out"):
        jaxglia.baselines(jaxglia.SweepConfig(steps=200, washout=20), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_baselines_take_an_unfinished_sweeps_split(tmp_path):
    from helpers import tiny_config

    out = tmp_path / "sweep"
    cfg = tiny_config(neurons=(8,), astrocytes=(0,), replicates=1, steps=300, washout=30)
    jaxglia.sweep(cfg, out, progress=False, log=lambda m: None)
    for name in ("run.json", "results.csv", "curves.npz"):  # as if interrupted
        (out / name).unlink()
    recorded = json.loads((out / "sweep.json").read_text())
    # The default config's split differs (3000 steps): refused, naming the option.
    with pytest.raises(jaxglia.ConfigError, match="steps"):
        jaxglia.baselines(jaxglia.SweepConfig(), out)
    assert not (out / "baselines.csv").exists()
    # No config: the sweep's own, read from sweep.json; its fingerprint is recorded.
    table = jaxglia.baselines(None, out, esn_search_budget=2, esn_size=50)
    info = json.loads((out / "baselines.json").read_text())
    assert info["config"]["steps"] == 300 and info["config"]["washout"] == 30
    assert info["task"]["test_samples"] == 54  # round(0.2 * 270)
    assert info["sweep_fingerprint"] == recorded["fingerprint"]
    assert info["esn_search"]["budget"] == 2 and len(info["esn_search"]["trials"]) == 3
    assert info["options"] == {"search_seed": 0, "esn_search_budget": 2, "esn_size": 50}
    assert list(table.model) == ["ngrc", "esn"]
    assert (table.valid_time <= table.valid_time_cap + 1e-12).all()

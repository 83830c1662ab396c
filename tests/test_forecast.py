"""Closed-loop forecasting: the loop, its scores, and the network's forecast."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxglia
from jaxglia import (
    SYSTEMS,
    double_scroll_vector_field,
    feed_back,
    forecast_scores,
    lorenz_vector_field,
    rk4_step,
    rossler_vector_field,
    valid_steps,
)


FIELDS = {
    "lorenz": lambda _, s: lorenz_vector_field(s, 10.0, 28.0, 8.0 / 3.0),
    "lorenz-ngrc": lambda _, s: lorenz_vector_field(s, 10.0, 28.0, 8.0 / 3.0),
    "rossler": lambda _, s: rossler_vector_field(s, 0.2, 0.2, 5.7),
}


@pytest.mark.parametrize("name", ["lorenz", "lorenz-ngrc", "rossler", "double-scroll"])
def test_a_perfect_model_stays_valid_over_the_test_window(name):
    # The true integrator in place of the readout, in the task's normalised units: the
    # forecast never leaves the threshold over the whole test split.
    spec = SYSTEMS[name]
    if name == "double-scroll":
        p = spec.parameters
        field = lambda _, s: double_scroll_vector_field(
            s, p["r1"], p["r2"], p["r4"], p["beta"], p["ir"]
        )
    else:
        field = FIELDS[name]
    task = jaxglia.make_task(name, 2000, washout=100)
    mean, std = task.mean, task.std
    h = spec.dt / spec.substeps

    def true_step(carry, u):
        state = u * std + mean
        for _ in range(spec.substeps):
            state = rk4_step(field, state, h)
        return carry, (state - mean) / std

    split = task.washout + task.num_train
    truth = task.targets[split:]
    forecast = jax.jit(lambda u: feed_back(true_step, (), u, truth.shape[0]))(task.inputs[split])
    steps = int(valid_steps(forecast, truth, jnp.ones(3)))
    assert steps == truth.shape[0]
    error, valid = forecast_scores(forecast, truth, task.lyapunov_steps)
    assert float(error) < 1e-3
    np.testing.assert_allclose(float(valid), truth.shape[0] / task.lyapunov_steps, rtol=1e-6)


def test_valid_steps_counts_to_the_first_excursion():
    truth = jnp.zeros((50, 2))
    forecast = truth.at[30:].set(0.5)  # error 0.5 > 0.4 from step 30
    assert float(valid_steps(forecast, truth, jnp.ones(2))) == 30
    assert float(valid_steps(forecast.at[10].set(jnp.nan), truth, jnp.ones(2))) == 10
    assert float(valid_steps(truth + 0.39, truth, jnp.ones(2))) == 50
    # The scale normalises each variable: an error of 1 in a variable of std 4 is 0.25.
    assert float(valid_steps(truth.at[:, 0].set(1.0), truth, jnp.array([4.0, 1.0]))) == 50
    error, valid = forecast_scores(forecast, truth, lyapunov_steps=20.0)
    assert float(error) == 0.0 and float(valid) == 1.5


@pytest.mark.parametrize("readout", ["ridge", "mlp"])
def test_forecast_starts_where_teacher_forcing_leaves_off(readout):
    # With forecasting on, the teacher-forced metrics are those of the plain run (the run is
    # split at the test start, nothing else changes); the forecast's scores exist.
    cfg = jaxglia.SweepConfig(steps=800, washout=50, epochs=3, readout=readout)
    plain = jaxglia.run_network(20, 30, config=cfg, capacity=50)
    forecast = jaxglia.run_network(20, 30, config=cfg.replace(forecast=True), capacity=50)
    for key in ("test_nrmse", "final_loss", "rate_neurons", "rate_astrocytes"):
        np.testing.assert_allclose(float(forecast[key]), float(plain[key]), rtol=1e-5)
    assert np.isnan(float(plain["valid_time"])) and np.isnan(float(plain["forecast_nrmse"]))
    assert 0 <= float(forecast["valid_time"]) and np.isfinite(float(forecast["forecast_nrmse"]))
    if readout == "ridge":  # a fitted model is valid for a while (3 MLP epochs need not be)
        assert float(forecast["valid_time"]) > 0


@pytest.mark.parametrize(
    "changes, option",
    [
        ({"task": "narma10", "forecast": True}, "forecast"),
        ({"task": "lorenz", "horizon": 3, "forecast": True}, "forecast"),
        ({"task": "narma10", "horizon": 2}, "horizon"),
        ({"task": "narma10", "dt": 0.5}, "dt"),
        ({"task": "lorenzz"}, "task"),
    ],
)
def test_impossible_task_options_are_refused(changes, option):
    with pytest.raises(jaxglia.ConfigError) as error:
        jaxglia.SweepConfig(**changes)
    assert error.value.option == option

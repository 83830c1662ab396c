"""A user's own population, readout, feature kind and task, written here with public names
only, sweep like the built-ins: padded, vmapped, chunked and resumable."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import jaxglia


quiet = dict(progress=False, log=lambda message: None)
METRICS = ["learning_rate", "final_loss", "test_nrmse", "rate_neurons", "rate_astrocytes"]


class AdaptiveLIF(jaxglia.AbstractPopulation):
    """LIF units whose threshold rises by `jump` after each spike and relaxes back."""

    beta: jax.Array
    jump: jax.Array
    relax: jax.Array

    def __init__(self, beta=0.95, jump=0.5, relax=0.9):
        self.beta, self.jump, self.relax = (
            jnp.asarray(x, jnp.float32) for x in (beta, jump, relax)
        )

    def init_state(self, size):
        zeros = jnp.zeros((size,), jnp.float32)
        return (zeros, zeros)

    def step(self, state, current):
        membrane, extra = state
        threshold = 1.0 + extra
        fired = membrane > threshold
        membrane = self.beta * membrane + current - jnp.where(fired, threshold, 0.0)
        spikes = membrane > 1.0 + extra
        extra = self.relax * extra + self.jump * spikes.astype(membrane.dtype)
        return (membrane, extra), spikes

    def membrane(self, state):
        return state[0]


class LeastSquares(jaxglia.AbstractReadout):
    """Penalised least squares by the normal equations (a readout without epochs)."""

    penalty: jax.Array = eqx.field(converter=jnp.asarray, default=1.0)

    @property
    def num_epochs(self):
        return 0

    def fit(self, params, features, targets, *, key):
        mean_x = jnp.mean(features, axis=0, keepdims=True)
        mean_y = jnp.mean(targets, axis=0, keepdims=True)
        x, y = features - mean_x, targets - mean_y
        gram = x.T @ x + self.penalty * jnp.eye(x.shape[1], dtype=x.dtype)
        weights = jnp.linalg.solve(gram, x.T @ y)
        linear = jaxglia.Linear(weights, (mean_y - mean_x @ weights)[0])
        loss = jnp.mean((x @ weights - y) ** 2)
        return jaxglia.Fit(linear, jnp.zeros((0,), features.dtype), loss)


class Sine(jaxglia.AbstractTask):
    """Two sines of incommensurate frequencies: an autonomous two-variable series."""

    frequency: float = eqx.field(static=True, default=0.2)

    def series(self, num_samples, *, key):
        t = jnp.arange(num_samples, dtype=jnp.float32)
        x = jnp.stack([jnp.sin(self.frequency * t), jnp.cos(0.37 * self.frequency * t)], 1)
        return x, x


def small(**changes):
    base = dict(steps=400, washout=40, readout=jaxglia.MLPReadout(16, 6, 32))
    base.update(changes)
    return jaxglia.Experiment(**base)


GRID = jaxglia.Grid(neurons=(0, 8, 16), astrocytes=(0, 8, 24), replicates=2)


def assert_alone_equals_grid(experiment, table, networks):
    # As in test_sweep: padded, vmapped and unpadded runs agree to float rounding.
    for n, a, r in networks:
        row = table[(table.num_neurons == n) & (table.num_astrocytes == a) & (table.replicate == r)]
        alone = jaxglia.run_network(n, a, replicate=r, config=experiment)
        for metric in METRICS:
            expected, got = alone[metric], float(row[metric].iloc[0])
            if np.isnan(expected):
                assert np.isnan(got), (n, a, r, metric)
            else:
                assert got == pytest.approx(expected, rel=1e-4, abs=1e-6), (n, a, r, metric)


@pytest.fixture(scope="module")
def adaptive():
    experiment = small(astrocytes=AdaptiveLIF())
    return experiment, jaxglia.sweep(experiment, grid=GRID, **quiet)


def test_user_population_alone_equals_in_grid(adaptive):
    experiment, result = adaptive
    table = result.results
    assert (table.status == "ok").all()
    assert set(table.capacity) != {int(table.num_units.max())} or len(set(table.capacity)) == 1
    assert_alone_equals_grid(experiment, table, [(8, 24, 1), (0, 8, 0), (16, 8, 0)])
    # The population is really used: astrocyte-only networks differ from the LIF default.
    default = jaxglia.run_network(0, 24, config=small())
    mine = table[(table.num_neurons == 0) & (table.num_astrocytes == 24) & (table.replicate == 0)]
    assert float(mine.test_nrmse.iloc[0]) != pytest.approx(default["test_nrmse"], rel=1e-3)


def test_user_population_padding_changes_nothing(adaptive):
    experiment, _ = adaptive
    alone = jaxglia.run_network(8, 8, config=experiment)
    padded = jaxglia.run_network(8, 8, config=experiment, capacity=40)
    for metric in METRICS:
        assert padded[metric] == pytest.approx(alone[metric], rel=1e-4, abs=1e-6), metric


def test_user_readout_and_task_sweep_like_builtins(tmp_path):
    experiment = small(task=Sine(), readout=LeastSquares())
    result = jaxglia.sweep(experiment, tmp_path / "mine", grid=GRID, **quiet)
    table = result.results
    assert (table.status == "ok").all()
    assert np.isnan(table.learning_rate).all()  # no epochs, no learning rate
    assert result.curves.shape == (len(GRID.networks), 0)
    # Least squares of a sine from a reservoir: far better than predicting the mean.
    assert float(table.test_nrmse.median()) < 0.5
    assert_alone_equals_grid(experiment, table, [(8, 24, 1), (16, 0, 0)])
    info = json.loads((tmp_path / "mine" / "run.json").read_text())
    assert info["config"] is None
    assert info["experiment"]["readout"]["class"].endswith("LeastSquares")
    assert info["experiment"]["task"]["frequency"] == 0.2
    assert "source_sha256" in info["experiment"]["readout"]
    assert info["task"]["system"] == "Sine"
    # The report reads it too, naming the parts; no epochs, so no learning-rate claims.
    text = jaxglia.report(tmp_path / "mine").read_text()
    assert "readout LeastSquares" in text and "task Sine" in text


def test_user_parts_resume_and_fingerprint(tmp_path):
    experiment = small(astrocytes=AdaptiveLIF(), readout=LeastSquares())
    grid = jaxglia.Grid(neurons=(0, 8), astrocytes=(8,), replicates=2)
    out = tmp_path / "run"
    first = jaxglia.sweep(experiment, out, grid=grid, chunk_size=1, block_size=1, **quiet)
    chunks = sorted((out / "chunks").glob("*.npz"))
    chunks[-1].unlink()  # an interrupted sweep: one chunk missing
    (out / "run.json").unlink()
    messages = []
    again = jaxglia.sweep(experiment, out, grid=grid, chunk_size=1, block_size=1, progress=False,
                          log=messages.append)  # fmt: skip
    assert any("resuming: 3 of 4" in m for m in messages)
    pd.testing.assert_frame_equal(again.results, first.results, check_exact=True)
    # Another parameter of the user's population is another sweep: refused in that folder.
    other = small(astrocytes=AdaptiveLIF(jump=0.25), readout=LeastSquares())
    with pytest.raises(ValueError, match="different sweep"):
        jaxglia.sweep(other, out, grid=grid, **quiet)


def test_config_and_experiment_give_the_same_sweep():
    cfg = jaxglia.SweepConfig(neurons=(0, 8), astrocytes=(8,), replicates=1, steps=400, washout=40,
                              epochs=6, hidden=16, batch_size=32)  # fmt: skip
    from_config = jaxglia.sweep(cfg, **quiet)
    experiment = jaxglia.Experiment.from_config(cfg)
    grid = jaxglia.Grid((0, 8), (8,), 1)
    direct = jaxglia.sweep(experiment, grid=grid, **quiet)
    pd.testing.assert_frame_equal(direct.results, from_config.results, check_exact=True)
    assert direct.info["experiment"] == from_config.info["experiment"]
    # A config sweep's fingerprint also covers its options; the CLI names folders by it.
    assert from_config.info["fingerprint"] == cfg.fingerprint()


def test_bad_parts_are_refused_clearly():
    with pytest.raises(TypeError, match="readout"):
        jaxglia.Experiment(readout="mlp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="forecast"):
        jaxglia.Experiment("narma10", forecast=True)
    with pytest.raises(ValueError, match="replicates"):
        jaxglia.Grid((0, 8), (8,), 0)

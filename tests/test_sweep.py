import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_config

import jaxglia


METRICS = ["learning_rate", "final_loss", "test_nrmse", "rate_neurons", "rate_astrocytes"]
quiet = dict(progress=False, log=lambda message: None)


@pytest.fixture(scope="module")
def tiny_sweep():
    return jaxglia.sweep(tiny_config(), **quiet)


def test_grid_edges_run_and_empty_network_is_skipped():
    messages = []
    result = jaxglia.sweep(tiny_config(neurons=(0, 8), astrocytes=(0, 8), replicates=1),
                           progress=False, log=messages.append)  # fmt: skip
    table = result.results
    assert list(zip(table.num_neurons, table.num_astrocytes)) == [(0, 8), (8, 0), (8, 8)]
    # The empty network is left out silently: every default grid holds it by design (#17).
    assert not any("(0, 0)" in m for m in messages)
    assert (table.status == "ok").all()
    assert np.isnan(table.rate_neurons[0]) and np.isnan(table.rate_astrocytes[1])
    assert np.isfinite(table[["learning_rate", "test_nrmse"]].to_numpy()).all()


def test_network_alone_equals_network_in_grid(tiny_sweep):
    # Alone = its exact size, unbatched; in the grid = padded to its bucket and vmapped with
    # other networks. Products of other shapes and batch sizes round differently (float32,
    # ~1e-7 relative per operation), and training (a few hundred Adam steps) carries that
    # along: agreement to 1e-4 relative is float rounding, not a modelling difference.
    cfg = tiny_config()
    table = tiny_sweep.results
    for n, a, r in [(8, 24, 1), (0, 8, 0), (16, 0, 1)]:
        row = table[(table.num_neurons == n) & (table.num_astrocytes == a) & (table.replicate == r)]
        alone = jaxglia.run_network(n, a, replicate=r, config=cfg)
        for metric in METRICS:
            expected, got = alone[metric], float(row[metric].iloc[0])
            if np.isnan(expected):
                assert np.isnan(got)
            else:
                assert got == pytest.approx(expected, rel=1e-4, abs=1e-6), (n, a, r, metric)


def test_batched_sweep_matches_python_loop(tiny_sweep):
    # A plain loop of single-network runs, each padded to the capacity its bucket used.
    cfg = tiny_config()
    table = tiny_sweep.results
    for _, row in table.iloc[::5].iterrows():
        alone = jaxglia.run_network(int(row.num_neurons), int(row.num_astrocytes),
                                    replicate=int(row.replicate), config=cfg,
                                    capacity=int(row.capacity))  # fmt: skip
        for metric in METRICS:
            if not np.isnan(alone[metric]):
                assert float(row[metric]) == pytest.approx(alone[metric], rel=1e-4, abs=1e-6)
    np.testing.assert_array_equal(tiny_sweep.curves[:, -1], table.final_loss.to_numpy(np.float32))


def test_chunk_size_changes_no_bit(tiny_sweep):
    for chunk in (1, 5):
        other = jaxglia.sweep(tiny_config(chunk_size=chunk), **quiet)
        pd.testing.assert_frame_equal(other.results, tiny_sweep.results, check_exact=True)
        np.testing.assert_array_equal(other.curves, tiny_sweep.curves)


@pytest.mark.parametrize(
    "form",
    [
        [],
        ["--connectivity", "sparse"],
        ["--connectivity", "sparse", "--astrocyte-model", "tripartite"],
    ],
    ids=["dense", "sparse", "sparse-tripartite"],
)
def test_four_devices_give_the_same_results_csv(tmp_path, form):
    # Same sweep through the CLI with 1 and with 4 forced host devices: byte-identical CSV,
    # in both forms of the recurrent weights (the sparse one's slot loop, stopping at each
    # network's largest row, inside the devices' shard_map and the block's vmap).
    args = ["--neurons", "0,8", "--astrocytes", "0:16:8", "--replicates", "2", "--steps", "300",
            "--washout", "30", "--epochs", "4", "--hidden", "8", "--batch-size", "32",
            "--no-progress", *form]  # fmt: skip
    outputs = []
    for devices in (1, 4):
        env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}")
        out = tmp_path / f"d{devices}"
        cmd = [sys.executable, "-m", "jaxglia", "sweep", *args, "--out", str(out)]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        info = (out / "run.json").read_text()
        assert info.count("cpu:") == devices
        outputs.append((out / "results.csv").read_bytes())
    assert outputs[0] == outputs[1]


def test_bucket_plan():
    for cfg in (jaxglia.SweepConfig(), jaxglia.preset("paper")):
        buckets = jaxglia.plan_buckets(cfg)
        members = [net for b in buckets for net in b.networks]
        assert sorted(members) == sorted(cfg.grid)  # each network in exactly one bucket
        for b in buckets:
            assert all(n + a <= b.capacity for n, a, _ in b.networks)
            assert b.capacity in {n + a for n, a, _ in b.networks}  # no capacity is wasted
    paper = jaxglia.preset("paper")
    assert len(paper.grid) == 13 * 13 * 5 - 5
    buckets = jaxglia.plan_buckets(paper)
    useful = sum(jaxglia.network_flops(n + a, paper) for n, a, _ in paper.grid)
    done = sum(len(b.networks) * jaxglia.network_flops(b.capacity, paper) for b in buckets)
    assert 1 - useful / done <= 0.15  # the padding target of the paper grid
    one = jaxglia.plan_buckets(paper.replace(buckets=1))
    assert [b.capacity for b in one] == [900]


def test_results_carry_provenance(tiny_sweep, tmp_path):
    info = tiny_sweep.info
    assert info["config"]["seed"] == 0 and info["config"]["neurons"] == [0, 8, 16]
    assert len(info["fingerprint"]) == 16
    assert {"jax", "jaxlib", "equinox", "optax", "numpy", "python"} <= set(info["versions"])
    assert info["devices"] and info["timing"]["compile_s"] > 0
    assert 0 <= info["padding"]["overhead_planned"] < 1
    # The task's generator is recorded: system, parameters, initial state, steps.
    task = info["task"]
    assert task["system"] == "lorenz" and task["dt"] == 0.01 and task["transient"] == 1000
    assert task["parameters"]["rho"] == 28.0 and task["parameters"]["initial"] == [1, 1, 1]
    assert task["lyapunov_time_steps"] == pytest.approx(1 / (0.9056 * 0.01))


def test_python_api_writes_the_three_outputs(tmp_path):
    cfg = tiny_config(neurons=(8,), astrocytes=(8, 16), replicates=1)
    result = jaxglia.sweep(cfg, tmp_path / "out", **quiet)
    for name in ("results.csv", "curves.npz", "run.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(table.columns[:3]) == ["num_neurons", "num_astrocytes", "replicate"]
    np.testing.assert_allclose(table.learning_rate, result.results.learning_rate, rtol=1e-8)
    curves = np.load(tmp_path / "out" / "curves.npz")
    assert curves["curves"].shape == (2, cfg.epochs)
    np.testing.assert_array_equal(curves["num_astrocytes"], [8, 16])


@pytest.mark.parametrize("model", ["synaptic", "tripartite", "li-rinzel"])
def test_every_astrocyte_model_is_invisible_to_padding_and_batching(model):
    # The invariance of the slow LIF, for each other astrocyte model: a network's metrics
    # alone (exact size, unbatched) equal its metrics padded and vmapped inside a grid.
    cfg = tiny_config(neurons=(8,), astrocytes=(8, 20), replicates=1, astrocyte_model=model,
                      forecast=True, buckets=1)  # fmt: skip
    result = jaxglia.sweep(cfg, **quiet)
    table = result.results
    assert (table.status == "ok").all()
    assert (table.capacity == 28).all()  # (8, 8) was padded to 28 units
    lyapunov_steps = 1.0 / (0.9056 * 0.01)
    for _, row in table.iterrows():
        n, a = int(row.num_neurons), int(row.num_astrocytes)
        alone = jaxglia.run_network(n, a, config=cfg)
        for metric in METRICS:
            expected, got = alone[metric], float(row[metric])
            if np.isnan(expected):
                assert np.isnan(got), (model, n, a, metric)
            else:
                assert got == pytest.approx(expected, rel=1e-4, abs=1e-6), (model, n, a, metric)
        np.testing.assert_allclose(row.forecast_nrmse, alone["forecast_nrmse"], rtol=1e-3)
        # Valid time counts steps: rounding may move the first excursion by a step.
        assert abs(row.valid_time - alone["valid_time"]) * lyapunov_steps <= 1.0 + 1e-6

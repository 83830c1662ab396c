"""A reservoir of 20,000 units: sparse (fixed in-degree) wiring, a readout subset, and a
small memory budget (a dense 20,000^2 float32 block alone would be 1.6 GB)."""

import json
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

import jaxglia


N = A = 10_000
IN_DEGREE = 50
BUDGET_MB = 800  # peak resident memory of the whole process, JAX's own ~0.4 GB included


@pytest.mark.usefixtures("strict_dtypes")
def test_twenty_thousand_units_step_as_the_specification_says():
    # Every step of every unit, against a NumPy transcription of the step: the current is
    # W_in u_t plus each unit's K inputs' weights times their outputs of the previous step
    # (gathered in float64), the membrane beta m + I - theta S_prev (LIF, reset by
    # subtraction).
    key = jaxglia.network_key(0, N, A, 0)
    conn = jaxglia.Connectivity(in_degree=IN_DEGREE)  # auto: sparse at this size
    res = jaxglia.make_reservoir(key, N, A, connectivity=conn)
    assert res.recurrent_weights is None and res.synapses.weight.shape == (IN_DEGREE, N + A)
    u = jnp.asarray(np.random.default_rng(0).normal(size=(30, 3)), jnp.float32)
    mem = np.asarray(jaxglia.simulate(res, u).features, np.float64)
    # slot-major (slots, units): transposed to rows of each unit's inputs
    pre, w = np.asarray(res.synapses.pre).T, np.asarray(res.synapses.weight, np.float64).T
    w_in = np.asarray(res.input_weights, np.float64)
    beta = np.where(np.arange(N + A) < N, 0.9, 0.99)
    previous, spikes = np.zeros(N + A), np.zeros(N + A)
    for t in range(u.shape[0]):
        current = w_in @ np.asarray(u[t], np.float64) + (w * spikes[pre]).sum(axis=1)
        expected = beta * previous + current - 1.0 * spikes
        np.testing.assert_allclose(mem[t], expected, atol=2e-4)
        previous, spikes = mem[t], (mem[t] > 1.0).astype(np.float64)
    assert 0.01 < spikes.mean() < 0.9


def test_twenty_thousand_units_run_within_a_small_memory_budget():
    script = textwrap.dedent(f"""
        import json
        import jaxglia
        cfg = jaxglia.SweepConfig(in_degree={IN_DEGREE}, readout_units=200, steps=1000,
                                  washout=20, readout="ridge")
        out = jaxglia.run_network({N}, {A}, config=cfg)
        # VmHWM, this image's own peak: getrusage's ru_maxrss keeps, across exec, the peak
        # of the forked parent (pytest, which may hold gigabytes).
        status = open("/proc/self/status").read().split("VmHWM:")[1].split()
        out["peak_mb"] = int(status[0]) / 1024
        print(json.dumps({{k: v for k, v in out.items() if k != "curve"}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["peak_mb"] < BUDGET_MB, out
    assert out["test_nrmse"] < 0.6, out  # the reservoir computes: a ridge readout predicts
    assert 0 < out["rate_neurons"] < 1 and 0 < out["rate_astrocytes"] < 1, out


def test_readme_large_networks_command_runs(monkeypatch, capsys):
    # The README's "Large networks" block, under JAXGLIA_SMOKE_TEST (sizes capped to 16):
    # its options parse and it prints the metrics it promises.
    import re
    import shlex
    from pathlib import Path

    from jaxglia.cli import main

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    start = text.index("## Large networks\n")
    section = text[start : text.find("\n## ", start + 1)]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    (command,) = [shlex.split(line) for line in re.sub(r"\\\n\s*", " ", block).splitlines()
                  if line.strip()]  # fmt: skip
    assert command[:2] == ["jaxglia", "run"] and "--in-degree" in command
    monkeypatch.setenv("JAXGLIA_SMOKE_TEST", "1")
    assert main(command[1:]) == 0
    assert "test NRMSE" in capsys.readouterr().out

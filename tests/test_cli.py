import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jaxglia.cli import main


TINY = ["--steps", "300", "--washout", "30", "--epochs", "4", "--hidden", "8",
        "--batch-size", "32", "--no-progress"]  # fmt: skip


def cli(*args, cwd=None, env=None, check=False):
    return subprocess.run([sys.executable, "-m", "jaxglia", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, check=check)  # fmt: skip


# (arguments, the option the message must name). Each is rejected before any work.
BAD_SWEEP = [
    (["--neurons", "-5"], "--neurons"),
    (["--neurons", "1.5"], "--neurons"),
    (["--neurons", "a,b"], "--neurons"),
    (["--astrocytes", "16777216"], "--astrocytes"),  # beyond the 24-bit index of the hash
    (["--astrocytes", "200:0:50"], "--astrocytes"),
    (["--astrocytes", "0:200:0"], "--astrocytes"),
    (["--neurons", "0", "--astrocytes", "0"], "--neurons/--astrocytes"),
    (["--neurons", "0:2000", "--astrocytes", "0:2000"], "--neurons/--astrocytes/--replicates"),
    (["--transient", "4294967296"], "--transient"),  # longer than 32-bit time can index
    (["--task", "mackey-glass", "--dt", "3"], "--dt"),  # off the delay's RK4 grid
    (["--beta-neurons", "1.5"], "--beta-neurons"),
    (["--beta-astrocytes", "-0.1"], "--beta-astrocytes"),
    (["--threshold-neurons", "0"], "--threshold-neurons"),
    (["--p-nn", "1.2"], "--p-nn"),
    (["--p", "0"], "--p"),  # named as typed, not as the option it expands to
    (["--steps", "0"], "--steps"),
    (["--epochs", "-1"], "--epochs"),
    (["--batch-size", "0"], "--batch-size"),
    (["--hidden", "0"], "--hidden"),
    (["--washout", "3000"], "--washout"),
    (["--batch-size", "5000"], "--batch-size"),
    (["--replicates", "0"], "--replicates"),
    (["--step-size", "-1"], "--step-size"),
    (["--train-fraction", "1.0"], "--train-fraction"),
    (["--preset", "papr"], "--preset"),
    (["--reset", "hard"], "--reset"),
    (["--task", "lorenz96"], "--task"),
    (["--task", "narma10", "--forecast"], "--forecast"),
    (["--task", "narma10", "--horizon", "2"], "--horizon"),
    (["--horizon", "2", "--forecast"], "--forecast"),
    (["--dt", "0"], "--dt"),
    (["--transient", "-1"], "--transient"),
    (["--astrocyte-model", "gap-junction"], "--astrocyte-model"),
    (["--modulation", "-2"], "--modulation"),
    (["--p-third", "1.5"], "--p-third"),
    (["--pool-size", "0"], "--pool-size"),
    (["--step-ms", "0"], "--step-ms"),
    (["--astrocyte-every", "0"], "--astrocyte-every"),
    # NARMA-10's recursion diverges for this seed's input draw (a few per cent of seeds do).
    (["--task", "narma10", "--seed", "2"], "--seed"),
]


@pytest.mark.parametrize("args, option", BAD_SWEEP)
def test_bad_sweep_options(args, option, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) if _argparse_rejects(args) else _no_exit():
        code = main(["sweep", *args, "--out", str(out), "--no-progress"])
        assert code == 2
    err = capsys.readouterr().err
    assert option in err, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3
    assert not out.exists()


def _argparse_rejects(args):
    # Choices are checked by argparse itself (exit 2 with its usage line).
    return args[0] in ("--preset", "--reset", "--astrocyte-model") or args[:2] == [
        "--task",
        "lorenz96",
    ]


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


BAD_CONFIG = [
    ("neurons = [0, -25]\n", "neurons"),
    ("neuron = [0, 25]\n", "neurons"),  # unknown key: the closest name is suggested
    ("beta_neurons = 2.0\n", "--beta-neurons"),
    ('steps = "many"\n', "steps"),
    ("neurons = [0, 25\n", "--config"),  # not TOML
    ('preset = "fast"\n', "preset"),
]


@pytest.mark.parametrize("text, option", BAD_CONFIG)
def test_bad_config_file(text, option, tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", "--config", str(config), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err, err
    assert not out.exists()


def test_missing_config_and_bad_out(tmp_path, capsys):
    assert main(["sweep", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["sweep", "--out", str(a_file), "--no-progress"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_run_prints_metrics():
    done = cli("run", "--neurons", "8", "--astrocytes", "16", *TINY[:-1], check=True)
    assert "learning rate" in done.stdout and "test NRMSE" in done.stdout
    done = cli("run", "--neurons", "0", "--astrocytes", "0", *TINY[:-1])
    assert done.returncode == 2 and "(0, 0) only" in done.stderr


def test_help_documents_defaults():
    text = cli("sweep", "--help", check=True).stdout
    for option in ("--neurons", "--beta-astrocytes", "--p-na", "--chunk-size", "--config"):
        assert option in text
    assert "default: 0.99" in text


def test_config_file_and_override(tmp_path):
    config = tmp_path / "sweep.toml"
    config.write_text('neurons = "8"\nastrocytes = [0, 8]\nreplicates = 1\nsteps = 300\n'
                      "washout = 30\nepochs = 3\nhidden = 8\nbatch_size = 32\n")  # fmt: skip
    out = tmp_path / "out"
    cli("sweep", "--config", str(config), "--epochs", "4", "--out", str(out), "--no-progress",
        check=True)  # fmt: skip
    import json

    cfg = json.loads((out / "run.json").read_text())["config"]
    assert cfg["neurons"] == [8] and cfg["astrocytes"] == [0, 8] and cfg["epochs"] == 4


def test_different_sweep_in_same_directory_is_refused(tmp_path):
    out = tmp_path / "out"
    grid = ["--neurons", "8", "--astrocytes", "8", "--replicates", "1"]
    cli("sweep", *grid, *TINY, "--out", str(out), check=True)
    again = cli("sweep", *grid, *TINY, "--out", str(out))
    assert again.returncode == 0 and "nothing to compute" in again.stderr
    other = cli("sweep", *grid, *TINY, "--seed", "1", "--out", str(out))
    assert other.returncode == 2 and "--overwrite" in other.stderr
    forced = cli("sweep", *grid, *TINY, "--seed", "1", "--out", str(out), "--overwrite")
    assert forced.returncode == 0


@pytest.mark.slow
def test_killed_sweep_resumes_to_identical_results(tmp_path):
    # Small blocks and chunks make many chunk files; kill -9 once the first exists, resume,
    # then compare with a straight run, byte for byte. Then truncate a chunk file: it must be
    # detected and recomputed, never read.
    grid = ["--neurons", "0,8,16", "--astrocytes", "0,8,16,24", "--replicates", "2",
            "--block-size", "2", "--chunk-size", "2"]  # fmt: skip
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    cli("sweep", *grid, *TINY, "--out", str(straight), check=True)
    proc = subprocess.Popen([sys.executable, "-m", "jaxglia", "sweep", *grid, *TINY,
                             "--out", str(resumed)], stderr=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and not list((resumed / "chunks").glob("*.npz")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (resumed / "results.csv").exists(), "the sweep finished before it was killed"
    finished_before = len(list((resumed / "chunks").glob("*.npz")))
    assert finished_before >= 1
    again = cli("sweep", *grid, *TINY, "--out", str(resumed), check=True)
    assert "resuming" in again.stderr
    assert (resumed / "results.csv").read_bytes() == (straight / "results.csv").read_bytes()

    chunk = sorted((resumed / "chunks").glob("*.npz"))[0]
    chunk.write_bytes(chunk.read_bytes()[:100])
    (resumed / "run.json").unlink()
    fixed = cli("sweep", *grid, *TINY, "--out", str(resumed), check=True)
    assert "damaged" in fixed.stderr
    assert (resumed / "results.csv").read_bytes() == (straight / "results.csv").read_bytes()


def test_diverging_network_is_recorded_not_fatal(tmp_path):
    out = tmp_path / "out"
    done = cli("sweep", "--neurons", "8,16", "--astrocytes", "8", "--replicates", "1",
               "--step-size", "1e6", *TINY, "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    import pandas as pd

    table = pd.read_csv(out / "results.csv")
    assert (table.status == "failed").any(), table
    failed = table[table.status == "failed"]
    assert failed.failure.str.contains("diverged").all()
    assert "failed" in done.stderr
    assert Path(out / "curves.npz").exists()


def test_rerun_from_run_json(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    cli("sweep", "--neurons", "8", "--astrocytes", "0,8", "--replicates", "1", *TINY, "--out",
        str(first), check=True)  # fmt: skip
    cli("sweep", "--config", str(first / "run.json"), "--out", str(second), "--no-progress",
        check=True)  # fmt: skip
    assert (first / "results.csv").read_bytes() == (second / "results.csv").read_bytes()


def test_python_api_rejects_bad_sizes():
    import jaxglia

    with pytest.raises(ValueError, match="num_neurons"):
        jaxglia.make_reservoir(jaxglia.network_key(0, 1, 1, 0), -1, 4)
    with pytest.raises(ValueError, match="num_astrocytes"):
        jaxglia.make_reservoir(jaxglia.network_key(0, 1, 1, 0), 1, 2**24)
    with pytest.raises(ValueError, match="capacity"):
        jaxglia.make_reservoir(jaxglia.network_key(0, 1, 1, 0), 5, 4, capacity=6)
    with pytest.raises(jaxglia.ConfigError, match="neurons"):
        jaxglia.run_network(-3, 4)


@pytest.mark.slow
def test_baselines_share_the_sweep_split_and_reach_the_report(tmp_path):
    out = tmp_path / "sweep"
    grid = ["--neurons", "0,8", "--astrocytes", "0,8", "--replicates", "1", "--forecast"]
    cli("sweep", *grid, *TINY, "--out", str(out), check=True)
    done = cli("baselines", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = (out / "baselines.csv").read_text().splitlines()
    assert table[0].startswith("model,task,test_nrmse,forecast_nrmse,valid_time")
    assert [row.split(",")[0] for row in table[1:]] == ["ngrc", "esn"]
    assert '"steps": 300' in (out / "baselines.json").read_text()  # the sweep's task options
    # Another split than the sweep's is refused, naming the option; nothing is overwritten.
    before = (out / "baselines.csv").read_text()
    bad = cli("baselines", "--out", str(out), "--steps", "500")
    assert bad.returncode == 2 and "--steps" in bad.stderr and "Traceback" not in bad.stderr
    assert (out / "baselines.csv").read_text() == before
    assert cli("report", str(out), check=True).returncode == 0
    text = (out / "report.md").read_text()
    assert "## Baselines on the same split" in text and "| ngrc |" in text


@pytest.mark.slow
def test_report_compares_several_sweeps(tmp_path):
    grid = ["--neurons", "8,16", "--astrocytes", "8,16,32", "--replicates", "1"]
    for model in ("lif", "synaptic"):
        cli("sweep", *grid, *TINY, "--astrocyte-model", model, "--out", str(tmp_path / model),
            check=True)  # fmt: skip
    dirs = [str(tmp_path / "lif"), str(tmp_path / "synaptic")]
    missing = cli("report", *dirs)
    assert missing.returncode == 2 and "--out" in missing.stderr
    done = cli("report", *dirs, "--out", str(tmp_path / "cmp"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cmp" / "models.png").stat().st_size > 0
    assert "| synaptic |" in (tmp_path / "cmp" / "compare.md").read_text()

"""A sweep directory's reliability: outputs heal from the chunks, one writer at a time, a
sweep's identity is its set of networks and its experiment, the recorded plan makes results
independent of the machine and the device count, and files get the user's permissions."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import tiny_config

import jaxglia
from jaxglia.cli import main


TINY = ["--neurons", "0,8", "--astrocytes", "0,8,16", "--replicates", "1", "--steps", "300",
        "--washout", "30", "--epochs", "3", "--hidden", "8", "--batch-size", "32",
        "--no-progress"]  # fmt: skip
OUTPUTS = ("results.csv", "curves.npz", "run.json")


def sweep_cli(out: Path, *extra: str) -> int:
    return main(["sweep", *TINY, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny sweep: its directory and the bytes of its outputs."""
    out = tmp_path_factory.mktemp("finished") / "sweep"
    assert sweep_cli(out) == 0
    return out, {name: (out / name).read_bytes() for name in OUTPUTS}


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("name", [*OUTPUTS, "sweep.json"])
@pytest.mark.parametrize("damage", ["delete", "truncate", "empty"])
def test_a_rerun_restores_every_missing_or_damaged_output(finished, tmp_path, capsys, name,
                                                          damage):  # fmt: skip
    src, original = finished
    out = _copy(src, tmp_path / "sweep")
    path = out / name
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(b"")
    chunks = sorted((out / "chunks").iterdir())
    capsys.readouterr()
    assert sweep_cli(out) == 0
    err = capsys.readouterr().err
    assert "restor" in err  # it says what it rebuilt
    assert (out / "results.csv").read_bytes() == original["results.csv"]
    with np.load(out / "curves.npz") as a, np.load(src / "curves.npz") as b:
        assert set(a.files) == set(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
    info = json.loads((out / "run.json").read_text())
    assert info["fingerprint"] == json.loads((src / "run.json").read_text())["fingerprint"]
    assert json.loads((out / "sweep.json").read_text())["fingerprint"] == info["fingerprint"]
    assert sorted((out / "chunks").iterdir()) == chunks  # nothing recomputed
    # A second rerun finds everything whole.
    assert sweep_cli(out) == 0
    assert "nothing to compute" in capsys.readouterr().err


def test_the_same_sweep_in_another_order_or_with_explicit_defaults_is_the_same_sweep(
    finished, capsys
):
    out, original = finished
    capsys.readouterr()
    same = [a if a != "0,8,16" else "16,0,8,8" for a in TINY]
    assert main(["sweep", *same, "--out", str(out), "--gain-nn", "1.0", "--seed", "0"]) == 0
    assert "nothing to compute" in capsys.readouterr().err
    assert (out / "results.csv").read_bytes() == original["results.csv"]
    # Python: a grid given in another order with duplicates has the same fingerprint.
    cfg = tiny_config()
    shuffled = cfg.replace(neurons=(16, 0, 8, 8), astrocytes=(24, 8, 0))
    assert shuffled.fingerprint() == cfg.fingerprint()


def test_resume_reuses_the_recorded_plan_and_refuses_another(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep_cli(out, "--block-size", "2", "--chunk-size", "2") == 0
    first = (out / "results.csv").read_bytes()
    plan = json.loads((out / "sweep.json").read_text())["plan"]
    assert all(entry["block"] <= 2 for entry in plan)
    # Half the work lost: a resume without the option reuses the recorded block size.
    chunks = sorted((out / "chunks").iterdir())
    for path in chunks[::2]:
        path.unlink()
    (out / "results.csv").unlink()
    capsys.readouterr()
    assert sweep_cli(out) == 0
    err = capsys.readouterr().err
    assert "resuming" in err and "reusing the plan" in err
    assert (out / "results.csv").read_bytes() == first
    # Another explicit block size would mix two roundings in one result: refused.
    chunks[0].unlink()
    assert sweep_cli(out, "--block-size", "3") == 2
    err = capsys.readouterr().err
    assert "--block-size" in err and "Traceback" not in err
    assert not chunks[0].exists()  # nothing was computed


def test_a_second_writer_is_refused_naming_the_holder(tmp_path):
    out = tmp_path / "sweep"
    env = dict(os.environ, JAXGLIA_SMOKE_TEST="")
    # A first sweep long enough to be still running (it is killed below).
    heavy = [*TINY, "--neurons", "0:64:8", "--astrocytes", "0:64:8", "--steps", "6000",
             "--epochs", "40"]  # fmt: skip
    first = subprocess.Popen([sys.executable, "-m", "jaxglia", "sweep", *heavy, "--out",
                              str(out)], env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (out / "sweep.json").exists():  # the first holds the lock by now
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "jaxglia", "sweep", *TINY, "--out", str(out), "--overwrite"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert first.poll() is None  # the refusal came while the first still ran
        assert second.returncode == 2, second.stderr
        assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
        assert json.loads((out / "sweep.json").read_text())["config"]["steps"] == 6000
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # The killed holder's lock is gone with it: a stale .lock file does not block.
    assert (out / ".lock").exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "jaxglia", "sweep", *TINY, "--out", str(out), "--overwrite"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads((out / "run.json").read_text())["config"]["steps"] == 300


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_users_permissions(tmp_path, umask):
    old = os.umask(umask)
    try:
        out = tmp_path / "sweep"
        jaxglia.sweep(tiny_config(neurons=(8,), astrocytes=(0,), replicates=1), out,
                      progress=False, log=lambda m: None)  # fmt: skip
    finally:
        os.umask(old)
    files = [out / name for name in (*OUTPUTS, "sweep.json")]
    files += list((out / "chunks").iterdir())
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


def test_overwrite_removes_what_belonged_to_the_old_sweep(finished, tmp_path, capsys):
    src, _ = finished
    out = _copy(src, tmp_path / "sweep")
    (out / "baselines.csv").write_text("old\n")
    (out / "baselines.json").write_text("{}\n")
    (out / "notes.txt").write_text("mine\n")
    assert sweep_cli(out, "--epochs", "2", "--overwrite") == 0
    assert not (out / "baselines.csv").exists() and not (out / "baselines.json").exists()
    assert (out / "notes.txt").read_text() == "mine\n"  # not the sweep's: kept


def test_a_network_too_large_for_memory_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep_cli(out, "--memory-limit", "0.001") == 2
    err = capsys.readouterr().err
    assert "--memory-limit" in err and "GiB" in err and "Traceback" not in err
    assert not list(out.glob("chunks/*.npz"))


DEVICE_GRID = ["--neurons", "0:300:60", "--astrocytes", "0:600:120", "--replicates", "1",
               "--steps", "120", "--washout", "20", "--epochs", "2", "--hidden", "4",
               "--batch-size", "64", "--no-progress"]  # fmt: skip


def _forced(count: int) -> dict[str, str]:
    return dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={count}")


@pytest.mark.slow  # CI runs the slow pass too
def test_results_do_not_depend_on_the_device_count(tmp_path):
    # Totals spread from 60 to 900 units in three buckets: 1, 2 and 3 forced host devices
    # give byte-identical results.csv (and record the same plan).
    outputs, plans = {}, {}
    for count in (1, 2, 3):
        out = tmp_path / f"d{count}"
        cmd = [sys.executable, "-m", "jaxglia", "sweep", *DEVICE_GRID, "--buckets", "3",
               "--out", str(out)]  # fmt: skip
        done = subprocess.run(cmd, env=_forced(count), capture_output=True, text=True,
                              timeout=900)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert len(json.loads((out / "run.json").read_text())["devices"]) == count
        outputs[count] = (out / "results.csv").read_bytes()
        plans[count] = json.loads((out / "sweep.json").read_text())["plan"]
    assert len(plans[1]) == 3
    assert plans[1] == plans[2] == plans[3]
    assert outputs[1] == outputs[2] == outputs[3]


def test_the_automatic_plan_does_not_depend_on_the_device_count():
    # The paper's grid, planned (not run) with 1 and 3 devices: the same buckets.
    code = (
        "import jaxglia, json; cfg = jaxglia.preset('paper');"
        "print(json.dumps([[b.capacity, len(b.networks)] for b in jaxglia.plan_buckets(cfg)]))"
    )
    plans = [
        subprocess.run(
            [sys.executable, "-c", code],
            env=_forced(count),
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
        for count in (1, 3)
    ]
    assert len(json.loads(plans[0])) > 1 and plans[0] == plans[1]

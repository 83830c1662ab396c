"""One sweep over several processes (`jax.distributed`), on this machine: the processes
divide the work, and the results are byte-identical to one process with as many devices."""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest


README = Path(__file__).resolve().parents[1] / "README.md"
# README's "Many hosts" block: two processes on this machine. Its grid is the tests' grid.
BLOCK = re.search(r"## Many hosts.*?```bash\n(.*?)```", README.read_text(), re.S).group(1)
GRID = [*shlex.split(re.search(r'grid="(.*?)"', BLOCK).group(1)), "--no-progress"]


def _env(devices: int) -> dict[str, str]:
    return dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
                JAXGLIA_SMOKE_TEST="")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sweep(out: Path, *extra: str, devices: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "jaxglia", "sweep", *GRID, "--out", str(out), *extra]
    return subprocess.Popen(cmd, env=_env(devices), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _processes(out: Path, *extra: str) -> list[subprocess.Popen]:
    address = f"127.0.0.1:{_free_port()}"
    return [
        _sweep(
            out,
            "--coordinator-address",
            address,
            "--num-processes",
            "2",
            "--process-id",
            str(i),
            *extra,
            devices=2,
        )  # fmt: skip
        for i in range(2)
    ]


def _finish(process: subprocess.Popen, timeout: float = 600) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The reference: one process with four forced host devices."""
    out = tmp_path_factory.mktemp("one") / "sweep"
    _finish(_sweep(out, devices=4))
    return out


def test_readme_two_processes_equal_one_process_with_as_many_devices(one_process, tmp_path):
    # The README's block, as written: two processes with two devices each.
    env = dict(os.environ, JAXGLIA_SMOKE_TEST="")
    done = subprocess.run(["bash", "-e", "-c", BLOCK], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("networks (0 failed)") == 1  # process 0 alone reports
    out = tmp_path / "many-hosts"
    assert (out / "results.csv").read_bytes() == (one_process / "results.csv").read_bytes()
    # Both wrote chunks (the work was divided), and each network is in exactly one.
    owners = []
    for path in sorted((out / "chunks").glob("*.npz")):
        with np.load(path) as data:
            owners += list(zip(data["num_neurons"], data["num_astrocytes"], strict=True))
    assert len(owners) == len(set(owners)) == 4 * 6 - 1  # N 0:24:8, A 0:40:8, no (0, 0)
    assert len(list((out / "chunks").glob("*.npz"))) > len(
        list((one_process / "chunks").glob("*.npz"))
    )


@pytest.mark.slow
def test_a_killed_process_leaves_chunks_that_one_process_completes(one_process, tmp_path):
    out = tmp_path / "sweep"
    processes = _processes(out, "--chunk-size", "4")
    try:
        deadline = time.monotonic() + 300
        while len(list(out.glob("chunks/*.npz"))) < 2:
            assert all(p.poll() is None for p in processes), processes[0].communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        processes[1].send_signal(signal.SIGKILL)
    finally:
        time.sleep(1)
        for p in processes:  # the survivor may wait for its lost peer: stop it too
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
            p.communicate()
    assert list(out.glob("chunks/*.npz")) and not (out / "results.csv").exists()
    printed = _finish(_sweep(out, devices=2))
    assert "networks (0 failed)" in printed
    assert (out / "results.csv").read_bytes() == (one_process / "results.csv").read_bytes()


@pytest.mark.parametrize(
    "args, option",
    [
        (["--num-processes", "2"], "--num-processes"),
        (["--coordinator-address", "localhost", "--num-processes", "2"], "--coordinator-address"),
        (["--coordinator-address", "127.0.0.1:1"], "--coordinator-address"),
        (["--coordinator-address", "127.0.0.1:1", "--num-processes", "2", "--process-id", "2"],
         "--process-id"),
    ],
)  # fmt: skip
def test_process_options_are_checked_before_joining(args, option, tmp_path, capsys):
    from jaxglia.cli import main

    assert main(["sweep", *GRID, "--out", str(tmp_path / "s"), *args]) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()

"""A user's mistake, by class: refused before any work in one line naming the option typed,
with exit status 2 (1 for an operating-system error while writing), no traceback, and
nothing already finished lost. Each class is a table of rows: a command line, a TOML
config or a Python call, and what the refusal must name."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxglia
from jaxglia.cli import main


GRID = ["--neurons", "0,5", "--astrocytes", "0,5", "--replicates", "1"]
TASK = ["--steps", "200", "--washout", "20"]
TINY = [*TASK, "--epochs", "2", "--hidden", "8", "--batch-size", "32"]
NET = ["--neurons", "4", "--astrocytes", "4"]


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """`jaxglia argv` in-process: (exit status, stdout, stderr)."""
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's own refusals
        code = exit.code
    captured = capsys.readouterr()
    return int(code or 0), captured.out, captured.err


def refused(err: str, option: str, code: int, expected: int = 2) -> None:
    """The refusal's contract: the exit status, the option named, one line, no traceback."""
    assert code == expected, err
    assert option in err, err
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny sweep, and the bytes of its results.csv (to prove it is kept)."""
    out = tmp_path_factory.mktemp("finished") / "sweep"
    assert main(["sweep", *GRID, *TINY, "--out", str(out), "--no-progress"]) == 0
    return out, (out / "results.csv").read_bytes()


def _unchanged(finished) -> None:
    out, results = finished
    assert (out / "results.csv").read_bytes() == results
    assert (out / "curves.npz").is_file() and (out / "run.json").is_file()


# --------------------------------------------------------------------------- output paths

# (where --out points, relative to a folder holding the file `afile`). Each is refused
# before any work by `sweep`, `baselines` and `report`, naming --out.
BAD_OUT = {
    "a file": "afile",
    "under a file": "afile/sub",
    "deep under a file": "afile/sub/deeper",
    "empty": "",
    "blank": "  ",
}


def _out_commands(finished_dir: Path, out: str) -> dict[str, list[str]]:
    return {
        "sweep": ["sweep", *GRID, *TINY, "--no-progress", "--out", out],
        "baselines": ["baselines", *TASK, "--out", out],
        "report": ["report", str(finished_dir), "--out", out],
    }


@pytest.mark.parametrize("command", ["sweep", "baselines", "report"])
@pytest.mark.parametrize("case", list(BAD_OUT))
def test_bad_out_is_refused_before_any_work(case, command, finished, tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("mine\n")
    target = BAD_OUT[case] if not BAD_OUT[case].strip() else str(tmp_path / BAD_OUT[case])
    argv = _out_commands(finished[0], target)[command]
    monkeypatch.chdir(tmp_path)  # an empty --out must not mean "here"
    code, _, err = cli(argv, capsys)
    refused(err, "--out", code)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # nothing written
    assert (tmp_path / "afile").read_text() == "mine\n"
    _unchanged(finished)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", ["sweep", "baselines", "report"])
def test_out_where_nothing_can_be_created(command, finished, capsys):
    # /proc refuses new files even to root, for whom permissions are no obstacle.
    code, _, err = cli(_out_commands(finished[0], "/proc/jaxglia-test/out")[command], capsys)
    refused(err, "--out", code)
    assert "cannot be written" in err
    _unchanged(finished)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
@pytest.mark.parametrize("command", ["sweep", "baselines", "report"])
def test_read_only_out(command, finished, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = cli(_out_commands(finished[0], str(locked / "out"))[command], capsys)
    finally:
        locked.chmod(0o700)
    refused(err, "--out", code)
    assert not (locked / "out").exists()


# --------------------------------------------------------------------------- the series

# (arguments, option named, what the message says). The series is generated and checked
# before anything is compiled; a sweep directory is not even created.
BAD_SERIES = [
    (["--dt", "5"], "--dt", "not finite"),  # Lorenz: RK4 at dt 5 diverges
    (["--task", "rossler", "--dt", "50"], "--dt", "not finite"),
    (["--task", "mackey-glass", "--dt", "3"], "--dt", "170 / k"),  # off the delay's grid
    (["--task", "mackey-glass", "--dt", "0.3"], "--dt", "170 / k"),
    (["--dt", "1e-30"], "--dt", "constant"),  # no variance to normalise by
    (["--task", "narma10", "--dt", "0.5"], "--dt", "dt = 1 only"),
]


@pytest.mark.parametrize("command", ["run", "sweep", "baselines"])
@pytest.mark.parametrize("args, option, says", BAD_SERIES)
def test_series_that_cannot_be_made(args, option, says, command, finished, tmp_path, capsys):
    out = tmp_path / "out"
    argv = {
        "run": ["run", *NET, *TINY, *args],
        "sweep": ["sweep", *GRID, *TINY, *args, "--out", str(out), "--no-progress"],
        "baselines": ["baselines", *TASK, *args, "--out", str(out)],
    }[command]
    code, _, err = cli(argv, capsys)
    refused(err, option, code)
    assert says in err, err
    assert not out.exists()
    # A mistaken second command into a finished sweep's directory changes nothing there.
    again = ["sweep", *GRID, *TINY, *args, "--out", str(finished[0]), "--no-progress"]
    code, _, err = cli(again, capsys)
    refused(err, option, code)
    _unchanged(finished)


@pytest.mark.parametrize(
    "text, option",
    [("dt = 5.0\n", "--dt"), ('task = "mackey-glass"\ndt = 3.0\n', "--dt")],
)
def test_series_that_cannot_be_made_from_toml(text, option, tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(text)
    out = tmp_path / "out"
    code, _, err = cli(["sweep", "--config", str(config), *GRID, *TINY, "--out", str(out)], capsys)
    refused(err, option, code)
    assert not out.exists()


class _NaNTask(jaxglia.AbstractTask):
    def series(self, num_samples, *, key):
        states = np.full((num_samples, 2), np.nan, np.float32)
        return states, states


def test_series_that_cannot_be_made_in_python(tmp_path):
    rows = [
        (lambda: jaxglia.make_task("lorenz", 300, dt=5.0), "dt"),
        (lambda: jaxglia.make_task("lorenz", 300, transient=10, dt=1.0), "dt"),
        (lambda: jaxglia.make_task("mackey-glass", 300, dt=3.0), "dt"),
        (lambda: jaxglia.generate("mackey-glass", 30, dt=3.0), "dt"),
        (lambda: jaxglia.make_task(_NaNTask(), 300), "task"),
        (lambda: jaxglia.SweepConfig(task="mackey-glass", dt=3.0), "dt"),
    ]
    for call, option in rows:
        with pytest.raises(jaxglia.ConfigError) as error:
            call()
        assert error.value.option == option, error.value
    # The sweep refuses before writing anything.
    experiment = jaxglia.Experiment(
        jaxglia.System("lorenz", 5.0), steps=200, washout=20, readout=jaxglia.RidgeReadout()
    )
    with pytest.raises(jaxglia.ConfigError, match="dt"):
        jaxglia.sweep(experiment, tmp_path / "out", grid=jaxglia.Grid((0, 4), (4,)))
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- the Python API

NUMPY_EQUIVALENTS = [
    # (made with NumPy scalars or arrays, the same made with Python numbers)
    (
        lambda: jaxglia.SweepConfig(
            neurons=np.array([0, 5]), astrocytes=(np.int64(0), np.int32(5)),
            replicates=np.int64(2), beta_neurons=np.float32(0.5), dt=np.array(0.02),
            washout=np.int16(20), seed=np.uint32(7),
        ),
        lambda: jaxglia.SweepConfig(
            neurons=(0, 5), astrocytes=(0, 5), replicates=2, beta_neurons=0.5, dt=0.02,
            washout=20, seed=7,
        ),
    ),
    (
        lambda: jaxglia.Grid(np.arange(0, 10, 5), np.array([3]), np.int64(2)),
        lambda: jaxglia.Grid((0, 5), (3,), 2),
    ),
    (
        lambda: jaxglia.Experiment(
            "rossler", steps=np.int64(500), horizon=np.int32(2), washout=np.int64(10),
            train_fraction=np.float64(0.75), seed=np.int64(3),
            readout=jaxglia.MLPReadout(np.int64(8), np.int64(3), np.int64(16), np.float32(0.01)),
        ),
        lambda: jaxglia.Experiment(
            "rossler", steps=500, horizon=2, washout=10, train_fraction=0.75, seed=3,
            readout=jaxglia.MLPReadout(8, 3, 16, float(np.float32(0.01))),
        ),
    ),
    (
        lambda: jaxglia.System("lorenz", np.float32(0.02), np.int64(10)),
        lambda: jaxglia.System("lorenz", float(np.float32(0.02)), 10),
    ),
    (
        lambda: jaxglia.LiRinzel(step_ms=np.float32(10.0), every=np.int64(2)),
        lambda: jaxglia.LiRinzel(step_ms=10.0, every=2),
    ),
    (
        lambda: jaxglia.LIF(np.array(0.9), np.float64(1.5)),
        lambda: jaxglia.LIF(0.9, 1.5),
    ),
]  # fmt: skip


def _described(value):
    """What run.json records of `value` (and a config's fingerprint)."""
    if isinstance(value, jaxglia.SweepConfig):
        return value.to_dict(), value.fingerprint()
    if isinstance(value, jaxglia.Grid):
        return value.networks
    if isinstance(value, jaxglia.AbstractPopulation):
        value = jaxglia.Experiment(astrocytes=value)
    return value.describe()


@pytest.mark.parametrize("index", range(len(NUMPY_EQUIVALENTS)))
def test_numpy_numbers_are_numbers(index):
    with_numpy, with_python = (make() for make in NUMPY_EQUIVALENTS[index])
    assert _described(with_numpy) == _described(with_python)
    if isinstance(with_numpy, jaxglia.Experiment):  # static fields hold Python numbers
        assert all(type(getattr(with_numpy, f)) is int for f in ("steps", "horizon", "washout"))


# (a Python call the command line would refuse, the option it must name)
BAD_PYTHON = [
    (lambda: jaxglia.Experiment("lorenz96"), "task"),
    (lambda: jaxglia.Experiment(horizon=-1), "horizon"),
    (lambda: jaxglia.Experiment(horizon=np.int64(0)), "horizon"),
    (lambda: jaxglia.Experiment(washout=-5), "washout"),
    (lambda: jaxglia.Experiment(steps=0), "steps"),
    (lambda: jaxglia.Experiment(steps=100, washout=200), "washout"),
    (lambda: jaxglia.Experiment(steps=300, washout=299), "washout"),
    (lambda: jaxglia.Experiment(train_fraction=1.5), "train_fraction"),
    (lambda: jaxglia.Experiment(seed=-1), "seed"),
    (lambda: jaxglia.Experiment(forecast=1), "forecast"),
    (lambda: jaxglia.Experiment(steps=200, readout=jaxglia.MLPReadout(batch_size=500)),
     "batch_size"),
    (lambda: jaxglia.System("lorenz", -0.1), "dt"),
    (lambda: jaxglia.System("lorenz", None, -3), "transient"),
    (lambda: jaxglia.make_task("lorenz", 300, horizon=-1), "horizon"),
    (lambda: jaxglia.make_task("lorenz", 300, washout=-1), "washout"),
    (lambda: jaxglia.make_task("lorenz", 300, dt=-0.01), "dt"),
    (lambda: jaxglia.make_task("lorenz", 2**31), "steps"),
    (lambda: jaxglia.MLPReadout(hidden=-1), "hidden"),
    (lambda: jaxglia.MLPReadout(epochs=np.int64(0)), "epochs"),
    (lambda: jaxglia.MLPReadout(step_size=-1.0), "step_size"),
    (lambda: jaxglia.SweepConfig(replicates=np.int64(0)), "replicates"),
    (lambda: jaxglia.SweepConfig(beta_neurons=np.float32(1.5)), "beta_neurons"),
    (lambda: jaxglia.SweepConfig(neurons=np.array([0, -5])), "neurons"),
    (lambda: jaxglia.SweepConfig(steps=np.bool_(True)), "steps"),
    (lambda: jaxglia.SweepConfig(neurons="0:1000000000000"), "neurons"),  # never expanded
    (lambda: jaxglia.SweepConfig.from_mapping({"preset": 3}), "preset"),
]  # fmt: skip


@pytest.mark.parametrize("index", range(len(BAD_PYTHON)))
def test_python_refuses_what_the_command_line_refuses(index):
    call, option = BAD_PYTHON[index]
    with pytest.raises(jaxglia.ConfigError) as error:
        call()
    assert error.value.option == option, error.value
    # The message shows the number, not its NumPy type (no "got np.int64(0); must be a
    # whole number"): it never contradicts itself.
    assert "np." not in str(error.value) and "array(" not in str(error.value), error.value


# --------------------------------------------------------------------------- names as typed

# (arguments of `run`, the option named, text the message must hold, text it must not)
AS_TYPED = [
    (["--steps", "300", "--washout", "299", "--batch-size", "1"], "--washout:", "0 test",
     "--train-fraction"),
    (["--steps", "3000", "--washout", "2950"], "--washout:", "40 training samples",
     "--batch-size:"),
    (["--steps", "150"], "--steps:", "40 training samples", "--batch-size:"),
    (["--steps", "300", "--batch-size", "500"], "--batch-size:", "160 training", "--steps:"),
    (["--train-fraction", "0.9999"], "--train-fraction:", "0 test samples", "--washout:"),
    (["--steps", "50"], "--steps:", "washout (100)", "--washout:"),
    (["--gain", "-1"], "--gain:", ">= 0", "--gain-nn"),
    (["--p", "0"], "--p:", "(0, 1]", "--p-nn"),
    (["--gain-na", "-1", "--gain", "2"], "--gain-na:", ">= 0", "--gain:"),
]  # fmt: skip


@pytest.mark.parametrize("args, option, says, never", AS_TYPED)
def test_the_option_is_named_as_typed(args, option, says, never, capsys):
    code, _, err = cli(["run", *NET, "--epochs", "1", "--hidden", "4", *args], capsys)
    refused(err, option, code)
    assert says in err and never not in err, err


@pytest.mark.parametrize(
    "text, names",
    [
        ("gain = 2.0\n", ("'gain'", "gain_nn")),  # a command-line shorthand only
        ("[grid]\nneurons = [0, 5]\n", ("'grid'", "top-level")),
        ("preset = 3\n", ("--preset",)),
        ("washout = 2950\n", ("--washout", "40 training samples")),
    ],
)
def test_toml_mistakes_are_named(text, names, tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(text)
    code, _, err = cli(["sweep", "--config", str(config), "--out", str(tmp_path / "o")], capsys)
    refused(err, names[0], code)
    assert all(name in err for name in names), err
    assert not (tmp_path / "o").exists()


def test_run_json_is_json(capsys):
    # A ridge readout has no learning rate: JSON's null, never NaN (which is not JSON).
    code, out, _ = cli(["run", *NET, *TASK, "--readout", "ridge", "--json"], capsys)
    assert code == 0

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    record = json.loads(out, parse_constant=refuse)
    assert record["learning_rate"] is None and record["curve"] == []
    assert np.isfinite(record["test_nrmse"])


# --------------------------------------------------------------------------- the system


# A child whose files cannot grow beyond LIMIT bytes: a larger write fails with EFBIG, an
# OSError as a full disk's ENOSPC is (SIGXFSZ, which would kill it instead, is ignored).
_LIMITED = (
    "import resource, runpy, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "limit = int(sys.argv.pop(1)); resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
    "runpy.run_module('jaxglia', run_name='__main__')"
)


def _jaxglia(*args, limit: int | None = None, cwd=None):
    env = {**os.environ, "JAXGLIA_CACHE_DIR": "off"}
    head = ["-m", "jaxglia"] if limit is None else ["-c", _LIMITED, str(limit)]
    return subprocess.run(
        [sys.executable, *head, *args], capture_output=True, text=True, env=env, cwd=cwd
    )


@pytest.mark.skipif(os.name != "posix", reason="needs setrlimit")
def test_write_error_is_one_line_and_a_rerun_completes(finished, tmp_path):
    # The first command cannot write its files (as on a full disk): one line naming the
    # folder, status 1. The same command then completes, to the finished sweep's bytes.
    out = tmp_path / "sweep"
    argv = ["sweep", *GRID, *TINY, "--no-progress", "--out", str(out)]
    failed = _jaxglia(*argv, limit=300)
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr, failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert str(out) in last and "File too large" in last, failed.stderr
    again = _jaxglia(*argv)
    assert again.returncode == 0, again.stderr
    assert (out / "results.csv").read_bytes() == finished[1]
    # A report that cannot be written leaves the finished sweep as it was.
    report = _jaxglia("report", str(finished[0]), "--out", str(tmp_path / "r"), limit=2000)
    assert report.returncode == 1 and "Traceback" not in report.stderr, report.stderr
    _unchanged(finished)


@pytest.mark.parametrize(
    "args, option",
    [
        (["run", *NET, *TINY, "--task", "mackey-glass", "--dt", "3"], "--dt"),
        (["sweep", *GRID, *TINY, "--out", ""], "--out"),
        (["baselines", *TASK, "--out", "afile"], "--out"),
    ],
)
def test_no_traceback_in_a_real_process(args, option, tmp_path):
    (tmp_path / "afile").write_text("x")
    done = _jaxglia(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert option in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]

"""What a newcomer meets first: the command line's output, its folders, its progress, Ctrl-C,
and the README's command-line examples, which run here as written (shrunk by
JAXGLIA_SMOKE_TEST)."""

import io
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import jaxglia
from jaxglia import preset
from jaxglia.cli import config_from_args, main, parser
from jaxglia.options import PRESETS


README = Path(__file__).resolve().parents[1] / "README.md"
TINY = ["--steps", "300", "--washout", "30", "--epochs", "4", "--hidden", "8",
        "--batch-size", "32"]  # fmt: skip
GRID = ["--neurons", "0,8", "--astrocytes", "0,8", "--replicates", "1"]


@pytest.fixture(autouse=True)
def _no_disk_cache(monkeypatch):
    # The CLI would point this test process's JAX at the user's compilation cache.
    monkeypatch.setenv("JAXGLIA_CACHE_DIR", "off")
    monkeypatch.delenv("JAXGLIA_SMOKE_TEST", raising=False)


def _strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_run_json_is_json_with_null_for_missing_values(capsys):
    # Ridge: no learning rate; no neurons: no neuron firing rate. Both were printed as NaN.
    argv = ["run", "--neurons", "0", "--astrocytes", "8", "--readout", "ridge", *TINY, "--json"]
    assert main(argv) == 0
    record = _strict_json(capsys.readouterr().out)
    assert record["learning_rate"] is None and record["rate_neurons"] is None
    assert math.isfinite(record["test_nrmse"]) and record["num_astrocytes"] == 8


def _sweep(capsys, *args) -> tuple[str, str]:
    assert main(["sweep", *GRID, *TINY, *args]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_ridge_summary_shows_the_metrics_it_has(tmp_path, capsys):
    out, err = _sweep(capsys, "--readout", "ridge", "--forecast", "--out", str(tmp_path / "r"))
    assert "Empty DataFrame" not in out and "learning rate" not in out
    assert "mean test NRMSE" in out and "mean valid prediction time" in out
    table = pd.read_csv(tmp_path / "r" / "results.csv")
    nrmse = table[(table.num_neurons == 8) & (table.num_astrocytes == 8)].test_nrmse.mean()
    assert f"{nrmse:.4f}" in out  # the mean per (N, A), rows A and columns N
    assert "Traceback" not in err


def test_mlp_summary_quiet_default_grid_and_log_lines(tmp_path, capsys):
    out, err = _sweep(capsys, "--out", str(tmp_path / "m"))
    assert "mean learning rate" in out and "mean test NRMSE" in out
    assert "valid prediction time" not in out  # no --forecast
    # The grid's (0, 0) is skipped by design, silently; the padding figure says what it is.
    assert "skipping" not in err and "(0, 0)" not in err
    assert re.search(r"\d+ % of the computed work was padding \(networks padded", out), out
    # stderr is not a terminal here: no bar, no carriage returns, one line per bucket.
    assert "\r" not in err
    lines = [line for line in err.splitlines() if "bucket" in line]
    assert lines and all(re.search(r"\d+/3 networks.*s elapsed", line) for line in lines), err
    assert lines[-1].count("3/3 networks") == 1
    # --no-progress: silent.
    _, quiet = _sweep(capsys, "--out", str(tmp_path / "q"), "--no-progress")
    assert quiet == ""


def test_import_does_not_load_tqdm_auto():
    code = "import sys, jaxglia; print(sorted(m for m in sys.modules "
    code += "if m.startswith('tqdm')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    loaded = done.stdout
    assert "tqdm.std" in loaded and "tqdm.auto" not in loaded and "tqdm.notebook" not in loaded
    assert "IProgress" not in done.stderr


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_counts_work_not_networks(monkeypatch):
    # Two buckets of one network each, the small one first: counting networks, the bar
    # would stand at 50 % after the first; counting work it stands at the small network's
    # share of the FLOP.
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cfg = jaxglia.SweepConfig(neurons=(4, 40), astrocytes=(0,), replicates=1, steps=200,
                              washout=20, epochs=2, hidden=4, batch_size=16, buckets=2,
                              block_size=1)  # fmt: skip
    result = jaxglia.sweep(cfg)
    capacities = sorted({b["capacity"] for b in result.info["buckets"]})
    assert len(capacities) == 2
    experiment = jaxglia.Experiment.from_config(cfg)
    work = [jaxglia.network_flops(c, experiment) for c in capacities]
    share = 100 * work[0] / sum(work)
    assert share < 40
    text = terminal.getvalue()
    shown = [int(p) for p in re.findall(r"work \(FLOP\):\s+(\d+)%", text)]
    assert round(share) in shown and 50 not in shown and shown[-1] == 100, shown
    assert "FLOP" in text and "2/2 networks" in text
    # progress=False: nothing at all on stderr.
    terminal.seek(0)
    terminal.truncate()
    jaxglia.sweep(cfg, progress=False)
    assert terminal.getvalue() == ""


def test_ctrl_c_acts_at_once_during_a_long_call(tmp_path):
    # Two buckets: a small one (its line on stderr says the sweep is running), then a large
    # one whose compiled call takes many seconds; Ctrl-C during it must act within moments,
    # and the process must exit cleanly (not abort under the abandoned XLA thread).
    out = tmp_path / "out"
    argv = ["--neurons", "4", "--astrocytes", "0,400", "--replicates", "2", "--buckets", "2",
            "--block-size", "2", "--steps", "2000", "--washout", "20", "--epochs", "1200",
            "--out", str(out)]  # fmt: skip
    env = {**os.environ, "JAXGLIA_CACHE_DIR": "off"}
    command = [sys.executable, "-m", "jaxglia", "sweep", *argv]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)  # fmt: skip
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert "bucket 1/2" in first, first
    # About 2-3 s to compile the large bucket, then a call of about 9 s (a 2-core CPU): the
    # signal comes during the call, which used to be waited for.
    time.sleep(4.0)
    assert proc.poll() is None, "the sweep finished before it was interrupted"
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    code = proc.wait(timeout=60)
    waited = time.perf_counter() - sent
    assert code == 130, rest
    assert waited < 3.0, f"Ctrl-C took {waited:.1f} s"
    assert "interrupted" in rest and "Traceback" not in rest and "terminate" not in rest
    assert len(list((out / "chunks").glob("*.npz"))) == 1  # the small bucket's, kept


def test_default_folder_is_readable_and_found_again(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    grid = ["--neurons", "8", "--astrocytes", "0,16", "--replicates", "1"]
    assert main(["sweep", *grid, *TINY, "--no-progress"]) == 0
    (folder,) = (tmp_path / "jaxglia-sweeps").iterdir()
    cfg = jaxglia.SweepConfig(neurons=(8,), astrocytes=(0, 16), replicates=1, steps=300,
                              washout=30, epochs=4, hidden=8, batch_size=32)  # fmt: skip
    assert folder.name == f"lorenz-N8-A0-16-x1-{cfg.fingerprint()}"
    capsys.readouterr()
    # The same command (an execution option aside) finds it again and resumes it.
    assert main(["sweep", *grid, *TINY, "--no-progress", "--chunk-size", "4"]) == 0
    assert "nothing to compute" in capsys.readouterr().err
    assert len(list((tmp_path / "jaxglia-sweeps").iterdir())) == 1


def test_python_sweep_without_out_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = jaxglia.SweepConfig(neurons=(4,), astrocytes=(4,), replicates=1, steps=200,
                              washout=20, epochs=2, hidden=4, batch_size=16)  # fmt: skip
    jaxglia.sweep(cfg, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_compilation_cache_where_documented(tmp_path):
    text = README.read_text(encoding="utf-8")
    for phrase in ("~/.cache/jaxglia/xla", "JAXGLIA_CACHE_DIR=off", "`sweep.json`",
                   "without `out` writes nothing"):  # fmt: skip
        assert phrase in text, phrase
    argv = [sys.executable, "-m", "jaxglia", "run", "--neurons", "8", "--astrocytes", "8",
            *TINY]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "JAXGLIA_CACHE_DIR"}
    subprocess.run(argv, env={**env, "HOME": str(tmp_path / "a")}, check=True,
                   capture_output=True)  # fmt: skip
    cache = tmp_path / "a" / ".cache" / "jaxglia" / "xla"
    assert cache.is_dir() and any(cache.iterdir())
    subprocess.run(argv, env={**env, "HOME": str(tmp_path / "b"), "JAXGLIA_CACHE_DIR": "off"},
                   check=True, capture_output=True)  # fmt: skip
    assert not (tmp_path / "b" / ".cache" / "jaxglia").exists()


@pytest.mark.slow
def test_slope_epochs_report_leaves_the_sweeps_own(tmp_path, capsys):
    out = tmp_path / "s"
    _sweep(capsys, "--out", str(out), "--no-progress")
    assert main(["report", str(out)]) == 0
    own = (out / "report.md").read_text()
    assert main(["report", str(out), "--slope-epochs", "3"]) == 0
    assert (out / "report.md").read_text() == own
    early = (out / "slope-epochs-3" / "report.md").read_text()
    assert "first 3 epochs" in early and (out / "slope-epochs-3" / "heatmap.png").is_file()
    assert main(["report", str(out), "--slope-epochs", "2", "--out", str(tmp_path / "e")]) == 0
    assert (tmp_path / "e" / "report.md").is_file() and not (out / "slope-epochs-2").exists()


def test_help_lists_every_preset_and_the_warmup(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in PRESETS:
        assert f"{name}" in text and f"{len(preset(name).grid)} networks" in text, name
    washout = text[text.index("--washout INT reservoir") :][:200]
    assert "warmup" in washout, washout


def test_smoke_test_caps_a_config(monkeypatch):
    monkeypatch.setenv("JAXGLIA_SMOKE_TEST", "1")
    cfg = config_from_args(parser().parse_args(["sweep", "--preset", "paper"]))
    assert (cfg.steps, cfg.epochs, cfg.replicates, cfg.hidden) == (300, 3, 1, 8)
    assert cfg.neurons == (0, 16) and cfg.astrocytes == (0, 16)
    small = config_from_args(parser().parse_args(["sweep", "--epochs", "2"]))
    assert small.epochs == 2  # a smaller value typed stays


def _readme_section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _commands(block: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [shlex.split(line, comments=True) for line in joined.splitlines() if line.strip()]


def test_readme_command_line_examples_run(tmp_path, monkeypatch, capsys):
    """Every `jaxglia ...` of the README's "Command line" section, in order, in one folder,
    under JAXGLIA_SMOKE_TEST (the `--config` file is the section's TOML block)."""
    section = _readme_section("Command line")
    for block in re.findall(r"```toml\n(.*?)```", section, flags=re.S):
        name = block.splitlines()[0].removeprefix("#").strip()
        (tmp_path / name).write_text(block, encoding="utf-8")
    commands = [c for b in re.findall(r"```bash\n(.*?)```", section, flags=re.S)
                for c in _commands(b)]  # fmt: skip
    assert len(commands) >= 10 and all(c[0] == "jaxglia" for c in commands)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JAXGLIA_SMOKE_TEST", "1")
    for command in commands:
        try:
            code = main(command[1:] + (["--no-progress"] if command[1] == "sweep" else []))
        except SystemExit as done:  # --version
            code = done.code
        captured = capsys.readouterr()
        assert code == 0, (command, captured.err[-2000:])
    assert (tmp_path / "runs" / "small" / "slope-epochs-3" / "report.md").is_file()
    assert (tmp_path / "runs" / "models" / "models.png").is_file()
    assert (tmp_path / "runs" / "ross" / "baselines.csv").is_file()
    (config_sweep,) = (tmp_path / "jaxglia-sweeps").iterdir()  # the TOML one, by default
    assert config_sweep.name.startswith("lorenz-N0-16-A0-16-x1-")

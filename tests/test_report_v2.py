"""Tests of the report's verdict rules, learning-speed metrics, specification curve, figures
and input checks, on synthetic tables and curves with known answers."""

import json
import math
import os
import re

import numpy as np
import pandas as pd
import pytest

import jaxglia


def _table(rate, *, neurons, astrocytes, replicates, noise, seed=0):
    """A results table; `rate(n, a)` is the noiseless learning rate."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "num_neurons": n,
            "num_astrocytes": a,
            "replicate": r,
            "learning_rate": rate(n, a) + rng.normal(0.0, noise),
            "status": "ok",
        }
        for n in neurons
        for a in astrocytes
        if n + a
        for r in range(replicates)
    ]
    return pd.DataFrame(rows)


GRID = {"neurons": (0, 50, 100), "astrocytes": (0, 50, 100)}


def _mixed(mixed, single):
    return lambda n, a: mixed if n and a else single


@pytest.mark.parametrize(
    ("rate", "replicates", "verdict"),
    [
        (_mixed(-0.03, -0.01), 6, "supported"),  # planted: mixed faster
        (_mixed(-0.03, -0.01), 2, "cannot test"),  # 2 vs 2: smallest Holm p 0.67 > 0.05
        (_mixed(-0.01, -0.03), 6, "contradicted"),  # planted opposite
        (_mixed(-0.02, -0.02), 6, "not significant"),  # no effect, 6 vs 6 networks
    ],
)
def test_claim_a_verdicts(rate, replicates, verdict):
    stats = jaxglia.analyse(_table(rate, **GRID, replicates=replicates, noise=0.002), n_boot=20)
    claim = stats["claims"]["a"]
    assert claim["verdict"] == verdict, claim["evidence"]
    assert "Holm" in claim["rule"]
    if verdict == "cannot test":
        # 2 vs 2 networks: 2 * 2 / C(4, 2) = 0.667; 5 per group reach 2 * 2 / 252 < 0.05.
        assert "smallest attainable Holm-adjusted p is 0.667" in claim["evidence"]
        assert "needs at least 5 networks per group" in claim["evidence"]


SIZES = {"neurons": (0, 25, 50, 100), "astrocytes": (0, 50, 100, 200)}


@pytest.mark.parametrize(
    ("rate", "replicates", "verdict"),
    [
        (lambda n, a: -1e-4 * (n + a), 2, "supported"),
        (lambda n, a: 1e-4 * (n + a), 2, "contradicted"),
        (lambda n, a: -0.02, 3, "not significant"),
    ],
)
def test_claim_b_verdicts(rate, replicates, verdict):
    table = _table(rate, **SIZES, replicates=replicates, noise=0.002, seed=1)
    claim = jaxglia.analyse(table, n_boot=20)["claims"]["b"]
    assert claim["verdict"] == verdict, claim["evidence"]


def test_claim_b_cannot_test_below_five_networks():
    # 4 networks: the smallest attainable Spearman p is 2/4! = 0.083 > 0.05.
    table = _table(lambda n, a: -1e-4 * (n + a), neurons=(25, 50), astrocytes=(0, 50),
                   replicates=1, noise=0.0)  # fmt: skip
    claim = jaxglia.analyse(table, n_boot=20)["claims"]["b"]
    assert claim["verdict"] == "cannot test" and "2/4! = 0.083" in claim["evidence"]


def _ratio_rate(best):
    return lambda n, a: -0.02 + 0.002 * math.log(a / n / best) ** 2 if n and a else -0.002


RATIOS = {"neurons": (25, 50, 100, 200), "astrocytes": (25, 50, 100, 200, 400)}


@pytest.mark.parametrize(
    ("rate", "grid", "verdict"),
    [
        (_ratio_rate(2.0), RATIOS, "supported"),
        (_ratio_rate(8.0), RATIOS, "contradicted"),
        (lambda n, a: -0.02, RATIOS, "not significant"),
        # Every sampled ratio is at most 1: nothing on the far side of 2.
        (_ratio_rate(2.0), {"neurons": (100, 200, 400), "astrocytes": (25, 50, 100)},
         "cannot test"),
    ],
)  # fmt: skip
def test_claim_d_verdicts(rate, grid, verdict):
    table = _table(rate, **grid, replicates=3, noise=0.0005, seed=2)
    claim = jaxglia.analyse(table, n_boot=200)["claims"]["d"]
    assert claim["verdict"] == verdict, claim["evidence"]


@pytest.mark.parametrize(
    ("rate", "verdict"),
    [
        (lambda n, a: -1e-4 * (n + a), "supported"),  # only N + A matters
        (lambda n, a: -2e-4 * a, "contradicted"),  # only A matters: N and A differ
        (lambda n, a: -0.02, "not significant"),
    ],
)
def test_claim_e_on_the_identifiable_design(rate, verdict):
    table = _table(rate, **SIZES, replicates=3, noise=0.003, seed=3)
    stats = jaxglia.analyse(table, n_boot=20)
    assert stats["claims"]["e"]["verdict"] == verdict, stats["claims"]["e"]["evidence"]
    # The paper's design is exactly collinear; the identifiable one is not.
    assert all(math.isinf(v) for v in stats["regression"]["N, A, N + A"]["vif"].values())
    assert all(v < 10 for v in stats["split"]["vif"].values())


# ---------------------------------------------------------------------------------------
# Learning-speed metrics against known values.


def test_exponential_with_floor_rate_is_recovered():
    e = np.arange(40.0)
    curves = np.stack([0.01 + 0.5 * np.exp(-0.3 * e), 0.002 + np.exp(-0.07 * e),
                       0.5 * 10 ** (-0.02 * e)])  # fmt: skip
    rates = jaxglia.learning_speed(curves, "exp_rate")
    # The last is a pure exponential: k = 0.02 ln 10.
    np.testing.assert_allclose(rates, [0.3, 0.07, 0.02 * math.log(10)], rtol=1e-4)


def test_half_drop_epoch_and_area_are_recovered():
    # log10 loss falls linearly by 0.1 per epoch over 11 epochs: a drop of 1 decade, half of
    # it at epoch 5; area between the curve and its start -0.1 * 10^2 / 2 = -5 decade-epochs.
    line = 10.0 ** (-0.1 * np.arange(11.0))
    # A curve whose log loss falls 0, -0.2, -0.8, -1, -1: half of the drop (0.5) at
    # epoch 1 + (0.5 - 0.2) / 0.6 = 1.5; its trapezoid area is -0.1 - 0.5 - 0.9 - 1 = -2.5.
    bent = 10.0 ** np.array([0.0, -0.2, -0.8, -1.0, -1.0])
    assert jaxglia.learning_speed(line, "half_drop") == pytest.approx(5.0)
    assert jaxglia.learning_speed(line, "log_area") == pytest.approx(-5.0)
    assert jaxglia.learning_speed(line, "slope") == pytest.approx(-0.1)
    assert jaxglia.learning_speed(bent, "half_drop") == pytest.approx(1.5)
    assert jaxglia.learning_speed(bent, "log_area") == pytest.approx(-2.5)
    assert jaxglia.learning_speed(line, "half_drop", window=3) == pytest.approx(1.0)
    flat = np.ones(6)
    assert math.isnan(jaxglia.learning_speed(flat, "half_drop"))
    with pytest.raises(jaxglia.ReportError, match="metric: got 'speed'; must be one of"):
        jaxglia.learning_speed(line, "speed")
    with pytest.raises(jaxglia.ReportError, match="window: got 20"):
        jaxglia.learning_speed(line, "slope", window=20)


# ---------------------------------------------------------------------------------------
# The specification curve, and the report around it.


def _sweep_with_curves(tmp_path, epochs=12, curves=True):
    table = _table(_ratio_rate(2.0), **RATIOS, replicates=2, noise=0.0005, seed=4)
    table["test_nrmse"] = 0.3
    slope = table["learning_rate"].to_numpy()[:, None]
    losses = 0.5 * 10.0 ** (slope * np.arange(epochs))
    directory = tmp_path / "sweep"
    directory.mkdir()
    table.to_csv(directory / "results.csv", index=False)
    if curves:
        np.savez(directory / "curves.npz", curves=losses, num_neurons=table["num_neurons"],
                 num_astrocytes=table["num_astrocytes"])  # fmt: skip
    run = {"config": {"neurons": list(RATIOS["neurons"]), "astrocytes": list(RATIOS["astrocytes"]),
                      "epochs": epochs, "astrocyte_model": "li-rinzel"},
           "fingerprint": "feedfacefeedface"}  # fmt: skip
    (directory / "run.json").write_text(json.dumps(run))
    return directory, table, losses


def test_specification_rows_and_main_optimum(tmp_path):
    _, table, curves = _sweep_with_curves(tmp_path)
    stats = jaxglia.analyse(table, curves=curves, n_boot=100, spec_boot=100)
    spec = stats["specification"]
    keys = [(r["metric"], r["window"]) for r in spec["rows"]]
    # One row per metric and window (3, 5, 10 and all 12); the exponential needs 6 epochs.
    expected = [(m, w) for m in ("slope", "half_drop", "log_area") for w in (3, 5, 10, 12)]
    assert keys == expected + [("exp_rate", 10), ("exp_rate", 12)]
    main = [r for r in spec["rows"] if r["main"]]
    assert [(r["metric"], r["window"]) for r in main] == [("slope", 12)]
    assert main[0]["optimum"] == pytest.approx(stats["ratio"]["raw"]["optimum"])
    assert main[0]["verdicts"] == {k: c["verdict"] for k, c in stats["claims"].items()}
    # Exact exponential decays: the line fits every curve perfectly.
    assert stats["metric_fit"]["quantiles"]["min"] == pytest.approx(1.0)


def _svg_ticks(path, axis):
    """The tick labels of an axis ("x" or "y"), read back from an SVG figure (its text kept
    as text), in the order matplotlib drew them (the first Axes' first)."""
    text = path.read_text()
    blocks = re.split(rf'<g id="{axis}tick_\d+">', text)[1:]
    return [re.search(r"<text[^>]*>([^<]*)</text>", b).group(1).strip() for b in blocks]


def test_report_figures_and_sections(tmp_path):
    directory, _, _ = _sweep_with_curves(tmp_path)
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    # The heatmap is categorical: its ticks are the sampled sizes, in order.
    assert _svg_ticks(directory / "heatmap.svg", "x")[:4] == ["25", "50", "100", "200"]
    assert _svg_ticks(directory / "heatmap.svg", "y")[:5] == ["25", "50", "100", "200", "400"]
    assert "## Specification curve" in text and "![spec.png](spec.png)" in text
    assert "| **slope** (main) | 12 (all) |" in text
    assert "![fit.png](fit.png)" in text
    # No forecast: no figure embedded, and the text says why.
    assert "forecast.png)" not in text and "*forecast.png* is not drawn: " in text
    # Li-Rinzel astrocytes output a current, not spikes.
    assert "spikes per unit per step): " not in text.split("neurons")[0]


def test_report_out_is_checked_before_any_work(tmp_path):
    directory, _, _ = _sweep_with_curves(tmp_path, curves=False)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out in (a_file, a_file / "below", ""):
        with pytest.raises(jaxglia.ReportError, match="--out"):
            jaxglia.report(directory, out=out)
    assert not (directory / "report.md").exists()
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(jaxglia.ReportError, match="--out.*not writable"):
            jaxglia.report(directory, out=locked / "r")


def test_baselines_of_another_sweep_are_left_out(tmp_path):
    directory, _, _ = _sweep_with_curves(tmp_path, curves=False)
    pd.DataFrame({"model": ["ngrc"], "task": ["lorenz"], "test_nrmse": [0.01]}).to_csv(
        directory / "baselines.csv", index=False
    )
    (directory / "baselines.json").write_text(json.dumps({"sweep_fingerprint": "0000"}))
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    assert "| ngrc |" not in text
    assert "written for sweep 0000, but this directory holds sweep feedfacefeedface" in text
    (directory / "baselines.json").write_text(json.dumps({"sweep_fingerprint": "feedfacefeedface"}))
    assert "| ngrc | lorenz | 0.01 |" in jaxglia.report(directory).read_text(encoding="utf-8")


def test_compare_gives_the_specification_table_across_sweeps(tmp_path):
    directories = []
    for name in ("lif", "synaptic"):
        (tmp_path / name).mkdir()
        directory, _, _ = _sweep_with_curves(tmp_path / name)
        run = json.loads((directory / "run.json").read_text())
        run["config"].update(astrocyte_model=name, task="lorenz")
        (directory / "run.json").write_text(json.dumps(run))
        directories.append(directory)
    text = jaxglia.compare(directories, out=tmp_path / "cmp").read_text(encoding="utf-8")
    table = text.split("## Specification curves across the sweeps", 1)[1]
    for name in ("lif", "synaptic"):
        # 14 rows per sweep: slope, half_drop, log_area at 3, 5, 10, 12 epochs; exp_rate at 10, 12.
        assert len(re.findall(rf"^\| {name} \| \w+ \| \d+ \|", table, re.M)) == 14
    # The same planted sweep twice: identical rows, and 2 replicates give 2 vs 2 networks
    # at shared sizes, so claim (a) cannot be tested under any metric.
    rows = {name: re.findall(rf"^\| {name} (\| .*)$", table, re.M) for name in ("lif", "synaptic")}
    assert rows["lif"] == rows["synaptic"]
    assert "Same verdict in every sweep under every metric and window: (a) cannot test" in table
    # On exact exponentials the slope finds the planted optimum at 2 in every window.
    assert re.search(
        r"^\| lif \| slope \| 12 \| 2\.\d+ \| .* \| supported \| contradicted \|$", table, re.M
    )


def test_cli_refuses_a_damaged_file_in_one_line(tmp_path, capsys):
    from jaxglia.cli import main

    directory, _, _ = _sweep_with_curves(tmp_path, curves=False)
    (directory / "run.json").write_text('{"config": {"neur')  # truncated
    assert main(["report", str(directory)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run.json is not valid JSON" in err
    assert "Traceback" not in err

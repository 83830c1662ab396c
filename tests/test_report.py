"""Tests of the sweep report: the statistics on synthetic tables with planted effects, and the
report on synthetic sweep directories, including degenerate ones."""

import json
import math
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jaxglia


NEURONS = tuple(range(0, 325, 25))
ASTROCYTES = tuple(range(0, 650, 50))
SMALL_NEURONS = (0, 50, 100, 200, 300)
SMALL_ASTROCYTES = (0, 100, 200, 400, 600)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The figures that `jaxglia.report` writes when the data support them (never a placeholder).
FIGURES = (
    "heatmap.png",
    "ratio.png",
    "populations.png",
    "size.png",
    "curves.png",
    "fit.png",
    "spec.png",
    "nrmse.png",
    "forecast.png",
)


def _table(
    learning_rate,
    *,
    neurons=NEURONS,
    astrocytes=ASTROCYTES,
    replicates=3,
    noise=0.0,
    seed=0,
    test_nrmse=None,
    valid_time=None,
    error_noise=0.0,
):
    """A results table with the sweep's schema; `learning_rate(n, a)` is the noiseless value.

    `test_nrmse(n, a)` and `valid_time(n, a)` plant those columns (test NRMSE 0.3 and no
    forecast columns otherwise); the forecast NRMSE is 1 / (1 + valid time), so it is lowest
    where the valid time is longest. `error_noise` is the SD of their noise.
    """
    rng = np.random.default_rng(seed)
    # A second stream, so that planting errors leaves the learning-rate noise unchanged.
    error_rng = np.random.default_rng(seed + 1000)
    rows = []
    for n in neurons:
        for a in astrocytes:
            if n == 0 and a == 0:
                continue
            for replicate in range(replicates):
                rows.append(
                    {
                        "num_neurons": n,
                        "num_astrocytes": a,
                        "replicate": replicate,
                        "seed": seed,
                        "num_units": n + a,
                        "ratio": a / n if n else math.nan,
                        "learning_rate": learning_rate(n, a) + rng.normal(0.0, noise),
                        "final_loss": 0.05,
                        "test_nrmse": 0.3,
                        "rate_neurons": 0.1 if n else math.nan,
                        "rate_astrocytes": 0.02 if a else math.nan,
                        "status": "ok",
                        "failure": "",
                        "capacity_neurons": max(neurons),
                        "capacity_astrocytes": max(astrocytes),
                    }
                )
                if test_nrmse is not None:
                    rows[-1]["test_nrmse"] = test_nrmse(n, a) + error_rng.normal(0.0, error_noise)
                if valid_time is not None:
                    vt = valid_time(n, a) + error_rng.normal(0.0, error_noise)
                    rows[-1]["valid_time"] = vt
                    rows[-1]["forecast_nrmse"] = 1.0 / (1.0 + vt)
    return pd.DataFrame(rows)


def _optimum_at_two(n, a):
    """Mixed networks: best at A/N = 2 and better when larger. Single populations: slower."""
    if n > 0 and a > 0:
        return -0.02 + 0.002 * (math.log(a / n) - math.log(2.0)) ** 2 - 2e-6 * (n + a)
    return -0.002 - 2e-6 * (n + a)


def _optimum_at_six(n, a):
    if n > 0 and a > 0:
        return -0.02 + 0.002 * (math.log(a / n) - math.log(6.0)) ** 2
    return -0.002


def _fail(table, rows):
    table = table.copy()
    for column in ("learning_rate", "final_loss", "test_nrmse"):
        table.loc[rows, column] = math.nan
    table.loc[rows, "status"] = "failed"
    table.loc[rows, "failure"] = "training diverged: non-finite loss from epoch 3"
    return table


def _write_sweep(directory, table, *, epochs=20, curves=True, run=True, config=None):
    """Write results.csv, curves.npz and run.json as a sweep does; the curves decay at exactly
    the table's learning rate (in decades per epoch)."""
    directory.mkdir(parents=True, exist_ok=True)
    table.to_csv(directory / "results.csv", index=False)
    if curves:
        slope = table["learning_rate"].to_numpy()[:, None]
        losses = (0.5 * 10.0 ** (slope * np.arange(epochs))).astype(np.float32)
        np.savez(
            directory / "curves.npz",
            curves=losses,
            num_neurons=table["num_neurons"].to_numpy(),
            num_astrocytes=table["num_astrocytes"].to_numpy(),
            replicate=table["replicate"].to_numpy(),
        )
    if run:
        config = {
            "neurons": sorted(table["num_neurons"].unique().tolist()),
            "astrocytes": sorted(table["num_astrocytes"].unique().tolist()),
            "replicates": [0],
            "steps": 3000,
            "epochs": epochs,
            **(config or {}),
        }
        info = {"config": config, "fingerprint": "0123456789abcdef", "versions": {"jax": "x"}}
        (directory / "run.json").write_text(json.dumps(info))
    return directory


def _assert_figures(directory, absent=()):
    """Every figure but `absent` is drawn, as PNG and SVG; those in `absent` are not there
    (no placeholder image), and report.md embeds exactly the drawn ones."""
    text = (directory / "report.md").read_text(encoding="utf-8")
    for name in FIGURES:
        path = directory / name
        if name in absent:
            assert not path.exists() and not path.with_suffix(".svg").exists(), name
            assert f"]({name})" not in text and f"*{name}* is not drawn: " in text, name
            continue
        assert path.is_file(), name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        assert path.stat().st_size > 1000, name
        assert path.with_suffix(".svg").read_text().lstrip().startswith("<?xml"), name
        assert f"![{name}]({name})" in text, name


LR_FIGURES = ("heatmap.png", "ratio.png", "populations.png", "size.png", "curves.png")


@pytest.fixture(scope="module")
def optimum_stats():
    table = _table(_optimum_at_two, noise=0.001, seed=1)
    return jaxglia.analyse(table)


# ---------------------------------------------------------------------------------------
# Statistics on planted effects.


def test_optimum_ratio_recovered(optimum_stats):
    ratio = optimum_stats["ratio"]
    assert ratio["available"]
    raw = ratio["raw"]
    low, high = raw["interval"]
    assert low <= 2.0 <= high
    assert 1.5 < raw["optimum"] < 2.7
    # The interval is informative, not the whole sampled range (1/6 to 24).
    assert high / low < 3.0
    assert not raw["optimum_at_edge"]
    assert optimum_stats["claims"]["d"]["verdict"] == "supported"
    # The quadratic in log ratio has its vertex at the planted optimum too.
    vertex = optimum_stats["regression"]["log10(A/N), squared"]["vertex_ratio"]
    assert 1.7 < vertex < 2.4


def test_optimum_away_from_two_is_not_supported():
    stats = jaxglia.analyse(_table(_optimum_at_six, noise=0.001, seed=2), n_boot=200)
    raw = stats["ratio"]["raw"]
    assert 4.5 < raw["optimum"] < 8.0
    assert not raw["contains_2"]
    assert stats["claims"]["d"]["verdict"] == "contradicted"


def test_population_difference_detected(optimum_stats):
    comparisons = optimum_stats["populations"]["comparisons"]
    for other in ("neuron-only", "astrocyte-only"):
        c = comparisons[f"mixed vs {other}"]
        assert c["available"]
        assert c["cliffs_delta"] < -0.9  # mixed networks are planted well below both
        assert c["p_holm"] < 1e-6
        # Matching by total size keeps only sizes both groups have.
        assert "shared total size" in c["matching"]
    assert optimum_stats["claims"]["a"]["verdict"] == "supported"


def test_no_planted_difference_is_not_supported():
    stats = jaxglia.analyse(_table(lambda n, a: -0.01, noise=0.001, seed=3), n_boot=100)
    assert stats["claims"]["a"]["verdict"] != "supported"
    for c in stats["populations"]["comparisons"].values():
        assert abs(c["cliffs_delta"]) < 0.5


def test_size_regression_and_lasso():
    table = _table(lambda n, a: 0.001 - 1e-4 * (n + a), noise=0.005, seed=4)
    stats = jaxglia.analyse(table, n_boot=100)
    regression = stats["regression"]
    size = regression["N + A"]["terms"]["N + A"]
    assert size["coef"] < 0 and size["p"] < 0.01
    assert size["coef"] == pytest.approx(-1e-4, rel=0.1)
    separate = regression["N, A"]["terms"]
    for term in ("N", "A"):
        assert separate[term]["coef"] < 0 and separate[term]["p"] < 0.01
    # N and A vary independently on a full grid; N + A is exactly their sum.
    assert all(v < 2.0 for v in regression["N, A"]["vif"].values())
    assert all(math.isinf(v) for v in regression["N, A, N + A"]["vif"].values())
    assert regression["N, A, N + A"]["rank"] == 3 < regression["N, A, N + A"]["n_params"]
    assert stats["claims"]["b"]["verdict"] == "supported"
    # Planted: only N + A matters. On the identifiable design (S, D) the split D is
    # not significant and the LASSO keeps S in (nearly) every half-sample.
    split = stats["split"]
    assert split["terms"]["N + A"]["coef"] == pytest.approx(-1e-4, rel=0.1)
    assert split["terms"]["A - N"]["p"] > 0.05
    assert stats["claims"]["e"]["verdict"] == "supported"


def test_slower_with_size_is_contradicted():
    stats = jaxglia.analyse(
        _table(lambda n, a: -0.05 + 1e-4 * (n + a), noise=0.005, seed=5), n_boot=100
    )
    assert stats["claims"]["b"]["verdict"] == "contradicted"


def test_fraction_trend_detected():
    stats = jaxglia.analyse(
        _table(lambda n, a: -0.02 * a / (n + a), noise=0.002, seed=6), n_boot=100
    )
    assert stats["size_fraction"]["terms"]["A/(N + A)"]["coef"] < 0
    assert stats["claims"]["c"]["verdict"] == "supported"


def test_analyse_is_deterministic_and_plain(optimum_stats):
    again = jaxglia.analyse(_table(_optimum_at_two, noise=0.001, seed=1))
    assert json.dumps(again, sort_keys=True) == json.dumps(optimum_stats, sort_keys=True)

    def check(value):
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for v in value.values():
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)
        else:
            assert value is None or type(value) in (bool, int, float, str), type(value)

    check(optimum_stats)


# Irregular grids, so that nearly every mixed network has a ratio A/N of its own.
IRREGULAR_NEURONS = (0, 7, 13, 29, 41, 67, 101, 151, 211, 307)
IRREGULAR_ASTROCYTES = (0, 11, 23, 37, 53, 83, 127, 181, 251, 397)


def _mixed_log_ratios(table):
    """log10(A/N) and the learning rate of a table's mixed networks."""
    mixed = table.loc[(table["num_neurons"] > 0) & (table["num_astrocytes"] > 0)]
    x = np.log10(mixed["num_astrocytes"].to_numpy(float) / mixed["num_neurons"].to_numpy(float))
    return x, mixed["learning_rate"].to_numpy(float)


def test_smoother_matches_statsmodels_local_linear_kernel_regression():
    from statsmodels.nonparametric.kernel_regression import KernelReg

    def planted(n, a):
        return 0.01 * (math.log10(a / n) - 0.3) ** 2 if n and a else -0.01

    # Little noise gives a narrow kernel, much noise a wide one (cross-validated widths).
    bandwidths = []
    for noise in (0.0005, 0.05):
        table = _table(
            planted,
            neurons=IRREGULAR_NEURONS,
            astrocytes=IRREGULAR_ASTROCYTES,
            replicates=1,
            noise=noise,
            seed=7,
        )
        ratio = jaxglia.analyse(table, n_boot=10)["ratio"]
        assert ratio["available"] and ratio["n_ratios"] > 75
        bandwidth = ratio["bandwidth"]
        bandwidths.append(bandwidth)
        x, y = _mixed_log_ratios(table)
        grid = np.log10(ratio["curve"]["ratio"])
        with warnings.catch_warnings():
            # KernelReg warns about a future change of its default random generator.
            warnings.simplefilter("ignore", FutureWarning)
            # A fixed bandwidth is passed as a list (the stubs only allow a method name).
            bw: Any = [bandwidth]
            model = KernelReg([y], [x], var_type="c", reg_type="ll", bw=bw)
            theirs = model.fit(grid)[0]
        np.testing.assert_allclose(ratio["curve"]["mean"], theirs, rtol=1e-9, atol=1e-12)
    narrow, wide = bandwidths
    assert narrow < wide / 3


def test_smoother_on_tied_ratios_is_exact_for_a_line():
    # On a grid many networks share a ratio; a straight line must still come back exactly.
    table = _table(
        lambda n, a: 3.0 - 2.0 * math.log10(a / n),
        neurons=(100,),
        astrocytes=(50, 100, 200, 400),
        replicates=5,
    )
    ratio = jaxglia.analyse(table, n_boot=20)["ratio"]
    assert ratio["available"] and ratio["n"] == 20 and ratio["n_ratios"] == 4
    grid = np.log10(ratio["curve"]["ratio"])
    np.testing.assert_allclose(ratio["curve"]["mean"], 3.0 - 2.0 * grid, atol=1e-10)


def test_failures_are_counted_and_left_out():
    table = _fail(
        _table(_optimum_at_two, neurons=SMALL_NEURONS, astrocytes=SMALL_ASTROCYTES), [0, 1, 5]
    )
    stats = jaxglia.analyse(table, n_boot=50)
    assert stats["failures"]["n_failed"] == 3
    assert stats["n_usable"] == len(table) - 3
    pairs = {(p["num_neurons"], p["num_astrocytes"]) for p in stats["failures"]["by_pair"]}
    assert pairs == {tuple(table.loc[i, ["num_neurons", "num_astrocytes"]]) for i in (0, 1, 5)}


def test_analyse_rejects_missing_columns():
    with pytest.raises(jaxglia.ReportError, match="learning_rate"):
        jaxglia.analyse(pd.DataFrame({"num_neurons": [1], "num_astrocytes": [2]}))


# ---------------------------------------------------------------------------------------
# The report on sweep directories.


def test_report_writes_every_figure_and_each_claim(tmp_path):
    table = _table(
        _optimum_at_two,
        neurons=SMALL_NEURONS,
        astrocytes=SMALL_ASTROCYTES,
        replicates=3,
        noise=0.001,
    )
    table = _fail(table, [4])
    directory = _write_sweep(tmp_path / "sweep", table)
    path = jaxglia.report(directory)
    assert path == directory / "report.md"
    _assert_figures(directory, absent=("forecast.png",))
    text = path.read_text(encoding="utf-8")
    for key in "abcde":
        assert f"| ({key}) " in text
    for phrase in ("neuron-only", "N + A", "A/(N + A)", "A:N = 2:1", "LASSO", "Specification"):
        assert phrase in text
    n, a = table.loc[4, ["num_neurons", "num_astrocytes"]]
    assert "1 failed" in text and f"(N, A) = ({n}, {a}) ×1" in text
    assert "Fingerprint `0123456789abcdef`" in text
    assert "VIF" in text and "∞" in text
    # Old sweeps: no forecast columns, no baselines.csv; the report says how to get them.
    assert "## Forecasting" in text and "`jaxglia sweep --forecast`" in text
    assert "## Baselines on the same split" in text and "`jaxglia baselines --out DIR`" in text
    assert "## Test NRMSE" in text


def test_report_on_a_single_network(tmp_path):
    table = _table(_optimum_at_two, neurons=(50,), astrocytes=(100,), replicates=1)
    directory = _write_sweep(tmp_path / "sweep", table)
    out = tmp_path / "elsewhere"
    path = jaxglia.report(directory, out=out)
    assert path == out / "report.md"
    assert not (directory / "report.md").exists()
    _assert_figures(out, absent=("forecast.png",))
    text = path.read_text(encoding="utf-8")
    assert "needs neuron-only networks" in text and "needs astrocyte-only networks" in text
    assert "needs at least 5 networks with both N > 0 and A > 0" in text
    assert "needs at least 10 successful networks" in text
    stats = jaxglia.analyse(table)
    assert {c["verdict"] for c in stats["claims"].values()} == {"cannot test"}


@pytest.mark.slow
def test_report_without_mixed_networks(tmp_path):
    table = pd.concat(
        [
            _table(_optimum_at_two, neurons=SMALL_NEURONS, astrocytes=(0,), replicates=2),
            _table(_optimum_at_two, neurons=(0,), astrocytes=SMALL_ASTROCYTES, replicates=2),
        ],
        ignore_index=True,
    )
    directory = _write_sweep(tmp_path / "sweep", table)
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    _assert_figures(directory, absent=("ratio.png", "forecast.png"))
    assert "needs networks with both N > 0 and A > 0" in text
    stats = jaxglia.analyse(table)
    assert stats["claims"]["a"]["verdict"] == "cannot test"
    assert stats["claims"]["d"]["verdict"] == "cannot test"
    # The single populations can still be compared with each other.
    assert stats["populations"]["comparisons"]["neuron-only vs astrocyte-only"]["available"]


def test_report_without_single_populations(tmp_path):
    table = _table(_optimum_at_two, neurons=(50, 100, 200), astrocytes=(100, 200, 400), noise=1e-3)
    directory = _write_sweep(tmp_path / "sweep", table)
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    _assert_figures(directory, absent=("forecast.png",))
    assert "needs neuron-only networks" in text
    assert "needs neuron-only networks" in text


def test_report_when_every_network_failed(tmp_path):
    table = _table(_optimum_at_two, neurons=SMALL_NEURONS, astrocytes=SMALL_ASTROCYTES)
    table = _fail(table, list(table.index))
    directory = _write_sweep(tmp_path / "sweep", table)
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    _assert_figures(
        directory, absent=(*LR_FIGURES, "fit.png", "spec.png", "nrmse.png", "forecast.png")
    )
    assert f"{len(table)} failed" in text
    assert "No network finished with a finite learning rate" in text
    assert text.count("**cannot test**") == 5


def test_report_without_curves_and_run(tmp_path):
    table = _table(_optimum_at_two, neurons=(0, 50, 100), astrocytes=(0, 100), replicates=1)
    directory = _write_sweep(tmp_path / "sweep", table, curves=False, run=False)
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    _assert_figures(directory, absent=("curves.png", "fit.png", "spec.png", "forecast.png"))
    assert "curves.npz is missing" in text
    assert "run.json is missing" in text


def test_report_errors(tmp_path):
    with pytest.raises(jaxglia.ReportError, match="does not exist"):
        jaxglia.report(tmp_path / "nowhere")
    with pytest.raises(jaxglia.ReportError, match="no results.csv"):
        jaxglia.report(tmp_path)
    (tmp_path / "results.csv").write_text("")
    with pytest.raises(jaxglia.ReportError, match="cannot read .*results.csv"):
        jaxglia.report(tmp_path)


def test_report_rejects_curves_from_another_sweep(tmp_path):
    table = _table(_optimum_at_two, neurons=(0, 50), astrocytes=(0, 100), replicates=1)
    directory = _write_sweep(tmp_path / "sweep", table)
    _write_sweep(tmp_path / "other", table.iloc[:2])
    (tmp_path / "other" / "curves.npz").replace(directory / "curves.npz")
    with pytest.raises(jaxglia.ReportError, match="different sweeps"):
        jaxglia.report(directory)


@pytest.mark.slow
def test_report_slope_over_first_epochs(tmp_path):
    # Curves that fall fast for 4 epochs and then flatten: over all epochs the planted 2:1
    # optimum is hidden, over the first 4 epochs it is recovered exactly as planted.
    table = _table(_optimum_at_two, neurons=SMALL_NEURONS, astrocytes=SMALL_ASTROCYTES)
    directory = _write_sweep(tmp_path / "sweep", table, epochs=20)
    with np.load(directory / "curves.npz") as data:
        arrays = dict(data)
    curves = arrays["curves"].astype(np.float64)
    curves[:, 4:] = curves[:, [3]]  # flat after epoch 3
    arrays["curves"] = curves.astype(np.float32)
    np.savez(directory / "curves.npz", **arrays)
    path = jaxglia.report(directory, out=tmp_path / "early", slope_epochs=4)
    assert "first 4 epochs only" in path.read_text()
    with pytest.raises(jaxglia.ReportError, match="slope-epochs"):
        jaxglia.report(directory, out=tmp_path / "bad", slope_epochs=1)
    with pytest.raises(jaxglia.ReportError, match="curves.npz"):
        jaxglia.report(_write_sweep(tmp_path / "nocurves", table, curves=False), slope_epochs=4)


# ---------------------------------------------------------------------------------------
# Test error, forecasting and baselines.

FORECAST_NEURONS = (0, 25, 50, 100, 200, 300)
FORECAST_ASTROCYTES = (0, 25, 50, 100, 200, 400)


def _valid_time_peak(n, a):
    """Longest valid time at (N, A) = (100, 200), falling off in log2 N and log2 A; the
    single populations are planted well below every mixed network."""
    if n > 0 and a > 0:
        return 6.0 * math.exp(-0.1 * (math.log2(n / 100) ** 2 + math.log2(a / 200) ** 2))
    return 1.0 if a == 0 else 0.5


def _forecast_table(error_noise):
    table = _table(
        _optimum_at_two,
        neurons=FORECAST_NEURONS,
        astrocytes=FORECAST_ASTROCYTES,
        test_nrmse=lambda n, a: 0.05 if (n, a) == (200, 400) else 0.2,
        valid_time=_valid_time_peak,
        error_noise=error_noise,
        seed=8,
    )
    # Forecasting was not run for the largest N.
    table.loc[table["num_neurons"] == 300, ["valid_time", "forecast_nrmse"]] = math.nan
    return table


def test_forecast_picks_the_planted_best_networks():
    table = _forecast_table(error_noise=0.02)
    forecast = jaxglia.analyse(table, n_boot=50)["forecast"]
    assert forecast["available"] and forecast["metric"] == "valid_time"
    assert forecast["n_not_run"] == int((table["num_neurons"] == 300).sum())
    best = [(b["num_neurons"], b["num_astrocytes"]) for b in forecast["best"]]
    assert best[0] == (100, 200)
    # The four neighbours one octave away tie at 6 e^-0.1 (4.91 is the next value down).
    assert set(best[1:]) == {(50, 200), (200, 200), (100, 100), (100, 400)}
    assert forecast["best"][0]["valid_time"] == pytest.approx(6.0, abs=0.05)
    assert forecast["best"][0]["networks"] == 3
    statement = forecast["statement"]
    assert statement.startswith("Valid time (Lyapunov times): ")
    assert "mixed vs neuron-only: mixed longer" in statement
    assert "mixed vs astrocyte-only: mixed longer" in statement
    assert "neuron-only vs astrocyte-only: neuron-only longer" in statement


@pytest.mark.slow
def test_report_forecast_and_baselines(tmp_path):
    table = _forecast_table(error_noise=0.0)
    config = {"task": "lorenz", "readout": "mlp", "astrocyte_model": "lif"}
    directory = _write_sweep(tmp_path / "sweep", table, config=config)
    baselines = pd.DataFrame(
        {
            "model": ["ngrc", "esn", "esn"],
            "task": ["lorenz", "lorenz", "rossler"],
            "test_nrmse": [0.0123, 0.031, 0.5],
            "forecast_nrmse": [0.045, 0.09, 0.6],
            "valid_time": [8.5, 5.25, 1.0],
            "fit_seconds": [0.21, 3.5, 3.0],
            "valid_steps": [850, 525, 100],  # a score, not a hyperparameter
            "ridge": [1e-6, 1e-4, 1e-4],
            "delays": [2, math.nan, math.nan],
            "units": [math.nan, 500, 500],
        }
    )
    baselines.to_csv(directory / "baselines.csv", index=False)
    provenance = {"sweep_fingerprint": "0123456789abcdef"}  # run.json's, as _write_sweep writes
    (directory / "baselines.json").write_text(json.dumps(provenance))
    text = jaxglia.report(directory, out=tmp_path / "out").read_text(encoding="utf-8")
    _assert_figures(tmp_path / "out")
    # A drawn two-panel figure.
    assert (tmp_path / "out" / "forecast.png").stat().st_size > 30_000
    forecast = text[text.index("## Forecasting") : text.index("## Baselines")]
    assert "mixed vs neuron-only: mixed longer" in forecast
    assert f"{int((table['num_neurons'] == 300).sum())} finished network(s) have none" in forecast
    # Rank 1 is the planted peak: valid time 6, forecast NRMSE 1/7, test NRMSE 0.2.
    assert "| 1 | 100 | 200 | 2 | 3 | 6 | 0.143 | 0.2 |" in forecast
    # The best test NRMSE is planted at (200, 400).
    nrmse = text[text.index("## Test NRMSE") : text.index("## Forecasting")]
    assert "| 1 | 200 | 400 | 2 | 3 | 0.05 |" in nrmse

    section = text[text.index("## Baselines on the same split") :]
    assert "| ngrc | lorenz | 0.0123 | 0.045 | 8.5 | 0.21 | ridge=1e-06, delays=2 |" in section
    assert "| esn | lorenz | 0.031 | 0.09 | 5.25 | 3.5 | ridge=0.0001, units=500 |" in section
    # The sweep's best by test NRMSE, then by valid time: (median) test NRMSE, forecast NRMSE
    # and valid time 6 e^-0.2 = 4.91 at (200, 400); 0.2, 1/7 and 6 at (100, 200).
    assert (
        "| spiking reservoir, best by test NRMSE: N = 200, A = 400 | lorenz | 0.05 | 0.169 | "
        "4.91 | – | median of 3 replicate(s) |"
    ) in section
    assert (
        "| spiking reservoir, best by valid time: N = 100, A = 200 | lorenz | 0.2 | 0.143 | "
        "6 | – | median of 3 replicate(s) |"
    ) in section
    assert "lowest median test NRMSE and the longest median valid time" in section
    # A baseline of another task is flagged; a baselines.csv without `model` is refused.
    assert "| esn | rossler | 0.5 |" in section
    assert "rows for task rossler, but the sweep ran task lorenz" in section
    baselines.drop(columns="model").to_csv(directory / "baselines.csv", index=False)
    with pytest.raises(jaxglia.ReportError, match="baselines.csv.*lacks model"):
        jaxglia.report(directory, out=tmp_path / "out")


def _ridge_table():
    """A ridge-readout sweep: no learning rate, no epochs; test NRMSE best near A:N = 2."""
    table = _table(
        lambda n, a: math.nan,
        neurons=SMALL_NEURONS,
        astrocytes=SMALL_ASTROCYTES,
        test_nrmse=lambda n, a: (
            0.1 + 0.05 * (math.log(a / n) - math.log(2.0)) ** 2 if n and a else 0.5
        ),
        error_noise=0.002,
    )
    table["final_loss"] = 0.01
    # Forecast columns present but empty: the sweep ran without --forecast.
    table["valid_time"] = math.nan
    table["forecast_nrmse"] = math.nan
    return table


def test_ridge_readout_report(tmp_path):
    table = _ridge_table()
    directory = _write_sweep(tmp_path / "sweep", table, config={"readout": "ridge"})
    text = jaxglia.report(directory).read_text(encoding="utf-8")
    _assert_figures(directory, absent=(*LR_FIGURES, "fit.png", "spec.png", "forecast.png"))
    assert "the learning-rate analyses do not apply" in text.lower()
    assert "ridge readout is fitted in closed form, so it has no epochs" in text
    assert text.count("**does not apply**") == 5
    assert "No network finished with a finite learning rate" not in text
    nrmse = text[text.index("## Test NRMSE") : text.index("## Forecasting")]
    assert "| 1 | 100 | 200 | 2 | 3 |" in nrmse or "| 1 | 50 | 100 | 2 | 3 |" in nrmse
    assert "mixed vs neuron-only: mixed lower" in nrmse
    assert "forecasting was not run for any network" in text.lower()
    # Without run.json's readout, the empty learning rate alone tells the same.
    stats = jaxglia.analyse(table, n_boot=20)
    assert "no epochs" in stats["no_learning_rate"]
    assert {c["verdict"] for c in stats["claims"].values()} == {"does not apply"}
    with pytest.raises(jaxglia.ReportError, match="ridge"):
        jaxglia.report(directory, out=tmp_path / "early", slope_epochs=4)


# ---------------------------------------------------------------------------------------
# Comparing sweeps.


def test_compare_recovers_each_models_optimum(tmp_path):
    sweeps = {
        "lif": (_optimum_at_two, 2.0),
        "synaptic": (_optimum_at_six, 6.0),
    }
    directories = []
    for i, (model, (planted, _)) in enumerate(sweeps.items()):
        table = _table(planted, replicates=2, noise=0.001, seed=10 + i)
        config = {"task": "lorenz", "readout": "mlp", "astrocyte_model": model}
        directories.append(_write_sweep(tmp_path / model, table, curves=False, config=config))
    path = jaxglia.compare(directories, out=tmp_path / "cmp")
    assert path == tmp_path / "cmp" / "compare.md"
    assert (tmp_path / "cmp" / "models.png").read_bytes()[:8] == PNG_SIGNATURE
    assert (tmp_path / "cmp" / "models.png").stat().st_size > 30_000
    text = path.read_text(encoding="utf-8")
    assert "Not drawn" not in text
    assert "Compared on the learning rate" in text
    assert "holds for lif; it does not hold for synaptic" in text

    # Each model's row: optimum A/N, its 95 % interval, ..., the verdict on A:N = 2.
    for model, (_, planted) in sweeps.items():
        row = re.search(rf"^\| {model} \| ([\d.]+) \| ([\d.]+) to ([\d.]+) \|.*\|$", text, re.M)
        assert row, model
        optimum, low, high = (float(v) for v in row.groups())
        assert low <= planted <= high, model
        assert optimum == pytest.approx(planted, rel=0.3)
    assert re.search(r"^\| lif \|.* \*\*supported\*\* \|$", text, re.M)
    assert re.search(r"^\| synaptic \|.* \*\*contradicted\*\* \|$", text, re.M)


def test_compare_on_ridge_uses_test_nrmse(tmp_path):
    ridge = _write_sweep(tmp_path / "a", _ridge_table(), curves=False, config={"readout": "ridge"})
    mlp = _write_sweep(
        tmp_path / "b",
        _table(_optimum_at_two, neurons=SMALL_NEURONS, astrocytes=SMALL_ASTROCYTES),
        curves=False,
    )
    text = jaxglia.compare([ridge, mlp], out=tmp_path / "cmp").read_text(encoding="utf-8")
    # Compared on the test NRMSE, because sweep a (and only a) has no learning rate.
    assert text.startswith("# Model comparison: test NRMSE against the astrocyte:neuron ratio")
    assert "Compared on the test NRMSE (lower is better), not on the learning rate" in text
    assert (
        "because not every sweep has one (a: the ridge readout is fitted in closed form, so it "
        "has no epochs, hence no loss curve and no learning rate). The paper's claim"
    ) in text
    # No astrocyte_model in either config: each sweep is named by its directory.
    assert re.findall(r"^\| (\w+) \| `", text, re.M) == ["a", "b"]
    row = re.search(r"^\| a \| ([\d.]+) \| ([\d.]+) to ([\d.]+) \|.*\|$", text, re.M)
    assert row
    low, high = float(row.group(2)), float(row.group(3))
    assert low <= 2.0 <= high


def test_compare_refuses(tmp_path):
    table = _table(_optimum_at_two, neurons=(0, 50), astrocytes=(0, 100), replicates=1)
    lorenz = _write_sweep(tmp_path / "lorenz", table, curves=False, config={"task": "lorenz"})
    rossler = _write_sweep(tmp_path / "rossler", table, curves=False, config={"task": "rossler"})
    with pytest.raises(jaxglia.ReportError, match="at least two sweep directories; got 1"):
        jaxglia.compare([lorenz], out=tmp_path / "cmp")
    with pytest.raises(jaxglia.ReportError, match="at least two sweep directories; got 1"):
        jaxglia.compare(str(lorenz), out=tmp_path / "cmp")  # a path, not a list of them
    with pytest.raises(jaxglia.ReportError, match="different tasks.*lorenz.*rossler.*meaningless"):
        jaxglia.compare([lorenz, rossler], out=tmp_path / "cmp")
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "results.csv").write_text("num_neurons\n")
    with pytest.raises(jaxglia.ReportError, match="unfinished is not a finished sweep.*run.json"):
        jaxglia.compare([lorenz, tmp_path / "unfinished"], out=tmp_path / "cmp")
    with pytest.raises(jaxglia.ReportError, match="labels: got 1 label"):
        jaxglia.compare([lorenz, lorenz], out=tmp_path / "cmp", labels=["x"])
    assert not (tmp_path / "cmp").exists()


def test_report_reads_a_real_sweep_through_load(tmp_path):
    # A sweep directory (sweep.json) is read through jaxglia.load: the report's table is the
    # loaded Dataset's, results.csv can be rebuilt from the chunks, and an unfinished sweep
    # is refused with how many networks are done.
    cfg = jaxglia.SweepConfig(neurons=(0, 6), astrocytes=(0, 6), replicates=1, steps=300,
                              washout=20, epochs=4, hidden=8, batch_size=32,
                              chunk_size=1, block_size=1)  # fmt: skip
    out = tmp_path / "sweep"
    jaxglia.sweep(cfg, out, progress=False, log=lambda message: None)
    first = jaxglia.report(out).read_text()
    versions = first.split("versions: ", 1)[1].split("\n", 1)[0]
    assert "…" not in versions and "pandas" in versions  # the whole line, not cut short
    # A truncated or empty output file: one line naming it and how to rebuild it.
    curves = (out / "curves.npz").read_bytes()
    for damaged in (curves[:100], b""):
        (out / "curves.npz").write_bytes(damaged)
        with pytest.raises(jaxglia.ReportError) as error:
            jaxglia.report(out)
        message = str(error.value)
        assert "\n" not in message and "curves.npz is " in message
        assert "rerun `jaxglia sweep` with the same options" in message
    (out / "curves.npz").write_bytes(curves)
    (out / "results.csv").unlink()  # the chunks are the source of truth
    second = jaxglia.report(out).read_text()
    strip = lambda text: re.sub(r"\d+(\.\d+)? s\b", "", text)
    assert strip(second) == strip(first)
    sorted((out / "chunks").glob("*.npz"))[0].unlink()
    with pytest.raises(jaxglia.ReportError, match="2 of 3 networks are done"):
        jaxglia.report(out)

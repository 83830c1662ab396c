import types

import jaxglia


EXPECTED = {
    "AbstractPopulation", "ConfigError", "Connectivity", "LIF", "LIFState", "Recording", "Synapses",
    "ReportError", "Reservoir", "ReservoirState", "analyse", "report", "SweepConfig",
    "SynapticLIF", "SynapticLIFState",
    "SweepResult", "Task", "firing_rate",
    "fit_readout", "init_readout", "learning_rate_slope", "lorenz", "lorenz_task",
    "make_reservoir", "mse", "network_key", "nrmse", "plan_buckets", "preset", "run_network",
    "simulate", "sweep",
    # Beyond the paper: tasks, forecasting, astrocyte models, model comparison.
    "SYSTEMS", "generate", "make_task", "rossler", "double_scroll", "mackey_glass", "narma10",
    "largest_lyapunov_exponent", "feed_back", "forecast_scores", "valid_steps",
    "Tripartite", "LiRinzel", "LiRinzelState", "compare", "baselines", "learning_speed",
    # Integrators and baselines to use directly: the ODEs' vector fields and RK4 step, NG-RC,
    # the echo state network, and the closed-form ridge fit they share with the readout.
    "rk4_step", "lorenz_vector_field", "rossler_vector_field", "double_scroll_vector_field",
    "li_rinzel_rhs", "NGRC", "fit_ngrc", "ngrc_features", "ngrc_forecast", "ngrc_protocol",
    "ESN", "fit_esn", "esn_forecast", "run_baselines", "fit_ridge", "fit_ridge_validated",
    "valid_time_windows",
    # Reading a sweep's directory.
    "load", "LoadError",
    # The composable experiment: its parts' abstract classes, the built-ins, the grid.
    "Experiment", "Grid", "Execution", "network_flops", "UnitLayout",
    "AbstractTask", "System", "AbstractFeatures", "Membrane", "Spikes", "Filtered",
    "AbstractReadout", "MLPReadout", "RidgeReadout", "Fit", "Linear",
    "evaluate_network", "versions",
}  # fmt: skip


def test_public_names():
    public = {
        name
        for name, obj in vars(jaxglia).items()
        if not name.startswith("_") and not isinstance(obj, types.ModuleType)
    }
    assert public == EXPECTED


def test_public_objects_are_documented():
    for name in EXPECTED - {"SYSTEMS"}:  # a dict: its entries are documented dataclasses
        assert getattr(jaxglia, name).__doc__, name


def test_version():
    assert jaxglia.__version__


def test_no_private_imports_outside_the_package():
    # Tests, benchmarks and notebooks use public names only (`import jaxglia`).
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1]
    pattern = re.compile(r"jaxglia\._[a-z]")
    offenders = []
    for folder in ("tests", "benchmarks", "notebooks"):
        for path in sorted((root / folder).glob("*")):
            if path.suffix in (".py", ".ipynb") and path.name != "test_api.py":
                if pattern.search(path.read_text(encoding="utf-8")):
                    offenders.append(f"{folder}/{path.name}")
    assert offenders == []

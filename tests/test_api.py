import types

import jaxglia


EXPECTED = {
    "AbstractPopulation", "ConfigError", "Connectivity", "LIF", "LIFState", "Recording",
    "ReportError", "Reservoir", "ReservoirState", "analyse", "report", "SweepConfig",
    "SynapticLIF", "SynapticLIFState",
    "SweepResult", "Task", "firing_rate",
    "fit_readout", "init_readout", "learning_rate_slope", "lorenz", "lorenz_task",
    "make_reservoir", "mse", "network_key", "nrmse", "plan_buckets", "preset", "run_network",
    "simulate", "sweep",
    # Beyond the paper: tasks, forecasting, astrocyte models, model comparison.
    "SYSTEMS", "generate", "make_task", "rossler", "double_scroll", "mackey_glass", "narma10",
    "largest_lyapunov_exponent", "feed_back", "forecast_scores", "valid_steps",
    "Tripartite", "LiRinzel", "LiRinzelState", "compare", "baselines",
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

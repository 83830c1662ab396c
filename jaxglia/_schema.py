"""The results schema, declared once: every column of `results.csv`, every key of a chunk
file and of `curves.npz`, with what each holds.

The sweep writes these names, `load` reads them, and the report and the README's column
list derive from `COLUMNS`. A network is identified by `IDENTITY` everywhere.
"""

# What identifies one network of a grid: its sizes and which independent draw it is.
IDENTITY = ("num_neurons", "num_astrocytes", "replicate")

# The scalar metrics of one network, in the order of the results table.
METRICS = (
    "learning_rate",
    "final_loss",
    "test_nrmse",
    "forecast_nrmse",
    "valid_time",
    "readout_penalty",
    "penalty_on_edge",
    "rate_neurons",
    "rate_astrocytes",
)

# Every column of results.csv with its meaning (the README's table is made from this).
COLUMNS: dict[str, str] = {
    "num_neurons": "N, the number of neurons",
    "num_astrocytes": "A, the number of astrocyte-like units",
    "replicate": "which independent draw of this size (0, 1, ...)",
    "seed": "the sweep's root seed",
    "num_units": "N + A",
    "ratio": "A / N (empty for astrocyte-only networks, where it is undefined)",
    "learning_rate": "the paper's metric: least-squares slope of log10 epoch-mean training "
    "MSE against epoch (more negative = faster; empty for readouts without epochs)",
    "final_loss": "training MSE of the last epoch (MLP) or of the fitted readout (ridge)",
    "test_nrmse": "one-step NRMSE on the test split",
    "forecast_nrmse": "closed-loop RMS error over one Lyapunov time (with --forecast)",
    "valid_time": "closed-loop valid prediction time in Lyapunov times (with --forecast)",
    "readout_penalty": "the penalty the ridge readout chose by validation (empty for the MLP)",
    "penalty_on_edge": "1 if that penalty is the smallest or largest of the range searched "
    "(the validated optimum may lie outside it), else 0; empty for the MLP",
    "rate_neurons": "mean output per neuron per step (spikes), empty without neurons",
    "rate_astrocytes": "mean output per astrocyte per step (spikes, or the Li-Rinzel "
    "current), empty without astrocytes",
    "status": "ok, or failed",
    "failure": "why a network failed (empty if it did not)",
    "capacity": "the padded size the network was computed at",
}

RESULT_COLUMNS = tuple(COLUMNS)

# A chunk file holds, per network, its identity, its metrics, its loss curve and capacity.
CHUNK_KEYS = (*IDENTITY, *METRICS, "curve", "capacity")

# curves.npz: `curves` (networks x epochs), the identity of each row, and the epoch index.
CURVE_KEYS = ("curves", *IDENTITY, "epoch")

# The files a finished sweep leaves in its directory besides `chunks/` and `sweep.json`.
OUTPUTS = ("results.csv", "curves.npz", "run.json")

# Files other commands derive from a sweep into its directory (`baselines`, `report`):
# `sweep --overwrite` removes them with the old sweep, so none outlives the data it shows.
SWEEP_DERIVED = ("baselines.csv", "baselines.json", "report.md")


def columns_markdown() -> str:
    """The README's table of results.csv's columns, made from `COLUMNS`."""
    rows = ["| column | holds |", "| --- | --- |"]
    rows += [f"| `{name}` | {meaning} |" for name, meaning in COLUMNS.items()]
    return "\n".join(rows) + "\n"

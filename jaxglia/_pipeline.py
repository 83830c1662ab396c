"""One network, end to end: reservoir -> features -> standardisation -> readout -> metrics.

`evaluate_network` is written for a single network at a given capacity. The sweep vmaps it
over a bucket of networks; `run_network` jits it for one network at its exact size.
"""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, ArrayLike, Int

from ._config import ConfigError, SweepConfig
from ._connectivity import UnitLayout, readout_subset
from ._experiment import Experiment, prepare_task
from ._metrics import firing_rate, forecast_scores, learning_rate_slope, nrmse
from ._ranges import plain
from ._readout import apply_stats, feature_stats, predict
from ._reservoir import build_reservoir, network_key
from ._simulate import closed_loop, run_reservoir
from ._sweep._plan import check_memory
from ._tasks import Task


def evaluate_network(
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    replicate: Int[ArrayLike, ""],
    task: Task,
    experiment: Experiment,
    capacity: int,
) -> dict[str, Array]:
    """Build, simulate, train and score network (N, A, replicate) at `capacity`.

    Every random draw comes from `network_key(seed, N, A, replicate)`, so the result depends
    on the network alone, not on the capacity or the batch it is evaluated in (up to the
    float rounding of differently shaped matrix products). `task` is
    `experiment.make_task()` (made once, outside the batched program).

    **Returns:** a dict of scalars (`learning_rate`, `final_loss`, `test_nrmse`,
    `forecast_nrmse`, `valid_time`, `readout_penalty`, `penalty_on_edge`, `rate_neurons`,
    `rate_astrocytes`) and `curve`, the
    per-epoch training loss. A readout without epochs (ridge) has an empty curve and a NaN
    learning rate. With `experiment.forecast`, the trained readout then runs closed-loop
    from the first test input over the test split: `forecast_nrmse` is its error over one
    Lyapunov time (in units of each variable's training standard deviation) and
    `valid_time` the time, in Lyapunov times, until that error first exceeds 0.4; both are
    NaN without forecasting.
    """
    ex = experiment
    key = network_key(ex.seed, num_neurons, num_astrocytes, replicate)
    key_reservoir, key_readout, key_order = jr.split(key, 3)
    reservoir = build_reservoir(
        key_reservoir,
        num_neurons,
        num_astrocytes,
        capacity,
        ex.neurons,
        ex.astrocytes,
        ex.connectivity,
        task.inputs.shape[1],
        ex.coupling,
    )
    num_train = task.num_train
    layout = UnitLayout.of(capacity, num_neurons, num_astrocytes)
    units = None
    if 0 < ex.readout_units < capacity:  # the readout sees a random subset of units
        units, layout = readout_subset(key_reservoir, layout, ex.readout_units)
    run = lambda inputs, washout, initial=None: run_reservoir(
        reservoir, inputs, features=ex.features, washout=washout, initial=initial, units=units
    )
    split = task.washout + num_train
    if ex.forecast:
        # Two teacher-forced runs, train then test, so the closed loop can start from the
        # reservoir's state at the split.
        train_run = run(task.inputs[:split], task.washout)
        test_run = run(task.inputs[split:], 0, train_run.final)
        raw = jnp.concatenate([train_run.features, test_run.features])
        counts = train_run.spike_counts + test_run.spike_counts
        steps = train_run.num_steps + test_run.num_steps
    else:
        recording = run(task.inputs, task.washout)
        raw, counts, steps = recording.features, recording.spike_counts, recording.num_steps
        train_run = None
    mean, std = feature_stats(raw, num_train)
    features = apply_stats(raw, mean, std)
    targets = task.targets[task.washout :]
    initial = ex.readout.init(layout, targets.shape[1], key=key_readout)
    fit = ex.readout.fit(initial, features[:num_train], targets[:num_train], key=key_order)
    if ex.readout.num_epochs:
        learning_rate = learning_rate_slope(fit.curve)
    else:
        learning_rate = jnp.asarray(jnp.nan, features.dtype)
    truth = targets[num_train:]
    nan = jnp.asarray(jnp.nan, features.dtype)
    forecast_error, valid_time = nan, nan
    # A ridge readout's predictor (`Linear`) records its validated penalty and whether
    # it sits on an edge of the range searched; other readouts report NaN.
    penalty = jnp.asarray(getattr(fit.predictor, "penalty", nan), features.dtype)
    on_edge = jnp.asarray(getattr(fit.predictor, "penalty_on_edge", nan), features.dtype)
    if ex.forecast and train_run is not None and task.lyapunov_steps is not None:
        forecast = closed_loop(
            reservoir,
            train_run.final,  # pyright: ignore[reportArgumentType]
            task.inputs[split],
            lambda f: fit.predictor(apply_stats(f, mean, std)),
            truth.shape[0],
            features=ex.features,
            units=units,
        )
        forecast_error, valid_time = forecast_scores(forecast, truth, task.lyapunov_steps)
    population = reservoir.population
    return {
        "learning_rate": learning_rate,
        "final_loss": fit.train_loss,
        "test_nrmse": nrmse(predict(fit.predictor, features[num_train:]), truth),
        "forecast_nrmse": forecast_error,
        "valid_time": valid_time,
        "readout_penalty": penalty,
        "penalty_on_edge": on_edge,
        "rate_neurons": firing_rate(counts, population == 0, steps),
        "rate_astrocytes": firing_rate(counts, population == 1, steps),
        "curve": fit.curve,
    }


@eqx.filter_jit
def _evaluate_jit(n, a, r, task, experiment, capacity):
    return evaluate_network(n, a, r, task, experiment, capacity)


def run_network(
    num_neurons: int,
    num_astrocytes: int,
    *,
    replicate: int = 0,
    config: "SweepConfig | Experiment | None" = None,
    capacity: int | None = None,
) -> dict[str, float | list[float]]:
    """Train and score one network (N, A) of an experiment (default: MODEL.md's defaults).

    **Arguments:**

    - `num_neurons`, `num_astrocytes`: sizes, >= 0, not both 0.
    - `replicate`: which independent draw of this size (default 0).
    - `config`: an `Experiment`, or a `SweepConfig` (its grid is ignored; its seed, task,
      units, wiring and readout options apply).
    - `capacity`: evaluate padded to this many units (default: exactly N + A).

    **Returns:** the metrics as Python floats and the loss curve as a list.
    """
    num_neurons, num_astrocytes, replicate = map(plain, (num_neurons, num_astrocytes, replicate))
    for name, value in (("num_neurons", num_neurons), ("num_astrocytes", num_astrocytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(name, value, "must be a whole number >= 0")
    if num_neurons + num_astrocytes == 0:
        raise ConfigError("num_neurons + num_astrocytes", 0, "the network needs N + A > 0")
    if isinstance(config, Experiment):
        experiment = config
    else:
        cfg = SweepConfig() if config is None else config
        experiment = Experiment.from_config(cfg)
    capacity = num_neurons + num_astrocytes if capacity is None else capacity
    if capacity < num_neurons + num_astrocytes:
        raise ValueError(f"`capacity`={capacity} is smaller than N + A.")
    check_memory(capacity, experiment)
    out = _evaluate_jit(
        jnp.asarray(num_neurons, jnp.int32),
        jnp.asarray(num_astrocytes, jnp.int32),
        jnp.asarray(replicate, jnp.int32),
        prepare_task(experiment),
        experiment,
        capacity,
    )
    result: dict[str, float | list[float]] = {k: float(v) for k, v in out.items() if k != "curve"}
    result["curve"] = [float(x) for x in out["curve"]]
    return result

"""One network, end to end: reservoir -> features -> standardisation -> MLP -> metrics.

`evaluate_network` is written for a single network at a given capacity. The sweep vmaps it
over a bucket of networks; `run_network` jits it for one network at its exact size.
"""

import math

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, ArrayLike, Float, Int

from ._astrocytes import MAX_RK4_STEP_MS, LiRinzel
from ._config import ConfigError, SweepConfig
from ._connectivity import Connectivity, Tripartite
from ._lif import LIF, AbstractPopulation, SynapticLIF
from ._metrics import firing_rate, forecast_scores, learning_rate_slope, nrmse
from ._readout import _init_readout, apply_stats, feature_stats, predict, train_readout
from ._reservoir import build_reservoir, network_key
from ._ridge import fit_ridge_validated
from ._simulate import closed_loop, run_reservoir
from ._tasks import DivergedSeries, Task, make_task as _make_task


class ModelParams(eqx.Module):
    """The array-valued parameters of a sweep: new values reuse the compiled program."""

    neurons: AbstractPopulation
    astrocytes: AbstractPopulation
    connectivity: Connectivity
    learning_rate: Float[Array, ""]
    filter_decay: Float[Array, ""]
    seed: Int[Array, ""]
    tripartite: Tripartite | None = None


class StaticParams(eqx.Module):
    """The options that fix shapes or control flow: changing them recompiles."""

    epochs: int = eqx.field(static=True)
    batch_size: int = eqx.field(static=True)
    hidden: int = eqx.field(static=True)
    features: str = eqx.field(static=True)
    readout: str = eqx.field(static=True, default="mlp")
    forecast: bool = eqx.field(static=True, default=False)


def model_params(cfg: SweepConfig) -> ModelParams:
    return ModelParams(
        neurons=LIF(cfg.beta_neurons, cfg.threshold_neurons, cfg.reset),
        astrocytes=astrocyte_model(cfg),
        connectivity=Connectivity(
            cfg.p_nn,
            cfg.p_na,
            cfg.p_an,
            cfg.p_aa,
            cfg.gain_nn,
            cfg.gain_na,
            cfg.gain_an,
            cfg.gain_aa,
            cfg.input_scale_neurons,
            cfg.input_scale_astrocytes,
        ),  # fmt: skip
        learning_rate=jnp.asarray(cfg.learning_rate, jnp.float32),
        filter_decay=jnp.asarray(cfg.filter_decay, jnp.float32),
        seed=jnp.asarray(cfg.seed, jnp.uint32),
        tripartite=tripartite(cfg),
    )


def tripartite(cfg: SweepConfig) -> Tripartite | None:
    """The gain modulation of the `"tripartite"` astrocyte model (None for the others)."""
    if cfg.astrocyte_model != "tripartite":
        return None
    return Tripartite(cfg.p_third, cfg.modulation, cfg.beta_astrocytes, cfg.pool_size)


def astrocyte_model(cfg: SweepConfig) -> AbstractPopulation:
    """The population model of the astrocyte role named by `cfg.astrocyte_model`."""
    if cfg.astrocyte_model == "li-rinzel":
        # RK4 substeps keep each integration step within the stable, accurate range.
        update_ms = cfg.step_ms * cfg.astrocyte_every
        return LiRinzel(
            step_ms=cfg.step_ms,
            drive_scale=cfg.drive_scale,
            sic_scale=cfg.sic_scale,
            every=cfg.astrocyte_every,
            substeps=max(1, math.ceil(update_ms / MAX_RK4_STEP_MS)),
        )
    if cfg.astrocyte_model == "synaptic":
        return SynapticLIF(
            cfg.alpha_astrocytes, cfg.beta_astrocytes, cfg.threshold_astrocytes, cfg.reset
        )
    return LIF(cfg.beta_astrocytes, cfg.threshold_astrocytes, cfg.reset)


def static_params(cfg: SweepConfig) -> StaticParams:
    return StaticParams(
        cfg.epochs, cfg.batch_size, cfg.hidden, cfg.features, cfg.readout, cfg.forecast
    )


def make_task(cfg: SweepConfig) -> Task:
    try:
        return _make_task(
            cfg.task,
            cfg.steps,
            horizon=cfg.horizon,
            washout=cfg.washout,
            train_fraction=cfg.train_fraction,
            dt=cfg.dt,
            transient=cfg.transient,
            seed=cfg.seed,
        )
    except DivergedSeries:
        raise ConfigError(
            "seed", cfg.seed, f"the {cfg.task} series drawn from this seed diverges; choose another"
        ) from None


def evaluate_network(
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    replicate: Int[ArrayLike, ""],
    task: Task,
    params: ModelParams,
    static: StaticParams,
    capacity: int,
) -> dict[str, Array]:
    """Build, simulate, train and score network (N, A, replicate) at `capacity`.

    Every random draw comes from `network_key(seed, N, A, replicate)`, so the result depends
    on the network alone, not on the capacity or the batch it is evaluated in (up to the
    float rounding of differently shaped matrix products).

    **Returns:** a dict of scalars (`learning_rate`, `final_loss`, `test_nrmse`,
    `forecast_nrmse`, `valid_time`, `rate_neurons`, `rate_astrocytes`) and `curve`, the
    per-epoch training loss. With the ridge readout, `final_loss` is the training MSE and
    `learning_rate` and `curve` are NaN (no epochs). With `static.forecast`, the trained
    readout then runs closed-loop from the first test input over the test split:
    `forecast_nrmse` is its error over one Lyapunov time (in units of each variable's
    training standard deviation) and `valid_time` the time, in Lyapunov times, until that
    error first exceeds 0.4; both are NaN without forecasting.
    """
    key = network_key(params.seed, num_neurons, num_astrocytes, replicate)
    key_reservoir, key_readout, key_order = jr.split(key, 3)
    reservoir = build_reservoir(
        key_reservoir,
        num_neurons,
        num_astrocytes,
        capacity,
        params.neurons,
        params.astrocytes,
        params.connectivity,
        task.inputs.shape[1],
        params.tripartite,
    )
    num_train = task.num_train
    run = lambda inputs, washout, initial=None: run_reservoir(
        reservoir,
        inputs,
        features=static.features,
        washout=washout,
        filter_decay=params.filter_decay,
        initial=initial,
    )
    split = task.washout + num_train
    if static.forecast:
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
    if static.readout == "ridge":
        # The closed-form readout: no epochs, so no loss curve and no learning rate.
        weights, bias, _ = fit_ridge_validated(features[:num_train], targets[:num_train])
        readout = lambda f: f @ weights + (bias if f.ndim == 1 else bias[None])
        fitted = readout(features[:num_train])
        curve = jnp.full((static.epochs,), jnp.nan, features.dtype)
        learning_rate = jnp.asarray(jnp.nan, features.dtype)
        final_loss = jnp.mean((fitted - targets[:num_train]) ** 2)
    else:
        mlp = _init_readout(
            key_readout, capacity, num_neurons, num_astrocytes, hidden=static.hidden,
            num_outputs=targets.shape[1],
        )  # fmt: skip
        mlp, curve = train_readout(
            mlp,
            key_order,
            features[:num_train],
            targets[:num_train],
            epochs=static.epochs,
            batch_size=static.batch_size,
            learning_rate=params.learning_rate,
        )
        readout = lambda f: predict(mlp, f) if f.ndim == 2 else mlp(f)
        learning_rate, final_loss = learning_rate_slope(curve), curve[-1]
    truth = targets[num_train:]
    nan = jnp.asarray(jnp.nan, features.dtype)
    forecast_error, valid_time = nan, nan
    if static.forecast and train_run is not None and task.lyapunov_steps is not None:
        forecast = closed_loop(
            reservoir,
            train_run.final,  # pyright: ignore[reportArgumentType]
            task.inputs[split],
            lambda f: readout(apply_stats(f, mean, std)),
            truth.shape[0],
            features=static.features,
            filter_decay=params.filter_decay,
        )
        forecast_error, valid_time = forecast_scores(forecast, truth, task.lyapunov_steps)
    population = reservoir.population
    return {
        "learning_rate": learning_rate,
        "final_loss": final_loss,
        "test_nrmse": nrmse(readout(features[num_train:]), truth),
        "forecast_nrmse": forecast_error,
        "valid_time": valid_time,
        "rate_neurons": firing_rate(counts, population == 0, steps),
        "rate_astrocytes": firing_rate(counts, population == 1, steps),
        "curve": curve,
    }


@eqx.filter_jit
def _evaluate_jit(n, a, r, task, params, static, capacity):
    return evaluate_network(n, a, r, task, params, static, capacity)


def run_network(
    num_neurons: int,
    num_astrocytes: int,
    *,
    replicate: int = 0,
    config: SweepConfig | None = None,
    capacity: int | None = None,
) -> dict[str, float | list[float]]:
    """Train and score one network (N, A) under `config` (default: MODEL.md's defaults).

    **Arguments:**

    - `num_neurons`, `num_astrocytes`: sizes, >= 0, not both 0.
    - `replicate`: which independent draw of this size (default 0).
    - `config`: a `SweepConfig` (its grid is ignored; its seed, task, units, wiring and
      readout options apply).
    - `capacity`: evaluate padded to this many units (default: exactly N + A).

    **Returns:** the metrics as Python floats and the loss curve as a list.
    """
    cfg = SweepConfig() if config is None else config
    cfg = cfg.replace(neurons=(num_neurons,), astrocytes=(num_astrocytes,), seeds=replicate + 1)
    capacity = num_neurons + num_astrocytes if capacity is None else capacity
    if capacity < num_neurons + num_astrocytes:
        raise ValueError(f"`capacity`={capacity} is smaller than N + A.")
    out = _evaluate_jit(
        jnp.asarray(num_neurons, jnp.int32),
        jnp.asarray(num_astrocytes, jnp.int32),
        jnp.asarray(replicate, jnp.int32),
        make_task(cfg),
        model_params(cfg),
        static_params(cfg),
        capacity,
    )
    result: dict[str, float | list[float]] = {k: float(v) for k, v in out.items() if k != "curve"}
    result["curve"] = [float(x) for x in out["curve"]]
    return result

"""Prediction tasks: a generated series, normalised with training statistics, split in time."""

import abc
import functools
import json
from collections.abc import Collection
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ._describe import describe
from ._ranges import COUNT, POSITIVE, SEED, TRAIN_FRACTION, WHOLE, ConfigError, plain
from ._systems import SYSTEMS, generate


# The task's random stream (NARMA-10's input) is folded from the root seed with a value no
# network key uses first (network keys fold in N < 2**24 first).
TASK_STREAM = 0xFFFFFFFF
# The most samples a series may have (steps + horizon): time is indexed in 32 bits.
MAX_SAMPLES = 2**31 - 1


class DivergedSeries(ValueError):
    """A driven task's series diverged for the drawn input (NARMA-10, a few per cent of seeds)."""


class Task(eqx.Module):
    """A prediction task, normalised and split chronologically.

    - `inputs`: the reservoir's input at each step, shape `(time, inputs)`.
    - `targets`: what the readout predicts at each step, shape `(time, outputs)`: the state
      `horizon` samples after `inputs[t]` for an autonomous system (then inputs and targets
      are the same variables, z-scored alike, so a prediction can be fed back as the next
      input), or the driven system's output (NARMA-10).
    - `mean`, `std`: the normalisation statistics of the targets' variables.
    - `washout`: leading reservoir steps dropped before the split.
    - `num_train`: kept steps used for training (chronologically first); the rest are test.
    - `name`: the system (see `SYSTEMS`); `dt`: its sampling step in its time units.
    - `lyapunov_steps`: one Lyapunov time in samples (None where the system has none).
    - `horizon`: samples between an input and its target.
    - `autonomous`: whether targets are future inputs (so a prediction can be fed back).
    - `provenance`: what generated the data (`AbstractTask.describe()` as JSON text).
    """

    inputs: Float[Array, "time inputs"]
    targets: Float[Array, "time outputs"]
    mean: Float[Array, " outputs"]
    std: Float[Array, " outputs"]
    washout: int = eqx.field(static=True)
    num_train: int = eqx.field(static=True)
    name: str = eqx.field(static=True, default="lorenz")
    dt: float = eqx.field(static=True, default=0.01)
    lyapunov_steps: float | None = eqx.field(static=True, default=None)
    horizon: int = eqx.field(static=True, default=1)
    autonomous: bool = eqx.field(static=True, default=True)
    provenance: str | None = eqx.field(static=True, default=None)

    @property
    def num_test(self) -> int:
        return self.inputs.shape[0] - self.washout - self.num_train

    @property
    def forecastable(self) -> bool:
        """Whether the readout's prediction can be fed back as the next input."""
        return self.autonomous and self.horizon == 1


class AbstractTask(eqx.Module):
    """A source of a prediction task's raw series; `make_task` normalises and splits it.

    Subclass it for your own task: implement `series(num_samples, key=...)`, returning
    `(inputs, outputs)` of shapes `(num_samples, inputs)` and `(num_samples, outputs)`. For
    an autonomous task (`autonomous = True`, the default) `outputs` is the trajectory
    itself and the target of input `t` is `outputs[t + horizon]`, so a prediction can be
    fed back as the next input; for a driven task (`autonomous = False`) the target of
    input `t` is `outputs[t]`. `lyapunov_exponent` (per time unit, None if none) and `dt`
    (time units per sample) define the Lyapunov time of forecasting scores. Fields are the
    task's parameters: they are recorded in `run.json` and the sweep's fingerprint.
    """

    @property
    def name(self) -> str:
        """The task's name in outputs (default: the class name)."""
        return type(self).__name__

    @property
    def autonomous(self) -> bool:
        return True

    @property
    def dt(self) -> float:
        return 1.0

    @property
    def lyapunov_exponent(self) -> float | None:
        return None

    @abc.abstractmethod
    def series(
        self, num_samples: int, *, key: PRNGKeyArray
    ) -> tuple[Float[Array, "time inputs"], Float[Array, "time outputs"]]:
        """`num_samples` raw samples of the inputs and of the series the targets come from."""

    def describe(self) -> dict[str, Any]:
        """What generated the data, for `run.json` (default: the class and its fields)."""
        return {"system": self.name, **describe(self)}


class System(AbstractTask):
    """A built-in system of `SYSTEMS`, sampled every `dt` after `transient` samples.

    **Arguments:**

    - `system`: a key of `SYSTEMS` (`"lorenz"`, `"lorenz-ngrc"`, `"rossler"`,
      `"double-scroll"`, `"mackey-glass"`, `"narma10"`).
    - `sampling`: sampling step (default None: the system's own).
    - `transient`: discarded samples (default None: the system's own).

    A default is resolved at construction (`System("lorenz").sampling == 0.01`): the same
    task given with its defaults explicitly is the same task (and the same fingerprint).
    """

    system: str = eqx.field(static=True)
    sampling: float | None = eqx.field(static=True, default=None)
    transient: int | None = eqx.field(static=True, default=None)

    def __post_init__(self):
        # NumPy scalars as Python numbers (static fields are hashed and recorded).
        self.sampling, self.transient = plain(self.sampling), plain(self.transient)
        spec = SYSTEMS.get(self.system) if isinstance(self.system, str) else None
        if spec is not None:
            if self.sampling is None:
                self.sampling = spec.dt
            if self.transient is None:
                self.transient = spec.transient

    def __check_init__(self):
        if self.system not in SYSTEMS:
            raise ConfigError("task", self.system, f"must be one of {', '.join(SYSTEMS)}")
        if self.sampling is not None:
            POSITIVE.check("dt", self.sampling)
            if not SYSTEMS[self.system].autonomous and self.sampling != 1.0:
                raise ConfigError(
                    "dt", self.sampling, f"the discrete task {self.system!r} has dt = 1 only"
                )
        if self.transient is not None:
            WHOLE.check("transient", self.transient)

    @property
    def name(self) -> str:
        return self.system

    @property
    def autonomous(self) -> bool:
        return SYSTEMS[self.system].autonomous

    @property
    def dt(self) -> float:
        return SYSTEMS[self.system].dt if self.sampling is None else float(self.sampling)

    @property
    def lyapunov_exponent(self) -> float | None:
        return SYSTEMS[self.system].lyapunov_exponent

    def series(self, num_samples, *, key):
        return generate(self.system, num_samples, dt=self.dt, transient=self.transient, key=key)

    def describe(self) -> dict[str, Any]:
        spec = SYSTEMS[self.system]
        return {
            "system": self.system,
            "dt": self.dt,
            "transient": spec.transient if self.transient is None else self.transient,
            "rk4_substeps": spec.substeps if spec.autonomous else None,
            "parameters": spec.parameters,
            "lyapunov_exponent": spec.lyapunov_exponent,
            "lyapunov_source": spec.lyapunov_source,
        }


def split_sizes(num_steps: int, washout: int, train_fraction: float) -> tuple[int, int]:
    """(train, test) sample counts after the washout, chronological split."""
    kept = num_steps - washout
    num_train = int(round(train_fraction * kept))
    return num_train, kept - num_train


def check_split(
    steps: int,
    washout: int,
    train_fraction: float,
    batch_size: int | None = None,
    *,
    horizon: int = 1,
    changed: Collection[str] = (),
) -> tuple[int, int]:
    """The (train, test) sizes of a split; `ConfigError` unless both are >= 1 (and the
    training split holds a minibatch of `batch_size`).

    The error names the option to change, with the sizes involved: `washout` when a smaller
    washout would do and the train fraction was not chosen alone, `train_fraction` when it
    alone leaves a split empty. Of the options of a too small training split, the first of
    `changed` (those the user set) is named, else `batch_size`.
    """
    if steps + horizon >= MAX_SAMPLES:  # before anything is generated
        name, value = ("horizon", horizon) if horizon > steps else ("steps", steps)
        raise ConfigError(name, value, f"steps + horizon must be < {MAX_SAMPLES}")
    steps_alone = "steps" in changed and "washout" not in changed
    if washout >= steps:
        if steps_alone:
            raise ConfigError("steps", steps, f"must be larger than the washout ({washout})")
        raise ConfigError("washout", washout, f"must be smaller than steps ({steps})")
    kept = steps - washout
    num_train, num_test = split_sizes(steps, washout, train_fraction)
    if num_train < 1 or num_test < 1:
        empty = "test" if num_test < 1 else "training"
        sizes = (
            f"leaves {kept} of the {steps} steps after the washout, which train_fraction "
            f"{train_fraction:g} splits into {num_train} training and {num_test} test samples"
        )
        # The fewest samples after the washout this train fraction splits into two
        # non-empty parts (searched, rounding is not monotone; bounded by `steps`).
        fewest = next(
            (k for k in range(2, min(steps, 100_000) + 1)
             if 1 <= int(round(train_fraction * k)) <= k - 1),
            None,
        )  # fmt: skip
        if fewest is not None and steps_alone and "train_fraction" not in changed:
            raise ConfigError(
                "steps", steps, f"{sizes}; the {empty} split is empty: must be >= "
                f"{washout + fewest} (washout + {fewest}) for train_fraction {train_fraction:g}",
            )  # fmt: skip
        if fewest is not None and ("washout" in changed or "train_fraction" not in changed):
            raise ConfigError(
                "washout", washout, f"{sizes}; the {empty} split is empty: must be <= "
                f"{steps - fewest} (steps - {fewest}) for train_fraction {train_fraction:g}",
            )  # fmt: skip
        raise ConfigError("train_fraction", train_fraction, f"{sizes}: no {empty} samples")
    if batch_size is not None and num_train < batch_size:
        sizes = (
            f"({steps} steps - washout {washout}) x train_fraction {train_fraction:g} = "
            f"{num_train} training samples"
        )
        blame = next((o for o in ("washout", "steps", "train_fraction") if o in changed), None)
        if "batch_size" in changed or blame is None:
            raise ConfigError(
                "batch_size", batch_size, f"must not exceed the {sizes}"
            )  # fmt: skip
        value = {"washout": washout, "steps": steps, "train_fraction": train_fraction}[blame]
        raise ConfigError(blame, value, f"leaves {sizes}, fewer than batch_size {batch_size}")
    return num_train, num_test


def make_task(
    name: "str | AbstractTask" = "lorenz",
    num_steps: int = 3000,
    *,
    horizon: int = 1,
    washout: int = 100,
    train_fraction: float = 0.8,
    dt: float | None = None,
    transient: int | None = None,
    seed: int = 0,
) -> Task:
    """The prediction task on `name`: input = state[t], target = state[t + horizon].

    **Arguments:**

    - `name`: a system of `SYSTEMS` (`"lorenz"`, `"lorenz-ngrc"`, `"rossler"`,
      `"double-scroll"`, `"mackey-glass"`, `"narma10"`), or your own `AbstractTask`.
    - `num_steps`: input samples T; `washout` leading steps are dropped, the rest split
      chronologically `train_fraction` / rest.
    - `horizon`: samples ahead to predict (a driven task: its output at the same step, so 1
      only).
    - `dt`, `transient`: a built-in system's sampling step and discarded samples (default:
      the system's own; ignored for your own task, whose fields say).
    - `seed`: root seed; the task's key (used by driven tasks such as NARMA-10) is folded
      from it with a stream no network key uses.

    Inputs and targets are z-scored per variable with the mean and standard deviation of the
    training split, so nothing of the test split leaks into the normalisation. For an
    autonomous task both use the inputs' training statistics (they are the same variables).
    """
    source = System(name, dt, transient) if isinstance(name, str) else name
    if not isinstance(source, AbstractTask):
        raise TypeError(f"`name` must be a name of SYSTEMS or an AbstractTask; got {name!r}.")
    num_steps, horizon = COUNT.value("steps", num_steps), COUNT.value("horizon", horizon)
    washout, seed = WHOLE.value("washout", washout), SEED.value("seed", seed)
    train_fraction = TRAIN_FRACTION.value("train_fraction", train_fraction)
    check_split(num_steps, washout, train_fraction, horizon=horizon)
    check_length(source, num_steps, horizon)
    if not source.autonomous and horizon != 1:
        raise ConfigError("horizon", horizon, f"must be 1 for the driven task {source.name!r}")
    key = jr.fold_in(jr.key(seed), TASK_STREAM)
    num_train = split_sizes(num_steps, washout, train_fraction)[0]
    if source.autonomous:
        _, states = source.series(num_steps + horizon, key=key)
        check_finite(source, states)
        series = (states, states)
    else:
        series = source.series(num_steps, key=key)
        if not np.isfinite(np.asarray(series[1])).all():
            # NARMA-10's recursion itself diverges for a few per cent of input draws.
            raise DivergedSeries(
                f"`seed`={seed}: the {source.name} series drawn from this seed diverges (a "
                "property of the recursion for some inputs, not a bug); choose another seed."
            )
    split = (num_steps, horizon, washout, num_train, source.autonomous)
    inputs, targets, mean_out, std_out, stds = _standardise(*series, split)
    if not (np.asarray(stds) > 0).all():
        raise _series_error(source, "is constant over the training split (no variance)", "larger")
    lyapunov = source.lyapunov_exponent
    return Task(
        inputs,
        targets,
        mean_out,
        std_out,
        washout,
        num_train,
        name=source.name,
        dt=float(source.dt),
        lyapunov_steps=None if lyapunov is None else 1.0 / (lyapunov * source.dt),
        horizon=horizon,
        autonomous=source.autonomous,
        provenance=json.dumps(source.describe(), default=str),
    )


def check_length(source: AbstractTask, steps: int, horizon: int = 1) -> None:
    """Refuse a series longer than `MAX_SAMPLES` with its transient (`ConfigError` naming
    the transient if it was given, else `steps`), before anything is generated."""
    transient = 0
    if isinstance(source, System) and source.system in SYSTEMS:
        given = source.transient
        transient = SYSTEMS[source.system].transient if given is None else given
        if given is not None and transient + steps + horizon >= MAX_SAMPLES:
            raise ConfigError(
                "transient", given, f"transient + steps + horizon must be < {MAX_SAMPLES}"
            )
    if transient + steps + horizon >= MAX_SAMPLES:
        raise ConfigError("steps", steps, f"transient + steps + horizon must be < {MAX_SAMPLES}")


def check_finite(source: AbstractTask, series: Array) -> None:
    """Refuse an autonomous series that is not finite (integrated at too large a `dt`,
    say), naming the option that made it so (`ConfigError`)."""
    if not np.isfinite(np.asarray(series)).all():
        raise _series_error(source, "is not finite (the integration diverges)", "smaller")


def _series_error(source: AbstractTask, what: str, fix: str) -> ConfigError:
    """`ConfigError` for a series that `what`, naming the option that made it so: a built-in
    system's `dt` or `transient` if given, else the task itself."""
    if isinstance(source, System) and source.system in SYSTEMS:
        spec = SYSTEMS[source.system]
        series = f"the {source.system} series at dt {source.dt:g}"
        if source.sampling is not None:
            return ConfigError(
                "dt", source.sampling, f"{series} {what}; choose a {fix} dt (the task's own "
                f"is {spec.dt:g}, integrated with {spec.substeps} RK4 step(s) per sample)",
            )  # fmt: skip
        if source.transient is not None:
            return ConfigError(
                "transient", source.transient, f"{series} {what} after this transient; "
                f"choose another (the task's own is {spec.transient})",
            )  # fmt: skip
        return ConfigError("task", source.system, f"{series} {what}")
    return ConfigError("task", source.name, f"the series of this task {what}")


def task_provenance(task: Task) -> dict:
    """What generated `task`'s data, for `run.json`: the system, its parameters and initial
    state, the sampling and integration steps, and the Lyapunov time used for forecasts."""
    source = json.loads(task.provenance) if task.provenance is not None else {"system": task.name}
    return {
        **source,
        "lyapunov_time_steps": task.lyapunov_steps,
        "horizon": task.horizon,
        "washout": task.washout,
        "train_samples": task.num_train,
        "test_samples": task.num_test,
        "normalisation_mean": [float(x) for x in task.mean],
        "normalisation_std": [float(x) for x in task.std],
    }


def _stats(x: Array) -> tuple[Array, Array]:
    return jnp.mean(x, axis=0, keepdims=True), jnp.std(x, axis=0, keepdims=True)


@functools.partial(jax.jit, static_argnums=2)
def _standardise(first: Array, second: Array, split: tuple) -> tuple[Array, ...]:
    """Inputs and targets of a task, z-scored with the training split's statistics (one
    compiled program rather than a dozen eager operations, each compiled on its first use):
    (inputs, targets, target mean, target std, both stds stacked for the caller's check).

    `split` = (steps, horizon, washout, train samples, autonomous). Autonomous: `first` is
    the state series of `steps + horizon` samples (inputs its first `steps`, targets from
    `horizon` on), both normalised by the inputs' statistics; driven: `first` and `second`
    are the inputs and targets, each by its own."""
    steps, horizon, washout, num_train, autonomous = split
    kept = slice(washout, washout + num_train)
    if autonomous:
        inputs, targets = first[:steps], first[horizon:]
        mean_in, std_in = mean_out, std_out = _stats(inputs[kept])
    else:
        inputs, targets = first, second
        (mean_in, std_in), (mean_out, std_out) = _stats(inputs[kept]), _stats(targets[kept])
    normalised = ((inputs - mean_in) / std_in, (targets - mean_out) / std_out)
    return *normalised, mean_out[0], std_out[0], jnp.concatenate([std_in, std_out], axis=1)


def lorenz_task(
    num_steps: int = 3000,
    *,
    horizon: int = 1,
    washout: int = 100,
    train_fraction: float = 0.8,
    dt: float = 0.01,
    transient: int = 1000,
) -> Task:
    """The Lorenz-63 prediction task of MODEL.md (`make_task("lorenz", ...)`)."""
    return make_task(
        "lorenz",
        num_steps,
        horizon=horizon,
        washout=washout,
        train_fraction=train_fraction,
        dt=dt,
        transient=transient,
    )

"""Prediction tasks: a generated series, normalised with training statistics, split in time."""

import abc
import json
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float, PRNGKeyArray

from ._describe import describe
from ._systems import SYSTEMS, generate


# The task's random stream (NARMA-10's input) is folded from the root seed with a value no
# network key uses first (network keys fold in N < 2**24 first).
TASK_STREAM = 0xFFFFFFFF


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
    """

    system: str = eqx.field(static=True)
    sampling: float | None = eqx.field(static=True, default=None)
    transient: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        if self.system not in SYSTEMS:
            raise ValueError(f"`task` must be one of {sorted(SYSTEMS)}; got {self.system!r}.")

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
    num_train, num_test = split_sizes(num_steps, washout, train_fraction)
    if num_train < 1 or num_test < 1:
        raise ValueError(
            f"`steps`={num_steps} with washout {washout} and train fraction {train_fraction} "
            "leaves no training or no test samples."
        )
    if not source.autonomous and horizon != 1:
        raise ValueError(f"`horizon` must be 1 for the driven task {source.name!r}; got {horizon}.")
    key = jr.fold_in(jr.key(seed), TASK_STREAM)
    if source.autonomous:
        _, states = source.series(num_steps + horizon, key=key)
        inputs, targets = states[:num_steps], states[horizon:]
        train = inputs[washout : washout + num_train]
        mean_in = mean_out = jnp.mean(train, axis=0, keepdims=True)
        std_in = std_out = jnp.std(train, axis=0, keepdims=True)
    else:
        inputs, targets = source.series(num_steps, key=key)
        if not bool(jnp.all(jnp.isfinite(targets))):
            # NARMA-10's recursion itself diverges for a few per cent of input draws.
            raise DivergedSeries(
                f"`seed`={seed}: the {source.name} series drawn from this seed diverges (a "
                "property of the recursion for some inputs, not a bug); choose another seed."
            )
        kept = slice(washout, washout + num_train)
        mean_in, std_in = _stats(inputs[kept])
        mean_out, std_out = _stats(targets[kept])
    normalise = jax.jit(lambda x, m, s: (x - m) / s)
    lyapunov = source.lyapunov_exponent
    return Task(
        normalise(inputs, mean_in, std_in),
        normalise(targets, mean_out, std_out),
        mean_out[0],
        std_out[0],
        washout,
        num_train,
        name=source.name,
        dt=float(source.dt),
        lyapunov_steps=None if lyapunov is None else 1.0 / (lyapunov * source.dt),
        horizon=horizon,
        autonomous=source.autonomous,
        provenance=json.dumps(source.describe(), default=str),
    )


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

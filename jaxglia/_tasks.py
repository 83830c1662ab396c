"""Prediction tasks: a generated series, normalised with training statistics, split in time."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

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

    @property
    def num_test(self) -> int:
        return self.inputs.shape[0] - self.washout - self.num_train

    @property
    def forecastable(self) -> bool:
        """Whether the readout's prediction can be fed back as the next input."""
        return SYSTEMS[self.name].autonomous and self.horizon == 1


def split_sizes(num_steps: int, washout: int, train_fraction: float) -> tuple[int, int]:
    """(train, test) sample counts after the washout, chronological split."""
    kept = num_steps - washout
    num_train = int(round(train_fraction * kept))
    return num_train, kept - num_train


def make_task(
    name: str = "lorenz",
    num_steps: int = 3000,
    *,
    horizon: int = 1,
    washout: int = 100,
    train_fraction: float = 0.8,
    dt: float | None = None,
    transient: int | None = None,
    seed: int = 0,
) -> Task:
    """The prediction task on system `name`: input = state[t], target = state[t + horizon].

    **Arguments:**

    - `name`: a system of `SYSTEMS` (`"lorenz"`, `"lorenz-ngrc"`, `"rossler"`,
      `"double-scroll"`, `"mackey-glass"`, `"narma10"`).
    - `num_steps`: input samples T; `washout` leading steps are dropped, the rest split
      chronologically `train_fraction` / rest.
    - `horizon`: samples ahead to predict (NARMA-10: its output at the same step, so 1 only).
    - `dt`, `transient`: sampling step and discarded samples (default: the system's own).
    - `seed`: root seed; only a driven task (NARMA-10) draws random numbers.

    Inputs and targets are z-scored per variable with the mean and standard deviation of the
    training split, so nothing of the test split leaks into the normalisation. For an
    autonomous system both use the inputs' training statistics (they are the same variables).
    """
    if name not in SYSTEMS:
        raise ValueError(f"`task` must be one of {sorted(SYSTEMS)}; got {name!r}.")
    spec = SYSTEMS[name]
    num_train, num_test = split_sizes(num_steps, washout, train_fraction)
    if num_train < 1 or num_test < 1:
        raise ValueError(
            f"`steps`={num_steps} with washout {washout} and train fraction {train_fraction} "
            "leaves no training or no test samples."
        )
    if not spec.autonomous and horizon != 1:
        raise ValueError(f"`horizon` must be 1 for the driven task {name!r}; got {horizon}.")
    dt = spec.dt if dt is None else dt
    key = jr.fold_in(jr.key(seed), TASK_STREAM)
    if spec.autonomous:
        _, states = generate(name, num_steps + horizon, dt=dt, transient=transient, key=key)
        inputs, targets = states[:num_steps], states[horizon:]
        train = inputs[washout : washout + num_train]
        mean_in = mean_out = jnp.mean(train, axis=0, keepdims=True)
        std_in = std_out = jnp.std(train, axis=0, keepdims=True)
    else:
        inputs, targets = generate(name, num_steps, dt=dt, transient=transient, key=key)
        if not bool(jnp.all(jnp.isfinite(targets))):
            # NARMA-10's recursion itself diverges for a few per cent of input draws.
            raise DivergedSeries(
                f"`seed`={seed}: the {name} series drawn from this seed diverges (a property "
                "of the recursion for some inputs, not a bug); choose another seed."
            )
        kept = slice(washout, washout + num_train)
        mean_in, std_in = _stats(inputs[kept])
        mean_out, std_out = _stats(targets[kept])
    normalise = jax.jit(lambda x, m, s: (x - m) / s)
    lyapunov = spec.lyapunov_exponent
    return Task(
        normalise(inputs, mean_in, std_in),
        normalise(targets, mean_out, std_out),
        mean_out[0],
        std_out[0],
        washout,
        num_train,
        name=name,
        dt=float(dt),
        lyapunov_steps=None if lyapunov is None else 1.0 / (lyapunov * dt),
        horizon=horizon,
    )


def task_provenance(task: Task, transient: int | None = None) -> dict:
    """What generated `task`'s data, for `run.json`: the system, its parameters and initial
    state, the sampling and integration steps, and the Lyapunov time used for forecasts."""
    spec = SYSTEMS[task.name]
    return {
        "system": task.name,
        "dt": task.dt,
        "transient": spec.transient if transient is None else transient,
        "rk4_substeps": spec.substeps if spec.autonomous else None,
        "parameters": spec.parameters,
        "lyapunov_exponent": spec.lyapunov_exponent,
        "lyapunov_source": spec.lyapunov_source,
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

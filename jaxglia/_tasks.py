"""Tasks: the Lorenz-63 system integrated with RK4, normalised and split chronologically."""

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float


def lorenz_vector_field(
    state: Float[Array, " 3"], sigma: ArrayLike, rho: ArrayLike, beta: ArrayLike
) -> Float[Array, " 3"]:
    r"""$\dot x = \sigma(y - x),\ \dot y = x(\rho - z) - y,\ \dot z = xy - \beta z$."""
    x, y, z = state[0], state[1], state[2]
    return jnp.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def rk4_step(field, state, dt):
    """One classical fourth-order Runge-Kutta step of `state' = field(state)`."""
    k1 = field(state)
    k2 = field(state + 0.5 * dt * k1)
    k3 = field(state + 0.5 * dt * k2)
    k4 = field(state + dt * k3)
    return state + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


@eqx.filter_jit
def lorenz(
    num_steps: int,
    *,
    dt: ArrayLike = 0.01,
    transient: int = 1000,
    initial: ArrayLike | tuple[float, float, float] = (1.0, 1.0, 1.0),
    sigma: ArrayLike = 10.0,
    rho: ArrayLike = 28.0,
    beta: ArrayLike = 8.0 / 3.0,
) -> Float[Array, "time 3"]:
    """A Lorenz-63 trajectory, integrated with RK4 (a `lax.scan`) at fixed step `dt`.

    **Arguments:**

    - `num_steps`: samples returned, after the transient (static).
    - `dt`: integration and sampling step, in Lorenz time units (default 0.01).
    - `transient`: steps integrated and discarded first (static, default 1000).
    - `initial`: state at time 0 (default (1, 1, 1)).
    - `sigma`, `rho`, `beta`: the system's parameters (default 10, 28, 8/3).

    **Returns:** the states at times `(transient + k) * dt` for `k = 0..num_steps-1`, shape
    `(num_steps, 3)`, in the default float dtype (float32 unless x64 is enabled).
    """
    dtype = jnp.result_type(float)
    state0 = jnp.asarray(initial, dtype)
    dt = jnp.asarray(dt, dtype)
    field = lambda s: lorenz_vector_field(s, sigma, rho, beta)

    def body(state, _):
        return rk4_step(field, state, dt), state

    _, states = lax.scan(body, state0, None, length=transient + num_steps)
    return states[transient:]


class Task(eqx.Module):
    """A one-step-ahead (or `horizon`-ahead) prediction task, normalised and split.

    - `inputs`, `targets`: shape `(time, 3)`, z-scored with the statistics of the training
      split; `targets[t]` is the state `horizon` samples after `inputs[t]`.
    - `washout`: leading reservoir steps dropped before the split.
    - `num_train`: kept steps used for training (chronologically first); the rest are test.
    - `mean`, `std`: the normalisation statistics (per variable).
    """

    inputs: Float[Array, "time 3"]
    targets: Float[Array, "time 3"]
    mean: Float[Array, " 3"]
    std: Float[Array, " 3"]
    washout: int = eqx.field(static=True)
    num_train: int = eqx.field(static=True)

    @property
    def num_test(self) -> int:
        return self.inputs.shape[0] - self.washout - self.num_train


def split_sizes(num_steps: int, washout: int, train_fraction: float) -> tuple[int, int]:
    """(train, test) sample counts after the washout, chronological split."""
    kept = num_steps - washout
    num_train = int(round(train_fraction * kept))
    return num_train, kept - num_train


def lorenz_task(
    num_steps: int = 3000,
    *,
    horizon: int = 1,
    washout: int = 100,
    train_fraction: float = 0.8,
    dt: float = 0.01,
    transient: int = 1000,
) -> Task:
    """The Lorenz-63 prediction task of MODEL.md: input = state[t], target = state[t + horizon].

    Inputs and targets are z-scored per variable with the mean and standard deviation of the
    training split's inputs, so nothing of the test split leaks into the normalisation.
    """
    num_train, num_test = split_sizes(num_steps, washout, train_fraction)
    if num_train < 1 or num_test < 1:
        raise ValueError(
            f"`steps`={num_steps} with washout {washout} and train fraction {train_fraction} "
            "leaves no training or no test samples."
        )
    states = lorenz(num_steps + horizon, dt=dt, transient=transient)
    inputs, targets = states[:num_steps], states[horizon:]
    train = inputs[washout : washout + num_train]
    mean = jnp.mean(train, axis=0, keepdims=True)
    std = jnp.std(train, axis=0, keepdims=True)
    normalise = jax.jit(lambda x: (x - mean) / std)
    return Task(normalise(inputs), normalise(targets), mean[0], std[0], washout, num_train)

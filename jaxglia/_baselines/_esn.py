"""An echo state network: a fixed random tanh reservoir with a ridge readout.

Jaeger (2001); leaky-integrator form and defaults after Lukoševičius, "A practical guide to
applying echo state networks" (2012).
"""

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .._ridge import RIDGE_ALPHAS, fit_ridge, fit_ridge_validated
from .._simulate import feed_back


class ESN(eqx.Module):
    r"""A leaky-integrator echo state network (rate-based, tanh) with a linear readout.

    $$x_t = (1 - a)\, x_{t-1} + a \tanh(W x_{t-1} + W_{\rm in} u_t + b), \qquad
    \hat y_t = W_{\rm out}^\top [x_t;\ u_t] + c$$

    The state starts at zero. The readout sees the state *and* the current input; its
    intercept $c$ is unpenalised (the scikit-learn convention of `fit_ridge`), i.e. a fit on
    $[x_t; u_t; 1]$ whose constant is exempt from the penalty. A fresh ESN has a
    zero readout; fit it with `fit_esn`.
    """

    recurrent: Float[Array, "units units"]
    input_weights: Float[Array, "units inputs"]
    bias: Float[Array, " units"]
    leak_rate: Float[Array, ""]
    readout: Float[Array, "features outputs"]
    intercept: Float[Array, " outputs"]
    alpha: Float[Array, ""]

    def __init__(
        self,
        num_inputs: int,
        num_outputs: int | None = None,
        *,
        size: int = 300,
        spectral_radius: float = 0.9,
        density: float = 0.1,
        leak_rate: float = 1.0,
        input_scaling: float = 0.1,
        bias_scaling: float = 0.5,
        key: PRNGKeyArray,
    ):
        """**Arguments:**

        - `num_inputs`, `num_outputs`: input and output dimensions (outputs default to inputs).
        - `size`: number of units (default 300).
        - `spectral_radius`: the recurrent matrix is rescaled so that its largest |eigenvalue|
          (NumPy `eigvals`, float64, at build time) equals this, >= 0 (default 0.9).
        - `density`: probability that a recurrent connection exists, in (0, 1] (default 0.1).
        - `leak_rate`: $a$ in (0, 1] (default 1: no leak; see below).
        - `input_scaling`: input weights uniform in ±this (default 0.1, for z-scored inputs).
        - `bias_scaling`: biases uniform in ±this (default 0.5).
        - `key`: the draw; the same key gives the same network.

        Why these defaults: the readout sees the current input, so a one-step map needs little
        memory from the reservoir. On the default Lorenz task (dt = 0.01, float32, 300 units,
        4 draws) leak 1 with input scaling 0.1 gave the lowest one-step test NRMSE (1.8e-4;
        leak 0.3: 3.7e-4; input scaling 0.5: 4.3e-4 and 7.4e-4) at an equal valid time
        (2-5 Lyapunov times for all four). Spectral radius 0.9 and density 0.1 are the usual
        starting points (Lukoševičius 2012). These are where a search starts, not the
        baselines' values: `run_baselines` chooses spectral radius, leak rate and input
        scaling per task on the training split (`tune_esn`).
        """
        if size < 1:
            raise ValueError(f"`size` must be >= 1; got {size}.")
        if not 0.0 < density <= 1.0:
            raise ValueError(f"`density` must lie in (0, 1]; got {density}.")
        if not 0.0 < leak_rate <= 1.0:
            raise ValueError(f"`leak_rate` must lie in (0, 1]; got {leak_rate}.")
        if spectral_radius < 0:
            raise ValueError(f"`spectral_radius` must be >= 0; got {spectral_radius}.")
        num_outputs = num_inputs if num_outputs is None else num_outputs
        dtype = jnp.result_type(float)
        key_recurrent, key_mask, key_input, key_bias = jr.split(key, 4)
        weights = jr.uniform(key_recurrent, (size, size), dtype, -1.0, 1.0)
        weights = jnp.where(jr.bernoulli(key_mask, density, (size, size)), weights, 0.0)
        # Eigenvalues on the host in float64: a build-time constant, never traced.
        radius = float(np.max(np.abs(np.linalg.eigvals(np.asarray(weights, np.float64)))))
        if radius == 0.0:
            raise ValueError(
                f"The drawn recurrent matrix (size {size}, density {density}) is nilpotent or "
                "empty, so it cannot be scaled to a spectral radius; raise `density`."
            )
        self.recurrent = weights * jnp.asarray(spectral_radius / radius, dtype)
        self.input_weights = jr.uniform(
            key_input, (size, num_inputs), dtype, -input_scaling, input_scaling
        )
        self.bias = jr.uniform(key_bias, (size,), dtype, -bias_scaling, bias_scaling)
        self.leak_rate = jnp.asarray(leak_rate, dtype)
        self.readout = jnp.zeros((size + num_inputs, num_outputs), dtype)
        self.intercept = jnp.zeros((num_outputs,), dtype)
        self.alpha = jnp.asarray(jnp.nan, dtype)

    @property
    def size(self) -> int:
        return self.recurrent.shape[0]

    def step(self, state: Float[Array, " units"], current: Float[Array, " inputs"]):
        """One reservoir update: the new state after input `current`."""
        drive = self.recurrent @ state + self.input_weights @ current + self.bias
        return (1.0 - self.leak_rate) * state + self.leak_rate * jnp.tanh(drive)

    def states(
        self,
        inputs: Float[ArrayLike, "time inputs"],
        initial: Float[ArrayLike, " units"] | None = None,
    ) -> Float[Array, "time units"]:
        """The state after each input (teacher forced), from `initial` (default zero)."""
        inputs = jnp.asarray(inputs)
        state = jnp.zeros(self.size, inputs.dtype) if initial is None else jnp.asarray(initial)

        def body(state, current):
            state = self.step(state, current)
            return state, state

        return lax.scan(body, state, inputs)[1]

    def read(self, states: Float[Array, "time units"], inputs: Float[Array, "time inputs"]):
        """The readout of states and the inputs that produced them."""
        features = jnp.concatenate([states, inputs], axis=-1)
        return features @ self.readout + self.intercept[None, :]

    @eqx.filter_jit
    def predict(
        self,
        inputs: Float[ArrayLike, "time inputs"],
        initial: Float[ArrayLike, " units"] | None = None,
    ) -> Float[Array, "time outputs"]:
        """Teacher-forced predictions, one per input (aligned with `inputs`)."""
        inputs = jnp.asarray(inputs)
        return self.read(self.states(inputs, initial), inputs)


@eqx.filter_jit
def esn_features(esn: ESN, inputs: Float[Array, "time inputs"]) -> Float[Array, "time features"]:
    """The readout's features at every step: the state after each input, and the input."""
    return jnp.concatenate([esn.states(inputs), inputs], axis=1)


# Compiled once per shape and range of penalties (a tuple: static).
_fit_ridge_validated = eqx.filter_jit(fit_ridge_validated)


def fit_esn(
    esn: ESN,
    inputs: Float[ArrayLike, "time inputs"],
    targets: Float[ArrayLike, "time outputs"],
    *,
    washout: int,
    alpha: float | None = None,
    alphas: tuple[float, ...] = RIDGE_ALPHAS,
    validation_fraction: float = 0.2,
) -> ESN:
    """Drive the ESN with `inputs` from a zero state and fit its ridge readout.

    The first `washout` states are dropped. The readout is `fit_ridge` (unpenalised
    intercept) with `alpha`, or with `alpha=None` (default) `fit_ridge_validated`: the penalty
    of `alphas` (default `RIDGE_ALPHAS`) with the least one-step error on the last
    `validation_fraction` of the kept samples, refitted on all (both through the SVD of the
    centred features: see `ridge_path`). The states and the ridge are compiled apart, so that
    another range of `alphas` does not recompile the scan.

    **Returns:** the ESN with its readout, intercept and penalty set.
    """
    inputs, targets = jnp.asarray(inputs), jnp.asarray(targets)
    if not 0 <= washout < inputs.shape[0]:
        raise ValueError(f"`washout`={washout} must lie in [0, {inputs.shape[0]}).")
    features = esn_features(esn, inputs)[washout:]
    kept = targets[washout:]
    if alpha is None:
        weights, intercept, chosen = _fit_ridge_validated(
            features, kept, validation_fraction=validation_fraction, alphas=tuple(alphas)
        )
    else:
        chosen = jnp.asarray(alpha, features.dtype)
        weights, intercept = fit_ridge(features, kept, chosen)
    return eqx.tree_at(
        lambda e: (e.readout, e.intercept, e.alpha), esn, (weights, intercept, chosen)
    )


@eqx.filter_jit
def esn_forecast(
    esn: ESN, warmup_inputs: Float[ArrayLike, "warmup inputs"], num_steps: int
) -> Float[Array, "{num_steps} inputs"]:
    """Closed-loop forecast: teacher-forced over `warmup_inputs` (from a zero state), then each
    prediction is fed back as the next input.

    **Returns:** the predictions of the `num_steps` samples after `warmup_inputs[-1]`.
    """
    warmup_inputs = jnp.asarray(warmup_inputs)
    if esn.readout.shape[1] != warmup_inputs.shape[1]:
        raise ValueError("A closed-loop forecast needs as many outputs as inputs.")
    zero = jnp.zeros(esn.size, warmup_inputs.dtype)
    state = esn.states(warmup_inputs[:-1])[-1] if warmup_inputs.shape[0] > 1 else zero

    def step(state, current):
        state = esn.step(state, current)
        return state, esn.read(state[None, :], current[None, :])[0]

    return feed_back(step, state, warmup_inputs[-1], num_steps)

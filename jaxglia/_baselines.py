"""The two strongest simple baselines for reservoir forecasting: NG-RC and an echo state network.

Both are fitted in closed form (ridge), so they are cheap, deterministic references for the
spiking reservoirs: `run_baselines` scores them on exactly a `Task`'s split, and
`ngrc_protocol` reproduces the NG-RC paper's Lorenz-63 accuracy anchor (REFERENCES.md §3a).

- NG-RC: Gauthier, Bollt, Griffith & Barbosa, "Next generation reservoir computing",
  Nat. Commun. 12, 5564 (2021); protocol of `quantinfo/ng-rc-paper-code`,
  `LorenzConstLinQuadraticNVARtimedelayNRMSE-RK23.py`.
- ESN: Jaeger (2001); leaky-integrator form and defaults after Lukoševičius, "A practical
  guide to applying echo state networks" (2012).
"""

import math
import time
import warnings
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from ._metrics import forecast_error, forecast_scores, nrmse, valid_steps
from ._ridge import RIDGE_ALPHAS, fit_ridge, fit_ridge_validated, fit_samples, ridge_path
from ._simulate import feed_back
from ._tasks import Task


# The NG-RC paper's Lorenz-63 protocol (REFERENCES.md §3a and the reference script).
NGRC_DT = 0.025
NGRC_ALPHA = 2.5e-6
NGRC_WARMUP_TIMES = tuple(5.0 + 10.0 * i for i in range(10))
NGRC_TRAIN_TIME = 10.0
LORENZ_LYAPUNOV_TIME = 1.104  # 1 / 0.9056, the largest Lyapunov exponent of Lorenz-63.

# Penalties tried when NG-RC's penalty is validated. Lower than `RIDGE_ALPHAS`: NG-RC's 28
# polynomial features are nearly noiseless functions of a smooth trajectory, and its best
# penalty on z-scored Lorenz data is far below 1e-4 (the paper's 2.5e-6 is on raw units).
NGRC_ALPHAS = tuple(10.0**p for p in range(-10, 3))


def _ridge_through_origin(
    features: Float[Array, "samples features"],
    targets: Float[Array, "samples outputs"],
    alphas: Float[Array, " alphas"],
) -> Float[Array, "alphas features outputs"]:
    """The NG-RC paper's ridge: no intercept, the constant feature penalised like the rest."""
    return ridge_path(features, targets, alphas, intercept=False)[0]


def _validated_alpha(
    features: Float[Array, "samples features"],
    targets: Float[Array, "samples outputs"],
    alphas: tuple[float, ...],
    validation_fraction: float,
) -> Float[Array, ""]:
    """`fit_ridge_validated`'s choice of penalty (one-step error), without intercept."""
    return fit_ridge_validated(
        features, targets, validation_fraction=validation_fraction, alphas=alphas,
        intercept=False,
    )[2]  # fmt: skip


# --------------------------------------------------------------------------------------
# NG-RC
# --------------------------------------------------------------------------------------


def ngrc_num_features(num_inputs: int, k: int) -> int:
    """1 + d k + d k (d k + 1) / 2: constant, linear and unique quadratic features."""
    linear = num_inputs * k
    return 1 + linear + linear * (linear + 1) // 2


def _polynomial(linear: Float[Array, "... linear"]) -> Float[Array, "... features"]:
    """[1, linear, unique quadratic monomials]; monomials in row-major upper-triangle order,
    $x_i x_j$ for $i \\le j$ — the reference script's loop order, and that of
    `itertools.combinations_with_replacement`."""
    rows, columns = np.triu_indices(linear.shape[-1])
    quadratic = linear[..., rows] * linear[..., columns]
    ones = jnp.ones((*linear.shape[:-1], 1), linear.dtype)
    return jnp.concatenate([ones, linear, quadratic], axis=-1)


def _check_delays(k: int, s: int) -> None:
    if k < 1 or s < 1:
        raise ValueError(f"NG-RC needs `k` >= 1 delay taps spaced `s` >= 1 apart; got {k}, {s}.")


def ngrc_features(
    inputs: Float[ArrayLike, "time inputs"], k: int = 2, s: int = 1
) -> Float[Array, "time_kept features"]:
    r"""The NG-RC feature vector at every time that has a full delay history.

    $$\mathbb O_t = \big[1,\ \mathbb O_{\rm lin},\ \lceil \mathbb O_{\rm lin} \otimes
    \mathbb O_{\rm lin} \rceil\big], \qquad
    \mathbb O_{\rm lin} = [u_t, u_{t-s}, \dots, u_{t-(k-1)s}]$$

    with the unique quadratic monomials $x_i x_j$, $i \le j$, in row-major order (as the
    reference script and `itertools.combinations_with_replacement`).

    **Arguments:**

    - `inputs`: the series $u$, shape `(time, d)`.
    - `k`: number of taps (the current input and `k - 1` earlier ones), >= 1.
    - `s`: spacing of the taps in samples, >= 1.

    **Returns:** shape `(time - (k - 1) s, 1 + d k + d k (d k + 1) / 2)`; row `i` is the
    feature vector at time `i + (k - 1) s` (earlier times lack a full history and are
    dropped; the reference script zero-fills them but never uses them).
    """
    _check_delays(k, s)
    inputs = jnp.asarray(inputs)
    history = (k - 1) * s
    num_kept = inputs.shape[0] - history
    if num_kept < 1:
        raise ValueError(f"`inputs` has {inputs.shape[0]} samples; k={k}, s={s} need > {history}.")
    taps = [inputs[history - j * s : history - j * s + num_kept] for j in range(k)]
    linear = jnp.concatenate(taps, axis=1)  # [u_t, u_{t-s}, ...], the reference's layout.
    return _polynomial(linear)


def _window_features(model: "NGRC", window: Float[Array, "history_plus_one inputs"]):
    """Feature vector from the last `(k - 1) s + 1` samples (the current one last)."""
    linear = window[model.history :: -model.s][: model.k].reshape(-1)
    return _polynomial(linear)


class NGRC(eqx.Module):
    r"""A fitted next-generation reservoir computer: polynomial features + linear readout.

    $$\hat y_t = W^\top \mathbb O_t \quad (+\, u_t \text{ if } \texttt{predict\_difference})$$

    with $\mathbb O_t$ from `ngrc_features`. The readout has no separate intercept: the
    constant feature carries it and is penalised like the others, as in the paper.
    Build it with `fit_ngrc`.
    """

    weights: Float[Array, "features outputs"]
    alpha: Float[Array, ""]
    k: int = eqx.field(static=True)
    s: int = eqx.field(static=True)
    predict_difference: bool = eqx.field(static=True)

    @property
    def history(self) -> int:
        """(k - 1) s: earlier samples a prediction needs besides the current one."""
        return (self.k - 1) * self.s

    @eqx.filter_jit
    def predict(self, inputs: Float[ArrayLike, "time inputs"]) -> Float[Array, "time_kept outputs"]:
        """Teacher-forced predictions: row `i` predicts the target at time `i + (k - 1) s`
        (aligned with `inputs[(k - 1) s:]`), each from the true inputs."""
        inputs = jnp.asarray(inputs)
        prediction = ngrc_features(inputs, self.k, self.s) @ self.weights
        if self.predict_difference:
            prediction = prediction + inputs[self.history :]
        return prediction


# Closed-loop validation of NG-RC's penalty: forecasts from this many starting points in the
# validation part, each over half of it, and the largest penalty scoring within this factor
# of the best (see `fit_ngrc`).
NUM_VALIDATION_STARTS = 8
VALIDATION_SCORE_FACTOR = 2.0


def _forecast_validated_alpha(
    features: Float[Array, "samples features"],
    regressed: Float[Array, "samples outputs"],
    inputs: Float[Array, "time inputs"],
    targets: Float[Array, "time outputs"],
    model: "NGRC",
    alphas: tuple[float, ...],
    validation_fraction: float,
) -> Float[Array, ""]:
    """The penalty chosen by closed-loop forecasts of the validation part (see `fit_ngrc`)."""
    history = model.history
    num_fit = fit_samples(features.shape[0], validation_fraction)
    num_validation = features.shape[0] - num_fit
    horizon = max(1, num_validation // 2)
    # Feature row i is input time i + history. Each loop starts from the true inputs up to
    # its first validation time and forecasts the targets from that time on.
    starts = [
        num_fit + int(i) for i in np.linspace(0, num_validation - horizon, NUM_VALIDATION_STARTS)
    ]
    windows = jnp.stack([inputs[i : i + history + 1] for i in starts])
    truths = jnp.stack([targets[i + history : i + history + horizon] for i in starts])
    scale = jnp.std(targets[history : history + num_fit], axis=0)
    candidates = jnp.asarray(sorted(alphas), features.dtype)
    weights = _ridge_through_origin(features[:num_fit], regressed[:num_fit], candidates)

    def score(weights, window, truth):
        candidate = eqx.tree_at(lambda m: m.weights, model, weights)
        error = forecast_error(_ngrc_forecast(candidate, window, horizon), truth, scale)
        # Errors beyond 1 (in data standard deviations) mean "lost"; NaN or inf too.
        return jnp.mean(jnp.where(jnp.isfinite(error), jnp.minimum(error, 1.0), 1.0))

    over_starts = jax.vmap(score, in_axes=(None, 0, 0))
    scores = jnp.mean(
        jax.vmap(over_starts, in_axes=(0, None, None))(weights, windows, truths), axis=1
    )
    acceptable = scores <= VALIDATION_SCORE_FACTOR * jnp.min(scores)
    return candidates[jnp.max(jnp.where(acceptable, jnp.arange(candidates.shape[0]), 0))]


@eqx.filter_jit
def fit_ngrc(
    inputs: Float[ArrayLike, "time inputs"],
    targets: Float[ArrayLike, "time outputs"],
    *,
    k: int = 2,
    s: int = 1,
    alpha: float | None = None,
    alphas: tuple[float, ...] = NGRC_ALPHAS,
    validation_fraction: float = 0.2,
    validate_forecast: bool = False,
    predict_difference: bool = False,
) -> NGRC:
    r"""Fit NG-RC by ridge regression on every time of `inputs` with a full delay history.

    The ridge has no intercept; the constant feature is penalised like the others (the
    paper's `W = Y O^T (O O^T + alpha I)^-1`), solved through the SVD of the features.

    **Arguments:**

    - `inputs`, `targets`: aligned series, `targets[t]` to be predicted from `inputs[: t + 1]`.
      The first `(k - 1) s` rows only supply delay history (their targets are unused).
    - `k`, `s`: taps and their spacing (paper: k = 2, s = 1).
    - `alpha`: ridge penalty (paper: 2.5e-6 on raw Lorenz units). `None` (default) picks it
      from `alphas`: each is fitted on all but the chronologically last `validation_fraction`
      of the samples and scored on that last part; the best is refitted on all samples.
    - `validate_forecast`: how a penalty is scored. `False` (default): one-step mean squared
      error, least wins (as `fit_ridge_validated`). `True`, for forecasting: closed-loop
      forecasts from 8 evenly spaced starts in the validation part, each started from the true
      inputs and run over half of that part, scored by the mean over starts and steps of the
      `forecast_error` (per-variable scale = the training targets' standard deviation), each
      step's error capped at 1 (non-finite counts as 1); the *largest* penalty scoring within
      2x of the best wins. One-step validation picks the smallest penalty, and the best
      closed-loop score often sits at the edge of instability, which a finite validation part
      cannot see: on Lorenz tasks (float32, dt = 0.005-0.02, 1200-5000 samples) both rules
      picked penalties whose test forecasts failed within ~10-100 steps in some cases, while
      this rule gave a stable forecast in all seven cases tried. Needs targets that are the
      next inputs.
    - `predict_difference`: regress $y_t - u_t$ and add $u_t$ back (the paper's choice, for
      $\Delta u = u_{t+1} - u_t$). Only meaningful when the targets are the next inputs.

    **Returns:** an `NGRC`.
    """
    _check_delays(k, s)
    inputs, targets = jnp.asarray(inputs), jnp.asarray(targets)
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"`inputs` and `targets` differ in length: {inputs.shape}, {targets.shape}."
        )
    if (predict_difference or validate_forecast) and inputs.shape[1] != targets.shape[1]:
        raise ValueError(
            "`predict_difference` and `validate_forecast` need as many outputs as inputs."
        )
    history = (k - 1) * s
    features = ngrc_features(inputs, k, s)
    regressed = targets[history:]
    if predict_difference:
        regressed = regressed - inputs[history:]
    placeholder = jnp.zeros((features.shape[1], targets.shape[1]), features.dtype)
    model = NGRC(placeholder, jnp.asarray(jnp.nan, features.dtype), k, s, predict_difference)
    if alpha is not None:
        chosen = jnp.asarray(alpha, features.dtype)
    elif validate_forecast:
        chosen = _forecast_validated_alpha(
            features, regressed, inputs, targets, model, alphas, validation_fraction
        )
    else:
        chosen = _validated_alpha(features, regressed, alphas, validation_fraction)
    weights = _ridge_through_origin(features, regressed, chosen[None])[0]
    return eqx.tree_at(lambda m: (m.weights, m.alpha), model, (weights, chosen))


def _ngrc_forecast(model: NGRC, window: Float[Array, "history_plus_one inputs"], num_steps: int):
    def step(history, current):
        window = jnp.concatenate([history, current[None, :]], axis=0)
        prediction = _window_features(model, window) @ model.weights
        if model.predict_difference:
            prediction = prediction + current
        return window[1:], prediction

    return feed_back(step, window[:-1], window[-1], num_steps)


@eqx.filter_jit
def ngrc_forecast(
    model: NGRC, warmup_inputs: Float[ArrayLike, "warmup inputs"], num_steps: int
) -> Float[Array, "{num_steps} inputs"]:
    """Closed-loop forecast: each prediction is fed back as the next input (`feed_back`,
    carrying the delay buffer of the last `(k - 1) s` samples).

    Only that many warm-up samples are used: the paper's "warm-up of k·s points". Needs a
    model whose targets are the next inputs.

    **Returns:** the predictions of the `num_steps` samples after `warmup_inputs[-1]`.
    """
    warmup_inputs = jnp.asarray(warmup_inputs)
    if model.weights.shape[1] != warmup_inputs.shape[1]:
        raise ValueError("A closed-loop forecast needs as many outputs as inputs.")
    if warmup_inputs.shape[0] < model.history + 1:
        raise ValueError(
            f"`warmup_inputs` needs at least (k - 1) s + 1 = {model.history + 1} samples; "
            f"got {warmup_inputs.shape[0]}."
        )
    window = warmup_inputs[warmup_inputs.shape[0] - model.history - 1 :]
    return _ngrc_forecast(model, window, num_steps)


def ngrc_protocol(
    trajectory: Float[ArrayLike, "time inputs"] | Sequence[Float[ArrayLike, "time inputs"]],
    dt: float = NGRC_DT,
    *,
    warmup_times: Sequence[float] = NGRC_WARMUP_TIMES,
    train_time: float = NGRC_TRAIN_TIME,
    test_time: float = LORENZ_LYAPUNOV_TIME,
    lyapunov_time: float = LORENZ_LYAPUNOV_TIME,
    valid_time_horizon: float = 20.0,
    k: int = 2,
    s: int = 1,
    alpha: float = NGRC_ALPHA,
    predict_difference: bool = True,
) -> dict[str, np.ndarray]:
    r"""The NG-RC paper's Lorenz-63 forecasting protocol, window by window.

    For each warm-up time $T_w$ (indices as the reference script: `round(time / dt)`):

    - `w = round(T_w/dt)`, `n = round(train_time/dt)`, `e = w + n`; NG-RC is fitted on the
      feature vectors at samples `w-1 … e-2` (n of them; delays reach back `(k-1)s` more)
      against the next samples `w … e-1`, with the fixed ridge `alpha` (constant feature
      penalised, no intercept) and, by default, the difference target $\Delta u$;
    - the closed loop starts from the true samples up to `e-1` (only `(k-1)s + 1` are used)
      and predicts `e, e+1, …`;
    - the NRMSE is compared over `m = round(test_time/dt)` samples `e-1 … e+m-2`, i.e. the
      true starting sample (error 0, as in the reference) and `m-1` forecast samples:
      $\sqrt{\mathrm{mean}(\text{error}^2) / \mathrm{var}}$ where var is NumPy's `var` over
      *all* entries of the trajectory from sample 0 to `round((T_w + train_time +
      test_time)/dt)` inclusive (one pooled mean over x, y, z — the reference's "total_var");
    - the valid time is `valid_steps` of the same forecast, continued up to
      `valid_time_horizon` Lyapunov times, with the error per variable divided by that
      variable's standard deviation over the same span and threshold 0.4, in Lyapunov times.
      If the trajectory ends before the forecast fails, the value is a lower bound.

    **Arguments:**

    - `trajectory`: samples `trajectory[i]` at time `i * dt`, shape `(time, d)`; or one such
      array per window (the reference script re-integrates for each window, sampling at
      `linspace(0, maxtime, round(maxtime / dt) + 1)`).
    - `dt`: the sampling step that converts times to indices (paper: 0.025).
    - `warmup_times`, `train_time`, `test_time`: paper: 5, 15, …, 95; 10; 1.104.
    - `lyapunov_time`: in time units (Lorenz-63: 1.104).
    - `k`, `s`, `alpha`, `predict_difference`: as `fit_ngrc` (paper: 2, 1, 2.5e-6, True).

    **Returns:** a dict of NumPy arrays over windows: `warmup_time`, `nrmse`, `valid_time`.

    !!! warning
        Run it with `jax_enable_x64`: in float32 the fit is too ill-conditioned (the paper's
        features are in raw units; condition number ~6e7 against a penalty of 2.5e-6), and a
        float32 trajectory warns. With float64 it reproduces the reference script per window
        to ~4e-5 relative (mean NRMSE 2.11e-3 over the 10 windows).
    """
    if isinstance(trajectory, (list, tuple)):
        trajectories = [jnp.asarray(t) for t in trajectory]
        if len(trajectories) != len(warmup_times):
            raise ValueError(
                f"Got {len(trajectories)} trajectories for {len(warmup_times)} warm-up times."
            )
    else:
        trajectories = [jnp.asarray(trajectory)] * len(warmup_times)
    if any(t.dtype != jnp.float64 for t in trajectories):
        warnings.warn(
            "`ngrc_protocol` in float32: with raw-unit features (condition number ~6e7) and "
            "alpha = 2.5e-6 the ridge fit is ill-conditioned, and windows can be off by a "
            "factor of 3 or diverge. Enable `jax_enable_x64` for the paper's numbers.",
            stacklevel=2,
        )
    history = (k - 1) * s
    num_train = round(train_time / dt)
    num_test = round(test_time / dt)
    num_valid = max(num_test - 1, int(math.ceil(valid_time_horizon * lyapunov_time / dt)))
    nrmses, valid_times = [], []
    for warmup_time, series in zip(warmup_times, trajectories):
        start = round(warmup_time / dt)
        end = start + num_train
        last = round((warmup_time + train_time + test_time) / dt)
        if start - 1 - history < 0:
            raise ValueError(f"Warm-up time {warmup_time} leaves no room for the delays.")
        if series.shape[0] < last + 1:
            raise ValueError(
                f"The trajectory has {series.shape[0]} samples; the window at {warmup_time} "
                f"needs {last + 1}."
            )
        first = start - 1 - history
        model = fit_ngrc(
            series[first : end - 1],
            series[first + 1 : end],
            k=k,
            s=s,
            alpha=alpha,
            predict_difference=predict_difference,
        )
        forecast = np.asarray(ngrc_forecast(model, series[end - 1 - history : end], num_valid))
        truth = np.asarray(series)
        span = truth[: last + 1]
        compared = np.concatenate([truth[end - 1 : end], forecast[: num_test - 1]], axis=0)
        error = compared - truth[end - 1 : end - 1 + num_test]
        nrmses.append(np.sqrt(np.mean(error**2) / np.var(span)))
        available = min(num_valid, truth.shape[0] - end)
        steps = valid_steps(
            forecast[:available], truth[end : end + available], np.std(span, axis=0)
        )
        valid_times.append(float(steps) * dt / lyapunov_time)
    return {
        "warmup_time": np.asarray(warmup_times, np.float64),
        "nrmse": np.asarray(nrmses, np.float64),
        "valid_time": np.asarray(valid_times, np.float64),
    }


# --------------------------------------------------------------------------------------
# Echo state network
# --------------------------------------------------------------------------------------


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
        starting points (Lukoševičius 2012).
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
    of `alphas` with the least one-step error on the last `validation_fraction` of the kept
    samples, refitted on all (both through the SVD of the centred features: see `ridge_path`).

    **Returns:** the ESN with its readout, intercept and penalty set.
    """
    inputs, targets = jnp.asarray(inputs), jnp.asarray(targets)
    if not 0 <= washout < inputs.shape[0]:
        raise ValueError(f"`washout`={washout} must lie in [0, {inputs.shape[0]}).")
    states = esn.states(inputs)
    features = jnp.concatenate([states, inputs], axis=1)[washout:]
    kept = targets[washout:]
    if alpha is None:
        weights, intercept, chosen = fit_ridge_validated(
            features, kept, validation_fraction=validation_fraction, alphas=alphas
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


# --------------------------------------------------------------------------------------
# Driver on a Task
# --------------------------------------------------------------------------------------


def _timed(fit):
    """Run `fit` twice; report the second (compiled) wall time, not the compilation."""
    jax.block_until_ready(fit())
    begin = time.perf_counter()
    model = jax.block_until_ready(fit())
    return model, time.perf_counter() - begin


def _is_next_step(task: Task) -> bool:
    inputs, targets = np.asarray(task.inputs), np.asarray(task.targets)
    return inputs.shape == targets.shape and np.allclose(targets[:-1], inputs[1:], atol=1e-6)


def _forecast_scores(prediction, truth, lyapunov_time_steps: float | None) -> dict:
    """Forecast scores in z-scored units (the per-variable scale of the error is 1)."""
    steps = float(valid_steps(prediction, truth, jnp.ones(truth.shape[1], truth.dtype)))
    if lyapunov_time_steps is None:
        return {"forecast_nrmse": math.nan, "valid_steps": steps, "valid_time": math.nan}
    error, valid = forecast_scores(prediction, truth, lyapunov_time_steps)
    return {"forecast_nrmse": float(error), "valid_steps": steps, "valid_time": float(valid)}


def run_baselines(
    task: Task,
    *,
    lyapunov_time_steps: float | None,
    key: PRNGKeyArray,
    forecast: bool | None = None,
    forecast_steps: int | None = None,
    ngrc_k: int = 2,
    ngrc_s: int = 1,
    ngrc_alpha: float | None = None,
    esn_size: int = 300,
    esn_spectral_radius: float = 0.9,
    esn_density: float = 0.1,
    esn_leak_rate: float = 1.0,
    esn_input_scaling: float = 0.1,
    esn_bias_scaling: float = 0.5,
    esn_alpha: float | None = None,
) -> list[dict]:
    """NG-RC and an ESN on exactly `task`'s split, for comparison with the spiking reservoirs.

    Both are fitted on the training samples after the washout (`inputs[washout : washout +
    num_train]`; NG-RC's delay taps may reach into the washout) and scored on the test
    samples (the rest).

    - `test_nrmse`: one-step teacher-forced NRMSE on the test split (`nrmse`).
    - With a forecast (autonomous task of horizon 1, so `targets[t] == inputs[t + 1]`, which
      is checked; `forecast=None` takes `task.forecastable`): a closed loop from the start of
      the test split — true inputs up to and including the first test input, then the model's
      own predictions —
      compared with `targets[washout + num_train :]` for `forecast_steps` steps (default: the
      whole test split). Inputs and targets share one z-scoring, so the error is measured in
      units of the training standard deviation (scale 1 per variable):
      `forecast_nrmse` = RMS error over the first `round(lyapunov_time_steps)` steps (the
      analogue of the NG-RC paper's normalisation by the data's variance, rather than the
      short window's own variance); `valid_steps` = steps before the error first exceeds 0.4;
      `valid_time` = `valid_steps / lyapunov_time_steps` (NaN without it). Without a forecast
      these three are NaN.
    - `fit_seconds`: wall time of one compiled fit (compilation excluded).
    - the hyperparameters used: `alpha` (chosen by validation unless given), `num_features`,
      and the model's own (`k`, `s` or `size`, `spectral_radius`, ...).

    NG-RC fits $\\Delta u$ when the task is next-step, and then (unless `ngrc_alpha` is given)
    validates its penalty by a closed-loop forecast (`fit_ngrc(validate_forecast=True)`): the
    one-step choice is the smallest penalty, unstable in closed loop. The ESN's penalty is
    validated one step ahead (as `fit_ridge_validated`); its defaults are explained in `ESN`.

    **Returns:** one dict per model, `model` = "ngrc" then "esn".
    """
    if forecast is None:
        forecast = task.forecastable
    if forecast and not _is_next_step(task):
        raise ValueError("`forecast=True` needs a next-step task (`targets[t] == inputs[t+1]`).")
    inputs, targets = task.inputs, task.targets
    begin, test_start = task.washout, task.washout + task.num_train
    num_forecast = task.num_test if forecast_steps is None else min(forecast_steps, task.num_test)
    test_targets = targets[test_start:]
    nan_scores = {"forecast_nrmse": math.nan, "valid_steps": math.nan, "valid_time": math.nan}
    results = []

    # NG-RC: delay taps may reach back into the washout, but never before sample 0.
    history = (ngrc_k - 1) * ngrc_s
    first = max(0, begin - history)
    ngrc, seconds = _timed(
        lambda: fit_ngrc(
            inputs[first:test_start],
            targets[first:test_start],
            k=ngrc_k,
            s=ngrc_s,
            alpha=ngrc_alpha,
            validate_forecast=forecast,
            predict_difference=forecast,
        )
    )

    def scored(model: str, one_step, forecaster, seconds: float, **hyper) -> dict:
        scores = nan_scores
        if forecast:
            prediction = forecaster(inputs[: test_start + 1], num_forecast)
            truth = test_targets[:num_forecast]
            scores = _forecast_scores(prediction, truth, lyapunov_time_steps)
        error = float(nrmse(one_step, test_targets))
        return {"model": model, "test_nrmse": error, **scores, "fit_seconds": seconds, **hyper}

    results.append(
        scored(
            "ngrc",
            ngrc.predict(inputs[test_start - history :]),
            lambda warmup, n: ngrc_forecast(ngrc, warmup, n),
            seconds,
            alpha=float(ngrc.alpha),
            num_features=int(ngrc.weights.shape[0]),
            k=ngrc_k,
            s=ngrc_s,
        )
    )

    esn = ESN(
        inputs.shape[1],
        targets.shape[1],
        size=esn_size,
        spectral_radius=esn_spectral_radius,
        density=esn_density,
        leak_rate=esn_leak_rate,
        input_scaling=esn_input_scaling,
        bias_scaling=esn_bias_scaling,
        key=key,
    )
    esn, seconds = _timed(
        lambda: fit_esn(
            esn, inputs[:test_start], targets[:test_start], washout=begin, alpha=esn_alpha
        )
    )
    results.append(
        scored(
            "esn",
            esn.predict(inputs)[test_start:],
            lambda warmup, n: esn_forecast(esn, warmup, n),
            seconds,
            alpha=float(esn.alpha),
            num_features=int(esn.readout.shape[0]),
            size=esn_size,
            spectral_radius=esn_spectral_radius,
            density=esn_density,
            leak_rate=esn_leak_rate,
            input_scaling=esn_input_scaling,
            bias_scaling=esn_bias_scaling,
        )
    )
    return results

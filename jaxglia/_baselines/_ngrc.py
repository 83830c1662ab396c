"""Next generation reservoir computing (NG-RC): a ridge on polynomials of delayed inputs.

Gauthier, Bollt, Griffith & Barbosa, "Next generation reservoir computing", Nat. Commun. 12,
5564 (2021); protocol of `quantinfo/ng-rc-paper-code`,
`LorenzConstLinQuadraticNVARtimedelayNRMSE-RK23.py`.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .._metrics import VALID_TIME_THRESHOLD, forecast_error
from .._ridge import RIDGE_ALPHAS, fit_ridge_validated, fit_samples, ridge_path
from .._simulate import feed_back


# Penalties tried when NG-RC's penalty is validated: the one range of every ridge fit
# (`RIDGE_ALPHAS`, 1e-14 ... 1e6). NG-RC's 28 polynomial features are nearly noiseless
# functions of a smooth trajectory, so its best penalty on z-scored data lies far below
# the readout's (the paper's 2.5e-6 is on raw units).
NGRC_ALPHAS = RIDGE_ALPHAS


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
    chosen = candidates[jnp.max(jnp.where(acceptable, jnp.arange(candidates.shape[0]), 0))]
    # No penalty keeps the validation forecasts valid on average (all lost): the closed loop
    # cannot rank them, so the one-step choice is taken instead of the largest penalty.
    usable = jnp.min(scores) <= VALID_TIME_THRESHOLD
    return jnp.where(
        usable, chosen, _validated_alpha(features, regressed, alphas, validation_fraction)
    )


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
      2x of the best wins (if no penalty's mean error stays within the valid-time threshold,
      0.4, the closed loop cannot rank them and the one-step choice is taken). One-step
      validation picks the smallest penalty, and the best
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

"""Metrics: pure functions of arrays."""

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float


def learning_rate_slope(losses: Float[ArrayLike, " epochs"]) -> Float[Array, ""]:
    r"""The readout's "learning rate": least-squares slope of $\log_{10}$ loss against epoch.

    For $L_e = L_0 e^{-k e}$ this is $-k / \ln 10$. More negative means faster learning.
    `losses` may hold one curve or a batch of curves (epochs on the last axis).
    Non-positive or non-finite losses give NaN (a diverged or degenerate curve has no slope).
    """
    losses = jnp.asarray(losses)
    epochs = jnp.arange(losses.shape[-1], dtype=losses.dtype)
    y = jnp.log10(jnp.where(losses > 0, losses, jnp.nan))
    # Works on one curve or a batch of curves (leading axes).
    x = jnp.broadcast_to(epochs - jnp.mean(epochs), y.shape)
    centred = y - jnp.mean(y, axis=-1, keepdims=True)
    return jnp.sum(x * centred, axis=-1) / jnp.sum(x * x, axis=-1)


def mse(prediction: Float[ArrayLike, "time outputs"], target: Float[ArrayLike, "time outputs"]):
    """Mean squared error over all entries."""
    return jnp.mean((jnp.asarray(prediction) - jnp.asarray(target)) ** 2)


def nrmse(
    prediction: Float[ArrayLike, "time outputs"], target: Float[ArrayLike, "time outputs"]
) -> Float[Array, ""]:
    """Normalised RMSE: RMSE of each output over time divided by the target's standard
    deviation over the same samples, averaged over outputs. Predicting the mean gives 1."""
    prediction, target = jnp.asarray(prediction), jnp.asarray(target)
    rmse = jnp.sqrt(jnp.mean((prediction - target) ** 2, axis=0))
    return jnp.mean(rmse / jnp.std(target, axis=0))


def firing_rate(
    spike_counts: Float[ArrayLike, " units"], mask: ArrayLike, num_steps: int
) -> Float[Array, ""]:
    """Mean spikes per unit per step over the units where `mask` is True (NaN if none)."""
    counts, mask = jnp.asarray(spike_counts), jnp.asarray(mask)
    num_units = jnp.sum(mask)
    total = jnp.sum(jnp.where(mask, counts, 0.0))
    return jnp.where(num_units > 0, total / (jnp.maximum(num_units, 1) * num_steps), jnp.nan)


# The valid-prediction-time threshold of the NG-RC literature (Gauthier et al. 2021; Pathak
# et al. 2018): the forecast is valid while its error, normalised per variable, stays <= 0.4.
VALID_TIME_THRESHOLD = 0.4


def forecast_error(
    prediction: Float[ArrayLike, "time outputs"],
    target: Float[ArrayLike, "time outputs"],
    scale: Float[ArrayLike, " outputs"],
) -> Float[Array, " time"]:
    r"""Error of a forecast at each step: $\sqrt{\frac1d\sum_i ((\hat y_i - y_i)/s_i)^2}$.

    `scale` is the per-variable standard deviation of the data (for z-scored data, ones).
    """
    prediction, target = jnp.asarray(prediction), jnp.asarray(target)
    scale = jnp.broadcast_to(jnp.asarray(scale), target.shape)
    return jnp.sqrt(jnp.mean(((prediction - target) / scale) ** 2, axis=-1))


def forecast_nrmse(
    prediction: Float[ArrayLike, "time outputs"],
    target: Float[ArrayLike, "time outputs"],
    scale: Float[ArrayLike, " outputs"],
) -> Float[Array, ""]:
    """RMS of `forecast_error` over the window: the error in units of each variable's
    standard deviation over the data (`scale`), as the NG-RC literature normalises it,
    not by the window's own spread (which is small over one Lyapunov time)."""
    return jnp.sqrt(jnp.mean(forecast_error(prediction, target, scale) ** 2))


def valid_steps(
    prediction: Float[ArrayLike, "time outputs"],
    target: Float[ArrayLike, "time outputs"],
    scale: Float[ArrayLike, " outputs"],
    threshold: float = VALID_TIME_THRESHOLD,
) -> Float[Array, ""]:
    """Steps before the forecast error first exceeds `threshold` (all steps if it never does).

    A non-finite error counts as exceeding the threshold. Returned as a float (a count).
    """
    error = forecast_error(prediction, target, scale)
    bad = ~(error <= threshold)
    first = jnp.argmax(bad)
    return jnp.where(jnp.any(bad), first, error.shape[0]).astype(error.dtype)


def forecast_scores(
    prediction: Float[ArrayLike, "time outputs"],
    target: Float[ArrayLike, "time outputs"],
    lyapunov_steps: float,
    scale: Float[ArrayLike, " outputs"] | None = None,
) -> tuple[Float[Array, ""], Float[Array, ""]]:
    """(NRMSE over the first Lyapunov time, valid time in Lyapunov times) of a forecast.

    `lyapunov_steps` is one Lyapunov time in samples; `scale` the per-variable standard
    deviation of the data (default ones: z-scored data).
    """
    target = jnp.asarray(target)
    scale = jnp.ones((target.shape[-1],), target.dtype) if scale is None else scale
    window = max(1, min(round(lyapunov_steps), target.shape[0]))
    error = forecast_nrmse(jnp.asarray(prediction)[:window], target[:window], scale)
    return error, valid_steps(prediction, target, scale) / lyapunov_steps

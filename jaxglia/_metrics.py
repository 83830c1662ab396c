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

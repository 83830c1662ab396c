"""Shared test helpers: tiny configurations and independent NumPy references."""

import numpy as np

import jaxglia


def tiny_config(**changes) -> jaxglia.SweepConfig:
    """A config small enough for a test: short series, few epochs, narrow MLP."""
    base = dict(
        neurons=(0, 8, 16),
        astrocytes=(0, 8, 24),
        replicates=2,
        steps=400,
        washout=40,
        epochs=6,
        hidden=16,
        batch_size=32,
    )
    base.update(changes)
    return jaxglia.SweepConfig(**base)


def numpy_leaky(currents, beta, threshold, reset):
    """snnTorch `Leaky` (reset_delay=True), transcribed from its source into NumPy.

    `mem_reset` = Heaviside(mem_prev - threshold) of the previous membrane (strict >); then
      subtract: mem = beta * mem + input - reset * threshold
      zero:     mem = beta * mem * (1 - reset) + input      (the code, not the docstring)
      none:     mem = beta * mem + input
    and spk = Heaviside(mem - threshold), strict.
    """
    currents = np.asarray(currents, np.float32)
    beta, threshold = np.float32(beta), np.float32(threshold)
    mem = np.zeros(currents.shape[1:], np.float32)
    mems, spikes = [], []
    for current in currents:
        fired = (mem - threshold > 0).astype(np.float32)
        if reset == "subtract":
            mem = beta * mem + current - fired * threshold
        elif reset == "zero":
            mem = beta * mem * (np.float32(1) - fired) + current
        else:
            mem = beta * mem + current
        mems.append(mem.copy())
        spikes.append(mem - threshold > 0)
    return np.stack(mems), np.stack(spikes)


def numpy_synaptic(currents, alpha, beta, threshold, reset):
    """snnTorch 1.0 `Synaptic` (reset_delay=True), transcribed from its source into NumPy.

    reset = Heaviside(mem_prev - threshold); syn = alpha * syn + input;
      subtract: mem = beta * mem + syn - reset * threshold
      zero:     mem = (beta * mem + syn) - (beta * mem + syn) * reset   (syn not reset)
      none:     mem = beta * mem + syn
    and spk = Heaviside(mem - threshold), strict.
    """
    currents = np.asarray(currents, np.float32)
    alpha, beta, threshold = np.float32(alpha), np.float32(beta), np.float32(threshold)
    syn = np.zeros(currents.shape[1:], np.float32)
    mem = np.zeros(currents.shape[1:], np.float32)
    mems, spikes = [], []
    for current in currents:
        fired = (mem - threshold > 0).astype(np.float32)
        syn = alpha * syn + current
        new = beta * mem + syn
        if reset == "subtract":
            mem = new - fired * threshold
        elif reset == "zero":
            mem = new - new * fired
        else:
            mem = new
        mems.append(mem.copy())
        spikes.append(mem - threshold > 0)
    return np.stack(mems), np.stack(spikes)

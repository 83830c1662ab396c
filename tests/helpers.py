"""Shared test helpers: tiny configurations and independent NumPy references."""

import numpy as np

import jaxglia


def tiny_config(**changes) -> jaxglia.SweepConfig:
    """A config small enough for a test: short series, few epochs, narrow MLP."""
    base = dict(
        neurons=(0, 8, 16),
        astrocytes=(0, 8, 24),
        seeds=2,
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

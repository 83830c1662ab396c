"""Provenance: library versions and devices, recorded with every result."""

import importlib.metadata
import platform
import sys

import jax


_PACKAGES = ("jaxglia", "jax", "jaxlib", "equinox", "optax", "numpy", "pandas")


def versions() -> dict[str, str]:
    """Versions of Python and of every library that shapes a result."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def devices() -> list[str]:
    """The visible devices, e.g. `['cpu:0 (cpu)']` or `['cuda:0 (NVIDIA H100 80GB HBM3)']`."""
    return [f"{d.platform}:{d.id} ({d.device_kind})" for d in jax.devices()]

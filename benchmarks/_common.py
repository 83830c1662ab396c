"""Shared by the benchmark scripts: device and version facts, peak memory, JSON lines."""

import json
import resource
import sys
import time

import jax


def device_info() -> dict:
    devices = jax.devices()
    return {
        "device": f"{devices[0].platform}:{devices[0].device_kind}",
        "num_devices": len(devices),
    }


def versions() -> dict:
    from jaxglia._provenance import versions as _versions

    v = _versions()
    return {k: v[k] for k in ("python", "jax", "jaxlib", "equinox", "optax", "jaxglia")}


def peak_memory_bytes() -> int:
    """Peak memory of this process so far: the GPU allocator's peak on a GPU, else max RSS."""
    stats = None
    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # noqa: BLE001 - CPU backends may not report stats.
        stats = None
    if stats and "peak_bytes_in_use" in stats:
        return int(stats["peak_bytes_in_use"])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(case: str, **fields) -> None:
    """Print one JSON line per case, with the device and versions."""
    record = {"case": case, **fields, **device_info(), "versions": versions()}
    print(json.dumps(record), flush=True)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a large jitted float32 `a @ b` on the default device (best of `repeats`)."""
    import jax.numpy as jnp

    a = jnp.ones((n, n), jnp.float32)
    b = jnp.ones((n, n), jnp.float32)
    f = jax.jit(lambda a, b: a @ b)
    f(a, b).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        f(a, b).block_until_ready()
        best = min(best, time.perf_counter() - t)
    return 2.0 * n**3 / best


if __name__ == "__main__":
    sys.exit("a helper module; run one of the benchmark scripts")

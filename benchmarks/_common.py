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
    """The versions `run.json` records (`jaxglia.versions()`)."""
    import jaxglia

    return jaxglia.versions()


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


def sweep_figures(cfg, result, wall_s: float, peak_flops: float) -> dict:
    """Time, useful FLOP/s against `peak_flops`, neuron-steps/s and memory of a sweep."""
    info = result.info
    useful = info["padding"]["useful_flops"]
    run_s = info["timing"]["run_s"]
    unit_steps = sum((n + a) * cfg.steps for n, a, _ in cfg.grid)
    return dict(
        networks=len(cfg.grid),
        steps=cfg.steps,
        epochs=cfg.epochs,
        useful_gflop=useful / 1e9,
        wall_s=wall_s,
        compile_s=info["timing"]["compile_s"],
        run_s=run_s,
        useful_gflops_per_s=useful / run_s / 1e9,
        matmul_peak_gflops_per_s=peak_flops / 1e9,
        fraction_of_peak=useful / run_s / peak_flops,
        neuron_steps_per_s=unit_steps / run_s,
        padding_overhead=info["padding"]["overhead_planned"],
        execution=info["execution_this_run"],
        failed=info["failed"],
        peak_memory_bytes=peak_memory_bytes(),
    )


def best_seconds(f, *args, repeats: int = 5) -> float:
    """Least wall time of the jitted `f(*args)` over `repeats` calls, after a warm-up call."""
    f(*args).block_until_ready()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        f(*args).block_until_ready()
        best = min(best, time.perf_counter() - t)
    return best


# Operations of compiled HLO that are no work of their own (no kernel on a GPU).
_FREE = ("parameter", "constant", "tuple", "get-tuple-element", "bitcast")


def kernel_counts(compiled_text: str) -> dict:
    """Fusions and other top-level operations of a compiled program's entry computation
    (`jax.jit(f).lower(...).compile().as_text()`): on a GPU each is a kernel launch. A
    `while` loop counts once in the entry; `body` counts the operations of the loop's body
    (the work of one iteration: one time step of a scan) the same way."""
    import re

    def section(start: int) -> str:
        end = compiled_text.find("\n}\n", start)
        return compiled_text[start : end if end > 0 else len(compiled_text)]

    def count(text: str) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for line in text.splitlines()[1:]:
            match = re.match(r"\s*(?:ROOT\s+)?%?[\w.-]+\s*=\s*.*?\s([a-z][\w-]*)\(", line)
            if match and match.group(1) not in _FREE:
                kinds[match.group(1)] = kinds.get(match.group(1), 0) + 1
        return kinds

    entry = section(compiled_text.index("ENTRY"))
    kinds = count(entry)
    out = {"fusions": kinds.get("fusion", 0), "kernels": sum(kinds.values()), "by_kind": kinds}
    bodies = re.findall(r"body=%?([\w.-]+)", entry)
    if bodies:
        start = re.search(rf"^%?{re.escape(bodies[0])} ", compiled_text, re.M)
        if start:
            body = count(section(start.start()))
            out["body"] = {"fusions": body.get("fusion", 0), "kernels": sum(body.values()),
                           "by_kind": body}  # fmt: skip
    return out


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of a large jitted float32 `a @ b` on the default device (best of `repeats`)."""
    import jax.numpy as jnp

    a = jnp.ones((n, n), jnp.float32)
    b = jnp.ones((n, n), jnp.float32)
    return 2.0 * n**3 / best_seconds(jax.jit(lambda a, b: a @ b), a, b, repeats=repeats)


if __name__ == "__main__":
    sys.exit("a helper module; run one of the benchmark scripts")

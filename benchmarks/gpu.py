"""The GPU check: the paper preset and the hardware limits on whatever GPU is visible.

    python benchmarks/gpu.py [--preset paper] [--block 210] [--steps 10000] [--skip-preset]

Without a GPU it prints `no GPU found` (and one JSON line `{"case": "gpu", "measured":
false, ...}`) and exits 0: nothing here is measured on a CPU. On a GPU it prints the
device name, then one JSON line per case:

- `bandwidth`: the device's memory bandwidth, from a large copy (1 GiB read, 1 GiB
  written) timed in this process.
- `matmul`: FLOP/s of an 8192^3 float32 `a @ b` (the training's reference peak).
- `simulation`: a block of `--block` networks of 900 units (the paper grid's largest,
  dense Bernoulli(0.1)), vmapped over `--steps` steps: recurrent-weight bytes streamed per
  second against `bandwidth` (the issue's target: >= 50 %).
- `training`: the MLP readout's FLOP/s (`MLPReadout.flops`) over the same block, 7900
  samples of 900 features, 10 epochs, against `matmul`.
- `kernels`: the number of kernels (fusions, library calls and other top-level operations
  of the compiled program) per reservoir step (the vmapped block's step) and per Adam step
  (one minibatch update of the vmapped block).
- `sparse_large`: one reservoir of 100,000 units, in-degree 100, sparse form (on a GPU
  the fused gather-reduce, `Synapses.apply_fused`), up to 2000 steps: ms a step, index and
  weight bytes streamed per second against `bandwidth`, kernels per step.
- `preset`: `jaxglia sweep --preset paper` as a whole process with a cold compilation
  cache (a fresh `JAXGLIA_CACHE_DIR`): wall seconds, and the compile and run seconds the
  sweep recorded (the issue's target: under 10 s on one H100/H200).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import best_seconds, emit, kernel_counts, matmul_peak

import jaxglia


def bandwidth() -> float:
    """Bytes/s of a 1 GiB device-to-device copy (read + written)."""
    x = jnp.ones((1 << 28,), jnp.float32)
    seconds = best_seconds(jax.jit(lambda x: x * 1.0), x)
    return 2 * x.size * 4 / seconds


def block_of(n: int, a: int, block: int):
    conn = jaxglia.Connectivity(form="dense")
    nets = [
        jaxglia.make_reservoir(jaxglia.network_key(0, n, a, r), n, a, connectivity=conn)
        for r in range(block)
    ]
    return jax.tree.map(lambda *x: jnp.stack(x), *nets)


def simulation(stacked, steps: int, peak_bw: float) -> dict:
    inputs = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (steps, 3)), jnp.float32)
    run = lambda r: jaxglia.simulate(r, inputs).spike_counts
    f = eqx.filter_jit(eqx.filter_vmap(run, in_axes=(eqx.if_array(0),)))
    seconds = best_seconds(f, stacked, repeats=3)
    block, cap = stacked.recurrent_weights.shape[:2]
    streamed = block * steps * cap * cap * 4
    return {"seconds": seconds, "bytes_per_s": streamed / seconds,
            "fraction_of_bandwidth": streamed / seconds / peak_bw}  # fmt: skip


def step_kernels(stacked) -> dict:
    state = jax.vmap(lambda r: r.init_state())(stacked)
    drive = jnp.zeros(stacked.input_weights.shape[:2], jnp.float32)
    step = jax.vmap(lambda r, s, d: r.step(s, d))
    return kernel_counts(jax.jit(step).lower(stacked, state, drive).compile().as_text())


def sparse_large(steps: int, peak_bw: float, units: int = 100_000, degree: int = 100) -> dict:
    """A reservoir of `units` units (half neurons), in-degree `degree`, sparse form (on a GPU
    the fused gather-reduce): ms a step, the bytes of indices and weights streamed a step
    against the bandwidth, and kernels in one compiled step."""
    n = units // 2
    conn = jaxglia.Connectivity(in_degree=degree, form="sparse")
    res = jaxglia.make_reservoir(jaxglia.network_key(0, n, units - n, 0), n, units - n,
                                 connectivity=conn)  # fmt: skip
    inputs = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (steps, 3)), jnp.float32)
    f = eqx.filter_jit(lambda r: jaxglia.simulate(r, inputs).spike_counts)
    seconds = best_seconds(f, res, repeats=3)
    streamed = steps * res.synapses.weight.size * 8  # an index and a weight per synapse
    state, drive = res.init_state(), jnp.zeros((res.capacity,), jnp.float32)
    step = jax.jit(lambda r, s, d: r.step(s, d)).lower(res, state, drive).compile().as_text()
    return {"units": units, "in_degree": degree, "steps": steps,
            "ms_per_step": seconds / steps * 1e3, "bytes_per_s": streamed / seconds,
            "fraction_of_bandwidth": streamed / seconds / peak_bw,
            "step_kernels": kernel_counts(step)}  # fmt: skip


def training(block: int, units: int, peak: float, epochs: int = 10) -> tuple[dict, dict]:
    readout = jaxglia.MLPReadout(epochs=epochs)
    samples = 7900
    rng = np.random.default_rng(0)
    features = jnp.asarray(rng.normal(size=(block, samples, units)), jnp.float32)
    targets = jnp.asarray(rng.normal(size=(block, samples, 3)), jnp.float32)
    layout = jaxglia.UnitLayout.of(units, units // 3, units - units // 3)
    keys = jax.random.split(jax.random.key(0), block)
    params = jax.vmap(lambda k: readout.init(layout, 3, key=k))(keys)

    def fit(p, x, y, k):
        return readout.fit(p, x, y, key=k).curve

    f = eqx.filter_jit(jax.vmap(fit))
    seconds = best_seconds(f, params, features, targets, keys, repeats=2)
    flops = block * readout.flops(units, samples, 0, 3)
    figures = {"seconds": seconds, "flops_per_s": flops / seconds,
               "fraction_of_matmul": flops / seconds / peak}  # fmt: skip
    # One Adam step of the block: a minibatch of 128, forward, backward, update.
    optimizer = optax.adam(1e-3)
    opt = jax.vmap(optimizer.init)(params)

    def adam_step(p, o, x, y):
        loss = lambda m: jnp.mean((jax.vmap(m)(x) - y) ** 2)
        grads = jax.grad(loss)(p)
        updates, o = optimizer.update(grads, o, p)
        return optax.apply_updates(p, updates), o

    batch = (features[:, :128], targets[:, :128])
    lowered = jax.jit(jax.vmap(adam_step)).lower(params, opt, *batch)
    return figures, kernel_counts(lowered.compile().as_text())


def preset(name: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "JAXGLIA_CACHE_DIR": str(Path(tmp) / "cache")}  # cold cache
        out = Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "jaxglia", "sweep", "--preset", name, "--out", str(out),
               "--no-progress"]  # fmt: skip
        t = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if done.returncode:
            return {"wall_s": wall, "error": done.stderr[-2000:]}
        info = json.loads(next(out.rglob("run.json")).read_text())
        return {"wall_s": wall, **info.get("timing", {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--block", type=int, default=210)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--skip-preset", action="store_true")
    args = parser.parse_args()
    devices = jax.devices()
    if devices[0].platform == "cpu":
        print("no GPU found: JAX sees only CPU devices; nothing measured", flush=True)
        print(json.dumps({"case": "gpu", "measured": False, "reason": "no GPU visible",
                          "devices": [str(d) for d in devices]}))  # fmt: skip
        return
    print(f"device: {devices[0].platform} {devices[0].device_kind} x{len(devices)}", flush=True)
    peak_bw, peak = bandwidth(), matmul_peak(8192)
    emit("bandwidth", bytes_per_s=peak_bw)
    emit("matmul", flops_per_s=peak)
    stacked = block_of(300, 600, args.block)
    emit("simulation", block=args.block, steps=args.steps, units=900,
         **simulation(stacked, args.steps, peak_bw))  # fmt: skip
    train, adam_kernels = training(args.block, 900, peak)
    emit("training", block=args.block, units=900, **train)
    emit("kernels", reservoir_step=step_kernels(stacked), adam_step=adam_kernels)
    emit("sparse_large", **sparse_large(min(args.steps, 2000), peak_bw))
    if not args.skip_preset:
        emit("preset", preset=args.preset, **preset(args.preset))


if __name__ == "__main__":
    main()

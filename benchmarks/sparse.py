"""Sparse against dense recurrent weights, side by side in one process.

    python benchmarks/sparse.py [--steps 3000] [--block 13] [--large-steps 200]

Cases (one JSON line each):

- `paper_sizes`: a block of `--block` networks of 900 units (N = 300, A = 600, the paper
  grid's largest, Bernoulli p = 0.1), vmapped as the sweep does, simulated for `--steps`
  steps in each form (`Connectivity(form=...)`): best-of-3 seconds, bytes of recurrent
  weights streamed per step, and the share of spikes that agree between the forms.
- `in_degree`: the same at in-degree 100 (sparse: 100 slots a unit).
- `large`: one network of 100,000 units (50,000 + 50,000, in-degree 100, sparse), ms per
  step, build seconds, and the spike rate (how many units an event-driven push would touch).
- `propagation`: at 100,000 units and in-degree 100, a pull step (each unit gathers its
  inputs, as jaxglia does) against an event-driven push (the 30 % of units that spiked
  scatter-add their outgoing synapses), ms per step.
- `fusions`: the number of fusions (kernels on a GPU) and other top-level operations in
  the compiled reservoir step, dense and sparse, from
  `jax.jit(step).lower(...).compile().as_text()`.

Prints the CPU model first: machines differ.
"""

import argparse
import platform
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from _common import emit, kernel_counts

import jaxglia


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def block_of(form: str, n: int, a: int, block: int, in_degree: int = 0):
    conn = jaxglia.Connectivity(form=form, in_degree=in_degree)
    nets = [
        jaxglia.make_reservoir(jaxglia.network_key(0, n, a, r), n, a, connectivity=conn)
        for r in range(block)
    ]
    return jax.tree.map(lambda *x: jnp.stack(x), *nets)


def simulate_block(stacked, inputs):
    run = lambda r: jaxglia.simulate(r, inputs, features="spikes").features
    return eqx.filter_vmap(run, in_axes=(eqx.if_array(0),))(stacked)


_simulate_block = eqx.filter_jit(simulate_block)


def best(f, *args, repeats=3):
    jax.block_until_ready(f(*args))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - t)
    return min(times), out


def streamed_bytes(res) -> int:
    """Bytes of recurrent weights (and indices) one step of one network reads."""
    if res.recurrent_weights is not None:
        return res.recurrent_weights[0].size * 4
    return res.synapses.weight[0].size * 8


def side_by_side(name, n, a, block, steps, in_degree=0):
    inputs = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (steps, 3)), jnp.float32)
    fig, spikes = {}, {}
    for form in ("dense", "sparse"):
        stacked = block_of(form, n, a, block, in_degree)
        seconds, out = best(_simulate_block, stacked, inputs)
        spikes[form] = np.asarray(out)
        fig[form] = {"seconds": seconds, "bytes_per_step": streamed_bytes(stacked)}
        fig[form]["gb_per_s"] = fig[form]["bytes_per_step"] * block * steps / seconds / 1e9
    emit(
        name,
        units=n + a,
        block=block,
        steps=steps,
        in_degree=in_degree,
        dense=fig["dense"],
        sparse=fig["sparse"],
        sparse_speedup=fig["dense"]["seconds"] / fig["sparse"]["seconds"],
        same_spikes=float((spikes["dense"] == spikes["sparse"]).mean()),
        spike_rate=float(spikes["dense"].mean()),
        cpu=cpu_model(),
    )


def fusion_counts(form: str, n: int = 300, a: int = 600, steps: int = 100) -> dict:
    """Operations of the compiled reservoir step alone, and of the time loop's body of
    `simulate` (the step, the features, the spike counts)."""
    conn = jaxglia.Connectivity(form=form)
    res = jaxglia.make_reservoir(jaxglia.network_key(0, n, a, 0), n, a, connectivity=conn)
    state = res.init_state()
    drive = jnp.zeros((res.capacity,), jnp.float32)
    step = jax.jit(lambda r, s, d: r.step(s, d)).lower(res, state, drive).compile().as_text()
    inputs = jnp.zeros((steps, 3), jnp.float32)
    sim = jax.jit(lambda r, x: jaxglia.simulate(r, x).features).lower(res, inputs)
    return {"step": kernel_counts(step), "simulate": kernel_counts(sim.compile().as_text())}


def large(steps: int):
    n = a = 50_000
    conn = jaxglia.Connectivity(in_degree=100)
    t = time.perf_counter()
    res = jaxglia.make_reservoir(jaxglia.network_key(0, n, a, 0), n, a, connectivity=conn)
    jax.block_until_ready(res)
    build = time.perf_counter() - t
    inputs = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (steps, 3)), jnp.float32)
    f = jax.jit(lambda r, x: jaxglia.simulate(r, x, features="spikes").spike_counts)
    seconds, counts = best(f, res, inputs, repeats=2)
    emit(
        "large",
        units=n + a,
        in_degree=100,
        steps=steps,
        build_s=build,
        ms_per_step=seconds / steps * 1e3,
        synapses=int(res.synapses.weight.size),
        ns_per_synapse=seconds / steps / res.synapses.weight.size * 1e9,
        spike_rate=float(np.asarray(counts).mean()) / steps,
        cpu=cpu_model(),
    )


def propagation(units: int = 100_000, degree: int = 100, rate: float = 0.3, steps: int = 20):
    """Three ways to propagate one step on random wiring of `units` x `degree` synapses with
    a share `rate` of units spiking: pull slot by slot (`jaxglia.Synapses.apply`, what
    jaxglia does: one gather of every unit's k-th input per pass), pull by rows (gather a
    `(units, degree)` block, then reduce each row: jaxglia's form before), and event-driven
    push (the units that spiked scatter-add their outgoing synapses)."""
    rng = np.random.default_rng(0)
    index = jnp.asarray(rng.integers(0, units, (units, degree)), jnp.int32)
    weight = jnp.asarray(rng.normal(size=(units, degree)), jnp.float32)
    spikes = jnp.asarray(rng.uniform(size=units) < rate, jnp.float32)
    budget = int(units * rate * 1.2)  # static room for the spiking units

    def pull_slots(s, idx, w):  # idx, w slot-major: (degree, units)
        return jaxglia.Synapses(idx, w).apply(s)

    def pull_rows(s, idx, w):
        return jnp.sum(w * s[idx], axis=-1)

    def push(s, idx, w):
        fired = jnp.nonzero(s, size=budget, fill_value=0)[0]
        valid = (jnp.arange(budget) < jnp.sum(s > 0))[:, None]
        return jnp.zeros_like(s).at[idx[fired]].add(jnp.where(valid, w[fired], 0.0))

    def loop(f):  # the wiring as arguments, not constants XLA would try to fold
        def run(s, idx, w):
            body = lambda i, s: (f(s, idx, w) > 0.5).astype(jnp.float32)
            return jax.lax.fori_loop(0, steps, body, s)

        return jax.jit(run)

    figures = {}
    slot_major = (index.T.copy(), weight.T.copy())
    cases = (
        ("pull_slots", pull_slots, slot_major),
        ("pull_rows", pull_rows, (index, weight)),
        ("push_scatter", push, (index, weight)),
    )
    for name, f, wiring in cases:
        g = loop(f)
        g(spikes, *wiring).block_until_ready()
        t, cpu = time.perf_counter(), time.process_time()
        g(spikes, *wiring).block_until_ready()
        figures[name] = {"ms_per_step": (time.perf_counter() - t) / steps * 1e3,
                         "cpu_ms_per_step": (time.process_time() - cpu) / steps * 1e3}  # fmt: skip
    emit("propagation", units=units, in_degree=degree, spike_rate=rate, **figures,
         cpu=cpu_model())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--block", type=int, default=13)
    parser.add_argument("--large-steps", type=int, default=200)
    parser.add_argument(
        "--only", choices=("paper_sizes", "in_degree", "large", "fusions", "propagation")
    )
    args = parser.parse_args()
    print(f"cpu: {cpu_model()}", flush=True)
    if args.only in (None, "paper_sizes"):
        side_by_side("paper_sizes", 300, 600, args.block, args.steps)
    if args.only in (None, "in_degree"):
        side_by_side("in_degree", 300, 600, args.block, args.steps, in_degree=100)
    if args.only in (None, "fusions"):
        emit("fusions", dense=fusion_counts("dense"), sparse=fusion_counts("sparse"))
    if args.only in (None, "large"):
        large(args.large_steps)
    if args.only in (None, "propagation"):
        propagation()


if __name__ == "__main__":
    main()

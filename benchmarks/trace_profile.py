"""Where a sweep's time goes: XLA's cost analysis and the JAX profiler, side by side.

    python benchmarks/trace_profile.py [--neurons 150,300] [--astrocytes 300,600] [--steps 3000]
                                 [--epochs 30] [--replicates 1] [--block 0] [--check]

For one block of the grid's first bucket (its capacity from `jaxglia.plan_buckets`; the
block's program rebuilt from public parts, `block_program`: the same per-network work as
the sweep's, without its `shard_map` over devices) it prints:

- `cost`: XLA's own count (`jax.stages.Compiled.cost_analysis`) of floating-point operations
  and bytes accessed, with the arithmetic intensity (flop/byte);
- `roofline`: the same machine's measured matmul peak (a large jitted `a @ b`) and memory
  bandwidth (a large jitted `a + b`, 3 arrays streamed) in the same process, and the time
  the program would take if it ran at each;
- `profile`: one call run under `jax.profiler.trace` (a Perfetto trace, parsed here): the
  share of device time per operation kind (matrix products, elementwise fusions, copies,
  sorts, ...) and the heaviest individual operations.

The trace is also kept (`--trace DIR`) for TensorBoard / Perfetto. `--check` also runs the
block's first network through `jaxglia.run_network` at the same capacity and prints both
test NRMSEs (they agree to float rounding).
"""

import argparse
import collections
import gzip
import json
import re
import tempfile
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
from _common import best_seconds, emit, matmul_peak

import jaxglia


def bandwidth(n: int = 1 << 25, repeats: int = 5) -> float:
    """Bytes per second of a jitted `a + b` over two large float32 arrays (3 streams)."""
    a = jnp.ones((n,), jnp.float32)
    b = jnp.ones((n,), jnp.float32)
    return 3 * 4 * n / best_seconds(jax.jit(lambda a, b: a + b), a, b, repeats=repeats)


KINDS = (
    ("matrix products", re.compile(r"^(dot|convolution|ynn_|onednn|custom-call.*matmul)")),
    ("sort", re.compile(r"^sort")),
    ("copies / layout", re.compile(r"^(copy|transpose|bitcast|dynamic-update-slice|concat)")),
    ("loop control", re.compile(r"^(while|conditional|call|tuple|get-tuple|parameter)")),
    ("elementwise fusions", re.compile(r"fusion")),
)


def kind_of(name: str) -> str:
    for kind, pattern in KINDS:
        if pattern.search(name):
            return kind
    return "other"


def op_shapes(hlo_text: str) -> dict[str, str]:
    """`name -> "result shape = op(operand shapes)"` for every instruction of the program."""
    shapes = {}
    pattern = re.compile(r"^\s*(?:ROOT )?%?([\w.\-]+) = (\S+) (\w[\w-]*)\((.*?)\)")
    for line in hlo_text.splitlines():
        match = pattern.match(line)
        if match:
            name, result, op, operands = match.groups()
            operand_shapes = re.findall(r"(\w+\[[\d,]*\])", operands)
            shapes[name] = f"{result.split('{')[0]} = {op}({', '.join(operand_shapes)})"
    return shapes


def parse_trace(folder: Path, shapes: dict[str, str]) -> dict:
    path = next(folder.glob("plugins/profile/*/perfetto_trace.json.gz"))
    data = json.load(gzip.open(path))
    events = data["traceEvents"] if isinstance(data, dict) else data
    host = re.compile(r"^(\$|Pjit|Common|Allocate|Handle|Parse|Python|ThunkExecutor|Thread|end:)")
    per_op: dict[str, float] = collections.defaultdict(float)
    for e in events:
        if e.get("ph") == "X" and not host.search(e["name"]):
            per_op[e["name"]] += e.get("dur", 0.0) * 1e-6
    total = sum(per_op.values())
    per_kind: dict[str, float] = collections.defaultdict(float)
    for name, seconds in per_op.items():
        per_kind[kind_of(name)] += seconds
    top = sorted(per_op.items(), key=lambda kv: -kv[1])[:12]
    return {
        "op_seconds_total": total,
        "share_by_kind": {k: round(v / total, 3) for k, v in sorted(per_kind.items())},
        "top_ops": [
            {
                "op": k,
                "hlo": shapes.get(k, "?"),
                "seconds": round(v, 4),
                "share": round(v / total, 3),
            }
            for k, v in top
        ],
    }


# Networks vmapped together at most, by platform (as the sweep's planner caps its blocks).
MAX_BLOCK = {"cpu": 16}
DEFAULT_MAX_BLOCK = 512


def block_program(experiment: jaxglia.Experiment, capacity: int):
    """One block of a bucket's program: `jaxglia.evaluate_network` (what the sweep vmaps)
    for networks (N, A, r) at `capacity`, vmapped and jitted, with the experiment's arrays an
    argument and the rest closed over, as the sweep does. Left out: the sweep's `shard_map`
    over devices (one device here) and its `lax.map` over several blocks per call.
    """
    dynamic, static = eqx.partition(experiment, eqx.is_array)

    def one(n, a, r, task, dynamic):
        ex = eqx.combine(dynamic, static)
        return jaxglia.evaluate_network(n, a, r, task, ex, capacity)

    mapped = jax.vmap(one, in_axes=(0, 0, 0, None, None))
    return jax.jit(mapped), dynamic


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--neurons", default="150,300")
    parser.add_argument("--astrocytes", default="300,600")
    parser.add_argument("--replicates", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=30)
    block_help = "networks per block (0: the bucket's, at most 16 on CPU, 512 elsewhere)"
    parser.add_argument("--block", type=int, default=0, help=block_help)
    check_help = "also compare the block's test NRMSE with jaxglia.run_network's"
    parser.add_argument("--check", action="store_true", help=check_help)
    parser.add_argument("--trace", type=Path, default=None)
    args = parser.parse_args()
    cfg = jaxglia.SweepConfig(neurons=args.neurons, astrocytes=args.astrocytes,
                              replicates=args.replicates, steps=args.steps,
                              epochs=args.epochs)  # fmt: skip
    experiment = jaxglia.Experiment.from_config(cfg)
    task = experiment.make_task()
    bucket = jaxglia.plan_buckets(cfg)[0]
    platform = jax.devices()[0].platform
    block = args.block or min(MAX_BLOCK.get(platform, DEFAULT_MAX_BLOCK), len(bucket.networks))
    networks = list(bucket.networks[:block])
    networks += [networks[-1]] * (block - len(networks))  # a whole block, as the sweep pads
    n, a, r = (jnp.asarray([net[i] for net in networks], jnp.int32) for i in range(3))
    program, dynamic = block_program(experiment, bucket.capacity)
    t0 = time.perf_counter()
    compiled = program.lower(n, a, r, task, dynamic).compile()
    compile_s = time.perf_counter() - t0
    call = lambda: jax.block_until_ready(compiled(n, a, r, task, dynamic))
    out = call()  # warm
    t0 = time.perf_counter()
    call()
    run_s = time.perf_counter() - t0

    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    flops, nbytes = float(cost.get("flops", 0.0)), float(cost.get("bytes accessed", 0.0))
    peak, bw = matmul_peak(), bandwidth()
    useful = sum(jaxglia.network_flops(n + a, experiment) for n, a, _ in networks)
    check = None
    if args.check:  # the rebuilt block computes what the package computes
        first = networks[0]
        alone = jaxglia.run_network(first[0], first[1], replicate=first[2], config=experiment,
                                    capacity=bucket.capacity)  # fmt: skip
        got, want = float(out["test_nrmse"][0]), float(alone["test_nrmse"])
        check = {
            "network": list(first),
            "test_nrmse_block": got,
            "test_nrmse_run_network": want,
            "relative_difference": abs(got - want) / abs(want),
        }

    folder = args.trace or Path(tempfile.mkdtemp(prefix="jaxglia-trace-"))
    with jax.profiler.trace(str(folder), create_perfetto_trace=True):
        call()
    emit(
        "profile",
        capacity=bucket.capacity,
        networks_per_call=len(networks),
        block=block,
        steps=cfg.steps,
        epochs=cfg.epochs,
        compile_s=compile_s,
        run_s=run_s,
        # XLA's cost analysis counts a while loop's body once, not once per iteration, so
        # for scan-heavy programs it is a lower bound; the useful-work model counts every step.
        cost={
            "xla_flops_loop_bodies_once": flops,
            "xla_bytes_loop_bodies_once": nbytes,
            "useful_flops_model": useful,
        },  # fmt: skip
        roofline={
            "matmul_peak_gflops": peak / 1e9,
            "bandwidth_gbs": bw / 1e9,
            "useful_gflops": useful / run_s / 1e9,
            "fraction_of_matmul_peak": useful / run_s / peak,
        },
        check=check,
        profile=parse_trace(folder, op_shapes(compiled.as_text())),
        trace_dir=str(folder),
    )


if __name__ == "__main__":
    main()

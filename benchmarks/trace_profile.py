"""Where a sweep's time goes: XLA's cost analysis and the JAX profiler, side by side.

    python benchmarks/trace_profile.py [--neurons 150,300] [--astrocytes 300,600] [--steps 3000]
                                 [--epochs 30] [--seeds 1]

For the grid's first bucket program (the one the sweep compiles and runs) it prints:

- `cost`: XLA's own count (`jax.stages.Compiled.cost_analysis`) of floating-point operations
  and bytes accessed, with the arithmetic intensity (flop/byte);
- `roofline`: the same machine's measured matmul peak (a large jitted `a @ b`) and memory
  bandwidth (a large jitted `a + b`, 3 arrays streamed) in the same process, and the time
  the program would take if it ran at each;
- `profile`: one call run under `jax.profiler.trace` (a Perfetto trace, parsed here): the
  share of device time per operation kind (matrix products, elementwise fusions, copies,
  sorts, ...) and the heaviest individual operations.

The trace is also kept (`--trace DIR`) for TensorBoard / Perfetto.
"""

import argparse
import collections
import gzip
import json
import re
import tempfile
import time
from pathlib import Path

import jax
import jax.numpy as jnp
from _common import best_seconds, emit, matmul_peak

import jaxglia
from jaxglia import _sweep
from jaxglia._network import make_task, model_params, static_params


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--neurons", default="150,300")
    parser.add_argument("--astrocytes", default="300,600")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--trace", type=Path, default=None)
    args = parser.parse_args()
    cfg = jaxglia.SweepConfig(neurons=args.neurons, astrocytes=args.astrocytes,
                              seeds=args.seeds, steps=args.steps, epochs=args.epochs)  # fmt: skip
    mesh = _sweep.device_mesh()
    bucket = jaxglia.plan_buckets(cfg)[0]
    task, params, static = make_task(cfg), model_params(cfg), static_params(cfg)
    block = _sweep.block_size(bucket, cfg)
    groups = mesh.size * _sweep.blocks_per_call(bucket, cfg, block, mesh.size)
    t0 = time.perf_counter()
    compiled = _sweep.compile_bucket(bucket, groups, block, task, params, static, mesh)
    compile_s = time.perf_counter() - t0
    networks = bucket.networks[: groups * block]
    _sweep.run_call(compiled, networks, groups, block, task, params, mesh)  # warm
    t0 = time.perf_counter()
    _sweep.run_call(compiled, networks, groups, block, task, params, mesh)
    run_s = time.perf_counter() - t0

    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    flops, nbytes = float(cost.get("flops", 0.0)), float(cost.get("bytes accessed", 0.0))
    peak, bw = matmul_peak(), bandwidth()
    useful = sum(_sweep.network_flops(n + a, cfg) for n, a, _ in networks)

    folder = args.trace or Path(tempfile.mkdtemp(prefix="jaxglia-trace-"))
    with jax.profiler.trace(str(folder), create_perfetto_trace=True):
        _sweep.run_call(compiled, networks, groups, block, task, params, mesh)
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
        profile=parse_trace(folder, op_shapes(compiled.as_text())),
        trace_dir=str(folder),
    )


if __name__ == "__main__":
    main()

"""jaxglia against the hardware: useful FLOP/s vs the measured matmul peak, and scaling.

    python benchmarks/hardware.py utilisation [--networks 8] [--steps 10000] [--epochs 100]
    python benchmarks/hardware.py scaling [--axis networks|steps|units] [--points 3]

`utilisation` runs a sweep at the paper's sizes (networks of N + A between 450 and 900
units, 10,000 steps, 100 epochs) and divides the *useful* floating-point work (reservoir
matrix-vector products and MLP training at the networks' real sizes, not the padded ones;
`jaxglia.network_flops`) by the sweep's run time, beside the peak of a large jitted
`a @ b` measured in the same process. It also prints neuron-steps/s (units x steps / s).

`scaling` doubles one of: the number of networks, the time steps, the network size, each
case in a fresh process (so its peak memory is its own), and prints time and peak memory.
The cost should grow linearly in networks and steps.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _common import Timer, emit, matmul_peak, peak_memory_bytes, sweep_figures

import jaxglia


def utilisation(args) -> None:
    # Sizes spread over the paper grid's upper half: N in {150, 300}, A in {300, 600}.
    cfg = jaxglia.SweepConfig(
        neurons=(150, 300),
        astrocytes=(300, 600),
        replicates=max(1, args.networks // 4),
        steps=args.steps,
        epochs=args.epochs,
    )
    peak = matmul_peak()
    with Timer() as t:
        result = jaxglia.sweep(cfg, progress=False, log=lambda m: None)
    emit("utilisation", **sweep_figures(cfg, result, t.seconds, peak))


def one_case(args) -> None:
    cfg = jaxglia.SweepConfig(**json.loads(args.case))
    with Timer() as t:
        result = jaxglia.sweep(cfg, progress=False, log=lambda m: None)
    useful = sum(jaxglia.network_flops(n + a, cfg) for n, a, _ in cfg.grid)
    emit(
        "scaling",
        axis=args.axis,
        networks=len(cfg.grid),
        units=max(n + a for n, a, _ in cfg.grid),
        steps=cfg.steps,
        epochs=cfg.epochs,
        wall_s=t.seconds,
        compile_s=result.info["timing"]["compile_s"],
        run_s=result.info["timing"]["run_s"],
        useful_gflop=useful / 1e9,
        peak_memory_bytes=peak_memory_bytes(),
    )


def scaling(args) -> None:
    base = dict(neurons=[50], astrocytes=[100], replicates=4, steps=3000, epochs=30)
    for k in range(args.points):
        case = dict(base)
        if args.axis == "networks":
            case["replicates"] = base["replicates"] * 2**k
        elif args.axis == "steps":
            case["steps"] = base["steps"] * 2**k
        else:
            case["neurons"] = [base["neurons"][0] * 2**k]
            case["astrocytes"] = [base["astrocytes"][0] * 2**k]
        cmd = [sys.executable, str(Path(__file__)), "case", "--axis", args.axis,
               "--case", json.dumps(case)]  # fmt: skip
        subprocess.run(cmd, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    u = sub.add_parser("utilisation")
    u.add_argument("--networks", type=int, default=8)
    u.add_argument("--steps", type=int, default=10_000)
    u.add_argument("--epochs", type=int, default=100)
    s = sub.add_parser("scaling")
    s.add_argument("--axis", choices=("networks", "steps", "units"), default="networks")
    s.add_argument("--points", type=int, default=3)
    c = sub.add_parser("case")
    c.add_argument("--axis", default="networks")
    c.add_argument("--case", required=True)
    args = parser.parse_args()
    {"utilisation": utilisation, "scaling": scaling, "case": one_case}[args.what](args)


if __name__ == "__main__":
    main()

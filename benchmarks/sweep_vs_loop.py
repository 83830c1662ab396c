"""One batched sweep vs a Python loop of single-network runs over the same grid.

    python benchmarks/sweep_vs_loop.py [--neurons 0,25,50,100] [--astrocytes 0,25,50,100,200]
                                       [--replicates 2] [--steps 3000] [--epochs 50]

Three ways to compute the same networks, in one process:

- `sweep`: `jaxglia.sweep` (buckets, blocks, one compiled program per bucket);
- `loop_exact`: `jaxglia.run_network` per network at its exact size, as a user would write
  it: one compilation per distinct (N, A);
- `loop_fixed`: `jaxglia.run_network` per network padded to the grid's largest size: one
  compilation, then one network per call (no batching).

Each prints one JSON line: wall, compile and run seconds, networks/s, padding overhead and
peak memory (the process's so far: run the cases in separate processes with `--only` for
clean peaks). The loop cases agree with the sweep to float rounding (tests/test_sweep.py).
"""

import argparse

from _common import Timer, emit, peak_memory_bytes

import jaxglia


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", default="0,25,50,100")
    parser.add_argument("--astrocytes", default="0,25,50,100,200")
    parser.add_argument("--replicates", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--only", choices=("sweep", "loop_exact", "loop_fixed"), default=None)
    args = parser.parse_args()
    cfg = jaxglia.SweepConfig(
        neurons=args.neurons,  # "0,25,50" or "0:100:25": SweepConfig parses the string
        astrocytes=args.astrocytes,
        replicates=args.replicates,
        steps=args.steps,
        epochs=args.epochs,
    )
    grid = cfg.grid
    sizes = dict(networks=len(grid), steps=cfg.steps, epochs=cfg.epochs, hidden=cfg.hidden)

    if args.only in (None, "sweep"):
        with Timer() as t:
            result = jaxglia.sweep(cfg, progress=False, log=lambda m: None)
        timing = result.info["timing"]
        emit(
            "sweep",
            **sizes,
            wall_s=t.seconds,
            compile_s=timing["compile_s"],
            run_s=timing["run_s"],
            networks_per_s=len(grid) / t.seconds,
            padding_overhead=result.info["padding"]["overhead_planned"],
            buckets=[b["capacity"] for b in result.info["buckets"]],
            peak_memory_bytes=peak_memory_bytes(),
        )

    for case in ("loop_exact", "loop_fixed"):
        if args.only not in (None, case):
            continue
        largest = max(n + a for n, a, _ in grid)
        with Timer() as t:
            for n, a, r in grid:
                capacity = largest if case == "loop_fixed" else None
                jaxglia.run_network(n, a, replicate=r, config=cfg, capacity=capacity)
        emit(
            case,
            **sizes,
            wall_s=t.seconds,
            networks_per_s=len(grid) / t.seconds,
            compilations=len({(n, a) for n, a, _ in grid}) if case == "loop_exact" else 1,
            peak_memory_bytes=peak_memory_bytes(),
        )


if __name__ == "__main__":
    main()

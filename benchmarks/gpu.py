"""The GPU check: the paper preset and the scaling cases on one accelerator.

    python benchmarks/gpu.py [--preset paper] [--skip-scaling]

Prints the device name, then one JSON line for the paper preset (840 networks: N in
0..300 step 25, A in 0..600 step 50, 5 replicates, 10,000 steps, 100 epochs; (0, 0) is
skipped) with compile and run time, useful FLOP/s against the measured matmul peak, peak
device memory and padding overhead, then the scaling cases of `hardware.py`. The issue's
target: the paper preset in under 60 s on one H100. Run it where a GPU is visible
(`pip install -U "jax[cuda12]"` beside the project); on CPU it refuses unless --allow-cpu.
"""

import argparse
import subprocess
import sys
from pathlib import Path

import jax
from _common import Timer, emit, matmul_peak, sweep_figures

import jaxglia


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--allow-cpu", action="store_true")
    args = parser.parse_args()
    device = jax.devices()[0]
    print(f"device: {device.platform} {device.device_kind} x{len(jax.devices())}", flush=True)
    if device.platform == "cpu" and not args.allow_cpu:
        sys.exit("no GPU visible: this script measures a GPU (use --allow-cpu to run anyway)")
    cfg = jaxglia.preset(args.preset)
    peak = matmul_peak(8192)
    with Timer() as t:
        result = jaxglia.sweep(cfg, progress=True)
    emit(f"preset_{args.preset}", **sweep_figures(cfg, result, t.seconds, peak))
    if not args.skip_scaling:
        here = Path(__file__).parent / "hardware.py"
        for axis in ("networks", "steps", "units"):
            subprocess.run([sys.executable, str(here), "scaling", "--axis", axis], check=True)


if __name__ == "__main__":
    main()

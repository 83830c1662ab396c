"""jaxglia against a JAX peer: the same LIF reservoir (no astrocytes) simulated with BrainPy.

    python benchmarks/brainpy_peer.py [--neurons 25:300:25] [--replicates 2] [--steps 3000]
                                      [--brainpy-python PYTHON]

For every network of the grid (neuron-only LIF reservoirs, snnTorch `Leaky` update with
reset by subtraction, beta 0.9, threshold 1, Bernoulli(0.1) recurrent weights
N(0, 1/(p N)), U(-1, 1) input weights, Lorenz input), the membrane trace over `--steps` steps
is computed

- by BrainPy, the way its users write a custom model: a `bp.DynamicalSystem` whose
  `update` is the same discrete step, run with `brainpy.math.for_loop` (jitted), one network
  after the other (a new size is a new trace and compilation);
- by jaxglia: all networks built at one capacity (the largest N) and simulated in one
  vmapped, jitted `simulate` call.

Both wall times include building the weights and compilation. BrainPy pins its own stack
(brainstate, brainunit, brainevent, braintools); it installs beside jaxglia's JAX
(`python -m venv bp && bp/bin/pip install "jax==0.10.2" brainpy` gave brainpy 2.8.2 with
jax 0.10.2), so the BrainPy side runs in whatever interpreter `--brainpy-python` names
(default: this one), as a subprocess that does not import jaxglia.
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def brainpy_side(neurons: list[int], seeds: int, steps: int) -> dict:
    import brainpy as bp
    import brainpy.math as bm

    bm.set_platform("cpu" if "--cpu" in sys.argv else bm.get_platform())

    class LIFReservoir(bp.DynamicalSystem):
        def __init__(self, w_in, w_rec, beta=0.9, theta=1.0):
            super().__init__()
            self.w_in, self.w_rec = bm.asarray(w_in), bm.asarray(w_rec)
            self.beta, self.theta = beta, theta
            self.V = bm.Variable(bm.zeros(w_rec.shape[0]))
            self.spike = bm.Variable(bm.zeros(w_rec.shape[0]))

        def update(self, u):
            fired = self.V.value > self.theta
            current = self.w_in @ u + self.w_rec @ self.spike.value
            V = self.beta * self.V.value + current - bm.where(fired, self.theta, 0.0)
            self.V.value = V
            self.spike.value = (V > self.theta).astype(bm.float32)
            return V

    inputs = np.asarray(json.loads(sys.stdin.read()), np.float32)
    start = time.perf_counter()
    rates = []
    for n in neurons:
        for r in range(seeds):
            rng = np.random.default_rng([n, r])
            w_rec = (rng.random((n, n)) < 0.1) * rng.standard_normal((n, n)) / np.sqrt(0.1 * n)
            w_in = rng.uniform(-1, 1, (n, 3))
            model = LIFReservoir(w_in.astype(np.float32), w_rec.astype(np.float32))
            trace = np.asarray(bm.for_loop(model.update, bm.asarray(inputs)))
            rates.append(float((trace > 1.0).mean()))
    wall = time.perf_counter() - start
    return {"wall_s": wall, "mean_rate": float(np.mean(rates)), "brainpy": bp.__version__}


def jaxglia_side(neurons: list[int], seeds: int, inputs) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import jaxglia

    start = time.perf_counter()
    capacity = max(neurons)
    nets = [
        jaxglia.make_reservoir(jaxglia.network_key(0, n, 0, r), n, 0, capacity=capacity)
        for n in neurons
        for r in range(seeds)
    ]
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *nets)
    run = eqx.filter_jit(eqx.filter_vmap(lambda res: jaxglia.simulate(res, inputs)))
    recording = run(stacked)
    features = np.asarray(recording.features)
    wall = time.perf_counter() - start
    steps = inputs.shape[0]
    rates = [
        float(np.asarray(recording.spike_counts)[i, :n].mean() / steps)
        for i, n in enumerate(n for n in neurons for _ in range(seeds))
    ]
    assert np.isfinite(features).all()
    return {"wall_s": wall, "mean_rate": float(np.mean(rates)), "jax": jax.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", default="25:300:25")
    parser.add_argument("--replicates", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--brainpy-python", default=sys.executable)
    parser.add_argument("--side", choices=("driver", "brainpy"), default="driver")
    args = parser.parse_args()
    from_range = lambda text: [int(x) for x in _sizes(text)]
    neurons = from_range(args.neurons)
    if args.side == "brainpy":
        print(json.dumps(brainpy_side(neurons, args.replicates, args.steps)))
        return

    from _common import emit

    import jaxglia

    inputs = jaxglia.lorenz_task(args.steps, washout=0).inputs
    sizes = dict(networks=len(neurons) * args.replicates, neurons=neurons, steps=args.steps)
    ours = jaxglia_side(neurons, args.replicates, inputs)
    emit("jaxglia_batched_simulate", **sizes, **ours)
    cmd = [args.brainpy_python, __file__, "--side", "brainpy", "--neurons", args.neurons,
           "--replicates", str(args.replicates), "--steps", str(args.steps)]  # fmt: skip
    done = subprocess.run(cmd, input=json.dumps(np.asarray(inputs).tolist()), text=True,
                          capture_output=True, check=True)  # fmt: skip
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    emit("brainpy_per_network", **sizes, **theirs)
    emit("ratio", **sizes, brainpy_wall_over_jaxglia_wall=theirs["wall_s"] / ours["wall_s"])


def _sizes(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if ":" in part:
            start, stop, step = (int(x) for x in part.split(":"))
            out.extend(range(start, stop + 1, step))
        else:
            out.append(int(part))
    return out


if __name__ == "__main__":
    main()

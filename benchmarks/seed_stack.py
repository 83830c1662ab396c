"""jaxglia against the seed paper's own stack (snnTorch + PyTorch), side by side.

What it measures
----------------
The seed paper (Yang et al., arXiv 2503.06798) simulated each reservoir with snnTorch `Leaky`
units in a Python loop over time steps and trained a PyTorch MLP readout with Adam, one
network at a time. This script implements that pipeline the way that stack is normally used
("the seed stack") and times it against jaxglia's whole `jaxglia sweep` process on the same
grid of networks:

- `jaxglia_sweep`: `python -m jaxglia sweep ...` run as a subprocess; the wall time is taken
  around the subprocess, so interpreter start-up, the JAX import and XLA compilation are all
  included. `compile_s` / `run_s` come from the sweep's own `run.json`.
- `seed_stack`: the same networks in this process, one after the other. Its wall time
  includes importing torch and snntorch and generating the Lorenz data (done once), so both
  sides pay their start-up.
- `ratio`: seed_stack wall / jaxglia wall (> 1: jaxglia is faster), plus the same ratio with
  start-up and compilation left out of both sides.

The seed-stack pipeline per network (N neurons, A astrocytes, replicate r), with MODEL.md's
defaults: Lorenz-63 by RK4 (dt 0.01, 1000 transient steps, from (1, 1, 1)), input state[t],
target state[t + 1], z-scored with train-split statistics, washout 100, 80/20 chronological
split; two `snntorch.Leaky` layers (neurons beta 0.9, astrocytes beta 0.99, threshold 1,
reset "subtract", reset_delay default True); four Bernoulli(p = 0.1) recurrent blocks with
weights N(0, 1 / (p n_pre)), input weights U(-1, 1) into both populations; a Python
`for t in range(T)` loop computing `W_in u_t + W_rec s_{t-1}`, stepping both layers and
recording all membranes under `torch.no_grad()`; features z-scored with train statistics
(std 0 -> 0); an `nn.Sequential` MLP (N + A) -> hidden -> hidden -> 3 with ReLU and PyTorch's
default initialisation, Adam (lr 1e-3), batch 128 reshuffled every epoch with the last
partial batch dropped, MSE; the epoch-mean training loss, its learning-rate slope (least-
squares slope of log10 loss against epoch) and the test NRMSE. float32 throughout (the Lorenz
trajectory is integrated in float64 numpy and cast), torch's default thread count.

Run
---
    pip install ".[bench]"      # torch==2.13.0 (CPU) and snntorch==1.0.0
    python benchmarks/seed_stack.py                      # the default case (see --help)
    python benchmarks/seed_stack.py --max-networks 8     # bound the seed stack, extrapolate
    python benchmarks/seed_stack.py --neurons 0,50 --astrocytes 0,100 --replicates 1 --steps 1000

Options: `--neurons`, `--astrocytes` (comma lists), `--replicates` (replicates), `--steps`,
`--epochs`, `--hidden`, `--batch-size`, `--seed`, `--max-networks K`, `--loader
{randperm,dataloader}`, `--torch-threads` (0: torch's default), `--jaxglia-trajectory`,
`--skip-jaxglia`. (0, 0) is skipped, as jaxglia does.

Dependencies: jaxglia (installed), torch and snntorch. Tested with torch 2.13.0 (CPU wheel)
and snntorch 1.0.0. If snntorch cannot be imported the script falls back to a hand-written
`Leaky` with the same semantics (U = clamp(beta) U + I - R theta, R = [U_prev > theta]) and
says so in its output (`"snntorch": "unavailable (hand-written Leaky)"`).

Output: one JSON line per case on stdout (progress on stderr): device, versions, sizes, wall
seconds, networks/s, mean test NRMSE, mean learning-rate slope and mean firing rates, so a
reader can check that both pipelines learn comparably.

Caveats (read before quoting the ratio)
---------------------------------------
- The two pipelines draw different random numbers (torch's RNG vs jaxglia's counter-based
  hashes) and integrate Lorenz in different precisions (float64 numpy vs float32 JAX), so
  the per-network numbers differ; only their statistics (NRMSE, slopes, firing rates) should
  agree.
- jaxglia's wall time includes its start-up and compilation; on a small grid these are a
  large share, so the ratio grows with the grid. `ratio_excluding_startup` compares jaxglia's
  `run_s` with the seed stack's per-network time.
- With `--max-networks K` only K networks (spread over the sizes of the grid, see
  `select_networks`) are run by the seed stack; its total is extrapolated by a least-squares
  fit time = a + b (N + A) over the measured networks, summed over the whole grid, and the
  output says `"extrapolated": true` and from how many networks.
- The seed stack here skips stepping an empty population (N = 0 or A = 0) and precomputes
  nothing else: it is the straightforward loop, not an optimised one. `--loader randperm`
  (default) shuffles with `torch.randperm` and slices, which is faster than the idiomatic
  `DataLoader(TensorDataset(...), shuffle=True, drop_last=True)` (`--loader dataloader`);
  the default is the faster one, so the ratio is not inflated by DataLoader overhead.
- The seed stack's wall time counts the torch, snntorch and numpy imports but not the
  interpreter's own start-up (a few tenths of a second), which jaxglia's subprocess pays.
- Test NRMSE depends on which stretch of the attractor is the test split. The float64
  numpy trajectory and jaxglia's float32 one part ways after a few Lyapunov times, so by
  default the two pipelines test on different stretches and their NRMSEs differ by a
  roughly constant factor (about 2x at 3000 steps, seed 0) while training losses and
  learning-rate slopes agree. `--jaxglia-trajectory` feeds the seed stack jaxglia's own
  trajectory (made in a subprocess, not timed) to compare NRMSE like for like.
- torch's default thread count (the number of cores) is kept unless `--torch-threads` is
  given. On a machine where other processes use the cores, torch's threads stall on the
  readout's small matrix products (one network's training went from ~0.4 s to 20-40 s
  here); the output then carries a `warning`, and `ratio_median_based` is the figure less
  sensitive to it. `--torch-threads 1` avoids the stalls.
- Timings on a shared machine vary: the script records the 1-minute load average before and
  after each case. Small grids finish in seconds; repeat runs before trusting a ratio.

Measured (2-core CPU, torch 2.13.0+cpu, snntorch 1.0.0, jax 0.10.2, load average ~1): the
default case (38 networks) took 9.2 s as a whole `jaxglia sweep` (compile 2.5 s, run 4.9 s)
and 37.6 s in the seed stack (about 1.0 s a network, 59 % of it the time loop): ratio 4.1,
7.4 without start-up and compilation. On 19 networks of 1000 steps and 10 epochs the ratio
was 1.35 (jaxglia's start-up and compilation dominate).
"""

import argparse
import csv
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


_T0 = time.perf_counter()
import numpy as np  # noqa: E402 - timed: the seed stack's import cost includes numpy's


_NUMPY_IMPORT_S = time.perf_counter() - _T0


# --------------------------------------------------------------------------------------------
# Shared helpers (no torch, no jax imported at module level: each side pays its own import).


def parse_sizes(text: str) -> list[int]:
    sizes = [int(x) for x in text.split(",") if x.strip()]
    if any(s < 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be >= 0; got {text!r}")
    return sizes


def grid(neurons: list[int], astrocytes: list[int], seeds: int) -> list[tuple[int, int, int]]:
    """Every (N, A, replicate) of the grid, (0, 0) skipped, in jaxglia's row order."""
    return [(n, a, r) for n in neurons for a in astrocytes for r in range(seeds) if n + a > 0]


def select_networks(networks: list[tuple[int, int, int]], k: int | None):
    """The networks the seed stack runs: all of them, or K spread over the sizes.

    With K, the grid is sorted by total units (N + A) and K networks are taken at evenly
    spaced positions of that order (smallest and largest included), so the extrapolation
    fit sees the whole range of sizes.
    """
    if k is None or k >= len(networks):
        return list(networks)
    if k < 1:
        raise SystemExit("--max-networks must be >= 1")
    order = sorted(networks, key=lambda net: (net[0] + net[1], net))
    if k == 1:
        return [order[len(order) // 2]]
    picks = sorted({round(i * (len(order) - 1) / (k - 1)) for i in range(k)})
    return [order[i] for i in picks]


def slope_log10(curve) -> float:
    """Least-squares slope of log10(loss) against epoch index (NaN if a loss is <= 0)."""
    curve = np.asarray(curve, dtype=np.float64)
    if not np.all(np.isfinite(curve)) or np.any(curve <= 0):
        return float("nan")
    x = np.arange(len(curve), dtype=np.float64)
    x -= x.mean()
    y = np.log10(curve)
    return float(np.sum(x * (y - y.mean())) / np.sum(x * x))


def nanmean(values) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(values)) if values else None


def loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# jaxglia: the whole `jaxglia sweep` process.


def run_jaxglia(args, networks) -> dict:
    with tempfile.TemporaryDirectory(prefix="jaxglia-seedstack-") as tmp:
        out = Path(tmp) / "sweep"
        command = [
            sys.executable, "-m", "jaxglia", "sweep",
            "--neurons", ",".join(map(str, args.neurons)),
            "--astrocytes", ",".join(map(str, args.astrocytes)),
            "--replicates", str(args.replicates),
            "--steps", str(args.steps),
            "--epochs", str(args.epochs),
            "--hidden", str(args.hidden),
            "--batch-size", str(args.batch_size),
            "--seed", str(args.seed),
            "--out", str(out),
            "--no-progress",
        ]  # fmt: skip
        log("jaxglia: " + " ".join(command[1:]))
        load_before = loadavg()
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        load_after = loadavg()
        if proc.returncode != 0:
            log(proc.stdout + proc.stderr)
            raise SystemExit(f"jaxglia sweep failed with exit code {proc.returncode}")
        info = json.loads((out / "run.json").read_text())
        with open(out / "results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    ok = [row for row in rows if row.get("status", "ok") == "ok"]
    as_float = lambda row, key: float(row[key]) if row.get(key) not in (None, "") else None
    timing = info.get("timing", {})
    versions = info.get("versions", {})
    record = {
        "case": "jaxglia_sweep",
        "device": ", ".join(info.get("devices", [])),
        "versions": {
            "jax": versions.get("jax", version("jax")),
            "jaxlib": versions.get("jaxlib", version("jaxlib")),
            "jaxglia": versions.get("jaxglia", version("jaxglia")),
            "python": versions.get("python", platform.python_version()),
        },
        "sizes": sizes(args, len(rows)),
        "wall_s": round(wall, 3),
        "compile_s": round(timing["compile_s"], 3) if "compile_s" in timing else None,
        "run_s": round(timing["run_s"], 3) if "run_s" in timing else None,
        "networks": len(rows),
        "failed": len(rows) - len(ok),
        "networks_per_s": round(len(rows) / wall, 3),
        "mean_test_nrmse": nanmean(as_float(row, "test_nrmse") for row in ok),
        "mean_learning_rate_slope": nanmean(as_float(row, "learning_rate") for row in ok),
        "mean_rate_neurons": nanmean(as_float(row, "rate_neurons") for row in ok),
        "mean_rate_astrocytes": nanmean(as_float(row, "rate_astrocytes") for row in ok),
        "loadavg_1min_before_after": [load_before, load_after],
        "command": " ".join(["python"] + command[1:-3] + ["--out", "<tempdir>", "--no-progress"]),
    }
    # The same means over the seed stack's subset, for a like-for-like comparison.
    chosen = {(n, a, r) for n, a, r in networks}
    subset = [
        row
        for row in ok
        if (int(row["num_neurons"]), int(row["num_astrocytes"]), int(row["replicate"])) in chosen
    ]
    if len(subset) != len(ok):
        record["subset_networks"] = len(subset)
        record["subset_mean_test_nrmse"] = nanmean(as_float(r, "test_nrmse") for r in subset)
        record["subset_mean_learning_rate_slope"] = nanmean(
            as_float(r, "learning_rate") for r in subset
        )
    return record


def sizes(args, networks: int) -> dict:
    return {
        "networks": networks,
        "neurons": args.neurons,
        "astrocytes": args.astrocytes,
        "replicates": args.replicates,
        "steps": args.steps,
        "epochs": args.epochs,
        "hidden": args.hidden,
        "batch_size": args.batch_size,
    }


# --------------------------------------------------------------------------------------------
# The seed stack: snnTorch Leaky + PyTorch MLP, one network at a time.


def lorenz_numpy(num_steps: int, dt=0.01, transient=1000, initial=(1.0, 1.0, 1.0)):
    """Lorenz-63 (sigma 10, rho 28, beta 8/3) by RK4 in float64; states after the transient."""
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0

    def f(s):
        x, y, z = s
        return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])

    state = np.asarray(initial, dtype=np.float64)
    out = np.empty((transient + num_steps, 3))
    for i in range(transient + num_steps):
        out[i] = state
        k1 = f(state)
        k2 = f(state + 0.5 * dt * k1)
        k3 = f(state + 0.5 * dt * k2)
        k4 = f(state + dt * k3)
        state = state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return out[transient:]


def make_task(steps: int, washout: int = 100, train_fraction: float = 0.8, horizon: int = 1):
    states = lorenz_numpy(steps + horizon)
    inputs, targets = states[:steps], states[horizon:]
    kept = steps - washout
    num_train = int(round(train_fraction * kept))
    train = inputs[washout : washout + num_train]
    mean, std = train.mean(axis=0), train.std(axis=0)
    inputs = ((inputs - mean) / std).astype(np.float32)
    targets = ((targets - mean) / std).astype(np.float32)
    return inputs, targets, washout, num_train


def jaxglia_trajectory(steps: int):
    """jaxglia's normalised Lorenz inputs and targets, made in a subprocess (jax is never
    imported into this process). The float32 and float64 trajectories part ways within a few
    Lyapunov times, so the two pipelines otherwise test on different stretches of the
    attractor, and test NRMSE depends on the stretch."""
    with tempfile.TemporaryDirectory(prefix="jaxglia-trajectory-") as tmp:
        code = (
            "import sys, numpy as np, jaxglia\n"
            "t = jaxglia.lorenz_task(int(sys.argv[1]))\n"
            "np.savez(sys.argv[2], inputs=np.asarray(t.inputs), targets=np.asarray(t.targets),"
            " washout=t.washout, num_train=t.num_train)\n"
        )
        path = Path(tmp) / "task.npz"
        subprocess.run([sys.executable, "-c", code, str(steps), str(path)], check=True)
        with np.load(path) as d:
            return (
                d["inputs"].astype(np.float32),
                d["targets"].astype(np.float32),
                int(d["washout"]),
                int(d["num_train"]),
            )


def network_seed(root: int, n: int, a: int, r: int) -> int:
    """A network's torch seed depends only on (root seed, N, A, replicate), not on the grid."""
    return (((root * 1_000_003 + n) * 1_000_003 + a) * 1_000_003 + r) % (2**63 - 1)


class HandLeaky:
    """snnTorch `Leaky` (reset "subtract", reset_delay=True) by hand, used only when snntorch
    cannot be imported: R = [U_prev > theta]; U = clamp(beta, 0, 1) U_prev + I - R theta;
    S = [U > theta]. Same call convention: `spk, mem = lif(cur, mem)`."""

    def __init__(self, beta: float, threshold: float = 1.0, reset_mechanism="subtract"):
        assert reset_mechanism == "subtract"
        self.beta = min(max(beta, 0.0), 1.0)
        self.threshold = threshold

    def init_leaky(self):
        import torch

        return torch.zeros(0)

    def __call__(self, cur, mem):
        if mem.shape != cur.shape:
            mem = cur.new_zeros(cur.shape)
        reset = (mem > self.threshold).to(cur.dtype)
        mem = self.beta * mem + cur - reset * self.threshold
        return (mem > self.threshold).to(cur.dtype), mem


def run_seed_stack(args, networks, all_networks) -> dict:
    load_before = loadavg()
    start = time.perf_counter()
    import torch
    import torch.nn as nn

    try:
        import snntorch as snn

        Leaky = snn.Leaky
        snn_version = version("snntorch")
    except Exception as error:  # noqa: BLE001 - any import failure: fall back, and say so.
        log(f"snntorch unavailable ({error!r}); using a hand-written Leaky")
        Leaky = HandLeaky
        snn_version = "unavailable (hand-written Leaky)"
    import_s = time.perf_counter() - start + _NUMPY_IMPORT_S
    default_threads = torch.get_num_threads()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    dtype = torch.float32
    device = torch.device(args.device)
    torch.set_default_device(device)  # every tensor the pipeline makes lives there
    t0 = time.perf_counter()
    if args.jaxglia_trajectory is not None:
        inputs_np, targets_np, washout, num_train = args.jaxglia_trajectory
    else:
        inputs_np, targets_np, washout, num_train = make_task(args.steps)
    inputs = torch.from_numpy(inputs_np).to(device)
    targets_all = torch.from_numpy(targets_np).to(device)
    task_s = time.perf_counter() - t0
    p = 0.1

    def one_network(n: int, a: int, r: int) -> dict:
        torch.manual_seed(network_seed(args.seed, n, a, r))
        units = n + a
        # Four Bernoulli-Gaussian blocks (post <- pre), std 1 / sqrt(p n_pre), laid out
        # [neurons, astrocytes]; an empty population gives empty blocks.
        w_rec = torch.zeros(units, units, dtype=dtype)
        pops = [(0, n), (n, a)]
        for post_start, post_size in pops:
            for pre_start, pre_size in pops:
                if post_size == 0 or pre_size == 0:
                    continue
                mask = torch.rand(post_size, pre_size) < p
                weights = torch.randn(post_size, pre_size) / math.sqrt(p * pre_size)
                w_rec[post_start : post_start + post_size, pre_start : pre_start + pre_size] = (
                    weights * mask
                )
        w_in = torch.rand(units, inputs.shape[1]) * 2.0 - 1.0

        lif_n = Leaky(beta=0.9, threshold=1.0, reset_mechanism="subtract")
        lif_a = Leaky(beta=0.99, threshold=1.0, reset_mechanism="subtract")

        t_res = time.perf_counter()
        steps = inputs.shape[0]
        mems = torch.empty(steps, units, dtype=dtype)
        with torch.no_grad():
            mem_n, mem_a = lif_n.init_leaky(), lif_a.init_leaky()
            spk = torch.zeros(units, dtype=dtype)
            for t in range(steps):
                current = w_in @ inputs[t] + w_rec @ spk
                parts = []
                if n:
                    spk_n, mem_n = lif_n(current[:n], mem_n)
                    mems[t, :n] = mem_n
                    parts.append(spk_n)
                if a:
                    spk_a, mem_a = lif_a(current[n:], mem_a)
                    mems[t, n:] = mem_a
                    parts.append(spk_a)
                spk = torch.cat(parts) if len(parts) > 1 else parts[0]
        reservoir_s = time.perf_counter() - t_res

        t_read = time.perf_counter()
        features = mems[washout:]
        # Spikes are a function of the recorded membranes (S = U > theta, theta = 1).
        spikes = (features > 1.0).to(dtype)
        rate_n = spikes[:, :n].mean().item() if n else None
        rate_a = spikes[:, n:].mean().item() if a else None
        mean = features[:num_train].mean(dim=0, keepdim=True)
        std = features[:num_train].std(dim=0, unbiased=False, keepdim=True)
        features = torch.where(std > 0, (features - mean) / torch.where(std > 0, std, 1.0), 0.0)
        targets = targets_all[washout:]
        x_train, y_train = features[:num_train], targets[:num_train]
        x_test, y_test = features[num_train:], targets[num_train:]

        h = args.hidden
        model = nn.Sequential(
            nn.Linear(units, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 3)
        )
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.MSELoss()
        bs = args.batch_size
        num_batches = num_train // bs
        loader = None
        if args.loader == "dataloader":
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(x_train, y_train),
                batch_size=bs,
                shuffle=True,
                drop_last=True,
            )
        curve = []
        for _ in range(args.epochs):
            total = 0.0
            if loader is not None:
                batches = loader
            else:
                order = torch.randperm(num_train)
                batches = (
                    (x_train[idx], y_train[idx])
                    for idx in order[: num_batches * bs].view(num_batches, bs)
                )
            for xb, yb in batches:
                optimiser.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimiser.step()
                total += loss.item()
            curve.append(total / num_batches)
        with torch.no_grad():
            prediction = model(x_test)
        rmse = torch.sqrt(torch.mean((prediction - y_test) ** 2, dim=0))
        test_nrmse = torch.mean(rmse / y_test.std(dim=0, unbiased=False)).item()
        readout_s = time.perf_counter() - t_read
        return {
            "n": n,
            "a": a,
            "r": r,
            "units": units,
            "reservoir_s": reservoir_s,
            "readout_s": readout_s,
            "test_nrmse": test_nrmse,
            "learning_rate_slope": slope_log10(curve),
            "final_loss": curve[-1],
            "rate_neurons": rate_n,
            "rate_astrocytes": rate_a,
        }

    results = []
    for i, (n, a, r) in enumerate(networks):
        t_net = time.perf_counter()
        res = one_network(n, a, r)
        res["wall_s"] = time.perf_counter() - t_net
        results.append(res)
        log(
            f"seed stack {i + 1}/{len(networks)}: N={n} A={a} r={r} "
            f"{res['wall_s']:.2f} s (reservoir {res['reservoir_s']:.2f}, "
            f"readout {res['readout_s']:.2f}) nrmse {res['test_nrmse']:.3f} "
            f"slope {res['learning_rate_slope']:.4f}"
        )
    measured_s = time.perf_counter() - start + _NUMPY_IMPORT_S
    networks_s = sum(r["wall_s"] for r in results)
    extrapolated = len(networks) < len(all_networks)
    if extrapolated:
        x = np.array([res["units"] for res in results], dtype=np.float64)
        y = np.array([res["wall_s"] for res in results])
        if len(set(x.tolist())) >= 2:
            b, a0 = np.polyfit(x, y, 1)
            fit = f"wall_s = {a0:.4f} + {b:.6f} * (N + A), least squares over {len(x)} networks"
        else:  # one size only: proportional to units
            a0, b = 0.0, float(y.sum() / x.sum())
            fit = f"wall_s = {b:.6f} * (N + A), from {len(x)} networks of one size"
        all_units = np.array([n + a for n, a, _ in all_networks], dtype=np.float64)
        networks_total_s = float(np.sum(a0 + b * all_units))
        wall = import_s + task_s + networks_total_s
    else:
        fit = None
        networks_total_s = networks_s
        wall = measured_s
    total_networks = len(all_networks)
    record = {
        "case": "seed_stack",
        "device": (
            f"cuda ({torch.cuda.get_device_name(device)})"
            if device.type == "cuda"
            else f"cpu ({torch.get_num_threads()} torch threads, {os.cpu_count()} cores)"
        ),
        "torch_threads": torch.get_num_threads(),
        "torch_threads_default": default_threads,
        "versions": {
            "torch": torch.__version__,
            "snntorch": snn_version,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "sizes": sizes(args, total_networks),
        "wall_s": round(wall, 3),
        "extrapolated": extrapolated,
        "measured_networks": len(results),
        "measured_wall_s": round(measured_s, 3),
        "import_s": round(import_s, 3),
        "task_s": round(task_s, 3),
        "networks_s": round(networks_total_s, 3),
        "per_network_s_mean": round(networks_s / len(results), 4),
        "per_network_s_median": round(float(np.median([r["wall_s"] for r in results])), 4),
        "per_network_s_max": round(max(r["wall_s"] for r in results), 4),
        "reservoir_share": round(sum(r["reservoir_s"] for r in results) / networks_s, 3),
        "networks_per_s": round(total_networks / wall, 4),
        "loader": args.loader,
        "lorenz": (
            "jaxglia's float32 trajectory (made in a subprocess before timing, not timed)"
            if args.jaxglia_trajectory is not None
            else "float64 numpy RK4, cast to float32 (timed, in task_s)"
        ),
        "mean_test_nrmse": nanmean(r["test_nrmse"] for r in results),
        "mean_learning_rate_slope": nanmean(r["learning_rate_slope"] for r in results),
        "mean_rate_neurons": nanmean(r["rate_neurons"] for r in results),
        "mean_rate_astrocytes": nanmean(r["rate_astrocytes"] for r in results),
        "loadavg_1min_before_after": [load_before, loadavg()],
    }
    times = [r["wall_s"] for r in results[1:]]  # the first network also warms torch up
    record["first_network_s"] = round(results[0]["wall_s"], 4)
    if len(times) >= 3 and max(times) > 3 * float(np.median(times)):
        record["warning"] = (
            "per-network times after the first vary > 3x (max / median): CPU contention "
            "suspected; with "
            "several torch threads on a busy machine, small ops can stall badly. Compare "
            "--torch-threads 1, or rerun on an idle machine"
        )
    if extrapolated:
        record["extrapolation"] = (
            f"EXTRAPOLATED: {len(results)} of {total_networks} networks measured; total = "
            f"import + task + sum over the grid of ({fit})"
        )
        record["measured"] = [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in results
        ]
    return record


# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--neurons", type=parse_sizes, default=parse_sizes("0,25,50,100"))
    parser.add_argument("--astrocytes", type=parse_sizes, default=parse_sizes("0,25,50,100,200"))
    parser.add_argument("--replicates", type=int, default=2, help="replicates per size")
    parser.add_argument("--steps", type=int, default=3000, help="input samples T")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="root seed")
    parser.add_argument(
        "--max-networks", type=int, default=None,
        help="seed stack: run only K networks spread over the sizes and extrapolate the total",
    )  # fmt: skip
    parser.add_argument(
        "--loader", choices=("randperm", "dataloader"), default="randperm",
        help="seed stack minibatching: randperm + slicing, or torch DataLoader",
    )  # fmt: skip
    parser.add_argument("--skip-jaxglia", action="store_true", help="time the seed stack only")
    parser.add_argument(
        "--device", default="cpu",
        help="torch device of the seed stack (cuda: the same script on the GPU, as its stack "
        "would run there; jaxglia uses whatever JAX sees)",
    )  # fmt: skip
    parser.add_argument(
        "--torch-threads", type=int, default=0,
        help="torch.set_num_threads for the seed stack (0: leave torch's default)",
    )  # fmt: skip
    parser.add_argument(
        "--jaxglia-trajectory", action="store_true",
        help="feed the seed stack jaxglia's own Lorenz trajectory and normalisation (made in a "
        "subprocess, not timed), so test NRMSE is compared on the same test segment",
    )  # fmt: skip
    args = parser.parse_args(argv)

    all_networks = grid(args.neurons, args.astrocytes, args.replicates)
    if not all_networks:
        raise SystemExit("the grid is empty")
    chosen = select_networks(all_networks, args.max_networks)
    args.jaxglia_trajectory = jaxglia_trajectory(args.steps) if args.jaxglia_trajectory else None

    jax_record = None
    if not args.skip_jaxglia:
        jax_record = run_jaxglia(args, chosen)
        emit(jax_record)
    seed_record = run_seed_stack(args, chosen, all_networks)
    emit(seed_record)

    if jax_record is not None:
        seed_steady = seed_record["networks_s"]
        jax_steady = jax_record["run_s"]
        emit(
            {
                "case": "ratio",
                "seed_stack_wall_over_jaxglia_wall": round(
                    seed_record["wall_s"] / jax_record["wall_s"], 2
                ),
                "ratio_median_based": round(
                    (
                        seed_record["import_s"]
                        + seed_record["task_s"]
                        + seed_record["per_network_s_median"] * len(all_networks)
                    )
                    / jax_record["wall_s"],
                    2,
                ),
                "ratio_excluding_startup": (
                    round(seed_steady / jax_steady, 2) if jax_steady else None
                ),
                "ratio_note": "excluding_startup = seed stack per-network time summed over "
                "the grid / jaxglia run_s (no imports, no compilation); median_based = seed "
                "stack (imports + task + median per-network time x networks) / jaxglia wall, "
                "robust to contention spikes on a shared machine",
                "seed_stack_extrapolated": seed_record["extrapolated"],
                "seed_stack_measured_networks": seed_record["measured_networks"],
                "networks": len(all_networks),
                "seed_stack_device": seed_record["device"],
                "jaxglia_device": jax_record["device"],
                "mean_test_nrmse": {
                    "seed_stack": seed_record["mean_test_nrmse"],
                    "jaxglia": jax_record.get(
                        "subset_mean_test_nrmse", jax_record["mean_test_nrmse"]
                    ),
                },
                "mean_learning_rate_slope": {
                    "seed_stack": seed_record["mean_learning_rate_slope"],
                    "jaxglia": jax_record.get(
                        "subset_mean_learning_rate_slope", jax_record["mean_learning_rate_slope"]
                    ),
                },
                "means_over": "the seed stack's networks (same subset on both sides)",
                "loadavg_1min_now": loadavg(),
                "cpu_count": os.cpu_count(),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

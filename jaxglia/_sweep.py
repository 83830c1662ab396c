"""The grid of networks as a few batched computations: buckets, chunks, devices.

Networks are grouped into size buckets (one compiled program each, padded to the bucket's
capacity). Inside a bucket, networks are vmapped in blocks of a fixed size that fits the
memory; a call holds one or more blocks per device (the group axis sharded over every
visible device with `shard_map`, each device mapping over its blocks in sequence), and each
finished call is saved at once.
"""

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pandas as pd
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from . import _store
from ._config import SweepConfig
from ._metrics import METRICS
from ._network import evaluate_network, make_task, model_params, static_params
from ._provenance import devices, versions
from ._tasks import split_sizes, task_provenance


# ---------------------------------------------------------------------------------------
# Work model: floating-point operations of one network, used for bucketing and reporting.


def network_flops(units: int, cfg: SweepConfig) -> float:
    """Floating-point operations of one network with `units` units (real or padded).

    Counts the recurrent and input matrix-vector products of every step and the MLP's
    products over every training minibatch: forward, weight gradients, and input gradients
    of the second and third layers (the features are not differentiated, so the first layer
    costs 2x its forward product, the others 3x), plus the test-set forward pass.
    Elementwise work is left out: it is a small fraction of these.
    """
    num_train, num_test = split_sizes(cfg.steps, cfg.washout, cfg.train_fraction)
    h, outputs = cfg.hidden, 3
    simulation = cfg.steps * (2.0 * units * units + 2.0 * units * 3)
    first, rest = 2.0 * units * h, 2.0 * (h * h + h * outputs)
    samples = cfg.epochs * (num_train // cfg.batch_size) * cfg.batch_size
    return simulation + (2.0 * first + 3.0 * rest) * samples + (first + rest) * num_test


# ---------------------------------------------------------------------------------------
# Buckets.


@dataclasses.dataclass(frozen=True)
class Bucket:
    """Networks sharing one capacity (and so one compiled program)."""

    capacity: int
    networks: tuple[tuple[int, int, int], ...]


def plan_buckets(cfg: SweepConfig, networks: Sequence[tuple[int, int, int]] | None = None):
    """Group the grid's networks into buckets of similar total size N + A.

    Units are laid out `[neurons, astrocytes, padding]` with traced N and A, so a bucket's
    capacity is one number, its largest N + A, and any mix of neurons and astrocytes fits.
    The distinct totals are sorted and cut into contiguous groups by dynamic programming,
    minimising the padded work. `cfg.buckets = K` asks for at most K buckets; 0 (auto) picks
    the number that minimises padded work plus one compilation per bucket (at most 8). The
    plan depends only on the grid and the platform, never on chunk size or on what is
    already done, so a resumed sweep pads every network exactly as an uninterrupted one.
    """
    networks = cfg.grid if networks is None else list(networks)
    counts: dict[int, int] = {}
    for n, a, _ in networks:
        counts[n + a] = counts.get(n + a, 0) + 1
    totals = sorted(counts)
    m = len(totals)
    work = {t: network_flops(t, cfg) for t in totals}

    def group_cost(i: int, j: int) -> float:  # totals[i:j], padded to totals[j - 1]
        return sum(counts[t] for t in totals[i:j]) * work[totals[j - 1]]

    # best[b][j]: least padded work of totals[:j] in b groups; cut[b][j]: the last group's
    # first index.
    k_max = min(cfg.buckets or MAX_BUCKETS, m)
    inf = float("inf")
    best = [[inf] * (m + 1) for _ in range(k_max + 1)]
    cut = [[0] * (m + 1) for _ in range(k_max + 1)]
    best[0][0] = 0.0
    for b in range(1, k_max + 1):
        for j in range(1, m + 1):
            for i in range(b - 1, j):
                cost = best[b - 1][i] + group_cost(i, j)
                if cost < best[b][j]:
                    best[b][j], cut[b][j] = cost, i
    if cfg.buckets:
        k = min(range(1, k_max + 1), key=lambda b: best[b][m])
    else:
        # Each bucket costs one compilation: add buckets only while the padded work they
        # save is worth more than compiling one more program.
        per_bucket = COMPILE_SECONDS * _throughput_estimate()
        k = min(range(1, k_max + 1), key=lambda b: best[b][m] + b * per_bucket)
    ends, j = [], m
    for b in range(k, 0, -1):
        ends.append(j)
        j = cut[b][j]
    buckets, start = [], 0
    for end in sorted(ends):
        members = set(totals[start:end])
        nets = tuple(net for net in networks if net[0] + net[1] in members)
        buckets.append(Bucket(totals[end - 1], nets))
        start = end
    return buckets


# Used only to choose the number of buckets (a compilation is worth this many seconds of
# padded work); see `plan_buckets`. Measured on a 2-core CPU (benchmarks/README.md): 3.3-3.7 s
# per bucket program and ~60 GFLOP/s (2 cores, small MLP products). The GPU figure is a
# guess until a GPU run measures it; it only shifts where the planner stops adding buckets.
COMPILE_SECONDS = 3.5
MAX_BUCKETS = 8


def _throughput_estimate() -> float:
    """Rough FLOP/s of the batched program on the visible devices (for bucket planning)."""
    devices = jax.devices()
    per_device = 6e10 if devices[0].platform == "cpu" else 2e13
    return per_device * len(devices)


# ---------------------------------------------------------------------------------------
# Memory and chunks.


def network_bytes(capacity: int, cfg: SweepConfig) -> int:
    """Peak bytes one network of a bucket needs inside the batched program (an estimate).

    The recorded features (time x units) exist about three times at once (the scan's
    output, the standardised copy, the training gather), the recurrent block is built from a
    few temporaries of units x units, plus the MLP with its Adam moments and gradients.
    """
    c, h = capacity, cfg.hidden
    features = 3 * cfg.steps * c
    weights = 6 * c * c
    mlp = 5 * (c * h + h * h + 3 * h)
    return 4 * (features + weights + mlp) + 1_000_000


def total_memory() -> int:
    """Bytes of memory of the first device (GPU: its allocator's limit; CPU: total RAM).

    The *total*, not the free amount: the block size derived from it must be the same every
    time a sweep runs on this machine, or results would change bits between runs.
    """
    try:
        stats = jax.devices()[0].memory_stats()
    except Exception:  # noqa: BLE001 - backends without stats fall back to host memory.
        stats = None
    if stats and "bytes_limit" in stats:
        return int(stats["bytes_limit"])
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


# Networks vmapped together at most, by platform: enough to fill the CPU's vector units or
# the GPU's streaming multiprocessors; more only costs memory.
MAX_BLOCK = {"cpu": 16, "gpu": 512, "cuda": 512, "rocm": 512, "tpu": 512}


def block_size(bucket: Bucket, cfg: SweepConfig) -> int:
    """Networks vmapped together in one block of a bucket's program.

    A block is the unit of batching: every network is computed inside a block of exactly
    this size, whatever the chunk size, the number of devices or what is already done. That
    makes results bit-identical across them (XLA's batched matrix products round differently
    for different batch sizes). It is the largest size allowed by the platform and by
    `cfg.memory_fraction` of the device's total memory, balanced so that the bucket splits
    into blocks of nearly equal size (little padding).
    """
    size = len(bucket.networks)
    if cfg.block_size:
        return min(cfg.block_size, size)
    platform = jax.devices()[0].platform
    by_memory = int(cfg.memory_fraction * total_memory() // network_bytes(bucket.capacity, cfg))
    largest = max(1, min(MAX_BLOCK.get(platform, 64), by_memory, size))
    blocks = -(-size // largest)
    return -(-size // blocks)


def blocks_per_call(bucket: Bucket, cfg: SweepConfig, block: int, num_devices: int) -> int:
    """Blocks each device processes (in sequence) per call: a call holds
    `num_devices * blocks_per_call * block` networks and is the unit saved to disk."""
    if not cfg.chunk_size:
        return 1
    return max(1, -(-cfg.chunk_size // (block * num_devices)))


def chunks(networks: Sequence, per_call: int) -> Iterator[tuple[tuple[int, int, int], ...]]:
    for start in range(0, len(networks), per_call):
        yield tuple(networks[start : start + per_call])


# ---------------------------------------------------------------------------------------
# The batched program.


def device_mesh() -> Mesh:
    """All visible devices along one axis, `networks`."""
    return Mesh(np.asarray(jax.devices()), ("networks",))


def bucket_program(capacity: int, static, mesh: Mesh):
    """The jitted program of a bucket: (groups, block) networks -> their metrics.

    The group axis is split over the mesh's devices (`shard_map`); each device maps over its
    groups in sequence (`lax.map`: memory holds one block at a time) and vmaps each block.
    """

    def per_device(n, a, r, task, params):
        def one_block(block):
            fn = lambda n, a, r: evaluate_network(n, a, r, task, params, static, capacity)
            return jax.vmap(fn)(*block)

        return jax.lax.map(one_block, (n, a, r))

    spec = PartitionSpec("networks")
    mapped = jax.shard_map(
        per_device,
        mesh=mesh,
        in_specs=(spec, spec, spec, PartitionSpec(), PartitionSpec()),
        out_specs=spec,
        # No collectives: each device's blocks are independent. Without this, every scan
        # carry initialised from constants would need a `pcast` to "varying".
        check_vma=False,
    )
    return jax.jit(mapped)


def padded_groups(networks: Sequence[tuple[int, int, int]], groups: int, block: int):
    """(N, A, replicate) arrays of shape `(groups, block)`; the tail repeats the last network.

    The repeats keep every call of a bucket the same shape (one compilation); their results
    are dropped.
    """
    total = groups * block
    rows = list(networks) + [networks[-1]] * (total - len(networks))
    arr = np.asarray(rows, np.int32).reshape(groups, block, 3)
    return arr[..., 0], arr[..., 1], arr[..., 2]


def _device_groups(networks, groups: int, block: int, mesh: Mesh):
    sharding = NamedSharding(mesh, PartitionSpec("networks"))
    return [jax.device_put(x, sharding) for x in padded_groups(networks, groups, block)]


def compile_bucket(bucket: Bucket, groups: int, block: int, task, params, static, mesh: Mesh):
    """Lower and compile a bucket's program for calls of `groups` blocks (no work is done)."""
    n, a, r = _device_groups(bucket.networks[: groups * block], groups, block, mesh)
    return bucket_program(bucket.capacity, static, mesh).lower(n, a, r, task, params).compile()


def run_call(
    compiled, networks, groups: int, block: int, task, params, mesh: Mesh
) -> dict[str, np.ndarray]:
    """Evaluate up to `groups * block` networks; return host arrays, padding cut."""
    n, a, r = _device_groups(networks, groups, block, mesh)
    out = compiled(n, a, r, task, params)
    k = len(networks)
    host = {name: np.asarray(value).reshape(groups * block, *value.shape[2:])[:k]
            for name, value in out.items()}  # fmt: skip
    arr = np.asarray(networks, np.int64).reshape(k, 3)
    host["n_neurons"], host["n_astrocytes"], host["replicate"] = arr[:, 0], arr[:, 1], arr[:, 2]
    return host


# ---------------------------------------------------------------------------------------
# The sweep.


@dataclasses.dataclass
class SweepResult:
    """A finished sweep.

    - `results`: one row per network (see `RESULT_COLUMNS`), in the grid's order.
    - `curves`: per-epoch training loss of every network, shape `(networks, epochs)`, rows
      in the order of `results`.
    - `info`: provenance and timing (what `run.json` holds).
    """

    results: pd.DataFrame
    curves: np.ndarray
    info: dict[str, Any]


RESULT_COLUMNS = (
    "n_neurons",
    "n_astrocytes",
    "replicate",
    "seed",
    "total_units",
    "ratio",
    *METRICS,
    "status",
    "failure",
    "capacity",
)


def _stderr(message: str) -> None:
    print(f"jaxglia: {message}", file=sys.stderr, flush=True)


def _failure(curve: np.ndarray, metrics: dict[str, float], readout: str) -> str:
    """Why a network failed (empty if it did not): non-finite loss is data, not a crash.

    The ridge readout has no epochs (its curve is NaN by design): only its training MSE and
    test prediction are checked.
    """
    bad = np.flatnonzero(~np.isfinite(curve))
    if readout == "mlp" and bad.size:
        return f"training diverged: non-finite loss from epoch {int(bad[0])}"
    if not np.isfinite(metrics["final_loss"]):
        return "non-finite training loss"
    if not np.isfinite(metrics["test_nrmse"]):
        return "non-finite test prediction"
    return ""


def _table(cfg: SweepConfig, done: dict) -> tuple[pd.DataFrame, np.ndarray]:
    rows, curves = [], []
    for n, a, r in cfg.grid:
        rec = done[(n, a, r)]
        metrics = {k: float(rec[k]) for k in METRICS}
        curve = np.asarray(rec["curve"], np.float32)
        failure = _failure(curve, metrics, cfg.readout)
        if failure:
            metrics = {
                k: (v if k.startswith("rate_") else float("nan")) for k, v in metrics.items()
            }
        rows.append(
            {
                "n_neurons": n,
                "n_astrocytes": a,
                "replicate": r,
                "seed": cfg.seed,
                "total_units": n + a,
                "ratio": a / n if n else float("inf"),
                **metrics,
                "status": "failed" if failure else "ok",
                "failure": failure,
                "capacity": int(rec["capacity"]),
            }
        )
        curves.append(curve)
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS)), np.stack(curves)


def _write_outputs(out: Path, table: pd.DataFrame, curves: np.ndarray, info: dict) -> None:
    _store.atomic_write_text(out / "results.csv", table.to_csv(index=False, float_format="%.9g"))
    arrays = {
        "curves": curves,
        "n_neurons": table["n_neurons"].to_numpy(),
        "n_astrocytes": table["n_astrocytes"].to_numpy(),
        "replicate": table["replicate"].to_numpy(),
        "epoch": np.arange(curves.shape[1]),
    }
    _store.atomic_write(out / "curves.npz", lambda f: np.savez(f, **arrays))  # pyright: ignore
    _store.atomic_write_text(out / "run.json", json.dumps(info, indent=2, default=str) + "\n")


def sweep(
    config: SweepConfig | None = None,
    out: str | os.PathLike | None = None,
    *,
    overwrite: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = _stderr,
) -> SweepResult:
    """Simulate and train every network of the grid, bucket by bucket, chunk by chunk.

    **Arguments:**

    - `config`: a `SweepConfig` (default: MODEL.md's quick grid).
    - `out`: a directory for `results.csv`, `curves.npz` and `run.json`. With it, every
      finished chunk is saved at once, and running the same sweep again resumes (only the
      missing networks are computed; a finished sweep is not recomputed). Without it,
      nothing is written.
    - `overwrite`: replace another sweep's files in `out` instead of refusing.
    - `progress`: show a progress bar with an ETA on stderr.
    - `log`: where one-line messages go (default: stderr).

    **Returns:** a `SweepResult` (results table, loss curves, provenance).
    """
    cfg = SweepConfig() if config is None else config
    started = time.perf_counter()
    fingerprint = cfg.fingerprint()
    out_dir = None if out is None else Path(out)
    grid = cfg.grid
    all_sizes = {(n, a) for n, a, _ in grid}
    skipped = [(n, a) for n in set(cfg.neurons) for a in set(cfg.astrocytes) if n + a == 0]
    if skipped:
        log("skipping the empty network (N, A) = (0, 0)")
    task = make_task(cfg)  # before any output is written: a task that cannot be made is refused
    done: dict[tuple[int, int, int], dict[str, Any]] = {}
    if out_dir is not None:
        _store.prepare(out_dir, cfg.to_dict(), fingerprint, overwrite)
        done = {
            k: v
            for k, v in _store.load_chunks(out_dir, fingerprint, cfg.epochs, log).items()
            if (k[0], k[1]) in all_sizes
        }
        if len(done) == len(grid) and (out_dir / "run.json").exists():
            log(f"{out_dir}: all {len(grid)} networks are already done; nothing to compute")
            table, curves = _table(cfg, done)
            info = json.loads((out_dir / "run.json").read_text())
            return SweepResult(table, curves, info)
        if done:
            log(f"resuming: {len(done)} of {len(grid)} networks already done")

    mesh = device_mesh()
    num_devices = mesh.size
    buckets = plan_buckets(cfg)
    params, static = model_params(cfg), static_params(cfg)
    useful = sum(network_flops(n + a, cfg) for n, a, _ in grid)
    planned = sum(len(b.networks) * network_flops(b.capacity, cfg) for b in buckets)
    executed = 0.0
    compile_s = run_s = 0.0
    todo = [(i, b, [net for net in b.networks if net not in done]) for i, b in enumerate(buckets)]
    todo = [(i, b, nets) for i, b, nets in todo if nets]
    plan = []
    bar = tqdm(
        total=sum(len(nets) for _, _, nets in todo),
        desc="networks",
        unit="net",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    try:
        for index, bucket, remaining in todo:
            block = block_size(bucket, cfg)
            groups = num_devices * blocks_per_call(bucket, cfg, block, num_devices)
            per_call = groups * block
            plan.append(
                {"capacity": bucket.capacity, "block": block, "networks_per_call": per_call}
            )
            bar.set_postfix_str(f"compiling for {bucket.capacity} units")
            t0 = time.perf_counter()
            compiled = compile_bucket(bucket, groups, block, task, params, static, mesh)
            compile_s += time.perf_counter() - t0
            for group in chunks(remaining, per_call):
                bar.set_postfix_str(f"{bucket.capacity} units, {per_call} per call")
                t0 = time.perf_counter()
                rows = run_call(compiled, group, groups, block, task, params, mesh)
                run_s += time.perf_counter() - t0
                executed += per_call * network_flops(bucket.capacity, cfg)
                rows["capacity"] = np.full(len(group), bucket.capacity)
                if out_dir is not None:
                    path = _store.chunk_path(out_dir, index, group[0])
                    _store.write_chunk(path, rows, fingerprint)
                for i, net in enumerate(group):
                    done[net] = {k: v[i] for k, v in rows.items()}
                bar.update(len(group))
    finally:
        bar.close()

    table, curves = _table(cfg, done)
    failed = table[table["status"] != "ok"]
    if len(failed):
        log(f"{len(failed)} of {len(table)} networks failed (see the `failure` column)")
    info = {
        "jaxglia_sweep": 1,
        "fingerprint": fingerprint,
        "config": cfg.to_dict(),
        "task": task_provenance(task, cfg.transient),
        "command": sys.argv,
        "networks": len(grid),
        "failed": int(len(failed)),
        "versions": versions(),
        "devices": devices(),
        "buckets": [{"capacity": b.capacity, "networks": len(b.networks)} for b in buckets],
        "execution_this_run": plan,
        "padding": {
            "useful_flops": useful,
            "padded_flops_planned": planned,
            "overhead_planned": 1.0 - useful / planned,
            "flops_executed_this_run": executed,
        },
        "timing": {
            "compile_s": compile_s,
            "run_s": run_s,
            "wall_s": time.perf_counter() - started,
        },
    }
    if out_dir is not None:
        _write_outputs(out_dir, table, curves, info)
    return SweepResult(table, curves, info)


# ---------------------------------------------------------------------------------------
# Baselines on the sweep's split.

# The options that define a task's data and split: baselines compared with a sweep must
# share them.
TASK_FIELDS = ("task", "steps", "horizon", "washout", "train_fraction", "dt", "transient", "seed")


def baselines(cfg: SweepConfig, out: str | Path | None = None) -> pd.DataFrame:
    """NG-RC and an echo state network on exactly the split a sweep under `cfg` uses.

    **Arguments:**

    - `cfg`: the sweep's configuration (only its task options and seed matter: see
      `TASK_FIELDS`).
    - `out`: a directory to write `baselines.csv` and `baselines.json` (provenance) into,
      typically the sweep's own, where `jaxglia report` finds them. If it holds a sweep
      (`run.json`) whose task options differ, `ConfigError` names the first difference.

    **Returns:** one row per baseline: `model`, `task`, `test_nrmse`, and (for an
    autonomous task, horizon 1) the closed-loop `forecast_nrmse` over one Lyapunov time and
    `valid_time` in Lyapunov times, `fit_seconds`, and the hyperparameters used.
    """
    import jax.random as jr

    from ._baselines import run_baselines
    from ._config import ConfigError
    from ._tasks import TASK_STREAM

    if out is not None:
        out = Path(out)
        sweep_run = out / "run.json"
        if sweep_run.is_file():
            theirs = json.loads(sweep_run.read_text(encoding="utf-8")).get("config", {})
            mine = cfg.to_dict()
            for name in TASK_FIELDS:
                if name in theirs and theirs[name] != mine[name]:
                    raise ConfigError(
                        name,
                        mine[name],
                        f"the sweep in {out} used {theirs[name]!r}; baselines must share its "
                        "task and split (omit the option to take the sweep's)",
                    )
    task = make_task(cfg)
    key = jr.fold_in(jr.fold_in(jr.key(cfg.seed), TASK_STREAM), 1)
    rows = run_baselines(task, lyapunov_time_steps=task.lyapunov_steps, key=key)
    table = pd.DataFrame([{"task": cfg.task, **row} for row in rows])
    first = ["model", "task", "test_nrmse", "forecast_nrmse", "valid_time", "fit_seconds"]
    order = [c for c in first if c in table] + [c for c in table if c not in first]
    table = table.reindex(columns=order)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _store.atomic_write_text(
            out / "baselines.csv", table.to_csv(index=False, float_format="%.9g")
        )
        info = {
            "config": {k: v for k, v in cfg.to_dict().items() if k in TASK_FIELDS},
            "task": task_provenance(task, cfg.transient),
            "command": sys.argv,
            "versions": versions(),
            "devices": devices(),
        }
        _store.atomic_write_text(out / "baselines.json", json.dumps(info, indent=2) + "\n")
    return table

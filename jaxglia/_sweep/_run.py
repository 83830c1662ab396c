"""The sweep: plan the buckets, run them chunk by chunk with a progress bar, save as it goes."""

import dataclasses
import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm  # tqdm.std: tqdm.auto prints "IProgress not found" in notebooks

from .._config import SweepConfig
from .._experiment import Experiment, Grid, Network, grid_of, prepare_task, sweep_fingerprint
from .._provenance import devices, versions
from .._schema import CURVE_KEYS, IDENTITY
from .._tasks import task_provenance
from . import _plan, _store
from ._plan import Execution, blocks_per_call, chunks, network_flops, plan_buckets
from ._program import device_mesh, lower_bucket, run_call
from ._table import results_table


# How often the main thread looks at work in flight: a Ctrl-C acts within this time.
_POLL_S = 0.05
# The `_interruptible` work not finished yet (by its completion event). A thread's own
# `is_alive` cannot tell: an interrupted `join` may mark a running thread stopped.
_IN_FLIGHT: set[threading.Event] = set()


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


def _stderr(message: str) -> None:
    print(f"jaxglia: {message}", file=sys.stderr, flush=True)


def _interruptible(work: Callable[[], Any]) -> Any:
    """`work()`, run so that Ctrl-C acts at once.

    Python runs a signal handler only between bytecodes of the main thread, and a compiled
    call or an XLA compilation returns to Python only when it is done (a block of a large
    bucket can take minutes): waiting in it, a Ctrl-C would wait too. So in the main thread
    the work runs in a daemon thread, and the main thread waits in short, interruptible
    steps. The work itself is unchanged (the same program on the same inputs: the same
    bits). On Ctrl-C the thread is left to finish in the background; nothing waits for it.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def target():
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error
        finally:
            finished.set()
            _IN_FLIGHT.discard(finished)

    _IN_FLIGHT.add(finished)
    threading.Thread(target=target, name="jaxglia-sweep-call", daemon=True).start()
    while not finished.wait(_POLL_S):
        pass
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def work_in_flight() -> bool:
    """Whether an interrupted compilation or call still runs in the background. A process
    that exits now should leave by `os._exit`: the interpreter's shutdown under a running
    XLA thread aborts."""
    return bool(_IN_FLIGHT)


def _compile(bucket, groups: int, block: int, task, experiment, mesh):
    """A bucket's compiled program, with only XLA's compilation in `_interruptible`:
    tracing and lowering stay in this thread, which sees this thread's JAX config contexts."""
    return _interruptible(lower_bucket(bucket, groups, block, task, experiment, mesh).compile)


def _interactive(stream) -> bool:
    """Whether a progress bar can redraw itself on `stream`: a terminal, or a Jupyter
    kernel's stream (which understands carriage returns); not a file or a pipe."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        return False
    return type(stream).__module__.startswith("ipykernel")


def _gflop(flop: float) -> str:
    return f"{flop / 1e9:.3g} GFLOP"


def _write_outputs(out: Path, table: pd.DataFrame, curves: np.ndarray, info: dict) -> None:
    _store.atomic_write_text(out / "results.csv", table.to_csv(index=False, float_format="%.9g"))
    columns = {name: table[name].to_numpy() for name in IDENTITY}
    arrays = {"curves": curves, **columns, "epoch": np.arange(curves.shape[1])}
    assert tuple(arrays) == CURVE_KEYS
    _store.atomic_write(out / "curves.npz", lambda f: np.savez(f, **arrays))  # pyright: ignore
    _store.atomic_write_text(out / "run.json", json.dumps(info, indent=2, default=str) + "\n")


def _resolve(config, grid, execution: dict[str, Any]):
    """(experiment, networks, execution, config or None) of what `sweep` was given."""
    if config is None or isinstance(config, SweepConfig):
        cfg = SweepConfig() if config is None else config
        if grid is not None:
            raise ValueError("`grid` is taken from the SweepConfig; give it there.")
        given = {k: v for k, v in execution.items() if v is not None}
        run = dataclasses.replace(Execution.from_config(cfg), **given)
        return Experiment.from_config(cfg), grid_of(cfg).networks, run, cfg
    if not isinstance(config, Experiment):
        raise TypeError(f"`sweep` takes an Experiment or a SweepConfig; got {config!r}.")
    if grid is None:
        grid = Grid()
    networks = grid.networks if isinstance(grid, Grid) else [tuple(net) for net in grid]
    run = Execution(**{k: v for k, v in execution.items() if v is not None})
    return config, networks, run, None


def sweep(
    config: "SweepConfig | Experiment | None" = None,
    out: str | os.PathLike | None = None,
    *,
    grid: "Grid | Sequence[Network] | None" = None,
    overwrite: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = _stderr,
    chunk_size: int | None = None,
    block_size: int | None = None,
    buckets: int | None = None,
    memory_fraction: float | None = None,
) -> SweepResult:
    """Simulate and train every network of the grid, bucket by bucket, chunk by chunk.

    **Arguments:**

    - `config`: an `Experiment` (with `grid`), or a `SweepConfig` (the command line's
      options, grid included; default: MODEL.md's quick grid).
    - `out`: a directory for `results.csv`, `curves.npz` and `run.json`. With it, every
      finished chunk is saved at once, and running the same sweep again resumes (only the
      missing networks are computed; a finished sweep is not recomputed). Without it,
      nothing is written.
    - `grid`: with an `Experiment`, a `Grid` (default `Grid()`: MODEL.md's quick sizes,
      one replicate) or a list of (N, A, replicate).
    - `overwrite`: replace another sweep's files in `out` instead of refusing.
    - `progress`: report progress on stderr: on a terminal (or in Jupyter) a bar counting
      work (FLOP at each bucket's padded size, so its ETA is the remaining work's) with the
      networks done beside it; otherwise (a log file, a pipe) one line per finished bucket.
      `False`: silent.
    - `log`: where one-line messages go (default: stderr).
    - `chunk_size`, `block_size`, `buckets`, `memory_fraction`: how it runs (`Execution`;
      default: the config's, or automatic). Not part of the fingerprint.

    The sweep's fingerprint hashes the experiment's description (every part's class and
    parameters, and the source of parts defined outside jaxglia; see `Experiment.describe`)
    and its networks: a directory holding another fingerprint is refused.

    **Returns:** a `SweepResult` (results table, loss curves, provenance).
    """
    execution = dict(chunk_size=chunk_size, block_size=block_size, buckets=buckets,
                     memory_fraction=memory_fraction)  # fmt: skip
    experiment, networks, run, cfg = _resolve(config, grid, execution)
    started = time.perf_counter()
    fingerprint = sweep_fingerprint(experiment, networks, None if cfg is None else cfg.science())
    out_dir = None if out is None else Path(out)
    all_sizes = {(n, a) for n, a, _ in networks}
    # Before any output is written: a task that cannot be made is refused.
    task = prepare_task(experiment)
    description = experiment.describe()
    seed = int(experiment.seed)
    done: dict[Network, dict[str, Any]] = {}
    epochs = experiment.readout.num_epochs
    if out_dir is not None:
        record = {
            "config": None if cfg is None else cfg.to_dict(),
            "experiment": description,
            "networks": [list(net) for net in networks],
            "seed": seed,
        }
        _store.prepare(out_dir, record, fingerprint, overwrite)
        done = {
            k: v
            for k, v in _store.load_chunks(out_dir, fingerprint, epochs, log).items()
            if (k[0], k[1]) in all_sizes
        }
        if len(done) == len(networks) and (out_dir / "run.json").exists():
            log(f"{out_dir}: all {len(networks)} networks are already done; nothing to compute")
            table, curves = results_table(networks, done, seed=seed)
            info = json.loads((out_dir / "run.json").read_text())
            return SweepResult(table, curves, info)
        if done:
            log(f"resuming: {len(done)} of {len(networks)} networks already done")

    mesh = device_mesh()
    num_devices = mesh.size
    dims = dict(num_inputs=task.inputs.shape[1], num_outputs=task.targets.shape[1])
    flops = lambda units: network_flops(units, experiment, **dims)
    plan_of = plan_buckets(experiment, networks, buckets=run.buckets, **dims)
    useful = sum(flops(n + a) for n, a, _ in networks)
    planned = sum(len(b.networks) * flops(b.capacity) for b in plan_of)
    executed = 0.0
    compile_s = run_s = 0.0
    todo = [(i, b, [net for net in b.networks if net not in done]) for i, b in enumerate(plan_of)]
    todo = [(i, b, nets) for i, b, nets in todo if nets]
    plan = []
    # The bar counts work (each network at its bucket's padded size), not networks: buckets
    # differ in cost by orders of magnitude, so its ETA is the remaining work's.
    work_total = sum(len(nets) * flops(b.capacity) for _, b, nets in todo)
    nets_total = sum(len(nets) for _, _, nets in todo)
    nets_done, work_done = 0, 0.0
    bar_shown = progress and _interactive(sys.stderr)
    bar = tqdm(
        total=work_total,
        desc="work (FLOP)",
        unit="FLOP",
        unit_scale=True,
        disable=not bar_shown,
        file=sys.stderr,
        dynamic_ncols=True,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
        "[{elapsed}<{remaining}, {rate_fmt}{postfix}]",
    )
    status = lambda what: f"{nets_done}/{nets_total} networks, {what}"
    try:
        for step, (index, bucket, remaining) in enumerate(todo, 1):
            block = _plan.block_size(bucket, experiment, run)
            groups = num_devices * blocks_per_call(run, block, num_devices)
            per_call = groups * block
            plan.append(
                {"capacity": bucket.capacity, "block": block, "networks_per_call": per_call}
            )
            bar.set_postfix_str(status(f"compiling for {bucket.capacity} units"))
            t0 = time.perf_counter()
            compiled = _compile(bucket, groups, block, task, experiment, mesh)
            compile_s += time.perf_counter() - t0
            calling = f"{bucket.capacity} units, {per_call} per call"
            for group in chunks(remaining, per_call):
                bar.set_postfix_str(status(calling))
                t0 = time.perf_counter()
                call = functools.partial(
                    run_call, compiled, group, groups, block, task, experiment, mesh
                )
                rows = _interruptible(call)
                run_s += time.perf_counter() - t0
                executed += per_call * flops(bucket.capacity)
                rows["capacity"] = np.full(len(group), bucket.capacity)
                if out_dir is not None:
                    path = _store.chunk_path(out_dir, index, group[0])
                    _store.write_chunk(path, rows, fingerprint)
                for i, net in enumerate(group):
                    done[net] = {k: v[i] for k, v in rows.items()}
                nets_done += len(group)
                work_done += len(group) * flops(bucket.capacity)
                bar.set_postfix_str(status(calling), refresh=False)
                bar.update(len(group) * flops(bucket.capacity))
            if progress and not bar_shown:  # a log file: one line per bucket, no redraws
                log(
                    f"bucket {step}/{len(todo)} ({bucket.capacity} units) done: "
                    f"{nets_done}/{nets_total} networks, {_gflop(work_done)} of "
                    f"{_gflop(work_total)}, {time.perf_counter() - started:.1f} s elapsed"
                )
    finally:
        bar.close()

    table, curves = results_table(networks, done, seed=seed)
    failed = table[table["status"] != "ok"]
    if len(failed):
        log(f"{len(failed)} of {len(table)} networks failed (see the `failure` column)")
    info = {
        "jaxglia_sweep": 1,
        "fingerprint": fingerprint,
        "config": None if cfg is None else cfg.to_dict(),
        "experiment": description,
        "task": task_provenance(task),
        "command": sys.argv,
        "networks": len(networks),
        "failed": int(len(failed)),
        "versions": versions(),
        "devices": devices(),
        "execution": dataclasses.asdict(run),
        "buckets": [{"capacity": b.capacity, "networks": len(b.networks)} for b in plan_of],
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

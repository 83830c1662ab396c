"""The sweep: plan the buckets, run them chunk by chunk with a progress bar, save as it goes."""

import contextlib
import dataclasses
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pandas as pd
from tqdm import tqdm  # tqdm.std: tqdm.auto prints "IProgress not found" in notebooks

from .._config import SweepConfig
from .._experiment import (
    Experiment,
    Grid,
    Network,
    canonical_networks,
    grid_of,
    prepare_task,
    sweep_fingerprint,
)
from .._provenance import devices, versions
from .._ranges import ConfigError
from .._schema import IDENTITY
from .._tasks import task_provenance
from . import _plan, _processes, _store
from ._plan import Bucket, Execution, blocks_per_call, chunks, network_flops, plan_buckets
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
    memory_limit: float | None = None,
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
    - `chunk_size`, `block_size`, `buckets`, `memory_fraction`, `memory_limit`: how it runs
      (`Execution`; default: the config's, or automatic). Not part of the fingerprint. The
      plan they give (buckets and block sizes) is recorded in `sweep.json` when the sweep
      starts, and a resume reuses it: results never depend on the machine or the number
      of devices (or processes) that resume it.

    The sweep's fingerprint hashes the experiment's description (every part's class and
    parameters, and the source of parts defined outside jaxglia; see `Experiment.describe`)
    and its set of networks (their order and duplicates do not count): a directory holding
    another fingerprint is refused. The directory is locked for the whole run: a second
    process writing it is refused. A rerun of a finished sweep restores any output that is
    missing or damaged from the chunks.

    With several processes (`jax.distributed`, started before this call), every process
    calls `sweep` alike with the same `out` (required, on a shared filesystem): the
    networks are divided between every process's devices, each process saves its own
    chunks, process 0 writes the outputs.

    **Returns:** a `SweepResult` (results table, loss curves, provenance).
    """
    execution = dict(chunk_size=chunk_size, block_size=block_size, buckets=buckets,
                     memory_fraction=memory_fraction, memory_limit=memory_limit)  # fmt: skip
    experiment, networks, run, cfg = _resolve(config, grid, execution)
    networks = canonical_networks(networks)
    started = time.perf_counter()
    fingerprint = sweep_fingerprint(experiment, networks)
    if not _processes.is_lead():
        log = lambda message: None  # noqa: E731 - one voice: the lead's
        progress = False
    if out is None and _processes.several():
        raise ValueError("`out` is required with several processes: they share its chunks")
    out_dir = None if out is None else _store.check_writable(out)
    # Before any output is written: a task that cannot be made is refused.
    task = prepare_task(experiment)
    description = experiment.describe()
    seed = int(experiment.seed)
    dims = dict(num_inputs=task.inputs.shape[1], num_outputs=task.targets.shape[1])
    record = {
        "config": None if cfg is None else cfg.to_dict(),
        "experiment": description,
        "networks": [list(net) for net in networks],
        "seed": seed,
    }
    lock = (
        _store.locked(out_dir)
        if out_dir is not None and _processes.is_lead()
        else contextlib.nullcontext()
    )
    with lock:
        if out_dir is None:
            plan = _plan_of(experiment, networks, run, {}, dims, log)
            done: dict[Network, dict[str, Any]] = {}
        else:

            def open_directory():
                previous = _store.prepare(out_dir, fingerprint, overwrite, log)
                plan = _plan_of(experiment, networks, run, previous, dims, log)
                _store.write_record(out_dir, {"fingerprint": fingerprint, **record,
                                              "plan": _plan_record(plan)})  # fmt: skip
                # The lead repairs (deletes) damaged chunks as it reads them.
                return plan, _load_done(out_dir, fingerprint, epochs, networks, log=log)

            epochs = experiment.readout.num_epochs
            opened = _processes.lead_does(open_directory, "the check of --out")
            if opened is None:  # another process: the lead's plan, from sweep.json
                recorded = _store.read_json(out_dir / "sweep.json") or {}
                plan = _plan_from_record(recorded["plan"], networks)
                done = _load_done(out_dir, fingerprint, epochs, networks)
            else:
                plan, done = opened
            if len(done) == len(networks):
                return _processes.lead_does(
                    lambda: _finished(out_dir, networks, done, seed, fingerprint, log),
                    "the outputs",
                ) or _result_from(out_dir, networks, done, seed)
            if done:
                log(f"resuming: {len(done)} of {len(networks)} networks already done")
        info = _execute(
            experiment, networks, run, plan, task, dims, done, out_dir, fingerprint,
            progress, log, started,
        )  # fmt: skip
        info.update(config=record["config"], experiment=description)
        table, curves = results_table(networks, done, seed=seed)
        failed = table[table["status"] != "ok"]
        if len(failed):
            log(f"{len(failed)} of {len(table)} networks failed (see the `failure` column)")
        info["failed"] = int(len(failed))
        if out_dir is not None:
            _processes.lead_does(
                lambda: _store.write_outputs(out_dir, table, curves, info), "the outputs"
            )
    return SweepResult(table, curves, info)


def _load_done(out_dir: Path, fingerprint: str, epochs: int, networks, log=None) -> dict:
    """The networks of this sweep finished by earlier runs. With `log` (the lead, opening
    the directory) damaged chunks are reported and deleted; without, only read (the lead
    has repaired them)."""
    wanted = set(networks)
    chunks = _store.load_chunks(out_dir, fingerprint, epochs, log or (lambda _: None),
                                repair=log is not None)  # fmt: skip
    return {k: v for k, v in chunks.items() if k in wanted}


def _finished(out_dir: Path, networks, done, seed: int, fingerprint: str, log):
    """A sweep whose every network is done: restore any output that is missing or damaged
    from the chunks (and say so), then return it."""
    table, curves = results_table(networks, done, seed=seed)
    damaged = _store.damaged_outputs(out_dir, table, curves, fingerprint)
    info = _store.read_json(out_dir / "run.json") if "run.json" not in damaged else None
    if info is None:
        recorded = _store.read_json(out_dir / "sweep.json") or {}
        info = _provenance(fingerprint, recorded.get("config"), recorded.get("experiment"))
        info["rebuilt_from_chunks"] = True
        failed = table[table["status"] != "ok"]
        info["failed"] = int(len(failed))
    if damaged:
        _store.write_outputs(out_dir, table, curves, info, only=tuple(damaged))
        log(f"{out_dir}: all {len(networks)} networks are done; restored "
            f"{', '.join(damaged)} from the chunks")  # fmt: skip
    else:
        log(f"{out_dir}: all {len(networks)} networks are already done; nothing to compute")
    return SweepResult(table, curves, info)


def _result_from(out_dir: Path, networks, done, seed: int) -> SweepResult:
    """A finished sweep as another process than the lead sees it."""
    table, curves = results_table(networks, done, seed=seed)
    return SweepResult(table, curves, _store.read_json(out_dir / "run.json") or {})


def _provenance(fingerprint: str, config, experiment) -> dict[str, Any]:
    return {
        "jaxglia_sweep": 1,
        "fingerprint": fingerprint,
        "config": config,
        "experiment": experiment,
        "command": sys.argv,
        "versions": versions(),
        "devices": devices(),
        "processes": jax.process_count(),
    }


def _plan_of(experiment, networks, run: Execution, previous: dict, dims, log) -> list:
    """[(bucket, block size)] of this sweep: the plan recorded when it started (a resume
    reuses it, on any machine and device count), else this run's own.

    A resume whose explicit execution options would give another plan is refused, naming the
    option: another plan would change float rounding, so one result would mix two.
    """
    own = [(b, _plan.block_size(b, experiment, run))
           for b in plan_buckets(experiment, networks, buckets=run.buckets, **dims)]  # fmt: skip
    recorded = previous.get("plan")
    if not recorded:
        return own
    plan = _plan_from_record(recorded, networks)
    if _plan_record(own) != _plan_record(plan):
        defaults = Execution()
        for name in ("block_size", "buckets", "memory_fraction", "memory_limit"):
            if getattr(run, name) != getattr(defaults, name):
                raise ConfigError(
                    name,
                    getattr(run, name),
                    "this sweep was started with another plan (capacities and block sizes "
                    f"{_plan_record(plan)}, this run's {_plan_record(own)}); a resume reuses "
                    "the recorded one, since another would change float rounding. Leave the "
                    "option out, or start anew into another --out",
                )
        log("reusing the plan recorded when this sweep started (this machine's would differ)")
    return plan


def _plan_record(plan) -> list[dict[str, int]]:
    return [{"capacity": b.capacity, "block": block} for b, block in plan]


def _plan_from_record(recorded, networks) -> list:
    """The plan in `sweep.json`: each network goes to the smallest capacity that holds it
    (buckets are contiguous ranges of total size, so this is the recorded grouping)."""
    capacities = sorted(int(entry["capacity"]) for entry in recorded)
    blocks = {int(entry["capacity"]): int(entry["block"]) for entry in recorded}
    members: dict[int, list] = {c: [] for c in capacities}
    for net in networks:
        fits = [c for c in capacities if c >= net[0] + net[1]]
        if not fits:
            raise ValueError(f"sweep.json's plan has no bucket for network {net}")
        members[fits[0]].append(net)
    return [(Bucket(c, tuple(members[c])), blocks[c]) for c in capacities if members[c]]


def _execute(
    experiment, networks, run, plan, task, dims, done, out_dir, fingerprint, progress, log,
    started,
) -> dict[str, Any]:  # fmt: skip
    """Compute every network of `plan` not in `done` (adding them to it), saving each
    chunk as it finishes; return the run's provenance record."""
    mesh = device_mesh()
    num_devices = mesh.size
    flops = lambda units: network_flops(units, experiment, **dims)  # noqa: E731
    useful = sum(flops(n + a) for n, a, _ in networks)
    planned = sum(len(b.networks) * flops(b.capacity) for b, _ in plan)
    executed = 0.0
    compile_s = run_s = 0.0
    todo = [(i, b, block, [net for net in b.networks if net not in done])
            for i, (b, block) in enumerate(plan)]  # fmt: skip
    todo = [entry for entry in todo if entry[3]]
    for _, bucket, _, _ in todo:  # before compiling anything
        _plan.check_memory(bucket.capacity, experiment, run)
    this_run = []
    # The bar counts work (each network at its bucket's padded size), not networks: buckets
    # differ in cost by orders of magnitude, so its ETA is the remaining work's.
    work_total = sum(len(nets) * flops(b.capacity) for _, b, _, nets in todo)
    nets_total = sum(len(nets) for _, _, _, nets in todo)
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
    status = lambda what: f"{nets_done}/{nets_total} networks, {what}"  # noqa: E731
    try:
        for step, (index, bucket, block, remaining) in enumerate(todo, 1):
            groups = num_devices * blocks_per_call(run, block, num_devices)
            per_call = groups * block
            this_run.append(
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
                mine = list(zip(*(rows[name] for name in IDENTITY), strict=True))
                rows["capacity"] = np.full(len(mine), bucket.capacity)
                if out_dir is not None and mine:
                    first = tuple(int(x) for x in mine[0])
                    path = _store.chunk_path(out_dir, index, first)  # pyright: ignore
                    _store.write_chunk(path, rows, fingerprint)
                for i, net in enumerate(mine):
                    done[tuple(int(x) for x in net)] = {k: v[i] for k, v in rows.items()}
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
    if _processes.several():  # every process's chunks are on disk: read them all
        _processes.barrier("chunks written")
        done.update(_load_done(out_dir, fingerprint, experiment.readout.num_epochs, networks))  # pyright: ignore
    info = _provenance(fingerprint, None, None)
    info.update(
        task=task_provenance(task),
        networks=len(networks),
        execution=dataclasses.asdict(run),
        buckets=[
            {"capacity": b.capacity, "networks": len(b.networks), "block": block}
            for b, block in plan
        ],  # fmt: skip
        execution_this_run=this_run,
        padding={
            "useful_flops": useful,
            "padded_flops_planned": planned,
            "overhead_planned": 1.0 - useful / planned if planned else 0.0,
            "flops_executed_this_run": executed,
        },
        timing={
            "compile_s": compile_s,
            "run_s": run_s,
            "wall_s": time.perf_counter() - started,
        },
    )
    return info

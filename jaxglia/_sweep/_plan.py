"""The plan of a sweep: how much work each network is, size buckets, blocks and chunks.

This and `UnitLayout` (`_connectivity.py`) are the two places that know about padding: a
bucket pads every network to its capacity, and a block pads a call to a whole number of
networks. The plan depends only on the grid, the experiment and the platform, never on
what is already done, so a resumed sweep pads every network as an uninterrupted one.
"""

import dataclasses
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import jax

from .._connectivity import weights_form
from .._experiment import Experiment, Network
from .._ranges import ConfigError
from .._simulate import drive_precomputed
from .._sparse import ROW_CHUNK, slots_of


if TYPE_CHECKING:
    from .._config import SweepConfig


@dataclasses.dataclass(frozen=True)
class Execution:
    """How a sweep runs, as opposed to what it computes (not part of the fingerprint).

    - `chunk_size`: networks per call and per saved chunk, rounded up to whole blocks (0:
      one block per device). Never changes a bit.
    - `block_size`: networks vmapped together (0: by platform and memory). Results are
      bit-identical for equal block sizes; another block size changes float rounding.
    - `buckets`: at most this many size buckets (0: automatic). Changes capacities, so
      float rounding.
    - `memory_fraction`: share of the device's memory one block may use (sets the
      automatic block size).
    - `memory_limit`: GiB of device memory to plan for (0: the device's total). A network
      whose estimate exceeds it is refused before any work.

    Block size and buckets are fixed when a sweep starts: `sweep.json` records the plan and
    a resume reuses it (see `sweep`), so results never depend on the machine that resumes.
    """

    chunk_size: int = 0
    block_size: int = 0
    buckets: int = 0
    memory_fraction: float = 0.5
    memory_limit: float = 0.0

    @classmethod
    def from_config(cls, cfg: "SweepConfig") -> "Execution":
        return cls(**{f.name: getattr(cfg, f.name) for f in dataclasses.fields(cls)})

    def memory_bytes(self) -> int:
        """Bytes of device memory the plan may assume."""
        return int(self.memory_limit * 2**30) if self.memory_limit else total_memory()


def network_flops(
    num_units: int,
    experiment: "Experiment | SweepConfig",
    *,
    num_inputs: int = 3,
    num_outputs: int = 3,
) -> float:
    """Floating-point operations of one network with `num_units` units (real or padded).

    Counts the recurrent and input matrix-vector products of every step and the readout's
    own count (`AbstractReadout.flops`: for the MLP, its products over every training
    minibatch and the test pass). Elementwise work is left out: it is a small fraction.
    `experiment` may be a `SweepConfig`.
    """
    experiment = _experiment(experiment)
    units = num_units
    inputs_per_unit = _inputs_per_unit(units, experiment)  # dense: every unit; sparse: slots
    simulation = experiment.steps * (2.0 * units * inputs_per_unit + 2.0 * units * num_inputs)
    readout = experiment.readout.flops(
        _readout_width(units, experiment), experiment.num_train, experiment.num_test, num_outputs
    )
    return simulation + readout


def _inputs_per_unit(capacity: int, experiment: Experiment) -> int:
    """Weights each unit's recurrent current streams per step: `capacity` (dense) or the
    sparse form's slots."""
    c = experiment.connectivity
    if weights_form(c, capacity) == "dense":
        return capacity
    return slots_of(capacity, c.in_degree, c.p_max)


def _readout_width(capacity: int, experiment: Experiment) -> int:
    """Features the readout sees: `readout_units` when it is a subset, else every unit."""
    m = experiment.readout_units
    return m if 0 < m < capacity else capacity


def _experiment(experiment: "Experiment | SweepConfig") -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment
    return Experiment.from_config(experiment)


def _from_config(experiment, networks, buckets):
    if isinstance(experiment, Experiment):
        if networks is None:
            raise ValueError("`networks` is required with an Experiment.")
        return experiment, list(networks), buckets or 0
    cfg = experiment
    networks = cfg.grid if networks is None else list(networks)
    return Experiment.from_config(cfg), networks, cfg.buckets if buckets is None else buckets


@dataclasses.dataclass(frozen=True)
class Bucket:
    """Networks sharing one capacity (and so one compiled program)."""

    capacity: int
    networks: tuple[tuple[int, int, int], ...]


def plan_buckets(
    experiment: "Experiment | SweepConfig",
    networks: Sequence[Network] | None = None,
    *,
    buckets: int | None = None,
    num_inputs: int = 3,
    num_outputs: int = 3,
) -> list[Bucket]:
    """Group the grid's networks into buckets of similar total size N + A.

    Units are laid out `[neurons, astrocytes, padding]` with traced N and A, so a bucket's
    capacity is one number, its largest N + A, and any mix of neurons and astrocytes fits.
    The distinct totals are sorted and cut into contiguous groups by dynamic programming,
    minimising the padded work. `buckets = K` asks for at most K buckets; 0 (auto) picks
    the number that minimises padded work plus one compilation per bucket (at most 8). The
    plan depends only on the grid and the platform (never on the number of devices, the
    chunk size or what is already done), so a resumed sweep pads every network exactly as an
    uninterrupted one.

    `experiment` may be a `SweepConfig` (then `networks` and `buckets` default to its own).
    """
    experiment, networks, buckets = _from_config(experiment, networks, buckets)
    counts: dict[int, int] = {}
    for n, a, _ in networks:
        counts[n + a] = counts.get(n + a, 0) + 1
    totals = sorted(counts)
    m = len(totals)
    work = {t: network_flops(t, experiment, num_inputs=num_inputs, num_outputs=num_outputs)
            for t in totals}  # fmt: skip

    def group_cost(i: int, j: int) -> float:  # totals[i:j], padded to totals[j - 1]
        return sum(counts[t] for t in totals[i:j]) * work[totals[j - 1]]

    # best[b][j]: least padded work of totals[:j] in b groups; cut[b][j]: the last group's
    # first index.
    k_max = min(buckets or MAX_BUCKETS, m)
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
    if buckets:
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
    plan: list[Bucket] = []
    start = 0
    for end in sorted(ends):
        members = set(totals[start:end])
        nets = tuple(net for net in networks if net[0] + net[1] in members)
        plan.append(Bucket(totals[end - 1], nets))
        start = end
    return plan


# Used only to choose the number of buckets (a compilation is worth this many seconds of
# padded work); see `plan_buckets`. Measured on a 2-core CPU (benchmarks/README.md): 3.3-3.7 s
# per bucket program and ~60 GFLOP/s (2 cores, small MLP products). The GPU figure is a
# guess until a GPU run measures it; it only shifts where the planner stops adding buckets.
COMPILE_SECONDS = 3.5
MAX_BUCKETS = 8


def _throughput_estimate() -> float:
    """Rough FLOP/s of the batched program on one device (for bucket planning). Per device,
    not for all of them: the plan, and so every result, must not depend on how many devices
    run it."""
    return 6e10 if jax.devices()[0].platform == "cpu" else 2e13


# ---------------------------------------------------------------------------------------
# Memory and chunks.


def network_bytes(capacity: int, experiment: Experiment) -> int:
    """Peak bytes one network of a bucket needs inside the batched program (an estimate).

    The recorded features (time x readout units) exist about three times at once (the
    scan's output, the standardised copy, the training gather); the recurrent block is built
    from a few temporaries of units x units (dense form) or of units x slots (sparse form:
    the hashed draws, indices, weights and one step's gathered inputs; a Bernoulli draw is
    compacted `ROW_CHUNK` rows at a time); plus what the readout holds (`memory_words`).
    """
    c = capacity
    width = _readout_width(c, experiment)
    features = 3 * experiment.steps * width
    if drive_precomputed(experiment.steps, c):  # every step's input current, up front
        features += experiment.steps * c
    slots = _inputs_per_unit(c, experiment)
    weights = 6 * c * c if slots == c else 6 * c * slots + 6 * min(c, ROW_CHUNK) * c
    if experiment.connectivity.in_degree and slots == c:  # dense, summed from the slots
        weights += 6 * c * experiment.connectivity.in_degree
    readout = experiment.readout.memory_words(width)
    return 4 * (features + weights + readout) + 1_000_000


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


def block_size(bucket: Bucket, experiment: Experiment, execution: "Execution") -> int:
    """Networks vmapped together in one block of a bucket's program.

    A block is the unit of batching: every network is computed inside a block of exactly
    this size, whatever the chunk size, the number of devices or what is already done. That
    makes results bit-identical across them (XLA's batched matrix products round differently
    for different batch sizes). It is the largest size allowed by the platform and by
    `execution.memory_fraction` of the device's total memory, balanced so that the bucket splits
    into blocks of nearly equal size (little padding).
    """
    size = len(bucket.networks)
    if execution.block_size:
        return min(execution.block_size, size)
    platform = jax.devices()[0].platform
    fraction = execution.memory_fraction
    by_memory = int(
        fraction * execution.memory_bytes() // network_bytes(bucket.capacity, experiment)
    )
    largest = max(1, min(MAX_BLOCK.get(platform, 64), by_memory, size))
    blocks = -(-size // largest)
    return -(-size // blocks)


def check_memory(
    capacity: int, experiment: Experiment, execution: "Execution | None" = None
) -> None:
    """Refuse, before any work, a network whose estimated peak memory (`network_bytes`)
    exceeds the device's (`execution.memory_limit`, default the device's total), with the
    estimate. With an `execution` (a sweep) the message names `memory_limit`, its override;
    without (one network, `run_network`) it names the network's size."""
    need = network_bytes(capacity, experiment)
    have = (execution or Execution()).memory_bytes()
    if need <= have:
        return
    remedy = "--connectivity sparse, --in-degree K, --readout-units M or fewer steps"
    if execution is None:
        raise ConfigError(
            "num_neurons + num_astrocytes",
            capacity,
            f"this network needs about {need / 1e9:.1f} GB, more than the device's "
            f"{have / 1e9:.1f} GB; try {remedy}",
        )
    given = execution.memory_limit or f"0 (the device's total, {have / 2**30:.3g} GiB)"
    raise ConfigError(
        "memory_limit",
        given,
        f"a network of {capacity} units needs about {need / 2**30:.3g} GiB by the estimate, "
        f"more than that; try fewer units, {remedy}, or a larger memory_limit (GiB) if the "
        "device has more",
    )


def blocks_per_call(execution: "Execution", block: int, num_devices: int) -> int:
    """Blocks each device processes (in sequence) per call: a call holds
    `num_devices * blocks_per_call * block` networks and is the unit saved to disk."""
    if not execution.chunk_size:
        return 1
    return max(1, -(-execution.chunk_size // (block * num_devices)))


def chunks(networks: Sequence, per_call: int) -> Iterator[tuple[tuple[int, int, int], ...]]:
    for start in range(0, len(networks), per_call):
        yield tuple(networks[start : start + per_call])

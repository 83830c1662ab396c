"""One sweep over several processes, with JAX's own multi-controller runtime.

Every process runs the same program (`jax.distributed`): the mesh spans every process's
devices, so each call's blocks are split between the processes' devices, and each process
saves the chunk of the blocks its own devices computed. Process 0 (the *lead*) alone checks
and prepares the output directory, holds its lock and writes the final outputs; the others
wait for it at barriers. All of them must see the same directory (a shared filesystem).
"""

import os
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from .._ranges import ConfigError
from ._store import OutputError


def initialize(coordinator_address: str, num_processes: int, process_id: int) -> bool:
    """Start `jax.distributed` if asked for (a coordinator address or several processes), or
    if a cluster launcher started several tasks (SLURM's `srun`, Open MPI's `mpirun`: JAX
    detects them itself). Returns whether it started. Must run before JAX touches a device.
    """
    if coordinator_address or num_processes > 1:
        if not coordinator_address and _launched_tasks() <= 1:
            raise ConfigError("num_processes", num_processes, "needs --coordinator-address "
                              "(host:port of process 0) outside SLURM or Open MPI")  # fmt: skip
        if num_processes and not 0 <= process_id < num_processes:
            raise ConfigError("process_id", process_id,
                              f"expected 0 to {num_processes - 1} (--num-processes)")  # fmt: skip
        if coordinator_address and ":" not in coordinator_address:
            raise ConfigError("coordinator_address", coordinator_address, "expected host:port")
        if coordinator_address and not num_processes and _launched_tasks() <= 1:
            needs = "needs --num-processes (how many processes form the sweep)"
            raise ConfigError("coordinator_address", coordinator_address, needs)
        try:
            jax.distributed.initialize(
                coordinator_address=coordinator_address or None,
                num_processes=num_processes or None,
                process_id=process_id,
            )
        except Exception as error:  # noqa: BLE001 - any failure to connect: one line
            raise OutputError(
                f"--coordinator-address: could not join the sweep's processes at "
                f"{coordinator_address or 'the address the cluster gives'} ({error})"
            ) from None
        return True
    if _launched_tasks() > 1:
        jax.distributed.initialize()
        return True
    return False


def _launched_tasks() -> int:
    """Tasks a cluster launcher started for this job step (1 outside one)."""
    for name in ("SLURM_STEP_NUM_TASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def is_lead() -> bool:
    return jax.process_index() == 0


def several() -> bool:
    return jax.process_count() > 1


def barrier(name: str) -> None:
    """Wait until every process reaches the barrier `name` (no-op with one process)."""
    if several():
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(f"jaxglia:{name}")


def lead_does(work: Callable[[], Any], name: str) -> Any:
    """`work()` on the lead alone; the others wait for it. If the lead fails, every process
    raises (the lead its own error, the others a line pointing at it), so none waits forever.
    """
    if not several():
        return work()
    error: BaseException | None = None
    value = None
    if is_lead():
        try:
            value = work()
        except BaseException as caught:  # noqa: BLE001 - re-raised below, after agreeing
            error = caught
    from jax.experimental import multihost_utils

    failed = multihost_utils.broadcast_one_to_all(np.int32(error is not None))
    if error is not None:
        raise error
    if int(failed):
        raise OutputError(f"process 0 stopped during {name}; its message says why")
    return value

"""The batched program of a bucket: networks vmapped in blocks, blocks over devices.

A call holds `groups x block` networks; the group axis is split over every visible device
with `shard_map`, each device maps over its blocks in turn and vmaps each block.
"""

from collections.abc import Sequence

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._experiment import Experiment
from .._pipeline import evaluate_network
from .._schema import IDENTITY
from ._plan import Bucket


def device_mesh() -> Mesh:
    """All visible devices along one axis, `networks`."""
    return Mesh(np.asarray(jax.devices()), ("networks",))


def bucket_program(capacity: int, static: Experiment, mesh: Mesh):
    """The jitted program of a bucket: (groups, block) networks -> their metrics.

    The group axis is split over the mesh's devices (`shard_map`); each device maps over its
    groups in sequence (`lax.map`: memory holds one block at a time) and vmaps each block.
    The experiment's arrays are an argument (`dynamic`, new values reuse the program); the
    rest of it (`static`, from `eqx.partition`) is closed over.
    """

    def per_device(n, a, r, task, dynamic):
        experiment = eqx.combine(dynamic, static)

        def one_block(block):
            fn = lambda n, a, r: evaluate_network(n, a, r, task, experiment, capacity)
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


def lower_bucket(bucket: Bucket, groups: int, block: int, task, experiment, mesh: Mesh):
    """Trace and lower a bucket's program for calls of `groups` blocks (no work is done);
    `.compile()` of the result is XLA's compilation."""
    dynamic, static = eqx.partition(experiment, eqx.is_array)
    n, a, r = _device_groups(bucket.networks[: groups * block], groups, block, mesh)
    program = bucket_program(bucket.capacity, static, mesh)
    return program.lower(n, a, r, task, dynamic)


def run_call(
    compiled, networks, groups: int, block: int, task, experiment, mesh: Mesh
) -> dict[str, np.ndarray]:
    """Evaluate up to `groups * block` networks; return host arrays, padding cut."""
    n, a, r = _device_groups(networks, groups, block, mesh)
    out = compiled(n, a, r, task, eqx.filter(experiment, eqx.is_array))
    k = len(networks)
    host = {name: np.asarray(value).reshape(groups * block, *value.shape[2:])[:k]
            for name, value in out.items()}  # fmt: skip
    arr = np.asarray(networks, np.int64).reshape(k, 3)
    for i, name in enumerate(IDENTITY):
        host[name] = arr[:, i]
    return host

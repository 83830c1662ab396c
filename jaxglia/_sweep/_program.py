"""The batched program of a bucket: networks vmapped in blocks, blocks over devices.

A call holds `groups x block` networks; the group axis is split over every device of every
process (`jax.devices()`: with `jax.distributed`, all of them) with `shard_map`, each device
maps over its blocks in turn and vmaps each block. A process reads back only the blocks its
own devices computed.
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
    """The (N, A, replicate) arrays, sharded over the mesh. Every process holds the same
    host arrays and places the shards of its own devices (`make_array_from_callback`),
    which works with one process or many."""
    sharding = NamedSharding(mesh, PartitionSpec("networks"))
    return [jax.make_array_from_callback(x.shape, sharding, lambda index, x=x: x[index])
            for x in padded_groups(networks, groups, block)]  # fmt: skip


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
    """Evaluate up to `groups * block` networks; return host arrays of the networks this
    process's devices computed (all of them with one process), in call order, padding cut."""
    n, a, r = _device_groups(networks, groups, block, mesh)
    out = compiled(n, a, r, task, eqx.filter(experiment, eqx.is_array))
    k = len(networks)
    host, local = {}, []
    for name, value in out.items():
        by_group = {}  # the groups held by this process's devices (every output alike)
        for shard in value.addressable_shards:
            data = np.asarray(shard.data)
            for offset, g in enumerate(range(*shard.index[0].indices(groups))):
                by_group[g] = data[offset]
        local = sorted(by_group)
        host[name] = np.concatenate([by_group[g] for g in local])
    # Padding repeats the last network at the end of the call: the rows at positions < k
    # of the (ascending) local groups are a prefix of them.
    positions = [g * block + j for g in local for j in range(block) if g * block + j < k]
    host = {name: rows[: len(positions)] for name, rows in host.items()}
    arr = np.asarray(networks, np.int64).reshape(k, 3)[positions]
    for i, name in enumerate(IDENTITY):
        host[name] = arr[:, i]
    return host

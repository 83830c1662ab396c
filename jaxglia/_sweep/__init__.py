"""The grid of networks as a few batched computations: plan (buckets, blocks, chunks),
program (the sharded, vmapped call of a bucket) and run (the loop, progress, outputs)."""

from ._plan import (
    Bucket as Bucket,
    Execution as Execution,
    network_flops as network_flops,
    plan_buckets as plan_buckets,
)
from ._run import SweepResult as SweepResult, sweep as sweep

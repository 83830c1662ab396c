"""Counter-based random draws whose values do not depend on the shape they are drawn at.

Every random number in a network is a Threefry-2x32 hash, under the network's key, of a
counter pair that names it: `(stream * 2**24 + row, column)`, where the row and column are
indices *within* a population (not positions in a padded array). Drawing at a larger
capacity, or with the units laid out differently, therefore gives bit-identical values for
the active units. This is what makes padding invisible: a network's weights depend only on
(seed, N, A, replicate). Many values are hashed in one call, because every separate Threefry
instance costs compilation time (a `fold_in` per row and column did the same job but cost
seconds of XLA compilation per block).
"""

import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax.extend.random import threefry_2x32
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray


# Rows per stream: 2**24 (16.7 million units) is far above any reservoir.
STREAM_SHIFT = 24
MAX_ROWS = 1 << STREAM_SHIFT


def hash_counters(
    key: PRNGKeyArray, stream: ArrayLike, row: ArrayLike, column: ArrayLike
) -> tuple[Array, Array]:
    """Two uint32 words of random bits for each counter (stream, row, column).

    The arguments broadcast together; rows must be below 2**24 and streams below 256.
    """
    stream, row, column = jnp.broadcast_arrays(
        jnp.asarray(stream, jnp.uint32),
        jnp.asarray(row, jnp.uint32),
        jnp.asarray(column, jnp.uint32),
    )
    shape = row.shape
    first = (stream << STREAM_SHIFT) | row
    bits = threefry_2x32(jr.key_data(key), jnp.concatenate([first.reshape(-1), column.reshape(-1)]))
    size = first.size
    return bits[:size].reshape(shape), bits[size:].reshape(shape)


def to_uniform(bits: Array) -> Float[Array, "..."]:
    """Uniform draws strictly inside (0, 1) from uint32 bits (23 bits, centred in the bin)."""
    return ((bits >> 9).astype(jnp.float32) + 0.5) * (1.0 / (1 << 23))


def to_normal(bits: Array) -> Float[Array, "..."]:
    """Standard normal draws from uint32 bits (inverse CDF of `to_uniform`)."""
    return jnp.sqrt(jnp.float32(2.0)) * lax.erf_inv(2.0 * to_uniform(bits) - 1.0)


def grid_bits(key: PRNGKeyArray, shape: tuple[int, int], stream: int = 0) -> tuple[Array, Array]:
    """`hash_counters` over the index grid of `shape`: entry (i, j) depends on (key, i, j)."""
    rows = jnp.arange(shape[0], dtype=jnp.uint32)[:, None]
    cols = jnp.arange(shape[1], dtype=jnp.uint32)[None, :]
    return hash_counters(key, stream, rows, cols)


def hash_many(
    key: PRNGKeyArray, counters: list[tuple[ArrayLike, ArrayLike, ArrayLike]]
) -> list[tuple[Array, Array]]:
    """`hash_counters` for several (stream, row, column) sets in one Threefry call."""
    shapes, streams, rows, cols = [], [], [], []
    for stream, row, column in counters:
        s, r, c = jnp.broadcast_arrays(
            jnp.asarray(stream, jnp.uint32),
            jnp.asarray(row, jnp.uint32),
            jnp.asarray(column, jnp.uint32),
        )
        shapes.append(r.shape)
        streams.append(s.reshape(-1))
        rows.append(r.reshape(-1))
        cols.append(c.reshape(-1))
    first, second = hash_counters(
        key, jnp.concatenate(streams), jnp.concatenate(rows), jnp.concatenate(cols)
    )
    out, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        out.append(
            (
                first[offset : offset + size].reshape(shape),
                second[offset : offset + size].reshape(shape),
            )
        )
        offset += size
    return out

"""Default chunk shapes for time series and table columns: an array up to ``MAX_CHUNK_BYTES`` is one chunk; a bigger
one is cut along its first axis into chunks of about ``TARGET_CHUNK_BYTES`` (at least ``MIN_CHUNK_BYTES``: object
stores are not flooded with tiny objects), other axes whole unless one row alone is larger: then they are halved.
"""

from __future__ import annotations

import math

__all__ = ["TARGET_CHUNK_BYTES", "MAX_CHUNK_BYTES", "MIN_CHUNK_BYTES", "default_chunks", "estimate_itemsize"]

TARGET_CHUNK_BYTES = 2 * 1024 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024
MIN_CHUNK_BYTES = 64 * 1024


def estimate_itemsize(sample: list | None, fallback: int = 8) -> int:
    """Bytes per element of variable-length text: the mean encoded length of a sample plus framing."""
    if not sample:
        return fallback
    sizes = (len(s.encode("utf-8")) if isinstance(s, str) else len(s) if isinstance(s, bytes) else 8 for s in sample)
    return max(1, sum(sizes) // len(sample)) + 4


def default_chunks(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """The chunk shape for an array of ``shape`` with elements of ``itemsize`` bytes."""
    shape = tuple(int(s) for s in shape)
    if not shape:
        return ()
    if any(s == 0 for s in shape):
        return tuple(max(1, s) for s in shape)
    itemsize = max(1, int(itemsize))
    total = math.prod(shape) * itemsize
    if total <= MAX_CHUNK_BYTES:
        return shape
    row = math.prod(shape[1:]) * itemsize
    if row <= TARGET_CHUNK_BYTES:
        rows = max(1, TARGET_CHUNK_BYTES // row, math.ceil(MIN_CHUNK_BYTES / row))
        return (min(shape[0], rows),) + shape[1:]
    # A single row is larger than the target: one row per chunk, halve the trailing axes.
    chunk = [1] + list(shape[1:])
    while math.prod(chunk) * itemsize > TARGET_CHUNK_BYTES:
        axis = max(range(1, len(chunk)), key=lambda i: chunk[i])
        if chunk[axis] == 1:
            break
        chunk[axis] = math.ceil(chunk[axis] / 2)
    return tuple(chunk)

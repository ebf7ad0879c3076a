"""Per-dataset storage options and streamed data, independent of any backend.

``DataIO`` wraps a dataset's data with chunking/compression wishes (hdmf's DataIO idea);
``DataChunkIterator`` lets data larger than memory be written piece by piece.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def is_lazy_array(value: Any) -> bool:
    """True for array-likes read from a store (``shape`` + ``__getitem__``, not numpy/list/tuple)."""
    return (
        not isinstance(value, (np.ndarray, list, tuple, str, bytes))
        and hasattr(value, "shape")
        and hasattr(value, "__getitem__")
    )

__all__ = ["is_lazy_array", "DataIO", "DataChunkIterator"]


@dataclass
class DataIO:
    """Data plus how to store it; ``None`` means "use the backend's default".

    ``chunks``: chunk shape (tuple) or ``True`` for the default policy.
    ``shards``: shard shape (Zarr format 3 only).
    ``compressors``/``filters``/``serializer``: codec objects the backend understands
    (zarr or numcodecs codecs), or ``False`` for no compression.
    ``fill_value``: the array's fill value. ``link_data``: when ``data`` is an array read
    from another store, ``True`` stores a link to it, ``False`` a copy, ``None`` what the write asks for
    (``ZarrIO.write(..., link_data=...)``, a copy by default).
    """

    data: Any
    chunks: tuple[int, ...] | bool | None = None
    shards: tuple[int, ...] | None = None
    compressors: Any = None
    filters: Any = None
    serializer: Any = None
    fill_value: Any = None
    link_data: bool | None = None
    dtype: Any = None
    maxshape: tuple[int | None, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, item: Any) -> Any:
        return self.data[item]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.data)) if not hasattr(self.data, "shape") else tuple(self.data.shape)


class DataChunkIterator:
    """Data given as an iterable of blocks along the first axis, written with bounded memory.

    Each item is an array (or list) of one or more rows; ``dtype`` and the shape of one row
    (``row_shape``) may be given, else they come from the first block. ``chunks`` is the
    chunk shape to write with (defaults to the backend's policy for the first block).
    """

    def __init__(
        self,
        blocks: Iterable[Any],
        dtype: Any = None,
        row_shape: tuple[int, ...] | None = None,
        chunks: tuple[int, ...] | None = None,
        total_rows: int | None = None,
    ) -> None:
        self._iter = iter(blocks)
        self.dtype = np.dtype(dtype) if dtype is not None else None
        self.row_shape = tuple(row_shape) if row_shape is not None else None
        self.chunks = chunks
        self.total_rows = total_rows
        self._first: np.ndarray | None = None

    def peek(self) -> np.ndarray | None:
        """The first block (read once and kept), fixing ``dtype`` and ``row_shape``."""
        if self._first is None:
            try:
                block = next(self._iter)
            except StopIteration:
                return None
            self._first = np.asarray(block, dtype=self.dtype)
            if self.dtype is None:
                self.dtype = self._first.dtype
            if self.row_shape is None:
                self.row_shape = tuple(self._first.shape[1:])
        return self._first

    def __iter__(self) -> Iterator[np.ndarray]:
        first = self.peek()
        if first is not None:
            self._first = None
            yield first
        for block in self._iter:
            yield np.asarray(block, dtype=self.dtype)

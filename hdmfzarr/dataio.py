"""Per-dataset storage options (``DataIO``), streamed data (``DataChunkIterator``) and stored values read on
first use (``Deferred``), independent of any backend."""

from __future__ import annotations

import contextlib
import contextvars
import sys
from itertools import batched
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import errors
from .record import MutableRecord


class StoredArray:
    """Base of the arrays read from a store without loading them: what ``is_lazy_array`` recognises, by type.
    Each sets (or, an appendable array, forwards) the attributes below, read by type, never looked up by name."""

    store_url: str | None  # the Zarr store it was read from (None when not from a Zarr store)
    path: str | None  # its path in that store (an HDF5 array: in its file)
    dims: list[str] | None  # the dimension names stored with it (None when none)

    @property
    def wrapped(self) -> StoredArray | None:
        """The stored array this one wraps (a reference array's references, an appendable array's stored rows)."""
        return None

    def rows_like(self, rows: Any) -> Any:
        """Rows of this array and rows appended to it (a numpy array) as a read of its own rows gives them."""
        return rows


def stored_chain(value: Any) -> list[StoredArray]:
    """``value`` and the stored arrays it wraps, outermost first (empty when it is no ``StoredArray``)."""
    chain: list[StoredArray] = []
    while isinstance(value, StoredArray):
        chain.append(value)
        value = value.wrapped
    return chain


# other libraries' stored arrays, recognised once their module is loaded (never imported here)
_FOREIGN_STORED = (("zarr", "Array"), ("h5py", "Dataset"), ("dask.array", "Array"))
_LAZY_VERDICT: dict[type, bool] = {}


def is_lazy_array(value: Any) -> bool:
    """True for an array read from a store: a ``StoredArray`` or a zarr/h5py/dask array (not any array-like)."""
    t = type(value)
    verdict = _LAZY_VERDICT.get(t)
    if verdict is None:
        foreign = [getattr(sys.modules.get(module), name, None) for module, name in _FOREIGN_STORED]
        verdict = _LAZY_VERDICT[t] = issubclass(t, (StoredArray, *(k for k in foreign if isinstance(k, type))))
    return verdict


__all__ = ["StoredArray", "is_lazy_array", "DataIO", "ZarrDataIO", "DataChunkIterator", "Deferred", "fetch_deferred",
           "held_reads", "READS_HELD", "to_dask", "is_dask_array", "import_dask_array", "from_hdmf_iterator"]

#: whether the caller is inside :func:`held_reads`
READS_HELD: contextvars.ContextVar[bool] = contextvars.ContextVar("hdmfzarr_held_reads", default=False)


@contextlib.contextmanager
def held_reads() -> Iterator[None]:
    """Within this block, fields not read yet give their :class:`Deferred` instead of reading (folded views)."""
    token = READS_HELD.set(True)
    try:
        yield
    finally:
        READS_HELD.reset(token)


class Deferred:
    """A stored value read on first use, so that opening a store costs no request per object. A leaf is read by its
    ``loader`` (``load(leaves)``: one concurrent wave; ``pending()``: leaves not read); ``map`` derives values."""

    __slots__ = ("loader", "key", "base", "then", "_value", "done")

    def __init__(self, loader: Any = None, key: Any = None, base: Deferred | None = None,
                 then: Callable[[Any], Any] | None = None) -> None:
        self.loader, self.key, self.base, self.then = loader, key, base, then
        self._value: Any = None
        self.done = False

    def set(self, value: Any) -> None:
        self._value, self.done = value, True

    def map(self, fn: Callable[[Any], Any]) -> Deferred:
        return Deferred(base=self, then=fn)

    def leaf(self) -> Deferred:
        node = self
        while node.base is not None:
            node = node.base
        return node

    def get(self, everything: bool = False) -> Any:
        """The value (read now if needed; with ``everything``, with every leaf its loader has not read)."""
        if not self.done:
            extra = list(self.leaf().loader.pending()) if everything and self.leaf().loader is not None else []
            fetch_deferred([self, *extra])
        return self._value

    def __repr__(self) -> str:
        return f"<Deferred {'read' if self.done else 'not read'}{f' {self.key!r}' if self.key is not None else ''}>"


def fetch_deferred(items: Iterable[Deferred]) -> None:
    """Read every value of ``items`` not read yet: one ``load`` call (one concurrent wave) per loader."""
    todo = [d for d in items if not d.done]
    by_loader: dict[int, tuple[Any, dict[int, Deferred]]] = {}
    for d in todo:
        leaf = d.leaf()
        if not leaf.done:
            by_loader.setdefault(id(leaf.loader), (leaf.loader, {}))[1].setdefault(id(leaf), leaf)
    for loader, leaves in by_loader.values():
        loader.load(list(leaves.values()))
    for d in todo:
        _finish(d)


def _finish(d: Deferred) -> None:
    if d.done:
        return
    if d.base is None:
        raise RuntimeError(f"{d!r}: its loader did not read it")  # a loader bug, never bad input
    _finish(d.base)
    d.set(d.then(d.base._value) if d.then is not None else d.base._value)


class DataIO(MutableRecord):
    """Data plus how to store it (``None``: the backend's default; ``chunks=True``: the default policy; codecs are
    zarr/numcodecs ones, ``False`` for none; ``link_data`` None: what ``ZarrIO.write`` asks for, a copy by default)."""

    _fields = ("data", "chunks", "shards", "compressors", "filters", "serializer", "fill_value", "link_data", "dtype",
               "maxshape", "extra")

    def __init__(self, data: Any, chunks: tuple[int, ...] | bool | None = None, shards: tuple[int, ...] | None = None,
                 compressors: Any = None, filters: Any = None, serializer: Any = None, fill_value: Any = None,
                 link_data: bool | None = None, dtype: Any = None, maxshape: tuple[int | None, ...] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        if isinstance(shards, (tuple, list)) and isinstance(chunks, (tuple, list)) and (
                len(shards) != len(chunks) or any(s % c for s, c in zip(shards, chunks))):
            raise errors.ContainerError(f"DataIO: shards {tuple(shards)} must be whole multiples of chunks "
                                        f"{tuple(chunks)}, axis by axis")
        self.data = from_hdmf_iterator(data)
        self.chunks = chunks
        self.shards = shards
        self.compressors = compressors
        self.filters = filters
        self.serializer = serializer
        self.fill_value = fill_value
        self.link_data = link_data
        self.dtype = dtype
        self.maxshape = maxshape
        self.extra: dict[str, Any] = {} if extra is None else extra

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, item: Any) -> Any:
        return self.data[item]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.data)) if not hasattr(self.data, "shape") else tuple(self.data.shape)


class ZarrDataIO(DataIO):
    """hdmf-zarr's ``ZarrDataIO``: its argument names (``fillvalue``; ``compressor``, one codec, as 0.13 took it)."""

    def __init__(self, data: Any, chunks: tuple[int, ...] | bool | None = None, fillvalue: Any = None,
                 compressors: Any = None, compressor: Any = None, filters: Any = None, serializer: Any = None,
                 shards: tuple[int, ...] | None = None, link_data: bool = False) -> None:
        if compressor is not None and compressors is not None:
            raise TypeError("ZarrDataIO: give compressor (one codec) or compressors, not both")
        if compressor is not None:  # 0.13's one codec, or a bool as below
            compressors = compressor if isinstance(compressor, bool) else [compressor]
        super().__init__(data, chunks=chunks, shards=shards, filters=filters, serializer=serializer,
                         compressors=None if compressors is True else compressors,  # True: hdmf-zarr's "the default"
                         fill_value=fillvalue, link_data=link_data)


class DataChunkIterator:
    """Data given as an iterable of blocks (arrays of rows) along the first axis, written with bounded memory; hdmf's
    form is taken too: ``data=`` (or a numpy array given first) is rows, read ``buffer_size`` rows at a time."""

    def __init__(self, blocks: Iterable[Any] | None = None, dtype: Any = None, row_shape: tuple[int, ...] | None = None,
                 chunks: tuple[int, ...] | None = None, total_rows: int | None = None, *,
                 data: Iterable[Any] | None = None, buffer_size: int = 1,
                 maxshape: tuple[int | None, ...] | None = None) -> None:
        if data is not None and blocks is not None:
            raise TypeError("DataChunkIterator: give blocks or hdmf's data=, not both")
        if data is None and isinstance(blocks, np.ndarray):  # hdmf's DataChunkIterator(array): rows, not blocks
            data, blocks = blocks, None
        rows: Any = data  # an array, a list or any iterable of rows
        if rows is not None:
            if not isinstance(buffer_size, int) or buffer_size < 1:
                raise ValueError(f"DataChunkIterator: buffer_size must be a positive int, got {buffer_size!r}")
            if hasattr(rows, "__len__") and not isinstance(rows, np.ndarray) and not is_lazy_array(rows):
                rows = np.asarray(rows)  # a list of rows: one array, so its dtype and row shape are known now
            if total_rows is None and hasattr(rows, "__len__"):
                total_rows = len(rows)
            dtype = dtype if dtype is not None else getattr(rows, "dtype", None)
            if row_shape is None and hasattr(rows, "shape"):
                row_shape = tuple(rows.shape[1:])
            if row_shape is None and maxshape is not None and all(isinstance(m, int) for m in maxshape[1:]):
                row_shape = tuple(maxshape[1:])  # type: ignore[arg-type]
            if isinstance(rows, np.ndarray) or is_lazy_array(rows):  # rows in blocks of buffer_size rows
                blocks = (rows[i:i + buffer_size] for i in range(0, len(rows), buffer_size))
            else:
                blocks = (np.asarray(block) for block in batched(rows, buffer_size))
        if blocks is None:
            raise TypeError("DataChunkIterator: give an iterable of blocks (or hdmf's data= of rows)")
        self.data = rows  # hdmf's name for what was given (None for blocks)
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


def from_hdmf_iterator(value: Any) -> Any:
    """hdmf's DataChunkIterator or GenericDataChunkIterator (any of its AbstractDataChunkIterators) as ours, so hdmf
    code keeps its iterators; anything else as it is. Its chunks are put together into blocks of whole rows (hdmf
    iterates a row range's buffers one after another)."""
    if not any(c.__name__ == "AbstractDataChunkIterator" and c.__module__.startswith("hdmf.")
               for c in type(value).__mro__):
        return value
    maxshape, dtype = tuple(value.maxshape), np.dtype(value.dtype)
    trailing = tuple(maxshape[1:]) if None not in maxshape[1:] else None

    def blocks() -> Iterator[np.ndarray]:
        slab: np.ndarray | None = None
        rows: tuple[int, ...] = (0, 0)
        for chunk in value:
            sel = chunk.selection if isinstance(chunk.selection, tuple) else (chunk.selection,)
            data = np.asarray(chunk.data, dtype=dtype)
            # (all rows when hdmf iterates along another axis: its length is known then)
            here = sel[0].indices(maxshape[0])[:2] if sel[0].stop is None else (sel[0].start or 0, sel[0].stop)
            if slab is not None and here != rows:
                yield slab
                slab = None
            if trailing is None or data.shape[1:] == trailing:  # whole rows
                yield data
                continue
            if slab is None:
                rows = here
                slab = np.empty((rows[1] - rows[0], *trailing), dtype)
            slab[(slice(None), *sel[1:])] = data
        if slab is not None:
            yield slab

    return DataChunkIterator(blocks(), dtype, trailing, value.recommended_chunk_shape(), maxshape[0])


# --- Dask (an optional extra): lazy datasets and table columns as dask arrays aligned with their storage chunks
# (writing a dask array given as data is ``backends/zarr/daskio.py``'s)

def import_dask_array() -> Any:
    """``dask.array`` or an ImportError that says how to install it."""
    return errors.import_extra("dask.array", "dask", "to_dask() and dask writes")


def is_dask_array(value: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    return type(value).__module__.startswith("dask.array") and hasattr(value, "dask") and hasattr(value, "chunks")


def to_dask(obj: Any, chunks: Any = None) -> Any:
    """``obj`` as a dask array: one block per stored chunk of a lazy array (``chunks`` overrides the block shape);
    containers and lazy arrays convert themselves through their ``to_dask`` (a ``VectorIndex`` gives its offsets)."""
    da = import_dask_array()
    if is_dask_array(obj):
        return obj if chunks is None else obj.rechunk(chunks)
    method = getattr(obj, "to_dask", None)
    if callable(method):
        return method(chunks=chunks)
    if is_lazy_array(obj):
        raise errors.ContainerError(f"to_dask: {type(obj).__name__} has no to_dask(); read it into numpy first")
    return da.from_array(np.asarray(obj), chunks=chunks if chunks is not None else "auto")

"""Lazy arrays: orthogonal selections (like h5py) fetch only the chunks they need, concurrently, into a bounded
LRU cache; slices over more than two chunks, and reads over half the cache, go uncached into one output buffer.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from typing import Any

import numpy as np

from ... import errors
from .compat import (async_array, chunk_range_reader, read_whole_chunks, read_whole_chunks_sync,
                     reads_synchronously)
from .convention import V2, for_format
from .safety import check_read_chunks, check_read_size, max_read_bytes, translate_error
from .store import StoreHandle, run
from ...dataio import StoredArray, import_dask_array

__all__ = ["LazyArray", "ChunkCache", "ZarrChunkSource", "LegacyChunkSource", "plain_chunks", "DEFAULT_CACHE_BYTES",
           "STORE_CACHE_BYTES"]

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024  # an array created on its own
STORE_CACHE_BYTES = 256 * 1024 * 1024  # all arrays of one open store together

_SYNC_BATCH_BYTES = 32 * 1024 * 1024  # decoded chunks held at once by a synchronous bulk read


def _regions(coords: tuple[int, ...], chunks: tuple[int, ...], shape: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(c * n, min((c + 1) * n, s)) for c, n, s in zip(coords, chunks, shape))


RawReader = Callable[[tuple[int, ...], int, np.ndarray], "int | None"]


def plain_chunks(layout: tuple[np.dtype, Callable[[tuple[int, ...]], str]] | None, store: Any, path: str
                 ) -> tuple[np.dtype, RawReader] | None:
    """(stored dtype, byte range reader) of the array at ``path`` from its `ArrayDoc.raw`."""
    return None if layout is None else (layout[0], chunk_range_reader(store, path, layout[1]))


class ZarrChunkSource:
    """Chunks of a zarr array, fetched concurrently through zarr's async API. ``array`` may be a factory
    building it on first use (with ``shape``/``chunks``/``dtype`` given: opening a store builds no zarr objects);
    ``raw``: (stored dtype, byte range reader) of chunks stored as plain bytes (`ArrayDoc.raw`), so that
    reading a plain numeric 1-D array builds no zarr array either."""

    def __init__(self, array: Any, where: str, shape: tuple[int, ...] | None = None,
                 chunks: tuple[int, ...] | None = None, dtype: np.dtype | None = None,
                 sync: bool | None = None, raw: tuple[np.dtype, RawReader] | None = None) -> None:
        self._factory: Callable[[], Any] = array if callable(array) else lambda: array
        self.where = where
        if raw is not None:
            self._layout = raw
        if shape is None or chunks is None or dtype is None:
            arr = self.array
            shape, chunks = tuple(arr.shape), tuple(arr.chunks) if arr.shape else ()
            dtype = arr.dtype if isinstance(arr.dtype, np.dtype) else np.dtype(object)
        self.shape, self.chunks, self.dtype = tuple(shape), tuple(chunks), dtype
        if sync is not None:  # its StoreHandle's answer
            self.sync = sync

    @functools.cached_property
    def array(self) -> Any:
        """The zarr array (built on first use)."""
        return self._factory()

    @functools.cached_property
    def sync(self) -> bool:
        """Whether the array's store reads synchronously (local files, memory)."""
        return reads_synchronously(self.array.store_path.store)

    def fetch(self, coords: list[tuple[int, ...]]) -> list[np.ndarray]:
        """Decoded chunks at ``coords``: numeric ones decoded whole, others read as zarr selections."""
        if not self.shape:
            try:
                return [np.asarray(self.array[()])]
            except Exception as exc:
                raise translate_error(exc, self.where, "read scalar") from exc
        if not self._whole_chunks:
            return self._fetch_selections(coords)
        n, size = self.chunks[0], self.shape[0]  # a raw chunk of a 1-D array: one positional read (None: not stored)
        raw = ((c, self.read_range(c[0], 0, min(n, size - c[0] * n))) for c in coords)
        out = dict(raw if self._raw is not None else self._whole_blocks(coords))
        missing = [c for c in coords if out[c] is None]
        if missing:  # not stored, and zarr configured to refuse them: its own error
            out.update(zip(missing, self._fetch_selections(missing)))
        return [out[c] for c in coords]  # type: ignore[misc]  # every None was replaced just above

    def _whole_blocks(self, coords: list[tuple[int, ...]]) -> Iterator[tuple[tuple[int, ...], np.ndarray | None]]:
        """Each chunk decoded whole and trimmed to the array (None: not stored, and zarr refuses it), a batch at a
        time in the calling thread for a synchronous store, else all at once on zarr's loop."""
        step = max(1, _SYNC_BATCH_BYTES // max(1, self.dtype.itemsize * math.prod(self.chunks))) if self.sync \
            else max(1, len(coords))
        for first in range(0, len(coords), step):
            batch = coords[first:first + step]
            try:
                blocks = read_whole_chunks_sync(self.array, batch) if self.sync else None
                if blocks is None:  # not synchronous, or a codec pipeline without a synchronous decode
                    blocks = run(read_whole_chunks(self.array, batch))
            except Exception as exc:  # zarr/codec errors on corrupt chunks, I/O errors
                raise translate_error(exc, self.where, "read chunks") from exc
            for c, block in zip(batch, blocks):  # the edge chunks of the grid are stored whole
                yield c, None if block is None else \
                    block[tuple(slice(0, min(n, s - j * n)) for j, n, s in zip(c, self.chunks, self.shape))]

    @functools.cached_property
    def _layout(self) -> tuple[np.dtype, RawReader] | None:
        """(stored dtype, byte range reader) if the chunks are the elements' plain bytes, else None."""
        meta, where = self.array.metadata, self.array.store_path
        return plain_chunks(for_format(meta.zarr_format).array_doc(meta.to_dict()).raw, where.store, where.path)

    @functools.cached_property
    def _raw(self) -> tuple[np.dtype, RawReader] | None:
        """(dtype, byte range reader) of a 1-D array stored raw in a synchronous store (an element is a byte
        range), else None."""
        try:
            return self._layout if len(self.shape) == 1 and self.sync and self._whole_chunks else None
        except Exception:  # noqa: BLE001 - metadata zarr cannot describe: the whole-chunk path decides
            return None

    def _read_raw(self, chunk: int, lo: int, out: np.ndarray) -> bool:
        """Fill ``out`` from element ``lo`` of raw chunk ``chunk``; False: the chunk is not stored."""
        size = out.itemsize
        try:
            got = self._raw[1]((chunk,), lo * size, out)  # type: ignore[index]  # the chunks are raw
        except Exception as exc:  # I/O errors, unsafe links
            raise translate_error(exc, self.where, "read chunks") from exc
        if got is not None and got < out.nbytes:
            hi = lo + out.size
            raise errors.CorruptStoreError(
                f"{self.where}: chunk {chunk} is cut short: elements {lo}:{hi} of {out.dtype} need bytes "
                f"{lo * size}:{hi * size}, got {got} bytes there (the chunk holds {self.chunks[0] * size})")
        return got is not None

    def _read_raws(self, combos: list[Any], out: np.ndarray) -> list[bool]:
        """Each ``((chunk, out part, chunk part),)`` of a raw region read into ``out`` (False: not stored); a large
        region, with more than one CPU to run on, in two threads, as raw zarr reads chunks on worker threads."""
        def read(combo: Any) -> bool:
            ((c, dst, src),) = combo
            return self._read_raw(c, src.start, out[dst])

        if len(combos) > 1 and out.nbytes >= 2**22 and _usable_cpus() > 1:
            with ThreadPoolExecutor(2) as pool:
                return list(pool.map(read, combos))
        return [read(combo) for combo in combos]

    def read_range(self, chunk: int, lo: int, hi: int) -> np.ndarray | None:
        """Elements ``lo:hi`` of chunk ``chunk`` of a raw 1-D array as one byte range; None: read the chunk whole."""
        out = None if self._raw is None else np.empty(hi - lo, dtype=self._raw[0])
        if out is None or not self._read_raw(chunk, lo, out):
            return None
        return out if out.dtype.isnative else out.astype(out.dtype.newbyteorder("="))

    @functools.cached_property
    def _whole_chunks(self) -> bool:
        """Whether chunks can be decoded whole on their own: numeric, unsharded, a regular grid."""
        if self.__dict__.get("_layout") is not None:  # plain bytes: unsharded, a regular grid
            return self.dtype.kind in "biuf"
        try:
            arr = self.array
            return (self.dtype.kind in "biuf" and getattr(arr, "shards", None) is None
                    and tuple(arr.chunks) == self.chunks)
        except Exception:  # noqa: BLE001 - irregular grids and the like: zarr's selections
            return False

    def _fetch_selections(self, coords: list[tuple[int, ...]]) -> list[np.ndarray]:
        """Chunks read as zarr selections (runs consecutive along axis 0, equal elsewhere, as one)."""
        ordered = enumerate(sorted(set(coords), key=lambda c: (c[1:], c[0])))
        # within a run the axis-0 coordinate minus the position in the sorted order is constant
        runs = [[c for _, c in r] for _, r in itertools.groupby(ordered, key=lambda ic: (ic[1][1:], ic[1][0] - ic[0]))]
        n = self.chunks[0]
        keys = [(slice(r[0][0] * n, (r[-1][0] + 1) * n),) + _regions(r[0], self.chunks, self.shape)[1:] for r in runs]
        aarr = async_array(self.array)

        async def _all() -> list[Any]:
            return list(await asyncio.gather(*(aarr.getitem(k) for k in keys)))

        try:
            blocks = run(_all())
        except Exception as exc:  # zarr/codec errors on corrupt chunks, I/O errors
            raise translate_error(exc, self.where, "read chunks") from exc
        out: dict[tuple[int, ...], np.ndarray] = {}
        for r, block in zip(runs, blocks):
            for c in r:
                out[c] = block[(c[0] - r[0][0]) * n:(c[0] - r[0][0] + 1) * n]  # the last chunk: cut short
        return [out[c] for c in coords]

    def _read_region(self, key: tuple[Any, ...]) -> np.ndarray | None:
        """A unit-step region of a synchronous store assembled in one array (no cache, no event loop), or None; a raw
        1-D array is read straight into it (in the stored byte order, as zarr's own region read gives it)."""
        if not all(isinstance(k, slice) and k.step in (None, 1) for k in key):
            return None
        bounds = [k.indices(n)[:2] for k, n in zip(key, self.shape)]
        if any(stop <= start for start, stop in bounds):
            return None
        combos = list(product(*(_axis_plan(k, n, c) for k, n, c in zip(key, self.shape, self.chunks))))
        out = None if self._raw is None else np.empty(bounds[0][1] - bounds[0][0], dtype=self._raw[0])
        if out is not None:  # chunks not stored are decoded whole below (their fill value, or zarr's refusal)
            combos = [cds for cds, stored in zip(combos, self._read_raws(combos, out)) if not stored]
        for combo, (_, block) in zip(combos, self._whole_blocks([tuple(p[0] for p in combo) for combo in combos])):
            if block is None:  # a missing chunk zarr refuses: its own error
                return None
            if out is None:
                out = np.empty([b - a for a, b in bounds], dtype=block.dtype)
            out[tuple(p[1] for p in combo)] = block[tuple(p[2] for p in combo)]
        return out

    def compression(self) -> str | None:
        """Codec names of the array's filters and compressors (the metadata only)."""
        try:
            codecs = list(self.array.filters or ()) + list(self.array.compressors or ())
        except Exception:  # noqa: BLE001 - a description must never fail a read
            return None
        return "+".join(_codec_name(c) for c in codecs) or None

    def read(self, key: tuple[Any, ...]) -> np.ndarray:
        """Read a normalised orthogonal selection directly (uncached)."""
        try:
            if any(isinstance(k, np.ndarray) for k in key):
                return self.array.oindex[key]
            out = self._read_region(key) if self.sync and self._whole_chunks else None
            return self.array[key] if out is None else out
        except Exception as exc:
            raise translate_error(exc, self.where, "read selection") from exc


class LegacyChunkSource:
    """Chunks of a v2 object array (pickle / JSON codec) read as raw keys and decoded here."""

    def __init__(self, handle: StoreHandle, path: str, zarray: dict, where: str,
                 compound: np.dtype | None = None) -> None:
        self.handle, self.path, self.meta, self.where = handle, path, zarray, where
        self.shape = tuple(zarray["shape"])
        self.chunks = self.stored_chunks = tuple(zarray.get("chunks") or self.shape)
        self.dtype = V2.decode_numpy_dtype(zarray["dtype"])
        self.separator = zarray.get("dimension_separator") or "."
        # a compound in object cells ((n, fields) JSON cells, or 0.13's pickled records): records of ``compound``
        self.cells = compound is not None and self.dtype.names is None and len(self.shape) in (1, 2)
        if self.cells and compound is not None:
            self.dtype = compound
            self.shape, self.chunks = self.shape[:1], self.chunks[:1]

    def fetch(self, coords: list[tuple[int, ...]]) -> list[np.ndarray]:
        from .legacy import decode_v2_chunk, v2_chunk_key

        extra = (0,) * (len(self.stored_chunks) - len(self.chunks))  # (n, fields) cells: one chunk per row block
        keys = [v2_chunk_key(self.path, tuple(c) + extra, self.separator) for c in coords]
        raws = self.handle.get_many(keys)
        out = []
        for c, key, raw in zip(coords, keys, raws):
            want = tuple(r.stop - r.start for r in _regions(c, self.chunks, self.shape))
            if raw is None:
                block = np.empty(want, dtype=self.dtype)
                if self.dtype.names is None:
                    block[...] = None
            else:
                try:
                    full = decode_v2_chunk(raw, self.meta, self.stored_chunks, f"{self.where} chunk {key!r}")
                    block = full[tuple(slice(0, w) for w in want)] if want else full
                    if self.cells:
                        block = V2.decode_compound_cells(block, self.dtype)
                except errors.HdmfZarrError:
                    raise
                except Exception as exc:
                    raise translate_error(exc, f"{self.where} chunk {key!r}", "decode chunk") from exc
            out.append(block)
        return out

    def read(self, key: tuple[Any, ...]) -> np.ndarray | None:
        return None

    def read_range(self, chunk: int, lo: int, hi: int) -> np.ndarray | None:
        return None  # object cells: decoded whole

    def compression(self) -> str | None:
        codecs = [*(self.meta.get("filters") or ()), self.meta.get("compressor")]
        return "+".join(_codec_name(c) for c in codecs if isinstance(c, dict) and c.get("id")) or None


def _codec_name(codec: Any) -> str:
    """``zstd``, ``blosc/lz4``, ``vlen-utf8``, ... for a zarr 3 codec, a numcodecs codec or its v2 metadata."""
    try:
        doc = codec if isinstance(codec, dict) else codec.to_dict()
        name = doc.get("name") or doc.get("id")
        cname = (doc.get("configuration") or doc).get("cname")
    except Exception:  # noqa: BLE001
        name, cname = getattr(codec, "codec_id", None), getattr(codec, "cname", None)
    name = name or type(codec).__name__
    return str(name) if cname is None else f"{name}/{getattr(cname, 'value', cname)}"


class ChunkCache:
    """A byte-bounded LRU of decoded chunks keyed by ``(owner, chunk coords)``, shared by the lazy arrays of one
    store; ``lock`` guards it (dask reads from threads). cachetools is loaded with the first chunk."""

    def __init__(self, capacity: int | None = None) -> None:
        self.maxsize: int = capacity or STORE_CACHE_BYTES
        self.lock = threading.Lock()
        self.owners = itertools.count()  # a new array's own part of the cache: keys no other array uses
        self._lru: Any = {}  # empty until a chunk is cached: then a cachetools.LRUCache

    @property
    def currsize(self) -> int:
        """Bytes of the chunks cached."""
        return int(getattr(self._lru, "currsize", 0))

    def __getitem__(self, key: tuple[int, tuple[int, ...]]) -> np.ndarray:
        return self._lru[key]  # type: ignore[no-any-return]

    def __setitem__(self, key: tuple[int, tuple[int, ...]], block: np.ndarray) -> None:
        if isinstance(self._lru, dict):
            from cachetools import LRUCache

            self._lru = LRUCache(self.maxsize, getsizeof=lambda block: block.nbytes)
        self._lru[key] = block

    def __delitem__(self, key: tuple[int, tuple[int, ...]]) -> None:
        del self._lru[key]

    def __iter__(self) -> Iterator[tuple[int, tuple[int, ...]]]:
        return iter(self._lru)

    def __len__(self) -> int:
        return len(self._lru)


def _axis_extent(sel: Any, size: int, chunk: int) -> tuple[int, int]:
    """(output length, number of chunks touched) along one axis (a slice or an int64 array), without the plan."""
    if not isinstance(sel, slice):
        return sel.size, np.unique(sel // chunk).size
    start, stop, step = sel.indices(size)
    length = len(range(start, stop, step))
    lo, hi = sorted((start, start + (length - 1) * step))
    return length, min(length, hi // chunk - lo // chunk + 1)


def _axis_plan(sel: Any, size: int, chunk: int) -> list[tuple[int, Any, Any]]:
    """Per chunk along one axis: (chunk index, output index, index inside the chunk)."""
    if isinstance(sel, slice):
        start, stop, step = sel.indices(size)
        if step == 1:
            bounds = [(c, max(start, c * chunk), min(stop, (c + 1) * chunk))
                      for c in range(start // chunk, (stop - 1) // chunk + 1)] if stop > start else []
            return [(c, slice(a - start, b - start), slice(a - c * chunk, b - c * chunk)) for c, a, b in bounds]
        sel = np.arange(start, stop, step)
    cid = sel // chunk
    order = np.argsort(cid, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(cid[order])) + 1) if sel.size else []
    return [(int(cid[g[0]]), g, sel[g] - int(cid[g[0]]) * chunk) for g in groups]


_NOT_CACHED = object()  # LazyArray._cached_1d: the selection needs the general path
# a raw chunk read this many times by byte ranges (~10 us each locally) is then read whole and cached: about what
# reading and first touching a default 2 MiB chunk costs (~2 ms)
RANGED_READS_PER_CHUNK = 256


class LazyArray(StoredArray):
    """A read-only array in a store, loaded chunk by chunk on (orthogonal) indexing. ``convert`` post-processes
    the values a selection returns (text as Python ``str`` objects, references as builders, ...)."""

    def __init__(self, source: ZarrChunkSource | LegacyChunkSource,
                 convert: Callable[[np.ndarray], np.ndarray] | None = None, dtype: np.dtype | None = None,
                 store_url: str | None = None, path: str | None = None, cache: ChunkCache | None = None) -> None:
        self.source, self.convert, self.store_url, self.path = source, convert, store_url, path
        self.dims: list[str] | None = None  # set by the build layer from the stored attributes
        self.dtype: np.dtype = np.dtype(dtype) if dtype is not None else source.dtype
        self.chunks, self.where = source.chunks, source.where  # fixed (a stored array grows along its shape only)
        self._cache = cache if cache is not None else ChunkCache(DEFAULT_CACHE_BYTES)
        self._owner = next(self._cache.owners)
        self._stored: set[tuple[int, ...]] = set()  # chunks this array put in the cache (evicted ones too)
        self._ranged_reads: dict[int, int] = {}
        itemsize = source.dtype.itemsize if source.dtype.kind not in "OT" else 16
        self._chunk_nbytes = max(1, math.prod(source.chunks) * max(1, itemsize)) if source.chunks else itemsize

    @property
    def shape(self) -> tuple[int, ...]:
        return self.source.shape

    @property
    def ndim(self) -> int:
        return len(self.source.shape)

    @property
    def size(self) -> int:
        return math.prod(self.source.shape)

    @property
    def compression(self) -> str | None:
        """The stored codecs (``"zstd"``, ``"blosc/lz4"``, ...) from the metadata; None when raw or unknown."""
        return self.source.compression()

    def _setting(self, name: str) -> Any:
        """A storage setting of the zarr array (None for a v2 object array, read without one)."""
        return getattr(getattr(self.source, "array", None), name, None)

    compressors = property(lambda self: self._setting("compressors"),
                           doc="The zarr array's compressors, as hdmf-zarr's datasets give them (``data.compressors``)")
    filters = property(lambda self: self._setting("filters"), doc="The zarr array's filters")
    fill_value = property(lambda self: self._setting("fill_value"), doc="The zarr array's fill value")
    shards = property(lambda self: self._setting("shards"), doc="The zarr array's shard shape (None: unsharded)")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d LazyArray")
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.shape:
            raise TypeError("iteration over a 0-d LazyArray")
        step = max(1, self.source.chunks[0])
        for start in range(0, self.shape[0], step):
            yield from self[start:start + step]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.read() if dtype is None else self.read().astype(dtype)

    def __repr__(self) -> str:
        return f"LazyArray({self.where!r}, shape={self.shape}, dtype={self.dtype})"

    def read(self) -> np.ndarray:
        """The whole array as numpy."""
        return self[...]

    def to_dask(self, chunks: Any = None) -> Any:
        """A dask array with one block per stored chunk (or shard) unless ``chunks`` says otherwise (picklable:
        graphs run on distributed workers)."""
        da = import_dask_array()
        from dask.base import tokenize

        zarr_array = self.source.array if isinstance(self.source, ZarrChunkSource) else None
        if chunks is None:  # one block per shard when sharded, else per chunk
            chunks = tuple(getattr(zarr_array, "shards", None) or self.chunks) if self.shape else ()
        name = "hdmfzarr-" + tokenize(self.store_url, self.path, self.shape, str(self.dtype), chunks)
        meta = np.empty((0,) * self.ndim, dtype=self.dtype)
        converted = zarr_array is not None and self.convert is not None  # blocks of the zarr array, then converted
        arr = da.from_array(self if zarr_array is None else zarr_array, chunks=chunks, lock=False, fancy=False,
                            asarray=zarr_array is not None, meta=meta, name=f"{name}-stored" if converted else name)
        return arr.map_blocks(self.convert, dtype=self.dtype, meta=meta, name=name) if converted else arr

    def clear_cache(self) -> None:
        """Drop the cached chunks."""
        with self._cache.lock:
            for key in [k for k in self._cache if k[0] == self._owner]:
                del self._cache[key]
            self._stored.clear()

    def _cached(self, coords: tuple[int, ...]) -> np.ndarray | None:
        """A decoded chunk of this array in the cache, else None."""
        if coords not in self._stored:
            return None
        with self._cache.lock:  # indexing, not .get(): one lookup on a hit (rows read one by one)
            try:
                return self._cache[(self._owner, coords)]  # type: ignore[no-any-return]
            except KeyError:
                return None

    def _normalise(self, key: Any) -> tuple[list[Any], list[bool]]:
        """Per-axis selections (slice or int array) and which axes were plain integers."""
        if not isinstance(key, tuple):
            key = (key,)
        i = next((i for i, k in enumerate(key) if k is Ellipsis), None)
        if i is not None:
            key = key[:i] + (slice(None),) * (self.ndim - len(key) + 1) + key[i + 1:]
        if len(key) > self.ndim:
            raise IndexError(f"{self.where}: too many indices ({len(key)}) for {self.ndim}-d array")
        key = key + (slice(None),) * (self.ndim - len(key))
        ints = [isinstance(k, (int, np.integer)) for k in key]
        sels: list[Any] = []
        for k, n in zip(key, self.shape):
            if isinstance(k, (int, np.integer)):
                i = int(k)
                if i < -n or i >= n:
                    raise IndexError(f"{self.where}: index {i} out of range for axis of length {n}")
                sels.append(slice(i % n, i % n + 1))
            elif isinstance(k, slice):
                sels.append(k)
            else:
                arr = np.asarray(k)
                if arr.size == 0:
                    arr = arr.astype(np.int64)
                if arr.dtype == bool:
                    if arr.shape != (n,):
                        raise IndexError(f"{self.where}: boolean index of shape {arr.shape} for axis of {n}")
                    arr = np.flatnonzero(arr)
                elif arr.dtype.kind not in "iu":
                    raise IndexError(f"{self.where}: cannot index with {arr.dtype} values")
                arr = arr.astype(np.int64).ravel()
                if arr.size and (arr.min() < -n or arr.max() >= n):
                    raise IndexError(f"{self.where}: index out of range for axis of length {n}")
                sels.append(np.where(arr < 0, arr + n, arr))
        return sels, ints

    def _cached_1d(self, key: Any) -> Any:
        """A 1-D int or unit-step slice within two cached chunks, else ``_NOT_CACHED``; a small read of an uncached
        raw chunk is one byte range (RANGED_READS_PER_CHUNK times per chunk at most: then it is read whole, cached)."""
        n, c = self.shape[0], max(1, self.source.chunks[0])
        single = isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_))
        if single:  # an int is read as a one-element slice
            i = int(key) + n if key < 0 else int(key)
            if not 0 <= i < n:
                return _NOT_CACHED  # the general path raises the IndexError
            key = slice(i, i + 1)
        if not isinstance(key, slice) or key.step not in (None, 1):
            return _NOT_CACHED
        start, stop, _ = key.indices(n)
        c0, c1 = start // c, (stop - 1) // c
        if stop <= start or c1 > c0 + 1:
            return _NOT_CACHED
        first = self._cached((c0,))
        if first is None:
            reads = self._ranged_reads.get(c0, 0)
            small = c1 == c0 and (stop - start) * RANGED_READS_PER_CHUNK <= c and reads < RANGED_READS_PER_CHUNK
            out = self.source.read_range(c0, start - c0 * c, stop - c0 * c) if small else None
            if out is None:
                return _NOT_CACHED
            self._ranged_reads[c0] = reads + 1
        elif c1 == c0:
            out = first[start - c0 * c:stop - c0 * c].copy()  # never a view of the cache
        else:
            second = self._cached((c1,))
            if second is None:
                return _NOT_CACHED
            out = np.concatenate([first[start - c0 * c:], second[:stop - c1 * c]])
        out = self._finish(out)
        return out[0] if single else out

    def __getitem__(self, key: Any) -> Any:
        if self.ndim == 1:
            got = self._cached_1d(key)
            if got is not _NOT_CACHED:
                return got
        if self.ndim == 0:
            return self._finish(self._fetch_assemble([], []))[()]
        sels, ints = self._normalise(key)
        extents = [_axis_extent(sel, n, max(1, c)) for sel, n, c in zip(sels, self.shape, self.source.chunks)]
        out_shape = [length for length, _ in extents]
        n_chunks = math.prod(count for _, count in extents)
        # absurd shapes (untrusted metadata) or huge selections: refuse before allocating anything
        itemsize = self.dtype.itemsize if self.dtype.kind not in "OT" else 16
        check_read_size(out_shape, itemsize, self.where)
        check_read_chunks(n_chunks, self.where)
        if n_chunks and self._chunk_nbytes > max_read_bytes():
            check_read_size(self.source.chunks, itemsize, self.where, "chunk")
        # zarr reads positive-step selections: multi-chunk slices and reads too big for the cache go uncached
        zarr_ok = all(not isinstance(sel, slice) or sel.step is None or sel.step > 0 for sel in sels)
        basic = zarr_ok and all(isinstance(sel, slice) for sel in sels)
        big = n_chunks * self._chunk_nbytes > self._cache.maxsize // 2
        out = self.source.read(tuple(sels)) if zarr_ok and ((basic and n_chunks > 2) or big) else None
        if out is None:
            plans = [_axis_plan(sel, n, max(1, c)) for sel, n, c in zip(sels, self.shape, self.source.chunks)]
            out = self._fetch_assemble(plans, out_shape)
        out = np.asarray(out)
        if any(ints):  # the trailing Ellipsis keeps a 0-d array (np.asarray of a str_ scalar strips trailing NULs)
            out = out[tuple(0 if i else slice(None) for i in ints) + (Ellipsis,)]
        out = self._finish(out)
        return out[()] if all(ints) and isinstance(out, np.ndarray) and out.ndim == 0 else out

    def _finish(self, out: np.ndarray) -> np.ndarray:
        """``out`` through ``convert``, if any (every caller passes an array, 0-d for a single element)."""
        if self.convert is None:
            return out
        try:
            return self.convert(out)
        except errors.HdmfZarrError:
            raise
        except Exception as exc:  # values that do not decode (bad references, wrong element types)
            raise translate_error(exc, self.where, "decode values") from exc

    def _fetch_assemble(self, plans: list[list[tuple[int, Any, Any]]], out_shape: list[int]) -> np.ndarray:
        combos = list(product(*plans)) if plans else [()]
        coords = [tuple(p[0] for p in combo) for combo in combos]
        have: dict[tuple[int, ...], Any] = {c: self._cached(c) for c in dict.fromkeys(coords)}
        missing = [c for c, block in have.items() if block is None]
        if missing:
            for c, block in zip(missing, self.source.fetch(missing)):
                if block.nbytes <= self._cache.maxsize:
                    with self._cache.lock:
                        self._cache[(self._owner, c)] = block
                        self._stored.add(c)
                have[c] = block
        if not plans:
            return np.asarray(have[()])
        out = np.empty(tuple(out_shape), dtype=have[coords[0]].dtype if coords else self.source.dtype)
        n_arrays = sum(1 for p in plans if p and isinstance(p[0][1], np.ndarray))
        for combo, c in zip(combos, coords):
            if n_arrays <= 1:
                out[tuple(p[1] for p in combo)] = have[c][tuple(p[2] for p in combo)]
            else:  # two or more index arrays: their outer product (np.ix_), slices spelled as ranges
                ix = [[np.arange(i.start, i.stop) if isinstance(i, slice) else i for i in p[1:]] for p in combo]
                out[np.ix_(*(o for o, _ in ix))] = have[c][np.ix_(*(i for _, i in ix))]
        return out


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

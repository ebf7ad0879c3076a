"""Dask integration: lazy datasets and table columns as dask arrays aligned with their storage chunks.

``to_dask(x)`` accepts a lazy array read from a store, a ``Data``/``VectorData`` container, a dask
array or in-memory data. Writing dask arrays needs nothing from here: give a dask array as a dataset's
(or column's) data and ``ZarrIO.write`` stores it block by block through dask (see
``hdmfzarr/backends/zarr/daskio.py``), on whatever scheduler is active (threads, or a
``dask.distributed`` client). dask is an optional extra: ``pip install hdmfzarr[dask]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hdmfzarr.container import Data, is_lazy_array
from hdmfzarr.errors import ContainerError

__all__ = ["to_dask", "is_dask_array", "import_dask_array"]


def import_dask_array() -> Any:
    """``dask.array`` or an ImportError that says how to install it."""
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("dask is required for to_dask() and dask writes: pip install hdmfzarr[dask]") from exc
    return da


def is_dask_array(value: Any) -> bool:
    """True for a ``dask.array.Array`` (checked without importing dask)."""
    return type(value).__module__.startswith("dask.array") and hasattr(value, "dask") and hasattr(value, "chunks")


def to_dask(obj: Any, chunks: Any = None) -> Any:
    """``obj`` as a dask array: a lazy array maps one dask block per stored chunk (or shard); ``chunks``
    overrides the block shape (best a multiple of the stored chunks). Columns with rows not yet written
    get those rows appended as one in-memory block. A ``VectorIndex`` gives its offsets: the values of a
    ragged column are ``column.target.to_dask()``."""
    da = import_dask_array()
    if is_dask_array(obj):
        return obj if chunks is None else obj.rechunk(chunks)
    if isinstance(obj, Data):
        return _data_to_dask(obj, chunks, da)
    if is_lazy_array(obj):
        method = getattr(obj, "to_dask", None)
        if method is None:
            raise ContainerError(f"to_dask: {type(obj).__name__} has no to_dask(); read it into numpy first")
        return method(chunks=chunks)
    arr = np.asarray(obj)
    return da.from_array(arr, chunks=chunks if chunks is not None else "auto")


def _data_to_dask(obj: Data, chunks: Any, da: Any) -> Any:
    raw_base = getattr(obj, "_raw_base", None)
    raw = raw_base() if raw_base is not None else obj.data
    where = f"{type(obj).__name__} {obj.name!r}"
    if type(raw).__name__ == "DataChunkIterator":
        raise ContainerError(f"{where}: data given as a DataChunkIterator cannot become a dask array")
    if raw is None:
        getter = getattr(obj, "get_all", None)
        raw = getter() if getter is not None else np.zeros(0)
    npending = getattr(obj, "_npending", 0)
    if npending and not (is_lazy_array(raw) or is_dask_array(raw)):
        return to_dask(obj.get_all() if hasattr(obj, "get_all") else obj.data, chunks)  # in memory: merge
    base = to_dask(raw, chunks)
    if npending:
        pending = obj._pending_array()  # type: ignore[attr-defined]
        base = da.concatenate([base, da.from_array(pending, chunks=(len(pending),) + pending.shape[1:])])
    return base

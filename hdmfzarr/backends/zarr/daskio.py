"""Dask arrays written to zarr in parallel: rechunked to the zarr chunk (or shard) grid, so every block covers
whole chunks, and stored with ``dask.array.store`` without locks on the active scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ...dataio import import_dask_array
from ...errors import StoreError
from ...progress import SilentBar, progress_bar
from ...spec.dtypes import keep_wider
from .values import TEXT_KINDS, to_text_array

if TYPE_CHECKING:
    from .writer import Target, ZarrWriter

__all__ = ["write_dask"]


@contextlib.contextmanager
def _ticking(bar: Any) -> Iterator[None]:
    """Tick ``bar`` per finished dask task (local schedulers; a distributed client has its own dashboard)."""
    if isinstance(bar, SilentBar):
        yield
        return
    from dask.callbacks import Callback

    def start_state(dsk: Any, state: Any) -> None:
        bar.total = len(state["ready"]) + len(state["waiting"]) + len(state["running"]) + len(state["finished"])
        bar.refresh()

    with Callback(start_state=start_state, posttask=lambda *a: bar.update(1)):
        yield


def _target_dtype(darr: Any, dtype: Any, where: str) -> np.dtype | None:
    """The numpy dtype to store (None: text). Integer spec dtypes are minimums: wider data keeps its width."""
    kind = darr.dtype.kind
    if dtype in TEXT_KINDS or (dtype in (None, "numeric") and kind in "OUT"):
        return None
    if dtype in (None, "numeric"):
        if kind not in "biuf":
            raise StoreError(f"{where}: cannot store a dask array of dtype {darr.dtype}; give the dataset a dtype")
        return darr.dtype
    unsupported = f"{where}: dask arrays can be written for numeric and text datasets, not dtype {dtype!r}"
    if not isinstance(dtype, str):
        raise StoreError(unsupported)
    try:
        target = np.dtype(dtype)
    except TypeError as exc:
        raise StoreError(unsupported) from exc
    if kind in "iuf" and target.kind in "iuf":
        target = keep_wider(target, darr.dtype)  # spec dtypes are minimums: wider data keeps its width
    return target


def write_dask(writer: ZarrWriter, t: Target, darr: Any, dtype: Any) -> None:
    """Create the array of the new dataset ``t`` for dask array ``darr`` and store it block by block through dask."""
    da = import_dask_array()
    where = t.where
    if any(np.isnan(s) for s in darr.shape):
        raise StoreError(f"{where}: the dask array has unknown chunk sizes; call compute_chunk_sizes() first")
    shape = tuple(int(s) for s in darr.shape)
    np_dtype = _target_dtype(darr, dtype, where)
    if np_dtype is None:  # text
        zdtype: Any = str
        dtype_attrs = writer.conv.encode_dtype(dtype if dtype in TEXT_KINDS else "text")
        itemsize = 16
        darr = darr.map_blocks(lambda b: to_text_array(b).astype(object), dtype=object)
    else:
        zdtype = np_dtype
        dtype_attrs = writer.conv.encode_dtype(np_dtype.name)
        itemsize = np_dtype.itemsize
        if darr.dtype != np_dtype:
            darr = darr.astype(np_dtype)
    chunks = writer.chunks_for(shape, itemsize, t.dio)
    with writer.array_write(t.path, "write dask array"):
        zarr_arr = writer.create_array(t, shape, zdtype, chunks, dtype_attrs)
        grid = tuple(zarr_arr.shards or chunks)
        if shape and all(shape):
            aligned = darr.rechunk(grid)
            with progress_bar(None, f"storing /{t.path}", unit="task") as bar, _ticking(bar):
                da.store(aligned, zarr_arr, lock=False, compute=True)
        elif not shape:
            zarr_arr[...] = np.asarray(darr.compute())

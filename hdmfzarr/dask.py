"""Dask integration (an optional extra): lazy datasets and table columns as dask arrays aligned with their storage
chunks. (Writing a dask array given as data is ``backends/zarr/daskio.py``'s.)"""

from __future__ import annotations

from typing import Any

import numpy as np

from hdmfzarr.dataio import is_lazy_array
from hdmfzarr import errors

__all__ = ["to_dask", "is_dask_array", "import_dask_array"]


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

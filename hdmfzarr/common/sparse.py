"""``CSRMatrix``: a compressed sparse row matrix stored as data / indices / indptr plus a shape."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from hdmfzarr.container import Container, is_lazy_array
from hdmfzarr.errors import ContainerError, import_extra

__all__ = ["CSRMatrix"]


def _as_uint(value: Any, what: str, where: str) -> Any:
    """``indices``/``indptr`` as the schema's unsigned integers (same item size, as hdmf converts them);
    a stored array is kept as it is."""
    if is_lazy_array(value):
        return value
    arr = np.asarray(value)
    if arr.dtype.kind == "u":
        return arr
    if arr.dtype.kind != "i" or (arr.size and arr.min() < 0):
        raise ContainerError(f"{where}: cannot convert {what!r} to an array of unsigned integers "
                             f"(got {'negative values' if arr.dtype.kind == 'i' else f'dtype {arr.dtype}'})")
    return arr.astype(f"u{arr.dtype.itemsize}")


class CSRMatrix(Container):
    """A CSR matrix. Give ``data, indices, indptr, shape``; or a dense 2-d array; or a scipy sparse matrix."""

    data_type: ClassVar[str] = "CSRMatrix"
    field_names: ClassVar[tuple[str, ...]] = ("shape", "data", "indices", "indptr")

    def __init__(self, data: Any, indices: Any = None, indptr: Any = None,
                 shape: tuple[int, int] | list[int] | np.ndarray | None = None, name: str = "csr_matrix") -> None:
        super().__init__(name)
        where = f"CSRMatrix {name!r}"
        if type(data).__module__.startswith("scipy.sparse") and hasattr(data, "tocsr"):
            csr = data.tocsr()
            data, indices, indptr, shape = csr.data, csr.indices, csr.indptr, csr.shape
        elif indices is None and indptr is None:
            dense = np.asarray(data)
            if dense.ndim != 2:
                raise ContainerError(f"{where}: without indices/indptr, data must be a dense 2-d array, "
                                     f"got {dense.ndim}-d")
            rows, indices = np.nonzero(dense)  # made unsigned below, as given indices are
            data, shape = dense[rows, indices], dense.shape
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=dense.shape[0]))])
        if indices is None or indptr is None or shape is None:
            raise ContainerError(f"{where}: give data, indices, indptr and shape together (or a dense/scipy matrix)")
        shape_t = tuple(int(s) for s in np.asarray(shape).tolist())
        if len(shape_t) != 2 or min(shape_t) < 0:
            raise ContainerError(f"{where}: shape must be two non-negative ints, got {shape!r}")
        self.shape = shape_t
        self.data = data if is_lazy_array(data) else np.asarray(data)
        self.indices = _as_uint(indices, "indices", where)
        self.indptr = _as_uint(indptr, "indptr", where)
        if any(is_lazy_array(x) for x in (data, indices, indptr)):
            return
        nrows, ncols = shape_t
        if self.indptr.ndim != 1 or len(self.indptr) != nrows + 1:
            raise ContainerError(f"{where}: indptr must have shape[0] + 1 = {nrows + 1} entries, "
                                 f"got {len(self.indptr)}")
        if len(self.indices) != len(self.data):
            raise ContainerError(f"{where}: indices and data must have the same length, got {len(self.indices)} "
                                 f"and {len(self.data)}")
        ptr = self.indptr.astype(np.int64)
        if len(ptr) and (ptr[0] != 0 or ptr[-1] != len(self.data) or np.any(np.diff(ptr) < 0)):
            raise ContainerError(f"{where}: indptr must start at 0, be non-decreasing and end at "
                                 f"len(data) = {len(self.data)}")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= ncols):
            raise ContainerError(f"{where}: column indices must be in [0, {ncols})")

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.asarray(x[:] if is_lazy_array(x) else x) for x in (self.data, self.indices, self.indptr))

    def to_spmat(self) -> Any:
        """A ``scipy.sparse.csr_matrix`` (needs scipy)."""
        sparse = import_extra("scipy.sparse", "scipy", "sparse matrix conversion")
        data, indices, indptr = self._arrays()
        return sparse.csr_matrix((data, indices, indptr), shape=self.shape)

    def to_dense(self) -> np.ndarray:
        """The matrix as a dense numpy array (no scipy needed)."""
        data, indices, indptr = self._arrays()
        out = np.zeros(self.shape, dtype=data.dtype)
        counts: np.ndarray = np.diff(indptr.astype(np.int64))
        out[np.repeat(np.arange(self.shape[0]), counts), indices.astype(np.int64)] = data
        return out

    def __repr__(self) -> str:
        return f"<CSRMatrix {self.name!r} shape={self.shape} nnz={len(self.data)}>"

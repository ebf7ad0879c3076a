"""Shared fixtures for the hdmf-common container tests: a lazy array that counts its reads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hdmfzarr.dataio import StoredArray


class CountingLazyArray(StoredArray):
    """Stands in for a store-backed array (a StoredArray, as the backends' arrays are): shape/dtype/len/getitem/
    __array__, recording each read."""

    def __init__(self, data: Any) -> None:
        self._data = np.asarray(data) if not isinstance(data, np.ndarray) else data
        self.reads: list[Any] = []
        self.store_url = self.path = self.dims = None  # StoredArray's attributes: not from a store

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, np.ndarray):
            self.reads.append(("array", tuple(key.tolist())))
        else:
            self.reads.append(key)
        return self._data[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        self.reads.append("__array__")
        return np.asarray(self._data, dtype=dtype)


@pytest.fixture
def lazy() -> type[CountingLazyArray]:
    return CountingLazyArray


@pytest.fixture
def three_rows() -> Any:
    """A factory of a small in-memory table: ints 'foo' 1..3 and text 'baz' cat/dog/bird (ids 0..2)."""
    from hdmfzarr.common import DynamicTable

    def make(name: str = "target") -> DynamicTable:
        t = DynamicTable(name=name, description="d")
        t.add_column("foo", "ints")
        t.add_column("baz", "text")
        for i, s in enumerate(["cat", "dog", "bird"]):
            t.add_row(foo=i + 1, baz=s)
        return t

    return make

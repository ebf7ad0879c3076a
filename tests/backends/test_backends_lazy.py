"""Lazy reading: metadata-only open, chunk-selective fetches, the chunk cache, indexing semantics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from hdmfzarr.backends.zarr import LazyArray, ZarrIO, lazy
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import DataIO


@pytest.fixture
def open_counting(test_helpers: Any) -> Callable[[Path], tuple[ZarrIO, Any]]:
    """Opens a ZarrIO whose store counts every read from the very first one."""
    from hdmfzarr.backends.zarr.store import StoreHandle

    def open_(path: Path) -> tuple[ZarrIO, Any]:
        original = StoreHandle._open_store
        made: list[Any] = []

        def wrapped(self, storage_options):
            made.append(test_helpers.CountingStore(original(self, storage_options)))
            return made[-1]

        StoreHandle._open_store = wrapped
        try:
            io = ZarrIO(path)
        finally:
            StoreHandle._open_store = original
        return io, made[0]

    return open_


@pytest.fixture
def chunked_store(tmp_path: Path) -> Path:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("x", DataIO(np.arange(1000, dtype="int64"), chunks=(100,))))
    root.set_dataset(DatasetBuilder("m", DataIO(np.arange(600.0).reshape(60, 10), chunks=(10, 5))))
    root.set_dataset(DatasetBuilder("t", DataIO(np.array([f"s{i}" for i in range(50)], dtype=object), chunks=(10,)),
                                    dtype="text"))
    root.set_dataset(DatasetBuilder("scalar", 7))
    for fmt in (3, 2):
        with ZarrIO(tmp_path / f"s{fmt}.zarr", "w", zarr_format=fmt) as io:
            io.write_builder(root)
    return tmp_path


@pytest.mark.parametrize("fmt", [3, 2])
def test_open_reads_only_consolidated_metadata_and_scalars(chunked_store: Path, fmt: int, open_counting) -> None:
    io, counting = open_counting(chunked_store / f"s{fmt}.zarr")
    with io:
        root = io.read_builder()
        # one concurrent probe of the root documents, no per-node metadata requests
        root_keys = ("zarr.json", ".zmetadata", ".zgroup")
        meta = [k for k in counting.keys if k in root_keys]
        assert sorted(meta) == sorted(set(meta))
        assert not [k for k in counting.keys if k.endswith(("/zarr.json", "/.zarray", "/.zattrs"))]
        data_keys = [k for k in counting.keys if k not in root_keys]
        assert all(k.startswith("scalar/") for k in data_keys), data_keys
        assert data_keys == []  # scalars are read on first use
        assert isinstance(root["x"].data, LazyArray)
        assert root["scalar"].data == 7


@pytest.mark.parametrize("fmt", [3, 2])
def test_selection_fetches_only_needed_chunks_and_caches(chunked_store: Path, fmt: int, open_counting) -> None:
    io, counting = open_counting(chunked_store / f"s{fmt}.zarr")
    with io:
        x = io.read_builder()["x"].data
        counting.keys.clear()
        assert x[250] == 250
        assert len(counting.keys) == 1
        counting.keys.clear()
        assert x[[5, 251, 999]].tolist() == [5, 251, 999]
        assert len(counting.keys) == 2  # chunk 2 is cached, chunks 0 and 9 fetched
        counting.keys.clear()
        assert x[200:300].tolist() == list(range(200, 300))
        assert counting.keys == []  # all cached
        t = io.read_builder()["t"].data
        assert t[12] == "s12" and t[[0, 49]].tolist() == ["s0", "s49"]
        assert t.dtype == np.dtype(object)


@pytest.mark.parametrize("fmt", [3, 2])
def test_rows_one_by_one_from_cached_chunks(chunked_store: Path, fmt: int, open_counting) -> None:
    """Ints and unit-step slices inside cached chunks (ragged rows read one by one) take a short path that
    gives what the general one gives, never a view a caller could change the cache through."""
    io, counting = open_counting(chunked_store / f"s{fmt}.zarr")
    with io:
        x = io.read_builder()["x"].data
        assert x[150] == 150 and x[-1] == 999  # chunks 1 and 9 fetched
        assert x[299] == 299 and x[200:300].tolist() == list(range(200, 300))  # chunk 2 fetched
        counting.keys.clear()
        got = x[195:205]  # across cached chunks 1 and 2
        assert got.tolist() == list(range(195, 205)) and got.dtype == np.int64
        got[:] = -1
        assert x[150:160].tolist() == list(range(150, 160)) and x[195:205].tolist() == list(range(195, 205))
        assert x[np.int64(-850)] == 150 and isinstance(x[151], np.integer) and x[160:160].tolist() == []
        assert counting.keys == []  # nothing fetched again
        with pytest.raises(IndexError):
            x[1000]
        t = io.read_builder()["t"].data
        assert t[11] == "s11"
        assert t[12] == "s12" and isinstance(t[12], str) and t[10:13].tolist() == ["s10", "s11", "s12"]


def test_shape_dtype_len_array_protocol(chunked_store: Path) -> None:
    with ZarrIO(chunked_store / "s3.zarr") as io:
        m = io.read_builder()["m"].data
        assert m.shape == (60, 10) and m.ndim == 2 and len(m) == 60 and m.dtype == np.float64
        full = np.asarray(m)
        np.testing.assert_array_equal(full, np.arange(600.0).reshape(60, 10))
        np.testing.assert_array_equal(m.read(), full)
        assert list(iter(io.read_builder()["x"].data))[:3] == [0, 1, 2]


EXPECTED = np.arange(600.0).reshape(60, 10)


def _axis_index(size: int):
    return st.one_of(
        st.integers(-size, size - 1),
        st.builds(slice, st.one_of(st.none(), st.integers(-size - 3, size + 3)),
                  st.one_of(st.none(), st.integers(-size - 3, size + 3)),
                  st.one_of(st.none(), st.integers(1, 7), st.integers(-7, -1))),
        st.lists(st.integers(0, size - 1), min_size=0, max_size=8).map(lambda v: np.array(v, dtype=np.int64)),
    )


@settings(max_examples=120, deadline=None)
@given(i=_axis_index(60), j=_axis_index(10))
def test_indexing_matches_numpy_orthogonal(tmp_path_factory, i, j) -> None:
    path = tmp_path_factory.getbasetemp() / "hyp.zarr"
    if not path.exists():
        root = GroupBuilder("root")
        root.set_dataset(DatasetBuilder("m", DataIO(EXPECTED, chunks=(7, 3))))
        with ZarrIO(path, "w") as io:
            io.write_builder(root)
    with ZarrIO(path) as io:
        m = io.read_builder()["m"].data
        got = m[i, j]
        want = EXPECTED[np.ix_(*[np.arange(60)[i] if not isinstance(i, int) else [i],
                                 np.arange(10)[j] if not isinstance(j, int) else [j]])]
        if isinstance(i, int):
            want = want[0]
        if isinstance(j, int):
            want = want[..., 0]
        np.testing.assert_array_equal(np.asarray(got), want)


def test_boolean_and_negative_indexing(chunked_store: Path) -> None:
    with ZarrIO(chunked_store / "s3.zarr") as io:
        x = io.read_builder()["x"].data
        mask = np.zeros(1000, dtype=bool)
        mask[[3, 500, 998]] = True
        assert x[mask].tolist() == [3, 500, 998]
        assert x[-1] == 999 and x[[-1, -2]].tolist() == [999, 998]
        with pytest.raises(IndexError, match="out of range"):
            x[1000]
        with pytest.raises(IndexError, match="too many"):
            x[1, 2]


def test_large_read_bypasses_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("big", DataIO(np.arange(200_000, dtype="float64"), chunks=(10_000,))))
    with ZarrIO(tmp_path / "b.zarr", "w") as io:
        io.write_builder(root)
    monkeypatch.setattr(lazy, "STORE_CACHE_BYTES", 200_000)  # a tiny cache: a whole read must not go through it
    with ZarrIO(tmp_path / "b.zarr") as io:
        big = io.read_builder()["big"].data
        cache = big._cache  # the store's shared chunk cache
        assert big[:].sum() == np.arange(200_000).sum()
        assert cache.currsize <= 200_000 and cache.maxsize == 200_000
        assert big[15_000] == 15_000
        assert len(cache) == 1


def test_lru_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("v", DataIO(np.arange(10_000, dtype="int64"), chunks=(1000,))))
    with ZarrIO(tmp_path / "l.zarr", "w") as io:
        io.write_builder(root)
    monkeypatch.setattr(lazy, "STORE_CACHE_BYTES", 3 * 8000)
    with ZarrIO(tmp_path / "l.zarr") as io:
        v = io.read_builder()["v"].data
        cache, owner = v._cache, v._owner  # the store's shared chunk cache
        for k in range(10):
            assert v[k * 1000] == k * 1000
        assert len(cache) == 3 and cache.currsize <= 3 * 8000
        assert v[7000] == 7000  # the oldest of the three is used again: the LRU drops chunk 8 next
        assert v[0] == 0
        assert sorted(cache) == [(owner, (0,)), (owner, (7,)), (owner, (9,))]


def test_lazy_arrays_of_one_store_share_one_cache_budget(tmp_path, monkeypatch):
    """Reading many columns keeps at most the store's cache budget of decoded chunks in memory."""
    from hdmfzarr.backends.zarr import ZarrIO
    from hdmfzarr.backends.zarr.lazy import STORE_CACHE_BYTES
    from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
    from hdmfzarr.dataio import DataIO

    root = GroupBuilder("root")
    for i in range(4):
        root.set_dataset(DatasetBuilder(f"c{i}", data=DataIO(np.full(100_000, i, dtype="f8"), chunks=(10_000,)),
                                        dtype="float64"))
    with ZarrIO(tmp_path / "many.zarr", "w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "many.zarr") as io:
        assert io.read_builder()["c0"].data._cache.maxsize == STORE_CACHE_BYTES
    monkeypatch.setattr(lazy, "STORE_CACHE_BYTES", 3 * 80_000)  # room for three decoded chunks of 10,000 float64
    with ZarrIO(tmp_path / "many.zarr") as io:
        back = io.read_builder()
        arrays = [back[f"c{i}"].data for i in range(4)]
        shared = arrays[0]._cache
        assert all(a._cache is shared for a in arrays)
        for i, a in enumerate(arrays):
            assert a[5] == i and a[15_000] == i  # two chunks each, eight in all
        assert shared.currsize <= shared.maxsize and len(shared) == 3
        arrays[3].clear_cache()
        assert all(k[0] != arrays[3]._owner for k in shared)
        assert arrays[3][5] == 3  # still readable after its chunks were dropped

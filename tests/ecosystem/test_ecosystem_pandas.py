"""pandas: ``to_dataframe`` on lazy tables reads each column in bulk and concurrently; slices read only their chunks."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zarr.storage import LocalStore

from hdmfzarr import DataIO, ZarrIO
from hdmfzarr.common import dataframe
from hdmfzarr.common import DynamicTable, ElementIdentifiers, VectorData, VectorIndex

N = 10_000
CHUNK = 500


def _table() -> DynamicTable:
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 6, N)
    values = VectorData(name="values", description="ragged values",
                        data=DataIO(rng.random(int(lengths.sum())), chunks=(CHUNK,)))
    columns = [
        VectorData(name="x", description="floats", data=DataIO(rng.random(N), chunks=(CHUNK,))),
        VectorData(name="k", description="ints", data=DataIO(rng.integers(0, 9, N), chunks=(CHUNK,))),
        VectorData(name="s", description="text", data=DataIO(np.array([f"s{i % 7}" for i in range(N)], dtype=object),
                                                               chunks=(CHUNK,))),
        values,
        VectorIndex(name="values_index", data=DataIO(np.cumsum(lengths).astype(np.uint32), chunks=(CHUNK,)),
                    target=values),
    ]
    return DynamicTable(name="t", description="a table", columns=columns,
                        id=ElementIdentifiers(name="id", data=DataIO(np.arange(N), chunks=(CHUNK,))))


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, DynamicTable]:
    table = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    return path, table


def _assert_frames_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns) and list(got.index) == list(want.index)
    for c in ("x", "k", "s"):
        assert list(got[c]) == list(want[c]), c
    assert all(np.array_equal(a, b) for a, b in zip(got["values"], want["values"]))


def test_ecosystem_pandas_lazy_to_dataframe_matches_memory(store) -> None:
    path, table = store
    with ZarrIO(path) as io:
        got = io.read().to_dataframe()
    _assert_frames_equal(got, table.to_dataframe())
    assert got.index.name == "id" and got["values"].iloc[3].dtype == np.float64


def test_ecosystem_pandas_slice_fetches_only_its_chunks(store, fetch_log) -> None:
    path, table = store
    with ZarrIO(path) as io:
        lazy = io.read()
        fetch_log.clear()
        frame = lazy.get(slice(1000, 1400), df=True)
    _assert_frames_equal(frame, table.get(slice(1000, 1400), df=True))
    for array in ("id", "x", "k", "s"):
        assert fetch_log.chunks(array) == [f"{array}/c/2"], (array, fetch_log.chunks(array))
    assert sorted(fetch_log.chunks("values_index")) == ["values_index/c/1", "values_index/c/2"]  # row 999's end too
    offs = np.asarray(table["values"].get_offsets(slice(None)), dtype=np.int64)
    first, last = int(offs[999]) // CHUNK, (int(offs[1399]) - 1) // CHUNK
    want = [f"values/c/{c}" for c in range(first, last + 1)]
    assert sorted(fetch_log.chunks("values"), key=lambda k: int(k.rsplit("/", 1)[1])) == want
    assert len(want) < len(table["values"].target) // CHUNK // 4  # a small part of the value chunks


def test_ecosystem_pandas_rows_by_index_fetch_only_their_chunks(store, fetch_log) -> None:
    path, table = store
    with ZarrIO(path) as io:
        lazy = io.read()
        fetch_log.clear()
        frame = lazy.get([5, 9000], df=True)
    assert list(frame.index) == [5, 9000]
    assert sorted(fetch_log.chunks("x")) == ["x/c/0", "x/c/18"]


def test_ecosystem_pandas_columns_are_read_concurrently(store, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a 50 ms latency on every chunk read, reading 5 arrays one after another would take >= 0.25 s
    per round; the columns' reads overlap instead."""
    path, _ = store
    inflight = {"now": 0, "max": 0}
    original = LocalStore.get

    async def slow_get(self, key, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "/c/" not in key:
            return await original(self, key, *args, **kwargs)
        inflight["now"] += 1
        inflight["max"] = max(inflight["max"], inflight["now"])
        try:
            await asyncio.sleep(0.05)
            return await original(self, key, *args, **kwargs)
        finally:
            inflight["now"] -= 1

    original_sync = LocalStore.get_sync  # a chunk or two of a local array is read in the calling thread
    lock = threading.Lock()

    def slow_get_sync(self, key, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "/c/" not in key:
            return original_sync(self, key, *args, **kwargs)
        with lock:
            inflight["now"] += 1
            inflight["max"] = max(inflight["max"], inflight["now"])
        try:
            time.sleep(0.05)
            return original_sync(self, key, *args, **kwargs)
        finally:
            with lock:
                inflight["now"] -= 1

    def timed_read() -> float:
        with ZarrIO(path) as io:
            lazy = io.read()
            t0 = time.perf_counter()
            frame = lazy.get(slice(0, 100), df=True)  # one chunk per array: any overlap is between columns
            elapsed = time.perf_counter() - t0
        assert len(frame) == 100
        return elapsed

    timed_read()  # warm up (first-use imports and caches) before timing
    monkeypatch.setattr(LocalStore, "get", slow_get)
    monkeypatch.setattr(LocalStore, "get_sync", slow_get_sync)
    concurrent = min(timed_read() for _ in range(3))
    assert inflight["max"] >= 3, inflight
    monkeypatch.setattr(dataframe, "MAX_READ_THREADS", 1)
    inflight["max"] = 0
    sequential = min(timed_read() for _ in range(2))  # 6 arrays (id, x, k, s, offsets, values) in turn
    assert inflight["max"] == 1 and sequential >= 6 * 0.05
    assert concurrent < sequential, (concurrent, sequential)


def test_ecosystem_pandas_region_column_resolved_once(tmp_path: Path) -> None:
    target = DynamicTable(name="electrodes", description="e")
    target.add_column("loc", "location", data=["a", "b", "c"])
    units = DynamicTable(name="units", description="u")
    units.add_column("el", "electrode", data=[2, 0, 1, 2], table=target)
    units.add_column("el2", "electrode again", data=[0, 0, 1, 1], table=target)
    frame = units.to_dataframe()
    assert [f["loc"].iloc[0] for f in frame["el"]] == ["c", "a", "b", "c"]
    assert list(units.to_dataframe(index=True)["el2"]) == [0, 0, 1, 1]


@pytest.mark.slow
@pytest.mark.s3
def test_ecosystem_pandas_remote_to_dataframe(store, s3_server, s3_bucket, fetch_log) -> None:
    _, table = store
    url = s3_server.url(s3_bucket, "t.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(table)
    with ZarrIO(url, storage_options=s3_server.storage_options) as io:
        lazy = io.read()
        fetch_log.clear()
        _assert_frames_equal(lazy.to_dataframe(), table.to_dataframe())
        whole = len(fetch_log.chunks())
        fetch_log.clear()
        part = lazy.get(slice(0, 10), df=True)
    assert len(part) == 10 and len(fetch_log.chunks("x")) == 1 and whole >= 5 * (N // CHUNK)

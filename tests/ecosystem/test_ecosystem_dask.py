"""Dask: lazy datasets/columns as chunk-aligned dask arrays; dask arrays written in parallel (threads and a cluster)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

dask = pytest.importorskip("dask")  # the dask extra (in the test extra)
da = pytest.importorskip("dask.array")

from hdmfzarr import DataIO, StoreError, ZarrIO
from hdmfzarr.common import DynamicTable, SimpleMultiContainer, VectorData
from hdmfzarr.container import Data
from hdmfzarr.dataio import is_dask_array, to_dask

N = 10_000
CHUNK = 1000


def _write(path, container, **kw) -> None:
    with ZarrIO(path, "w", **kw) as io:
        io.write(container)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    x = rng.random(N)
    matrix = rng.integers(0, 100, (300, 40)).astype(np.int16)
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "floats", data=DataIO(x, chunks=(CHUNK,)))
    table.add_column("s", "text", data=DataIO(np.array([f"r{i}" for i in range(N)], dtype=object), chunks=(CHUNK,)))
    root = SimpleMultiContainer(name="root", containers=[table, Data(name="m", data=DataIO(matrix, chunks=(100, 16)))])
    path = tmp_path / "s.zarr"
    _write(path, root)
    return path, x, matrix


def test_ecosystem_dask_lazy_column_blocks_follow_chunks(stored, fetch_log) -> None:
    path, x, _ = stored
    with ZarrIO(path) as io:
        table = io.read().containers["t"]
        d = table["x"].to_dask()
        assert is_dask_array(d) and d.chunks == ((CHUNK,) * (N // CHUNK),) and d.dtype == np.float64
        fetch_log.clear()
        block = d.blocks[3].compute()
        assert fetch_log.chunks("t/x") == ["t/x/c/3"]
        np.testing.assert_array_equal(block, x[3 * CHUNK:4 * CHUNK])
        np.testing.assert_allclose(d.sum().compute(), x.sum())
        s = to_dask(table["s"])
        assert s.dtype == object and list(s[998:1001].compute()) == ["r998", "r999", "r1000"]


def test_ecosystem_dask_2d_dataset_and_custom_blocks(stored) -> None:
    path, _, matrix = stored
    with ZarrIO(path) as io:
        m = io.read().containers["m"]
        d = m.to_dask()
        assert d.chunksize == (100, 16) and d.numblocks == (3, 3)
        np.testing.assert_array_equal(d.compute(), matrix)
        coarse = to_dask(m.data, chunks=(200, 32))
        assert coarse.chunks == ((200, 100), (32, 8))
        np.testing.assert_array_equal(coarse.compute(), matrix)


def test_ecosystem_dask_pending_rows_are_appended(stored) -> None:
    path, x, _ = stored
    with ZarrIO(path) as io:
        table = io.read().containers["t"]
        table.add_row(x=0.5, s="new")
        d = table["x"].to_dask()
        assert d.shape == (N + 1,) and float(d[-1].compute()) == 0.5
        np.testing.assert_array_equal(d[:N].compute(), x)


def test_ecosystem_dask_in_memory_data() -> None:
    col = VectorData(name="v", description="d", data=[1, 2, 3])
    col.append(4)
    assert list(col.to_dask().compute()) == [1, 2, 3, 4]
    assert to_dask(np.arange(5), chunks=2).chunks == ((2, 2, 1),)


def _counting_blocks(n: int, chunk: int, calls: list, lock: threading.Lock):
    def make(block_info=None):
        (start, stop), = block_info[None]["array-location"]
        with lock:
            calls.append(start)
        return np.arange(start, stop, dtype=np.float64)

    return da.map_blocks(make, chunks=((chunk,) * (n // chunk),), dtype=np.float64, meta=np.empty(0))


def test_ecosystem_dask_write_stores_each_block_once(tmp_path: Path) -> None:
    calls: list[int] = []
    lazy_data = _counting_blocks(N, CHUNK, calls, threading.Lock())
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "from dask", data=DataIO(lazy_data, chunks=(2 * CHUNK,)))
    assert calls == []  # building the table computed nothing
    path = tmp_path / "w.zarr"
    with dask.config.set(scheduler="threads"):
        _write(path, table)
    assert sorted(calls) == list(range(0, N, CHUNK))  # every block computed exactly once
    with ZarrIO(path) as io:
        col = io.read()["x"]
        assert col.data.chunks == (2 * CHUNK,)
        np.testing.assert_array_equal(col.data[:], np.arange(N, dtype=np.float64))


def test_ecosystem_dask_write_text_and_spec_dtype(tmp_path: Path) -> None:
    words = da.from_array(np.array([f"w{i}" for i in range(50)], dtype=object), chunks=10)
    ints = da.arange(50, chunks=7, dtype=np.int64)
    table = DynamicTable(name="t", description="d")
    table.add_column("w", "words", data=words)
    table.add_column("i", "ints", data=ints)
    path = tmp_path / "t.zarr"
    _write(path, table)
    with ZarrIO(path) as io:
        got = io.read()
        assert list(got["w"][:3]) == ["w0", "w1", "w2"] and got["i"].data.dtype == np.int64
        np.testing.assert_array_equal(got["i"][:], np.arange(50))
    _write(tmp_path / "v2.zarr", table, zarr_format=2)
    with ZarrIO(tmp_path / "v2.zarr") as io:
        assert list(io.read()["w"][47:]) == ["w47", "w48", "w49"]


def test_ecosystem_dask_write_unknown_chunks_is_an_error(tmp_path: Path) -> None:
    x = da.arange(20, chunks=5)
    unknown = x[x > 3]  # nan chunk sizes
    root = SimpleMultiContainer(name="root", containers=[Data(name="x", data=unknown)])
    with pytest.raises(StoreError, match=r"/x: the dask array has unknown chunk sizes"):
        _write(tmp_path / "u.zarr", root)


@pytest.mark.s3
@pytest.mark.slow
def test_ecosystem_dask_distributed_cluster_writes_to_s3(s3_server, s3_bucket) -> None:
    """Two worker processes compute and store the blocks straight into the S3 store."""
    distributed = pytest.importorskip("distributed")

    def pid_block(block_info=None):
        (start, stop), = block_info[None]["array-location"]
        return np.full(stop - start, float(os.getpid()))

    url = s3_server.url(s3_bucket, "cluster.zarr")
    n = 40 * CHUNK
    cluster_kw = {"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    with distributed.LocalCluster(**cluster_kw) as cluster, distributed.Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        data = da.map_blocks(pid_block, chunks=((CHUNK,) * 40,), dtype=np.float64, meta=np.empty(0))
        table = DynamicTable(name="t", description="written by a cluster")
        table.add_column("pid", "pid of the worker that computed the block", data=DataIO(data, chunks=(CHUNK,)))
        table.add_column("x", "plain", data=da.arange(n, chunks=4 * CHUNK, dtype=np.float64))
        _write(url, table, storage_options=s3_server.storage_options)
    with ZarrIO(url, storage_options=s3_server.storage_options) as io:
        got = io.read()
        pids = set(np.unique(got["pid"][:]).astype(int).tolist())
        np.testing.assert_array_equal(got["x"][:], np.arange(n, dtype=np.float64))
    assert len(worker_pids) == 2 and pids <= worker_pids and os.getpid() not in pids


def test_ecosystem_dask_write_sharded_and_read_back_by_shard(tmp_path: Path) -> None:
    x = da.random.default_rng(3).random(4000, chunks=300)
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "sharded", data=DataIO(x, chunks=(100,), shards=(800,)))
    path = tmp_path / "sh.zarr"
    _write(path, table)
    want = x.compute()
    with ZarrIO(path) as io:
        col = io.read()["x"]
        np.testing.assert_array_equal(col.data[:], want)
        d = col.to_dask()
        assert d.chunks == ((800,) * 5,)  # one dask block per shard
        np.testing.assert_array_equal(d.compute(), want)

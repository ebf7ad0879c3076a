"""Data.append / Data.extend on a dataset read from a store buffer rows and append them incrementally."""

import os

import numpy as np
import pytest

import hdmfzarr
from hdmfzarr.common import Data, SimpleMultiContainer
from hdmfzarr.dataio import DataIO
from hdmfzarr.errors import RefusedRowsError, StoreError


def test_data_extend_on_stored_dataset_appends_without_rewriting_full_chunks(tmp_path):
    path = tmp_path / "ts.zarr"
    root = SimpleMultiContainer(name="root", containers=[Data(name="ts", data=DataIO(np.arange(10.0), chunks=(4,)))])
    with hdmfzarr.ZarrIO(str(path), mode="w") as io:
        io.write(root)
    full_chunk = path / "ts" / "c" / "0"
    before = (full_chunk.read_bytes(), os.stat(full_chunk).st_mtime_ns)

    with hdmfzarr.ZarrIO(str(path), mode="a") as io:
        ts = io.read()["ts"]
        ts.extend(np.arange(10.0, 15.0))
        ts.append(15.0)

    assert (full_chunk.read_bytes(), os.stat(full_chunk).st_mtime_ns) == before
    with hdmfzarr.ZarrIO(str(path)) as io:
        np.testing.assert_array_equal(np.asarray(io.read()["ts"].data), np.arange(16.0))


def _float_and_table_store(path):
    from hdmfzarr.common import DynamicTable

    table = DynamicTable(name="t", description="d")
    table.add_column("x", "x", dtype="float64")
    for k in range(3):
        table.add_row(x=float(k))
    root = SimpleMultiContainer(name="root", containers=[Data(name="ts", data=np.arange(4.0)), table])
    with hdmfzarr.ZarrIO(str(path), mode="w") as io:
        io.write(root)


def test_rows_refused_by_the_append_are_dropped_and_the_next_write_succeeds(tmp_path):
    """A row the store cannot hold (text into float data) is refused with nothing written; it and the other rows
    of that write leave the tree (it holds the stored rows again), so the next write stores only later rows."""
    path = tmp_path / "r.zarr"
    _float_and_table_store(path)
    with hdmfzarr.ZarrIO(str(path), mode="a") as io:
        root = io.read()
        ts, table = root["ts"], root["t"]
        ts.append("x")
        table.add_row(x=3.0)
        with pytest.raises(RefusedRowsError, match=r"/ts: cannot store <U1 values in the float64.*dropped"):
            io.write(root)
        assert len(ts) == 4 and len(table) == 3 and len(table["x"]) == 3 and io.pending_appends() == 0
        np.testing.assert_array_equal(np.asarray(ts.data), np.arange(4.0))
        ts.append(4.0)
        table.add_row(x=5.0)
    with hdmfzarr.ZarrIO(str(path)) as io:
        root = io.read()
        np.testing.assert_array_equal(np.asarray(root["ts"].data), np.arange(5.0))
        assert root["t"]["x"].get_all().tolist() == [0.0, 1.0, 2.0, 5.0]


def test_a_row_refused_when_the_with_block_ends_is_not_kept(tmp_path):
    path = tmp_path / "r.zarr"
    _float_and_table_store(path)
    with pytest.raises(StoreError, match="cannot store"):
        with hdmfzarr.ZarrIO(str(path), mode="a") as io:
            ts = io.read()["ts"]
            ts.append("x")
    assert len(ts) == 4 and ts.data.pending_rows is None  # the refused row is gone; the stored rows remain
    with hdmfzarr.ZarrIO(str(path)) as io:
        np.testing.assert_array_equal(np.asarray(io.read()["ts"].data), np.arange(4.0))


def test_rows_refused_with_new_objects_are_dropped_and_the_objects_written_next(tmp_path):
    """A write of new objects that also appends rows the store refuses commits nothing and drops those rows; the
    objects stay in the tree, and the next write stores them."""
    path = tmp_path / "r.zarr"
    _float_and_table_store(path)
    with hdmfzarr.ZarrIO(str(path), mode="a") as io:
        root = io.read()
        root["t"].add_column("extra", "added after reading", data=[1, 2, 3])
        root["ts"].append("x")
        with pytest.raises(RefusedRowsError, match="dropped"):
            io.write(root)
        assert len(root["ts"]) == 4
        io.write(root)
    with hdmfzarr.ZarrIO(str(path)) as io:
        root = io.read()
        assert root["t"]["extra"].get_all().tolist() == [1, 2, 3]
        np.testing.assert_array_equal(np.asarray(root["ts"].data), np.arange(4.0))

"""Appending rows to tables and datasets read from a store (modes 'a' and 'r+'), locally and on S3."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.appendable import AppendableArray
from hdmfzarr.backends.zarr.append import AppendSession, append_tree, wrap_growable
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.common import CSRMatrix, DynamicTable, SimpleMultiContainer
from hdmfzarr.dataio import DataIO
from hdmfzarr.errors import StoreError


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("mode", ["a", "r+"])
def test_add_row_and_extend_persist_only_new_rows(tmp_path: Path, support, fmt: int, mode: str) -> None:
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(support.make_table(10))
    with ZarrIO(path, mode) as io:
        t = io.read()
        rows = support.worker.rows_for(10, 1)
        t.add_row(id=10, i=30, f=5.0, s="row 10", r=list(rows["r"][0]), dr=rows["dr"][0])
        t.extend(support.worker.rows_for(11, 289))  # offsets outgrow the uint8 indexes: widened
        assert io.pending_appends() > 0
        io.write(t)
        assert io.pending_appends() == 0
        assert support.check_table(t) == 300  # the in-memory table now reads the grown arrays
        t.extend(support.worker.rows_for(300, 5))  # written when the with block is left
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 305


def test_untouched_chunks_keep_bytes_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "c.zarr"
    t = DynamicTable(name="t", description="d", id=DataIO(np.arange(95), chunks=(10,)))
    t.add_column("x", "x", data=DataIO(np.arange(95.0), chunks=(10,)))
    with ZarrIO(path, "w") as io:
        io.write(t)
    chunk_dir = path / "x" / "c"
    before = {n: ((chunk_dir / n).read_bytes(), os.stat(chunk_dir / n).st_mtime_ns) for n in os.listdir(chunk_dir)}
    assert sorted(before, key=int) == [str(k) for k in range(10)]
    with ZarrIO(path, "a") as io:
        t = io.read()
        t.extend({"x": np.arange(30.0) + 1000})
        io.write(t)
    after = {n: ((chunk_dir / n).read_bytes(), os.stat(chunk_dir / n).st_mtime_ns) for n in os.listdir(chunk_dir)}
    assert sorted(after, key=int) == [str(k) for k in range(13)]
    for k in range(9):  # full chunks: neither rewritten nor touched
        assert after[str(k)] == before[str(k)]
    assert after["9"][0] != before["9"][0]  # the last partial chunk is the only one rewritten
    with ZarrIO(path) as io:
        x = io.read().get_column("x").get_all()
        assert x.tolist() == list(np.arange(95.0)) + list(np.arange(30.0) + 1000)


def test_region_column_and_consolidated_metadata(tmp_path: Path) -> None:
    import zarr

    path = tmp_path / "reg.zarr"
    target = DynamicTable(name="target", description="rows pointed at")
    target.add_column("v", "v", dtype="int64")
    for k in range(4):
        target.add_row(v=k * 10)
    events = DynamicTable(name="events", description="events")
    events.add_column("where", "region", table=target)
    events.add_column("w", "ragged region", table=target, index=True)
    events.add_row(where=1, w=[0, 1])
    with ZarrIO(path, "w") as io:
        io.write(SimpleMultiContainer(name="root", containers=[target, events]))
    with ZarrIO(path, "a") as io:
        root = io.read()
        ev = root.containers["events"]
        ev.add_row(where=3, w=[2, 3, 1])
        ev.extend({"where": [0, 2], "w": [[], [3]]})
        io.write(root)
    cons = json.loads((path / "zarr.json").read_text())["consolidated_metadata"]["metadata"]
    assert cons["events/where"]["shape"] == [4] and cons["events/id"]["shape"] == [4]
    assert cons["events/w"]["shape"] == [6] and cons["events/w_index"]["shape"] == [4]
    g = zarr.open_consolidated(str(path))
    assert g["events/where"][:].tolist() == [1, 3, 0, 2]
    with ZarrIO(path) as io:
        ev = io.read().containers["events"]
        assert ev.get_column("where").get_all().tolist() == [1, 3, 0, 2]
        assert [x.tolist() for x in ev.get_column("w").get_all()] == [[0, 1], [2, 3, 1], [], [3]]
        assert ev.get_column("where").table.name == "target"


def test_hdmf_zarr_reads_appended_store(tmp_path: Path, support) -> None:
    hdmf_zarr = pytest.importorskip("hdmf_zarr")
    from hdmf.common import get_manager

    path = tmp_path / "peer.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(10))
    for start, n in ((10, 7), (17, 300)):  # the second append widens the uint8 indexes
        with ZarrIO(path, "a") as io:
            t = io.read()
            t.extend(support.worker.rows_for(start, n))
    index_meta = json.loads((path / "r_index" / "zarr.json").read_text())
    assert index_meta["data_type"] == "uint32" and index_meta["chunk_key_encoding"]["name"] == "v2"
    assert index_meta["attributes"]["_DTYPE"] == "uint32"
    with hdmf_zarr.ZarrIO(str(path), mode="r", manager=get_manager()) as io:
        t = io.read()
        df = t.to_dataframe()
        assert len(df) == 317 and df["i"].tolist() == [3 * k for k in range(317)]
        assert df["s"].tolist()[-1] == "row 316" and list(df["r"].iloc[-3]) == [314.0, 314.0]
        assert [list(map(list, x)) for x in df["dr"].iloc[-2:]] == support.worker.rows_for(315, 2)["dr"]


def test_csr_datasets_grow_through_appendable_arrays(tmp_path: Path) -> None:
    path = tmp_path / "csr.zarr"
    with ZarrIO(path, "w") as io:
        io.write(CSRMatrix(data=[1.0, 2.0], indices=[0, 2], indptr=[0, 1, 2], shape=(2, 3), name="m"))
    with ZarrIO(path, "a") as io:
        m = io.read()
        assert isinstance(m.data, AppendableArray)
        m.data.extend([3.0, 4.0])
        m.indices.extend([1, 2])
        m.indptr.append(4)
        assert len(m.data) == 4 and m.data[1:4].tolist() == [2.0, 3.0, 4.0] and m.data[-1] == 4.0
        io.write(m)
        assert m.data.pending_rows is None and len(m.data.stored) == 4
    with ZarrIO(path) as io:
        m = io.read()
        assert np.asarray(m.data[:]).tolist() == [1.0, 2.0, 3.0, 4.0]
        assert np.asarray(m.indptr[:]).tolist() == [0, 1, 2, 4]


@pytest.mark.parametrize("fmt", [3, 2])
def test_two_dimensional_dataset_and_timestamps(tmp_path: Path, fmt: int) -> None:
    path = tmp_path / "ts.zarr"
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("data", DataIO(np.zeros((5, 3), "int16"), maxshape=(None, 3))))
    root.set_dataset(DatasetBuilder("timestamps", np.arange(5.0)))
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write_builder(root)
    with ZarrIO(path, "a") as io:
        b = io.read_builder()
        assert b["data"].data.chunks[0] > 5  # maxshape=(None, 3): chunked for growth
        wrap_growable(b)
        b["data"].data.extend(np.ones((4, 3), "int16"))
        b["timestamps"].data.extend(np.arange(5.0, 9.0))
        with pytest.raises(StoreError,
                           match=r"data: each appended row must have shape \(3,\), got rows of shape \(4,\)$"):
            b["data"].data.extend(np.ones((2, 4), "int16"))
        with pytest.raises(StoreError, match=r"each appended row must have shape \(3,\), got rows of shape \(1, 3\)$"):
            b["data"].data.append([[1, 2, 3]])  # one row given as a batch of one
        assert append_tree(io.handle, b)[0] == 2
    with ZarrIO(path) as io:
        b = io.read_builder()
        assert b["data"].data[:].tolist() == [[0] * 3] * 5 + [[1] * 3] * 4
        assert b["timestamps"].data[:].tolist() == list(np.arange(9.0))


def test_bad_appends_name_the_dataset(tmp_path: Path) -> None:
    path = tmp_path / "bad.zarr"
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("counts", np.arange(4, dtype="int16")))
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    with ZarrIO(path, "a") as io:
        b = io.read_builder()
        wrap_growable(b)
        with pytest.raises(StoreError, match="counts.*float"):
            b["counts"].data.extend([1.5])
        with pytest.raises(StoreError,
                           match=r"counts: each appended row must have shape \(\), got rows of shape \(2,\)$"):
            b["counts"].data.extend([[1, 2]])
        with pytest.raises(StoreError, match="counts: .* got a single value, not a sequence of rows$"):
            b["counts"].data.extend(5)
        assert b["counts"].data.pending_rows is None
        b["counts"].data.extend([70000])  # does not fit int16: the array is rewritten wider
        append_tree(io.handle, b)
    with ZarrIO(path) as io:
        d = io.read_builder()["counts"]
        # the narrowest integer of at least 32 bits holding int16 and 70000 (spec.dtypes.widened)
        assert d.data[:].tolist() == [0, 1, 2, 3, 70000] and d.dtype == "int32"


def test_second_writer_is_detected(tmp_path: Path, support) -> None:
    path = tmp_path / "two.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(3))
    with ZarrIO(path, "a") as first, ZarrIO(path, "a") as second:
        t1, t2 = first.read(), second.read()
        t1.extend(support.worker.rows_for(3, 2))
        first.write(t1)
        t2.extend(support.worker.rows_for(3, 2))
        with pytest.raises(StoreError, match="another writer"):
            second.write(t2)
        second._root_container = None  # do not retry on exit
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 5


def test_new_objects_fall_back_to_a_full_write(tmp_path: Path, support) -> None:
    path = tmp_path / "full.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(3))
    with ZarrIO(path, "a") as io:
        t = io.read()
        t.add_column("extra", "added after reading", data=[1, 2, 3])
        io.write(t)
    with ZarrIO(path) as io:
        t = io.read()
        assert t.get_column("extra").get_all().tolist() == [1, 2, 3] and support.check_table(t) == 3


def test_killed_before_commit_walking_reader_bounds_by_id(tmp_path: Path, support, monkeypatch) -> None:
    """Columns grown but ``id`` and the commit never written (a kill): consolidated readers see the
    committed rows; a reader without consolidated metadata bounds every column by len(id)."""
    path = tmp_path / "k.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(10))
    real_plan = AppendSession._plan

    def plan(self, job):  # the "kill": id's new rows and the commit are never written
        if job.path == "id":
            raise KeyboardInterrupt
        return real_plan(self, job)

    with ZarrIO(path, "a") as io:
        t = io.read()
        t.extend(support.worker.rows_for(10, 4))
        jobs_paths = []
        real_commit = AppendSession.commit

        def commit(self, jobs):
            jobs_paths.extend(j.path for j in jobs)
            real_commit(self, [j for j in jobs if j.path != "id"])
            raise KeyboardInterrupt

        monkeypatch.setattr(AppendSession, "commit", commit)
        def no_commit_document(self, rebase=False):  # the single place it is written
            raise KeyboardInterrupt

        monkeypatch.setattr(AppendSession, "_write_commit_document", no_commit_document)
        with pytest.raises(KeyboardInterrupt):
            io.write(t)
        io._root_container = None
    monkeypatch.undo()
    assert "id" in jobs_paths
    assert json.loads((path / "i" / "zarr.json").read_text())["shape"] == [14]  # grown, uncommitted
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 10
    root = json.loads((path / "zarr.json").read_text())
    root.pop("consolidated_metadata")
    (path / "zarr.json").write_text(json.dumps(root))
    with ZarrIO(path) as io:  # walked: every column bounded by len(id) = 10
        assert support.check_table(io.read()) == 10


@pytest.mark.s3
def test_append_on_s3(s3_server, s3_bucket, support) -> None:
    url = s3_server.url(s3_bucket, "app.zarr")
    opts = s3_server.storage_options
    with ZarrIO(url, "w", storage_options=opts) as io:
        io.write(support.make_table(10))
    with ZarrIO(url, "a", storage_options=opts) as io:
        t = io.read()
        t.extend(support.worker.rows_for(10, 40))
        io.write(t)
        t.add_row(id=50, i=150, f=25.0, s="row 50", r=[50.0, 50.0], dr=[[50]])
    with ZarrIO(url, "r", storage_options=opts) as io:
        assert support.check_table(io.read()) == 51


_READ_013 = """
import sys
from hdmf.common import get_manager
from hdmf_zarr import ZarrIO
with ZarrIO(sys.argv[1], mode="r", manager=get_manager()) as io:
    t = io.read()
    df = t.to_dataframe()
    print(len(df), df["i"].iloc[-1], df["s"].iloc[-1], [float(x) for x in df["r"].iloc[-3]], len(t["r"].target.data))
"""


def test_hdmf_zarr_013_reads_appended_format2_store(tmp_path: Path, support, venv013_python: Path) -> None:
    import subprocess

    python = venv013_python
    path = tmp_path / "v2.zarr"
    with ZarrIO(path, "w", zarr_format=2) as io:
        io.write(support.make_table(10))
    for start, n in ((10, 7), (17, 300)):
        with ZarrIO(path, "a") as io:
            t = io.read()
            t.extend(support.worker.rows_for(start, n))
    assert json.loads((path / "r_index" / ".zattrs").read_text())["zarr_dtype"] == "uint32"
    assert json.loads((path / "r_index" / ".zarray").read_text())["dtype"] == "<u4"
    done = subprocess.run([str(python), "-c", _READ_013, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    n_flat = sum(k % 3 for k in range(317))
    assert done.stdout.split("\n")[-2] == f"317 948 row 316 [314.0, 314.0] {n_flat}"


def test_pipeline_starts_from_an_empty_table(tmp_path: Path, support) -> None:
    path = tmp_path / "empty.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(0))
    meta = json.loads((path / "i" / "zarr.json").read_text())
    assert meta["shape"] == [0] and meta["data_type"] == "int64"
    assert meta["chunk_grid"]["configuration"]["chunk_shape"][0] >= 65536  # chunked for growth, not 1 row
    for start, n in ((0, 20), (20, 25), (45, 5)):
        with ZarrIO(path, "a") as io:
            t = io.read()
            t.extend(support.worker.rows_for(start, n))
    assert os.listdir(path / "i" / "c") == ["0"]  # 50 rows, one chunk
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 50


def test_aligned_table_appends(tmp_path: Path) -> None:
    from hdmfzarr.common import AlignedDynamicTable

    cat = DynamicTable(name="cat", description="category")
    cat.add_column("x", "x", dtype="float64")
    table = AlignedDynamicTable(name="al", description="aligned", category_tables=[cat])
    table.add_column("m", "main", dtype="int64")
    table.add_row(m=1, cat=dict(x=0.5))
    with ZarrIO(tmp_path / "al.zarr", "w") as io:
        io.write(table)
    with ZarrIO(tmp_path / "al.zarr", "a") as io:
        table = io.read()
        table.add_row(m=2, cat=dict(x=1.5))
        table.add_row(m=3, cat=dict(x=2.5))
        io.write(table)
    with ZarrIO(tmp_path / "al.zarr") as io:
        table = io.read()
        assert table.get_column("m").get_all().tolist() == [1, 2, 3]
        assert table.get_category("cat").get_column("x").get_all().tolist() == [0.5, 1.5, 2.5]
        assert len(table.get_category("cat").id) == 3


def test_writing_a_child_of_the_read_tree_appends(tmp_path: Path) -> None:
    target = DynamicTable(name="target", description="t")
    target.add_column("v", "v", dtype="int64")
    target.add_row(v=1)
    other = DynamicTable(name="other", description="o")
    other.add_column("w", "w", dtype="float64")
    other.add_row(w=0.5)
    with ZarrIO(tmp_path / "m.zarr", "w") as io:
        io.write(SimpleMultiContainer(name="root", containers=[target, other]))
    with ZarrIO(tmp_path / "m.zarr", "a") as io:
        root = io.read()
        tab = root.containers["target"]
        tab.add_row(v=2)
        io.write(tab)  # the table, not the root: still an append, the store keeps both tables
    with ZarrIO(tmp_path / "m.zarr") as io:
        root = io.read()
        assert root.containers["target"].get_column("v").get_all().tolist() == [1, 2]
        assert root.containers["other"].get_column("w").get_all().tolist() == [0.5]


def test_replaced_data_is_written_in_full(tmp_path: Path) -> None:
    """``Data.extend`` on a Data read from a store replaces its AppendableArray by a numpy copy: the
    write notices and rewrites the store instead of silently dropping the new elements."""
    path = tmp_path / "csr2.zarr"
    with ZarrIO(path, "w") as io:
        io.write(CSRMatrix(data=[1.0, 2.0], indices=[0, 2], indptr=[0, 1, 2], shape=(2, 3), name="m"))
    with ZarrIO(path, "a") as io:
        m = io.read()
        m.data = np.concatenate([np.asarray(m.data[:]), [3.0]])
        m.indices.append(1)
        m.indptr = [0, 1, 3]
        io.write(m)
    with ZarrIO(path) as io:
        m = io.read()
        assert np.asarray(m.data[:]).tolist() == [1.0, 2.0, 3.0]
        assert np.asarray(m.indices[:]).tolist() == [0, 2, 1]
        assert np.asarray(m.indptr[:]).tolist() == [0, 1, 3]


@pytest.mark.parametrize("fmt", [3, 2])
def test_an_edited_field_is_written_not_dropped_by_an_append(tmp_path: Path, support, fmt: int) -> None:
    """A field changed on an object read in mode 'a' (a description, a new child in a field of many) is not an
    append: the write persists it with the appended rows. Before, the write took the append path and the change
    was silently lost. An untouched tree, or one whose lazily read fields were read since, still appends."""
    path = tmp_path / "edit.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(support.make_table(3))
    with ZarrIO(path, "a") as io:
        t = io.read()
        assert io._is_append_only(t)
        t.extend(support.worker.rows_for(3, 1))
        assert io._is_append_only(t)  # rows only
        t.description = "edited after reading"
        assert not io._is_append_only(t)
        io.write(t)
    with ZarrIO(path) as io:
        t = io.read()
        assert t.description == "edited after reading" and support.check_table(t) == 4

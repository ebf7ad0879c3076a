"""Rows added to a column of object references read from a store are appended in place (the references encoded
as the writer stores them: paths in Zarr format 3, JSON cells in format 2)."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable, VectorData
from hdmfzarr.errors import BuildError, ContainerError


def _add_rows(support, path: Path, n: int, mode: str = "a") -> None:
    worker = support.worker
    with ZarrIO(path, mode) as io:
        root = io.read()
        table, targets = root["refs"], [root[f"target{j}"] for j in range(worker.N_TARGETS)]
        for k in range(len(table), len(table) + n):
            table.add_row(obj=targets[k % worker.N_TARGETS], s=f"row {k}")
        assert [t.name for t in table["obj"].data[-n:]] == [f"target{k % 3}" for k in range(len(table) - n, len(table))]


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("mode", ["a", "r+"])
def test_rows_with_references_are_appended(tmp_path: Path, support, fmt: int, mode: str) -> None:
    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(support.worker.make_ref_root(5))
    for n in (4, 1, 7):  # past a chunk border, inside one, across several
        _add_rows(support, path, n, mode)
    with ZarrIO(path) as io:
        assert support.check_refs(io.read()) == 17
    meta = json.loads((path / "refs" / "obj" / ("zarr.json" if fmt == 3 else ".zarray")).read_text())
    assert meta["shape"] == [17]
    if fmt == 2:
        assert [f["id"] for f in meta["filters"]] == ["json2"]  # still JSON cells, as hdmf-zarr 0.13 reads them


def test_a_row_referring_to_an_object_not_in_the_store_is_refused(tmp_path: Path, support) -> None:
    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.worker.make_ref_root(2))
    refused = "'elsewhere', which is neither in the store read nor in the tree written"
    with pytest.raises(BuildError, match=refused), ZarrIO(path, "a") as io:
        io.read()["refs"].add_row(obj=DynamicTable(name="elsewhere", description="not stored"), s="row 2")
    with ZarrIO(path) as io:
        assert support.check_refs(io.read()) == 2


@pytest.mark.slow
def test_hdmf_zarr_reads_appended_references(tmp_path: Path, support) -> None:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO as PeerIO

    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.worker.make_ref_root(3))
    _add_rows(support, path, 5)
    with PeerIO(str(path), mode="r", manager=get_manager()) as io:
        table = io.read()["refs"]
        assert [t.name for t in table["obj"].data[:]] == [f"target{k % 3}" for k in range(8)]
        assert list(table["s"].data[:]) == [f"row {k}" for k in range(8)]


def _compound_store(path: Path, fmt: int) -> None:
    records = np.array([(0, "a"), (1, "bb")], dtype=[("idx", "i4"), ("label", "U10")])
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(DynamicTable(name="t", description="d",
                              columns=[VectorData(name="rec", description="r", data=records)]))
    for k, label in ((2, "c"), (3, "a longer label than stored")):  # then wider than the stored text field
        with ZarrIO(path, "a") as io:
            io.read().add_row(rec=(k, label))


EXPECTED = [(0, "a"), (1, "bb"), (2, "c"), (3, "a longer label than stored")]


@pytest.mark.parametrize("fmt", [3, 2])
def test_rows_of_a_compound_column_are_appended(tmp_path: Path, fmt: int) -> None:
    path = tmp_path / "c.zarr"
    _compound_store(path, fmt)
    with ZarrIO(path) as io:
        assert [tuple(r) for r in io.read()["rec"].data[:].tolist()] == EXPECTED


@pytest.mark.slow
def test_hdmf_zarr_reads_appended_compounds(tmp_path: Path, venv013_python: Path) -> None:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO as PeerIO

    _compound_store(tmp_path / "c3.zarr", 3)
    with PeerIO(str(tmp_path / "c3.zarr"), mode="r", manager=get_manager()) as io:
        assert [tuple(r) for r in io.read()["rec"].data[:].tolist()] == EXPECTED
    _compound_store(tmp_path / "c2.zarr", 2)
    script = ("import sys; from hdmf.common import get_manager; from hdmf_zarr import ZarrIO\n"
              "with ZarrIO(sys.argv[1], mode='r', manager=get_manager()) as io:\n"
              "    print([tuple(r) for r in io.read()['rec'].data[:].tolist()])")
    done = subprocess.run([str(venv013_python), "-c", script, str(tmp_path / "c2.zarr")], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == repr(EXPECTED)


@pytest.mark.parametrize("fmt", [3, 2])
def test_a_field_of_a_compound_column_reads_alike_with_rows_pending(tmp_path: Path, fmt: int) -> None:
    """``col.data[:]['field']`` gives the field's values while rows are buffered too (it gave an object array)."""
    path = tmp_path / "c.zarr"
    records = np.array([(0, "a"), (1, "bb")], dtype=[("idx", "i4"), ("label", "U10")])
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        rec = VectorData(name="rec", description="r", data=records)
        io.write(DynamicTable(name="t", description="d", columns=[rec]))
    with ZarrIO(path, "a") as io:
        table = io.read()
        stored = table["rec"].data[:]
        assert stored["idx"].tolist() == [0, 1] and stored["label"].tolist() == ["a", "bb"]
        table.add_row(rec=(2, "c"))
        data = table["rec"].data
        for read in (data[:], data[1:], data[[0, 2]], table["rec"].get_all()):
            assert read.dtype.names == stored.dtype.names  # records, as the stored part reads
        assert data[:]["idx"].tolist() == [0, 1, 2] and data[:]["label"].tolist() == ["a", "bb", "c"]
        assert data[1:]["idx"].tolist() == [1, 2] and data[2]["label"] == "c"
    with ZarrIO(path) as io:
        assert io.read()["rec"].data[:]["idx"].tolist() == [0, 1, 2]


def _epochs_store(tmp_path: Path) -> tuple[Path, Any]:
    """A pynwb + hdmf-zarr NWB store with one epoch referring to a series, and NWBZarrIO (skips without pynwb)."""
    import datetime as dt

    pynwb = pytest.importorskip("pynwb")
    from hdmf_zarr.nwb import NWBZarrIO

    path = tmp_path / "epochs.nwb.zarr"
    nwb = pynwb.NWBFile("desc", "id1", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    nwb.add_acquisition(pynwb.TimeSeries(name="ts1", data=np.arange(5.0), unit="m", timestamps=np.arange(5.0) / 10))
    nwb.add_epoch(start_time=0.0, stop_time=1.0, timeseries=[nwb.acquisition["ts1"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), "w") as io:
            io.write(nwb)
    return path, NWBZarrIO


def test_a_field_of_a_reference_compound_reads_alike_with_rows_pending(tmp_path: Path) -> None:
    """pynwb's epochs ``timeseries`` (records holding a reference): ``data[:]['idx_start']`` is a numpy array of the
    field, and rows stay named tuples, while a new row is buffered too (the buffered read gave an object array)."""
    path, NWBZarrIO = _epochs_store(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ZarrIO(path, "a") as io:
            nwb = io.read()
            col = nwb.epochs["timeseries"].target
            stored = col.data[:]
            nwb.epochs.add_row(start_time=2.0, stop_time=3.0, timeseries=[(2, 3, nwb.acquisition["ts1"])])
            for rows in (col.data[:], col.data[1:], col.data[[0, 1]]):
                assert type(rows) is type(stored) and rows[-1].timeseries.name == "ts1"
                assert rows["idx_start"].dtype == stored["idx_start"].dtype
            assert col.data[:]["idx_start"].tolist() == [0, 2] and col.data[:]["count"].tolist() == [5, 3]
            assert [ts.name for ts in col.data[:]["timeseries"]] == ["ts1", "ts1"]
        with NWBZarrIO(str(path), "r") as io:
            assert io.read().epochs["timeseries"].target.data[:]["idx_start"].tolist() == [0, 2]


def test_a_reference_compound_row_out_of_its_field_range_is_refused(tmp_path: Path) -> None:
    """An epoch row whose ``idx_start`` does not fit the stored int32 field is refused by ``add_row`` naming the
    column (a bare OverflowError before), nothing buffered or written; the next row is appended."""
    path, NWBZarrIO = _epochs_store(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
        with ZarrIO(path, "a") as io:
            nwb = io.read()
            with pytest.raises(ContainerError, match=r"timeseries.*does not fit.*out of bounds for int32"):
                nwb.epochs.add_row(start_time=2.0, stop_time=3.0, timeseries=[(2**40, 3, nwb.acquisition["ts1"])])
            io.write(nwb)
            assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
            nwb.epochs.add_row(start_time=4.0, stop_time=5.0, timeseries=[(1, 2, nwb.acquisition["ts1"])])
        with NWBZarrIO(str(path), "r") as io:
            epochs = io.read().epochs
            assert epochs["start_time"].data[:].tolist() == [0.0, 4.0]
            assert epochs["timeseries"].target.data[:]["idx_start"].tolist() == [0, 1]


@pytest.mark.parametrize("level", ["builder", "container"])
@pytest.mark.parametrize("fmt", [3, 2])
def test_an_append_the_encoder_refuses_drops_every_buffered_row(tmp_path: Path, fmt: int, level: str) -> None:
    """Rows that bypassed ``add_row`` (2**40 in the int32 ``idx_start`` of an epoch's ``timeseries``), put in the
    stored array (builder level: the encoder refuses them; format 2 stored the JSON number) or in the column's data
    (container level: staging them raised a bare OverflowError), raise a RefusedRowsError with nothing written;
    every row buffered for that write is dropped, the tree holds the stored rows, the next write stores only
    later rows."""
    from hdmfzarr.build.builders import ReferenceBuilder
    from hdmfzarr.errors import RefusedRowsError

    path, _ = _epochs_store(tmp_path)
    if fmt == 2:
        with ZarrIO(path) as src, ZarrIO(tmp_path / "v2.zarr", "w", zarr_format=2) as dst:
            dst.export(src)
        path = tmp_path / "v2.zarr"
    before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ZarrIO(path, "a") as io:
            nwb = io.read()
            epochs, ts = nwb.epochs, nwb.acquisition["ts1"]
            tree = io.read_builder()
            records = tree["intervals"]["epochs"]["timeseries"].raw_data  # the stored array under the column
            bad = np.empty(1, dtype=object)
            if level == "builder":
                bad[0] = (2**40, 2, ReferenceBuilder(tree["acquisition"]["ts1"]))
                records.extend(bad)
                refused = r"compound rows do not fit the fields \[\('idx_start', 'int32'\)"
            else:
                bad[0] = (2**40, 2, ts)
                epochs["timeseries"].target.data.extend(bad)
                refused = r"new row 0 does not fit the stored fields"
            for column, value in ((epochs["start_time"], 2.0), (epochs["stop_time"], 3.0), (epochs.id, 1),
                                  (epochs["timeseries"], 2), (ts, 5.0)):
                column.data.append(value)
            with pytest.raises(RefusedRowsError, match=rf"/intervals/epochs/timeseries.*: {refused}.*out of bounds "
                                                       r"for int32; nothing was written.*dropped"):
                io.write(nwb)
            assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
            assert io.pending_appends() == 0 and records.rows.count == 0
            assert len(epochs) == 1 and len(epochs["timeseries"].target) == 1 and len(ts.data) == 5
            assert epochs["timeseries"].target.data[:]["idx_start"].tolist() == [0]
            epochs.add_row(start_time=4.0, stop_time=5.0, timeseries=[(1, 2, ts)])
            io.write(nwb)
        with ZarrIO(path) as io:
            nwb = io.read()
            assert nwb.epochs["start_time"].data[:].tolist() == [0.0, 4.0] and nwb.epochs.id.data[:].tolist() == [0, 1]
            assert nwb.epochs["timeseries"].target.data[:]["idx_start"].tolist() == [0, 1]
            assert nwb.epochs["timeseries"].data[:].tolist() == [1, 2] and len(nwb.acquisition["ts1"].data) == 5

"""Issue 12, writing back: ``ZarrIO(src).read()`` then ``ZarrIO(dst, "w").write(root)`` on a store pynwb and
hdmf-zarr 0.14 wrote gives a self-contained copy that pynwb reads equal to the original (every object,
object id and field), in Zarr format 3 (hdmf-zarr 0.14) and 2 (hdmf-zarr 0.14's and 0.13's readers)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hdmfzarr import ZarrIO

pytestmark = [pytest.mark.compat, pytest.mark.slow]


def _differences(want: dict, got: dict) -> list[str]:
    out = []
    for path in sorted(set(want) | set(got)):
        if want.get(path) != got.get(path):
            out.append(f"{path}: {json.dumps(want.get(path))[:300]}\n    -> {json.dumps(got.get(path))[:300]}")
    return out


def _write_back(src: Path, dst: Path, link_data: bool = False, **kwargs) -> None:
    with ZarrIO(src) as r:
        root = r.read()
        with ZarrIO(dst, mode="w", **kwargs) as w:
            w.write(root, link_data=link_data)


def _links_leaving(store: Path) -> list:
    found = []
    for meta in list(store.rglob("zarr.json")) + list(store.rglob(".zattrs")):
        attrs = json.loads(meta.read_text())
        attrs = attrs.get("attributes", {}) if meta.name == "zarr.json" else attrs
        found += [lk for key in ("_LINKS", "zarr_link") for lk in attrs.get(key, []) if lk.get("source") != "."]
    return found


def test_writeback_format3_reads_equal_in_pynwb(nwb_store: Path, pynwb_reads, tmp_path: Path) -> None:
    dst = tmp_path / "copy.zarr"
    _write_back(nwb_store, dst)
    assert _links_leaving(dst) == []  # everything the copy holds is inside it
    want, got = pynwb_reads(nwb_store), pynwb_reads(dst)
    assert "/units/spike_times" in want and "/epochs/timeseries" in want  # the file holds what we test
    assert _differences(want, got) == []
    with ZarrIO(dst) as io:  # and our own reader accepts the copy
        assert io.read().name == "root"
    meta = json.loads((dst / "zarr.json").read_text())["attributes"]
    assert meta["neurodata_type"] == "NWBFile" and "data_type" not in meta
    region = json.loads((dst / "acquisition/ElectricalSeries/electrodes/zarr.json").read_text())
    assert region["attributes"]["neurodata_type"] == "DynamicTableRegion"  # hdmf-common types too, as pynwb
    assert region["data_type"] == "int64"  # as stored, not the spec's int32
    linked = json.loads((dst / "acquisition/ts_linked/zarr.json").read_text())["attributes"]["_LINKS"]
    assert linked == [{"source": ".", "path": "/acquisition/ts1/timestamps", "name": "timestamps"}]


def test_writeback_format2_reads_equal_in_hdmf_zarr_013(nwb_store: Path, pynwb_reads, venv013_python: Path,
                                                         tmp_path: Path) -> None:
    """Items 12-14: the format-2 copy opens in hdmf-zarr 0.13 + pynwb equal to the original (epochs'
    TimeSeriesReferenceVectorData included: its records are JSON object cells, no pickle), text arrays
    have fill value 0 as 0.13 writes them (hdmf-zarr 0.14's format-2 reader fails on "" in file_create_date),
    and our reader gives the records back with their containers."""
    dst = tmp_path / "copy2.zarr"
    _write_back(nwb_store, dst, zarr_format=2)
    assert _links_leaving(dst) == []
    zarray = json.loads((dst / "intervals/epochs/timeseries/.zarray").read_text())
    assert zarray["dtype"] == "|O" and [f["id"] for f in zarray["filters"]] == ["json2"]  # never pickle
    assert json.loads((dst / "file_create_date/.zarray").read_text())["fill_value"] == 0
    want = pynwb_reads(nwb_store)
    got = pynwb_reads(dst, python=venv013_python)
    assert _differences(want, got) == []
    with ZarrIO(dst) as io:
        nwbfile = io.read()
        assert len(nwbfile.file_create_date) == 1
        column = next(c for c in nwbfile.all_children() if type(c).__name__ == "TimeSeriesReferenceVectorData")
        rows = list(column.data[:])
        assert [(r[0], r[1], r[2].name) for r in rows] == [(0, 5, "ts1"), (0, 30000, "ElectricalSeries"),
                                                            (5, 0, "ts1")]


#: the arrays of the big mock file that link_data=True links (1 MiB or more); everything else is copied
BIG = [("data", "/acquisition/big/data"), ("id", "/processing/behavior/bigtable/id"),
       ("timestamps", "/acquisition/big/timestamps"), ("x", "/processing/behavior/bigtable/x")]


def test_link_data_copy_reads_equal_in_pynwb_and_links_only_big_arrays(nwb_store_big: Path, pynwb_reads,
                                                                       tmp_path: Path) -> None:
    """A link_data=True copy: arrays of 1 MiB or more are links into the source (a series' data and timestamps,
    a table's column and ids), smaller ones copied (pynwb's NWBFile mapper reads file_create_date and
    session_start_time as datasets: as links it failed), and pynwb reads the copy equal to the source."""
    dst = tmp_path / "linked.zarr"
    _write_back(nwb_store_big, dst, link_data=True)
    leaving = _links_leaving(dst)
    assert sorted((lk["name"], lk["path"]) for lk in leaving) == BIG
    assert {lk["source"] for lk in leaving} == {os.path.relpath(nwb_store_big, dst)}
    for name in ("file_create_date", "session_start_time", "units/spike_times", "acquisition/ts1/data"):
        assert json.loads((dst / name / "zarr.json").read_text())["node_type"] == "array"  # stored, not linked
    want, got = pynwb_reads(nwb_store_big), pynwb_reads(dst)
    assert "/big" in want and "/behavior/bigtable/x" in want  # (objects by their path in pynwb's tree)
    assert _differences(want, got) == []


def test_link_data_copy_format2_reads_equal_in_hdmf_zarr_013(nwb_store_big: Path, pynwb_reads, venv013_python: Path,
                                                             tmp_path: Path) -> None:
    """The same in Zarr format 2 (a format-2 copy linking into a format-2 copy of the source): hdmf-zarr 0.13
    + pynwb read it equal to the source, following the big arrays' links."""
    src, dst = tmp_path / "src2.zarr", tmp_path / "linked2.zarr"
    _write_back(nwb_store_big, src, zarr_format=2)
    _write_back(src, dst, link_data=True, zarr_format=2)
    leaving = _links_leaving(dst)
    assert sorted((lk["name"], lk["path"]) for lk in leaving) == BIG and {lk["source"] for lk in leaving} == {
        "../src2.zarr"}
    assert _differences(pynwb_reads(nwb_store_big), pynwb_reads(dst, python=venv013_python)) == []


def test_link_data_copies_units_waveform_columns_pynwb_reads_as_datasets(pynwb_reads, tmp_path: Path) -> None:
    """pynwb's Units mapper reads the attributes of the waveform_mean / waveform_sd datasets (a link gives it
    none: 'LinkBuilder' object has no attribute 'attributes'): link_data=True copies them even at 1 MiB."""
    import warnings

    import numpy as np
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb.testing.mock.file import mock_NWBFile

    nwb = mock_NWBFile()
    nwb.add_unit(spike_times=[0.1, 0.2], waveform_mean=np.zeros(1 << 16), waveform_sd=np.ones(1 << 16))
    nwb.add_unit(spike_times=[0.3], waveform_mean=np.ones(1 << 16), waveform_sd=np.zeros(1 << 16))
    src, dst = tmp_path / "units.zarr", tmp_path / "linked.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(src), "w") as io:
            io.write(nwb)
    _write_back(src, dst, link_data=True)
    assert _links_leaving(dst) == []
    assert _differences(pynwb_reads(src), pynwb_reads(dst)) == []


def test_validate_accepts_013_compound_with_text_field(venv013_python: Path, tmp_path: Path) -> None:
    """Item 15: a compound with a text field that hdmf-zarr 0.13 wrote (pickled records in an "|O" array)
    reads as a compound, and `hdmfzarr validate` reports no false "expected compound, found text"."""
    import subprocess

    from hdmfzarr.validate import validate

    store = tmp_path / "c13.zarr"
    done = subprocess.run([str(venv013_python), str(Path(__file__).parent / "write_013_compound.py"), str(store)],
                          capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((store / "lab/.zarray").read_text())["dtype"] == "|O"
    with ZarrIO(store) as io:
        lab = io.read_builder()["lab"]
        assert [f.dtype for f in lab.dtype] == ["text", "float64"]
        assert lab.data[:].tolist() == [("a", 1.0), ("bb", 2.5)]
    assert [str(i) for i in validate(store)] == []

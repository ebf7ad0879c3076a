"""Scalar datasets are read on first use, not when a store opens: an open reads no chunk, the first
value read from a builder tree reads every scalar left in one go, and rewriting a read tree reads its
values before building (so a copy is complete)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr import ZarrIO
from hdmfzarr.build import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import Deferred


def _store(path: Path) -> Path:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("rate", 2.5, dtype="float64"))
    root.set_dataset(DatasetBuilder("label", "a label", dtype="text"))
    root.set_dataset(DatasetBuilder("values", np.arange(4, dtype=np.int32), dtype="int32"))
    g = GroupBuilder("g")
    g.set_dataset(DatasetBuilder("count", 7, dtype="int64"))
    root.set_group(g)
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    return path


def test_scalars_are_read_on_first_use_all_together(tmp_path: Path, fetch_log) -> None:
    path = _store(tmp_path / "s.zarr")
    with ZarrIO(path) as io:
        fetch_log.clear()
        root = io.read_builder()
        assert fetch_log.chunks() == [], fetch_log  # opening reads no value
        assert isinstance(root["rate"].raw_data, Deferred) and not root["rate"].raw_data.done
        assert root["g/count"].data == 7  # the first value read: every scalar not read yet, together
        assert sorted(fetch_log.chunks()) == ["g/count/c", "label/c", "rate/c"], fetch_log.chunks()
        fetch_log.clear()
        assert root["rate"].data == 2.5 and root["label"].data == "a label"
        assert fetch_log.chunks() == []  # read once
        assert not isinstance(root["rate"].raw_data, Deferred)  # the builder now holds the value



def test_a_read_tree_written_elsewhere_keeps_its_scalars(tmp_path: Path) -> None:
    path = _store(tmp_path / "s.zarr")
    with ZarrIO(path) as io:
        root = io.read_builder()
        with ZarrIO(tmp_path / "copy.zarr", "w") as out:
            out.write_builder(root)
    with ZarrIO(tmp_path / "copy.zarr") as io:
        copy = io.read_builder()
        assert copy["rate"].data == 2.5 and copy["label"].data == "a label" and copy["g/count"].data == 7
        assert list(copy["values"].data[:]) == [0, 1, 2, 3]


@pytest.mark.slow
def test_nwb_fields_are_read_per_object_on_first_use(tmp_path: Path, fetch_log, benchmark_module) -> None:
    """A pynwb + hdmf-zarr 0.14 file: opening reads no value; a series' field reads that series' values only;
    writing the tree read to another store reads what is left in one go and keeps every value."""
    make_nwb = benchmark_module("bench_latency").make_nwb
    make_nwb(tmp_path / "f.nwb.zarr", n_series=3, n_units=2, n_trials=2)
    with ZarrIO(tmp_path / "f.nwb.zarr") as io:
        fetch_log.clear()
        nwb = io.read()
        assert [k for k in fetch_log.chunks() if not k.startswith("specifications/")] == [], fetch_log.chunks()
        fetch_log.clear()
        series = nwb.acquisition["series_0001"]
        assert series.starting_time == 0.0
        assert {k.rpartition("/c")[0] for k in fetch_log.chunks()} == {"acquisition/series_0001/starting_time"}
        fetch_log.clear()
        with ZarrIO(tmp_path / "copy.nwb.zarr", "w") as out:
            out.write(nwb)
    with ZarrIO(tmp_path / "copy.nwb.zarr") as io:
        copy = io.read()
        assert copy.identifier == "bench-latency" and copy.acquisition["series_0002"].starting_time == 0.0
        assert str(copy.session_start_time) == "2024-01-02 03:04:05+00:00"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["a", "r+"])
def test_nwb_opened_for_appending_reads_no_field_until_used(tmp_path: Path, fetch_log, benchmark_module,
                                                            mode: str) -> None:
    """Opening a pynwb + hdmf-zarr 0.14 file for appends, appending a trial and closing reads no series' value (one
    scalar per series: reading them all made mode 'a' cost twice mode 'r' on a 1,000-series file)."""
    benchmark_module("bench_latency").make_nwb(tmp_path / "f.nwb.zarr", n_series=3, n_units=2, n_trials=2)
    fetch_log.clear()
    with ZarrIO(tmp_path / "f.nwb.zarr", mode) as io:
        io.read()
    with ZarrIO(tmp_path / "f.nwb.zarr", mode) as io:
        io.read().intervals["trials"].add_row(start_time=5.0, stop_time=5.5)
    assert not [k for k in fetch_log.chunks() if "starting_time" in k], fetch_log.chunks()
    with ZarrIO(tmp_path / "f.nwb.zarr") as io:
        nwb = io.read()
        assert list(nwb.intervals["trials"]["start_time"].data[:]) == [0.0, 1.0, 5.0]
        assert nwb.acquisition["series_0002"].starting_time == 0.0
    with warnings.catch_warnings():  # pynwb + hdmf-zarr 0.14 read the appended row too
        warnings.simplefilter("ignore")
        from hdmf_zarr.nwb import NWBZarrIO

        with NWBZarrIO(str(tmp_path / "f.nwb.zarr"), mode="r") as io:
            theirs = io.read()
            assert list(theirs.trials["start_time"][:]) == [0.0, 1.0, 5.0]
            assert theirs.acquisition["series_0002"].starting_time == 0.0

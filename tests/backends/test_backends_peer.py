"""Compatibility with the real peers: hdmf-zarr 0.14 (Zarr 3) stores read by us, ours read by it."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.build.builders import CompoundField, DatasetBuilder, GroupBuilder, ReferenceBuilder

hdmf_zarr = pytest.importorskip("hdmf_zarr")
hdmf_common = pytest.importorskip("hdmf.common")


def _hdmf_table():
    """An hdmf DynamicTable with int, float, text, bool, ragged, doubly ragged and DTR columns."""
    from hdmf.common import DynamicTable, SimpleMultiContainer

    places = DynamicTable(name="places", description="places")
    places.add_column("city", "city")
    for c in ("Lisbon", "Osaka", "Quito"):
        places.add_row(city=c)
    people = DynamicTable(name="people", description="people")
    people.add_column("age", "age")
    people.add_column("weight", "weight")
    people.add_column("nickname", "nick")
    people.add_column("alive", "alive")
    people.add_column("tags", "tags", index=True)
    people.add_column("scores", "scores", index=2)
    people.add_column("home", "home", table=places)
    rows = [
        (31, 61.5, "ana", True, ["a", "b"], [[1, 2], [3]], 2),
        (42, 80.25, "bo", False, ["c"], [[4]], 0),
        (27, 55.0, "chen", True, ["d", "e", "f"], [[5, 6, 7], [8]], 1),
    ]
    for age, w, nick, alive, tags, scores, home in rows:
        people.add_row(age=age, weight=w, nickname=nick, alive=alive, tags=tags, scores=scores, home=home)
    root = SimpleMultiContainer(name="root", containers=[places, people])
    return root, rows


@pytest.fixture(scope="module")
def hdmf_zarr_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    from hdmf.common import get_manager

    path = tmp_path_factory.mktemp("peer") / "common.zarr"
    root, rows = _hdmf_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(path), mode="w", manager=get_manager()) as io:
            io.write(root)
    return path, rows


def test_read_hdmf_zarr_014_store_builders(hdmf_zarr_store: tuple[Path, list]) -> None:
    path, rows = hdmf_zarr_store
    with ZarrIO(path) as io:
        root = io.read_builder()
        assert root.attributes["data_type"] == "SimpleMultiContainer"
        people = root["people"]
        assert people.attributes["colnames"] == ["age", "weight", "nickname", "alive", "tags", "scores", "home"]
        assert isinstance(people["age"].data, LazyArray)
        assert people["age"].data[:].tolist() == [r[0] for r in rows]
        assert people["nickname"].data[:].tolist() == [r[2] for r in rows]
        assert people["alive"].data[:].tolist() == [r[3] for r in rows]
        assert people["tags_index"].attributes["target"].target is people["tags"]
        assert people["home"].attributes["table"].target is root["places"]
        assert people["scores_index_index"].attributes["target"].target is people["scores_index"]
        assert "_ARRAY_DIMENSIONS" not in people["age"].attributes
        assert people["age"].dims is not None
        assert set(io.spec_cache()) >= {"hdmf-common"}


def test_read_hdmf_zarr_014_store_containers(hdmf_zarr_store: tuple[Path, list]) -> None:
    path, rows = hdmf_zarr_store
    with ZarrIO(path) as io:
        root = io.read()
        people = next(c for c in root.children if c.name == "people")
        df = people.to_dataframe()
        assert df["age"].tolist() == [r[0] for r in rows]
        assert df["weight"].tolist() == [r[1] for r in rows]
        assert [list(t) for t in df["tags"]] == [r[4] for r in rows]
        assert [[list(x) for x in s] for s in df["scores"]] == [r[5] for r in rows]
        homes = people["home"]
        assert list(homes.data[:]) == [r[6] for r in rows]
        assert homes.table.name == "places"


def _hdmf_table_of_no_rows(path: Path) -> Path:
    """A store hdmf-zarr 0.14 writes holding the table 'empty' of two columns and no rows."""
    from hdmf.common import DynamicTable, SimpleMultiContainer, VectorData, get_manager

    empty = DynamicTable(name="empty", description="no rows", columns=[
        VectorData(name="x", description="x", data=np.array([], dtype=float)),
        VectorData(name="y", description="y", data=np.array([], dtype=np.int32))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(path), mode="w", manager=get_manager()) as io:
            io.write(SimpleMultiContainer(name="root", containers=[empty]))
    return path


def test_read_hdmf_zarr_014_table_of_no_rows_keeps_its_columns(tmp_path: Path) -> None:
    """hdmf writes colnames [] for a table whose columns are all empty (its DynamicTableMap); hdmf reads that as
    'every data column', in storage order, and so do we: the columns stay columns, in the DataFrame too."""
    from hdmf.common import get_manager

    path = _hdmf_table_of_no_rows(tmp_path / "empty.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(path), mode="r", manager=get_manager()) as io:
            theirs = io.read()["empty"]
            want_columns, want_frame = theirs.colnames, list(theirs.to_dataframe().columns)
    with ZarrIO(path) as io:
        assert io.read_builder()["empty"].attributes["colnames"] == []  # as hdmf wrote it
        table = next(c for c in io.read().children if c.name == "empty")
        assert table.colnames == want_columns == ("x", "y")
        assert list(table.to_dataframe().columns) == want_frame and len(table) == 0


def test_copies_of_a_table_of_no_rows_keep_its_stored_colnames(tmp_path: Path) -> None:
    """hdmf stores colnames [] for a table of no rows, and its export copies that: a copy through containers (write
    of a tree read, ``ZarrIO.export(container=)``) stored the derived ['x', 'y'] instead; it keeps [] (as
    ``hdmfzarr.convert`` and ``ZarrIO.export(src)`` do), hdmf-zarr 0.14 reads the copies alike; with a row added,
    the columns are named."""
    import json

    import hdmfzarr
    from hdmf.common import get_manager

    def colnames(store: Path) -> list:
        return json.loads((store / "empty" / "zarr.json").read_text())["attributes"]["colnames"]

    src = _hdmf_table_of_no_rows(tmp_path / "src.zarr")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert colnames(src) == []
        hdmfzarr.convert(str(src), str(tmp_path / "converted.zarr"), zarr_format=3)
        with ZarrIO(src) as source:
            with ZarrIO(tmp_path / "exported.zarr", "w") as out:
                out.export(source)
            root = source.read()
            with ZarrIO(tmp_path / "written.zarr", "w") as out:
                out.write(root)
            with ZarrIO(tmp_path / "container.zarr", "w") as out:
                out.export(source, container=root)
            next(c for c in root.children if c.name == "empty").add_row(x=1.0, y=2)
            with ZarrIO(tmp_path / "grown.zarr", "w") as out:
                out.write(root)
        for name in ("converted", "exported", "written", "container"):
            assert colnames(tmp_path / f"{name}.zarr") == [], name
            with hdmf_zarr.ZarrIO(str(tmp_path / f"{name}.zarr"), mode="r", manager=get_manager()) as io:
                table = io.read()["empty"]
                assert table.colnames == ("x", "y") and len(table) == 0, name
        assert colnames(tmp_path / "grown.zarr") == ["x", "y"]
        with hdmf_zarr.ZarrIO(str(tmp_path / "grown.zarr"), mode="r", manager=get_manager()) as io:
            assert io.read()["empty"].to_dataframe().to_dict("list") == {"x": [1.0], "y": [2]}


def test_hdmf_zarr_014_reads_our_store(tmp_path: Path) -> None:
    from hdmf.common import get_manager

    from hdmfzarr.common import DynamicTable, SimpleMultiContainer

    places = DynamicTable(name="places", description="places")
    places.add_column("city", "city")
    for c in ("Lisbon", "Osaka"):
        places.add_row(city=c)
    people = DynamicTable(name="people", description="people")
    people.add_column("age", "age")
    people.add_column("nickname", "nick")
    people.add_column("tags", "tags", index=True)
    people.add_column("scores", "scores", index=2)
    people.add_column("home", "home", table=places)
    people.add_row(age=1, nickname="a", tags=["x", "y"], scores=[[1.0], [2.0, 3.0]], home=1)
    people.add_row(age=2, nickname="b", tags=["z"], scores=[[4.0]], home=0)
    root = SimpleMultiContainer(name="root", containers=[places, people])
    with ZarrIO(tmp_path / "ours.zarr", "w") as io:
        io.write(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(tmp_path / "ours.zarr"), mode="r", manager=get_manager()) as io:
            back = io.read()
            p = back.containers["people"]
            df = p.to_dataframe(index=False)
            assert df["age"].tolist() == [1, 2]
            assert df["nickname"].tolist() == ["a", "b"]
            assert [list(t) for t in df["tags"]] == [["x", "y"], ["z"]]
            assert [[list(x) for x in s] for s in df["scores"]] == [[[1.0], [2.0, 3.0]], [[4.0]]]
            assert p["home"].table is back.containers["places"]
            assert list(p["home"].data[:]) == [1, 0]


def test_hdmf_zarr_014_reads_our_enum_and_meanings(tmp_path: Path) -> None:
    """EnumData (hdmf-experimental) and MeaningsTable (hdmf-common 1.10), written by us, read by hdmf-zarr
    0.14 with hdmf's own classes: the enum's values resolve through its elements, the meanings attach."""
    from hdmf.common import get_manager

    from hdmfzarr.common import DynamicTable, MeaningsTable

    t = DynamicTable(name="t", description="colors")
    t.add_column("color", "colors", enum=True)
    t.add_column("size", "sizes")
    for color, size in (("red", "S"), ("blue", "L"), ("red", "M")):
        t.add_row(color=color, size=size)
    meanings = MeaningsTable(description="sizes explained", target=t["size"])
    for value, meaning in (("S", "small"), ("M", "medium"), ("L", "large")):
        meanings.add_row(value=value, meaning=meaning)
    t.add_meanings_table(meanings)
    with ZarrIO(tmp_path / "enum.zarr", "w") as io:
        io.write(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(tmp_path / "enum.zarr"), mode="r", manager=get_manager()) as io:
            back = io.read()
            assert type(back["color"]).__name__ == "EnumData"
            assert back.to_dataframe()["color"].tolist() == ["red", "blue", "red"]
            got = back.get_meanings_for_column("size").to_dataframe()
            assert dict(zip(got["value"], got["meaning"])) == {"S": "small", "M": "medium", "L": "large"}


def test_hdmf_zarr_014_reads_our_builder_level_refs_and_scalars(tmp_path: Path) -> None:
    """Builder level: reference datasets, scalar references, compounds with refs, root links."""
    root = GroupBuilder("root")
    tg = root.set_group(GroupBuilder("targets"))
    vals = tg.set_dataset(DatasetBuilder("vals", np.arange(3, dtype="int32")))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(tg), ReferenceBuilder(vals)], dtype="object"))
    root.set_dataset(DatasetBuilder("scalar", 2.5))
    root.set_dataset(DatasetBuilder("text", ["a", "b"], dtype="text"))
    root.set_dataset(DatasetBuilder(
        "compound", [(1, "x", ReferenceBuilder(vals)), (2, "yy", ReferenceBuilder(tg))],
        dtype=[CompoundField("i", "int32"), CompoundField("label", "text"), CompoundField("ref", "object")]))
    root.set_dataset(DatasetBuilder("scalar_ref", ReferenceBuilder(tg), dtype="object"))
    with ZarrIO(tmp_path / "b.zarr", "w") as io:
        io.write_builder(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(tmp_path / "b.zarr"), mode="r") as io:
            b = io.read_builder()
            refs = b["refs"].data
            assert [refs[0].name, refs[1].name] == ["targets", "vals"]
            comp = b["compound"].data[:]
            assert comp["i"].tolist() == [1, 2] and comp["label"].tolist() == ["x", "yy"]
            assert [r.name for r in comp["ref"]] == ["vals", "targets"]
            assert b["scalar_ref"].data.builder.name == "targets"
            assert b["scalar"].data == 2.5
            assert list(b["text"].data[:]) == ["a", "b"]
            assert list(b["targets"]["vals"].data[:]) == [0, 1, 2]


@pytest.fixture(scope="module")
def pynwb_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pynwb = pytest.importorskip("pynwb")
    from pynwb.ecephys import ElectricalSeries

    from hdmf_zarr.nwb import NWBZarrIO

    nwb = pynwb.NWBFile("desc", "id1", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    dev = nwb.create_device("probe")
    grp = nwb.create_electrode_group("shank0", "d", "CA1", dev)
    for i in range(4):
        nwb.add_electrode(x=float(i), y=0.0, z=0.0, location="CA1", group=grp)
    reg = nwb.create_electrode_table_region([0, 1, 2, 3], "all")
    nwb.add_acquisition(ElectricalSeries(
        name="es", data=np.arange(80, dtype="int16").reshape(20, 4), electrodes=reg, rate=30000.0))
    nwb.add_acquisition(pynwb.TimeSeries(name="ts", data=np.arange(10.0), unit="m", timestamps=np.arange(10.0) / 10))
    nwb.add_unit(spike_times=[0.1, 0.2], electrodes=[0])
    nwb.add_unit(spike_times=[0.3], electrodes=[1])
    ts = nwb.acquisition["ts"]
    nwb.add_trial(start_time=0.0, stop_time=1.0, timeseries=[ts])
    nwb.add_trial(start_time=1.0, stop_time=2.0, timeseries=[ts])
    path = tmp_path_factory.mktemp("nwb") / "nwb.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), "w") as io:
            io.write(nwb)
    return path


def test_read_pynwb_store_builders(pynwb_store: Path) -> None:
    with ZarrIO(pynwb_store) as io:
        root = io.read_builder()
        assert root.attributes["neurodata_type"] == "NWBFile"
        electrodes = root["general/extracellular_ephys/electrodes"]
        groups = electrodes["group"].data[:]
        assert all(g.target is root["general/extracellular_ephys/shank0"] for g in groups)
        assert root["general/extracellular_ephys/shank0"].links["device"].target is root["general/devices/probe"]
        es = root["acquisition/es"]
        assert es["data"].data.shape == (20, 4)
        assert es["data"].data[3].tolist() == [12, 13, 14, 15]
        assert es["electrodes"].attributes["table"].target is electrodes
        assert root["session_start_time"].data == "2024-01-02T03:04:05+00:00"
        assert root["units/spike_times"].data[:].tolist() == [0.1, 0.2, 0.3]
        assert root["intervals/trials/start_time"].data[:].tolist() == [0.0, 1.0]
        # TimeSeriesReferenceVectorData: a struct compound with a reference field (_REFERENCE_FIELDS)
        tsref = root["intervals/trials/timeseries"]
        assert [f.dtype for f in tsref.dtype] == ["int32", "int32", "object"]
        rows = tsref.data[:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with hdmf_zarr.ZarrIO(str(pynwb_store), mode="r") as peer:
                want = peer.read_builder()["intervals"]["trials"]["timeseries"].data[:]
        assert rows["idx_start"].tolist() == want["idx_start"].tolist()
        assert rows["count"].tolist() == want["count"].tolist()
        assert rows["idx_start"].tolist()[0] == 0 and rows["count"].tolist()[0] == 10
        assert all(r.target is root["acquisition/ts"] for r in rows["timeseries"])
        assert root["acquisition/ts"]["timestamps"].data[:].tolist() == [i / 10 for i in range(10)]
        assert "core" in io.spec_cache()


def test_read_pynwb_store_into_generated_containers(pynwb_store: Path) -> None:
    with ZarrIO(pynwb_store) as io:
        nwb = io.read()
        assert type(nwb).__name__ == "NWBFile"
        names = {c.name for c in nwb.children}
        assert {"es", "ts", "electrodes", "units", "trials"} <= names
        units = next(c for c in nwb.children if c.name == "units")
        df = units.to_dataframe()
        assert [list(x) for x in df["spike_times"]] == [[0.1, 0.2], [0.3]]


def test_isodatetime_array_reads_as_datetimes_as_pynwb_reads_it(pynwb_store: Path, tmp_path: Path) -> None:
    """An isodatetime dataset (NWBFile.file_create_date) reads as datetimes, as hdmf and pynwb give it (a scalar one
    did already), parsed on access; a copy stores the original ISO text."""
    from hdmf_zarr.nwb import NWBZarrIO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(pynwb_store), "r") as peer:
            want = list(peer.read().file_create_date)
    with ZarrIO(pynwb_store) as io:
        nwb = io.read()
        dates = nwb.file_create_date
        assert all(isinstance(d, dt.datetime) for d in [dates[0], *dates[:], *dates])
        assert [d.timestamp() for d in dates] == [d.timestamp() for d in want] and len(dates) == len(want)
        stored = io.read_builder()["file_create_date"].data[:].tolist()
        with ZarrIO(tmp_path / "copy.zarr", "w") as out:
            out.write(nwb)
    with ZarrIO(tmp_path / "copy.zarr") as io:
        assert io.read_builder()["file_create_date"].data[:].tolist() == stored


def test_compound_reference_rows_have_named_fields_as_pynwb_gives_them(pynwb_store: Path) -> None:
    """Rows of a compound with a reference field (trials' TimeSeriesReferenceVectorData) are named tuples, as
    pynwb's TimeSeriesReference: a ragged cell is one row per reference, ``ref.timeseries`` / ``ref.idx_start``."""
    from hdmf_zarr.nwb import NWBZarrIO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(pynwb_store), "r") as peer:
            cells = peer.read().trials["timeseries"]
            want = [[(r.idx_start, r.count, r.timeseries.name) for r in cell] for cell in cells]
    with ZarrIO(pynwb_store) as io:
        trials = io.read().trials
        cells = [trials["timeseries"][i] for i in range(len(trials))]
        assert [[(r.idx_start, r.count, r.timeseries.name) for r in cell] for cell in cells] == want
        assert [len(cell) for cell in trials["timeseries"][0:2]] == [len(w) for w in want]
        frame = trials.to_dataframe()["timeseries"]
        assert [[(r.idx_start, r.count, r.timeseries.name) for r in cell] for cell in frame] == want
        row = trials["timeseries"].target[0]
        assert row == (row.idx_start, row.count, row.timeseries) and row[2] is row.timeseries


@pytest.mark.parametrize("mode", ["r", "a"])
def test_compound_fields_by_name_on_a_slice_as_hdmf_gives_them(pynwb_store: Path, mode: str) -> None:
    """``col.data[:]['idx_start']`` (a field by name on a slice of a compound read lazily): numpy arrays, equal to
    what hdmf's structured arrays give; references resolve to the objects; rows keep their names."""
    from hdmf_zarr.nwb import NWBZarrIO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(pynwb_store), "r") as peer:
            data = peer.read().trials["timeseries"].target.data
            want = {f: data[:][f] for f in ("idx_start", "count")}
            names = [t.name for t in data[:]["timeseries"]]
            part = data[1:2]["count"]
    with ZarrIO(pynwb_store, mode) as io:
        data = io.read().trials["timeseries"].target.data
        for field, values in want.items():
            got = data[:][field]
            assert isinstance(got, np.ndarray) and got.dtype == values.dtype and got.tolist() == values.tolist()
        assert [t.name for t in data[:]["timeseries"]] == names
        assert data[1:2]["count"].tolist() == part.tolist() and data[:][0].timeseries.name == names[0]
        with pytest.raises(ValueError, match="no field of name nope"):
            data[:]["nope"]


def test_rows_added_to_a_stored_reference_column_are_appended_in_place(pynwb_store: Path, tmp_path: Path) -> None:
    """An electrode appended in place to a pynwb store (its 'group' column holds references): pynwb reads the new
    row with its group (it was refused before: an append did not write reference columns)."""
    import shutil

    from hdmf_zarr.nwb import NWBZarrIO

    store = tmp_path / "nwb.zarr"
    shutil.copytree(pynwb_store, store)
    with ZarrIO(store, mode="a") as io:
        nwb = io.read()
        group = nwb.electrode_groups["shank0"]
        nwb.electrodes.add_row(x=9.0, y=0.0, z=0.0, location="CA3", group=group, group_name="shank0")
        io.write(nwb)
    with ZarrIO(store) as io:
        assert len(io.read().electrodes) == 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(store), "r") as peer:
            electrodes = peer.read().electrodes
            assert len(electrodes) == 5 and electrodes["group"].data[4].name == "shank0"
            assert electrodes["location"].data[4] == "CA3"


def test_a_row_added_to_a_compound_reference_column_is_written_to_a_new_store(pynwb_store: Path,
                                                                              tmp_path: Path) -> None:
    """A trial added to a pynwb store's trials (its 'timeseries' column: TimeSeriesReferenceVectorData rows) takes
    a record (idx_start, count, series), reads back as a named row, and a new store holding it reads in pynwb, as
    does the store it was appended to in place."""
    import shutil

    from hdmf_zarr.nwb import NWBZarrIO

    with ZarrIO(pynwb_store) as io:
        nwb = io.read()
        ts = nwb.acquisition["ts"]
        nwb.trials.add_row(start_time=2.0, stop_time=3.0, timeseries=[(0, 5, ts)])
        added = nwb.trials["timeseries"][2]
        assert [(r.idx_start, r.count, r.timeseries.name) for r in added] == [(0, 5, "ts")]
        with ZarrIO(tmp_path / "copy.zarr", "w") as out:
            out.write(nwb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(tmp_path / "copy.zarr"), "r") as peer:
            cells = peer.read().trials["timeseries"][:]
            assert [[(r.idx_start, r.count, r.timeseries.name) for r in c] for c in cells][2] == [(0, 5, "ts")]
    store = tmp_path / "in_place.zarr"  # in place too: the record and its index entry are appended
    shutil.copytree(pynwb_store, store)
    with ZarrIO(store, mode="a") as io:
        nwb = io.read()
        nwb.trials.add_row(start_time=2.0, stop_time=3.0, timeseries=[(0, 5, nwb.acquisition["ts"])])
    with ZarrIO(store) as io:
        assert len(io.read().trials) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(store), "r") as peer:
            cells = peer.read().trials["timeseries"][:]
            assert [[(r.idx_start, r.count, r.timeseries.name) for r in c] for c in cells][2] == [(0, 5, "ts")]


def test_hdmf_zarr_014_v2_reader_reads_our_format2_store(tmp_path: Path) -> None:
    """hdmf-zarr 0.14's read-only ZarrV2IO (allow_pickle=False) reads our pickle-free format-2 tables."""
    from hdmf.common import get_manager

    from hdmf_zarr.backend_zarrv2 import ZarrV2IO
    from hdmfzarr.common import DynamicTable

    t = DynamicTable(name="people", description="d")
    t.add_column("age", "ages")
    t.add_column("tags", "tags", index=True)
    t.add_row(age=3, tags=["a", "b"])
    t.add_row(age=4, tags=["c"])
    with ZarrIO(tmp_path / "v2.zarr", "w", zarr_format=2) as io:
        io.write(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ZarrV2IO(str(tmp_path / "v2.zarr"), mode="r", manager=get_manager()) as io:
            df = io.read().to_dataframe()
    assert df["age"].tolist() == [3, 4]
    assert [list(x) for x in df["tags"]] == [["a", "b"], ["c"]]


def test_read_hdmf_zarr_014_fixed_width_text_compound_as_str(tmp_path: Path) -> None:
    """A compound whose only text field is fixed-width UTF-32 (how hdmf-zarr 0.14 stores compound text) reads
    with Python str field values, as every other text does, not np.str_."""
    from hdmf.build import DatasetBuilder as PeerDataset, GroupBuilder as PeerGroup
    from hdmf.spec import DtypeSpec

    root = PeerGroup("root", attributes={"object_id": "00000000-0000-4000-8000-000000000001"})
    fields = [DtypeSpec("label", "a text field", "text"), DtypeSpec("count", "an int field", "int32")]
    root.set_dataset(PeerDataset("pairs", data=[("one", 1), ("café", 3)], dtype=fields))
    root.set_dataset(PeerDataset("words", data=["one", "café"], dtype="text"))
    with hdmf_zarr.ZarrIO(str(tmp_path / "c.zarr"), mode="w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "c.zarr") as io:
        b = io.read_builder()
        pairs, words = b["pairs"].data, b["words"].data
        assert pairs.source.dtype["label"].kind == "U"  # the peer's layout: a fixed-width field
        assert b["pairs"].dtype == [CompoundField("label", "text"), CompoundField("count", "int32")]
        every = pairs[:]
        assert every.tolist() == [("one", 1), ("café", 3)]
        labels = [*every["label"], every[1]["label"], pairs[0]["label"], *pairs.to_dask().compute()["label"]]
        assert [type(v) for v in labels] == [str] * 6
        assert [type(v) for v in words[:]] == [str, str]

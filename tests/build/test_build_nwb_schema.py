"""The NWB core schema (neurodata_type keys, deep untyped groups) through class generation and builds;
a file written from generated classes is read by pynwb + hdmf-zarr."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.build.manager import BuildManager


@pytest.fixture
def nwb_map(type_map):
    pynwb = pytest.importorskip("pynwb")
    ns = Path(pynwb.__file__).parent / "nwb-schema" / "core" / "nwb.namespace.yaml"
    if not ns.is_file():
        pytest.skip("pynwb ships no NWB schema here")
    type_map.load_namespaces(ns)
    return type_map


@contextlib.contextmanager
def read_with_pynwb(path):
    """The NWBFile pynwb + hdmf-zarr read from ``path`` (their warnings about our cached specs silenced)."""
    from hdmf_zarr.nwb import NWBZarrIO

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), mode="r") as io:
            yield io.read()


def make_file(tm):
    NWBFile = tm.get_class("NWBFile", "core")
    TimeSeries = tm.get_class("TimeSeries", "core")
    Device = tm.get_class("Device", "core")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    ts = TimeSeries(name="ts", data=np.arange(10.0), data__unit="m", starting_time=0.0, starting_time__rate=10.0)
    return NWBFile(file_create_date=[start], identifier="id1", session_description="a session",
                   session_start_time=start, timestamps_reference_time=start,
                   acquisition__nwb_data_interfaces=[ts],
                   general__devices__devices=[Device(name="dev", description="a device")])


def test_every_core_type_gets_a_class(nwb_map):
    types = nwb_map.namespace_catalog.get_types("core", own_only=True)
    assert len(types) > 50
    for dt_name in types:
        cls = nwb_map.get_class(dt_name, "core")
        assert cls.data_type == dt_name and cls.namespace == "core"
        inspect.signature(cls)
    assert "name" not in inspect.signature(nwb_map.get_class("NWBFile", "core")).parameters  # fixed name 'root'


def test_nwb_file_builds_and_constructs(nwb_map, assert_same):
    f = make_file(nwb_map)
    b = BuildManager(nwb_map).build(f)
    assert b.attributes["neurodata_type"] == "NWBFile"
    ts = b["acquisition/ts"]
    assert ts.attributes["neurodata_type"] == "TimeSeries"
    assert b["acquisition/ts/data"].attributes["unit"] == "m"
    assert b["acquisition/ts/starting_time"].attributes == {"rate": 10.0, "unit": "seconds"}
    assert b["session_start_time"].dtype == "isodatetime"
    back = BuildManager(nwb_map).construct(b)
    assert_same(f, back)


def test_pynwb_reads_a_file_written_from_generated_classes(nwb_map, tmp_path):
    pytest.importorskip("hdmf_zarr")
    from hdmfzarr import ZarrIO

    path = str(tmp_path / "generated.nwb.zarr")
    with ZarrIO(path, mode="w", type_map=nwb_map) as io:
        io.write(make_file(nwb_map))
    with read_with_pynwb(path) as f:
        assert f.identifier == "id1"
        assert f.acquisition["ts"].rate == 10.0
        assert np.array_equal(f.acquisition["ts"].data[:], np.arange(10.0))
        assert f.devices["dev"].description == "a device"


def test_a_unit_fixed_by_the_subtype_is_not_asked_for_and_pynwb_reads_it(nwb_map, tmp_path):
    """ElectricalSeries fixes its data's unit ('volts'): its generated class does not require the data__unit its
    base TimeSeries does, and the written series reads in pynwb with that unit."""
    pytest.importorskip("hdmf_zarr")
    from hdmfzarr import ZarrIO

    tm = nwb_map
    nwb = make_file(tm)
    group = tm.get_class("ElectrodeGroup", "core")(name="shank", description="d", location="CA1",
                                                    device=nwb.devices["dev"])
    electrodes = tm.get_class("ElectrodesTable", "core")(name="electrodes", description="electrodes")
    electrodes.add_row(location="CA1", group=group, group_name="shank")
    region = tm.get_class("DynamicTableRegion", "hdmf-common")(name="electrodes", description="r", data=[0],
                                                               table=electrodes)
    series = tm.get_class("ElectricalSeries", "core")(name="es", data=np.ones((3, 1)), electrodes=region,
                                                      starting_time=0.0, rate=100.0)
    assert series.data__unit == "volts"
    nwb.general__extracellular_ephys__electrode_groups = [group]
    nwb.electrodes = electrodes
    nwb.acquisition__nwb_data_interfaces = [*nwb.acquisition.values(), series]
    path = str(tmp_path / "es.nwb.zarr")
    with ZarrIO(path, mode="w", type_map=tm) as io:
        io.write(nwb)
    with read_with_pynwb(path) as f:
        es = f.acquisition["es"]
        assert es.unit == "volts" and es.rate == 100.0 and es.electrodes.data[:].tolist() == [0]


def test_a_single_value_for_an_array_dataset_is_stored_as_one_element_and_pynwb_reads_it(nwb_map, tmp_path):
    """``file_create_date=datetime`` and ``keywords="x"`` (specs: 1-D arrays) are stored as one-element arrays, as
    pynwb stores them: stored as scalars, pynwb could not read the file. A scalar for a 2-D image is refused."""
    pytest.importorskip("hdmf_zarr")
    from hdmfzarr import ZarrIO, validate
    from hdmfzarr.errors import BuildError

    nwb = make_file(nwb_map)
    start = nwb.session_start_time
    nwb.file_create_date, nwb.general__keywords = start, "x"
    path = str(tmp_path / "single.nwb.zarr")
    with ZarrIO(path, mode="w", type_map=nwb_map) as io:
        io.write(nwb)
    assert validate(path) == []
    with read_with_pynwb(path) as f:
        assert f.file_create_date == [start] and list(f.keywords[:]) == ["x"]
    image = nwb_map.get_class("GrayscaleImage", "core")(name="img", data=5.0)
    images = nwb_map.get_class("Images", "core")(name="imgs", description="d", base_images=[image])
    nwb.acquisition__nwb_data_interfaces = [*nwb.acquisition.values(), images]
    with pytest.raises(BuildError, match=r"imgs/img \(data\): a single value 5.0 where the spec asks for an array"):
        with ZarrIO(tmp_path / "bad.zarr", mode="w", type_map=nwb_map) as io:
            io.write(nwb)


def test_a_compound_reference_column_from_a_list_of_tuples_is_written_and_pynwb_reads_it(nwb_map, tmp_path):
    """trials' ``timeseries`` (TimeSeriesReferenceVectorData: idx_start, count, a TimeSeries) given as a list of
    tuples, as pynwb users write it: the column was typed int64 from the first field and the write failed."""
    pytest.importorskip("hdmf_zarr")
    from hdmfzarr import ZarrIO

    nwb = make_file(nwb_map)
    ts = nwb.acquisition["ts"]
    get = nwb_map.get_class
    col = get("TimeSeriesReferenceVectorData", "core")(name="timeseries", description="d", data=[(2, 5, ts)])
    trials = get("TimeIntervals", "core")(name="trials", description="t", columns=[
        get("VectorData", "hdmf-common")(name="start_time", description="s", data=[0.0]),
        get("VectorData", "hdmf-common")(name="stop_time", description="s", data=[1.0]),
        col, get("VectorIndex", "hdmf-common")(name="timeseries_index", data=[1], target=col)])
    nwb.intervals__time_intervals = [trials]
    path = str(tmp_path / "trials.nwb.zarr")
    with ZarrIO(path, mode="w", type_map=nwb_map) as io:
        io.write(nwb)
    with read_with_pynwb(path) as f:
        ref = f.intervals["trials"]["timeseries"][0][0]
        assert (ref.idx_start, ref.count, ref.timeseries.name) == (2, 5, "ts")


def test_a_pynwb_argument_name_gets_the_nested_field_it_means(nwb_map):
    """pynwb's ``TimeSeries(unit=...)`` is ``data__unit`` here (several fields end with 'unit'): the error says so."""
    from hdmfzarr.errors import ContainerError

    series = nwb_map.get_class("TimeSeries", "core")
    with pytest.raises(ContainerError, match=r"argument 'unit' \(fields of that name: \['data__unit'\]\)"):
        series(name="x", data=np.arange(3.0), unit="m", starting_time=0.0, rate=1.0)


def test_an_attribute_of_an_unset_dataset_is_refused_not_dropped(nwb_map, tmp_path):
    """A TimeSeries given a rate but no starting_time (the dataset the rate is stored on): the write refuses,
    naming both, instead of storing a series with neither rate nor timestamps (which pynwb cannot read)."""
    from hdmfzarr import ZarrIO
    from hdmfzarr.errors import BuildError

    nwb = make_file(nwb_map)
    series = nwb_map.get_class("TimeSeries", "core")(name="no_start", data=np.arange(3.0), data__unit="m", rate=5.0)
    nwb.acquisition__nwb_data_interfaces = [*nwb.acquisition.values(), series]
    with pytest.raises(BuildError, match=r"no_start: 'starting_time__rate' is set \(5.0\) but dataset 'starting_time'"):
        with ZarrIO(tmp_path / "x.zarr", mode="w", type_map=nwb_map) as io:
            io.write(nwb)


def test_pynwb_written_store_constructs_generated_classes():
    """tests/fixtures/hdmf_zarr_013/nwb.zarr (pynwb + hdmf-zarr 0.13): classes come from the cached spec."""
    from hdmfzarr import ZarrIO

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "hdmf_zarr_013" / "nwb.zarr"
    if not fixture.exists():
        pytest.skip("fixture store not present")
    with ZarrIO(str(fixture), mode="r") as io:
        f = io.read()
        assert type(f).__name__ == "NWBFile" and type(f).namespace == "core"
        electrodes = f.general__extracellular_ephys__electrodes
        group = f.general__extracellular_ephys__electrode_groups[0]
        assert group.device is f.general__devices__devices[0]  # a link resolves to the shared object
        assert electrodes.get_dict(0)["group"] is group  # a dataset of references, resolved on access
        series = f.acquisition__nwb_data_interfaces[0]
        assert series.electrodes.table is electrodes  # a DynamicTableRegion's table reference
        assert f.modified is False


def test_objects_are_reached_by_stored_path_and_by_name(nwb_map):
    """``f["acquisition/ts"]``, ``f.acquisition["ts"]`` (a view named after the untyped group) and
    fields of many typed children as name-keyed mappings; the flattened field names stay."""
    from hdmfzarr.container import Children, GroupView

    f = make_file(nwb_map)
    ts = f.acquisition__nwb_data_interfaces["ts"]
    assert isinstance(f.acquisition__nwb_data_interfaces, Children)
    assert list(f.acquisition__nwb_data_interfaces) == ["ts"]  # iterates names, like a dict
    assert f.acquisition__nwb_data_interfaces[0] is ts  # position still works
    assert f["acquisition/ts"] is ts and f["/acquisition/ts/"] is ts
    assert isinstance(f.acquisition, GroupView) and f.acquisition["ts"] is ts and list(f.acquisition) == ["ts"]
    assert f["general/devices/dev"] is f.general__devices__devices["dev"]
    assert f.general["devices"]["dev"].description == "a device"
    assert np.array_equal(f["acquisition/ts/data"], np.arange(10.0))  # an untyped dataset: its value
    with pytest.raises(KeyError, match="no object 'nope'"):
        f["acquisition/nope"]
    with pytest.raises(TypeError, match="stored path"):
        f[0]
    ts2 = nwb_map.get_class("TimeSeries", "core")(name="ts", data=[1.0], data__unit="m", starting_time=0.0,
                                                   starting_time__rate=1.0)
    from hdmfzarr.errors import ContainerError

    with pytest.raises(ContainerError, match="two objects are named 'ts'"):
        f.acquisition__nwb_data_interfaces = [ts, ts2]


def test_pynwb_written_store_by_path(tmp_path, benchmark_module):
    """A store written by pynwb + hdmf-zarr 0.14: trials, units and series by path and by group name."""
    from hdmfzarr import ZarrIO

    make_nwb = benchmark_module("bench_latency").make_nwb
    path = tmp_path / "f.nwb.zarr"
    make_nwb(path, n_series=3, n_units=4, n_trials=2)
    with ZarrIO(path) as io:
        nwb = io.read()
        assert nwb.intervals["trials"] is nwb["intervals/trials"]
        assert nwb["intervals/trials"]["start_time"][:].tolist() == [0.0, 1.0]
        assert sorted(nwb.acquisition) == ["series_0000", "series_0001", "series_0002"]
        assert nwb.acquisition["series_0001"].starting_time__rate == 1000.0
        assert len(nwb["units"]) == 4


def test_untyped_group_of_datasets_only_is_reached_by_path(tmp_path):
    """pynwb + hdmf-zarr 0.14 store whose ``general`` holds datasets only (no typed child): ``nwb["general"]`` is
    a view of them and ``nwb["general/session_id"]`` their value (it was a KeyError: views needed typed children)."""
    pynwb = pytest.importorskip("pynwb")
    hdmf_zarr_nwb = pytest.importorskip("hdmf_zarr.nwb")
    from hdmfzarr import ZarrIO

    path = tmp_path / "general.nwb.zarr"
    nwb = pynwb.NWBFile(session_description="d", identifier="id1", session_id="S42", experimenter=["Ann"],
                        institution="Inst", session_start_time=dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr_nwb.NWBZarrIO(str(path), "w") as io:
            io.write(nwb)
    with ZarrIO(path) as io:
        root = io.read()
        assert sorted(root["general"]) == ["experimenter", "institution", "session_id"]
        assert root["general/session_id"] == "S42" and root["general"]["institution"] == "Inst"
        assert list(root["general/experimenter"][:]) == ["Ann"]
        with pytest.raises(KeyError, match="no object 'lab' in general"):
            root["general/lab"]


def test_nested_fields_answer_to_their_own_names_when_unambiguous(tmp_path, benchmark_module):
    """pynwb's names on a store pynwb wrote: ``nwb.trials``, ``nwb.electrodes``, ``ts.rate`` reach the nested fields
    (``intervals__trials``, ...); a name several fields end with (``unit``: data, starting_time, timestamps) is not
    given to any, and a flattened name keeps working."""
    from hdmfzarr import ZarrIO

    make_nwb = benchmark_module("bench_latency").make_nwb
    path = tmp_path / "f.nwb.zarr"
    make_nwb(path, n_series=2, n_units=3, n_trials=2)
    with ZarrIO(path) as io:
        nwb = io.read()
        assert nwb.trials is nwb.intervals__trials and nwb.trials["start_time"][:].tolist() == [0.0, 1.0]
        assert nwb.electrodes is nwb.general__extracellular_ephys__electrodes
        ts = nwb.acquisition["series_0001"]
        assert ts.rate == ts.starting_time__rate == 1000.0 and ts.conversion == ts.data__conversion
        assert not hasattr(ts, "unit") and ts.data__unit == "V"
        ts.rate = 500.0  # an alias sets the field it names
        assert ts.starting_time__rate == 500.0
        spatial = io.type_map.get_class("SpatialSeries", "core")  # a TimeSeries: an inherited field by its name
        made = spatial(name="xy", data=[[1.0, 2.0]], data__unit="m", starting_time=0.0, rate=30.0)
        assert made.starting_time__rate == 30.0 and made.rate == 30.0


def test_children_added_as_pynwb_users_add_them_are_read_by_pynwb(nwb_map, tmp_path):
    """``nwb.add_acquisition(ts)`` (and ``add_<group>`` for each untyped group holding fields of many typed children)
    puts the child in the field of its type; a child no field there takes, or a name taken, is refused."""
    pytest.importorskip("hdmf_zarr")
    from hdmfzarr import ZarrIO

    f = make_file(nwb_map)
    TimeSeries, DynamicTable = nwb_map.get_class("TimeSeries", "core"), nwb_map.get_class("DynamicTable", "core")
    Device = nwb_map.get_class("Device", "core")
    lfp = TimeSeries(name="lfp", data=np.zeros((4, 2)), data__unit="V", starting_time=0.0, starting_time__rate=5.0)
    assert f.add_acquisition(lfp) is lfp and lfp.parent is f
    f.add_acquisition(DynamicTable(name="notes", description="a table", id=[0, 1]))
    assert sorted(f.acquisition__nwb_data_interfaces) == ["lfp", "ts"]
    assert list(f.acquisition__dynamic_tables) == ["notes"]
    with pytest.raises(TypeError, match=r"acquisition/ holds .*a Device fits none of them"):
        f.add_acquisition(Device(name="dev2", description="d"))
    with pytest.raises(ValueError, match="two objects are named 'lfp'"):
        f.add_acquisition(TimeSeries(name="lfp", data=[1.0], data__unit="V", starting_time=0.0,
                                     starting_time__rate=1.0))
    path = str(tmp_path / "added.nwb.zarr")
    with ZarrIO(path, mode="w", type_map=nwb_map) as io:
        io.write(f)
    with read_with_pynwb(path) as back:
        assert back.acquisition["lfp"].rate == 5.0 and back.acquisition["lfp"].data.shape == (4, 2)
        assert len(back.acquisition["notes"]) == 2

"""Real schema files shipped in installed packages (hdmf's hdmf-common 1.8+, NWB core) load and resolve."""

from __future__ import annotations

import json

import pytest

from hdmfzarr.spec import DatasetSpec, GroupSpec, NamespaceBuilder, NamespaceCatalog, RefSpec


@pytest.fixture
def hdmf_catalog(package_file) -> NamespaceCatalog:
    cat = NamespaceCatalog()
    cat.load_namespaces(package_file("hdmf", "common", "hdmf-common-schema", "common", "namespace.yaml"))
    return cat


@pytest.fixture
def nwb_catalog(package_file) -> NamespaceCatalog:
    cat = NamespaceCatalog()
    cat.load_namespaces(package_file("pynwb", "nwb-schema", "hdmf-common-schema", "common", "namespace.yaml"))
    cat.load_namespaces(package_file("pynwb", "nwb-schema", "core", "nwb.namespace.yaml"))
    return cat


def test_hdmf_common_and_experimental(hdmf_catalog: NamespaceCatalog) -> None:
    cat = hdmf_catalog
    assert cat.namespaces == ("hdmf-common", "hdmf-experimental")
    version = tuple(int(x) for x in cat.get_namespace("hdmf-common").version.split(".")[:2])
    assert version >= (1, 8)
    assert cat.get_namespace("hdmf-common").type_key == "data_type"
    assert "DynamicTable" in cat.get_types("hdmf-experimental")
    assert cat.get_types("hdmf-experimental", own_only=True)
    for ns in cat.namespaces:
        for dt in cat.get_types(ns):
            spec = cat.get_spec(ns, dt)
            assert spec.data_type_def == dt
    vi = cat.get_spec("hdmf-common", "VectorIndex")
    assert isinstance(vi, DatasetSpec) and vi.get_attribute("target").dtype == RefSpec("VectorData")


def test_nwb_core_every_type_resolves(nwb_catalog: NamespaceCatalog) -> None:
    cat = nwb_catalog
    assert cat.get_namespace("core").type_key == "neurodata_type"
    own = cat.get_types("core", own_only=True)
    assert len(own) >= 80
    for dt in cat.get_types("core"):
        spec = cat.get_spec("core", dt)
        assert spec.data_type_def == dt
        assert isinstance(spec, (GroupSpec, DatasetSpec))
        assert cat.get_hierarchy("core", dt)[0] == dt


def test_nwb_electrical_series(nwb_catalog: NamespaceCatalog) -> None:
    cat = nwb_catalog
    es = cat.get_spec("core", "ElectricalSeries")
    assert cat.get_hierarchy("core", "ElectricalSeries")[:2] == ("ElectricalSeries", "TimeSeries")
    data = es.get_dataset("data")
    assert data is not None and data.dtype == "numeric" and len(data.shapes) == 3
    assert data.get_attribute("unit").value == "volts"  # refined value
    assert data.get_attribute("conversion") is not None  # inherited from TimeSeries.data
    ts = es.get_dataset("timestamps")
    assert ts is not None and ts.dtype == "float64" and not ts.required
    electrodes = es.get_dataset("electrodes")
    assert electrodes.data_type_inc == "DynamicTableRegion"
    assert electrodes.get_attribute("table").dtype.target_type == "DynamicTable"
    assert es.get_attribute("description") is not None and es.get_attribute("filtering") is not None
    assert es.get_dataset("starting_time") is not None
    assert cat.namespace_of("DynamicTableRegion") == "hdmf-common"


def test_nwb_file_and_nested_types(nwb_catalog: NamespaceCatalog) -> None:
    cat = nwb_catalog
    nwbfile = cat.get_spec("core", "NWBFile")
    assert nwbfile.name == "root"
    general = nwbfile.get_group("general")
    assert general is not None and general.parent is nwbfile
    assert nwbfile.get_dataset("session_start_time").dtype == "isodatetime"


def test_nwb_cache_round_trip(nwb_catalog: NamespaceCatalog) -> None:
    cache = json.loads(json.dumps(nwb_catalog.to_cache()))
    back = NamespaceCatalog()
    back.load_cache(cache)
    assert back == nwb_catalog
    assert back.get_spec("core", "ElectricalSeries") == nwb_catalog.get_spec("core", "ElectricalSeries")


def test_nwb_export_round_trip(nwb_catalog: NamespaceCatalog, tmp_path) -> None:
    back = NamespaceCatalog()
    for ns in nwb_catalog.namespaces:
        path = NamespaceBuilder.from_namespace(nwb_catalog.get_namespace(ns)).export(
            f"{ns}.namespace.yaml", outdir=tmp_path / ns)
        back.load_namespaces(path)
    assert back == nwb_catalog


def test_cache_in_hdmf_layout_loads(nwb_catalog: NamespaceCatalog) -> None:
    """What hdmf/hdmf-zarr cache in a store: {"namespaces": [ns]} wrappers, sources named without extension."""
    hdmf_spec = pytest.importorskip("hdmf.spec")
    pynwb = pytest.importorskip("pynwb")
    theirs = pynwb.get_type_map().namespace_catalog
    assert isinstance(theirs, hdmf_spec.NamespaceCatalog)
    cache = {}
    for name in theirs.namespaces:
        ns = theirs.get_namespace(name)
        sources = {}
        schema = []
        for e in ns.schema:
            if "source" in e:
                stem = e["source"].rsplit(".yaml", 1)[0]
                sources[stem] = json.loads(json.dumps(theirs.get_spec_source_dict(e["source"])))
                schema.append({"source": stem})
            else:
                schema.append({"namespace": e["namespace"]})
        nsd = {k: ns[k] for k in ("name", "doc", "version", "author", "contact", "full_name") if k in ns}
        nsd["schema"] = schema
        cache[name] = {"version": ns.version, "namespace": {"namespaces": [json.loads(json.dumps(nsd))]},
                       "sources": sources}
    cat = NamespaceCatalog()
    cat.load_cache(cache)
    assert set(cat.namespaces) == set(theirs.namespaces)
    assert cat.get_spec("core", "ElectricalSeries") == nwb_catalog.get_spec("core", "ElectricalSeries")
    assert sorted(cat.get_types("core")) == sorted(nwb_catalog.get_types("core"))


def test_nwb_core_alone_finds_hdmf_common_nearby(package_file) -> None:
    cat = NamespaceCatalog()
    loaded = cat.load_namespaces(package_file("pynwb", "nwb-schema", "core", "nwb.namespace.yaml"))
    assert "core" in loaded and "hdmf-common" in cat.namespaces
    assert cat.get_spec("core", "ElectricalSeries").get_dataset("electrodes").data_type_inc == "DynamicTableRegion"

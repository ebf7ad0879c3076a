"""Namespaces and the catalog: includes (whole and filtered), type keys, queries, cache round trip."""

from __future__ import annotations

import json

import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import DatasetSpec, GroupSpec, NamespaceCatalog, default_namespace_path

CORE = {"groups": [
    {"data_type_def": "Container", "doc": "c"},
    {"data_type_def": "Table", "data_type_inc": "Container", "doc": "t",
     "datasets": [{"data_type_inc": "Column", "doc": "cols", "quantity": "*"}]},
    {"data_type_def": "Unused", "data_type_inc": "Container", "doc": "u"}],
    "datasets": [{"data_type_def": "Data", "doc": "d"},
                 {"data_type_def": "Column", "data_type_inc": "Data", "doc": "col", "dtype": "text"}]}

EXT = {"groups": [{"neurodata_type_def": "MyTable", "neurodata_type_inc": "Table", "doc": "mine",
                   "attributes": [{"name": "who", "doc": "w", "dtype": "text"}]}]}


@pytest.fixture
def two_namespaces(make_namespace, write_schema):
    core = write_schema([make_namespace("core-ns", sources=("core.yaml",))], {"core.yaml": CORE},
                        ns_file="core.namespace.yaml")
    ext = write_schema([make_namespace("ext", sources=("ext.yaml",), includes=("core-ns",))],
                       {"ext.yaml": EXT}, ns_file="ext.namespace.yaml")
    return core, ext


def test_include_whole_namespace(two_namespaces) -> None:
    core, ext = two_namespaces
    cat = NamespaceCatalog()
    assert cat.load_namespaces(core) == {"core-ns": {}}
    loaded = cat.load_namespaces(ext)
    assert set(loaded["ext"]["core-ns"]) == {"Container", "Table", "Unused", "Data", "Column"}
    assert cat.namespaces == ("core-ns", "ext")
    assert cat.get_types("ext", own_only=True) == ["MyTable"]
    assert set(cat.get_types("ext")) == {"MyTable", "Container", "Table", "Unused", "Data", "Column"}
    assert cat.get_hierarchy("ext", "MyTable") == ("MyTable", "Table", "Container")
    my = cat.get_spec("ext", "MyTable")
    assert isinstance(my, GroupSpec) and my.get_attribute("who").dtype == "text"
    assert my.get_data_type("Column").dtype == "text"
    assert cat.namespace_of("MyTable") == "ext" and cat.namespace_of("Table") == "core-ns"
    assert cat.get_spec("ext", "Table") is cat.get_spec("core-ns", "Table")
    assert cat.source_of("ext", "Table") == ("core-ns", "core.yaml")


def test_type_key_is_remembered_per_namespace(two_namespaces) -> None:
    core, ext = two_namespaces
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    cat.load_namespaces(ext)
    assert cat.get_namespace("core-ns").type_key == "data_type"
    assert cat.get_namespace("ext").type_key == "neurodata_type"
    src = cat.to_cache()["ext"]["sources"]["ext"]
    assert src["groups"][0]["neurodata_type_def"] == "MyTable"


def test_filtered_include_takes_types_and_their_dependencies(make_namespace, write_schema) -> None:
    core = write_schema([make_namespace("core-ns", sources=("core.yaml",))], {"core.yaml": CORE},
                        ns_file="core.namespace.yaml")
    ext = write_schema([make_namespace("ext", sources=(), includes=(("core-ns", ["Table"]),))], {},
                       ns_file="ext.namespace.yaml")
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    loaded = cat.load_namespaces(ext)
    assert loaded["ext"]["core-ns"] == ("Column", "Container", "Data", "Table")
    assert not cat.has_type("ext", "Unused") and cat.has_type("ext", "Column")
    with pytest.raises(SpecError, match="'Unused'"):
        cat.get_spec("ext", "Unused")


def test_filtered_source_entry(make_namespace, write_schema) -> None:
    ns = make_namespace("core-ns", sources=())
    ns["schema"] = [{"source": "core.yaml", "data_types": ["Container", "Data"]}]
    cat = NamespaceCatalog()
    cat.load_namespaces(write_schema([ns], {"core.yaml": CORE}))
    assert sorted(cat.get_types("core-ns")) == ["Container", "Data"]


def test_several_namespaces_in_one_file_in_any_order(make_namespace, write_schema) -> None:
    ext = make_namespace("ext", sources=("ext.yaml",), includes=("core-ns",))
    core = make_namespace("core-ns", sources=("core.yaml",))
    cat = NamespaceCatalog()
    cat.load_namespaces(write_schema([ext, core], {"core.yaml": CORE, "ext.yaml": EXT}))
    assert cat.namespaces == ("core-ns", "ext")


def test_reloading_same_namespace_is_skipped_and_version_change_warns(make_namespace, write_schema,
                                                                        tmp_path) -> None:
    path = write_schema([make_namespace("core-ns", sources=("core.yaml",))], {"core.yaml": CORE})
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    assert cat.load_namespaces(path) == {"core-ns": {}}  # the same file again: hdmf's answer, the first result
    other = write_schema([make_namespace("core-ns", sources=("core.yaml",), version="9.9")], {},
                         ns_file="v2.yaml")
    with pytest.warns(UserWarning, match="9.9"):
        cat.load_namespaces(other)
    assert cat.get_namespace("core-ns").version == "0.1.0"


def test_cache_round_trip_is_json_and_equal(two_namespaces) -> None:
    core, ext = two_namespaces
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    cat.load_namespaces(ext)
    cache = json.loads(json.dumps(cat.to_cache()))
    assert set(cache) == {"core-ns", "ext"}
    assert cache["core-ns"]["version"] == "0.1.0"
    assert cache["core-ns"]["namespace"]["schema"] == [{"source": "core"}]
    assert set(cache["core-ns"]["sources"]) == {"core"}
    back = NamespaceCatalog()
    back.load_cache(cache)
    assert back == cat
    assert back.get_spec("ext", "MyTable") == cat.get_spec("ext", "MyTable")
    assert back.get_namespace("ext").type_key == "neurodata_type"


def test_cache_accepts_hdmf_wrapped_namespace_and_reports_missing_source(two_namespaces) -> None:
    core, _ = two_namespaces
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    cache = cat.to_cache()
    cache["core-ns"]["namespace"] = {"namespaces": [cache["core-ns"]["namespace"]]}
    back = NamespaceCatalog()
    back.load_cache(cache)
    assert back == cat
    del cache["core-ns"]["sources"]["core"]
    with pytest.raises(SpecError, match="missing from the cache"):
        NamespaceCatalog().load_cache(cache)


def test_catalogs_differ_when_a_spec_differs(make_namespace, write_schema, tmp_path) -> None:
    a = NamespaceCatalog()
    a.load_namespaces(write_schema([make_namespace("core-ns", sources=("core.yaml",))], {"core.yaml": CORE}))
    changed = json.loads(json.dumps(a.to_cache()))
    changed["core-ns"]["sources"]["core"]["groups"][0]["doc"] = "different"
    b = NamespaceCatalog()
    b.load_cache(changed)
    assert a != b


def test_bundled_hdmf_common_newest_with_experimental() -> None:
    """The default bundle is the newest hdmf-common release with hdmf-experimental, as hdmf 6.2 ships it."""
    path = default_namespace_path()
    assert path.name == "namespace.yaml" and path.parent.name == "hdmf-common"
    assert (path.parent / "license.txt").is_file()
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    assert cat.get_namespace("hdmf-common").version == "1.10.0"
    assert cat.get_namespace("hdmf-experimental").version == "0.6.0"
    assert "MeaningsTable" in cat.get_types("hdmf-common") and "EnumData" in cat.get_types("hdmf-experimental")
    enum = cat.get_spec("hdmf-experimental", "EnumData")
    assert enum.get_attribute("elements").dtype.target_type == "VectorData"


def test_bundled_hdmf_common_151() -> None:
    path = default_namespace_path("1.5.1")
    assert path.name == "namespace.yaml" and path.parent.name == "hdmf-common-1.5.1"
    assert (path.parent / "license.txt").is_file()
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    ns = cat.get_namespace("hdmf-common")
    assert ns.version == "1.5.1" and ns.full_name == "HDMF Common" and len(ns.author) == 4
    assert ns.get_source_files() == ["base.yaml", "table.yaml", "sparse.yaml"]
    assert sorted(cat.get_types("hdmf-common")) == sorted([
        "Data", "Container", "SimpleMultiContainer", "VectorData", "VectorIndex", "ElementIdentifiers",
        "DynamicTableRegion", "DynamicTable", "AlignedDynamicTable", "CSRMatrix"])
    dt = cat.get_spec("hdmf-common", "DynamicTable")
    assert [a.name for a in dt.attributes] == ["colnames", "description"]
    ids = dt.get_dataset("id")
    assert ids.data_type_inc == "ElementIdentifiers" and ids.dtype == "int" and ids.required
    assert dt.get_data_type("VectorData").is_many()
    vi = cat.get_spec("hdmf-common", "VectorIndex")
    assert isinstance(vi, DatasetSpec) and vi.dtype == "uint8" and vi.shape == [None]
    assert vi.get_attribute("target").dtype.target_type == "VectorData"
    assert vi.get_attribute("description") is not None  # inherited from VectorData
    vd = cat.get_spec("hdmf-common", "VectorData")
    assert len(vd.shapes) == 4 and list(vd.dims[3]) == ["dim0", "dim1", "dim2", "dim3"]
    dtr = cat.get_spec("hdmf-common", "DynamicTableRegion")
    assert dtr.get_attribute("table").dtype.target_type == "DynamicTable" and dtr.dtype == "int"
    assert cat.get_spec("hdmf-common", "ElementIdentifiers").default_name == "element_id"
    csr = cat.get_spec("hdmf-common", "CSRMatrix")
    assert list(csr.get_attribute("shape").shape) == [2] and csr.get_attribute("shape").dtype == "uint"
    assert csr.get_dataset("data").dtype is None and csr.get_dataset("indptr").dtype == "uint"
    adt = cat.get_spec("hdmf-common", "AlignedDynamicTable")
    assert [a.name for a in adt.attributes] == ["categories", "colnames", "description"]  # own first (hdmf)
    assert adt.get_dataset("id") is not None and adt.get_data_type("DynamicTable").quantity == "*"
    smc = cat.get_spec("hdmf-common", "SimpleMultiContainer")
    assert smc.get_data_type("Data").is_many() and smc.get_data_type("Container").is_many()
    assert cat.get_hierarchy("hdmf-common", "AlignedDynamicTable") == ("AlignedDynamicTable", "DynamicTable",
                                                                       "Container")


def test_copy_is_independent(two_namespaces) -> None:
    core, ext = two_namespaces
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    spec = cat.get_spec("core-ns", "Table")
    dup = cat.copy()
    assert dup == cat and dup.get_spec("core-ns", "Table") is spec
    dup.load_namespaces(ext)
    assert dup.namespaces == ("core-ns", "ext") and cat.namespaces == ("core-ns",)
    assert dup.get_spec("ext", "MyTable").get_attribute("who") is not None


def test_included_namespace_file_in_a_sibling_folder_is_found(make_namespace, tmp_path) -> None:
    import yaml

    (tmp_path / "common").mkdir()
    (tmp_path / "ext").mkdir()
    (tmp_path / "common" / "core.yaml").write_text(yaml.safe_dump(CORE))
    (tmp_path / "common" / "namespace.yaml").write_text(yaml.safe_dump(
        {"namespaces": [make_namespace("core-ns", sources=("core.yaml",))]}))
    (tmp_path / "ext" / "ext.yaml").write_text(yaml.safe_dump(EXT))
    ext = tmp_path / "ext" / "ext.namespace.yaml"
    ext.write_text(yaml.safe_dump({"namespaces": [make_namespace("ext", sources=("ext.yaml",),
                                                                 includes=("core-ns",))]}))
    cat = NamespaceCatalog()
    cat.load_namespaces(ext)
    assert cat.namespaces == ("core-ns", "ext")


def test_filtered_include_of_unknown_type_and_neurodata_types_key(make_namespace, write_schema) -> None:
    core = write_schema([make_namespace("core-ns", sources=("core.yaml",))], {"core.yaml": CORE},
                        ns_file="core.namespace.yaml")
    cat = NamespaceCatalog()
    cat.load_namespaces(core)
    bad = make_namespace("ext", sources=())
    bad["schema"] = [{"namespace": "core-ns", "neurodata_types": ["Table", "Ghost"]}]
    with pytest.raises(SpecError, match="'Ghost'") as e:
        cat.load_namespaces(write_schema([bad], {}, ns_file="bad.namespace.yaml"))
    assert e.value.key == "data_types"
    good = make_namespace("ext", sources=())
    good["schema"] = [{"namespace": "core-ns", "neurodata_types": ["Column"]}]
    cat.load_namespaces(write_schema([good], {}, ns_file="good.namespace.yaml"))
    assert sorted(cat.get_types("ext")) == ["Column", "Data"]


# -- check=False: top-level specs built on first use ---------------------------------------------


def test_lazy_load_equals_eager_load() -> None:
    # the bundled hdmf-common + hdmf-experimental loaded with check=False build each spec on first use; what the
    # catalog then answers is what an eager load answers: type order, specs, sources, cache, equality
    lazy, eager = NamespaceCatalog(), NamespaceCatalog()
    lazy.load_namespaces(default_namespace_path(), check=False)
    eager.load_namespaces(default_namespace_path())
    common = lazy.get_namespace("hdmf-common")
    assert "CSRMatrix" in common.pending_types() and eager.get_namespace("hdmf-common").pending_types() == ()
    assert lazy.namespace_of("EnumData") == "hdmf-experimental"  # answered without building its spec
    assert "EnumData" in lazy.get_namespace("hdmf-experimental").pending_types()
    for name in eager.namespaces:
        assert lazy.get_namespace(name).own_types() == eager.get_namespace(name).own_types()
    assert lazy.get_spec("hdmf-common", "DynamicTable") == eager.get_spec("hdmf-common", "DynamicTable")
    assert "DynamicTable" not in common.pending_types() and "CSRMatrix" in common.pending_types()
    assert lazy.get_hierarchy("hdmf-experimental", "EnumData") == eager.get_hierarchy("hdmf-experimental", "EnumData")
    assert lazy.to_cache() == eager.to_cache() and lazy == eager
    assert common.pending_types() == ()  # to_cache needed every spec


def test_lazy_cache_load_equals_eager_cache_load() -> None:
    # load_cache(check=False) is lazy as load_namespaces(check=False) is: a store's cached namespaces (NWB core: ~100
    # types) cost only the types a read meets
    cache = NamespaceCatalog()
    cache.load_namespaces(default_namespace_path())
    lazy, eager = NamespaceCatalog(), NamespaceCatalog()
    lazy.load_cache(cache.to_cache(), check=False)
    eager.load_cache(cache.to_cache())
    common = lazy.get_namespace("hdmf-common")
    assert "CSRMatrix" in common.pending_types() and eager.get_namespace("hdmf-common").pending_types() == ()
    assert lazy.get_spec("hdmf-common", "DynamicTable") == eager.get_spec("hdmf-common", "DynamicTable")
    assert "CSRMatrix" in common.pending_types() and "DynamicTable" not in common.pending_types()
    assert lazy.to_cache() == eager.to_cache() and lazy == eager


def test_lazy_load_nested_definition_builds_its_parent(make_namespace, write_schema) -> None:
    nested = {"groups": [{"data_type_def": "Outer", "doc": "o",
                          "groups": [{"data_type_def": "Inner", "doc": "i"}]}]}
    path = write_schema([make_namespace("n", sources=("n.yaml",))], {"n.yaml": nested})
    cat = NamespaceCatalog()
    cat.load_namespaces(path, check=False)
    ns = cat.get_namespace("n")
    assert ns.own_types() == ["Outer", "Inner"] and ns.pending_types() == ("Outer", "Inner")
    assert cat.get_spec("n", "Inner").doc == "i"
    assert ns.pending_types() == ()  # building Inner built the spec that holds it


@pytest.mark.parametrize("source", [
    {"groups": [{"doc": "no type"}]},  # a top-level spec without a type
    {"groups": [{"data_type_def": "A", "neurodata_type_def": "A", "doc": "both"}]},
    {"groups": {"data_type_def": "A", "doc": "not a list"}},
    {"widgets": []},
])
def test_lazy_load_still_reports_malformed_sources_at_load(make_namespace, write_schema, source) -> None:
    path = write_schema([make_namespace("n", sources=("n.yaml",))], {"n.yaml": source})
    with pytest.raises(SpecError):
        NamespaceCatalog().load_namespaces(path, check=False)


def test_lazy_load_reports_a_type_defined_twice_at_load(make_namespace, write_schema) -> None:
    twice = {"groups": [{"data_type_def": "A", "doc": "a"}, {"data_type_def": "B", "doc": "b",
                                                           "groups": [{"data_type_def": "A", "doc": "again"}]}]}
    path = write_schema([make_namespace("n", sources=("n.yaml",))], {"n.yaml": twice})
    with pytest.raises(SpecError, match="defined twice"):
        NamespaceCatalog().load_namespaces(path, check=False)

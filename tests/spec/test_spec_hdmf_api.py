"""hdmf 6.2's public spec API on hdmfzarr's model: specs are dicts, mutable, track inheritance."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from hdmfzarr.errors import SpecError, SpecFileNotFoundError, UnknownNamespaceError
from hdmfzarr.spec import (
    AttributeSpec, DatasetSpec, DtypeHelper, DtypeSpec, GroupSpec, LinkSpec, NamespaceBuilder, NamespaceCatalog,
    RefSpec, SpecCatalog, SpecNamespace, YAMLSpecWriter, default_namespace_path, export_spec,
)
from hdmfzarr.spec.dtypes import DTYPE_ALIASES, allowed_dtypes


def test_specs_are_json_dicts_holding_what_was_given() -> None:
    a = AttributeSpec("unit", "the unit", "float", shape=[None, 2])
    d = DatasetSpec("data", "int", name="data", attributes=[a], linkable=False)
    g = GroupSpec("root", name="root", datasets=[d])
    assert d["dtype"] == "int" and d.dtype == "int" and "linkable" in d and "data_type_def" not in d
    assert a.dims == ("dim_0", "dim_1")  # hdmf's placeholder dims for a shape given without them
    assert a.parent is d and d.parent is g and a.path == "root/data/unit"
    assert json.loads(json.dumps(g))["datasets"][0]["attributes"][0]["name"] == "unit"
    with pytest.raises(AttributeError, match="re-assign"):
        a.parent = g


def test_set_and_add_children_and_get_data_type() -> None:
    g = GroupSpec("g", data_type_def="G")
    g.set_attribute(AttributeSpec("a", "a", "text"))
    g.set_attribute(AttributeSpec("a", "a", "int", value=5))  # replaces by name
    assert [x.dtype for x in g.attributes] == ["int"] and g.get_attribute("a").value == 5
    with pytest.warns(DeprecationWarning):
        g.add_dataset("d", "float", name="d")
    named = GroupSpec("n", data_type_inc="T", name="n")
    unnamed = GroupSpec("u", data_type_inc="T")
    g.set_group(named)
    assert g.get_data_type("T") is named
    g.set_group(unnamed)
    assert g.get_data_type("T") is unnamed  # the unnamed one wins, as in hdmf
    assert g.get_data_types("T") == [named, unnamed]
    with pytest.raises(SpecError, match="same data type without specifying name"):
        g.set_group(GroupSpec("u2", data_type_inc="T"))
    g.set_link(LinkSpec("l", "T", name="l"))
    assert g.get_target_type("T") is g.get_link("l")


def test_hdmf_messages_for_bad_specs() -> None:
    with pytest.raises(ValueError, match=r"^Invalid quantity '0'"):
        GroupSpec("g", name="x", quantity=0)
    with pytest.raises(ValueError, match="^'shape' must not be empty$"):
        DatasetSpec("d", "int", name="d", shape=[])
    with pytest.raises(ValueError, match="not a valid primary data type"):
        DtypeSpec("c", "c", "bad dtype")


def test_resolve_inc_spec_in_place_tracks_inherited_and_overridden() -> None:
    base = GroupSpec("b", data_type_def="B", attributes=[AttributeSpec("x", "x", "text"),
                                                          AttributeSpec("y", "y", "text")],
                     datasets=[DatasetSpec("d", "int", name="d")])
    ext = GroupSpec("e", data_type_def="E", data_type_inc="B", attributes=[AttributeSpec("y", "y2", "text",
                                                                                         value="v")])
    assert not ext.inc_spec_resolved
    ext.resolve_inc_spec(base, None)
    assert [a.name for a in ext.attributes] == ["y", "x"]  # own first, then inherited
    assert ext.is_inherited_attribute("x") and ext.is_overridden_attribute("y")
    assert ext.is_inherited_dataset("d") and not ext.is_overridden_dataset("d")
    assert ext.get_dataset("d").parent is ext
    with pytest.raises(ValueError, match="Cannot extend int to float"):
        DatasetSpec("c", "float", data_type_def="C", data_type_inc="B2").resolve_inc_spec(
            DatasetSpec("p", "int", data_type_def="B2"), None)


def test_catalog_hands_out_resolved_specs_with_inheritance_recorded() -> None:
    cat = NamespaceCatalog()
    cat.load_namespaces(default_namespace_path())
    dt = cat.get_spec("hdmf-common", "DynamicTable")
    assert dt.resolved and dt.inc_spec_resolved and not dt.is_inherited_attribute("colnames")
    assert dt.get_data_type("VectorData").is_many()
    assert cat.get_hierarchy("hdmf-common", "DynamicTableRegion") == ("DynamicTableRegion", "VectorData", "Data")
    assert {"VectorData", "VectorIndex", "DynamicTable"} <= set(cat.get_types("table.yaml"))
    assert "VectorData" in [s.data_type_def for s in cat.get_spec_source_dict("table.yaml")["datasets"]]
    with pytest.raises(KeyError):
        cat.get_namespace("nope")
    with pytest.raises(UnknownNamespaceError):
        cat.get_spec("nope", "X")
    merged = NamespaceCatalog()
    merged.merge(cat)
    assert merged.get_spec("hdmf-common", "DynamicTable") == dt


def test_load_twice_resolve_false_and_missing_file(tmp_path) -> None:
    b = NamespaceBuilder("ext", "ext", version="1.0.0")
    b.add_spec("ext.yaml", GroupSpec("base", data_type_def="Base", attributes=[AttributeSpec("a", "a", "int")]))
    b.add_spec("ext.yaml", GroupSpec("child", data_type_def="Child", data_type_inc="Base"))
    path = b.export("ext.namespace.yaml", outdir=tmp_path)
    cat = NamespaceCatalog()
    first = cat.load_namespaces(path, resolve=False)
    assert cat.load_namespaces(path) == first
    assert cat.get_spec("ext", "Child").attributes == ()  # as written until resolve_all_specs
    cat.resolve_all_specs()
    child = cat.get_spec("ext", "Child")
    assert child.resolved and child.is_inherited_attribute("a")
    with pytest.raises(FileNotFoundError, match="not found") as e:
        cat.load_namespaces(tmp_path / "missing.yaml")
    assert isinstance(e.value, SpecFileNotFoundError)


def test_resolve_false_defers_inheritance_errors_to_resolve_all_specs(tmp_path) -> None:
    """As hdmf 6.2: load_namespaces(resolve=False) loads a type whose parent is unknown; resolve_all_specs raises."""
    b = NamespaceBuilder("ext", "ext", version="1.0.0")
    b.add_spec("ext.yaml", GroupSpec("child", data_type_def="Child", data_type_inc="Missing"))
    path = b.export("ext.namespace.yaml", outdir=tmp_path)
    cat = NamespaceCatalog()
    cat.load_namespaces(path, resolve=False)
    assert cat.namespaces == ("ext",)
    with pytest.raises(ValueError, match="unknown data type 'Missing'"):
        cat.resolve_all_specs()
    with pytest.raises(SpecError, match="'Missing'"):  # the default (resolve=True) still fails at load
        NamespaceCatalog().load_namespaces(path)
    b = NamespaceBuilder("cyc", "cyc", version="1.0.0")
    b.add_spec("cyc.yaml", GroupSpec("a", data_type_def="A", data_type_inc="B"))
    b.add_spec("cyc.yaml", GroupSpec("b", data_type_def="B", data_type_inc="A"))
    with pytest.raises(SpecError, match="circular inheritance"):  # a cycle fails at load all the same
        cat.load_namespaces(b.export("cyc.namespace.yaml", outdir=tmp_path), resolve=False)


@pytest.mark.parametrize("kind", ["attribute", "link"])
def test_extension_conflicting_with_a_core_link_loads_with_hdmfs_warning(tmp_path, kind: str) -> None:
    """As hdmf 6.2 (pynwb's DeviceModel case): an extension type making a link of its core parent an attribute, or a
    link to an unrelated type, is reported once per namespace (hdmf's words) and loads, the extension's spec kept."""
    core = NamespaceBuilder("core", "core", version="1.0.0")
    core.add_spec("core.yaml", GroupSpec("model", data_type_def="DeviceModel"))
    core.add_spec("core.yaml", GroupSpec("b", data_type_def="Base", links=[LinkSpec("l", "DeviceModel", name="model")]))
    core.add_spec("core.yaml", GroupSpec("c", data_type_def="CoreType", data_type_inc="Base"))
    cat = NamespaceCatalog(core_namespaces=["core"])
    cat.load_namespaces(core.export("core.namespace.yaml", outdir=tmp_path))
    ext = NamespaceBuilder("ext", "ext", version="1.0.0")
    ext.include_namespace("core")
    ext.add_spec("ext.yaml", GroupSpec("device", data_type_def="Device"))
    own = {"attributes": [AttributeSpec("model", "a", "text")]} if kind == "attribute" else \
        {"links": [LinkSpec("l", "Device", name="model")]}
    ext.add_spec("ext.yaml", GroupSpec("e", data_type_def="ExtType", data_type_inc="CoreType", **own))
    ext.add_spec("ext.yaml", GroupSpec("e2", data_type_def="ExtType2", data_type_inc="ExtType"))
    said = ("an attribute (dtype: text) while the core schema defines it as a link to DeviceModel."
            if kind == "attribute" else "a link to Device while the core schema defines it as a link to DeviceModel. "
                                        "Device is not a subtype of DeviceModel. ")
    with pytest.warns(UserWarning) as rec:
        cat.load_namespaces(ext.export("ext.namespace.yaml", outdir=tmp_path))
    assert [str(w.message) for w in rec] == [
        f"Schema conflict(s) detected in namespace 'ext': \n ext defines ExtType.model as {said} \nThis may cause "
        "compatibility issues. Please update the extension version if possible or install an older version of the "
        "core schema that is compatible."]
    for dt in ("ExtType", "ExtType2"):
        spec = cat.get_spec("ext", dt)
        assert [ln.target_type for ln in spec.links] == (["DeviceModel"] if kind == "attribute" else ["Device"])
        assert [a.name for a in spec.attributes] == (["model"] if kind == "attribute" else [])
    from hdmfzarr.build import get_type_map  # a store caching both is read as pynwb reads it ("core" is core there)
    with pytest.warns(UserWarning, match="Schema conflict"):
        read = get_type_map().with_cache(cat.to_cache()).get_spec("ext", "ExtType")
    assert [ln.target_type for ln in read.links] == [ln.target_type for ln in cat.get_spec("ext", "ExtType").links]
    plain = NamespaceCatalog()  # "core" not a core namespace: a re-targeted link is refused, as before
    plain.load_namespaces(tmp_path / "core.namespace.yaml")
    if kind == "link":
        with pytest.raises(SpecError, match="does not inherit from 'DeviceModel'"):
            plain.load_namespaces(tmp_path / "ext.namespace.yaml")


def test_spec_catalog_registers_hierarchy_and_warns_on_redefinition() -> None:
    cat = SpecCatalog()
    base = GroupSpec("b", data_type_def="Base")
    cat.register_spec(base, "a.yaml")
    cat.register_spec(GroupSpec("c", data_type_def="C", data_type_inc="Base"), "a.yaml")
    assert cat.get_hierarchy("C") == ("C", "Base") and cat.get_subtypes("Base") == ("C",)
    assert cat.get_full_hierarchy() == {"Base": {"C": {}}}
    assert copy.deepcopy(cat).get_registered_types() == ("Base", "C")
    with pytest.warns(UserWarning, match="defines a different specification for Base"):
        cat.register_spec(GroupSpec("other", data_type_def="Base"), "b.yaml")
    assert cat.get_spec("Base") is base


def test_dtype_helper_is_a_face_over_the_dtype_table() -> None:
    assert DtypeHelper.valid_primary_dtypes == set(DTYPE_ALIASES) | {"object"}
    for orig in DTYPE_ALIASES:
        for new in DTYPE_ALIASES:
            assert DtypeHelper.is_allowed_dtype(new, orig) == (DTYPE_ALIASES[new] in allowed_dtypes(orig))
    assert DtypeHelper.simplify_cpd_type([DtypeSpec("a", "a", "float"), DtypeSpec("r", "r", RefSpec("T"))]) == \
        ["float", "object"]
    with pytest.raises(ValueError, match="Unknown dtype 'bad'"):
        DtypeHelper.is_allowed_dtype("int", "bad")


def test_writer_orders_keys_as_hdmf_and_namespace_keeps_values(tmp_path) -> None:
    assert list(YAMLSpecWriter.sort_keys({"doc": "d", "dtype": "int", "name": "n", "attributes": []})) == \
        ["name", "dtype", "doc", "attributes"]
    b = NamespaceBuilder("doc", "lab", version="0.1.0", author="me", namespace_cls=SpecNamespace)
    assert export_spec(b, [GroupSpec("g", data_type_def="G", datasets=[DatasetSpec("t", "float", name="t")])],
                       tmp_path) == tmp_path / "lab.namespace.yaml"
    ns = yaml.safe_load((tmp_path / "lab.namespace.yaml").read_text())["namespaces"][0]
    assert list(ns) == sorted(ns) and ns["author"] == "me"
    assert (tmp_path / "lab.extensions.yaml").read_text().splitlines()[4:7] == \
        ["  - name: t", "    dtype: float", "    doc: t"]
    with pytest.warns(UserWarning, match="No data types"):
        assert export_spec(b, [], tmp_path) is None


def test_per_kind_methods_on_every_storage_spec_class_and_subclass_overrides_kept() -> None:
    class MyGroupSpec(GroupSpec):  # as an extension's spec classes (pynwb's NWBGroupSpec) override some
        def get_dataset(self, name: str) -> str:
            return f"mine: {name}"

    class Deeper(MyGroupSpec):
        pass

    d = DatasetSpec("d", "int", name="d", attributes=[AttributeSpec("a", "a", "text")])
    assert d.get_attribute("a").name == "a" and not hasattr(d, "get_dataset")
    g = GroupSpec("g", name="g", datasets=[d], links=[LinkSpec("l", "T", name="l")])
    assert g.get_dataset("d") is g.datasets[0] and g.get_link("l").target_type == "T" and g.get_group("x") is None
    assert Deeper("g", name="g").get_dataset("d") == "mine: d" and Deeper("g", name="g").get_group("x") is None
    with pytest.raises(SpecError, match="name 'd' is used by more than one of the datasets/groups/links"):
        GroupSpec("g", name="g", datasets=[DatasetSpec("d", "int", name="d")], groups=[GroupSpec("x", name="d")])

"""Class generation and mapping of untyped sub-groups/datasets (flattened into prefixed fields)."""

from __future__ import annotations

import inspect

import numpy as np

from hdmfzarr.build.builders import GroupBuilder
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.common import VectorData
from hdmfzarr.spec import AttributeSpec, DatasetSpec, GroupSpec, LinkSpec, NamespaceBuilder


def load(type_map, tmp_path, specs, name="ndx-cg"):
    nb = NamespaceBuilder(doc="d", name=name, version="0.1.0")
    nb.include_namespace("hdmf-common")
    for s in specs:
        nb.add_spec(f"{name}.yaml", s)
    type_map.load_namespaces(nb.export(f"{name}.namespace.yaml", outdir=tmp_path))


def test_untyped_subgroups_flatten_into_prefixed_fields(type_map, tmp_path, assert_same):
    rig = GroupSpec(
        doc="a rig",
        data_type_def="Rig",
        data_type_inc="Container",
        groups=[
            GroupSpec(doc="settings", name="settings",
                      attributes=[AttributeSpec("gain", "gain", "float64")],
                      datasets=[DatasetSpec(doc="offsets", name="offsets", dtype="float32", quantity="?")]),
            GroupSpec(doc="the columns", name="columns", quantity="?",
                      datasets=[DatasetSpec(doc="a column", data_type_inc="VectorData", quantity="*")]),
        ],
        links=[LinkSpec(doc="linked columns", target_type="VectorData", quantity="*")],
    )
    load(type_map, tmp_path, [rig])
    Rig = type_map.get_class("Rig", "ndx-cg")
    params = inspect.signature(Rig).parameters
    assert list(params) == ["name", "settings__gain", "settings__offsets", "columns", "vector_datas"]
    assert params["settings__offsets"].default is None
    v1 = VectorData(name="v1", description="one", data=[1, 2])
    v2 = VectorData(name="v2", description="two", data=[3])
    rig = Rig(name="rig", settings__gain=2.0, settings__offsets=np.array([0.5], dtype=np.float32),
              columns=[v1, v2], vector_datas=[v1])
    assert v1.parent is rig
    b = BuildManager(type_map).build(rig)
    assert isinstance(b.groups["settings"], GroupBuilder)
    assert b.groups["settings"].attributes == {"gain": 2.0}
    assert b.groups["settings"].datasets["offsets"].dtype == "float32"
    assert sorted(b.groups["columns"].datasets) == ["v1", "v2"]
    assert b.links["v1"].target is b["columns/v1"]
    back = BuildManager(type_map).construct(b)
    assert_same(rig, back)
    assert back.vector_datas[0] is back.columns[0]
    assert back.columns[0].parent is back


def test_optional_untyped_group_left_out_when_empty(type_map, tmp_path):
    spec = GroupSpec(doc="x", data_type_def="Holder", data_type_inc="Container",
                     groups=[GroupSpec(doc="extras", name="extras", quantity="?",
                                       datasets=[DatasetSpec(doc="e", name="e", dtype="int8", quantity="?")])])
    load(type_map, tmp_path, [spec], name="ndx-cg2")
    Holder = type_map.get_class("Holder", "ndx-cg2")
    b = BuildManager(type_map).build(Holder(name="h"))
    assert "extras" not in b
    b2 = BuildManager(type_map).build(Holder(name="h", extras__e=3))
    assert b2["extras/e"].dtype == "int8"
    assert BuildManager(type_map).construct(b2).extras__e == 3


def test_names_that_are_not_identifiers(type_map, tmp_path, assert_same):
    spec = GroupSpec(doc="odd names", data_type_def="Odd", data_type_inc="Container",
                     attributes=[AttributeSpec("class", "a keyword", "text"),
                                 AttributeSpec("sample-rate", "a dash", "float64")],
                     datasets=[DatasetSpec(doc="starts with a digit", name="2d", dtype="int8", quantity="?")])
    load(type_map, tmp_path, [spec], name="ndx-odd")
    Odd = type_map.get_class("Odd", "ndx-odd")
    assert list(inspect.signature(Odd).parameters) == ["name", "class_", "sample_rate", "_2d"]
    o = Odd(name="o", class_="c", sample_rate=1.5, _2d=np.int8(3))
    b = BuildManager(type_map).build(o)
    assert b.attributes["class"] == "c" and b.attributes["sample-rate"] == 1.5
    assert b.datasets["2d"].dtype == "int8"
    assert_same(o, BuildManager(type_map).construct(b))


def test_a_nested_field_by_its_own_name_and_a_subtype_field_of_that_name(type_map, tmp_path):
    """``settings__gain`` is also ``gain`` (no other field ends with it); a subtype with a field ``gain`` of its own
    gets that field under the name, and its constructor fills each field as named."""
    base = GroupSpec(doc="a rig", data_type_def="Rig2", data_type_inc="Container",
                     groups=[GroupSpec(doc="settings", name="settings",
                                       attributes=[AttributeSpec("gain", "gain", "float64")])])
    sub = GroupSpec(doc="a rig with its own gain", data_type_def="Rig3", data_type_inc="Rig2",
                    attributes=[AttributeSpec("gain", "overall gain", "float64")])
    load(type_map, tmp_path, [base, sub])
    Rig2, Rig3 = type_map.get_class("Rig2", "ndx-cg"), type_map.get_class("Rig3", "ndx-cg")
    r2 = Rig2(name="r", gain=2.0)
    assert r2.settings__gain == 2.0 and r2.gain == 2.0
    r3 = Rig3(name="r", settings__gain=2.0, gain=5.0)
    assert (r3.settings__gain, r3.gain) == (2.0, 5.0)
    b = BuildManager(type_map).build(r3)
    assert b.attributes["gain"] == 5.0 and b.groups["settings"].attributes == {"gain": 2.0}
    back = BuildManager(type_map).construct(b)
    assert (back.settings__gain, back.gain) == (2.0, 5.0)

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


def _mci_specs():
    bar = GroupSpec(doc="a bar", data_type_def="Bar", data_type_inc="Container",
                    attributes=[AttributeSpec(name="value", doc="v", dtype="int")])
    foo = GroupSpec(doc="a foo", data_type_def="Foo", data_type_inc="Container",
                    groups=[GroupSpec(doc="bars", data_type_inc="Bar", quantity="*")])
    return [bar, foo]


def _mci_session(Foo, Bar):
    """The same calls on hdmf's and hdmfzarr's generated classes: what each returns or raises."""
    out = []
    foo = Foo(name="foo")
    b1 = Bar(name="b1", value=3)
    out.append(foo.add_bars(b1) is b1)
    out.append((foo.get_bars("b1") is b1, foo.get_bars() is b1, b1.parent is foo))
    b2 = foo.create_bars(name="b2", value=4)
    out.append((type(b2).__name__, b2.parent is foo, b2.value))
    foo.add_bars([Bar(name="b3", value=5)])
    foo.add_bars({"b4": Bar(name="b4", value=6)})
    out.append(sorted(foo.bars))
    for bad in (lambda: foo.get_bars(), lambda: foo.get_bars("nope"), lambda: foo.add_bars(Bar(name="b1", value=1))):
        try:
            bad()
            out.append("no error")
        except KeyError:
            out.append("KeyError")
        except ValueError:
            out.append("ValueError")
    empty = Foo(name="empty")
    try:
        empty.get_bars()
        out.append("no error")
    except ValueError:
        out.append("ValueError")
    return out


def test_many_children_fields_get_hdmfs_add_get_create(type_map, tmp_path):
    # hdmf generates add_<field>/get_<field>/create_<field> for a field of many typed children (extension users
    # call them); the same session gives the same results on hdmf's classes and ours
    from hdmf.common import get_type_map

    load(type_map, tmp_path, _mci_specs(), name="ndx-mci")
    ours = _mci_session(type_map.get_class("Foo", "ndx-mci"), type_map.get_class("Bar", "ndx-mci"))
    theirs_map = get_type_map()
    theirs_map.load_namespaces(str(tmp_path / "ndx-mci.namespace.yaml"))
    theirs = _mci_session(theirs_map.get_dt_container_cls("Foo", "ndx-mci"),
                          theirs_map.get_dt_container_cls("Bar", "ndx-mci"))
    assert ours == theirs
    assert ours[-4:] == ["ValueError", "KeyError", "ValueError", "ValueError"]
    Foo = type_map.get_class("Foo", "ndx-mci")
    try:
        Foo(name="f").add_bars(VectorData(name="v", description="d", data=[1]))
    except TypeError as exc:
        assert "field 'bars': expected Bar, got VectorData" in str(exc)
    else:
        raise AssertionError("a VectorData was added as a Bar")


def test_children_added_by_add_method_are_written_and_read_back(type_map, tmp_path):
    from hdmfzarr import ZarrIO

    load(type_map, tmp_path, _mci_specs(), name="ndx-mci")
    Foo, Bar = type_map.get_class("Foo", "ndx-mci"), type_map.get_class("Bar", "ndx-mci")
    foo = Foo(name="root")
    foo.add_bars([Bar(name="a", value=1), Bar(name="b", value=2)])
    with ZarrIO(tmp_path / "s.zarr", "w", type_map=type_map) as io:
        io.write(foo)
    with ZarrIO(tmp_path / "s.zarr") as io:
        back = io.read()
        assert back.get_bars("b").value == 2 and sorted(back.bars) == ["a", "b"]
        assert back.get_bars("a").parent is back

"""TypeMap: an explicit, copyable registry; reverse lookup; mappers; custom hooks; neurodata_type keys."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

import numpy as np
import pytest

from hdmfzarr.build.builders import GroupBuilder
from hdmfzarr.build.common_mappers import DynamicTableMap, SimpleMultiContainerMap
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.build.mapper import ObjectMapper
from hdmfzarr.build.typemap import TypeMap, get_type_map
from hdmfzarr.common import DynamicTable, SimpleMultiContainer
from hdmfzarr.container import Container
from hdmfzarr.errors import BuildError, ContainerError, SpecError
from hdmfzarr.spec import AttributeSpec, DatasetSpec, GroupSpec, NamespaceBuilder


def test_default_map_is_built_once_and_copies_are_independent(tmp_path):
    tm = get_type_map()
    assert get_type_map() is tm
    assert "hdmf-common" in tm.namespace_catalog.namespaces
    copy = tm.copy()
    assert copy is not tm

    class Mine(Container):
        pass

    copy.register_class("Container", "hdmf-common", Mine)
    assert copy.get_class("Container", "hdmf-common") is Mine
    assert tm.get_class("Container", "hdmf-common") is Container

    nb = NamespaceBuilder(doc="d", name="ndx-copy", version="0.1.0")
    nb.include_namespace("hdmf-common")
    nb.add_spec("x.yaml", GroupSpec(doc="x", data_type_def="OnlyInCopy", data_type_inc="Container"))
    copy.load_namespaces(nb.export("ndx-copy.namespace.yaml", outdir=tmp_path))
    assert "ndx-copy" in copy.namespace_catalog.namespaces
    assert "ndx-copy" not in tm.namespace_catalog.namespaces
    with pytest.raises(SpecError):
        tm.get_class("OnlyInCopy")


def test_data_type_of_uses_registry_then_classvars(type_map):
    assert type_map.data_type_of(DynamicTable(name="t", description="d")) == ("hdmf-common", "DynamicTable")

    class SubTable(DynamicTable):  # unregistered subclass: inherits the DynamicTable type
        pass

    assert type_map.data_type_of(SubTable(name="t", description="d")) == ("hdmf-common", "DynamicTable")

    class Declared(Container):
        data_type = "Declared"
        namespace = "ndx-declared"

    assert type_map.data_type_of(Declared(name="x")) == ("ndx-declared", "Declared")

    class Registered(Container):
        pass

    type_map.register_class("SimpleMultiContainer", "hdmf-common", Registered)
    assert type_map.data_type_of(Registered) == ("hdmf-common", "SimpleMultiContainer")

    with pytest.raises(BuildError, match="not registered"):
        type_map.data_type_of(object())


def test_get_mapper_by_mro_and_builder(type_map):
    t = DynamicTable(name="t", description="d")
    assert type(type_map.get_mapper(t)) is DynamicTableMap
    smc = SimpleMultiContainer(name="s")
    assert type(type_map.get_mapper(smc)) is SimpleMultiContainerMap
    b = GroupBuilder("t", attributes={"namespace": "hdmf-common", "data_type": "DynamicTable"})
    m = type_map.get_mapper(b)
    assert type(m) is DynamicTableMap and m.data_type == "DynamicTable"
    assert type_map.get_mapper(t) is m  # cached per (namespace, type, mapper class)


def test_get_class_unknown_type(type_map):
    with pytest.raises(SpecError, match="NoSuchType"):
        type_map.get_class("NoSuchType")


def test_register_class_rejects_non_class(type_map):
    with pytest.raises(TypeError, match="expected a class"):
        type_map.register_class("Container", "hdmf-common", "not a class")  # type: ignore[arg-type]


def _load(type_map: TypeMap, tmp_path, specs: list, name: str = "ndx-hand") -> None:
    nb = NamespaceBuilder(doc="d", name=name, version="0.1.0")
    nb.include_namespace("hdmf-common")
    for s in specs:
        nb.add_spec(f"{name}.yaml", s)
    type_map.load_namespaces(nb.export(f"{name}.namespace.yaml", outdir=tmp_path))


def test_hand_written_class_with_custom_mapper(type_map, tmp_path, assert_same):
    spec = GroupSpec(
        doc="a probe", data_type_def="Probe", data_type_inc="Container",
        attributes=[AttributeSpec("serial_number", "serial", "text")],
        datasets=[DatasetSpec(doc="positions", name="positions", dtype="float64", shape=[None, 3])],
    )
    _load(type_map, tmp_path, [spec])

    class Probe(Container):
        """A plain Python class: field names differ from the spec's."""

        field_names = ("serial", "xyz")

        def __init__(self, name: str, serial: str, xyz: Any) -> None:
            super().__init__(name)
            self.serial = serial
            self.xyz = xyz

    class ProbeMap(ObjectMapper):
        renames = {"serial_number": "serial", "positions": "xyz"}

    type_map.register_class("Probe", "ndx-hand", Probe)
    type_map.register_mapper(Probe, ProbeMap)
    p = Probe(name="probe", serial="A1", xyz=np.zeros((2, 3)))
    b = BuildManager(type_map).build(p)
    assert b.attributes["serial_number"] == "A1"
    assert b.datasets["positions"].dtype == "float64"
    back = BuildManager(type_map).construct(b)
    assert type(back) is Probe
    assert_same(p, back)


def test_custom_get_value_hook(type_map, tmp_path):
    spec = GroupSpec(doc="c", data_type_def="Counter", data_type_inc="Container",
                     attributes=[AttributeSpec("count", "n", "int64")])
    _load(type_map, tmp_path, [spec], name="ndx-hook")

    class CounterMap(ObjectMapper):
        def get_value(self, container: Any, spec: Any) -> Any:
            if spec.name == "count":
                return len(container.items)
            return super().get_value(container, spec)

    Counter = type_map.get_class("Counter", "ndx-hook")
    type_map.register_mapper(Counter, CounterMap)
    c = Counter(name="c", count=0)
    c.items = [1, 2, 3]
    assert BuildManager(type_map).build(c).attributes["count"] == 3


def test_neurodata_type_key(type_map, tmp_path):
    (tmp_path / "ndx-nwbish.extensions.yaml").write_text(textwrap.dedent("""\
        groups:
        - neurodata_type_def: Device
          neurodata_type_inc: Container
          doc: a device
          attributes:
          - name: description
            dtype: text
            doc: what it is
        """))
    (tmp_path / "ndx-nwbish.namespace.yaml").write_text(textwrap.dedent("""\
        namespaces:
        - name: ndx-nwbish
          doc: nwb-like keys
          version: 0.1.0
          schema:
          - namespace: hdmf-common
          - source: ndx-nwbish.extensions.yaml
        """))
    type_map.load_namespaces(tmp_path / "ndx-nwbish.namespace.yaml")
    assert type_map.type_key("ndx-nwbish") == "neurodata_type"
    Device = type_map.get_class("Device", "ndx-nwbish")
    d = Device(name="dev", description="a device")
    b = BuildManager(type_map).build(d)
    assert b.attributes["neurodata_type"] == "Device"
    assert "data_type" not in b.attributes
    back = BuildManager(type_map).construct(b)
    assert type(back) is Device and back.description == "a device"


def test_generated_class_inherits_generated_parent(type_map, tmp_path):
    base = GroupSpec(doc="base", data_type_def="BaseThing", data_type_inc="Container",
                     attributes=[AttributeSpec("a", "a", "int32"),
                                 AttributeSpec("opt", "optional", "text", required=False, default_value="x")])
    child = GroupSpec(doc="child", data_type_def="ChildThing", data_type_inc="BaseThing",
                      attributes=[AttributeSpec("b", "b", "float64")])
    fixed = GroupSpec(doc="fixed", data_type_def="FixedName", data_type_inc="Container", name="fixed_name")
    data_ext = DatasetSpec(doc="data ext", data_type_def="MyData", data_type_inc="Data", dtype="int16",
                           default_name="my_data")
    _load(type_map, tmp_path, [base, child, fixed, data_ext], name="ndx-gen")
    Base = type_map.get_class("BaseThing", "ndx-gen")
    Child = type_map.get_class("ChildThing", "ndx-gen")
    assert issubclass(Child, Base) and issubclass(Base, Container)
    assert list(inspect.signature(Child).parameters) == ["name", "a", "b", "opt"]
    c = Child("c", 1, 2.0)
    assert (c.a, c.b, c.opt) == (1, 2.0, "x")
    with pytest.raises(ContainerError, match=r"ChildThing.*\['b'\]"):
        Child(name="c", a=1)
    Fixed = type_map.get_class("FixedName", "ndx-gen")
    assert "name" not in inspect.signature(Fixed).parameters
    assert Fixed().name == "fixed_name"
    MyData = type_map.get_class("MyData", "ndx-gen")
    assert inspect.signature(MyData).parameters["name"].default == "my_data"
    md = MyData(data=np.arange(3, dtype=np.int16))
    assert md.name == "my_data"
    holder = SimpleMultiContainer(name="h", containers=[c, Fixed(), md])
    b = BuildManager(type_map).build(holder)
    assert b["fixed_name"].attributes["data_type"] == "FixedName"
    assert b["my_data"].dtype == "int16"
    assert b["c"].attributes["b"] == 2.0
    back = BuildManager(type_map).construct(b)
    assert type(back.containers["c"]) is Child and back.containers["c"].b == 2.0


def test_registrations_and_type_map_for_write_merge_other_maps():
    """A tree holding an object read with another map is written with a map that also knows that map's classes."""
    from hdmfzarr.build.typemap import type_map_for_write

    base = get_type_map()
    regs = base.registrations()
    assert regs[("hdmf-common", "DynamicTable")] in (DynamicTable, "hdmfzarr.common.table:DynamicTable")

    class Special(Container):
        data_type = "Special"
        namespace = "lab"

    other = base.copy()
    other.register_class("Special", "lab", Special)
    other.register_lazy_class("Later", "lab", "lab.module:Later")
    obj = Special(name="s")
    obj.__dict__["_type_map"] = other  # as BuildManager.construct records the map an object was read with
    merged = type_map_for_write(obj, chosen=base)
    assert merged is not base and base.registrations().get(("lab", "Special")) is None
    assert merged.registrations()[("lab", "Special")] is Special
    assert merged.registrations()[("lab", "Later")] == "lab.module:Later"
    assert type_map_for_write(DynamicTable(name="t", description="d"), chosen=base) is base

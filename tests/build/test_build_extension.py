"""An extension namespace (NamespaceBuilder -> YAML -> TypeMap copy) round trips through builders."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from hdmfzarr.build.builders import GroupBuilder, LinkBuilder, ReferenceBuilder
from hdmfzarr.build.manager import BuildManager
from hdmfzarr.common import DynamicTable, VectorData, VectorIndex
from hdmfzarr.errors import BuildError, ContainerError

NS = "ndx-test"


def test_generated_signatures(ext_map):
    Session = ext_map.get_class("Session", NS)
    params = list(inspect.signature(Session).parameters)
    assert params[0] == "name"
    required = [p for p, v in inspect.signature(Session).parameters.items() if v.default is inspect.Parameter.empty]
    assert required == ["name", "description", "ok", "when", "count", "started"]
    assert "version" not in params  # a fixed value is not an argument
    assert {"samples", "primary", "notes", "notes__author", "refs", "events", "trials", "best"} <= set(params)
    Sample = ext_map.get_class("Sample", NS)
    sig = inspect.signature(Sample)
    assert sig.parameters["unit"].default == "volt"
    assert "data" in sig.parameters
    TrialsTable = ext_map.get_class("TrialsTable", NS)
    assert issubclass(TrialsTable, DynamicTable)
    assert inspect.signature(TrialsTable).parameters["name"].default == "trials"
    names = [c.name for c in TrialsTable.columns_spec]
    assert names == ["start_time", "tags"]
    tags = TrialsTable.columns_spec[1]
    assert tags.index in (True, 1) and tags.required is False
    assert TrialsTable.columns_spec[0].required is True


def test_generated_required_fields_raise(ext_map):
    Session = ext_map.get_class("Session", NS)
    with pytest.raises(ContainerError, match="description"):
        Session(name="s", ok=True, when="2024-01-01", count=1, started="2024-01-01")
    with pytest.raises(ContainerError, match="bogus"):
        Session(name="s", description="d", ok=True, when="x", count=1, started="x", bogus=1)


def test_generated_class_attributes(ext_map, make_session):
    session = make_session()
    assert session.version == "1.0"
    assert session.samples[0].parent is session
    assert session.best.parent is session  # s1 is a child (of samples); best only refers to it
    assert session.trials.parent is session
    assert session.trials.colnames == ("start_time",)
    assert type(session).data_type == "Session" and type(session).namespace == NS


def test_extension_builders(ext_map, make_session):
    session = make_session()
    b = BuildManager(ext_map).build(session)
    assert b.attributes["data_type"] == "Session" and b.attributes["namespace"] == NS
    assert b.attributes["version"] == "1.0"
    assert b.attributes["ok"] is True or b.attributes["ok"] == True  # noqa: E712
    assert b.attributes["when"] == "2024-01-02T03:04:05+00:00"
    assert isinstance(b.attributes["primary"], ReferenceBuilder)
    assert b.attributes["primary"].target is b.datasets["s2"]
    assert b.datasets["count"].dtype == "int32"
    assert np.asarray(b.datasets["count"].data).shape == ()
    assert b.datasets["started"].data == "2024-01-02T03:04:05+00:00"
    assert b.datasets["started"].dtype == "isodatetime"
    assert b.datasets["notes"].attributes == {"author": "me"}
    assert b.datasets["notes"].dtype == "text"
    assert b.datasets["s1"].dtype == "float32" and b.datasets["s1"].dims == ["time"]
    assert b.datasets["s2"].dtype == "float64"  # Python floats are 64-bit: never narrowed (spec dtypes are minimums)
    assert b.datasets["s2"].attributes["unit"] == "mV"
    assert b.datasets["s1"].attributes["unit"] == "volt"
    refs = b.datasets["refs"]
    assert refs.dtype == "object"
    assert [r.target for r in refs.data] == [b.datasets["s2"], b.datasets["s1"], b.datasets["s2"]]
    events = b.datasets["events"]
    assert [(f.name, f.dtype) for f in events.dtype] == [("time", "float64"), ("label", "text"), ("sample", "object")]
    assert events.data[0][2].target is b.datasets["s1"]
    link = b.links["best"]
    assert isinstance(link, LinkBuilder) and link.target is b.datasets["s1"]
    trials = b.groups["trials"]
    assert isinstance(trials, GroupBuilder)
    assert trials.attributes["data_type"] == "TrialsTable"
    assert sorted(trials.datasets) == ["id", "start_time"]


def test_extension_roundtrip(ext_map, make_session, assert_same):
    session = make_session()
    b = BuildManager(ext_map).build(session)
    back = BuildManager(ext_map).construct(b)
    assert_same(session, back)
    assert type(back) is ext_map.get_class("Session", NS)
    assert back.primary is back.samples[1] or back.primary.name == "s2"
    by_name = {s.name: s for s in back.samples.values()}
    assert back.primary is by_name["s2"]
    assert back.best is by_name["s1"]
    assert [r.name for r in back.refs.data] == ["s2", "s1", "s2"]
    assert back.refs.data[0] is by_name["s2"]
    ev = list(back.events.data)
    assert ev[1][0] == 0.2 and ev[1][1] == "stop" and ev[1][2] is by_name["s2"]
    assert back.trials.colnames == ("start_time",)
    assert list(back.trials["start_time"][:]) == [0.5, 1.5]
    assert back.modified is False and back.trials.modified is False


def test_trials_with_optional_ragged_column(ext_map, assert_same):
    TrialsTable = ext_map.get_class("TrialsTable", NS)
    trials = TrialsTable(description="with tags")
    trials.add_row(start_time=0.0, tags=["a", "b"])
    trials.add_row(start_time=1.0, tags=["c"])
    b = BuildManager(ext_map).build(trials)
    assert sorted(b.datasets) == ["id", "start_time", "tags", "tags_index"]
    assert b.datasets["tags_index"].attributes["target"].target is b.datasets["tags"]
    back = BuildManager(ext_map).construct(b)
    assert type(back) is TrialsTable
    assert_same(trials, back)


def test_reference_outside_tree_raises(ext_map):
    Sample = ext_map.get_class("Sample", NS)
    SampleRefs = ext_map.get_class("SampleRefs", NS)
    outsider = Sample(name="outsider", data=[1.0], rate=1.0)
    refs = SampleRefs(name="refs", data=[outsider])
    Session = ext_map.get_class("Session", NS)
    s = Session(name="s", description="d", ok=False, when="2024-01-01T00:00:00", count=1,
                started="2024-01-01T00:00:00", refs=refs)
    with pytest.raises(BuildError, match="outsider"):
        BuildManager(ext_map).build(s)


def test_wrong_dtype_raises(ext_map):
    Session = ext_map.get_class("Session", NS)
    s = Session(name="s", description="d", ok=False, when="2024-01-01T00:00:00", count="many",
                started="2024-01-01T00:00:00")
    with pytest.raises(BuildError, match=r"/s/count.*int32"):
        BuildManager(ext_map).build(s)


def test_extension_of_vector_data_in_plain_table(ext_map, assert_same):
    t = DynamicTable(name="t", description="d")
    t.add_column("v", "values")
    t.add_row(v=1)
    b = BuildManager(ext_map).build(t)
    back = BuildManager(ext_map).construct(b)
    assert_same(t, back)
    assert isinstance(back.columns[0], VectorData) and not isinstance(back.columns[0], VectorIndex)


def test_two_children_with_one_name_is_build_error(ext_map):
    Session = ext_map.get_class("Session", NS)
    Sample = ext_map.get_class("Sample", NS)
    SampleRefs = ext_map.get_class("SampleRefs", NS)
    clash = Sample(name="refs", data=[1.0], rate=1.0)
    s = Session(name="s", description="d", ok=False, when="2024-01-01T00:00:00", count=1,
                started="2024-01-01T00:00:00", refs=SampleRefs(name="refs", data=[clash]), samples=[clash])
    with pytest.raises(BuildError, match=r"/s: two objects are named 'refs'"):
        BuildManager(ext_map).build(s)

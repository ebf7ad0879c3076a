"""Fixtures of the build-layer tests: type maps and a structural container comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import numpy as np
import pytest

from hdmfzarr.build.lazyrefs import ReferenceArray
from hdmfzarr.build.typemap import TypeMap, get_type_map
from hdmfzarr.container import AbstractContainer
from hdmfzarr.spec import AttributeSpec, DatasetSpec, DtypeSpec, GroupSpec, LinkSpec, NamespaceBuilder, RefSpec


@pytest.fixture
def type_map() -> TypeMap:
    """An independent copy of the default TypeMap (hdmf-common loaded and registered)."""
    return get_type_map().copy()


def _materialise(value: Any) -> Any:
    if isinstance(value, ReferenceArray):
        return list(value)
    if isinstance(value, AbstractContainer):
        return value
    if hasattr(value, "shape") and hasattr(value, "__getitem__") and not isinstance(value, (np.ndarray, list, tuple)):
        return np.asarray(value[...] if hasattr(value, "__array__") else value[:])
    return value


def _compare(a: Any, b: Any, where: str, owner_a: Any, seen: set[int]) -> None:
    a, b = _materialise(a), _materialise(b)
    if isinstance(a, AbstractContainer) or isinstance(b, AbstractContainer):
        assert type(a).__name__ == type(b).__name__, f"{where}: {type(a).__name__} != {type(b).__name__}"
        assert a.object_id == b.object_id, f"{where}: object_id differs"
        assert a.name == b.name, f"{where}: name {a.name!r} != {b.name!r}"
        if id(a) in seen or (owner_a is not None and a.parent is not owner_a):
            return  # a reference or link: identity checked above
        seen.add(id(a))
        fa, fb = a.fields, b.fields
        assert sorted(fa) == sorted(fb), f"{where}: fields {sorted(fa)} != {sorted(fb)}"
        for k in fa:
            _compare(fa[k], fb[k], f"{where}.{k}", a, seen)
        return
    if isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _compare(a[k], b[k], f"{where}[{k!r}]", owner_a, seen)
        return
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        la, lb = list(a), list(b)
        if la and all(isinstance(x, AbstractContainer) for x in la + lb):
            la, lb = sorted(la, key=lambda c: c.name), sorted(lb, key=lambda c: c.name)
        assert len(la) == len(lb), f"{where}: length {len(la)} != {len(lb)}"
        for i, (x, y) in enumerate(zip(la, lb)):
            _compare(x, y, f"{where}[{i}]", owner_a, seen)
        return
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        xa, xb = np.asarray(a), np.asarray(b)
        if xa.dtype.kind == "O" or xb.dtype.kind == "O":
            _compare(xa.tolist(), xb.tolist(), where, owner_a, seen)
            return
        assert xa.shape == xb.shape, f"{where}: shape {xa.shape} != {xb.shape}"
        assert np.array_equal(xa, xb), f"{where}: {xa!r} != {xb!r}"
        return
    assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture
def assert_same() -> Callable[[Any, Any], None]:
    """Compare two container trees: types, names, object ids, fields; references by identity."""

    def check(a: Any, b: Any, root_name: bool = True) -> None:
        """``root_name=False``: a store names its root 'root', so the top names may differ."""
        if not root_name:
            assert b.name == "root", f"root read back as {b.name!r}"
            b.name = a.name
        _compare(a, b, getattr(a, "name", "root"), None, set())

    return check


EXT_NS = "ndx-test"


def extension_specs() -> list:
    trials = GroupSpec(
        doc="A table of trials",
        data_type_def="TrialsTable",
        data_type_inc="DynamicTable",
        default_name="trials",
        datasets=[
            DatasetSpec(doc="start time", name="start_time", data_type_inc="VectorData", dtype="float64"),
            DatasetSpec(doc="tags", name="tags", data_type_inc="VectorData", dtype="text", quantity="?"),
            DatasetSpec(doc="tags index", name="tags_index", data_type_inc="VectorIndex", quantity="?"),
        ],
    )
    sample = DatasetSpec(
        doc="A sampled signal",
        data_type_def="Sample",
        data_type_inc="Data",
        dtype="float32",
        shape=[None],
        dims=["time"],
        attributes=[
            AttributeSpec("unit", "the unit", "text", required=False, default_value="volt"),
            AttributeSpec("rate", "sampling rate", "float64"),
        ],
    )
    ref_list = DatasetSpec(
        doc="A list of samples", data_type_def="SampleRefs", data_type_inc="Data",
        dtype=RefSpec("Sample", "object"), shape=[None],
    )
    events = DatasetSpec(
        doc="Events with a sample each",
        data_type_def="EventTable",
        data_type_inc="Data",
        dtype=[
            DtypeSpec("time", "event time", "float64"),
            DtypeSpec("label", "event label", "text"),
            DtypeSpec("sample", "the sample", RefSpec("Sample", "object")),
        ],
        shape=[None],
    )
    session = GroupSpec(
        doc="A recording session",
        data_type_def="Session",
        data_type_inc="Container",
        attributes=[
            AttributeSpec("description", "what happened", "text"),
            AttributeSpec("ok", "whether it went well", "bool"),
            AttributeSpec("when", "start", "isodatetime"),
            AttributeSpec("primary", "the main sample", RefSpec("Sample", "object"), required=False),
            AttributeSpec("version", "format version", "text", value="1.0"),
        ],
        datasets=[
            DatasetSpec(doc="samples", data_type_inc="Sample", quantity="*"),
            DatasetSpec(doc="a count", name="count", dtype="int32"),
            DatasetSpec(doc="notes", name="notes", dtype="text", quantity="?",
                        attributes=[AttributeSpec("author", "who", "text", required=False)]),
            DatasetSpec(doc="started", name="started", dtype="isodatetime"),
            DatasetSpec(doc="refs", name="refs", data_type_inc="SampleRefs", quantity="?"),
            DatasetSpec(doc="events", name="events", data_type_inc="EventTable", quantity="?"),
        ],
        groups=[GroupSpec(doc="trials", name="trials", data_type_inc="TrialsTable", quantity="?")],
        links=[LinkSpec(doc="the best sample", target_type="Sample", name="best", quantity="?")],
    )
    return [trials, sample, ref_list, events, session]


@pytest.fixture
def ext_map(type_map, tmp_path):
    """The default TypeMap copy with the 'ndx-test' extension (built by NamespaceBuilder) loaded."""
    nb = NamespaceBuilder(doc="test extension", name=EXT_NS, version="0.1.0", author=["me"], contact=["me@x"])
    nb.include_namespace("hdmf-common")
    for spec in extension_specs():
        nb.add_spec("ndx-test.extensions.yaml", spec)
    path = nb.export("ndx-test.namespace.yaml", outdir=tmp_path)
    type_map.load_namespaces(path)
    return type_map


def _make_session(tm):
    Session = tm.get_class("Session", EXT_NS)
    Sample = tm.get_class("Sample", EXT_NS)
    SampleRefs = tm.get_class("SampleRefs", EXT_NS)
    EventTable = tm.get_class("EventTable", EXT_NS)
    TrialsTable = tm.get_class("TrialsTable", EXT_NS)
    s1 = Sample(name="s1", data=np.arange(5, dtype=np.float32), rate=10.0)
    s2 = Sample(name="s2", data=[1.0, 2.0], rate=20.0, unit="mV")
    trials = TrialsTable(name="trials", description="trials")
    trials.add_row(start_time=0.5)
    trials.add_row(start_time=1.5)
    refs = SampleRefs(name="refs", data=[s2, s1, s2])
    events = EventTable(name="events", data=[(0.1, "go", s1), (0.2, "stop", s2)])
    session = Session(
        name="session",
        description="a session",
        ok=True,
        when=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        count=7,
        started=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        samples=[s1, s2],
        primary=s2,
        notes="hello",
        notes__author="me",
        refs=refs,
        events=events,
        trials=trials,
        best=s1,
    )
    return session


@pytest.fixture
def make_session(ext_map):
    """Makes a Session tree of the extension: samples, refs, compound events, trials, a link, scalars."""
    return lambda: _make_session(ext_map)

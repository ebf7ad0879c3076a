"""Property test: any valid spec tree survives to_dict -> YAML text -> spec_from_dict unchanged."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hdmfzarr.spec import AttributeSpec, DatasetSpec, DtypeSpec, GroupSpec, LinkSpec, RefSpec, spec_from_dict
from hdmfzarr.spec.dtypes import DTYPE_ALIASES

names = st.sampled_from(["a", "b", "c", "data", "id", "x_y"])
types = st.sampled_from(["Foo", "Bar", "Baz"])
docs = st.text(min_size=1, max_size=12)
simple_dtypes = st.sampled_from(sorted(DTYPE_ALIASES))
dtypes = st.one_of(simple_dtypes, types.map(RefSpec))


@st.composite
def shape_dims(draw):
    rank = draw(st.integers(1, 3))
    options = draw(st.integers(1, 2))
    shapes = [[draw(st.one_of(st.none(), st.integers(0, 5))) for _ in range(rank + i)] for i in range(options)]
    dims = [[f"d{j}" for j in range(rank + i)] for i in range(options)]
    if options == 1:
        shapes, dims = shapes[0], dims[0]
    return (shapes, dims) if draw(st.booleans()) else (None, None)


@st.composite
def attributes(draw):
    out = []
    for name in draw(st.lists(names, unique=True, max_size=3)):
        shape, dims = draw(shape_dims())
        out.append(AttributeSpec(name, draw(docs), draw(dtypes), shape=shape, dims=dims,
                                 required=draw(st.booleans())))
    return out


@st.composite
def identity(draw):
    """(name, data_type_inc, quantity) that the language allows together."""
    name = draw(st.one_of(st.none(), names))
    inc = draw(st.one_of(st.none(), types)) if name is not None else draw(types)
    qty = draw(st.sampled_from([1, "?"] if name is not None else [1, 2, "?", "*", "+"]))
    return name, inc, qty


@st.composite
def datasets(draw):
    name, inc, qty = draw(identity())
    shape, dims = draw(shape_dims())
    if draw(st.booleans()):
        dtype = draw(dtypes)
    else:
        fields = draw(st.lists(names, unique=True, min_size=1, max_size=3))
        dtype = [DtypeSpec(f, "field", draw(dtypes)) for f in fields]
    return DatasetSpec(doc=draw(docs), dtype=dtype, name=name, shape=shape, dims=dims,
                       attributes=draw(attributes()), data_type_inc=inc, quantity=qty,
                       linkable=draw(st.booleans()))


def _unique_names(specs: list) -> list:
    seen: set = set()
    out = []
    for s in specs:  # names unique; at most one unnamed spec per data type / link target (hdmf's rule)
        key = s.name if s.name is not None else ("type", type(s) is LinkSpec, s.data_type)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


@st.composite
def groups(draw, depth: int = 2):
    name, inc, qty = draw(identity())
    children = _unique_names(draw(st.lists(datasets(), max_size=3))
                             + (draw(st.lists(groups(depth - 1), max_size=2)) if depth > 0 else [])
                             + [LinkSpec("link", draw(types), name=n) for n in draw(st.lists(names, max_size=2))])
    return GroupSpec(doc=draw(docs), name=name, data_type_inc=inc, quantity=qty, attributes=draw(attributes()),
                     datasets=[c for c in children if isinstance(c, DatasetSpec)],
                     groups=[c for c in children if isinstance(c, GroupSpec)],
                     links=[c for c in children if isinstance(c, LinkSpec)])


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(groups(), st.sampled_from(["data_type", "neurodata_type"]))
def test_group_spec_round_trips_through_yaml(spec: GroupSpec, type_key: str) -> None:
    text = yaml.safe_dump(spec.to_dict(type_key), sort_keys=False)
    back = spec_from_dict(yaml.safe_load(text), "group")
    assert back == spec
    assert back.to_dict(type_key) == spec.to_dict(type_key)

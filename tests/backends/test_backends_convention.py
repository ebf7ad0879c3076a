"""Each encoding of the two conventions decodes back to what was encoded (property tests), and the
module holds every spelling: no other module tests a format number or spells a convention attribute."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hdmfzarr.backends.zarr import convention as conv
from hdmfzarr.backends.zarr.store import StoreHandle
from hdmfzarr.spec.cache import decode_cache, encode_cache, latest_sources

PROPERTY = settings(deadline=None, max_examples=40, database=None)  # no timing assertions: the machine may be busy
CONVENTIONS = pytest.mark.parametrize("c", [conv.V3, conv.V2], ids=["format3", "format2"])

names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=12)
paths = st.lists(names, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
sources = st.one_of(st.just("."), st.sampled_from(["../other.zarr", "s3://bucket/x.zarr", "sub/inner.zarr"]))
oids = st.one_of(st.none(), st.uuids().map(str))


def _disk(value):
    """What a JSON metadata document gives back."""
    return json.loads(json.dumps(value, allow_nan=True))


@CONVENTIONS
@PROPERTY
@given(entries=st.lists(st.tuples(names, sources, paths), max_size=5))
def test_links_round_trip(c: conv.Convention, entries: list) -> None:
    attrs = _disk(c.encode_links(entries))
    assert (c.decode_links(attrs, "w") or []) == entries
    assert conv.decode_links(attrs, "w") == entries  # the reader's any-convention decoder agrees


@CONVENTIONS
@PROPERTY
@given(path=paths, source=sources, oid=oids, root_oid=oids)
def test_attribute_reference_round_trip(c: conv.Convention, path: str, source: str, oid, root_oid) -> None:
    value = _disk(c.encode_attr_reference(path, source, oid, root_oid))
    assert c.decode_attr_reference(value) == (source, path)
    assert conv.decode_attr_reference(value) == (source, path)
    assert conv.is_attr_reference_like(value)
    other = conv.V2 if c is conv.V3 else conv.V3
    assert other.decode_attr_reference(value) is None  # each convention reads only its own spelling


@CONVENTIONS
@PROPERTY
@given(refs=st.lists(st.tuples(sources, paths, oids, oids), min_size=1, max_size=6))
def test_dataset_reference_round_trip(c: conv.Convention, refs: list) -> None:
    stored = c.encode_dataset_references(refs, (len(refs),))
    assert stored.shape == (len(refs),)
    for (source, path, _, _), element in zip(refs, stored.tolist()):
        on_disk = _disk(element) if isinstance(element, dict) else str(element)
        assert c.decode_dataset_reference(on_disk) == (source, path)


@CONVENTIONS
@PROPERTY
@given(source=sources, path=paths)
def test_compound_field_reference_round_trip(c: conv.Convention, source: str, path: str) -> None:
    assert c.decode_dataset_reference(c.encode_field_reference(source, path)) == (source, path)


FIELD_DTYPES = st.sampled_from(["int32", "float64", "uint8", "bool", "text", "object"])


@CONVENTIONS
@PROPERTY
@given(fields=st.dictionaries(names, FIELD_DTYPES, min_size=1, max_size=5))
def test_compound_round_trip(c: conv.Convention, fields: dict) -> None:
    attrs = _disk(c.encode_compound(list(fields.items())))
    refs, listed = c.decode_compound(attrs)
    assert refs == {n for n, d in fields.items() if d == "object"}
    assert conv.decode_compound_fields(attrs)[0] == refs
    if listed:  # format 2 lists every field's dtype
        assert listed == fields


@CONVENTIONS
@PROPERTY
@given(rows=st.lists(st.tuples(st.integers(-2**31, 2**31 - 1), names, st.tuples(sources, paths, oids, oids)),
                     max_size=6))
def test_compound_rows_round_trip(c: conv.Convention, rows: list) -> None:
    """Compound rows with a reference field, as the writer and appends store them (format 2: JSON cells, format 3:
    records), read back as their values and ``(source, path)`` references."""
    fields = [("n", "int32"), ("label", "text"), ("ref", "object")]
    stored = c.encode_records(rows, fields, "w")
    if stored.dtype.names is None:  # JSON object-codec cells, read back as records
        cells = np.empty(stored.shape, dtype=object)
        for i, row in enumerate(_disk(stored.tolist())):
            cells[i] = row
        stored = c.decode_compound_cells(cells, np.dtype([("n", "i4"), ("label", object), ("ref", object)]))
    got = [(int(r["n"]), str(r["label"]), c.decode_dataset_reference(r["ref"])) for r in stored]
    assert got == [(n, label, (source, path)) for n, label, (source, path, _, _) in rows]


READ_BACK = {  # canonical dtype -> what a reader sees (several text dtypes share one spelling)
    conv.V3: {"ascii": "text", "isodatetime": "text"},
    conv.V2: {"isodatetime": "ascii"},
}


@CONVENTIONS
@PROPERTY
@given(dtype=st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                              "float16", "float32", "float64", "bool", "text", "ascii", "isodatetime"]))
def test_dtype_round_trip(c: conv.Convention, dtype: str) -> None:
    attrs = _disk(c.encode_dtype(dtype))
    expected = READ_BACK[c].get(dtype, dtype)
    assert c.decode_dtype(attrs) == expected
    assert conv.builder_dtype(conv.decode_dtype_spelling(attrs)) == expected
    assert conv.builder_dtype(_disk(c.reference_attrs())[c.dtype_attr]) == "object"


@CONVENTIONS
@PROPERTY
@given(wide=st.sampled_from(["uint32", "uint64", "int64"]))
def test_widened_dtype_attribute(c: conv.Convention, wide: str) -> None:
    attrs = c.widen_dtype_attrs({**c.encode_dtype("uint8"), "x": 1}, np.dtype(wide))
    assert c.decode_dtype(attrs) == wide and attrs["x"] == 1
    assert c.widen_dtype_attrs({"x": 1}, np.dtype(wide)) == {"x": 1}  # no declared dtype: none added


@CONVENTIONS
@PROPERTY
@given(value=st.one_of(st.integers(-(2**31), 2**31 - 1), st.floats(allow_nan=False), names))
def test_scalar_round_trip(c: conv.Convention, value) -> None:
    arr = np.asarray(value)
    stored, attrs = c.encode_scalar(arr, c.encode_dtype("text" if isinstance(value, str) else arr.dtype.name))
    attrs = _disk(attrs)
    assert c.decode_is_scalar(stored.shape, attrs) and conv.decode_is_scalar(stored.shape, attrs)
    assert stored.reshape(()).item() == value
    assert not c.decode_is_scalar((1,), _disk(c.encode_dtype("int32")))  # a one-element array stays an array


@PROPERTY
@given(items=st.lists(st.one_of(st.none(), st.integers(-(2**53), 2**53), names,
                                st.dictionaries(names, st.one_of(names, st.none()), max_size=3)), max_size=8))
def test_json_object_codec_round_trip(items: list) -> None:
    arr = np.empty(len(items), dtype=object)
    arr[:] = items if items else []
    assert conv.V2.decode_object_chunk(conv.V2.encode_object_chunk(arr), "w") == items
    with pytest.raises(Exception, match="format 2"):
        conv.V3.encode_object_chunk(arr)


ns_names = st.text("abcdefghij-_", min_size=1, max_size=8)
spec_docs = st.dictionaries(names, st.one_of(names, st.integers(), st.lists(names, max_size=2)), max_size=3)


@PROPERTY
@given(namespaces=st.dictionaries(
    ns_names,
    st.fixed_dictionaries({
        "version": st.sampled_from(["1.0.0", "2.5.0", "0.1a"]),
        "namespace": st.fixed_dictionaries({"name": ns_names, "doc": names}),
        "sources": st.dictionaries(st.text("abcxyz.", min_size=1, max_size=8).filter(lambda s: s != "namespace"),
                                   spec_docs, max_size=3),
    }),
    max_size=3,
))
def test_spec_cache_round_trip(namespaces: dict) -> None:
    jobs = encode_cache(namespaces)
    base = conv.SPEC_GROUP
    stored = {f"{base}/{ns}/{v}/{src}": text for ns, v, src, text in jobs}
    wanted = latest_sources(stored, base)
    got = decode_cache(((ns, v, src, stored[f"{base}/{ns}/{v}/{src}"]) for ns, v, src in wanted), "w")
    assert set(got) == set(namespaces)
    for name, entry in namespaces.items():
        assert got[name]["version"] == entry["version"]
        assert got[name]["namespace"] == entry["namespace"]  # hdmf's {"namespaces": [...]} unwrapped in memory
        assert got[name]["sources"] == entry["sources"]


def test_spec_cache_picks_the_latest_version_by_order() -> None:
    paths = [f"s/ns/{v}/namespace" for v in ("1.10.0", "1.9.0", "1.2.0")]
    assert latest_sources(paths, "s") == [("ns", "1.10.0", "namespace")]


@CONVENTIONS
@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.dictionaries(st.text("abcdef", min_size=1, max_size=4),
                            st.one_of(st.none(), st.integers(0, 5)), min_size=1, max_size=4))
def test_consolidated_metadata_round_trip(c: conv.Convention, tree: dict, tmp_path_factory) -> None:
    """Nodes written and consolidated in a convention load back from its consolidated document alone."""
    import zarr

    path = tmp_path_factory.mktemp("cons") / "s.zarr"
    handle = StoreHandle(str(path), "w")
    root = zarr.open_group(handle.store, mode="w", zarr_format=c.zarr_format)
    nodes = [("", "group")]
    for name, length in tree.items():
        if length is None:
            root.create_group(name, attributes={"kind": "group"})
            nodes.append((name, "group"))
        else:
            root.create_array(name, shape=(length,), dtype="int32", attributes=c.encode_dtype("int32"))
            nodes.append((name, "array"))
    doc, after = c.new_commit_document(c.read_entries(handle, nodes))
    handle.set(c.consolidated_key, c.encode_commit_document(doc))
    handle.forget_root()
    loaded, consolidated = c.load_nodes(handle, handle.root_document())
    assert consolidated
    assert {p: n.kind for p, n in loaded.items()} == dict(nodes)
    for name, length in tree.items():
        if length is not None:
            assert list(loaded[name].meta["shape"]) == [length]
            assert c.decode_dtype(loaded[name].attrs) == "int32"
            entries = c.consolidated_entries(json.loads(handle.get(c.consolidated_key)), handle.url)
            assert entries[c.array_entry(name)]["shape"] == [length]


# -- one home per rule ------------------------------------------------------------------------
PACKAGE = Path(conv.__file__).resolve().parents[2]
LITERALS = re.compile(r"""["'](_LINKS|zarr_link|_DTYPE|zarr_dtype|_REFERENCE|_REFERENCE_FIELDS|object_reference)["']""")
FORMAT_TEST = re.compile(r"""(fmt|format)\w*(\([^)]*\))?\s*[!=]=\s*[23]\b|\b[23]\s*[!=]=\s*\w*(fmt|format)""")


def test_no_convention_spelling_outside_the_convention_module() -> None:
    """Attribute spellings and format-number tests live in convention.py only (issue 16 item 1)."""
    offenders = []
    for f in sorted(PACKAGE.rglob("*.py")):
        if f.name == "convention.py" or "backends/hdf5" in f.as_posix():
            continue
        for i, line in enumerate(f.read_text().splitlines(), 1):
            if LITERALS.search(line) or FORMAT_TEST.search(line):
                offenders.append(f"{f.relative_to(PACKAGE)}:{i}: {line.strip()}")
    assert offenders == []

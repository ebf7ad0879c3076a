"""Untrusted stores: references/links leaving the store, pickle payloads, absurd shapes, malformed metadata."""

from __future__ import annotations

import json
import os
import pickle
import tracemalloc
from pathlib import Path

import numcodecs
import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.backends.zarr.legacy import safe_unpickle
from hdmfzarr.build.builders import DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder, ReferenceBuilder
from hdmfzarr.errors import CorruptStoreError, HdmfZarrError, StoreError, UnsafeReferenceError


# -- references and links leaving the store ----------------------------------------------------
def _write_pair(tmp_path: Path, source: str, zarr_format: int = 3) -> Path:
    """other.zarr holds /ext; main.zarr links to it (link + attribute reference) through ``source``."""
    other = GroupBuilder("root")
    other.set_dataset(DatasetBuilder("ext", np.arange(3)))
    with ZarrIO(tmp_path / "other.zarr", "w", zarr_format=zarr_format) as io:
        io.write_builder(other)
    root = GroupBuilder("root")
    root.set_link(LinkBuilder(ExternalTarget(source, "/ext"), "ext_link"))
    root.set_dataset(DatasetBuilder("x", [1], attributes={"r": ReferenceBuilder(ExternalTarget(source, "/ext"))}))
    with ZarrIO(tmp_path / "main.zarr", "w", zarr_format=zarr_format) as io:
        io.write_builder(root)
    return tmp_path / "main.zarr"


@pytest.mark.parametrize("zarr_format", [3, 2])
def test_relative_source_past_the_root_is_refused_by_default(tmp_path: Path, zarr_format: int) -> None:
    main = _write_pair(tmp_path, "../other.zarr", zarr_format)
    with ZarrIO(main) as io:
        root = io.read_builder()  # reading builders touches no other store
        for target in (root.links["ext_link"].target, root["x"].attributes["r"].target):
            assert isinstance(target, ExternalTarget)
            with pytest.raises(UnsafeReferenceError, match=r"'\.\./other\.zarr'.*leaves the store.*allow_external"):
                io.resolve_external(target)
        assert io._external == {}  # the other store was never opened


def test_allow_list_admits_only_listed_prefixes(tmp_path: Path) -> None:
    main = _write_pair(tmp_path, "../other.zarr")
    with ZarrIO(main, allow_external=[str(tmp_path / "other.zarr")]) as io:
        target = io.read_builder().links["ext_link"].target
        assert io.resolve_external(target).data[:].tolist() == [0, 1, 2]
    with ZarrIO(main, allow_external=[str(tmp_path) + "/"]) as io:  # a directory prefix
        assert io.resolve_external(target).data[:].tolist() == [0, 1, 2]
    with ZarrIO(main, allow_external=True) as io:
        assert io.resolve_external(target).data[:].tolist() == [0, 1, 2]
    # a prefix that is only a string prefix of the path (other.zarr vs other) does not count
    with ZarrIO(main, allow_external=[str(tmp_path / "oth")]) as io:
        with pytest.raises(UnsafeReferenceError):
            io.resolve_external(target)
    with ZarrIO(main, allow_external=["s3://bucket"]) as io:
        with pytest.raises(UnsafeReferenceError):
            io.resolve_external(target)


@pytest.mark.parametrize("source", [
    "ABSOLUTE",                      # an absolute local path (to a real, valid store)
    "file://ABSOLUTE",               # the same through file://
    "s3://some-bucket/data.zarr",
    "memory://elsewhere.zarr",
    "http://127.0.0.1:1/x.zarr",
    "simplecache::file://ABSOLUTE",  # fsspec chained URL
    "sub/../../other.zarr",          # climbs out after going down
])
def test_absolute_paths_and_protocols_are_refused(tmp_path: Path, source: str) -> None:
    source = source.replace("ABSOLUTE", str(tmp_path / "other.zarr"))
    main = _write_pair(tmp_path, source)
    with ZarrIO(main) as io:
        target = io.read_builder().links["ext_link"].target
        with pytest.raises(UnsafeReferenceError) as err:
            io.resolve_external(target)
        assert source in str(err.value) and str(main) in str(err.value)


def test_store_nested_inside_the_store_is_followed(tmp_path: Path) -> None:
    inner = GroupBuilder("root")
    inner.set_dataset(DatasetBuilder("ext", np.arange(2)))
    main = tmp_path / "main.zarr"
    root = GroupBuilder("root")
    root.set_link(LinkBuilder(ExternalTarget("nested/inner.zarr", "/ext"), "ext_link"))
    with ZarrIO(main, "w") as io:
        io.write_builder(root)
    with ZarrIO(main / "nested" / "inner.zarr", "w") as io:
        io.write_builder(inner)
    with ZarrIO(main) as io:
        assert io.resolve_external(io.read_builder().links["ext_link"].target).data[:].tolist() == [0, 1]


def test_container_read_never_opens_a_referenced_outside_store(small_store: Path, zarr_format: int, h) -> None:
    """Through ZarrIO.read(): a column index whose target points into another store fails with a
    documented error and the other store is never opened."""
    import shutil

    shutil.copytree(small_store, small_store.parent / "other.zarr")
    ref = {"source": "../other.zarr", "path": "/scores"}
    value = {"_REFERENCE": ref} if zarr_format == 3 else {"zarr_dtype": "object", "value": ref}
    h.edit_node(small_store, zarr_format, "scores_index", "attrs", lambda a: a.__setitem__("target", value))
    with ZarrIO(small_store) as io:
        with pytest.raises(HdmfZarrError):
            io.read()
        assert io._external == {}
        target = io.read_builder()["scores_index"].attributes["target"].target
        with pytest.raises(UnsafeReferenceError, match=r"\.\./other\.zarr"):
            io.resolve_external(target)


def test_dotdot_in_reference_path_is_refused(small_store: Path, zarr_format: int, h) -> None:
    def bad_ref(attrs: dict) -> None:
        ref = {"source": ".", "path": "/../../etc/passwd"}
        attrs["evil"] = {"_REFERENCE": ref} if zarr_format == 3 else {"zarr_dtype": "object", "value": ref}

    h.edit_node(small_store, zarr_format, "age", "attrs", bad_ref)
    with ZarrIO(small_store) as io:
        with pytest.raises(UnsafeReferenceError, match=r"age attribute 'evil'.*'/\.\./\.\./etc/passwd'"):
            io.read_builder()


def test_dotdot_in_link_path_is_refused(small_store: Path, zarr_format: int, h) -> None:
    key = "_LINKS" if zarr_format == 3 else "zarr_link"
    h.edit_node(small_store, zarr_format, "", "attrs",
                lambda a: a.__setitem__(key, [{"name": "l", "source": ".", "path": "/age/../../x"}]))
    with ZarrIO(small_store) as io:
        with pytest.raises(UnsafeReferenceError, match=r"link 'l'.*'/age/\.\./\.\./x'"):
            io.read_builder()


def test_consolidated_key_leaving_the_store_is_refused(small_store: Path, zarr_format: int, h) -> None:
    """A node named '../outside' in consolidated metadata would make zarr read files beside the store."""
    (small_store.parent / "outside").mkdir()
    if zarr_format == 3:
        def add(doc: dict) -> None:
            h.consolidated(doc)["../outside"] = h.consolidated(doc)["age"]
        h.edit_json(small_store / "zarr.json", add)
    else:
        def add2(doc: dict) -> None:
            doc["metadata"]["../outside/.zarray"] = doc["metadata"]["age/.zarray"]
        h.edit_json(small_store / ".zmetadata", add2)
    with pytest.raises(UnsafeReferenceError, match=r"'\.\./outside'.*leaves the store"):
        with ZarrIO(small_store) as io:
            io.read_builder()


def test_chunk_key_separator_cannot_climb(small_store: Path, zarr_format: int, h) -> None:
    if zarr_format == 3:
        edit = lambda m: m.__setitem__("chunk_key_encoding", {"name": "default", "configuration": {"separator": "/../"}})  # noqa: E731
    else:
        edit = lambda m: m.__setitem__("dimension_separator", "/../../")  # noqa: E731
    h.edit_node(small_store, zarr_format, "age", "meta", edit)
    with ZarrIO(small_store) as io:
        with pytest.raises(UnsafeReferenceError, match="separator"):
            io.read_builder()


# -- pickle ------------------------------------------------------------------------------------
class _RunsCode:
    """Unpickling this with the standard unpickler would create ``marker`` (i.e. run code)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _OpensFile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("payload_cls", [_RunsCode, _OpensFile])
def test_malicious_pickle_is_refused_without_running(tmp_path: Path, payload_cls: type) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps([payload_cls(marker)], protocol=2)
    with pytest.raises(UnsafeReferenceError, match="refusing to unpickle"):
        safe_unpickle(payload, "test-chunk")
    assert not marker.exists()
    # sanity: the payload really does run code with the standard unpickler
    if payload_cls is _OpensFile:
        pickle.loads(payload)[0].close()
        assert marker.exists()


def _legacy_pickle_store(path: Path, chunk: bytes, compressor: dict | None = None, filters=None) -> Path:
    """A minimal hdmf-zarr 0.13-style v2 store whose dataset /refs holds one pickled chunk."""
    path.mkdir()
    (path / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
    (path / ".zattrs").write_text("{}")
    (path / "refs").mkdir()
    zarray = {
        "chunks": [1], "compressor": compressor, "dtype": "|O", "fill_value": 0,
        "filters": filters if filters is not None else [{"id": "pickle", "protocol": 5}],
        "order": "C", "shape": [1], "zarr_format": 2,
    }
    (path / "refs" / ".zarray").write_text(json.dumps(zarray))
    (path / "refs" / ".zattrs").write_text(json.dumps({"zarr_dtype": "object"}))
    (path / "refs" / "0").write_bytes(chunk)
    return path


def test_malicious_pickle_in_a_legacy_store_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    arr = np.empty(1, dtype=object)
    arr[0] = _RunsCode(marker)
    chunk = numcodecs.Pickle().encode(arr)  # pickled exactly as hdmf-zarr 0.13 stored objects
    store = _legacy_pickle_store(tmp_path / "legacy.zarr", chunk)
    with ZarrIO(store) as io:
        data = io.read_builder()["refs"].data
        with pytest.raises(UnsafeReferenceError, match=r"refs.*refusing to unpickle posix\.system"):
            data[:]
    assert not marker.exists()


@pytest.mark.parametrize("where", ["compressor", "v3codec"])
def test_pickle_codec_outside_the_restricted_path_is_refused(tmp_path: Path, where: str) -> None:
    """numcodecs' Pickle codec as a compressor (v2) or a v3 codec would call pickle.loads: refused."""
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_RunsCode(marker))
    if where == "compressor":
        store = _legacy_pickle_store(tmp_path / "s.zarr", payload, compressor={"id": "pickle"}, filters=[])
    else:
        store = tmp_path / "s.zarr"
        with ZarrIO(store, "w") as io:
            io.write_builder(GroupBuilder("root", datasets=[DatasetBuilder("refs", np.arange(3))]))

        def to_pickle(doc: dict) -> None:
            node = doc["consolidated_metadata"]["metadata"]["refs"] if "consolidated_metadata" in doc else doc
            node["codecs"] = [{"name": "numcodecs.pickle", "configuration": {}}]
        for p in (store / "zarr.json", store / "refs" / "zarr.json"):
            doc = json.loads(p.read_text())
            to_pickle(doc)
            p.write_text(json.dumps(doc))
        (store / "refs" / "c" / "0").write_bytes(payload)
    with ZarrIO(store) as io:
        with pytest.raises(UnsafeReferenceError, match="pickle"):
            np.asarray(io.read_builder()["refs"].data[:])
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    b"\x80\x02c__builtin__\nbytes\nJ\x00\xe4\x0bT\x85R.",                      # bytes(1_410_065_408)
    pickle.dumps(np.zeros(3)).replace(b"K\x00\x85", b"J\x00\xe1\xf5\x05\x85"),  # _reconstruct(shape=(10**8,))
    b"\x80\x04Nr\xff\xff\xff\x7f.",  # memo index 2**31-1: CPython would size its memo table to 16 GiB
])
def test_small_pickles_cannot_allocate_huge_buffers(payload: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises((CorruptStoreError, UnsafeReferenceError)):
            safe_unpickle(payload, "chunk")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_legitimate_legacy_reference_pickles_still_decode() -> None:
    ref = {"source": ".", "path": "/a", "object_id": "x", "source_object_id": "y"}
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = ref, dict(ref, path="/b")
    got = safe_unpickle(numcodecs.Pickle().encode(arr), "chunk")
    assert [r["path"] for r in got] == ["/a", "/b"]
    rec = np.array([(1, 2.5)], dtype=[("i", "<i4"), ("f", "<f8")])
    assert safe_unpickle(pickle.dumps(rec), "chunk").tolist() == [(1, 2.5)]


# -- absurd shapes -----------------------------------------------------------------------------
@pytest.mark.parametrize("chunk", [1, 10**18])
def test_absurd_shape_opens_without_allocating_and_refuses_full_read(
    small_store: Path, zarr_format: int, h, chunk: int
) -> None:
    def absurd(meta: dict) -> None:
        meta["shape"] = [10**18]
        if zarr_format == 3:
            meta["chunk_grid"]["configuration"]["chunk_shape"] = [chunk]
        else:
            meta["chunks"] = [chunk]

    # every column (and the ids) claims 10**18 rows, so the table itself is consistent
    for node in ("id", "age", "weight", "name", "scores_index", "tags_index_index"):
        h.edit_node(small_store, zarr_format, node, "meta", absurd)
    tracemalloc.start()
    try:
        with ZarrIO(small_store) as io:
            data = io.read_builder()["weight"].data
            assert isinstance(data, LazyArray) and data.shape == (10**18,) and len(data) == 10**18
            table = io.read()  # constructing the containers reads no column in full
            assert len(table) == 10**18
            _, peak = tracemalloc.get_traced_memory()
            assert peak < 50 * 2**20
            with pytest.raises(StoreError, match=r"weight: a read of shape \(1000000000000000000,\) needs"):
                data.read()
            with pytest.raises(StoreError, match="needs"):
                np.asarray(table["weight"].data)
            if chunk == 1:  # small selections of a huge array still work (unwritten chunks: the fill value)
                assert data[10**18 - 3:].shape == (3,) and data[10**18 - 1] == data[5]
                with pytest.raises(CorruptStoreError, match="weight"):  # the stored 3-row chunk no longer fits
                    data[0:2]
            else:  # a single chunk of 8 EB cannot be decoded at all
                with pytest.raises(StoreError, match="chunk of shape"):
                    data[0:2]
            _, peak = tracemalloc.get_traced_memory()
            assert peak < 50 * 2**20
    finally:
        tracemalloc.stop()


def test_read_limit_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hdmfzarr.dataio import DataIO

    root = GroupBuilder("root", datasets=[DatasetBuilder("x", DataIO(np.arange(100.0), chunks=(10,)))])
    with ZarrIO(tmp_path / "l.zarr", "w") as io:
        io.write_builder(root)
    monkeypatch.setenv("HDMFZARR_MAX_READ_BYTES", "400")
    with ZarrIO(tmp_path / "l.zarr") as io:
        data = io.read_builder()["x"].data
        assert data[0:40].tolist() == list(np.arange(40.0))
        with pytest.raises(StoreError, match="needs 800 bytes.*HDMFZARR_MAX_READ_BYTES"):
            data[:]


# -- malformed metadata ------------------------------------------------------------------------
def _set(key: str, value: object):
    return lambda d: d.__setitem__(key, value)


MALFORMED = [
    # (node, part, edit, regex the message must match)
    ("", "attrs", "links_not_list", r"/: links attribute is not a list"),
    ("", "attrs", "link_entry_no_path", r"bad link entry"),
    ("age", "attrs", "reference_without_path", r"age attribute 'bad'.*malformed object reference"),
    ("", "attrs", "colnames_number", r":/: cannot construct DynamicTable"),
    ("age", "meta", "shape_string", r"/age: shape must be a list of integers"),
    ("age", "meta", "shape_negative", r"/age: shape must hold integers"),
    ("age", "meta", "chunks_zero", r"/age: (chunk_shape|chunks) must hold integers in \[1"),
    ("age", "meta", "rank_mismatch", r"/age: chunk shape .* does not match the rank"),
    ("age", "attrs", "attributes_not_object", r"(age.*attributes.*not a JSON object|age/.zattrs)"),
]


def _malform(kind: str, zarr_format: int, h, store: Path, node: str, part: str) -> None:
    links = "_LINKS" if zarr_format == 3 else "zarr_link"
    chunks_key = "chunks"
    edits = {
        "links_not_list": _set(links, {"name": "x"}),
        "link_entry_no_path": _set(links, [{"name": "x", "source": "."}]),
        "reference_without_path": _set("bad", {"_REFERENCE": {"source": "."}} if zarr_format == 3
                                       else {"zarr_dtype": "object", "value": {"source": "."}}),
        "colnames_number": _set("colnames", 5),
        "shape_string": _set("shape", "abc"),
        "shape_negative": _set("shape", [-3]),
        "rank_mismatch": _set("shape", [3, 3]),
    }
    if kind == "chunks_zero":
        def edit(m: dict) -> None:
            if zarr_format == 3:
                m["chunk_grid"]["configuration"]["chunk_shape"] = [0]
            else:
                m[chunks_key] = [0]
        h.edit_node(store, zarr_format, node, part, edit)
    elif kind == "attributes_not_object":
        if zarr_format == 3:
            h.edit_node(store, zarr_format, node, "meta", _set("attributes", [1, 2]))
        else:
            h.edit_json(store / ".zmetadata", lambda d: d["metadata"].__setitem__("age/.zattrs", [1, 2]))
    else:
        h.edit_node(store, zarr_format, node, part, edits[kind])


@pytest.mark.parametrize("node,part,kind,message", MALFORMED, ids=[m[2] for m in MALFORMED])
def test_malformed_metadata_raises_corrupt_store_error_naming_the_path(
    small_store: Path, zarr_format: int, h, node: str, part: str, kind: str, message: str
) -> None:
    _malform(kind, zarr_format, h, small_store, node, part)
    with pytest.raises(CorruptStoreError, match=message) as err:
        h.read_everything(str(small_store))
    assert str(small_store) in str(err.value)


@pytest.mark.parametrize("text", [b"{not json", b"", b"[1, 2]", b'{"zarr_format": 7}', b'"just a string"'])
def test_malformed_root_document(small_store: Path, zarr_format: int, text: bytes) -> None:
    name = "zarr.json" if zarr_format == 3 else ".zmetadata"
    (small_store / name).write_bytes(text)
    with pytest.raises(HdmfZarrError) as err:
        with ZarrIO(small_store) as io:
            io.read()
    assert isinstance(err.value, (CorruptStoreError, StoreError))
    assert str(small_store) in str(err.value)


def test_malformed_node_json_names_the_key(small_store: Path, zarr_format: int) -> None:
    if zarr_format == 3:
        # without consolidated metadata the reader walks per-node zarr.json documents
        doc = json.loads((small_store / "zarr.json").read_text())
        doc.pop("consolidated_metadata")
        (small_store / "zarr.json").write_text(json.dumps(doc))
        (small_store / "age" / "zarr.json").write_bytes(b'{"node_type": "array", "shape": [3')
        key = "age/zarr.json"
    else:
        (small_store / ".zmetadata").unlink()
        (small_store / "age" / ".zarray").write_bytes(b"\xff\xfe garbage")
        key = "age/.zarray"
    with pytest.raises(CorruptStoreError, match=rf"metadata '{key}' is not valid JSON"):
        with ZarrIO(small_store) as io:
            io.read_builder()


def test_corrupt_chunk_names_the_array(small_store: Path, zarr_format: int) -> None:
    chunk = small_store / "age" / ("c/0" if zarr_format == 3 else "0")
    chunk.write_bytes(b"\x00garbage" * 3)
    with ZarrIO(small_store) as io:
        with pytest.raises(CorruptStoreError, match=r"/age: cannot read"):
            io.read_builder()["age"].data[:]


def test_wrong_reference_element_types_are_corrupt_store_errors(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    t = root.set_dataset(DatasetBuilder("t", [1, 2]))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(t)], dtype="object"))
    with ZarrIO(tmp_path / "r.zarr", "w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "r.zarr", "r+") as io:
        import zarr

        zarr.open_array(io.handle.store, path="refs", mode="r+")[0] = "/../../etc"
    with ZarrIO(tmp_path / "r.zarr") as io:
        with pytest.raises(UnsafeReferenceError, match=r"refs.*'/\.\./\.\./etc'"):
            io.read_builder()["refs"].data[:]



@pytest.mark.parametrize("source,target,allow,followed", [
    ("../b.zarr", "s3://bk/b.zarr", ["s3://bk"], True),
    ("../b.zarr", "s3://bk/b.zarr", ["s3://bk/"], True),
    ("../b.zarr", "s3://bk/b.zarr", ["s3://bk/a.zarr"], False),
    ("../b.zarr", "s3://bk2/b.zarr", ["s3://bk"], False),  # prefixes match on path boundaries only
    ("s3://bk/b.zarr", "s3://bk/b.zarr", None, False),
    ("s3://bk/b.zarr", "s3://bk/b.zarr", True, True),
    ("inner.zarr", "s3://bk/a.zarr/inner.zarr", None, True),  # inside the referring store
    ("./x/../inner.zarr", "s3://bk/a.zarr/inner.zarr", None, True),
    ("x/../../b.zarr", "s3://bk/b.zarr", None, False),
    ("~/b.zarr", "~/b.zarr", None, False),
])
def test_external_policy_on_urls(source: str, target: str, allow, followed: bool) -> None:
    from hdmfzarr.backends.zarr.safety import check_external

    if followed:
        check_external(source, target, allow, "s3://bk/a.zarr: link 'l'")
    else:
        with pytest.raises(UnsafeReferenceError, match=r"s3://bk/a\.zarr: link 'l': refusing to follow"):
            check_external(source, target, allow, "s3://bk/a.zarr: link 'l'")


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_attribute_json(small_store: Path, zarr_format: int, h, depth: int) -> None:
    """Nesting that exhausts the JSON parser or the attribute decoder is a CorruptStoreError, not a crash."""
    name = "zarr.json" if zarr_format == 3 else ".zmetadata"
    doc = json.loads((small_store / name).read_text())
    attrs = doc["attributes"] if zarr_format == 3 else doc["metadata"][".zattrs"]
    attrs["deep"] = "NESTED"
    text = json.dumps(doc).replace('"NESTED"', "[" * depth + "1" + "]" * depth)
    (small_store / name).write_text(text)
    try:
        with ZarrIO(small_store) as io:
            got = io.read_builder().attributes["deep"]
    except CorruptStoreError as exc:
        assert str(small_store) in str(exc)
    else:  # shallow enough to parse and decode: the value is intact
        for _ in range(depth):
            got = got[0]
        assert got == 1

"""Builder trees written and read back, in both conventions, on local paths, file:// and memory://."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.errors import IncompleteStoreError, RefusedRowsError, StoreError
from hdmfzarr.build.builders import (
    CompoundField,
    DatasetBuilder,
    ExternalTarget,
    GroupBuilder,
    LinkBuilder,
    ReferenceBuilder,
)


def make_tree() -> GroupBuilder:
    root = GroupBuilder("root", attributes={
        "object_id": "root-oid", "s": "x", "arr2d": np.array([[1, 2], [3, 4]]),
        "special": np.array([1.0, np.nan, np.inf, -np.inf]), "flag": True, "raw": b"raw", "ints": [1, 2, 3],
        "strs": ["a", "b"], "npint": np.int16(7), "npf": np.float32(0.5),
    })
    tg = root.set_group(GroupBuilder("targets", attributes={"data_type": "T", "namespace": "ns", "object_id": "t-oid"}))
    vals = tg.set_dataset(DatasetBuilder("vals", np.arange(10, dtype="int32"), dims=["num"]))
    tg.set_dataset(DatasetBuilder("text", ["a", "bé", "c"], dtype="text"))
    tg.set_dataset(DatasetBuilder("scalar_f", 3.5))
    tg.set_dataset(DatasetBuilder("scalar_i", np.int64(-4)))
    tg.set_dataset(DatasetBuilder("scalar_text", "hello"))
    tg.set_dataset(DatasetBuilder("scalar_bool", True))
    tg.set_dataset(DatasetBuilder("empty", [], dtype="float32"))
    tg.set_dataset(DatasetBuilder("empty_text", [], dtype="text"))
    tg.set_dataset(DatasetBuilder("empty2d", np.zeros((0, 3), dtype="int16")))
    tg.set_dataset(DatasetBuilder("when", [dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)], dtype="isodatetime"))
    tg.set_dataset(DatasetBuilder("asc", [b"ab", b"cd"], dtype="ascii"))
    tg.set_dataset(DatasetBuilder("bools", np.array([True, False, True])))
    tg.set_dataset(DatasetBuilder("nd", np.arange(24.0).reshape(2, 3, 4), dims=["a", "b", "c"]))
    tg.set_dataset(DatasetBuilder("text2d", [["a", "b"], ["c", "d"]], dtype="text"))
    tg.set_dataset(DatasetBuilder("nan", np.array([np.nan, np.inf, -np.inf, 1.0])))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(tg), ReferenceBuilder(vals)], dtype="object"))
    root.set_dataset(DatasetBuilder("scalar_ref", ReferenceBuilder(tg), dtype="object"))
    root.set_dataset(DatasetBuilder(
        "compound", [(1, "x", ReferenceBuilder(vals)), (2, "yy", ReferenceBuilder(tg))],
        dtype=[CompoundField("i", "int32"), CompoundField("label", "text"), CompoundField("ref", "object")],
    ))
    root.set_dataset(DatasetBuilder(
        "compound_num", np.array([(1.5, 2), (2.5, 3)], dtype=[("x", "f8"), ("y", "i4")]),
        dtype=[CompoundField("x", "float64"), CompoundField("y", "int32")],
    ))
    root.set_dataset(DatasetBuilder("dtr", np.array([0, 1]), attributes={"table": ReferenceBuilder(tg)}))
    root.set_dataset(DatasetBuilder("ds_ref_attr", [1], attributes={"target": ReferenceBuilder(vals)}))
    root.set_link(LinkBuilder(tg, "root_link"))
    tg.set_link(LinkBuilder(vals, "vals_link"))
    # ragged + doubly ragged
    table = root.set_group(GroupBuilder("table"))
    data = table.set_dataset(DatasetBuilder("col", np.arange(6, dtype="float32")))
    idx = table.set_dataset(DatasetBuilder("col_index", np.array([2, 3, 6], dtype="uint8"),
                                           attributes={"target": ReferenceBuilder(data)}))
    table.set_dataset(DatasetBuilder("col_index_index", np.array([1, 3], dtype="uint8"),
                                     attributes={"target": ReferenceBuilder(idx)}))
    return root


def as_plain(value):
    if isinstance(value, LazyArray):
        value = value[...]
    if isinstance(value, ReferenceBuilder):
        return ("ref", value.path)
    if isinstance(value, np.ndarray):
        if value.dtype.names:
            return [[as_plain(v) for v in row] for row in value.tolist()]
        return [as_plain(v) for v in value.tolist()] if value.ndim else as_plain(value[()])
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and np.isnan(value):
        return "NaN"
    return value


def assert_same_tree(written: GroupBuilder, read: GroupBuilder) -> None:
    for b in written.walk():
        other = read[b.path] if b.path != "/" else read
        assert type(other) is type(b), b.path
        assert set(other.attributes) == set(b.attributes), b.path
        for k, v in b.attributes.items():
            assert as_plain(other.attributes[k]) == as_plain(v), (b.path, k)
        if isinstance(b, DatasetBuilder):
            assert as_plain(other.data) == as_plain(b.data), b.path
            if b.dims:
                assert other.dims == b.dims
        if isinstance(b, GroupBuilder):
            assert set(other.groups) == set(b.groups)
            assert set(other.datasets) == set(b.datasets)
            assert set(other.links) == set(b.links)
            for name, link in b.links.items():
                assert other.links[name].target is read[link.target.path]


def store_url(kind: str, tmp_path: Path) -> str:
    if kind == "local":
        return str(tmp_path / "s.zarr")
    if kind == "file":
        return f"file://{tmp_path / 's.zarr'}"
    return f"memory://hdmfzarr-test-{uuid.uuid4().hex}/s.zarr"


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("kind", ["local", "file", "memory"])
def test_roundtrip_every_node_kind(fmt: int, kind: str, tmp_path: Path) -> None:
    url = store_url(kind, tmp_path)
    written = make_tree()
    with ZarrIO(url, "w", zarr_format=fmt) as io:
        io.write_builder(written)
    with ZarrIO(url, "r") as io:
        read = io.read_builder()
        assert_same_tree(written, read)
        # references resolve to builders of the same tree
        refs = read["refs"].data[:]
        assert refs[0].target is read["targets"] and refs[1].target is read["targets/vals"]
        assert read["scalar_ref"].data.target is read["targets"]
        assert read["dtr"].attributes["table"].target is read["targets"]
        assert read["compound"].data[1]["ref"].target is read["targets"]
        assert read.links["root_link"].target is read["targets"]
        assert read["targets/vals"].data.dtype == np.dtype("int32")
        assert read["targets/empty"].data.shape == (0,)
        assert read["targets/empty"].dtype == "float32"
        assert read["targets/empty_text"].dtype == "text"
        assert read["targets/empty2d"].data.shape == (0, 3)
        assert read["targets/scalar_f"].data == 3.5
        assert read["targets/scalar_text"].data == "hello"
        assert read["compound"].dtype == [
            CompoundField("i", "int32"), CompoundField("label", "text"), CompoundField("ref", "object")
        ]
        assert "_ARRAY_DIMENSIONS" not in read["targets/vals"].attributes


def test_v3_on_disk_convention(tmp_path: Path) -> None:
    path = tmp_path / "v3.zarr"
    with ZarrIO(path, "w") as io:
        io.write_builder(make_tree(), namespaces={"demo": {
            "version": "0.1.0", "namespace": {"name": "demo", "version": "0.1.0", "schema": [{"source": "demo"}]},
            "sources": {"demo": {"groups": []}},
        }})
    root = json.loads((path / "zarr.json").read_text())
    assert root["attributes"][".specloc"] == "specifications"
    assert root["attributes"]["_LINKS"] == [{"source": ".", "path": "/targets", "name": "root_link"}]
    cons = root["consolidated_metadata"]["metadata"]
    assert "targets/vals" in cons and "specifications/demo/0.1.0/namespace" in cons
    vals = json.loads((path / "targets/vals/zarr.json").read_text())
    assert vals["attributes"]["_DTYPE"] == "int32"
    assert vals["attributes"]["_ARRAY_DIMENSIONS"] == ["num"]
    assert "dimension_names" not in vals or vals["dimension_names"] is None
    text = json.loads((path / "targets/text/zarr.json").read_text())
    assert text["data_type"] == "string" and text["attributes"]["_DTYPE"] == "str"
    refs = json.loads((path / "refs/zarr.json").read_text())
    assert refs["data_type"] == "string" and refs["attributes"]["_DTYPE"] == "object_reference"
    scalar = json.loads((path / "targets/scalar_f/zarr.json").read_text())
    assert scalar["shape"] == [] and (path / "targets/scalar_f/c").exists()
    assert json.loads((path / "scalar_ref/zarr.json").read_text())["shape"] == []
    comp = json.loads((path / "compound/zarr.json").read_text())
    assert comp["data_type"]["name"] == "struct"
    fields = {f["name"]: f["data_type"] for f in comp["data_type"]["configuration"]["fields"]}
    assert fields["ref"]["name"] == "fixed_length_utf32" and fields["i"] == "int32"
    assert comp["attributes"]["_REFERENCE_FIELDS"] == ["ref"]
    assert "_DTYPE" not in comp["attributes"]
    dtr = json.loads((path / "dtr/zarr.json").read_text())
    assert dtr["attributes"]["table"] == {"_REFERENCE": {"source": ".", "path": "/targets"}}
    tg = json.loads((path / "targets/zarr.json").read_text())
    assert tg["attributes"]["_LINKS"] == [{"source": ".", "path": "/targets/vals", "name": "vals_link"}]
    spec = json.loads((path / "specifications/demo/0.1.0/namespace/zarr.json").read_text())
    assert spec["shape"] == [] and spec["data_type"] == "string"
    # NaN / inf attributes are bare JSON tokens
    assert "NaN" in (path / "zarr.json").read_text()
    # no pickle anywhere
    for meta in path.rglob("zarr.json"):
        assert "pickle" not in meta.read_text()


def test_v3_fill_value_chunks_not_written(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("zeros", np.zeros(10)))
    root.set_dataset(DatasetBuilder("zero_scalar", 0.0))
    with ZarrIO(tmp_path / "z.zarr", "w") as io:
        io.write_builder(root)
    assert not (tmp_path / "z.zarr/zeros/c").exists()
    assert not (tmp_path / "z.zarr/zero_scalar/c").exists()
    with ZarrIO(tmp_path / "z.zarr") as io:
        r = io.read_builder()
        assert r["zeros"].data[:].tolist() == [0.0] * 10
        assert r["zero_scalar"].data == 0.0


def test_v2_on_disk_convention(tmp_path: Path) -> None:
    path = tmp_path / "v2.zarr"
    with ZarrIO(path, "w", zarr_format=2) as io:
        io.write_builder(make_tree(), namespaces={"demo": {
            "version": "0.1.0", "namespace": {"name": "demo", "version": "0.1.0", "schema": [{"source": "demo"}]},
            "sources": {"demo": {"groups": []}},
        }})
    assert json.loads((path / ".zgroup").read_text()) == {"zarr_format": 2}
    attrs = json.loads((path / ".zattrs").read_text())
    assert attrs[".specloc"] == "specifications"
    assert attrs["zarr_link"] == [{"name": "root_link", "source": ".", "path": "/targets"}]
    cons = json.loads((path / ".zmetadata").read_text())["metadata"]
    assert "targets/vals/.zarray" in cons and "refs/.zattrs" in cons
    assert json.loads((path / "targets/vals/.zattrs").read_text())["zarr_dtype"] == "int32"
    sc = json.loads((path / "targets/scalar_f/.zarray").read_text())
    assert sc["shape"] == [1]
    assert json.loads((path / "targets/scalar_f/.zattrs").read_text())["zarr_dtype"] == "scalar"
    refs = json.loads((path / "refs/.zarray").read_text())
    assert refs["dtype"] == "|O" and refs["filters"][0]["id"] == "json2"
    assert json.loads((path / "refs/.zattrs").read_text())["zarr_dtype"] == "object"
    dtr = json.loads((path / "dtr/.zattrs").read_text())["table"]
    assert dtr["zarr_dtype"] == "object"
    assert dtr["value"] == {"source": ".", "path": "/targets", "object_id": "t-oid", "source_object_id": "root-oid"}
    comp = json.loads((path / "compound/.zattrs").read_text())["zarr_dtype"]
    assert comp == [{"name": "i", "dtype": "int32"}, {"name": "label", "dtype": "str"}, {"name": "ref", "dtype": "object"}]
    for meta in path.rglob(".zarray"):
        assert "pickle" not in meta.read_text()
    # the reference chunk is numcodecs-JSON framed dicts
    import numcodecs

    raw = (path / "refs/0").read_bytes()
    decoded = numcodecs.JSON().decode(numcodecs.get_codec(refs["compressor"]).decode(raw))
    assert decoded[0]["path"] == "/targets" and decoded[0]["source"] == "."


def test_external_link_and_reference(tmp_path: Path) -> None:
    other = GroupBuilder("root")
    other.set_dataset(DatasetBuilder("ext", np.arange(3)))
    with ZarrIO(tmp_path / "other.zarr", "w") as io:
        io.write_builder(other)
    root = GroupBuilder("root")
    root.set_link(LinkBuilder(ExternalTarget("../other.zarr", "/ext"), "ext_link"))
    with ZarrIO(tmp_path / "main.zarr", "w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "main.zarr", allow_external=[str(tmp_path)]) as io:  # sibling stores must be allowed
        r = io.read_builder()
        target = r.links["ext_link"].target
        assert isinstance(target, ExternalTarget) and target.source == "../other.zarr"
        resolved = io.resolve_external(target)
        assert resolved.data[:].tolist() == [0, 1, 2]


def test_read_dataset_from_other_store_becomes_link_when_asked(tmp_path: Path) -> None:
    """link_data=True (write-wide) links arrays of LINK_MIN_BYTES or more into the other store and copies smaller
    ones; DataIO(link_data=True) links any array; the default copies, and so does DataIO(link_data=False)."""
    from hdmfzarr.backends.zarr.writer import LINK_MIN_BYTES
    from hdmfzarr.dataio import DataIO

    src = GroupBuilder("root")
    src.set_dataset(DatasetBuilder("big", np.arange(LINK_MIN_BYTES // 8, dtype=np.float64)))  # 1 MiB: linked
    src.set_dataset(DatasetBuilder("small", np.arange((LINK_MIN_BYTES - 1) // 8, dtype=np.float64)))  # copied
    with ZarrIO(tmp_path / "src.zarr", "w") as io:
        io.write_builder(src)
    with ZarrIO(tmp_path / "src.zarr") as io:
        read = io.read_builder()
        for name, wrap, kwargs in [("dst.zarr", lambda d: d, {"link_data": True}),
                                   ("dio.zarr", lambda d: DataIO(d, link_data=True), {}),
                                   ("copy.zarr", lambda d: d, {}),
                                   ("dio_copy.zarr", lambda d: DataIO(d, link_data=False), {"link_data": True})]:
            root = GroupBuilder("root")
            for key in ("big", "small"):
                root.set_dataset(DatasetBuilder(key, wrap(read[key].data)))
            with ZarrIO(tmp_path / name, "w") as out:
                out.write_builder(root, **kwargs)
    links = {name: json.loads((tmp_path / name / "zarr.json").read_text())["attributes"].get("_LINKS")
             for name in ("dst.zarr", "dio.zarr", "copy.zarr", "dio_copy.zarr")}
    assert links["dst.zarr"] == [{"source": "../src.zarr", "path": "/big", "name": "big"}]
    assert links["dio.zarr"] == [{"source": "../src.zarr", "path": p, "name": p[1:]} for p in ("/big", "/small")]
    assert links["copy.zarr"] is None and links["dio_copy.zarr"] is None
    for name in ("dst.zarr", "copy.zarr", "dio_copy.zarr"):
        with ZarrIO(tmp_path / name) as io:
            assert io.read_builder()["small"].data[:5].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_appendable_array_from_other_store_is_linked_or_written_with_its_rows(tmp_path: Path, monkeypatch) -> None:
    """An array read in mode 'a' (an AppendableArray) is linked like any array of another store when it
    holds no new rows (whatever its size: the size rule set to 0 here); with rows appended it is written in full,
    new rows included."""
    monkeypatch.setattr("hdmfzarr.backends.zarr.writer.LINK_MIN_BYTES", 0)
    from hdmfzarr.appendable import AppendableArray
    from hdmfzarr.backends.zarr.append import wrap_growable

    src = GroupBuilder("root")
    src.set_dataset(DatasetBuilder("big", np.arange(5.0)))
    with ZarrIO(tmp_path / "src.zarr", "w") as io:
        io.write_builder(src)
    with ZarrIO(tmp_path / "src.zarr", "a") as io:
        read = io.read_builder()
        wrap_growable(read)
        grown = read["big"].data
        assert isinstance(grown, AppendableArray)
        for name in ("linked.zarr", "grown.zarr"):
            if name == "grown.zarr":
                grown.extend([5.0, 6.0])
            root = GroupBuilder("root")
            root.set_dataset(DatasetBuilder("big", grown))
            with ZarrIO(tmp_path / name, "w") as out:
                out.write_builder(root, link_data=True)
    meta = json.loads((tmp_path / "linked.zarr" / "zarr.json").read_text())
    assert meta["attributes"]["_LINKS"] == [{"source": "../src.zarr", "path": "/big", "name": "big"}]
    meta = json.loads((tmp_path / "grown.zarr" / "zarr.json").read_text())
    assert "_LINKS" not in meta["attributes"]
    with ZarrIO(tmp_path / "grown.zarr") as io:
        assert io.read_builder()["big"].data[:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_write_over_existing_store_in_append_mode(tmp_path: Path) -> None:
    root = GroupBuilder("root", attributes={"a": 1})
    root.set_dataset(DatasetBuilder("x", [1, 2, 3]))
    with ZarrIO(tmp_path / "a.zarr", "a") as io:
        io.write_builder(root)
    root2 = GroupBuilder("root", attributes={"b": 2})
    root2.set_dataset(DatasetBuilder("y", [4.0]))
    with ZarrIO(tmp_path / "a.zarr", "a") as io:
        io.write_builder(root2)
    with ZarrIO(tmp_path / "a.zarr") as io:
        r = io.read_builder()
        assert r.attributes == {"a": 1, "b": 2}
        assert r["x"].data[:].tolist() == [1, 2, 3] and r["y"].data[:].tolist() == [4.0]


def test_v3_reader_accepts_v2_spellings_and_json_references(tmp_path: Path) -> None:
    """A format-3 store using 0.13-style attributes, JSON-string references and no _DTYPE at all."""
    import zarr

    path = tmp_path / "mixed.zarr"
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    tg = g.create_group("targets")
    vals = tg.create_array("vals", shape=(3,), dtype="int16")
    vals[:] = [1, 2, 3]  # no _DTYPE
    old_scalar = tg.create_array("old_scalar", shape=(1,), dtype="float64", attributes={"zarr_dtype": "scalar"})
    old_scalar[:] = [4.5]
    refs = g.create_array("refs", shape=(2,), dtype=str, attributes={"_DTYPE": "object_reference"})
    refs[:] = np.array(['{"source": ".", "path": "/targets"}', "/targets/vals"], dtype=object)
    g.create_array("dtr", shape=(1,), dtype="int64", attributes={
        "table": {"zarr_dtype": "object", "value": {"source": ".", "path": "/targets", "object_id": None}},
        "_ARRAY_DIMENSIONS": ["rows"]})
    g.update_attributes({"zarr_link": [{"name": "lnk", "source": ".", "path": "/targets/vals"}]})
    with ZarrIO(path) as io:  # not consolidated: walked
        r = io.read_builder()
        assert r["targets/vals"].dtype == "int16" and r["targets/vals"].data[:].tolist() == [1, 2, 3]
        assert r["targets/old_scalar"].data == 4.5
        got = r["refs"].data[:]
        assert got[0].target is r["targets"] and got[1].target is r["targets/vals"]
        assert r["dtr"].attributes == {"table": r["dtr"].attributes["table"]}
        assert r["dtr"].attributes["table"].target is r["targets"]
        assert r["dtr"].dims == ["rows"]
        assert r.links["lnk"].target is r["targets/vals"]
        assert "zarr_link" not in r.attributes


def test_v2_append_keeps_consolidated_metadata_complete(tmp_path: Path) -> None:
    path = tmp_path / "a2.zarr"
    first = GroupBuilder("root")
    first.set_dataset(DatasetBuilder("x", [1, 2]))
    with ZarrIO(path, "w", zarr_format=2) as io:
        io.write_builder(first)
    second = GroupBuilder("root")
    second.set_dataset(DatasetBuilder("y", [3.0]))
    with ZarrIO(path, "a") as io:
        assert io.zarr_format == 2  # the existing store's format wins
        io.write_builder(second)
    cons = json.loads((path / ".zmetadata").read_text())["metadata"]
    assert "x/.zarray" in cons and "y/.zarray" in cons
    with ZarrIO(path) as io:
        r = io.read_builder()
        assert r["x"].data[:].tolist() == [1, 2] and r["y"].data[:].tolist() == [3.0]


def test_export_copies_lazy_data_between_formats(tmp_path: Path) -> None:
    """A tree read from one store written into another: copy (link_data=False) across formats."""
    from hdmfzarr.dataio import DataIO

    with ZarrIO(tmp_path / "src.zarr", "w") as io:
        io.write_builder(make_tree())
    with ZarrIO(tmp_path / "src.zarr") as src:
        read = src.read_builder()
        for b in read.walk():
            if isinstance(b, DatasetBuilder) and isinstance(b.data, LazyArray):
                b.data = DataIO(b.data, link_data=False)
        with ZarrIO(tmp_path / "copy2.zarr", "w", zarr_format=2) as dst:
            dst.write_builder(read)
    with ZarrIO(tmp_path / "copy2.zarr") as io:
        assert_same_tree(make_tree(), io.read_builder())


@pytest.mark.parametrize("fmt", [3, 2])
def test_compound_value_out_of_its_field_range_is_refused_not_wrapped(tmp_path: Path, fmt: int) -> None:
    """300 in an int8 field of a compound with references raised a bare OverflowError (format 3), or was stored as
    the JSON number 300 (format 2's JSON cells, which hdmf-zarr 0.13 may fail to read): a RefusedRowsError naming
    the dataset and its fields, nothing stored; in mode 'a' the store is unchanged and the next write works."""
    fields = [CompoundField("i", "int8"), CompoundField("ref", "object")]
    root = GroupBuilder("root")
    vals = root.set_dataset(DatasetBuilder("vals", np.arange(3, dtype="int32")))
    root.set_dataset(DatasetBuilder("compound", [(300, ReferenceBuilder(vals))], dtype=fields))
    refused = r"/compound: compound rows do not fit the fields \[\('i', 'int8'\).*out of bounds for int8"
    with pytest.raises(RefusedRowsError, match=refused):
        with ZarrIO(tmp_path / "b.zarr", "w", zarr_format=fmt) as io:
            io.write_builder(root)
    with pytest.raises(IncompleteStoreError):  # never committed: no half-written tree is read as data
        ZarrIO(tmp_path / "b.zarr").read_builder()

    path = tmp_path / "a.zarr"
    root["compound"].data = [(3, ReferenceBuilder(vals))]
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write_builder(root)
    before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with ZarrIO(path, "a") as io:
        read = io.read_builder()
        read.set_dataset(DatasetBuilder("more", [(1, ReferenceBuilder(read["vals"])), (-2**40, ReferenceBuilder(read))],
                                        dtype=fields))
        with pytest.raises(RefusedRowsError, match=r"/more: compound rows do not fit the fields"):
            io.write_builder(read)
        assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
        read["more"].data = [(1, ReferenceBuilder(read["vals"])), (-2, ReferenceBuilder(read))]
        io.write_builder(read)
    with ZarrIO(path) as io:
        stored = io.read_builder()
        assert [r[0] for r in stored["more"].data[:]] == [1, -2] and stored["compound"].data[:][0][0] == 3


def test_iterator_wider_than_its_spec_dtype_is_widened_not_wrapped(tmp_path: Path) -> None:
    """A DataChunkIterator of int64 values under spec dtype int8 was cast block by block and wrapped (300 became 44);
    spec dtypes are minimums: the iterator's wider dtype is kept, as for arrays and dask arrays."""
    from hdmfzarr.dataio import DataChunkIterator

    root = GroupBuilder("root")
    values = np.array([1, 300, -2**40], dtype=np.int64)
    root.set_dataset(DatasetBuilder("x", DataChunkIterator(iter([values[:2], values[2:]]), total_rows=3), dtype="int8"))
    with ZarrIO(tmp_path / "i.zarr", "w") as io:
        io.write_builder(root)
    stored = ZarrIO(tmp_path / "i.zarr").read_builder()["x"].data[...]
    assert stored.dtype == np.int64 and stored.tolist() == values.tolist()


def test_iterator_of_references_is_refused_naming_the_dataset(tmp_path: Path) -> None:
    """References streamed through a DataChunkIterator were stored as their str() (object blocks were taken for
    text): refused, as for a dask array, naming the dataset."""
    from hdmfzarr.dataio import DataChunkIterator

    root = GroupBuilder("root")
    vals = root.set_dataset(DatasetBuilder("vals", np.arange(3)))
    refs = np.array([ReferenceBuilder(vals)], dtype=object)
    root.set_dataset(DatasetBuilder("refs", DataChunkIterator(iter([refs]), total_rows=1), dtype="object"))
    with pytest.raises(StoreError, match=r"/refs: iterators and dask arrays can be written for numeric and text"):
        with ZarrIO(tmp_path / "r.zarr", "w") as io:
            io.write_builder(root)

"""Read a store, write what was read into another: the read's namespaces, type key, stored widths and
dimension names go with the containers; data is copied unless links are asked for (issue 12 items 8-11,
issue 13 bug 2). The same workflow against pynwb-written stores is in tests/writeback/."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.common import CSRMatrix, DynamicTable, DynamicTableRegion, SimpleMultiContainer, VectorData

EXT_NS = "ndx-test"


def _attrs(store: Path, path: str = "") -> dict:
    """The attributes of a node of a format-3 or format-2 store."""
    node = store / path if path else store
    if (node / "zarr.json").exists():
        return json.loads((node / "zarr.json").read_text()).get("attributes", {})
    zattrs = node / ".zattrs"
    return json.loads(zattrs.read_text()) if zattrs.exists() else {}


def _all_links(store: Path) -> list:
    found = []
    for meta in list(store.rglob("zarr.json")) + list(store.rglob(".zattrs")):
        attrs = json.loads(meta.read_text())
        attrs = attrs.get("attributes", {}) if meta.name == "zarr.json" else attrs
        for key in ("_LINKS", "zarr_link"):
            found += attrs.get(key, [])
    return found


def _store_dims_and_write_back(src: Path, array: str, dims: list[str] | None, dst: Path) -> None:
    """Store ``dims`` (None: no names) as the format-3 array's dimension names, then read ``src`` and write
    what was read into ``dst``."""
    import warnings

    import zarr

    meta = json.loads((src / array / "zarr.json").read_text())
    meta["attributes"].pop("_ARRAY_DIMENSIONS", None)
    if dims is not None:
        meta["attributes"]["_ARRAY_DIMENSIONS"] = dims
    (src / array / "zarr.json").write_text(json.dumps(meta))
    with warnings.catch_warnings():  # the consolidated metadata is stale now: rewrite it from the nodes
        warnings.simplefilter("ignore")
        zarr.consolidate_metadata(str(src))
    with ZarrIO(src) as r:
        got = r.read()
        with ZarrIO(dst, "w") as w:
            w.write(got)


@pytest.mark.parametrize("fmt", [3, 2])
def test_read_tree_writes_back_with_its_namespaces(ext_map, make_session, assert_same, tmp_path: Path, fmt: int):
    """The extension is only in the store's cached specs: the read's type map goes with its containers
    (no "namespace 'ndx-test' is not loaded"), its versions are cached again, and the data is copied."""
    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    session = make_session()
    with ZarrIO(src, "w", type_map=ext_map) as io:
        io.write(session)
    with ZarrIO(src) as r:
        root = r.read()
        with ZarrIO(dst, "w", zarr_format=fmt) as w:
            w.write(root)
    assert [lk["source"] for lk in _all_links(dst)] == ["."]  # the 'best' link, inside the copy
    with ZarrIO(src) as a, ZarrIO(dst) as b:
        assert {k: v["version"] for k, v in b.spec_cache().items()} == {
            k: v["version"] for k, v in a.spec_cache().items()}
        assert_same(session, b.read(), root_name=False)
    assert _attrs(dst)["data_type"] == "Session" and _attrs(dst)["namespace"] == EXT_NS


def test_write_back_keeps_stored_widths_and_dimension_names(tmp_path: Path):
    """Spec dtypes are minimums for floats as for integers: float64 data under a float32 spec stays
    float64 (0.1 stays 0.1); int64 ids stay int64; stored _ARRAY_DIMENSIONS are written again."""
    from hdmfzarr.common import ElementIdentifiers

    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    table = DynamicTable(name="t", description="d", id=ElementIdentifiers("id", np.array([0, 1], dtype=np.int64)),
                         columns=[VectorData("x", "x", np.array([0.1, 0.2], dtype=np.float64)),
                                  VectorData("m", "2-d", np.zeros((2, 3), dtype=np.float32))])
    with ZarrIO(src, "w") as io:
        io.write(table)
    _store_dims_and_write_back(src, "x", ["my_rows"], dst)
    assert _attrs(dst, "x")["_ARRAY_DIMENSIONS"] == ["my_rows"]
    assert _attrs(dst, "m")["_ARRAY_DIMENSIONS"] == ["dim0", "dim1"]  # the spec's option of the data's rank
    with ZarrIO(dst) as io:
        back = io.read()
        assert back["x"].data.dtype == np.float64 and back["x"].data[:].tolist() == [0.1, 0.2]
        assert back.id.data.dtype == np.int64


def test_structured_columns_write_in_memory_and_lazily(tmp_path: Path):
    """A column holding a structured array (no compound dtype in its spec) writes, and so does the lazy
    compound array read back from a store (ophys pixel_mask)."""
    rec = np.array([(1, 2, 0.5), (3, 4, 1.0), (5, 6, 0.25)], dtype=[("x", "<u4"), ("y", "<u4"), ("weight", "<f8")])
    from hdmfzarr.common import VectorIndex

    mask = VectorData("mask", "pixel masks", rec)
    table = DynamicTable(name="t", description="d", columns=[mask, VectorIndex("mask_index", [2, 3], mask)])
    for fmt in (3, 2):
        src, dst = tmp_path / f"src{fmt}.zarr", tmp_path / f"dst{fmt}.zarr"
        with ZarrIO(src, "w", zarr_format=fmt) as io:
            io.write(table)
        with ZarrIO(src) as r:
            got = r.read()
            with ZarrIO(dst, "w", zarr_format=fmt) as w:
                w.write(got)
        with ZarrIO(dst) as io:
            back = io.read()
            data = back["mask"].target.data[:]
            assert data.dtype.names == ("x", "y", "weight")
            assert data.dtype["weight"] == np.float64 and data.dtype["x"] == np.uint32
            assert data.tolist() == rec.tolist()
            assert [len(r) for r in back["mask"][:]] == [2, 1]


def _csr_tree() -> SimpleMultiContainer:
    targets = DynamicTable(name="targets", description="t")
    targets.add_column("x", "x")
    for i in range(3):
        targets.add_row(x=i)
    region = DynamicTableRegion(name="reg", data=[0, 2, 2], description="r", table=targets)
    users = DynamicTable(name="users", description="u", columns=[region])
    csr = CSRMatrix(data=np.array([1.0, 2.0]), indices=np.array([0, 2]), indptr=np.array([0, 1, 2]), shape=(2, 3),
                    name="csr")
    return SimpleMultiContainer(name="root", containers=[targets, users, csr])


@pytest.mark.parametrize("link_data", [False, True])
def test_csr_and_region_read_from_one_store_written_to_another(tmp_path: Path, link_data: bool, monkeypatch):
    """Issue 13 bug 2: a CSRMatrix's untyped datasets (also when stored as links) become its constructor
    fields, and a region's target table stays one object (a dataset whose attributes refer to other
    objects is copied even with link_data=True, so its references resolve in the new store). Small arrays are
    linked here (the size rule set to 0)."""
    monkeypatch.setattr("hdmfzarr.backends.zarr.writer.LINK_MIN_BYTES", 0)
    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    with ZarrIO(src, "w") as io:
        io.write(_csr_tree())
    with ZarrIO(src) as r:
        got = r.read()
        with ZarrIO(dst, "w") as w:
            w.write(got, link_data=link_data)
    links = _all_links(dst)
    if link_data:
        assert {lk["name"] for lk in links} >= {"data", "indices", "indptr", "x"}
        assert "reg" not in {lk["name"] for lk in links}
    else:
        assert links == []
    with ZarrIO(dst, allow_external=True) as io:
        back = io.read()
        csr = back.containers["csr"]
        assert csr.shape == (2, 3)
        assert np.asarray(csr.data[:]).tolist() == [1.0, 2.0] and np.asarray(csr.indptr[:]).tolist() == [0, 1, 2]
        region = back.containers["users"]["reg"]
        assert region.table is back.containers["targets"]
        assert np.asarray(region.data[:]).tolist() == [0, 2, 2]


def test_link_data_copies_what_a_reference_points_at_and_hdmf_zarr_reads_the_copy(tmp_path: Path, monkeypatch):
    """With link_data=True, a ragged column's data (what its index's 'target' refers to) is copied, not linked:
    hdmf-zarr cannot resolve a reference to a link ('Found bad link to object /r'); other columns are linked
    (small ones too here: the size rule set to 0)."""
    monkeypatch.setattr("hdmfzarr.backends.zarr.writer.LINK_MIN_BYTES", 0)
    hdmf_zarr = pytest.importorskip("hdmf_zarr")
    import warnings

    from hdmf.common import get_manager

    table = DynamicTable(name="t", description="d")
    table.add_column("x", "x")
    table.add_column("r", "ragged", index=True)
    table.add_row(x=1, r=[1.0, 2.0])
    table.add_row(x=2, r=[3.0])
    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    with ZarrIO(src, "w") as io:
        io.write(table)
    with ZarrIO(src) as r:
        with ZarrIO(dst, "w") as w:
            w.write(r.read(), link_data=True)
    assert {lk["name"] for lk in _all_links(dst)} == {"id", "x"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(dst), "r", manager=get_manager()) as io:
            frame = io.read().to_dataframe()
    assert frame["x"].tolist() == [1, 2] and [list(v) for v in frame["r"]] == [[1.0, 2.0], [3.0]]


def test_builder_level_write_copies_by_default(tmp_path: Path):
    """write_builder copies arrays read from another store unless link_data=True."""
    src = GroupBuilder("root")
    src.set_dataset(DatasetBuilder("x", np.arange(3.0)))
    with ZarrIO(tmp_path / "a.zarr", "w") as io:
        io.write_builder(src)
    with ZarrIO(tmp_path / "a.zarr") as r:
        read = r.read_builder()
        with ZarrIO(tmp_path / "b.zarr", "w") as w:
            w.write_builder(read)
    assert _all_links(tmp_path / "b.zarr") == []
    with ZarrIO(tmp_path / "b.zarr") as io:
        assert io.read_builder()["x"].data[:].tolist() == [0.0, 1.0, 2.0]


def test_failed_write_keeps_the_specifications(tmp_path: Path):
    """Item 11: the spec cache is written before the objects, so a write failing half-way (here a column
    holding values no dtype fits) never leaves objects without the specifications that describe them."""
    from hdmfzarr.errors import HdmfZarrError

    bad = DynamicTable(name="t", description="d", columns=[VectorData("ok", "fine", [1.0, 2.0]),
                                                          VectorData("zz", "unstorable", [object(), object()])])
    with pytest.raises(HdmfZarrError):
        with ZarrIO(tmp_path / "bad.zarr", "w") as io:
            io.write(bad)
    assert (tmp_path / "bad.zarr" / "specifications" / "hdmf-common").is_dir()


@pytest.mark.parametrize("fmt", [3, 2])
def test_copy_is_chunk_by_chunk_in_bounded_blocks(tmp_path: Path, monkeypatch, fmt: int):
    """Item 9: an array read from another store is copied in blocks of whole chunks no larger than the
    copy budget (never read whole), keeping its chunking; text arrays too."""
    from hdmfzarr.backends.zarr import writer
    from hdmfzarr.backends.zarr.lazy import LazyArray
    from hdmfzarr.dataio import DataIO

    src = GroupBuilder("root")
    src.set_dataset(DatasetBuilder("x", DataIO(np.arange(10_000, dtype=np.int64), chunks=(1000,))))
    src.set_dataset(DatasetBuilder("s", DataIO([f"v{i}" for i in range(3000)], chunks=(500,)), dtype="text"))
    with ZarrIO(tmp_path / "a.zarr", "w") as io:
        io.write_builder(src)
    monkeypatch.setattr(writer, "COPY_BLOCK_BYTES", 2000 * 8)  # two chunks of x per block
    reads: list[tuple[str, int]] = []
    original = LazyArray.__getitem__

    def spy(self, key):
        got = original(self, key)
        reads.append((self.path, len(got)))
        return got

    monkeypatch.setattr(LazyArray, "__getitem__", spy)
    monkeypatch.setattr(LazyArray, "read", lambda self: pytest.fail(f"{self.path} read whole"))
    with ZarrIO(tmp_path / "a.zarr") as r:
        read = r.read_builder()
        with ZarrIO(tmp_path / "b.zarr", "w", zarr_format=fmt) as w:
            w.write_builder(read)
    assert [n for p, n in reads if p == "/x"] == [2000] * 5
    assert max(n for p, n in reads if p == "/s") <= 1000 and sum(n for p, n in reads if p == "/s") == 3000
    monkeypatch.undo()
    with ZarrIO(tmp_path / "b.zarr") as io:
        back = io.read_builder()
        assert back["x"].data.chunks == (1000,) and back["x"].data[:].tolist() == list(range(10_000))
        assert back["s"].data[:].tolist() == [f"v{i}" for i in range(3000)]


def test_compound_with_reference_keeps_its_dimension_names_in_both_formats(tmp_path: Path):
    """Item 10: the stored dimension name of a compound with a reference field (TimeSeriesReferenceVectorData
    in NWB) is written again, 3 -> 2 (JSON-cell array) -> 3 -> 2, and reads back as the dataset's dims."""
    from hdmfzarr.build.builders import CompoundField, ReferenceBuilder

    root = GroupBuilder("root")
    target = DatasetBuilder("target", np.arange(3.0))
    root.set_dataset(target)
    fields = [CompoundField("idx_start", "int32"), CompoundField("count", "int32"), CompoundField("ts", "object")]
    root.set_dataset(DatasetBuilder("refs", [(0, 2, ReferenceBuilder(target)), (2, 1, ReferenceBuilder(target))],
                                    dtype=fields, dims=["epoch_rows"]))
    src = tmp_path / "s0.zarr"
    with ZarrIO(src, "w") as io:
        io.write_builder(root)
    for step, fmt in enumerate((2, 3, 2), start=1):
        dst = tmp_path / f"s{step}.zarr"
        with ZarrIO(src) as r:
            read = r.read_builder()
            with ZarrIO(dst, "w", zarr_format=fmt) as w:
                w.write_builder(read)
        assert _attrs(dst, "refs")["_ARRAY_DIMENSIONS"] == ["epoch_rows"], (step, fmt)
        with ZarrIO(dst) as io:
            back = io.read_builder()["refs"]
            assert back.dims == ["epoch_rows"] and [r[:2] for r in back.data[:].tolist()] == [(0, 2), (2, 1)]
        src = dst


def test_write_back_invents_no_dimension_names(tmp_path: Path):
    """A dataset stored without ``_ARRAY_DIMENSIONS`` (hdmf-zarr 0.14 writes none for NWB's images, HDF5 has
    none) is written back without: a read reports what is stored, the spec's names are for new objects."""
    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    table = DynamicTable(name="t", description="d", columns=[VectorData("x", "x", np.arange(2.0)),
                                                             VectorData("y", "y", np.arange(2.0))])
    with ZarrIO(src, "w") as io:
        io.write(table)
    _store_dims_and_write_back(src, "x", None, dst)
    assert "_ARRAY_DIMENSIONS" not in _attrs(dst, "x")
    assert _attrs(dst, "y")["_ARRAY_DIMENSIONS"] == _attrs(src, "y")["_ARRAY_DIMENSIONS"]


def test_reference_array_read_back_exposes_the_stored_array_it_wraps(ext_map, make_session, tmp_path: Path):
    """A reference dataset read from a store wraps the stored array: a copy keeps its stored dimension names
    (a copy of an NWB file wrote TimeSeriesReferenceVectorData's as ['dim0'] when the wrapper hid them), and
    the writer recognises it as already stored there (also over the appendable array of a store opened to add)."""
    from types import SimpleNamespace

    from hdmfzarr.backends.zarr.writer import ZarrWriter
    from hdmfzarr.build.lazyrefs import ReferenceArray
    from hdmfzarr.build.mapper import ObjectMapper

    src, dst = tmp_path / "src.zarr", tmp_path / "dst.zarr"
    with ZarrIO(src, "w", type_map=ext_map) as io:
        io.write(make_session())
    _store_dims_and_write_back(src, "refs", ["which"], dst)  # the spec (SampleRefs) names no dimension
    assert _attrs(dst, "refs")["_ARRAY_DIMENSIONS"] == ["which"]
    for mode in ("r", "a"):
        with ZarrIO(src, mode) as io:
            refs = io.read().refs.data
            assert isinstance(refs, ReferenceArray) and refs.store_url is None and refs.wrapped is not None
            assert ObjectMapper._dims(None, refs) == ["which"]
            writer = SimpleNamespace(handle=io.handle)
            assert ZarrWriter._stored_here(writer, refs, "refs") and not ZarrWriter._stored_here(writer, refs, "x")

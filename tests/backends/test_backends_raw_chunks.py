"""Numeric arrays the default compressor does not shrink (random floats) are stored raw, and a row read alone
from a raw chunk of a local or in-memory store is one byte range, not its whole chunk."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from zarr.storage import MemoryStore

from hdmfzarr.backends.zarr import ZarrIO, lazy
from zarr.abc.store import RangeByteRequest
from hdmfzarr.backends.zarr.store import ConfinedLocalStore
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import CorruptStoreError


def _table(n: int = 4000) -> tuple[DynamicTable, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(7)
    noise_values = rng.standard_normal(n)
    rows = [rng.standard_normal(i % 5) for i in range(n)]
    t = DynamicTable(name="t", description="d")
    t.add_column("noise", "random floats")
    t.add_column("count", "small ints")
    t.add_column("ragged", "random floats per row", index=True)
    t.extend({"id": np.arange(n), "noise": noise_values, "count": np.arange(n) % 3, "ragged": rows})
    return t, noise_values, rows


def _compressors(path: Path, name: str, fmt: int) -> list[str]:
    if fmt == 3:
        doc = json.loads((path / name / "zarr.json").read_text())
        return [c["name"] for c in doc["codecs"] if c["name"] != "bytes"]
    doc = json.loads((path / name / ".zarray").read_text())
    return [doc["compressor"]["id"]] if doc["compressor"] else []


@pytest.mark.parametrize("fmt", [3, 2])
def test_incompressible_floats_are_stored_raw_and_compressible_ints_keep_blosc(tmp_path: Path, fmt: int) -> None:
    table, noise, rows = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(table)
    assert _compressors(path, "noise", fmt) == [] and _compressors(path, "ragged", fmt) == []
    assert _compressors(path, "count", fmt) == ["blosc"] and _compressors(path, "ragged_index", fmt) == ["blosc"]
    with ZarrIO(path) as io:
        t = io.read()
        assert np.array_equal(t["noise"].data[:], noise)
        assert all(np.array_equal(t["ragged"][i], rows[i]) for i in (0, 1, 4, 2500, 3999))


def test_hdmf_zarr_014_reads_raw_arrays(tmp_path: Path) -> None:
    hdmf_zarr = pytest.importorskip("hdmf_zarr")
    from hdmf.common import get_manager

    table, noise, rows = _table(1000)
    with ZarrIO(tmp_path / "t.zarr", "w") as io:
        io.write(table)
    assert _compressors(tmp_path / "t.zarr", "noise", 3) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr.ZarrIO(str(tmp_path / "t.zarr"), mode="r", manager=get_manager()) as io:
            df = io.read().to_dataframe()
            assert np.array_equal(df["noise"].to_numpy(), noise)
            assert all(np.array_equal(np.asarray(a), b) for a, b in zip(df["ragged"], rows))


class _RangeRecorder(MemoryStore):
    """A memory store recording each synchronous read: (key, byte range or None for the whole value)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, object]] = []

    async def get(self, key, prototype=None, byte_range=None):  # noqa: ANN001, ANN201
        self.reads.append((key, byte_range))
        return await super().get(key, prototype, byte_range)

    def get_sync(self, key, *, prototype=None, byte_range=None):  # noqa: ANN001, ANN201
        self.reads.append((key, byte_range))
        return super().get_sync(key, prototype=prototype, byte_range=byte_range)


def test_a_row_of_a_raw_chunk_is_read_as_a_byte_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In memory: ``get_sync`` of the row's bytes only; local files: one positional read of them; bulk reads
    (and a chunk read by many rows) read the whole chunk, by one request of its bytes."""
    table, noise, rows = _table()
    store = _RangeRecorder()
    with ZarrIO(store, "w") as io:
        io.write(table)
    with ZarrIO(store) as io:
        col = io.read()["noise"].data
        store.reads.clear()
        assert col[1234] == noise[1234] and np.array_equal(col[10:13], noise[10:13])
        chunk = [(k, r) for k, r in store.reads if k.startswith("noise/c")]
        assert chunk == [("noise/c/0", RangeByteRequest(1234 * 8, 1235 * 8)), ("noise/c/0", RangeByteRequest(80, 104))]
        store.reads.clear()
        assert np.array_equal(col[:], noise)  # bulk: whole chunks
        assert [r for k, r in store.reads if k.startswith("noise/c")] == [RangeByteRequest(0, 4000 * 8)]
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    seen: list[tuple[str, int, int]] = []
    original = ConfinedLocalStore.read_range_sync

    def recording(self, key: str, start: int, out: np.ndarray):  # noqa: ANN001, ANN202
        seen.append((key, start, start + out.nbytes))
        return original(self, key, start, out)

    monkeypatch.setattr(ConfinedLocalStore, "read_range_sync", recording)
    monkeypatch.setattr(lazy, "RANGED_READS_PER_CHUNK", 3)
    with ZarrIO(path) as io:
        col = io.read()["noise"].data
        for i in (5, 6, 7, 8, 9):
            assert col[i] == noise[i]
    # then the chunk is read whole (cached for the rows after)
    assert seen == [("noise/c/0", i * 8, i * 8 + 8) for i in (5, 6, 7)] + [("noise/c/0", 0, 4000 * 8)]


def test_a_truncated_raw_chunk_is_refused(tmp_path: Path) -> None:
    table, noise, _ = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    chunk = path / "noise" / "c" / "0"
    chunk.write_bytes(chunk.read_bytes()[:1000])
    with ZarrIO(path) as io:
        col = io.read()["noise"].data
        assert col[3] == noise[3]  # bytes still there
        with pytest.raises(CorruptStoreError, match="/noise.*cut short"):
            col[2000]


def test_a_row_is_read_straight_into_the_array_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ragged row of a raw local chunk in native byte order is one positional read into the array the row
    gives back (no bytes object, no copy), and rows read by byte ranges never look into the chunk cache."""
    table, _, rows = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    buffers: list[np.ndarray] = []
    original = ConfinedLocalStore.read_range_sync

    def recording(self, key: str, start: int, out: np.ndarray):  # noqa: ANN001, ANN202
        buffers.append(out)
        return original(self, key, start, out)

    lookups: list[object] = []
    cache_get = lazy.ChunkCache.__getitem__

    def counting(self, key):  # noqa: ANN001, ANN202
        lookups.append(key)
        return cache_get(self, key)

    monkeypatch.setattr(ConfinedLocalStore, "read_range_sync", recording)
    with ZarrIO(path) as io:
        col = io.read()["ragged"]
        col[0]  # the offsets' chunk is read whole and cached
        buffers.clear()
        monkeypatch.setattr(lazy.ChunkCache, "__getitem__", counting)
        got = col[2501]
        assert np.array_equal(got, rows[2501]) and got.flags.writeable
        assert len(buffers) == 1 and np.shares_memory(got, buffers[0])
        assert len(lookups) == 1  # the offsets' cached chunk; none for the values' chunk (read by a range)
        col.target.data.clear_cache()
        assert np.array_equal(col[2502], rows[2502])


def test_big_endian_raw_chunks_are_read_by_ranges_as_native_values(tmp_path: Path) -> None:
    """A raw chunk stored big-endian (format 3 ``bytes`` codec, ``endian: big``: stores written by others) gives
    native-order values, by byte ranges as by whole chunks."""
    table, _, rows = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    root = json.loads((path / "zarr.json").read_text())
    for doc_path, doc in ((path / "ragged" / "zarr.json", None), (path / "zarr.json", root)):
        arr = json.loads(doc_path.read_text()) if doc is None else doc["consolidated_metadata"]["metadata"]["ragged"]
        assert [c["name"] for c in arr["codecs"]] == ["bytes"]
        arr["codecs"][0]["configuration"] = {"endian": "big"}
        doc_path.write_text(json.dumps(arr if doc is None else doc))
    for chunk in (path / "ragged" / "c").iterdir():
        chunk.write_bytes(np.frombuffer(chunk.read_bytes(), "<f8").astype(">f8").tobytes())
    with ZarrIO(path) as io:
        col = io.read()["ragged"]
        got = [col[i] for i in (1, 2, 3999)]
        assert all(g.dtype == np.float64 and g.dtype.isnative for g in got)
        assert all(np.array_equal(g, rows[i]) for g, i in zip(got, (1, 2, 3999)))
        assert all(np.array_equal(a, b) for a, b in zip(col[:], rows))


def test_a_whole_raw_column_is_read_chunk_by_chunk_straight_into_the_array_returned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk read of a raw local column is one positional read per chunk, each into its part of the array
    returned (no chunk buffers, no copies); a chunk not stored gives the fill value, one cut short is refused."""
    n = 600_000  # three chunks of 262,144 float64
    values = np.random.default_rng(3).standard_normal(n)
    t = DynamicTable(name="t", description="d")
    t.add_column("noise", "random floats")
    t.extend({"id": np.arange(n), "noise": values})
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(t)
    assert _compressors(path, "noise", 3) == [] and sorted(p.name for p in (path / "noise" / "c").iterdir()) == \
        ["0", "1", "2"]
    buffers: list[np.ndarray] = []
    original = ConfinedLocalStore.read_range_sync

    def recording(self, key: str, start: int, out: np.ndarray):  # noqa: ANN001, ANN202
        buffers.append(out)
        return original(self, key, start, out)

    monkeypatch.setattr(ConfinedLocalStore, "read_range_sync", recording)
    with ZarrIO(path) as io:
        got = np.asarray(io.read()["noise"].data)
        assert np.array_equal(got, values)
        assert len(buffers) == 3 and all(np.shares_memory(got, b) for b in buffers)
        buffers.clear()
        part = io.read()["noise"].data[100_000:590_000]
        assert np.array_equal(part, values[100_000:590_000]) and len(buffers) == 3
    second = (path / "noise" / "c" / "1").read_bytes()
    (path / "noise" / "c" / "1").unlink()
    with ZarrIO(path) as io:
        buffers.clear()
        got = np.asarray(io.read()["noise"].data)
        assert len(buffers) == 3  # chunks 0 and 2 read once each, 1 tried once (its fill value: no second pass)
        assert np.array_equal(got[:262_144], values[:262_144]) and not got[262_144:524_288].any()
        assert np.array_equal(got[524_288:], values[524_288:])
    (path / "noise" / "c" / "1").write_bytes(second)
    chunk = path / "noise" / "c" / "2"
    chunk.write_bytes(chunk.read_bytes()[:1000])
    with ZarrIO(path) as io, pytest.raises(CorruptStoreError, match="/noise.*chunk 2 is cut short"):
        np.asarray(io.read()["noise"].data)


_LAYOUTS = [  # (zarr_format, dtype, chunk key encoding (format 3) or dimension separator (format 2), compressed)
    (3, "<f8", {"name": "default", "separator": "/"}, False), (3, ">i4", {"name": "default", "separator": "."}, False),
    (3, "u1", {"name": "v2", "separator": "."}, False), (3, "bool", {"name": "v2", "separator": "/"}, False),
    (3, "<f2", {"name": "default", "separator": "/"}, True), (2, "<f8", ".", False), (2, ">u2", "/", False),
    (2, "<i8", ".", True),
]


@pytest.mark.parametrize(("fmt", "dtype", "keys", "compressed"), _LAYOUTS)
def test_raw_layout_reads_zarrs_own_arrays_as_zarr_does(tmp_path: Path, fmt: int, dtype: str, keys: object,
                                                        compressed: bool) -> None:
    """`Convention.raw_layout` decides from the document alone what zarr decides from its metadata objects: arrays
    written by zarr-python itself (byte orders, chunk key encodings, formats) give its dtype, its chunk keys and its
    values; compressed or sharded ones are not raw."""
    import zarr
    from zarr.storage import LocalStore

    from hdmfzarr.backends.zarr.convention import for_format

    values = (np.arange(50) % 7).astype(dtype)
    extra: dict = {"chunk_key_encoding": keys if fmt == 3 else {"name": "v2", "separator": keys}}
    if fmt == 3 and dtype.startswith(">"):  # format 3 keeps the byte order in its bytes codec
        from zarr.codecs import BytesCodec

        extra["serializer"] = BytesCodec(endian="big")
    arr = zarr.create_array(LocalStore(tmp_path / "a.zarr"), shape=(50,), chunks=(8,), dtype=dtype, zarr_format=fmt,
                            compressors="auto" if compressed else None, filters=None, **extra)
    arr[:] = values
    doc = json.loads((tmp_path / "a.zarr" / ("zarr.json" if fmt == 3 else ".zarray")).read_text())
    layout = for_format(fmt).raw_layout(doc)
    if compressed:
        assert layout is None
        return
    assert layout is not None and layout[0] == np.dtype(dtype)  # the stored byte order
    assert [layout[1]((i,)) for i in (0, 6)] == [arr.metadata.encode_chunk_key((i,)) for i in (0, 6)]
    read = lazy.plain_chunks(layout, LocalStore(tmp_path / "a.zarr"), "")[1]  # type: ignore[index]
    out = np.empty(3, dtype=layout[0])
    assert read((6,), 0, out) == 3 * out.itemsize and np.array_equal(out[:2], values[48:])  # edge chunks are whole
    assert read((1,), out.itemsize, out) == 3 * out.itemsize and np.array_equal(out, values[9:12])
    assert read((7,), 0, out) is None  # not stored
    sharded = zarr.create_array(LocalStore(tmp_path / "s.zarr"), shape=(50,), chunks=(8,), shards=(16,), dtype=dtype,
                                compressors=None, filters=None)
    assert for_format(3).raw_layout(sharded.metadata.to_dict()) is None


def test_reading_a_raw_column_builds_no_zarr_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A raw numeric column is read by byte ranges found from its document: no zarr array (a ~1 ms metadata parse
    in a fresh process) is built for it; a compressed column still goes through zarr's codecs (the control)."""
    from hdmfzarr.backends.zarr import reader

    table, noise, _ = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    built: list[str] = []
    original = reader.array_from_metadata
    monkeypatch.setattr(reader, "array_from_metadata",
                        lambda meta, store, p: built.append(p) or original(meta, store, p))
    with ZarrIO(path) as io:
        t = io.read()
        assert np.array_equal(np.asarray(t["noise"].data), noise) and np.array_equal(t["noise"].data[5:9], noise[5:9])
        assert built == []
        assert np.array_equal(np.asarray(t["count"].data), np.arange(4000) % 3)
        assert built == ["count"]



@pytest.mark.parametrize("cpus", [1, 2])
def test_large_raw_region_reads_alike_in_one_or_two_threads(tmp_path: Path, monkeypatch, cpus: int) -> None:
    """A raw region of 4 MiB or more is read in two threads when the process may use more than one CPU: the same
    values, a chunk not stored reads as the fill value, and a chunk cut short is refused from either thread."""
    monkeypatch.setattr(lazy, "_usable_cpus", lambda: cpus)
    values = np.random.default_rng(3).standard_normal(1_000_000)  # 8 MB of incompressible floats: stored raw
    table = DynamicTable(name="t", description="d")
    table.add_column("x", "random floats")
    table.extend({"x": values})
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    chunks = sorted((path / "x" / "c").iterdir(), key=lambda p: int(p.name))
    assert len(chunks) > 2 and _compressors(path, "x", 3) == []
    n = len(np.fromfile(chunks[0], dtype="<f8"))
    chunks[1].unlink()
    with ZarrIO(path) as io:
        got = np.asarray(io.read()["x"].data)
    want = values.copy()
    want[n:2 * n] = 0.0
    assert np.array_equal(got, want)
    chunks[2].write_bytes(chunks[2].read_bytes()[:100])
    with ZarrIO(path) as io, pytest.raises(CorruptStoreError, match="cut short"):
        io.read()["x"].data[:]

"""Rows of a local (or in-memory) store read in the calling thread, without a round trip through zarr's event
loop: the same values, fill values, errors and decompression-bomb checks as the zarr path, and a store
wrapper that overrides ``get`` alone still sees every read."""

from __future__ import annotations

import os
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, TransposeCodec, ZstdCodec
from zarr.storage import LocalStore, MemoryStore, WrapperStore

from hdmfzarr.backends.zarr import ZarrIO, compat, lazy
from hdmfzarr.backends.zarr.store import ConfinedLocalStore
from hdmfzarr.common import DynamicTable
from hdmfzarr.dataio import DataIO
from hdmfzarr.errors import CorruptStoreError, UnsafeReferenceError


def _table(n: int = 500) -> tuple[DynamicTable, list[np.ndarray]]:
    rng = np.random.default_rng(5)
    # compressible values (small integers): stored with Blosc, so single rows go through the decoders
    rows = [rng.integers(-8, 8, i % 7).astype(np.float32) for i in range(n)]
    t = DynamicTable(name="t", description="d")
    t.add_column("r", "ragged", dtype="float32", index=True)
    t.extend({"id": np.arange(n), "r": rows})
    return t, rows


class _NoLoop:
    """Stands in for the event-loop bridge: any use of it fails the test."""

    def __call__(self, coro):  # noqa: ANN001, ANN204
        coro.close()
        raise AssertionError("a row read went through zarr's event loop")


@pytest.mark.parametrize("fmt", [3, 2])
def test_rows_of_a_local_store_are_read_without_the_event_loop(tmp_path: Path, fmt: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    table, rows = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(table)
    with ZarrIO(path) as io:
        col = io.read()["r"]
        monkeypatch.setattr(lazy, "run", _NoLoop())
        for i in (0, 3, 499, 250, 1):
            assert np.array_equal(col[i], rows[i])


class _CountingGets(WrapperStore):
    """A wrapper overriding ``get`` alone (to count reads): every read must still reach it."""

    def __init__(self, store) -> None:  # noqa: ANN001
        super().__init__(store)
        self.keys: list[str] = []

    async def get(self, key, prototype, byte_range=None):  # noqa: ANN001, ANN201
        self.keys.append(key)
        return await self._store.get(key, prototype, byte_range)

    def _with_store(self, store):  # noqa: ANN001, ANN202
        return _CountingGets(store)


def _arrays(store) -> dict[str, zarr.Array]:  # noqa: ANN001
    """Arrays (a chunk of fill value left unwritten) through many codec chains, formats 3 and 2."""
    v3 = {  # name: (filters, serializer, compressors)
        "blosc": ((), BytesCodec(), [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")]),
        "zstd-crc": ((), BytesCodec(), [ZstdCodec(level=1), Crc32cCodec()]),
        "gzip": ((), BytesCodec(), [GzipCodec(level=1)]),
        "raw-big-endian": ((), BytesCodec(endian="big"), None),
        "transposed": ([TransposeCodec(order=(1, 0))], BytesCodec(), [ZstdCodec(level=1)]),
    }
    out: dict[str, zarr.Array] = {}
    for name, (filters, serializer, compressors) in v3.items():
        shape, chunks = ((10, 40), (4, 16)) if name == "transposed" else ((100,), (16,))
        out[name] = zarr.create_array(store, name=name, shape=shape, chunks=chunks, fill_value=-1,
                                      dtype=">i4" if name == "raw-big-endian" else "int32",
                                      filters=filters, serializer=serializer, compressors=compressors)
    for name, comp in (("v2-blosc", numcodecs.Blosc("zstd", 3, numcodecs.Blosc.BITSHUFFLE)),
                       ("v2-zlib", numcodecs.Zlib(1)), ("v2-raw", None)):
        out[name] = zarr.create_array(store, name=name, shape=(10, 40), chunks=(4, 16), dtype="<f8",
                                      fill_value=-1.0, zarr_format=2, compressors=comp, order="F")
    for arr in out.values():
        values = np.arange(arr.size).reshape(arr.shape).astype(arr.dtype)
        values.reshape(-1)[:16] = -1  # the first chunk of 1-d arrays holds the fill value only: not stored
        arr[...] = values
    return out


def _coords(arr: zarr.Array) -> list[tuple[int, ...]]:
    return [tuple(c) for c in np.ndindex(*arr.cdata_shape)]


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_sync_chunks_are_the_chunks_zarrs_loop_decodes(tmp_path: Path, kind: str) -> None:
    """Every chain decodes to the same chunks (fill values for chunks not stored, trailing edges included)."""
    store = ConfinedLocalStore(tmp_path / "a.zarr") if kind == "local" else MemoryStore()
    for name, arr in _arrays(store).items():
        coords = _coords(arr)
        sync = compat.read_whole_chunks_sync(arr, coords)
        assert sync is not None, name
        loop = compat.run(compat.read_whole_chunks(arr, coords))
        assert len(sync) == len(loop) == len(coords)
        for c, a, b in zip(coords, sync, loop):
            assert a.dtype == b.dtype and a.shape == b.shape == tuple(arr.chunks), (name, c)
            assert np.array_equal(a, b), (name, c)
        if arr.ndim == 1:
            assert (sync[0] == -1).all() and not (arr.store_path / arr.metadata.encode_chunk_key((0,))).get_sync()


def test_stores_read_only_asynchronously_keep_zarrs_loop(tmp_path: Path) -> None:
    """A wrapper overriding ``get`` alone (counting, authorising...) and a wrapper of one are read through
    ``get``; the same store unwrapped reads synchronously."""
    arr = _arrays(LocalStore(tmp_path / "a.zarr"))["blosc"]
    for store in (_CountingGets(LocalStore(tmp_path / "a.zarr")),
                  WrapperStore(_CountingGets(LocalStore(tmp_path / "a.zarr")))):
        wrapped = zarr.open_array(store, path="blosc", mode="r")
        assert not compat.reads_synchronously(wrapped.store_path.store)
        assert not lazy.ZarrChunkSource(wrapped, "blosc").sync
    plain = zarr.open_array(LocalStore(tmp_path / "a.zarr"), path="blosc", mode="r")
    assert compat.reads_synchronously(plain.store_path.store) and lazy.ZarrChunkSource(plain, "blosc").sync
    assert compat.read_whole_chunks_sync(plain, [(1,)])[0].tolist() == arr[16:32].tolist()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bomb"])
def test_damaged_chunks_read_one_row_at_a_time_are_refused_as_before(tmp_path: Path, damage: str) -> None:
    """A garbage, truncated or bomb chunk met by a single-row read raises CorruptStoreError naming the column."""
    table, _ = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    chunk = path / "r" / "c" / "0"
    raw = chunk.read_bytes()
    bomb = numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE, typesize=4).encode(np.zeros(2**23, "f4"))
    chunk.write_bytes({"garbage": b"\x02\x01" + os.urandom(200), "truncated": raw[: len(raw) // 2],
                       "bomb": bomb}[damage])
    with ZarrIO(path) as io:
        col = io.read()["r"]
        with pytest.raises(CorruptStoreError, match="/r") as err:
            col[3]
        if damage == "bomb":
            assert "more than" in str(err.value)


def test_confined_local_store_refuses_symlinks_outside_on_synchronous_reads(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"do-not-read-me")
    root = tmp_path / "s.zarr"
    (root / "x").mkdir(parents=True)
    os.symlink(secret, root / "x" / "0")
    (root / "x" / "1").write_bytes(b"inside")
    store = ConfinedLocalStore(root, read_only=True)
    with pytest.raises(UnsafeReferenceError, match="outside the store"):
        store.get_sync("x/0")
    assert store.get_sync("x/1").to_bytes() == b"inside"


def test_stored_rows_one_by_one_are_the_rows_of_every_other_read(tmp_path: Path) -> None:
    """A ragged row read alone (straight from the stored offsets and values) is the row a slice, a list of
    rows or the whole column gives: first, last, negative and empty rows, rows added but not yet written;
    damaged offsets past the end of the values are cut there, and going backwards give an empty row."""
    table, rows = _table(300)
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    with ZarrIO(path, "a") as io:
        t = io.read()
        col = t["r"]
        whole = col[:]
        for i in (0, 1, 6, 7, 150, 299, -1, -300):
            assert np.array_equal(col[i], rows[i]) and np.array_equal(col[i], whole[i])
            assert np.array_equal(col[i], col[i % 300:i % 300 + 1][0]) and np.array_equal(col[i], col[[i]][0])
        assert col[0].dtype == np.float32 and col[7].shape == (0,)
        t.add_row(r=[1.5, 2.5])  # pending: read through the buffered rows
        assert col[300].tolist() == [1.5, 2.5] and np.array_equal(col[299], rows[299])
    path = tmp_path / "damaged.zarr"
    with ZarrIO(path, "w") as io:
        io.write(_table(300)[0])
    index = path / "r_index" / "c" / "0"
    with ZarrIO(path) as io:
        offsets = np.asarray(io.read()["r"].data[:])
    assert offsets.shape == (300,) and index.exists()
    damaged = offsets.copy()
    damaged[5], damaged[6] = damaged[-1] + 40, 1  # row 5 ends past the values, row 6 ends before it starts
    codec = numcodecs.Blosc("lz4", 5, numcodecs.Blosc.SHUFFLE, typesize=damaged.dtype.itemsize)
    index.write_bytes(codec.encode(damaged))
    with ZarrIO(path) as io:
        col = io.read()["r"]
        values = np.asarray(col.target.data[:])
        assert np.array_equal(col[5], values[damaged[4]:]) and col[6].shape == (0,)  # cut at the end; none


def _chunked_column(tmp_path: Path, values: np.ndarray) -> Path:
    """A store holding a table whose one column ``x`` is ``values`` in chunks of 64."""
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "floats", data=DataIO(values, chunks=(64,)))
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(t)
    return path


def test_whole_columns_of_a_local_store_are_read_without_the_event_loop(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole numeric column (many chunks, bulk read uncached) and wide slices of it are read with get_sync in
    the calling thread: no chunk passes through the store's asynchronous get, and the values are zarr's."""
    values = np.arange(1000.0) * 1.5
    path = _chunked_column(tmp_path, values)
    async_keys: list[str] = []
    real_get = ConfinedLocalStore.get

    async def counting_get(self, key, prototype=None, byte_range=None):  # noqa: ANN001, ANN202
        async_keys.append(key)
        return await real_get(self, key, prototype, byte_range)

    monkeypatch.setattr(ConfinedLocalStore, "get", counting_get)
    with ZarrIO(path) as io:
        col = io.read()["x"].data
        assert col.read().tolist() == values.tolist()
        assert col[70:900].tolist() == values[70:900].tolist() and col[-300:].tolist() == values[-300:].tolist()
    assert not [k for k in async_keys if k.startswith("x/")], async_keys


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_bulk_sync_reads_are_zarrs_regions(tmp_path: Path, kind: str) -> None:
    """Regions spanning many chunks, read synchronously, equal zarr's reads through every codec chain (chunks
    not stored read as the fill value, trailing edges, v2 Fortran order, 2-d corners); a wrapper overriding
    ``get`` alone still sees every chunk of a bulk read."""
    store = ConfinedLocalStore(tmp_path / "a.zarr") if kind == "local" else MemoryStore()
    arrays = _arrays(store)
    arr_blosc = arrays["blosc"]
    for name, arr in arrays.items():
        src = lazy.ZarrChunkSource(arr, name)
        regions = [(slice(None),) * arr.ndim, (slice(3, None),) + (slice(5, 37),) * (arr.ndim - 1),
                   (slice(16, None),) + (slice(None),) * (arr.ndim - 1)]  # 1-d: chunks all stored
        for region in regions:
            got = src.read(region)
            assert got.dtype == arr.dtype and np.array_equal(got, arr[region]), (name, region)
    if kind == "local":
        wrapped = zarr.open_array(_CountingGets(LocalStore(tmp_path / "a.zarr")), path="blosc", mode="r")
        counting = wrapped.store_path.store  # opening read-only made a new wrapper
        assert np.array_equal(lazy.ZarrChunkSource(wrapped, "blosc").read((slice(None),)), arr_blosc[:])
        assert sorted(k for k in counting.keys if "/c/" in k) == [f"blosc/c/{i}" for i in range(7)]


def test_cached_reads_of_many_chunks_share_the_synchronous_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows picked across many chunks (the cached path, not a bulk slice) of a local store are read by the same
    synchronous whole-chunk read as bulk slices: no event loop, zarr's values, and every chunk cached once."""
    values = np.arange(1000.0) * 0.5
    path = _chunked_column(tmp_path, values)
    with ZarrIO(path) as io:
        col = io.read()["x"].data
        monkeypatch.setattr(lazy, "run", _NoLoop())
        picks = [999, 0, 70, 640, 641, 3, 500]
        assert col[picks].tolist() == values[picks].tolist()
        assert col[picks[:3]].tolist() == values[picks[:3]].tolist()  # now from the cache

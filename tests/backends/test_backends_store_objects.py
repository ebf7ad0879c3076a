"""ZarrIO over zarr Store objects and Groups: one conformance suite (a base class), run per store kind.

Each subclass says how to make an empty writable store of its kind, how to see the same data again
(``reopen``) and which guarantees its kind can give (``appends``: rewriting keys in place).
"""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from zarr.storage import FsspecStore, LocalStore, MemoryStore, ZipStore

from hdmfzarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import StoreError, StoreExistsError


def _table(n: int = 4) -> DynamicTable:
    t = DynamicTable(name="trials", description="a table in a store object")
    t.add_column("start", "start time", dtype="float64")
    t.add_column("label", "a label", dtype="text")
    t.add_column("spikes", "ragged", dtype="float32", index=True)
    for i in range(n):
        t.add_row(start=float(i), label=f"L{i}", spikes=np.arange(i, dtype=np.float32))
    return t


class StoreConformance:
    """What ZarrIO guarantees on any zarr store object that can give it."""

    appends = True  # the store can rewrite keys (append protocol)

    def make(self, tmp_path) -> zarr.abc.store.Store:
        raise NotImplementedError

    def reopen(self, store, tmp_path):
        """The same data seen by a new reader (most kinds: the same object)."""
        return store

    def written(self, tmp_path, n: int = 4):
        store = self.make(tmp_path)
        with ZarrIO(store, "w") as io:
            io.write(_table(n))
        return self.reopen(store, tmp_path)

    def test_write_then_read_lazily(self, tmp_path) -> None:
        store = self.written(tmp_path)
        with ZarrIO(store, "r") as io:
            t = io.read()
            assert t.colnames == ("start", "label", "spikes") and len(t) == 4
            assert np.array_equal(t["spikes"][3], np.arange(3, dtype=np.float32))
            assert t["label"][2] == "L2"
            assert type(t["start"].data).__name__ == "LazyArray"  # nothing read whole

    def test_builder_tree_and_spec_cache(self, tmp_path) -> None:
        store = self.written(tmp_path)
        with ZarrIO(store, "r") as io:
            assert io.zarr_format == 3
            assert "hdmf-common" in io.spec_cache()
            assert io.read_builder()["start"].data.shape == (4,)

    def test_read_mode_refuses_writes_and_leaves_the_store_open(self, tmp_path) -> None:
        store = self.written(tmp_path)
        with ZarrIO(store, "r") as io:
            with pytest.raises(StoreError, match="read-only"):
                io.write(_table(1))
        with ZarrIO(store, "r") as io:  # closing the first ZarrIO did not close the caller's store
            assert len(io.read()) == 4

    def test_w_minus_refuses_an_existing_store(self, tmp_path) -> None:
        store = self.written(tmp_path)
        if store.read_only:
            pytest.skip("a read-only view cannot be opened for writing at all")
        with pytest.raises(StoreExistsError):
            ZarrIO(store, "w-")

    def test_append_rows(self, tmp_path) -> None:
        if not self.appends:
            pytest.skip("this store kind cannot rewrite keys")
        store = self.written(tmp_path)
        with ZarrIO(store, "a") as io:
            t = io.read()
            t.add_row(start=9.0, label="new", spikes=np.array([1.5], dtype=np.float32))
            io.write(t)
        with ZarrIO(store, "r") as io:
            t = io.read()
            assert len(t) == 5 and t["label"][4] == "new" and t["spikes"][4].tolist() == [1.5]

    def test_read_with_zarr_python(self, tmp_path) -> None:
        store = self.written(tmp_path)
        g = zarr.open_group(store.store, path=store.path, mode="r") if isinstance(store, zarr.Group) else \
            zarr.open_group(store, mode="r")
        assert g.attrs["neurodata_type" if "neurodata_type" in g.attrs else "data_type"] == "DynamicTable"
        assert g["start"][:].tolist() == [0.0, 1.0, 2.0, 3.0]


class TestMemoryStore(StoreConformance):
    def make(self, tmp_path):
        return MemoryStore()


class TestLocalStore(StoreConformance):
    def make(self, tmp_path):
        return LocalStore(tmp_path / "local.zarr")

    def test_same_store_as_the_path(self, tmp_path) -> None:
        self.written(tmp_path)
        with ZarrIO(tmp_path / "local.zarr", "r") as io:
            assert len(io.read()) == 4


class TestZipStore(StoreConformance):
    """A zip file is written once and read many times: no appends (zip members cannot be rewritten)."""

    appends = False

    def make(self, tmp_path):
        return ZipStore(tmp_path / "store.zip", mode="w")

    def reopen(self, store, tmp_path):
        store.close()
        return ZipStore(tmp_path / "store.zip", mode="r")

    def test_append_mode_on_a_read_only_zip_is_a_clear_error(self, tmp_path) -> None:
        store = self.written(tmp_path)
        with pytest.raises(StoreError, match="read-only"):
            ZarrIO(store, "a")


class TestFsspecStore(StoreConformance):
    def make(self, tmp_path):
        return FsspecStore.from_url(f"memory://{tmp_path.name}/fs.zarr")


class TestGroup(StoreConformance):
    """A zarr Group stands for its store seen from the group's path."""

    def make(self, tmp_path):
        self.store = MemoryStore()
        return zarr.open_group(self.store, mode="w", path="experiments/session1")

    def test_the_data_lives_under_the_group(self, tmp_path) -> None:
        self.written(tmp_path)
        root = zarr.open_group(self.store, mode="r")
        assert root["experiments/session1/start"][:].tolist() == [0.0, 1.0, 2.0, 3.0]


class TestObjectStore(StoreConformance):
    """zarr's ObjectStore over obstore (a local directory through obstore's LocalStore)."""

    def make(self, tmp_path):
        obstore = pytest.importorskip("obstore")
        from zarr.storage import ObjectStore

        (tmp_path / "obj").mkdir()
        return ObjectStore(obstore.store.LocalStore(str(tmp_path / "obj")))


class TestIcechunkStore(StoreConformance):
    """An Icechunk writable session's store (its commit is the transaction; see tests/concurrency)."""

    def make(self, tmp_path):
        icechunk = pytest.importorskip("icechunk")
        self.repo = icechunk.Repository.create(icechunk.local_filesystem_storage(str(tmp_path / "ice")))
        self.session = self.repo.writable_session("main")
        return self.session.store

    def reopen(self, store, tmp_path):
        self.session.commit("write the table")
        self.session = self.repo.writable_session("main")
        return self.session.store


def test_other_objects_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="zarr Store or zarr Group"):
        ZarrIO(42)  # type: ignore[arg-type]


def test_storage_options_with_a_store_object_are_refused() -> None:
    with pytest.raises(StoreError, match="storage_options"):
        ZarrIO(MemoryStore(), "w", storage_options={"anon": True})


class _WaveProbe(zarr.storage.WrapperStore):
    """Counts requests (gets and listings) and waves: requests sent while none was in flight."""

    def __init__(self, store) -> None:
        super().__init__(store)
        self.requests = self.waves = self._in_flight = 0

    async def _tick(self) -> None:
        import asyncio

        if not self._in_flight:
            self.waves += 1
        self._in_flight += 1
        self.requests += 1
        await asyncio.sleep(0.005)  # a little latency, so that concurrent requests overlap
        self._in_flight -= 1

    async def get(self, key, prototype, byte_range=None):
        await self._tick()
        return await self._store.get(key, prototype, byte_range)

    async def list_dir(self, prefix):
        await self._tick()
        async for name in self._store.list_dir(prefix):
            yield name

    def _with_store(self, store):
        return _WaveProbe(store)


def test_open_without_consolidated_metadata_costs_one_wave_per_level(tmp_path) -> None:
    """hdmf-zarr-like stores without consolidated metadata: the tree is walked level by level, each level's
    documents and listings in one concurrent wave (never one request at a time)."""
    import json

    from hdmfzarr.common import SimpleMultiContainer

    tables = [_table(3) for _ in range(6)]
    for i, t in enumerate(tables):
        t.name = f"t{i}"
    path = tmp_path / "nested.zarr"
    with ZarrIO(path, "w") as io:
        io.write(SimpleMultiContainer(name="root", containers=tables))
    doc = json.loads((path / "zarr.json").read_text())
    doc.pop("consolidated_metadata")
    (path / "zarr.json").write_text(json.dumps(doc))
    probe = _WaveProbe(LocalStore(path, read_only=True))
    with ZarrIO(probe, "r") as io:
        builder = io.read_builder()
        assert sorted(builder.groups) == [f"t{i}" for i in range(6)]
    # root document, root listing, then one wave per level (tables, their columns); the specs are
    # three levels further down (namespace / version / source)
    assert probe.requests > 6 * 6
    assert probe.waves <= 2 + 2 + 3, (probe.waves, probe.requests)

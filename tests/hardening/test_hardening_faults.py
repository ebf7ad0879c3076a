"""Storage faults during writes: a disk that fills up (local stores) and an S3 server stopped mid-write.

The writer must fail with a clear StoreError, and everything committed before the fault — other
stores, and the objects already in a store being added to — must stay readable and unchanged.
"""

from __future__ import annotations

import contextlib
import errno
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.common import DynamicTable
from hdmfzarr.dataio import DataChunkIterator
from hdmfzarr.errors import HdmfZarrError, StoreError


class FullDisk:
    """Local writes share ``budget`` bytes; the write that exceeds it stores a partial prefix and raises
    ENOSPC, like a filling disk (zarr's LocalStore writes a temporary file and renames it). With
    ``fail_at=k`` the disk is full from the k-th file written on (which gets half its bytes)."""

    def __init__(self, budget: int = 10**12, fail_at: int | None = None) -> None:
        self.budget = budget
        self.fail_at = fail_at
        self.written = 0
        self.files = 0
        self.faults = 0

    @contextlib.contextmanager
    def patch(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[FullDisk]:
        import zarr.storage._local as local

        real = local._atomic_write
        disk = self

        class _File:
            def __init__(self, f: Any) -> None:
                self.f = f

            def write(self, data: Any) -> int:
                size = memoryview(data).nbytes
                if disk.fail_at is not None and disk.files > disk.fail_at:
                    disk.budget = min(disk.budget, disk.written + size // 2)
                if disk.written + size > disk.budget:
                    room = max(0, disk.budget - disk.written)
                    self.f.write(memoryview(data).cast("B")[:room])  # what fits, then the disk is full
                    disk.written += room
                    disk.faults += 1
                    raise OSError(errno.ENOSPC, "No space left on device")
                disk.written += size
                return self.f.write(data)

        @contextlib.contextmanager
        def atomic_write(path: Path, mode: str, exclusive: bool = False) -> Iterator[Any]:
            with real(path, mode, exclusive=exclusive) as f:
                disk.files += 1
                yield _File(f)

        with monkeypatch.context() as m:
            m.setattr(local, "_atomic_write", atomic_write)
            yield self


def make_table(n: int = 40, seed: int = 0) -> DynamicTable:
    rng = np.random.default_rng(seed)
    t = DynamicTable(name="trials", description="fault injection")
    t.add_column("x", "x", dtype="float64")
    t.add_column("label", "label", dtype="text")
    t.add_column("spikes", "spikes", dtype="float32", index=True)
    for i in range(n):
        t.add_row(x=float(rng.standard_normal()), label=f"row {i} ✓", spikes=rng.random(i % 4).astype("f4"))
    return t


def table_values(url: str, **kwargs: Any) -> dict[str, Any]:
    """Everything a reader sees in a table store, as plain values."""
    with ZarrIO(url, **kwargs) as io:
        t = io.read()
        return {
            "id": t.id.data[:].tolist(),
            "x": t["x"].data[:].tolist(),
            "label": list(t["label"].data[:]),
            "spikes": [np.asarray(t[i, "spikes"]).tolist() for i in range(len(t))],
        }


def probe_partial(url: str) -> str:
    """Open a store left behind by a failed write: it either reads or raises a project error."""
    try:
        with ZarrIO(url) as io:
            root = io.read_builder()
            for b in root.walk():
                data = getattr(b, "data", None)
                if hasattr(data, "read"):
                    data.read()
        return "readable"
    except HdmfZarrError as exc:
        return type(exc).__name__


def fault_plan(files: int, total: int, spread: int) -> list[FullDisk]:
    """A full disk at every file write of a ``files``-file write (each write fails in turn, half written),
    plus ``spread`` byte budgets spread over its ``total`` bytes."""
    budgets = sorted({0, 1, total - 1, *np.linspace(0, total - 1, spread).astype(int).tolist()})
    return [FullDisk(fail_at=k) for k in range(files)] + [FullDisk(budget=b) for b in budgets]


@pytest.fixture(params=[3, 2], ids=["v3", "v2"])
def zarr_format(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.mark.slow
def test_disk_full_during_a_new_store_keeps_other_stores(tmp_path: Path, monkeypatch, zarr_format: int) -> None:
    committed = str(tmp_path / "committed.zarr")
    with ZarrIO(committed, "w", zarr_format=zarr_format) as io:
        io.write(make_table(seed=1))
    before = table_values(committed)
    probe = FullDisk(10**12)  # measure a complete write
    with probe.patch(monkeypatch):
        with ZarrIO(str(tmp_path / "measure.zarr"), "w", zarr_format=zarr_format) as io:
            io.write(make_table(seed=2))
    assert probe.faults == 0 and probe.files > 10
    outcomes: dict[str, int] = {}
    plan = fault_plan(probe.files, probe.written, 10)
    for i, disk in enumerate(plan):
        target = str(tmp_path / f"target{i}.zarr")
        with disk.patch(monkeypatch):
            with pytest.raises(StoreError) as err:
                with ZarrIO(target, "w", zarr_format=zarr_format) as io:
                    io.write(make_table(seed=2))
        assert disk.faults >= 1
        assert "No space left on device" in str(err.value) and "target" in str(err.value)
        assert table_values(committed) == before  # nothing committed before is lost
        state = probe_partial(target)
        outcomes[state] = outcomes.get(state, 0) + 1
    # the disk has room again: the same write succeeds over the remains
    with ZarrIO(target, "w", zarr_format=zarr_format) as io:
        io.write(make_table(seed=2))
    assert table_values(target) == table_values(str(tmp_path / "measure.zarr"))
    assert sum(outcomes.values()) == len(plan) > probe.files


def _tree(names: list[str], seed: int) -> GroupBuilder:
    rng = np.random.default_rng(seed)
    root = GroupBuilder("root", attributes={"note": f"tree {seed}"})
    for name in names:
        group = root.set_group(GroupBuilder(name, attributes={"kind": name}))
        group.set_dataset(DatasetBuilder("values", rng.standard_normal(500)))
        group.set_dataset(DatasetBuilder("labels", [f"{name}-{i}" for i in range(20)], dtype="text"))
    return root


def _snapshot(url: str, names: list[str]) -> dict[str, Any]:
    with ZarrIO(url) as io:
        root = io.read_builder()
        return {n: (root[n].attributes["kind"], root[n]["values"].data[:].tolist(),
                    list(root[n]["labels"].data[:])) for n in names}


@pytest.mark.slow
def test_disk_full_while_adding_to_a_store_keeps_its_committed_objects(
    tmp_path: Path, monkeypatch, zarr_format: int
) -> None:
    """Mode 'a': objects already in the store stay readable whatever write of the addition fails."""
    old, new = ["a", "b"], ["c", "d"]
    probe = FullDisk(10**12)
    with probe.patch(monkeypatch):
        measure = str(tmp_path / "measure.zarr")
        with ZarrIO(measure, "w", zarr_format=zarr_format) as io:
            io.write_builder(_tree(old, 1))
        start, first_file = probe.written, probe.files
        with ZarrIO(measure, "a") as io:
            io.write_builder(_tree(new, 2))
    for i, disk in enumerate(fault_plan(probe.files - first_file, probe.written - start, 10)):
        store = str(tmp_path / f"store{i}.zarr")
        with ZarrIO(store, "w", zarr_format=zarr_format) as io:
            io.write_builder(_tree(old, 1))
        before = _snapshot(store, old)
        with disk.patch(monkeypatch):
            with pytest.raises(StoreError, match="No space left on device"):
                with ZarrIO(store, "a") as io:
                    io.write_builder(_tree(new, 2))
        assert _snapshot(store, old) == before, f"fault {i}: committed objects changed"
    # after the failure, writing the addition again completes the store
    with ZarrIO(store, "a") as io:
        io.write_builder(_tree(new, 2))
    assert _snapshot(store, old + new) == _snapshot(measure, old + new)


# -- S3: the server stops while a write is under way -------------------------------------------
def _streaming_root(server: Any, after: int, stopped: threading.Event) -> GroupBuilder:
    """A tree whose streamed dataset stops the S3 server after ``after`` blocks."""
    def blocks() -> Iterator[np.ndarray]:
        for i in range(50):
            if i == after:
                server.stop()
                stopped.set()
            yield np.full(20_000, i, dtype="float64")

    root = GroupBuilder("root", attributes={"note": "interrupted"})
    root.set_dataset(DatasetBuilder("early", np.arange(10.0)))
    root.set_dataset(DatasetBuilder(
        "stream", DataChunkIterator(blocks(), dtype=np.dtype("float64"), chunks=(20_000,))))
    return root


@pytest.mark.s3
@pytest.mark.slow
def test_s3_server_stopped_during_a_write(s3_server_factory) -> None:
    from hdmfzarr.backends.zarr import RetryPolicy

    server = s3_server_factory()
    bucket = server.make_bucket()
    committed = server.url(bucket, "committed.zarr")
    opts = server.storage_options
    with ZarrIO(committed, "w", storage_options=opts) as io:
        io.write(make_table(seed=3))
    before = table_values(committed, storage_options=opts)

    policy = RetryPolicy(max_attempts=3, deadline=5.0)
    for after in (0, 3):  # stop before the first streamed block is written, and after three
        stopped = threading.Event()
        target = server.url(bucket, f"interrupted{after}.zarr")
        t0 = time.monotonic()
        with pytest.raises(StoreError) as err:
            with ZarrIO(target, "w", storage_options=opts, retry=policy) as io:
                io.write_builder(_streaming_root(server, after=after, stopped=stopped))
        elapsed = time.monotonic() - t0
        assert stopped.is_set()
        assert isinstance(err.value, ConnectionError), repr(err.value)
        assert f"interrupted{after}.zarr" in str(err.value) and "stream" in str(err.value)
        assert elapsed < 60, f"the failing write took {elapsed:.0f} s"

        server.start()  # same ports, same data
        assert table_values(committed, storage_options=opts) == before
        state = probe_partial_s3(target, opts)
        assert state in ("readable", "StoreNotFoundError", "CorruptStoreError", "DanglingReferenceError"), state


def probe_partial_s3(url: str, opts: dict[str, Any]) -> str:
    try:
        with ZarrIO(url, storage_options=opts) as io:
            root = io.read_builder()
            for b in root.walk():
                data = getattr(b, "data", None)
                if hasattr(data, "read"):
                    data.read()
        return "readable"
    except HdmfZarrError as exc:
        return type(exc).__name__

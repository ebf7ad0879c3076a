"""Repeated writes from one ZarrIO (issue 14 item 1): a second ``write()`` stores only what is new or
changed — the arrays the first write stored are neither written (PUT) nor read back again — while
data changed in place since is still rewritten."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.backends.zarr.store import ConfinedLocalStore
from hdmfzarr.common import DynamicTable, SimpleMultiContainer
from hdmfzarr.dataio import DataChunkIterator

METADATA = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")


@pytest.fixture
def io_counts(monkeypatch) -> dict[str, Counter]:
    """Keys written (``set``) and read (``get``) through local stores, counted."""
    counts = {"set": Counter(), "get": Counter()}
    real_set, real_get = ConfinedLocalStore.set, ConfinedLocalStore.get

    async def counting_set(self, key, value):
        counts["set"][key] += 1
        return await real_set(self, key, value)

    async def counting_get(self, key, *args, **kwargs):
        counts["get"][key] += 1
        return await real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(ConfinedLocalStore, "set", counting_set)
    monkeypatch.setattr(ConfinedLocalStore, "get", counting_get)
    return counts


def _table(name: str, n: int, big: bool = False) -> DynamicTable:
    t = DynamicTable(name=name, description=f"table {name}")
    t.add_column("x", "numbers", data=np.arange(n, dtype="float64") * 0.5)
    t.add_column("s", "text", data=[f"{name} {k}" for k in range(n)])
    t.add_column("r", "ragged", data=[[k] * (k % 3) for k in range(n)], index=True)
    t.add_column("reg", "rows of this table", data=[k % n for k in range(n)], table=t)
    if big:  # 24 MB: more than the size compared by reading back
        t.add_column("big", "3M floats", data=np.arange(3_000_000, dtype="float64").reshape(n, -1))
    return t


def _chunks(keys) -> set[str]:
    return {k for k in keys if not k.endswith(METADATA)}


@pytest.mark.parametrize("fmt", [3, 2])
def test_second_write_stores_only_the_new_table(tmp_path: Path, io_counts, fmt: int) -> None:
    path = tmp_path / "twice.zarr"
    first = _table("a", 40, big=True)
    first.add_column("stream", "streamed", data=DataChunkIterator(iter([np.arange(20), np.arange(20, 40)]), total_rows=40))
    root = SimpleMultiContainer("root", [first])
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(root)
        stored = _chunks(io_counts["set"])
        assert any(k.startswith("a/big") for k in stored) and any(k.startswith("a/stream") for k in stored)
        io_counts["set"].clear()
        io_counts["get"].clear()
        root.add_container(_table("b", 3))
        io.write(root)
    written = _chunks(io_counts["set"])
    assert written and all(k.startswith("b/") for k in written), sorted(written)
    assert not (_chunks(io_counts["get"]) & stored), "stored chunks were read back to compare"
    with ZarrIO(path) as io:
        back = io.read()
        a, b = back.containers["a"], back.containers["b"]
        assert np.asarray(a["big"].get_all())[-1, -3:].tolist() == [2_999_997.0, 2_999_998.0, 2_999_999.0]
        assert np.asarray(a["stream"].get_all()).tolist() == list(range(40))
        assert list(b["s"].get_all()) == ["b 0", "b 1", "b 2"]


def test_data_changed_in_place_is_rewritten(tmp_path: Path, io_counts) -> None:
    """The fingerprint covers the values: an array mutated between writes is stored again."""
    path = tmp_path / "mutated.zarr"
    t = _table("a", 10)
    x = t["x"].data
    with ZarrIO(path, "w") as io:
        io.write(t)
        io_counts["set"].clear()
        x[3] = 99.0  # the same array object, other values
        io.write(t)
    assert _chunks(io_counts["set"]) and all(k.startswith("x/") for k in _chunks(io_counts["set"]))
    with ZarrIO(path) as io:
        assert np.asarray(io.read()["x"].get_all()).tolist()[:4] == [0.0, 0.5, 1.0, 99.0]


def test_mode_a_repeated_additions_write_only_the_newest(tmp_path: Path, io_counts) -> None:
    path = tmp_path / "grow.zarr"
    with ZarrIO(path, "w") as io:
        io.write(SimpleMultiContainer("root", [_table("a", 5)]))
    with ZarrIO(path, "a") as io:
        root = io.read()
        root.add_container(_table("b", 4, big=True))
        io.write(root)
        io_counts["set"].clear()
        root.add_container(_table("c", 2))
        io.write(root)
        assert all(k.startswith("c/") for k in _chunks(io_counts["set"])), sorted(io_counts["set"])
    with ZarrIO(path) as io:
        back = io.read()
        assert sorted(back.containers) == ["a", "b", "c"]
        assert np.asarray(back.containers["b"]["big"].get_all())[-1, -1] == 2_999_999.0


def test_text_fingerprints_tell_every_change() -> None:
    """Text is fingerprinted in C passes (shape, lengths, UTF-8): splitting, editing, reshaping or a
    non-str item each changes the fingerprint; equal content in a list or an object array does not."""
    from hdmfzarr.backends.zarr.writer import fingerprint
    from hdmfzarr.build.builders import DatasetBuilder

    def fp(data):
        return fingerprint(DatasetBuilder("d", data, dtype="text"))

    base = fp(["ab", "c", "\udcff"])
    assert base == fp(np.array(["ab", "c", "\udcff"], dtype=object))
    assert base != fp(["a", "bc", "\udcff"])
    assert base != fp(["ab", "c", "\udcfe"])
    assert fp(np.array([["a", "b"]], dtype=object)) != fp(np.array([["a"], ["b"]], dtype=object))
    assert fp(["1", "2"]) != fp(["1", 2])

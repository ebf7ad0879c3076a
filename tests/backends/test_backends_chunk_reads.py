"""How chunks are stored and read for fast random access: the default compressor of numeric arrays, chunks
decoded whole into the cache, and a whole table's ragged offsets and values read in one concurrent wave."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from zarr.codecs import ZstdCodec
from zarr.storage import LocalStore, WrapperStore

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.common import DynamicTable
from hdmfzarr.dataio import DataIO


def _table(n: int = 300) -> DynamicTable:
    rng = np.random.default_rng(3)
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "floats", dtype="float64")
    t.add_column("label", "text", dtype="text")
    t.add_column("r", "ragged", dtype="float32", index=True)
    t.extend({"id": np.arange(n), "x": rng.standard_normal(n), "label": np.array([f"l{i % 5}" for i in range(n)], dtype=object),
              "r": [rng.standard_normal(i % 4).astype(np.float32) for i in range(n)]})
    return t


def test_numeric_arrays_default_to_blosc_lz4_and_text_keeps_zarrs_default(tmp_path: Path) -> None:
    """Blosc lz4 + shuffle (hdmf-zarr's default) decodes about four times faster than zstd: random ragged
    rows decode the whole chunks they touch. A compressor chosen with DataIO is kept."""
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("f", np.arange(10.0)))
    root.set_dataset(DatasetBuilder("i", np.arange(10, dtype=np.uint32)))
    root.set_dataset(DatasetBuilder("z", DataIO(np.arange(10.0), compressors=[ZstdCodec(level=3)])))
    root.set_dataset(DatasetBuilder("s", np.array(["a", "b"], dtype=object), dtype="text"))
    with ZarrIO(tmp_path / "v3.zarr", "w") as io:
        io.write_builder(root)

    def codecs(name: str) -> list[str]:
        doc = json.loads((tmp_path / "v3.zarr" / name / "zarr.json").read_text())
        return [c["name"] for c in doc["codecs"]]

    for name, itemsize in (("f", 8), ("i", 4)):
        doc = json.loads((tmp_path / "v3.zarr" / name / "zarr.json").read_text())
        assert doc["codecs"][1] == {"name": "blosc", "configuration": {
            "typesize": itemsize, "cname": "lz4", "clevel": 5, "shuffle": "shuffle", "blocksize": 0}}
    assert codecs("z") == ["bytes", "zstd"] and codecs("s") == ["vlen-utf8", "zstd"]
    del root.datasets["z"]  # a zarr 3 codec object: format 3 only
    with ZarrIO(tmp_path / "v2.zarr", "w", zarr_format=2) as io:
        io.write_builder(root)
    zarray = json.loads((tmp_path / "v2.zarr" / "f" / ".zarray").read_text())
    assert zarray["compressor"] == {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
    for fmt in ("v3", "v2"):
        with ZarrIO(tmp_path / f"{fmt}.zarr") as io:
            got = io.read_builder()
            assert np.array_equal(got["f"].data[:], np.arange(10.0)) and got["i"].data[7] == 7
        assert fmt == "v2" or np.array_equal(got["z"].data[:], np.arange(10.0))


@pytest.mark.parametrize("fmt", [3, 2])
def test_chunks_decoded_whole_give_what_zarr_gives(tmp_path: Path, fmt: int, test_helpers) -> None:
    """Numeric chunks are decoded on their own into the cache: edge chunks trimmed on every axis, a chunk
    never written filled with the fill value, one read per chunk, and values handed out are copies."""
    data = np.arange(25 * 7, dtype=np.int32).reshape(25, 7)
    data[10:20, 3:6] = -5  # one chunk holding only the fill value: zarr does not store it
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("m", DataIO(data, chunks=(10, 3), fill_value=-5)))
    path = tmp_path / "m.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write_builder(root)
    store = test_helpers.CountingStore(LocalStore(path, read_only=True))
    with ZarrIO(store, "r") as io:
        m = io.read_builder()["m"].data
        store.keys.clear()
        cells = np.array([[m[i, j] for j in range(7)] for i in range(25)])
        assert np.array_equal(cells, data)
        assert len(store.keys) == len(set(store.keys)) == 9  # 3 x 3 chunks, each read once (one not stored)
        row = m[24]
        assert row.tolist() == data[24].tolist()
        row[:] = 0
        assert m[24].tolist() == data[24].tolist()
        assert np.array_equal(m[3:23, [0, 4, 6]], data[3:23][:, [0, 4, 6]])


class _HoldOffsets(WrapperStore):
    """Holds back the answer to the ragged column's offsets until its values are asked for (for at most
    ``patience`` seconds): values read only after the offsets arrived make the read wait the whole time."""

    patience = 10.0

    def __init__(self, store) -> None:
        super().__init__(store)
        self.values_asked: asyncio.Event | None = None
        self.asked_in_time: bool | None = None
        self.keys: list[str] = []

    async def get(self, key, prototype, byte_range=None):
        self.keys.append(key)
        if self.values_asked is None:
            self.values_asked = asyncio.Event()
        if key.startswith("r/c"):
            self.values_asked.set()
        elif key.startswith("r_index/c") and self.asked_in_time is None:
            try:
                await asyncio.wait_for(self.values_asked.wait(), self.patience)
                self.asked_in_time = True
            except TimeoutError:
                self.asked_in_time = False
        return await self._store.get(key, prototype, byte_range)

    def _with_store(self, store):
        return _HoldOffsets(store)


def test_to_dataframe_reads_ragged_offsets_and_values_in_one_wave(tmp_path: Path) -> None:
    """A whole table's DataFrame asks for a ragged column's values without waiting for its offsets
    (behind 25 ms of latency each wait is a round trip), and reads each chunk once."""
    table = _table()
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(table)
    store = _HoldOffsets(LocalStore(path, read_only=True))
    with ZarrIO(store, "r") as io:
        t = io.read()
        store.keys.clear()
        frame = t.to_dataframe()
    assert store.asked_in_time is True
    assert sorted(store.keys) == sorted(set(store.keys))  # no chunk twice
    assert frame["label"].tolist() == [f"l{i % 5}" for i in range(300)]
    expected = table["r"][:]
    assert len(frame) == 300 and all(np.array_equal(a, b) for a, b in zip(frame["r"], expected))
    assert [len(v) for v in frame["r"][:5]] == [0, 1, 2, 3, 0]


def test_to_dataframe_of_doubly_ragged_and_empty_tables(tmp_path: Path) -> None:
    """Offsets and values read apart are put together as the row-by-row read does (nested indexes, no rows)."""
    t = DynamicTable(name="t", description="d")
    t.add_column("rr", "doubly ragged", dtype="int32", index=2)
    t.add_row(rr=[[1, 2], [3]])
    t.add_row(rr=[])
    t.add_row(rr=[[4], [], [5, 6, 7]])
    empty = DynamicTable(name="e", description="d")
    empty.add_column("r", "ragged", dtype="float32", index=True)
    for name, table in (("t", t), ("e", empty)):
        with ZarrIO(tmp_path / f"{name}.zarr", "w") as io:
            io.write(table)
    with ZarrIO(tmp_path / "t.zarr") as io:
        rt = io.read()
        frame = rt.to_dataframe()
        rows = [[list(map(int, inner)) for inner in row] for row in frame["rr"]]
        assert rows == [[[1, 2], [3]], [], [[4], [], [5, 6, 7]]]
        assert [[list(map(int, inner)) for inner in rt["rr"][i]] for i in range(3)] == rows
    with ZarrIO(tmp_path / "e.zarr") as io:
        assert len(io.read().to_dataframe()) == 0

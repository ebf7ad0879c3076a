"""Default chunk policy, per-dataset DataIO options, and streamed DataChunkIterator writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from zarr.codecs import BloscCodec

from hdmfzarr.backends.zarr import ZarrIO, default_chunks
from hdmfzarr.backends.zarr.chunking import MAX_CHUNK_BYTES, MIN_CHUNK_BYTES
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import DataChunkIterator, DataIO
from hdmfzarr.errors import StoreError


def test_small_arrays_are_one_chunk() -> None:
    assert default_chunks((1000,), 8) == (1000,)
    assert default_chunks((100, 384), 2) == (100, 384)
    assert default_chunks((), 8) == ()


def test_empty_arrays_get_unit_chunks() -> None:
    assert default_chunks((0,), 8) == (1,)
    assert default_chunks((0, 3), 8) == (1, 3)


def test_recordings_keep_channels_whole() -> None:
    chunks = default_chunks((1_000_000, 384), 2)
    assert chunks[1] == 384
    nbytes = math.prod(chunks) * 2
    assert MIN_CHUNK_BYTES <= nbytes <= MAX_CHUNK_BYTES


def test_long_columns_chunk_in_mib_range() -> None:
    for n, size in [(10_000_000, 8), (1_000_000, 4), (3_000_000, 1)]:
        (rows,) = default_chunks((n,), size)
        assert MIN_CHUNK_BYTES <= rows * size <= MAX_CHUNK_BYTES


def test_huge_rows_split_trailing_axes() -> None:
    chunks = default_chunks((10, 4096, 4096), 4)
    assert chunks[0] == 1 and math.prod(chunks) * 4 <= MAX_CHUNK_BYTES
    assert math.prod(chunks) * 4 >= MIN_CHUNK_BYTES


def test_dataio_options_v3(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("d", DataIO(
        np.arange(200, dtype="int16").reshape(20, 10), chunks=(5, 10),
        compressors=[BloscCodec(cname="zstd", clevel=3)], fill_value=-1)))
    root.set_dataset(DatasetBuilder("raw", DataIO(np.arange(10.0), compressors=False)))
    root.set_dataset(DatasetBuilder("sharded", DataIO(np.arange(1000, dtype="int32"), chunks=(100,), shards=(500,))))
    with ZarrIO(tmp_path / "d.zarr", "w") as io:
        io.write_builder(root)
    meta = json.loads((tmp_path / "d.zarr/d/zarr.json").read_text())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [5, 10]
    assert meta["fill_value"] == -1
    assert any(c["name"] == "blosc" for c in meta["codecs"])
    raw = json.loads((tmp_path / "d.zarr/raw/zarr.json").read_text())
    assert [c["name"] for c in raw["codecs"]] == ["bytes"]
    sh = json.loads((tmp_path / "d.zarr/sharded/zarr.json").read_text())
    assert sh["chunk_grid"]["configuration"]["chunk_shape"] == [500]
    assert sh["codecs"][0]["name"] == "sharding_indexed"
    assert sh["codecs"][0]["configuration"]["chunk_shape"] == [100]
    assert sorted(p.name for p in (tmp_path / "d.zarr/sharded/c").iterdir()) == ["0", "1"]
    with ZarrIO(tmp_path / "d.zarr") as io:
        r = io.read_builder()
        assert r["sharded"].data[[3, 777]].tolist() == [3, 777]
        assert r["d"].data[19].tolist() == list(range(190, 200))


def test_shards_refused_in_v2(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("s", DataIO(np.arange(10), chunks=(5,), shards=(10,))))
    with ZarrIO(tmp_path / "s.zarr", "w", zarr_format=2) as io:
        with pytest.raises(StoreError, match="shards"):
            io.write_builder(root)


class CountingBlocks:
    """Yields blocks and records the largest number alive at once (bounded memory check)."""

    def __init__(self, n_blocks: int, rows: int, width: int) -> None:
        self.n_blocks, self.rows, self.width = n_blocks, rows, width
        self.produced = 0

    def __iter__(self):
        for i in range(self.n_blocks):
            self.produced += 1
            start = i * self.rows
            yield np.arange(start * self.width, (start + self.rows) * self.width, dtype="float32").reshape(
                self.rows, self.width)


@pytest.mark.parametrize("fmt", [3, 2])
def test_data_chunk_iterator_streams(tmp_path: Path, fmt: int) -> None:
    blocks = CountingBlocks(25, 7, 3)
    it = DataChunkIterator(iter(blocks), chunks=(20, 3))
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("stream", it, dims=["time", "channel"]))
    with ZarrIO(tmp_path / "it.zarr", "w", zarr_format=fmt) as io:
        io.write_builder(root)
    assert blocks.produced == 25
    with ZarrIO(tmp_path / "it.zarr") as io:
        d = io.read_builder()["stream"]
        assert d.data.shape == (175, 3) and d.data.chunks == (20, 3)
        np.testing.assert_array_equal(d.data[:], np.arange(175 * 3, dtype="float32").reshape(175, 3))
        assert d.dims == ["time", "channel"]


def test_data_chunk_iterator_text_and_empty(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("words", DataChunkIterator(iter([["a", "b"], ["c"]]))))
    root.set_dataset(DatasetBuilder("none", DataChunkIterator(iter([]), dtype="int32", row_shape=())))
    with ZarrIO(tmp_path / "t.zarr", "w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "t.zarr") as io:
        r = io.read_builder()
        assert r["words"].data[:].tolist() == ["a", "b", "c"]
        assert r["none"].data.shape == (0,) and r["none"].data.dtype == np.int32

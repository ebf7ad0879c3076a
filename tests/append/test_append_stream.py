"""Streamed writes (DataChunkIterator) keep memory bounded however long the data."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import DataChunkIterator

ROWS_PER_MIB = (1 << 20) // (8 * 8)  # 1 MiB of 8 float64 channels


def _peak_mib(path: Path, total_mib: int) -> float:
    def blocks():
        for k in range(total_mib):
            yield np.full((ROWS_PER_MIB, 8), float(k))

    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("data", DataChunkIterator(blocks(), chunks=(ROWS_PER_MIB // 2, 8))))
    tracemalloc.start()
    try:
        with ZarrIO(path, "w") as io:
            io.write_builder(root)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_streamed_write_memory_is_flat(tmp_path: Path) -> None:
    with ZarrIO(tmp_path / "warm.zarr", "w") as io:  # imports and zarr's loop outside the measurement
        io.write_builder(GroupBuilder("root"))
    small = _peak_mib(tmp_path / "small.zarr", 8)
    large = _peak_mib(tmp_path / "large.zarr", 64)
    assert large < 12, f"streaming 64 MiB peaked at {large:.1f} MiB"
    assert large < small * 1.5 + 1, f"peak grew with the data: {small:.1f} MiB for 8 MiB, {large:.1f} MiB for 64 MiB"
    with ZarrIO(tmp_path / "large.zarr") as io:
        d = io.read_builder()["data"].data
        assert d.shape == (64 * ROWS_PER_MIB, 8) and d[-1].tolist() == [63.0] * 8 and d[0, 0] == 0.0

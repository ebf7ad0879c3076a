"""Data.append / Data.extend on a dataset read from a store buffer rows and append them incrementally."""

import os

import numpy as np

import hdmfzarr
from hdmfzarr.common import Data, SimpleMultiContainer
from hdmfzarr.dataio import DataIO


def test_data_extend_on_stored_dataset_appends_without_rewriting_full_chunks(tmp_path):
    path = tmp_path / "ts.zarr"
    root = SimpleMultiContainer(name="root", containers=[Data(name="ts", data=DataIO(np.arange(10.0), chunks=(4,)))])
    with hdmfzarr.ZarrIO(str(path), mode="w") as io:
        io.write(root)
    full_chunk = path / "ts" / "c" / "0"
    before = (full_chunk.read_bytes(), os.stat(full_chunk).st_mtime_ns)

    with hdmfzarr.ZarrIO(str(path), mode="a") as io:
        ts = io.read()["ts"]
        ts.extend(np.arange(10.0, 15.0))
        ts.append(15.0)

    assert (full_chunk.read_bytes(), os.stat(full_chunk).st_mtime_ns) == before
    with hdmfzarr.ZarrIO(str(path)) as io:
        np.testing.assert_array_equal(np.asarray(io.read()["ts"].data), np.arange(16.0))

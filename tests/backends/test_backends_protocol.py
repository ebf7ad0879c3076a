"""The backend protocol: ``hdmfzarr.open`` picks the backend by ``guess_can_open``; both backends serve
validation, the CLI and conversion through the same calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hdmfzarr
from hdmfzarr.backends import Backend, backend_for
from hdmfzarr.backends.hdf5 import HDF5Reader
from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.errors import StoreError


def _root() -> GroupBuilder:
    root = GroupBuilder("root", attributes={"namespace": "hdmf-common", "data_type": "Container"})
    root.set_dataset(DatasetBuilder("x", np.arange(6, dtype=np.int16), dtype="int16"))
    return root


@pytest.fixture
def h5file(tmp_path: Path) -> Path:
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f.attrs["namespace"] = "hdmf-common"
        f.attrs["data_type"] = "Container"
        f.create_dataset("x", data=np.arange(6, dtype=np.int16))
    return path


def test_open_chooses_zarr_for_stores_and_urls(tmp_path: Path) -> None:
    with ZarrIO(tmp_path / "s.zarr", mode="w", zarr_format=2) as io:
        io.write_builder(_root())
    assert backend_for(tmp_path / "s.zarr") is ZarrIO
    assert backend_for("memory://x.zarr") is ZarrIO
    with hdmfzarr.open(tmp_path / "s.zarr") as io:
        assert isinstance(io, ZarrIO) and isinstance(io, Backend)
        assert io.zarr_format == 2  # the stored format, not the default for writing
        assert np.asarray(io.read_builder()["x"].data[:]).tolist() == list(range(6))
        assert io.spec_cache() == {}


def test_open_chooses_hdf5_by_signature_and_suffix(h5file: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "no_suffix"
    disguised.write_bytes(h5file.read_bytes())
    for target in (h5file, disguised):
        assert backend_for(target) is HDF5Reader
        with hdmfzarr.open(target) as io:
            assert isinstance(io, Backend) and io.zarr_format is None
            assert np.asarray(io.read_builder()["x"].data[:]).tolist() == list(range(6))
            assert io.spec_cache() == {}


def test_open_hdf5_refuses_writing_and_remote_urls(h5file: Path) -> None:
    with pytest.raises(StoreError, match="read-only"):
        hdmfzarr.open(h5file, mode="a")
    with pytest.raises(StoreError, match="local paths only"):
        hdmfzarr.open("s3://bucket/file.nwb")


def test_convert_is_a_library_function(h5file: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out.zarr"
    assert hdmfzarr.convert(str(h5file), str(dst)) == 3
    with hdmfzarr.open(dst) as io:
        assert io.zarr_format == 3
        assert np.asarray(io.read_builder()["x"].data[:]).tolist() == list(range(6))
    assert hdmfzarr.convert(str(dst), str(tmp_path / "back.zarr")) == 2  # Zarr sources flip format


def test_open_hdf5_read_gives_containers_as_hdmf_reads_them(tmp_path: Path) -> None:
    """``hdmfzarr.open(file).read()`` on an HDF5 file hdmf wrote: the same table hdmf's HDF5IO reads, lazily."""
    pytest.importorskip("h5py")
    from hdmf.backends.hdf5 import HDF5IO
    from hdmf.common import DynamicTable as HdmfTable
    from hdmf.common import get_manager

    table = HdmfTable(name="trials", description="t")
    table.add_column("score", "s")
    table.add_column("spikes", "ragged", index=True)
    table.add_row(score=0.5, spikes=[1.0, 2.0])
    table.add_row(score=1.5, spikes=[3.0])
    path = tmp_path / "table.h5"
    with HDF5IO(str(path), mode="w", manager=get_manager()) as io:
        io.write(table)
    with HDF5IO(str(path), mode="r", manager=get_manager()) as io:
        expected = io.read().to_dataframe()
    with hdmfzarr.open(path) as reader:
        got = reader.read()
        assert type(got).__name__ == "DynamicTable" and got.name == "root"
        frame = got.to_dataframe()
        assert list(frame.columns) == list(expected.columns) and list(frame.index) == list(expected.index)
        for name in expected.columns:
            assert [np.asarray(v).tolist() for v in frame[name]] == [np.asarray(v).tolist() for v in expected[name]]


@pytest.mark.slow
def test_open_hdf5_read_of_a_pynwb_file(tmp_path: Path) -> None:
    """An NWB file pynwb wrote reads through ``hdmfzarr.open`` with classes from the specs it caches."""
    pynwb = pytest.importorskip("pynwb")
    from pynwb.testing.mock.file import mock_NWBFile

    nwb = mock_NWBFile()
    nwb.add_unit(spike_times=[0.1, 0.2])
    nwb.add_unit(spike_times=[0.3])
    with pynwb.NWBHDF5IO(str(tmp_path / "s.nwb"), "w") as io:
        io.write(nwb)
    with hdmfzarr.open(tmp_path / "s.nwb") as reader:
        got = reader.read()
        assert type(got).__name__ == "NWBFile" and got.identifier == nwb.identifier
        assert [list(r) for r in got.units.to_dataframe()["spike_times"]] == [[0.1, 0.2], [0.3]]

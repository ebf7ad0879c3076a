"""Test data: hdmfzarr container trees, and files written by the real peers
(hdmf HDF5IO, pynwb NWBHDF5IO, hdmf-zarr ZarrIO/NWBZarrIO)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np


def hdmf_tables() -> Any:
    """An hdmf.common SimpleMultiContainer: plain, ragged, region, CSR columns."""
    from hdmf.common import CSRMatrix, DynamicTable, SimpleMultiContainer

    people = DynamicTable(name="people", description="people")
    people.add_column("age", "age")
    people.add_column("tags", "tags", index=True)
    people.add_row(age=3, tags=["a", "b"])
    people.add_row(age=5, tags=["c"])
    pets = DynamicTable(name="pets", description="pets")
    pets.add_column("owner", "owner", table=people)
    pets.add_row(owner=1)
    pets.add_row(owner=0)
    csr = CSRMatrix(data=np.array([1.0, 2.0, 3.0]), indices=np.array([0, 2, 1]),
                    indptr=np.array([0, 2, 3, 3]), shape=(3, 3))
    return SimpleMultiContainer(name="root", containers=[people, pets, csr])


def nwbfile() -> Any:
    """A pynwb NWBFile: device, electrode group, electrodes, ElectricalSeries, linked timestamps, trials, units."""
    from pynwb import NWBFile, TimeSeries
    from pynwb.ecephys import ElectricalSeries

    nwb = NWBFile(session_description="s", identifier="id",
                  session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    dev = nwb.create_device("probe")
    eg = nwb.create_electrode_group("shank0", "d", "loc", dev)
    for _ in range(3):
        nwb.add_electrode(group=eg, location="x")
    reg = nwb.create_electrode_table_region([0, 1, 2], "all")
    nwb.add_acquisition(ElectricalSeries(name="es", data=np.arange(300.0).reshape(100, 3), electrodes=reg, rate=30.0))
    ts = TimeSeries(name="ts", data=np.arange(10.0), unit="m", timestamps=np.arange(10.0) / 10)
    nwb.add_acquisition(ts)
    nwb.add_acquisition(TimeSeries(name="ts2", data=np.arange(10.0), unit="m", timestamps=ts))
    nwb.add_trial(start_time=0.0, stop_time=1.0, timeseries=[ts])  # compound column with references
    nwb.add_trial(start_time=1.0, stop_time=2.0, timeseries=[ts])
    nwb.add_unit(spike_times=[0.1, 0.2])
    nwb.add_unit(spike_times=[0.3])
    return nwb


def write_hdmf_h5(path: Path) -> Path:
    from hdmf.backends.hdf5 import HDF5IO
    from hdmf.common import get_manager

    with HDF5IO(str(path), "w", manager=get_manager()) as io:
        io.write(hdmf_tables())
    return path


def write_nwb_h5(path: Path) -> Path:
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile())
    return path


def write_hdmf_zarr(path: Path) -> Path:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO

    with ZarrIO(str(path), mode="w", manager=get_manager()) as io:
        io.write(hdmf_tables())
    return path


def write_nwb_zarr(path: Path) -> Path:
    from hdmf_zarr.nwb import NWBZarrIO

    with NWBZarrIO(str(path), mode="w") as io:
        io.write(nwbfile())
    return path


def hdmfzarr_tables() -> Any:
    """The same kind of tree with hdmfzarr's own containers (plus a doubly ragged column)."""
    from hdmfzarr.common import CSRMatrix, DynamicTable, SimpleMultiContainer

    people = DynamicTable(name="people", description="people")
    people.add_column("age", "age in years")
    people.add_column("tags", "tags", index=True)
    people.add_column("nested", "doubly ragged", index=2)
    people.add_row(age=3, tags=["a", "b"], nested=[[1.0], [2.0, 3.0]])
    people.add_row(age=5, tags=["c"], nested=[[4.0]])
    people.add_row(age=7, tags=[], nested=[])
    pets = DynamicTable(name="pets", description="pets")
    pets.add_column("owner", "owner row", table=people)
    pets.add_row(owner=2)
    pets.add_row(owner=0)
    csr = CSRMatrix(data=np.array([1.0, 2.0, 3.0]), indices=np.array([0, 2, 1]),
                    indptr=np.array([0, 2, 3, 3]), shape=(3, 3))
    return SimpleMultiContainer(name="root", containers=[people, pets, csr])


def load_helpers_note() -> str:
    """Test modules load this file by path (pytest runs with --import-mode=importlib)."""
    return __file__

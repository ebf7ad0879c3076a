"""A small NWB file made with pynwb's own mock helpers, written by hdmf-zarr 0.14's NWBZarrIO.

It holds what a read -> write-back must carry over: time series (one's timestamps a link to another's), an electrodes table referenced by a
DynamicTableRegion, Units with ragged spike times and a region column, epochs with a
TimeSeriesReferenceVectorData column (compound with a reference field), an ophys PlaneSegmentation with
a compound ``pixel_mask`` and an ``image_mask``, behavior and text arrays (``file_create_date``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def make_nwbfile(big: bool = False):
    """The mock file; ``big``: plus arrays of 1 MiB or more (what ``link_data=True`` links): a series' data and
    timestamps and a table's column and ids."""
    from pynwb.behavior import Position, SpatialSeries
    from pynwb.ophys import ImageSegmentation, OpticalChannel, PlaneSegmentation
    from pynwb.testing.mock.base import mock_TimeSeries
    from pynwb.testing.mock.device import mock_Device
    from pynwb.testing.mock.ecephys import mock_ElectricalSeries
    from pynwb.testing.mock.file import mock_NWBFile

    nwb = mock_NWBFile()
    ts = mock_TimeSeries(name="ts1", data=np.arange(5.0), timestamps=[0.1, 0.2, 0.3, 0.4, 0.5], rate=None)
    nwb.add_acquisition(ts)
    nwb.add_acquisition(mock_TimeSeries(name="ts_linked", data=np.ones(5), timestamps=ts, rate=None))  # a link
    nwb.add_acquisition(mock_TimeSeries(name="ts_rate", data=np.arange(6, dtype=np.int16), rate=10.0))
    es = mock_ElectricalSeries(nwbfile=nwb)
    nwb.add_unit_column("quality", "curation label")
    nwb.add_unit(spike_times=[0.1, 0.2, 0.25], quality="good", electrodes=[0, 1])
    nwb.add_unit(spike_times=[0.3], quality="mua", electrodes=[2])
    nwb.add_epoch(start_time=0.0, stop_time=1.0, timeseries=[ts, es])
    nwb.add_epoch(start_time=1.0, stop_time=2.0, timeseries=[ts])
    device = mock_Device(name="scope", nwbfile=nwb)
    channel = OpticalChannel(name="green", description="green channel", emission_lambda=510.0)
    plane = nwb.create_imaging_plane(
        name="plane", optical_channel=channel, description="a plane", device=device, excitation_lambda=920.0,
        imaging_rate=30.0, indicator="GCaMP6s", location="V1",
    )
    module = nwb.create_processing_module("ophys", "optical physiology")
    seg = ImageSegmentation(name="ImageSegmentation")
    module.add(seg)
    ps = PlaneSegmentation(name="cells", description="cells", imaging_plane=plane)
    seg.add_plane_segmentation(ps)
    ps.add_roi(pixel_mask=[(1, 2, 0.5), (3, 4, 1.0)])
    ps.add_roi(pixel_mask=[(5, 6, 0.25)])
    behavior = nwb.create_processing_module("behavior", "behavior")
    pos = Position(name="Position")
    pos.add_spatial_series(SpatialSeries(name="xy", data=np.arange(8.0).reshape(4, 2), reference_frame="origin",
                                         rate=2.0))
    behavior.add(pos)
    if big:
        from hdmf.common import DynamicTable, VectorData

        n = 1 << 17  # 1 MiB of float64
        nwb.add_acquisition(mock_TimeSeries(name="big", data=np.arange(2 * n, dtype=np.float32).reshape(n, 2),
                                            timestamps=np.arange(n) / 1e3, rate=None))
        behavior.add(DynamicTable(name="bigtable", description="a long table", columns=[
            VectorData(name="x", description="x", data=np.arange(n, dtype=np.float64))]))
    return nwb


def write_nwb_zarr(path: Path, big: bool = False) -> Path:
    """Write the mock NWB file (``big``: with arrays worth linking) at ``path`` with hdmf-zarr 0.14 (Zarr format 3);
    returns ``path``."""
    from hdmf_zarr.nwb import NWBZarrIO

    with NWBZarrIO(str(path), "w") as io:
        io.write(make_nwbfile(big))
    return path


if __name__ == "__main__":
    import sys

    write_nwb_zarr(Path(sys.argv[1]))

"""The interoperability corpus: small files written by the real tools (pynwb 4.2 through NWBHDF5IO and
hdmf-zarr 0.14's NWBZarrIO; hdmf 6.2 through hdmf-zarr's ZarrIO with hdmf's common type map).

Every NWB file is built by pynwb's own mock helpers (``pynwb.testing.mock``) plus plain pynwb where no
helper exists, covering every neurodata type module. Data are tiny so the whole corpus is written in a
few seconds. Used by ``tests/corpus/conftest.py`` (session fixture); runnable by hand:
``python tests/corpus/make_corpus.py OUTDIR``.
"""

from __future__ import annotations

import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

#: NWB files (each written as ``<name>.nwb`` by NWBHDF5IO and ``<name>.zarr`` by NWBZarrIO 0.14)
NWB_FILES = ("base", "ecephys", "icephys", "ophys", "behavior", "misc", "ogen", "images", "extension")
#: hdmf-common 1.8+ stores written by hdmf 6.2 through hdmf-zarr's ZarrIO (``<name>.zarr`` only)
HDMF_STORES = ("enum_meanings",)

_START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
EXTENSION_NS = "ndx-corpus"


def _nwbfile(name: str) -> Any:
    from pynwb.testing.mock.file import mock_NWBFile

    return mock_NWBFile(
        session_description=f"corpus file {name}", identifier=f"corpus-{name}", session_start_time=_START,
        file_create_date=[_START],
    )


def _make_base() -> Any:
    from hdmf.common import DynamicTable, VectorData
    from pynwb import ProcessingModule, TimeSeries
    from pynwb.core import ScratchData
    from pynwb.epoch import TimeIntervals
    from pynwb.testing.mock.base import mock_TimeSeries
    from pynwb.testing.mock.device import mock_Device
    from pynwb.testing.mock.file import mock_NWBFile, mock_Subject

    nwb = mock_NWBFile(
        session_description="corpus file base", identifier="corpus-base", session_start_time=_START,
        file_create_date=[_START], experimenter=["Ada", "Grace"], keywords=["corpus", "interop"],
        related_publications=["doi:10.0/corpus"], institution="Nowhere", lab="Lab", session_id="s1",
        experiment_description="tiny", notes="notes", pharmacology="none", protocol="p1", surgery="none",
        virus="none", stimulus_notes="none", data_collection="dc", source_script="make_corpus.py",
        source_script_file_name="make_corpus.py",
    )
    mock_Subject(nwbfile=nwb, subject_id="mouse1")
    mock_Device(name="rig", nwbfile=nwb)
    ts = mock_TimeSeries(name="ts_rate", nwbfile=nwb)
    ts_t = TimeSeries(name="ts_times", data=np.arange(5.0), unit="m", timestamps=np.arange(5.0) / 10,
                      continuity="continuous", comments="c", description="d")
    nwb.add_acquisition(ts_t)
    # timestamps stored in ts_times, linked from ts_linked (a link to a dataset)
    ts_link = TimeSeries(name="ts_linked", data=np.arange(5.0) * 2, unit="m", timestamps=ts_t)
    nwb.add_acquisition(ts_link)
    nwb.add_trial_column("correct", "whether correct")
    nwb.add_trial_column("label", "a label")
    nwb.add_trial_column("samples", "ragged samples", index=True)
    for i in range(3):
        nwb.add_trial(start_time=float(i), stop_time=i + 0.5, correct=bool(i % 2), label=f"t{i}",
                      samples=list(np.arange(i + 1) * 0.5))
    nwb.add_epoch(start_time=0.0, stop_time=0.2, tags=["a", "b"], timeseries=[ts])
    nwb.add_epoch(start_time=0.2, stop_time=0.3, tags=["c"], timeseries=[ts, ts_t])
    custom = TimeIntervals(name="custom_intervals", description="custom")
    custom.add_interval(start_time=0.0, stop_time=0.2)
    nwb.add_time_intervals(custom)
    mod = ProcessingModule(name="proc", description="processing")
    nwb.add_processing_module(mod)
    mod.add(TimeSeries(name="proc_ts", data=np.arange(3.0), unit="s", rate=2.0, starting_time=0.5))
    table = DynamicTable(name="proc_table", description="a table", columns=[
        VectorData(name="x", description="x", data=[1, 2, 3]),
        VectorData(name="s", description="s", data=["a", "b", "c"]),
    ])
    mod.add(table)
    nwb.add_scratch(ScratchData(name="scratch", data=np.arange(4), description="scratch notes"))
    return nwb


def _make_ecephys() -> Any:
    from pynwb.ecephys import LFP, EventDetection, FeatureExtraction, FilteredEphys
    from pynwb.testing.mock.ecephys import (
        mock_ElectricalSeries,
        mock_ElectrodeGroup,
        mock_ElectrodeTable,
        mock_SpikeEventSeries,
    )
    from pynwb.testing.mock.device import mock_Device

    nwb = _nwbfile("ecephys")
    device = mock_Device(name="probe", nwbfile=nwb)
    group = mock_ElectrodeGroup(name="shank0", device=device, nwbfile=nwb)
    nwb.add_electrode_column("quality", "electrode quality")
    for i in range(4):
        nwb.add_electrode(location="CA1", group=group, quality=float(i))
    region = nwb.create_electrode_table_region([0, 1, 2], "three electrodes")
    es = mock_ElectricalSeries(name="es", electrodes=region, data=np.arange(30, dtype=np.int16).reshape(10, 3),
                               rate=30000.0, nwbfile=nwb)
    es.channel_conversion = np.array([1.0, 1.5, 2.0])
    ecephys = nwb.create_processing_module("ecephys", "extracellular")
    lfp_es = mock_ElectricalSeries(name="lfp_es", electrodes=nwb.create_electrode_table_region([0, 1], "two"),
                                   data=np.ones((6, 2)), rate=1000.0)
    ecephys.add(LFP(electrical_series=[lfp_es]))
    filt = mock_ElectricalSeries(name="filt_es", electrodes=nwb.create_electrode_table_region([2], "one"),
                                 data=np.ones((4, 1)), timestamps=np.arange(4.0), rate=None)
    ecephys.add(FilteredEphys(electrical_series=[filt]))
    ses = mock_SpikeEventSeries(name="spikes", electrodes=nwb.create_electrode_table_region([0], "one"),
                                data=np.ones((3, 1, 4)), timestamps=np.arange(3.0))
    ecephys.add(ses)
    ecephys.add(FeatureExtraction(electrodes=nwb.create_electrode_table_region([0, 1], "two"),
                                  description=["f1", "f2", "f3"], times=[0.1, 0.2],
                                  features=np.arange(12.0).reshape(2, 2, 3)))
    ecephys.add(EventDetection(detection_method="threshold", source_electricalseries=es,
                               source_idx=[1, 3], times=[0.1, 0.3]))
    from pynwb.misc import Units

    units = Units(name="units", description="sorted", resolution=1 / 30000, waveform_rate=30000.0,
                  waveform_unit="volts", electrode_table=nwb.electrodes)
    units.add_column("label", "unit label")
    rng = np.random.default_rng(0)
    for i in range(3):
        units.add_unit(
            spike_times=np.sort(rng.random(i + 2)), obs_intervals=[[0.0, 1.0], [2.0, 3.0]][: i % 2 + 1],
            electrodes=[0, i], electrode_group=group, label=f"u{i}",
            waveform_mean=np.ones((4, 2)) * i, waveform_sd=np.ones((4, 2)),
            waveforms=[np.ones((i + 1, 2)) * j for j in range(2)],
        )
    nwb.units = units
    return nwb


def _make_icephys() -> Any:
    from pynwb.testing.mock.icephys import (
        mock_CurrentClampSeries,
        mock_CurrentClampStimulusSeries,
        mock_IntracellularElectrode,
        mock_IZeroClampSeries,
        mock_VoltageClampSeries,
        mock_VoltageClampStimulusSeries,
    )

    nwb = _nwbfile("icephys")
    elec = mock_IntracellularElectrode(nwbfile=nwb)
    rows = []
    for i in range(2):
        stim = mock_VoltageClampStimulusSeries(name=f"vc_stim{i}", electrode=elec, nwbfile=nwb)
        resp = mock_VoltageClampSeries(name=f"vc_resp{i}", electrode=elec, nwbfile=nwb)
        rows.append(nwb.add_intracellular_recording(electrode=elec, stimulus=stim, response=resp))
    cstim = mock_CurrentClampStimulusSeries(name="cc_stim", electrode=elec, nwbfile=nwb)
    cresp = mock_CurrentClampSeries(name="cc_resp", electrode=elec, nwbfile=nwb)
    rows.append(nwb.add_intracellular_recording(electrode=elec, stimulus=cstim, response=cresp))
    izero = mock_IZeroClampSeries(name="izero", electrode=elec, nwbfile=nwb)
    rows.append(nwb.add_intracellular_recording(electrode=elec, response=izero))
    nwb.intracellular_recordings.add_column("note", "per-recording note", data=["a", "b", "c", "d"])
    sim0 = nwb.add_icephys_simultaneous_recording(recordings=[rows[0], rows[1]])
    sim1 = nwb.add_icephys_simultaneous_recording(recordings=[rows[2]])
    sim2 = nwb.add_icephys_simultaneous_recording(recordings=[rows[3]])
    seq0 = nwb.add_icephys_sequential_recording(simultaneous_recordings=[sim0, sim1], stimulus_type="square")
    seq1 = nwb.add_icephys_sequential_recording(simultaneous_recordings=[sim2], stimulus_type="ramp")
    rep = nwb.add_icephys_repetition(sequential_recordings=[seq0, seq1])
    nwb.add_icephys_experimental_condition(repetitions=[rep])
    nwb.icephys_experimental_conditions.add_column("temperature", "deg C", data=[32.0])
    return nwb


def _make_ophys() -> Any:
    from pynwb.ophys import DfOverF, Fluorescence, ImageSegmentation, ImagingPlane
    from pynwb.testing.mock.ophys import (
        mock_ImagingPlane,
        mock_OnePhotonSeries,
        mock_OpticalChannel,
        mock_PlaneSegmentation,
        mock_RoiResponseSeries,
        mock_TwoPhotonSeries,
    )
    from pynwb.testing.mock.device import mock_Device

    nwb = _nwbfile("ophys")
    device = mock_Device(name="scope", nwbfile=nwb)
    oc = mock_OpticalChannel(name="channel0")
    plane0 = mock_ImagingPlane(name="plane0", optical_channel=oc, device=device, nwbfile=nwb)
    # a second plane holding its own channel and linking plane0's: channel0 stays plane0's child
    oc1 = mock_OpticalChannel(name="channel1")
    plane1 = ImagingPlane(name="plane1", optical_channel=[oc1, oc], description="p1", device=device,
                          excitation_lambda=500.0, indicator="GCaMP", location="V1", imaging_rate=10.0)
    nwb.add_imaging_plane(plane1)
    mock_TwoPhotonSeries(name="two_photon", imaging_plane=plane0, data=np.ones((3, 4, 4)), rate=10.0, nwbfile=nwb)
    mock_OnePhotonSeries(name="one_photon", imaging_plane=plane1, data=np.ones((3, 4, 4)), rate=10.0, nwbfile=nwb)
    ophys = nwb.create_processing_module("ophys", "optical physiology")
    segs = [
        mock_PlaneSegmentation(name=f"seg_{kind}", imaging_plane=plane0, n_rois=3, mask_type=kind)
        for kind in ("image_mask", "pixel_mask", "voxel_mask")
    ]
    ophys.add(ImageSegmentation(name="ImageSegmentation", plane_segmentations=segs))
    rois = segs[0].create_roi_table_region("all", region=[0, 1, 2])
    rrs = mock_RoiResponseSeries(name="rrs", rois=rois, data=np.ones((5, 3)), rate=10.0)
    ophys.add(Fluorescence(roi_response_series=[rrs]))
    rrs2 = mock_RoiResponseSeries(name="rrs_dff", rois=segs[0].create_roi_table_region("two", region=[0, 1]),
                                  data=np.ones((5, 2)), rate=10.0)
    ophys.add(DfOverF(roi_response_series=[rrs2]))
    return nwb


def _make_behavior() -> Any:
    from pynwb.behavior import (
        BehavioralEpochs,
        BehavioralEvents,
        BehavioralTimeSeries,
        EyeTracking,
        PupilTracking,
    )
    from pynwb.misc import IntervalSeries
    from pynwb.testing.mock.base import mock_TimeSeries
    from pynwb.testing.mock.behavior import mock_CompassDirection, mock_Position, mock_SpatialSeries

    nwb = _nwbfile("behavior")
    beh = nwb.create_processing_module("behavior", "behavior")
    beh.add(mock_Position(name="Position", spatial_series=mock_SpatialSeries(name="pos", data=np.ones((4, 2)))))
    beh.add(mock_CompassDirection(name="CompassDirection",
                                  spatial_series=mock_SpatialSeries(name="heading", data=np.ones(4),
                                                                    reference_frame="north", unit="radians")))
    beh.add(PupilTracking(time_series=[mock_TimeSeries(name="pupil", data=np.ones(4))]))
    beh.add(BehavioralEvents(time_series=[mock_TimeSeries(name="licks", data=np.ones(2), timestamps=[0.5, 1.5],
                                                          rate=None)]))
    beh.add(BehavioralTimeSeries(time_series=[mock_TimeSeries(name="speed", data=np.ones(4))]))
    beh.add(BehavioralEpochs(interval_series=[IntervalSeries(name="running", data=[1, -1], timestamps=[0.0, 1.0])]))
    beh.add(EyeTracking(spatial_series=[mock_SpatialSeries(name="eye", data=np.ones((4, 2)))]))
    return nwb


def _make_misc() -> Any:
    from hdmf.common import DynamicTable  # noqa: F401
    from pynwb.misc import AbstractFeatureSeries, AnnotationSeries, DecompositionSeries, IntervalSeries
    from pynwb.testing.mock.base import mock_TimeSeries

    nwb = _nwbfile("misc")
    ann = AnnotationSeries(name="notes", data=["start", "stop"], timestamps=[0.0, 1.0])
    nwb.add_acquisition(ann)
    nwb.add_acquisition(IntervalSeries(name="intervals", data=[1, -1, 1, -1], timestamps=[0.0, 1.0, 2.0, 3.0]))
    src = mock_TimeSeries(name="lfp_like", data=np.ones((6, 2)), nwbfile=nwb)
    proc = nwb.create_processing_module("misc", "misc processing")
    dec = DecompositionSeries(name="decomp", data=np.ones((6, 2, 2)), description="bands", metric="power",
                              rate=100.0, source_timeseries=src)
    dec.add_band(band_name="theta", band_limits=(4.0, 8.0), band_mean=6.0, band_stdev=1.0)
    dec.add_band(band_name="gamma", band_limits=(30.0, 80.0), band_mean=55.0, band_stdev=5.0)
    proc.add(dec)
    proc.add(AbstractFeatureSeries(name="features", data=np.ones((3, 2)), feature_units=["a", "b"],
                                   features=["f1", "f2"], timestamps=[0.0, 1.0, 2.0]))
    return nwb


def _make_ogen() -> Any:
    from pynwb.testing.mock.device import mock_Device
    from pynwb.testing.mock.ogen import mock_OptogeneticSeries, mock_OptogeneticStimulusSite

    nwb = _nwbfile("ogen")
    device = mock_Device(name="laser", nwbfile=nwb)
    site = mock_OptogeneticStimulusSite(name="site", device=device, nwbfile=nwb)
    mock_OptogeneticSeries(name="stim", site=site, data=np.ones(5), nwbfile=nwb)
    return nwb


def _make_images() -> Any:
    from pynwb.base import ImageReferences, Images
    from pynwb.image import GrayscaleImage, ImageSeries, IndexSeries, OpticalSeries, RGBAImage, RGBImage

    nwb = _nwbfile("images")
    gray = GrayscaleImage(name="gray", data=np.ones((3, 3)), resolution=1.0, description="g")
    rgb = RGBImage(name="rgb", data=np.ones((3, 3, 3)))
    rgba = RGBAImage(name="rgba", data=np.ones((3, 3, 4)))
    images = Images(name="templates", images=[gray, rgb, rgba], description="stimulus templates",
                    order_of_images=ImageReferences(name="order_of_images", data=[rgb, gray, rgba]))
    nwb.add_stimulus_template(images)
    nwb.add_stimulus(IndexSeries(name="shown", data=[0, 1, 2, 1], indexed_images=images, unit="N/A",
                                 timestamps=[0.0, 0.5, 1.0, 1.5]))
    # no format stored (pynwb writes none unless asked): a read must not invent 'raw'
    nwb.add_acquisition(ImageSeries(name="movie", data=np.ones((2, 3, 3)), unit="n/a", rate=5.0))
    nwb.add_acquisition(ImageSeries(name="external_movie", external_file=["movie.avi"], format="external",
                                    starting_frame=[0], unit="n/a", timestamps=[0.0, 0.2]))
    nwb.add_acquisition(OpticalSeries(name="optical", data=np.ones((2, 3, 3)), unit="n/a", rate=5.0,
                                      distance=0.5, field_of_view=[0.1, 0.2], orientation="up"))
    return nwb


def _extension_spec(outdir: Path) -> Path:
    """Write the extension namespace (NWBNamespaceBuilder) into ``outdir``; its namespace path."""
    from pynwb.spec import NWBAttributeSpec, NWBDatasetSpec, NWBGroupSpec, NWBNamespaceBuilder

    ns_path = outdir / f"{EXTENSION_NS}.namespace.yaml"
    if ns_path.exists():
        return ns_path
    builder = NWBNamespaceBuilder(doc="corpus extension", name=EXTENSION_NS, version="0.1.0",
                                  author=["corpus"], contact=["corpus@example.org"])
    builder.include_type("ElectricalSeries", namespace="core")
    builder.include_type("LabMetaData", namespace="core")
    builder.include_type("DynamicTable", namespace="core")
    builder.include_type("VectorData", namespace="core")
    tetrode = NWBGroupSpec(neurodata_type_def="TetrodeSeries", neurodata_type_inc="ElectricalSeries",
                           doc="a tetrode series",
                           attributes=[NWBAttributeSpec(name="trode_id", doc="tetrode id", dtype="int32")])
    labmeta = NWBGroupSpec(neurodata_type_def="LabMetaDataExt", neurodata_type_inc="LabMetaData",
                           doc="lab metadata",
                           attributes=[NWBAttributeSpec(name="rig", doc="rig name", dtype="text")],
                           datasets=[NWBDatasetSpec(name="temperature", doc="temperature", dtype="float64")])
    cells = NWBGroupSpec(neurodata_type_def="CellTable", neurodata_type_inc="DynamicTable", doc="cells",
                         datasets=[NWBDatasetSpec(name="cell_type", neurodata_type_inc="VectorData",
                                                  dtype="text", doc="cell type")])
    src = f"{EXTENSION_NS}.extensions.yaml"
    for spec in (tetrode, labmeta, cells):
        builder.add_spec(src, spec)
    builder.export(ns_path.name, outdir=str(outdir))
    return ns_path


def _make_extension(outdir: Path) -> tuple[Any, Any]:
    """The extension file and the BuildManager that knows its namespace (a copy of pynwb's type map, so
    pynwb's global one, used by its validator and readers later in the session, stays untouched)."""
    from hdmf.build import BuildManager
    from pynwb import get_type_map
    from pynwb.testing.mock.device import mock_Device
    from pynwb.testing.mock.ecephys import mock_ElectrodeGroup

    ns_path = _extension_spec(outdir)
    type_map = get_type_map(copy=True)
    type_map.load_namespaces(str(ns_path))
    TetrodeSeries = type_map.get_dt_container_cls("TetrodeSeries", EXTENSION_NS)
    LabMetaDataExt = type_map.get_dt_container_cls("LabMetaDataExt", EXTENSION_NS)
    CellTable = type_map.get_dt_container_cls("CellTable", EXTENSION_NS)
    nwb = _nwbfile("extension")
    group = mock_ElectrodeGroup(name="tetrode", device=mock_Device(name="drive", nwbfile=nwb), nwbfile=nwb)
    for _ in range(4):
        nwb.add_electrode(location="CA3", group=group)
    region = nwb.create_electrode_table_region([0, 1, 2, 3], "tetrode")
    nwb.add_acquisition(TetrodeSeries(name="tetrode_series", data=np.ones((5, 4)), rate=1000.0, electrodes=region,
                                      trode_id=7))
    nwb.add_lab_meta_data(LabMetaDataExt(name="lab_ext", rig="rigA", temperature=21.5))
    cells = CellTable(name="cells", description="cells")
    cells.add_row(cell_type="pyramidal")
    cells.add_row(cell_type="interneuron")
    mod = nwb.create_processing_module("cells", "cells")
    mod.add(cells)
    return nwb, BuildManager(type_map)


_BUILDERS: dict[str, Callable[[], Any]] = {
    "base": _make_base, "ecephys": _make_ecephys, "icephys": _make_icephys, "ophys": _make_ophys,
    "behavior": _make_behavior, "misc": _make_misc, "ogen": _make_ogen, "images": _make_images,
}


def build_nwbfile(name: str, outdir: Path) -> tuple[Any, Any]:
    """A fresh in-memory NWBFile of corpus entry ``name`` and the BuildManager to write it (None: pynwb's)."""
    if name == "extension":
        return _make_extension(outdir)
    return _BUILDERS[name](), None


def write_nwb(name: str, outdir: Path, kind: str) -> Path:
    """Write corpus entry ``name`` with NWBHDF5IO (``kind='nwb'``) or NWBZarrIO 0.14 (``kind='zarr'``)."""
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{name}.{kind}"
    if path.exists():
        return path
    nwb, manager = build_nwbfile(name, outdir)
    extra = {} if manager is None else {"manager": manager}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "nwb":
            from pynwb import NWBHDF5IO

            with NWBHDF5IO(str(path), "w", **extra) as io:
                io.write(nwb)
        else:
            from hdmf_zarr.nwb import NWBZarrIO

            with NWBZarrIO(str(path), mode="w", **extra) as io:
                io.write(nwb)
    return path


def write_hdmf_store(name: str, outdir: Path) -> Path:
    """Write an hdmf-common store with hdmf 6.2 (its bundled hdmf-common / hdmf-experimental) via hdmf-zarr."""
    from hdmf.common import DynamicTable, EnumData, MeaningsTable, SimpleMultiContainer, VectorData, get_manager
    from hdmf_zarr import ZarrIO

    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{name}.zarr"
    if path.exists():
        return path
    elements = VectorData(name="color_elements", description="colors", data=["red", "green", "blue"])
    color = EnumData(name="color", description="a color", data=np.array([0, 2, 1, 0], dtype=np.uint8),
                     elements=elements)
    label = VectorData(name="label", description="labels", data=["a", "b", "a", "c"])
    table = DynamicTable(name="trials", description="enum table", columns=[color, elements, label],
                         colnames=["color", "label"])
    meanings = MeaningsTable(target=label, description="label meanings")
    for value, meaning in (("a", "first"), ("b", "second"), ("c", "third")):
        meanings.add_row(value=value, meaning=meaning)
    table.add_meanings_table(meanings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ZarrIO(str(path), mode="w", manager=get_manager()) as io:
            io.write(SimpleMultiContainer(name="root", containers=[table]))
    return path


def write_all(outdir: Path) -> list[Path]:
    """Every corpus file in ``outdir``."""
    out = []
    for name in NWB_FILES:
        for kind in ("nwb", "zarr"):
            out.append(write_nwb(name, outdir, kind))
    for name in HDMF_STORES:
        out.append(write_hdmf_store(name, outdir))
    return out


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")):
        print(p)

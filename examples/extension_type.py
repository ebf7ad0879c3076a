"""Define an extension type with NamespaceBuilder, load it, get its class with get_class, write and read it.

The extension ``ndx-lab`` adds ``TrialsTable`` (a DynamicTable with predefined columns) and ``LabSession``
(a group holding a description attribute, a sampled ``Recording`` dataset and the trials table).
hdmfzarr generates plain Python classes for them; the store caches the specs, so a reader that never
loaded the extension gets the classes back too.

Run:  python examples/extension_type.py [OUTDIR]   (default: a temporary directory)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

import hdmfzarr
from hdmfzarr.spec import AttributeSpec, DatasetSpec, GroupSpec, NamespaceBuilder, export_spec


def lab_specs() -> list:
    """The extension's new types."""
    trials = GroupSpec(
        doc="One row per trial", data_type_def="TrialsTable", data_type_inc="DynamicTable", default_name="trials",
        datasets=[
            DatasetSpec(doc="trial start (s)", name="start_time", data_type_inc="VectorData", dtype="float64"),
            DatasetSpec(doc="trial outcome", name="outcome", data_type_inc="VectorData", dtype="text"),
        ],
    )
    recording = DatasetSpec(
        doc="A sampled voltage trace", data_type_def="Recording", data_type_inc="Data", dtype="float32",
        shape=[None], dims=["time"],
        attributes=[AttributeSpec("rate", "sampling rate (Hz)", "float64"),
                    AttributeSpec("unit", "unit of the samples", "text", required=False, default_value="volt")],
    )
    session = GroupSpec(
        doc="One lab session", data_type_def="LabSession", data_type_inc="Container",
        attributes=[AttributeSpec("experimenter", "who ran the session", "text")],
        datasets=[DatasetSpec(doc="the recording", data_type_inc="Recording", name="recording")],
        groups=[GroupSpec(doc="the trials", data_type_inc="TrialsTable", name="trials")],
    )
    return [trials, recording, session]


def export_extension(outdir: Path) -> Path:
    """Write ndx-lab's YAML (namespace + types) into ``outdir``; returns the namespace file."""
    ns = NamespaceBuilder(doc="Lab session extension", name="ndx-lab", version="0.1.0", author="A. Lab",
                          contact="lab@example.org")
    ns.include_namespace("hdmf-common")
    return export_spec(ns, lab_specs(), outdir)


def main(outdir: str | None = None) -> int:
    out = Path(outdir or tempfile.mkdtemp(prefix="ndx_lab_"))
    ns_path = export_extension(out)
    hdmfzarr.load_namespaces(ns_path)
    print(f"exported and loaded {ns_path.name}")

    TrialsTable = hdmfzarr.get_class("TrialsTable", "ndx-lab")
    Recording = hdmfzarr.get_class("Recording", "ndx-lab")
    LabSession = hdmfzarr.get_class("LabSession", "ndx-lab")
    print(f"generated classes: {TrialsTable.__name__}, {Recording.__name__}, {LabSession.__name__}")

    trials = TrialsTable(name="trials", description="behaviour trials")
    for k in range(4):
        trials.add_row(start_time=2.0 * k, outcome=("hit", "miss")[k % 2])
    recording = Recording(name="recording", data=np.sin(np.linspace(0, 20, 5000)).astype(np.float32), rate=1000.0)
    session = LabSession(name="session", experimenter="Ada", recording=recording, trials=trials)

    store = out / "session.zarr"
    with hdmfzarr.ZarrIO(store, mode="w") as io:
        io.write(session)
    with hdmfzarr.ZarrIO(store, mode="r") as io:
        back = io.read()
        assert type(back).__name__ == "LabSession" and back.experimenter == "Ada"
        assert back.recording.unit == "volt" and back.recording.rate == 1000.0
        assert list(back.trials["outcome"][:]) == ["hit", "miss", "hit", "miss"]
        assert np.allclose(back.recording.data[:5], recording.data[:5])
        print(f"read back {type(back).__name__} by {back.experimenter}: {len(back.trials)} trials, "
              f"recording of {back.recording.data.shape[0]} samples at {back.recording.rate} Hz")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))

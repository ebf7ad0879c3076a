"""Rows appended in place (mode 'a') to pynwb's icephys tables, whose columns hold references (electrode) and
compounds with references (TimeSeriesReferenceVectorData stimulus/response): the real readers (pynwb + hdmf-zarr
0.14, hdmf-zarr 0.13) read the new rows back with their references resolving to the right objects. hdmf-zarr 0.13's
pickled references take no appended rows (hdmfzarr never writes pickle)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hdmfzarr import ZarrIO

pytestmark = pytest.mark.slow

FIXTURE_013 = Path(__file__).resolve().parent.parent / "fixtures" / "hdmf_zarr_013" / "nwb.zarr"
IRT = "general/intracellular_ephys/intracellular_recordings"

# prints what a peer reads of the icephys table: per row (electrode, stimulus, response, note)
_READ_ICEPHYS = """
import json, sys, warnings
warnings.simplefilter("ignore")
from hdmf_zarr.nwb import NWBZarrIO
with NWBZarrIO(sys.argv[1], mode="r") as io:
    irt = io.read().intracellular_recordings
    cat = irt.category_tables
    def ref(col, i):
        r = col[i]
        return None if r.timeseries is None else [int(r.idx_start), int(r.count), r.timeseries.name]
    print(json.dumps([[cat["electrodes"]["electrode"].data[i].name, ref(cat["stimuli"]["stimulus"], i),
                       ref(cat["responses"]["response"], i), irt["note"].data[i]] for i in range(len(irt))]))
"""


def _append_icephys(path: Path, rounds: list[list[tuple[str, int, str, int]]]) -> None:
    """Each round in its own mode 'a' session: rows (stimulus series, idx_start, response series, count)."""
    for rows in rounds:
        with ZarrIO(path, mode="a") as io:
            root = io.read()
            irt = root.intracellular_recordings
            elec = irt.category_tables["electrodes"]["electrode"].data[0]
            for stim, start, resp, count in rows:
                irt.add_row(note=f"{stim}/{resp}", electrodes={"electrode": elec},
                            stimuli={"stimulus": (start, count, root.stimulus["presentation"][stim])},
                            responses={"response": (start, count, root.acquisition[resp])})


ROUNDS = [[("vc_stim1", 0, "vc_resp1", 30)], [("cc_stim", 5, "cc_resp", 10), ("vc_stim0", 1, "izero", 2)],
          [("vc_stim0", 0, "vc_resp0", 3)] * 3]


def _new(electrode: str) -> list:
    """What a reader finds in the rows of ROUNDS (the electrode of the stored rows: mock names vary)."""
    return [[electrode, [s, n, stim], [s, n, resp], f"{stim}/{resp}"] for rows in ROUNDS for stim, s, resp, n in rows]


def _peer(python: str | Path, path: Path) -> list:
    done = subprocess.run([str(python), "-c", _READ_ICEPHYS, str(path)], capture_output=True, text=True, timeout=300,
                          env={"NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_pynwb_reads_rows_appended_to_icephys_tables(corpus, tmp_path: Path) -> None:
    import sys

    path = tmp_path / "icephys.zarr"
    shutil.copytree(corpus.path("icephys"), path)
    before = _peer(sys.executable, path)
    _append_icephys(path, ROUNDS)
    assert _peer(sys.executable, path) == before + _new(before[0][0])  # hdmf-zarr 0.14 (format 3), through pynwb
    stored = json.loads((path / IRT / "stimuli" / "stimulus" / "zarr.json").read_text())
    assert stored["data_type"]["configuration"]["fields"][2]["data_type"]["configuration"]["length_bytes"] == 2048
    with ZarrIO(path) as io:  # and hdmfzarr, lazily
        irt = io.read().intracellular_recordings
        assert [r.timeseries.name for r in irt.category_tables["responses"]["response"].data[-6:]] == \
            [row[2][2] for row in _new(before[0][0])]


def test_hdmf_zarr_013_reads_rows_appended_to_format2_icephys_tables(corpus, tmp_path: Path,
                                                                     venv013_python: Path) -> None:
    path = tmp_path / "icephys2.zarr"
    with ZarrIO(corpus.path("icephys")) as src, ZarrIO(path, "w", zarr_format=2) as dst:
        dst.write(src.read())
    before = _peer(venv013_python, path)
    _append_icephys(path, ROUNDS)  # 4 rows in chunks of 4: later rounds complete a chunk in place
    assert json.loads((path / IRT / "stimuli" / "stimulus" / ".zarray").read_text())["shape"] == [10, 3]
    assert _peer(venv013_python, path) == before + _new(before[0][0])


def test_rows_appended_to_hdmf_zarr_013_pickled_references_are_refused_with_nothing_written(
        tmp_path: Path, venv013_python: Path) -> None:
    """hdmf-zarr 0.13 pickles its reference cells (electrodes' group): hdmfzarr never writes pickle, so the append is
    refused before any byte changes, and hdmf-zarr 0.13 still reads the store as it was."""
    from hdmfzarr.errors import StoreError

    path = tmp_path / "nwb013.zarr"
    shutil.copytree(FIXTURE_013, path)
    group_doc = path / "general/extracellular_ephys/electrodes/group/.zarray"
    assert json.loads(group_doc.read_text())["filters"][0]["id"] == "pickle"
    before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    with pytest.raises(StoreError, match=r"electrodes/group.*pickled.*never writes pickle.*nothing was written"):
        with ZarrIO(path, mode="a") as io:
            el = io.read().electrodes
            el.add_row(**{c: el[c].data[len(el) - 1] for c in el.colnames})
    assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
    script = """
import sys, warnings
warnings.simplefilter("ignore")
from hdmf_zarr.nwb import NWBZarrIO
with NWBZarrIO(sys.argv[1], mode="r") as io:
    el = io.read().electrodes
    print(len(el), sorted({g.name for g in el["group"].data[:]}))
"""
    done = subprocess.run([str(venv013_python), "-c", script, str(path)], capture_output=True, text=True, timeout=300,
                          env={"NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "4 ['shank0']"


def test_appended_references_wider_than_the_stored_text_fields_rewrite_the_records(corpus, tmp_path: Path) -> None:
    """hdmfzarr writes a compound's reference field as wide as its longest path: a longer one appended rewrites
    the records wider (format 3, under the other chunk keys), and pynwb reads every row."""
    import sys

    path = tmp_path / "ours.zarr"
    with ZarrIO(corpus.path("icephys")) as src, ZarrIO(path, "w") as dst:
        dst.write(src.read())
    doc = path / IRT / "responses" / "response" / "zarr.json"
    width = lambda: json.loads(doc.read_text())["data_type"]["configuration"]["fields"][2]["data_type"]  # noqa: E731
    assert width()["configuration"]["length_bytes"] == 4 * len("/acquisition/vc_resp0")
    before = _peer(sys.executable, path)
    rounds = [[("cc_stim", 1, "izero", 2)], [("vc_stim1", 3, "vc_resp1", 4)]]
    for rows in rounds:  # a response column referring to a stimulus series: a longer path than any stored
        with ZarrIO(path, mode="a") as io:
            root = io.read()
            irt = root.intracellular_recordings
            elec = irt.category_tables["electrodes"]["electrode"].data[0]
            for stim, start, resp, count in rows:
                series = root.stimulus["presentation"][stim]
                irt.add_row(note=resp, electrodes={"electrode": elec}, stimuli={"stimulus": (start, count, series)},
                            responses={"response": (start + 1, count, series)})
    assert width()["configuration"]["length_bytes"] == 4 * len("/stimulus/presentation/vc_stim1")
    assert _peer(sys.executable, path) == before + [
        [before[0][0], [1, 2, "cc_stim"], [2, 2, "cc_stim"], "izero"],
        [before[0][0], [3, 4, "vc_stim1"], [4, 4, "vc_stim1"], "vc_resp1"]]


@pytest.mark.parametrize("fmt", [3, 2])
def test_a_row_referring_to_a_series_added_in_the_same_write(corpus, tmp_path: Path, fmt: int,
                                                             request: pytest.FixtureRequest) -> None:
    """A series added to the tree and an icephys row referring to it, written together (io.write): the row's
    reference is to the new series' place; pynwb (format 3) or hdmf-zarr 0.13 (format 2) reads it."""
    import sys

    import numpy as np

    path = tmp_path / "added.zarr"
    if fmt == 3:
        shutil.copytree(corpus.path("icephys"), path)
        python: str | Path = sys.executable
    else:
        with ZarrIO(corpus.path("icephys")) as src, ZarrIO(path, "w", zarr_format=2) as dst:
            dst.write(src.read())
        python = request.getfixturevalue("venv013_python")
    before = _peer(python, path)
    with ZarrIO(path, mode="a") as io:
        root = io.read()
        irt = root.intracellular_recordings
        old = root.acquisition["vc_resp0"]
        series = io.type_map.get_class("VoltageClampSeries", "core")(
            name="vc_resp_added", data=np.arange(7.0), rate=10.0, electrode=old.electrode, gain=1.0,
            starting_time=0.0, stimulus_description="s")
        root.acquisition__nwb_data_interfaces = [*root.acquisition__nwb_data_interfaces.values(), series]
        irt.add_row(note="added", electrodes={"electrode": irt.category_tables["electrodes"]["electrode"].data[0]},
                    stimuli={"stimulus": (0, 7, root.stimulus["presentation"]["vc_stim0"])},
                    responses={"response": (0, 7, series)})
        io.write(root)
    assert _peer(python, path) == before + [[before[0][0], [0, 7, "vc_stim0"], [0, 7, "vc_resp_added"], "added"]]

"""Issue 12, writing back: ``ZarrIO(src).read()`` then ``ZarrIO(dst, "w").write(root)`` on a store pynwb and
hdmf-zarr 0.14 wrote gives a self-contained copy that pynwb reads equal to the original (every object,
object id and field), in Zarr format 3 (hdmf-zarr 0.14) and 2 (hdmf-zarr 0.14's and 0.13's readers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hdmfzarr import ZarrIO

pytestmark = [pytest.mark.compat, pytest.mark.slow]


def _differences(want: dict, got: dict) -> list[str]:
    out = []
    for path in sorted(set(want) | set(got)):
        if want.get(path) != got.get(path):
            out.append(f"{path}: {json.dumps(want.get(path))[:300]}\n    -> {json.dumps(got.get(path))[:300]}")
    return out


def _write_back(src: Path, dst: Path, **kwargs) -> None:
    with ZarrIO(src) as r:
        root = r.read()
        with ZarrIO(dst, mode="w", **kwargs) as w:
            w.write(root)


def _links_leaving(store: Path) -> list:
    found = []
    for meta in list(store.rglob("zarr.json")) + list(store.rglob(".zattrs")):
        attrs = json.loads(meta.read_text())
        attrs = attrs.get("attributes", {}) if meta.name == "zarr.json" else attrs
        found += [lk for key in ("_LINKS", "zarr_link") for lk in attrs.get(key, []) if lk.get("source") != "."]
    return found


def test_writeback_format3_reads_equal_in_pynwb(nwb_store: Path, pynwb_reads, tmp_path: Path) -> None:
    dst = tmp_path / "copy.zarr"
    _write_back(nwb_store, dst)
    assert _links_leaving(dst) == []  # everything the copy holds is inside it
    want, got = pynwb_reads(nwb_store), pynwb_reads(dst)
    assert "/units/spike_times" in want and "/epochs/timeseries" in want  # the file holds what we test
    assert _differences(want, got) == []
    with ZarrIO(dst) as io:  # and our own reader accepts the copy
        assert io.read().name == "root"
    meta = json.loads((dst / "zarr.json").read_text())["attributes"]
    assert meta["neurodata_type"] == "NWBFile" and "data_type" not in meta
    region = json.loads((dst / "acquisition/ElectricalSeries/electrodes/zarr.json").read_text())
    assert region["attributes"]["neurodata_type"] == "DynamicTableRegion"  # hdmf-common types too, as pynwb
    assert region["data_type"] == "int64"  # as stored, not the spec's int32
    linked = json.loads((dst / "acquisition/ts_linked/zarr.json").read_text())["attributes"]["_LINKS"]
    assert linked == [{"source": ".", "path": "/acquisition/ts1/timestamps", "name": "timestamps"}]

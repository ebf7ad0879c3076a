"""Issue 12: ``hdmfzarr validate`` agrees with pynwb's validator on the corpus — valid files are valid
for both (NWBZarrIO stores, NWBHDF5IO files, their `hdmfzarr convert` copies), and a defect put into a
copy is reported by both, at the same object."""

from __future__ import annotations

import shutil
import warnings

import pytest

pytest.importorskip("pynwb")
pytest.importorskip("hdmf_zarr")

pytestmark = pytest.mark.slow  # pynwb's validator and ours on every corpus file

NWB = ("base", "ecephys", "icephys", "ophys", "behavior", "misc", "ogen", "images", "extension")


def _pynwb_errors(path) -> list[str]:
    import pynwb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if str(path).endswith(".nwb"):
            errors = pynwb.validate(path=str(path))
        else:
            from hdmf_zarr.nwb import NWBZarrIO

            with NWBZarrIO(str(path), mode="r") as io:
                errors = pynwb.validate(io=io)
    return [str(e) for e in errors]


def _ours(path) -> list[str]:
    import hdmfzarr

    return [str(i) for i in hdmfzarr.validate(str(path))]


@pytest.mark.parametrize("kind", ["zarr", "nwb"])
@pytest.mark.parametrize("name", NWB)
def test_validate_agrees_with_pynwb_on_the_corpus(corpus, name, kind):
    path = corpus.path(name, kind)
    theirs, ours = _pynwb_errors(path), _ours(path)
    assert theirs == [] and ours == [], f"{path}: pynwb {theirs}, hdmfzarr {ours}"


@pytest.mark.parametrize("name", ["base", "icephys", "ophys"])
def test_validate_agrees_with_pynwb_on_converted_copies(corpus, name, tmp_path):
    from hdmfzarr.cli import convert

    dst = tmp_path / f"{name}.zarr"
    convert(str(corpus.path(name, "nwb")), str(dst))
    assert _pynwb_errors(dst) == [] and _ours(dst) == []


def test_validate_agrees_with_pynwb_on_a_defect(corpus, tmp_path):
    import zarr

    copy = tmp_path / "behavior.zarr"
    shutil.copytree(corpus.path("behavior", "zarr"), copy)
    group = zarr.open_group(str(copy), mode="r+")
    group["processing/behavior/PupilTracking/pupil"].attrs["description"] = 5  # text by the spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zarr.consolidate_metadata(str(copy))
    theirs, ours = _pynwb_errors(copy), _ours(copy)
    assert len(theirs) == 1 and "pupil.description" in theirs[0] and "text" in theirs[0], theirs
    assert len(ours) == 1, ours
    assert ours[0].startswith("/processing/behavior/PupilTracking/pupil:") and "'description'" in ours[0]
    assert "expected text" in ours[0]

"""The committed hdmf-zarr 0.13 fixture stores are present, small, Zarr format 2, and agree with EXPECTED.json.

Only JSON metadata is read here (no zarr), so this checks the fixtures themselves, not any reader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hdmf_zarr_013"
EXPECTED = json.loads((FIXTURES / "EXPECTED.json").read_text())
PARTS = ("common", "nwb")


def _attrs(store: Path, path: str) -> dict:
    return json.loads((store / path.strip("/") / ".zattrs").read_text())


def test_compat_fixtures_written_by_hdmf_zarr_013() -> None:
    assert EXPECTED["writer"]["hdmf_zarr"] == "0.13.0"
    assert EXPECTED["writer"]["zarr"].startswith("2.")


@pytest.mark.parametrize("part", PARTS)
def test_compat_fixture_store_is_small_zarr2(part: str) -> None:
    store = FIXTURES / EXPECTED[part]["store"]
    files = [p for p in store.rglob("*") if p.is_file()]
    assert 0 < len(files) <= 250, f"{store.name}: {len(files)} files"
    assert sum(p.stat().st_size for p in files) <= 600_000
    assert json.loads((store / ".zgroup").read_text()) == {"zarr_format": 2}
    assert json.loads((store / ".zmetadata").read_text())["zarr_consolidated_format"] == 1
    root = _attrs(store, "/")
    assert root[".specloc"] == "specifications"
    assert root["object_id"] == EXPECTED[part]["root"]["object_id"]
    assert root["namespace"] == EXPECTED[part]["root"]["namespace"]


@pytest.mark.parametrize("part", PARTS)
def test_compat_fixture_tables_match_expected(part: str) -> None:
    store = FIXTURES / EXPECTED[part]["store"]
    for path, table in EXPECTED[part]["tables"].items():
        attrs = _attrs(store, path)
        type_key = "data_type" if "data_type" in table else "neurodata_type"
        assert attrs[type_key] == table[type_key], path
        if "colnames" in table:
            assert attrs["colnames"] == table["colnames"], path
        shape = json.loads((store / path.strip("/") / "id" / ".zarray").read_text())["shape"]
        assert shape == [len(table["id"])], path
        for column, values in table["columns"].items():
            assert (store / path.strip("/") / column / ".zarray").is_file(), f"{path}/{column}"
            if not isinstance(values[0], list):
                zarray = json.loads((store / path.strip("/") / column / ".zarray").read_text())
                assert zarray["shape"] == [len(values)], f"{path}/{column}"
        for column, depth in table.get("ragged", {}).items():
            index = column + "_index" * depth
            assert (store / path.strip("/") / index / ".zarray").is_file(), f"{path}/{index}"


@pytest.mark.parametrize("part", PARTS)
def test_compat_fixture_references_match_expected(part: str) -> None:
    store = FIXTURES / EXPECTED[part]["store"]
    root_id = EXPECTED[part]["root"]["object_id"]
    assert EXPECTED[part]["references"]
    for key, want in EXPECTED[part]["references"].items():
        if isinstance(want, list):  # pickled object-reference dataset: check its metadata only
            zarray = json.loads((store / key.strip("/") / ".zarray").read_text())
            assert zarray["dtype"] == "|O" and zarray["filters"] == [{"id": "pickle", "protocol": 5}], key
            assert zarray["shape"] == [len(want)], key
            assert _attrs(store, key)["zarr_dtype"] == "object", key
            continue
        obj, attr = key.rsplit(".", 1)
        ref = _attrs(store, obj)[attr]
        assert ref["zarr_dtype"] == "object", key
        assert {"path": ref["value"]["path"], "object_id": ref["value"]["object_id"]} == want, key
        assert ref["value"]["source"] == "." and ref["value"]["source_object_id"] == root_id, key
        target = store / want["path"].strip("/")
        assert (target / ".zgroup").is_file() or (target / ".zarray").is_file(), f"{key}: target missing"
        if want["object_id"] is not None:
            assert _attrs(store, want["path"])["object_id"] == want["object_id"], key


def test_compat_fixture_nwb_link_and_object_ids() -> None:
    store = FIXTURES / "nwb.zarr"
    for path, links in EXPECTED["nwb"]["links"].items():
        got = {entry["name"]: entry["path"] for entry in _attrs(store, path)["zarr_link"]}
        assert got == links, path
    for path, object_id in EXPECTED["nwb"]["object_ids"].items():
        assert _attrs(store, path)["object_id"] == object_id, path

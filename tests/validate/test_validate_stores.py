"""Validation of Zarr stores: good stores (ours and hdmf-zarr's) are clean; raw-zarr corruptions
give the exact issue; stores without cached specs are refused."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.errors import SpecError, StoreError, StoreNotFoundError
from hdmfzarr.spec import default_namespace_path
from hdmfzarr.validate import validate

_spec = importlib.util.spec_from_file_location("validate_helpers", Path(__file__).with_name("validate_helpers.py"))
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict[int, Path]:
    out = tmp_path_factory.mktemp("stores")
    stores = {}
    for fmt in (2, 3):
        path = out / f"good{fmt}.zarr"
        with ZarrIO(path, mode="w", zarr_format=fmt) as io:
            io.write(helpers.hdmfzarr_tables())
        stores[fmt] = path
    return stores


@pytest.fixture
def store(pristine, tmp_path) -> Path:
    path = tmp_path / "store.zarr"
    shutil.copytree(pristine[3], path)
    return path


def _strs(path: Path, **kw) -> list[str]:
    return [str(i) for i in validate(str(path), **kw)]


def _group(path: Path) -> zarr.Group:
    return zarr.open_group(str(path), mode="r+", use_consolidated=False)


def _replace_array(path: Path, where: str, data: np.ndarray, dtype_attr: str | None = None) -> None:
    """Rewrite one array with new data, keeping its attributes (then refresh consolidated metadata)."""
    root = _group(path)
    parent_path, name = where.rsplit("/", 1)
    parent = root[parent_path] if parent_path else root
    attrs = dict(parent[name].attrs)
    if dtype_attr is not None:
        attrs["_DTYPE"] = dtype_attr
    del parent[name]
    arr = parent.create_array(name, shape=data.shape, dtype=data.dtype)
    arr[...] = data
    arr.attrs.update(attrs)
    zarr.consolidate_metadata(str(path))


def _set_values(path: Path, where: str, values: list[int]) -> None:
    _group(path)[where][...] = np.asarray(values)
    zarr.consolidate_metadata(str(path))


def test_good_stores_both_formats_are_clean(pristine):
    assert _strs(pristine[3]) == []
    assert _strs(pristine[2]) == []


def test_validate_open_zarrio_and_namespace_choices(pristine):
    with ZarrIO(pristine[3], mode="r") as io:
        assert validate(io) == []
    assert _strs(pristine[3], namespace="hdmf-common") == []
    assert _strs(pristine[3], namespace=str(default_namespace_path())) == []
    with pytest.raises(SpecError, match="'nope'"):
        validate(str(pristine[3]), namespace="nope")


def test_missing_attribute(store):
    g = _group(store)
    attrs = dict(g["people"].attrs)
    del attrs["description"]
    g["people"].attrs.clear()
    g["people"].attrs.update(attrs)
    zarr.consolidate_metadata(str(store))
    assert _strs(store) == ["/people: attribute 'description': expected required text, found nothing"]


def test_missing_dataset(store):
    del _group(store)["pets/id"]
    zarr.consolidate_metadata(str(store))
    assert _strs(store) == ["/pets/id: dataset: expected required dataset of type ElementIdentifiers, found nothing"]


def test_float_column_where_int_required(store):
    _replace_array(store, "people/id", np.array([0.0, 1.0, 2.0], dtype=np.float32), "float32")
    assert _strs(store) == ["/people/id: dtype: expected int32 or wider integer, found float32"]


def test_wider_int_is_fine(store):
    _replace_array(store, "people/id", np.arange(3, dtype=np.int64))
    _replace_array(store, "people/tags_index", np.array([2, 3, 3], dtype=np.uint64), "uint64")
    assert _strs(store) == []


def test_text_where_number_expected(store):
    _replace_array(store, "people/id", np.array(["a", "b", "c"]), "str")
    assert _strs(store) == ["/people/id: dtype: expected int32 or wider integer, found text"]


def test_shape(store):
    _replace_array(store, "people/id", np.zeros((3, 2), dtype=np.int64))
    assert _strs(store) == ["/people/id: shape: expected [any] (num_rows), found [3, 2]"]


def test_column_length(store):
    _replace_array(store, "people/age", np.array([1, 2, 3, 4]))
    assert _strs(store) == ["/people/age: rows: expected 3 (the length of id), found 4"]


def test_index_not_monotonic(store):
    _set_values(store, "people/tags_index", [2, 1, 3])
    assert _strs(store) == [
        "/people/tags_index: monotonic: expected non-decreasing values, found 1 at element 1 after 2"]


def test_index_last_value(store):
    _set_values(store, "people/tags_index", [2, 3, 4])
    assert _strs(store) == ["/people/tags_index: last value: expected 3 (the length of /people/tags), found 4"]


def test_region_out_of_range(store):
    _set_values(store, "pets/owner", [0, 3])
    assert _strs(store) == [
        "/pets/owner: region: expected row indices in 0..2 (rows of /people), found 3 at element 1"]


def test_reference_target_type(store):
    g = _group(store)
    g["people/tags_index"].attrs["target"] = {"_REFERENCE": {"source": ".", "path": "/pets"}}
    zarr.consolidate_metadata(str(store))
    issues = _strs(store)
    assert issues[0] == ("/people/tags_index: attribute 'target' target: expected VectorData or a subtype, "
                         "found DynamicTable at /pets")


def test_format2_store_corruption(pristine, tmp_path):
    path = tmp_path / "v2.zarr"
    shutil.copytree(pristine[2], path)
    g = zarr.open_group(str(path), mode="r+", zarr_format=2, use_consolidated=False)
    g["pets/owner"][...] = np.array([0, 9])
    zarr.consolidate_metadata(str(path), zarr_format=2)
    assert _strs(path) == [
        "/pets/owner: region: expected row indices in 0..2 (rows of /people), found 9 at element 1"]


def test_store_without_cached_specs(store):
    g = _group(store)
    del g["specifications"]
    attrs = {k: v for k, v in g.attrs.items() if k != ".specloc"}
    g.attrs.clear()
    g.attrs.update(attrs)
    zarr.consolidate_metadata(str(store))
    with pytest.raises(StoreError, match="no cached specifications"):
        validate(str(store))
    # other specs can be named instead
    assert _strs(store, namespace=str(default_namespace_path())) == []


def test_missing_store(tmp_path):
    with pytest.raises(StoreNotFoundError):
        validate(str(tmp_path / "nothing.zarr"))


# ----------------------------------------------------------------------------- real peer stores
@pytest.fixture(scope="module")
def peer_stores(tmp_path_factory):
    pytest.importorskip("hdmf_zarr")
    out = tmp_path_factory.mktemp("peers")
    return helpers.write_hdmf_zarr(out / "common.zarr"), helpers.write_nwb_zarr(out / "nwb.zarr")


def test_hdmf_zarr_stores_validate_clean(peer_stores):
    for path in peer_stores:
        assert _strs(path) == []


def test_corrupted_nwb_store(peer_stores, tmp_path):
    path = tmp_path / "nwb.zarr"
    shutil.copytree(peer_stores[1], path)
    g = _group(path)
    g["acquisition/es/electrodes"][...] = np.array([0, 1, 3])
    meta = json.loads((path / "general/extracellular_ephys/shank0/zarr.json").read_text())
    meta["attributes"]["_LINKS"][0]["path"] = "/acquisition/ts"
    (path / "general/extracellular_ephys/shank0/zarr.json").write_text(json.dumps(meta))
    zarr.consolidate_metadata(str(path))
    assert _strs(path) == [
        "/general/extracellular_ephys/shank0/device: link target: expected Device or a subtype, "
        "found TimeSeries at /acquisition/ts",
        "/acquisition/es/electrodes: region: expected row indices in 0..2 "
        "(rows of /general/extracellular_ephys/electrodes), found 3 at element 2",
    ]


def test_reads_only_the_arrays_rules_need_once(pristine, monkeypatch):
    from collections import Counter

    from hdmfzarr.backends.zarr.lazy import LazyArray

    reads: Counter[str] = Counter()
    original = LazyArray.__getitem__

    def recording(self, key):
        reads[self.path or self.where] += 1
        return original(self, key)

    monkeypatch.setattr(LazyArray, "__getitem__", recording)
    assert _strs(pristine[3]) == []
    assert dict(reads) == {"/people/tags_index": 1, "/people/nested_index": 1,
                           "/people/nested_index_index": 1, "/pets/owner": 1}

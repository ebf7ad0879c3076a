"""The h5py reader: hdmf/pynwb HDF5 files as builder trees, cached specs, and clean validation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import h5py
import numpy as np
import pytest

from hdmfzarr.backends.hdf5 import H5Array, HDF5Reader, is_hdf5_path
from hdmfzarr.build.builders import ExternalTarget, LinkBuilder, ReferenceBuilder
from hdmfzarr.errors import CorruptStoreError, StoreError, StoreNotFoundError
from hdmfzarr.validate import catalog_from_cache, validate

_spec = importlib.util.spec_from_file_location("validate_helpers", Path(__file__).with_name("validate_helpers.py"))
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)


@pytest.fixture(scope="module")
def h5files(tmp_path_factory):
    out = tmp_path_factory.mktemp("h5")
    return peers.write_hdmf_h5(out / "common.h5"), peers.write_nwb_h5(out / "file.nwb")


def test_hdmf_file_as_builders(h5files):
    with HDF5Reader(h5files[0]) as reader:
        root = reader.read_builder()
        assert root.attributes["data_type"] == "SimpleMultiContainer"
        age = root["people/age"]
        assert isinstance(age.data, H5Array) and age.data.shape == (2,) and age.dtype == "int64"
        assert list(age.data[:]) == [3, 5]
        tags = root["people/tags"]
        assert tags.dtype == "text" and list(np.asarray(tags.data)) == ["a", "b", "c"]
        target = root["people/tags_index"].attributes["target"]
        assert isinstance(target, ReferenceBuilder) and target.target is tags
        assert root["pets/owner"].attributes["table"].target is root["people"]
        assert list(root["csr_matrix"].attributes["shape"]) == [3, 3]
        assert "specifications" not in root and ".specloc" not in root.attributes


def test_nwb_file_links_refs_and_specs(h5files):
    with HDF5Reader(h5files[1]) as reader:
        root = reader.read_builder()
        link = root["acquisition/ts2"].links["timestamps"]
        assert isinstance(link, LinkBuilder) and link.target is root["acquisition/ts/timestamps"]
        device = root["general/extracellular_ephys/shank0"].links["device"]
        assert device.target is root["general/devices/probe"]
        group_col = root["general/extracellular_ephys/electrodes/group"]
        assert group_col.dtype == "object"
        assert all(r.target is root["general/extracellular_ephys/shank0"] for r in group_col.data)
        assert root["session_start_time"].data.startswith("2024-01-01T00:00:00")
        cache = reader.spec_cache()
        assert {"core", "hdmf-common", "hdmf-experimental"} <= set(cache)
        catalog = catalog_from_cache(cache)
        assert "ElectricalSeries" in catalog.get_hierarchy("core", "ElectricalSeries")
        assert "DynamicTable" in catalog.get_hierarchy("core", "Units")


def test_peer_hdf5_files_validate_clean(h5files):
    for path in h5files:
        assert validate(str(path)) == []


def test_broken_hdf5_file_is_reported(h5files, tmp_path):
    bad = tmp_path / "bad.nwb"
    bad.write_bytes(Path(h5files[1]).read_bytes())
    with h5py.File(bad, "a") as f:
        del f["units/id"]
        f["intervals/trials"].attrs["description"] = 5
    assert [str(i) for i in validate(str(bad))] == [
        "/intervals/trials: attribute 'description' dtype: expected text, found int64",
        "/units/id: dataset: expected required dataset of type ElementIdentifiers, found nothing",
    ]


def test_external_link_and_compound_refs(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    path = tmp_path / "mixed.h5"
    with h5py.File(path, "w") as f:
        f.attrs["namespace"] = "hdmf-common"
        f.attrs["data_type"] = "Container"
        f["target"] = np.arange(2)
        f["ext"] = h5py.ExternalLink("other.h5", "/x")
        dt = np.dtype([("idx", np.int32), ("ref", h5py.ref_dtype), ("label", h5py.string_dtype())])
        f.create_dataset("records", data=np.array([(1, f["target"].ref, "one")], dtype=dt))
        f.create_dataset("scalar_ref", data=f["target"].ref, dtype=h5py.ref_dtype)
    with HDF5Reader(path) as reader:
        root = reader.read_builder()
        ext = root.links["ext"]
        assert ext.target == ExternalTarget(source="other.h5", path="/x")
        rec = root["records"]
        assert [f.dtype for f in rec.dtype] == ["int32", "object", "text"]
        assert rec.data[0][0] == 1 and rec.data[0][1].target is root["target"] and rec.data[0][2] == "one"
        assert root["scalar_ref"].data.target is root["target"]


def test_bad_inputs(tmp_path):
    with pytest.raises(StoreNotFoundError, match="missing.h5"):
        HDF5Reader(tmp_path / "missing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(CorruptStoreError, match="junk.h5"):
        HDF5Reader(junk)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = np.arange(3)
    with HDF5Reader(plain) as reader, pytest.raises(StoreError, match="not an HDMF file"):
        reader.read_builder()
    assert is_hdf5_path(plain) and not is_hdf5_path(junk) and is_hdf5_path("remote.nwb")


def test_dangling_soft_link(tmp_path):
    path = tmp_path / "dangling.h5"
    with h5py.File(path, "w") as f:
        f.attrs["namespace"] = "hdmf-common"
        f.attrs["data_type"] = "Container"
        f["broken"] = h5py.SoftLink("/nowhere")
    with HDF5Reader(path) as reader, pytest.raises(StoreError, match="/broken"):
        reader.read_builder()


def test_soft_link_to_soft_link(tmp_path):
    """h5py follows a soft link to another soft link (named so that it is read first): the link points at the
    data, as does a reference stored as the linked path; a cycle of links points at nothing."""
    path = tmp_path / "chain.h5"
    with h5py.File(path, "w") as f:
        f.attrs["namespace"] = "hdmf-common"
        f.attrs["data_type"] = "Container"
        f["data"] = np.arange(3)
        f["a_link"] = h5py.SoftLink("/b_link")
        f["b_link"] = h5py.SoftLink("/data")
        f["data"].attrs["self"] = f["b_link"].ref
        np.testing.assert_array_equal(f["a_link"][()], [0, 1, 2])
    with HDF5Reader(path) as reader:
        root = reader.read_builder()
        assert root["a_link"].target is root["data"] and root["b_link"].target is root["data"]
        assert root["data"].attributes["self"].target is root["data"]
    with h5py.File(path, "a") as f:
        f["x_link"] = h5py.SoftLink("/y_link")
        f["y_link"] = h5py.SoftLink("/x_link")
    with HDF5Reader(path) as reader, pytest.raises(StoreError, match="/x_link"):
        reader.read_builder()


def test_nwb_compound_reference_column(h5files):
    with HDF5Reader(h5files[1]) as reader:
        root = reader.read_builder()
        column = root["intervals/trials/timeseries"]
        assert [f.dtype for f in column.dtype] == ["int32", "int32", "object"]
        assert [row[:2] for row in column.data] == [(0, 10), (10, 0)]
        assert all(row[2].target is root["acquisition/ts"] for row in column.data)
        column.data[1] = (10, 0, ReferenceBuilder(root["general/devices/probe"]))
        catalog = catalog_from_cache(reader.spec_cache())
        from hdmfzarr.validate import validate_builder

        assert [str(i) for i in validate_builder(root, catalog)] == [
            "/intervals/trials/timeseries: compound field 'timeseries' target (element 1): "
            "expected TimeSeries or a subtype, found Device at /general/devices/probe"]


def test_remote_hdf5_url_is_refused_clearly():
    with pytest.raises(StoreError, match="local paths only"):
        validate("s3://bucket/file.nwb")

"""hdmf-zarr 0.13 (Zarr format 2) stores: the real fixtures (pickled references) and the restricted unpickler."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numcodecs
import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.backends.zarr.legacy import safe_unpickle
from hdmfzarr.build.builders import CompoundField, ReferenceBuilder
from hdmfzarr.errors import UnsafeReferenceError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hdmf_zarr_013"
needs_fixtures = pytest.mark.skipif(not (FIXTURES / "EXPECTED.json").exists(), reason="0.13 fixtures not generated")


def expected() -> dict:
    return json.loads((FIXTURES / "EXPECTED.json").read_text())


@needs_fixtures
def test_fixture_common_tables_and_references() -> None:
    exp = expected()["common"]
    with ZarrIO(FIXTURES / "common.zarr") as io:
        root = io.read_builder()
        for path, table in exp["tables"].items():
            tb = root[path]
            assert list(tb["id"].data[:]) == table["id"]
            for col, values in table["columns"].items():
                if col in table.get("ragged", {}):
                    continue
                assert tb[col].data[:].tolist() == values, (path, col)
        for where, ref in exp["references"].items():
            obj_path, _, attr = where.rpartition(".")
            value = root[obj_path].attributes[attr]
            assert isinstance(value, ReferenceBuilder)
            assert value.target is root[ref["path"]]
        for path, csr in exp["csr"].items():
            assert root[path]["data"].data[:].tolist() == csr["data"]
            assert root[path]["indptr"].data[:].tolist() == csr["indptr"]
        assert "hdmf-common" in io.spec_cache()


@needs_fixtures
def test_fixture_common_containers() -> None:
    exp = expected()["common"]["tables"]["/people"]
    with ZarrIO(FIXTURES / "common.zarr") as io:
        root = io.read()
        people = next(c for c in root.children if c.name == "people")
        df = people.to_dataframe()
        assert df.index.tolist() == exp["id"]
        assert df["age"].tolist() == exp["columns"]["age"]
        assert [list(t) for t in df["tags"]] == exp["columns"]["tags"]
        assert [[list(x) for x in s] for s in df["scores"]] == exp["columns"]["scores"]


@needs_fixtures
def test_fixture_nwb_pickled_references() -> None:
    exp = expected()["nwb"]
    with ZarrIO(FIXTURES / "nwb.zarr") as io:
        root = io.read_builder()
        assert root.attributes["neurodata_type"] == "NWBFile"
        # electrodes/group is a pickled ZarrReference array in 0.13: decoded without pickle's globals
        raw_meta = json.loads((FIXTURES / "nwb.zarr/general/extracellular_ephys/electrodes/group/.zarray").read_text())
        assert any(f["id"] == "pickle" for f in raw_meta["filters"])
        groups = root["general/extracellular_ephys/electrodes/group"].data[:]
        want = exp["references"]["/general/extracellular_ephys/electrodes/group"]
        assert [g.target.path for g in groups] == [w["path"] for w in want]
        assert all(g.target is root[w["path"]] for g, w in zip(groups, want))
        for where, ref in exp["references"].items():
            if "." in where.rsplit("/", 1)[-1]:
                obj_path, _, attr = where.rpartition(".")
                assert root[obj_path].attributes[attr].target is root[ref["path"]]
        for group_path, links in exp["links"].items():
            for name, target in links.items():
                assert root[group_path].links[name].target is root[target]
        assert root["session_start_time"].data == exp["session_start_time"]
        for path, ts in exp["timeseries"].items():
            assert root[path]["data"].data[:].tolist() == ts["data"]
        assert root["identifier"].data == exp["identifier"]


@needs_fixtures
def test_fixture_nwb_containers() -> None:
    exp = expected()["nwb"]["tables"]["/units"]
    with ZarrIO(FIXTURES / "nwb.zarr") as io:
        nwb = io.read()
        units = next(c for c in nwb.children if c.name == "units")
        df = units.to_dataframe()
        assert [list(x) for x in df["spike_times"]] == exp["columns"]["spike_times"]


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_code() -> None:
    with pytest.raises(UnsafeReferenceError, match="posix.system|os.system|refusing"):
        safe_unpickle(pickle.dumps(_Evil()), "store:/x")


def test_restricted_unpickler_admits_references_and_records() -> None:
    from hdmf_zarr.utils import ZarrReference

    refs = np.empty(2, dtype=object)
    refs[0] = ZarrReference(source=".", path="/a")
    refs[1] = ZarrReference(source=".", path="/b")
    out = safe_unpickle(numcodecs.Pickle(protocol=5).encode(refs), "w")
    assert [type(r) for r in out] == [dict, dict] and out[1]["path"] == "/b"
    rec = np.array([(1, "x", ZarrReference(source=".", path="/a"))],
                   dtype=[("i", "<i4"), ("s", "O"), ("r", "O")])
    back = safe_unpickle(numcodecs.Pickle(protocol=5).encode(rec), "w")
    assert back[0]["i"] == 1 and back[0]["r"]["path"] == "/a"


def test_pickled_compound_with_reference_read(tmp_path: Path) -> None:
    """A 0.13-style pickled compound (TimeSeriesReferenceVectorData) written by hand as raw keys."""
    from hdmf_zarr.utils import ZarrReference

    store = tmp_path / "legacy.zarr"
    store.mkdir()
    (store / ".zgroup").write_text('{"zarr_format": 2}')
    (store / "ts").mkdir()
    (store / "ts/.zgroup").write_text('{"zarr_format": 2}')
    (store / "comp").mkdir()
    dtype = [["idx_start", "<i4"], ["count", "<i4"], ["timeseries", "|O"]]
    (store / "comp/.zarray").write_text(json.dumps({
        "chunks": [2], "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0},
        "dtype": dtype, "fill_value": None, "filters": [{"id": "pickle", "protocol": 5}], "order": "C",
        "shape": [3], "zarr_format": 2,
    }))
    (store / "comp/.zattrs").write_text(json.dumps({"zarr_dtype": [
        {"name": "idx_start", "dtype": "int32"}, {"name": "count", "dtype": "int32"},
        {"name": "timeseries", "dtype": "object"}]}))
    np_dtype = np.dtype([("idx_start", "<i4"), ("count", "<i4"), ("timeseries", "O")])
    rows = np.array([(0, 5, ZarrReference(source=".", path="/ts")), (5, 5, ZarrReference(source=".", path="/ts")),
                     (10, 1, ZarrReference(source=".", path="/ts")), (0, 0, None)], dtype=np_dtype)
    blosc = numcodecs.get_codec({"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1})
    pick = numcodecs.Pickle(protocol=5)
    (store / "comp/0").write_bytes(blosc.encode(pick.encode(rows[:2])))
    (store / "comp/1").write_bytes(blosc.encode(pick.encode(rows[2:])))
    # and a reference attribute pointing AT the pickled compound (hdmf-zarr 0.14 fails here)
    (store / ".zattrs").write_text(json.dumps({"target": {"zarr_dtype": "object", "value": {
        "source": ".", "path": "/comp", "object_id": None, "source_object_id": None}}}))
    with ZarrIO(store) as io:
        root = io.read_builder()
        comp = root["comp"]
        assert comp.dtype == [CompoundField("idx_start", "int32"), CompoundField("count", "int32"),
                              CompoundField("timeseries", "object")]
        data = comp.data[:]
        assert data["idx_start"].tolist() == [0, 5, 10]
        assert all(r.target is root["ts"] for r in data["timeseries"])
        assert root.attributes["target"].target is comp


def test_pickled_array_with_forbidden_class_fails_cleanly(tmp_path: Path) -> None:
    store = tmp_path / "evil.zarr"
    (store / "refs").mkdir(parents=True)
    (store / ".zgroup").write_text('{"zarr_format": 2}')
    (store / "refs/.zarray").write_text(json.dumps({
        "chunks": [1], "compressor": None, "dtype": "|O", "fill_value": None,
        "filters": [{"id": "pickle", "protocol": 5}], "order": "C", "shape": [1], "zarr_format": 2}))
    (store / "refs/.zattrs").write_text(json.dumps({"zarr_dtype": "object"}))
    evil = np.empty(1, dtype=object)
    evil[0] = _Evil()
    (store / "refs/0").write_bytes(pickle.dumps(evil, protocol=5))
    with ZarrIO(store) as io:
        root = io.read_builder()  # metadata only: nothing decoded yet
        with pytest.raises(UnsafeReferenceError, match="refs"):
            root["refs"].data[:]


def _as_013_reads(value: object, dtype: object) -> object:
    """A value hdmfzarr read, spelled as make_scalar_fixtures.py records what 0.13 reads back."""
    if isinstance(value, ReferenceBuilder):
        return {"ref": value.target.path}
    if isinstance(value, np.void):
        fields = dtype if isinstance(dtype, list) else [None] * len(value)
        return [_as_013_reads(v, getattr(f, "dtype", None)) for v, f in zip(value.tolist(), fields)]
    if isinstance(value, np.ndarray):
        return [_as_013_reads(v, dtype) for v in value]
    if isinstance(value, str) and dtype == "ascii":
        return {"bytes": value}  # 0.13 reads ascii as bytes; hdmfzarr gives text as str throughout
    return value.item() if isinstance(value, np.generic) else value


SCALAR_STORES = ("scalars.zarr", "scalars_json.zarr")


@pytest.mark.skipif(not (FIXTURES / "EXPECTED_SCALARS.json").exists(), reason="0.13 scalar fixtures not generated")
@pytest.mark.parametrize("store", SCALAR_STORES)
def test_fixture_scalars_read_as_hdmf_zarr_013_reads_them(store: str) -> None:
    """Scalars and one-record compounds 0.13 wrote (pickle or JSON object codec) read as 0.13 reads them back:
    its shape-[1] scalars as scalars, references resolved once, text fields as str."""
    want = json.loads((FIXTURES / "EXPECTED_SCALARS.json").read_text())
    assert want["writer"]["hdmf_zarr"] == "0.13.0"
    with ZarrIO(FIXTURES / store) as io:
        root = io.read_builder()
        assert sorted(root.datasets) == sorted(want[store])
        for name, exp in want[store].items():
            ds = root[name]
            data = ds.data if exp["scalar"] else ds.data[:]
            assert not isinstance(data, np.ndarray) if exp["scalar"] else data.shape == (1,), name
            got = _as_013_reads(data, ds.dtype)
            assert (got if not exp["scalar"] else [got]) == exp["values"], name
            texts = [v for v in ([data] if exp["scalar"] else data.reshape(-1)[0].tolist()
                                 if data.dtype.names else list(data)) if isinstance(v, str)]
            assert all(type(v) is str for v in texts), name
        assert root["ref"].data[0].target is root["target"]
        if "pair_ref" in want[store]:
            assert root["pair_ref"].data[0]["target"].target is root["target"]


def test_legacy_shape_one_scalar_record_converted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A format-2 scalar (shape [1], zarr_dtype 'scalar') in a pickled object array: its record is decoded and
    converted once, by the lazy array (the scalar loader adds no second pass)."""
    from hdmfzarr.backends.zarr import reader

    store = tmp_path / "scalar.zarr"
    (store / "rec").mkdir(parents=True)
    (store / ".zgroup").write_text('{"zarr_format": 2}')
    (store / "rec/.zarray").write_text(json.dumps({
        "chunks": [1], "compressor": None, "dtype": [["label", "|O"], ["n", "<i4"]], "fill_value": None,
        "filters": [{"id": "pickle", "protocol": 5}], "order": "C", "shape": [1], "zarr_format": 2}))
    (store / "rec/.zattrs").write_text(json.dumps({"zarr_dtype": "scalar"}))
    rows = np.array([(b"caf\xc3\xa9", 4)], dtype=[("label", "O"), ("n", "<i4")])
    (store / "rec/0").write_bytes(numcodecs.Pickle(protocol=5).encode(rows))
    calls = []
    real = reader._text_converter
    monkeypatch.setattr(reader, "_text_converter", lambda values: calls.append(values.shape) or real(values))
    with ZarrIO(store) as io:
        rec = io.read_builder()["rec"].data
    assert rec.tolist() == ("café", 4) and type(rec.tolist()[0]) is str
    assert len(calls) == 1, calls

"""The ``hdmfzarr`` command line, run in-process (``main([...])``) and once as a subprocess."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

from hdmfzarr import cli
from hdmfzarr.backends.zarr import export as copying
from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.backends.zarr.lazy import LazyArray
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.cli import main, parse_storage_options
from hdmfzarr.common.testing import assert_container_equal
from hdmfzarr.errors import HdmfZarrError

_helpers_path = Path(__file__).parent.parent / "validate" / "validate_helpers.py"
_spec = importlib.util.spec_from_file_location("validate_helpers", _helpers_path)
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "good.zarr"
    with ZarrIO(path, mode="w") as io:
        io.write(helpers.hdmfzarr_tables())
    return path


@pytest.fixture(scope="module")
def h5files(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_h5")
    return helpers.write_hdmf_h5(out / "common.h5"), helpers.write_nwb_h5(out / "file.nwb")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- tree
def test_tree_lists_types_shapes_dtypes_chunks_sizes(good, capsys):
    code, out, err = _run(capsys, "tree", str(good))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("/  <SimpleMultiContainer (hdmf-common)>  stored ")
    assert any(line.startswith("  people/  <DynamicTable (hdmf-common)>  stored ") for line in lines)
    age = next(line for line in lines if line.strip().startswith("age "))
    assert age.startswith("    age  <VectorData (hdmf-common)>  int64  shape [3]  chunks [3]  stored ")
    assert age.endswith(" B") and int(age.split("stored ")[1].split()[0]) > 0
    assert any(line.strip().startswith("tags  <VectorData (hdmf-common)>  text  shape [3]") for line in lines)
    assert not any("specifications" in line for line in lines)


def test_tree_without_sizes(good, capsys):
    code, out, _ = _run(capsys, "tree", "--no-sizes", str(good))
    assert code == 0 and "stored" not in out
    assert "    age  <VectorData (hdmf-common)>  int64  shape [3]  chunks [3]" in out.splitlines()


def test_tree_reads_no_array_data(good, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tree must not read array data")

    monkeypatch.setattr(LazyArray, "__getitem__", refuse)
    monkeypatch.setattr(LazyArray, "read", refuse)
    monkeypatch.setattr(LazyArray, "__array__", refuse)
    code, out, _ = _run(capsys, "tree", str(good))
    assert code == 0 and "nested_index_index" in out


def test_tree_of_hdf5_file_shows_links(h5files, capsys):
    code, out, _ = _run(capsys, "tree", str(h5files[1]))
    assert code == 0
    assert "      timestamps -> /acquisition/ts/timestamps" in out.splitlines()
    es_data = next(line for line in out.splitlines() if line.strip().startswith("data  float64  shape [100, 3]"))
    assert "stored 2.3 KiB" in es_data  # from HDF5's storage size (100 x 3 float64, contiguous)


# ----------------------------------------------------------------------------- validate
def test_validate_clean_store(good, capsys):
    code, out, _ = _run(capsys, "validate", str(good))
    assert code == 0 and out.strip() == f"{good}: valid (no issues)"


def test_validate_broken_store_exits_1(good, tmp_path, capsys):
    import shutil

    bad = tmp_path / "bad.zarr"
    shutil.copytree(good, bad)
    g = zarr.open_group(str(bad), mode="r+", use_consolidated=False)
    g["pets/owner"][...] = np.array([0, 7])
    zarr.consolidate_metadata(str(bad))
    code, out, err = _run(capsys, "validate", str(bad))
    assert code == 1
    assert out.splitlines() == [
        "/pets/owner: region: expected row indices in 0..2 (rows of /people), found 7 at element 1"]
    assert "1 issue(s)" in err


def test_validate_hdf5_files(h5files, capsys):
    for path in h5files:
        code, out, _ = _run(capsys, "validate", str(path))
        assert code == 0, out


@pytest.mark.parametrize("kind", ["missing", "no_specs", "not_hdmf_h5", "junk_h5", "corrupt_json", "empty_dir"])
def test_bad_input_one_line_error(kind, good, tmp_path, capsys):
    import h5py
    import shutil

    if kind == "missing":
        target = tmp_path / "nothing.zarr"
    elif kind == "no_specs":
        target = tmp_path / "nospecs.zarr"
        shutil.copytree(good, target)
        g = zarr.open_group(str(target), mode="r+", use_consolidated=False)
        del g["specifications"]
        zarr.consolidate_metadata(str(target))
    elif kind == "not_hdmf_h5":
        target = tmp_path / "plain.h5"
        with h5py.File(target, "w") as f:
            f["x"] = np.arange(3)
    elif kind == "junk_h5":
        target = tmp_path / "junk.nwb"
        target.write_bytes(b"definitely not hdf5")
    elif kind == "corrupt_json":
        target = tmp_path / "corrupt.zarr"
        shutil.copytree(good, target)
        (target / "zarr.json").write_text("{not json")
    else:
        target = tmp_path / "empty.zarr"
        target.mkdir()
    code, out, err = _run(capsys, "validate", str(target))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hdmfzarr validate: error: ")
    assert "Traceback" not in err
    assert str(target.name) in lines[0]


def test_convert_refuses_existing_destination(good, tmp_path, capsys):
    dst = tmp_path / "exists.zarr"
    dst.mkdir()
    (dst / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
    code, _, err = _run(capsys, "convert", str(good), str(dst))
    assert code == 2 and err.startswith("hdmfzarr convert: error: ")


# ----------------------------------------------------------------------------- convert
def _format_of(path: Path) -> int:
    return 3 if (path / "zarr.json").exists() else 2 if (path / ".zgroup").exists() else 0


def test_convert_3_to_2_to_3_round_trip(good, tmp_path, capsys):
    v2, v3 = tmp_path / "v2.zarr", tmp_path / "v3.zarr"
    code, out, _ = _run(capsys, "convert", str(good), str(v2))
    assert code == 0 and out.strip() == f"wrote {v2} (Zarr format 2)" and _format_of(v2) == 2
    code, out, _ = _run(capsys, "convert", str(v2), str(v3))
    assert code == 0 and _format_of(v3) == 3
    # copies, not links back to the source
    assert "_LINKS" not in (v3 / "people" / "zarr.json").read_text()
    expected = helpers.hdmfzarr_tables()
    for path in (v2, v3):
        with ZarrIO(path) as io:
            got = io.read()
            assert sorted(got.containers) == ["csr_matrix", "people", "pets"]
            for name in ("people", "pets", "csr_matrix"):
                assert_container_equal(got[name], expected[name])
            assert io.spec_cache()  # specs were carried over
        assert main(["validate", str(path)]) == 0


def test_convert_explicit_format(good, tmp_path):
    dst = tmp_path / "same.zarr"
    assert main(["convert", str(good), str(dst), "--zarr-format", "3"]) == 0
    assert _format_of(dst) == 3


def test_convert_streams_big_datasets_and_keeps_chunks(tmp_path, monkeypatch):
    src, dst = tmp_path / "big.zarr", tmp_path / "big2.zarr"
    root = GroupBuilder("root", attributes={"namespace": "hdmf-common", "data_type": "Container"})
    data = np.arange(50_000, dtype=np.float64).reshape(10_000, 5)
    from hdmfzarr.dataio import DataIO

    root.set_dataset(DatasetBuilder("signal", DataIO(data, chunks=(1000, 5)), dtype="float64"))
    with ZarrIO(src, mode="w") as io:
        io.write_builder(root)
    monkeypatch.setattr(copying, "STREAM_BYTES", 64 * 1024)  # force block-wise copying
    blocks: list[int] = []
    real_stream = copying._stream

    def counting(data, bar, rows):
        for block in real_stream(data, bar, rows):
            blocks.append(len(block))
            yield block

    monkeypatch.setattr(copying, "_stream", counting)
    assert cli.convert(str(src), str(dst)) == 2
    assert len(blocks) > 1 and max(blocks) * 5 * 8 <= 64 * 1024 + 1000 * 5 * 8
    arr = zarr.open_array(str(dst / "signal"), mode="r", zarr_format=2)
    assert arr.chunks == (1000, 5)
    np.testing.assert_array_equal(arr[...], data)


def test_convert_hdmf_hdf5_to_zarr(h5files, tmp_path, capsys):
    dst = tmp_path / "from_h5.zarr"
    code, out, _ = _run(capsys, "convert", str(h5files[0]), str(dst))
    assert code == 0 and _format_of(dst) == 3
    with ZarrIO(dst) as io:
        top = io.read()
        people = top["people"]
        assert list(people["age"][:]) == [3, 5]
        assert [list(t) for t in people["tags"][:]] == [["a", "b"], ["c"]]
        pets = top["pets"]
        assert pets["owner"].table is people
        assert list(pets["owner"].data[:]) == [1, 0]
        assert sorted(io.spec_cache()) == ["hdmf-common", "hdmf-experimental"]
    assert main(["validate", str(dst)]) == 0


@pytest.mark.slow
def test_convert_nwb_hdf5_to_zarr(h5files, tmp_path, capsys):
    import h5py

    dst = tmp_path / "from_nwb.zarr"
    assert main(["convert", str(h5files[1]), str(dst), "--zarr-format", "3"]) == 0
    with ZarrIO(dst) as io:
        root = io.read_builder()
        with h5py.File(h5files[1], "r") as f:
            np.testing.assert_array_equal(np.asarray(root["acquisition/es/data"].data), f["acquisition/es/data"][...])
        assert root["acquisition/ts2"].links["timestamps"].target is root["acquisition/ts/timestamps"]
        assert root["general/extracellular_ephys/shank0"].links["device"].target is root["general/devices/probe"]
        assert root["acquisition/es/electrodes"].attributes["table"].path == "/general/extracellular_ephys/electrodes"
        assert "core" in io.spec_cache()
    assert main(["validate", str(dst)]) == 0
    # hdmf-zarr (the peer) reads the converted file as an NWB file
    from hdmf_zarr.nwb import NWBZarrIO

    with NWBZarrIO(str(dst), mode="r") as io:
        nwb = io.read()
        assert nwb.acquisition["es"].data.shape == (100, 3)
        assert nwb.electrodes["group"][0].name == "shank0"
        assert nwb.acquisition["ts2"].timestamps is not None
        first = nwb.trials["timeseries"][0][0]
        assert first.timeseries.name == "ts" and first.count == 10


def test_convert_to_memory_url(good, capsys):
    url = "memory://cli-test/converted.zarr"
    assert main(["convert", str(good), url, "--zarr-format", "3"]) == 0
    code, out, _ = _run(capsys, "validate", url)
    assert code == 0 and "valid" in out


# ----------------------------------------------------------------------------- options, help
def test_version_flag(capsys):
    import hdmfzarr

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"hdmfzarr {hdmfzarr.__version__}"
    assert hdmfzarr.__version__ == importlib.metadata.version("hdmfzarr")


def test_storage_options_parsing():
    assert parse_storage_options(None) is None
    assert parse_storage_options(["anon=true", "key=abc", "client_kwargs.endpoint_url=http://h:1", "n=3"]) == {
        "anon": True, "key": "abc", "client_kwargs": {"endpoint_url": "http://h:1"}, "n": 3}
    with pytest.raises(HdmfZarrError, match="key=value"):
        parse_storage_options(["novalue"])


@pytest.mark.parametrize("command,phrase", [("tree", "chunk shape"), ("validate", "exit code"),
                                            ("convert", "--zarr-format")])
def test_help_for_each_subcommand(command, phrase, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert phrase in out and "--storage-option" in out


def test_subprocess_entry_point(good, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run([sys.executable, "-m", "hdmfzarr.cli", "validate", str(good)],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "valid (no issues)" in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "hdmfzarr.cli", "tree", str(tmp_path / "none.zarr")],
                             capture_output=True, text=True, env=env, timeout=120)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.startswith("hdmfzarr tree: error: ")


# ----------------------------------------------------------------------------- hdmf-zarr 0.13 stores
FIXTURES_013 = REPO / "tests" / "fixtures" / "hdmf_zarr_013"


@pytest.mark.parametrize("name", ["common.zarr", "nwb.zarr"])
def test_hdmf_zarr_013_stores_validate_and_convert_to_v3(name, tmp_path, capsys):
    src = FIXTURES_013 / name
    if not src.exists():
        pytest.skip(f"fixture {src} not generated")
    code, out, _ = _run(capsys, "validate", str(src))
    assert code == 0, out
    dst = tmp_path / name
    assert main(["convert", str(src), str(dst)]) == 0  # v2 source -> v3 by default
    assert _format_of(dst) == 3
    code, out, _ = _run(capsys, "validate", str(dst))
    assert code == 0, out
    with ZarrIO(src) as a, ZarrIO(dst) as b:
        ra, rb = a.read_builder(), b.read_builder()
        paths_a = sorted(n.path for n in ra.walk())
        assert paths_a == sorted(n.path for n in rb.walk())
        for node in ra.walk():
            if isinstance(node, DatasetBuilder) and node.dtype not in ("object",) and not isinstance(node.dtype, list):
                np.testing.assert_array_equal(np.asarray(rb[node.path].data, dtype=object),
                                              np.asarray(node.data, dtype=object), err_msg=node.path)


def test_progress_bar_only_on_tty(monkeypatch):
    class FakeErr:
        def __init__(self, tty):
            self.tty = tty
            self.text = ""

        def isatty(self):
            return self.tty

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    from hdmfzarr.progress import SilentBar

    monkeypatch.delenv("HDMFZARR_PROGRESS", raising=False)
    monkeypatch.setattr(sys, "stderr", FakeErr(False))
    assert isinstance(copying._progress(10 * copying.STREAM_BYTES, "x"), SilentBar)
    tty = FakeErr(True)
    monkeypatch.setattr(sys, "stderr", tty)
    assert isinstance(copying._progress(1, "x"), SilentBar)  # short conversions: no bar
    bar = copying._progress(10 * copying.STREAM_BYTES, "copying")
    time.sleep(0.6)  # bars appear only once the work has taken half a second
    bar.update(copying.STREAM_BYTES)
    bar.close()
    assert "copying" in tty.text


def test_convert_streams_big_hdf5_datasets(tmp_path, monkeypatch):
    import h5py

    src, dst = tmp_path / "big.h5", tmp_path / "big_h5.zarr"
    data = np.arange(40_000, dtype=np.int32).reshape(10_000, 4)
    with h5py.File(src, "w") as f:
        f.attrs["namespace"] = "hdmf-common"
        f.attrs["data_type"] = "Container"
        f.create_dataset("signal", data=data, chunks=(10, 4))  # tiny HDF5 chunks are not carried over
    monkeypatch.setattr(copying, "STREAM_BYTES", 32 * 1024)
    seen: list[int] = []
    real_stream = copying._stream

    def counting(data, bar, rows):
        for block in real_stream(data, bar, rows):
            seen.append(block.nbytes)
            yield block

    monkeypatch.setattr(copying, "_stream", counting)
    assert cli.convert(str(src), str(dst)) == 3
    assert len(seen) > 1 and max(seen) <= 32 * 1024
    arr = zarr.open_array(str(dst / "signal"), mode="r")
    assert arr.chunks != (10, 4)
    np.testing.assert_array_equal(arr[...], data)


def test_validate_with_namespace_option(good, tmp_path, capsys):
    import shutil

    from hdmfzarr.spec import default_namespace_path

    target = tmp_path / "nospecs.zarr"
    shutil.copytree(good, target)
    g = zarr.open_group(str(target), mode="r+", use_consolidated=False)
    del g["specifications"]
    zarr.consolidate_metadata(str(target))
    assert main(["validate", str(target)]) == 2
    code, out, _ = _run(capsys, "validate", str(target), "--namespace", str(default_namespace_path()))
    assert code == 0 and "valid" in out
    code, _, err = _run(capsys, "validate", str(good), "--namespace", "no-such-namespace")
    assert code == 2 and "'no-such-namespace'" in err


def test_convert_onto_itself_is_refused(good, capsys):
    code, _, err = _run(capsys, "convert", str(good), str(good) + "/", "--overwrite")
    assert code == 2 and "same store" in err
    assert main(["validate", str(good)]) == 0  # untouched

"""Open modes and bad input: clear hdmfzarr errors naming the path; nothing stored is damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, LinkBuilder, ReferenceBuilder
from hdmfzarr.errors import (
    ConstructError,
    CorruptStoreError,
    DanglingReferenceError,
    StoreError,
    StoreExistsError,
    StoreNotFoundError,
)


def small_tree() -> GroupBuilder:
    root = GroupBuilder("root", attributes={"a": 1})
    root.set_dataset(DatasetBuilder("x", np.arange(5)))
    return root


def write(path: Path, fmt: int = 3) -> None:
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write_builder(small_tree())


def snapshot(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", [3, 2])
def test_w_dash_refuses_existing_store_and_touches_nothing(tmp_path: Path, fmt: int) -> None:
    path = tmp_path / "s.zarr"
    write(path, fmt)
    before = snapshot(path)
    with pytest.raises(StoreExistsError, match="s.zarr"):
        ZarrIO(path, "w-")
    assert snapshot(path) == before


def test_w_dash_refuses_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d/keep.txt").write_text("mine")
    with pytest.raises(StoreExistsError, match="d"):
        ZarrIO(tmp_path / "d", "w-")
    assert (tmp_path / "d/keep.txt").read_text() == "mine"


def test_w_dash_creates_new(tmp_path: Path) -> None:
    with ZarrIO(tmp_path / "new.zarr", "w-") as io:
        io.write_builder(small_tree())
    with ZarrIO(tmp_path / "new.zarr") as io:
        assert io.read_builder()["x"].data[:].tolist() == [0, 1, 2, 3, 4]


def test_w_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path)
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("y", [1.0]))
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    with ZarrIO(path) as io:
        r = io.read_builder()
        assert "x" not in r and r["y"].data[:].tolist() == [1.0] and r.attributes == {}


def test_r_requires_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="missing.zarr"):
        ZarrIO(tmp_path / "missing.zarr", "r")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain/file.txt").write_text("x")
    with pytest.raises(StoreNotFoundError, match="plain"):
        ZarrIO(tmp_path / "plain", "r")
    with pytest.raises(StoreNotFoundError, match="missing2"):
        ZarrIO(tmp_path / "missing2.zarr", "r+")
    with pytest.raises(StoreNotFoundError):
        ZarrIO("memory://nothing-here-at-all/x.zarr", "r")


@pytest.mark.parametrize("fmt", [3, 2])
def test_read_of_a_plain_zarr_store_says_it_is_not_an_hdmf_store(tmp_path: Path, fmt: int) -> None:
    """A zarr store no hdmf tool wrote: the error names the store and what its root lacks, not an object path."""
    import zarr

    zarr.open_group(tmp_path / "plain.zarr", mode="w", zarr_format=fmt).create_array("x", shape=(3,), dtype="i4")
    with ZarrIO(tmp_path / "plain.zarr") as io:
        with pytest.raises(ConstructError, match=r"plain\.zarr: not an HDMF store: its root has no type attributes"):
            io.read()


def test_read_only_mode_refuses_write(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path)
    before = snapshot(path)
    with ZarrIO(path, "r") as io:
        with pytest.raises(StoreError, match="read-only"):
            io.write_builder(small_tree())
    assert snapshot(path) == before


def test_r_plus_writes_into_existing(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path)
    root = GroupBuilder("root", attributes={"b": 2})
    root.set_dataset(DatasetBuilder("y", [3]))
    with ZarrIO(path, "r+") as io:
        io.write_builder(root)
    with ZarrIO(path) as io:
        r = io.read_builder()
        assert r["x"].data[:].tolist() == [0, 1, 2, 3, 4] and r["y"].data[:].tolist() == [3]


def test_bad_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        ZarrIO("x.zarr", "rw")


def test_corrupt_root_json(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path)
    (path / "zarr.json").write_text("{not json")
    with pytest.raises(CorruptStoreError, match=r"s.zarr.*zarr.json"):
        ZarrIO(path)


def test_corrupt_node_json_without_consolidation(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path)
    root = json.loads((path / "zarr.json").read_text())
    root.pop("consolidated_metadata")
    (path / "zarr.json").write_text(json.dumps(root))
    (path / "x/zarr.json").write_text("[1, 2")
    with ZarrIO(path) as io:
        with pytest.raises(CorruptStoreError, match=r"x/zarr.json"):
            io.read_builder()


def test_corrupt_v2_zattrs(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    write(path, 2)
    (path / ".zmetadata").unlink()
    (path / "x/.zattrs").write_text("{bad")
    with ZarrIO(path) as io:
        with pytest.raises(CorruptStoreError, match=r"x/.zattrs"):
            io.read_builder()


def test_walk_without_consolidated_metadata(tmp_path: Path) -> None:
    for fmt in (3, 2):
        path = tmp_path / f"n{fmt}.zarr"
        root = GroupBuilder("root")
        g = root.set_group(GroupBuilder("g", attributes={"k": "v"}))
        g.set_dataset(DatasetBuilder("d", [1, 2]))
        with ZarrIO(path, "w", zarr_format=fmt) as io:
            io.write_builder(root)
        if fmt == 3:
            meta = json.loads((path / "zarr.json").read_text())
            meta.pop("consolidated_metadata")
            (path / "zarr.json").write_text(json.dumps(meta))
        else:
            (path / ".zmetadata").unlink()
        with ZarrIO(path) as io:
            r = io.read_builder()
            assert r["g"].attributes == {"k": "v"} and r["g/d"].data[:].tolist() == [1, 2]


@pytest.mark.parametrize("fmt", [3, 2])
def test_dangling_attribute_reference(tmp_path: Path, fmt: int) -> None:
    path = tmp_path / "s.zarr"
    root = small_tree()
    target = root.set_group(GroupBuilder("target"))
    root.set_dataset(DatasetBuilder("dtr", [0], attributes={"table": ReferenceBuilder(target)}))
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write_builder(root)
    import shutil

    shutil.rmtree(path / "target")
    if fmt == 3:
        meta = json.loads((path / "zarr.json").read_text())
        meta["consolidated_metadata"]["metadata"].pop("target")
        (path / "zarr.json").write_text(json.dumps(meta))
    else:
        cons = json.loads((path / ".zmetadata").read_text())
        cons["metadata"] = {k: v for k, v in cons["metadata"].items() if not k.startswith("target/")}
        (path / ".zmetadata").write_text(json.dumps(cons))
    with ZarrIO(path) as io:
        with pytest.raises(DanglingReferenceError, match=r"/dtr attribute 'table'.*'/target'"):
            io.read_builder()


def test_dangling_dataset_reference_raises_on_access(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    root = small_tree()
    g = root.set_group(GroupBuilder("g"))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(g)], dtype="object"))
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    import zarr

    arr = zarr.open_array(str(path / "refs"), mode="r+")
    arr[0] = "/nowhere"
    with ZarrIO(path) as io:
        r = io.read_builder()
        with pytest.raises(DanglingReferenceError, match="/nowhere"):
            r["refs"].data[:]


def test_dangling_link(tmp_path: Path) -> None:
    path = tmp_path / "s.zarr"
    root = small_tree()
    g = root.set_group(GroupBuilder("g"))
    root.set_link(LinkBuilder(g, "lnk"))
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    meta = json.loads((path / "zarr.json").read_text())
    meta["attributes"]["_LINKS"][0]["path"] = "/gone"
    meta["consolidated_metadata"] = None
    (path / "zarr.json").write_text(json.dumps(meta))
    with ZarrIO(path) as io:
        with pytest.raises(DanglingReferenceError, match="link 'lnk'.*'/gone'"):
            io.read_builder()


def test_empty_data_without_dtype_is_an_error(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("e", []))
    with ZarrIO(tmp_path / "e.zarr", "w") as io:
        with pytest.raises(StoreError, match=r"/e.*dtype"):
            io.write_builder(root)


def test_non_utf8_bytes_in_v3_is_an_error(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("b", [b"\xff\xfe"], dtype="ascii"))
    with ZarrIO(tmp_path / "b.zarr", "w") as io:
        with pytest.raises(StoreError, match="UTF-8"):
            io.write_builder(root)

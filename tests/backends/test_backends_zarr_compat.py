"""The zarr compatibility module: each zarr internal we rely on still exists and behaves as we use it."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import zarr

from hdmfzarr.backends.zarr import compat

BACKEND = Path(compat.__file__).parent
PRIVATE_ZARR = ("zarr.core", "zarr.storage._", "zarr.abc")


def test_compat_run_and_async_twins(tmp_path: Path) -> None:
    group = zarr.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=3)
    arr = group.create_array("a", shape=(4,), dtype="int32", chunks=(2,))
    arr[:] = np.arange(4)
    got = compat.run(compat.async_array(arr).getitem(slice(1, 3)))
    assert np.asarray(got).tolist() == [1, 2]
    assert compat.run(compat.async_group(group).contains("a"))
    assert compat.buffer_prototype().buffer.from_bytes(b"xy").to_bytes() == b"xy"


def test_compat_array_from_metadata_reads_without_fetching_metadata(tmp_path: Path) -> None:
    group = zarr.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=3)
    group.create_array("a", shape=(3,), dtype="float64", chunks=(3,))[:] = [1.5, 2.5, 3.5]
    meta = group["a"].metadata.to_dict()
    again = compat.array_from_metadata(meta, group.store, "a")
    assert again[:].tolist() == [1.5, 2.5, 3.5]


def test_only_the_compat_module_touches_zarr_internals() -> None:
    offenders = []
    for path in sorted(BACKEND.glob("*.py")):
        if path.name == "compat.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            offenders += [f"{path.name}: {m}" for m in mods if m.startswith(PRIVATE_ZARR)]
            if isinstance(node, ast.Attribute) and node.attr in ("_async_array", "_async_group"):
                offenders.append(f"{path.name}: .{node.attr}")
    assert offenders == [], f"zarr internals used outside backends/zarr/compat.py: {offenders}"

"""Rows added to a column of object references read from a store are appended in place (the references encoded
as the writer stores them: paths in Zarr format 3, JSON cells in format 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import BuildError


def _add_rows(support, path: Path, n: int, mode: str = "a") -> None:
    worker = support.worker
    with ZarrIO(path, mode) as io:
        root = io.read()
        table, targets = root["refs"], [root[f"target{j}"] for j in range(worker.N_TARGETS)]
        for k in range(len(table), len(table) + n):
            table.add_row(obj=targets[k % worker.N_TARGETS], s=f"row {k}")
        assert [t.name for t in table["obj"].data[-n:]] == [f"target{k % 3}" for k in range(len(table) - n, len(table))]


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("mode", ["a", "r+"])
def test_rows_with_references_are_appended(tmp_path: Path, support, fmt: int, mode: str) -> None:
    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(support.worker.make_ref_root(5))
    for n in (4, 1, 7):  # past a chunk border, inside one, across several
        _add_rows(support, path, n, mode)
    with ZarrIO(path) as io:
        assert support.check_refs(io.read()) == 17
    meta = json.loads((path / "refs" / "obj" / ("zarr.json" if fmt == 3 else ".zarray")).read_text())
    assert meta["shape"] == [17]
    if fmt == 2:
        assert [f["id"] for f in meta["filters"]] == ["json2"]  # still JSON cells, as hdmf-zarr 0.13 reads them


def test_a_row_referring_to_an_object_not_in_the_store_is_refused(tmp_path: Path, support) -> None:
    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.worker.make_ref_root(2))
    with pytest.raises(BuildError, match="'elsewhere', which is not in the store"), ZarrIO(path, "a") as io:
        io.read()["refs"].add_row(obj=DynamicTable(name="elsewhere", description="not stored"), s="row 2")
    with ZarrIO(path) as io:
        assert support.check_refs(io.read()) == 2


@pytest.mark.slow
def test_hdmf_zarr_reads_appended_references(tmp_path: Path, support) -> None:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO as PeerIO

    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.worker.make_ref_root(3))
    _add_rows(support, path, 5)
    with PeerIO(str(path), mode="r", manager=get_manager()) as io:
        table = io.read()["refs"]
        assert [t.name for t in table["obj"].data[:]] == [f"target{k % 3}" for k in range(8)]
        assert list(table["s"].data[:]) == [f"row {k}" for k in range(8)]

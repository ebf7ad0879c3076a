"""Reading a tree pauses the cyclic GC (it would only scan the long-lived objects being built) and leaves the
caller's GC setting as it found it, even when the read fails."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from hdmfzarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import StoreNotFoundError


def _store(tmp_path: Path) -> Path:
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "x")
    for i in range(50):
        t.add_row(x=i)
    with ZarrIO(tmp_path / "t.zarr", mode="w") as io:
        io.write(t)
    return tmp_path / "t.zarr"


def test_the_gc_is_paused_while_a_tree_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _store(tmp_path)
    seen: list[bool] = []
    read_builder = ZarrIO.read_builder

    def spy(self: ZarrIO) -> object:
        seen.append(gc.isenabled())
        return read_builder(self)

    monkeypatch.setattr(ZarrIO, "read_builder", spy)
    with ZarrIO(path) as io:
        table = io.read()
    assert seen == [False]  # the read's own work ran with the GC paused
    assert gc.isenabled()  # and it runs again afterwards
    assert list(table["x"].data[:3]) == [0, 1, 2]


def test_the_callers_gc_setting_is_kept(tmp_path: Path) -> None:
    path = _store(tmp_path)
    gc.disable()
    try:
        with ZarrIO(path) as io:
            io.read()
        assert not gc.isenabled()  # the caller's choice: not switched on behind their back
    finally:
        gc.enable()
    with pytest.raises(StoreNotFoundError):
        with ZarrIO(tmp_path / "missing.zarr") as io:
            io.read()
    assert gc.isenabled()  # a failed read switches it back on too

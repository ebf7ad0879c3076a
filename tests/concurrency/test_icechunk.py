"""An Icechunk repository as the target (issue 14 item 3): hdmfzarr writes, appends and reads through a
session's store; Icechunk's commit is the transaction, and its conflict detection refuses the loser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable

icechunk = pytest.importorskip("icechunk")


def _table() -> DynamicTable:
    t = DynamicTable(name="t", description="in an Icechunk repository")
    t.add_column("a", "numbers", dtype="int64")
    t.add_column("s", "text", dtype="text")
    t.add_column("r", "ragged", dtype="float64", index=True)
    t.add_row(a=1, s="x", r=[1.0])
    t.add_row(a=2, s="y", r=[])
    return t


def _rows(repo) -> list[tuple]:
    with ZarrIO(repo.readonly_session("main").store, "r") as io:
        t = io.read()
        return list(zip(np.asarray(t.id.get_all()).tolist(), np.asarray(t["a"].get_all()).tolist(),
                        list(t["s"].get_all()), [np.asarray(x).tolist() for x in t["r"].get_all()]))


def test_write_append_read_through_icechunk_sessions(tmp_path: Path) -> None:
    repo = icechunk.Repository.create(icechunk.local_filesystem_storage(str(tmp_path / "repo")))
    session = repo.writable_session("main")
    with ZarrIO(session.store, "w") as io:
        io.write(_table())
    first = session.commit("write the table")
    assert _rows(repo) == [(0, 1, "x", [1.0]), (1, 2, "y", [])]

    session = repo.writable_session("main")
    with ZarrIO(session.store, "a") as io:
        t = io.read()
        t.add_row(a=3, s="z", r=[2.0, 3.0])
        io.write(t)
    assert len(_rows(repo)) == 2  # uncommitted: readers still see the last commit
    session.commit("append a row")
    assert _rows(repo)[-1] == (2, 3, "z", [2.0, 3.0])
    # the first snapshot is still there, unchanged
    with ZarrIO(repo.readonly_session(snapshot_id=first).store, "r") as io:
        assert len(io.read()) == 2


def test_two_icechunk_sessions_appending_conflict_at_commit(tmp_path: Path) -> None:
    repo = icechunk.Repository.create(icechunk.local_filesystem_storage(str(tmp_path / "repo")))
    session = repo.writable_session("main")
    with ZarrIO(session.store, "w") as io:
        io.write(_table())
    session.commit("write")
    a, b = repo.writable_session("main"), repo.writable_session("main")
    for session, value in ((a, 10), (b, 20)):
        with ZarrIO(session.store, "a") as io:
            t = io.read()
            t.add_row(a=value, s=str(value), r=[])
            io.write(t)
    a.commit("writer a")
    with pytest.raises(icechunk.ConflictError):
        b.commit("writer b")
    rows = _rows(repo)
    assert [r[1] for r in rows] == [1, 2, 10]  # a's row acknowledged and kept; b's not committed

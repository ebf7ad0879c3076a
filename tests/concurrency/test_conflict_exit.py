"""A ConflictError the caller already caught is not raised again when the ``with ZarrIO`` block ends:
the tree read is stale, its pending rows stay pending (an explicit ``io.write`` tries again and is
refused again), and a new ZarrIO that re-reads the store appends them."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import ConflictError


def _table() -> DynamicTable:
    t = DynamicTable(name="t", description="conflicts")
    t.add_column("v", "values", dtype="int64")
    t.add_column("r", "ragged", dtype="float64", index=True)
    return t


def _rows(first: int, n: int) -> dict:
    return {"id": list(range(first, first + n)), "v": [10 * k for k in range(first, first + n)],
            "r": [[float(k)] * (k % 3) for k in range(first, first + n)]}


def _stored(path: Path) -> list[int]:
    with ZarrIO(path) as io:
        t = io.read()
        assert np.asarray(t.id.get_all()).tolist() == list(range(len(t)))
        return np.asarray(t["v"].get_all()).tolist()


@pytest.mark.parametrize("fmt", [3, 2])
def test_caught_conflict_is_not_raised_again_on_exit(tmp_path: Path, fmt: int, caplog) -> None:
    path = tmp_path / "c.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(_table())
    with caplog.at_level(logging.WARNING, logger="hdmfzarr.backends.zarr.io"):
        with ZarrIO(path, "a") as loser:
            stale = loser.read()
            with ZarrIO(path, "a") as winner:  # another writer commits first
                t = winner.read()
                t.extend(_rows(0, 3))
            stale.extend(_rows(0, 2))
            with pytest.raises(ConflictError, match="another writer"):
                loser.write(stale)
            assert loser.pending_appends() > 0  # the batch is kept, unacknowledged
            with pytest.raises(ConflictError):  # an explicit retry from the stale tree is refused again
                loser.write(stale)
        # leaving the block raised nothing: the reported conflict is not repeated
    assert _stored(path) == [0, 10, 20]
    assert any("not written" in r.getMessage() and "ConflictError" in r.getMessage() for r in caplog.records)
    with ZarrIO(path, "a") as retry:  # re-read, append the batch again: it lands after the winner's rows
        t = retry.read()
        t.extend(_rows(len(t), 2))
    assert _stored(path) == [0, 10, 20, 30, 40]


def test_exit_still_writes_pending_rows_without_a_conflict(tmp_path: Path) -> None:
    """The ordinary case is unchanged: rows appended inside the block are written when it ends."""
    path = tmp_path / "ok.zarr"
    with ZarrIO(path, "w") as io:
        io.write(_table())
    with ZarrIO(path, "a") as io:
        io.read().extend(_rows(0, 4))
    assert _stored(path) == [0, 10, 20, 30]


def test_conflict_in_exit_flush_is_raised_once(tmp_path: Path) -> None:
    """A conflict found by the exit's own flush is the first report: it is raised (from the block's end)."""
    path = tmp_path / "exit.zarr"
    with ZarrIO(path, "w") as io:
        io.write(_table())
    with pytest.raises(ConflictError):
        with ZarrIO(path, "a") as loser:
            stale = loser.read()
            with ZarrIO(path, "a") as winner:
                winner.read().extend(_rows(0, 1))
            stale.extend(_rows(0, 5))
    assert _stored(path) == [0]

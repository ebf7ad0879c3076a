"""An S3 writer that stalls past its lease (a suspended VM, a long GC pause) while another writer takes
the lease over and commits: when it resumes, it sends nothing more (ConflictError), so the other
writer's committed rows stay intact — the lease fences its chunk writes, not only its commit."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO, transaction
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import ConflictError

pytestmark = [pytest.mark.s3, pytest.mark.slow]

LEASE = 3.0


def _table() -> DynamicTable:
    t = DynamicTable(name="t", description="stalls")
    t.add_column("v", "values", dtype="int64")
    t.add_column("r", "ragged", dtype="float64", index=True)
    t.extend({"id": list(range(5)), "v": list(range(5)), "r": [[float(k)] * (k % 3) for k in range(5)]})
    return t


def _rows(first: int, n: int, mark: int) -> dict:
    return {"id": list(range(first, first + n)), "v": [mark + k for k in range(first, first + n)],
            "r": [[float(mark + k)] * (k % 3 + 1) for k in range(first, first + n)]}


def test_writer_stalled_past_its_lease_writes_nothing(s3_server, s3_bucket, monkeypatch) -> None:
    monkeypatch.setenv("HDMFZARR_WRITER_LEASE_SECONDS", str(LEASE))
    url = s3_server.url(s3_bucket, "stall.zarr")
    opts = s3_server.storage_options
    with ZarrIO(url, "w", storage_options=opts) as io:
        io.write(_table())

    holding = threading.Event()
    real = transaction.Transaction._write_arrays

    def stall_then_write(self, jobs, plans):
        if threading.current_thread().name == "stalled":  # holds the lease, about to write its chunks
            lease = self.handle.store.fence
            lease._stop.set()  # the whole process is suspended: no renewal either
            holding.set()
            time.sleep(LEASE * 2.5)  # meanwhile the other writer takes the lease over and commits
        return real(self, jobs, plans)

    monkeypatch.setattr(transaction.Transaction, "_write_arrays", stall_then_write)
    outcome: list[BaseException | None] = []

    def stalled_writer() -> None:
        io = ZarrIO(url, "a", storage_options=opts)
        try:
            t = io.read()
            t.extend(_rows(5, 7, 1000))
            io.write(t)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)
        finally:
            io.close()

    thread = threading.Thread(target=stalled_writer, name="stalled")
    thread.start()
    assert holding.wait(60)
    with ZarrIO(url, "a", storage_options=opts) as io:  # waits for the lease to go stale, takes it over
        t = io.read()
        t.extend(_rows(5, 7, 2000))
    thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
    assert "lease" in str(outcome[0])
    with ZarrIO(url, storage_options=opts) as io:
        t = io.read()
        assert np.asarray(t.id.get_all()).tolist() == list(range(12))
        assert np.asarray(t["v"].get_all()).tolist() == list(range(5)) + [2000 + k for k in range(5, 12)]
        assert [np.asarray(c).tolist() for c in t["r"].get_all()][5:] == \
            [[float(2000 + k)] * (k % 3 + 1) for k in range(5, 12)]

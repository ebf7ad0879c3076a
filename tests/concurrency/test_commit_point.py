"""The commit primitive on its own (hdmfzarr/backends/zarr/commit.py): version checks, the local
writer lock held by another process, S3 conditional writes and the S3 lease's takeover."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hdmfzarr.backends.zarr.commit import LOCK_KEY, CommitPoint
from hdmfzarr.backends.zarr.store import StoreHandle
from hdmfzarr.errors import ConflictError


def _handle(url: str, opts: dict | None = None) -> StoreHandle:
    return StoreHandle(url, "a", opts)


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_commit_only_from_the_version_read(tmp_path: Path, kind: str) -> None:
    url = str(tmp_path / "s.zarr") if kind == "local" else f"memory://commit-{tmp_path.name}/s.zarr"
    handle = _handle(url)
    handle.set("zarr.json", b'{"v": 0}')
    point = CommitPoint(handle, "zarr.json")
    data, version = point.read()
    assert data == b'{"v": 0}' and version
    with point.exclusive(version) as commit:
        new = commit(b'{"v": 1}')
    assert point.read() == (b'{"v": 1}', new) and new != version
    with pytest.raises(ConflictError, match="another writer committed"):
        with point.exclusive(version):  # the old version: another writer's commit happened since
            raise AssertionError("the body must not run")
    assert point.read()[0] == b'{"v": 1}'


def test_local_lock_held_by_another_process_gives_conflict(tmp_path: Path) -> None:
    store = tmp_path / "s.zarr"
    handle = _handle(str(store))
    handle.set("zarr.json", b"{}")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); "
         "print('held', flush=True); time.sleep(60)", str(store)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        point = CommitPoint(handle, "zarr.json", wait=0.3)
        with pytest.raises(ConflictError, match="writer lock"):
            with point.exclusive(point.read()[1]):
                raise AssertionError("the body must not run")
    finally:
        holder.kill()
        holder.wait()
    with point.exclusive(point.read()[1]) as commit:  # the kernel released the killed holder's lock
        commit(b'{"after": 1}')
    assert point.read()[0] == b'{"after": 1}'


@pytest.mark.s3
def test_s3_conditional_commit_and_released_lease(s3_server, s3_bucket) -> None:
    url = s3_server.url(s3_bucket, "c.zarr")
    handle = _handle(url, s3_server.storage_options)
    point = CommitPoint(handle, "zarr.json")
    assert point.read() == (None, None)
    with point.exclusive(None) as commit:  # absent: If-None-Match
        assert s3_server.filesystem().exists(f"{s3_bucket}/c.zarr/{LOCK_KEY}")
        first = commit(b'{"v": 1}')
    assert not s3_server.filesystem().exists(f"{s3_bucket}/c.zarr/{LOCK_KEY}")
    # another client replaces the document behind our back: our old version no longer commits
    s3_server.filesystem().pipe(f"{s3_bucket}/c.zarr/zarr.json", b'{"v": "other"}')
    with pytest.raises(ConflictError):
        with point.exclusive(first):
            raise AssertionError("the body must not run")
    data, now = point.read()
    assert data == b'{"v": "other"}'
    with pytest.raises(ConflictError, match="replaced by another writer"):
        with point.exclusive(now) as commit:  # checked at the start, then replaced before the commit
            s3_server.filesystem().pipe(f"{s3_bucket}/c.zarr/zarr.json", b'{"v": "sneaky"}')
            commit(b'{"v": 2}')
    assert point.read()[0] == b'{"v": "sneaky"}'


@pytest.mark.s3
def test_s3_lease_of_a_dead_writer_is_taken_over(s3_server, s3_bucket, caplog) -> None:
    url = s3_server.url(s3_bucket, "dead.zarr")
    handle = _handle(url, s3_server.storage_options)
    # a writer that died holding the lease: nobody renews it
    stale = json.dumps({"owner": "dead", "host": "elsewhere", "pid": 1, "lease_seconds": 1.0}).encode()
    s3_server.filesystem().pipe(f"{s3_bucket}/dead.zarr/{LOCK_KEY}", stale)
    point = CommitPoint(handle, "zarr.json", wait=0.2, lease=1.0)
    with pytest.raises(ConflictError, match="held by process 1 on elsewhere"):
        with point.exclusive(None):
            raise AssertionError("the body must not run")
    point = CommitPoint(handle, "zarr.json", wait=10, lease=1.0)
    caplog.set_level(logging.WARNING)
    t0 = time.monotonic()
    with point.exclusive(None) as commit:
        commit(b"{}")
    assert time.monotonic() - t0 >= 1.0  # only after a whole lease without renewal
    assert "took over the writer lease" in caplog.text
    assert point.read()[0] == b"{}"

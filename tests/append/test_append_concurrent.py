"""Readers opening a store while another process appends see a consistent, growing prefix."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hdmfzarr.backends.zarr import ZarrIO


def _read_while_appending(support, url: str, opts: dict | None, snapshots: int, distinct: int,
                          limit: float = 120.0) -> list[int]:
    """Reopen and check the table until `snapshots` reads saw `distinct` sizes (or `limit` s pass: a loaded
    machine makes both sides slow, so the test waits for the evidence rather than for a fixed time)."""
    proc = support.run_worker(url, 13, 100_000, opts)
    seen: list[int] = []
    try:
        assert proc.stdout.readline().startswith("ready")
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and (len(seen) < snapshots or len(set(seen)) < distinct):
            with ZarrIO(url, "r", storage_options=opts) as io:
                n = support.check_table(io.read())  # every column as long as id, every value right
            assert not seen or n >= seen[-1], f"rows went back from {seen[-1]} to {n}"
            seen.append(n)
        assert proc.poll() is None, proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return seen


@pytest.mark.slow
def test_concurrent_reader_sees_consistent_prefix(tmp_path: Path, support) -> None:
    path = tmp_path / "live.zarr"
    with ZarrIO(path, "w") as io:
        io.write(support.make_table(5))
    seen = _read_while_appending(support, str(path), None, snapshots=10, distinct=5)
    assert len(seen) >= 10 and len(set(seen)) >= 5, seen  # many snapshots, of a growing table


@pytest.mark.slow
@pytest.mark.s3
def test_concurrent_reader_on_s3(s3_server, s3_bucket, support) -> None:
    url = s3_server.url(s3_bucket, "live.zarr")
    opts = s3_server.storage_options
    with ZarrIO(url, "w", storage_options=opts) as io:
        io.write(support.make_table(5))
    seen = _read_while_appending(support, url, opts, snapshots=3, distinct=2)
    assert len(seen) >= 3 and len(set(seen)) >= 2, seen

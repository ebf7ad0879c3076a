"""Two processes appending to one table (issue 14 item 3): every acknowledged row is stored exactly
once, no row mixes the writers, ids are unique; the loser of a race gets ConflictError and retries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORKER = HERE / "two_writers_worker.py"


def make_table() -> DynamicTable:
    t = DynamicTable(name="shared", description="appended by two processes")
    t.add_column("writer", "which process", dtype="int64")
    t.add_column("seq", "row number of that process", dtype="int64")
    t.add_column("tag", "w<writer>-<seq>", dtype="text")
    t.add_column("r", "ragged: writer*1e6+seq, seq%3+1 times", dtype="float64", index=True)
    return t


def run_writers(url: str, opts: dict | None, batches: int, nrows: int, writers: int = 2) -> list[dict[str, Any]]:
    """Start ``writers`` worker processes at once; returns per writer its acknowledged (writer, seq) rows
    and its conflict count."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if opts:
        env["HDMFZARR_TEST_STORAGE_OPTIONS"] = json.dumps(opts)
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), url, str(w), str(batches), str(nrows)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for w in range(1, writers + 1)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        acked: set[tuple[int, int]] = set()
        conflicts = 0
        for line in out.splitlines():
            parts = line.split()
            if parts[0] == "ack":
                w, first, n = map(int, parts[1:])
                acked |= {(w, s) for s in range(first, first + n)}
            elif parts[0] == "conflict":
                conflicts += 1
        results.append({"acked": acked, "conflicts": conflicts})
    return results


def check_store(url: str, opts: dict | None, results: list[dict[str, Any]]) -> dict[str, int]:
    """Every acknowledged row present once, each row consistent across its columns, ids 0..n-1."""
    with ZarrIO(url, "r", storage_options=opts) as io:
        t = io.read()
        ids = np.asarray(t.id.get_all()).tolist()
        writer = np.asarray(t["writer"].get_all()).tolist()
        seq = np.asarray(t["seq"].get_all()).tolist()
        tag = list(t["tag"].get_all())
        ragged = [np.asarray(x).tolist() for x in t["r"].get_all()]
    n = len(ids)
    assert ids == list(range(n)), "ids are not 0..n-1 (duplicated or lost)"
    assert len(writer) == len(seq) == len(tag) == len(ragged) == n
    for w, s, g, r in zip(writer, seq, tag, ragged):  # no row mixing two writers' values
        assert g == f"w{w}-{s}" and r == [float(w * 1_000_000 + s)] * (s % 3 + 1), (w, s, g, r)
    stored = list(zip(writer, seq))
    assert len(set(stored)) == n, "a row is stored twice"
    acked = set().union(*(r["acked"] for r in results))
    lost = acked - set(stored)
    assert not lost, f"{len(lost)} acknowledged rows lost"
    assert set(stored) <= acked, "rows stored that no writer acknowledged"
    return {"rows": n, "acked": len(acked), "lost": len(lost), "conflicts": sum(r["conflicts"] for r in results)}


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("batches", [3, pytest.param(15, marks=pytest.mark.slow)])
def test_two_processes_append_locally(tmp_path: Path, fmt: int, batches: int) -> None:
    url = str(tmp_path / f"shared{fmt}.zarr")
    with ZarrIO(url, "w", zarr_format=fmt) as io:
        io.write(make_table())
    results = run_writers(url, None, batches=batches, nrows=7)
    figures = check_store(url, None, results)
    assert figures["acked"] == 2 * batches * 7 and figures["lost"] == 0


@pytest.mark.s3
@pytest.mark.slow
@pytest.mark.parametrize("fmt", [3, 2])
def test_two_processes_append_on_s3(s3_server, s3_bucket, fmt: int) -> None:
    url = s3_server.url(s3_bucket, f"shared{fmt}.zarr")
    opts = s3_server.storage_options
    with ZarrIO(url, "w", zarr_format=fmt, storage_options=opts) as io:
        io.write(make_table())
    results = run_writers(url, opts, batches=4, nrows=5)
    figures = check_store(url, opts, results)
    assert figures["acked"] == 2 * 4 * 5 and figures["lost"] == 0
    fs = s3_server.filesystem()
    assert not fs.exists(f"{s3_bucket}/shared{fmt}.zarr/.hdmfzarr-writer.lock")  # released

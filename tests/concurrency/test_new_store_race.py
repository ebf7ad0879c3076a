"""Two processes creating the same new store (issue 14 item 3, first commit): the store ends whole,
every value from one writer, and the other writer gets ConflictError — never a mix of both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORKER = HERE / "new_store_worker.py"
ROWS = 3000


def race(url: str, mode: str, fmt: int, opts: dict | None = None, late: int | None = None) -> dict[int, str]:
    """Start two writers of ``url``; both open it, then both write at once (``late``, a local store only: that
    writer opens once the other has begun writing, i.e. stored its first object). Returns each writer's outcome
    (``ack`` / ``conflict``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if opts:
        env["HDMFZARR_TEST_STORAGE_OPTIONS"] = json.dumps(opts)
    if late is not None:
        env["HDMFZARR_TEST_OPEN_LATE"] = str(late)
    procs = {w: subprocess.Popen([sys.executable, str(WORKER), url, str(w), mode, str(fmt), str(ROWS)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=env, cwd=ROOT) for w in (1, 2)}
    try:
        for p in procs.values():
            assert p.stdout.readline().strip() == "open", p.stderr.read()[-3000:]
        for w, p in procs.items():
            if w == late:  # not a fixed delay: under load the other writer may not have begun by then
                deadline = time.monotonic() + 120
                while not any(Path(url).iterdir()) and time.monotonic() < deadline:
                    time.sleep(0.002)
            p.stdin.write("go\n")
            p.stdin.flush()
        outcome = {}
        for w, p in procs.items():
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-3000:]
            outcome[w] = out.split()[0]
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return outcome


def stored_writer(url: str, opts: dict | None = None) -> int:
    """The one writer whose table the store holds, after checking every value is that writer's."""
    with ZarrIO(url, storage_options=opts) as io:
        t = io.read()
        w = np.asarray(t["w"].get_all())
        assert len(t) == ROWS and len(w) == ROWS
        writer = int(w[0])
        assert np.asarray(t.id.get_all()).tolist() == list(range(ROWS))
        assert (w == writer).all(), "a column mixes both writers"
        assert np.asarray(t["x"].get_all()).tolist() == [writer * 1e6 + k for k in range(ROWS)]
        assert list(t["s"].get_all()) == [f"w{writer} row {k}" for k in range(ROWS)]
        assert [np.asarray(c).tolist() for c in t["r"].get_all()] == [[writer] * (k % 4) for k in range(ROWS)]
        assert t.description == f"written by {writer}"
    return writer


def check(outcome: dict[int, str], winner: int) -> None:
    assert sorted(outcome.values()) == ["ack", "conflict"], outcome
    assert outcome[winner] == "ack", (outcome, winner)


SLOW = pytest.mark.slow


@pytest.mark.parametrize("mode,fmt", [("a", 3), ("w", 2), pytest.param("w-", 3, marks=SLOW),
                                      pytest.param("a", 2, marks=SLOW), pytest.param("w", 3, marks=SLOW),
                                      pytest.param("w-", 2, marks=SLOW)])
def test_two_processes_create_one_local_store(tmp_path: Path, mode: str, fmt: int) -> None:
    url = str(tmp_path / "new.zarr")
    outcome = race(url, mode, fmt)
    check(outcome, stored_writer(url))


@pytest.mark.parametrize("mode", ["w", pytest.param("a", marks=SLOW)])
def test_writer_opening_mid_write_does_not_erase_it(tmp_path: Path, mode: str) -> None:
    """Writer 2 opens while writer 1 is writing the new store: mode 'a' must not restart the store under
    it, mode 'w' must not clear it; writer 2 gets ConflictError once writer 1 committed."""
    url = str(tmp_path / "late.zarr")
    outcome = race(url, mode, 3, late=2)
    winner = stored_writer(url)
    if outcome == {1: "ack", 2: "ack"}:  # writer 2 opened after writer 1's commit: a later write, whole
        assert winner == 2
    else:
        check(outcome, winner)
        assert winner == 1


@pytest.mark.s3
@pytest.mark.slow
@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("mode", ["a", "w"])
def test_two_processes_create_one_s3_store(s3_server, s3_bucket, mode: str, fmt: int) -> None:
    url = s3_server.url(s3_bucket, f"new{mode}{fmt}.zarr")
    opts = s3_server.storage_options
    outcome = race(url, mode, fmt, opts)
    check(outcome, stored_writer(url, opts))
    assert not s3_server.filesystem().exists(f"{s3_bucket}/new{mode}{fmt}.zarr/.hdmfzarr-writer.lock")

"""Helpers for the append tests: the test table, its deterministic rows and a consistency check.

Tests get this module through the ``support`` fixture (conftest.py; pytest runs with
--import-mode=importlib, so test modules cannot import each other).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORKER = HERE / "append_worker.py"

_spec = importlib.util.spec_from_file_location("hdmfzarr_append_worker", WORKER)
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)


def make_table(nrows: int) -> DynamicTable:
    """A table with plain, text, ragged and doubly ragged columns holding rows 0..nrows-1."""
    return worker.make_table(nrows)


def check_table(table: Any) -> int:
    """Assert the table is consistent (every column as long as id, no partial row) and that every
    row holds its deterministic content; returns the row count."""
    n = len(table.id)
    tops = {name: table.get_column(name) for name in table.colnames}
    for name, top in tops.items():
        assert len(top) == n, f"column {name!r} has {len(top)} rows, id has {n}"
    expect = worker.rows_for(0, n)
    assert np.asarray(table.id.get_all()).tolist() == expect["id"].tolist()
    assert np.asarray(tops["i"].get_all()).tolist() == expect["i"].tolist()
    assert np.asarray(tops["f"].get_all()).tolist() == expect["f"].tolist()
    assert list(tops["s"].get_all()) == expect["s"]
    got_r = tops["r"].get_all()
    assert [np.asarray(x).tolist() for x in got_r] == [x.tolist() for x in expect["r"]]
    # the flat data holds exactly the indexed values (no partial row beyond the last offset)
    assert len(tops["r"].target) == int(sum(len(x) for x in expect["r"]))
    got_dr = tops["dr"].get_all()
    assert [[np.asarray(y).tolist() for y in x] for x in got_dr] == expect["dr"]
    return n


def check_refs(root: Any) -> int:
    """Assert table ``refs`` of a ``worker.make_ref_root`` store is consistent (both columns as long as id) and
    row k refers to target<k % 3>; returns the row count."""
    table = root["refs"]
    n = len(table.id)
    assert len(table["obj"]) == n and len(table["s"]) == n, (len(table["obj"]), len(table["s"]), n)
    assert np.asarray(table.id.get_all()).tolist() == list(range(n))
    assert [t.name for t in table["obj"].data[:]] == [f"target{k % worker.N_TARGETS}" for k in range(n)]
    assert list(table["s"].data[:]) == [f"row {k}" for k in range(n)]
    return n


def _env(storage_options: dict | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if storage_options:
        env["HDMFZARR_TEST_STORAGE_OPTIONS"] = json.dumps(storage_options)
    return env


def run_worker(url: str, batch: int, max_batches: int, storage_options: dict | None = None) -> subprocess.Popen:
    """A worker subprocess appending to ``url`` (output on its stdout pipe)."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, str(batch), str(max_batches)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(storage_options), cwd=ROOT,
    )


class ForkServer:
    """``append_worker.py --serve``: forks workers that are already past start-up (imports, schema)."""

    def __init__(self, storage_options: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=_env(storage_options), cwd=ROOT,
        )
        self.lock = threading.Lock()

    def start(self, url: str, batch: int, max_batches: int, out: Path, scenario: str = "append") -> int:
        """Fork a worker writing to ``url`` (``scenario``, see append_worker.py), its output going to
        ``out``; returns its pid."""
        with self.lock:
            self.proc.stdin.write(f"{url} {batch} {max_batches} {out} {scenario}\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        assert line.strip().isdigit(), f"fork server answered {line!r}"
        return int(line)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists (killed workers are reaped by the fork server's kernel)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def kill_worker_later(server: ForkServer, url: str, batch: int, out: Path, delay: float,
                      scenario: str = "append", wait_for: str = "committed") -> list[str]:
    """Fork a worker, wait for ``wait_for`` in its output (its first commit), SIGKILL it ``delay`` s
    later; its output lines (a line without its newline is one the kill cut short)."""
    pid = server.start(url, batch, 100_000, out, scenario)
    try:
        deadline = time.monotonic() + 120
        while wait_for not in (out.read_text() if out.exists() else ""):
            assert alive(pid), f"worker {pid} died before committing: {out.read_text() if out.exists() else ''}"
            assert time.monotonic() < deadline, "worker committed nothing in 120 s"
            time.sleep(0.002)
        time.sleep(delay)
    finally:
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.001)
    return out.read_text().splitlines(keepends=True)

"""Subprocess for the append crash and concurrency tests: appends batches to a table until killed.

Usage: ``python append_worker.py URL BATCH_ROWS MAX_BATCHES`` (S3 options as JSON in
``HDMFZARR_TEST_STORAGE_OPTIONS``). Prints ``ready N`` once the store is open, then
``writing`` before and ``committed N`` after each write (N = rows in the table once it returned).

``python append_worker.py --serve`` is a fork server for the many-kill crash test: it imports
everything once, then for each stdin line ``URL BATCH_ROWS MAX_BATCHES OUTFILE`` forks a worker
(its output going to OUTFILE) and prints the worker's pid, so a trial does not pay for start-up.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import numpy as np

from hdmfzarr.backends.zarr import ZarrIO


def rows_for(start: int, n: int) -> dict:
    """The deterministic content of rows ``start .. start+n-1`` (so a reader can check every value)."""
    g = np.arange(start, start + n)
    return {
        "id": g,
        "i": g * 3,
        "f": g * 0.5,
        "s": [f"row {k}" for k in g],
        "r": [np.full(k % 3, float(k)) for k in g],
        "dr": [[[int(k)] * (j + 1) for j in range(k % 2 + 1)] for k in g],
    }


def _say(line: str) -> None:
    """One line in one write (a kill never leaves half of it)."""
    os.write(1, (line + "\n").encode())


def serve() -> None:
    """Fork a worker per request line; no zarr I/O (hence no event-loop thread) happens before a fork."""
    from hdmfzarr.build import get_type_map

    get_type_map()  # parse the schema once, in the parent
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed workers are reaped by the kernel
    for line in sys.stdin:
        url, batch, max_batches, out = line.split()
        pid = os.fork()
        if pid == 0:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            code = 0
            try:
                run(url, int(batch), int(max_batches))
            except BaseException:  # noqa: BLE001 - reported through the exit code and stderr
                import traceback

                traceback.print_exc()
                code = 1
            os._exit(code)
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()


def main() -> None:
    if sys.argv[1] == "--serve":
        serve()
        return
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))


def run(url: str, batch: int, max_batches: int) -> None:
    """Append ``batch`` rows at a time to the table at ``url``, ``max_batches`` times."""
    opts = json.loads(os.environ.get("HDMFZARR_TEST_STORAGE_OPTIONS") or "null")
    with ZarrIO(url, "a", storage_options=opts) as io:
        table = io.read()
        _say(f"ready {len(table)}")
        for _ in range(max_batches):
            table.extend(rows_for(len(table), batch))
            _say("writing")
            io.write(table)
            _say(f"committed {len(table)}")


if __name__ == "__main__":
    main()

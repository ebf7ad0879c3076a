"""Subprocess of the new-store race test: opens a store that does not exist yet, waits for ``go`` on
stdin, then writes a table whose every value names this writer.

Usage: ``python new_store_worker.py URL WRITER MODE FORMAT ROWS`` (S3 options as JSON in
``HDMFZARR_TEST_STORAGE_OPTIONS``). Prints ``open`` once the store is open, then ``ack`` when the
write returned or ``conflict`` when it raised ConflictError (anything else: a traceback, exit 1).
"""

from __future__ import annotations

import json
import os
import sys

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import ConflictError


def table(writer: int, rows: int) -> DynamicTable:
    """A table whose columns all derive from ``writer`` (a mix of two writers shows in any cell)."""
    t = DynamicTable(name="t", description=f"written by {writer}")
    t.add_column("w", "writer", dtype="int64")
    t.add_column("x", "writer * 1e6 + row", dtype="float64")
    t.add_column("s", "text", dtype="text")
    t.add_column("r", "ragged", dtype="int32", index=True)
    t.extend({"id": list(range(rows)), "w": [writer] * rows, "x": [writer * 1e6 + k for k in range(rows)],
              "s": [f"w{writer} row {k}" for k in range(rows)], "r": [[writer] * (k % 4) for k in range(rows)]})
    return t


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def main() -> None:
    url, writer, mode, fmt, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    opts = json.loads(os.environ.get("HDMFZARR_TEST_STORAGE_OPTIONS") or "null")
    data = table(writer, rows)
    late = os.environ.get("HDMFZARR_TEST_OPEN_LATE") == str(writer)  # open only after "go" (mid-write)
    if not late:
        io = ZarrIO(url, mode, zarr_format=fmt, storage_options=opts)
    _say("open")
    sys.stdin.readline()
    try:
        if late:
            io = ZarrIO(url, mode, zarr_format=fmt, storage_options=opts)
    except ConflictError as exc:  # mode 'w': another writer committed while this one waited to clear
        _say(f"conflict {exc}")
        return
    try:
        io.write(data)
    except ConflictError as exc:
        _say(f"conflict {exc}")
        return
    finally:
        io.close()
    _say("ack")


if __name__ == "__main__":
    main()

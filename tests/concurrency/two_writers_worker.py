"""Subprocess of the two-writer tests: appends batches to one table while another process does too.

Usage: ``python two_writers_worker.py URL WRITER BATCHES ROWS`` (S3 options as JSON in
``HDMFZARR_TEST_STORAGE_OPTIONS``). Each batch is rows ``(WRITER, seq)``; ids continue the table's
committed row count. On ConflictError the batch is unacknowledged: the worker opens the store
again and retries it. Prints ``ack WRITER FIRST_SEQ N`` after each acknowledged write (one
``os.write``), ``conflict`` per ConflictError, and ``done ACKED CONFLICTS`` at the end.
"""

from __future__ import annotations

import json
import os
import sys

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.errors import ConflictError


def rows(writer: int, first_id: int, first_seq: int, n: int) -> dict:
    """Rows whose every column says which writer and sequence number they belong to."""
    seqs = range(first_seq, first_seq + n)
    return {
        "id": [first_id + k for k in range(n)],
        "writer": [writer] * n,
        "seq": list(seqs),
        "tag": [f"w{writer}-{s}" for s in seqs],
        "r": [[float(writer * 1_000_000 + s)] * (s % 3 + 1) for s in seqs],
    }


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def main() -> None:
    url, writer, batches, nrows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    opts = json.loads(os.environ.get("HDMFZARR_TEST_STORAGE_OPTIONS") or "null")
    acked = conflicts = 0
    seq = 0
    while seq < batches * nrows:
        io = ZarrIO(url, "a", storage_options=opts)
        try:
            table = io.read()
            before = len(table)
            table.extend(rows(writer, len(table), seq, nrows))
            try:
                io.write(table)
            except ConflictError:
                conflicts += 1
                _say("conflict")
                assert io.pending_appends() > 0 and len(table) == before + nrows  # still pending, unacknowledged
                continue  # read the store again and retry the batch
        finally:
            io.close()  # (not the context manager: its exit would write the pending batch)
        _say(f"ack {writer} {seq} {nrows}")
        acked += nrows
        seq += nrows
    _say(f"done {acked} {conflicts}")


if __name__ == "__main__":
    main()

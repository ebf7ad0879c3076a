"""Subprocess for the crash (kill campaign) and concurrency tests: writes to a store until killed.

Usage: ``python append_worker.py URL BATCH_ROWS MAX_BATCHES [SCENARIO]`` (S3 options as JSON in
``HDMFZARR_TEST_STORAGE_OPTIONS``). Prints ``ready N`` once the store is open, then
``writing`` before and ``committed N`` after each write. Scenarios (N after each write):

- ``append``: append BATCH_ROWS rows to the table (N = rows in the table);
- ``refs``: append BATCH_ROWS rows to table ``refs`` of a :func:`make_ref_root` store (N = rows in it);
- ``add_column``: open in mode 'a', add column ``c<k>`` to the stored table, write, close (N = k + 1);
- ``add_table``: open in mode 'a', add table ``t<k>`` (k + 1 rows) to the stored root container (N = k + 1);
- ``first``: write a new store ``URL/<k>.zarr`` holding a BATCH_ROWS-row table (N = k + 1);
- ``convert``: ``hdmfzarr.convert(URL/source.zarr, URL/<k>.zarr)`` (N = k + 1).

``python append_worker.py --serve`` is a fork server for the many-kill crash tests: it imports
everything once, then for each stdin line ``URL BATCH_ROWS MAX_BATCHES OUTFILE [SCENARIO]`` forks a
worker (its output going to OUTFILE) and prints the worker's pid, so a trial does not pay for start-up.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import numpy as np

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable, SimpleMultiContainer, VectorData


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
        url, batch, max_batches, out, *scenario = line.split()
        pid = os.fork()
        if pid == 0:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            code = 0
            try:
                run(url, int(batch), int(max_batches), *scenario)
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
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:5])


def column_for(k: int, n: int) -> np.ndarray:
    """The deterministic content of added column ``c<k>`` for an ``n``-row table."""
    return np.arange(n, dtype="int64") * 7 + k


def table_for(k: int, n: int) -> DynamicTable:
    """Added table ``t<k>``: ``n`` rows of deterministic content."""
    t = DynamicTable(name=f"t{k}", description=f"added table {k}")
    t.add_column("v", "values", dtype="float64")
    t.add_column("s", "labels", dtype="text")
    for i in range(n):
        t.add_row(v=k + i / 8, s=f"t{k} row {i}")
    return t


def make_table(nrows: int) -> DynamicTable:
    """The test table (plain, text, ragged and doubly ragged columns) holding rows 0..nrows-1."""
    t = DynamicTable(name="acq", description="acquisition table")
    t.add_column("i", "int", dtype="int64")
    t.add_column("f", "float", dtype="float64")
    t.add_column("s", "text", dtype="text")
    t.add_column("r", "ragged", dtype="float64", index=True)
    t.add_column("dr", "doubly ragged", dtype="int64", index=2)
    if nrows:
        t.extend(rows_for(0, nrows))
    return t


N_TARGETS = 3  # row k of the reference table refers to target<k % 3>, its text column says "row k"


def make_ref_root(nrows: int) -> SimpleMultiContainer:
    """A root holding three target tables and table ``refs`` (a column of object references, one of text) with
    rows 0..nrows-1."""
    targets = [DynamicTable(name=f"target{j}", description=f"target {j}") for j in range(N_TARGETS)]
    refs = DynamicTable(name="refs", description="object references", columns=[
        VectorData(name="obj", description="refs", data=[targets[k % N_TARGETS] for k in range(nrows)]),
        VectorData(name="s", description="text", data=[f"row {k}" for k in range(nrows)])])
    return SimpleMultiContainer(name="root", containers=[*targets, refs])


def _refs(url: str, batch: int, max_batches: int, opts: dict | None) -> None:
    with ZarrIO(url, "a", storage_options=opts) as io:
        root = io.read()
        table, targets = root["refs"], [root[f"target{j}"] for j in range(N_TARGETS)]
        _say(f"ready {len(table)}")
        for _ in range(max_batches):
            for k in range(len(table), len(table) + batch):
                table.add_row(obj=targets[k % N_TARGETS], s=f"row {k}")
            _say("writing")
            io.write(root)
            _say(f"committed {len(table)}")


def run(url: str, batch: int, max_batches: int, scenario: str = "append") -> None:
    """Write ``max_batches`` times to ``url`` as ``scenario`` says (module docstring)."""
    opts = json.loads(os.environ.get("HDMFZARR_TEST_STORAGE_OPTIONS") or "null")
    if scenario != "append":
        SCENARIOS[scenario](url, batch, max_batches, opts)
        return
    with ZarrIO(url, "a", storage_options=opts) as io:
        table = io.read()
        _say(f"ready {len(table)}")
        for _ in range(max_batches):
            table.extend(rows_for(len(table), batch))
            _say("writing")
            io.write(table)
            _say(f"committed {len(table)}")


def _add_column(url: str, batch: int, max_batches: int, opts: dict | None) -> None:
    with ZarrIO(url, "r", storage_options=opts) as io:
        k0 = sum(1 for c in io.read().colnames if c.startswith("c"))
    _say(f"ready {k0}")
    for k in range(k0, k0 + max_batches):
        with ZarrIO(url, "a", storage_options=opts) as io:
            table = io.read()
            table.add_column(f"c{k}", f"added column {k}", data=column_for(k, len(table)))
            _say("writing")
            io.write(table)
        _say(f"committed {k + 1}")


def _add_table(url: str, batch: int, max_batches: int, opts: dict | None) -> None:
    with ZarrIO(url, "r", storage_options=opts) as io:
        k0 = len(io.read().containers)
    _say(f"ready {k0}")
    for k in range(k0, k0 + max_batches):
        with ZarrIO(url, "a", storage_options=opts) as io:
            root = io.read()
            root.add_container(table_for(k, k + 1))
            _say("writing")
            io.write(root)
        _say(f"committed {k + 1}")


def _whole_stores(url: str, opts: dict | None) -> int:
    """How many of ``URL/0.zarr, URL/1.zarr, ...`` open (the next one is written over)."""
    from hdmfzarr.errors import HdmfZarrError

    k = 0
    while True:
        try:
            with ZarrIO(f"{url}/{k}.zarr", storage_options=opts) as io:
                io.read_builder()
        except HdmfZarrError:
            return k
        k += 1


def _first(url: str, batch: int, max_batches: int, opts: dict | None) -> None:
    k0 = _whole_stores(url, opts)
    _say(f"ready {k0}")
    for k in range(k0, k0 + max_batches):
        _say("writing")
        with ZarrIO(f"{url}/{k}.zarr", "w", storage_options=opts) as io:
            io.write(make_table(batch))
        _say(f"committed {k + 1}")


def _convert(url: str, batch: int, max_batches: int, opts: dict | None) -> None:
    from hdmfzarr.cli import convert

    k0 = _whole_stores(url, opts)
    _say(f"ready {k0}")
    for k in range(k0, k0 + max_batches):
        _say("writing")
        convert(f"{url}/source.zarr", f"{url}/{k}.zarr", storage_options=opts, overwrite=True)
        _say(f"committed {k + 1}")


SCENARIOS = {"refs": _refs, "add_column": _add_column, "add_table": _add_table, "first": _first, "convert": _convert}


if __name__ == "__main__":
    main()

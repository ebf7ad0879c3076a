"""An acquisition loop: append batches of rows to a table in a Zarr store as they arrive.

Each batch opens the store in mode 'a', reads the table lazily, adds rows (``add_row`` for single
events, ``extend`` for a block of them) and writes again; only the new rows need to be stored.
The rows already in the store are never read back into memory by the loop itself.

Run:  python examples/acquisition_loop.py [STORE] [BATCHES]   (default: acquisition.zarr, 5 batches)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import hdmfzarr
from hdmfzarr.common import DynamicTable

ROWS_PER_BATCH = 1000


def new_table() -> DynamicTable:
    """The (empty) table of detected events."""
    table = DynamicTable(name="events", description="threshold crossings, appended as they are detected")
    table.add_column("time", "event time (s)", dtype="float64")
    table.add_column("channel", "channel of the event", dtype="int32")
    table.add_column("amplitude", "peak amplitude (uV)", dtype="float32")
    table.add_column("waveform", "samples around the peak (variable length)", dtype="float32", index=True)
    return table


def acquire(batch: int, rng: np.random.Generator) -> dict:
    """One batch of made-up events (a block of rows as columns)."""
    n = ROWS_PER_BATCH
    lengths = rng.integers(8, 33, size=n)
    return {
        "time": batch * 10.0 + np.sort(rng.uniform(0, 10, n)),
        "channel": rng.integers(0, 64, n).astype(np.int32),
        "amplitude": rng.normal(-80, 15, n).astype(np.float32),
        "waveform": [rng.normal(0, 20, k).astype(np.float32) for k in lengths],
    }


def main(store: str = "acquisition.zarr", batches: str | int = 5) -> int:
    path = Path(store)
    rng = np.random.default_rng(0)
    n_batches = int(batches)
    for batch in range(n_batches):
        with hdmfzarr.ZarrIO(path, mode="a") as io:
            try:
                table = io.read()  # the table so far: stored rows stay on disk, new ones are buffered
            except hdmfzarr.StoreNotFoundError:
                table = new_table()  # first batch: nothing stored yet
            before = len(table)
            table.extend(acquire(batch, rng))  # a block of rows
            table.add_row(time=batch * 10.0 + 10.0, channel=0, amplitude=np.float32(0.0),
                          waveform=[0.0, 0.0])  # a single marker event closing the batch
            io.write(table)
        print(f"batch {batch}: {before} -> {len(table)} rows")

    with hdmfzarr.ZarrIO(path, mode="r") as io:
        events = io.read()
        expected = n_batches * (ROWS_PER_BATCH + 1)
        assert len(events) == expected, (len(events), expected)
        times = np.asarray(events["time"][:])
        assert np.all(np.diff(times) >= 0), "event times must stay sorted across batches"
        last = events[len(events) - 1]
        waveform = np.asarray(last["waveform"]).tolist()
        print(f"{len(events)} events stored; last: time={last['time']} waveform={waveform}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

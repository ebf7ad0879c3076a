"""Quickstart: write a DynamicTable (int, float, text and ragged columns) to a local Zarr store, read it back lazily.

Run from the repository root:  python examples/quickstart.py  [STORE]   (default STORE: quickstart.zarr)
"""

from __future__ import annotations

import sys

import numpy as np

import hdmfzarr
from hdmfzarr.common import DynamicTable, ElementIdentifiers, VectorData, VectorIndex


def make_table(n_rows: int = 1000, seed: int = 0) -> DynamicTable:
    """A table of made-up neurons: an int, a float, a text and a ragged (spike times) column."""
    rng = np.random.default_rng(seed)
    n_spikes = rng.integers(0, 8, size=n_rows)
    per_unit = [np.sort(rng.uniform(0, 100, size=k)) for k in n_spikes]
    spikes = VectorData(name="spike_times", description="spike times (s) of each unit",
                        data=np.round(np.concatenate(per_unit), 3))
    columns = [
        VectorData(name="channel", description="recording channel", data=rng.integers(0, 384, size=n_rows)),
        VectorData(name="firing_rate", description="mean firing rate (Hz)",
                   data=np.round(rng.gamma(2.0, 3.0, size=n_rows), 2)),
        VectorData(name="quality", description="curation label",
                   data=[("good", "mua", "noise")[i % 3] for i in range(n_rows)]),
        spikes,
        VectorIndex(name="spike_times_index", data=np.cumsum(n_spikes), target=spikes),
    ]
    return DynamicTable(name="units", description="made-up sorted units",
                        id=ElementIdentifiers(name="id", data=np.arange(n_rows)), columns=columns)


def main(store: str = "quickstart.zarr") -> int:
    table = make_table()
    with hdmfzarr.ZarrIO(store, mode="w") as io:
        io.write(table)
    print(f"wrote {len(table)} rows to {store}")

    with hdmfzarr.ZarrIO(store, mode="r") as io:
        units = io.read()  # lazy: columns fetch chunks only when indexed
        print(f"read back {type(units).__name__} {units.name!r}: {len(units)} rows, columns {list(units.colnames)}")
        for row in range(3):
            print(f"  row {row}: channel={units['channel'][row]} firing_rate={units['firing_rate'][row]} "
                  f"quality={units['quality'][row]} spike_times={np.asarray(units['spike_times'][row]).tolist()}")
        assert len(units) == len(table)
        assert list(units["channel"][:10]) == list(table["channel"][:10])
        try:
            df = units.to_dataframe()
        except ImportError as exc:
            print(f"(install pandas to see the table as a DataFrame: {exc})")
        else:
            print(df.head())
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))

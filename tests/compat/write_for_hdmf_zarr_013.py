"""Write Zarr format 2 stores with hdmfzarr for hdmf-zarr 0.13 to read (see read_with_hdmf_zarr_013.py).

Run in the main environment:  python tests/compat/write_for_hdmf_zarr_013.py OUTDIR
Writes OUTDIR/common.zarr and OUTDIR/large.zarr, each with X.zarr.expected.json beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import hdmfzarr
from hdmfzarr.common import (
    CSRMatrix, DynamicTable, DynamicTableRegion, ElementIdentifiers, SimpleMultiContainer, VectorData, VectorIndex,
)

PLACES = ["Lisbon", "Osaka", "Quito"]
PEOPLE = {
    "id": [10, 11, 12, 13],
    "age": [31, 42, 27, 65],
    "weight": [61.5, 80.25, 55.0, 72.125],
    "nickname": ["ana", "bo", "chen", "dara"],
    "alive": [True, False, True, False],
    "tags": [["a", "b"], [], ["c"], ["d", "e", "f"]],
    "scores": [[[1, 2], [3]], [[4]], [[], [5, 6, 7]], [[8]]],
    "home": [2, 0, 1, 2],
}
DENSE = [[1, 0, 2, 0], [0, 0, 0, 3], [4, 5, 0, 0]]


def ragged(name: str, description: str, rows: list[list]) -> tuple[VectorData, VectorIndex]:
    """A ragged column: flat data plus its index of cumulative end offsets."""
    data = VectorData(name=name, description=description, data=[v for row in rows for v in row])
    return data, VectorIndex(name=f"{name}_index", data=np.cumsum([len(r) for r in rows]), target=data)


def doubly_ragged(name: str, description: str, rows: list[list[list]]) -> tuple[VectorData, VectorIndex, VectorIndex]:
    """A doubly ragged column: data, index over data, index over that index."""
    inner = [cell for row in rows for cell in row]
    data, index = ragged(name, description, inner)
    outer = VectorIndex(name=f"{name}_index_index", data=np.cumsum([len(r) for r in rows]), target=index)
    return data, index, outer


def build_common() -> tuple[SimpleMultiContainer, dict]:
    places = DynamicTable(
        name="places", description="where people live",
        id=ElementIdentifiers(name="id", data=list(range(len(PLACES)))),
        columns=[VectorData(name="city", description="city name", data=PLACES)],
    )
    tags = ragged("tags", "ragged text column", PEOPLE["tags"])
    scores = doubly_ragged("scores", "doubly ragged int column", PEOPLE["scores"])
    people = DynamicTable(
        name="people", description="a table with every column kind",
        id=ElementIdentifiers(name="id", data=PEOPLE["id"]),
        columns=[
            VectorData(name="age", description="int column", data=np.array(PEOPLE["age"], dtype=np.int64)),
            VectorData(name="weight", description="float column", data=np.array(PEOPLE["weight"])),
            VectorData(name="nickname", description="text column", data=PEOPLE["nickname"]),
            VectorData(name="alive", description="bool column", data=np.array(PEOPLE["alive"])),
            *tags, *scores,
            DynamicTableRegion(name="home", data=PEOPLE["home"], description="row references into places",
                               table=places),
        ],
    )
    dense = np.array(DENSE)
    rows, cols = np.nonzero(dense)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=dense.shape[0]))])
    csr = CSRMatrix(data=dense[rows, cols], indices=cols, indptr=indptr, shape=dense.shape, name="sparse")
    root = SimpleMultiContainer(name="root", containers=[people, places, csr])
    colnames = ["age", "weight", "nickname", "alive", "tags", "scores", "home"]
    expected = {
        "root_type": "SimpleMultiContainer",
        "tables": {
            "people": {"id": PEOPLE["id"], "colnames": colnames,
                       "columns": {c: PEOPLE[c] for c in colnames}, "region_columns": {"home": "places"}},
            "places": {"id": [0, 1, 2], "colnames": ["city"], "columns": {"city": PLACES}},
        },
        "csr": {"sparse": {"shape": list(dense.shape), "dense": DENSE}},
    }
    return root, expected


def build_large() -> tuple[SimpleMultiContainer, dict]:
    """A bigger table (multiple chunks per column) with a ragged float column."""
    n = 5000
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 5, size=n)
    flat = np.round(rng.uniform(0, 10, size=int(lengths.sum())), 3)
    data = VectorData(name="spike_times", description="ragged floats", data=flat)
    index = VectorIndex(name="spike_times_index", data=np.cumsum(lengths), target=data)
    channel = rng.integers(0, 384, size=n)
    table = DynamicTable(name="units", description="bigger table",
                         id=ElementIdentifiers(name="id", data=np.arange(n)),
                         columns=[VectorData(name="channel", description="int column", data=channel), data, index])
    cuts = np.cumsum(lengths)[:-1]
    expected = {
        "root_type": "SimpleMultiContainer",
        "tables": {"units": {"id": list(range(n)), "colnames": ["channel", "spike_times"],
                             "columns": {"channel": channel.tolist(),
                                         "spike_times": [a.tolist() for a in np.split(flat, cuts)]}}},
    }
    return SimpleMultiContainer(name="root", containers=[table]), expected


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in (("common", build_common), ("large", build_large)):
        root, expected = build()
        path = out / f"{name}.zarr"
        with hdmfzarr.ZarrIO(str(path), mode="w", zarr_format=2) as io:
            io.write(root)
        (out / f"{name}.zarr.expected.json").write_text(json.dumps(expected))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

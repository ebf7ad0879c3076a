"""Reverse compatibility check: read Zarr format 2 stores written by hdmfzarr with hdmf-zarr 0.13.

Run in the hdmf-zarr 0.13 environment (zarr-python 2), not the main one:

    /work/venv013/bin/python tests/compat/read_with_hdmf_zarr_013.py OUT/a.zarr OUT/b.zarr ...

Each ``X.zarr`` must have ``X.zarr.expected.json`` beside it (written by write_for_hdmf_zarr_013.py):

    {"root_type": "SimpleMultiContainer",                      # data_type of the root container
     "tables": {"people": {"id": [...], "colnames": [...],      # children of the root, by name
                           "columns": {"age": [...], "tags": [[...], ...], "home": [row indices]},
                           "region_columns": {"home": "places"}}},
     "csr": {"sparse": {"shape": [3, 4], "dense": [[...], ...]}}}

Every store is read with namespaces loaded from its own cached specs; values must match exactly
(floats to 1e-12). Prints one line per store; exits 1 if any store fails.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from pathlib import Path

os.environ.setdefault("NUMCODECS_ALLOW_UNSAFE_PICKLE_DECODE", "1")  # reading 0.13-style pickled refs

from hdmf.build import BuildManager  # noqa: E402
from hdmf.common import get_type_map  # noqa: E402
from hdmf_zarr import ZarrIO  # noqa: E402


def plain(value):
    """numpy / lazy values -> nested plain Python lists and scalars."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    return value


def same(got, want) -> bool:
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)
    return got == want and type(got) is type(want) if isinstance(want, bool) else got == want


def describe_mismatch(got, want) -> str:
    """Short description of the first difference (lengths, or first differing row)."""
    if not isinstance(got, list) or len(got) != len(want):
        return f"got {short(got)} ({len(got) if isinstance(got, list) else type(got).__name__} rows), " \
               f"expected {short(want)} ({len(want)} rows)"
    row = next(i for i, (g, w) in enumerate(zip(got, want)) if not same(g, w))
    return f"first difference at row {row}: got {short(got[row])}, expected {short(want[row])}"


def short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def column_values(table, name: str):
    """A column as plain lists: ragged columns row by row, regions as raw row indices."""
    col = table[name]
    if type(col).__name__ == "DynamicTableRegion":
        return plain(col.data[:])
    if type(col).__name__ == "VectorIndex":
        return [plain(col[i]) for i in range(len(col))]
    return plain(col.data[:])


def check_table(where: str, table, want: dict, root) -> list[str]:
    problems = []
    if plain(table.id.data[:]) != want["id"]:
        problems.append(f"{where}: id {plain(table.id.data[:])} != {want['id']}")
    if "colnames" in want and list(table.colnames) != want["colnames"]:
        problems.append(f"{where}: colnames {list(table.colnames)} != {want['colnames']}")
    for name, values in want.get("columns", {}).items():
        try:
            got = column_values(table, name)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            problems.append(f"{where}: column {name!r} unreadable: {exc!r}")
            continue
        if not same(got, values):
            problems.append(f"{where}: column {name!r}: {describe_mismatch(got, values)}")
    for name, target in want.get("region_columns", {}).items():
        target_table = table[name].table
        if target_table is not root.containers[target]:
            problems.append(f"{where}: region column {name!r} points at {target_table.name!r}, expected {target!r}")
    return problems


def check_store(path: Path) -> list[str]:
    expected_path = path.parent / (path.name + ".expected.json")
    if not expected_path.is_file():
        return [f"{path}: no {expected_path.name} beside the store"]
    want = json.loads(expected_path.read_text())
    type_map = get_type_map()
    ZarrIO.load_namespaces(type_map, str(path))
    problems: list[str] = []
    with ZarrIO(str(path), mode="r", manager=BuildManager(type_map)) as io:
        root = io.read()
        if root.data_type != want["root_type"]:
            problems.append(f"{path}: root is {root.data_type}, expected {want['root_type']}")
        for name, table_want in want.get("tables", {}).items():
            if name not in root.containers:
                problems.append(f"{path}: no table {name!r} under the root (has {sorted(root.containers)})")
                continue
            problems += check_table(f"{path.name}:/{name}", root.containers[name], table_want, root)
        for name, csr_want in want.get("csr", {}).items():
            csr = root.containers.get(name)
            if csr is None:
                problems.append(f"{path}: no CSRMatrix {name!r}")
                continue
            dense = csr.to_spmat().toarray().tolist()
            if list(csr.shape) != csr_want["shape"] or not same(dense, csr_want["dense"]):
                problems.append(f"{path.name}:/{name}: CSR shape {list(csr.shape)} dense {dense} != {csr_want}")
    return problems


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for arg in argv:
        path = Path(arg)
        try:
            problems = check_store(path)
        except Exception:  # noqa: BLE001 - a store hdmf-zarr cannot open is a failure, keep checking others
            problems = [f"{path}: hdmf-zarr 0.13 could not read it:\n{traceback.format_exc()}"]
        if problems:
            failed += 1
            print(f"FAIL {path}")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok   {path}")
    print(f"hdmf-zarr 0.13 read check: {len(argv) - failed} of {len(argv)} stores ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Print, as JSON, what pynwb reads from an NWB Zarr store: every object by path, its type, object id and fields.

Runs in any environment with pynwb and hdmf-zarr (0.14 in the test venv; 0.13 in HDMFZARR_VENV013 for
format-2 stores), so a store and its copy can be compared as the peers see them:

    python tests/writeback/pynwb_summary.py STORE.zarr > summary.json

Containers inside fields are given by their path; arrays by their values (text decoded, datetimes as ISO
strings, compound rows as lists). Exits 1 with the traceback when pynwb cannot read the store.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys

import numpy as np


def path_of(obj) -> str:
    parts = []
    node = obj
    while node is not None and node.parent is not None:
        parts.append(node.name)
        node = node.parent
    return "/" + "/".join(reversed(parts))


def norm(value, depth: int = 0):
    """A JSON-able, comparable form of a field value."""
    from hdmf.container import AbstractContainer

    if depth > 6:
        return "<deep>"
    if isinstance(value, AbstractContainer):
        return {"ref": path_of(value), "type": type(value).__name__}
    if isinstance(value, (str, bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return norm(value.item(), depth + 1)
    if isinstance(value, dict):
        return {str(k): norm(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [norm(v, depth + 1) for v in value]
    if hasattr(value, "shape") and hasattr(value, "__getitem__"):  # numpy, zarr, h5py arrays
        arr = value[()] if getattr(value, "shape", None) == () else value[:]
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "O" and arr.ndim == 1:  # rows of objects
            return {"dtype": "O", "shape": list(arr.shape), "values": [norm(v, depth + 1) for v in arr]}
        if isinstance(arr, np.ndarray) and arr.dtype.names:
            return {"dtype": "compound", "rows": [norm(tuple(r), depth + 1) for r in arr.tolist()]}
        if isinstance(arr, np.ndarray):
            kind = arr.dtype.kind
            return {"dtype": kind if kind in "OUS" else arr.dtype.name, "shape": list(arr.shape),
                    "values": norm(arr.tolist(), depth + 1)}
        return norm(arr, depth + 1)
    return repr(value)


def summary(nwbfile) -> dict:
    from hdmf.container import Data

    out = {}
    for obj in nwbfile.all_children():
        fields = {key: norm(value) for key, value in obj.fields.items()}
        if type(obj).__name__ == "TimeSeriesReferenceVectorData":  # rows as pynwb gives them, whatever the layout
            fields["data"] = norm([list(r) for r in obj[:]]) if len(obj.data) else []
        elif isinstance(obj, Data):
            fields["data"] = norm(obj.data)
        out[path_of(obj)] = {"type": type(obj).__name__, "object_id": obj.object_id, "fields": fields}
    return out


def main(path: str) -> int:
    import os

    import hdmf_zarr

    cls = hdmf_zarr.NWBZarrIO
    if os.path.exists(os.path.join(path, ".zgroup")) and hasattr(hdmf_zarr, "NWBZarrV2IO"):
        cls = hdmf_zarr.NWBZarrV2IO  # hdmf-zarr 0.14 reads Zarr format 2 stores through this class
    with cls(path, "r") as io:
        nwbfile = io.read()
        print(json.dumps(summary(nwbfile), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Print, as JSON, what pynwb reads from an NWB Zarr store: every object by path, its type, object id and fields.

Runs in any environment with pynwb and hdmf-zarr (0.14 in the test venv; 0.13 in HDMFZARR_VENV013 for
format-2 stores), so a store and its copy can be compared as the peers see them:

    python tests/writeback/pynwb_summary.py STORE.zarr > summary.json

NWB files in HDF5 (``.nwb``) and hdmf-common stores (hdmf + hdmf-zarr's ZarrIO) are read too.

Containers inside fields are given by their path; arrays by their values (text decoded, datetimes as ISO
strings, compound rows as lists). Exits 1 with the traceback when pynwb cannot read the store.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
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
    if isinstance(value, float):  # np.float64 too (a float subclass): NaN as 'nan' whichever type holds it
        return value if math.isfinite(value) else repr(float(value))
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


def _root_attrs(path: str) -> dict:
    """The root group's attributes, read from the metadata file of either Zarr format."""
    v3 = os.path.join(path, "zarr.json")
    if os.path.exists(v3):
        with open(v3) as f:
            return json.load(f).get("attributes", {})
    v2 = os.path.join(path, ".zattrs")
    if os.path.exists(v2):
        with open(v2) as f:
            return json.load(f)
    return {}


def open_io(path: str):
    """The peer's IO for ``path``: pynwb's NWBHDF5IO for ``.nwb`` files, hdmf-zarr's NWBZarrIO for NWB stores
    (NWBZarrV2IO for format-2 stores under hdmf-zarr 0.14), and hdmf-zarr's ZarrIO with hdmf's common
    type map for hdmf-common stores (their root has ``data_type``, not ``neurodata_type``)."""
    import hdmf_zarr

    if path.endswith(".nwb"):
        from pynwb import NWBHDF5IO

        return NWBHDF5IO(path, "r", load_namespaces=True)
    v2 = os.path.exists(os.path.join(path, ".zgroup")) and hasattr(hdmf_zarr, "ZarrV2IO")
    if "neurodata_type" in _root_attrs(path):
        return (hdmf_zarr.NWBZarrV2IO if v2 else hdmf_zarr.NWBZarrIO)(path, mode="r")
    from hdmf.common import get_manager

    return (hdmf_zarr.ZarrV2IO if v2 else hdmf_zarr.ZarrIO)(path, mode="r", manager=get_manager())


def main(path: str) -> int:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with open_io(path) as io:
            nwbfile = io.read()
            print(json.dumps(summary(nwbfile), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

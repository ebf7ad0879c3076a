"""Print, as JSON, what the peer's validator says about a store: pynwb's validator for NWB stores, hdmf's
(hdmf-common and hdmf-experimental) for hdmf-common stores, through the hdmf-zarr of this python (0.14 in
the test venv; 0.13 in HDMFZARR_VENV013 for format-2 stores):

    python tests/writeback/peer_validate.py STORE.zarr [--json-cell-compounds] [--summary]

Output: ``{"errors": [...]}``, or ``{"raised": "<Type>: <message>"}`` when the validator itself fails;
with ``--summary`` also ``"summary"``: what the peer reads (pynwb_summary.py), from the same process;
with ``--json-cell-compounds`` also ``"as_is"``: the validator's answer without the flag.

``--json-cell-compounds`` (hdmf-zarr 0.13 only): hdmf-zarr 0.13 takes the field types of a compound with
reference fields from the array's numpy structured dtype, which only a pickled array has; hdmfzarr writes
such compounds as ``(n, fields)`` JSON-cell arrays (never pickle, see docs/format.md), whose dtype is ``|O``,
and 0.13's validator then raises "compound type shorter than expected". With the flag, those arrays report
the field types a pickled array of the same ``zarr_dtype`` would (numeric fields by name, reference fields
``object``), so the rest of the store, the compound's values included, is still checked by the peer.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pynwb_summary import _root_attrs, open_io  # noqa: E402


def _json_cell_field_types() -> None:
    from hdmf_zarr.zarr_utils import AbstractZarrTableDataset

    original = AbstractZarrTableDataset.dtype

    def dtype(self):
        got = original.fget(self)
        if got or self.dataset.dtype != np.dtype("O"):
            return got
        return ["object" if t == "object" else np.dtype(t).type.__name__ for t in self.types]

    AbstractZarrTableDataset.dtype = property(dtype)


def validate(path: str, json_cells: bool = False) -> dict:
    """``{"errors": [...]}`` from the peer's validator, or ``{"raised": "<Type>: <message>"}``."""
    if json_cells:
        _json_cell_field_types()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if "neurodata_type" in _root_attrs(path) or path.endswith(".nwb"):
                import pynwb

                with open_io(path) as io:
                    errors = pynwb.validate(io=io)
            else:
                from hdmf.common import get_manager
                from hdmf.validate import ValidatorMap

                with open_io(path) as io:
                    builder = io.read_builder()
                    catalog = get_manager().namespace_catalog
                    # hdmf-experimental includes hdmf-common: one map checks both namespaces' types
                    errors = ValidatorMap(catalog.get_namespace("hdmf-experimental")).validate(builder)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
            return {"raised": f"{type(exc).__name__}: {exc}"}
    return {"errors": [str(e) for e in errors]}


def main(argv: list[str]) -> int:
    path = argv[0]
    if "--json-cell-compounds" in argv[1:]:  # the answer without the field types, then with them
        as_is = validate(path)
        out = {**validate(path, json_cells=True), "as_is": as_is}
    else:
        out = validate(path)
    if "--summary" in argv[1:]:  # what the peer reads too, in the same process (pynwb_summary.py)
        from pynwb_summary import summary

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_io(path) as io:
                out["summary"] = summary(io.read())
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

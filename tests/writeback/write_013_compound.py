"""Run in the hdmf-zarr 0.13 venv: write a store whose extension type holds a compound dataset with a text
field (hdmf-zarr 0.13 stores it pickled in an "|O" array). Usage: python write_013_compound.py OUT.zarr"""

from __future__ import annotations

import os
import sys

import numpy as np
from hdmf.build import BuildManager
from hdmf.common import get_type_map
from hdmf.spec import DatasetSpec, DtypeSpec, GroupSpec, NamespaceBuilder
from hdmf_zarr import ZarrIO


def main(out: str) -> None:
    where = os.path.dirname(os.path.abspath(out))
    ns = NamespaceBuilder(doc="ext", name="ndx-cmp", version="0.1.0", author="me", contact="me@x")
    ns.include_namespace("hdmf-common")
    fields = [DtypeSpec("label", "a label", "text"), DtypeSpec("value", "a value", "float64")]
    ns.add_spec("ndx-cmp.extensions.yaml", GroupSpec(
        doc="holder", data_type_def="Holder", data_type_inc="Container",
        datasets=[DatasetSpec(doc="labelled values", name="lab", dtype=fields, shape=[None])]))
    ns.export("ndx-cmp.namespace.yaml", outdir=where)
    tm = get_type_map()
    tm.load_namespaces(os.path.join(where, "ndx-cmp.namespace.yaml"))
    holder = tm.get_dt_container_cls("Holder", "ndx-cmp")
    root = holder(name="root", lab=np.array([("a", 1.0), ("bb", 2.5)], dtype=[("label", "O"), ("value", "<f8")]))
    with ZarrIO(out, "w", manager=BuildManager(tm)) as io:
        io.write(root)


if __name__ == "__main__":
    main(sys.argv[1])

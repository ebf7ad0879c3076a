"""hdmf + hdmf-zarr code moved to hdmfzarr by changing its imports, nothing else.

The body below is written as hdmf-zarr's documentation writes it (``ZarrIO(path=, manager=, mode=)``, a
DynamicTable with a region column, ``export`` of an HDF5 file written by hdmf). Only the two import lines marked
"was:" changed. Usage: python examples/from_hdmf_zarr.py [OUTDIR]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from hdmfzarr import ZarrIO  # was: from hdmf_zarr import ZarrIO
from hdmfzarr.common import (  # was: from hdmf.common import (
    DynamicTable, DynamicTableRegion, SimpleMultiContainer, VectorData, get_manager)

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out.mkdir(parents=True, exist_ok=True)

# --- a table of users, and a table of addresses pointing at rows of it
users = DynamicTable(
    name="users",
    description="a table containing data/metadata about users, one user per row",
    columns=(
        VectorData(name="first_name", description="the first name of the user", data=["Ada", "Grace", "Linus"]),
        VectorData(name="age", description="the age of the user", data=[36, 85, 54]),
    ),
)
addresses = DynamicTable(name="addresses", description="addresses of users")
addresses.add_column(name="city", description="the city")
addresses.add_column(name="user", description="the user who lives there", table=users)
addresses.add_row(city="London", user=0)
addresses.add_row(city="Arlington", user=1)
assert isinstance(addresses["user"], DynamicTableRegion)

# --- write and read back, as hdmf-zarr's tutorial does
zarr_dir = str(out / "example.zarr")
with ZarrIO(path=zarr_dir, manager=get_manager(), mode="w") as zarr_io:
    zarr_io.write(SimpleMultiContainer(name="root", containers=[users, addresses]))

zarr_io = ZarrIO(path=zarr_dir, manager=get_manager(), mode="r")
root = zarr_io.read()
print(root["users"].to_dataframe())
print(root["addresses"].to_dataframe(index=True))
print("user of row 1:", root["addresses"]["user"][1]["first_name"].tolist())
zarr_io.close()

# --- an HDF5 file written by hdmf, exported to Zarr (hdmf-zarr's conversion recipe)
try:
    import hdmf.common as hdmf_common
    from hdmf.backends.hdf5 import HDF5IO
except ImportError:  # hdmf is not a dependency of hdmfzarr
    print("hdmf not installed: the HDF5 export part is skipped")
    raise SystemExit(0)

h5_path = str(out / "example.h5")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # hdmf's own warnings about its experimental types
    table = hdmf_common.DynamicTable(name="measurements", description="values from hdmf")
    table.add_column("value", "a value")
    for v in np.linspace(0.0, 1.0, 5):
        table.add_row(value=v)
    with HDF5IO(h5_path, manager=hdmf_common.get_manager(), mode="w") as h5_io:
        h5_io.write(table)
    with HDF5IO(h5_path, manager=hdmf_common.get_manager(), mode="r") as read_io:
        with ZarrIO(path=str(out / "exported.zarr"), manager=get_manager(), mode="w") as export_io:
            export_io.export(src_io=read_io, write_args=dict(link_data=False))

with ZarrIO(path=str(out / "exported.zarr"), manager=get_manager(), mode="r") as zarr_io:
    print("exported from HDF5:", zarr_io.read()["value"][:].tolist())

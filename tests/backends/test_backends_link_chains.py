"""Links may point at other links; the order of `_LINKS` entries on disk does not matter."""

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, LinkBuilder
from hdmfzarr.errors import DanglingReferenceError


@pytest.mark.parametrize("zarr_format", [3, 2])
def test_link_to_a_link_resolves_whatever_the_order(tmp_path, zarr_format):
    root = GroupBuilder("root")
    g = root.set_group(GroupBuilder("g"))
    d = g.set_dataset(DatasetBuilder("d", data=np.arange(3), dtype="int64"))
    holder = root.set_group(GroupBuilder("holder"))
    first = holder.set_link(LinkBuilder(d, name="first"))
    # the root's links are read before the groups below it: 'second' points at a link not added yet
    root.set_link(LinkBuilder(first, name="second"))
    path = tmp_path / "chain.zarr"
    with ZarrIO(path, "w", zarr_format=zarr_format) as io:
        io.write_builder(root)
    with ZarrIO(path) as io:
        back = io.read_builder()
    second = back["second"]
    assert isinstance(second, LinkBuilder) and second.target is back["holder/first"]
    assert back["holder/first"].target is back["g/d"]


def test_link_to_a_missing_object_is_dangling(tmp_path):
    root = GroupBuilder("root")
    g = root.set_group(GroupBuilder("g"))
    root.set_link(LinkBuilder(g, name="ok"))
    path = tmp_path / "dangling.zarr"
    with ZarrIO(path, "w") as io:
        io.write_builder(root)
    import json
    meta_path = path / "zarr.json"
    doc = json.loads(meta_path.read_text())
    doc["attributes"]["_LINKS"].append({"source": ".", "path": "/nowhere", "name": "broken"})
    doc.pop("consolidated_metadata", None)
    meta_path.write_text(json.dumps(doc))
    with pytest.raises(DanglingReferenceError, match="broken.*/nowhere"):
        with ZarrIO(path) as io:
            io.read_builder()

"""A smoke test of the one fsspec code path against a real S3 server (SeaweedFS on loopback)."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, LinkBuilder, ReferenceBuilder
from hdmfzarr.errors import StoreExistsError


@pytest.mark.parametrize("fmt", [3, 2])
def test_s3_roundtrip(s3_server, s3_bucket, fmt: int) -> None:
    url = s3_server.url(s3_bucket, f"f{fmt}.zarr")
    opts = s3_server.storage_options
    root = GroupBuilder("root")
    g = root.set_group(GroupBuilder("g", attributes={"k": "v"}))
    d = g.set_dataset(DatasetBuilder("d", np.arange(1000.0)))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(g), ReferenceBuilder(d)], dtype="object"))
    root.set_dataset(DatasetBuilder("text", ["a", "b"], dtype="text"))
    root.set_link(LinkBuilder(d, "lnk"))
    with ZarrIO(url, "w", storage_options=opts, zarr_format=fmt) as io:
        io.write_builder(root)
    with pytest.raises(StoreExistsError, match=s3_bucket):
        ZarrIO(url, "w-", storage_options=opts)
    with ZarrIO(url, "r", storage_options=opts) as io:
        r = io.read_builder()
        assert isinstance(r["g/d"].data, LazyArray) and r["g/d"].data[[3, 999]].tolist() == [3.0, 999.0]
        assert [x.target for x in r["refs"].data[:]] == [r["g"], r["g/d"]]
        assert r["text"].data[:].tolist() == ["a", "b"]
        assert r.links["lnk"].target is r["g/d"] and r["g"].attributes == {"k": "v"}

"""Fixtures of the S3 tests: a request counter on the session server, a table maker, a public bucket."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hdmfzarr.common import DynamicTable


@pytest.fixture
def counter(test_helpers: Any) -> Any:
    """Counts the HTTP requests of the filesystems opened with ``counter.options(...)``."""
    return test_helpers.RequestCounter()


@pytest.fixture
def counted_options(s3_server: Any, counter: Any) -> dict[str, Any]:
    """Valid storage options for the session server whose requests ``counter`` records."""
    return counter.options(s3_server.storage_options)


def _make_table(n: int = 1000, seed: int = 0, ragged: bool = True) -> DynamicTable:
    rng = np.random.default_rng(seed)
    table = DynamicTable(name="trials", description="a table on S3")
    table.add_column("start", "start time", dtype="float64")
    table.add_column("label", "a label", dtype="text")
    if ragged:
        table.add_column("spikes", "ragged spike times", dtype="float32", index=True)
    values: dict[str, Any] = {
        "id": np.arange(n),
        "start": rng.standard_normal(n),
        "label": np.array([f"L{i % 7}" for i in range(n)], dtype=object),
    }
    if ragged:
        values["spikes"] = [rng.standard_normal(i % 5).astype(np.float32) for i in range(n)]
    table.extend(values)
    return table


@pytest.fixture
def make_table() -> Callable[..., DynamicTable]:
    """``make_table(n=1000, seed=0, ragged=True)``: a DynamicTable with float, text and ragged columns."""
    return _make_table


@pytest.fixture
def public_bucket(s3_server: Any) -> str:
    """A fresh bucket whose objects anyone may read and list (bucket policy), but not write."""
    bucket = s3_server.make_bucket("public")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }],
    }
    s3_server.filesystem().call_s3("put_bucket_policy", Bucket=bucket, Policy=json.dumps(policy))
    return bucket

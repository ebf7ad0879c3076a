"""Credentials never reach the store (attributes, cached specs, link sources), logs, reprs or messages."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hdmfzarr.backends.zarr import RetryPolicy, StoreAuthError, StoreUnavailableError, ZarrIO
from hdmfzarr.backends.zarr.remote import redact_url, remote_options
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import DataIO

pytestmark = pytest.mark.s3


def _every_object(s3_server, bucket: str) -> dict[str, bytes]:
    fs = s3_server.filesystem()
    paths = fs.find(bucket)
    return dict(zip(paths, fs.cat(paths).values())) if paths else {}


def test_s3_credentials_never_stored_logged_or_shown(s3_server, s3_bucket, make_table, caplog) -> None:
    key, secret = s3_server.access_key.encode(), s3_server.secret_key.encode()
    opts = s3_server.storage_options
    a_url, b_url = s3_server.url(s3_bucket, "a.zarr"), s3_server.url(s3_bucket, "b.zarr")
    caplog.set_level(logging.DEBUG)  # every logger: hdmfzarr, s3fs, botocore, aiobotocore, fsspec
    with ZarrIO(a_url, "w", storage_options=opts) as io:
        io.write(make_table(50))
        shown = [repr(io), str(io), repr(io.handle), repr(io.handle.store)]
    with ZarrIO(a_url, "r", storage_options=opts) as a:
        table = a.read()
        lazy = table["start"].data
        shown += [repr(a), repr(table), repr(lazy), str(lazy.store_url)]
        root = GroupBuilder("root")  # a second store linking to a dataset of the first
        root.set_dataset(DatasetBuilder("linked", DataIO(lazy, link_data=True)))  # a link, whatever the size
        with ZarrIO(b_url, "w", storage_options=opts) as b:
            b.write_builder(root)
    with ZarrIO(b_url, "r", storage_options=opts, allow_external=[f"s3://{s3_bucket}/"]) as b:
        links = b.read_builder().links
        assert links["linked"].target.source == a_url  # the link source is the bare URL
    with pytest.raises(StoreAuthError) as refused:
        ZarrIO(a_url, "r", storage_options=s3_server.storage_options_with("hdmfzarr-test-key", "wrong"))
    shown.append(str(refused.value))

    objects = _every_object(s3_server, s3_bucket)
    assert any(p.endswith("specifications/hdmf-common/1.10.0/namespace/c") for p in objects)  # specs cached (the bundled newest)
    for path, blob in objects.items():
        assert key not in blob and secret not in blob, f"credentials stored in {path}"
    for text in shown:
        assert s3_server.secret_key not in text and s3_server.access_key not in text, text
    assert caplog.records, "nothing was logged at DEBUG; the log check would be vacuous"
    assert s3_server.secret_key not in caplog.text


def test_s3_retry_messages_and_logs_hold_no_secret(s3_server, caplog) -> None:
    opts = {**s3_server.storage_options, "client_kwargs": {"endpoint_url": "http://127.0.0.1:9", "region_name": "x"}}
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreUnavailableError) as info:
        ZarrIO("s3://bucket/x.zarr", "r", storage_options=opts, retry=RetryPolicy(max_attempts=2, deadline=5.0))
    assert "Retry needed" in caplog.text or "retry" in caplog.text.lower()  # botocore logged its retry ...
    assert s3_server.secret_key not in caplog.text and s3_server.secret_key not in str(info.value)


def test_redact_url_masks_user_info_and_signed_query() -> None:
    url = "https://alice:hunter2@data.example.org/lab/a.zarr?X-Amz-Signature=abc123&X-Amz-Credential=AKIAX&v=2"
    clean = redact_url(url)
    for secret in ("alice", "hunter2", "abc123", "AKIAX"):
        assert secret not in clean
    assert clean.startswith("https://data.example.org/lab/a.zarr?") and "v=2" in clean
    assert redact_url("simplecache::s3://u:p@bucket/a.zarr") == "simplecache::s3://bucket/a.zarr"
    assert redact_url("s3://bucket/a.zarr") == "s3://bucket/a.zarr"
    assert redact_url("/local/path.zarr") == "/local/path.zarr"


def test_remote_options_defaults_do_not_override_the_caller() -> None:
    given = {"key": "k", "config_kwargs": {"read_timeout": 7}, "max_concurrency": 4}
    opts = remote_options("s3://b/a.zarr", given)
    assert opts["max_concurrency"] == 4 and opts["config_kwargs"]["read_timeout"] == 7
    assert opts["config_kwargs"]["connect_timeout"] == 5 and opts["config_kwargs"]["retries"] == {"mode": "standard", "max_attempts": 5}
    assert given == {"key": "k", "config_kwargs": {"read_timeout": 7}, "max_concurrency": 4}  # not mutated
    assert remote_options("memory://a.zarr", {"x": 1}) == {"x": 1}
    assert remote_options("simplecache::s3://b/a.zarr", {"s3": {"anon": True}}) == {"s3": {"anon": True}}
    assert remote_options("s3://b/a.zarr", None)["max_concurrency"] == 1


def test_retry_policy_is_bounded() -> None:
    default = RetryPolicy()
    assert np.isfinite(default.deadline) and default.read_timeout < default.deadline
    opts = remote_options("s3://b/a.zarr", None, RetryPolicy(max_attempts=3, connect_timeout=1, read_timeout=2))
    # (plus a connection pool large enough for one concurrent wave of requests: issue 15 item 1)
    assert opts["config_kwargs"] == {"connect_timeout": 1, "read_timeout": 2,
                                     "retries": {"mode": "standard", "max_attempts": 3},
                                     "max_pool_connections": 128}

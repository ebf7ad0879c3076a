"""Credentials never appear in log records, messages or reprs (issue 14 item 8): botocore, s3fs and
fsspec log at DEBUG (request headers, canonical requests); every record is captured and searched."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import StoreError

pytestmark = pytest.mark.s3
TOKEN = "FQoGZXIvYXdzEXAMPLE-session-token-0123456789"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Any:
    handler = Capture()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    names = ("botocore", "aiobotocore", "s3fs", "fsspec", "hdmfzarr")
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


def _table() -> DynamicTable:
    t = DynamicTable(name="t", description="credentials test")
    t.add_column("a", "numbers", dtype="int64")
    t.add_row(a=1)
    return t


def _leaks(texts: list[str], secrets: list[str]) -> list[str]:
    return [f"{s[:6]}... in {t[:200]!r}" for t in texts for s in secrets if s in t]


def test_no_credential_in_any_debug_log_record_message_or_repr(s3_server, s3_bucket, captured) -> None:
    key, secret = s3_server.access_key, s3_server.secret_key
    url = s3_server.url(s3_bucket, "creds.zarr")
    shown: list[str] = []
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(_table())
        shown.append(repr(io))
    with ZarrIO(url, "a", storage_options=s3_server.storage_options) as io:
        t = io.read()
        t.add_row(a=2)
        io.write(t)
        shown += [repr(io), repr(io.handle), repr(io.handle.store)]
    # a session token (refused by this server, but signed and sent)
    with pytest.raises(StoreError) as refused:
        with ZarrIO(url, "r", storage_options={**s3_server.storage_options, "token": TOKEN}) as io:
            io.read()
    shown += [str(refused.value), repr(refused.value)]
    # key and secret in the URL's user info: used as credentials, shown nowhere
    inline = f"s3://{key}:{secret}@{s3_bucket}/creds.zarr"
    inline_opts = {"client_kwargs": s3_server.storage_options["client_kwargs"]}
    with ZarrIO(inline, "r", storage_options=inline_opts) as io:
        assert len(io.read()) == 2
        shown += [repr(io), io.url]
    with pytest.raises(StoreError) as missing:
        ZarrIO(f"s3://{key}:{secret}@{s3_bucket}/absent.zarr", "r", storage_options=inline_opts)
    shown += [str(missing.value), repr(missing.value)]
    with pytest.raises(StoreError) as wrong:
        ZarrIO(f"s3://{key}:wrong-{secret}@{s3_bucket}/creds.zarr", "r", storage_options=inline_opts).read()
    shown += [str(wrong.value), repr(wrong.value)]

    messages = [r.getMessage() for r in captured.records]
    assert len(messages) > 100 and any(r.name.startswith("botocore") for r in captured.records)
    assert any("Authorization" in m or "Credential=" in m for m in messages)  # headers were logged, masked
    secrets = [key, secret, TOKEN, f"wrong-{secret}"]
    assert not _leaks(messages, secrets), _leaks(messages, secrets)[:5]
    assert not _leaks(shown, secrets), _leaks(shown, secrets)

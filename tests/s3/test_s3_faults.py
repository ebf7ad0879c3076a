"""Failures against a real S3 server: refused credentials, missing bucket, a server that is down or
never answers (bounded retries, no hang), and a server restarted during a read (retried, succeeds)."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from hdmfzarr.backends.zarr import RetryPolicy, StoreAuthError, StoreUnavailableError, ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import StoreError, StoreNotFoundError

pytestmark = pytest.mark.s3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode", ["r", "w", "a"])
@pytest.mark.parametrize("which", ["secret", "key"])
def test_s3_wrong_credentials_give_an_auth_error(s3_server, s3_bucket, make_table, mode, which) -> None:
    url = s3_server.url(s3_bucket, "guarded.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(make_table(5))
    bad_secret = "definitely-wrong-secret"
    key = s3_server.access_key if which == "secret" else "nobody-key"
    bad = s3_server.storage_options_with(key, bad_secret)
    with pytest.raises(StoreAuthError) as info:
        with ZarrIO(url, mode, storage_options=bad) as io:
            io.read()
    err = info.value
    assert isinstance(err, StoreError) and isinstance(err, PermissionError)
    message = str(err)
    assert url in message and "access denied" in message and "credentials" in message
    assert bad_secret not in message and s3_server.secret_key not in message
    assert err.__cause__ is None and err.__suppress_context__  # no botocore traceback chained


def test_s3_missing_bucket_is_named(s3_server) -> None:
    url = s3_server.url("no-such-bucket-here", "x.zarr")
    for mode in ("r", "r+"):
        with pytest.raises(StoreNotFoundError, match="bucket 'no-such-bucket-here' does not exist") as info:
            ZarrIO(url, mode, storage_options=s3_server.storage_options)
        assert url in str(info.value)
    for mode in ("w", "w-", "a"):
        with pytest.raises(StoreNotFoundError, match="bucket 'no-such-bucket-here' does not exist"):
            ZarrIO(url, mode, storage_options=s3_server.storage_options)


def test_s3_server_down_fails_fast_with_bounded_retries(s3_server) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens here
    opts = {**s3_server.storage_options, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    policy = RetryPolicy(max_attempts=2, deadline=5.0)  # botocore retries (standard mode), we bound the time
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError) as info:
        ZarrIO("s3://bucket/down.zarr", "r", storage_options=opts, retry=policy)
    elapsed = time.monotonic() - t0
    assert elapsed < 5.0 + 2
    message = str(info.value)
    assert "s3://bucket/down.zarr" in message and "at most 2 attempt(s)" in message
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, StoreError)


@pytest.mark.slow
def test_s3_server_down_with_default_policy_is_bounded(s3_server) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"
    opts = {**s3_server.storage_options, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    default = RetryPolicy()
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=f"at most {default.max_attempts} attempt"):
        ZarrIO("s3://bucket/down.zarr", "w", storage_options=opts)
    assert time.monotonic() - t0 < default.deadline + 5


def test_s3_silent_server_times_out_instead_of_hanging(s3_server) -> None:
    """A server that accepts connections but never answers: the read timeout plus the retry policy
    bound the wait."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
        opts = {
            **s3_server.storage_options,
            "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
            "config_kwargs": {"read_timeout": 0.5, "connect_timeout": 0.5},
        }
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailableError, match="did not answer"):
            ZarrIO("s3://bucket/silent.zarr", "r", storage_options=opts,
                   retry=RetryPolicy(max_attempts=2, deadline=5.0))
        assert time.monotonic() - t0 < 15
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.slow
def test_s3_read_survives_a_server_restart(s3_server_factory, counter) -> None:
    server = s3_server_factory()
    bucket = server.make_bucket()
    url = server.url(bucket, "restart.zarr")
    n = 1_000_000
    table = DynamicTable(name="t", description="survives a restart")
    table.add_column("x", "four chunks", dtype="float64")
    table.extend({"x": np.arange(n, dtype=np.float64)})
    with ZarrIO(url, "w", storage_options=server.storage_options) as io:
        io.write(table)

    with ZarrIO(url, "r", storage_options=counter.options(server.storage_options)) as io:
        t = io.read()
        assert t[0, "x"] == 0.0  # connections to the first server process are open and pooled
        server.stop()
        result: dict[str, object] = {}

        def read() -> None:  # starts while the server is down
            try:
                result["values"] = np.asarray(t["x"].data)
            except Exception as exc:  # noqa: BLE001 - reported below
                result["error"] = exc

        counter.reset()
        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.5)
        server.start()  # from this thread: the server dies with the thread that started it
        reader.join(timeout=120)
        assert not reader.is_alive()
        assert "error" not in result, result.get("error")
        assert np.array_equal(result["values"], np.arange(n, dtype=np.float64))
        assert counter.failures >= 1, "the read never saw the server down"

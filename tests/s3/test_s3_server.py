"""Smoke tests of the SeaweedFS S3 fixture: real buckets, objects, credential checks, restart."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.s3


def test_s3_bucket_write_read(s3_server) -> None:
    fs = s3_server.filesystem()
    bucket = s3_server.make_bucket()
    assert fs.ls(bucket) == []
    fs.pipe(f"{bucket}/dir/obj.bin", b"\x00hello\xff")
    assert fs.cat(f"{bucket}/dir/obj.bin") == b"\x00hello\xff"
    assert fs.ls(f"{bucket}/dir") == [f"{bucket}/dir/obj.bin"]
    assert fs.cat_file(f"{bucket}/dir/obj.bin", start=1, end=6) == b"hello"


def test_s3_buckets_are_fresh_and_distinct(s3_server, s3_bucket) -> None:
    other = s3_server.make_bucket()
    assert other != s3_bucket
    fs = s3_server.filesystem()
    fs.pipe(f"{s3_bucket}/a", b"1")
    assert fs.ls(other) == []
    assert s3_server.url(s3_bucket, "x.zarr") == f"s3://{s3_bucket}/x.zarr"


def test_s3_storage_options_work_with_fsspec(s3_server, s3_bucket) -> None:
    import fsspec

    fs, path = fsspec.core.url_to_fs(s3_server.url(s3_bucket, "k"), **s3_server.storage_options)
    fs.pipe(path, b"via-fsspec")
    assert s3_server.filesystem().cat(f"{s3_bucket}/k") == b"via-fsspec"


@pytest.mark.slow
@pytest.mark.parametrize("key, secret", [(None, "wrong-secret"), ("unknown-key", "wrong-secret")])
def test_s3_wrong_credentials_refused(s3_server, s3_bucket, key, secret) -> None:
    s3_server.filesystem().pipe(f"{s3_bucket}/secret.txt", b"data")
    bad = s3_server.filesystem(key=key or s3_server.access_key, secret=secret)
    with pytest.raises(PermissionError):
        bad.cat(f"{s3_bucket}/secret.txt")
    with pytest.raises(PermissionError):
        bad.pipe(f"{s3_bucket}/intruder.txt", b"x")
    assert not s3_server.filesystem().exists(f"{s3_bucket}/intruder.txt")


def test_s3_anonymous_refused(s3_server, s3_bucket) -> None:
    import s3fs

    s3_server.filesystem().pipe(f"{s3_bucket}/private.txt", b"data")
    anon = s3fs.S3FileSystem(anon=True, skip_instance_cache=True,
                             client_kwargs={"endpoint_url": s3_server.endpoint_url})
    with pytest.raises(PermissionError):
        anon.cat(f"{s3_bucket}/private.txt")


@pytest.mark.slow
def test_s3_private_server_stop_and_restart_keeps_data(s3_server_factory) -> None:
    server = s3_server_factory()
    bucket = server.make_bucket()
    server.filesystem().pipe(f"{bucket}/kept", b"persisted")
    port = server.ports["s3.port"]

    server.stop()
    assert not server.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()

    server.start()
    assert server.running and server.ports["s3.port"] == port
    assert server.filesystem().cat(f"{bucket}/kept") == b"persisted"

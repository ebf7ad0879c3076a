"""The RemoteStore wrapper on its own (fsspec ``memory://``, no server): the metadata overlay, batching
order, non-fresh stores reading through, deletes, and error classification."""

from __future__ import annotations

import asyncio
import errno
import uuid

import fsspec
import pytest
from zarr.core.buffer import default_buffer_prototype

from hdmfzarr.backends.zarr import StoreAuthError, StoreUnavailableError
from hdmfzarr.backends.zarr.remote import RemoteStore, RetryPolicy, classify
from hdmfzarr.backends.zarr.store import StoreHandle, run

PROTO = default_buffer_prototype()


def _buf(data: bytes):
    return PROTO.buffer.from_bytes(data)


@pytest.fixture
def url() -> str:
    return f"memory://remote-{uuid.uuid4().hex}/s.zarr"


def _raw(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    return {p[len(root) + 1:] if p.startswith(root) else p.split(".zarr/", 1)[1]: fs.cat(p) for p in fs.find(root)}


def test_remote_store_batch_holds_metadata_until_the_end(url) -> None:
    handle = StoreHandle(url, "w")
    store = handle.store
    assert isinstance(store, RemoteStore) and store.fresh
    with handle.batch():
        run(store.set("zarr.json", _buf(b'{"v": 1}')))
        run(store.set("a/zarr.json", _buf(b"{}")))
        run(store.set("a/c/0", _buf(b"chunk")))
        run(store.set("zarr.json", _buf(b'{"v": 2}')))  # rewritten: sent once, the last version
        assert _raw(url) == {"a/c/0": b"chunk"}  # chunks go at once, metadata waits
        assert run(store.get("zarr.json", PROTO)).to_bytes() == b'{"v": 2}'  # ... but reads see it
        assert run(store.exists("a/zarr.json")) and not run(store.exists("b/zarr.json"))
        assert sorted(_aiter(store.list_dir(""))) == ["a", "zarr.json"]
    assert _raw(url) == {"a/c/0": b"chunk", "a/zarr.json": b"{}", "zarr.json": b'{"v": 2}'}


async def _collect(gen):
    return [x async for x in gen]


def _aiter(gen):
    return run(_collect(gen))


def test_remote_store_fresh_store_answers_probes_without_asking(url) -> None:
    handle = StoreHandle(url, "w")
    store = handle.store
    fs, root = fsspec.core.url_to_fs(url)
    fs.pipe(f"{root}/sneaky/zarr.json", b"{}")  # written behind the store's back after it was opened empty
    assert run(store.get("sneaky/zarr.json", PROTO)) is None  # a fresh store knows only what it wrote


def test_remote_store_existing_store_reads_through_and_deletes(url) -> None:
    fs, root = fsspec.core.url_to_fs(url)
    fs.pipe({f"{root}/zarr.json": b"{}", f"{root}/old/zarr.json": b"{}", f"{root}/old/c/0": b"x"})
    handle = StoreHandle(url, "a")
    store = handle.store
    assert not store.fresh
    assert run(store.exists("old/zarr.json"))
    assert sorted(_aiter(store.list_dir(""))) == ["old", "zarr.json"]
    run(store.delete_dir("old"))
    assert not run(store.exists("old/zarr.json"))
    assert "old" not in _aiter(store.list_dir(""))
    assert set(_raw(url)) == {"zarr.json"}


def test_remote_store_mode_w_clears_in_one_go(url) -> None:
    fs, root = fsspec.core.url_to_fs(url)
    fs.pipe({f"{root}/zarr.json": b"{}", f"{root}/a/zarr.json": b"{}", f"{root}/a/c/0": b"x"})
    handle = StoreHandle(url, "w")
    assert handle.pending_clear and _raw(url) != {}  # the handle only notes it: ZarrIO clears under the lock
    from hdmfzarr.backends.zarr import ZarrIO

    handle = ZarrIO(url, "w").handle
    assert handle.store.fresh and _raw(url) == {}


@pytest.mark.parametrize(
    "exc, kind",
    [
        (PermissionError("Access Denied"), "auth"),
        (FileNotFoundError("no such bucket"), "missing"),
        (ConnectionRefusedError(), "transient"),
        (TimeoutError(), "transient"),
        (OSError(errno.EBUSY, "SlowDown"), "transient"),
        (ValueError("bad"), "other"),
    ],
)
def test_remote_store_classifies_errors(exc, kind) -> None:
    assert classify(exc) == kind


def test_remote_store_call_classifies_and_bounds_every_request(url) -> None:
    """botocore does the retrying (standard mode); ``call`` only classifies failures and enforces the
    deadline, also on a request that never completes (a hung server)."""
    store = StoreHandle(url, "w").store
    store.retry = RetryPolicy(max_attempts=3, deadline=0.5)
    attempts = []

    async def ok() -> str:
        return "ok"

    assert run(store.call("reading", "k", ok)) == "ok"

    async def down() -> None:
        attempts.append(1)
        raise ConnectionRefusedError("refused")

    with pytest.raises(StoreUnavailableError, match="did not answer"):
        run(store.call("reading", "k", down))
    assert len(attempts) == 1  # no retry loop of ours on top of botocore's

    async def hung() -> None:
        await asyncio.sleep(3600)

    with pytest.raises(StoreUnavailableError, match=r"deadline 0.5 s") as info:
        run(store.call("writing", "c/0", hung))
    assert "'c/0'" in str(info.value)

    async def denied() -> None:
        attempts.append(1)
        raise PermissionError("Access Denied")

    attempts.clear()
    with pytest.raises(StoreAuthError, match="access denied"):
        run(store.call("reading", "k", denied))
    assert len(attempts) == 1

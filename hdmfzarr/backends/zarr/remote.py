"""Remote (fsspec URL) stores: S3 client defaults, requests bounded by a deadline, clear errors, batched
metadata writes, conditional writes for :mod:`.commit`, and secrets kept out of messages and library logs."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import errno
import functools
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ...errors import ConflictError, StoreAuthError, StoreError, StoreNotFoundError, StoreUnavailableError
from ...record import Record
from .compat import Buffer, BufferPrototype, ByteRequest, FsspecStore, Store, WrapperStore, byte_range_of, run
from .compat import buffer_prototype as default_buffer_prototype
from .convention import LOCK_KEY, METADATA_KEYS

__all__ = ["RetryPolicy", "RemoteStore", "StoreAuthError", "StoreUnavailableError", "remote_options", "redact_url",
           "is_s3_url"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_POOL_CONNECTIONS = 128  # S3 connections kept per filesystem (botocore's default is 10)


class RetryPolicy(Record):
    """How long S3 requests may take: botocore's own retries (``max_attempts``, each bounded by the timeouts),
    all of a request's within ``deadline`` s (then :class:`StoreUnavailableError`)."""

    __slots__ = ("max_attempts", "deadline", "connect_timeout", "read_timeout")
    max_attempts: int
    deadline: float
    connect_timeout: float
    read_timeout: float

    def __init__(self, max_attempts: int = 5, deadline: float = 60.0, connect_timeout: float = 5.0,
                 read_timeout: float = 20.0) -> None:
        self._set(max_attempts, deadline, connect_timeout, read_timeout)


_SECRET_QUERY = r"(?i)(signature|credential|token|secret|password|key|sig)$"  # compiled on first use (re's cache)


def is_s3_url(url: str) -> bool:
    """Whether ``url`` is a plain ``s3://`` / ``s3a://`` URL (chained ones, ``simplecache::s3://``, take their
    S3 options nested under ``"s3"``: they get no defaults)."""
    return bool(re.match(r"^s3a?://", url))


def redact_url(url: str) -> str:
    """``url`` without user info and with secret-looking query parameters masked (for messages and reprs)."""
    if "://" not in url:
        return url
    prefix, _, last = url.rpartition("::")
    parts = urlsplit(last)
    netloc = parts.netloc.rpartition("@")[2]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, "***" if re.search(_SECRET_QUERY, k) else v) for k, v in pairs], safe="*")
    clean = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return f"{redact_url(prefix)}::{clean}" if prefix else clean


def remote_options(url: str, storage_options: dict[str, Any] | None,
                   retry: RetryPolicy | None = None) -> dict[str, Any]:
    """``storage_options`` plus hdmfzarr's S3 client defaults (the caller's values win)."""
    opts = dict(storage_options or {})
    if not is_s3_url(url):
        return opts
    retry = retry or RetryPolicy()
    opts.setdefault("max_concurrency", 1)  # s3fs otherwise sends a HEAD before every whole-object GET
    # botocore's standard retries, each attempt bounded: a dead or silent server cannot hang a request; opening a
    # store fetches its small values and cached specs in one concurrent wave: with botocore's 10 connections a
    # wave of 300 GETs would cost 30 round trips of latency
    defaults = {"connect_timeout": retry.connect_timeout, "read_timeout": retry.read_timeout,
                "retries": {"mode": "standard", "max_attempts": retry.max_attempts},
                "max_pool_connections": MAX_POOL_CONNECTIONS}
    opts["config_kwargs"] = defaults | dict(opts.get("config_kwargs") or {})
    return opts


@functools.cache
def _error_types() -> tuple[tuple[str, tuple[type[BaseException], ...]], ...]:
    """``(kind, exception types)`` in the order :func:`classify` tries them (SSL errors are not transient)."""
    import aiohttp
    from botocore import exceptions as bx
    from s3fs.core import S3_RETRYABLE_ERRORS  # botocore's HTTP errors, fsspec's timeout, truncated bodies

    return (
        ("auth", (PermissionError, bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError)),
        ("other", (bx.SSLError,)),
        ("missing", (FileNotFoundError,)),
        ("transient", (ConnectionError, TimeoutError, aiohttp.ClientError, bx.ConnectionError, *S3_RETRYABLE_ERRORS)),
    )


def classify(exc: BaseException) -> str:
    """'auth', 'missing', 'transient' or 'other' for an exception raised by a filesystem call."""
    kind = next((kind for kind, types in _error_types() if isinstance(exc, types)), None)
    if kind is None and isinstance(exc, OSError) and exc.errno in (errno.EBUSY, getattr(errno, "EREMOTEIO", errno.EIO)):
        return "transient"  # s3fs's mapping of HTTP 500 / 503 SlowDown
    return kind or "other"


def _describe(exc: BaseException) -> str:
    text = redact(str(exc).strip()) or type(exc).__name__
    return f"{type(exc).__name__}: {text[:300]}"


_SECRETS: set[str] = set()  # credential values this process was given (storage options, URL user info)


_SECRET_PATTERNS = (  # credentials as botocore prints them in requests and signed URLs (compiled on first use)
    r"(?i)(Credential=)[^/\s,'\"&]+",
    r"(?i)(X-Amz-Security-Token['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,&}]+",
    r"(X-Amz-Signature=|Signature=)[0-9a-fA-F]+",
    r"(?i)((?:aws_)?(?:access_key_id|secret_access_key|session_token|secret|token|key)['\"]?\s*[:=]\s*['\"])[^'\"]+",
)


_LOGGED_LIBRARIES = ("botocore", "aiobotocore", "boto3", "s3fs", "fsspec", "urllib3", "aiohttp")


def register_secrets(options: dict[str, Any] | None) -> None:
    """Remember the credential values in ``options`` (s3fs ``key``/``secret``/``token`` and their
    botocore spellings, nested ones included) so that :func:`redact` masks them everywhere."""
    if not options:
        return
    for name, value in options.items():
        if isinstance(value, dict):
            register_secrets(value)
        elif isinstance(value, str) and len(value) >= 4 and name.lower() in (
            "key", "secret", "token", "password", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
            "access_key", "secret_key", "session_token",
        ):
            _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered credential value and credential-looking field masked as ``***``."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = re.sub(pattern, r"\1***", text)
    return text


def _install_log_redaction() -> None:
    """Mask credentials in every log record of the S3/HTTP libraries (botocore logs request headers at DEBUG):
    a record factory sees every logger's records, whatever the handlers; the previous factory runs first."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.startswith(_LOGGED_LIBRARIES):
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record: leave it to logging's own error path
                return record
            clean = redact(message)
            if clean != message or record.args:
                record.msg, record.args = clean, ()
        return record

    logging.setLogRecordFactory(factory)


def split_user_info(url: str) -> tuple[str, dict[str, str]]:
    """``s3://KEY:SECRET@bucket/key`` -> (``s3://bucket/key``, ``{"key": KEY, "secret": SECRET}``);
    other URLs are returned unchanged with no options (fsspec would take the user info for the bucket)."""
    if not is_s3_url(url) or "@" not in (parts := urlsplit(url)).netloc:
        return url, {}
    info, _, host = parts.netloc.rpartition("@")
    user, _, password = info.partition(":")
    creds = {k: unquote(v) for k, v in (("key", user), ("secret", password)) if v}
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), creds


def digest(data: bytes | None) -> str | None:
    """The version token of a commit document in a store without ETags (None: absent)."""
    return None if data is None else "sha256:" + hashlib.sha256(data).hexdigest()


def _is_meta(key: str) -> bool:
    return key.rpartition("/")[2] in METADATA_KEYS


def _under(key: str, prefix: str) -> bool:
    prefix = prefix.strip("/")
    return not prefix or key == prefix or key.startswith(prefix + "/")


async def _collect(keys: AsyncIterator[str]) -> list[str]:
    return [k async for k in keys]


_WRITES = ("writing", "deleting", "clearing")  # unconditional requests fenced by the writer lease


async def gather_or_cancel(*aws: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather``, but when one fails the others are cancelled and awaited before the error is
    raised: no write of a failed transaction goes on in the background."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class RemoteStore(WrapperStore[FsspecStore]):
    """An ``FsspecStore`` with retries, clear errors and (while writable) batched metadata; see the module."""

    def __init__(self, store: FsspecStore, url: str, retry: RetryPolicy | None = None) -> None:
        super().__init__(store)
        if self.is_s3:
            # s3fs would repeat botocore's retries in a loop of its own: botocore alone retries
            store.fs.retries = 1
        self.url = url  # already redacted: used in messages
        self.retry = retry or RetryPolicy()
        # fresh: the prefix held nothing when opened (or was cleared): only keys written through this store exist
        self.fresh = False
        self.fence: Any = None  # the writer lease held while writing (:class:`.commit._Lease`), or None
        self._batching = 0
        self._meta: dict[str, bytes | None] = {}  # known metadata documents (None = absent)
        self._dirty: set[str] = set()  # metadata held back inside batch()
        self._remote: set[str] = set()  # keys this store has written to the server

    def _with_store(self, store: FsspecStore) -> RemoteStore:
        other = copy.copy(self)  # shares the overlay (a view's copied ``fresh`` errs on asking the server)
        other._store = store
        return other

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (for a dask worker) without the writer lease, whose renewal thread stays with the writer
        (a worker's chunks land under keys no commit names yet; the writer's commit stays conditional)."""
        return self.__dict__ | {"fence": None}

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    __str__ = __repr__

    @property
    def fs(self) -> Any:
        """The fsspec filesystem."""
        return self._store.fs

    @property
    def root(self) -> str:
        """The store's path inside the filesystem (``bucket/key.zarr`` for S3)."""
        return self._store.path.rstrip("/")

    async def call(self, what: str, key: str, make: Callable[[], Awaitable[T]], fenced: bool = True) -> T:
        """Run ``make()`` within the policy's deadline (botocore retries inside it), failures as StoreErrors; under a
        writer lease an unconditional write that could outlive the lease is given up (ConflictError, :mod:`.commit`)."""
        start = time.monotonic()
        where = f"{self.url}: {what}" + (f" {key!r}" if key else "")
        deadline = self.retry.deadline
        lease = self.fence if fenced and what in _WRITES else None
        if lease is not None:
            deadline = min(deadline, lease.remaining(where))
        try:
            return await asyncio.wait_for(make(), deadline)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below, re-raised as StoreError
            if lease is not None and isinstance(exc, TimeoutError) and deadline < self.retry.deadline:
                raise lease.expired(where) from None  # cut short: it could have outlived the lease
            kind = classify(exc)
            if kind == "auth":
                raise StoreAuthError(
                    f"{where}: access denied - check the credentials (storage_options key/secret, "
                    f"AWS_* environment variables or profile) and the bucket's permissions ({_describe(exc)})"
                ) from None
            if kind == "missing":
                raise StoreNotFoundError(f"{where}: not found ({_describe(exc)})") from None
            if kind != "transient":
                raise StoreError(f"{where} failed ({_describe(exc)})") from exc
            elapsed = time.monotonic() - start
            raise StoreUnavailableError(
                f"{where}: the server did not answer in {elapsed:.1f} s (deadline {self.retry.deadline:g} s, "
                f"at most {self.retry.max_attempts} attempt(s)) ({_describe(exc)})"
            ) from None

    async def get(self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None) -> Buffer | None:
        meta = _is_meta(key)
        if meta and key in self._meta:
            data = self._meta[key]
            return None if data is None else byte_range_of(prototype.buffer.from_bytes(data), byte_range)
        if self.fresh and key not in self._remote:
            return None
        buf = await self.call("reading", key, lambda: self._store.get(key, prototype, byte_range))
        if meta and byte_range is None and not self.read_only:
            self._meta[key] = None if buf is None else buf.to_bytes()
        return buf

    async def get_partial_values(self, prototype: BufferPrototype,
                                 key_ranges: Iterable[tuple[str, ByteRequest | None]]) -> list[Buffer | None]:
        return list(await asyncio.gather(*(self.get(k, prototype, r) for k, r in key_ranges)))

    async def exists(self, key: str) -> bool:
        if _is_meta(key):
            return await self.get(key, default_buffer_prototype()) is not None
        if self.fresh:
            return key in self._remote
        return await self.call("checking", key, lambda: self._store.exists(key))

    # zarr's own versions, through this store's get/set/list (WrapperStore's would bypass them)
    is_empty, set_if_not_exists = Store.is_empty, Store.set_if_not_exists
    _get_many, _set_many = Store._get_many, Store._set_many
    get_ranges = Store.get_ranges  # type: ignore[assignment]

    async def root_is_empty(self) -> bool:
        """Whether nothing at all is stored under the store's root (one request on S3: StoreNotFoundError naming a
        missing bucket)."""
        fs = self.fs
        if self.is_s3:
            bucket, key, _ = fs.split_path(self.root)
            prefix = f"{key.strip('/')}/" if key.strip("/") else ""

            async def _probe() -> bool:
                resp = await fs._call_s3("list_objects_v2", Bucket=bucket, Prefix=prefix, MaxKeys=1)
                return not (resp.get("KeyCount") or resp.get("Contents"))

            try:
                return await self.call("listing", "", _probe)
            except StoreNotFoundError:
                raise StoreNotFoundError(f"{self.url}: bucket {bucket!r} does not exist") from None
        async for _ in self._store.list_dir(""):
            return False
        return True

    def forget(self, keys: Iterable[str]) -> None:
        """Drop cached (not held-back) metadata documents so the next read asks the server."""
        if self.fresh:
            return  # nothing but this store writes here: the cache is the truth
        for key in keys:
            if key not in self._dirty:
                self._meta.pop(key, None)

    def _known(self) -> set[str]:
        return self._remote | {k for k, v in self._meta.items() if v is not None}

    def list(self) -> AsyncIterator[str]:
        return self.list_prefix("")

    async def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        keys = {k for k in self._known() if k.startswith(prefix)}
        if not self.fresh:
            remote = await self.call("listing", prefix, lambda: _collect(self._store.list_prefix(prefix)))
            keys |= {k for k in remote if self._meta.get(k, b"") is not None}
        for key in sorted(keys):
            yield key

    async def list_dir(self, prefix: str) -> AsyncIterator[str]:
        base = prefix.strip("/")
        names = {(key[len(base) + 1:] if base else key).split("/", 1)[0]
                 for key in self._known() if _under(key, base) and key != base}
        if not self.fresh:
            remote = await self.call("listing", prefix, lambda: _collect(self._store.list_dir(prefix)))
            names |= {name for name in remote if self._meta.get(f"{base}/{name}" if base else name, b"") is not None}
        for name in sorted(names):
            yield name

    async def set(self, key: str, value: Buffer) -> None:
        self._check_writable()
        if _is_meta(key):
            self._meta[key] = value.to_bytes()
            if self._batching:
                self._dirty.add(key)
                return
            self._dirty.discard(key)
        await self._put(key, value)

    async def delete(self, key: str) -> None:
        self._check_writable()
        on_server = key in self._remote or not self.fresh
        if _is_meta(key):
            self._meta[key] = None
            self._dirty.discard(key)
        self._remote.discard(key)
        if on_server:
            await self.call("deleting", key, lambda: self._store.delete(key))

    async def delete_dir(self, prefix: str) -> None:
        self._check_writable()
        base = prefix.strip("/")
        for key in [k for k in self._meta if _under(k, base)]:
            self._meta[key] = None
            self._dirty.discard(key)
        gone = [k for k in self._remote if _under(k, base)]
        self._remote.difference_update(gone)
        if self.fresh:
            if gone:
                paths = [f"{self.root}/{k}" for k in gone]
                await self.call("deleting", base, lambda: self.fs._rm(paths))
            return
        await self.call("deleting", base, lambda: self._store.delete_dir(prefix))

    async def clear(self) -> None:
        """Delete everything under the root but the writer lease it is cleared under (one listing, batched deletes)."""
        self._check_writable()

        async def _list() -> list[str]:
            try:
                return list(await self.fs._find(self.root, withdirs=False))
            except FileNotFoundError:
                return []

        lease = f"{self.root}/{LOCK_KEY}"
        paths = [p for p in await self.call("listing", "", _list) if p.strip("/") != lease.strip("/")]
        step = 1000  # one S3 DeleteObjects request each: the deadline bounds each batch, not the whole store
        for i in range(0, len(paths), step):
            await self.call("clearing", "", functools.partial(self.fs._rm, paths[i:i + step]))
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache(self.root)
        self._meta.clear()
        self._dirty.clear()
        self._remote.clear()
        self.fresh = True

    def hold_back_root(self) -> dict[str, bytes]:
        """Take the root documents' pending writes out of the batch and return them (a new store's commit writes
        them itself: the commit document conditionally, then the others)."""
        held = {}
        for key in sorted(self._dirty & METADATA_KEYS):
            self._dirty.discard(key)
            data = self._meta.pop(key, None)
            if data is not None:
                held[key] = data
        return held

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold metadata writes back until the outermost batch ends, then send each once, concurrently."""
        self._batching += 1
        ok = False
        try:
            yield
            ok = True
        finally:
            self._batching -= 1
            if not self._batching and self._dirty:  # after an error: still try to leave the metadata
                with contextlib.suppress(*(() if ok else (Exception,))):  # consistent, keeping the first error
                    run(self.flush())

    async def flush(self) -> None:
        """Write the held-back metadata: every document concurrently, the root documents last."""
        dirty = sorted(self._dirty)
        self._dirty.clear()
        inner = [k for k in dirty if "/" in k or k not in METADATA_KEYS]  # root documents last
        root = [k for k in dirty if k not in inner]
        proto = default_buffer_prototype()
        for keys in (inner, root):
            pending = [(k, self._meta.get(k)) for k in keys]
            await gather_or_cancel(*(self._put(k, proto.buffer.from_bytes(v)) for k, v in pending if v is not None))

    async def _put(self, key: str, value: Buffer) -> None:
        await self.call("writing", key, lambda: self._store.set(key, value))
        self._remote.add(key)

    @property
    def is_s3(self) -> bool:
        """Whether the filesystem is s3fs (conditional PUTs with ``If-Match``/``If-None-Match``)."""
        return hasattr(self.fs, "_call_s3") and hasattr(self.fs, "split_path")

    def _s3_object(self, operation: str, key: str, **kwargs: Any) -> Awaitable[Any]:
        """The S3 request ``operation`` on the object at ``key`` (s3fs's own call: its errors as OSErrors)."""
        bucket, path, _ = self.fs.split_path(f"{self.root}/{key}")
        return self.fs._call_s3(operation, Bucket=bucket, Key=path, **kwargs)  # type: ignore[no-any-return]

    async def get_versioned(self, key: str) -> tuple[bytes | None, str | None]:
        """The bytes at ``key`` and their version (S3: the ETag, else :func:`digest`; ``(None, None)`` when absent),
        asked of the server."""
        async def _get() -> tuple[bytes | None, str | None]:
            if not self.is_s3:
                buf = await self._store.get(key, default_buffer_prototype())
                raw = None if buf is None else buf.to_bytes()
                return raw, digest(raw)
            try:
                resp = await self._s3_object("get_object", key)
            except FileNotFoundError:
                return None, None
            body = resp["Body"]
            try:
                data = await body.read()
            finally:
                body.close()
            return data, resp.get("ETag")

        data, etag = await self.call("reading", key, _get)
        if _is_meta(key) and not self.read_only and key not in self._dirty:
            self._meta[key] = data
        return data, etag

    async def put_if(self, key: str, data: bytes, etag: str | None) -> str:
        """Write ``data`` at ``key`` only if it still has ``etag`` (None: absent); the new ETag, else ConflictError."""
        cond = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}

        async def _put() -> str:
            try:
                resp = await self._s3_object("put_object", key, Body=data, **cond)
            except OSError as exc:
                if not _precondition_failed(exc):
                    raise
                # a retried attempt may find its own first attempt applied: then the write is done
                current, now = await self.get_versioned(key)
                if current == data and now is not None:
                    return now
                raise ConflictError(
                    f"{self.url}: {key!r} was replaced by another writer (expected version {etag or 'absent'}, "
                    f"found {now or 'absent'})"
                ) from None
            return str(resp.get("ETag"))

        new = await self.call("writing", key, _put, fenced=False)  # the server checks the condition
        if _is_meta(key):
            self._meta[key] = data
            self._dirty.discard(key)
        self._remote.add(key)
        return new

    async def delete_if(self, key: str, etag: str) -> bool:
        """Delete ``key`` only if it still has ``etag``; False when it has another (or is gone)."""
        async def _delete() -> bool:
            try:
                await self._s3_object("delete_object", key, IfMatch=etag)
            except FileNotFoundError:
                return False
            except OSError as exc:
                if _precondition_failed(exc):
                    return False
                raise
            return True

        done = await self.call("deleting", key, _delete, fenced=False)
        self._remote.discard(key)
        return done


def _precondition_failed(exc: BaseException) -> bool:
    """Whether an s3fs error is HTTP 412 (a conditional request whose condition did not hold)."""
    for e in (exc, exc.__cause__, exc.__context__):
        response = getattr(e, "response", None)
        if isinstance(response, dict):
            err = response.get("Error") or {}
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            if err.get("Code") in ("PreconditionFailed", "412") or status == 412:
                return True
    return isinstance(exc, FileExistsError)  # s3fs's mapping of a failed If-None-Match


_install_log_redaction()  # once, from the backend's import on: S3 libraries never log a credential

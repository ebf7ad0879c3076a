"""Opening a store from a path (a confined ``LocalStore``), an fsspec URL (a :class:`~.remote.RemoteStore`), a zarr
``Store`` or a zarr ``Group`` (:class:`PrefixStore`: its store seen from its path) with a mode; raw key access.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import posixpath
import shutil
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ... import errors
from .. import is_url
from .compat import Buffer, BufferPrototype, ByteRequest, FsspecStore, LocalStore, Store, run
from .compat import reads_synchronously
from .compat import buffer_prototype as default_buffer_prototype
from .convention import CONVENTIONS, NO_ROOT, ROOT_KEYS, encode_node_document, loads_json

if TYPE_CHECKING:
    from .remote import RemoteStore, RetryPolicy

__all__ = ["StoreHandle", "PrefixStore", "MODES", "run", "loads_json", "StoreLike"]

MODES = ("r", "r+", "a", "w", "w-")
#: what ZarrIO opens: a local path, an fsspec URL, a zarr Store object or a zarr Group
StoreLike = str | os.PathLike[str] | Store | Any


def _redact(url: str) -> str:
    """``url`` with its secrets masked (:func:`.remote.redact_url`); a plain path as it is (the remote-store module
    is imported for URLs and fsspec stores only)."""
    if "://" not in url:
        return url
    from .remote import redact_url

    return redact_url(url)


def _store_of(obj: Any) -> Store | None:
    """The zarr Store an object stands for: a Store itself, or a Group's store seen from its path."""
    if isinstance(obj, Store):
        return obj
    store_path = getattr(obj, "store_path", None)
    if store_path is None or not isinstance(getattr(store_path, "store", None), Store):
        return None
    return PrefixStore(store_path.store, store_path.path) if store_path.path else store_path.store


class ConfinedLocalStore(LocalStore):
    """zarr's LocalStore that reads no file outside its root: a key whose path resolves (through
    symbolic links) outside the store raises UnsafeReferenceError instead of being read as data."""

    @functools.cached_property
    def _root_str(self) -> str:  # rows read one by one join keys to it
        return os.fspath(self.root)

    @functools.cached_property
    def _real_root(self) -> str:  # what a key's resolved path must lie under
        return os.path.realpath(self.root)

    def check_inside(self, key: str) -> str:
        """The resolved path of ``key``, or UnsafeReferenceError when it lies outside the store."""
        root = self._real_root
        real = os.path.realpath(os.path.join(self.root, key))
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise errors.UnsafeReferenceError(
                f"{self.root}: {key!r} is a symbolic link to {real!r}, outside the store; refusing to read it"
            )
        return real

    async def get(self, key: str, prototype: Any = None, byte_range: Any = None) -> Any:
        self.check_inside(key)
        return await super().get(key, prototype, byte_range)

    def get_sync(self, key: str, *, prototype: Any = None, byte_range: Any = None) -> Any:
        self.check_inside(key)
        return super().get_sync(key, prototype=prototype, byte_range=byte_range)

    def read_range_sync(self, key: str, start: int, out: Any) -> int | None:
        """Bytes of ``key`` from ``start`` read by one positional read into ``out`` (a row of a raw chunk): the count
        read, None if not stored. The file must be the one inside the store (inode checked once per key)."""
        path = os.path.join(self._root_str, key)
        try:
            fd = os.open(path, os.O_RDONLY)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        try:
            st = os.fstat(fd)
            ident = (st.st_dev, st.st_ino)
            seen = self.__dict__.setdefault("_inside", {})
            if seen.get(key) != ident:
                real = os.stat(self.check_inside(key))
                if (real.st_dev, real.st_ino) != ident:  # changed between the open and the check
                    raise errors.UnsafeReferenceError(
                        f"{self.root}: {key!r} changed while being read; refusing to read it")
                seen[key] = ident
            return os.preadv(fd, (out,), start)
        finally:
            os.close(fd)

    async def get_partial_values(self, prototype: Any, key_ranges: Any) -> Any:
        pairs = list(key_ranges)
        for key, _ in pairs:
            self.check_inside(key)
        return await super().get_partial_values(prototype, pairs)

    async def clear(self) -> None:
        """Delete everything inside the root directory, keeping the directory (writers ``flock`` its inode)."""
        self._check_writable()

        def _clear() -> None:
            root = str(self.root)
            os.makedirs(root, exist_ok=True)
            for entry in os.scandir(root):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)

        await asyncio.to_thread(_clear)


class PrefixStore(Store):
    """The keys of ``store`` under ``prefix/`` as a store of their own (a zarr Group's view of its store). It holds
    consolidated metadata whatever ``store`` says (Icechunk says not, but stores a root ``zarr.json`` as given):
    hdmfzarr keeps the consolidated document there, so any reader opens the store in one read."""

    _supports_sync_io = False  # every access goes through the async methods below

    def __init__(self, store: Store, prefix: str = "") -> None:
        super().__init__(read_only=store.read_only)
        self._store = store
        self.prefix = prefix.strip("/")
        self._base = f"{self.prefix}/" if self.prefix else ""

    def _key(self, key: str) -> str:
        return self._base + key if key else self.prefix

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrefixStore) and other.prefix == self.prefix and other._store == self._store

    def __str__(self) -> str:
        return str(self._store).rstrip("/") + "/" + self.prefix if self.prefix else str(self._store)

    def __repr__(self) -> str:
        return f"PrefixStore({self})"

    def with_read_only(self, read_only: bool = False) -> PrefixStore:
        return PrefixStore(self._store.with_read_only(read_only), self.prefix)

    async def _open(self) -> None:
        await self._store._ensure_open()
        self._is_open = True

    supports_writes = property(lambda self: self._store.supports_writes)
    supports_deletes = property(lambda self: self._store.supports_deletes)
    supports_listing = property(lambda self: self._store.supports_listing)

    async def get(self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None) -> Buffer | None:
        return await self._store.get(self._key(key), prototype, byte_range)

    async def get_partial_values(self, prototype: BufferPrototype, key_ranges: Any) -> list[Buffer | None]:
        return await self._store.get_partial_values(prototype, [(self._key(k), r) for k, r in key_ranges])

    async def exists(self, key: str) -> bool:
        return await self._store.exists(self._key(key))

    async def set(self, key: str, value: Buffer) -> None:
        self._check_writable()
        await self._store.set(self._key(key), value)

    async def delete(self, key: str) -> None:
        self._check_writable()
        await self._store.delete(self._key(key))

    async def delete_dir(self, prefix: str) -> None:
        self._check_writable()
        await self._store.delete_dir(self._key(prefix.strip("/")))

    def list(self) -> Any:
        return self.list_prefix("")

    async def list_prefix(self, prefix: str) -> Any:
        async for key in self._store.list_prefix(self._base + prefix):
            yield key[len(self._base):]

    def list_dir(self, prefix: str) -> Any:
        return self._store.list_dir(self._key(prefix.strip("/")))

    def close(self) -> None:
        pass  # the store belongs to the caller's group


def _describe_store(store: Store) -> str:
    """A URL-like name of a store object for messages and reprs (secrets redacted)."""
    if isinstance(store, FsspecStore):
        protocol = store.fs.protocol
        protocol = protocol[0] if isinstance(protocol, (tuple, list)) else protocol
        return _redact(f"{protocol}://{store.path.lstrip('/')}")
    if isinstance(store, LocalStore):
        return str(store.root)
    return _redact(str(store))


class StoreHandle:
    """A zarr store opened from ``url`` (a path, URL, zarr Store or zarr Group) in ``mode``, plus raw key access."""

    def __init__(self, url: StoreLike, mode: str = "r", storage_options: dict | None = None,
                 retry: RetryPolicy | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.read_only, self.retry = mode, mode == "r", retry
        self.pending_clear = False  # mode 'w' found something: ZarrIO clears it under the writer lock
        self._root: tuple[int | None, bytes | None] | None = None
        self.given_store = _store_of(url)  # a Store/Group object the caller passed (they close it)
        # stores that commit on their own (Icechunk sessions) take writes in any order
        self.transactional = self.given_store is not None and not self.given_store.supports_consolidated_metadata
        if self.given_store is not None:
            if storage_options:
                raise errors.StoreError(f"{_describe_store(self.given_store)}: storage_options apply to URLs, "
                                        "not to a store object (configure the store itself)")
            self.store = self._adopt_store(self.given_store)
            self._raw_url = self.url = _describe_store(self.given_store)
            self.local_path = str(self.given_store.root) if isinstance(self.given_store, LocalStore) else None
        else:
            if not isinstance(url, (str, os.PathLike)):
                raise TypeError(f"expected a path, URL, zarr Store or zarr Group, got {type(url).__name__}")
            self._raw_url = os.fspath(url)  # may carry secrets (user info, signed query): never shown
            self.url = _redact(self._raw_url)
            self.local_path = None if is_url(self._raw_url) else os.path.abspath(self._raw_url)
            self.store = self._open_store(storage_options)
        self.sync_io = reads_synchronously(self.store)  # local files and memory: read in the calling thread
        remote = sys.modules.get(f"{__package__}.remote")  # never imported: no RemoteStore exists
        self.remote: RemoteStore | None = self.store if remote and isinstance(self.store, remote.RemoteStore) else None
        self._check_mode()

    def __repr__(self) -> str:
        return f"StoreHandle({self.url!r}, mode={self.mode!r})"

    def _adopt_store(self, store: Store) -> Store:
        """The caller's store in this handle's mode: zarr's read-only view for 'r', refused for writing if it can't."""
        where = _describe_store(store)
        if self.read_only and not store.read_only:
            try:
                store = store.with_read_only(True)
            except (NotImplementedError, TypeError, ValueError):
                pass  # stores without a read-only view: hdmfzarr itself writes nothing in mode 'r'
        elif not self.read_only and (store.read_only or not store.supports_writes):
            raise errors.StoreError(f"{where}: the store is read-only; mode {self.mode!r} needs a writable store "
                                    "(or open with mode 'r')")
        if isinstance(store, FsspecStore):
            from .remote import RemoteStore

            return RemoteStore(store, where, self.retry)  # retries and clear errors, as for URLs
        return store if store.supports_consolidated_metadata else PrefixStore(store)

    def _open_store(self, storage_options: dict | None) -> Store:
        try:
            if self.local_path is None:  # a URL
                from . import remote

                url, creds = remote.split_user_info(self._raw_url)  # s3://KEY:SECRET@bucket/...: options
                opts = remote.remote_options(url, {**creds, **(storage_options or {})}, self.retry)
                remote.register_secrets(opts)  # never in a message, repr or log record
                if url.startswith("file://") and not self.read_only:
                    opts.setdefault("auto_mkdir", True)
                store = FsspecStore.from_url(url, storage_options=opts or None, read_only=self.read_only)
                return remote.RemoteStore(store, self.url, self.retry)
            if storage_options:
                raise ValueError(f"storage_options given for the local path {self.url!r}; use a URL")
            local = os.path.abspath(self._raw_url)
            if self.read_only and not os.path.isdir(local):
                from ..hdf5 import is_hdf5_path

                hdf5 = os.path.isfile(local) and is_hdf5_path(local)
                hint = "; an HDF5 file: read it with hdmfzarr.open(path) or convert it" if hdf5 else ""
                raise errors.StoreNotFoundError(f"{self.url}: no zarr store here (not a directory){hint}")
            if not self.read_only and os.path.isfile(local):
                raise errors.StoreExistsError(f"{self.url}: a file (not a zarr store) is in the way")
            return ConfinedLocalStore(local, read_only=self.read_only)
        except errors.StoreError:
            raise
        except (ImportError, ValueError, TypeError, OSError) as exc:
            raise errors.StoreError(f"{self.url}: cannot open the store ({type(exc).__name__}: {exc})") from exc

    def _check_mode(self) -> None:
        if not self.read_only and self.given_store is not None and self.local_path is None:
            run(self.store._ensure_open())
        remote = self.remote
        # mode 'a' over a committed store needs no listing: its root document (read anyway) says it is not empty
        if (remote is not None and self.mode in ("w", "w-", "a") and (self.mode != "a" or self.root_format() is None)
                and run(remote.root_is_empty())):
            # one listing decides: the store then knows nothing it did not write exists (no checks while writing)
            self._root = (None, None)
            remote.fresh = True
            return
        if self.mode in ("w", "w-") and (remote is not None or self.list_dir("")):  # remote: not empty, as just listed
            if self.mode == "w-":
                raise errors.StoreExistsError(
                    f"{self.url}: something already exists here and mode 'w-' does not overwrite")
            if not self.store.supports_deletes:
                raise errors.StoreError(f"{self.url}: the store holds data and cannot delete keys "
                                        f"({type(self.store).__name__}); mode 'w' cannot overwrite it - use an "
                                        "empty store")
            self.pending_clear = True  # cleared under the writer lock (.commit.overwrite)
        elif self.mode in ("r", "r+") and self.root_format() is None:
            try:
                if remote is not None and remote.is_s3:
                    run(remote.root_is_empty())  # a missing bucket: StoreNotFoundError naming it
            except errors.StoreNotFoundError:
                raise
            except errors.StoreError:
                pass  # the store is not found, whatever else the listing says
            raise errors.StoreNotFoundError(f"{self.url}: {NO_ROOT}")

    def cleared(self) -> None:
        """The store was just cleared (mode 'w', under the writer lock): nothing is stored."""
        self.pending_clear = False
        self._root = (None, None)

    def get(self, key: str) -> bytes | None:
        """The bytes at ``key`` or None when absent (a store read synchronously: in the calling thread)."""
        if not self.sync_io:
            return run(self._aget(key))
        coro = self._aget(key)
        try:  # the coroutine never suspends: no event loop
            coro.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        coro.close()
        raise RuntimeError("a synchronous store read suspended")

    async def _aget(self, key: str) -> bytes | None:
        """The one raw read (``get_sync`` without suspending when the store reads synchronously)."""
        proto = default_buffer_prototype()
        try:
            buf = (self.store.get_sync(key, prototype=proto) if self.sync_io  # type: ignore[attr-defined]
                   else await self.store.get(key, prototype=proto))
        except (OSError, KeyError) as exc:  # absent: None; other I/O errors: StoreError
            if isinstance(exc, errors.StoreError):
                raise
            if not isinstance(exc, (FileNotFoundError, KeyError)):
                raise errors.StoreError(f"{self.url}: cannot read {key!r} ({exc})") from exc
            return None
        return None if buf is None else buf.to_bytes()

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        """Fetch several keys concurrently."""
        return self.get_and_list(keys, [])[0]

    def set(self, key: str, value: bytes) -> None:
        """Write raw bytes at ``key``."""
        run(self.store.set(key, default_buffer_prototype().buffer.from_bytes(value)))

    def set_documents(self, docs: Iterable[tuple[str, Any]]) -> None:
        """Write each ``(key, doc)`` metadata document, in order, encoded as zarr writes them (the one spelling)."""
        for key, doc in docs:
            self.set(key, encode_node_document(doc))

    def list_dir(self, prefix: str) -> list[str]:
        """Names directly under ``prefix`` ('' for the root)."""
        return run(self._alist_dir(prefix))

    def root_format(self, refresh: bool = False) -> int | None:
        """3 or 2 when a zarr root group is stored here, else None (cached; the first convention found wins: one
        request for a format 3 store or a consolidated format 2 one)."""
        if self._root is None or refresh:
            if refresh and self.remote is not None:
                self.remote.forget(ROOT_KEYS)
            self._root = next((found for c in CONVENTIONS if (found := c.find_root(self))), (None, None))
        return self._root[0]

    def root_document(self) -> bytes | None:
        """The raw root document (the commit document) :meth:`root_format` read."""
        self.root_format()
        return self._root[1] if self._root else None

    def forget_root(self) -> None:
        """Drop the cached root document (after writing)."""
        self._root = None

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Context holding back a remote store's metadata writes to send them once each at the end, concurrently
        (:meth:`.remote.RemoteStore.batch`); a no-op for local stores."""
        return self.remote.batch() if self.remote is not None else contextlib.nullcontext()

    async def _alist_dir(self, prefix: str) -> list[str]:
        try:
            return [k async for k in self.store.list_dir(prefix)]
        except FileNotFoundError:
            return []

    def get_and_list(self, keys: list[str], prefixes: list[str]) -> tuple[list[bytes | None], list[list[str]]]:
        """Fetch ``keys`` and list the ``prefixes`` all at once (one concurrent wave)."""

        async def _all() -> tuple[list[bytes | None], list[list[str]]]:
            got = await asyncio.gather(asyncio.gather(*(self._aget(k) for k in keys)),
                                       asyncio.gather(*(self._alist_dir(p) for p in prefixes)))
            return list(got[0]), list(got[1])

        return run(_all()) if keys or prefixes else ([], [])

    def child_url(self, source: str) -> str:
        """URL of a store given relative to this one (hdmf-zarr's link ``source``)."""
        if is_url(source) or os.path.isabs(source):
            return source
        if self.local_path is not None:
            return os.path.normpath(os.path.join(self.local_path, source))
        scheme, rest = self._raw_url.split("://", 1)
        return f"{scheme}://" + posixpath.normpath(posixpath.join(rest.rstrip("/"), source))

    def close(self) -> None:
        """Release the store (a store object the caller passed stays theirs to close)."""
        if self.given_store is None:
            with contextlib.suppress(Exception):  # closing is best effort
                self.store.close()

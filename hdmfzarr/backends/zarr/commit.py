"""The commit point of a store: writers serialised (``flock``, an S3 lease object or a process lock), the commit
document replaced only if unchanged (else ConflictError); "Two writers" in ``docs/format.md`` details each store."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from ...errors import ConflictError, StoreError
from .convention import CONVENTIONS, LOCK_KEY
from .remote import RemoteStore, digest
from .store import StoreHandle, run

__all__ = ["CommitPoint", "LOCK_KEY", "overwrite"]

log = logging.getLogger(__name__)
FENCE = 0.8  # share of a lease after the last renewal during which a writer still sends writes
_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_GUARD = threading.Lock()


class CommitPoint:
    """The commit document ``key`` of ``handle``'s store; ``wait`` bounds the wait for the writer lock, ``lease``
    how long an S3 lease lives unrenewed before another writer may take it over (30 s by default;
    ``HDMFZARR_WRITER_LEASE_SECONDS`` overrides)."""

    def __init__(self, handle: StoreHandle, key: str, wait: float = 60.0, lease: float | None = None) -> None:
        self.handle = handle
        self.key = key
        self.wait = wait
        self.expected: str | None = None  # the version the next commit replaces (None: the document is absent)
        if lease is None:
            try:
                lease = float(os.environ.get("HDMFZARR_WRITER_LEASE_SECONDS", "30"))
            except ValueError:
                lease = 30.0
        self.lease = lease if lease > 0 else 30.0
        store = handle.store
        self._s3 = store if isinstance(store, RemoteStore) and store.is_s3 else None
        self._dir = handle.local_path
        if self._dir is None and isinstance(store, RemoteStore):  # a file:// URL: a local directory too
            protocol = getattr(store.fs, "protocol", ())
            if "file" in ((protocol,) if isinstance(protocol, str) else protocol):
                self._dir = store.root

    # -- reading ---------------------------------------------------------------------------
    def read(self) -> tuple[bytes | None, str | None]:
        """The commit document (None when absent) and its version token, asked of the store (never of a cache)."""
        if isinstance(self.handle.store, RemoteStore):
            return run(self.handle.store.get_versioned(self.key))
        data = self.handle.get(self.key)
        return data, digest(data)

    # -- one transaction ---------------------------------------------------------------------
    @contextlib.contextmanager
    def exclusive(self, expected: str | None) -> Iterator[Callable[..., str]]:
        """Hold the writer lock while the body runs; ConflictError (nothing written) unless the commit document
        still has version ``expected``. Yields :meth:`commit`, writing the document conditionally."""
        with self.locked():
            self._check(self.read()[1], expected)
            self.expected = expected
            yield self.commit

    def commit(self, data: bytes, rebase: bool = False) -> str:
        """Write the commit document (inside :meth:`exclusive`) if it still has version :attr:`expected`
        (``rebase``: whatever version it has now); the new version, the one the next call expects."""
        if rebase:
            self.expected = self.read()[1]
        if self._s3 is not None:
            self._s3.fence.check()  # the writer lease exclusive() holds
            self.expected = run(self._s3.put_if(self.key, data, self.expected))
            return self.expected or ""
        if self._dir is not None:  # a writer that ignores the lock cannot be stopped, but is seen
            self._check(self.read()[1], self.expected)
        self.handle.set(self.key, data)
        self.expected = digest(data)
        return self.expected or ""

    def _check(self, current: str | None, expected: str | None) -> None:
        if current != expected:
            raise ConflictError(
                f"{self.handle.url}: another writer committed to the store since it was read "
                f"({self.key!r} changed); nothing of this write was committed - read the store again and retry"
            )

    def _busy(self, holder: str = "") -> ConflictError:
        return ConflictError(
            f"{self.handle.url}: another writer held the store's writer lock for more than {self.wait:g} s"
            f"{holder}; nothing of this write was committed - retry later"
        )

    @contextlib.contextmanager
    def locked(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """The store's writer lock alone (no version check): the S3 lease, ``flock`` on the store directory, else a
        lock of this process; at most ``wait`` s; ``on_wait`` runs once if another writer holds it."""
        with contextlib.ExitStack() as held:
            if self._s3 is not None:
                lease = _Lease(self._s3, self.lease)
                lease.acquire(self.wait, self._busy, on_wait)
                held.callback(lease.release)
            elif self._dir is None:
                with _PROCESS_GUARD:
                    lock = _PROCESS_LOCKS.setdefault(self.handle.url, threading.Lock())
                if not lock.acquire(blocking=False):
                    if on_wait is not None:
                        on_wait()
                    if not lock.acquire(timeout=self.wait):
                        raise self._busy()
                held.callback(lock.release)
            else:
                try:
                    os.makedirs(self._dir, exist_ok=True)  # a new store: its directory is where the lock lives
                    fd = os.open(self._dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                except OSError as exc:
                    raise StoreError(f"{self.handle.url}: cannot open the store directory to lock it ({exc})") from exc
                held.callback(os.close, fd)  # releases the lock
                for _ in _attempts(self.wait, 0.005, 0.1, on_wait):
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                            raise StoreError(f"{self.handle.url}: cannot lock the store directory ({exc})") from exc
                else:
                    raise self._busy()
            yield


def overwrite(handle: StoreHandle) -> None:
    """Mode 'w' on a store holding something: clear it under the writer lock; a commit made while waiting for
    the lock is not erased (ConflictError: this writer never saw it)."""
    points = [CommitPoint(handle, c.consolidated_key) for c in CONVENTIONS]  # either format's commit
    seen: list[str | None] = []

    def remember() -> None:
        seen.extend(p.read()[1] for p in points)

    with points[0].locked(remember):
        for point, version in zip(points, seen):
            point._check(point.read()[1], version)
        run(handle.store.clear())
    handle.cleared()


def _attempts(wait: float, delay: float, max_delay: float, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """One step per attempt at a lock for ``wait`` s, after jittered, doubling sleeps; ``on_wait`` runs once,
    after the first attempt failed."""
    deadline = time.monotonic() + wait
    yield
    if on_wait is not None:
        on_wait()
    while time.monotonic() <= deadline:
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, max_delay)
        yield


class _Lease:
    """The S3 writer lease: an object created conditionally, renewed by a thread while held."""

    def __init__(self, store: RemoteStore, seconds: float) -> None:
        self.store = store
        self.seconds = seconds
        self.owner = uuid.uuid4().hex
        self.etag: str | None = None
        self.lost = False
        self.sent = 0.0  # monotonic time the last successful create/renewal of the lease was sent
        self.released = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def _put(self, etag: str | None) -> None:
        """Create (``etag`` None) or renew the lease object; ``sent`` is when the request was sent."""
        sent = time.monotonic()
        body = json.dumps({"owner": self.owner, "host": socket.gethostname(), "pid": os.getpid(),
                           "lease_seconds": self.seconds, "renewed": time.time()}).encode()
        self.etag = run(self.store.put_if(LOCK_KEY, body, etag))
        self.sent = sent

    def acquire(self, wait: float, busy: Callable[[str], ConflictError],
                on_wait: Callable[[], None] | None = None) -> None:
        """Create the lease object, or take over one its holder stopped renewing; ConflictError after ``wait`` s."""
        seen: dict[str, float] = {}  # ETag of the holder's lease -> when this writer first saw it
        body = None
        for _ in _attempts(wait, 0.02, 0.5, on_wait):
            with contextlib.suppress(ConflictError):
                self._put(None)
                break
            body, etag = run(self.store.get_versioned(LOCK_KEY))
            if body is not None and etag is not None:
                held = _holder(body, self.seconds)[0]
                first = seen.setdefault(etag, time.monotonic())
                if time.monotonic() - first > held:  # not renewed for a whole lease: its writer is gone
                    with contextlib.suppress(ConflictError):
                        self._put(etag)
                        log.warning("%s: took over the writer lease of a writer that stopped renewing it",
                                    self.store.url)
                        break
        else:
            raise busy(f" ({_holder(body, self.seconds)[1]})" if body else "")
        self._thread = threading.Thread(target=self._renew, name="hdmfzarr-lease", daemon=True)
        self._thread.start()
        self.store.fence = self  # unconditional writes are sent only while the lease is surely held

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            with self._guard:
                if self._stop.is_set():
                    return
                try:
                    self._put(self.etag)
                except ConflictError:
                    self.lost = True
                    return
                except StoreError as exc:  # keep trying; the commit's If-Match still guards the document
                    log.info("%s: renewing the writer lease failed (%s)", self.store.url, exc)

    def remaining(self, where: str) -> float:
        """Seconds this writer may still send requests: until FENCE of a lease after its last renewal was *sent*
        (a takeover waits a whole lease after *seeing* it); ConflictError when none are left."""
        left = self.sent + FENCE * self.seconds - time.monotonic()
        if self.lost or self.released or left <= 0:
            raise self.expired(where)
        return left

    def expired(self, where: str) -> ConflictError:
        if self.released:
            return ConflictError(f"{where}: a write of a finished transaction (its writer lease is released); not sent")
        return ConflictError(
            f"{where}: this writer's lease was not renewed for {FENCE * self.seconds:g} s (the writer stalled "
            "or the server did not answer), so another writer may hold it now; not sent - nothing of this "
            "write was committed; read the store again and retry"
        )

    def check(self) -> None:
        """Refuse to commit once the lease was taken over by another writer."""
        if self.lost:
            raise ConflictError(
                f"{self.store.url}: this writer's lease was taken over by another writer (it stalled for more "
                f"than {self.seconds:g} s); nothing of this write was committed - read the store again and retry"
            )

    def release(self) -> None:
        # the store stays fenced by this (released) lease: a request still in flight from this write
        # (e.g. one of zarr's concurrent chunk writes outliving a failed sibling) is refused, not sent
        self.released = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._guard:
            if self.etag is not None and not self.lost:
                try:
                    run(self.store.delete_if(LOCK_KEY, self.etag))
                except StoreError as exc:  # the lease then expires by itself
                    log.info("%s: releasing the writer lease failed (%s)", self.store.url, exc)


def _holder(body: bytes, default: float) -> tuple[float, str]:
    """A lease object's lifetime (``default`` when it names none) and who holds it."""
    try:
        doc = json.loads(body)
        value = doc.get("lease_seconds")
        seconds = float(value) if isinstance(value, (int, float)) and value > 0 else default
        return seconds, f"held by process {doc.get('pid')} on {doc.get('host')}"
    except (ValueError, AttributeError, TypeError):
        return default, "held by another writer"

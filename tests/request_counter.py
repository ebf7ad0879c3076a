"""Request counters for tests and benchmarks (not part of the package): HTTP requests an S3 filesystem sends,
and the keys a zarr store is asked for."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from zarr.storage import WrapperStore


class RequestCounter:
    """Counts the HTTP requests (every attempt, retries included) botocore sends for an S3 filesystem.

    ``options(storage_options)`` returns the options with an aiobotocore session whose
    ``before-send`` hook records ``(method, path, query)`` for each request; ``max_in_flight`` is
    the most requests awaiting their response at once, ``failures`` the attempts that got no
    response (connection errors) or a 5xx.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.waves = 0
        self.wave_starts: list[int] = []  # index in ``requests`` of the first request of each wave
        self.failures = 0
        self._session: Any = None

    def _hook(self, request: Any, **_: Any) -> None:
        url = urlsplit(request.url)
        self.requests.append((request.method, url.path, url.query))
        if self.in_flight == 0:
            self.wave_starts.append(len(self.requests) - 1)
            self.waves += 1  # sent while no request awaited its response: a new sequential round trip
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self, response_dict: Any = None, exception: Any = None, **_: Any) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        status = (response_dict or {}).get("status_code", 0) if isinstance(response_dict, dict) else 0
        if exception is not None or status >= 500:
            self.failures += 1

    @property
    def session(self) -> Any:
        """The aiobotocore session carrying the hook (created on first use)."""
        if self._session is None:
            from aiobotocore.session import AioSession

            self._session = AioSession()
            self._session.register("before-send.s3", self._hook)
            self._session.register("response-received.s3", self._done)
        return self._session

    def options(self, storage_options: dict[str, Any] | None) -> dict[str, Any]:
        """A copy of ``storage_options`` that routes requests through the counting session."""
        return {**(storage_options or {}), "session": self.session}

    @property
    def total(self) -> int:
        return len(self.requests)

    def count(self, method: str | None = None, listing: bool | None = None) -> int:
        """Requests of one HTTP ``method``; ``listing`` True/False keeps only bucket listings / the rest."""
        out = 0
        for m, _, query in self.requests:
            if method is not None and m != method:
                continue
            if listing is not None and ("list-type" in query) != listing:
                continue
            out += 1
        return out

    def summary(self) -> dict[str, int]:
        """``{"GET": n, "PUT": n, "HEAD": n, "LIST": n, ...}`` (bucket listings counted as LIST)."""
        out: dict[str, int] = {}
        for m, _, query in self.requests:
            name = "LIST" if "list-type" in query else m
            out[name] = out.get(name, 0) + 1
        return out

    def reset(self) -> None:
        self.requests.clear()
        self.wave_starts.clear()
        self.in_flight = self.max_in_flight = self.failures = self.waves = 0


class CountingStore(WrapperStore):  # type: ignore[type-arg]
    """A zarr store wrapper that records every key read, whole or by byte ranges."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.keys: list[str] = []

    async def get(self, key: str, prototype: Any, byte_range: Any = None) -> Any:
        self.keys.append(key)
        return await self._store.get(key, prototype, byte_range)

    async def get_partial_values(self, prototype: Any, key_ranges: Any) -> Any:
        key_ranges = list(key_ranges)
        self.keys.extend(k for k, _ in key_ranges)
        return await self._store.get_partial_values(prototype, key_ranges)

    def _with_store(self, store: Any) -> "CountingStore":
        return CountingStore(store)

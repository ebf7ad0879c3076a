"""Fixtures for the ecosystem tests: a log of every key read from a zarr store (local or fsspec/S3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from zarr.storage import FsspecStore, LocalStore


class FetchLog(list):
    """Keys read from stores, in order; helpers pick out chunk keys."""

    def chunks(self, array_path: str | None = None) -> list[str]:
        """Chunk keys read (``.../c/...`` in Zarr format 3), optionally of one array (path without '/')."""
        out = []
        for key in self:
            head, sep, _ = key.partition("/c/")
            if not sep and not key.endswith("/c"):
                continue
            if array_path is None or (head if sep else key[:-2]) == array_path.strip("/"):
                out.append(key)
        return out


@pytest.fixture
def fetch_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[FetchLog]:
    """Record every ``Store.get`` key of LocalStore and FsspecStore (and ``get_sync`` of LocalStore) while the test runs."""
    log = FetchLog()
    for cls in (LocalStore, FsspecStore):
        original = cls.get

        async def get(self, key, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            log.append(key)
            return await _original(self, key, *args, **kwargs)

        monkeypatch.setattr(cls, "get", get)
    original_sync = LocalStore.get_sync  # rows of a local store are read synchronously (no event loop)

    def get_sync(self, key, *args, **kwargs):  # type: ignore[no-untyped-def]
        log.append(key)
        return original_sync(self, key, *args, **kwargs)

    monkeypatch.setattr(LocalStore, "get_sync", get_sync)
    yield log

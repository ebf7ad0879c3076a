"""The Zarr backend: builder trees <-> Zarr format 3 (hdmf-zarr 0.14) and format 2 (hdmf-zarr 0.13).

The only package code that imports ``zarr``.
"""

from typing import Any

from ...errors import StoreAuthError, StoreUnavailableError
from .io import ZarrIO
from .lazy import LazyArray

__all__ = [
    "ZarrIO", "LazyArray", "default_chunks",
    "RetryPolicy", "StoreAuthError", "StoreUnavailableError",
]


def __getattr__(name: str) -> Any:
    # imported on first use: reading a local store needs no remote machinery, nor the writer's chunking rule
    if name == "RetryPolicy":
        from .remote import RetryPolicy

        return RetryPolicy
    if name == "default_chunks":
        from .chunking import default_chunks

        return default_chunks
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

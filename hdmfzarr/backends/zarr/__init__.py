"""The Zarr backend: builder trees <-> Zarr format 3 (hdmf-zarr 0.14) and format 2 (hdmf-zarr 0.13).

The only package code that imports ``zarr``.
"""

from typing import Any

from ...errors import StoreAuthError, StoreUnavailableError
from .chunking import default_chunks
from .io import ZarrIO
from .lazy import LazyArray

__all__ = [
    "ZarrIO", "LazyArray", "default_chunks",
    "RetryPolicy", "StoreAuthError", "StoreUnavailableError",
]


def __getattr__(name: str) -> Any:
    if name != "RetryPolicy":  # imported on first use: reading a local store needs no remote machinery
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .remote import RetryPolicy

    return RetryPolicy

"""The Zarr backend: builder trees <-> Zarr format 3 (hdmf-zarr 0.14) and format 2 (hdmf-zarr 0.13).

The only package code that imports ``zarr``.
"""

from .chunking import default_chunks
from .io import ZarrIO
from .lazy import LazyArray
from .remote import RetryPolicy, StoreAuthError, StoreUnavailableError

__all__ = [
    "ZarrIO", "LazyArray", "default_chunks",
    "RetryPolicy", "StoreAuthError", "StoreUnavailableError",
]

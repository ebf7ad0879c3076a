"""The Zarr backend: builder trees <-> Zarr format 3 (hdmf-zarr 0.14) and format 2 (hdmf-zarr 0.13).

The only package code that imports ``zarr``.
"""

import importlib
from typing import Any

from .io import ZarrIO, ZarrV2IO, is_zarr_v2_file
from .lazy import LazyArray

__all__ = [
    "ZarrIO", "ZarrV2IO", "is_zarr_v2_file", "LazyArray", "default_chunks",
    "RetryPolicy", "StoreAuthError", "StoreUnavailableError",
]


#: imported on first use: reading a local store needs no remote machinery, nor the writer's chunking rule
_LAZY = {"RetryPolicy": ".remote", "default_chunks": ".chunking", "StoreAuthError": "...errors",
         "StoreUnavailableError": "...errors"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)

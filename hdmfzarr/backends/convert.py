"""Copying a store: Zarr format 2 <-> 3, or an hdmf/pynwb HDF5 file -> Zarr, streaming big datasets."""

from __future__ import annotations

import os
from typing import Any

from ..errors import HdmfZarrError
from . import is_url
from . import open as open_store

__all__ = ["convert", "options_for"]


def convert(src: str, dst: str, zarr_format: int | None = None,
            storage_options: dict[str, Any] | None = None, overwrite: bool = False) -> int:
    """Copy ``src`` (Zarr store or HDF5 file) with its cached specs to a Zarr store ``dst`` in ``zarr_format``
    (default: a Zarr source's other one, else 3); returns the format written."""
    from .zarr import ZarrIO
    from .zarr.convention import conversion_format
    from .zarr.export import write_copy

    remote = is_url(src) or is_url(dst)
    if (src.rstrip("/") == dst.rstrip("/")) if remote else os.path.abspath(src) == os.path.abspath(dst):
        raise HdmfZarrError(f"convert: source and destination are the same store ({src})")
    with open_store(src, storage_options=options_for(src, storage_options)) as source:
        root, cache = source.read_builder(), source.spec_cache()  # read before anything at dst is replaced
        if zarr_format is None:
            zarr_format = conversion_format(source.zarr_format)
        label = f"{os.path.basename(src.rstrip('/'))} -> {os.path.basename(dst.rstrip('/'))}"
        with ZarrIO(dst, mode="w" if overwrite else "w-", storage_options=options_for(dst, storage_options),
                    zarr_format=zarr_format) as out:
            write_copy(out, root, cache, label)
    return zarr_format


def options_for(url: str, options: dict[str, Any] | None) -> dict[str, Any] | None:
    """Storage options apply to remote URLs only (a local path next to an S3 URL takes none)."""
    return options if is_url(url) else None

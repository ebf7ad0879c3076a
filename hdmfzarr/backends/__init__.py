"""Storage backends (``zarr``; ``hdf5``, read-only) behind one small protocol, ``open()`` choosing among them
by the path alone (xarray-style), and ``convert()`` copying a store: Zarr format 2 <-> 3, or HDF5 -> Zarr."""

from __future__ import annotations

import gc
import importlib
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from .. import errors

if TYPE_CHECKING:
    from .protocol import Backend

__all__ = ["Backend", "BACKENDS", "backend_for", "open", "is_url", "stored_chunks", "paused_gc", "convert",
           "options_for"]

Target = str | os.PathLike[str]

#: the backends ``open`` tries, in order (module:class, imported only when asked)
BACKENDS = ("hdmfzarr.backends.hdf5:HDF5Reader", "hdmfzarr.backends.zarr.io:ZarrIO")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while long-lived objects are built (our modules loading, a tree read
    from a store): 6–8% of a cold open (README footnote 4). The caller's setting is kept."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_url(target: Target) -> bool:
    """True for fsspec URLs (``s3://...``, ``memory://...``, chained ``a::b``) rather than local paths."""
    text = os.fspath(target)
    return "://" in text or "::" in text


def stored_chunks(data: Any) -> tuple[int, ...] | None:
    """The chunk shape a lazy array is stored with (None when unknown or not chunked)."""
    for obj in (data, getattr(data, "source", None)):
        chunks = getattr(obj, "chunks", None)
        if isinstance(chunks, tuple) and chunks:
            return chunks
    return None


def backend_for(target: Target) -> type[Backend]:
    """The first backend in ``BACKENDS`` whose ``guess_can_open`` accepts ``target``."""
    for spec in BACKENDS:
        module, _, name = spec.partition(":")
        cls: type[Backend] = getattr(importlib.import_module(module), name)
        if cls.guess_can_open(target):
            return cls
    raise errors.StoreError(f"{os.fspath(target)}: no backend can open this (tried {', '.join(BACKENDS)})")


def open(target: Target, mode: str = "r", *, storage_options: dict[str, Any] | None = None,
         **kwargs: Any) -> Backend:
    """Open a Zarr store or an hdmf/pynwb HDF5 file with the backend that can, e.g.
    ``with hdmfzarr.open("x.zarr") as io: root = io.read_builder()``."""
    return backend_for(target).open_target(target, mode, storage_options=storage_options, **kwargs)


def convert(src: str, dst: str, zarr_format: int | None = None,
            storage_options: dict[str, Any] | None = None, overwrite: bool = False) -> int:
    """Copy ``src`` (Zarr store or HDF5 file) with its cached specs to a Zarr store ``dst`` in ``zarr_format``
    (default: a Zarr source's other one, else 3); returns the format written."""
    from .zarr import ZarrIO
    from .zarr.convention import conversion_format
    from .zarr.export import write_copy

    remote = is_url(src) or is_url(dst)
    if (src.rstrip("/") == dst.rstrip("/")) if remote else os.path.abspath(src) == os.path.abspath(dst):
        raise errors.HdmfZarrError(f"convert: source and destination are the same store ({src})")
    with open(src, storage_options=options_for(src, storage_options)) as source:
        root, cache = source.read_builder(), source.spec_cache()  # read before anything at dst is replaced
        if zarr_format is None:
            zarr_format = conversion_format(source.zarr_format)
        label = f"{os.path.basename(src.rstrip('/'))} -> {os.path.basename(dst.rstrip('/'))}"
        with ZarrIO(dst, mode="w" if overwrite else "w-", storage_options=options_for(dst, storage_options),
                    zarr_format=zarr_format) as out:
            write_copy(out, root, cache, label)
    return zarr_format


def __getattr__(name: str) -> Any:
    if name == "Backend":  # the protocol, loaded when asked for: reading a store never needs it (issue 15 item 5)
        from .protocol import Backend

        return Backend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def options_for(url: str, options: dict[str, Any] | None) -> dict[str, Any] | None:
    """Storage options apply to remote URLs only (a local path next to an S3 URL takes none)."""
    return options if is_url(url) else None

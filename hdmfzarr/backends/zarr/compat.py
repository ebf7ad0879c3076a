"""Every zarr-python API hdmfzarr relies on beyond ``zarr``'s top-level names, in one module.

zarr-python 3 keeps some of what we need outside its documented surface (the event-loop bridge,
buffers, constructing an array from already parsed metadata, a group's async twin). Importing it
only here means a zarr upgrade is checked in one place; ``pyproject.toml`` pins the minor range
tested (``TESTED_ZARR``), and ``tests/backends/test_backends_zarr_compat.py`` checks the installed
zarr still offers each of these.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

from zarr import Array, AsyncArray, AsyncGroup, Group
from zarr.abc.store import ByteRequest, OffsetByteRequest, RangeByteRequest, Store, SuffixByteRequest
from zarr.core.buffer import Buffer, BufferPrototype, default_buffer_prototype
from zarr.core.codec_pipeline import BatchedCodecPipeline
from zarr.core.sync import sync as _sync
from zarr.dtype import VariableLengthBytes
from zarr.storage import FsspecStore, LocalStore, StorePath, WrapperStore

__all__ = [
    "TESTED_ZARR", "run", "array_from_metadata", "async_array", "async_group", "buffer_prototype",
    "Array", "AsyncArray", "Group", "Store", "StorePath", "FsspecStore", "LocalStore", "WrapperStore",
    "Buffer", "BufferPrototype", "ByteRequest", "OffsetByteRequest", "RangeByteRequest", "SuffixByteRequest",
    "VariableLengthBytes", "BatchedCodecPipeline", "use_codec_pipeline",
]

#: the zarr-python versions this module was written and tested against (pyproject.toml pins the same)
TESTED_ZARR = ">=3.4,<3.5"

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on zarr's own event loop (the one its stores live on) and return its result."""
    return _sync(coro)


def array_from_metadata(metadata: dict[str, Any], store: Store, path: str) -> Array:
    """An array over ``store``/``path`` from metadata we already parsed (no second metadata request)."""
    return Array(AsyncArray(metadata=metadata, store_path=StorePath(store, path)))  # type: ignore[call-overload]


def async_array(array: Array) -> AsyncArray[Any]:
    """The async twin of an array (to gather many reads on zarr's loop)."""
    return array.async_array


def async_group(group: Group) -> AsyncGroup:
    """The async twin of a group (to create many members concurrently)."""
    return group._async_group


def buffer_prototype() -> BufferPrototype:
    """zarr's default buffer prototype (CPU buffers), for raw store reads and writes."""
    return default_buffer_prototype()


def use_codec_pipeline(cls: type, default: str = "zarr.core.codec_pipeline.BatchedCodecPipeline") -> None:
    """Make zarr decode through pipeline class ``cls`` (zarr's ``codec_pipeline.path`` setting), unless
    the setting was changed from zarr's ``default`` by the application."""
    import zarr
    from zarr.registry import register_pipeline

    register_pipeline(cls)
    if zarr.config.get("codec_pipeline.path") == default:
        zarr.config.set({"codec_pipeline.path": f"{cls.__module__}.{cls.__qualname__}"})

"""What zarr-python 3 does not read or write for us: Zarr format 2 object arrays (pickle and JSON ``json2``
object codecs), read and appended to as raw chunk keys.

hdmf-zarr 0.13's pickled references and compound records are decoded by a restricted unpickler that admits only
the reference class (as ``dict``), the numpy constructors plain records need, and a few builtins: anything else
raises :class:`UnsafeReferenceError` before any code runs.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
from typing import Any

import numpy as np

from ...errors import CorruptStoreError, UnsafeReferenceError
from .convention import OBJECT_CODECS, V2
from .safety import DecodedSizeError, check_codecs, check_decoded_size, max_chunk_bytes

__all__ = ["RestrictedUnpickler", "safe_unpickle", "decode_v2_chunk", "v2_chunk_key", "write_object_chunks"]

_NDARRAY = object()  # ``numpy.ndarray`` in a pickle: only the class argument of ``_reconstruct`` (never called)


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """numpy's pickle constructor for plain ndarrays of at most one element (pickles start from an empty array
    filled by ``__setstate__``, bounded by the data pickled)."""
    if subtype is not _NDARRAY:
        raise UnsafeReferenceError(f"refusing to reconstruct an array of class {subtype!r}")
    if not isinstance(shape, tuple) or math.prod(int(n) for n in shape) > 1:
        raise CorruptStoreError(f"pickled array starts with shape {shape!r}, expected (0,)")
    return np._core.multiarray._reconstruct(np.ndarray, shape, dtype)  # type: ignore[attr-defined]


def _bytes(value: Any = b"", *args: Any) -> bytes:
    """``bytes`` for pickles, refusing ``bytes(n)`` (a pickle of a few bytes could allocate any size)."""
    if isinstance(value, int):
        raise CorruptStoreError(f"pickled data calls bytes({value!r}); expected bytes or text")
    return bytes(value, *args)


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """copyreg._reconstructor restricted to the admitted classes."""
    if cls is dict or base is dict:
        return dict(state or {})
    if base is object and cls in (object, dict):
        return object.__new__(cls)
    if base in (str, tuple, int, float) and cls is base:
        return base.__new__(cls, state)
    raise UnsafeReferenceError(f"refusing to reconstruct {cls!r} from {base!r}")


_MULTIARRAY = ("numpy.core.multiarray", "numpy._core.multiarray")
_ALLOWED: dict[tuple[str, str], Any] = {
    ("hdmf_zarr.utils", "ZarrReference"): dict,
    **{("builtins", t.__name__): t for t in (dict, list, tuple, str, int, float, bool, object)},
    ("builtins", "bytes"): _bytes,
    ("numpy", "ndarray"): _NDARRAY,
    **{(m, "_reconstruct"): _reconstruct for m in _MULTIARRAY},
    **{(m, "scalar"): np._core.multiarray.scalar for m in _MULTIARRAY},  # type: ignore[attr-defined]
    **dict.fromkeys([("numpy", "dtype"), ("numpy.core.numeric", "dtype"), ("numpy._core.numeric", "dtype"),
                     ("numpy.dtypes", "VoidDType"), ("numpy.dtypes", "ObjectDType")], np.dtype),
    ("copyreg", "_reconstructor"): _reconstructor,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only reference dicts, numpy records and plain builtins."""

    def __init__(self, data: bytes, where: str = "") -> None:
        super().__init__(io.BytesIO(data))
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeReferenceError(
                f"{self.where}: refusing to unpickle {module}.{name} (only hdmf-zarr references and "
                "numpy records are allowed)"
            ) from None


def safe_unpickle(data: bytes, where: str = "") -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`, after refusing a malformed stream or a memo index / frame
    size beyond the data (CPython sizes its memo table by the largest index: 5 bytes could ask for GBs); errors name
    ``where``."""
    import pickletools

    limit = len(data)
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("PUT", "BINPUT", "LONG_BINPUT", "FRAME") and isinstance(arg, int) and arg > limit:
                raise CorruptStoreError(f"{where}: pickled data has {op.name} {arg}, beyond its {limit} bytes")
    except CorruptStoreError:
        raise
    except Exception as exc:
        raise CorruptStoreError(f"{where}: cannot decode pickled data ({type(exc).__name__}: {exc})") from exc
    try:
        return RestrictedUnpickler(data, where).load()
    except UnsafeReferenceError:
        raise
    except Exception as exc:
        raise CorruptStoreError(f"{where}: cannot decode pickled data ({exc})") from exc


def v2_chunk_key(path: str, coords: tuple[int, ...], separator: str = ".") -> str:
    """Store key of one v2 chunk (``0`` for a 0-d array)."""
    name = separator.join(str(c) for c in coords) if coords else "0"
    return f"{path}/{name}" if path else name


def decode_v2_chunk(raw: bytes, zarray: dict, chunk_shape: tuple[int, ...], where: str) -> np.ndarray:
    """Decode one chunk of a legacy object array to a numpy array of ``chunk_shape``."""
    import numcodecs

    check_codecs(V2.array_doc(zarray).codecs, V2, where)
    try:
        comp = zarray.get("compressor")
        if comp:  # never decode more than a chunk of this shape may hold (decompression bombs)
            check_decoded_size(str(comp.get("id")), raw, max_chunk_bytes(math.prod(chunk_shape), None))
        data: Any = numcodecs.get_codec(comp).decode(raw) if comp else raw
    except DecodedSizeError as exc:
        raise CorruptStoreError(f"{where}: {exc}") from None
    except Exception as exc:
        raise CorruptStoreError(f"{where}: cannot decompress chunk ({exc})") from exc
    for conf in reversed(zarray.get("filters") or []):
        cid = conf.get("id")
        if cid == "pickle":
            data = safe_unpickle(bytes(data), where)
        elif cid in ("json2", "json"):
            data = V2.decode_object_chunk(bytes(data), where)
        else:
            try:
                data = numcodecs.get_codec(conf).decode(data)
            except Exception as exc:
                raise CorruptStoreError(f"{where}: cannot decode filter {cid!r} ({exc})") from exc
    dtype = V2.decode_numpy_dtype(zarray["dtype"])
    try:
        arr = _as_chunk_array(data, dtype, math.prod(chunk_shape))
    except CorruptStoreError as exc:
        raise CorruptStoreError(f"{where}: {exc}") from None
    except Exception as exc:  # decoded values of the wrong shape or type for the array
        raise CorruptStoreError(f"{where}: decoded chunk does not fit the array ({type(exc).__name__}: {exc})") from exc
    try:
        return arr.reshape(chunk_shape, order=zarray.get("order", "C"))
    except ValueError as exc:
        raise CorruptStoreError(f"{where}: chunk holds {arr.size} items, expected shape {chunk_shape}") from exc


def _as_chunk_array(data: Any, dtype: np.dtype, size: int) -> np.ndarray:
    """Decoded chunk values as a flat array of ``size`` items of ``dtype``."""
    if isinstance(data, np.ndarray) and data.dtype == dtype:
        return data
    rows = np.asarray(data, dtype=object).ravel() if dtype.names else (
        data.ravel() if isinstance(data, np.ndarray) else data)
    if not hasattr(rows, "__len__") or len(rows) != size:
        got = len(rows) if hasattr(rows, "__len__") else type(rows).__name__
        raise CorruptStoreError(f"chunk holds {got} items, expected {size}")
    arr = np.empty(size, dtype=dtype if dtype.names else object)
    for i, v in enumerate(rows):
        arr[i] = v if not dtype.names else tuple(v[n] for n in dtype.names) if isinstance(v, dict) else tuple(v)
    return arr


def write_object_chunks(handle: Any, path: str, meta: dict[str, Any], rows: Any, lo: int, where: str) -> None:
    """Rows ``lo`` onwards of the v2 object array at ``path`` (``meta``: its document, with the shape it has with
    them; rows of its row shape) as raw chunk keys in the JSON object codec: a partly filled chunk is decoded,
    completed, rewritten."""
    import numcodecs

    shape = tuple(int(s) for s in meta["shape"])
    chunks = tuple(int(c) for c in meta.get("chunks") or meta["shape"])
    sep = meta.get("dimension_separator") or "."
    dtype = V2.decode_numpy_dtype(meta["dtype"])
    rows = np.asarray(rows, dtype=object) if dtype.names is None else rows
    compressor = numcodecs.get_codec(meta["compressor"]) if meta.get("compressor") else None
    filters = [f for f in meta.get("filters") or [] if isinstance(f, dict)]

    def encode(block: np.ndarray) -> bytes:  # the object codec (JSON as our writer frames it), compressed
        data: Any = block
        for f in filters:
            obj = f.get("id") in OBJECT_CODECS
            data = V2.encode_object_chunk(block) if obj else numcodecs.get_codec(f).encode(data)
        return compressor.encode(data) if compressor is not None else bytes(data)

    if not shape:  # a 0-d array: one chunk, key "0"
        handle.set(v2_chunk_key(path, (), sep), encode(rows))
        return
    grid = [range(-(-s // c)) for s, c in zip(shape[1:], chunks[1:])]
    for ci in range(lo // chunks[0], (lo + len(rows) - 1) // chunks[0] + 1):
        start = ci * chunks[0]
        for rest in itertools.product(*grid):
            key = v2_chunk_key(path, (ci, *rest), sep)
            block = np.empty(chunks, dtype=dtype)
            if dtype.names is None:
                block[...] = None
            if start < lo:  # the committed cells of a partly filled chunk stay as they are
                raw = handle.get(key)
                if raw is not None:
                    block = decode_v2_chunk(raw, meta, chunks, f"{where} chunk {key!r}").copy()
            a, b = max(lo, start), min(lo + len(rows), start + chunks[0])
            inner = tuple(slice(r * c, (r + 1) * c) for r, c in zip(rest, chunks[1:]))
            part = rows[(slice(a - lo, b - lo), *inner)]
            block[(slice(a - start, b - start), *(slice(0, n) for n in part.shape[1:]))] = part
            handle.set(key, encode(block))

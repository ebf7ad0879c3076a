"""Zarr format 2 object arrays that zarr-python 3 cannot open: pickle and JSON object codecs.

hdmf-zarr 0.13 pickled references (``hdmf_zarr.utils.ZarrReference``) and compound records.
They are decoded here with a restricted unpickler that admits only the reference class (mapped to
``dict``), the numpy constructors plain records need, and a few builtins — anything else raises
:class:`UnsafeReferenceError` before any code runs. JSON-codec arrays (``json2``, what hdmf-zarr
0.13 writes with ``object_codec_class=JSON`` and what we write) are decoded with plain ``json``.
"""

from __future__ import annotations

import io
import json
import math
import pickle
from typing import Any

import numpy as np

from ...errors import CorruptStoreError, UnsafeReferenceError

__all__ = [
    "OBJECT_CODECS",
    "RestrictedUnpickler",
    "safe_unpickle",
    "is_legacy_object_array",
    "decode_v2_chunk",
    "encode_json_chunk",
    "v2_chunk_key",
    "json_filter_config",
]

OBJECT_CODECS = ("pickle", "json2", "json")

_ALLOWED: dict[tuple[str, str], Any] = {
    ("hdmf_zarr.utils", "ZarrReference"): dict,
    ("builtins", "dict"): dict,
    ("builtins", "list"): list,
    ("builtins", "tuple"): tuple,
    ("builtins", "str"): str,
    ("builtins", "bytes"): bytes,
    ("builtins", "int"): int,
    ("builtins", "float"): float,
    ("builtins", "bool"): bool,
    ("builtins", "object"): object,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_mod, "_reconstruct")] = np._core.multiarray._reconstruct  # type: ignore[attr-defined]
    _ALLOWED[(_mod, "scalar")] = np._core.multiarray.scalar  # type: ignore[attr-defined]
for _mod in ("numpy", "numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_mod, "dtype")] = np.dtype
_ALLOWED[("numpy.dtypes", "VoidDType")] = np.dtype
_ALLOWED[("numpy.dtypes", "ObjectDType")] = np.dtype


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """copyreg._reconstructor restricted to the admitted classes."""
    if cls is dict or base is dict:
        return dict(state or {})
    if base is object:
        return object.__new__(cls)
    return base.__new__(cls, state)


_ALLOWED[("copyreg", "_reconstructor")] = _reconstructor


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
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; errors name ``where``."""
    try:
        return RestrictedUnpickler(data, where).load()
    except UnsafeReferenceError:
        raise
    except Exception as exc:
        raise CorruptStoreError(f"{where}: cannot decode pickled data ({exc})") from exc


def _filter_ids(zarray: dict) -> list[str]:
    return [f.get("id") for f in (zarray.get("filters") or []) if isinstance(f, dict)]


def _has_object_field(dtype: Any) -> bool:
    if isinstance(dtype, list):
        return any(_has_object_field(f[1]) for f in dtype)
    return isinstance(dtype, str) and dtype.endswith("O")


def is_legacy_object_array(zarray: dict) -> bool:
    """True for v2 arrays zarr-python 3 cannot read: object dtypes with pickle/JSON codecs."""
    ids = _filter_ids(zarray)
    if any(i in OBJECT_CODECS for i in ids):
        return True
    return isinstance(zarray.get("dtype"), list) and _has_object_field(zarray["dtype"])


def v2_numpy_dtype(spec: Any) -> np.dtype:
    """The numpy dtype of a ``.zarray`` dtype entry (compound lists become tuples)."""
    if isinstance(spec, list):
        return np.dtype([(f[0], v2_numpy_dtype(f[1])) + tuple(tuple(x) for x in f[2:]) for f in spec])
    return np.dtype(spec)


def v2_chunk_key(path: str, coords: tuple[int, ...], separator: str = ".") -> str:
    """Store key of one v2 chunk (``0`` for a 0-d array)."""
    name = separator.join(str(c) for c in coords) if coords else "0"
    return f"{path}/{name}" if path else name


def json_filter_config() -> dict[str, Any]:
    """The numcodecs JSON (``json2``) filter configuration hdmf-zarr 0.13 reads."""
    return {
        "id": "json2", "encoding": "utf-8", "skipkeys": False, "ensure_ascii": True, "check_circular": True,
        "allow_nan": True, "indent": None, "separators": [",", ":"], "sort_keys": True, "strict": True,
    }


def encode_json_chunk(items: np.ndarray) -> bytes:
    """numcodecs-``json2`` framing of a 1-D or 0-d object array: items, dtype string, shape."""
    flat = list(np.atleast_1d(items).ravel())
    payload = [_jsonable(v) for v in flat] + ["|O", list(items.shape)]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True).encode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def decode_v2_chunk(raw: bytes, zarray: dict, chunk_shape: tuple[int, ...], where: str) -> np.ndarray:
    """Decode one chunk of a legacy object array to a numpy array of ``chunk_shape``."""
    import numcodecs

    try:
        comp = zarray.get("compressor")
        data: Any = numcodecs.get_codec(comp).decode(raw) if comp else raw
    except Exception as exc:
        raise CorruptStoreError(f"{where}: cannot decompress chunk ({exc})") from exc
    for conf in reversed(zarray.get("filters") or []):
        cid = conf.get("id")
        if cid == "pickle":
            data = safe_unpickle(bytes(data), where)
        elif cid in ("json2", "json"):
            data = _decode_json(bytes(data), zarray, where)
        else:
            try:
                data = numcodecs.get_codec(conf).decode(data)
            except Exception as exc:
                raise CorruptStoreError(f"{where}: cannot decode filter {cid!r} ({exc})") from exc
    dtype = v2_numpy_dtype(zarray["dtype"])
    if isinstance(data, np.ndarray) and data.dtype == dtype:
        arr = data
    elif dtype.names:
        arr = np.empty(math.prod(chunk_shape), dtype=dtype)
        for i, row in enumerate(np.asarray(data, dtype=object).ravel()):
            arr[i] = tuple(row[n] for n in dtype.names) if isinstance(row, dict) else tuple(row)
    else:
        arr = np.empty(math.prod(chunk_shape), dtype=object)
        flat = data.ravel() if isinstance(data, np.ndarray) else data
        for i, v in enumerate(flat):
            arr[i] = v
    try:
        return arr.reshape(chunk_shape, order=zarray.get("order", "C"))
    except ValueError as exc:
        raise CorruptStoreError(f"{where}: chunk holds {arr.size} items, expected shape {chunk_shape}") from exc


def _decode_json(raw: bytes, zarray: dict, where: str) -> Any:
    try:
        items = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise CorruptStoreError(f"{where}: JSON chunk is not valid JSON ({exc})") from exc
    if not isinstance(items, list) or len(items) < 2:
        raise CorruptStoreError(f"{where}: JSON chunk is not [items..., dtype, shape]")
    return items[:-2]

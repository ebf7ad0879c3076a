"""Turning builder data and attribute values into what is stored, for both conventions (numpy/JSON, no zarr)."""

from __future__ import annotations

import contextlib
import datetime as _dt
from typing import Any

import numpy as np

from ...build.builders import Builder, CompoundField, ExternalTarget, ReferenceBuilder
from ...errors import StoreError
from ...build.convert import text_array, text_cell, value_dtype
from ...spec.dtypes import first_leaf, keep_wider
from .convention import TEXT_KINDS, Convention

__all__ = ["TEXT_KINDS", "infer_dtype", "to_text_array", "is_reference", "STRING_DTYPE",
           "reference_entry", "encode_rows", "compound_fields", "is_encoded", "stream_dtype"]

STRING_DTYPE = np.dtypes.StringDType()


def is_reference(value: Any) -> bool:
    """True for a reference value (a ReferenceBuilder or a builder used as one)."""
    return isinstance(value, (ReferenceBuilder, Builder))


def reference_entry(value: Any, where: str, root: Builder | None = None) -> tuple[str, str, str | None, str | None]:
    """``(source, path, target object_id, root object_id)`` of a reference value, as the conventions encode it;
    source is '.' for this store."""
    target = value.target if isinstance(value, ReferenceBuilder) else value if isinstance(value, Builder) else None
    root_oid = root.attributes.get("object_id") if root is not None else None
    if isinstance(target, Builder):
        return ".", target.path, target.attributes.get("object_id"), root_oid
    if isinstance(target, ExternalTarget):
        return target.source, target.path, None, root_oid
    if isinstance(target, str):
        return value.source or ".", target, None, root_oid
    raise StoreError(f"{where}: expected an object reference, got {type(value).__name__}")


def compound_fields(dtype: Any) -> list[tuple[str, str]]:
    """A compound dtype's ``(name, canonical dtype)`` fields (CompoundFields or spec dicts ``{"name", "dtype"}``)."""
    return [(f.name, f.dtype) if isinstance(f, CompoundField) else (f["name"], f["dtype"]) for f in dtype]


def is_encoded(dtype: Any) -> bool:
    """Whether a builder dtype is stored through ``encode_rows``: a compound (a list of fields) or references."""
    return isinstance(dtype, (list, tuple)) or dtype in ("object", "region")


def encode_rows(convention: Convention, dtype: Any, data: Any, root: Builder | None, where: str) -> np.ndarray:
    """Reference (``dtype`` 'object'/'region') or compound (a list of fields) data as ``convention`` stores it, for
    the writer and appended rows alike: reference elements, JSON object-codec cells or records (tuples in field
    order: references as their entries, text as str, numpy scalars as Python values)."""
    entry = lambda v: reference_entry(v, where, root)  # noqa: E731
    scalar = isinstance(data, (tuple, dict, np.void)) or (isinstance(data, np.ndarray) and data.ndim == 0)
    if not isinstance(dtype, (list, tuple)):
        if isinstance(data, np.ndarray):
            shape, flat = data.shape, list(data.reshape(-1))
        elif isinstance(data, (list, tuple)):
            shape, flat = (len(data),), list(data)
        else:
            shape, flat = (), [data]
        return convention.encode_dataset_references([entry(v) for v in flat], shape)
    fields = compound_fields(dtype)
    names = [n for n, _ in fields]
    records: list[Any] = [data[()] if isinstance(data, np.ndarray) else data] if scalar else list(data)
    plain = lambda v: v.item() if isinstance(v, np.generic) else v  # noqa: E731
    convert: list[Any] = [entry if d == "object" else text_value if d in TEXT_KINDS else plain for _, d in fields]
    rows = []
    for i, rec in enumerate(records):
        if isinstance(rec, dict):
            values = [rec.get(n) for n in names]
        elif isinstance(rec, np.void) and rec.dtype.names:
            values = [rec[n] for n in names]
        else:
            values = list(rec)
        if len(values) != len(fields):
            raise StoreError(f"{where}: record {i} has {len(values)} fields, expected {len(fields)} ({names})")
        rows.append(tuple(c(v) for c, v in zip(convert, values)))
    return convention.encode_records(rows, fields, where, scalar)


def infer_dtype(data: Any, where: str) -> str:
    """The canonical dtype of data a builder gave without a dtype (``build.convert.value_dtype`` tells it)."""
    found = value_dtype(data)
    if isinstance(found, str) and not found.startswith("complex"):
        return found
    leaf = first_leaf(data)
    if leaf is None:
        raise StoreError(f"{where}: cannot tell the dtype of empty data; give the dataset a dtype")
    raise StoreError(f"{where}: cannot store values of type {type(leaf).__name__}")


def stream_dtype(dtype: Any, found: Any, where: str) -> str:
    """The canonical dtype blocks of numpy dtype ``found`` (an iterator's, a dask array's) are stored as: text when the
    dataset says so or, naming no dtype, the blocks are text; else the spec dtype, a minimum (wider numbers keep their
    width); else the blocks' own."""
    kind = np.dtype(found).kind
    if dtype in TEXT_KINDS or (dtype in (None, "numeric") and kind in "OUTS"):
        return dtype if dtype in TEXT_KINDS else "text"
    if dtype in (None, "numeric"):
        if kind not in "biuf":
            raise StoreError(f"{where}: cannot store blocks of dtype {found}; give the dataset a dtype")
        return np.dtype(found).name
    with contextlib.suppress(TypeError):
        if isinstance(dtype, str) and not is_encoded(dtype):
            return np.dtype(keep_wider(dtype, found)).name
    raise StoreError(f"{where}: iterators and dask arrays can be written for numeric and text datasets, not dtype "
                     f"{dtype!r}")


def text_value(value: Any, as_bytes: bool = False) -> Any:
    """One text element as stored: str (or bytes for v2 ascii) by ``build.convert.text_cell``, else its ``str()``."""
    if as_bytes and isinstance(value, bytes):
        return value
    try:
        text = text_cell(value)
    except UnicodeDecodeError as exc:
        raise StoreError(f"ascii/bytes value {value[:20]!r}... is not valid UTF-8") from exc
    except TypeError:
        text = str(value)
    return text.encode("utf-8") if as_bytes else text


def to_text_array(data: Any, as_bytes: bool = False) -> np.ndarray:
    """Text data as a StringDType array (or an object array of bytes when ``as_bytes``)."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "UT" and not as_bytes:
        return data if data.dtype.kind == "T" else data.astype(STRING_DTYPE)
    dtype = object if as_bytes else STRING_DTYPE
    if isinstance(data, (str, bytes, _dt.datetime, _dt.date, np.str_, np.bytes_)):
        return np.array(text_value(data, as_bytes), dtype=dtype)
    if not as_bytes and (fast := text_array(data)) is not None:  # every element already a str
        return fast
    arr = data if isinstance(data, np.ndarray) and data.dtype == object else np.asarray(data, dtype=object)
    return np.array([text_value(v, as_bytes) for v in arr.ravel()], dtype=dtype).reshape(arr.shape)


def encode_attr(value: Any, encode_ref: Any, where: str) -> Any:
    """An attribute value as JSON-able data (references via ``encode_ref``)."""
    if is_reference(value):
        return encode_ref(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return value.tolist()
        return encode_attr(value[()] if value.ndim == 0 else value.tolist(), encode_ref, where)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_attr(v, encode_ref, where) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_attr(v, encode_ref, where) for k, v in value.items()}
    if isinstance(value, (np.bytes_, bytes)):
        return text_value(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "__array__"):
        return encode_attr(np.asarray(value), encode_ref, where)
    raise StoreError(f"{where}: attribute value of type {type(value).__name__} cannot be stored")


"""Spec-language rules the validator applies (dtype up-casting, shapes, ISO datetimes) and how issues describe
them: pure functions over specs and canonical dtype names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence

from ..build.builders import CompoundField
from ..spec.dtypes import INTEGER_DTYPES, STRING_DTYPES, TEXT_DTYPES, allowed_dtypes, fit_integers, is_known_dtype

__all__ = ["dtype_satisfies", "describe_dtype", "describe_found", "int_fits", "describe_shape", "is_isodatetime"]


def dtype_satisfies(found: Any, expected: Any) -> bool:
    """Whether stored dtype ``found`` satisfies spec dtype ``expected`` by the language's up-casting; any string kind
    meets a string one (Zarr keeps text and ascii alike as UTF-8). Compound and reference specs are the caller's."""
    if expected is None or found is None:
        return True
    if not isinstance(expected, str) or not isinstance(found, str) or not is_known_dtype(expected):
        return False
    return found == expected or found in (STRING_DTYPES if expected in STRING_DTYPES else allowed_dtypes(expected))


_DESCRIBED = {"float32": "float32 or float64", "numeric": "numeric (integer or float)",
              "isodatetime": "isodatetime (ISO 8601 text)", **dict.fromkeys(TEXT_DTYPES, "text")}


def describe_dtype(expected: Any) -> str:
    """Human text for what a spec dtype accepts, e.g. ``int32 or wider integer``."""
    if (from_ref := getattr(expected, "target_type", None)) is not None:
        return f"object reference to {from_ref}"
    if isinstance(expected, (list, tuple)):
        fields = ", ".join(f"{getattr(f, 'name', '?')}: {describe_dtype(getattr(f, 'dtype', None))}" for f in expected)
        return f"compound ({fields})"
    if expected in INTEGER_DTYPES and len(allowed_dtypes(expected)) > 1:
        return f"{expected} or wider {'unsigned ' if expected.startswith('u') else ''}integer"
    return _DESCRIBED.get(expected, str(expected))


def int_fits(value: int, dtype: str) -> bool:
    """Whether an integer fits a canonical integer dtype (``numeric`` takes any)."""
    import numpy as np

    return dtype == "numeric" or fit_integers(value, value, dtype) == np.dtype(dtype)


def describe_found(found: Any) -> str:
    """Human text for a stored dtype (canonical name, ``object reference`` or compound fields)."""
    if found == "object":
        return "object reference"
    if isinstance(found, list):
        fields = ", ".join(
            f"{f.name}: {describe_found(f.dtype)}" if isinstance(f, CompoundField) else str(f) for f in found)
        return f"compound ({fields})"
    return str(found)


def describe_shape(options: Sequence[Sequence[int | None]], dims: Sequence[Sequence[str]] | None = None) -> str:
    """``[None] (num_rows) or [None, 3] (x, y)``: the allowed shapes, with their dims if known."""
    parts = []
    for i, opt in enumerate(options):
        text = "scalar" if opt == () else "[" + ", ".join("any" if a is None else str(a) for a in opt) + "]"
        if dims and i < len(dims) and dims[i]:
            text += f" ({', '.join(dims[i])})"
        parts.append(text)
    return " or ".join(parts)


def is_isodatetime(value: Any) -> bool:
    """True for a date or datetime, or a str/bytes ISO 8601 string that parses."""
    if isinstance(value, (datetime, date)):
        return True
    try:  # datetime's parser takes every form date's does (3.11+); a UnicodeDecodeError is a ValueError
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        return isinstance(text, str) and datetime.fromisoformat(text.strip()) is not None
    except ValueError:
        return False

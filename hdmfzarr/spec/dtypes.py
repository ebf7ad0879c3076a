"""The HDMF schema language's primitive dtypes: canonical names, aliases, up-casting, numpy mapping.

One table drives everything: the loader canonicalises every dtype string through `canonical_dtype`,
so the rest of the package only ever sees the canonical names listed in `CANONICAL_DTYPES`.
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError

__all__ = [
    "CANONICAL_DTYPES",
    "DTYPE_ALIASES",
    "INTEGER_DTYPES",
    "FLOAT_DTYPES",
    "NUMERIC_DTYPES",
    "TEXT_DTYPES",
    "canonical_dtype",
    "is_known_dtype",
    "is_sub_dtype",
    "allowed_dtypes",
    "numpy_dtype",
    "dtype_from_numpy",
]

CANONICAL_DTYPES: tuple[str, ...] = (
    "float32", "float64",
    "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64",
    "bool", "text", "ascii", "isodatetime", "numeric",
)

#: every accepted spelling (lower case) -> canonical name
DTYPE_ALIASES: dict[str, str] = {name: name for name in CANONICAL_DTYPES}
DTYPE_ALIASES.update({
    "float": "float32", "double": "float64",
    "short": "int16", "int": "int32", "long": "int64",
    "uint": "uint32",
    "utf": "text", "utf8": "text", "utf-8": "text", "str": "text",
    "bytes": "ascii",
    "datetime": "isodatetime", "date": "isodatetime",
    "boolean": "bool",
})

INTEGER_DTYPES: frozenset[str] = frozenset(
    {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})
FLOAT_DTYPES: frozenset[str] = frozenset({"float32", "float64"})
NUMERIC_DTYPES: frozenset[str] = INTEGER_DTYPES | FLOAT_DTYPES
TEXT_DTYPES: frozenset[str] = frozenset({"text", "ascii"})

# The language's up-casting rule: a child may store a parent's dtype in a wider type of the same kind.
_WIDER: dict[str, tuple[str, ...]] = {
    "float32": ("float64",),
    "int8": ("int16", "int32", "int64"),
    "int16": ("int32", "int64"),
    "int32": ("int64",),
    "uint8": ("uint16", "uint32", "uint64"),
    "uint16": ("uint32", "uint64"),
    "uint32": ("uint64",),
    "text": ("ascii",),
    "numeric": tuple(sorted(NUMERIC_DTYPES)),
}


def canonical_dtype(name: str, *, key: str | None = "dtype") -> str:
    """Return the canonical name of a primitive dtype spelling (e.g. 'float' -> 'float32')."""
    if isinstance(name, str):
        found = DTYPE_ALIASES.get(name.lower())
        if found is not None:
            return found
        msg = (f"unknown dtype {name!r}; expected one of {', '.join(CANONICAL_DTYPES)} "
               f"or an alias ({', '.join(sorted(set(DTYPE_ALIASES) - set(CANONICAL_DTYPES)))})")
    else:
        msg = f"dtype must be a string, got {type(name).__name__} {name!r}"
    raise SpecError(msg, key=key)


def is_known_dtype(name: str) -> bool:
    """True if `name` is a primitive dtype spelling of the language."""
    return isinstance(name, str) and name.lower() in DTYPE_ALIASES


def allowed_dtypes(parent: str) -> frozenset[str]:
    """The canonical dtypes a value may have where a spec asks for `parent` (itself and wider types)."""
    p = canonical_dtype(parent)
    return frozenset((p,) + _WIDER.get(p, ()))


def is_sub_dtype(child: str, parent: str) -> bool:
    """True if `child` is an allowed refinement of `parent` (same dtype or an allowed up-cast)."""
    c = canonical_dtype(child)
    return c in allowed_dtypes(parent)


_NUMPY_NAMES: dict[str, str] = {
    "float32": "float32", "float64": "float64",
    "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "bool", "text": "O", "ascii": "O", "isodatetime": "O",
}


def numpy_dtype(name: str) -> Any:
    """The numpy dtype used in memory for a spec dtype (text, ascii, isodatetime -> object).

    'numeric' is abstract and has no single numpy dtype: it raises SpecError.
    """
    import numpy as np

    c = canonical_dtype(name)
    if c == "numeric":
        raise SpecError("dtype 'numeric' is abstract and has no numpy dtype; pick a concrete one", key="dtype")
    return np.dtype(_NUMPY_NAMES[c])


def dtype_from_numpy(dtype: Any) -> str:
    """The canonical spec dtype for a numpy dtype (or anything np.dtype accepts)."""
    import numpy as np

    dt = np.dtype(dtype)
    if dt.kind in "iuf" and dt.name in _NUMPY_NAMES:
        return dt.name
    if dt.kind == "f" and dt.itemsize == 2:
        return "float32"
    if dt.kind == "b":
        return "bool"
    if dt.kind in "UOT":
        return "text"
    if dt.kind == "S":
        return "ascii"
    if dt.kind == "M":
        return "isodatetime"
    raise SpecError(f"numpy dtype {dt} has no spec dtype", key="dtype")

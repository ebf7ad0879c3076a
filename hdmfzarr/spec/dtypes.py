"""The HDMF schema language's primitive dtypes: canonical names, aliases, up-casting, numpy mapping."""

from __future__ import annotations

from typing import Any

from .. import errors

__all__ = [
    "CANONICAL_DTYPES", "DTYPE_ALIASES", "INTEGER_DTYPES", "FLOAT_DTYPES", "NUMERIC_DTYPES", "TEXT_DTYPES",
    "STRING_DTYPES", "canonical_dtype", "first_leaf", "is_known_dtype", "is_sub_dtype", "allowed_dtypes", "numpy_dtype",
    "dtype_from_numpy", "storage_dtype", "scalar_dtype", "keep_wider", "fit_integers", "widened"
]

CANONICAL_DTYPES: tuple[str, ...] = ("float32", "float64", "int8", "int16", "int32", "int64",
                                     "uint8", "uint16", "uint32", "uint64",
                                     "bool", "text", "ascii", "isodatetime", "numeric")

#: every accepted spelling (lower case) -> canonical name
DTYPE_ALIASES: dict[str, str] = {
    **{name: name for name in CANONICAL_DTYPES},
    "float": "float32", "double": "float64", "short": "int16", "int": "int32", "long": "int64", "uint": "uint32",
    "utf": "text", "utf8": "text", "utf-8": "text", "str": "text", "bytes": "ascii",
    "datetime": "isodatetime", "date": "isodatetime", "boolean": "bool"}

INTEGER_DTYPES: frozenset[str] = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})
FLOAT_DTYPES: frozenset[str] = frozenset({"float32", "float64"})
NUMERIC_DTYPES: frozenset[str] = INTEGER_DTYPES | FLOAT_DTYPES
TEXT_DTYPES: frozenset[str] = frozenset({"text", "ascii"})
#: dtypes whose values are stored as strings (text, and ISO 8601 text for isodatetime)
STRING_DTYPES: frozenset[str] = TEXT_DTYPES | {"isodatetime"}

# The language's up-casting rule: a child may store a parent's dtype in a wider type of the same kind.
_WIDER: dict[str, tuple[str, ...]] = {
    "float32": ("float64",), "text": ("ascii",), "numeric": tuple(sorted(NUMERIC_DTYPES)),
    **{f"{k}{n}": tuple(f"{k}{m}" for m in (16, 32, 64) if m > n) for k in ("int", "uint") for n in (8, 16, 32)},
}


#: the dtypes and aliases of the language, as error messages list them
DTYPE_CHOICES = (f"one of {', '.join(CANONICAL_DTYPES)} "
                 f"or an alias ({', '.join(sorted(set(DTYPE_ALIASES) - set(CANONICAL_DTYPES)))})")


def canonical_dtype(name: str) -> str:
    """Return the canonical name of a primitive dtype spelling (e.g. 'float' -> 'float32')."""
    if isinstance(name, str) and (found := DTYPE_ALIASES.get(name.lower())) is not None:
        return found
    raise errors.SpecError(f"unknown dtype {name!r}; expected {DTYPE_CHOICES}" if isinstance(name, str)
                           else f"dtype must be a string, got {type(name).__name__} {name!r}", key="dtype")


def is_known_dtype(name: str) -> bool:
    """True if `name` is a primitive dtype spelling of the language."""
    return isinstance(name, str) and name.lower() in DTYPE_ALIASES


def allowed_dtypes(parent: str) -> frozenset[str]:
    """The canonical dtypes a value may have where a spec asks for `parent` (itself and wider types)."""
    p = canonical_dtype(parent)
    return frozenset((p,) + _WIDER.get(p, ()))


def is_sub_dtype(child: str, parent: str) -> bool:
    """True if `child` is an allowed refinement of `parent` (same dtype or an allowed up-cast)."""
    return canonical_dtype(child) in allowed_dtypes(parent)


def numpy_dtype(name: str) -> Any:
    """The numpy dtype used in memory for a spec dtype (strings -> object); SpecError for the abstract 'numeric'."""
    import numpy as np

    c = canonical_dtype(name)
    if c == "numeric":
        raise errors.SpecError("dtype 'numeric' is abstract and has no numpy dtype; pick a concrete one", key="dtype")
    return np.dtype("O" if c in STRING_DTYPES else c)


def storage_dtype(dtype: Any) -> str | None:
    """The canonical name of what a numpy dtype stores (numbers keep numpy's name, float16 and complex too;
    U/T -> text, S -> ascii, M -> isodatetime), or None when it names no value kind (object, void)."""
    import numpy as np

    try:
        dt = np.dtype(dtype)
    except TypeError:
        return None
    return dt.name if dt.kind in "iufc" else _KIND_NAMES.get(dt.kind)


_KIND_NAMES = {"b": "bool", "U": "text", "T": "text", "S": "ascii", "M": "isodatetime"}


def dtype_from_numpy(dtype: Any, *, strict: bool = True) -> str | None:
    """The canonical *spec* dtype for a numpy dtype (float16 -> float32, the narrowest float the language has);
    one the language cannot name (complex, object, void) raises SpecError (``strict``) or gives None."""
    found = storage_dtype(dtype)
    if found == "float16" or found in DTYPE_ALIASES:
        return "float32" if found == "float16" else found
    if strict:
        raise errors.SpecError(f"numpy dtype {dtype} has no spec dtype", key="dtype")
    return None


def scalar_dtype(value: Any) -> str | None:
    """The canonical dtype of one Python or numpy scalar: bool, int -> int64, float -> float64, str -> text,
    bytes -> ascii, date/datetime -> isodatetime, numpy scalars by their dtype; None for anything else."""
    import datetime

    import numpy as np

    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, np.generic):
        return storage_dtype(value.dtype)
    kinds = ((int, "int64"), (float, "float64"), (str, "text"), (bytes, "ascii"), (datetime.date, "isodatetime"))
    return next((name for kind, name in kinds if isinstance(value, kind)), None)


def keep_wider(spec: Any, data: Any) -> Any:
    """The numpy dtype to store ``data``-typed values under numeric spec dtype ``spec`` (a minimum): data of the
    same family at least as wide keeps its width (wider integers of the other signedness are promoted)."""
    import numpy as np

    want, have = np.dtype(spec), np.dtype(data)
    if want.kind in "iu" and have.kind in "iu":
        if have.itemsize > want.itemsize or (have.kind == want.kind and have.itemsize == want.itemsize):
            return np.promote_types(have, want)
        return want
    if want.kind == "f" and have.kind == "f" and have.itemsize >= want.itemsize:
        return have
    return want


def fit_integers(lo: int, hi: int, minimum: Any, *, at_least: int = 1) -> Any:
    """The narrowest integer dtype holding ``lo..hi``, at least as wide as ``minimum`` and ``at_least`` bytes
    (unsigned only for an unsigned ``minimum`` and ``lo >= 0``); None when no 64-bit integer holds them."""
    import numpy as np

    want = np.dtype(minimum)
    kind = "u" if want.kind == "u" and lo >= 0 else "i"
    for size in (1, 2, 4, 8):
        info = np.iinfo(np.dtype(f"{kind}{size}"))
        if size >= max(want.itemsize, at_least) and info.min <= lo and hi <= info.max:
            return np.dtype(f"{kind}{size}")
    return None


def widened(values: Any, dtype: Any, *, at_least: int = 1) -> Any:
    """The integer dtype that holds both ``dtype``'s range and integer ``values`` (:func:`fit_integers`, else
    numpy's promotion), or None when the values fit ``dtype`` or are not integers: widened, never wrapped."""
    import numpy as np

    target = np.dtype(dtype)
    if values.dtype.kind not in "iu" or target.kind not in "iu" or not values.size:
        return None
    lo, hi = int(values.min()), int(values.max())
    info = np.iinfo(target)
    if info.min <= lo and hi <= info.max:
        return None
    wide = fit_integers(min(lo, int(info.min)), max(hi, int(info.max)), target, at_least=at_least)
    return wide if wide is not None else np.promote_types(values.dtype, target)


def first_leaf(value: Any, empty: Any = None) -> Any:
    """The first scalar inside nested lists/tuples/arrays/array-likes (``empty`` when there is none): what
    the dtype of data given without one is told from."""
    import numpy as np

    node = value
    for _ in range(64):
        if isinstance(node, (str, bytes)) or np.isscalar(node):
            return node
        if isinstance(node, np.ndarray):
            return node.flat[0] if node.size else empty
        if isinstance(node, (list, tuple)):
            if not node:
                return empty
            node = node[0]
        elif hasattr(node, "shape") and hasattr(node, "__getitem__"):
            if 0 in (shape := tuple(node.shape)):
                return empty
            node = node[(0,) * len(shape)]  # node[()] for a scalar
        else:
            return node
    return node


"""The primitive dtype table, aliases, up-casting rule and numpy mapping."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import dtypes
from hdmfzarr.spec.dtypes import (
    canonical_dtype,
    dtype_from_numpy,
    fit_integers,
    is_sub_dtype,
    keep_wider,
    numpy_dtype,
    scalar_dtype,
    storage_dtype,
)


@pytest.mark.parametrize("alias,canonical", [
    ("float", "float32"), ("float32", "float32"), ("double", "float64"), ("float64", "float64"),
    ("int", "int32"), ("long", "int64"), ("short", "int16"), ("int8", "int8"), ("uint", "uint32"),
    ("uint8", "uint8"), ("uint16", "uint16"), ("uint64", "uint64"),
    ("utf", "text"), ("utf8", "text"), ("utf-8", "text"), ("str", "text"), ("text", "text"),
    ("bytes", "ascii"), ("ascii", "ascii"), ("datetime", "isodatetime"), ("isodatetime", "isodatetime"),
    ("bool", "bool"), ("numeric", "numeric"), ("FLOAT", "float32"),
])
def test_aliases_map_to_canonical(alias: str, canonical: str) -> None:
    assert canonical_dtype(alias) == canonical


def test_every_canonical_name_is_its_own_alias() -> None:
    assert set(dtypes.CANONICAL_DTYPES) == set(dtypes.DTYPE_ALIASES.values())
    for name in dtypes.CANONICAL_DTYPES:
        assert canonical_dtype(name) == name


def test_unknown_dtype_raises_spec_error_naming_it() -> None:
    with pytest.raises(SpecError, match="unknown dtype 'float33'"):
        canonical_dtype("float33")
    with pytest.raises(SpecError, match="must be a string"):
        canonical_dtype(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("child,parent", [
    ("float32", "float"), ("double", "float"), ("int64", "int"), ("int16", "int8"), ("long", "short"),
    ("uint64", "uint8"), ("uint32", "uint16"), ("ascii", "text"), ("int8", "numeric"), ("double", "numeric"),
    ("uint16", "numeric"), ("bool", "bool"), ("isodatetime", "datetime"),
])
def test_sub_dtype_allowed(child: str, parent: str) -> None:
    assert is_sub_dtype(child, parent)


@pytest.mark.parametrize("child,parent", [
    ("float32", "double"), ("int32", "int64"), ("int8", "int16"), ("uint8", "int8"), ("int32", "uint32"),
    ("float32", "int"), ("text", "ascii"), ("text", "numeric"), ("bool", "numeric"), ("numeric", "float"),
    ("isodatetime", "text"),
])
def test_sub_dtype_refused(child: str, parent: str) -> None:
    assert not is_sub_dtype(child, parent)


def test_numpy_mapping_both_ways() -> None:
    assert numpy_dtype("float") == np.float32
    assert numpy_dtype("long") == np.int64
    assert numpy_dtype("text") == np.dtype(object)
    with pytest.raises(SpecError, match="abstract"):
        numpy_dtype("numeric")
    for name in ("float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "bool"):
        assert dtype_from_numpy(numpy_dtype(name)) == name
    assert dtype_from_numpy("U5") == "text"
    assert dtype_from_numpy("S3") == "ascii"
    assert dtype_from_numpy("datetime64[ns]") == "isodatetime"
    with pytest.raises(SpecError):
        dtype_from_numpy("complex64")


# -- the dtype rules every layer calls (spec/dtypes.py is their only home) -------------------------
def test_storage_dtype_names_what_is_stored():
    assert storage_dtype("float16") == "float16"
    assert storage_dtype("complex64") == "complex64"
    assert storage_dtype("<U3") == "text" and storage_dtype("S2") == "ascii"
    assert storage_dtype("datetime64[s]") == "isodatetime" and storage_dtype("?") == "bool"
    assert storage_dtype(object) is None and storage_dtype("V8") is None
    assert dtype_from_numpy("float16") == "float32"  # the spec language has no float16
    assert dtype_from_numpy(object, strict=False) is None


def test_scalar_dtype_of_python_and_numpy_values():
    import datetime

    assert [scalar_dtype(v) for v in (True, 3, 2.5, "x", b"x", datetime.date(2020, 1, 1))] == [
        "bool", "int64", "float64", "text", "ascii", "isodatetime"]
    assert scalar_dtype(np.int8(1)) == "int8" and scalar_dtype(np.bool_(True)) == "bool"
    assert scalar_dtype([1]) is None and scalar_dtype(None) is None


@pytest.mark.parametrize("spec, data, expected", [
    ("int32", "int64", "int64"),       # wider data keeps its width
    ("int32", "int8", "int32"),        # narrower data takes the spec's
    ("uint8", "int64", "int64"),       # wider integers of the other sign are promoted, never wrapped
    ("float32", "float64", "float64"),  # float spec dtypes are minimums: never narrow float64 to float32
    ("float64", "float32", "float64"),
    ("float32", "int64", "float32"),   # other families take the spec's dtype
])
def test_keep_wider_treats_spec_dtypes_as_minimums(spec, data, expected):
    assert keep_wider(spec, data) == np.dtype(expected)


@pytest.mark.parametrize("lo, hi, minimum, at_least, expected", [
    (0, 255, "uint8", 1, "uint8"),
    (0, 256, "uint8", 1, "uint16"),
    (-1, 200, "uint8", 1, "int16"),   # negatives leave the unsigned family instead of wrapping
    (0, 10, "uint8", 4, "uint32"),
    (0, 10, "int64", 1, "int64"),
    (-2**63, 2**63 - 1, "int8", 1, "int64"),
    (0, 2**64 - 1, "uint8", 1, "uint64"),
    (0, 2**64 - 1, "int8", 1, None),  # nothing signed holds it
])
def test_fit_integers_widens_never_wraps(lo, hi, minimum, at_least, expected):
    got = fit_integers(lo, hi, minimum, at_least=at_least)
    assert got == (None if expected is None else np.dtype(expected))


def test_widened_is_the_one_widen_never_wrap_rule() -> None:
    import numpy as np

    from hdmfzarr.spec.dtypes import widened

    assert widened(np.array([1, 255]), "uint8") is None  # fits: nothing to widen
    assert widened(np.array([1.5e9]), "uint8") is None  # not integers: not this rule's business
    assert widened(np.array([300]), "uint8") == np.dtype("uint16")
    assert widened(np.array([300]), "uint8", at_least=4) == np.dtype("uint32")
    # the stored dtype's own range stays representable: uint32 values plus a negative one need int64
    assert widened(np.array([-1]), "uint32") == np.dtype("int64")
    assert widened(np.array([-1, 2**40]), "int16") == np.dtype("int64")

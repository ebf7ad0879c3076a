"""The primitive dtype table, aliases, up-casting rule and numpy mapping."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import dtypes
from hdmfzarr.spec.dtypes import canonical_dtype, dtype_from_numpy, is_sub_dtype, numpy_dtype


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

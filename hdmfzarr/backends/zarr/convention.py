"""Every on-disk name and encoding of the two hdmf-zarr conventions, in one place.

``V3`` is hdmf-zarr 0.14's convention (Zarr format 3), ``V2`` is hdmf-zarr 0.13's (Zarr format 2)
without pickle. Writers ask the convention of the format they write; readers accept the spellings
of both (see ``docs/format.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Convention",
    "V3",
    "V2",
    "for_format",
    "DIMS_ATTR",
    "SPECLOC_ATTR",
    "SPEC_GROUP",
    "READ_RESERVED",
    "canonical_dtype",
    "decode_attr_reference",
    "decode_dataset_reference",
]

DIMS_ATTR = "_ARRAY_DIMENSIONS"
SPECLOC_ATTR = ".specloc"
SPEC_GROUP = "specifications"

# Attributes hidden from builders on read, whatever the format (both spellings).
READ_RESERVED = frozenset(
    {"_DTYPE", "_LINKS", "_REFERENCE_FIELDS", "zarr_dtype", "zarr_link", SPECLOC_ATTR, DIMS_ATTR}
)

# On-disk dtype spellings (``_DTYPE`` / ``zarr_dtype``) -> canonical builder dtype names.
_SPELLING_TO_CANONICAL = {
    "str": "text", "str_": "text", "text": "text", "utf8": "text", "utf": "text", "utf-8": "text",
    "bytes": "ascii", "bytes_": "ascii", "ascii": "ascii",
    "isodatetime": "isodatetime", "datetime": "isodatetime",
    "object": "object", "object_reference": "object", "region": "object",
    "bool": "bool", "bool_": "bool",
    "int": "int64", "float": "float64", "long": "int64", "double": "float64", "short": "int16",
}
_NUMERIC = ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "bool")


def canonical_dtype(spelling: Any) -> str | None:
    """Canonical builder dtype for an on-disk spelling (``"str"``, ``"<f8"``, ``"int"``...), or None."""
    if not isinstance(spelling, str):
        return None
    s = spelling.strip()
    if s in _SPELLING_TO_CANONICAL:
        return _SPELLING_TO_CANONICAL[s]
    if s in _NUMERIC:
        return s
    try:
        import numpy as np

        dt = np.dtype(s)
    except TypeError:
        return None
    if dt.kind in "iufb":
        return dt.name
    if dt.kind == "U":
        return "text"
    if dt.kind == "S":
        return "ascii"
    return None


@dataclass(frozen=True)
class Convention:
    """Names and spellings one hdmf-zarr convention uses on disk."""

    zarr_format: int
    dtype_attr: str
    links_attr: str
    ref_fields_attr: str | None
    # canonical builder dtype -> on-disk spelling of the dtype attribute
    dtype_spelling: dict[str, str] = field(default_factory=dict)
    reference_spelling: str = "object"
    scalar_spelling: str | None = None  # v2 stores scalars as shape [1] + this spelling

    def spell(self, canonical: str) -> str:
        """The dtype attribute value for a canonical dtype."""
        return self.dtype_spelling.get(canonical, canonical)

    def link_entry(self, name: str, source: str, path: str) -> dict[str, str]:
        """One element of the links attribute."""
        if self.zarr_format == 3:
            return {"source": source, "path": path, "name": name}
        return {"name": name, "source": source, "path": path}

    def attr_reference(
        self, path: str, source: str = ".", object_id: str | None = None, root_object_id: str | None = None
    ) -> dict[str, Any]:
        """An object reference stored as an attribute value."""
        if self.zarr_format == 3:
            return {"_REFERENCE": {"source": source, "path": path}}
        return {
            "zarr_dtype": "object",
            "value": {"source": source, "path": path, "object_id": object_id, "source_object_id": root_object_id},
        }

    def dataset_reference(
        self, path: str, source: str = ".", object_id: str | None = None, root_object_id: str | None = None
    ) -> Any:
        """One element of a reference dataset (a plain path in v3, a JSON object in v2)."""
        if self.zarr_format == 3:
            return path
        return {"source": source, "path": path, "object_id": object_id, "source_object_id": root_object_id}


_COMMON = {name: name for name in _NUMERIC}

V3 = Convention(
    zarr_format=3,
    dtype_attr="_DTYPE",
    links_attr="_LINKS",
    ref_fields_attr="_REFERENCE_FIELDS",
    dtype_spelling={**_COMMON, "text": "str", "ascii": "str", "isodatetime": "str"},
    reference_spelling="object_reference",
)

V2 = Convention(
    zarr_format=2,
    dtype_attr="zarr_dtype",
    links_attr="zarr_link",
    ref_fields_attr=None,
    dtype_spelling={**_COMMON, "text": "str", "ascii": "bytes", "isodatetime": "bytes"},
    reference_spelling="object",
    scalar_spelling="scalar",
)


def for_format(zarr_format: int) -> Convention:
    """The convention written for Zarr format 2 or 3."""
    if zarr_format == 3:
        return V3
    if zarr_format == 2:
        return V2
    raise ValueError(f"zarr_format must be 2 or 3, got {zarr_format!r}")


def decode_attr_reference(value: Any) -> tuple[str, str] | None:
    """``(source, path)`` if an attribute value is a reference in either convention, else None."""
    if not isinstance(value, dict):
        return None
    if "_REFERENCE" in value and isinstance(value["_REFERENCE"], dict):
        ref = value["_REFERENCE"]
    elif value.get("zarr_dtype") == "object" and isinstance(value.get("value"), dict):
        ref = value["value"]
    else:
        return None
    path = ref.get("path")
    if not isinstance(path, str):
        return None
    return str(ref.get("source") or "."), path


def decode_dataset_reference(value: Any) -> tuple[str, str]:
    """``(source, path)`` of one reference dataset element: a path, a JSON string or a dict."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, dict):
        return str(value.get("source") or "."), str(value.get("path"))
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    text = str(value)
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "path" in obj:
            return str(obj.get("source") or "."), str(obj["path"])
    return ".", text

"""Small read-only questions the build layer asks of (resolved) specs.

Kept in one place so the mapper, the manager and class generation agree on what "typed",
"many", "required" and "the container attribute for this sub-spec" mean.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..spec.model import AttributeSpec, DatasetSpec, GroupSpec, LinkSpec, RefSpec

__all__ = [
    "spec_type",
    "is_typed",
    "is_many",
    "is_required",
    "is_group",
    "is_dataset",
    "is_link",
    "is_attribute",
    "is_ref_dtype",
    "is_compound_dtype",
    "snake_case",
    "plural",
    "default_attr_name",
    "identifier",
]

_MANY = {"*", "+", "zero_or_many", "one_or_many"}
_OPTIONAL = {"*", "?", "zero_or_many", "zero_or_one"}


def spec_type(spec: Any) -> str | None:
    """The data type a (sub-)spec stands for: its ``data_type_def``, else its ``data_type_inc``."""
    if isinstance(spec, (GroupSpec, DatasetSpec)):
        return spec.data_type_def or spec.data_type_inc
    return None


def is_typed(spec: Any) -> bool:
    return spec_type(spec) is not None


def _quantity(spec: Any) -> Any:
    return getattr(spec, "quantity", 1)


def is_many(spec: Any) -> bool:
    """Whether the spec's quantity allows more than one instance."""
    q = _quantity(spec)
    if isinstance(q, str):
        return q in _MANY
    return isinstance(q, int) and q > 1


def is_required(spec: Any) -> bool:
    """Required attributes (``required``, no fixed value) and groups/datasets/links whose quantity demands one."""
    if isinstance(spec, AttributeSpec):
        return bool(spec.required) and spec.value is None
    q = _quantity(spec)
    if isinstance(q, str):
        return q not in _OPTIONAL
    return q is None or q >= 1


def is_group(spec: Any) -> bool:
    return isinstance(spec, GroupSpec)


def is_dataset(spec: Any) -> bool:
    return isinstance(spec, DatasetSpec)


def is_link(spec: Any) -> bool:
    return isinstance(spec, LinkSpec)


def is_attribute(spec: Any) -> bool:
    return isinstance(spec, AttributeSpec)


def is_ref_dtype(dtype: Any) -> bool:
    return isinstance(dtype, RefSpec)


def is_compound_dtype(dtype: Any) -> bool:
    return isinstance(dtype, (list, tuple))


_CAMEL1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL2 = re.compile(r"([a-z0-9])([A-Z])")


def snake_case(name: str) -> str:
    """``DynamicTableRegion`` -> ``dynamic_table_region``."""
    return _CAMEL2.sub(r"\1_\2", _CAMEL1.sub(r"\1_\2", name)).lower()


def plural(word: str) -> str:
    """Plural of an attribute name as hdmf forms it (append ``s`` unless it ends in one), so that
    generated classes take the same keyword names as hdmf's."""
    return word if word.endswith("s") else word + "s"


def identifier(name: str) -> str:
    """``name`` made a valid Python identifier (``x-y`` -> ``x_y``, ``class`` -> ``class_``, ``2d`` -> ``_2d``)."""
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


def default_attr_name(spec: Any) -> str:
    """The container attribute a sub-spec maps to: its name, else the (pluralised) snake_case type."""
    name = getattr(spec, "name", None)
    if name:
        return name
    dt = spec_type(spec) or getattr(spec, "target_type", None)
    if dt is None:
        raise ValueError(f"sub-spec {spec!r} has neither a name nor a type")
    base = snake_case(dt)
    return plural(base) if is_many(spec) else base

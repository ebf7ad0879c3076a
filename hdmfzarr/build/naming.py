"""How the build layer names container attributes after sub-specs (``DynamicTableRegion`` -> ``dynamic_table_region``).

What a spec *is* (typed, many, required, reference or compound dtype) is the spec model's to say
(``hdmfzarr.spec.model``); this module only turns specs into Python attribute names, the way hdmf does.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from ..spec.model import spec_type

__all__ = ["snake_case", "plural", "default_attr_name", "identifier"]

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
    return plural(base) if spec.is_many() else base

"""How the build layer names container attributes after sub-specs (``DynamicTableRegion`` -> ``dynamic_table_region``),
the way hdmf does."""

from __future__ import annotations

import functools
import keyword
import re
from typing import Any

from ..spec.model import spec_type

__all__ = ["snake_case", "default_attr_name", "identifier"]


@functools.cache
def snake_case(name: str) -> str:
    """``DynamicTableRegion`` -> ``dynamic_table_region``: ``_`` before each capitalised word (hdmf's
    ``(.)([A-Z][a-z]+)``), then between a lower-case letter or digit and a capital (``([a-z0-9])([A-Z])``),
    then lower case; scanned by hand, so a cold read compiles no regular expression."""
    out: list[str] = []
    i, n = 0, len(name)
    while i < n:  # (.)([A-Z][a-z]+) -> \1_\2, matches left to right without overlap
        if name[i] != "\n" and i + 2 < n and "A" <= name[i + 1] <= "Z" and "a" <= name[i + 2] <= "z":
            j = i + 3
            while j < n and "a" <= name[j] <= "z":
                j += 1
            out += (name[i], "_", name[i + 1:j])
            i = j
        else:
            out.append(name[i])
            i += 1
    first, out = "".join(out), []
    i, n = 0, len(first)
    while i < n:  # ([a-z0-9])([A-Z]) -> \1_\2
        c = first[i]
        if i + 1 < n and ("a" <= c <= "z" or "0" <= c <= "9") and "A" <= first[i + 1] <= "Z":
            out += (c, "_", first[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out).lower()


def identifier(name: str) -> str:
    """``name`` made a valid Python identifier (``x-y`` -> ``x_y``, ``class`` -> ``class_``, ``2d`` -> ``_2d``)."""
    out = name if name.isascii() and name.isidentifier() else re.sub(r"\W", "_", name)  # most need no regex
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
    base = snake_case(dt)  # plural as hdmf forms it (so generated classes take hdmf's keyword names)
    return base + "s" if spec.is_many() and not base.endswith("s") else base

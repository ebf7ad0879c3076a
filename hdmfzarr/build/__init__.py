"""The build layer: builders, object mappers, the TypeMap registry, BuildManager, class generation. Builders are
imported eagerly (they are plain data); everything else on first use."""

from __future__ import annotations

import importlib
from typing import Any

from .builders import (
    Builder, CompoundField, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder, ReferenceBuilder
)

_HOMES = {  # module -> the public names it provides
    ".typemap": "TypeMap get_type_map type_map_for_write",
    ".mapper": "ObjectMapper FieldInfo",
    ".manager": "BuildManager",
    ".classgen": "generate_class",
    ".lazyrefs": "ReferenceArray CompoundReferenceArray",
    ".common_mappers": "DynamicTableMap AlignedDynamicTableMap SimpleMultiContainerMap CSRMatrixMap",
}
_LAZY = {name: module for module, names in _HOMES.items() for name in names.split()}

__all__ = [
    "Builder", "GroupBuilder", "DatasetBuilder", "LinkBuilder", "ReferenceBuilder",
    "ExternalTarget", "CompoundField", *_LAZY,
]


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'hdmfzarr.build' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

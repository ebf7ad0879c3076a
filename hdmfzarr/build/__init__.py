"""The build layer: builders, object mappers, the TypeMap registry, BuildManager, class generation.

Builders are imported eagerly (they are plain data); everything else on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .builders import (
    Builder,
    CompoundField,
    DatasetBuilder,
    ExternalTarget,
    GroupBuilder,
    LinkBuilder,
    ReferenceBuilder,
)

_LAZY = {
    "TypeMap": ".typemap",
    "get_type_map": ".typemap",
    "type_map_for_write": ".typemap",
    "ObjectMapper": ".mapper",
    "FieldInfo": ".mapper",
    "BuildManager": ".manager",
    "generate_class": ".classgen",
    "ReferenceArray": ".lazyrefs",
    "CompoundReferenceArray": ".lazyrefs",
    "DynamicTableMap": ".common_mappers",
    "AlignedDynamicTableMap": ".common_mappers",
    "SimpleMultiContainerMap": ".common_mappers",
    "CSRMatrixMap": ".common_mappers",
}

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

"""The hdmf-common container classes, each imported on first use (PEP 562); ``CLASS_HOMES`` says where each
type's class lives, for the TypeMap to register without importing it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hdmfzarr import HDMF_COMMON_FUNCTIONS

if TYPE_CHECKING:
    from hdmfzarr.common.aligned import AlignedDynamicTable
    from hdmfzarr.common.columns import DynamicTableRegion, ElementIdentifiers, EnumData, VectorData, VectorIndex
    from hdmfzarr.common.multi import SimpleMultiContainer
    from hdmfzarr.common.sparse import CSRMatrix
    from hdmfzarr.common.table import ColumnInfo, DynamicTable, MeaningsTable
    from hdmfzarr.container import Container, Data

__all__ = [
    "CLASS_HOMES", "COMMON_CLASSES", "EXPERIMENTAL_CLASSES", "CORE_NAMESPACE", "AlignedDynamicTable", "CSRMatrix",
    "ColumnInfo", "Container", "Data", "DynamicTable", "DynamicTableRegion", "ElementIdentifiers", "MeaningsTable",
    "EnumData", "SimpleMultiContainer", "VectorData", "VectorIndex", "EXP_NAMESPACE", *HDMF_COMMON_FUNCTIONS
]

CORE_NAMESPACE = "hdmf-common"
EXP_NAMESPACE = "hdmf-experimental"

_MODULES = {
    "hdmfzarr.container": ("Container", "Data"),
    "hdmfzarr.common.multi": ("SimpleMultiContainer",),
    "hdmfzarr.common.columns": ("VectorData", "VectorIndex", "ElementIdentifiers", "DynamicTableRegion", "EnumData"),
    "hdmfzarr.common.table": ("DynamicTable", "MeaningsTable", "ColumnInfo"),
    "hdmfzarr.common.aligned": ("AlignedDynamicTable",),
    "hdmfzarr.common.sparse": ("CSRMatrix",),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

#: (namespace, data_type) -> "module:Class" of every bundled type with a class of its own: hdmf-common's,
#: hdmf-common 1.10's MeaningsTable and hdmf-experimental's EnumData (stores caching 1.5.1 simply lack them)
CLASS_HOMES: dict[tuple[str, str], str] = {
    (EXP_NAMESPACE if name == "EnumData" else CORE_NAMESPACE, name): f"{module}:{name}"
    for name, module in _HOME.items() if name != "ColumnInfo"  # every class here but the column declaration
}


def _load(home: str) -> Any:
    module, _, name = home.partition(":")
    return getattr(importlib.import_module(module), name)


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = _load(f"{_HOME[name]}:{name}")
    elif name in HDMF_COMMON_FUNCTIONS:  # hdmf.common's functions act on the type map, a layer above: the root's
        value = getattr(importlib.import_module("hdmfzarr"), name)
    elif name == "COMMON_CLASSES":  # hdmf-common's types -> classes (MeaningsTable is in EXPERIMENTAL_CLASSES)
        value = {dt: _load(home) for (ns, dt), home in CLASS_HOMES.items()
                 if ns == CORE_NAMESPACE and dt != "MeaningsTable"}
    elif name == "EXPERIMENTAL_CLASSES":  # classes of types newer than hdmf-common 1.5.1, by namespace
        value = {key: _load(home) for key, home in CLASS_HOMES.items()
                 if key[0] != CORE_NAMESPACE or key[1] == "MeaningsTable"}
    else:
        raise AttributeError(f"module 'hdmfzarr.common' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

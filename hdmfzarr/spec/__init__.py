"""The HDMF schema language: typed spec model, dtypes, YAML loading, namespaces, inheritance, export.

Importing this package parses no schema and imports neither yaml, zarr nor pandas.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors
from .dtypes import canonical_dtype, dtype_from_numpy, is_sub_dtype, numpy_dtype
from .load import TRUSTED, spec_from_dict
from .model import (ONE_OR_MANY, ZERO_OR_MANY, ZERO_OR_ONE, AttributeSpec, BaseStorageSpec, DatasetSpec, DtypeSpec,
                    GroupSpec, LinkSpec, RefSpec, Spec)
from .namespace import NamespaceCatalog, SpecCatalog, SpecNamespace

if TYPE_CHECKING:
    from .write import DtypeHelper, NamespaceBuilder, YAMLSpecWriter, export_spec

#: imported on first use: reading never writes specs
_WRITE = ("NamespaceBuilder", "YAMLSpecWriter", "export_spec", "DtypeHelper")

__all__ = [
    "AttributeSpec", "DatasetSpec", "GroupSpec", "LinkSpec", "RefSpec", "DtypeSpec", "Spec", "BaseStorageSpec",
    "DtypeHelper", "SpecCatalog", "YAMLSpecWriter",
    "ZERO_OR_ONE", "ZERO_OR_MANY", "ONE_OR_MANY",
    "SpecNamespace", "NamespaceCatalog", "NamespaceBuilder", "export_spec", "spec_from_dict",
    "canonical_dtype", "is_sub_dtype", "numpy_dtype", "dtype_from_numpy",
    "default_namespace_path",
]


#: bundled hdmf-common releases -> their folder under specs/ (the newest also holds hdmf-experimental)
BUNDLED_HDMF_COMMON = {"1.10.0": "hdmf-common", "1.5.1": "hdmf-common-1.5.1"}


def default_namespace_path(version: str | None = None) -> Path:
    """A bundled hdmf-common namespace.yaml (wheel: hdmfzarr/_specs, checkout: specs/): the newest release
    with hdmf-experimental (what hdmf 6.2 writes), or the bundled release ``version``."""
    folder = BUNDLED_HDMF_COMMON.get(version or "1.10.0")
    if folder is None:
        raise errors.SpecError(f"hdmf-common {version} is not bundled (bundled: {sorted(BUNDLED_HDMF_COMMON)})",
                               file="specs")
    here = os.path.dirname(os.path.dirname(__file__))  # (str, not pathlib: this runs at every process start)
    for candidate in (os.path.join(here, "_specs", folder), os.path.join(os.path.dirname(here), "specs", folder)):
        ns = os.path.join(candidate, "namespace.yaml")
        if os.path.isfile(ns):
            TRUSTED.add(candidate)
            return Path(ns)
    raise errors.SpecError(f"the bundled hdmf-common schema was not found (looked in hdmfzarr/_specs/{folder} "
                           f"and specs/{folder})", file=os.path.join(here, "_specs", folder, "namespace.yaml"))


def __getattr__(name: str) -> Any:
    if name not in _WRITE:
        raise AttributeError(f"module 'hdmfzarr.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(".write", __name__), name)
    globals()[name] = value
    return value

"""The HDMF schema language: typed spec model, dtypes, YAML loading, namespaces, inheritance, export.

Importing this package parses no schema and imports neither yaml, zarr nor pandas.
"""

from __future__ import annotations

from pathlib import Path

from .dtypes import canonical_dtype, dtype_from_numpy, is_sub_dtype, numpy_dtype
from .load import spec_from_dict
from .catalog import SpecCatalog
from .model import (
    ONE_OR_MANY,
    ZERO_OR_MANY,
    ZERO_OR_ONE,
    AttributeSpec,
    BaseStorageSpec,
    DatasetSpec,
    DtypeHelper,
    DtypeSpec,
    GroupSpec,
    LinkSpec,
    RefSpec,
    Spec,
)
from .namespace import NamespaceCatalog, SpecNamespace
from .write import NamespaceBuilder, YAMLSpecWriter, export_spec

__all__ = [
    "AttributeSpec", "DatasetSpec", "GroupSpec", "LinkSpec", "RefSpec", "DtypeSpec", "Spec", "BaseStorageSpec",
    "DtypeHelper", "SpecCatalog", "YAMLSpecWriter",
    "ZERO_OR_ONE", "ZERO_OR_MANY", "ONE_OR_MANY",
    "SpecNamespace", "NamespaceCatalog", "NamespaceBuilder", "export_spec", "spec_from_dict",
    "canonical_dtype", "is_sub_dtype", "numpy_dtype", "dtype_from_numpy",
    "default_namespace_path",
]


def default_namespace_path() -> Path:
    """The hdmf-common namespace.yaml shipped with hdmfzarr (wheel: hdmfzarr/_specs, checkout: specs/)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_specs" / "hdmf-common", here.parent / "specs" / "hdmf-common"):
        ns = candidate / "namespace.yaml"
        if ns.is_file():
            return ns
    from ..errors import SpecError

    raise SpecError("the bundled hdmf-common schema was not found (looked in hdmfzarr/_specs/hdmf-common "
                    "and specs/hdmf-common)", file=str(here / "_specs" / "hdmf-common" / "namespace.yaml"))

"""hdmfzarr: the HDMF data model (schema -> containers -> builders) natively on Zarr.

Importing the package is cheap: every public name is loaded on first use (PEP 562), so no
schema is parsed and neither zarr nor pandas is imported until something needs them.
The conveniences below act on the default TypeMap (``get_type_map()``), built on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


_LAZY: dict[str, str] = {
    # IO
    "open": "hdmfzarr.backends",
    "convert": "hdmfzarr.backends.convert",
    "ZarrIO": "hdmfzarr.backends.zarr",
    "DataIO": "hdmfzarr.dataio",
    "DataChunkIterator": "hdmfzarr.dataio",
    # spec
    "GroupSpec": "hdmfzarr.spec",
    "DatasetSpec": "hdmfzarr.spec",
    "AttributeSpec": "hdmfzarr.spec",
    "LinkSpec": "hdmfzarr.spec",
    "RefSpec": "hdmfzarr.spec",
    "DtypeSpec": "hdmfzarr.spec",
    "NamespaceBuilder": "hdmfzarr.spec",
    "NamespaceCatalog": "hdmfzarr.spec",
    "export_spec": "hdmfzarr.spec",
    # build
    "BuildManager": "hdmfzarr.build.manager",
    "TypeMap": "hdmfzarr.build.typemap",
    "ObjectMapper": "hdmfzarr.build.mapper",
    "get_type_map": "hdmfzarr.build.typemap",
    # containers
    "Container": "hdmfzarr.container",
    "Data": "hdmfzarr.container",
    # validation
    "validate": "hdmfzarr.validate",
    # errors
    "HdmfZarrError": "hdmfzarr.errors",
    "SpecError": "hdmfzarr.errors",
    "ContainerError": "hdmfzarr.errors",
    "BuildError": "hdmfzarr.errors",
    "ConstructError": "hdmfzarr.errors",
    "StoreError": "hdmfzarr.errors",
    "StoreNotFoundError": "hdmfzarr.errors",
    "StoreExistsError": "hdmfzarr.errors",
    "StoreAuthError": "hdmfzarr.errors",
    "StoreUnavailableError": "hdmfzarr.errors",
    "RetryPolicy": "hdmfzarr.backends.zarr",
    "CorruptStoreError": "hdmfzarr.errors",
    "IncompleteStoreError": "hdmfzarr.errors",
    "ConflictError": "hdmfzarr.errors",
    "DanglingReferenceError": "hdmfzarr.errors",
    "UnsafeReferenceError": "hdmfzarr.errors",
    "ValidationError": "hdmfzarr.errors",
}

__all__ = sorted([*_LAZY, "__version__", "get_class", "register_class", "load_namespaces", "available_namespaces"])


def _version() -> str:
    """The installed distribution's version (package metadata is the one source of truth)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hdmfzarr")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
        return "0+unknown"


def get_class(data_type: str, namespace: str | None = None) -> type:
    """The container class of a type in the default TypeMap (generated from its spec if needed)."""
    from .build.typemap import get_type_map

    return get_type_map().get_class(data_type, namespace)


def register_class(data_type: str, namespace: str, cls: type | None = None) -> Any:
    """Register ``cls`` for ``(namespace, data_type)`` in the default TypeMap; without ``cls``, a decorator."""
    from .build.typemap import get_type_map

    if cls is not None:
        return get_type_map().register_class(data_type, namespace, cls)

    def decorator(klass: type) -> type:
        return get_type_map().register_class(data_type, namespace, klass)

    return decorator


def load_namespaces(path: str | Path) -> dict[str, Any]:
    """Load a namespace YAML file into the default TypeMap."""
    from .build.typemap import get_type_map

    return get_type_map().load_namespaces(path)


def available_namespaces() -> tuple[str, ...]:
    """Names of the namespaces loaded in the default TypeMap (hdmf.common's ``available_namespaces``)."""
    from .build.typemap import get_type_map

    return tuple(get_type_map().namespace_catalog.namespaces)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hdmfzarr' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__



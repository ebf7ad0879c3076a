"""hdmfzarr: the HDMF data model (schema -> containers -> builders) natively on Zarr. Importing it is cheap: public
names load on first use (PEP 562); the conveniences below act on the default TypeMap (``get_type_map()``)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


class _LoadedOnFirstUse(types.ModuleType):
    """A submodule whose code runs when one of its names is first asked for (thread-safe, unlike Python 3.12.1's
    LazyLoader): modules refer to the error classes as ``errors.X``, so a read that raises none never creates them
    (22 classes, ~0.5 ms of a cold open)."""

    def _run(self) -> None:
        with _FIRST_USE:
            if type(self) is _LoadedOnFirstUse:
                loader = self.__spec__.loader if self.__spec__ else None
                assert loader is not None
                loader.exec_module(self)
                object.__setattr__(self, "__class__", types.ModuleType)

    def __getattr__(self, name: str) -> Any:  # (called only for names not defined yet)
        self._run()
        return types.ModuleType.__getattribute__(self, name)

    def __dir__(self) -> list[str]:
        self._run()
        return list(self.__dict__)


_FIRST_USE = threading.RLock()


def _load_on_first_use(name: str) -> None:
    full = f"{__name__}.{name}"
    if full not in sys.modules:
        spec = importlib.util.find_spec(full)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _LoadedOnFirstUse
        sys.modules[full] = globals()[name] = module


_load_on_first_use("errors")

_HOMES = {  # module -> the public names it provides
    "hdmfzarr.backends": "open convert",
    "hdmfzarr.backends.zarr": "ZarrIO ZarrV2IO is_zarr_v2_file RetryPolicy",
    "hdmfzarr.dataio": "DataIO DataChunkIterator ZarrDataIO",
    "hdmfzarr.spec": "GroupSpec DatasetSpec AttributeSpec LinkSpec RefSpec DtypeSpec NamespaceBuilder NamespaceCatalog "
                     "export_spec",
    "hdmfzarr.build.manager": "BuildManager",
    "hdmfzarr.build.builders": "ROOT_NAME",
    "hdmfzarr.build.typemap": "TypeMap get_type_map",
    "hdmfzarr.build.mapper": "ObjectMapper",
    "hdmfzarr.container": "Container Data",
    "hdmfzarr.validate": "validate",
    "hdmfzarr.errors": "HdmfZarrError SpecError ContainerError BuildError ConstructError StoreError StoreNotFoundError "
                       "StoreExistsError StoreAuthError StoreUnavailableError CorruptStoreError IncompleteStoreError "
                       "ConflictError RefusedRowsError DanglingReferenceError UnsafeReferenceError ValidationError",
}
_LAZY: dict[str, str] = {name: module for module, names in _HOMES.items() for name in names.split()}

#: hdmf.common's module-level functions, acting on the default TypeMap (``hdmfzarr.common`` offers them too)
HDMF_COMMON_FUNCTIONS = ("get_class", "register_class", "register_map", "load_namespaces", "available_namespaces",
                         "get_manager", "get_type_map", "validate")

__all__ = sorted({*_LAZY, "__version__", *HDMF_COMMON_FUNCTIONS})


def _type_map() -> Any:
    """The default TypeMap (its module imported on first use)."""
    from .build.typemap import get_type_map

    return get_type_map()


def get_class(data_type: str, namespace: str | None = None) -> type:
    """The container class of a type in the default TypeMap (generated from its spec if needed)."""
    return _type_map().get_class(data_type, namespace)


def register_class(data_type: str, namespace: str = "hdmf-common", container_cls: type | None = None) -> Any:
    """Register ``container_cls`` for ``(namespace, data_type)`` in the default TypeMap; without it, a decorator."""
    def decorator(klass: type) -> type:
        return _type_map().register_class(data_type, namespace, klass)

    return decorator if container_cls is None else decorator(container_cls)


def register_map(container_cls: type, mapper_cls: type | None = None) -> Any:
    """Map ``container_cls`` with ``mapper_cls`` (an ObjectMapper subclass) in the default TypeMap; without it, a
    decorator of the mapper class."""
    def decorator(mapper: type) -> type:
        return _type_map().register_mapper(container_cls, mapper)

    return decorator if mapper_cls is None else decorator(mapper_cls)


def load_namespaces(namespace_path: str | Path) -> dict[str, Any]:
    """Load a namespace YAML file into the default TypeMap."""
    return _type_map().load_namespaces(namespace_path)


def get_manager(extensions: str | Path | list[str | Path] | None = None) -> Any:
    """A BuildManager over the default TypeMap, or over a copy of it with the ``extensions`` namespace files
    loaded: what hdmf code passes as ``ZarrIO(..., manager=get_manager())``."""
    from .build.manager import BuildManager

    type_map = _type_map()
    if extensions is not None:
        type_map = type_map.copy()
        for path in extensions if isinstance(extensions, list) else [extensions]:
            type_map.load_namespaces(path)
    return BuildManager(type_map)


def available_namespaces() -> tuple[str, ...]:
    """Names of the namespaces loaded in the default TypeMap (hdmf.common's ``available_namespaces``)."""
    return tuple(_type_map().namespace_catalog.namespaces)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # the installed distribution's (package metadata is the one source of truth)
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("hdmfzarr")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
            value = "0+unknown"
    elif name in _LAZY:
        from .backends import paused_gc

        with paused_gc():
            value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'hdmfzarr' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__



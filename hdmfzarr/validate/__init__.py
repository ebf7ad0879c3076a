"""``validate(...)``: check a store or HDF5 file (against its cached specs, or a namespace you name), a container
or a builder tree (against a type map's catalog). Validation runs on builders: no classes are needed. The package is
callable (it forwards to :func:`validate`), so ``hdmfzarr.validate(...)`` works whichever of the two that name is
bound to."""

from __future__ import annotations

import os
import sys
import types
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ..backends import Backend
from ..backends import open as open_store
from ..build.builders import Builder
from ..errors import SpecError, StoreError, ValidationError
from ..spec import NamespaceCatalog
from .validator import ValidationIssue, Validator

__all__ = ["validate", "validate_builder", "ValidationIssue", "Validator", "catalog_from_cache"]


def validate(store_or_container: Any, namespace: str | None = None, type_map: Any = None, *,
             storage_options: dict[str, Any] | None = None, raise_on_error: bool = False) -> list[ValidationIssue]:
    """Every spec violation (empty when valid) in a store path/URL (Zarr or HDF5), open backend, container or builder.
    ``namespace``: look types up there (a namespace YAML file: instead of cached specs); ``type_map``: specs if none."""
    target = store_or_container
    if isinstance(target, (str, os.PathLike, Backend)):  # a store we open (and close), or one open already
        io = target if isinstance(target, Backend) else open_store(target, storage_options=storage_options)
        where = str(getattr(target, "url", "")) if isinstance(target, Backend) else os.fspath(target)
        with nullcontext() if io is target else io:
            tree = io.read_builder()
            issues = Validator(*_choose_catalog(io.spec_cache() or None, namespace, type_map, where)).validate(tree)
    else:  # a builder tree, or a container built into one
        from ..build.manager import BuildManager
        from ..build.typemap import get_type_map

        tm = type_map or get_type_map()
        root = target if isinstance(target, Builder) else BuildManager(tm).build(target)
        issues = Validator(*_choose_catalog(None, namespace, tm, where=None)).validate(root)
    if raise_on_error and issues:
        raise ValidationError(issues)
    return issues


def validate_builder(builder: Builder, catalog: Any, namespace: str | None = None) -> list[ValidationIssue]:
    """Issues of a builder tree against a ``NamespaceCatalog`` (the core everything else calls)."""
    return Validator(catalog, namespace).validate(builder)


def catalog_from_cache(cache: dict[str, Any]) -> Any:
    """A ``NamespaceCatalog`` rebuilt from cached specs (``NamespaceCatalog.to_cache()`` form)."""
    catalog = NamespaceCatalog()
    catalog.load_cache(cache)
    return catalog


def _choose_catalog(cache: dict[str, Any] | None, namespace: str | None, type_map: Any,
                    where: str | None) -> tuple[Any, str | None]:
    """The catalog to validate with, and the namespace name to look types up in (if forced)."""
    if namespace is not None and namespace.endswith((".yaml", ".yml")) and Path(namespace).is_file():
        catalog = NamespaceCatalog()
        names = list(catalog.load_namespaces(namespace))
        return catalog, (names[-1] if names else None)
    if cache:
        catalog = catalog_from_cache(cache)
    elif type_map is not None:
        catalog = type_map.namespace_catalog
    else:
        raise StoreError(f"{where}: no cached specifications found (expected a /specifications group); "
                         "pass namespace=<namespace YAML> or type_map= to validate against other specs")
    if namespace is not None and namespace not in list(catalog.namespaces):
        raise SpecError(f"namespace {namespace!r} is not among the available namespaces {sorted(catalog.namespaces)}",
                        file=where)
    return catalog, namespace


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> list[ValidationIssue]:
        return validate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

"""TypeMap: the registry tying (namespace, data_type) to a container class and a mapper; a value (``copy()`` gives
an independent one). ``get_type_map()``: the default (hdmf-common), built on first use, not at import."""

from __future__ import annotations

import copy as _copy
import importlib
import threading
from pathlib import Path
from typing import Any

from .. import errors
from ..spec.model import declared_type
from .builders import Builder

__all__ = ["TypeMap", "get_type_map", "type_map_for_write"]


class TypeMap:
    """Registry of container classes and object mappers for the types of a NamespaceCatalog."""

    def __init__(self, catalog: Any = None) -> None:
        if catalog is None:
            from ..spec import NamespaceCatalog

            catalog = NamespaceCatalog()
        self.namespace_catalog = catalog
        self._classes: dict[tuple[str, str], type] = {}
        self._types: dict[type, tuple[str, str]] = {}
        self._mappers: dict[type, type] = {}
        self._type_mappers: dict[tuple[str, str], type] = {}  # (for the class registered for a type, lazily too)
        self._mapper_cache: dict[tuple[str, str, type], Any] = {}
        self._hierarchy_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        # classes registered as "module:Class", imported when first needed (a table read imports only table classes)
        self._lazy: dict[tuple[str, str], str] = {}

    def copy(self, catalog: Any = None) -> TypeMap:
        """An independent TypeMap (with ``catalog`` instead of a copy of this one's, if given)."""
        cat = self.namespace_catalog
        new = TypeMap(catalog or (cat.copy() if hasattr(cat, "copy") else _copy.deepcopy(cat)))
        for attr in ("_classes", "_types", "_mappers", "_type_mappers", "_lazy"):
            setattr(new, attr, dict(getattr(self, attr)))
        return new

    __copy__ = copy

    def __repr__(self) -> str:
        names = list(getattr(self.namespace_catalog, "namespaces", ()))
        return (f"<TypeMap namespaces={names} classes={len(self._classes) + len(self._lazy)} "
                f"mappers={len(self._mappers) + len(self._type_mappers)}>")

    def load_namespaces(self, path: str | Path, check: bool = True) -> dict[str, Any]:
        """Load a namespace YAML file (and what it includes) into this map's catalog (``check=False``: each
        type is resolved on first use, not all now; for specs known to be good, such as the bundled ones)."""
        return self._loaded(self.namespace_catalog.load_namespaces(path, check=check))

    def load_cache(self, cache: dict[str, Any]) -> dict[str, Any]:
        """Load namespaces cached in a store (``NamespaceCatalog.to_cache`` form) into this map's catalog."""
        return self._loaded(self.namespace_catalog.load_cache(cache))

    def _loaded(self, result: dict[str, Any]) -> dict[str, Any]:
        self._hierarchy_cache.clear()  # (types may now resolve differently)
        self._mapper_cache.clear()
        return result

    def with_cache(self, cache: dict[str, Any]) -> TypeMap:
        """A copy whose catalog holds a store's cached namespaces (replacing loaded ones of other versions, so a store
        is written back with its specs) and the loaded ones it lacks; classes generated from replaced specs go."""
        from ..spec import NamespaceCatalog

        mine = self.namespace_catalog
        replaced = {n for n in cache if n in mine.namespaces}
        cat = NamespaceCatalog(core_namespaces=list(getattr(mine, "core_namespaces", ())))
        # each type is resolved (and checked) when first used: NWB core holds ~100 types, a file uses a few
        cat.load_cache(cache, check=False)
        kept = {n: e for n, e in mine.to_cache().items() if n not in cache}
        if kept:
            cat.load_cache(kept, check=False)
        new = self.copy(cat)
        for key, cls in self._classes.items():
            if key[0] in replaced and cls.__module__ == "hdmfzarr.generated":
                del new._classes[key]
        return new

    def loaded_versions(self) -> dict[str, str]:
        """``{namespace: version}`` of the loaded namespaces."""
        cat = self.namespace_catalog
        return {n: cat.get_namespace(n).version for n in cat.namespaces}

    def type_key(self, namespace: str) -> str:
        """``"data_type"`` or ``"neurodata_type"``: the attribute naming an object's type."""
        try:
            return self.namespace_catalog.get_namespace(namespace).type_key
        except Exception:  # noqa: BLE001 - an unknown namespace uses the HDMF default
            return "data_type"

    def namespace_of(self, data_type: str) -> str:
        """The namespace defining ``data_type`` (SpecError when none or ambiguous)."""
        return self.namespace_catalog.namespace_of(data_type)

    def get_spec(self, namespace: str, data_type: str) -> Any:
        """The resolved spec of a type (the catalog's, falling back to the defining namespace)."""
        return self._in_home(self.namespace_catalog.get_spec, namespace, data_type)

    def needed_spec(self, namespace: str, data_type: str, what: str) -> Any:
        """:meth:`get_spec` for ``what`` (a class, a mapper): another failure than a SpecError becomes one."""
        try:
            return self.get_spec(namespace, data_type)
        except errors.SpecError:
            raise
        except Exception as exc:
            raise errors.SpecError(
                f"cannot make {what}: no spec for type {data_type!r} in namespace {namespace!r} ({exc})",
                data_type=data_type) from exc

    def _in_home(self, ask: Any, namespace: str, data_type: str) -> Any:
        """``ask(namespace, data_type)`` of the catalog, else asked of the namespace defining the type."""
        try:
            return ask(namespace, data_type)
        except Exception:
            home = self._home(namespace, data_type)
            if home == namespace:
                raise
            return ask(home, data_type)

    def _home(self, namespace: str, data_type: str) -> str:
        """The namespace that defines ``data_type`` as seen from ``namespace``."""
        cat = self.namespace_catalog
        try:
            return cat.source_of(namespace, data_type)[0]
        except Exception:  # noqa: BLE001 - not visible from there: the first namespace defining it
            try:
                return cat.namespace_of(data_type)
            except Exception:  # noqa: BLE001
                return namespace

    def hierarchy(self, namespace: str, data_type: str) -> tuple[str, ...]:
        """``data_type`` then its ancestors (itself alone when the catalog does not know it)."""
        key = (namespace, data_type)
        got = self._hierarchy_cache.get(key)
        if got is None:
            try:
                got = tuple(self._in_home(self.namespace_catalog.get_hierarchy, namespace, data_type))
            except Exception:  # noqa: BLE001 - a type the catalog does not know: itself alone
                got = (data_type,)
            self._hierarchy_cache[key] = got
        return got

    def is_subtype(self, namespace: str, data_type: str, ancestor: str | None) -> bool:
        """Whether ``data_type`` is ``ancestor`` or inherits from it."""
        return ancestor is None or data_type == ancestor or ancestor in self.hierarchy(namespace, data_type)

    def register_class(self, data_type: str, namespace: str, cls: type) -> type:
        """Use ``cls`` as the container class of ``(namespace, data_type)``; returns ``cls``."""
        if not isinstance(cls, type):
            raise TypeError(f"register_class({data_type!r}, {namespace!r}): expected a class, got {cls!r}")
        self._lazy.pop((namespace, data_type), None)
        self._classes[(namespace, data_type)] = cls
        self._types.setdefault(cls, (namespace, data_type))
        return cls

    def registrations(self) -> dict[tuple[str, str], type | str]:
        """``{(namespace, data_type): class}``, a lazily registered class as its ``"module:Class"``."""
        return {**self._lazy, **self._classes}

    def register_lazy_class(self, data_type: str, namespace: str, home: str) -> None:
        """Use the class at ``home`` (``"module:Class"``) for ``(namespace, data_type)``, imported when first needed
        (or when its module is imported anyway), so registering costs nothing."""
        if (namespace, data_type) not in self._classes:
            self._lazy[(namespace, data_type)] = home

    def register_type_mapper(self, data_type: str, namespace: str, mapper_cls: type) -> None:
        """``register_mapper`` for the class of ``(namespace, data_type)``, whichever it is (lazy, generated, one
        registered later) and its subclasses; a mapper registered for a class comes first."""
        self._type_mappers[(namespace, data_type)] = mapper_cls
        self._mapper_cache.clear()

    def _registered(self, key: tuple[str, str]) -> type | None:
        """The class registered for ``key`` (one registered lazily imported and registered now), or None."""
        cls = self._classes.get(key)
        home = None if cls is not None else self._lazy.pop(key, None)
        if home is None:
            return cls
        module, _, name = home.partition(":")
        return self.register_class(key[1], key[0], getattr(importlib.import_module(module), name))

    def _declared(self, klass: type) -> tuple[str, str] | None:
        """``(namespace, data_type)`` ``klass`` itself is registered for, else declares (its own ``data_type``
        ClassVar): a lazily registered class declares the type it is registered for."""
        got = self._types.get(klass)
        dt = klass.__dict__.get("data_type")
        if got is None and isinstance(dt, str) and isinstance(ns := getattr(klass, "namespace", None), str):
            got = (ns, dt)
        return got

    def get_class(self, data_type: str, namespace: str | None = None) -> type:
        """The class of a type: registered, else generated from its resolved spec (and registered)."""
        if namespace is None:
            key = next((k for k in (*self._classes, *self._lazy) if k[1] == data_type), None)
            if key is not None:  # registered (eagerly, else lazily) in some namespace
                return self._registered(key)  # type: ignore[return-value]
            namespace = self.namespace_of(data_type)
        cls = self._registered((namespace, data_type))
        if cls is None:
            from .classgen import generate_class

            home = self._home(namespace, data_type)
            cls = self._registered((home, data_type)) or self.register_class(
                data_type, home, generate_class(self, data_type, home))
        return cls

    def data_type_of(self, container: Any) -> tuple[str, str]:
        """``(namespace, data_type)`` of a container: through the registry, else the class's ClassVars (MRO)."""
        cls = container if isinstance(container, type) else type(container)
        if cls not in self._types and any(k.__module__ == "hdmf.container" for k in cls.__mro__):
            # hdmf's classes carry data_type/namespace too, but not the fields hdmfzarr's mappers read
            raise errors.BuildError(
                f"{cls.__module__}.{cls.__qualname__} is an hdmf (or pynwb) container, which hdmfzarr "
                "does not build (its fields would be lost): read the file with hdmfzarr "
                "(ZarrIO(path).read(); hdmfzarr.convert for HDF5) and write what that gives, or make "
                "objects with hdmfzarr's classes (hdmfzarr.common, io.type_map.get_class(...))")
        for klass in cls.__mro__:
            got = self._declared(klass)
            if got is not None:
                return got
        raise errors.BuildError(f"class {cls.__qualname__} is not registered with any data type (register it with "
                                "register_class(data_type, namespace, cls) or give it data_type/namespace ClassVars)")

    def builder_type(self, builder: Builder) -> tuple[str, str] | None:
        """``(namespace, data_type)`` from a builder's attributes, or None for untyped builders."""
        found = declared_type(builder.attributes)
        return None if found is None or found[0] is None else found  # type: ignore[return-value]

    def register_mapper(self, container_cls: type, mapper_cls: type) -> type:
        """Use ``mapper_cls`` (an ObjectMapper subclass) for ``container_cls`` and its subclasses."""
        self._mappers[container_cls] = mapper_cls
        self._mapper_cache.clear()
        return mapper_cls

    # hdmf's TypeMap names for the three calls extension code makes (argument orders as hdmf's)
    get_dt_container_cls = get_class
    register_map = register_mapper

    def register_container_type(self, namespace: str, data_type: str, container_cls: type) -> type:
        """hdmf's name (and argument order) for :meth:`register_class`."""
        return self.register_class(data_type, namespace, container_cls)

    def mapper_class(self, cls: type) -> type:
        """The mapper class registered for ``cls`` or its nearest base class (or their types; default ObjectMapper)."""
        for klass in cls.__mro__:
            got = self._mappers.get(klass) or self._type_mappers.get(self._declared(klass))  # type: ignore[arg-type]
            if got is not None:
                return got
        from .mapper import ObjectMapper

        return ObjectMapper

    def mapper_for_class(self, cls: type, namespace: str, data_type: str) -> Any:
        """The (cached) mapper instance for objects of ``cls`` typed ``(namespace, data_type)``."""
        mcls = self.mapper_class(cls)
        key = (namespace, data_type, mcls)
        got = self._mapper_cache.get(key)
        if got is None:
            got = mcls(self.needed_spec(namespace, data_type, "a mapper"), self, namespace, data_type)
            self._mapper_cache[key] = got
        return got

    def get_mapper(self, obj: Any) -> Any:
        """The mapper for a container or a (typed) builder."""
        if isinstance(obj, Builder):
            ns_dt = self.builder_type(obj)
            if ns_dt is None:
                raise errors.ConstructError(f"{obj.path}: builder has no 'namespace'/'data_type' attributes")
            return self.mapper_for_class(self.get_class(ns_dt[1], ns_dt[0]), *ns_dt)
        return self.mapper_for_class(type(obj), *self.data_type_of(obj))


def type_map_for_write(container: Any, chosen: TypeMap | None = None) -> TypeMap:
    """The type map to build ``container``'s tree with: ``chosen``, else the one its tree was read with (so it is
    written with the namespace versions it was read with); a copy when other maps in the tree add namespaces."""
    walk = container.all_children() if hasattr(container, "all_children") else (container,)
    # each node's: the one it was read with (set on construct), else the one that generated its class
    found = (getattr(node, "__dict__", {}).get("_type_map") or getattr(type(node), "_type_map", None) for node in walk)
    maps = list({id(tm): tm for tm in found if tm is not None}.values())  # each once, in tree order
    base = chosen if chosen is not None else (maps[0] if maps else get_type_map())
    merged = base
    for other in maps:
        if other is base:
            continue
        have = set(merged.namespace_catalog.namespaces)
        cache = {n: e for n, e in other.namespace_catalog.to_cache().items() if n not in have}
        mine = merged.registrations()  # a class registered eagerly there replaces one registered lazily here
        fresh = {k: c for k, c in other.registrations().items()
                 if k not in mine or (isinstance(c, type) and isinstance(mine[k], str))}
        if not cache and not fresh:
            continue
        if merged is base:
            merged = base.copy()
        if cache:
            merged.load_cache(cache)
        for (ns, dt), cls in fresh.items():
            if isinstance(cls, str):
                merged.register_lazy_class(dt, ns, cls)
            else:
                merged.register_class(dt, ns, cls)
    return merged


_DEFAULT: TypeMap | None = None
_LOCK = threading.Lock()


def get_type_map() -> TypeMap:
    """The default TypeMap (hdmf-common loaded, its classes and mappers registered), built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = _build_default()
    return _DEFAULT


def _build_default() -> TypeMap:
    from ..spec import default_namespace_path

    tm = TypeMap()
    tm.load_namespaces(default_namespace_path(), check=False)  # bundled: checked by the tests, resolved on use
    # as hdmf's get_type_map and pynwb's: a newer cached core namespace is reported, an older one is not, and an
    # extension at odds with a core type's link is reported, not refused
    tm.namespace_catalog.core_namespaces.extend(("hdmf-common", "hdmf-experimental", "core"))
    from ..common import CLASS_HOMES
    from .common_mappers import register_common_mappers

    for (ns, dt), home in CLASS_HOMES.items():  # imported when first used: a table read imports no CSRMatrix
        tm.register_lazy_class(dt, ns, home)
    register_common_mappers(tm)
    return tm

"""Namespaces and the catalog that loads (from files or a store's spec cache), includes and resolves them."""

from __future__ import annotations

import copy as _copy
import os
import threading
import warnings
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import errors
from .cache import own_description, version_key
from .load import dict_def, read_yaml, spec_from_dict, specs_from_source
from .model import TYPE_KEYS, DatasetSpec, GroupSpec, Merger, Spec, spec_key, type_refs

__all__ = ["SpecCatalog", "SpecNamespace", "NamespaceCatalog", "source_stem", "source_content"]


def source_stem(source: str) -> str:
    """A source name without its .yaml/.yml/.json extension (as stores cache sources)."""
    stem, dot, ext = source.rpartition(".")
    return stem if dot and ext in ("yaml", "yml", "json") else source


#: the keys of a namespace entry, in hdmf's SpecNamespace argument order
_NS_KEYS = ("doc", "name", "schema", "full_name", "version", "date", "author", "contact")
_ENTRY_KEYS = {"source", "namespace", "doc", "title", "data_types", "neurodata_types"}


def namespace_fields(values: dict[str, Any], file: str | None = None, line: int | None = None) -> dict[str, Any]:
    """Each key of a namespace entry from ``values``, checked (``name`` and ``schema`` required): the schema entries
    with NWB's neurodata_types as data_types, a version as a string (a list of parts joined with dots, as hdmf's)."""
    if not isinstance(values, dict):
        raise errors.SpecError(f"each namespace must be a mapping, got {type(values).__name__}", file=file, line=line)
    if extra := set(values) - set(_NS_KEYS):
        raise errors.SpecError(f"unknown key(s) {sorted(extra)} in namespace; allowed: {sorted(_NS_KEYS)}",
                               file=file, key=sorted(extra)[0], line=line)
    out = {k: values.get(k, "" if k == "doc" else None) for k in _NS_KEYS}
    name, schema, version = out["name"], out["schema"], out["version"]

    def fail(msg: str, key: str, at: Any = None) -> errors.SpecError:
        return errors.SpecError(msg, file=file, key=key, line=getattr(at, "line", None) or line)

    def str_list(v: Any, key: str, at: Any = None) -> Any:
        if not (v is None or isinstance(v, str) or isinstance(v, list) and all(isinstance(x, str) for x in v)):
            raise fail(f"{key!r} must be a string or a list of strings, got {v!r}", key, at)
        return v

    if not isinstance(name, str) or name.split() != [name]:  # (empty, or with whitespace)
        raise fail(f"namespace name must be a non-empty string without whitespace, got {name!r}", "name")
    if not isinstance(schema, (list, tuple)):
        raise fail(f"namespace {name!r} needs a 'schema' list", "schema")
    entries: list[dict] = []
    for e in schema:
        if not isinstance(e, dict) or set(e) - _ENTRY_KEYS or (("source" in e) == ("namespace" in e)):
            raise fail(f"each schema entry of namespace {name!r} needs exactly one of 'source' or 'namespace' "
                       f"(and optionally doc, title, data_types), got {e!r}", "schema", e)
        entry = {k: x for k, x in e.items() if k != "neurodata_types"}
        if (types := str_list(e.get("data_types", e.get("neurodata_types")), "data_types", e)) is not None:
            entry["data_types"] = [types] if isinstance(types, str) else list(types)
        for k in ("source", "namespace"):
            if k in entry and not isinstance(entry[k], str):
                raise fail(f"{k!r} must be a string, got {entry[k]!r}", k, e)
        entries.append(entry)
    out["schema"] = entries
    if version is not None and not isinstance(version, (str, int, float, list, tuple)):
        raise fail(f"namespace {name!r} needs a string 'version', got {version!r}", "version")
    if version is not None:
        out["version"] = ".".join(map(str, version)) if isinstance(version, (list, tuple)) else str(version)
    str_list(out["author"], "author")
    str_list(out["contact"], "contact")
    return out


def _warn_no_version(name: str, stacklevel: int) -> None:
    warnings.warn(f"Loaded namespace '{name}' is missing the required key 'version'. Version will be set to "
                  f"'{SpecNamespace.UNVERSIONED}'. Please notify the extension author.", stacklevel=stacklevel)


def check_type_key(type_key: str) -> str:
    if type_key not in TYPE_KEYS:
        raise errors.SpecError(f"type_key must be one of {TYPE_KEYS}, got {type_key!r}", key="type_key")
    return type_key


class SpecNamespace(dict):
    """One namespace: a dict of its namespace-file entry (as hdmf's), its own specs per source, its `type_key`."""

    UNVERSIONED = None  # the version of a namespace that has none
    __hash__ = object.__hash__  # type: ignore[assignment]

    def __init__(self, doc: str, name: str, schema: Iterable[dict] = (), full_name: str | None = None,
                 version: Any = None, date: Any = None, author: Any = None, contact: Any = None,
                 catalog: Any = None, *, sources: dict[str, Any] | None = None,
                 type_key: str = "data_type", included: Iterable[str] = ()) -> None:
        super().__init__()
        given = {"doc": doc, "name": name, "schema": list(schema), "full_name": full_name, "version": version,
                 "date": date, "author": author, "contact": contact}
        self.update((k, v) for k, v in namespace_fields(given).items() if v is not None)
        if version is None:
            _warn_no_version(name, 3)
        self.type_key = check_type_key(type_key)
        self._catalog: SpecCatalog = catalog if catalog is not None else SpecCatalog()  # its own types' one home
        self._included = tuple(included)  # types taken from included namespaces (the catalog knows them)
        # source -> its top-level specs, a lazy one as (its dict, what builds it once: see NamespaceCatalog._add)
        self._sources: dict[str, list[Any]] = {src: list(specs) for src, specs in (sources or {}).items()}
        for src, specs in self._sources.items():
            for top in specs:
                self._catalog.register_spec(top, src, strict=True)

    @property
    def sources(self) -> dict[str, tuple[Spec, ...]]:
        """{source name: its top-level specs} (lazy ones are built now)."""
        return {k: tuple(self._catalog.get_spec(dict_def(s[0]) or "") if isinstance(s, tuple) else s for s in v)
                for k, v in self._sources.items()}

    @classmethod
    def build_namespace(cls, **spec_dict: Any) -> "SpecNamespace":
        return cls(**{k: spec_dict[k] for k in _NS_KEYS if k in spec_dict})

    name = spec_key("name")
    doc = spec_key("doc")
    version = spec_key("version", UNVERSIONED)
    full_name = spec_key("full_name", None)
    date = spec_key("date", None)
    author = spec_key("author", None, "As given: a string or a list of strings (None if absent).")
    contact = spec_key("contact", None, "As given: a string or a list of strings (None if absent).")
    schema = spec_key("schema", doc="The schema entries (sources and included namespaces), in order.")
    catalog = property(attrgetter("_catalog"), doc="The SpecCatalog of this namespace's own type definitions.")

    def get_source_description(self, source: str) -> dict | None:
        return next((e for e in self.schema if e.get("source") == source), None)

    def get_spec(self, data_type: str) -> Spec | None:
        """The (unresolved) spec of a type defined here, or None."""
        return self._catalog.get_spec(data_type)

    def pending_types(self) -> tuple[str, ...]:
        """Types defined here whose spec is not built yet (loaded with ``check=False`` and not used since)."""
        return self._catalog.pending_types()

    def get_registered_types(self) -> tuple[str, ...]:
        """The types defined in this namespace, then those it takes from included namespaces."""
        return self._catalog.get_registered_types() + tuple(t for t in self._included if t not in self._catalog)

    def get_hierarchy(self, data_type: str) -> tuple[str, ...]:
        return self.catalog.get_hierarchy(data_type)

    def own_types(self) -> list[str]:
        """The types defined in this namespace's own sources (nested definitions included)."""
        return list(self._catalog.get_registered_types())

    def get_source_files(self) -> list[str]:
        return [e["source"] for e in self.schema if "source" in e]

    def to_dict(self) -> dict:
        """The namespace entry as written in a namespace YAML file."""
        return namespace_entry(self)

    def _key(self) -> tuple:
        schema = tuple(tuple(sorted((k, source_stem(v) if k == "source" else _hashable(v))
                                    for k, v in e.items() if k not in ("doc", "title")))
                       for e in self.schema)
        sources = tuple(sorted((source_stem(k), v) for k, v in self.sources.items()))
        return (self.name, self.doc, self.version, self.full_name, _hashable(self.author), _hashable(self.contact),
                self.date, self.type_key, schema, sources)

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, SpecNamespace) else dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        return f"SpecNamespace(name={self.name!r}, version={self.version!r}, types={len(self.own_types())})"


def source_content(specs: Iterable[Spec], type_key: str) -> dict[str, list]:
    """A source file's content ({'groups', 'datasets'}, empty lists left out), type keys spelled `type_key`."""
    return {k: [s.to_dict(type_key) for s in v] for k, v in _by_kind(specs).items() if v}


def _by_kind(specs: Iterable[Spec]) -> dict[str, list]:
    specs = list(specs)
    return {"groups": [s for s in specs if isinstance(s, GroupSpec)],
            "datasets": [s for s in specs if isinstance(s, DatasetSpec)]}


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _defs(d: dict) -> Iterator[tuple[str, dict]]:
    """``(type, spec or spec dict)`` of every type a spec (or its dict) defines: itself, then nested ones."""
    if (dt := dict_def(d)) is not None:
        yield dt, d
    for key in ("datasets", "groups"):
        for sub in d.get(key) or ():
            yield from _defs(sub)


class SpecCatalog:
    """hdmf's catalog: type name -> spec and source file (lazily loaded types are built on first use)."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}  # None: not built yet
        self._sources: dict[str, str] = {}
        self._pending: dict[str, tuple] = {}  # unbuilt type -> the unbuilt top-level spec holding it

    def register_spec(self, spec: Any, source_file: str, *, strict: bool = False) -> None:
        """Register the types a spec, or an unbuilt one ``(dict, kind, file)``, defines; a second definition of one
        is a SpecError (`strict`: the loader's rule) or, if different, ignored with a warning (hdmf's rule)."""
        lazy = spec if isinstance(spec, tuple) else None
        if lazy is None and getattr(spec, "data_type_def", None) is None:
            raise errors.SpecError("cannot register a spec that has no data_type_def", key="data_type_def")
        for dt, sub in _defs(spec if lazy is None else lazy[0]):
            if dt not in self._sources:
                self._specs[dt], self._sources[dt] = (sub if lazy is None else None), source_file
                if lazy is not None:
                    self._pending[dt] = lazy
            elif strict:
                raise errors.SpecError(f"type {dt!r} is defined twice (in {self._sources[dt]!r} and {source_file!r})",
                                       file=source_file, data_type=dt, key="data_type_def")
            elif (old := self.get_spec(dt)) is not sub and (old != sub or self._sources[dt] != source_file):
                src = self._sources[dt]
                warnings.warn(f"{source_file} defines a different specification for {dt} than the existing "
                              f"definition from {src}. Defaulting to the existing specification from {src}, but "
                              "compatibility issues may be present. Please update the extension version if possible.",
                              stacklevel=2)

    def auto_register(self, spec: Any, source_file: str) -> tuple[str, ...]:
        """Register `spec` and every type defined inside it; returns the types registered."""
        before = set(self._specs)
        self.register_spec(spec, source_file)
        return tuple(t for t in self._specs if t not in before) or (spec.data_type_def,)

    def get_spec(self, data_type: str) -> Any:
        """The registered spec of `data_type` (built first if it was not), or None."""
        lazy = self._pending.get(data_type)
        if lazy is not None:
            with _BUILD_LOCK:  # built once, by the first thread asking
                if data_type in self._pending:
                    for dt, sub in _defs(spec_from_dict(lazy[0], lazy[1], file=lazy[2])):
                        self._specs[dt] = sub  # same keys, same order: only the specs fill in
                        self._pending.pop(dt, None)
        return self._specs.get(data_type)

    def build_all(self) -> None:
        for dt in list(self._pending):
            self.get_spec(dt)

    def get_registered_types(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def pending_types(self) -> tuple[str, ...]:
        return tuple(self._pending)

    def __contains__(self, data_type: object) -> bool:
        return data_type in self._sources

    def get_spec_source_file(self, data_type: str) -> str | None:
        return self._sources.get(data_type)

    def get_hierarchy(self, data_type: str) -> tuple[str, ...]:
        """`data_type` then its registered ancestors, nearest first (ValueError on a cycle)."""
        out: list[str] = []
        cur: str | None = data_type
        while cur is not None and cur in self._specs:
            if cur in out:
                raise errors.SpecError(f"Circular reference detected in type hierarchy for {data_type}")
            out.append(cur)
            cur = self.get_spec(cur).data_type_inc
        if cur is not None and out:
            out.append(cur)
        return tuple(out)

    def get_subtypes(self, data_type: str, recursive: bool = True) -> tuple[str, ...]:
        """The registered types that include `data_type` (all descendants if `recursive`)."""
        self.build_all()
        direct = [dt for dt, spec in self._specs.items() if spec.data_type_inc == data_type and dt != data_type]
        return tuple(t for dt in direct for t in (dt, *(self.get_subtypes(dt) if recursive else ())))

    def get_full_hierarchy(self) -> dict[str, Any]:
        """{root type: {child type: {...}}}."""
        def tree(dt: str) -> dict[str, Any]:
            return {sub: tree(sub) for sub in self.get_subtypes(dt, recursive=False)}

        self.build_all()
        return {dt: tree(dt) for dt, s in self._specs.items() if s.data_type_inc not in self._specs}

    def __copy__(self) -> "SpecCatalog":
        new = SpecCatalog()
        new._specs, new._sources, new._pending = dict(self._specs), dict(self._sources), dict(self._pending)
        return new

    def __deepcopy__(self, memo: dict) -> "SpecCatalog":
        self.build_all()
        new = self.__copy__()
        new._specs = {k: _copy.deepcopy(v, memo) for k, v in self._specs.items()}
        return new


_BUILD_LOCK = threading.Lock()


def _namespace_files(root: Path, depth: int) -> list[Path]:
    """Namespace files under `root`, at most `depth` folders deep and 200 folders in all."""
    out: list[Path] = []
    for n, (folder, dirs, files) in enumerate(root.walk(follow_symlinks=True)):  # (unreadable folders skipped)
        if n == 200:
            break
        keep = len(folder.relative_to(root).parts) < depth
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if keep else []
        out += [folder / f for f in files
                if (f == "namespace.yaml" or f.endswith(".namespace.yaml") and f[0] != ".") and (folder / f).is_file()]
    return out


def _deps(spec: Any) -> set[str]:
    """Types a spec needs: its parent, nested includes/definitions, link and reference targets."""
    out = {dt for dt, _ in type_refs(spec)}
    todo = [spec]
    while todo:
        s = todo.pop()
        out.update(t for t in (s.data_type_inc, s.data_type_def if s is not spec else None) if t is not None)
        todo.extend(s.datasets + s.groups)
    return out


class NamespaceCatalog:
    """All loaded namespaces; resolves types on demand (once, cached)."""

    def __init__(self, group_spec_cls: type = GroupSpec, dataset_spec_cls: type = DatasetSpec,
                 spec_namespace_cls: type = SpecNamespace, core_namespaces: list[str] | None = None) -> None:
        self.group_spec_cls, self.dataset_spec_cls, self.spec_namespace_cls = \
            group_spec_cls, dataset_spec_cls, spec_namespace_cls
        #: namespaces treated as core (a newer cached version of one is reported, an older one is not)
        self.core_namespaces = list(core_namespaces or [])
        self._loaded_files: dict[str, dict] = {}  # namespace file -> what load_namespaces returned for it
        self._unresolved: set[str] = set()  # namespaces loaded with resolve=False and not resolved since
        self._loaded: dict[str, SpecNamespace] = {}  # name -> namespace, in load order
        self._visible: dict[str, dict[str, str]] = {}  # name -> {type usable there: the namespace defining it}
        self._where: dict[tuple[str, str], tuple[str, int | None]] = {}  # (namespace, own type) -> (file, line)
        self._resolved: dict[tuple[str, str, bool], Spec] = {}  # (defining namespace, type, full) -> merged spec
        self._busy: set[tuple[str, str, bool]] = set()  # the types being resolved (met again: a cycle)

    def copy(self) -> "NamespaceCatalog":
        """An independent catalog with the same namespaces (specs are immutable, so they are shared)."""
        new = object.__new__(type(self))
        new.__dict__.update((k, v.copy() if isinstance(v, (dict, set, list)) else v) for k, v in vars(self).items())
        return new

    __copy__ = copy

    def merge(self, other: "NamespaceCatalog") -> None:
        """Add every namespace of `other` not loaded here (specs are shared), and its core namespaces."""
        for name in other.namespaces:
            if name not in self._loaded:  # errors name the source file, without its line
                self._loaded[name], self._visible[name] = other.get_namespace(name), dict(other.visible_types(name))
        self.core_namespaces.extend(c for c in other.core_namespaces if c not in self.core_namespaces)

    def add_namespace(self, name: str, namespace: SpecNamespace) -> None:
        """Add a namespace built in memory (its includes must be loaded); its types are checked now."""
        if name in self._loaded:
            raise errors.SpecError(f"namespace {name!r} already exists", key="namespace")
        visible: dict[str, str] = {}
        for inc in (e["namespace"] for e in namespace.get("schema") or () if "namespace" in e):
            visible.update(self.visible_types(inc))
        visible.update(dict.fromkeys(namespace.own_types(), name))
        self._loaded[name], self._visible[name] = namespace, visible

    def get_source_types(self, namespace: str) -> tuple[str, ...]:
        sources = self._loaded[namespace].sources.values() if namespace in self._loaded else ()
        return tuple(s.data_type_def for specs in sources for s in specs if s.data_type_def)

    def get_sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(src for ns in self._loaded.values() for src in ns.sources))

    def get_namespace_sources(self, namespace: str) -> tuple[str, ...]:
        return tuple(self.get_namespace(namespace).sources)

    def get_spec_source_dict(self, source: str) -> dict[str, list] | None:
        """The unresolved top-level specs of source file `source` by kind."""
        stem = source_stem(source)
        return next((_by_kind(specs) for ns in self._loaded.values() for src, specs in ns.sources.items()
                     if source_stem(src) == stem), None)

    def resolve_all_specs(self) -> None:
        """Resolve every type of every namespace now (load_namespaces already does)."""
        self._resolve_types(self._loaded)
        self._unresolved.clear()

    def _resolve_types(self, names: Iterable[str]) -> None:
        for name in names:
            for dt in self._loaded[name].own_types():
                self.resolve_located(dt, self.locate(name, dt))

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Names of the loaded namespaces, in load order."""
        return tuple(self._loaded)

    def get_namespace(self, name: str) -> SpecNamespace:
        """The namespace called `name` (UnknownNamespaceError, a SpecError and KeyError, if not loaded)."""
        try:
            return self._loaded[name]
        except KeyError:
            raise errors.UnknownNamespaceError(f"'{name}' not a namespace (not loaded; loaded: {list(self._loaded)})",
                                               key="namespace") from None

    def visible_types(self, namespace: str) -> dict[str, str]:
        """{type usable in `namespace`: the namespace defining it}."""
        self.get_namespace(namespace)
        return self._visible[namespace]

    def get_types(self, namespace: str, *, own_only: bool = False) -> Any:
        """Types usable in (or `own_only`: defined by) `namespace`; for a source file name (hdmf's form), its types."""
        if namespace not in self._loaded:
            for ns in self._loaded.values():
                if namespace in ns.sources:
                    return tuple(t for t in ns.own_types() if ns.catalog.get_spec_source_file(t) == namespace)
            if source_stem(namespace) != namespace:  # a source file no namespace has
                return ()
        if own_only:
            return self.get_namespace(namespace).own_types()
        return list(self.visible_types(namespace))

    def has_type(self, namespace: str, data_type: str) -> bool:
        return data_type in self.visible_types(namespace)

    def get_spec(self, namespace: str, data_type: str) -> Spec:
        """The resolved spec of `data_type` (ancestors merged) as seen from `namespace`."""
        self._check_type(namespace, data_type)
        found = self.locate(namespace, data_type)
        return found[1] if namespace in self._unresolved else self.resolve_located(data_type, found)

    def get_hierarchy(self, namespace: str, data_type: str, known_only: bool = False) -> tuple[str, ...]:
        """`data_type` then its ancestors, nearest first (``known_only``: up to the first unknown one)."""
        self._check_type(namespace, data_type)
        out: list[str] = []
        cur: str | None = data_type
        while cur is not None:
            if cur in out:
                raise errors.SpecError(f"circular inheritance: {' -> '.join(out + [cur])}", data_type=data_type,
                                       key="data_type_inc")
            if known_only and cur not in self._visible[namespace]:
                break
            namespace, spec, _ = self.locate(namespace, cur, owner=out[-1] if out else None, key="data_type_inc")
            out.append(cur)
            cur = spec.data_type_inc
        return tuple(out)

    def is_sub_data_type(self, namespace: str, data_type: str, parent_type: str) -> bool:
        return parent_type in self.get_hierarchy(namespace, data_type)

    def namespace_of(self, data_type: str) -> str:
        """The (first loaded) namespace that defines `data_type`."""
        for name, visible in self._visible.items():  # (its own types are visible as its own, built or not)
            if visible.get(data_type) == name:
                return name
        raise errors.SpecError(f"no loaded namespace defines type {data_type!r}", data_type=data_type)

    def source_of(self, namespace: str, data_type: str) -> tuple[str, str]:
        """(defining namespace, source name) of a type usable in `namespace`."""
        self._check_type(namespace, data_type)
        defns = self._visible[namespace][data_type]
        return defns, self._loaded[defns].catalog.get_spec_source_file(data_type) or ""

    def _check_type(self, namespace: str, data_type: str) -> None:
        if data_type not in self.visible_types(namespace):
            raise errors.SpecError(f"type {data_type!r} is not defined in or included by namespace {namespace!r}",
                                   data_type=data_type, key="data_type")

    def locate(self, namespace: str, data_type: str, *, loc: Any = (None, None), owner: str | None = None,
               key: str = "data_type") -> tuple[str, Spec, tuple[str | None, int | None]]:
        """(defining namespace, unresolved spec, its (file, line)) of a type usable in `namespace`; an unknown one
        raises SpecError located at `loc` ((file, line)), naming the type `owner` and the `key` path needing it."""
        defns = self._visible[namespace].get(data_type) if namespace in self._visible else None
        if defns is None:
            raise errors.SpecError(
                f"unknown data type {data_type!r} (not defined in or included by namespace {namespace!r})",
                file=loc[0], line=loc[1], data_type=owner, key=key)
        ns = self._loaded[defns]
        loc = self._where.get((defns, data_type)) or (ns.catalog.get_spec_source_file(data_type), None)
        return defns, ns.get_spec(data_type), loc  # type: ignore[return-value]

    def resolve_located(self, data_type: str, found: tuple[str, Spec, Any], *, full: bool = True) -> Spec:
        """A type as `locate` found it, merged with its ancestors (and, if `full`, its typed children's types)."""
        token = (found[0], data_type, full)
        if (hit := self._resolved.get(token)) is not None:
            return hit
        if token in self._busy:
            raise errors.SpecError(f"circular inheritance involving {data_type!r}", file=found[2][0], line=found[2][1],
                                   data_type=data_type, key="data_type_inc")
        self._busy.add(token)
        try:
            result = Merger(self, found[0], data_type, found[2]).resolve(found[1], full)
        finally:
            self._busy.discard(token)
        if full:
            result.resolved = True
        self._resolved[token] = result
        return result

    def load_namespaces(self, path: str | Path, resolve: bool = True,
                        reader: Any = None, check: bool = True) -> dict[str, dict[str, tuple[str, ...]]]:
        """Load a namespace file's namespaces (``check=False``: each type resolved on first use, not now);
        returns {loaded namespace: {included namespace: types taken}}; names already loaded are skipped."""
        if reader is not None:
            raise errors.SpecError(
                "reader= (hdmf's SpecReader) is not supported; pass the namespace file path", key="reader")
        file = str(Path(path))  # (then str, not pathlib, calls: this runs at every process start)
        if not os.path.isfile(file):
            err = errors.SpecFileNotFoundError(
                f"namespace file '{file}' not found")  # hdmf's message, as an OSError too
            err.file = file
            raise err
        key = os.path.realpath(file)
        if key in self._loaded_files:
            return self._loaded_files[key]
        doc = read_yaml(file)
        if not isinstance(doc, dict) or not isinstance(doc.get("namespaces"), list):
            raise errors.SpecError("a namespace file needs a top-level 'namespaces' list", file=file, key="namespaces",
                                   line=getattr(doc, "line", None))
        folder = os.path.dirname(file)

        def read_source(ns_name: str, source: str) -> tuple[Any, str]:
            p = os.path.join(folder, source)
            if not os.path.splitext(source)[1] and not os.path.exists(p) and os.path.exists(f"{p}.yaml"):
                p = f"{p}.yaml"
            if not os.path.exists(p):
                raise errors.SpecError(f"source file {source!r} of namespace {ns_name!r} not found at {p}",
                                       file=file, key="source")
            return read_yaml(p), p

        self._load_missing_includes(doc["namespaces"], Path(folder), file)
        result = self._load(doc["namespaces"], read_source, file, check, resolve)
        if not resolve:  # hdmf's resolve=False: specs as written, and inheritance errors, wait for resolve_all_specs
            self._unresolved.update(result)
        self._loaded_files[key] = result
        return result

    def _load_missing_includes(self, entries: list, folder: Path, file: str) -> None:
        """Load missing includes from namespace files <= 3 levels under the file's folder and its parent (as NWB's)."""
        dicts = [e for e in entries if isinstance(e, dict)]
        incs = {s.get("namespace") for e in dicts for s in e.get("schema") or [] if isinstance(s, dict)}
        wanted = {n for n in incs if isinstance(n, str)} - {e.get("name") for e in dicts} - set(self._loaded)
        if not wanted:
            return
        this = Path(file).resolve()
        for root in (folder, folder.parent):
            for cand in sorted(_namespace_files(root, depth=3)):
                if cand.resolve() == this or not wanted:
                    continue
                try:
                    cdoc = read_yaml(cand)
                except errors.SpecError:
                    continue
                provided = {e.get("name") for e in (cdoc.get("namespaces") or []) if isinstance(e, dict)} \
                    if isinstance(cdoc, dict) and isinstance(cdoc.get("namespaces"), list) else set()
                if provided & wanted:
                    self.load_namespaces(cand)
                    wanted -= set(self._loaded)

    def load_cache(self, cache: dict[str, Any], check: bool = True) -> dict[str, dict[str, tuple[str, ...]]]:
        """Load namespaces from the dict `to_cache` returns (``check=False``: as in `load_namespaces`)."""
        if not isinstance(cache, dict):
            raise errors.SpecError(f"a spec cache must be a dict, got {type(cache).__name__}", file="<cache>")
        entries = []
        sources: dict[str, dict] = {}
        for name, item in cache.items():
            if not isinstance(item, dict) or "namespace" not in item:
                raise errors.SpecError(
                    f"cache entry {name!r} needs 'namespace' and 'sources'", file="<cache>", key=name)
            nsd = own_description(item["namespace"], name) or {}  # hdmf's {"namespaces": [ns]} wrapping
            entries.append(nsd)
            sources[nsd.get("name", name) if isinstance(nsd, dict) else name] = item.get("sources") or {}

        def read_source(ns_name: str, source: str) -> tuple[Any, str]:
            srcs = sources.get(ns_name, {})
            for cand in (source, source_stem(source)):
                if cand in srcs:
                    return srcs[cand], f"<cache>/{ns_name}/{cand}"
            raise errors.SpecError(f"source {source!r} of namespace {ns_name!r} is missing from the cache",
                                   file=f"<cache>/{ns_name}", key="source")

        return self._load(entries, read_source, "<cache>", check)

    def to_cache(self) -> dict[str, Any]:
        """JSON-able dict of every namespace and its sources (source names without extension, as hdmf caches)."""
        out: dict[str, Any] = {}
        for name, ns in self._loaded.items():
            nsd = ns.to_dict()
            nsd["schema"] = [({**e, "source": source_stem(e["source"])} if "source" in e else e)
                             for e in nsd["schema"]]
            out[name] = {"version": ns.version or "unversioned", "namespace": nsd,
                         "sources": {source_stem(s): source_content(v, ns.type_key) for s, v in ns.sources.items()}}
        return out

    def _load(self, entries: list, read_source: Callable[[str, str], tuple[Any, str]], file: str,
              check: bool = True, resolve: bool = True) -> dict[str, dict[str, tuple[str, ...]]]:
        """Add the namespaces of ``entries`` (``check=False``: plainly shaped top-level specs are built, and each type
        resolved, on first use); ``read_source(namespace, source)`` gives a source's parsed content and its file
        label for errors."""
        order = self._order([self._parse_ns(e, file) for e in entries], file)
        snapshot = (dict(self._loaded), dict(self._visible), dict(self._where), dict(self._resolved))
        result: dict[str, dict[str, tuple[str, ...]]] = {}
        ignored: list[tuple[str, Any, Any]] = []
        try:
            for meta in order:
                name = meta["name"]
                if name in self._loaded:
                    if (old := self._loaded[name].version) != meta["version"]:
                        ignored.append((name, meta["version"], old))
                    continue
                result[name] = self._add(meta, read_source, file, lazy=not check)
            self._resolve_types(result if check and resolve else ())  # so that bad specs fail at load time
            for name in result if check and not resolve else ():  # a cycle fails at load all the same, as in hdmf
                for dt in self._loaded[name].own_types():
                    self.get_hierarchy(name, dt, known_only=True)
        except BaseException:
            self._loaded, self._visible, self._where, self._resolved = snapshot
            self._busy.clear()
            raise
        self._warn_ignored(ignored)
        return result

    def core_conflicts(self, ns: str, dt: str, spec: Spec) -> tuple[str | None, set[str]]:
        """hdmf's check of an extension type against its nearest core ancestor: (what to report, hdmf's words, or
        None; the names of the links it re-targets to a type not derived from the core link's, to keep as given)."""
        if spec.data_type_inc is None or not (spec.attributes or spec.links) or ns in self.core_namespaces:
            return None, set()
        chain = self.get_hierarchy(ns, dt)[1:]
        core = next((i for i, p in enumerate(chain) if self._visible[ns][p] in self.core_namespaces), None)
        links: dict[str, Any] = {}
        for p in chain[core:] if core is not None else ():  # the core type's links, its own then inherited
            links.update((ln.name, ln) for ln in self.locate(ns, p)[1].links if ln.name not in links)
        msgs = [f"{ns} defines {dt}.{a.name} as an attribute (dtype: {a.dtype}) while the core schema defines it as a "
                f"link to {links[a.name].target_type}." for a in spec.attributes if a.name in links]
        kept = set()
        for ln in spec.links:
            if (c := links.get(ln.name)) is not None and ln.target_type in self._visible[ns] and \
                    c.target_type not in self.get_hierarchy(ns, ln.target_type):
                kept.add(ln.name)
                msgs.append(f"{ns} defines {dt}.{ln.name} as a link to {ln.target_type} while the core schema defines "
                            f"it as a link to {c.target_type}. {ln.target_type} is not a subtype of {c.target_type}. ")
        return (f"Schema conflict(s) detected in namespace '{ns}': \n {msgs[0]} \nThis may cause compatibility "
                "issues. Please update the extension version if possible or install an older version of the core "
                "schema that is compatible." if msgs else None), kept

    def _warn_ignored(self, ignored: list[tuple[str, Any, Any]]) -> None:
        """Report namespaces skipped because another version is loaded (a core one only if the skipped is newer)."""
        line = {n: f"{n} - cached version: {new}, loaded version: {old}" for n, new, old in ignored}
        cores = self.core_namespaces
        core = [line[n] for n, new, old in ignored if n in cores and version_key(str(new)) > version_key(str(old))]
        other = [line[n] for n, _, _ in ignored if n not in cores]
        parts = ["\n".join(core) + "\nPlease update to the latest package versions."] if core else []
        parts += ["\n".join(other) + "\nThe loaded extension(s) may not be compatible with the cached extension(s) "
                  "in the file. Please check the extension documentation and ignore this warning if these versions "
                  "are compatible."] if other else []
        if parts:
            warnings.warn("Ignoring the following cached namespace(s) because another version is already loaded:\n"
                          + "\n".join(parts), stacklevel=4)

    def _parse_ns(self, e: Any, file: str) -> dict:
        """A namespace-file entry's keys, checked; an unversioned namespace is reported."""
        line = getattr(e, "line", None)
        meta = namespace_fields(e, file, line)
        name, version = meta["name"], meta["version"]
        if version is None:
            _warn_no_version(name, 5)
        elif version in (str(SpecNamespace.UNVERSIONED), "unversioned"):
            warnings.warn(f"Loaded namespace '{name}' is unversioned. Please notify the extension author.",
                          stacklevel=4)
            meta["version"] = None
        return {**meta, "doc": str(meta["doc"]), "date": None if meta["date"] is None else str(meta["date"]),
                "line": line}

    def _order(self, parsed: list[dict], file: str) -> list[dict]:
        """Namespaces of one file in dependency order; a cycle or unknown include raises SpecError."""
        by_name = {m["name"]: m for m in parsed}
        order: dict[str, dict] = {}

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if name in chain:
                cyc = chain[chain.index(name):] + (name,)
                raise errors.SpecError(f"cycle of namespace includes: {' -> '.join(cyc)}", file=file, key="namespace")
            if name in order:
                return
            meta = by_name[name]
            for inc in (e["namespace"] for e in meta["schema"] if "namespace" in e):
                if inc in by_name:
                    visit(inc, chain + (name,))
                elif inc not in self._loaded:
                    raise errors.SpecError(f"namespace {name!r} includes namespace {inc!r}, which is not loaded; "
                                           f"load its namespace file first (loaded: {list(self._loaded)})",
                                           file=file, key="namespace", line=meta["line"])
            order[name] = meta

        for m in parsed:
            visit(m["name"], ())
        return list(order.values())

    def _add(self, meta: dict, read_source: Callable[[str, str], tuple[Any, str]], file: str,
             lazy: bool = False) -> dict[str, tuple[str, ...]]:
        name = meta["name"]
        sources: dict[str, list[Any]] = {}
        type_key: str | None = None
        for e in (e for e in meta["schema"] if "source" in e):
            content, sfile = read_source(name, e["source"])
            entries = specs_from_source(content, file=sfile, lazy=lazy)
            for d in (content.get("groups") or []) + (content.get("datasets") or []):  # (each defines a type)
                self._where[(name, dict_def(d) or "")] = (sfile, getattr(d, "line", None))
                type_key = type_key or next(tk for tk in TYPE_KEYS if f"{tk}_def" in d)
            if (wanted := e.get("data_types")) is not None:
                defs = [dict_def(x[0] if isinstance(x, tuple) else x) for x in entries]
                if missing := [t for t in wanted if t not in defs]:
                    raise errors.SpecError(f"data_types {missing} are not defined in source {e['source']!r}",
                                           file=sfile, data_type=missing[0], key="data_types")
                entries = [x for x, dt in zip(entries, defs) if dt in wanted]
            if e["source"] in sources:
                raise errors.SpecError(f"source {e['source']!r} is listed twice in namespace {name!r}", file=file,
                                       key="source")
            sources[e["source"]] = entries
        visible: dict[str, str] = {}
        included: dict[str, tuple[str, ...]] = {}
        for e in (e for e in meta["schema"] if "namespace" in e):
            inc, wanted = e["namespace"], e.get("data_types")
            inc_visible = self._visible[inc]
            take = dict(inc_visible) if wanted is None else {}
            todo = list(wanted or ())  # the wanted types and every type they need
            while todo:
                dt = todo.pop()
                if dt in take:
                    continue
                if dt not in inc_visible:
                    raise errors.SpecError(f"type {dt!r} is not in included namespace {inc!r}", file=file,
                                           data_type=dt, key="data_types")
                take[dt] = inc_visible[dt]
                todo.extend(_deps(self._loaded[take[dt]].get_spec(dt)))
            visible.update(take)
            included[inc] = tuple(sorted(take))
        with warnings.catch_warnings(action="ignore"):  # (keys checked, a missing version reported, by _parse_ns)
            ns = self.spec_namespace_cls(**{k: meta[k] for k in _NS_KEYS}, sources=sources,
                                        type_key=type_key or "data_type", included=tuple(visible))
        visible.update(dict.fromkeys(ns.own_types(), name))
        self._loaded[name], self._visible[name] = ns, visible
        return included

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NamespaceCatalog):
            return NotImplemented
        return [self.get_namespace(n) for n in self.namespaces] == [other.get_namespace(n) for n in other.namespaces]

    def __repr__(self) -> str:
        return f"NamespaceCatalog({list(self._loaded)})"


def namespace_entry(ns: Any) -> dict[str, Any]:
    """The namespace-file entry of a mapping of a namespace's keys, in hdmf's key order (unset keys left out)."""
    d: dict[str, Any] = {"name": ns["name"], "doc": ns["doc"]}
    d.update((k, ns[k] if isinstance(ns[k], str) else list(ns[k])) for k in ("author", "contact") if ns.get(k))
    d.update((k, ns[k]) for k in ("full_name", "date") if ns.get(k) is not None)
    return {**d, "schema": [dict(e) for e in ns.get("schema") or ()], "version": ns.get("version")}

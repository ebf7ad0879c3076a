"""BuildManager: container tree <-> builder tree. ``build`` maps every container through its type's ObjectMapper,
then resolves references and links; ``construct`` memoises per builder, so shared targets become one object."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any

import numpy as np

from ..dataio import DataIO, StoredArray
from .. import errors
from ..spec.dtypes import NUMERIC_DTYPES, STRING_DTYPES
from ..spec.model import canonical_spec_dtype, declared_type, is_compound_dtype, is_ref_dtype
from .builders import (
    Builder, CompoundField, DatasetBuilder, Deferred, ExternalTarget, GroupBuilder, LinkBuilder, PendingRef,
    ReferenceBuilder, fetch_deferred, resolve_target
)
from .convert import read_value
from .mapper import container_path
from .typemap import TypeMap, get_type_map

__all__ = ["BuildManager", "PendingRef"]


class BuildManager:
    """Builds container trees into builder trees and back, with one TypeMap; ``resolve_external`` (given by backends
    that can open other stores) turns an :class:`ExternalTarget` into a builder from another store."""

    def __init__(self, type_map: TypeMap | None = None,
                 resolve_external: Callable[[ExternalTarget], Builder] | None = None) -> None:
        self.type_map = get_type_map() if type_map is None else type_map
        self.resolve_external = resolve_external
        self._built: dict[int, tuple[Any, Builder]] = {}
        self._constructed: dict[int, tuple[Builder, Any]] = {}
        self._in_progress: set[int] = set()
        self._deferred: list[tuple[Any, dict[str, Any]]] = []
        self.type_key: str | None = None  # the attribute naming types in the tree being built

    def build(self, container: Any) -> GroupBuilder:
        """The builder tree of ``container`` (a group type), references and links resolved."""
        self._built = {}
        # the stored values of a tree not read yet, read in one concurrent wave (building reads them all)
        nodes = list(container.all_children()) if hasattr(container, "all_children") else [container]
        fetch_deferred(v for c in nodes for v in getattr(c, "__dict__", {}).values() if isinstance(v, Deferred))
        ns, dt = self.type_map.data_type_of(container)
        self.type_key = self.type_map.type_key(ns)
        root = self.build_child(container, name=None)
        if not isinstance(root, GroupBuilder):
            raise errors.BuildError(
                f"{container_path(container)}: the root must be a group type, got dataset type {dt!r}")
        self._resolve_pending(root)
        _link_shared_data(root)
        return root

    def build_child(self, container: Any, name: str | None = None) -> Builder:
        """Build one container (through its mapper) and remember its builder."""
        key = id(container)
        if key in self._built:
            return self._built[key][1]
        mapper = self.type_map.get_mapper(container)
        builder = mapper.build(container, self, name=name)
        self._built[key] = (container, builder)
        return builder

    def is_placed(self, container: Any) -> bool:
        """Whether ``container`` already has a builder in the tree being built."""
        return id(container) in self._built

    def pending_link(self, target: Any, name: str, where: str) -> LinkBuilder:
        """A link to ``target`` (a container, swapped for its builder after the tree is built)."""
        if not isinstance(target, (Builder, ExternalTarget)) and not hasattr(target, "object_id"):
            raise errors.BuildError(f"{where}: link {name!r} must point at a container, got {type(target).__name__}")
        return LinkBuilder(target, name=name)

    def _target_builder(self, target: Any, where: str, what: str) -> Builder | ExternalTarget:
        if isinstance(target, (Builder, ExternalTarget)):
            return target
        got = self._built.get(id(target))
        if got is None:
            raise errors.BuildError(f"{where}: {what} points at {container_path(target)!r} ({type(target).__name__}), "
                                    "which is not part of the container tree being built")
        return got[1]

    def _fix_ref(self, value: Any, where: str) -> Any:
        if isinstance(value, ReferenceBuilder):
            if isinstance(value.target, (Builder, ExternalTarget, str)):
                return value
            return ReferenceBuilder(self._target_builder(value.target, where, "a reference"), value.source)
        if isinstance(value, (list, tuple)):
            fixed = [self._fix_ref(v, where) for v in value]
            return fixed if isinstance(value, list) else tuple(fixed)
        return value

    def _resolve_pending(self, root: GroupBuilder) -> None:
        for node in root.walk():
            where = node.path
            if isinstance(node, LinkBuilder):
                node.target = self._target_builder(node.target, where, "a link")
                continue
            for k, v in node.attributes.items():
                if isinstance(v, (ReferenceBuilder, list, tuple)):
                    node.attributes[k] = self._fix_ref(v, f"{where} attribute {k!r}")
            if isinstance(node, DatasetBuilder) and (node.dtype == "object" or isinstance(node.dtype, list)):
                if isinstance(node.data, (list, tuple)):
                    node.data = self._fix_ref(list(node.data), where)
                elif isinstance(node.data, np.ndarray) and node.data.dtype.kind == "O":
                    node.data = self._fix_ref(node.data.tolist(), where)

    def constructed(self) -> list[Any]:
        """Every container constructed so far (in construction order)."""
        return [c for _, c in self._constructed.values()]

    def construct(self, builder: Builder) -> Any:
        """The container for ``builder`` (its whole subtree constructed, parents set, unmodified)."""
        new_from = len(self._constructed)
        obj = self.construct_child(builder)
        while self._deferred:  # the references of a cycle, once their objects exist
            done, pending = self._deferred.pop(0)
            for k, v in pending.items():
                setattr(done, k, self._finish_pending(v))
        for b, c in list(self._constructed.values())[new_from:]:
            self._adopt_children(b, c)
        for b, c in list(self._constructed.values())[new_from:]:
            oid = b.attributes.get("object_id")
            for attr in ("object_id", "_object_id") if oid is not None else ():  # (read-only: the field behind)
                try:
                    setattr(c, attr, oid)
                    break
                except AttributeError:
                    pass
            if callable(fn := getattr(c, "set_modified", None)):
                fn(False)
            else:
                with suppress(AttributeError):
                    c.modified = False
        return obj

    def construct_child(self, builder: Builder) -> Any:
        """The (memoised) container for one builder; links construct their target."""
        if isinstance(builder, LinkBuilder):
            builder = self.target_of(builder.target, builder)
        key = id(builder)
        if key in self._constructed:
            return self._constructed[key][1]
        if key in self._in_progress:
            raise errors.ConstructError(
                f"{builder.path}: reference cycle — the object refers (through references) back to "
                "itself before it could be constructed")
        ns_dt = self.type_map.builder_type(builder)
        if ns_dt is None:
            raise errors.ConstructError(
                f"{builder.path}: expected a typed object (attributes 'namespace' and 'data_type' or "
                f"'neurodata_type'), found attributes {sorted(builder.attributes)}")
        ns, dt = ns_dt
        try:
            cls = self.type_map.get_class(dt, ns)
        except errors.ConstructError:
            raise
        except Exception as exc:
            raise errors.ConstructError(f"{builder.path}: no class for type {dt!r} in namespace {ns!r}: {exc}") from exc
        mapper = self.type_map.mapper_for_class(cls, ns, dt)
        self._in_progress.add(key)
        try:
            obj = mapper.construct(builder, self, cls)
        finally:
            self._in_progress.discard(key)
        self._constructed[key] = (builder, obj)
        with suppress(AttributeError):  # the namespaces (and versions) it was read with go with it when it is written
            obj.__dict__["_type_map"] = self.type_map
        return obj

    def builder_of(self, container: Any) -> Builder | None:
        """The builder a container was last built into or constructed from (if any)."""
        got = self._built.get(id(container))
        if got is not None and got[0] is container:
            return got[1]
        for b, c in self._constructed.values():
            if c is container:
                return b
        return None

    get_builder = builder_of  # hdmf's name

    def _adopt_children(self, builder: Builder, obj: Any) -> None:
        stack = [builder] if isinstance(builder, GroupBuilder) else []
        while stack:
            g = stack.pop()
            for child in list(g.groups.values()) + list(g.datasets.values()):
                got = self._constructed.get(id(child))
                if got is not None:
                    c = got[1]
                    current = getattr(c, "parent", None)
                    if current is not None and current is not obj and hasattr(c, "reset_parent"):
                        c.reset_parent()  # adopted by an object linking to it: its parent is where it is stored
                        current = None
                    if current is None:
                        with suppress(Exception):  # a class refusing a parent keeps none
                            c.parent = obj
                elif isinstance(child, GroupBuilder) and self.type_map.builder_type(child) is None:
                    stack.append(child)

    def target_of(self, target: Any, origin: Builder) -> Builder:
        """The builder the target of a link or reference held by ``origin`` is (paths and external targets
        resolved)."""
        found = resolve_target(target, origin.root)
        if isinstance(found, ExternalTarget):
            if self.resolve_external is None:
                raise errors.DanglingReferenceError(f"{origin.path}: points into another store ({found.source!r}, "
                                                    f"{found.path!r}) and no external resolver was given")
            return self.resolve_external(found)
        if found is None and isinstance(target, (str, bytes, ReferenceBuilder, LinkBuilder)):
            raise errors.DanglingReferenceError(f"{origin.path}: reference target {getattr(target, 'path', target)!r} "
                                                "does not exist in the store")
        if found is None:
            raise errors.ConstructError(
                f"{origin.path}: cannot resolve reference target of type {type(target).__name__}")
        return found

    def _finish_pending(self, value: Any) -> Any:
        """``value`` with its PendingRef entries replaced by the (now constructed) containers."""
        if isinstance(value, PendingRef):
            return self.construct_child(value.builder)
        if isinstance(value, list):
            return [self._finish_pending(v) for v in value]
        return value

    def defer(self, obj: Any, pending: dict[str, Any]) -> None:
        """Set the fields ``pending`` of ``obj`` (references to objects under construction: a cycle) once the
        current ``construct`` call has built its tree."""
        self._deferred.append((obj, pending))

    def resolve_ref(self, ref: Any, origin: Builder) -> Any:
        """The container a reference (a ReferenceBuilder, or None) points at; a target still under
        construction (a reference cycle) gives a :class:`PendingRef`."""
        if ref is None:
            return None
        if isinstance(ref, ReferenceBuilder):
            target = self.target_of(ref.target, origin)
            if id(target) in self._in_progress:
                return PendingRef(target)
            return self.construct_child(target)
        if isinstance(ref, Builder):
            return self.construct_child(ref)
        raise errors.ConstructError(f"{origin.path}: expected a reference, found {type(ref).__name__} {ref!r}")

    def read_data(self, builder: DatasetBuilder, spec: Any) -> Any:
        """A dataset builder's data for a container: references resolve (lazily when the data is lazy);
        a value not read yet stays :class:`Deferred` (read when the container's field is first used)."""
        sdt = getattr(spec, "dtype", None)
        _check_stored_dtype(sdt, builder)
        data = builder.raw_data
        if isinstance(data, Deferred):
            if not (is_ref_dtype(sdt) or is_compound_dtype(sdt)):
                return data.map(lambda value: read_value(sdt, value))
            data = builder.data
        if builder.dims and isinstance(data, StoredArray) and data.store_url is not None:
            data.dims = list(builder.dims)  # the stored dimension names go with the array: a rewrite keeps them
        resolve = lambda r: self.resolve_ref(r, builder)  # noqa: E731
        # lazy arrays resolve after construct() returned: each target gets a complete construct()
        lazy = lambda r: None if r is None else self.construct(self.target_of(  # noqa: E731
            r.target if isinstance(r, ReferenceBuilder) else r, builder))
        make: Callable[[Callable[[Any], Any]], ReferenceArray]
        if is_ref_dtype(sdt) or (builder.dtype == "object" and sdt is None):
            if data is None or isinstance(data, ReferenceBuilder):
                return resolve(data)
            from .lazyrefs import ReferenceArray  # (loaded by the first dataset of references: a table read has none)

            make = partial(ReferenceArray, data)
        else:
            stored = builder.dtype if isinstance(builder.dtype, list) else []
            fields: list[Any] = (sdt if is_compound_dtype(sdt) else stored) or []
            names = [f.name for f in fields]
            refs = [i for i, f in enumerate(fields)  # (a stored field of references, or a reference spec dtype)
                    if isinstance(f, CompoundField) and f.dtype == "object" or is_ref_dtype(getattr(f, "dtype", None))]
            if not refs or data is None:
                return read_value(sdt, data)
            from .lazyrefs import CompoundReferenceArray

            row_dtype = np.dtype([(n, _field_numpy(f.dtype) if i not in refs else object)
                                  for i, (n, f) in enumerate(zip(names, fields))])
            make = lambda fn: CompoundReferenceArray(data, fn, refs, names, row_dtype)  # noqa: E731
        if isinstance(data, (list, tuple)) or (isinstance(data, np.ndarray) and data.dtype.kind == "O"):
            rows = list(make(resolve))  # held in memory: resolved now, unless a target is still being constructed
            if not any(isinstance(v, PendingRef) for r in rows for v in (r if isinstance(r, tuple) else (r,))):
                return rows
        return make(lazy)


def _field_numpy(dtype: Any) -> Any:
    """The numpy dtype of a compound field's values as read (numbers and bools as stored; text and others objects)."""
    name = canonical_spec_dtype(dtype) if isinstance(dtype, str) else None
    return np.dtype(name) if name in NUMERIC_DTYPES or name == "bool" else np.dtype(object)


def _link_shared_data(root: GroupBuilder) -> None:
    """Untyped datasets holding the same stored array (a link on disk, read as one lazy array: a
    TimeSeries' timestamps shared with another) become links to the one stored where the array was."""
    by_source: dict[tuple[str, str], list[DatasetBuilder]] = {}
    for node in root.walk():
        if not isinstance(node, DatasetBuilder) or node.parent is None:
            continue
        data = node.data.data if isinstance(node.data, DataIO) else node.data
        if isinstance(data, StoredArray) and data.store_url is not None and data.path is not None \
                and declared_type(node.attributes) is None:
            by_source.setdefault((data.store_url, data.path), []).append(node)
    for (_, path), nodes in by_source.items():
        home = next((n for n in nodes if n.path == path), nodes[0])
        for node in nodes:
            parent = node.parent
            if node is home or parent is None or not _same_attributes(node.attributes, home.attributes):
                continue
            del parent.datasets[node.name]
            node.parent = None
            parent.set_link(LinkBuilder(home, name=node.name))


def _same_attributes(a: dict[str, Any], b: dict[str, Any]) -> bool:
    try:
        return a.keys() == b.keys() and all(bool(np.all(a[k] == b[k])) for k in a)
    except (TypeError, ValueError):
        return False


_NUMBERS = NUMERIC_DTYPES | {"numeric"}


def _check_stored_dtype(spec_dtype: Any, builder: DatasetBuilder) -> None:
    """Refuse stored data whose kind contradicts the spec (text where numbers belong or vice versa)."""
    got = builder.dtype
    spec_dtype = canonical_spec_dtype(spec_dtype)
    if not isinstance(spec_dtype, str) or not isinstance(got, str):
        if is_ref_dtype(spec_dtype) and isinstance(got, str) and got != "object" and got in (STRING_DTYPES | _NUMBERS):
            raise errors.ConstructError(f"{builder.path}: expected references (dtype 'object'), found {got!r} data")
        return
    if (spec_dtype in _NUMBERS and got in STRING_DTYPES) or (spec_dtype in STRING_DTYPES and got in _NUMBERS):
        raise errors.ConstructError(f"{builder.path}: expected {spec_dtype!r} data by the spec, found {got!r} data")

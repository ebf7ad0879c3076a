"""ObjectMapper: maps one data type's container fields to its resolved spec and back; each sub-spec is one container
attribute (``attr_name``; the contents of untyped groups and datasets flattened under prefixed names)."""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import keyword
import re
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import errors
from ..record import Record
from ..spec.model import TYPE_KEYS, AttributeSpec, GroupSpec, LinkSpec, is_ref_dtype, spec_type
from ..common.columns import BufferedData
from ..dataio import DataIO, stored_chain
from .builders import (
    Builder, DatasetBuilder, Deferred, GroupBuilder, LinkBuilder, PendingRef, ReferenceBuilder, fetch_deferred
)
from .convert import convert_value, map_nested, read_value

if TYPE_CHECKING:
    from .manager import BuildManager
    from .typemap import TypeMap

__all__ = ["ObjectMapper", "FieldInfo", "container_path", "FIELD_SEP", "snake_case", "default_attr_name", "identifier"]

#: joins the names of enclosing untyped groups/datasets to a field's name (hdmf's convention)
FIELD_SEP = "__"


class FieldInfo(Record):
    """One container field a type's spec implies: attribute name, sub-spec, kind, where it sits."""

    __slots__ = ("attr", "spec", "kind", "path", "required")
    attr: str
    spec: Any
    kind: str  # "attribute" | "dataset" | "group" | "link"
    path: tuple[str, ...]  # names of the untyped sub-specs it is nested in
    required: bool

    def __init__(self, attr: str, spec: Any, kind: str, path: tuple[str, ...], required: bool) -> None:
        self._set(attr, spec, kind, path, required)


def container_path(container: Any) -> str:
    """``/parent/.../name`` of a container (for error messages)."""
    parts: list[str] = []
    node = container
    while node is not None and len(parts) < 1000:
        parts.append(str(getattr(node, "name", "?")))
        node = getattr(node, "parent", None)
    return "/" + "/".join(reversed(parts))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class ObjectMapper:
    """Spec-driven mapping between containers of one data type and builders."""

    #: renames applied by the default ``attr_name``: spec-derived name -> container attribute.
    renames: ClassVar[dict[str, str]] = {}

    def __init__(self, spec: Any, type_map: TypeMap, namespace: str, data_type: str) -> None:
        self.spec = spec
        self.type_map = type_map
        self.namespace = namespace
        self.data_type = data_type
        self._prefix: dict[int, tuple[str, ...]] = {}
        self._parent: dict[int, Any] = {}  # sub-spec -> the spec (type or untyped group) holding it
        self._names: dict[int, str] = {}
        self._params: dict[type, frozenset[str]] = {}
        self._placed: list[tuple[Any, str, tuple[str, ...], bool]] = []  # (sub-spec, kind, path, required)
        self._fields: list[FieldInfo] | None = None
        self._index(spec, (), True)

    def _index(self, spec: Any, prefix: tuple[str, ...], required: bool) -> None:
        """Record where each sub-spec of ``spec`` sits (in the untyped groups ``prefix``) and the container field it
        implies (optional when an enclosing group is); an untyped group's sub-specs are its fields."""
        for sub in self._subspecs(spec):
            self._prefix[id(sub)] = prefix
            self._parent[id(sub)] = spec
            req = required and sub.is_required
            untyped = spec_type(sub) is None and not isinstance(sub, (LinkSpec, AttributeSpec))
            if untyped and isinstance(sub, GroupSpec):
                self._index(sub, (*prefix, sub.name or ""), req)  # (an untyped group always has a name)
                continue
            if not untyped or sub.value is None:
                self._placed.append((sub, _kind(sub), prefix, req))
            for a in sub.attributes if untyped else ():  # an untyped dataset's attributes are named after it
                self._prefix[id(a)] = (*prefix, sub.name)
                self._placed.append((a, "attribute", (*prefix, sub.name), req and a.is_required))

    @staticmethod
    def _subspecs(spec: Any) -> list[Any]:
        return [*spec.attributes, *spec.datasets, *spec.groups, *spec.links]

    def attr_name(self, spec: Any) -> str:
        """Container attribute for a sub-spec: its name or (pluralised) snake_case type, prefixed by the enclosing
        untyped group/dataset names (``settings__gain``); the only typed content of an untyped group takes its name."""
        got = self._names.get(id(spec))
        if got is not None:
            return got
        prefix = self._prefix.get(id(spec), ())
        parent = self._parent.get(id(spec))
        if (prefix and spec_type(spec) is not None and not spec.name and parent is not None
                and sum(not isinstance(s, AttributeSpec) for s in self._subspecs(parent)) == 1):
            name, prefix = prefix[-1], prefix[:-1]  # the only typed content of an untyped group takes its name
        else:
            name = default_attr_name(spec)
        name = identifier(FIELD_SEP.join(prefix + (name,)))
        name = self.renames.get(name, name)
        if id(spec) in self._prefix:
            self._names[id(spec)] = name
        return name

    def fields(self) -> list[FieldInfo]:
        """Every container field this type's spec implies, in spec order."""
        if self._fields is None:  # (named when first asked: a subclass's attr_name may use what its __init__ sets)
            self._fields = [FieldInfo(self.attr_name(s), s, kind, path, req) for s, kind, path, req in self._placed]
        return self._fields

    def get_value(self, container: Any, spec: Any) -> Any:
        """The container's value for a sub-spec (``None`` when it has none)."""
        return getattr(container, self.attr_name(spec), None)

    def convert_dtype(self, spec: Any, value: Any, where: str = "?") -> tuple[Any, Any]:
        """Coerce ``value`` to the spec's dtype and rank: ``(value, builder_dtype)``."""
        value = _fit_rank(spec, value, where)
        return convert_value(getattr(spec, "dtype", None), value, where, is_attr=isinstance(spec, AttributeSpec))

    def build(self, container: Any, manager: BuildManager, name: str | None = None) -> Builder:
        """A builder for ``container`` (children via ``manager.build_child``)."""
        where = container_path(container)
        bname = name or getattr(self.spec, "name", None) or container.name
        # the type key is the tree's (as hdmf uses one per file: neurodata_type in an NWB file, for hdmf-common too)
        key = manager.type_key or self.type_map.type_key(self.namespace)
        attrs = {"namespace": self.namespace, key: self.data_type, "object_id": container.object_id}
        builder: Builder
        if isinstance(self.spec, GroupSpec):
            builder = GroupBuilder(bname, attributes=attrs)
            self.fill_group(builder, self.spec, container, manager, where)
        else:
            data = container.array_data if isinstance(container, BufferedData) else getattr(container, "data", None)
            if data is None and getattr(self.spec, "value", None) is not None:
                data = self.spec.value
            empty_dtype = None
            if data is None or (isinstance(data, (list, tuple, np.ndarray)) and len(data) == 0):
                data, empty_dtype = _typed_empty(container, data)
            dims = self._dims(self.spec, data)
            data, dtype = self.convert_dtype(self.spec, data, f"{where} (data)")
            builder = DatasetBuilder(bname, data=data, dtype=empty_dtype if dtype is None else dtype, attributes=attrs,
                                     dims=dims)
            self.fill_attributes(builder, self.spec, container, where)
        # the container's extra_attributes (stored ones its type spec does not declare), unless set
        for k, v in (getattr(container, "__dict__", {}).get("_extra_attributes") or {}).items():
            builder.attributes.setdefault(k, v)
        return builder

    @staticmethod
    def _dims(spec: Any, data: Any = None) -> list[str] | None:
        """Dimension names: those stored with data read from a store (a read reports what is stored), else the
        spec's (of several alternatives, the one whose rank matches the data)."""
        inner = data.data if isinstance(data, DataIO) else data
        ndim = _ndim(inner)
        chain = stored_chain(inner)
        stored = next((a.dims for a in chain if a.dims), None)
        if stored and (ndim is None or len(stored) == ndim):
            return list(stored)
        if any(a.store_url is not None for a in chain):  # read from a Zarr store without names
            return None
        dims = getattr(spec, "dims", None) or ()
        if dims and all(isinstance(d, str) for d in dims):
            return list(dims)
        for option in dims:
            if isinstance(option, (list, tuple)) and len(option) == ndim and all(isinstance(d, str) for d in option):
                return list(option)
        return None

    def fill_attributes(self, builder: Builder, spec: Any, container: Any, where: str) -> None:
        for a in spec.attributes:
            value = self.get_value(container, a)
            if value is None and a.value is not None:
                value = a.value
            if value is None:
                if a.is_required:
                    raise errors.BuildError(
                        f"{where}: required attribute {a.name!r} of type {self.data_type!r} is missing "
                        f"(container field {self.attr_name(a)!r} is None)")
                continue
            builder.attributes[a.name] = self.convert_dtype(a, value, f"{where} attribute {a.name!r}")[0]

    def fill_group(self, gb: GroupBuilder, spec: Any, container: Any, manager: BuildManager, where: str) -> None:
        """Add the attributes, datasets, groups and links ``spec`` describes to ``gb``."""
        self.fill_attributes(gb, spec, container, where)
        # named sub-specs first so unnamed "any number of X" specs do not swallow them
        for sub in sorted([*spec.datasets, *spec.groups], key=lambda s: not s.name):
            if spec_type(sub) is not None:
                self.build_typed(gb, sub, container, manager, where)
            elif isinstance(sub, GroupSpec):
                assert sub.name is not None  # an untyped group always has a name (checked when specs load)
                child = GroupBuilder(sub.name)
                self.fill_group(child, sub, container, manager, f"{where}/{sub.name}")
                if child.attributes or any(True for _ in child.children()) or sub.is_required:
                    gb.set_group(child)
            else:
                self.build_untyped_dataset(gb, sub, container, where)
        for lk in spec.links:
            targets = _as_list(self.get_value(container, lk))
            if not targets and lk.is_required:
                raise errors.BuildError(
                    f"{where}: required link {self.attr_name(lk)!r} to {lk.target_type!r} is missing")
            for t in targets:
                name = lk.name or t.name
                if name not in gb:
                    gb.set_link(manager.pending_link(t, name, where))

    def build_untyped_dataset(self, gb: GroupBuilder, spec: Any, container: Any, where: str) -> None:
        value = self.get_value(container, spec) if spec.value is None else spec.value
        if value is None:
            if spec.default_value is not None and spec.is_required:
                value = spec.default_value  # optional fields left unset stay absent (a rewrite adds nothing)
            elif spec.is_required:
                raise errors.BuildError(
                    f"{where}: required dataset {spec.name!r} of type {self.data_type!r} is missing "
                    f"(container field {self.attr_name(spec)!r} is None)")
            else:
                self._check_no_orphan_attributes(spec, container, where)
                return
        dims = self._dims(spec, value)
        data, dtype = self.convert_dtype(spec, value, f"{where}/{spec.name}")
        db = DatasetBuilder(spec.name, data=data, dtype=dtype, dims=dims)
        self.fill_attributes(db, spec, container, f"{where}/{spec.name}")
        gb.set_dataset(db)

    def _check_no_orphan_attributes(self, spec: Any, container: Any, where: str) -> None:
        """An attribute given for an optional dataset left unset (a TimeSeries' rate without its starting_time) would
        be dropped without a word: refused instead, naming both fields."""
        for a in spec.attributes:
            value = None if a.value is not None else self.get_value(container, a)
            if value is None:
                continue
            with suppress(Exception):  # (a value not comparable with the default is a value given)
                if bool(value == a.default_value):
                    continue
            field = self.attr_name(spec)
            raise errors.BuildError(
                f"{where}: {self.attr_name(a)!r} is set ({value!r}) but dataset {spec.name!r} (field "
                f"{field!r}) is not, so it would not be stored: set {field!r} too")

    def build_typed(self, gb: GroupBuilder, spec: Any, container: Any, manager: BuildManager, where: str) -> None:
        children = _as_list(self.get_value(container, spec))
        fixed = spec.name
        want = spec_type(spec)
        placed = 0
        for child in children:
            parent = getattr(child, "parent", None)
            linked = parent is not None and parent is not container
            if not linked and manager.is_placed(child):
                continue
            name = fixed or child.name
            if name in gb:
                existing = gb[name]
                if existing is manager.builder_of(child) or getattr(existing, "target", None) is child:
                    continue
                raise errors.BuildError(
                    f"{where}: two objects are named {name!r} here; the second is {container_path(child)} "
                    f"(field {self.attr_name(spec)!r})")
            ns_dt = self.type_map.data_type_of(child)
            if want and not self.type_map.is_subtype(ns_dt[0], ns_dt[1], want):
                raise errors.BuildError(f"{where}: field {self.attr_name(spec)!r} expects {want!r} containers, "
                                        f"got {ns_dt[1]!r} ({container_path(child)})")
            if linked:
                gb.set_link(manager.pending_link(child, name, where))
            else:
                b = manager.build_child(child, name=name)
                if isinstance(b, GroupBuilder):
                    gb.set_group(b)
                else:
                    gb.set_dataset(b)  # type: ignore[arg-type]
            placed += 1
        if not placed and spec.is_required and not (fixed and fixed in gb):
            raise errors.BuildError(f"{where}: required {'group' if isinstance(spec, GroupSpec) else 'dataset'} "
                                    f"{fixed or self.attr_name(spec)!r} of type {want!r} is missing")

    def construct_kwargs(self, builder: Builder, manager: BuildManager) -> dict[str, Any]:
        """Constructor keyword arguments gathered from ``builder`` (children constructed)."""
        kwargs: dict[str, Any] = {}
        if isinstance(self.spec, GroupSpec):
            self._gather_group(builder, self.spec, manager, kwargs)  # type: ignore[arg-type]
        else:
            self._gather_attributes(builder, self.spec, manager, kwargs)
            if isinstance(builder, DatasetBuilder):
                kwargs["data"] = manager.read_data(builder, self.spec)
        return kwargs

    def _gather_attributes(self, builder: Builder, spec: Any, manager: BuildManager, kwargs: dict[str, Any]) -> None:
        for a in spec.attributes:
            if a.name in builder.attributes:
                value = builder.attributes[a.name]  # (lists/arrays of references resolve element by element)
                kwargs[self.attr_name(a)] = (map_nested(value, lambda r: manager.resolve_ref(r, builder))
                                             if is_ref_dtype(a.dtype) else read_value(a.dtype, value))

    def _gather_group(self, builder: GroupBuilder, spec: Any, manager: BuildManager, kwargs: dict[str, Any]) -> None:
        self._gather_attributes(builder, spec, manager, kwargs)
        subs = [*spec.datasets, *spec.groups]
        links = list(spec.links)
        claimed = {s.name for s in subs + links if s.name}
        for sub in subs + links:
            child = builder.get(sub.name) if sub.name else None
            if child is None:
                continue
            if spec_type(sub) is not None or isinstance(sub, LinkSpec):
                kwargs[self.attr_name(sub)] = manager.construct_child(child)
                continue
            if isinstance(child, LinkBuilder):
                child = manager.target_of(child.target, child)  # an untyped dataset/group stored as a link: its target
            if isinstance(sub, GroupSpec):
                if isinstance(child, GroupBuilder):
                    self._gather_group(child, sub, manager, kwargs)
            elif isinstance(child, DatasetBuilder):
                if sub.value is None:
                    kwargs[self.attr_name(sub)] = manager.read_data(child, sub)
                self._gather_attributes(child, sub, manager, kwargs)
        for sub in links + subs:  # (named ones are done)
            if not sub.name:
                self._claim(sub, builder, claimed, manager, kwargs)

    def _claim(self, sub: Any, builder: GroupBuilder, claimed: set[str], manager: BuildManager,
               kwargs: dict[str, Any]) -> None:
        """Construct the children of ``builder`` not claimed yet whose type (a link's: its target's) is the type of
        the unnamed sub-spec ``sub`` or a subtype, as its field (a list when it may be many)."""
        is_link = isinstance(sub, LinkSpec)
        want = sub.target_type if is_link else spec_type(sub)
        stored = () if is_link else (builder.groups if isinstance(sub, GroupSpec) else builder.datasets).values()
        found = []
        for cand in [*stored, *builder.links.values()]:
            if cand.name in claimed:
                continue
            target = manager.target_of(cand.target, cand) if isinstance(cand, LinkBuilder) else cand
            if target is None or (not is_link and isinstance(target, GroupBuilder) != isinstance(sub, GroupSpec)):
                continue
            ns_dt = self.type_map.builder_type(target)
            if ns_dt is not None and want is not None and self.type_map.is_subtype(ns_dt[0], ns_dt[1], want):
                claimed.add(cand.name)
                found.append(manager.construct_child(cand))
        if found:
            kwargs[self.attr_name(sub)] = found if sub.is_many() else found[0]

    def construct(self, builder: Builder, manager: BuildManager, cls: type) -> Any:
        """Instantiate ``cls`` from ``builder`` through its plain ``__init__``."""
        kwargs = self.construct_kwargs(builder, manager)
        pending = {k: v for k, v in kwargs.items()  # references to objects still under construction (cycles)
                   if isinstance(v, PendingRef) or isinstance(v, list) and any(isinstance(x, PendingRef) for x in v)}
        kwargs = {k: v for k, v in kwargs.items() if k not in pending}
        params = self._params.get(cls)
        if params is None:
            params = self._params[cls] = _init_params(cls)
        if "name" in params:
            kwargs["name"] = builder.name
        for f in self.fields():  # a read reports what is stored: spec defaults are for new objects
            if f.attr not in kwargs and f.attr in params and getattr(f.spec, "default_value", None) is not None:
                kwargs[f.attr] = None
        # values not read yet stay so in the fields the class reads on first use; the others are read now
        lazy_ok: frozenset[str] = getattr(cls, "deferred_fields", frozenset())
        now = {k: v for k, v in kwargs.items() if isinstance(v, Deferred) and not (k in lazy_ok and k in params)}
        if now:
            fetch_deferred(now.values())
            kwargs.update((k, v.get()) for k, v in now.items())
        call = {k: v for k, v in kwargs.items() if k in params}
        rest = {k: v for k, v in kwargs.items() if k not in params and v is not None}
        try:
            obj = cls(**call)
        except errors.HdmfZarrError as exc:
            raise errors.ConstructError(f"{builder.path}: cannot construct {cls.__name__}: {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise errors.ConstructError(f"{builder.path}: cannot construct {cls.__name__} from the stored fields "
                                        f"{sorted(call)}: {exc}") from exc
        declared = {a.name for a in self.spec.attributes}  # stored attributes the spec does not declare are kept
        extra = {k: v for k, v in builder.attributes.items()
                 if k not in declared and k not in _TYPE_ATTRIBUTES and _plain(v)}
        if extra and hasattr(obj, "extra_attributes"):
            obj.extra_attributes.update(extra)
        if pending:
            manager.defer(obj, pending)
        for k, v in rest.items():
            with suppress(AttributeError, errors.ContainerError, TypeError, ValueError):
                if getattr(obj, k, None) is None:
                    setattr(obj, k, v)
        return obj


def _kind(spec: Any) -> str:
    return ("attribute" if isinstance(spec, AttributeSpec) else "link" if isinstance(spec, LinkSpec)
            else "group" if isinstance(spec, GroupSpec) else "dataset")


_TYPE_ATTRIBUTES = frozenset({"namespace", "object_id", *TYPE_KEYS})


def _init_params(cls: type) -> frozenset[str]:
    """The parameter names ``cls(...)`` takes: read off a plain ``__init__``'s code object, as `inspect.signature`
    costs ~60 µs a class at a fresh process's first read."""
    init = getattr(cls, "__init__", None)
    code = getattr(init, "__code__", None)
    if code is None or hasattr(init, "__signature__") or hasattr(init, "__wrapped__") \
            or cls.__new__ is not object.__new__ or type(cls).__call__ is not type.__call__:
        return frozenset(inspect.signature(cls).parameters)
    n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS) \
        + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    return frozenset(code.co_varnames[1:n])


def _plain(value: Any) -> bool:
    """Whether an attribute value can be kept as is (no references to resolve)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return not isinstance(value, (Builder, ReferenceBuilder))


_SCALARS = (str, bytes, int, float, complex, _dt.date, np.generic)


def _fit_rank(spec: Any, value: Any, where: str) -> Any:
    """A single value given where the spec allows only arrays becomes a one-element array when a 1-D shape is allowed
    (as pynwb wraps ``file_create_date``): stored as a scalar, peers cannot read it. Other ranks are refused."""
    shapes = getattr(spec, "shapes", None)
    scalar = isinstance(value, _SCALARS) or (isinstance(value, np.ndarray) and value.ndim == 0)
    if not scalar or not shapes or any(len(s) == 0 for s in shapes):
        return value
    if any(len(s) == 1 for s in shapes):
        return value.reshape(1) if isinstance(value, np.ndarray) else [value]
    raise errors.BuildError(f"{where}: a single value {value!r} where the spec asks for an array of shape "
                            f"{' or '.join(map(str, shapes))} (None: any length)")


def _ndim(data: Any) -> int | None:
    """The rank of dataset data (None when it cannot be told without reading: ragged lists, iterators)."""
    if data is None or isinstance(data, (str, bytes)):
        return 0 if data is not None else None
    shape = getattr(data, "shape", None)
    if isinstance(shape, tuple):
        return len(shape)
    if isinstance(data, (list, tuple)):
        with suppress(ValueError, TypeError):
            return int(np.ndim(data))
    return None


def _typed_empty(container: Any, data: Any) -> tuple[Any, str | None]:
    """An empty numpy array and its spec dtype for a container that knows its element type (a table column with
    no rows yet); else ``(data, None)``."""
    np_dtype = getattr(container, "dtype", None)
    if not isinstance(np_dtype, np.dtype):
        return data, None
    spec_dtype = getattr(container, "spec_dtype", None)
    if not isinstance(spec_dtype, str):
        spec_dtype = np_dtype.name if np_dtype.kind in "biuf" else None
    row_shape = getattr(container, "row_shape", None)
    shape = row_shape() if callable(row_shape) else None
    return np.zeros((0, *(shape or ())), dtype=np_dtype), spec_dtype


# --- how sub-specs name container attributes (``DynamicTableRegion`` -> ``dynamic_table_region``), as hdmf does

@functools.cache
def snake_case(name: str) -> str:
    """``DynamicTableRegion`` -> ``dynamic_table_region``: ``_`` before each capitalised word (hdmf's
    ``(.)([A-Z][a-z]+)``), then between a lower-case letter or digit and a capital (``([a-z0-9])([A-Z])``),
    then lower case; scanned by hand, so a cold read compiles no regular expression."""
    out: list[str] = []
    i, n = 0, len(name)
    while i < n:  # (.)([A-Z][a-z]+) -> \1_\2, matches left to right without overlap
        if name[i] != "\n" and i + 2 < n and "A" <= name[i + 1] <= "Z" and "a" <= name[i + 2] <= "z":
            j = i + 3
            while j < n and "a" <= name[j] <= "z":
                j += 1
            out += (name[i], "_", name[i + 1:j])
            i = j
        else:
            out.append(name[i])
            i += 1
    first, out = "".join(out), []
    i, n = 0, len(first)
    while i < n:  # ([a-z0-9])([A-Z]) -> \1_\2
        c = first[i]
        if i + 1 < n and ("a" <= c <= "z" or "0" <= c <= "9") and "A" <= first[i + 1] <= "Z":
            out += (c, "_", first[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out).lower()


def identifier(name: str) -> str:
    """``name`` made a valid Python identifier (``x-y`` -> ``x_y``, ``class`` -> ``class_``, ``2d`` -> ``_2d``)."""
    out = name if name.isascii() and name.isidentifier() else re.sub(r"\W", "_", name)  # most need no regex
    if not out or out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


def default_attr_name(spec: Any) -> str:
    """The container attribute a sub-spec maps to: its name, else the (pluralised) snake_case type."""
    name = getattr(spec, "name", None)
    if name:
        return name
    dt = spec_type(spec) or getattr(spec, "target_type", None)
    if dt is None:
        raise ValueError(f"sub-spec {spec!r} has neither a name nor a type")
    base = snake_case(dt)  # plural as hdmf forms it (so generated classes take hdmf's keyword names)
    return base + "s" if spec.is_many() and not base.endswith("s") else base

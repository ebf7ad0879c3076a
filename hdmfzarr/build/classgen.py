"""Container classes generated from resolved specs (unregistered types): a subclass of the parent type's class with a
real ``__init__`` listing the spec's fields; a DynamicTable extension's named VectorData become ``columns_spec``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..container import Children, Container, Data, GroupView
from ..errors import ContainerError, ContainerTypeError
from ..spec.dtypes import STRING_DTYPES
from ..spec.model import AttributeSpec, GroupSpec, LinkSpec, canonical_spec_dtype, spec_type
from ..dataio import READS_HELD, Deferred, fetch_deferred

if TYPE_CHECKING:
    from .typemap import TypeMap

__all__ = ["generate_class"]

_P = inspect.Parameter


def generate_class(type_map: TypeMap, data_type: str, namespace: str) -> type:
    """A new container class for ``(namespace, data_type)`` built from its resolved spec."""
    spec = type_map.needed_spec(namespace, data_type, "a class")
    hier = type_map.hierarchy(namespace, data_type)
    root = Container if isinstance(spec, GroupSpec) else Data
    base = type_map.get_class(hier[1], namespace) if len(hier) > 1 else root
    mapper = type_map.mapper_class(base)(spec, type_map, namespace, data_type)
    base_params = list(inspect.signature(base).parameters.values())
    base_names = {p.name for p in base_params}

    columns, column_attrs = _predefined_columns(type_map, namespace, spec, base) if hasattr(base, "columns_spec") \
        else ([], set())

    own: list[Any] = []  # FieldInfo of fields new to this class
    fixed: dict[str, Any] = {}  # attribute fields with a fixed spec value
    fixed_inherited: dict[str, Any] = {}  # the base's fields this spec fixes: their value is the default
    for f in mapper.fields():
        is_fixed = isinstance(f.spec, AttributeSpec) and getattr(f.spec, "value", None) is not None
        if f.attr in base_names or f.attr in column_attrs or f.attr == "name":
            if is_fixed and f.attr in base_names:  # fixed here (ElectricalSeries' data unit 'volts'): not asked for
                fixed_inherited[f.attr] = f.spec.value
            continue
        if is_fixed:
            fixed[f.attr] = f.spec.value
        elif not any(o.attr == f.attr for o in own):
            own.append(f)

    fixed_name = spec.name
    params: list[inspect.Parameter] = []
    if fixed_name is None:  # defaulting to the spec's default_name, else the base class's default (if not None)
        bp = next((p for p in base_params if p.name == "name"), None)
        default = spec.default_name or (bp.default if bp is not None and bp.default is not None else _P.empty)
        params.append(_P("name", _P.POSITIONAL_OR_KEYWORD, default=default, annotation=str))
    var_kw = next((p for p in base_params if p.kind == _P.VAR_KEYWORD and p.name != "name"), None)
    inherited = [p.replace(kind=_P.POSITIONAL_OR_KEYWORD, default=fixed_inherited.get(p.name, p.default))
                 for p in base_params
                 if p.name != "name" and p.kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)]
    required = [p for p in inherited if p.default is _P.empty]
    optional = [p for p in inherited if p.default is not _P.empty]
    for f in own:
        ann, default = _annotation(f.spec), getattr(f.spec, "default_value", None)  # links and groups have none
        if f.required and default is None:
            required.append(_P(f.attr, _P.POSITIONAL_OR_KEYWORD, annotation=ann))
        else:
            optional.append(_P(f.attr, _P.POSITIONAL_OR_KEYWORD, default=default, annotation=ann))
    for c in columns:
        if c.name not in base_names:
            optional.append(_P(c.name, _P.KEYWORD_ONLY, default=None, annotation=Any))
    params += required + optional
    # a defaulted parameter followed by required ones: make everything after it keyword-only
    first_default = next((i for i, p in enumerate(params) if p.default is not _P.empty), None)
    if first_default is not None and any(p.default is _P.empty for p in params[first_default:]):
        params = params[: first_default + 1] + [p.replace(kind=_P.KEYWORD_ONLY) for p in params[first_default + 1:]]
    params.sort(key=lambda p: 1 if p.kind == _P.KEYWORD_ONLY else 0)
    if var_kw is not None:
        params.append(var_kw)
    sig = inspect.Signature(params)

    own_attrs = [f.attr for f in own]
    adopt = {f.attr for f in own if f.kind in ("dataset", "group")}
    required_names = [p.name for p in params if p.default is _P.empty and p.kind not in (_P.VAR_KEYWORD,)]
    column_names = {c.name for c in columns}
    label = f"{data_type} ({namespace})"
    base_init: Callable[..., None] = getattr(base, "__init__")  # noqa: B009 - the base class's, not an instance's

    aliases: dict[str, str] = {}  # filled below: a nested field's own name -> the field

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs = {aliases.get(k, k) if k not in sig.parameters else k: v for k, v in kwargs.items()}
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError as exc:
            nested = [p for k in kwargs if k not in sig.parameters for p in sig.parameters if p.endswith(f"__{k}")]
            hint = f" (fields of that name: {nested})" if nested else ""  # pynwb's unit= is data__unit here
            raise ContainerError(f"{label}: {exc}{hint}") from None
        missing = [n for n in required_names if n not in bound.arguments]
        if missing:
            raise ContainerError(f"{label}: missing required field(s) {missing}")
        bound.apply_defaults()
        args_ = dict(bound.arguments)
        base_kwargs: dict[str, Any] = dict(args_.pop(var_kw.name, None) or {}) if var_kw is not None else {}
        if fixed_name is not None and "name" in base_names:
            base_kwargs["name"] = fixed_name
        own_values: dict[str, Any] = {}
        for k, v in args_.items():
            if not (k in column_names and v is None):  # an unset predefined column is not created
                (base_kwargs if k in base_names or k in column_names else own_values)[k] = v
        base_init(self, **base_kwargs)
        for k, v in fixed.items():
            setattr(self, k, v)
        for k in own_attrs:
            v = own_values.get(k)
            setattr(self, k, v)
            if k in adopt and v is not None and hasattr(self, "_adopt"):
                for item in v if isinstance(v, (list, tuple)) else (v.values() if isinstance(v, dict) else [v]):
                    self._adopt(item)

    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [_P("self", _P.POSITIONAL_OR_KEYWORD), *sig.parameters.values()])
    __init__.__doc__ = f"Generated from the spec of {label}."
    __init__.__qualname__ = f"{data_type}.__init__"

    classdict: dict[str, Any] = {
        "__init__": __init__,
        "__doc__": spec.doc or f"Generated class for {label}.",
        "__module__": "hdmfzarr.generated",
        "data_type": data_type,
        "namespace": namespace,
        "_type_map": type_map,  # the map whose specs define it (a tree of these is written with it)
        "field_names": tuple(own_attrs) + tuple(k for k in fixed if k not in own_attrs),
        "__annotations__": {p.name: p.annotation for p in params if p.annotation is not _P.empty},
    }
    _add_paths_and_mappings(classdict, base, mapper, own, label)
    aliases.update(classdict["field_aliases"])
    if columns:  # (inherited columns are not among them)
        classdict["columns_spec"] = tuple(getattr(base, "columns_spec", ())) + tuple(columns)
    return type(data_type, (base,), classdict)


def _add_paths_and_mappings(classdict: dict[str, Any], base: type, mapper: Any, own: list[Any], label: str) -> None:
    """``field_paths`` (for ``container["a/b"]``), name-keyed ``Children`` for fields of many typed children and a
    read-only ``GroupView`` named after each top-level untyped group (``nwb.acquisition``)."""
    paths = classdict["field_paths"] = dict(getattr(base, "field_paths", {}) or {})
    datasets = classdict["field_datasets"] = dict(getattr(base, "field_datasets", {}) or {})
    for f in mapper.fields():
        if f.kind != "attribute":
            paths.setdefault(f.attr, tuple(f.path))
            if f.kind == "dataset" and not spec_type(f.spec) and getattr(f.spec, "name", None):
                datasets.setdefault(f.attr, f.spec.name)
    deferred = set(getattr(base, "deferred_fields", ()) or ())
    many: dict[str, str] = {}  # fields of many typed children -> the children's type
    for f in own:
        if f.kind == "dataset" and not spec_type(f.spec) and f.attr not in classdict:
            classdict[f.attr] = _deferred_property(f.attr)  # a stored scalar is read on first use
            deferred.add(f.attr)
        elif f.kind != "attribute" and f.spec.is_many() and (spec_type(f.spec) or isinstance(f.spec, LinkSpec)):
            classdict[f.attr] = _children_property(f.attr, f"{label} field {f.attr!r}")
            many[f.attr] = spec_type(f.spec) or f.spec.target_type
            for verb, method in _many_methods(f.attr, many[f.attr], label).items():
                classdict.setdefault(f"{verb}_{f.attr}", method)
    classdict["deferred_fields"] = frozenset(deferred)
    attrs = [f.attr for f in mapper.fields()]
    taken = set(classdict) | set(attrs) | set(dir(base))
    for top in dict.fromkeys(p[0] for p in paths.values() if p):
        if top.isidentifier() and top not in taken:
            classdict[top] = property(partial(GroupView, path=(top,)),
                                      doc=f"The objects stored under {top}/ by name (read-only).")
            below = {a: t for a, t in many.items() if paths[a] == (top,)}
            if below and f"add_{top}" not in taken:  # nwb.add_acquisition(ts), as pynwb users write
                classdict[f"add_{top}"] = _add_under(top, below, label)
    # a nested field is also reachable by its own name when no other field ends with it (nwb.electrodes for
    # general__extracellular_ephys__electrodes, ts.rate for starting_time__rate: the names pynwb users know)
    leaves: dict[str, list[str]] = {}
    for attr in attrs:
        if "__" in attr:
            leaves.setdefault(attr.rsplit("__", 1)[1], []).append(attr)
    aliases = dict(getattr(base, "field_aliases", {}) or {})
    for attr in attrs:  # a field of this type named like an inherited alias: the name is the field's again
        if aliases.pop(attr, None) is not None:
            classdict.setdefault(attr, None)  # (a plain class attribute hides the alias: the value is the object's)
    for leaf, [attr, *others] in leaves.items():
        if not others and leaf.isidentifier() and leaf not in taken and leaf not in classdict:
            classdict[leaf] = property(attrgetter(attr),
                                       lambda self, value, a=attr: setattr(self, a, value),  # type: ignore[misc]
                                       doc=f"The field {attr!r}, by its own name.")
            aliases[leaf] = attr
    classdict["field_aliases"] = aliases  # (the constructor takes them too)


def _deferred_property(attr: str) -> property:
    """A field whose stored value may be read on first use, with every other unread value of the object (one
    concurrent wave: one round trip per object, not per field)."""

    def get(self: Any) -> Any:
        state = self.__dict__
        value = state.get(attr)
        if isinstance(value, Deferred):
            if not value.done and READS_HELD.get():
                return value
            waiting = {k: v for k, v in state.items() if isinstance(v, Deferred)}
            fetch_deferred(waiting.values())
            for k, v in waiting.items():
                state[k] = v.get()
            value = state[attr]
        return value

    def set_(self: Any, value: Any) -> None:
        self.__dict__[attr] = value

    return property(get, set_, doc=f"The stored {attr!r} (read on first use).")


def _children_property(attr: str, where: str) -> property:
    def set_(self: Any, value: Any) -> None:
        self.__dict__[attr] = Children.of(value, where)

    return property(lambda self: self.__dict__.get(attr), set_, doc=f"{where}: typed children by name.")


def _many_methods(attr: str, child_type: str, label: str) -> dict[str, Callable[..., Any]]:
    """hdmf's methods for a field of many typed children (its MultiContainerInterface): ``add_<attr>`` (one, a list
    or a dict; an orphan gets this parent), ``get_<attr>`` (by name, or the only one) and ``create_<attr>``."""
    where = f"{label} field {attr!r}"

    def child_class(self: Any) -> type:
        return type(self)._type_map.get_class(child_type, type(self).namespace)

    def add(self: Any, containers: Any) -> Any:
        items = containers.values() if isinstance(containers, dict) else \
            containers if isinstance(containers, (list, tuple)) else [containers]
        cls = child_class(self)
        for child in items:
            if not isinstance(child, cls):
                raise ContainerTypeError(f"{where}: expected {child_type}, got {type(child).__name__}")
        if getattr(self, attr) is None:
            setattr(self, attr, [])
        for child in items:
            getattr(self, attr).add(child, where)
            self._adopt(child)
        self.set_modified()
        return containers

    def get(self: Any, name: str | None = None) -> Any:
        held = getattr(self, attr) or {}
        if name is None:
            if len(held) != 1:
                raise ContainerError(f"{where} of {self.name!r}: "
                                     + (f"holds {len(held)} objects; give a name" if held else "is empty"))
            return next(iter(held.values()))
        if name not in held:
            raise KeyError(f"{name!r} not found in {attr} of {type(self).__name__} {self.name!r}")
        return dict.__getitem__(held, name)

    def create(self: Any, **kwargs: Any) -> Any:
        return add(self, child_class(self)(**kwargs))

    return {"add": add, "get": get, "create": create}


def _add_under(top: str, fields: dict[str, str], label: str) -> Callable[..., Any]:
    """``add_<top>(child)``: the child added to the one field directly under the untyped group ``top`` whose type
    it is (``nwb.add_acquisition(ts)`` puts a TimeSeries among the NWBDataInterfaces, a table among the tables)."""

    def add(self: Any, child: Any) -> Any:
        tm, ns = type(self)._type_map, type(self).namespace
        fits = [a for a, t in fields.items() if isinstance(child, tm.get_class(t, ns))]
        if len(fits) != 1:
            held = ", ".join(f"{a} ({t})" for a, t in fields.items())
            raise ContainerTypeError(f"{label}: {top}/ holds {held}; a {type(child).__name__} fits "
                                     + (f"{' and '.join(fits)}: call add_<field>" if fits else "none of them"))
        return getattr(self, f"add_{fits[0]}")(child)

    add.__doc__ = f"Add a child under {top}/ to the field of its type ({', '.join(fields)})."
    return add


def _annotation(spec: Any) -> Any:
    """``str`` for a scalar text field, else ``Any``."""
    if isinstance(spec, LinkSpec) or spec_type(spec) is not None:
        return Any
    dt = canonical_spec_dtype(getattr(spec, "dtype", None))
    return str if dt in STRING_DTYPES and not getattr(spec, "shape", None) else Any


def _predefined_columns(type_map: TypeMap, namespace: str, spec: Any, base: type) -> tuple[list[Any], set[str]]:
    """ColumnInfo for the named VectorData sub-datasets of a DynamicTable extension spec."""
    from ..common.table import ColumnInfo

    named = [d for d in spec.datasets if d.name and spec_type(d)]
    by_name = {d.name: d for d in named}
    out: list[Any] = []
    attrs: set[str] = set()
    inherited = {c.name for c in getattr(base, "columns_spec", ())}
    for d in named:
        dt = spec_type(d)
        if dt is None or not type_map.is_subtype(namespace, dt, "VectorData"):
            continue
        attrs.add(d.name)
        if d.name in inherited or (d.name.endswith("_index") and d.name[: -len("_index")] in by_name):
            continue  # inherited, or the index of another column (declared through that column's ``index``)
        depth = 0  # how many levels of <name>_index the table holds
        while d.name + "_index" * (depth + 1) in by_name:
            depth += 1
        index: Any = True if depth == 1 else depth or False
        table = type_map.is_subtype(namespace, dt, "DynamicTableRegion")
        out.append(ColumnInfo(name=d.name, description=d.doc or "", required=d.required, index=index, table=table,
                              col_cls=type_map.get_class(dt, namespace)))
    return out, attrs

"""The typed, immutable model of the HDMF schema language 2.x.

Specs are frozen dataclasses compared by value. Constructors validate and normalise their input
(dtype aliases -> canonical names, lists -> tuples, quantity flags -> '?', '*', '+') and raise
SpecError naming the type and key at fault. Each sub-spec knows its enclosing spec as `parent`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Union

from ..errors import SpecError
from .dtypes import canonical_dtype

__all__ = [
    "ZERO_OR_ONE", "ZERO_OR_MANY", "ONE_OR_MANY", "QUANTITY_FLAGS",
    "RefSpec", "DtypeSpec", "AttributeSpec", "DatasetSpec", "GroupSpec", "LinkSpec",
    "Spec", "Dtype", "Quantity", "TYPE_KEYS", "declared_type", "spec_type", "is_ref_dtype", "is_compound_dtype",
]

ZERO_OR_ONE = "?"
ZERO_OR_MANY = "*"
ONE_OR_MANY = "+"
#: long spellings of the quantity flags
QUANTITY_FLAGS: dict[str, str] = {
    "zero_or_one": ZERO_OR_ONE, "zero_or_many": ZERO_OR_MANY, "one_or_many": ONE_OR_MANY,
    ZERO_OR_ONE: ZERO_OR_ONE, ZERO_OR_MANY: ZERO_OR_MANY, ONE_OR_MANY: ONE_OR_MANY,
}
REFTYPES = ("object", "region")
#: the two spellings of the type keys (hdmf-common's ``data_type``, NWB's ``neurodata_type``)
TYPE_KEYS = ("data_type", "neurodata_type")

Quantity = Union[int, str]


def _error(msg: str, label: str | None, key: str | None) -> SpecError:
    """A SpecError naming the type and key (the loader re-raises it with file and line)."""
    return SpecError(msg, data_type=label, key=key)


def _freeze(value: Any) -> Any:
    """Lists -> tuples, recursively, so that specs holding values stay hashable."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _put_shape_and_values(d: dict[str, Any], spec: Any) -> None:
    """Add the ``dims``/``shape``/``value``/``default_value`` an attribute or dataset spec sets."""
    for key in ("dims", "shape", "value", "default_value"):
        v = getattr(spec, key)
        if v is not None:
            d[key] = _thaw(v)


def _thaw(value: Any) -> Any:
    """Tuples -> lists, recursively, for the YAML/JSON form."""
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def _check_str(value: Any, label: str | None, key: str, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise _error(f"{key} must be a string, got {type(value).__name__} {value!r}", label, key)


def _check_name(value: Any, label: str | None, key: str) -> None:
    _check_str(value, label, key)
    if value is not None and ("/" in value or not value):
        raise _error(f"{key} {value!r} is invalid: it must be non-empty and contain no '/'", label, key)


def _norm_quantity(qty: Any, name: str | None, label: str | None) -> Quantity:
    """Normalise a quantity to an int >= 1 or one of '?', '*', '+'."""
    if isinstance(qty, str):
        if qty in QUANTITY_FLAGS:
            q: Quantity = QUANTITY_FLAGS[qty]
        elif qty.isdigit():
            q = int(qty)
        else:
            q = -1
    elif isinstance(qty, int) and not isinstance(qty, bool):
        q = qty
    else:
        q = -1
    if q == -1 or (isinstance(q, int) and q < 1):
        raise _error(
            f"invalid quantity {qty!r}: expected an integer >= 1 or one of "
            "'?', '*', '+', 'zero_or_one', 'zero_or_many', 'one_or_many'", label, "quantity")
    if name is not None and q not in (1, ZERO_OR_ONE):
        raise _error(f"a spec with a fixed name ({name!r}) can only have quantity 1 or '?', got {qty!r}",
                     label, "quantity")
    return q


def _norm_shape(shape: Any, label: str | None) -> tuple | None:
    """Normalise a shape: None, a tuple of (int | None), or a tuple of such tuples (several allowed shapes)."""
    if shape is None:
        return None
    if not isinstance(shape, (list, tuple)) or not shape:
        raise _error(f"shape must be a non-empty list, got {shape!r}", label, "shape")
    if all(isinstance(s, (list, tuple)) for s in shape):
        return tuple(_norm_shape_one(s, label) for s in shape)
    return _norm_shape_one(shape, label)


def _norm_shape_one(shape: Any, label: str | None) -> tuple:
    for s in shape:
        if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 0):
            raise _error(f"shape entries must be null or integers >= 0, got {shape!r}", label, "shape")
    return tuple(shape)


def _norm_dims(dims: Any, label: str | None) -> tuple | None:
    """Normalise dims: None, a tuple of str, or a tuple of such tuples."""
    if dims is None:
        return None
    if not isinstance(dims, (list, tuple)) or not dims:
        raise _error(f"dims must be a non-empty list, got {dims!r}", label, "dims")
    if all(isinstance(d, (list, tuple)) for d in dims):
        return tuple(_norm_dims(d, label) for d in dims)  # type: ignore[misc]
    if not all(isinstance(d, str) for d in dims):
        raise _error(f"dims entries must be strings, got {dims!r}", label, "dims")
    return tuple(dims)


def _is_multi(x: tuple | None) -> bool:
    return x is not None and bool(x) and isinstance(x[0], tuple)


def _check_shape_dims(shape: tuple | None, dims: tuple | None, label: str | None) -> None:
    if shape is None or dims is None:
        return
    shapes = shape if _is_multi(shape) else (shape,)
    dimss = dims if _is_multi(dims) else (dims,)
    if len(shapes) != len(dimss) or any(len(s) != len(d) for s, d in zip(shapes, dimss)):
        raise _error(f"dims {_thaw(dims)!r} and shape {_thaw(shape)!r} do not match in length", label, "dims")


def _norm_dtype(dtype: Any, label: str | None, *, compound: bool) -> Any:
    """Normalise a dtype: canonical str, RefSpec, or (if allowed) a tuple of DtypeSpec."""
    if dtype is None or isinstance(dtype, RefSpec):
        return dtype
    if isinstance(dtype, str):
        try:
            return canonical_dtype(dtype)
        except SpecError as e:
            raise _error(e.detail, label, "dtype") from None
    if isinstance(dtype, dict):
        return RefSpec.from_dict(dtype, label=label)
    if isinstance(dtype, (list, tuple)):
        if not compound:
            raise _error("a compound dtype is only allowed on datasets", label, "dtype")
        if not dtype:
            raise _error("a compound dtype needs at least one field", label, "dtype")
        fields = []
        for f in dtype:
            if isinstance(f, dict):
                f = DtypeSpec.from_dict(f, label=label)
            if not isinstance(f, DtypeSpec):
                raise _error(f"compound dtype fields must be DtypeSpec, got {type(f).__name__}", label, "dtype")
            fields.append(f)
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise _error(f"compound dtype has duplicate field names {names}", label, "dtype")
        return tuple(fields)
    raise _error(f"dtype must be a string, a reference or a list of fields, got {dtype!r}", label, "dtype")


def _dtype_to_dict(dtype: Any) -> Any:
    if isinstance(dtype, RefSpec):
        return dtype.to_dict()
    if isinstance(dtype, tuple):
        return [f.to_dict() for f in dtype]
    return dtype


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, slots=True)
class RefSpec:
    """A reference dtype: `{target_type: X, reftype: object}`."""

    target_type: str
    reftype: str = "object"

    def __post_init__(self) -> None:
        _check_str(self.target_type, None, "target_type", optional=False)
        if self.reftype not in REFTYPES:
            raise _error(f"reftype must be one of {REFTYPES}, got {self.reftype!r}", self.target_type, "reftype")

    @classmethod
    def from_dict(cls, d: dict, *, label: str | None = None) -> "RefSpec":
        """Build from the YAML form, rejecting unknown keys."""
        extra = set(d) - {"target_type", "reftype"}
        if extra or "target_type" not in d:
            raise _error(f"a reference dtype needs 'target_type' and 'reftype' only, got keys {sorted(d)}",
                         label, "dtype")
        return cls(d["target_type"], d.get("reftype", "object"))

    def to_dict(self) -> dict:
        """The YAML/JSON form."""
        return {"target_type": self.target_type, "reftype": self.reftype}


@dataclass(frozen=True, slots=True)
class DtypeSpec:
    """One field of a compound dtype."""

    name: str
    doc: str
    dtype: Any

    def __post_init__(self) -> None:
        _check_str(self.name, None, "name", optional=False)
        _check_str(self.doc, self.name, "doc", optional=False)
        if self.dtype is None:
            raise _error(f"compound field {self.name!r} needs a dtype", self.name, "dtype")
        _set(self, "dtype", _norm_dtype(self.dtype, self.name, compound=False))

    @classmethod
    def from_dict(cls, d: dict, *, label: str | None = None) -> "DtypeSpec":
        """Build from the YAML form, rejecting unknown keys."""
        extra = set(d) - {"name", "doc", "dtype"}
        if extra or not {"name", "doc", "dtype"} <= set(d):
            raise _error(f"a compound dtype field needs exactly 'name', 'doc', 'dtype', got keys {sorted(d)}",
                         label, "dtype")
        return cls(d["name"], d["doc"], d["dtype"])

    @property
    def is_ref(self) -> bool:
        """True if the field holds references."""
        return is_ref_dtype(self.dtype)

    def to_dict(self) -> dict:
        """The YAML/JSON form."""
        return {"name": self.name, "doc": self.doc, "dtype": _dtype_to_dict(self.dtype)}


class _Sub:
    """Shared behaviour of specs that sit inside a group (parent pointer, quantity helpers)."""

    __slots__ = ()

    def _adopt(self, child: Any) -> Any:
        """Return `child` with its parent set to self (a value-equal copy if it already has another parent)."""
        if child.parent is None:
            _set(child, "parent", self)
            return child
        if child.parent is self:
            return child
        copy = dataclasses.replace(child)
        _set(copy, "parent", self)
        return copy

    def is_many(self) -> bool:
        """True if more than one instance may exist ('*', '+' or an integer > 1)."""
        q = self.quantity  # type: ignore[attr-defined]
        return q in (ZERO_OR_MANY, ONE_OR_MANY) or (isinstance(q, int) and q > 1)

    @property
    def required(self) -> bool:
        """True if at least one instance must exist."""
        return self.quantity not in (ZERO_OR_ONE, ZERO_OR_MANY)  # type: ignore[attr-defined]

    @property
    def is_required(self) -> bool:
        """True if the object must be present (quantity at least one); same question as on AttributeSpec."""
        return self.required

    @property
    def min_count(self) -> int:
        """The least number of instances allowed."""
        q = self.quantity  # type: ignore[attr-defined]
        return q if isinstance(q, int) else (1 if q == ONE_OR_MANY else 0)

    @property
    def max_count(self) -> int | None:
        """The largest number of instances allowed (None: unbounded)."""
        q = self.quantity  # type: ignore[attr-defined]
        return q if isinstance(q, int) else (1 if q == ZERO_OR_ONE else None)


def _shape_helpers(shape: tuple | None) -> tuple[tuple, ...] | None:
    if shape is None:
        return None
    return shape if _is_multi(shape) else (shape,)


@dataclass(frozen=True, slots=True, repr=False)
class AttributeSpec:
    """An attribute of a group or dataset."""

    name: str
    doc: str
    dtype: Any
    shape: Any = None
    dims: Any = None
    required: bool = True
    value: Any = None
    default_value: Any = None
    parent: Any = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        _check_name(self.name, None, "name")
        label = self.name
        if self.name is None:
            raise _error("an attribute needs a name", None, "name")
        _check_str(self.doc, label, "doc", optional=False)
        if self.dtype is None:
            raise _error(f"attribute {self.name!r} needs a dtype", label, "dtype")
        _set(self, "dtype", _norm_dtype(self.dtype, label, compound=False))
        _set(self, "shape", _norm_shape(self.shape, label))
        _set(self, "dims", _norm_dims(self.dims, label))
        _check_shape_dims(self.shape, self.dims, label)
        if not isinstance(self.required, bool):
            raise _error(f"required must be true or false, got {self.required!r}", label, "required")
        if self.value is not None and self.default_value is not None:
            raise _error("cannot have both 'value' and 'default_value'", label, "value")
        _set(self, "value", _freeze(self.value))
        _set(self, "default_value", _freeze(self.default_value))

    def __repr__(self) -> str:
        return f"AttributeSpec(name={self.name!r}, dtype={self.dtype!r})"

    @property
    def is_required(self) -> bool:
        """True if a value must be given: required, and not fixed by the spec's ``value``."""
        return self.required and self.value is None

    @property
    def shapes(self) -> tuple[tuple, ...] | None:
        """The allowed shapes as a tuple of shapes (None: any, i.e. scalar unless given)."""
        return _shape_helpers(self.shape)

    def to_dict(self, type_key: str = "data_type") -> dict:
        """The YAML/JSON form (defaults left out)."""
        d: dict[str, Any] = {"name": self.name, "doc": self.doc, "dtype": _dtype_to_dict(self.dtype)}
        _put_shape_and_values(d, self)
        if not self.required:
            d["required"] = False
        return d


class _Storage(_Sub):
    """Shared behaviour of DatasetSpec and GroupSpec."""

    __slots__ = ()

    @property
    def data_type(self) -> str | None:
        """The type this spec defines, else the type it includes."""
        return self.data_type_def or self.data_type_inc  # type: ignore[attr-defined]

    @property
    def label(self) -> str | None:
        """A human name for error messages: the defined type, else the name, else the included type."""
        return self.data_type_def or self.name or self.data_type_inc  # type: ignore[attr-defined]

    def _check_common(self) -> None:
        label = self.label
        _check_str(self.doc, label, "doc", optional=False)  # type: ignore[attr-defined]
        _check_name(self.name, label, "name")  # type: ignore[attr-defined]
        _check_name(self.default_name, label, "default_name")  # type: ignore[attr-defined]
        _check_str(self.data_type_def, label, "data_type_def")  # type: ignore[attr-defined]
        _check_str(self.data_type_inc, label, "data_type_inc")  # type: ignore[attr-defined]
        if self.name is None and self.data_type is None:  # type: ignore[attr-defined]
            raise _error("a group or dataset spec needs a name, a data_type_def or a data_type_inc",
                         label, "name")
        if self.data_type_def is not None and self.data_type_def == self.data_type_inc:  # type: ignore
            raise _error(f"type {self.data_type_def!r} cannot include itself", label,  # type: ignore[attr-defined]
                         "data_type_inc")
        if not isinstance(self.linkable, bool):  # type: ignore[attr-defined]
            raise _error(f"linkable must be true or false, got {self.linkable!r}", label, "linkable")  # type: ignore
        _set(self, "quantity", _norm_quantity(self.quantity, self.name, label))  # type: ignore[attr-defined]
        _set(self, "attributes", self._children(self.attributes, AttributeSpec, "attributes"))  # type: ignore

    def _children(self, items: Any, cls: type[Any], key: str) -> tuple:
        if items is None:
            return ()
        if not isinstance(items, (list, tuple)):
            raise _error(f"{key} must be a list, got {type(items).__name__}", self.label, key)
        out = []
        names: set[str] = set()
        for item in items:
            if not isinstance(item, cls):
                raise _error(f"{key} must hold {cls.__name__} objects, got {type(item).__name__}",
                             self.label, key)
            if item.name is not None:
                if item.name in names:
                    raise _error(f"duplicate name {item.name!r} in {key}", self.label, key)
                names.add(item.name)
            out.append(self._adopt(item))
        return tuple(out)

    def _index(self) -> dict:
        idx = self._by_name  # type: ignore[attr-defined]
        if idx is None:
            idx = {}
            for kind in ("attributes", "datasets", "groups", "links"):
                for s in getattr(self, kind, ()):
                    if s.name is not None:
                        idx[(kind, s.name)] = s
            _set(self, "_by_name", idx)
        return idx

    def get_attribute(self, name: str) -> AttributeSpec | None:
        """The attribute spec called `name`, or None."""
        return self._index().get(("attributes", name))

    def _base_dict(self, type_key: str) -> dict:
        d: dict[str, Any] = {}
        if self.data_type_def is not None:  # type: ignore[attr-defined]
            d[f"{type_key}_def"] = self.data_type_def  # type: ignore[attr-defined]
        if self.data_type_inc is not None:  # type: ignore[attr-defined]
            d[f"{type_key}_inc"] = self.data_type_inc  # type: ignore[attr-defined]
        if self.name is not None:  # type: ignore[attr-defined]
            d["name"] = self.name  # type: ignore[attr-defined]
        if self.default_name is not None:  # type: ignore[attr-defined]
            d["default_name"] = self.default_name  # type: ignore[attr-defined]
        d["doc"] = self.doc  # type: ignore[attr-defined]
        return d

    def _tail_dict(self, d: dict, type_key: str) -> dict:
        if self.quantity != 1:  # type: ignore[attr-defined]
            d["quantity"] = self.quantity  # type: ignore[attr-defined]
        if not self.linkable:  # type: ignore[attr-defined]
            d["linkable"] = False
        if self.attributes:  # type: ignore[attr-defined]
            d["attributes"] = [a.to_dict(type_key) for a in self.attributes]  # type: ignore[attr-defined]
        return d


@dataclass(frozen=True, slots=True, repr=False)
class DatasetSpec(_Storage):
    """A dataset: a typed or named n-dimensional array (or scalar) with attributes."""

    doc: str
    dtype: Any = None
    name: str | None = None
    default_name: str | None = None
    shape: Any = None
    dims: Any = None
    attributes: tuple[AttributeSpec, ...] = ()
    data_type_def: str | None = None
    data_type_inc: str | None = None
    quantity: Quantity = 1
    linkable: bool = True
    value: Any = None
    default_value: Any = None
    parent: Any = field(default=None, init=False, compare=False)
    _by_name: Any = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        self._check_common()
        label = self.label
        _set(self, "dtype", _norm_dtype(self.dtype, label, compound=True))
        _set(self, "shape", _norm_shape(self.shape, label))
        _set(self, "dims", _norm_dims(self.dims, label))
        _check_shape_dims(self.shape, self.dims, label)
        if self.value is not None and self.default_value is not None:
            raise _error("cannot have both 'value' and 'default_value'", label, "value")
        _set(self, "value", _freeze(self.value))
        _set(self, "default_value", _freeze(self.default_value))

    def __repr__(self) -> str:
        return (f"DatasetSpec(data_type_def={self.data_type_def!r}, data_type_inc={self.data_type_inc!r}, "
                f"name={self.name!r}, dtype={self.dtype!r})")

    @property
    def shapes(self) -> tuple[tuple, ...] | None:
        """The allowed shapes as a tuple of shapes (None: unconstrained)."""
        return _shape_helpers(self.shape)

    @property
    def is_compound(self) -> bool:
        """True if the dtype is a compound (a tuple of DtypeSpec)."""
        return is_compound_dtype(self.dtype)

    @property
    def is_ref(self) -> bool:
        """True if the dataset holds references."""
        return is_ref_dtype(self.dtype)

    def to_dict(self, type_key: str = "data_type") -> dict:
        """The YAML/JSON form (defaults left out); `type_key` is 'data_type' or 'neurodata_type'."""
        d = self._base_dict(type_key)
        if self.dtype is not None:
            d["dtype"] = _dtype_to_dict(self.dtype)
        _put_shape_and_values(d, self)
        return self._tail_dict(d, type_key)


@dataclass(frozen=True, slots=True, repr=False)
class LinkSpec(_Sub):
    """A link to an object of `target_type`."""

    doc: str
    target_type: str
    quantity: Quantity = 1
    name: str | None = None
    parent: Any = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        label = self.name or self.target_type
        _check_str(self.doc, label, "doc", optional=False)
        _check_str(self.target_type, label, "target_type", optional=False)
        _check_name(self.name, label, "name")
        _set(self, "quantity", _norm_quantity(self.quantity, self.name, label))

    def __repr__(self) -> str:
        return f"LinkSpec(name={self.name!r}, target_type={self.target_type!r})"

    @property
    def data_type(self) -> str:
        """The target type (links have no type of their own)."""
        return self.target_type

    def to_dict(self, type_key: str = "data_type") -> dict:
        """The YAML/JSON form."""
        d: dict[str, Any] = {}
        if self.name is not None:
            d["name"] = self.name
        d["doc"] = self.doc
        d["target_type"] = self.target_type
        if self.quantity != 1:
            d["quantity"] = self.quantity
        return d


@dataclass(frozen=True, slots=True, repr=False)
class GroupSpec(_Storage):
    """A group: attributes plus sub-datasets, sub-groups and links."""

    doc: str
    name: str | None = None
    default_name: str | None = None
    data_type_def: str | None = None
    data_type_inc: str | None = None
    quantity: Quantity = 1
    linkable: bool = True
    attributes: tuple[AttributeSpec, ...] = ()
    datasets: tuple[DatasetSpec, ...] = ()
    groups: tuple["GroupSpec", ...] = ()
    links: tuple[LinkSpec, ...] = ()
    parent: Any = field(default=None, init=False, compare=False)
    _by_name: Any = field(default=None, init=False, compare=False)

    def __post_init__(self) -> None:
        self._check_common()
        _set(self, "datasets", self._children(self.datasets, DatasetSpec, "datasets"))
        _set(self, "groups", self._children(self.groups, GroupSpec, "groups"))
        _set(self, "links", self._children(self.links, LinkSpec, "links"))
        seen: set[str] = set()
        for kind in ("datasets", "groups", "links"):
            for s in getattr(self, kind):
                if s.name is not None:
                    if s.name in seen:
                        raise _error(f"name {s.name!r} is used by more than one sub-spec", self.label, kind)
                    seen.add(s.name)

    def __repr__(self) -> str:
        return (f"GroupSpec(data_type_def={self.data_type_def!r}, data_type_inc={self.data_type_inc!r}, "
                f"name={self.name!r})")

    def get_dataset(self, name: str) -> DatasetSpec | None:
        """The sub-dataset spec called `name`, or None."""
        return self._index().get(("datasets", name))

    def get_group(self, name: str) -> "GroupSpec | None":
        """The sub-group spec called `name`, or None."""
        return self._index().get(("groups", name))

    def get_link(self, name: str) -> LinkSpec | None:
        """The link spec called `name`, or None."""
        return self._index().get(("links", name))

    def get_data_type(self, data_type: str) -> list["DatasetSpec | GroupSpec"]:
        """The sub-datasets and sub-groups whose data type (def or inc) is `data_type`."""
        return [s for s in self.datasets + self.groups if s.data_type == data_type]  # type: ignore[operator]

    def to_dict(self, type_key: str = "data_type") -> dict:
        """The YAML/JSON form (defaults left out); `type_key` is 'data_type' or 'neurodata_type'."""
        d = self._tail_dict(self._base_dict(type_key), type_key)
        if self.datasets:
            d["datasets"] = [s.to_dict(type_key) for s in self.datasets]
        if self.groups:
            d["groups"] = [s.to_dict(type_key) for s in self.groups]
        if self.links:
            d["links"] = [s.to_dict(type_key) for s in self.links]
        return d


Spec = Union[GroupSpec, DatasetSpec]
Dtype = Union[str, RefSpec, tuple]


def spec_type(spec: Any) -> str | None:
    """The data type a (sub-)spec stands for (``data_type_def``, else ``data_type_inc``); None for
    untyped groups/datasets, links and attributes."""
    return spec.data_type if isinstance(spec, _Storage) else None


def is_ref_dtype(dtype: Any) -> bool:
    """True for a reference dtype (a RefSpec)."""
    return isinstance(dtype, RefSpec)


def is_compound_dtype(dtype: Any) -> bool:
    """True for a compound dtype (a sequence of DtypeSpec fields)."""
    return isinstance(dtype, (list, tuple))


def declared_type(attrs: Any) -> tuple[str | None, str] | None:
    """``(namespace or None, data type)`` an object's stored attributes declare under either type key
    (bytes decoded, as HDF5 may store them); None for an untyped object."""
    for key in TYPE_KEYS:
        dt = attrs.get(key)
        if dt is not None:
            ns = attrs.get("namespace")
            return (None if ns is None else _decoded(ns)), _decoded(dt)
    return None


def _decoded(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if getattr(value, "shape", None) == ():
        return _decoded(value[()])
    return str(value)

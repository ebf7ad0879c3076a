"""The HDMF schema language 2.x: specs are dicts of their YAML keys (as in hdmf); each class's field table
(``_FIELDS``) drives its constructor, ``from_dict`` and copies. Bad values raise SpecError naming type and key.
Inheritance (at the end, `Merger`) merges a type's spec with its ancestors', for a NamespaceCatalog and for hdmf's
in-place ``resolve_inc_spec`` alike."""

from __future__ import annotations

import contextlib
import contextvars
import copy as _copy
import functools
import warnings
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, Callable, Iterator, Sequence

from .. import errors
from .dtypes import DTYPE_CHOICES, canonical_dtype, is_known_dtype, is_sub_dtype

__all__ = [
    "ZERO_OR_ONE", "ZERO_OR_MANY", "ONE_OR_MANY", "QUANTITY_FLAGS", "DEF_QUANTITY",
    "RefSpec", "DtypeSpec", "AttributeSpec", "DatasetSpec", "GroupSpec", "LinkSpec", "BaseStorageSpec",
    "Spec", "Quantity", "canonical_spec_dtype", "spec_type", "is_ref_dtype", "is_compound_dtype", "TYPE_KEYS",
    "declared_type", "alternatives", "quantity_bounds", "shape_fits", "type_refs", "plain",
    "Merger",
]

ZERO_OR_ONE, ZERO_OR_MANY, ONE_OR_MANY = "?", "*", "+"
DEF_QUANTITY = 1
#: the quantity flags and their long spellings
QUANTITY_FLAGS: dict[str, str] = {"zero_or_one": ZERO_OR_ONE, "zero_or_many": ZERO_OR_MANY, "one_or_many": ONE_OR_MANY,
                                  **{flag: flag for flag in (ZERO_OR_ONE, ZERO_OR_MANY, ONE_OR_MANY)}}
REFTYPES = ("object", "region")
#: the two spellings of the type keys (hdmf-common's ``data_type``, NWB's ``neurodata_type``)
TYPE_KEYS = ("data_type", "neurodata_type")

Quantity = int | str

#: constructors fill placeholder dims/shape (as hdmf's do) except under `as_written` (specs hold what files say)
_FILL_DIMS: contextvars.ContextVar[bool] = contextvars.ContextVar("hdmfzarr_fill_dims", default=True)


class as_written:  # noqa: N801 - used as a function: ``with as_written():``
    """Build specs exactly as given (no placeholder dims/shape) inside this block (a class, not a generator-based
    context manager: ~3 us less for each of the ~15 uses of a cold table read)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _FILL_DIMS.set(False)

    def __exit__(self, *exc: object) -> None:
        _FILL_DIMS.reset(self._token)


def _error(msg: str, label: str | None = None, key: str | None = None) -> errors.SpecError:
    """A SpecError with hdmf's message, carrying the type and key (the YAML loader adds file and line)."""
    err = errors.SpecError(msg)
    err.data_type, err.key = label, key
    return err


def plain(value: Any, type_key: str = "data_type") -> Any:
    """Tuples -> lists, specs -> their dicts (type keys spelled `type_key`), recursively: the YAML/JSON form."""
    if isinstance(value, _Dict):
        return value.to_dict(type_key)
    if isinstance(value, dict):
        return {k: plain(v, type_key) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v, type_key) for v in value]
    return value


def _is_multi(x: Any) -> bool:
    return bool(x) and isinstance(x[0], (tuple, list))


# field checks: each takes (value, label, key) and returns the value to keep, or raises SpecError (a None value of a
# field whose default is None is not checked)
def _must(ok: Callable[[Any], bool], what: str, typed: bool = False) -> Callable[[Any, str | None, str], Any]:
    """A field check: the value if ``ok(value)``, else SpecError '<key> must be <what>, got <value>'."""
    def check(value: Any, label: str | None, key: str) -> Any:
        if not ok(value):
            got = f"{type(value).__name__} {value!r}" if typed else repr(value)
            raise _error(f"{key} must be {what}, got {got}", label, key)
        return value

    return check


# (C-level predicates: no Python frame per check; str.__instancecheck__(v) is isinstance(v, str))
_text = _must(str.__instancecheck__, "a string", typed=True)
_flag = _must(bool.__instancecheck__, "true or false")
_reftype = _must(REFTYPES.__contains__, f"one of {', '.join(REFTYPES)}")


def _storage_name(value: Any, label: str | None, key: str) -> Any:
    """A group/dataset name or default name: a string without '/', not empty."""
    if "/" in _text(value, label, key) or not value:
        what = "Name" if key == "name" else "Default name"
        raise _error(f"{what} {value!r} is invalid. Names of Groups and Datasets cannot contain '/'"
                     + ("" if value else " and cannot be empty"))
    return value


def _member_name(value: Any, label: str | None, key: str) -> Any:
    """A link's or an attribute's name: a non-empty string without '/'."""
    if not _text(value, label, key) or "/" in value:
        raise _error(f"name {value!r} is invalid: it must be non-empty and contain no '/'", label, "name")
    return value


def quantity_bounds(qty: Quantity) -> tuple[int, int | None]:
    """(least, most) instances a quantity allows (most None: unbounded); the one home of the quantity rule."""
    if isinstance(qty, str):
        flag = QUANTITY_FLAGS.get(qty)
        return (1 if flag == ONE_OR_MANY else 0), (1 if flag == ZERO_OR_ONE else None)
    return qty, qty


def _quantity(qty: Any, label: str | None, key: str = "quantity") -> Quantity:
    """An int >= 1 or a quantity flag (kept as spelled); numeric strings become ints."""
    n = qty
    if isinstance(qty, str) and qty not in QUANTITY_FLAGS:
        with contextlib.suppress(ValueError):
            n = int(qty)
    if (n in QUANTITY_FLAGS) if isinstance(n, str) else (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        return n
    raise _error(f"Invalid quantity '{qty}': must be greater than or equal to 1 or in '[?, *, +]'", label, "quantity")


def _axes(value: Any, label: str | None, key: str) -> Any:
    """A shape (entries None or ints >= 0) or dims (entries None or strings): a non-empty list, or a list of such."""
    if not isinstance(value, (list, tuple)):
        raise _error(f"{key} must be a list, got {value!r}", label, key)
    if not value:
        raise _error(f"'{key}' must not be empty", label, key)
    ok = (lambda s: s is None or (isinstance(s, int) and not isinstance(s, bool) and s >= 0)) if key == "shape" \
        else (lambda d: d is None or isinstance(d, str))
    for one in alternatives(value):
        if not isinstance(one, (list, tuple)) or not one or not all(map(ok, one)):
            raise _error(f"{key} must be a non-empty list of {'integers >= 0' if key == 'shape' else 'strings'} "
                         f"(or null) or a list of such lists, got {plain(value)!r}", label, key)
    return value


def check_dtype(dtype: Any, label: str | None = None, key: str = "dtype") -> Any:
    """`dtype` unchanged if it is a reference or a primitive dtype spelling of the language, else SpecError."""
    if isinstance(dtype, RefSpec) or (isinstance(dtype, str) and (is_known_dtype(dtype) or dtype == "object")):
        return dtype
    raise _error(f"dtype {dtype!r} is not a valid primary data type. Use {DTYPE_CHOICES}", label, key)


def _dtype(dtype: Any, label: str | None, key: str = "dtype", *, compound: bool = False) -> Any:
    """A dtype spelling, a RefSpec (a reference dict becomes one) or, if `compound`, DtypeSpec fields (None reaches
    here only as an attribute's or compound field's dtype, which is required)."""
    if dtype is None:
        raise _error(f"{label!r} needs a dtype", label, key)
    if isinstance(dtype, dict) and not isinstance(dtype, DtypeSpec):
        return dtype if isinstance(dtype, RefSpec) else RefSpec.from_dict(dtype, strict=True)
    if isinstance(dtype, (list, tuple)):
        if not compound:
            raise _error("a compound dtype is only allowed on datasets", label, "dtype")
        if not dtype:
            raise _error("a compound dtype needs at least one field", label, "dtype")
        for i, f in enumerate(dtype):
            if not isinstance(f, DtypeSpec):
                raise _error(f"must use DtypeSpec if defining compound dtype - found {type(f)} at element {i}",
                             label, "dtype")
        names = [f.name for f in dtype]
        if len(set(names)) != len(names):
            raise _error(f"compound dtype has duplicate field names {names}", label, "dtype")
        return dtype
    return check_dtype(dtype, label)


_compound_dtype = functools.partial(_dtype, compound=True)


def canonical_spec_dtype(dtype: Any) -> Any:
    """A spec dtype with every primitive spelling canonical ('int' -> 'int32'), for the rules comparing dtypes."""
    if isinstance(dtype, str):
        return canonical_dtype(dtype) if is_known_dtype(dtype) else dtype
    if isinstance(dtype, (list, tuple)):  # compound: a tuple, the same one if no field changes
        out = tuple(f if (c := canonical_spec_dtype(f.dtype)) == f.dtype else DtypeSpec(f.name, f.doc, c)
                    for f in dtype)
        return dtype if out == dtype else out
    return dtype


#: the order of keys in a spec's YAML/JSON form (hdmf's: type keys, name, dtype, ..., doc, sub-specs)
KEY_ORDER = ("data_type_def", "data_type_inc", "name", "default_name", "dtype", "target_type", "dims", "shape",
             "default_value", "value", "doc", "required", "quantity", "attributes", "datasets", "groups", "links",
             "reftype", "linkable")


_KEY_RANK = {k: i for i, k in enumerate(KEY_ORDER)}
_SUB_KINDS = ("attributes", "datasets", "groups", "links")
#: the default of a field (a ``(key, default, check)`` entry of ``_FIELDS``) that must be given; a given value equal
#: to a field's default is not stored
_REQUIRED = object()


def spec_key(key: str, default: Any = _REQUIRED, doc: str | None = None) -> Any:
    """A read-only property: the spec's value for ``key`` (``default`` when absent, else KeyError)."""
    # C-level getters (no Python frame per access: specs are read thousands of times while resolving)
    if default is _REQUIRED:
        return property(itemgetter(key), doc=doc or f"The spec's {key!r} value.")
    return property(methodcaller("get", key, default), doc=doc or f"The spec's {key!r} value ({default!r} if absent).")


def sub_specs(kind: str) -> Any:
    return property(lambda self: tuple(self.get(kind, ())), doc=f"The {kind} specs, in order.")


class _Dict(dict):
    """Every spec dict: constructor, decoding and copies driven by the class's field table ``_FIELDS``."""

    __slots__ = ()
    __hash__ = object.__hash__  # type: ignore[assignment]  # mutable dicts, hashed by identity as in hdmf
    _FIELDS: tuple[tuple[str, Any, Any], ...] = ()  # (key, default, check) of each constructor argument
    _ARGS: tuple[str, ...] = ()  # the field keys, in order (derived)
    _WHAT = "a spec"  # how errors name this kind of spec
    _STORE_DEFAULTS = False  # True: every given value is stored, defaults too
    _REPR: tuple[str, ...] = ()  # the class name and the fields its repr shows (as hdmf's)
    _STORED_AS: dict[str, str] = {}  # field key -> the dict key it is stored under, where they differ

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._ARGS = tuple(f[0] for f in cls._FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """hdmf's signature; each value passes its field's check, then `_relate`; defaults are not stored."""
        super().__init__()
        cls = type(self)
        if len(args) > len(cls._FIELDS):
            raise TypeError(f"{cls.__name__}() takes at most {len(cls._FIELDS)} arguments ({len(args)} given)")
        v = dict(zip(cls._ARGS, args))
        for k, x in kwargs.items():
            if k in v or k not in cls._ARGS:
                raise TypeError(f"{cls.__name__}() got "
                                f"{'multiple values for' if k in v else 'an unexpected keyword'} argument {k!r}")
            v[k] = x
        if missing := [k for k, default, _ in cls._FIELDS if default is _REQUIRED and k not in v]:
            raise TypeError(f"{cls.__name__}.__init__: " + ", ".join(f"missing argument {k!r}" for k in missing))
        label = self._label(v)
        for k, default, check in cls._FIELDS:
            x = v.get(k, default)
            v[k] = x if check is None or (x is None and default is None) else check(x, label, k)
        self._relate(v, label)
        for k, default, _ in cls._FIELDS:
            x = v[k]
            if x is None or k in _SUB_KINDS or k == "parent" or (
                    default is not None and not cls._STORE_DEFAULTS and x == default):
                continue
            self[cls._STORED_AS.get(k, k)] = x

    def __repr__(self) -> str:
        if not self._REPR:
            return dict.__repr__(self)
        name, *keys = self._REPR
        return f"{name}({', '.join(f'{k}={getattr(self, k)!r}' for k in keys)})"

    def _label(self, v: dict) -> str | None:
        return v.get("name")

    def _relate(self, v: dict, label: str | None) -> None:
        """The class's rules between fields (may change `v`)."""

    @classmethod
    def _decode(cls, d: Any, strict: bool) -> dict:
        """Constructor arguments from a spec's dict; unknown keys are an error (`strict`) or a warning (hdmf's)."""
        if not isinstance(d, dict):
            raise _error(f"{cls._WHAT} must be a mapping, got {type(d).__name__} {d!r}")
        args: dict[str, Any] = {}
        for k, x in d.items():
            key = "data_type" + k[len("neurodata_type"):] if k in ("neurodata_type_def", "neurodata_type_inc") else k
            if key in args:
                raise _error(f"{cls._WHAT} has both {key!r} and {k!r}", None, k)
            args[key] = x
        unknown = [k for k in args if k not in cls._ARGS or k == "parent"]
        if unknown and strict:
            raise _error(f"unknown key(s) {sorted(unknown)} in {cls._WHAT}; allowed: "
                         f"{sorted(set(cls._ARGS) - {'parent'})}", None, sorted(unknown)[0])
        if unknown:
            warnings.warn(f"Unexpected keys {unknown} in spec {d}", stacklevel=4)
        inc = args.get("data_type_inc")
        if strict and inc is not None and inc == args.get("data_type_def"):
            raise _error(f"type {inc!r} cannot include itself", None, "data_type_inc")
        args = {k: args.get(k) for k, default, _ in cls._FIELDS  # the loader: a missing key is the constructor's error
                if (k in args and k not in unknown) or (strict and default is _REQUIRED)}
        for key, sub in cls._sub_classes().items():  # sub-specs, and a dataset's compound dtype fields
            if isinstance(args.get(key), (list, tuple)):
                args[key] = [x if isinstance(x, _Dict) else sub.from_dict(x, strict=strict) for x in args[key]]
        if isinstance(dtype := args.get("dtype"), dict) and not isinstance(dtype, _Dict):
            args["dtype"] = RefSpec.from_dict(dtype, strict=strict)
        return args

    @classmethod
    def _sub_classes(cls) -> dict[str, type[_Dict]]:
        return {}

    @classmethod
    def from_dict(cls, d: Any, *, strict: bool = False) -> Any:
        """The spec a YAML/JSON dict describes; a SpecError gets the line of the innermost dict with one."""
        try:
            return cls(**(cls._decode(d, True) if strict else cls.build_const_args(d)))
        except errors.SpecError as e:
            if e.line is None:
                e.line = getattr(d, "line", None)
            raise

    @classmethod
    def build_const_args(cls, spec_dict: dict) -> dict:
        return cls._decode(spec_dict, False)

    build_spec = from_dict  # hdmf's name

    def __copy__(self) -> Any:
        """Same sub-specs in own child lists, same inheritance record, no parent."""
        new = self.__class__.__new__(self.__class__)
        dict.update(new, self)
        for k in _SUB_KINDS:
            if isinstance(new.get(k), list):
                dict.__setitem__(new, k, list(new[k]))
        for cls in type(self).__mro__:
            for s in getattr(cls, "__slots__", ()):
                if hasattr(self, s):  # the record's values are replaced, never changed in place: shared
                    object.__setattr__(new, s, None if s == "_parent" else getattr(self, s))
        return new

    def __deepcopy__(self, memo: dict) -> Any:
        with as_written():
            return self.from_dict(_copy.deepcopy(dict(self), memo))

    def to_dict(self, type_key: str = "data_type") -> dict:
        """The YAML/JSON form, type keys spelled `type_key`."""
        own = self.type_key() if isinstance(self, BaseStorageSpec) else "data_type"
        rename = {f"{own}_def": f"{type_key}_def", f"{own}_inc": f"{type_key}_inc"}
        return {rename.get(k, k): plain(self[k], type_key)
                for k in sorted(self, key=lambda k: _KEY_RANK.get(k.replace(own, "data_type"), len(_KEY_RANK)))
                if self[k] is not None and (k not in _SUB_KINDS or self[k])}


class RefSpec(_Dict):
    """A reference dtype: `{target_type: X, reftype: object}`."""

    __slots__ = ()
    _FIELDS = (("target_type", _REQUIRED, _text), ("reftype", "object", _reftype))
    _WHAT = "a reference dtype"
    _REPR = ("RefSpec", "target_type", "reftype")
    _STORE_DEFAULTS = True

    def _label(self, v: dict) -> str | None:
        return v.get("target_type") if isinstance(v.get("target_type"), str) else None

    target_type = spec_key("target_type", doc="The data type a reference points to.")
    reftype = spec_key("reftype", doc="'object' (or the legacy 'region').")


class _DtypeSpecIsRef:
    """`DtypeSpec.is_ref(spec)` (hdmf's static form: is a spec dict a reference?) and `field.is_ref` (bool)."""

    def __get__(self, obj: Any, owner: type) -> Any:
        return _is_ref_dict if obj is None else isinstance(obj.dtype, RefSpec)


def _is_ref_dict(spec: Any) -> bool:
    dt = spec.get("dtype") if isinstance(spec, dict) else None
    return isinstance(spec, dict) and ("target_type" in spec or (isinstance(dt, dict) and "target_type" in dt))


class DtypeSpec(_Dict):
    """One field of a compound dtype."""

    __slots__ = ()
    _FIELDS = (("name", _REQUIRED, _text), ("doc", _REQUIRED, _text), ("dtype", _REQUIRED, _dtype))
    _WHAT = "a compound dtype field"
    _REPR = ("DtypeSpec", "name", "dtype")
    _STORE_DEFAULTS = True
    is_ref = _DtypeSpecIsRef()

    @staticmethod
    def check_valid_dtype(dtype: Any) -> bool:
        """True for a reference dict or a primitive dtype; else SpecError."""
        if not isinstance(dtype, dict):
            check_dtype(dtype)
        elif "target_type" not in dtype:
            raise _error("'dtype' must have the key 'target_type'")
        return True

    assertValidDtype = check_valid_dtype  # hdmf's older name

    name = spec_key("name")
    doc = spec_key("doc")
    dtype = spec_key("dtype")


class _Spec(_Dict):
    """A spec that sits in a tree (attribute, dataset, group, link): parent pointer, path, quantity helpers."""

    __slots__ = ("_parent",)

    @property
    def parent(self) -> Any:
        return getattr(self, "_parent", None)

    @parent.setter
    def parent(self, spec: Any) -> None:
        if getattr(self, "_parent", None) is not None:
            raise AttributeError("Cannot re-assign parent.")
        self._parent = spec

    doc = spec_key("doc")
    name = spec_key("name", None)

    @property
    def path(self) -> str:
        """Names (else the type) from the outermost enclosing spec down to this one, '/'-joined."""
        parts = []
        s: Any = self
        while s is not None:
            parts.append(s.name or getattr(s, "data_type_def", None) or getattr(s, "data_type_inc", None))
            s = s.parent
        return "/".join(str(p) for p in reversed(parts))

    quantity = spec_key("quantity", DEF_QUANTITY)

    def is_many(self) -> bool:
        return self.max_count != 1

    @property
    def required(self) -> bool:
        """True if at least one instance must exist."""
        return self.min_count >= 1

    is_required = required

    @property
    def min_count(self) -> int:
        return quantity_bounds(self.quantity)[0]

    @property
    def max_count(self) -> int | None:
        """The largest number of instances allowed (None: unbounded)."""
        return quantity_bounds(self.quantity)[1]


class _ArrayProps(_Spec):
    """Specs that hold values (attributes and datasets): their properties and rules."""

    __slots__ = ()

    def _relate(self, v: dict, label: str | None) -> None:
        """A shape and dims of the same ranks (hdmf's placeholders fill in a missing one); value or default_value."""
        shape, dims = v["shape"], v["dims"]
        if shape is not None and dims is not None:
            if [len(s) for s in alternatives(shape)] != [len(d) for d in alternatives(dims)]:
                raise _error(f"'dims' and 'shape' must be the same length: dims {plain(dims)!r}, "
                             f"shape {plain(shape)!r}", label, "dims")
        elif _FILL_DIMS.get() and shape is not None:  # hdmf's placeholder names for dims a shape implies
            v["dims"] = tuple(tuple(f"dim_{i}" for i in range(len(one))) for one in shape) \
                if _is_multi(shape) else tuple(f"dim_{i}" for i in range(len(shape)))
        elif _FILL_DIMS.get() and dims is not None:  # and the unconstrained shape dims imply
            v["shape"] = tuple((None,) * len(one) for one in dims) if _is_multi(dims) else (None,) * len(dims)
        if v["value"] is not None and v["default_value"] is not None:
            raise _error("cannot specify 'value' and 'default_value'", label, "value")
        super()._relate(v, label)

    dtype = spec_key("dtype", None)
    shape = spec_key("shape", None)
    dims = spec_key("dims", None)
    value = spec_key("value", None)
    default_value = spec_key("default_value", None)

    @property
    def shapes(self) -> tuple | None:
        """The allowed shapes as a sequence of shapes (None: unconstrained)."""
        return None if self.shape is None else alternatives(self.shape)

    @property
    def dims_options(self) -> tuple | None:
        """The dimension names of each of `shapes`, in the same order (None: the spec names none)."""
        return None if self.dims is None else alternatives(self.dims)


def shape_fits(found: Sequence[int | None], allowed: Sequence[int | None]) -> bool:
    """Whether a shape fits one allowed shape (``None`` entries there take any length)."""
    return len(found) == len(allowed) and all(a is None or a == f for a, f in zip(allowed, found))


def alternatives(value: Any) -> tuple:
    """A (non-None) shape or dims value as a sequence of alternatives (a list of lists is several)."""
    return tuple(value) if _is_multi(value) else (value,)


class AttributeSpec(_ArrayProps):
    """An attribute of a group or dataset."""

    __slots__ = ()
    _FIELDS = (("name", _REQUIRED, _member_name), ("doc", _REQUIRED, _text), ("dtype", _REQUIRED, _dtype),
               ("shape", None, _axes), ("dims", None, _axes), ("required", True, _flag),
               ("parent", None, None), ("value", None, None), ("default_value", None, None))
    _WHAT = "an attribute spec"
    _REPR = ("AttributeSpec", "name", "dtype")

    def _relate(self, v: dict, label: str | None) -> None:
        super()._relate(v, label)
        if v["value"] is not None or v["default_value"] is not None:  # a fixed value is not asked for
            v["required"] = v["value"] is not None
        self._parent = v["parent"]

    required = spec_key("required", True, "False if the attribute may be absent.")

    @property
    def is_required(self) -> bool:
        """True if a value must be given: required, and not fixed by the spec's ``value``."""
        return self.required and self.value is None


#: the fields every group and dataset has (their constructors order them differently, as hdmf's do)
_STORAGE = {f[0]: f for f in (
    ("doc", _REQUIRED, _text), ("name", None, _storage_name), ("default_name", None, _storage_name),
    ("attributes", (), None), ("linkable", True, _flag), ("quantity", DEF_QUANTITY, _quantity),
    ("data_type_def", None, _text), ("data_type_inc", None, _text),
    ("dtype", None, _compound_dtype), ("shape", None, _axes), ("dims", None, _axes),
    ("value", None, None), ("default_value", None, None),
    ("groups", (), None), ("datasets", (), None), ("links", (), None))}


class BaseStorageSpec(_Spec):
    """Shared behaviour of DatasetSpec and GroupSpec: attributes, type keys, inheritance tracking."""

    # the inheritance record: the included type's spec merged in, and this spec's own sub-spec names per kind before
    # (None: not merged); hdmf's is_inherited_*/is_overridden_* answers are computed from it when asked
    __slots__ = ("_inc_spec", "_own", "_resolved")
    _inc_spec: Any
    _own: dict[str, set] | None
    #: sub-spec kinds this spec holds, and how a missing name of each is reported (hdmf's messages)
    _MISSING = {"attributes": "Attribute '{}' not found"}

    def _label(self, v: dict) -> str | None:
        return v.get("data_type_def") or v.get("name") or v.get("data_type_inc")

    def _relate(self, v: dict, label: str | None) -> None:
        if v["name"] is None and v["data_type_def"] is None and v["data_type_inc"] is None:
            raise _error("Cannot create Group or Dataset spec with no name without specifying "
                         f"'{self.def_key()}' and/or '{self.inc_key()}'.", label, "name")
        if v["name"] is not None and quantity_bounds(v["quantity"])[1] != 1:
            raise _error("Cannot give specific name to something that can exist multiple times: "
                         f"name='{v['name']}', quantity='{v['quantity']}'", label, "quantity")
        if v["default_name"] is not None and v["name"] is not None:
            warnings.warn("found 'default_name' with 'name' - ignoring 'default_name'", stacklevel=4)
            v["default_name"] = None
        if v["data_type_inc"] is not None and v["data_type_inc"] == v["data_type_def"]:
            warnings.warn(f"data_type_inc and data_type_def cannot be the same: {v['data_type_inc']}. "
                          "Ignoring data_type_inc.", stacklevel=4)
            v["data_type_inc"] = None
        self._parent = self._inc_spec = self._own = None
        self._resolved = False
        for kind in self._MISSING:
            if v[kind] is not None and not isinstance(v[kind], (list, tuple)):
                raise _error(f"{kind} must be a list, got {type(v[kind]).__name__}", label, kind)
            for item in v[kind] or ():
                if not isinstance(item, cls := _KIND_CLASSES[kind]):
                    raise _error(f"{kind} must hold {cls.__name__} objects, got {type(item).__name__}", label, kind)
                self._put(kind, item, replace=False, label=label)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._STORED_AS = {"data_type_def": cls.def_key(), "data_type_inc": cls.inc_key()}  # the spelling, asked once
        cls.data_type_def, cls.data_type_inc = (spec_key(k, None) for k in cls._STORED_AS.values())
        for kind in cls._MISSING:  # hdmf's set_<x>, get_<x>, add_<x>, is_inherited_<x>, is_overridden_<x> per kind
            for verb, method, kw in (("set", "_put", {}), ("get", "_named", {}), ("add", "_add", {}),
                                     ("is_inherited", "_inherited", {"overridden": False}),
                                     ("is_overridden", "_inherited", {"overridden": True})):
                if not hasattr(cls, name := f"{verb}_{kind[:-1]}"):  # (a subclass keeps what it has or inherits)
                    setattr(cls, name, functools.partialmethod(getattr(cls, method), kind, **kw))

    @classmethod
    def type_key(cls) -> str:
        """The key naming a type ('data_type'; NWB's classes use 'neurodata_type')."""
        return "data_type"

    @classmethod
    def def_key(cls) -> str:
        return f"{cls.type_key()}_def"

    @classmethod
    def inc_key(cls) -> str:
        return f"{cls.type_key()}_inc"

    @classmethod
    def id_key(cls) -> str:
        return "object_id"

    # per subclass in __init_subclass__, under the class's spelling of the type keys
    data_type_def: str | None = spec_key("data_type_def", None)
    data_type_inc: str | None = spec_key("data_type_inc", None)

    @property
    def data_type(self) -> str | None:
        return self.data_type_def or self.data_type_inc

    @property
    def label(self) -> str | None:
        """A name for error messages."""
        return self.data_type_def or self.name or self.data_type_inc

    default_name = spec_key("default_name", None)
    linkable = spec_key("linkable", True)
    attributes = sub_specs("attributes")

    def _put(self, kind: str, spec: Any, *, replace: bool = True, label: str | None = None) -> None:
        """Add (or, `replace`, put in place of the one of the same name) a sub-spec of `kind`."""
        cls = _KIND_CLASSES[kind]
        if not isinstance(spec, cls):
            raise TypeError(f"set_{kind[:-1]} needs {'an' if cls is AttributeSpec else 'a'} {cls.__name__}, "
                            f"got {type(spec).__name__}")
        among = ("attributes",) if kind == "attributes" else ("datasets", "groups", "links")  # names unique among
        if not replace and spec.name is not None and any(s.name == spec.name for k in among for s in self.get(k, ())):
            raise _error(f"name {spec.name!r} is used by more than one of the {'/'.join(among)}", label, kind)
        if spec.parent is not self:  # adopted (a copy if it has another parent)
            spec = spec if spec.parent is None else _copy.copy(spec)
            spec.parent = self
        items = self.setdefault(kind, [])
        if isinstance(items, tuple):
            items = self[kind] = list(items)
        if replace and spec.name is not None and (old := self._named(kind, spec.name)) is not None:
            items[next(i for i, s in enumerate(items) if s is old)] = spec
            return
        if spec.name is None and kind != "attributes":  # hdmf's rule: one unnamed sub-spec per type
            key, kinds, what = ("target_type", ("links",), "links with the same target type") if kind == "links" \
                else ("data_type", ("datasets", "groups"), "groups/datasets with the same data type")
            if any(s is not spec and s.name is None and getattr(s, key) == getattr(spec, key)
                   for k in kinds for s in self.get(k, ())):
                raise _error(f"Cannot have multiple {what} without specifying name", label or self.label, kind)
        items.append(spec)

    def _named(self, kind: str, name: str) -> Any:
        return next((s for s in self.get(kind, ()) if s.name == name), None)

    @property
    def inc_spec_resolved(self) -> bool:
        return self._inc_spec is not None

    data_type_inc_resolved = property(attrgetter("_inc_spec"), doc="The included type's spec merged into this one.")

    @property
    def resolved(self) -> bool:
        return self._resolved

    @resolved.setter
    def resolved(self, val: bool) -> None:
        if not isinstance(val, bool):
            raise ValueError("resolved must be a boolean")
        self._resolved = val

    def _inherited(self, kind: str, name: str, overridden: bool) -> bool:
        """Whether sub-spec `name` of `kind` came from (or, `overridden`, refines) the included type."""
        if self._named(kind, name) is None:
            raise ValueError(self._MISSING[kind].format(name))
        if self._own is None:  # not merged: nothing is inherited
            return False
        inherited = self._inc_spec._named(kind, name) is not None
        return inherited and name in self._own[kind] if overridden else inherited

    def _add(self, kind: str, *args: Any, **kwargs: Any) -> Any:
        """hdmf's deprecated ``add_<x>``: build a sub-spec of `kind` from the arguments and add it."""
        warnings.warn(f"add_{kind[:-1]} is deprecated; use set_{kind[:-1]}", DeprecationWarning, stacklevel=2)
        spec = _KIND_CLASSES[kind](*args, **kwargs)
        self._put(kind, spec)
        return spec

    def is_inherited_spec(self, spec: Any) -> bool:
        """True if `spec` (a sub-spec of this one, or of a group anywhere below it) came from the included type."""
        return self._inherited_sub(spec, False)

    def is_overridden_spec(self, spec: Any) -> bool:
        """True if `spec` (a sub-spec of this one, or of a group anywhere below it) refines an included one."""
        return self._inherited_sub(spec, True)

    def _inherited_sub(self, spec: Any, overridden: bool) -> bool:
        return (isinstance(spec, AttributeSpec) and spec.parent is self and self._named("attributes", spec.name)
                is not None and self._inherited("attributes", spec.name, overridden))

    def resolve_inc_spec(self, inc_spec: Any, namespace: Any = None) -> None:
        """Merge the included type's spec into this one, in place, recording what is inherited/overridden."""
        base = GroupSpec if isinstance(self, GroupSpec) else DatasetSpec
        if type(self) is not type(inc_spec) and not isinstance(inc_spec, base):
            raise TypeError(f"Cannot resolve included spec: expected {base.__name__}, got {type(inc_spec)}")
        merger = Merger(None, getattr(namespace, "name", "") or "", self.data_type or self.name or "", (None, None),
                        namespace)
        merged = merger.merge(self, inc_spec, "")  # type: ignore[arg-type]  # (a group or dataset spec, as checked)
        dict.clear(self)
        dict.update(self, merged)
        for kind in _SUB_KINDS:
            for sub in self.get(kind, ()):
                if sub.parent is merged:
                    sub._parent = self
        self._inc_spec, self._own = inc_spec, merged._own

    @classmethod
    def get_data_type_spec(cls, data_type_def: str) -> AttributeSpec:
        warnings.warn("get_data_type_spec is deprecated", DeprecationWarning, stacklevel=2)
        return AttributeSpec(cls.type_key(), "the data type of this object", "text", value=data_type_def)

    @classmethod
    def get_namespace_spec(cls) -> AttributeSpec:
        warnings.warn("get_namespace_spec is deprecated", DeprecationWarning, stacklevel=2)
        return AttributeSpec("namespace", "the namespace for the data type of this object", "text", required=False)


def type_refs(spec: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(target type, key path)`` of every link and reference target in a spec and its sub-specs."""
    for key, dtype in [(f"{path}attributes/{a.name}/dtype", a.dtype) for a in spec.attributes] + \
            [(f"{path}dtype", getattr(spec, "dtype", None))]:
        if isinstance(dtype, RefSpec):
            yield dtype.target_type, key
        for f in dtype if isinstance(dtype, (list, tuple)) else ():
            if isinstance(f.dtype, RefSpec):
                yield f.dtype.target_type, f"{key}/{f.name}"
    for ln in spec.links:
        yield ln.target_type, f"{path}links/{ln.name or ln.target_type}/target_type"
    for kind in ("datasets", "groups"):
        for sub in getattr(spec, kind):
            yield from type_refs(sub, f"{path}{kind}/{sub.name or sub.data_type}/")


class DatasetSpec(_ArrayProps, BaseStorageSpec):
    """A dataset: a typed or named n-dimensional array (or scalar) with attributes."""

    __slots__ = ()
    _FIELDS = tuple(_STORAGE[k] for k in ("doc", "dtype", "name", "default_name", "shape", "dims", "attributes",
                                          "linkable", "quantity", "default_value", "value", "data_type_def",
                                          "data_type_inc"))
    _WHAT = "a dataset spec"
    _REPR = ("DatasetSpec", "data_type_def", "data_type_inc", "name", "dtype")

    #: a dataset holds no sub-specs but attributes (so code walks any storage spec alike)
    datasets = groups = links = ()

    @classmethod
    def dtype_spec_cls(cls) -> type[DtypeSpec]:
        return DtypeSpec

    @classmethod
    def _sub_classes(cls) -> dict[str, type[_Dict]]:
        return {"attributes": AttributeSpec, "dtype": cls.dtype_spec_cls()}

    @property
    def is_compound(self) -> bool:
        return is_compound_dtype(self.dtype)

    @property
    def is_ref(self) -> bool:
        return is_ref_dtype(self.dtype)


class LinkSpec(_Spec):
    """A link to an object of `target_type`."""

    __slots__ = ()
    _FIELDS = (("doc", _REQUIRED, None), ("target_type", _REQUIRED, None), ("quantity", DEF_QUANTITY, _quantity),
               ("name", None, _member_name))
    _WHAT = "a link spec"
    _REPR = ("LinkSpec", "name", "target_type")

    def _label(self, v: dict) -> str | None:
        target = v.get("target_type")
        if isinstance(target, BaseStorageSpec):  # a spec stands for the type it defines
            if target.data_type_def is None:
                raise _error("'target_type' must be a string or a GroupSpec or DatasetSpec with a "
                             "'data_type_def' key.", v.get("name"), "target_type")
            v["target_type"] = target = target.data_type_def
        label = v.get("name") or target
        _text(v.get("doc"), label, "doc")
        _text(target, label, "target_type")
        return label

    def _relate(self, v: dict, label: str | None) -> None:
        self._parent = None  # a named link may still be many, as in hdmf

    target_type = spec_key("target_type")
    data_type_inc = spec_key("target_type", doc="The target type (hdmf's name for it on links).")
    data_type = spec_key("target_type", doc="The target type (links have no type of their own).")


class GroupSpec(BaseStorageSpec):
    """A group: attributes plus sub-datasets, sub-groups and links."""

    __slots__ = ()
    _MISSING = {**BaseStorageSpec._MISSING, "datasets": "Dataset '{}' not found in spec",
                "groups": "Group '{}' not found in spec", "links": "Link '{}' not found in spec"}
    _FIELDS = tuple(_STORAGE[k] for k in ("doc", "name", "default_name", "groups", "datasets", "attributes", "links",
                                          "linkable", "quantity", "data_type_def", "data_type_inc"))
    _WHAT = "a group spec"
    _REPR = ("GroupSpec", "data_type_def", "data_type_inc", "name")

    datasets = sub_specs("datasets")
    groups = sub_specs("groups")
    links = sub_specs("links")

    @classmethod
    def _sub_classes(cls) -> dict[str, type[_Dict]]:
        return {"attributes": AttributeSpec, "datasets": cls.dataset_spec_cls(), "groups": cls,
                "links": cls.link_spec_cls()}

    def _by_type(self, key: str, value: str) -> Any:
        """hdmf's rule for sub-specs by type: the unnamed one, else the named ones (one, or a list of several)."""
        subs = self.links if key == "target_type" else self.groups + self.datasets
        hits = [s for s in subs if getattr(s, key) == value]
        unnamed = [s for s in hits if s.name is None]
        return unnamed[0] if unnamed else hits[0] if len(hits) == 1 else hits or None

    get_data_type = functools.partialmethod(_by_type, "data_type")
    get_target_type = functools.partialmethod(_by_type, "target_type")

    def get_data_types(self, data_type: str) -> list[Any]:
        """Every sub-group and sub-dataset whose type (def or inc) is `data_type`."""
        return [s for s in self.datasets + self.groups if s.data_type == data_type]  # type: ignore[operator]

    def _type_inherited(self, dt: Any, key: str) -> bool:
        """hdmf's is_inherited_type (`key` 'data_type': a type, or a spec defining one) and is_inherited_target_type
        ('target_type': a type, or a link): inherited unless this spec has one of it that the included spec has no
        unnamed one of."""
        if isinstance(dt, LinkSpec):
            dt = dt.target_type
        elif isinstance(dt, BaseStorageSpec):
            if dt.data_type_def is None:
                raise ValueError(f"cannot check if something was inherited if it does not have a {self.def_key()}")
            dt = dt.data_type_def

        def subs(spec: Any) -> tuple:
            return spec.links if key == "target_type" else spec.groups + spec.datasets

        inc = self._inc_spec
        return dt not in {getattr(s, key) for s in subs(self)} or (
            inc is not None and any(s.name is None and getattr(s, key) == dt for s in subs(inc)))

    is_inherited_type = is_overridden_type = functools.partialmethod(_type_inherited, key="data_type")
    is_inherited_target_type = is_overridden_target_type = functools.partialmethod(_type_inherited, key="target_type")

    def _inherited_sub(self, spec: Any, overridden: bool) -> bool:
        """Found by name, else by type (unnamed links and specs of many are never overridden), else as a sub-spec's
        attribute."""
        if overridden and spec.name is None and (isinstance(spec, LinkSpec) or spec.is_many()):
            return False
        key = spec.name or getattr(spec, "data_type_def", None) or getattr(spec, "data_type_inc", None)
        for kind in ("links", "groups", "datasets"):
            if key is not None and self._named(kind, key) is not None:
                return self._inherited(kind, key, overridden)
        if key is not None and not isinstance(spec, AttributeSpec) and self.get_data_type(key) is not None:
            return self.is_inherited_type(key)
        if key is not None and not overridden and isinstance(spec, LinkSpec) and self.get_target_type(key):
            return self.is_inherited_target_type(key)
        if super()._inherited_sub(spec, overridden):
            return True
        parent = spec.parent
        if isinstance(spec, AttributeSpec) and parent is not None and parent is not self:
            pname = parent.name or parent.data_type
            kind = "datasets" if isinstance(parent, DatasetSpec) else "groups"
            if (sub := self._named(kind, pname)) is not None:
                return self._inherited(kind, pname, overridden) and (
                    sub.is_overridden_spec(spec) if overridden else sub.get_attribute(spec.name) is not None)
        return False

    @classmethod
    def dataset_spec_cls(cls) -> type[DatasetSpec]:
        return DatasetSpec

    @classmethod
    def link_spec_cls(cls) -> type[LinkSpec]:
        return LinkSpec


_KIND_CLASSES: dict[str, type[_Spec]] = {"attributes": AttributeSpec, "datasets": DatasetSpec, "groups": GroupSpec,
                                  "links": LinkSpec}


Spec = GroupSpec | DatasetSpec


def spec_type(spec: Any) -> str | None:
    """The data type a group/dataset spec stands for; None for untyped ones, links and attributes."""
    return spec.data_type if isinstance(spec, BaseStorageSpec) else None


def is_ref_dtype(dtype: Any) -> bool:
    return isinstance(dtype, RefSpec)


def is_compound_dtype(dtype: Any) -> bool:
    return isinstance(dtype, (list, tuple))


def declared_type(attrs: Any) -> tuple[str | None, str] | None:
    """``(namespace or None, data type)`` an object's stored attributes declare (bytes decoded); None if untyped."""
    for key in TYPE_KEYS:
        if (dt := attrs.get(key)) is not None:
            ns = attrs.get("namespace")
            return (None if ns is None else _decoded(ns)), _decoded(dt)
    return None


def _decoded(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if getattr(value, "shape", None) == ():
        return _decoded(value[()])
    return str(value)


# -- inheritance resolution: a type's effective spec after merging its ancestors (the catalog caches it per namespace
# and type); typed sub-specs also get their own type's spec (`DynamicTable.id` carries `ElementIdentifiers`' attributes)

class Merger:
    """Merges a child spec into a parent's for one type; errors name the type, file and key path. With a catalog
    (a NamespaceCatalog: ``locate``, ``resolve_located``, ``get_hierarchy``) included types are looked up there."""

    def __init__(self, catalog: Any, ns: str, dt: str, loc: Any, namespace: Any = None) -> None:
        self.catalog, self.namespace, self.ns, self.dt, self.loc = catalog, namespace, ns, dt, loc
        self.kept_links: set[str] = set()  # own links re-targeted against a core type's (hdmf warns, keeps them)

    def resolve(self, spec: Spec, full: bool) -> Spec:
        """`spec` (the type's own) merged with its ancestors' and, if `full`, its typed children with their types'."""
        typed = self.typed_children(spec) if full else {}
        if spec.data_type_inc is None:
            self.check_refs(spec, "")
            return _rebuild(spec, **typed) if typed else spec
        parent = self.catalog.locate(self.ns, spec.data_type_inc, loc=self.loc, owner=self.dt, key="data_type_inc")
        if getattr(self.catalog, "core_namespaces", None):  # an extension at odds with a core link: warned, kept
            msg, self.kept_links = self.catalog.core_conflicts(self.ns, self.dt, spec)
            if msg:
                warnings.warn(msg, UserWarning, stacklevel=2)
        return self.merge(spec, self.catalog.resolve_located(spec.data_type_inc, parent, full=full), "", typed)

    def error(self, msg: str, key: str) -> errors.SpecError:
        if self.catalog is None:  # hdmf's resolve_inc_spec: the message alone, as hdmf words it
            return _error(msg, self.dt, key or None)
        return errors.SpecError(msg, file=self.loc[0], line=self.loc[1], data_type=self.dt, key=key or None)

    def typed_children(self, spec: Spec) -> dict[str, list]:
        """A group spec's sub-groups and sub-datasets, each typed one merged with the type it includes ({} if none)."""
        if not isinstance(spec, GroupSpec) or all(s.data_type_inc is None for s in spec.datasets + spec.groups):
            return {}
        assert self.catalog is not None  # typed children are merged for a catalog only
        new: dict[str, list] = {"datasets": [], "groups": []}
        for kind, subs in new.items():
            for sub in getattr(spec, kind):
                if sub.data_type_inc is not None:  # its type at type level (ancestors merged, its children as written)
                    where = f"{kind}/{sub.name or sub.data_type}"
                    found = self.catalog.locate(self.ns, sub.data_type_inc, loc=self.loc, owner=self.dt, key=where)
                    sub = self.merge(sub, self.catalog.resolve_located(sub.data_type_inc, found, full=False), where)
                subs.append(sub)
        return new

    def check_refs(self, spec: Any, path: str) -> None:
        """Check that the link and reference targets of `spec` are known types (catalog only)."""
        if self.catalog is not None:
            for dt, key in type_refs(spec, path):
                self.catalog.locate(self.ns, dt, loc=self.loc, owner=self.dt, key=key)

    def _subtype(self, child_dt: str, parent_dt: str) -> bool:
        if self.catalog is not None:
            return parent_dt in self.catalog.get_hierarchy(self.ns, child_dt)
        hierarchy = getattr(self.namespace, "get_hierarchy", None)
        if hierarchy is None:
            return True  # no catalog to ask (hdmf's resolve_inc_spec(spec, None))
        try:
            return parent_dt in hierarchy(child_dt)
        except (KeyError, ValueError):
            return True

    def merge(self, child: Spec, parent: Spec, path: str, subs: dict[str, list] | None = None) -> Spec:
        """`child` (with `subs` in place of its own sub-specs of those kinds) refined over `parent` (child's fields
        win; missing ones are inherited)."""
        if type(child) is not type(parent):
            kind_c, kind_p = ("group" if isinstance(s, GroupSpec) else "dataset" for s in (child, parent))
            raise self.error(f"a {kind_c} cannot refine or include the {kind_p} {parent.label!r}",
                             path or "data_type_inc")
        pre = f"{path}/" if path else ""
        self.check_refs(child, pre)
        unnamed = child.default_name is None and child.name is None
        fields: dict[str, Any] = {"default_name": parent.default_name if unnamed else child.default_name}
        for kind in _SUB_KINDS if isinstance(child, GroupSpec) else ("attributes",):
            # child sub-specs in order, each merged with the parent's of the same key, then the parent's others
            key, merge = _SUB_RULES[kind]
            theirs = {key(p): p for p in getattr(parent, kind)}
            fields[kind] = [c if (p := theirs.pop(key(c), None)) is None else merge(self, c, p, pre + kind)
                            for c in (subs or {}).get(kind, getattr(child, kind))] + list(theirs.values())
        if isinstance(child, DatasetSpec):
            fields.update(self._merge_array(child, parent, pre))
        result = _rebuild(child, **fields)
        result._inc_spec = parent  # the inheritance record: the parent, and the child's own sub-spec names per kind
        result._own = {kind: {s.name for s in getattr(child, kind) if s.name is not None} for kind in _SUB_KINDS}
        result.resolved = True
        return result

    def _merge_array(self, c: Any, p: Any, pre: str) -> dict:
        out: dict[str, Any] = {"dtype": self._merge_dtype(c.dtype, p.dtype, pre + "dtype")}
        shape, dims = c.shape, c.dims
        if p.shape is not None and shape is not None and not all(
                any(shape_fits(cs, ps) for ps in alternatives(p.shape)) for cs in alternatives(shape)):
            raise self.error(f"Cannot extend shape {_tuple_shape(p.shape)} to {_tuple_shape(shape)}", pre + "shape")
        if shape is None and dims is None:
            shape, dims = p.shape, p.dims
        elif shape is None and p.shape is not None and _ranks(dims) == _ranks(p.shape):
            shape = p.shape
        elif dims is None and p.dims is not None and _ranks(shape) == _ranks(p.dims):
            dims = p.dims
        out["shape"], out["dims"] = shape, dims
        if c.value is None and c.default_value is None:
            out["value"], out["default_value"] = p.value, p.default_value
        return out

    def _merge_dtype(self, c: Any, p: Any, key: str) -> Any:
        if p is None or c is None:
            return p if c is None else c
        if isinstance(p, (tuple, list)) or isinstance(c, (tuple, list)):
            if not isinstance(c, (tuple, list)):
                raise self.error("Cannot extend compound data type to simple data type", key)
            if not isinstance(p, (tuple, list)):
                raise self.error("Cannot extend simple data type to compound data type", key)
            fields = {f.name: f for f in p}
            for f in c:
                if f.name in fields:
                    d = self._merge_dtype(f.dtype, fields[f.name].dtype, f"{key}/{f.name}")
                    f = f if d == f.dtype else DtypeSpec(f.name, f.doc, d)
                fields[f.name] = f
            return type(c)(fields.values())
        if isinstance(p, RefSpec) or isinstance(c, RefSpec):
            if not (isinstance(p, RefSpec) and isinstance(c, RefSpec)):
                raise self.error(f"Cannot extend {_plain(p)} to {_plain(c)}", key)
            if c.reftype != p.reftype or not self._subtype(c.target_type, p.target_type):
                raise self.error(f"cannot refine reference to {p.target_type!r} into reference to "
                                 f"{c.target_type!r} (not a subtype)", key)
            return c
        if not is_sub_dtype(c, p):
            raise self.error(f"Cannot extend {p} to {c}", key)
        return c

    def _merge_attr(self, c: AttributeSpec, p: AttributeSpec, key: str) -> AttributeSpec:
        f = {"value": c.value, "default_value": c.default_value, **self._merge_array(c, p, f"{key}/{c.name}/")}
        with as_written():
            return AttributeSpec(c.name, c.doc, required=c.required, **f)

    def _merge_sub(self, csub: Any, psub: Any, key: str) -> Spec:
        where = f"{key}/{psub.name or psub.data_type}"
        if psub.data_type is not None and csub.data_type is None:
            raise self.error(f"the parent type requires data type {psub.data_type!r} here", where)
        if psub.data_type not in (None, csub.data_type) and not self._subtype(csub.data_type, psub.data_type):
            raise self.error(f"{csub.data_type!r} does not inherit from {psub.data_type!r}, "
                             "which the parent type requires here", where)
        return self.merge(csub, psub, where)

    def _merge_link(self, cl: Any, pl: Any, key: str) -> Any:
        if key == "links" and cl.name in self.kept_links:
            return cl
        if cl.target_type != pl.target_type and not self._subtype(cl.target_type, pl.target_type):
            raise self.error(f"link target {cl.target_type!r} does not inherit from {pl.target_type!r}",
                             f"{key}/{pl.name or pl.target_type}")
        return cl


#: per kind of sub-spec: the key pairing a child's with the parent's, and how a pair merges
_SUB_RULES: dict[str, tuple[Callable[[Any], Any], Callable[..., Any]]] = {
    "attributes": (lambda a: a.name, Merger._merge_attr),
    "datasets": (lambda s: ("name", s.name) if s.name is not None else ("type", s.data_type or ""), Merger._merge_sub),
    "links": (lambda ln: (ln.name or "", ln.target_type if ln.name is None else ""), Merger._merge_link)}
_SUB_RULES["groups"] = _SUB_RULES["datasets"]


def _ranks(x: tuple | None) -> tuple[int, ...] | None:
    return None if x is None else tuple(len(o) for o in alternatives(x))


def _plain(dtype: Any) -> str:
    """A dtype as hdmf prints it in messages (a reference as its dict)."""
    return repr(dict(dtype)) if isinstance(dtype, dict) else str(dtype)


def _tuple_shape(shape: Any) -> str:
    return ", ".join(str(tuple(s)) for s in alternatives(shape))


def _rebuild(spec: Spec, **changes: Any) -> Spec:
    """A copy of `spec` with some fields replaced (sub-specs adopted by the new object)."""
    with as_written():
        return type(spec)(**{**{arg: getattr(spec, arg) for arg in type(spec)._ARGS}, **changes})

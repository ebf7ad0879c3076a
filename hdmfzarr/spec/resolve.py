"""Inheritance resolution: a type's effective spec after merging its ancestors (cached per namespace and type);
typed sub-specs also get their own type's spec (`DynamicTable.id` carries `ElementIdentifiers`' attributes)."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import SpecError
from .dtypes import is_sub_dtype
from . import model as _model
from .model import (AttributeSpec, DatasetSpec, DtypeSpec, GroupSpec, RefSpec, Spec, alternatives, as_written, own_names,
                    shape_fits, type_refs)

__all__ = ["Resolver"]

#: lookup(namespace, data_type) -> (defining namespace, unresolved spec, (file, line)) or None
# no string forward reference: typing compiles one at import (~1.7 ms of a cold open)
Lookup = Callable[[str, str], tuple[str, Spec, tuple[str | None, int | None]] | None]
_NOWHERE: tuple[None, None] = (None, None)


def _located(msg: str, loc: Any, data_type: str | None, key: str | None) -> SpecError:
    return SpecError(msg, file=loc[0], line=loc[1], data_type=data_type, key=key)


class Resolver:
    """Resolves and caches types for a catalog; `lookup` finds a type's unresolved spec."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._full: dict[tuple[str, str], Spec] = {}
        self._base: dict[tuple[str, str], Spec] = {}
        self._busy: set[tuple[str, str, str]] = set()

    def copy_state(self) -> tuple[dict, dict]:
        """A snapshot of the caches (to roll back a failed load)."""
        return dict(self._full), dict(self._base)

    def restore_state(self, state: tuple[dict, dict]) -> None:
        self._full, self._base = dict(state[0]), dict(state[1])
        self._busy.clear()

    def find(self, ns: str, dt: str, *, loc: Any, owner: str | None, key: str) -> tuple[str, Spec, Any]:
        """The defining namespace, unresolved spec and location of `dt` as seen from `ns` (SpecError if unknown)."""
        if (found := self._lookup(ns, dt)) is None:
            raise _located(f"unknown data type {dt!r} (not defined in or included by namespace {ns!r})",
                           loc, owner, key)
        return found

    def hierarchy(self, ns: str, dt: str) -> list[str]:
        """`dt` then its ancestors, nearest first."""
        out: list[str] = []
        cur: str | None = dt
        while cur is not None:
            if cur in out:
                raise SpecError(f"circular inheritance: {' -> '.join(out + [cur])}", data_type=dt, key="data_type_inc")
            ns, spec, _ = self.find(ns, cur, loc=_NOWHERE, owner=out[-1] if out else None, key="data_type_inc")
            out.append(cur)
            cur = spec.data_type_inc
        return out

    def resolve(self, ns: str, dt: str) -> Spec:
        """The fully resolved spec of `dt` as seen from namespace `ns` (cached)."""
        return self._resolve(dt, self.find(ns, dt, loc=_NOWHERE, owner=None, key="data_type"), full=True)

    def _resolve(self, dt: str, found: tuple[str, Spec, Any], *, full: bool) -> Spec:
        """`dt` as `find` found it, merged with its ancestors (and, if `full`, its typed children's types)."""
        defns, spec, loc = found
        cache = self._full if full else self._base
        if (hit := cache.get((defns, dt))) is not None:
            return hit
        token = (defns, dt, "full" if full else "base")
        if token in self._busy:
            raise _located(f"circular inheritance involving {dt!r}", loc, dt, "data_type_inc")
        self._busy.add(token)
        try:
            m = _Merger(self, defns, dt, loc)
            typed = m.typed_children(spec) if full else {}
            if spec.data_type_inc is not None:  # (one rebuild: the typed children go in with the ancestors)
                parent = self.find(defns, spec.data_type_inc, loc=loc, owner=dt, key="data_type_inc")
                result = m.merge(spec, self._resolve(spec.data_type_inc, parent, full=full), "", typed)
            else:
                m.check_refs(spec, "")
                result = _rebuild(spec, **typed) if typed else spec
        finally:
            self._busy.discard(token)
        if full:
            result.resolved = True
        cache[(defns, dt)] = result
        return result


class _Merger:
    """Merges a child spec into a parent's for one type; errors name the type, file and key path."""

    def __init__(self, resolver: Resolver | None, ns: str, dt: str, loc: Any, namespace: Any = None) -> None:
        self.r, self.namespace, self.ns, self.dt, self.loc = resolver, namespace, ns, dt, loc

    def error(self, msg: str, key: str) -> SpecError:
        if self.r is None:  # hdmf's resolve_inc_spec: the message alone, as hdmf words it
            return _model._error(msg, self.dt, key or None)
        return _located(msg, self.loc, self.dt, key or None)

    def typed_children(self, spec: Spec) -> dict[str, list]:
        """A group spec's sub-groups and sub-datasets, each typed one merged with the type it includes ({} if none)."""
        if not isinstance(spec, GroupSpec) or all(s.data_type_inc is None for s in spec.datasets + spec.groups):
            return {}
        assert self.r is not None  # typed children are merged by the catalog's resolver only
        new: dict[str, list] = {"datasets": [], "groups": []}
        for kind, subs in new.items():
            for sub in getattr(spec, kind):
                if sub.data_type_inc is not None:  # its type at type level (ancestors merged, its children as written)
                    where = f"{kind}/{sub.name or sub.data_type}"
                    found = self.r.find(self.ns, sub.data_type_inc, loc=self.loc, owner=self.dt, key=where)
                    sub = self.merge(sub, self.r._resolve(sub.data_type_inc, found, full=False), where)
                subs.append(sub)
        return new

    def check_refs(self, spec: Any, path: str) -> None:
        """Check that the link and reference targets of `spec` are known types (catalog only)."""
        if self.r is not None:
            for dt, key in type_refs(spec, path):
                self.r.find(self.ns, dt, loc=self.loc, owner=self.dt, key=key)

    def _subtype(self, child_dt: str, parent_dt: str) -> bool:
        if self.r is not None:
            return parent_dt in self.r.hierarchy(self.ns, child_dt)
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
        for kind in _model._SUB_KINDS if isinstance(child, GroupSpec) else ("attributes",):
            # child sub-specs in order, each merged with the parent's of the same key, then the parent's others
            key, merge = _SUB_RULES[kind]
            theirs = {key(p): p for p in getattr(parent, kind)}
            fields[kind] = [c if (p := theirs.pop(key(c), None)) is None else merge(self, c, p, pre + kind)
                            for c in (subs or {}).get(kind, getattr(child, kind))] + list(theirs.values())
        if isinstance(child, DatasetSpec):
            fields.update(self._merge_array(child, parent, pre))
        result = _rebuild(child, **fields)
        result._set_inherited(parent, own_names(child))
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
        if cl.target_type != pl.target_type and not self._subtype(cl.target_type, pl.target_type):
            raise self.error(f"link target {cl.target_type!r} does not inherit from {pl.target_type!r}",
                             f"{key}/{pl.name or pl.target_type}")
        return cl


#: per kind of sub-spec: the key pairing a child's with the parent's, and how a pair merges
_SUB_RULES: dict[str, tuple[Callable[[Any], Any], Callable[..., Any]]] = {
    "attributes": (lambda a: a.name, _Merger._merge_attr),
    "datasets": (lambda s: ("name", s.name) if s.name is not None else ("type", s.data_type or ""), _Merger._merge_sub),
    "links": (lambda ln: (ln.name or "", ln.target_type if ln.name is None else ""), _Merger._merge_link)}
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


_model._merge = lambda spec, inc_spec, namespace: _Merger(  # hdmf's Spec.resolve_inc_spec (see spec/model.py)
    None, getattr(namespace, "name", "") or "", spec.data_type or spec.name or "", _NOWHERE, namespace).merge(spec, inc_spec, "")

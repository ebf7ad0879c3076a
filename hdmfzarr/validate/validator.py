"""Validate a builder tree against resolved specs: each typed node once against its type's spec, untyped children
against the sub-spec declaring them (structure, quantities, dtypes, shapes, targets), then the hdmf-common table
rules the schema language cannot say (aligned columns, sane ragged indexes, in-range region rows; only index and
region data are read, each once)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..build.builders import (
    Builder, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder, ReferenceBuilder, resolve_target
)
from ..errors import HdmfZarrError
from ..spec.dtypes import INTEGER_DTYPES
from ..spec.model import (
    DatasetSpec, GroupSpec, LinkSpec, canonical_spec_dtype, declared_type, is_compound_dtype, is_ref_dtype, shape_fits,
    spec_type
)
from . import values

__all__ = ["Validator", "ValidationIssue"]


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """A spec violation: where (object path), which rule (message), expected vs found; ``str(issue)`` reads like
    ``/people/age: dtype: expected int32 or wider integer, found float64``."""

    path: str
    message: str
    expected: str = ""
    found: str = ""

    def __str__(self) -> str:
        if self.expected or self.found:
            return f"{self.path}: {self.message}: expected {self.expected}, found {self.found}"
        return f"{self.path}: {self.message}"


class Validator:
    """Checks builder trees against a ``NamespaceCatalog`` (e.g. specs cached in a store), looking every type up in
    ``namespace`` if given (else in the namespace named on each object)."""

    def __init__(self, catalog: Any, namespace: str | None = None) -> None:
        self.catalog = catalog
        self.namespace = namespace
        self._found: dict[tuple[tuple[str | None, str], str], Any] = {}  # (type, catalog method) -> its answer
        self._loaded: dict[int, np.ndarray | None] = {}  # None: unreadable (reported once)
        self.issues: list[ValidationIssue] = []
        self._seen: set[tuple[str, str]] = set()
        self.root: Builder | None = None

    def validate(self, root: Builder) -> list[ValidationIssue]:
        """All issues in the tree below ``root`` (empty when valid), in tree order."""
        self.issues, self._seen, self._loaded = [], set(), {}
        self.root = root.root
        nodes = list(root.walk()) if isinstance(root, GroupBuilder) else [root]
        for node in nodes:
            t = declared_type(node.attributes)
            spec = None if t is None else self._lookup(t, "get_spec")
            if spec is not None:
                self.check_node(node, spec, children=True)
            elif t is not None:
                where = f"namespace {t[0]!r}" if t[0] else "the loaded namespaces"
                self.report(node.path, "data type", f"a type defined in {where}", f"unknown type {t[1]!r}")
        check_tables(self, nodes)
        return list(self.issues)

    def report(self, path: str, message: str, expected: str = "", found: str = "") -> None:
        """Record one issue, once per path (a typed child and the sub-spec holding it often state the same rule)."""
        if (path, message) not in self._seen:
            self._seen.add((path, message))
            self.issues.append(ValidationIssue(path, message, expected, found))

    def load(self, builder: DatasetBuilder) -> np.ndarray | None:
        """A dataset's values, read once per validation run (``None`` when unreadable)."""
        key = id(builder)
        if key not in self._loaded:
            try:
                self._loaded[key] = values.load(builder.data)
            except (HdmfZarrError, OSError, ValueError, TypeError) as exc:
                self.report(builder.path, "data", "readable data", f"error {exc}")
                self._loaded[key] = None  # not read again
        return self._loaded[key]

    def hierarchy(self, builder: Builder) -> list[str] | None:
        """The builder's type and its ancestors, or ``None`` when untyped or unknown."""
        t = declared_type(builder.attributes)
        return None if t is None else self._lookup(t, "get_hierarchy")

    def _lookup(self, t: tuple[str | None, str], method: str) -> Any:
        """The catalog's ``method(namespace, type)`` for type ``t`` (None if no namespace knows it), asked once."""
        if (t, method) not in self._found:
            tried, answer = [self.namespace, t[0]], None
            with suppress(HdmfZarrError, KeyError, ValueError, AttributeError):
                tried.append(self.catalog.namespace_of(t[1]))
            for name in dict.fromkeys(n for n in tried if n):
                with suppress(HdmfZarrError, KeyError, ValueError):
                    answer = getattr(self.catalog, method)(name, t[1])
                    break
            self._found[t, method] = answer
        return self._found[t, method]

    def is_a(self, builder: Builder | ExternalTarget | None, data_type: str) -> bool:
        """Whether ``builder`` is a builder typed ``data_type`` or a subtype of it."""
        h = self.hierarchy(builder) if isinstance(builder, Builder) else None
        return h is not None and data_type in h

    def describe_type(self, builder: Builder) -> str:
        t = declared_type(builder.attributes)
        return f"{t[1] if t else f'untyped {_kind_of(builder)}'} at {builder.path}"

    def resolve(self, ref: Any) -> Builder | ExternalTarget | None:
        """The builder a reference, link target or path points at (``None`` when dangling)."""
        return resolve_target(ref, self.root)

    def check_node(self, node: Builder, spec: Any, children: bool) -> None:
        """Attributes, dtype/shape and (when ``children``) the sub-specs of one node."""
        if isinstance(spec, (GroupSpec, DatasetSpec)) and isinstance(spec, GroupSpec) != isinstance(node, GroupBuilder):
            self.report(node.path, "kind", f"a {_kind_of(spec)}", f"a {_kind_of(node)}")
            return
        self._check_attributes(node, spec)
        if isinstance(node, DatasetBuilder):
            self._check_dataset(node, spec)
        elif children and isinstance(node, GroupBuilder):
            self._check_children(node, spec)

    def _check_attributes(self, node: Builder, spec: Any) -> None:
        for aspec in spec.attributes:
            if (value := node.attributes.get(aspec.name)) is not None:
                self._check_value(node.path, f"attribute {aspec.name!r}", value, aspec)
            elif aspec.is_required:
                exp = values.describe_dtype(canonical_spec_dtype(aspec.dtype))
                self.report(node.path, f"attribute {aspec.name!r}", f"required {exp}", "nothing")

    def _check_value(self, path: str, what: str, value: Any, aspec: Any) -> None:
        """dtype, shape, fixed value and reference target of one attribute value."""
        expected = canonical_spec_dtype(aspec.dtype)  # specs keep dtypes as written ('uint'); rules use canonical
        found_shape = values.value_shape(value)
        self._check_shape(path, f"{what} shape", found_shape, aspec)
        if is_ref_dtype(expected):
            items = [value] if found_shape == () else list(np.asarray(values.unwrap(value), dtype=object).ravel())
            for i, item in enumerate(items):
                if not isinstance(item, (ReferenceBuilder, Builder)):
                    self._dtype_issue(path, f"{what} dtype", expected, values.value_dtype(item))
                    return
                self._check_target(path, what, item, expected.target_type, None if found_shape == () else i)
            return
        if values.is_empty(value):
            return
        found = values.value_dtype(value)
        if expected in INTEGER_DTYPES and (ints := values.python_ints(value)) is not None:
            # JSON/Python integers have no width: any integer spec they fit in is met
            bad = next((i for i in ints if not values.int_fits(i, expected)), None)
            if bad is not None:
                self.report(path, f"{what} dtype", values.describe_dtype(expected), f"integer {bad} (out of range)")
            return
        if not values.dtype_satisfies(found, expected):
            self._dtype_issue(path, f"{what} dtype", expected, found)
            return
        if expected == "isodatetime":
            self._check_isodatetime(path, what, np.asarray(values.unwrap(value), dtype=object))
        if aspec.value is not None and not _same_value(value, aspec.value):
            self.report(path, f"{what} value", repr(aspec.value), repr(_plain(value)))

    def _check_target(self, path: str, what: str, ref: Any, target_type: str, index: int | None) -> bool:
        """Report a reference whose target is missing or of the wrong type; whether it was bad."""
        at = "" if index is None else f" (element {index})"
        target = self.resolve(ref)
        if target is None:
            dest = ref.path if isinstance(ref, ReferenceBuilder) else str(ref)
            self.report(path, f"{what} target{at}", f"an object at {dest}", "nothing")
        elif not isinstance(target, ExternalTarget) and not self.is_a(target, target_type):
            self.report(path, f"{what} target{at}", f"{target_type} or a subtype", self.describe_type(target))
        else:
            return False
        return True

    def _check_shape(self, path: str, what: str, found: tuple[int, ...] | None, spec: Any) -> None:
        options = spec.shapes
        if options is not None and found is not None and not any(shape_fits(found, opt) for opt in options):
            shown = "scalar" if found == () else "[" + ", ".join(map(str, found)) + "]"
            self.report(path, what, values.describe_shape(options, spec.dims_options), shown)

    def _check_isodatetime(self, path: str, what: str, arr: np.ndarray) -> None:
        for i, v in enumerate(arr.ravel()):
            if not values.is_isodatetime(v):
                at = "" if arr.ndim == 0 else f" (element {i})"
                self.report(path, f"{what}{at}", "ISO 8601 date/time text", repr(_plain(v)))
                return

    def _check_dataset(self, node: DatasetBuilder, spec: Any) -> None:
        self._check_shape(node.path, "shape", values.dataset_shape(node), spec)
        expected = canonical_spec_dtype(spec.dtype)
        if expected is None:
            return
        found = values.dataset_dtype(node)
        if is_ref_dtype(expected):
            if found != values.REFERENCE:
                if found is not None or not values.is_empty(node.data):
                    self._dtype_issue(node.path, "dtype", expected, found)
            elif (arr := self.load(node)) is not None:
                self._check_targets(node.path, "reference", arr.ravel(), expected.target_type, indexed=bool(arr.ndim))
        elif is_compound_dtype(expected):
            self._check_compound(node, list(expected), found)
        elif found is not None and not values.dtype_satisfies(found, expected):
            self._dtype_issue(node.path, "dtype", expected, found)
        elif found is not None and expected == "isodatetime" and (arr := self.load(node)) is not None:
            self._check_isodatetime(node.path, "isodatetime", arr)

    def _dtype_issue(self, path: str, what: str, expected: Any, found: Any) -> None:
        self.report(path, what, values.describe_dtype(expected), values.describe_found(found))

    def _check_compound(self, node: DatasetBuilder, expected: list[Any], found: Any) -> None:
        if not isinstance(found, list):
            self._dtype_issue(node.path, "dtype", expected, found)
            return
        by_name = {f.name: (i, f.dtype) for i, f in enumerate(found)}
        ref_fields: list[tuple[int, str, str]] = []
        for field in expected:
            pos, got = by_name.get(field.name, (0, None))
            what = f"compound field {field.name!r}"
            if got is None:
                self.report(node.path, what, values.describe_dtype(field.dtype), "no such field")
            elif is_ref_dtype(field.dtype) and got == values.REFERENCE:
                ref_fields.append((pos, field.name, field.dtype.target_type))
            elif is_ref_dtype(field.dtype) or not values.dtype_satisfies(got, field.dtype):
                self._dtype_issue(node.path, f"{what} dtype", field.dtype, got)
        if ref_fields and (arr := self.load(node)) is not None:
            rows = [arr[()]] if arr.ndim == 0 else list(arr)
            for pos, name, target_type in ref_fields:
                items = [row[name] if isinstance(row, (np.void, dict)) else row[pos] for row in rows]
                self._check_targets(node.path, f"compound field {name!r}", items, target_type)

    def _check_targets(self, path: str, what: str, items: Any, target_type: str, indexed: bool = True) -> None:
        """The targets of a column of references, up to the first bad one (one issue per column)."""
        # a column checked twice (as a typed child, then under its parent's spec) stops at the same element
        for i, item in enumerate(items):
            if self._check_target(path, what, item, target_type, i if indexed else None):
                return

    def _check_children(self, node: GroupBuilder, spec: Any) -> None:
        named = [s for s in _subspecs(spec) if s.name]
        claimed = {s.name for s in named}
        for sub in named:
            if (child := node.get(sub.name)) is not None:
                self._check_child(child, sub)
            elif sub.required:
                self.report(f"{node.path.rstrip('/')}/{sub.name}", _kind_of(sub), f"required {_what(sub)}", "nothing")
        for sub in (s for s in _subspecs(spec) if not s.name):
            matches = [c for c in _candidates(node, sub) if c.name not in claimed and self._matches(c, sub)]
            lo, hi = sub.min_count, sub.max_count
            if len(matches) < lo or (hi is not None and len(matches) > hi):
                want = f"{lo}" if lo == hi else f"{lo}..{'many' if hi is None else hi}"
                self.report(node.path, f"quantity of {_what(sub)}", f"{want}", f"{len(matches)}")
            for child in matches:
                self._check_child(child, sub)

    def _matches(self, child: Builder, sub: Any) -> bool:
        target = self.resolve(child) if isinstance(child, LinkBuilder) else child  # a LinkSpec's candidates are links
        return self.is_a(target, sub.target_type if isinstance(sub, LinkSpec) else spec_type(sub) or "")

    def _check_child(self, child: Builder, sub: Any) -> None:
        """A child found for a sub-spec: right kind and type, then the sub-spec's own refinements."""
        if isinstance(sub, LinkSpec):
            if not isinstance(child, LinkBuilder):
                self.report(child.path, "link", f"a link to {sub.target_type}", "a stored object")
                return
            target = self.resolve(child)
            if target is None:
                self.report(child.path, "link target", f"{sub.target_type} or a subtype", "nothing (dangling link)")
            elif not isinstance(target, ExternalTarget) and not self.is_a(target, sub.target_type):
                self.report(child.path, "link target", f"{sub.target_type} or a subtype", self.describe_type(target))
            return
        if isinstance(child, LinkBuilder):
            if not sub.linkable:
                self.report(child.path, "link", f"a stored {_kind_of(sub)} (not linkable)", "a link")
                return
            target = self.resolve(child)
            if target is None:
                self.report(child.path, "link target", _what(sub), "nothing (dangling link)")
                return
            if isinstance(target, ExternalTarget):
                return
            if isinstance(sub, GroupSpec) != isinstance(target, GroupBuilder):
                self.report(child.path, "link target", f"a {_kind_of(sub)}", self.describe_type(target))
                return
            child = target
        dt, found = spec_type(sub), declared_type(child.attributes)
        if dt is not None and found is None:
            self.report(child.path, "data type", f"{dt} or a subtype", f"untyped {_kind_of(sub)}")
        elif found is not None and dt is not None and self.hierarchy(child) is not None and not self.is_a(child, dt):
            self.report(child.path, "data type", f"{dt} or a subtype", found[1])
        else:  # a typed child is validated against its own type; here only the sub-spec's refinements
            self.check_node(child, sub, children=dt is None)


def _subspecs(spec: Any) -> list[Any]:
    return [*spec.groups, *spec.datasets, *spec.links]


def _candidates(node: GroupBuilder, sub: Any) -> list[Builder]:
    stored = {} if isinstance(sub, LinkSpec) else node.groups if isinstance(sub, GroupSpec) else node.datasets
    return [*stored.values(), *node.links.values()]  # a LinkSpec's candidates are the links only


def _kind_of(sub: Any) -> str:
    """What a sub-spec (or a builder) declares: link, group or dataset."""
    return "link" if isinstance(sub, LinkSpec) else "group" if isinstance(sub, (GroupSpec, GroupBuilder)) else "dataset"


def _what(sub: Any) -> str:
    if isinstance(sub, LinkSpec):
        return f"link to {sub.target_type}"
    dt = spec_type(sub)
    return f"{_kind_of(sub)} of type {dt}" if dt else _kind_of(sub)


def _plain(value: Any) -> Any:
    value = values.unwrap(value)
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def _same_value(found: Any, fixed: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(_plain(found), dtype=object), np.asarray(fixed, dtype=object)))
    except (ValueError, TypeError):
        return _plain(found) == fixed


# -- hdmf-common table rules -------------------------------------------------------------------------------------


def check_tables(v: Validator, nodes: list[Builder]) -> None:
    """Apply the table rules to every DynamicTable, VectorIndex and DynamicTableRegion."""
    for node in nodes:
        if isinstance(node, GroupBuilder) and v.is_a(node, "DynamicTable"):
            _check_columns(v, node)
            n_rows = _rows(node) if v.is_a(node, "AlignedDynamicTable") else None  # its sub-tables align with it
            for sub in node.groups.values() if n_rows is not None else ():
                if v.is_a(sub, "DynamicTable") and (n := _rows(sub)) not in (None, n_rows):
                    v.report(sub.path, "rows", f"{n_rows} (aligned with {node.path})", f"{n}")
        elif isinstance(node, DatasetBuilder):
            if v.is_a(node, "VectorIndex"):
                _check_index(v, node)
            elif v.is_a(node, "DynamicTableRegion"):
                _check_region(v, node)


def _length(node: DatasetBuilder) -> int | None:
    shape = values.dataset_shape(node)
    return shape[0] if shape else None


def _rows(table: GroupBuilder) -> int | None:
    """A table's row count: the length of its ``id`` dataset (None when it has none)."""
    return _length(table.datasets["id"]) if "id" in table.datasets else None


def _index_of(v: Validator, table: GroupBuilder, column: DatasetBuilder) -> DatasetBuilder | None:
    """The VectorIndex in ``table`` whose ``target`` is ``column`` (by reference, else by name)."""
    for ds in table.datasets.values():
        if ds is not column and v.is_a(ds, "VectorIndex") and v.resolve(ds.attributes.get("target")) is column:
            return ds
    if (by_name := table.datasets.get(f"{column.name}_index")) is not None and v.is_a(by_name, "VectorIndex"):
        return None if "target" in by_name.attributes else by_name
    return None


def row_count(v: Validator, table: GroupBuilder, column: DatasetBuilder) -> int | None:
    """Rows a column spans: the length of its outermost index, else its own length."""
    node, seen = column, {id(column)}
    while (index := _index_of(v, table, node)) is not None and id(index) not in seen:
        node = index
        seen.add(id(node))
    return _length(node)


def _check_columns(v: Validator, table: GroupBuilder) -> None:
    ids = table.datasets.get("id")
    n_rows = _rows(table)
    colnames = _colnames(table)
    for name in colnames:
        if name not in table:
            v.report(f"{table.path.rstrip('/')}/{name}", "column", "a dataset named in colnames", "nothing")
    if n_rows is None:
        return
    targets = {id(t) for ds in table.datasets.values()
               if v.is_a(ds, "VectorIndex") and isinstance(t := v.resolve(ds.attributes.get("target")), Builder)}
    listed = "colnames" in table.attributes
    for ds in table.datasets.values():
        column = ds.name in colnames if listed else id(ds) not in targets and v.is_a(ds, "VectorData")
        if ds is ids or v.is_a(ds, "VectorIndex") or not column:
            continue  # not a column (e.g. the elements of an EnumData): need not be row-aligned
        rows = row_count(v, table, ds)
        if rows is not None and rows != n_rows:
            via = "" if _index_of(v, table, ds) is None else " (rows counted by its index)"
            v.report(ds.path, "rows", f"{n_rows} (the length of id)", f"{rows}{via}")


def _check_index(v: Validator, index: DatasetBuilder) -> None:
    target = v.resolve(index.attributes.get("target"))
    if (flat := _integers(v, index)) is None:
        return
    bad = np.flatnonzero(np.diff(flat.astype(np.int64)) < 0)
    if bad.size:
        i = int(bad[0]) + 1
        v.report(index.path, "monotonic", "non-decreasing values",
                 f"{int(flat[i])} at element {i} after {int(flat[i - 1])}")
    if isinstance(target, DatasetBuilder):
        n = _length(target)
        last = int(flat[-1])
        if n is not None and last != n:
            v.report(index.path, "last value", f"{n} (the length of {target.path})", f"{last}")


def _check_region(v: Validator, region: DatasetBuilder) -> None:
    table = v.resolve(region.attributes.get("table"))
    if not isinstance(table, GroupBuilder):
        return
    if (n := _rows(table)) is None or (flat := _integers(v, region)) is None:
        return
    bad = np.flatnonzero((flat < 0) | (flat >= n))
    if bad.size:
        i = int(bad[0])
        v.report(region.path, "region", f"row indices in 0..{n - 1} (rows of {table.path})",
                 f"{int(flat[i])} at element {i}")


def _integers(v: Validator, node: DatasetBuilder) -> np.ndarray | None:
    """A dataset's values, flat, if integers (else the dtype rule already reported it)."""
    arr = v.load(node)
    return None if arr is None or arr.size == 0 or arr.dtype.kind not in "iu" else arr.ravel()


def _colnames(table: GroupBuilder) -> list[str]:
    value = values.unwrap(table.attributes.get("colnames"))
    if value is None:
        return []
    items = [value] if isinstance(value, (str, bytes)) else np.asarray(value, dtype=object).ravel()
    return [c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in items]

"""hdmf-common table rules the schema language cannot say: aligned columns, sane ragged indexes
and in-range region rows. Only index and region data are read, each once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..build.builders import Builder, DatasetBuilder, GroupBuilder
from . import values

if TYPE_CHECKING:
    from .validator import Validator

__all__ = ["check_tables", "row_count"]


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

"""What a tree read from a store must append, and in which order: the table knowledge of the
append commit protocol (docs/format.md), kept out of the storage layer.

The backend asks this module which buffered rows exist (:func:`buffered_columns`), in which
phase each array is grown (data, then indexes, then ``id`` last: :func:`column_rank`), which
datasets are table columns (they buffer rows themselves), and how to bound every column of a
table by its committed row count (:func:`bound_table_columns`). It never touches storage: it
calls back into the backend to shrink an array's visible length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..common.columns import BufferedData, ElementIdentifiers, VectorIndex
from ..spec.model import declared_type
from .builders import DatasetBuilder, GroupBuilder

__all__ = ["TABLE_COLUMN_TYPES", "ID_RANK", "is_table_column", "column_rank", "buffered_columns",
           "bound_table_columns"]

TABLE_COLUMN_TYPES = frozenset({"VectorData", "VectorIndex", "ElementIdentifiers", "DynamicTableRegion"})
ID_RANK = 1_000  # ids are written after every other array of the tree: their length commits a row


def is_table_column(builder: DatasetBuilder) -> bool:
    """Whether a dataset read from a store is a table column (columns buffer appended rows themselves)."""
    found = declared_type(builder.attributes)
    return found is not None and found[1] in TABLE_COLUMN_TYPES


def column_rank(column: Any) -> int:
    """The phase in which ``column`` is grown: 0 for data, 1 + its target's for an index, last for ``id``."""
    if isinstance(column, ElementIdentifiers):
        return ID_RANK
    if isinstance(column, VectorIndex):
        return 1 + column_rank(column.target)
    return 0


def buffered_columns(containers: list[Any]) -> Iterator[tuple[Any, Any, np.ndarray]]:
    """``(column, stored data, new rows)`` for every store-backed column holding buffered rows."""
    for c in containers:
        if not isinstance(c, BufferedData) or not c.is_lazy:
            continue
        rows = c.pending_rows
        if rows is None or not len(rows):
            continue
        yield c, c.base_data, np.asarray(rows)


def bound_table_columns(root: GroupBuilder, length: Callable[[Any], int | None],
                        truncate: Callable[[DatasetBuilder, int], None]) -> None:
    """Bound every column of every table to its committed rows: ``len(id)`` rows, and a ragged
    column's data by its (bounded) index's last offset. ``length(data)`` gives a stored array's
    length (None when it is not stored), ``truncate(dataset, n)`` hides rows past ``n``."""
    for g in root.walk():
        if not isinstance(g, GroupBuilder) or "colnames" not in g.attributes or "id" not in g.datasets:
            continue
        n = length(g.datasets["id"].data)
        if n is None:
            continue
        targets = {id(getattr(t, "target", t)) for d in g.datasets.values()
                   if (t := d.attributes.get("target")) is not None}
        for d in g.datasets.values():
            if id(d) not in targets and d.name != "id":
                _bound_chain(d, n, length, truncate)


def _bound_chain(d: DatasetBuilder, n: int, length: Callable[[Any], int | None],
                 truncate: Callable[[DatasetBuilder, int], None]) -> None:
    stored = length(d.data)
    if stored is None or stored < n:
        return  # shorter than id: not an append left-over; the table itself reports the mismatch
    if stored > n:
        truncate(d, n)
    target = getattr(d.attributes.get("target"), "target", None)
    if isinstance(target, DatasetBuilder):
        _bound_chain(target, int(np.asarray(d.data[n - 1])) if n else 0, length, truncate)

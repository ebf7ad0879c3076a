"""How a ``DynamicTable``'s columns take appended rows (``add_row``, ``extend``): one checking plan per
column, and nested rows flattened into values and offsets. Imported when a table first takes rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from hdmfzarr.common.columns import (OBJECT_TYPE, ColumnType, DynamicTableRegion, EnumData, VectorData, VectorIndex,
                                     as_positions, cell_shape, column_chain, infer_column_type, is_ragged_list)
from hdmfzarr.errors import ContainerError

if TYPE_CHECKING:
    from hdmfzarr.common.table import DynamicTable

__all__ = ["ColumnPlan", "flatten_rows"]

_PY_SCALARS = (int, float, str, bool)
_SEQ_TYPES = (list, tuple, np.ndarray)


class ColumnPlan:
    """How one user-visible column takes a row: its objects from the top index to the leaf."""

    __slots__ = ("top", "leaf", "depth", "chain", "region", "enum", "ct", "row_shape", "table", "where", "fast",
                 "mark")
    fast: Callable[[Any], bool] | None

    def __init__(self, name: str, top: VectorData, table: DynamicTable) -> None:
        chain = column_chain(top)
        self.top = top
        self.chain = chain  # top ... leaf
        self.leaf = chain[-1]
        self.depth = len(chain) - 1
        self.region = isinstance(self.leaf, DynamicTableRegion)
        self.enum = isinstance(self.leaf, EnumData)
        self.ct: ColumnType | None = self.leaf.column_type
        self.row_shape = self.leaf.row_shape()
        self.table = table
        self.where = f"DynamicTable {table.name!r}, column {name!r}"  # how its errors name the column
        self.mark: tuple | None = None  # (rows before, type, enum elements) before the last general-path row
        if self.depth == 0 and self.row_shape and self.leaf._ragged is None and is_ragged_list(self.leaf.base_data):
            self.ct = self.leaf.mark_ragged(warned=False)  # given ragged data: the next checked row warns (as hdmf)
        self._specialise()

    def _specialise(self) -> None:
        """Set ``fast``, the test a plain Python cell of a typed scalar column (each value of a list if ragged) passes
        to be appended as it is (an int in range, ASCII text, a float/bool/int the type accepts); None: no fast path."""
        ct = self.ct
        if ct is None or self.region or self.enum or self.row_shape != () or self.depth > 1:
            self.fast = None
        elif (bounds := ct.int_bounds) is not None:
            self.fast = lambda v, lo=bounds[0], hi=bounds[1]: type(v) is int and lo <= v <= hi
        elif ct.is_text:
            self.fast = lambda v: type(v) is str and v.isascii()
        else:
            self.fast = lambda v, accept=ct.accept: type(v) in (float, bool, int) and isinstance(v, accept)

    def add(self, value: Any) -> None:
        """Check a cell, then append it: a cell ``fast`` passes (a list of them, if ragged) skips ``add_cell``."""
        fast = self.fast
        if fast is None:
            self.add_cell(value)
        elif not self.depth:
            if fast(value):
                self.leaf.rows.append(value)
            else:
                self.add_cell(value)
        elif type(value) is not list or not all(map(fast, value)):
            self.add_cell(value)
        elif len(value) <= 64:
            self.leaf.rows.extend(value)
            self.top.rows.append(len(self.leaf))
        else:
            self.commit_cell(value, None)

    def error(self, message: str) -> ContainerError:
        return ContainerError(f"{self.where}: {message}")

    def add_cell(self, value: Any) -> None:
        """The general path of ``add``: check the cell, changing nothing if it is bad (the value to append, and the
        column's type if this cell fixes it), then append it."""
        if self.depth and not isinstance(value, _SEQ_TYPES):
            raise self.error(f"is ragged (index depth {self.depth}); expected a list or array per row, "
                             f"got {type(value).__name__} {value!r:.60}")
        checked = (value, None) if self.enum else (  # an enum's value: its position is found (or added) on commit
            self._check_ragged(value, self.depth, self.ct) if self.depth else self._check_element(value, self.ct))
        self.commit_cell(*checked)

    def _check_element(self, value: Any, ct: ColumnType | None) -> tuple[Any, ColumnType | None]:
        if isinstance(value, tuple) and ct is not None and ct.np_dtype.names is not None:  # a record (named ones too)
            try:
                np.array(value, dtype=ct.np_dtype)
            except (OverflowError, ValueError, TypeError) as exc:  # e.g. 2**40 for an int32 field: never wrapped
                raise self.error(f"record {value!r:.60} does not fit {ct.np_dtype}: {exc}") from None
            row_type = getattr(self.leaf.base_data, "row_type", None)  # records read from a store: named fields
            return (row_type(*value) if row_type is not None else value), None
        if not isinstance(value, _SEQ_TYPES):  # a scalar, None, bytes, a datetime, any other object
            if self.row_shape and (type(value) in _PY_SCALARS or isinstance(value, np.generic)):
                raise self.error(f"expected an array of shape {self.row_shape} per element, "
                                 f"got scalar {value!r:.60}")
            new_ct: ColumnType | None = None
            if ct is None:
                ct = new_ct = infer_column_type(value)
            elif not isinstance(value, ct.accept):
                raise self.error(f"expected values of dtype {ct.spec_dtype or ct.np_dtype}, got {type(value).__name__} "
                                 f"{value!r:.60}")
            self._check_values(value, ct, elements=False, typed=False)
            return value, new_ct
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise self.error(f"cannot make an array of {value!r:.60}: {exc}") from None
        self.leaf.warn_ragged(self.where, self.table._check_ragged)
        if self.row_shape is not None and arr.shape != self.row_shape:
            if not self.row_shape:
                raise self.error(f"expected a scalar per row, got {type(value).__name__} of shape {arr.shape}")
            # as hdmf: elements of different lengths in a list column without an index are kept (as
            # objects), with a warning once unless check_ragged=False; writing such a column fails
            if not self.leaf.takes_ragged_rows():  # an array: rows of one shape
                raise self.error(f"expected shape {self.row_shape} per row, got shape {arr.shape}")
            self.leaf.warn_ragged(self.where, self.table._check_ragged)
            return value, (OBJECT_TYPE if ct is None or not ct.is_text else None)
        if ct is None:
            return value, infer_column_type(arr)  # kept as given (hdmf appends the value itself)
        self._check_values(arr, ct, elements=False)
        return value, None

    def _check_values(self, arr: Any, ct: ColumnType, elements: bool = True, typed: bool = True,
                      outcome: str = "the row was not added") -> None:
        """Raise unless ``arr`` (an array or one value) fits ``ct`` (its dtype unless ``typed`` is False, integer range,
        UTF-8), the column's element shape (``elements``: ``arr`` holds elements, not one) and the target's rows."""
        if typed and not ct.check_array(arr):
            raise self.error(f"expected values of dtype {ct.spec_dtype or ct.np_dtype}, got an array of {arr.dtype}")
        problem = ct.bad_value(arr)
        if problem:
            raise self.error(f"{problem}; {outcome}")
        if elements and self.row_shape is not None and arr.shape[1:] != self.row_shape:
            raise self.error(f"expected elements of shape {self.row_shape}, got shape {arr.shape[1:]}")
        if self.region:
            self.leaf.check_in_bounds(arr)

    def _check_ragged(self, value: Any, depth: int, ct: ColumnType | None) -> tuple[Any, ColumnType | None]:
        if depth > 1:
            new_ct = None
            for inner in value:
                if not isinstance(inner, _SEQ_TYPES):
                    raise self.error(f"is doubly ragged; expected a list of lists per row, got element {inner!r:.60}")
                _, got = self._check_ragged(inner, depth - 1, ct or new_ct)
                new_ct = new_ct or got
            return value, new_ct
        if isinstance(value, np.ndarray):
            if ct is None:
                return value, infer_column_type(value) if value.size else None
            self._check_values(value, ct)
            return value, None
        new_ct = None
        checked = []
        for v in value:
            v, got = self._check_element(v, ct)
            checked.append(v)
            if got is not None:
                ct = new_ct = got  # each element's region bounds are checked with it
        records = any(c is not v for c, v in zip(checked, value))  # records made the stored rows' named tuples
        return (checked if records else value), new_ct

    def commit_cell(self, value: Any, new_ct: ColumnType | None) -> None:
        """Append a checked cell (a ragged row through its index, an enum value by position); marks it for ``undo``."""
        leaf = self.leaf
        self.mark = (len(self.top), leaf._ctype, len(leaf.elements) if self.enum else 0)
        if new_ct is not None:
            self.ct = leaf._ctype = new_ct
        if isinstance(self.top, VectorIndex):
            self.top.add_vector(value)
        elif self.enum:
            leaf.add_row(value)
        else:
            leaf.rows.append(value)
        if self.row_shape is None and (self.depth == 0 or self.depth == 1 and len(value)):
            self.row_shape = cell_shape(value if self.depth == 0 else value[0])
        self._specialise()  # the type or shape this cell fixed may open the fast path

    def undo(self, value: Any) -> None:
        """Take back the row ``value`` this column took last (a later cell was bad), and the type or enum elements it
        added; the table makes its plans again afterwards."""
        rows = [value]
        for obj in self.chain[:-1]:  # each index took one offset per row of the level above
            obj.rows.drop(len(rows))
            rows = [x for r in rows for x in r]
        self.leaf.rows.drop(len(rows))
        if self.mark is not None and self.mark[0] == len(self.top):  # the row taken back is the one that set the mark
            _, self.leaf._ctype, nelements = self.mark
            if self.enum:
                self.leaf.elements.rows.drop(len(self.leaf.elements) - nelements)

    def prepare_many(self, values: Any) -> list[tuple[VectorData, np.ndarray]]:
        """Validate a batch of cells for ``extend``: the (column object, new rows) pairs to append."""
        flat, offsets = flatten_rows(values, self.depth, self.where) if self.depth else (values, [])
        if self.enum:
            flat = as_positions(self.leaf.positions(list(flat)))
        else:
            try:
                flat = flat if isinstance(flat, np.ndarray) else np.asarray(
                    flat, dtype=object if self.ct is not None and self.ct.is_text else None)
            except (ValueError, TypeError) as exc:
                raise self.error(f"cannot make an array of the values: {exc}") from None
            typed, ct = self.ct is not None, self.ct or (infer_column_type(flat) if flat.size else None)
            if ct is not None:
                self._check_values(flat, ct, typed=typed, outcome="no rows were added")
                flat = ct.to_array(flat)
        up = self.chain[::-1]  # the leaf, then each index outwards: offsets continue each one's stored rows
        return [(self.leaf, flat)] + [(obj, offs + len(below)) for below, obj, offs in zip(up, up[1:], offsets)]


def flatten_rows(rows: Any, depth: int, where: str) -> tuple[Any, list[np.ndarray]]:
    """Nested rows -> (flat values, offsets per level from the innermost index outward)."""
    levels: list[np.ndarray] = []
    for level in range(depth):
        if isinstance(rows, np.ndarray) and rows.dtype.kind != "O" and rows.ndim >= 2:
            lengths = np.full(rows.shape[0], rows.shape[1], dtype=np.int64)
            rows = rows.reshape((-1,) + rows.shape[2:])
        else:
            types = set(map(type, rows))
            if not all(issubclass(t, _SEQ_TYPES) for t in types):
                bad = sorted(t.__name__ for t in types if not issubclass(t, _SEQ_TYPES))
                raise ContainerError(f"{where}: index depth {depth} needs {depth}-level nested sequences "
                                     f"(lists or arrays), got elements of type {bad}")
            lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
            if level == depth - 1 and len(rows) and types == {np.ndarray}:
                rows = np.concatenate(rows)
            else:
                rows = list(itertools.chain.from_iterable(rows))
        levels.append(np.cumsum(lengths, dtype=np.int64))
    return rows, levels[::-1]

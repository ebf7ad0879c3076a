"""Tables linked by region columns, flattened into one pandas DataFrame (hdmf's ``hierarchicaltable``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hdmfzarr.common.columns import DynamicTableRegion, column_chain
from hdmfzarr.common.dataframe import import_pandas
from hdmfzarr.common.table import DynamicTable
from hdmfzarr.errors import ContainerError

__all__ = ["to_hierarchical_dataframe", "drop_id_columns", "flatten_column_index"]


def _hashable(value: Any) -> Any:
    """Index levels must be hashable: ragged cells (lists, arrays) become tuples."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _frame_with_origin(table: DynamicTable) -> tuple[Any, np.ndarray, bool]:
    """(DataFrame, row of ``table`` behind each frame row, whether the frame is hierarchical)."""
    pd = import_pandas()
    foreign = table.get_foreign_columns()
    if not foreign:
        return table.to_dataframe(), np.arange(len(table)), False
    name = foreign[0]
    leaf = column_chain(table.get_column(name))[-1]
    target = leaf.table if isinstance(leaf, DynamicTableRegion) else None
    if target is None:
        raise ContainerError(f"{type(table).__name__} {table.name!r}: region column {name!r} has no target table")
    target_df, target_origin, target_hier = _frame_with_origin(target)
    flat_target = target_df.reset_index()
    labels = list(flat_target.columns) if target_hier else [(target.name, c) for c in ["id", *flat_target.columns[1:]]]
    rows_of: dict[int, list[int]] = {}
    for k, j in enumerate(target_origin.tolist()):
        rows_of.setdefault(int(j), []).append(k)

    others = [c for c in table.colnames if c != name]
    ids = np.asarray(table.id.get_all()).tolist()
    own = table.get_dict(slice(None), index=True)
    index_names = [(table.name, "id")] + [(table.name, c) for c in others]
    keys = [(ids[i], *(_hashable(own[c][i]) for c in others)) for i in range(len(table))]
    positions: list[int] = []  # the target frame's rows each of this table's rows leads to, in order
    origin: list[int] = []
    for i in range(len(table)):
        for j in np.asarray(own[name][i]).ravel().tolist():  # one row index, or a ragged cell's indices
            matches = rows_of.get(int(j), [])
            positions += matches
            origin += [i] * len(matches)
    out = flat_target.iloc[positions].copy()
    out.columns = pd.MultiIndex.from_tuples(labels) if labels else out.columns
    out.index = pd.MultiIndex.from_tuples([keys[i] for i in origin], names=index_names)  # no rows: empty levels
    return out, np.asarray(origin, dtype=np.int64), True


def to_hierarchical_dataframe(dynamic_table: DynamicTable) -> Any:
    """One DataFrame of ``dynamic_table`` and the tables its first region column leads to, recursively."""
    return _frame_with_origin(dynamic_table)[0]


def drop_id_columns(dataframe: Any, inplace: bool = False) -> Any:
    """The DataFrame without its id columns (labels ending in ``'id'``); the index is kept."""
    ids = [c for c in dataframe.columns if _flatten(c)[-1:] == ("id",)]
    if not inplace:
        return dataframe.drop(columns=ids)
    for label in ids:  # pandas deprecates drop(inplace=True)
        del dataframe[label]
    return dataframe


def _flatten(label: Any) -> tuple:
    if isinstance(label, tuple):
        return tuple(x for part in label for x in _flatten(part))
    return (label,)


def flatten_column_index(dataframe: Any, max_levels: int | None = None, inplace: bool = False) -> Any:
    """Nested column labels made flat tuples, keeping at most the last ``max_levels`` parts (1: plain names)."""
    pd = import_pandas()
    if max_levels is not None and max_levels <= 0:
        raise ValueError("max_levels must be greater than 0")
    flats = [_flatten(c)[-(max_levels or 0):] for c in dataframe.columns]  # max_levels None: every level
    labels = [flat[0] if len(flat) == 1 else flat for flat in flats]
    df = dataframe if inplace else dataframe.copy()
    df.columns = pd.Index(labels, tupleize_cols=False)
    return df

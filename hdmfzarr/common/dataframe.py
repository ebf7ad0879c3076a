"""A DynamicTable as a pandas DataFrame: each column read in bulk, store-backed ones on a thread pool so that their
round trips overlap; region columns are resolved afterwards, reading each target table once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from hdmfzarr.common.columns import BufferedData, DynamicTableRegion, EnumData, VectorIndex, column_chain
from hdmfzarr.errors import import_extra

if TYPE_CHECKING:
    from hdmfzarr.common.table import DynamicTable

__all__ = ["table_frame", "read_columns", "nesting_depth", "MAX_READ_THREADS"]

MAX_READ_THREADS = 8


def import_pandas() -> Any:
    """pandas, or an ImportError that says how to install it."""
    return import_extra("pandas", "pandas", "DataFrame conversion")


def read_columns(table: DynamicTable, key: Any, names: list[str]) -> tuple[Any, dict[str, Any]]:
    """``(ids, {column: values})`` for rows ``key`` (slice or integer array); lazy columns read concurrently."""
    tops: list[tuple[str, BufferedData]] = [("id", table.id)] + [(n, table.get_column(n)) for n in names]
    whole = isinstance(key, slice) and key == slice(None)
    lazy = any(obj.is_lazy for _, top in tops for obj in column_chain(top))
    # whole stored ragged columns: the offsets and the values do not wait for each other (one concurrent
    # wave for the whole table instead of offsets, then values)
    jobs: list[tuple[str, BufferedData, Callable[[], Any]]] = []  # (column, object, its read)
    for name, top in tops:
        chain = column_chain(top)
        if whole and len(chain) > 1 and all(o.is_lazy and not o.rows.count for o in chain):
            jobs += [(name, o, partial(o.get_offsets, slice(None))) for o in chain[:-1]]  # type: ignore[attr-defined]
            jobs.append((name, chain[-1], partial(chain[-1].read, slice(None))))
        else:
            jobs.append((name, top, top.get_all if whole else partial(top.read, key)))
    if lazy and len(jobs) > 1:
        with ThreadPoolExecutor(min(MAX_READ_THREADS, len(jobs)), thread_name_prefix="hdmfzarr-read") as pool:
            results = list(pool.map(lambda job: job[2](), jobs))
    else:
        results = [read() for _, _, read in jobs]
    out: dict[str, Any] = {}
    for (name, obj, _), got in reversed(list(zip(jobs, results))):  # a ragged column's values, then each index out
        out[name] = obj.rows_of(got, out[name]) if name in out else got  # type: ignore[attr-defined]
    return out.pop("id"), out


def table_frame(table: DynamicTable, rows: Any, index: bool, exclude: Iterable[str]) -> Any:
    """The DataFrame (indexed by id) of rows ``rows`` (an int, slice or integer array) of ``table``."""
    pd = import_pandas()
    excluded = set(exclude)
    key = slice(rows, rows + 1) if isinstance(rows, int) else rows
    names = [n for n in table.colnames if n not in excluded]
    # with index=True an enum column gives the positions in its elements, as hdmf
    codes = {n: col for n in names if index and isinstance(col := table.get_column(n), EnumData)}
    ids, values = read_columns(table, key, [n for n in names if n not in codes])
    values.update({n: col.get(key, index=True) for n, col in codes.items()})
    target_frames: dict[int, Any] = {}
    data: dict[str, Any] = {}
    for name in names:
        top = table.get_column(name)
        leaf = column_chain(top)[-1]
        column = values[name]
        if isinstance(leaf, DynamicTableRegion) and not index and leaf.table is not None:
            target = target_frames.get(id(leaf.table))
            if target is None:
                target = target_frames[id(leaf.table)] = leaf.table.to_dataframe()
            if isinstance(top, VectorIndex):
                column = [target.iloc[np.asarray(v, dtype=np.int64)] for v in column]
            else:
                column = [target.iloc[[int(v)]] for v in np.asarray(column)]
        elif isinstance(column, np.ndarray) and column.ndim > 1:
            column = list(column)
        data[name] = column
    return pd.DataFrame(data, index=pd.Index(np.asarray(ids), name="id"))


def nesting_depth(values: list) -> int:
    """How many levels of ragged sequences a DataFrame column holds: 0 for scalars, and (as hdmf decides)
    for cells that are all sequences of one length (a 2-d column)."""
    if not len(values) or not isinstance(values[0], (list, tuple, np.ndarray)):
        return 0
    if len({len(v) if isinstance(v, (list, tuple, np.ndarray)) else -1 for v in values}) == 1:
        return 0
    depth = 0
    probe: Any = values[0]
    while isinstance(probe, (list, tuple, np.ndarray)):
        depth += 1
        probe = probe[0] if len(probe) else None
    return depth

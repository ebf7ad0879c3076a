"""The append plan of a tree read from a store, from its builders alone: which ``AppendableArray``s hold rows to
append and in which phase (data, indexes, ``id`` last: docs/format.md's commit protocol)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..appendable import AppendableArray
from ..dataio import Deferred, held_reads, stored_chain
from ..errors import BuildError, RefusedRowsError
from ..spec.model import declared_type
from .builders import Builder, DatasetBuilder, GroupBuilder, ReferenceBuilder
from .lazyrefs import CompoundReferenceArray, ReferenceArray

__all__ = ["ID_RANK", "plan_appends", "pending_count", "arrays_replaced", "edited", "index_target", "tables",
           "short_columns", "stage_reference_rows", "pending_reference_rows"]

ID_RANK = 1_000  # ids are written after every other array of the tree: their length commits a row


def index_target(builder: DatasetBuilder) -> DatasetBuilder | None:
    """The dataset an index points into (its ``target`` attribute), else None."""
    t = builder.attributes.get("target")
    t = getattr(t, "target", t)
    return t if isinstance(t, DatasetBuilder) else None


def tables(root: GroupBuilder | None) -> Iterator[tuple[GroupBuilder, DatasetBuilder, set[int]]]:
    """Every table of a tree: its group, its ``id`` dataset and the ids of its datasets an index points into."""
    for g in () if root is None else root.walk():
        if isinstance(g, GroupBuilder) and "colnames" in g.attributes and "id" in g.datasets:
            yield g, g.datasets["id"], {id(t) for d in g.datasets.values() if (t := index_target(d)) is not None}


def append_rank(builder: DatasetBuilder) -> int:
    """The phase in which a dataset grows: 0 for data, 1 + its target's for an index, last for ``id``."""
    found = declared_type(builder.attributes)
    if found is not None and found[1] == "ElementIdentifiers":
        return ID_RANK
    target = index_target(builder)
    return 0 if target is None else 1 + append_rank(target)


def _appendables(root: GroupBuilder | None) -> Iterator[tuple[DatasetBuilder, AppendableArray]]:
    walk = () if root is None else root.walk()  # raw_data: unread scalars stay unread
    return ((b, b.raw_data) for b in walk if isinstance(b, DatasetBuilder) and isinstance(b.raw_data, AppendableArray))


def plan_appends(root: GroupBuilder | None) -> list[tuple[DatasetBuilder, AppendableArray, int]]:
    """Every array of a tree read from a store that holds rows not yet stored: (its dataset, it, its phase)."""
    return [(b, a, append_rank(b)) for b, a in _appendables(root) if a.rows.count]


def pending_count(root: GroupBuilder | None) -> int:
    """How many rows a tree read from a store holds that are not yet stored (0 = nothing to append)."""
    return sum(a.rows.count for _, a in _appendables(root))


def arrays_replaced(root: GroupBuilder | None, containers: list[Any]) -> bool:
    """Whether a container of a tree read from a store no longer holds an appendable array it was given (replaced,
    e.g. by a numpy copy): then only a full write persists the change."""
    arrays = {id(a) for _, a in _appendables(root)}  # held: a reference array's too
    return bool(arrays) and not arrays <= {id(a) for c in containers for v in c.fields.values()
                                           for a in stored_chain(v)}


def short_columns(root: GroupBuilder | None) -> list[str]:
    """Columns of tables gaining rows that would not hold them after the append (the table's new rows are buffered
    elsewhere, e.g. in a column of references, which an append does not write): '<table>: column c (n rows, ...)'."""
    found: list[str] = []
    for g, id_builder, targets in tables(root):
        ids = id_builder.raw_data
        if not isinstance(ids, AppendableArray) or not ids.rows.count:
            continue
        names = {str(c) for c in g.attributes["colnames"]}
        for d in g.datasets.values():
            leaf = d
            while (t := index_target(leaf)) is not None:
                leaf = t
            top = id(d) not in targets and leaf.name in names  # the dataset giving a column's rows
            n = len(d.raw_data) if top and hasattr(d.raw_data, "__len__") else None
            if n is not None and n != len(ids):
                found.append(f"{g.path}: column {leaf.name!r} would hold {n} rows, the table {len(ids)}")
            target, offsets = index_target(d), d.raw_data
            if target is not None and isinstance(offsets, AppendableArray) and offsets.rows.count:
                end, held = int(np.asarray(offsets.pending_rows)[-1]), len(target.raw_data)
                if end != held:  # an index's new rows end past (or before) what its target would hold
                    found.append(f"{g.path}: column {leaf.name!r}: {d.name!r} would end at {end}, {target.name!r} "
                                 f"hold {held}")
    return found


def stage_reference_rows(containers: list[Any], builder_of: Callable[[Any], Builder | None],
                         strict: bool = True) -> None:
    """Rows added to a column of references (or of records holding some) read from a store hold containers; move
    them, as references to their builders (what the reader gives and the writer encodes), into the stored array
    under the column, where an append writes them (``builder_of``: the builder of a container; a row referring to
    one without is refused, or without ``strict`` left where it is, for a write that builds it first)."""
    for c, chain in _reference_columns(containers):
        refs, inner = chain[1], chain[2]
        where = f"{getattr(c, 'name', c)!r} ({inner.where})"
        try:
            block = _builder_rows(chain[0].pending_rows, refs, inner.dtype, builder_of, where)
        except BuildError:
            if strict:
                raise
            continue
        inner.rows.add_block(block)
        chain[0].rows.clear()


def _reference_columns(containers: list[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """``(container, stored chain)`` of each column of references (or of records holding some) with new rows:
    the rows buffered over a ReferenceArray over the stored AppendableArray."""
    with held_reads():  # a scalar not read yet stays unread
        held = [(c, v) for c in containers for v in c.fields.values()]
    for c, v in held:
        chain = stored_chain(v)
        if (len(chain) >= 3 and isinstance(chain[0], AppendableArray) and chain[0].rows.count
                and isinstance(chain[1], ReferenceArray) and isinstance(chain[2], AppendableArray)):
            yield c, chain


def pending_reference_rows(containers: list[Any]) -> list[AppendableArray]:
    """The arrays holding rows of reference columns not staged yet (to drop with every buffered row)."""
    return [chain[0] for _, chain in _reference_columns(containers)]


def _builder_rows(rows: Any, refs: ReferenceArray, dtype: np.dtype, builder_of: Callable[[Any], Builder | None],
                  where: str) -> np.ndarray:
    """New rows of a reference (or compound) column as stored rows: containers become ReferenceBuilders."""
    found: dict[int, ReferenceBuilder] = {}

    def ref(value: Any) -> Any:
        if value is None or isinstance(value, ReferenceBuilder):
            return value
        if id(value) not in found:
            b = value if isinstance(value, Builder) else builder_of(value)
            if b is None:
                raise BuildError(f"{where}: a new row refers to {type(value).__name__} "
                                 f"{getattr(value, 'name', value)!r}, which is neither in the store read nor in the "
                                 "tree written (add it to the tree, or write the tree to a new store)")
            found[id(value)] = ReferenceBuilder(b)
        return found[id(value)]

    rows = list(rows)
    if not isinstance(refs, CompoundReferenceArray):
        out = np.empty(len(rows), dtype=object)
        out[:] = [ref(r) for r in rows]
        return out
    names = refs.names
    out = np.empty(len(rows), dtype=dtype)
    for i, rec in enumerate(rows):
        if isinstance(rec, dict) or (isinstance(rec, np.void) and rec.dtype.names):
            rec = [rec[n] for n in names]
        values = list(rec)
        if len(values) != len(names):
            raise BuildError(f"{where}: new row {i} has {len(values)} fields, expected {len(names)} {names}")
        try:
            out[i] = tuple(ref(x) if j in refs.ref_fields else x for j, x in enumerate(values))
        except (OverflowError, TypeError, ValueError) as exc:  # rows that bypassed add_row (2**40 for an int32)
            raise RefusedRowsError(f"{where}: new row {i} does not fit the stored fields {dtype}: {exc}") from None
    return out


_PLAIN = (str, bytes, int, float, bool)  # values compared by equality (others by identity)


def edited(containers: list[Any], states: dict[int, dict[str, Any]]) -> bool:
    """Whether a container holds another public value than when read (by identity; plain values by equality; a
    field read since is not a change): then only a full write persists it, an append would drop it."""
    for c in containers:
        old, new = states.get(id(c)), c.field_state()
        if old is None or old.keys() != new.keys():  # (constructed after the read: a full write, to be sure)
            return True
        for k, was in old.items():
            if isinstance(was, Deferred) and was.done:
                was = was.get()
            now = new[k]
            if isinstance(now, tuple) and isinstance(was, tuple):  # a dict's or list's values, by identity
                if len(now) != len(was) or any(a is not b for a, b in zip(now, was)):
                    return True
                continue
            if now is not was and not (type(now) is type(was) and isinstance(now, _PLAIN) and now == was):
                return True
    return False

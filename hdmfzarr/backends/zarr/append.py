"""Appending rows to arrays already in a store: the rows buffered in a tree read in mode 'a'/'r+', as the build
layer plans them (:func:`hdmfzarr.build.appends.plan_appends`), committed as one transaction."""

from __future__ import annotations

import numpy as np

from ...appendable import AppendableArray
from ...build.appends import index_target, plan_appends, short_columns, tables
from ...build.builders import DatasetBuilder, GroupBuilder
from ...errors import RefusedRowsError, StoreError
from . import convention as conv
from .lazy import LazyArray
from .store import StoreHandle
from .transaction import ArrayJob, Transaction, dropped
from .values import encode_rows

__all__ = ["AppendSession", "append_tree", "collect_jobs", "wrap_growable", "bound_tables"]

AppendSession = Transaction  # the committed state appends continue from (see transaction.py)


def wrap_growable(root: GroupBuilder) -> None:
    """Make the lazy data of every non-scalar dataset appendable (rows buffered until the next write)."""
    for b in root.walk():
        if isinstance(b, DatasetBuilder) and isinstance(b.raw_data, LazyArray) and b.raw_data.ndim >= 1:
            b.data = AppendableArray(b.raw_data)


def collect_jobs(root_builder: GroupBuilder | None, url: str, convention: conv.Convention) -> list[ArrayJob]:
    """The append jobs of a tree read from ``url``; each hands the grown stored array back to its appendable array."""
    jobs: list[ArrayJob] = []
    planned = list(plan_appends(root_builder))
    for builder, a, rank in planned:
        if a.store_url != url or a.path is None:
            raise StoreError(f"{url}: {builder.path} holds data of another store ({a.store_url}); "
                             "appending to it needs that store opened for writing")
        rows = a.pending_rows
        assert rows is not None  # planned arrays hold rows
        dtype = builder.dtype  # references, and compounds with reference fields, encoded as the writer stores them
        if dtype in ("object", "region") or (
                isinstance(dtype, list) and any(getattr(f, "dtype", None) == "object" for f in dtype)):
            try:
                rows = encode_rows(convention, dtype, rows, root_builder, f"{url}:{builder.path}")
            except RefusedRowsError as exc:  # values the stored fields cannot hold (300 for an int8)
                raise dropped(exc, [p[1].rows.clear for p in planned]) from None
        jobs.append(ArrayJob(a.path.strip("/"), rows, rank, a.stored, a.mark_stored, a.rows.clear, builder.path))
    return jobs


def append_tree(handle: StoreHandle, root_builder: GroupBuilder,
                session: Transaction | None = None) -> tuple[int, Transaction | None]:
    """Append every buffered row of a tree read from ``handle``'s store in one commit: the number of arrays grown
    and the session (reusable by the same single writer for the next append)."""
    if not plan_appends(root_builder):
        return 0, session
    if short := short_columns(root_builder):  # a partial row would leave the table unreadable: nothing is written
        raise StoreError(f"{handle.url}: rows added to a table cannot be appended in place ({'; '.join(short)}); "
                         "nothing was written; write the tree to a new store")
    session = session or Transaction(handle)
    jobs = collect_jobs(root_builder, handle.url, session.conv)
    session.commit(jobs)
    return len(jobs), session


# -- readers without consolidated metadata ----------------------------------------------------
def bound_tables(root: GroupBuilder) -> None:
    """Bound every table column to its committed rows, ``len(id)`` (without consolidated metadata, a killed writer may
    have grown some arrays past the last commit); ragged data by its bounded index's last offset."""
    for g, ids, targets in tables(root):
        n = _stored_length(ids)
        if n is not None:
            for d in g.datasets.values():
                if id(d) not in targets and d.name != "id":
                    _bound_chain(d, n)


def _bound_chain(d: DatasetBuilder, n: int) -> None:
    stored = _stored_length(d)
    if stored is None or stored < n:
        return  # shorter than id: not an append left-over; the table itself reports the mismatch
    if stored > n:  # rows past the commit: hidden
        d.data.source.shape = (n, *d.data.shape[1:])
        d.data.clear_cache()
    target = index_target(d)
    if target is not None:
        _bound_chain(target, int(np.asarray(d.data[n - 1])) if n else 0)


def _stored_length(d: DatasetBuilder) -> int | None:
    """The length of a dataset's stored array (None: not a stored array, or a scalar; read before it is appendable)."""
    return d.data.shape[0] if isinstance(d.data, LazyArray) and d.data.shape else None

"""Appending rows to arrays already in a store: the rows buffered in a tree read in mode 'a'/'r+', as the build
layer plans them (:func:`hdmfzarr.build.appends.plan_appends`), committed as one transaction."""

from __future__ import annotations

from typing import Any

from ...appendable import AppendableArray
from ...build.appends import bound_table_columns, plan_appends, short_columns
from ...build.builders import DatasetBuilder, GroupBuilder
from ...errors import StoreError
from .lazy import LazyArray
from .store import StoreHandle
from .transaction import ArrayJob, Transaction

__all__ = ["AppendJob", "AppendSession", "append_tree", "collect_jobs", "wrap_growable", "bound_tables"]

AppendJob = ArrayJob
AppendSession = Transaction  # the committed state appends continue from (see transaction.py)


def wrap_growable(root: GroupBuilder) -> None:
    """Make the lazy data of every non-scalar dataset appendable (rows buffered until the next write)."""
    for b in root.walk():
        if isinstance(b, DatasetBuilder) and isinstance(b.raw_data, LazyArray) and b.raw_data.ndim >= 1:
            b.data = AppendableArray(b.raw_data)


def collect_jobs(root_builder: GroupBuilder | None, url: str) -> list[AppendJob]:
    """The append jobs of a tree read from ``url``; each hands the grown stored array back to its appendable array."""
    jobs: list[AppendJob] = []
    for planned in plan_appends(root_builder):
        a = planned.array
        if a.store_url != url or a.path is None:
            raise StoreError(f"{url}: {planned.builder.path} holds data of another store ({a.store_url}); "
                             "appending to it needs that store opened for writing")
        rows = a.pending_rows
        assert rows is not None  # planned arrays hold rows
        jobs.append(AppendJob(a.path.strip("/"), rows, planned.rank, a.stored, a.mark_stored, planned.builder.path))
    return jobs


def append_tree(handle: StoreHandle, root_builder: GroupBuilder,
                session: Transaction | None = None) -> tuple[int, Transaction | None]:
    """Append every buffered row of a tree read from ``handle``'s store in one commit: the number of arrays grown
    and the session (reusable by the same single writer for the next append)."""
    jobs = collect_jobs(root_builder, handle.url)
    if not jobs:
        return 0, session
    if short := short_columns(root_builder):  # a partial row would leave the table unreadable: nothing is written
        raise StoreError(f"{handle.url}: rows added to a table cannot be appended in place ({'; '.join(short)}: "
                         "a column of references or compounds takes no appended rows); nothing was written; write "
                         "the tree to a new store")
    session = session or Transaction(handle)
    session.commit(jobs)
    return len(jobs), session


# -- readers without consolidated metadata ----------------------------------------------------
def bound_tables(root: GroupBuilder) -> None:
    """Bound every table column to its committed rows (without consolidated metadata, a killed writer may have
    grown some arrays past the last commit)."""
    bound_table_columns(root, _stored_length, _truncate)


def _stored_lazy(value: Any) -> LazyArray | None:
    if isinstance(value, AppendableArray):
        value = value.stored
    return value if isinstance(value, LazyArray) else None


def _stored_length(data: Any) -> int | None:
    lazy = _stored_lazy(data)
    return lazy.shape[0] if lazy is not None and lazy.shape else None


def _truncate(d: DatasetBuilder, n: int) -> None:
    lazy = _stored_lazy(d.data)
    assert lazy is not None
    lazy.source.shape = (n, *lazy.shape[1:])
    lazy.clear_cache()

"""``AlignedDynamicTable``: a main table plus category tables that share its rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from hdmfzarr.common.columns import ElementIdentifiers, VectorData, VectorIndex
from hdmfzarr.common.dataframe import import_pandas
from hdmfzarr.common.table import DynamicTable
from hdmfzarr.errors import ContainerError, ContainerKeyError, ContainerTypeError

__all__ = ["AlignedDynamicTable"]


class AlignedDynamicTable(DynamicTable):
    """A DynamicTable whose rows are extended by category tables (one ``DynamicTable`` per category)."""

    data_type: ClassVar[str] = "AlignedDynamicTable"
    field_names: ClassVar[tuple[str, ...]] = ("categories",)

    def __init__(self, name: str, description: str, category_tables: Sequence[DynamicTable] | None = None,
                 categories: Sequence[str] | None = None,
                 id: ElementIdentifiers | Sequence[int] | np.ndarray | None = None,
                 columns: Sequence[VectorData] | None = None, colnames: Sequence[str] | None = None) -> None:
        tables = list(category_tables or [])
        for i, t in enumerate(tables):  # checked first: a bad category must not fail on its .name
            if not isinstance(t, DynamicTable) or isinstance(t, AlignedDynamicTable):
                raise ContainerTypeError(f"AlignedDynamicTable {name!r}: category table with index {i} is not a "
                                         f"DynamicTable (got {type(t).__name__})")
        if id is None and not columns and tables:
            id = list(range(len(tables[0])))  # a list, as hdmf makes it
        super().__init__(name=name, description=description, id=id, columns=columns, colnames=colnames)
        self._categories: dict[str, DynamicTable] = {}
        by_name = {t.name: t for t in tables}
        order = [t.name for t in tables] if categories is None else list(categories)
        if categories is not None and sorted(order) != sorted(by_name):  # by_name's keys are unique
            raise ContainerError(f"AlignedDynamicTable {name!r}: categories {order} do not match the category "
                                 f"tables {sorted(by_name)}")
        for cname in order:
            self.add_category(by_name[cname])

    @property
    def categories(self) -> list[str]:
        """Category names in order (a list, as in hdmf)."""
        return list(self._categories)

    def get_colnames(self, include_category_tables: bool = False,
                     ignore_category_ids: bool = False) -> tuple[str, ...] | list[tuple[str, str]]:
        """The main table's column names, or with the categories every (table, column) pair in frame order."""
        if not include_category_tables:
            return self.colnames
        out = [(self.name, c) for c in self.colnames]
        for cname, table in self._categories.items():
            out.extend((cname, c) for c in (table.colnames if ignore_category_ids else ("id", *table.colnames)))
        return out

    def get_meanings_for_column(self, col_name: str, category: str | None = None) -> Any:
        """The MeaningsTable of a main column, or of a column of the category table ``category``."""
        return DynamicTable.get_meanings_for_column(self.get_category(category), col_name)

    @property
    def category_tables(self) -> dict[str, DynamicTable]:
        return dict(self._categories)

    @property
    def fields(self) -> dict[str, Any]:
        out = super().fields
        if self._categories:
            out["category_tables"] = list(self._categories.values())
        return out

    def add_category(self, category: DynamicTable) -> None:
        """Add a category table; it must have as many rows as this table."""
        if not isinstance(category, DynamicTable) or isinstance(category, AlignedDynamicTable):
            raise ContainerError(f"AlignedDynamicTable {self.name!r}: a category must be a DynamicTable, "
                                 f"got {type(category).__name__}")
        if category.name in self._categories or category.name in self._tops or category.name in self._objects:
            raise ContainerError(
                f"AlignedDynamicTable {self.name!r}: duplicate category or column name {category.name!r}")
        if len(category) != len(self):
            raise ContainerError(f"AlignedDynamicTable {self.name!r}: category {category.name!r} has "
                                 f"{len(category)} rows, the table has {len(self)}")
        self._adopt(category)
        self._categories[category.name] = category
        self.set_modified(True)

    def __contains__(self, key: object) -> bool:
        """``'name' in t``: a category or main column; ``(category, column) in t``: that category's column."""
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ContainerError(f"AlignedDynamicTable {self.name!r}: expected a tuple (category, column) of "
                                     f"length 2, got a tuple of length {len(key)}")
            return key[1] in self.get_category(key[0])
        return isinstance(key, str) and (key in self._categories or super().__contains__(key))

    def get_category(self, name: str | None) -> DynamicTable:
        """The category table ``name``; ``None`` (or this table's own name, if no category has it) is the main table."""
        if name is None or (name == self.name and name not in self._categories):
            return self
        if name not in self._categories:
            raise ContainerKeyError(f"AlignedDynamicTable {self.name!r}: no category {name!r}; categories are "
                                    f"{list(self._categories)}")
        return self._categories[name]

    def add_column(self, name: str, *args: Any, category: str | None = None, **kwargs: Any) -> VectorData:
        """Add a column to the main table, or to a category with ``category=``."""
        if category is not None:
            return self.get_category(category).add_column(name, *args, **kwargs)
        if name in self._categories:
            raise ContainerError(f"AlignedDynamicTable {self.name!r}: {name!r} is already a category")
        return super().add_column(name, *args, **kwargs)

    def _add_row(self, values: dict[str, Any], id: Any, enforce_unique_id: bool) -> None:
        """As DynamicTable's, plus each category's cells (``category_name={...}``); a bad cell anywhere takes
        back what the row added (main and categories) before the error propagates."""
        missing = [c for c in self._categories if c not in values]
        if missing:
            raise ContainerKeyError(f"AlignedDynamicTable {self.name!r}: row data keys do not match the categories; "
                                    f"no values for categories {missing}")
        for cname in self._categories:
            if not isinstance(values[cname], Mapping):
                raise ContainerError(f"AlignedDynamicTable {self.name!r}: category {cname!r} needs a dict of column "
                                     f"values, got {type(values[cname]).__name__}")
        main = {k: v for k, v in values.items() if k not in self._categories}
        row_id = len(self.id) if id is None else id
        super()._add_row(main, id, enforce_unique_id)
        done: list[tuple[DynamicTable, dict[str, Any]]] = []
        try:
            for cname, table in self._categories.items():
                cells = dict(values[cname])
                table._add_row(cells, cells.pop("id", row_id), False)
                done.append((table, cells))
        except BaseException:
            for table, cells in reversed(done):
                table._undo_row(list(cells.items()))
            self._undo_row(list(main.items()))
            raise

    def __getitem__(self, key: Any) -> Any:
        """As hdmf: ``t[rows]``, ``t[category]``, ``t[None]`` DataFrames; ``t['col']``, ``t[category, col]`` columns;
        ``t[row, category]`` a row's frame; ``t[row, (cat, col)]``, ``t[row, cat, col]``, ``t[cat, col, row]`` cells."""
        if not isinstance(key, tuple):
            if key is not None and not isinstance(key, str):
                return self.get(key)
            return self.get_column(key) if key in self._tops else self.get_category(key).to_dataframe()
        if len(key) == 3:
            row, cname, col = key if isinstance(key[0], (int, np.integer)) else (key[2], key[0], key[1])
            return self.get_category(cname).get_column(col)[row]
        if len(key) != 2:
            raise ContainerKeyError(f"AlignedDynamicTable {self.name!r}: expected t[category, column], t[row, "
                                    f"category], t[row, (category, column)], t[row, category, column] or t[category, "
                                    f"column, row], got {key!r:.80}")
        if key[0] is None or isinstance(key[0], str):
            return self.get_category(key[0]).get_column(key[1])
        if not isinstance(key[0], (int, np.integer)):  # t[rows, column] of the main table, as DynamicTable
            return super().__getitem__(key)
        found = self.get(key[0])[key[1]]
        if found.size != 1:
            return found.to_frame() if hasattr(found, "to_frame") else found
        found = found.to_numpy().ravel()[0]  # one cell; a ragged one as a tuple, as hdmf gives it
        ragged = isinstance(key[1], tuple) and isinstance(self.get_category(key[1][0])[key[1][1]], VectorIndex)
        return tuple(found) if ragged or isinstance(found, list) else found

    def get_dict(self, key: Any, index: bool = False) -> dict[str, Any]:
        """Rows as for DynamicTable.get_dict, with each category's cells under its name."""
        return {**super().get_dict(key, index=index),
                **{cname: table.get_dict(key, index=index) for cname, table in self._categories.items()}}

    def _frame(self, rows: Any, index: bool, exclude: Iterable[str], ignore_category_ids: bool = False) -> Any:
        """Two-level columns as in hdmf: (table name, column) for the main columns, (category, column) with
        each category's ids unless ``ignore_category_ids``; the index is named (table name, "id")."""
        pd = import_pandas()
        main = super()._frame(rows, index, exclude)
        ids = main.index.to_numpy()
        frames = {self.name: main.reset_index(drop=True)}
        for cname, table in self._categories.items():
            if cname not in set(exclude):
                cat = table._frame(rows, index, ()).reset_index()
                frames[cname] = cat.drop(columns="id") if ignore_category_ids else cat
        out = pd.concat(frames, axis=1)
        out.index = pd.Index(ids, name=(self.name, "id"))
        return out

    def to_dataframe(self, index: bool = False, exclude: Iterable[str] = (), ignore_category_ids: bool = False) -> Any:
        """The table and its categories as one DataFrame with two-level columns (see ``_frame``)."""
        return self._frame(slice(None), index, exclude, ignore_category_ids=ignore_category_ids)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f" categories={list(self._categories)}>"

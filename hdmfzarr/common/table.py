"""``DynamicTable``: a table of columns (plain, ragged, doubly ragged, region) with row ids; rows are added in
amortised O(1), reads take only what a selection needs, and pandas is imported only by the DataFrame methods."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hdmfzarr.common.columns import (DynamicTableRegion, ElementIdentifiers, EnumData, VectorData, VectorIndex,
                                     as_positions, column_chain, int64_array, is_ragged_list, select_rows)
from hdmfzarr.container import Container, require_str
from hdmfzarr import errors
from hdmfzarr.record import Record

if TYPE_CHECKING:
    from hdmfzarr.common.rows import ColumnPlan

__all__ = ["ColumnInfo", "DynamicTable", "MeaningsTable"]


class ColumnInfo(Record):
    """A predefined column of a DynamicTable subclass (``index``: 0 plain, 1 ragged, 2 doubly ragged; ``table``: a
    region; ``enum``: an EnumData; ``required`` columns exist even without data)."""

    __slots__ = ("name", "description", "required", "index", "table", "col_cls", "enum")
    name: str
    description: str
    required: bool
    index: int | bool
    table: bool
    col_cls: type | None
    enum: bool

    def __init__(self, name: str, description: str, required: bool = False, index: int | bool = 0,
                 table: bool = False, col_cls: type | None = None, enum: bool = False) -> None:
        self._set(name, description, required, index, table, col_cls, enum)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], where: str) -> ColumnInfo:
        """A column declared as hdmf declares it: a dict of name, description, required, index, table, enum, class."""
        if not isinstance(spec, Mapping):
            raise errors.ContainerTypeError(f"{where}: a column declaration must be a dict, got {type(spec).__name__}")
        unknown = sorted(set(spec) - {"name", "description", "required", "index", "table", "enum", "class", "col_cls"})
        if unknown or "name" not in spec:
            raise errors.ContainerError(
                f"{where}: column declaration {dict(spec)!r:.80} needs 'name'; unknown keys {unknown}")
        return cls(spec["name"], spec.get("description", "no description"), bool(spec.get("required", False)),
                   spec.get("index", 0) or 0, bool(spec.get("table", False)), spec.get("class", spec.get("col_cls")),
                   bool(spec.get("enum", False)))


class DynamicTable(Container):
    """A table: columns of equal length (``VectorData``; ragged via ``VectorIndex``) and row ``id``."""

    data_type: ClassVar[str] = "DynamicTable"
    repr_kind: ClassVar[str] = "table"
    field_names: ClassVar[tuple[str, ...]] = ("description", "colnames", "id", "columns")
    columns_spec: ClassVar[tuple[ColumnInfo, ...]] = ()
    __columns__: ClassVar[tuple[dict[str, Any], ...]] = ()  # hdmf's spelling of the predefined columns

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # hdmf declares predefined columns as ``__columns__ = ({"name": ..., ...}, ...)``: same as columns_spec
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("__columns__")
        if declared is not None:
            if not isinstance(declared, tuple):
                raise errors.ContainerTypeError(f"{cls.__name__}: __columns__ must be a tuple of column dicts, "
                                                f"got {type(declared).__name__}")
            cls.columns_spec = (tuple(cls.__dict__.get("columns_spec", ()))
                                + tuple(ColumnInfo.from_dict(d, cls.__name__) for d in declared))
            # as hdmf: a subclass's __columns__ reads as its bases' declarations followed by its own
            inherited = tuple(getattr(super(cls, cls), "__columns__", ()) or ())
            cls.__columns__ = inherited + tuple(d for d in declared if d not in inherited)

    def __init__(self, name: str, description: str, id: ElementIdentifiers | Sequence[int] | np.ndarray | None = None,
                 columns: Sequence[VectorData] | None = None, colnames: Sequence[str] | None = None,
                 target_tables: Mapping[str, DynamicTable] | None = None,
                 meanings_tables: Sequence[DynamicTable] | None = None, **predefined_column_data: Any) -> None:
        super().__init__(name)
        self._meanings: dict[str, DynamicTable] = {}
        declared: list[Any] = []
        if columns is not None and len(columns) and all(isinstance(c, Mapping) for c in columns):
            declared, columns = list(columns), None  # declared by dicts: created empty, in order
        self.description = require_str(description, f"{self._where()}: description")
        self._tops: dict[str, VectorData] = {}  # column name -> its top object (the outermost index if ragged)
        self._objects: dict[str, VectorData] = {}  # every column object (data and indexes) by name, in storage order
        self._plans: dict[str, ColumnPlan] | None = None
        self._id_index: dict[Any, int] | None = None
        self._id_index_len = 0
        self._check_ragged = True  # False while add_row(check_ragged=False) checks its row

        spec = self._column_infos()
        unknown = [k for k in predefined_column_data if k not in spec]
        if unknown:
            raise self._error(f"unknown argument(s) {unknown}; predefined columns are {sorted(spec)}")
        cols = list(columns) if columns is not None else []
        given_empty = colnames is not None and len(colnames) == 0
        if given_empty:
            colnames = None  # as hdmf: none given (hdmf writes [] for a table of no rows) names every data column
        tops = self._check_columns(cols, colnames)
        # colnames given (or read) as []: written back as [] while the table still has these columns and no rows
        self._empty_colnames = tuple(tops) if given_empty else None
        # (a DataChunkIterator of unknown length is left out, as hdmf does: the ids give the rows)
        lengths = {c: len(t) for c, t in tops.items() if getattr(t.base_data, "total_rows", 0) is not None}
        if len(set(lengths.values())) > 1:
            raise self._error(f"columns differ in length: {lengths}")
        nrows = next(iter(lengths.values()), None)
        if not isinstance(id, ElementIdentifiers):  # a list is kept a list (as hdmf keeps it), and none makes one
            ids = list(range(nrows or 0)) if id is None else int64_array(id, f"{self._where()}: 'id' must be integers")
            id = ElementIdentifiers("id", id if type(id) is list else ids)
        self.id: ElementIdentifiers = self._adopt(id)
        if nrows is not None and len(self.id) != nrows:
            raise self._error(f"'id' has {len(self.id)} rows but the columns have {nrows}")
        if colnames is not None:  # hdmf's order: per name in colnames, its indexes (outermost first), then the data
            ordered: list[VectorData] = []
            for top in tops.values():
                chain = column_chain(top)
                if isinstance(chain[-1], EnumData) and any(c is chain[-1].elements for c in cols):
                    chain.append(chain[-1].elements)
                ordered.extend(chain)
            cols = ordered + [c for c in cols if not any(c is o for o in ordered)]
        for col in cols:
            if col.name in tops:
                self._warn_shadowed(col.name)
            self._objects[col.name] = col
            self._adopt(col)
        self._tops.update(tops)
        for cname in (c for c in spec if c in predefined_column_data):
            if cname in self._tops:
                raise self._error(f"column {cname!r} given both in columns and as an argument")
            self.add_column(cname, data=predefined_column_data[cname])
        for info in spec.values():
            if info.required and info.name not in self._tops:
                if len(self.id):
                    raise self._error(f"required column {info.name!r} is missing")
                self.add_column(info.name)
        for decl in declared:
            info = ColumnInfo.from_dict(decl, self._where())
            self.add_column(info.name, info.description, index=info.index, table=True if info.table else None,
                            col_cls=info.col_cls, enum=info.enum)
        for cname, target in (target_tables or {}).items():  # region columns (created if optional) -> their tables
            if cname not in self._tops:
                if cname not in spec:
                    raise self._error(f"target_tables: {cname!r} is not the name of a predefined column of table "
                                      f"{self.name} (predefined: {list(spec)})")
                self.add_column(cname)
            leaf = column_chain(self._tops[cname])[-1]
            if not isinstance(leaf, DynamicTableRegion):
                raise self._error(f"target_tables names column {cname!r}, which is a {type(leaf).__name__}, not a "
                                  "DynamicTableRegion")
            if not isinstance(target, DynamicTable):
                raise self._error(f"target_tables[{cname!r}] must be a DynamicTable", errors.ContainerTypeError)
            if leaf.table is not None and leaf.table is not target:
                raise self._error(f"column {cname!r} already targets table {leaf.table.name!r}, not {target.name!r}")
            leaf.table = target
        self.meanings_tables = meanings_tables

    @property
    def meanings_tables(self) -> dict[str, DynamicTable]:
        """Name -> MeaningsTable of this table's columns."""
        return dict(self._meanings)

    @meanings_tables.setter
    def meanings_tables(self, tables: Sequence[DynamicTable] | None) -> None:
        self._meanings = {}
        for mt in tables or ():
            self.add_meanings_table(mt)

    def add_meanings_table(self, meanings_table: DynamicTable) -> None:
        """Attach a MeaningsTable; its target must be one of this table's columns."""
        if not isinstance(meanings_table, MeaningsTable):
            raise self._error(f"expected a MeaningsTable, got {type(meanings_table).__name__}",
                              errors.ContainerTypeError)
        if meanings_table.name in self._meanings:
            raise self._error(f"MeaningsTable {meanings_table.name!r} is already attached")
        target = meanings_table.target.name
        if target not in self:
            raise self._error(f"MeaningsTable target {target!r} is not a column in DynamicTable {self.name!r}; "
                              f"columns are {list(self._tops)}")
        self._adopt(meanings_table)
        self._meanings[meanings_table.name] = meanings_table
        self.set_modified(True)

    def get_meanings_table(self, name: str) -> DynamicTable:
        if name not in self._meanings:
            raise self._error(f"no MeaningsTable {name!r}; it has {list(self._meanings)}", errors.ContainerKeyError)
        return self._meanings[name]

    def get_meanings_for_column(self, col_name: str) -> DynamicTable | None:
        """The MeaningsTable of column ``col_name`` (None if it has none; KeyError if there is no such column)."""
        if col_name not in self:
            raise self._error(f"Column {col_name!r} not found; columns are {list(self._tops)}",
                              errors.ContainerKeyError)
        return self._meanings.get(f"{col_name}_meanings")

    @classmethod
    def _column_infos(cls) -> dict[str, ColumnInfo]:
        return {info.name: info for klass in reversed(cls.__mro__) for info in klass.__dict__.get("columns_spec", ())}

    def _check_columns(self, cols: list[VectorData], colnames: Sequence[str] | None) -> dict[str, VectorData]:
        """Validate constructor columns; returns user column name -> top object, in colnames order."""
        names: set[str] = set()
        ids = {id(c) for c in cols}
        index_of: dict[int, VectorIndex] = {}
        for col in cols:
            if not isinstance(col, VectorData):
                raise self._error(f"columns must be VectorData, got {type(col).__name__}")
            if col.name in names or col.name == "id":
                raise self._error(f"duplicate column name {col.name!r}")
            names.add(col.name)
            if isinstance(col, VectorIndex):
                if id(col.target) not in ids:
                    raise self._error(f"index column {col.name!r} targets {col.target.name!r}, which is not among "
                                      "the columns")
                if id(col.target) in index_of:
                    raise self._error(f"index columns {index_of[id(col.target)].name!r} and {col.name!r} both "
                                      f"target {col.target.name!r}")
                index_of[id(col.target)] = col
        by_name = {c.name: c for c in cols if not isinstance(c, VectorIndex)}
        elements = {id(c.elements) for c in cols if isinstance(c, EnumData)}  # an EnumData's elements: no column
        order = [n for n, c in by_name.items() if id(c) not in elements] if colnames is None else list(colnames)
        if len(set(order)) != len(order):
            raise self._error(f"duplicate names in colnames {order}")
        # VectorData not in colnames are kept as objects of the table, not columns (as in hdmf:
        # hdmf-experimental's EnumData keeps its elements beside its column, e.g. 'color_elements')
        missing = [c for c in order if c not in by_name]
        if missing:
            raise self._error(f"colnames {order} do not match the data columns {sorted(by_name)} (missing "
                              f"columns: {missing})")
        tops: dict[str, VectorData] = {}
        for cname in order:
            top = by_name[cname]
            while id(top) in index_of:
                top = index_of[id(top)]
            tops[cname] = top
        return tops

    @property
    def colnames(self) -> tuple[str, ...]:
        return tuple(self._tops)

    @property
    def columns(self) -> tuple[VectorData, ...]:
        """Every column object (data and index columns) in storage order."""
        return tuple(self._objects.values())

    def __len__(self) -> int:
        return len(self.id)

    def __contains__(self, name: object) -> bool:
        return name in self._objects  # every column's data object is here by the column's name

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: every column object by its own name, as hdmf does
        # (``t.spikes`` the values, ``t.spikes_index`` the index); declared optional columns not created yet are None.
        objects = self.__dict__.get("_objects")
        if not name.startswith("_") and objects is not None:
            if name in objects:
                return objects[name]
            if re.sub("(_index)+$", "", name) in type(self)._column_infos():  # the column or one of its indexes
                return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _warn_shadowed(self, name: str) -> None:
        """hdmf's warning for a column named like an attribute of the table (reached as ``t[name]`` only)."""
        if name in self.__dict__ or hasattr(type(self), name):
            warnings.warn(f"An attribute {name!r} already exists on {self._where()} so this column "
                          f"cannot be accessed as an attribute, e.g., table.{name}; it can only be accessed using "
                          f"other methods, e.g., table[{name!r}].", UserWarning, stacklevel=3)

    def _get_plans(self) -> dict[str, ColumnPlan]:
        if self._plans is None:
            from hdmfzarr.common.rows import ColumnPlan  # adding rows: a table only read never loads it

            self._plans = {n: ColumnPlan(n, top, self) for n, top in self._tops.items()}
        return self._plans

    def get_column(self, name: str) -> VectorData | ElementIdentifiers:
        """The column object named ``name`` (the top index for ragged columns), or ``id``."""
        if name == "id":
            return self.id
        col = self._tops.get(name) or self._objects.get(name)  # containers are always truthy
        if col is None:
            raise self._error(f"no column {name!r}; columns are {list(self._tops)}", errors.ContainerKeyError)
        return col

    def add_column(self, name: str, description: str | None = None, data: Any = None, dtype: Any = None,
                   index: bool | int | Sequence[int] | np.ndarray | VectorIndex | None = None,
                   table: DynamicTable | bool | None = None, col_cls: type | None = None,
                   enum: bool | Sequence[Any] | np.ndarray | VectorData | None = None,
                   check_ragged: bool = True) -> VectorData:
        """Add a column (``index``: True/1 ragged, 2 doubly ragged; ``table``: a region into it; ``enum``: True or its
        elements) and return its top object. Unindexed data of different lengths is kept as objects (warned unless
        ``check_ragged=False``); a predefined column's declaration fills arguments not given (a contradiction wins)."""
        where = f"{self._where()}, column {name!r}"
        if not isinstance(name, str) or not name:
            raise self._error(f"column name must be a non-empty str, got {name!r}")
        if name in self or name == "id":
            raise self._error(f"duplicate column name {name!r}")
        self._warn_shadowed(name)
        info = self._column_infos().get(name)
        if info is not None:
            description = info.description if description is None else description
            clashes = [f"{what}={declared}" for what, declared, clash in (
                ("index", bool(info.index),
                 isinstance(index, (bool, int, np.integer)) and bool(index) != bool(info.index)),
                ("table", info.table, table is not None and (table is not False) != info.table),
                ("class", info.col_cls, col_cls is not None and info.col_cls not in (None, col_cls))) if clash]
            if clashes:
                warnings.warn(f"Column {name!r} is predefined in {type(self).__name__} with {', '.join(clashes)}, "
                              "which does not match the arguments given; the predefined spec is ignored",
                              UserWarning, stacklevel=2)
            else:
                index = info.index if index is None else index
                table = True if table is None and info.table else table
                enum = True if enum is None and info.enum else enum
                col_cls = col_cls or info.col_cls
        if description is None:
            raise errors.ContainerError(f"{where}: a description is required")
        is_enum = enum is not False and enum is not None
        region = table is not False and table is not None
        if is_enum and region:
            raise errors.ContainerError(f"{where}: a column cannot be both a region (table=) and an enum (enum=)")
        if region and table is not True and not isinstance(table, DynamicTable):
            raise errors.ContainerError(f"{where}: table must be a DynamicTable, got {type(table).__name__}")
        table = table if isinstance(table, DynamicTable) else None
        col_cls = col_cls or (EnumData if is_enum else DynamicTableRegion if region else VectorData)
        if not (isinstance(col_cls, type) and issubclass(col_cls, VectorData)):
            raise errors.ContainerError(f"{where}: col_cls must be a VectorData subclass, got {col_cls!r}")

        offsets: list[Any] = []
        flat, depth = data, 0  # depth: the index levels to create (a VectorIndex given is used as it is)
        if isinstance(index, VectorIndex):
            if any(index.target is o for o in self._objects.values()):
                raise errors.ContainerError(
                    f"{where}: index {index.name!r} already indexes column {index.target.name!r}")
        elif index is None or isinstance(index, (bool, int, np.integer)):
            depth = int(index or 0)
            if depth < 0:
                raise errors.ContainerError(f"{where}: index must be >= 0, got {index}")
            if depth and data is not None:
                from hdmfzarr.common.rows import flatten_rows

                flat, offsets = flatten_rows(data, depth, where)
                if is_ragged_list(flat):  # as hdmf: cells still of different lengths cannot be stored
                    raise errors.ContainerError(f"{where}: index={index!r} may be too small for the given data: after "
                                                f"{depth} level(s) the cells are still sequences of different lengths")
                if type(data) is list:  # lists in, lists kept (as hdmf builds them)
                    offsets = [o.tolist() for o in offsets]
        else:  # the offsets given must be non-decreasing and end at the data's length (flattened ones always do)
            depth, offsets = 1, [np.asarray(index, dtype=np.int64)]
            nflat = 0 if data is None else len(data)
            if len(offsets[0]) and (int(offsets[0][-1]) != nflat or np.any(np.diff(offsets[0]) < 0)):
                raise errors.ContainerError(
                    f"{where}: index {name + '_index'!r} offsets must be non-decreasing and end at "
                    f"{nflat}")

        leaf: VectorData
        try:
            if issubclass(col_cls, DynamicTableRegion):
                leaf = col_cls(name=name, data=flat, description=description, table=table)
            elif issubclass(col_cls, EnumData):
                values = np.asarray([] if flat is None else flat)
                given_values = values.size and values.dtype.kind not in "iu"  # values, not positions
                leaf = col_cls(name=name, description=description, data=None if given_values else flat,
                               elements=None if isinstance(enum, bool) else enum)
                if given_values:
                    leaf.extend(as_positions(leaf.positions(values.tolist())))
            else:
                leaf = col_cls(name=name, description=description, data=flat)
            if dtype is not None:
                leaf.set_dtype(dtype)
        except errors.ContainerError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        if not depth and not isinstance(index, VectorIndex) and is_ragged_list(data):
            leaf.mark_ragged(warned=True)
            if check_ragged:
                warnings.warn(f"{where}: data has elements with different lengths and therefore cannot be coerced "
                              "into an N-dimensional array. Use the 'index' argument when adding a column of data "
                              "with different lengths.", UserWarning, stacklevel=2)
        objects: list[VectorData] = [leaf, leaf.elements] if isinstance(leaf, EnumData) else [leaf]
        top: VectorData = leaf
        if isinstance(index, VectorIndex):
            index.target, top = leaf, index
            objects.append(top)
        for level in range(depth):
            iname = name + "_index" * (level + 1)
            if iname in self:
                raise errors.ContainerError(f"{where}: index column name {iname!r} is already used")
            top = VectorIndex(iname, offsets[level] if offsets else None, top)
            objects.append(top)
        if data is None and not isinstance(index, VectorIndex) and len(self):
            raise errors.ContainerError(f"{where}: the table has {len(self)} rows; data for them is required")
        if len(top) != len(self):
            if len(self) or self._tops:
                raise errors.ContainerError(f"{where}: data has {len(top)} rows but the table has {len(self)}")
            self.id.extend(np.arange(len(top), dtype=np.int64))
            self._id_index = None
        for obj in objects:
            self._objects[obj.name] = obj
            self._adopt(obj)
        self._tops[name] = top
        self._plans = None
        self.set_modified(True)
        return top

    def add_row(self, data: Mapping[str, Any] | None = None, id: int | None = None, enforce_unique_id: bool = False,
                check_ragged: bool = True, **values: Any) -> None:
        """Append one row: a value for every column, as keywords or as a dict (``add_row({...})``, hdmf's
        ``data=``); ragged columns take a sequence per row. A bad value leaves the table unchanged."""
        if data is not None:
            if not isinstance(data, Mapping):
                raise self._error(f"add_row data must be a dict of column values, got {type(data).__name__}",
                                  errors.ContainerTypeError)
            values = {**data, **values}
            if "id" in values and id is None:
                id = values.pop("id")
        self._check_ragged = check_ragged
        try:
            self._add_row(values, id, enforce_unique_id)
        finally:
            self._check_ragged = True

    def _add_row(self, values: dict[str, Any], id: Any, enforce_unique_id: bool) -> None:
        """Each column checks and appends its cell in turn; on a bad cell the columns that took theirs give
        them back (``undo``) before the error propagates, so a bad row leaves the table unchanged."""
        plans = self._plans
        if plans is None or values.keys() != plans.keys():
            plans = self._plans_for(values)
        ids = self.id
        n = len(ids)
        if id is None:
            id = n
        elif not isinstance(id, (int, np.integer)) or isinstance(id, bool):
            raise self._error(f"id must be an int, got {type(id).__name__} {id!r}", errors.ContainerTypeError)
        elif enforce_unique_id and id in self._ids_to_rows():
            raise self._error(f"id {id} already exists")
        key = None
        try:
            for key, value in values.items():
                plans[key].add(value)
        except BaseException:
            self._undo_row(list(itertools.takewhile(lambda kv: kv[0] != key, values.items())), with_id=False)
            raise
        if not self._modified:  # the first row since a write: every column is written again
            for obj in [*self._objects.values(), ids, self]:
                obj.set_modified(True)
        if self._id_index is not None and self._id_index_len == n:
            self._id_index.setdefault(id, n)
            self._id_index_len = n + 1
        ids.rows.append(id)

    def _undo_row(self, cells: list[tuple[str, Any]], with_id: bool = True) -> None:
        """Take back the cells ``(column, value)`` of the last row, last first, and its id if ``with_id`` (a later
        part of a wider row was bad); the plans are made again."""
        plans = self._get_plans()
        for key, value in reversed(cells):
            plans[key].undo(value)
        self._plans = None
        if with_id:
            self.id.rows.drop(1)
            self._id_index = None

    def _plans_for(self, values: Mapping[str, Any], what: str = "row has",
                   lacks: str = "no value for") -> dict[str, ColumnPlan]:
        """The column plans for a row or batch naming ``values``' columns: optional predefined columns it
        names are created first (while the table has no rows); it must name each column once."""
        if values.keys() != self._get_plans().keys():
            infos = self._column_infos()
            for key in (k for k in values if k not in self._tops and k in infos and k != "id"):
                if len(self):
                    raise self._error(f"optional column {key!r} was not created and the table already has "
                                      f"{len(self)} rows; call add_column({key!r}, data=...) first")
                self.add_column(key)
            plans = self._get_plans()
            problems = [f"{kind} column(s) {names}" for kind, names in (
                ("unknown", [c for c in values if c not in plans]), (lacks, [c for c in plans if c not in values]))
                if names]
            if problems:
                raise self._error(f"{what} {' and '.join(problems)}; columns are {list(self._tops)}")
        return self._get_plans()

    def extend(self, rows: Any, enforce_unique_id: bool = False) -> None:
        """Append many rows: a dict of columns or a DataFrame; ids from an ``id`` key (or an index named ``id``), else
        continuing from ``len(self)``."""
        if isinstance(rows, Mapping):
            columns = dict(rows)
        elif hasattr(rows, "to_dict") and hasattr(rows, "columns") and hasattr(rows, "index"):  # a DataFrame
            columns = {str(c): rows[c].to_numpy() for c in rows.columns}  # ids: its "id" column, else an index named id
            if "id" not in columns and rows.index.name == "id":
                columns["id"] = rows.index.to_numpy()
        else:
            raise self._error(f"extend takes a dict of columns or a pandas DataFrame, got {type(rows).__name__}")
        lengths = {k: len(v) for k, v in columns.items()}
        ids = columns.pop("id", None)
        plans = self._plans_for(columns, "extend got", "lacks")
        if len(set(lengths.values())) > 1:
            raise self._error(f"extend got columns of different lengths: {lengths}")
        n = next(iter(lengths.values()), 0)
        if n == 0:
            return
        staged = [pair for name, values in columns.items() for pair in plans[name].prepare_many(values)]
        id_arr = (np.arange(len(self.id), len(self.id) + n, dtype=np.int64) if ids is None
                  else int64_array(ids, f"{self._where()}: ids must be integers"))
        if enforce_unique_id and ids is not None:
            dup = [int(i) for i in id_arr if int(i) in self._ids_to_rows()]
            if dup or len(np.unique(id_arr)) != n:
                raise self._error(f"duplicate ids {dup[:10] or 'within the batch'}")
        self.set_modified(True)
        for obj, arr in [*staged, (self.id, id_arr)]:
            obj.extend(arr)
            obj.set_modified(True)
        self._plans = None  # made again on the next row: the first rows of a column fix its type and shape

    def _ids_to_rows(self) -> dict[Any, int]:
        """id -> first row position, built once (one read of the ids) and kept up to date by add_row."""
        if self._id_index is None or self._id_index_len != len(self.id):
            ids = np.asarray(self.id.get_all()).tolist()
            self._id_index = {value: pos for pos, value in reversed(list(enumerate(ids)))}  # the first of equal ids
            self._id_index_len = len(ids)
        return self._id_index

    def id_to_index(self, id: int) -> int:
        pos = self._ids_to_rows().get(int(id))
        if pos is None:
            raise self._error(f"no row with id {id}")
        return pos

    def get_row_by_id(self, id: int, index: bool = False) -> dict[str, Any]:
        return self.get_dict(self.id_to_index(id), index=index)

    def _read_column(self, name: str, key: Any, index: bool) -> Any:
        top = self.get_column(name)
        if index and isinstance(top, EnumData):  # as hdmf: the positions in its elements
            return top.get(key, index=True)
        value = top.read(key)
        leaf = column_chain(top)[-1]
        if not isinstance(leaf, DynamicTableRegion) or index:
            return value
        if isinstance(top, VectorIndex) and not isinstance(key, (int, np.integer)):
            return [leaf.resolve(v) for v in value]
        return leaf.resolve(value)

    def _normalize_rows(self, key: Any) -> Any:
        """Rows ``key`` as ``select_rows`` gives them (a slice as given); neither rows nor a mask: KeyError, as hdmf."""
        if isinstance(key, slice):
            return key
        if not isinstance(key, (int, np.integer)) and np.asarray(key).dtype.kind not in "iub" or np.ndim(key) > 1:
            raise self._error(f"rows are selected by int, slice or list of ints, got {key!r:.60}",
                              errors.ContainerKeyError)
        return select_rows(key, len(self), self._where)

    def get(self, key: Any, default: Any = None, df: bool = True, index: bool = True) -> Any:
        """hdmf's ``get``: a column by name (``default`` when absent), else rows by int, slice, ints or mask, as a
        DataFrame indexed by id (``df=True``) or a list: the ids, then each column's values."""
        if isinstance(key, str):
            return self.get_column(key) if key == "id" or key in self else default
        rows = self._normalize_rows(key)
        if df:
            return self._frame(rows, index=index, exclude=())
        return [self._read_column(name, rows, index) for name in ("id", *self._tops)]  # ids as stored, as hdmf

    def get_dict(self, key: Any, index: bool = False) -> dict[str, Any]:
        """Rows by int (a dict of column -> value), slice, ints or mask (column -> values); no pandas.
        ``index=True`` keeps region columns as row indices."""
        rows = self._normalize_rows(key)
        return {name: self._read_column(name, rows, index) for name in ("id", *self._tops)}

    def __getitem__(self, key: Any) -> Any:
        """As hdmf: ``t['col']`` the column, ``t[i]``/``t[i:j]``/``t[[i, j]]`` a DataFrame, ``t[i, 'col']`` a cell
        (an int column position counts the id as column 0)."""
        if isinstance(key, str):
            return self.get_column(key)
        if isinstance(key, tuple):
            if len(key) != 2:
                raise self._error(f"expected table[row, column], got {key!r:.60}", errors.ContainerKeyError)
            row, col = key
            if isinstance(col, (int, np.integer)) and not isinstance(col, bool):
                names = ("id", *self._tops)
                if not -len(names) <= col < len(names):
                    raise self._error(f"column position {col} out of range", errors.ContainerIndexError)
                col = names[col]
            if col != "id" and (not isinstance(col, str) or col not in self._tops):
                raise self._error(f"no column {col!r}; columns are {list(self._tops)}", errors.ContainerKeyError)
            return self._read_column(col, self._normalize_rows(row), False)
        return self.get(key)

    def __iter__(self):
        raise TypeError(f"{type(self).__name__} is not iterable; use to_dataframe() or table[i]")

    def get_foreign_columns(self) -> list[str]:
        """Names of the region (DynamicTableRegion) columns."""
        return [name for name, top in self._tops.items() if isinstance(column_chain(top)[-1], DynamicTableRegion)]

    def has_foreign_columns(self) -> bool:
        return bool(self.get_foreign_columns())

    def create_region(self, name: str, region: slice | Sequence[int] | np.ndarray,
                      description: str) -> DynamicTableRegion:
        """A DynamicTableRegion pointing at rows of this table (a slice becomes a list of rows, as in hdmf)."""
        indices: Any = region
        if isinstance(region, slice):
            if (region.start is not None and region.start < 0) or (region.stop is not None and region.stop > len(self)):
                raise self._error(f"region slice {region} is out of range for {len(self)} rows",
                                  errors.ContainerIndexError)
            indices = list(range(*region.indices(len(self))))
        elif not isinstance(region, list):
            indices = int64_array(region, f"{self._where()}: region must be row indices")
        return DynamicTableRegion(name=name, data=indices, description=description, table=self)

    def _frame(self, rows: Any, index: bool, exclude: Iterable[str]) -> Any:
        """The DataFrame of ``rows``: one bulk read per column, store-backed columns read concurrently."""
        from hdmfzarr.common.dataframe import table_frame  # on first use: a read that makes no frame skips it

        return table_frame(self, rows, index, exclude)

    def to_dataframe(self, index: bool = False, exclude: Iterable[str] = ()) -> Any:
        """The table as a pandas DataFrame indexed by id (region columns hold target rows unless ``index=True``)."""
        return self._frame(slice(None), index=index, exclude=exclude)

    @classmethod
    def from_dataframe(cls, df: Any, name: str, description: str = "",
                       column_descriptions: Mapping[str, str] | None = None, index_column: str | None = None,
                       table_description: str | None = None,
                       columns: Sequence[Mapping[str, Any]] | None = None) -> DynamicTable:
        """A table from a DataFrame: ids from ``index_column`` (which stays a column, as in hdmf) or the index; cells
        that are lists become ragged columns. ``columns`` declares columns as hdmf does; ``table_description`` is
        hdmf's name for ``description``."""
        from hdmfzarr.common.dataframe import import_pandas, nesting_depth

        import_pandas()
        description = description if table_description is None else table_description
        descriptions = dict(column_descriptions or {})
        declared = {d["name"]: ColumnInfo.from_dict(d, f"{cls.__name__} {name!r}") for d in (columns or ())}
        absent = sorted(set(declared) - {str(c) for c in df.columns} - {index_column})
        if absent:
            raise errors.ContainerError(
                f"{cls.__name__} {name!r}: columns {absent} are declared but not in the DataFrame")
        if index_column is not None:
            if index_column not in df.columns:
                raise errors.ContainerError(f"{cls.__name__} {name!r}: index_column {index_column!r} is not a column")
            ids = df[index_column].to_numpy()
        else:
            ids = df.index.to_numpy()
            if ids.dtype.kind not in "iu":
                raise errors.ContainerError(
                    f"{cls.__name__} {name!r}: the DataFrame index must be integers to become ids, "
                    f"got {ids.dtype}")
        ids = ids.tolist()  # lists of the frame's values, as hdmf makes them (numpy scalars keep their dtype)
        infos = cls._column_infos()
        data: dict[str, Any] = {str(c): list(df[c].to_numpy()) for c in df.columns}
        table = cls(name, description, ids, **{c: v for c, v in data.items() if c in infos})  # predefined columns
        for cname, values in ((c, v) for c, v in data.items() if c not in infos):
            info = declared.get(cname) or ColumnInfo(cname, "no description")
            table.add_column(cname, descriptions.get(cname, info.description), data=values,
                             index=int(info.index) if info.index else nesting_depth(values),
                             table=True if info.table else None, col_cls=info.col_cls, enum=info.enum or None)
        return table

    def __eq__(self, other: object) -> bool:
        """As hdmf: the same name, description and contents (their DataFrames are equal)."""
        return other is self or (isinstance(other, DynamicTable) and self.name == other.name
                                 and self.description == other.description
                                 and bool(self.to_dataframe().equals(other.to_dataframe())))

    __hash__ = Container.__hash__  # still hashable by identity

    def copy(self) -> DynamicTable:
        """A new table of the same class sharing this one's id and column objects (hdmf's ``copy``, for linking)."""
        return type(self)(name=self.name, description=self.description, id=self.id, columns=list(self.columns),
                          colnames=list(self._tops))

    def __repr__(self) -> str:
        names = list(self._tops)
        shown = repr(names) if len(names) <= 10 else repr(names[:10])[:-1] + f", ... +{len(names) - 10}]"
        return f"<{self._where()} rows={len(self)} columns={shown}>"


class MeaningsTable(DynamicTable):
    """(value, meaning) rows for the values of ``target``, a column; named ``<target>_meanings`` (hdmf-common 1.10)."""

    data_type: ClassVar[str] = "MeaningsTable"
    field_names: ClassVar[tuple[str, ...]] = ("target",)
    columns_spec: ClassVar[tuple[ColumnInfo, ...]] = (
        ColumnInfo("value", "a value of the target column", required=True),
        ColumnInfo("meaning", "what the value means", required=True),
    )

    def __init__(self, target: VectorData, description: str | None = None,
                 id: ElementIdentifiers | Sequence[int] | np.ndarray | None = None,
                 columns: Sequence[Any] | None = None, colnames: Sequence[str] | None = None) -> None:
        if not isinstance(target, VectorData):
            raise errors.ContainerTypeError(
                f"MeaningsTable: target must be a VectorData column, got {type(target).__name__}")
        super().__init__(f"{target.name}_meanings", f"Meanings for values in '{target.name}'" if description is None
                         else description, id=id, columns=columns, colnames=colnames)
        self.target = target

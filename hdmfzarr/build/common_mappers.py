"""Object mappers for the hdmf-common types whose container API differs from their spec's layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..spec.model import GroupSpec, spec_type
from .builders import Builder, GroupBuilder
from .mapper import ObjectMapper

if TYPE_CHECKING:
    from .manager import BuildManager
    from .typemap import TypeMap

__all__ = ["DynamicTableMap", "AlignedDynamicTableMap", "SimpleMultiContainerMap", "CSRMatrixMap",
           "register_common_mappers"]

_COLUMN_PREFIX = "\0column:"  # internal attr names of named column sub-specs
_CATEGORY_PREFIX = "\0category:"  # internal attr names of named category-table sub-specs


class DynamicTableMap(ObjectMapper):
    """DynamicTable: unnamed VectorData* <-> ``columns``; named VectorData sub-specs are columns too."""

    #: (type, internal attr prefix of named sub-specs, field of unnamed ones) of the sub-specs this map gathers
    _gathered: tuple[tuple[str, str, str], ...] = (("VectorData", _COLUMN_PREFIX, "columns"),)
    _listed: tuple[str, ...] = ("colnames",)  # attributes built as a list (empty when the container has none)

    def _own_sub(self, spec: Any, ancestor: str) -> bool:
        """Whether ``spec`` is a sub-spec of the type itself (not of a part) typed ``ancestor`` or a subtype."""
        dt = spec_type(spec)  # (None for attributes and links)
        return (dt is not None and self._prefix.get(id(spec)) == ()
                and self.type_map.is_subtype(self.namespace, dt, ancestor))

    def attr_name(self, spec: Any) -> str:
        for ancestor, prefix, field in self._gathered:
            if self._own_sub(spec, ancestor):
                name = getattr(spec, "name", None)
                return prefix + name if name else field
        return super().attr_name(spec)

    def get_value(self, container: Any, spec: Any) -> Any:
        attr = self.attr_name(spec)
        if attr.startswith(_COLUMN_PREFIX):
            name = attr[len(_COLUMN_PREFIX):]
            return next((col for col in getattr(container, "columns", None) or () if col.name == name), None)
        if attr in self._listed:
            names = getattr(container, attr, None)
            if attr == "colnames" and names == getattr(container, "_empty_colnames", None) is not None \
                    and not len(container):
                return []  # stored as [] (what hdmf writes for a table of no rows): copied as is
            return list(names) if names is not None else []
        return super().get_value(container, spec)

    def fields(self) -> list[Any]:
        return [f for f in super().fields() if not f.attr.startswith((_COLUMN_PREFIX, _CATEGORY_PREFIX))]

    def construct_kwargs(self, builder: Builder, manager: BuildManager) -> dict[str, Any]:
        kwargs = super().construct_kwargs(builder, manager)
        for _, prefix, field in self._gathered:  # named sub-specs' objects join their field's list, first
            named = [kwargs.pop(k) for k in list(kwargs) if k.startswith(prefix)]
            if named:
                kwargs[field] = named + list(kwargs.get(field) or [])
        columns = kwargs.get("columns")
        if columns:
            order = {n: i for i, n in enumerate(kwargs.get("colnames") or ())}

            def rank(col: Any) -> tuple[int, int]:
                base = col.name
                depth = 0
                while base.endswith("_index") and base not in order:
                    base = base[: -len("_index")]
                    depth += 1
                return order.get(base, len(order)), depth

            kwargs["columns"] = sorted(columns, key=rank)
        if "colnames" in kwargs and kwargs["colnames"] is not None:
            kwargs["colnames"] = [str(c) for c in kwargs["colnames"]]
        return kwargs


class AlignedDynamicTableMap(DynamicTableMap):
    """AlignedDynamicTable: DynamicTable* sub-groups (named ones too: NWB's IntracellularRecordingsTable's
    ``electrodes``, ...) <-> ``category_tables``; attribute ``categories``."""

    _gathered = (("DynamicTable", _CATEGORY_PREFIX, "category_tables"), *DynamicTableMap._gathered)
    _listed = ("categories", "colnames")

    def get_value(self, container: Any, spec: Any) -> Any:
        attr = self.attr_name(spec)
        tables = getattr(container, "category_tables", None)
        tables = tables if isinstance(tables, dict) else {t.name: t for t in tables or ()}
        if attr.startswith(_CATEGORY_PREFIX):
            return tables.get(attr[len(_CATEGORY_PREFIX):])
        if attr == "category_tables":
            named = {s.name for s in self._subspecs(self.spec) if self._own_sub(s, "DynamicTable")}
            return [t for n, t in tables.items() if n not in named]
        return super().get_value(container, spec)


class SimpleMultiContainerMap(ObjectMapper):
    """SimpleMultiContainer: the Data* and Container* sub-specs both map to ``containers``."""

    def get_value(self, container: Any, spec: Any) -> Any:
        items = getattr(container, "containers", None)
        if items is None:
            return None
        items = list(items.values()) if isinstance(items, dict) else list(items)
        from ..container import Data

        want_data = not isinstance(spec, GroupSpec)
        return [c for c in items if isinstance(c, Data) == want_data]

    def attr_name(self, spec: Any) -> str:
        if spec_type(spec) in ("Data", "Container") and not getattr(spec, "name", None):
            return "_datasets" if spec_type(spec) == "Data" else "_groups"
        return super().attr_name(spec)

    def fields(self) -> list[Any]:
        return [f for f in super().fields() if f.attr not in ("_datasets", "_groups")]

    def construct_kwargs(self, builder: Builder, manager: BuildManager) -> dict[str, Any]:
        kwargs = super().construct_kwargs(builder, manager)
        items = list(kwargs.pop("_datasets", None) or []) + list(kwargs.pop("_groups", None) or [])
        if items and isinstance(builder, GroupBuilder):
            order = {n: i for i, n in enumerate(sorted(builder.groups) + sorted(builder.datasets))}
            kwargs["containers"] = sorted(items, key=lambda c: order.get(c.name, 0))
        return kwargs


class CSRMatrixMap(ObjectMapper):
    """CSRMatrix: ``data``/``indices``/``indptr`` datasets and the ``shape`` attribute."""

    def get_value(self, container: Any, spec: Any) -> Any:
        value = super().get_value(container, spec)
        if value is None and hasattr(container, "to_spmat"):
            value = getattr(container.to_spmat(), self.attr_name(spec), None)
        if self.attr_name(spec) == "shape" and value is not None:
            value = [int(v) for v in value]
        return value


def register_common_mappers(type_map: TypeMap) -> None:
    """Register the hdmf-common mappers on ``type_map`` (for the classes it has for those types, once imported)."""
    for mcls in (DynamicTableMap, AlignedDynamicTableMap, SimpleMultiContainerMap, CSRMatrixMap):
        type_map.register_type_mapper(mcls.__name__.removesuffix("Map"), "hdmf-common", mcls)

"""The default TypeMap registers the hdmf-common classes by where they live and imports each on first use:
lookups by type, by class and by mapper answer exactly as if every class had been registered up front."""

from __future__ import annotations

import importlib

import pytest

from hdmfzarr.build import TypeMap
from hdmfzarr.build.common_mappers import CSRMatrixMap, DynamicTableMap
from hdmfzarr.build.mapper import ObjectMapper
from hdmfzarr.build.typemap import _build_default
from hdmfzarr.common import CLASS_HOMES, COMMON_CLASSES, EXPERIMENTAL_CLASSES, CSRMatrix, DynamicTable


@pytest.mark.parametrize("key", sorted(CLASS_HOMES))
def test_build_lazy_class_homes_name_the_types_classes(key: tuple[str, str]) -> None:
    module, _, name = CLASS_HOMES[key].partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert (cls.namespace, cls.data_type) == key
    assert _build_default().get_class(key[1], key[0]) is cls


def test_build_lazy_common_classes_are_the_homes() -> None:
    got = {("hdmf-common", dt): cls for dt, cls in COMMON_CLASSES.items()} | EXPERIMENTAL_CLASSES
    assert {k: f"{c.__module__}:{c.__qualname__}" for k, c in got.items()} == CLASS_HOMES


def test_build_lazy_class_lookups_by_class_see_unrequested_classes() -> None:
    tm = _build_default()
    assert tm._lazy, "the default map registers its classes lazily"

    class Mine(DynamicTable):  # a user subclass: the map was never asked for DynamicTable
        pass

    assert tm.mapper_class(Mine) is DynamicTableMap
    assert tm.data_type_of(DynamicTable(name="t", description="d")) == ("hdmf-common", "DynamicTable")
    assert tm.mapper_class(CSRMatrix) is CSRMatrixMap
    assert tm.get_class("CSRMatrix") is CSRMatrix  # by type name alone, too


def test_build_lazy_class_explicit_registration_wins() -> None:
    tm = _build_default()

    class Mine(DynamicTable):
        pass

    tm.register_class("DynamicTable", "hdmf-common", Mine)
    assert tm.get_class("DynamicTable", "hdmf-common") is Mine
    assert tm.mapper_class(Mine) is DynamicTableMap  # the mapper still comes with the base class
    tm.register_mapper(DynamicTable, ObjectMapper)
    assert tm.mapper_class(DynamicTable) is ObjectMapper  # a mapper registered meanwhile is not replaced


def test_build_lazy_class_copies_are_independent() -> None:
    tm = _build_default()
    twin = tm.copy()
    assert twin.get_class("DynamicTable", "hdmf-common") is DynamicTable
    assert twin._lazy != tm._lazy  # resolved in the copy only
    assert tm.get_class("DynamicTable", "hdmf-common") is DynamicTable
    empty = TypeMap()
    empty.register_lazy_class("CSRMatrix", "hdmf-common", CLASS_HOMES[("hdmf-common", "CSRMatrix")])
    empty.register_type_mapper("CSRMatrix", "hdmf-common", CSRMatrixMap)
    assert repr(empty).endswith("classes=1 mappers=1>")
    assert empty.copy().mapper_class(CSRMatrix) is CSRMatrixMap

"""Fixtures for the hardening tests: a small valid store in either format, and JSON surgery on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable


def small_table() -> DynamicTable:
    """A table with a number, a text, a ragged and a doubly ragged column."""
    t = DynamicTable(name="people", description="a small table")
    t.add_column("age", "age", dtype="int64")
    t.add_column("weight", "weight", dtype="float64")
    t.add_column("name", "name", dtype="text")
    t.add_column("scores", "scores", dtype="float32", index=True)
    t.add_column("tags", "tags per visit", dtype="text", index=2)
    t.add_row(id=10, age=30, weight=61.5, name="ann", scores=[1.0, 2.0], tags=[["a"], ["b", "c"]])
    t.add_row(id=11, age=40, weight=float("nan"), name="bøb", scores=[], tags=[])
    t.add_row(id=12, age=50, weight=80.0, name="cy", scores=[3.0], tags=[[]])
    return t


def write_small(path: Path | str, zarr_format: int, cache_spec: bool = False) -> str:
    """Write :func:`small_table` to ``path`` and return it as a string."""
    with ZarrIO(str(path), "w", zarr_format=zarr_format) as io:
        io.write(small_table(), cache_spec=cache_spec)
    return str(path)


def read_everything(url: str, **kwargs: Any) -> Any:
    """Open, read builders and every lazy array, then construct containers and read every column."""
    from hdmfzarr.backends.zarr import LazyArray

    with ZarrIO(url, **kwargs) as io:
        root = io.read_builder()
        for b in root.walk():
            data = getattr(b, "data", None)
            if isinstance(data, LazyArray):
                np.asarray(data[...])
        table = io.read()
        for col in getattr(table, "columns", ()):
            np.asarray(col.data[...]) if hasattr(col.data, "shape") else None
        return table


def edit_json(path: Path, edit: Callable[[Any], Any]) -> None:
    """Rewrite the JSON document at ``path`` with ``edit(doc)`` (which may mutate and return None)."""
    doc = json.loads(path.read_text())
    new = edit(doc)
    path.write_text(json.dumps(doc if new is None else new))


def consolidated(doc: dict[str, Any]) -> dict[str, Any]:
    """The node documents inside a format 3 root zarr.json (consolidated metadata)."""
    return doc["consolidated_metadata"]["metadata"]


@pytest.fixture(params=[3, 2], ids=["v3", "v2"])
def zarr_format(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def small_store(tmp_path: Path, zarr_format: int) -> Path:
    """A small valid store (both formats via ``zarr_format``)."""
    return Path(write_small(tmp_path / "small.zarr", zarr_format))


class Helpers:
    """The module's helper functions, as a fixture (test modules cannot import conftest)."""

    small_table = staticmethod(small_table)
    write_small = staticmethod(write_small)
    read_everything = staticmethod(read_everything)
    edit_json = staticmethod(edit_json)
    consolidated = staticmethod(consolidated)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers


def edit_node(store: Path, zarr_format: int, node: str, part: str, edit: Callable[[dict[str, Any]], Any]) -> None:
    """Apply ``edit`` to a node's ``part`` ("attrs" or "meta") in the consolidated and per-node documents."""
    prefix = f"{node}/" if node else ""
    if zarr_format == 3:
        def on_doc(doc: dict[str, Any]) -> None:
            edit(doc.setdefault("attributes", {}) if part == "attrs" else doc)

        def on_root(doc: dict[str, Any]) -> None:
            if node:
                on_doc(consolidated(doc)[node])
            on_doc(doc)  if not node else None

        edit_json(store / "zarr.json", on_root)
        if node:
            edit_json(store / node / "zarr.json", on_doc)
        return
    name = ".zattrs" if part == "attrs" else (".zgroup" if (store / node / ".zgroup").exists() else ".zarray")
    edit_json(store / ".zmetadata", lambda doc: edit(doc["metadata"][prefix + name]))
    edit_json(store / (prefix + name), edit)


Helpers.edit_node = staticmethod(edit_node)

"""Container level: hdmfzarr.common containers written with ZarrIO.write and read back with read()."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.common import AlignedDynamicTable, CSRMatrix, DynamicTable, SimpleMultiContainer


def make_root() -> SimpleMultiContainer:
    places = DynamicTable(name="places", description="places")
    places.add_column("city", "city")
    for c in ("Lisbon", "Osaka", "Quito"):
        places.add_row(city=c)
    people = DynamicTable(name="people", description="people")
    people.add_column("age", "age")
    people.add_column("weight", "weight")
    people.add_column("nickname", "nick")
    people.add_column("alive", "alive")
    people.add_column("tags", "tags", index=True)
    people.add_column("scores", "scores", index=2)
    people.add_column("home", "home", table=places)
    people.add_row(age=31, weight=61.5, nickname="ana", alive=True, tags=["a", "b"], scores=[[1, 2], [3]], home=2)
    people.add_row(age=42, weight=np.nan, nickname="bé", alive=False, tags=[], scores=[[4]], home=0)
    people.add_row(age=27, weight=55.0, nickname="chen", alive=True, tags=["c"], scores=[[], [5, 6]], home=1)
    sparse = CSRMatrix(data=np.array([1.0, 2.0, 3.0]), indices=np.array([0, 2, 1]), indptr=np.array([0, 2, 2, 3]),
                       shape=(3, 3), name="sparse")
    cat = DynamicTable(name="cat_a", description="category")
    cat.add_column("x", "x")
    for v in (0.5, 1.5, 2.5):
        cat.add_row(x=v)
    aligned = AlignedDynamicTable(name="aligned", description="aligned", category_tables=[cat])
    return SimpleMultiContainer(name="root", containers=[places, people, sparse, aligned])


def child(container, name):
    return next(c for c in container.children if c.name == name)


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("memory", [False, True])
def test_common_containers_roundtrip(tmp_path: Path, fmt: int, memory: bool) -> None:
    url = f"memory://hdmfzarr-{uuid.uuid4().hex}/c.zarr" if memory else str(tmp_path / "c.zarr")
    with ZarrIO(url, "w", zarr_format=fmt) as io:
        io.write(make_root())
    with ZarrIO(url) as io:
        root = io.read()
        assert type(root).__name__ == "SimpleMultiContainer"
        people = child(root, "people")
        df = people.to_dataframe(index=True)
        assert df["age"].tolist() == [31, 42, 27]
        assert np.isnan(df["weight"].iloc[1]) and df["weight"].iloc[2] == 55.0
        assert df["nickname"].tolist() == ["ana", "bé", "chen"]
        assert df["alive"].tolist() == [True, False, True]
        assert [list(t) for t in df["tags"]] == [["a", "b"], [], ["c"]]
        assert [[list(x) for x in s] for s in df["scores"]] == [[[1, 2], [3]], [[4]], [[], [5, 6]]]
        assert df["home"].tolist() == [2, 0, 1]
        assert people["home"].table is child(root, "places")
        assert isinstance(people["age"].data, LazyArray)
        sparse = child(root, "sparse")
        assert np.asarray(sparse.data).tolist() == [1.0, 2.0, 3.0]
        aligned = child(root, "aligned")
        assert np.asarray(child(aligned, "cat_a")["x"].data).tolist() == [0.5, 1.5, 2.5]


def test_spec_cache_written_and_loaded(tmp_path: Path) -> None:
    with ZarrIO(tmp_path / "c.zarr", "w") as io:
        io.write(make_root())
    meta = json.loads((tmp_path / "c.zarr/zarr.json").read_text())
    assert meta["attributes"][".specloc"] == "specifications"
    assert any(k.startswith("specifications/hdmf-common/") for k in meta["consolidated_metadata"]["metadata"])
    with ZarrIO(tmp_path / "c.zarr") as io:
        cache = io.spec_cache()
        assert "hdmf-common" in cache and cache["hdmf-common"]["sources"]
        ns = cache["hdmf-common"]["namespace"]
        assert ns["name"] == "hdmf-common"  # the namespace's own description (hdmf's wrapping undone on read)


def test_unknown_namespace_loaded_from_cache(tmp_path: Path) -> None:
    """A store whose namespace has no Python classes reads into generated classes from its cached specs."""
    from hdmfzarr.build import get_type_map

    tm = get_type_map()
    cache = tm.namespace_catalog.to_cache()
    ext = {
        "version": "0.1.0",
        "namespace": {"name": "zsample", "version": "0.1.0", "doc": "d", "author": ["a"], "contact": ["c"],
                      "schema": [{"namespace": "hdmf-common"}, {"source": "zsample.extensions"}]},
        "sources": {"zsample.extensions": {"groups": [{
            "data_type_def": "Thing", "data_type_inc": "Container", "doc": "a thing",
            "attributes": [{"name": "label", "dtype": "text", "doc": "a label"}],
            "datasets": [{"name": "values", "dtype": "float64", "shape": [None], "doc": "values"}],
        }]}},
    }
    root = GroupBuilder("root", attributes={"namespace": "zsample", "data_type": "Thing", "label": "hi",
                                            "object_id": str(uuid.uuid4())})
    root.set_dataset(DatasetBuilder("values", np.arange(3.0)))
    with ZarrIO(tmp_path / "ext.zarr", "w") as io:
        io.write_builder(root, namespaces={**cache, "zsample": ext})
    with ZarrIO(tmp_path / "ext.zarr") as io:
        assert io.type_map is tm  # before the read: the default map
        thing = io.read()
        assert type(thing).__name__ == "Thing"
        assert thing.label == "hi"
        assert np.asarray(thing.values).tolist() == [0.0, 1.0, 2.0]
        # after it: the map that read the store (public, e.g. to make more objects of the store's types)
        assert io.type_map is not tm and io.type_map.get_class("Thing", "zsample") is type(thing)
        assert io.read() is not None and io.type_map.get_class("Thing", "zsample") is type(thing)  # read again
    assert "zsample" not in get_type_map().namespace_catalog.namespaces  # the shared map is untouched


def test_integer_data_wider_than_builder_dtype_is_widened(tmp_path: Path) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("idx", np.array([10, 300, 70000]), dtype="uint8"))
    with ZarrIO(tmp_path / "w.zarr", "w") as io:
        io.write_builder(root)
    with ZarrIO(tmp_path / "w.zarr") as io:
        assert io.read_builder()["idx"].data[:].tolist() == [10, 300, 70000]

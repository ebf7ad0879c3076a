"""hdmf-zarr 0.14 code switched by its imports: ``get_manager``, ``ZarrIO(..., manager=)`` and ``export``, checked
against files and stores hdmf and hdmf-zarr wrote and read."""

from __future__ import annotations

import datetime
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

hdmf_common = pytest.importorskip("hdmf.common")
hdmf_zarr = pytest.importorskip("hdmf_zarr")
from hdmf.backends.hdf5 import HDF5IO  # noqa: E402

import hdmfzarr  # noqa: E402
from hdmfzarr import ZarrIO  # noqa: E402
from hdmfzarr.common import DynamicTable, get_manager  # noqa: E402
from hdmfzarr.errors import HdmfZarrError  # noqa: E402


@pytest.fixture(scope="module")
def hdmf_h5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HDF5 file written by hdmf: a table with a ragged column, and a table of regions into it."""
    path = tmp_path_factory.mktemp("h5") / "tables.h5"
    t = hdmf_common.DynamicTable(name="t", description="values")
    t.add_column("x", "x")
    t.add_column("r", "ragged", index=True)
    for i in range(5):
        t.add_row(x=i * 1.5, r=list(range(i)))
    refs = hdmf_common.DynamicTable(name="refs", description="regions")
    refs.add_column("row", "a row of t", table=t)
    refs.add_row(row=3)
    refs.add_row(row=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with HDF5IO(str(path), "w", manager=hdmf_common.get_manager()) as io:
            io.write(hdmf_common.SimpleMultiContainer(name="root", containers=[t, refs]))
    return path


def _check_tables(tables: dict) -> None:
    """The tables of ``hdmf_h5`` as hdmf wrote them: values, ragged rows, and regions resolving to rows of t."""
    frame = tables["t"].to_dataframe()
    assert frame["x"].tolist() == [0.0, 1.5, 3.0, 4.5, 6.0]
    assert [list(v) for v in frame["r"]] == [list(range(i)) for i in range(5)]
    assert tables["refs"]["row"][0]["x"].tolist() == [4.5] and tables["refs"]["row"][1]["x"].tolist() == [1.5]


def test_hdmf_common_functions_are_offered_where_hdmf_code_imports_them() -> None:
    from hdmfzarr.common import EXP_NAMESPACE, available_namespaces, get_class, get_type_map, register_map, validate

    assert get_class("DynamicTable", "hdmf-common") is DynamicTable
    assert EXP_NAMESPACE == hdmf_common.EXP_NAMESPACE and "hdmf-common" in available_namespaces()
    assert get_manager().type_map is get_type_map() and validate is hdmfzarr.validate
    assert register_map is hdmfzarr.register_map


def test_get_manager_with_extensions_loads_them_into_a_copy(tmp_path: Path) -> None:
    from hdmfzarr.spec import GroupSpec, NamespaceBuilder

    ns = NamespaceBuilder("an extension", "ndx-switch", version="0.1.0")
    ns.include_namespace("hdmf-common")
    spec = GroupSpec("a thing", data_type_def="SwitchThing", data_type_inc="Container")
    ns.add_spec("ndx-switch.extensions.yaml", spec)
    ns.export("ndx-switch.namespace.yaml", outdir=str(tmp_path))
    manager = get_manager(extensions=str(tmp_path / "ndx-switch.namespace.yaml"))
    assert manager.type_map.get_class("SwitchThing", "ndx-switch").__name__ == "SwitchThing"
    assert "ndx-switch" not in hdmfzarr.available_namespaces()  # the default map is left as it was


def test_a_manager_gives_zarrio_its_type_map_and_a_positional_one_is_refused(tmp_path: Path) -> None:
    manager = get_manager()
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "x")
    t.add_row(x=1.0)
    with ZarrIO(tmp_path / "a.zarr", mode="w", manager=manager) as io:
        assert io.type_map is manager.type_map
        io.write(t)
    with pytest.raises(TypeError, match="manager="):  # hdmf-zarr's third argument is the manager
        ZarrIO(tmp_path / "b.zarr", "w", manager)
    assert not (tmp_path / "b.zarr").exists()


def test_can_read_source_and_manager_answer_as_hdmf_zarr_does(tmp_path: Path, hdmf_h5: Path) -> None:
    """hdmf-zarr's ``ZarrIO.can_read(path)`` and hdmf's ``io.source``/``io.manager``: the same answers for a store
    hdmf-zarr wrote, a directory, a missing path and an HDF5 file; the manager given is the one used."""
    t = hdmf_common.DynamicTable(name="t", description="d")
    t.add_column("x", "x")
    t.add_row(x=1.0)
    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="w", manager=hdmf_common.get_manager()) as io:
        io.write(t)
    (tmp_path / "empty").mkdir()
    paths = [tmp_path / "peer.zarr", tmp_path / "empty", tmp_path / "missing.zarr", hdmf_h5]
    assert [ZarrIO.can_read(p) for p in paths] == [hdmf_zarr.ZarrIO.can_read(str(p)) for p in paths] == \
        [True, False, False, False]
    manager = get_manager()
    with ZarrIO(tmp_path / "peer.zarr", manager=manager) as io:
        assert io.source == str(tmp_path / "peer.zarr") and io.manager is manager
        assert io.read().to_dataframe()["x"].tolist() == [1.0]
        assert io.manager.type_map is io.type_map  # after the read: the manager that built the containers
    with ZarrIO(tmp_path / "peer.zarr") as io:
        assert io.manager is io.manager and io.manager.type_map is hdmfzarr.get_type_map()


def test_nwbzarrio_keywords_read_and_a_foreign_manager_is_refused_by_name(tmp_path: Path) -> None:
    """NWBZarrIO code switched to ZarrIO: ``load_namespaces=True`` is accepted (cached namespaces are always read);
    hdmf's or pynwb's own manager (whose classes hdmfzarr cannot build) is refused with a message saying what to
    pass, not an AttributeError from deep inside the read."""
    t = DynamicTable(name="t", description="d")
    t.add_column("x", "x")
    t.add_row(x=1.0)
    with ZarrIO(tmp_path / "a.zarr", mode="w") as io:
        io.write(t)
    with ZarrIO(tmp_path / "a.zarr", mode="r", load_namespaces=True) as io:
        assert io.read()["x"][:].tolist() == [1.0]
    with pytest.raises(TypeError, match=r"hdmfzarr's \(hdmfzarr.common.get_manager\(\)\), got hdmf.build"):
        ZarrIO(tmp_path / "a.zarr", mode="r", manager=hdmf_common.get_manager())


@pytest.mark.parametrize("kind", ["hdmf", "pynwb"])
def test_writing_hdmf_or_pynwb_containers_is_refused_not_written_empty(tmp_path: Path, kind: str) -> None:
    """Code switched by its imports still holding hdmf's (or pynwb's) containers: the write refuses, naming the
    class and what to do, instead of writing an empty 'Container' root (pynwb's NWBFile) or a table whose columns
    are missing (hdmf's DynamicTable), both committed without a word."""
    from hdmfzarr.errors import BuildError

    if kind == "hdmf":
        obj: Any = hdmf_common.DynamicTable(name="t", description="d")
        obj.add_column("x", "x")
        obj.add_row(x=1)
    else:
        pynwb = pytest.importorskip("pynwb")
        obj = pynwb.NWBFile("desc", "id", datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    name = type(obj).__module__ + "." + type(obj).__qualname__
    with pytest.raises(BuildError, match=rf"{re.escape(name)} is an hdmf \(or pynwb\) container"):
        with ZarrIO(tmp_path / "x.zarr", mode="w") as io:
            io.write(obj)
    with pytest.raises(HdmfZarrError):
        ZarrIO(tmp_path / "x.zarr").read()  # nothing committed


def test_an_hdf5_file_given_to_zarrio_is_named_as_such(hdmf_h5: Path) -> None:
    """ZarrIO on an HDF5 file hdmf wrote says it is one and how to read it (hdmfzarr.open), not only 'no store'."""
    from hdmfzarr.errors import StoreNotFoundError

    with pytest.raises(StoreNotFoundError, match=r"not a directory\); an HDF5 file: read it with hdmfzarr.open"):
        ZarrIO(hdmf_h5)
    assert hdmfzarr.open(str(hdmf_h5)).read_builder() is not None


def test_export_of_an_hdmf_hdf5io_copies_the_file_and_hdmf_zarr_reads_the_copy(hdmf_h5: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.zarr"
    with HDF5IO(str(hdmf_h5), "r", manager=hdmf_common.get_manager()) as read_io:  # hdmf-zarr's documented recipe
        with ZarrIO(path=str(out), manager=get_manager(), mode="w") as export_io:  # hdmf-zarr's keywords
            export_io.export(src_io=read_io, write_args=dict(link_data=False))
    with ZarrIO(out) as io:
        root = io.read()
        _check_tables({"t": root["t"], "refs": root["refs"]})
        assert "hdmf-common" in io.spec_cache()
    with hdmf_zarr.ZarrIO(str(out), mode="r", manager=hdmf_common.get_manager()) as io:
        _check_tables(io.read().containers)


def test_export_of_a_store_read_here_with_a_changed_container(hdmf_h5: Path, tmp_path: Path) -> None:
    with hdmfzarr.open(hdmf_h5) as src, ZarrIO(tmp_path / "whole.zarr", "w") as out:
        out.export(src)
    with ZarrIO(tmp_path / "whole.zarr") as src:
        root = src.read()
        root["t"].add_row(x=7.5, r=[9])
        with ZarrIO(tmp_path / "changed.zarr", "w", zarr_format=2) as out:
            out.export(src, container=root, write_args={"link_data": False})
            with pytest.raises(TypeError, match="write_args"):
                out.export(src, write_args={"link_data": True})
    with hdmf_zarr.ZarrV2IO(str(tmp_path / "changed.zarr"), mode="r", manager=hdmf_common.get_manager()) as io:
        t = io.read().containers["t"]
        assert t["x"][:].tolist()[-1] == 7.5 and list(t["r"][5]) == [9]
    with pytest.raises(TypeError, match="src_io"):
        ZarrIO(tmp_path / "c.zarr", "w").export(np.zeros(3))


def test_load_namespaces_of_a_store_hdmf_zarr_wrote(tmp_path: Path) -> None:
    """An extension cached by hdmf-zarr 0.14 loads into a type map, whose generated class then reads the store."""
    from hdmf.spec import GroupSpec, NamespaceBuilder
    from hdmfzarr.build import TypeMap

    ns = NamespaceBuilder("an extension", "ndx-cached", version="0.1.0")
    ns.include_namespace("hdmf-common")
    ns.add_spec("ndx-cached.extensions.yaml", GroupSpec("a thing", data_type_def="CachedThing",
                                                        data_type_inc="Container"))
    ns.export("ndx-cached.namespace.yaml", outdir=str(tmp_path))
    from hdmf.build import BuildManager

    hdmf_map = hdmf_common.get_type_map()  # a copy: hdmf's default map is left as it was
    hdmf_map.load_namespaces(str(tmp_path / "ndx-cached.namespace.yaml"))
    thing = hdmf_map.get_dt_container_cls("CachedThing", "ndx-cached")(name="root")
    with hdmf_zarr.ZarrIO(str(tmp_path / "ext.zarr"), mode="w", manager=BuildManager(hdmf_map)) as io:
        io.write(thing)
    type_map = get_manager().type_map.copy()
    loaded = ZarrIO.load_namespaces(type_map, tmp_path / "ext.zarr")
    assert "ndx-cached" in loaded and ZarrIO.load_namespaces(type_map, tmp_path / "ext.zarr") == {}
    cls = type_map.get_class("CachedThing", "ndx-cached")
    with ZarrIO(tmp_path / "ext.zarr", type_map=type_map) as io:
        assert type(io.read()) is cls
    assert isinstance(type_map, TypeMap) and "ndx-cached" not in hdmfzarr.available_namespaces()


@pytest.mark.parametrize("fmt", [3, 2])
def test_zarrdataio_takes_hdmf_zarr_argument_names(tmp_path: Path, fmt: int) -> None:
    """``fillvalue``, ``chunks`` and a compressor as hdmf-zarr takes them (0.13's one ``compressor`` in format 2,
    0.14's zarr 3 ``compressors`` in format 3); hdmf-zarr reads the values back."""
    import json

    import numcodecs
    import zarr

    from hdmfzarr import ZarrDataIO
    from hdmfzarr.common import VectorData

    codec = {"compressor": numcodecs.Blosc(cname="zstd")} if fmt == 2 else \
        {"compressors": [zarr.codecs.BloscCodec(cname="zstd")]}
    data = ZarrDataIO(np.arange(1000.0), chunks=(100,), fillvalue=-1.0, **codec)
    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(DynamicTable(name="t", description="d", columns=[VectorData(name="x", description="x", data=data)]))
    meta = json.loads((path / "x" / ("zarr.json" if fmt == 3 else ".zarray")).read_text())
    assert meta["fill_value"] == -1.0
    if fmt == 2:
        assert meta["chunks"] == [100] and meta["compressor"]["cname"] == "zstd"
    else:
        assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [100]
        assert [c["configuration"].get("cname") for c in meta["codecs"] if c["name"] == "blosc"] == ["zstd"]
    reader = hdmf_zarr.ZarrIO if fmt == 3 else hdmf_zarr.ZarrV2IO
    with reader(str(path), "r", manager=hdmf_common.get_manager()) as io:
        assert io.read()["x"].data[:].tolist() == list(np.arange(1000.0))
    with pytest.raises(TypeError, match="not both"):
        ZarrDataIO([1], compressor=numcodecs.Blosc(), compressors=[numcodecs.Blosc()])


def test_type_map_calls_of_hdmf_extension_code(tmp_path: Path) -> None:
    """``get_dt_container_cls``, ``register_container_type`` (namespace first, as hdmf) and ``register_map``."""
    from hdmfzarr.build import ObjectMapper

    type_map = get_manager().type_map.copy()
    assert type_map.get_dt_container_cls("DynamicTable", "hdmf-common") is DynamicTable

    class MyTable(DynamicTable):
        pass

    class MyMapper(ObjectMapper):
        pass

    assert type_map.register_container_type("hdmf-common", "DynamicTable", MyTable) is MyTable
    assert type_map.get_dt_container_cls("DynamicTable") is MyTable
    type_map.register_map(MyTable, MyMapper)
    assert type_map.mapper_class(MyTable) is MyMapper
    assert get_manager().type_map.get_class("DynamicTable", "hdmf-common") is DynamicTable  # a copy was changed


def _users(name: str = "root") -> Any:
    """hdmf-zarr's tutorial table (with hdmf's classes for the peer, ours otherwise)."""
    t = DynamicTable(name=name, description="users")
    t.add_column("x", "x")
    t.add_row(x=1.0)
    t.add_row(x=2.0)
    return t


def test_zarrdataio_compressor_booleans_and_stored_settings_as_hdmf_zarr(tmp_path: Path) -> None:
    """``compressors=True`` (hdmf-zarr: the default) and ``False`` (none; 0.13's ``compressor=False`` too) write, and
    the arrays read back answer ``data.compressors``, ``filters`` and ``fill_value`` as hdmf-zarr's do."""
    import zarr

    from hdmfzarr import ZarrDataIO
    from hdmfzarr.common import VectorData

    def columns(mod: Any, dio: Any) -> list:
        return [mod.VectorData(name="dflt", description="d", data=dio(data=np.arange(10), compressors=True)),
                mod.VectorData(name="none", description="d", data=dio(data=np.arange(10), compressors=False)),
                mod.VectorData(name="filt", description="d", data=dio(
                    data=np.arange(10.0), filters=[zarr.codecs.numcodecs.Delta(dtype="<f8")], fillvalue=-1.0))]

    peer = hdmf_common.DynamicTable(name="root", description="d", columns=columns(hdmf_common, hdmf_zarr.ZarrDataIO))
    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="w", manager=hdmf_common.get_manager()) as io:
        io.write(peer)
    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="r", manager=hdmf_common.get_manager()) as io:
        want = {c.name: (bool(c.data.compressors), c.data.filters, c.data.fill_value) for c in io.read().columns}
    from types import SimpleNamespace

    ours = SimpleNamespace(VectorData=VectorData)
    with ZarrIO(tmp_path / "ours.zarr", "w") as io:
        io.write(DynamicTable(name="root", description="d", columns=columns(ours, ZarrDataIO)))
    with ZarrIO(tmp_path / "ours.zarr") as io:
        got = {c.name: (bool(c.data.compressors), c.data.filters, c.data.fill_value) for c in io.read().columns}
    assert got == want and want["none"][0] is False and want["filt"][2] == -1.0
    with ZarrIO(tmp_path / "v2.zarr", "w", zarr_format=2) as io:  # 0.13's spelling
        io.write(DynamicTable(name="root", description="d", columns=[
            VectorData(name="x", description="d", data=ZarrDataIO(np.arange(10), compressor=False))]))
    with ZarrIO(tmp_path / "v2.zarr") as io:
        assert io.read()["x"].data.compressors == ()


def test_tutorial_names_root_name_modes_and_builder_lookups(tmp_path: Path) -> None:
    """What hdmf-zarr's tutorials and ZarrIO offer: ``ROOT_NAME`` (the root's name as read), mode ``'r-'`` (read
    without consolidated metadata), ``get_written``/``get_builder``/``get_container`` for zarr objects, and hdmf's
    ``manager.get_builder(container)``; each answered as hdmf-zarr answers on its own store."""
    import zarr

    from hdmfzarr import ROOT_NAME

    assert ROOT_NAME == hdmf_zarr.backend.ROOT_NAME
    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="w", manager=hdmf_common.get_manager()) as io:
        t = hdmf_common.DynamicTable(name="t", description="d")
        t.add_column("x", "x")
        t.add_row(x=1.0)
        io.write(t)
    answers = []
    for cls, manager in ((hdmf_zarr.ZarrIO, hdmf_common.get_manager()), (ZarrIO, get_manager())):
        with cls(str(tmp_path / "peer.zarr"), mode="r-", manager=manager) as io:
            root = io.read()
            builder = io.read_builder()
            x = zarr.open_group(str(tmp_path / "peer.zarr"), mode="r")["x"]
            answers.append((root.name, builder.name, io.get_written(builder), io.get_builder(x).name,
                            io.get_container(x) is root["x"], io.manager.get_builder(root) is builder,
                            io.get_written(builder.datasets["x"])))
    assert answers[1] == answers[0] == (ROOT_NAME, ROOT_NAME, True, "x", True, True, True)
    with ZarrIO(tmp_path / "ours.zarr", "w") as io:
        io.write(_users())
        assert not io.get_written(hdmfzarr.BuildManager().build(_users()))  # another tree


def test_hdmf_data_chunk_iterators_write_as_hdmf_zarr_writes_them(tmp_path: Path) -> None:
    """hdmf's own iterators, kept by code switched to hdmfzarr: a DataChunkIterator over a generator (length unknown:
    the ids give the rows, in hdmf and here) or along axis 1, and a GenericDataChunkIterator whose buffers split the
    rows; the values and the iterator's chunk shape are stored as hdmf-zarr stores them."""
    import hdmf.data_utils as hdu

    from hdmfzarr.common import VectorData

    class Source(hdu.GenericDataChunkIterator):
        def __init__(self, arr: np.ndarray, **kw: Any) -> None:
            self.arr = arr
            super().__init__(**kw)

        def _get_data(self, selection: Any) -> np.ndarray:
            return self.arr[selection]

        def _get_maxshape(self) -> tuple:
            return self.arr.shape

        def _get_dtype(self) -> np.dtype:
            return self.arr.dtype

    arr = np.arange(36, dtype="int16").reshape(12, 3)

    def columns(mod: Any) -> list:
        rows = (np.array([i, -i], dtype=float) for i in range(12))
        return [mod.VectorData(name="gen", description="d", data=hdu.DataChunkIterator(data=rows, buffer_size=5)),
                mod.VectorData(name="axis1", description="d", data=hdu.DataChunkIterator(
                    data=arr * 2, buffer_size=2, iter_axis=1)),
                mod.VectorData(name="gdci", description="d",
                               data=Source(arr, buffer_shape=(4, 1), chunk_shape=(4, 1)))]

    def stored(io: Any) -> dict:
        return {c.name: (np.asarray(c.data[:]).tolist(), str(c.data.dtype)) for c in io.read().columns} | \
            {"chunks": io.read()["gdci"].data.chunks}

    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="w", manager=hdmf_common.get_manager()) as io:
        io.write(hdmf_common.DynamicTable(name="root", description="d", columns=columns(hdmf_common), id=list(range(12))))
    with hdmf_zarr.ZarrIO(str(tmp_path / "peer.zarr"), mode="r", manager=hdmf_common.get_manager()) as io:
        want = stored(io)
    with ZarrIO(tmp_path / "ours.zarr", "w") as io:
        io.write(DynamicTable(name="root", description="d", columns=columns(hdmfzarr.common), id=list(range(12))))
    with ZarrIO(tmp_path / "ours.zarr") as io:
        got = stored(io)
    assert got == want and want["chunks"] == (4, 1) and want["gdci"][0] == arr.tolist()
    assert VectorData(name="x", description="d", data=Source(arr, buffer_shape=(12, 3))).data.total_rows == 12


def test_row_selections_of_a_table_read_back_answer_as_hdmf(tmp_path: Path) -> None:
    """hdmf's DynamicTable tutorial on a table read from an hdmf-zarr store: rows selected by int, slice, list or
    mask give an enum column's positions (``get``'s ``index=True``, its default; ``to_dataframe`` gives values),
    ``get(df=False)`` the ids as stored (an array), and regions and ragged cells as hdmf gives them."""
    t = hdmf_common.DynamicTable(name="t", description="d")
    t.add_column("a", "a")
    t.add_column("r", "ragged", index=True)
    t.add_column("e", "enum", enum=["x", "y", "z"])
    for a, r, e in ((1.0, [1, 2], "x"), (2.0, [3], "z"), (3.0, [4, 5, 6], "y")):
        t.add_row(a=a, r=r, e=e)
    o = hdmf_common.DynamicTable(name="o", description="regions")
    o.add_column("ref", "a row of t", table=t)
    o.add_row(ref=2)
    o.add_row(ref=0)
    with hdmf_zarr.ZarrIO(str(tmp_path / "t.zarr"), mode="w", manager=hdmf_common.get_manager()) as io:
        io.write(hdmf_common.SimpleMultiContainer(name="root", containers=[t, o]))

    def answers(root: Any) -> list:
        t, o = root["t"], root["o"]
        ids, a, r, e = t.get([0, 1], df=False)
        return [t[0]["e"].tolist(), t[0:2]["e"].tolist(), t[[0, 2]]["e"].tolist(),
                t[np.array([False, True, True])]["e"].tolist(), t.to_dataframe()["e"].tolist(),
                t.to_dataframe(index=True)["e"].tolist(), t.get(1, index=False)["e"].tolist(),
                type(ids).__name__, ids.tolist(), a.tolist(), [list(x) for x in r], e.tolist(),
                o[0]["ref"].tolist(), o.to_dataframe()["ref"][0]["a"].tolist()]

    with hdmf_zarr.ZarrIO(str(tmp_path / "t.zarr"), mode="r", manager=hdmf_common.get_manager()) as io:
        want = answers(io.read())
    with ZarrIO(tmp_path / "t.zarr") as io:
        got = answers(io.read())
    assert got == want and want[:7] == [[0], [0, 2], [0, 1], [2, 1], ["x", "z", "y"], [0, 2, 1], ["z"]]
    assert want[7] == "ndarray"


def test_a_zarr_array_given_as_column_data_is_written(tmp_path: Path) -> None:
    """``ZarrDataIO(data=zarr_array)`` as hdmf-zarr documents it (a zarr 3 array has no ``len``): the table counts its
    rows by shape and the copy written reads back, in hdmf-zarr too."""
    import zarr

    from hdmfzarr import ZarrDataIO
    from hdmfzarr.common import VectorData

    src = zarr.open_array(str(tmp_path / "src.zarr"), mode="w", shape=(6,), dtype="f8")
    src[:] = np.arange(6.0)
    col = VectorData(name="x", description="d", data=ZarrDataIO(data=src, link_data=False))
    table = DynamicTable(name="root", description="d", columns=[col])
    assert len(table) == len(col) == 6
    with ZarrIO(tmp_path / "t.zarr", "w") as io:
        io.write(table)
    with hdmf_zarr.ZarrIO(str(tmp_path / "t.zarr"), mode="r", manager=hdmf_common.get_manager()) as io:
        assert io.read()["x"].data[:].tolist() == list(np.arange(6.0))


def test_zarr_v2_io_and_is_zarr_v2_file_answer_as_hdmf_zarr(tmp_path: Path) -> None:
    """hdmf-zarr 0.14's names for hdmf-zarr 0.13's stores: ``is_zarr_v2_file`` tells the formats apart (and a missing
    path), ``ZarrV2IO`` reads a format-2 store and refuses a writing mode."""
    from hdmfzarr import ZarrV2IO, is_zarr_v2_file

    fixture = Path(__file__).parents[1] / "fixtures" / "hdmf_zarr_013" / "common.zarr"
    with ZarrIO(tmp_path / "v3.zarr", "w") as io:
        io.write(_users())
    paths = [fixture, tmp_path / "v3.zarr", tmp_path / "missing.zarr"]
    assert [is_zarr_v2_file(p) for p in paths] == [hdmf_zarr.is_zarr_v2_file(str(p)) for p in paths] == \
        [True, False, False]
    with hdmf_zarr.ZarrV2IO(str(fixture), mode="r", manager=hdmf_common.get_manager()) as io:
        want = sorted(c.name for c in io.read().children)
    with ZarrV2IO(fixture, mode="r", manager=get_manager()) as io:
        assert sorted(c.name for c in io.read().children) == want and io.zarr_format == 2
    with pytest.raises(ValueError, match="zarr_format=2"):
        ZarrV2IO(tmp_path / "new.zarr", mode="w")


def test_zarrdataio_shards_as_hdmf_zarr(tmp_path: Path) -> None:
    """``shards`` with inner ``chunks``: the array read answers both as hdmf-zarr's does, and shards that are not
    whole multiples of the chunks are refused when the ZarrDataIO is made (a ValueError, as hdmf-zarr)."""
    from hdmfzarr import ZarrDataIO
    from hdmfzarr.common import VectorData

    with ZarrIO(tmp_path / "s.zarr", "w") as io:
        io.write(DynamicTable(name="root", description="d", columns=[VectorData(
            name="s", description="d", data=ZarrDataIO(np.arange(40.0), chunks=(5,), shards=(20,)))]))
    answers = []
    for io in (hdmf_zarr.ZarrIO(str(tmp_path / "s.zarr"), mode="r", manager=hdmf_common.get_manager()),
               ZarrIO(tmp_path / "s.zarr")):
        with io:
            data = io.read()["s"].data
            answers.append((data.chunks, data.shards, data[:3].tolist()))
    assert answers[1] == answers[0] == ((5,), (20,), [0.0, 1.0, 2.0])
    for bad in ({"shards": (3,), "chunks": (2,)}, {"shards": (4, 4), "chunks": (2,)}):
        with pytest.raises(ValueError):
            hdmf_zarr.ZarrDataIO(data=np.arange(4), **bad)
        with pytest.raises(ValueError, match=r"shards .* must be whole multiples of chunks"):
            ZarrDataIO(np.arange(4), **bad)


def test_consolidate_metadata_as_hdmf_zarrs_tutorial_passes_it(tmp_path: Path) -> None:
    """``write(..., consolidate_metadata=False)`` and ``export(..., consolidate_metadata=...)`` are taken (the metadata
    stays consolidated: it is the commit point), and ``zarr.consolidate_metadata(path)`` afterwards, as hdmf-zarr's
    NWB tutorial runs it, leaves a store both libraries read and hdmfzarr appends to."""
    import zarr

    path = tmp_path / "t.zarr"
    with ZarrIO(path, "w") as io:
        io.write(_users(), consolidate_metadata=False)
    zarr.consolidate_metadata(str(path))
    with ZarrIO(path, "a") as io:
        table = io.read()
        table.add_row(x=3.0)
        io.write(table)
    with ZarrIO(tmp_path / "e.zarr", "w") as out, ZarrIO(path) as src:
        out.export(src, consolidate_metadata=True)
    for p in (path, tmp_path / "e.zarr"):
        with hdmf_zarr.ZarrIO(str(p), mode="r", manager=hdmf_common.get_manager()) as io:
            assert io.read()["x"].data[:].tolist() == [1.0, 2.0, 3.0]


def test_a_child_added_in_place_to_a_store_read_for_appending_is_written(tmp_path: Path) -> None:
    """A generated class's field of many typed children, read in mode 'a': a child added in place
    (``holder.tables.add(t)``, as ``nwb.acquisition__nwb_data_interfaces.add(ts)``) and data given as hdmf's own
    DataChunkIterator are written and read back, by hdmf-zarr too (the write took the append-only path and dropped
    them)."""
    import hdmf.data_utils as hdu

    from hdmfzarr.common import VectorData
    from hdmfzarr.spec import GroupSpec, NamespaceBuilder

    ns = NamespaceBuilder("an extension", "ndx-holder", version="0.1.0")
    ns.include_namespace("hdmf-common")
    ns.add_spec("ndx-holder.extensions.yaml", GroupSpec(
        "holds tables", data_type_def="Holder", data_type_inc="Container",
        groups=[GroupSpec("a table", data_type_inc="DynamicTable", quantity="*")]))
    ns.export("ndx-holder.namespace.yaml", outdir=str(tmp_path))
    manager = get_manager(extensions=str(tmp_path / "ndx-holder.namespace.yaml"))
    holder_cls = manager.type_map.get_class("Holder", "ndx-holder")
    with ZarrIO(tmp_path / "h.zarr", "w", manager=manager) as io:
        io.write(holder_cls(name="root", dynamic_tables=[_users("a")]))
    with ZarrIO(tmp_path / "h.zarr", "a") as io:
        root = io.read()
        rows = hdu.DataChunkIterator(data=iter([5.0, 6.0, 7.0]), buffer_size=2)
        root.dynamic_tables.add(DynamicTable(name="b", description="d", columns=[
            VectorData(name="x", description="x", data=rows)], id=[0, 1, 2]))
        io.write(root)
    with ZarrIO(tmp_path / "h.zarr") as io:
        assert list(io.read().dynamic_tables) == ["a", "b"]
    hdmf_map = hdmf_common.get_type_map()
    hdmf_map.load_namespaces(str(tmp_path / "ndx-holder.namespace.yaml"))
    from hdmf.build import BuildManager

    with hdmf_zarr.ZarrIO(str(tmp_path / "h.zarr"), mode="r", manager=BuildManager(hdmf_map)) as io:
        tables = io.read().dynamic_tables
        assert sorted(tables) == ["a", "b"] and tables["b"]["x"].data[:].tolist() == [5.0, 6.0, 7.0]

"""Issue 12 reading items 1-7, each on a corpus file written by the real tools: what the read gives and
that building it back (the container -> builder step every write takes) keeps what was stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pynwb")
pytest.importorskip("hdmf_zarr")

pytestmark = pytest.mark.slow  # the corpus is written by pynwb / hdmf-zarr on first use


def _find(root, data_type, name=None):
    found = [c for c in root.all_children() if type(c).data_type == data_type and (name is None or c.name == name)]
    assert len(found) == 1, f"{data_type} {name!r}: found {[c.name for c in found]}"
    return found[0]


def _built(root, type_map):
    from hdmfzarr.build import BuildManager

    return BuildManager(type_map).build(root)


def _convert(src: Path, dst: Path, fmt: int) -> Path:
    from hdmfzarr.cli import convert

    assert convert(str(src), str(dst), zarr_format=fmt) == fmt
    return dst


def test_item1_intracellular_recordings_table_reads_with_its_named_category_tables(corpus):
    with corpus.read_ours(corpus.path("icephys")) as (root, tmap):
        irt = _find(root, "IntracellularRecordingsTable")
        assert list(irt.categories) == ["electrodes", "stimuli", "responses"]
        assert sorted(irt.category_tables) == ["electrodes", "responses", "stimuli"]
        assert len(irt) == 4 and all(len(t) == 4 for t in irt.category_tables.values())
        assert irt.category_tables["stimuli"].parent is irt
        assert _find(root, "SimultaneousRecordingsTable").parent is not None
        built = _built(root, tmap)["general/intracellular_ephys/intracellular_recordings"]
        assert sorted(built.groups) == ["electrodes", "responses", "stimuli"]
        assert list(built.attributes["categories"]) == ["electrodes", "stimuli", "responses"]


def test_item2_vectordata_outside_colnames_is_kept_and_enumdata_decodes(corpus):
    with corpus.read_ours(corpus.path("enum_meanings")) as (root, tmap):
        table = _find(root, "DynamicTable", "trials")
        assert list(table.colnames) == ["color", "label"]
        color = table.get_column("color")
        assert type(color).data_type == "EnumData" and color.elements.name == "color_elements"
        assert list(color.get(slice(None), index=True)) == [0, 2, 1, 0]
        assert table.to_dataframe()["color"].tolist() == ["red", "blue", "green", "red"]
        built = _built(root, tmap)["trials"]
        assert {"color", "color_elements", "label"} <= set(built.datasets)
        assert list(built.attributes["colnames"]) == ["color", "label"]
        meanings = _find(root, "MeaningsTable", "label_meanings")  # hdmf-common 1.10's meanings_tables
        assert meanings.parent is table


@pytest.mark.parametrize("fmt", [3, 2])
def test_item3_timestamps_linked_to_another_series_read_as_its_data(corpus, tmp_path, fmt):
    src = corpus.path("base")
    path = src if fmt == 3 else _convert(src, tmp_path / "base_v2.zarr", 2)
    with corpus.read_ours(path) as (root, _):
        linked = _find(root, "TimeSeries", "ts_linked")
        owner = _find(root, "TimeSeries", "ts_times")
        assert linked.timestamps is not None
        np.testing.assert_array_equal(np.asarray(linked.timestamps[:]), np.arange(5.0) / 10)
        np.testing.assert_array_equal(np.asarray(linked.timestamps[:]), np.asarray(owner.timestamps[:]))


def test_item4_linked_group_keeps_the_parent_it_is_stored_under(corpus):
    with corpus.read_ours(corpus.path("ophys")) as (root, tmap):
        plane0, plane1 = _find(root, "ImagingPlane", "plane0"), _find(root, "ImagingPlane", "plane1")
        channel0 = _find(root, "OpticalChannel", "channel0")
        assert channel0.parent is plane0
        assert channel0 in plane0.children and channel0 not in plane1.children
        linked = list(plane1.optical_channels.values())  # a name-keyed mapping of the children
        assert any(c is channel0 for c in linked)
        built = _built(root, tmap)
        assert "channel0" in built["general/optophysiology/plane0"].groups
        assert "channel0" in built["general/optophysiology/plane1"].links


def test_item5_spec_defaults_are_not_invented_on_read_nor_added_on_rewrite(corpus):
    with corpus.read_ours(corpus.path("images")) as (root, tmap):
        for name in ("movie", "optical"):
            series = _find(root, "OpticalSeries" if name == "optical" else "ImageSeries", name)
            assert series.format is None, f"{name}: format {series.format!r} was not stored"
        assert _find(root, "ImageSeries", "external_movie").format == "external"
        built = _built(root, tmap)
        assert "format" not in built["acquisition/movie"].datasets
        assert built["acquisition/external_movie"].datasets["format"].data == "external"
        # defaults are for new objects
        image_series = tmap.get_class("ImageSeries", "core")
        assert image_series(name="new", data=np.zeros((1, 2, 2)), data__unit="n/a").format == "raw"


def test_item6_column_attributes_are_on_the_columns_and_built_back(corpus):
    with corpus.read_ours(corpus.path("ecephys")) as (root, tmap):
        units = _find(root, "Units", "units")
        assert _data_of(units.get_column("spike_times")).extra_attributes["resolution"] == pytest.approx(1 / 30000)
        for col in ("waveform_mean", "waveform_sd", "waveforms"):
            column = _data_of(units.get_column(col))
            assert column.extra_attributes == {"sampling_rate": 30000.0, "unit": "volts"}, col
        built = _built(root, tmap)["units"]
        assert built.datasets["spike_times"].attributes["resolution"] == pytest.approx(1 / 30000)
        for col in ("waveform_mean", "waveform_sd", "waveforms"):
            assert built.datasets[col].attributes["sampling_rate"] == 30000.0
            assert built.datasets[col].attributes["unit"] == "volts"


def _data_of(column):
    while type(column).data_type == "VectorIndex":  # a ragged column's top object is its index
        column = column.target
    return column


def _type_map_151():
    from hdmfzarr.build.common_mappers import register_common_mappers
    from hdmfzarr.build.typemap import TypeMap
    from hdmfzarr.common import COMMON_CLASSES
    from hdmfzarr.spec import default_namespace_path

    tm = TypeMap()
    tm.load_namespaces(default_namespace_path("1.5.1"))
    for dt, cls in COMMON_CLASSES.items():
        tm.register_class(dt, "hdmf-common", cls)
    register_common_mappers(tm)
    return tm


def test_item7_cached_namespaces_win_over_the_bundled_ones(tmp_path):
    from hdmfzarr import ZarrIO
    from hdmfzarr.common import DynamicTable

    table = DynamicTable(name="t", description="d")
    table.add_column("x", "x")
    table.add_row(x=1)
    old = tmp_path / "old.zarr"
    with ZarrIO(old, mode="w", type_map=_type_map_151()) as io:
        io.write(table)
    with ZarrIO(old) as io:
        assert io.spec_cache()["hdmf-common"]["version"] == "1.5.1"
        root = io.read()
        tmap = io.type_map
        assert tmap.loaded_versions()["hdmf-common"] == "1.5.1"  # not the bundled 1.10.0
        assert "meanings_tables" not in {g.name for g in tmap.get_spec("hdmf-common", "DynamicTable").groups}
        copy = tmp_path / "copy.zarr"
        with ZarrIO(copy, mode="w", type_map=tmap) as out:  # written back with the read's namespaces
            out.write(root)
    with ZarrIO(copy, allow_external=True) as io:  # (the copy links its data into the source: items 8-9)
        assert io.spec_cache()["hdmf-common"]["version"] == "1.5.1"
        assert list(io.read()["x"][:]) == [1]


def test_item7_new_stores_cache_the_newest_hdmf_common_with_experimental(tmp_path, corpus):
    from hdmfzarr import ZarrIO
    from hdmfzarr.common import DynamicTable

    table = DynamicTable(name="t", description="d")
    table.add_column("x", "x")
    table.add_row(x=1)
    path = tmp_path / "new.zarr"
    with ZarrIO(path, mode="w") as io:
        io.write(table)
    with ZarrIO(path) as io:
        cache = io.spec_cache()
    assert cache["hdmf-common"]["version"] == "1.10.0" and cache["hdmf-experimental"]["version"] == "0.6.0"
    # as hdmf 6.2 writes (the corpus store written by hdmf through hdmf-zarr)
    with ZarrIO(corpus.path("enum_meanings")) as io:
        theirs = io.spec_cache()
    assert {n: e["version"] for n, e in theirs.items()} == {n: e["version"] for n, e in cache.items()}
    with corpus.read_peer(path, nwb=False) as (root, _):  # and hdmf reads it
        assert list(root["x"].data[:]) == [1]

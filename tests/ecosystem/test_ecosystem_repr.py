"""Notebook views: ``_repr_html_`` and ``repr`` of stores read lazily fetch only the first chunks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr import DataIO, ZarrIO
from hdmfzarr.common import DynamicTable, SimpleMultiContainer, VectorData, VectorIndex
from hdmfzarr.container import Data

N = 20_000
CHUNK = 500


def _big_table() -> DynamicTable:
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 20, N)
    lengths[0] = 5000  # one huge ragged row: the preview must not read all of it
    spikes = VectorData(name="spikes", description="spike times", data=rng.random(int(lengths.sum())))
    columns = [
        VectorData(name="rate", description="firing rate", data=DataIO(rng.random(N), chunks=(CHUNK,))),
        VectorData(name="label", description="a label",
                   data=DataIO(np.array([f"unit {i}" for i in range(N)], dtype=object), chunks=(CHUNK,))),
        spikes,
        VectorIndex(name="spikes_index", data=np.cumsum(lengths).astype(np.uint32), target=spikes),
    ]
    return DynamicTable(name="units", description="many units", columns=columns, id=np.arange(N))


def _write(tmp_path: Path, container) -> Path:
    path = tmp_path / "store.zarr"
    with ZarrIO(path, "w") as io:
        io.write(container)
    return path


def test_ecosystem_repr_html_table_reads_only_first_chunks(tmp_path: Path, fetch_log) -> None:
    path = _write(tmp_path, _big_table())
    with ZarrIO(path) as io:
        table = io.read()
        fetch_log.clear()
        html = table._repr_html_()
        chunks = fetch_log.chunks()
    # every column array: at most its first chunk(s); the 40-chunk columns are never read whole
    for array in ("rate", "label", "id", "spikes_index"):
        got = fetch_log.chunks(array)
        assert 1 <= len(got) <= 2, (array, got)
    assert len(fetch_log.chunks("spikes")) <= 2
    assert len(chunks) <= 10, chunks
    assert f"{N} rows × 3 columns" in html
    assert "<details" in html and "<summary>" in html
    assert f"({N},)" in html and f"({CHUNK},)" in html  # shape and chunking of the columns
    assert "float64" in html
    assert "&#x27;unit 0&#x27;" in html and "unit 9" not in html  # first rows only
    assert "(5000 items)" in html  # the huge ragged cell is summarised, not listed


def test_ecosystem_repr_html_table_values_match_the_data(tmp_path: Path) -> None:
    table = _big_table()
    path = _write(tmp_path, table)
    with ZarrIO(path) as io:
        html = io.read()._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("first 5 of")[1])
    assert len(rows) == 1 + 5  # header + 5 rows
    first = re.findall(r"<td>(.*?)</td>", rows[1])
    assert first[0] == "0" and first[1] == f"{table['rate'][0]:.6g}"


def test_ecosystem_repr_text_reads_nothing(tmp_path: Path, fetch_log) -> None:
    path = _write(tmp_path, _big_table())
    with ZarrIO(path) as io:
        table = io.read()
        fetch_log.clear()
        text = repr(table) + repr(table["rate"]) + repr(table["spikes"])
    assert fetch_log.chunks() == []
    assert text.startswith("<DynamicTable 'root' rows=20000 columns=['rate', 'label', 'spikes']>")
    assert len(text) < 400


def test_ecosystem_repr_html_tree_of_containers(tmp_path: Path, fetch_log) -> None:
    big = Data(name="matrix", data=DataIO(np.arange(400 * 300, dtype=np.int32).reshape(400, 300), chunks=(50, 60)))
    small = DynamicTable(name="trials", description="a few trials")
    small.add_column("start", "start time", data=[0.0, 1.5])
    root = SimpleMultiContainer(name="session", containers=[big, small])
    path = _write(tmp_path, root)
    with ZarrIO(path) as io:
        session = io.read()
        fetch_log.clear()
        html = session._repr_html_()
        assert fetch_log.chunks() == []  # children are folded: described from metadata, nothing read
        matrix_html = session["matrix"]._repr_html_()
        matrix_chunks = fetch_log.chunks("matrix")
    assert matrix_chunks == ["matrix/c/0/0"]  # displayed on its own: the preview needs only the corner chunk
    assert "<b>root</b>" in html and "SimpleMultiContainer" in html
    assert "<b>matrix</b>" in html and "(400, 300)" in html and "(50, 60)" in html and "(40 chunks)" in html
    assert "size 468.8 KiB" in html and "compressed with blosc/lz4" in html  # 400 x 300 int32, our default codec (hdmf-zarr's)
    assert f"from {path}" in html  # the store it was read from
    assert "<b>trials</b>" in html and "2 rows × 1 columns" in html
    assert "[0, 1, 2, 3, 4, 5, … (300 items)]" in matrix_html and "(300 items)" not in html


def test_ecosystem_repr_html_in_memory_and_pending_rows() -> None:
    table = DynamicTable(name="t", description="in memory")
    table.add_column("x", "an int")
    table.add_column("r", "ragged", index=True)
    for i in range(7):
        table.add_row(x=i, r=list(range(i)))
    html = table._repr_html_()
    assert "7 rows × 2 columns" in html
    assert "[0, 1, 2]" in html and "… 2 more rows" in html
    empty = DynamicTable(name="e", description="no rows")
    assert "no rows" in empty._repr_html_()
    col = VectorData(name="v", description="d", data=np.arange(3.0))
    assert "[0.0, 1.0, 2.0]" in col._repr_html_()


def test_ecosystem_repr_html_escapes_text() -> None:
    table = DynamicTable(name="<b>x<b>", description="<script>alert(1)</script>")
    table.add_column("s", "text")
    table.add_row(s="<img src=x>")
    html = table._repr_html_()
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html


@pytest.mark.s3
def test_ecosystem_repr_html_remote_store(s3_server, s3_bucket, fetch_log) -> None:
    url = s3_server.url(s3_bucket, "units.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(_big_table())
    with ZarrIO(url, storage_options=s3_server.storage_options) as io:
        table = io.read()
        fetch_log.clear()
        html = table._repr_html_()
    assert len(fetch_log.chunks("rate")) == 1 and len(fetch_log.chunks()) <= 10
    assert f"{N} rows" in html



def test_ecosystem_repr_of_a_container_with_many_fields_stays_short(tmp_path: Path) -> None:
    sys_path = str(Path(__file__).resolve().parents[2] / "examples")
    import sys

    sys.path.insert(0, sys_path)
    try:
        from extension_type import export_extension
    finally:
        sys.path.remove(sys_path)
    from hdmfzarr.build import get_type_map

    type_map = get_type_map().copy()
    type_map.load_namespaces(export_extension(tmp_path))
    Recording = type_map.get_class("Recording", "ndx-lab")
    rec = Recording(name="rec", data=np.zeros(10**6, dtype=np.float32), rate=30000.0)
    text = repr(rec)
    assert text.startswith("<Recording 'rec' ") and "shape=(1000000,)" in text and "rate=30000.0" in text
    assert len(text) < 200 and "\n" not in text


def test_ecosystem_repr_caps_the_fields_shown() -> None:
    from hdmfzarr.container import Container

    class Wide(Container):
        field_names = tuple(f"f{i}" for i in range(9))

    wide = Wide(name="w")
    for i in range(9):
        setattr(wide, f"f{i}", "x" * 100 if i == 0 else i)
    text = repr(wide)
    assert text.startswith("<Wide 'w' f0='xxxxx") and "f5=5" in text and "f6" not in text
    assert text.endswith("... +3 fields>") and len(text) < 160


def test_ecosystem_repr_of_a_wide_table_lists_ten_columns() -> None:
    table = DynamicTable(name="wide", description="many columns")
    for i in range(25):
        table.add_column(f"c{i}", "a column", data=[i])
    assert repr(table) == (
        "<DynamicTable 'wide' rows=1 columns=['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', ... +15]>"
    )


def test_ecosystem_repr_html_of_an_nwb_file_reads_nothing_folded(tmp_path: Path, fetch_log, benchmark_module) -> None:
    """A pynwb + hdmf-zarr 0.14 file: the root view fetches nothing below the root (series and tables are folded);
    dates read as dates, and the store URL is shown without its credentials."""
    make_nwb = benchmark_module("bench_latency").make_nwb
    path = tmp_path / "f.nwb.zarr"
    make_nwb(path, n_series=12, n_units=5, n_trials=3)
    with ZarrIO(path) as io:
        nwb = io.read()
        fetch_log.clear()
        html = nwb._repr_html_()
        # only the root's own small fields (it is the open section), never inside a folded series or table
        # (chunk keys of the root's datasets: "identifier/c", "file_create_date/c/0")
        assert fetch_log.chunks() and all("/" not in k.rpartition("/c")[0] for k in fetch_log.chunks()), \
            fetch_log.chunks()
        fetch_log.clear()
        assert "2024-01-02 03:04:05 UTC" in html and "T03:04:05" not in html
        assert "series_0011" in html and "size 800 B" in html  # 100 float64 values, from the metadata
        units_html = nwb["units"]._repr_html_()
        assert 1 <= len(fetch_log.chunks()) <= 8  # displayed on its own: its first rows
        assert "first 5 of 5 rows" in units_html



def test_ecosystem_repr_size_of_a_lazy_array_without_dtype_is_unknown() -> None:
    """A stored array that gives no dtype has no size to show: 'unknown', not its element count sized as float64."""
    from hdmfzarr.dataio import StoredArray
    from hdmfzarr.repr import _meta_text, array_summary

    class Untyped(StoredArray):
        store_url, path, dims, shape, chunks = None, "/x", None, (1000,), (100,)

    class Typed(Untyped):
        dtype = np.dtype("int16")

    info = array_summary(Untyped())
    assert info["nbytes"] is None and info["dtype"] == "?"
    assert "size unknown" in _meta_text(info) and "KiB" not in _meta_text(info)
    assert array_summary(Typed())["nbytes"] == 2000
    data = Data(name="x", data=Untyped())
    assert "size unknown" in data._repr_html_()

"""Reading a store loads only the reading machinery: a fresh process that opens a table and reads a
column imports no transaction/commit/append/writer module and parses no YAML (the bundled schemas are
pre-parsed), nor the classes and helpers a table does not use. Cold-open *speed* is measured in benchmarks/bench_latency.py, not asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr import ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.dataio import DataIO

ROOT = Path(__file__).resolve().parents[2]
WRITE_MODULES = (
    "hdmfzarr.backends.zarr.writer",
    "hdmfzarr.backends.zarr.transaction",
    "hdmfzarr.backends.zarr.commit",
    "hdmfzarr.backends.zarr.append",
    "hdmfzarr.build.appends",
)
# nor what a table read does not use: other hdmf-common classes, spec export, DataFrames, the notebook view,
# remote stores, the chunk cache's LRU (a column read whole spans several chunks and caches none), the
# row-appending machinery (common/rows.py)
UNUSED_BY_A_TABLE = ("hdmfzarr.common.sparse", "hdmfzarr.common.aligned", "hdmfzarr.common.multi",
                     "hdmfzarr.spec.write", "hdmfzarr.common.dataframe", "html",
                     "hdmfzarr.repr", "hdmfzarr.backends.zarr.remote", "s3fs", "cachetools",
                     "hdmfzarr.common.rows")

_READ = """
import json, sys
import numpy as np
from hdmfzarr import ZarrIO
with ZarrIO({path!r}, mode={mode!r}) as io:
    table = io.read()
    col = np.asarray(table["x"].data)
from hdmfzarr.spec import load
cat = io.type_map.namespace_catalog
print(json.dumps({{"loaded": [m for m in {mods!r} if m in sys.modules], "yaml_parsed": load._LOADER is not None,
                  "sum": float(col.sum()),
                  "unbuilt": {{n: sorted(cat.get_namespace(n).pending_types()) for n in cat.namespaces}}}}))
"""


def _read_in_fresh_process(path: Path, mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    code = _READ.format(path=str(path), mode=mode, mods=WRITE_MODULES + UNUSED_BY_A_TABLE)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def table_store(tmp_path: Path) -> Path:
    path = tmp_path / "t.zarr"
    table = DynamicTable(name="t", description="lean read", id=list(range(5)))
    table.add_column("x", "values", data=DataIO(np.arange(5.0), chunks=(2,)))  # 3 chunks: read whole, uncached
    with ZarrIO(path, "w") as io:
        io.write(table)
    return path


def test_backends_lean_read_loads_no_write_machinery(table_store: Path) -> None:
    got = _read_in_fresh_process(table_store, "r")
    assert got["sum"] == float(np.arange(5).sum())
    assert got["loaded"] == [], f"reading a store imported what a table read does not need: {got['loaded']}"
    assert got["yaml_parsed"] is False, "reading a store parsed the bundled YAML instead of its pre-parsed form"
    # the bundled specs are built per type on first use: a table read builds no spec of the types it does not meet
    assert set(got["unbuilt"]["hdmf-common"]) >= {"CSRMatrix", "HERD", "SimpleMultiContainer", "AlignedDynamicTable"}
    assert got["unbuilt"]["hdmf-experimental"] == ["EnumData"]
    assert "DynamicTable" not in got["unbuilt"]["hdmf-common"] and "VectorData" not in got["unbuilt"]["hdmf-common"]


def test_backends_lean_read_appending_mode_does_load_it(table_store: Path) -> None:
    # the control: the module names above are the ones a writer needs (mode 'a' wraps arrays for appends)
    got = _read_in_fresh_process(table_store, "a")
    assert got["sum"] == float(np.arange(5).sum())
    assert "hdmfzarr.backends.zarr.append" in got["loaded"]

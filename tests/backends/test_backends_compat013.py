"""Zarr format 2 stores written by hdmfzarr, read by the real hdmf-zarr 0.13 (in its own venv)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, LinkBuilder, ReferenceBuilder

COMPAT = Path(__file__).resolve().parents[1] / "compat"


def run_013(python: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=300)


def test_hdmf_zarr_013_reads_our_v2_builders(tmp_path: Path, venv013_python: Path) -> None:
    root = GroupBuilder("root", attributes={"object_id": "root-id"})
    tg = root.set_group(GroupBuilder("targets", attributes={"object_id": "tg-id"}))
    vals = tg.set_dataset(DatasetBuilder("vals", np.arange(4, dtype="int32")))
    tg.set_dataset(DatasetBuilder("text", ["a", "b"], dtype="text"))
    tg.set_dataset(DatasetBuilder("scalar", 2.5))
    tg.set_dataset(DatasetBuilder("when", "2024-01-02T03:04:05+00:00", dtype="isodatetime"))
    root.set_dataset(DatasetBuilder("refs", [ReferenceBuilder(tg), ReferenceBuilder(vals)], dtype="object"))
    root.set_dataset(DatasetBuilder("dtr", [0, 1], attributes={"table": ReferenceBuilder(tg)}))
    tg.set_link(LinkBuilder(vals, "vals_link"))
    path = tmp_path / "b2.zarr"
    with ZarrIO(path, "w", zarr_format=2) as io:
        io.write_builder(root)
    proc = run_013(venv013_python, """
        import json, sys
        from hdmf_zarr import ZarrIO
        with ZarrIO(sys.argv[1], mode="r") as io:
            b = io.read_builder()
            refs = b["refs"].data
            out = {
                "vals": b["targets"]["vals"].data[:].tolist(),
                "text": list(b["targets"]["text"].data[:]),
                "scalar": float(b["targets"]["scalar"].data.reshape(-1)[0]),  # 0.13 reads scalars as shape (1,)
                "refs": [r.builder.name if hasattr(r, "builder") else r.name for r in refs[:]],
                "table": b["dtr"].attributes["table"].name,
                "link": b["targets"].links["vals_link"].builder.name,
            }
            print(json.dumps(out))
    """, str(path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"vals": [0, 1, 2, 3], "text": ["a", "b"], "scalar": 2.5, "refs": ["targets", "vals"],
                   "table": "targets", "link": "vals"}


@pytest.mark.skipif(not (COMPAT / "write_for_hdmf_zarr_013.py").exists(), reason="compat scripts missing")
def test_hdmf_zarr_013_reads_our_v2_tables(tmp_path: Path, venv013_python: Path) -> None:
    """Container level: the shared compat scripts (hdmf-common tables, CSR) written here, read by 0.13."""
    write = subprocess.run([sys.executable, str(COMPAT / "write_for_hdmf_zarr_013.py"), str(tmp_path)],
                           capture_output=True, text=True, timeout=600)
    assert write.returncode == 0, write.stderr[-3000:]
    stores = sorted(str(p) for p in tmp_path.glob("*.zarr"))
    read = subprocess.run([str(venv013_python), str(COMPAT / "read_with_hdmf_zarr_013.py"), *stores],
                          capture_output=True, text=True, timeout=600)
    assert read.returncode == 0, read.stdout[-3000:] + read.stderr[-3000:]

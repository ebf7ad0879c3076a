"""Reverse compatibility: Zarr format 2 stores written by hdmfzarr are read correctly by hdmf-zarr 0.13.

hdmf-zarr 0.13 needs zarr-python 2, so it runs in its own venv (the ``venv013_python`` fixture of
tests/conftest.py: HDMFZARR_VENV013, else /work/venv013 or $TMPDIR/hdmfzarr-venv013; otherwise skipped).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.compat, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WRITER = HERE / "write_for_hdmf_zarr_013.py"
READER = HERE / "read_with_hdmf_zarr_013.py"


def _run(python: Path | str, script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([str(python), str(script), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def written_stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stores hdmfzarr wrote with zarr_format=2, each with its .expected.json."""
    out = tmp_path_factory.mktemp("for013")
    done = _run(sys.executable, WRITER, str(out))
    assert done.returncode == 0, f"writer failed:\n{done.stdout}\n{done.stderr}"
    return out


@pytest.mark.parametrize("name", ["common", "large"])  # large: multi-chunk, offsets > 255
def test_compat_013_reads_stores_hdmfzarr_wrote(written_stores: Path, name: str, venv013_python: Path) -> None:
    python = venv013_python
    store = written_stores / f"{name}.zarr"
    assert json.loads((written_stores / f"{name}.zarr.expected.json").read_text())["tables"]
    done = _run(python, READER, str(store))
    assert done.returncode == 0, f"hdmf-zarr 0.13 disagrees:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.stdout.startswith(f"ok   {store}"), done.stdout


def test_compat_013_reader_detects_a_wrong_value(written_stores: Path, tmp_path: Path, venv013_python: Path) -> None:
    python = venv013_python
    store = written_stores / "common.zarr"
    expected = json.loads((written_stores / "common.zarr.expected.json").read_text())
    expected["tables"]["people"]["columns"]["age"][1] += 1
    (tmp_path / "tampered.zarr.expected.json").write_text(json.dumps(expected))
    link = tmp_path / "tampered.zarr"
    link.symlink_to(store, target_is_directory=True)
    done = _run(python, READER, str(link))
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "column 'age': first difference at row 1" in done.stdout

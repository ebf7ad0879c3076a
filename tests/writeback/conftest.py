"""Fixtures of the write-back tests: NWB stores written by pynwb + hdmf-zarr 0.14, and what pynwb reads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
SUMMARY = HERE / "pynwb_summary.py"


def _make_nwb() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("writeback_make_nwb", HERE / "make_nwb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="session")
def nwb_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mock NWB file (tests/writeback/make_nwb.py) written by hdmf-zarr 0.14's NWBZarrIO."""
    return _make_nwb().write_nwb_zarr(tmp_path_factory.mktemp("nwb") / "source.zarr")


@pytest.fixture(scope="session")
def nwb_store_big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mock NWB file with arrays of 1 MiB or more (a series' data and timestamps, a table column)."""
    return _make_nwb().write_nwb_zarr(tmp_path_factory.mktemp("nwbbig") / "big.zarr", big=True)


@pytest.fixture(scope="session")
def pynwb_reads() -> Callable[..., dict[str, Any]]:
    """``pynwb_reads(store, python=sys.executable)``: every object pynwb reads from ``store`` (by path:
    type, object id, fields), through hdmf-zarr of that python (0.14 here, 0.13 in its venv)."""

    def read(store: Path, python: Path | str = sys.executable) -> dict[str, Any]:
        done = subprocess.run([str(python), str(SUMMARY), str(store)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"pynwb ({python}) cannot read {store}:\n{done.stderr[-3000:]}"
        return json.loads(done.stdout)

    return read


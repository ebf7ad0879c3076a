"""Importing hdmfzarr.spec is cheap: no YAML parsed, no yaml/zarr/pandas imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_pulls_no_heavy_modules() -> None:
    code = ("import sys, hdmfzarr.spec as s; "
            "assert s.GroupSpec and s.NamespaceCatalog; "
            "bad = [m for m in ('zarr', 'pandas', 'yaml') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    assert out.stdout.strip() == "", f"imported at import time: {out.stdout.strip()}"


def test_no_zarr_or_pandas_import_in_spec_sources() -> None:
    for path in (ROOT / "hdmfzarr" / "spec").glob("*.py"):
        text = path.read_text()
        for mod in ("zarr", "pandas"):
            assert f"import {mod}" not in text and f"from {mod}" not in text, f"{path.name} imports {mod}"

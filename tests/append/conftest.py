"""Fixtures of the append tests (helpers live in append_support.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_support() -> ModuleType:
    """The append_support module (loaded once, by path)."""
    mod = sys.modules.get("hdmfzarr_append_support")
    if mod is None:
        spec = importlib.util.spec_from_file_location("hdmfzarr_append_support", Path(__file__).with_name("append_support.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules["hdmfzarr_append_support"] = mod
        spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def support() -> ModuleType:
    """Helpers: make_table, check_table, run_worker, worker.rows_for."""
    return load_support()

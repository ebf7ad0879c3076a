"""pytest plugin: run hdmf 6.2's own unit tests against hdmfzarr by mapping names only.

A meta-path finder placed first on ``sys.meta_path`` answers every ``hdmf`` / ``hdmf.*`` import with
an alias module whose attributes are looked up, by name, in the hdmfzarr modules listed in
``MODULES``. Nothing here implements hdmf behaviour: a name hdmfzarr lacks resolves to a placeholder
class that raises ``NotImplementedError`` when used, so each test that needs it fails on its own
(instead of failing its whole file at import) and the result lists which names were missing.

The only non-alias names are test scaffolding hdmf's tests are written against:
``hdmf.testing.TestCase`` (unittest's, with ``assertRaisesWith``/``assertWarnsWith`` checking the
exception/warning *type* only: hdmfzarr words its messages its own way, naming the object at
fault) and definition-time stand-ins for docval (``docval``/``get_docval``) so that modules
defining docval classes still import; those classes' tests are excluded (``excluded.py``).

Outcomes are written as JSON to ``$HDMF_COMPAT_RESULTS``.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types
import unittest
from typing import Any

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from excluded import EXCLUDED  # noqa: E402  (tests/hdmf_compat/excluded.py)

# hdmf module -> hdmfzarr modules searched (in order) for each attribute name.
MODULES: dict[str, list[str]] = {
    "hdmf": ["hdmfzarr.container", "hdmfzarr.common", "hdmfzarr.dataio", "hdmfzarr"],
    "hdmf.container": ["hdmfzarr.container", "hdmfzarr.common"],
    "hdmf.common": ["hdmfzarr.common", "hdmfzarr"],
    "hdmf.common.table": ["hdmfzarr.common.table", "hdmfzarr.common.columns", "hdmfzarr.common"],
    "hdmf.common.alignedtable": ["hdmfzarr.common.aligned", "hdmfzarr.common"],
    "hdmf.common.sparse": ["hdmfzarr.common.sparse"],
    "hdmf.common.multi": ["hdmfzarr.common.multi"],
    "hdmf.common.hierarchicaltable": ["hdmfzarr.common.hierarchicaltable"],
    "hdmf.spec": ["hdmfzarr.spec"],
    "hdmf.spec.spec": ["hdmfzarr.spec.model", "hdmfzarr.spec"],
    "hdmf.spec.catalog": ["hdmfzarr.spec"],
    "hdmf.spec.namespace": ["hdmfzarr.spec.namespace", "hdmfzarr.spec"],
    "hdmf.spec.write": ["hdmfzarr.spec.write", "hdmfzarr.spec"],
    "hdmf.build": ["hdmfzarr.build.manager", "hdmfzarr.build.typemap", "hdmfzarr.build.mapper",
                   "hdmfzarr.build.builders"],
    "hdmf.data_utils": ["hdmfzarr.dataio"],
    "hdmf.validate": ["hdmfzarr.validate"],
}

_missing_used: dict[str, str] = {}


class _Missing:
    """A name hdmfzarr does not provide: usable in class statements, fails when used."""

    _shim_origin = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _missing_used[self._shim_origin] = "used"
        raise NotImplementedError(f"hdmf compat shim: {self._shim_origin} has no hdmfzarr counterpart")


def _missing(module: str, name: str) -> type:
    return type(name, (_Missing,), {"_shim_origin": f"{module}.{name}", "__module__": module})


def _docval(*args: Any, **kwargs: Any) -> Any:
    """Definition-time stand-in: a docval-decorated function raises when called (those tests are excluded)."""

    def decorate(func: Any) -> Any:
        def unavailable(*a: Any, **k: Any) -> Any:
            raise NotImplementedError(f"hdmf compat shim: docval-decorated {func.__qualname__} (docval is not mapped)")

        unavailable.__name__ = func.__name__
        return unavailable

    return decorate


class TestCase(unittest.TestCase):
    """hdmf.testing.TestCase's assertion names on unittest (types checked, message wording not)."""

    def assertRaisesWith(self, exc_type: type, exc_msg: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N802
        return self.assertRaises(exc_type, *args, **kwargs)

    def assertWarnsWith(self, warn_type: type, exc_msg: str, *args: Any, **kwargs: Any) -> Any:  # noqa: N802
        return self.assertWarns(warn_type, *args, **kwargs)

    def assertContainerEqual(self, container1: Any, container2: Any, ignore_name: bool = False,  # noqa: N802
                             ignore_hdmf_attrs: bool = False, ignore_string_to_byte: bool = False,
                             message: str | None = None) -> None:
        from hdmfzarr.common.testing import assert_container_equal

        assert_container_equal(container1, container2)


class H5RoundTripMixin:
    """hdmf's HDF5 round-trip harness is not mapped: its tests are excluded (``excluded.py``)."""

    def setUp(self) -> None:
        raise NotImplementedError("hdmf compat shim: H5RoundTripMixin (HDF5 round trips are excluded)")

    def test_roundtrip(self) -> None:
        raise NotImplementedError

    def test_roundtrip_export(self) -> None:
        raise NotImplementedError


def _remove_test_file(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


OVERRIDES: dict[str, dict[str, Any]] = {
    "hdmf.testing": {"TestCase": TestCase, "H5RoundTripMixin": H5RoundTripMixin,
                     "remove_test_file": _remove_test_file},
    "hdmf.utils": {"docval": _docval, "get_docval": lambda *a, **k: ()},
}


class AliasModule(types.ModuleType):
    """``hdmf.X``: attributes come from the hdmfzarr modules listed for it (or are placeholders)."""

    def __getattr__(self, name: str) -> Any:
        if (name.startswith("__") and name.endswith("__")) or name.startswith("_mock"):
            raise AttributeError(name)
        fullname = self.__name__
        value: Any = None
        if name in OVERRIDES.get(fullname, {}):
            value = OVERRIDES[fullname][name]
        else:
            for source in MODULES.get(fullname, ()):
                try:
                    mod = importlib.import_module(source)
                except ImportError:
                    continue
                if hasattr(mod, name):
                    value = getattr(mod, name)
                    break
            else:
                sub = f"{fullname}.{name}"
                if sub in MODULES or sub in OVERRIDES:
                    value = importlib.import_module(sub)
                else:
                    value = _missing(fullname, name)
                    _missing_used.setdefault(f"{fullname}.{name}", "imported")
        setattr(self, name, value)
        return value


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every ``hdmf`` import (ahead of the installed hdmf) with an ``AliasModule``."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == "hdmf" or fullname.startswith("hdmf."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = AliasModule(spec.name)
        module.__path__ = []
        module.__shim__ = True
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _install() -> None:
    for name in [m for m in sys.modules if m == "hdmf" or m.startswith("hdmf.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, AliasFinder())


_install()

# --- outcome recording -------------------------------------------------------------------------
_outcomes: dict[str, str] = {}
_errors: dict[str, str] = {}
_collect_errors: dict[str, str] = {}
_matched: set[str] = set()
_deselected: list[str] = []
_unexcluded_hdf5: list[str] = []


def _excluded_reason(nodeid: str) -> str | None:
    for reason, patterns in EXCLUDED.items():
        for pattern in patterns:
            if fnmatch.fnmatchcase(nodeid, pattern):
                _matched.add(pattern)
                return reason
    return None


def pytest_collection_modifyitems(session: Any, config: Any, items: list) -> None:
    keep, drop = [], []
    for item in items:
        excluded = _excluded_reason(item.nodeid)
        (drop if excluded else keep).append(item)
        cls = getattr(item, "cls", None)
        if not excluded and cls is not None and issubclass(cls, H5RoundTripMixin):
            _unexcluded_hdf5.append(item.nodeid)
    _deselected.extend(i.nodeid for i in drop)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _collect_errors[report.nodeid] = str(report.longrepr)[-2000:]


def pytest_runtest_logreport(report: Any) -> None:
    nodeid = report.nodeid
    if report.failed:
        _outcomes[nodeid] = "failed"
        text = str(report.longrepr)
        _errors[nodeid] = text[-1500:]
    elif report.skipped and nodeid not in _outcomes:
        _outcomes[nodeid] = "skipped"
    elif report.when == "call" and report.passed and nodeid not in _outcomes:
        _outcomes[nodeid] = "passed"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    out = os.environ.get("HDMF_COMPAT_RESULTS")
    if not out:
        return
    real = sorted(
        name for name, mod in sys.modules.items()
        if (name == "hdmf" or name.startswith("hdmf.")) and not getattr(mod, "__shim__", False)
    )
    import hdmf.common
    import hdmfzarr.common

    identity = hdmf.common.DynamicTable is hdmfzarr.common.DynamicTable
    all_patterns = {p for patterns in EXCLUDED.values() for p in patterns}
    with open(out, "w") as fh:
        json.dump({
            "outcomes": _outcomes,
            "errors": _errors,
            "collect_errors": _collect_errors,
            "deselected": _deselected,
            "missing_names": _missing_used,
            "real_hdmf_modules": real,
            "shim_maps_to_hdmfzarr": identity,
            "unmatched_exclusions": sorted(all_patterns - _matched),
            "unexcluded_hdf5_roundtrips": _unexcluded_hdf5,
        }, fh, indent=1)

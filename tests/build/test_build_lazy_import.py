"""``import hdmfzarr`` stays cheap: no schema parsed, no zarr/pandas/yaml, names resolved on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": ROOT, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_import_loads_nothing_heavy():
    mods = json.loads(_run(
        "import sys, json, hdmfzarr; "
        "print(json.dumps([m for m in ('zarr', 'pandas', 'yaml', 'scipy', 'hdmfzarr.spec', 'hdmfzarr.build.typemap',"
        " 'hdmfzarr.common') if m in sys.modules]))"
    ))
    assert mods == []


def test_lazy_names_resolve():
    out = _run(
        "import hdmfzarr, sys\n"
        "assert 'yaml' not in sys.modules\n"
        "names = ['DataIO', 'DataChunkIterator', 'GroupSpec', 'DatasetSpec', 'AttributeSpec', 'LinkSpec', 'RefSpec',"
        " 'DtypeSpec', 'NamespaceBuilder', 'NamespaceCatalog', 'export_spec', 'BuildManager', 'TypeMap',"
        " 'BuildError', 'ConstructError', 'SpecError', 'get_type_map']\n"
        "print(all(getattr(hdmfzarr, n) is not None for n in names))\n"
        "print('zarr' in sys.modules)\n"
        "cls = hdmfzarr.get_class('DynamicTable', 'hdmf-common')\n"
        "print(cls.__name__)\n"
    )
    assert out.split() == ["True", "False", "DynamicTable"]


def test_unknown_name_is_attribute_error():
    import hdmfzarr

    with pytest.raises(AttributeError, match="no_such_name"):
        hdmfzarr.no_such_name  # noqa: B018


def test_register_class_decorator_and_load_namespaces(tmp_path):
    out = _run(
        "import hdmfzarr\n"
        "from hdmfzarr.spec import GroupSpec, NamespaceBuilder\n"
        "nb = NamespaceBuilder(doc='d', name='ndx-deco', version='0.1.0')\n"
        "nb.include_namespace('hdmf-common')\n"
        "nb.add_spec('ndx-deco.yaml', GroupSpec(doc='thing', data_type_def='Thing', data_type_inc='Container'))\n"
        f"path = nb.export('ndx-deco.namespace.yaml', outdir={str(tmp_path)!r})\n"
        "hdmfzarr.load_namespaces(path)\n"
        "from hdmfzarr.container import Container\n"
        "@hdmfzarr.register_class('Thing', 'ndx-deco')\n"
        "class Thing(Container):\n"
        "    pass\n"
        "print(hdmfzarr.get_class('Thing', 'ndx-deco') is Thing, hdmfzarr.get_class('Thing') is Thing)\n"
        "print(hdmfzarr.get_type_map().data_type_of(Thing('t')))\n"
        "print(hdmfzarr.available_namespaces())\n"
    )
    lines = out.splitlines()
    assert lines[0] == "True True"
    assert lines[1] == "('ndx-deco', 'Thing')"
    assert lines[2] == "('hdmf-common', 'hdmf-experimental', 'ndx-deco')"  # hdmf.common.available_namespaces


def test_every_public_name_resolves():
    import hdmfzarr

    for name in hdmfzarr.__all__:
        assert getattr(hdmfzarr, name) is not None, name
    assert hdmfzarr.TypeMap is __import__("hdmfzarr.build.typemap", fromlist=["TypeMap"]).TypeMap
    assert set(hdmfzarr.__all__) <= set(dir(hdmfzarr))


def test_build_layer_does_not_import_zarr():
    out = _run(
        "import sys\n"
        "import hdmfzarr.build, hdmfzarr.build.manager, hdmfzarr.build.classgen, hdmfzarr.build.common_mappers\n"
        "from hdmfzarr.build import get_type_map, BuildManager\n"
        "from hdmfzarr.common import DynamicTable\n"
        "t = DynamicTable(name='t', description='d'); t.add_column('a', 'a'); t.add_row(a=1)\n"
        "b = BuildManager(get_type_map()).build(t)\n"
        "BuildManager(get_type_map()).construct(b)\n"
        "print('zarr' in sys.modules, 'pandas' in sys.modules)\n"
    )
    assert out.split() == ["False", "False"]


def test_errors_module_runs_once_whichever_thread_asks_first():
    """``hdmfzarr.errors`` runs on first use (a read that raises nothing never creates its classes); threads asking
    at the same moment all get the same, complete classes (Python 3.12.1's LazyLoader would hand some of them a
    half-executed module)."""
    out = _run(
        "import pickle, sys, threading, hdmfzarr\n"
        "print(type(sys.modules['hdmfzarr.errors']).__name__)\n"
        "gate = threading.Barrier(16); got = []\n"
        "def ask(i):\n"
        "    gate.wait()\n"
        "    from hdmfzarr.errors import ValidationError, StoreNotFoundError\n"
        "    got.append((hdmfzarr.errors.UnsafeReferenceError, ValidationError, StoreNotFoundError))\n"
        "threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(got), len(set(got)), type(sys.modules['hdmfzarr.errors']).__name__)\n"
        "err = pickle.loads(pickle.dumps(hdmfzarr.errors.StoreNotFoundError('gone')))\n"
        "import subprocess; names = subprocess.run([sys.executable, '-c', 'import hdmfzarr.errors as e; print(dir(e))'],"
        " capture_output=True, text=True).stdout\n"
        "print('ConflictError' in names)\n"
        "print(type(err).__module__, isinstance(err, FileNotFoundError), str(err))\n"
    )
    assert out.splitlines() == ["_LoadedOnFirstUse", "16 1 module", "True", "hdmfzarr.errors True gone"]


def test_table_read_creates_no_error_class(tmp_path):
    """Opening a store and reading a column in a fresh process never runs ``hdmfzarr.errors`` (issue 15 item 5's
    cold open); the first error raised still has its classes: a missing store is a StoreNotFoundError."""
    from hdmfzarr import ZarrIO
    from hdmfzarr.common import DynamicTable

    table = DynamicTable(name="t", description="d")
    table.add_column("x", "x")
    for i in range(3):
        table.add_row(x=float(i))
    with ZarrIO(tmp_path / "t.zarr", "w") as io:
        io.write(table)
    out = _run(
        "import sys\n"
        "from hdmfzarr import ZarrIO\n"
        f"with ZarrIO({str(tmp_path / 't.zarr')!r}) as io:\n"
        "    print(io.read()['x'].data[:].tolist())\n"
        "print(type(sys.modules['hdmfzarr.errors']).__name__)\n"
        "try:\n"
        f"    ZarrIO({str(tmp_path / 'missing.zarr')!r})\n"
        "except FileNotFoundError as exc:\n"
        "    print(type(exc).__name__, type(sys.modules['hdmfzarr.errors']).__name__)\n"
    )
    assert out.splitlines() == ["[0.0, 1.0, 2.0]", "_LoadedOnFirstUse", "StoreNotFoundError module"]

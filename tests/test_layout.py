"""Repository layout rules: zarr stays in the backend, `import hdmfzarr` stays cheap, CI runs the README."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hdmfzarr"
BACKEND = PACKAGE / "backends" / "zarr"
HEAVY_MODULES = ("zarr", "pandas", "yaml", "scipy")


def _imported_roots(tree: ast.AST) -> set[str]:
    """Top-level module names imported anywhere in ``tree`` (absolute imports only)."""
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_layout_import_scanner_sees_all_import_forms() -> None:
    src = "import zarr.storage as s\nfrom zarr import open_group\ndef f():\n    import numcodecs\nfrom . import zarr\n"
    assert _imported_roots(ast.parse(src)) == {"zarr", "numcodecs"}


def test_layout_only_backend_imports_zarr() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert sources, f"no Python sources under {PACKAGE}"
    offenders = []
    for path in sources:
        if BACKEND in path.parents:
            continue
        if "zarr" in _imported_roots(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"modules outside hdmfzarr/backends/zarr/ import zarr: {offenders}"


def _run_python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, f"subprocess failed:\n{done.stderr}"
    return done.stdout


def test_layout_import_hdmfzarr_leaves_heavy_modules_out() -> None:
    out = _run_python(f"import sys, json, hdmfzarr\nprint(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))")
    assert json.loads(out.strip().splitlines()[-1]) == [], "import hdmfzarr pulled in heavy modules"


def _readme_bash_blocks() -> list[str]:
    blocks, current = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if current is None and line.strip() == "```bash":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current).strip())
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_layout_readme_first_two_code_blocks_are_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    fences = re.findall(r"^```(\w*)$", text, flags=re.M)
    assert fences[:4:2] == ["bash", "bash"], "the first two code blocks of README.md must be ```bash"
    first, second = _readme_bash_blocks()[:2]
    assert first == "python3 -m venv .venv && .venv/bin/pip install -e \".[pandas]\" && .venv/bin/python examples/quickstart.py"
    assert second.startswith('python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && ')
    assert ".venv/bin/python -m pytest" in second
    assert (ROOT / "examples" / "quickstart.py").is_file()


def test_layout_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK), ".ci/run must be executable"
    line = next((ln for ln in ci.splitlines() if ln.startswith("TEST_CMD=")), None)
    assert line is not None, ".ci/run must set TEST_CMD"
    done = subprocess.run(["bash", "-c", f'set -euo pipefail\n{line}\nprintf %s "$TEST_CMD"'],
                          capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == _readme_bash_blocks()[1]
    assert 'bash -c "set -euo pipefail; $TEST_CMD"' in ci
    assert '"$rc" -eq 5' in ci, ".ci/run must turn pytest's 'no tests' (exit 5) into a failure"


def test_layout_no_package_line_is_longer_than_120_characters() -> None:
    """The repo's line length (no formatter runs in CI): every line of hdmfzarr/ within 120 characters."""
    long = [f"{p.relative_to(ROOT)}:{i}" for p in sorted(PACKAGE.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if len(line) > 120]
    assert not long, f"lines over 120 characters: {long}"


def test_layout_python_version_is_312() -> None:
    assert (ROOT / ".python-version").read_text().strip() == "3.12"


def test_layout_pyproject_packaging() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    assert (project["name"], project["version"], project["requires-python"]) == ("hdmfzarr", "0.1.0", ">=3.12")
    assert project["scripts"]["hdmfzarr"] == "hdmfzarr.cli:main"
    assert {"pandas", "dask", "scipy", "h5py", "tqdm", "test", "all"} <= set(project["optional-dependencies"])
    assert "hdmf-zarr==0.14.0" in project["optional-dependencies"]["test"]
    assert meta["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"] == {"specs": "hdmfzarr/_specs"}
    pytest_cfg = meta["tool"]["pytest"]["ini_options"]
    assert "--import-mode=importlib" in pytest_cfg["addopts"]
    assert {m.split(":")[0] for m in pytest_cfg["markers"]} == {"s3", "slow", "compat"}


def test_layout_licences_present() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "BSD-3-Clause"
    for name in meta["license-files"]:
        assert (ROOT / name).is_file(), f"licence file {name} listed in pyproject.toml is missing"
    # the schema licence is the hdmf-common-schema's, next to the schema files the wheel ships
    schema_licence = (ROOT / "specs" / "hdmf-common" / "license.txt").read_text(encoding="utf-8")
    assert "hdmf-common-schema" in schema_licence and "Redistribution" in schema_licence
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")
    assert (PACKAGE / "py.typed").is_file()


def test_layout_version_comes_from_package_metadata() -> None:
    from importlib.metadata import version

    out = _run_python("import hdmfzarr, sys; print(hdmfzarr.__version__, 'importlib.metadata' in sys.modules)")
    assert out.split() == [version("hdmfzarr"), "True"]
    out = _run_python("import hdmfzarr, sys; print('importlib.metadata' in sys.modules)")
    assert out.strip() == "False", "import hdmfzarr must not read package metadata until __version__ is asked for"


def test_layout_test_file_names_are_unique() -> None:
    seen: dict[str, Path] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if "fixtures" in path.parts:
            continue
        assert path.name not in seen, f"duplicate test file name {path.name}: {seen[path.name]} and {path}"
        seen[path.name] = path


def _readme_python_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^```python\n(.*?)^```$", text, flags=re.M | re.S)
    assert match, "README.md has no ```python quickstart block"
    return match.group(1)


def _run_in(tmp_path: Path, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=300)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_layout_readme_quickstart_snippet_runs(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    (tmp_path / "snippet.py").write_text(_readme_python_block())
    out = _run_in(tmp_path, ["snippet.py"])
    assert out.splitlines()[0] == "[1.2]"
    assert "spike_times" in out and "mua" in out
    assert (tmp_path / "quickstart.zarr").is_dir()


@pytest.mark.slow
def test_layout_examples_quickstart_runs(tmp_path: Path) -> None:
    out = _run_in(tmp_path, [str(ROOT / "examples" / "quickstart.py"), "qs.zarr"])
    assert "wrote 1000 rows to qs.zarr" in out
    assert "1000 rows, columns ['channel', 'firing_rate', 'quality', 'spike_times']" in out
    assert (tmp_path / "qs.zarr").is_dir()


@pytest.mark.slow
def test_layout_wheel_ships_specs_and_cli(tmp_path: Path) -> None:
    import zipfile

    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = tmp_path.glob("hdmfzarr-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("hdmfzarr-0.1.0.dist-info/entry_points.txt").decode()
        metadata = zf.read("hdmfzarr-0.1.0.dist-info/METADATA").decode()
    specs = {p.name for p in (ROOT / "specs" / "hdmf-common").glob("*.yaml")}
    assert "namespace.yaml" in specs
    assert {f"hdmfzarr/_specs/hdmf-common/{name}" for name in specs} <= names
    assert "hdmfzarr/__init__.py" in names and "hdmfzarr/backends/zarr/__init__.py" in names
    assert not any(n.startswith(("tests/", "specs/")) for n in names)
    assert "hdmfzarr = hdmfzarr.cli:main" in entry_points
    # our licence and the hdmf-common schema's own licence travel with the schema files
    assert {"hdmfzarr/_specs/hdmf-common/license.txt", "hdmfzarr/_specs/hdmf-common/Legal.txt",
            "hdmfzarr-0.1.0.dist-info/licenses/LICENSE", "hdmfzarr/py.typed"} <= names
    assert "License-Expression: BSD-3-Clause" in metadata

"""The layer rules as checked contracts (import-linter, configured in pyproject.toml) and the zarr pin.

Rules: spec -> containers -> build -> backends -> validate -> cli, each importing only the layers below
it; only backends/zarr imports zarr and only backends/hdf5 imports h5py; the storage layer knows nothing
of tables; no two sibling modules import each other. A violation fails here, before it reaches CI.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_architecture_import_contracts_hold() -> None:
    pytest.importorskip("importlinter")
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                               "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, f"import contracts broken:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    assert "0 broken" in done.stdout


def test_architecture_contracts_name_every_top_level_module() -> None:
    """A new top-level module must be placed in the layers contract (else it escapes every rule)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    modules = {p.stem for p in (ROOT / "hdmfzarr").glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in (ROOT / "hdmfzarr").iterdir() if (p / "__init__.py").is_file()}
    assert modules <= placed, f"modules missing from the layers contract: {sorted(modules - placed)}"


def test_architecture_zarr_pin_matches_the_compat_module() -> None:
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet

    from hdmfzarr.backends.zarr import compat

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (zarr_dep,) = [d for d in deps if d.split(">")[0].split("<")[0].strip() == "zarr"]
    assert SpecifierSet(zarr_dep.split("zarr", 1)[1].strip()) == SpecifierSet(compat.TESTED_ZARR)
    assert version("zarr") in SpecifierSet(compat.TESTED_ZARR), "the installed zarr is outside the tested range"


# mypy at default settings (configured in pyproject.toml). tests/mypy_baseline.txt holds the errors left
# when the check was introduced, per module: a module may only go down from there (lower its number when
# you fix some); modules not listed must have none.
def _mypy_errors_by_module(output: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in output.splitlines():
        if ": error:" in line:
            module = line.split(":", 1)[0].replace("\\", "/")
            counts[module] = counts.get(module, 0) + 1
    return counts


@pytest.mark.slow
def test_architecture_mypy_finds_no_new_errors() -> None:
    pytest.importorskip("mypy")
    baseline = {}
    for line in (ROOT / "tests" / "mypy_baseline.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            module, count = line.split()
            baseline[module] = int(count)
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    found = _mypy_errors_by_module(done.stdout)
    worse = {m: (n, baseline.get(m, 0)) for m, n in found.items() if n > baseline.get(m, 0)}
    new_lines = [ln for ln in done.stdout.splitlines() if ln.split(":", 1)[0] in worse]
    assert not worse, ("mypy: more errors than the baseline (module: found, allowed):\n"
                       + "\n".join(f"  {m}: {n} > {b}" for m, (n, b) in sorted(worse.items()))
                       + "\n" + "\n".join(new_lines[:40]))

"""Fixtures for the spec tests: write small namespace/source YAML files into tmp_path."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml


def _make_namespace(name: str = "test", sources: tuple[str, ...] = ("test.yaml",),
                   includes: tuple[Any, ...] = (), version: str = "0.1.0") -> dict:
    """A namespace entry: includes (name or (name, [types])) first, then sources."""
    schema: list[dict] = []
    for inc in includes:
        if isinstance(inc, tuple):
            schema.append({"namespace": inc[0], "data_types": list(inc[1])})
        else:
            schema.append({"namespace": inc})
    schema += [{"source": s} for s in sources]
    return {"name": name, "doc": f"{name} namespace", "version": version, "author": ["A"], "contact": ["a@b"],
            "full_name": name.title(), "schema": schema}


@pytest.fixture
def write_schema(tmp_path: Path) -> Callable[..., Path]:
    """write_schema(namespaces=[...], sources={file: dict or raw str}) -> path of namespace.yaml."""

    def write(namespaces: list[dict], sources: dict[str, Any], ns_file: str = "namespace.yaml") -> Path:
        for fname, content in sources.items():
            text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
            (tmp_path / fname).write_text(text)
        path = tmp_path / ns_file
        path.write_text(yaml.safe_dump({"namespaces": namespaces}, sort_keys=False))
        return path

    return write


def _package_file(package: str, *parts: str) -> Path:
    """A file shipped inside an installed package, or skip the test if the package is absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.skip(f"{package} is not installed")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found in the installed {package}")
    return path


@pytest.fixture
def make_namespace() -> Callable[..., dict]:
    """make_namespace(name, sources=(...), includes=(name | (name, [types]), ...), version=...) -> dict."""
    return _make_namespace


@pytest.fixture
def package_file() -> Callable[..., Path]:
    """package_file(package, *parts) -> path of a file inside an installed package (skips if absent)."""
    return _package_file

"""Writing specs: NamespaceBuilder (namespace + source YAML files) and export_spec.

Written files load back with `NamespaceCatalog.load_namespaces` into an equal catalog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..errors import SpecError
from .load import TYPE_KEYS
from .model import DatasetSpec, GroupSpec, Spec
from .namespace import SpecNamespace, namespace_entry

__all__ = ["NamespaceBuilder", "export_spec", "write_yaml"]

_HEADER = "# hdmf-schema-language=2.0.2\n"


def write_yaml(data: Any, path: str | Path) -> None:
    """Write `data` as block-style YAML, keys in insertion order."""
    import yaml

    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
    Path(path).write_text(_HEADER + text, encoding="utf-8")


class NamespaceBuilder:
    """Collects specs and includes for a new namespace, then writes its YAML files with `export`."""

    def __init__(self, doc: str, name: str, full_name: str | None = None, version: str | None = None,
                 author: str | Iterable[str] | None = None, contact: str | Iterable[str] | None = None,
                 date: str | None = None, type_key: str = "data_type") -> None:
        if not isinstance(name, str) or not name or any(c.isspace() for c in name):
            raise SpecError(f"namespace name must be a non-empty string without whitespace, got {name!r}",
                            key="name")
        if type_key not in TYPE_KEYS:
            raise SpecError(f"type_key must be one of {TYPE_KEYS}, got {type_key!r}", key="type_key")
        self.doc = doc
        self.name = name
        self.full_name = full_name
        self.version = version
        self.author = [author] if isinstance(author, str) else list(author or [])
        self.contact = [contact] if isinstance(contact, str) else list(contact or [])
        self.date = date
        self.type_key = type_key
        self._schema: list[dict[str, Any]] = []
        self._sources: dict[str, list[Spec]] = {}

    @classmethod
    def from_namespace(cls, ns: SpecNamespace) -> "NamespaceBuilder":
        """A builder holding a loaded namespace's metadata, includes and own specs (to re-export it)."""
        b = cls(ns.doc, ns.name, full_name=ns.full_name, version=ns.version, author=ns.author,
                contact=ns.contact, date=ns.date, type_key=ns.type_key)
        b._schema = [dict(e) for e in ns.schema]
        b._sources = {k: list(v) for k, v in ns.sources.items()}
        return b

    def _entry(self, kind: str, value: str) -> dict[str, Any]:
        for e in self._schema:
            if e.get(kind) == value:
                return e
        e = {kind: value}
        self._schema.append(e)
        return e

    def add_source(self, source: str, doc: str | None = None, title: str | None = None) -> None:
        """List a source file (optionally with doc and title) in the namespace."""
        e = self._entry("source", source)
        if doc is not None:
            e["doc"] = doc
        if title is not None:
            e["title"] = title
        self._sources.setdefault(source, [])

    def add_spec(self, source: str, spec: Spec) -> None:
        """Add a top-level type spec, written to the source file `source`."""
        if not isinstance(spec, (GroupSpec, DatasetSpec)):
            raise SpecError(f"add_spec needs a GroupSpec or DatasetSpec, got {type(spec).__name__}", file=source)
        if spec.data_type_def is None:
            raise SpecError("only specs that define a type (data_type_def) can be added to a namespace",
                            file=source, data_type=spec.label, key="data_type_def")
        for specs in self._sources.values():
            if any(s.data_type_def == spec.data_type_def for s in specs):
                raise SpecError(f"type {spec.data_type_def!r} was already added", file=source,
                                data_type=spec.data_type_def, key="data_type_def")
        self._entry("source", source)
        self._sources.setdefault(source, []).append(spec)

    def include_type(self, data_type: str, source: str | None = None, namespace: str | None = None) -> None:
        """Include one type from another namespace (or source file) by name."""
        if (source is None) == (namespace is None):
            raise SpecError(f"include_type({data_type!r}) needs exactly one of source= or namespace=",
                            data_type=data_type, key="include_type")
        e = self._entry("source" if source is not None else "namespace", source or namespace)  # type: ignore
        types = e.setdefault("data_types", [])
        if data_type not in types:
            types.append(data_type)

    def include_namespace(self, namespace: str) -> None:
        """Include every type of another (already loadable) namespace."""
        e = self._entry("namespace", namespace)
        e.pop("data_types", None)

    def namespace_dict(self) -> dict[str, Any]:
        """The namespace entry as written to the namespace file."""
        if self.version is None:
            raise SpecError(f"namespace {self.name!r} needs a version to be exported", key="version")
        return namespace_entry(
            self.name, self.doc, str(self.version), self._schema,
            author=self.author, contact=self.contact, full_name=self.full_name, date=self.date,
        )

    def export(self, path: str, outdir: str | Path = ".") -> Path:
        """Write the namespace file `outdir/path` and every source file next to it; returns the namespace path."""
        out = Path(outdir)
        out.mkdir(parents=True, exist_ok=True)
        nsd = self.namespace_dict()
        for source, specs in self._sources.items():
            groups = [s.to_dict(self.type_key) for s in specs if isinstance(s, GroupSpec)]
            datasets = [s.to_dict(self.type_key) for s in specs if isinstance(s, DatasetSpec)]
            content: dict[str, Any] = {}
            if groups:
                content["groups"] = groups
            if datasets:
                content["datasets"] = datasets
            if not content:
                raise SpecError(f"source {source!r} has no specs to write", file=source)
            target = out / source
            if not target.suffix:
                target = out / f"{source}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_yaml(content, target)
        ns_path = out / path
        write_yaml({"namespaces": [nsd]}, ns_path)
        return ns_path


def export_spec(ns_builder: NamespaceBuilder, new_data_types: Iterable[Spec], output_dir: str | Path) -> Path:
    """Write an extension: `<name>.namespace.yaml` plus `<name>.extensions.yaml` holding `new_data_types`."""
    specs = list(new_data_types)
    if not specs:
        raise SpecError(f"export_spec for namespace {ns_builder.name!r} got no data types to write",
                        key="new_data_types")
    source = f"{ns_builder.name}.extensions.yaml"
    for spec in specs:
        ns_builder.add_spec(source, spec)
    return ns_builder.export(f"{ns_builder.name}.namespace.yaml", outdir=output_dir)

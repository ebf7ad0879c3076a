"""Writing specs: NamespaceBuilder (namespace + source YAML files) and export_spec; written files load back into
an equal catalog."""

from __future__ import annotations

import datetime as _dt
import warnings
from pathlib import Path
from typing import Any, Iterable

from ..errors import SpecError
from .dtypes import CANONICAL_DTYPES, DTYPE_ALIASES, allowed_dtypes, canonical_dtype, is_known_dtype
from .load import read_yaml
from .model import KEY_ORDER, DatasetSpec, GroupSpec, RefSpec, Spec, check_dtype, plain
from .namespace import SpecNamespace, check_type_key, namespace_entry, namespace_fields, source_content

__all__ = ["NamespaceBuilder", "YAMLSpecWriter", "export_spec", "DtypeHelper"]

#: hdmf's key order for spec files: the spec model's, with NWB's spelling of the type keys first
_KEY_ORDER = ("neurodata_type_def", "neurodata_type_inc") + KEY_ORDER


class YAMLSpecWriter:
    """Writes spec files (keys in the schema language's usual order) and namespace files (keys sorted)."""

    def __init__(self, outdir: str = ".") -> None:
        self.__outdir = outdir  # hdmf's name (its tests read it)

    @property
    def outdir(self) -> str:
        return self.__outdir

    def _write(self, data: Any, path: str, sort_keys: bool = False) -> None:
        """Write `data` (specs as their dicts) to `outdir/path` as block-style YAML (keys in insertion order unless
        `sort_keys`)."""
        import yaml

        target = Path(self.outdir) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(plain(data), sort_keys=sort_keys, default_flow_style=False, allow_unicode=True, width=100)
        target.write_text(text, encoding="utf-8")

    def write_spec(self, spec_file_dict: dict, path: str) -> None:
        """Write one source file's content ({'groups': [...], 'datasets': [...]}) to `outdir/path`."""
        self._write(self.sort_keys(plain(spec_file_dict)), path)

    def write_namespace(self, namespace: Any, path: str) -> None:
        """Write a namespace entry as `{'namespaces': [namespace]}` to `outdir/path` (keys sorted, dates as text)."""
        ns = dict(namespace)
        if isinstance(ns.get("date"), (_dt.datetime, _dt.date)):
            ns["date"] = ns["date"].isoformat()
        self._write({"namespaces": [ns]}, path, sort_keys=True)

    def reorder_yaml(self, path: str) -> None:
        self.write_spec(read_yaml(path), path)

    @staticmethod
    def sort_keys(obj: Any) -> Any:
        """`obj` with every dict's keys in the schema language's usual order (others after, as they were)."""
        if isinstance(obj, dict):
            keys = [k for k in _KEY_ORDER if k in obj] + [k for k in obj if k not in _KEY_ORDER]
            if "neurodata_type_def" not in obj and "name" in obj:
                keys.insert(0, keys.pop(keys.index("name")))
            return {k: YAMLSpecWriter.sort_keys(obj[k]) for k in keys}
        if isinstance(obj, (list, tuple)):
            return type(obj)(YAMLSpecWriter.sort_keys(v) for v in obj)
        return obj


class NamespaceBuilder:
    """Collects specs and includes for a new namespace, then writes its YAML files with `export`."""

    def __init__(self, doc: str, name: str, full_name: str | None = None, version: Any = None,
                 author: str | list[str] | None = None, contact: str | list[str] | None = None,
                 date: Any = None, namespace_cls: type | None = None, type_key: str = "data_type") -> None:
        f = namespace_fields({"doc": doc, "name": name, "schema": [], "full_name": full_name, "version": version,
                              "author": author, "contact": contact})
        if version is None:
            raise SpecError(f"Namespace '{name}' missing key 'version'. Please specify a version for the extension.")
        self.doc, self.name, self.full_name, self.version = f["doc"], f["name"], f["full_name"], f["version"]
        self.author, self.contact, self.date = author, contact, date  # as given (a string stays one), as hdmf
        self.namespace_cls = namespace_cls or SpecNamespace
        self.type_key = check_type_key(type_key)
        self._schema: list[dict[str, Any]] = []
        self._sources: dict[str, list[Spec]] = {}

    @classmethod
    def from_namespace(cls, ns: SpecNamespace) -> "NamespaceBuilder":
        """A builder holding a loaded namespace's metadata, includes and own specs (to re-export it)."""
        b = cls(ns.doc, ns.name, full_name=ns.full_name, version=ns.version, author=ns.get("author"),
                contact=ns.get("contact"), date=ns.date, namespace_cls=type(ns), type_key=ns.type_key)
        b._schema = [dict(e) for e in ns.schema]
        b._sources = {k: list(v) for k, v in ns.sources.items()}
        return b

    def _entry(self, kind: str, value: str) -> dict[str, Any]:
        e = next((e for e in self._schema if e.get(kind) == value), None)
        if e is None:
            self._schema.append(e := {kind: value})
        return e

    def add_source(self, source: str, doc: str | None = None, title: str | None = None) -> None:
        """List a source file (optionally with doc and title) in the namespace."""
        self._entry("source", source).update((k, v) for k, v in (("doc", doc), ("title", title)) if v is not None)
        self._sources.setdefault(source, [])

    def add_spec(self, source: str, spec: Spec) -> None:
        """Add a top-level type spec, written to the source file `source`."""
        if not isinstance(spec, (GroupSpec, DatasetSpec)):
            raise SpecError(f"add_spec needs a GroupSpec or DatasetSpec, got {type(spec).__name__}", file=source)
        if spec.data_type_def is None:
            raise SpecError("only specs that define a type (data_type_def) can be added to a namespace",
                            file=source, data_type=spec.label, key="data_type_def")
        if any(s.data_type_def == spec.data_type_def for specs in self._sources.values() for s in specs):
            raise SpecError(f"type {spec.data_type_def!r} was already added", file=source,
                            data_type=spec.data_type_def, key="data_type_def")
        self._entry("source", source)
        self._sources.setdefault(source, []).append(spec)

    def include_type(self, data_type: str, source: str | None = None, namespace: str | None = None) -> None:
        """Include one type from another namespace (or source file) by name."""
        if (source is None) == (namespace is None):
            raise SpecError(f"must specify 'source' or 'namespace' when including type (exactly one of them; "
                            f"include_type({data_type!r}))", key=None)
        e = self._entry("source" if source is not None else "namespace", source or namespace)  # type: ignore
        types = e.setdefault("data_types", [])
        if data_type not in types:
            types.append(data_type)

    def include_namespace(self, namespace: str) -> None:
        """Include every type of another (already loadable) namespace."""
        self._entry("namespace", namespace).pop("data_types", None)

    def namespace_dict(self) -> dict[str, Any]:
        """The namespace entry for the namespace file (a date as given: `write_namespace` writes it as text)."""
        return namespace_entry({"name": self.name, "doc": self.doc, "author": self.author, "contact": self.contact,
                                "full_name": self.full_name, "date": self.date, "schema": self._schema,
                                "version": self.version})

    def export(self, path: str, outdir: str | Path = ".", writer: YAMLSpecWriter | None = None) -> Path:
        """Write the namespace file `outdir/path` (or in a `writer`'s folder) and the source files next to it."""
        writer = writer or YAMLSpecWriter(str(outdir))
        out = Path(writer.outdir)
        out.mkdir(parents=True, exist_ok=True)
        for source, specs in self._sources.items():
            content = source_content(specs, self.type_key)
            if not content:
                continue  # a source listed only to include types from it
            if any("data_types" in e for e in self._schema if e.get("source") == source):
                raise SpecError(f"source {source!r} both includes types from an existing file and gets new specs "
                                "written to it; use another source name for the new specs", file=source)
            writer.write_spec(content, source if Path(source).suffix else f"{source}.yaml")
        writer.write_namespace(self.namespace_dict(), path)
        return out / path


def export_spec(ns_builder: NamespaceBuilder, new_data_types: Iterable[Spec],
                output_dir: str | Path) -> Path | None:
    """Write an extension: `<name>.namespace.yaml` plus `<name>.extensions.yaml` holding `new_data_types`."""
    specs = list(new_data_types)
    if not specs:
        warnings.warn("No data types specified. Exiting.", stacklevel=2)
        return None
    source = f"{ns_builder.name}.extensions.yaml"
    for spec in specs:
        ns_builder.add_spec(source, spec)
    return ns_builder.export(f"{ns_builder.name}.namespace.yaml", outdir=output_dir)


class DtypeHelper:
    """hdmf's dtype helper, computed from the one dtype table in ``spec/dtypes.py`` (no rules of its own; here, off
    the read path: only spec authors use it)."""

    #: canonical name -> every spelling of it ('object' is the dtype of a reference)
    primary_dtype_synonyms: dict[str, list[str]] = {
        **{c: [c, *(a for a, canon in DTYPE_ALIASES.items() if canon == c and a != c)] for c in CANONICAL_DTYPES},
        "object": ["object"]}
    recommended_primary_dtypes: list[str] = list(primary_dtype_synonyms)
    valid_primary_dtypes: set[str] = {s for v in primary_dtype_synonyms.values() for s in v}
    check_dtype = staticmethod(check_dtype)

    @staticmethod
    def simplify_cpd_type(cpd_type: Any) -> list:
        """The dtypes of compound fields, with the reftype for references."""
        return [f.dtype.reftype if isinstance(f.dtype, RefSpec) else f.dtype for f in cpd_type]

    @staticmethod
    def is_allowed_dtype(new: str, orig: str) -> bool:
        """True if data of dtype `new` may stand where a spec asks for `orig` (same or wider, same kind)."""
        if orig == "object" or new == "object":
            return new == orig
        if not is_known_dtype(orig):
            raise SpecError(f"Unknown dtype '{orig}'", key="dtype")
        return is_known_dtype(new) and canonical_dtype(new) in allowed_dtypes(orig)

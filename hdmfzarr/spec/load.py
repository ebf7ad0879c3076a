"""YAML/JSON files -> spec model, with errors located by file, line (recorded by the YAML loader), type and key."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .. import errors
from .model import DatasetSpec, GroupSpec, Spec, as_written

__all__ = ["read_yaml", "spec_from_dict", "specs_from_source", "dict_def"]


class LineDict(dict):
    """A dict that remembers the (1-based) line where its YAML mapping starts."""

    line: int | None = None


def _loader_class() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _LineLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> LineDict:
            d = LineDict(super().construct_mapping(node, deep=True))
            d.line = node.start_mark.line + 1
            return d

    _LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
    return _LineLoader


_LOADER: type | None = None  # set when the first YAML file is parsed (tests check a table read parses none)

#: the pre-parsed form of a folder's YAML files (the bundled hdmf-common schemas ship one): JSON, never pickle
PARSED_NAME = "parsed-yaml.json"
_PARSED: dict[str, dict[str, Any]] = {}  # folder -> its pre-parsed files not yet handed out
#: folders whose pre-parsed form is taken without reading and hashing their YAML files: the bundled schemas, whose
#: ``parsed-yaml.json`` a test keeps current (saves ~0.5 ms of every process start)
TRUSTED: set[str] = set()


def read_yaml(path: str | os.PathLike, pre_parsed: bool = True) -> Any:
    """Parse a YAML file into LineDicts (SpecError if missing or bad), or take it from its folder's
    ``parsed-yaml.json`` when listed there with the same SHA-256 (saves ~10 ms of YAML for hdmf-common)."""
    global _LOADER
    path = os.fspath(path)  # (str, not pathlib: this runs at every process start)
    folder, name = os.path.split(path)
    if pre_parsed and folder in TRUSTED and (parsed := _pre_parsed(folder, name, None)) is not None:
        return parsed
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        msg = "file not found" if isinstance(e, FileNotFoundError) else f"cannot read file: {e}"
        raise errors.SpecError(msg, file=str(Path(path))) from None
    parsed = _pre_parsed(folder, name, text) if pre_parsed else None
    if parsed is not None:
        return parsed
    import yaml

    _LOADER = _LOADER or _loader_class()
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:  # a MarkedYAMLError says where
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise errors.SpecError(f"malformed YAML: {getattr(e, 'problem', None) or e}", file=str(Path(path)),
                               line=None if mark is None else mark.line + 1) from None


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pre_parsed(folder: str, name: str, text: str | None) -> Any:
    """File ``name``'s content from ``folder``'s pre-parsed form when that holds this very text (any, for None),
    else None."""
    left = _PARSED.get(folder)
    if left is None or name not in left:  # each value is handed out once (callers may change it)
        try:
            with open(os.path.join(folder, PARSED_NAME), encoding="utf-8") as f:
                left = json.load(f)["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        _PARSED[folder] = left
    entry = left.pop(name, None)
    if not isinstance(entry, dict) or (text is not None and entry.get("sha256") != _sha256(text)):
        return None
    return entry.get("content")


def pre_parse(folder: str | Path) -> dict[str, Any]:
    """Each ``*.yaml`` file's SHA-256 and parsed content, for the files whose content JSON keeps exactly."""
    folder = Path(folder)
    files: dict[str, Any] = {}
    for p in sorted(folder.glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        content = read_yaml(p, pre_parsed=False)
        try:
            if json.loads(json.dumps(content)) == content:
                files[p.name] = {"sha256": _sha256(text), "content": content}
        except (TypeError, ValueError):  # dates, sets, ... : the file stays with YAML
            pass
    return {"format": 1, "files": files}


def write_pre_parsed(folder: str | Path) -> Path:
    """Write ``folder``'s pre-parsed form (run after editing a bundled schema; a test checks it is current)."""
    out = Path(folder) / PARSED_NAME
    out.write_text(json.dumps(pre_parse(folder), indent=1) + "\n", encoding="utf-8")
    return out


def dict_def(d: Any) -> str | None:
    """The type a spec or spec dict defines, in either key spelling (None when none or not a string)."""
    dt = d.get("data_type_def", d.get("neurodata_type_def")) if isinstance(d, dict) else None
    return dt if isinstance(dt, str) else None


def _plain(d: Any) -> bool:
    """A spec dict whose type keys (one spelling) and nested group/dataset lists are plainly shaped."""
    if not isinstance(d, dict) or ("data_type_def" in d and "neurodata_type_def" in d):
        return False
    if d.get("data_type_def", d.get("neurodata_type_def")) is not None and dict_def(d) is None:
        return False
    subs = [d.get("datasets"), d.get("groups")]
    return all(isinstance(s, list) and all(map(_plain, s)) for s in subs if s is not None)


def _fail(msg: str, d: Any, file: str | None, key: str | None) -> errors.SpecError:
    return errors.SpecError(msg, file=file, key=key, line=getattr(d, "line", None))


def spec_from_dict(d: dict, kind: str, *, file: str | None = None) -> Spec:
    """A GroupSpec (kind='group') or DatasetSpec from its dict, strictly; errors name file, type, key and line."""
    if kind not in ("group", "dataset"):
        raise ValueError(f"kind must be 'group' or 'dataset', got {kind!r}")
    dt = dict_def(d)
    try:
        with as_written():
            return (GroupSpec if kind == "group" else DatasetSpec).from_dict(d, strict=True)
    except errors.SpecError as e:
        if e.file is not None:
            raise
        sub = e.data_type if e.data_type and e.data_type != dt else None
        msg = f"in {sub!r}: {e.detail}" if sub else e.detail
        raise errors.SpecError(msg, file=file, data_type=dt or e.data_type, key=e.key, line=e.line) from None


def specs_from_source(doc: Any, *, file: str | None = None, lazy: bool = False) -> list[Any]:
    """The top-level specs of one source file's content ({'groups': [...], 'datasets': [...]}); ``lazy``: each
    plainly shaped one as ``(dict, kind, file)``, what spec_from_dict builds it from on first use."""
    if not isinstance(doc, dict):
        raise _fail(f"a spec source must be a mapping with 'groups' and/or 'datasets', got {type(doc).__name__}",
                    doc, file, None)
    if extra := set(doc) - {"groups", "datasets"}:
        raise _fail(f"unknown key(s) {sorted(extra)} in a spec source; allowed: ['datasets', 'groups']",
                    doc, file, sorted(extra)[0])
    out: list[Any] = []
    for kind, key in (("group", "groups"), ("dataset", "datasets")):
        items = doc.get(key)
        if items is not None and not isinstance(items, list):
            raise _fail(f"{key!r} must be a list, got {type(items).__name__}", doc, file, key)
        for d in items or ():
            if lazy and dict_def(d) is not None and _plain(d):  # (else built now: its errors reported at load)
                out.append((d, kind, file))
                continue
            spec = spec_from_dict(d, kind, file=file)
            if spec.data_type_def is None:
                raise _fail(f"top-level {kind} specs must define a type (data_type_def)", d, file, "data_type_def")
            out.append(spec)
    return out

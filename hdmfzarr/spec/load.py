"""YAML/JSON dicts -> spec model, with errors located by file, line, type and key.

YAML is parsed with a loader that records each mapping's line number (from yaml's node marks);
`spec_from_dict` turns one type's dict into a GroupSpec/DatasetSpec, accepting either
`data_type_*` or `neurodata_type_*` keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SpecError
from .model import TYPE_KEYS, AttributeSpec, DatasetSpec, DtypeSpec, GroupSpec, LinkSpec, RefSpec, Spec, as_written

__all__ = ["read_yaml", "spec_from_dict", "specs_from_source", "detect_type_key", "TYPE_KEYS"]




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


_LOADER: type | None = None

#: the pre-parsed form of a folder's YAML files (the bundled hdmf-common schemas ship one): JSON, never pickle
PARSED_NAME = "parsed-yaml.json"
_PARSED: dict[Path, dict[str, Any]] = {}  # folder -> its pre-parsed files not yet handed out


def read_yaml(path: str | Path, pre_parsed: bool = True) -> Any:
    """Parse a YAML file; mappings become LineDicts. Missing files and bad YAML raise SpecError.

    A file listed in its folder's ``parsed-yaml.json`` with the same SHA-256 is taken from there (plain
    dicts, no line numbers): opening a store then parses no YAML (~10 ms for hdmf-common)."""
    global _LOADER
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("file not found", file=str(path)) from None
    except OSError as e:
        raise SpecError(f"cannot read file: {e}", file=str(path)) from None
    parsed = _pre_parsed(path, text) if pre_parsed else None
    if parsed is not None:
        return parsed
    import yaml

    if _LOADER is None:
        _LOADER = _loader_class()
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SpecError(f"malformed YAML: {e.problem or e}", file=str(path), line=line) from None
    except yaml.YAMLError as e:
        raise SpecError(f"malformed YAML: {e}", file=str(path)) from None


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pre_parsed(path: Path, text: str) -> Any:
    """``path``'s content from its folder's pre-parsed form when that holds this very text, else None."""
    import json

    folder = path.parent
    left = _PARSED.get(folder)
    if left is None or path.name not in left:  # each value is handed out once (callers may change it)
        try:
            left = json.loads((folder / PARSED_NAME).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        _PARSED[folder] = left
    entry = left.pop(path.name, None)
    if not isinstance(entry, dict) or entry.get("sha256") != _sha256(text):
        return None
    return entry.get("content")


def pre_parse(folder: str | Path) -> dict[str, Any]:
    """The pre-parsed form of every ``*.yaml`` file in ``folder`` (what ``write_pre_parsed`` stores): each
    file's SHA-256 and parsed content (in the file's key order), for files whose content JSON keeps exactly."""
    import json

    folder = Path(folder)
    files: dict[str, Any] = {}
    for p in sorted(folder.glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        content = read_yaml(p, pre_parsed=False)
        try:
            kept = json.loads(json.dumps(content)) == content
        except (TypeError, ValueError):  # dates, sets, ... : the file stays with YAML
            kept = False
        if kept:
            files[p.name] = {"sha256": _sha256(text), "content": content}
    return {"format": 1, "files": files}


def write_pre_parsed(folder: str | Path) -> Path:
    """Write ``folder``'s pre-parsed form (run after editing a bundled schema; a test checks it is current)."""
    import json

    out = Path(folder) / PARSED_NAME
    out.write_text(json.dumps(pre_parse(folder), indent=1) + "\n", encoding="utf-8")
    return out


def detect_type_key(d: dict) -> str | None:
    """'data_type' or 'neurodata_type' if the dict (or any nested spec) uses that spelling, else None."""
    for tk in TYPE_KEYS:
        if f"{tk}_def" in d or f"{tk}_inc" in d:
            return tk
    for kind in ("groups", "datasets"):
        for sub in d.get(kind) or ():
            if isinstance(sub, dict):
                found = detect_type_key(sub)
                if found:
                    return found
    return None


def _line(d: Any) -> int | None:
    return getattr(d, "line", None)


def _fail(msg: str, d: Any, ctx: "_Ctx", key: str | None) -> SpecError:
    return SpecError(msg, file=ctx.file, data_type=ctx.data_type, key=key, line=_line(d))


class _Ctx:
    """Where we are while converting: file and the enclosing top-level type."""

    __slots__ = ("file", "data_type")

    def __init__(self, file: str | None, data_type: str | None) -> None:
        self.file = file
        self.data_type = data_type


def _check_mapping(d: Any, allowed: set[str], what: str, ctx: _Ctx) -> None:
    if not isinstance(d, dict):
        raise _fail(f"{what} must be a mapping, got {type(d).__name__} {d!r}", d, ctx, None)
    extra = set(d) - allowed
    if extra:
        raise _fail(f"unknown key(s) {sorted(extra)} in {what}; allowed: {sorted(allowed)}",
                    d, ctx, sorted(extra)[0])


def _list(d: dict, key: str, ctx: _Ctx) -> list:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _fail(f"{key!r} must be a list, got {type(v).__name__}", d, ctx, key)
    return v


def _build(cls: type, kwargs: dict, d: dict, ctx: _Ctx) -> Any:
    """Call a model constructor, turning its SpecError into one that names file and line."""
    try:
        with as_written():
            return cls(**kwargs)
    except SpecError as e:
        if e.file is not None:
            raise
        sub = e.data_type if e.data_type and e.data_type != ctx.data_type else None
        msg = f"in {sub!r}: {e.detail}" if sub else e.detail
        raise SpecError(msg, file=ctx.file, data_type=ctx.data_type or e.data_type, key=e.key, line=_line(d)) from None


def _normalise_type_keys(d: dict, ctx: _Ctx, what: str) -> dict:
    """Copy of `d` with neurodata_type_* renamed to data_type_*; both spellings at once is an error."""
    out = dict(d)
    for suffix in ("_def", "_inc"):
        nkey = f"neurodata_type{suffix}"
        if nkey in out:
            if f"data_type{suffix}" in out:
                raise _fail(f"{what} has both 'data_type{suffix}' and '{nkey}'", d, ctx, nkey)
            out[f"data_type{suffix}"] = out.pop(nkey)
    return out


def _normal(kwargs: dict, *, compound: bool, label: str | None) -> dict:
    """Values as the file gives them (as hdmf keeps them); a {target_type, reftype} or compound dtype
    becomes RefSpec / DtypeSpec objects."""
    v = kwargs.get("dtype")
    if isinstance(v, dict):
        kwargs["dtype"] = RefSpec.from_dict(v, label=label)
    elif isinstance(v, list) and compound:
        fields = []
        for f in v:
            if not isinstance(f, dict):
                raise SpecError(f"compound dtype fields must be mappings, got {f!r}", data_type=label, key="dtype")
            fields.append(DtypeSpec.from_dict(f, label=label))
        kwargs["dtype"] = fields
    return kwargs


#: each kind of spec: its class, and the kind of the sub-specs under each key that holds them
_KINDS: dict[str, Any] = {"attribute": AttributeSpec, "link": LinkSpec, "dataset": DatasetSpec, "group": GroupSpec}
_SUBS = {"attributes": "attribute", "datasets": "dataset", "groups": "group", "links": "link"}


def _spec(d: Any, ctx: _Ctx, kind: str) -> Any:
    """One spec of ``kind`` from its YAML dict (sub-specs too): the keys its constructor takes, type keys in
    either spelling; a missing required key is the constructor's located error."""
    cls = _KINDS[kind]
    what = f"an {kind} spec" if kind == "attribute" else f"a {kind} spec"
    if not isinstance(d, dict):
        raise _fail(f"{what} must be a mapping, got {type(d).__name__} {d!r}", d, ctx, None)
    nd = _normalise_type_keys(d, ctx, what)
    _check_mapping(nd, set(cls._ARGS) - {"parent"}, what, ctx)
    kwargs = {k: nd.get(k) for k in ("name", "doc", "dtype", "target_type") if k in cls._ARGS}
    kwargs.update((k, v) for k, v in nd.items() if k not in _SUBS)
    if kwargs.get("data_type_def") is not None and kwargs.get("data_type_def") == kwargs.get("data_type_inc"):
        raise _fail(f"type {kwargs['data_type_def']!r} cannot include itself", d, ctx, "data_type_inc")
    try:
        kwargs = _normal(kwargs, compound=kind == "dataset",
                         label=kwargs.get("data_type_def") or kwargs.get("name") or kwargs.get("data_type_inc"))
    except SpecError as e:
        raise _fail(e.detail, d, ctx, e.key) from None
    for key, sub in _SUBS.items():
        if key in cls._ARGS:
            kwargs[key] = [_spec(x, ctx, sub) for x in _list(d, key, ctx)]
    return _build(cls, kwargs, d, ctx)


def spec_from_dict(d: dict, kind: str, *, file: str | None = None) -> Spec:
    """Build a GroupSpec (kind='group') or DatasetSpec (kind='dataset') from its YAML/JSON dict."""
    if kind not in ("group", "dataset"):
        raise ValueError(f"kind must be 'group' or 'dataset', got {kind!r}")
    dt = None
    if isinstance(d, dict):
        dt = d.get("data_type_def") or d.get("neurodata_type_def")
        dt = dt if isinstance(dt, str) else None
    return _spec(d, _Ctx(file, dt), kind)


def specs_from_source(doc: Any, *, file: str | None = None) -> list[Spec]:
    """The top-level specs of one source file's content ({'groups': [...], 'datasets': [...]})."""
    ctx = _Ctx(file, None)
    if not isinstance(doc, dict):
        raise _fail(f"a spec source must be a mapping with 'groups' and/or 'datasets', got {type(doc).__name__}",
                    doc, ctx, None)
    _check_mapping(doc, {"groups", "datasets"}, "a spec source", ctx)
    out: list[Spec] = []
    for kind, key in (("group", "groups"), ("dataset", "datasets")):
        for d in _list(doc, key, ctx):
            spec = spec_from_dict(d, kind, file=file)
            if spec.data_type_def is None:
                raise _fail(f"top-level {kind} specs must define a type (data_type_def)", d, ctx, "data_type_def")
            out.append(spec)
    return out

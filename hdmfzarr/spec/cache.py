"""The spec cache stored inside files and stores, one layout for every backend.

hdmf-zarr and hdmf/pynwb HDF5 files keep the namespaces a file was written with at
``/specifications/<namespace>/<version>/<source>``, one JSON document per source; the ``namespace``
source holds ``{"namespaces": [<the namespace's own description>]}``. In memory a cache is the dict
``NamespaceCatalog.to_cache()`` returns: ``{name: {"version", "namespace", "sources": {source: doc}}}``
with ``namespace`` the namespace's own description. Backends only list, read and write the documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .. import errors

__all__ = ["CACHE_GROUP", "NAMESPACE_SOURCE", "version_key", "encode_cache", "latest_sources", "decode_cache",
           "own_description"]

#: the group holding the cache (hdmf's default; a root ``.specloc`` attribute may name another)
CACHE_GROUP = "specifications"
#: the source name of each namespace's own description
NAMESPACE_SOURCE = "namespace"


def version_key(version: str) -> tuple[tuple[int, Any], ...]:
    """Sort key of a version string: numeric parts compare as numbers (``1.10.0`` after ``1.9.0``)."""
    parts = version.replace("-", ".").replace("+", ".").split(".")  # (str methods: no regex compiled at first use)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def encode_cache(namespaces: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``(namespace, version, source, compact JSON)`` of every document to store for a cache dict."""
    out: list[tuple[str, str, str, str]] = []
    for name, entry in namespaces.items():
        ns_doc = entry.get("namespace") or {}
        docs = {NAMESPACE_SOURCE: ns_doc if "namespaces" in ns_doc else {"namespaces": [ns_doc]},
                **dict(entry.get("sources") or {})}
        out += [(name, str(entry.get("version") or "unversioned"), source.replace("/", "_"),
                 json.dumps(doc, separators=(",", ":"))) for source, doc in docs.items()]
    return out


def latest_sources(paths: Iterable[str], base: str = CACHE_GROUP) -> list[tuple[str, str, str]]:
    """``(namespace, version, source)`` of the documents to read from the paths of a listing under
    ``base``: only the latest version of each namespace (by version order, not listing order)."""
    by_ns: dict[str, dict[str, list[str]]] = {}
    prefix = base.strip("/") + "/"
    for path in (p.strip("/") for p in paths):
        parts = path[len(prefix):].split("/")
        if path.startswith(prefix) and len(parts) == 3:
            by_ns.setdefault(parts[0], {}).setdefault(parts[1], []).append(parts[2])
    latest = {name: max(versions, key=version_key) for name, versions in by_ns.items()}
    return [(name, version, source) for name, version in latest.items() for source in by_ns[name][version]]


def decode_cache(items: Iterable[tuple[str, str, str, Any]], where: str) -> dict[str, Any]:
    """The cache dict from ``(namespace, version, source, JSON text or parsed document)``; namespaces
    without a ``namespace`` document are left out. Bad JSON raises CorruptStoreError naming the document."""
    out: dict[str, Any] = {}
    for name, version, source, text in items:
        try:
            doc = json.loads(text) if isinstance(text, (str, bytes)) else text
        except (ValueError, UnicodeDecodeError) as exc:
            raise errors.CorruptStoreError(
                f"{where}/{name}/{version}/{source}: cached spec is not JSON ({exc})") from exc
        entry = out.setdefault(name, {"version": version, "namespace": None, "sources": {}})
        if source == NAMESPACE_SOURCE:
            entry["namespace"] = own_description(doc, name)
        else:
            entry["sources"][source] = doc
    return {k: v for k, v in out.items() if v["namespace"] is not None}


def own_description(doc: Any, name: str) -> Any:
    """The namespace's own description out of hdmf's ``{"namespaces": [...]}`` wrapping."""
    if isinstance(doc, dict) and isinstance(doc.get("namespaces"), list):
        items = [n for n in doc["namespaces"] if isinstance(n, dict)]
        return next((n for n in items if n.get("name") == name), items[0] if items else None)
    return doc

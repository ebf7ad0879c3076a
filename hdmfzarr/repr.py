"""Notebook views of containers: a collapsible HTML tree (``_repr_html_``) that never reads a dataset whole. Values
are read (a bounded selection) only in sections open when shown: a few chunk reads from S3, not one per object."""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
from typing import Any

import numpy as np

from hdmfzarr.dataio import Deferred, held_reads, is_lazy_array

__all__ = ["html_repr", "array_summary", "PREVIEW_ROWS", "PREVIEW_ITEMS"]

PREVIEW_ROWS = 5  # table rows (and leading array rows) shown
PREVIEW_ITEMS = 6  # elements shown per ragged cell / per trailing array axis
MAX_CHILDREN = 50  # children listed per group before "... and N more"
MAX_DEPTH = 8
MAX_TEXT = 60

_STYLE = (
    "<style>.hdmfzarr-repr details{margin-left:1em}.hdmfzarr-repr summary{cursor:pointer}"
    ".hdmfzarr-repr .t{color:#6a6a6a}.hdmfzarr-repr table{border-collapse:collapse;font-size:90%}"
    ".hdmfzarr-repr td,.hdmfzarr-repr th{border:1px solid #ddd;padding:2px 6px;text-align:left}"
    ".hdmfzarr-repr ul{margin:0.2em 0;padding-left:1.5em}</style>"
)


def _kind(obj: Any) -> str | None:
    """What ``obj`` is drawn as: its class's ``repr_kind`` (so this module imports no container class)."""
    return getattr(type(obj), "repr_kind", None)


def _esc(value: Any) -> str:
    import html  # on first view, not when containers are imported (with html.entities: ~2 ms of a cold open)

    return html.escape(str(value), quote=True)


def _short(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def array_summary(value: Any) -> dict[str, Any]:
    """Shape, dtype, chunks, uncompressed size and where a value lives, from metadata only (nothing is read)."""
    if isinstance(value, (list, tuple)):
        return {"shape": (len(value),), "dtype": "list", "storage": "in memory"}
    if not (lazy := is_lazy_array(value)) and not isinstance(value, np.ndarray):
        return {} if value is None else {"shape": (), "dtype": type(value).__name__, "storage": "in memory"}
    shape = tuple(value.shape)
    dtype = getattr(value, "dtype", None)
    out: dict[str, Any] = {"shape": shape, "dtype": "?" if dtype is None else str(dtype)}
    if lazy and (chunks := getattr(value, "chunks", None)) is not None:
        chunks = tuple(chunks)
        if chunks and isinstance(chunks[0], tuple):  # dask: per-axis block sizes -> the first block's
            chunks = tuple(c[0] if c else 0 for c in chunks)
        out["chunks"] = chunks
        if chunks and all(isinstance(c, int) and c for c in chunks) and len(chunks) == len(shape):
            out["n_chunks"] = math.prod(math.ceil(s / c) if s else 0 for s, c in zip(shape, chunks))
    if lazy:
        where = getattr(value, "path", None)
        out["storage"] = f"lazy ({where})" if where else f"lazy {type(value).__name__}"
        if isinstance(compression := getattr(value, "compression", None), str):
            out["compression"] = compression
    out.setdefault("storage", "in memory")
    if dtype is None:  # no itemsize to size it by: unknown (None), not guessed (np.dtype(None) is float64)
        out["nbytes"] = None
        return out
    with contextlib.suppress(TypeError):  # the size of fixed-width dtypes (text and objects have none)
        dt = np.dtype(dtype)
        if dt.kind not in "OTU" and dt.itemsize:
            out["nbytes"] = math.prod(out["shape"]) * dt.itemsize
    return out


def _size_text(info: dict[str, Any]) -> str:
    """``1.5 MiB``, ``unknown`` (no dtype to size it by) or '' (no fixed size: text, objects)."""
    if "nbytes" not in info:
        return ""
    return "unknown" if info["nbytes"] is None else format_bytes(info["nbytes"])


def format_bytes(n: int) -> str:
    """``1.5 MiB`` (powers of 1024): sizes in the notebook view and ``hdmfzarr tree``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"  # compiled on first view


def readable_datetime(value: Any) -> str | None:
    """``2024-01-02 03:04:05 UTC`` for a datetime, date, numpy datetime64 or ISO 8601 string; else None."""
    if isinstance(value, np.datetime64):
        value = str(value)
    if isinstance(value, str):
        if not re.match(_ISO, value.strip()):
            return None
        try:
            value = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, _dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
        zone = value.strftime("%z")  # '' when naive, else e.g. '+0000' or '-0130'
        return text + ("" if not zone else " UTC" if zone == "+0000" else f" UTC{zone[:3]}:{zone[3:5]}")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return None


def _preview_array(obj: Any | None, value: Any) -> str:
    """The first rows/elements of an array as text (a bounded read; '' if it cannot be read)."""
    try:
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return _fmt_seq(list(value[:PREVIEW_ROWS]), len(value))
        shape = tuple(getattr(value, "shape", ()))
        if not shape:
            return _fmt_cell(value[()] if hasattr(value, "__getitem__") else value)
        if obj is not None and hasattr(obj, "read") and len(shape) == 1:  # BufferedData: includes pending rows
            head, total = obj.read(slice(0, PREVIEW_ROWS)), len(obj)
        else:
            head, total = value[(slice(0, PREVIEW_ROWS),) + (slice(0, PREVIEW_ITEMS),) * (len(shape) - 1)], shape[0]
        arr = np.asarray(head)
        if arr.ndim <= 1:
            return _fmt_seq(list(arr), total)
        rows = [_fmt_seq(list(r), shape[1]) for r in head]
        more = f", … ({total} rows)" if total > len(rows) else ""
        return "[" + ", ".join(rows) + more + "]"
    except Exception as exc:  # a preview must never break the view
        return f"(preview unavailable: {type(exc).__name__})"


def _fmt_cell(value: Any) -> str:
    if isinstance(value, Deferred):
        return "…" if not value.done else _fmt_cell(value.get())  # not read yet: a folded section reads nothing
    if (when := readable_datetime(value)) is not None:
        return when
    if isinstance(value, (bytes, np.bytes_)):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text if any(c in text for c in ".eni") else text + ".0"  # 0.0 stays a float
    if isinstance(value, str):
        return repr(_short(value, 40))
    if _kind(value) is not None:
        return f"<{type(value).__name__} {value.name!r}>"
    if isinstance(value, np.ndarray):
        return _fmt_seq(list(value[:PREVIEW_ITEMS]) if value.ndim else [value[()]], len(value) if value.ndim else 1)
    target = getattr(value, "target", None)
    if target is not None and hasattr(target, "path"):  # a reference builder
        return f"→ {target.path}"
    return _short(repr(value), 40)


def _fmt_seq(items: list[Any], total: int) -> str:
    shown = ", ".join(_fmt_cell(v) for v in items[:PREVIEW_ITEMS])
    more = f", … ({total} items)" if total > min(len(items), PREVIEW_ITEMS) else ""
    return f"[{shown}{more}]"


def _meta_text(info: dict[str, Any]) -> str:
    n = info.get("n_chunks")
    chunks = info.get("chunks") is not None and f"chunks {info['chunks']}" + ("" if n is None else f" ({n} chunks)")
    parts = ("shape" in info and f"shape {info['shape']}", "dtype" in info and f"dtype {info['dtype']}", chunks,
             "nbytes" in info and "size " + _size_text(info),
             info.get("compression") and f"compressed with {info['compression']}", info.get("storage"))
    return ", ".join(p for p in parts if p)


class _Renderer:
    """Builds the HTML for one object tree: each container is expanded under its parent only (links are named)."""

    def render(self, obj: Any, depth: int = 0, label: str | None = None, open_: bool = True) -> str:
        """``obj`` as a <details> section; values are read only if ``open_`` (a folded section's children fold)."""
        draw = {"table": self.table, "data": self.data, "index": self.data, "region": self.data}.get(_kind(obj) or "")
        return (draw or self.group)(obj, depth, label, open_)

    def _title(self, obj: Any, label: str | None, extra: str = "") -> str:
        prefix = f"{_esc(label)}: " if label and label != obj.name else ""
        src = getattr(obj, "container_source", None) if obj.parent is None else None
        source = f" <span class='t'>from {_esc(src)}</span>" if src else ""
        return f"{prefix}<b>{_esc(obj.name)}</b> <span class='t'>{_esc(type(obj).__name__)}</span>{extra}{source}"

    def _attr_items(self, obj: Any, skip: set[str], live: bool = True) -> list[str]:
        items = []
        with contextlib.nullcontext() if live else held_reads():  # folded: stored values not read yet stay so
            fields = obj.fields
        for key, value in fields.items():
            if key in skip or _kind(value) is not None or _is_container_list(value):
                continue
            if is_lazy_array(value) or isinstance(value, np.ndarray) and value.ndim:
                preview = _preview_array(None, value) if live or not is_lazy_array(value) else ""
                items.append(f"<li>{_esc(key)}: <span class='t'>{_esc(_meta_text(array_summary(value)))}</span> "
                             f"{_esc(preview)}</li>")
            else:
                items.append(f"<li>{_esc(key)}: {_esc(_fmt_cell(value))}</li>")
        return items

    def _children(self, obj: Any, depth: int, skip_ids: set[int]) -> list[str]:
        """Items for the containers ``obj`` holds, each once: links and objects shown before are named, not expanded."""
        with held_reads():  # only the children are needed here
            fields = obj.fields
        pairs: list[tuple[str | None, Any]] = []
        for key, value in fields.items():
            if _kind(value) is not None:
                pairs.append((key, value))
            elif _is_container_list(value):
                pairs.extend((None, v) for v in (value.values() if isinstance(value, dict) else value))
        found: dict[int, tuple[str | None, Any]] = {}
        for key, child in pairs + [(None, c) for c in obj.children]:
            if id(child) not in skip_ids:
                found.setdefault(id(child), (key, child))
        out = []
        for key, child in list(found.values())[:MAX_CHILDREN]:
            if child.parent is not obj:  # a link: name it, do not expand
                out.append(f"<li>{_esc(key or child.name)} → link to <b>{_esc(getattr(child, 'name', '?'))}</b> "
                           f"<span class='t'>{_esc(type(child).__name__)}</span></li>")
            elif depth >= MAX_DEPTH:
                out.append(f"<li>{self._title(child, key)} …</li>")
            else:
                out.append(self.render(child, depth + 1, key, open_=False))
        if len(found) > MAX_CHILDREN:
            out.append(f"<li>… and {len(found) - MAX_CHILDREN} more</li>")
        return out

    def group(self, obj: Any, depth: int, label: str | None, open_: bool) -> str:
        parts = (self._attr_items(obj, set(), open_), self._children(obj, depth, set()))
        return _details(self._title(obj, label), "".join(_ul(items) for items in parts if items), open_)

    def data(self, obj: Any, depth: int, label: str | None, open_: bool) -> str:
        raw = obj.base_data
        info = array_summary(raw)
        with contextlib.suppress(TypeError):  # buffered rows not stored yet count
            if raw is not None and getattr(raw, "shape", (0,)) != () and info.get("shape"):
                info["shape"] = (len(obj),) + tuple(info["shape"][1:])
        lazy = is_lazy_array(raw)
        preview = _preview_array(obj, raw) if open_ or not lazy else ""
        values = [f"<li>values: <code>{_esc(preview)}</code></li>"] if preview else [_NOT_READ] if lazy else []
        body = _ul(values + self._attr_items(obj, {"data"}, open_))
        return _details(self._title(obj, label, f" <span class='t'>{_esc(_meta_text(info))}</span>"), body, open_)

    def table(self, table: Any, depth: int, label: str | None, open_: bool) -> str:
        nrows = len(table)
        desc = f"<ul><li>description: {_esc(_short(table.description, 200))}</li></ul>"
        body = desc + _details("columns", self._column_table(table, open_), False)
        kids = self._children(table, depth, {id(c) for c in (table.id, *table.columns)})
        if open_ or not any(is_lazy_array(c.base_data) for c in (table.id, *table.columns)):  # rows cost reads
            body += _details(f"first {min(nrows, PREVIEW_ROWS)} of {nrows} rows", self._head(table), True)
        else:
            body += _ul([_NOT_READ])
        body += _ul(kids) if kids else ""
        extra = f" <span class='t'>{nrows} rows × {len(table.colnames)} columns</span>"
        return _details(self._title(table, label, extra), body, open_)

    def _column_table(self, table: Any, live: bool) -> str:
        rows = []
        for obj in (table.id, *table.columns):
            raw = obj.base_data
            info = array_summary(raw)
            shape = (len(obj),) + tuple(info.get("shape", (0,))[1:])
            target, region = getattr(obj, "target", None), getattr(obj, "table", None)
            kind = type(obj).__name__ + ("" if target is None else f" → {target.name}")
            kind += "" if region is None else f" → table {region.name}"
            # a stored object column learns its element type from its first value: read only when open
            dtype: Any = None
            if live or not is_lazy_array(raw) or getattr(raw, "dtype", None) != np.dtype(object):
                with contextlib.suppress(Exception):  # a description must never break the view
                    dtype = obj.spec_dtype or obj.dtype  # a numpy dtype is falsy: kept as the last operand
            dtype = info.get("dtype", "") if dtype is None or dtype == "" else str(dtype)
            size = _size_text(info)
            rows.append((obj.name, kind, dtype, shape, info.get("chunks", ""), size,
                         info.get("compression", ""), _short(getattr(obj, "description", "") or "", 80)))
        return _table(("column", "type", "dtype", "shape", "chunks", "size", "compression", "description"), rows)

    def _head(self, table: Any) -> str:
        n = min(len(table), PREVIEW_ROWS)
        names = ("id", *table.colnames)
        if n == 0:
            return _table(names, []) + "<i>no rows</i>"
        try:
            cells = [head_cells(table.get_column(name), n) for name in names]  # the ids too
        except Exception as exc:  # a preview must never break the view
            return _table(names, []) + f"<i>preview unavailable: {_esc(type(exc).__name__)}: {_esc(exc)}</i>"
        more = f"<i>… {len(table) - n} more rows</i>" if len(table) > n else ""
        return _table(names, list(zip(*cells))) + more


def head_cells(top: Any, n: int) -> list[str]:
    """Text of the first ``n`` cells of a column, reading at most ``PREVIEW_ITEMS`` values per ragged row."""
    if _kind(top) != "index":
        values = top.read(slice(0, n))
        if _kind(top) == "region":
            return [f"→ row {int(v)}" for v in np.asarray(values).reshape(-1)]
        return [_fmt_cell(v) for v in (values if isinstance(values, list) else list(np.asarray(values)))]
    ends = np.asarray(top.get_offsets(slice(0, n)), dtype=np.int64)
    starts = np.concatenate([[0], ends[:-1]])
    target, bounds = top.target, list(zip(starts.tolist(), ends.tolist()))
    if _kind(target) == "index":
        return [f"[{e - s} lists]" for s, e in bounds]
    prefix = "→ rows " if _kind(target) == "region" else ""
    heads = [list(np.asarray(target.read(slice(s, min(e, s + PREVIEW_ITEMS))))) for s, e in bounds]
    return [prefix + _fmt_seq([int(v) for v in h] if prefix else h, e - s) for h, (s, e) in zip(heads, bounds)]


_NOT_READ = "<li><i>values not read while folded: display this object on its own to see them</i></li>"


def _ul(items: list[str]) -> str:
    return "<ul>" + "".join(items) + "</ul>"


def _table(header: Any, rows: list[Any]) -> str:
    """An HTML table of ``header`` and ``rows`` (sequences of cells; every cell escaped)."""
    head = "<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head}{body}</table>"


def _details(summary_html: str, body_html: str, open_: bool) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary_html}</summary>{body_html}</details>"


def _is_container_list(value: Any) -> bool:
    """A list of containers, or a name-keyed mapping of them (``Children``)."""
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and bool(value) and all(_kind(v) is not None for v in value)


def html_repr(obj: Any) -> str:
    """The notebook view of a container: a collapsible tree; tables show their columns and first rows."""
    return f"<div class='hdmfzarr-repr'>{_STYLE}{_Renderer().render(obj)}</div>"

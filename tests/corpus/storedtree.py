"""What a store holds, as hdmfzarr's reader gives it (the raw level, which the corpus checks equal to
hdmf-zarr's own read): every group, dataset, link and attribute by path, each dataset's dtype, dimension
names, shape and values, references by their target's path, and the cached namespace versions. Two stores hold the same when their
:func:`stored` forms are equal; :func:`differences` lists where they are not."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

#: attributes that describe the encoding, not what is stored (format 2's zarr_dtype, format 3's _DTYPE, ...)
ENCODING_ATTRS = frozenset({"zarr_dtype", "_DTYPE", "_REFERENCE_FIELDS", ".specloc"})


def _value(v: Any) -> Any:
    from hdmfzarr.build.builders import Builder, ReferenceBuilder

    if isinstance(v, ReferenceBuilder):
        return ("ref", v.path)
    if isinstance(v, Builder):
        return ("ref", v.path)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return [_value(tuple(r)) for r in v.reshape(-1)]
        return [_value(x) for x in v.tolist()] if v.dtype.kind == "O" else _value(v.tolist())
    if isinstance(v, np.generic):
        return _value(v.item())
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, float):  # tagged: 10.0 and 10 are different attributes for the peers
        return ("float", v if math.isfinite(v) else repr(v))
    return v


def _dtype(d: Any) -> Any:
    if isinstance(d, list):
        return [(f.name, f.dtype) for f in d]
    return None if d is None else str(d)


def stored(path: Path | str, skip: tuple[str, ...] = ("/specifications",)) -> dict[str, Any]:
    """``{path: description}`` of everything in the store at ``path``."""
    from hdmfzarr import ZarrIO
    from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder, LinkBuilder

    out: dict[str, Any] = {}
    with ZarrIO(str(path)) as io:
        out["/specifications"] = ("cached namespaces", {ns: c["version"] for ns, c in io.spec_cache().items()})
        todo = [io.read_builder()]
        while todo:
            node = todo.pop()
            where = node.path
            if where.startswith(skip):
                continue
            attrs = {k: _value(v) for k, v in node.attributes.items() if k not in ENCODING_ATTRS}
            if isinstance(node, LinkBuilder):
                out[where] = ("link", _value(node.target))
            elif isinstance(node, DatasetBuilder):
                data = node.data
                values = data[()] if getattr(data, "shape", None) == () else data[:] if hasattr(data, "shape") else data
                out[where] = ("dataset", attrs, _dtype(node.dtype), node.dims, list(np.shape(values)) if
                              not isinstance(values, list) else [len(values)], _value(values))
            elif isinstance(node, GroupBuilder):
                out[where] = ("group", attrs)
                todo += list(node.groups.values()) + list(node.datasets.values()) + list(node.links.values())
    return out


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?$")


def _all_iso(values: Any) -> bool:
    items = values if isinstance(values, list) else [values]
    return bool(items) and all(isinstance(v, str) and _ISO.match(v) for v in items)


def _same(want: Any, got: Any, format2: bool) -> bool:
    if want == got:
        return True
    if format2 and want is not None and got is not None and want[0] == got[0] == "dataset":
        # hdmf-zarr 0.13 stores isodatetime datasets as bytes (zarr_dtype "bytes"), and so does format 2
        return want[2] == "text" and got[2] == "ascii" and _all_iso(want[5]) and (
            want[:2] + want[3:] == got[:2] + got[3:])
    return False


def differences(want: dict[str, Any], got: dict[str, Any], format2: bool = False) -> list[str]:
    """Where two :func:`stored` forms differ (empty: the stores hold the same). ``format2``: ``got`` is a
    Zarr format-2 store, whose isodatetime datasets are bytes as hdmf-zarr 0.13 writes them."""
    return [f"{p}: {str(want.get(p))[:300]}\n    -> {str(got.get(p))[:300]}"
            for p in sorted(set(want) | set(got)) if not _same(want.get(p), got.get(p), format2)]

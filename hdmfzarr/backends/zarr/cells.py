"""Appended rows the zarr array API does not write: a format-2 object array's JSON cells (written here as
raw keys, for :class:`~hdmfzarr.backends.zarr.transaction.Transaction`), and compound records fitted to the
stored fixed-width fields."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ...errors import StoreError
from . import convention as conv

__all__ = ["write_cells", "write_object_chunks", "fit_records"]


def write_cells(txn: Any, job: Any, plan: dict[str, Any]) -> None:
    """New rows of a v2 object array (JSON cells, as hdmf-zarr 0.13 and our format-2 writer store references;
    pickled ones are refused before anything is written), then the grown array document."""
    shape = tuple(int(s) for s in plan["doc"]["shape"])
    write_object_chunks(txn.handle, txn.conv, job.path, plan["cells"], shape, plan["values"], plan["write_from"],
                        f"{txn.url}:/{job.path}", job.label)
    for key, document in [*plan["extra"], (txn.conv.array_document_key(job.path), plan["doc"])]:
        txn.handle.set(key, txn.conv.encode_commit_document(document))


def write_object_chunks(handle: Any, convention: Any, path: str, meta: dict[str, Any], shape: tuple[int, ...],
                        rows: Any, lo: int, where: str, label: str = "") -> None:
    """Rows ``lo`` onwards of the v2 object array at ``path`` (``meta``: its chunks and codecs; ``shape``: its shape
    with them) as raw chunk keys in the JSON object codec: a partly filled chunk is decoded, completed, rewritten."""
    import numcodecs

    from .legacy import decode_v2_chunk, v2_chunk_key

    chunks = tuple(int(c) for c in meta.get("chunks") or meta["shape"])
    sep = meta.get("dimension_separator") or "."
    dtype = conv.Format2.decode_numpy_dtype(meta["dtype"])
    rows = np.asarray(rows, dtype=object) if dtype.names is None else rows
    if rows.ndim == 2 and len(shape) == 1:  # 0.13's records, one cell per row
        packed = np.empty(len(rows), dtype=object)
        packed[:] = [tuple(r) for r in rows.tolist()]
        rows = packed
    if tuple(rows.shape[1:]) != shape[1:]:
        raise StoreError(f"{where}: appended rows of {label!r} have shape {tuple(rows.shape[1:])} per row, "
                         f"stored rows {shape[1:]}")
    compressor = numcodecs.get_codec(meta["compressor"]) if meta.get("compressor") else None
    filters = [f for f in meta.get("filters") or [] if isinstance(f, dict)]

    def encode(block: np.ndarray) -> bytes:  # the object codec (JSON as our writer frames it), compressed
        data: Any = block
        for f in filters:
            obj = f.get("id") in conv.OBJECT_CODECS
            data = convention.encode_object_chunk(block) if obj else numcodecs.get_codec(f).encode(data)
        return compressor.encode(data) if compressor is not None else bytes(data)

    if not shape:  # a 0-d array: one chunk, key "0"
        handle.set(v2_chunk_key(path, (), sep), encode(rows))
        return
    grid = [range(-(-s // c)) for s, c in zip(shape[1:], chunks[1:])]
    for ci in range(lo // chunks[0], (lo + len(rows) - 1) // chunks[0] + 1):
        start = ci * chunks[0]
        for rest in itertools.product(*grid):
            key = v2_chunk_key(path, (ci, *rest), sep)
            block = np.empty(chunks, dtype=dtype)
            if dtype.names is None:
                block[...] = None
            if start < lo:  # the committed cells of a partly filled chunk stay as they are
                raw = handle.get(key)
                if raw is not None:
                    block = decode_v2_chunk(raw, meta, chunks, f"{where} chunk {key!r}").copy()
            a, b = max(lo, start), min(lo + len(rows), start + chunks[0])
            inner = tuple(slice(r * c, (r + 1) * c) for r, c in zip(rest, chunks[1:]))
            part = rows[(slice(a - lo, b - lo), *inner)]
            block[(slice(a - start, b - start), *(slice(0, n) for n in part.shape[1:]))] = part
            handle.set(key, encode(block))


def fit_records(rows: np.ndarray, stored: np.dtype, where: str, label: str) -> tuple[np.ndarray, np.dtype | None]:
    """Compound ``rows`` as the stored records (format 3), or (rows, the records with wider text fields) when the
    stored fixed-width text fields would cut them."""
    names = stored.names or ()
    if rows.dtype.names is None:  # records as tuples (a column of plain compounds)
        try:
            rows = np.array([tuple(r) for r in rows.tolist()], dtype=[(n, object) for n in names])
        except (TypeError, ValueError) as exc:
            raise StoreError(f"{where}: appended rows of {label!r} are not records of {names} ({exc})") from None
    if rows.dtype.names != names:
        raise StoreError(f"{where}: appended records of {label!r} have fields {rows.dtype.names}, stored {names}")
    fields, wider = [], False
    for n in names:
        field = stored[n]
        if field.kind in "US":
            width = field.itemsize // (4 if field.kind == "U" else 1)
            longest = max((len(v if isinstance(v, (str, bytes)) else str(v)) for v in rows[n].tolist()), default=0)
            if longest > width:
                field, wider = np.dtype(f"<U{longest}"), True
        fields.append((n, field))
    try:
        return (rows, np.dtype(fields)) if wider else (rows.astype(stored), None)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{where}: cannot store the appended records of {label!r} as {stored} ({exc})") from None

"""Decompression bombs (issue 14 item 5): a small chunk that decompresses to far more than its array's
metadata declares is refused with CorruptStoreError naming the array, without allocating the bomb.

Each bomb decodes to ``BOMB`` bytes (128 MiB) for arrays whose chunks hold a few hundred bytes; the
memory peak of the read (tracemalloc, numpy and bytes allocations included) must stay far below it."""

from __future__ import annotations

import functools
import json
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.errors import CorruptStoreError

BOMB = 128 * 2**20
PEAK_LIMIT = 48 * 2**20  # the largest bound here is a text chunk's 16 MiB + 64 KiB per element


@functools.cache
def _zeros_compressed(kind: str) -> bytes:
    """``BOMB`` zero bytes compressed by ``kind``, built in 1 MiB steps where the codec allows."""
    block = bytes(2**20)
    if kind in ("gzip", "zlib"):
        c = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS if kind == "gzip" else zlib.MAX_WBITS)
        return b"".join(c.compress(block) for _ in range(BOMB // len(block))) + c.flush()
    zeros = np.zeros(BOMB, dtype="u1")
    if kind == "zstd":
        return numcodecs.Zstd(level=1).encode(zeros)
    if kind == "blosc":
        return numcodecs.Blosc(cname="zstd", clevel=1).encode(zeros)
    raise ValueError(kind)


def _write(path: Path, fmt: int) -> str:
    root = GroupBuilder("root", attributes={"note": "bombs"})
    root.set_dataset(DatasetBuilder("values", np.arange(20, dtype="float64")))
    root.set_dataset(DatasetBuilder("text", np.array(["a", "b", "c"], dtype=object), dtype="text"))
    root.set_dataset(DatasetBuilder("rate", 2.5, dtype="float64"))  # a scalar: read on first use
    with ZarrIO(str(path), "w", zarr_format=fmt) as io:
        io.write_builder(root)
    return str(path)


def _set_meta(store: Path, fmt: int, name: str, edit: Any) -> None:
    """Apply ``edit`` to the array's metadata document and to its consolidated copy."""
    if fmt == 3:
        doc_path, cons_path = store / name / "zarr.json", store / "zarr.json"
        cons_key = lambda d: d["consolidated_metadata"]["metadata"][name]  # noqa: E731
    else:
        doc_path, cons_path = store / name / ".zarray", store / ".zmetadata"
        cons_key = lambda d: d["metadata"][f"{name}/.zarray"]  # noqa: E731
    doc = json.loads(doc_path.read_text())
    edit(doc)
    doc_path.write_text(json.dumps(doc))
    cons = json.loads(cons_path.read_text())
    edit(cons_key(cons))
    cons_path.write_text(json.dumps(cons))


def _chunk(store: Path, fmt: int, name: str, scalar: bool = False) -> Path:
    if fmt == 3:
        return store / name / "c" if scalar else store / name / "c" / "0"
    return store / name / ("0" if not scalar else "0")


def _compressor(kind: str, fmt: int) -> Any:
    if fmt == 3:
        return {"name": kind, "configuration": {"level": 1, "checksum": False}} if kind == "zstd" else (
            {"name": "gzip", "configuration": {"level": 1}} if kind == "gzip" else
            {"name": "blosc", "configuration": {"cname": "zstd", "clevel": 1, "shuffle": "noshuffle",
                                                "typesize": 1, "blocksize": 0}})
    return {"id": kind, "level": 1} if kind in ("zstd", "gzip", "zlib") else {
        "id": "blosc", "cname": "zstd", "clevel": 1, "shuffle": 0, "blocksize": 0}


def _use(store: Path, fmt: int, name: str, kind: str) -> None:
    def edit(doc: dict) -> None:
        if fmt == 3:
            doc["codecs"] = [c for c in doc["codecs"] if c["name"] not in ("zstd", "gzip", "blosc")]
            doc["codecs"].append(_compressor(kind, fmt))
        else:
            doc["compressor"] = _compressor(kind, fmt)
    _set_meta(store, fmt, name, edit)


def _peak(fn: Any) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        fn()
        err = None
    except Exception as exc:  # noqa: BLE001 - returned for the assertions
        err = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return err, peak


def _read_array(url: str, name: str) -> None:
    with ZarrIO(url, "r") as io:
        np.asarray(io.read_builder()[name].data[0])  # one element


CASES_3 = ["zstd", "gzip", "blosc"]
CASES_2 = ["zstd", "gzip", "zlib", "blosc"]


@pytest.mark.parametrize(("fmt", "kind"), [(3, k) for k in CASES_3] + [(2, k) for k in CASES_2])
def test_chunk_bomb_is_refused_without_allocating_it(tmp_path: Path, fmt: int, kind: str) -> None:
    url = _write(tmp_path / "s.zarr", fmt)
    store = Path(url)
    bomb = _zeros_compressed(kind)
    assert len(bomb) < BOMB / 100  # a real bomb: small on disk
    for name in ("values", "text"):
        _use(store, fmt, name, kind)
        _chunk(store, fmt, name).write_bytes(bomb)
        err, peak = _peak(lambda: _read_array(url, name))
        assert isinstance(err, CorruptStoreError), repr(err)
        assert f"/{name}" in str(err) and "more than" in str(err), str(err)
        assert peak < PEAK_LIMIT, f"{kind} bomb in {name!r}: peak {peak:,} bytes"


@pytest.mark.parametrize("fmt", [3, 2])
def test_scalar_bomb_is_refused_when_the_scalar_is_read(tmp_path: Path, fmt: int) -> None:
    url = _write(tmp_path / "s.zarr", fmt)
    store = Path(url)
    _use(store, fmt, "rate", "zstd")
    _chunk(store, fmt, "rate", scalar=True).write_bytes(_zeros_compressed("zstd"))

    def open_store() -> None:
        with ZarrIO(url, "r") as io:
            root = io.read_builder()  # scalars are read on first use (opening costs no request per object)
            root["rate"].data

    err, peak = _peak(open_store)
    assert isinstance(err, CorruptStoreError) and "/rate" in str(err), repr(err)
    assert peak < PEAK_LIMIT, peak


def test_legacy_json_codec_bomb_is_refused(tmp_path: Path) -> None:
    """hdmf-zarr 0.13's JSON object codec behind a compressor: the JSON text is bounded before parsing."""
    url = _write(tmp_path / "s.zarr", 2)
    store = Path(url)

    def edit(doc: dict) -> None:
        doc["dtype"] = "|O"
        doc["filters"] = [{"id": "json2", "encoding": "utf-8", "skipkeys": False, "ensure_ascii": True,
                           "check_circular": True, "allow_nan": True, "indent": None,
                           "separators": [",", ":"], "sort_keys": True}]
        doc["compressor"] = {"id": "zlib", "level": 1}

    _set_meta(store, 2, "text", edit)
    c = zlib.compressobj(1)
    item = b'"' + b"x" * (2**20 - 3) + b'",'
    body = c.compress(b"[") + b"".join(c.compress(item) for _ in range(BOMB // len(item))) + c.compress(b'"|O",[3]]') + c.flush()
    (store / "text" / "0").write_bytes(body)
    err, peak = _peak(lambda: _read_array(url, "text"))
    assert isinstance(err, CorruptStoreError) and "/text" in str(err) and "more than" in str(err), repr(err)
    assert peak < PEAK_LIMIT, peak


@pytest.mark.parametrize("fmt", [3, 2])
def test_chunks_within_their_bound_still_read(tmp_path: Path, fmt: int) -> None:
    url = _write(tmp_path / "s.zarr", fmt)
    with ZarrIO(url, "r") as io:
        root = io.read_builder()
        assert np.asarray(root["values"].data[...]).tolist() == list(range(20))
        assert list(root["text"].data[...]) == ["a", "b", "c"] and root["rate"].data == 2.5

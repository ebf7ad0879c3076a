"""Escapes from a store (issue 14 item 6): percent-encoded dot segments over HTTP, a literal ``..`` in an
allow-listed URL, and symbolic links from a local store to files beside it — refused on read and in
``convert``, with no request or read outside the store."""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder
from hdmfzarr.cli import convert
from hdmfzarr.errors import UnsafeReferenceError

SECRET = b"aws_secret_access_key = do-not-read-me\n"


class Recorder(http.server.SimpleHTTPRequestHandler):
    """Serves a directory (resolving ``..`` like many servers do) and records every requested path."""

    seen: list[str]

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.seen.append(self.path)
        super().do_GET()

    def do_HEAD(self) -> None:
        self.seen.append(self.path)
        super().do_HEAD()


@pytest.fixture
def site(tmp_path: Path):
    """(directory served, base URL, requested paths)."""
    root = tmp_path / "site"
    (root / "data").mkdir(parents=True)
    seen: list[str] = []
    handler = type("H", (Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _write(path: Path, fmt: int, link_source: str | None = None) -> None:
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("x", np.arange(5, dtype="int64")))
    if link_source is not None:
        root.set_link(LinkBuilder(ExternalTarget(link_source, "/ext"), "ext_link"))
    with ZarrIO(str(path), "w", zarr_format=fmt) as io:
        io.write_builder(root)


def _private(root: Path, fmt: int) -> None:
    other = GroupBuilder("root")
    other.set_dataset(DatasetBuilder("ext", np.arange(3)))
    with ZarrIO(str(root / "private" / "other.zarr"), "w", zarr_format=fmt) as io:
        io.write_builder(other)


@pytest.mark.parametrize("fmt", [3, 2])
@pytest.mark.parametrize("source", ["%2e%2e/%2e%2e/private/other.zarr", "%252e%252e/%252e%252e/private/other.zarr",
                                    "sub/%2E%2E/%2e%2e/%2e%2e/private/other.zarr"])
def test_percent_encoded_dot_segments_in_a_link_source_are_refused(site, fmt: int, source: str) -> None:
    root, base, seen = site
    _private(root, fmt)
    _write(root / "data" / "main.zarr", fmt, source)
    with ZarrIO(f"{base}/data/main.zarr", "r") as io:
        target = io.read_builder().links["ext_link"].target
        with pytest.raises(UnsafeReferenceError, match="leaves the store"):
            io.resolve_external(target)
    assert not [p for p in seen if "private" in p or "%2" in p.lower()], seen


@pytest.mark.parametrize("fmt", [3, 2])
def test_percent_encoded_dot_segments_in_a_consolidated_node_name_are_refused(site, fmt: int) -> None:
    root, base, seen = site
    _private(root, fmt)
    store = root / "data" / "main.zarr"
    _write(store, fmt)
    evil = "%2e%2e/%2e%2e/private/other.zarr/ext"
    if fmt == 3:
        doc = json.loads((store / "zarr.json").read_text())
        meta = doc["consolidated_metadata"]["metadata"]
        meta[evil] = meta["x"]
        (store / "zarr.json").write_text(json.dumps(doc))
    else:
        doc = json.loads((store / ".zmetadata").read_text())
        meta = doc["metadata"]
        meta[f"{evil}/.zarray"] = meta["x/.zarray"]
        meta[f"{evil}/.zattrs"] = meta.get("x/.zattrs", {})
        (store / ".zmetadata").write_text(json.dumps(doc))
    with pytest.raises(UnsafeReferenceError, match="leaves the store"):
        with ZarrIO(f"{base}/data/main.zarr", "r") as io:
            root_builder = io.read_builder()
            for b in root_builder.walk():
                np.asarray(getattr(b, "data", None))
    assert not [p for p in seen if "private" in p or "%2" in p.lower()], seen


@pytest.mark.parametrize("fmt", [3, 2])
def test_literal_dot_dot_inside_an_allow_listed_url_is_refused(site, fmt: int) -> None:
    root, base, seen = site
    _private(root, fmt)
    (root / "data" / "shared").mkdir()
    _write(root / "data" / "main.zarr", fmt, f"{base}/data/shared/../../private/other.zarr")
    with ZarrIO(f"{base}/data/main.zarr", "r", allow_external=[f"{base}/data/shared/"]) as io:
        target = io.read_builder().links["ext_link"].target
        with pytest.raises(UnsafeReferenceError, match=r"'\.\.'"):
            io.resolve_external(target)
    assert not [p for p in seen if "private" in p], seen
    # a clean URL under the allowed prefix is still followed
    _private(root / "data" / "shared", fmt)
    _write(root / "data" / "ok.zarr", fmt, f"{base}/data/shared/private/other.zarr")
    with ZarrIO(f"{base}/data/ok.zarr", "r", allow_external=[f"{base}/data/shared/"]) as io:
        target = io.read_builder().links["ext_link"].target
        assert np.asarray(io.resolve_external(target).data[:]).tolist() == [0, 1, 2]


def _chunk_path(store: Path, fmt: int) -> Path:
    return store / "x" / "c" / "0" if fmt == 3 else store / "x" / "0"


@pytest.mark.parametrize("fmt", [3, 2])
def test_chunk_symlinked_outside_a_local_store_is_refused_on_read_and_in_convert(tmp_path: Path, fmt: int) -> None:
    creds = tmp_path / "credentials"
    creds.write_bytes(SECRET)
    store = tmp_path / "s.zarr"
    _write(store, fmt)
    if fmt == 3:  # an uncompressed array, so the file would be read as data as it is
        for doc_path, get in ((store / "x" / "zarr.json", lambda d: d),
                              (store / "zarr.json", lambda d: d["consolidated_metadata"]["metadata"]["x"])):
            doc = json.loads(doc_path.read_text())
            meta = get(doc)
            meta["codecs"] = [c for c in meta["codecs"] if c["name"] == "bytes"]
            meta["data_type"], meta["shape"] = "uint8", [len(SECRET)]
            meta["chunk_grid"]["configuration"]["chunk_shape"] = [len(SECRET)]
            doc_path.write_text(json.dumps(doc))
    chunk = _chunk_path(store, fmt)
    chunk.unlink()
    os.symlink(creds, chunk)
    with pytest.raises(UnsafeReferenceError, match="outside the store"):
        with ZarrIO(str(store), "r") as io:
            np.asarray(io.read_builder()["x"].data[...])
    dst = tmp_path / "copy.zarr"
    with pytest.raises(UnsafeReferenceError, match="outside the store"):
        convert(str(store), str(dst))
    copied = b"".join(p.read_bytes() for p in dst.rglob("*") if p.is_file()) if dst.exists() else b""
    assert b"do-not-read-me" not in copied


@pytest.mark.parametrize("fmt", [3, 2])
def test_symlinks_inside_the_store_still_read(tmp_path: Path, fmt: int) -> None:
    store = tmp_path / "s.zarr"
    _write(store, fmt)
    chunk = _chunk_path(store, fmt)
    moved = store / "moved-chunk"
    chunk.rename(moved)
    os.symlink(moved, chunk)  # stays inside: allowed
    outside_link = tmp_path / "link-to-store.zarr"
    os.symlink(store, outside_link)  # the store opened through a symlink to it: allowed
    with ZarrIO(str(outside_link), "r") as io:
        assert np.asarray(io.read_builder()["x"].data[...]).tolist() == [0, 1, 2, 3, 4]

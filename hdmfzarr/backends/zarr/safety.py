"""Checks that keep an untrusted store (names leaving it, foreign references, pickle codecs, absurd shapes)
inside its boundaries: UnsafeReferenceError or CorruptStoreError, before any I/O or allocation."""

from __future__ import annotations

import contextlib
import math
import os
import posixpath
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote

from ... import errors

__all__ = [
    "AllowExternal", "MAX_DIM", "check_node_path", "check_object_path", "check_external", "is_local_source",
    "check_codecs", "check_array_meta", "max_read_bytes", "check_read_size", "check_read_chunks", "translate_error",
    "translating", "DecodedSizeError", "max_chunk_bytes", "check_decoded_size",
]

# ``ZarrIO(..., allow_external=...)``: False/None/() = only this store; True = any store;
# a sequence of URL or path prefixes = stores under those prefixes.
AllowExternal = bool | Sequence[str] | None

MAX_DIM = 2**63 - 1  # zarr and numpy index with int64


def _segments(path: str) -> list[str]:
    return path.replace("\\", "/").split("/")


def _decoded(text: str) -> str:
    """``text`` with percent-escapes decoded until stable: an HTTP server decodes ``%2e%2e`` (and
    ``%252e``...) to ``..``, so dot segments are looked for in what the server will see."""
    for _ in range(4):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def _has_dot_segment(path: str) -> bool:
    return any(p in ("..", ".") for p in _segments(_decoded(path)))


def check_node_path(path: Any, url: str, key: str) -> str:
    """A node path named by metadata (consolidated keys), '' for the root; refuses ``..``/absolute."""
    if not isinstance(path, str):
        raise errors.CorruptStoreError(f"{url}: metadata {key!r} names a node by a {type(path).__name__}, not a path")
    stripped = path.strip("/")
    if not stripped:
        return ""
    if "\\" in path or _has_dot_segment(stripped):  # (decoding only adds dot segments)
        raise errors.UnsafeReferenceError(f"{url}: metadata {key!r} names the node {path!r}, which leaves the store")
    if "" in _segments(stripped):
        raise errors.CorruptStoreError(f"{url}: metadata {key!r} names the node {path!r} with an empty path segment")
    return stripped


def check_object_path(path: Any, where: str) -> str:
    """The path of a reference or link target inside a store; refuses ``..`` and non-strings."""
    if not isinstance(path, str) or not path:
        raise errors.CorruptStoreError(f"{where}: reference/link path must be a non-empty string, got {path!r}")
    decoded = _decoded(path)
    if ".." in _segments(decoded) or "\\" in decoded or "\x00" in decoded:
        raise errors.UnsafeReferenceError(f"{where}: reference/link path {path!r} leaves the store")
    return path


def is_local_source(source: str) -> bool:
    """True when ``source`` is a relative path that stays inside the referring store (no URL scheme, no ``C:``)."""
    if not source or os.path.isabs(source):
        return False
    decoded = _decoded(source)  # "%2e%2e/x" is "../x" to an HTTP server
    for text in (source, decoded):
        scheme = "://" in text or "::" in text or (":" in text.split("/", 1)[0] and text[1:2] != ":")
        if scheme or text.startswith(("/", "\\", "~")):
            return False
    norm = posixpath.normpath(decoded.replace("\\", "/"))
    return norm != ".." and not norm.startswith("../")


def _normalise(location: str) -> str:
    """A comparable form of a store URL or local path (local paths absolute, no trailing slash)."""
    loc = location.strip().removeprefix("file://")
    if "://" in loc or "::" in loc:
        return loc.rstrip("/")
    return os.path.normpath(os.path.abspath(os.path.expanduser(loc)))


def check_external(source: Any, target_url: str, allow: AllowExternal, where: str) -> None:
    """Refuse following ``source`` (resolved to ``target_url``) unless it stays inside the store or is allowed."""
    if not isinstance(source, str):
        raise errors.CorruptStoreError(f"{where}: the source of an external reference must be a string, got {source!r}")
    if "\x00" in source:
        raise errors.UnsafeReferenceError(f"{where}: external source {source!r} contains a NUL byte")
    if allow is True or is_local_source(source):
        return
    if allow:
        target = _normalise(target_url)
        if ("://" in target or "::" in target) and _has_dot_segment(target.split("://", 1)[-1]):
            raise errors.UnsafeReferenceError(  # a server resolves "/allowed/../other" outside the allowed prefix
                f"{where}: refusing to follow {source!r} (resolves to {target_url!r}): the URL holds a '..' "
                "or '.' segment, which may leave the allowed prefixes"
            )
        for prefix in [allow] if isinstance(allow, str) else allow:
            prefix = _normalise(prefix)
            if target == prefix or target.startswith(prefix if prefix.endswith("/") else prefix + "/"):
                return
    raise errors.UnsafeReferenceError(
        f"{where}: refusing to follow {source!r} (resolves to {target_url!r}), which leaves the store; "
        "pass allow_external=[prefix, ...] (or True) to ZarrIO to follow references into other stores"
    )


def check_codecs(codecs: list[tuple[str, str]], convention: Any, where: str) -> None:
    """Refuse any pickle codec except one the convention admits (a v2 *filter*, decoded by the restricted unpickler);
    ``codecs``: ``(role, name)`` of an array's codecs (``ArrayDoc.codecs``)."""
    for role, name in codecs:
        if "pickle" in name.lower() and (role, name) not in convention.admitted_codecs:
            raise errors.UnsafeReferenceError(
                f"{where}: the array asks for the {name!r} {role}, which could run code; refusing to decode it"
            )


def _int_list(value: Any, what: str, where: str, minimum: int) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise errors.CorruptStoreError(f"{where}: {what} must be a list of integers, got {value!r}")
    if any(isinstance(v, bool) or not isinstance(v, int) or not minimum <= v <= MAX_DIM for v in value):
        raise errors.CorruptStoreError(f"{where}: {what} must hold integers in [{minimum}, 2**63-1], got {value!r}")
    return tuple(value)


def check_array_meta(doc: Any, convention: Any, where: str) -> tuple[int, ...]:
    """The shape of an array document read into ``doc`` (an ``ArrayDoc`` of ``convention``) after checking its shape
    and chunk shape (types, ranges, ranks), chunk key separator and codecs."""
    shape = _int_list(doc.shape, "shape", where, 0)
    if doc.problem:
        raise errors.CorruptStoreError(f"{where}: {doc.problem}")
    chunks = _int_list(shape if doc.chunks is None else doc.chunks, convention.chunks_name, where,
                       0 if doc.chunks is None else 1)
    if len(chunks) != len(shape):
        raise errors.CorruptStoreError(
            f"{where}: chunk shape {list(chunks)} does not match the rank of shape {list(shape)}")
    if doc.sep not in (".", "/"):
        raise errors.UnsafeReferenceError(f"{where}: chunk key separator {doc.sep!r} is neither '.' nor '/'")
    check_codecs(doc.codecs, convention, where)
    return shape


def _env_int(name: str, default: int) -> int:
    """The integer environment variable ``name``, else ``default`` (unset or not an integer)."""
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


def max_read_bytes() -> int:
    """Largest read a LazyArray allocates: ``HDMFZARR_MAX_READ_BYTES``, else this machine's memory."""
    try:
        memory = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        memory = 16 * 2**30
    return _env_int("HDMFZARR_MAX_READ_BYTES", memory)


def check_read_chunks(n_chunks: int, where: str) -> None:
    """Refuse a read touching more than ``HDMFZARR_MAX_READ_CHUNKS`` (2**20) chunks: minutes of per-chunk work."""
    limit = _env_int("HDMFZARR_MAX_READ_CHUNKS", 2**20)
    if n_chunks > limit:
        raise errors.StoreError(
            f"{where}: the selection touches {n_chunks:,} chunks, more than the {limit:,} allowed in one read "
            "(HDMFZARR_MAX_READ_CHUNKS); read it in parts"
        )


def check_read_size(shape: Sequence[int], itemsize: int, where: str, what: str = "read") -> None:
    """Refuse a read that would allocate more than :func:`max_read_bytes` (absurd or huge shapes)."""
    nbytes = math.prod(shape) * max(1, itemsize)
    limit = max_read_bytes()
    if nbytes > limit:
        raise errors.StoreError(
            f"{where}: a {what} of shape {tuple(shape)} needs {nbytes:,} bytes, more than the "
            f"{limit:,} allowed (this machine's memory or HDMFZARR_MAX_READ_BYTES); read a smaller selection"
        )


def translate_error(exc: BaseException, where: str, what: str) -> errors.StoreError:
    """A failure inside zarr/numcodecs/fsspec as StoreError (I/O problems) or CorruptStoreError (anything else)."""
    if isinstance(exc, errors.StoreError):
        return exc
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, OSError) and not isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return errors.StoreError(f"{where}: cannot {what} ({detail})")
    return errors.CorruptStoreError(f"{where}: cannot {what} ({detail})")


@contextlib.contextmanager
def translating(where: str, what: str) -> Iterator[None]:
    """Project errors raised inside pass through; any other failure becomes :func:`translate_error`'s."""
    try:
        yield
    except errors.HdmfZarrError:
        raise
    except Exception as exc:
        raise translate_error(exc, where, what) from exc


class DecodedSizeError(ValueError):
    """A compressed chunk declares (or decodes to) more bytes than its array's metadata allows
    (raised inside zarr's decoding; the read path turns it into CorruptStoreError naming the array)."""


def max_chunk_bytes(nelements: int, itemsize: int | None) -> int:
    """Most bytes a chunk may decode to: elements x max(itemsize, 8) (filters may widen) + 1 MiB of framing;
    variable-length elements (``itemsize`` None) ``HDMFZARR_MAX_ITEM_BYTES`` each + 16 MiB; at most max_read_bytes."""
    if itemsize is None:
        bound = nelements * _env_int("HDMFZARR_MAX_ITEM_BYTES", 64 * 2**10) + 16 * 2**20
    else:
        bound = nelements * max(itemsize, 8) + 2**20
    return min(bound, max_read_bytes())


def _bounded_stream(make: Any, data: Any, bound: int, what: str) -> int:
    """Decoded size of ``data`` (every member/frame, each through a fresh ``make()`` decompressor),
    decoded in 1 MiB steps and thrown away; raises DecodedSizeError once past ``bound``."""
    step = 2**20
    total = 0
    rest = bytes(data)
    while rest:
        d = make()
        out = d.decompress(rest, step)
        while True:
            total += len(out)
            if total > bound:
                raise DecodedSizeError(f"the {what} chunk decodes to more than {bound:,} bytes, "
                                       "more than its array's metadata allows")
            if d.eof:
                break
            tail = getattr(d, "unconsumed_tail", None)  # zlib: input left; bz2/lzma: output buffered inside
            if tail is not None:
                if not tail and not out:
                    return total  # truncated stream: the codec reports it
                out = d.decompress(tail, step)
            else:
                if d.needs_input:
                    return total
                out = d.decompress(b"", step)
        rest = d.unused_data
    return total


def declared_size(codec: str, data: Any) -> int | None:
    """The decoded size a compressed chunk's header declares (zstd, blosc, lz4; None for other codecs);
    DecodedSizeError for a zstd header that declares none (an unbounded stream)."""
    buf = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
    if codec == "zstd":
        if len(buf) < 5 or bytes(buf[:4]) != b"\x28\xb5\x2f\xfd":
            return None  # not a zstd frame: the codec itself refuses it
        fhd = buf[4]
        fcs_flag, single, dict_flag = fhd >> 6, (fhd >> 5) & 1, fhd & 3
        pos = 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag]
        size = (0 if not single else 1, 2, 4, 8)[fcs_flag]
        if size == 0:
            raise DecodedSizeError("the zstd frame does not declare its decoded size (refusing an unbounded stream)")
        if len(buf) < pos + size:
            return None
        value = int.from_bytes(bytes(buf[pos:pos + size]), "little")
        return value + 256 if size == 2 else value
    if codec == "blosc":
        return int.from_bytes(bytes(buf[4:8]), "little") if len(buf) >= 16 else None
    if codec == "lz4":
        return int.from_bytes(bytes(buf[:4]), "little") if len(buf) >= 4 else None
    return None


def check_decoded_size(codec: str, data: Any, bound: int) -> None:
    """Refuse a compressed chunk that would decode to more than ``bound`` bytes (DecodedSizeError).
    Header-declared sizes are checked for free; gzip/zlib/bz2/lzma are test-decoded in bounded steps."""
    import bz2
    import lzma
    import zlib

    size = declared_size(codec, data)
    if size is not None:
        if size > bound:
            raise DecodedSizeError(f"the {codec} chunk declares {size:,} decoded bytes, more than the {bound:,} "
                                   "its array's metadata allows")
        return
    makers: dict[str, Any] = {
        "gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
        "zlib": lambda: zlib.decompressobj(zlib.MAX_WBITS),
        "bz2": bz2.BZ2Decompressor,
        "lzma": lzma.LZMADecompressor,
    }
    make = makers.get(codec)
    if make is None:
        return
    try:
        _bounded_stream(make, data, bound, codec)
    except DecodedSizeError:
        raise
    except (zlib.error, OSError, EOFError, ValueError):
        return  # not valid data: the codec itself raises its own error

"""The ``hdmfzarr`` command: ``tree`` (show a store), ``validate`` (against cached specs) and
``convert`` (Zarr format 2 <-> 3, and hdmf/pynwb HDF5 -> Zarr), streaming big datasets."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from .build.builders import Builder, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder
from .backends import convert, options_for, stored_chunks
from .backends import open as open_store
from .errors import HdmfZarrError
from .spec.model import declared_type

__all__ = ["main", "parse_storage_options", "format_tree", "convert"]


def parse_storage_options(pairs: list[str] | None) -> dict[str, Any] | None:
    """``["anon=true", "client_kwargs.endpoint_url=http://..."]`` -> nested fsspec options."""
    if not pairs:
        return None
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise HdmfZarrError(f"--storage-option expects key=value, got {pair!r}")
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise HdmfZarrError(f"--storage-option {key!r} conflicts with an earlier value for {p!r}")
        node[leaf] = _parse_value(raw)
    return out


def _parse_value(raw: str) -> Any:
    if raw.lower() in ("true", "false", "none", "null"):
        return {"true": True, "false": False}.get(raw.lower())
    for conv in (int, float):
        with suppress(ValueError):
            return conv(raw)
    return raw


def _stored_sizes(url: str, storage_options: dict[str, Any] | None) -> dict[str, int]:
    """Bytes stored under each node path (one listing of the store; metadata files excluded)."""
    try:
        import fsspec

        from .backends.zarr.convention import METADATA_KEYS

        fs, root = fsspec.core.url_to_fs(url, **(storage_options or {}))  # a local path: made absolute
        listing = fs.find(root, detail=True)
    except Exception:  # sizes are a nicety: no listing, no sizes
        return {}
    root = root.rstrip("/")
    sizes: dict[str, int] = {}
    for key, info in listing.items():
        parts = (key[len(root):].strip("/") if key.startswith(root) else key).split("/")
        if parts[-1] not in METADATA_KEYS:  # each node's size counts in every group above it
            for i in range(len(parts)):
                prefix = "/" + "/".join(parts[:i])
                sizes[prefix] = sizes.get(prefix, 0) + int(info.get("size") or 0)
    return sizes


def format_tree(root: GroupBuilder, sizes: dict[str, int] | None = None) -> Iterator[str]:
    """Lines describing the hierarchy: types, shapes, dtypes, chunking, stored bytes; no data read."""
    from .repr import format_bytes
    from .validate.values import dataset_dtype, dataset_shape, describe_found

    def walk(node: Builder, depth: int) -> Iterator[str]:
        pad = "  " * depth
        name = "/" if node.parent is None else node.name
        if isinstance(node, LinkBuilder):
            target = node.target
            where = f"{target.source}:{target.path}" if isinstance(target, ExternalTarget) else target.path
            yield f"{pad}{name} -> {where}"
            return
        parts = [f"{pad}{name}{'/' if isinstance(node, GroupBuilder) and node.parent is not None else ''}"]
        if (found := declared_type(node.attributes)) is not None:
            parts.append(f"<{found[1]} ({found[0]})>" if found[0] else f"<{found[1]}>")
        if isinstance(node, DatasetBuilder):
            shape = dataset_shape(node)
            parts += [describe_found(dataset_dtype(node)) or "?",
                      "scalar" if shape == () else f"shape {list(shape) if shape is not None else '?'}"]
            data = getattr(node.data, "data", node.data)
            if chunks := stored_chunks(data):
                parts.append(f"chunks {list(chunks)}")
            stored = sizes.get(node.path, 0) if sizes else getattr(data, "nbytes_stored", None)
            if stored is not None:
                parts.append(f"stored {format_bytes(int(stored))}")
        elif sizes:
            parts.append(f"stored {format_bytes(sizes.get(node.path, 0))}")
        yield "  ".join(parts)
        if isinstance(node, GroupBuilder):
            for child in sorted(node.children(), key=lambda c: (isinstance(c, GroupBuilder), c.name)):
                yield from walk(child, depth + 1)

    yield from walk(root, 0)


def _run(args: argparse.Namespace) -> int:
    """One command; its exit code (errors propagate to :func:`main`)."""
    if args.command == "convert":
        fmt = convert(args.src, args.dst, zarr_format=args.zarr_format,
                      storage_options=parse_storage_options(args.storage_option), overwrite=args.overwrite)
        print(f"wrote {args.dst} (Zarr format {fmt})")
        return 0
    opts = options_for(args.url, parse_storage_options(args.storage_option))
    if args.command == "tree":
        with open_store(args.url, storage_options=opts) as io:
            root = io.read_builder()
            sizes = {} if args.no_sizes or io.zarr_format is None else _stored_sizes(args.url, opts)
            for text in format_tree(root, sizes):
                print(text)
        return 0
    from .validate import validate

    issues = validate(args.url, namespace=args.namespace, storage_options=opts)
    for issue in issues:
        print(issue)
    if issues:
        print(f"{len(issues)} issue(s) found in {args.url}", file=sys.stderr)
        return 1
    print(f"{args.url}: valid (no issues)")
    return 0


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="hdmfzarr",
        description="Inspect, validate and convert HDMF/NWB data stored in Zarr (format 2 or 3) or HDF5.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("tree", help="print the hierarchy with types, shapes, dtypes, chunks and stored sizes",
                       description="Print every group, dataset and link of a store (or HDF5 file) with its data "
                                   "type, dtype, shape, chunk shape and bytes stored. Reads metadata only.")
    p.add_argument("url", help="store path or URL (s3://, memory://, file://), or a .h5/.nwb file")
    p.add_argument("--no-sizes", action="store_true",
                   help="skip listing the store for stored sizes (for stores with very many chunks)")

    p = sub.add_parser("validate", help="check a store against its cached specs (exit 1 on issues)",
                       description="Validate a store (or HDF5 file) against the specifications cached inside it. "
                                   "Prints one line per issue; exit code 0 when valid, 1 when issues were "
                                   "found, 2 on errors.")
    p.add_argument("url", help="store path or URL, or a .h5/.nwb file")
    p.add_argument("--namespace", help="namespace name to validate against, or a namespace YAML file to use "
                                       "instead of the cached specs")

    p = sub.add_parser("convert", help="convert Zarr format 2 <-> 3, or HDF5 (.h5/.nwb) -> Zarr",
                       description="Copy a store into a new Zarr store in the other Zarr format (or the one given), "
                                   "or an hdmf/pynwb HDF5 file into Zarr. Large datasets are copied block by block; "
                                   "cached specs are carried over.")
    p.add_argument("src", help="source: Zarr store path/URL or .h5/.nwb file")
    p.add_argument("dst", help="destination Zarr store path/URL (must not exist unless --overwrite)")
    p.add_argument("--zarr-format", type=int, choices=(2, 3), default=None,
                   help="Zarr format to write (default: the other format for Zarr sources, 3 for HDF5)")
    p.add_argument("--overwrite", action="store_true", help="replace the destination if it exists")
    for p in sub.choices.values():
        p.add_argument("--storage-option", action="append", metavar="KEY=VALUE",
                       help="fsspec option for remote URLs (repeatable; dotted keys nest, e.g. "
                            "client_kwargs.endpoint_url=http://localhost:8333)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 validation issues, 2 errors)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (HdmfZarrError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"hdmfzarr {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("hdmfzarr: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

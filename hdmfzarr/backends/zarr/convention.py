"""Every on-disk name and encoding of the two hdmf-zarr conventions, in one place (no other module spells
an attribute name or tests a format number).

:data:`V3` is hdmf-zarr 0.14's convention (Zarr format 3), :data:`V2` hdmf-zarr 0.13's (Zarr format 2) without
pickle, each as ``encode_*`` / ``decode_*`` pairs; readers also accept the other convention's spellings through
the module-level ``decode_*`` functions (``docs/format.md``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import numpy as np

from ... import errors
from ...record import MutableRecord
from ...spec.dtypes import storage_dtype
from .compat import edit_array_document
from .safety import check_node_path

__all__ = [
    "Convention", "Format3", "Format2", "V3", "V2", "CONVENTIONS", "for_format", "conversion_format", "NodeMeta",
    "ArrayDoc",
    "DIMS_ATTR", "SPECLOC_ATTR", "SPEC_GROUP", "READ_RESERVED", "METADATA_KEYS", "ROOT_KEYS", "NO_ROOT",
    "encode_node_document", "OBJECT_CODECS", "builder_dtype", "decode_attr_reference", "is_attr_reference_like",
    "decode_dataset_reference", "decode_links", "decode_dtype_spelling", "decode_compound_fields",
    "decode_is_scalar", "decode_specloc",
]

T = TypeVar("T")
DIMS_ATTR = "_ARRAY_DIMENSIONS"
SPECLOC_ATTR = ".specloc"
SPEC_GROUP = "specifications"
# transaction markers (transaction.py): a new store is incomplete until its first commit; a format-2 array
# rewritten in place is read from its undo copy until the commit
INCOMPLETE_ATTR = "_hdmfzarr_incomplete"
UNDO_ATTR = "_hdmfzarr_undo"
UNDO_PREFIX = ".hdmfzarr-undo"
LOCK_KEY = ".hdmfzarr-writer.lock"  # the S3 writer lease object, at the store's root (see commit.py)
METADATA_KEYS = frozenset({"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"})
OBJECT_CODECS = ("pickle", "json2", "json")  # v2 object codecs zarr-python 3 cannot decode

_NUMERIC = ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "bool")
# On-disk dtype spellings (``_DTYPE`` / ``zarr_dtype``) -> canonical builder dtype names.
_SPELLING_TO_CANONICAL = {n: n for n in _NUMERIC} | {
    "str": "text", "str_": "text", "text": "text", "utf8": "text", "utf": "text", "utf-8": "text",
    "bytes": "ascii", "bytes_": "ascii", "ascii": "ascii",
    "isodatetime": "isodatetime", "datetime": "isodatetime",
    "object": "object", "object_reference": "object", "region": "object",
    "bool": "bool", "bool_": "bool",
    "int": "int64", "float": "float64", "long": "int64", "double": "float64", "short": "int16",
}
TEXT_KINDS = ("text", "ascii", "isodatetime")
# Blosc lz4 with byte shuffle: hdmf-zarr's default compressor, decoding ~4x faster than zstd at a similar size
_BLOSC_LZ4_V2 = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
_BLOSC_LZ4_V3 = {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "blocksize": 0}}
# a numeric array keeps the default compressor only if it stores its first chunk in at most this fraction
# (random floats, ~0.94, are stored raw: one row is one byte range); first chunks under JUDGED_BYTES keep it
PAYING_COMPRESSION = 0.9
JUDGED_BYTES = 4096


def compression_pays(sample: np.ndarray | None) -> bool:
    """Whether Blosc lz4 stores ``sample`` (an array's first chunk) in at most PAYING_COMPRESSION of its bytes;
    no or a small sample: assume so."""
    if sample is None or sample.nbytes < JUDGED_BYTES:
        return True
    import numcodecs

    raw = np.ascontiguousarray(sample)
    return len(numcodecs.get_codec(dict(_BLOSC_LZ4_V2)).encode(raw)) <= PAYING_COMPRESSION * raw.nbytes


def builder_dtype(spelling: Any) -> str | None:
    """The builder dtype an on-disk dtype spelling stands for (``"str"``, ``"<f8"``, ``"int"``...), or None."""
    if not isinstance(spelling, str):
        return None
    s = spelling.strip()
    if s in _SPELLING_TO_CANONICAL:
        return _SPELLING_TO_CANONICAL[s]
    try:
        dt = np.dtype(s)
    except TypeError:
        return None
    return storage_dtype(dt) if dt.kind in "iufbUS" else None


class NodeMeta(MutableRecord):
    """One node's metadata: path ('' = root), kind ("group" | "array"), the array/group document, its attributes
    and the convention of its store."""

    _fields = ("path", "kind", "meta", "attrs", "conv")

    def __init__(self, path: str, kind: str, meta: dict[str, Any], attrs: dict[str, Any], conv: Convention) -> None:
        self.path, self.kind, self.meta, self.attrs, self.conv = path, kind, meta, attrs, conv


class ArrayDoc(MutableRecord):
    """An array document read once (``Convention.array_doc``): ``shape``, ``chunks`` (None: the shape) and chunk key
    ``sep`` as written (safety.check_array_meta checks them); ``problem``: why the chunk grid is unusable (or None);
    ``codecs``: ``(role, name)`` of every codec, nested ones included; ``layout``: ``(shape, chunks, numpy dtype)`` of
    common arrays (else Nones: zarr decides); ``raw``: ``(stored dtype, chunk key of coordinates)`` when the chunks
    are the elements' plain bytes (no codec but bytes, no shards), else None; ``stored``: the numpy dtype rows are
    appended in (None: text; a str: why rows cannot be appended); ``bytes``: variable-length bytes; ``legacy``: object
    codecs zarr-python 3 cannot decode (we do)."""

    _fields = ("shape", "chunks", "sep", "problem", "codecs", "layout", "raw", "stored", "bytes", "legacy")

    def __init__(self, shape: Any, chunks: Any, sep: Any, problem: str | None, codecs: list[tuple[str, str]],
                 layout: tuple[Any, Any, Any], raw: tuple[np.dtype, Callable[[tuple[int, ...]], str]] | None,
                 stored: np.dtype | str | None, bytes: bool, legacy: bool = False) -> None:
        self.shape, self.chunks, self.sep, self.problem, self.codecs = shape, chunks, sep, problem, codecs
        self.layout, self.raw, self.stored, self.bytes, self.legacy = layout, raw, stored, bytes, legacy


def encode_node_document(doc: Any) -> bytes:
    """The bytes of a metadata document written outside zarr (indented and key-sorted, as zarr writes them)."""
    return json.dumps(doc, indent=4, sort_keys=True, allow_nan=True).encode()


def loads_json(raw: bytes, url: str, key: str) -> Any:
    """Parse a metadata document, raising CorruptStoreError naming the store and key."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise errors.CorruptStoreError(
            f"{url}: metadata {key!r} is not valid JSON ({type(exc).__name__}: {exc})") from exc


def decode_dataset_reference(value: Any) -> tuple[str, str]:
    """``(source, path)`` of one reference dataset element: a path, a JSON string or a dict."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, dict):
        return str(value.get("source") or "."), str(value.get("path"))
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    text = str(value)
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "path" in obj:
            return str(obj.get("source") or "."), str(obj["path"])
    return ".", text


class _Common:
    """What both conventions share; :data:`Convention` is either of them."""

    zarr_format: Literal[2, 3]
    dtype_attr: str
    links_attr: str
    consolidated_key: str  # the document whose atomic write commits (root zarr.json / .zmetadata)
    reference_spelling: str
    ref_body_key: str  # the key of an attribute reference's ``{source, path}`` body
    ref_marker: tuple[str, str | None]  # (key, value) marking an attribute reference (None: any value)
    node_documents: Callable[[str, str], list[tuple[str, str]]]
    root_attrs: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
    set_attrs: Callable[..., tuple[list[tuple[str, Any]], list[tuple[str, Any]]]]
    array_doc: Callable[[dict[str, Any]], ArrayDoc]
    chunks_name: str  # the array document's name of the chunk shape (in errors)
    dtype_spelling: dict[str, str]
    scalar_shape: tuple[int, ...]
    scalar_spelling: str | None = None  # the dtype attribute of a scalar stored in shape [1] (format 2)
    supports_shards: bool
    numeric_compressor: dict[str, Any]  # the default compressor of numeric arrays (DataIO may choose another)
    text_fill_value: Any = None  # the fill value text arrays are written with (None: zarr-python's own)
    root_keys: tuple[str, ...]  # the root documents find_root reads (a remote store's cache drops them to reread)
    rewrites_in_place: bool = False  # rewrite_array reuses the committed chunk keys (then it keeps an undo copy)
    admitted_codecs: tuple[tuple[str, str], ...] = ()  # (role, name) of pickle codecs the restricted unpickler decodes

    def __repr__(self) -> str:
        return f"<hdmf-zarr convention, Zarr format {self.zarr_format}>"

    def spell(self, canonical: str) -> str:
        """The dtype attribute value for a canonical dtype."""
        return self.dtype_spelling.get(canonical, canonical)

    def encode_dtype(self, canonical: str) -> dict[str, Any]:
        """The dtype attribute of an array of a canonical dtype."""
        return {self.dtype_attr: self.spell(canonical)}

    def decode_dtype(self, attrs: dict[str, Any]) -> str | None:
        """The canonical dtype an array's attributes declare in this convention (None if absent)."""
        return builder_dtype(attrs.get(self.dtype_attr))

    def widen_dtype_attrs(self, attrs: Any, wide: np.dtype | None) -> Any:
        """``attrs`` with a declared dtype attribute set to ``wide`` (unchanged when none is declared or no wide)."""
        if wide is not None and isinstance(attrs, dict) and isinstance(attrs.get(self.dtype_attr), str):
            return {**attrs, self.dtype_attr: wide.name}
        return attrs

    def encode_links(self, entries: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
        """The links attribute of a group holding ``(name, source, path)`` links ({} for none)."""
        out = [{"name": n, "source": s, "path": p} for n, s, p in entries]
        return {self.links_attr: out} if out else {}

    def decode_links(self, attrs: dict[str, Any], where: str) -> list[tuple[str, str, str]] | None:
        """``(name, source, path)`` of each link in this convention's links attribute (None if absent)."""
        entries = attrs.get(self.links_attr)
        if entries is None:
            return None
        if not isinstance(entries, list):
            raise errors.CorruptStoreError(f"{where}: links attribute is not a list")
        out = []
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("name"), str) or "path" not in e:
                raise errors.CorruptStoreError(f"{where}: bad link entry {e!r} (needs 'name' and 'path')")
            source = e.get("source") or "."
            if not isinstance(source, str):
                raise errors.CorruptStoreError(
                    f"{where} link {e['name']!r}: link source must be a string, got {source!r}")
            out.append((e["name"], source, e["path"]))
        return out

    def is_attr_reference_like(self, value: Any) -> bool:
        """Whether ``value`` is marked as a reference in this convention (well-formed or not)."""
        key, marked = self.ref_marker
        return isinstance(value, dict) and key in value and (marked is None or value[key] == marked)

    def decode_attr_reference(self, value: Any) -> tuple[str, str] | None:
        """``(source, path)`` if ``value`` is an attribute reference in this convention, else None."""
        ref = value.get(self.ref_body_key) if self.is_attr_reference_like(value) else None
        if not isinstance(ref, dict) or not isinstance(ref.get("path"), str):
            return None
        return str(ref.get("source") or "."), ref["path"]

    def encode_field_reference(self, source: str, path: str) -> str:
        """One reference inside a compound record (both conventions): the path, or JSON when external."""
        return path if source == "." else json.dumps({"source": source, "path": path})

    decode_dataset_reference = staticmethod(decode_dataset_reference)  # (both conventions' elements accepted)

    def reference_attrs(self) -> dict[str, Any]:
        """The dtype attribute of a reference dataset."""
        return {self.dtype_attr: self.reference_spelling}

    def encode_records(self, rows: list[tuple], fields: list[tuple[str, Any]], where: str,
                       scalar: bool = False) -> np.ndarray:
        """Compound ``rows`` of ``(name, canonical dtype)`` fields (references as ``(source, path, object_id,
        root_object_id)``) as stored: records, text and reference fields as wide as their longest value."""
        rows = [tuple(self.encode_field_reference(*v[:2]) if d == "object" else v for v, (_, d) in zip(row, fields))
                for row in rows]
        np_fields: list[tuple[str, Any]] = []
        for i, (name, d) in enumerate(fields):
            if d == "object" or d in TEXT_KINDS:
                longest = max([1] + [len(v) for r in rows if isinstance(v := r[i], str)])  # in characters
                np_fields.append((name, f"<U{longest}"))
            else:
                try:
                    np_fields.append((name, np.dtype(d)))
                except TypeError as exc:
                    raise errors.StoreError(f"{where}: compound field {name!r} has unknown dtype {d!r}") from exc
        try:
            arr = np.array(rows, dtype=np.dtype(np_fields))
        except (OverflowError, TypeError, ValueError) as exc:  # e.g. 300 for an int8 field: never wrapped
            raise errors.RefusedRowsError(f"{where}: compound rows do not fit the fields "
                                    f"{[(n, str(np.dtype(t))) for n, t in np_fields]}: {exc}") from None
        return arr.reshape(()) if scalar else arr

    def decode_compound_cells(self, cells: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Records of ``dtype`` from ``(n, fields)`` JSON cells (what we write in format 2) or ``(n,)`` records,
        tuples or dicts (hdmf-zarr 0.13's pickled compounds)."""
        names = dtype.names or ()
        out = np.empty(cells.shape[:1], dtype=dtype)
        for i, v in enumerate(cells):
            rec = tuple(v.get(n) for n in names) if isinstance(v, dict) else tuple(v)
            if len(rec) != len(names):
                raise errors.CorruptStoreError(
                    f"compound record {i} has {len(rec)} fields, expected {len(names)} {list(names)}")
            out[i] = rec
        return out

    def text_as_bytes(self, canonical: str) -> bool:
        """Whether text of a canonical dtype is stored as variable-length bytes (what its spelling says)."""
        return self.spell(canonical) == "bytes"

    def text_zarr_dtype(self, canonical: str) -> Any:
        """The zarr data type text of a canonical dtype is stored as."""
        if self.text_as_bytes(canonical):
            from .compat import VariableLengthBytes

            return VariableLengthBytes()
        return str

    def zarr_metadata(self, meta: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
        """The metadata dict zarr-python opens an array from (peer quirks normalised)."""
        return meta

    def encode_scalar(self, arr: np.ndarray, attrs: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        """A 0-d array and its attributes as stored."""
        return arr, attrs

    def decode_is_scalar(self, shape: tuple[int, ...], attrs: dict[str, Any]) -> bool:
        """Whether an array of ``shape`` and ``attrs`` is a scalar dataset in this convention."""
        spelled = tuple(shape) == self.scalar_shape and attrs.get(self.dtype_attr) == self.scalar_spelling
        return len(shape) == 0 or spelled

    def scalar_attrs(self) -> dict[str, Any]:
        """Attributes of a stored scalar text array (the spec cache)."""
        return {self.dtype_attr: self.scalar_spelling} if self.scalar_spelling else {}

    def encode_object_chunk(self, items: np.ndarray) -> bytes:
        """A chunk of an object array in the JSON object codec (format 2 only)."""
        raise errors.StoreError(f"JSON object-codec arrays need Zarr format 2, not {self.zarr_format}")

    def object_array_document(self, shape: tuple[int, ...], chunks: tuple[int, ...]) -> dict[str, Any]:
        """The array document of a JSON object-codec array (format 2 only)."""
        raise errors.StoreError(f"JSON object-codec arrays need Zarr format 2, not {self.zarr_format}")

    def array_entry(self, path: str) -> str:
        """The key of an array's document in the consolidated metadata."""
        return self.node_documents(path, "array")[0][0]

    def array_document_key(self, path: str) -> str:
        """The store key of an array's own metadata document."""
        return self.node_documents(path, "array")[0][1]

    def attrs_entry(self, path: str) -> str | None:
        """The key of an array's separate attributes document in the consolidated metadata (format 2; else None)."""
        return next((entry for entry, _ in self.node_documents(path, "array")[1:]), None)

    def read_entries(self, handle: Any, nodes: list[tuple[str, str]]) -> dict[str, Any]:
        """The consolidated entries of ``nodes`` (``(path, kind)``), their documents read back as written."""
        keys = [(entry, key, kind) for path, kind in dict.fromkeys(nodes)
                for entry, key in self.node_documents(path, kind)]
        return {entry: self.consolidated_entry(kind, loads_json(raw, handle.url, key))
                for (entry, key, kind), raw in zip(keys, handle.get_many([k for _, k, _ in keys])) if raw is not None}

    def consolidated_entry(self, kind: str, doc: Any) -> Any:
        """A node document as zarr lists it in the consolidated metadata."""
        return doc

    def encode_commit_document(self, doc: dict[str, Any]) -> bytes:
        """The bytes of a commit document (compact: it is rewritten on every commit)."""
        return json.dumps(doc, separators=(",", ":"), allow_nan=True).encode()

    def initial_root_documents(self, attrs: dict[str, Any]) -> list[tuple[str, Any]]:
        """Documents written before a new store's root group, so no reader ever sees it unmarked."""
        return []

    def mark_incomplete(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Root attributes of a new store while it is written (readers refuse it until the commit)."""
        return {**attrs, INCOMPLETE_ATTR: True}

    def is_incomplete(self, root_attrs: dict[str, Any]) -> bool:
        """Whether root attributes carry the incomplete marker (a write never committed)."""
        return bool(root_attrs.get(INCOMPLETE_ATTR))

    def undo_map(self, root_attrs: dict[str, Any]) -> dict[str, str]:
        """``{array path: undo copy path}`` of arrays an uncommitted rewrite is changing in place."""
        got = root_attrs.get(UNDO_ATTR)
        return {str(k): str(v) for k, v in got.items()} if isinstance(got, dict) else {}

    def set_root_undo(self, doc: dict[str, Any], entries: dict[str, Any], mapping: dict[str, str]) -> None:
        """Record (or with ``{}`` clear) the undo copies in the commit document's root attributes only."""
        attrs = self.root_attrs(doc, entries)
        if mapping:
            attrs[UNDO_ATTR] = dict(mapping)
        else:
            attrs.pop(UNDO_ATTR, None)
        self.set_attrs(doc, entries, "", "group", attrs)

    def undo_path(self, path: str) -> str:
        """Where the undo copy of the array at ``path`` is kept (a name no node listing shows)."""
        return f"{UNDO_PREFIX}/{path}"

    def rewrite_array(self, doc: dict[str, Any], dtype: np.dtype | None) -> dict[str, Any]:
        """An array document rewritten whole, with a wider ``dtype`` (numbers; records: wider text); format 3 flips
        the chunk key encoding (``c/0`` <-> ``0``) so the rewritten chunks never overwrite the committed ones."""
        wide = dtype if dtype is not None and (dtype.kind in "biuf" or dtype.names) else None
        if wide is None and self.rewrites_in_place:
            return dict(doc)
        doc = edit_array_document(doc, dtype=wide, flip_chunk_keys=not self.rewrites_in_place)
        if "attributes" in doc:
            doc["attributes"] = self.widen_dtype_attrs(doc["attributes"], wide)
        return doc

    def check_appendable(self, meta: dict[str, Any], where: str) -> None:
        """Refuse growing arrays whose encoding cannot be appended to."""

    def raw_layout(self, meta: dict[str, Any]) -> tuple[np.dtype, Callable[[tuple[int, ...]], str]] | None:
        """:attr:`ArrayDoc.raw` of an array document."""
        return self.array_doc(meta).raw


class Format3(_Common):
    """hdmf-zarr 0.14: Zarr format 3, ``_DTYPE``/``_LINKS``/``_REFERENCE``, 0-d scalars, paths as references."""

    zarr_format = 3
    dtype_attr = "_DTYPE"
    links_attr = "_LINKS"
    ref_fields_attr = "_REFERENCE_FIELDS"
    consolidated_key = "zarr.json"
    reference_spelling = "object_reference"
    dtype_spelling = {"text": "str", "ascii": "str", "isodatetime": "str"}  # numeric dtypes spelled as named
    scalar_shape = ()
    supports_shards = True
    numeric_compressor = _BLOSC_LZ4_V3
    ref_body_key = "_REFERENCE"
    ref_marker = (ref_body_key, None)
    chunks_name = "chunk_shape"

    def encode_attr_reference(self, path: str, source: str = ".", object_id: str | None = None,
                              root_object_id: str | None = None) -> dict[str, Any]:
        """An object reference stored as an attribute value."""
        return {self.ref_body_key: {"source": source, "path": path}}

    def encode_dataset_references(self, refs, shape):  # type: ignore[no-untyped-def]
        """The stored elements of a reference dataset from ``(source, path, object_id, root_object_id)``."""
        paths = [self.encode_field_reference(s, p) for s, p, _, _ in refs]
        return np.array(paths, dtype=np.dtypes.StringDType()).reshape(shape)

    def encode_compound(self, fields: list[tuple[str, str]]) -> dict[str, Any]:
        """Attributes describing a compound of ``(name, canonical dtype)`` fields."""
        refs = [n for n, d in fields if d == "object"]
        return {self.ref_fields_attr: refs} if refs else {}

    def decode_compound(self, attrs: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
        """``(reference field names, {field: canonical dtype})`` this convention's attributes declare."""
        listed = attrs.get(self.ref_fields_attr)
        return set(listed) if isinstance(listed, list) else set(), {}

    def consolidated_entries(self, doc: Any, url: str) -> dict[str, Any]:
        """The entries of a committed consolidated document (CorruptStoreError when it has none)."""
        cons = doc.get("consolidated_metadata") if isinstance(doc, dict) else None
        if not isinstance(cons, dict) or not isinstance(cons.get("metadata"), dict):
            raise errors.CorruptStoreError(f"{url}: the root zarr.json holds no consolidated metadata")
        return cons["metadata"]

    def new_commit_document(self, entries: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """The root ``zarr.json`` listing every other node inline, as ``zarr.consolidate_metadata`` writes it."""
        doc = entries.pop("")
        doc["attributes"] = {k: v for k, v in (doc.get("attributes") or {}).items() if k != INCOMPLETE_ATTR}
        doc["consolidated_metadata"] = {"kind": "inline", "must_understand": False, "metadata": entries}
        return doc, []

    def node_documents(self, path: str, kind: str) -> list[tuple[str, str]]:
        """``(consolidated entry key, store key)`` of each metadata document of a node."""
        return [(path, f"{path}/zarr.json" if path else "zarr.json")]

    def consolidated_entry(self, kind: str, doc: Any) -> Any:
        if kind == "group" and isinstance(doc, dict) and not doc.get("consolidated_metadata"):
            return {**doc, "consolidated_metadata": {"kind": "inline", "must_understand": False, "metadata": {}}}
        return doc

    def root_attrs(self, doc: dict[str, Any], entries: dict[str, Any]) -> dict[str, Any]:
        """The root attributes a commit document holds."""
        return dict(doc.get("attributes") or {})

    def node_attrs(self, doc: dict[str, Any], entries: dict[str, Any], path: str) -> dict[str, Any] | None:
        """The committed attributes of the node at ``path`` (None when it is not committed)."""
        if not path:
            return self.root_attrs(doc, entries)
        entry = entries.get(path)
        return dict(entry.get("attributes") or {}) if isinstance(entry, dict) else None

    def set_attrs(self, doc, entries, path, kind, attrs):  # type: ignore[no-untyped-def]
        """Record a node's new attributes in the commit document: the ``(store key, document)`` pairs to write
        before the commit and those to write after it."""
        if not path:  # the root document is the commit document itself
            doc["attributes"] = attrs
            return [], []
        entry = {**entries[path], "attributes": attrs}
        entries[path] = entry
        own = {k: v for k, v in entry.items() if k != "consolidated_metadata"}
        return [(f"{path}/zarr.json", own)], []

    def load_nodes(self, handle: Any, raw_root: bytes | None) -> tuple[dict[str, NodeMeta], bool]:
        """Every node's metadata (from the consolidated document when there is one) and whether it was."""
        url = handle.url
        root = loads_json(raw_root, url, "zarr.json") if raw_root is not None else None
        if not isinstance(root, dict) or root.get("node_type") != "group":
            raise errors.CorruptStoreError(f"{url}: the root node is not a group")
        nodes = {"": NodeMeta("", "group", root, dict(root.get("attributes") or {}), self)}
        cons = root.get("consolidated_metadata")
        listed = cons.get("metadata") if isinstance(cons, dict) else None
        if isinstance(listed, dict) and listed:
            for path, meta in listed.items():
                node_path = check_node_path(path, url, "zarr.json consolidated_metadata")
                if not node_path:
                    continue  # the root describes itself only in its own document
                nodes[node_path] = self._node(node_path, meta, f"{path}/zarr.json", url)
            return nodes, True
        # one concurrent wave per level: each child's zarr.json is fetched while it is listed (an array lists
        # as zarr.json + c: cheap), so a group's children are known once its document says it is a group
        children = [name for name in handle.list_dir("") if _is_child_name(name)]
        while children:
            raws, listings = handle.get_and_list([f"{c}/zarr.json" for c in children], children)
            found: list[str] = []
            for path, raw, names in zip(children, raws, listings):
                if raw is not None:
                    key = f"{path}/zarr.json"
                    node = nodes[path] = self._node(path, loads_json(raw, url, key), key, url)
                    if node.kind == "group":
                        found += [f"{path}/{name}" for name in names if _is_child_name(name)]
            children = found
        return nodes, False

    root_keys = ("zarr.json",)

    def find_root(self, handle: Any) -> tuple[int, bytes | None] | None:
        """``(Zarr format, raw root document)`` when a root group of this convention is stored, else None."""
        raw = handle.get(self.consolidated_key)
        if raw is None:
            return None
        meta = loads_json(raw, handle.url, self.consolidated_key)
        if not isinstance(meta, dict):
            raise errors.CorruptStoreError(f"{handle.url}: 'zarr.json' is not a JSON object")
        fmt = meta.get("zarr_format", 3)
        if fmt not in (2, 3) or isinstance(fmt, bool):
            raise errors.CorruptStoreError(f"{handle.url}: 'zarr.json' declares zarr_format {fmt!r}, expected 3")
        return fmt, raw

    def _node(self, path: str, meta: Any, key: str, url: str) -> NodeMeta:
        if not isinstance(meta, dict) or meta.get("node_type") not in ("group", "array"):
            raise errors.CorruptStoreError(f"{url}: metadata {key!r} is not a zarr node document")
        attrs = meta.get("attributes")
        if attrs is not None and not isinstance(attrs, dict):
            raise errors.CorruptStoreError(f"{url}: metadata {key!r}: 'attributes' is not a JSON object")
        return NodeMeta(path, meta["node_type"], meta, dict(attrs or {}), self)

    def array_doc(self, meta: dict[str, Any]) -> ArrayDoc:
        """One read of a ``zarr.json`` array document; from the document alone: reading a plain column builds no
        zarr array (~1 ms a cold process saves)."""
        grid: Any = meta.get("chunk_grid")
        conf = grid.get("configuration") if isinstance(grid, dict) else None
        regular = isinstance(conf, dict) and grid.get("name") == "regular"
        chunks = conf.get("chunk_shape") if regular else None  # type: ignore[union-attr]
        enc = meta.get("chunk_key_encoding")
        enc = enc if isinstance(enc, dict) else {}
        sep = (enc.get("configuration") or {}).get("separator", "." if enc.get("name") == "v2" else "/")
        codecs, dt = meta.get("codecs") or [], meta.get("data_type")
        numeric = np.dtype(dt) if dt in _NUMERIC else None
        layout: tuple[Any, Any, Any] = (None, None, None)
        try:
            shape = tuple(int(s) for s in meta["shape"])
            sharded = codecs and isinstance(codecs[0], dict) and codecs[0].get("name") == "sharding_indexed"
            inner: Any = codecs[0]["configuration"]["chunk_shape"] if sharded else chunks
            if numeric is not None or dt == "string":
                layout = shape, tuple(inner), np.dtypes.StringDType() if numeric is None else numeric
        except (KeyError, TypeError, ValueError):
            pass
        raw = None
        try:
            (codec,) = codecs
            if codec["name"] == "bytes" and numeric is not None and regular and enc.get("name") in ("default", "v2") \
                    and not meta.get("storage_transformers"):
                endian = (codec.get("configuration") or {}).get("endian", "little")
                raw = numeric.newbyteorder(">" if endian == "big" else "<"), (
                    (lambda coords: "c" + "".join(sep + str(c) for c in coords)) if enc["name"] == "default"  # c/0/1; c
                    else (lambda coords: sep.join(map(str, coords)) or "0"))
        except (KeyError, TypeError, ValueError):
            pass
        stored: np.dtype | str | None = numeric
        if numeric is not None or dt in ("string", "bytes", "variable_length_bytes") \
                or (isinstance(dt, dict) and dt.get("name") == "string"):
            pass
        elif isinstance(dt, dict) and dt.get("name") in ("structured", "struct"):
            stored = np.dtype([("_", "u1")])  # any compound: refused by the caller
        else:
            try:
                stored = np.dtype(dt) if isinstance(dt, str) else None
            except Exception:  # noqa: BLE001 - any spelling numpy refuses: rows cannot be appended
                pass
            if stored is None:
                stored = f"cannot append to an array of data type {dt!r}"
        return ArrayDoc(meta.get("shape"), "missing" if regular and chunks is None else chunks, sep,
                        None if regular else f"chunk_grid must be a regular grid, got {grid!r}", _codec_names(codecs),
                        layout, raw, stored, dt in ("bytes", "variable_length_bytes"))


class Format2(_Common):
    """hdmf-zarr 0.13 without pickle: Zarr format 2, ``zarr_dtype``/``zarr_link``, shape-[1] scalars,
    reference dicts in JSON object-codec arrays, ``.zmetadata``."""

    zarr_format = 2
    dtype_attr = "zarr_dtype"
    links_attr = "zarr_link"
    consolidated_key = ".zmetadata"
    reference_spelling = "object"
    scalar_spelling = "scalar"
    dtype_spelling = {"text": "str", "ascii": "bytes", "isodatetime": "bytes"}
    scalar_shape = (1,)
    supports_shards = False
    numeric_compressor = _BLOSC_LZ4_V2
    ref_body_key = "value"
    ref_marker = (dtype_attr, reference_spelling)
    admitted_codecs = (("filter", "pickle"),)  # 0.13's pickled object arrays
    chunks_name = "chunks"

    def encode_attr_reference(self, path: str, source: str = ".", object_id: str | None = None,
                              root_object_id: str | None = None) -> dict[str, Any]:
        body = _reference_dict(source, path, object_id, root_object_id)
        return {self.dtype_attr: self.reference_spelling, self.ref_body_key: body}

    def encode_dataset_references(self, refs, shape):  # type: ignore[no-untyped-def]
        out = np.empty(len(refs), dtype=object)
        out[:] = [_reference_dict(*ref) for ref in refs]
        return out.reshape(shape)

    def encode_compound(self, fields: list[tuple[str, str]]) -> dict[str, Any]:
        return {self.dtype_attr: [{"name": n, "dtype": self.spell(d)} for n, d in fields]}

    def decode_compound(self, attrs: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
        spelled = attrs.get(self.dtype_attr)
        fields = spelled if isinstance(spelled, list) else []
        listed = {str(f.get("name")): builder_dtype(f.get("dtype")) for f in fields if isinstance(f, dict)}
        return {n for n, d in listed.items() if d == "object"}, listed

    # hdmf-zarr 0.13 writes text arrays with fill value 0; hdmf-zarr 0.14's format-2 reader cannot open a
    # variable-length bytes array filled with "" (zarr_metadata() reads 0 back as None)
    text_fill_value = 0

    def encode_records(self, rows: list[tuple], fields: list[tuple[str, Any]], where: str,
                       scalar: bool = False) -> np.ndarray:
        """With reference fields, the ``(n, fields)`` JSON cells of ``rows``, references as 0.13's dicts: zarr 2
        stores object fields only through an object codec, and JSON cannot rebuild records (hdmf-zarr 0.13 reads
        these cells by position); a scalar compound or one without references: records."""
        is_ref = [d == "object" for _, d in fields]
        if scalar or not any(is_ref):
            return super().encode_records(rows, fields, where, scalar)
        super().encode_records(rows, fields, where)  # refuses what a field cannot hold, as format 3 does
        out = np.empty((len(rows), len(is_ref)), dtype=object)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if is_ref[j] and v is not None:
                    v = _reference_dict(*v)
                out[i, j] = _jsonable(v)
        return out

    def zarr_metadata(self, meta: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
        """Attributes merged in; hdmf-zarr 0.13 wrote ``fill_value: 0`` on text arrays, read as None."""
        meta = {**meta, "attributes": attrs}
        if meta.get("dtype") == "|O" and not isinstance(meta.get("fill_value"), (str, type(None))):
            meta["fill_value"] = None
        return meta

    def encode_scalar(self, arr: np.ndarray, attrs: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
        attrs = dict(attrs)
        if isinstance(attrs.get(self.dtype_attr), str):
            attrs[self.dtype_attr] = self.scalar_spelling
        return arr.reshape(1), attrs

    def object_array_document(self, shape: tuple[int, ...], chunks: tuple[int, ...]) -> dict[str, Any]:
        """The ``.zarray`` of a JSON object-codec array: Blosc lz4 and the numcodecs ``json2`` filter 0.13 reads."""
        json2 = {"id": "json2", "encoding": "utf-8", "skipkeys": False, "ensure_ascii": True, "check_circular": True,
                 "allow_nan": True, "indent": None, "separators": [",", ":"], "sort_keys": True, "strict": True}
        return {
            "chunks": list(chunks), "compressor": dict(_BLOSC_LZ4_V2), "dimension_separator": ".", "dtype": "|O",
            "fill_value": None, "filters": [json2], "order": "C", "shape": list(shape), "zarr_format": 2,
        }

    def encode_object_chunk(self, items: np.ndarray) -> bytes:
        # numcodecs ``json2`` framing: items (nested one list per axis), dtype, shape
        nested = np.atleast_1d(items).tolist() if items.ndim > 1 else list(np.atleast_1d(items).ravel())
        payload = [_jsonable(v) for v in nested] + ["|O", list(items.shape)]
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True).encode("utf-8")

    def decode_object_chunk(self, raw: bytes, where: str) -> list[Any]:
        """The items of a JSON object-codec chunk."""
        try:
            items = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise errors.CorruptStoreError(f"{where}: JSON chunk is not valid JSON ({exc})") from exc
        if not isinstance(items, list) or len(items) < 2:
            raise errors.CorruptStoreError(f"{where}: JSON chunk is not [items..., dtype, shape]")
        shape, flat = items[-1], items[:-2]
        for _ in range(len(shape) - 1 if isinstance(shape, list) else 0):  # multi-dimensional: one list per axis
            if not all(isinstance(v, list) for v in flat):
                raise errors.CorruptStoreError(f"{where}: JSON chunk of shape {shape} is not nested per axis")
            flat = [x for v in flat for x in v]
        return flat

    def consolidated_entries(self, doc: Any, url: str) -> dict[str, Any]:
        entries = doc.get("metadata") if isinstance(doc, dict) else None
        if not isinstance(entries, dict):
            raise errors.CorruptStoreError(f"{url}: '.zmetadata' is not a JSON object with a 'metadata' object")
        return entries

    def new_commit_document(self, entries: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """``.zmetadata``; the root ``.zattrs`` loses its incomplete marker after the commit."""
        after: list[tuple[str, Any]] = []
        root = entries.get(".zattrs")
        if isinstance(root, dict) and INCOMPLETE_ATTR in root:
            entries[".zattrs"] = {k: v for k, v in root.items() if k != INCOMPLETE_ATTR}
            after.append((".zattrs", entries[".zattrs"]))
        return {"metadata": entries, "zarr_consolidated_format": 1}, after

    def initial_root_documents(self, attrs: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(".zattrs", attrs)]  # before .zgroup: a root group never exists without its marker

    def node_documents(self, path: str, kind: str) -> list[tuple[str, str]]:
        prefix = f"{path}/" if path else ""
        main = prefix + (".zgroup" if kind == "group" else ".zarray")
        return [(main, main), (prefix + ".zattrs", prefix + ".zattrs")]

    def root_attrs(self, doc: dict[str, Any], entries: dict[str, Any]) -> dict[str, Any]:
        return dict(entries.get(".zattrs") or {})

    def node_attrs(self, doc: dict[str, Any], entries: dict[str, Any], path: str) -> dict[str, Any] | None:
        prefix = f"{path}/" if path else ""
        if prefix + ".zgroup" not in entries and prefix + ".zarray" not in entries:
            return None
        return dict(entries.get(prefix + ".zattrs") or {})

    def set_attrs(self, doc, entries, path, kind, attrs):  # type: ignore[no-untyped-def]
        key = f"{path}/.zattrs" if path else ".zattrs"
        entries[key] = attrs
        # the root's own .zattrs is read only by walkers that ignore .zmetadata: rewritten after the commit
        return ([(key, attrs)], []) if path else ([], [(key, attrs)])

    def load_nodes(self, handle: Any, raw_root: bytes | None) -> tuple[dict[str, NodeMeta], bool]:
        url = handle.url
        docs: dict[str, Any] = {}
        if raw_root is not None:
            docs = self.consolidated_entries(loads_json(raw_root, url, ".zmetadata"), url)
        if not docs:
            docs = self.walk(handle)
        found: dict[str, tuple[str, dict[str, Any]]] = {}  # path -> (kind, document); an array wins
        attrs: dict[str, dict[str, Any]] = {}
        for key, meta in docs.items():
            path, _, name = key.rpartition("/")
            if name not in (".zgroup", ".zarray", ".zattrs"):
                continue
            path = check_node_path(path, url, f".zmetadata key {key!r}")
            if not isinstance(meta, dict):
                raise errors.CorruptStoreError(f"{url}: metadata {key!r} is not a JSON object")
            if name == ".zattrs":
                attrs[path] = meta
            elif name == ".zarray" or path not in found:
                found[path] = ("array" if name == ".zarray" else "group", meta)
        nodes = {p: NodeMeta(p, kind, meta, attrs.get(p, {}), self) for p, (kind, meta) in found.items()}
        if "" not in nodes:
            raise errors.CorruptStoreError(f"{url}: no root .zgroup")
        return nodes, raw_root is not None

    root_keys = (".zmetadata", ".zgroup")

    def find_root(self, handle: Any) -> tuple[int, bytes | None] | None:
        """One request for a consolidated store (its ``.zmetadata`` lists the root ``.zgroup``), else two."""
        raw = handle.get(self.consolidated_key)
        try:
            doc = json.loads(raw) if raw is not None else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            doc = None  # reported by load_nodes when the root .zgroup exists
        listed = isinstance(doc, dict) and isinstance(doc.get("metadata"), dict) and ".zgroup" in doc["metadata"]
        return (2, raw) if listed or handle.get(".zgroup") is not None else None

    def walk(self, handle: Any) -> dict[str, Any]:
        """Every metadata document (``path/.zgroup|.zarray|.zattrs`` -> JSON), a level at a time: one wave of GETs,
        then one of listings of its groups (never of arrays: their chunk keys sit directly under them)."""
        docs: dict[str, Any] = {}
        frontier = [""]
        while frontier:
            keys = [f"{p}/{n}" if p else n for p in frontier for n in (".zgroup", ".zarray", ".zattrs")]
            for key, raw in zip(keys, handle.get_many(keys)):
                if raw is not None:
                    docs[key] = loads_json(raw, handle.url, key)
            groups = [p for p in frontier if (f"{p}/.zgroup" if p else ".zgroup") in docs]
            listings = handle.get_and_list([], groups)[1]
            frontier = [f"{g}/{n}" if g else n
                        for g, names in zip(groups, listings) for n in names if not n.startswith(".")]
        return docs

    def array_doc(self, meta: dict[str, Any]) -> ArrayDoc:
        """One read of a ``.zarray`` document."""
        filters = _filter_ids(meta)
        comp = meta.get("compressor")
        codecs = [("compressor", str(comp.get("id")))] if isinstance(comp, dict) else []
        sep = meta.get("dimension_separator") or "."
        dt = meta.get("dtype")
        layout: tuple[Any, Any, Any] = (None, None, None)
        try:
            shape = tuple(int(s) for s in meta["shape"])
            chunks = tuple(meta.get("chunks") or shape)
            if dt == "|O" and filters == ["vlen-utf8"]:
                layout = shape, chunks, np.dtypes.StringDType()
            elif dt != "|O" and isinstance(dt, str) and not filters and np.dtype(dt).kind in "biuf":
                layout = shape, chunks, np.dtype(dt)
        except (KeyError, TypeError, ValueError):
            pass
        plain = layout[2] is not None and layout[2].kind in "biuf" and comp is None
        stored: np.dtype | str | None = None
        if dt != "|O":
            try:
                stored = self.decode_numpy_dtype(dt)
            except Exception as exc:  # noqa: BLE001 - any spelling numpy refuses: rows cannot be appended
                stored = f"cannot append to an array of dtype {dt!r} ({exc})"
        legacy = any(i in OBJECT_CODECS for i in filters) or (isinstance(dt, list) and _has_object_field(dt))
        return ArrayDoc(meta.get("shape"), meta.get("chunks"), sep, None,
                        codecs + [("filter", str(i)) for i in filters], layout,
                        (layout[2], lambda coords: sep.join(map(str, coords)) or "0") if plain else None, stored,
                        "vlen-bytes" in filters, legacy)

    @staticmethod
    def decode_numpy_dtype(spec: Any) -> np.dtype:
        """The numpy dtype of a ``.zarray`` dtype entry (compound field lists become tuples)."""
        if isinstance(spec, list):
            return np.dtype([(f[0], Format2.decode_numpy_dtype(f[1])) + tuple(tuple(x) for x in f[2:]) for f in spec])
        return np.dtype(spec)

    def check_appendable(self, meta: dict[str, Any], where: str) -> None:
        if "pickle" in _filter_ids(meta):  # hdmf-zarr 0.13's default object codec: its cells would be pickles
            raise errors.StoreError(
                f"{where}: the array's cells are pickled (hdmf-zarr 0.13's object codec) and hdmfzarr "
                "never writes pickle: rows cannot be appended in place; nothing was written; write the "
                "tree to a new store (its references are then stored as JSON)")

    rewrites_in_place = True  # one key layout for 1-D arrays: the rewrite reuses the committed keys


def _reference_dict(source: str, path: str, object_id: str | None, root_object_id: str | None) -> dict[str, Any]:
    """One reference as hdmf-zarr 0.13 stores it (format 2: attributes, object cells, reference datasets)."""
    return {"source": source, "path": path, "object_id": object_id, "source_object_id": root_object_id}


def _codec_names(codecs: list[Any]) -> list[tuple[str, str]]:
    """``(role, codec name)`` of every codec of a format 3 codec list, nested ones included."""
    out: list[tuple[str, str]] = []
    stack = [("codec", c) for c in codecs]
    while stack:
        role, c = stack.pop()
        if isinstance(c, str):
            out.append((role, c))
        elif isinstance(c, dict):
            out.append((role, str(c.get("name"))))
            conf = c.get("configuration")
            if isinstance(conf, dict):
                for sub in ("codecs", "index_codecs"):
                    if isinstance(conf.get(sub), list):
                        stack += [(role, s) for s in conf[sub]]
    return out


def _filter_ids(meta: dict[str, Any]) -> list[Any]:
    """The ids of a ``.zarray``'s filters."""
    return [f.get("id") for f in meta.get("filters") or [] if isinstance(f, dict)]


def _has_object_field(dtype: Any) -> bool:
    if isinstance(dtype, list):
        return any(_has_object_field(f[1]) for f in dtype)
    return isinstance(dtype, str) and dtype.endswith("O")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


Convention = Format3 | Format2  # the names and encode/decode pairs of one hdmf-zarr convention
V3: Convention = Format3()
V2: Format2 = Format2()
CONVENTIONS: tuple[Convention, ...] = (V3, V2)  # reading order: the first spelling found wins
ROOT_KEYS = tuple(k for c in CONVENTIONS for k in c.root_keys)
NO_ROOT = "no zarr store here (no root zarr.json or .zgroup)"

# Attributes hidden from builders on read, whatever the format (both spellings).
READ_RESERVED = frozenset({k for c in CONVENTIONS for k in (c.dtype_attr, c.links_attr)}
                          | {Format3.ref_fields_attr, SPECLOC_ATTR, DIMS_ATTR, INCOMPLETE_ATTR, UNDO_ATTR})


def for_format(zarr_format: int) -> Convention:
    """The convention written for Zarr format 2 or 3."""
    for c in CONVENTIONS:
        if c.zarr_format == zarr_format and not isinstance(zarr_format, bool):
            return c
    raise ValueError(f"zarr_format must be 2 or 3, got {zarr_format!r}")


def conversion_format(source_format: int | None) -> int:
    """The format a conversion writes by default: the other convention of a Zarr source, the
    newest (3) for anything else (an HDF5 file, an unknown store)."""
    return V3.zarr_format if source_format is None or source_format == V2.zarr_format else V2.zarr_format


def _first_found(decode: Callable[[Convention], T | None]) -> T | None:
    """The first convention's answer that is not None (reading accepts either convention's spelling)."""
    return next((got for c in CONVENTIONS if (got := decode(c)) is not None), None)


def decode_attr_reference(value: Any) -> tuple[str, str] | None:
    """``(source, path)`` if an attribute value is a reference in either convention, else None."""
    return _first_found(lambda c: c.decode_attr_reference(value))


def is_attr_reference_like(value: Any) -> bool:
    """Whether an attribute value is marked as a reference in either convention (well-formed or not)."""
    return any(c.is_attr_reference_like(value) for c in CONVENTIONS)


def decode_links(attrs: dict[str, Any], where: str) -> list[tuple[str, str, str]]:
    """``(name, source, path)`` of a group's links, in whichever convention's attribute is present."""
    return _first_found(lambda c: c.decode_links(attrs, where)) or []


def decode_dtype_spelling(attrs: dict[str, Any]) -> Any:
    """The raw dtype attribute of an array (either convention's name; None when absent)."""
    return _first_found(lambda c: attrs.get(c.dtype_attr))


def decode_compound_fields(attrs: dict[str, Any]) -> tuple[set[str], dict[str, Any]]:
    """Reference field names and listed ``{field: canonical dtype}`` of a compound, both conventions merged."""
    decoded = [c.decode_compound(attrs) for c in CONVENTIONS]
    return set().union(*(refs for refs, _ in decoded)), {k: v for _, listed in decoded for k, v in listed.items()}


def decode_is_scalar(shape: tuple[int, ...], attrs: dict[str, Any]) -> bool:
    """Whether an array is a scalar dataset in either convention."""
    return any(c.decode_is_scalar(shape, attrs) for c in CONVENTIONS)


def decode_specloc(root_attrs: dict[str, Any]) -> str:
    """The spec cache location the root attributes name ('' when none; a reference or a plain path)."""
    value = root_attrs.get(SPECLOC_ATTR)
    ref = decode_attr_reference(value)
    return ref[1] if ref else (value or "")


def _is_child_name(name: str) -> bool:
    """Whether a name listed in a format 3 group is a child node (not its document or chunk folder)."""
    return name not in ("zarr.json", "c") and not name.startswith(".")

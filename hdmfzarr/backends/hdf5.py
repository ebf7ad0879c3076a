"""HDF5 input (read-only; the h5py extra): a file written by hdmf/pynwb as a builder tree, datasets as lazy
:class:`H5Array`s, object references as ReferenceBuilders, soft/external links as LinkBuilders."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..build.builders import (
    ROOT_NAME, CompoundField, DatasetBuilder, ExternalTarget, GroupBuilder, LinkBuilder, ReferenceBuilder,
    resolve_target
)
from . import is_url
from ..errors import CorruptStoreError, DanglingReferenceError, StoreError, StoreNotFoundError
from ..spec.cache import decode_cache, latest_sources
from ..spec.dtypes import storage_dtype
from ..spec.model import TYPE_KEYS
from ..dataio import StoredArray

__all__ = ["HDF5Reader", "H5Array", "is_hdf5_path"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_SUFFIXES = (".h5", ".hdf5", ".nwb")


def is_hdf5_path(path: str | os.PathLike[str]) -> bool:
    """True for a local file that starts with the HDF5 signature (or is named .h5/.hdf5/.nwb)."""
    p = os.fspath(path)
    if os.path.isfile(p):
        with open(p, "rb") as fh:
            return fh.read(8) == _HDF5_SIGNATURE
    return p.lower().endswith(_SUFFIXES)


class H5Array(StoredArray):
    """A lazy view of an h5py dataset: ``shape``/``dtype``/``chunks`` without reading, values (text as str) indexed."""

    def __init__(self, dataset: Any, canonical: str | list[CompoundField] | None) -> None:
        self._ds = dataset
        self.canonical = canonical
        self.path: str = dataset.name
        self.store_url = self.dims = None  # not a Zarr store; HDF5 stores no dimension names
        self.shape: tuple[int, ...] = tuple(dataset.shape)
        self.ndim = len(self.shape)
        self.chunks: tuple[int, ...] | None = dataset.chunks
        self._text = canonical in ("text", "ascii")
        self.dtype = np.dtype(object) if self._text else dataset.dtype

    @property
    def nbytes_stored(self) -> int:
        return int(self._ds.id.get_storage_size())

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar dataset")
        return self.shape[0]

    def __getitem__(self, selection: Any) -> Any:
        try:
            if self._text:
                return self._ds.asstr()[selection]
            return self._ds[selection]
        except (OSError, ValueError) as exc:
            raise CorruptStoreError(f"cannot read {self.path!r} from {self._ds.file.filename!r}: {exc}") from exc

    def read(self) -> np.ndarray:
        return np.asarray(self[()])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.read() if dtype is None else self.read().astype(dtype)

    def __repr__(self) -> str:
        return f"H5Array({self.path!r}, shape={self.shape}, dtype={self.canonical})"


class HDF5Reader:
    """An hdmf/pynwb HDF5 file opened read-only; keep it open while the lazy data of ``read_builder()`` is used."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            import h5py
        except ImportError as exc:  # pragma: no cover - h5py is installed in the test environment
            raise StoreError("reading HDF5 files needs h5py: pip install 'hdmfzarr[h5py]'") from exc
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise StoreNotFoundError(f"no such HDF5 file: {self.path!r}")
        try:
            self.file = h5py.File(self.path, "r")
        except OSError as exc:
            raise CorruptStoreError(f"{self.path!r} is not a readable HDF5 file: {exc}") from exc
        self._h5py = h5py

    #: not a Zarr store (the backend protocol's ``zarr_format``)
    zarr_format: int | None = None

    #: HDF5 by signature (local files) or by suffix (.h5/.hdf5/.nwb, also for URLs, refused on open)
    guess_can_open = staticmethod(is_hdf5_path)

    @classmethod
    def open_target(cls, target: str | os.PathLike[str], mode: str = "r",
                    storage_options: dict[str, Any] | None = None, **kwargs: Any) -> HDF5Reader:
        """Open a local HDF5 file read-only (the backend protocol's constructor)."""
        text = os.fspath(target)
        if is_url(text):
            raise StoreError(f"{text}: HDF5 files are read from local paths only; copy it locally first")
        if mode != "r":
            raise StoreError(f"{text}: HDF5 files are opened read-only (mode 'r'), not mode {mode!r}")
        if kwargs:
            raise TypeError(f"HDF5Reader takes no options {sorted(kwargs)}")
        return cls(text)

    def __enter__(self) -> HDF5Reader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.file.close()

    @property
    def spec_location(self) -> str | None:
        """Path of the cached-spec group named by the root ``.specloc`` attribute (if any)."""
        loc = self.file.attrs.get(".specloc")
        if loc is None:
            return "/specifications" if "specifications" in self.file else None
        if isinstance(loc, self._h5py.Reference):
            return self.file[loc].name if loc else None
        return "/" + _str(loc).strip("/")

    def spec_cache(self) -> dict[str, dict[str, Any]]:
        """The namespaces cached in the file (the latest version of each; ``{}`` when none)."""
        loc = self.spec_location
        if loc is None or loc not in self.file:
            return {}
        group = self.file[loc]
        paths = [f"{loc}/{ns}/{version}/{source}"
                 for ns, ns_group in group.items() for version, v_group in ns_group.items() for source in v_group]
        items = [(ns, version, source, _str(group[ns][version][source][()]))
                 for ns, version, source in latest_sources(paths, loc)]
        return decode_cache(items, f"{self.path}:{loc}")

    def read(self) -> Any:
        """The root container, with classes from the specs cached in the file (as ``ZarrIO.read``); its datasets
        are read lazily while the file is open."""
        from ..build import BuildManager, get_type_map

        cache = self.spec_cache()
        type_map = get_type_map().with_cache(cache) if cache else get_type_map()
        return BuildManager(type_map).construct(self.read_builder())

    def read_builder(self) -> GroupBuilder:
        """The whole file as a builder tree (datasets lazy), without the cached-spec group."""
        if not any(k in self.file.attrs for k in TYPE_KEYS) and self.spec_location is None:  # not hdmf/pynwb's
            raise StoreError(
                f"{self.path!r} is not an HDMF file: its root has no data_type/neurodata_type "
                "attribute and it caches no specifications")
        self._links: list[tuple[GroupBuilder, str, str]] = []  # soft links: added once every node is in the tree
        self._unread: list[tuple[Any, Any]] = []  # (builder, h5py object): attributes and eager data wait for it too
        self._root = root = GroupBuilder(ROOT_NAME, source=self.path)
        self._fill_group(root, self.file, skip=self.spec_location)
        while self._links:  # rounds, as a link may point at another link not added yet
            left = []
            for parent, name, target in self._links:
                if (node := resolve_target(target, root)) is None:
                    left.append((parent, name, target))
                else:
                    parent.set_link(LinkBuilder(node, name=name, source=self.path))
            if len(left) == len(self._links):  # no progress: nothing there, or links pointing at each other
                parent, name, target = left[0]
                raise DanglingReferenceError(f"soft link {parent.path.rstrip('/')}/{name} -> {target!r} "
                                             f"points at nothing in {self.path!r}")
            self._links = left
        for builder, obj in self._unread:  # references point at the builders of their targets: read last
            builder.attributes.update(self._attributes(obj))
            if isinstance(builder, DatasetBuilder) and builder.raw_data is None:
                builder.data = self._eager(obj, builder.dtype)
        return root

    def _fill_group(self, builder: GroupBuilder, group: Any, skip: str | None = None) -> None:
        builder.location = group.name
        self._unread.append((builder, group))
        for name in group:
            link = group.get(name, getlink=True)
            path = f"{group.name.rstrip('/')}/{name}"
            if isinstance(link, self._h5py.SoftLink):
                self._links.append((builder, name, link.path))
                continue
            if isinstance(link, self._h5py.ExternalLink):
                target = ExternalTarget(source=link.filename, path=link.path)
                builder.set_link(LinkBuilder(target, name=name, source=self.path))
                continue
            if path == skip:
                continue
            obj = group.get(name)
            if obj is None:
                raise CorruptStoreError(f"cannot open {path!r} in {self.path!r}")
            if isinstance(obj, self._h5py.Group):
                self._fill_group(builder.set_group(GroupBuilder(name, source=self.path)), obj)
            else:
                canonical = self._canonical(obj.dtype, obj.name)
                lazy = canonical != "object" and not isinstance(canonical, list) and obj.shape != ()
                child = builder.set_dataset(DatasetBuilder(name, data=H5Array(obj, canonical) if lazy else None,
                                                           dtype=canonical, source=self.path))
                child.location = obj.name
                self._unread.append((child, obj))

    def _eager(self, ds: Any, canonical: Any) -> Any:
        """Scalars, and reference and compound datasets (small tables of pointers), read at once."""
        if ds.ndim > 1 and canonical == "object":
            return np.vectorize(self._ref, otypes=[object])(ds[()])
        return self._attribute_value(ds[()]) if ds.shape == () else [self._attribute_value(r) for r in ds[()]]

    def _canonical(self, dtype: np.dtype, where: str) -> str | list[CompoundField]:
        if dtype.names and dtype.fields:
            subs = {n: self._canonical(dtype.fields[n][0], where) for n in dtype.names}
            return [CompoundField(n, d if isinstance(d, str) else "object") for n, d in subs.items()]
        if self._h5py.check_ref_dtype(dtype) is not None:
            return "object"
        info = self._h5py.check_string_dtype(dtype)
        if info is not None:
            return "ascii" if info.encoding == "ascii" else "text"
        found = storage_dtype(dtype) if dtype.kind in "biuf" else "text" if dtype.kind == "O" else None
        if found is not None:
            return found
        raise CorruptStoreError(f"dataset {where!r} in {self.path!r} has unsupported HDF5 dtype {dtype}")

    def _ref(self, ref: Any) -> ReferenceBuilder | None:
        if not ref:
            return None
        try:
            path = self.file[ref].name
        except (ValueError, KeyError, OSError) as exc:
            raise DanglingReferenceError(f"an object reference in {self.path!r} points at nothing: {exc}") from exc
        target = resolve_target(path, self._root)  # None: outside the tree read (the cached specs): kept as a path
        return ReferenceBuilder(target=path if target is None else target)

    def _attributes(self, obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in obj.attrs:
            if key == ".specloc" and obj.name == "/":
                continue
            try:
                value = obj.attrs[key]
            except (OSError, TypeError):
                continue  # empty or unreadable attribute: nothing to carry over
            out[key] = self._attribute_value(value)
        return out

    def _attribute_value(self, value: Any) -> Any:
        if isinstance(value, self._h5py.Reference):
            return self._ref(value)
        if isinstance(value, (bytes, np.bytes_)):
            return bytes(value).decode("utf-8", "replace")
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "OSU":
                return self._attribute_value(value.tolist()) if value.ndim else self._attribute_value(value[()])
            return value
        if isinstance(value, list):
            return [self._attribute_value(v) for v in value]
        if isinstance(value, np.void):  # a compound row: each field as an attribute value, numbers as Python's
            return tuple(self._attribute_value(v) for v in value.tolist())
        return value


def _str(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value[()] if value.shape == () else value.ravel()[0]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    return str(value)

"""``ZarrIO``: containers and builder trees to and from a Zarr store, in either convention."""

from __future__ import annotations

import os
from typing import Any

from ...build.builders import Builder, ExternalTarget, GroupBuilder
from ...errors import DanglingReferenceError, StoreError
from . import convention as conv
from .reader import ZarrReader
from .store import StoreHandle
from .writer import ZarrWriter

__all__ = ["ZarrIO"]


class ZarrIO:
    """A Zarr store opened at a local path or fsspec URL.

    ``mode``: 'r' read-only, 'r+' read/write an existing store, 'a' create or open, 'w' create
    (overwriting), 'w-' create, failing if anything exists. ``zarr_format`` (3, the default, =
    hdmf-zarr 0.14's convention; 2 = hdmf-zarr 0.13's, without pickle) applies to writing; reading
    detects the format. ``type_map`` defaults to :func:`hdmfzarr.build.get_type_map`.
    """

    def __init__(
        self,
        path_or_url: str | os.PathLike[str],
        mode: str = "r",
        storage_options: dict[str, Any] | None = None,
        zarr_format: int = 3,
        type_map: Any = None,
    ) -> None:
        self.convention = conv.for_format(zarr_format)
        self.handle = StoreHandle(path_or_url, mode, storage_options)
        self.url = self.handle.url
        self.mode = mode
        self.storage_options = storage_options
        self._type_map = type_map
        self._reader: ZarrReader | None = None
        self._builder: GroupBuilder | None = None
        self._manager: Any = None
        self._external: dict[str, ZarrIO] = {}
        if mode in ("r+", "a"):
            existing = self.handle.root_format()
            if existing is not None:
                self.convention = conv.for_format(existing)

    # -- context manager -----------------------------------------------------------------
    def __enter__(self) -> ZarrIO:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Release the store (and any stores opened to resolve external links)."""
        for other in self._external.values():
            other.close()
        self._external.clear()
        self.handle.close()

    @property
    def zarr_format(self) -> int:
        return self.convention.zarr_format

    @property
    def type_map(self) -> Any:
        if self._type_map is None:
            from ...build import get_type_map

            self._type_map = get_type_map()
        return self._type_map

    # -- builder level -------------------------------------------------------------------
    def write_builder(self, builder: GroupBuilder, namespaces: dict[str, Any] | None = None) -> None:
        """Write a builder tree (and the spec cache ``namespaces``, as ``NamespaceCatalog.to_cache()``)."""
        self._check_writable()
        try:
            ZarrWriter(self.handle, self.convention).write(builder, namespaces)
        finally:
            self.handle.forget_root()
        self._reader = None
        self._builder = None

    def read_builder(self) -> GroupBuilder:
        """The store's builder tree; dataset data are lazy arrays. Cached per ZarrIO."""
        if self._builder is None:
            self._builder = self._get_reader().read()
        return self._builder

    def spec_cache(self) -> dict[str, Any]:
        """The namespaces cached in the store (``{}`` when none)."""
        return self._get_reader().spec_cache()

    def _get_reader(self) -> ZarrReader:
        if self._reader is None:
            self._reader = ZarrReader(self.handle)
        return self._reader

    def _check_writable(self) -> None:
        if self.mode == "r":
            raise StoreError(f"{self.url}: opened read-only (mode 'r'); open with 'w', 'w-', 'a' or 'r+' to write")

    # -- container level -----------------------------------------------------------------
    def write(self, container: Any, cache_spec: bool = True) -> None:
        """Build ``container`` with the type map and write it, caching the specs."""
        self._check_writable()
        from ...build import BuildManager

        manager = BuildManager(self.type_map)
        builder = manager.build(container)
        namespaces = self.type_map.namespace_catalog.to_cache() if cache_spec else None
        self.write_builder(builder, namespaces)

    def read(self) -> Any:
        """The root container. Namespaces cached in the store but unknown to the type map are loaded
        into a copy of it (so classes are generated for them)."""
        from ...build import BuildManager

        builder = self.read_builder()
        type_map = self.type_map
        known = set(type_map.namespace_catalog.namespaces)
        used = {
            ns for b in builder.walk() if not hasattr(b, "target")
            for ns in [b.attributes.get("namespace")] if isinstance(ns, str)
        }
        missing: dict[str, Any] = {}
        if not used <= known:  # read the cached specs only when the type map lacks a namespace
            missing = {name: entry for name, entry in self.spec_cache().items() if name not in known}
        if missing:
            type_map = type_map.copy()
            type_map.namespace_catalog.load_cache(missing)
            if hasattr(type_map, "_hierarchy_cache"):
                type_map._hierarchy_cache.clear()
                type_map._mapper_cache.clear()
        self._manager = BuildManager(type_map, resolve_external=self.resolve_external)
        return self._manager.construct(builder)

    def resolve_external(self, target: ExternalTarget) -> Builder:
        """The builder an external link/reference points at, opening the other store read-only."""
        url = self.handle.child_url(target.source)
        other = self._external.get(url)
        if other is None:
            other = ZarrIO(url, mode="r", storage_options=self.storage_options, type_map=self._type_map)
            self._external[url] = other
        root = other.read_builder()
        try:
            return root[target.path]
        except KeyError:
            raise DanglingReferenceError(f"{self.url}: external target {target.path!r} is missing in {url}") from None

"""``ZarrIO``: containers and builder trees to and from a Zarr store, in either convention."""

from __future__ import annotations

import functools
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
import os
from typing import TYPE_CHECKING, Any

from ...build.builders import Builder, ExternalTarget, GroupBuilder
from ... import errors
from .. import paused_gc
from . import convention as conv
from . import safety
from .reader import ZarrReader
from .store import StoreHandle, StoreLike

if TYPE_CHECKING:
    from .remote import RetryPolicy

__all__ = ["ZarrIO", "ZarrV2IO", "is_zarr_v2_file"]

log = logging.getLogger(__name__)


class ZarrIO:
    """A Zarr store at a local path or fsspec URL, or a zarr ``Store``/``Group`` (left open); ``mode`` as hdmf-zarr's,
    ``zarr_format`` (3 or 2) for writing; ``allow_external``: stores references may lead into (True or prefixes);
    ``load_namespaces`` (NWBZarrIO's) is accepted and has no effect: a store is read with its cached namespaces."""

    def __init__(self, path: StoreLike, mode: str = "r", storage_options: dict[str, Any] | None = None,
                 zarr_format: int = 3, type_map: Any = None, allow_external: safety.AllowExternal = None,
                 retry: RetryPolicy | None = None, manager: Any = None, load_namespaces: bool = True) -> None:
        if storage_options is not None and not isinstance(storage_options, dict):  # hdmf-zarr's 3rd argument
            raise TypeError(f"ZarrIO: storage_options must be a dict of fsspec options, got "
                            f"{type(storage_options).__name__} (a BuildManager goes in manager=)")
        if manager is not None:
            if type_map is not None and type_map is not manager.type_map:
                raise TypeError("ZarrIO: pass a type_map or a manager (whose type map is used), not both")
            type_map = manager.type_map
        # (e.g. pynwb's get_manager(): its classes are not ours; told by module, the build layer is not imported)
        if type_map is not None and not any(c.__module__.startswith("hdmfzarr.") for c in type(type_map).__mro__):
            raise TypeError(f"ZarrIO: manager/type_map must be hdmfzarr's (hdmfzarr.common.get_manager()), got "
                            f"{type(type_map).__module__}.{type(type_map).__name__}; leave it out to read with the "
                            "namespaces cached in the store")
        self.allow_external = allow_external
        self.convention = conv.for_format(zarr_format)
        mode = "r" if mode == "r-" else mode  # hdmf-zarr's "read without consolidated metadata": we read either
        self.handle = StoreHandle(path, mode, storage_options, retry)
        if self.handle.pending_clear:  # mode 'w' over something: cleared under the writer lock
            from .commit import overwrite

            try:
                overwrite(self.handle)
            except BaseException:
                self.handle.close()
                raise
        self.url, self.mode, self.storage_options, self._type_map = self.handle.url, mode, storage_options, type_map
        self._reader: ZarrReader | None = None
        self._read_before = False  # a reader was made: a new one (after a write) refreshes the commit document
        self._builder: GroupBuilder | None = None
        self._manager: Any = None
        self._given_manager: Any = manager  # what ``manager`` answers before a read (hdmf's manager=)
        self._root_container: Any = None  # the container read() returned (appends are written from it)
        self._read_states: dict[int, dict[str, Any]] = {}  # its containers' public values when read (mode a/r+)
        self._append_session: Any = None  # the committed state appends continue from (single writer)
        # a ConflictError was raised to the caller: leaving the ``with`` block does not write the stale rows again
        self._conflict_reported = False
        self._written: dict[str, Any] = {}  # fingerprints of the datasets this ZarrIO's writes stored
        self._written_tree: Builder | None = None  # the builder tree last written (hdmf's get_written)
        self._external: dict[str, ZarrIO] = {}
        existing = self.handle.root_format() if mode != "r" else None
        if mode in ("r+", "a") and existing is not None:
            self.convention = conv.for_format(existing)
        # no store here when opened: the first write creates it, and finding one committed by another
        # writer meanwhile is a conflict (not a write into a store this ZarrIO never saw)
        self._creating = mode != "r" and existing is None

    def __repr__(self) -> str:
        """The URL (user info and signed query parameters masked) and mode; never storage options."""
        return f"ZarrIO({self.url!r}, mode={self.mode!r})"

    @classmethod
    def guess_can_open(cls, target: str | os.PathLike[str]) -> bool:
        """Any local path or fsspec URL: Zarr is the fallback backend (HDF5 files are claimed first)."""
        return isinstance(target, (str, os.PathLike))

    @classmethod
    def can_read(cls, path: StoreLike, storage_options: dict[str, Any] | None = None) -> bool:
        """hdmf-zarr's: whether ``path`` opens as a Zarr store (its root document is read)."""
        try:
            with cls(path, storage_options=storage_options):
                return True
        except (errors.HdmfZarrError, OSError, ValueError, TypeError):
            return False

    @property
    def source(self) -> str:
        """hdmf's: where the store is (its URL, credentials masked)."""
        return self.url

    @property
    def manager(self) -> Any:
        """hdmf's: the BuildManager containers are read with (before ``read()``, one over the type map)."""
        if self._manager is None and self._given_manager is None:
            from ...build import BuildManager

            self._given_manager = BuildManager(self._base_type_map())
        return self._manager if self._manager is not None else self._given_manager

    @classmethod
    def open_target(cls, target: str | os.PathLike[str], mode: str = "r",
                    storage_options: dict[str, Any] | None = None, **kwargs: Any) -> ZarrIO:
        """``ZarrIO(target, mode, storage_options, **kwargs)``."""
        return cls(target, mode=mode, storage_options=storage_options, **kwargs)

    @classmethod
    def load_namespaces(cls, namespace_catalog: Any, path: StoreLike, storage_options: dict[str, Any] | None = None,
                        namespaces: list[str] | None = None) -> dict[str, Any]:
        """hdmf-zarr's: load the namespaces cached at ``path`` (``namespaces``, else all) into a TypeMap or
        NamespaceCatalog, skipping those it already holds."""
        with cls(path, storage_options=storage_options) as io:
            cache = io.spec_cache()
        loaded = getattr(namespace_catalog, "namespace_catalog", namespace_catalog)  # a TypeMap's, or the catalog
        wanted = {name: entry for name, entry in cache.items()
                  if name not in loaded.namespaces and (namespaces is None or name in namespaces)}
        return namespace_catalog.load_cache(wanted) if wanted else {}

    def __enter__(self) -> ZarrIO:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        try:
            if exc_type is None and not self._conflict_reported:
                self.flush_appends()
            elif exc_type is None and (pending := self.pending_appends()):
                log.warning("%s: %d appended row(s) not written: a write of this ZarrIO already raised "
                            "ConflictError (read the store again and append them again)", self.url, pending)
        finally:
            self.close()

    def close(self) -> None:
        """Release the store (and any stores opened to resolve external links)."""
        for other in self._external.values():
            other.close()
        self._external.clear()
        self.handle.close()

    @property
    def zarr_format(self) -> int:
        """The store's Zarr format when it exists (else the one it will be written in)."""
        stored = self.handle.root_format() if self.mode == "r" else None
        return stored if isinstance(stored, int) else self.convention.zarr_format

    @property
    def type_map(self) -> Any:
        """The type map containers are read with (after ``read()``, perhaps a copy holding the store's cached
        namespace versions: ``io.type_map.get_class("TimeSeries", "core")``)."""
        return self._manager.type_map if self._manager is not None else self._base_type_map()

    def _base_type_map(self) -> Any:
        """The map given to this ZarrIO, else the default one: what reads start from."""
        if self._type_map is None:
            from ...build import get_type_map

            self._type_map = get_type_map()
        return self._type_map

    def write_builder(self, builder: GroupBuilder, namespaces: dict[str, Any] | None = None,
                      link_data: bool = False) -> None:
        """Write a builder tree (and the spec cache ``namespaces``) in one transaction; arrays of other stores are
        copied, or linked to when ``link_data`` (or their DataIO) says so."""
        self._write_tree(builder, namespaces, [], link_data)
        self._builder = None

    def _write_tree(self, builder: GroupBuilder, namespaces: dict[str, Any] | None, jobs: list[Any],
                    link_data: bool = False, read_tree: GroupBuilder | None = None) -> None:
        """One transaction: ``builder`` plus the append ``jobs`` of ``read_tree``, the tree read from this store."""
        from .transaction import Transaction
        from .writer import ZarrWriter  # imported by the first write: reading never needs it

        self._check_writable()
        try:
            txn = Transaction(self.handle, self.convention)
            if self._creating and not txn.fresh:
                raise errors.ConflictError(f"{self.url}: another writer created the store since it was opened here; "
                                           "nothing of this write was committed - open the store again (mode 'a' "
                                           "adds to it, 'w' replaces it)")
            self.convention = txn.conv
            txn.jobs = list(jobs)
            fresh = txn.fresh
            writer = ZarrWriter(self.handle, txn.conv, link_data, known=None if fresh else self._written,
                                read_tree=None if fresh else read_tree)
            writer.write(builder, namespaces, txn)
            # what this ZarrIO stored, by path: a later write of the same data does not store it again
            self._written = {**({} if fresh else self._written),
                             **{k: v for k, v in writer.written.items() if v is not None}}
            self._written_tree = builder
        except errors.ConflictError:
            self._conflict_reported = True
            raise
        except errors.HdmfZarrError:
            raise
        except OSError as exc:  # disk full, connection lost, permission denied, ...
            raise errors.StoreError(
                f"{self.url}: writing failed ({type(exc).__name__}: {exc}); nothing of this write was "
                "committed: the store keeps its last commit (a new store stays incomplete)") from exc
        finally:
            self.handle.forget_root()
            self._append_session = None
        self._reader = None
        self._conflict_reported = False
        self._creating = False

    def read_builder(self) -> GroupBuilder:
        """The store's builder tree; dataset data are lazy arrays. Cached per ZarrIO."""
        if self._builder is None:
            with safety.translating(self.url, "read the store metadata"):  # metadata of unexpected types
                self._builder = self._get_reader().read()
        return self._builder

    def get_written(self, builder: Builder, check_on_disk: bool = False) -> bool:
        """hdmf's: whether ``builder`` belongs to the tree this ZarrIO read or last wrote (``check_on_disk``: no
        effect, a tree read is on disk)."""
        return any(builder.root is tree for tree in (self._builder, self._written_tree))

    def get_builder(self, zarr_obj: Any) -> Builder:
        """hdmf-zarr's: the builder read for a zarr group or array of this store (or its path in the store)."""
        path = zarr_obj if isinstance(zarr_obj, str) else zarr_obj.path
        root = self.read_builder()
        try:
            return root[path] if path.strip("/") else root
        except KeyError:
            raise errors.StoreNotFoundError(f"{self.url}: no object at /{path.strip('/')} in the tree read") from None

    def get_container(self, zarr_obj: Any) -> Any:
        """hdmf-zarr's: the container read for a zarr group or array of this store (or its path in the store)."""
        if self._manager is None:
            self.read()
        return self._manager.construct(self.get_builder(zarr_obj))

    def spec_cache(self) -> dict[str, Any]:
        """The namespaces cached in the store (``{}`` when none)."""
        reader = self._get_reader()
        with safety.translating(self.url, "read the cached specs"):
            return reader.spec_cache()

    def _get_reader(self) -> ZarrReader:
        if self._reader is None:
            writer = self.mode in ("a", "r+")
            with safety.translating(self.url, "read the store metadata"):
                if writer and self._read_before:  # a writer's first read uses the commit found when opening
                    self.handle.root_format(refresh=True)  # later ones (after its writes) ask the server again
                reader = ZarrReader(self.handle)
                self._read_before = True
                if writer and reader.redirect:  # an interrupted in-place rewrite: a writer rolls it back, reads again
                    from .transaction import recover

                    recover(self.handle)
                    reader = ZarrReader(self.handle)
            self._reader = reader
        return self._reader

    def _check_writable(self) -> None:
        if self.mode == "r":
            raise errors.StoreError(
                f"{self.url}: opened read-only (mode 'r'); open with 'w', 'w-', 'a' or 'r+' to write")

    def write(self, container: Any, cache_spec: bool = True, link_data: bool = False,
              consolidate_metadata: bool = True) -> None:
        """Build ``container`` (with the type map it was read with) and write it in one transaction, caching the specs;
        a container this ZarrIO read is written as its appended rows plus any added or edited objects. The metadata
        is consolidated whatever ``consolidate_metadata`` (hdmf-zarr's) says: it is the commit point."""
        self._check_writable()
        if self._is_append_only(container):
            self.flush_appends()  # (stages the rows of reference columns)
            return
        from ...build import BuildManager, type_map_for_write
        from .append import collect_jobs

        read_tree = self._builder if self._root_container is not None and self.mode in ("a", "r+") else None
        # the type map the tree was read with knows the namespaces cached in the store (e.g. NWB's core)
        type_map = type_map_for_write(container, self._type_map)
        manager = BuildManager(type_map)
        builder = manager.build(container)
        if read_tree is not None and (read := self._manager) is not None:  # after the build: rows may refer to it
            self._stage_reference_rows(builder_of=lambda c: read.builder_of(c) or manager.builder_of(c))
        jobs = collect_jobs(read_tree, self.url, self.convention)
        namespaces = type_map.namespace_catalog.to_cache() if cache_spec else None
        self._write_tree(builder, namespaces, jobs, link_data, read_tree)
        self._builder = read_tree  # still the committed tree read (what this write added is in the store too)

    def export(self, src_io: Any, container: Any = None, write_args: dict[str, Any] | None = None,
               clear_cache: bool = False, cache_spec: bool = True, consolidate_metadata: bool = True) -> None:
        """hdmf-zarr's export: copy everything ``src_io`` (an open backend, or an hdmf IO object with a ``source``)
        holds, with its cached specs; or write ``container`` with ``write_args`` (``clear_cache`` and
        ``consolidate_metadata``: no effect, as in ``write``)."""
        if container is not None:
            self.write(container, **{"cache_spec": cache_spec, **(write_args or {})})
            return
        if {k: v for k, v in (write_args or {}).items() if (k, v) != ("link_data", False)}:  # it copies, as asked
            raise TypeError(f"ZarrIO.export: write_args {write_args} apply to a container written; exporting "
                            "everything copies every dataset (link_data=False): pass container= to use them")
        from .. import open as open_backend
        from ..protocol import Backend
        from .export import write_copy

        if isinstance(src_io, Backend):
            write_copy(self, src_io.read_builder(), src_io.spec_cache() if cache_spec else None, f"export {self.url}")
        elif isinstance(source := getattr(src_io, "source", None), (str, os.PathLike)):  # an hdmf IO object
            with open_backend(source) as opened:
                self.export(opened, cache_spec=cache_spec)
        else:
            raise TypeError(f"ZarrIO.export: src_io must be an open store or file (hdmfzarr.open(path)) or an "
                            f"hdmf IO object with a source path, got {type(src_io).__name__}")

    @paused_gc()
    def read(self) -> Any:
        """The root container (namespaces cached in the store but unknown to the type map loaded into a copy of it)."""
        from ...build import BuildManager

        reader = self._get_reader()  # the root document: every node's metadata when consolidated
        type_map = self._base_type_map()
        known = set(type_map.namespace_catalog.namespaces)
        used = {ns for node in reader.nodes.values() for ns in [node.attrs.get("namespace")] if isinstance(ns, str)}
        cached = {ns: version for ns, version, _ in reader.cached_sources()}  # the latest cached version each
        # the store's cached specs win over the type map's (another version of hdmf-common, core, ...);
        # they are fetched only when a version differs or a used namespace is not loaded
        differs = any(type_map.loaded_versions().get(n, v) != v for n, v in cached.items())
        key = frozenset(known) | frozenset(cached.items())
        extended = type_map if used <= known and not differs else _EXTENDED.get(type_map, {}).get(key)  # loaded before
        if extended is None:  # the cached specs and the tree's small values, fetched in one concurrent wave
            with ThreadPoolExecutor(1) as pool:
                specs = pool.submit(self.spec_cache)
                builder = self.read_builder()
                cache = specs.result()
            with safety.translating(self.url, "load the specs cached in the store"):  # specs of unexpected shapes
                extended = _EXTENDED.setdefault(type_map, {})[key] = type_map.with_cache(cache)
        else:
            builder = self.read_builder()
        # the append machinery is imported only where needed: a consolidated store read in mode 'r' never loads it
        if not reader.consolidated:  # bound columns by the committed rows (append protocol)
            from .append import bound_tables

            bound_tables(builder)
        if self.mode in ("a", "r+"):
            from .append import wrap_growable

            wrap_growable(builder)
        if extended.builder_type(builder) is None:  # a zarr store hdmf, pynwb or hdmfzarr did not write
            raise errors.ConstructError(
                f"{self.url}: not an HDMF store: its root has no type attributes ('namespace' and 'data_type' or "
                f"'neurodata_type'), found {sorted(builder.attributes)} (a plain zarr store: open it with zarr)")
        self._manager = _store_build_manager(BuildManager)(extended, resolve_external=self.resolve_external)
        self._conflict_reported = False  # a fresh tree: its pending rows are the caller's new ones
        with safety.translating(self.url, "construct containers from the store"):  # values of the wrong type
            self._root_container = self._manager.construct(builder)
            self._root_container.container_source = self.url  # redacted: shown by the notebook view
        if self.mode in ("a", "r+"):  # a write back compares with what was read: edits need a full write
            self._read_states = {id(c): c.field_state() for c in self._manager.constructed()}
        return self._root_container

    def _is_append_only(self, container: Any) -> bool:
        """Whether ``container`` belongs to the tree read here, with no object added or edited since (writing
        it means appending the buffered rows)."""
        if self._root_container is None:
            return False
        from ...build.appends import arrays_replaced, edited

        containers = [] if self._manager is None else self._manager.constructed()
        known = {id(c) for c in containers}
        return (id(container) in known and all(id(c) in known for c in self._root_container.all_children())
                and not arrays_replaced(self._builder, containers) and not edited(containers, self._read_states))

    def _stage_reference_rows(self, strict: bool = True, builder_of: Any = None) -> None:
        """Rows added to columns of references (containers) become rows of the stored arrays under them; rows their
        stored fields cannot hold drop every buffered row (RefusedRowsError), as an append refusing them does."""
        if self._root_container is None or self._manager is None or self.mode not in ("a", "r+"):
            return
        from ...build.appends import pending_reference_rows, plan_appends, stage_reference_rows
        from .transaction import dropped

        containers = self._manager.constructed()
        try:
            stage_reference_rows(containers, builder_of or self._manager.builder_of, strict)
        except errors.RefusedRowsError as exc:
            drops = [a.rows.clear for a in pending_reference_rows(containers)]
            raise dropped(exc, drops + [a.rows.clear for _, a, _ in plan_appends(self._builder)]) from None

    def pending_appends(self) -> int:
        """Rows appended to the tree read from this store and not yet written."""
        if self._root_container is None:
            return 0
        from ...build.appends import pending_count

        self._stage_reference_rows(strict=False)

        return pending_count(self._builder)

    def flush_appends(self) -> int:
        """Write the rows appended to the tree read from this store (one commit); returns the arrays grown."""
        if self._root_container is None or self.mode not in ("a", "r+") or self._builder is None:
            return 0
        from .append import append_tree

        self._stage_reference_rows()
        try:
            grown, self._append_session = append_tree(self.handle, self._builder, self._append_session)
        except BaseException as exc:
            self._append_session = None  # start again from the store's committed state
            if isinstance(exc, errors.ConflictError):
                self._conflict_reported = True
            raise
        self._conflict_reported = False
        return grown

    def resolve_external(self, target: ExternalTarget) -> Builder:
        """The builder an external link/reference points at, in another store opened read-only (if allowed)."""
        where = f"{self.url}: external target {target.path!r}"
        safety.check_object_path(target.path, where)
        if not isinstance(target.source, str):
            raise errors.CorruptStoreError(f"{where}: source must be a string, got {target.source!r}")
        url = self.handle.child_url(target.source)
        safety.check_external(target.source, url, self.allow_external, where)
        if (other := self._external.get(url)) is None:
            other = self._external[url] = ZarrIO(url, mode="r", storage_options=self.storage_options,
                                                 type_map=self._type_map, allow_external=self.allow_external)
        try:
            return other.read_builder()[target.path]
        except KeyError:
            raise errors.DanglingReferenceError(
                f"{self.url}: external target {target.path!r} is missing in {url}") from None


#: type map -> {namespaces known + cached (name, version) pairs: the copy with those specs loaded}, so a
#: store whose spec versions were loaded once in this process is opened without fetching them again
_EXTENDED: weakref.WeakKeyDictionary[Any, dict[frozenset, Any]] = weakref.WeakKeyDictionary()


@functools.cache
def _store_build_manager(base: type) -> type:
    """``base`` (BuildManager) whose construction failures on store data are CorruptStoreErrors naming the builder."""

    class StoreBuildManager(base):  # type: ignore[valid-type, misc]
        def construct_child(self, builder: Builder) -> Any:
            try:
                return super().construct_child(builder)
            except errors.HdmfZarrError:
                raise
            except Exception as exc:
                from ...spec.model import declared_type

                kind = (declared_type(builder.attributes) or (None, type(builder).__name__))[1]
                raise errors.CorruptStoreError(
                    f"{builder.source}:{builder.path}: cannot construct {kind} from the stored "
                    f"attributes/data ({type(exc).__name__}: {exc})") from exc

    return StoreBuildManager


class ZarrV2IO(ZarrIO):
    """hdmf-zarr 0.14's reader of format-2 stores (hdmf-zarr 0.13's): read-only, as there; ``ZarrIO`` reads both
    formats, and writes format 2 with ``zarr_format=2``."""

    def __init__(self, path: StoreLike, mode: str = "r", *args: Any, **kwargs: Any) -> None:
        if mode not in ("r", "r-"):
            raise ValueError(f"ZarrV2IO reads only (mode 'r'), got mode {mode!r}; write format 2 with "
                             "ZarrIO(path, mode, zarr_format=2)")
        super().__init__(path, mode, *args, **kwargs)


def is_zarr_v2_file(path: StoreLike, storage_options: dict[str, Any] | None = None) -> bool:
    """hdmf-zarr 0.14's: whether ``path`` is a Zarr format 2 store (False when it is none)."""
    try:
        with ZarrIO(path, storage_options=storage_options) as io:
            return conv.for_format(io.zarr_format) is conv.V2
    except (errors.HdmfZarrError, OSError, ValueError):
        return False

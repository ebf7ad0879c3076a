"""Builders: the storage-neutral tree between containers and a backend, mirroring what is stored; they know nothing
of specs or zarr. A dataset's dtype: a canonical spec dtype, ``"object"`` (references), [CompoundField] or None."""

from __future__ import annotations

from typing import Any, Iterator

from ..dataio import Deferred, fetch_deferred
from ..record import Record

__all__ = [
    "Builder", "GroupBuilder", "DatasetBuilder", "LinkBuilder", "ReferenceBuilder", "ExternalTarget", "CompoundField",
    "PendingRef", "Deferred", "fetch_deferred", "ROOT_NAME"
]

ROOT_NAME = "root"  #: the name of a tree's root builder, whatever its container was called (as hdmf-zarr's)


class CompoundField(Record):
    """One field of a compound dtype: its name and canonical dtype (``"object"`` = reference)."""

    __slots__ = ("name", "dtype")
    name: str
    dtype: str

    def __init__(self, name: str, dtype: str) -> None:
        self._set(name, dtype)


class ExternalTarget(Record):
    """An object in another store: ``source`` is relative to this store's URL (or absolute)."""

    __slots__ = ("source", "path")
    source: str
    path: str

    def __init__(self, source: str, path: str) -> None:
        self._set(source, path)


class Builder:
    """A node of the tree: a name, a parent, attributes and the source store it came from."""

    __slots__ = ("name", "parent", "attributes", "source", "location")

    def __init__(self, name: str, attributes: dict[str, Any] | None = None, parent: GroupBuilder | None = None,
                 source: str | None = None) -> None:
        self.name = name
        self.parent = parent
        self.attributes: dict[str, Any] = dict(attributes) if attributes else {}
        self.source = source
        self.location: Any = None  # backend-private (for example the zarr node a read builder came from)

    @property
    def path(self) -> str:
        """Absolute path inside the store, ``/`` for the root."""
        parts: list[str] = []
        node: Builder | None = self
        while node is not None and node.parent is not None:
            parts.append(node.name)
            node = node.parent
        return "/" + "/".join(reversed(parts))

    @property
    def root(self) -> Builder:
        node: Builder = self
        while node.parent is not None:
            node = node.parent
        return node

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"


class GroupBuilder(Builder):
    """A group: child groups, datasets and links by name, plus attributes."""

    __slots__ = ("groups", "datasets", "links")

    def __init__(self, name: str, groups: dict[str, GroupBuilder] | list[GroupBuilder] | None = None,
                 datasets: dict[str, DatasetBuilder] | list[DatasetBuilder] | None = None,
                 attributes: dict[str, Any] | None = None,
                 links: dict[str, LinkBuilder] | list[LinkBuilder] | None = None, parent: GroupBuilder | None = None,
                 source: str | None = None) -> None:
        super().__init__(name, attributes, parent, source)
        self.groups: dict[str, GroupBuilder] = {}
        self.datasets: dict[str, DatasetBuilder] = {}
        self.links: dict[str, LinkBuilder] = {}
        given: tuple[tuple[Any, dict[str, Any]], ...] = ((groups, self.groups), (datasets, self.datasets),
                                                        (links, self.links))
        for items, into in given:
            for child in items.values() if isinstance(items, dict) else items or ():
                self._adopt(child, into)

    def get(self, name: str) -> Builder | None:
        """The child group, dataset or link called ``name`` (names are unique among the three), or None."""
        return self.groups.get(name) or self.datasets.get(name) or self.links.get(name)

    def _adopt[B: Builder](self, child: B, into: dict[str, B]) -> B:
        old = self.get(child.name)
        if old is not None and old is not child:
            raise ValueError(f"{self.path!r} already has a child named {child.name!r}")
        child.parent = self
        into[child.name] = child
        return child

    def set_group(self, builder: GroupBuilder) -> GroupBuilder:
        return self._adopt(builder, self.groups)

    def set_dataset(self, builder: DatasetBuilder) -> DatasetBuilder:
        return self._adopt(builder, self.datasets)

    def set_link(self, builder: LinkBuilder) -> LinkBuilder:
        return self._adopt(builder, self.links)

    def children(self) -> Iterator[Builder]:
        yield from self.groups.values()
        yield from self.datasets.values()
        yield from self.links.values()

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, path: str) -> Builder:
        """Child by name or by a path relative to this group (absolute paths from the root)."""
        node: Builder = self.root if path.startswith("/") else self
        for part in (p for p in path.split("/") if p):
            nxt = node.get(part) if isinstance(node, GroupBuilder) else None
            if nxt is None:
                raise KeyError(path)
            node = nxt
        return node

    def walk(self) -> Iterator[Builder]:
        """This group and every node below it, depth first, in a stable order."""
        yield self
        for g in self.groups.values():
            yield from g.walk()
        yield from self.datasets.values()
        yield from self.links.values()


class DatasetBuilder(Builder):
    """A dataset: data (array-like, scalar, lazy array, iterator, DataIO), dtype and attributes. ``data`` reads a
    :class:`Deferred` value (with every other its reader holds unread, in one wave); ``raw_data`` does not."""

    __slots__ = ("raw_data", "dtype", "dims")

    def __init__(self, name: str, data: Any = None, dtype: str | list[CompoundField] | None = None,
                 attributes: dict[str, Any] | None = None, parent: GroupBuilder | None = None,
                 source: str | None = None, dims: list[str] | None = None) -> None:
        super().__init__(name, attributes, parent, source)
        self.raw_data: Any = data  # as held: a Deferred value is not read
        self.dtype = dtype
        self.dims = dims

    @property
    def data(self) -> Any:
        value = self.raw_data
        if isinstance(value, Deferred):
            value = self.raw_data = value.get(everything=True)
        return value

    @data.setter
    def data(self, value: Any) -> None:
        self.raw_data = value


class LinkBuilder(Builder):
    """A link named ``name`` to a builder in this tree or to an :class:`ExternalTarget`."""

    __slots__ = ("target",)

    def __init__(self, target: Builder | ExternalTarget, name: str | None = None, parent: GroupBuilder | None = None,
                 source: str | None = None) -> None:
        if name is None:
            if isinstance(target, ExternalTarget):
                raise ValueError("a link to an external target needs a name")
            name = target.name
        super().__init__(name, None, parent, source)
        self.target = target


class ReferenceBuilder(Record):
    """An object reference: to a builder in this tree, or (on read, before resolution) a path."""

    __slots__ = ("target", "source")
    target: Any  # Builder | str (absolute path) | ExternalTarget
    source: str

    def __init__(self, target: Any, source: str = ".") -> None:
        self._set(target, source)

    @property
    def path(self) -> str:
        return self.target.path if isinstance(self.target, (Builder, ExternalTarget)) else str(self.target)


def resolve_target(target: Any, root: Builder | None) -> Builder | ExternalTarget | None:
    """The builder a link, reference or path (absolute, or from ``root``) points at, links followed; an
    external target as is; None when nothing in ``root``'s tree is there."""
    if isinstance(target, (ReferenceBuilder, LinkBuilder)):
        return resolve_target(target.target, root)
    if isinstance(target, bytes):
        target = target.decode("utf-8", "replace")
    if isinstance(target, str) and isinstance(root, GroupBuilder):
        try:
            return resolve_target(root[target], root)
        except KeyError:
            return None
    return target if isinstance(target, (Builder, ExternalTarget)) else None


class PendingRef:
    """A reference to an object still being constructed (a cycle); set once that object exists."""

    __slots__ = ("builder",)

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

"""The base classes of every container: ``Container`` (a group) and ``Data`` (a dataset); plain Python objects (no
metaclass, registry or per-attribute hooks), so a tree of many small ones stays cheap."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from hdmfzarr.dataio import DataChunkIterator, DataIO, Deferred, held_reads, is_lazy_array, to_dask
from hdmfzarr import errors

__all__ = ["AbstractContainer", "Container", "Data", "Children", "GroupView", "is_lazy_array", "require_str",
           "summarize_value"]

REPR_FIELDS = 6  # fields shown by a container's repr before "... +N fields"


def require_str(value: Any, what: str) -> str:
    """``value`` if it is a str, else a ContainerError saying ``what`` (object and field) must be one."""
    if not isinstance(value, str):
        raise errors.ContainerError(f"{what} must be a str, got {type(value).__name__} {value!r:.60}")
    return value


def summarize_value(value: Any) -> str:
    """A short description of a field value for ``repr``: never reads array contents."""
    if isinstance(value, AbstractContainer):
        return f"<{type(value).__name__} {value.name!r}>"
    if isinstance(value, (list, tuple)):
        return f"<{type(value).__name__} len={len(value)}>"
    if isinstance(value, np.ndarray) or is_lazy_array(value):
        return f"<{type(value).__name__} shape={tuple(value.shape)} dtype={getattr(value, 'dtype', '?')}>"
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:57] + "...")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class AbstractContainer:
    """What ``Container`` and ``Data`` share: identity, parent/children and the modified flag."""

    data_type: ClassVar[str] = "AbstractContainer"
    repr_kind: ClassVar[str] = "container"  # what the notebook view (hdmfzarr.repr) draws it as
    namespace: ClassVar[str] = "hdmf-common"
    field_names: ClassVar[tuple[str, ...]] = ()  # the attributes holding this type's data fields (see ``fields``)

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = type(self).data_type
        elif "/" in require_str(name, f"{type(self).__name__}: name"):
            raise errors.ContainerError(f"{type(self).__name__}: name {name!r} must not contain '/'")
        self.name = name
        self._parent: AbstractContainer | None = None
        self._children: list[AbstractContainer] = []
        self._object_id: str | None = None
        self._modified = True
        self.container_source: str | None = None  # set by a backend on read (the store URL and the path in it)

    def _where(self) -> str:
        """How error messages name this object: its class and name."""
        return f"{type(self).__name__} {self.name!r}"

    def _error(self, message: str, cls: type[errors.ContainerError] | None = None) -> errors.ContainerError:
        """A ``cls`` error (ContainerError by default) whose message starts with ``_where()``."""
        return (cls or errors.ContainerError)(f"{self._where()}: {message}")

    def __bool__(self) -> bool:
        return True  # an object, not a collection: an empty table or dataset is still truthy

    @property
    def object_id(self) -> str:
        """A uuid4 string, drawn on first access (and kept); a reader sets the stored one."""
        if self._object_id is None:
            self._object_id = str(uuid.uuid4())
        return self._object_id

    @object_id.setter
    def object_id(self, value: str) -> None:
        self._object_id = require_str(value, f"{self._where()}: object_id")

    def generate_new_id(self, recurse: bool = True) -> None:
        """Give this container (and by default its descendants) fresh object ids, for export-as-new."""
        for node in self.all_children() if recurse else [self]:
            node._object_id = str(uuid.uuid4())

    @property
    def parent(self) -> AbstractContainer | None:
        return self._parent

    @parent.setter
    def parent(self, parent: AbstractContainer | None) -> None:
        current = self._parent
        if current is not None and parent is not current:
            raise errors.ContainerError(
                f"{self._where()} already has parent {type(current).__name__} {current.name!r}; "
                f"cannot set parent {type(parent).__name__} {getattr(parent, 'name', None)!r}")
        if parent is None or parent is current:
            return
        if not isinstance(parent, AbstractContainer):
            raise self._error(f"parent must be a container, got {type(parent).__name__}")
        self._parent = parent
        parent.children.append(self)
        parent.set_modified(True)

    def reset_parent(self) -> None:
        """Detach from the parent (so the container may be added elsewhere)."""
        parent = self._parent
        if parent is not None:
            parent.children[:] = [c for c in parent.children if c is not self]  # by identity (tables define ==)
            parent.set_modified(True)
            self._parent = None

    def add_child(self, child: AbstractContainer) -> AbstractContainer:
        """Make ``child`` a child of this container (sets its parent); returns the child."""
        if not isinstance(child, AbstractContainer):
            raise self._error(f"a child must be a container, got {type(child).__name__}")
        child.parent = self
        return child

    def _adopt(self, value: Any) -> Any:
        """Set ``self`` as parent of ``value`` if it is an orphan container (fields holding links keep theirs)."""
        if isinstance(value, AbstractContainer) and value.parent is None:
            value.parent = self
        return value

    @property
    def children(self) -> list[AbstractContainer]:
        return self._children

    def all_children(self) -> Iterator[AbstractContainer]:
        """This container and all its descendants, depth first."""
        stack: list[AbstractContainer] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def get_ancestor(self, data_type: str | None = None) -> AbstractContainer | None:
        """The nearest ancestor with ``data_type`` (or the root when ``data_type`` is None)."""
        node = self._parent
        while node is not None:
            if data_type is None and node.parent is None or type(node).data_type == data_type:
                return node
            node = node.parent
        return None

    def field_state(self) -> dict[str, Any]:
        """The public attributes as held now (maybe ``Deferred``): a write back compares them with those at read, to
        tell an edited object from one appended to (dicts and lists, such as a field's children, as tuples of their
        values: one added in place is a change)."""
        return {k: tuple(v.values()) if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v
                for k, v in vars(self).items() if k[0] != "_"}

    @property
    def modified(self) -> bool:
        return self._modified

    def set_modified(self, modified: bool = True) -> None:
        """Mark as (un)modified; marking modified also marks every ancestor (they must be rewritten)."""
        self._modified = modified
        parent = self._parent
        if modified and parent is not None and not parent.modified:
            parent.set_modified(True)

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Stored attributes this object's own type spec does not declare (Units' ``spike_times@resolution``
        is declared by the table's spec, not VectorData's): read from the store and written back."""
        return self.__dict__.setdefault("_extra_attributes", {})

    @property
    def fields(self) -> dict[str, Any]:
        """The data fields (spec names -> values) that are set, from ``field_names`` of the class."""
        return {fname: value for cls in reversed(type(self).__mro__) for fname in cls.__dict__.get("field_names", ())
                if (value := getattr(self, fname, None)) is not None}

    def __repr__(self) -> str:
        fields = self.fields  # one line, never reading data
        parts = [self._where(), *(f"{k}={summarize_value(v)}" for k, v in list(fields.items())[:REPR_FIELDS])]
        if len(fields) > REPR_FIELDS:
            parts.append(f"... +{len(fields) - REPR_FIELDS} fields")
        return "<" + " ".join(parts) + ">"

    def _repr_html_(self) -> str:
        """Notebook view: a collapsible tree that reads at most the first rows/chunks of any dataset."""
        from hdmfzarr.repr import html_repr  # on first view: a read never imports the notebook view

        return html_repr(self)


class Children(dict):
    """The typed children one field holds, by name (a dict: ``field["raw"]``, iterating gives names); an integer
    picks by position (``field[0]``), as with the lists fields held before."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return list(self.values())[key]
        return super().__getitem__(key)

    def add(self, child: AbstractContainer, where: str | None = None) -> AbstractContainer:
        """Add ``child`` under its own name (a name already taken raises ContainerError naming ``where``)."""
        if child.name in self and dict.__getitem__(self, child.name) is not child:
            raise errors.ContainerError(f"{where}: two objects are named {child.name!r}" if where
                                        else f"two objects are named {child.name!r} here")
        dict.__setitem__(self, child.name, child)
        return child

    @classmethod
    def of(cls, value: Any, where: str) -> Any:
        """``value`` (a list, tuple, dict or one container) as Children; other values unchanged."""
        if value is None or isinstance(value, Children):
            return value
        items = list(value.values()) if isinstance(value, dict) else (
            list(value) if isinstance(value, (list, tuple)) else [value])
        if not all(isinstance(v, AbstractContainer) for v in items):
            return value  # references still being resolved while reading: kept as given
        out = cls()
        for v in items:
            out.add(v, where)
        return out


class GroupView(Mapping):
    """The typed children a container stores under an untyped group path (``nwb.intervals``), by name;
    untyped sub-groups are views too. Read-only: add children through the container's fields."""

    def __init__(self, container: AbstractContainer, path: tuple[str, ...]) -> None:
        self._container = container
        self._path = path

    @held_reads()
    def _entries(self) -> dict[str, Any]:
        """Name -> object or value; a stored value not read yet stays :class:`Deferred` (read on lookup)."""
        out: dict[str, Any] = {}
        c: Any = self._container  # a Container: field_paths / field_datasets are its ClassVars
        n = len(self._path)
        for attr, where in type(c).field_paths.items():
            if where[:n] != self._path:
                continue
            stored = type(c).field_datasets.get(attr)
            value = getattr(c, attr, None)
            if len(where) > n:  # below an untyped sub-group: a view of it, when anything is stored there
                if where[n] not in out and (_field_items(value) or (stored is not None and value is not None)):
                    out[where[n]] = GroupView(c, where[:n + 1])
            elif stored is not None and value is not None:  # an untyped dataset's value
                out.setdefault(stored, value)
            else:  # typed children (none for an unset dataset field)
                for child in _field_items(value):
                    out.setdefault(child.name, child)
        if not n:  # children no field places under an untyped group are at the top
            below = {id(v) for attr, where in type(c).field_paths.items() if where
                     for v in _field_items(getattr(c, attr, None))}
            for child in c.children:
                if id(child) not in below:
                    out.setdefault(child.name, child)
        return out

    def __getitem__(self, key: str) -> Any:
        if isinstance(key, str) and "/" in key.strip("/"):
            head, _, rest = key.strip("/").partition("/")
            return _step(self[head], rest, key)
        try:
            found = self._entries()[key]
            return found.get() if isinstance(found, Deferred) else found
        except KeyError:
            where = "/".join(self._path) or "/"
            raise KeyError(f"{self._container.name}: no object {key!r} in {where}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())

    def __repr__(self) -> str:
        return f"<GroupView {'/'.join(self._path)!r} of {self._container.name!r}: {sorted(self._entries())}>"


def _field_items(value: Any) -> list[AbstractContainer]:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    return [v for v in items if isinstance(v, AbstractContainer)]


def _step(node: Any, rest: str, full: str) -> Any:
    """Continue a path lookup below ``node`` (a view or a container)."""
    if isinstance(node, GroupView) or (isinstance(node, Container) and type(node).__getitem__ is Container.__getitem__):
        return node[rest]
    if isinstance(node, AbstractContainer) and not isinstance(node, Container):
        raise KeyError(f"{full!r}: {rest!r} is below a dataset")
    if isinstance(node, AbstractContainer):  # tables index rows/columns: children by name
        head, _, tail = rest.partition("/")
        child = next((c for c in node.children if c.name == head), None)
        if child is None:
            raise KeyError(f"{full!r}: {node.name!r} has no child {head!r}")
        return _step(child, tail, full) if tail else child
    raise KeyError(f"{full!r}: {rest!r} is below a value, not a group")


class Container(AbstractContainer):
    """A group-like container (hdmf-common ``Container``); ``container["acquisition/raw"]`` reaches an object by its
    stored path (through untyped groups)."""

    data_type: ClassVar[str] = "Container"
    #: attribute -> the untyped group path its values are stored under (classes generated from specs)
    field_paths: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: attribute -> stored name, for fields holding an untyped dataset's value (``data``, ``starting_time``)
    field_datasets: ClassVar[dict[str, str]] = {}

    def __getitem__(self, path: str) -> Any:
        if not isinstance(path, str):
            raise TypeError(f"{self._where()}: index by stored path (a str), got {path!r}")
        return GroupView(self, ())[path.strip("/")]


class Data(AbstractContainer):
    """A dataset-like container holding array-like ``data`` (hdmf-common ``Data``)."""

    data_type: ClassVar[str] = "Data"
    repr_kind: ClassVar[str] = "data"
    field_names: ClassVar[tuple[str, ...]] = ("data",)

    def __init__(self, name: str | None = None, data: Any = None) -> None:
        super().__init__(name)
        self.data = data

    @property
    def shape(self) -> tuple[int, ...]:
        data = self.data
        if data is None:
            return (0,)
        shape = getattr(data, "shape", None)
        return tuple(shape) if shape is not None else tuple(np.shape(data))

    def __len__(self) -> int:
        return 0 if self.data is None else len(self.data)

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def append(self, value: Any) -> None:
        """Append one element along the first axis."""
        self.extend([value])

    @property
    def base_data(self) -> Any:
        """The data as given or read, without its ``DataIO`` wrapper (a lazy array stays unread)."""
        return self.data.data if isinstance(self.data, DataIO) else self.data

    def to_dask(self, chunks: Any = None) -> Any:
        """The data as a dask array aligned with its storage chunks (a lazy array stays lazy); needs dask."""
        return to_dask(self._check_daskable(self.base_data), chunks)

    def _check_daskable(self, raw: Any) -> Any:
        """``raw`` if it can become a dask array (an empty array for no data); refuses iterators."""
        if isinstance(raw, DataChunkIterator):
            raise self._error("data given as a DataChunkIterator cannot become a dask array")
        return np.zeros(0) if raw is None else raw

    def extend(self, values: Any) -> None:
        """Append several elements along the first axis."""
        if self.data is None:
            self.data = list(values) if not isinstance(values, np.ndarray) else values
        elif hasattr(self.data, "extend"):
            self.data.extend(values)  # lists, and store-backed arrays that buffer rows for an append
        else:
            self.data = np.concatenate([np.asarray(self.data), np.asarray(values)])
        self.set_modified(True)

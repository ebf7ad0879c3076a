"""``SimpleMultiContainer``: a group holding any containers and data, looked up by name."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from hdmfzarr.container import AbstractContainer, Container
from hdmfzarr.errors import ContainerError

__all__ = ["SimpleMultiContainer"]


class SimpleMultiContainer(Container):
    """Any number of named containers (groups or datasets) as children."""

    data_type: ClassVar[str] = "SimpleMultiContainer"

    def __init__(self, name: str, containers: Iterable[AbstractContainer] | None = None) -> None:
        super().__init__(name)
        self._items: dict[str, AbstractContainer] = {}
        for item in containers or ():
            self.add_container(item)

    @property
    def containers(self) -> dict[str, AbstractContainer]:
        """Name -> container (a copy, in insertion order)."""
        return dict(self._items)

    @property
    def fields(self) -> dict:
        return {"containers": list(self._items.values())} if self._items else {}

    def add_container(self, container: AbstractContainer) -> AbstractContainer:
        """Add a container (becomes its parent if it has none); names must be unique."""
        if not isinstance(container, AbstractContainer):
            raise ContainerError(f"SimpleMultiContainer {self.name!r}: can only hold containers, "
                                 f"got {type(container).__name__}")
        if container.name in self._items:
            raise ContainerError(f"SimpleMultiContainer {self.name!r}: already holds an object named "
                                 f"{container.name!r}")
        self._items[container.name] = container
        self._adopt(container)
        self.set_modified(True)
        return container

    def get_container(self, name: str) -> AbstractContainer:
        if name not in self._items:
            raise ContainerError(f"SimpleMultiContainer {self.name!r}: no object named {name!r}; "
                                 f"it holds {list(self._items)}")
        return self._items[name]

    __getitem__ = get_container

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[AbstractContainer]:
        return iter(list(self._items.values()))

    def __repr__(self) -> str:
        return f"<SimpleMultiContainer {self.name!r} containers={list(self._items)}>"

"""Small immutable value classes, without ``@dataclass``'s cost at import.

``@dataclass(frozen=True)`` compiles about six methods per class when its module is imported (~1 ms a
class on a loaded machine: several per cent of opening a store in a fresh process). A :class:`Record`
subclass declares ``__slots__`` (its fields, in order) and an ``__init__`` that sets them with
``object.__setattr__``; equality, hash, repr, immutability and pickling come from here, as a frozen
dataclass's would.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError  # what a frozen dataclass raises (dataclasses is imported by zarr)
from typing import Any

__all__ = ["Record"]


class Record:
    """Base of immutable value classes whose fields are their ``__slots__``."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()

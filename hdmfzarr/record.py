"""Small value classes, without ``@dataclass``'s cost at import (~1 ms a class: several per cent of a cold open):
:class:`Record` acts as a frozen slotted dataclass, :class:`MutableRecord` as a plain one (fields in ``_fields``)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError  # what a frozen dataclass raises (dataclasses is imported by zarr)
from typing import Any

__all__ = ["Record", "MutableRecord"]


def _eq(a: Any, b: Any, names: tuple[str, ...]) -> Any:
    if b.__class__ is not a.__class__:
        return NotImplemented
    return tuple(getattr(a, n) for n in names) == tuple(getattr(b, n) for n in names)


def _repr(obj: Any, names: tuple[str, ...]) -> str:
    fields = ", ".join(f"{name}={getattr(obj, name)!r}" for name in names)
    return f"{type(obj).__qualname__}({fields})"


class Record:
    """Base of immutable value classes whose fields are their ``__slots__``."""

    __slots__: tuple[str, ...] = ()

    def _set(self, *values: Any) -> None:
        """Set the fields, in ``__slots__`` order (what a subclass's ``__init__`` does with its arguments)."""
        for name, value in zip(self.__slots__, values):
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return _eq(self, other, self.__slots__)  # type: ignore[no-any-return]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return _repr(self, self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()


class MutableRecord:
    """Base of mutable value classes whose fields are named by ``_fields``: compared by value, unhashable."""

    _fields: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return _eq(self, other, self._fields)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return _repr(self, self._fields)

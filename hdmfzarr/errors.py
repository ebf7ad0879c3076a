"""The exceptions hdmfzarr raises: one base class, one subclass per layer. Each names what is at fault (file, type,
key, object path, column) so that a user can act on the message without reading a traceback."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "HdmfZarrError", "SpecError", "UnknownNamespaceError", "SpecFileNotFoundError", "ContainerError",
    "ContainerKeyError", "ContainerIndexError", "ContainerTypeError", "BuildError", "ConstructError", "StoreError",
    "StoreNotFoundError", "StoreAuthError", "StoreUnavailableError", "StoreExistsError", "CorruptStoreError",
    "IncompleteStoreError", "ConflictError", "RefusedRowsError", "DanglingReferenceError", "UnsafeReferenceError",
    "ValidationError", "import_extra"
]


class HdmfZarrError(Exception):
    """Base class of every error hdmfzarr raises on purpose."""


class SpecError(HdmfZarrError, ValueError):
    """A schema (namespace or spec file) is invalid: names the file, the type and the key."""

    def __init__(self, message: str, *, file: str | None = None, data_type: str | None = None,
                 key: str | None = None, line: int | None = None) -> None:
        self.file, self.data_type, self.key, self.line = file, data_type, key, line
        self.detail = message  # the message without its location prefix
        where = [w for w in (file and f"{file}" + (f", line {line}" if line is not None else ""),
                             data_type and f"type {data_type!r}", key and f"key {key!r}") if w]
        prefix = f"[{'; '.join(where)}] " if where else ""
        super().__init__(prefix + message)


class UnknownNamespaceError(SpecError, KeyError):
    """A namespace that is not loaded was asked for (a KeyError too, as hdmf raises)."""

    __str__ = Exception.__str__


class SpecFileNotFoundError(SpecError, FileNotFoundError):
    """A namespace or spec file does not exist (an OSError too, as hdmf raises)."""

    __str__ = Exception.__str__


class ContainerError(HdmfZarrError, ValueError):
    """Invalid use of a container (for example a bad row or column for a table)."""


class ContainerKeyError(ContainerError, KeyError):
    """No such column, category or id (a ``KeyError`` too, as hdmf raises)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ContainerIndexError(ContainerError, IndexError):
    """A row or region index out of range (an ``IndexError`` too, as hdmf raises)."""


class ContainerTypeError(ContainerError, TypeError):
    """A value of the wrong kind for a container or column (a ``TypeError`` too, as hdmf raises)."""


class BuildError(HdmfZarrError):
    """A container tree cannot be mapped to builders (names the object path)."""


class ConstructError(HdmfZarrError):
    """A builder tree cannot be turned back into containers (names the object path)."""


class StoreError(HdmfZarrError, OSError):
    """A problem with the storage: names the store URL and the object path."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """The path or URL holds no store (or no such object inside it)."""


class StoreAuthError(StoreError, PermissionError):
    """The server refused the credentials (wrong key/secret, missing credentials, no permission)."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The server did not answer (down, unreachable, timing out) after bounded retries."""


class StoreExistsError(StoreError, FileExistsError):
    """Mode 'w-' was asked for but something already exists at the path."""


class CorruptStoreError(StoreError):
    """Metadata or data in the store cannot be decoded."""


class IncompleteStoreError(CorruptStoreError):
    """The store was never committed: its first write was interrupted (or failed) before its last step."""


class ConflictError(StoreError):
    """Another writer committed to the store since this one read it (or holds its writer lock): nothing of this
    write was committed; its rows stay pending, so re-reading and retrying works."""


class RefusedRowsError(StoreError):
    """Rows written to a dataset in a store do not fit its stored dtype or shape: nothing was written (an append
    of a tree read drops the rows added since its last write: the tree holds the stored rows again)."""


class DanglingReferenceError(StoreError, LookupError):
    """A reference or link points at an object that does not exist."""


class UnsafeReferenceError(StoreError, PermissionError):
    """A reference or link leaves the store and the caller did not allow it."""


def import_extra(module: str, extra: str, purpose: str) -> Any:
    """``module`` imported, or an ImportError naming what needs it and the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{extra} is required for {purpose}: pip install hdmfzarr[{extra}]") from exc


class ValidationError(HdmfZarrError):
    """Raised by ``validate(..., raise_on_error=True)``; carries the list of problems."""

    def __init__(self, errors: list) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"{len(self.errors)} validation error(s):\n{lines}{more}")

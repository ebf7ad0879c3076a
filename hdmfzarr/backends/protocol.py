"""The protocol every storage backend follows: what validation, the CLI and conversion use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

if TYPE_CHECKING:
    from ..build.builders import GroupBuilder
    from . import Target


@runtime_checkable
class Backend(Protocol):
    """What validation, the CLI and conversion need from a storage backend."""

    #: the Zarr format of the store (None for non-Zarr backends)
    zarr_format: int | None

    @classmethod
    def guess_can_open(cls, target: Target) -> bool:
        """Whether this backend should open ``target``, judged from the path or URL."""

    @classmethod
    def open_target(cls, target: Target, mode: str = "r", storage_options: dict[str, Any] | None = None,
                    **kwargs: Any) -> Self:
        """Open ``target`` (``mode`` and ``kwargs`` as the backend's constructor takes them)."""

    def read(self) -> Any:
        """The root container, classes from the specs cached with the data (data lazy while open)."""

    def read_builder(self) -> GroupBuilder:
        """The stored builder tree (dataset data lazy)."""

    def spec_cache(self) -> dict[str, Any]:
        """The specs cached with the data (``NamespaceCatalog.to_cache()`` form; ``{}`` when none)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: Any) -> None: ...

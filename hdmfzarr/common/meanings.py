"""``MeaningsTable``: what each value of a table column means (hdmf-common 1.9's MeaningsTable)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hdmfzarr.common.columns import ElementIdentifiers, VectorData
from hdmfzarr.common.table import ColumnInfo, DynamicTable
from hdmfzarr.errors import ContainerTypeError

__all__ = ["MeaningsTable"]


class MeaningsTable(DynamicTable):
    """Rows of (value, meaning) for the values of ``target``, a column; named ``<target>_meanings``.

    Attached to the target's table with ``DynamicTable.add_meanings_table``. The bundled hdmf-common
    schema (1.5.1) has no MeaningsTable, so it lives in memory only for now (README).
    """

    data_type: ClassVar[str] = "MeaningsTable"
    field_names: ClassVar[tuple[str, ...]] = ("target",)
    columns_spec: ClassVar[tuple[ColumnInfo, ...]] = (
        ColumnInfo("value", "a value of the target column", required=True),
        ColumnInfo("meaning", "what the value means", required=True),
    )

    def __init__(
        self,
        target: VectorData,
        description: str | None = None,
        id: ElementIdentifiers | Sequence[int] | np.ndarray | None = None,
        columns: Sequence[Any] | None = None,
        colnames: Sequence[str] | None = None,
    ) -> None:
        if not isinstance(target, VectorData):
            raise ContainerTypeError(f"MeaningsTable: target must be a VectorData column, got {type(target).__name__}")
        name = f"{target.name}_meanings"
        super().__init__(name, description if description is not None else f"Meanings for values in '{target.name}'",
                         id=id, columns=columns, colnames=colnames)
        self.target = target

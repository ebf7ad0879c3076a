"""The hdmf-common container classes (tables, sparse matrices, multi-containers).

Importing this package parses no schema and imports neither pandas, scipy nor zarr.
``COMMON_CLASSES`` maps each hdmf-common data type to its class, for the TypeMap to register.
"""

from __future__ import annotations

from hdmfzarr.common.aligned import AlignedDynamicTable
from hdmfzarr.common.columns import DynamicTableRegion, ElementIdentifiers, EnumData, VectorData, VectorIndex
from hdmfzarr.common.multi import SimpleMultiContainer
from hdmfzarr.common.sparse import CSRMatrix
from hdmfzarr.common.table import ColumnInfo, DynamicTable, MeaningsTable
from hdmfzarr.container import Container, Data

__all__ = [
    "COMMON_CLASSES",
    "EXPERIMENTAL_CLASSES",
    "CORE_NAMESPACE",
    "AlignedDynamicTable",
    "CSRMatrix",
    "ColumnInfo",
    "Container",
    "Data",
    "DynamicTable",
    "DynamicTableRegion",
    "ElementIdentifiers",
    "MeaningsTable",
    "EnumData",
    "SimpleMultiContainer",
    "VectorData",
    "VectorIndex",
]

CORE_NAMESPACE = "hdmf-common"

COMMON_CLASSES: dict[str, type] = {
    cls.data_type: cls
    for cls in (
        Data,
        Container,
        SimpleMultiContainer,
        VectorData,
        VectorIndex,
        ElementIdentifiers,
        DynamicTableRegion,
        DynamicTable,
        AlignedDynamicTable,
        CSRMatrix,
    )
}

#: classes of types newer than hdmf-common 1.5.1, registered by namespace: hdmf-common 1.10's MeaningsTable
#: and hdmf-experimental's EnumData (both namespaces are bundled; stores caching 1.5.1 simply lack them)
EXPERIMENTAL_CLASSES: dict[tuple[str, str], type] = {
    ("hdmf-common", MeaningsTable.data_type): MeaningsTable,
    ("hdmf-experimental", EnumData.data_type): EnumData,
}

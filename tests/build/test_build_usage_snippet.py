"""The HDMF usage snippet (seeds/000) with ``hdmf`` replaced by ``hdmfzarr`` runs, and its results work."""

from __future__ import annotations

import inspect

import numpy as np

SNIPPET = '''
from hdmfzarr.spec import GroupSpec, DatasetSpec, NamespaceBuilder
from hdmfzarr.common import DynamicTable

# Define a new data type specification
spec = GroupSpec(
    doc='A custom data type',
    data_type_def='MyType',
    datasets=[
        DatasetSpec(
            doc='An example dataset',
            name='data',
            dtype='float'
        )
    ]
)

# Create a namespace for your specification
namespace_builder = NamespaceBuilder(
    doc='My extension',
    name='my_extension',
    full_name='My Custom Extension',
    version='0.1.0'
)
namespace_builder.add_spec('my_extension.yaml', spec)

# Working with DynamicTable
table = DynamicTable(
    name='example_table',
    description='An example table'
)
table.add_column('column1', 'A string column', dtype='text')
table.add_row(column1='example data')
'''


def test_usage_snippet_runs(type_map, tmp_path, assert_same):
    scope: dict = {}
    exec(compile(SNIPPET, "seeds/000_usage_snippet.py", "exec"), scope)
    table = scope["table"]
    assert table.colnames == ("column1",)
    assert len(table) == 1

    from hdmfzarr.build.manager import BuildManager

    b = BuildManager(type_map).build(table)
    assert b.datasets["column1"].dtype == "text"
    back = BuildManager(type_map).construct(b)
    assert_same(table, back)

    # the snippet's extension, exported and loaded, gives a usable generated class
    nb = scope["namespace_builder"]
    path = nb.export("my_extension.namespace.yaml", outdir=tmp_path)
    type_map.load_namespaces(path)
    MyType = type_map.get_class("MyType", "my_extension")
    assert list(inspect.signature(MyType).parameters) == ["name", "data"]
    obj = MyType(name="mine", data=[1.0, 2.0])
    mb = BuildManager(type_map).build(obj)
    assert mb.datasets["data"].dtype == "float64"  # Python floats keep their precision
    again = BuildManager(type_map).construct(mb)
    assert type(again) is MyType
    assert np.array_equal(again.data, [1.0, 2.0])
    assert again.object_id == obj.object_id

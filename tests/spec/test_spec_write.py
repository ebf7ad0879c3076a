"""NamespaceBuilder / export_spec: written YAML loads back into an equal catalog; the seed snippet runs."""

from __future__ import annotations

import datetime

import pytest
import yaml

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import (
    AttributeSpec, DatasetSpec, GroupSpec, LinkSpec, NamespaceBuilder, NamespaceCatalog, RefSpec,
    default_namespace_path, export_spec,
)


def test_seed_snippet_spec_half(tmp_path) -> None:
    # the usage snippet from the HDMF overview, with `hdmf` replaced by `hdmfzarr`
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
    namespace_builder = NamespaceBuilder(
        doc='My extension',
        name='my_extension',
        full_name='My Custom Extension',
        version='0.1.0'
    )
    namespace_builder.add_spec('my_extension.yaml', spec)
    path = namespace_builder.export("my_extension.namespace.yaml", outdir=tmp_path)
    assert path == tmp_path / "my_extension.namespace.yaml"
    assert (tmp_path / "my_extension.yaml").exists()
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    assert cat.get_types("my_extension") == ["MyType"]
    assert cat.get_spec("my_extension", "MyType") == spec
    assert cat.get_spec("my_extension", "MyType").get_dataset("data").dtype == "float"


def _extension_specs() -> list:
    return [
        GroupSpec(doc="A table of trials", data_type_def="TrialTable", data_type_inc="DynamicTable",
                  attributes=[AttributeSpec("lab", "lab name", "text", required=False)],
                  datasets=[DatasetSpec(doc="start", name="start", data_type_inc="VectorData", dtype="double"),
                            DatasetSpec(doc="region", name="sel", data_type_inc="DynamicTableRegion",
                                        quantity="?")],
                  links=[LinkSpec(doc="other table", target_type="DynamicTable", name="other")]),
        DatasetSpec(doc="An ID column", data_type_def="IdColumn", data_type_inc="VectorData", dtype="int64",
                    dims=["n"], shape=[None],
                    attributes=[AttributeSpec("ref", "points at a table", RefSpec("DynamicTable"))]),
    ]


def test_builder_with_includes_round_trips(tmp_path) -> None:
    base = NamespaceCatalog()
    base.load_namespaces(default_namespace_path())
    b = NamespaceBuilder(doc="ext", name="ext", version="1.0.0", author="Me", contact="me@x")
    b.include_namespace("hdmf-common")
    b.add_source("ext.types.yaml", doc="types", title="Types")
    for s in _extension_specs():
        b.add_spec("ext.types.yaml", s)
    path = b.export("ext.namespace.yaml", outdir=tmp_path / "out")
    text = path.read_text()
    nsd = yaml.safe_load(text)["namespaces"][0]
    assert nsd["schema"] == [{"namespace": "hdmf-common"},
                             {"source": "ext.types.yaml", "doc": "types", "title": "Types"}]
    assert nsd["author"] == "Me"  # kept as given, as hdmf writes it

    cat = NamespaceCatalog()
    cat.load_namespaces(default_namespace_path())
    cat.load_namespaces(path)
    trials = cat.get_spec("ext", "TrialTable")
    assert trials.get_dataset("id").data_type_inc == "ElementIdentifiers"  # inherited from DynamicTable
    assert trials.get_dataset("sel").get_attribute("table") is not None
    assert cat.get_spec("ext", "IdColumn").get_attribute("description") is not None
    # the same catalog again, from the exported files of every namespace
    again = NamespaceCatalog()
    for ns in cat.namespaces:
        p = NamespaceBuilder.from_namespace(cat.get_namespace(ns)).export(f"{ns}.ns.yaml", outdir=tmp_path / ns)
        again.load_namespaces(p)
    assert again == cat


def test_include_type_writes_filtered_entries(tmp_path) -> None:
    b = NamespaceBuilder(doc="ext", name="ext2", version="0.1")
    b.include_type("VectorData", namespace="hdmf-common")
    b.include_type("DynamicTable", namespace="hdmf-common")
    b.add_spec("ext2.yaml", GroupSpec(doc="g", data_type_def="G", data_type_inc="DynamicTable"))
    path = b.export("ns.yaml", outdir=tmp_path)
    nsd = yaml.safe_load(path.read_text())["namespaces"][0]
    assert nsd["schema"][0] == {"namespace": "hdmf-common", "data_types": ["VectorData", "DynamicTable"]}
    cat = NamespaceCatalog()
    cat.load_namespaces(default_namespace_path())
    cat.load_namespaces(path)
    assert cat.has_type("ext2", "ElementIdentifiers")  # a dependency of DynamicTable
    assert not cat.has_type("ext2", "CSRMatrix")


def test_neurodata_type_keys_on_export(tmp_path) -> None:
    b = NamespaceBuilder(doc="n", name="nwbext", version="0.1", type_key="neurodata_type")
    b.add_spec("nwbext.yaml", GroupSpec(doc="g", data_type_def="Thing"))
    path = b.export("nwbext.namespace.yaml", outdir=tmp_path)
    assert "neurodata_type_def: Thing" in (tmp_path / "nwbext.yaml").read_text()
    cat = NamespaceCatalog()
    cat.load_namespaces(path)
    assert cat.get_namespace("nwbext").type_key == "neurodata_type"


def test_export_spec_helper(tmp_path) -> None:
    b = NamespaceBuilder(doc="x", name="xlab", version="0.2.0")
    b.include_namespace("hdmf-common")
    path = export_spec(b, _extension_specs(), tmp_path)
    assert path.name == "xlab.namespace.yaml" and (tmp_path / "xlab.extensions.yaml").exists()
    cat = NamespaceCatalog()
    cat.load_namespaces(default_namespace_path())
    cat.load_namespaces(path)
    assert set(cat.get_types("xlab", own_only=True)) == {"TrialTable", "IdColumn"}


@pytest.mark.parametrize("date", [datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5)])
def test_namespace_date_written_as_iso_text(tmp_path, date) -> None:
    nb = NamespaceBuilder(doc="d", name="dated", version="0.1.0", date=date)
    nb.add_spec("dated.yaml", GroupSpec(doc="g", data_type_def="G"))
    text = nb.export("dated.namespace.yaml", outdir=tmp_path).read_text()
    assert f"date: '{date.isoformat()}'" in text  # quoted: text, not a YAML timestamp
    assert yaml.safe_load(text)["namespaces"][0]["date"] == date.isoformat()


def test_builder_errors() -> None:
    with pytest.raises(SpecError, match="version"):
        NamespaceBuilder(doc="x", name="x")
    b = NamespaceBuilder(doc="x", name="x", version="1")
    with pytest.raises(SpecError, match="data_type_def"):
        b.add_spec("x.yaml", GroupSpec(doc="g", name="plain"))
    b.add_spec("x.yaml", GroupSpec(doc="g", data_type_def="A"))
    with pytest.raises(SpecError, match="already added"):
        b.add_spec("y.yaml", GroupSpec(doc="g", data_type_def="A"))
    with pytest.raises(SpecError, match="exactly one"):
        b.include_type("A")
    with pytest.raises(SpecError, match="whitespace"):
        NamespaceBuilder(doc="x", name="has space")
    with pytest.warns(UserWarning, match="No data types"):
        export_spec(NamespaceBuilder(doc="x", name="y", version="1"), [], ".")

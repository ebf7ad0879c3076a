"""Bad specs raise SpecError naming file, type and key (and line where YAML gives one)."""

from __future__ import annotations

import pytest

from hdmfzarr.errors import SpecError
from hdmfzarr.spec import NamespaceCatalog


def _err(path) -> SpecError:
    with pytest.raises(SpecError) as e:
        NamespaceCatalog().load_namespaces(path)
    return e.value


def test_unknown_dtype(make_namespace, write_schema, tmp_path) -> None:
    src = ("groups:\n"
           "- data_type_def: Foo\n"
           "  doc: foo\n"
           "  datasets:\n"
           "  - name: data\n"
           "    doc: d\n"
           "    dtype: float33\n")
    err = _err(write_schema([make_namespace()], {"test.yaml": src}))
    assert err.file == str(tmp_path / "test.yaml") and err.data_type == "Foo" and err.key == "dtype"
    assert err.line == 5 and "float33" in str(err)


def test_unknown_data_type_inc(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "Foo", "data_type_inc": "Missing", "doc": "f"}]}}))
    assert err.data_type == "Foo" and err.key == "data_type_inc" and "Missing" in str(err)
    assert err.line == 2  # the line where Foo is defined
    assert err.file.endswith("test.yaml")


def test_unknown_nested_data_type_inc(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "Foo", "doc": "f", "datasets": [{"data_type_inc": "Nope", "doc": "n"}]}]}}))
    assert err.data_type == "Foo" and "Nope" in str(err) and err.key == "datasets/Nope"


def test_circular_inheritance(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "A", "data_type_inc": "B", "doc": "a"},
        {"data_type_def": "B", "data_type_inc": "A", "doc": "b"}]}}))
    assert "circular inheritance" in str(err) and err.data_type in ("A", "B") and err.key == "data_type_inc"


def test_cycle_of_namespace_includes(make_namespace, write_schema) -> None:
    a = make_namespace("a", includes=("b",), sources=())
    b = make_namespace("b", includes=("a",), sources=())
    err = _err(write_schema([a, b], {}))
    assert "cycle of namespace includes" in str(err) and "a -> b -> a" in str(err)


def test_include_of_unloaded_namespace(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace("a", includes=("elsewhere",), sources=())], {}))
    assert "'elsewhere'" in str(err) and "not loaded" in str(err)


def test_missing_source_file(make_namespace, write_schema, tmp_path) -> None:
    err = _err(write_schema([make_namespace(sources=("gone.yaml",))], {}))
    assert "gone.yaml" in str(err) and err.key == "source" and err.file == str(tmp_path / "namespace.yaml")


def test_missing_namespace_file(tmp_path) -> None:
    err = _err(tmp_path / "nothing.yaml")
    assert "not found" in str(err) and err.file.endswith("nothing.yaml")


def test_malformed_yaml_has_line_number(make_namespace, write_schema) -> None:
    src = ("groups:\n"
           "- data_type_def: Foo\n"
           "  doc: [unclosed\n"
           "  quantity: 1\n")
    err = _err(write_schema([make_namespace()], {"test.yaml": src}))
    assert "malformed YAML" in str(err) and err.line is not None and err.line >= 3
    assert err.file.endswith("test.yaml")


def test_wrong_value_type_quantity(make_namespace, write_schema) -> None:
    src = ("groups:\n"
           "- data_type_def: Foo\n"
           "  doc: foo\n"
           "  groups:\n"
           "  - data_type_inc: Foo\n"
           "    doc: x\n"
           "    quantity: lots\n")
    err = _err(write_schema([make_namespace()], {"test.yaml": src}))
    assert err.data_type == "Foo" and err.key == "quantity" and err.line == 5 and "'lots'" in str(err)


def test_unknown_key_is_refused(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "Foo", "doc": "f", "quantitiy": 2}]}}))
    assert err.key == "quantitiy" and err.data_type == "Foo"


def test_both_key_spellings_in_one_spec(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace()], {"test.yaml": {"groups": [
        {"data_type_def": "Foo", "neurodata_type_def": "Foo", "doc": "f"}]}}))
    assert "both" in str(err) and err.key == "neurodata_type_def"


def test_type_defined_twice(make_namespace, write_schema) -> None:
    err = _err(write_schema([make_namespace(sources=("a.yaml", "b.yaml"))], {
        "a.yaml": {"groups": [{"data_type_def": "Foo", "doc": "f"}]},
        "b.yaml": {"groups": [{"data_type_def": "Foo", "doc": "f"}]}}))
    assert "defined twice" in str(err) and err.data_type == "Foo"


def test_namespace_file_without_namespaces(tmp_path) -> None:
    p = tmp_path / "ns.yaml"
    p.write_text("name: x\n")
    err = _err(p)
    assert err.key == "namespaces"


def test_failed_load_leaves_catalog_unchanged(make_namespace, write_schema, tmp_path) -> None:
    good = write_schema([make_namespace("good")], {"test.yaml": {"groups": [{"data_type_def": "G", "doc": "g"}]}})
    cat = NamespaceCatalog()
    cat.load_namespaces(good)
    bad = tmp_path / "bad.yaml"
    (tmp_path / "bad_src.yaml").write_text("groups:\n- data_type_def: B\n  data_type_inc: Nope\n  doc: b\n")
    import yaml
    bad.write_text(yaml.safe_dump({"namespaces": [make_namespace("bad", sources=("bad_src.yaml",))]}))
    with pytest.raises(SpecError):
        cat.load_namespaces(bad)
    assert cat.namespaces == ("good",)


def test_unknown_namespace_and_type_queries(make_namespace, write_schema) -> None:
    cat = NamespaceCatalog()
    cat.load_namespaces(write_schema([make_namespace()], {"test.yaml": {"groups": [{"data_type_def": "G",
                                                                                   "doc": "g"}]}}))
    with pytest.raises(SpecError, match="not loaded"):
        cat.get_spec("nope", "G")
    with pytest.raises(SpecError, match="'Zed'"):
        cat.get_spec("test", "Zed")
    with pytest.raises(SpecError, match="no loaded namespace"):
        cat.namespace_of("Zed")


def test_missing_doc_is_a_located_spec_error(make_namespace, write_schema) -> None:
    """A required key missing from a file is the constructor's SpecError with file and line, not a TypeError."""
    err = _err(write_schema([make_namespace()], {"test.yaml": "groups:\n- data_type_def: Foo\n  quantity: 1\n"}))
    assert err.data_type == "Foo" and err.key == "doc" and err.line == 2 and err.file.endswith("test.yaml")

"""The bundled schemas' pre-parsed form (``parsed-yaml.json``): identical to parsing their YAML, used only
while each YAML file is unchanged (checked by SHA-256), never pickle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hdmfzarr.spec import BUNDLED_HDMF_COMMON, default_namespace_path
from hdmfzarr.spec.load import PARSED_NAME, pre_parse, read_yaml, write_pre_parsed

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted({default_namespace_path(v).parent for v in BUNDLED_HDMF_COMMON})


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_spec_pre_parsed_is_current_and_complete(folder: Path) -> None:
    stored = json.loads((folder / PARSED_NAME).read_text(encoding="utf-8"))
    fresh = pre_parse(folder)
    assert stored == fresh, (
        f"{folder / PARSED_NAME} differs from parsing the YAML files next to it: run "
        f"`python -c \"from hdmfzarr.spec.load import write_pre_parsed; write_pre_parsed('{folder}')\"`")
    assert sorted(stored["files"]) == sorted(p.name for p in folder.glob("*.yaml")), "every YAML file is pre-parsed"
    for name, entry in stored["files"].items():
        assert entry["content"] == read_yaml(folder / name, pre_parsed=False)
        assert list(entry["content"]) == list(read_yaml(folder / name, pre_parsed=False)), "key order as written"


def test_spec_pre_parsed_is_used_and_handed_out_fresh(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("groups:\n- data_type_def: A\n  doc: first\n", encoding="utf-8")
    write_pre_parsed(tmp_path)
    stored = json.loads((tmp_path / PARSED_NAME).read_text(encoding="utf-8"))
    stored["files"]["a.yaml"]["content"]["groups"][0]["doc"] = "from the pre-parsed form"
    (tmp_path / PARSED_NAME).write_text(json.dumps(stored), encoding="utf-8")
    first = read_yaml(tmp_path / "a.yaml")
    assert first["groups"][0]["doc"] == "from the pre-parsed form"
    assert getattr(first, "line", None) is None  # plain dicts: no YAML was parsed
    first["groups"][0]["doc"] = "changed by a caller"
    assert read_yaml(tmp_path / "a.yaml")["groups"][0]["doc"] == "from the pre-parsed form"


def test_spec_pre_parsed_ignored_when_the_yaml_changed(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("groups:\n- data_type_def: A\n  doc: old\n", encoding="utf-8")
    write_pre_parsed(tmp_path)
    (tmp_path / "a.yaml").write_text("groups:\n- data_type_def: A\n  doc: edited\n", encoding="utf-8")
    got = read_yaml(tmp_path / "a.yaml")
    assert got["groups"][0]["doc"] == "edited"
    assert got.line == 1  # parsed from the YAML itself


def test_spec_pre_parsed_skips_what_json_cannot_keep(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text("date: 2024-01-02\n", encoding="utf-8")  # YAML makes a datetime.date
    (tmp_path / "ok.yaml").write_text("x: 1\n", encoding="utf-8")
    assert sorted(pre_parse(tmp_path)["files"]) == ["ok.yaml"]

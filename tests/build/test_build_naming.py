"""Attribute names from type names: the hand-written scan gives exactly hdmf's two-regex snake_case."""

from __future__ import annotations

import keyword
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hdmfzarr.build.mapper import identifier, snake_case

# letters of both cases (ASCII and not), digits, separators and a newline: every branch of both patterns
_TEXT = st.text(alphabet="aAbBqQzZ09_-. \néÉß", max_size=12)


def _hdmf_snake_case(name: str) -> str:
    """hdmf's ObjectMapper.convert_dt_name rule (before pluralising)."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)).lower()


def _regex_identifier(name: str) -> str:
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_snake_case_equals_hdmfs_regex_rule(name: str) -> None:
    assert snake_case(name) == _hdmf_snake_case(name)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_identifier_equals_the_regex_rule(name: str) -> None:
    assert identifier(name) == _regex_identifier(name)


def test_snake_case_known_names() -> None:
    assert [snake_case(n) for n in ("DynamicTableRegion", "CSRMatrix", "HTTPServer", "a1B2C", "VectorData")] == [
        "dynamic_table_region", "csr_matrix", "http_server", "a1_b2_c", "vector_data"]
    assert identifier("class") == "class_" and identifier("2d") == "_2d" and identifier("x-y") == "x_y"

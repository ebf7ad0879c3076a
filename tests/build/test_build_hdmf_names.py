"""Generated classes take the same keyword names as hdmf's generated classes for the same extension."""

from __future__ import annotations

import inspect
import warnings

import pytest

TYPES = ["Session", "Sample", "EventTable", "SampleRefs"]


def test_generated_parameter_names_match_hdmf(ext_map, tmp_path):
    pytest.importorskip("hdmf")
    from hdmf.common import get_type_map as hdmf_type_map
    from hdmf.utils import get_docval

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = hdmf_type_map()
        tm.load_namespaces(str(tmp_path / "ndx-test.namespace.yaml"))  # written by the ext_map fixture
        for dt in TYPES:
            theirs = {a["name"] for a in get_docval(tm.get_dt_container_cls(dt, "ndx-test").__init__)}
            theirs.discard("skip_post_init")
            ours = set(inspect.signature(ext_map.get_class(dt, "ndx-test")).parameters)
            assert ours == theirs, f"{dt}: ours {sorted(ours)} vs hdmf {sorted(theirs)}"

"""The spec-cache layout every backend shares (hdmfzarr/spec/cache.py)."""

from __future__ import annotations

import json

import pytest

from hdmfzarr.errors import CorruptStoreError
from hdmfzarr.spec import NamespaceCatalog, default_namespace_path
from hdmfzarr.spec.cache import decode_cache, encode_cache, latest_sources, version_key


def test_cache_encode_decode_round_trip_loads_the_same_namespaces() -> None:
    catalog = NamespaceCatalog()
    catalog.load_namespaces(default_namespace_path())
    cache = catalog.to_cache()
    docs = encode_cache(cache)
    assert all(json.loads(text) is not None for *_, text in docs)
    ns_docs = [json.loads(text) for ns, _, src, text in docs if src == "namespace"]
    assert all(list(doc) == ["namespaces"] for doc in ns_docs)  # hdmf's wrapping on disk
    back = decode_cache(docs, "<test>")
    assert set(back) == set(cache)
    for name, entry in back.items():
        assert entry["version"] == cache[name]["version"]
        assert entry["namespace"]["name"] == name  # unwrapped in memory
        assert set(entry["sources"]) == set(cache[name]["sources"])
    again = NamespaceCatalog()
    again.load_cache(back)
    assert set(again.namespaces) == set(catalog.namespaces)


def test_cache_reads_only_the_latest_version_of_each_namespace() -> None:
    paths = ["specifications/a/1.9.0/namespace", "specifications/a/1.10.0/namespace",
             "specifications/a/1.10.0/base", "specifications/b/0.1/namespace", "other/x/1/namespace",
             "specifications/too/deep/x/y"]
    assert sorted(latest_sources(paths)) == [("a", "1.10.0", "base"), ("a", "1.10.0", "namespace"),
                                             ("b", "0.1", "namespace")]
    assert version_key("1.10.0") > version_key("1.9.0")


def test_cache_bad_json_names_the_document() -> None:
    with pytest.raises(CorruptStoreError, match="store/specifications/a/1/base"):
        decode_cache([("a", "1", "base", "{not json")], "store/specifications")

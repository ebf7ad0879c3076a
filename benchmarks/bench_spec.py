"""Time loading + resolving every type of the NWB core schema and of hdmf-common.

Run: PYTHONPATH=. python benchmarks/bench_spec.py [repeats]
Uses the schemas shipped in the installed pynwb / hdmf packages (skips what is missing) and the
hdmf-common 1.5.1 bundled with hdmfzarr.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

from hdmfzarr.spec import NamespaceCatalog, default_namespace_path


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent.joinpath(*parts)
    return path if path.exists() else None


def _load_all(paths: list[Path]) -> NamespaceCatalog:
    cat = NamespaceCatalog()
    for p in paths:
        cat.load_namespaces(p)
    for ns in cat.namespaces:  # every type is resolved at load time; touch them all to be sure
        for dt in cat.get_types(ns):
            cat.get_spec(ns, dt)
    return cat


def _time(label: str, fn: Callable[[], object], repeats: int) -> None:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print(f"{label:<58} min {min(times) * 1e3:8.1f} ms   median {statistics.median(times) * 1e3:8.1f} ms")


def main(repeats: int = 10) -> None:
    import yaml  # noqa: F401  (import cost is not part of the measurement)

    cases: list[tuple[str, list[Path]]] = [("hdmf-common 1.5.1 (bundled)", [default_namespace_path()])]
    hdmf_ns = _package_file("hdmf", "common", "hdmf-common-schema", "common", "namespace.yaml")
    if hdmf_ns:
        cases.append(("hdmf-common + hdmf-experimental (hdmf's)", [hdmf_ns]))
    common = _package_file("pynwb", "nwb-schema", "hdmf-common-schema", "common", "namespace.yaml")
    core = _package_file("pynwb", "nwb-schema", "core", "nwb.namespace.yaml")
    if common and core:
        cases.append(("NWB core + hdmf-common (pynwb's)", [common, core]))
    for label, paths in cases:
        cat = _load_all(paths)
        n = sum(len(cat.get_types(ns, own_only=True)) for ns in cat.namespaces)
        _time(f"load+resolve {label}: {n} types", lambda: _load_all(paths), repeats)
        cache = json.loads(json.dumps(cat.to_cache()))

        def from_cache(cache: dict = cache) -> None:
            c = NamespaceCatalog()
            c.load_cache(cache)

        _time(f"  load_cache (rebuild from a store's spec cache)", from_cache, repeats)
        _time(f"  to_cache", cat.to_cache, repeats)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

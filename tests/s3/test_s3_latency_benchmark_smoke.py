"""The latency benchmark (benchmarks/bench_latency.py) at smoke size: it runs end to end (SeaweedFS behind
the delaying proxy, hdmfzarr and raw zarr on the same stores) and its counts hold what the README claims."""

from __future__ import annotations

import math

import pytest

pytestmark = [pytest.mark.s3, pytest.mark.slow]


def test_s3_latency_benchmark_smoke(benchmark_module) -> None:
    pytest.importorskip("pandas")
    bench_latency = benchmark_module("bench_latency")
    args = bench_latency.parse(["--smoke", "--no-hdmf", "--no-local", "--output", ""])
    res = bench_latency.collect(args)
    text = bench_latency.markdown(res, args)
    assert "(b) NWB, 5 TimeSeries | open " in text
    for kind in ("table", "nwb"):
        for workload in bench_latency.WORKLOADS:
            m = res.cells[(kind, workload, "hdmfzarr", args.delay)]
            assert not math.isnan(m.seconds), (kind, workload, m.note)
    assert res.cells[("table", "open", "hdmfzarr", args.delay)].requests == 1  # the consolidated root document
    nwb_open = res.cells[("nwb", "open", "hdmfzarr", args.delay)]
    # the root document only: the specs were loaded by the run's untimed first open, scalars are read on use
    assert nwb_open.requests == 1
    ragged = res.cells[("nwb", "1,000 random ragged rows", "hdmfzarr", args.delay)]
    assert ragged.requests <= 4  # offsets then values: two concurrent waves, not a request per row

"""Opening an NWB file written by pynwb + hdmf-zarr 0.14 on S3 costs round trips, not objects:
the consolidated root document, then one concurrent wave (small values and the cached specs together),
and no spec request at all once the same namespace versions were loaded in this process."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdmfzarr import ZarrIO

pytestmark = [pytest.mark.s3, pytest.mark.slow]

N_SERIES = 60


@pytest.fixture(scope="module")
def nwb_local(tmp_path_factory, benchmark_module) -> Path:
    make_nwb = benchmark_module("bench_latency").make_nwb
    path = tmp_path_factory.mktemp("nwb") / "many.nwb.zarr"
    make_nwb(path, n_series=N_SERIES, n_units=10, n_trials=4)
    return path


def test_s3_nwb_open_costs_two_round_trips(s3_server, s3_bucket, nwb_local, counter) -> None:
    s3_server.filesystem().put(str(nwb_local), f"{s3_bucket}/many.nwb.zarr", recursive=True)
    url = s3_server.url(s3_bucket, "many.nwb.zarr")
    from hdmfzarr.build import get_type_map

    type_map = get_type_map().copy()  # a fresh map: 'core' must come from the store's cached specs
    with ZarrIO(url, storage_options=counter.options(s3_server.storage_options), type_map=type_map) as io:
        nwb = io.read()
        assert len(nwb.acquisition) == N_SERIES and nwb.intervals["trials"] is nwb["intervals/trials"]
    specs = [p for _, p, _ in counter.requests if "/specifications/" in p]
    assert counter.count("HEAD") == 0 and counter.count(listing=True) == 0, counter.summary()
    assert specs, "the cached specs were read"
    assert counter.waves <= 2, (counter.waves, counter.requests[:5])  # root document, then one wave
    assert counter.requests[0][1].endswith("/many.nwb.zarr/zarr.json")

    counter.reset()  # the same spec versions again: not fetched, the classes are the same
    with ZarrIO(url, storage_options=counter.options(s3_server.storage_options), type_map=type_map) as io:
        again = io.read()
        assert type(again) is type(nwb)
    assert not [p for _, p, _ in counter.requests if "/specifications/" in p], counter.requests
    assert counter.waves <= 2

"""Opening an NWB file written by pynwb + hdmf-zarr 0.14 on S3 costs round trips, not objects:
the consolidated root document, then one concurrent wave of the cached specs (none once the same
namespace versions were loaded in this process); scalar datasets are read on first use, so the
requests of an open do not grow with the number of objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdmfzarr import ZarrIO

pytestmark = [pytest.mark.s3, pytest.mark.slow]

SIZES = (3, 300)  # TimeSeries in acquisition


@pytest.fixture(scope="module")
def nwb_urls(tmp_path_factory, benchmark_module, s3_server) -> dict[int, str]:
    make_nwb = benchmark_module("bench_latency").make_nwb
    s3_bucket = s3_server.make_bucket("nwb")
    out = {}
    for n in SIZES:
        path = tmp_path_factory.mktemp("nwb") / f"many{n}.nwb.zarr"
        make_nwb(path, n_series=n, n_units=10, n_trials=4)
        s3_server.filesystem().put(str(path), f"{s3_bucket}/many{n}.nwb.zarr", recursive=True)
        out[n] = s3_server.url(s3_bucket, f"many{n}.nwb.zarr")
    return out


def test_s3_nwb_open_costs_round_trips_not_objects(s3_server, nwb_urls, counter) -> None:
    from hdmfzarr.build import get_type_map

    totals = {}
    for n, url in nwb_urls.items():
        type_map = get_type_map().copy()  # a fresh map: 'core' must come from the store's cached specs
        counter.reset()
        with ZarrIO(url, storage_options=counter.options(s3_server.storage_options), type_map=type_map) as io:
            nwb = io.read()
            opened = list(counter.requests)
            assert len(nwb.acquisition) == n and nwb.intervals["trials"] is nwb["intervals/trials"]
            specs = [p for _, p, _ in opened if "/specifications/" in p]
            assert specs, "the cached specs were read"
            # the root document, then the cached specs: nothing per object
            assert len(opened) == 1 + len(specs), [p for _, p, _ in opened if "/specifications/" not in p]
            assert opened[0][1].endswith(f"/many{n}.nwb.zarr/zarr.json")
            assert counter.waves <= 2, ([(i, counter.requests[i][1]) for i in counter.wave_starts], len(opened))
            assert counter.count("HEAD") == 0 and counter.count(listing=True) == 0, counter.summary()
            totals[n] = len(opened)

            # a scalar is read on first use: the object's own values in one wave, once
            counter.reset()
            series = nwb.acquisition["series_0001"]
            assert series.starting_time == 0.0 and series.starting_time__rate == 1000.0
            assert counter.total == 1 and series.starting_time == 0.0 and counter.total == 1, counter.requests
            counter.reset()
            assert str(nwb.session_start_time.date()) == "2024-01-02" and nwb.identifier == "bench-latency"
            assert nwb.session_description == "latency benchmark"
            assert counter.waves == 1, counter.requests  # the root's scalars together

        counter.reset()  # the same spec versions again: not fetched, the classes are the same
        with ZarrIO(url, storage_options=counter.options(s3_server.storage_options), type_map=type_map) as io:
            again = io.read()
            assert type(again) is type(nwb)
        assert counter.total == 1, counter.requests  # the consolidated root document, nothing else
    assert totals[SIZES[0]] == totals[SIZES[1]], totals  # independent of the number of objects

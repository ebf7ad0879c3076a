"""Round trips to a real S3 server, counted per HTTP request with a botocore ``before-send`` hook
(every attempt is counted, retries included)."""

from __future__ import annotations

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.backends.zarr.convention import LOCK_KEY
from hdmfzarr.common import DynamicTable

pytestmark = pytest.mark.s3


def _objects(s3_server, bucket: str, name: str) -> list[str]:
    return s3_server.filesystem().find(f"{bucket}/{name}")


def _puts(counter) -> tuple[int, int]:
    """(PUTs of store objects, PUTs of the writer lease): a slow (loaded) write renews its lease, which adds
    lease PUTs that say nothing about how the data was written."""
    puts = [path for method, path, _ in counter.requests if method == "PUT"]
    lease = sum(path.endswith(LOCK_KEY) for path in puts)
    return len(puts) - lease, lease


def _big_table(n: int = 1_000_000) -> DynamicTable:
    t = DynamicTable(name="big", description="multi-chunk columns")
    t.add_column("x", "8 MB of float64: four 2 MB chunks", dtype="float64")
    t.add_column("k", "int32", dtype="int32")
    t.extend({"x": np.arange(n, dtype=np.float64), "k": (np.arange(n) % 1000).astype(np.int32)})
    return t


@pytest.mark.parametrize("fmt", [3, 2])
def test_s3_write_costs_one_request_per_object(s3_server, s3_bucket, counter, counted_options, make_table, fmt) -> None:
    url = s3_server.url(s3_bucket, "w.zarr")
    with ZarrIO(url, "w", storage_options=counted_options, zarr_format=fmt) as io:
        io.write(make_table(300))
    objects = _objects(s3_server, s3_bucket, "w.zarr")
    summary = counter.summary()
    # each object once (no metadata rewrites), plus the writer lease: created (and renewed only if the
    # write outlasts a renewal period), then deleted on release
    data_puts, lease_puts = _puts(counter)
    assert data_puts == len(objects) and lease_puts >= 1 and summary.get("DELETE") == 1, summary
    # no existence probes: one GET, the commit document's version checked under the lease (absent)
    assert summary.get("HEAD", 0) == 0 and summary.get("GET", 0) == 1, summary
    assert counter.total - (lease_puts - 1) <= len(objects) + 5, (counter.total, len(objects), summary)


def test_s3_overwrite_is_batched(s3_server, s3_bucket, counter, counted_options, make_table) -> None:
    url = s3_server.url(s3_bucket, "again.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(make_table(300))
    with ZarrIO(url, "w", storage_options=counted_options) as io:
        io.write(make_table(10, ragged=False))
    objects = _objects(s3_server, s3_bucket, "again.zarr")
    assert not any("spikes" in o for o in objects)
    # one probe, one listing and one batched delete of the old store, then one PUT per object; the
    # clearing and the write each hold the writer lease (a PUT and a DELETE each, one version GET;
    # renewals only if it outlasts a renewal period)
    data_puts, lease_puts = _puts(counter)
    assert data_puts == len(objects) and lease_puts >= 2, counter.summary()
    assert counter.total - (lease_puts - 2) <= len(objects) + 9, counter.summary()


@pytest.mark.parametrize("fmt", [3, 2])
def test_s3_open_and_list_columns_costs_at_most_two_requests(
    s3_server, s3_bucket, counter, counted_options, make_table, fmt
) -> None:
    url = s3_server.url(s3_bucket, "open.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options, zarr_format=fmt) as io:
        io.write(make_table(300))
    with ZarrIO(url, "r", storage_options=counted_options) as io:
        table = io.read()
        assert table.colnames == ("start", "label", "spikes") and len(table) == 300
    assert counter.count("HEAD") == 0
    assert counter.total <= 2, counter.requests
    if fmt == 3:
        assert counter.total == 1  # the root zarr.json with consolidated metadata, nothing else


@pytest.mark.parametrize("fmt", [3, 2])
def test_s3_open_for_appending_costs_what_reading_costs(s3_server, s3_bucket, counter, counted_options, make_table,
                                                        fmt) -> None:
    url = s3_server.url(s3_bucket, f"append{fmt}.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options, zarr_format=fmt) as io:
        io.write(make_table(300))
    costs = {}
    for mode in ("r", "a"):
        counter.reset()
        with ZarrIO(url, mode, storage_options=counted_options) as io:
            table = io.read()
            assert len(table) == 300
            costs[mode] = counter.summary()
    # a writer checks for an interrupted rewrite in the commit document it reads anyway: no second read
    assert costs["a"] == costs["r"], costs
    counter.reset()
    with ZarrIO(url, "a", storage_options=counted_options) as io:
        table = io.read()
        table.add_row(start=1.0, label="new", spikes=[1.0, 2.0])
    assert counter.count("PUT") > 0
    with ZarrIO(url, storage_options=s3_server.storage_options) as io:
        table = io.read()
        assert len(table) == 301 and table["label"][300] == "new"


@pytest.mark.slow
def test_s3_column_read_costs_its_chunk_gets_fetched_concurrently(s3_server, s3_bucket, counter, counted_options) -> None:
    url = s3_server.url(s3_bucket, "big.zarr")
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write(_big_table())
    chunks = [o for o in _objects(s3_server, s3_bucket, "big.zarr") if "/x/c/" in o]
    assert len(chunks) >= 4
    with ZarrIO(url, "r", storage_options=counted_options) as io:
        table = io.read()
        counter.reset()
        values = np.asarray(table["x"].data)
        assert np.array_equal(values, np.arange(1_000_000, dtype=np.float64))
        assert counter.count("GET") == len(chunks) and counter.total <= len(chunks) + 1, counter.requests
        assert {path.rsplit("/", 1)[0] for _, path, _ in counter.requests} == {f"/{s3_bucket}/big.zarr/x/c"}
        assert counter.max_in_flight >= 2, "chunks were fetched one after another"

        counter.reset()
        assert table[777_777, "x"] == 777_777.0  # one row: one chunk
        assert table[5, "k"] == 5
        assert counter.total == 2, counter.requests

        counter.reset()
        assert table[777_778, "x"] == 777_778.0  # the chunk is cached
        assert counter.total == 0


def test_s3_no_head_requests_in_a_whole_session(s3_server, s3_bucket, counter, counted_options, make_table) -> None:
    url = s3_server.url(s3_bucket, "cycle.zarr")
    with ZarrIO(url, "w-", storage_options=counted_options) as io:
        io.write(make_table(50))
    with ZarrIO(url, "r", storage_options=counted_options) as io:
        t = io.read()
        t.to_dataframe()
        io.spec_cache()
    assert counter.count("HEAD") == 0, counter.summary()


def test_s3_sixteen_chunk_column_costs_sixteen_gets(s3_server, s3_bucket, counter, counted_options) -> None:
    """hdmf-zarr measured 36 requests for this read (a HEAD before every GET, plus probes)."""
    from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
    from hdmfzarr.dataio import DataIO

    url = s3_server.url(s3_bucket, "sixteen.zarr")
    root = GroupBuilder("root")
    root.set_dataset(DatasetBuilder("col", DataIO(np.arange(16_000, dtype=np.float64), chunks=(1000,))))
    with ZarrIO(url, "w", storage_options=s3_server.storage_options) as io:
        io.write_builder(root)
    with ZarrIO(url, "r", storage_options=counted_options) as io:
        col = io.read_builder()["col"].data
        assert counter.total == 1
        counter.reset()
        assert np.array_equal(col[:], np.arange(16_000, dtype=np.float64))
    assert counter.summary() == {"GET": 16}, counter.summary()
    assert counter.max_in_flight >= 2

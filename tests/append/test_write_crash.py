"""Kill campaigns for every write path but plain appends (those are test_append_crash.py): a worker
subprocess (append_worker.py, forked by its fork server) adding columns to a stored table, adding
tables to a stored root, writing new stores, or converting a store, is SIGKILLed at random moments.
Every killed store must hold exactly its last committed state (every acknowledged write, at most
the one in flight, nothing half-written), or — a new store never committed — refuse to open with a
clear error. Both formats; format 2 lanes include the index widening that rewrites in place.

``HDMFZARR_KILL_TRIALS=N pytest -m slow tests/append/test_write_crash.py`` runs N trials per lane.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import SimpleMultiContainer
from hdmfzarr.errors import IncompleteStoreError, StoreNotFoundError

SCENARIOS = ["add_column", "add_table", "first", "convert"]
REFUSED = (IncompleteStoreError, StoreNotFoundError)


WIDEN_FROM = 125  # rows: the doubly ragged column's uint8 index holds 249 offsets, the next batch widens it
BATCH = 7


def _setup(support, scenario: str, base: Path | str, fmt: int, opts: dict | None = None) -> str:
    """The store (or directory of stores) a lane's worker writes to (``base`` a path or an S3 URL)."""
    if scenario == "add_column":
        with ZarrIO(base, "w", zarr_format=fmt, storage_options=opts) as io:
            io.write(support.make_table(20))
        return str(base)
    if scenario == "add_table":
        with ZarrIO(base, "w", zarr_format=fmt, storage_options=opts) as io:
            io.write(SimpleMultiContainer("root", [support.worker.table_for(0, 1)]))
        return str(base)
    if scenario == "widen":  # a fresh store per trial (see _trial): its first append widens an index
        return str(base)
    if isinstance(base, str):
        return base  # S3: the stores are keys under this prefix
    base.mkdir()
    if scenario == "convert":  # the source is the other format (convert's default), sized to take a while
        with ZarrIO(base / "source.zarr", "w", zarr_format=5 - fmt) as io:
            io.write(support.make_table(3000))
    return str(base)


def _stores(url: str, opts: dict | None) -> list[str]:
    """The names under the directory or S3 prefix ``url``."""
    if opts is None:
        return os.listdir(url)
    import fsspec

    fs, root = fsspec.core.url_to_fs(url, **opts)
    fs.invalidate_cache()
    return [p.rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(root, detail=False)] if fs.exists(root) else []


def _state(support, scenario: str, url: str, opts: dict | None = None) -> int:
    """How many writes the store (or directory) holds, after checking every one is whole."""
    w = support.worker
    if scenario == "widen":
        with ZarrIO(url, storage_options=opts) as io:
            rows = support.check_table(io.read())
        assert (rows - WIDEN_FROM) % BATCH == 0, f"{rows} rows: not whole batches"
        return (rows - WIDEN_FROM) // BATCH
    if scenario == "add_column":
        with ZarrIO(url, storage_options=opts) as io:
            table = io.read()
            assert support.check_table(table) == 20  # the committed columns are untouched
            added = [c for c in table.colnames if c.startswith("c")]
            assert added == [f"c{k}" for k in range(len(added))], added
            for k, name in enumerate(added):
                assert table.get_column(name).get_all().tolist() == w.column_for(k, 20).tolist(), name
            return len(added)
    if scenario == "add_table":
        with ZarrIO(url, storage_options=opts) as io:
            root = io.read()
            names = sorted(root.containers, key=lambda n: int(n[1:]))
            assert names == [f"t{k}" for k in range(len(names))], names
            for k, name in enumerate(names):
                got, want = root.containers[name], w.table_for(k, k + 1)
                assert got.get_column("v").get_all().tolist() == want.get_column("v").get_all().tolist()
                assert list(got.get_column("s").get_all()) == list(want.get_column("s").get_all())
            return len(names)
    stores = sorted((p for p in _stores(url, opts) if p != "source.zarr"), key=lambda n: int(n.split(".")[0]))
    whole = 0
    for k, name in enumerate(stores):
        assert name == f"{k}.zarr", stores
        try:
            with ZarrIO(f"{url}/{name}", storage_options=opts) as io:
                table = io.read()
                assert support.check_table(table) == (3000 if scenario == "convert" else 10)
        except REFUSED:
            assert k == len(stores) - 1, f"{name}: only the store in flight may be incomplete"
            continue
        whole += 1
    return whole


def _trial(support, server, scenario: str, url: str, out: Path, rng: random.Random, window: float,
           opts: dict | None = None, fmt: int = 3) -> tuple:
    if scenario == "widen":  # a new store just below the widening, appended to in batches until killed
        url = f"{url}/{out.name}.zarr" if opts else str(out.with_suffix(".zarr"))
        with ZarrIO(url, "w", zarr_format=fmt, storage_options=opts) as io:
            io.write(support.make_table(WIDEN_FROM))
    before = _state(support, scenario, url, opts)
    worker = "append" if scenario == "widen" else scenario
    batch = BATCH if scenario == "widen" else 10
    lines = support.kill_worker_later(server, url, batch, out, rng.uniform(0.0, window), worker, wait_for="ready")
    complete = [line for line in lines if line.endswith("\n")]
    done = [int(line.split()[1]) for line in complete if line.startswith("committed")]
    if scenario == "widen":  # the worker counts rows
        done = [(n - WIDEN_FROM) // BATCH for n in done]
    committed = max([before] + done)
    mid_write = bool(complete) and complete[-1].startswith("writing")
    found = _state(support, scenario, url, opts)
    assert committed <= found <= committed + 1, f"{scenario}: {committed} writes acknowledged, {found} in the store"
    return committed, found, mid_write


def _campaign(support, tmp_path: Path, scenario: str, fmt: int, trials: int, window: float,
              s3: Any = None, bucket: str = "", mid_writes: int = 0) -> dict:
    """``trials`` kills, then more (up to three times as many) until ``mid_writes`` of them landed inside a write:
    on a loaded machine more kills land before the worker starts writing."""
    opts = s3.storage_options if s3 is not None else None
    base: Path | str = s3.url(bucket, f"{scenario}{fmt}") if s3 is not None else tmp_path / f"{scenario}{fmt}.zarr"
    url = _setup(support, scenario, base, fmt, opts)
    server = support.ForkServer(opts)
    rng = random.Random(hash((scenario, fmt)) & 0xFFFF)
    t0 = time.monotonic()
    results: list = []
    try:
        while len(results) < trials or (sum(r[2] for r in results) < mid_writes and len(results) < 3 * trials):
            out = tmp_path / f"{scenario}{fmt}.{len(results)}.out"
            results.append(_trial(support, server, scenario, url, out, rng, window, opts, fmt))
    finally:
        server.close()
    return {"trials": len(results), "mid_write": sum(1 for r in results if r[2]), "lost": 0,
            "seconds": round(time.monotonic() - t0, 1), "final": results[-1][1]}


@pytest.mark.parametrize("fmt", [3, 2], ids=["v3", "v2"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kill_campaign_small(support, tmp_path: Path, scenario: str, fmt: int) -> None:
    """Two kills per write path and format (the full campaign is the slow test below)."""
    stats = _campaign(support, tmp_path, scenario, fmt, trials=2, window=0.6)
    print(f"\n{scenario} format {fmt}: {stats}")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [3, 2], ids=["v3", "v2"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kill_campaign(support, tmp_path: Path, scenario: str, fmt: int) -> None:
    """The campaign recorded in docs/reliability.md: many kills per write path and format; a third of
    them or more must land inside a write for the campaign to mean anything."""
    trials = int(os.environ.get("HDMFZARR_KILL_TRIALS", "12"))
    stats = _campaign(support, tmp_path, scenario, fmt, trials=trials, window=1.5, mid_writes=trials // 3)
    print(f"\n{scenario} format {fmt}: {stats}")
    assert stats["mid_write"] >= trials // 3, stats


S3_LANES = [("first", 3), ("first", 2), ("add_column", 3), ("add_column", 2), ("add_table", 3), ("add_table", 2),
            ("widen", 2)]


@pytest.mark.slow
@pytest.mark.s3
@pytest.mark.parametrize("scenario,fmt", S3_LANES, ids=[f"{s}-v{f}" for s, f in S3_LANES])
def test_kill_campaign_s3(support, tmp_path: Path, s3_server, s3_bucket, monkeypatch, scenario: str, fmt: int) -> None:
    """The S3 campaign (SeaweedFS): the non-append write paths and the format-2 widening, SIGKILLed at
    random moments; ``HDMFZARR_KILL_TRIALS_S3=N`` per lane (default 3; docs/reliability.md: 12, 24 widening).
    A killed writer's lease is taken over after HDMFZARR_WRITER_LEASE_SECONDS (8 s here, not 30: short
    enough for a campaign, long enough for renewals on a loaded machine); a first write retried over a
    killed one waits that long, hence its longer kill window."""
    monkeypatch.setenv("HDMFZARR_WRITER_LEASE_SECONDS", "8")
    trials = int(os.environ.get("HDMFZARR_KILL_TRIALS_S3", "3")) * (2 if scenario == "widen" else 1)
    window = 14.0 if scenario == "first" else 2.5
    stats = _campaign(support, tmp_path, scenario, fmt, trials=trials, window=window, s3=s3_server, bucket=s3_bucket)
    print(f"\nS3 {scenario} format {fmt}: {stats}")
    assert stats["trials"] == trials


def test_format2_widening_keeps_committed_rows_readable_mid_rewrite(tmp_path: Path, support, monkeypatch) -> None:
    """Format 2 widens an index in place: until the commit, readers read the undo copy, and a writer
    killed mid-rewrite leaves a store whose next opener for writing rolls the rewrite back."""
    from hdmfzarr.backends.zarr import transaction

    path = tmp_path / "w2.zarr"
    with ZarrIO(path, "w", zarr_format=2) as io:
        io.write(support.make_table(5))
    real = transaction.Transaction._write_arrays
    seen: list[int] = []

    def write_then_die(self, jobs, plans):
        real(self, jobs, plans)
        with ZarrIO(path) as io:  # a reader between the in-place rewrite and the commit
            seen.append(support.check_table(io.read()))
        raise KeyboardInterrupt  # the "kill": no commit

    monkeypatch.setattr(transaction.Transaction, "_write_arrays", write_then_die)
    with ZarrIO(path, "a") as io:
        t = io.read()
        t.extend(support.worker.rows_for(5, 300))  # the ragged index outgrows uint8
        with pytest.raises(KeyboardInterrupt):
            io.write(t)
        io._root_container = None
    monkeypatch.undo()
    assert seen == [5]
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 5
    with ZarrIO(path, "a") as io:  # the next writer rolls back and appends
        t = io.read()
        t.extend(support.worker.rows_for(5, 300))
        io.write(t)
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 305
    assert not (path / ".hdmfzarr-undo").exists() or not any((path / ".hdmfzarr-undo").rglob("*.*"))


@pytest.mark.parametrize("fmt", [3, 2], ids=["v3", "v2"])
def test_uncommitted_new_store_is_refused(tmp_path: Path, support, monkeypatch, fmt: int) -> None:
    """A new store whose commit never happened opens with IncompleteStoreError; writing it again works."""
    from hdmfzarr.backends.zarr import transaction

    path = tmp_path / "new.zarr"

    def die(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transaction.Transaction, "_write_commit_document", die)  # the single place it is written
    with pytest.raises(KeyboardInterrupt):
        with ZarrIO(path, "w", zarr_format=fmt) as io:
            io.write(support.make_table(10))
    monkeypatch.undo()
    with pytest.raises(IncompleteStoreError, match="incomplete store"):
        with ZarrIO(path) as io:
            io.read()
    with ZarrIO(path, "a", zarr_format=fmt) as io:  # nothing was committed: mode 'a' starts it again
        io.write(support.make_table(10))
    with ZarrIO(path) as io:
        assert support.check_table(io.read()) == 10


@pytest.mark.parametrize("fmt", [3, 2], ids=["v3", "v2"])
def test_adding_writes_only_new_nodes(tmp_path: Path, support, fmt: int) -> None:
    """Mode 'a': adding a column or a table writes the new nodes and changed metadata only — every
    committed chunk file keeps its bytes and modification time."""
    path = tmp_path / "only.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(SimpleMultiContainer("root", [support.make_table(40)]))
    metadata = {"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"}
    chunks = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file() and p.name not in metadata}
    assert len(chunks) > 10
    with ZarrIO(path, "a") as io:
        root = io.read()
        root.containers["acq"].add_column("extra", "added", data=np.arange(40))
        root.add_container(support.worker.table_for(7, 3))
        io.write(root)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in chunks}
    assert after == chunks
    with ZarrIO(path) as io:
        root = io.read()
        assert support.check_table(root.containers["acq"]) == 40
        assert root.containers["acq"].get_column("extra").get_all().tolist() == list(range(40))
        assert root.containers["t7"].get_column("v").get_all().tolist() == [7.0, 7.125, 7.25]


def test_nwb_store_opened_r_plus_gets_an_acquisition(tmp_path: Path) -> None:
    """The hdmf-zarr users' request: a pynwb-written NWB store opened in 'r+', an acquisition added,
    written: only the commit document changes among committed files, and pynwb reads both series."""
    import datetime as dt
    import warnings

    pynwb = pytest.importorskip("pynwb")
    from hdmf_zarr.nwb import NWBZarrIO

    path = tmp_path / "nwb.zarr"
    nwb = pynwb.NWBFile("desc", "id1", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    nwb.add_acquisition(pynwb.TimeSeries(name="ts", data=np.arange(10.0), unit="m", timestamps=np.arange(10.0) / 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), "w") as io:
            io.write(nwb)
    before = {p: p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()}
    with ZarrIO(path, "r+") as io:
        f = io.read()
        TimeSeries = io.type_map.get_class("TimeSeries", "core")
        ts2 = TimeSeries(name="ts2", data=np.arange(5.0), data__unit="V", starting_time=0.0, starting_time__rate=10.0)
        f.acquisition__nwb_data_interfaces.add(ts2)
        ts2.parent = f
        io.write(f)
    changed = sorted(str(p.relative_to(path)) for p, t in before.items() if p.stat().st_mtime_ns != t)
    assert changed == ["zarr.json"]  # the commit document; no committed chunk or node document touched
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), "r") as io:
            back = io.read()
            assert sorted(back.acquisition) == ["ts", "ts2"]
            assert back.acquisition["ts2"].data[:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
            assert back.acquisition["ts"].timestamps[:].tolist() == [i / 10 for i in range(10)]


def test_nwb_series_grown_in_place_take_the_append_path(tmp_path: Path) -> None:
    """A pynwb-written NWB store with reference datasets (electrodes' groups, epochs' compound timeseries): rows
    added to a series' data and timestamps are an append - reference arrays over the stored ones are not replaced
    arrays (before, every write back was a full transaction) - and pynwb reads the grown series."""
    import datetime as dt
    import warnings

    pynwb = pytest.importorskip("pynwb")
    from hdmf_zarr.nwb import NWBZarrIO

    path = tmp_path / "grow.nwb.zarr"
    nwb = pynwb.NWBFile("desc", "id1", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    group = nwb.create_electrode_group("shank", "a shank", "CA1", nwb.create_device("probe"))
    for _ in range(3):
        nwb.add_electrode(group=group, location="CA1")
    nwb.add_acquisition(pynwb.TimeSeries(name="ts1", data=np.arange(5.0), unit="m", timestamps=np.arange(5.0) / 10))
    nwb.add_epoch(start_time=0.0, stop_time=1.0, timeseries=[nwb.acquisition["ts1"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), "w") as io:
            io.write(nwb)
        with ZarrIO(path, "a") as io:
            nwb = io.read()
            assert io._is_append_only(nwb)
            ts = nwb.acquisition["ts1"]
            ts.data.extend([5.0, 6.0])
            ts.timestamps.extend([0.5, 0.6])
            assert io._is_append_only(nwb) and io.pending_appends() == 4
            io.write(nwb)
        with NWBZarrIO(str(path), "r") as io:
            read = io.read()
            ts = read.acquisition["ts1"]
            assert ts.data[:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
            assert ts.timestamps[:].tolist() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
            assert [g.name for g in read.electrodes["group"][:]] == ["shank"] * 3

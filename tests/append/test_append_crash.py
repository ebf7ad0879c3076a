"""Crash consistency: a subprocess appending batches is SIGKILLed at random moments; every reopened
store must be consistent and hold every batch whose write returned (locally and on S3)."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from hdmfzarr.backends.zarr import ZarrIO

BATCH = 7  # rows per append; odd so batches straddle chunk borders


def _trial(support, server, url: str, out: Path, rng: random.Random, opts: dict | None, window: float,
           scenario: str = "append") -> tuple:
    """Fork a worker, let it commit once, SIGKILL it a random moment later, verify the store.
    Returns (rows before, rows reported committed, rows found, whether the kill hit a write)."""
    check = support.check_refs if scenario == "refs" else support.check_table
    with ZarrIO(url, "r", storage_options=opts) as io:
        before = check(io.read())
    lines = support.kill_worker_later(server, url, BATCH, out, rng.uniform(0.0, window), scenario)
    complete = [line for line in lines if line.endswith("\n")]
    committed = max([before] + [int(line.split()[1]) for line in complete if line.startswith("committed")])
    mid_write = bool(complete) and complete[-1].startswith("writing")
    with ZarrIO(url, "r", storage_options=opts) as io:
        found = check(io.read())
    assert (found - before) % BATCH == 0, f"{found - before} rows appended: not whole batches"
    assert found >= committed, f"{committed} rows were reported committed, only {found} are in the store"
    assert found <= committed + BATCH, f"{found} rows found, {committed} committed + one batch in flight"
    return before, committed, found, mid_write


def _lane(support, server, path: Path, seed: int, trials: int, results: list, errors: list) -> None:
    rng = random.Random(seed)
    try:
        for k in range(trials):
            out = path.with_name(f"{path.name}.{k}.out")
            results.append(_trial(support, server, str(path), out, rng, None, window=0.3))
    except BaseException as exc:  # noqa: BLE001 - reported by the test thread
        errors.append(exc)


@pytest.mark.slow
def test_sigkill_during_appends_local(tmp_path: Path, support) -> None:
    """75 kills: 3 stores (two Zarr format 3, one format 2) x 25 successive kills, each reopened store
    consistent; every later append continues from the committed state the killed writer left.
    Every store starts with 5 rows, so kills also hit the widening of their uint8 indexes (format 3
    under the other chunk key encoding, format 2 in place after an undo copy)."""
    lanes = [(3, 5), (3, 5), (2, 5)]  # (zarr format, initial rows)
    per_lane = 25
    results: list = []
    errors: list = []
    threads = []
    server = support.ForkServer()
    for k, (fmt, rows) in enumerate(lanes):
        path = tmp_path / f"crash{k}.zarr"
        with ZarrIO(path, "w", zarr_format=fmt) as io:
            io.write(support.make_table(rows))
        threads.append(threading.Thread(target=_lane, args=(support, server, path, 1000 + k, per_lane, results, errors)))
    t0 = time.monotonic()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.close()
    if errors:
        raise errors[0]
    assert len(results) == len(lanes) * per_lane
    mid_write = sum(1 for r in results if r[3])
    assert mid_write >= len(results) // 3, f"only {mid_write} of {len(results)} kills hit a write"
    print(f"\n{len(results)} SIGKILL trials in {time.monotonic() - t0:.1f} s: 0 inconsistent; "
          f"{mid_write} killed inside io.write; {sum(1 for r in results if r[2] > r[1])} of those had "
          f"committed the batch before dying")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [3, 2])
def test_sigkill_during_appends_to_a_reference_column(tmp_path: Path, support, fmt: int) -> None:
    """20 kills of a writer appending rows with object references (Zarr format 3: paths; format 2: JSON cells,
    the last chunk completed in place): every reopened store holds whole committed rows whose references
    resolve to the right objects."""
    path = tmp_path / "refs.zarr"
    with ZarrIO(path, "w", zarr_format=fmt) as io:
        io.write(support.worker.make_ref_root(5))
    rng = random.Random(fmt)
    server = support.ForkServer()
    try:
        results = [_trial(support, server, str(path), tmp_path / f"refs.{k}.out", rng, None, 0.3, "refs")
                   for k in range(20)]
    finally:
        server.close()
    mid_write = sum(1 for r in results if r[3])
    assert mid_write >= 5, f"only {mid_write} of {len(results)} kills hit a write"
    assert results[-1][2] > 5


@pytest.mark.slow
@pytest.mark.s3
def test_sigkill_during_appends_s3(s3_server, s3_bucket, support, tmp_path: Path) -> None:
    """The same on the SeaweedFS S3 server: 10 kills in one store."""
    url = s3_server.url(s3_bucket, "crash.zarr")
    opts = s3_server.storage_options
    with ZarrIO(url, "w", storage_options=opts) as io:
        io.write(support.make_table(5))
    rng = random.Random(7)
    t0 = time.monotonic()
    server = support.ForkServer(opts)
    try:
        results = [_trial(support, server, url, tmp_path / f"s3.{k}.out", rng, opts, window=1.0) for k in range(10)]
    finally:
        server.close()
    mid_write = sum(1 for r in results if r[3])
    assert mid_write >= 3, results
    print(f"\n{len(results)} SIGKILL trials on S3 in {time.monotonic() - t0:.1f} s: 0 inconsistent; "
          f"{mid_write} killed inside io.write; final rows {results[-1][2]}")

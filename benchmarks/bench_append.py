"""Benchmark appends: 100 batches of 10,000 rows appended to a stored table, against raw zarr.

The table has the columns of the 1M-row benchmark (``bench_table.py``): int, float, text and a
ragged float column, plus ``id``. hdmfzarr appends through the container API (``extend`` on the
table read in mode 'a', then ``io.write``: new chunks, array metadata, one consolidated-metadata
commit per batch); raw zarr calls ``Array.append`` on the same arrays (same chunks and codecs), in
the same run, from the same batches (it flattens the ragged rows and computes the offsets and ids
itself, as a raw-zarr pipeline must; its consolidated metadata goes stale). The two sides alternate
batch by batch so both see the same machine load.
Target: at most 1.2x raw zarr. Also measured: peak memory of a streamed ``DataChunkIterator``
write as the total size grows (it should stay flat).

Run: ``python benchmarks/bench_append.py [--batches 100] [--rows 10000] [--s3]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.common import DynamicTable

from _support import int_float_text_ragged_table

TARGET_RATIO = 1.2


def make_batches(n_batches: int, rows: int, seed: int = 0) -> list[dict]:
    """The batches (column dicts), prepared once and shared by both sides."""
    rng = np.random.default_rng(seed)
    out = []
    for b in range(n_batches + 1):  # batch 0 creates the table
        start = b * rows
        lengths = rng.integers(0, 5, rows)
        flat = rng.random(int(lengths.sum()))
        out.append({
            "i": np.arange(start, start + rows, dtype=np.int64),
            "f": rng.random(rows),
            "s": np.array([f"row {k}" for k in range(start, start + rows)], dtype=object),
            "r": np.split(flat, np.cumsum(lengths)[:-1]),
        })
    return out


def _table(first: dict) -> DynamicTable:
    t = int_float_text_ragged_table()
    t.extend(first)
    return t


def create_store(url: str, first: dict, storage_options: dict | None = None) -> None:
    with ZarrIO(url, "w", storage_options=storage_options) as io:
        io.write(_table(first))


class _Raw:
    """zarr's own ``Array.append`` on the arrays of a store written like ours (same chunks and codecs)."""

    def __init__(self, url: str, storage_options: dict | None = None) -> None:
        import zarr

        store = url if storage_options is None else zarr.storage.FsspecStore.from_url(url, storage_options=storage_options)
        g = zarr.open_group(store, mode="r+", use_consolidated=False)
        self.arrays = {name: g[name] for name in ("i", "f", "s", "r", "r_index", "id")}
        self.offset = int(self.arrays["r_index"][-1]) if self.arrays["r_index"].shape[0] else 0
        self.nrows = self.arrays["id"].shape[0]

    def append(self, batch: dict) -> None:
        """Append one batch given as for ``extend`` (ragged column: a list of per-row arrays)."""
        arrays = self.arrays
        n = len(batch["i"])
        ragged = batch["r"]
        arrays["r"].append(np.concatenate(ragged))
        ends = self.offset + np.cumsum(np.fromiter(map(len, ragged), dtype=np.int64, count=len(ragged)))
        arrays["r_index"].append(ends.astype(arrays["r_index"].dtype))
        self.offset = int(ends[-1])
        arrays["i"].append(batch["i"])
        arrays["f"].append(batch["f"])
        arrays["s"].append(batch["s"])
        arrays["id"].append(np.arange(self.nrows, self.nrows + n, dtype=np.int64))
        self.nrows += n


def bench_pair(u_ours: str, u_raw: str, batches: list[dict], storage_options: dict | None = None) -> tuple:
    """Batch by batch, alternating sides (both see the same machine load): hdmfzarr appends through
    the container API (``extend`` + ``io.write``), raw zarr through ``Array.append``.
    Returns (ours wall s, raw wall s, ours CPU s, raw CPU s)."""
    wall = [0.0, 0.0]
    cpu = [0.0, 0.0]
    raw = _Raw(u_raw, storage_options)
    with ZarrIO(u_ours, "a", storage_options=storage_options) as io:
        table = io.read()
        for k, batch in enumerate(batches[1:]):
            def ours() -> None:
                table.extend(batch)
                io.write(table)

            order = ((0, ours), (1, lambda: raw.append(batch)))
            for side, fn in (order if k % 2 == 0 else order[::-1]):
                w0, c0 = time.perf_counter(), time.process_time()
                fn()
                wall[side] += time.perf_counter() - w0
                cpu[side] += time.process_time() - c0
    return wall[0], wall[1], cpu[0], cpu[1]


def verify(url: str, batches: list[dict], storage_options: dict | None = None) -> None:
    """The appended table reads back complete (a fresh reader, consolidated metadata)."""
    with ZarrIO(url, storage_options=storage_options) as io:
        t = io.read()
        n = sum(len(b["i"]) for b in batches)
        assert len(t) == n and len(t.get_column("s")) == n, (len(t), n)
        assert t.get_column("i").get(n - 1) == batches[-1]["i"][-1]
        last = t.get_column("r").get(n - 1)
        assert np.array_equal(np.asarray(last), batches[-1]["r"][-1])


def run_append(n_batches: int, rows: int, repeats: int, s3: bool = False) -> dict:
    batches = make_batches(n_batches, rows)
    results = []
    ctx = _s3_context() if s3 else None
    opts = ctx[1] if ctx else None
    tmp = tempfile.mkdtemp(prefix="bench_append_")
    try:
        for rep in range(repeats):
            base = ctx[0] if ctx else tmp
            u_ours, u_raw = f"{base}/ours{rep}.zarr", f"{base}/raw{rep}.zarr"
            create_store(u_ours, batches[0], opts)
            create_store(u_raw, batches[0], opts)
            gc.collect()
            results.append(bench_pair(u_ours, u_raw, batches, opts))
            verify(u_ours, batches, opts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if ctx:
            ctx[2]()
    best = min(results, key=lambda r: r[0] / r[1])
    med = sorted(results, key=lambda r: r[0] / r[1])[len(results) // 2]
    return {
        "ours_s": med[0], "raw_s": med[1], "ratio": med[0] / med[1],
        "best_ratio": best[0] / best[1],
        "cpu_ratio": sorted(r[2] / r[3] for r in results)[len(results) // 2],
        "runs": [(round(r[0], 3), round(r[1], 3)) for r in results],
    }


def _s3_context():
    """(base URL, storage options, stop) of a SeaweedFS server started like the test fixture."""
    from _support import start_s3_server

    server = start_s3_server(Path(tempfile.mkdtemp(prefix="bench_s3_")))
    bucket = server.make_bucket("bench")
    return server.url(bucket), server.storage_options, server.stop


# -- streaming memory ---------------------------------------------------------------------------
_STREAM_CHILD = r"""
import resource, sys, tracemalloc, numpy as np
from hdmfzarr.backends.zarr import ZarrIO
from hdmfzarr.build.builders import DatasetBuilder, GroupBuilder
from hdmfzarr.dataio import DataChunkIterator
path, mib = sys.argv[1], int(sys.argv[2])
rows_per_block = (1 << 20) // (8 * 8)  # 1 MiB blocks of 8 float64 channels
def blocks():
    for k in range(mib):
        yield np.full((rows_per_block, 8), float(k))
with ZarrIO(path, "w") as io:  # warm up imports and zarr's event loop outside the measurement
    io.write_builder(GroupBuilder("root"))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
root = GroupBuilder("root")
root.set_dataset(DatasetBuilder("data", DataChunkIterator(blocks(), chunks=(rows_per_block, 8))))
with ZarrIO(path, "w") as io:
    io.write_builder(root)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with ZarrIO(path) as io:
    d = io.read_builder()["data"].data
    assert d.shape == (rows_per_block * mib, 8) and float(d[-1, 0]) == mib - 1
print(peak, rss, base)
"""


def run_streaming(sizes_mib: list[int]) -> list[tuple[int, float, float]]:
    """(total MiB, tracemalloc peak MiB, max RSS MiB) of streamed writes of growing size."""
    out = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                                    os.environ.get("PYTHONPATH")]))}
    tmp = tempfile.mkdtemp(prefix="bench_stream_")
    try:
        for mib in sizes_mib:
            done = subprocess.run([sys.executable, "-c", _STREAM_CHILD, f"{tmp}/s{mib}.zarr", str(mib)],
                                  capture_output=True, text=True, env=env, check=True)
            peak, rss, _ = (int(x) for x in done.stdout.split())
            out.append((mib, peak / 2**20, rss / 1024))
            shutil.rmtree(f"{tmp}/s{mib}.zarr", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--s3", action="store_true", help="also run against a local SeaweedFS S3 server")
    ap.add_argument("--stream-sizes", default="64,256,1024", help="MiB totals of the streaming-memory check")
    args = ap.parse_args()
    res = run_append(args.batches, args.rows, args.repeats)
    print(f"append {args.batches} x {args.rows} rows (local, median of {args.repeats}): hdmfzarr {res['ours_s']:.3f} s, "
          f"raw zarr {res['raw_s']:.3f} s, ratio {res['ratio']:.2f}x (target <= {TARGET_RATIO}x) "
          f"{'OK' if res['ratio'] <= TARGET_RATIO else 'MISSED'}; best {res['best_ratio']:.2f}x, "
          f"CPU-time ratio {res['cpu_ratio']:.2f}x")
    print(f"  runs (hdmfzarr s, raw s): {res['runs']}")
    if args.s3:
        res = run_append(args.batches, args.rows, 1, s3=True)
        print(f"append {args.batches} x {args.rows} rows (S3, SeaweedFS): hdmfzarr {res['ours_s']:.3f} s, "
              f"raw zarr {res['raw_s']:.3f} s, ratio {res['ratio']:.2f}x")
    sizes = [int(x) for x in args.stream_sizes.split(",") if x]
    if sizes:
        print("streamed DataChunkIterator write (1 MiB blocks):")
        for mib, peak, rss in run_streaming(sizes):
            print(f"  {mib:6d} MiB written: tracemalloc peak {peak:7.1f} MiB, max RSS {rss:7.1f} MiB")


if __name__ == "__main__":
    main()

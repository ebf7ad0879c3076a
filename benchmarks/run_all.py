"""Run every benchmark workload for hdmfzarr and raw zarr in one run (plus hdmf / hdmf-zarr when installed).

Workloads on one table (default 1,000,000 rows: id, float64, int32, text, ragged float32 ~8 values/row):
write, open + read a column, 1,000 random ragged rows, ``to_dataframe``, appending batches of rows,
and — against a local SeaweedFS S3 server started for the run — remote open + read a column and remote
``to_dataframe``; plus building rows in memory (``add_row``, ``extend``). hdmfzarr and raw zarr run
interleaved in the same process; hdmf-zarr 0.14 (when importable) runs the same workloads on the same data.
Prints a Markdown table and writes it to ``benchmarks/RESULTS.md``.

Run:  PYTHONPATH=. python benchmarks/run_all.py [--rows N] [--repeat K] [--no-remote] [--no-hdmf]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import zarr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_append  # noqa: E402
import bench_table  # noqa: E402
import bench_zarr  # noqa: E402
from bench_zarr import df_ours, df_raw, make_data, make_table, paired, read_col_ours  # noqa: E402

from hdmfzarr import ZarrIO  # noqa: E402

APPEND_BATCHES = 20  # bench_append.py's workload (100 x 10,000 there), shortened to keep the run short
APPEND_ROWS = 10_000
HDMF_DATAFRAME_ROWS = 5000


class Row:
    """One line of the results table (seconds; None = not measured)."""

    def __init__(self, name: str, ours: float | None, raw: float | None = None, hdmf: float | None = None,
                 note: str = "") -> None:
        self.name, self.ours, self.raw, self.hdmf, self.note = name, ours, raw, hdmf, note


def _best(repeat: int, fn: Callable[[], Any], setup: Callable[[], Any] | None = None) -> float:
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# --------------------------------------------------------------------------------- hdmf-zarr
def hdmf_available() -> bool:
    return importlib.util.find_spec("hdmf_zarr") is not None and importlib.util.find_spec("hdmf") is not None


def hdmf_table(d: dict[str, Any]) -> Any:
    """The same table as hdmf containers (columns given whole, as hdmf users do for bulk data)."""
    from hdmf.common import DynamicTable, SimpleMultiContainer, VectorData, VectorIndex

    ragged = VectorData(name="ragged", description="ragged floats", data=d["ragged_data"])
    columns = [
        VectorData(name="f64", description="floats", data=d["f64"]),
        VectorData(name="i32", description="ints", data=d["i32"]),
        VectorData(name="label", description="labels", data=d["label"]),
        ragged,
        VectorIndex(name="ragged_index", data=d["ragged_index"], target=ragged),
    ]
    table = DynamicTable(name="bench", description="benchmark table", id=d["id"], columns=columns)
    return SimpleMultiContainer(name="root", containers=[table])  # hdmf-zarr wants a root holding the table


def hdmf_write(path: Path, d: dict[str, Any]) -> None:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO as HdmfZarrIO

    with HdmfZarrIO(str(path), mode="w", manager=get_manager()) as io:
        io.write(hdmf_table(d))


def hdmf_read(path: str, action: Callable[[Any], Any], storage_options: dict | None = None) -> Any:
    from hdmf.common import get_manager
    from hdmf_zarr import ZarrIO as HdmfZarrIO

    kwargs = {"storage_options": storage_options} if storage_options else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with HdmfZarrIO(str(path), mode="r", manager=get_manager(), **kwargs) as io:
            root = io.read()
            return action(root.containers["bench"] if hasattr(root, "containers") else root)


# --------------------------------------------------------------------------------- remote
def remote_rows(rows: int, repeat: int, base: Path, d: dict[str, Any], table: Any, out: list[Row],
                hdmf_cols: dict[str, float], hdmf_notes: dict[str, str]) -> None:
    """Remote open + read a column and remote to_dataframe on a SeaweedFS server started for the run
    (bench_s3.py's server, raw writer and tuned raw-zarr options)."""
    bench_s3 = _load_bench_s3()
    if bench_s3 is None:
        return
    try:
        server = bench_s3.start_server(base / "s3")
    except SystemExit as exc:  # no SeaweedFS binary
        print(f"remote workloads skipped: {exc}")
        return
    try:
        import s3fs

        opts = server.storage_options
        bucket = server.make_bucket("bench")
        url_ours, url_raw = server.url(bucket, "ours.zarr"), server.url(bucket, "raw.zarr")
        raw_opts = bench_s3.remote_options(url_raw, opts)  # the same tuned s3fs options as ours
        with ZarrIO(url_ours, "w", storage_options=opts) as io:
            io.write(table)
        fs = s3fs.S3FileSystem(skip_instance_cache=True, **opts)
        bench_s3.raw_write(url_raw, raw_opts, d, bench_s3.chunk_plan(fs, f"{bucket}/ours.zarr"))
        t_rc, t_raw_rc = paired(repeat, lambda: read_col_ours(url_ours, storage_options=opts),
                                lambda: bench_s3.raw_open(url_raw, raw_opts)["f64"][:])
        out.append(Row("remote (S3): open + read one column", t_rc, t_raw_rc, note="local SeaweedFS"))
        t_rdf, t_raw_rdf = paired(repeat, lambda: df_ours(url_ours, opts), lambda: df_raw(url_raw, raw_opts))
        out.append(Row("remote (S3): to_dataframe", t_rdf, t_raw_rdf, note="columns read concurrently"))
        if hdmf_cols:
            hdmf_cols["remote (S3): open + read one column"] = _best(
                repeat, lambda: hdmf_read(url_ours, lambda t: t["f64"].data[:], opts))
            small_url = server.url(bucket, "small.zarr")
            small_rows = min(rows, HDMF_DATAFRAME_ROWS)
            with ZarrIO(small_url, "w", storage_options=opts) as io:
                io.write(make_table(make_data(small_rows)))
            t_small = _best(1, lambda: hdmf_read(small_url, lambda t: t.to_dataframe(), opts))
            hdmf_cols["remote (S3): to_dataframe"] = t_small * rows / small_rows
            if small_rows < rows:
                hdmf_notes["remote (S3): to_dataframe"] = f"hdmf-zarr: scaled from {small_rows:,} rows"
        print("remote workloads done", flush=True)
    finally:
        server.stop()


def _load_bench_s3() -> Any:
    """benchmarks/bench_s3.py as a module, or None (with a message) when its needs are missing."""
    try:
        import bench_s3
    except (ImportError, SystemExit) as exc:
        print(f"remote workloads skipped: {exc}")
        return None
    return bench_s3


# --------------------------------------------------------------------------------- the run
def run_all(rows: int, repeat: int, base: Path, remote: bool, hdmf: bool) -> list[Row]:
    d = make_data(rows)
    table = make_table(d)
    print(f"{rows:,} rows, {len(d['ragged_data']):,} ragged values, in {base}", flush=True)
    local = bench_zarr.run(rows, repeat, base, d, table)
    out = [
        Row("write the table", local["write"][0], local["write"][1]),
        Row("open + read one column", local["read_column"][0], local["read_column"][1]),
        Row("1,000 random ragged rows", local["ragged_rows_speedup"][0], local["ragged_rows_speedup"][1],
            note="raw: per row, read its offsets then its values"),
        Row("to_dataframe (whole table)", local["to_dataframe"][0], local["to_dataframe"][1]),
    ]
    print("local workloads done", flush=True)

    append_rows = min(APPEND_ROWS, max(100, rows // 100))
    appended = bench_append.run_append(APPEND_BATCHES, append_rows, repeats=1)
    out.append(Row(f"append {APPEND_BATCHES} batches of {append_rows:,} rows", appended["ours_s"], appended["raw_s"],
                   note="bench_append.py: extend + write per batch vs zarr Array.append"))
    print("appends done", flush=True)

    hdmf_cols: dict[str, float] = {}
    hdmf_notes: dict[str, str] = {}
    if hdmf and hdmf_available():
        hpath = base / "hdmf.zarr"
        hdmf_cols["write the table"] = _best(1, lambda: hdmf_write(hpath, d), lambda: shutil.rmtree(hpath, True))
        col = hdmf_read(hpath, lambda t: np.asarray(t["f64"].data[:]))
        assert np.array_equal(col, d["f64"])
        hdmf_cols["open + read one column"] = _best(repeat, lambda: hdmf_read(hpath, lambda t: t["f64"].data[:]))
        picks = np.random.default_rng(1).integers(0, rows, size=1000)
        hdmf_cols["1,000 random ragged rows"] = _best(
            1, lambda: hdmf_read(hpath, lambda t: [t["ragged"][int(i)] for i in picks]))
        # hdmf-zarr's to_dataframe reads a ragged column row by row (~2.7 ms a row here): measured on a
        # smaller table and scaled to ``rows``
        small_rows = min(rows, HDMF_DATAFRAME_ROWS)
        spath = base / "hdmf_small.zarr"
        hdmf_write(spath, make_data(small_rows))
        t_small = _best(1, lambda: hdmf_read(spath, lambda t: t.to_dataframe()))
        hdmf_cols["to_dataframe (whole table)"] = t_small * rows / small_rows
        if small_rows < rows:
            hdmf_notes["to_dataframe (whole table)"] = f"hdmf-zarr: scaled from {small_rows:,} rows"
        print("hdmf-zarr done", flush=True)

    if remote:
        remote_rows(rows, repeat, base, d, table, out, hdmf_cols, hdmf_notes)

    n_add = min(rows, 200_000)
    us_ours = bench_table.bench_add_row(n_add)
    us_hdmf = bench_table.bench_hdmf_add_row(min(30_000, n_add)) if hdmf else None
    out.append(Row(f"add_row x {n_add:,} (in memory)", us_ours * 1e-6 * n_add, None,
                   None if us_hdmf is None else us_hdmf * 1e-6 * n_add, note="hdmf: hdmf 6.2 DynamicTable.add_row"))
    t_ext, _ = bench_table.bench_extend(rows)
    out.append(Row(f"extend {rows:,} rows (in memory)", t_ext, None, note="numpy columns + ragged list of arrays"))
    for row in out:
        if row.hdmf is None:
            row.hdmf = hdmf_cols.get(row.name)
        if row.name in hdmf_notes:
            row.note = "; ".join(filter(None, [row.note, hdmf_notes[row.name]]))
    return out


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def markdown(rows: list[Row], n: int, hdmf_version: str | None) -> str:
    """The results as a Markdown table (times are the best of the repeats)."""
    hdr = f"hdmf-zarr {hdmf_version}" if hdmf_version else "hdmf-zarr"
    lines = [
        f"| workload ({n:,} rows) | hdmfzarr | raw zarr | hdmfzarr ÷ raw zarr | {hdr} | {hdr} ÷ hdmfzarr | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        ratio = f"{r.ours / r.raw:.2f}x" if r.ours and r.raw else "—"
        vs_hdmf = f"{r.hdmf / r.ours:.1f}x" if r.ours and r.hdmf else "—"
        lines.append(f"| {r.name} | {_fmt_s(r.ours)} | {_fmt_s(r.raw)} | {ratio} | {_fmt_s(r.hdmf)} | {vs_hdmf} "
                     f"| {r.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=str, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--no-remote", action="store_true", help="skip the S3 workloads")
    parser.add_argument("--no-hdmf", action="store_true", help="skip hdmf / hdmf-zarr even when installed")
    parser.add_argument("--output", type=str, default=str(HERE / "RESULTS.md"), help="'' to write no file")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Consolidated metadata")
    # s3fs clients that other libraries open on short-lived event loops complain when garbage-collected
    # ("Task exception was never retrieved ... attached to a different loop"): noise, not results
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    load = os.getloadavg()[0]  # a busy machine makes every figure noisier: reported with the results
    base = Path(args.dir or tempfile.mkdtemp(prefix="hdmfzarr_bench_"))
    base.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HDMFZARR_PROGRESS", "0")
    try:
        rows = run_all(args.rows, args.repeat, base, remote=not args.no_remote, hdmf=not args.no_hdmf)
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)
    hdmf_version = None
    if not args.no_hdmf and hdmf_available():
        import hdmf_zarr

        hdmf_version = getattr(hdmf_zarr, "__version__", None)
    table = markdown(rows, args.rows, hdmf_version)
    print()
    print(table)
    if args.output:
        header = (
            "# Benchmark results\n\n"
            f"Latest `python benchmarks/run_all.py --rows {args.rows} --repeat {args.repeat}` "
            f"({dt.date.today().isoformat()}, Python {platform.python_version()}, zarr {zarr.__version__}, "
            f"{os.cpu_count()} cores, load average {load:.1f} at the start). Times are the best of the repeats; hdmfzarr and raw zarr run interleaved "
            "in the same process on the same data and chunk shapes. \"hdmfzarr ÷ raw zarr\" below 1 is faster "
            "than raw zarr; \"hdmf-zarr ÷ hdmfzarr\" is how many times faster hdmfzarr is.\n\n"
        )
        Path(args.output).write_text(header + table + "\n", encoding="utf-8")
        print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

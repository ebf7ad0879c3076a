"""Remote reading under network latency: hdmfzarr, hdmf-zarr 0.14 and raw zarr on the same stores, same run.

A private SeaweedFS server holds (a) a DynamicTable of ``--rows`` rows (bench_zarr.py's table: id,
float64, int32, text, ragged float32) written by hdmfzarr and (b) an NWB file written by pynwb +
hdmf-zarr 0.14 (``--series`` TimeSeries in acquisition, a Units table with ragged spike times, trials).
The three clients read the *same* stores through a loopback proxy (``latency_proxy.py``) that
delays every byte by ``--delay`` seconds each way; every workload runs at delay 0 and at ``--delay``,
so ``round trips = (t(delay) - t(0)) / (2 x delay)`` is the latency actually paid, whatever the client.
The proxy also counts HTTP requests and *waves* (requests sent while none was waiting for an answer).

Workloads (cold: a new reader per workload, nothing cached but the S3 connection pool; every workload
but "open" and "open + list columns" is timed after an untimed open):

    open                     hdmfzarr/hdmf-zarr: the root container; raw zarr: open_consolidated + walk every member
    open + list columns      the table's (b: the Units table's) column names
    read a column            (a) f64, (b) trials/start_time, whole
    to_dataframe             (a) the whole table, (b) the Units table
    1,000 random ragged rows (a) ragged, (b) units/spike_times, as one request for 1,000 rows
                             (raw zarr: the whole index, then one orthogonal selection of the values)
    HTML repr                ``_repr_html_()`` of the root (not for raw zarr)

Then, locally and each in a fresh Python process (bytecode cached; the median of several runs, the two
clients taking turns): open the table + read one column (hdmfzarr vs raw zarr: cold-start cost), and
1,000 random ragged rows one by one (hdmfzarr vs hdmf's HDF5 backend on the same table written by hdmf's
HDF5IO), by wall time and by the CPU time of the loop (less disturbed by other work on the machine).

Run (full size, ~15 min): ``PYTHONPATH=. python benchmarks/bench_latency.py``; CI smoke size:
``PYTHONPATH=. python benchmarks/bench_latency.py --smoke`` (tests/benchmarks run it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_zarr  # noqa: E402
from latency_proxy import LatencyProxy  # noqa: E402

WORKLOADS = ("open", "open + list columns", "read a column", "to_dataframe", "1,000 random ragged rows",
             "HTML repr")
CLIENTS = ("hdmfzarr", "raw zarr", "hdmf-zarr")
HDMF_RAGGED_ROWS_AT_LATENCY = 50  # hdmf-zarr reads ragged rows one by one (~4 requests each): 50, scaled


@dataclass
class Measure:
    seconds: float
    requests: int
    waves: int
    note: str = ""


@dataclass
class Results:
    """(store, workload, client, delay) -> Measure."""

    cells: dict[tuple[str, str, str, float], Measure] = field(default_factory=dict)
    local: dict[str, tuple[float, float]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ stores
def make_nwb(path: Path, n_series: int, n_units: int, n_trials: int, seed: int = 0) -> None:
    """An NWB file written by pynwb + hdmf-zarr 0.14: TimeSeries in acquisition, Units, trials."""
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBFile, TimeSeries

    rng = np.random.default_rng(seed)
    nwb = NWBFile(session_description="latency benchmark", identifier="bench-latency",
                  session_start_time=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    for i in range(n_series):
        nwb.add_acquisition(TimeSeries(name=f"series_{i:04d}", data=rng.standard_normal(100), unit="V",
                                       rate=1000.0, starting_time=0.0))
    nwb.add_unit_column("quality", "curation score")
    for u in range(n_units):
        nwb.add_unit(spike_times=np.sort(rng.uniform(0, 100, size=int(rng.integers(5, 60)))), quality=float(u))
    for t in range(n_trials):
        nwb.add_trial(start_time=float(t), stop_time=float(t) + 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with NWBZarrIO(str(path), mode="w") as io:
            io.write(nwb)


# ------------------------------------------------------------------------------------ clients
def _child(container: Any, name: str) -> Any:
    """A direct child container by name (generated NWB classes keep children in fields and children)."""
    for c in container.children:
        if c.name == name:
            return c
    raise KeyError(name)


class Ours:
    name = "hdmfzarr"

    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts

    def open(self, url: str) -> tuple[Any, Any]:
        from hdmfzarr import ZarrIO

        io = ZarrIO(url, storage_options=self.opts)
        return io, io.read()

    @staticmethod
    def table(root: Any, kind: str) -> Any:
        return root if kind == "table" else _child(root, "units")

    @staticmethod
    def colnames(root: Any, kind: str) -> Any:
        return Ours.table(root, kind).colnames

    @staticmethod
    def column(root: Any, kind: str) -> np.ndarray:
        if kind == "table":
            return np.asarray(root["f64"].data)
        return np.asarray(root["intervals/trials"]["start_time"].data)

    @staticmethod
    def dataframe(root: Any, kind: str) -> Any:
        return Ours.table(root, kind).to_dataframe()

    @staticmethod
    def ragged(root: Any, kind: str, picks: np.ndarray) -> list:
        t = Ours.table(root, kind)
        return t[("ragged" if kind == "table" else "spike_times")][picks]

    @staticmethod
    def html(root: Any, kind: str) -> str:
        return root._repr_html_()


class Raw:
    name = "raw zarr"

    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts

    def open(self, url: str) -> tuple[Any, Any]:
        import zarr
        from zarr.storage import FsspecStore

        store = FsspecStore.from_url(url, storage_options=self.opts, read_only=True)
        return None, zarr.open_consolidated(store, mode="r", zarr_format=3)

    @staticmethod
    def walk(root: Any) -> int:
        return len(list(root.members(max_depth=None)))

    @staticmethod
    def table(root: Any, kind: str) -> Any:
        return root if kind == "table" else root["units"]

    @staticmethod
    def colnames(root: Any, kind: str) -> Any:
        return Raw.table(root, kind).attrs["colnames"]

    @staticmethod
    def column(root: Any, kind: str) -> np.ndarray:
        return root["f64"][:] if kind == "table" else root["intervals/trials/start_time"][:]

    @staticmethod
    def dataframe(root: Any, kind: str) -> Any:
        import pandas as pd

        if kind == "table":
            return bench_zarr.df_raw_group(root)
        g = root["units"]
        ends = g["spike_times_index"][:]
        spikes = np.split(g["spike_times"][:], ends[:-1].astype(np.int64))
        return pd.DataFrame({"quality": g["quality"][:], "spike_times": spikes}, index=pd.Index(g["id"][:], name="id"))

    @staticmethod
    def ragged(root: Any, kind: str, picks: np.ndarray) -> list:
        g = Raw.table(root, kind)
        data_name = "ragged" if kind == "table" else "spike_times"
        ends = g[data_name + "_index"][:].astype(np.int64)
        starts = np.concatenate([[0], ends[:-1]])
        lo, hi = starts[picks], ends[picks]
        positions = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]) if len(picks) else np.zeros(0, int)
        values = g[data_name].get_orthogonal_selection(positions)
        return np.split(values, np.cumsum(hi - lo)[:-1])


class Hdmf:
    name = "hdmf-zarr"

    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts

    def open(self, url: str) -> tuple[Any, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if url.endswith(".nwb.zarr"):
                from hdmf_zarr.nwb import NWBZarrIO

                io = NWBZarrIO(url, mode="r", storage_options=self.opts)
            else:
                from hdmf.common import get_manager
                from hdmf_zarr import ZarrIO

                io = ZarrIO(url, mode="r", manager=get_manager(), storage_options=self.opts)
            return io, io.read()

    @staticmethod
    def table(root: Any, kind: str) -> Any:
        return root if kind == "table" else root.units

    @staticmethod
    def colnames(root: Any, kind: str) -> Any:
        return Hdmf.table(root, kind).colnames

    @staticmethod
    def column(root: Any, kind: str) -> np.ndarray:
        return np.asarray(root["f64"].data[:] if kind == "table" else root.trials["start_time"].data[:])

    @staticmethod
    def dataframe(root: Any, kind: str) -> Any:
        return Hdmf.table(root, kind).to_dataframe()

    @staticmethod
    def ragged(root: Any, kind: str, picks: np.ndarray) -> list:
        return Hdmf.table(root, kind)["ragged" if kind == "table" else "spike_times"][[int(i) for i in picks]]

    @staticmethod
    def html(root: Any, kind: str) -> str:
        return root._repr_html_()


# ------------------------------------------------------------------------------------ running
def _close(io: Any) -> None:
    if io is not None:
        with contextlib.suppress(Exception):
            io.close()


def measure(proxy: LatencyProxy, client: Any, url: str, kind: str, workload: str, picks: np.ndarray) -> Measure:
    """One cold run of ``workload``: timed from a new reader (open workloads) or after an untimed open."""
    note = ""
    io = root = None
    try:
        if workload in ("open", "open + list columns"):
            proxy.reset()
            t0 = time.perf_counter()
            io, root = client.open(url)
            if workload == "open" and isinstance(client, Raw):
                client.walk(root)
            if workload == "open + list columns":
                list(client.colnames(root, kind))
            elapsed = time.perf_counter() - t0
            stats = proxy.stats()
            return Measure(elapsed, stats["requests"], stats["waves"])
        io, root = client.open(url)
        fn: Callable[[], Any]
        if workload == "read a column":
            fn = lambda: client.column(root, kind)  # noqa: E731
        elif workload == "to_dataframe":
            if isinstance(client, Hdmf) and kind == "table" and len(client.table(root, kind)) > 500:
                return Measure(float("nan"), 0, 0, "hdmf-zarr to_dataframe: ~0.1 s a row (row by row), not run")
            fn = lambda: client.dataframe(root, kind)  # noqa: E731
        elif workload == "1,000 random ragged rows":
            scale = 1.0
            rows = picks
            if isinstance(client, Hdmf) and len(picks) > HDMF_RAGGED_ROWS_AT_LATENCY:
                rows = picks[:HDMF_RAGGED_ROWS_AT_LATENCY]
                scale = len(picks) / len(rows)
                note = f"hdmf-zarr: scaled from {len(rows)} rows"
            proxy.reset()
            t0 = time.perf_counter()
            out = client.ragged(root, kind, rows)
            elapsed = time.perf_counter() - t0
            assert len(out) == len(rows)
            stats = proxy.stats()
            return Measure(elapsed * scale, int(stats["requests"] * scale), stats["waves"], note)
        elif workload == "HTML repr":
            if not hasattr(client, "html"):
                return Measure(float("nan"), 0, 0, "")
            fn = lambda: client.html(root, kind)  # noqa: E731
        else:
            raise ValueError(workload)
        proxy.reset()
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        stats = proxy.stats()
        return Measure(elapsed, stats["requests"], stats["waves"], note)
    except Exception as exc:  # a client that cannot do a workload: reported, the run goes on
        return Measure(float("nan"), 0, 0, f"{client.name}: {type(exc).__name__}: {str(exc)[:80]}")
    finally:
        _close(io)


def remote_part(args: argparse.Namespace, base: Path, res: Results) -> None:
    import s3fs
    import zarr  # noqa: F401 - imported before timing

    import bench_s3

    server = bench_s3.start_server(base / "s3")
    proxy = LatencyProxy("127.0.0.1", int(server.endpoint_url.rsplit(":", 1)[1]))
    try:
        proxy.start()
        bucket = server.make_bucket("latency")
        direct = server.storage_options
        via_proxy = {**direct, "client_kwargs": {**direct["client_kwargs"], "endpoint_url": proxy.url}}
        from hdmfzarr import ZarrIO

        d = bench_zarr.make_data(args.rows)
        table_url = server.url(bucket, "table.zarr")
        with ZarrIO(table_url, "w", storage_options=direct) as io:
            io.write(bench_zarr.make_table(d))
        nwb_local = base / "bench.nwb.zarr"
        make_nwb(nwb_local, args.series, args.units, args.trials)
        fs = s3fs.S3FileSystem(skip_instance_cache=True, **direct)
        fs.put(str(nwb_local), f"{bucket}/bench.nwb.zarr", recursive=True)
        nwb_url = server.url(bucket, "bench.nwb.zarr")
        print(f"stores written: table {args.rows:,} rows, NWB {args.series} TimeSeries", flush=True)

        clients: list[Any] = [Ours(via_proxy), Raw(via_proxy)]
        if not args.no_hdmf and importlib.util.find_spec("hdmf_zarr") is not None:
            clients.append(Hdmf(via_proxy))
        rng = np.random.default_rng(1)
        for kind, url, nrows in (("table", table_url, args.rows), ("nwb", nwb_url, args.units)):
            picks = rng.integers(0, nrows, size=1000)
            for delay in (0.0, args.delay):
                proxy.delay = delay
                for client in clients:
                    for client_warm in range(1):  # one untimed open per client and delay: imports, connections
                        _close(client.open(url)[0])
                    for workload in WORKLOADS:
                        m = min((measure(proxy, client, url, kind, workload, picks) for _ in range(args.repeat)),
                                key=lambda m: (np.isnan(m.seconds), m.seconds))
                        res.cells[(kind, workload, client.name, delay)] = m
                        print(f"  {kind:5} {delay * 1000:4.0f} ms {client.name:9} {workload:26} "
                              f"{m.seconds:9.3f} s {m.requests:6d} req {m.waves:4d} waves {m.note}", flush=True)
    finally:
        proxy.stop()
        server.stop()


# ------------------------------------------------------------------------------------ fresh processes
_OURS_COLD = """
import time, numpy as np, zarr
t0 = time.perf_counter()
from hdmfzarr import ZarrIO
with ZarrIO({path!r}) as io:
    col = np.asarray(io.read()["f64"].data)
print(time.perf_counter() - t0)
"""
_RAW_COLD = """
import time, numpy as np, zarr
t0 = time.perf_counter()
col = zarr.open_consolidated({path!r}, mode="r", zarr_format=3)["f64"][:]
print(time.perf_counter() - t0)
"""
_OURS_RAGGED = """
import time, numpy as np, zarr
picks = np.random.default_rng(2).integers(0, {rows}, size=1000)
from hdmfzarr import ZarrIO
with ZarrIO({path!r}) as io:
    col = io.read()["ragged"]
    t0, c0 = time.perf_counter(), time.process_time()
    rows = [col[int(i)] for i in picks]
    print(time.perf_counter() - t0, time.process_time() - c0)
"""
_HDF5_RAGGED = """
import time, warnings, numpy as np
warnings.simplefilter("ignore")
picks = np.random.default_rng(2).integers(0, {rows}, size=1000)
from hdmf.backends.hdf5 import HDF5IO
from hdmf.common import get_manager
with HDF5IO({path!r}, mode="r", manager=get_manager()) as io:
    root = io.read()
    col = root.containers["bench"]["ragged"]
    t0, c0 = time.perf_counter(), time.process_time()
    rows = [col[int(i)] for i in picks]
    print(time.perf_counter() - t0, time.process_time() - c0)
"""


def _fresh(codes: tuple[str, str], repeat: int) -> list[tuple[float, float]]:
    """Medians of ``repeat`` fresh interpreters running each of two ``codes``, the two taking turns so that both
    see the same load on a shared machine: per number each code prints on its last line (its wall time, then
    the CPU time of the same span if it prints one, which load from other work disturbs less), (ours, other)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    # bytecode cached, as in any install: an environment with PYTHONDONTWRITEBYTECODE would time compiling
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: tuple[list[list[float]], list[list[float]]] = ([], [])
    for _ in range(repeat):
        for code, got in zip(codes, times):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
            if out.returncode:
                raise RuntimeError(out.stderr[-2000:])
            got.append([float(x) for x in out.stdout.strip().splitlines()[-1].split()])
    ours, other = np.median(times[0], axis=0), np.median(times[1], axis=0)
    return [(float(a), float(b)) for a, b in zip(ours, other)]


def local_part(args: argparse.Namespace, base: Path, res: Results) -> None:
    from hdmfzarr import ZarrIO

    d = bench_zarr.make_data(args.rows)
    ours = base / "local_table.zarr"
    with ZarrIO(ours, "w") as io:
        io.write(bench_zarr.make_table(d))
    raw = base / "local_raw.zarr"
    bench_zarr.raw_write(raw, d, bench_zarr.chunk_plan(ours))
    n = max(3, args.repeat * 3)
    cold = (_OURS_COLD.format(path=str(ours)), _RAW_COLD.format(path=str(raw)))
    _fresh(cold, 1)  # bytecode cached before timing
    res.local["fresh process: open + read one column"] = _fresh(cold, n)[0]
    print(f"  fresh open + read column: {res.local['fresh process: open + read one column']}", flush=True)
    if importlib.util.find_spec("hdmf") is not None and importlib.util.find_spec("h5py") is not None:
        h5 = base / "table.h5"
        _hdf5_write(h5, d)
        wall, cpu = _fresh(
            (_OURS_RAGGED.format(path=str(ours), rows=args.rows), _HDF5_RAGGED.format(path=str(h5), rows=args.rows)), n)
        res.local["fresh process: 1,000 random ragged rows one by one (vs hdmf HDF5IO)"] = wall
        res.local["fresh process: the same rows, CPU time of the loop (vs hdmf HDF5IO)"] = cpu
        print(f"  fresh ragged rows: wall {wall}, CPU {cpu}", flush=True)


def _hdf5_write(path: Path, d: dict[str, Any]) -> None:
    from hdmf.backends.hdf5 import HDF5IO
    from hdmf.common import get_manager

    import run_all

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with HDF5IO(str(path), mode="w", manager=get_manager()) as io:
            io.write(run_all.hdmf_table(d))


# ------------------------------------------------------------------------------------ report
def _t(x: float) -> str:
    if x is None or np.isnan(x):
        return "—"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def markdown(res: Results, args: argparse.Namespace) -> str:
    delay = args.delay
    lines = [
        f"Latency {delay * 1000:.0f} ms each way ({2 * delay * 1000:.0f} ms a round trip). Times are cold (a new "
        "reader per workload; the S3 connection pool is warm). req = HTTP requests; RT = round trips of latency "
        "paid, (t - t at 0 ms) / round trip; waves = requests sent while none was outstanding.",
        "",
        "| store | workload | hdmfzarr | req / RT | raw zarr | req / RT | hdmfzarr ÷ raw | hdmf-zarr 0.14 | req / RT | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    names = {"table": f"(a) table, {args.rows:,} rows", "nwb": f"(b) NWB, {args.series} TimeSeries"}
    for kind in ("table", "nwb"):
        for workload in WORKLOADS:
            cells, notes = [], []
            times = {}
            for client in CLIENTS:
                m = res.cells.get((kind, workload, client, delay))
                m0 = res.cells.get((kind, workload, client, 0.0))
                if m is None or np.isnan(m.seconds):
                    cells += ["—", "—"]
                    if m is not None and m.note:
                        notes.append(m.note)
                    continue
                times[client] = m.seconds
                rt = (m.seconds - m0.seconds) / (2 * delay) if m0 is not None and not np.isnan(m0.seconds) else np.nan
                cells += [_t(m.seconds), f"{m.requests} / {rt:.1f}"]
                if m.note:
                    notes.append(m.note)
            ratio = (f"{times['hdmfzarr'] / times['raw zarr']:.2f}x"
                     if "hdmfzarr" in times and "raw zarr" in times else "—")
            lines.append(f"| {names[kind]} | {workload} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {ratio} "
                         f"| {cells[4]} | {cells[5]} | {'; '.join(notes)} |")
    if res.local:
        lines += ["", "| local, fresh process | hdmfzarr | other | hdmfzarr ÷ other |", "| --- | ---: | ---: | ---: |"]
        for name, (ours, other) in res.local.items():
            lines.append(f"| {name} | {_t(ours)} | {_t(other)} | {ours / other:.2f}x |")
    return "\n".join(lines)


def collect(args: argparse.Namespace) -> Results:
    """Every measure of the run ``args`` describes (see :func:`parse`)."""
    warnings.filterwarnings("ignore")
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    os.environ.setdefault("HDMFZARR_PROGRESS", "0")
    base = Path(tempfile.mkdtemp(prefix="hdmfzarr_latency_"))
    res = Results()
    try:
        remote_part(args, base, res)
        if not args.no_local:
            local_part(args, base, res)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return res


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.025, help="seconds added each way")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI): 500 rows, 5 series, 1 ms")
    parser.add_argument("--no-hdmf", action="store_true")
    parser.add_argument("--no-local", action="store_true", help="skip the fresh-process local measures")
    parser.add_argument("--output", type=str, default=str(HERE / "LATENCY.md"), help="'' to write no file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.series, args.units, args.trials, args.delay = 500, 5, 20, 10, 0.001
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    load = os.getloadavg()[0]
    res = collect(args)
    load_end = os.getloadavg()[0]
    text = markdown(res, args)
    print()
    print(text)
    if args.output:
        import zarr

        header = (f"# Latency benchmark\n\n`python benchmarks/bench_latency.py --rows {args.rows} --series {args.series} "
                  f"--delay {args.delay}` ({dt.date.today().isoformat()}, Python {platform.python_version()}, "
                  f"zarr {zarr.__version__}, {os.cpu_count()} cores, load average {load:.1f} at the start and "
                  f"{load_end:.1f} at the end).\n\n")
        Path(args.output).write_text(header + text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Two-writer campaign (issue 14 item 3): pairs of processes append to one table at once, on local disk
(Zarr format 3 and 2) and on a private SeaweedFS S3 server; every trial checks that each acknowledged
row is stored exactly once, that no row mixes writers and that ids are unique.

    python benchmarks/two_writers.py --trials 5 --batches 10 --rows 7 [--no-s3]

Prints one line per target: trials, rows acknowledged, conflicts detected (ConflictError, retried),
rows lost. The test suite runs the same check at a small size (tests/concurrency/test_two_writers.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from _support import ROOT, load_module, start_s3_server


def campaign(target: str, fmt: int, trials: int, batches: int, rows: int, server: Any = None) -> dict[str, Any]:
    from hdmfzarr.backends.zarr import ZarrIO

    tw = load_module("hdmfzarr_test_two_writers", ROOT / "tests" / "concurrency" / "test_two_writers.py")
    totals = {"target": f"{target}, format {fmt}", "trials": 0, "acked": 0, "conflicts": 0, "lost": 0, "seconds": 0.0}
    for trial in range(trials):
        if server is None:
            url, opts = str(Path(tempfile.mkdtemp(prefix="two-writers-")) / "t.zarr"), None
        else:
            url, opts = server.url(server.make_bucket("campaign"), "t.zarr"), server.storage_options
        with ZarrIO(url, "w", zarr_format=fmt, storage_options=opts) as io:
            io.write(tw.make_table())
        t0 = time.monotonic()
        results = tw.run_writers(url, opts, batches=batches, nrows=rows)
        figures = tw.check_store(url, opts, results)  # asserts: nothing lost, nothing mixed or duplicated
        totals["trials"] += 1
        totals["acked"] += figures["acked"]
        totals["conflicts"] += figures["conflicts"]
        totals["lost"] += figures["lost"]
        totals["seconds"] += time.monotonic() - t0
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--rows", type=int, default=7)
    parser.add_argument("--no-s3", action="store_true")
    args = parser.parse_args()
    out = []
    for fmt in (3, 2):
        out.append(campaign("local", fmt, args.trials, args.batches, args.rows))
        print(out[-1], flush=True)
    if not args.no_s3:
        server = start_s3_server(Path(tempfile.mkdtemp(prefix="two-writers-s3-")))
        try:
            for fmt in (3, 2):
                out.append(campaign("S3 (SeaweedFS)", fmt, max(1, args.trials // 2), args.batches, args.rows, server))
                print(out[-1], flush=True)
        finally:
            server.stop()
    print("\n| Target | Trials | Rows acknowledged | Conflicts detected (retried) | Rows lost |")
    print("|---|---|---|---|---|")
    for t in out:
        print(f"| {t['target']} | {t['trials']} | {t['acked']:,} | {t['conflicts']:,} | {t['lost']} |")


if __name__ == "__main__":
    main()

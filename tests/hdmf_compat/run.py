"""Run hdmf 6.2.0's own unit tests for ``hdmf.common`` and ``hdmf.spec`` against hdmfzarr.

``python tests/hdmf_compat/run.py`` fetches hdmf's sdist once (``pip download``; cached in
``$HDMFZARR_COMPAT_CACHE``, default ``<tmp>/hdmfzarr-compat-cache``), extracts its
``tests/unit/{common,spec_tests,helpers}``, runs them in a fresh pytest process through the
name-mapping shim (``shim/hdmf_compat_plugin.py``) and prints the pass count over the tests not
excluded by ``excluded.py``. ``--failures`` lists the failing tests with the end of their error,
``-k EXPR`` selects tests as pytest does, ``--file PATH`` runs only that test file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
HDMF_VERSION = "6.2.0"
SDIST = f"hdmf-{HDMF_VERSION}.tar.gz"
SDIST_SHA256 = "47dd0d0ebdf834b0cc5d1fdbe6b73d718549cffa489e47f68f638a4add20b65d"
TEST_DIRS = ("tests/unit/common", "tests/unit/spec_tests")
# helpers/ and build_tests/test_io_map.py are imported by the tests for fixture classes
EXTRACT = ("tests/__init__.py", "tests/unit/__init__.py", "tests/unit/helpers/", "tests/unit/build_tests/__init__.py",
           "tests/unit/build_tests/test_io_map.py", *(d + "/" for d in TEST_DIRS))
# Tests hdmf 6.2.0 itself collects in TEST_DIRS (``pytest --collect-only`` with the real hdmf).
HDMF_COLLECTED = 756


def cache_dir() -> Path:
    return Path(os.environ.get("HDMFZARR_COMPAT_CACHE") or Path(tempfile.gettempdir()) / "hdmfzarr-compat-cache")


def fetch_tests(cache: Path | None = None) -> Path:
    """The directory holding hdmf's extracted tests (downloading and verifying the sdist once)."""
    cache = cache or cache_dir()
    root = cache / f"hdmf-{HDMF_VERSION}-tests"
    if (root / ".complete").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / SDIST
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"hdmf=={HDMF_VERSION}", "--no-binary", ":all:",
             "--no-deps", "-q", "-d", str(cache)],
            check=True,
        )
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise RuntimeError(f"{sdist}: sha256 {digest} is not the pinned {SDIST_SHA256}")
    prefix = f"hdmf-{HDMF_VERSION}/"
    tmp = Path(tempfile.mkdtemp(dir=cache))
    with tarfile.open(sdist) as tar:
        members = []
        for m in tar.getmembers():
            rel = m.name[len(prefix):] if m.name.startswith(prefix) else None
            if rel and m.isfile() and any(rel == e or (e.endswith("/") and rel.startswith(e)) for e in EXTRACT):
                m.name = rel
                members.append(m)
        tar.extractall(tmp, members=members, filter="data")
    (tmp / ".complete").write_text(SDIST_SHA256)
    import shutil

    if root.exists() and not (root / ".complete").exists():  # a half-extracted leftover
        shutil.rmtree(root, ignore_errors=True)
    try:
        tmp.rename(root)
    except OSError:  # another process extracted it at the same time
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def run(select: str | None = None, files: list[str] | None = None, cache: Path | None = None) -> dict:
    """Run the suite in a subprocess; returns the plugin's results plus the computed counts."""
    root = fetch_tests(cache)
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE / "shim"), str(root)])
    env["HDMF_COMPAT_RESULTS"] = out
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    ini = root / "pytest.ini"
    ini.write_text("[pytest]\nnorecursedirs = tests/unit/helpers\n")
    sys.path.insert(0, str(HERE))
    from excluded import IGNORED_FILES

    ignore = [f"--ignore={root / f}" for f in IGNORED_FILES]
    cmd = [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(root), "-p", "hdmf_compat_plugin",
           "-p", "no:cacheprovider", "-p", "no:xdist", "--continue-on-collection-errors", "-q", "--tb=line", "--no-header", "-W", "ignore",
           *ignore, *(files or TEST_DIRS)]
    if select:
        cmd += ["-k", select]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    try:
        with open(out) as fh:
            res = json.load(fh)
    except (OSError, ValueError):
        raise RuntimeError(f"the compat run wrote no results:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}") from None
    finally:
        os.unlink(out)
    outcomes = res["outcomes"]
    counts = Counter(outcomes.values())
    res["passed"] = counts["passed"]
    res["skipped"] = counts["skipped"]  # skipped by hdmf's own decorators
    res["eligible"] = counts["passed"] + counts["failed"]
    res["excluded"] = len(res["deselected"]) + (0 if files else sum(n for n, _ in IGNORED_FILES.values()))
    res["collected"] = len(outcomes) + res["excluded"]
    res["stdout_tail"] = proc.stdout[-2000:]
    return res


def summary(res: dict) -> str:
    p, e = res["passed"], res["eligible"]
    pct = 100.0 * p / e if e else 0.0
    lines = [
        f"hdmf {HDMF_VERSION} unit tests (common + spec) through the name shim: "
        f"{p} of {e} eligible pass ({pct:.1f}%); {res['excluded']} excluded; {res['skipped']} skipped by hdmf; "
        f"{res['collected']} collected (hdmf collects {HDMF_COLLECTED}); "
        f"{p} of {HDMF_COLLECTED} of all",
    ]
    per_file: dict[str, Counter] = {}
    for nodeid, outcome in res["outcomes"].items():
        per_file.setdefault(nodeid.split("::")[0], Counter())[outcome] += 1
    for f, c in sorted(per_file.items()):
        lines.append(f"  {f}: {c['passed']} / {c['passed'] + c['failed']}")
    if res["collect_errors"]:
        lines.append(f"collection errors: {sorted(res['collect_errors'])}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="select")
    ap.add_argument("--file", action="append")
    ap.add_argument("--failures", action="store_true", help="list failing tests and the end of their errors")
    ap.add_argument("--missing", action="store_true", help="list the hdmf names hdmfzarr does not provide")
    args = ap.parse_args()
    res = run(args.select, args.file)
    if args.failures:
        for nodeid, outcome in sorted(res["outcomes"].items()):
            if outcome != "passed":
                err = res["errors"].get(nodeid, "").strip().splitlines()
                print(f"{outcome.upper()} {nodeid}\n    {err[-1] if err else ''}")
        for nodeid, err in res["collect_errors"].items():
            print(f"COLLECT ERROR {nodeid}\n{err}")
    if args.missing:
        for name in sorted(res["missing_names"]):
            print(f"missing: {name} ({res['missing_names'][name]})")
    print(summary(res))


if __name__ == "__main__":
    main()

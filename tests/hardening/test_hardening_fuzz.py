"""Fuzzed stores: seeded corruptions of a small valid store's metadata and chunks.

Each case copies the store's bytes into a fresh ``memory://`` store, corrupts one key (JSON-aware
value replacement, key deletion, truncation, byte flips, garbage, removal), then reads everything:
builders, every lazy array, the containers, every column. The only exceptions allowed out are
``HdmfZarrError`` subclasses; a case taking more than ``CASE_SECONDS`` counts as a hang when it does so
again on a second try (a CI machine once stalled a 20 ms case for 106 s; a pathological input is slow every time).
"""

from __future__ import annotations

import copy
import faulthandler
import json
import random
import sys
import time
from pathlib import Path
from collections import Counter
from typing import Any

import fsspec
import numpy as np
import pytest

from hdmfzarr.backends.zarr import LazyArray, ZarrIO
from hdmfzarr.common import DynamicTable
from hdmfzarr.errors import HdmfZarrError

CASES_PER_BLOCK = 250
BLOCKS = 6  # per format: 2 formats x 6 blocks x 250 = 3,000 cases
CASE_SECONDS = 10.0

_JSON_NAMES = ("zarr.json", ".zmetadata", ".zarray", ".zattrs", ".zgroup")
_ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 3, 7, 2**31, 2**63, 2**64, 10**18, -(10**18), 1.5, float("nan"),
    float("inf"), "", "x", "..", "../..", "/", "/../../etc/passwd", "file:///etc", "s3://b/k", "|O", "<f8",
    "int", "object", "pickle", "numcodecs.pickle", "float64", "string", "bytes", "group", "array",
    [], {}, [1, 2], [[1]], [-1], [0], [10**18], ["a"], {"a": 1}, {"source": "..", "path": "/x"},
    {"_REFERENCE": {"source": ".", "path": "/nope"}}, {"id": "pickle"}, {"name": "numcodecs.pickle"},
    {"zarr_dtype": "object", "value": {"path": "/age"}}, "é" * 300,
]


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every position inside a JSON document (dict keys and list indices), depth first."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, prefix + (i,))
    return out


def _mutate_json(doc: Any, rng: random.Random) -> Any:
    """One structural change: replace a value, delete a key, or rename a key."""
    positions = [p for p in _paths(doc) if p]
    if not positions:
        return copy.deepcopy(rng.choice(_ODD_VALUES))
    pos = rng.choice(positions)
    parent = doc
    for step in pos[:-1]:
        parent = parent[step]
    last = pos[-1]
    op = rng.random()
    if op < 0.7:
        parent[last] = copy.deepcopy(rng.choice(_ODD_VALUES))
    elif op < 0.85 and isinstance(parent, dict):
        del parent[last]
    elif isinstance(parent, dict):
        parent[rng.choice(["_LINKS", "zarr_link", "_DTYPE", "colnames", "target", "shape", "x"])] = parent.pop(last)
    else:
        del parent[last]
    return doc


def _mutate_bytes(raw: bytes, rng: random.Random) -> bytes | None:
    """Byte-level damage: truncate, flip bytes, random garbage, empty, or delete (None)."""
    op = rng.randrange(6)
    if op == 0 and raw:
        return raw[: rng.randrange(len(raw))]
    if op == 1 and raw:
        buf = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if op == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if op == 3:
        return b""
    if op == 4:
        return None
    return raw + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))


def corrupt(files: dict[str, bytes], rng: random.Random) -> tuple[dict[str, bytes], str]:
    """A corrupted copy of ``files`` and a description of the damage."""
    out = dict(files)
    live = [k for k in ("zarr.json", ".zmetadata") if k in files]  # the consolidated metadata readers use
    key = live[0] if live and rng.random() < 0.4 else rng.choice(sorted(files))
    is_json = key.rsplit("/", 1)[-1] in _JSON_NAMES
    if is_json and rng.random() < 0.65:
        doc = json.loads(files[key])
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            doc = _mutate_json(doc, rng)
        out[key] = json.dumps(doc, allow_nan=True).encode()
        return out, f"json {key}"
    damaged = _mutate_bytes(files[key], rng)
    if damaged is None:
        del out[key]
        return out, f"deleted {key}"
    out[key] = damaged
    return out, f"bytes {key}"


def read_all(url: str) -> None:
    """Everything a reader of the store would touch: builders, arrays, containers, rows, a DataFrame."""
    with ZarrIO(url) as io:
        root = io.read_builder()
        for b in root.walk():
            data = getattr(b, "data", None)
            if isinstance(data, LazyArray):
                np.asarray(data[...])
                if data.ndim and data.shape[0]:
                    data[0]
        table = io.read()
        for col in getattr(table, "columns", ()):
            if hasattr(col.data, "shape"):
                np.asarray(col.data[...])
        if isinstance(table, DynamicTable):
            table[:]
            for i in range(min(len(table), 10)):
                table[i]
            table.to_dataframe()


# Reads of corrupted shapes are refused by these limits (documented in docs/reliability.md) rather
# than allocating or walking millions of chunks; CI machines keep the defaults out of the fuzz loop.
FUZZ_LIMITS = {"HDMFZARR_MAX_READ_BYTES": str(64 * 2**20), "HDMFZARR_MAX_READ_CHUNKS": "4096"}


@pytest.fixture(autouse=True)
def _read_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FUZZ_LIMITS.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def base_stores(request: pytest.FixtureRequest) -> dict[int, dict[str, bytes]]:
    """The bytes of the small valid store (with its spec cache), per format, keyed by relative path."""
    t = DynamicTable(name="people", description="a small table")
    t.add_column("age", "age", dtype="int64")
    t.add_column("name", "name", dtype="text")
    t.add_column("scores", "scores", dtype="float32", index=True)
    t.add_column("tags", "tags per visit", dtype="text", index=2)
    t.add_row(id=10, age=30, name="ann", scores=[1.0, 2.0], tags=[["a"], ["b", "c"]])
    t.add_row(id=11, age=40, name="bøb", scores=[], tags=[])
    t.add_row(id=12, age=50, name="cy", scores=[3.0], tags=[[]])
    fs = fsspec.filesystem("memory")
    out = {}
    for fmt in (3, 2):
        base = f"/hardening-fuzz-base-{fmt}-{id(request)}.zarr"
        with ZarrIO(f"memory://{base}", "w", zarr_format=fmt) as io:
            io.write(t, cache_spec=True)
        out[fmt] = {k[len(base) + 1:]: fs.cat(k) for k in fs.find(base)}
        fs.rm(base, recursive=True)
        read_all_from(out[fmt], fs, f"/hardening-fuzz-check-{fmt}-{id(request)}.zarr")  # the base is valid
    return out


def read_all_from(files: dict[str, bytes], fs: Any, path: str) -> None:
    fs.pipe({f"{path}/{k}": v for k, v in files.items()})
    try:
        read_all(f"memory://{path}")
    finally:
        if fs.exists(path):
            fs.rm(path, recursive=True)


def run_cases(files: dict[str, bytes], seed: int, n: int, tag: str) -> tuple[Counter, list[str], float]:
    """Run ``n`` seeded cases; return outcome counts, failures (non-project errors, hangs) and the slowest case."""
    fs = fsspec.filesystem("memory")
    outcomes: Counter = Counter()
    failures: list[str] = []
    slowest = 0.0
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        damaged, what = corrupt(files, rng)
        path = f"/hardening-fuzz-{tag}-{seed}-{i}.zarr"
        elapsed, outcome = _timed_case(damaged, fs, path)
        if elapsed > CASE_SECONDS:  # a slow input is slow again; a stall of the machine is not
            elapsed = min(elapsed, _timed_case(damaged, fs, path)[0])
        slowest = max(slowest, elapsed)
        if elapsed > CASE_SECONDS:
            failures.append(f"seed {seed} case {i} ({what}): took {elapsed:.1f} s, twice")
        elif isinstance(outcome, str):
            outcomes[outcome] += 1
        else:
            failures.append(f"seed {seed} case {i} ({what}): {type(outcome).__name__}: {outcome}"[:400])
    return outcomes, failures, slowest


def _timed_case(damaged: dict[str, bytes], fs: Any, path: str) -> tuple[float, str | Exception]:
    """(seconds, outcome) of reading one damaged store: "read fine", a project error's class name, or the
    foreign exception that escaped."""
    start = time.perf_counter()
    outcome: str | Exception
    try:
        read_all_from(damaged, fs, path)
        outcome = "read fine"
    except HdmfZarrError as exc:
        outcome = type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - the point of the test
        outcome = exc
    return time.perf_counter() - start, outcome


@pytest.mark.slow
@pytest.mark.parametrize("block", range(BLOCKS))
@pytest.mark.parametrize("zarr_format", [3, 2], ids=["v3", "v2"])
def test_corrupted_stores_raise_only_project_errors(base_stores: dict, zarr_format: int, block: int) -> None:
    faulthandler.dump_traceback_later(CASE_SECONDS * CASES_PER_BLOCK, exit=True)  # a hang fails loudly
    try:
        outcomes, failures, slowest = run_cases(base_stores[zarr_format], 100 * zarr_format + block,
                                                CASES_PER_BLOCK, f"v{zarr_format}")
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert not failures, f"{len(failures)} of {CASES_PER_BLOCK} cases escaped:\n" + "\n".join(failures[:20])
    assert sum(outcomes.values()) == CASES_PER_BLOCK
    # the corruption really bites: most cases are refused with a project error
    assert outcomes["read fine"] < CASES_PER_BLOCK * 0.9, outcomes


def test_hang_is_a_case_slow_twice_not_a_stall(monkeypatch: pytest.MonkeyPatch, base_stores: dict) -> None:
    """The hang check reports a case slow on both tries and forgives one slow try (a stalled machine)."""
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "CASE_SECONDS", 0.05)
    tries: list[int] = []

    def slow(files: dict, fs: Any, path: str) -> None:
        tries.append(1)
        if len(tries) in sleepy:
            time.sleep(0.1)

    monkeypatch.setattr(this, "read_all_from", slow)
    sleepy = {1}  # the first try stalls, the retry is quick
    outcomes, failures, _ = this.run_cases(base_stores[3], 1, 2, "stall")
    assert failures == [] and outcomes["read fine"] == 2 and len(tries) == 3
    tries.clear()
    sleepy = {1, 2}  # slow every time: a hang
    outcomes, failures, _ = this.run_cases(base_stores[3], 1, 1, "hang")
    assert len(failures) == 1 and "twice" in failures[0] and not outcomes


def test_corruption_is_deterministic(base_stores: dict) -> None:
    a = [corrupt(base_stores[3], random.Random(s))[1] for s in range(20)]
    b = [corrupt(base_stores[3], random.Random(s))[1] for s in range(20)]
    assert a == b and len(set(a)) > 5


def test_mutations_cover_json_and_chunks(base_stores: dict) -> None:
    kinds = Counter(corrupt(base_stores[2], random.Random(s))[1].split()[0] for s in range(400))
    assert kinds["json"] > 50 and kinds["bytes"] > 50 and kinds["deleted"] > 5



# -- legacy pickled chunks (hdmf-zarr 0.13) ------------------------------------------------------
LEGACY_ARRAY = Path(__file__).parent.parent / "fixtures" / "hdmf_zarr_013" / "nwb.zarr" / "general" / \
    "extracellular_ephys" / "electrodes" / "group"
PICKLE_CASES = 3000
_OPCODES = [bytes([b]) for b in b"()]}acdeghijlpqrstuxCFGIJKLMNPRSTUVX\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98"]
_NAMES = [b"numpy", b"builtins", b"posix", b"os", b"subprocess", b"system", b"eval", b"getattr", b"bytes",
          b"ndarray", b"_reconstruct", b"dtype", b"ZarrReference", b"copyreg", b"_reconstructor", b"object"]


def _mutate_pickle(raw: bytes, rng: random.Random) -> bytes:
    """Damage a pickle: flips, truncation, inserted opcodes, spliced segments, swapped global names."""
    buf = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        if op == 0 and buf:
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            del buf[rng.randrange(len(buf)):]
        elif op == 2:
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = rng.choice(_OPCODES) + bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
        elif op == 3 and len(buf) > 4:
            a, b = sorted(rng.sample(range(len(buf)), 2))
            at = rng.randrange(len(buf))
            buf[at:at] = buf[a:b]
        else:
            old = rng.choice(_NAMES)
            at = buf.find(old)
            if at >= 0:
                buf[at:at + len(old)] = rng.choice(_NAMES)
    return bytes(buf)


def test_corrupted_legacy_pickles_raise_only_project_errors() -> None:
    """hdmf-zarr 0.13's pickled reference chunk, damaged 3,000 ways, through the restricted unpickler."""
    import resource

    import numcodecs

    from hdmfzarr.backends.zarr.legacy import decode_v2_chunk
    from hdmfzarr.errors import CorruptStoreError, UnsafeReferenceError

    zarray = json.loads((LEGACY_ARRAY / ".zarray").read_text())
    compressed = (LEGACY_ARRAY / "0").read_bytes()
    plain = bytes(numcodecs.get_codec(zarray["compressor"]).decode(compressed))
    assert [r["path"] for r in decode_v2_chunk(compressed, zarray, (4,), "chunk")][0].startswith("/general")
    uncompressed = {**zarray, "compressor": None}
    rng = random.Random(2026)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes: Counter = Counter()
    failures = []
    start = time.perf_counter()
    for i in range(PICKLE_CASES):
        damaged = _mutate_pickle(plain, rng)
        try:
            decode_v2_chunk(damaged, uncompressed, (4,), f"case {i}")
            outcomes["decoded"] += 1
        except (CorruptStoreError, UnsafeReferenceError) as exc:
            outcomes[type(exc).__name__] += 1
        except Exception as exc:  # noqa: BLE001 - the point of the test
            failures.append(f"case {i}: {type(exc).__name__}: {exc}"[:300])
    elapsed = time.perf_counter() - start
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert not failures, "\n".join(failures[:20])
    assert outcomes["UnsafeReferenceError"] > 20 and outcomes["CorruptStoreError"] > 1000, outcomes
    assert elapsed < 60 and grown_mib < 200, (elapsed, grown_mib)

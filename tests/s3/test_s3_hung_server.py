"""A server that accepts connections and never answers (issue 14 item 7): every request is bounded by
the deadline, so ``io.write()`` and reads fail with StoreUnavailableError instead of blocking."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import numpy as np
import pytest

from hdmfzarr.backends.zarr import RetryPolicy, StoreUnavailableError, ZarrIO
from hdmfzarr.common import DynamicTable

pytestmark = pytest.mark.s3


class BlackHoleProxy:
    """A loopback TCP proxy to ``target`` that, once ``hang()`` is called, accepts connections and
    reads requests but never answers (and stops forwarding on open connections too)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.hung = threading.Event()
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            self.sockets.append(client)
            if self.hung.is_set():
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _swallow(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        while not self.stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.2)
        while not self.stop.is_set():
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if self.hung.is_set():  # the server went silent: swallow everything from now on
                continue
            try:
                dst.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        for s in self.sockets:
            s.close()
        self.listener.close()


@pytest.fixture
def proxy(s3_server: Any):
    p = BlackHoleProxy(("127.0.0.1", s3_server.ports["s3.port"]))
    try:
        yield p
    finally:
        p.close()


def _table(n: int) -> DynamicTable:
    t = DynamicTable(name="t", description="written through a server that goes silent")
    t.add_column("x", "values", dtype="float64")
    t.extend({"x": np.arange(n, dtype=np.float64)})
    return t


def test_write_to_a_server_that_goes_silent_fails_within_the_deadline(s3_server, s3_bucket, proxy) -> None:
    opts = {**s3_server.storage_options,
            "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{proxy.port}", "region_name": s3_server.region}}
    url = s3_server.url(s3_bucket, "silent.zarr")
    policy = RetryPolicy(deadline=3.0)  # default timeouts (connect 5 s, read 20 s): the deadline must cut them
    with ZarrIO(url, "w", storage_options=opts, retry=policy) as io:
        io.write(_table(10))  # the server answers
    io = ZarrIO(url, "a", storage_options=opts, retry=policy)
    table = io.read()
    proxy.hung.set()
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError, match="did not answer") as info:
        table.extend({"x": np.arange(5, dtype=np.float64)})
        io.write(table)
    assert time.monotonic() - t0 < 3.0 * 4  # each request bounded; not the 20 s read timeout, not forever
    assert url in str(info.value)
    with pytest.raises(StoreUnavailableError):
        ZarrIO(url, "r", storage_options=opts, retry=policy).read()
    io.close()
    # nothing committed was lost: through the real endpoint the store still holds its 10 rows
    with ZarrIO(url, "r", storage_options=s3_server.storage_options) as io2:
        assert np.asarray(io2.read()["x"].get_all()).tolist() == list(range(10))

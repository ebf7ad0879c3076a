"""A loopback TCP proxy that adds a fixed one-way delay to every byte in both directions (like netem).

Put it in front of an S3 server (``endpoint_url`` = the proxy) to see what a store costs over a network
where each request takes ``2 x delay`` more: bytes read from either side are forwarded ``delay``
seconds later, in order, so a request/response pair costs one round trip whatever the protocol. It
runs in its own process (the benchmarked client's CPU use cannot slow it down) and counts the HTTP
requests it forwards (request lines of HTTP/1.1, bodies skipped by ``Content-Length``) and the
*waves*: requests sent while no earlier request was waiting for its response (a lower bound on the
sequential round trips).

    proxy = LatencyProxy("127.0.0.1", 8333); proxy.start(); proxy.delay = 0.025
    ... endpoint_url=proxy.url ...; proxy.stats() -> {"requests": n, "waves": k}; proxy.stop()

Run alone: ``python benchmarks/latency_proxy.py UPSTREAM_HOST UPSTREAM_PORT --delay 0.025``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import time
from typing import Any

_REQUEST_LINE = re.compile(rb"^(GET|PUT|HEAD|POST|DELETE|PATCH|OPTIONS) \S+ HTTP/1\.[01]$")


class _Shared:
    """Counters and the delay, shared between the proxy process and its owner."""

    def __init__(self, ctx: Any) -> None:
        self.delay_us = ctx.Value("q", 0, lock=False)
        self.requests = ctx.Value("q", 0, lock=False)
        self.waves = ctx.Value("q", 0, lock=False)
        self.waiting = ctx.Value("q", 0, lock=False)  # requests sent whose response has not started


class _RequestParser:
    """Finds request boundaries in one connection's client-to-server byte stream."""

    def __init__(self) -> None:
        self.buf = b""
        self.body_left = 0

    def feed(self, data: bytes) -> int:
        """Number of new requests that start in ``data``."""
        count = 0
        while data:
            if self.body_left:
                n = min(self.body_left, len(data))
                self.body_left -= n
                data = data[n:]
                continue
            self.buf += data
            data = b""
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return count
            head, rest = self.buf[:end], self.buf[end + 4:]
            self.buf = b""
            lines = head.split(b"\r\n")
            if _REQUEST_LINE.match(lines[0]):
                count += 1
            length = 0
            for line in lines[1:]:
                key, _, value = line.partition(b":")
                if key.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        length = 0
            self.body_left = length
            data = rest
        return count


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, shared: _Shared,
                client_side: bool, state: dict[str, int]) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    parser = _RequestParser() if client_side else None

    async def pump_in() -> None:
        while True:
            try:
                data = await reader.read(1 << 16)
            except (ConnectionError, OSError):
                data = b""
            if parser is not None and data:
                new = parser.feed(data)
                if new:
                    if shared.waiting.value <= 0:
                        shared.waves.value += 1
                    shared.requests.value += new
                    shared.waiting.value += new
                    state["waiting"] += new
            elif data and state["waiting"]:  # the response to this connection's request started
                shared.waiting.value -= state["waiting"]
                state["waiting"] = 0
            await queue.put((loop.time() + shared.delay_us.value / 1e6, data))
            if not data:
                return

    async def pump_out() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                try:
                    writer.close()
                except (ConnectionError, OSError):
                    pass
                return
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return

    await asyncio.gather(pump_in(), pump_out())


async def _serve(listen_port: int, host: str, port: int, shared: _Shared, ready: Any) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        state = {"waiting": 0}
        try:
            await asyncio.gather(_pump(client_r, server_w, shared, True, state),
                                 _pump(server_r, client_w, shared, False, state))
        finally:
            shared.waiting.value -= state["waiting"]
            for w in (client_w, server_w):
                try:
                    w.close()
                except (ConnectionError, OSError):
                    pass

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    ready.value = server.sockets[0].getsockname()[1]
    async with server:
        await server.serve_forever()


def _main(listen_port: int, host: str, port: int, shared: _Shared, ready: Any) -> None:
    asyncio.run(_serve(listen_port, host, port, shared, ready))


class LatencyProxy:
    """The proxy in a child process; ``delay`` (seconds each way) may change at any time."""

    def __init__(self, upstream_host: str, upstream_port: int, listen_port: int = 0) -> None:
        self._ctx = mp.get_context("spawn")
        self._shared = _Shared(self._ctx)
        self._ready = self._ctx.Value("i", 0, lock=False)
        self._args = (listen_port, upstream_host, upstream_port)
        self._proc: Any = None

    def start(self, timeout: float = 120.0) -> None:
        self._proc = self._ctx.Process(target=_main, args=(*self._args, self._shared, self._ready), daemon=True)
        self._proc.start()
        deadline = time.monotonic() + timeout
        while not self._ready.value:
            if time.monotonic() > deadline or not self._proc.is_alive():
                raise RuntimeError("the latency proxy did not start")
            time.sleep(0.02)

    @property
    def port(self) -> int:
        return int(self._ready.value)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def delay(self) -> float:
        return self._shared.delay_us.value / 1e6

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._shared.delay_us.value = int(round(seconds * 1e6))

    def reset(self) -> None:
        """Zero the request and wave counters."""
        self._shared.requests.value = 0
        self._shared.waves.value = 0

    def stats(self) -> dict[str, int]:
        return {"requests": int(self._shared.requests.value), "waves": int(self._shared.waves.value)}

    def stop(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)
        self._proc = None

    def __enter__(self) -> LatencyProxy:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--listen", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.025, help="seconds added each way")
    args = parser.parse_args()
    proxy = LatencyProxy(args.host, args.port, args.listen)
    proxy.delay = args.delay
    proxy.start()
    print(f"proxy on {proxy.url} -> {args.host}:{args.port}, {args.delay * 1000:.0f} ms each way", flush=True)
    try:
        while True:
            time.sleep(5)
            print(proxy.stats(), flush=True)
    except KeyboardInterrupt:
        proxy.stop()


if __name__ == "__main__":
    main()

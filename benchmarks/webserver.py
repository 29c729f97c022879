"""Start ``storyline serve`` on a free loopback port for the web benchmarks (web_latency.py, web_load.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, timeout: float = 1800) -> tuple[subprocess.Popen, int, float]:
    """``(process, port, seconds to listen)``; the server may build its search cache before it listens.
    Exits the benchmark with the server's stderr if it dies, or when it does not listen in ``timeout`` s."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "storyline", "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.perf_counter()
    while True:
        if server.poll() is not None:
            raise SystemExit(f"storyline serve exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port, time.perf_counter() - t0
        except OSError:
            if time.perf_counter() - t0 > timeout:
                server.terminate()
                raise SystemExit(f"server did not start in {timeout:.0f} s") from None
            time.sleep(0.3)


def wait_for_fresh_search(port: int, timeout: float = 1800) -> float:
    """Seconds until the server's search cache matches the database (a changed database is re-indexed in the
    background while searches answer ``"stale": true`` from the previous cache)."""
    import http.client
    import json

    t0 = time.perf_counter()
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", "/api/search?q=government&limit=1")
        body = json.loads(conn.getresponse().read())
        conn.close()
        if not body.get("stale"):
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"the search cache was not rebuilt in {timeout:.0f} s")
        time.sleep(0.5)

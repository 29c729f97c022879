"""Run the web app with uvicorn: ``storyline serve --db FILE [--host H] [--port P] [--token T]``."""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from ..errors import MissingDependency, UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN_ENV = "STORYLINE_TOKEN"
MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it may resolve to anything


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback bind without an access token, and a token too short to be one."""
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise UsageError(f"the access token is too short ({len(token)} characters)",
                         hint=f"use at least {MIN_TOKEN_CHARS} random characters, e.g. "
                              "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`")
    if not is_loopback(host) and not token:
        raise UsageError(f"refusing to serve on {host!r} without an access token",
                         hint=f"give --token (or set {TOKEN_ENV}) to serve beyond this machine, "
                              f"or keep the default --host {DEFAULT_HOST}")


def serve(db: str | os.PathLike[str], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          token: str | None = None, **uvicorn_options: Any) -> None:
    """Serve the knowledge base ``db`` read-only until interrupted. Raises coded errors for a missing or
    unusable database, a non-loopback host without a token, or a port out of range."""
    token = token or None
    check_bind(host, token)
    if not 0 < int(port) < 65536:
        raise UsageError(f"invalid port {port}", hint="choose a port between 1 and 65535")
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency("uvicorn") from exc
    from .app import create_app

    app = create_app(db, token=token, allowed_hosts={host})  # opens read-only; coded errors for a bad db
    config = dict(host=host, port=int(port), log_level="info", proxy_headers=False, server_header=False,
                  h11_max_incomplete_event_size=16 * 1024,  # request line + headers
                  limit_concurrency=64, timeout_keep_alive=5)
    config.update(uvicorn_options)
    uvicorn.run(app, **config)

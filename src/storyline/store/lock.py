"""The writer lock of a knowledge base: one writing process (``storyline run``, an actor or story edit,
``analyse``) at a time; readers (``serve``, ``export``, ``stats``, ``check``) never take it.

An OS lock (``flock``) on ``<db>.lock``: the kernel releases it when the process ends however it ends
(even SIGKILL), so no stale lock survives a crash. The file also holds who took it (pid, command,
start time) for the refusal message; it is left in place on release (deleting it would race with the
next writer). Where ``fcntl`` is not available (Windows) the lock is a no-op and SQLite's own locking
(``busy_timeout``) is the only guard.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from ..errors import DatabaseReadOnly, RunInProgress

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(db: str | os.PathLike[str]) -> Path:
    return Path(f"{db}.lock")


class WriterLock:
    """Hold the writer lock of ``db`` until :meth:`release` (non-blocking: refuses at once when held)."""

    def __init__(self, db: str | os.PathLike[str], command: str = "storyline run"):
        self.db = Path(db)
        self.path = lock_path(db)
        self._fd: int | None = None
        if fcntl is None:  # pragma: no cover - Windows
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise DatabaseReadOnly(f"cannot write next to the database: {self.path} ({exc.strerror})") from exc
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                who = holder.get("command", "storyline")
                pid = holder.get("pid", "?")
                since = holder.get("started", "?")
                raise RunInProgress(f"another {who} (pid {pid}, started {since}) is writing to {self.db}") from exc
            raise
        self._fd = fd
        info = {"pid": os.getpid(), "command": command,
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        except OSError:
            pass  # the lock holds without the note (e.g. a full disk); the message then says "pid ?"

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> "WriterLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, object]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data.decode() or "{}")
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}

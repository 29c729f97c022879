"""The Python API. The CLI, and later the web app and HTTP API, are thin layers over it.

>>> import storyline
>>> report = storyline.run(["examples/belarus-china"], db="storyline.db")
>>> kb = storyline.open_kb("storyline.db")
>>> [a["title"] for a in kb.articles()]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from .engines.local import ProgressFn, RunOptions, RunReport
from .engines.local import run as _run_local
from .errors import MissingDependency
from .store import Store
from .store.export import EXPORTS, export, iter_rows


def run(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str] = "storyline.db",
    *,
    options: RunOptions | None = None,
    progress: ProgressFn | None = None,
) -> RunReport:
    """Ingest, clean and deduplicate every supported file under ``paths`` into ``db``."""
    return _run_local(paths, db, options, progress)


class KnowledgeBase:
    """Read access to a storyline database (opened read-only)."""

    def __init__(self, db: str | os.PathLike[str]):
        self.store = Store(db, create=False, readonly=True)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Rows of an exported table (``articles``, ``removals``, ``duplicates``, ``rejects``)."""
        return iter_rows(self.store, table)

    def articles(self) -> Iterator[dict[str, Any]]:
        return self.rows("articles")

    def removals(self) -> Iterator[dict[str, Any]]:
        return self.rows("removals")

    def duplicates(self) -> Iterator[dict[str, Any]]:
        return self.rows("duplicates")

    def rejects(self) -> Iterator[dict[str, Any]]:
        return self.rows("rejects")

    def article(self, article_id: str) -> dict[str, Any] | None:
        return self.store.article(article_id)

    def summary(self) -> dict[str, Any]:
        return self.store.summary()

    def dataframe(self, table: str) -> Any:
        """The table as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependency("pandas") from exc
        return pd.DataFrame(list(self.rows(table)), columns=EXPORTS[table][1])

    def export(self, table: str, fmt: str, out: IO[bytes], progress: Callable[[int], None] | None = None) -> int:
        return export(self.store, table, fmt, out, progress)

    def count(self, table: str) -> int:
        """Rows the export of ``table`` will have."""
        return self.store.count(table)


def open_kb(db: str | os.PathLike[str]) -> KnowledgeBase:
    return KnowledgeBase(db)

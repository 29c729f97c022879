"""The stage contract, the one stats mechanism, and drop-with-reason.

A *stage* takes an iterable of records and yields records. It never opens the database and does
not know whether it runs in-process or on a worker. Per-document stages are pure functions of one
record (plus shared read-only resources); they are written as :class:`DocStage` subclasses whose
:meth:`DocStage.process` returns the new record or a :class:`~storyline.model.Reject`.
Cross-document stages (dedup, stories) take an explicit index/state object in their constructor.

Every stage reports what it kept, changed and dropped through :class:`Stats`; a drop always has a
reason (a key of :data:`storyline.errors.REJECT_REASONS`).
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .limits import DOC_TIMEOUT, MAX_CHARS, DocTimeout, time_limit, too_large
from .model import Reject

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class Stats:
    """Counters per stage: ``in``, ``kept``, ``changed``, ``dropped`` and ``dropped:<reason>``."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def inc(self, stage: str, key: str, n: int = 1) -> None:
        self.counts.setdefault(stage, Counter())[key] += n

    def drop(self, stage: str, reason: str) -> None:
        self.inc(stage, "dropped")
        self.inc(stage, f"dropped:{reason}")

    def merge(self, other: "Stats") -> None:
        for stage, counter in other.counts.items():
            self.counts.setdefault(stage, Counter()).update(counter)

    def get(self, stage: str, key: str) -> int:
        return self.counts.get(stage, Counter()).get(key, 0)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {stage: dict(sorted(c.items())) for stage, c in self.counts.items()}


class Stage(Protocol[In, Out]):
    """Anything with a name that maps a stream of records to a stream of records."""

    name: str

    def __call__(self, records: Iterable[In], stats: Stats) -> Iterator[Out | Reject]: ...


class DocStage(Generic[In, Out]):
    """A pure per-document stage. Subclasses implement :meth:`process`.

    Rejects coming in pass through untouched; an exception inside :meth:`process` becomes a
    reject with reason ``internal_error`` (one bad document never kills a run). Each document runs
    under a time limit (``timeout`` seconds, :func:`storyline.limits.time_limit`): past it the
    document becomes a ``time_limit`` reject. A record coming out with a ``text`` longer than
    ``max_chars`` characters becomes a ``too_large`` reject. ``None`` or 0 turns a limit off.
    """

    name = "stage"

    def __init__(self, *, timeout: float | None = DOC_TIMEOUT, max_chars: int | None = MAX_CHARS) -> None:
        self.timeout = timeout
        self.max_chars = max_chars

    def process(self, record: In) -> Out | Reject:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, record: In | Reject, stats: Stats) -> Out | Reject:
        if isinstance(record, Reject):
            return record
        stats.inc(self.name, "in")
        lim = None
        try:
            with time_limit(getattr(self, "timeout", DOC_TIMEOUT)) as lim:
                out = self.process(record)
        except DocTimeout as exc:
            if lim is None or exc.limit is not lim:  # an enclosing limit ran out: not this document's
                raise
            out = self._reject(record, "time_limit",
                               f"{self.name} took longer than the time limit of {exc.seconds:g} s (--doc-timeout)")
        except Exception as exc:  # noqa: BLE001 - converted to a reject with the traceback
            out = self._reject(record, "internal_error",
                               f"{type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc, limit=-3))}")
        max_chars = getattr(self, "max_chars", MAX_CHARS)
        text = None if isinstance(out, Reject) else getattr(out, "text", None)
        if too_large(text, max_chars):
            out = self._reject(record, "too_large", f"{self.name}: the text has {len(text):,} characters, "  # type: ignore[arg-type]
                                                    f"over the limit of {max_chars:,} (--max-chars)")
        if isinstance(out, Reject):
            stats.drop(self.name, out.reason)
        else:
            stats.inc(self.name, "kept")
        return out

    def _reject(self, record: Any, reason: str, detail: str) -> Reject:
        return Reject(
            source_path=_path_of(record),
            reason=reason,
            detail=detail,
            stage=self.name,
            record=_prov(record).get("record"),
            offset=_prov(record).get("offset"),
            doc_id=getattr(record, "id", None),
        )

    def __call__(self, records: Iterable[In | Reject], stats: Stats) -> Iterator[Out | Reject]:
        for record in records:
            yield self.apply(record, stats)


def _prov(record: Any) -> dict[str, Any]:
    return getattr(record, "provenance", None) or {}


def _path_of(record: Any) -> str:
    return str(_prov(record).get("path") or getattr(record, "source_path", "") or "")


def chain(records: Iterable[Any], stages: Iterable[Stage], stats: Stats) -> Iterator[Any]:
    """Compose stages lazily: the local, in-process executor for a stream."""
    stream: Iterable[Any] = records
    for stage in stages:
        stream = stage(stream, stats)
    yield from stream

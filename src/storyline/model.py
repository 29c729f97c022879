"""The one data model: raw input records, articles, and offset-based spans.

Every piece of evidence is a :class:`Span` — ``(start, end, label, attrs)`` into a text.
Removals point into :attr:`Article.original` (the decoded input text the cleaner saw);
all other annotations (entities, timexes, quotes, events) point into :attr:`Article.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Span:
    """A labelled character span ``text[start:end]``; ``label`` is a reason or a type."""

    start: int
    end: int
    label: str
    text: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text, "attrs": self.attrs}


@dataclass(slots=True)
class RawDoc:
    """One input record before cleaning.

    ``content`` is decoded text (``fmt`` says whether it is ``text``, ``markdown`` or ``html``);
    ``meta`` holds fields a structured source supplied itself (JSONL keys, WARC target URI).
    ``provenance`` says exactly where the record came from: ``path``, ``format`` and, inside
    a container, ``record`` (line/record index) and ``offset`` (byte offset).
    """

    id: str
    source_id: str
    fmt: str
    content: str
    provenance: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    encoding: str = "utf-8"


@dataclass(slots=True)
class Reject:
    """An input that could not become an article, and why. Nothing is dropped without one."""

    source_path: str
    reason: str
    detail: str = ""
    stage: str = "ingest"
    record: int | None = None
    offset: int | None = None
    doc_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_path": self.source_path,
            "record": self.record,
            "offset": self.offset,
            "doc_id": self.doc_id,
            "stage": self.stage,
            "reason": self.reason,
            "detail": self.detail,
        }


@dataclass(slots=True)
class Article:
    """A cleaned document. ``text`` is the clean body, paragraphs separated by a blank line."""

    id: str
    source_id: str
    source_path: str
    fmt: str
    provenance: dict[str, Any]
    original: str
    text: str = ""
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    published_source: str | None = None  # where the date came from, e.g. "header_line", "html_meta"
    outlet: str | None = None
    url: str | None = None
    language: str | None = None
    # where each metadata field came from ("header", "html", "jsonl", "merged:<id>", ...)
    meta_sources: dict[str, str] = field(default_factory=dict)
    removals: list[Span] = field(default_factory=list)  # offsets into `original`
    spans: dict[str, list[Span]] = field(default_factory=dict)  # offsets into `text`
    content_hash: str = ""
    duplicate_of: str | None = None
    group_id: str | None = None
    # set by the facts stage: status/reason, the resolved publication date, actors first met here
    facts: dict[str, Any] = field(default_factory=dict)

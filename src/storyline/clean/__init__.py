"""The clean stage: RawDoc → Article.

HTML goes through trafilatura (:mod:`storyline.clean.html`); text and markdown through the
line/block cleaner (:mod:`storyline.clean.text`). Metadata is merged with this precedence:
fields the source supplied itself (JSONL keys, WARC URI) > markup or header lines > derived
(outlet from the URL's domain). ``Article.meta_sources`` records where each value came from.
"""

from __future__ import annotations

from typing import Any

from ..model import Article, RawDoc, Reject, Span
from ..pipeline import DocStage
from .header import normalise_date, outlet_for_url


class CleanStage(DocStage[RawDoc, Article]):
    """Pure per-document stage; rejects a document with ``no_content`` when nothing is left."""

    name = "clean"

    def process(self, raw: RawDoc) -> Article | Reject:
        if raw.fmt == "html":
            found, text, original, removals, error = _clean_html(raw)
            if error:
                return _reject(raw, error, "HTML extraction found no usable article text")
        else:
            found, text, original, removals = _clean_plain(raw)
        if not text.strip():
            return _reject(raw, "no_content", f"cleaning removed everything ({len(removals)} removed spans)")
        article = Article(
            id=raw.id,
            source_id=raw.source_id,
            source_path=str(raw.provenance.get("path", "")),
            fmt=raw.fmt,
            provenance=dict(raw.provenance, encoding=raw.encoding),
            original=original,
            text=text,
            removals=removals,
        )
        _apply_meta(article, raw.meta, found)
        return article


def _clean_plain(raw: RawDoc) -> tuple[dict[str, tuple[Any, str]], str, str, list[Span]]:
    from .text import clean_text

    result = clean_text(raw.content, fmt=raw.fmt)
    found: dict[str, tuple[Any, str]] = {}
    for name, span in result.meta.items():
        value = (span.attrs or {}).get("value", span.text)
        if value:
            field = "published" if name == "date" else name
            found[field] = (value, (span.attrs or {}).get("source", "header_line"))
    return found, result.text, raw.content, list(result.removals)


def _clean_html(raw: RawDoc) -> tuple[dict[str, tuple[Any, str]], str, str, list[Span], str | None]:
    from .html import extract_html

    result = extract_html(raw.content, url=raw.meta.get("url"))
    found: dict[str, tuple[Any, str]] = {}
    meta = result.meta or {}
    for name in ("title", "subtitle", "byline", "published", "outlet", "url", "language"):
        if meta.get(name):
            source = meta.get("published_source", "html_meta") if name == "published" else "html_meta"
            found[name] = (meta[name], source)
    return found, result.text, result.page_text, list(result.removals), result.error


def _apply_meta(article: Article, supplied: dict[str, Any], found: dict[str, tuple[Any, str]]) -> None:
    """Fill metadata: supplied by the source > found in markup/header > derived."""
    for name in ("title", "subtitle", "byline", "published", "outlet", "url", "language"):
        value, source = None, None
        raw_value = supplied.get(name)
        if isinstance(raw_value, str) and raw_value.strip():
            value, source = raw_value.strip(), f"source_{name}"
            if name == "published":
                value = normalise_date(value)
                source = "source_field"
        if value is None and name in found:
            value, source = found[name]
        if value is not None:
            setattr(article, name, value)
            article.meta_sources[name] = source or "unknown"
    if article.published:
        article.published_source = article.meta_sources.get("published")
    if not article.outlet and article.url:
        outlet = outlet_for_url(article.url)
        if outlet:
            article.outlet = outlet
            article.meta_sources["outlet"] = "url_domain"


def _reject(raw: RawDoc, reason: str, detail: str) -> Reject:
    return Reject(
        source_path=str(raw.provenance.get("path", "")),
        reason=reason,
        detail=detail,
        stage="clean",
        record=raw.provenance.get("record"),
        offset=raw.provenance.get("offset"),
        doc_id=raw.id,
    )

"""The facts stage: one spaCy parse per article, then actors, timexes, quotes and the publication date.

It takes a stream of :class:`~storyline.model.Article` records and yields them with
``spans["mentions"]``, ``spans["timexes"]`` and ``spans["quotes"]`` filled (offsets into ``text``)
and ``facts`` holding the per-article status, the resolved publication date and the actors first
met in this article. It never opens the database: the registry it resolves against is given to it.

Per-document work is pure given the registry (bundled data + the user's edits), so results do not
depend on the order articles arrive in. Each article is parsed with ``nlp.pipe`` over its pieces; texts
longer than :data:`storyline.nlp.MAX_CHARS` are parsed in paragraph-aligned chunks whose spans are
shifted back into article offsets. Nothing is dropped here: an article that cannot be analysed keeps
``facts["status"] = "skipped"`` with a reason (:data:`FACTS_REASONS`).

Per-article limits (:mod:`storyline.limits`): a text longer than ``max_doc_chars`` is not parsed
(``too_large``); parsing and extraction each run under a time limit of ``timeout`` seconds per
article (``time_limit``), so one slow article (e.g. a long run of punctuation, on which spaCy's
tokenizer is quadratic) is skipped and the rest of the batch goes on.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from .. import nlp as nlp_mod
from ..errors import StorylineError
from ..limits import DOC_TIMEOUT, MAX_CHARS, DocTimeout, check, time_limit
from ..model import Article, Span
from ..pipeline import Stats
from .edits import Edits

FACTS_VERSION = 3  # 2: PLOVER event mentions coded in the same pass; 3: quote cue data, noun cues, dialogue tags

FACTS_REASONS: dict[str, str] = {
    "empty_text": "the article has no clean text",
    "no_sentences": "the text holds no words to parse (only numbers, symbols or markup)",
    "not_english": "the text is not English (the bundled pipeline is English-only); nothing was extracted",
    "chunked": "the text was longer than the parser's chunk size and was parsed in pieces (facts kept)",
    "too_large": "the text is longer than the per-document size limit (--max-chars); it was not parsed",
    "time_limit": "parsing or extracting took longer than the per-document time limit (--doc-timeout); "
                  "article_facts.detail says which step",
    "internal_error": "an unexpected error while extracting facts; article_facts.detail holds the exception",
}

_WORD = re.compile(r"[^\W\d_]{2,}")
_EN_FUNCTION = frozenset(
    "the of and to in a is that for on with as by at from was were said it his her he she has have be are "
    "this which an not but who will would been their they its or after also had than more".split()
)


def looks_english(text: str, sample: int = 3000) -> tuple[bool, str | None]:
    """``(ok, reason)``: does ``text`` look like English prose? Cheap: share of English function words."""
    words = _WORD.findall(text[:sample].lower())
    if not words:
        return False, "no_sentences"
    if len(words) < 8:
        return True, None  # too short to judge; parse it
    share = sum(w in _EN_FUNCTION for w in words) / len(words)
    return (share >= 0.12, None if share >= 0.12 else "not_english")


def _dct(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


class FactsStage:
    """Batch stage: Articles in, Articles with fact spans out (same order, none dropped)."""

    name = "facts"

    def __init__(self, registry: Any = None, *, edits: Edits | None = None, batch_size: int = nlp_mod.BATCH_SIZE,
                 model: str = nlp_mod.MODEL, max_chars: int = nlp_mod.MAX_CHARS, coder: Any = None,
                 timeout: float | None = DOC_TIMEOUT, max_doc_chars: int | None = MAX_CHARS):
        from ..events.coder import RuleCoder
        from .actors import Registry

        self.coder = coder if coder is not None else RuleCoder()

        self.edits = edits or Edits()
        self.registry = registry if registry is not None else self.edits.apply_to_registry(Registry.bundled())
        self.batch_size = batch_size
        self.model = model
        self.max_chars = max_chars  # parser chunk size
        self.timeout = timeout  # seconds per article, for parsing and for extraction (None: no limit)
        self.max_doc_chars = max_doc_chars  # longer texts are skipped as too_large (None: no limit)

    # -------------------------------------------------------------- stream interface
    def __call__(self, records: Iterable[Article], stats: Stats) -> Iterator[Article]:
        batch: list[Article] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= self.batch_size * 4:
                yield from self.process_batch(batch, stats)
                batch = []
        if batch:
            yield from self.process_batch(batch, stats)

    def process_batch(self, articles: list[Article], stats: Stats) -> list[Article]:
        """Parse ``articles`` (each under its own time limit) and attach their facts."""
        jobs: list[tuple[int, int, str]] = []  # (article index, chunk offset, chunk text)
        for i, a in enumerate(articles):
            stats.inc(self.name, "in")
            a.facts = {"status": "ok", "reason": None, "dct_input": a.published, "new_actors": []}
            if not a.text.strip():
                self._skip(a, "empty_text", stats)
                continue
            if self.max_doc_chars and len(a.text) > self.max_doc_chars:
                self._skip(a, "too_large", stats, f"the text has {len(a.text):,} characters, over the limit of "
                                                   f"{self.max_doc_chars:,} (--max-chars)")
                continue
            ok, reason = looks_english(a.text)
            if not ok:
                self._skip(a, reason or "not_english", stats)
                continue
            pieces = nlp_mod.chunks(a.text, self.max_chars)
            if len(pieces) > 1:
                a.facts["reason"] = "chunked"
                stats.inc(self.name, "chunked")
            jobs += [(i, off, piece) for off, piece in pieces]
        parts = self._parse(articles, jobs, stats)
        for i, a in enumerate(articles):
            if a.facts["status"] == "skipped":
                self._date_only(a)
                continue
            lim = None
            try:
                with time_limit(self.timeout) as lim:
                    self._extract(a, parts.get(i, []))
            except StorylineError:  # a user/configuration problem (e.g. the LLM endpoint is gone): stop the run
                raise
            except DocTimeout as exc:
                if lim is None or exc.limit is not lim:
                    raise
                self._fail(a, "time_limit", f"extracting facts took longer than the time limit of {exc.seconds:g} s "
                                            "(--doc-timeout)", stats)
                continue
            except Exception as exc:  # noqa: BLE001 - one bad article never kills the batch
                self._fail(a, "internal_error", f"{type(exc).__name__}: {exc}\n"
                                                f"{''.join(traceback.format_exception(exc, limit=-3))}", stats)
                continue
            stats.inc(self.name, "kept")
            for kind in ("mentions", "timexes", "quotes", "events"):
                stats.inc(self.name, kind, len(a.spans.get(kind, ())))
        return articles

    def _parse(self, articles: list[Article], jobs: list[tuple[int, int, str]],
               stats: Stats) -> dict[int, list[tuple[int, str, Any]]]:
        """Parse every job; ``{article index: [(offset, piece, doc)]}``. Each article is parsed under its own
        time limit (one ``nlp.pipe`` over its pieces; batching articles together saves no CPU time with this
        pipeline, measured: within 3 %); an article that runs out of time is skipped (``time_limit``)."""
        pieces: dict[int, list[tuple[int, str]]] = {}
        for i, off, piece in jobs:
            pieces.setdefault(i, []).append((off, piece))
        parts: dict[int, list[tuple[int, str, Any]]] = {}
        if pieces:
            nlp_mod.load_nlp(self.model)  # loading the pipeline is no article's time
        for i, its in pieces.items():
            lim = None
            try:
                with time_limit(self.timeout) as lim:
                    docs = list(nlp_mod.pipe((p for _, p in its), self.model, self.batch_size))
            except DocTimeout as exc:
                if lim is None or exc.limit is not lim:
                    raise
                self._skip(articles[i], "time_limit", stats,
                           f"parsing took longer than the time limit of {exc.seconds:g} s (--doc-timeout)")
                continue
            parts[i] = [(off, piece, doc) for (off, piece), doc in zip(its, docs)]
        return parts

    # -------------------------------------------------------------- per article
    def _skip(self, a: Article, reason: str, stats: Stats, detail: str | None = None) -> None:
        a.facts.update(status="skipped", reason=reason)
        if detail:
            a.facts["error"] = detail  # stored in article_facts.detail
        stats.inc(self.name, "skipped")
        stats.inc(self.name, f"skipped:{reason}")

    def _fail(self, a: Article, reason: str, detail: str, stats: Stats) -> None:
        """Extraction failed half-way: drop what it attached, keep the reason, resolve the date only."""
        for kind in ("mentions", "timexes", "quotes", "events"):
            a.spans.pop(kind, None)
        a.facts.update(new_actors=[])
        self._skip(a, reason, stats, detail)
        self._date_only(a)

    def _date_only(self, a: Article) -> None:
        from .time import PubDate, resolve_publication

        a.spans.setdefault("mentions", [])
        a.spans.setdefault("timexes", [])
        a.spans.setdefault("quotes", [])
        a.spans.setdefault("events", [])
        text = a.text[: self.max_doc_chars] if self.max_doc_chars else a.text  # a too_large text: its head
        lim = None
        try:
            with time_limit(self.timeout) as lim:
                a.facts["date"] = resolve_publication(a.published, a.published_source, text, None)
        except DocTimeout as exc:
            if lim is None or exc.limit is not lim:
                raise
            a.facts["date"] = PubDate(None, "unknown", 0.0)

    def _extract(self, a: Article, parts: list[tuple[int, str, Any]]) -> None:
        from .actors import MentionLookup, resolve_mentions
        from .quotes import find_quotes
        from .time import Timex, find_timexes, resolve_publication

        dct = _dct(a.published)
        mentions: list[Any] = []
        timexes: list[Any] = []
        quotes: list[Any] = []
        new_actors: dict[str, Any] = {}
        events: list[tuple[int, Any]] = []
        for off, piece, doc in parts:
            check()  # a cooperative time-limit checkpoint (off the main thread nothing else interrupts)
            ms, new = resolve_mentions(doc, self.registry, dct)
            if self.edits:
                for m in ms:
                    m.actor_id = self.edits.remap(m.actor_id, m.text)
            ts = find_timexes(piece, dct, doc)
            qs = find_quotes(doc)
            for actor in new:
                new_actors.setdefault(actor.id, actor)
            lookup = MentionLookup(ms)  # not a scan of all mentions per quote: long articles hold thousands
            for q in qs:
                quotes.append((off, q, lookup.at(q.speaker_start, q.speaker_end)))
            mentions += [(off, m) for m in ms]
            timexes += [(off, t) for t in ts]
            events += [(off, ev) for ev in self.coder.code(doc, ms, ts, qs, dct)]
        used = {m.actor_id for _, m in mentions}
        new_actors = {aid: act for aid, act in new_actors.items() if aid in used}
        names = {aid: act.name for aid, act in new_actors.items()}

        def actor_name(actor_id: str | None) -> str | None:
            if actor_id is None:
                return None
            if actor_id in names:
                return names[actor_id]
            found = self.registry.get(actor_id)
            return found.name if found is not None else None

        text = a.text
        a.spans["mentions"] = [
            Span(off + m.start, off + m.end, m.kind, text[off + m.start: off + m.end],
                 {"actor_id": m.actor_id, "country": m.country, "sector": m.sector})
            for off, m in mentions
        ]
        a.spans["timexes"] = [
            Span(off + t.start, off + t.end, t.type, text[off + t.start: off + t.end],
                 {"value": t.value, "mod": t.mod, "reason": t.reason})
            for off, t in timexes
        ]
        a.spans["quotes"] = [_quote_span(text, off, q, m, actor_name(m.actor_id) if m else None) for off, q, m in quotes]
        a.spans["events"] = [_event_span(text, off, ev) for off, ev in events]
        shifted = [Timex(s.start, s.end, s.text, s.label, s.attrs.get("value"), s.attrs.get("mod"),
                         s.attrs.get("reason")) for s in a.spans["timexes"]]
        a.facts["date"] = resolve_publication(a.published, a.published_source, text, shifted)
        a.facts["new_actors"] = list(new_actors.values())


def _shift(off: int, v: int | None) -> int | None:
    return None if v is None else off + v


def _quote_span(text: str, off: int, q: Any, m: Any, speaker_name: str | None) -> Span:
    attrs = {
        "speaker_id": m.actor_id if m is not None else None,
        "speaker_name": speaker_name if speaker_name else q.speaker_text,
        "speaker_start": _shift(off, q.speaker_start),
        "speaker_end": _shift(off, q.speaker_end),
        "speaker_text": q.speaker_text,
        "cue": q.cue,
        "cue_start": _shift(off, q.cue_start),
        "cue_end": _shift(off, q.cue_end),
        "channel": q.channel,
        "channel_start": _shift(off, q.channel_start),
        "channel_end": _shift(off, q.channel_end),
    }
    extra = getattr(q, "attrs", None)
    if extra:
        attrs["extra"] = dict(extra)
    return Span(off + q.start, off + q.end, q.kind, text[off + q.start: off + q.end], attrs)


_EVENT_OFFSETS = ("trigger_start", "trigger_end", "date_start", "date_end", "location_start", "location_end",
                  "quote_start", "quote_end")


def _event_span(text: str, off: int, ev: Any) -> Span:
    """An :class:`storyline.events.coder.EventMention` as a Span in article offsets (attrs: every field)."""
    d = ev.to_dict()
    for k in _EVENT_OFFSETS:
        d[k] = _shift(off, d.get(k))
    for role in (*d["actors"], *d["recipients"], *d["cues"]):
        role["start"] += off
        role["end"] += off
    start, end = d.pop("start") + off, d.pop("end") + off
    while end > start and text[end - 1].isspace():  # the sentence without its trailing blank line
        end -= 1
    d.pop("text", None)
    return Span(start, end, d["plover_type"], text[start:end], d)

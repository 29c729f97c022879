"""Framing: how each outlet designates the actors and names the events of a story.

Two parts, both per story and per source (an outlet; an article when its outlet is unknown; copies
count once):

* a documented, extendable **lexicon** (``stories/data/framing.toml``) of designations and event names
  with a category (pejorative, institutional, loaded, contested, neutral-event); a designation right
  before an actor mention ("authoritarian leader Alexander Lukashenko", "the 70-year-old autocrat"),
  or inside a description mention, is attributed to that actor;
* a **data-driven contrast**: lexicon terms a source uses that the story's other sources do not
  (with their counts), so "autocrat" vs "President" for the same man stands out without a bias label.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ConfigError

DATA = Path(__file__).with_name("data") / "framing.toml"
WINDOW = 48  # characters before an actor mention in which a designation is attributed to it
DESIGNATIONS = ("pejorative", "institutional", "loaded")  # categories that designate an actor; others name events


@dataclass(frozen=True)
class Term:
    label: str
    category: str
    regex: re.Pattern[str]


@lru_cache(maxsize=8)
def load_lexicon(path: str | None = None) -> tuple[Term, ...]:
    p = Path(path) if path else DATA
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        return tuple(Term(t["label"], t["category"],
                          re.compile(rf"\b(?:{t['pattern']})\b", 0 if t.get("case_sensitive") else re.I))
                     for t in data["term"])
    except (OSError, KeyError, TypeError, re.error, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the framing lexicon {p}: {exc}", hint="see docs/stories.md") from exc


def article_terms(text: str, mentions: list[dict[str, Any]], lexicon: tuple[Term, ...] | None = None,
                  ) -> Counter[tuple[str, str, str | None]]:
    """``(label, category, actor id or None)`` counts for one article's clean text."""
    lexicon = lexicon or load_lexicon()
    spans = sorted((m["start"], m["end"], m["actor_id"], m["kind"]) for m in mentions)
    out: Counter[tuple[str, str, str | None]] = Counter()
    for term in lexicon:
        designation = term.category in DESIGNATIONS
        for hit in term.regex.finditer(text):
            target = None
            for start, end, actor, kind in (spans if designation else ()):
                inside = start <= hit.start() and hit.end() <= end and kind in ("description", "title")
                before = 0 <= start - hit.end() <= WINDOW and "." not in text[hit.end():start]
                if inside or before:
                    target = actor
                    break
            out[(term.label, term.category, target)] += 1
    return out


def story_framing(store: Any, story_id: str) -> dict[str, dict[str, Any]]:
    """Per source of the story: its terms, and the terms only it uses (the contrast)."""
    c = store.conn
    members = c.execute(
        "SELECT a.id, a.outlet, a.text, m.is_copy FROM story_members m JOIN articles a ON a.id = m.article_id"
        " WHERE m.story_id = ? ORDER BY a.id", (story_id,)).fetchall()
    by_source: dict[str, Counter[tuple[str, str, str | None]]] = {}
    for article_id, outlet, text, is_copy in members:
        if is_copy:
            continue
        mentions = [dict(r) for r in c.execute(
            'SELECT start, "end", actor_id, kind FROM mentions WHERE article_id = ?', (article_id,))]
        source = outlet or f"unknown outlet (article {article_id})"
        by_source.setdefault(source, Counter()).update(article_terms(text, mentions))
    out: dict[str, dict[str, Any]] = {}
    for source, terms in by_source.items():
        others: set[str] = set()
        for other, t in by_source.items():
            if other != source:
                others.update(label for label, _, _ in t)
        out[source] = {"terms": terms, "only_here": sorted({label for label, _, _ in terms} - others)}
    return out

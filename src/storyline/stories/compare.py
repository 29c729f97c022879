"""Cross-source comparison: which facts (sentences/claims) of a story each source shares with others
and which are unique to it.

Sentences of the story's independent reports (copies count once) are grouped into *claims*: two
sentences from different sources are the same claim when their content words overlap strongly
(at least ``min_shared`` content words in common, and Jaccard ≥ ``jaccard`` or ≥ ``containment`` of the
shorter sentence's words) — this matches re-edits and close paraphrases ("said there was unprecedented
pressure from the West" / "There is unprecedented pressure from the West on us"), not free rewording;
claims are transitive groups, so a long sentence can join two shorter ones. Candidates come from an inverted index on content
words, not all pairs. Every claim keeps the span of each sentence that carries it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# A sentence starts only where one can (text start, after a terminator or a line break, or after a
# terminator's closing quote): without that guard every position of a long line that ends without a
# terminator was tried and scanned to the line end (quadratic). Same matches as without it.
_SENT = re.compile(r"(?:(?<![^.!?\n…])|(?<=[.!?…][”\"’']))[^.!?\n]+(?:[.!?…]+[”\"’']?|$)")
_WORD = re.compile(r"[^\W\d_]{3,}|\d[\d,.]*")
_STOP = frozenset("the and for that with this from have has was were said will would been their they its are not "
                  "but who which after also had than more about into over his her she him them there when what".split())


@dataclass
class ClaimSpan:
    article_id: str
    source: str
    start: int
    end: int
    text: str


@dataclass
class Claim:
    spans: list[ClaimSpan] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({s.source for s in self.spans})


def sentences(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _SENT.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if len(text[s:e].split()) >= 5:
            out.append((s, e, text[s:e]))
    return out


def _words(sentence: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(sentence) if w.lower() not in _STOP)


def compare(members: Sequence[tuple[str, str, str]], *, jaccard: float = 0.5, containment: float = 0.55,
            min_shared: int = 4) -> list[Claim]:
    """``members``: (article_id, source, clean text) of a story's independent reports. Returns its claims,
    shared ones (several sources) first, each with the spans that carry it."""
    items: list[tuple[ClaimSpan, frozenset[str]]] = []
    for article_id, source, text in members:
        for s, e, sent in sentences(text):
            words = _words(sent)
            if len(words) >= 3:
                items.append((ClaimSpan(article_id, source, s, e, sent), words))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[str, list[int]] = {}
    for i, (_, words) in enumerate(items):
        for w in words:
            index.setdefault(w, []).append(i)
    for i, (span, words) in enumerate(items):
        shared: dict[int, int] = {}
        for w in words:
            for j in index[w]:
                if j < i:
                    shared[j] = shared.get(j, 0) + 1
        for j, n in shared.items():
            other_span, other = items[j]
            if other_span.source == span.source:
                continue
            union = len(words | other)
            if n >= min_shared and (n / union >= jaccard or n / min(len(words), len(other)) >= containment):
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, Claim] = {}
    for i, (span, _) in enumerate(items):
        groups.setdefault(find(i), Claim()).spans.append(span)
    claims = list(groups.values())
    claims.sort(key=lambda c: (-len(c.sources), c.spans[0].article_id, c.spans[0].start))
    return claims

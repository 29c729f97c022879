"""Line/block cleaner for already-extracted text and markdown.

The input is split into lines; each line is normalised (markdown syntax removed, whitespace
collapsed) and then judged by, in order:

1. the rules in ``clean/rules/text.toml`` (navigation, calls to action, appeals, related lists,
   captions, legal notices…), each hit a removal span with the rule's reason code;
2. header recognition (:mod:`storyline.clean.header`): title, dek, byline, date line,
   ``Original url:`` lines — removed from the body with ``meta_*`` reasons and reported in
   :attr:`CleanResult.meta`;
3. repeated lines (``duplicate``) and trailing teasers of other articles (``teaser``);
4. on full-page scrapes only (many short lines), a trained line classifier
   (:mod:`storyline.clean.model`), reason ``boilerplate``.

Kept lines become paragraphs joined by a blank line; a paragraph broken mid-sentence is
re-joined with a space. Only characters inside removal spans are dropped, so the clean text's
non-whitespace characters are exactly the input's minus the removals.
"""

from __future__ import annotations

import bisect
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..model import Span
from . import header

_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MAX_RULE_LINE = 3000  # longer lines are prose; line rules never look at them

# markdown syntax (each pattern bounded, no nested quantifiers)
_MD_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_MD_QUOTE = re.compile(r"[ \t]{0,3}>[ \t]?")
_MD_BULLET = re.compile(r"[ \t]{0,3}[-*+][ \t]+")
_MD_RULE = re.compile(r"[ \t]{0,3}(?:[-*_][ \t]{0,2}){3,40}")
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^()\s]{0,2000}(?:\s+\"[^\"\n]{0,300}\")?\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\(([^()\s]{0,2000})(?:\s+\"[^\"\n]{0,300}\")?\)")
_MD_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^<>\s]{1,2000}>", re.IGNORECASE)
_MD_STRONG = re.compile(r"\*\*|__")
_MD_DETECT = re.compile(r"\]\([^()\s]{0,2000}\)|\*\*[^*\n]{1,300}\*\*|^#{1,6} \S|<https?://", re.MULTILINE)

_TERMINAL = ".!?…:;\"'”’»)]"
_LIST_ITEM = re.compile(r"(?:\d{1,3}[.)]|[-*•·–—▪►])\s")
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)[\"'”’]?$")
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class CleanResult:
    """Clean body, what was removed (spans into the input) and header metadata found."""

    text: str
    removals: list[Span]
    meta: dict[str, Span]


@dataclass(slots=True)
class _Line:
    """One non-empty input line; offsets into the input, ``norm`` is what rules see."""

    start: int
    end: int
    raw: str
    norm: str
    blank_before: bool
    md: list[tuple[int, int, str]] = field(default_factory=list)
    reason: str | None = None
    rule: str | None = None
    words: int = 0
    low: str = ""  # ``norm`` in lower case: what rule patterns are matched against


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule from ``rules/text.toml``; see that file and docs/cleaning.md."""

    name: str
    reason: str
    kind: str
    scope: str
    pattern: re.Pattern[str]
    description: str
    max_words: int | None = None
    end: re.Pattern[str] | None = None
    max_lines: int = 15
    max_items: int = 12
    head_lines: int = 15
    tail_lines: int = 15
    min_parts: int = 3


_ESCAPE = re.compile(r"\\.")


def _compile_lower(name: str, pattern: str) -> re.Pattern[str]:
    """Compile a rule pattern written in lower case; it is matched against lower-cased lines,
    which is case-insensitive matching without the cost of ``re.IGNORECASE``."""
    if any(ch.isupper() for ch in _ESCAPE.sub("", pattern)):
        raise ValueError(f"rule {name}: patterns must be written in lower case")
    return re.compile(pattern)


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """The rules of ``clean/rules/text.toml``, compiled (matched against lower-cased lines)."""
    raw = tomllib.loads(resources.files("storyline.clean.rules").joinpath("text.toml").read_text("utf-8"))
    rules = []
    for item in raw["rule"]:
        rules.append(
            Rule(
                name=item["name"],
                reason=item["reason"],
                kind=item["kind"],
                scope=item.get("scope", "any"),
                pattern=_compile_lower(item["name"], item["pattern"]),
                description=item["description"],
                max_words=item.get("max_words"),
                end=_compile_lower(item["name"], item["end"]) if "end" in item else None,
                max_lines=item.get("max_lines", 15),
                max_items=item.get("max_items", 12),
                head_lines=item.get("head_lines", 15),
                tail_lines=item.get("tail_lines", 15),
                min_parts=item.get("min_parts", 3),
            )
        )
    return tuple(rules)


def clean_text(text: str, *, fmt: str = "text") -> CleanResult:
    """Clean plain text or markdown (``fmt`` = ``"text"`` | ``"markdown"``).

    Markdown syntax is also removed from ``text`` input that clearly contains it.
    """
    lines, meta = prepare_lines(text, fmt=fmt)
    _apply_classifier(lines)
    _find_outlet(lines, meta)
    return CleanResult(text=_assemble(text, lines), removals=_removals(lines), meta=meta)


def prepare_lines(text: str, *, fmt: str = "text") -> tuple[list[_Line], dict[str, Span]]:
    """Everything before the line classifier: lines with rule/header/duplicate/teaser verdicts.

    Exposed for ``benchmarks/train_line_model.py``, which trains on exactly these lines.
    """
    markdown = fmt == "markdown" or bool(_MD_DETECT.search(text[:200_000]))
    lines = _split_lines(text, markdown=markdown)
    meta: dict[str, Span] = {}
    _find_urls(text, lines, meta)
    _find_date_and_byline(text, lines[:12], meta)
    _apply_rules(lines)
    _find_title(text, _head_zone(lines), meta)
    _mark_duplicates(lines, meta.get("title"))
    _mark_tail_teasers(lines)
    return lines, meta


# ---------------------------------------------------------------- lines and markdown


def _split_lines(text: str, *, markdown: bool) -> list[_Line]:
    lines: list[_Line] = []
    pos, blank = 0, False
    for brk in [*_LINE_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        raw = text[pos:end]
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = pos + lead
            line = _Line(start, start + len(stripped), stripped, "", blank)
            line.md = _markdown_spans(stripped, start) if markdown else []
            line.norm = _normalise(stripped, start, line.md)
            line.words = line.norm.count(" ") + 1 if line.norm else 0
            line.low = line.norm.lower()
            lines.append(line)
            blank = False
        else:
            blank = pos != end or brk is not None
        if brk:
            pos = brk.end()
    return lines


def _markdown_spans(line: str, offset: int) -> list[tuple[int, int, str]]:
    """Spans (absolute offsets) of markdown syntax characters in one stripped line."""
    if _MD_RULE.fullmatch(line):
        return [(offset, offset + len(line), "md_rule")]
    spans: list[tuple[int, int, str]] = []
    head = _MD_HEADING.match(line) or _MD_QUOTE.match(line) or _MD_BULLET.match(line)
    if head and head.end() > 0:
        spans.append((0, head.end(), "md_block"))
    body_start = head.end() if head else 0
    images = [(m.start(), m.end()) for m in _MD_IMAGE.finditer(line, body_start)]
    spans.extend((s, e, "md_image") for s, e in images)
    taken = list(images)
    for m in _MD_LINK.finditer(line, body_start):
        if not _covered(m.start(), images):
            spans.append((m.start(), m.start() + 1, "md_link"))
            spans.append((m.end(1), m.end(), "md_link"))
            taken.append((m.start(), m.end()))
    for m in _MD_AUTOLINK.finditer(line, body_start):
        spans.append((m.start(), m.start() + 1, "md_autolink"))
        spans.append((m.end() - 1, m.end(), "md_autolink"))
        taken.append((m.start(), m.end()))
    taken.sort()
    strong = [m for m in _MD_STRONG.finditer(line, body_start) if not _covered(m.start(), taken)]
    if len(strong) % 2 == 0:
        spans.extend((m.start(), m.end(), "md_strong") for m in strong)
    spans.sort()
    return [(s + offset, e + offset, rule) for s, e, rule in _drop_overlaps(spans)]


def _covered(pos: int, ranges: list[tuple[int, int]]) -> bool:
    """``pos`` lies in one of the sorted, non-overlapping ``ranges`` (binary search)."""
    k = bisect.bisect_right(ranges, (pos, math.inf)) - 1
    return k >= 0 and ranges[k][0] <= pos < ranges[k][1]


def _drop_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for span in spans:
        if out and span[0] < out[-1][1]:
            continue
        out.append(span)
    return out


def _normalise(line: str, offset: int, md: list[tuple[int, int, str]]) -> str:
    if not md:
        return " ".join(line.split())  # collapses whitespace runs like ``\s+`` (same character class)
    parts, pos = [], 0
    for s, e, _ in md:
        parts.append(line[pos : s - offset])
        pos = e - offset
    parts.append(line[pos:])
    return " ".join("".join(parts).split())


# ---------------------------------------------------------------- rules


def _mark(line: _Line, reason: str, rule: str) -> None:
    if line.reason is None:
        line.reason, line.rule = reason, rule


def _in_scope(rule: Rule, index: int, total: int, first_body: int) -> bool:
    if rule.scope == "head":
        return index < min(rule.head_lines, first_body)
    if rule.scope == "tail":
        return index >= total - rule.tail_lines
    return True


def _line_hit(rule: Rule, line: _Line) -> bool:
    """Whether a rule of a kind other than ``line`` fires on ``line`` (scope checked by the caller)."""
    if rule.max_words is not None and line.words > rule.max_words:
        return False
    low = line.low
    if rule.kind == "prefix":
        return rule.pattern.match(low) is not None
    if rule.kind == "search":
        return rule.pattern.search(low) is not None
    if rule.kind == "separated":
        return _is_separated(rule, low)
    return rule.pattern.fullmatch(low) is not None


def _is_separated(rule: Rule, norm: str) -> bool:
    """``min_parts``+ short parts joined by separators and no sentence end: 'Home > News > World'."""
    if norm[-1:] in ".!?":
        return False
    parts = rule.pattern.split(norm)
    return len(parts) >= rule.min_parts and all(len(part.split()) <= 6 for part in parts)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """The rules prepared for matching: ``line`` rules as one alternation, the others in order,
    each with a page-level screen (:func:`_screen`)."""

    rules: tuple[Rule, ...]
    line_pattern: re.Pattern[str]  # group ``r<k>`` = k-th rule
    line_max_words: int
    others: tuple[tuple[int, Rule, re.Pattern[str]], ...]


def _page_pattern(rule: Rule) -> re.Pattern[str]:
    """The rule's pattern for one pass over the whole page (lines joined by ``\n``)."""
    body = rule.pattern.pattern
    if rule.kind == "prefix":
        body = f"^(?:{body})"
    elif rule.kind in {"list", "block"}:
        body = f"^(?:{body})$"
    return re.compile(body, re.MULTILINE)


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    rules = load_rules()
    line_rules = [(k, rule) for k, rule in enumerate(rules) if rule.kind == "line"]
    pattern = re.compile("|".join(f"(?P<r{k}>{rule.pattern.pattern})" for k, rule in line_rules))
    max_words = max(rule.max_words or _MAX_RULE_LINE for _, rule in line_rules)
    others = tuple((k, rule, _page_pattern(rule)) for k, rule in enumerate(rules) if rule.kind != "line")
    return _Compiled(rules, pattern, max_words, others)


def _screen(lines: list[_Line]) -> dict[int, set[int]]:
    """For each non-``line`` rule, the lines it may fire on: one regex pass over the page.

    A line's own match is also a match in the joined page (``^``/``$`` are line anchors there),
    unless an earlier page-level match overlaps it; every line a page-level match overlaps is
    kept, so the screen never drops a line the per-line test would accept.
    """
    joined: dict[int | None, tuple[str, list[int]]] = {}
    out: dict[int, set[int]] = {}
    for k, rule, page in _compiled().others:
        if rule.max_words not in joined:  # lines over the rule's word limit never fire: blank them
            texts = [line.low if rule.max_words is None or line.words <= rule.max_words else "" for line in lines]
            starts = [0]
            for text in texts[:-1]:
                starts.append(starts[-1] + len(text) + 1)
            joined[rule.max_words] = ("\n".join(texts), starts)
        text, starts = joined[rule.max_words]
        counts: dict[int, int] = {}
        for m in page.finditer(text):
            first = bisect.bisect_right(starts, m.start()) - 1
            last = bisect.bisect_right(starts, max(m.start(), m.end() - 1)) - 1
            for i in range(first, last + 1):
                counts[i] = counts.get(i, 0) + 1
        # a separated line needs min_parts - 1 separators (they never span a line break)
        need = rule.min_parts - 1 if rule.kind == "separated" else 1
        out[k] = {i for i, c in counts.items() if c >= need}
    return out


def _first_rule(line: _Line, index: int, total: int, first_body: int, screen: dict[int, set[int]]) -> Rule | None:
    """The first rule in file order that fires on ``line``.

    The combined alternation finds the first ``line`` rule whose pattern matches; a later
    alternative may still match when that rule is out of scope or over its word limit, so
    those cases fall back to trying the ``line`` rules one by one.
    """
    c = _compiled()
    first_line, exact = len(c.rules), True
    if line.words <= c.line_max_words:
        m = c.line_pattern.fullmatch(line.low)
        if m is not None and m.lastgroup:
            k = int(m.lastgroup[1:])
            rule = c.rules[k]
            if (rule.max_words is None or line.words <= rule.max_words) and _in_scope(rule, index, total, first_body):
                first_line = k
            else:
                first_line, exact = k + 1, False
    for k, rule, _ in c.others:
        if k >= first_line:
            break
        if index in screen[k] and _in_scope(rule, index, total, first_body) and _line_hit(rule, line):
            return rule
    if first_line < len(c.rules) and exact:
        return c.rules[first_line]
    if not exact:
        for k in range(first_line, len(c.rules)):
            rule = c.rules[k]
            if not _in_scope(rule, index, total, first_body):
                continue
            if rule.kind == "line":
                if (rule.max_words is None or line.words <= rule.max_words) and rule.pattern.fullmatch(line.low):
                    return rule
            elif index in screen[k] and _line_hit(rule, line):
                return rule
    return None


def _apply_rules(lines: list[_Line]) -> None:
    total, i = len(lines), 0
    first_body = next((k for k, line in enumerate(lines) if _is_body(line)), total)
    screen = _screen(lines)
    while i < total:
        line = lines[i]
        rule = None
        if line.reason is None and line.norm and len(line.norm) <= _MAX_RULE_LINE:
            rule = _first_rule(line, i, total, first_body, screen)
        if rule is not None and rule.kind == "list":
            i = _mark_list(lines, i, rule)
        elif rule is not None and rule.kind == "block":
            i = _mark_block(lines, i, rule)
        else:
            if rule is not None:
                _mark(line, rule.reason, rule.name)
            i += 1


def _mark_list(lines: list[_Line], i: int, rule: Rule) -> int:
    """Header at ``i`` plus its list: numbered/bulleted items, else short title-like lines."""
    _mark(lines[i], rule.reason, rule.name)
    j, items = i + 1, 0
    numbered = j < len(lines) and _LIST_ITEM.match(lines[j].norm) is not None
    while j < len(lines) and items < rule.max_items:
        line = lines[j]
        if numbered:
            if not _LIST_ITEM.match(line.norm):
                break
        elif line.words > 25 or (line.norm[-1:] in ".!?" and not _ELLIPSIS_END.search(line.norm)):
            break
        _mark(line, rule.reason, rule.name)
        j += 1
        items += 1
    return j


_APPEAL_WORDS = re.compile(r"support|donat|contribut|subscri|journalis|member|independent|readers?\b", re.IGNORECASE)


def _mark_block(lines: list[_Line], i: int, rule: Rule) -> int:
    """From the start line through the end line (see the ``block`` kind in the rules file)."""
    assert rule.end is not None
    last = min(len(lines), i + rule.max_lines + 1)
    stop = None
    for j in range(i + 1, last):
        if len(lines[j].low) <= 200 and rule.end.fullmatch(lines[j].low):
            stop = j
            break
    if stop is None:
        block = lines[i + 1 :]
        wordy = sum(1 for line in block if _APPEAL_WORDS.search(line.norm))
        stop = len(lines) - 1 if len(block) < rule.max_lines and wordy * 2 >= len(block) else i
    for line in lines[i : stop + 1]:
        _mark(line, rule.reason, rule.name)
    return stop + 1


# ---------------------------------------------------------------- header metadata


def _meta_span(text: str, start: int, end: int, name: str, value: str | None = None, **attrs: Any) -> Span:
    span_attrs: dict[str, Any] = dict(attrs)
    if value is not None:
        span_attrs["value"] = value
    return Span(start, end, name, text[start:end], span_attrs)


def _content_bounds(line: _Line) -> tuple[int, int]:
    """Offsets of the line without leading/trailing markdown syntax (e.g. ``# `` of a heading)."""
    start, end = line.start, line.end
    for s, e, _ in line.md:
        if s == start:
            start = e
    for s, e, _ in reversed(line.md):
        if e == end:
            end = s
    return start, max(start, end)


def _is_body(line: _Line) -> bool:
    return line.words >= 15 and line.norm[-1:] in _TERMINAL


def _find_date_and_byline(text: str, head: list[_Line], meta: dict[str, Span]) -> None:
    """A date line and a "By …" line among the first lines (before any rule sees them)."""
    for line in head:
        if line.reason is not None:
            continue
        if _is_body(line):
            break
        value = header.date_line_value(line.norm)
        if value and "date" not in meta:
            s, e = _content_bounds(line)
            meta["date"] = _meta_span(text, s, e, "date", value)
            _mark(line, "meta_date", "date_line")
            continue
        by = header.byline_value(line.norm)
        if by and "byline" not in meta:
            s, e = _content_bounds(line)
            found = text.find(by, s, e)
            if found >= 0:
                s, e = found, found + len(by)
            meta["byline"] = _meta_span(text, s, e, "byline", by)
            _mark(line, "meta_byline", "byline")


def _head_zone(lines: list[_Line]) -> list[_Line]:
    """Lines before the first body paragraph, at most 12 lines."""
    head: list[_Line] = []
    for line in lines[:12]:
        if line.reason is None and _is_body(line):
            break
        head.append(line)
    return head


def _find_title(text: str, head: list[_Line], meta: dict[str, Span]) -> None:
    free = [line for line in head if line.reason is None]
    if not free:
        return
    title = free[0]
    is_heading = any(rule == "md_block" and title.raw.startswith("#") for _, _, rule in title.md)
    if not (is_heading or header.looks_like_title(title.norm)):
        return
    s, e = _content_bounds(title)
    meta["title"] = _meta_span(text, s, e, "title", title.norm)
    _mark(title, "meta_title", "title")
    rest = free[1:]
    if rest and "subtitle" not in meta and _is_dek(rest[0], rest[1:]):
        s, e = _content_bounds(rest[0])
        meta["subtitle"] = _meta_span(text, s, e, "subtitle", rest[0].norm)
        _mark(rest[0], "meta_subtitle", "dek")
        rest = rest[1:]
    if rest and "byline" not in meta and header.is_person_name(rest[0].norm):
        s, e = _content_bounds(rest[0])
        meta["byline"] = _meta_span(text, s, e, "byline", rest[0].norm)
        _mark(rest[0], "meta_byline", "byline_name")


def _is_dek(line: _Line, following: list[_Line]) -> bool:
    """A standfirst right under the title: 4–35 words, and a byline follows or it has no final period."""
    if not 4 <= line.words <= 35 or _ELLIPSIS_END.search(line.norm):
        return False
    if following and header.is_person_name(following[0].norm):
        return True
    return line.norm[-1:] not in ".:;," and line.words >= 6


def _find_urls(text: str, lines: list[_Line], meta: dict[str, Span]) -> None:
    """``Original url:`` label lines, the URL line after them, and bare URL lines."""
    labelled = False
    for line in lines:
        if line.reason is not None or len(line.raw) > 2100:
            labelled = False
            continue
        url, only_url = header.url_line_value(line.raw)
        if only_url:
            _mark(line, "meta_url", "url_line")
            if url and "url" not in meta:
                start = text.index(url, line.start)
                meta["url"] = _meta_span(text, start, start + len(url), "url", url)
                outlet = header.outlet_for_url(url)
                if outlet:
                    host = text.index("//", start) + 2
                    host_end = host + len(url[host - start :].split("/", 1)[0])
                    meta["outlet"] = _meta_span(text, host, host_end, "outlet", outlet, source="url_domain")
            labelled = url is None
        elif labelled and url is None:
            labelled = False


def _find_outlet(lines: list[_Line], meta: dict[str, Span]) -> None:
    """Outlet from a known outlet name in an appeal, legal or header line (not in body prose)."""
    if "outlet" in meta:
        return
    for line in lines:
        if line.reason not in {"appeal", "legal", "meta_byline", "call_to_action"}:
            continue
        found = header.find_outlet_name(line.raw)
        if found:
            s, e, name = found
            meta["outlet"] = Span(line.start + s, line.start + e, "outlet", line.raw[s:e], {"value": name, "source": "text"})
            return


# ---------------------------------------------------------------- duplicates and teasers


def _key(line: _Line) -> str:
    return " ".join(_WORD.findall(line.low))


def _mark_duplicates(lines: list[_Line], title: Span | None) -> None:
    """A line repeating the title, or the line right before it, is a ``duplicate``.

    Repeats further apart are left alone: on full pages the first copy is often a teaser and
    the second the article's own (the classifier sees a ``repeated`` feature instead).
    """
    title_key = " ".join(_WORD.findall(str((title.attrs or {}).get("value", "")).lower())) if title else ""
    previous = ""
    for line in lines:
        key = _key(line)
        if line.reason is None and key:
            if key == title_key:
                _mark(line, "duplicate", "duplicate_title")
            elif key == previous:
                _mark(line, "duplicate", "duplicate_line")
        previous = key


_STOP = frozenset(
    "the a an of to in and or for on at by with from as is are was were be been has have had it its this that "
    "these those he she they we you i his her their our not but also after before over into about than more".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2 and not w.isdigit()}


def _mark_tail_teasers(lines: list[_Line]) -> None:
    """Trailing teasers of other articles: a tail run of fragment/ellipsis lines off the topic.

    Walking back from the end over removed lines and teaser-like lines (ending in an ellipsis or
    without final punctuation); the run is removed when it holds an ellipsis or truncated teaser
    and shares almost no content words with the kept body above it.
    """
    run: list[_Line] = []
    for line in reversed(lines):
        if line.reason is not None:
            continue
        if _ELLIPSIS_END.search(line.norm) or line.norm[-1:] not in _TERMINAL:
            run.append(line)
            continue
        break
    strong = [line for line in run if line.words >= 8]
    if not strong:
        return
    in_run = {id(line) for line in run}
    body = [line for line in lines if line.reason is None and id(line) not in in_run]
    body_words = _content_words(" ".join(line.norm for line in body))
    if len(body_words) < 20:
        return
    tail_words = _content_words(" ".join(line.norm for line in run))
    if tail_words and len(tail_words & body_words) <= 0.25 * len(tail_words):
        for line in run:
            _mark(line, "teaser", "tail_teaser")


# ---------------------------------------------------------------- classifier


def _apply_classifier(lines: list[_Line]) -> None:
    from . import model

    model.apply(lines)


# ---------------------------------------------------------------- output


def _removals(lines: list[_Line]) -> list[Span]:
    spans: list[Span] = []
    for line in lines:
        if line.reason is not None:
            spans.append(Span(line.start, line.end, line.reason, line.raw, {"rule": line.rule}))
            continue
        base = line.start
        for s, e, rule in line.md:
            spans.append(Span(s, e, "markdown", line.raw[s - base : e - base], {"rule": rule}))
    return spans


def _kept_text(text: str, line: _Line) -> str:
    if not line.md:
        return " ".join(line.raw.split())
    parts, pos = [], line.start
    for s, e, _ in line.md:
        parts.append(text[pos:s])
        pos = e
    parts.append(text[pos : line.end])
    return " ".join("".join(parts).split())


def _breaks_mid_sentence(prev: str, nxt: str) -> bool:
    """``prev`` stops mid-sentence (on a letter or comma) and ``nxt`` continues it in lower case."""
    if not prev or not nxt[:1].islower():
        return False
    return prev[-1].isalpha() or prev[-1] == ","


def _assemble(text: str, lines: list[_Line]) -> str:
    paragraphs: list[str] = []
    for line in lines:
        if line.reason is not None:
            continue
        piece = _kept_text(text, line)
        if not piece:
            continue
        if paragraphs and _breaks_mid_sentence(paragraphs[-1], piece):
            paragraphs[-1] = f"{paragraphs[-1]} {piece}"
        else:
            paragraphs.append(piece)
    return "\n\n".join(paragraphs)

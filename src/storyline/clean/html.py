"""HTML → main text + metadata (trafilatura), with a record of everything that was dropped.

:func:`extract_html` parses the page once (trafilatura's own loader), renders a naive
*page text* (every visible-to-a-scraper text block, one line per block element) and runs
trafilatura on the same tree for the main text and the metadata. The main text's lines are
then aligned to the page text so that every page-text part *not* in the main text becomes a
``html_boilerplate`` removal span — nothing is lost silently.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from storyline.model import Span

# trafilatura logs every discarded page at WARNING/ERROR; the caller records our error code instead.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

import trafilatura  # noqa: E402  (after the logger setup on purpose)
from trafilatura.utils import load_html  # noqa: E402

BOILERPLATE = "html_boilerplate"

# Elements whose content is never page text (fallback content of embeds included).
_DROP_TAGS = frozenset(
    "head script style noscript template svg iframe object embed canvas audio video".split()
)
# Elements that start and end a line.
_BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 header hgroup hr html
    legend li main menu nav ol optgroup option p pre section summary table tbody td tfoot th
    thead tr ul""".split()
)
# Landmark tags worth naming in a removal's attrs.
_LANDMARKS = frozenset("nav header footer aside form menu figcaption".split())
_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")
_BREAK = None  # marker for a line break in the rendered piece stream

# Trafilatura options chosen by measurement on AEB / WCXB (see docs/html.md): run the
# balanced default and precision mode, keep precision's text unless it dropped too much.
# Content the page text leaves out (noscript fallbacks, templates) is pruned for trafilatura too,
# so that the main text is grounded in the page text.
_TRAFILATURA_OPTS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "prune_xpath": ["//noscript", "//template"],
}
_PRECISION_MIN_SHARE = 0.5  # precision text must keep this share of the default's tokens
# trafilatura's extraction and readability comparison grow faster than linearly with page size:
# above this many characters, one pass without the fallback comparison ("fast").
_LARGE_PAGE_CHARS = 2_000_000
# Main lines at least this many tokens long are aligned first and anchor the shorter ones.
_ANCHOR_TOKENS = 6


@dataclass(slots=True)
class HtmlResult:
    """Result of :func:`extract_html`.

    ``text`` — main text, paragraphs separated by exactly one blank line;
    ``page_text`` — naive full-page text, one line per block element;
    ``removals`` — spans into ``page_text`` for every non-empty line part not in ``text``;
    ``meta`` — title, byline, published, published_source, outlet, url, language, description;
    ``error`` — ``"html_parse_error"`` / ``"no_content"`` when there is no usable text.
    """

    text: str = ""
    page_text: str = ""
    removals: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def extract_html(html: str, *, url: str | None = None) -> HtmlResult:
    """Extract the main text, metadata, page text and removals of one HTML page. Never raises."""
    try:
        return _extract(html, url)
    except Exception:  # noqa: BLE001 — contract: never raise; the code tells the caller why
        return HtmlResult(meta={"url": url} if url else {}, error="html_parse_error")


def _extract(html: str, url: str | None) -> HtmlResult:
    if isinstance(html, str) and not html.strip():
        return HtmlResult(meta={"url": url} if url else {}, error="no_content")
    tree = _parse(html)
    if tree is None:
        return HtmlResult(meta={"url": url} if url else {}, error="html_parse_error")
    page_text, tags = render_page_text(tree)
    doc = _run_trafilatura(tree, url, len(html))
    meta = _metadata(doc, tree, url)
    text = _tidy(_paragraphs(doc.text if doc is not None else ""), meta.get("title"))
    if not _WORD_RE.search(text):
        removals = _removals(page_text, tags, [])
        return HtmlResult("", page_text, removals, meta, "no_content")
    covered = align(text, page_text)
    return HtmlResult(text, page_text, _removals(page_text, tags, covered), meta, None)


# Large pages: script/style bodies (JSON-LD kept for metadata) and long data: URIs are cut
# before parsing; libxml2 truncates a document at a text node or attribute over 10 MB.
# Opening and closing tags are searched separately (one lazy ``<script>.*?</script>`` pattern is
# quadratic on a page of many unclosed ``<script>`` tags: each one scans to the end of the page).
_SCRIPT_STYLE_OPEN_RE = re.compile(r"<(script|style)\b([^<>]{0,4000})>", re.IGNORECASE)
_SCRIPT_STYLE_CLOSE_RE = {name: re.compile(rf"</{name}\s{{0,100}}>", re.IGNORECASE) for name in ("script", "style")}
_DATA_URI_RE = re.compile(r"data:[^\"'\s)>]{512,}")


def _shrink(html: str) -> str:
    """Empty every closed ``<script>``/``<style>`` element except JSON-LD, shorten long data: URIs.

    Linear in the page size: an opening tag without a closing tag after it is left as it is, and
    once a tag has no closing tag ahead, later openings of it are not searched again.
    """
    parts: list[str] = []
    pos = search = 0
    unclosed: set[str] = set()
    while (opening := _SCRIPT_STYLE_OPEN_RE.search(html, search)) is not None:
        name = opening.group(1).lower()
        closing = None if name in unclosed else _SCRIPT_STYLE_CLOSE_RE[name].search(html, opening.end())
        if closing is None:
            unclosed.add(name)
            search = opening.end()
            continue
        parts.append(html[pos : opening.start()])
        if "ld+json" in opening.group(2).lower():
            parts.append(html[opening.start() : closing.end()])
        else:
            parts.append(f"<{opening.group(1)}{opening.group(2)}></{opening.group(1)}>")
        pos = search = closing.end()
    parts.append(html[pos:])
    return _DATA_URI_RE.sub("data:,", "".join(parts))


def _parse(html: str) -> HtmlElement | None:
    """Parse with trafilatura's loader; wrap bare fragments it rejects in a document."""
    if not isinstance(html, str):
        return None
    if len(html) > _LARGE_PAGE_CHARS:
        html = _shrink(html)
    tree = load_html(html)
    if tree is None or len(tree) == 0:
        tree = load_html(f"<html><body><div>{html}</div></body></html>")
    return tree


def _run_trafilatura(tree: HtmlElement, url: str | None, size: int) -> Any:
    """Main text + metadata: precision mode unless it kept too little of the balanced text."""
    if size > _LARGE_PAGE_CHARS:
        return trafilatura.bare_extraction(tree, url=url, with_metadata=True, fast=True, **_TRAFILATURA_OPTS)
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, **_TRAFILATURA_OPTS)
    precise = trafilatura.bare_extraction(tree, url=url, favor_precision=True, **_TRAFILATURA_OPTS)
    if doc is None:
        return None
    n_default = len(_WORD_RE.findall(doc.text or ""))
    n_precise = len(_WORD_RE.findall(precise.text or "")) if precise is not None else 0
    if n_default and n_precise >= _PRECISION_MIN_SHARE * n_default:
        doc.text = precise.text
    return doc


def _paragraphs(text: str) -> str:
    """Trafilatura's one-block-per-line text → paragraphs separated by one blank line."""
    lines = (_WS_RE.sub(" ", line).strip() for line in (text or "").split("\n"))
    return "\n\n".join(line for line in lines if line)


def _tidy(text: str, title: str | None) -> str:
    """Drop a leading paragraph that repeats the title (it is kept in metadata) and paragraphs
    without any word character (``-`` of empty list items, ``***``)."""
    paragraphs = text.split("\n\n") if text else []
    if paragraphs and title and _alnum(paragraphs[0]) == _alnum(title):
        paragraphs = paragraphs[1:]
    return "\n\n".join(p for p in paragraphs if _WORD_RE.search(p))


# ---------------------------------------------------------------------------- page text


def _pieces(root: HtmlElement) -> Iterator[tuple[str | None, str | None]]:
    """Yield ``(text, landmark)`` pieces in document order; ``text`` is None for a line break."""
    landmarks: list[str] = []
    in_pre = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag or tag in _DROP_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS or tag == "br":
                yield _BREAK, None
            if tag in _LANDMARKS:
                landmarks.append(tag)
            in_pre += tag == "pre"
            if el.text:
                yield from _text_pieces(el.text, in_pre > 0, landmarks)
            continue
        if tag and tag not in _DROP_TAGS:
            if tag in _LANDMARKS:
                landmarks.pop()
            in_pre -= tag == "pre"
            if tag in _BLOCK_TAGS:
                yield _BREAK, None
        if el.tail and el is not root:
            yield from _text_pieces(el.tail, in_pre > 0, landmarks)


def _text_pieces(text: str, in_pre: bool, landmarks: list[str]) -> Iterator[tuple[str | None, str | None]]:
    landmark = landmarks[-1] if landmarks else None
    if not in_pre:
        yield text, landmark
        return
    for i, line in enumerate(text.split("\n")):
        if i:
            yield _BREAK, None
        yield line, landmark


def render_page_text(root: HtmlElement) -> tuple[str, list[str | None]]:
    """Naive page text of a parsed page, and per line the innermost landmark tag (nav, footer…).

    Head, scripts, styles, embeds' fallback content and comments are dropped; every block
    element and ``<br>`` breaks the line; whitespace runs collapse to one space; empty lines go.
    """
    lines: list[str] = []
    tags: list[str | None] = []
    buf: list[str] = []
    tag: str | None = None

    def flush() -> None:
        line = _WS_RE.sub(" ", "".join(buf)).strip()
        if line:
            lines.append(line)
            tags.append(tag)
        buf.clear()

    for text, landmark in _pieces(root):
        if text is None:
            flush()
            tag = None
        else:
            if not buf or tag is None:
                tag = landmark
            buf.append(text)
    flush()
    return "\n".join(lines), tags


# ---------------------------------------------------------------------------- alignment


class _TokenIndex:
    """The page's ``\\w+`` tokens, lower-cased, as one space-joined string searchable with find."""

    def __init__(self, page_text: str) -> None:
        matches = list(_WORD_RE.finditer(page_text))
        self.spans = [(m.start(), m.end()) for m in matches]
        words = [m.group().lower() for m in matches]
        self.starts: list[int] = []  # offset of each token in `joined`
        pos = 1
        for w in words:
            self.starts.append(pos)
            pos += len(w) + 1
        self.joined = " " + " ".join(words) + " "

    def find(self, key: str, lo: int, hi: int | None = None) -> int:
        """Index of the first token where ``key`` (space-joined tokens) starts, in [lo, hi); -1 if none."""
        if lo >= len(self.starts):
            return -1
        start = self.starts[lo] - 1
        end = len(self.joined) if hi is None or hi >= len(self.starts) else self.starts[hi]
        pos = self.joined.find(f" {key} ", start, end)
        return -1 if pos < 0 else bisect.bisect_left(self.starts, pos + 1)


def align(text: str, page_text: str) -> list[tuple[int, int]]:
    """Character intervals of ``page_text`` covered by the lines of ``text``, in page order.

    Token-level and case-insensitive, so it is robust to whitespace and punctuation
    normalisation. Long lines are placed first, in order, each searched from the previous
    one's end (falling back to anywhere); short lines are then searched between their
    neighbouring anchors. A line not found whole is matched in chunks of tokens.
    """
    index = _TokenIndex(page_text)
    lines = [[w.lower() for w in _WORD_RE.findall(line)] for line in text.split("\n")]
    lines = [toks for toks in lines if toks]
    placed: list[tuple[int, int] | None] = [None] * len(lines)  # token [start, end) per line
    cursor = 0
    for i, toks in enumerate(lines):
        if len(toks) >= _ANCHOR_TOKENS:
            hit = _place(index, toks, cursor, None)
            if hit is not None:
                placed[i] = hit
                cursor = max(cursor, hit[1])
    chunks: list[tuple[int, int]] = [p for p in placed if p is not None]
    # start of the next anchor after each line (computed once: a scan per line is quadratic)
    next_anchor: list[int | None] = [None] * len(lines)
    following: int | None = None
    for i in range(len(lines) - 1, -1, -1):
        next_anchor[i] = following
        if placed[i] is not None:
            following = placed[i][0]  # type: ignore[index]
    lo = 0
    for i, toks in enumerate(lines):
        if placed[i] is not None:
            lo = placed[i][1]  # type: ignore[index]
            continue
        hi = next_anchor[i]
        hit = _place(index, toks, lo, hi)
        if hit is not None:
            placed[i] = hit
            chunks.append(hit)
            lo = hit[1]
        else:
            chunks.extend(_place_chunks(index, toks, lo, hi))
    return _token_chunks_to_chars(index, chunks)


def _place(index: _TokenIndex, toks: list[str], lo: int, hi: int | None) -> tuple[int, int] | None:
    """Find the whole token sequence in the window, else after ``lo``, else anywhere."""
    key = " ".join(toks)
    windows = dict.fromkeys(((lo, hi), (lo, None), (0, None)))
    for a, b in windows:
        at = index.find(key, a, b)
        if at >= 0:
            return (at, at + len(toks))
    return None


def _place_chunks(index: _TokenIndex, toks: list[str], lo: int, hi: int | None, size: int = 4) -> list[tuple[int, int]]:
    """Match a line trafilatura altered in chunks of ``size`` tokens, searching forward from ``lo``."""
    found: list[tuple[int, int]] = []
    for k in range(0, len(toks), size):
        part = toks[k : k + size]
        at = index.find(" ".join(part), lo, hi)
        if at >= 0:
            found.append((at, at + len(part)))
            lo = at + len(part)
    return found


def _token_chunks_to_chars(index: _TokenIndex, chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge token intervals and map them to sorted, disjoint character intervals."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(c for c in chunks if c[1] > c[0]):
        start, end = index.spans[a][0], index.spans[b - 1][1]
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _removals(page_text: str, tags: list[str | None], covered: list[tuple[int, int]]) -> list[Span]:
    """One span per non-empty page-text line part outside ``covered``.

    A part without any word character that touches covered text on its line (closing
    punctuation, quote marks) counts as covered.
    """
    spans: list[Span] = []
    ci = 0
    pos = 0
    for line_no, line in enumerate(page_text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        while ci < len(covered) and covered[ci][1] <= start:
            ci += 1
        inside: list[tuple[int, int]] = []
        k = ci
        while k < len(covered) and covered[k][0] < end:
            inside.append((max(covered[k][0], start), min(covered[k][1], end)))
            k += 1
        for a, b in _gaps(start, end, inside):
            a, b = _strip(page_text, a, b)
            if a >= b:
                continue
            if inside and not _WORD_RE.search(page_text, a, b):
                continue
            tag = tags[line_no] if line_no < len(tags) else None
            spans.append(Span(a, b, BOILERPLATE, page_text[a:b], {"tag": tag} if tag else {}))
    return spans


def _gaps(start: int, end: int, inside: list[tuple[int, int]]) -> list[tuple[int, int]]:
    gaps: list[tuple[int, int]] = []
    cur = start
    for a, b in inside:
        if a > cur:
            gaps.append((cur, a))
        cur = max(cur, b)
    if cur < end:
        gaps.append((cur, end))
    return gaps


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# ---------------------------------------------------------------------------- metadata

_DATE_META_XPATH = (
    "//meta[contains(translate(@property|@name|@itemprop,'DATEPUBLISHIMR','datepublishimr'),'date')"
    " or contains(translate(@property|@name|@itemprop,'PUBLISHED','published'),'publish')]/@content"
)


def _metadata(doc: Any, tree: HtmlElement, url: str | None) -> dict[str, Any]:
    """Metadata fields from trafilatura's document plus language and the date's source."""
    get = (lambda name: getattr(doc, name, None) or None) if doc is not None else (lambda name: None)
    published = get("date")
    meta: dict[str, Any] = {
        "title": _title(tree, get("title"), get("sitename"), url or get("url")),
        "byline": get("author"),
        "published": published,
        "published_source": _date_source(tree, published, url) if published else None,
        "outlet": get("sitename"),
        "url": url or get("url"),
        "language": _language(tree),
        "description": get("description"),
    }
    return {k: v for k, v in meta.items() if v}


# a blank run is entered only at its start ((?<!\s)) and never given back (\s++): linear on long blank runs
_TITLE_SEP_RE = re.compile(r"(?<!\s)\s++[|\-–—·•»]\s+|(?:(?<!\s)\s++)?\|\s*")


def _alnum(value: str | None) -> str:
    return re.sub(r"\W+", "", (value or "").casefold())


def _title(tree: HtmlElement, title: str | None, sitename: str | None, url: str | None) -> str | None:
    """The headline: the page's only ``<h1>`` if it is not the site name, else the metadata title
    without trailing segments that name the site (``Headline | Site``)."""
    site = _alnum(sitename)
    host = _alnum(re.sub(r"^[a-z]+://(www\.)?", "", url or "").split("/")[0].rsplit(".", 1)[0])

    def names_site(segment: str) -> bool:
        seg = _alnum(segment)
        return bool(seg) and any(x and (seg in x or x in seg) for x in (site, host))

    h1s = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    h1s = [h for h in h1s if 3 <= len(h) <= 300]
    if len(h1s) == 1 and not names_site(h1s[0]):
        return h1s[0]
    while title:
        seps = list(_TITLE_SEP_RE.finditer(title))
        if not seps or not names_site(title[seps[-1].end() :]) or seps[-1].start() == 0:
            break
        title = title[: seps[-1].start()].strip()
    return title or None


def _date_source(tree: HtmlElement, date: str, url: str | None) -> str:
    """Where the published date most plausibly came from (htmldate does not say)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and date in (script.text or ""):
            try:
                data = json.loads(script.text or "")
            except ValueError:
                continue
            if date in json.dumps(_date_fields(data)):
                return "json_ld"
    if any(str(v).startswith(date) for v in tree.xpath(_DATE_META_XPATH)):
        return "html_meta"
    if any(str(v).startswith(date) for v in tree.xpath("//time/@datetime")):
        return "html_time"
    if url and (date in url or date.replace("-", "/") in url):
        return "url"
    return "htmldate"


def _date_fields(data: Any) -> list[str]:
    """Values of ``date*`` keys anywhere in a JSON-LD object."""
    out: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(key, str) and key.lower().startswith("date") and isinstance(value, str):
                    out.append(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _language(tree: HtmlElement) -> str | None:
    """Declared page language: ``<html lang>``, content-language or og:locale, as a lower-case tag."""
    root = tree.getroottree().getroot()
    candidates = [root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang")]
    candidates += tree.xpath("//meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']/@content")
    candidates += tree.xpath("//meta[@property='og:locale']/@content")
    for value in candidates:
        value = (value or "").strip().replace("_", "-").lower()
        if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})*", value):
            return value
    return None

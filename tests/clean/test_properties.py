"""Property tests of the clean stage on hostile documents: every RawDoc ends as an Article or a
Reject with a known reason; clean text is NUL-free valid text; every span lies inside the text
it points into (removals → ``original``; text-cleaner metadata → the input); same input, same output.

RawDocs are built the way the readers deliver them (content passed through ``scrub_text``: no NUL,
no lone surrogate), plus a direct check that the cleaners never *introduce* a NUL.
Derandomized and database-less for reproducible CI runs; see docs/fuzzing.md.
"""

from __future__ import annotations


from hypothesis import given
from hypothesis import strategies as st

from storyline.clean import CleanStage
from storyline.clean.html import extract_html
from storyline.clean.text import clean_text
from storyline.errors import REJECT_REASONS
from storyline.ingest.decode import scrub_text
from storyline.model import Article, RawDoc, Reject

from .._hypothesis import property_settings



CLEAN = CleanStage()
HOSTILE = "\x00\x01\x0b\x0c\x1c\x1d\x1e\x7f\x85\u200b\u200d\u200e\u200f\u202e\u2028\u2029\ufeff\ufffd\ud800\udfff"
hostile_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(HOSTILE), st.sampled_from("ab c\n\t.Мир")), max_size=200)
LINES = [
    "Skip to content", "Politics", "# A Headline About Things", "## Sub", "By [AFP](#)", "By Jane Doe and John Roe",
    "January 27, 2025", "27.01.2025 14:05", "Share this article", "Read also:", "Subscribe", "Follow us on Telegram",
    "  1. A numbered teaser line that goes on for a while.", "**Related article:** [Another story](#)",
    "The minister said on Monday that talks would continue next week, officials confirmed.", "and the talks went on",
    "Original url:", "<https://www.themoscowtimes.com/2025/01/27/a-story-a1>", "Photo: Jane Doe / Reuters",
    "![img](http://x.y/a.png)", "> a quote", "---", "* * *", "- item", "", "   ", "\u202eRTL override line",
    "Президент заявил в понедельник, что переговоры продолжатся на следующей неделе.",
]  # fmt: skip
text_docs = st.one_of(
    st.lists(st.one_of(st.sampled_from(LINES), hostile_text), max_size=40).map("\n".join),
    st.lists(st.sampled_from(LINES), max_size=40).map("\r\n".join),
    hostile_text,
)
TAGS = (
    "p div span b article main nav header footer aside pre table tr td ul li h1 h2 br script style noscript template svg form"
).split()


@st.composite
def html_docs(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["soup", "deep", "script_only", "empty_body", "article"]))
    if kind == "deep":
        tag, depth = draw(st.sampled_from(TAGS)), draw(st.integers(1, 600))
        return f"<html><body>{f'<{tag}>' * depth}{draw(st.sampled_from(LINES))}{f'</{tag}>' * draw(st.integers(0, depth))}"
    if kind == "script_only":
        return f"<html><head><script>{draw(hostile_text)}</script></head><body><script>x()</script></body></html>"
    if kind == "empty_body":
        return f"<html><head><title>{draw(hostile_text)}</title></head><body>{draw(st.sampled_from(['', '<br>', '<p> </p>']))}</body></html>"
    parts = draw(st.lists(st.one_of(
        st.sampled_from(TAGS).map(lambda t: f"<{t}>"), st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
        st.sampled_from(LINES), hostile_text,
        st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&#x110000;", "&bogus", "<!--", "-->", "<![CDATA[x]]>", "<?xml version='1.0'?>",
                         "<meta charset='utf-16'>", '<script type="application/ld+json">{"datePublished": "2025-01-27"}</script>',
                         '<meta property="article:published_time" content="2025-01-27">', "<html lang='ru'>"]),
    ), max_size=60))  # fmt: skip
    body = "".join(parts)
    return f"<html><body><article>{body}</article></body></html>" if kind == "article" else body


def _raw(content: str, fmt: str) -> RawDoc:
    return RawDoc(id="0123456789abcdef", source_id="s", fmt=fmt, content=scrub_text(content), provenance={"path": "p", "format": fmt})


def _check_out(raw: RawDoc, out: Article | Reject) -> None:
    assert isinstance(out, (Article, Reject))
    if isinstance(out, Reject):
        assert out.reason in REJECT_REASONS and out.reason != "internal_error", out.detail
        assert out.doc_id == raw.id and out.stage == "clean"
        return
    assert isinstance(out.text, str) and out.text.strip()
    assert "\x00" not in out.text
    out.text.encode("utf-8")
    for value in (out.title, out.byline, out.published, out.outlet, out.url, out.language):
        assert value is None or (isinstance(value, str) and "\x00" not in value)
    last = 0
    for span in out.removals:
        assert 0 <= span.start < span.end <= len(out.original), (span, len(out.original))
        assert span.start >= last, "removals overlap or are unsorted"
        assert out.original[span.start : span.end] == span.text
        assert span.label
        last = span.end


def _same(a: Article | Reject, b: Article | Reject) -> bool:
    if isinstance(a, Reject) or isinstance(b, Reject):
        return isinstance(a, Reject) and isinstance(b, Reject) and a.reason == b.reason
    return (a.text, a.title, a.published, [(s.start, s.end, s.label) for s in a.removals]) == (
        b.text, b.title, b.published, [(s.start, s.end, s.label) for s in b.removals])  # fmt: skip


@property_settings(150)
@given(doc=text_docs, fmt=st.sampled_from(["text", "markdown"]))
def test_text_and_markdown_end_as_article_or_reject(doc: str, fmt: str) -> None:
    raw = _raw(doc, fmt)
    out = CLEAN.process(raw)
    _check_out(raw, out)
    assert _same(out, CLEAN.process(_raw(doc, fmt)))


@property_settings(60)
@given(doc=html_docs())
def test_html_ends_as_article_or_reject(doc: str) -> None:
    raw = _raw(doc, "html")
    out = CLEAN.process(raw)
    _check_out(raw, out)
    assert _same(out, CLEAN.process(_raw(doc, "html")))


@property_settings(100)
@given(doc=text_docs, fmt=st.sampled_from(["text", "markdown"]))
def test_text_cleaner_spans_and_no_new_nul(doc: str, fmt: str) -> None:
    """Unscrubbed input: the text cleaner never raises, never adds a NUL, and its metadata
    spans name the input text they point into."""
    result = clean_text(doc, fmt=fmt)
    assert isinstance(result.text, str)
    assert result.text.count("\x00") <= doc.count("\x00")
    for span in [*result.removals, *result.meta.values()]:
        assert 0 <= span.start <= span.end <= len(doc)
        assert doc[span.start : span.end] == span.text


@property_settings(40)
@given(doc=st.one_of(html_docs(), hostile_text))
def test_extract_html_never_raises(doc: str) -> None:
    result = extract_html(doc)
    assert result.error in (None, "no_content", "html_parse_error")
    assert result.error in REJECT_REASONS or result.error is None
    assert "\x00" not in result.text
    if result.error is None:
        assert result.text.strip()
    for span in result.removals:
        assert 0 <= span.start < span.end <= len(result.page_text)
        assert result.page_text[span.start : span.end] == span.text

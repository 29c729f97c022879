"""Property tests of clean_text: it only removes, spans are sound, it never raises."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.clean.text import clean_text

LINES = st.sampled_from(
    [
        "Skip to content",
        "Politics",
        "# A Headline About Things",
        "By [AFP](#)",
        "January 27, 2025",
        "Share this article",
        "Read also:",
        "  1. A numbered teaser line that goes on for a while.",
        "**Related article:** [Another story](#)",
        "The minister said on Monday that talks would continue next week, officials confirmed.",
        "and the talks went on",
        "Original url:",
        "<https://www.themoscowtimes.com/2025/01/27/a-story-a1>",
        "A Message from The Moscow Times:",
        "Remind me later.",
        "Photo: Jane Doe / Reuters",
        "**bold** and __under__ text with a [link](http://x.y)",
        "",
        "   ",
        "\x00\x01 control",
    ]
)
DOCS = st.one_of(
    st.lists(LINES, max_size=60).map("\n".join),
    st.text(max_size=400),
    st.lists(st.one_of(LINES, st.text(max_size=40)), max_size=50).map("\n\n".join),
)


def _nonspace(text: str) -> str:
    return "".join(text.split())


def check_invariants(text: str, fmt: str = "text") -> None:
    result = clean_text(text, fmt=fmt)
    last_end = 0
    for span in result.removals:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= last_end, "removal spans overlap or are unsorted"
        assert span.text == text[span.start : span.end]
        assert span.label and span.attrs.get("rule")
        last_end = span.end
    kept, pos = [], 0
    for span in result.removals:
        kept.append(text[pos : span.start])
        pos = span.end
    kept.append(text[pos:])
    assert _nonspace(result.text) == _nonspace("".join(kept))
    assert result.text == result.text.strip()
    assert "\n\n\n" not in result.text
    for name, span in result.meta.items():
        assert span.label == name and span.text == text[span.start : span.end]


@settings(max_examples=150, deadline=None)
@given(DOCS, st.sampled_from(["text", "markdown"]))
def test_only_removes_and_spans_are_sound(text: str, fmt: str) -> None:
    check_invariants(text, fmt)


@settings(max_examples=30, deadline=None)
@given(DOCS)
def test_deterministic(text: str) -> None:
    first, second = clean_text(text), clean_text(text)
    assert first.text == second.text and first.removals == second.removals and first.meta == second.meta


def test_edge_inputs_do_not_raise() -> None:
    for text in ["", "\n\n\n", "\r\n\r\n", "\x00", "\u2028\u2029", "#", "**", "[](", "<https://>"]:
        check_invariants(text)


def test_one_megabyte_single_line_is_fast() -> None:
    text = ("word, more words [x](y) **z** " * 40_000)[:1_000_000]
    started = time.perf_counter()
    check_invariants(text)
    assert time.perf_counter() - started < 5


def test_many_short_lines_full_page_is_sound() -> None:
    lines = []
    for i in range(200):
        lines.append(f"Menu item {i}" if i % 3 else f"Paragraph {i} says that the council met and agreed on a plan today.")
    check_invariants("\n".join(lines))

"""Tests for storyline.clean.html: main text, metadata, page text, removals, error codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import fromstring

from storyline.clean.html import BOILERPLATE, align, extract_html, render_page_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"


def load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def removed_texts(result) -> list[str]:
    return [s.text for s in result.removals]


@pytest.fixture(scope="module")
def news():
    return extract_html(load("news_article.html"), url="https://example.org/2025/01/27/rail-deal")


def test_news_main_text_is_the_article_paragraphs(news):
    paragraphs = news.text.split("\n\n")
    assert news.error is None
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("Belarus and China signed an agreement on Monday")
    assert paragraphs[-1].endswith("on its way east.")
    assert "\n\n\n" not in news.text and not news.text.startswith("\n")


@pytest.mark.parametrize(
    "boilerplate",
    ["Home", "Privacy policy", "Related articles", "Potash exports hit record", "propaganda", "All rights reserved"],
)
def test_news_boilerplate_and_comments_not_in_text(news, boilerplate):
    assert boilerplate not in news.text


def test_news_metadata(news):
    meta = news.meta
    assert meta["title"] == "Minsk and Beijing sign rail deal"  # site suffix not part of it
    assert meta["byline"] == "Anna Petrova"
    assert meta["published"] == "2025-01-27"
    assert meta["published_source"] == "html_meta"
    assert meta["outlet"] == "Eastern Wire"
    assert meta["url"] == "https://example.org/2025/01/27/rail-deal"
    assert meta["language"] == "en"
    assert meta["description"].startswith("Belarus and China agree")


def test_news_page_text_is_naive_rendering(news):
    lines = news.page_text.split("\n")
    assert lines[:5] == ["Eastern Wire", "Home", "World", "Business", "Sport"]
    assert "should never appear" not in news.page_text  # <script>
    assert "color: red" not in news.page_text  # <style>
    assert "Minsk and Beijing sign rail deal | Eastern Wire" not in news.page_text  # <head><title>
    assert all(line == line.strip() and line for line in lines)


def test_news_removals_cover_nav_footer_and_everything_not_kept(news):
    page = news.page_text
    for span in news.removals:
        assert span.label == BOILERPLATE
        assert page[span.start : span.end] == span.text
        assert span.text.strip() == span.text and span.text
    by_text = {s.text: s.attrs.get("tag") for s in news.removals}
    assert by_text["Home"] == "nav" and by_text["Sport"] == "nav"
    assert by_text["Privacy policy"] == "footer"
    assert by_text["Eastern Wire"] == "header"
    for dropped in ("Related articles", "Great news for our town, finally some jobs!", "By Anna Petrova"):
        assert dropped in by_text
    # every page line is either in the main text or removed: nothing lost silently
    removed = set(removed_texts(news))
    kept = set(news.text.split("\n\n"))
    for line in page.split("\n"):
        assert line in kept or line in removed


def test_removals_do_not_overlap_main_text(news):
    for para in news.text.split("\n\n"):
        start = news.page_text.index(para)
        end = start + len(para)
        assert not any(s.start < end and start < s.end for s in news.removals)


def test_no_content_page():
    result = extract_html(load("no_content.html"))
    assert result.error == "no_content"
    assert result.text == ""
    assert "enable JavaScript" not in result.page_text  # noscript is not page text


@pytest.mark.parametrize("html", ["", "   \n\t "])
def test_empty_input_is_no_content(html):
    assert extract_html(html).error == "no_content"


def test_broken_html_still_extracts():
    result = extract_html(load("broken.html"))
    assert result.error is None
    assert "wheat yield was higher" in result.text
    assert "autumn rains arrived" in result.text
    assert "stray" in removed_texts(result)


def test_script_and_onerror_text():
    result = extract_html(load("script_onerror.html"))
    assert result.error is None
    assert "<img src=x onerror=alert(1)>" in result.text  # escaped text stays text
    for leaked in ("INJECTED SCRIPT TEXT", "attribute should not become text", "NOSCRIPT FALLBACK TEXT"):
        assert leaked not in result.text
        assert leaked not in result.page_text


def test_non_english_page():
    result = extract_html(load("russian.html"))
    assert result.error is None
    assert result.text.startswith("Президент Беларуси Александр Лукашенко")
    assert "Главная" not in result.text
    assert result.meta["language"] == "ru"
    assert result.meta["published"] == "2024-06-04"
    assert result.meta["published_source"] == "json_ld"
    assert result.meta["title"] == "Лукашенко встретился с Си Цзиньпином"
    assert {s.attrs.get("tag") for s in result.removals} >= {"nav", "footer"}


@pytest.mark.parametrize(
    "html",
    [
        "\x00\x01\x02\xff\xfe binary-ish",
        "<" * 5000,
        "<div>" * 3000 + "deep" + "</div>" * 3000,
        "<html><head><meta charset='x-unknown-charset'></head><body><p>text</p></body></html>",
        "<![CDATA[ odd ]]><?php echo 1; ?><!-- comment -->",
    ],
)
def test_garbage_never_raises(html):
    result = extract_html(html)
    assert result.error in (None, "no_content", "html_parse_error")
    assert isinstance(result.text, str) and isinstance(result.page_text, str)


def test_non_string_input_is_parse_error():
    assert extract_html(None).error == "html_parse_error"  # type: ignore[arg-type]


def test_fragment_without_html_wrapper():
    result = extract_html("<p>Just one short fragment paragraph of text, kept as the article.</p>")
    assert result.error is None
    assert result.text == "Just one short fragment paragraph of text, kept as the article."


def test_render_page_text_rules():
    root = fromstring(
        "<html><head><title>T</title></head><body>"
        "<p>a  <b>bold</b>\u00a0text<br>after break</p>"
        "<pre>line one\n  line   two</pre>"
        "<!-- a comment --><span>inline</span> tail"
        "<svg><text>vector</text></svg><iframe>fallback</iframe><template>tpl</template>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    text, tags = render_page_text(root)
    assert text.split("\n") == ["a bold text", "after break", "line one", "line two", "inline tail", "one", "two"]
    assert len(tags) == 7


def test_align_is_case_and_whitespace_robust():
    page = "Menu\nThe  Quick brown fox,\njumps over\nFooter"
    covered = align("the quick brown fox jumps over", page)
    assert [page[a:b] for a, b in covered] == ["The  Quick brown fox,\njumps over"]


def test_align_prefers_in_order_occurrence():
    page = "Share\nFirst long paragraph with many words in it\nShare\nSecond long paragraph with many words too"
    text = "First long paragraph with many words in it\n\nShare\n\nSecond long paragraph with many words too"
    covered = align(text, page)
    starts = [a for a, _ in covered]
    assert page.index("Share") not in starts  # the nav "Share" before the article stays uncovered


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40), max_size=8))
def test_removal_spans_are_valid_for_any_page(parts):
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in parts) + "</body></html>"
    result = extract_html(html)
    for span in result.removals:
        assert 0 <= span.start < span.end <= len(result.page_text)
        assert result.page_text[span.start : span.end] == span.text


def test_large_page_with_huge_script_and_data_uri():
    article = "".join(f"<p>Officials said the corridor would carry more containers, week {i}.</p>" for i in range(30))
    html = (
        '<html><head><script>var blob="' + "A" * 2_500_000 + '";</script>'
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-02-01"}</script>'
        '</head><body><nav><a href="/">Home</a></nav><article>' + article
        + '<img src="data:image/png;base64,' + "B" * 100_000 + '"></article></body></html>'
    )
    result = extract_html(html)
    assert result.error is None
    assert "week 29." in result.text and "AAAA" not in result.page_text
    assert result.meta["published"] == "2024-02-01"
    assert result.meta["published_source"] == "json_ld"

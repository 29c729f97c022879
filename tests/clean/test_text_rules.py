"""One positive and one negative example per rule of clean/rules/text.toml."""

from __future__ import annotations

import pytest

from storyline.clean.text import clean_text, load_rules

BODY = (
    "The council met on Monday and agreed on a new budget for the coming year, officials said.\n\n"
    "Critics said the plan did not go far enough, and promised to keep pushing for changes.\n\n"
)
BODY2 = "Further talks are planned for next month, when the council will meet again in the capital.\n\n"

# rule name -> (line that must be removed by it, similar line that must be kept)
CASES: dict[str, tuple[str, str]] = {
    "skip_link": ("Skip to main content", "Skip the small talk and read the report, she said."),
    "nav_word": ("About us", "About a hundred people gathered outside the ministry on Friday."),
    "breadcrumb": ("Home > News > World", "Prices rose > 5% in May, the agency said."),
    "cta": ("Share this article", "Share prices fell sharply after the announcement on Tuesday."),
    "legal": ("© 2025 Example Media. All rights reserved.", "Copyrights were at the centre of the dispute, lawyers said."),
    "cookie_notice": (
        "We use cookies to improve your experience on our site.",
        "Cookies and cakes were served at the reception, guests said.",
    ),
    "related_inline": ("Related article: Talks collapse in Geneva", "Related issues were discussed at length by the panel."),
    "caption_credit": (
        "The prime minister arrives in Brussels. Photo: Jane Doe / Reuters",
        "The prime minister arrived in Brussels, according to Reuters.",
    ),
    "caption_position": ("Lukashenko (l.) and Xi in", "Lukashenko (left) met Xi in Beijing on Monday."),
}


def _removed(text: str) -> dict[str, str]:
    return {span.text: span.attrs["rule"] for span in clean_text(text).removals}


def test_every_rule_has_a_case() -> None:
    names = {rule.name for rule in load_rules()}
    assert names - set(CASES) <= {"section_label", "related_list", "appeal"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_positive_and_negative(name: str) -> None:
    positive, negative = CASES[name]
    removed = _removed(BODY + positive + "\n\n" + BODY2)
    assert removed.get(positive) == name
    kept = clean_text(BODY + negative + "\n\n" + BODY2)
    assert negative in kept.text


def test_section_label_only_in_head() -> None:
    removed = _removed("Politics\n\nA Fine Headline About the Budget Vote\n\n" + BODY + BODY2)
    assert removed.get("Politics") == "section_label"
    late = clean_text(BODY + "Politics\n\n" + BODY2 + BODY2.replace("next", "this"))
    assert "Politics" in late.text


def test_related_list_takes_numbered_items() -> None:
    text = BODY + "Read also:\n\n  1. First teaser sentence here.\n  2. Second teaser sentence here.\n\n" + BODY2
    removed = _removed(text)
    assert removed["Read also:"] == "related_list"
    assert removed["1. First teaser sentence here."] == "related_list"
    assert "Further talks" in clean_text(text).text
    negative = BODY + "Read also the minister's letter, which was published today in full.\n\n" + BODY2
    assert "minister's letter" in clean_text(negative).text


def test_appeal_block_through_close_button() -> None:
    text = BODY + "A message from Example News:\nDear readers,\nPlease support our journalism.\nRemind me later.\n"
    removed = _removed(text)
    assert removed["A message from Example News:"] == "appeal"
    assert removed["Please support our journalism."] == "appeal"
    assert "Remind me later." in removed
    negative = BODY + "A message from the president was read aloud at the ceremony on Friday.\n\n" + BODY2
    assert "read aloud" in clean_text(negative).text


def test_markdown_syntax_spans() -> None:
    result = clean_text("Talks went **well**, said [AFP](#), see <https://example.org/x>.", fmt="markdown")
    assert result.text == "Talks went well, said AFP, see https://example.org/x."
    assert {span.label for span in result.removals} == {"markdown"}


def test_markdown_heading_removed_as_syntax() -> None:
    result = clean_text(BODY + "## A Section Heading\n\n" + BODY2, fmt="markdown")
    assert "A Section Heading" in result.text and "#" not in result.text


def test_broken_paragraph_rejoined() -> None:
    result = clean_text(BODY + "He said the vote showed strong support and\n\nthe backing of the people.")
    assert "strong support and the backing of the people." in result.text
    kept = clean_text(BODY + "He said the vote was over.\n\nthe end")
    assert "over.\n\nthe end" in kept.text


def test_tail_teaser_off_topic_removed() -> None:
    teaser = "Netanyahu characterizes Nasrallah as the force behind the axis, according to his..."
    result = clean_text(BODY + BODY2 + teaser + "\n\nNetanyahu defends the strike on Hezbollah's leader")
    assert teaser not in result.text
    on_topic = clean_text(BODY + BODY2 + "The council said the budget talks would continue, according to...")
    assert "according to..." in on_topic.text


def test_full_page_classifier_removes_menu_keeps_prose() -> None:
    menu = "\n".join(f"Menu Link {i}" for i in range(60))
    prose = "\n".join(
        f"Paragraph {i}: the council met again and agreed that the new budget would fund schools and roads."
        for i in range(15)
    )
    result = clean_text(menu + "\n" + prose + "\n" + menu)
    assert "Paragraph 7" in result.text
    assert "Menu Link 30" not in result.text
    assert any(span.label == "boilerplate" for span in result.removals)

"""The five example documents: removals with reasons, metadata, no body line lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.clean.text import clean_text

SEEDS = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def _removed(text: str) -> list[tuple[str, str]]:
    return [(span.label, span.text) for span in clean_text(text).removals if span.label != "markdown"]


def _body_lines(text: str, first: str, last: str) -> list[str]:
    """Input lines from the one starting with ``first`` through the one starting with ``last``."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if line.startswith(last))
    return lines[start : end + 1]


def _meta(text: str) -> dict[str, str]:
    return {name: span.attrs.get("value", span.text) for name, span in clean_text(text).meta.items()}


def test_seed_000() -> None:
    text = _seed("000")
    result = clean_text(text)
    removed = _removed(text)
    assert removed[0] == ("meta_title", "# Putin, Xi Hail Lukashenko's Victory Amid Western Condemnation")
    assert ("meta_byline", "By [AFP](#)") in removed
    assert ("meta_date", "January 27, 2025") in removed
    assert any(label == "caption" and "Alexei Mayshev" in t for label, t in removed)
    assert any(label == "related" and t.startswith("**Related article:**") for label, t in removed)
    assert ("meta_url", "Original url:") in removed
    assert any(label == "meta_url" and "themoscowtimes.com" in t for label, t in removed)
    assert _meta(text) == {
        "title": "Putin, Xi Hail Lukashenko's Victory Amid Western Condemnation",
        "byline": "AFP",
        "date": "2025-01-27",
        "url": "https://www.themoscowtimes.com/2025/01/27/putin-xi-hail-lukashenkos-victory-amid-western-condemnation-a87755",
        "outlet": "The Moscow Times",
    }
    assert "high political authority and the undoubted support of the population" in result.text
    for line in _body_lines(text, "Russian President", "This time"):
        if not line.startswith(("**Related", "“Your convincing", "the undoubted")):
            assert line in result.text
    assert result.text.startswith("Russian President Vladimir Putin")
    assert result.text.endswith("not really following the campaign.")


def test_seed_001_appeal_block_and_outlet() -> None:
    text = _seed("001")
    result = clean_text(text)
    removed = _removed(text)
    assert removed[0] == ("appeal", "A Message from The Moscow Times:")
    assert removed[-1][1] == "Remind me later."
    assert len(removed) == 8 and all(label in {"appeal", "call_to_action"} for label, _ in removed)
    for line in _body_lines(text, "Russian President", "This time"):
        assert line in result.text
    assert "Dear readers" not in result.text
    assert _meta(text) == {"outlet": "The Moscow Times"}


def test_seed_002_is_left_alone() -> None:
    text = _seed("002")
    result = clean_text(text)
    assert result.removals == []
    assert result.text == "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_seed_003() -> None:
    text = _seed("003")
    result = clean_text(text)
    removed = _removed(text)
    assert removed[0][0] == "caption" and removed[0][1].endswith("BelTA News Agency")
    assert removed[1:] == [
        ("section_label", "Politics"),
        ("meta_title", "Lukashenko Visits China as Nations Vow to Oppose 'Hegemony'"),
        ("meta_subtitle", "Chinese President Xi hails Belarusian leader as a “true friend”"),
        ("meta_byline", "Brian Wellbrock"),
        ("call_to_action", "SCROLL FOR NEXT"),
    ]
    assert _meta(text) == {
        "title": "Lukashenko Visits China as Nations Vow to Oppose 'Hegemony'",
        "subtitle": "Chinese President Xi hails Belarusian leader as a “true friend”",
        "byline": "Brian Wellbrock",
    }
    for line in _body_lines(text, "Belarusian President Alexander", "Now, with China"):
        assert line in result.text


def test_seed_004() -> None:
    text = _seed("004")
    result = clean_text(text)
    removed = _removed(text)
    title = "Heads of state of Belarus and China praise closer cooperation"
    assert removed[:5] == [
        ("navigation", "Skip to content"),
        ("meta_title", title),
        ("caption", "Lukashenko (l.) and Xi in"),
        ("caption", "Lukashenko (l.) and Xi in"),
        ("duplicate", title),
    ]
    related = [t for label, t in removed if label == "related"]
    assert related[0] == "Read also:" and len(related) == 10 and related[-1].startswith("9. Despite")
    teasers = [t for label, t in removed if label == "teaser"]
    assert len(teasers) == 3 and all(t.startswith("Netanyahu") for t in teasers)
    assert removed[-1] == ("call_to_action", "Members Public")
    assert _meta(text) == {"title": title}
    for line in _body_lines(text, "Belarusian ruler", "Belarus borders"):
        if line not in {title, "Lukashenko (l.) and Xi in"}:
            assert line in result.text
    assert "Netanyahu" not in result.text and "Read also" not in result.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_are_not_full_pages(prefix: str) -> None:
    assert not any(span.label == "boilerplate" for span in clean_text(_seed(prefix)).removals)

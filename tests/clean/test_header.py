"""Header metadata helpers: dates, bylines, URLs, outlets, titles."""

from __future__ import annotations

import pytest

from storyline.clean import header


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("January 27, 2025", "2025-01-27"),
        ("27 January 2025", "2025-01-27"),
        ("Published: Monday, 27 January 2025, 10:00 GMT", "2025-01-27"),
        ("Updated Jan. 5, 2024 3:45 pm", "2024-01-05"),
        ("2025-01-27", "2025-01-27"),
    ],
)
def test_date_line_value(line: str, iso: str) -> None:
    assert header.date_line_value(line) == iso


@pytest.mark.parametrize(
    "line", ["January 2025", "The vote on January 27, 2025 was rigged", "Chapter 27", "", "Jan 27"]
)
def test_not_a_date_line(line: str) -> None:
    assert header.date_line_value(line) is None


def test_normalise_date() -> None:
    assert header.normalise_date("2025-01-27") == "2025-01-27"
    assert header.normalise_date("27 Jan 2025") == "2025-01-27"
    assert header.normalise_date("2025-01-27T10:30:00Z") == "2025-01-27T10:30:00+00:00"
    assert header.normalise_date("soon") is None


def test_byline() -> None:
    assert header.byline_value("By AFP") == "AFP"
    assert header.byline_value("By Jane Doe and John Roe") == "Jane Doe and John Roe"
    assert header.byline_value("By the end of the year, prices had doubled across the whole region.") is None
    assert header.byline_value("Bystanders said") is None


def test_person_name() -> None:
    assert header.is_person_name("Brian Wellbrock")
    assert header.is_person_name("Anna de la Cruz")
    assert not header.is_person_name("Politics")
    assert not header.is_person_name("Lukashenko visited China on Wednesday")
    assert not header.is_person_name("Top 10 Trends")


def test_url_lines() -> None:
    assert header.url_line_value("Original url:") == (None, True)
    assert header.url_line_value("<https://example.org/a>") == ("https://example.org/a", True)
    assert header.url_line_value("Source: https://example.org/a") == ("https://example.org/a", True)
    assert header.url_line_value("See https://example.org/a for more") == ("https://example.org/a", False)
    assert header.url_line_value("The original plan") == (None, False)


def test_outlets() -> None:
    assert header.outlet_for_url("https://www.themoscowtimes.com/2025/01/27/x") == "The Moscow Times"
    assert header.outlet_for_url("https://edition.cnn.com/world") == "CNN"
    assert header.outlet_for_url("https://unknown-blog.example/x") is None
    assert header.outlet_for_url("not a url") is None
    assert header.find_outlet_name("A Message from The Moscow Times:") == (15, 31, "The Moscow Times")
    assert header.find_outlet_name("the apple fell") is None


def test_looks_like_title() -> None:
    assert header.looks_like_title("Lukashenko Visits China as Nations Vow to Oppose 'Hegemony'")
    assert header.looks_like_title("Is this the end?")
    assert not header.looks_like_title("He said it was over.")
    assert not header.looks_like_title("Politics")

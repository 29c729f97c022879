"""Header metadata recognition for plain-text and markdown articles.

Recognises, one line at a time: title-like lines, bylines ("By AFP", a bare person name),
date lines ("January 27, 2025" → ``2025-01-27``), ``Original url:`` lines and bare URLs, and
outlets (from a URL's domain via ``data/outlets.toml``, or a known outlet name in a line).
Dates are parsed with :mod:`dateutil`; the output is ISO 8601.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from datetime import datetime
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from dateutil import parser as _dateparser

_YEAR = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?(?![a-z])", re.IGNORECASE
)
_NUMERIC_DATE = re.compile(r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b")
# Words that may stand around a date on a date line ("Published on Monday, 27 January 2025, 10:00 GMT").
_DATE_LINE_WORDS = frozenset(
    "published updated posted modified last on at date dated created am pm a.m. p.m. gmt utc cet cest "
    "est edt pst pdt bst msk et pt ct mt | - – — , : . / by of the".split()
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?$", re.IGNORECASE)
_DEFAULT_A = datetime(1901, 1, 1)
_DEFAULT_B = datetime(1902, 2, 2)

_URL = re.compile(r"https?://[^\s<>\"'()\[\]]{1,2000}", re.IGNORECASE)
_URL_LABEL = re.compile(r"(?:original|source|canonical|article|story|page)?\s?(?:url|link|source)\s?:?", re.IGNORECASE)
_BY_PREFIX = re.compile(r"(?:by|written by|words by|von|par|por|di|door|av|af)\s+(?=\S)", re.IGNORECASE)
_NAME_TOKEN = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁ][\w'’.-]{0,30}")
_NAME_JOINERS = frozenset({"and", "&", "de", "van", "von", "der", "da", "di", "la", "le", "bin", "al", "el", "y"})


def parse_date(value: str) -> datetime | None:
    """Parse a date string with dateutil; ``None`` unless day, month and year are all present."""
    if not value or len(value) > 200 or not _YEAR.search(value):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = _dateparser.parse(value, fuzzy=True, default=_DEFAULT_A)
            second = _dateparser.parse(value, fuzzy=True, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():  # some of day/month/year came from the default
        return None
    return first


def normalise_date(value: str) -> str | None:
    """ISO 8601 form of a date string: ``YYYY-MM-DD``, or a full datetime when a time is given."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    parsed = parse_date(text)
    if parsed is None:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    return parsed.isoformat() if has_time else parsed.date().isoformat()


def date_line_value(line: str) -> str | None:
    """The ISO date of a line that is only a date (with words like "Published", a weekday, a time)."""
    if len(line) > 80 or not _YEAR.search(line):
        return None
    if not (_MONTH.search(line) or _NUMERIC_DATE.search(line)):
        return None
    rest = _NUMERIC_DATE.sub(" ", _MONTH.sub(" ", line))
    for token in rest.split():
        word = token.lower().strip(",.:;")
        if not word or word in _DATE_LINE_WORDS or _WEEKDAY.match(token):
            continue
        if re.fullmatch(r"[\d:.,/()+-]{1,12}|\d{1,2}(?:st|nd|rd|th)|[ap]\.?m\.?", word):
            continue
        return None
    parsed = parse_date(line)
    return parsed.date().isoformat() if parsed else None


def url_line_value(line: str) -> tuple[str | None, bool]:
    """``(url, is_url_line)`` for lines like ``Original url:``, ``Source: https://…`` or a bare URL.

    ``is_url_line`` is true when the line holds nothing but a URL label and/or a URL; ``url`` is the
    URL when the line contains one.
    """
    stripped = line.strip().strip("<>")
    match = _URL.search(stripped)
    if match is None:
        label = _URL_LABEL.fullmatch(stripped)
        return None, bool(label and re.search(r"url|link", stripped, re.IGNORECASE))
    before, after = stripped[: match.start()].strip(" <"), stripped[match.end() :].strip(" >")
    if after or (before and not _URL_LABEL.fullmatch(before)):
        return match.group(0), False
    return match.group(0), True


def byline_value(line: str) -> str | None:
    """The author part of a "By …" line (at most 10 words), else ``None``."""
    match = _BY_PREFIX.match(line)
    if match is None or len(line) > 120:
        return None
    value = line[match.end() :].strip(" ,;|")
    words = value.split()
    if not words or len(words) > 10 or value[-1:] in "!?":
        return None
    if value.endswith(".") and len(words) > 4:
        return None
    return value


def is_person_name(line: str) -> bool:
    """A bare byline: 2–6 capitalised name tokens (joined by "and", "de", "van"…), no digits."""
    words = line.replace(",", " ").split()
    if not 2 <= len(words) <= 8 or any(ch.isdigit() for ch in line) or line[-1:] in ".!?:;":
        return False
    names = 0
    for word in words:
        if word.lower() in _NAME_JOINERS:
            continue
        if not _NAME_TOKEN.fullmatch(word):
            return False
        names += 1
    return 2 <= names <= 6


@lru_cache(maxsize=1)
def _outlets() -> tuple[dict[str, str], dict[str, str]]:
    """``(domain → name, lowercased name or alias → name)`` from ``data/outlets.toml``."""
    data = tomllib.loads(resources.files("storyline.data").joinpath("outlets.toml").read_text("utf-8"))
    domains: dict[str, str] = dict(data.get("domains", {}))
    names: dict[str, str] = {name.lower(): name for name in domains.values()}
    for name, aliases in data.get("aliases", {}).items():
        for alias in aliases:
            names[alias.lower()] = name
    return domains, names


@lru_cache(maxsize=1)
def _outlet_name_pattern() -> re.Pattern[str]:
    names = sorted(_outlets()[1], key=len, reverse=True)
    # Only names of 4+ characters, so short acronyms ("AP", "FT", "i") cannot fire on prose.
    body = "|".join(re.escape(name) for name in names if len(name) >= 4)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def outlet_for_url(url: str) -> str | None:
    """Display name of the outlet serving ``url`` (its host or any parent domain), else ``None``."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    domains = _outlets()[0]
    labels = host.removeprefix("www.").split(".")
    for i in range(len(labels) - 1):
        name = domains.get(".".join(labels[i:]))
        if name:
            return name
    return None


def find_outlet_name(text: str) -> tuple[int, int, str] | None:
    """First known outlet name (or alias) in ``text``: ``(start, end, display name)``."""
    if len(text) > 5000:
        return None
    match = _outlet_name_pattern().search(text)
    if match is None:
        return None
    return match.start(), match.end(), _outlets()[1][match.group(0).lower()]


def looks_like_title(line: str) -> bool:
    """A headline: 2–25 words, not ending like a sentence fragment (".", ",", ":", ";")."""
    words = line.split()
    if not 2 <= len(words) <= 25 or len(line) > 250:
        return False
    if line[-1:] in ".,:;" and not line.endswith("..."):
        return False
    return sum(ch.isalpha() for ch in line) >= 0.6 * len(line.replace(" ", ""))

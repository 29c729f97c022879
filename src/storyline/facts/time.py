"""Temporal expressions (TIMEX3) found and normalised against the publication date, and the
publication date itself resolved with its provenance.

:func:`find_timexes` runs a fixed set of precompiled regular expressions over the text (one pass
each), keeps the longest non-overlapping matches, extends them with TimeML modifiers ("early",
"the end of", "about", "more than", "or so") and normalises each one to a TIMEX3 ``type``/``value``
/``mod`` against the document creation time (``dct``, the publication date):

* dates and times: "on Monday" → ``2025-01-27`` (same weekday as the DCT → the DCT itself),
  "Sunday's election" → ``2025-01-26``, "1 March 2023", "Jan. 27", "in 2021", "the 1990s" → ``199``,
  "the 20th century" → ``19``, "the third quarter" → ``YYYY-Q3``, "this summer" → ``YYYY-SU``,
  "last week" → ``YYYY-Www``, "Monday morning" → ``…TMO``, "8 p.m." → ``…T20:00``;
* durations: "30 years", "the past 30 years", "three-decade rule" → ``P30Y``, "several years" → ``PXY``;
* references: "now"/"currently" → ``PRESENT_REF``, "recently"/"recent years" → ``PAST_REF``,
  "the future"/"soon" → ``FUTURE_REF``;
* sets: "every year" → ``P1Y``, "weekly" → ``P1W``, "every Monday" → ``XXXX-WXX-1``.

Extents follow the TimeML/TimeBank conventions: a determiner that belongs to the phrase is part of it
("the third quarter", "the past", "the end of 1990"), prepositions and signals are not ("in 2021" →
"2021", "since 1994" → "1994"), "ago" is ("two weeks ago"). Ages ("70-year-old"), ordinals
("seventh term", "80th anniversary") and plain numbers ("86%", "1,200") are not temporal expressions.

What cannot be resolved keeps ``value=None`` with a short ``reason`` (``no_dct``: needs a publication
date; ``no_anchor``; ``invalid_date``); where a value was chosen among readings the ``reason`` says how
(``past_tense``, ``future_tense``, ``nearest``, ``past_bias``, ``assumed_mdy``, ``quarter_context``).

Newswire conventions (TimeML 1.2.1, as TimeBank annotates them): "later", "earlier", "before",
"after" are signals, so "three days later" is the duration "three days" (P3D; "a year earlier", the
year-ago comparison, stays a date); a clock time takes the day named in its sentence ("at 10:30 a.m.
(0730 GMT) Friday") or else the last day named in the paragraph; "that night", "the next morning",
"later in the day", "the week", "the year" refer to the time being talked about (the last one named);
"overnight" is last night; a dated dateline ("NAIROBI, August 7 (Xinhua) --") a day or two off the DCT
is the story's own day; the bare adjective "recent" and years inside names ("Windows 2000") are not
temporal expressions.

Weekday, month and month-day resolution uses the tense of the governing verb: from the spaCy ``doc``
when one is given (past → previous occurrence, future/"will" → next, otherwise nearest), otherwise a
cheap cue-word test around the match (future cues such as "will", "next", "expected to"; else
past-biased, as news mostly reports the past). The ``doc`` is only consulted at match positions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Timex", "PubDate", "find_timexes", "resolve_publication", "REASONS"]

REASONS: dict[str, str] = {
    "no_dct": "relative expression and no publication date to anchor it",
    "no_anchor": "refers to an earlier time in the text that could not be found",
    "invalid_date": "the written date does not exist (e.g. 31 February)",
    "past_tense": "reading chosen from the past tense of the governing verb",
    "future_tense": "reading chosen from the future tense of the governing verb",
    "nearest": "no tense cue: nearest occurrence to the publication date",
    "past_bias": "no tense cue: previous occurrence (news reports the past)",
    "assumed_mdy": "numeric date read month/day/year (US order); day/month is possible",
    "quarter_context": "year-ago reference read at the granularity of the quarter being reported",
    "anchor_previous": "anchored to the previous time expression in the text",
}


@dataclass(slots=True)
class Timex:
    start: int
    end: int
    text: str  # character span into the text given
    type: str  # DATE | TIME | DURATION | SET
    value: str | None  # TIMEX3 value ("2025-01-27", "2025-02", "P30Y", "PRESENT_REF", "XXXX-WXX-1"...)
    mod: str | None = None  # TIMEX3 mod: START | MID | END | BEFORE | AFTER | APPROX | ...
    reason: str | None = None  # why value is None (or how it was resolved when ambiguous)


@dataclass(slots=True)
class PubDate:
    value: str | None
    provenance: str  # metadata | dateline | content | unknown
    confidence: float
    start: int | None = None  # span into text when from text
    end: int | None = None


# ----------------------------------------------------------------------------------------------
# Lexicon
# ----------------------------------------------------------------------------------------------

_MONTHS_FULL = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
_MONTH_NUM: dict[str, int] = {m: i + 1 for i, m in enumerate(_MONTHS_FULL)}
_MONTH_NUM.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
                   "sept": 9, "oct": 10, "nov": 11, "dec": 12})
_WEEKDAYS_FULL = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_NUM: dict[str, int] = {w: i for i, w in enumerate(_WEEKDAYS_FULL)}
_WEEKDAY_NUM.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3,
                     "thurs": 3, "fri": 4, "sat": 5, "sun": 6})

_SMALL = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
             "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
             "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
_FUZZY = {"a few", "few", "several", "many", "some", "a number of", "dozens of", "hundreds of",
          "thousands of", "a couple", "couple of", "a couple of", "numerous", "countless"}
_APPROX_FUZZY = {"a couple", "a couple of", "couple of"}  # = 2, mod APPROX


def _cased(words: Sequence[str]) -> str:
    """Title-case and upper-case variants (proper nouns in running text), longest first."""
    forms = {w.capitalize() for w in words} | {w.upper() for w in words}
    return "|".join(sorted(forms, key=len, reverse=True))


_MONTH_FULL_RE = rf"(?-i:{_cased(_MONTHS_FULL)})(?!\w)"
_MONTH_ABBR_RE = rf"(?-i:{_cased(['jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sept', 'sep', 'oct', 'nov', 'dec'])})(?:\.|(?!\w))"
_MONTH_RE = rf"(?:{_MONTH_FULL_RE}|{_MONTH_ABBR_RE})"
_WEEKDAY_RE = (rf"(?:(?-i:{_cased(_WEEKDAYS_FULL)})|"
               rf"(?-i:{_cased(['mon', 'tues', 'tue', 'weds', 'wed', 'thurs', 'thur', 'thu', 'fri', 'sat', 'sun'])})\.)")
_WEEKDAY_S_RE = rf"(?-i:{_cased(_WEEKDAYS_FULL)})"  # full names only (plural/possessive forms)

_W_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_W_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_W_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_NUMW = rf"(?:(?:{_W_TENS})(?:[- ](?:{_W_UNITS}))?|{_W_TEENS}|{_W_UNITS})"
_NUMW_BIG = rf"(?:(?:(?:{_NUMW}|a|one)[- ])?(?:hundred|thousand)(?:[- ](?:and[- ])?{_NUMW})?|{_NUMW})"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+1/2|½)?"
_NUM = (rf"(?:{_DIGITS}|{_NUMW_BIG}(?:\s+and\s+a\s+half)?|a\s+couple\s+of|a\s+couple|a\s+few|a\s+dozen|"
        rf"a\s+number\s+of|several|many|some|few|numerous|countless|dozens\s+of|hundreds\s+of|"
        rf"thousands\s+of|half\s+an?|a\s+half|an?)")
_ORD_W = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_DAY_ORD_W = rf"(?:(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|{_ORD_W})"
_UNIT = (r"(?:seconds?|minutes?|hours?|days?|weeks?|fortnights?|months?|quarters?|years?|decades?|"
         r"centur(?:y|ies)|millenni(?:um|a))")
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_YEAR_ANY = r"(?:1\d\d\d|20\d\d|21\d\d)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d|[:.]\d)"
_B = r"(?<![\w'’])"  # left word boundary (not after a letter, digit or apostrophe)
_E = r"(?![\w])"

_UNIT_CODE = {"second": ("T", "S", 1), "minute": ("T", "M", 1), "hour": ("T", "H", 1), "day": ("", "D", 1),
              "night": ("", "D", 1), "week": ("", "W", 1), "fortnight": ("", "W", 2),
              "month": ("", "M", 1), "quarter": ("", "M", 3), "year": ("", "Y", 1),
              "decade": ("", "Y", 10), "century": ("", "Y", 100), "millennium": ("", "Y", 1000)}
_FUZZY_CODE = {"second": "PTXS", "minute": "PTXM", "hour": "PTXH", "day": "PXD", "night": "PXD",
               "week": "PXW", "fortnight": "PXW", "month": "PXM", "quarter": "PXQ", "year": "PXY",
               "decade": "PXE", "century": "PXC", "millennium": "PXL"}
_DAYPART = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "noon": "12:00",
            "midnight": "24:00", "overnight": "NI", "midday": "12:00"}
_SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
_SEASON_ORDER = {"SP": 0, "SU": 1, "FA": 2, "WI": 3}


def _unit_key(u: str) -> str:
    u = u.lower()
    if u.startswith("centur"):
        return "century"
    if u.startswith("millenni"):
        return "millennium"
    return u[:-1] if u.endswith("s") else u


def _num_value(s: str) -> float | None:
    """Numeric value of a quantity ("30", "1,200", "two and a half", "twenty-four", "a", "2 1/2");
    None for fuzzy quantities ("several", "a few")."""
    s = " ".join(s.lower().replace("-", " ").split())
    if s in _FUZZY:
        return None
    half = 0.0
    for tail in (" and a half", " 1/2", "½"):
        if s.endswith(tail):
            s, half = s[: -len(tail)].strip(), 0.5
    if s in ("a", "an", "one"):
        return 1 + half
    if s in ("a dozen", "dozen"):
        return 12 + half
    if s in ("half a", "half an", "a half", "half"):
        return 0.5
    if s and s[0].isdigit():
        try:
            return float(s.replace(",", "")) + half
        except ValueError:
            return None
    total, cur = 0, 0
    for w in s.split():
        if w in ("and",):
            continue
        if w in ("a",):
            cur = max(cur, 1)
        elif w in _SMALL:
            cur += _SMALL[w]
        elif w in _TENS:
            cur += _TENS[w]
        elif w == "hundred":
            cur = max(cur, 1) * 100
        elif w == "thousand":
            total += max(cur, 1) * 1000
            cur = 0
        else:
            return None
    return total + cur + half


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _duration_value(n: float | None, unit: str) -> str:
    key = _unit_key(unit)
    if n is None:
        return _FUZZY_CODE.get(key, "PXX")
    t, code, mult = _UNIT_CODE[key]
    n = n * mult
    if not float(n).is_integer():  # 2.5 years → P2Y6M, 1.5 hours → PT1H30M, half a day → PT12H
        whole = int(n)
        frac = n - whole
        lower = {"Y": ("M", 12), "M": ("D", 30), "W": ("D", 7), "D": ("H", 24), "H": ("M", 60), "M_T": ("S", 60)}
        k = code + ("_T" if t and code == "M" else "")
        if k in lower:
            sub, per = lower[k]
            sub_n = round(frac * per)
            if code == "D":  # days → hours crosses into the time part
                return f"P{whole}DT{sub_n}H" if whole else f"PT{sub_n}H"
            head = f"{whole}{code}" if whole else ""
            return f"P{t}{head}{sub_n}{sub}"
        return f"P{t}{n:g}{code}"
    return f"P{t}{int(n)}{code}"


# ----------------------------------------------------------------------------------------------
# Date arithmetic helpers
# ----------------------------------------------------------------------------------------------

def _ymd(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _ym(y: int, m: int) -> str:
    return f"{y:04d}-{m:02d}"


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _week(d: dt.date) -> str:
    iy, iw, _ = d.isocalendar()
    return f"{iy:04d}-W{iw:02d}"


def _quarter_of(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def _add_quarters(y: int, q: int, k: int) -> tuple[int, int]:
    idx = y * 4 + (q - 1) + k
    return idx // 4, idx % 4 + 1


def _season_index(d: dt.date) -> int:
    """year*4 + season (SP 0, SU 1, FA 2, WI 3); December–February is the winter of December's year."""
    if d.month <= 2:
        return (d.year - 1) * 4 + 3
    return d.year * 4 + _SEASON_ORDER[_season_of(d)]


def _season_of(d: dt.date) -> str:
    return {12: "WI", 1: "WI", 2: "WI", 3: "SP", 4: "SP", 5: "SP", 6: "SU", 7: "SU", 8: "SU"}.get(d.month, "FA")


def date_interval(value: str | None) -> tuple[dt.date, dt.date] | None:
    """The days a TIMEX3 calendar value covers (``2023``, ``2023-03``, ``2023-03-01``), or None."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", (value or "")[:10])
    if not m:
        return None
    try:
        y = int(m[1])
        if m[3]:
            d = dt.date(y, int(m[2]), int(m[3]))
            return d, d
        if m[2]:
            mo = int(m[2])
            nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
            return dt.date(y, mo, 1), nxt - dt.timedelta(days=1)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        return None


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _shift_value(value: str, n: int, unit: str) -> str | None:
    """Shift a TIMEX3 date value by ``n`` units (day/week/month/quarter/year) keeping its granularity."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4])|-W(\d{2}))?", value)
    if not m:
        return None
    y = int(m.group(1))
    if m.group(4):  # quarter
        k = {"year": 4 * n, "quarter": n}.get(unit)
        if k is None:
            return None
        yy, qq = _add_quarters(y, int(m.group(4)), k)
        return f"{yy:04d}-Q{qq}"
    if m.group(3):
        d = _safe_date(y, int(m.group(2)), int(m.group(3)))
        if d is None:
            return None
        if unit in ("day", "week"):
            return _ymd(d + dt.timedelta(days=n * (7 if unit == "week" else 1)))
        k = {"month": n, "quarter": 3 * n, "year": 12 * n}.get(unit)
        if k is None:
            return None
        yy, mm = _add_months(d.year, d.month, k)
        dd = _safe_date(yy, mm, d.day) or _safe_date(yy, mm, 28)
        return _ymd(dd) if dd else None
    if m.group(2):
        k = {"month": n, "quarter": 3 * n, "year": 12 * n}.get(unit)
        if k is None:
            return None
        return _ym(*_add_months(y, int(m.group(2)), k))
    if m.group(5):
        return None
    if unit == "year":
        return f"{y + n:04d}"
    return None


# ----------------------------------------------------------------------------------------------
# Tense
# ----------------------------------------------------------------------------------------------

_FUTURE_CUE = re.compile(
    r"\b(?:will|won't|wo|'ll|shall|going\s+to|would|is\s+to|are\s+to|expects?|expected|expecting|plans?\s+to|"
    r"scheduled|supposed\s+to|due\s+to|set\s+to|intends?\s+to|hopes?\s+to|upcoming|forthcoming|next|coming)\b", re.I)
_PAST_CUE = re.compile(
    r"\b(?:was|were|had|did|said|told|met|won|lost|took|gave|came|went|began|held|made|left|saw|spoke|"
    r"wrote|sent|got|became|rose|fell|brought|thought|found|kept|led|paid|ran|struck|stood|sold|sought|"
    r"spent|swore|threw|built|chose|drew|drove|fought|flew|grew|heard|hit|knew|meant|rode|sang|shot|"
    r"showed|shown|slept|stole|took|taught|understood|wore|broke|ago|last|earlier|yesterday|"
    r"[a-z]{2,}ed)\b", re.I)
_MODAL_BEFORE = re.compile(r"\b(?:will|'ll|shall|would|to)\s+(?:not\s+)?(?:be|have\s+been|be\s+being)\s+$", re.I)
_PLAN_PAST = re.compile(r"\bhad\s+(?:been\s+|originally\s+been\s+)?(?:due|scheduled|set|slated|planned|supposed|expected)\s+"
                        r"(?:to\s+\w+(?:\s+\w+)?\s+(?:on\s+|at\s+\S+\s+(?:\S+\s+)?)?|for\s+)$", re.I)
_SENT_BREAK = re.compile(r"[.!?]\s+(?=[A-Z\"“‘'])|\n")


class _Ctx:
    """Per-document state: text, DCT, optional spaCy doc, discourse anchors."""

    __slots__ = ("text", "dct", "doc", "_starts", "ref", "ref_pos", "ref_day", "quarter", "quarter_pos", "_tense_cache")

    def __init__(self, text: str, dct: dt.date | None, doc: Any):
        self.text = text
        self.dct = dct
        self.doc = doc
        self._starts: list[int] | None = None
        self.ref: str | None = None  # last resolved point value (anchor for "the following year"...)
        self.ref_pos = -1
        self.ref_day: str | None = None  # last day-level value ("2025-01-27")
        self.quarter: str | None = None  # last quarter mentioned ("1989-Q3")
        self.quarter_pos = -10 ** 9
        self._tense_cache: dict[int, str | None] = {}

    # --- tense -------------------------------------------------------------------------------
    def tense(self, start: int, end: int) -> str | None:
        """'past' | 'future' | 'present' | None at the match position."""
        if start in self._tense_cache:
            return self._tense_cache[start]
        t: str | None = None
        if _PLAN_PAST.search(self.text, max(0, start - 70), start):
            # "had been scheduled to expire Friday": a plan reported in the past perfect is about a past day
            self._tense_cache[start] = "past"
            return "past"
        if self.doc is not None:
            try:
                t = self._tense_doc(start)
            except Exception:  # a doc that does not match the text: fall back on cue words
                t = None
            if t is None:
                t = self._tense_cues(start, end)
        else:
            t = self._tense_cues(start, end)
        self._tense_cache[start] = t
        return t

    def _tense_doc(self, pos: int) -> str | None:
        doc = self.doc
        if self._starts is None:
            self._starts = [tok.idx for tok in doc]
        if not self._starts:
            return None
        i = max(0, bisect.bisect_right(self._starts, pos) - 1)
        tok = doc[i]
        for _ in range(8):
            if tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("amod",):
                break
            if tok.head is tok or tok.head.i == tok.i:
                return None
            tok = tok.head
        else:
            return None
        if tok.pos_ not in ("VERB", "AUX"):
            return None
        for _ in range(3):
            auxes = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
            for c in auxes:
                low = c.lower_
                if low in ("will", "'ll", "shall", "wo", "would", "'d", "ll"):
                    return "future"
                if low == "going" or low == "gon":
                    return "future"
            # infinitive ("plans to meet Monday", "is to visit"): climb to the governing verb
            if any(c.lower_ == "to" and c.dep_ == "aux" for c in auxes) and tok.head is not tok:
                head = tok.head
                if head.lemma_ in ("plan", "expect", "hope", "intend", "want", "schedule", "aim", "be", "set", "agree", "promise", "seek", "prepare"):
                    return "future"
                tok = head
                continue
            for c in auxes:
                if c.tag_ == "VBD" or "Past" in c.morph.get("Tense"):
                    return "past"
                if c.lower_ in ("has", "have", "'ve", "'s") and tok.tag_ == "VBN":
                    return "past"
            if tok.tag_ == "VBD":
                return "past"
            if tok.tag_ in ("VBP", "VBZ"):
                if tok.lemma_ in ("expect", "plan", "schedule", "intend", "hope"):
                    return "future"
                return "present"
            if tok.tag_ == "VBG" and any(c.tag_ in ("VBP", "VBZ") for c in auxes):
                return "present"
            if tok.tag_ == "VBN" and any(c.tag_ in ("VBP", "VBZ") for c in auxes):
                return "present"
            break
        return None

    def _tense_cues(self, start: int, end: int) -> str | None:
        text = self.text
        lo = max(0, start - 120)
        hi = min(len(text), end + 80)
        left = text[lo:start]
        cut = None
        for m in _SENT_BREAK.finditer(left):
            cut = m.end()
        if cut is not None:
            lo += cut
            left = left[cut:]
        right = text[end:hi]
        m = _SENT_BREAK.search(right)
        if m:
            right = right[: m.start()]
        best: tuple[int, str] | None = None
        for seg, base, is_left in ((left, lo, True), (right, end, False)):
            for rx, label in ((_FUTURE_CUE, "future"), (_PAST_CUE, "past")):
                for mm in rx.finditer(seg):
                    w = mm.group(0).lower()
                    if label == "past" and w in ("expected", "scheduled", "supposed"):
                        continue
                    if label == "future" and w in ("next", "coming") and not is_left:
                        continue
                    if label == "past" and w.endswith("ed") and _MODAL_BEFORE.search(seg, max(0, mm.start() - 40), mm.start()):
                        label_ = "future"  # "will be named", "would be paid": a participle under a modal
                    else:
                        label_ = label
                    # the clause after the date says less about it than the one before
                    dist = (start - (base + mm.end())) if is_left else 2 * (base + mm.start() - end) + 10
                    if best is None or dist < best[0]:
                        best = (dist, label_)
        return best[1] if best else None


# ----------------------------------------------------------------------------------------------
# Candidate patterns
# ----------------------------------------------------------------------------------------------

_I = re.I

_P_ISO = re.compile(rf"{_B}(?P<y>{_YEAR_ANY})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?:T(?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d)(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?(?![\d-])")
_P_NUMERIC = re.compile(rf"{_B}(?P<a>\d{{1,2}})(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>{_YEAR_ANY}|\d\d)(?![\d/.]\d|\w)")
_P_MDY = re.compile(
    rf"{_B}(?:(?P<wd>{_WEEKDAY_RE}),?\s+(?:the\s+)?)?(?P<mon>{_MONTH_RE})\s*(?P<day>{_DAY}|{_DAY_ORD_W})(?!\s*(?:%|percent|per\s+cent))"
    rf"(?:(?:,\s*|\s+)(?P<y>{_YEAR_ANY})(?![\d%])|\s+(?P<ry>last|this|next)\s+year)?{_E}", _I)
_P_DMY = re.compile(
    rf"{_B}(?:(?P<wd>{_WEEKDAY_RE}),?\s+)?(?:the\s+)?(?P<day>{_DAY}|{_DAY_ORD_W})\s+(?:of\s+)?(?P<mon>{_MONTH_RE})"
    rf"(?:,?\s+(?P<y>{_YEAR_ANY})(?![\d%])|\s+(?P<ry>last|this|next)\s+year)?{_E}", _I)
_SPELLED_YEAR_RE = (rf"(?:nineteen[- ](?:hundred(?:[- ]and)?[- ])?(?:oh[- ](?:{_W_UNITS})|(?:{_W_TENS})(?:[- ](?:{_W_UNITS}))?|{_W_TEENS})|"
                    rf"two[- ]thousand(?:[- ](?:and[- ])?(?:{_NUMW}))?)")
_P_MONTH_YEAR = re.compile(
    rf"{_B}(?P<mon>{_MONTH_RE}),?\s+(?:of\s+)?(?:(?P<y>{_YEAR_ANY})(?![\d%,]\d)|(?P<sy>{_SPELLED_YEAR_RE})(?![\w-])|(?P<rel>this|last|next|that|the\s+same|the\s+following|the\s+previous)\s+year|'(?P<yy>\d\d))(?![\w%])", _I)
_P_MONTH = re.compile(rf"{_B}(?P<mon>{_MONTH_FULL_RE}|(?-i:Sept?|Oct|Nov|Dec|Jan|Feb|Aug|Apr)\.)(?P<poss>['’]s)?", _I)
_P_REL_MONTH = re.compile(
    rf"{_B}(?P<rel>last|next|this(?:\s+past|\s+coming)?|past|coming|the\s+following|the\s+previous|the\s+next|the\s+coming|the\s+past)\s+(?P<mon>{_MONTH_FULL_RE}){_E}", _I)
_P_YEAR = re.compile(
    rf"{_B}(?<![$€£#/.,]){_B}(?P<pre>(?:fiscal|calendar|model|financial|school|academic)(?:\s+year)?\s+|FY\s?|the\s+year\s+)?(?P<y>{_YEAR})(?P<poss>['’]s)?(?![\w%]|[.,/]\d|\s*(?:percent|per\s+cent|°))", _I)
_P_FY = re.compile(rf"{_B}(?-i:FY)[-' ]?(?P<yy>\d\d)(?!\w)")
_P_SPELLED_YEAR = re.compile(
    rf"{_B}(?P<pre>the\s+year\s+)?(?P<sy>nineteen[- ](?:hundred(?:[- ]and)?[- ])?(?:oh[- ](?:{_W_UNITS})|(?:{_W_TENS})(?:[- ](?:{_W_UNITS}))?|{_W_TEENS})|two[- ]thousand(?:[- ](?:and[- ])?(?:{_NUMW}))?){_E}", _I)
_P_DECADE = re.compile(
    rf"{_B}(?P<the>the\s+)?(?:(?P<pm>early|mid|late)[- ]?)?(?:(?P<c>1[5-9]|20)(?P<d>\d)0['’]?s|['’](?P<d2>\d)0['’]?s|(?<=the\s)(?P<d3>[2-9])0['’]?s|(?<=the\s)(?P<w>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)|(?<=the\s)(?P<pm2>early|mid|late)[- ](?P<w2>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)){_E}", _I)
_P_CENTURY = re.compile(
    rf"{_B}(?P<the>the\s+)?(?:(?P<pm>early|mid|late)[- ]?)?(?P<ord>\d{{1,2}}(?:st|nd|rd|th)|(?:twenty|thirty)[- ]first|{_ORD_W})[- ]century{_E}", _I)
_P_WEEKDAY = re.compile(
    rf"{_B}(?P<wd>{_WEEKDAY_RE})(?P<pl>s(?!\w))?(?P<poss>['’]s(?!\w))?(?:\s+(?P<dp>morning|afternoon|evening|night|noon|midnight)(?!\w))?", _I)
_P_REL_WEEKDAY = re.compile(
    rf"{_B}(?P<rel>last|next|this(?:\s+past|\s+coming)?|past|coming|the\s+following|the\s+previous|the\s+next|the\s+coming|the\s+past|on)\s+(?P<wd>{_WEEKDAY_S_RE})(?:\s+(?P<dp>morning|afternoon|evening|night)(?!\w))?{_E}", _I)
_P_DAYREL = re.compile(
    rf"{_B}(?:the\s+day\s+(?P<ba>before|after)\s+)?(?P<w>yesterday|today|tomorrow|tonight)(?:\s+(?P<dp>morning|afternoon|evening|night))?{_E}", _I)
_P_DAYPART = re.compile(
    rf"{_B}(?:(?P<rel>this|last|yesterday|tomorrow|early\s+this|late\s+last|late\s+this)\s+(?P<dp>morning|afternoon|evening|night)|"
    rf"(?P<pm>early|mid|late)[- ]?(?P<dp2>morning|afternoon|evening)(?:\s+(?P<day2>yesterday|today|tomorrow))?|"
    rf"(?P<ov>overnight)){_E}", _I)
_P_DAYPART_REF = re.compile(
    rf"{_B}(?P<rel>that|the\s+same|the\s+next|the\s+following|the\s+previous|the\s+preceding|the)\s+(?P<dp>morning|afternoon|evening|night){_E}", _I)
_P_REL_UNIT = re.compile(
    rf"{_B}(?P<rel>(?:the\s+)?(?:past|last|previous|preceding|prior|coming|next|following|current|same|present|latest|upcoming|ensuing)|"
    rf"this(?:\s+past|\s+coming)?|that(?:\s+same)?|this\s+same|last|next|the)\s+(?P<fisc>fiscal\s+|calendar\s+)?(?P<unit>weekend|week|month|year|decade|century|millennium|day)(?![\w-])", _I)
_P_DAY_BA = re.compile(
    rf"{_B}the\s+(?P<unit>day|week|month|year)\s+(?P<ba>before|after|earlier|later)(?=\s*(?:[,.;:!?)\"”]|$)|\s+(?:and|but|when|as|while|he|she|they|it)\b)", _I)
_P_QUARTER = re.compile(
    rf"{_B}(?P<det>(?:the|its|their|this|that|a)\s+)?(?:(?P<yp>{_YEAR}|this\s+year|last\s+year|next\s+year)['’]s\s+|(?P<fyp>fiscal\s+{_YEAR})(?:['’]s)?\s+)?"
    rf"(?:(?:fiscal|calendar)[- ])?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th|final|last)[- ](?:fiscal[- ])?(?:quarter|qtr\.?)(?P<pl>s)?"
    rf"(?:\s+of\s+(?:(?:fiscal|calendar)\s+)?(?P<ys>{_YEAR}|this\s+year|last\s+year|next\s+year|the\s+year|the\s+current\s+year|the\s+previous\s+year))?{_E}", _I)
_P_QCODE = re.compile(rf"{_B}(?-i:Q(?P<q>[1-4])|(?P<q2>[1-4])Q)(?:\s*(?P<y>{_YEAR}))?{_E}")
# ReDoS-safe (tests/test_redos.py): blanks are possessive (\s++: a run is never re-split), the modifier
# chain is bounded ({0,8}); _P_PERIOD's optional parts no longer sit between two \s+ (the blank run after
# `det` is consumed once; (?<=\s\s) keeps the old "two blanks when nothing is between" reading).
_P_REL_QUARTER = re.compile(
    rf"{_B}(?P<det>the\s++|its\s++|their\s++|this\s++|that\s++|last\s++|next\s++)(?P<rel>(?:latest|current|last|past|previous|next|coming|same|year[- ]ago|year[- ]earlier|comparable|prior[- ]year|year[- ]before|most\s++recent|recent|just[- ]ended|fiscal|comparable\s++year[- ]ago|year[- ]ago\s++third|year[- ]ago\s++fourth)\s++){{0,8}}(?:fiscal\s++)?quarter(?![\w-])", _I)
_P_PERIOD = re.compile(
    rf"{_B}(?P<det>the|its|their|last\s++year['’]s|this\s++year['’]s)\s++(?:(?P<y>{_YEAR})|(?P<rel>latest|most\s++recent|year[- ]earlier|year[- ]ago|comparable(?:\s++year[- ]ago|\s++year[- ]earlier)?|corresponding|same|prior[- ]year|year[- ]before|recent|just[- ]ended|current|full)|(?<=\s\s))"
    rf"(?:\s*+(?<=\s)(?P<ord>first|second|third|fourth))?\s*+(?<=\s)(?:fiscal\s++)?(?P<unit>period|quarter|nine\s++months|six\s++months|three\s++months|year)"
    rf"(?P<tail>\s++(?:a\s++year\s++(?:ago|earlier)|(?:of\s++)?last\s++year|of\s++(?:the\s++)?previous\s++year|a\s++year\s++before))?{_E}", _I)
_P_HALF = re.compile(
    rf"{_B}(?:the\s+)?(?P<ord>first|second|1st|2nd|latter|last)\s+half\s+of\s+(?:the\s+)?(?P<y>{_YEAR}|this\s+year|last\s+year|next\s+year|the\s+year|year)|(?-i:H(?P<h>[12]))\s*(?P<y2>{_YEAR}){_E}", _I)
_P_SEASON = re.compile(
    rf"{_B}(?:(?P<rel>the|this(?:\s+past|\s+coming)?|last|next|past|coming|that)\s+)?(?P<s>spring|summer|autumn|fall|winter)(?P<poss>['’]s)?(?:\s+(?:of\s+)?(?:(?P<y>{_YEAR})|(?P<sy>{_SPELLED_YEAR_RE})(?![\w-])))?{_E}", _I)
_P_DURATION = re.compile(
    rf"{_B}(?P<det>the\s+(?:(?:past|last|next|first|previous|coming|following|latest|final|remaining|initial|same|ensuing|preceding|intervening|recent|current)\s+)?|(?:past|last|next|first|another|an\s+additional|an\s+extra|a\s+further)\s+)?"
    rf"(?P<num>{_NUM})(?P<range>\s*(?:to|-|–|or)\s*(?:{_DIGITS}|{_NUMW}))?(?:[- ](?P<more>more|additional|full|long|straight|consecutive|trading|business|working|calendar|fiscal|school|academic|light|whole|entire|odd|plus))?[ ](?P<unit>{_UNIT})(?P<half>\s+and\s+a\s+half)?{_E}", _I)
_P_ADJ_DURATION = re.compile(
    rf"{_B}(?P<num>{_NUMW}|\d+(?:\.\d+)?|one|a|half|one-and-a-half|two-and-a-half)-(?P<unit>second|minute|hour|day|night|week|month|quarter|year|decade|century)(?P<long>-long)?(?![\w-])", _I)
_P_LONG = re.compile(rf"{_B}(?P<unit>hour|day|week|month|year|decade|century)[- ]long{_E}", _I)
_P_AGO = re.compile(
    rf"{_B}(?P<num>{_NUM})(?:\s+(?:more|additional|full|long|trading|business|working|odd|plus))?\s+(?P<unit>{_UNIT})(?P<half>\s+and\s+a\s+half)?(?P<orso>\s+or\s+so)?\s+(?P<dir>ago|earlier|later|before|after|from\s+now|hence|back|previously|prior|on){_E}", _I)
_P_BARE = re.compile(rf"{_B}(?P<unit>seconds|minutes|hours|days|weeks|months|years|decades|centuries|millennia){_E}", _I)
_P_REF = re.compile(
    rf"{_B}(?P<w>right\s+now|now|nowadays|these\s+days|currently|current|present(?=\s+day|-day)|recently|lately|recent(?:\s+(?P<ru>years|months|weeks|days|decades|times|quarters))?|"
    rf"soon|the\s+(?:near\s+|distant\s+|foreseeable\s+|immediate\s+)?future|the\s+past|the\s+(?:near|short|long)\s+term|"
    rf"(?:the\s+)?coming\s+(?P<cu>days|weeks|months|years|decades)|the\s+(?P<au>days|weeks|months|years)\s+ahead|a\s+later\s+date|the\s+present|"
    rf"once\s+(?=(?:a|an)\s)|at\s+present|in\s+the\s+meantime|meanwhile|one\s+day|"
    rf"(?P<vague>a\s+while|a\s+(?:very\s+)?long\s+time|a\s+short\s+time|some\s+time|a\s+(?:fairly\s+)?(?:long|lengthy|short|brief)\s+period(?:\s+of\s+time)?)){_E}", _I)
_P_TIME = re.compile(
    rf"{_B}(?P<pre>(?:at|around|about|by|until|before|after|from)\s+)?(?:(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<mi>[0-5]\d))?\s*(?P<ap>a\.m\.|p\.m\.|a\.m|p\.m|am|pm|AM|PM)(?![\w])|"
    rf"(?P<h24>[01]?\d|2[0-3]):(?P<mi24>[0-5]\d)(?:\s*(?:hrs|h|GMT|UTC)(?!\w))?(?![\d:])|(?P<hmil>[01]\d|2[0-3])(?P<mmil>[0-5]\d)(?=\s*(?:GMT|UTC|hrs|hours\s+(?:GMT|local)|local\s+time)(?!\w))|(?P<nm>noon|midnight|midday|mid-?day)(?![\w-])|(?P<hw>{_NUMW})\s+o['’]clock)"
    rf"(?:\s+(?P<tz>(?-i:[ECMP][SD]T|GMT|UTC|BST|CET|CEST|MSK)|local\s+time))?", _I)
_P_SET = re.compile(
    rf"{_B}(?:(?P<q>every|each|per|a|an)\s+(?:(?P<n>other|{_NUMW}|\d+)\s+)?(?P<unit>seconds?|minutes?|hours?|days?|nights?|weeks?|weekends?|months?|quarters?|years?|decades?|mornings?|afternoons?|evenings?)(?!\w)|"
    rf"(?:every|each)\s+(?P<wd>{_WEEKDAY_S_RE})(?:\s+(?P<dp>morning|afternoon|evening|night))?|(?:every|each)\s+(?P<mon>{_MONTH_FULL_RE})|"
    rf"(?:every|each)\s+(?P<ssn>spring|summer|autumn|fall|winter)|"
    rf"(?P<adv>annually|yearly|monthly|weekly|daily|nightly|hourly|biweekly|fortnightly|bimonthly|biannually|semiannually|semi-annually|quarterly)|"
    rf"(?P<wds>{_WEEKDAY_S_RE})(?:s(?:\s+(?P<dps>mornings|afternoons|evenings|nights))?|\s+(?P<dpn>mornings|afternoons|evenings|nights))){_E}", _I)
_P_HOLIDAY = re.compile(
    rf"{_B}(?P<h>Christmas\s+Eve|Christmas(?:\s+Day)?|New\s+Year['’]s\s+(?:Day|Eve)|Halloween|Valentine['’]s\s+Day|"
    rf"Thanksgiving(?:\s+Day)?|Easter(?:\s+Sunday)?|Boxing\s+Day|Labou?r\s+Day|Memorial\s+Day|Veterans\s+Day|"
    rf"Independence\s+Day|May\s+Day|Good\s+Friday)(?:\s+(?P<y>{_YEAR}))?{_E}")
_P_YEAREND = re.compile(rf"{_B}(?P<u>year|month|quarter)[- ]end{_E}|{_B}(?P<u2>year)['’]s\s+end{_E}|{_B}mid-?(?P<u3>year|month|week){_E}", _I)
_P_YEARAGO = re.compile(rf"{_B}(?P<w>year[- ](?:ago|earlier)|prior[- ]year|year[- ]before){_E}(?=\s+(?:[a-z]))", _I)

# modifiers around a core
_PRE_PART = re.compile(
    r"(?:(?<![\w-])(?:the\s+)?(?:very\s+)?(?P<pm>early|earlier|mid|middle|late|later)(?:[- ]|\s+in\s+)?"
    r"|(?<![\w-])(?:the\s+|this\s+)?(?P<pp>beginning|start|middle|end|close|turn|early\s+part|latter\s+part|later\s+part|last\s+part|first\s+part|dawn)\s+of\s+)$", re.I)
_PRE_QUANT = re.compile(
    r"(?<![\w-])(?P<q>about|around|approximately|roughly|nearly|almost|close\s+to|more\s+than|less\s+than|under|"
    r"at\s+least|at\s+most|up\s+to|no\s+more\s+than|no\s+less\s+than|not\s+more\s+than|fewer\s+than|just\s+over|"
    r"just\s+under|well\s+over|some|circa|upwards\s+of|in\s+excess\s+of|the\s+better\s+part\s+of)\s+$", re.I)
_SUF_MOD = re.compile(r"^\s+(?P<s>or\s+so|or\s+more|or\s+longer|or\s+less|or\s+later|or\s+earlier|and\s+beyond|or\s+after|or\s+before|onwards?)(?!\w)", re.I)
_QUANT_MOD = {"about": "APPROX", "around": "APPROX", "approximately": "APPROX", "roughly": "APPROX", "circa": "APPROX",
              "some": "APPROX", "nearly": "LESS_THAN", "almost": "LESS_THAN", "close to": "APPROX", "more than": "MORE_THAN",
              "over": "MORE_THAN", "less than": "LESS_THAN", "under": "LESS_THAN", "at least": "EQUAL_OR_MORE",
              "at most": "EQUAL_OR_LESS", "up to": "EQUAL_OR_LESS", "no more than": "EQUAL_OR_LESS",
              "not more than": "EQUAL_OR_LESS", "no less than": "EQUAL_OR_MORE", "fewer than": "LESS_THAN",
              "just over": "MORE_THAN", "just under": "LESS_THAN", "well over": "MORE_THAN", "upwards of": "MORE_THAN",
              "in excess of": "MORE_THAN", "the better part of": "APPROX"}
_PART_MOD = {"early": "START", "earlier": "START", "beginning": "START", "start": "START", "dawn": "START",
             "early part": "START", "first part": "START", "mid": "MID", "middle": "MID", "late": "END",
             "later": "END", "end": "END", "close": "END", "latter part": "END", "later part": "END",
             "last part": "END", "turn": None}
_SUF_MODS = {"or so": "APPROX", "or more": "EQUAL_OR_MORE", "or longer": "EQUAL_OR_MORE", "or less": "EQUAL_OR_LESS",
             "or later": "ON_OR_AFTER", "and beyond": "ON_OR_AFTER", "or after": "ON_OR_AFTER", "onward": "ON_OR_AFTER",
             "onwards": "ON_OR_AFTER", "or earlier": "ON_OR_BEFORE", "or before": "ON_OR_BEFORE"}

_AGE_AFTER = re.compile(r"^(?:-|\s+)(?:old|of\s+age)\b|^-old", re.I)
_NOT_YEAR_AFTER = re.compile(
    r"^\s+(?:(?:[a-z]+\s+)?(?:people|persons|troops|soldiers|police|members|employees|workers|jobs|votes|voters|"
    r"units|cars|vehicles|homes|houses|acres|feet|foot|miles|meters|metres|km|kilometers|kilometres|tons|tonnes|"
    r"barrels|shares|dollars|euros|yuan|rubles|roubles|pounds|points|pages|words|copies|cases|deaths|patients|"
    r"students|residents|refugees|prisoners|delegates|participants|seats|companies|firms|rooms|beds|calories|"
    r"hours|minutes|days|weeks|months|years)\b|x\d|by\s+\d)", re.I)
_QTY_BEFORE = re.compile(
    r"(?:\b(?:about|nearly|almost|some|approximately|than|under|up\s+to|roughly|around|only|just|total\s+of|"
    r"no|number|nos?\.|page|pages|room|flight|route|channel|highway|article|resolution|model|rule|section|"
    r"paragraph|ward|apartment|suite|bus|line|code|item|order|case|serial|opus|exhibit|p\.|pp\.)\s+|[+±×x*=<>~]\s*)$",
    re.I)
_YEAR_PREP_BEFORE = re.compile(
    r"\b(?:in|since|until|till|by|from|through|during|before|after|between|early|late|mid|"
    r"year|fiscal|spring|summer|autumn|fall|winter)\s+$", re.I)
_MONEY_BEFORE = re.compile(
    r"(?:[$€£¥]\s?\d[\d,.]*(?:\s*(?:million|billion|trillion|bn|m|k))?|\b(?:dollars?|cents?|euros?|pounds?|yuan|"
    r"rubles?|roubles?|rupees?|yen|francs?|marks?|dlrs|pence))\s+(?:in\s+\w+\s+)?$", re.I)
_COUNT_BEFORE = re.compile(
    r"(?:\b(?:times|twice|once|thrice|tons?|tonnes?|barrels?|units|visits|meetings|hours|days|miles|kilometers|"
    r"kilometres|people|cars|copies|sessions|shifts|games|trips|flights|seats|passengers|visitors|tourists|"
    r"[a-z]+s)|\d[\d,.]*\s*(?:%|percent|million|billion)?)\s+$", re.I)


def _is_cap_context(text: str, start: int) -> bool:
    """True at the start of a sentence/heading (capitalised words say nothing there)."""
    j = start - 1
    while j >= 0 and text[j] in " \t\"“‘'(":
        j -= 1
    return j < 0 or text[j] in ".!?\n:;—–-"


# ----------------------------------------------------------------------------------------------
# Candidates
# ----------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    kind: str
    m: re.Match[str]
    prio: int


_Accept = Callable[[re.Match[str], str], bool]


def _acc_always(m: re.Match[str], text: str) -> bool:
    return True


def _acc_month(m: re.Match[str], text: str) -> bool:
    """A bare month name: "May", "June", "April", "August" double as names/verbs; require a cue."""
    mon = m.group("mon")
    low = mon.lower().rstrip(".")
    before = text[max(0, m.start() - 25): m.start()]
    after = text[m.end(): m.end() + 25]
    cue_before = re.search(
        r"(?:\b(?:in|since|until|till|by|from|to|through|during|before|after|of|early|late|mid|last|next|this|"
        r"between|and|or|on|for|that|since\s+early|since\s+late|beginning|end|start|middle)\s+|mid-|\($)$", before, re.I)
    if low in ("may", "june", "april", "august", "march", "jan"):
        if mon == mon.upper() and len(mon) > 3 and not cue_before:
            return False
        if not cue_before:
            return bool(re.match(r"^(?:['’]s\s+\w+|\s+(?:and|or|to|through)\s+[A-Z][a-z]+\s+\d{4})", after)) and low != "may"
        if low == "may" and re.match(r"^\s+(?:be|have|not|also|well|never|still|take|need|want|seem|become|go|come|do|make|face|lose|win|get|help|be)\b", after):
            return False
        return True
    return True


_NAME_BEFORE_YEAR = re.compile(r"(?<![\w.'’-])(?P<w>[A-Z][A-Za-z]*|[A-Z]{2,})\s$")
_NOT_NAME_WORDS = frozenset(
    "in by since until till from before after during through of and or than to at on for between around about "
    "circa early late mid end year fiscal calendar spring summer autumn fall winter christmas easter "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec ad bc ce fy the".split())


def _acc_year(m: re.Match[str], text: str) -> bool:
    if m.group("pre"):
        return True
    s = m.start()
    before = text[max(0, s - 30): s]
    mn = _NAME_BEFORE_YEAR.search(before)
    if mn and mn.group("w").lower() not in _NOT_NAME_WORDS and not _is_cap_context(text, s - len(mn.group(0))):
        return False  # "Windows 2000", "Orion 1980", "Expo 2000": a name, not a year
    after = text[m.end(): m.end() + 40]
    if re.search(r"[$€£¥#№]\s*$|\d[\d,.]*\s*[-–]\s*$|\bNo\.\s*$|[A-Za-z]-$", before) and not re.search(
            r"\b(?:mid|pre|post|early|late|end|fiscal|FY)-$|(?<![\d,.$])(?:1[6-9]\d\d|20\d\d)[-–]$", before, re.I):
        return False
    if _NOT_YEAR_AFTER.match(after):
        return False
    if re.match(r"^\s*(?:-|–|to)\s*\d{1,3}(?!\d)", after) and not re.match(r"^\s*[-–]\s*\d\d(?!\d)", after):
        return False  # "2000-500" score-like or ranges of numbers
    if _QTY_BEFORE.search(before) and not _YEAR_PREP_BEFORE.search(before):
        return False
    if re.search(r"\b(?:about|nearly|almost|approximately|than|roughly|some|around)\s+$", before, re.I):
        return False
    return True


def _acc_weekday(m: re.Match[str], text: str) -> bool:
    wd = m.group("wd")
    if wd.isupper() and len(wd) <= 4:
        return False
    # "Black Friday", "Good Friday", "Super Tuesday" are names; "Bloody Sunday" an event name
    before = text[max(0, m.start() - 12): m.start()]
    if re.search(r"\b(?:Good|Black|Cyber|Super|Bloody|Ash|Palm|Easter|Holy|Maundy|Whit|Giving)\s+$", before):
        return False
    return True


def _acc_duration(m: re.Match[str], text: str) -> bool:
    num = m.group("num").lower()
    unit = m.group("unit").lower()
    after = text[m.end(): m.end() + 20]
    if _AGE_AFTER.match(after):
        return False
    if unit.startswith("second") and num in ("a", "one", "the"):
        return False
    if unit.startswith("quarter") and re.match(r"^\s+(?:of|century)\b", after, re.I):
        return False
    if unit.startswith("quarter") and num in ("a", "an", "three", "one") and not m.group("det"):
        return False
    if num in ("a", "an") and not m.group("det"):
        # "$50 a year" (a rate: not tagged in TimeBank) and "50 seats a week" (a SET) are not durations
        before = text[max(0, m.start() - 30): m.start()]
        if _MONEY_BEFORE.search(before) or _COUNT_BEFORE.search(before) and not re.search(
                r"\b(?:for|in|within|after|over|than|about|nearly|almost|of|took|takes|lasted|spent)\s+$", before, re.I):
            return False
    if re.fullmatch(r"1[6-9]\d\d|20\d\d", num) and not unit.endswith("s"):
        return False  # "the 1988 second quarter", "1990 year"
    if num in ("some", "many", "few") and not m.group("det"):
        if not unit.endswith("s"):
            return False
    if num[0].isdigit() and "." in num and not re.fullmatch(r"\d+\.\d", num.split()[0]):
        return False
    return True


def _acc_adj(m: re.Match[str], text: str) -> bool:
    after = text[m.end(): m.end() + 12]
    if m.group(0)[:1].isupper() and m.group("unit")[:1].isupper() and re.match(r"^\s+(?:Plans?|Programs?|Programmes?)\b", after):
        return False  # "the Ninth Five-Year Plan": a name
    if re.match(r"^(?:-|\s)?olds?\b", after, re.I):
        return False
    if m.group("unit").lower() == "second" and m.group("num").lower() in ("a", "one"):
        return False
    return True


def _acc_ago(m: re.Match[str], text: str) -> bool:
    d = m.group("dir").lower()
    if d in ("before", "after", "prior", "previously", "on", "back"):
        after = text[m.end(): m.end() + 3]
        if d in ("before", "after", "prior", "on") and after[:1] and after[:1] not in ",.;:!?)\n\"”'’":
            return False  # "two years after the war": the duration alone (a DURATION candidate)
        if d == "back" and after[:1].isalpha():
            return False
    return True


def _acc_bare(m: re.Match[str], text: str) -> bool:
    before = text[max(0, m.start() - 14): m.start()]
    after = text[m.end(): m.end() + 12]
    if _AGE_AFTER.match(after):
        return False
    if re.match(r"^\s+(?:later|earlier)\b", after, re.I) and not re.search(r"\b(?:the|these|those|their|its|his|her)\s+$", before, re.I):
        return True  # "hours later", "days earlier": an unspecified duration (the adverb is a signal)
    if not re.search(r"\b(?:for|in|within|over|after|took|take|takes|taking|spent|spend|lasted|last|lasting|of|than)\s+$", before, re.I):
        return False
    if re.match(r"^\s+(?:of\s+(?:age|experience)|old)\b", after, re.I):
        return False
    if re.search(r"\bof\s+$", before, re.I) and not re.search(r"\b(?:matter|course|couple|number|lot|period|space)\s+of\s+$", before, re.I):
        return False
    if re.search(r"\b(?:matter|course|couple|number|lot|period|space)\s+of\s+$", before, re.I):
        return False
    return True


def _acc_ref(m: re.Match[str], text: str) -> bool:
    w = m.group("w").lower()
    after = text[m.end(): m.end() + 30]
    before = text[max(0, m.start() - 20): m.start()]
    if w == "current":
        # an adjective before a noun; not "current account", "electric current", "the current" (noun)
        if not re.match(r"^\s+[a-z]", after) or re.match(r"^\s+(?:account|accounts|affairs|events|flows?|density|source|sensor|of)\b", after, re.I):
            return False
        if re.search(r"\b(?:electric|electrical|alternating|direct|ocean|strong)\s+$", before, re.I):
            return False
        return True
    if w == "recent":
        # the bare adjective ("the recent sale", "recent attacks") is not a temporal expression in
        # TimeML (like "former"); "recent years/months/weeks" is
        return False
    if w == "now":
        if re.match(r"^\s*-", after) or re.search(r"\bfrom\s+$", before, re.I) and re.match(r"^\s+on\b", after):
            return True
        return True
    if w == "the past":
        return not re.match(r"^\s+(?:\d|few|several|couple|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty)", after, re.I)
    if w.startswith("once"):
        return False  # "once" is rarely a date reference; kept out
    if w == "one day":
        # "will one day be", "he one day follow": an indefinite future; else a duration ("for one day")
        return bool(re.search(r"\b(?:will|would|could|might|may|can|shall|should|must|he|she|they|we|i|you|it)\s+$", before, re.I))
    if m.group("vague"):
        return not re.match(r"^\s+(?:ago|before|after|later|earlier|now|to\s+come)\b", after, re.I)
    if w in ("in the meantime", "meanwhile", "the present"):
        return False
    if w.endswith("future") and re.match(r"^\s+of\b", after):
        return False  # "the future of our peoples": a noun, not a time
    if w == "soon" and (re.search(r"\bas\s+$", before, re.I) and re.match(r"^\s+as\b", after, re.I)
                        or re.match(r"^\s+(?:after|afterwards?|thereafter|before)\b", after, re.I)):
        return False  # "soon after the war" relates two events; "as soon as" is a conjunction
    return True


def _acc_set(m: re.Match[str], text: str) -> bool:
    q = (m.group("q") or "").lower()
    if q in ("a", "an"):
        before = text[max(0, m.start() - 30): m.start()]
        if _MONEY_BEFORE.search(before):
            return False
        if re.match(r"^\s+(?:from|after|before|later|earlier|ago|into|since|of)\b", text[m.end(): m.end() + 10], re.I):
            return False  # "a week from Monday", "a year after the war": a duration, not a rate
        if re.search(rf"{_MONTH_RE}\s*\d{{1,2}},?\s+$", before):
            return False  # "March 6, a week ...": the number is a day of the month
        return bool(_COUNT_BEFORE.search(before)) and not re.search(
            r"\b(?:for|in|within|after|over|than|about|nearly|almost|of|took|takes|lasted|spent)\s+$", before, re.I)
    if m.group("adv"):
        adv = m.group("adv").lower()
        after = text[m.end(): m.end() + 20]
        if re.match(r"^\s+[A-Za-z]", after) and not re.match(
                r"^\s+(?:in|at|on|for|to|and|or|from|since|through|by|until|over|during|with|the|a|an|is|was|were|are|be|"
                r"been|as|than|between|into|basis|rate|average)\b", after, re.I):
            return False  # adjectival: "quarterly dividend", "daily volume", "the Daily Mail"
    return True


def _acc_time(m: re.Match[str], text: str) -> bool:
    if m.group("hmil") is not None:
        return True  # "0730 GMT", "1930 local time": a 24-hour clock written as four digits with a zone
    if m.group("h24") is not None:
        # 24-hour clock only with a cue ("at 14:30", "14:30 GMT") — not scores or ratios
        if not (m.group("pre") or m.group("tz") or re.search(r"(?:GMT|UTC|hrs|h)$", m.group(0))):
            return False
    if m.group("h") is not None and m.group("ap") and m.group("ap").lower() in ("am", "pm") and not m.group("mi"):
        # "I am", "5 am" ambiguity: bare "am" after a number is fine, but not "pm" as an abbreviation alone
        if m.group("ap") == "am" and not re.match(r"^\d", m.group(0).lstrip()):
            return False
    return True


_DAY_IN_BEFORE = re.compile(r"\b(?:(?:earlier|later|early|late)\s+in|(?:end|rest|course|middle)\s+of)\s+$", re.I)


def _acc_rel_unit(m: re.Match[str], text: str) -> bool:
    rel = " ".join(m.group("rel").lower().split())
    unit = m.group("unit").lower()
    after = text[m.end(): m.end() + 25]
    if unit == "day":
        if rel == "the":
            # "earlier in the day", "later in the day", "by the end of the day": the day being talked about
            return m.group(0).islower() and bool(_DAY_IN_BEFORE.search(text, max(0, m.start() - 30), m.start()))
        return rel in ("the following", "the next", "the previous", "the preceding", "the same", "that", "the prior",
                       "that same", "this same")
    if rel == "the":
        if unit in ("decade", "century", "millennium"):
            # "the end of the century", "the turn of the century"
            return bool(re.search(r"\b(?:turn|end|start|beginning|middle|close|dawn|rest)\s+of\s+$", text[max(0, m.start() - 20): m.start()], re.I))
        if unit in ("week", "weekend", "year", "month"):
            if unit == "year" and re.match(r"^\s+(?:before|after|earlier|later|ago|in\s+which|when|of\s+the)\b", after, re.I):
                return False
            return True
        return False
    if rel == "that" and unit in ("decade", "century"):
        return False
    word0 = m.group("rel").split()[0]
    if word0[:1].isupper() and m.group("unit")[:1].isupper() and not _is_cap_context(text, m.start()):
        return False  # "ABC's This Week": a title
    if rel in ("current", "present") and unit in ("day",):
        return False
    return True


def _acc_season(m: re.Match[str], text: str) -> bool:
    if not (m.group("y") or m.group("sy")) and m.group("s")[:1].isupper() and re.match(
            r"^\s+(?-i:[A-Z])[a-z]", text[m.end(): m.end() + 4]) and not _is_cap_context(text, m.start("s")):
        return False  # "the Spring Festival", "the Summer Olympics", "the Winter Palace": a name
    if m.group("rel") or m.group("y") or m.group("sy"):
        return True
    s = m.group("s").lower()
    before = text[max(0, m.start() - 16): m.start()]
    if re.search(r"\b(?:in|during|by|since|until|till|through|early|late|mid|last|this|next|over|for)\s+$", before, re.I) and s != "fall":
        return True
    return False


def _acc_rel_quarter(m: re.Match[str], text: str) -> bool:
    det = m.group("det").lower().strip()
    if det in ("last", "next", "this", "that"):
        return True
    return True


def _acc_decade(m: re.Match[str], text: str) -> bool:
    before = text[max(0, m.start() - 20): m.start()]
    if re.search(r"\b(?:in|into)\s+(?:his|her|their|my|your|our|its)\s+$", before, re.I):
        return False  # ages: "in her 30s"
    if m.group("d2") is None and m.group("c") is None and m.group("d3") is None and m.group("w") is None and m.group("w2") is None:
        return False
    return True


_NOT_OVERNIGHT_AFTER = re.compile(
    r"^[\s-]+(?:rates?|lending|loans?|borrowing|money|funds|deposits?|interbank|repos?|repurchase|index|success|sensation|"
    r"celebrity|stays?|delivery|deliveries|shipping|bags?|trips?|guests?|express|millionaires?|hit)\b", re.I)


def _acc_daypart(m: re.Match[str], text: str) -> bool:
    if m.group("ov"):
        # "overnight" names last night; not the money-market "overnight rate" nor "an overnight success"
        return not _NOT_OVERNIGHT_AFTER.match(text[m.end(): m.end() + 20]) and not re.search(
            r"\b(?:an|the)\s+$|\bnot\s+$", text[max(0, m.start() - 5): m.start()], re.I)
    return True


def _acc_daypart_ref(m: re.Match[str], text: str) -> bool:
    """"that night", "the next morning", "in the morning": a time of the day being talked about."""
    rel = " ".join(m.group("rel").lower().split())
    after = text[m.end(): m.end() + 12]
    if re.match(r"^(?:\s+of\b|['’]s|-)", after):
        return False  # "the night of Aug. 7" (the date is the expression), "the morning's papers"
    if rel == "the":
        return bool(re.search(r"\b(?:in|during|by|until|till|through|overnight|throughout)\s+$", text[max(0, m.start() - 20): m.start()], re.I))
    return True


def _acc_dayrel(m: re.Match[str], text: str) -> bool:
    w = m.group("w")
    if w[:1].isupper() and not _is_cap_context(text, m.start()):
        # "VOA Today", "USA Today": a name, after a capitalised word
        if re.search(r"[A-Z][\w.]*\s+$", text[max(0, m.start() - 20): m.start()]):
            return False
    return True


def _acc_yearago(m: re.Match[str], text: str) -> bool:
    return True


def _acc_period(m: re.Match[str], text: str) -> bool:
    unit = m.group("unit").lower()
    if not (m.group("y") or m.group("rel") or m.group("ord") or m.group("tail")):
        return False
    if unit == "year":
        # "the full year", "the current year", "the year-earlier year" are dates; not "the 1990 year"
        return (m.group("rel") or "").lower() in ("full", "current", "same", "just ended", "just-ended") and not m.group("ord")
    det = m.group("det").lower()
    if det.startswith(("last", "this")) and unit != "quarter":
        return False
    return True


# Trigger classes: a cheap token pass finds the words a family needs; the family's regex then runs
# only in windows around them (scanning every position with ~35 regexes would cost more than the parse).
_T_MON, _T_WD, _T_UNIT, _T_QTR, _T_REF, _T_DAYREL, _T_DAYPART, _T_SEASON, _T_HOL, _T_ADV, _T_SPELLED, \
    _T_DECADE, _T_YEAR, _T_CLOCK, _T_NUMDATE = (1 << i for i in range(15))


def _word_classes() -> dict[str, int]:
    out: dict[str, int] = {}

    def add(words: Sequence[str], bit: int) -> None:
        for w in words:
            out[w] = out.get(w, 0) | bit

    add(list(_MONTH_NUM), _T_MON)
    add(list(_WEEKDAY_NUM) + [w + "s" for w in _WEEKDAYS_FULL], _T_WD)
    units = ["second", "minute", "hour", "day", "week", "weekend", "fortnight", "month", "quarter", "year", "decade",
             "night", "morning", "afternoon", "evening"]
    add(units + [u + "s" for u in units] + ["century", "centuries", "millennium", "millennia", "yearlong"], _T_UNIT)
    add(["quarter", "quarters", "qtr", "period", "half", "1q", "2q", "3q", "4q", "q1", "q2", "q3", "q4", "h1", "h2",
         "year", "nine", "six", "three"], _T_QTR)
    add(["now", "nowadays", "current", "currently", "recent", "recently", "lately", "soon", "future", "past", "present",
         "while", "time", "period", "one",
         "term", "ahead", "coming", "date", "days", "years", "months", "weeks", "decades", "times", "quarters"], _T_REF)
    add(["yesterday", "today", "tomorrow", "tonight"], _T_DAYREL)
    add(["morning", "afternoon", "evening", "night", "overnight"], _T_DAYPART)
    add(list(_SEASONS), _T_SEASON)
    add(["christmas", "halloween", "thanksgiving", "easter", "valentine", "day", "eve", "friday"], _T_HOL)
    add(list(_ADV_SET_WORDS), _T_ADV)
    add(["nineteen", "thousand"], _T_SPELLED)
    add(["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"], _T_DECADE)
    add(["fy"], _T_YEAR)
    add(["noon", "midnight", "midday", "clock", "am", "pm", "gmt", "utc"], _T_CLOCK)
    return out


_ADV_SET_WORDS = ("annually", "yearly", "monthly", "weekly", "daily", "nightly", "hourly", "biweekly", "fortnightly",
                  "bimonthly", "biannually", "semiannually", "quarterly")
_WORD_CLASS = _word_classes()
_TOKEN = re.compile(r"\w+")
_CLOCK_AFTER = re.compile(r"\s?[aApP]\.?[mM](?!\w)|:[0-5]\d")
_DECADE_TOK = re.compile(r"(?:1\d|20)?\d0s")
_MARGIN_LEFT, _MARGIN_RIGHT = 90, 70

_FAMILIES: list[tuple[str, re.Pattern[str], _Accept, int, int, int, int]] = [
    ("iso", _P_ISO, _acc_always, 0, _T_NUMDATE, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("numeric", _P_NUMERIC, _acc_always, 1, _T_NUMDATE, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("mdy", _P_MDY, _acc_always, 2, _T_MON, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("dmy", _P_DMY, _acc_always, 2, _T_MON, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("month_year", _P_MONTH_YEAR, _acc_always, 3, _T_MON, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("rel_month", _P_REL_MONTH, _acc_always, 3, _T_MON, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("rel_weekday", _P_REL_WEEKDAY, _acc_always, 3, _T_WD, 30, 25),
    ("quarter", _P_QUARTER, _acc_always, 3, _T_QTR, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("qcode", _P_QCODE, _acc_always, 3, _T_QTR, 10, 12),
    ("half", _P_HALF, _acc_always, 3, _T_QTR, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("period", _P_PERIOD, _acc_period, 3, _T_QTR, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("decade", _P_DECADE, _acc_decade, 3, _T_DECADE, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("century", _P_CENTURY, _acc_always, 3, _T_UNIT, 45, 12),
    ("holiday", _P_HOLIDAY, _acc_always, 4, _T_HOL, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("ago", _P_AGO, _acc_ago, 4, _T_UNIT, 70, 30),
    ("set", _P_SET, _acc_set, 4, _T_UNIT | _T_WD | _T_MON | _T_ADV | _T_SEASON, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("time", _P_TIME, _acc_time, 4, _T_CLOCK, 30, 30),
    ("dayrel", _P_DAYREL, _acc_dayrel, 5, _T_DAYREL, 25, 25),
    ("daypart", _P_DAYPART, _acc_daypart, 5, _T_DAYPART, 25, 25),
    ("daypart_ref", _P_DAYPART_REF, _acc_daypart_ref, 5, _T_DAYPART, 25, 25),
    ("rel_quarter", _P_REL_QUARTER, _acc_rel_quarter, 5, _T_QTR, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("yearend", _P_YEAREND, _acc_always, 5, _T_UNIT, 12, 14),
    ("yearago", _P_YEARAGO, _acc_yearago, 5, _T_UNIT, 10, 16),
    ("season", _P_SEASON, _acc_season, 5, _T_SEASON, 25, 25),
    ("day_ba", _P_DAY_BA, _acc_always, 5, _T_UNIT, 12, 20),
    ("rel_unit", _P_REL_UNIT, _acc_rel_unit, 6, _T_UNIT, 35, 14),
    ("ref", _P_REF, _acc_ref, 5, _T_REF, 35, 30),
    ("duration", _P_DURATION, _acc_duration, 6, _T_UNIT, 75, 25),
    ("adj_duration", _P_ADJ_DURATION, _acc_adj, 6, _T_UNIT, 40, 20),
    ("long", _P_LONG, _acc_always, 6, _T_UNIT, 12, 12),
    ("month", _P_MONTH, _acc_month, 7, _T_MON, 5, 8),
    ("weekday", _P_WEEKDAY, _acc_weekday, 7, _T_WD, 5, 25),
    ("year", _P_YEAR, _acc_year, 8, _T_YEAR, 40, 10),
    ("fy", _P_FY, _acc_always, 8, _T_YEAR, 5, 10),
    ("spelled_year", _P_SPELLED_YEAR, _acc_always, 8, _T_SPELLED, _MARGIN_LEFT, _MARGIN_RIGHT),
    ("bare", _P_BARE, _acc_bare, 9, _T_UNIT, 2, 14),
]


def _triggers(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, classes)`` of the words that can be part of a temporal expression."""
    out: list[tuple[int, int, int]] = []
    get = _WORD_CLASS.get
    for m in _TOKEN.finditer(text):
        w = m.group()
        c0 = w[0]
        if c0.isdigit():
            cls = 0
            s, e = m.span()
            if w.isdigit():
                if len(w) == 4 and "1000" <= w <= "2199":
                    cls |= _T_YEAR
                nxt = text[e: e + 2]
                if len(nxt) == 2 and nxt[0] in "-/." and nxt[1].isdigit():
                    cls |= _T_NUMDATE
                if len(w) <= 2 and _CLOCK_AFTER.match(text, e):
                    cls |= _T_CLOCK
                if len(w) <= 2 and s > 0 and text[s - 1] in "'’" and nxt[:1] == "s":
                    cls |= _T_DECADE
            else:
                low = w.lower()
                if _DECADE_TOK.fullmatch(low):
                    cls |= _T_DECADE | _T_YEAR
                elif low.endswith(("am", "pm")) and low[:-2].isdigit():
                    cls |= _T_CLOCK
                elif low in ("1q", "2q", "3q", "4q"):
                    cls |= _T_QTR
            if cls:
                out.append((s, m.end(), cls))
            continue
        cls = get(w) if w.islower() else get(w.lower())
        if cls is None:
            if c0 in "FfQqHh" and len(w) <= 6:
                low = w.lower()
                if low.startswith("fy") and low[2:].isdigit():
                    cls = _T_YEAR
                elif low[:1] in "qh" and low[1:].isdigit():
                    cls = _T_QTR
            if not cls:
                continue
        out.append((m.start(), m.end(), cls))
    return out


def _windows(text: str, trig: list[tuple[int, int, int]], mask: int, left: int = _MARGIN_LEFT,
             right: int = _MARGIN_RIGHT) -> list[tuple[int, int]]:
    n = len(text)
    wins: list[tuple[int, int]] = []
    for s, e, cls in trig:
        if not cls & mask:
            continue
        ws, we = max(0, s - left), min(n, e + right)
        # never cut a word at the window's end (a lookahead there would see the end of the text); a window
        # end is always n or a character that stops the extension, so one ending inside the previous window
        # would stop at or before its end: skip the scan (else "1.1.1.1..." rescans one long run per trigger)
        if not (wins and we <= wins[-1][1]):
            while we < n and (text[we].isalnum() or text[we] in "'’."):
                we += 1
        if wins and ws <= wins[-1][1]:
            wins[-1] = (wins[-1][0], max(wins[-1][1], we))
        else:
            wins.append((ws, we))
    return wins


def _candidates(text: str) -> list[_Cand]:
    out: list[_Cand] = []
    seen: set[tuple[int, int, str]] = set()
    trig = _triggers(text)
    if not trig:
        return out
    win_cache: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    for kind, rx, accept, prio, mask, left, right in _FAMILIES:
        wins = win_cache.get((mask, left, right))
        if wins is None:
            wins = win_cache[(mask, left, right)] = _windows(text, trig, mask, left, right)
        for ws, we in wins:
            for m in rx.finditer(text, ws, we):
                s, e = m.span()
                if e <= s:
                    continue
                # leading preposition captured only for context ("at 8 p.m."): trim from the extent
                if kind == "time" and m.group("pre"):
                    s = m.start("pre") + len(m.group("pre"))
                key = (s, e, kind)
                if key in seen:
                    continue
                ok = accept(m, text)
                if ok is False:
                    continue
                seen.add(key)
                out.append(_Cand(s, e, kind, m, prio))
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest non-overlapping candidates (ties: family priority, then leftmost)."""
    cands.sort(key=lambda c: (-(c.end - c.start), c.prio, c.start))
    taken: list[tuple[int, int]] = []  # sorted intervals
    chosen: list[_Cand] = []
    for c in cands:
        i = bisect.bisect_left(taken, (c.start, c.start))
        if i > 0 and taken[i - 1][1] > c.start:
            continue
        if i < len(taken) and taken[i][0] < c.end:
            continue
        taken.insert(i, (c.start, c.end))
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


# ----------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Res:
    type: str
    value: str | None
    mod: str | None = None
    reason: str | None = None
    point: bool = True  # a DATE/TIME that may take "early"/"the end of" and anchor later references
    explicit_year: bool = False
    year_adjustable: bool = False  # a month/season/day whose year came from the DCT, not the text
    start_adj: int = 0  # trim (positive) the extent start
    end_adj: int = 0  # trim (negative) the extent end
    day_from_dct: bool = False  # a clock time whose day is the DCT only because no day was written next to it


_NO_DCT = _Res("DATE", None, reason="no_dct")


def _pick_year(ctx: _Ctx, start: int, end: int, month: int, day: int | None) -> tuple[int | None, str | None]:
    """Year of a month (and day) written without one, from the DCT and the tense."""
    dct = ctx.dct
    if dct is None:
        return None, "no_dct"
    tense = ctx.tense(start, end)
    y = dct.year
    if day is None:
        diff = month - dct.month  # months after the DCT
        # a past-tense clause about a month just ahead is usually a plan reported ("agreed to close in
        # December"): only a month well ahead flips to last year; likewise for the future
        if tense == "past" and diff > 2:
            return y - 1, "past_tense"
        if tense == "future" and diff < -2:
            return y + 1, "future_tense"
        if tense == "past" and diff <= 0:
            return y, None
        if tense == "future" and diff >= 0:
            return y, None
        if diff > 6:
            return y - 1, "nearest"
        if diff < -6:
            return y + 1, "nearest"
        return y, None
    cand = _safe_date(y, month, day) or _safe_date(y, month, 28)
    assert cand is not None
    delta = (cand - dct).days
    if tense == "past" and delta > 90:
        return y - 1, "past_tense"
    if tense == "future" and delta < -90:
        return y + 1, "future_tense"
    if delta > 183:
        return y - 1, "nearest"
    if delta < -183:
        return y + 1, "nearest"
    return y, None


def _resolve_weekday(ctx: _Ctx, start: int, end: int, wd: int, rel: str | None = None) -> tuple[dt.date | None, str | None]:
    dct = ctx.dct
    if dct is None:
        return None, "no_dct"
    cur = dct.weekday()
    back = (cur - wd) % 7
    fwd = (wd - cur) % 7
    if rel in ("the following", "the previous"):
        ref = _ref_date(ctx)
        if ref is not None:
            if rel == "the following":
                return ref + dt.timedelta(days=(wd - ref.weekday()) % 7 or 7), "anchor_previous"
            return ref - dt.timedelta(days=(ref.weekday() - wd) % 7 or 7), "anchor_previous"
    if rel in ("last", "past", "the previous", "this past", "the past"):
        return dct - dt.timedelta(days=back or 7), None
    if rel in ("next", "coming", "the coming", "this coming", "the next"):
        return dct + dt.timedelta(days=fwd or 7), None
    if back == 0:
        return dct, None
    tense = ctx.tense(start, end)
    if rel == "this":
        tense = tense or "present"
    if tense == "future":
        return dct + dt.timedelta(days=fwd), "future_tense"
    if tense == "past":
        return dct - dt.timedelta(days=back), "past_tense"
    if tense == "present" and ctx.doc is not None:
        if fwd < back:
            return dct + dt.timedelta(days=fwd), "nearest"
        return dct - dt.timedelta(days=back), "nearest"
    return dct - dt.timedelta(days=back), "past_bias"


def _ref_date(ctx: _Ctx) -> dt.date | None:
    if ctx.ref_day:
        return dt.date.fromisoformat(ctx.ref_day)
    return None


def _year_of(s: str) -> int | None:
    s = s.strip()
    if s.isdigit() and len(s) == 4:
        return int(s)
    return None


def _rel_year(ctx: _Ctx, rel: str) -> int | None:
    rel = " ".join(rel.lower().split())
    if ctx.dct is None:
        return None
    y = ctx.dct.year
    return {"this year": y, "last year": y - 1, "next year": y + 1, "the year": y, "the current year": y,
            "the previous year": y - 1, "year": y}.get(rel)


def _day_ord(s: str) -> int | None:
    s = s.lower().replace(" ", "-")
    m = re.match(r"\d+", s)
    if m:
        return int(m.group(0))
    if "-" in s:
        a, b = s.split("-", 1)
        if a in _TENS and b in _ORDINALS:
            return _TENS[a] + _ORDINALS[b]
    return _ORDINALS.get(s)


def _spelled_year(s: str) -> int | None:
    words = s.lower().replace("-", " ").split()
    if words[:2] == ["two", "thousand"]:
        rest = [w for w in words[2:] if w != "and"]
        n = _num_value(" ".join(rest)) if rest else 0
        return 2000 + int(n) if n is not None else None
    if words[0] == "nineteen":
        rest = [w for w in words[1:] if w not in ("hundred", "and")]
        if rest and rest[0] == "oh":
            rest = rest[1:]
        n = _num_value(" ".join(rest)) if rest else 0
        return 1900 + int(n) if n is not None and n < 100 else None
    return None


def _easter(y: int) -> dt.date:
    a = y % 19
    b, c = divmod(y, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(y, month, day)


def _nth_weekday(y: int, month: int, wd: int, n: int) -> dt.date:
    if n > 0:
        d = dt.date(y, month, 1)
        d += dt.timedelta(days=(wd - d.weekday()) % 7)
        return d + dt.timedelta(days=7 * (n - 1))
    nxt = dt.date(y + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return nxt - dt.timedelta(days=(nxt.weekday() - wd) % 7)


_HOLIDAYS: dict[str, Callable[[int], dt.date]] = {
    "christmas eve": lambda y: dt.date(y, 12, 24), "christmas": lambda y: dt.date(y, 12, 25),
    "christmas day": lambda y: dt.date(y, 12, 25), "new year's day": lambda y: dt.date(y, 1, 1),
    "new year's eve": lambda y: dt.date(y, 12, 31), "halloween": lambda y: dt.date(y, 10, 31),
    "valentine's day": lambda y: dt.date(y, 2, 14), "boxing day": lambda y: dt.date(y, 12, 26),
    "may day": lambda y: dt.date(y, 5, 1), "veterans day": lambda y: dt.date(y, 11, 11),
    "independence day": lambda y: dt.date(y, 7, 4),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4), "thanksgiving day": lambda y: _nth_weekday(y, 11, 3, 4),
    "labor day": lambda y: _nth_weekday(y, 9, 0, 1), "labour day": lambda y: dt.date(y, 5, 1),
    "memorial day": lambda y: _nth_weekday(y, 5, 0, -1),
    "easter": _easter, "easter sunday": _easter, "good friday": lambda y: _easter(y) - dt.timedelta(days=2),
}


def _norm(ctx: _Ctx, c: _Cand) -> _Res | None:
    """TIMEX3 type/value for one candidate; None drops it."""
    m, kind, dct, text = c.m, c.kind, ctx.dct, ctx.text
    g = m.group

    if kind == "iso":
        y, mo, d = int(g("y")), int(g("m")), int(g("d"))
        if _safe_date(y, mo, d) is None:
            return _Res("DATE", None, reason="invalid_date")
        if g("H"):
            return _Res("TIME", f"{y:04d}-{mo:02d}-{d:02d}T{g('H')}:{g('M')}", explicit_year=True)
        return _Res("DATE", f"{y:04d}-{mo:02d}-{d:02d}", explicit_year=True)

    if kind == "numeric":
        a, b, ys = int(g("a")), int(g("b")), g("y")
        if len(ys) == 2:
            if g("sep") == "." and a > 12 and b <= 12:
                pass
            yy = int(ys)
            base = (dct.year // 100 * 100) if dct else 2000
            y = base + yy if base + yy <= (dct.year + 10 if dct else 2035) else base - 100 + yy
        else:
            y = int(ys)
        reason = None
        if a > 12 and b <= 12:
            mo, d = b, a
        elif b > 12 and a <= 12:
            mo, d = a, b
        elif a <= 12 and b <= 12:
            if g("sep") == ".":
                mo, d = b, a  # 27.01.2025 style: day.month.year
                reason = None if a == b else "assumed_dmy"
            else:
                mo, d = a, b
                reason = None if a == b else "assumed_mdy"
        else:
            return None
        if _safe_date(y, mo, d) is None:
            return None
        return _Res("DATE", f"{y:04d}-{mo:02d}-{d:02d}", reason=reason, explicit_year=True)

    if kind in ("mdy", "dmy"):
        mo = _MONTH_NUM[g("mon").lower().rstrip(".")]
        d = _day_ord(g("day"))
        if d is None or not 1 <= d <= 31:
            return None
        if g("y"):
            y = int(g("y"))
            if _safe_date(y, mo, d) is None:
                return _Res("DATE", None, reason="invalid_date", explicit_year=True)
            return _Res("DATE", f"{y:04d}-{mo:02d}-{d:02d}", explicit_year=True)
        if g("ry"):
            # "Aug. 7 last year": the year is written, relative to the DCT
            if dct is None:
                return _NO_DCT
            y = dct.year + {"last": -1, "this": 0, "next": 1}[g("ry").lower()]
            if _safe_date(y, mo, d) is None:
                return _Res("DATE", None, reason="invalid_date")
            return _Res("DATE", f"{y:04d}-{mo:02d}-{d:02d}")
        if g("wd") and dct is not None:
            # "Saturday, April 25": pick the year in which the weekday matches, nearest to the DCT
            wd = _WEEKDAY_NUM[g("wd").lower().rstrip(".")]
            for yy in (dct.year, dct.year - 1, dct.year + 1):
                cand = _safe_date(yy, mo, d)
                if cand is not None and cand.weekday() == wd and abs((cand - dct).days) < 330:
                    return _Res("DATE", _ymd(cand), year_adjustable=True)
        y, reason = _pick_year(ctx, c.start, c.end, mo, d)
        if y is None:
            return _Res("DATE", None, reason=reason)
        if _safe_date(y, mo, d) is None:
            return _Res("DATE", None, reason="invalid_date")
        return _Res("DATE", f"{y:04d}-{mo:02d}-{d:02d}", reason=reason if reason != "nearest" else None, year_adjustable=True)

    if kind == "month_year":
        mo = _MONTH_NUM[g("mon").lower().rstrip(".")]
        if g("y"):
            return _Res("DATE", _ym(int(g("y")), mo), explicit_year=True)
        if g("sy"):
            y = _spelled_year(g("sy"))
            return _Res("DATE", _ym(y, mo), explicit_year=True) if y else None
        if g("yy"):
            yy = int(g("yy"))
            return _Res("DATE", _ym(1900 + yy if yy > 40 else 2000 + yy, mo), explicit_year=True)
        rel = " ".join(g("rel").lower().split())
        if rel in ("that", "the same", "the following", "the previous"):
            base = int(ctx.ref[:4]) if ctx.ref and ctx.ref[:4].isdigit() else (dct.year if dct else None)
            if base is None:
                return _NO_DCT
            base += {"the following": 1, "the previous": -1}.get(rel, 0)
            return _Res("DATE", _ym(base, mo), reason="anchor_previous")
        if dct is None:
            return _NO_DCT
        y = dct.year + {"this": 0, "last": -1, "next": 1}[rel]
        return _Res("DATE", _ym(y, mo))

    if kind == "month":
        mo = _MONTH_NUM[g("mon").lower().rstrip(".")]
        y, reason = _pick_year(ctx, c.start, c.end, mo, None)
        r = _Res("DATE", _ym(y, mo) if y is not None else None, reason=reason, year_adjustable=True)
        if g("poss"):
            r.end_adj = -len(g("poss"))
        return r

    if kind == "rel_month":
        mo = _MONTH_NUM[g("mon").lower()]
        rel = " ".join(g("rel").lower().split())
        if dct is None:
            return _NO_DCT
        y = dct.year
        if rel in ("last", "past", "the previous", "this past"):
            y = y if mo < dct.month else y - 1
        elif rel in ("next", "coming", "the next", "the coming", "this coming"):
            y = y if mo > dct.month else y + 1
        elif rel == "the following":
            base = int(ctx.ref[:4]) if ctx.ref and ctx.ref[:4].isdigit() else y
            return _Res("DATE", _ym(base + 1, mo), reason="anchor_previous")
        return _Res("DATE", _ym(y, mo))

    if kind == "year":
        y = int(g("y"))
        r = _Res("DATE", f"{y:04d}", explicit_year=True)
        if g("poss"):
            r.end_adj = -len(g("poss"))
        return r

    if kind == "fy":
        yy = int(g("yy"))
        return _Res("DATE", f"{(2000 + yy) if yy < 50 else (1900 + yy):04d}", explicit_year=True)

    if kind == "spelled_year":
        y = _spelled_year(g("sy"))
        if y is None:
            return None
        if not g("pre") and g("sy").lower().startswith("two"):
            before = text[max(0, c.start - 12): c.start]
            if not re.search(r"\b(?:in|since|until|by|of|from|to|through)\s+$", before, re.I):
                return None
        return _Res("DATE", f"{y:04d}", explicit_year=True)

    if kind == "decade":
        if g("c"):
            v = f"{g('c')}{g('d')}"
        elif g("d2") or g("d3"):
            d1 = int(g("d2") or g("d3"))
            cent = 19
            if dct is not None and 2000 + d1 * 10 <= dct.year:
                cent = 20
            v = f"{cent}{d1}"
        else:
            w = (g("w") or g("w2")).lower()
            v = f"19{_TENS[w[:-3] + 'y'] // 10}"
        pm = (g("pm") or g("pm2") or "").lower()
        return _Res("DATE", v, mod=_PART_MOD.get(pm) if pm else None, explicit_year=True)

    if kind == "century":
        n = _day_ord(g("ord"))
        if n is None or not 1 <= n <= 30:
            return None
        pm = (g("pm") or "").lower()
        return _Res("DATE", f"{n - 1:02d}", mod=_PART_MOD.get(pm) if pm else None, explicit_year=True)

    if kind == "holiday":
        name = " ".join(g("h").lower().replace("’", "'").split())
        fn = _HOLIDAYS.get(name)
        if fn is None:
            return None
        if g("y"):
            return _Res("DATE", _ymd(fn(int(g("y")))), explicit_year=True)
        if dct is None:
            return _NO_DCT
        d0 = fn(dct.year)
        y, reason = _pick_year(ctx, c.start, c.end, d0.month, d0.day)
        return _Res("DATE", _ymd(fn(y)) if y else None, reason=reason if reason != "nearest" else None)

    if kind in ("weekday", "rel_weekday"):
        wd = _WEEKDAY_NUM[g("wd").lower().rstrip(".")]
        if kind == "weekday" and g("pl"):
            dp = g("dp")
            return _Res("SET", f"XXXX-WXX-{wd + 1}" + (f"T{_DAYPART[dp.lower()]}" if dp and len(_DAYPART[dp.lower()]) == 2 else ""), point=False)
        rel = " ".join(g("rel").lower().split()) if kind == "rel_weekday" else None
        if rel == "on":
            rel = None
        d, reason = _resolve_weekday(ctx, c.start, c.end, wd, rel)
        dp = (g("dp") or "").lower()
        r: _Res
        if d is None:
            r = _Res("TIME" if dp else "DATE", None, reason=reason)
        elif dp:
            code = _DAYPART[dp]
            r = _Res("TIME", f"{_ymd(d)}T{code}", reason=reason)
        else:
            r = _Res("DATE", _ymd(d), reason=reason)
        if kind == "rel_weekday" and g("rel").lower() == "on":
            r.start_adj = len(g("rel")) + (m.start("wd") - m.end("rel"))
        if kind == "weekday" and g("poss") and not dp:
            r.end_adj = -len(g("poss"))
        return r

    if kind == "dayrel":
        if dct is None:
            return _Res("TIME" if g("dp") or g("w").lower() == "tonight" else "DATE", None, reason="no_dct")
        w = g("w").lower()
        off = {"yesterday": -1, "today": 0, "tomorrow": 1, "tonight": 0}[w]
        if g("ba"):
            off += -1 if g("ba").lower() == "before" else 1
        d = dct + dt.timedelta(days=off)
        dp = (g("dp") or "").lower()
        if w == "tonight":
            return _Res("TIME", f"{_ymd(d)}TNI")
        if dp:
            return _Res("TIME", f"{_ymd(d)}T{_DAYPART[dp]}")
        return _Res("DATE", _ymd(d))

    if kind == "daypart":
        if dct is None:
            return _Res("TIME", None, reason="no_dct")
        if g("ov"):
            # "overnight": the night before the DCT (the night ahead when the clause is about the future)
            d = dct if ctx.tense(c.start, c.end) == "future" else dct - dt.timedelta(days=1)
            return _Res("TIME", f"{_ymd(d)}TNI")
        if g("dp2"):
            d = dct + dt.timedelta(days={"yesterday": -1, "tomorrow": 1}.get((g("day2") or "").lower(), 0))
            return _Res("TIME", f"{_ymd(d)}T{_DAYPART[g('dp2').lower()]}", mod=_PART_MOD[g("pm").lower()])
        rel = " ".join(g("rel").lower().split())
        dp = g("dp").lower()
        d = dct
        mod = None
        if rel in ("last", "yesterday"):
            d = dct - dt.timedelta(days=1)
            if rel == "last" and dp != "night":
                return None  # "last evening" is rare; "last morning" is not an expression
        elif rel == "tomorrow":
            d = dct + dt.timedelta(days=1)
        if rel.startswith("early"):
            mod = "START"
        elif rel.startswith("late"):
            mod = "END"
            if rel == "late last":
                d = dct - dt.timedelta(days=1)
        return _Res("TIME", f"{_ymd(d)}T{_DAYPART[dp]}", mod=mod)

    if kind == "daypart_ref":
        rel = " ".join(g("rel").lower().split())
        base = ctx.ref_day
        reason = "anchor_previous" if base else None
        if base is None:
            if dct is None:
                return _Res("TIME", None, reason="no_dct")
            base = _ymd(dct)
        d = dt.date.fromisoformat(base) + dt.timedelta(
            days={"the next": 1, "the following": 1, "the previous": -1, "the preceding": -1}.get(rel, 0))
        return _Res("TIME", f"{_ymd(d)}T{_DAYPART[g('dp').lower()]}", reason=reason)

    if kind == "time":
        return _norm_time(ctx, c)

    if kind == "rel_unit":
        return _norm_rel_unit(ctx, c)

    if kind == "day_ba":
        step = -1 if g("ba").lower() in ("before", "earlier") else 1
        unit = g("unit").lower()
        base = (ctx.ref_day if unit == "day" else ctx.ref) or (_ymd(dct) if dct else None)
        if base is None:
            return _NO_DCT
        v = _anchor_unit(base, unit, step)
        return _Res("DATE", v, reason="anchor_previous" if v else "no_anchor")

    if kind in ("quarter", "qcode", "rel_quarter"):
        return _norm_quarter(ctx, c)

    if kind == "period":
        return _norm_period(ctx, c)

    if kind == "half":
        if g("h"):
            return _Res("DATE", f"{g('y2')}-H{g('h')}", explicit_year=True)
        ys = g("y")
        y = _year_of(ys) if _year_of(ys) else _rel_year(ctx, ys)
        if y is None:
            return _NO_DCT
        h = 1 if g("ord").lower() in ("first", "1st") else 2
        return _Res("DATE", f"{y:04d}-H{h}", explicit_year=_year_of(ys) is not None)

    if kind == "season":
        s = _SEASONS[g("s").lower()]
        r = _Res("DATE", None)
        if g("poss"):
            r.end_adj = -len(g("poss"))
        if g("y") or g("sy"):
            y = int(g("y")) if g("y") else _spelled_year(g("sy"))
            if y is None:
                return None
            r.value, r.explicit_year = f"{y:04d}-{s}", True
            return r
        if dct is None:
            r.reason = "no_dct"
            return r
        rel = " ".join((g("rel") or "").lower().split())
        # seasons as a sequence SP, SU, FA, WI per year; a winter belongs to the year it begins in
        cur_idx = _season_index(dct)
        order = _SEASON_ORDER[s]
        same = [y4 * 4 + order for y4 in (dct.year - 2, dct.year - 1, dct.year, dct.year + 1)]
        before = [i for i in same if i < cur_idx]
        after = [i for i in same if i > cur_idx]
        if rel in ("last", "past", "this past"):
            idx = before[-1]
        elif rel in ("next", "coming", "this coming"):
            idx = after[0]
        elif rel == "that":
            base = int(ctx.ref[:4]) if ctx.ref and ctx.ref[:4].isdigit() else dct.year
            idx = base * 4 + order
        elif cur_idx in same:
            idx = cur_idx
        else:
            tense = None if rel == "this" else ctx.tense(c.start, c.end)
            prev_i, next_i = before[-1], after[0]
            if tense == "past":
                idx, r.reason = prev_i, "past_tense"
            elif tense == "future":
                idx, r.reason = next_i, "future_tense"
            else:
                idx = prev_i if cur_idx - prev_i < next_i - cur_idx else next_i
        y = idx // 4
        r.value = f"{y:04d}-{s}"
        r.year_adjustable = not rel
        return r

    if kind == "yearend":
        if dct is None:
            return _NO_DCT
        u = (g("u") or g("u2") or "").lower()
        if g("u3"):
            u3 = g("u3").lower()
            if u3 == "year":
                return _Res("DATE", f"{dct.year:04d}", mod="MID")
            if u3 == "month":
                return _Res("DATE", _ym(dct.year, dct.month), mod="MID")
            return _Res("DATE", _week(dct), mod="MID")
        if u == "month":
            return _Res("DATE", _ym(dct.year, dct.month), mod="END")
        if u == "quarter":
            y, q = _quarter_of(dct)
            return _Res("DATE", f"{y:04d}-Q{q}", mod="END")
        y = dct.year
        if dct.month <= 2 and ctx.tense(c.start, c.end) == "past":
            y -= 1
        return _Res("DATE", f"{y:04d}", mod="END")

    if kind == "yearago":
        if dct is None:
            return _NO_DCT
        return _year_ago(ctx, c)

    if kind == "ref":
        w = " ".join(g("w").lower().split())
        r = _Res("DATE", None, point=False)
        if w in ("now", "right now", "nowadays", "these days", "currently", "current", "at present", "present"):
            r.value = "PRESENT_REF"
            if w == "at present":
                r.start_adj = 3
        elif w.startswith("recent") or w in ("recently", "lately", "previously", "the past"):
            r.value = "PAST_REF"
        elif c.m.group("vague"):
            r.type, r.value = "DURATION", "PXX"
        else:
            r.value = "FUTURE_REF"
        return r

    if kind in ("duration", "adj_duration", "long"):
        return _norm_duration(ctx, c)

    if kind == "ago":
        r = _norm_ago(ctx, c)
        if r is not None and g("orso"):
            r.mod = "APPROX"
        return r

    if kind == "bare":
        return _Res("DURATION", _duration_value(None, g("unit")), point=False)

    if kind == "set":
        return _norm_set(c)

    return None


def _norm_time(ctx: _Ctx, c: _Cand) -> _Res | None:
    g = c.m.group
    if g("nm"):
        hm = "12:00" if g("nm").lower().replace("-", "") in ("noon", "midday") else "24:00"
    elif g("h24") is not None:
        hm = f"{int(g('h24')):02d}:{g('mi24')}"
    elif g("hmil") is not None:
        hm = f"{g('hmil')}:{g('mmil')}"
    elif g("hw"):
        n = _num_value(g("hw"))
        if n is None or not 1 <= n <= 12:
            return None
        hm = f"{int(n):02d}:00"
    else:
        h = int(g("h"))
        ap = g("ap").lower().replace(".", "")
        if ap == "pm" and h != 12:
            h += 12
        if ap == "am" and h == 12:
            h = 0
        hm = f"{h:02d}:{g('mi') or '00'}"
    if ctx.dct is None:
        return _Res("TIME", None, reason="no_dct")
    return _Res("TIME", f"{_ymd(ctx.dct)}T{hm}", reason=None, day_from_dct=True)


def _norm_rel_unit(ctx: _Ctx, c: _Cand) -> _Res | None:
    g = c.m.group
    rel = " ".join(g("rel").lower().split())
    unit = g("unit").lower()
    dct = ctx.dct
    after = ctx.text[c.end: c.end + 30]
    if unit == "year" and rel == "the" and re.match(r"^\s+(?:ended|ending|end(?:ed|ing)?\s+|to\s+(?:date|[A-Z]))", after):
        return _Res("DURATION", "P1Y", point=False)
    if rel == "the" and unit in ("week", "month", "year") and ctx.ref and c.start - ctx.ref_pos < _THE_UNIT_WINDOW:
        # "the week", "the month", "the year": the one being talked about (TimeML: anaphoric), i.e. the
        # one holding the time just named ("Thursday ... the week's most active session")
        v = _anchor_unit(ctx.ref, unit, 0)
        if v is not None:
            return _Res("DATE", v, reason="anchor_previous" if dct is None or v != _anchor_unit(_ymd(dct), unit, 0) else None)
    anchored = rel in ("the following", "the next", "the previous", "the preceding", "the prior", "that", "the same", "the ensuing",
                       "that same", "this same") \
        and (unit == "day" or rel != "the next") or (rel == "the" and unit == "day")
    if dct is None and not (anchored and ctx.ref):
        return _Res("DATE", None, reason="no_dct")
    step = 0
    if rel in ("last", "the last", "past", "the past", "previous", "the previous", "preceding", "the preceding", "prior", "the prior", "this past"):
        step = -1
    elif rel in ("next", "the next", "coming", "the coming", "upcoming", "the upcoming", "following", "the following", "ensuing", "the ensuing", "this coming"):
        step = 1
    reason = None
    if anchored:
        base_value = ctx.ref_day if unit in ("day", "week", "weekend") else ctx.ref
        reason = "anchor_previous"
        if base_value is None:
            base_value = _ymd(dct) if dct else None
            reason = None
        if base_value is None:
            return _Res("DATE", None, reason="no_anchor")
        shifted = _anchor_unit(base_value, unit, step)
        if shifted is None and dct is not None:
            shifted = _anchor_unit(_ymd(dct), unit, step)
            reason = None
        return _Res("DATE", shifted, reason=reason if shifted else "no_anchor")
    assert dct is not None
    if unit == "day":
        return _Res("DATE", _ymd(dct + dt.timedelta(days=step)))
    if unit == "week":
        return _Res("DATE", _week(dct + dt.timedelta(days=7 * step)))
    if unit == "weekend":
        wd = dct.weekday()
        if step == 0:
            if rel == "the" and wd < 5 and ctx.tense(c.start, c.end) != "future":
                base = dct - dt.timedelta(days=7)
            else:
                base = dct
        else:
            base = dct + dt.timedelta(days=7 * step)
            if step < 0 and wd >= 5:
                base = dct - dt.timedelta(days=7)
            if step < 0 and wd < 5 and rel in ("last", "this past", "the past"):
                base = dct - dt.timedelta(days=7)
        return _Res("DATE", _week(base) + "-WE")
    if unit == "month":
        return _Res("DATE", _ym(*_add_months(dct.year, dct.month, step)))
    if unit == "year":
        return _Res("DATE", f"{dct.year + step:04d}")
    if unit == "decade":
        return _Res("DATE", f"{dct.year // 10 + step:03d}")
    if unit == "century":
        return _Res("DATE", f"{dct.year // 100 + step:02d}")
    if unit == "millennium":
        return _Res("DATE", f"{dct.year // 1000 + step:01d}")
    return None


_THE_UNIT_WINDOW = 400


def _anchor_unit(value: str, unit: str, step: int) -> str | None:
    """A value at ``unit`` granularity, ``step`` units from an anchor value."""
    m = re.match(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        return None
    y = int(m.group(1))
    if unit == "year":
        return f"{y + step:04d}"
    if unit == "decade":
        return f"{y // 10 + step:03d}"
    if unit == "century":
        return f"{y // 100 + step:02d}"
    if unit == "millennium":
        return f"{y // 1000 + step:01d}"
    if m.group(2) is None:
        return None
    mo = int(m.group(2))
    if unit == "month":
        return _ym(*_add_months(y, mo, step))
    if m.group(3) is None:
        return None
    d = _safe_date(y, mo, int(m.group(3)))
    if d is None:
        return None
    if unit == "day":
        return _ymd(d + dt.timedelta(days=step))
    if unit == "week":
        return _week(d + dt.timedelta(days=7 * step))
    if unit == "weekend":
        return _week(d + dt.timedelta(days=7 * step)) + "-WE"
    return None


_ORD_Q = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "final": 4}


def _norm_quarter(ctx: _Ctx, c: _Cand) -> _Res | None:
    g, kind, dct = c.m.group, c.kind, ctx.dct
    if kind == "qcode":
        q = int(g("q") or g("q2"))
        if g("y"):
            return _Res("DATE", f"{g('y')}-Q{q}", explicit_year=True)
        if dct is None:
            return _NO_DCT
        y = dct.year if q <= _quarter_of(dct)[1] or ctx.tense(c.start, c.end) == "future" else dct.year - 1
        return _Res("DATE", f"{y:04d}-Q{q}")
    if kind == "quarter":
        ords = g("ord").lower()
        ys = g("ys") or g("yp") or (g("fyp").split()[-1] if g("fyp") else None)
        if ords == "last" and not ys:
            # "the last quarter" = the previous quarter
            if dct is None:
                return _NO_DCT
            y, q = _add_quarters(*_quarter_of(dct), -1)
            return _Res("DATE", f"{y:04d}-Q{q}")
        q = _ORD_Q.get(ords, 4)
        if g("pl"):
            return _Res("SET", f"XXXX-Q{q}", point=False)
        explicit = False
        if ys:
            y = _year_of(ys)
            explicit = y is not None
            if y is None:
                y = _rel_year(ctx, ys)
                if y is None:
                    return _NO_DCT
        else:
            if dct is None:
                return _NO_DCT
            y = dct.year
            cur_y, cur_q = _quarter_of(dct)
            if q > cur_q and ctx.tense(c.start, c.end) != "future":
                # "the fourth quarter" in January reports last year's; in October it is still ahead
                if cur_q == 1 or (q - cur_q) >= 2:
                    y -= 1
        r = _Res("DATE", f"{y:04d}-Q{q}", explicit_year=explicit)
        det = g("det")
        if det and (det.strip().lower() in ("its", "their", "a") or re.search(r"(?:first|second|third|fourth|1st|2nd|3rd|4th|final|last)-", c.m.group(0), re.I)):
            r.start_adj = len(det)  # "a third-quarter loss", "its fourth quarter": the determiner is not part of it
        return r
    # rel_quarter: "the quarter", "the latest quarter", "the year-ago quarter", "last quarter"...
    det = g("det").strip().lower()
    rels = " ".join(c.m.group(0).lower().replace("-", " ").split())
    if dct is None and ctx.quarter is None:
        return _NO_DCT
    cur = None
    if dct is not None:
        cy, cq = _quarter_of(dct)
        cur = f"{cy:04d}-Q{cq}"
    prev = None
    if dct is not None:
        py, pq = _add_quarters(*_quarter_of(dct), -1)
        prev = f"{py:04d}-Q{pq}"
    ctx_q = ctx.quarter if ctx.quarter is not None and c.start - ctx.quarter_pos < 3000 else None
    if "year ago" in rels or "year earlier" in rels or "prior year" in rels or "year before" in rels or "comparable" in rels:
        base = ctx_q or prev
        return _Res("DATE", _shift_value(base, -1, "year") if base else None, reason="quarter_context" if ctx_q else None)
    if det == "last" or "previous" in rels or "past" in rels.split() or rels.startswith("last"):
        return _Res("DATE", prev)
    if det == "next" or "next" in rels or "coming" in rels:
        if cur is None:
            return _NO_DCT
        y, q = _add_quarters(int(cur[:4]), int(cur[-1]), 1)
        return _Res("DATE", f"{y:04d}-Q{q}")
    if det == "this" or "current" in rels:
        return _Res("DATE", cur)
    if det == "that" or "same" in rels:
        return _Res("DATE", ctx_q or cur)
    if "latest" in rels or "recent" in rels or "just ended" in rels:
        return _Res("DATE", prev or ctx_q)
    # "the quarter", "the fiscal quarter": the one being reported
    return _Res("DATE", ctx_q or prev, reason="quarter_context" if ctx_q else None)


def _norm_period(ctx: _Ctx, c: _Cand) -> _Res | None:
    """Financial reporting periods: "the 1988 period", "the year-earlier third quarter", "the latest
    period", "the year-ago nine months", "the corresponding period last year", "the full year"."""
    g, dct = c.m.group, ctx.dct
    unit = " ".join(g("unit").lower().split())
    rel = " ".join((g("rel") or "").lower().replace("-", " ").split())
    det = " ".join(g("det").lower().replace("’", "'").split())
    if unit.endswith("months"):
        return _Res("DURATION", _duration_value(_num_value(unit.split()[0]), "months"), point=False)
    ctx_q = ctx.quarter if ctx.quarter is not None and c.start - ctx.quarter_pos < 3000 else None
    prev = None
    if dct is not None:
        py, pq = _add_quarters(*_quarter_of(dct), -1)
        prev = f"{py:04d}-Q{pq}"
    base = ctx_q or prev
    ago = bool(g("tail")) or det.startswith("last") or any(w in rel for w in ("year ago", "year earlier", "corresponding", "prior year", "year before", "comparable"))
    if unit == "year":
        if dct is None:
            return _NO_DCT
        return _Res("DATE", f"{dct.year - (1 if ago else 0):04d}")
    if g("y"):
        y = int(g("y"))
        if g("ord"):
            return _Res("DATE", f"{y:04d}-Q{_ORD_Q[g('ord').lower()]}", explicit_year=True)
        if base:
            return _Res("DATE", f"{y:04d}{base[4:]}", reason="quarter_context")
        return _Res("DATE", f"{y:04d}", explicit_year=True)
    if g("ord"):
        if dct is None:
            return _NO_DCT
        q = _ORD_Q[g("ord").lower()]
        y = dct.year - (1 if ago else 0)
        if not ago and q > _quarter_of(dct)[1] and ctx.tense(c.start, c.end) != "future":
            y -= 1
        return _Res("DATE", f"{y:04d}-Q{q}")
    if base is None:
        return _NO_DCT
    if ago and not ctx_q and dct is not None:
        # "the same period last year" outside a quarterly report: the period the text just named
        # ("the first two months of this year" → this year), a year back; else last year
        ref = ctx.ref if ctx.ref and c.start - ctx.ref_pos < 1500 else None
        shifted = _shift_value(ref[:7] if ref and re.match(r"\d{4}-\d{2}-\d{2}", ref) else ref, -1, "year") if ref else None
        return _Res("DATE", shifted or f"{dct.year - 1:04d}", reason="anchor_previous" if shifted else None)
    if ago:
        return _Res("DATE", _shift_value(base, -1, "year"), reason="quarter_context" if ctx_q else None)
    if rel in ("latest", "most recent", "recent", "just ended"):
        return _Res("DATE", prev or base)
    return _Res("DATE", base, reason="quarter_context" if ctx_q else None)


def _year_ago(ctx: _Ctx, c: _Cand) -> _Res:
    """"a year ago/earlier", "year-earlier": the DCT's year minus one, at the granularity of the
    quarter being reported when the text is about one (TimeBank convention)."""
    dct = ctx.dct
    assert dct is not None
    ctx_q = ctx.quarter if ctx.quarter is not None and c.start - ctx.quarter_pos < 1500 else None
    if ctx_q:
        return _Res("DATE", _shift_value(ctx_q, -1, "year"), reason="quarter_context")
    return _Res("DATE", f"{dct.year - 1:04d}")


def _norm_duration(ctx: _Ctx, c: _Cand) -> _Res | None:
    g, kind = c.m.group, c.kind
    if kind == "long":
        return _Res("DURATION", _duration_value(1, g("unit")), point=False)
    if kind == "adj_duration":
        nums = g("num").lower()
        n = {"half": 0.5, "one-and-a-half": 1.5, "two-and-a-half": 2.5}.get(nums)
        if n is None:
            n = _num_value(nums)
        if n is None:
            return None
        return _Res("DURATION", _duration_value(n, g("unit")), point=False)
    nums = " ".join(g("num").lower().split())
    unit = g("unit").lower()
    det = " ".join((g("det") or "").lower().split())
    n = _num_value(nums)
    if g("half") and n is not None:
        n += 0.5
    mod = "APPROX" if nums in _APPROX_FUZZY else None
    if nums in _APPROX_FUZZY:
        n = 2
    if g("range"):
        n = None  # "two to three weeks", "12 to 18 months": an unspecified number of units
    value = _duration_value(n, unit)
    r = _Res("DURATION", value, mod=mod, point=False)
    # "the two day visit", "the 23 year rule": the determiner belongs to the noun the duration modifies
    if det == "the" and not unit.endswith("s") and n is not None and n != 1:
        r.start_adj = len(g("det"))
    return r


def _norm_ago(ctx: _Ctx, c: _Cand) -> _Res | None:
    g, dct = c.m.group, ctx.dct
    nums = " ".join(g("num").lower().split())
    unit = _unit_key(g("unit"))
    d = " ".join(g("dir").lower().split())
    n = _num_value(nums)
    if nums in _APPROX_FUZZY:
        n = 2
    if g("half") and n is not None:
        n += 0.5
    if d not in ("ago", "from now", "hence", "back") and not (
            unit == "year" and nums in ("a", "one") and d in ("earlier", "previously", "prior") and not g("half")):
        # TimeML: "later", "earlier", "before", "after" are signals that relate an event to another time;
        # the temporal expression is the duration ("three days later" → "three days" P3D, "a day earlier"
        # P1D in TimeBank). Only "a year earlier" stays a date (the year-ago comparison of news reports).
        r = _Res("DURATION", _duration_value(None if n is None else n, g("unit")), point=False)
        if nums in _APPROX_FUZZY:
            r.mod = "APPROX"
        if d != "earlier":
            end = c.m.start("dir")
            while end > c.start and ctx.text[end - 1].isspace():
                end -= 1
            r.end_adj = end - c.end
        return r
    direction = 1 if d in ("later", "from now", "hence", "after", "on") else -1
    anchor: dt.date | None = dct
    reason = None
    if d in ("later", "after", "before", "on", "prior", "previously"):
        # "three days later": counted from the time the text last named, not from the publication date
        ref_v = ctx.ref
        if ref_v and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref_v) and unit in ("year", "decade", "century", "month") \
                and n is not None and float(n).is_integer() and re.fullmatch(r"\d{4}(?:-\d{2})?", ref_v):
            if unit == "month" and len(ref_v) == 7:
                return _Res("DATE", _ym(*_add_months(int(ref_v[:4]), int(ref_v[5:]), direction * int(n))), reason="anchor_previous")
            if unit != "month":
                k = int(n) * {"year": 1, "decade": 10, "century": 100}[unit]
                return _Res("DATE", f"{int(ref_v[:4]) + direction * k:04d}", reason="anchor_previous")
        ref = _ref_date(ctx)
        if ref is not None:
            anchor, reason = ref, "anchor_previous"
        elif n is not None:
            return _Res("DATE", None, reason="no_anchor")
    if n is None:
        return _Res("DATE", "PAST_REF" if direction < 0 else "FUTURE_REF", point=False)
    if anchor is None:
        return _Res("DATE", None, reason="no_dct")
    if unit in ("year", "decade", "century", "millennium") and nums == "a" and d in ("ago", "earlier") and reason is None:
        return _year_ago(ctx, c)
    if not float(n).is_integer():
        # "a year and a half ago" → month granularity
        months = round(n * {"year": 12, "decade": 120, "month": 1}.get(unit, 0))
        if months:
            return _Res("DATE", _ym(*_add_months(anchor.year, anchor.month, direction * months)), reason=reason)
        return _Res("DATE", None, reason="ambiguous")
    k = int(n) * direction
    if unit in ("second", "minute", "hour"):
        return _Res("DATE", _ymd(anchor), reason=reason)
    if unit in ("day", "night"):
        return _Res("DATE", _ymd(anchor + dt.timedelta(days=k)), reason=reason)
    if unit in ("week", "fortnight"):
        k *= 2 if unit == "fortnight" else 1
        return _Res("DATE", _ymd(anchor + dt.timedelta(days=7 * k)), reason=reason)
    if unit == "month":
        return _Res("DATE", _ym(*_add_months(anchor.year, anchor.month, k)), reason=reason)
    if unit == "quarter":
        y, q = _add_quarters(*_quarter_of(anchor), k)
        return _Res("DATE", f"{y:04d}-Q{q}", reason=reason)
    if unit == "year":
        return _Res("DATE", f"{anchor.year + k:04d}", reason=reason)
    if unit == "decade":
        return _Res("DATE", f"{anchor.year + 10 * k:04d}", reason=reason)
    if unit == "century":
        return _Res("DATE", f"{(anchor.year + 100 * k) // 100:02d}", reason=reason)
    return None


_ADV_SET = {"annually": "P1Y", "yearly": "P1Y", "monthly": "P1M", "weekly": "P1W", "daily": "P1D", "nightly": "P1D",
            "hourly": "PT1H", "biweekly": "P2W", "fortnightly": "P2W", "bimonthly": "P2M", "biannually": "P6M",
            "semiannually": "P6M", "semi-annually": "P6M", "quarterly": "P3M"}


def _norm_set(c: _Cand) -> _Res | None:
    g = c.m.group
    if g("adv"):
        return _Res("SET", _ADV_SET[g("adv").lower()], point=False)
    if g("wds"):
        wd = _WEEKDAY_NUM[g("wds").lower()]
        dp = g("dps") or g("dpn")
        return _Res("SET", f"XXXX-WXX-{wd + 1}" + (f"T{_DAYPART[dp.lower()[:-1]]}" if dp else ""), point=False)
    if g("wd"):
        wd = _WEEKDAY_NUM[g("wd").lower()]
        dp = g("dp")
        return _Res("SET", f"XXXX-WXX-{wd + 1}" + (f"T{_DAYPART[dp.lower()]}" if dp else ""), point=False)
    if g("mon"):
        return _Res("SET", f"XXXX-{_MONTH_NUM[g('mon').lower()]:02d}", point=False)
    if g("ssn"):
        return _Res("SET", f"XXXX-{_SEASONS[g('ssn').lower()]}", point=False)
    unit = _unit_key(g("unit"))
    if unit in ("morning", "afternoon", "evening"):
        return _Res("SET", f"XXXX-XX-XXT{_DAYPART[unit]}", point=False)
    if unit == "weekend":
        return _Res("SET", "XXXX-WXX-WE", point=False)
    n: float | None = 1
    if g("n"):
        n = 2 if g("n").lower() == "other" else _num_value(g("n"))
    if n is None:
        return None
    return _Res("SET", _duration_value(n, unit), point=False)


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------

_CONJ_BETWEEN = re.compile(r"^\s*(?:,|or|and|to|through|until|till|-|–|—|/|into)\s*$", re.I)
# possessive blanks (\s*+): a long blank run between two expressions is scanned once, not once per split
_TIME_DATE_BETWEEN = re.compile(r"^\s*+(?:,\s*+|(?<=\s)on\s++)?$", re.I)
_DATE_AT_TIME = re.compile(r"^\s*+(?:,\s*+)?(?:at|around|about|by)?\s*+$", re.I)
_POINT_KINDS = {"daypart_ref", "mdy", "dmy", "month_year", "month", "rel_month", "year", "fy", "spelled_year", "decade", "century",
                "weekday", "rel_weekday", "dayrel", "rel_unit", "quarter", "qcode", "rel_quarter", "season", "half",
                "holiday", "iso", "numeric", "yearend"}
_DAYPART_OF = re.compile(r"(?<![\w-])(?:(?:the|that)\s+)?(?P<dp>morning|afternoon|evening|night)\s+of\s+$", re.I)
_DAYISH = {"weekday", "rel_weekday", "dayrel", "mdy", "dmy", "iso", "numeric", "holiday"}


def find_timexes(text: str, dct: dt.date | None, doc: Any = None) -> list[Timex]:
    """Temporal expressions in ``text`` with TIMEX3 values normalised against ``dct``.

    ``dct`` is the publication date (a :class:`datetime.date`; a datetime is reduced to its date).
    ``doc`` is an optional spaCy ``Doc`` of the same text: the tense of the governing verb picks
    between readings of weekdays and month names. Spans are character offsets into ``text``.
    """
    if not text or not isinstance(text, str):
        return []
    if isinstance(dct, dt.datetime):
        dct = dct.date()
    elif dct is not None and not isinstance(dct, dt.date):
        try:
            dct = dt.date.fromisoformat(str(dct)[:10])
        except ValueError:
            dct = None
    if doc is not None and getattr(doc, "text", None) != text:
        doc = None  # offsets would not line up
    if dct is not None:
        dct = _dateline_date(text, dct)
    ctx = _Ctx(text, dct, doc)
    chosen = _select(_candidates(text))
    # "8 p.m. Monday", "noon Thursday", "5 p.m. EST Nov. 9": one TIME expression
    merged: list[tuple[_Cand, _Cand | None]] = []
    i = 0
    while i < len(chosen):
        c = chosen[i]
        if c.kind == "time" and i + 1 < len(chosen):
            nxt = chosen[i + 1]
            between = text[c.end: nxt.start]
            if nxt.kind in _DAYISH and _TIME_DATE_BETWEEN.match(between) and not (
                    nxt.kind == "weekday" and nxt.m.group("pl")) and not (
                    "," in between and nxt.kind == "rel_weekday" and nxt.m.group("rel").lower() == "on"):
                merged.append((c, nxt))
                i += 2
                continue
        merged.append((c, None))
        i += 1

    out: list[Timex] = []
    results: list[tuple[_Cand, _Res, int, int]] = []
    last_day: tuple[int, str] | None = None  # (end, date value) of the last day-level date
    for c, date_part in merged:
        if date_part is not None:
            rd = _norm(ctx, date_part)
            rt = _norm(ctx, c)
            if rt is None:
                continue
            if rd is not None and rd.value and rt.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rd.value):
                rt.value = rd.value + rt.value[10:]
                rt.reason = rd.reason
                rt.day_from_dct = False
            elif rd is not None and rd.value is None:
                rt.value, rt.reason = None, rd.reason
            res, s, e = rt, c.start, date_part.end - (0 if rd is None else -rd.end_adj if rd.end_adj < 0 else 0)
            if rd is not None and rd.end_adj:
                e = date_part.end + rd.end_adj
        else:
            res = _norm(ctx, c)
            if res is None:
                continue
            s, e = c.start + res.start_adj, c.end + res.end_adj
            # "Monday at 8 p.m.": the time takes the date just named
            if c.kind == "time" and last_day is not None and res.value and _DATE_AT_TIME.match(text[last_day[0]: c.start]):
                res.value = last_day[1] + res.value[10:]
                res.day_from_dct = False
        if c.kind in _DAYISH and res.type == "DATE" and res.value and len(res.value) == 10:
            # "the night of Aug. 7": one TIME expression
            mdp = _DAYPART_OF.search(text, max(results[-1][3] if results else 0, s - 24), s)
            if mdp:
                res.type, res.value = "TIME", f"{res.value}T{_DAYPART[mdp.group('dp').lower()]}"
                s = mdp.start()
        res, s, e = _modifiers(ctx, c.kind, res, s, e, results[-1][3] if results else 0)
        results.append((c, res, s, e))
        if res.value and res.type == "DATE" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", res.value):
            last_day = (e, res.value)
        elif res.type != "TIME":
            last_day = None
        # discourse anchors
        if res.value and res.point and res.type in ("DATE", "TIME") and res.value[:4].isdigit():
            if c.kind not in ("rel_quarter", "yearago") and not (c.kind == "ago" and res.reason == "quarter_context"):
                ctx.ref, ctx.ref_pos = res.value[:10], s
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", ctx.ref):
                    ctx.ref_day = ctx.ref
        if res.value and re.fullmatch(r"\d{4}-Q[1-4]", res.value) and c.kind in ("quarter", "qcode"):
            ctx.quarter, ctx.quarter_pos = res.value, s
        elif res.value and re.fullmatch(r"\d{4}-Q[1-4]", res.value) and c.kind in ("rel_quarter", "period") \
                and not re.search(r"year|ago|earlier|corresponding|comparable|prior|last", c.m.group(0), re.I):
            ctx.quarter, ctx.quarter_pos = res.value, s

    _anchor_clock_times(text, results)

    # "late August or early September 2025": a month without a year takes the year written next to it
    for k in range(len(results) - 1):
        c, res, s, e = results[k]
        c2, res2, s2, e2 = results[k + 1]
        if res.year_adjustable and res2.explicit_year and res.value and res2.value and res2.value[:4].isdigit() \
                and _CONJ_BETWEEN.match(text[e:s2]) and res.value[:4] != res2.value[:4]:
            res.value = res2.value[:4] + res.value[4:]
            res.reason = None
        elif res.year_adjustable and res.value is None and res.reason == "no_dct" and res2.explicit_year and res2.value \
                and _CONJ_BETWEEN.match(text[e:s2]) and c.kind in ("month", "season", "mdy", "dmy"):
            nr = _norm(_Ctx(text, dt.date(int(res2.value[:4]), 6, 15), None), c)
            if nr is not None and nr.value:
                res.value, res.reason = res2.value[:4] + nr.value[4:], None

    for c, res, s, e in results:
        if e <= s:
            continue
        out.append(Timex(s, e, text[s:e], res.type, res.value, res.mod, res.reason))
    return out


def _dateline_date(text: str, dct: dt.date) -> dt.date:
    """The story's own date when its dateline names one a day or two off the DCT ("NAIROBI, August 7
    (Xinhua) --" in a file dated 8 August): "today" and "on Friday" are said from the dateline's day."""
    m = _DATELINE.match(text, 0, min(len(text), 200))
    if m is None or not (m.group("agency") or text[m.end() - 1: m.end()] in "-–—"):
        return dct
    day = _day_ord(m.group("day"))
    mo = _MONTH_NUM.get(m.group("mon").lower().rstrip("."))
    if not day or not mo:
        return dct
    best = None
    for y in ((int(m.group("y")),) if m.group("y") else (dct.year, dct.year - 1, dct.year + 1)):
        d = _safe_date(y, mo, day)
        if d is not None and -3 <= (d - dct).days <= 1 and (best is None or abs((d - dct).days) < abs((best - dct).days)):
            best = d
    return best or dct


_ABBR_DOT = re.compile(r"(?<![\w.])(?:[ap]\.m|[A-Z][a-z]{0,3}|[A-Z](?:\.[A-Z])+)\.", re.I)
_CLOCK_ANCHOR_WINDOW = 600
_CLOCK_SENTENCE_REACH = 300


def _same_sentence(text: str, a: int, b: int) -> bool:
    """No sentence or paragraph break in ``text[a:b]`` (abbreviations such as "a.m." and "Jan." do not end one)."""
    seg = text[a:b]
    if "\n" in seg:
        return False
    if "." in seg:
        seg = _ABBR_DOT.sub("", seg)
    return not re.search(r"[.!?;]\s", seg)


def _anchor_clock_times(text: str, results: list[tuple[_Cand, _Res, int, int]]) -> None:
    """A clock time with no day next to it ("the blast went off at 10:40 a.m.") takes the day named in the
    same sentence ("... at 10:40 a.m. (0740 GMT) Friday"), else the last day named before it in the
    same paragraph, else the DCT (TimeML: a time is anchored to the time it is talked about)."""
    day_re = re.compile(r"\d{4}-\d{2}-\d{2}")

    def day_of(r: _Res) -> str | None:
        if r.value and not r.day_from_dct and r.type in ("DATE", "TIME") and day_re.match(r.value):
            return r.value[:10]
        return None

    for k, (c, res, s, e) in enumerate(results):
        if not (res.day_from_dct and res.value and res.type == "TIME"):
            continue
        found = None
        # the same sentence: the nearest day before, else after
        for j in range(k - 1, -1, -1):
            if s - results[j][3] > _CLOCK_SENTENCE_REACH or not _same_sentence(text, results[j][3], s):
                break
            found = day_of(results[j][1])
            if found:
                break
        if not found:
            for j in range(k + 1, len(results)):
                if results[j][2] - e > _CLOCK_SENTENCE_REACH or not _same_sentence(text, e, results[j][2]):
                    break
                found = day_of(results[j][1])
                if found:
                    break
        if not found:
            for j in range(k - 1, -1, -1):
                s2, e2 = results[j][2], results[j][3]
                if s - e2 > _CLOCK_ANCHOR_WINDOW or "\n\n" in text[e2:s]:
                    break
                found = day_of(results[j][1])
                if found:
                    break
        if found and found != res.value[:10]:
            res.value = found + res.value[10:]
            res.reason = "anchor_previous"
        res.day_from_dct = False


def _modifiers(ctx: _Ctx, kind: str, res: _Res, s: int, e: int, floor: int) -> tuple[_Res, int, int]:
    """Extend the extent with TimeML modifiers written around it and set ``mod``."""
    text = ctx.text
    before = text[max(floor, s - 40): s]
    core = text[s:e].lower()
    if res.mod is None and res.point and res.type in ("DATE", "TIME") and kind in _POINT_KINDS:
        m = _PRE_PART.search(before)
        if m and not (m.group("pm") and kind in ("decade", "century") and core.startswith(("early", "mid", "late"))):
            word = " ".join((m.group("pm") or m.group("pp") or "").lower().split())
            # "earlier this month", "late Monday", "mid-1996", "the end of February"; not "later 1990"
            if not (word in ("earlier", "later") and kind in ("year", "mdy", "dmy", "month_year", "decade", "century", "month")):
                res.mod = _PART_MOD.get(word)
                s = s - (len(before) - m.start())
    if res.type in ("DURATION",) or kind in ("ago", "time", "mdy", "dmy"):
        m = _PRE_QUANT.search(text[max(floor, s - 30): s])
        if m and not core.startswith("the ") and res.mod is None:
            q = " ".join(m.group("q").lower().split())
            if q in _QUANT_MOD and not (kind in ("mdy", "dmy", "time") and _QUANT_MOD[q] != "APPROX") \
                    and not (q == "some" and kind != "duration") and not (q == "under" and kind != "duration"):
                res.mod = _QUANT_MOD[q] if kind != "ago" or _QUANT_MOD[q] != "MORE_THAN" else "BEFORE"
                if kind == "ago" and q in ("nearly", "almost", "about", "around", "approximately", "roughly", "some"):
                    res.mod = "APPROX"
                s = s - (len(text[max(floor, s - 30): s]) - m.start())
    m = _SUF_MOD.match(text[e: e + 20])
    if m and res.type in ("DATE", "DURATION", "TIME"):
        sfx = " ".join(m.group("s").lower().split())
        mod = _SUF_MODS.get(sfx)
        if mod and (res.type == "DURATION" or sfx not in ("or more", "or longer", "or less")):
            res.mod = res.mod or mod
            e += m.end()
    return res, s, e


# ----------------------------------------------------------------------------------------------
# Publication date
# ----------------------------------------------------------------------------------------------

_META_CONF = {"json_ld": 0.95, "html_meta": 0.95, "html_time": 0.93, "header_line": 0.9, "htmldate": 0.85,
              "url": 0.8, "metadata": 0.95}
_DATELINE = re.compile(
    rf"^[ \t]*(?:[A-Z][A-Za-z.'’ -]{{1,40}},\s+)?(?:[A-Z][A-Za-z.]+\s*,\s+)?(?P<mon>{_MONTH_RE})\s*(?P<day>{_DAY})"
    rf"(?:,?\s+(?P<y>{_YEAR_ANY}))?\s*(?:\((?P<agency>[A-Za-z][\w .&-]{{1,30}})\)\s*)?[-–—:]", re.M)


def _parse_published(published: str) -> tuple[str | None, str]:
    """``(value, granularity)`` of a metadata date string ('day' | 'month' | 'year')."""
    s = published.strip()
    m = re.match(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?![\d])", s)
    if m:
        y = int(m.group(1))
        if m.group(3):
            d = _safe_date(y, int(m.group(2)), int(m.group(3)))
            return (_ymd(d), "day") if d else (None, "")
        if m.group(2) and 1 <= int(m.group(2)) <= 12:
            return _ym(y, int(m.group(2))), "month"
        return f"{y:04d}", "year"
    m = re.match(r"^(\d{4})(\d{2})(\d{2})(?!\d)", s)
    if m:
        d = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            return _ymd(d), "day"
    ts = find_timexes(s, None)
    for t in ts:
        if t.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value):
            return t.value, "day"
    for t in ts:
        if t.value and re.fullmatch(r"\d{4}-\d{2}", t.value):
            return t.value, "month"
    try:
        from dateutil import parser as du

        d1 = du.parse(s, default=dt.datetime(1, 1, 1), fuzzy=False)
        d2 = du.parse(s, default=dt.datetime(2, 2, 2), fuzzy=False)
        if d1.year == d2.year and d1.year > 1000:
            if d1.month == d2.month and d1.day == d2.day:
                return _ymd(d1.date()), "day"
            if d1.month == d2.month:
                return _ym(d1.year, d1.month), "month"
            return f"{d1.year:04d}", "year"
    except (ValueError, OverflowError, TypeError):
        pass
    return None, ""


def resolve_publication(published: str | None, published_source: str | None, text: str,
                        timexes: list[Timex] | None = None) -> PubDate:
    """The publication date with its provenance and a confidence in [0, 1].

    1. ``published`` (from the page's metadata) → provenance ``metadata`` (0.95 for a full date from
       structured metadata; less from the URL or a heuristic, or when only a month or a year is known);
    2. otherwise a date line near the top of the text ("January 27, 2025" on its own line,
       "MINSK, Jan. 27 (Reuters) -") → ``dateline`` (≈0.8);
    3. otherwise the latest full date written in the text → ``content`` (≤0.4);
    4. otherwise ``unknown`` (value None, confidence 0).

    ``timexes`` are the text's temporal expressions if already found (found here when None).
    """
    if published and isinstance(published, str) and published.strip():
        value, gran = _parse_published(published)
        if value is not None:
            conf = _META_CONF.get((published_source or "metadata").lower(), 0.9)
            conf = conf * {"day": 1.0, "month": 0.8, "year": 0.6}[gran]
            return PubDate(value, "metadata", round(conf, 3))
    text = text or ""
    head = text[:1500]
    # a line holding only a date, or a wire-style dateline
    head_tx = find_timexes(head, None)
    lines_start = 0
    for line in head.split("\n")[:25]:
        ls, le = lines_start, lines_start + len(line)
        lines_start = le + 1
        stripped = line.strip().strip("*_#|").strip()
        if not stripped:
            continue
        for t in head_tx:
            if t.start >= ls and t.end <= le and t.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value):
                rest = (line[: t.start - ls] + line[t.end - ls:]).strip(" \t*_#|,-–—:()[]")
                rest = re.sub(r"^(?:(?:published|updated|posted|date|on|last\s+updated)\s*:?\s*)+", "", rest, flags=re.I)
                rest = re.sub(r"\b\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?\b", "", rest, flags=re.I).strip(" ,|-–—()")
                if len(rest) <= 25 or re.match(r"^[A-Z][A-Z .'’-]+,?\s*$", rest):
                    return PubDate(t.value, "dateline", 0.8, t.start, t.end)
    m = _DATELINE.search(head[:800])
    if m:
        mo = _MONTH_NUM[m.group("mon").lower().rstrip(".")]
        day = _day_ord(m.group("day"))
        if day:
            if m.group("y"):
                d = _safe_date(int(m.group("y")), mo, day)
                if d:
                    return PubDate(_ymd(d), "dateline", 0.8, m.start("mon"), m.end("y"))
            else:
                if timexes is None:
                    timexes = find_timexes(text, None)
                # the year: of a full date written in the text (the latest), else the latest year mentioned
                full = [int(t.value[:4]) for t in timexes if t.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value)]
                years_in_text = full or [int(t.value[:4]) for t in timexes
                                         if t.value and re.match(r"^\d{4}(?:$|-)", t.value)]
                if years_in_text:
                    y = max(years_in_text)
                    d = _safe_date(y, mo, day)
                    if d:
                        return PubDate(_ymd(d), "dateline", 0.6, m.start("mon"), m.end("day"))
    if timexes is None:
        timexes = find_timexes(text, None)
    best: tuple[str, int, int] | None = None
    for t in timexes:
        v = t.value
        if t.type == "DATE" and v and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and t.reason in (None, "assumed_mdy", "assumed_dmy"):
            if best is None or v > best[0]:
                best = (v, t.start, t.end)
    if best is not None:
        n_full = sum(1 for t in timexes if t.value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value))
        conf = 0.4 if n_full >= 2 else 0.3
        # the latest date written is only a lower bound; a later year named in the text lowers trust
        later = [t for t in timexes if t.type == "DATE" and t.value and re.match(r"\d{4}", t.value)
                 and t.value[:4] > best[0][:4]]
        if later:
            conf = 0.2
        return PubDate(best[0], "content", conf, best[1], best[2])
    return PubDate(None, "unknown", 0.0)

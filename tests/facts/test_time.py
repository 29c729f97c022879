"""Temporal expressions (TIMEX3) and publication-date resolution: one test (or more) per rule family."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from storyline.facts.time import PubDate, Timex, find_timexes, resolve_publication

MON = dt.date(2025, 1, 27)  # a Monday (seed article 000 of the example corpus)


def tx(text: str, dct: dt.date | None = MON, doc=None) -> list[Timex]:
    return find_timexes(text, dct, doc)


def one(text: str, dct: dt.date | None = MON, doc=None) -> Timex:
    found = tx(text, dct, doc)
    assert len(found) == 1, found
    return found[0]


def by_text(text: str, dct: dt.date | None = MON, doc=None) -> dict[str, Timex]:
    return {t.text: t for t in tx(text, dct, doc)}


def check_span(text: str, t: Timex) -> None:
    assert text[t.start: t.end] == t.text


@pytest.fixture(scope="module")
def nlp():
    from storyline.nlp import load_nlp

    return load_nlp()


# --- seed examples ------------------------------------------------------------------------------

def test_on_monday_same_day_as_dct():
    text = "Putin and Xi congratulated Lukashenko on Monday who claimed victory."
    t = one(text)
    assert (t.text, t.type, t.value) == ("Monday", "DATE", "2025-01-27")
    check_span(text, t)


def test_sundays_election_is_the_day_before():
    t = one("Putin said Sunday's election showed he had the backing of the people.")
    assert (t.text, t.value) == ("Sunday", "2025-01-26")


def test_end_of_february_has_mod_end():
    text = "The summit will take place at the end of February."
    t = one(text)
    assert (t.text, t.value, t.mod) == ("the end of February", "2025-02", "END")
    check_span(text, t)
    assert one("It closed at the end of February.", dt.date(2025, 3, 10)).value == "2025-02"


def test_late_august_or_early_september_takes_the_written_year():
    found = tx("The vote is planned for late August or early September 2025.", dt.date(2024, 11, 2))
    assert [(t.text, t.value, t.mod) for t in found] == [
        ("late August", "2025-08", "END"), ("early September 2025", "2025-09", "START")]
    # also without a publication date: the year written next to it is enough
    found = tx("The vote is planned for late August or early September 2025.", None)
    assert [t.value for t in found] == ["2025-08", "2025-09"]


def test_years_without_preposition():
    text = "In 2021 he changed the rules; he has won every election since 1994."
    found = by_text(text)
    assert found["2021"].value == "2021" and found["1994"].value == "1994"
    assert all(t.type == "DATE" for t in found.values())
    for t in found.values():
        check_span(text, t)


def test_three_decade_rule_and_thirty_years_are_p30y():
    found = by_text("during his three-decade rule, for 30 years, the past 30 years")
    assert found["three-decade"].value == "P30Y" and found["three-decade"].type == "DURATION"
    assert found["30 years"].value == "P30Y"
    assert found["the past 30 years"].value == "P30Y"


def test_full_date_day_month_year():
    t = one("He was last in the country on 1 March 2023.")
    assert (t.text, t.value) == ("1 March 2023", "2023-03-01")


def test_references_past_present_future():
    found = by_text("In recent years ties grew. He is now president and currently travelling; soon he will "
                    "leave, as in the past. Recently he spoke about the future.")
    assert found["recent years"].value == "PAST_REF"
    assert found["now"].value == "PRESENT_REF" and found["currently"].value == "PRESENT_REF"
    assert found["soon"].value == "FUTURE_REF" and found["the future"].value == "FUTURE_REF"
    assert found["the past"].value == "PAST_REF" and found["Recently"].value == "PAST_REF"


# --- relative units -----------------------------------------------------------------------------

def test_last_next_this_units():
    found = by_text("Last week he met Xi; next month he goes to Moscow; yesterday he spoke; this year is "
                    "busy; last year was not; next week too; tomorrow more.")
    assert found["Last week"].value == "2025-W04"
    assert found["next month"].value == "2025-02"
    assert found["yesterday"].value == "2025-01-26"
    assert found["this year"].value == "2025"
    assert found["last year"].value == "2024"
    assert found["next week"].value == "2025-W06"
    assert found["tomorrow"].value == "2025-01-28"


def test_weekend_and_decade_units():
    found = by_text("Over the weekend and last weekend, in the last decade.", dt.date(2025, 1, 29))
    assert found["the weekend"].value == "2025-W04-WE"
    assert found["last weekend"].value == "2025-W04-WE"
    assert found["the last decade"].value == "201"


def test_ago_and_anchored_later():
    found = by_text("Two weeks ago they met, a month ago they spoke and five years ago they fought.")
    assert found["Two weeks ago"].value == "2025-01-13"
    assert found["a month ago"].value == "2024-12"
    assert found["five years ago"].value == "2020"
    # TimeML: "later", "earlier", "before", "after" are signals relating two times; the TIMEX3 is the
    # duration (TimeBank: "Three days later" → "Three days" P3D, "A day earlier" → P1D)
    found = by_text("The war began on 3 May 2020. Three days later it ended.")
    assert (found["Three days"].type, found["Three days"].value) == ("DURATION", "P3D")
    found = by_text("A day earlier talks had failed, and hours later the ceasefire collapsed.")
    assert (found["A day earlier"].type, found["A day earlier"].value) == ("DURATION", "P1D")
    assert (found["hours"].type, found["hours"].value) == ("DURATION", "PTXH")
    # "a year earlier" (the year-ago comparison of news reports) stays a date
    assert one("Sales rose 5% from a year earlier.").value == "2024"


def test_anchored_day_references_and_missing_anchor():
    found = by_text("The attack came on 3 May 2020. The day before, police were warned; the following day they "
                    "arrested two men, and that same day the minister resigned.")
    assert found["The day before"].value == "2020-05-02"
    # each reference is anchored on the time named just before it (here the day before the attack)
    assert found["the following day"].value == "2020-05-03"
    assert found["that same day"].value == "2020-05-03"
    found = by_text("Elected in 1994, he was re-elected two years later.")
    assert (found["two years"].type, found["two years"].value) == ("DURATION", "P2Y")
    # with nothing before it to anchor on, a relative day reference says so
    t = one("The following day he returned.", None)
    assert t.value is None and t.reason == "no_dct"


def test_centuries_with_part_of_and_vague_durations():
    found = by_text("By the end of the century, for a while, for some time, and he will one day return.")
    assert (found["the end of the century"].value, found["the end of the century"].mod) == ("20", "END")
    assert found["a while"].value == "PXX" and found["a while"].type == "DURATION"
    assert found["some time"].value == "PXX"
    assert (found["one day"].type, found["one day"].value) == ("DATE", "FUTURE_REF")
    assert one("The strike lasted one day.").value == "P1D"


def test_spelled_out_years():
    found = by_text("In January nineteen ninety-seven and the winter of nineteen ninety-four, in the year two thousand.")
    assert found["January nineteen ninety-seven"].value == "1997-01"
    assert found["the winter of nineteen ninety-four"].value == "1994-WI"
    assert found["the year two thousand"].value == "2000"


def test_earlier_later_this_month_prefix_mod():
    found = by_text("Earlier this month he resigned; later this year he returns.")
    assert (found["Earlier this month"].value, found["Earlier this month"].mod) == ("2025-01", "START")
    assert (found["later this year"].value, found["later this year"].mod) == ("2025", "END")


# --- absolute dates -------------------------------------------------------------------------------

def test_month_day_forms():
    found = by_text("On January 27, 2025 it began. On Jan. 20 it was quiet; the 3rd of February 2024 and "
                    "Saturday, April 26 were not.")
    assert found["January 27, 2025"].value == "2025-01-27"
    assert found["Jan. 20"].value == "2025-01-20"
    assert found["the 3rd of February 2024"].value == "2024-02-03"
    assert found["Saturday, April 26"].value == "2025-04-26"


def test_numeric_dates():
    found = by_text("on 2025-01-20, on 01/21/2025, on 22.01.2025 and on 03/04/2025")
    assert found["2025-01-20"].value == "2025-01-20"
    assert found["01/21/2025"].value == "2025-01-21"
    assert found["22.01.2025"].value == "2025-01-22"
    assert (found["03/04/2025"].value, found["03/04/2025"].reason) == ("2025-03-04", "assumed_mdy")


def test_month_alone_and_month_year():
    found = by_text("In December the talks failed. In March 2024 and in June last year they met.")
    assert found["December"].value == "2024-12"
    assert found["March 2024"].value == "2024-03"
    assert found["June last year"].value == "2024-06"


def test_may_the_name_is_not_a_month():
    assert tx("Theresa May said the deal was done.") == []
    assert one("He said in May that the deal was done.").value == "2024-05"


def test_invalid_date_kept_with_reason():
    t = one("It happened on February 30, 2023.")
    assert t.value is None and t.reason == "invalid_date"


def test_quarters_halves_and_finance_periods():
    d = dt.date(1989, 10, 26)
    found = by_text("Net rose in the third quarter. A year earlier it fell; in the year-ago period it fell. "
                    "Third-quarter sales, Q3 2024, the first half of 2024, the fourth quarter of 1990.", d)
    assert found["the third quarter"].value == "1989-Q3"
    assert found["A year earlier"].value == "1988-Q3" and found["A year earlier"].reason == "quarter_context"
    assert found["Third-quarter"].value == "1989-Q3"
    assert found["Q3 2024"].value == "2024-Q3"
    assert found["the first half of 2024"].value == "2024-H1"
    assert found["the fourth quarter of 1990"].value == "1990-Q4"
    assert found["the year-ago period"].value == "1988-Q3"
    # an adjectival quarter keeps its determiner out: "a third-quarter loss" → "third-quarter"
    assert [t.text for t in tx("It posted a third-quarter loss.", d)] == ["third-quarter"]


def test_seasons():
    found = by_text("This summer he travels; last winter he stayed; in spring 2023 he left; the fall of 2019.",
                    dt.date(2025, 3, 10))
    assert found["This summer"].value == "2025-SU"
    assert found["last winter"].value == "2024-WI"
    assert found["spring 2023"].value == "2023-SP"
    assert "fall" not in " ".join(t.text for t in tx("Prices fall every day.", MON) if t.type == "DATE")


def test_decades_and_centuries():
    found = by_text("In the 1990s, the early 1980s, the '70s and the 20th century; since the mid-1990s.")
    assert found["the 1990s"].value == "199"
    assert (found["the early 1980s"].value, found["the early 1980s"].mod) == ("198", "START")
    assert found["the '70s"].value == "197"
    assert found["the 20th century"].value == "19"
    assert (found["the mid-1990s"].value, found["the mid-1990s"].mod) == ("199", "MID")
    assert tx("She is in her 30s.") == []


def test_mid_year_and_year_end():
    found = by_text("By mid-2021 and at year-end.")
    assert (found["mid-2021"].value, found["mid-2021"].mod) == ("2021", "MID")
    assert (found["year-end"].value, found["year-end"].mod) == ("2025", "END")


def test_holidays():
    assert one("They met on Christmas Eve 2023.").value == "2023-12-24"
    assert one("He spoke at Easter.", dt.date(2024, 4, 2)).value == "2024-03-31"


# --- times of day ---------------------------------------------------------------------------------

def test_clock_times_and_day_parts():
    found = by_text("Polls close at 8 p.m. and he spoke on Monday morning, at 10:30 a.m. Sunday; "
                    "tonight and this morning.")
    assert (found["8 p.m."].type, found["8 p.m."].value) == ("TIME", "2025-01-27T20:00")
    assert found["Monday morning"].value == "2025-01-27TMO"
    assert found["10:30 a.m. Sunday"].value == "2025-01-26T10:30"
    assert one("They will meet at noon.").value == "2025-01-27T12:00"
    assert found["tonight"].value == "2025-01-27TNI"
    assert found["this morning"].value == "2025-01-27TMO"


def test_24_hour_clock_needs_a_cue():
    assert tx("The score was 3:2 at half time.") == [] or all(t.type != "TIME" for t in tx("The score was 3:2."))
    assert one("The polls closed at 20:00 GMT.").value == "2025-01-27T20:00"


# --- durations and sets ---------------------------------------------------------------------------

def test_durations_forms():
    found = by_text("for two and a half years, several months, a couple of years, more than four hours, "
                    "about a decade, within weeks, a five-year term, an hour-long talk")
    assert found["two and a half years"].value == "P2Y6M"
    assert found["several months"].value == "PXM"
    assert (found["a couple of years"].value, found["a couple of years"].mod) == ("P2Y", "APPROX")
    assert (found["more than four hours"].value, found["more than four hours"].mod) == ("PT4H", "MORE_THAN")
    assert (found["about a decade"].value, found["about a decade"].mod) == ("P10Y", "APPROX")
    assert found["weeks"].value == "PXW"
    assert found["five-year"].value == "P5Y"
    assert found["hour-long"].value == "PT1H"


def test_sets():
    found = by_text("Elections are held every year; he reports weekly; they meet every Monday, on Tuesdays "
                    "and twice a month; each July; 50 flights a week.")
    assert (found["every year"].type, found["every year"].value) == ("SET", "P1Y")
    assert found["weekly"].value == "P1W"
    assert found["every Monday"].value == "XXXX-WXX-1"
    assert found["Tuesdays"].value == "XXXX-WXX-2"
    assert found["a month"].value == "P1M"
    assert found["each July"].value == "XXXX-07"
    assert found["a week"].type == "SET"
    # an adjective before a noun is not a frequency expression in TimeBank ("quarterly dividend")
    assert tx("It raised its quarterly dividend.") == []


# --- things that are not dates --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "the 70-year-old autocrat", "a 70 year old man", "an 8-month-old baby", "his seventh term in office",
    "the 80th anniversary", "more than 86% of the vote", "1,200 people", "about 2000 troops", "$1994 in cash",
    "page 2019 of the file", "the fifteenth time", "a second term", "a quarter of the vote", "Room 1990",
])
def test_not_dates(text):
    assert tx(text) == [], tx(text)


# --- unresolved values ----------------------------------------------------------------------------

def test_no_dct_keeps_value_none_with_reason():
    found = by_text("On Monday and last week, in March and yesterday, in 2021 for 30 years.", None)
    for key in ("Monday", "last week", "March", "yesterday"):
        assert found[key].value is None and found[key].reason == "no_dct"
    assert found["2021"].value == "2021" and found["30 years"].value == "P30Y"


def test_datetime_dct_accepted():
    assert one("on Monday", dt.datetime(2025, 1, 27, 15, 30)).value == "2025-01-27"


# --- tense of the governing verb ------------------------------------------------------------------

def test_weekday_direction_from_cue_words_without_doc():
    found = tx("He will visit on Friday. He visited on Friday.")
    assert [(t.value, t.reason) for t in found] == [("2025-01-31", "future_tense"), ("2025-01-24", "past_tense")]


def test_weekday_direction_past_biased_without_cues():
    assert one("Friday: a meeting of ministers.").value == "2025-01-24"


def test_weekday_direction_from_spacy_doc(nlp):
    text = "The minister met the president on Thursday. The parliament will vote on Thursday."
    doc = nlp(text)
    found = tx(text, MON, doc)
    assert [t.value for t in found] == ["2025-01-23", "2025-01-30"]
    text = "The committee meets on Wednesday."  # present tense with a doc → nearest occurrence
    assert one(text, MON, nlp(text)).value == "2025-01-29"


def test_doc_of_other_text_is_ignored(nlp):
    doc = nlp("Something else entirely.")
    assert one("He will come on Friday.", MON, doc).value == "2025-01-31"


# --- robustness and speed -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", " ", "\n\n", "1234567890", "“unbalanced quote", "«»„“", "—",
                                  "Привет, мир. В понедельник 27 января.", "日本語のテキスト 2025年1月27日",
                                  "Monday" * 1000, "May May May", "12:00:00:00", "Q" * 50])
def test_bad_input_never_crashes(text):
    for t in find_timexes(text, MON):
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start: t.end] == t.text


def test_non_string_and_none_inputs():
    assert find_timexes(None, MON) == []  # type: ignore[arg-type]
    assert find_timexes("on Monday", "2025-01-27")[0].value == "2025-01-27"  # type: ignore[arg-type]


def test_large_text_is_fast():
    para = ("Putin said on Monday that the talks, held in Minsk for the third time since 1994, would resume "
            "after a pause. Officials from both countries described the atmosphere as constructive, and the "
            "delegations agreed to continue working on trade, energy and transport questions. Revenue of the "
            "joint ventures rose 12% to $1,200 million, the ministry said, citing its own figures and those of "
            "the customs service, which publishes them regularly for the public and for investors.\n\n")
    text = para * (1_000_000 // len(para))  # ~1 MB of news-like prose
    t0 = time.perf_counter()
    found = find_timexes(text, MON)
    elapsed = time.perf_counter() - t0
    assert len(found) == 2 * (1_000_000 // len(para))  # Monday, 1994
    assert elapsed < 5


def test_spans_are_consistent_on_example_like_text():
    text = ("Russian President Vladimir Putin congratulated Lukashenko on Monday. Official results showed the "
            "70-year-old autocrat winning more than 86% of the vote. He has won every election since 1994, "
            "during his three-decade rule. Putin said Sunday's election showed strong backing.")
    found = tx(text)
    assert [(t.text, t.value) for t in found] == [
        ("Monday", "2025-01-27"), ("1994", "1994"), ("three-decade", "P30Y"), ("Sunday", "2025-01-26")]
    for t in found:
        check_span(text, t)


# --- publication date -----------------------------------------------------------------------------

def test_publication_from_metadata():
    p = resolve_publication("2025-01-27T10:00:00+00:00", "html_meta", "text")
    assert (p.value, p.provenance) == ("2025-01-27", "metadata") and p.confidence >= 0.9
    assert p.start is None
    url = resolve_publication("2025-01-27", "url", "text")
    assert url.provenance == "metadata" and url.confidence < p.confidence
    year = resolve_publication("2025", None, "text")
    assert year.value == "2025" and year.confidence < url.confidence
    assert resolve_publication("27 January 2025", None, "").value == "2025-01-27"


def test_publication_from_dateline_line():
    text = "# Putin, Xi Hail Lukashenko's Victory\n\nBy AFP\n\nJanuary 27, 2025\n\nRussian President ..."
    p = resolve_publication(None, None, text)
    assert (p.value, p.provenance) == ("2025-01-27", "dateline")
    assert 0.7 <= p.confidence <= 0.85
    assert text[p.start: p.end] == "January 27, 2025"


def test_publication_from_wire_dateline():
    text = "MINSK, Jan. 27 (Reuters) - Lukashenko won a seventh term, extending a rule that began in 1994 " \
           "and that critics expect to last until 2030. Results came on 2025-01-27."
    p = resolve_publication(None, None, text)
    assert p.provenance == "dateline" and p.value == "2025-01-27"


def test_publication_from_content_is_low_confidence():
    text = ("Lukashenko has ruled since 1994. He was in China on 1 March 2023 and again on 4 June 2024, "
            "long before the vote.")
    p = resolve_publication(None, None, text)
    assert (p.value, p.provenance) == ("2024-06-04", "content")
    assert p.confidence <= 0.4
    assert text[p.start: p.end] == "4 June 2024"
    later = resolve_publication(None, None, text + " The next vote is due in 2029.")
    assert later.value == "2024-06-04" and later.confidence < p.confidence


def test_publication_unknown():
    p = resolve_publication(None, None, "No dates in here at all.")
    assert p == PubDate(None, "unknown", 0.0)
    assert resolve_publication("", None, "").provenance == "unknown"
    assert resolve_publication("not a date", None, "").provenance == "unknown"


# --- newswire conventions (rules added for generalisation beyond TimeBank's WSJ) -----------------

SAT = dt.date(1998, 8, 8)  # a Saturday


def test_clock_time_takes_the_day_named_in_its_sentence():
    found = by_text("The blast occurred at 10:30 a.m. (0730 GMT) Friday, police said.", SAT)
    assert found["10:30 a.m."].value == "1998-08-07T10:30"
    assert (found["0730 GMT"].type, found["0730 GMT"].value) == ("TIME", "1998-08-07T07:30")
    # the last day named before it in the paragraph, when its own sentence names none
    found = by_text("Rescuers worked through Friday. The second blast went off at 10:40 a.m., police said.", SAT)
    assert found["10:40 a.m."].value == "1998-08-07T10:40"
    assert found["10:40 a.m."].reason == "anchor_previous"
    # a new paragraph does not inherit the day
    found = by_text("Rescuers worked through Friday.\n\nThe meeting starts at 9 a.m.", SAT)
    assert found["9 a.m."].value == "1998-08-08T09:00"


def test_four_digit_clock_with_zone_is_a_time_not_a_year():
    t = one("The plane landed at 1930 GMT.", SAT)
    assert (t.type, t.value) == ("TIME", "1998-08-08T19:30")


def test_overnight_is_last_night():
    t = one("Overnight, rebels attacked a village.", SAT)
    assert (t.type, t.value) == ("TIME", "1998-08-07TNI")
    assert tx("The overnight rate rose and it was an overnight success.", SAT) == []


def test_day_parts_of_the_day_being_talked_about():
    found = by_text("The bomb exploded Friday. That night, rescuers dug, and the next morning they found more. "
                    "Later in the day they stopped.", SAT)
    assert (found["That night"].type, found["That night"].value) == ("TIME", "1998-08-07TNI")
    assert found["the next morning"].value == "1998-08-08TMO"
    assert found["Later in the day"].type == "DATE"
    t = one("The night of Aug. 7 was chaotic.", SAT)
    assert (t.text, t.type, t.value) == ("The night of Aug. 7", "TIME", "1998-08-07TNI")
    assert tx("The morning's papers", SAT) == []


def test_past_perfect_plan_is_about_a_past_day():
    t = one("The offer had been scheduled to expire Friday.", dt.date(1989, 10, 30))
    assert t.value == "1989-10-27" and t.reason == "past_tense"


def test_month_day_with_relative_year():
    found = by_text("It opened on August 7 last year and closes on 12 March next year.", SAT)
    assert found["August 7 last year"].value == "1997-08-07"
    assert found["12 March next year"].value == "1999-03-12"


def test_same_period_last_year_outside_quarterly_reports():
    found = by_text("Trade rose in the first two months of this year, up 12 percent over the same period of last year.",
                    dt.date(1999, 3, 13))
    assert found["the same period of last year"].value == "1998"
    t = by_text("Exports in January rose from the same period last year.", dt.date(1999, 3, 13))
    assert t["the same period last year"].value == "1998-01"


def test_every_season_is_a_set():
    t = one("Every summer tourists come.", SAT)
    assert (t.type, t.value) == ("SET", "XXXX-SU")


def test_bare_recent_adjective_is_not_a_timex():
    assert tx("The recent attacks were condemned.", SAT) == []
    assert one("In recent years ties grew.", SAT).value == "PAST_REF"


def test_the_week_month_year_is_the_one_being_talked_about():
    found = by_text("Volume was 236 million Thursday, the week's most active session.", dt.date(1989, 10, 30))
    assert found["the week"].value == "1989-W43"
    found = by_text("In 1995 the firm was founded. By the end of the year it had 40 employees.", SAT)
    assert (found["the end of the year"].value, found["the end of the year"].mod) == ("1995", "END")
    assert one("For the year, volume was flat.", SAT).value == "1998"


def test_year_inside_a_name_is_not_a_date():
    assert [t.text for t in tx("Microsoft launched Windows 2000 and the Orion 1980 venture.", SAT)] == []
    assert [t.value for t in tx("In 1998 growth slowed. By 2010 it will double.", SAT)] == ["1998", "2010"]
    assert [t.value for t in tx("The plan (1996-2000) ends.", SAT)] == ["1996", "2000"]
    assert tx("the Ninth Five-Year Plan", SAT) == []


def test_dated_dateline_is_the_story_day():
    found = by_text("NAIROBI, August 7 (Xinhua) -- A bomb exploded here today; he will visit on Monday.", SAT)
    assert found["today"].value == "1998-08-07"
    assert found["Monday"].value == "1998-08-10"
    # a dateline without a date, or one far from the DCT, changes nothing
    assert one("NAIROBI, Kenya (AP) _ A bomb exploded today.", SAT).value == "1998-08-08"
    assert by_text("NAIROBI, May 2 (Xinhua) -- It exploded today.", SAT)["today"].value == "1998-08-08"

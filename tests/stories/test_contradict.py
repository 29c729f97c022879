"""Contradictions between a story's independent sources: each kind on constructed inputs, copies and
same-source articles never contradict, agreeing values are not reported; end to end through a run
(store, export, API, briefing), and what the example corpus genuinely shows."""

import json
import re
from pathlib import Path

import pytest

from storyline import api
from storyline.engines.local import run
from storyline.store import Store
from storyline.store.export import EXPORTS, iter_rows
from storyline.stories.contradict import MemberFacts, date_interval, find_contradictions, quantities

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


def _ev(text, type_, actors, recipients, date=None, source="sentence_timex", start=0, **flags):
    d = {"start": start, "end": start + len(text), "text": text, "type": type_, "mode": None, "actor_ids": actors,
         "recipient_ids": recipients, "date": date, "date_source": source if date else "unknown",
         "negated": False, "hypothetical": False, "future": False, "historical": False}
    d.update(flags)
    return d


def _kinds(found):
    return sorted(c.kind for c in found)


# ------------------------------------------------------------------------------------------ numbers
def test_number_conflict_found_and_hedged_or_equal_values_are_not():
    a = "Rescuers said 12 people were killed in the flood in the northern province on Monday."
    b = "Officials said 15 people were killed in the flood in the northern province."
    c = "At least 12 people were killed in the flood in the northern province."
    d = "Officials said 12 people were killed in the flood in the northern province."
    found = find_contradictions("st1", [MemberFacts("a1", "A", a), MemberFacts("b1", "B", b), MemberFacts("c1", "C", c),
                                        MemberFacts("d1", "D", d)])
    # 12 vs 15 twice (a and d against b); "at least 12" agrees with 15; 12 vs 12 is no conflict
    assert _kinds(found) == ["number", "number"]
    pairs = {(x.a.article_id, x.a.value, x.b.article_id, x.b.value) for x in found}
    assert pairs == {("a1", "12", "b1", "15"), ("b1", "15", "d1", "12")}
    x = found[0]
    assert x.a.text == a and (x.a.start, x.a.end) == (0, len(a)) and "people" in x.subject


def test_number_needs_the_same_counted_thing_and_shared_context():
    a = "Police arrested 40 protesters in the capital on Saturday evening."
    b = "Police arrested 40 protesters and detained 12 journalists in the capital."
    unrelated = "The company hired 55 protesters' lawyers for another case entirely."
    found = find_contradictions("st1", [MemberFacts("a", "A", a), MemberFacts("b", "B", b),
                                        MemberFacts("c", "C", unrelated)])
    assert found == []


def test_quantities_read_hedges_scales_percent_and_skip_years_and_timexes():
    text = "More than 1,200 political prisoners, about 300 released, 45% of votes, 2.5 million people in 2020."
    qs = {q.text: q for q in quantities(text)}
    assert qs["More than 1,200"].low > 1200 and qs["More than 1,200"].high == float("inf")
    assert "prisoner" in qs["More than 1,200"].units
    assert (qs["about 300"].low, qs["about 300"].high) == pytest.approx((270, 330))
    assert qs["45%"].units == {"percent"}
    assert qs["2.5 million"].low == 2.5e6
    assert not any("2020" in t for t in qs)
    years = "It lasted 30 years."
    assert quantities(years, skip=[(years.index("30"), years.index("30") + 8)]) == []


# ------------------------------------------------------------------------------------------ dates
def test_date_conflict_for_the_same_event_and_precision_is_no_conflict():
    sa, sb, sc = ("Xi met Lukashenko in Beijing on 3 March.", "Xi met Lukashenko in Beijing on 5 March.",
                  "Xi met Lukashenko in Beijing in March.")
    ma = MemberFacts("a", "A", sa, event_mentions=[_ev(sa, "CONSULT", ["per:xi"], ["per:luk"], "2023-03-03")])
    mb = MemberFacts("b", "B", sb, event_mentions=[_ev(sb, "CONSULT", ["per:xi"], ["per:luk"], "2023-03-05")])
    mc = MemberFacts("c", "C", sc, event_mentions=[_ev(sc, "CONSULT", ["per:xi"], ["per:luk"], "2023-03")])
    found = find_contradictions("st1", [ma, mb, mc], names={"per:xi": "Xi Jinping", "per:luk": "Lukashenko"})
    assert [(x.kind, x.a.value, x.b.value) for x in found] == [("date", "2023-03-03", "2023-03-05")]
    assert "Xi Jinping" in found[0].subject and "Lukashenko" in found[0].subject
    assert date_interval("2023")[0] <= date_interval("2023-03-01")[0] <= date_interval("2023")[1]


def test_dates_inferred_from_publication_or_of_other_events_do_not_conflict():
    s = "Xi met Lukashenko."
    a = MemberFacts("a", "A", s, event_mentions=[_ev(s, "CONSULT", ["per:xi"], ["per:luk"], "2023-03-03", "publication")])
    b = MemberFacts("b", "B", s, event_mentions=[_ev(s, "CONSULT", ["per:xi"], ["per:luk"], "2023-03-09", "publication")])
    c = MemberFacts("c", "C", s, event_mentions=[_ev(s, "CONSULT", ["per:putin"], ["per:luk"], "2021-01-01")])
    d = MemberFacts("d", "D", s, event_mentions=[_ev(s, "CONSULT", ["per:putin"], ["per:luk"], "2022-01-01")])
    assert find_contradictions("st1", [a, b]) == []                  # no text dates either
    assert find_contradictions("st1", [c, MemberFacts("x", "X", s, event_mentions=[
        _ev(s, "CONSULT", ["per:xi"], ["per:luk"], "2022-01-01")])]) == []  # different actors
    # past meetings in different years are different meetings, unless both single out one ("last")
    hist = dict(historical=True)
    c.event_mentions[0].update(hist)
    d.event_mentions[0].update(hist)
    assert find_contradictions("st1", [c, d]) == []
    last_a, last_b = "He last met Putin in 2021.", "Their last meeting was in 2022."
    c2 = MemberFacts("c", "C", last_a, event_mentions=[_ev(last_a, "CONSULT", ["per:putin"], ["per:luk"], "2021", **hist)])
    d2 = MemberFacts("d", "D", last_b, event_mentions=[_ev(last_b, "CONSULT", ["per:putin"], ["per:luk"], "2022", **hist)])
    assert _kinds(find_contradictions("st1", [c2, d2])) == ["date"]


def test_claim_level_date_conflict_from_time_expressions():
    a = "The new bridge over the Danube river opened to traffic on 3 May, the transport ministry said."
    b = "The new bridge over the Danube river opened to traffic on 9 June, the transport ministry said."
    ta = [{"start": a.index("3 May"), "end": a.index("3 May") + 5, "type": "DATE", "value": "2024-05-03"}]
    tb = [{"start": b.index("9 June"), "end": b.index("9 June") + 6, "type": "DATE", "value": "2024-06-09"}]
    found = find_contradictions("st1", [MemberFacts("a", "A", a, timexes=ta), MemberFacts("b", "B", b, timexes=tb)])
    assert [(x.kind, x.a.value, x.b.value) for x in found] == [("date", "2024-05-03", "2024-06-09")]


# ------------------------------------------------------------------------------------------ negation
def test_negation_of_an_event_and_of_a_claim():
    s1, s2 = "China condemned the Russian offensive.", "China has not condemned the Russian offensive."
    a = MemberFacts("a", "A", "x", event_mentions=[_ev(s1, "ACCUSE", ["cty:CHN"], ["cty:RUS"])])
    b = MemberFacts("b", "B", "y", event_mentions=[_ev(s2, "ACCUSE", ["cty:CHN"], ["cty:RUS"], negated=True)])
    found = find_contradictions("st1", [a, b])
    assert [(x.kind, x.a.value, x.b.value) for x in found] == [("negation", "reported", "negated")]
    c1 = "The government declared a state of emergency in the flooded region on Sunday."
    c2 = "The government did not declare a state of emergency in the flooded region on Sunday."
    c3 = "Not only did the government declare a state of emergency in the flooded region on Sunday."
    found = find_contradictions("st1", [MemberFacts("a", "A", c1), MemberFacts("b", "B", c2),
                                        MemberFacts("c", "C", c3)])
    assert {(x.a.article_id, x.b.article_id) for x in found} == {("a", "b"), ("b", "c")}
    assert all(x.kind == "negation" for x in found)


def test_hypothetical_or_differently_dated_negation_is_not_a_contradiction():
    s = "China may condemn the offensive."
    a = MemberFacts("a", "A", s, event_mentions=[_ev(s, "ACCUSE", ["cty:CHN"], [], hypothetical=True)])
    b = MemberFacts("b", "B", s, event_mentions=[_ev(s, "ACCUSE", ["cty:CHN"], [], negated=True, hypothetical=True)])
    assert find_contradictions("st1", [a, b]) == []
    c = MemberFacts("c", "C", s, event_mentions=[_ev(s, "ACCUSE", ["cty:CHN"], [], "2022-03-01")])
    d = MemberFacts("d", "D", s, event_mentions=[_ev(s, "ACCUSE", ["cty:CHN"], [], "2023-03-01", negated=True)])
    assert find_contradictions("st1", [c, d]) == []


# ------------------------------------------------------------------------------------------ speaker
def _quote(text, speaker, name, kind="direct", start=0):
    return {"start": start, "end": start + len(text), "text": text, "kind": kind, "speaker_id": speaker,
            "speaker_name": name}


def test_same_words_different_speakers():
    q = "“We will rebuild every single house in this town,”"
    a = MemberFacts("a", "A", q, quotes=[_quote(q, "per:berg", "Anna Berg")])
    b = MemberFacts("b", "B", q, quotes=[_quote(q, "per:lind", "Karl Lind")])
    c = MemberFacts("c", "C", q, quotes=[_quote("“every single house in this town”", "per:berg", "Anna Berg", "partial")])
    found = find_contradictions("st1", [a, b, c])
    assert [(x.kind, x.a.article_id, x.b.article_id) for x in found] == [("speaker", "a", "b"), ("speaker", "b", "c")]
    assert {frozenset((x.a.value, x.b.value)) for x in found} == {frozenset(("Anna Berg", "Karl Lind"))}
    assert "every single house" in found[0].subject


def test_a_country_and_its_leader_are_not_different_speakers():
    q = "“mutual political trust has grown”"
    a = MemberFacts("a", "A", q, quotes=[_quote(q, "cty:CHN", "China")])
    b = MemberFacts("b", "B", q, quotes=[_quote(q, "per:xi", "Xi Jinping")])
    assert find_contradictions("st1", [a, b], countries={"per:xi": "CHN"}) == []
    assert _kinds(find_contradictions("st1", [a, b], countries={"per:xi": "RUS"})) == ["speaker"]


# ------------------------------------------------------------------------------------------ independence
def test_copies_and_same_source_articles_are_not_independent():
    a = "Rescuers said 12 people were killed in the flood in the northern province on Monday."
    b = "Rescuers said 15 people were killed in the flood in the northern province on Monday."
    assert find_contradictions("st1", [MemberFacts("a", "A", a), MemberFacts("b", "A", b)]) == []  # one outlet
    assert find_contradictions("st1", [MemberFacts("a", "A", a), MemberFacts("b", "B", b, is_copy=True)]) == []
    assert find_contradictions("st1", [MemberFacts("a", "A", a, group_id="g"), MemberFacts("b", "B", b, group_id="g")]) == []
    found = find_contradictions("st1", [MemberFacts("b", "B", b), MemberFacts("a", "A", a)])
    assert [(x.a.article_id, x.b.article_id) for x in found] == [("a", "b")]  # ordered, whatever the input order
    assert found == find_contradictions("st1", [MemberFacts("a", "A", a), MemberFacts("b", "B", b)])


# ------------------------------------------------------------------------------------------ end to end
FLOOD = [
    {"title": "Flood in Northland kills 12", "outlet": "River Post", "published": "2024-05-06", "text":
     "At least 12 people were killed when the Sava river flooded the town of Kirovka on Sunday, regional officials "
     "said.\n\nPrime Minister Anna Berg visited Kirovka on Monday and promised reconstruction aid. \"We will rebuild "
     "every single house in this town,\" Berg told reporters.\n\nThe government did not declare a state of emergency "
     "in the region, the interior ministry said.\n\nRescue teams evacuated 300 residents from the flooded districts "
     "of Kirovka overnight."},
    {"title": "Deadly Sava floods hit Kirovka", "outlet": "Northland Daily", "published": "2024-05-07", "text":
     "Twenty people died after the Sava river flooded the town of Kirovka over the weekend, according to rescuers."
     "\n\nPrime Minister Anna Berg toured the flooded streets of Kirovka on Tuesday and pledged money for "
     "reconstruction. \"We will rebuild every single house in this town,\" said Interior Minister Karl Lind.\n\n"
     "The government declared a state of emergency in the region, the interior ministry said.\n\nRescue teams "
     "evacuated 450 residents from the flooded districts of Kirovka overnight."},
]


@pytest.fixture(scope="module")
def flood(tmp_path_factory):
    root = tmp_path_factory.mktemp("flood")
    (root / "in").mkdir()
    (root / "in" / "flood.jsonl").write_text("\n".join(json.dumps(d) for d in FLOOD) + "\n", encoding="utf-8")
    run([root / "in"], root / "kb.db")
    return root / "kb.db"


def test_run_stores_exports_and_briefs_contradictions(flood, tmp_path):
    with api.open_kb(flood) as kb:
        stories = kb.stories()
        df = kb.contradictions()
        texts = {a["id"]: a["text"] for a in kb.articles()}
        assert list(df.columns) == EXPORTS["contradictions"][1]
        assert kb.count("contradictions") == len(df)
    assert len(stories) == 1 and set(df["story_id"]) == {stories["id"][0]}
    assert list(df["idx"]) == list(range(1, len(df) + 1))
    assert {"date", "number", "negation", "speaker"} <= set(df["kind"])
    for r in df.to_dict("records"):  # both sides are evidence spans of two different articles
        assert r["a_article_id"] != r["b_article_id"]
        for side in "ab":
            assert texts[r[f"{side}_article_id"]][r[f"{side}_start"]:r[f"{side}_end"]] == r[f"{side}_text"]
    number = df[df["kind"] == "number"].iloc[0]
    assert {number["a_value"], number["b_value"]} == {"300", "450"}
    assert not ((df["kind"] == "number") & df["subject"].str.contains("people")).any()  # "at least 12" vs 20 agree
    with api.open_kb(flood) as kb:
        assert len(kb.contradictions(story=stories["id"][0])) == len(df)
        assert kb.contradictions(story="st-none").empty
    out = tmp_path / "c.csv"
    from typer.testing import CliRunner

    from storyline.cli import app

    res = CliRunner().invoke(app, ["export", "--db", str(flood), "--table", "contradictions", "--format", "csv",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").count("\n") >= len(df) + 1
    md = api.brief(flood)
    section = md.split("### Contradictions")[1].split("### Sources")[0]
    assert len(re.findall(r"^- \*\*(date|number|negation|speaker)\*\*", section, flags=re.M)) == len(df)
    assert "(300)" in section and "(450)" in section and "Karl Lind" in section
    assert all(len(re.findall(r"\[\d\]", line)) == 2 for line in section.strip().splitlines())  # both sides cited
    page = api.brief(flood, fmt="html")
    assert "<h3>Contradictions</h3>" in page and "Karl Lind" in page


def test_rerun_is_stable(flood):
    with Store(flood) as s:
        before = list(iter_rows(s, "contradictions"))
    run([flood.parent / "in"], flood)
    with Store(flood) as s:
        assert list(iter_rows(s, "contradictions")) == before


# ------------------------------------------------------------------------------------------ example corpus
def test_example_corpus(example_kb):
    """What the seeds genuinely show. 000+001 are copies: one independent report, nothing to contradict.
    002 ("He was last in the country on 1 March 2023") and 003 ("His previous two visits to China came in
    2023") do not conflict as dates: 1 March 2023 lies in 2023 — the issue's 002-vs-004 disagreement needs
    004's own visit dated (December 2023), which the knowledge base cannot (004 is undated). So no date
    contradiction is invented between 002 and 003."""
    with Store(example_kb) as s:
        arts = {a["source_id"][:3]: a for a in iter_rows(s, "articles")}
        members = {m["article_id"]: m["story_id"] for m in iter_rows(s, "story_members")}
        rows = list(iter_rows(s, "contradictions"))
    election = members[arts["000"]["id"]]
    assert not [r for r in rows if r["story_id"] == election]
    visit = members[arts["002"]["id"]]
    assert visit == members[arts["003"]["id"]]
    assert not [r for r in rows if r["kind"] == "date" and {r["a_value"], r["b_value"]} == {"2023-03-01", "2023"}]
    texts = {a["id"]: a["text"] for a in arts.values()}
    for r in rows:
        assert members[r["a_article_id"]] == members[r["b_article_id"]] == r["story_id"]
        assert texts[r["a_article_id"]][r["a_start"]:r["a_end"]] == r["a_text"]
    md = api.brief(example_kb)
    assert md.count("### Contradictions") == 3 and "not built yet" not in md
    assert "One independent report: nothing to compare." in md

"""Events in the knowledge base: coded in the facts pass, merged across articles and copies, exported."""

import io
import json
import shutil
from pathlib import Path

import pytest

from storyline import api
from storyline.engines.local import run
from storyline.events.merge import build_events, merge_key
from storyline.store import Store
from storyline.store.export import export, iter_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = tmp_path_factory.mktemp("events") / "kb.db"
    run([EXAMPLES], db)
    return db


def _rows(db, table):
    with Store(db) as s:
        return list(iter_rows(s, table))


def _articles(db):
    return {a["source_id"][:3]: a for a in _rows(db, "articles")}


def test_every_mention_belongs_to_an_event_and_points_at_its_text(built):
    arts = {a["id"]: a["text"] for a in _rows(built, "articles")}
    ms = _rows(built, "event_mentions")
    events = {e["id"]: e for e in _rows(built, "events")}
    assert ms and events
    for m in ms:
        text = arts[m["article_id"]]
        assert text[m["start"]:m["end"]] == m["text"]
        assert text[m["trigger_start"]:m["trigger_end"]] == m["trigger"]
        for role in m["roles"]["actors"] + m["roles"]["recipients"]:
            assert text[role["start"]:role["end"]] == role["text"]
        assert m["event_id"] in events
    assert sum(e["n_mentions"] for e in events.values()) == len(ms)


def test_congratulations_reported_by_the_original_and_its_copy_is_one_event_from_one_source(built):
    arts = _articles(built)
    events = _rows(built, "events")
    congrats = [e for e in events if e["type"] == "SUPPORT" and "per:vladimir-putin" in e["actor_ids"]
                and e["recipient_ids"] == ["per:alexander-lukashenko"]]
    assert len(congrats) == 1, congrats
    e = congrats[0]
    assert e["date"] == "2025-01-27" and e["is_new"]
    assert e["n_articles"] == 2 and e["n_sources"] == 1  # 000 and its duplicate 001 are one source
    ms = [m for m in _rows(built, "event_mentions") if m["event_id"] == e["id"]]
    assert {m["article_id"] for m in ms} == {arts["000"]["id"], arts["001"]["id"]}


def test_historical_and_future_mentions_are_not_new_events(built):
    events = _rows(built, "events")
    jailed = [e for e in events if e["type"] == "COERCE" and e["historical"]]
    assert jailed and not any(e["is_new"] for e in jailed)
    future = [e for e in events if e["future"]]
    assert future and not any(e["is_new"] for e in future)
    with Store(built) as s:
        summary = s.summary()
    assert summary["new_events"] == sum(e["is_new"] for e in events) < summary["events"]


def test_dyads_hold_new_events_only(built):
    with api.open_kb(built) as kb:
        dy = kb.dyads(actor="per:vladimir-putin", recipient="per:alexander-lukashenko")
        events = kb.events().set_index("id")
    assert len(dy) >= 1
    row = dy[dy["period"] == "2025-01"].iloc[0]
    assert row["n_cooperation"] >= 1 and row["intensity_sum"] > 0
    for ids in dy["event_ids"]:
        assert all(events.loc[i, "is_new"] for i in ids)


def test_plover_and_gdelt_exports(built):
    with Store(built) as s:
        buf = io.BytesIO()
        n = export(s, "events", "plover", buf)
        assert n == s.count("events")
        recs = [json.loads(line) for line in buf.getvalue().splitlines()]
        buf = io.BytesIO()
        assert export(s, "events", "gdelt", buf) == n
    rec = next(r for r in recs if r["event"] == "SUPPORT" and any(a["id"] == "per:vladimir-putin" for a in r["actor"]))
    assert {"id", "date", "actor", "recipient", "event", "mode", "context", "eventLoc", "eventText", "textInfo",
            "citationInfo"} <= set(rec)
    assert rec["recipient"][0]["code"] == "BLR" and rec["actor"][0]["code"] == "RUS"
    assert len(rec["citationInfo"]) == rec["numMentions"] == 2
    lines = buf.getvalue().decode().splitlines()
    assert lines[0].split("\t")[:3] == ["GlobalEventID", "Day", "Actor1Code"]
    assert any("\tRUSGOV\t" in ln and "\tSUPPORT\t" in ln and "\t20250127\t" in ln for ln in lines[1:])


def test_event_formats_only_for_events(built):
    from storyline.errors import UsageError

    with Store(built) as s, pytest.raises(UsageError):
        export(s, "quotes", "plover", io.BytesIO())


def test_merging_actors_moves_them_into_events(built, tmp_path):
    db = tmp_path / "kb.db"
    shutil.copy(built, db)
    res = api.merge_actors(db, "per:xi-jinping", "cty:CHN")
    assert res["event_mentions"] > 0
    events = _rows(db, "events")
    assert not any("per:xi-jinping" in e["actor_ids"] + e["recipient_ids"] for e in events)
    assert any("cty:CHN" in e["actor_ids"] for e in events)


def _m(article, seq, **kw):
    base = {"article_id": article, "seq": seq, "type": "CONSULT", "mode": "meet", "context": [], "quad": 1,
            "intensity": 2.5, "actor_ids": ["a"], "recipient_ids": ["b"], "date": "2025-01-27",
            "date_source": "sentence_timex", "location": None, "location_country": None, "negated": False,
            "hypothetical": False, "future": False, "historical": False}
    base.update(kw)
    return base


def test_merge_rules():
    ms = [
        _m("x", 0), _m("y", 0, actor_ids=["a", "a"], date="2025-01-27T10:00"),  # same event, another outlet
        _m("z", 0),  # a copy of x (same duplicate group)
        _m("x", 1, negated=True),  # "did not meet": never the meeting
        _m("x", 2, date="2025-02-01"),  # another day: another meeting
        _m("x", 3, actor_ids=[], recipient_ids=[]), _m("y", 1, actor_ids=[], recipient_ids=[]),  # too vague
        _m("y", 2, date=None),  # no date: only within its article
    ]
    events = build_events(ms, {"x": "g1", "z": "g1", "y": "y"})
    by_size = sorted((e.n_mentions, e.n_articles, e.n_sources) for e in events)
    assert by_size == [(1, 1, 1)] * 5 + [(3, 3, 2)]
    assert len({e.id for e in events}) == len(events)
    again = build_events(list(reversed(ms)), {"x": "g1", "z": "g1", "y": "y"})
    assert sorted(e.id for e in again) == sorted(e.id for e in events)  # order-independent ids
    assert merge_key(ms[0]) == merge_key(ms[1])


def test_no_event_is_coded_from_removed_boilerplate(built):
    """Seed 004's removed "Read also" list retells the meeting (Xi praised Belarus…): none of it may
    become an event; every event sentence lies in the clean text."""
    removed = [r["text"] for r in _rows(built, "removals")]
    read_also = [t for t in removed if "Xi Jinping praised Belarus" in t]
    assert read_also, "the example corpus changed: seed 004's Read-also list is no longer removed"
    for m in _rows(built, "event_mentions"):
        assert not any(m["text"] in t for t in read_also), m["text"]


def test_the_two_beijing_meetings_are_consult_events_in_two_stories(built):
    """Seeds 002 (2025 visit) and 004 (the earlier one): both CONSULT meetings in Beijing, in different stories."""
    arts = _articles(built)
    members = {m["article_id"]: m["story_id"] for m in _rows(built, "story_members")}
    consult = {}
    for m in _rows(built, "event_mentions"):
        if m["type"] == "CONSULT" and m["location"] == "Beijing" and "per:alexander-lukashenko" in (
                m["actor_ids"] + m["recipient_ids"]):
            consult.setdefault(m["article_id"], []).append(m)
    assert arts["002"]["id"] in consult and arts["004"]["id"] in consult
    assert members[arts["002"]["id"]] != members[arts["004"]["id"]]

"""Timelines of a story, an arc, an actor and a dyad: event dates kept apart from publication dates,
every entry citing its evidence, dated entries in order and undated ones listed apart."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from storyline import api
from storyline.cli import app
from storyline.errors import UsageError
from storyline.store import Store
from storyline.store.export import iter_rows
from storyline.stories.timeline import COLUMNS, build_timeline, timeline



def _m(article, event, start, date=None, source="unknown", type_="CONSULT", actors=("per:a",), recipients=("per:b",),
       **flags):
    d = {"event_id": event, "article_id": article, "seq": start, "start": start, "end": start + 10,
         "text": f"sentence {event} {article}", "type": type_, "mode": None, "actor_ids": list(actors),
         "recipient_ids": list(recipients), "date": date, "date_source": source, "negated": False,
         "hypothetical": False, "future": False, "historical": False}
    d.update(flags)
    return d


ARTS = {"x1": {"published": "2024-05-07", "published_provenance": "metadata", "story_id": "st1", "is_copy": False,
               "outlet": "X", "title": "T1"},
        "x2": {"published": "2024-05-06", "published_provenance": "content", "story_id": "st1", "is_copy": False,
               "outlet": "Y", "title": "T2"},
        "x3": {"published": "2024-05-07", "published_provenance": "metadata", "story_id": "st1", "is_copy": True,
               "outlet": "X", "title": "T1"}}


def test_build_timeline_orders_cites_and_keeps_dates_apart():
    rows = [_m("x1", "ev1", 50, "2024-05-05", "sentence_timex"), _m("x2", "ev1", 10, "2024-05-05", "sentence_timex"),
            _m("x3", "ev1", 50, "2024-05-05", "sentence_timex"),                          # a copy: no citation
            _m("x1", "ev2", 5, "2023", "sentence_timex", historical=True),
            _m("x1", "ev3", 70),                                                          # undated
            _m("x2", "ev4", 90, "2024-05-06", "publication", negated=True),              # did not happen
            _m("x2", "ev5", 95, "2024-05-09", "sentence_timex", hypothetical=True),
            _m("x2", "ev6", 99, "2024-05-06", "publication", actors=(), recipients=()),  # too vague
            _m("x2", "ev7", 40, "2025-01", "sentence_timex", future=True)]
    out = build_timeline(rows, ARTS, {"per:a": "Alice", "per:b": "Bob"}, reports=["x1", "x2", "x3"])
    assert [e["event_id"] or e["article_id"] for e in out] == ["ev2", "ev1", "x2", "x1", "ev7", "ev3"]
    assert all(set(e) == set(COLUMNS) for e in out)
    ev1 = out[1]
    assert ev1["date"] == "2024-05-05" and ev1["date_source"] == "sentence_timex"
    assert ev1["article_id"] == "x2" and ev1["published"] == "2024-05-06"  # earliest report, its own pub date
    assert ev1["published_provenance"] == "content"
    assert ev1["citations"] == [["x2", 10, 20], ["x1", 50, 60]] and ev1["n_articles"] == 2
    assert ev1["label"] == "Alice — consult → Bob" and ev1["status"] == "new"
    assert out[0]["status"] == "historical" and out[4]["status"] == "future"
    assert out[-1]["dated"] is False and out[-1]["date"] is None and all(e["dated"] for e in out[:-1])
    reports = [e for e in out if e["kind"] == "report"]
    assert [r["date"] for r in reports] == ["2024-05-06", "2024-05-07"] and reports[0]["date_source"] == "content"
    only_new = build_timeline(rows, ARTS, statuses=("new",))
    assert [e["event_id"] for e in only_new] == ["ev1", "ev3"]


def _ids(db):
    with Store(db) as s:
        arts = {a["source_id"][:3]: a["id"] for a in iter_rows(s, "articles")}
        members = {m["article_id"]: m["story_id"] for m in iter_rows(s, "story_members")}
        arc = next(iter_rows(s, "arcs"))
    return arts, members, arc


def test_story_arc_actor_and_dyad_timelines_on_the_example_corpus(example_kb):
    arts, members, arc = _ids(example_kb)
    election = members[arts["000"]]
    with api.open_kb(example_kb) as kb:
        story = kb.timeline(story=election)
        texts = {a["id"]: a["text"] for a in kb.articles()}
        assert list(story.columns) == COLUMNS
        # the copy (000 or 001, whichever is the later member) cites nothing of its own
        cited = {c[0] for cs in story["citations"] for c in cs}
        assert len(cited) == 1
        events = story[story["kind"] == "event"]
        congratulation = events[events["label"].str.startswith("Vladimir Putin, Xi Jinping — support")].iloc[0]
        assert congratulation["date"] == "2025-01-27" and congratulation["date_source"] == "sentence_timex"
        assert congratulation["published"] == "2025-01-27"
        for e in events.to_dict("records"):  # every event cites a real evidence span
            assert texts[e["article_id"]][e["start"]:e["end"]] == e["evidence"]
        dated = list(story["dated"])
        assert dated == sorted(dated, reverse=True)  # undated entries listed after the dated ones
        dates = [d for d in story[story["dated"]]["date"]]
        assert dates == sorted(dates)
        whole = kb.timeline(arc=arc["id"])
        assert set(whole["story_id"]) == set(arc["story_ids"])
        assert {"historical", "new", "future"} <= set(whole["status"])
        # 003: "His previous two visits to China came in 2023" — a past visit dated by the text
        visit = whole[(whole["date"] == "2023") & whole["label"].str.contains("consult/visit")]
        assert list(visit["article_id"]) == [arts["003"]] and list(visit["status"]) == ["historical"]
        luk = kb.timeline(actor="Alexander Lukashenko")
        assert len(luk) and all("per:alexander-lukashenko" in a + r for a, r in zip(luk["actor_ids"], luk["recipient_ids"]))
        assert (luk["kind"] == "event").all()
        dyad = kb.timeline(dyad=("per:xi-jinping", "Alexander Lukashenko"))
        assert len(dyad) and len(dyad) < len(luk)
        for a, r in zip(dyad["actor_ids"], dyad["recipient_ids"]):
            assert {"per:xi-jinping", "per:alexander-lukashenko"} <= set(a) | set(r)


def test_timeline_errors_are_one_line_usage_errors(example_kb):
    with Store(example_kb) as s:
        for kwargs in ({}, {"story": "st-nope"}, {"arc": "arc-nope"}, {"actor": "Nobody Atall"},
                       {"dyad": ("per:xi-jinping", "Nobody Atall")}, {"story": "x", "actor": "y"}):
            with pytest.raises(UsageError):
                timeline(s, **kwargs)


def test_cli_timeline_formats_and_errors(example_kb):
    arts, members, arc = _ids(example_kb)
    runner = CliRunner()
    story = members[arts["002"]]
    res = runner.invoke(app, ["timeline", "--db", str(example_kb), "--story", story, "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert rows and set(rows[0]) == set(COLUMNS) and {r["story_id"] for r in rows} == {story}
    res = runner.invoke(app, ["timeline", "--db", str(example_kb), "--dyad", "per:xi-jinping", "per:alexander-lukashenko",
                              "--format", "csv"])
    assert res.exit_code == 0 and res.output.splitlines()[0] == ",".join(COLUMNS)
    res = runner.invoke(app, ["timeline", "--db", str(example_kb), "--arc", arc["id"]])
    assert res.exit_code == 0 and "2025-01-27" in res.output
    for args in ([], ["--story", "st-nope"], ["--actor", "Nobody Atall"], ["--story", story, "--format", "xml"]):
        res = runner.invoke(app, ["timeline", "--db", str(example_kb), *args])
        assert isinstance(res.exception, UsageError), (args, res.output)
    done = subprocess.run([sys.executable, "-m", "storyline", "timeline", "--db", str(example_kb), "--story", "st-nope"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error[SL-E100]: no story 'st-nope'") and len(done.stderr.strip().splitlines()) == 1

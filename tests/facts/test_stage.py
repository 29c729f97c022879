"""The facts stage end to end on the example corpus, its store/export tables, registry edits and bad input.

Expectations come from reading the five seed documents (examples/belarus-china), not from the output.
"""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from storyline import api
from storyline.engines.local import RunOptions, run
from storyline.facts.edits import Edits
from storyline.facts.stage import FACTS_VERSION, FactsStage, looks_english
from storyline.model import Article
from storyline.nlp import chunks
from storyline.pipeline import Stats
from storyline.store import Store
from storyline.store.export import EXPORTS, export, iter_rows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "belarus-china"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = tmp_path_factory.mktemp("facts") / "kb.db"
    report = run([EXAMPLES], db)
    return db, report


@pytest.fixture()
def db(built, tmp_path):
    """A private copy of the example knowledge base (for tests that edit it)."""
    copy = tmp_path / "kb.db"
    shutil.copy(built[0], copy)
    return copy


def _tables(db):
    with Store(db) as s:
        arts = {r["source_id"][:3]: r for r in iter_rows(s, "articles")}
        return arts, {t: list(iter_rows(s, t)) for t in ("actors", "mentions", "timexes", "quotes", "facts")}


def _of(rows, article):
    return [r for r in rows if r["article_id"] == article["id"]]


# ------------------------------------------------------------------ the example corpus
def test_every_article_analysed_and_counted(built):
    db, report = built
    arts, t = _tables(db)
    assert report.articles_analysed == len(arts) == 5
    assert {f["status"] for f in t["facts"]} == {"ok"}
    assert report.stats["facts"]["kept"] == 5
    assert {f["version"] for f in t["facts"]} == {FACTS_VERSION}


def test_every_span_points_at_its_text(built):
    db, _ = built
    arts, t = _tables(db)
    by_id = {a["id"]: a["text"] for a in arts.values()}
    for table in ("mentions", "timexes", "quotes"):
        assert t[table], table
        for r in t[table]:
            assert by_id[r["article_id"]][r["start"]:r["end"]] == r["text"], (table, r)
    for q in t["quotes"]:
        text = by_id[q["article_id"]]
        if q["speaker_start"] is not None:
            assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker_text"]
        if q["cue_start"] is not None:
            assert text[q["cue_start"]:q["cue_end"]] == q["cue"]


def test_putin_quotes_in_seeds_000_and_001_have_putin_as_speaker(built):
    db, _ = built
    arts, t = _tables(db)
    for key in ("000", "001"):
        qs = _of(t["quotes"], arts[key])
        putin = [q for q in qs if "convincing victory" in q["text"] or "welcome and dear guest" in q["text"]]
        assert len(putin) >= 2, qs
        assert {q["speaker_id"] for q in putin} == {"per:vladimir-putin"}, putin
        assert all(q["kind"] == "direct" for q in putin)
        he = [q for q in putin if q["speaker_text"] == "he"]
        assert he and he[0]["cue"] == "continued"  # "…," he continued → Putin
        kremlin = [q for q in putin if "convincing victory" in q["text"]][0]
        assert kremlin["channel"] and "Kremlin" in kremlin["channel"]


def test_farce_is_a_partial_quote_of_tsikhanouskaya(built):
    db, _ = built
    arts, t = _tables(db)
    farce = [q for q in _of(t["quotes"], arts["000"]) if "farce" in q["text"] and q["kind"] == "partial"]
    assert len(farce) == 1
    assert farce[0]["speaker_id"] == "per:sviatlana-tsikhanouskaya"


def test_tsikhanouskaya_is_belarusian_opposition(built):
    db, _ = built
    arts, t = _tables(db)
    ms = [m for m in _of(t["mentions"], arts["000"]) if m["text"] == "Sviatlana Tsikhanouskaya"]
    assert ms and (ms[0]["country"], ms[0]["sector"]) == ("BLR", "OPP")
    actor = {a["id"]: a for a in t["actors"]}[ms[0]["actor_id"]]
    assert actor["country"] == "BLR"


def test_lukashenko_under_all_his_names_is_one_actor(built):
    db, _ = built
    arts, t = _tables(db)
    ids = {m["actor_id"] for a in arts.values() for m in _of(t["mentions"], a)
           if m["text"] in ("Alexander Lukashenko", "Aleksandr Lukashenko", "Lukashenko", "the Belarusian leader",
                            "The Belarusian leader", "the 70-year-old autocrat")}
    assert ids == {"per:alexander-lukashenko"}
    texts = {m["text"].lower() for m in t["mentions"] if m["actor_id"] == "per:alexander-lukashenko"}
    assert {"alexander lukashenko", "lukashenko", "the belarusian leader", "the 70-year-old autocrat"} <= texts


def test_on_monday_resolved_against_the_publication_date(built):
    db, _ = built
    arts, t = _tables(db)
    for key in ("000", "001"):  # 001 has no date of its own: it gets 000's through the duplicate group
        monday = [x for x in _of(t["timexes"], arts[key]) if x["text"].lower().endswith("monday")]
        assert monday and monday[0]["value"] == "2025-01-27", monday
        sunday = [x for x in _of(t["timexes"], arts[key]) if x["text"].startswith("Sunday")]
        assert sunday and sunday[0]["value"] == "2025-01-26"
    facts = {f["article_id"]: f for f in t["facts"]}
    assert facts[arts["000"]["id"]]["date_value"] == "2025-01-27"
    assert facts[arts["000"]["id"]]["date_provenance"] == "metadata"
    no_date = [a for a in arts.values() if not a["published"]]
    for a in no_date:  # nothing in the metadata: the resolved date says where it came from, or "unknown"
        assert facts[a["id"]]["date_provenance"] in ("dateline", "content", "unknown")
        assert (facts[a["id"]]["date_value"] is None) == (facts[a["id"]]["date_provenance"] == "unknown")


def test_ages_and_ordinals_are_not_dates(built):
    db, _ = built
    _, t = _tables(db)
    texts = {x["text"] for x in t["timexes"]}
    assert not any("70-year-old" in x or "seventh" in x or "80th" in x or "86%" in x for x in texts), texts


def test_rerun_analyses_nothing_and_changes_nothing(db):
    before = _tables(db)
    report = run([EXAMPLES], db)
    assert report.articles_analysed == 0
    assert _tables(db) == before


def test_killed_facts_pass_resumes(db, monkeypatch):
    with Store(db) as s:
        s.invalidate_facts()
        before = s.facts_todo_count(FACTS_VERSION)
    assert before == 5
    calls = {"n": 0}
    real = FactsStage.process_batch

    def dying(self, articles, stats):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the process is interrupted after the first batch was stored
        return real(self, articles, stats)

    monkeypatch.setattr(FactsStage, "process_batch", dying)
    with pytest.raises(KeyboardInterrupt):
        run([EXAMPLES], db, RunOptions(facts_batch=2))
    with Store(db) as s:
        assert s.facts_todo_count(FACTS_VERSION) == 3
    monkeypatch.setattr(FactsStage, "process_batch", real)
    report = run([EXAMPLES], db, RunOptions(facts_batch=2))
    assert report.articles_analysed == 3


def test_date_change_from_a_merge_triggers_reanalysis(db):
    with Store(db) as s:
        s.conn.execute("UPDATE articles SET published = '2025-02-03' WHERE source_id LIKE '000%'")
        assert s.facts_todo_count(FACTS_VERSION) == 1
    assert api.analyse(db) == 1
    arts, t = _tables(db)
    monday = [x for x in _of(t["timexes"], arts["000"]) if x["text"].lower().endswith("monday")]
    assert monday[0]["value"] == "2025-02-03"


# ------------------------------------------------------------------ exports and API
@pytest.mark.parametrize("table", ["actors", "mentions", "timexes", "quotes", "facts"])
def test_fact_tables_export_in_every_format(built, table):
    db, _ = built
    with Store(db) as s:
        n = s.count(table)
        buf = io.BytesIO()
        assert export(s, table, "jsonl", buf) == n > 0
        rows = [json.loads(line) for line in buf.getvalue().splitlines()]
        assert list(rows[0]) == EXPORTS[table][1]
        buf = io.BytesIO()
        export(s, table, "csv", buf)
        assert len(list(csv.DictReader(io.StringIO(buf.getvalue().decode())))) == n
        buf = io.BytesIO()
        export(s, table, "parquet", buf)
        import pyarrow.parquet as pq

        assert pq.read_table(io.BytesIO(buf.getvalue())).num_rows == n


def test_required_fields(built):
    db, _ = built
    need = {
        "actors": {"id", "name", "type", "country", "sector", "aliases"},
        "mentions": {"article_id", "start", "end", "text", "actor_id"},
        "timexes": {"article_id", "start", "end", "text", "type", "value", "mod", "reason"},
        "quotes": {"article_id", "start", "end", "text", "kind", "speaker_id", "speaker_name", "speaker_start",
                   "speaker_end", "cue", "channel"},
    }
    with api.open_kb(db) as kb:
        for table, cols in need.items():
            df = getattr(kb, table)()
            assert cols <= set(df.columns), table
            assert len(df) > 0
        assert isinstance(kb.actors()["aliases"].iloc[0], list)


# ------------------------------------------------------------------ registry edits applied to stored data
def test_add_actor_reanalyses_the_articles_that_name_it(db):
    res = api.add_actors(db, [{"id": "org:big-stone", "name": "Big Stone", "type": "ORG", "country": "BLR",
                              "sector": "BUS", "aliases": ["Great Stone"]}])
    assert res["articles_reanalysed"] == 1  # only seed 002 names the industrial park
    arts, t = _tables(db)
    ms = [m for m in t["mentions"] if m["actor_id"] == "org:big-stone"]
    assert ms and ms[0]["article_id"] == arts["002"]["id"] and ms[0]["text"] == "Big Stone"
    actor = {a["id"]: a for a in t["actors"]}["org:big-stone"]
    assert actor["origin"] == "user" and "Great Stone" in actor["aliases"]


def test_import_actor_file(db, tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("id,name,type,country,sector,aliases\norg:big-stone,Big Stone,ORG,BLR,BUS,Great Stone|China-Belarus Industrial Park\n")
    assert api.import_actors(db, f)["actors"] == 1
    y = tmp_path / "mine.yaml"
    y.write_text("actors:\n  - id: org:scroll\n    name: Human Rights Council\n    type: IGO\n")
    assert api.import_actors(db, y)["actors"] == 1


@pytest.mark.parametrize("content,message", [
    ("id,name\n,No id\n", "needs at least"),
    ("id,name,type,country\nper:x,X,PER,Belarus\n", "alpha-3"),
    ("id,name,type\nper:x,X,ALIEN\n", "unknown type"),
])
def test_bad_actor_files_are_one_line_errors(db, tmp_path, content, message):
    from storyline.errors import UsageError

    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(UsageError, match=message):
        api.import_actors(db, f)


def test_merge_moves_mentions_and_quotes_and_survives_reanalysis(db):
    arts, t = _tables(db)
    n_xi = sum(m["actor_id"] == "per:xi-jinping" for m in t["mentions"])
    n_luk = sum(m["actor_id"] == "per:alexander-lukashenko" for m in t["mentions"])
    res = api.merge_actors(db, "per:xi-jinping", "per:alexander-lukashenko")
    assert res["mentions"] == n_xi > 0
    _, t = _tables(db)
    assert not any(m["actor_id"] == "per:xi-jinping" for m in t["mentions"])
    assert "per:xi-jinping" not in {a["id"] for a in t["actors"]}
    assert sum(m["actor_id"] == "per:alexander-lukashenko" for m in t["mentions"]) == n_luk + n_xi
    with Store(db) as s:
        s.invalidate_facts()
    api.analyse(db)  # re-analysis replays the merge
    _, t2 = _tables(db)
    assert not any(m["actor_id"] == "per:xi-jinping" for m in t2["mentions"])
    assert sorted((m["article_id"], m["start"], m["actor_id"]) for m in t2["mentions"]) == \
        sorted((m["article_id"], m["start"], m["actor_id"]) for m in t["mentions"])


def test_split_gives_the_named_mentions_to_a_new_actor(db):
    res = api.split_actor(db, "per:alexander-lukashenko", ["Alexander Lukashenko"], "per:alexander-l", None)
    assert res["mentions"] >= 1
    _, t = _tables(db)
    moved = [m for m in t["mentions"] if m["actor_id"] == "per:alexander-l"]
    assert moved and {m["text"] for m in moved} == {"Alexander Lukashenko"}
    assert any(m["actor_id"] == "per:alexander-lukashenko" for m in t["mentions"])
    with Store(db) as s:
        s.invalidate_facts()
    api.analyse(db)
    _, t2 = _tables(db)
    assert {m["text"] for m in t2["mentions"] if m["actor_id"] == "per:alexander-l"} == {"Alexander Lukashenko"}
    assert len([m for m in t2["mentions"] if m["actor_id"] == "per:alexander-l"]) == len(moved)


def test_edit_errors(db):
    from storyline.errors import UsageError

    with pytest.raises(UsageError, match="unknown actor"):
        api.merge_actors(db, "per:nobody-at-all", "per:vladimir-putin")
    with pytest.raises(UsageError, match="itself"):
        api.merge_actors(db, "per:vladimir-putin", "per:vladimir-putin")
    with pytest.raises(UsageError, match="already exists"):
        api.split_actor(db, "per:alexander-lukashenko", ["Lukashenko"], "per:vladimir-putin")


def test_edits_replay_chains():
    e = Edits.from_rows([("merge", {"src": "a", "dst": "b"}), ("merge", {"src": "b", "dst": "c"}),
                         ("split", {"src": "c", "aliases": ["Zed"], "new_id": "z", "new_name": "Zed"})])
    assert e.remap("a", "Alpha") == "c"
    assert e.remap("a", "zed") == "z"
    assert e.remap("q", "Zed") == "q"


# ------------------------------------------------------------------ bad input
def _article(text, published="2025-01-27"):
    return Article(id="x", source_id="x", source_path="x", fmt="text", provenance={}, original=text, text=text,
                   published=published)


@pytest.fixture(scope="module")
def stage():
    return FactsStage()


@pytest.mark.parametrize("text,status,reason", [
    ("", "skipped", "empty_text"),
    ("12 345 678 — 90 % ## 2024", "skipped", "no_sentences"),
    ("Президент Беларуси Александр Лукашенко заявил в понедельник, что выборы прошли честно и спокойно, "
     "а оппозиция снова проиграла.", "skipped", "not_english"),
    ("Der Präsident sagte am Montag, dass die Wahl fair gewesen sei und die Opposition verloren habe. "
     "Die Regierung in Minsk wies die Kritik aus dem Westen zurück.", "skipped", "not_english"),
])
def test_unanalysable_text_is_kept_with_a_reason(stage, text, status, reason):
    stats = Stats()
    (a,) = stage.process_batch([_article(text)], stats)
    assert (a.facts["status"], a.facts["reason"]) == (status, reason)
    assert a.facts["date"].value == "2025-01-27"  # the publication date is still resolved
    assert stats.get("facts", f"skipped:{reason}") == 1


def test_unbalanced_quotes_do_not_swallow_the_article(stage):
    text = ("“This is where it starts, Putin said on Monday.\n\nThe second paragraph is ordinary reporting "
            "about the economy and the weather in Minsk.\n\nA third paragraph follows here.")
    (a,) = stage.process_batch([_article(text)], Stats())
    assert a.facts["status"] == "ok"
    for q in a.spans["quotes"]:
        assert "third paragraph" not in q.text


def test_very_long_article_is_parsed_in_chunks_with_article_offsets():
    stage = FactsStage(timeout=300)  # about chunking, not the time limit (tests/test_limits.py): a busy CI core
    para = ("Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow on Monday. "
            "“We are friends,” Putin said. ") * 6
    text = "\n\n".join([para] * 300)  # ~210 000 characters
    assert len(text) > 200_000
    stats = Stats()
    (a,) = stage.process_batch([_article(text)], stats)
    assert a.facts["status"] == "ok" and a.facts["reason"] == "chunked"
    assert stats.get("facts", "chunked") == 1
    far = [m for m in a.spans["mentions"] if m.start > 150_000]
    assert far and all(text[m.start:m.end] == m.text for m in far)
    assert any(q.start > 150_000 and q.attrs["speaker_id"] == "per:vladimir-putin" for q in a.spans["quotes"])


def test_chunks_cover_the_text_exactly():
    text = ("word " * 50 + "\n\n") * 100
    parts = chunks(text, 1000)
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= 1000 for _, p in parts)
    assert all(text[o:o + len(p)] == p for o, p in parts)
    assert chunks("x" * 2500, 1000) == [(0, "x" * 1000), (1000, "x" * 1000), (2000, "x" * 500)]


def test_internal_error_in_one_article_keeps_the_others(stage, monkeypatch):
    import storyline.facts.quotes as quotes

    real = quotes.find_quotes

    def boom(doc):
        if "explode" in doc.text:
            raise RuntimeError("boom")
        return real(doc)

    monkeypatch.setattr(quotes, "find_quotes", boom)
    stats = Stats()
    good = _article("Putin said on Monday that the talks went well and that he was pleased with them.")
    bad = _article("This sentence will explode the quote finder when it is parsed by the stage today.")
    bad.id = "bad"
    out = stage.process_batch([good, bad], stats)
    assert out[0].facts["status"] == "ok" and out[1].facts["status"] == "skipped"
    assert out[1].facts["reason"] == "internal_error" and "boom" in out[1].facts["error"]
    assert stats.get("facts", "skipped:internal_error") == 1


def test_language_guess():
    assert looks_english("The president said on Monday that the election was fair.")[0]
    assert not looks_english("Le président a déclaré lundi que les élections étaient libres et que "
                             "l'opposition avait perdu dans la capitale.")[0]

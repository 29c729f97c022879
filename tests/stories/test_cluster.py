"""Story clustering: hand-made StoryDocs and the example corpus (000+001, 002+003, 004; one arc)."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from storyline.stories.cluster import (
    StoryDoc,
    StoryIndex,
    StoryInputError,
    StoryParams,
    StoryStateError,
    apply_edits,
    build_arcs,
    build_story,
    cluster,
    edit,
    story_dyads,
)
from storyline.stories.inputs import storydocs_from_rows

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "belarus-china"

QUAKE = "A magnitude {m} earthquake struck {place} on {day}, killing {n} people and destroying homes. " \
        "Rescue teams in {place} searched the rubble as aftershocks shook the region near {city}."
STRIKE = "Workers at the {co} car plant in {city} walked out on {day} demanding higher wages. " \
         "The union leader {who} said the strike at {co} would continue until management agreed."


def _corpus() -> list[StoryDoc]:
    docs = []
    for i in range(4):
        docs.append(StoryDoc(f"q{i}", QUAKE.format(m="7.1", place="Sumatra", day="Monday", n=40 + i, city="Padang"),
                             published=date(2024, 3, 4 + i)))
        docs.append(StoryDoc(f"s{i}", STRIKE.format(co="Volkswagen", city="Wolfsburg", day="Tuesday", who="Meyer"),
                             published=date(2024, 3, 5 + i)))
        # the same kind of event, other names, 18 months later
        docs.append(StoryDoc(f"r{i}", QUAKE.format(m="6.4", place="Luzon", day="Friday", n=12 + i, city="Manila"),
                             published=date(2025, 9, 10 + i)))
    return docs


def _partition(assign: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for a, s in assign.items():
        groups.setdefault(s, set()).add(a)
    return {frozenset(g) for g in groups.values()}


def test_hand_made_events_cluster_and_ids_are_smallest_member():
    assign = cluster(_corpus())
    assert _partition(assign) == {frozenset(f"{p}{i}" for i in range(4)) for p in "qsr"}
    assert assign["q3"] == "stq0" and assign["r2"] == "str0"


def test_same_actors_far_apart_in_time_are_two_stories():
    a = StoryDoc("a", QUAKE.format(m="7.1", place="Sumatra", day="Monday", n=40, city="Padang"), published=date(2024, 3, 4))
    b = StoryDoc("b", a.text, published=date(2025, 9, 4))
    c = StoryDoc("c", a.text, published=date(2024, 3, 9))
    assert _partition(cluster([a, b, c])) == {frozenset({"a", "c"}), frozenset({"b"})}


def test_arrival_order_independent_and_incremental_equals_batch():
    docs = _corpus()
    batch = cluster(docs)
    for seed in range(5):
        order = docs[:]
        random.Random(seed).shuffle(order)
        idx = StoryIndex()
        for d in order:
            idx.add(d)
        assert idx.assignment() == batch
    assert StoryIndex.rebuild(reversed(docs)).assignment() == batch


HIRE = ["The Philadelphia 76ers named Maurice Cheeks head coach in {y}, replacing Jim O'Brien after one season.",
        "Maurice Cheeks returns to the Philadelphia 76ers as coach in {y}; Billy King pushed out Jim O'Brien.",
        "In {y} the 76ers hired Maurice Cheeks, the former Sixers guard, as coach after firing Jim O'Brien.",
        "Billy King said Maurice Cheeks will coach the Philadelphia 76ers from {y} after Jim O'Brien left."]
FIRE = ["The Philadelphia 76ers fired coach Maurice Cheeks in {y} after a 9-14 start; Tony DiLeo takes over.",
        "Maurice Cheeks was fired as coach of the Philadelphia 76ers in {y}, and Tony DiLeo was named interim coach.",
        "In {y} the 76ers dismissed Maurice Cheeks as coach after eight losses in ten games; Tony DiLeo replaces him.",
        "Billy King fired Maurice Cheeks as Philadelphia 76ers coach in {y}; assistant Tony DiLeo steps in."]


def _coaches() -> list[StoryDoc]:
    """Two events of one kind with the same team and names, no dates: a hire in 2005, a firing in 2008."""
    return [StoryDoc(f"h{i}", t.format(y=2005)) for i, t in enumerate(HIRE)] + \
           [StoryDoc(f"f{i}", t.format(y=2008)) for i, t in enumerate(FIRE)]


def test_mentioned_years_separate_similar_events_without_dates():
    docs = _coaches()
    assert _partition(cluster(docs)) == {frozenset(f"h{i}" for i in range(4)), frozenset(f"f{i}" for i in range(4))}
    # with the year given no extra weight the shared names and words merge the two events
    assert len(_partition(cluster(docs, StoryParams(year_weight=1.0)))) == 1


def test_add_many_agglomerates_a_batch_but_never_merges_existing_stories():
    docs = _corpus()
    idx = StoryIndex()
    idx.add_many(d for d in docs if d.id[0] in "qs")
    before = idx.assignment()
    assert _partition(before) == {frozenset(f"q{i}" for i in range(4)), frozenset(f"s{i}" for i in range(4))}
    # an article about both the earthquake and the strike joins one of them; the two stay apart
    both = StoryDoc("x", docs[0].text + " " + docs[1].text, published=date(2024, 3, 6))
    later = [d for d in docs if d.id[0] == "r"] + [both]
    idx.add_many(later)
    after = idx.assignment()
    assert all(after[a] == s for a, s in before.items())
    assert after["x"] in (before["q0"], before["s0"])
    assert len({after[f"r{i}"] for i in range(4)}) == 1 and after["r0"] not in before.values()
    # a batch gives the same partition whatever the order inside it
    again = StoryIndex()
    again.add_many(d for d in docs if d.id[0] in "qs")
    again.add_many(list(reversed(later)))
    assert again.assignment() == after
    with pytest.raises(StoryInputError):
        StoryIndex().add_many(["not a doc"])  # type: ignore[list-item]


def test_state_round_trip_then_continue():
    docs = sorted(_corpus(), key=lambda d: d.id)
    whole = StoryIndex()
    for d in docs:
        whole.add(d)
    half = StoryIndex()
    for d in docs[:6]:
        half.add(d)
    restored = StoryIndex.from_bytes(half.to_bytes())
    for d in docs[6:]:
        restored.add(d)
    assert restored.assignment() == whole.assignment()
    assert StoryIndex.from_dict(whole.to_dict()).stories() == whole.stories()
    with pytest.raises(StoryStateError):
        StoryIndex.from_bytes(b"nope")
    with pytest.raises(StoryStateError):
        StoryIndex.from_dict({"version": 999})


def test_duplicates_share_a_story_and_count_once():
    a = StoryDoc("b1", QUAKE.format(m="7.1", place="Sumatra", day="Monday", n=40, city="Padang"), group_id="gA",
                 outlet="Wire", published=date(2024, 3, 4))
    copy = StoryDoc("a9", "completely different text about football", group_id="gA", outlet="Paper",
                    published=date(2024, 3, 5))
    idx = StoryIndex()
    idx.add(a)
    r = idx.add_detailed(copy)
    assert r.reason == "copy" and r.story_id == "sta9" and r.renamed == {"stb1": "sta9"}
    assert idx.n_docs == 1  # the copy did not enter the IDF or the centroid
    rec = build_story("sta9", [a, copy])
    assert (rec.n_articles, rec.n_independent, rec.n_copies, rec.n_outlets) == (2, 1, 1, 1)
    assert rec.first_report == "b1" and rec.latest_report == "a9"


def test_bad_input():
    with pytest.raises(StoryInputError):
        StoryDoc("", "text")
    with pytest.raises(StoryInputError):
        StoryDoc("x", "text", published="yesterday")
    with pytest.raises(StoryInputError):
        StoryDoc("x", "t", events=[("CONSULT",)])
    with pytest.raises(StoryInputError):
        StoryIndex().add("not a doc")  # type: ignore[arg-type]
    idx = StoryIndex()
    # empty text and no date: its own story, no crash; a huge text is cut, not a problem
    assert idx.add(StoryDoc("e", "")) == "ste"
    assert idx.add(StoryDoc("f", None)) == "stf"  # type: ignore[arg-type]
    huge = StoryDoc("h", ("Flooding hit Valencia province after record rain. " * 40_000), published="2024-10-30")
    assert idx.add(huge) == "sth"
    assert idx.add(StoryDoc("i", "Flooding hit Valencia province after record rain.", published="2024-10-31")) == "sth"
    assert StoryDoc("d", "x", published="2024-10-31T08:00:00Z").published == date(2024, 10, 31)


def test_edits_survive_reruns_and_ids_follow():
    assign = cluster(_corpus())
    edits = [edit("merge", ["stq0", "sts0"]), edit("split", ["q3", "s3"])]
    out, warnings = apply_edits(assign, edits)
    assert not warnings
    assert out["q1"] == out["s1"] == "stq0"
    assert out["q3"] == out["s3"] == "stq3"
    # a re-run that adds an article: the edits still apply (they name articles)
    more = _corpus() + [StoryDoc("q9", QUAKE.format(m="7.1", place="Sumatra", day="Monday", n=44, city="Padang"),
                                 published=date(2024, 3, 6))]
    out2, _ = apply_edits(cluster(more), edits)
    assert out2["q9"] == out2["s2"] == "stq0"
    _, warnings = apply_edits(assign, [edit("merge", ["zz", "q0"])])
    assert warnings and "zz" in warnings[0]
    with pytest.raises(StoryInputError):
        edit("explode", ["q0"])
    with pytest.raises(StoryInputError):
        edit("merge", ["q0"])


def test_story_record_title_from_event_when_no_titles():
    docs = [StoryDoc(f"x{i}", "Officials met in Geneva for talks.", events=[("CONSULT", ["cty:USA"], ["cty:IRN"], "2024-05-0%d" % (i + 1))],
                     actor_names={"cty:USA": "United States", "cty:IRN": "Iran"}) for i in range(2)]
    rec = build_story("stx0", docs)
    assert rec.title == "United States meets Iran" and rec.title_source == "event"
    assert (rec.date_start, rec.date_end) == (date(2024, 5, 1), date(2024, 5, 2))
    assert rec.key_events[0][0][0] == "CONSULT" and rec.key_events[0][1] == 2


def test_arcs_link_stories_sharing_a_dyad():
    arcs = build_arcs({"stb": [("BLR", "CHN")], "sta": [("CHN", "BLR"), ("BLR", "RUS")], "stc": [("USA", "IRN")], "std": []})
    assert len(arcs) == 1 and arcs[0].id == "arca" and arcs[0].story_ids == ["sta", "stb"]
    assert arcs[0].dyads == [("BLR", "CHN")]


# ------------------------------------------------------------------------------ example corpus


@pytest.fixture(scope="module")
def example_docs(tmp_path_factory):
    from storyline.store.export import iter_rows
    from storyline.store.sqlite import Store

    db = tmp_path_factory.mktemp("stories") / "kb.sqlite"
    subprocess.run([sys.executable, "-m", "storyline", "run", str(EXAMPLE), "--db", str(db)],
                   check=True, capture_output=True, cwd=REPO)
    with Store(db, create=False) as s:
        docs = storydocs_from_rows(iter_rows(s, "articles"), iter_rows(s, "mentions"),
                                   iter_rows(s, "event_mentions"), iter_rows(s, "timexes"))
    return docs


def _by_seed(docs: list[StoryDoc]) -> dict[str, str]:
    """seed number ('000'..'004') -> article id, via the article text's first words."""
    firsts = {
        "000": "Russian President Vladimir Putin", "002": "Belarusian authoritarian leader",
        "003": "Belarusian President Alexander Lukashenko visited", "004": "Belarusian ruler Alexander",
    }
    out: dict[str, str] = {}
    for seed, start in firsts.items():
        out[seed] = next(d.id for d in docs if d.text.startswith(start) and (seed != "000" or d.group_id))
    out["001"] = next(d.id for d in docs if d.text.startswith(firsts["000"]) and d.id != out["000"])
    return out


def test_example_corpus_stories_and_arc(example_docs):
    seeds = _by_seed(example_docs)
    assign = cluster(example_docs)
    assert assign[seeds["000"]] == assign[seeds["001"]]
    assert assign[seeds["002"]] == assign[seeds["003"]]
    assert len({assign[seeds[s]] for s in ("000", "002", "004")}) == 3
    assert len(set(assign.values())) == 3
    by_id = {d.id: d for d in example_docs}
    members: dict[str, list[StoryDoc]] = {}
    for a, s in assign.items():
        members.setdefault(s, []).append(by_id[a])
    arcs = build_arcs({s: story_dyads(m) for s, m in members.items()})
    assert len(arcs) == 1 and set(arcs[0].story_ids) == set(members)
    rec = build_story(assign[seeds["000"]], members[assign[seeds["000"]]])
    assert (rec.n_articles, rec.n_independent, rec.n_copies) == (2, 1, 1)
    assert rec.date_start == date(2025, 1, 27)
    assert "per:alexander-lukashenko" in [a for a, _ in rec.key_actors]
    visit = build_story(assign[seeds["002"]], members[assign[seeds["002"]]])
    assert visit.title == "Lukashenko Visits China as Nations Vow to Oppose 'Hegemony'"


def test_example_corpus_any_arrival_order(example_docs):
    batch = cluster(example_docs)
    for seed in range(6):
        order = example_docs[:]
        random.Random(seed).shuffle(order)
        idx = StoryIndex()
        for d in order:
            idx.add(d)
        assert idx.assignment() == batch, seed


def test_params_round_trip():
    p = StoryParams(threshold=0.2)
    assert StoryParams(**p.to_dict()) == p

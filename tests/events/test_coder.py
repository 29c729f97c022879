"""The rule event coder: one test per pattern, the flags, the example corpus, bad input.

Expectations come from reading the sentences (and the five seed documents in examples/belarus-china),
not from the coder's output.
"""

import datetime as dt
import time
from pathlib import Path

import pytest

from storyline.events.coder import (
    DATE_SOURCES, FLAGS, Cue, EventCoder, EventMention, LexiconError, Role, RuleCoder, _date_bounds, load_lexicon,
    plover_convention,
)
from storyline.events.ontology import load_ontology

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "belarus-china"
PUB = dt.date(2025, 1, 27)  # a Monday


@pytest.fixture(scope="module")
def nlp():
    from storyline.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="module")
def reg():
    from storyline.facts.actors import Registry

    return Registry.bundled()


@pytest.fixture(scope="module")
def coder():
    return RuleCoder()


@pytest.fixture(scope="module")
def code(nlp, reg, coder):
    """text → event mentions, with the facts modules run the way the facts stage runs them."""
    from storyline.facts.actors import resolve_mentions
    from storyline.facts.quotes import find_quotes
    from storyline.facts.time import find_timexes

    def run(text, pub=PUB):
        doc = nlp(text)
        mentions, _ = resolve_mentions(doc, reg, pub)
        return coder.code(doc, mentions, find_timexes(text, pub, doc), find_quotes(doc), pub)

    return run


def one(events, trigger):
    found = [e for e in events if e.trigger == trigger]
    assert len(found) == 1, [(e.trigger, e.type) for e in events]
    return found[0]


def ids(roles):
    return [r.actor_id for r in roles]


def texts(roles):
    return [r.text for r in roles]


# ============================================================================ interface and record
def test_rule_coder_implements_the_interface(coder):
    assert isinstance(coder, EventCoder)
    assert coder.name == "rules" and coder.version.startswith("rules/")


def test_another_backend_plugs_in_with_the_same_record(nlp):
    class Fixed:
        name = "fixed"

        def code(self, doc, mentions, timexes, quotes, published):
            return [EventMention(0, len(doc.text), doc.text, 0, 5, doc.text[:5], "CONSULT", "meet", [], 1, 2.5,
                                 coder=self.name)]

    backend = Fixed()
    assert isinstance(backend, EventCoder)
    ev = backend.code(nlp("Putin met Xi."), [], [], [], None)[0]
    assert ev.plover_type == "CONSULT" and ev.is_new and ev.to_dict()["coder"] == "fixed"


def test_record_fields_and_evidence(code):
    text = "Putin met Xi in Beijing on Monday."
    ev = one(code(text), "met")
    assert (ev.type, ev.mode, ev.quad, ev.intensity) == ("CONSULT", "meet", 1, 2.5)
    assert text[ev.trigger_start:ev.trigger_end] == "met" and ev.text == text[ev.start:ev.end]
    assert ev.actor_ids == ["per:vladimir-putin"] and ev.recipient_ids == ["per:xi-jinping"]
    assert text[ev.actors[0].start:ev.actors[0].end] == "Putin" and ev.actors[0].via == "nsubj"
    assert (ev.location, ev.location_country) == ("Beijing", "CHN")
    assert text[ev.location_start:ev.location_end] == "Beijing"
    assert (ev.date, ev.date_source, ev.date_text) == ("2025-01-27", "sentence_timex", "Monday")
    assert ev.is_new and not ev.cues and ev.rule == "verb:CONSULT:meet"
    d = ev.to_dict()
    assert d["actor_ids"] == ["per:vladimir-putin"] and set(FLAGS) <= set(d)
    assert set(DATE_SOURCES) >= {"sentence_timex", "publication", "before_publication", "after_publication"}


# ============================================================================ roles
def test_compound_actors(code):
    ev = one(code("Putin and Xi congratulated Lukashenko."), "congratulated")
    assert (ev.type, ev.mode) == ("SUPPORT", "praise")
    assert ev.actor_ids == ["per:vladimir-putin", "per:xi-jinping"]
    assert ev.recipient_ids == ["per:alexander-lukashenko"]


def test_passive_agent_is_actor_and_subject_is_recipient(code):
    ev = one(code("The activists were arrested by police in Minsk."), "arrested")
    assert (ev.type, ev.mode) == ("COERCE", "arrest")
    assert texts(ev.actors) == ["police"] and ev.actors[0].via == "agent"
    assert texts(ev.recipients) == ["activists"] and ev.recipients[0].via == "nsubjpass"


def test_quantity_object_resolves_to_the_people(code):
    ev = one(code("Police detained dozens of protesters on Sunday."), "detained")
    assert texts(ev.recipients) == ["protesters"]
    assert (ev.date, ev.date_source) == ("2025-01-26", "sentence_timex")


def test_light_verb_noun_event(code):
    ev = one(code("Xi sent a message of congratulations to Lukashenko."), "congratulations")
    assert (ev.type, ev.mode) == ("SUPPORT", "praise")
    assert ev.actor_ids == ["per:xi-jinping"] and ev.recipient_ids == ["per:alexander-lukashenko"]


def test_light_verb_despite_lemmatizer_slip(code):
    ev = one(code("Students staged demonstrations in Minsk to demand reforms."), "demonstrations")
    assert (ev.type, ev.mode) == ("PROTEST", "demo") and texts(ev.actors) == ["Students"]
    assert (ev.location, ev.location_country) == ("Minsk", "BLR")


def test_purpose_clause_of_a_protest_is_not_a_separate_demand(code):
    evs = code("Students staged demonstrations in Minsk to demand reforms.")
    assert [e.type for e in evs] == ["PROTEST"]


def test_noun_event_with_its_own_actor_and_recipient(code):
    ev = one(code("The EU imposed sanctions on Belarus in 2021."), "sanctions")
    assert (ev.type, ev.mode) == ("SANCTION", "embargo")
    assert ev.actor_ids == ["igo:eu"] and ev.recipient_ids == ["cty:BLR"]
    ev = one(code("Belarus remains under Western sanctions."), "sanctions")
    assert texts(ev.actors) == ["Western"] and ev.actors[0].via == "mod"


def test_visit_host_is_the_place_visited(code):
    ev = one(code("Lukashenko traveled to Beijing on Sunday."), "traveled")
    assert (ev.type, ev.mode) == ("CONSULT", "visit")
    assert ev.recipient_ids == ["cty:CHN"] and ev.location == "Beijing"


def test_framing_phrase_gives_the_main_clause_subject(code):
    ev = one(code("At a meeting with Lukashenko in Beijing, Xi praised the two countries' friendship."), "meeting")
    assert ev.actor_ids == ["per:xi-jinping"] and ev.recipient_ids == ["per:alexander-lukashenko"]
    assert ev.location == "Beijing"


def test_first_person_in_a_quote_is_the_speaker(code):
    ev = one(code("“We will cooperate with China,” Lukashenko said."), "cooperate")
    assert ev.actor_ids == ["per:alexander-lukashenko"] and ev.recipient_ids == ["cty:CHN"]
    assert ev.reported_in_quote and ev.quote_kind == "direct"
    assert ev.quote_speaker_id == "per:alexander-lukashenko"


def test_must_clause_is_a_demand_by_the_speaker(code):
    ev = one(code("Russia said Sudan must return the helicopter."), "return")
    assert ev.type == "REQUEST" and ev.rule == "pattern:REQUEST:must"
    assert ev.actor_ids == ["cty:RUS"] and ev.recipient_ids == ["cty:SDN"]


# ============================================================================ type choice
def test_object_predicate_pejorative_is_accuse(code):
    ev = one(code("The EU called the election a sham."), "called")
    assert ev.type == "ACCUSE" and ev.actor_ids == ["igo:eu"]
    ev = one(code("Xi described Lukashenko as a true friend."), "described")
    assert ev.type == "SUPPORT"


def test_object_decides_the_type(code):
    assert one(code("Russia withdrew its troops from Moldova."), "withdrew").type == "RETREAT"
    assert one(code("Poland withdrew its ambassador from Minsk."), "withdrew").type == "SANCTION"
    assert one(code("Russia expelled two Polish diplomats."), "expelled").mode == "expel"


def test_modifier_decides_the_type(code):
    ev = one(code("Belarusian troops held joint exercises with Russia."), "held")
    assert (ev.type, ev.mode) == ("COOPERATE", "military") and ev.recipient_ids == ["cty:RUS"]
    ev = one(code("Workers went on a general strike."), "strike")
    assert (ev.type, ev.mode) == ("PROTEST", "strike-gen")


def test_verbal_protest_by_a_government_is_accuse(code):
    assert one(code("China protested against the decision."), "protested").type == "ACCUSE"
    assert one(code("The opposition protested against the decision."), "protested").type == "PROTEST"


def test_controlling_verb_is_the_event_and_takes_its_mode_from_the_embedded_one(code):
    evs = code("Russia refused to withdraw its troops from Moldova.")
    assert [(e.type, e.mode) for e in evs] == [("REJECT", "yield")]
    evs = code("China threatened to impose sanctions on Lithuania.")
    assert [(e.type, e.mode) for e in evs] == [("THREATEN", "restrict")]
    assert evs[0].actor_ids == ["cty:CHN"]


def test_ordered_material_action_is_coded_as_that_action(code):
    evs = code("The government ordered the newspaper to suspend publication.")
    assert [(e.type, e.mode) for e in evs] == [("COERCE", "censor")]
    assert texts(evs[0].actors) == ["government"]


def test_compound_modifier_is_not_an_event(code):
    assert [e.type for e in code("The aid workers left the building.")] == []


def test_names_and_dates_are_not_triggers(code):
    evs = code("Lukashenko was last in the country on 1 March 2023, before the Shanghai Cooperation Organisation met.")
    assert all(e.trigger not in ("March", "Cooperation") for e in evs)


# ============================================================================ flags
def test_negated(code):
    ev = one(code("Putin did not meet Xi."), "meet")
    assert ev.negated and not ev.is_new
    assert ev.cue("negated") == Cue("negated", 10, 13, "not")
    assert ev.plover_type == "CONSULT"  # a non-event, not a refusal
    ev = one(code("There were no talks between Russia and Ukraine."), "talks")
    assert ev.negated and ev.cue("negated").text == "no"


def test_hypothetical(code):
    evs = code("If Russia attacks Ukraine, the EU would impose sanctions.")
    assert one(evs, "attacks").cue("hypothetical").text == "If"
    assert one(evs, "sanctions").cue("hypothetical").text == "would"
    assert one(code("Russia could impose new sanctions on Poland."), "sanctions").hypothetical


def test_future(code):
    ev = one(code("Xi will visit Moscow next week."), "visit")
    assert ev.future and ev.cue("future").text == "will" and ev.type == "CONSULT"
    assert ev.plover_type == "AGREE"  # PLOVER codes an announced cooperative action as an intention
    ev = one(code("Lukashenko plans to visit Beijing."), "visit")
    assert ev.future and ev.cue("future").text == "plans" and ev.actor_ids == ["per:alexander-lukashenko"]
    ev = one(code("China said it would free 1,500 prisoners."), "free")
    assert ev.future and ev.cue("future").text == "would"
    assert one(code("The upcoming visit of Xi to Minsk was announced."), "visit").future


def test_future_refusal_is_reject_under_plover_conventions(code):
    ev = one(code("France will not lift the ban on British beef."), "lift")
    assert ev.negated and ev.future and (ev.type, ev.plover_type) == ("CONCEDE", "REJECT")


def test_future_aid_is_agree_under_plover_conventions(code):
    ev = one(code("China will provide aid to Belarus."), "provide")
    assert (ev.type, ev.plover_type) == ("AID", "AGREE") and ev.date_source == "after_publication"


def test_historical_past_perfect(code):
    ev = one(code("Russia had supported Lukashenko."), "supported")
    assert ev.historical and ev.cue("historical").text == "had supported"
    assert (ev.date, ev.date_source) == (None, "before_publication")


def test_historical_present_perfect_needs_a_background_cue(code):
    ev = one(code("Lukashenko has jailed more than 1,200 political prisoners."), "jailed")
    assert ev.historical and ev.cue("historical").text == "has jailed"
    assert not one(code("Lukashenko has met Xi."), "met").historical  # news-style present perfect
    ev = one(code("Lukashenko has cracked down on the opposition since 2020."), "cracked")
    assert ev.historical and (ev.type, ev.mode) == ("COERCE", "repress")


def test_historical_from_a_time_before_publication(code):
    ev = one(code("The EU imposed sanctions on Belarus in 2021."), "sanctions")
    assert ev.historical and ev.cue("historical").text == "2021" and ev.date == "2021"
    assert not one(code("The EU imposed sanctions on Belarus on Sunday."), "sanctions").historical


def test_historical_adverbs_and_modifiers(code):
    assert one(code("Lukashenko previously visited China."), "visited").cue("historical").text == "previously"
    assert one(code("Lukashenko last visited Beijing in February."), "visited").cue("historical").text == "last"
    assert one(code("His previous visit to China was in 2023."), "visit").cue("historical").text == "previous"


def test_reported_in_quote(code):
    ev = one(code("Rights groups say the country has jailed more than 1,200 political prisoners."), "jailed")
    assert ev.reported_in_quote and ev.quote_kind == "indirect"
    assert ev.cue("reported_in_quote") is not None


# ============================================================================ helpers
def test_date_bounds():
    assert _date_bounds("2021") == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert _date_bounds("2025-02") == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert _date_bounds("2025-01-26") == (dt.date(2025, 1, 26),) * 2
    assert _date_bounds("199") == (dt.date(1990, 1, 1), dt.date(1999, 12, 31))
    assert _date_bounds("2025-Q3")[0] == dt.date(2025, 7, 1)
    assert _date_bounds("2025-W05")[0] == dt.date(2025, 1, 27)
    assert _date_bounds("2025-SU") == (dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    assert _date_bounds("2025-02-30") is None and _date_bounds("PAST_REF") is None and _date_bounds(None) is None


def test_plover_convention_leaves_plain_events_alone():
    onto = load_ontology()
    ev = EventMention(0, 1, "x", 0, 1, "x", "ASSAULT", None, [], 4, -9.3)
    assert plover_convention(ev, onto) == "ASSAULT"
    ev.cues.append(Cue("future", 0, 4, "will"))
    assert plover_convention(ev, onto) == "THREATEN"


def test_custom_lexicon_file(tmp_path, nlp):
    p = tmp_path / "lex.toml"
    p.write_text('version = "t1"\n[[verb]]\ntype = "CONSULT"\nmode = "phone"\nlemmas = ["ring"]\n', encoding="utf-8")
    c = RuleCoder(p)
    evs = c.code(nlp("Putin rang Erdogan on Monday."), [], [], [], None)
    assert [(e.type, e.mode, e.rule) for e in evs] == [("CONSULT", "phone", "verb:CONSULT:ring")]
    assert texts(evs[0].actors) == ["Putin"] and c.version == "rules/t1+plover/1.0.0"
    (tmp_path / "bad.toml").write_text('version = "t"\n[[verb]]\ntype = "HUG"\nlemmas = ["hug"]\n', encoding="utf-8")
    with pytest.raises(LexiconError):
        RuleCoder(tmp_path / "bad.toml")
    with pytest.raises(LexiconError):
        load_lexicon(tmp_path / "missing.toml")


# ============================================================================ bad input
def test_empty_and_unparsed_input(coder, nlp):
    import spacy

    assert coder.code(nlp(""), [], [], [], None) == []
    assert coder.code(None, [], [], [], None) == []
    assert coder.code(spacy.blank("en")("Putin met Xi and they agreed to cooperate."), [], [], [], PUB) == []
    assert coder.code(nlp("12 34 56 ... !!!"), [], [], [], "not a date") == []


def test_unbalanced_quotes_and_non_english(code):
    evs = code("“Putin met Xi in Beijing, the Kremlin said. Lukashenko visited China.")
    assert {e.trigger for e in evs} == {"met", "visited"}
    code("Путин встретился с Си Цзиньпином в Пекине. Der Präsident besuchte China.")  # no crash


def test_one_megabyte_document_is_linear(nlp, reg, coder):
    from spacy.tokens import Doc

    from storyline.facts.actors import resolve_mentions

    para = nlp("Putin met Xi in Beijing on Monday. The EU imposed sanctions on Belarus in 2021. "
               "Police detained dozens of protesters. Lukashenko has jailed more than 1,200 prisoners.\n\n")
    reps = 1_000_000 // len(para.text) + 1
    big = Doc.from_docs([para] * reps)
    assert len(big.text) >= 1_000_000
    mentions, _ = resolve_mentions(big, reg, PUB)
    t0 = time.perf_counter()
    evs = coder.code(big, mentions, [], [], PUB)
    took = time.perf_counter() - t0
    assert len(evs) == 4 * reps
    assert took < 30, took


# ============================================================================ the example corpus
@pytest.fixture(scope="module")
def seeds(tmp_path_factory, nlp, reg, coder):
    """Clean texts as `storyline run` stores them, coded the way the facts stage parses them."""
    from storyline.engines.local import run
    from storyline.facts.actors import resolve_mentions
    from storyline.facts.quotes import find_quotes
    from storyline.facts.time import find_timexes
    from storyline.store import Store
    from storyline.store.export import iter_rows

    db = tmp_path_factory.mktemp("events") / "kb.db"
    run([EXAMPLES], db)
    with Store(db) as s:
        arts = [r for r in iter_rows(s, "articles") if not r.get("duplicate_of")]
    out = {}
    for a in arts:
        pub = dt.date.fromisoformat(a["published"][:10]) if a.get("published") else None
        doc = nlp(a["text"])
        mentions, _ = resolve_mentions(doc, reg, pub)
        evs = coder.code(doc, mentions, find_timexes(a["text"], pub, doc), find_quotes(doc), pub)
        out[a["source_id"][:3]] = (a["text"], evs)
    return out


def seed_event(seeds, seed, phrase, trigger):
    text, evs = seeds[seed]
    at = text.index(phrase)
    found = [e for e in evs if e.trigger == trigger and e.start <= at < e.end]
    assert len(found) == 1, [(e.trigger, e.type) for e in evs if e.start <= at < e.end]
    return found[0]


def test_seed000_putin_congratulates_lukashenko_on_monday(seeds):
    ev = seed_event(seeds, "000", "congratulated Belarus President", "congratulated")
    assert ev.type == "SUPPORT" and "per:vladimir-putin" in ev.actor_ids
    assert ev.actor_ids == ["per:vladimir-putin", "per:xi-jinping"]
    assert ev.recipient_ids == ["per:alexander-lukashenko"]
    assert (ev.date, ev.date_source, ev.date_text) == ("2025-01-27", "sentence_timex", "Monday")
    assert ev.is_new


def test_seed000_xi_message_of_congratulations(seeds):
    ev = seed_event(seeds, "000", "message of congratulations", "congratulations")
    assert (ev.type, ev.actor_ids, ev.recipient_ids) == ("SUPPORT", ["per:xi-jinping"], ["per:alexander-lukashenko"])


def test_seed000_eu_calls_the_election_a_sham(seeds):
    ev = seed_event(seeds, "000", "described it as", "described")
    assert ev.type == "ACCUSE" and ev.actor_ids == ["igo:eu"]
    ev = seed_event(seeds, "000", "called the election", "called")
    assert ev.type == "ACCUSE" and ev.actor_ids == ["per:sviatlana-tsikhanouskaya"]


def test_seed000_jailed_political_prisoners_is_historical_coerce_arrest(seeds):
    ev = seed_event(seeds, "000", "has jailed more than", "jailed")
    assert (ev.type, ev.mode) == ("COERCE", "arrest")
    assert ev.historical and ev.cue("historical").text == "has jailed" and not ev.is_new
    assert ev.reported_in_quote  # "Rights groups say ..."


def test_seed000_imprisoned_or_exiled_opponents_is_historical(seeds):
    for trig, mode in (("imprisoned", "arrest"), ("exiled", "deport")):
        ev = seed_event(seeds, "000", "has imprisoned or exiled", trig)
        assert (ev.type, ev.mode, ev.historical) == ("COERCE", mode, True)
        assert ev.actor_ids == ["per:alexander-lukashenko"]


def test_seed000_crackdown_since_2020_is_historical(seeds):
    ev = seed_event(seeds, "000", "ruthless crackdown", "crackdown")
    assert ev.type == "COERCE" and ev.historical and ev.date == "2020"
    assert ev.actor_ids == ["per:alexander-lukashenko"]


def test_seed000_look_forward_to_seeing_you_in_moscow_is_future(seeds):
    ev = seed_event(seeds, "000", "look forward to seeing", "seeing")
    assert ev.type == "CONSULT" and ev.future and not ev.is_new
    assert ev.cue("future").text in ("look", "forward")
    assert (ev.location, ev.location_country) == ("Moscow", "RUS")
    assert ev.actor_ids == ["per:vladimir-putin"] and ev.reported_in_quote


@pytest.mark.parametrize("seed, phrase, trigger", [
    ("002", "meeting with Chinese leader Xi Jinping in Beijing", "meeting"),
    ("004", "At a meeting with Lukashenko in Beijing", "meeting"),
])
def test_lukashenko_xi_meeting_in_beijing_is_consult(seeds, seed, phrase, trigger):
    ev = seed_event(seeds, seed, phrase, trigger)
    assert ev.type == "CONSULT" and ev.mode in ("visit", "meet")
    assert {"per:alexander-lukashenko", "per:xi-jinping"} == set(ev.actor_ids + ev.recipient_ids)
    assert (ev.location, ev.location_country) == ("Beijing", "CHN")


def test_seed003_visit_and_background(seeds):
    ev = seed_event(seeds, "003", "visited China on Wednesday", "visited")
    assert (ev.type, ev.mode, ev.actor_ids, ev.recipient_ids) == (
        "CONSULT", "visit", ["per:alexander-lukashenko"], ["cty:CHN"])
    ev = seed_event(seeds, "003", "sweeping Western sanctions", "sanctions")
    assert ev.type == "SANCTION" and ev.historical and ev.recipient_ids == ["cty:BLR"]
    ev = seed_event(seeds, "003", "His previous two visits", "visits")
    assert ev.historical and ev.date == "2023"


def test_seed004_still_not_condemned_is_negated(seeds):
    ev = seed_event(seeds, "004", "has still not officially condemned", "condemned")
    assert ev.type == "ACCUSE" and ev.negated and ev.actor_ids == ["cty:CHN"]


def test_every_seed_event_is_evidence_in_the_clean_text(seeds):
    for text, evs in seeds.values():
        assert evs
        for e in evs:
            assert text[e.trigger_start:e.trigger_end] == e.trigger and e.text == text[e.start:e.end]
            assert e.start <= e.trigger_start < e.end
            for r in e.actors + e.recipients:
                assert isinstance(r, Role) and text[r.start:r.end] == r.text
            for c in e.cues:
                assert text[c.start:c.end] == c.text or c.flag == "reported_in_quote"
            if e.date_source == "sentence_timex":
                assert text[e.date_start:e.date_end] == e.date_text

"""Quotes: direct, partial and indirect speech with cue, speaker (as written) and channel.

Every sentence is parsed with the real pipeline (loaded once for the module); expectations are
written from reading the sentences, not from the program's output.
"""

import json
import time
from pathlib import Path

import pytest

from storyline.facts.quotes import Quote, find_quotes
from storyline.nlp import load_nlp

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def quotes(nlp):
    def run(text: str) -> list[Quote]:
        qs = find_quotes(nlp(text))
        for q in qs:  # every record is its own evidence
            assert q.text == nlp.make_doc(text).text[q.start : q.end]
            if q.speaker_start is not None:
                assert q.speaker_text == text[q.speaker_start : q.speaker_end]
            if q.cue_start is not None:
                assert q.cue == text[q.cue_start : q.cue_end]
            if q.channel_start is not None:
                assert q.channel == text[q.channel_start : q.channel_end]
        return qs

    return run


def _one(qs: list[Quote], kind: str, contains: str) -> Quote:
    found = [q for q in qs if q.kind == kind and contains in q.text]
    assert len(found) == 1, [(q.kind, q.text) for q in qs]
    return found[0]


# ----------------------------------------------------------------------------- direct quotes
def test_direct_straight_marks_cue_after(quotes):
    q = _one(quotes('"We will win the election," the senator said.'), "direct", "We will win")
    assert q.text == '"We will win the election,"'  # the marks are part of the content span
    assert (q.cue, q.speaker_text) == ("said", "the senator")


def test_direct_curly_marks_cue_before(quotes):
    q = _one(quotes("Trump said: “We will build a wall.”"), "direct", "wall")
    assert q.text == "“We will build a wall.”"
    assert (q.cue, q.speaker_text) == ("said", "Trump")


def test_direct_inverted_speaker(quotes):
    q = _one(quotes("“The talks went well,” said Foreign Minister Sergei Lavrov."), "direct", "talks")
    assert q.speaker_text == "Foreign Minister Sergei Lavrov"


def test_direct_single_curly_marks(quotes):
    q = _one(quotes("‘We are not leaving,’ she told reporters."), "direct", "leaving")
    assert q.text == "‘We are not leaving,’"
    assert (q.cue, q.speaker_text) == ("told", "she")


def test_direct_guillemets(quotes):
    q = _one(quotes("«We will defend our sovereignty», the minister said."), "direct", "sovereignty")
    assert q.text == "«We will defend our sovereignty»"
    assert q.speaker_text == "the minister"


def test_direct_double_apostrophes(quotes):
    q = _one(quotes("''We'll see what happens,'' Mr. Trump said."), "direct", "happens")
    assert q.text == "''We'll see what happens,''"
    assert q.speaker_text == "Mr. Trump"


def test_direct_multi_sentence(quotes):
    text = "“You are always welcome here. As agreed, I look forward to seeing you soon,” he continued."
    q = _one(quotes(text), "direct", "welcome")
    assert q.text.endswith("soon,”") and "As agreed" in q.text
    assert (q.cue, q.speaker_text) == ("continued", "he")


def test_direct_multi_paragraph_is_one_quote(quotes):
    text = "The minister said: “We have done our part. The rest is up to them.\n\n“We will wait for their answer.”\n\nThe talks ended."
    qs = [q for q in quotes(text) if q.kind == "direct"]
    assert len(qs) == 1
    q = qs[0]
    assert q.text.startswith("“We have done") and q.text.endswith("their answer.”")
    assert q.attrs["paragraphs"] == 2
    assert q.speaker_text == "The minister"


def test_split_quote_is_two_parts_of_one_group(quotes):
    text = "“We decided long ago,” he said, “that we would be friends with China.”"
    qs = [q for q in quotes(text) if q.kind == "direct"]
    assert [q.text for q in qs] == ["“We decided long ago,”", "“that we would be friends with China.”"]
    assert {q.speaker_text for q in qs} == {"he"} and {q.cue for q in qs} == {"said"}
    assert qs[0].attrs["group"] == qs[1].attrs["group"]
    assert [q.attrs["part"] for q in qs] == [0, 1]


def test_following_quote_inherits_speaker(quotes):
    text = "“It was very nice,” the tycoon told Reuters in Macau. “He was very charming.”"
    q = _one(quotes(text), "direct", "charming")
    assert q.speaker_text == "the tycoon"
    assert q.attrs["reason"] == "speaker_inherited"


def test_quote_after_other_statement_does_not_inherit(quotes):
    text = "“It was very nice,” the tycoon said. The crowd cheered loudly for a while. “Go home.”"
    q = _one(quotes(text), "direct", "Go home")
    assert q.speaker_text is None


def test_colon_paragraph_introduces_quote(quotes):
    text = "Cruz continued:\n\n“You look at the questions and you wonder what they want.”"
    q = _one(quotes(text), "direct", "questions")
    assert (q.cue, q.speaker_text) == (":", "Cruz")


def test_headline_name_colon(quotes):
    q = _one(quotes("Lynch: No outside influence on the FBI probe.\n\nThe attorney general spoke on Monday."), "indirect", "influence")
    assert (q.cue, q.speaker_text) == (":", "Lynch")


# ---------------------------------------------------------------------------- partial quotes
def test_partial_quote_gets_the_governing_speaker(quotes):
    qs = quotes("Exiled opposition leader Sviatlana Tsikhanouskaya called the election a “farce,” while the EU described it as a “sham.”")
    farce = _one(qs, "partial", "farce")
    assert farce.text == "“farce,”"
    assert farce.cue == "called"
    assert farce.speaker_text == "Exiled opposition leader Sviatlana Tsikhanouskaya"
    sham = _one(qs, "partial", "sham")
    assert sham.speaker_text == "the EU"


def test_partial_quote_inside_reported_speech(quotes):
    qs = quotes("Putin said Sunday's election showed he had the “undoubted” backing of the people.")
    part = _one(qs, "partial", "undoubted")
    assert (part.cue, part.speaker_text) == ("said", "Putin")
    ind = _one(qs, "indirect", "backing")
    assert ind.text == "Sunday's election showed he had the “undoubted” backing of the people"
    assert ind.speaker_text == "Putin"
    # "showed" inside Putin's words is part of them, not an attribution of its own
    assert not [q for q in qs if q.cue == "showed"]


def test_scare_quote_is_dropped_and_title_gets_no_speaker(quotes):
    assert quotes("The Chinese industrial park “Big Stone” operates near Minsk.") == []
    q = _one(quotes("On the plane he read “The Rise and Fall of the Third Reich” twice."), "partial", "Rise")
    assert q.speaker_text is None and q.cue is None
    assert q.attrs["reason"] == "no_cue"


def test_quoted_subject_is_not_spoken_by_its_verb(quotes):
    # "continued" has the quoted phrase as its subject: it is no speech verb here
    qs = quotes('China said that "mutual political trust" had continued to grow since the visit.')
    part = _one(qs, "partial", "mutual political trust")
    assert part.speaker_text == "China"


# --------------------------------------------------------------------------- indirect speech
def test_said_that(quotes):
    q = _one(quotes("Lukashenko said that he was not really following the campaign."), "indirect", "following")
    assert q.text == "that he was not really following the campaign"
    assert (q.cue, q.speaker_text, q.attrs["cue_type"]) == ("said", "Lukashenko", "speech")


def test_said_without_that(quotes):
    q = _one(quotes("Rights groups say the country has jailed more than 1,200 political prisoners."), "indirect", "jailed")
    assert q.text == "the country has jailed more than 1,200 political prisoners"
    assert q.speaker_text == "Rights groups"


def test_told_someone_that(quotes):
    q = _one(quotes("Xi told Lukashenko that China would always support Belarus."), "indirect", "support")
    assert q.text == "that China would always support Belarus"
    assert (q.cue, q.speaker_text) == ("told", "Xi")


def test_cue_after_the_clause(quotes):
    q = _one(quotes("The van was supposed to be escorted by the police, but the Secret Service whisked her away, another source said."), "indirect", "van")
    assert q.text == "The van was supposed to be escorted by the police, but the Secret Service whisked her away"
    assert (q.cue, q.speaker_text) == ("said", "another source")


def test_parenthetical_cue_splits_the_content(quotes):
    qs = [q for q in quotes("The decision, he said, was a serious mistake.") if q.kind == "indirect"]
    assert [q.text for q in qs] == ["The decision", "was a serious mistake"]
    assert {q.speaker_text for q in qs} == {"he"}
    assert qs[0].attrs["group"] == qs[1].attrs["group"]


@pytest.mark.parametrize(
    ("sentence", "cue", "content"),
    [
        ("The ministry added that the talks would continue next week.", "added", "that the talks would continue next week"),
        ("The senator noted that the bill had no support.", "noted", "that the bill had no support"),
        ("The agency warned that prices would rise sharply.", "warned", "that prices would rise sharply"),
        ("The company claimed that it had done nothing wrong.", "claimed", "that it had done nothing wrong"),
        ("The spokesman denied that troops had crossed the border.", "denied", "that troops had crossed the border"),
        ("The government announced that elections would be held in May.", "announced", "that elections would be held in May"),
    ],
)
def test_reporting_verbs(quotes, sentence, cue, content):
    q = _one(quotes(sentence), "indirect", content)
    assert q.text == content and q.cue == cue
    assert q.speaker_text is not None and q.speaker_text.split()[-1] in sentence.split()[1]


def test_participle_takes_the_clause_subject(quotes):
    q = _one(quotes("Trump attacked Clinton on Monday, saying that she was unfit to serve."), "indirect", "unfit")
    assert (q.cue, q.speaker_text) == ("saying", "Trump")


def test_relative_clause_speaker_is_the_antecedent(quotes):
    q = _one(quotes("Podesta, who said the project was vetted by lawyers, left early."), "indirect", "vetted")
    assert q.speaker_text == "Podesta"


def test_according_to_is_the_speaker_without_other_cue(quotes):
    q = _one(quotes("According to the Belarusian Foreign Ministry, the partnership with China is developing fast."), "indirect", "partnership")
    assert q.text == "the partnership with China is developing fast"
    assert (q.cue, q.speaker_text) == ("According to", "the Belarusian Foreign Ministry")
    assert q.channel is None


# ------------------------------------------------------------------------------------ channel
def test_channel_according_to_after_the_cue(quotes):
    text = "“Your convincing victory clearly testifies to your high political authority,” Putin said, according to the Kremlin."
    qs = quotes(text)
    q = _one(qs, "direct", "victory")
    assert (q.speaker_text, q.channel) == ("Putin", "according to the Kremlin")
    assert not [o for o in qs if o.speaker_text == "the Kremlin"]  # the Kremlin is no second speaker


def test_channel_according_to_before_the_speaker(quotes):
    q = _one(quotes("According to CCTV, Xi said that mutual trust had continued to grow."), "indirect", "mutual trust")
    assert (q.speaker_text, q.channel) == ("Xi", "According to CCTV")
    q = _one(quotes("According to Reuters, Xi Jinping replied that the two countries should oppose hegemony."), "indirect", "hegemony")
    assert (q.speaker_text, q.cue, q.channel) == ("Xi Jinping", "replied", "According to Reuters")


def test_channel_reported(quotes):
    q = _one(quotes("Chinese President Xi Jinping also sent a message of congratulations to Lukashenko, Chinese state media reported."), "indirect", "message")
    assert q.text == "Chinese President Xi Jinping also sent a message of congratulations to Lukashenko"
    assert (q.speaker_text, q.channel) == ("Chinese state media", "Chinese state media reported")
    q = _one(quotes("Xi invited Lukashenko to the summit in Beijing, BelTA reported."), "indirect", "invited")
    assert (q.speaker_text, q.channel) == ("BelTA", "BelTA reported")


def test_channel_reported_passes_to_the_inner_speaker(quotes):
    qs = quotes("Xi said that China would help Belarus, CCTV reported.")
    inner = [q for q in qs if q.cue == "said"]
    assert inner and all(q.speaker_text == "Xi" and q.channel == "CCTV reported" for q in inner)


# -------------------------------------------------------------------------------- bad input
def test_unbalanced_mark_is_capped_at_the_paragraph(quotes):
    text = "The minister said: “We will never accept these terms and we will fight on.\n\nThe talks ended on Monday without an agreement. Officials left the building."
    qs = quotes(text)
    q = _one(qs, "direct", "never accept")
    assert q.end == text.index("\n\n")
    assert q.attrs["reason"] == "unclosed_quote"
    assert q.speaker_text == "The minister"
    assert all("Officials left" not in o.text for o in qs if o.kind != "indirect")


def test_open_mark_continued_by_next_paragraph_mark(quotes):
    text = "He said: “First part of the statement.\n\n“Second part of the statement.”"
    q = _one(quotes(text), "direct", "First")
    assert q.end == len(text) and "reason" not in q.attrs


def test_stray_closing_mark_and_apostrophes(quotes):
    qs = quotes("It’s O’Neil’s plan” and nobody’s fault, he said.")
    assert all(q.kind == "indirect" for q in qs)


@pytest.mark.parametrize("text", ["", "   \n\n  ", "...", "“", "”“", "\"\"\"", "''", "«»‘’", "—\n—\n—"])
def test_degenerate_texts(nlp, text):
    qs = find_quotes(nlp(text))
    assert all(0 <= q.start <= q.end <= len(text) for q in qs)


def test_non_english_text(nlp):
    ru = "«Мы победим», — сказал Путин журналистам. Он добавил: «Выборы прошли честно»."
    zh = "“我们会赢得选举。”他说。"
    de = "„Wir werden gewinnen“, sagte der Kanzler am Montag."
    for text in (ru, zh, de):
        qs = find_quotes(nlp(text))
        assert any(q.text.startswith(("«", "“", "„")) for q in qs), text


def test_unparsed_doc_gives_quotes_without_speakers():
    import spacy

    nlp = spacy.blank("en")
    qs = find_quotes(nlp("“We will win the election this year,” the senator said."))
    assert [q.text for q in qs] == ["“We will win the election this year,”"]
    assert qs[0].speaker_text is None


def test_one_megabyte_of_text_is_fast(nlp):
    from spacy.tokens import Doc

    para = (
        "“We will win this election,” the senator said on Monday. Critics said that the plan was a “farce.” "
        "According to Reuters, the minister replied that talks would go on. Another “open mark never closes here.\n\n"
    )
    unit = nlp(para * 4)
    doc = Doc.from_docs([unit] * (1_000_000 // len(unit.text) + 1))
    assert len(doc.text) > 1_000_000
    t0 = time.perf_counter()
    qs = find_quotes(doc)
    elapsed = time.perf_counter() - t0
    assert elapsed < 20, elapsed
    unclosed = [q for q in qs if q.attrs.get("reason") == "unclosed_quote"]
    assert unclosed and max(q.end - q.start for q in unclosed) < 200  # capped at each paragraph


# ------------------------------------------------------------------------------- seed corpus
def _golden(seed: str) -> str:
    return json.loads((GOLDEN / f"{seed}.json").read_text(encoding="utf-8"))["text"]


@pytest.mark.parametrize("seed", ["000", "001"])
def test_seed_putin_quotes_have_putin_as_speaker(nlp, seed):
    text = _golden(seed)
    qs = find_quotes(nlp(text))
    putin_words = [
        text.index("Sunday's election showed"),
        text.index("“Your convincing victory"),
        text.index("“You are always a welcome"),
    ]
    putin = [q for q in qs if any(q.start <= p < q.end or (q.start >= p and q.start - p < 60) for p in putin_words)]
    assert {q.kind for q in putin} >= {"direct", "partial", "indirect"}
    assert len([q for q in putin if q.kind == "direct"]) == 2
    for q in putin:
        assert q.speaker_text in ("Putin", "he"), (q.text, q.speaker_text)
    first = next(q for q in putin if q.text.startswith("“Your convincing"))
    assert first.channel == "according to the Kremlin"


@pytest.mark.parametrize("seed", ["000", "001"])
def test_seed_farce_is_a_partial_quote_of_tsikhanouskaya(nlp, seed):
    qs = find_quotes(nlp(_golden(seed)))
    farce = [q for q in qs if q.kind == "partial" and "farce" in q.text]
    assert len(farce) == 1
    assert farce[0].speaker_text.endswith("Sviatlana Tsikhanouskaya")


def test_seed_chinese_state_media_reported(nlp):
    qs = find_quotes(nlp(_golden("000")))
    q = _one(qs, "indirect", "message of congratulations")
    assert (q.speaker_text, q.channel) == ("Chinese state media", "Chinese state media reported")


# ------------------------------------------------------------- speaker rules tuned on PolNeAR train
def _by_cue(qs: list[Quote], cue: str) -> list[Quote]:
    return [q for q in qs if q.cue == cue]


def test_according_to_over_a_verb_that_is_not_saying(quotes):
    qs = quotes("HarperCollins declined to renew the offer, according to a publishing executive.")
    q = _one(_by_cue(qs, "according to"), "indirect", "HarperCollins")
    assert (q.text, q.speaker_text) == ("HarperCollins declined to renew the offer", "a publishing executive")


def test_according_to_in_the_middle_of_the_sentence(quotes):
    text = ("White male union members favored Mr. Obama in 2008, according to polling by the union, "
            "even as white men over all favored the Republican.")
    q = _one(_by_cue(quotes(text), "according to"), "indirect", "union members")
    assert q.text.startswith("White male union members favored Mr. Obama in 2008")
    assert "even as" not in q.text and q.speaker_text.startswith("polling")


def test_direct_quote_according_to(quotes):
    q = _one(quotes("“There has been a reinvigorated engagement,” according to a senior administration official."), "direct", "engagement")
    assert (q.cue, q.speaker_text) == ("according to", "a senior administration official")


def test_dateline_is_no_speaker(quotes):
    text = "MYRTLE BEACH, S.C. - Sen. Ted Cruz continued his attack on Saturday, questioning the mogul's temperament and judgment."
    q = _one(_by_cue(quotes(text), "questioning"), "indirect", "temperament")
    assert "Ted Cruz" in q.speaker_text and "MYRTLE" not in q.speaker_text


def test_second_cue_hung_on_the_first_ones_content(quotes):
    text = "De Blasio said the move was made by Commissioner Bill Bratton and said, “Who are you going to trust on security?”"
    q = _one(quotes(text), "direct", "Who are you")
    assert (q.cue, q.speaker_text) == ("said", "De Blasio")


def test_participle_after_reported_clause_is_the_reporters(quotes):
    text = "Donald Trump announced on Tuesday that he filed his financial statement, saying it set a new benchmark for the agency."
    q = _one(_by_cue(quotes(text), "saying"), "indirect", "benchmark")
    assert q.speaker_text == "Donald Trump"


def test_inverted_speaker_after_comma(quotes):
    text = "\"They don't have a choice\" but to take the lead in advertising, says Evan Tracey, a Republican media consultant."
    q = _one(quotes(text), "direct", "choice")
    assert (q.cue, q.speaker_text) == ("says", "Evan Tracey")


def test_participle_under_a_noun_takes_the_clause_subject(quotes):
    q = _one(quotes("Clinton's campaign took the unusual step of criticizing the intelligence community."), "indirect", "intelligence")
    assert (q.cue, q.speaker_text) == ("criticizing", "Clinton's campaign")


def test_colon_after_a_conjoined_speech_verb(quotes):
    text = "The Times made these allegations in February, and Breitbart News responded: “The solution is not to punish law-abiding Americans.”"
    q = _one(quotes(text), "direct", "solution")
    assert q.speaker_text == "Breitbart News"


def test_digest_label_before_colon_is_the_source(quotes):
    text = "Polls did predict the Democratic caucus - HuffPollster: “Most pollsters fared much better with the Democratic results.”"
    q = _one(quotes(text), "direct", "pollsters")
    assert (q.cue, q.speaker_text) == (":", "HuffPollster")


def test_headline_speaker_comes_before_the_addressee(quotes):
    q = _one(quotes("Clinton to Planned Parenthood: Trump will reverse Roe v. Wade."), "indirect", "Roe")
    assert q.speaker_text == "Clinton"


def test_speaker_glued_to_the_closing_mark(quotes):
    q = _one(quotes("“I think it has been most surprising to me,”Clinton said."), "direct", "surprising")
    assert (q.cue, q.speaker_text) == ("said", "Clinton")


def test_all_clausal_complements_after_the_cue(quotes):
    text = ("Donald Trump said Wednesday night that he doesn’t necessarily want to kill the families of terrorists"
            " — a controversial proposal he has raised at various points.")
    q = _one(_by_cue(quotes(text), "said"), "indirect", "families")
    assert q.text.startswith("that he doesn’t") and q.speaker_text == "Donald Trump"


def test_poll_source_phrase_over_generic_speakers(quotes):
    text = "In a New York Times/CBS News survey released last Thursday, 79 percent of Democrats said they were satisfied."
    q = _one(_by_cue(quotes(text), "In"), "indirect", "79 percent")
    assert "survey" in q.speaker_text


def test_medium_phrase_with_a_named_speaker_is_no_source(quotes):
    qs = quotes("In a Facebook post, Beck encouraged Americans to join him in a fast.")
    assert not _by_cue(qs, "In")


# ------------------------------------------------------- rules added for PolNeAR speaker accuracy
def _cued(qs: list[Quote], cue: str) -> Quote:
    found = [q for q in qs if q.cue == cue]
    assert len(found) >= 1, [(q.kind, q.text, q.cue, q.speaker_text) for q in qs]
    return found[0]


def test_as_clause_attributes_the_main_clause(quotes):
    q = _cued(quotes("As the newspaper reported, the talks collapsed on Monday after a long night."), "reported")
    assert q.kind == "indirect" and q.text.startswith("the talks collapsed")
    assert q.speaker_text == "the newspaper"


def test_seem_with_an_attribution_verb_has_a_speaker(quotes):
    q = _cued(quotes("Rubio seemed to urge the opposite tactic in a speech."), "seemed")
    assert q.speaker_text == "Rubio"
    assert not [q for q in quotes("The plan seems doomed.") if q.speaker_text is not None]


def test_phrasal_cue_fired_back(quotes):
    q = _cued(quotes("Clinton fired back that the voters of New York trusted her."), "fired back")
    assert q.speaker_text == "Clinton" and q.text.startswith("that the voters")


def test_stance_verb_with_that_clause(quotes):
    q = _cued(quotes("The mayor griped that the council had ignored him."), "griped")
    assert q.speaker_text == "The mayor" and q.text == "that the council had ignored him"
    assert q.attrs["cue_type"] == "belief"  # a stance, not a verb of saying in the lexicon


def test_quote_after_a_reported_statement_inherits(quotes):
    text = "The economy is slowing, consultant Phil Musser says. “Several surveys point to a downturn.”"
    q = _one(quotes(text), "direct", "Several surveys")
    assert q.speaker_text == "consultant Phil Musser"
    assert q.attrs["reason"] == "speaker_inherited"


def test_nominal_cue_with_possessor(quotes):
    q = _cued(quotes("Trump repeated his claim that the election was rigged."), "claim")
    assert q.speaker_text == "his" and q.text == "that the election was rigged"
    assert not [q for q in quotes("His criticism of the deal was sharp.") if q.cue == "criticism"]


def test_addressee_after_tells_is_not_the_speaker(quotes):
    text = "“Yes, I support Ted Cruz,” Brent Bozell, founder of the Media Research Center, tells Breitbart News."
    q = _one(quotes(text), "direct", "support Ted Cruz")
    assert q.speaker_text != "Breitbart News"
    assert q.speaker_text is not None and "Bozell" in q.speaker_text


def test_final_cue_after_a_closing_quote(quotes):
    text = "Manafort acknowledged that the work could be termed “influence peddling,” The Washington Post reported in 1991."
    q = _cued(quotes(text), "reported")
    assert q.speaker_text == "The Washington Post" and q.text.startswith("Manafort acknowledged")


@pytest.mark.parametrize("text, cue", [
    ("As a close partner of Moscow, Beijing has still not officially condemned the Russian offensive in Ukraine.",
     "condemned"),
    ("The minister never said that the border would close.", "said"),
    ("She did not claim that the vote was rigged.", "claim"),
])
def test_a_negated_cue_attributes_nothing(quotes, text, cue):
    assert not [q for q in quotes(text) if q.kind == "indirect" and q.cue == cue]


def test_a_cue_in_the_next_clause_of_a_negation_still_counts(quotes):
    text = "The minister did not comment, but his spokesman said that the border would stay open."
    q = _cued(quotes(text), "said")
    assert q.speaker_text == "his spokesman" and "border would stay open" in q.text


@pytest.mark.parametrize("text, needle, cue, speaker", [
    ("As one senator put it, “We are running out of time.”", "running out", None, "one senator"),
    ("The senator told supporters on Tuesday that “we will win this fight.”", "win this fight", "told", "The senator"),
    ("“We will stay here,” said the 46-year-old.", "stay here", None, "the 46-year-old"),  # an age, not a date
    ("“Friend, I can beat her,” the email read.", "beat her", "read", "the email"),  # verb tagged as a noun
    ("“Sit down,” Trump barked and an aide led the man away.", "Sit down", "barked", "Trump"),  # name as compound
    ("“We regret the confusion,” read the statement, which was issued on Monday.", "regret", None, "the statement"),
    ("“This is a lot of nonsense,” he went on.", "nonsense", "went on", "he"),
    ("She thanked the crowd and then boomed, “Today, you proved there is no place like home.”", "no place", None,
     "She"),  # the verb right before the comma and the quote
    ("“Like Oakland. Or Ferguson,” Trump said.", "Ferguson", None, "Trump"),  # a word of the quote is no speaker
])
def test_direct_quote_speaker_and_cue(quotes, text, needle, cue, speaker):
    q = _one(quotes(text), "direct", needle)
    assert q.speaker_text == speaker and (cue is None or q.cue == cue)


@pytest.mark.parametrize("text, cue, speaker", [
    ("9:05 a.m.\n\nSenator Jane Smith is disavowing remarks made by a campaign aide.", "disavowing",
     "Senator Jane Smith"),  # a time-stamp line is not the subject
    ("Rubio pushed back on those claims Thursday, saying that the bill was sound.\n\n“It was a good bill,” Cruz said.",
     "saying", "Rubio"),  # a participle takes the subject before it, not a later quote's
    ("As part of his plea, Marcel Lazar, 44, said that he hacked the accounts.", "said", "Marcel Lazar"),
    ("“It matters a lot,” added Murphy, referring to the recent shootings.", "referring", "Murphy"),
])
def test_cue_speaker(quotes, text, cue, speaker):
    assert _cued(quotes(text), cue).speaker_text == speaker

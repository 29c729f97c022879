"""Quotes from a parsed article: direct, partial and indirect (reported) speech.

:func:`find_quotes` takes a spaCy ``Doc`` and returns :class:`Quote` records whose offsets are
character offsets into ``doc.text``. For every quote: the content span, its kind, the cue (the
reporting verb, ``according to`` or a colon), the speaker *as written* (``"he"``, ``"Putin"``,
``"Chinese state media"``; resolving pronouns and titles to actors is :mod:`.actors`' job) and the
attribution channel when the words came through a medium or institution distinct from — or in
addition to — the speaker (``"according to the Kremlin"``, ``"CCTV reported"``).

Conventions
-----------
* **Direct quotes** are spans between quotation marks (“…”, "…", ''…'', „…“, «…», ‘…’; writers'
  mixed “…" pairs too) that form a sentence or clause of their own. ``start``/``end`` *include*
  the marks, as PolNeAR and PARC annotate them. A quote running over several paragraphs (each
  continuation paragraph opens with a mark and the previous paragraph has no closing mark) is one
  quote (``attrs["paragraphs"]``). An opening mark with no closing mark in its paragraph (and no
  continuation) is capped at the paragraph end with ``attrs["reason"] = "unclosed_quote"`` — it
  never swallows the rest of the article. Paragraphs are blocks between blank lines (or lines,
  when the text has no blank line).
* **Split quotes** — “…,” he said, “…” — are returned as *two* quotes (one per content part) with
  the same cue and speaker and the same ``attrs["group"]`` (``attrs["part"]`` = 0, 1, …). This keeps
  ``text == doc.text[start:end]`` true for every quote, so each record is its own evidence; merge on
  ``group`` to get the utterance. Parenthetical reported speech (``The plan, he said, was wrong``)
  is split the same way.
* **Partial quotes** are quoted phrases inside a sentence that is not itself a quote (called the
  election a “farce”). They get a cue and speaker only when a reporting verb governs them (in the
  dependency tree, or as a parenthetical ``X said`` before them). A quoted phrase of fewer than four
  words that nothing governs is a scare quote, title or name and is not returned at all; a longer
  one is returned without speaker (``attrs["reason"] = "no_cue"``). A partial quote inside reported
  speech is returned as well as the reported speech around it.
* **Indirect quotes** are complement clauses of reporting verbs (``X said (that) …``,
  ``X told Y that …``, ``…, X said.``), the object phrase when there is no clause (``called the
  election a “farce”``, ``accused X of …``), the clause governed by ``according to X`` or ``In a
  new poll, …``, and a short ``Name: text`` paragraph (headline style). The content span is the
  complement (including ``that``), without final punctuation, inside the cue's paragraph.
  Also: the clause an ``as`` phrase is attached to (``As The Hill reported, …``, ``…, as she said``,
  ``As X put it, …``); phrasal verbs of saying (``fired back that``, ``went on``); a verb or
  adjective outside the lexicon with a ``that`` clause and a person or group as subject
  (``griped that …``: ``cue_type`` ``belief``); nouns of saying and stance with a possessor and a
  ``that``/``to`` clause (``his claim that …``, ``Trump's proposal to ban …``; speaker ``his``/
  ``Trump's`` as written). Nominal and phrasal cues are data: ``data/quote_cues.toml``.
  A quote between marks that makes up most of a reported clause (``told supporters that “we …”``)
  gets that clause's cue and speaker. Belief/evidence attributions nested inside someone's
  reported words are dropped.
* ``attrs["cue_type"]``: ``speech`` (say, tell, warn…), ``belief`` (think, expect, endorse…),
  ``evidence`` (show, find…), ``raising`` (seem, appear: a speaker only as below), ``according_to``,
  ``source_phrase`` (``In a statement, …``) or ``colon``. Keep ``speech``/``colon``/``according_to``
  for reported speech only; the others are attributions of thoughts, stances and findings.
* **Speaker**, as written: the subject of the cue verb (``he``, ``Putin``; conjoined subjects
  included; appositions and relative clauses left out); an inverted subject (``,” said Putin``);
  the object of ``according to``; the agent of a passive cue; the subject of the governing verb for
  participles, infinitives and conjoined verbs (``…, saying that``); the object of a control verb
  (``urged him to say``); the noun a relative clause attaches to (``Smith, who said …``); the
  subject of the clause before a colon (``Cruz continued:`` + quote); for ``seem``/``appear``, the
  experiencer (``seemed credible to voters``) or a subject whose own attribution it hedges
  (``Rubio seemed to urge …``). When the parser gives a speech verb no subject in its sentence, the
  noun right before the verb (past an age: ``Lazar, 44, said``). Never a word inside the quote
  itself, a date or time (a time-stamp line above ``Clinton has told …``; an age is no date: ``said
  the 46-year-old``), nor a subject across a line break; after ``tells``/``asks`` the noun is the
  addressee, not an inverted speaker. A dialogue tag whose verb the tagger read as a noun
  (``…,” the email read``) still gives the noun phrase before it. A direct quote with no
  cue of its own that directly follows a quote with a speaker (same sentence, or the next sentence
  of the same or the next paragraph; the quote before may be reported speech: ``…, Musser says.
  “…”``) inherits it (``attrs["reason"] = "speaker_inherited"``).
* **Channel**: ``according to X`` when the quote has a named speaker (``“…,” Putin said, according
  to the Kremlin``; ``According to CCTV, Xi said that …``; when the speaker is generic — ``51
  percent of respondents said`` — ``according to X`` is also returned as its own quote), and
  ``X reported`` / ``X quoted`` — X is then also the speaker, and the channel of quotes inside the
  reported content (``Xi said that …, CCTV reported``).

Robustness: works on a Doc without a parse (quotation marks only, no speakers), on empty text,
on text with no sentences and on non-English text; per-document work is linear in its length
(about 1 s for 1 MB of parsed text, 2% of the parse time on news articles).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Quote", "find_quotes", "SPEECH_VERBS", "BELIEF_VERBS", "EVIDENCE_VERBS", "RAISING_VERBS"]


@dataclass(slots=True)
class Quote:
    start: int
    end: int
    text: str  # content span; direct and partial quotes include their quotation marks
    kind: str  # direct | partial | indirect
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_text: str | None = None
    channel: str | None = None
    channel_start: int | None = None
    channel_end: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # reason, group, part, cue_type


# ------------------------------------------------------------------------------------- lexicons
# Reporting verbs by lemma. ``speech``: verbs of saying and writing; ``belief``: cognition and stance
# (think, expect, endorse…); ``evidence``: show, find…; ``raising``: seem/appear (the content is the
# whole clause and there is no speaker). Chosen by reading the PolNeAR *train* split (how often a
# lemma is an annotated cue there); dev was not looked at (see benchmarks/polnear.py).
SPEECH_VERBS = frozenset(
    """say tell add note warn claim deny announce state declare explain insist argue write tweet post
    ask reply respond answer remark comment continue conclude acknowledge admit concede confirm report
    stress emphasize emphasise maintain assert allege contend recall promise pledge vow threaten urge
    complain boast joke quip observe mention reveal disclose reiterate repeat counter retort proclaim
    assure reassure inform caution testify swear predict speculate recount describe agree dispute
    suggest indicate hint cite quote brag lament muse shout yell whisper scream cry tout advise propose
    recommend blog email underscore underline highlight point charge accuse criticize criticise
    demand call dub label brand praise condemn decry blast slam mock rail assail denounce dismiss
    express question voice decline portray list reference refer echo plead signal remind applaud
    discuss outline detail defend thank talk request press congratulate attribute invoke advocate
    credit chant blame deem reject refuse disagree lash hail welcome
    name issue order apologize title disavow clarify characterize retweet retweete rebuff unveil document""".split()
)
BELIEF_VERBS = frozenset(
    """think believe know feel expect hope hop fear worry doubt suspect assume guess wonder realize
    realise understand imagine reckon learn bet figure endorse support back favor favour oppose prefer
    consider view remember convince persuade imply want seek offer envision side distance interpret""".split()
)
EVIDENCE_VERBS = frozenset("show find demonstrate prove estimate project forecast".split())
RAISING_VERBS = frozenset("seem appear".split())

def _load_cues() -> dict[str, Any]:
    path = Path(__file__).with_name("data") / "quote_cues.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


_CUE_DATA = _load_cues()
# phrasal verbs of saying whose verb alone is none: "fired back that …", "…,” he went on"
_PHRASAL_SPEECH = frozenset(tuple(p.split()) for p in _CUE_DATA["phrasal"]["speech"])
# nouns of saying and of stance: "his claim that …", "Trump's criticism of …" (see _nominal_cues)
_NOMINAL_CUES: dict[str, str] = {
    **{n: "belief" for n in _CUE_DATA["nominal"]["belief"]},
    **{n: "speech" for n in _CUE_DATA["nominal"]["speech"]},
}
# verb forms of saying that the tagger reads as nouns in a dialogue tag (",” the email read",
# ",” the Saudis state in the paper"): the tag is then a noun phrase ending in one of them
_TAG_FORMS = frozenset({"read", "reads", "state", "states", "say", "says", "note", "notes", "write", "writes",
                        "add", "adds", "claim", "claims", "warn", "warns", "argue", "argues", "tweet", "tweets",
                        "insist", "insists", "conclude", "concludes", "explain", "explains", "continue", "continues"})
# cues whose subject is a medium: "CCTV reported", "Xinhua quoted X as saying" (channel = subject + cue)
_CHANNEL_VERBS = frozenset({"report", "quote"})
_CUE_TYPE: dict[str, str] = {
    **{v: "raising" for v in RAISING_VERBS},
    **{v: "evidence" for v in EVIDENCE_VERBS},
    **{v: "belief" for v in BELIEF_VERBS},
    **{v: "speech" for v in SPEECH_VERBS},
}
# nouns of documents and events that can be a source: "In a statement, …", "In a new poll, …"
_SOURCE_NOUNS = frozenset(
    """poll survey interview statement letter op-ed oped speech report tweet post email memo book
    column editorial filing complaint lawsuit ruling opinion study analysis release essay article
    video ad advertisement message note document transcript testimony remarks comments""".split()
)
# sources whose findings are the clause ("In a new poll, 51 percent said …")
_POLL_NOUNS = frozenset("poll survey study analysis report".split())
_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
_REL_PRON = frozenset({"who", "that", "which", "whom"})
# complements that carry the content when a cue has no clausal complement
_COMP_DEPS = frozenset({"dobj", "xcomp", "oprd", "attr", "acomp", "dative"})
_COMP_PREPS = frozenset({"of", "for", "about", "to", "against", "on", "as", "with", "over"})
_TIME_ENTS = frozenset({"DATE", "TIME"})
_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
# cues whose content must be a clause or a quotation (``continued to grow`` is no attribution)
# verbs of saying proper: "X said …, according to Y" is Y's report of X's words (Y is a channel)
_SAY_VERBS = frozenset(
    """say tell add write state declare explain insist argue tweet claim announce note warn reply respond
    remark comment continue conclude acknowledge admit confirm report stress emphasize emphasise assert
    allege contend recall reiterate repeat retort testify quip joke muse ask answer""".split()
)
# verbs whose object after them is the addressee, never an inverted speaker
_ADDRESSEE_VERBS = frozenset("tell ask inform remind assure reassure advise urge warn thank".split())
_CLAUSE_ONLY = frozenset({"continue", "add", "conclude", "post", "point"})
# left dependents that belong to a speaker noun phrase
_NP_LEFT = frozenset({"det", "amod", "compound", "poss", "nmod", "nummod", "case", "quantmod", "advmod"})
_NP_RIGHT = frozenset({"compound", "flat", "nummod", "case"})

# --------------------------------------------------------------------------------- quote marks
_MARK_RE = re.compile(r"'''|''|[\"“”„«»‘’‹›]")  # '' and ''' (a single closer + '') are double marks
_OPEN_CONTEXT = set(" \t\n([{—–-/:;,")  # characters before an opening mark
_DOUBLE = set("\"“”„«»")
_PARA_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_PARA_LINE = re.compile(r"\n\s*")
_TRIM = set(" \t\n\r,;:—–-.")
_CONTROL_VERBS = frozenset(
    """lead prompt urge ask push press force encourage tell allow persuade invite inspire cause get
    send pressure challenge dare expect want need require help rely count call""".split()
)
_MIN_UNCUED_WORDS = 4  # shorter uncued partial quotes are dropped
_HEADLINE_RE = re.compile(r"([^\n:]{2,60}?):[ \t\xa0]+\S")
_LABELS = frozenset({
    "update", "updates", "note", "editor's note", "editor’s note", "photo", "photos", "video", "watch",
    "read more", "related", "related article", "source", "sources", "question", "answer", "q", "a",
    "original url", "url", "listen", "transcript", "correction", "clarification", "disclosure",
    "warning", "caption", "credit", "image", "follow", "see also", "abstract", "summary",
})
_FROM_RE = re.compile(r"(?:more )?from ", re.IGNORECASE)
_HEADLINE_PREPS = frozenset({"to", "on", "about", "at", "in", "for", "with", "of"})
_NOT_TAGS = frozenset({"be", "have", "do", "get", "go", "make", "take", "come", "become", "seem"})
_CLOSE_AFTER = re.compile(r"[,.;:!?]{0,2}[”\"]")
_GAP_RE = re.compile(r"[^.!?\n\"“”„«»]{0,250}[.!?]?\s*")


@dataclass(slots=True)
class _Seg:
    start: int
    end: int
    closed: bool
    paragraphs: int = 1


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the paragraphs: blocks between blank lines, or lines when there are none."""
    sep = _PARA_BLANK if _PARA_BLANK.search(text) else _PARA_LINE
    out = []
    pos = 0
    for m in sep.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def _scan_paragraph(text: str, ps: int, pe: int) -> tuple[list[_Seg], int | None]:
    """Top-level quoted segments of one paragraph; also the start of a quote left open at its end.

    A stack of open marks. Double marks (“ ” " '' „ « ») close any open double mark (writers mix
    “…" and "…”) unless the mark looks like an opener (space or bracket before, a word after), in
    which case it opens a nested quote; « and „ always open, » always closes. ‘ opens a single
    quote that ’ closes only when no letter follows (else it is an apostrophe). A closer with
    nothing open is ignored."""
    segs: list[_Seg] = []
    stack: list[tuple[bool, int]] = []  # (double?, position)
    for m in _MARK_RE.finditer(text, ps, pe):
        i = m.start()
        j = m.end()
        ch = '"' if j - i >= 2 else text[i]  # '' is a straight double mark
        before = text[i - 1] if i > ps else " "
        after = text[j] if j < pe else " "
        opens_ctx = before in _OPEN_CONTEXT or before in "“\"‘«„'"
        looks_open = opens_ctx and not after.isspace() and after not in ".,;:!?)"
        double = ch in _DOUBLE
        if ch in "«„‹" or (ch == "‘" and opens_ctx and not after.isspace()):
            stack.append((double, i))
            continue
        # a closing candidate: the innermost open mark of the same family
        depth = len(stack) - 1
        while depth >= 0 and stack[depth][0] != double:
            depth -= 1
        closes = depth >= 0 and not (ch == "’" and after.isalnum())
        if closes and ch in "\"“”" and looks_open and stack[depth][1] < i - 1:
            closes = ch == "”"  # “…“ or "…" opening a nested quote; ” never opens inside a quote
        if closes:
            pos = stack[depth][1]
            del stack[depth:]
            if not stack:
                segs.append(_Seg(pos, j, True))
            continue
        if ch in "’»›" or not double or (ch == "”" and not looks_open):
            continue  # stray closer or apostrophe
        if after.isspace():
            continue  # a mark followed by a space does not open a quote
        stack.append((True, i))
    open_at = None
    for double, pos in stack:
        if double:  # an unclosed ‘ is most likely an apostrophe
            open_at = pos
            break
    return segs, open_at


def _mark_width(text: str, pos: int, closing: bool) -> int:
    """Width of the quotation mark starting at ``pos`` (opening) or ending at ``pos`` (closing):
    1, or 2-3 for two or three apostrophes."""
    for w in (3, 2):
        piece = text[pos - w : pos] if closing else text[pos : pos + w]
        if piece == "'" * w:
            return w
    return 1


def _opens(text: str, pos: int) -> bool:
    """Does the paragraph starting at ``pos`` open with a double quotation mark?"""
    return text[pos] in "“\"„«" or text.startswith("''", pos)


def _scan(text: str) -> list[_Seg]:
    paras = _paragraphs(text)
    out: list[_Seg] = []
    carry: _Seg | None = None  # a quote continued from the previous paragraph
    for k, (ps, pe) in enumerate(paras):
        segs, open_at = _scan_paragraph(text, ps, pe)
        if carry is not None:
            # this paragraph opens with a mark: the quote goes on until the first segment closes
            if segs and segs[0].start == ps:
                first = segs.pop(0)
                carry.end, carry.closed = first.end, True
                carry.paragraphs += 1
                out.append(carry)
                carry = None
            elif open_at == ps:
                carry.end = pe
                carry.paragraphs += 1
            else:  # pragma: no cover - callers guarantee a leading mark
                out.append(carry)
                carry = None
        if carry is not None and open_at == ps and not segs:
            nxt = paras[k + 1][0] if k + 1 < len(paras) else None
            if nxt is not None and _opens(text, nxt):
                continue
            carry.closed = False
            out.append(carry)
            carry = None
            continue
        out.extend(segs)
        if open_at is not None:
            nxt = paras[k + 1][0] if k + 1 < len(paras) else None
            seg = _Seg(open_at, pe, False)
            if nxt is not None and _opens(text, nxt):
                carry = seg
            else:
                out.append(seg)
    if carry is not None:
        carry.closed = False
        out.append(carry)
    out.sort(key=lambda s: s.start)
    return out


# ------------------------------------------------------------------------------------- helpers
class _Ctx:
    """Per-document lookups shared by the rules."""

    def __init__(self, doc: Any):
        self.doc = doc
        self.text = doc.text
        self.n = len(doc)
        self.starts = [t.idx for t in doc]
        self.parsed = doc.has_annotation("DEP")
        self.sent_of: list[int] = []
        self.sents: list[tuple[int, int]] = []
        self.paras = _paragraphs(self.text)
        self.para_starts = [p[0] for p in self.paras]
        if self.parsed or doc.has_annotation("SENT_START"):
            # spaCy's sentences, also cut at paragraph breaks (the parser sometimes runs over them)
            brk = "\n\n" if len(self.paras) > 1 and _PARA_BLANK.search(self.text) else "\n"
            for s in doc.sents:
                a = s.start
                for t in s:
                    if t.is_space and brk in t.text and t.i + 1 < s.end:
                        self.sents.append((a, t.i + 1))
                        a = t.i + 1
                self.sents.append((a, s.end))
            for k, (a, b) in enumerate(self.sents):
                self.sent_of.extend([k] * (b - a))
        self.in_seg = [False] * self.n  # tokens inside any quotation marks
        self.in_direct = [False] * self.n  # tokens inside direct quotes
        self.cue_of: dict[int, list[Quote]] = {}  # cue token index -> quotes attributed to it
        self.marked: list[Quote] = []  # the quotes between quotation marks
        self.marked_starts: list[int] = []
        # prefix sums of words / words in direct quotes, built on first use (after the direct pass)
        self.word_prefix: list[int] | None = None
        self.direct_prefix: list[int] = []

    def tok_at(self, char: int) -> int:
        """Index of the token containing (or first after) character ``char``."""
        i = bisect.bisect_right(self.starts, char) - 1
        if i < 0:
            return 0
        t = self.doc[i]
        if char >= t.idx + len(t) and i + 1 < self.n:
            return i + 1
        return i

    def toks(self, start: int, end: int) -> tuple[int, int]:
        """Token range ``[a, b)`` of the tokens overlapping ``[start, end)``."""
        a = self.tok_at(start)
        b = bisect.bisect_left(self.starts, end)
        return a, max(a, b)

    def sent(self, i: int) -> tuple[int, int]:
        return self.sents[self.sent_of[i]] if self.sents else (0, self.n)

    def para(self, char: int) -> int:
        """Index of the paragraph holding character ``char``."""
        return bisect.bisect_right(self.para_starts, char) - 1


def _np_span(ctx: _Ctx, tok: Any) -> tuple[int, int]:
    """Character span of the noun phrase headed by ``tok``: left modifiers, compounds, conjuncts
    (kept inside ``tok``'s sentence)."""
    sa, sb = ctx.sent(tok.i)
    lo = tok.i
    for ch in tok.lefts:
        if ch.dep_ in _NP_LEFT:
            lo = min(lo, ch.left_edge.i)
    lo = max(lo, sa)
    for k in range(tok.i - 1, lo - 1, -1):  # never reach back into a quotation
        if ctx.in_seg[k] or tok.doc[k].is_quote:
            lo = k + 1
            break
    hi = tok.i
    for ch in tok.rights:
        if ch.dep_ in _NP_RIGHT:
            hi = max(hi, ch.right_edge.i)
        elif ch.dep_ == "conj" and ch.pos_ in ("PROPN", "NOUN", "PRON"):
            hi = max(hi, ch.i)
        elif ch.dep_ == "prep" and ch.lower_ == "of" and ch.right_edge.i - tok.i < 8:
            hi = max(hi, ch.right_edge.i)
    hi = min(hi, sb - 1)
    doc = tok.doc
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    while hi > lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi])


def _speaker_of(cue: Any, depth: int = 0, via: str = "") -> Any | None:
    """The token heading the speaker of a cue verb (or None).

    The subject of the cue; the agent of a passive cue; the noun a relative clause or participle
    attaches to (``Smith, who said …``, ``911 calls saying …``); for participles, infinitives and
    conjoined verbs the subject of the governing verb (``…, saying that``; ``is expected to say``)."""
    has_subj = False
    for ch in cue.children:
        if ch.dep_ in _SUBJ and not _dateline(ch) and not _time_subject(ch) and not _para_between(ch, cue):
            if ch.lower_ in _REL_PRON and cue.dep_ == "relcl":
                return cue.head
            has_subj = True
            if ch.lower_ == "there" or (ch.dep_ == "nsubjpass" and via not in _PASSIVE_OK):
                break
            if ch.lower_ == "it" and _CUE_TYPE.get(_lemma(cue), "speech") != "speech":
                break  # "it seems", "it shows"; but "It said …", "…,” it read (a report, an email)
            return ch
    for ch in cue.children:
        if ch.dep_ == "agent":
            for g in ch.children:
                if g.dep_ == "pobj":
                    return g
    head = cue.head
    if has_subj or depth >= 4:
        return None
    if head.i == cue.i or cue.dep_ in ("ROOT", "ccomp", "parataxis"):
        if depth == 0:
            return _subject_before(cue)
        before = _subject_before(cue)  # "9:34 p.m.\n\nDonald Trump has delivered …, saying …"
        if before is not None:
            return before
        # "…,” added Murphy, referring to …: the participle's speaker is the inverted subject
        prev = cue.doc[cue.i - 1] if cue.i > 0 else None
        if prev is not None and (prev.is_quote or prev.text == ",") and _lemma(cue) in SPEECH_VERBS:
            inv = _inverted_subject(cue)
            if inv is not None and inv.pos_ in ("PROPN", "NOUN"):
                return inv
        return None
    if cue.dep_ in ("relcl", "acl") and head.pos_ in ("NOUN", "PROPN"):
        if head.dep_ == "attr" and head.head.i != head.i:  # "X was the first Democrat to endorse …"
            subj = next((c for c in head.head.children if c.dep_ == "nsubj"), None)
            if subj is not None:
                return subj
        if cue.dep_ == "acl" and head.dep_ in ("dobj", "pobj"):
            # "approved a resolution condemning …", "shot back in an article stating …": the agent
            # of the clause the document belongs to
            t = head
            while t.dep_ in ("dobj", "pobj", "prep") and t.head.i != t.i:
                t = t.head
            if t.pos_ == "VERB":
                subj = _speaker_of(t, depth + 1)
                if subj is not None:
                    return subj
        return head
    if cue.dep_ == "xcomp" and _lemma(head) in _CONTROL_VERBS:
        # object control: "led many experts to suspect …", "urged him to say …"
        obj = next((c for c in head.children if c.dep_ == "dobj" and c.i < cue.i), None)
        if obj is not None:
            return obj
    if cue.dep_ in ("conj", "advcl") and _lemma(cue) in SPEECH_VERBS and _lemma(head) not in SPEECH_VERBS:
        # "X said the move was made by Y and said …": the parser hangs the second cue on the verb
        # of the first one's content; the speaker is the first cue's
        outer = _outer_cue(head)
        if outer is not None and (cue.dep_ == "conj" or cue.tag_ == "VBG") and outer.i < head.i:
            return _speaker_of(outer, depth + 1)
    if cue.dep_ in ("advcl", "xcomp", "conj", "pcomp", "prep", "acomp"):
        return _speaker_of(head, depth + 1, cue.dep_)
    if via in ("prep", "pcomp") and cue.pos_ in ("NOUN", "ADJ") and cue.dep_ in ("dobj", "attr", "acomp", "oprd"):
        # "took the unusual step of criticizing …": the subject of the verb the noun belongs to
        return _speaker_of(head, depth + 1, "prep")
    return None


# verbs a cue climbs through whose passive subject is still the speaker ("was asked to say",
# "was suspended after slamming …")
_PASSIVE_OK = frozenset({"xcomp", "prep", "pcomp"})


def _para_between(a: Any, b: Any) -> bool:
    """Is there a line break between tokens ``a`` and ``b``? (The parser sometimes takes a subject
    from the headline or a time stamp line above: ``9:05 a.m.\n\nSanders is disavowing …``.)"""
    lo, hi = sorted((a.i, b.i))
    if hi - lo > 60:
        return False
    doc = a.doc
    return any(doc[k].is_space and "\n" in doc[k].text for k in range(lo + 1, hi))


def _outer_cue(tok: Any) -> Any | None:
    """The speech verb whose clausal complement holds ``tok`` (through conjoined verbs)."""
    t = tok
    for _ in range(3):
        if t.dep_ == "ccomp":
            return t.head if _lemma(t.head) in SPEECH_VERBS and t.head.pos_ == "VERB" else None
        if t.dep_ not in ("conj", "xcomp") or t.head.i == t.i:
            return None
        t = t.head
    return None


def _dateline(tok: Any) -> bool:
    """Is ``tok`` the place of a dateline the parser took for a subject (``MYRTLE BEACH, S.C. -
    Sen. Ted Cruz continued …``)? An upper-case word at the start of its sentence followed by a
    dash within a few tokens."""
    if not (tok.is_upper and len(tok) > 1):
        return False
    doc = tok.doc
    k = tok.i - 1
    while k >= 0 and k > tok.i - 4 and not (doc[k].is_space and "\n" in doc[k].text) and not doc[k].is_sent_start:
        k -= 1
    if not (k < 0 or doc[k].is_space and "\n" in doc[k].text or doc[k].is_sent_start):
        return False
    end = min(len(doc), tok.i + 6)
    return any(doc[k].text in ("-", "—", "–", "--") for k in range(tok.i + 1, end))


def _inverted_subject(cue: Any) -> Any | None:
    """``…,” declared Alyssa Van Wagenen``: the noun after a dialogue-tag verb, whatever the parser
    called it."""
    for ch in cue.rights:
        if ch.dep_ in ("nsubj", "dobj", "attr", "npadvmod", "dative", "appos", "oprd") and ch.pos_ in ("NOUN", "PROPN", "PRON"):
            return ch
        if not (ch.is_punct or ch.dep_ in ("advmod", "prt")):
            break
    # the parser hung the name elsewhere (“…,” says Myra Gutin, a historian, … : the name as the
    # subject of a later verb): the proper name right after the verb
    doc = cue.doc
    k = cue.i + 1
    while k < len(doc) and doc[k].dep_ in ("advmod", "prt") and doc[k].pos_ != "PROPN":
        k += 1
    if k < len(doc) and doc[k].pos_ in ("PROPN", "PRON"):
        t = doc[k]
        while t.dep_ in ("compound", "flat") and t.head.i > t.i and t.head.pos_ == "PROPN":
            t = t.head
        return t
    return None


def _subject_before(cue: Any) -> Any | None:
    """Fallback when the parser gave a finite cue no subject: the noun right before it
    (``Shaw said …``, ``about two-thirds, 67 percent, say …``)."""
    if cue.tag_ not in _FINITE and not (
        cue.tag_ == "VBN" and cue.dep_ in ("ROOT", "ccomp", "conj") and not any(c.dep_ in ("aux", "auxpass") for c in cue.children)
    ) and not any(c.dep_ == "aux" and c.tag_ in _FINITE and c.i < cue.i for c in cue.children):
        return None  # (a past tense the tagger read as a participle, "Trump barked", counts as finite)
    doc = cue.doc
    k = cue.i - 1
    if k >= 0 and doc[k].text == "," and _lemma(cue) in SPEECH_VERBS and _lemma(cue) not in _ADDRESSEE_VERBS:
        inv = _inverted_subject(cue)  # …, says Evan Tracey, a consultant (not "…, tells Breitbart News")
        if inv is not None and inv.pos_ == "PROPN":
            return inv
    comma = False
    while k >= 0:
        t = doc[k]
        if t.dep_ in ("aux", "auxpass", "neg", "advmod", "npadvmod") or t.is_space:
            k -= 1
        elif t.text == "," and not comma:
            comma = True
            k -= 1
        else:
            break
    if k >= 1 and doc[k].like_num and doc[k].dep_ == "appos" and doc[k - 1].text == "," and doc[k].head.pos_ == "PROPN":
        k = doc[k].head.i  # "Marcel Lazar, 44, said": the age is no speaker
    if k < 0 or doc[k].is_sent_start and doc[k].pos_ != "PROPN" and doc[k].pos_ != "PRON":
        return None
    t = doc[k]
    if (t.pos_ in ("PROPN", "NOUN", "PRON") or t.pos_ == "NUM" and t.dep_ == "nsubj") and t.sent.start == cue.sent.start:
        return t
    return None


def _cue_span(tok: Any) -> tuple[int, int]:
    end = tok.idx + len(tok)
    for ch in tok.rights:
        if (ch.dep_ == "prt" and ch.i - tok.i <= 2) or (ch.i == tok.i + 1 and (_lemma(tok), ch.lower_) in _PHRASAL_SPEECH):
            end = ch.idx + len(ch)
    return tok.idx, end


def _lemma(tok: Any) -> str:
    return tok.lemma_.lower()


def _phrasal(tok: Any) -> bool:
    """Is ``tok`` a phrasal verb of saying (``fired back``, ``went on``)? The particle right after it."""
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    return nxt is not None and nxt.head.i == tok.i and (_lemma(tok), nxt.lower_) in _PHRASAL_SPEECH


def _is_speech(tok: Any) -> bool:
    return _lemma(tok) in SPEECH_VERBS or _phrasal(tok)


def _according(tok: Any) -> Any | None:
    """The object token of ``according to X`` when ``tok`` is ``according``."""
    if tok.lower_ != "according" or tok.i + 1 >= len(tok.doc):
        return None
    to = tok.nbor(1)
    if to.lower_ != "to":
        return None
    for g in to.children:
        if g.dep_ == "pobj":
            return g
    return None


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _TRIM:
        s += 1
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    return s, e


def _tok_span(ctx: _Ctx, a: int, b: int) -> tuple[int, int]:
    """Trimmed character span of tokens ``[a, b]`` (inclusive), taking in a closing quotation mark
    that the parser attached outside the span (``called it a “farce,”``)."""
    doc, text = ctx.doc, ctx.text
    s, e = _trim(text, doc[a].idx, doc[b].idx + len(doc[b]))
    inner = text[s:e]
    if inner.count("“") > inner.count("”") or inner.count('"') % 2 == 1:
        m = _CLOSE_AFTER.match(text, e)
        if m is not None:
            e = m.end()
    return s, e


def _time_subject(tok: Any) -> bool:
    """A date or time the parser took for a subject (``Warren said Saturday``, ``6:50 p.m. Clinton
    has told …``) — not an age (``said the 46-year-old``)."""
    return tok.ent_type_ in _TIME_ENTS and tok.pos_ != "PRON" and tok.lower_ not in ("old", "year-old")


def _bad_speaker(ctx: _Ctx, tok: Any) -> bool:
    """A date or time the parser took for the subject (``Warren said Saturday``)."""
    return _time_subject(tok)


def _set_speaker(ctx: _Ctx, q: Quote, tok: Any | None, anchor: Any | None = None) -> None:
    """Speaker span from its head token; none when the parser found it outside the sentence of
    ``anchor`` (the cue)."""
    if tok is not None and _bad_speaker(ctx, tok):
        tok = None
    if (
        anchor is not None and ctx.sents and _lemma(anchor) in SPEECH_VERBS
        and (tok is None or ctx.sent_of[tok.i] != ctx.sent_of[anchor.i])
    ):
        # the parser found no subject, or one in another sentence: the noun right before the cue
        tok = _subject_before(anchor)
        if tok is not None and ctx.sent_of[tok.i] != ctx.sent_of[anchor.i]:
            tok = None
    if tok is None:
        return
    s, e = _np_span(ctx, tok)
    q.speaker_start, q.speaker_end, q.speaker_text = s, e, ctx.text[s:e]


def _set_cue(q: Quote, text: str, s: int, e: int) -> None:
    q.cue_start, q.cue_end, q.cue = s, e, text[s:e]


# ----------------------------------------------------------------------------------------- main
def find_quotes(doc: Any) -> list[Quote]:
    """Direct, partial and indirect quotes of ``doc`` (offsets into ``doc.text``), in text order."""
    text = doc.text
    if not text or not text.strip():
        return []
    ctx = _Ctx(doc)
    segs = _scan(text)
    spans = []
    for seg in segs:
        ow = _mark_width(text, seg.start, closing=False)
        cw = _mark_width(text, seg.end, closing=True) if seg.closed else 0
        a, b = ctx.toks(seg.start + ow, seg.end - cw)  # tokens inside the marks
        spans.append((a, b))
        for i in range(a, b):
            ctx.in_seg[i] = True
    quotes = [_mark_quote(ctx, seg, a, b) for seg, (a, b) in zip(segs, spans)]
    # a short quoted phrase that no reporting verb governs is a scare quote, title or name
    quotes = [
        q for q in quotes
        if not (q.kind == "partial" and q.cue is None and len(q.text.split()) < _MIN_UNCUED_WORDS)
    ]
    ctx.marked = quotes  # in text order
    ctx.marked_starts = [q.start for q in quotes]
    if ctx.parsed:
        quotes.extend(_headline_colon(ctx, quotes))
        quotes.extend(_drop_nested(_indirect(ctx), quotes))
        quotes.extend(_source_phrases(ctx))
        quotes.extend(_nominal_cues(ctx))
        _channels(ctx, quotes)
    for qs in ctx.cue_of.values():
        direct = [q for q in qs if q.kind == "direct"]
        if len(direct) > 1:
            direct.sort(key=lambda q: q.start)
            for k, q in enumerate(direct):
                q.attrs["group"], q.attrs["part"] = f"d{direct[0].start}", k
    _inherit(ctx, quotes)
    quotes.sort(key=lambda q: (q.start, q.end))
    return quotes


def _walk_to_cue(ctx: _Ctx, a: int, b: int, lexicon: Any) -> Any | None:
    """A cue verb governing tokens ``[a, b)`` in the dependency tree (not through a subject)."""
    doc = ctx.doc
    pa, pb = ctx.para(doc[a].idx), ctx.para(doc[b - 1].idx)
    for i in range(a, b):
        t = doc[i]
        if a <= t.head.i < b and t.head.i != t.i:
            continue
        h = t
        for _ in range(6):
            if h.head.i == h.i:
                break
            own_verb = h.dep_ in _SUBJ  # a quoted subject is not spoken by its own verb
            h = h.head
            if a <= h.i < b or ctx.in_seg[h.i] or not (pa <= ctx.para(h.idx) <= pb):
                break
            if h.pos_ == "VERB" and _lemma(h) in lexicon and not own_verb:
                if _lemma(h) == "continue" and any(c.dep_ == "xcomp" for c in h.children):
                    break
                return h
    return None


def _seg_cue(ctx: _Ctx, a: int, b: int, last: str = "") -> Any | None:
    """A reporting verb governing tokens ``[a, b)`` (a quoted segment), by position or dependencies.

    ``last`` is the character before the closing mark. After ``,”`` ``?”`` ``!”`` (a dialogue tag)
    any verb with its subject right after the quote is the cue (``exclaimed``, ``cut in``); after
    ``.”`` the sentence is over and nothing after the quote is its cue."""
    doc = ctx.doc
    if not ctx.parsed or a >= b:
        return None
    tag = last in ",?!—–-"
    # a quote closing with a full stop ends its sentence: “It failed.” The plan, he said, …
    after_ok = last != "." and not (last in "?!" and b + 1 < ctx.n and doc[b + 1].is_title and doc[b + 1].pos_ != "PROPN")
    # right after the closing mark: ,” he said / ,” said Putin (the verb with its own subject)
    # (after a dialogue tag the subject may be long: ,” Nate Silver, the polling guru who founded
    # fivethirtyeight.com, tweeted on Wednesday)
    k = b
    limit = min(ctx.n, b + (30 if tag else 6)) if after_ok else b
    while k < limit:
        t = doc[k]
        if t.text in "!?" or (t.text == "." and not (k + 1 < ctx.n and doc[k + 1].text == ")")):
            break  # (an abbreviation's dot inside brackets does not end the clause: "(D-Wash.) said")
        if (t.is_quote and k > b) or ctx.in_seg[k] or (t.is_space and "\n" in t.text):
            break
        if t.pos_ == "VERB":
            if tag and t.dep_ in ("relcl", "acl", "amod"):
                # a verb inside the speaker's description is skipped; a speech verb the parser
                # hung on the speaker's name ("Nate Silver … tweeted" as acl) is the cue
                if not (t.dep_ == "acl" and _lemma(t) in SPEECH_VERBS and t.head.i >= b):
                    k += 1
                    continue
            if _is_speech(t) or (tag and _lemma(t) not in _NOT_TAGS):
                subj = _speaker_of(t)
                # a dialogue tag starts right after the mark with its subject or verb
                # (not "…,” while the EU described …")
                first = b
                while first < t.i and (doc[first].is_punct or doc[first].is_space):
                    first += 1
                starts = (
                    first == t.i or doc[first].dep_ in ("advmod", "aux")
                    or (subj is not None and subj.left_edge.i <= first <= subj.right_edge.i)
                )
                if subj is not None and subj.i >= b and starts:
                    return t
                if (subj is None or subj.i < b) and first == t.i and _inverted_subject(t) is not None:
                    return t  # ,” added a New Hampshire Democrat (parsed as an object); ,” read the statement
                if subj is None and first < t.i:
                    before_verb = _subject_before(t)  # ,” Trump barked (the name parsed as a compound)
                    if before_verb is not None and before_verb.i >= first:
                        return t
            break
        k += 1
    cue = _walk_to_cue(ctx, a, b, SPEECH_VERBS)
    if cue is not None:
        return cue
    # a parenthetical cue in the same sentence: Trump, Sexton said, has created a “…”
    sa, sb = ctx.sent(a)
    for k in range(a - 1, sa - 1, -1):
        t = doc[k]
        if t.text in (".", "!", "?"):
            break
        if (
            t.dep_ == "parataxis" and t.pos_ == "VERB" and _lemma(t) in SPEECH_VERBS and not ctx.in_seg[k]
            and any(c.dep_ == "nsubj" for c in t.children)
        ):
            return t
    # right before the opening mark: He said: “…” / said Putin, “…” / told supporters that “…”
    if a > 1 and (doc[a - 2].text in (":", ",", "—") or doc[a - 2].lower_ == "that"):
        k = a - 3
        stop = max(-1, a - 9)
        while k > stop:
            t = doc[k]
            if t.text in ".!?" or t.is_quote or ctx.in_seg[k]:
                break
            if t.pos_ == "VERB" and _is_speech(t):
                return t
            if (
                k == a - 3 and doc[a - 2].text in (",", ":") and t.pos_ == "VERB" and _lemma(t) not in _NOT_TAGS
                and not any(c.dep_ in _COMP_DEPS or c.dep_ == "ccomp" for c in t.children if c.lower_ != "it")
            ):
                return t  # she thanked them and then boomed, “…” / As X put it, “…”
            k -= 1
    return None


def _mark_quote(ctx: _Ctx, seg: _Seg, a: int, b: int) -> Quote:
    text, doc = ctx.text, ctx.doc
    q = Quote(seg.start, seg.end, text[seg.start:seg.end], "direct")
    if not seg.closed:
        q.attrs["reason"] = "unclosed_quote"
    if seg.paragraphs > 1:
        q.attrs["paragraphs"] = seg.paragraphs
    # is it a clause/sentence of its own, or a phrase inside someone else's sentence?
    w0 = max(0, seg.start - 400)  # a window before the quote (no copy of the whole text)
    before = text[w0 : seg.start].rstrip(" \t")
    para_start = not before or before[-1] == "\n"
    prev = before[-1:] if before else ""
    starts_sentence = para_start or prev in ".!?:;…" or prev in "”\"" or seg.paragraphs > 1
    own_subject = False
    if ctx.parsed:
        for i in range(a, b):
            t = doc[i]
            if t.dep_ in ("nsubj", "nsubjpass", "expl") and a <= t.head.i < b:
                own_subject = True
                break
    # the character before the closing mark: , ? ! — make a dialogue tag (“…,” he said)
    cw = _mark_width(text, seg.end, closing=True)
    last = text[seg.end - cw - 1] if seg.closed and seg.end - cw - 1 > seg.start else ""
    cue = _seg_cue(ctx, a, b, last)
    if cue is not None and cue.i < a and ctx.parsed and before.rstrip().endswith(":"):
        # "Headline - HuffPollster: “…”": the label before the colon beats a verb of the headline
        colon = ctx.tok_at(w0 + len(before.rstrip()) - 1)
        if doc[colon].text == ":" and cue.i < colon and _label_source(ctx, ctx.sent(colon)[0], colon) is not None:
            cue = None
    if not starts_sentence and cue is not None and prev == ",":
        starts_sentence = True  # said Putin, “…”  /  “…,” he said, “…”
    short = b - a <= 2 and not own_subject and not para_start and not (cue is not None and cue.i >= b)
    if not (starts_sentence or own_subject) or short:
        q.kind = "partial"
    if q.kind == "direct":
        for i in range(a, b):
            ctx.in_direct[i] = True
    if cue is None and ctx.parsed and seg.closed and last in ",?!" and a < b and (
        _glued_tag(ctx, q, seg, b) or _nominal_tag(ctx, q, b)
    ):
        return q
    if cue is None and ctx.parsed and seg.closed and last in ",;—–-":
        # “…,” according to a senior official: no verb, the source is the object of "according to"
        k = b
        while k < min(ctx.n, b + 4) and (doc[k].is_punct or doc[k].is_space) and doc[k].lower_ != "according":
            k += 1
        obj = _according(doc[k]) if k < ctx.n else None
        if obj is not None:
            _set_cue(q, text, doc[k].idx, doc[k + 1].idx + len(doc[k + 1]))
            q.attrs["cue_type"] = "according_to"
            _set_speaker(ctx, q, obj)
            return q
    if cue is None:
        lead = before.rstrip()
        if ctx.parsed and q.kind == "direct" and lead.endswith(":"):
            _colon_cue(ctx, q, w0 + len(lead) - 1)
        if q.speaker_start is None:
            q.attrs.setdefault("reason", "no_cue")
        return q
    _set_cue(q, text, *_cue_span(cue))
    q.attrs["cue_type"] = "speech"
    speaker = _speaker_of(cue)
    if speaker is not None and a <= speaker.i < b:
        speaker = None  # the parser took a word of the quote for the subject of its tag (“Like Ferguson,” Trump said)
    if cue.i >= b and (speaker is None or speaker.i < a):
        # a dialogue tag after the quote: its subject comes after the quote (,” said X / ,” X barked)
        first = b
        while first < cue.i and (doc[first].is_punct or doc[first].is_space):
            first += 1
        speaker = _inverted_subject(cue) if first == cue.i else _subject_before(cue)
    _set_speaker(ctx, q, speaker, cue)
    if q.speaker_start is not None and q.speaker_start < seg.end < q.speaker_end:
        # “…,”Clinton said: the name glued to the closing mark starts after it
        q.speaker_start = seg.end
        q.speaker_text = text[seg.end : q.speaker_end]
    ctx.cue_of.setdefault(cue.i, []).append(q)
    return q


def _label_source(ctx: _Ctx, sa: int, colon: int) -> Any | None:
    """The source in a label before a colon: ``Headline text - Philip Bump: “…”`` (a digest's
    item: the words after the last spaced dash) or ``From the report: “…”``."""
    doc = ctx.doc
    lo = max(sa, colon - 7)
    dash = next((i for i in range(colon - 1, lo - 1, -1) if doc[i].text in ("-", "—", "–", "--")), None)
    if dash is not None:
        d = doc[dash]
        if not (d.idx > 0 and ctx.text[d.idx - 1] == " " and ctx.text[d.idx + len(d.text): d.idx + len(d.text) + 1] == " "):
            return None
        label = doc[dash + 1 : colon]
    elif colon - sa <= 4 and _FROM_RE.match(doc[sa:colon].text):
        label = doc[sa:colon]
    else:
        return None
    if not len(label) or any(t.pos_ in ("VERB", "AUX") for t in label):
        return None
    names = [t for t in label if t.pos_ == "PROPN" or t.lemma_.lower() in _SOURCE_NOUNS]
    if not names:
        return None
    t = names[0]
    while t.head.i != t.i and label.start <= t.head.i < label.end and t.dep_ in ("compound", "flat", "conj", "cc"):
        t = t.head
    return t, label.start_char


def _glued_tag(ctx: _Ctx, q: Quote, seg: _Seg, b: int) -> bool:
    """``…,”Clinton said`` / ``…,"Katie Packer, who …, said``: no space after the closing mark, so
    the tokenizer glued the speaker's first word to the quote's last one (and the parser is lost).
    The capitalised word after the mark (and the proper nouns after it) is the speaker when a
    speech verb follows within the clause."""
    doc, text = ctx.doc, ctx.text
    g = doc[b - 1]
    g_end = g.idx + len(g)
    if g_end <= seg.end or not text[seg.end].isupper() or not text[seg.end:g_end].isalpha():
        return False
    end = g_end
    k = b
    while k < ctx.n and doc[k].pos_ == "PROPN" and not doc[k].is_punct:
        end = doc[k].idx + len(doc[k])
        k += 1
    for j in range(k, min(ctx.n, k + 30)):
        t = doc[j]
        if t.text in ".!?" or t.is_quote or ctx.in_seg[j] or (t.is_space and "\n" in t.text):
            return False
        if t.pos_ == "VERB" and _lemma(t) in SPEECH_VERBS:
            _set_cue(q, text, *_cue_span(t))
            q.attrs["cue_type"] = "speech"
            q.speaker_start, q.speaker_end, q.speaker_text = seg.end, end, text[seg.end:end]
            ctx.cue_of.setdefault(j, []).append(q)
            return True
    return False


def _nominal_tag(ctx: _Ctx, q: Quote, b: int) -> bool:
    """``…,” the email read.`` / ``…,” the Saudis state in the paper``: a dialogue tag whose verb the
    tagger read as a noun — a short noun phrase after the quote ending in a verb form of saying."""
    doc, text = ctx.doc, ctx.text
    first = b
    while first < ctx.n and (doc[first].is_punct or doc[first].is_space) and not doc[first].is_quote:
        first += 1
    if first < ctx.n and doc[first].is_quote:
        first += 1
    if first >= ctx.n or (doc[first].is_space and "\n" in doc[first].text):
        return False
    for k in range(first + 1, min(ctx.n, first + 7)):
        t = doc[k]
        if t.lower_ in _TAG_FORMS and t.pos_ != "VERB":
            nxt = doc[k + 1] if k + 1 < ctx.n else None
            if nxt is not None and not (nxt.is_punct or nxt.pos_ == "ADP" or nxt.is_space):
                return False
            _set_cue(q, text, t.idx, t.idx + len(t))
            q.attrs["cue_type"] = "speech"
            s, e = doc[first].idx, doc[k - 1].idx + len(doc[k - 1])
            q.speaker_start, q.speaker_end, q.speaker_text = s, e, text[s:e]
            ctx.cue_of.setdefault(k, []).append(q)
            return True
        if not (t.pos_ in ("DET", "PROPN", "NOUN", "ADJ", "NUM", "PRON") or t.tag_ == "POS" or t.text in ("-", "’s", "'s")):
            return False
    return False


def _colon_cue(ctx: _Ctx, q: Quote, colon_char: int) -> None:
    """``X thanked Y for …: “…”`` / ``Cruz continued:`` + quote paragraph — the colon introduces the
    quote; the speaker is the subject of the clause before it (or a bare name: ``Trump: “…”``)."""
    doc = ctx.doc
    colon = ctx.tok_at(colon_char)
    if colon < 1 or doc[colon].text != ":":
        return
    sa = ctx.sent(colon - 1)[0]
    # the root of the clause before the colon
    label = _label_source(ctx, sa, colon)
    subj = label[0] if label is not None else None
    # a speech verb of the clause (``…, and Breitbart News responded:``) before its root
    for i in range(colon - 1, max(sa, colon - 8) - 1, -1):
        t = doc[i]
        if subj is not None:
            break
        if t.pos_ == "VERB" and _lemma(t) in SPEECH_VERBS and not ctx.in_seg[i]:
            subj = _speaker_of(t)
            break
    last = doc[colon - 1]
    if subj is None and last.pos_ == "PROPN" and last.dep_ in ("pobj", "appos", "conj") and colon - 1 > sa:
        # "…, according to Republican pollster Daron Shaw: “…”": the name right before the colon
        subj = last
    for i in range(colon - 1, sa - 1, -1):
        if subj is not None:
            break
        t = doc[i]
        if not (sa <= t.head.i < colon) or t.head.i == t.i:
            if t.pos_ in ("VERB", "AUX"):
                subj = _speaker_of(t)
                break
    if subj is None and colon - sa <= 6 and ctx.para(doc[sa].idx) == ctx.para(colon_char):
        # a bare name at the start of a paragraph: "Carly Fiorina: 'Bill Clinton's fair game.'"
        names = [doc[i] for i in range(sa, colon) if doc[i].pos_ == "PROPN"]
        if names and all(doc[i].pos_ in ("PROPN", "NOUN", "DET", "ADJ", "PART", "PUNCT") for i in range(sa, colon)):
            subj = names[-1]
    if subj is None:
        return
    _set_cue(q, ctx.text, doc[colon].idx, doc[colon].idx + 1)
    q.attrs["cue_type"] = "colon"
    _set_speaker(ctx, q, subj)
    if label is not None and q.speaker_start is not None and q.speaker_start < label[1]:
        q.speaker_start = label[1]  # the headline before the dash is no part of the name
        q.speaker_text = ctx.text[q.speaker_start : q.speaker_end]


_MAX_SUBTREE_SCAN = 300  # tokens; a news sentence is far shorter


def _complement(ctx: _Ctx, tok: Any, kind: str) -> list[tuple[int, int]] | None:
    """Content span(s) governed by cue verb ``tok``."""
    if kind == "raising":
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        comp = [c for c in tok.rights if c.dep_ in ("xcomp", "acomp", "attr", "ccomp")]
        if subj is None or not comp:
            return None
        return [_tok_span(ctx, subj.left_edge.i, comp[-1].right_edge.i)]
    if kind == "belief" and _lemma(tok) == "expect" and any(c.dep_ == "nsubjpass" for c in tok.children):
        return _complement(ctx, tok, "raising")
    comps = [ch for ch in tok.children if ch.dep_ == "ccomp"]
    if comps and comps[-1].i > tok.i:
        # "said that he … — a controversial proposal he …": all the complements after the cue
        first = next(c for c in comps if c.i > tok.i)
        return [_tok_span(ctx, first.left_edge.i, comps[-1].right_edge.i)]
    # "…, another source said." (the parser often hangs only the last clause on the cue)
    parts = _final_cue_parts(ctx, tok)
    if parts is not None:
        return parts
    if comps:
        return [_tok_span(ctx, comps[0].left_edge.i, comps[0].right_edge.i)]
    if _lemma(tok) in _CLAUSE_ONLY:
        return None
    comps = []
    for ch in tok.rights:
        dep = ch.dep_
        if dep in _COMP_DEPS:
            comps.append(ch)
        elif dep == "prep" and ch.lower_ in _COMP_PREPS:
            obj = next((g for g in ch.children if g.dep_ in ("pobj", "pcomp")), None)
            if obj is not None and obj.ent_type_ not in _TIME_ENTS:
                comps.append(ch)
        elif dep == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("if", "whether") for g in ch.children):
            comps.append(ch)
    if not comps:
        # said on Friday during a news conference that …  (clause attached lower down); not in a degenerate
        # parse whose cue spans hundreds of tokens (a scan per cue there is quadratic in the text)
        if tok.right_edge.i - tok.left_edge.i > _MAX_SUBTREE_SCAN:
            return None
        for t in tok.subtree:
            if t.i > tok.i and t.dep_ == "mark" and t.lower_ == "that" and t.head.i > t.i:
                return [_tok_span(ctx, t.i, t.head.right_edge.i)]
        return None
    lo = min(c.left_edge.i for c in comps)
    hi = max(c.right_edge.i for c in comps)
    return [_tok_span(ctx, lo, hi)]


def _indirect(ctx: _Ctx) -> list[Quote]:
    doc, text = ctx.doc, ctx.text
    out: list[Quote] = []
    for tok in doc:
        if ctx.in_seg[tok.i] or tok.pos_ not in ("VERB", "ADJ"):
            continue
        lemma = _lemma(tok)
        kind = _CUE_TYPE.get(lemma) or ("speech" if _phrasal(tok) else None) if tok.pos_ == "VERB" else None
        if kind is None and _stance_that(tok):
            kind = "belief"
        parts = _as_clause(ctx, tok) if kind == "speech" or lemma == "put" else None
        if parts is not None:
            kind = "speech"
        elif kind is None:
            continue
        else:
            parts = _complement(ctx, tok, kind)
        if not parts:
            continue
        if any(c.dep_ == "neg" for c in tok.children):
            continue  # "Beijing has not condemned X", "he never said that …": nothing is attributed
        ps, pe = ctx.paras[ctx.para(tok.idx)]  # content stays in the cue's paragraph
        parts = [_trim(text, max(s, ps), min(e, pe)) for s, e in parts]
        parts = [(s, e) for s, e in parts if e > s]
        if not parts:
            continue
        attributed = [q for q in ctx.cue_of.get(tok.i, ()) if q.kind == "direct"]
        if attributed and any(q.start < e and s < q.end for q in attributed for s, e in parts):
            continue  # the clause is the direct quote already attributed to this cue
        speaker = _speaker_of(tok) if kind != "raising" else _raising_speaker(tok)
        if all(_direct_cover(ctx, s, e) for s, e in parts):
            if kind in ("speech", "belief") and speaker is not None:
                _lend_cue(ctx, tok, speaker, parts, kind)
            continue
        if speaker is None and kind in ("belief", "evidence"):
            if not (lemma == "expect" and any(c.dep_ == "nsubjpass" for c in tok.children)):
                continue
        group = f"i{tok.i}" if len(parts) > 1 else None
        for k, (s, e) in enumerate(parts):
            q = Quote(s, e, text[s:e], "indirect")
            _set_cue(q, text, *_cue_span(tok))
            q.attrs["cue_type"] = kind
            if group is not None:
                q.attrs["group"], q.attrs["part"] = group, k
            _set_speaker(ctx, q, speaker, tok)
            ctx.cue_of.setdefault(tok.i, []).append(q)
            out.append(q)
    return out


def _stance_that(tok: Any) -> bool:
    """A verb or adjective outside the lexicon with a ``that`` clause and a person or group as its
    subject states that person's stance (``made clear that``, ``were frustrated that``, ``fired
    back that``); not ``so … that`` / ``such … that`` (result clauses)."""
    if _lemma(tok) in _NOT_TAGS or _lemma(tok) in ("be",):
        return False
    comp = next((c for c in tok.children if c.dep_ == "ccomp" and c.i > tok.i), None)
    if comp is None or not any(g.dep_ == "mark" and g.lower_ == "that" for g in comp.children):
        return False
    if any(c.lower_ in ("so", "such") for c in tok.children):
        return False
    subj = _speaker_of(tok)
    return subj is not None and (subj.pos_ in ("PROPN", "PRON", "NOUN") or subj.ent_type_ in ("PERSON", "ORG", "NORP", "GPE")) and subj.lower_ not in ("it", "this", "that", "there")


def _raising_speaker(tok: Any) -> Any | None:
    """Whose view a ``seem``/``appear`` clause reports: the experiencer (``seemed credible to the
    public``), else the subject when the clause is its own attribution (``Rubio seemed to urge …``,
    ``he seems to feel …``) — not when it only describes it (``The plan seems doomed``)."""
    for ch in tok.children:
        if ch.dep_ == "prep" and ch.lower_ == "to":
            obj = next((g for g in ch.children if g.dep_ == "pobj"), None)
            if obj is not None and obj.pos_ in ("PROPN", "NOUN", "PRON"):
                return obj
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    if subj is None or subj.lower_ in ("it", "there", "this", "that") or subj.pos_ not in ("PROPN", "NOUN", "PRON"):
        return None
    comp = next((c for c in tok.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
    if comp is None or _lemma(comp) not in _CUE_TYPE:
        return None
    return subj


def _as_clause(ctx: _Ctx, tok: Any) -> list[tuple[int, int]] | None:
    """``As The Hill reported, …`` / ``…, as she said at the outset`` / ``As X put it, …``: a
    speech verb in an ``as`` clause without a complement of its own attributes the clause it is
    attached to (the rest of the sentence, see :func:`_clause_around`)."""
    if not any(c.dep_ == "mark" and c.lower_ == "as" and c.i < tok.i for c in tok.children):
        return None
    if any(c.dep_ in ("ccomp", "xcomp") for c in tok.children):
        return None  # "as he said he would": a complement of its own
    if _lemma(tok) == "put" and not any(c.dep_ == "dobj" and c.lower_ == "it" for c in tok.children):
        return None
    sa, sb = ctx.sent(tok.i)
    lo = max(sa, min(c.i for c in tok.children if c.dep_ == "mark"))
    hi = tok.i
    doc = ctx.doc
    while hi + 1 < sb and doc[hi + 1].text not in (",", "—", "–", "--", ".", ";", ":", "?", "!") and not doc[hi + 1].is_quote:
        hi += 1
        if hi - lo > 25:
            return None  # no short "as X said" phrase
    if ctx.in_seg[lo]:
        return None
    spans = _clause_around(ctx, lo, hi)
    if spans is None:
        return None
    return [_tok_span(ctx, s_tok, e_tok - 1) for s_tok, e_tok in spans]


def _lend_cue(ctx: _Ctx, cue: Any, speaker: Any, parts: list[tuple[int, int]], kind: str) -> None:
    """A reported clause that is (mostly) a quotation (``told supporters that “we close one
    chapter …”``): the quotes inside it without a cue of their own get this cue and speaker."""
    for s, e in parts:
        k = bisect.bisect_left(ctx.marked_starts, s - 1)
        while k < len(ctx.marked) and ctx.marked[k].start <= e:
            q = ctx.marked[k]
            k += 1
            if q.cue is not None or q.end > e + 2:
                continue
            _set_cue(q, ctx.text, *_cue_span(cue))
            q.attrs["cue_type"] = kind
            q.attrs.pop("reason", None)
            _set_speaker(ctx, q, speaker, cue)
            ctx.cue_of.setdefault(cue.i, []).append(q)


def _headline_colon(ctx: _Ctx, marked: list[Quote]) -> list[Quote]:
    """A short paragraph ``Name: what they said`` (headline style: ``Lynch: No outside influence on
    FBI probe``, ``Trump: ‘I’m the Worst Thing …’``): the name is the speaker, the colon the cue."""
    doc, text = ctx.doc, ctx.text
    out: list[Quote] = []
    for ps, pe in ctx.paras:
        if pe - ps > 400:
            continue
        m = _HEADLINE_RE.match(text, ps, pe)
        if m is None or m.group(1).strip().lower() in _LABELS:
            continue
        colon = m.end(1)
        a, b = ctx.toks(ps, colon)
        label = doc[a:b]
        # a name or a source noun: title-case words (the tagger often misreads a lone "Trump:")
        if not (1 <= len(label) <= 6) or any(
            t.like_num or (t.pos_ in ("VERB", "AUX") and not t.is_title) for t in label
        ):
            continue
        names = [t for t in label if t.pos_ == "PROPN" or t.is_title or t.lemma_.lower() in _SOURCE_NOUNS]
        # "Clinton to Planned Parenthood:", "CNN President On Trump:": the speaker comes before
        cut = next((t.i for t in label if t.lower_ in _HEADLINE_PREPS and t.i > label.start), None)
        if cut is not None:
            names = [t for t in names if t.i < cut]
        if not names:
            continue
        speaker = names[-1]
        cs, ce = _trim(text, colon + 1, pe)
        if ce - cs < 3:
            continue
        inside = [q for q in marked if cs <= q.start and q.end <= ce]
        for q in inside:
            if q.speaker_start is None:
                _set_cue(q, text, colon, colon + 1)
                q.attrs["cue_type"] = "colon"
                q.attrs.pop("reason", None)
                _set_speaker(ctx, q, speaker)
        if len(inside) == 1 and inside[0].start <= cs + 1 and inside[0].end >= ce - 1:
            continue  # the content is that quote
        q = Quote(cs, ce, text[cs:ce], "indirect")
        _set_cue(q, text, colon, colon + 1)
        q.attrs["cue_type"] = "colon"
        _set_speaker(ctx, q, speaker)
        out.append(q)
    return out


def _drop_nested(indirect: list[Quote], marked: list[Quote]) -> list[Quote]:
    """Belief/evidence attributions inside someone's reported words are part of those words
    (``Putin said the election showed …``): drop them."""
    speech = sorted(
        (q.start, q.end) for q in indirect + marked
        if q.speaker_start is not None and q.attrs.get("cue_type") == "speech"
    )
    starts = [a for a, _ in speech]
    reach = []  # reach[k]: the furthest end among speech spans 0..k (they are sorted by start)
    far = -1
    for _, e in speech:
        far = max(far, e)
        reach.append(far)
    out = []
    for q in indirect:
        c = q.cue_start
        if c is not None and q.attrs.get("cue_type") in ("belief", "evidence"):
            k = bisect.bisect_right(starts, c) - 1
            if k >= 0 and reach[k] > c:
                continue
        out.append(q)
    return out


def _clause_around(ctx: _Ctx, lo: int, hi: int) -> list[tuple[int, int]] | None:
    """Token ranges of the rest of the sentence around a phrase ``[lo, hi]``: after it when it opens
    the sentence, before it when it closes it; in the middle (``X did Y, according to Z, even as
    …``) the clause before it when that has a finite verb, else both sides (``The plan, according
    to Z, was wrong``)."""
    sa, sb = ctx.sent(lo)
    doc = ctx.doc
    if lo - sa <= 1:
        s_tok, e_tok = hi + 1, sb
    elif hi >= sb - 2:
        s_tok, e_tok = sa, lo
    elif doc[lo - 1].text in (",", "—", "–", "(") and lo - sa >= 3:
        if any(doc[j].tag_ in _FINITE for j in range(sa, lo)):
            s_tok, e_tok = sa, lo
        else:
            return [(sa, lo), (hi + 1, sb)]
    else:
        return None
    return [(s_tok, e_tok)] if e_tok > s_tok else None


def _source_phrases(ctx: _Ctx) -> list[Quote]:
    """``according to X, …`` and ``In a new poll, …``: the clause is X's unless it is X's report of
    someone else's words (``“…,” Putin said, according to the Kremlin``: a channel, see
    :func:`_channels`)."""
    doc, text = ctx.doc, ctx.text
    out: list[Quote] = []
    for tok in doc:
        if ctx.in_seg[tok.i]:
            continue
        obj = None
        if tok.lower_ == "according":
            obj = _according(tok)
            cue_end = tok.i + 1
            kind = "according_to"
        elif tok.lower_ == "in" and tok.dep_ == "prep":
            cue_end = tok.i
            kind = "source_phrase"
            obj = next((g for g in tok.children if g.dep_ == "pobj"), None)
            if obj is None or obj.lemma_.lower() not in _SOURCE_NOUNS:
                obj = None
        if obj is None:
            continue
        spans = _clause_around(ctx, tok.i, obj.right_edge.i)
        if spans is None:
            continue
        inner = [q for s_tok, e_tok in spans for i in range(s_tok, e_tok) for q in ctx.cue_of.get(i, ())]
        inner += ctx.cue_of.get(tok.head.i, [])
        if any(_named_speaker(ctx, q) and _says(ctx, q) for q in inner):
            continue  # “…,” Putin said, according to the Kremlin: a channel (see _channels)
        poll = obj.lemma_.lower() in _POLL_NOUNS
        if kind == "source_phrase" and (
            tok.i - ctx.sent(tok.i)[0] > 1
            or inner and (not poll or any(_named_speaker(ctx, q) for q in inner))
            or not poll and any(c.dep_ in _SUBJ and c.pos_ in ("PROPN", "PRON") for c in tok.head.children)
        ):
            continue  # "In an interview, X told …" / "… in a letter": a medium, not the source
        if all(ctx.in_direct[i] for s_tok, e_tok in spans for i in range(s_tok, e_tok)):
            continue
        parts = [_tok_span(ctx, s_tok, e_tok - 1) for s_tok, e_tok in spans]
        parts = [(s, e) for s, e in parts if e - s >= 3]
        for k, (s, e) in enumerate(parts):
            q = Quote(s, e, text[s:e], "indirect")
            _set_cue(q, text, tok.idx, doc[cue_end].idx + len(doc[cue_end]))
            q.attrs["cue_type"] = kind
            if len(parts) > 1:
                q.attrs["group"], q.attrs["part"] = f"a{tok.i}", k
            _set_speaker(ctx, q, obj)
            out.append(q)
    return out


def _nominal_cues(ctx: _Ctx) -> list[Quote]:
    """``his claim that the vote was rigged``, ``Trump's proposal to ban …``, ``her vow to fight
    on``: a noun of saying or stance (data/quote_cues.toml) with a possessor — the speaker — and a
    ``that``/``to`` clause — the content."""
    doc, text = ctx.doc, ctx.text
    out: list[Quote] = []
    for tok in doc:
        if tok.pos_ != "NOUN" or ctx.in_seg[tok.i]:
            continue
        kind = _NOMINAL_CUES.get(_lemma(tok))
        if kind is None:
            continue
        poss = next((c for c in tok.children if c.dep_ == "poss" and c.i < tok.i), None)
        if poss is None or poss.pos_ not in ("PROPN", "PRON", "NOUN") or poss.lower_ in ("its",):
            continue
        comp = next((c for c in tok.rights if c.dep_ in ("acl", "ccomp", "relcl") and any(
            g.dep_ in ("mark", "aux") and g.lower_ in ("that", "to") and g.i < c.i for g in c.children)), None)
        if comp is None:
            continue  # ("his criticism of the deal": the object alone is rarely what was said)
        lo = min(g.i for g in comp.children if g.dep_ in ("mark", "aux") and g.lower_ in ("that", "to"))
        hi = comp.right_edge.i
        if hi - lo > 80 or ctx.para(doc[lo].idx) != ctx.para(tok.idx):
            continue
        s, e = _tok_span(ctx, lo, hi)
        if e - s < 3 or _direct_cover(ctx, s, e):
            continue
        q = Quote(s, e, text[s:e], "indirect")
        _set_cue(q, text, tok.idx, tok.idx + len(tok))
        q.attrs["cue_type"] = kind
        _set_speaker(ctx, q, poss)  # "his", as written (the speaker of the noun, not the clause subject)
        ctx.cue_of.setdefault(tok.i, []).append(q)
        out.append(q)
    return out


def _says(ctx: _Ctx, q: Quote) -> bool:
    """Is ``q``'s cue a colon or a verb of saying proper (not ``declined``, ``called for``)?"""
    if q.attrs.get("cue_type") == "colon":
        return True
    return q.cue_start is not None and _lemma(ctx.doc[ctx.tok_at(q.cue_start)]) in _SAY_VERBS


def _named_speaker(ctx: _Ctx, q: Quote) -> bool:
    """Is ``q`` a speech quote by a named speaker or a pronoun (not "51 percent of voters")?"""
    if q.speaker_start is None or q.speaker_end is None or q.attrs.get("cue_type") not in ("speech", "colon"):
        return False
    a, b = ctx.toks(q.speaker_start, q.speaker_end)
    if a >= b:
        return False
    root = ctx.doc[a:b].root
    return root.pos_ in ("PROPN", "PRON")


def _direct_cover(ctx: _Ctx, s: int, e: int) -> bool:
    """Are at least 60 % of the words of ``[s, e)`` inside direct quotes? Prefix sums over the tokens (built
    once, after the direct quotes are marked): a count per call was quadratic on a degenerate parse."""
    a, b = ctx.toks(s, e)
    if ctx.word_prefix is None:
        words, direct = [0], [0]
        for i in range(ctx.n):
            w = not ctx.doc[i].is_punct
            words.append(words[-1] + w)
            direct.append(direct[-1] + (w and ctx.in_direct[i]))
        ctx.word_prefix, ctx.direct_prefix = words, direct
    n_words = ctx.word_prefix[b] - ctx.word_prefix[a]
    return n_words > 0 and ctx.direct_prefix[b] - ctx.direct_prefix[a] >= 0.6 * n_words


def _final_cue_parts(ctx: _Ctx, cue: Any) -> list[tuple[int, int]] | None:
    """``…, sources said.`` / ``The plan, he said, was wrong.``: the content is the rest of the
    sentence around the cue clause (robust to the parser attaching the clause elsewhere)."""
    if not ctx.sents:
        return None
    doc, text = ctx.doc, ctx.text
    sa, sb = ctx.sent(cue.i)
    subj = next((c for c in cue.children if c.dep_ == "nsubj"), None)
    if subj is None and cue.i > sa and doc[cue.i - 1].text == "," and _lemma(cue) in _SAY_VERBS:
        subj = _inverted_subject(cue)  # "…, reported the Washington Examiner."
        if subj is not None and subj.pos_ != "PROPN":
            subj = None
    if subj is None or any(c.dep_ in _COMP_DEPS and c.i != subj.i for c in cue.children):
        return None
    lo = min(subj.left_edge.i, cue.i)
    hi = cue.i
    for ch in cue.rights:
        if ch.dep_ in ("ccomp", "punct"):
            continue
        hi = max(hi, ch.right_edge.i)
    if subj.i > cue.i:
        hi = max(hi, subj.right_edge.i)
    if any(ch.dep_ == "ccomp" and ch.i > cue.i for ch in cue.children):
        return None
    if lo - sa >= 2 and doc[lo - 1].is_quote and doc[lo - 2].text == ",":
        lo -= 1  # "…could be termed “influence peddling,” The Washington Post reported"
    if lo - sa < 1 or doc[lo - 1].text not in (",", "—", "–", "--"):
        return None
    s1, e1 = _trim(text, doc[sa].idx, doc[lo - 1].idx)
    k = hi + 1
    while k < sb and doc[k].is_punct and doc[k].text not in (",", "—", "–"):
        k += 1
    if k >= sb or all(doc[j].is_punct or doc[j].is_space for j in range(k, sb)):
        # "…, sources said." — the part before the comma must be a clause
        # ("After meeting with Xi, Lukashenko concluded …" is none)
        if lo - sa < 3 or not any(doc[j].tag_ in _FINITE for j in range(sa, lo - 1)):
            return None
        parts = [(s1, e1)]
    elif doc[k].text in (",", "—", "–"):
        # "The plan, he said, was wrong." — the clause runs around the cue
        if not any(doc[j].tag_ in _FINITE for j in range(sa, sb) if not (lo <= j <= hi)):
            return None
        last = doc[sb - 1]
        s2, e2 = _trim(text, doc[k].idx + 1, last.idx + len(last))
        parts = [(s1, e1)] + ([(s2, e2)] if e2 > s2 else [])
    else:
        return None
    return [(s, e) for s, e in parts if e > s]


def _channels(ctx: _Ctx, quotes: list[Quote]) -> None:
    doc, text = ctx.doc, ctx.text
    cue_of = ctx.cue_of
    for tok in doc:
        if tok.lower_ != "according":
            continue
        obj = _according(tok)
        if obj is None:
            continue
        targets = cue_of.get(tok.head.i)
        if not targets and ctx.sents:
            sa, sb = ctx.sent(tok.i)
            if tok.i - sa <= 1 or obj.right_edge.i >= sb - 2:
                targets = [q for i in range(sa, sb) for q in cue_of.get(i, []) if q.speaker_start is not None]
        if not targets:
            continue
        s, e = tok.idx, obj.right_edge.idx + len(obj.right_edge)
        for q in targets:
            if q.channel is None:
                q.channel_start, q.channel_end, q.channel = s, e, text[s:e]
    # X reported / X quoted: the medium is the channel (and the speaker unless the content has its own)
    ordered = sorted(quotes, key=lambda q: q.start)
    order_starts = [q.start for q in ordered]
    for i, qs in list(cue_of.items()):
        if _lemma(doc[i]) not in _CHANNEL_VERBS:
            continue
        for q in qs:
            if q.speaker_start is None or q.cue_start is None or q.cue_end is None:
                continue
            s, e = min(q.speaker_start, q.cue_start), max(q.speaker_end or 0, q.cue_end)
            k = bisect.bisect_left(order_starts, q.start)
            while k < len(ordered) and ordered[k].start < q.end:
                o = ordered[k]
                k += 1
                if o is not q and o.speaker_start is not None and o.end <= q.end and o.channel is None:
                    o.channel_start, o.channel_end, o.channel = s, e, text[s:e]
            if q.channel is None:
                q.channel_start, q.channel_end, q.channel = s, e, text[s:e]


def _follows(ctx: _Ctx, last: Quote, q: Quote) -> bool:
    """Does quote ``q`` come right after ``last`` and its cue clause (same sentence, or the next
    sentence with at most a connective like ``But`` before it, within the next paragraph)?"""
    text = ctx.text
    anchor = max(last.end, last.cue_end or 0, last.speaker_end or 0, last.channel_end or 0)
    if anchor > q.start:
        return False
    gap = text[anchor : q.start]
    if gap.count("\n") > 2 or _MARK_RE.search(gap):
        return False
    if not ctx.sents:
        return _GAP_RE.fullmatch(gap) is not None
    doc = ctx.doc
    ta, tq = ctx.tok_at(max(anchor - 1, 0)), ctx.tok_at(q.start)
    sa, sq = ctx.sent_of[ta], ctx.sent_of[tq]
    if sa == sq:
        return True
    se = ctx.sents[sa][1]
    words = [t for t in doc[se:tq] if not (t.is_space or t.is_punct)]
    if len(words) > 2 or any(t.pos_ not in ("CCONJ", "ADV", "INTJ") for t in words):
        return False
    # the tail of the cue sentence ("… he said at the meeting on Monday.") is no other statement
    return True


def _inherit(ctx: _Ctx, quotes: list[Quote]) -> None:
    """A direct quote with no cue right after a quote with a speaker takes that speaker."""
    last: Quote | None = None
    for q in sorted(quotes, key=lambda q: q.start):
        if q.kind != "direct":
            if (
                q.kind == "indirect" and q.speaker_start is not None and q.attrs.get("cue_type") in ("speech", "colon")
                and (last is None or q.end > max(last.end, last.cue_end or 0))
            ):
                last = q  # "…, consultant Phil Musser says. “Several surveys …”"
            continue
        if q.speaker_start is None and last is not None and _follows(ctx, last, q):
            q.speaker_start, q.speaker_end, q.speaker_text = last.speaker_start, last.speaker_end, last.speaker_text
            q.cue, q.cue_start, q.cue_end = last.cue, last.cue_start, last.cue_end
            q.channel, q.channel_start, q.channel_end = last.channel, last.channel_start, last.channel_end
            q.attrs["reason"] = "speaker_inherited"
            q.attrs["cue_type"] = last.attrs.get("cue_type")
        if q.speaker_start is not None:
            last = q

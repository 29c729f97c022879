"""No regular expression in storyline takes super-linear time on adversarial text.

Two kinds of checks, each at two sizes (n and 4n) on long runs of quotes, brackets, blanks,
repeated punctuation, repeated words and digits (plus the attack strings a ReDoS checker found
for patterns fixed here):

* every compiled pattern the regex-heavy modules hold (module globals, class attributes, the
  rule/lexicon patterns built from data files), used the way the code uses it: a pattern the code
  only ever ``match``es at a position is timed with one ``match``; any other pattern with a full
  ``finditer`` scan (the worst case of ``search``/``findall``/``sub``/``split``);
* the regex-heavy public entry points on whole documents (text cleaner, HTML cleaner, header and
  date parsing, time expressions, quotes, actor resolution, the event coder, story text helpers),
  including a 1 MB single line.

Linear means ``t(4n) <= 8 * t(n) + epsilon`` (a quadratic pattern gives 16x) and absolute times
stay small. Timing is the minimum of a few repeats, re-measured before a failure is reported.
Every measurement runs under :func:`storyline.limits.time_limit`, so a catastrophic pattern fails
the test instead of hanging it.
"""

from __future__ import annotations

import importlib
import inspect
import re
import time
from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest

from storyline.limits import DocTimeout, time_limit

# ----------------------------------------------------------------------------------------- inputs
UNITS = ['"', "“”", "'", "‘’", "«»", "„", "(", ")", "(((", "[[[", "[", "]", "{", "<", " ", "\t", "\n", " \n",
         "\n\n ", "\xa0", "!", "!!!!", ".", "....", "-", "----", ":", ",", ";", "—", "…", "?!", "*", "#", "_", "=", "|",
         "/", "\\", "a a ", "a", "A ", "Ab ", "AB ", "A.", "A. ", "the ", "of ", "its ", "last ", "next ", "said ",
         "Mr. ", '" said ', ": ", " - ", ":-", "1", "1 ", "12:", "1-", "1.", "1,", "2024 ", "Jan. ", "JV,\n",
         "nine-hundred-forty ", "two-forty ", "<style", "<script>", "<a ", "{\"", "http://", "x"]
# (prefix, repeated unit, suffix) attack strings found by a ReDoS checker (recheck) for patterns fixed here
ATTACKS = [("s", "<style\x00c", ""), ("", "\t", "\t-|"), ("", "{", ""), ("", "\t\t", "::\x00"),
           ("next\t", "last ", "x"), ("its ", " ", "x"), ("the\tpast ", "nine-hundred-forty ", "odd \x00"),
           ("0\t", "\t", "s"), ("\t", "\t", "n"), (",", "\t", ","), ("", "the ", "%"), ("OF,\n", "JV,\n", "s"),
           ("", "\n", "!"), ("!", '"', "\n"), ("", "<script>", ""), ("Minsk, ", "A ", "(Reuters)")]


def hostile(n: int) -> dict[str, str]:
    """About ``n`` characters of each adversarial run; each also with a tail that makes matches fail late."""
    out: dict[str, str] = {}
    for u in UNITS:
        s = (u * (n // len(u) + 1))[:n]
        out[repr(u)] = s
        out[repr(u) + "+fail"] = s + "x\x00"
        out[repr(u) + "+line"] = s + "\n!x"
    for p, u, x in ATTACKS:
        out[repr((p, u, x))] = p + (u * (n // len(u) + 1))[:n] + x
    return out


# ----------------------------------------------------------------------------------------- timing
def _time(fn: Callable[[], object], cap: float, repeat: int = 2) -> float:
    """Best wall time of ``fn`` over ``repeat`` runs; ``cap`` (and a failed test) if it runs past ``cap`` s."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            with time_limit(cap):
                fn()
        except DocTimeout:
            return cap
        best = min(best, time.perf_counter() - t0)
    return best


def scales_linearly(fn: Callable[[str], object], small: str, large: str, *, cap: float = 2.0,
                    eps: float = 0.004, attempts: int = 3) -> tuple[bool, float, float]:
    """``(ok, t_small, t_large)``: ``t(large) <= 8 * t(small) + eps`` (``large`` is 4x ``small``), re-measured
    up to ``attempts`` times before giving up (a loaded machine makes single timings noisy)."""
    a = b = 0.0
    for i in range(attempts):
        a = _time(lambda: fn(small), cap, repeat=2 + i)
        b = _time(lambda: fn(large), cap, repeat=2 + i)
        if b < cap and b <= 8 * a + eps:
            return True, a, b
    return False, a, b


# ----------------------------------------------------------------------------------------- patterns
MODULES = [
    "storyline.clean.text", "storyline.clean.header", "storyline.clean.html", "storyline.clean.model",
    "storyline.facts.time", "storyline.facts.quotes", "storyline.facts.actors", "storyline.facts.stage",
    "storyline.events.coder", "storyline.events.llm", "storyline.stories.cluster", "storyline.stories.compare",
    "storyline.stories.brief", "storyline.stories.framing", "storyline.stories.inputs", "storyline.ingest.decode",
    "storyline.ingest.jsonl", "storyline.ingest.warc", "storyline.ingest.text", "storyline.web.app",
    "storyline.web.queries", "storyline.web.render", "storyline.nlp", "storyline.dedup", "storyline.api",
]
_SCAN_METHODS = {"search", "finditer", "findall", "sub", "subn", "split"}
_ANCHORED_METHODS = {"match", "fullmatch"}

# Patterns the code applies only to a short window of the text (the window is cut before the regex
# sees it), with that window's size: they are timed on inputs of that size, not on long runs.
WINDOWED: dict[str, int] = {
    # before = text[max(0, s - 30): s] and the like (facts/time.py _bad_* filters)
    "storyline.facts.time._COUNT_BEFORE": 40,
    "storyline.facts.time._MONEY_BEFORE": 40,
    "storyline.facts.time._QTY_BEFORE": 40,
    "storyline.facts.time._YEAR_PREP_BEFORE": 40,
    "storyline.facts.time._PRE_QUANT": 40,
    "storyline.facts.time._PRE_PART": 40,
}


def _mode(module: object, name: str) -> str:
    """How the module uses its pattern ``name``: "anchored" if only ``.match``/``.fullmatch``, else "scan"."""
    try:
        src = inspect.getsource(module)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return "scan"
    methods = set(re.findall(rf"(?<![\w.]){re.escape(name)}\.(\w+)\(", src))
    refs = len(re.findall(rf"(?<![\w.]){re.escape(name)}(?!\w)", src))
    if methods and methods <= _ANCHORED_METHODS and refs == 1 + sum(
            len(re.findall(rf"(?<![\w.]){re.escape(name)}\.{m}\(", src)) for m in methods):
        return "anchored"  # defined once, used only through .match/.fullmatch
    return "scan"


def _data_patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """Patterns compiled at run time from the bundled data files."""
    from storyline.clean import header, text
    from storyline.stories import framing

    comp = text._compiled()
    yield "storyline.clean.text._compiled().line_pattern", comp.line_pattern
    for k, rule, page in comp.others:
        yield f"storyline.clean.text.rule[{rule.name}].page", page
    for rule in text.load_rules():
        yield f"storyline.clean.text.rule[{rule.name}]", rule.pattern
        for attr in ("start", "end"):
            p = getattr(rule, attr, None)
            if isinstance(p, re.Pattern):
                yield f"storyline.clean.text.rule[{rule.name}].{attr}", p
    yield "storyline.clean.header._outlet_name_pattern()", header._outlet_name_pattern()
    for term in framing.load_lexicon():
        yield f"storyline.stories.framing.term[{term.label}]", term.regex


@lru_cache(maxsize=1)
def all_patterns() -> list[tuple[str, re.Pattern[str], str]]:
    """``(qualified name, pattern, mode)`` for every pattern of :data:`MODULES` and the data files."""
    out: list[tuple[str, re.Pattern[str], str]] = []
    seen: set[tuple[object, int]] = set()

    def add(qual: str, pat: re.Pattern[str], mode: str) -> None:
        key = (pat.pattern, pat.flags)
        if key not in seen and isinstance(pat.pattern, str):
            seen.add(key)
            out.append((qual, pat, mode))

    for modname in MODULES:
        mod = importlib.import_module(modname)
        for name, value in vars(mod).items():
            if isinstance(value, re.Pattern):
                add(f"{modname}.{name}", value, _mode(mod, name))
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, re.Pattern):
                        add(f"{modname}.{name}[{i}]", item, "scan")
                    elif isinstance(item, tuple):
                        for x in item:
                            if isinstance(x, re.Pattern):
                                add(f"{modname}.{name}[{i}]", x, "scan")
            elif isinstance(value, type) and value.__module__ == modname:
                for attr, v in vars(value).items():
                    if isinstance(v, re.Pattern):
                        add(f"{modname}.{name}.{attr}", v, "scan")
    for qual, pat in _data_patterns():
        add(qual, pat, "scan")
    return out


def _runner(pat: re.Pattern[str], mode: str) -> Callable[[str], object]:
    if mode == "anchored":
        return pat.match
    return lambda s: sum(1 for _ in pat.finditer(s))


def pattern_offenders(n: int = 1000, names: set[str] | None = None) -> list[str]:
    """The patterns that do not scale linearly (or run past 0.25 s at 4n) on some adversarial input."""
    small, large = hostile(n), hostile(4 * n)
    bad = []
    for qual, pat, mode in all_patterns():
        if names is not None and qual not in names:
            continue
        run = _runner(pat, mode)
        if qual in WINDOWED:
            w = WINDOWED[qual]
            worst = max(_time(lambda: run(s[-w:]), 0.5) for s in large.values())
            if worst > 0.01:
                bad.append(f"{qual} (window {w}): {worst * 1000:.1f} ms")
            continue
        for key, s in small.items():
            a = _time(lambda: run(s), 0.5, repeat=1)
            b = _time(lambda: run(large[key]), 1.0, repeat=1)
            if b <= 8 * a + 0.002 and b < 0.1:  # linear at first sight: the common case, one run each
                continue
            ok, a, b = scales_linearly(run, s, large[key], cap=1.0)
            if not ok or b > 0.25:
                bad.append(f"{qual} [{mode}] on {key}: {a * 1000:.2f} ms -> {b * 1000:.2f} ms")
                break
    return bad


def test_patterns_are_collected() -> None:
    """The collector finds the patterns of every regex-heavy module (a refactor must not hide them)."""
    quals = [q for q, _, _ in all_patterns()]
    assert len(quals) >= 120
    for mod in ("clean.text", "clean.header", "clean.html", "facts.time", "facts.quotes", "facts.actors",
                "events.coder", "stories.cluster", "ingest.warc", "stories.framing.term"):
        assert any(q.startswith(f"storyline.{mod}") for q in quals), mod
    assert set(WINDOWED) <= set(quals)  # a renamed windowed pattern must be re-declared, not silently skipped
    modes = dict((q, m) for q, _, m in all_patterns())
    assert modes["storyline.facts.actors._INST_RE"] == "anchored"  # only ever .match(text, pos)
    assert modes["storyline.facts.time._P_DURATION"] == "scan"


def test_every_pattern_is_linear_on_adversarial_text() -> None:
    offenders = pattern_offenders(1000)
    assert not offenders, "\n".join(offenders)


def test_timing_check_catches_a_quadratic_pattern() -> None:
    """The check itself: a textbook quadratic scan fails it, its linear rewrite passes."""
    quadratic = re.compile(r"\s+$")  # finditer: every start in a run of blanks scans to its end
    linear = re.compile(r"(?<!\s)\s+$")
    small, large = " " * 2000 + "x", " " * 8000 + "x"
    assert not scales_linearly(_runner(quadratic, "scan"), small, large, cap=1.0)[0]
    assert scales_linearly(_runner(linear, "scan"), small, large, cap=1.0)[0]


# ----------------------------------------------------------------------------------------- entry points
def _entry_points() -> dict[str, Callable[[str], object]]:
    import datetime as dt

    from storyline.clean import header
    from storyline.clean.html import extract_html
    from storyline.clean.text import clean_text
    from storyline.facts.stage import looks_english
    from storyline.facts.time import find_timexes, resolve_publication
    from storyline.nlp import chunks
    from storyline.stories import cluster, compare, framing

    day = dt.date(2024, 5, 1)

    def header_line(s: str) -> object:
        return (header.date_line_value(s), header.url_line_value(s), header.byline_value(s),
                header.is_person_name(s), header.find_outlet_name(s), header.looks_like_title(s),
                header.normalise_date(s))

    def html(s: str) -> object:
        return extract_html(f"<html><head><title>{s[:3000]}</title></head><body><article><h1>{s[:200]}</h1>"
                            f"<p>{s}</p><p>{s[::-1]}</p></article></body></html>")

    return {
        "clean_text": lambda s: clean_text(s),
        "clean_markdown": lambda s: clean_text(s, fmt="markdown"),
        "clean_text_lines": lambda s: clean_text((s[:200] + "\n") * (len(s) // 200)),  # many short lines
        "extract_html": html,
        "header_line": header_line,
        "find_timexes": lambda s: find_timexes(s, day),
        "resolve_publication": lambda s: resolve_publication(None, None, s),
        "looks_english": looks_english,
        "nlp_chunks": lambda s: chunks(s, 1000),
        "story_sentences": compare.sentences,
        "story_features": lambda s: cluster.features(cluster.StoryDoc(id="x", text=s, title=s[:300])),
        "framing_terms": lambda s: framing.article_terms(s, []),
    }


ENTRY_NAMES = sorted(_entry_points())


@pytest.mark.parametrize("name", ENTRY_NAMES)
def test_entry_point_is_linear_on_adversarial_text(name: str) -> None:
    fn = _entry_points()[name]
    n = 1000 if name == "extract_html" else 2000
    small, large = hostile(n), hostile(4 * n)
    fn(small[repr('"')])  # warm caches (rule compilation, lexicons)
    bad = []
    for key, s in small.items():
        a = _time(lambda: fn(s), 2.0, repeat=1)
        b = _time(lambda: fn(large[key]), 8.0, repeat=1)
        if b <= 8 * a + 0.005 and b < 0.5:
            continue
        ok, a, b = scales_linearly(fn, s, large[key], cap=8.0, eps=0.005)
        if not ok or b > 1.0:
            bad.append(f"{name} on {key}: {a * 1000:.1f} ms -> {b * 1000:.1f} ms")
    assert not bad, "\n".join(bad)


MB = 1 << 20
MB_UNITS = ["(", '"', " ", "1.", "a a ", "!", "“”", ":"]
MB_CASES = [(name, u) for name in ("clean_text", "find_timexes", "story_sentences", "story_features", "header_line",
                                   "looks_english", "nlp_chunks") for u in MB_UNITS]
MB_CASES += [("extract_html", u) for u in ("(", "<")] + [("framing_terms", u) for u in ("(", "a a ")]
MB_CASES += [("clean_markdown", u) for u in ("[[[", "*", "#")] + [("resolve_publication", u) for u in ("1.", " ")]


@pytest.mark.parametrize(("name", "unit"), MB_CASES)
def test_entry_point_on_a_1mb_single_line(name: str, unit: str) -> None:
    """One megabyte on one line: seconds at most (a quadratic pattern would take hours)."""
    s = (unit * (MB // len(unit) + 1))[:MB]
    fn = _entry_points()[name]
    took = _time(lambda: fn(s), 20.0, repeat=1)
    assert took < 15.0, f"{name} on 1 MB of {unit!r}: {took:.1f} s"


# spaCy-dependent extractors: the documents are built from words (spaCy's own tokenizer is quadratic on long
# runs of punctuation, a cost the facts stage bounds with its per-article time limit, not a regex of ours)
TOKEN_UNITS = [['"'], ["“", "”"], ["(", "(", "("], ["!"], ["a"], ['"', "said"], ["Mr.", "Smith", "said", ":"],
               ["The"], ["1."], ["he", "said", "that"]]


@lru_cache(maxsize=1)
def _spacy_docs() -> list[tuple[str, object, object]]:
    from spacy.tokens import Doc

    from storyline.nlp import load_nlp

    nlp = load_nlp()

    def doc(unit: list[str], n: int) -> object:
        words = (unit * (n // len(unit) + 1))[:n]
        return nlp(Doc(nlp.vocab, words=words, spaces=[len(w) > 1 or w.isalnum() for w in words]))

    return [(" ".join(u), doc(u, 800), doc(u, 3200)) for u in TOKEN_UNITS]


def test_facts_extractors_are_linear_on_adversarial_docs() -> None:
    import datetime as dt

    from storyline.events.coder import RuleCoder
    from storyline.facts.actors import Registry, resolve_mentions
    from storyline.facts.quotes import find_quotes
    from storyline.facts.time import find_timexes

    day = dt.date(2024, 5, 1)
    registry, coder = Registry.bundled(), RuleCoder()

    def everything(doc: object) -> object:
        mentions = resolve_mentions(doc, registry, day)[0]
        timexes = find_timexes(doc.text, day, doc)  # type: ignore[attr-defined]
        quotes = find_quotes(doc)
        return coder.code(doc, mentions, timexes, quotes, day)

    fns = {"quotes": find_quotes, "actors": lambda d: resolve_mentions(d, registry, day), "all": everything}
    bad = []
    for key, small, large in _spacy_docs():
        for name, fn in fns.items():
            ok, a, b = scales_linearly(fn, small, large, cap=8.0, eps=0.01)  # type: ignore[arg-type]
            if not ok or b > 2.0:
                bad.append(f"{name} on {key!r}: {a * 1000:.1f} ms -> {b * 1000:.1f} ms")
    assert not bad, "\n".join(bad)

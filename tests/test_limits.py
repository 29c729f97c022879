"""Per-document time and size limits: a document over one becomes a reject (or, in the facts stage, a
skipped analysis) with the stage and the reason, and the batch goes on; a run over a folder of hostile
files finishes with every file accounted for."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from storyline.clean import CleanStage
from storyline.engines.local import RunOptions, run
from storyline.errors import REJECT_REASONS
from storyline.facts import stage as facts_stage
from storyline.facts.stage import FACTS_REASONS, FactsStage
from storyline.limits import DocLimits, DocTimeout, check, time_limit, too_large
from storyline.model import Article, RawDoc, Reject
from storyline.pipeline import DocStage, Stats

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "belarus-china"


# ----------------------------------------------------------------------------------------- time_limit
def test_time_limit_interrupts_sleep_and_restores_the_timer():
    before = signal.getsignal(signal.SIGALRM)
    t0 = time.monotonic()
    with pytest.raises(DocTimeout) as info:
        with time_limit(0.2) as lim:
            time.sleep(5)
    assert info.value.limit is lim and info.value.seconds == 0.2
    assert 0.15 < time.monotonic() - t0 < 2
    assert signal.getsignal(signal.SIGALRM) == before  # the handler is given back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # and no timer is left armed


def test_time_limit_interrupts_a_catastrophic_regex():
    t0 = time.monotonic()
    with pytest.raises(DocTimeout):
        with time_limit(0.3):
            re.match(r"(a+)+$", "a" * 40 + "!")  # exponential backtracking: hours without the limit
    assert time.monotonic() - t0 < 3


def test_time_limit_nesting():
    # the inner limit runs out first: caught inside, the outer one still holds afterwards
    t0 = time.monotonic()
    with pytest.raises(DocTimeout) as outer_info:
        with time_limit(0.6) as outer:
            with pytest.raises(DocTimeout) as inner_info:
                with time_limit(0.1) as inner:
                    time.sleep(5)
            assert inner_info.value.limit is inner
            assert time.monotonic() - t0 < 0.5
            time.sleep(5)
    assert outer_info.value.limit is outer
    assert 0.5 < time.monotonic() - t0 < 3
    # an inner limit longer than the outer one does not extend it
    t0 = time.monotonic()
    with pytest.raises(DocTimeout) as info:
        with time_limit(0.2) as outer:
            with time_limit(30):
                time.sleep(5)
    assert info.value.limit is outer and time.monotonic() - t0 < 2
    # a finished body leaves no alarm behind
    with time_limit(0.2):
        pass
    time.sleep(0.3)


def test_bookkeeping_survives_alarms_at_any_point():
    """Alarms firing at random points (inside the limits' own enter/exit code too) leave no stale state."""
    import random

    from storyline import limits

    before = signal.getsignal(signal.SIGALRM)
    rnd = random.Random(0)
    caught = 0
    for _ in range(400):
        try:
            with time_limit(rnd.uniform(1e-5, 3e-4)):
                try:
                    with time_limit(rnd.uniform(1e-5, 3e-4)):
                        sum(range(rnd.randint(0, 3000)))
                except DocTimeout:
                    caught += 1
                sum(range(rnd.randint(0, 3000)))
        except DocTimeout:
            caught += 1
    assert caught > 0
    assert not [f for f in limits._stack() if not f.done]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(signal.SIGALRM) == before
    with time_limit(0.2) as lim:  # and limits still work afterwards
        time.sleep(0.01)
    assert lim is not None and lim.done


@pytest.mark.parametrize("value", [None, 0, -1, float("inf")])
def test_no_limit(value):
    with time_limit(value) as lim:
        time.sleep(0.01)
    assert lim is None


def test_off_the_main_thread_the_limit_is_cooperative():
    """A thread cannot be interrupted: check() raises past the deadline, and so does leaving the block late."""
    seen: list[str] = []

    def work() -> None:
        try:
            with time_limit(0.1):
                time.sleep(0.2)
                check()
        except DocTimeout:
            seen.append("check")
        try:
            with time_limit(0.1):
                time.sleep(0.2)
        except DocTimeout:
            seen.append("exit")
        with time_limit(5):
            check()
        seen.append("ok")

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert seen == ["check", "exit", "ok"]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_foreign_timer_is_left_alone():
    """With somebody else's SIGALRM timer armed (pytest-timeout, say) the limit is cooperative, not a takeover."""
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(DocTimeout):
            with time_limit(0.05):
                time.sleep(0.1)  # not interrupted: raised on the way out
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
        time.sleep(0.6)
        assert fired == [1]  # the foreign timer still fired, into the foreign handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_too_large():
    assert too_large("x" * 11, 10) and not too_large("x" * 10, 10)
    assert not too_large("x" * 10**6, None) and not too_large("x" * 10**6, 0) and not too_large(None, 5)


# ----------------------------------------------------------------------------------------- DocStage
def _raw(i: int, text: str) -> RawDoc:
    return RawDoc(id=f"d{i}", source_id=f"d{i}", fmt="text", content=text,
                  provenance={"path": f"/in/d{i}.txt", "record": None, "offset": None})


class _Slow(DocStage[RawDoc, RawDoc]):
    name = "slow"

    def process(self, record: RawDoc) -> RawDoc:
        if "HANG" in record.content:
            while True:  # a hang in pure Python
                pass
        if "SLEEP" in record.content:
            time.sleep(30)
        return record


def test_a_hanging_document_becomes_a_time_limit_reject_and_the_next_one_is_processed():
    stage = _Slow(timeout=0.2)
    stats = Stats()
    docs = [_raw(0, "fine"), _raw(1, "HANG"), _raw(2, "also fine"), _raw(3, "SLEEP"), _raw(4, "last")]
    t0 = time.monotonic()
    out = list(stage(docs, stats))
    assert time.monotonic() - t0 < 5
    assert [type(o).__name__ for o in out] == ["RawDoc", "Reject", "RawDoc", "Reject", "RawDoc"]
    for r in (out[1], out[3]):
        assert r.reason == "time_limit" and r.stage == "slow" and r.source_path.startswith("/in/d")
        assert "0.2 s" in r.detail and "--doc-timeout" in r.detail
    assert out[1].doc_id == "d1"
    assert stats.get("slow", "dropped:time_limit") == 2 and stats.get("slow", "kept") == 3
    assert "time_limit" in REJECT_REASONS


def test_an_enclosing_limit_is_not_blamed_on_the_document():
    stage = _Slow(timeout=30)
    with pytest.raises(DocTimeout):
        with time_limit(0.2):
            stage.apply(_raw(0, "SLEEP"), Stats())


def test_clean_stage_rejects_a_text_over_max_chars():
    stage = CleanStage(max_chars=200)
    stats = Stats()
    small = stage.apply(_raw(0, "A short article about trade talks between two countries.\n"), stats)
    big = stage.apply(_raw(1, "Word salad and more words. " * 40), stats)
    assert isinstance(small, Article)
    assert isinstance(big, Reject) and big.reason == "too_large" and big.stage == "clean"
    assert "1,0" in big.detail and "200" in big.detail and "--max-chars" in big.detail  # sizes in the detail
    assert stats.get("clean", "dropped:too_large") == 1
    # no limit: the same text is kept
    assert isinstance(CleanStage(max_chars=None).apply(_raw(1, "Word salad and more words. " * 40), Stats()),
                      Article)


def test_clean_stage_time_limit(monkeypatch):
    import storyline.clean.text as text_mod

    real = text_mod.clean_text

    def slow_clean(text, **kw):
        if "SLOW" in text:
            time.sleep(30)
        return real(text, **kw)

    monkeypatch.setattr(text_mod, "clean_text", slow_clean)
    stage = CleanStage(timeout=0.2)
    out = [stage.apply(_raw(i, t), Stats()) for i, t in enumerate(["SLOW news day.\n", "Normal news.\n"])]
    assert isinstance(out[0], Reject) and out[0].reason == "time_limit" and out[0].stage == "clean"
    assert isinstance(out[1], Article)


# ----------------------------------------------------------------------------------------- facts stage
def _article(i: int, text: str) -> Article:
    return Article(id=f"a{i}", source_id=f"a{i}", source_path=f"/in/a{i}.txt", fmt="text", provenance={},
                   original=text, text=text, published="2024-05-01")


TEXT = ("The foreign minister of Belarus said on Tuesday that talks with China would continue next week. "
        "\"We are ready to sign the agreement,\" he told reporters in Minsk, adding that trade had grown.")


class _SlowCoder:
    """Codes nothing, and hangs on one article's text."""

    def code(self, doc, mentions, timexes, quotes, dct):
        if "Tuesday" in doc.text and "SLOWCODE" in doc.text:
            time.sleep(30)
        return []


def test_facts_skip_slow_and_too_large_articles_and_go_on():
    stage = FactsStage(coder=_SlowCoder(), timeout=2.0, max_doc_chars=2000)
    stats = Stats()
    arts = [_article(0, TEXT), _article(1, TEXT + " SLOWCODE"), _article(2, TEXT + " " + TEXT * 12),
            _article(3, TEXT)]
    t0 = time.monotonic()
    out = stage.process_batch(arts, stats)
    assert time.monotonic() - t0 < 20
    status = [(a.facts["status"], a.facts["reason"]) for a in out]
    assert status == [("ok", None), ("skipped", "time_limit"), ("skipped", "too_large"), ("ok", None)]
    assert "extracting facts took longer than the time limit of 2 s" in out[1].facts["error"]
    assert "over the limit of 2,000" in out[2].facts["error"]
    assert out[0].spans["mentions"] and out[3].spans["mentions"]
    for a in out[1:3]:  # skipped: nothing half-written, the publication date still resolved
        assert a.spans["mentions"] == [] and a.spans["quotes"] == [] and a.facts["new_actors"] == []
        assert a.facts["date"].value == "2024-05-01"
    assert stats.get("facts", "skipped:time_limit") == 1 and stats.get("facts", "skipped:too_large") == 1
    assert stats.get("facts", "kept") == 2
    assert {"time_limit", "too_large"} <= set(FACTS_REASONS)


def test_facts_a_slow_parse_skips_only_that_article(monkeypatch):
    real = facts_stage.nlp_mod.pipe

    def pipe(texts, model, batch_size):
        for doc in real(texts, model, batch_size):
            if "SLOWPARSE" in doc.text:
                time.sleep(30)
            yield doc

    monkeypatch.setattr(facts_stage.nlp_mod, "pipe", pipe)
    stage = FactsStage(timeout=0.5)
    stats = Stats()
    out = stage.process_batch([_article(0, TEXT), _article(1, TEXT + " SLOWPARSE"), _article(2, TEXT)], stats)
    assert [a.facts["status"] for a in out] == ["ok", "skipped", "ok"]
    assert out[1].facts["reason"] == "time_limit" and out[1].facts["error"].startswith("parsing took longer")


# ----------------------------------------------------------------------------------------- whole runs
def _hostile_folder(root: Path) -> dict[str, str]:
    """Files and what each must become: "article" or a reject reason."""
    for name in sorted(p.name for p in EXAMPLES.iterdir())[:2]:
        (root / name).write_bytes((EXAMPLES / name).read_bytes())
    (root / "parens.txt").write_text("(" * (1 << 20))  # 1 MB single line
    (root / "quotes.txt").write_text('"' * (5 << 20))  # 5 MB of quotes on one line
    (root / "brackets.md").write_text("[[[" * 20_000 + "\n" + "((( " * 20_000)
    # English prose, then a long run of punctuation: the spaCy tokenizer is quadratic on it
    (root / "bangs.txt").write_text(TEXT + "\n\nIt was, they said, a day to remember" + "!" * 60_000 + "\n")
    (root / "page.html").write_text("<html><head><title>" + "- | " * 50_000 + "</title></head><body><p>"
                                    + "“”" * 100_000 + "</p></body></html>")
    (root / "empty.txt").write_text("")
    return {"parens.txt": "too_large", "quotes.txt": "too_large"}


def test_a_run_over_hostile_files_accounts_for_every_file(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    expected = _hostile_folder(src)
    db = tmp_path / "kb.db"
    t0 = time.monotonic()
    report = run([src], db, RunOptions(workers=1, doc_timeout=5.0, facts=True))
    elapsed = time.monotonic() - t0
    assert elapsed < 120
    con = sqlite3.connect(db)
    arts = {Path(p).name for (p,) in con.execute("SELECT source_path FROM articles")}
    rejects = {Path(p).name: (stage, reason) for p, stage, reason in
               con.execute("SELECT source_path, stage, reason FROM rejects")}
    files = sorted(p.name for p in src.iterdir())
    assert report.files == len(files) == 8
    unaccounted = [f for f in files if f not in arts and f not in rejects]
    assert not unaccounted
    for name, reason in expected.items():
        assert rejects[name] == ("clean", reason), name
    assert rejects["empty.txt"][1] == "empty"
    assert set(REJECT_REASONS) >= {r for _, r in rejects.values()}
    # every stored article has a facts row; the punctuation run ran out of parsing time (spaCy's tokenizer
    # needs minutes for it), the examples were analysed in the same batch
    facts = {Path(p).name: (status, reason) for p, status, reason in con.execute(
        "SELECT a.source_path, f.status, f.reason FROM article_facts f JOIN articles a ON a.id = f.article_id")}
    assert set(facts) == arts
    assert facts["bangs.txt"] == ("skipped", "time_limit")
    assert sum(v == ("ok", None) for v in facts.values()) >= 2
    assert report.stats["clean"]["dropped:too_large"] == 2
    assert report.stats["facts"]["skipped:time_limit"] == 1


def test_cli_run_options(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("A short article about trade talks between two countries.\n")
    (src / "b.txt").write_text("A much longer article about trade talks. " * 50)
    db = tmp_path / "kb.db"
    r = subprocess.run([sys.executable, "-m", "storyline", "run", str(src), "--db", str(db), "--no-facts",
                        "--max-chars", "500", "--doc-timeout", "10", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    assert payload["reject_counts"] == {"too_large": 1}
    (rej,) = payload["rejects"]
    assert rej["stage"] == "clean" and Path(rej["source_path"]).name == "b.txt" and "500" in rej["detail"]
    bad = subprocess.run([sys.executable, "-m", "storyline", "run", str(src), "--db", str(db), "--doc-timeout",
                          "-1"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_limits_reach_worker_processes(tmp_path):
    """--workers N: the limits travel to the worker processes (DocLimits is sent with every document)."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(f"Article {i} about trade talks and a meeting in Minsk. " * (5 + 40 * (i == 1)))
    report = run([src], tmp_path / "kb.db", RunOptions(workers=2, facts=False, max_chars=1000))
    assert dict(report.reject_counts) == {"too_large": 1}
    assert report.rejects[0].source_path.endswith("1.txt")
    assert DocLimits().timeout == 30.0 and DocLimits().max_chars == 1_000_000

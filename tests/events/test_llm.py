"""The optional LLM coder against a fake OpenAI-compatible endpoint on localhost (no network, no model)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from storyline.engines.local import RunOptions, run
from storyline.errors import UsageError
from storyline.events.coder import RuleCoder
from storyline.events.llm import LLMCoder, LLMUnavailable
from storyline.facts.actors import Registry, resolve_mentions
from storyline.nlp import load_nlp
from storyline.store import Store
from storyline.store.export import iter_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "belarus-china"


class _Fake(BaseHTTPRequestHandler):
    replies: list[str] = []
    calls: list[dict] = []

    def log_message(self, *a):  # quiet
        pass

    def _json(self, payload):
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._json({"data": [{"id": "fake"}]})

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(req)
        content = type(self).replies[(len(type(self).calls) - 1) % len(type(self).replies)]
        self._json({"choices": [{"message": {"role": "assistant", "content": content}}]})


@pytest.fixture()
def endpoint():
    _Fake.calls = []
    server = HTTPServer(("127.0.0.1", 0), _Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def parsed():
    doc = load_nlp()("Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow on Monday.")
    mentions, _ = resolve_mentions(doc, Registry.bundled())
    return doc, mentions


def test_llm_relabels_rule_candidates_and_keeps_their_evidence(endpoint, parsed):
    doc, mentions = parsed
    _Fake.replies = ['Sure: {"type": "AGREE", "mode": null}']
    rules = RuleCoder().code(doc, mentions)
    coded = LLMCoder(endpoint, "fake").code(doc, mentions)
    assert rules and len(coded) == len(rules)
    for r, c in zip(rules, coded):
        assert (c.start, c.end, c.trigger_start, c.actor_ids, c.recipient_ids) == \
            (r.start, r.end, r.trigger_start, r.actor_ids, r.recipient_ids)
        assert c.type == "AGREE" and c.quad == 1 and c.coder == "llm:fake"
    sent = _Fake.calls[0]
    assert sent["model"] == "fake" and "CONSULT" in sent["messages"][0]["content"]
    assert "Vladimir Putin" in sent["messages"][1]["content"]


@pytest.mark.parametrize("reply,why", [("no idea", "not_json"), ('{"type": "DANCE"}', "unknown_type")])
def test_unusable_answers_keep_the_rule_label(endpoint, parsed, reply, why):
    doc, mentions = parsed
    _Fake.replies = [reply]
    rules = RuleCoder().code(doc, mentions)
    coded = LLMCoder(endpoint, "fake").code(doc, mentions)
    assert [c.type for c in coded] == [r.type for r in rules]
    assert all(c.rule.endswith(f"+llm:{why}") for c in coded)


def test_answers_are_cached(endpoint, parsed):
    doc, mentions = parsed
    _Fake.replies = ['{"type": "CONSULT", "mode": "meet"}']
    coder = LLMCoder(endpoint, "fake")
    coder.code(doc, mentions)
    n = len(_Fake.calls)
    coder.code(doc, mentions)
    assert len(_Fake.calls) == n


def test_unreachable_endpoint_is_one_clear_error():
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        LLMCoder("http://127.0.0.1:9/v1", "fake")


def test_run_with_llm_coder_end_to_end(endpoint, tmp_path):
    _Fake.replies = ['{"type": "CONSULT", "mode": "meet"}']
    db = tmp_path / "kb.db"
    run([EXAMPLES], db, RunOptions(coder="llm", llm_url=endpoint, llm_model="fake"))
    with Store(db) as s:
        ms = list(iter_rows(s, "event_mentions"))
    assert ms and {m["coder"] for m in ms} == {"llm:fake"}
    assert {m["described_type"] for m in ms} == {"CONSULT"}


def test_llm_coder_needs_its_settings(tmp_path):
    with pytest.raises(UsageError, match="--llm-url"):
        run([EXAMPLES], tmp_path / "kb.db", RunOptions(coder="llm"))
    with pytest.raises(UsageError, match="unknown coder"):
        run([EXAMPLES], tmp_path / "kb.db", RunOptions(coder="magic"))

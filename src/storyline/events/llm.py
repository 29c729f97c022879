"""An event coder backed by a local LLM behind an OpenAI-compatible chat endpoint (optional).

The rule coder still finds the candidates, their spans, roles, dates, locations and flags; the model
only re-classifies each candidate's PLOVER type and mode from the ontology's descriptions. Both
backends therefore return the same :class:`~storyline.events.coder.EventMention` record with the same
evidence. Answers that are not valid JSON or name a type/mode outside the ontology keep the rule
coder's label (``rule`` gets a ``+llm:<why>`` suffix), so a misbehaving model never loses a mention.

Nothing is downloaded and nothing leaves the machine unless the user points ``url`` elsewhere: the
endpoint is whatever the user runs (llama.cpp server, vLLM, Ollama's ``/v1``…). Uses only the
standard library (``urllib``). Answers are cached per (sentence, trigger), so duplicates and re-runs
of the same text cost one call.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from ..errors import LLMUnavailable  # noqa: F401 - re-exported
from .coder import EventMention, RuleCoder, plover_convention
from .ontology import Ontology, load_ontology


def _json_object(content: str) -> str | None:
    """The first ``{`` to the last ``}`` (what ``re.search(r"\\{.*\\}", content, re.S)`` finds, without
    its quadratic scan of an answer full of unclosed ``{``), or None."""
    i, j = content.find("{"), content.rfind("}")
    return content[i: j + 1] if 0 <= i < j else None


class LLMCoder:
    """Rule-coder candidates, re-labelled by a chat model. ``url`` is the API base (``…/v1``)."""

    def __init__(self, url: str, model: str, *, api_key: str | None = None, timeout: float = 60.0,
                 base: RuleCoder | None = None, ontology: Ontology | None = None, check: bool = True):
        self.url = url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.base = base or RuleCoder()
        self.ontology = ontology or self.base.ontology or load_ontology()
        self.name = f"llm:{model}"
        self._cache: dict[tuple[str, str], dict[str, Any] | str] = {}
        self._system = self._system_prompt()
        if check:
            self._get("/models")  # fail early with one clear line if the endpoint is not there

    @property
    def version(self) -> str:
        return f"{self.name}+{self.base.version}"

    # ------------------------------------------------------------------ EventCoder
    def code(self, doc: Any, mentions: Sequence[Any] = (), timexes: Sequence[Any] = (), quotes: Sequence[Any] = (),
             published: Any = None) -> list[EventMention]:
        out = []
        for ev in self.base.code(doc, mentions, timexes, quotes, published):
            answer = self._ask(ev)
            if isinstance(answer, str):  # why the model's answer was not used
                ev.rule = f"{ev.rule}+llm:{answer}"
            else:
                ev.type, ev.mode = answer["type"], answer["mode"]
                t = self.ontology.types[ev.type]
                ev.quad, ev.intensity = t.quad, self.ontology.intensity(ev.type, ev.mode)
                ev.plover_type = ""
                ev.plover_type = plover_convention(ev, self.ontology)
            ev.coder = self.name
            out.append(ev)
        return out

    # ------------------------------------------------------------------ the model
    def _system_prompt(self) -> str:
        lines = ["You code political events in the PLOVER ontology. Types and their modes:"]
        for name, t in self.ontology.types.items():
            modes = ", ".join(t.modes) or "-"
            lines.append(f"- {name}: {t.description} (modes: {modes})")
        lines.append('Answer with one JSON object only: {"type": "<TYPE>", "mode": "<mode or null>"}.')
        return "\n".join(lines)

    def _ask(self, ev: EventMention) -> dict[str, Any] | str:
        key = (ev.text, f"{ev.trigger_start - ev.start}:{ev.trigger}")
        if key in self._cache:
            return self._cache[key]
        actors = ", ".join(r.text for r in ev.actors) or "-"
        recipients = ", ".join(r.text for r in ev.recipients) or "-"
        user = (f"Sentence: {ev.text.strip()}\nEvent word: {ev.trigger}\nActor: {actors}\nRecipient: {recipients}\n"
                "Which PLOVER type and mode describe the event of the event word?")
        try:
            reply = self._post("/chat/completions", {
                "model": self.model, "temperature": 0, "max_tokens": 60,
                "messages": [{"role": "system", "content": self._system}, {"role": "user", "content": user}],
            })
            content = reply["choices"][0]["message"]["content"]
        except LLMUnavailable:
            raise
        except (KeyError, IndexError, TypeError):
            return self._remember(key, "bad_reply")
        answer = self._parse(content)
        return self._remember(key, answer)

    def _parse(self, content: str) -> dict[str, Any] | str:
        found = _json_object(content or "")
        if found is None:
            return "not_json"
        try:
            data = json.loads(found)
        except json.JSONDecodeError:
            return "not_json"
        typ = self.ontology.canonical(str(data.get("type") or ""))
        if typ is None:
            return "unknown_type"
        mode = data.get("mode")
        mode = mode if isinstance(mode, str) and self.ontology.is_mode(typ, mode) else None
        return {"type": typ, "mode": mode}

    def _remember(self, key: tuple[str, str], value: dict[str, Any] | str) -> dict[str, Any] | str:
        self._cache[key] = value
        return value

    # ------------------------------------------------------------------ HTTP
    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def _get(self, path: str) -> Any:
        return self._send(urllib.request.Request(self.url + path, headers=self._headers()))

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode()
        return self._send(urllib.request.Request(self.url + path, data=data, headers=self._headers()))

    def _send(self, req: urllib.request.Request) -> Any:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - user-given endpoint
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LLMUnavailable(f"LLM endpoint {self.url} answered HTTP {exc.code} to {req.full_url}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise LLMUnavailable(f"cannot reach the LLM endpoint {self.url}: {reason}") from exc
        except json.JSONDecodeError as exc:
            raise LLMUnavailable(f"LLM endpoint {self.url} did not answer JSON") from exc

"""FastAPI app: server-rendered pages and a JSON API over one knowledge base, read-only.

``create_app(db, token=None)`` — pages at ``/``, ``/article/{id}``, ``/actor/{id}``, ``/outlet/{name}``,
``/search``, ``/stories``; the API under ``/api/...``; an offline description of the API at ``/docs``
(the OpenAPI document at ``/openapi.json``). See docs/web.md.
"""

from __future__ import annotations

import hmac
import os
import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader

from ..errors import StorylineError, UsageError
from ..store import Store
from ..store.export import EXPORTS, export
from . import render
from .queries import STORIES_MISSING, FtsQueryError, Queries

HERE = Path(__file__).parent
MAX_PAGE = 200            # largest page size an API call may ask for
PAGE = 50                 # page size of HTML listings
PAGE_ALIASES = 100        # aliases listed on an actor page (all of them: /api/actors/{id})
MAX_QUERY_CHARS = 4096    # longest query string accepted (414 beyond)
MAX_BODY = 1024           # the app is read-only: a request has no business sending a body
MAX_SEARCH_CHARS = 500
STORY_TIMELINE = 60        # timeline entries listed on a story page (all: /api/stories/{id}/timeline)
STORY_CONTRADICTIONS = 50  # contradictions listed on a story page (all: /api/stories/{id}/contradictions)
CONTRADICTIONS_MISSING = "contradictions are not built yet"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
EXPORT_FORMATS = {"jsonl": ("application/x-ndjson", "jsonl"), "csv": ("text/csv; charset=utf-8", "csv"),
                  "parquet": ("application/vnd.apache.parquet", "parquet"),
                  "plover": ("application/x-ndjson", "plover.jsonl"),
                  "gdelt": ("text/tab-separated-values; charset=utf-8", "tsv")}
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none';"
       " frame-ancestors 'none'")


class NotFound(StorylineError):
    code = "SL-E404"
    hint = "check the id in the address; list ids at /api/articles or /api/actors"


def _date_to(v: str | None) -> str | None:
    # "2025-01" as an upper bound includes every day of January: '~' sorts after any digit or '-'
    return v + "~" if v else None


def _page(total: int, limit: int, offset: int, items: list[Any]) -> dict[str, Any]:
    nxt = offset + len(items)
    return {"total": total, "limit": limit, "offset": offset, "next_offset": nxt if nxt < total else None,
            "items": items}


def _blank(v: str | None) -> str | None:
    return v.strip() or None if v is not None else None


def create_app(db: str | os.PathLike[str], token: str | None = None, *, search_path: str | None = None,
               allowed_hosts: set[str] | None = None, search_refresh: str = "background") -> FastAPI:
    """The web app over ``db`` (opened read-only). With ``token``, every request must carry it
    (``Authorization: Bearer TOKEN``, ``?token=TOKEN`` — which also sets a cookie — or that cookie);
    without one, only loopback host names are answered (against DNS rebinding). ``search_refresh``:
    ``background`` answers searches from the previous search cache while a changed database is re-indexed
    (answers say ``stale``), ``sync`` waits for the new cache."""
    q = Queries(db, search_path=search_path, search_refresh=search_refresh)
    q.ensure_search_index()
    hosts = None if token else (LOOPBACK_HOSTS | set(allowed_hosts or ()))
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(web_url=_web_url, qs=_qs, url=render.url_part, actor_url=render.actor_url,
                       quad_names=render.QUAD_NAMES,
                       stories_missing=STORIES_MISSING, db_name=Path(db).name)

    app = FastAPI(title="storyline", version="1", docs_url=None, redoc_url=None,
                  description="Read-only HTTP API over a storyline knowledge base. Lists are paginated with "
                              f"`limit` (at most {MAX_PAGE}) and `offset`; every list answer has `total`, "
                              "`limit`, `offset`, `next_offset` and `items`.")
    app.state.queries = q
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def page(name: str, request: Request, _status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(request=request, path=request.url.path, **ctx)
        return HTMLResponse(html, status_code=_status)

    def cached_page(name: str, request: Request, ctx: dict[str, Any]) -> HTMLResponse:
        """``page`` for pages that depend on their address only (actor, story): the rendered HTML is kept
        until the knowledge base changes, so a repeated visit costs no template rendering."""
        return HTMLResponse(q.cached_html((name, request.url.path), lambda: env.get_template(name).render(
            request=request, path=request.url.path, **ctx)))

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

    def fail(request: Request, status: int, code: str, message: str, hint: str = "") -> Response:
        if is_api(request):
            return JSONResponse({"error": {"code": code, "message": message, "hint": hint}}, status_code=status)
        return page("error.html", request, status, status=status, code=code, message=message, hint=hint)

    # ------------------------------------------------------------------ guard: limits, token, hosts, headers
    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        if request.method not in ("GET", "HEAD"):
            resp = fail(request, 405, "SL-E405", "this server is read-only", "use GET")
        elif int(request.headers.get("content-length") or 0) > MAX_BODY or \
                "chunked" in request.headers.get("transfer-encoding", ""):
            resp = fail(request, 413, "SL-E413", "request body too large", "send GET requests without a body")
        elif len(request.url.query) > MAX_QUERY_CHARS:
            resp = fail(request, 414, "SL-E414", "query string too long", f"at most {MAX_QUERY_CHARS} characters")
        elif hosts is not None and (request.headers.get("host") or "").rsplit(":", 1)[0].lower() not in hosts \
                and (request.headers.get("host") or "").lower() not in hosts:
            resp = fail(request, 400, "SL-E400", "host not allowed",
                        "open the app as http://127.0.0.1:PORT/ (or start it with --token to serve other hosts)")
        else:
            given, from_query = None, False
            if token is not None:
                auth = request.headers.get("authorization", "")
                if auth.lower().startswith("bearer "):
                    given = auth[7:].strip()
                elif request.query_params.get("token"):
                    given, from_query = request.query_params["token"], True
                else:
                    given = request.cookies.get("storyline_token")
            if token is not None and not (given and hmac.compare_digest(given.encode(), token.encode())):
                resp = fail(request, 401, "SL-E401", "an access token is required",
                            "send `Authorization: Bearer TOKEN` or open /?token=TOKEN once")
                resp.headers["WWW-Authenticate"] = "Bearer"
            else:
                resp = await call_next(request)
                if from_query:
                    resp.set_cookie("storyline_token", token or "", httponly=True, samesite="strict")
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        return resp

    @app.exception_handler(StorylineError)
    async def storyline_error(request: Request, exc: StorylineError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 400
        return fail(request, status, exc.code, exc.message, exc.hint)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return fail(request, 404, "SL-E404", "not found", "check the address")
        return fail(request, exc.status_code, f"SL-E{exc.status_code}", str(exc.detail), "")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ())[1:]) or "request"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return fail(request, 422, "SL-E422", "invalid parameter — " + "; ".join(parts),
                    f"see /docs (page sizes are at most {MAX_PAGE})")

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:  # pragma: no cover - defensive
        return fail(request, 500, "SL-E001", f"internal error: {type(exc).__name__}", "please report it")

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        def data() -> dict[str, Any]:
            return {"latest": q.articles(limit=20, offset=0, canonical_only=True)[0],
                    "actors": q.actors(limit=15, offset=0)[0], "outlets": q.outlets(limit=15, offset=0)[0],
                    "stories": q.stories(limit=10, offset=0), "stats": q.stats(),
                    "volume": render.volume_plot(q.volume())}

        return page("home.html", request, **q.cached(("home",), data))

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100000),
                      outlet: str | None = None, actor: str | None = None) -> Response:
        outlet, actor = _blank(outlet), _blank(actor)
        rows, total = q.articles(limit=PAGE, offset=(page_no - 1) * PAGE, outlet=outlet, actor=actor)
        return page("articles.html", request, rows=rows, total=total, page_no=page_no, pages=_pages(total),
                    params={"outlet": outlet, "actor": actor})

    @app.get("/article/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str,
                     hl: str | None = Query(None, pattern=r"^\d{1,9}-\d{1,9}$", description="START-END to mark"),
                     ) -> Response:
        a = q.article(article_id)
        if a is None:
            raise NotFound(f"no article with id {article_id!r}")
        mark = tuple(int(x) for x in hl.split("-")) if hl else None
        return page("article.html", request, a=a, text=render.highlight(a["text"], a, mark=mark))

    @app.get("/actors", response_class=HTMLResponse, include_in_schema=False)
    def actors_page(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100000),
                    name: str | None = Query(None, max_length=200)) -> Response:
        name = _blank(name)
        rows, total = q.actors(limit=PAGE, offset=(page_no - 1) * PAGE, name=name)
        return page("actors.html", request, rows=rows, total=total, page_no=page_no, pages=_pages(total),
                    params={"name": name})

    @app.get("/actor/{actor_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(request: Request, actor_id: str) -> Response:
        def data() -> dict[str, Any] | None:
            a = q.actor(actor_id, max_aliases=PAGE_ALIASES)
            if a is None:
                return None
            quotes, n_quotes = q.actor_quotes(actor_id, limit=PAGE, offset=0)
            as_actor, n_as_actor = q.events(limit=PAGE, offset=0, actor=actor_id)
            as_recipient, n_as_recipient = q.events(limit=PAGE, offset=0, recipient=actor_id)
            related = q.related(actor_id)
            articles, n_articles = q.latest_articles_of(actor_id) or q.articles(
                limit=20, offset=0, actor=actor_id, canonical_only=True)
            return dict(a=a, quotes=quotes, n_quotes=n_quotes, as_actor=as_actor, n_as_actor=n_as_actor,
                        as_recipient=as_recipient, n_as_recipient=n_as_recipient, related=related,
                        articles=articles, n_articles=n_articles,
                        timeline=render.coop_conflict_plot(q.monthly(actor_id)),
                        network=render.network_plot(a, related))

        ctx = q.cached(("actor", actor_id), data)
        if ctx is None:
            raise NotFound(f"no actor with id {actor_id!r}")
        return cached_page("actor.html", request, ctx)

    def _pair(a: str, b: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = []
        for x in (a, b):
            actor = q.actor(x)
            if actor is None:
                raise NotFound(f"no actor with id {x!r}")
            found.append(actor)
        return found[0], found[1]

    @app.get("/dyad", response_class=HTMLResponse, include_in_schema=False)
    def dyad_page(request: Request, a: str = Query(..., max_length=200), b: str = Query(..., max_length=200),
                  page_no: int = Query(1, alias="page", ge=1, le=100000)) -> Response:
        first, second = _pair(a, b)
        rows = q.dyad_monthly(a, b)
        events, n_events = q.dyad_events(a, b, limit=PAGE, offset=(page_no - 1) * PAGE)
        by_dir = {"actor": [r for r in rows if r["role"] == "actor"], "recipient": [r for r in rows
                                                                                   if r["role"] == "recipient"]}
        return page("dyad.html", request, a=first, b=second, events=events, n_events=n_events, page_no=page_no,
                    pages=_pages(n_events), params={"a": a, "b": b},
                    n_new=sum(r["n_events"] for r in rows),
                    n_ab=sum(r["n_events"] for r in by_dir["actor"]),
                    n_ba=sum(r["n_events"] for r in by_dir["recipient"]),
                    timeline=render.coop_conflict_plot(rows), intensity=render.intensity_plot(rows))

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def outlets_page(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100000)) -> Response:
        rows, total = q.outlets(limit=PAGE, offset=(page_no - 1) * PAGE)
        return page("outlets.html", request, rows=rows, total=total, page_no=page_no, pages=_pages(total), params={})

    @app.get("/outlet/{name:path}", response_class=HTMLResponse, include_in_schema=False)
    def outlet_page(request: Request, name: str, page_no: int = Query(1, alias="page", ge=1, le=100000)) -> Response:
        o = q.outlet(name)
        if o is None:
            raise NotFound(f"no outlet named {name!r}", hint="outlets are listed at /outlets")
        rows, total = q.articles(limit=PAGE, offset=(page_no - 1) * PAGE, outlet=name)
        covered = q.cached(("outlet-stories", name), lambda: q.stories(limit=50, offset=0, outlet=name))
        return page("outlet.html", request, o=o, rows=rows, total=total, page_no=page_no, pages=_pages(total),
                    params={}, stories=covered[0] if covered else [], n_stories=covered[1] if covered else None,
                    framing=q.outlet_framing(name),
                    volume=q.cached(("outlet-volume-plot", name), lambda: render.volume_plot(q.outlet_volume(name))))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q_: str | None = Query(None, alias="q", max_length=MAX_SEARCH_CHARS),
                    kind: str = Query("articles", pattern="^(articles|quotes)$"),
                    date_from: str | None = Query(None, alias="from"), date_to: str | None = Query(None, alias="to"),
                    outlet: str | None = Query(None, max_length=300), actor: str | None = Query(None, max_length=200),
                    page_no: int = Query(1, alias="page", ge=1, le=1000)) -> Response:
        q_, outlet, actor = _blank(q_), _blank(outlet), _blank(actor)
        date_from, date_to = _blank(date_from), _blank(date_to)
        params = {"q": q_, "kind": kind, "from": date_from, "to": date_to, "outlet": outlet, "actor": actor}
        error, rows, total = None, [], 0
        for v, label in ((date_from, "from"), (date_to, "to")):
            if v and not re.match(DATE_RE, v):
                error = f"the {label!r} date must look like 2025, 2025-01 or 2025-01-27"
        if q_ and not error:
            try:
                rows, total = q.search(q_, kind=kind, limit=PAGE, offset=(page_no - 1) * PAGE, date_from=date_from,
                                       date_to=_date_to(date_to), outlet=outlet, actor=actor)
            except FtsQueryError as exc:
                error = f"{exc.message} — {exc.hint}"
        outlets, _ = q.cached(("outlets", MAX_PAGE, 0), lambda: q.outlets(limit=MAX_PAGE, offset=0))
        return page("search.html", request, 400 if error else 200, params=params, rows=rows, total=total,
                    error=error, stale=bool(q_ and not error and q.search_stale), page_no=page_no, pages=_pages(total), outlets=outlets, snippet=render.snippet)

    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100000)) -> Response:
        res = q.stories(limit=PAGE, offset=(page_no - 1) * PAGE)
        rows, total = res if res is not None else ([], 0)
        return page("stories.html", request, available=res is not None, rows=rows, total=total, page_no=page_no,
                    pages=_pages(total), params={})

    def story_ctx(story_id: str) -> dict[str, Any] | None:
        """Everything the story page shows, memoised per database version (the API reads its ``s``)."""
        def data() -> dict[str, Any] | None:
            s = q.story(story_id)
            if s is None:
                return None
            timeline = (q.story_brief(story_id) or {}).get("timeline", [])
            contradictions = q.story_contradictions(story_id, limit=STORY_CONTRADICTIONS, offset=0)
            return dict(s=s, timeline=timeline[:STORY_TIMELINE], timeline_plot=render.timeline_plot(timeline),
                        matrix=q.story_matrix(story_id), contradictions=contradictions)

        return q.cached(("story", story_id), data)

    @app.get("/story/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str) -> Response:
        if not q.has_table("stories"):
            return page("stories.html", request, 404, available=False, rows=[], total=0, page_no=1, pages=1,
                        params={})
        ctx = story_ctx(story_id)
        if ctx is None:
            raise NotFound(f"no story with id {story_id!r}", hint="stories are listed at /stories")
        return cached_page("story.html", request, ctx)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs_page(request: Request) -> Response:
        return page("docs.html", request, spec=app.openapi())

    # ------------------------------------------------------------------ API
    Limit = Query(PAGE, ge=1, le=MAX_PAGE, description=f"page size (at most {MAX_PAGE})")
    Offset = Query(0, ge=0, le=10_000_000)
    DateFrom = Query(None, pattern=DATE_RE, description="earliest date (YYYY, YYYY-MM or YYYY-MM-DD)")
    DateTo = Query(None, pattern=DATE_RE, description="latest date, inclusive (YYYY, YYYY-MM or YYYY-MM-DD)")

    @app.get("/api/stats", tags=["corpus"], summary="Corpus counts")
    def api_stats() -> dict[str, Any]:
        return {**q.stats(), "volume": q.volume()}

    @app.get("/api/articles", tags=["articles"], summary="Articles, newest first")
    def api_articles(limit: int = Limit, offset: int = Offset, outlet: str | None = None,
                     actor: str | None = Query(None, description="only articles mentioning this actor id"),
                     date_from: str | None = DateFrom, date_to: str | None = DateTo,
                     canonical_only: bool = Query(False, description="leave out duplicates")) -> dict[str, Any]:
        rows, total = q.articles(limit=limit, offset=offset, outlet=outlet, actor=actor, date_from=date_from,
                                 date_to=_date_to(date_to), canonical_only=canonical_only)
        return _page(total, limit, offset, rows)

    @app.get("/api/articles/{article_id}", tags=["articles"],
             summary="One article: text, removed boilerplate, mentions, timexes, quotes, events, duplicates")
    def api_article(article_id: str) -> dict[str, Any]:
        a = q.article(article_id)
        if a is None:
            raise NotFound(f"no article with id {article_id!r}")
        return a

    @app.get("/api/actors", tags=["actors"], summary="Actors, most mentioned first")
    def api_actors(limit: int = Limit, offset: int = Offset, type: str | None = None, country: str | None = None,
                   name: str | None = Query(None, max_length=200, description="substring of a name or alias"),
                   ) -> dict[str, Any]:
        rows, total = q.actors(limit=limit, offset=offset, type=type, country=country, name=name)
        return _page(total, limit, offset, rows)

    @app.get("/api/actors/{actor_id}", tags=["actors"],
             summary="One actor: aliases, counts, related actors, cooperation/conflict per month")
    def api_actor(actor_id: str) -> dict[str, Any]:
        a = q.actor(actor_id)
        if a is None:
            raise NotFound(f"no actor with id {actor_id!r}")
        return {**a, "related": q.related(actor_id), "monthly": q.monthly(actor_id),
                "dyads": f"/api/actors/{quote(actor_id, safe='')}/dyads"}

    @app.get("/api/actors/{actor_id}/dyads", tags=["actors"],
             summary="New events per partner, direction and month (as the dyads export)")
    def api_actor_dyads(actor_id: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        if q.actor(actor_id) is None:
            raise NotFound(f"no actor with id {actor_id!r}")
        rows, total = q.dyads_page(actor_id, limit=limit, offset=offset)
        return _page(total, limit, offset, rows)

    @app.get("/api/actors/{actor_id}/quotes", tags=["actors"], summary="Quotes the actor is the speaker of")
    def api_actor_quotes(actor_id: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        rows, total = q.actor_quotes(actor_id, limit=limit, offset=offset)
        return _page(total, limit, offset, rows)

    @app.get("/api/actors/{actor_id}/events", tags=["actors"], summary="Events with the actor as actor or recipient")
    def api_actor_events(actor_id: str, role: str = Query("actor", pattern="^(actor|recipient)$"),
                         limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        kw = {"actor": actor_id} if role == "actor" else {"recipient": actor_id}
        rows, total = q.events(limit=limit, offset=offset, **kw)
        return _page(total, limit, offset, rows)

    @app.get("/api/dyad", tags=["actors"],
             summary="Two actors: new events per month and direction (role: the first actor's), events between them")
    def api_dyad(a: str = Query(..., max_length=200), b: str = Query(..., max_length=200), limit: int = Limit,
                 offset: int = Offset) -> dict[str, Any]:
        _pair(a, b)
        rows, total = q.dyad_events(a, b, limit=limit, offset=offset)
        return {"a": a, "b": b, "monthly": q.dyad_monthly(a, b), "events": _page(total, limit, offset, rows)}

    @app.get("/api/outlets", tags=["outlets"], summary="Outlets, most articles first")
    def api_outlets(limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        rows, total = q.outlets(limit=limit, offset=offset)
        return _page(total, limit, offset, rows)

    @app.get("/api/outlets/{name}", tags=["outlets"],
             summary="One outlet: a page of its articles, the framing terms it favours or avoids compared with the"
                     " rest of the corpus, and its articles per month")
    def api_outlet(name: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        o = q.outlet(name)
        if o is None:
            raise NotFound(f"no outlet named {name!r}", hint="list outlets at /api/outlets")
        rows, total = q.articles(limit=limit, offset=offset, outlet=name)
        return {**o, "framing": q.outlet_framing(name), "volume": q.outlet_volume(name),
                "articles": _page(total, limit, offset, rows)}

    @app.get("/api/quotes", tags=["quotes"], summary="Quotes")
    def api_quotes(limit: int = Limit, offset: int = Offset, speaker: str | None = None, article: str | None = None,
                   kind: str | None = Query(None, pattern="^(direct|partial|indirect)$")) -> dict[str, Any]:
        rows, total = q.quotes(limit=limit, offset=offset, speaker=speaker, article=article, kind=kind)
        return _page(total, limit, offset, rows)

    @app.get("/api/events", tags=["events"], summary="Merged PLOVER events, newest first")
    def api_events(limit: int = Limit, offset: int = Offset, actor: str | None = None, recipient: str | None = None,
                   type: str | None = None, date_from: str | None = DateFrom, date_to: str | None = DateTo,
                   new_only: bool = Query(False, description="leave out negated/hypothetical/future/historical"),
                   ) -> dict[str, Any]:
        rows, total = q.events(limit=limit, offset=offset, actor=actor, recipient=recipient, type=type,
                               date_from=date_from, date_to=_date_to(date_to), new_only=new_only)
        return _page(total, limit, offset, rows)

    @app.get("/api/search", tags=["search"], summary="Full-text search (SQLite FTS5) over articles or quotes")
    def api_search(q_: str = Query(..., alias="q", min_length=1, max_length=MAX_SEARCH_CHARS,
                                   description='FTS5 query: words, "phrases", AND/OR/NOT, prefix*'),
                   kind: str = Query("articles", pattern="^(articles|quotes)$"), limit: int = Limit,
                   offset: int = Query(0, ge=0, le=100_000), date_from: str | None = DateFrom,
                   date_to: str | None = DateTo, outlet: str | None = None,
                   actor: str | None = Query(None, description="articles mentioning / quotes spoken by this id"),
                   ) -> dict[str, Any]:
        rows, total = q.search(q_, kind=kind, limit=limit, offset=offset, date_from=date_from,
                               date_to=_date_to(date_to), outlet=outlet, actor=actor)
        # stale: answered from the previous search cache while the changed database is re-indexed
        return {**_page(total, limit, offset, rows), "stale": q.search_stale}

    @app.get("/api/stories", tags=["stories"], summary="Stories (empty, with `available: false`, until built)")
    def api_stories(limit: int = Limit, offset: int = Offset,
                    outlet: str | None = Query(None, description="only stories this outlet reported"),
                    ) -> dict[str, Any]:
        res = q.stories(limit=limit, offset=offset, outlet=_blank(outlet))
        if res is None:
            return {"available": False, "message": STORIES_MISSING, **_page(0, limit, offset, [])}
        return {"available": True, **_page(res[1], limit, offset, res[0])}

    @app.get("/api/stories/{story_id}", tags=["stories"],
             summary="One story: summary with citations, members (first 200), key actors, events, quotes, framing,"
                     " arc, and the sizes of its timeline, claims and contradictions (sub-resources)")
    def api_story(story_id: str) -> dict[str, Any]:
        return story_or_404(story_id)

    def story_or_404(story_id: str) -> dict[str, Any]:
        if not q.has_table("stories"):
            raise NotFound(STORIES_MISSING, hint="build stories first; /api/stories says when they exist")
        ctx = story_ctx(story_id)
        if ctx is None:
            raise NotFound(f"no story with id {story_id!r}", hint="list stories at /api/stories")
        return ctx["s"]

    @app.get("/api/stories/{story_id}/members", tags=["stories"],
             summary="A story's articles, numbered as its summary and timeline cite them")
    def api_story_members(story_id: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        story_or_404(story_id)
        rows, total = q.story_members(story_id, limit=limit, offset=offset)
        return _page(total, limit, offset, rows)

    @app.get("/api/stories/{story_id}/timeline", tags=["stories"],
             summary="A story's timeline: events at their own dates (kind event, with date_source) and reports at"
                     " their publication dates (kind report), each citing its articles")
    def api_story_timeline(story_id: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        story_or_404(story_id)
        items = (q.story_brief(story_id) or {}).get("timeline", [])
        return _page(len(items), limit, offset, items[offset: offset + limit])

    @app.get("/api/stories/{story_id}/claims", tags=["stories"],
             summary="Cross-source comparison: the story's claims (shared ones first), each with the sentence"
                     " (article, start, end) that carries it in every source")
    def api_story_claims(story_id: str, limit: int = Limit, offset: int = Offset,
                         shared: bool | None = Query(None, description="only shared (true) or unique (false) claims"),
                         ) -> dict[str, Any]:
        story_or_404(story_id)
        items = [c for c in q.story_claims(story_id) if shared is None or c["shared"] == shared]
        return _page(len(items), limit, offset, items[offset: offset + limit])

    @app.get("/api/stories/{story_id}/contradictions", tags=["stories"],
             summary="Statements of the story's sources that contradict each other (`available: false` until built)")
    def api_story_contradictions(story_id: str, limit: int = Limit, offset: int = Offset) -> dict[str, Any]:
        story_or_404(story_id)
        res = q.story_contradictions(story_id, limit=limit, offset=offset)
        if res is None:
            return {"available": False, "message": CONTRADICTIONS_MISSING, **_page(0, limit, offset, [])}
        return {"available": True, **_page(res[1], limit, offset, res[0])}

    @app.get("/api/export/{table}", tags=["export"],
             summary="Stream a whole table as JSONL, CSV or Parquet (events also as plover or gdelt)",
             response_class=StreamingResponse)
    def api_export(table: str, format: str = Query("jsonl", pattern="^(jsonl|csv|parquet|plover|gdelt)$"),
                   ) -> Response:
        if table not in EXPORTS:
            raise NotFound(f"unknown table {table!r}", hint=f"choose one of: {', '.join(EXPORTS)}")
        if format in ("plover", "gdelt") and table != "events":
            raise UsageError(f"format {format!r} is for the events table only", hint="use /api/export/events")
        media, ext = EXPORT_FORMATS[format]
        return StreamingResponse(_stream_export(q.db, table, format), media_type=media,
                                 headers={"Content-Disposition": f'attachment; filename="{table}.{ext}"'})

    return app


def _web_url(value: str | None) -> str | None:
    """An article's source URL as a link target only when it is http(s) (never javascript:, data:, …)."""
    if value and re.match(r"^https?://[^\s]+$", value, re.IGNORECASE):
        return value
    return None


def _qs(params: dict[str, Any], **over: Any) -> str:
    """A query string of the non-empty ``params`` updated with ``over`` (values are encoded)."""
    merged = {**params, **over}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE))


class _QueueWriter:
    """A binary file object whose writes go to a bounded queue (export runs in a thread, the response reads)."""

    def __init__(self, q: "queue.Queue[bytes | BaseException | None]", cancelled: threading.Event):
        self.q, self.cancelled, self.pos, self.closed = q, cancelled, 0, False

    def write(self, data: bytes) -> int:
        if self.cancelled.is_set():
            raise BrokenPipeError("client went away")
        b = bytes(data)
        if b:
            while True:
                try:
                    self.q.put(b, timeout=0.5)
                    break
                except queue.Full:
                    if self.cancelled.is_set():
                        raise BrokenPipeError("client went away") from None
        self.pos += len(b)
        return len(b)

    def tell(self) -> int:
        return self.pos

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def _stream_export(db: Path, table: str, fmt: str) -> Iterator[bytes]:
    """Run storyline.store.export in a thread (its own read-only connection) and yield what it writes."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=64)
    cancelled = threading.Event()

    def work() -> None:
        try:
            with Store(db, create=False, readonly=True) as st:
                export(st, table, fmt, _QueueWriter(chunks, cancelled))  # type: ignore[arg-type]
            chunks.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader
            if not cancelled.is_set():
                chunks.put(exc)

    threading.Thread(target=work, name=f"export-{table}", daemon=True).start()
    buf: list[bytes] = []
    size = 0
    try:
        while True:
            item = chunks.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            buf.append(item)
            size += len(item)
            if size >= 64 * 1024:
                yield b"".join(buf)
                buf, size = [], 0
        if buf:
            yield b"".join(buf)
    finally:
        cancelled.set()

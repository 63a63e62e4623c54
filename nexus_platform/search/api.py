"""The search service's HTTP API (FastAPI; OpenAPI at /docs and /openapi.json).

    GET  /health                      liveness, public
    GET  /api/search?q=&k=&mode=&where=key=value (repeatable)
    GET  /api/records/{id}            one record with its source and annotations
    GET  /api/facets                  what the filters can take
    GET  /api/files                   landing file status (as `nexus status --json`)
    POST /api/annotate {"text"}       what the promoted models and the topics say about a text
    GET  /, /records/{id}             the web pages

With an API key configured, every path but /health needs `Authorization: Bearer <key>` (the
web pages also accept the key from their cookie) and answers 401 without it. Errors are JSON
`{"error": code, "message": text}`; an unexpected one is logged here, never sent.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at
# definition time, and they name classes imported inside create_app.
import contextlib
import hmac
import logging
import uuid
from collections.abc import Callable
from typing import Annotated

from nexus_platform.search.engine import DEFAULT_MODE, MODES, NotReady, SearchEngine
from nexus_platform.search.filters import MAX_WHERE, FilterError
from nexus_platform.search.web_page import KEY_COOKIE, RECORD_PAGE, SEARCH_PAGE, SIGN_IN_PAGE

log = logging.getLogger(__name__)

MAX_K = 100
MAX_QUERY_CHARS = 1000
MAX_TEXT_CHARS = 10_000
MAX_BODY_BYTES = 64 * 1024
MAX_QUERY_STRING = 8 * 1024
PUBLIC_PATHS = {"/health"}
SERVICE_NAME = "nexus-search"


def _error(status: int, code: str, message: str, headers: dict | None = None):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _annotate_text(text: str, paths) -> dict:
    """The annotations of one text; LookupError when they cannot be made here."""
    try:
        from nexus_platform.annotation.predict import annotate_texts
        from nexus_platform.ml.registry import RegistryError
    except ImportError as exc:
        raise LookupError(
            f"annotating needs the annotation models, not installed here: {exc}"
        ) from exc
    try:
        return annotate_texts(paths, [text])[0]
    except (RegistryError, OSError, RuntimeError) as exc:
        raise LookupError(f"the annotation models are not available: {exc}") from exc


def create_app(
    engine: SearchEngine,
    api_key: str | None = None,
    instance: str | None = None,
    on_stop: Callable[[], None] | None = None,
):
    """The app over `engine`; `on_stop` runs when the server shuts down (before uvicorn
    re-raises a SIGTERM, which would skip a caller's `finally`)."""
    from fastapi import FastAPI, Path, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse
    from pydantic import BaseModel, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException

    instance = instance or uuid.uuid4().hex
    served = {"searches": 0}

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        if on_stop is not None:
            on_stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Nexus knowledge search",
        description=(
            "Hybrid (BM25 + embeddings) search over the knowledge base, with filters on "
            "folders, file types and annotations. With NEXUS_API_KEY set, send "
            "`Authorization: Bearer <key>` on every path but /health."
        ),
        version="1",
    )

    def authorised(request: Request) -> bool:
        if not api_key:
            return True
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
        given = given or request.cookies.get(KEY_COOKIE, "")
        return hmac.compare_digest(given.encode(), api_key.encode())

    @app.middleware("http")
    async def guard(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, "too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        if len(request.url.query) > MAX_QUERY_STRING:
            return _error(
                414, "too_large", f"query strings are limited to {MAX_QUERY_STRING} bytes"
            )
        if request.url.path not in PUBLIC_PATHS and not authorised(request):
            wants_page = not request.url.path.startswith(("/api/", "/openapi"))
            if wants_page and "text/html" in request.headers.get("accept", ""):
                return HTMLResponse(SIGN_IN_PAGE, status_code=401)
            return _error(
                401,
                "unauthorized",
                "this service needs an API key: send 'Authorization: Bearer <NEXUS_API_KEY>'",
                {"WWW-Authenticate": "Bearer"},
            )
        try:
            return await call_next(request)
        except Exception:  # noqa: BLE001 - the one place that turns crashes into JSON
            log.exception("search service: %s %s failed", request.method, request.url.path)
            return _error(500, "internal", "the search service failed; see its log")

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, exc: RequestValidationError):
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p not in ('query', 'body', 'path'))}: "
            f"{e['msg']}"
            for e in exc.errors()
        ]
        return _error(422, "invalid_request", "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(NotReady)
    async def not_ready(_request, exc: NotReady):
        return _error(503, "not_ready", str(exc))

    @app.exception_handler(FilterError)
    async def bad_filter(_request, exc: FilterError):
        return _error(400, "invalid_filter", str(exc))

    @app.exception_handler(ValueError)
    async def bad_value(_request, exc: ValueError):
        return _error(400, "invalid_request", str(exc))

    @app.get("/health", tags=["service"], summary="Liveness (no key needed)")
    def health() -> dict:
        # Health is what a user or a monitor polls while the platform builds the indexes:
        # it notices them as a search would (the reload runs in the background).
        engine.refresh(background=True)
        status = engine.status()
        return {
            "status": "ok",
            "service": SERVICE_NAME,
            "instance": instance,
            "records": status["records"],
            "ready": bool(status["records"]) and status["lexical"] and bool(status["dense"]),
        }

    @app.get("/api/search", tags=["search"], summary="Search the knowledge base")
    def search(
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="the query")],
        k: Annotated[int, Query(ge=1, le=MAX_K, description="number of results")] = 10,
        mode: Annotated[str, Query(pattern="^(" + "|".join(MODES) + ")$")] = DEFAULT_MODE,
        where: Annotated[
            list[str] | None,
            Query(
                max_length=MAX_WHERE,
                description="key=value, repeatable: folder=<prefix>, file_type=<ext>, "
                "topic=<label>, <task>=<label>",
            ),
        ] = None,
    ) -> dict:
        engine.refresh(background=True)
        answer = engine.search(q, k=k, mode=mode, where=where or []).to_dict()
        served["searches"] += 1
        return answer

    @app.get("/api/records/{record_id}", tags=["search"], summary="One record by id")
    def record(record_id: Annotated[str, Path(max_length=200)]) -> dict:
        engine.refresh(background=True)
        found = engine.record(record_id)
        if found is None:
            raise StarletteHTTPException(404, f"no record with id {record_id!r}")
        return found

    @app.get("/api/facets", tags=["search"], summary="Values the filters can take")
    def facets() -> dict:
        engine.refresh(background=True)
        return engine.facets()

    @app.get("/api/status", tags=["service"], summary="What the service has loaded")
    def status() -> dict:
        return {**engine.status(), "searches_served": served["searches"]}

    @app.get("/api/files", tags=["landing"], summary="Status of every landing file")
    def files() -> dict:
        from nexus_platform.refresh import status_lines

        return {"files": status_lines(engine.paths)}

    class AnnotateRequest(BaseModel):
        text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)

    @app.post("/api/annotate", tags=["annotations"], summary="Annotate a text")
    def annotate(request: AnnotateRequest):
        try:
            return {"annotations": _annotate_text(request.text, engine.paths)}
        except LookupError as exc:
            return _error(503, "unavailable", str(exc))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return SEARCH_PAGE

    @app.get("/records/{record_id}", response_class=HTMLResponse, include_in_schema=False)
    def record_page(record_id: str) -> str:
        return RECORD_PAGE

    return app

"""Running the search service (`nexus serve`) and finding it from `nexus search`.

The service writes `NEXUS_HOME/search/service.json` (url, pid, a random instance id) once it
listens, and removes it when it stops. `nexus search` reads that file and asks `/health`
(0.5 s timeout) whether the same instance answers; if so the query goes there (milliseconds,
the model is warm), otherwise the command loads the model itself.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass

from nexus_platform.embeddings.index import IndexLocation
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import read_json, remove, write_json

STATE_FILE = "service.json"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
HEALTH_TIMEOUT_S = 0.5
RELOAD_INTERVAL_S = 2.0


class ServiceError(RuntimeError):
    """The service answered with an error (its JSON message is the text)."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def state_file(paths: NexusPaths):
    return paths.search / STATE_FILE


def location_from_env() -> IndexLocation | None:
    """A Qdrant server (production) when QDRANT_URL is set; None: the local vectors."""
    url = os.environ.get("QDRANT_URL")
    return IndexLocation(url=url, api_key=os.environ.get("QDRANT_API_KEY")) if url else None


@dataclass
class ServiceClient:
    url: str
    api_key: str | None = None
    timeout: float = 30.0

    def _get(self, path: str, params: list[tuple[str, str]], timeout: float | None = None):
        import requests

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = requests.get(
            self.url + path, params=params, headers=headers, timeout=timeout or self.timeout
        )
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:200]}
        if response.status_code >= 400:
            raise ServiceError(response.status_code, body.get("message") or response.reason)
        return body

    def health(self) -> dict:
        return self._get("/health", [], timeout=HEALTH_TIMEOUT_S)

    def search(self, query: str, k: int, mode: str, where: list[str]) -> dict:
        params = [("q", query), ("k", str(k)), ("mode", mode)]
        params += [("where", w) for w in where]
        return self._get("/api/search", params)


def discover(paths: NexusPaths, api_key: str | None = None) -> ServiceClient | None:
    """The running service of this NEXUS_HOME, or None."""
    import requests

    state = read_json(state_file(paths))
    if not state or not state.get("url"):
        return None
    client = ServiceClient(state["url"], api_key)
    try:
        health = client.health()
    except (requests.RequestException, ServiceError, ValueError):
        return None
    return client if health.get("instance") == state.get("instance") else None


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def serve(
    paths: NexusPaths,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    api_key: str | None = None,
    log=print,
) -> None:
    """Load the indexes and the model once, then answer until interrupted (Ctrl-C/SIGTERM)."""
    import uvicorn

    from nexus_platform.search.api import create_app
    from nexus_platform.search.engine import SearchEngine

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # Listen now: a client that finds the state file before uvicorn accepts waits in the
    # backlog instead of being refused.
    sock.listen(2048)
    port = sock.getsockname()[1]
    started = time.perf_counter()
    engine = SearchEngine(paths, location_from_env(), reload_interval=RELOAD_INTERVAL_S)
    engine.warm_up()
    status = engine.status()
    log(
        f"search index loaded in {time.perf_counter() - started:.1f} s: {status['records']} "
        f"records, lexical {'yes' if status['lexical'] else 'not built yet'}, dense "
        f"{status['dense'] or 'not built yet'}"
    )
    instance = uuid.uuid4().hex

    def forget() -> None:
        current = read_json(state_file(paths)) or {}
        if current.get("instance") == instance:
            remove(state_file(paths))

    app = create_app(engine, api_key=api_key, instance=instance, on_stop=forget)
    url = f"http://{_client_host(host)}:{port}"
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    write_json(
        state_file(paths),
        {"url": url, "pid": os.getpid(), "instance": instance, "api_key_required": bool(api_key)},
    )
    log(f"search service on {url} (web page {url}/, API docs {url}/docs)")
    try:
        server.run(sockets=[sock])
    finally:
        forget()
        sock.close()

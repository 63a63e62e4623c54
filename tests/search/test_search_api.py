"""The search service's HTTP API: every mode, filters, bounds, the API key, error shapes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from search_kb import WATER_TOPIC, rewrite_record

from nexus_platform.search.api import MAX_BODY_BYTES, create_app

KEY = "k3y-for-tests-7d1f"
XLSX = "materials/lca/oekobaudat_materials_excerpt.xlsx"


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(engine)) as client:
        yield client


@pytest.fixture(scope="module")
def locked(engine):
    with TestClient(create_app(engine, api_key=KEY)) as client:
        yield client


def _error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == code
    assert "Traceback" not in body["message"]
    return body["message"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_search_in_each_mode(client, mode):
    response = client.get("/api/search", params={"q": "CEM III/A", "k": 3, "mode": mode})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == mode and len(body["results"]) <= 3
    top = body["results"][0]
    assert set(top) == {"id", "text", "score", "source", "annotations"}
    assert (top["source"]["path"], top["source"]["row"], top["annotations"]) == (XLSX, 7, {})
    assert top["source"]["folders"] == ["materials", "lca"] and top["source"]["page"] is None


def test_search_defaults_to_hybrid_and_ten_results(client):
    body = client.get("/api/search", params={"q": "supplier audits"}).json()
    assert body["mode"] == "hybrid" and len(body["results"]) == 10


def test_filters_in_the_api(client):
    params = [
        ("q", "water"),
        ("k", "20"),
        ("where", f"topic={WATER_TOPIC}"),
        ("where", "folder=nlp/sentiment"),
    ]
    body = client.get("/api/search", params=params).json()
    assert body["where"] == [f"topic={WATER_TOPIC}", "folder=nlp/sentiment"]
    assert body["results"]
    for result in body["results"]:
        assert result["source"]["path"] == "nlp/sentiment/esg_sentiment.csv"
        assert result["annotations"]["topics"] == [
            {"label": WATER_TOPIC, "score": pytest.approx(0.61)}
        ]
        assert result["annotations"]["esg_sentiment"]["label"] in {
            "positive",
            "negative",
            "neutral",
        }

    empty = client.get("/api/search", params={"q": "cement", "where": "file_type=docxx"})
    assert empty.status_code == 200
    body = empty.json()
    assert body["results"] == [] and body["emptied_by"] == "file_type=docxx"
    assert "file types: csv" in body["empty_reason"]


def test_record_and_facets(client):
    hit = client.get("/api/search", params={"q": "Kesseltausch", "k": 1}).json()["results"][0]
    record = client.get(f"/api/records/{hit['id']}").json()
    assert record["text"] == hit["text"] == "Kesseltausch geplant für 2025"
    assert record["metadata"]["werk"] and record["source"] == hit["source"]
    _error(client.get("/api/records/not-a-record"), 404, "not_found")

    facets = client.get("/api/facets").json()
    assert "materials/lca" in facets["folders"] and "pdf" in facets["file_types"]
    assert facets["tasks"] == {"esg_sentiment": ["negative", "neutral", "positive"]}
    assert facets["topics"] == [WATER_TOPIC]


def test_landing_file_status(client):
    files = client.get("/api/files").json()["files"]
    by_path = {f["path"]: f for f in files}
    assert by_path[XLSX]["status"] == "converted"
    assert by_path["_inbox/empty_supplier_list.csv"]["error"]["class"] == "empty"


def test_annotate_returns_the_annotations_or_503_with_the_reason(client, monkeypatch):
    import nexus_platform.annotation.predict as predict
    from nexus_platform.ml.registry import RegistryError

    calls = []

    def annotate_texts(paths, texts, registry=None):
        calls.append((str(paths.home), list(texts)))
        return [{"esg_sentiment": {"label": "positive", "score": 0.8}} for _ in texts]

    monkeypatch.setattr(predict, "annotate_texts", annotate_texts)
    body = client.post("/api/annotate", json={"text": "Emissions fell."}).json()
    assert body == {"annotations": {"esg_sentiment": {"label": "positive", "score": 0.8}}}
    assert calls and calls[0][1] == ["Emissions fell."]

    def no_registry(paths, texts, registry=None):
        raise RegistryError("no model registry under /x")

    monkeypatch.setattr(predict, "annotate_texts", no_registry)
    response = client.post("/api/annotate", json={"text": "Emissions fell."})
    assert "no model registry" in _error(response, 503, "unavailable")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x", "k": 101}, "k"),
        ({"q": "x", "k": 0}, "k"),
        ({"q": "x" * 1001}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x", "mode": "fuzzy"}, "mode"),
        ({}, "q"),
    ],
)
def test_bounds_are_enforced(client, params, field):
    message = _error(client.get("/api/search", params=params), 422, "invalid_request")
    assert message.startswith(field)


def test_bad_filters_and_oversized_requests(client):
    _error(client.get("/api/search", params={"q": "x", "where": "pdf"}), 400, "invalid_filter")
    too_many = [("q", "x")] + [("where", f"folder=f{i}") for i in range(21)]
    _error(client.get("/api/search", params=too_many), 422, "invalid_request")
    _error(
        client.get("/api/search", params={"q": "x", "where": "folder=" + "a" * 300}),
        400,
        "invalid_filter",
    )
    big = {"text": "x" * (MAX_BODY_BYTES + 10)}
    _error(client.post("/api/annotate", json=big), 413, "too_large")
    _error(client.post("/api/annotate", json={"text": "x" * 10_001}), 422, "invalid_request")
    _error(client.get("/api/search", params={"q": "x" * 9000}), 414, "too_large")
    _error(client.delete("/api/search"), 405, "method_not_allowed")


def test_unexpected_errors_are_json_without_a_trace(engine, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        monkeypatch.setattr(engine, "facets", boom)
        message = _error(client.get("/api/facets"), 500, "internal")
    assert "secret" not in message


def test_openapi_documents_the_contract(client):
    schema = client.get("/openapi.json").json()
    assert {
        "/health",
        "/api/search",
        "/api/records/{record_id}",
        "/api/files",
        "/api/annotate",
    } <= set(schema["paths"])
    names = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "k", "mode", "where"}
    assert client.get("/docs").status_code == 200


def test_without_a_key_configured_everything_is_open(client):
    assert client.get("/").status_code == 200
    assert client.get("/api/facets").status_code == 200


def test_with_a_key_every_path_but_health_needs_it(locked):
    assert locked.get("/health").json()["status"] == "ok"
    for path in (
        "/api/search?q=cement",
        "/api/facets",
        "/api/files",
        "/openapi.json",
        "/api/records/x",
    ):
        response = locked.get(path)
        message = _error(response, 401, "unauthorized")
        assert "Bearer" in message and response.headers["www-authenticate"] == "Bearer"
    _error(locked.post("/api/annotate", json={"text": "x"}), 401, "unauthorized")
    wrong = locked.get("/api/facets", headers={"Authorization": "Bearer nope"})
    _error(wrong, 401, "unauthorized")

    good = locked.get(
        "/api/search", params={"q": "cement", "k": 2}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert good.status_code == 200 and len(good.json()["results"]) == 2

    page = locked.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 401 and 'id="key-form"' in page.text
    assert "Nexus knowledge search" in page.text and "search-form" not in page.text
    locked.cookies.set("nexus_api_key", KEY)
    try:
        assert 'id="search-form"' in locked.get("/", headers={"Accept": "text/html"}).text
        assert locked.get("/api/facets").status_code == 200
    finally:
        locked.cookies.clear()


def test_the_service_picks_up_a_rebuilt_index_by_itself(copy_home):
    import time

    from nexus_platform.embeddings.records import knowledgebase_file
    from nexus_platform.search.engine import SearchEngine
    from nexus_platform.search.lexical import update_lexical_index

    paths = copy_home()
    engine = SearchEngine(paths, reload_interval=0.0)
    with TestClient(create_app(engine)) as client:
        params = {"q": "Obernkirchen", "mode": "lexical"}
        assert client.get("/api/search", params=params).json()["results"] == []
        changed = rewrite_record(paths, 7, "Obernkirchen sandstone quarry gets a rail siding")
        update_lexical_index(knowledgebase_file(paths), paths.search)
        deadline = time.monotonic() + 60
        while True:  # the reload runs in the background; the old snapshot answers meanwhile
            results = client.get("/api/search", params=params).json()["results"]
            if results or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert [r["id"] for r in results] == [changed]
        assert client.get("/api/status").json()["stale"] == ["dense"]


def test_health_becomes_ready_once_the_indexes_are_built(sample_home, tmp_path):
    """`make run` starts the service before the platform has built anything: polling only
    /health, a user sees it turn ready once the indexes are there."""
    import shutil
    import time

    from nexus_platform.search.engine import SearchEngine
    from nexus_platform.settings import NexusPaths

    home = tmp_path / "home"
    home.mkdir()
    engine = SearchEngine(NexusPaths.from_uri(str(home)), reload_interval=0.0)
    with TestClient(create_app(engine)) as client:
        assert client.get("/health").json()["ready"] is False
        shutil.copytree(sample_home.home.path, home, symlinks=True, dirs_exist_ok=True)
        deadline = time.monotonic() + 60
        while not (health := client.get("/health").json())["ready"]:
            assert time.monotonic() < deadline, health
            time.sleep(0.2)
        assert health["records"] > 0

"""A small Airbyte server on 127.0.0.1 speaking the public API v1 (and the one config-API
call that carries failure messages).

Token: POST /api/public/v1/applications/token; connections: GET /connections/{id};
jobs: GET/POST /jobs, GET/DELETE /jobs/{id}; failure details: POST /api/v1/jobs/get.
A job's fate is scripted: it advances one step per GET until `polls_to_finish`, then ends
in `outcome` ("succeeded", "failed", or "never" to keep running).
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

API = "/api/public/v1"


class AirbyteServer:
    def __init__(self, client_id: str, client_secret: str, token_ttl_s: int = 180):
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl_s = token_ttl_s
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.connections: dict[str, str] = {}  # id -> name
        self.jobs: dict[int, dict] = {}
        self.polls: dict[int, int] = {}
        self.outcome = "succeeded"
        self.polls_to_finish = 2
        self.failure_message = "Source oekobaudat failed: HTTP 500 from upstream"
        self.rows, self.bytes = 1234, 567_890
        self.fail_next: list[int] = []  # statuses to answer the next job requests with
        self.log: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: object):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                server.log.append((method, self.path, dict(self.headers)))
                with server.lock:
                    status, payload = server.route(method, self.path, body, self.headers)
                self._send(status, payload)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add_connection(self, connection_id: str, name: str) -> None:
        self.connections[connection_id] = name

    def start_job(self, connection_id: str, status: str = "running") -> dict:
        job_id = max(self.jobs, default=100) + 1
        self.jobs[job_id] = {
            "jobId": job_id,
            "connectionId": connection_id,
            "jobType": "sync",
            "status": status,
            "startTime": datetime.now(UTC).isoformat(),
        }
        self.polls[job_id] = 0
        return self.jobs[job_id]

    def _authorised(self, headers) -> bool:
        auth = headers.get("Authorization") or ""
        return auth.startswith("Bearer ") and auth[7:] in self.tokens

    def _advance(self, job: dict) -> None:
        if job["status"] not in ("pending", "running"):
            return
        self.polls[job["jobId"]] += 1
        if self.outcome != "never" and self.polls[job["jobId"]] >= self.polls_to_finish:
            job["status"] = self.outcome
            job["duration"] = "PT1M3S"
            if self.outcome == "succeeded":
                job["rowsSynced"], job["bytesSynced"] = self.rows, self.bytes

    def route(self, method: str, path: str, body: dict, headers) -> tuple[int, object]:
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "POST" and url.path == f"{API}/applications/token":
            self.token_requests += 1
            if (body.get("client_id"), body.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ) or body.get("grant-type") != "client_credentials":
                return 401, {"message": "Invalid client credentials"}
            token = secrets.token_hex(16)
            self.tokens.add(token)
            return 200, {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_ttl_s,
            }
        if not self._authorised(headers):
            return 401, {"message": "Unauthorized"}
        if self.fail_next:
            return self.fail_next.pop(0), {"message": "try again"}
        parts = url.path.removeprefix(API).strip("/").split("/")
        if url.path == "/api/v1/jobs/get" and method == "POST":
            job = self.jobs.get(int(body.get("id", -1)))
            if job is None:
                return 404, {"message": "no job"}
            failures = (
                [{"failureOrigin": "source", "externalMessage": self.failure_message}]
                if job["status"] == "failed"
                else []
            )
            return 200, {
                "job": {"id": job["jobId"], "status": job["status"]},
                "attempts": [
                    {
                        "attempt": {
                            "id": 0,
                            "status": job["status"],
                            "failureSummary": {"failures": failures},
                        }
                    }
                ],
            }
        if parts[0] == "connections" and len(parts) == 2 and method == "GET":
            if parts[1] not in self.connections:
                return 404, {"message": "connection not found"}
            return 200, {
                "connectionId": parts[1],
                "name": self.connections[parts[1]],
                "sourceId": "s",
                "destinationId": "d",
                "workspaceId": "w",
                "status": "active",
                "schedule": {"scheduleType": "manual"},
                "createdAt": 0,
                "tags": [],
                "configurations": {"streams": []},
            }
        if parts == ["jobs"] and method == "GET":
            found = [
                j
                for j in self.jobs.values()
                if j["connectionId"] == query.get("connectionId", j["connectionId"])
            ]
            return 200, {"data": sorted(found, key=lambda j: -j["jobId"])}
        if parts == ["jobs"] and method == "POST":
            conn = body.get("connectionId")
            if conn not in self.connections:
                return 404, {"message": f"connection {conn} not found"}
            if any(
                j["connectionId"] == conn and j["status"] in ("pending", "running")
                for j in self.jobs.values()
            ):
                return 409, {"message": f"A sync is already running for: {conn}"}
            return 200, self.start_job(conn, "pending")
        if parts[0] == "jobs" and len(parts) == 2:
            job = self.jobs.get(int(parts[1]))
            if job is None:
                return 404, {"message": "job not found"}
            if method == "GET":
                self._advance(job)
                return 200, job
            if method == "DELETE":
                job["status"] = "cancelled"
                return 200, job
        return 404, {"message": f"no route {method} {path}"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

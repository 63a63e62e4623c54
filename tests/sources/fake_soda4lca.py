"""A small soda4LCA service on 127.0.0.1 speaking the JSON API the ÖKOBAUDAT reader uses.

Serves /resource/datastocks, /resource/datastocks/{uuid}/processes (paged with startIndex /
pageSize / totalCount) and /resource/processes/{uuid}?view=extended. Failures can be
scripted per page (HTTP 503 n times, then success).
"""

from __future__ import annotations

import json
import threading
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

STOCK_CURRENT = "cd2bda71-760b-4fcc-8a0b-3877c10000a8"
STOCK_OLD = "448d1096-2017-4901-a560-f652a83c737e"

MATERIALS = [
    ("Mineralische Baustoffe / Beton / Transportbeton", "Transportbeton C20/25", 210.0),
    ("Mineralische Baustoffe / Beton / Transportbeton", "Transportbeton C30/37", 265.0),
    ("Mineralische Baustoffe / Mörtel und Estriche / Zementestrich", "Zementestrich", 180.0),
    ("Dämmstoffe / Mineralwolle / Steinwolle", "Steinwolle-Dämmplatte", 1.6),
    ("Dämmstoffe / Holzfaser / Holzfaserdämmplatte", "Holzfaser-Dämmplatte", -45.0),
    ("Holz / Vollholz / Konstruktionsvollholz", "Konstruktionsvollholz KVH", -650.0),
    ("Metalle / Stahl und Eisen / Baustahl", "Bewehrungsstahl", 700.0),
]


def make_process(i: int) -> tuple[dict, float]:
    classific, name, gwp = MATERIALS[i % len(MATERIALS)]
    pid = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"oekobaudat-test-{i}"))
    entry = {
        "uuid": pid,
        "version": f"00.0{1 + i % 3}.000",
        "name": f"{name} ({i})"
        if i % 2
        else [
            {"lang": "de", "value": f"{name} ({i})"},
            {"lang": "en", "value": f"EN {name} ({i})"},
        ],
        "classific": classific,
        "type": "EPD",
        "subType": ("generic dataset", "specific dataset", "average dataset")[i % 3],
        "location": "DE" if i % 4 else "EU",
        "referenceYear": 2018 + i % 6,
        "validUntil": 2024 + i % 6,
        "owner": "BBSR",
        "uri": f"../processes/{pid}?version=00.01.000",
        "compliance": [{"name": "DIN EN 15804+A2"}],
    }
    return entry, gwp * (1 + i / 100)


def make_extended(entry: dict, gwp: float) -> dict:
    def indicator(ref_id, name, unit, modules):
        anies = [
            {
                "name": "referenceToUnitGroupDataSet",
                "objectReference": {"shortDescription": [{"lang": "en", "value": unit}]},
            }
        ]
        anies += [{"module": m, "value": f"{v:.6E}"} for m, v in modules]
        return {
            "referenceToLCIAMethodDataSet": {
                "refObjectId": ref_id,
                "shortDescription": [{"lang": "en", "value": name}],
            },
            "other": {"anies": anies},
        }

    return {
        "processInformation": {"dataSetInformation": {"UUID": entry["uuid"]}},
        "version": entry["version"],
        "LCIAResults": {
            "LCIAResult": [
                indicator(
                    "6a37f984-a4b3-458a-a20a-64418c145fa2",
                    "Global Warming Potential - total (GWP-total)",
                    "kg CO2 eq",
                    [("A1-A3", gwp), ("C3", gwp * 0.05), ("D", -gwp * 0.1)],
                ),
                indicator(
                    "b5c629d6-def3-11e6-bf01-fe55135034f3",
                    "Depletion potential of the stratospheric ozone layer (ODP)",
                    "kg CFC-11 eq",
                    [("A1-A3", 1e-7)],
                ),
            ]
        },
    }


class Soda4LcaServer:
    def __init__(self, n_processes: int = 23):
        made = [make_process(i) for i in range(n_processes)]
        self.processes = [entry for entry, _ in made]
        self.extended = {e["uuid"]: make_extended(e, g) for e, g in made}
        self.fail_pages: dict[int, int] = {}  # startIndex -> remaining 503 answers
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.requests.append(self.path)
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                status, body = server.route(url.path, query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/resource"

    def route(self, path: str, query: dict) -> tuple[int, object]:
        parts = path.strip("/").split("/")
        if query.get("format") != "json":
            return 406, {"error": "only format=json in this test service"}
        if parts == ["resource", "datastocks"]:
            return 200, {
                "dataStocks": [
                    {
                        "uuid": STOCK_OLD,
                        "shortName": "OBD_2020_II",
                        "root": True,
                        "name": [{"lang": "en", "value": "ÖKOBAUDAT 2020-II"}],
                    },
                    {
                        "uuid": STOCK_CURRENT,
                        "shortName": "OBD_2023_I",
                        "root": True,
                        "name": [{"lang": "en", "value": "ÖKOBAUDAT 2023-I"}],
                    },
                ]
            }
        if len(parts) == 4 and parts[:2] == ["resource", "datastocks"] and parts[3] == "processes":
            if parts[2] not in (STOCK_CURRENT, STOCK_OLD):
                return 404, {"error": f"data stock {parts[2]} not found"}
            start, size = int(query.get("startIndex", 0)), int(query.get("pageSize", 500))
            if self.fail_pages.get(start, 0) > 0:
                self.fail_pages[start] -= 1
                return 503, {"error": "temporarily unavailable"}
            return 200, {
                "startIndex": start,
                "pageSize": size,
                "totalCount": len(self.processes),
                "data": self.processes[start : start + size],
            }
        if len(parts) == 3 and parts[:2] == ["resource", "processes"]:
            found = self.extended.get(parts[2])
            if found is None or query.get("view") != "extended":
                return 404, {"error": "not found"}
            return 200, found
        return 404, {"error": f"no route {path}"}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

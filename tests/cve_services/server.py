"""A local CVE Services over real HTTP: the routes, headers and error bodies the CNA API has.

Shaped after CVEProject/cve-services (api-docs/openapi.json and its controllers): the
CVE-API-ORG/USER/KEY headers (400 BAD_REQUEST when one is missing, 401 UNAUTHORIZED when
they do not match), POST /cve-id (amount, cve_year, short_name; quota), GET /cve-id and
/cve-id/{id}, POST and PUT /cve/{id}/cna (the whole record validated against the CVE JSON
schema), POST /cve/{id}/reject, GET /cve/{id}. Errors are `{"error", "message"[, "details"]}`;
rate limits answer 429 with RateLimit-* headers. Faults: rate limits, an outage (500
SERVICE_NOT_AVAILABLE, as the service's error handler answers), dropped connections, and
answers lost after the work was done.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.cve.schema_check import record_problems

ORG_UUID = "5b1c7e2a-3f4d-4e8a-9b2c-1d2e3f4a5b6c"
APPEARS = "This submission should appear on https://www.cve.org within 15 minutes."


@dataclass
class IdRow:
    cve_id: str
    year: int
    state: str
    owning_cna: str
    user: str
    reserved: datetime
    record: dict[str, Any] | None = None


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Faults:
    rate_limited: int = 0  # the next N requests get 429
    reset_seconds: int = 1
    outage: int = 0  # the next N requests get 500 SERVICE_NOT_AVAILABLE
    dropped: int = 0  # the next N connections close without an answer
    lose_answer: list[str] = field(default_factory=list)  # "POST /cve-id": done, then dropped


class FakeCveServices:
    def __init__(
        self, org: str = "example", user: str = "cna-bot@example.org", key: str = ""
    ) -> None:
        self.org, self.user = org, user
        self.issued_key = key or "test-cve-api-key-" + uuid.uuid4().hex[:8]
        self.lock = threading.Lock()
        self.reset()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.key = self.issued_key
            self.ids: dict[str, IdRow] = {}
            self.requests: list[Request] = []
            self.faults = Faults()
            self.quota = 10
            self.next_number = {2026: 10000}
            self.years = {2025, 2026, 2027}

    def start(self) -> FakeCveServices:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def add_id(self, cve_id: str, state: str = "RESERVED", org: str | None = None) -> IdRow:
        row = IdRow(cve_id, int(cve_id[4:8]), state, org or self.org, self.user, _now())
        self.ids[cve_id] = row
        return row

    def calls(self, method: str, prefix: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # -- request handling ------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, Any, dict[str, str]] | None:
        """The answer, or None to drop the connection."""
        with self.lock:
            self.requests.append(request)
            faults = self.faults
            if faults.dropped:
                faults.dropped -= 1
                return None
            if faults.rate_limited:
                faults.rate_limited -= 1
                headers = {
                    "RateLimit-Limit": "1000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(faults.reset_seconds),
                    "RateLimit-Policy": "1000;w=1",
                }
                body = {
                    "error": "TOO_MANY_REQUESTS",
                    "message": "Too many requests. Please try again later.",
                }
                return 429, body, headers
            if faults.outage:
                faults.outage -= 1
                return (
                    500,
                    _error("SERVICE_NOT_AVAILABLE", "This service appears to not be available."),
                    {},
                )
            for name in ("CVE-API-ORG", "CVE-API-USER", "CVE-API-KEY"):
                if not request.headers.get(name.lower()):
                    return 400, _error("BAD_REQUEST", f"{name} header field required."), {}
            if (
                request.headers["cve-api-org"] != self.org
                or request.headers["cve-api-user"] != self.user
                or request.headers["cve-api-key"] != self.key
            ):
                return 401, _error("UNAUTHORIZED", "Unauthorized"), {}
            status, body = self._route(request)
            key = f"{request.method} {request.path}"
            for lost in list(faults.lose_answer):
                if key.startswith(lost):
                    faults.lose_answer.remove(lost)
                    return None
            return status, body, {}

    def _route(self, request: Request) -> tuple[int, Any]:
        parts = request.path.removeprefix("/api").strip("/").split("/")
        method = request.method
        if parts == ["cve-id"] and method == "POST":
            return self._reserve(request.query)
        if parts == ["cve-id"] and method == "GET":
            return self._list(request.query)
        if len(parts) == 2 and parts[0] == "cve-id" and method == "GET":
            row = self.ids.get(parts[1])
            if row is None:
                return 404, _error("CVE_ID_NOT_FOUND", f"{parts[1]} not found")
            return 200, _id_json(row)
        if len(parts) == 2 and parts[0] == "cve" and method == "GET":
            row = self.ids.get(parts[1])
            if row is None or row.record is None:
                return 404, _error(
                    "CVE_RECORD_DNE", "The cve record for the cve id does not exist."
                )
            return 200, row.record
        if len(parts) == 3 and parts[0] == "cve" and parts[2] == "cna":
            return self._cna(parts[1], method, request.body)
        if len(parts) == 3 and parts[0] == "cve" and parts[2] == "reject" and method == "POST":
            return self._reject(parts[1], request.body)
        return 404, _error("NOT_FOUND", "404: resource not found")

    def _reserve(self, query: dict[str, str]) -> tuple[int, Any]:
        short_name = query.get("short_name")
        if not short_name:
            return 400, _error(
                "NO_ORG_SHORTNAME", "The short_name query parameter is required to reserve CVE IDs."
            )
        if short_name != self.org:
            return 403, _error(
                "ORG_CANNOT_RESERVE_FOR_OTHER",
                "The organization designated by the CVE-API-ORG header is not allowed to "
                "reserve IDs for the organization specified by the short_name query parameter.",
            )
        if not query.get("cve_year"):
            return 400, _error(
                "NO_YEAR", "The cve_year query parameter is required [1999-present+1]."
            )
        if not query.get("amount"):
            return 400, _error(
                "NO_AMOUNT", "The amount query parameter is required and needs to be above 0."
            )
        amount, year = int(query["amount"]), int(query["cve_year"])
        if amount < 1:
            return 400, _error("INVALID_AMOUNT", "The amount query parameter needs to be above 0.")
        if amount > 1 and not query.get("batch_type"):
            return 400, _error(
                "NO_BATCH_TYPE",
                "The batch_type query parameter must be specified when reserving more than one "
                "CVE ID.",
            )
        reserved = sum(1 for r in self.ids.values() if r.state == "RESERVED")
        if reserved + amount > self.quota:
            return 403, {
                **_error(
                    "EXCEEDED_ID_QUOTA",
                    "The amount requested would exceed the organization's ID quota.",
                ),
                "details": {
                    "id_quota": self.quota,
                    "total_reserved": reserved,
                    "available": self.quota - reserved,
                },
            }
        if year not in self.years:
            return 403, _error(
                "CANNOT_RESERVE_FOR_YEAR",
                f"IDR is not currently configured to reserve IDs for year {year}.",
            )
        made = []
        for _ in range(amount):
            number = self.next_number.get(year, 1000)
            self.next_number[year] = number + 1
            made.append(self.add_id(f"CVE-{year}-{number}"))
        remaining = self.quota - reserved - amount
        return 200, {"cve_ids": [_id_json(r) for r in made], "meta": {"remaining_quota": remaining}}

    def _list(self, query: dict[str, str]) -> tuple[int, Any]:
        rows = [r for r in self.ids.values() if r.owning_cna == self.org]
        if query.get("state"):
            rows = [r for r in rows if r.state == query["state"]]
        if query.get("cve_id_year"):
            rows = [r for r in rows if str(r.year) == query["cve_id_year"]]
        if query.get("time_reserved.gt"):
            since = datetime.fromisoformat(query["time_reserved.gt"]).replace(tzinfo=UTC)
            rows = [r for r in rows if r.reserved > since]
        return 200, {"cve_ids": [_id_json(r) for r in rows]}

    def _cna(self, cve_id: str, method: str, body: Any) -> tuple[int, Any]:
        row = self.ids.get(cve_id)
        if row is None:
            return 400, _error("CVEID_DNE", "The cve id does not exist.")
        if row.owning_cna != self.org:
            return 403, _error(
                "CVEID_ORG_DOES_NOT_MATCH", "The cve id owning org does not match user org."
            )
        if method == "POST" and row.record is not None:
            return 403, _error("CVE_RECORD_EXISTS", "The cve record for the cve id already exists.")
        if method == "PUT" and row.record is None:
            return 403, _error("CVE_RECORD_DNE", "The cve record for the cve id does not exist.")
        container = dict((body or {}).get("cnaContainer") or {})
        now = _stamp(_now())
        container["providerMetadata"] = {
            "orgId": ORG_UUID,
            "shortName": self.org,
            "dateUpdated": now,
        }
        record = {
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1",
            "cveMetadata": {
                "cveId": cve_id,
                "assignerOrgId": ORG_UUID,
                "assignerShortName": self.org,
                "state": "PUBLISHED",
                "dateReserved": _stamp(row.reserved),
                "datePublished": (row.record or {})
                .get("cveMetadata", {})
                .get("datePublished", now),
                "dateUpdated": now,
            },
            "containers": {"cna": container},
        }
        problems = record_problems(record)
        if problems:
            errors = [
                {"instancePath": p.split(":")[0], "message": p.split(": ", 1)[-1]} for p in problems
            ]
            return 400, {
                **_error("INVALID_JSON_SCHEMA", "CVE cnaContainer JSON schema validation FAILED."),
                "details": {"errors": errors},
            }
        row.record, row.state = record, "PUBLISHED"
        if method == "POST":
            message = f"{cve_id} record was successfully created. {APPEARS}"
            return 200, {"message": message, "created": record}
        message = f"{cve_id} record was successfully updated. {APPEARS}"
        return 200, {"message": message, "updated": record}

    def _reject(self, cve_id: str, body: Any) -> tuple[int, Any]:
        row = self.ids.get(cve_id)
        if row is None:
            return 400, _error("CVEID_DNE", "The cve id does not exist.")
        if row.record is not None:
            return 400, _error("CVE_RECORD_EXISTS", "The cve record for the cve id already exists.")
        reasons = ((body or {}).get("cnaContainer") or {}).get("rejectedReasons")
        if not reasons:
            return 400, {
                **_error("BAD_INPUT", "Parameters were invalid"),
                "details": [
                    {
                        "msg": "Invalid value",
                        "param": "cnaContainer.rejectedReasons",
                        "location": "body",
                    }
                ],
            }
        row.state = "REJECTED"
        row.record = {
            "cveMetadata": {"cveId": cve_id, "state": "REJECTED"},
            "containers": {"cna": {"rejectedReasons": reasons}},
        }
        return 200, {
            "message": f"{cve_id} record was successfully submitted.",
            "created": row.record,
        }


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": code, "message": message}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _id_json(row: IdRow) -> dict[str, Any]:
    return {
        "cve_id": row.cve_id,
        "cve_year": str(row.year),
        "owning_cna": row.owning_cna,
        "state": row.state,
        "requested_by": {"cna": row.owning_cna, "user": row.user},
        "reserved": _stamp(row.reserved),
        "time": {"created": _stamp(row.reserved), "modified": _stamp(row.reserved)},
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeCveServices) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def do_PUT(self) -> None:
        self._route()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _route(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = Request(
            self.command,
            url.path,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        answer = self.server.fake.handle(request)
        if answer is None:
            self.close_connection = True
            self.connection.close()
            return
        status, payload, headers = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

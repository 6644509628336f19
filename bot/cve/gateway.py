"""The one gateway to CVE Services, the CVE Program's REST API for CNAs.

Every call carries the CNA's credentials in the CVE-API-ORG, CVE-API-USER and CVE-API-KEY
headers. Short rate limits (429 with RateLimit-Reset or Retry-After up to `max_wait`
seconds) are waited out; 5xx answers and connection failures are retried twice. A
reservation whose answer was lost is looked up among the IDs reserved since the request
before it is asked for again, so one click never reserves two IDs. The service's error
bodies (`{"error": CODE, "message": ...}`) become `CveServicesError` with plain words.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)
RETRIES = 2
BACKOFF_SECONDS = (0.5, 1.0)
MAX_RATE_LIMIT_WAIT = 10.0

# What a person is told for the service's known error codes.
PLAIN: dict[str, str] = {
    "UNAUTHORIZED": "CVE Services refused our credentials (check CVE_API_ORG, CVE_API_USER "
    "and CVE_API_KEY)",
    "EXCEEDED_ID_QUOTA": "the organisation's quota of reserved CVE IDs is used up; reject "
    "unused IDs (`/disclose cve unused`) or ask the CVE Program for a larger quota",
    "CANNOT_RESERVE_FOR_YEAR": "CVE Services does not reserve IDs for that year yet",
    "YEAR_RANGE_FULL": "CVE Services has no more IDs for that year",
    "RESERVATION_IN_PROGRESS": "another reservation for the organisation is in progress; "
    "try again in a moment",
    "ORG_CANNOT_RESERVE_FOR_OTHER": "our organisation may not reserve IDs for that CNA",
    "CVEID_ORG_DOES_NOT_MATCH": "the CVE ID belongs to another organisation",
    "CVE_RECORD_EXISTS": "a record for this CVE ID is already published",
    "CVE_RECORD_DNE": "no record for this CVE ID is published yet",
    "CVEID_DNE": "CVE Services does not know this CVE ID",
    "CVE_ID_NOT_FOUND": "CVE Services does not know this CVE ID",
    "INVALID_JSON_SCHEMA": "CVE Services found the record invalid",
    "TOO_MANY_REQUESTS": "CVE Services is rate limiting us; try again in a minute",
    "SERVICE_NOT_AVAILABLE": "CVE Services is not available right now; try again later",
    "INTERNAL_SERVER_ERROR": "CVE Services had an internal error; try again later",
}


class CveServicesError(Exception):
    """CVE Services refused or failed a call; `plain` says so in words for a person."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, lost: bool = False
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details
        self.lost = lost  # the call may have taken effect: its answer never came

    @property
    def plain(self) -> str:
        known = PLAIN.get(self.code)
        text = known or self.message or self.code
        if self.code == "INVALID_JSON_SCHEMA":
            errors = (self.details or {}).get("errors") if isinstance(self.details, dict) else None
            if errors:
                text += ": " + "; ".join(_schema_error(e) for e in errors[:5])
        return text


class CveUnavailable(CveServicesError):
    """The service did not answer usefully after the retries (outage, long rate limit)."""


class CveNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class ReservedId:
    cve_id: str
    year: int
    state: str
    reserved_at: datetime | None


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class CveServices:
    def __init__(
        self,
        base_url: str,
        org: str,
        user: str,
        key: str,
        *,
        timeout: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_RATE_LIMIT_WAIT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.org, self.user, self._key = org, user, key
        self.timeout, self.sleep, self.max_wait = timeout, sleep, max_wait

    # -- the routes ----------------------------------------------------------------------

    def reserve(self, year: int, known: Collection[str] = ()) -> ReservedId:
        """Reserve one ID for `year` for our own organisation. `known` are the IDs the caller
        already holds, so a lost answer is never mistaken for one of them."""
        query = {"amount": "1", "cve_year": str(year), "short_name": self.org}
        # The service compares reservation times to the second: look from just before.
        asked_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        try:
            answer = self._call("POST", "/cve-id", query=query, retry_lost=False)
        except CveServicesError as exc:
            if not exc.lost:
                raise
            found = self._reserved_since(year, asked_at, set(known))
            if found is not None:
                log.info("reservation answer lost; found %s reserved since", found.cve_id)
                return found
            answer = self._call("POST", "/cve-id", query=query)
        ids = (answer.body or {}).get("cve_ids") or []
        if not ids:
            raise CveServicesError(answer.status, "NO_ID", "CVE Services reserved no ID")
        return _reserved(ids[0])

    def cve_id(self, cve_id: str) -> ReservedId:
        return _reserved(self._call("GET", f"/cve-id/{_quote(cve_id)}").body)

    def reserved_ids(self, year: int | None = None) -> list[ReservedId]:
        """Every ID of our organisation still in the RESERVED state (all pages)."""
        found: list[ReservedId] = []
        page = 1
        while True:
            query = {"state": "RESERVED", "page": str(page)}
            if year is not None:
                query["cve_id_year"] = str(year)
            body = self._call("GET", "/cve-id", query=query).body or {}
            found += [_reserved(item) for item in body.get("cve_ids") or []]
            next_page = body.get("nextPage")
            if not next_page or next_page == page:
                return found
            page = int(next_page)

    def record(self, cve_id: str) -> dict[str, Any]:
        body = self._call("GET", f"/cve/{_quote(cve_id)}").body
        return body if isinstance(body, dict) else {}

    def publish(self, cve_id: str, container: dict[str, Any]) -> dict[str, Any]:
        """Create the record; after a lost answer a CVE_RECORD_EXISTS means it was created."""
        path = f"/cve/{_quote(cve_id)}/cna"
        try:
            answer = self._call("POST", path, body={"cnaContainer": container}, retry_lost=False)
        except CveServicesError as exc:
            if not exc.lost:
                raise
            try:
                answer = self._call("POST", path, body={"cnaContainer": container})
            except CveServicesError as again:
                if again.code == "CVE_RECORD_EXISTS":
                    return self.record(cve_id)
                raise
        return dict((answer.body or {}).get("created") or {})

    def update(self, cve_id: str, container: dict[str, Any]) -> dict[str, Any]:
        path = f"/cve/{_quote(cve_id)}/cna"
        answer = self._call("PUT", path, body={"cnaContainer": container})
        return dict((answer.body or {}).get("updated") or {})

    def reject(self, cve_id: str, reason: str) -> dict[str, Any]:
        """Reject an ID that was never used (no record): the year-end clean-up."""
        body = {"cnaContainer": {"rejectedReasons": [{"lang": "en", "value": reason}]}}
        path = f"/cve/{_quote(cve_id)}/reject"
        try:
            answer = self._call("POST", path, body=body, retry_lost=False)
        except CveServicesError as exc:
            if not exc.lost:
                raise
            try:
                answer = self._call("POST", path, body=body)
            except CveServicesError as again:
                if again.code == "CVE_RECORD_EXISTS" and self.cve_id(cve_id).state == "REJECTED":
                    return {}
                raise
        return dict((answer.body or {}).get("created") or {})

    # -- transport -----------------------------------------------------------------------

    def _reserved_since(self, year: int, since: datetime, known: set[str]) -> ReservedId | None:
        query = {
            "state": "RESERVED",
            "cve_id_year": str(year),
            "time_reserved.gt": since.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        try:
            body = self._call("GET", "/cve-id", query=query).body or {}
        except CveServicesError:
            return None
        mine = [
            item
            for item in body.get("cve_ids") or []
            if (item.get("requested_by") or {}).get("user") == self.user
            and item.get("cve_id") not in known
        ]
        return _reserved(mine[-1]) if len(mine) == 1 else None

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        retry_lost: bool = True,
    ) -> Answer:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        headers = {
            "CVE-API-ORG": self.org,
            "CVE-API-USER": self.user,
            "CVE-API-KEY": self._key,
            "Accept": "application/json",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                answer = self._send(method, url, data, headers)
            except CveServicesError as exc:
                writes = method != "GET"
                if exc.status == 429:
                    wait = _wait_seconds(exc.details)
                    if attempt < RETRIES and wait is not None and wait <= self.max_wait:
                        attempt += 1
                        self.sleep(wait)
                        continue
                    raise CveUnavailable(429, "TOO_MANY_REQUESTS", exc.message) from None
                transient = exc.status >= 500 or exc.status == 0
                if not transient:
                    raise
                if writes and not retry_lost:
                    exc.lost = True
                    raise
                if attempt < RETRIES:
                    self.sleep(BACKOFF_SECONDS[attempt])
                    attempt += 1
                    continue
                raise CveUnavailable(exc.status, exc.code, exc.message, lost=writes) from None
            return answer

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                return Answer(response.status, _json(raw), dict(response.headers.items()))
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            parsed = _json(raw)
            found = parsed if isinstance(parsed, dict) else {}
            code = str(found.get("error") or f"HTTP_{exc.code}")
            message = str(found.get("message") or exc.reason or "")
            details: Any = found.get("details")
            if exc.code == 429:
                details = {k.lower(): v for k, v in exc.headers.items()}
            raise CveServicesError(exc.code, code, message, details) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CveServicesError(
                0, "SERVICE_NOT_AVAILABLE", f"no answer from CVE Services ({reason})"
            ) from None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _quote(cve_id: str) -> str:
    return urllib.parse.quote(cve_id, safe="")


def _wait_seconds(headers: Any) -> float | None:
    if not isinstance(headers, dict):
        return None
    for name in ("retry-after", "ratelimit-reset"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(float(value), 0.0)
            except ValueError:
                continue
    return None


def _reserved(item: Any) -> ReservedId:
    item = item if isinstance(item, dict) else {}
    reserved = item.get("reserved")
    at = None
    if isinstance(reserved, str):
        try:
            at = datetime.fromisoformat(reserved.replace("Z", "+00:00"))
        except ValueError:
            at = None
    cve_id = str(item.get("cve_id") or "")
    year = item.get("cve_year") or cve_id[4:8] or "0"
    return ReservedId(cve_id, int(year), str(item.get("state") or ""), at)


def _schema_error(error: Any) -> str:
    if isinstance(error, dict):
        where = error.get("instancePath") or error.get("dataPath") or ""
        return f"{where or 'record'} {error.get('message', '')}".strip()
    return str(error)

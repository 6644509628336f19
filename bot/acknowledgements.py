"""The acknowledgement page distributors reach from their notice: `GET /ack?t=<token>`
shows what the notice is about (its CVE and the disclosure date, nothing more) and a button;
`POST /ack` records the acknowledgement. A plain GET changes nothing, so mail scanners
that fetch links ahead of the reader cannot acknowledge for them.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs

from bot.distributor import notices as notice_store
from bot.distributor.models import DistributorNotice
from bot.distributor.notice import NO_CVE
from bot.distributor.tokens import read_token
from bot.incident.models import Incident
from bot.services import Services

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
Route = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_BODY = 2048
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Content-Type-Options", "nosniff"),
    (
        "Content-Security-Policy",
        "default-src 'none'; form-action 'self'; style-src 'unsafe-inline'",
    ),
]


def _page(start_response: StartResponse, status: str, title: str, body: str) -> list[bytes]:
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width">'
        f"<title>{html.escape(title)}</title>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1 style=font-size:1.3em>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()
    start_response(status, [*HEADERS, ("Content-Length", str(len(text)))])
    return [text]


def _what(incident: Incident, notice: DistributorNotice) -> str:
    when = notice.planned_at.astimezone(UTC)
    cve = html.escape(incident.cve_id or NO_CVE)
    return f"<p><strong>{cve}</strong>, public disclosure {when:%Y-%m-%d %H:%M} UTC.</p>"


def acknowledgement_routes(
    services: Services, secret: str, changed: Callable[[int], None]
) -> dict[tuple[str, str], Route]:
    """`changed(incident_id)` runs after a new acknowledgement (the headline shows it)."""

    def invalid(start_response: StartResponse) -> list[bytes]:
        return _page(
            start_response,
            "404 Not Found",
            "Link not recognised",
            "<p>This acknowledgement link is not valid. Reply to the notice instead.</p>",
        )

    def show(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        token = (parse_qs(environ.get("QUERY_STRING", "")).get("t") or [""])[0]
        notice_id = read_token(secret, token)
        if notice_id is None:
            return invalid(start_response)
        with services.db.transaction() as session:
            notice = session.get(DistributorNotice, notice_id)
            incident = session.get(Incident, notice.incident_id) if notice else None
            if notice is None or incident is None:
                return invalid(start_response)
            what, done = _what(incident, notice), notice.acknowledged_at is not None
        if done:
            return _page(
                start_response,
                "200 OK",
                "Already acknowledged",
                what + "<p>Your acknowledgement is recorded. Thank you.</p>",
            )
        form = (
            '<form method=post action="ack">'
            f'<input type=hidden name=t value="{html.escape(token)}">'
            "<button type=submit>Confirm that we received the notice</button></form>"
        )
        return _page(start_response, "200 OK", "Acknowledge the embargoed notice", what + form)

    def confirm(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return _page(start_response, "413 Content Too Large", "Too large", "")
        raw = environ["wsgi.input"].read(length).decode("utf-8", "replace")
        token = (parse_qs(raw).get("t") or [""])[0]
        notice_id = read_token(secret, token)
        if notice_id is None:
            return invalid(start_response)
        with services.db.transaction() as session:
            before = session.get(DistributorNotice, notice_id)
            first = before is not None and before.acknowledged_at is None
            notice = notice_store.acknowledge(session, notice_id, services.clock.now())
            incident = session.get(Incident, notice.incident_id) if notice else None
            if notice is None or incident is None:
                return invalid(start_response)
            what, incident_id = _what(incident, notice), incident.id
        if first:
            changed(incident_id)
        return _page(
            start_response, "200 OK", "Thank you", what + "<p>Your acknowledgement is recorded.</p>"
        )

    return {("GET", "/ack"): show, ("POST", "/ack"): confirm}

"""Input that must never cost a report: hostile bodies and headers over the real HTTP path,
a report that fails on our side kept and the team told, replays with a fresh key."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.intake.raw import NEEDS_LOOK, OPENED, REFUSED, RawDelivery
from tests.harness import RunningBot, wait_until
from tests.intake_checks import REPORT
from tests.intake_signing import (
    github_headers,
    intake_headers,
    now,
    post,
    post_report,
    send_report,
)

SECRETS_OF_THE_REPORT = (REPORT["title"], REPORT["description"], REPORT["reporter_contact"])


def raw_rows(bot: RunningBot) -> list[RawDelivery]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(RawDelivery).order_by(RawDelivery.id)))


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


def signed(bot: RunningBot, body: bytes, **options: object) -> int:
    return send_report(bot, body, intake_headers(body, now(bot), **options)).status  # type: ignore[arg-type]


def test_a_reference_longer_than_its_column_is_named_and_nothing_is_logged(
    intake_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = intake_bot
    caplog.set_level(logging.DEBUG)
    long_ref = "https://example.org/" + "r" * 490
    reply = post_report(bot, dict(REPORT, reference=long_ref))
    assert reply.status == 422, reply.body
    problem = reply.json()
    assert [e["field"] for e in problem["errors"]] == ["reference"]
    assert "at most 500" in problem["errors"][0]["detail"]
    assert bot.incidents() == []
    reply = post_report(bot, dict(REPORT, cvss_vector="CVSS:3.1/" + "AV:N/" * 80))
    assert reply.status == 422 and [e["field"] for e in reply.json()["errors"]] == ["cvss_vector"]
    for secret in SECRETS_OF_THE_REPORT:
        assert secret not in logged(caplog)
    assert [row.state for row in raw_rows(bot)] == [REFUSED, REFUSED]


@pytest.mark.parametrize(
    "case, body, status, field",
    [
        (
            "lone surrogate",
            b'{"title": "\\ud800", "description": "d", "reporter_contact": "c"}',
            422,
            "title",
        ),
        ("5,000-digit number", b'{"title": ' + b"9" * 5000 + b"}", 400, None),
        ("100,000-deep JSON", b"[" * 100_000 + b"]" * 100_000, 400, None),
        ("60-deep JSON", b'{"title": ' + b"[" * 60 + b"]" * 60 + b"}", 400, None),
        ("NUL-only title", json.dumps(dict(REPORT, title="\x00\x00\x00")).encode(), 422, "title"),
    ],
)
def test_hostile_bodies_get_a_clear_refusal(
    intake_bot: RunningBot, case: str, body: bytes, status: int, field: str | None
) -> None:
    bot = intake_bot
    reply = send_report(bot, body, intake_headers(body, now(bot)))
    assert reply.status == status, f"{case}: {reply.status} {reply.body[:300]!r}"
    problem = reply.json()
    assert problem["detail"]
    if field:
        assert field in [e["field"] for e in problem["errors"]]
    assert bot.incidents() == []
    # The signed bytes were kept before they were read, and marked as refused.
    (row,) = raw_rows(bot)
    assert row.body == body and row.state == REFUSED and row.status == status


def test_a_hostile_github_body_is_refused_too(intake_bot: RunningBot) -> None:
    bot = intake_bot
    body = b'{"action": "reported", "repository_advisory": {"summary": "\\udfff"}}'
    reply = post(f"{bot.server.url}/intake/github", body, github_headers(body))
    assert reply.status == 422 and reply.json()["errors"][0]["field"] == "repository_advisory"


def test_a_report_that_fails_on_our_side_is_kept_and_the_team_told(
    intake_bot: RunningBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, ws, slack = intake_bot, intake_bot.workspace, intake_bot.slack
    caplog.set_level(logging.DEBUG)

    def broken_reader(document: object) -> object:
        raise RuntimeError(f"a bug that quotes the report: {REPORT['title']}")

    monkeypatch.setattr("bot.intake.wsgi.read_report", broken_reader)
    body = json.dumps(REPORT).encode()
    reply = send_report(bot, body, intake_headers(body, now(bot)))

    assert reply.status == 202, reply.body
    answer = reply.json()
    assert answer["ok"] is True and "kept" in answer["detail"]
    (row,) = raw_rows(bot)
    assert row.body == body and row.state == NEEDS_LOOK and row.reason == "RuntimeError"
    told = wait_until(
        lambda: [m for m in slack.messages(ws.triage) if m.user == slack.bot_user_id],
        what="the triage note",
    )
    assert f"row {row.id}" in told[0].text and "could not be opened" in told[0].text
    for secret in SECRETS_OF_THE_REPORT:
        assert secret not in told[0].text and secret not in logged(caplog)
    assert "could not be opened (RuntimeError at" in logged(caplog)


def test_a_report_that_opens_is_marked_opened(intake_bot: RunningBot) -> None:
    bot = intake_bot
    reply = post_report(bot, REPORT)
    assert reply.status == 201
    (row,) = raw_rows(bot)
    assert row.state == OPENED and row.incident_id == bot.incident().id
    assert row.body == b""  # the incident holds the report; no second copy is kept


def test_the_same_signed_report_with_a_new_key_opens_nothing_new(intake_bot: RunningBot) -> None:
    bot = intake_bot
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot))
    first = send_report(bot, body, headers)
    fresh_key = {**headers, "Idempotency-Key": "a-fresh-key-from-the-replayer"}
    replayed = send_report(bot, body, fresh_key)
    assert first.status == 201 and replayed.status == 201
    assert replayed.json()["incident_id"] == first.json()["incident_id"]
    assert len(bot.incidents()) == 1
    # Outside the window the same text is a new report (signed anew, so not a replay).
    bot.clock.advance(timedelta(minutes=6))
    again = send_report(bot, body, intake_headers(body, now(bot)))
    assert again.status == 201 and again.json()["incident_id"] != first.json()["incident_id"]


ODD_VALUES = {
    "superscript two": "²".encode(),
    "Arabic-Indic digits": "١٧٠٠٠٠٠٠٠٠".encode(),
    "5,000 digits": b"1" * 5000,
}


@pytest.mark.parametrize("case", [*ODD_VALUES, "non-ASCII signature"])
def test_odd_signature_headers_get_401_and_one_log_line(
    intake_bot: RunningBot, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    bot = intake_bot
    body = json.dumps(REPORT).encode()
    caplog.set_level(logging.DEBUG)
    sent: list[tuple[str, int]] = []

    def odd(headers: dict[str, object], name: str) -> dict[str, object]:
        value = "v0=é".encode() if case == "non-ASCII signature" else ODD_VALUES[case]
        return {**headers, name: value}

    intake = intake_headers(body, now(bot))
    stamp_or_sig = "X-Intake-Signature" if case == "non-ASCII signature" else "X-Intake-Timestamp"
    reply = post(f"{bot.server.url}/intake/report", body, odd(intake, stamp_or_sig))  # type: ignore[arg-type]
    sent.append(("intake", reply.status))
    gh = github_headers(body)
    reply = post(f"{bot.server.url}/intake/github", body, odd(gh, "X-Hub-Signature-256"))  # type: ignore[arg-type]
    sent.append(("github", reply.status))
    slack_headers = {"Content-Type": "application/json", **bot.driver.sign(body)}
    name = "X-Slack-Signature" if case == "non-ASCII signature" else "X-Slack-Request-Timestamp"
    answer = bot.driver.post_raw(body, odd(slack_headers, name))  # type: ignore[arg-type]
    sent.append(("slack", answer.status))

    assert sent == [("intake", 401), ("github", 401), ("slack", 401)]
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 3, [r.getMessage() for r in lines]
    assert not any(r.exc_info for r in caplog.records)
    assert bot.incidents() == [] and raw_rows(bot) == []


def test_concurrent_replays_with_fresh_keys_open_one_incident(intake_bot: RunningBot) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bot = intake_bot
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot))
    copies = [{**headers, "Idempotency-Key": f"replayed-{n}"} for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda h: send_report(bot, body, h), copies))
    assert {r.status for r in replies} == {201}
    assert len({r.json()["incident_id"] for r in replies}) == 1
    assert len(bot.incidents()) == 1

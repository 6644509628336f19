"""`POST /intake/report`: signed JSON reports open incidents, once per idempotency key."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import reconcile
from bot.database import Database
from bot.incident.models import Incident
from bot.intake.models import IntakeDelivery
from bot.timeline.models import TimelineEvent
from tests.harness import START, RunningBot, wait_until
from tests.intake_checks import (
    REPORT,
    assert_only_the_team_was_told,
    assert_the_lead_was_offered,
    wait_for_planned_deadlines,
    wait_for_the_first_lead_offer,
)
from tests.intake_signing import (
    INTAKE_SECRET,
    intake_headers,
    now,
    post,
    post_report,
    send_report,
)


def deliveries(bot: RunningBot) -> int:
    with bot.services.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(IntakeDelivery)) or 0)


def assert_nothing_created(bot: RunningBot) -> None:
    assert bot.incidents() == []
    assert deliveries(bot) == 0
    assert bot.slack.calls_to("conversations.create") == []


def test_a_signed_report_opens_a_private_incident(intake_bot: RunningBot) -> None:
    bot, ws, slack = intake_bot, intake_bot.workspace, intake_bot.slack
    arrival = bot.clock.now()
    reply = post_report(bot, REPORT)

    assert reply.status == 201 and reply.content_type == "application/json"
    assert reply.json() == {"incident_id": "SEC-2026-0001", "received_at": "2026-03-02T09:00:00Z"}
    (incident,) = bot.wait_for_setup()
    assert incident.opened_by == "intake" and incident.intake_key.startswith("intake:")
    assert incident.reported_at == arrival
    assert (incident.title, incident.source, incident.reporter_contact) == (
        "Heap overflow in the YAML parser",
        "hackerone",
        "rita@example.org",
    )
    assert (incident.component, incident.affected_versions) == ("yaml-parser", "<= 1.28.3")
    assert incident.external_ref == "https://hackerone.com/reports/123456"
    assert (incident.cvss_score, incident.severity, incident.is_public) == (9.8, "Critical", False)

    channel = slack.channel(incident.channel_id)
    assert channel.is_private and {ws.alice, ws.bob, ws.carol} <= set(channel.members)
    assert len(slack.messages(ws.triage)) == 1
    headline = json.dumps(slack.message(incident.channel_id, incident.headline_ts).blocks)
    assert "the report webhook" in headline and "<@intake>" not in headline
    # Once the opening flow has run to its lead offer, nobody is thanked, and nothing
    # went beyond the team: the offer's DM is the only message outside the two channels.
    offer = wait_for_the_first_lead_offer(bot, incident.id)
    assert_the_lead_was_offered(bot, incident, offer)
    assert_only_the_team_was_told(bot, incident)
    assert slack.messages(ws.general) == []
    with bot.services.db.transaction() as session:
        kinds = session.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id)).all()
    assert kinds[0] == "created" and "received" in kinds


def test_reported_at_is_the_arrival_time_not_the_processing_time(db: Database) -> None:
    from bot.incident.validation import IncidentDraft
    from bot.intake.service import Delivery, receive

    arrived = START
    answer = receive(
        db,
        Delivery("intake", "key-1", b"{}", arrived),
        IncidentDraft(title="Late", reported_at=START - timedelta(days=3)),
        now=START + timedelta(minutes=7),
        prefix="SEC",
    )
    with db.transaction() as session:
        incident = session.get(Incident, answer.incident_id)
        assert incident is not None
        assert incident.reported_at == arrived
        assert incident.created_at == START + timedelta(minutes=7)


@pytest.mark.parametrize(
    ("case", "status", "slug"),
    [
        ("forged", 401, "bad-signature"),
        ("unsigned", 401, "bad-signature"),
        ("stale", 401, "bad-signature"),
        ("from the future", 401, "bad-signature"),
        ("oversized", 413, "too-large"),
        ("malformed JSON", 400, "malformed-json"),
        ("wrong content type", 415, "unsupported-media-type"),
        ("no idempotency key", 400, "missing-idempotency-key"),
        ("not an object", 422, "invalid-report"),
    ],
)
def test_a_bad_request_gets_its_status_and_creates_nothing(
    intake_bot: RunningBot, case: str, status: int, slug: str
) -> None:
    bot = intake_bot
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot))
    if case == "forged":
        headers = intake_headers(body, now(bot), secret="not-" + INTAKE_SECRET)
    elif case == "unsigned":
        del headers["X-Intake-Signature"]
    elif case == "stale":
        headers = intake_headers(body, now(bot) - 6 * 60)
    elif case == "from the future":
        headers = intake_headers(body, now(bot) + 6 * 60)
    elif case == "oversized":
        padded = dict(REPORT, description="x" * (256 * 1024))
        body = json.dumps(padded).encode()
        headers = intake_headers(body, now(bot))
    elif case == "malformed JSON":
        body = body[:-1]
        headers = intake_headers(body, now(bot))
    elif case == "wrong content type":
        headers = intake_headers(body, now(bot), content_type="application/x-www-form-urlencoded")
    elif case == "no idempotency key":
        del headers["Idempotency-Key"]
    elif case == "not an object":
        body = b"[1, 2]"
        headers = intake_headers(body, now(bot))

    reply = send_report(bot, body, headers)

    assert reply.status == status, reply.body
    assert reply.content_type == "application/problem+json"
    problem = reply.json()
    assert problem["status"] == status and problem["type"].endswith(":" + slug)
    assert problem["title"] and problem["detail"]
    assert INTAKE_SECRET not in reply.body.decode()
    if status == 401:
        assert reply.headers["www-authenticate"] == 'HMAC-SHA256 realm="intake"'
    assert_nothing_created(bot)


def test_each_invalid_field_is_named(intake_bot: RunningBot) -> None:
    bot = intake_bot
    missing = post_report(bot, {"reporter_name": "Rita"})
    assert missing.status == 422
    named = {error["field"]: error for error in missing.json()["errors"]}
    assert set(named) == {"title", "description", "reporter_contact"}
    assert named["title"]["pointer"] == "#/title"
    assert "3 fields" in missing.json()["detail"]

    wrong = dict(
        REPORT,
        severity="high",
        title=42,
        already_public="yes",
        reference="not a link",
        source="carrier pigeon",
        cvss_vector="CVSS:3.1/AV:X",
    )
    reply = post_report(bot, wrong)
    assert reply.status == 422
    errors = {error["field"]: error["detail"] for error in reply.json()["errors"]}
    assert set(errors) == {
        "severity",
        "title",
        "already_public",
        "reference",
        "source",
        "cvss_vector",
    }
    assert "Unknown field" in errors["severity"] and "already_public" in errors["severity"]
    assert "string" in errors["title"] and "true or false" in errors["already_public"]
    assert "carrier pigeon" in errors["source"]
    assert_nothing_created(bot)


def test_a_replayed_request_gets_the_first_answer_and_creates_nothing(
    intake_bot: RunningBot,
) -> None:
    bot, slack = intake_bot, intake_bot.slack
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot), key="report-42")
    first = send_report(bot, body, headers)
    assert first.status == 201
    bot.wait_for_setup()

    bot.clock.advance(60)
    replayed = send_report(bot, body, headers)
    resent = send_report(bot, body, intake_headers(body, now(bot), key="report-42"))
    for reply in (replayed, resent):
        assert (reply.status, reply.body) == (first.status, first.body)

    other = json.dumps(dict(REPORT, title="Something else")).encode()
    reused = send_report(bot, other, intake_headers(other, now(bot), key="report-42"))
    assert reused.status == 422 and reused.json()["type"].endswith(":idempotency-key-reused")

    bot.clock.advance(5 * 60)  # the captured request is now outside the window
    assert send_report(bot, body, headers).status == 401

    assert len(bot.incidents()) == 1 and deliveries(bot) == 1
    assert len(slack.calls_to("conversations.create")) == 1
    assert len(slack.messages(bot.workspace.triage)) == 1


def test_concurrent_copies_of_a_report_open_one_incident(intake_bot: RunningBot) -> None:
    bot = intake_bot
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot), key="burst")
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda _: send_report(bot, body, headers), range(6)))
    assert {reply.status for reply in replies} == {201}
    assert len({reply.body for reply in replies}) == 1
    bot.wait_for_setup()
    assert len(bot.incidents()) == 1 and deliveries(bot) == 1
    assert len(bot.slack.calls_to("conversations.create")) == 1


def test_the_answer_does_not_wait_for_slack(intake_bot: RunningBot) -> None:
    bot = intake_bot
    bot.slack.delay("conversations.create", 1.0)
    reply = post_report(bot, REPORT)
    assert reply.status == 201
    # Had the answer waited for the set-up, the channel would exist by now.
    assert bot.incident().channel_id is None
    (incident,) = bot.wait_for_setup()
    assert incident.channel_id is not None


@pytest.mark.parametrize("outage", ["http_503", "ratelimited"])
def test_slack_down_when_a_report_arrives(intake_bot: RunningBot, outage: str) -> None:
    bot, slack = intake_bot, intake_bot.slack
    if outage == "ratelimited":
        slack.fail("conversations.create", error="ratelimited", retry_after=120, times=None)
    else:
        slack.fail("conversations.create", status=503, times=None)

    reply = post_report(bot, REPORT)
    assert reply.status == 201 and reply.json()["incident_id"] == "SEC-2026-0001"

    def stopped() -> Incident | None:
        incident = bot.incident()
        return incident if incident.setup_error and incident.setup_lease_until is None else None

    incident = wait_until(stopped, what="the set-up to stop at the channel")
    assert incident.channel_id is None and "channel" in (incident.setup_error or "")
    assert all(not call.ok for call in slack.calls_to("conversations.create"))

    slack.clear_faults()
    assert reconcile(bot.services) == 1
    (incident,) = bot.wait_for_setup()
    assert incident.setup_error is None
    assert reconcile(bot.services) == 0  # nothing left to finish, nothing duplicated
    created = [call for call in slack.calls_to("conversations.create") if call.ok]
    assert len(created) == 1 and created[0].params["name"] == incident.channel_name
    assert len(slack.messages(incident.channel_id)) == 1
    assert len(slack.messages(bot.workspace.triage)) == 1


def acknowledge_due(bot: RunningBot, reported_at: datetime) -> datetime:
    policy, calendar = bot.services.policy, bot.services.calendar
    assert policy.deadlines.acknowledge is not None
    return calendar.add(reported_at, policy.deadlines.acknowledge)


@pytest.mark.parametrize("slack_down", [False, True], ids=["slack up", "slack down"])
def test_the_acknowledge_deadline_counts_from_the_arrival(
    intake_bot: RunningBot, slack_down: bool
) -> None:
    bot, slack = intake_bot, intake_bot.slack
    arrival = bot.clock.now()
    if slack_down:
        slack.fail("conversations.create", status=503, times=None)
    assert post_report(bot, REPORT).status == 201
    if slack_down:
        wait_until(
            lambda: bot.incident().setup_error and bot.incident().setup_lease_until is None,
            what="the set-up to stop at the channel",
        )
        bot.clock.advance(timedelta(hours=6))  # Slack is back in the afternoon
        slack.clear_faults()
        assert reconcile(bot.services) == 1
    (incident,) = bot.wait_for_setup()

    due = wait_for_planned_deadlines(bot, incident.id)["acknowledge"]
    assert incident.reported_at == arrival
    assert due == acknowledge_due(bot, arrival)
    if slack_down:
        assert due != acknowledge_due(bot, bot.clock.now())


def test_the_endpoints_are_off_without_their_secrets(bot: RunningBot) -> None:
    body = json.dumps(REPORT).encode()
    headers = intake_headers(body, now(bot))
    assert send_report(bot, body, headers).status == 404
    assert post(f"{bot.server.url}/intake/github", body, headers).status == 404
    assert bot.incidents() == []


def test_intake_secrets_are_redacted_from_logs_and_checked(intake_bot: RunningBot) -> None:
    from bot.cli import _secrets
    from bot.config import ConfigError, load_settings

    settings = intake_bot.services.settings
    assert {INTAKE_SECRET, settings.github_webhook_secret.get_secret_value()} <= set(
        _secrets(settings)
    )
    assert INTAKE_SECRET not in repr(settings)
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, intake_secret="short-secret")
    assert "INTAKE_SECRET" in str(refused.value) and "short-secret" not in str(refused.value)

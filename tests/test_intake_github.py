"""`POST /intake/github`: GitHub private vulnerability reports open incidents by themselves."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.deadline import IncidentFacts, plan_deadlines
from bot.intake.github import read_advisory
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import START, RunningBot, Workspace
from tests.intake_checks import (
    assert_only_the_team_was_told,
    assert_the_lead_was_offered,
    wait_for_planned_deadlines,
    wait_for_the_first_lead_offer,
)
from tests.intake_signing import GITHUB_SECRET, Reply, github_headers, intake_settings, post
from tests.slack_api import FakeSlack

FIXTURE = Path(__file__).parent / "data" / "github_repository_advisory_reported.json"
ADVISORY_URL = "https://github.com/octo-org/yaml-kit/security/advisories/GHSA-4x9r-hqv2-m7pc"
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"


@pytest.fixture
def intake_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    settings = intake_settings(harness.test_settings(slack, workspace, db.url))
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    assert running.services.background.wait()
    running.stop()


def payload() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def deliver(bot: RunningBot, document: Any = None, **options: Any) -> Reply:
    body = options.pop("body", None) or json.dumps(document or payload()).encode()
    return post(f"{bot.server.url}/intake/github", body, github_headers(body, **options))


def test_a_reported_advisory_opens_a_complete_incident(intake_bot: RunningBot) -> None:
    bot, slack, ws = intake_bot, intake_bot.slack, intake_bot.workspace
    reply = deliver(bot, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")

    assert reply.status == 201
    assert reply.json()["incident_id"] == "SEC-2026-0001"
    (incident,) = bot.wait_for_setup()
    assert (incident.opened_by, incident.source) == ("github", "github")
    assert incident.reported_at == START
    assert incident.title == "Heap overflow when yaml-kit resolves deeply nested anchors"
    assert incident.description.startswith("### Impact\nA document with more than 4096")
    for detail in (
        "GHSA-4x9r-hqv2-m7pc on octo-org/yaml-kit",
        "Severity: high " + VECTOR,
        "CWE-787 (Out-of-bounds Write), CWE-674 (Uncontrolled Recursion)",
        "Affected: PyPI yaml-kit >= 2.0.0, < 2.4.1, patched in 2.4.1",
    ):
        assert detail in incident.description
    assert "Credit" not in incident.description  # credits are rows, with their state
    assert (incident.cvss_vector, incident.cvss_score, incident.severity) == (VECTOR, 7.5, "High")
    assert (incident.component, incident.affected_versions) == ("yaml-kit", ">= 2.0.0, < 2.4.1")
    assert (incident.package_ecosystem, incident.package_name) == ("PyPI", "yaml-kit")
    assert incident.fixed_versions == "2.4.1"
    assert incident.reporter_name == "rita-researcher"
    assert incident.reporter_contact == "https://github.com/rita-researcher"
    assert incident.ghsa_id == "GHSA-4x9r-hqv2-m7pc"
    assert incident.external_ref == ADVISORY_URL
    assert incident.cve_id is None and not incident.is_public

    with bot.services.db.transaction() as session:
        received = session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "received"))
        assert received is not None
        assert received.data["ghsa_id"] == "GHSA-4x9r-hqv2-m7pc"
        assert received.data["cwe_ids"] == ["CWE-787", "CWE-674"]
        assert received.data["key"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"

    headline = json.dumps(slack.messages(incident.channel_id)[0].blocks)
    assert "Heap overflow when yaml-kit" in headline and ADVISORY_URL in headline
    offer = wait_for_the_first_lead_offer(bot, incident.id)
    assert_the_lead_was_offered(bot, incident, offer)
    assert_only_the_team_was_told(bot, incident)  # no thanks, nothing public
    assert slack.messages(ws.general) == []


def without_vectors(severity: str) -> dict[str, Any]:
    """The fixture as GitHub sends a report whose severity was picked but not scored."""
    document = payload()
    advisory = document["repository_advisory"]
    advisory["severity"] = severity
    advisory["cvss"] = {"vector_string": None, "score": None}
    advisory["cvss_severities"] = {
        "cvss_v3": {"vector_string": None, "score": None},
        "cvss_v4": {"vector_string": None, "score": None},
    }
    return document


def planned_for(bot: RunningBot, severity: str | None) -> dict[str, datetime]:
    facts = IncidentFacts(reported_at=START, severity=severity)
    plan = plan_deadlines(facts, bot.services.policy, bot.services.calendar)
    return {deadline.kind.value: deadline.due_at for deadline in plan}


@pytest.mark.parametrize(("word", "band"), [("critical", "Critical"), ("low", "Low")])
def test_a_severity_without_a_vector_sets_the_track_and_the_headline(
    intake_bot: RunningBot, word: str, band: str
) -> None:
    bot, slack = intake_bot, intake_bot.slack
    assert deliver(bot, without_vectors(word)).status == 201
    (incident,) = bot.wait_for_setup()

    assert (incident.severity, incident.cvss_vector, incident.cvss_score) == (band, None, None)
    headline = json.dumps(slack.message(incident.channel_id, incident.headline_ts).blocks)
    assert band in headline and "Not scored" not in headline
    assert f"Severity: {band} |" in slack.channel(incident.channel_id).topic
    # The policy's track for that band (fast for Critical, slow for Low), not the unscored one.
    assert planned_for(bot, band) != planned_for(bot, None)
    assert wait_for_planned_deadlines(bot, incident.id) == planned_for(bot, band)


def test_a_vector_wins_over_the_severity_word(intake_bot: RunningBot) -> None:
    bot = intake_bot
    document = payload()
    document["repository_advisory"]["severity"] = "low"  # the vector below scores High
    assert deliver(bot, document).status == 201
    (incident,) = bot.wait_for_setup()
    assert (incident.cvss_vector, incident.severity) == (VECTOR, "High")


def test_a_redelivery_opens_nothing(intake_bot: RunningBot) -> None:
    bot = intake_bot
    first = deliver(bot, delivery="delivery-1")
    bot.wait_for_setup()
    bot.clock.advance(3600)  # GitHub's "Redeliver" sends the same body and delivery ID
    again = deliver(bot, delivery="delivery-1")
    assert (again.status, again.body) == (first.status, first.body)
    assert len(bot.incidents()) == 1
    assert len(bot.slack.calls_to("conversations.create")) == 1


def test_ping_answers_and_other_events_are_accepted_and_ignored(intake_bot: RunningBot) -> None:
    bot = intake_bot
    ping = {"zen": "Design for failure.", "hook_id": 123456789, "hook": {"type": "Repository"}}
    assert deliver(bot, ping, event="ping").status == 200

    published = payload()
    published["action"] = "published"
    issue = {"action": "opened", "issue": {"number": 1, "title": "Crash"}}
    for document, event in ((published, "repository_advisory"), (issue, "issues")):
        reply = deliver(bot, document, event=event)
        assert reply.status == 202 and "ignored" in reply.json()
    assert bot.incidents() == []


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("forged", 401),
        ("unsigned", 401),
        ("form-encoded", 415),
        ("oversized", 413),
        ("malformed JSON", 400),
        ("no delivery ID", 400),
        ("no summary", 422),
    ],
)
def test_a_bad_delivery_gets_its_status_and_creates_nothing(
    intake_bot: RunningBot, case: str, status: int
) -> None:
    bot = intake_bot
    document = payload()
    body = json.dumps(document).encode()
    headers = github_headers(body)
    if case == "forged":
        headers = github_headers(body, secret="not-" + GITHUB_SECRET)
    elif case == "unsigned":
        del headers["X-Hub-Signature-256"]
    elif case == "form-encoded":
        body = b"payload=" + body
        headers = github_headers(body, content_type="application/x-www-form-urlencoded")
    elif case == "oversized":
        document["repository_advisory"]["description"] = "x" * (256 * 1024)
        body = json.dumps(document).encode()
        headers = github_headers(body)
    elif case == "malformed JSON":
        body = body[:-1]
        headers = github_headers(body)
    elif case == "no delivery ID":
        del headers["X-GitHub-Delivery"]
    elif case == "no summary":
        document["repository_advisory"]["summary"] = ""
        body = json.dumps(document).encode()
        headers = github_headers(body)

    reply = post(f"{bot.server.url}/intake/github", body, headers)

    assert reply.status == status, reply.body
    assert reply.content_type == "application/problem+json"
    if case == "no summary":
        fields = [error["field"] for error in reply.json()["errors"]]
        assert fields == ["repository_advisory.summary"]
    assert bot.incidents() == []
    assert bot.slack.calls_to("conversations.create") == []


def test_severity_without_a_vector_and_cvss_4_vectors() -> None:
    document = payload()
    advisory = document["repository_advisory"]
    advisory["cvss"] = {"vector_string": None, "score": None}
    advisory["cvss_severities"] = {
        "cvss_v3": {"vector_string": None, "score": None},
        "cvss_v4": {"vector_string": None, "score": None},
    }
    found, problems = read_advisory(document)
    assert found is not None and not problems
    assert found.draft.cvss_vector is None
    assert "Severity: high" in found.draft.description

    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"
    advisory["cvss_severities"]["cvss_v4"] = {"vector_string": v4, "score": 8.7}
    advisory["cvss"] = {"vector_string": "CVSS:3.1/AV:broken", "score": 0}
    found, _ = read_advisory(document)
    assert found is not None and found.draft.cvss_vector == v4


def test_long_and_sparse_advisories_still_fit() -> None:
    document = copy.deepcopy(payload())
    advisory = document["repository_advisory"]
    advisory["summary"] = "S" * 400
    advisory["description"] = "D" * 10_000
    advisory["credits_detailed"] = []
    advisory["credits"] = []
    advisory["vulnerabilities"] = [
        {"package": {"ecosystem": "npm", "name": f"pkg-{n}"}, "vulnerable_version_range": "< 2"}
        for n in range(3)
    ]
    found, problems = read_advisory(document)
    assert found is not None, problems
    assert len(found.draft.title) == 150 and len(found.draft.description) <= 3000
    assert "CWE-787" in found.draft.description  # the details survive a long description
    assert found.draft.reporter_name == "rita-researcher"  # the advisory's author
    assert found.draft.component == "pkg-0, pkg-1, pkg-2"
    assert found.draft.affected_versions == "pkg-0 < 2; pkg-1 < 2; pkg-2 < 2"
    assert found.incident_fields["fixed_versions"] == ""
    # "2" is not a SemVer version: kept as written, with a note saying why, never guessed.
    assert all(p.ranges == [] and p.range_text == "< 2" for p in found.packages)
    assert "is not a SemVer 2 version" in str(found.incident_fields["advisory_note"])

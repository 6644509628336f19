"""GitHub's real `repository_advisory` shapes over signed HTTP to the running bot: the
minimal report full of nulls, several packages with both CVSS versions and credits in
every state, redeliveries of one GHSA, and its publication."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.advisory import store
from bot.bootstrap import build_services, identify, reconcile
from bot.clock import ManualClock
from bot.database import Database
from bot.exports.advisory import advisory_markdown
from bot.exports.files import load_context
from bot.exports.osv import osv_record
from bot.incident.models import Incident
from bot.intake.models import IntakeDelivery
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.intake_checks import wait_for_the_first_lead_offer
from tests.intake_signing import Reply, github_headers, intake_settings, post
from tests.osv_lint import range_problems
from tests.slack_api import FakeSlack
from tests.vocabulary import osv_validator

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "github_repository_advisory_reported_minimal.json"
PUBLISHED_MINIMAL = DATA / "github_repository_advisory_published_minimal.json"
RICH = DATA / "github_repository_advisory_reported.json"
XWIKI = json.loads((DATA / "ghsa_osv_affected.json").read_text())["cases"][0]
V3 = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.fixture
def intake_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    settings = intake_settings(harness.test_settings(slack, workspace, db.url))
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    assert running.services.background.wait()
    running.stop()


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def deliver(bot: RunningBot, document: dict[str, Any], delivery: str | None = None) -> Reply:
    body = json.dumps(document).encode()
    return post(f"{bot.server.url}/intake/github", body, github_headers(body, delivery=delivery))


def several_packages() -> dict[str, Any]:
    """The rich fixture carrying xwiki's three Maven ranges and a second (npm) package,
    a v3 and a v4 vector, and one credit in each state GitHub knows."""
    document = load(RICH)
    advisory = document["repository_advisory"]
    advisory["vulnerabilities"] = [
        *XWIKI["github"],
        {
            "package": {"ecosystem": "npm", "name": "@xwiki/editor"},
            "vulnerable_version_range": "> 2.1.0, < 2.3.0",
            "patched_versions": "2.3.0",
        },
    ]
    advisory["cvss_severities"] = {
        "cvss_v3": {"vector_string": V3, "score": 8.8},
        "cvss_v4": {"vector_string": V4, "score": 8.7},
    }
    advisory["cvss"] = {"vector_string": V3, "score": 8.8}
    user = advisory["credits_detailed"][0]["user"]
    advisory["credits_detailed"] = [
        {"user": user, "type": "reporter", "state": "accepted"},
        {
            "user": {**user, "login": "pat-pending", "html_url": "https://github.com/pat-pending"},
            "type": "finder",
            "state": "pending",
        },
        {
            "user": {
                **user,
                "login": "dan-declined",
                "html_url": "https://github.com/dan-declined",
            },
            "type": "analyst",
            "state": "declined",
        },
    ]
    advisory["identifiers"].append({"value": "CVE-2026-31337", "type": "CVE"})
    return document


def incidents(bot: RunningBot) -> list[Incident]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def triage_replies(bot: RunningBot, incident: Incident) -> list[str]:
    assert incident.triage_ts is not None
    return [m.text for m in bot.slack.thread(bot.workspace.triage, incident.triage_ts)]


def test_the_minimal_report_full_of_nulls_opens_an_incident(intake_bot: RunningBot) -> None:
    bot = intake_bot
    reply = deliver(bot, load(MINIMAL))
    assert reply.status == 201, reply.body
    (incident,) = bot.wait_for_setup()
    # author is null: the reporter is whoever sent the report.
    assert (incident.reporter_name, incident.reporter_contact) == (
        "promofaux2",
        "https://github.com/promofaux2",
    )
    assert incident.ghsa_id == "GHSA-hv58-4hqr-7vxj"
    assert (incident.severity, incident.cvss_vector, incident.reported_vectors) == ("Low", None, [])
    assert (incident.component, incident.affected_versions, incident.cwe_ids) == ("", "", [])
    with bot.services.db.transaction() as session:
        assert store.packages(session, incident.id) == []  # the placeholder is no package
        assert store.credits(session, incident.id) == []
        record = osv_record(load_context(session, incident.id, bot.clock.now()))
    osv_validator().validate(record)
    assert record["aliases"] == ["GHSA-hv58-4hqr-7vxj"]
    assert "affected" not in record and "credits" not in record


def test_several_packages_both_vectors_and_credits_in_every_state(
    intake_bot: RunningBot,
) -> None:
    bot = intake_bot
    assert deliver(bot, several_packages()).status == 201
    (incident,) = bot.wait_for_setup()
    assert incident.cve_id == "CVE-2026-31337"  # from `identifiers`
    assert incident.cvss_vector == V3
    assert [v["vector"] for v in incident.reported_vectors or []] == [V3, V4]
    with bot.services.db.transaction() as session:
        packages = store.packages(session, incident.id)
        credits = store.credits(session, incident.id)
        ctx = load_context(session, incident.id, bot.clock.now())
    maven, npm = packages
    assert (maven.ecosystem, maven.name, maven.fixed) == (
        "Maven",
        "org.xwiki.commons:xwiki-commons-core",
        ["11.10.13", "12.6.7", "12.10.2"],
    )
    assert maven.ranges == [r["ranges"][0]["events"] for r in XWIKI["affected"]]
    assert npm.ranges == [[{"introduced": "2.1.1-0"}, {"fixed": "2.3.0"}]]
    assert [(c.name, c.type, c.state) for c in credits] == [
        ("rita-researcher", "REPORTER", "accepted"),
        ("pat-pending", "FINDER", "pending"),
        ("dan-declined", "ANALYST", "declined"),
    ]
    record = osv_record(ctx)
    osv_validator().validate(record)
    assert range_problems(record) == []
    assert record["aliases"] == ["CVE-2026-31337", "GHSA-4x9r-hqv2-m7pc"]
    assert record["severity"] == [
        {"type": "CVSS_V3", "score": V3},
        {"type": "CVSS_V4", "score": V4},
    ]
    assert [a["package"]["purl"] for a in record["affected"]] == [
        "pkg:maven/org.xwiki.commons/xwiki-commons-core",
        "pkg:npm/%40xwiki/editor",
    ]
    assert [c["name"] for c in record["credits"]] == ["rita-researcher"]
    text = advisory_markdown(ctx)
    assert "- org.xwiki.commons:xwiki-commons-core (Maven) >= 12.0, < 12.6.7" in text
    assert "- @xwiki/editor (npm) >= 2.1.1-0, < 2.3.0" in text
    assert "pat-pending" not in text and "dan-declined" not in text
    assert "pat-pending" not in json.dumps(record) and "dan-declined" not in json.dumps(record)


def test_a_redelivery_joins_the_incident_and_only_changes_are_told(
    intake_bot: RunningBot,
) -> None:
    bot, slack = intake_bot, intake_bot.slack
    document = several_packages()
    assert deliver(bot, document, "d-1").status == 201
    (incident,) = bot.wait_for_setup()
    wait_for_the_first_lead_offer(bot, incident.id)
    before = triage_replies(bot, incident)

    # The same advisory again, from the organisation's webhook: a new delivery ID.
    again = deliver(bot, document, "d-2")
    assert again.status == 200, again.body
    joined = again.json()
    assert (joined["incident_id"], joined["joined"], joined["published"]) == (
        incident.human_id,
        True,
        False,
    )
    assert again.json()["changed"] == []
    assert deliver(bot, document, "d-2").json() == again.json()  # a replay of d-2
    assert len(incidents(bot)) == 1
    assert len(slack.calls_to("conversations.create")) == 1  # one private channel

    # GitHub's advisory was edited: the fields follow, and the thread says what changed.
    edited = copy.deepcopy(document)
    edited["repository_advisory"]["summary"] = "XWiki users can re-activate disabled accounts"
    edited["repository_advisory"]["vulnerabilities"] = edited["repository_advisory"][
        "vulnerabilities"
    ][:1]
    changed = deliver(bot, edited, "d-3")
    assert changed.status == 200
    assert changed.json()["changed"] == [
        "summary",
        "affected packages",
        "patched versions",
    ]
    note = wait_until(
        lambda: [t for t in triage_replies(bot, incident) if "GitHub changed" in t],
        what="the thread note of the changes",
    )
    assert "summary, affected packages, patched versions" in note[0]
    assert len(triage_replies(bot, incident)) == len(before) + 1
    (after,) = incidents(bot)
    assert after.title == "XWiki users can re-activate disabled accounts"
    with bot.services.db.transaction() as session:
        (package,) = store.packages(session, incident.id)
        keys = session.scalars(select(IntakeDelivery.key).order_by(IntakeDelivery.id)).all()
    assert package.ranges == [[{"introduced": "11.6"}, {"fixed": "11.10.13"}]]
    assert keys == ["d-1", "d-2", "d-3"]


def test_twin_deliveries_at_once_open_one_incident(intake_bot: RunningBot) -> None:
    bot = intake_bot
    document = load(RICH)
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda k=key: replies.append(deliver(bot, document, k)))
        for key in ("twin-a", "twin-b", "twin-c")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in replies) == [200, 200, 201]
    assert len({r.json()["incident_id"] for r in replies}) == 1
    assert len(incidents(bot)) == 1
    bot.wait_for_setup()


def publication(document: dict[str, Any]) -> dict[str, Any]:
    published = copy.deepcopy(document)
    published["action"] = "published"
    advisory = published["repository_advisory"]
    advisory["state"] = "published"
    advisory["published_at"] = "2026-03-05T10:00:00Z"
    return published


def test_publication_before_the_planned_disclosure_raises_the_embargo_alarm(
    intake_bot: RunningBot,
) -> None:
    bot, slack, ws = intake_bot, intake_bot.slack, intake_bot.workspace
    document = load(RICH)
    assert deliver(bot, document).status == 201
    (incident,) = bot.wait_for_setup()
    wait_for_the_first_lead_offer(bot, incident.id)
    with bot.services.db.transaction() as session:
        held = session.get(Incident, incident.id)
        assert held is not None
        held.lead_id, held.commander_id = ws.bob, ws.carol
        held.disclosure_planned_at = bot.clock.now() + timedelta(days=10)

    reply = deliver(bot, publication(document))
    assert reply.status == 200 and reply.json()["published"] is True
    wait_until(
        lambda: [t for t in triage_replies(bot, incident) if "GitHub published" in t],
        what="the publication note",
    )
    (after,) = incidents(bot)
    assert after.is_public and after.github_published_at is not None
    headline = json.dumps(slack.message(after.channel_id, after.headline_ts).blocks)
    assert "Published on GitHub" in headline and "Already public" in headline
    for person in (ws.bob, ws.carol):
        channel = wait_until(lambda p=person: slack.dm_channel(p), what="a DM")
        texts = wait_until(
            lambda c=channel: [m.text for m in slack.messages(c) if "Embargo alarm" in m.text],
            what="the embargo alarm",
        )
        assert "GHSA-4x9r-hqv2-m7pc" in texts[0]
    # Published again (a replay under a new ID): nothing new to say.
    assert deliver(bot, publication(document)).json()["published"] is False


def test_a_publication_after_the_disclosure_is_no_alarm(intake_bot: RunningBot) -> None:
    bot, slack, ws = intake_bot, intake_bot.slack, intake_bot.workspace
    document = load(RICH)
    assert deliver(bot, document).status == 201
    (incident,) = bot.wait_for_setup()
    wait_for_the_first_lead_offer(bot, incident.id)
    with bot.services.db.transaction() as session:
        held = session.get(Incident, incident.id)
        assert held is not None
        held.lead_id = ws.bob
        held.disclosure_planned_at = bot.clock.now() - timedelta(hours=1)
    dms_before = len(slack.messages(slack.dm_channel(ws.bob))) if slack.dm_channel(ws.bob) else 0
    assert deliver(bot, publication(document)).json()["published"] is True
    wait_until(
        lambda: [t for t in triage_replies(bot, incident) if "GitHub published" in t],
        what="the publication note",
    )
    assert bot.services.background.wait()
    note = next(t for t in triage_replies(bot, incident) if "GitHub published" in t)
    assert "before the planned disclosure" not in note
    channel = slack.dm_channel(ws.bob)
    alarms = [m for m in slack.messages(channel) if "Embargo alarm" in m.text] if channel else []
    assert alarms == [] and dms_before >= 0


def test_a_publication_of_an_advisory_never_held_is_ignored(intake_bot: RunningBot) -> None:
    bot = intake_bot
    reply = deliver(bot, load(PUBLISHED_MINIMAL))
    assert reply.status == 202
    assert "GHSA-343j-49q4-v8gw" in reply.json()["ignored"]
    assert incidents(bot) == []


def test_an_embargo_alarm_slack_refused_is_sent_by_the_reconcile_job(
    intake_bot: RunningBot,
) -> None:
    bot, slack, ws = intake_bot, intake_bot.slack, intake_bot.workspace
    document = load(RICH)
    assert deliver(bot, document).status == 201
    (incident,) = bot.wait_for_setup()
    wait_for_the_first_lead_offer(bot, incident.id)
    with bot.services.db.transaction() as session:
        held = session.get(Incident, incident.id)
        assert held is not None
        held.lead_id, held.commander_id = ws.bob, ws.carol
    # Slack refuses the alarm to the commander; the lead's goes out.
    slack.fail(
        "chat.postMessage",
        error="user_disabled",
        times=None,
        when=lambda params: params.get("channel") == ws.carol,
    )
    assert deliver(bot, publication(document)).json()["published"] is True
    wait_until(
        lambda: incidents(bot)[0].github_publication_note == f"alarm;{ws.bob}",
        what="the lead's alarm sent",
    )
    assert bot.services.background.wait()
    assert incidents(bot)[0].github_publication_note == f"alarm;{ws.bob}"  # carol's is owed

    slack.clear_faults()
    bot.clock.advance(timedelta(minutes=2))
    reconcile(bot.services)
    for person in (ws.bob, ws.carol):
        channel = wait_until(lambda p=person: slack.dm_channel(p), what="a DM")
        assert any("Embargo alarm" in m.text for m in slack.messages(channel))
    assert incidents(bot)[0].github_publication_note is None
    reconcile(bot.services)  # told once owed, not again
    channel = slack.dm_channel(ws.bob)
    assert channel is not None
    assert len([m for m in slack.messages(channel) if "Embargo alarm" in m.text]) == 1


def test_a_change_note_slack_refused_is_told_by_the_reconcile_job(
    intake_bot: RunningBot,
) -> None:
    bot, slack = intake_bot, intake_bot.slack
    document = load(RICH)
    assert deliver(bot, document).status == 201
    (incident,) = bot.wait_for_setup()
    wait_for_the_first_lead_offer(bot, incident.id)
    slack.fail(
        "chat.postMessage",
        error="channel_not_found",
        times=None,
        when=lambda params: params.get("thread_ts") == incident.triage_ts,
    )
    edited = copy.deepcopy(document)
    edited["repository_advisory"]["cve_id"] = "CVE-2026-55555"
    assert deliver(bot, edited).json()["changed"] == ["CVE ID"]
    wait_until(
        lambda: (
            slack.calls_to("chat.postMessage")
            and any(
                c.params.get("thread_ts") == incident.triage_ts
                for c in slack.calls_to("chat.postMessage")
            )
        ),
        what="the refused note",
    )
    assert bot.services.background.wait()
    assert incidents(bot)[0].github_changes_owed == "CVE ID"
    assert incidents(bot)[0].cve_id == "CVE-2026-55555"

    slack.clear_faults()
    bot.clock.advance(timedelta(minutes=2))
    reconcile(bot.services)
    assert any("GitHub changed" in t and "CVE ID" in t for t in triage_replies(bot, incident))
    assert incidents(bot)[0].github_changes_owed is None

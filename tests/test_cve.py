"""CVE IDs and records through the running bot, against the local CVE Services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.cve.gateway import CveServices
from bot.cve.models import CveReservation
from bot.cve.schema_check import container_problems, record_problems
from bot.database import Database
from bot.timeline.models import TimelineEvent
from tests.cve_services import FakeCveServices
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.harness import test_settings as settings_for
from tests.slack_api import FakeSlack
from tests.vocabulary import command, open_incident, open_modal, report, submit, texts

DATA = Path(__file__).resolve().parent / "data"
ADVISORY = {
    "advisory_summary": {
        "value": "A crafted YAML document makes the parser write past a heap buffer (CWE-787)."
    },
    "advisory_details": {"value": "Fix: https://github.com/example/yaml/pull/42"},
    # The first package block of the form (the reported text fills it at first).
    "pkg_0x0_ecosystem": {"value": "Go"},
    "pkg_0x0_name": {"value": "example.org/yaml"},
    "pkg_0x0_ranges": {"value": ">= 1.27.0, < 1.28.4"},
    "pkg_0x0_fixed": {"value": "1.28.4"},
    "mitigation": {"value": "Refuse YAML uploads larger than 1 MiB."},
    "credits": {"value": "Quinn Analyst (ANALYST)"},
}


@pytest.fixture(scope="session")
def cve_api() -> Iterator[FakeCveServices]:
    server = FakeCveServices(org="example").start()
    yield server
    server.stop()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def cve_bot(
    db: Database, slack: FakeSlack, workspace: Workspace, cve_api: FakeCveServices, waits
) -> Iterator[RunningBot]:
    cve_api.reset()
    settings = settings_for(slack, workspace, db.url).model_copy(
        update={
            "cve_api_url": cve_api.url,
            "cve_api_org": "example",
            "cve_api_user": cve_api.user,
        }
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    # The service's own credentials, and a clock for rate-limit waits the test can read.
    services.cve = CveServices(
        cve_api.url, "example", cve_api.user, cve_api.key, sleep=waits.append
    )
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    running.stop()


def open_another(bot: RunningBot, **fields: object):
    """A further incident, once its set-up is done too."""
    count = len(bot.incidents()) + 1
    report(bot, bot.workspace.alice, **fields)
    return bot.wait_for_setup(count)[-1]


def reservations(bot: RunningBot) -> list[CveReservation]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(CveReservation).order_by(CveReservation.id)))


def events(bot: RunningBot, kind: str) -> list[TimelineEvent]:
    with bot.services.db.transaction() as session:
        query = select(TimelineEvent).where(TimelineEvent.kind == kind)
        return list(session.scalars(query))


def fill_advisory(bot: RunningBot, user: str, incident, **changes: str) -> None:
    view = open_modal(bot, user, incident, "lifecycle_advisory", "lifecycle_advisory_submit")
    values = {**ADVISORY, **{name: {"value": value} for name, value in changes.items()}}
    assert not submit(bot, user, view, values)
    wait_until(
        lambda: (
            bot.incident().advisory_summary == values["advisory_summary"]["value"]
            and bot.incident().mitigation == values["mitigation"]["value"]
        ),
        what="the advisory fields",
    )


def preview(bot: RunningBot, user: str, channel: str, verb: str = "publish"):
    before = len(bot.slack.ephemerals_for(user))
    bot.driver.slash("/disclose", f"cve {verb}", user_id=user, channel_id=channel)
    return wait_until(lambda: bot.slack.ephemerals_for(user)[before:], what="a preview")[-1]


def click_publish(bot: RunningBot, user: str, message) -> str:
    """Press Publish on a preview; the answer replaces the preview, or follows it."""
    before = [e.text for e in bot.slack.ephemerals_for(user)]
    response = bot.driver.block_action(user, "cve_publish", message=message)
    assert response.status == 200 and not response.problems

    def changed() -> str | None:
        now = [e.text for e in bot.slack.ephemerals_for(user)]
        fresh = [text for i, text in enumerate(now) if i >= len(before) or text != before[i]]
        return fresh[-1] if fresh else None

    return wait_until(changed, what="an answer")


def test_reserve_sets_the_id_once_and_tells_the_thread(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    answer = command(bot, ws.bob, incident.channel_id, "cve reserve")
    assert answer == f"CVE-2026-10000 is reserved for {incident.human_id}."
    assert bot.incident().cve_id == "CVE-2026-10000"
    [call] = cve_api.calls("POST", "/api/cve-id")
    assert call.query == {"amount": "1", "cve_year": "2026", "short_name": "example"}
    assert call.headers["cve-api-org"] == "example"
    assert call.headers["cve-api-user"] == cve_api.user
    assert cve_api.ids["CVE-2026-10000"].state == "RESERVED"
    thread = [m.text for m in bot.slack.thread(ws.triage, bot.incident().triage_ts)]
    assert any("CVE-2026-10000" in text and ws.bob in text for text in thread)
    assert [e.text for e in events(bot, "cve_reserved")] == ["CVE-2026-10000 reserved"]

    again = command(bot, ws.alice, incident.channel_id, "cve reserve")
    assert "already has CVE-2026-10000" in again
    assert len(cve_api.calls("POST", "/api/cve-id")) == 1
    assert [r.cve_id for r in reservations(bot)] == ["CVE-2026-10000"]


def test_the_advisory_form_offers_a_reserve_button(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    view = open_modal(bot, ws.bob, incident, "lifecycle_advisory", "lifecycle_advisory_submit")
    assert "cve_reserve" in texts(view["blocks"])
    typed = {
        "advisory_summary": {"value": {"type": "plain_text_input", "value": "Typed, not saved"}},
        "pkg_0x0_name": {"value": {"type": "plain_text_input", "value": "example.org/yaml"}},
    }
    response = bot.driver.block_action(
        ws.bob, "cve_reserve", value=incident.human_id, view_id=view["id"], state=typed
    )
    assert response.status == 200 and not response.problems
    wait_until(lambda: bot.incident().cve_id == "CVE-2026-10000", what="the reserved ID")
    shown = wait_until(
        lambda: (
            (v := bot.slack.open_view_for(ws.bob)) and "cve_reserve" not in texts(v["blocks"]) and v
        ),
        what="the form shown again",
    )
    assert "CVE-2026-10000" in texts(shown["blocks"])
    # What was typed and not saved yet is still in the form.
    assert "Typed, not saved" in texts(shown["blocks"])
    assert "example.org/yaml" in texts(shown["blocks"])
    note = wait_until(lambda: bot.slack.ephemerals_for(ws.bob), what="the answer")[-1]
    assert note.text == f"CVE-2026-10000 is reserved for {incident.human_id}."


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        ("quota", "quota of reserved CVE IDs is used up"),
        ("key", "refused our credentials"),
        ("outage", "not available right now"),
        ("dropped", "not available right now"),
        ("year", "does not reserve IDs for that year"),
    ],
)
def test_reserve_failures_are_said_in_plain_words_and_leave_nothing(
    cve_bot: RunningBot, cve_api: FakeCveServices, breakage: str, words: str
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    if breakage == "quota":
        cve_api.quota = 0
    elif breakage == "key":
        cve_api.key = "rotated-key"
    elif breakage == "outage":
        cve_api.faults.outage = 50  # down, not a blip the retries ride out
    elif breakage == "dropped":
        cve_api.faults.dropped = 50
    else:
        cve_api.years = {2025}
    answer = command(bot, ws.bob, incident.channel_id, "cve reserve")
    assert answer.startswith("No CVE ID was reserved: ") and words in answer
    assert bot.incident().cve_id is None
    assert reservations(bot) == []
    assert not cve_api.ids


def test_a_short_rate_limit_is_waited_out(
    cve_bot: RunningBot, cve_api: FakeCveServices, waits: list[float]
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    cve_api.faults.rate_limited, cve_api.faults.reset_seconds = 1, 3
    answer = command(bot, ws.bob, incident.channel_id, "cve reserve")
    assert answer == f"CVE-2026-10000 is reserved for {incident.human_id}."
    assert waits == [3.0]

    cve_api.faults.rate_limited, cve_api.faults.reset_seconds = 1, 120
    other = open_another(bot, title="Second issue")
    answer = command(bot, ws.bob, other.channel_id, "cve reserve")
    assert "rate limiting" in answer
    assert waits == [3.0]  # two minutes are not waited out inside a click


def test_a_lost_reservation_answer_reserves_one_id(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    cve_api.faults.lose_answer = ["POST /api/cve-id"]
    answer = command(bot, ws.bob, incident.channel_id, "cve reserve")
    assert answer == f"CVE-2026-10000 is reserved for {incident.human_id}."
    assert list(cve_api.ids) == ["CVE-2026-10000"]
    assert len(cve_api.calls("POST", "/api/cve-id")) == 1
    assert cve_api.calls("GET", "/api/cve-id")[0].query["state"] == "RESERVED"


def test_publish_previews_waits_for_the_embargo_then_publishes_a_valid_record(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot, cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    channel = incident.channel_id
    command(bot, ws.bob, channel, "cve reserve")
    fill_advisory(bot, ws.bob, incident)

    embargoed = preview(bot, ws.bob, channel)
    assert "still under embargo" in texts(embargoed.blocks)
    assert "cve_publish" not in texts(embargoed.blocks)

    command(bot, ws.bob, channel, "public the fix is on the project's public tracker")
    shown = preview(bot, ws.bob, channel)
    assert "Valid against the CVE JSON 5.1.1 schema" in texts(shown.blocks)
    assert "example.org/yaml" in texts(shown.blocks)
    assert not cve_api.calls("POST", "/api/cve/")

    answer = click_publish(bot, ws.bob, shown)
    assert answer == f"The CVE record CVE-2026-10000 of {incident.human_id} is published."
    record = cve_api.ids["CVE-2026-10000"].record
    assert record is not None and record_problems(record) == []
    cna = record["containers"]["cna"]
    assert cna["title"] == "Heap overflow in the YAML parser"
    assert cna["descriptions"][0]["value"].startswith("A crafted YAML document")
    assert cna["affected"] == [
        {
            "vendor": "example",
            "product": "example.org/yaml",
            "collectionURL": "https://pkg.go.dev",
            "packageName": "example.org/yaml",
            "versions": [
                {
                    "version": "1.27.0",
                    "status": "affected",
                    "lessThan": "1.28.4",
                    "versionType": "semver",
                }
            ],
            "defaultStatus": "unaffected",
        }
    ]
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-787"
    assert cna["metrics"][0]["cvssV3_1"] == {
        "version": "3.1",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
    }
    assert {r["url"] for r in cna["references"]} == {
        "https://hackerone.com/reports/123456",
        "https://github.com/example/yaml/pull/42",
    }
    # Accepted credits only, in the record's words: the reporter, the team's credit lines.
    assert cna["credits"] == [
        {"lang": "en", "value": "Rita Reporter", "type": "reporter"},
        {"lang": "en", "value": "Quinn Analyst", "type": "analyst"},
    ]
    assert cna["workarounds"] == [{"lang": "en", "value": "Refuse YAML uploads larger than 1 MiB."}]
    assert [e.text for e in events(bot, "cve_published")] == ["CVE record CVE-2026-10000 published"]

    again = preview(bot, ws.bob, channel)
    assert "published already" in again.text

    fill_advisory(bot, ws.bob, incident, mitigation="Turn off YAML uploads.")
    update = preview(bot, ws.bob, channel, "update")
    assert "Update CVE-2026-10000" in texts(update.blocks)
    assert click_publish(bot, ws.bob, update).endswith("is updated.")
    assert len(cve_api.calls("PUT", "/api/cve/CVE-2026-10000/cna")) == 1
    cna = cve_api.ids["CVE-2026-10000"].record["containers"]["cna"]
    assert cna["workarounds"][0]["value"] == "Turn off YAML uploads."


def test_a_record_changed_after_its_preview_is_not_sent(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    channel = incident.channel_id
    command(bot, ws.bob, channel, "cve reserve")
    fill_advisory(bot, ws.bob, incident)
    command(bot, ws.bob, channel, "public already discussed on a public list")
    shown = preview(bot, ws.bob, channel)
    fill_advisory(bot, ws.bob, incident, pkg_0x0_fixed="1.28.5")
    assert "changed since the preview" in click_publish(bot, ws.bob, shown)
    assert not cve_api.calls("POST", "/api/cve/")


def test_an_incomplete_or_invalid_record_lists_what_is_missing(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot, external_ref="", component="")
    shown = preview(bot, ws.bob, incident.channel_id)
    body = texts(shown.blocks)
    assert "Not valid yet, nothing is sent" in body
    for missing in ("a CVE ID", "the advisory summary", "affected component", "reference URL"):
        assert missing in body
    assert "cve_publish" not in body


def test_the_service_refusing_a_record_is_said_in_plain_words(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    channel = incident.channel_id
    command(bot, ws.bob, channel, "cve reserve")
    fill_advisory(bot, ws.bob, incident)
    command(bot, ws.bob, channel, "public it is out")
    shown = preview(bot, ws.bob, channel)
    cve_api.ids["CVE-2026-10000"].owning_cna = "other-cna"
    answer = click_publish(bot, ws.bob, shown)
    assert answer == "CVE-2026-10000 was not sent: the CVE ID belongs to another organisation."
    assert events(bot, "cve_published") == []


def test_unused_ids_are_listed_and_rejected(cve_bot: RunningBot, cve_api: FakeCveServices) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    used = open_incident(bot)
    command(bot, ws.bob, used.channel_id, "cve reserve")  # CVE-2026-10000, still in use
    dropped = open_another(bot, title="Not a vulnerability after all")
    command(bot, ws.bob, dropped.channel_id, "cve reserve")  # CVE-2026-10001
    command(bot, ws.bob, dropped.channel_id, "close not-a-vulnerability works as intended")
    cve_api.add_id("CVE-2026-777")  # reserved by hand on the website, never used

    before = len(bot.slack.ephemerals_for(ws.alice))
    bot.driver.slash("/disclose", "cve unused", user_id=ws.alice, channel_id=used.channel_id)
    listing = wait_until(lambda: bot.slack.ephemerals_for(ws.alice)[before:], what="the list")[-1]
    body = texts(listing.blocks)
    assert "CVE-2026-10000" not in body
    assert "CVE-2026-10001" in body and f"{dropped.human_id} was closed" in body
    assert "CVE-2026-777" in body and "not on any incident" in body

    before = len(bot.slack.ephemerals_for(ws.alice))
    bot.driver.block_action(ws.alice, "cve_reject", value="CVE-2026-10001", message=listing)
    answer = wait_until(lambda: bot.slack.ephemerals_for(ws.alice)[before:], what="the answer")
    assert answer[-1].text == "CVE-2026-10001 is rejected."
    assert cve_api.ids["CVE-2026-10001"].state == "REJECTED"
    reason = cve_api.ids["CVE-2026-10001"].record["containers"]["cna"]["rejectedReasons"]
    assert reason[0]["lang"] == "en"
    assert [e.text for e in events(bot, "cve_rejected")] == ["CVE-2026-10001 rejected (unused)"]

    bot.driver.block_action(ws.alice, "cve_reject", value="CVE-2026-10000", message=listing)
    wait_until(
        lambda: any("is on an open incident" in e.text for e in bot.slack.ephemerals_for(ws.alice)),
        what="the refusal",
    )
    assert cve_api.ids["CVE-2026-10000"].state == "RESERVED"


def test_without_credentials_the_commands_say_how_to_set_them_up(bot: RunningBot) -> None:
    incident = open_incident(bot)
    answer = command(bot, bot.workspace.bob, incident.channel_id, "cve reserve")
    assert "CVE_API_ORG, CVE_API_USER and CVE_API_KEY" in answer


def test_outsiders_cannot_use_cve_commands(cve_bot: RunningBot, cve_api: FakeCveServices) -> None:
    bot, ws = cve_bot, cve_bot.workspace
    incident = open_incident(bot)
    answer = command(bot, ws.dave, incident.channel_id, "cve reserve")
    assert "Only the security team" in answer
    assert not cve_api.requests


def test_the_bundled_schema_accepts_the_official_example_and_names_errors() -> None:
    example = json.loads((DATA / "cve-cna-container-advanced-example.json").read_text())
    container = example["cnaContainer"]
    assert container_problems(container) == []
    broken = json.loads(json.dumps(container))
    broken["affected"][0]["versions"][0]["status"] = "vulnerable"
    del broken["descriptions"]
    problems = container_problems(broken)
    assert "the record: 'descriptions' is a required property" in problems
    assert any(p.startswith("affected[0].versions[0].status: 'vulnerable'") for p in problems)


def test_reserving_meets_the_policys_cve_deadline(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    from bot.policy import policy_from_mapping
    from bot.reminder.models import DeadlineRow

    bot, ws = cve_bot, cve_bot.workspace
    bot.services.policy = policy_from_mapping({"deadlines": {"cve_assigned": "P7D"}})
    incident = open_incident(bot)
    bot.services.background.wait()  # deadlines are planned once the set-up is done

    def deadline() -> DeadlineRow | None:
        with bot.services.db.transaction() as session:
            return session.scalars(
                select(DeadlineRow).where(
                    DeadlineRow.incident_id == incident.id, DeadlineRow.kind == "cve_assigned"
                )
            ).first()

    row = deadline()
    assert row is not None and row.status == "open" and row.label == "Reserve a CVE ID"
    bot.clock.advance(timedelta(days=2))
    command(bot, ws.bob, incident.channel_id, "cve reserve")
    row = deadline()
    assert row is not None and row.status == "met_on_time"
    assert row.met_at == bot.clock.now()


def published_ready(bot: RunningBot):
    """An incident with a reserved ID, its advisory fields filled in, already public."""
    ws = bot.workspace
    incident = open_incident(bot)
    command(bot, ws.bob, incident.channel_id, "cve reserve")
    fill_advisory(bot, ws.bob, incident)
    command(bot, ws.bob, incident.channel_id, "public the issue is on a public tracker")
    return incident, preview(bot, ws.bob, incident.channel_id)


def test_a_lost_publish_answer_still_publishes_once(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot = cve_bot
    incident, shown = published_ready(bot)
    cve_api.faults.lose_answer = ["POST /api/cve/CVE-2026-10000/cna"]
    answer = click_publish(bot, bot.workspace.bob, shown)
    assert answer == f"The CVE record CVE-2026-10000 of {incident.human_id} is published."
    assert len(cve_api.calls("POST", "/api/cve/CVE-2026-10000/cna")) == 2  # the retry
    assert cve_api.ids["CVE-2026-10000"].state == "PUBLISHED"
    assert len(events(bot, "cve_published")) == 1


def test_a_long_rate_limit_or_an_outage_on_publish_is_said_and_nothing_recorded(
    cve_bot: RunningBot, cve_api: FakeCveServices
) -> None:
    bot = cve_bot
    incident, shown = published_ready(bot)
    cve_api.faults.rate_limited, cve_api.faults.reset_seconds = 5, 300
    answer = click_publish(bot, bot.workspace.bob, shown)
    assert answer == (
        "CVE-2026-10000 was not sent: CVE Services is rate limiting us; try again in a minute."
    )
    cve_api.faults.rate_limited = 0
    cve_api.faults.outage = 50
    shown = preview(bot, bot.workspace.bob, incident.channel_id)
    answer = click_publish(bot, bot.workspace.bob, shown)
    assert "not available right now" in answer
    assert cve_api.ids["CVE-2026-10000"].record is None
    assert events(bot, "cve_published") == []


def test_the_cve_api_key_is_a_secret_kept_out_of_logs_and_answers(
    cve_bot: RunningBot, cve_api: FakeCveServices, caplog: pytest.LogCaptureFixture
) -> None:
    from pydantic import SecretStr

    from bot.cli import _secrets

    settings = cve_bot.services.settings.model_copy(update={"cve_api_key": SecretStr(cve_api.key)})
    assert cve_api.key in _secrets(settings)
    assert cve_api.key not in repr(settings)
    incident = open_incident(cve_bot)
    cve_api.key = "rotated-key"  # every call is refused now
    answer = command(cve_bot, cve_bot.workspace.bob, incident.channel_id, "cve reserve")
    assert "refused our credentials" in answer
    assert cve_api.issued_key not in answer
    assert cve_api.issued_key not in caplog.text

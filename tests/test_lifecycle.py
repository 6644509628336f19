"""A whole disclosure from triage to closed, driven through signed requests."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.incident.models import Incident
from bot.reminder.models import DeadlineRow, DeadlineState
from bot.timeline.models import TimelineEvent
from tests.harness import RunningBot, wait_until
from tests.vocabulary import (
    click,
    command,
    headline,
    open_incident,
    open_modal,
    osv_validator,
    set_lead,
    submit,
    texts,
    thread_texts,
)


def phase_of(bot: RunningBot, incident: Incident) -> str:
    return bot.incident(incident.human_id).phase


def wait_phase(bot: RunningBot, incident: Incident, phase: str) -> None:
    wait_until(lambda: phase_of(bot, incident) == phase, what=f"phase {phase}")


def test_a_whole_disclosure_from_triage_to_closed(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(
        bot,
        affected_versions="<= 1.28.3, 1.29.0",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    )
    channel = incident.channel_id

    answer = command(bot, ws.alice, channel, "phase fixing")
    assert "fix lead" in answer and phase_of(bot, incident) == "triage"

    set_lead(bot, incident, ws.bob)
    # Phases never go back: the button asks first.
    (start,) = [
        element
        for block in headline(bot, incident).blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("action_id") == "lifecycle_start_fixing"
    ]
    assert start["confirm"]["title"]["text"] == "Start fixing?"
    click(bot, ws.alice, incident, "lifecycle_start_fixing")
    wait_phase(bot, incident, "fixing")

    assert "Update posted" in command(bot, ws.bob, channel, "update Patch is in review")
    wait_until(lambda: any("Patch is in review" in t for t in thread_texts(bot, incident)))
    assert bot.incident().last_update_at == bot.clock.now()

    click(bot, ws.bob, incident, "lifecycle_fix_ready")
    wait_until(lambda: bot.incident().fix_ready_at is not None, what="fix ready")

    bot.clock.advance(timedelta(days=1))
    planned = bot.clock.now() + timedelta(days=10)
    view = open_modal(bot, ws.bob, incident, "lifecycle_embargo", "lifecycle_embargo_submit")
    past = submit(bot, ws.bob, view, {"planned": {"value": int(bot.clock.now().timestamp()) - 60}})
    assert "future" in past["planned"]
    assert not submit(bot, ws.bob, view, {"planned": {"value": int(planned.timestamp())}})
    wait_phase(bot, incident, "embargo")
    assert bot.incident().distributors_notified_at == bot.clock.now()

    slack.issue_trigger(ws.bob)
    bot.driver.slash("/disclose", "advisory", user_id=ws.bob, channel_id=channel)
    view = wait_until(
        lambda: (
            (v := slack.open_view_for(ws.bob))
            and v["callback_id"] == "lifecycle_advisory_submit"
            and v
        )
    )
    errors = submit(bot, ws.bob, view, {"cve_id": {"value": "CVE-26-1"}})
    assert "CVE-2026-12345" in errors["cve_id"]
    advisory = {
        "cve_id": {"value": "cve-2026-4242"},
        "advisory_summary": {"value": "An attacker may be able to run code in the parser."},
        "mitigation": {"value": "Disable YAML uploads."},
        # The package block starts from the reported text; ecosystem and name complete it.
        "pkg_0x0_ecosystem": {"value": "Go"},
        "pkg_0x0_name": {"value": "example.org/yaml"},
        "credits": {"value": "Quinn Analyst"},
    }
    assert not submit(bot, ws.bob, view, advisory)
    wait_until(lambda: bot.incident().cve_id == "CVE-2026-4242", what="the advisory fields")

    bot.clock.advance(timedelta(days=9))
    view = open_modal(bot, ws.bob, incident, "lifecycle_released", "lifecycle_released_submit")
    assert not submit(bot, ws.bob, view, {"fixed_versions": {"value": "1.28.4, v1.29.1"}})
    wait_phase(bot, incident, "released")
    # At release the retrospective draft arrives in the channel, once.
    [draft] = wait_until(
        lambda: [f for f in slack.files if f.filename == "retrospective.md"], what="the draft"
    )
    retrospective = draft.content.decode()
    assert draft.channel == channel
    assert retrospective.startswith(f"# {incident.human_id} retrospective (draft)")
    assert "| fixing |" in retrospective and "| embargo |" in retrospective
    assert "- Fix lead: Bob Okafor" in retrospective
    assert "- Bob Okafor: " in retrospective and "phase changes" in retrospective

    bot.clock.advance(timedelta(hours=1))
    click(bot, ws.bob, incident, "lifecycle_disclosed")
    wait_phase(bot, incident, "disclosed")

    click(bot, ws.bob, incident, "lifecycle_export")
    files = wait_until(lambda: len(slack.files) == 6 and slack.files[1:], what="five exports")
    assert {f.filename for f in files} == {
        "timeline.md",
        "advisory.md",
        "osv.json",
        "tracking-issue.md",
        "retrospective.md",
    }
    assert len([f for f in slack.files if f.filename == "retrospective.md"]) == 2
    assert {f.channel for f in files} == {channel}
    by_name = {f.filename: f.content.decode() for f in files}
    record = json.loads(by_name["osv.json"])
    osv_validator().validate(record)
    assert record["aliases"] == ["CVE-2026-4242"]
    assert record["severity"] == [{"type": "CVSS_V3", "score": incident.cvss_vector}]
    (affected,) = record["affected"]
    assert affected["package"] == {
        "ecosystem": "Go",
        "name": "example.org/yaml",
        "purl": "pkg:golang/example.org/yaml",
    }
    # "<= 1.28.3, 1.29.0" says exactly this: up to 1.28.3, and 1.29.0 itself.
    assert affected["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "1.28.3"}]},
        {"type": "SEMVER", "events": [{"introduced": "1.29.0"}, {"last_affected": "1.29.0"}]},
    ]
    assert affected["versions"] == ["1.29.0"]
    assert {"name": "Rita Reporter", "type": "REPORTER"} in record["credits"]
    assert {"name": "Bob Okafor", "type": "COORDINATOR"} in record["credits"]
    assert "published" in record
    advisory_md = by_name["advisory.md"]
    for expected in (
        "CVE-2026-4242",
        "Disable YAML uploads.",
        "- example.org/yaml (Go) 1.28.4",
        "first.org/cvss/calculator/3.1#CVSS:3.1/AV:N",
        "reported by Rita Reporter",
        "coordinated by Bob Okafor",
        "Quinn Analyst",
    ):
        assert expected in advisory_md
    assert "TODO: how users can tell" in advisory_md  # detection was left empty
    timeline_md = by_name["timeline.md"]
    assert "### 2026-03-02 (Monday)" in timeline_md and "### 2026-03-12" in timeline_md
    assert "| fixing |" in timeline_md and "| embargo | 2026-03-03 09:00 | 9d |" in timeline_md
    assert "public disclosure: met" in timeline_md
    assert "Patch is in review" in timeline_md

    view = open_modal(bot, ws.bob, incident, "lifecycle_close", "lifecycle_close_submit")
    assert not submit(bot, ws.bob, view, {"resolution": {"value": "fixed"}})
    wait_phase(bot, incident, "closed")
    wait_until(lambda: "lifecycle_reopen" in texts(headline(bot, incident).blocks), what="edit")
    wait_until(lambda: any("to *Closed*" in t for t in thread_texts(bot, incident)))

    final = bot.incident()
    assert final.resolution == "fixed" and final.closed_at == bot.clock.now()
    top_level = slack.messages(ws.triage)
    assert [m.ts for m in top_level] == [final.triage_ts]
    thread = " ".join(thread_texts(bot, incident))
    for step in (
        "to *Fixing*",
        "fix for",
        "to *Embargo*",
        "to *Released*",
        "to *Disclosed*",
        "exported",
        "to *Closed*",
    ):
        assert step in thread, step
    body = texts(headline(bot, final).blocks)
    assert "Closed" in body and "lifecycle_reopen" in body and "CVE-2026-4242" in body
    assert "lifecycle_start_fixing" not in body
    # The repaint edits the headline, the triage parent, then the topic: wait for the last.
    wait_until(lambda: "Phase: Closed" in slack.channel(channel).topic, what="the topic")
    with bot.services.db.transaction() as session:
        changes = session.scalars(
            select(TimelineEvent).where(TimelineEvent.kind == "phase_changed")
        ).all()
        actions = session.scalars(select(AuditEntry.action)).all()
    assert [c.data["to"] for c in changes] == [
        "fixing",
        "embargo",
        "released",
        "disclosed",
        "closed",
    ]
    assert {c.actor for c in changes} == {ws.alice, ws.bob}
    assert actions.count("incident.phase") == 5 and "incident.export" in actions


def test_refused_transitions_say_why(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    channel = incident.channel_id
    assert "triage → fixing → embargo" in command(bot, ws.alice, channel, "phase released")
    assert "resolution" in command(bot, ws.alice, channel, "phase closed")
    assert "fix lead" in command(bot, ws.alice, channel, "phase fixing")
    assert "released fix" in command(bot, ws.alice, channel, "close fixed")
    assert "no incident SEC-2026-0099" in command(
        bot, ws.alice, channel, "close duplicate SEC-2026-0099"
    )
    assert "not a resolution" in command(bot, ws.alice, channel, "close maybe")
    set_lead(bot, incident, ws.alice)
    command(bot, ws.alice, channel, "phase fixing")
    assert "planned public disclosure date" in command(bot, ws.alice, channel, "phase embargo")
    command(bot, ws.alice, channel, "phase embargo 2026-04-01")
    assert bot.incident().disclosure_planned_at.isoformat() == "2026-04-01T16:00:00+00:00"
    assert "fixed versions" in command(bot, ws.alice, channel, "phase released")
    assert phase_of(bot, incident) == "embargo"

    # A refused step in a modal keeps the modal open with the reason on the field.
    view = open_modal(bot, ws.alice, incident, "lifecycle_close", "lifecycle_close_submit")
    errors = submit(bot, ws.alice, view, {"resolution": {"value": "duplicate"}})
    assert "ID of the incident" in errors["duplicate_of"]

    assert "closed" in command(
        bot, ws.alice, channel, "close not a vulnerability reporter misread the docs"
    )
    assert bot.incident().resolution == "not_a_vulnerability"
    assert "open again, in embargo" in command(bot, ws.alice, channel, "reopen new evidence")
    assert bot.incident().resolution is None
    assert len(bot.slack.messages(ws.triage)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "update hello",
        "phase fixing",
        "close wont-fix",
        "reopen",
        "export",
        "advisory",
        "fixteam add <@U1>",
    ],
)
def test_people_outside_the_roster_can_do_none_of_it(bot: RunningBot, text: str) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    set_lead(bot, incident, ws.alice)
    answer = command(bot, ws.dave, incident.channel_id, text)
    assert answer.startswith("Only the security team")
    assert incident.human_id not in answer
    assert bot.incident().phase == "triage" and bot.incident().last_update_at is None
    assert bot.slack.files == [] and bot.slack.open_view_for(ws.dave) is None


# Before the release there is no retrospective to export.
EXPORTS_IN_TRIAGE = {"timeline.md", "advisory.md", "osv.json", "tracking-issue.md"}


def exported_events(bot: RunningBot) -> list[str]:
    with bot.services.db.transaction() as session:
        kind = TimelineEvent.kind
        return list(session.scalars(select(kind).where(kind == "exported")))


def test_an_export_waits_out_a_short_rate_limit_on_the_upload(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    # Slack's upload host refuses the bytes once with a 429: refused, so nothing is there yet.
    slack.fail("files.upload", error="ratelimited", times=1, retry_after=1)
    click(bot, ws.alice, incident, "lifecycle_export")
    [answer] = wait_until(lambda: slack.ephemerals_for(ws.alice), what="the export's answer")
    assert answer.text.startswith("Exported "), answer.text
    assert sorted(f.filename for f in slack.files) == sorted(EXPORTS_IN_TRIAGE)
    assert {f.channel for f in slack.files} == {incident.channel_id}
    # The refused upload started over with a fresh URL; each file was shared once.
    assert len(slack.calls_to("files.getUploadURLExternal")) == len(EXPORTS_IN_TRIAGE) + 1
    assert len(slack.calls_to("files.completeUploadExternal")) == len(EXPORTS_IN_TRIAGE)
    assert exported_events(bot) == ["exported"]


def test_an_export_rate_limited_for_long_says_so_and_records_nothing(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    slack.fail("files.upload", error="ratelimited", times=1, retry_after=120)
    click(bot, ws.alice, incident, "lifecycle_export")
    [answer] = wait_until(lambda: slack.ephemerals_for(ws.alice), what="the export's answer")
    assert answer.text == (
        ":no_entry: The upload failed: Slack asked us to slow down (rate limited). "
        "Please try again."
    )
    assert slack.files == [] and exported_events(bot) == []


def test_buttons_and_forms_refuse_people_outside_the_roster(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    set_lead(bot, incident, ws.alice)
    for action in (
        "lifecycle_start_fixing",
        "lifecycle_update",
        "lifecycle_export",
        "lifecycle_close",
    ):
        click(bot, ws.dave, incident, action)
    wait_until(lambda: len(bot.slack.ephemerals_for(ws.dave)) == 4, what="four refusals")
    assert all(
        n.text.startswith("Only the security team") for n in bot.slack.ephemerals_for(ws.dave)
    )
    # A forged submission of a lifecycle form changes nothing either.
    view = open_modal(bot, ws.alice, incident, "lifecycle_update", "lifecycle_update_submit")
    bot.slack.workspace.view_owner[view["id"]] = ws.dave
    bot.slack.workspace.stacks[ws.dave] = [view["id"]]
    errors = submit(bot, ws.dave, view, {"text": {"value": "sneaky"}})
    assert errors["text"].startswith("Only the security team")
    assert bot.incident().phase == "triage" and bot.incident().last_update_at is None
    assert bot.slack.files == []


def test_post_update_modal_changes_phase_and_sets_next_update(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    set_lead(bot, incident, ws.carol)
    view = open_modal(bot, ws.carol, incident, "lifecycle_update", "lifecycle_update_submit")
    next_update = bot.clock.now() + timedelta(days=2)
    values = {
        "text": {"value": "Confirmed; <!channel> starting on a fix"},
        "phase": {"value": "fixing"},
        "next_update": {"value": int(next_update.timestamp())},
    }
    assert not submit(bot, ws.carol, view, values)
    wait_phase(bot, incident, "fixing")
    final = bot.incident()
    assert final.last_update_at == bot.clock.now() and final.next_update_at == next_update
    # Shown from the outbox after the commit: wait for the delivery, not for the phase.
    update = wait_until(
        lambda: next(
            (m for m in bot.slack.thread(ws.triage, final.triage_ts) if "Confirmed" in m.text),
            None,
        ),
        what="the update in the triage thread",
    )
    assert "<!channel>" not in update.text and "&lt;!channel&gt;" in update.text
    wait_until(
        lambda: any(
            "Confirmed" in m.text for m in bot.slack.thread(final.channel_id, final.headline_ts)
        ),
        what="the update in the channel thread",
    )
    assert len(bot.slack.messages(ws.triage)) == 1


def test_fix_team_members_get_the_embargo_rules_and_one_button_release(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    set_lead(bot, incident, ws.alice)
    answer = command(
        bot, ws.alice, incident.channel_id, f"fixteam add <@{ws.dave}|dave> review the parser patch"
    )
    assert f"<@{ws.dave}>" in answer
    assert ws.dave in slack.channel(incident.channel_id).members
    dm = wait_until(lambda: slack.dm_channel(ws.dave) and slack.messages(slack.dm_channel(ws.dave)))
    assert "Embargo rules" in dm[0].text and "review the parser patch" in dm[0].text
    note = wait_until(
        lambda: [
            m
            for m in slack.thread(incident.channel_id, incident.headline_ts)
            if "joined the fix team" in m.text
        ]
    )[0]
    bot.driver.block_action(ws.alice, "lifecycle_fixteam_release", message=note)
    wait_until(lambda: ws.dave not in slack.channel(incident.channel_id).members, what="release")
    from bot.incident import service as incidents

    with bot.services.db.transaction() as session:
        assert incidents.fix_team(session, incident.id) == []
        assert len(incidents.fix_team(session, incident.id, active_only=False)) == 1


def open_deadlines(bot: RunningBot, incident: Incident) -> dict[str, object]:
    with bot.services.db.transaction() as session:
        rows = session.scalars(
            select(DeadlineRow).where(
                DeadlineRow.incident_id == incident.id,
                DeadlineRow.status == DeadlineState.OPEN.value,
            )
        )
        return {row.kind: row.due_at for row in rows}


def test_an_issue_that_goes_public_collapses_its_deadlines(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    incident = open_incident(bot)
    bot.services.background.wait()  # the first plan follows the set-up
    before = open_deadlines(bot, incident)
    assert before and not bot.incident().is_public

    answer = command(bot, ws.bob, incident.channel_id, "public Posted to a public mailing list")
    assert "is marked public" in answer
    assert bot.incident().is_public
    wait_until(
        lambda: "Already public" in json.dumps(headline(bot, incident).blocks),
        what="the public banner on the headline",
    )
    wait_until(
        lambda: any("is public now" in t for t in thread_texts(bot, incident)),
        what="the thread note",
    )
    after = wait_until(
        lambda: (planned := open_deadlines(bot, incident)) != before and planned,
        what="deadlines planned again",
    )
    # Public issues get the policy's as-soon-as-possible deadlines: none moves later,
    # and at least one comes earlier.
    shared = before.keys() & after.keys()
    assert all(after[kind] <= before[kind] for kind in shared)
    assert any(after[kind] < before[kind] for kind in shared) or after.keys() != before.keys()
    with bot.services.db.transaction() as session:
        event = session.scalar(select(TimelineEvent).where(TimelineEvent.kind == "made_public"))
    assert event is not None and event.actor == ws.bob
    assert "mailing list" in event.text

    again = command(bot, ws.bob, incident.channel_id, "public")
    assert "already marked public" in again
    assert not any(slack.messages(ws.general))  # nothing of it outside the team's places

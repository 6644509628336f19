"""The outward half of an embargo, through signed requests to the running bot, a local
Slack and a real SMTP server: the distributors list, notices with their acknowledgement
links, silent distributors, the final notice, a moved date, a leak, the announcement."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.clock import ManualClock
from bot.config import ConfigError
from bot.database import Database
from bot.distributor.models import Distributor
from bot.incident.models import Incident
from bot.slack.distributor_hooks import sweep
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.distributor_helpers import (
    ANNOUNCE_LIST,
    OSS_SECURITY,
    MailBot,
    ack_link,
    at,
    confirm_link,
    incident_now,
    open_link,
    wait_for_view,
)
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.reminder_helpers import deadlines
from tests.slack_api import FakeSlack
from tests.vocabulary import click, command, fixing_incident, submit, texts

ACME = "security@acme-linux.example"
BETA = "psirt@beta-os.example"


def add_distributors(bot: RunningBot) -> None:
    ws = bot.workspace
    channel = ws.triage
    assert "Added *Acme Linux*" in command(
        bot, ws.alice, channel, f"distributors add Acme Linux {ACME} 2026-01-15"
    )
    assert "Added *Beta OS*" in command(
        bot, ws.alice, channel, f"distributors add Beta OS {BETA}, alt@beta-os.example"
    )


def notify(mailbot: MailBot, incident: Incident, values: dict) -> dict:
    bot = mailbot.bot
    click(bot, bot.workspace.bob, incident, "distributors_notify")
    view = wait_for_view(bot, bot.workspace.bob, "distributors_notice_submit")
    return {"view": view, "errors": submit(bot, bot.workspace.bob, view, values)}


def distributor_ids(mailbot: MailBot) -> dict[str, int]:
    with mailbot.services.db.transaction() as session:
        return {d.organisation: d.id for d in session.scalars(select(Distributor))}


def chan(incident: Incident) -> str:
    assert incident.channel_id is not None
    return incident.channel_id


def headline_blocks(bot: RunningBot, incident: Incident) -> list:
    assert incident.channel_id and incident.headline_ts
    return bot.slack.message(incident.channel_id, incident.headline_ts).blocks or []


def dms(bot: RunningBot, user: str) -> list:
    channel = bot.slack.dm_channel(user)
    return bot.slack.messages(channel) if channel else []


def edited(view: dict) -> dict:
    """The announcement as a lead finishes it: the drafted text without its TODO lines."""
    (body,) = [b for b in view["blocks"] if b.get("block_id") == "body"]
    text = body["element"]["initial_value"]
    kept = [line for line in text.splitlines() if "TODO" not in line]
    return {"body": {"value": "\n".join(kept)}, "confirm": {"value": ["yes"]}}


def events(bot: RunningBot, kind: str) -> list[TimelineEvent]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(TimelineEvent).where(TimelineEvent.kind == kind)))


def test_the_list_is_kept_from_slack_by_the_team_only(mailbot: MailBot) -> None:
    bot = mailbot.bot
    ws = bot.workspace
    add_distributors(bot)
    listing = command(bot, ws.bob, ws.triage, "distributors")
    assert "Acme Linux" in listing and ACME in listing and "2026-01-15" in listing
    assert "alt@beta-os.example" in listing
    again = command(bot, ws.alice, ws.triage, f"distributors add Acme Linux {ACME}")
    assert "on the list already" in again
    bad = command(bot, ws.alice, ws.triage, "distributors add Gamma not-an-address")
    assert "Give at least one address" in bad
    assert "Only the security team" in command(bot, ws.dave, ws.triage, "distributors")
    removed = command(bot, ws.alice, ws.triage, "distributors remove Beta OS left the program")
    assert "Removed *Beta OS*" in removed
    listing = command(bot, ws.bob, ws.triage, "distributors")
    assert "~Beta OS~" in listing and "left the program" in listing
    assert "say why" in command(bot, ws.alice, ws.triage, "distributors remove Acme Linux").lower()


def test_the_add_form(mailbot: MailBot) -> None:
    bot = mailbot.bot
    ws = bot.workspace
    bot.slack.issue_trigger(ws.alice)
    bot.driver.slash("/disclose", "distributors form", user_id=ws.alice, channel_id=ws.triage)
    view = wait_for_view(bot, ws.alice, "distributors_add_submit")
    errors = submit(
        bot,
        ws.alice,
        view,
        {"organisation": {"value": "Delta"}, "addresses": {"value": "delta at example"}},
    )
    assert "not an email address" in errors["addresses"]
    assert not submit(
        bot,
        ws.alice,
        view,
        {"organisation": {"value": "Delta"}, "addresses": {"value": "sec@delta.example"}},
    )
    assert set(distributor_ids(mailbot)) == {"Delta"}


def test_a_distributors_file_seeds_the_list_once(
    db: Database, slack: FakeSlack, workspace: Workspace, tmp_path: Path
) -> None:
    seed = tmp_path / "distributors.toml"
    seed.write_text(
        '[[distributor]]\norganisation = "Acme Linux"\n'
        f'addresses = ["{ACME}"]\nterms_accepted = 2026-01-15\n'
    )
    settings = harness.test_settings(slack, workspace, db.url).model_copy(
        update={"distributors_file": seed}
    )
    for _ in range(2):
        build_services(settings, clock=ManualClock(START), db=db)
    with db.transaction() as session:
        (row,) = session.scalars(select(Distributor))
        assert row.addresses == [ACME] and row.recorded_by == "distributors-file"
    seed.write_text('[[distributor]]\norganisation = "X"\naddresses = ["x@x.example"]\n')
    with pytest.raises(ConfigError, match="terms_accepted must be a date"):
        build_services(settings, clock=ManualClock(START), db=db)


def test_notify_sends_one_message_each_and_acknowledgements_come_back(mailbot: MailBot) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    command(bot, ws.alice, ws.triage, "distributors add Gamma sec@gamma.example")
    incident = fixing_incident(bot)
    ids = distributor_ids(mailbot)
    planned = START + timedelta(days=14, hours=7)  # Monday 2026-03-16 16:00 UTC

    no_date = notify(mailbot, incident, {"planned": {"value": None}})
    assert "No public disclosure date is set" in no_date["errors"]["planned"]
    view = no_date["view"]
    warnings = texts(view["blocks"])
    assert "No CVE ID yet" in warnings
    chosen = [str(ids["Acme Linux"]), str(ids["Beta OS"])]
    errors = submit(
        bot,
        ws.bob,
        view,
        {
            "planned": {"value": at(planned)},
            "recipients": {"value": chosen},  # Gamma unticked
            "flags": {"value": ["early_deploy"]},
        },
    )
    assert not errors
    wait_until(lambda: incident_now(bot, incident).phase == "embargo", what="the embargo")
    assert incident_now(bot, incident).distributors_notified_at is None  # not by a click
    bot.services.background.wait()
    assert deadlines(bot, incident.id)["distributor_notice"].status == "open"

    bot.clock.advance(timedelta(minutes=3))
    mailbot.send_mail()
    received = smtp.wait_for(2)
    assert sorted(r.recipients for r in received) == sorted(
        [(ACME,), (BETA, "alt@beta-os.example")]
    )
    assert len({r.message_id for r in received}) == 2
    first = received[0]
    assert first.subject == f"[EMBARGOED] CVE pending: {incident.title}"
    body = first.body.replace("\r\n", "\n")
    # 9:00 Pacific daylight time on 16 March 2026 (after the 8 March change) is 16:00 UTC.
    assert "EMBARGOED until Monday 2026-03-16 16:00 UTC (09:00 PDT, America/Los_Angeles)" in body
    assert "The patch may be deployed before the disclosure time." in body
    assert "The patch itself is not under embargo." in body
    assert first.message["Reply-To"] == "security@example.org"
    links = {ack_link(r) for r in received}
    assert len(links) == 2

    sent_at = START + timedelta(minutes=3)
    wait_until(
        lambda: incident_now(bot, incident).distributors_notified_at == sent_at,
        what="the notice recorded as sent",
    )
    notice_deadline = wait_until(
        lambda: (row := deadlines(bot, incident.id)["distributor_notice"]).status != "open" and row,
        what="the deadline met",
    )
    assert notice_deadline.met_at == sent_at

    # The page shows the CVE and the date and nothing else; a GET changes nothing.
    link = ack_link(first)
    status, page = open_link(link)
    assert status == 200 and "CVE pending" in page and "2026-03-16 16:00 UTC" in page
    assert incident.title not in page and "Acme" not in page and "Beta" not in page
    status, page = confirm_link(link)
    assert status == 200 and "recorded" in page
    confirm_link(link)  # a second click changes nothing
    assert len(events(bot, "distributor_acknowledged")) == 1
    bad = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    with pytest.raises(Exception, match="404"):
        open_link(bad)

    status_text = command(bot, ws.bob, chan(incident), "distributors status")
    assert "1 of 2 acknowledged" in status_text and "acknowledged" in status_text
    assert "Gamma" not in status_text
    acked = "Acme Linux" if first.recipients == (ACME,) else "Beta OS"
    silent = "Beta OS" if acked == "Acme Linux" else "Acme Linux"
    lines = {line.split("*")[1]: line for line in status_text.splitlines()[1:]}
    assert ":white_check_mark: acknowledged" in lines[acked]
    assert "not acknowledged" in lines[silent] and ":email: sent" in lines[silent]
    wait_until(
        lambda: "1 of 2 acknowledged" in texts(headline_blocks(bot, incident)),
        what="the headline showing the acknowledgement",
    )


def test_short_notice_is_warned_with_the_shortfall_and_a_past_date_refused(
    mailbot: MailBot,
) -> None:
    bot = mailbot.bot
    add_distributors(bot)
    incident = fixing_incident(bot)
    result = notify(mailbot, incident, {"planned": {"value": at(START - timedelta(hours=1))}})
    assert "in the past" in result["errors"]["planned"]
    # A date three days out is allowed; the form said what the policy asks.
    with bot.services.db.transaction() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        stored.disclosure_planned_at = START + timedelta(days=3)
    click(bot, bot.workspace.bob, incident, "distributors_notify")
    view = wait_until(
        lambda: (
            (v := bot.slack.open_view_for(bot.workspace.bob))
            and v["callback_id"] == "distributors_notice_submit"
            and "Short notice" in texts(v["blocks"])
            and v
        ),
        what="the short notice warning",
    )
    warning = texts(view["blocks"])
    assert "the kubernetes policy asks for at least 7 days: 4 days short" in warning


def test_silent_distributors_are_reminded_and_the_notice_resent_to_them_only(
    mailbot: MailBot,
) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    assert not notify(mailbot, incident, {"planned": {"value": at(START + timedelta(days=14))}})[
        "errors"
    ]
    mailbot.send_mail()
    acme, _beta = sorted(smtp.wait_for(2), key=lambda r: r.recipients != (ACME,))
    confirm_link(ack_link(acme))
    assert sweep(bot.services) == 0  # the window has not passed
    bot.clock.advance(timedelta(days=3))  # Thursday: two business days later
    assert sweep(bot.services) == 1
    assert sweep(bot.services) == 0  # told once
    (reminder,) = [m for m in dms(bot, ws.bob) if "no acknowledgement" in m.text]
    assert "Beta OS" in reminder.text and "Acme" not in reminder.text
    response = bot.driver.block_action(ws.bob, "distributors_resend", message=reminder)
    assert response.status == 200
    view = wait_for_view(bot, ws.bob, "distributors_notice_submit")
    assert not submit(bot, ws.bob, view, {})
    mailbot.send_mail()
    again = smtp.wait_for(3)[-1]
    assert again.recipients == (BETA, "alt@beta-os.example")
    assert "have not heard back" in again.body


def test_final_notice_and_a_moved_date(mailbot: MailBot) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    planned = START + timedelta(days=14, hours=7)
    assert not notify(mailbot, incident, {"planned": {"value": at(planned)}})["errors"]
    mailbot.send_mail()
    smtp.wait_for(2)

    # The date moves: the distributors told the old one are offered an update.
    answer = command(bot, ws.bob, chan(incident), "deadline public_disclosure 2026-03-17 16:00")
    assert "2026" in answer or answer
    offer = wait_until(
        lambda: next((m for m in dms(bot, ws.bob) if "moved from" in m.text), None),
        what="the update offer",
    )
    bot.driver.block_action(ws.bob, "distributors_update", message=offer)
    view = wait_for_view(bot, ws.bob, "distributors_notice_submit")
    assert not submit(bot, ws.bob, view, {})
    mailbot.send_mail()
    update = smtp.wait_for(4)[-1]
    assert update.subject.startswith("[EMBARGOED] Date changed:")
    body = update.body.replace("\r\n", "\n")
    assert "Previously planned: Monday 2026-03-16 16:00 UTC" in body
    assert "Now planned: Tuesday 2026-03-17 16:00 UTC (09:00 PDT" in body

    bot.clock.set(START + timedelta(days=14, hours=10))  # the final notice is due
    click(bot, ws.bob, incident, "distributors_final")
    view = wait_for_view(bot, ws.bob, "distributors_notice_submit")
    assert not submit(bot, ws.bob, view, {})
    mailbot.send_mail()
    finals = smtp.wait_for(6)[-2:]
    assert all(r.subject.startswith("[EMBARGOED] Final notice:") for r in finals)
    final = wait_until(
        lambda: (row := deadlines(bot, incident.id)["final_notice"]).status != "open" and row,
        what="the final notice deadline met",
    )
    assert final.met_at == bot.clock.now()


def test_a_leak_is_recorded_counted_and_the_removal_notice_drafted(mailbot: MailBot) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    assert not notify(mailbot, incident, {"planned": {"value": at(START + timedelta(days=14))}})[
        "errors"
    ]
    click(bot, ws.bob, incident, "embargo_leak")
    view = wait_for_view(bot, ws.bob, "embargo_leak_submit")
    ids = distributor_ids(mailbot)
    errors = submit(bot, ws.bob, view, {"what": {"value": "the patch"}, "to_whom": {"value": " "}})
    assert "to whom" in errors["to_whom"].lower()
    assert not submit(
        bot,
        ws.bob,
        view,
        {
            "what": {"value": "The patch, pushed to a public mirror"},
            "to_whom": {"value": "a public git mirror"},
            "distributor": {"value": str(ids["Beta OS"])},
            "prevention": {"value": "Mirror jobs now skip embargoed branches"},
            "public": {"value": ["public"]},
        },
    )
    (leak,) = wait_until(lambda: events(bot, "embargo_leak"), what="the leak on the timeline")
    assert "through Beta OS" in leak.text
    told = wait_until(
        lambda: next((m for m in dms(bot, ws.bob) if "Embargo break" in m.text), None),
        what="the public path offered",
    )
    assert "/disclose public" in texts(told.blocks)
    bot.driver.block_action(ws.bob, "embargo_leak_public", message=told)
    wait_until(lambda: incident_now(bot, incident).is_public, what="the issue marked public")
    listing = command(bot, ws.alice, ws.triage, "distributors")
    assert "1 leak" in listing
    command(bot, ws.alice, ws.triage, "distributors remove Beta OS repeated embargo breaks")
    bot.slack.issue_trigger(ws.alice)
    bot.driver.slash(
        "/disclose", "distributors removal Beta OS", user_id=ws.alice, channel_id=ws.triage
    )
    view = wait_for_view(bot, ws.alice, "distributors_removal_submit")
    draft = texts(view["blocks"])
    assert "repeated embargo breaks" in draft and "1 embargo break" in draft
    assert not submit(bot, ws.alice, view, {})
    mailbot.send_mail()
    removal = smtp.wait_for(3)[-1]
    assert removal.recipients == (BETA, "alt@beta-os.example")
    assert removal.subject == "Removal from the private distributors list: Beta OS"


def test_the_announcement_waits_for_its_time_then_goes_out_once_and_is_the_only_public_post(
    mailbot: MailBot,
) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    planned = START + timedelta(days=14, hours=7)
    assert not notify(mailbot, incident, {"planned": {"value": at(planned)}})["errors"]
    mailbot.send_mail()
    notices = smtp.wait_for(2)
    command(bot, ws.bob, chan(incident), "phase released 1.2.4")
    wait_until(lambda: incident_now(bot, incident).phase == "released", what="released")
    before = len(bot.slack.ephemerals_for(ws.bob))
    click(bot, ws.bob, incident, "announce_open")
    refused = wait_until(lambda: bot.slack.ephemerals_for(ws.bob)[before:], what="the refusal")
    assert "The embargo holds until 2026-03-16 16:00 UTC" in refused[-1].text

    bot.clock.set(planned)
    click(bot, ws.bob, incident, "announce_open")
    view = wait_for_view(bot, ws.bob, "announce_submit")
    assert "[example] CVE pending" in texts(view["blocks"])
    errors = submit(bot, ws.bob, view, {})
    assert "confirm" in errors["confirm"].lower()
    todo = submit(bot, ws.bob, view, {"confirm": {"value": ["yes"]}})
    assert "still says TODO" in todo["body"]
    assert "- yaml-parser" in texts(view["blocks"])  # the advisory's packages
    assert not submit(bot, ws.bob, view, edited(view))
    wait_until(lambda: incident_now(bot, incident).phase == "disclosed", what="disclosed")
    bot.services.background.wait()
    mailbot.send_mail()
    announced = smtp.wait_for(4)[2:]
    by_to = {r.recipients: r for r in announced}
    assert by_to[(ANNOUNCE_LIST,)].subject == f"[Security Advisory] CVE pending: {incident.title}"
    assert by_to[(OSS_SECURITY,)].subject == f"[example] CVE pending: {incident.title}"
    assert "1.2.4" in by_to[(ANNOUNCE_LIST,)].body

    # Leak scan: one post ever reached the public channel, the announcement; every email
    # went to a distributor address or an announcement address.
    public = [
        c for c in bot.slack.calls_to("chat.postMessage") if c.params.get("channel") == ws.general
    ]
    assert len(public) == 1 and "[Security Advisory]" in public[0].params["text"]
    for method in ("chat.update", "chat.postEphemeral"):
        assert all(c.params.get("channel") != ws.general for c in bot.slack.calls_to(method))
    distributors = {ACME, BETA, "alt@beta-os.example"}
    recipients = Counter(a for r in smtp.messages for a in r.recipients)
    assert set(recipients) == distributors | {ANNOUNCE_LIST, OSS_SECURITY}
    assert all(set(r.recipients) <= distributors for r in notices)

    # Once only.
    before = len(bot.slack.ephemerals_for(ws.bob))
    click(bot, ws.bob, incident, "announce_open")
    again = wait_until(lambda: bot.slack.ephemerals_for(ws.bob)[before:], what="the refusal")
    assert "announced already" in again[-1].text


def test_leak_scan_nothing_of_the_embargo_reaches_a_public_channel_or_a_stranger(
    mailbot: MailBot,
) -> None:
    """Every Slack message, view and ephemeral of a whole embargo (notices, acknowledgement,
    silent reminder and re-send, final notice, a leak) stays in the incident's channel, the
    triage channel or its members' DMs; every email goes to a distributor. Then the
    announcement is the one thing in the public channel, with the advisory's fields only."""
    from tests.crash.leaks import find_leaks

    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    planned = START + timedelta(days=14, hours=7)
    assert not notify(mailbot, incident, {"planned": {"value": at(planned)}})["errors"]
    mailbot.send_mail()
    first, _ = smtp.wait_for(2)
    confirm_link(ack_link(first))
    bot.clock.advance(timedelta(days=3))
    assert sweep(bot.services) == 1
    reminder = wait_until(
        lambda: next((m for m in dms(bot, ws.bob) if "no acknowledgement" in m.text), None)
    )
    bot.driver.block_action(ws.bob, "distributors_resend", message=reminder)
    assert not submit(bot, ws.bob, wait_for_view(bot, ws.bob, "distributors_notice_submit"), {})
    command(bot, ws.bob, chan(incident), "distributors status")
    bot.clock.set(planned - timedelta(hours=20))
    click(bot, ws.bob, incident, "distributors_final")
    assert not submit(bot, ws.bob, wait_for_view(bot, ws.bob, "distributors_notice_submit"), {})
    click(bot, ws.bob, incident, "embargo_leak")
    assert not submit(
        bot,
        ws.bob,
        wait_for_view(bot, ws.bob, "embargo_leak_submit"),
        {
            "what": {"value": "The release date"},
            "to_whom": {"value": "a vendor's customer"},
        },
    )
    wait_until(lambda: events(bot, "embargo_leak"), what="the leak")
    mailbot.send_mail()
    bot.services.background.wait()
    stored = incident_now(bot, incident)
    leaks, read = find_leaks(bot.slack, [stored], ws.triage)
    assert read > 50 and not leaks, leaks
    distributors = {ACME, BETA, "alt@beta-os.example"}
    assert all(set(r.recipients) <= distributors for r in smtp.messages)
    assert len(smtp.messages) == 2 + 1 + 2  # notices, one re-send, two final notices

    command(bot, ws.bob, chan(incident), "phase released 1.2.4")
    bot.clock.set(planned)
    click(bot, ws.bob, incident, "announce_open")
    view = wait_for_view(bot, ws.bob, "announce_submit")
    assert not submit(bot, ws.bob, view, edited(view))
    wait_until(lambda: incident_now(bot, incident).phase == "disclosed", what="disclosed")
    bot.services.background.wait()
    leaks, _ = find_leaks(bot.slack, [incident_now(bot, incident)], ws.triage)
    assert leaks and {leak.place for leak in leaks} == {ws.general}
    # The advisory's fields only: its title, its vector, and the reporter as the advisory
    # credits them; never the description or the reporter's contact.
    assert {leak.detail for leak in leaks} <= {"title", "vector", "reporter name"}
    (post,) = [m for m in bot.slack.messages(ws.general) if m.user == bot.slack.bot_user_id]
    assert "[Security Advisory]" in post.text


def test_a_refused_address_shows_against_that_distributor_and_in_the_triage_thread(
    mailbot: MailBot,
) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    smtp.refuse_recipient(ACME, "550 5.1.1 No such user here")
    assert not notify(mailbot, incident, {"planned": {"value": at(START + timedelta(days=14))}})[
        "errors"
    ]
    mailbot.send_mail()
    (delivered,) = smtp.wait_for(1)
    assert delivered.recipients == (BETA, "alt@beta-os.example")
    status = command(bot, ws.bob, chan(incident), "distributors status")
    (acme_line,) = [line for line in status.splitlines() if "Acme Linux" in line]
    assert ":x: refused" in acme_line and "550 5.1.1 No such user here" in acme_line
    told = wait_until(
        lambda: [
            m
            for m in bot.slack.thread(ws.triage, incident.triage_ts or "")
            if "refused for good" in m.text
        ],
        what="the refusal in the triage thread",
    )
    assert ACME in told[0].text
    wait_until(
        lambda: "not delivered to Acme Linux" in texts(headline_blocks(bot, incident)),
        what="the headline naming the refused distributor",
    )


def test_the_final_notice_is_offered_once_when_the_policy_says_it_is_due(
    mailbot: MailBot,
) -> None:
    bot = mailbot.bot
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    planned = START + timedelta(days=14, hours=7)
    assert not notify(mailbot, incident, {"planned": {"value": at(planned)}})["errors"]
    mailbot.send_mail()
    bot.clock.set(planned - timedelta(hours=25))
    sweep(bot.services)
    assert not [m for m in dms(bot, ws.bob) if "final notice" in m.text]
    bot.clock.set(planned - timedelta(hours=23))
    sweep(bot.services)
    sweep(bot.services)
    offers = [m for m in dms(bot, ws.bob) if "final notice" in m.text]
    assert len(offers) == 1 and "2 distributors" in offers[0].text
    bot.driver.block_action(ws.bob, "distributors_final", message=offers[0])
    view = wait_for_view(bot, ws.bob, "distributors_notice_submit")
    assert view["title"]["text"] == "Final notice"


def test_notice_four_weeks_early_is_warned(mailbot: MailBot) -> None:
    bot = mailbot.bot
    add_distributors(bot)
    incident = fixing_incident(bot)
    with bot.services.db.transaction() as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        stored.disclosure_planned_at = START + timedelta(days=40)
    click(bot, bot.workspace.bob, incident, "distributors_notify")
    view = wait_for_view(bot, bot.workspace.bob, "distributors_notice_submit")
    assert "Early notice: the kubernetes policy tells distributors at most 28 days" in texts(
        view["blocks"]
    )


def test_a_short_date_picked_in_the_form_is_warned_before_anything_is_sent(
    mailbot: MailBot,
) -> None:
    bot, smtp = mailbot.bot, mailbot.smtp
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    soon = START + timedelta(days=2, hours=7)
    first = notify(mailbot, incident, {"planned": {"value": at(soon)}})
    assert not first["errors"]
    view = wait_until(
        lambda: (
            (v := bot.slack.open_view_for(ws.bob)) and "Short notice" in texts(v["blocks"]) and v
        ),
        what="the form shown again with the warning",
    )
    assert "distributors get 2 days 7 hours" in texts(view["blocks"])
    assert "7 days: 4 days 17 hours short" in texts(view["blocks"])
    assert incident_now(bot, incident).phase == "fixing"  # nothing happened yet
    assert not submit(bot, ws.bob, view, {})  # Send again: sent, with the date kept
    wait_until(lambda: incident_now(bot, incident).phase == "embargo", what="the embargo")
    assert incident_now(bot, incident).disclosure_planned_at == soon
    mailbot.send_mail()
    assert len(smtp.wait_for(2)) == 2


def test_the_acknowledgement_page_refuses_what_is_not_a_genuine_link(mailbot: MailBot) -> None:
    import urllib.error
    import urllib.request

    bot, smtp = mailbot.bot, mailbot.smtp
    add_distributors(bot)
    incident = fixing_incident(bot)
    assert not notify(mailbot, incident, {"planned": {"value": at(START + timedelta(days=14))}})[
        "errors"
    ]
    mailbot.send_mail()
    link = ack_link(smtp.wait_for(2)[0])
    base = bot.server.url
    for url, data in (
        (f"{base}/ack?t=ack1.999.AAAAAAAAAAAAAAAAAAAAAAAA", None),
        (f"{base}/ack", b"t=ack1.1.forged"),
        (f"{base}/ack", b"t=" + b"x" * 5000),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, data=data, timeout=5)
        assert refused.value.code in (404, 413)
        page = refused.value.read().decode()
        assert "CVE" not in page and incident.title not in page
    assert not events(bot, "distributor_acknowledged")
    confirm_link(link)
    status, page = open_link(link)
    assert status == 200 and "Already acknowledged" in page


def test_only_the_team_can_open_or_send_a_notice(mailbot: MailBot) -> None:
    bot = mailbot.bot
    ws = bot.workspace
    add_distributors(bot)
    incident = fixing_incident(bot)
    headline = bot.slack.message(chan(incident), incident.headline_ts or "")
    before = len(bot.slack.ephemerals_for(ws.dave))
    bot.driver.block_action(ws.dave, "distributors_notify", message=headline)
    refusal = wait_until(lambda: bot.slack.ephemerals_for(ws.dave)[before:], what="a refusal")
    assert "Only the security team" in refusal[-1].text
    assert bot.slack.open_view_for(ws.dave) is None
    answer = command(bot, ws.bob, ws.triage, "distributors status")
    assert "Run this in an incident's channel" in answer

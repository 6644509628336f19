"""Answering the reporter from Slack, by email through a real SMTP server, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.mail.gateway import SmtpGateway
from bot.mail.models import OutboundMail
from bot.mail.worker import MailWorker
from bot.reminder.models import DeadlineRow
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.intake_signing import intake_headers, intake_settings, post
from tests.mail_fixtures import MAIL_FROM, REPLY_TO
from tests.slack_api import FakeSlack
from tests.smtp_server import Certificate, MailServer
from tests.vocabulary import MAIL, command, open_modal, report, submit, texts

REPORT_ID = "<CAF3xq2+Y7mJ1d0_report@mail.example.org>"


@pytest.fixture
def reply_bot(
    db: Database, slack: FakeSlack, workspace: Workspace, smtp: MailServer, certificate: Certificate
) -> Iterator[RunningBot]:
    settings = intake_settings(harness.test_settings(slack, workspace, db.url)).model_copy(
        update={"mail_from": MAIL_FROM, "mail_reply_to": REPLY_TO}
    )
    services = build_services(settings, clock=ManualClock(START), db=db)
    services.mail = SmtpGateway(smtp.address(), timeout=5, tls_context=certificate.client_context())
    identify(services)
    running = RunningBot(services, slack, workspace)
    yield running
    assert running.services.background.wait()
    running.stop()


def deliver(bot: RunningBot, raw: bytes):
    headers = intake_headers(raw, int(bot.clock.now().timestamp()), content_type="message/rfc822")
    return post(f"{bot.server.url}/intake/email", raw, headers)


def mailed_incident(bot: RunningBot):
    answer = deliver(bot, (MAIL / "report-multipart.eml").read_bytes())
    assert answer.status == 201
    bot.wait_for_setup()
    bot.services.background.wait()  # the deadlines are planned once the set-up is done
    return bot.incident()


def acknowledge(bot: RunningBot, incident_id: int) -> DeadlineRow:
    with bot.services.db.transaction() as session:
        return session.scalars(
            select(DeadlineRow).where(
                DeadlineRow.incident_id == incident_id, DeadlineRow.kind == "acknowledge"
            )
        ).one()


def outbound(bot: RunningBot) -> list[OutboundMail]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(OutboundMail).order_by(OutboundMail.id)))


def test_the_lead_answers_a_mailed_report_and_the_answer_comes_back_to_the_thread(
    reply_bot: RunningBot, smtp: MailServer
) -> None:
    bot, ws = reply_bot, reply_bot.workspace
    incident = mailed_incident(bot)
    assert acknowledge(bot, incident.id).status == "open"
    bot.clock.advance(timedelta(hours=2))

    answer = command(bot, ws.bob, incident.channel_id, "reply Thank you, we are looking into it.")
    assert answer == (
        "Your message to rita@example.org is queued and goes out within a minute. "
        "It meets the acknowledge deadline."
    )
    assert acknowledge(bot, incident.id).status == "met_on_time"
    note = wait_until(
        lambda: [
            t
            for t in (m.text for m in bot.slack.thread(ws.triage, incident.triage_ts))
            if "wrote to the reporter" in t
        ],
        what="the note in the thread",
    )
    assert "&gt; Thank you, we are looking into it." not in note[0]
    assert "> Thank you, we are looking into it." in note[0]

    assert MailWorker(bot.services).run().sent == 1
    [received] = smtp.messages
    message = received.message
    assert received.recipients == ("rita@example.org",)
    assert message["From"] == MAIL_FROM and message["Reply-To"] == REPLY_TO
    assert message["Subject"] == (
        f"Re: [{incident.human_id}] Heap overflow in the YAML parser — crafted anchors"
    )
    assert message["In-Reply-To"] == REPORT_ID
    assert message["References"] == REPORT_ID
    assert received.body.startswith("Thank you, we are looking into it.")
    assert incident.human_id in received.body
    assert MailWorker(bot.services).run().sent == 0  # sent once
    assert len(smtp.messages) == 1

    # The reporter answers the bot's message: it joins the same incident and thread.
    raw = (
        "From: Rita Rapporteur <rita@example.org>\n"
        "To: security@example.org\n"
        f"Subject: Re: {message['Subject']}\n"
        "Date: Tue, 03 Mar 2026 12:00:00 +0100\n"
        "Message-ID: <rita-answer-3@mail.example.org>\n"
        f"In-Reply-To: {message['Message-ID']}\n"
        f"References: {REPORT_ID} {message['Message-ID']}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Great, thanks. I can test a patch if you like.\n"
    ).encode()
    joined = deliver(bot, raw)
    assert joined.json() == {"outcome": "reply", "incident_id": incident.human_id}
    wait_until(
        lambda: any(
            "I can test a patch" in m.text and "The reporter wrote" in m.text
            for m in bot.slack.thread(ws.triage, incident.triage_ts)
        ),
        what="the reporter's answer in the thread",
    )
    with bot.services.db.transaction() as session:
        kinds = list(
            session.scalars(
                select(TimelineEvent.kind).where(
                    TimelineEvent.kind.in_(("reporter_replied", "reporter_wrote"))
                )
            )
        )
    assert kinds == ["reporter_replied", "reporter_wrote"]

    second = command(bot, ws.bob, incident.channel_id, "reply A fix is planned for next week.")
    assert second.endswith("goes out within a minute.")  # the deadline is met already
    MailWorker(bot.services).run()
    later = smtp.messages[-1].message
    assert later["In-Reply-To"] == "<rita-answer-3@mail.example.org>"
    assert later["References"].split() == [
        REPORT_ID,
        message["Message-ID"],
        "<rita-answer-3@mail.example.org>",
    ]


def test_the_form_starts_from_a_canned_reply_and_sends_once(
    reply_bot: RunningBot, smtp: MailServer
) -> None:
    bot, ws = reply_bot, reply_bot.workspace
    incident = mailed_incident(bot)
    view = open_modal(bot, ws.alice, incident, "reporter_message", "reporter_message_submit")
    body = texts(view["blocks"])
    for label in (
        "Acknowledgement",
        "Not a vulnerability",
        "container image",
        "Clickjacking",
        "SPF record",
    ):
        assert label in body
    assert "rita@example.org" in body
    response = bot.driver.block_action(
        ws.alice,
        "reporter_template",
        selected_option={
            "text": {"type": "plain_text", "text": "Acknowledgement"},
            "value": "acknowledge",
        },
        view_id=view["id"],
    )
    assert response.status == 200 and not response.problems
    filled = wait_until(
        lambda: (
            (v := bot.slack.open_view_for(ws.alice))
            and "message-acknowledge" in texts(v["blocks"])
            and v
        ),
        what="the canned text",
    )
    assert f"tracking it as {incident.human_id}" in texts(filled["blocks"])
    assert not submit(bot, ws.alice, filled, {})  # sent as the canned text stands
    wait_until(lambda: outbound(bot), what="the queued message")
    # Slack delivers the same submission again (a late ack): nothing more is queued.
    bot.driver.submit_view(filled["id"], ws.alice, values={}, allow_closed=True)
    bot.services.background.wait()
    assert len(outbound(bot)) == 1

    def notes() -> list[str]:
        thread = bot.slack.thread(ws.triage, incident.triage_ts)
        return [m.text for m in thread if "wrote to the reporter" in m.text]

    wait_until(notes, what="the thread note")
    bot.services.background.wait()
    assert len(notes()) == 1  # told once, like the message itself
    MailWorker(bot.services).run()
    [received] = smtp.messages
    assert f"tracking it as {incident.human_id}" in received.body


def test_an_empty_form_is_refused_in_the_form(reply_bot: RunningBot) -> None:
    bot, ws = reply_bot, reply_bot.workspace
    incident = mailed_incident(bot)
    view = open_modal(bot, ws.alice, incident, "reporter_message", "reporter_message_submit")
    errors = submit(bot, ws.alice, view, {"message": {"value": "   "}})
    assert errors == {"message": "Write the message first."}
    assert outbound(bot) == []


def test_a_github_report_is_answered_in_its_advisory(reply_bot: RunningBot) -> None:
    bot, ws = reply_bot, reply_bot.workspace
    advisory = "https://github.com/example/yaml/security/advisories/GHSA-abcd-2345-wxyz"
    report(bot, ws.alice, source="github", external_ref=advisory)
    bot.wait_for_setup()
    incident = bot.incident()
    answer = command(bot, ws.bob, incident.channel_id, "reply Thanks!")
    assert "came in as a GitHub security advisory" in answer and advisory in answer
    view = open_modal(bot, ws.bob, incident, "reporter_message", "reporter_message_submit")
    assert advisory in texts(view["blocks"])
    assert not view.get("submit")  # nothing to send from here
    assert outbound(bot) == []


def test_without_an_email_address_or_smtp_the_reply_says_what_is_missing(
    reply_bot: RunningBot,
) -> None:
    bot, ws = reply_bot, reply_bot.workspace
    report(bot, ws.alice, reporter_contact="@rita on the fediverse")
    bot.wait_for_setup()
    incident = bot.incident()
    answer = command(bot, ws.bob, incident.channel_id, "reply Hello")
    assert "has no email address for the reporter" in answer
    bot.services.mail = None
    other = mailed_incident_second(bot)
    assert command(bot, ws.bob, other.channel_id, "reply Hello") == (
        "Email is not set up for this bot: set SMTP_URL and MAIL_FROM."
    )
    assert outbound(bot) == []


def mailed_incident_second(bot: RunningBot):
    answer = deliver(bot, (MAIL / "report-html-only.eml").read_bytes())
    assert answer.status == 201
    return bot.wait_for_setup(2)[-1]


def reporter_update_due(bot: RunningBot, incident_id: int):
    with bot.services.db.transaction() as session:
        row = session.scalars(
            select(DeadlineRow).where(
                DeadlineRow.incident_id == incident_id, DeadlineRow.kind == "reporter_update"
            )
        ).first()
        return row.due_at if row is not None and row.status == "open" else None


def test_a_policy_with_a_reporter_cadence_asks_for_the_next_message(
    reply_bot: RunningBot,
) -> None:
    from bot.policy import policy_from_mapping

    bot, ws = reply_bot, reply_bot.workspace
    bot.services.policy = policy_from_mapping({"deadlines": {"reporter_update": "P3D"}})
    incident = mailed_incident(bot)
    assert reporter_update_due(bot, incident.id) == incident.reported_at + timedelta(days=3)

    bot.clock.advance(timedelta(days=1))
    command(bot, ws.bob, incident.channel_id, "reply Still on it; a fix is in review.")
    wait_until(
        lambda: reporter_update_due(bot, incident.id) == bot.clock.now() + timedelta(days=3),
        what="the cadence counted from the reply",
    )


def test_without_a_reporter_cadence_nothing_is_planned(reply_bot: RunningBot) -> None:
    incident = mailed_incident(reply_bot)  # the kubernetes preset names no cadence
    assert reporter_update_due(reply_bot, incident.id) is None

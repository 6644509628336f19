"""Mail to the security address, as an MTA hands it over: POST /intake/email and mail-in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.intake.mail_models import MailMessage
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.harness import START, RunningBot, Workspace, wait_until
from tests.intake_signing import intake_headers, intake_settings, post
from tests.slack_api import FakeSlack
from tests.vocabulary import MAIL

ROOT = Path(__file__).resolve().parent.parent


def mail_bot_for(db: Database, slack: FakeSlack, workspace: Workspace, **changes: object):
    settings = intake_settings(harness.test_settings(slack, workspace, db.url))
    settings = settings.model_copy(update=changes)
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    return RunningBot(services, slack, workspace)


@pytest.fixture
def mail_bot(db: Database, slack: FakeSlack, workspace: Workspace) -> Iterator[RunningBot]:
    running = mail_bot_for(db, slack, workspace)
    yield running
    assert running.services.background.wait()
    running.stop()


def deliver(bot: RunningBot, name_or_bytes: str | bytes, content_type: str = "message/rfc822"):
    raw = name_or_bytes if isinstance(name_or_bytes, bytes) else (MAIL / name_or_bytes).read_bytes()
    timestamp = int(bot.clock.now().timestamp())
    headers = intake_headers(raw, timestamp, content_type=content_type)
    return post(f"{bot.server.url}/intake/email", raw, headers)


def events(bot: RunningBot, kind: str) -> list[TimelineEvent]:
    with bot.services.db.transaction() as session:
        return list(session.scalars(select(TimelineEvent).where(TimelineEvent.kind == kind)))


def thread(bot: RunningBot, incident: Incident) -> list[str]:
    return [m.text for m in bot.slack.thread(bot.workspace.triage, incident.triage_ts)]


def opened(bot: RunningBot, name: str | bytes = "report-multipart.eml") -> Incident:
    reply = deliver(bot, name)
    assert reply.status == 201, reply.body
    bot.wait_for_setup()
    return bot.incident(reply.json()["incident_id"])


def test_a_mailed_report_opens_an_incident_with_its_attachment_in_the_channel_only(
    mail_bot: RunningBot,
) -> None:
    bot = mail_bot
    reply = deliver(bot, "report-multipart.eml")
    assert reply.status == 201
    assert reply.json() == {"outcome": "opened", "incident_id": "SEC-2026-0001"}
    [incident] = bot.wait_for_setup()
    assert incident.title == "Heap overflow in the YAML parser — crafted anchors"
    assert incident.reporter_name == "Rita Rapporteur Müller"
    assert incident.reporter_contact == "rita@example.org"
    assert incident.source == "email" and incident.opened_by == "email"
    assert "versions <= 1.28.3" in incident.description
    assert "Grüße" in incident.description
    assert "<div" not in incident.description
    files = wait_until(lambda: bot.slack.files, what="the attachment")
    assert [(f.filename, f.channel) for f in files] == [("poc.py", incident.channel_id)]
    assert files[0].content.startswith(b"import yaml")
    assert files[0].thread_ts == incident.headline_ts
    [received] = events(bot, "received")
    assert received.text == "Report received by email from rita@example.org"

    again = deliver(bot, "report-multipart.eml")
    assert again.status == 201
    assert again.json() == {"outcome": "opened", "incident_id": "SEC-2026-0001", "duplicate": True}
    assert len(bot.incidents()) == 1
    assert len(bot.slack.files) == 1


def test_replies_join_their_incident_by_thread_headers_or_subject(mail_bot: RunningBot) -> None:
    bot = mail_bot
    incident = opened(bot)
    reply = deliver(bot, "reply.eml")
    assert reply.status == 200
    assert reply.json() == {"outcome": "reply", "incident_id": incident.human_id}
    said = wait_until(
        lambda: [t for t in thread(bot, incident) if "The reporter wrote" in t], what="the reply"
    )
    assert "1.27.0 is affected too" in said[0]
    assert "Hello security team" not in said[0]  # the quoted original stays out
    wait_until(  # the same words under the channel's headline
        lambda: any(
            "1.27.0 is affected too" in m.text
            for m in bot.slack.thread(incident.channel_id, incident.headline_ts)
        ),
        what="the reply in the channel",
    )
    [event] = events(bot, "reporter_wrote")
    assert event.text.startswith("One more detail: version 1.27.0")

    by_subject = deliver(bot, "reply-by-subject.eml")
    assert by_subject.json() == {"outcome": "reply", "incident_id": incident.human_id}
    wait_until(
        lambda: any("Any news on a fix date?" in t for t in thread(bot, incident)),
        what="the second reply",
    )
    assert len(bot.incidents()) == 1


def test_automatic_replies_and_bounces_are_not_the_reporters_words(mail_bot: RunningBot) -> None:
    bot = mail_bot
    stray = deliver(bot, "auto-reply.eml")  # before any incident: recorded, nothing opened
    assert stray.status == 202 and stray.json() == {"outcome": "ignored", "incident_id": None}
    assert bot.incidents() == []
    with bot.services.db.transaction() as session:
        session.query(MailMessage).delete()

    incident = opened(bot)
    auto = deliver(bot, "auto-reply.eml")
    assert auto.status == 202
    assert auto.json() == {"outcome": "auto_reply", "incident_id": incident.human_id}
    note = wait_until(
        lambda: [t for t in thread(bot, incident) if "automatic reply" in t], what="the note"
    )
    assert "not the reporter's words" in note[0]

    bounce = deliver(bot, "bounce-dsn.eml")
    assert bounce.status == 202
    assert bounce.json() == {"outcome": "bounce", "incident_id": incident.human_id}
    warning = wait_until(lambda: [t for t in thread(bot, incident) if "bounced" in t], what="it")
    assert "rita@example.org failed (5.1.1: smtp; 550 5.1.1" in warning[0]
    assert not any("The reporter wrote" in text for text in thread(bot, incident))
    assert events(bot, "reporter_wrote") == []
    assert len(events(bot, "mail_bounce")) == 1 and len(events(bot, "mail_auto_reply")) == 1


def test_html_only_mail_becomes_text(mail_bot: RunningBot) -> None:
    incident = opened(mail_bot, "report-html-only.eml")
    assert incident.title == "XSS in the dashboard search box"
    assert incident.reporter_name == "Sam Finder"
    assert "reflects the q parameter unescaped" in incident.description
    assert "this link (https://dashboard.example.net/search?q=%3Cscript%3E)" in incident.description
    assert "the script runs – session cookies" in incident.description  # windows-1252 dash
    assert "alert(1)" not in incident.description and "color: red" not in incident.description


def test_a_pgp_encrypted_report_is_kept_as_it_came_with_a_note(mail_bot: RunningBot) -> None:
    bot = mail_bot
    incident = opened(bot, "report-pgp-mime.eml")
    assert "PGP-encrypted" in incident.description
    [file] = wait_until(lambda: bot.slack.files, what="the encrypted part")
    assert file.filename == "encrypted.asc" and file.channel == incident.channel_id
    assert file.content.startswith(b"-----BEGIN PGP MESSAGE-----")
    assert "decrypt it with the team's key" in (file.initial_comment or "")


def test_attachments_over_the_cap_are_named_not_kept(
    db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    bot = mail_bot_for(db, slack, workspace, mail_attachment_max_bytes=50)
    try:
        incident = opened(bot)
        note = wait_until(
            lambda: [
                m.text
                for m in bot.slack.thread(incident.channel_id, incident.headline_ts)
                if "poc.py" in m.text
            ],
            what="the note",
        )
        assert "Not kept: 82 bytes is over the 50 bytes limit" in note[0]
        assert bot.slack.files == []
    finally:
        bot.services.background.wait()
        bot.stop()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"", "message/rfc822", 400, "empty"),
        (b"just some words\n", "message/rfc822", 400, "No mail headers"),
        (b"Subject: hi\n\nno sender\n", "message/rfc822", 400, "no sender address"),
        (b"From: a@example.org\nSubject: x\n\nhi\n", "application/json", 415, "message/rfc822"),
    ],
)
def test_what_is_not_a_mail_message_is_refused_and_creates_nothing(
    mail_bot: RunningBot, body: bytes, content_type: str, status: int, words: str
) -> None:
    reply = deliver(mail_bot, body, content_type)
    assert reply.status == status
    assert words in reply.json()["detail"]
    assert mail_bot.incidents() == []


def test_an_unsigned_message_is_refused(mail_bot: RunningBot) -> None:
    raw = (MAIL / "report-multipart.eml").read_bytes()
    reply = post(f"{mail_bot.server.url}/intake/email", raw, {"Content-Type": "message/rfc822"})
    assert reply.status == 401
    assert mail_bot.incidents() == []


def mail_in(raw: bytes, database_url: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, SECURITY_TEAM="U0ALICE", **extra)
    return subprocess.run(
        [sys.executable, "-m", "bot", "mail-in"],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_mail_in_stores_a_message_once_and_answers_in_sysexits(db: Database) -> None:
    raw = (MAIL / "report-multipart.eml").read_bytes()
    first = mail_in(raw, db.url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.decode().strip() == "mail-in: opened SEC-2026-0001"
    again = mail_in(raw, db.url)
    assert again.returncode == 0
    with db.transaction() as session:
        [incident] = session.scalars(select(Incident)).all()
        assert incident.title == "Heap overflow in the YAML parser — crafted anchors"
        assert incident.channel_id is None  # no Slack here: the bot's reconcile sets it up

    garbage = mail_in(b"not a message at all", db.url)
    assert garbage.returncode == 65  # EX_DATAERR: the mail system bounces it
    assert b"No mail headers found" in garbage.stderr

    misconfigured = mail_in(raw, db.url, INCIDENT_PREFIX="sec")
    assert misconfigured.returncode == 78  # EX_CONFIG: the mail system holds it for the admin
    assert b"INCIDENT_PREFIX" in misconfigured.stderr


def test_mail_in_asks_the_mail_system_to_retry_when_the_database_is_down() -> None:
    raw = (MAIL / "report-multipart.eml").read_bytes()
    down = mail_in(raw, "postgresql://postgres@127.0.0.1:9/test?connect_timeout=1")
    assert down.returncode == 75, down.stderr  # EX_TEMPFAIL: the message stays queued
    assert b"try again later" in down.stderr


def test_mail_in_with_slack_settings_opens_the_channel_and_shares_the_attachment(
    db: Database, slack: FakeSlack, workspace: Workspace
) -> None:
    raw = (MAIL / "report-multipart.eml").read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        DATABASE_URL=db.url,
        SLACK_BOT_TOKEN=harness.BOT_TOKEN,
        SLACK_SIGNING_SECRET=harness.SIGNING_SECRET,
        SLACK_API_URL=slack.base_url,
        TRIAGE_CHANNEL=workspace.triage,
        SECURITY_TEAM=",".join(workspace.roster),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "mail-in"],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with db.transaction() as session:
        [incident] = session.scalars(select(Incident)).all()
        assert incident.setup_complete and incident.channel_id
    channel = slack.channel(incident.channel_id)
    assert channel.is_private
    [shared] = slack.files
    assert shared.filename == "poc.py" and shared.channel == incident.channel_id


def test_mentions_in_mail_never_ping_anyone(mail_bot: RunningBot) -> None:
    bot = mail_bot
    raw = (
        b"From: =?UTF-8?Q?<!channel>?= <mallory@example.org>\n"
        b"Subject: <!channel> urgent <@U0ALICE>\n"
        b"Message-ID: <ping-1@example.org>\n\n"
        b"Hello <!here> and <@U0BOB|bob>\n"
    )
    incident = opened(bot, raw)
    reply = (
        b"From: mallory@example.org\nSubject: Re: [" + incident.human_id.encode() + b"] x\n"
        b"Message-ID: <ping-2@example.org>\n\n<!everyone> look <#C0GENERAL>\n"
    )
    assert deliver(bot, reply).status == 200
    note = wait_until(
        lambda: [t for t in thread(bot, incident) if "The reporter wrote" in t], what="the reply"
    )
    assert "&lt;!everyone&gt;" in note[0] and "<!everyone>" not in note[0]
    assert "<#C0GENERAL>" not in note[0]
    for message in bot.slack.thread(bot.workspace.triage, incident.triage_ts):
        assert "<!channel>" not in message.text and "<!here>" not in message.text

"""Mail in Slack: a reply in the incident's thread, attachments in its channel only.

Each reply and attachment row is claimed by a conditional update before it is posted,
so a retry, the set-up hook and a second replica never post it twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bot.incident import service as incidents
from bot.intake.mail_models import MailAttachment, MailMessage
from bot.intake.mail_parse import AUTO_REPLY, BOUNCE
from bot.outbox.service import emit
from bot.services import Services
from bot.slack.blocks.text import clip, escape
from bot.slack.changes import NOTE
from bot.slack.gateway import SlackError
from bot.timeline.models import TimelineEvent

log = logging.getLogger(__name__)
QUOTE_LIMIT = 2800


def deliver_mail(services: Services, incident_id: int) -> None:
    """Post what mail left for the incident, once its channel exists."""
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        if incident is None or not incident.channel_id or not incident.headline_ts:
            return  # the set-up's opened hook comes back here
        channel, thread = incident.channel_id, incident.headline_ts
        pending = list(
            session.scalars(
                select(MailMessage.id)
                .where(MailMessage.incident_id == incident_id, MailMessage.posted.is_(False))
                .order_by(MailMessage.id)
            )
        )
        files = list(
            session.scalars(
                select(MailAttachment.id)
                .where(
                    MailAttachment.incident_id == incident_id,
                    MailAttachment.uploaded_at.is_(None),
                )
                .order_by(MailAttachment.id)
            )
        )
    for mail_id in pending:
        _note_message(services, incident_id, mail_id)
    if pending:
        services.doorbell.ring(incident_id)
    for attachment_id in files:
        if _claim(services, attachment_id):
            _upload(services, attachment_id, channel, thread)


def on_incident_opened(services: Services, incident_id: int) -> None:
    deliver_mail(services, incident_id)


def _claim(services: Services, attachment_id: int) -> bool:
    with services.db.transaction() as session:
        statement = (
            update(MailAttachment)
            .where(MailAttachment.id == attachment_id, MailAttachment.uploaded_at.is_(None))
            .values(uploaded_at=services.clock.now())
        )
        return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _note_message(services: Services, incident_id: int, mail_id: int) -> None:
    """Claim the message and queue its thread note in one transaction: it is shown once,
    and a crash in between loses nothing (the outbox delivers the note)."""
    with services.db.transaction() as session:
        claimed = session.execute(
            update(MailMessage)
            .where(MailMessage.id == mail_id, MailMessage.posted.is_(False))
            .values(posted=True)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return
        row = session.get(MailMessage, mail_id)
        assert row is not None
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id)
            .where(TimelineEvent.kind.in_(("reporter_wrote", "mail_auto_reply", "mail_bounce")))
            .order_by(TimelineEvent.id.desc())
        ).all()
        said = next(
            (e.text for e in events if (e.data or {}).get("message_id") == row.message_id), ""
        )
        emit(
            session,
            incident_id,
            NOTE,
            services.clock.now(),
            text=_note_text(row, said),
            blocks=None,
            in_channel=True,
        )


def _note_text(row: MailMessage, said: str) -> str:
    if row.kind == BOUNCE:
        return f":warning: {escape(said)}"
    if row.kind == AUTO_REPLY:
        return f":robot_face: {escape(said)} (an automatic reply, not the reporter's words)"
    quoted = "\n".join(f"> {escape(line)}" for line in clip(said, QUOTE_LIMIT).splitlines())
    return f":email: The reporter wrote ({escape(row.from_address)}):\n{quoted}"


def _upload(services: Services, attachment_id: int, channel: str, thread: str) -> None:
    with services.db.transaction() as session:
        row = session.get(MailAttachment, attachment_id)
        assert row is not None
        name, data, note, size = row.filename, row.data, row.note, row.size
    try:
        if data is None:
            services.gateway.post(
                channel, f":paperclip: {escape(name)}: {escape(note)}", thread_ts=thread
            )
            return
        comment = f":paperclip: From the reporter's mail ({size} bytes)."
        if note:
            comment += f" {note}"
        services.gateway.upload(channel, name, data, title=name, comment=comment, thread_ts=thread)
    except SlackError as exc:
        log.warning("attachment %s not shared: %s", name, exc.error)
        with services.db.transaction() as session:
            session.execute(
                update(MailAttachment)
                .where(MailAttachment.id == attachment_id)
                .values(uploaded_at=None)
            )

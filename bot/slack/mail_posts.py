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
from bot.services import Services
from bot.slack.blocks.text import clip, escape
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update
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
        if _claim(services, MailMessage, mail_id):
            _post_message(services, incident_id, mail_id)
    for attachment_id in files:
        if _claim(services, MailAttachment, attachment_id):
            _upload(services, attachment_id, channel, thread)


def on_incident_opened(services: Services, incident_id: int) -> None:
    deliver_mail(services, incident_id)


def _claim(
    services: Services, model: type[MailMessage] | type[MailAttachment], row_id: int
) -> bool:
    with services.db.transaction() as session:
        if model is MailMessage:
            statement = (
                update(MailMessage)
                .where(MailMessage.id == row_id, MailMessage.posted.is_(False))
                .values(posted=True)
            )
        else:
            statement = (
                update(MailAttachment)
                .where(MailAttachment.id == row_id, MailAttachment.uploaded_at.is_(None))
                .values(uploaded_at=services.clock.now())
            )
        return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _post_message(services: Services, incident_id: int, mail_id: int) -> None:
    with services.db.transaction() as session:
        row = session.get(MailMessage, mail_id)
        assert row is not None
        event = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id)
            .where(TimelineEvent.kind.in_(("reporter_wrote", "mail_auto_reply", "mail_bounce")))
            .order_by(TimelineEvent.id.desc())
        ).all()
        said = next(
            (e.text for e in event if (e.data or {}).get("message_id") == row.message_id), ""
        )
        kind, sender = row.kind, row.from_address
    if kind == BOUNCE:
        text = f":warning: {escape(said)}"
    elif kind == AUTO_REPLY:
        text = f":robot_face: {escape(said)} (an automatic reply, not the reporter's words)"
    else:
        quoted = "\n".join(f"> {escape(line)}" for line in clip(said, QUOTE_LIMIT).splitlines())
        text = f":email: The reporter wrote ({escape(sender)}):\n{quoted}"
    post_update(services, incident_id, text)


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

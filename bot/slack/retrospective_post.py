"""At release, the retrospective draft goes to the incident's channel, once."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.audit.service import BOT_ACTOR, record
from bot.exports.files import RETROSPECTIVE, load_context, people_in
from bot.exports.retrospective import retrospective_markdown
from bot.incident.models import Phase
from bot.services import Services
from bot.slack.gateway import SlackError
from bot.slack.incident_messages import post_update
from bot.slack.user_names import names_of

log = logging.getLogger(__name__)
DRAFTED = "export.retrospective"


def on_incident_changed(services: Services, incident_id: int, reason: str) -> None:
    if reason != "phase":
        return
    now = services.clock.now()
    with services.db.transaction() as session:
        context = load_context(session, incident_id, now)
        incident = context.incident
        drafted = session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.incident_id == incident_id, AuditEntry.action == DRAFTED
            )
        )
        if drafted or incident.phase != Phase.RELEASED.value or not incident.channel_id:
            return
        channel, human_id = incident.channel_id, incident.human_id
        record(session, now, BOT_ACTOR, DRAFTED, incident_id)
    names = names_of(services, people_in(context))
    with services.db.transaction() as session:
        text = retrospective_markdown(load_context(session, incident_id, now, names))
    try:
        services.gateway.upload(channel, RETROSPECTIVE, text, title=f"{human_id} {RETROSPECTIVE}")
    except SlackError as exc:
        log.warning("retrospective draft of %s not shared: %s", human_id, exc.error)
        return
    post_update(
        services,
        incident_id,
        f":memo: The retrospective draft of {human_id} is in <#{channel}>; the process asks "
        "for the retrospective 1 to 3 days after release.",
        in_channel=False,
    )

"""A message the bot gave up sending is said in the incident's triage thread."""

from __future__ import annotations

import logging

from bot.incident.models import Incident
from bot.mail.models import MailState
from bot.mail.outbox import MailOutcome
from bot.services import Services
from bot.slack.blocks.mail import mail_given_up
from bot.slack.gateway import SlackError, SlackUnavailable

log = logging.getLogger(__name__)


def report_given_up(services: Services, outcome: MailOutcome) -> None:
    """Raises SlackUnavailable (the report is offered again next run); other Slack errors
    are logged, since asking again would not help."""
    if outcome.state != MailState.FAILED.value:
        return
    log.warning(
        "mail %s (%s) to %s given up: %s",
        outcome.message_id,
        outcome.purpose,
        ", ".join(outcome.recipients),
        outcome.error,
    )
    human_id = triage_ts = None
    if outcome.incident_id is not None:
        with services.db.transaction() as session:
            incident = session.get(Incident, outcome.incident_id)
            if incident is not None:
                human_id, triage_ts = incident.human_id, incident.triage_ts
    if not triage_ts or not services.settings.triage_channel:
        return
    text, blocks = mail_given_up(human_id, outcome)
    try:
        services.gateway.post(services.triage.private_id(), text, blocks, thread_ts=triage_ts)
    except SlackUnavailable:
        raise
    except SlackError as failure:
        log.warning("could not report the given-up email: %s", failure.error)

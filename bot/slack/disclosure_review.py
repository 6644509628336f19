"""The one check every way of setting the planned public disclosure date goes through: the
date is kept, but a Friday, weekend, holiday (or other policy miss) is warned about, with
the policy's preferred time offered as a "Use … instead" button."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.deadline import review_disclosure_date
from bot.incident.models import Incident
from bot.services import Services
from bot.slack.blocks import reminders as reminder_blocks


def disclosure_date_warning(
    services: Services, incident: Incident, planned_at: datetime
) -> tuple[str, list[dict[str, Any]]] | None:
    """The warning's text and blocks, or None when the date suits the policy."""
    review = review_disclosure_date(
        planned_at,
        reported_at=incident.reported_at,
        now=services.clock.now(),
        policy=services.policy,
        calendar=services.calendar,
        is_public=incident.is_public,
    )
    if review.ok:
        return None
    return reminder_blocks.disclosure_warning(
        incident.human_id, planned_at, review.warnings, review.suggestion
    )

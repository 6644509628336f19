"""Extension points between features, so each feature plugs in without the others knowing.

- `incident_opened(services, incident_id)`: the incident's Slack set-up just completed
  (lead offers start here).
- `incident_changed(services, incident_id, reason)`: something that affects deadlines
  changed (phase, score, lead, dates); deadline planning listens here.
- `next_deadline(session, incident) -> str | None`: the headline's "next deadline" text.
- `mail_settled(services, outcome)`: an outbound email was accepted by the server, or
  given up (`bot.mail.outbox.MailOutcome`); a given-up one is offered again until every
  hook ran without raising.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.incident.models import Incident

log = logging.getLogger(__name__)

OpenedHook = Callable[[Any, int], None]
ChangedHook = Callable[[Any, int, str], None]
NextDeadline = Callable[["Session", "Incident"], str | None]
MailHook = Callable[[Any, Any], None]


@dataclass
class Hooks:
    incident_opened: list[OpenedHook] = field(default_factory=list)
    incident_changed: list[ChangedHook] = field(default_factory=list)
    next_deadline: NextDeadline | None = None
    mail_settled: list[MailHook] = field(default_factory=list)

    def opened(self, services: Any, incident_id: int) -> bool:
        """Run every hook; False if one failed (they are idempotent: run them again)."""
        succeeded = True
        for hook in self.incident_opened:
            try:
                hook(services, incident_id)
            except Exception:
                succeeded = False
                log.exception("incident_opened hook %s failed", getattr(hook, "__name__", hook))
        return succeeded

    def changed(self, services: Any, incident_id: int, reason: str) -> None:
        for hook in self.incident_changed:
            try:
                hook(services, incident_id, reason)
            except Exception:
                log.exception("incident_changed hook %s failed", getattr(hook, "__name__", hook))

    def mail_settled_run(self, services: Any, outcome: Any) -> bool:
        """Run every mail hook; False if one failed."""
        succeeded = True
        for hook in self.mail_settled:
            try:
                hook(services, outcome)
            except Exception:
                succeeded = False
                log.exception("mail_settled hook %s failed", getattr(hook, "__name__", hook))
        return succeeded

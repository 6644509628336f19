"""What every export is built from, gathered once by the caller."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.incident.models import Incident
from bot.timeline.models import TimelineEvent

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class ExportContext:
    incident: Incident
    events: Sequence[TimelineEvent]
    now: datetime
    fix_team: Sequence[str] = ()  # user IDs, everyone who was ever on the fix team
    names: Mapping[str, str] = field(default_factory=dict)  # Slack user ID to display name

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "nobody"
        return self.names.get(user_id) or user_id

    def readable(self, text: str) -> str:
        """Slack mentions turned into names: exports are read outside Slack."""
        return MENTION.sub(lambda m: "@" + self.name(m.group(1)), text)

    def credit_lines(self) -> list[str]:
        return [line.strip(" -*•") for line in self.incident.credits.splitlines() if line.strip()]

    def fix_team_credits(self) -> list[str]:
        return [user for user in self.fix_team if user != self.incident.lead_id]

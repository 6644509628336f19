"""What every export is built from, gathered once by the caller."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.advisory.legacy import package_from_text
from bot.advisory.model import AffectedPackage, Credit, parse_credit_line
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
    packages: Sequence[AffectedPackage] | None = None  # the rows; None: read the free text
    credits: Sequence[Credit] = ()  # structured credits (GitHub's, with their state)

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "nobody"
        return self.names.get(user_id) or user_id

    def readable(self, text: str) -> str:
        """Slack mentions turned into names: exports are read outside Slack."""
        return MENTION.sub(lambda m: "@" + self.name(m.group(1)), text)

    def credit_lines(self) -> list[str]:
        return [line.strip(" -*•") for line in self.incident.credits.splitlines() if line.strip()]

    def affected_packages(self) -> list[AffectedPackage]:
        if self.packages is not None:
            return list(self.packages)
        incident = self.incident
        package, _ = package_from_text(
            incident.package_ecosystem or "",
            incident.package_name or incident.component or "",
            incident.affected_versions or "",
            incident.fixed_versions or "",
        )
        return [package] if package else []

    def all_credits(self) -> list[Credit]:
        """Every credit with its state: GitHub's, then the team's free-text lines."""
        found = list(self.credits)
        found += [c for c in map(parse_credit_line, self.credit_lines()) if c is not None]
        return found

    def fix_team_credits(self) -> list[str]:
        return [user for user in self.fix_team if user != self.incident.lead_id]

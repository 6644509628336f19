"""How long a lead offer stays open: the policy's offer window, in the team's business time.

With the default "4 business hours", an offer made at closing time on a Friday is still
open on Monday morning: nobody loses their turn while off work.
"""

from __future__ import annotations

from datetime import datetime

from bot.policy import BusinessCalendar, Policy


def offer_expiry(policy: Policy, calendar: BusinessCalendar, offered_at: datetime) -> datetime:
    return calendar.add(offered_at, policy.lead_offer_window)

"""How long a lead offer stays open.

A plain duration from the LEAD_OFFER_WINDOW setting for now. The policy package
(business calendar, per-policy offer window) replaces this one function when it lands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings


def offer_expiry(settings: Settings, offered_at: datetime) -> datetime:
    return offered_at + timedelta(seconds=settings.lead_offer_window)

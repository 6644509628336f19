"""Email: the SMTP gateway, the durable outbox, and the worker that sends it.

    row = enqueue_mail(session, incident_id=..., purpose="distributor_notice",
                       to=["security@distro.example"], subject=..., body=...,
                       headers={"In-Reply-To": ...}, now=clock.now(),
                       domain=mail_domain(settings))

The row is sent once the caller's transaction commits (the `mail` job); its outcome is
in the row (`state`, `accepted_at`, `last_error`, `permanent`) and goes to the
`mail_settled` hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.mail.address import SmtpAddress, parse_smtp_url
from bot.mail.errors import MailError, MailNotConfigured, MailPermanent, MailTemporary
from bot.mail.gateway import Accepted, SmtpGateway
from bot.mail.models import MailState, OutboundMail
from bot.mail.outbox import InvalidMail, MailOutcome, enqueue_mail

if TYPE_CHECKING:
    from bot.config import Settings

FALLBACK_DOMAIN = "disclosure-bot.invalid"


def mail_domain(settings: Settings) -> str:
    """The domain of MAIL_FROM, for Message-IDs."""
    sender = settings.mail_from or ""
    return sender.rpartition("@")[2].strip("> ") or FALLBACK_DOMAIN


def build_gateway(settings: Settings) -> SmtpGateway | None:
    if settings.smtp_url is None:
        return None
    return SmtpGateway(parse_smtp_url(settings.smtp_url.get_secret_value()))


__all__ = [
    "Accepted",
    "InvalidMail",
    "MailError",
    "MailNotConfigured",
    "MailOutcome",
    "MailPermanent",
    "MailState",
    "MailTemporary",
    "OutboundMail",
    "SmtpAddress",
    "SmtpGateway",
    "build_gateway",
    "enqueue_mail",
    "mail_domain",
    "parse_smtp_url",
]

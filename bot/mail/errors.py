"""What can go wrong handing a message to the SMTP server, sorted by what to do next."""

from __future__ import annotations


class MailError(Exception):
    """A message was not accepted. `code` is the server's reply code, if it answered."""

    temporary = False

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return f"{self.code} {self.reason}" if self.code else self.reason


class MailTemporary(MailError):
    """Try again later: a 4xx answer, a dropped connection, a timeout, a server that is down."""

    temporary = True


class MailPermanent(MailError):
    """Do not try again: a 5xx answer (an unknown mailbox, a refused sender or message)."""


class MailNotConfigured(MailPermanent):
    """SMTP_URL or MAIL_FROM is missing, or the settings cannot work (credentials in clear)."""

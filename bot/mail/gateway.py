"""The one wrapper around SMTP: connect (TLS or STARTTLS), log in, hand over a message.

Answers are sorted into `MailTemporary` (4xx, a dropped connection, a timeout, nobody
listening) and `MailPermanent` (5xx). A message counts as accepted only when the server
answers the end of its data with 2xx; that reply is returned so the caller can record it
before anything else.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from bot.mail.address import SmtpAddress
from bot.mail.errors import MailError, MailNotConfigured, MailPermanent, MailTemporary

DEFAULT_TIMEOUT = 20.0  # seconds per socket operation
# RFC 5322 lines may be 998 characters; folding at 78 splits ordinary subjects oddly.
WIRE_POLICY = SMTP_POLICY.clone(max_line_length=998)


@dataclass(frozen=True)
class Accepted:
    reply: str  # the server's answer to the message's data, often with its queue ID
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused for good


def _by_code(code: int, reply: bytes | str, what: str) -> MailError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    reason = f"{what}: {' '.join(text.split())}" if text else what
    if 400 <= code < 500:
        return MailTemporary(reason, code)
    if code >= 500:
        return MailPermanent(reason, code)
    return MailTemporary(f"{reason} (unexpected reply)", code)


class SmtpConnection:
    """One open session with the server; several messages may go over it in turn."""

    def __init__(self, client: smtplib.SMTP) -> None:
        self._client = client
        self.broken = False

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Accepted:
        if self.broken:
            raise MailTemporary("the connection was lost")
        try:
            return self._send(message, sender, recipients)
        except MailError as error:
            if not self.broken:
                self._reset()
            raise error
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.broken = True
            raise MailTemporary(f"connection lost: {exc or type(exc).__name__}") from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _by_code(exc.smtp_code, exc.smtp_error, "refused") from None

    def _send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Accepted:
        client = self._client
        client.ehlo_or_helo_if_needed()
        code, reply = client.mail(sender)
        if code != 250:
            if code == 421:
                self.broken = True
            raise _by_code(code, reply, f"sender {sender} refused")
        refused: dict[str, str] = {}
        accepted: list[str] = []
        for recipient in recipients:
            code, reply = client.rcpt(recipient)
            if code in (250, 251):
                accepted.append(recipient)
            elif 400 <= code < 500:
                # Retry the whole message later, so nobody gets it twice or not at all.
                if code == 421:
                    self.broken = True
                raise _by_code(code, reply, f"recipient {recipient} deferred")
            else:
                refused[recipient] = f"{code} {reply.decode('utf-8', 'replace')}"
        if not accepted:
            raise MailPermanent("every recipient was refused: " + "; ".join(refused.values()))
        code, reply = client.data(message.as_bytes(policy=WIRE_POLICY))
        if not 200 <= code < 300:
            if code == 421:
                self.broken = True
            raise _by_code(code, reply, "message refused")
        return Accepted(" ".join(reply.decode("utf-8", "replace").split()), refused)

    def _reset(self) -> None:
        try:
            self._client.rset()
        except (smtplib.SMTPException, OSError):
            self.broken = True

    def close(self) -> None:
        try:
            if not self.broken:
                self._client.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._client.close()


class SmtpGateway:
    """Connections to the configured server. `tls_context` verifies the server's
    certificate (the system's trust store unless given)."""

    def __init__(
        self,
        address: SmtpAddress,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.address = address
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()
        self.local_hostname = local_hostname

    def open(self) -> SmtpConnection:
        """A connection, ready to send (TLS and login done); close it when finished."""
        return SmtpConnection(self._open())

    @contextmanager
    def connection(self) -> Iterator[SmtpConnection]:
        connection = self.open()
        try:
            yield connection
        finally:
            connection.close()

    def _open(self) -> smtplib.SMTP:
        address = self.address
        client: smtplib.SMTP | None = None
        try:
            if address.implicit_tls:
                client = smtplib.SMTP_SSL(
                    address.host,
                    address.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self.tls_context,
                )
                secure = True
            else:
                client = smtplib.SMTP(
                    address.host,
                    address.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                )
                secure = False
            client.ehlo()
            if not secure and client.has_extn("starttls"):
                client.starttls(context=self.tls_context)
                client.ehlo()
                secure = True
            if address.user:
                if not secure:
                    raise MailNotConfigured(
                        f"{address.host} offers no TLS: refusing to send the SMTP password "
                        "in clear (use smtps:// or a server with STARTTLS)"
                    )
                client.login(address.user, address.password or "")
            return client
        except MailError:
            _close_quietly(client)
            raise
        except ssl.SSLCertVerificationError as exc:
            _close_quietly(client)
            raise MailPermanent(
                f"the server's TLS certificate was refused: {exc.verify_message}"
            ) from None
        except smtplib.SMTPResponseException as exc:
            _close_quietly(client)
            raise _by_code(
                exc.smtp_code, exc.smtp_error, "the server refused the session"
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            _close_quietly(client)
            raise MailPermanent(f"the server does not support this: {exc}") from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            _close_quietly(client)
            reason = str(exc) or type(exc).__name__
            raise MailTemporary(f"cannot reach {address.host}:{address.port}: {reason}") from None


def _close_quietly(client: smtplib.SMTP | None) -> None:
    if client is not None:
        with suppress(OSError):
            client.close()

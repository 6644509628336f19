"""A real SMTP server for the tests (aiosmtpd on a thread), with faults on demand.

    server = MailServer.start()                      # plain SMTP on 127.0.0.1
    server = MailServer.start(tls=certificate)       # offers STARTTLS
    server = MailServer.start(implicit_tls=certificate)   # smtps
    server = MailServer.start(tls=certificate, users={"bot": "secret"})  # AUTH required

    server.answer_data("451 4.3.0 try later", times=2)   # the next two messages refused
    server.refuse_recipient("gone@example.org", "550 5.1.1 no such user")
    server.drop_next(1)            # close the connection instead of answering the data
    server.hold(0.3)               # wait before answering each message's data
    server.down(); server.up()     # nobody listening for a while, then back on the same port

A message counts as delivered (`server.messages`) only when the server's 2xx to its data
went out on a live connection: a client that dies while the server holds its answer has
not had the message accepted, as with a real server that has not yet queued it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.mail.address import SmtpAddress


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made for the test session."""

    cert: Path
    key: Path

    @classmethod
    def make(cls, folder: Path) -> Certificate:
        cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ],
            check=True,
            capture_output=True,
        )
        return cls(cert, key)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A context that trusts this certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.cert))


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    secure: bool  # arrived over TLS
    login: str | None  # who authenticated, if anyone

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class _Plan:
    data_answers: list[str] = field(default_factory=list)
    refused_recipients: dict[str, str] = field(default_factory=dict)
    drops: int = 0
    hold_seconds: float = 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(
        self,
        *,
        tls: Certificate | None = None,
        implicit_tls: Certificate | None = None,
        users: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.tls, self.implicit_tls = tls, implicit_tls
        self.users = dict(users or {})
        self.messages: list[Received] = []
        self._peers: set[object] = set()
        self.holding = threading.Event()  # set while an answer is being held
        self._plan = _Plan()
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._changed = threading.Condition(self._lock)

    @classmethod
    def start(cls, **options: Any) -> MailServer:
        server = cls(**options)
        server.up()
        return server

    # -- the address a client uses ------------------------------------------------------
    def address(self, user: str | None = None, password: str | None = None) -> SmtpAddress:
        scheme = "smtps" if self.implicit_tls else "smtp"
        return SmtpAddress(scheme, self.host, self.port, user, password)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        who = f"{user}:{password}@" if user else ""
        return f"{scheme}://{who}{self.host}:{self.port}"

    # -- running ------------------------------------------------------------------------
    def up(self) -> None:
        options: dict[str, Any] = {}
        if self.tls:
            options["tls_context"] = self.tls.server_context()
            options["require_starttls"] = False
        if self.users:
            options["authenticator"] = self._authenticate
            options["auth_required"] = True
            # Over smtps the whole connection is TLS; aiosmtpd only counts STARTTLS.
            options["auth_require_tls"] = not self.implicit_tls
        with warnings.catch_warnings():
            # aiosmtpd warns about AUTH without STARTTLS even when the port is smtps.
            warnings.simplefilter("ignore", UserWarning)
            controller = self._controller_for(options)
        controller.start()
        self._controller = controller

    def _controller_for(self, options: dict[str, Any]) -> Controller:
        return _QuietController(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            ssl_context=self.implicit_tls.server_context() if self.implicit_tls else None,
            server_hostname="localhost",
            **options,
        )

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    stop = down

    # -- faults -------------------------------------------------------------------------
    def answer_data(self, reply: str, times: int = 1) -> None:
        with self._lock:
            self._plan.data_answers += [reply] * times

    def refuse_recipient(self, address: str, reply: str) -> None:
        with self._lock:
            self._plan.refused_recipients[address.lower()] = reply

    def drop_next(self, times: int = 1) -> None:
        with self._lock:
            self._plan.drops += times

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._plan.hold_seconds = seconds

    # -- what arrived -------------------------------------------------------------------
    @property
    def sessions(self) -> int:
        """Connections that said EHLO."""
        with self._lock:
            return len(self._peers)

    def per_message_id(self) -> Counter[str]:
        with self._lock:
            return Counter(received.message_id for received in self.messages)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} messages, {len(self.messages)} arrived")
            return list(self.messages)

    def _authenticate(
        self, _server: Any, session: Any, _envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode()
        ok = self.users.get(user) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    def _take(self) -> tuple[str | None, bool, float]:
        with self._lock:
            plan = self._plan
            if plan.drops:
                plan.drops -= 1
                return None, True, plan.hold_seconds
            answer = plan.data_answers.pop(0) if plan.data_answers else None
            return answer, False, plan.hold_seconds

    def _record(self, received: Received) -> None:
        with self._changed:
            self.messages.append(received)
            self._changed.notify_all()


class _QuietController(Controller):
    def factory(self) -> Any:
        # aiosmtpd warns about AUTH without STARTTLS on every connection, even over smtps.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_EHLO(
        self, _smtp: Any, session: Any, _envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.server._lock:  # EHLO comes again after STARTTLS, from the same peer
            self.server._peers.add(session.peer)
        return responses

    async def handle_RCPT(
        self, _smtp: Any, _session: Any, envelope: Any, address: str, _options: list[str]
    ) -> str:
        with self.server._lock:
            refusal = self.server._plan.refused_recipients.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        answer, drop, hold = self.server._take()
        if hold:
            self.server.holding.set()
            try:
                await asyncio.sleep(hold)  # cancelled when the client goes away meanwhile
            finally:
                self.server.holding.clear()
        if drop:
            if smtp.transport is not None:
                smtp.transport.abort()
            return "421 4.4.2 connection dropped"
        if answer is not None:
            return answer
        if smtp.transport is None or smtp.transport.is_closing():
            return "421 4.4.2 client gone"
        content = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.server._record(
            Received(
                sender=envelope.mail_from,
                recipients=tuple(envelope.rcpt_tos),
                message=message,  # type: ignore[arg-type]
                secure=smtp.transport.get_extra_info("ssl_object") is not None,
                login=session.auth_data if session.authenticated else None,
            )
        )
        return "250 2.0.0 Ok: queued as Q" + str(len(self.server.messages))

"""The SMTP_URL setting: where to send, how to secure the connection, who to log in as."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpAddress:
    scheme: str  # smtp (STARTTLS when the server offers it) or smtps (TLS from the start)
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    def __repr__(self) -> str:  # never the password, in logs or tracebacks
        who = f"{self.user}@" if self.user else ""
        return f"SmtpAddress({self.scheme}://{who}{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpAddress:
    """`smtp://[user[:password]@]host[:port]` or `smtps://...`; ValueError says what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("expected an smtp:// or smtps:// URL such as smtp://mail.example.org:587")
    if not parts.hostname:
        raise ValueError("expected a host name, as in smtp://mail.example.org:587")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("expected a port number from 1 to 65535 after the host") from None
    if parts.path not in ("", "/") or parts.query:
        raise ValueError("expected no path or query after the host and port")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not user:
        raise ValueError("a password needs a user name: smtp://user:password@host")
    return SmtpAddress(parts.scheme, parts.hostname, port, user, password)

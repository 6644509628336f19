"""Reading one raw RFC 822 message: who wrote, what, in reply to what, and what kind.

Pure functions over bytes. Headers are decoded (RFC 2047 encoded words), bodies
(quoted-printable, base64, any charset) become text, HTML-only mail is turned into
text, attachments are kept with their size, PGP-encrypted content is recognised, and
machine mail is told apart from a person's words: auto-replies (RFC 3834
Auto-Submitted, vacation notices) and bounces (RFC 3464 delivery status reports).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

REPORT = "report"  # a person's words
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
PGP_MESSAGE = "-----BEGIN PGP MESSAGE-----"
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|autoreply|vacation|"
    r"abwesenheit|réponse automatique)\b",
    re.I,
)


class NotAMessage(ValueError):
    """The bytes are not an email message; the text says what was wrong."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    encrypted: bool = False  # PGP: kept as it came, for whoever holds the key

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class DeliveryFailure:
    """One recipient of an RFC 3464 delivery status notification."""

    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str  # with its angle brackets; a digest of the bytes when missing
    subject: str
    from_name: str
    from_address: str
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    kind: str = REPORT
    encrypted: bool = False  # the body itself is a PGP message
    failures: list[DeliveryFailure] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)  # Message-IDs a bounce returns
    date: str = ""

    @property
    def thread_ids(self) -> list[str]:
        """Messages this one answers, nearest first."""
        return list(
            dict.fromkeys([*self.in_reply_to, *reversed(self.references), *self.returned_ids])
        )


def parse_mail(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise NotAMessage("The message is empty.")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not (message.keys()):
        raise NotAMessage("No mail headers found; send the whole message as RFC 822 text.")
    name, address = parseaddr(_header(message, "From"))
    if not address or "@" not in address:
        raise NotAMessage("The message has no sender address (From).")
    message_id = _ids(_header(message, "Message-ID"))
    parsed = ParsedMail(
        message_id=message_id[0] if message_id else _digest_id(raw),
        subject=" ".join(_header(message, "Subject").split()),
        from_name=name.strip(),
        from_address=address.strip().lower(),
        text="",
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        date=_header(message, "Date"),
    )
    try:
        if _is_bounce(message, address):
            parsed.kind = BOUNCE
            parsed.failures = _failures(message)
            parsed.returned_ids = _returned_ids(message)
        elif _is_auto_reply(message, parsed.subject):
            parsed.kind = AUTO_REPLY
        _read_content(message, parsed)
    except Exception:  # a structure the standard library cannot model: keep it as it came
        parsed.attachments = [Attachment("message.eml", "message/rfc822", raw)]
        body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")[2]
        parsed.text = body.decode("utf-8", errors="replace").strip()
    return parsed


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name) or "").strip()
    except Exception:  # the standard library's header model fails on some broken headers
        return _raw_header(message, name)


def _raw_header(message: Message, name: str) -> str:
    """The header as it came, its encoded words decoded where they can be."""
    for key, value in message.raw_items():
        if key.lower() != name.lower():
            continue
        try:
            return str(make_header(decode_header(str(value)))).strip()
        except Exception:  # undecodable encoded words: the text as it came
            return " ".join(str(value).split())
    return ""


def _ids(text: str) -> list[str]:
    return MESSAGE_ID.findall(text)


def _digest_id(raw: bytes) -> str:
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"


def _is_auto_reply(message: Message, subject: str) -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True  # RFC 3834: auto-replied, auto-generated, auto-notified
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").lower() in ("auto_reply", "bulk", "junk"):
        return True
    return bool(AUTO_SUBJECT.match(subject))


def _is_bounce(message: Message, sender: str) -> bool:
    if message.get_content_type() == "multipart/report":
        return str(message.get_param("report-type", "")).lower() == "delivery-status"
    local = sender.split("@")[0].lower()
    return local in ("mailer-daemon", "postmaster") and _header(message, "Return-Path") in (
        "<>",
        "",
    )


def _failures(message: Message) -> list[DeliveryFailure]:
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks[1:]:  # the first block is about the reporting MTA
            if not isinstance(block, Message):
                continue
            recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            found.append(
                DeliveryFailure(
                    recipient=recipient.split(";", 1)[-1].strip(),
                    action=str(block.get("Action") or "").strip().lower(),
                    status=str(block.get("Status") or "").strip(),
                    diagnostic=" ".join(str(block.get("Diagnostic-Code") or "").split()),
                )
            )
    return found


def _returned_ids(message: Message) -> list[str]:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                return _returned_thread(inner)
        if kind == "text/rfc822-headers":
            text = part.get_content() if isinstance(part, EmailMessage) else ""
            headers = email.message_from_string(str(text), policy=email.policy.default)
            return _returned_thread(headers)
    return []


def _returned_thread(headers: Message) -> list[str]:
    """The returned message's own ID and those it answered: a bounce of the bot's reply
    to a report names the report too."""
    found = _ids(_header(headers, "Message-ID")) + _ids(_header(headers, "In-Reply-To"))
    return found + list(reversed(_ids(_header(headers, "References"))))


def _read_content(message: EmailMessage, parsed: ParsedMail) -> None:
    if message.get_content_type() == "multipart/encrypted":
        # PGP/MIME (RFC 3156): a version part and the encrypted data, kept as it came.
        for part in message.iter_parts():
            if part.get_content_type() == "application/octet-stream":
                parsed.attachments.append(
                    Attachment(
                        part.get_filename() or "encrypted.asc",
                        "application/pgp-encrypted",
                        _bytes_of(part),
                        True,
                    )
                )
        parsed.encrypted = True
        return
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = _text_of(body)
        parsed.text = html_to_text(text) if body.get_content_type() == "text/html" else text
    parsed.text = parsed.text.replace("\r\n", "\n").strip()
    if PGP_MESSAGE in parsed.text:
        parsed.encrypted = True
        parsed.attachments.append(
            Attachment("message.asc", "application/pgp-encrypted", parsed.text.encode(), True)
        )
    if parsed.kind == BOUNCE:
        return  # the returned message is evidence, not an attachment of the reporter's
    for part in message.iter_attachments():
        kind = part.get_content_type()
        if kind.startswith("multipart/"):
            continue
        data = _bytes_of(part)
        name = part.get_filename() or f"attachment-{len(parsed.attachments) + 1}"
        encrypted = kind == "application/pgp-encrypted" or name.endswith((".asc", ".gpg", ".pgp"))
        encrypted = encrypted and PGP_MESSAGE.encode() in data
        parsed.attachments.append(Attachment(name, kind, data, encrypted))


def _bytes_of(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(part.get_payload()).encode()


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError):  # an unknown or wrong charset: keep what decodes
        data = part.get_payload(decode=True) or b""
        content = bytes(data).decode("utf-8", errors="replace")
    return content if isinstance(content, str) else bytes(content).decode("utf-8", "replace")


# -- HTML mail ---------------------------------------------------------------------------

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "table",
}


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "a" and self.href:
            if self.href.startswith(("http://", "https://")):
                self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def without_quote(text: str) -> str:
    """A reply's own words: the quoted original ("> ..." and its "On ... wrote:") left out."""
    kept: list[str] = []
    for line in text.splitlines():
        if line.startswith(">"):
            continue
        if re.match(r"^(On .+ wrote:|-----Original Message-----)\s*$", line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def addresses(value: str) -> list[str]:
    return [address for _, address in getaddresses([value]) if address]

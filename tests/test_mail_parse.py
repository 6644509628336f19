"""Reading mail on its own: any bytes are a message or a clear refusal, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.intake.mail_parse import AUTO_REPLY, BOUNCE, REPORT, NotAMessage, parse_mail

MAIL = Path(__file__).resolve().parent / "data" / "mail"
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADERS = [
    b"From: ",
    b"Subject: ",
    b"Message-ID: ",
    b"In-Reply-To: ",
    b"References: ",
    b"Content-Type: multipart/mixed; boundary=",
    b"Content-Type: text/html; charset=",
    b"Content-Transfer-Encoding: ",
    b"Auto-Submitted: ",
    b"=?UTF-8?Q?",
    b"=?bogus?B?",
    b"\r\n",
    b"\n\n",
    b"--",
    b"<",
    b">",
    b"@",
]
mangled = st.lists(st.one_of(st.sampled_from(HEADERS), st.binary(max_size=40)), max_size=30).map(
    b"".join
)
# A real message with bytes changed here and there.
real = st.tuples(
    st.sampled_from(sorted(p.name for p in MAIL.glob("*.eml"))),
    st.lists(st.tuples(st.integers(0, 4000), st.binary(min_size=1, max_size=3)), max_size=6),
)


@FAST
@given(mangled)
@example(b"From: Content-Type: multipart/mixed; boundary=")  # once crashed the header model
@example(b"From: a@example.org\nContent-Type: multipart/mixed; boundary=\n\n--\n")
def test_any_bytes_are_read_or_refused_in_words(raw: bytes) -> None:
    try:
        mail = parse_mail(raw)
    except NotAMessage as refusal:
        assert str(refusal)
        return
    assert mail.message_id.startswith("<") and "@" in mail.from_address
    assert mail.kind in (REPORT, AUTO_REPLY, BOUNCE)


@FAST
@given(real)
def test_damaged_real_messages_are_read_or_refused_in_words(case) -> None:
    name, edits = case
    raw = bytearray((MAIL / name).read_bytes())
    for where, what in edits:
        at = where % max(len(raw), 1)
        raw[at : at + len(what)] = what
    try:
        mail = parse_mail(bytes(raw))
    except NotAMessage as refusal:
        assert str(refusal)
        return
    assert isinstance(mail.text, str)


def test_a_message_without_a_message_id_gets_a_stable_key() -> None:
    raw = b"From: a@example.org\nSubject: hi\n\nbody\n"
    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id != parse_mail(raw + b"more\n").message_id


def test_inline_pgp_is_kept_as_an_attachment() -> None:
    raw = (
        b"From: a@example.org\nSubject: secret\nMessage-ID: <p@example.org>\n\n"
        b"-----BEGIN PGP MESSAGE-----\n\nhQEMA0abc\n=ab12\n-----END PGP MESSAGE-----\n"
    )
    mail = parse_mail(raw)
    assert mail.encrypted
    [attachment] = mail.attachments
    assert attachment.filename == "message.asc" and attachment.encrypted

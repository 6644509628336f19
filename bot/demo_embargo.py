"""The demo's embargo act: a distributor is notified by email and acknowledges.

A local SMTP sink (standard library only) stands in for the team's mail server; the act
prints the email exactly as the distributor receives it, then opens the acknowledgement
link on the bot's own HTTP server the way the distributor's browser would.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

LINK = re.compile(r"(https?://\S+/ack\?t=\S+)")
DISTRIBUTOR = "security@acme-linux.example"


def _bot_url(demo: Any) -> str:
    connection = demo.driver._bot  # the signed-request connection to the running bot
    return f"http://{connection.host}:{connection.port}"


def _page_text(html: str) -> str:
    text = re.sub(r"<(title|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())


def act_embargo(demo: Any) -> None:
    """Notify distributors by email, print what one receives, acknowledge via the link."""
    from bot.mail import build_gateway
    from bot.mail.worker import MailWorker
    from tests.smtp_sink import SmtpSink

    services = demo.services
    alice, bob = demo.people["alice"], demo.people["bob"]
    sink = SmtpSink().start()
    saved = services.settings, services.mail
    services.settings = services.settings.model_copy(
        update={
            "smtp_url": SecretStr(sink.url),
            "mail_from": "Security Team <security-bot@example.org>",
            "mail_reply_to": "security@example.org",
            "public_url": _bot_url(demo),
            "announce_timezone": "America/Los_Angeles",
        }
    )
    services.mail = build_gateway(services.settings)
    try:
        demo.say("\n== Embargo: the fix lead notifies the private distributors by email ==")
        before = len(demo.slack.ephemerals_for(alice))
        demo.driver.slash(
            "/disclose",
            f"distributors add Acme Linux {DISTRIBUTOR} 2026-01-15",
            user_id=alice,
            channel_id=demo.channels["triage"],
        )
        demo.say(
            "/disclose distributors add …  →  "
            + demo.wait(lambda: demo.slack.ephemerals_for(alice)[before:])[-1].text
        )
        incident = _fixing_incident(demo, bob)
        headline = demo.slack.message(incident.channel_id, incident.headline_ts)
        demo.driver.block_action(bob, "distributors_notify", message=headline)
        view = demo.wait(
            lambda: (
                (v := demo.slack.open_view_for(bob))
                and v["callback_id"] == "distributors_notice_submit"
                and v
            )
        )
        planned = (services.clock.now() + timedelta(days=14)).replace(
            hour=16, minute=0, second=0, microsecond=0
        )
        demo.say(f"Bob opens '{view['title']['text']}' and picks {planned:%Y-%m-%d %H:%M} UTC.")
        demo.driver.submit_view(
            view["id"], bob, values={"planned": {"value": int(planned.timestamp())}}
        )
        current = demo.slack.open_view_for(bob)
        if current and current.get("id") == view["id"]:  # warnings for the new date: send again
            demo.driver.submit_view(view["id"], bob, values={})
        demo.wait(lambda: _incident(demo, incident.id).phase == "embargo")
        services.background.wait()
        MailWorker(services).run()
        _sender, recipients, message = demo.wait(lambda: sink.messages)[0]
        demo.say(f"\n---- The email {', '.join(recipients)} receives ----")
        for name in ("From", "To", "Reply-To", "Subject", "Message-ID"):
            demo.say(f"{name}: {message[name]}")
        body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        demo.say("\n" + body.rstrip() + "\n---- end of email ----")

        link = LINK.search(body)
        assert link is not None, "the notice carries an acknowledgement link"
        with urllib.request.urlopen(link.group(1), timeout=10) as response:
            demo.say(f"\nThe distributor opens the link: {_page_text(response.read().decode())}")
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(link.group(1)).query)["t"][0]
        data = urllib.parse.urlencode({"t": token}).encode()
        with urllib.request.urlopen(f"{_bot_url(demo)}/ack", data=data, timeout=10) as response:
            demo.say(f"… and confirms: {_page_text(response.read().decode())}")
        services.background.wait()
        before = len(demo.slack.ephemerals_for(bob))
        demo.driver.slash(
            "/disclose", "distributors status", user_id=bob, channel_id=incident.channel_id
        )
        status = demo.wait(lambda: demo.slack.ephemerals_for(bob)[before:])[-1]
        demo.say("/disclose distributors status  →  " + status.text)
    finally:
        services.settings, services.mail = saved
        sink.stop()


def _incident(demo: Any, incident_id: int) -> Any:
    from bot.incident.models import Incident

    with demo.services.db.transaction() as session:
        return session.get(Incident, incident_id)


def _fixing_incident(demo: Any, lead: str) -> Any:
    """A new incident from Alice, led by Bob, in the fixing phase."""
    from bot.incident.models import Incident
    from tests.forms import disclose_values

    alice = demo.people["alice"]
    known = {i.id for i in demo.incidents()}
    demo.driver.slash("/disclose", "", user_id=alice, channel_id=demo.channels["general"])
    view = demo.wait(lambda: demo.slack.open_view_for(alice))
    demo.driver.submit_view(
        view["id"], alice, values=disclose_values(title="Token replay in the webhook signer")
    )
    incident = demo.wait(
        lambda: next((i for i in demo.incidents() if i.id not in known and i.setup_complete), None)
    )
    demo.services.background.wait()
    with demo.services.db.transaction() as session:
        session.get(Incident, incident.id).lead_id = lead
    before = len(demo.slack.ephemerals_for(lead))
    demo.driver.slash("/disclose", "phase fixing", user_id=lead, channel_id=incident.channel_id)
    demo.wait(lambda: demo.slack.ephemerals_for(lead)[before:])
    demo.services.background.wait()
    return _incident(demo, incident.id)

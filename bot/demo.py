"""`python -m bot demo`: a whole disclosure against the local Slack API server.

Nothing leaves this machine: the bot talks to the project's own Slack Web API
server (tests/slack_api) over real HTTP, with a fresh SQLite database, and the
people of a small security team act through signed requests exactly as Slack
would send them. Afterwards it prints what each person would see.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIGNING_SECRET = "demo-signing-secret"
BOT_TOKEN = "xoxb-demo-token"


def _import_local_slack() -> Any:
    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        import tests.slack_api as local_slack
    except ImportError as exc:  # pragma: no cover - only outside a checkout
        raise SystemExit(
            "The demo uses the local Slack API server in tests/slack_api; "
            "run it from a checkout of the project."
        ) from exc
    return local_slack


@dataclass
class Demo:
    """The running bot, the local Slack and the cast, shared by the acts."""

    slack: Any
    driver: Any
    services: Any
    people: dict[str, str]
    channels: dict[str, str]
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        print(line, flush=True)

    def wait(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.02)
        raise SystemExit("the demo timed out waiting for the bot")

    def incidents(self) -> list[Any]:
        from sqlalchemy import select

        from bot.incident.models import Incident

        with self.services.db.transaction() as session:
            return list(session.scalars(select(Incident).order_by(Incident.id)))


def act_report(demo: Demo) -> None:
    alice = demo.people["alice"]
    demo.say("\n== Alice runs /disclose in #general ==")
    demo.driver.slash("/disclose", "", user_id=alice, channel_id=demo.channels["general"])
    view = demo.wait(lambda: demo.slack.open_view_for(alice))
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    demo.say(f"Alice sees the form '{view['title']['text']}': " + ", ".join(labels))
    from tests.forms import disclose_values

    demo.driver.submit_view(
        view["id"],
        alice,
        values=disclose_values(
            title="Path traversal in the artifact uploader",
            description="A crafted archive writes outside the upload directory.",
            reporter_name="Rita Reporter",
            reporter_contact="rita@example.org",
            source="hackerone",
            external_ref="https://hackerone.com/reports/2024001",
            component="uploader",
            affected_versions="<= 2.4.1",
        ),
    )
    incident = demo.wait(lambda: [i for i in demo.incidents() if i.setup_complete])[0]
    demo.say(f"The bot opened {incident.human_id} in #{incident.channel_name}.")


def act_outside_reporter(demo: Demo) -> None:
    dave = demo.people["dave"]
    demo.say("\n== Dave, outside the security team, reports something too ==")
    demo.driver.slash("/disclose", "", user_id=dave, channel_id=demo.channels["general"])
    view = demo.wait(lambda: demo.slack.open_view_for(dave))
    from tests.forms import disclose_values

    before = len(demo.incidents())
    demo.driver.submit_view(
        view["id"], dave, values=disclose_values(title="Admin panel reachable without login")
    )
    demo.wait(lambda: len([i for i in demo.incidents() if i.setup_complete]) > before)
    demo.say("Dave gets a receipt with a reference, and sees nothing else of the incident.")


def _offer_for(demo: Demo, user: str) -> Any:
    """The lead offer waiting in this person's DMs (with its buttons still on it)."""

    def find() -> Any:
        channel = demo.slack.dm_channel(user)
        for message in reversed(demo.slack.messages(channel) if channel else []):
            if '"lead_accept"' in str(message.blocks).replace("'", '"'):
                return message
        return None

    return demo.wait(find)


def act_lead(demo: Demo) -> None:
    alice, bob = demo.people["alice"], demo.people["bob"]
    incident = demo.incidents()[0]
    demo.say("\n== The fix-lead role is offered round-robin ==")
    offer = _offer_for(demo, alice)
    demo.say(f"Alice is first in the rotation and gets a DM: {offer.text}")
    demo.driver.block_action(alice, "lead_pass", message=offer)
    form = demo.wait(lambda: demo.slack.open_view_for(alice))
    demo.driver.submit_view(
        form["id"], alice, values={"reason": {"value": "Travelling to a conference this week"}}
    )
    demo.say("Alice passes with a reason; she keeps her place for the next incident.")
    offer = _offer_for(demo, bob)
    demo.say(f"The offer moves on to Bob: {offer.text}")
    demo.driver.block_action(bob, "lead_accept", message=offer)
    demo.wait(lambda: demo.incidents()[0].lead_id == bob)
    demo.say(f"Bob accepts and leads {incident.human_id}; the headline and topic show him.")


def act_cvss(demo: Demo) -> None:
    """Bob scores the incident in its channel: a few choices, a pasted vector, submit."""
    from bot.slack.blocks.cvss import from_metadata

    bob = demo.people["bob"]
    incident = demo.incidents()[0]
    demo.say(f"\n== Bob scores {incident.human_id} with /cvss ==")
    demo.driver.slash("/cvss", "", user_id=bob, channel_id=incident.channel_id)
    view = demo.wait(
        lambda: (v := demo.slack.open_view_for(bob)) and v["callback_id"] == "cvss_modal" and v
    )

    def summary() -> str:
        shown = demo.slack.views[view["id"]]["blocks"][0]["text"]["text"]
        return " ".join(shown.split("\n")[0].split())

    def use(action_id: str, value: str) -> None:
        before = demo.slack.views[view["id"]]["hash"]
        demo.driver.block_action(bob, action_id, value=value, view_id=view["id"])
        demo.wait(lambda: demo.slack.views[view["id"]]["hash"] != before)

    demo.say(f"The modal opens: {summary()}")
    for key, code in (("AV", "N"), ("AC", "L"), ("PR", "N")):
        use(f"cvss_metric:{key}", code)
        chosen = dict(from_metadata(demo.slack.views[view["id"]]["private_metadata"]).metrics)
        demo.say(f"Bob picks {key}:{code}; chosen so far {chosen}")
    vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"
    use("cvss_vector", vector)
    demo.say(f"Bob pastes {vector}: {summary()}")
    demo.driver.submit_view(view["id"], bob)
    scored = demo.wait(lambda: (i := demo.incidents()[0]).cvss_score is not None and i)
    demo.say(
        f"Recorded {scored.cvss_score} {scored.severity}: the headline, topic and triage thread "
        "show it."
    )


def act_lifecycle(demo: Demo) -> None:
    """One disclosure from triage to closed through /disclose subcommands, with exports."""
    from datetime import timedelta

    from bot.incident.models import Incident

    incident = demo.incidents()[0]
    bob = demo.people["bob"]
    if incident.lead_id is None:  # the lead act may not have run; someone must lead
        with demo.services.db.transaction() as session:
            session.get(Incident, incident.id).lead_id = bob
    lead = demo.incidents()[0].lead_id or bob
    planned = (demo.services.clock.now() + timedelta(days=14)).strftime("%Y-%m-%d")
    steps = [
        "phase released",
        "phase fixing",
        "update Reproduced; a patch is in private review",
        "fixready",
        f"phase embargo {planned}",
        "phase released 2.4.2",
        "phase disclosed",
        "export",
        "close fixed",
    ]
    demo.say(f"\n== The fix lead runs {incident.human_id} to the end ==")
    time.sleep(0.3)  # let the previous act's last answer arrive before counting answers
    for text in steps:
        before = len(demo.slack.ephemerals_for(lead))
        demo.driver.slash("/disclose", text, user_id=lead, channel_id=incident.channel_id)
        note = demo.wait(lambda b=before: demo.slack.ephemerals_for(lead)[b:])[-1]  # type: ignore[misc]
        demo.say(f"/disclose {text}  →  {note.text}")
    demo.wait(lambda: len(demo.slack.files) >= 3)
    names = ", ".join(f.filename for f in demo.slack.files)
    thread = demo.slack.thread(demo.channels["triage"], incident.triage_ts)
    replies = len(thread)
    demo.say(f"Files in the incident channel: {names}; the triage thread has {replies} replies.")


DEMO_POLICY = """
preset = "kubernetes"

[deadlines]
acknowledge = "PT8S"
lead_assigned = "PT12S"

[reminders]
before = ["PT3S"]
overdue_every = "PT2S"
overdue_max = 1

[calendar]
quiet_hours = false
quiet_days_off = false
"""


def _open_incident(demo: Demo, title: str) -> Any:
    """The newest open incident (the outside report), or a new one from Alice."""
    from tests.forms import disclose_values

    found = [i for i in demo.incidents() if i.is_open and i.setup_complete]
    if not found:
        alice = demo.people["alice"]
        demo.driver.slash("/disclose", "", user_id=alice, channel_id=demo.channels["general"])
        view = demo.wait(lambda: demo.slack.open_view_for(alice))
        demo.driver.submit_view(view["id"], alice, values=disclose_values(title=title))
        found = demo.wait(lambda: [i for i in demo.incidents() if i.is_open and i.setup_complete])
    demo.services.background.wait()
    return found[-1]


def act_reminders(demo: Demo) -> None:
    """A policy of second-long deadlines: reminders arrive in the thread, Done stops one."""
    from bot.clock import ManualClock
    from bot.policy import BusinessCalendar, load_policy
    from bot.reminder.plan import deadline_rows
    from bot.slack.reminder_delivery import MARKER, Ticker

    services, alice = demo.services, demo.people["alice"]
    demo.say("\n== Reminders, on a policy whose deadlines are seconds long ==")
    path = Path(tempfile.mkdtemp(prefix="demo-policy-")) / "policy.toml"
    path.write_text(DEMO_POLICY)
    saved = services.policy, services.calendar
    services.policy = load_policy(path)
    services.calendar = BusinessCalendar.for_policy(
        services.policy, services.settings.team_timezone
    )
    try:
        incident = _open_incident(demo, "Session token in debug logs")
        services.hooks.changed(services, incident.id, "policy")  # planned on this policy
        ticker, started, seen = Ticker(services), services.clock.now(), 0
        with services.db.transaction() as session:
            soon = [
                f"{row.label} in {(row.due_at - started).total_seconds():.0f} s"
                for row in deadline_rows(session, incident.id)
                if row.is_open and (row.due_at - started).total_seconds() < 60
            ]
        demo.say(
            f"{incident.human_id} is re-planned: {', '.join(soon)}; reminders 3 s ahead, at "
            "the deadline, once overdue, then an escalation."
        )
        done = False
        while (services.clock.now() - started).total_seconds() < 18:
            ticker.tick()
            thread = demo.slack.thread(demo.channels["triage"], incident.triage_ts)
            ours = [m for m in thread if (m.metadata or {}).get("event_type") == MARKER]
            for message in ours[seen:]:
                at = (services.clock.now() - started).total_seconds()
                demo.say(f"  +{at:4.1f}s triage thread: {message.text}")
            seen = len(ours)
            if not done and any("Acknowledge" in m.text for m in ours):
                demo.driver.block_action(alice, "reminder_done", message=ours[-1])
                demo.wait(lambda: demo.slack.ephemerals_for(alice))
                demo.say("  Alice presses Done on the acknowledgement: its reminders stop.")
                done = True
            if isinstance(services.clock, ManualClock):
                services.clock.advance(0.5)
            else:
                time.sleep(0.5)
        demo.driver.slash("/disclose", "deadlines", user_id=alice, channel_id=incident.channel_id)
        listing = demo.wait(
            lambda: [
                e for e in demo.slack.ephemerals_for(alice) if e.text.startswith("Deadlines of")
            ]
        )[-1]
        demo.say(
            "/disclose deadlines:\n"
            + "\n".join(
                line
                for block in listing.blocks or []
                if block["type"] == "section"
                for line in block["text"]["text"].splitlines()[1:]
            )
        )
    finally:
        services.policy, services.calendar = saved


from bot.demo_embargo import act_embargo  # noqa: E402 - the acts' list reads it

ACTS: list[Callable[[Demo], None]] = [
    act_report,
    act_lead,
    act_cvss,
    act_lifecycle,
    act_outside_reporter,
    act_reminders,
    act_embargo,
]


def main() -> int:
    local_slack = _import_local_slack()
    from bot.bootstrap import build_services, identify
    from bot.config import Settings
    from bot.server import BackgroundServer
    from bot.slack.app import build_app
    from bot.web import build_wsgi

    slack = local_slack.FakeSlack(bot_token=BOT_TOKEN)
    slack.start()
    people = {
        name: slack.add_user(name, real_name=real)
        for name, real in (
            ("alice", "Alice Ng"),
            ("bob", "Bob Okafor"),
            ("carol", "Carol Díaz"),
            ("dave", "Dave from Support"),
        )
    }
    team = [people["alice"], people["bob"], people["carol"]]
    channels = {
        "triage": slack.add_channel(
            "security-triage", is_private=True, members=[*team, slack.bot_user_id]
        ),
        "general": slack.add_channel(
            "general", is_private=False, members=[*people.values(), slack.bot_user_id]
        ),
    }
    workdir = Path(tempfile.mkdtemp(prefix="disclosure-demo-"))
    settings = Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{workdir / 'demo.sqlite3'}",
        security_team=team,
        triage_channel=channels["triage"],
    )
    services = build_services(settings)
    identify(services)
    server = BackgroundServer(build_wsgi(services, build_app(services))).start()
    driver = local_slack.SlackDriver(
        bot_url=f"{server.url}/slack/events", signing_secret=SIGNING_SECRET, slack=slack
    )
    demo = Demo(slack, driver, services, people, channels)
    print(f"Local Slack API at {slack.base_url}; bot at {server.url}; database in {workdir}")
    try:
        for act in ACTS:
            act(demo)
        for name in ("alice", "bob", "dave"):
            print(f"\n==================== What {name} sees ====================")
            print(slack.transcript(people[name]))
    finally:
        server.stop()
        slack.stop()
    return 0

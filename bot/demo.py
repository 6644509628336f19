"""`python -m bot demo`: one disclosure from report to close, against the local Slack server.

Nothing leaves this machine: the bot talks to the project's own Slack Web API server
(tests/slack_api) over real HTTP, with a fresh SQLite database in a temporary folder
that is removed afterwards, and a small security team acts through signed requests
exactly as Slack would send them. The story is told in acts; `--act NAME` plays one
(after the report it needs). Afterwards the demo prints the conversations the team
shares once, then what only each person sees.

An act is a function taking the Demo, registered with `@act("name", "what it shows")`;
ACTS keeps them in the order they are defined in this module, which is the order told.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

SIGNING_SECRET = "demo-signing-secret"
BOT_TOKEN = "xoxb-demo-token"
INTAKE_SECRET = "demo-intake-secret-0123456789"
TITLE = "Path traversal in the artifact uploader"
OUTSIDE_TITLE = "Admin panel reachable without login"
# Deadlines seconds long, so the reminders of the story arrive while you watch.
DEMO_POLICY = """
preset = "kubernetes"

[deadlines]
acknowledge = "PT3S"

[reminders]
before = ["PT2S"]
overdue_every = "PT1S"
overdue_max = 1

[calendar]
quiet_hours = false
quiet_days_off = false
"""


@dataclass(frozen=True)
class Act:
    name: str
    shows: str
    play: Callable[[Demo], None]
    needs_incident: bool = True  # played alone, the report is played first


ACTS: dict[str, Act] = {}


def act(name: str, shows: str, *, needs_incident: bool = True) -> Callable[..., Any]:
    def register(play: Callable[[Demo], None]) -> Callable[[Demo], None]:
        ACTS[name] = Act(name, shows, play, needs_incident)
        return play

    return register


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
    bot_url: str = ""  # where the intake endpoint is served

    def say(self, text: str) -> None:
        """Narrate, with Slack markup rendered as a person reads it (dates in UTC)."""
        from tests.slack_api.render import Renderer

        with self.slack.workspace.lock:
            print(Renderer(self.slack.workspace, "UTC").mrkdwn(text), flush=True)

    def heading(self, text: str) -> None:
        print(f"\n== {text} ==", flush=True)

    def wait(self, condition: Callable[[], Any], timeout: float = 15.0) -> Any:
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

    def incident(self) -> Any:
        return self.incidents()[0]

    def answer(self, user: str, command: str, text: str, channel: str | None = None) -> Any:
        """Run a slash command and return the ephemeral answer the person sees."""
        before = len(self.slack.ephemerals_for(user))
        where = channel or self.incident().channel_id
        self.driver.slash(command, text, user_id=user, channel_id=where)

        def answered() -> list[Any]:
            # Only in that channel: an answer to an earlier click may still arrive elsewhere.
            return [n for n in self.slack.ephemerals_for(user)[before:] if n.channel == where]

        return self.wait(answered)[-1]

    def disclose(self, user: str, text: str) -> None:
        note = self.answer(user, "/disclose", text)
        self.say(f"/disclose {text}  →  {note.text}")

    def idle(self) -> None:
        """Let the bot finish the work that follows its acknowledgements."""
        self.services.background.wait()


def _buttons(message: Any) -> dict[str, str]:
    found = {}
    for block in message.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found[element["action_id"]] = element.get("value", "")
    return found


def _new_cvss_modal(demo: Demo, user: str, shown: list[str]) -> Any:
    view = demo.slack.open_view_for(user)
    if view and view["callback_id"] == "cvss_modal" and view["id"] not in shown:
        return view
    return None


def _view_changed(demo: Demo, view_id: str, before: str) -> bool:
    return bool(demo.slack.views[view_id]["hash"] != before)


def _scored_by(demo: Demo, user: str) -> bool:
    from sqlalchemy import select

    from bot.scoring.models import ScoreRecord

    with demo.services.db.transaction() as session:
        query = select(ScoreRecord.id).where(ScoreRecord.user_id == user)
        return session.scalars(query).first() is not None


def _answers_since(demo: Demo, user: str, before: int) -> list[Any]:
    return list(demo.slack.ephemerals_for(user)[before:])


def _changed_answer(demo: Demo, user: str, before: str) -> Any:
    """The person's newest ephemeral once a button's answer replaced or followed it."""
    where = demo.incident().channel_id
    notes = [n for n in demo.slack.ephemerals_for(user) if not n.deleted and n.channel == where]
    return notes[-1] if notes and notes[-1].text != before else None


# -- the acts ----------------------------------------------------------------------------


@act("report", "Alice reports through /disclose; the bot opens the incident", needs_incident=False)
def act_report(demo: Demo) -> None:
    from tests.forms import disclose_values

    alice = demo.people["alice"]
    demo.heading("Alice runs /disclose in #general")
    demo.driver.slash("/disclose", "", user_id=alice, channel_id=demo.channels["general"])
    view = demo.wait(lambda: demo.slack.open_view_for(alice))
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    demo.say(f"Alice sees the form '{view['title']['text']}': " + ", ".join(labels))
    demo.driver.submit_view(
        view["id"],
        alice,
        values=disclose_values(
            title=TITLE,
            description="A crafted archive writes files outside the upload directory.",
            reporter_name="Rita Reporter",
            reporter_contact="rita@example.org",
            source="hackerone",
            external_ref="https://hackerone.com/reports/2024001",
            component="artifact-uploader",
            affected_versions="<= 2.4.1",
        ),
    )
    incident = demo.wait(lambda: [i for i in demo.incidents() if i.setup_complete])[0]
    demo.say(
        f"The bot opened {incident.human_id} in <#{incident.channel_id}>, invited the team, "
        f"pinned a headline and posted a notice in <#{demo.channels['triage']}>."
    )


@act("reminders", "second-long deadlines: reminders in the thread, Done stops them")
def act_reminders(demo: Demo) -> None:
    from bot.clock import ManualClock
    from bot.policy import BusinessCalendar, load_policy
    from bot.slack.reminder_delivery import MARKER, Ticker

    services, alice, incident = demo.services, demo.people["alice"], demo.incident()
    demo.heading("Reminders, on a policy whose acknowledgement is due 3 seconds after the report")
    demo.say(
        "They go to the triage thread and the headline, and by DM to whoever owes the step: "
        "here this week's incident commander."
    )
    saved = services.policy, services.calendar
    with tempfile.TemporaryDirectory(prefix="demo-policy-") as folder:
        path = Path(folder) / "policy.toml"
        path.write_text(DEMO_POLICY)
        services.policy = load_policy(path)
    services.calendar = BusinessCalendar.for_policy(
        services.policy, services.settings.team_timezone
    )
    try:
        services.hooks.changed(services, incident.id, "policy")  # re-planned on this policy
        ticker, started, seen = Ticker(services), services.clock.now(), 0
        while (elapsed := (services.clock.now() - started).total_seconds()) < 8:
            ticker.tick()
            thread = demo.slack.thread(demo.channels["triage"], incident.triage_ts)
            ours = [m for m in thread if (m.metadata or {}).get("event_type") == MARKER]
            for message in ours[seen:]:
                demo.say(f"  +{elapsed:3.1f} s, triage thread: {message.text}")
            seen = len(ours)
            if seen >= 2:  # a reminder before the deadline and one at it
                before = len(demo.slack.ephemerals_for(alice))
                demo.driver.block_action(alice, "reminder_done", message=ours[-1])
                note = demo.wait(partial(_answers_since, demo, alice, before))[-1]
                demo.say(f"  Alice presses Done: {note.text}")
                break
            if isinstance(services.clock, ManualClock):
                services.clock.advance(0.25)
            else:
                time.sleep(0.25)
    finally:
        services.policy, services.calendar = saved


@act("lead", "the fix-lead offer goes round-robin: a pass, then an accept")
def act_lead(demo: Demo) -> None:
    alice, bob = demo.people["alice"], demo.people["bob"]

    def offer_for(user: str) -> Any:
        def find() -> Any:
            channel = demo.slack.dm_channel(user)
            for message in reversed(demo.slack.messages(channel) if channel else []):
                if "lead_accept" in _buttons(message):
                    return message
            return None

        return demo.wait(find)

    demo.heading("The fix-lead role is offered round-robin")
    offer = offer_for(alice)
    demo.say(f"Alice is first in the rotation; her DM: {offer.text}")
    demo.driver.block_action(alice, "lead_pass", message=offer)
    form = demo.wait(lambda: demo.slack.open_view_for(alice))
    demo.driver.submit_view(
        form["id"], alice, values={"reason": {"value": "Travelling to a conference this week"}}
    )
    demo.say("Alice passes with a reason; she keeps her place in the rotation.")
    offer = offer_for(bob)
    demo.say(f"The offer moves on; Bob's DM: {offer.text}")
    demo.driver.block_action(bob, "lead_accept", message=offer)
    demo.wait(lambda: demo.incident().lead_id == bob)
    demo.say(f"Bob accepts and leads {demo.incident().human_id}; headline and topic show him.")


@act("scoring", "team scoring: two vectors disagree, the lead compares and picks")
def act_scoring(demo: Demo) -> None:
    bob, carol = demo.people["bob"], demo.people["carol"]
    high = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"
    low = "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:H/A:N"
    demo.heading("Team scoring: Carol and Bob disagree, Bob as the lead picks")
    for person, vector in ((carol, low), (bob, high)):
        name = demo.slack.workspace.name_of(person)
        shown = demo.slack.view_stack(person)
        demo.driver.slash("/cvss", "", user_id=person, channel_id=demo.incident().channel_id)
        view = demo.wait(partial(_new_cvss_modal, demo, person, shown))
        before_hash = demo.slack.views[view["id"]]["hash"]
        demo.driver.block_action(person, "cvss_vector", value=vector, view_id=view["id"])
        demo.wait(partial(_view_changed, demo, view["id"], before_hash))
        summary = demo.slack.views[view["id"]]["blocks"][0]["text"]["text"].split("\n")[0]
        demo.say(f"{name} opens /cvss, pastes {vector}: {' '.join(summary.split())}")
        demo.driver.submit_view(view["id"], person)
        demo.wait(partial(_scored_by, demo, person))
        demo.say(f"  {name} saves the score.")
    compared = demo.answer(bob, "/cvss", "compare")
    picks = {k: v for k, v in _buttons(compared).items() if k.startswith("cvss_pick:")}
    demo.say(f"/cvss compare  →  {compared.text}")
    from tests.slack_api.render import Renderer

    for line in Renderer(demo.slack.workspace, "UTC").blocks(compared.blocks)[1:8]:
        demo.say(f"  {line}")
    chosen = next(action for action, value in picks.items() if value.endswith(high))
    asked = compared.text
    demo.driver.block_action(bob, chosen, message=compared)
    picked = demo.wait(lambda: _changed_answer(demo, bob, asked))
    demo.say(f"  Bob presses the pick button  →  {picked.text}")
    scored = demo.wait(lambda: (i := demo.incident()).cvss_vector == high and i)
    demo.say(f"Bob picks his vector: {scored.cvss_score} {scored.severity} is the final score.")


@act("timeline", "a 📌 reaction adds a message to the incident timeline")
def act_timeline(demo: Demo) -> None:
    from sqlalchemy import select

    from bot.timeline.models import TimelineEvent

    carol, incident = demo.people["carol"], demo.incident()
    demo.heading("📌 timeline capture")
    ts = demo.slack.add_message(
        incident.channel_id, carol, "Reproduced on 2.4.1: ../../ in an entry name escapes"
    )
    event = {
        "type": "reaction_added",
        "user": carol,
        "reaction": "pushpin",
        "item": {"type": "message", "channel": incident.channel_id, "ts": ts},
        "item_user": carol,
    }
    demo.driver.event(event)

    def captured() -> Any:
        with demo.services.db.transaction() as session:
            query = select(TimelineEvent).where(TimelineEvent.source_ts == ts)
            return session.scalars(query).first()

    row = demo.wait(captured)
    demo.say(f"Carol pins her message with 📌; the timeline records it at {row.at:%H:%M:%S} UTC.")


@act("fix", "fixing: a fix-team member gets the embargo rules by DM; the fix is ready")
def act_fix(demo: Demo) -> None:
    bob, frank = demo.people["bob"], demo.people["frank"]
    demo.heading(f"Bob runs {demo.incident().human_id} through fixing")
    demo.disclose(bob, "phase fixing")
    demo.disclose(bob, "update Reproduced; a patch is in private review")
    demo.disclose(bob, f"fixteam add <@{frank}> review the patch to the uploader")
    embargo = demo.wait(lambda: demo.slack.messages(demo.slack.dm_channel(frank) or "") or None)
    demo.say(f"Frank, a maintainer outside the team, gets a DM: {embargo[-1].text}")
    demo.say("(A button on the fix-team note in the thread releases him once his part is done.)")
    demo.disclose(bob, "fixready")


@act("embargo", "the embargo with a planned date, the release and the Advisory fields form")
def act_embargo(demo: Demo) -> None:
    bob = demo.people["bob"]
    day = demo.services.clock.now() + timedelta(days=14)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday, as the policy prefers
    planned = day.strftime("%Y-%m-%d")
    demo.heading("Embargo, release and the advisory")
    demo.disclose(bob, f"phase embargo {planned}")
    demo.say(
        f"(The demo skips the two weeks of embargo: the release below would wait for {planned}.)"
    )
    demo.disclose(bob, "phase released 2.4.2")
    demo.driver.slash("/disclose", "advisory", user_id=bob, channel_id=demo.incident().channel_id)
    form = demo.wait(lambda: demo.slack.open_view_for(bob))
    fields = {
        "cve_id": "CVE-2026-41234",
        "advisory_summary": "An attacker who can upload an archive may write files anywhere "
        "the uploader can",
        "pkg_0x0_ecosystem": "PyPI",
        "cwe_ids": "CWE-22",
        "mitigation": "Reject archives whose entry names contain `..` at the proxy.",
        "credits": "Quinn Auditor (confirmed the fix)",
    }
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    demo.say(f"Bob opens the '{form['title']['text']}' form ({', '.join(labels)}) and fills in:")
    for name, value in fields.items():
        demo.say(f"  {name}: {value}")
    demo.driver.submit_view(form["id"], bob, values={k: {"value": v} for k, v in fields.items()})
    demo.wait(lambda: demo.incident().cve_id == fields["cve_id"])


@act("close", "disclosure, the exports with their contents, and the close")
def act_close(demo: Demo) -> None:
    bob = demo.people["bob"]
    demo.heading("Disclosure, exports and close")
    demo.disclose(bob, "phase disclosed")
    files_before = len(demo.slack.files)
    demo.disclose(bob, "export")
    files = demo.wait(
        lambda: (
            demo.slack.files[files_before:] if len(demo.slack.files) >= files_before + 3 else None
        )
    )
    shown = {file.filename: file for file in files}
    demo.say("Uploaded to the incident channel: " + ", ".join(shown))
    for name in ("advisory.md", "osv.json"):
        if name in shown:
            print(f"\n---- {name} ----\n{shown[name].content.decode().rstrip()}\n---- end ----")
    demo.disclose(bob, "close fixed")


def act_distributors(demo: Demo) -> None:
    from bot.demo_embargo import act_embargo

    act_embargo(demo)


act("distributors", "a second incident's embargo notice to distributors by email, acknowledged")(
    act_distributors
)


@act("home", "Alice's App Home")
def act_home(demo: Demo) -> None:
    alice = demo.people["alice"]
    demo.heading("Alice opens the bot's App Home")
    demo.driver.event({"type": "app_home_opened", "user": alice, "channel": "D0", "tab": "home"})
    demo.wait(lambda: alice in demo.slack.workspace.homes)
    demo.say("Her App Home is in her section below.")


@act("intake", "an outside report through the signed intake endpoint", needs_incident=False)
def act_intake(demo: Demo) -> None:
    demo.heading("A report from outside Slack, through POST /intake/report")
    secret = demo.services.settings.intake_secret
    if secret is None or not demo.bot_url:
        _outside_report_in_slack(demo)
        return
    body = json.dumps(
        {
            "title": OUTSIDE_TITLE,
            "description": "The /admin route skips the session check behind the proxy.",
            "reporter_name": "Sam Scanner",
            "reporter_contact": "sam@example.net",
            "component": "admin-panel",
            "affected_versions": "< 3.0.1",
        }
    ).encode()
    stamp = int(demo.services.clock.now().timestamp())
    digest = hmac.new(secret.get_secret_value().encode(), b"v1:%d:" % stamp + body, hashlib.sha256)
    request = urllib.request.Request(
        f"{demo.bot_url}/intake/report",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": "demo-outside-report",
            "X-Intake-Timestamp": str(stamp),
            "X-Intake-Signature": "v1=" + digest.hexdigest(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        reply = json.loads(answer.read())
        demo.say(f"The endpoint answers {answer.status}: {reply}")
    incident = demo.wait(
        lambda: [i for i in demo.incidents() if i.opened_by == "intake" and i.setup_complete]
    )[-1]
    notice = demo.slack.message(demo.channels["triage"], incident.triage_ts)
    demo.say(f"The bot opened {incident.human_id}; the triage notice: {notice.text}")


def _outside_report_in_slack(demo: Demo) -> None:
    """Without INTAKE_SECRET the endpoint is off: someone outside the team uses /disclose."""
    from tests.forms import disclose_values

    frank = demo.people["frank"]
    demo.say("(The endpoint is off without INTAKE_SECRET; Frank reports through /disclose.)")
    demo.driver.slash("/disclose", "", user_id=frank, channel_id=demo.channels["general"])
    view = demo.wait(lambda: demo.slack.open_view_for(frank))
    before = len(demo.incidents())
    demo.driver.submit_view(view["id"], frank, values=disclose_values(title=OUTSIDE_TITLE))
    demo.wait(lambda: len([i for i in demo.incidents() if i.setup_complete]) > before)
    demo.say("Frank gets a receipt with a reference, and sees nothing else of the incident.")


# -- running -----------------------------------------------------------------------------


def _cast(slack: Any) -> tuple[dict[str, str], dict[str, str]]:
    people = {
        name: slack.add_user(name, real_name=real)
        for name, real in (
            ("alice", "Alice Ng"),
            ("bob", "Bob Okafor"),
            ("carol", "Carol Díaz"),
            ("frank", "Frank Maintainer"),
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
    return people, channels


def _show_views(demo: Demo) -> None:
    from tests.slack_api.transcript import render_personal, render_shared

    team = [demo.people[name] for name in ("alice", "bob", "carol")]
    ws = demo.slack.workspace
    with ws.lock:
        print("\n==================== What the whole team sees ====================")
        print(render_shared(ws, team))
        for name, user in demo.people.items():
            print(f"\n==================== What only {name} sees ====================")
            print(render_personal(ws, user, team))


def play(names: list[str]) -> int:
    local_slack = _import_local_slack()
    from pydantic import SecretStr

    from bot import logs
    from bot.bootstrap import build_services, identify
    from bot.config import Settings
    from bot.server import BackgroundServer
    from bot.slack.app import build_app
    from bot.web import build_wsgi

    logs.configure([], logging.WARNING)  # only what needs a look, as in production
    slack = local_slack.FakeSlack(bot_token=BOT_TOKEN)
    slack.start()
    people, channels = _cast(slack)
    workdir = Path(tempfile.mkdtemp(prefix="disclosure-demo-"))
    server = None
    try:
        settings = Settings(
            _env_file=None,
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=slack.base_url,
            database_url=f"sqlite:///{workdir / 'demo.sqlite3'}",
            security_team=[people["alice"], people["bob"], people["carol"]],
            triage_channel=channels["triage"],
            intake_secret=SecretStr(INTAKE_SECRET),
        )
        services = build_services(settings)
        identify(services)
        server = BackgroundServer(build_wsgi(services, build_app(services))).start()
        driver = local_slack.SlackDriver(
            bot_url=f"{server.url}/slack/events", signing_secret=SIGNING_SECRET, slack=slack
        )
        demo = Demo(slack, driver, services, people, channels, server.url)
        print(f"Local Slack API at {slack.base_url}; the bot at {server.url}. All times UTC.")
        for name in names:
            ACTS[name].play(demo)
            demo.idle()
        _show_views(demo)
        services.db.dispose()
    finally:
        if server is not None:
            server.stop()
        slack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    listing = "\n".join(f"  {a.name:<10} {a.shows}" for a in ACTS.values())
    parser = argparse.ArgumentParser(
        prog="python -m bot demo",
        description="Play a whole disclosure against the local Slack API server.",
        epilog="acts, in the order they are told:\n" + listing,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--act", choices=list(ACTS), help="play only this act")
    args = parser.parse_args(argv)
    if args.act is None:
        return play(list(ACTS))
    chosen = ACTS[args.act]
    return play(
        ["report", chosen.name]
        if chosen.needs_incident and chosen.name != "report"
        else [chosen.name]
    )

"""The words the tests speak: report a vulnerability, open an incident, run a command,
click a button, set the lead, read the offers and the threads.

Each acts as a person would (signed requests to the running bot, through the local Slack)
or reads what a person would see; tests import them from here, never from each other.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select

from bot.bootstrap import build_services, identify
from bot.clock import ManualClock
from bot.database import Database
from bot.incident.models import Incident
from bot.lead.models import LeadOffer
from bot.timeline.models import TimelineEvent
from tests import harness
from tests.databases import empty_tables
from tests.forms import disclose_values
from tests.harness import START, RunningBot, wait_until
from tests.slack_api import FakeSlack, Message

# -- reporting and opening ------------------------------------------------------------


def open_form(bot: RunningBot, user: str, channel: str | None = None) -> str:
    response = bot.driver.slash(
        "/disclose", "", user_id=user, channel_id=channel or bot.workspace.general
    )
    assert response.status == 200
    view = wait_until(lambda: bot.slack.open_view_for(user), what="the /disclose modal")
    assert view["callback_id"] == "disclose_submit"
    return view["id"]


def report(bot: RunningBot, user: str, **fields: object):
    view_id = open_form(bot, user)
    return bot.driver.submit_view(view_id, user, values=disclose_values(**fields))


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def open_incident(bot: RunningBot, **fields: object) -> Incident:
    report(bot, bot.workspace.alice, **fields)
    bot.wait_for_setup()
    return bot.incident()


def opened(bot: RunningBot) -> Incident:
    open_incident(bot)
    bot.services.background.wait()
    return bot.incident()


def fresh_bot(db: Database, slack: FakeSlack) -> RunningBot:
    empty_tables(db)
    workspace = harness.seed_workspace(slack)
    settings = harness.test_settings(slack, workspace, db.url)
    services = build_services(settings, clock=ManualClock(START), db=db)
    identify(services)
    return RunningBot(services, slack, workspace)


def fixing_incident(bot: RunningBot, count: int = 1) -> Incident:
    """The `count`th incident reported, with a fix lead and in the fixing phase."""
    report(bot, bot.workspace.alice)
    incident = bot.wait_for_setup(count)[-1]
    set_lead(bot, incident, bot.workspace.bob)
    command(bot, bot.workspace.alice, incident.channel_id, "phase fixing")
    return incident


# -- commands, buttons and forms ------------------------------------------------------


def command(bot: RunningBot, user: str, channel: str, text: str) -> str:
    """Run `/disclose <text>` and return the ephemeral answer the user sees."""
    before = len(bot.slack.ephemerals_for(user))
    response = bot.driver.slash("/disclose", text, user_id=user, channel_id=channel)
    assert response.status == 200 and not response.problems
    notes = wait_until(
        lambda: bot.slack.ephemerals_for(user)[before:], what=f"an answer to /disclose {text}"
    )
    return notes[-1].text


def headline(bot: RunningBot, incident: Incident) -> Message:
    return bot.slack.message(incident.channel_id, incident.headline_ts)


def click(bot: RunningBot, user: str, incident: Incident, action_id: str) -> None:
    """Press a headline button, once the edited headline offers it."""
    message = wait_until(
        lambda: (m := headline(bot, incident)) and action_id in texts(m.blocks) and m,
        what=f"the {action_id} button",
    )
    response = bot.driver.block_action(user, action_id, message=message)
    assert response.status == 200 and not response.problems


def open_modal(bot: RunningBot, user: str, incident: Incident, action_id: str, callback: str):
    click(bot, user, incident, action_id)
    return wait_until(
        lambda: (
            (view := bot.slack.open_view_for(user)) and view["callback_id"] == callback and view
        ),
        what=f"the {callback} modal",
    )


def submit(bot: RunningBot, user: str, view: dict, values: dict) -> dict:
    response = bot.driver.submit_view(view["id"], user, values=values)
    assert response.status == 200 and not response.problems, response.problems
    return response.view_errors or {}


def thread_texts(bot: RunningBot, incident: Incident) -> list[str]:
    return [m.text for m in bot.slack.thread(bot.workspace.triage, incident.triage_ts)]


def set_lead(bot: RunningBot, incident: Incident, user: str) -> None:
    # The lead feature sets this when someone accepts the role; here the test does.
    with bot.services.db.transaction() as session:
        session.get(Incident, incident.id).lead_id = user


# -- the Home tab ----------------------------------------------------------------------


def open_home(bot: RunningBot, user: str) -> dict:
    before = bot.slack.home_for(user)
    bot.driver.event({"type": "app_home_opened", "user": user, "channel": "D0", "tab": "home"})
    return wait_until(
        lambda: (view := bot.slack.home_for(user)) and view != before and view, what="the home tab"
    )


# -- lead offers -----------------------------------------------------------------------


def reported_with_offer(
    bot: RunningBot, title: str = "Heap overflow in the YAML parser"
) -> Incident:
    ws = bot.workspace
    known = len(bot.incidents())
    bot.driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general)
    view = wait_until(lambda: bot.slack.open_view_for(ws.alice), what="the /disclose modal")
    bot.driver.submit_view(view["id"], ws.alice, values=disclose_values(title=title))
    incident = bot.wait_for_setup(known + 1)[-1]
    wait_until(
        lambda: offers(bot, incident.id) and all(o.posted for o in offers(bot, incident.id)),
        what="the first lead offer",
    )
    return bot.incident(incident.human_id)


def offers(bot: RunningBot, incident_id: int) -> list[LeadOffer]:
    with bot.services.db.transaction() as session:
        query = select(LeadOffer).where(LeadOffer.incident_id == incident_id)
        return list(session.scalars(query.order_by(LeadOffer.id)))


def seen(message: Message) -> dict:
    """The message as someone's screen shows it now; clicks on it later may be stale."""
    return {**message.to_dict(), "channel": message.channel}


def offer_messages(messages: list[Message]) -> list[Message]:
    return [m for m in messages if '"lead_offer_' in json.dumps(m.blocks or [])]


def dm_offers(bot: RunningBot, user: str) -> list[Message]:
    channel = bot.slack.dm_channel(user)
    return offer_messages(bot.slack.messages(channel)) if channel else []


def headline_thread(bot: RunningBot, incident: Incident) -> list[Message]:
    return bot.slack.thread(incident.channel_id, incident.headline_ts)


def lead_events(bot: RunningBot, incident_id: int) -> list[TimelineEvent]:
    with bot.services.db.transaction() as session:
        query = select(TimelineEvent).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "lead_accepted"
        )
        return list(session.scalars(query))


def dm_texts(bot: RunningBot, user: str) -> list[Message]:
    channel = bot.slack.dm_channel(user)
    return bot.slack.messages(channel) if channel else []


def click_note(bot: RunningBot, user: str, note: Any, action_id: str, **where: Any) -> None:
    response = bot.driver.block_action(user, action_id, message=note, **where)
    assert response.status == 200 and not response.problems, response.problems



def click_message(bot: RunningBot, user: str, action_id: str, message: Message | dict):
    """A click on the message as the user's screen showed it (a snapshot may be stale)."""
    snapshot = message.to_dict() if isinstance(message, Message) else message
    channel = message.channel if isinstance(message, Message) else message["channel"]
    response = bot.driver.block_action(user, action_id, message=snapshot, channel_id=channel)
    assert response.status == 200
    return response


# -- exports ---------------------------------------------------------------------------

OSV_SCHEMA = Path(__file__).resolve().parent / "data" / "osv-schema.json"


def osv_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(OSV_SCHEMA.read_text()))


EXPORT_NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def unsaved_incident(**fields: object) -> Incident:
    """An incident row in memory, never stored: for the exports' pure functions."""
    values: dict[str, object] = dict(
        human_id="SEC-2026-0007",
        title="Heap overflow",
        description="",
        reporter_name="",
        reporter_contact="",
        source="email",
        external_ref="",
        component="",
        affected_versions="",
        fixed_versions="",
        phase="triage",
        cve_id=None,
        advisory_summary="",
        advisory_details="",
        mitigation="",
        detection="",
        credits="",
        package_ecosystem="",
        package_name="",
        cvss_vector=None,
        cvss_score=None,
        severity=None,
        lead_id=None,
        opened_by="U0ALICE",
        created_at=EXPORT_NOW - timedelta(days=3),
        disclosed_at=None,
        disclosure_planned_at=None,
    )
    values.update(fields)
    return Incident(**values)


# -- mail ----------------------------------------------------------------------------------

MAIL = Path(__file__).resolve().parent / "data" / "mail"  # the mail messages tests send

"""Who may do what: everything the app answers to, tried by people who may not.

The matrix is read from the running app, not listed by hand: every `/disclose`
subcommand in the registry, every command, action, view callback, shortcut and event
registered on the Bolt app, pressed on the elements the bot really showed during a whole
disclosure. Someone outside the security team changes nothing and learns no incident
detail; a team member running incident commands outside an incident channel is told
where to run them, and learns nothing either.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import quote_plus

from bot.slack.blocks.disclose_modal import CALLBACK_ID as REPORT_FORM
from bot.slack.listeners.commands import NOT_IN_INCIDENT, SUBCOMMANDS
from tests.crash.leaks import details, find_leaks
from tests.crash.registry import (
    Element,
    Listeners,
    accepts,
    example_name,
    posted_elements,
    registered_listeners,
    shown_views,
)
from tests.crash.scenario import play_full_scenario
from tests.crash.snapshot import changed_tables, rows
from tests.harness import RunningBot, wait_until

VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
COMMAND_TEXTS = ("", "help", "status", "history", "compare", VECTOR)
OPEN_TO_EVERYONE = {REPORT_FORM}  # anyone may report a vulnerability


def settle(bot: RunningBot) -> None:
    """Wait until the bot has stopped talking to Slack (listeners run after their ack)."""
    last, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 0.4:
        count = len(bot.slack.calls)
        if count != last:
            last, stable_since = count, time.monotonic()
        time.sleep(0.05)
    bot.services.background.wait()


def send_view(bot: RunningBot, user: str, view: dict[str, Any]) -> int:
    slack = bot.slack
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "user": {"id": user, "name": slack.workspace.name_of(user)},
        "api_app_id": slack.app_id,
        "trigger_id": slack.issue_trigger(user),
        "view": view,
    }
    body = ("payload=" + quote_plus(json.dumps(payload))).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **bot.driver.sign(body)}
    # A view the bot never built may make its listener fail before the ack, which Bolt
    # answers only after Slack's 3 seconds: a short wait here tells the same.
    connection = http.client.HTTPConnection("127.0.0.1", bot.server.port, timeout=0.5)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        return connection.getresponse().status
    except TimeoutError:
        return 0
    finally:
        connection.close()


def press(bot: RunningBot, user: str, found: Element) -> int:
    options = found.element.get("options") or []
    option = options[0] if options else None
    if found.where == "view":
        return bot.driver.block_action(
            user, found.action_id, selected_option=option, view_id=found.container
        ).status
    return bot.driver.block_action(
        user,
        found.action_id,
        selected_option=option,
        block_id=found.block_id or None,
        message=found.container,
    ).status


Tried = dict[str, list[str]]


def _type_every_command(bot: RunningBot, listeners: Listeners, incident: Any, tried: Tried) -> None:
    ws = bot.workspace
    for name in SUBCOMMANDS:
        for channel in (incident.channel_id, ws.general):
            bot.driver.slash("/disclose", f"{name} {VECTOR}", user_id=ws.dave, channel_id=channel)
        tried.setdefault("/disclose subcommand", []).append(name)
    for command in listeners.of("command"):
        for text in COMMAND_TEXTS:
            for channel in (incident.channel_id, ws.triage, ws.general):
                bot.driver.slash(str(command), text, user_id=ws.dave, channel_id=channel)
        tried.setdefault("command", []).append(str(command))


def _press_every_button(bot: RunningBot, listeners: Listeners, incident: Any, tried: Tried) -> None:
    ws = bot.workspace
    shown: dict[tuple[str, str, str], Element] = {}
    for element in posted_elements(bot.slack):  # each button once per incident and surface
        key = (element.action_id, str(element.element.get("value")), element.where)
        shown.setdefault(key, element)
    for constraint in listeners.of("action"):
        examples = [e for (a, _, _), e in shown.items() if accepts(constraint, a)]
        if not examples:
            name = example_name(constraint)
            assert name, f"no way to press {constraint!r}"
            bot.driver.block_action(
                ws.dave, name, value=incident.human_id, channel_id=incident.channel_id
            )
            tried.setdefault("action (never shown; sent bare)", []).append(name)
        for element in examples:
            assert press(bot, ws.dave, element) == 200
            tried.setdefault(f"action on a {element.where}", []).append(element.action_id)


def _submit_every_form(bot: RunningBot, listeners: Listeners, incident: Any, tried: Tried) -> None:
    views = shown_views(bot.slack)
    for constraint in listeners.of("view"):
        callback = example_name(constraint) or ""
        if callback in OPEN_TO_EVERYONE:
            continue
        view = views.get(callback) or {
            "id": "VNEVERSHOWN",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": incident.human_id,
            "state": {"values": {}},
        }
        # A view the bot never built may be refused outright (a listener that cannot read it).
        status = send_view(bot, bot.workspace.dave, view)
        tried.setdefault("view submission", []).append(f"{callback} ({status})")


def _send_shortcuts_and_events(
    bot: RunningBot, listeners: Listeners, incident: Any, tried: Tried
) -> None:
    ws = bot.workspace
    headline = bot.slack.message(incident.channel_id, incident.headline_ts)
    for constraint in listeners.of("shortcut"):
        callback = example_name(constraint) or ""
        bot.driver.message_action(callback, ws.dave, headline)
        tried.setdefault("shortcut", []).append(callback)
    for constraint in listeners.of("event"):
        kind = constraint.get("type") if isinstance(constraint, dict) else str(constraint)
        event = {
            "type": kind,
            "user": ws.dave,
            "channel": incident.channel_id,
            "tab": "home",
            "reaction": "pushpin",
            "item": {"type": "message", "channel": incident.channel_id, "ts": headline.ts},
            "ts": headline.ts,
            "text": "dave was here",
        }
        if isinstance(constraint, dict) and constraint.get("subtype"):
            event["subtype"] = constraint["subtype"]
            event["message"] = {"ts": headline.ts, "text": "dave was here", "user": ws.dave}
            event["deleted_ts"] = headline.ts
        assert bot.driver.event(event).status == 200
        tried.setdefault("event", []).append(f"{kind} {event.get('subtype', '')}".strip())


def test_outsiders_change_nothing_and_learn_nothing(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    play_full_scenario(bot)
    settle(bot)
    incident = next(i for i in bot.incidents() if i.phase != "closed")
    listeners = registered_listeners(bot.services)
    before, mark = rows(bot.services.db), len(slack.calls)
    tried: Tried = {}
    for attempt in (
        _type_every_command,
        _press_every_button,
        _submit_every_form,
        _send_shortcuts_and_events,
    ):
        attempt(bot, listeners, incident, tried)

    settle(bot)
    for kind, names in tried.items():
        print(f"{kind} ({len(names)} sent): {', '.join(sorted(set(names)))}")
    changed = changed_tables(before, rows(bot.services.db))
    assert not changed, f"someone outside the team changed {changed}"
    leaks, _ = find_leaks(slack, bot.incidents(), ws.triage)
    assert not leaks, [f"{x.incident} {x.detail} in {x.source} at {x.place}" for x in leaks]
    answers = slack.ephemerals_for(ws.dave)
    assert any("Only the security team" in note.text for note in answers)
    assert slack.calls[mark:], "nothing was answered at all"


def test_team_members_outside_an_incident_channel_learn_nothing(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    play_full_scenario(bot)
    settle(bot)
    incidents = bot.incidents()
    before, seen = rows(bot.services.db), len(slack.ephemerals_for(ws.bob))
    needing = [name for name, sub in SUBCOMMANDS.items() if sub.needs_incident]
    assert {"status", "update", "close"} <= set(needing)
    for name in needing:
        bot.driver.slash("/disclose", f"{name} fixed", user_id=ws.bob, channel_id=ws.general)
    bot.driver.slash("/cvss", VECTOR, user_id=ws.bob, channel_id=ws.general)
    answers = wait_until(
        lambda: (
            (notes := slack.ephemerals_for(ws.bob)[seen:]) and len(notes) > len(needing) and notes
        ),
        what="an answer to every command",
    )
    settle(bot)
    assert changed_tables(before, rows(bot.services.db)) == []
    assert sum(NOT_IN_INCIDENT in note.text for note in answers) == len(needing)
    calculator = [note for note in answers if "CVSS" in note.text]
    assert calculator and "cvss_record" not in json.dumps(calculator[-1].blocks)
    for note in answers:
        shown = note.text + json.dumps(note.blocks or [], ensure_ascii=False)
        for incident in incidents:
            assert incident.human_id not in shown
            for name, value in details(incident).items():
                if value != VECTOR:
                    assert value not in shown, f"{incident.human_id} {name} in {note.text!r}"

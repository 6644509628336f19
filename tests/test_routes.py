"""The listener table: every ID the Block Kit builders hand to Slack has exactly one row,
and a request about an incident that is gone gets an answer and changes nothing."""

from __future__ import annotations

import inspect
import re
from types import ModuleType

from bot.slack import routes
from bot.slack.blocks import (
    cve,
    cvss,
    disclose_modal,
    distributors,
    embargo,
    home,
    incident,
    leads,
    lifecycle,
    mail,
    reminders,
    reporter,
)
from bot.slack.listeners import timeline_capture
from bot.slack.middleware import GONE
from tests.crash.registry import accepts, registered_listeners
from tests.crash.snapshot import changed_tables, rows
from tests.harness import RunningBot, wait_until
from tests.vocabulary import open_incident

BUILDERS: tuple[ModuleType, ...] = (
    cve,
    cvss,
    disclose_modal,
    distributors,
    embargo,
    home,
    leads,
    lifecycle,
    mail,
    reminders,
    reporter,
)
NAMED = re.compile(
    r"^(ACTION_\w+|\w+_ACTION|CALLBACK_\w+|\w+_CALLBACK|CALLBACK_ID|ACCEPT|PASS|"
    r"VOLUNTEER|AWAY_UNTIL|BACK)$"
)


def _ids_from_builders() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module in BUILDERS:
        for name, value in vars(module).items():
            # Inputs inside forms (action ID "value") are read on submit, not listened to.
            if isinstance(value, str) and NAMED.match(name) and value != "value":
                kind = "view" if "CALLBACK" in name else "action"
                # Prefixes (one action ID per metric or per compared vector) get an example.
                found.add((kind, value + "AV" if value.endswith(":") else value))
    found |= {("action", action_id) for action_id in reminders.SNOOZE_ACTIONS}
    # The headline's buttons are named where they are built.
    source = inspect.getsource(incident)
    found |= {("action", name) for name in re.findall(r'_button\(\s*"([a-z_]+)"', source)}
    found |= {("action", name) for name in re.findall(r'"action_id": "([a-z_]+)"', source)}
    found.add(("shortcut", timeline_capture.SHORTCUT))
    return found


def test_every_id_the_bot_shows_has_one_listener(bot: RunningBot) -> None:
    ids = _ids_from_builders()
    assert ("action", "lifecycle_start_fixing") in ids and ("view", "cvss_modal") in ids
    listeners = registered_listeners(bot.services)  # the table's rows and any module's own

    def count(kind: str, name: str) -> int:
        return sum(accepts(constraint, name) for constraint in listeners.of(kind))

    missing = sorted(f"{kind} {name}" for kind, name in ids if count(kind, name) == 0)
    assert not missing, f"no listener for {missing}"
    doubled = sorted(f"{kind} {name}" for kind, name in ids if count(kind, name) > 1)
    assert not doubled, f"more than one listener for {doubled}"
    routed = {(r.kind, r.constraint) for r in routes.ROUTES if isinstance(r.constraint, str)}
    assert ("action", "lifecycle_start_fixing") in routed


def test_every_row_is_a_module_level_function_of_the_listener_modules() -> None:
    for route in routes.ROUTES:
        listener = route.listener
        assert listener.__module__.startswith("bot.slack.listeners."), route
        assert "<locals>" not in listener.__qualname__, route
        module = inspect.getmodule(listener)
        assert getattr(module, listener.__name__) is listener, route


def test_a_click_about_an_incident_that_is_gone_is_answered_and_changes_nothing(
    bot: RunningBot,
) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    bot.services.background.wait()
    before, seen = rows(bot.services.db), len(bot.slack.ephemerals_for(ws.bob))
    response = bot.driver.block_action(
        ws.bob, "lifecycle_start_fixing", value="SEC-2099-9999", channel_id=incident.channel_id
    )
    assert response.status == 200 and not response.problems
    notes = wait_until(lambda: bot.slack.ephemerals_for(ws.bob)[seen:], what="an answer")
    assert [note.text for note in notes] == [GONE]
    bot.services.background.wait()
    assert changed_tables(before, rows(bot.services.db)) == []
    assert bot.incident(incident.human_id).phase == "triage"

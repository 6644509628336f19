"""`/cvss` end to end through signed requests: the live modal, recording, Slack's limits,
hash conflicts and the errors people see."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.incident.models import Incident
from bot.scoring.engine import VectorError, parse_vector, score
from bot.scoring.metrics import catalogue
from bot.slack.blocks.incident import severity_text, topic
from bot.slack.blocks.text import escape
from bot.timeline.models import TimelineEvent
from tests.cvss_session import (
    act,
    answer_to,
    choose,
    metrics_of,
    open_cvss,
    paste,
    records,
    submit,
    summary,
    view,
)
from tests.harness import RunningBot, wait_until
from tests.scoring.test_errors import MALFORMED
from tests.vocabulary import headline, open_incident, texts, thread_texts

V31_BASE = [("AV", "N"), ("AC", "L"), ("PR", "N"), ("UI", "N"), ("S", "U")]
V31_BASE += [("C", "H"), ("I", "H"), ("A", "H")]
V40_BASE = [("AV", "N"), ("AC", "L"), ("AT", "N"), ("PR", "N"), ("UI", "N")]
V40_BASE += [("VC", "H"), ("VI", "H"), ("VA", "H"), ("SC", "N"), ("SI", "N"), ("SA", "N")]


def selects(found: dict[str, Any]) -> dict[str, str]:
    """What each metric select of a view shows (its initial option)."""
    shown = {}
    for block in found["blocks"]:
        element = block.get("element") or {}
        if str(element.get("action_id", "")).startswith("cvss_metric:") and (
            "initial_option" in element
        ):
            shown[element["action_id"].split(":", 1)[1]] = element["initial_option"]["value"]
    return shown


def open_advanced(bot: RunningBot, user: str, view_id: str) -> dict[str, Any]:
    response = bot.driver.block_action(user, "cvss_advanced", view_id=view_id)
    assert response.status == 200 and not response.problems
    return wait_until(
        lambda: (v := bot.slack.open_view_for(user)) and v["callback_id"] == "cvss_advanced" and v,
        what="the advanced metrics",
    )


def finish_advanced(bot: RunningBot, user: str, advanced_id: str, root_id: str) -> dict:
    before = view(bot, root_id)["hash"]
    assert not submit(bot, user, advanced_id)
    assert bot.slack.view_stack(user) == [root_id]
    return wait_until(
        lambda: (v := view(bot, root_id))["hash"] != before and v, what="the main view again"
    )


def track_hooks(bot: RunningBot) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    bot.services.hooks.incident_changed.append(lambda _, i, reason: seen.append((i, reason)))
    return seen


def test_a_whole_scoring_session_in_cvss_31(bot: RunningBot) -> None:
    alice, slack = bot.workspace.alice, bot.slack
    incident = open_incident(bot)
    changes = track_hooks(bot)
    modal = open_cvss(bot, alice, incident)
    root = modal["id"]
    assert "Not scored yet" in summary(modal) and "CVSS 3.1" in summary(modal)

    for count, (key, code) in enumerate(V31_BASE, start=1):
        if count == 4:  # fast clicking: Slack answers one update with hash_conflict
            slack.fail("views.update", error="hash_conflict", times=1)
        shown = choose(bot, alice, root, key, code)
        assert metrics_of(shown) == dict(V31_BASE[:count])
        if count < len(V31_BASE):
            assert "Not scored yet" in summary(shown)
    assert "9.8 Critical" in summary(shown)
    assert "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" in summary(shown)
    conflicts = [c for c in slack.calls_to("views.update") if c.error == "hash_conflict"]
    assert len(conflicts) == 1 and conflicts[0].params["hash"]

    pasted = "  CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:H/I:L/A:N  "
    shown = paste(bot, alice, root, pasted)
    assert selects(shown) == dict(parse_vector(pasted).metrics)

    advanced = open_advanced(bot, alice, root)
    choose(bot, alice, advanced["id"], "E", "U")
    choose(bot, alice, advanced["id"], "CR", "H")
    shown = finish_advanced(bot, alice, advanced["id"], root)
    expected = score("CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:C/C:H/I:L/A:N/E:U/CR:H")
    assert f"*{expected.score:.1f} {expected.severity}*" in summary(shown)
    assert "environmental score" in summary(shown)

    assert not submit(bot, alice, root)
    (row,) = records(bot, incident)
    assert (row.user_id, row.at, row.version, row.vector) == (
        alice,
        bot.clock.now(),
        "3.1",
        expected.clean_vector,
    )
    assert (row.score, row.severity, row.nomenclature, row.is_final, row.via) == (
        expected.score,
        expected.severity,
        None,
        True,
        "modal",
    )
    stored = bot.incident(incident.human_id)
    assert (stored.cvss_vector, stored.cvss_score, stored.severity) == (
        expected.clean_vector,
        expected.score,
        expected.severity,
    )

    wanted = f"CVSS score recorded: {expected.score:.1f}"
    wait_until(lambda: any(wanted in t for t in thread_texts(bot, incident)), what="thread reply")
    wait_until(
        lambda: any(
            wanted in m.text for m in slack.thread(incident.channel_id, incident.headline_ts)
        ),
        what="the note in the incident channel",
    )
    wait_until(lambda: severity_text(stored) in texts(headline(bot, incident).blocks))
    wait_until(lambda: f"Severity: {stored.severity}" in slack.channel(stored.channel_id).topic)
    wait_until(lambda: changes == [(incident.id, "score")], what="the deadline hook")
    with bot.services.db.transaction() as session:
        events = session.scalars(select(TimelineEvent).where(TimelineEvent.kind == "scored")).all()
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "incident.score")
        ).all()
        assert [e.actor for e in events] == [alice] and expected.clean_vector in events[0].text
        assert [a.detail["vector"] for a in audit] == [expected.clean_vector]


def test_a_whole_scoring_session_in_cvss_40_as_the_team_default(bot: RunningBot) -> None:
    alice = bot.workspace.alice
    bot.services.settings.cvss_default_version = "4.0"
    incident = open_incident(bot)
    modal = open_cvss(bot, alice, incident)
    assert "CVSS 4.0" in summary(modal)
    for count, (key, code) in enumerate(V40_BASE, start=1):
        shown = choose(bot, alice, modal["id"], key, code)
        assert metrics_of(shown) == dict(V40_BASE[:count])
    assert "9.3 Critical" in summary(shown) and "CVSS-B)" in summary(shown)

    shown = paste(
        bot, alice, modal["id"], "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    )
    assert "7.7 High" in summary(shown)
    advanced = open_advanced(bot, alice, modal["id"])
    choose(bot, alice, advanced["id"], "E", "U")
    shown = finish_advanced(bot, alice, advanced["id"], modal["id"])
    assert "5.2 Medium" in summary(shown) and "CVSS-BT" in summary(shown)

    assert not submit(bot, alice, modal["id"])
    (row,) = records(bot, incident)
    assert (row.version, row.score, row.severity, row.nomenclature) == (
        "4.0",
        5.2,
        "Medium",
        "CVSS-BT",
    )


def test_the_last_choice_wins_over_a_stale_hash(bot: RunningBot) -> None:
    """Two changes before Slack shows the first update: the second carries a stale hash."""
    alice, slack = bot.workspace.alice, bot.slack
    incident = open_incident(bot)
    modal = open_cvss(bot, alice, incident)
    slack.delay("views.update", 0.3)
    try:
        first = bot.driver.block_action(alice, "cvss_metric:AV", value="P", view_id=modal["id"])
        second = bot.driver.block_action(alice, "cvss_metric:AC", value="H", view_id=modal["id"])
        assert first.payload["view"]["hash"] == second.payload["view"]["hash"]
        wait_until(lambda: len(slack.calls_to("views.update")) >= 3, what="both updates")
    finally:
        slack.delay("views.update", 0)
    shown = wait_until(
        lambda: (v := view(bot, modal["id"])) and metrics_of(v) == {"AV": "P", "AC": "H"} and v,
        what="both choices shown",
    )
    assert selects(shown) == {"AV": "P", "AC": "H"}
    assert [c.error for c in slack.calls_to("views.update")].count("hash_conflict") == 1


def full_vector(version: str) -> str:
    """Every metric of a version set (the longest state the modal can carry)."""
    cat = catalogue(version)
    parts = [f"{m.key}:{m.codes[-1] if m.required else m.codes[1]}" for m in cat.metrics]
    return f"{cat.prefix}/" + "/".join(parts)


def test_the_modal_of_every_version_fits_slacks_limits(bot: RunningBot) -> None:
    """The local Slack server validates every view and refuses what Slack would refuse."""
    alice, slack = bot.workspace.alice, bot.slack
    incident = open_incident(bot)
    modal = open_cvss(bot, alice, incident)
    shown = act(bot, alice, modal["id"], "cvss_version", value="4.0")
    assert "CVSS 4.0" in summary(shown) and "cvss_metric:VC" in texts(shown["blocks"])
    for version in ("3.0", "3.1", "4.0"):
        shown = paste(bot, alice, modal["id"], full_vector(version))
        assert f"CVSS {version}" in summary(shown), version
        advanced = open_advanced(bot, alice, modal["id"])
        assert len(selects(advanced)) == len(catalogue(version).advanced)
        finish_advanced(bot, alice, advanced["id"], modal["id"])
    methods = ("views.open", "views.update", "views.push")
    assert all(call.ok for call in slack.calls if call.method in methods)


def test_bad_vectors_show_the_engines_exact_message(bot: RunningBot) -> None:
    alice, general = bot.workspace.alice, bot.workspace.general
    incident = open_incident(bot)
    modal = open_cvss(bot, alice, incident)
    cases = [(text, message) for text, message in MALFORMED]
    assert len(cases) >= 30
    for text, message in cases:
        shown = paste(bot, alice, modal["id"], text)
        error = next(b for b in shown["blocks"] if b.get("block_id") == "cvss_error")
        assert error["elements"][0]["text"] == f":warning: {escape(message)}", text
        if text.strip():  # an empty /cvss is the usage, not an error
            note = answer_to(bot, alice, general, text.strip())
            assert note.text == message, text
    assert records(bot, incident) == []


def test_submitting_too_early_or_with_a_bad_typed_vector_names_the_field(bot: RunningBot) -> None:
    alice = bot.workspace.alice
    incident = open_incident(bot)
    modal = open_cvss(bot, alice, incident)
    shown = choose(bot, alice, modal["id"], "AV", "N")
    errors = submit(bot, alice, modal["id"])
    assert errors["cvss_metric:AC:0"] == "Choose a value for Attack Complexity."
    assert "cvss_metric:AV:0" not in errors and len(errors) == 7
    typed = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"
    errors = submit(bot, alice, modal["id"], {"cvss_vector:0": {"cvss_vector": typed}})
    with_error = {"cvss_vector:0": _message_of(typed)}
    assert errors == with_error and shown["id"] == modal["id"]
    good = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert not submit(bot, alice, modal["id"], {"cvss_vector:0": {"cvss_vector": good}})
    assert [r.vector for r in records(bot, incident)] == [good]


def _message_of(text: str) -> str:
    with pytest.raises(VectorError) as raised:
        parse_vector(text)
    return raised.value.message


def test_the_modal_opens_with_the_incidents_current_vector(bot: RunningBot) -> None:
    vector = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
    incident = open_incident(bot, cvss_vector=vector)
    modal = open_cvss(bot, bot.workspace.bob, incident)
    assert selects(modal) == dict(parse_vector(vector).metrics)
    assert "7.8 High" in summary(modal)


def test_a_severity_without_a_score_shows_in_headline_and_topic() -> None:
    incident = Incident(human_id="SEC-2026-0009", phase="triage", severity="High", is_public=False)
    assert severity_text(incident) == ":large_orange_circle: High"
    assert "Severity: High |" in topic(incident)
    incident.cvss_score = 7.5
    assert severity_text(incident) == ":large_orange_circle: High 7.5"

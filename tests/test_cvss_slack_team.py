"""Team scoring, `/cvss <vector>`, history and who may do what, through signed requests."""

from __future__ import annotations

from typing import Any

from bot.incident.models import Incident
from bot.slack.middleware import NOT_ON_ROSTER
from tests.cvss_session import answer_to, open_cvss, paste, records, slash_cvss, submit
from tests.harness import RunningBot, wait_until
from tests.vocabulary import click_note, open_incident, set_lead, texts

HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"  # 8.8 High
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8 Critical
MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:L"  # 5.5 Medium


def score_with_modal(bot: RunningBot, user: str, incident: Incident, vector: str) -> None:
    modal = open_cvss(bot, user, incident)
    paste(bot, user, modal["id"], vector)
    assert not submit(bot, user, modal["id"])


def newest_ephemeral(bot: RunningBot, user: str, before: int) -> Any:
    return wait_until(lambda: bot.slack.ephemerals_for(user)[before:], what="an answer")[-1]


def buttons(note: Any) -> dict[str, str]:
    """action_id -> value of every button on a message."""
    found = {}
    for block in note.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found[element["action_id"]] = element.get("value", "")
    return found


def test_members_compare_and_only_the_lead_picks_the_final_vector(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    score_with_modal(bot, ws.alice, incident, HIGH)
    score_with_modal(bot, ws.bob, incident, CRITICAL)
    assert bot.incident(incident.human_id).cvss_vector == CRITICAL  # no lead yet: both count

    set_lead(bot, incident, ws.carol)
    score_with_modal(bot, ws.bob, incident, MEDIUM)  # after a decision: only a proposal
    assert [r.is_final for r in records(bot, incident)] == [True, True, False]
    assert bot.incident(incident.human_id).cvss_score == 9.8
    wait_until(
        lambda: any(
            "CVSS score proposed: 5.5" in m.text
            for m in bot.slack.thread(ws.triage, incident.triage_ts)
        ),
        what="the proposal in the thread",
    )

    compared = answer_to(bot, ws.alice, incident.channel_id, "compare")
    body = texts(compared.blocks)
    assert "Where the vectors differ" in body and "User Interaction (UI)" in body
    assert ws.alice in body and ws.bob in body and f"<@{ws.carol}>, picks" in body
    picks = {k: v for k, v in buttons(compared).items() if k.startswith("cvss_pick:")}
    assert picks == {
        "cvss_pick:1": f"{incident.human_id}|{HIGH}",
        "cvss_pick:2": f"{incident.human_id}|{MEDIUM}",
    }

    before = len(bot.slack.ephemerals_for(ws.alice))
    click_note(bot, ws.alice, compared, "cvss_pick:1")
    refusal = newest_ephemeral(bot, ws.alice, before)
    assert refusal.text == f"Only the fix lead, <@{ws.carol}>, picks the final vector."
    before = len(bot.slack.ephemerals_for(ws.dave))
    click_note(bot, ws.dave, compared, "cvss_pick:1")
    assert newest_ephemeral(bot, ws.dave, before).text == NOT_ON_ROSTER
    assert bot.incident(incident.human_id).cvss_score == 9.8

    compared = answer_to(bot, ws.carol, incident.channel_id, "compare")
    click_note(bot, ws.carol, compared, "cvss_pick:1")
    wait_until(lambda: bot.incident(incident.human_id).cvss_vector == HIGH, what="the pick")
    last = records(bot, incident)[-1]
    assert (last.user_id, last.via, last.is_final, last.score) == (ws.carol, "pick", True, 8.8)
    wait_until(
        lambda: any(
            "picked the final vector" in texts(m.blocks)
            for m in bot.slack.thread(ws.triage, incident.triage_ts)
        ),
        what="the pick in the thread",
    )


def test_the_compare_button_on_a_score_post_works_from_the_triage_thread(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    score_with_modal(bot, ws.alice, incident, HIGH)
    post = wait_until(
        lambda: [
            m
            for m in bot.slack.thread(ws.triage, incident.triage_ts)
            if "cvss_compare" in buttons(m)
        ],
        what="the score post",
    )[-1]
    before = len(bot.slack.ephemerals_for(ws.bob))
    click_note(bot, ws.bob, post, "cvss_compare")
    compared = newest_ephemeral(bot, ws.bob, before)
    assert compared.channel == ws.triage and HIGH in texts(compared.blocks)
    click_note(bot, ws.bob, compared, "cvss_pick:1")  # no lead: any member may pick
    wait_until(lambda: records(bot, incident)[-1].via == "pick", what="the pick")

    click_note(bot, ws.bob, post, "cvss_use_vector")
    modal = wait_until(lambda: bot.slack.open_view_for(ws.bob), what="the modal")
    assert modal["callback_id"] == "cvss_modal" and HIGH in texts(modal["blocks"])


def test_a_vector_in_an_incident_channel_is_recorded_only_on_request(bot: RunningBot) -> None:
    ws = bot.workspace
    incident = open_incident(bot)
    note = answer_to(bot, ws.bob, incident.channel_id, f"  {CRITICAL}  ")
    assert "9.8 Critical" in texts(note.blocks) and records(bot, incident) == []
    assert buttons(note)["cvss_record"] == CRITICAL
    before = len(bot.slack.ephemerals_for(ws.bob))
    click_note(bot, ws.bob, note, "cvss_record")
    wait_until(lambda: records(bot, incident), what="the recorded score")
    (row,) = records(bot, incident)
    assert (row.user_id, row.via, row.vector, row.score) == (ws.bob, "command", CRITICAL, 9.8)
    wanted = f"Recorded 9.8 Critical on {incident.human_id}."
    wait_until(lambda: note.text == wanted, what="the answer in place of the question")
    assert not note.blocks and len(bot.slack.ephemerals_for(ws.bob)) == before

    history = answer_to(bot, ws.bob, incident.channel_id, "history")
    assert CRITICAL in texts(history.blocks) and "from `/cvss`" in texts(history.blocks)


def test_outside_incident_channels_the_calculator_records_and_reveals_nothing(
    bot: RunningBot,
) -> None:
    ws = bot.workspace
    incident = open_incident(bot, cvss_vector=HIGH)
    for user in (ws.dave, ws.alice):
        note = answer_to(bot, user, ws.general, MEDIUM)
        shown = note.text + texts(note.blocks)
        assert "5.5 Medium" in shown and "nothing was recorded" in shown
        assert "cvss_record" not in shown
        for secret in (incident.human_id, incident.title, incident.channel_id, HIGH):
            assert secret not in shown
    assert "/cvss history" in answer_to(bot, ws.dave, ws.general, "").text
    assert records(bot, incident) == []
    assert not [v for v in bot.slack.views.values() if v["callback_id"].startswith("cvss")]


def test_people_outside_the_team_get_a_polite_refusal_in_incident_channels(
    bot: RunningBot,
) -> None:
    ws = bot.workspace
    incident = open_incident(bot, cvss_vector=HIGH)
    bot.slack.channel(incident.channel_id).members.append(ws.dave)
    for text in ("", "compare", "history"):
        note = answer_to(bot, ws.dave, incident.channel_id, text)
        assert note.text == NOT_ON_ROSTER and not note.blocks
    calculated = answer_to(bot, ws.dave, incident.channel_id, MEDIUM)
    assert "cvss_record" not in texts(calculated.blocks)
    assert HIGH not in calculated.text + texts(calculated.blocks)
    assert bot.slack.view_stack(ws.dave) == [] and records(bot, incident) == []
    slash_cvss(bot, ws.dave, incident.channel_id)
    assert bot.slack.view_stack(ws.dave) == []

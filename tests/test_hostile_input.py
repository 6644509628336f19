"""Hostile input: every parser takes any text without crashing, and no typed mention pings.

Property tests (hypothesis) feed Unicode, control characters, huge strings and Slack
markup to each parser and builder; a few end-to-end runs send the same through the
real HTTP path and read every call the bot made to Slack for unescaped mentions.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.incident.models import Incident
from bot.incident.validation import IncidentDraft, validate_draft
from bot.intake.github import read_advisory
from bot.intake.report import read_report
from bot.policy.durations import DurationError, parse_duration
from bot.policy.loader import PolicyError, load_policy, policy_from_mapping
from bot.scoring.engine import VectorError, parse_vector, score
from bot.slack.blocks import incident as incident_blocks
from tests.crash.mrkdwn import INJECTIONS, TYPED, parsed_texts, raw_injections
from tests.forms import disclose_values
from tests.harness import RunningBot, wait_until
from tests.slack_api.blockkit import validate_message_blocks

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that is hard on a parser: any Unicode (control characters, surrogates aside),
# Slack markup, right-to-left overrides, zero-width characters, and now and then a lot.
hostile = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.one_of(
            st.sampled_from(INJECTIONS),
            st.sampled_from(["\x00", "\u202e", "\u200b", "\r\n", "*_~`", "&amp;", "🔥", "ǅ"]),
            st.text(max_size=20),
        ),
        max_size=12,
    ).map("".join),
    st.integers(1_000, 70_000).map(lambda n: ("<!channel> ߷" * n)[:n]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | hostile,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile, inner, max_size=4),
    max_leaves=12,
)


@FAST
@given(hostile)
def test_vectors_parse_or_say_what_is_wrong(text: str) -> None:
    try:
        parse_vector(text)
        score(text)
    except VectorError as error:
        assert error.message.strip()


@FAST
@given(hostile)
def test_durations_parse_or_say_what_is_wrong(text: str) -> None:
    try:
        parse_duration(text)
    except DurationError as error:
        assert str(error).strip()


@FAST
@given(st.dictionaries(hostile, json_values, max_size=5))
def test_policy_mappings_load_or_say_what_is_wrong(data: dict[str, Any]) -> None:
    try:
        policy_from_mapping(data, "hostile.toml")
    except PolicyError as error:
        assert str(error).startswith("hostile.toml")


@FAST
@given(st.binary(max_size=400) | hostile.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_policy_files_load_or_say_what_is_wrong(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        path.write_bytes(content)
        try:
            load_policy(path)
        except PolicyError as error:
            assert str(path) in str(error)


fields = st.fixed_dictionaries(
    {},
    optional={
        name: hostile
        for name in (
            "title",
            "description",
            "reporter_name",
            "reporter_contact",
            "source",
            "external_ref",
            "component",
            "affected_versions",
            "cvss_vector",
        )
    },
)


@FAST
@given(fields, st.booleans())
def test_form_validation_answers_every_draft(values: dict[str, str], public: bool) -> None:
    problems = validate_draft(IncidentDraft(**{"title": "", **values}, is_public=public))
    assert isinstance(problems, dict)
    assert all(isinstance(v, str) and v for v in problems.values())


@FAST
@given(json_values | st.dictionaries(st.sampled_from(["title", "description"]), json_values))
def test_intake_documents_become_a_draft_or_problems(document: Any) -> None:
    draft, problems = read_report(document)
    assert (draft is None) == bool(problems)
    advisory, problems = read_advisory(document)
    assert (advisory is None) == bool(problems)


def hostile_incident(title: str, text: str) -> Incident:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return Incident(
        id=1,
        human_id="SEC-2026-0001",
        title=title[:150],
        description=text[:3000],
        reporter_name=text[:200],
        reporter_contact=text[:200],
        source="other",
        external_ref=text[:200],
        component=text[:200],
        affected_versions=text[:500],
        phase="triage",
        opened_by="U0OPENER",
        reported_at=now,
        created_at=now,
        updated_at=now,
        channel_id="C0CHANNEL",
        is_public=False,
    )


@FAST
@given(hostile, hostile)
def test_incident_messages_never_carry_raw_markup_and_fit_slack(title: str, text: str) -> None:
    incident = hostile_incident(title, text)
    messages = [
        (incident_blocks.headline_text(incident), incident_blocks.headline_blocks(incident)),
        (
            incident_blocks.triage_notice_text(incident),
            incident_blocks.triage_notice_blocks(incident),
        ),
        (incident_blocks.topic(incident), []),
        incident_blocks.opened_for_team(incident),
        incident_blocks.received_for_reporter(incident),
        incident_blocks.setup_failed(incident, "channel", "Slack did not answer"),
        incident_blocks.setup_repaired(incident),
    ]
    for message_text, blocks in messages:
        assert not validate_message_blocks(blocks), validate_message_blocks(blocks)
        for shown in parsed_texts({"text": message_text, "blocks": blocks}):
            assert not [token for token in INJECTIONS if token in shown], shown[:300]


def test_hostile_reports_through_slack_ping_nobody(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    markup = " ".join(INJECTIONS)
    reports = [
        dict(title=f"{markup}"[:150], description=markup * 10, reporter_name=markup[:200]),
        dict(title="\u202egnirts desrever \x00\x07 ✓ " + "ǅ" * 100, component="\x1b[31m" * 20),
        dict(title="*bold* _it_ ~s~ `code` > quote", affected_versions="<= 1.0 & >= 0.1 <2"),
    ]
    for number, values in enumerate(reports, start=1):
        bot.driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general)
        view = wait_until(lambda: slack.open_view_for(ws.alice), what="the form")
        answer = bot.driver.submit_view(view["id"], ws.alice, values=disclose_values(**values))
        assert answer.status == 200 and not answer.problems, answer.problems
        bot.wait_for_setup(number)
    incident = bot.incidents()[0]
    assert incident.title == markup[:150]  # stored as typed
    for text in TYPED:
        for command, argument in (("/disclose", text), ("/disclose", f"update {text}")):
            bot.driver.slash(command, argument, user_id=ws.alice, channel_id=incident.channel_id)
        bot.driver.slash("/cvss", f"CVSS:3.1/AV:{text}", user_id=ws.bob, channel_id=ws.general)
    wait_until(lambda: len(slack.ephemerals_for(ws.alice)) >= len(TYPED) * 2, what="answers")
    bot.services.background.wait()
    found = raw_injections(slack)
    assert not found, json.dumps(found[:5], ensure_ascii=False)
    assert all(i.setup_complete for i in bot.incidents())


@FAST
@given(st.one_of(hostile, json_values.map(json.dumps)))
def test_modal_metadata_that_is_not_ours_gives_an_empty_calculator(text: str) -> None:
    from bot.slack.blocks.cvss import CATALOGUES, from_metadata, to_metadata

    state = from_metadata(text)  # a forged private_metadata must not crash the listener
    assert state.version in CATALOGUES
    assert from_metadata(to_metadata(state)) == state


def test_nul_characters_from_slack_are_dropped_before_anything_is_stored(bot: RunningBot) -> None:
    from sqlalchemy import select

    from bot.timeline.models import TimelineEvent
    from tests.vocabulary import command, open_incident

    ws = bot.workspace
    incident = open_incident(bot)
    answer = command(bot, ws.alice, incident.channel_id, "update Patch\x00 under review\x00")
    assert "\x00" not in answer and "went wrong" not in answer.lower()
    bot.services.background.wait()
    with bot.services.db.transaction() as session:
        texts = list(session.scalars(select(TimelineEvent.text)))
    assert any("Patch under review" in text for text in texts)
    assert not any("\x00" in text for text in texts)

"""`/disclose` end to end: signed requests in, what people see in Slack out."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.timeline.models import TimelineEvent
from tests.forms import disclose_values
from tests.harness import RunningBot
from tests.vocabulary import open_form, report, texts


def mrkdwn_texts(message) -> list[str]:
    """Every text Slack would parse for mentions: the message text and mrkdwn objects."""
    found = [message.text or ""]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node.get("text", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.blocks or [])
    return found


def test_disclose_opens_a_private_incident_channel_with_everything(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    response = report(bot, ws.alice)
    assert response.status == 200 and not response.text  # the modal closes
    (incident,) = bot.wait_for_setup()

    assert incident.human_id == "SEC-2026-0001"
    channel = slack.channel(incident.channel_id)
    assert channel.name == "sec-2026-0001-heap-overflow-in-the-yaml-parser"
    assert channel.is_private
    assert {ws.alice, ws.bob, ws.carol, slack.bot_user_id} <= set(channel.members)
    assert ws.dave not in channel.members and ws.erin not in channel.members

    (headline,) = slack.messages(incident.channel_id)
    assert headline.ts == incident.headline_ts and headline.pinned
    body = texts(headline.blocks)
    for expected in (
        "SEC-2026-0001",
        "Heap overflow in the YAML parser",
        "Triage",
        "Rita Reporter",
        "HackerOne",
        "hackerone.com/reports/123456",
        ws.alice,
    ):
        assert expected in body
    assert "Phase: Triage" in channel.topic and "SEC-2026-0001" in channel.topic

    notices = slack.messages(ws.triage)
    assert len(notices) == 1 and notices[0].ts == incident.triage_ts
    assert "SEC-2026-0001" in notices[0].text and incident.channel_id in notices[0].text

    dm = slack.messages(slack.dm_channel(ws.alice))
    assert any(incident.channel_id in m.text for m in dm)

    with bot.services.db.transaction() as session:
        kinds = session.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id)).all()
        actions = session.scalars(select(AuditEntry.action)).all()
        invite_note = session.scalar(
            select(TimelineEvent.text).where(TimelineEvent.kind == "members_invited")
        )
    assert kinds[0] == "created"
    steps = ["channel_created", "members_invited", "headline_posted", "headline_pinned"]
    steps += ["topic_set", "triage_notice"]
    assert [kind for kind in kinds if kind in steps] == steps  # each step once, in order
    assert "incident.open" in actions and "slack.channel_created" in actions
    assert ws.erin not in invite_note  # known to be deactivated: not invited at all


def test_modal_opens_without_touching_the_database(bot: RunningBot) -> None:
    from bot.database import Database

    bot.services.db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    open_form(bot, bot.workspace.alice)


def test_invalid_input_gets_field_errors_and_creates_nothing(bot: RunningBot) -> None:
    alice = bot.workspace.alice
    cases = {
        "title": (dict(title="   "), "A title is required"),
        "external_ref": (dict(external_ref="not a link"), "Reference must be an http(s) link"),
        "cvss_vector": (dict(cvss_vector="cvss:3.1/AV:N/AC:L"), 'not "cvss:3.1"'),
    }
    for field, (values, message) in cases.items():
        answer = report(bot, alice, **values).json()
        assert answer["response_action"] == "errors"
        assert set(answer["errors"]) == {field}
        assert message in answer["errors"][field]
    assert bot.incidents() == []
    assert bot.slack.calls_to("conversations.create") == []


def test_limits_slack_cannot_enforce_are_checked_too() -> None:
    from bot.incident.validation import IncidentDraft, validate_draft

    problems = validate_draft(IncidentDraft(title="x" * 151, source="fax"))
    assert problems["title"] == "The title is 151 characters; at most 150."
    assert problems["source"].startswith("Unknown source 'fax'; allowed: email, hackerone")


def test_double_submission_opens_one_incident(bot: RunningBot) -> None:
    alice = bot.workspace.alice
    view_id = open_form(bot, alice)
    values = disclose_values(title="Double click")
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(
            pool.map(lambda _: bot.driver.submit_view(view_id, alice, values=values), range(3))
        )
    assert all(r.status == 200 for r in responses)
    bot.wait_for_setup()
    time.sleep(0.2)
    assert len(bot.incidents()) == 1
    assert len(bot.slack.calls_to("conversations.create")) == 1


def test_name_collisions_never_fail_the_flow(bot: RunningBot) -> None:
    gateway = bot.services.gateway
    bot.slack.add_channel("sec-2026-0001-leak", is_private=False, members=[])
    archived = gateway.create_private_channel("sec-2026-0001-leak-2")
    gateway.call("conversations.archive", channel=archived["id"])
    report(bot, bot.workspace.alice, title="Leak!")
    (incident,) = bot.wait_for_setup()
    assert incident.channel_name == "sec-2026-0001-leak-3"
    assert bot.slack.channel(incident.channel_id).is_private


def test_a_channel_the_bot_made_for_another_database_is_not_adopted(bot: RunningBot) -> None:
    """The same bot on a reset database (or a second deployment) numbers from 1 again: the
    old embargoed channel of that name stays the old incident's."""
    old = bot.services.gateway.create_private_channel("sec-2026-0001-leak")
    bot.slack.add_message(old["id"], bot.workspace.alice, "Old embargoed discussion")
    report(bot, bot.workspace.alice, title="Leak")
    (incident,) = bot.wait_for_setup()
    assert incident.channel_id != old["id"]
    assert incident.channel_name == "sec-2026-0001-leak-2"


def test_titles_of_any_script_make_valid_names(bot: RunningBot) -> None:
    report(bot, bot.workspace.alice, title="🔥🔥 <!channel> Überlauf im Parser ✓")
    (incident,) = bot.wait_for_setup()
    assert incident.channel_name == "sec-2026-0001-channel-uberlauf-im-parser"
    headline = bot.slack.messages(incident.channel_id)[0]
    notice = bot.slack.messages(bot.workspace.triage)[0]
    for message in (headline, notice):
        parsed = mrkdwn_texts(message)
        assert not any("<!channel>" in text for text in parsed)
        assert any("&lt;!channel&gt;" in text for text in parsed)


def test_slack_failure_keeps_the_incident_and_retry_finishes_once(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    slack.fail("pins.add", status=500, times=100)
    report(bot, ws.alice)
    bot.wait_idle()  # the set-up ran until the pin failed and Alice was told
    assert slack.dm_channel(ws.alice)
    dm = [m for m in slack.messages(slack.dm_channel(ws.alice) or "") if "Retry" in texts(m.blocks)]
    assert dm, "no retry offer"
    incident = bot.incident()
    assert incident.channel_id and incident.headline_ts and not incident.headline_pinned
    assert "pin" in (incident.setup_error or "")
    slack.clear_faults()

    bot.driver.block_action(
        ws.alice,
        "incident_setup_retry",
        value=incident.human_id,
        message=dm[-1],
        channel_id=slack.dm_channel(ws.alice),
    )
    bot.wait_idle()  # the retry's set-up finished
    (incident,) = bot.incidents()
    assert incident.setup_complete and incident.opener_told
    assert incident.setup_error is None
    assert len(slack.calls_to("conversations.create")) == 1
    assert len(slack.messages(incident.channel_id)) == 1  # one headline, now pinned
    assert slack.messages(incident.channel_id)[0].pinned
    assert len(slack.messages(ws.triage)) == 1


def test_short_rate_limits_are_waited_out(bot: RunningBot) -> None:
    bot.slack.fail("conversations.invite", error="ratelimited", times=1, retry_after=1)
    report(bot, bot.workspace.alice)
    (incident,) = bot.wait_for_setup()
    assert incident.setup_error is None
    limited = [c for c in bot.slack.calls_to("conversations.invite") if c.status == 429]
    assert len(limited) == 1


def test_a_crash_after_channel_creation_adopts_the_channel(bot: RunningBot) -> None:
    from bot.incident import service as incidents
    from bot.incident.validation import IncidentDraft
    from bot.slack.setup import IncidentSetup

    with bot.services.db.transaction() as session:
        incident, _ = incidents.open_incident(
            session,
            IncidentDraft(title="Crash"),
            opened_by=bot.workspace.alice,
            now=bot.clock.now(),
            prefix="SEC",
        )
        incident.channel_name = "sec-2026-0001-crash"
        incident_id = incident.id
    # Slack created the channel, then the process died before recording it.
    orphan = bot.services.gateway.create_private_channel("sec-2026-0001-crash")
    IncidentSetup(bot.services).run(incident_id)
    incident = bot.incident()
    assert incident.channel_id == orphan["id"] and incident.setup_complete
    assert len(bot.slack.calls_to("conversations.create")) == 2  # the orphan, one refused retry


def test_someone_outside_the_team_can_report_but_sees_nothing_else(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    report(bot, ws.dave, title="Secret thing I found")
    (incident,) = bot.wait_for_setup()
    assert ws.dave not in slack.channel(incident.channel_id).members
    dm = slack.messages(slack.dm_channel(ws.dave))
    assert len(dm) == 1 and "SEC-2026-0001" in dm[0].text
    assert "Secret thing" not in dm[0].text and incident.channel_id not in dm[0].text
    with bot.services.db.transaction() as session:
        receipt = session.scalar(
            select(TimelineEvent.text).where(TimelineEvent.kind == "receipt_sent")
        )
    assert receipt == f"Receipt sent to <@{ws.dave}>"

    bot.driver.slash("/disclose", "status", user_id=ws.dave, channel_id=incident.channel_id)
    bot.wait_idle()
    refusal = [e for e in slack.ephemerals if e.user == ws.dave]
    assert refusal, "no answer to Dave"
    assert "Only the security team" in refusal[-1].text
    assert "Secret" not in json.dumps(refusal[-1].__dict__, default=str)


def test_status_answers_only_the_asker(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    report(bot, ws.alice)
    (incident,) = bot.wait_for_setup()
    bot.driver.slash("/disclose", "status", user_id=ws.bob, channel_id=incident.channel_id)
    bot.wait_idle()
    answer = [e for e in slack.ephemerals if e.user == ws.bob]
    assert answer and "SEC-2026-0001" in answer[-1].text
    bot.driver.slash("/disclose", "status", user_id=ws.bob, channel_id=ws.general)
    bot.wait_idle()
    answer = [e for e in slack.ephemerals if e.user == ws.bob and "incident's channel" in e.text]
    assert answer and "SEC-2026-0001" not in answer[-1].text


def test_forged_and_stale_requests_are_refused(bot: RunningBot) -> None:
    body = b"command=%2Fdisclose&text=&user_id=" + bot.workspace.alice.encode() + b"&trigger_id=x"
    forged = bot.driver.sign(body)
    forged["X-Slack-Signature"] = "v0=" + "0" * 64
    assert bot.driver.post_raw(body, forged).status == 401
    stale = bot.driver.sign(body, timestamp=int(time.time()) - 6 * 60)
    assert bot.driver.post_raw(body, stale).status == 401
    assert bot.slack.calls_to("views.open") == []


def test_health_check_follows_the_database(bot: RunningBot) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{bot.server.url}/healthz") as response:
        assert response.status == 200
    from bot.database import Database

    bot.services.db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        urllib.request.urlopen(f"{bot.server.url}/healthz")
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as error:
        assert error.code == 503


def test_a_public_triage_channel_is_never_posted_to(bot: RunningBot) -> None:
    from bot.bootstrap import identify
    from bot.config import ConfigError

    slack, ws = bot.slack, bot.workspace
    public = slack.add_channel("public-triage", is_private=False, members=[slack.bot_user_id])
    bot.services.triage.channel_id = public
    bot.services.triage._checked_at = None
    report(bot, ws.alice)
    bot.wait_idle()  # the set-up ran and stopped at the triage notice
    assert "triage channel is public" in (bot.incident().setup_error or "")
    assert slack.messages(public) == []
    try:
        identify(bot.services)
        raise AssertionError("a public triage channel must stop start-up")
    except ConfigError as error:
        assert "is public, and incident details only ever go to private channels" in str(error)

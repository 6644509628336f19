"""Slack's request signatures: anything forged, stale, replayed or altered is a 401.

Each case is tried on every kind of request the bot serves (slash command, button,
view submission, event), and after all of them the database and the local Slack
server show that nothing happened.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.crash.snapshot import rows
from tests.forms import disclose_values
from tests.harness import RunningBot

# Slack's window is five minutes either way; the margin keeps a request signed in one
# second and checked in the next from landing back inside it.
STALE = 5 * 60 + 30


def bodies(bot: RunningBot) -> dict[str, tuple[bytes, str]]:
    ws, slack = bot.workspace, bot.slack
    command = {
        "command": "/disclose",
        "text": "",
        "user_id": ws.alice,
        "channel_id": ws.general,
        "team_id": slack.team_id,
        "trigger_id": slack.issue_trigger(ws.alice),
        "response_url": slack.issue_response_url(ws.alice, ws.general),
    }
    base = {"team": {"id": slack.team_id}, "user": {"id": ws.alice}, "api_app_id": slack.app_id}
    click = {
        **base,
        "type": "block_actions",
        "trigger_id": slack.issue_trigger(ws.alice),
        "actions": [{"action_id": "incident_setup_retry", "value": "SEC-2026-0001"}],
    }
    submission = {
        **base,
        "type": "view_submission",
        "view": {
            "id": "VFORGED01",
            "type": "modal",
            "callback_id": "disclose_submit",
            "state": {"values": disclose_values(title="Forged")},
        },
    }
    event = {
        "type": "event_callback",
        "team_id": slack.team_id,
        "event_id": "EvFORGED",
        "event": {"type": "app_home_opened", "user": ws.alice, "tab": "home"},
    }
    form = "application/x-www-form-urlencoded"
    return {
        "slash command": (urlencode(command).encode(), form),
        "button": (urlencode({"payload": json.dumps(click)}).encode(), form),
        "view submission": (urlencode({"payload": json.dumps(submission)}).encode(), form),
        "event": (json.dumps(event).encode(), "application/json"),
    }


def forgeries(bot: RunningBot, body: bytes) -> dict[str, tuple[bytes, dict[str, str]]]:
    from tests.slack_api.transport import BotConnection

    now = int(time.time())
    wrong = BotConnection("http://x/", "not-the-signing-secret", 1).sign(body, now)
    signed_long_ago = bot.driver.sign(body, now - STALE)
    replayed = {**signed_long_ago, "X-Slack-Request-Timestamp": str(now)}
    good = bot.driver.sign(body, now)
    return {
        "wrong secret": (body, wrong),
        "stale timestamp": (body, signed_long_ago),
        "future timestamp": (body, bot.driver.sign(body, now + STALE)),
        "replayed with a new timestamp": (body, replayed),
        "no signature": (body, {"X-Slack-Request-Timestamp": str(now)}),
        "no timestamp": (body, {"X-Slack-Signature": good["X-Slack-Signature"]}),
        "no headers": (body, {}),
        "altered after signing": (body.replace(b"alice", b"mallory") + b"&x=1", good),
        "empty signature": (body, {**good, "X-Slack-Signature": ""}),
        "timestamp not a number": (body, {**good, "X-Slack-Request-Timestamp": "soon"}),
    }


@pytest.mark.parametrize("kind", ["slash command", "button", "view submission", "event"])
def test_every_forgery_is_refused_and_changes_nothing(bot: RunningBot, kind: str) -> None:
    body, content_type = bodies(bot)[kind]
    before, calls_before = rows(bot.services.db), len(bot.slack.calls)
    for case, (sent, headers) in forgeries(bot, body).items():
        answer = bot.driver.post_raw(sent, {"Content-Type": content_type, **headers})
        assert answer.status == 401, f"{kind}, {case}: {answer.status} {answer.text[:200]}"
        assert "SEC-" not in answer.text
    bot.services.background.wait()
    assert rows(bot.services.db) == before
    assert bot.slack.calls[calls_before:] == []
    # The same body, signed properly, is served: the refusals above were the signatures'.
    answer = bot.driver.post_raw(body, {"Content-Type": content_type, **bot.driver.sign(body)})
    assert answer.status == 200, f"{kind}: a well-signed copy got {answer.status}"

"""The project's local Slack server behaves like Slack where the bot depends on it."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.slack_api import FakeSlack, SlackDriver, SubmissionRefused
from tests.slack_api.blockkit import validate_message_blocks, validate_view

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=TOKEN) as slack:
        yield slack


@pytest.fixture
def slack(server: FakeSlack) -> FakeSlack:
    server.reset()
    return server


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url)


@pytest.fixture
def alice(slack: FakeSlack) -> str:
    return slack.add_user("alice", real_name="Alice Liddell", tz="Europe/Berlin")


def error_of(call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)
    return dict(raised.value.response.data)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def modal(blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Report"}}
    view["blocks"] = blocks if blocks is not None else [section("hello")]
    return {**view, **extra}


def text_input(block_id: str = "title", **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Title"},
        "element": {"type": "plain_text_input", "action_id": "value", **element},
    }


# -- auth and scopes -------------------------------------------------------------------------


def test_auth_errors_and_scopes(slack: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == slack.bot_user_id and answer["team_id"] == slack.team_id
    assert "chat:write" in answer.headers["x-oauth-scopes"].split(",")
    assert error_of(WebClient(base_url=slack.base_url).auth_test)["error"] == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=slack.base_url)
    assert error_of(wrong.auth_test)["error"] == "invalid_auth"

    slack.scopes.discard("groups:write")
    refused = error_of(client.conversations_create, name="secret", is_private=True)
    assert refused["error"] == "missing_scope" and refused["needed"] == "groups:write"
    assert "chat:write" in refused["provided"].split(",")
    assert client.conversations_create(name="open-to-all")["ok"]


def test_unknown_method_is_a_404(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.shout")
    assert raised.value.response.status_code == 404
    assert raised.value.response["error"] == "unknown_method"


# -- channels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Upper", "invalid_name_specials"),
        ("with space", "invalid_name_specials"),
        ("sec.2026", "invalid_name_specials"),
        ("--_", "invalid_name_punctuation"),
    ],
)
def test_channel_name_rules(client: WebClient, name: str, error: str) -> None:
    assert error_of(client.conversations_create, name=name)["error"] == error


def test_longest_valid_name_and_name_taken_even_when_archived(
    slack: FakeSlack, client: WebClient
) -> None:
    created = client.conversations_create(name="a" * 80, is_private=True)["channel"]
    assert created["is_private"] and created["name"] == "a" * 80
    slack.add_channel("sec-2026-0001-old", is_private=True, is_archived=True)
    refused = error_of(client.conversations_create, name="sec-2026-0001-old", is_private=True)
    assert refused["error"] == "name_taken"


def test_private_channels_are_invisible_to_non_members(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    hidden = slack.add_channel("hidden", is_private=True, members=[alice])
    assert error_of(client.conversations_info, channel=hidden)["error"] == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=hidden, text="hi")["error"] == (
        "channel_not_found"
    )
    assert error_of(client.conversations_setTopic, channel=hidden, topic="x")["error"] == (
        "channel_not_found"
    )
    assert error_of(client.conversations_invite, channel=hidden, users=alice)["error"] == (
        "channel_not_found"
    )
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert hidden not in [channel["id"] for channel in listed]


def test_public_channel_needs_membership_or_chat_write_public(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    general = slack.add_channel("general", members=[alice])
    assert client.conversations_info(channel=general)["channel"]["is_member"] is False
    assert error_of(client.chat_postMessage, channel=general, text="hi")["error"] == (
        "not_in_channel"
    )
    assert error_of(client.pins_list, channel=general)["error"] == "not_in_channel"
    slack.scopes.add("chat:write.public")
    assert client.chat_postMessage(channel="#general", text="hi")["channel"] == general
    client.conversations_join(channel=general)
    assert slack.bot_user_id in slack.channel(general).members


def test_archived_channels_refuse_changes(slack: FakeSlack, client: WebClient) -> None:
    channel = client.conversations_create(name="done", is_private=True)["channel"]["id"]
    client.conversations_archive(channel=channel)
    assert error_of(client.conversations_archive, channel=channel)["error"] == "already_archived"
    assert error_of(client.chat_postMessage, channel=channel, text="x")["error"] == "is_archived"
    assert error_of(client.conversations_setTopic, channel=channel, topic="x")["error"] == (
        "is_archived"
    )
    client.conversations_unarchive(channel=channel)
    assert client.chat_postMessage(channel=channel, text="back")["ok"]


def test_invite_errors_follow_slack(slack: FakeSlack, client: WebClient, alice: str) -> None:
    gone = slack.add_user("erin", deleted=True)
    bob = slack.add_user("bob")
    channel = client.conversations_create(name="incident", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=channel, users=alice)
    assert slack.channel(channel).members == [slack.bot_user_id, alice]

    def refused(users: str, **extra: Any) -> str:
        return error_of(client.conversations_invite, channel=channel, users=users, **extra)["error"]

    assert refused(alice) == "already_in_channel"
    assert refused("U0NOBODY00") == "user_not_found"
    assert refused(slack.bot_user_id) == "cant_invite_self"
    assert refused(gone) == "cant_invite"
    assert refused(",".join([f"U0NOBODY{n:04d}" for n in range(1001)])) == "too_many_users"
    # One bad user fails the whole call; nobody is invited.
    whole = error_of(client.conversations_invite, channel=channel, users=f"{bob},{gone}")
    assert whole["errors"] == [{"user": gone, "ok": False, "error": "cant_invite"}]
    assert bob not in slack.channel(channel).members
    # With force the valid ones get in and the rest are reported.
    forced = client.conversations_invite(channel=channel, users=f"{bob},{gone}", force=True)
    assert bob in slack.channel(channel).members
    assert forced["errors"][0]["user"] == gone


def test_list_paginates_and_open_makes_one_dm(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    for number in range(5):
        client.conversations_create(name=f"room-{number}")
    names, cursor = [], None
    while True:
        page = client.conversations_list(limit=2, cursor=cursor, exclude_archived=True)
        names += [channel["name"] for channel in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == [f"room-{number}" for number in range(5)]
    first = client.conversations_open(users=alice)["channel"]["id"]
    assert first.startswith("D") and slack.dm_channel(alice) == first
    assert client.conversations_open(users=alice)["channel"]["id"] == first
    client.chat_postMessage(channel=alice, text="psst")
    assert [m.text for m in slack.messages(first)] == ["psst"]


# -- messages ---------------------------------------------------------------------------------


@pytest.fixture
def room(client: WebClient, alice: str) -> str:
    channel = client.conversations_create(name="sec-room", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=channel, users=alice)
    return channel


def test_threads_and_timestamps(slack: FakeSlack, client: WebClient, room: str) -> None:
    parent = client.chat_postMessage(channel=room, text="headline")["ts"]
    replies = [
        client.chat_postMessage(channel=room, text=f"update {n}", thread_ts=parent)["ts"]
        for n in range(3)
    ]
    shout = client.chat_postMessage(
        channel=room, text="to all", thread_ts=parent, reply_broadcast=True
    )
    assert sorted([parent, *replies]) == [parent, *replies] and len(set(replies)) == 3
    assert [m.text for m in slack.thread(room, parent)] == [f"update {n}" for n in range(3)] + [
        "to all"
    ]
    assert [m.text for m in slack.messages(room)] == ["headline", "to all"]
    thread = client.conversations_replies(channel=room, ts=parent)["messages"]
    assert thread[0]["reply_count"] == 4 and thread[1]["thread_ts"] == parent
    history = client.conversations_history(channel=room)["messages"]
    assert [m["ts"] for m in history] == [shout["ts"], parent]
    refused = error_of(client.chat_postMessage, channel=room, text="x", thread_ts="1.000001")
    assert refused["error"] == "thread_not_found"


NO_TEXT_WARNING = "ignore:The top-level `text` argument is missing:UserWarning"


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
def test_message_content_rules(client: WebClient, room: str) -> None:
    assert error_of(client.chat_postMessage, channel=room)["error"] == "no_text"
    too_long = error_of(client.chat_postMessage, channel=room, text="x" * 40_001)
    assert too_long["error"] == "msg_too_long"
    only_blocks = client.chat_postMessage(channel=room, blocks=[section("hi")])
    assert only_blocks["response_metadata"]["warnings"] == [
        "missing_text_or_fallback_or_attachments"
    ]


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
def test_update_delete_and_pins(slack: FakeSlack, client: WebClient, room: str, alice: str) -> None:
    ts = client.chat_postMessage(channel=room, text="v1")["ts"]
    updated = client.chat_update(channel=room, ts=ts, text="v2", blocks=[section("v2")])
    assert updated["ts"] == ts
    message = slack.messages(room)[0]
    assert (message.text, message.edited is not None, message.ts) == ("v2", True, ts)
    client.chat_update(channel=room, ts=ts, blocks=[])
    assert message.blocks is None and message.text == "v2"
    assert error_of(client.chat_update, channel=room, ts="1.000002", text="x")["error"] == (
        "message_not_found"
    )
    theirs = slack.add_message(room, alice, "mine")
    assert error_of(client.chat_update, channel=room, ts=theirs, text="x")["error"] == (
        "cant_update_message"
    )
    client.pins_add(channel=room, timestamp=ts)
    assert slack.channel(room).pins == [ts] and message.pinned
    assert error_of(client.pins_add, channel=room, timestamp=ts)["error"] == "already_pinned"
    assert error_of(client.pins_add, channel=room, timestamp="1.000003")["error"] == (
        "message_not_found"
    )
    assert client.pins_list(channel=room)["items"][0]["message"]["ts"] == ts
    link = client.chat_getPermalink(channel=room, message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/{room}/p{ts.replace('.', '')}")
    client.chat_delete(channel=room, ts=ts)
    assert slack.messages(room) == [slack.message(room, theirs)] and slack.channel(room).pins == []


def test_topic_and_ephemeral(slack: FakeSlack, client: WebClient, room: str, alice: str) -> None:
    assert error_of(client.conversations_setTopic, channel=room, topic="t" * 251)["error"] == (
        "too_long"
    )
    client.conversations_setTopic(channel=room, topic="triage | High | @alice")
    assert slack.channel(room).topic == "triage | High | @alice"
    client.chat_postEphemeral(channel=room, user=alice, text="only you")
    bob = slack.add_user("bob")
    refused = error_of(client.chat_postEphemeral, channel=room, user=bob, text="x")
    assert refused["error"] == "user_not_in_channel"
    assert [(e.user, e.text) for e in slack.ephemerals] == [(alice, "only you")]


def test_concurrent_posts_get_distinct_rising_timestamps(client: WebClient, room: str) -> None:
    stamps: list[str] = []

    def post() -> None:
        for _ in range(10):
            stamps.append(client.chat_postMessage(channel=room, text="x")["ts"])

    workers = [threading.Thread(target=post) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(stamps)) == 40


# -- views ------------------------------------------------------------------------------------


def test_trigger_ids_are_single_use_and_expire(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    trigger = slack.issue_trigger(alice)
    assert client.views_open(trigger_id=trigger, view=modal())["view"]["id"].startswith("V")
    assert error_of(client.views_open, trigger_id=trigger, view=modal())["error"] == (
        "exchanged_trigger_id"
    )
    late = slack.issue_trigger(alice)
    slack.advance(3.1)
    assert error_of(client.views_open, trigger_id=late, view=modal())["error"] == (
        "expired_trigger_id"
    )
    assert error_of(client.views_open, trigger_id="1.2.3", view=modal())["error"] == (
        "invalid_trigger_id"
    )


def test_view_hash_push_limit_and_closed_views(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    view = client.views_open(trigger_id=slack.issue_trigger(alice), view=modal())["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal())["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    stale = error_of(client.views_update, view_id=view["id"], hash=view["hash"], view=modal())
    assert stale["error"] == "hash_conflict"
    for _ in range(2):
        client.views_push(trigger_id=slack.issue_trigger(alice, view["id"]), view=modal())
    assert len(slack.view_stack(alice)) == 3
    top = slack.view_stack(alice)[-1]
    full = error_of(client.views_push, trigger_id=slack.issue_trigger(alice, top), view=modal())
    assert full["error"] == "push_limit_reached"
    outside = error_of(client.views_push, trigger_id=slack.issue_trigger(alice), view=modal())
    assert outside["error"] == "invalid_trigger_id"  # a trigger from outside the modal
    assert error_of(client.views_update, view_id="V0NOPE0000", view=modal())["error"] == "not_found"
    home = client.views_publish(user_id=alice, view={"type": "home", "blocks": [section("hi")]})
    assert slack.home_for(alice)["id"] == home["view"]["id"]


def test_view_errors_name_the_offending_field(
    slack: FakeSlack, client: WebClient, alice: str
) -> None:
    refused = error_of(
        client.views_open,
        trigger_id=slack.issue_trigger(alice),
        view=modal(title={"type": "plain_text", "text": "A title that is far too long"}),
    )
    assert refused["error"] == "invalid_arguments"
    assert refused["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


# -- Block Kit limits -------------------------------------------------------------------------


def button(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Go"},
        "action_id": "go",
        **overrides,
    }


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(value: str, text: str = "Option") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def select(**overrides: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "options": [option("a")], **overrides}


CONFIRM = {
    "title": plain("Sure?"),
    "text": plain("Really"),
    "confirm": plain("Yes"),
    "deny": plain("No"),
}

MESSAGE_LIMITS = [
    ("51 blocks", [section("x")] * 51, "/blocks"),
    ("unknown block", [{"type": "carousel"}], "/blocks/0/type"),
    ("long block_id", [{**section("x"), "block_id": "b" * 256}], "/blocks/0/block_id"),
    (
        "duplicate block_id",
        [{**section("x"), "block_id": "b"}, {**section("y"), "block_id": "b"}],
        "/blocks/1/block_id",
    ),
    ("section text", [section("x" * 3001)], "/blocks/0/text/text"),
    ("empty text", [section("")], "/blocks/0/text/text"),
    (
        "text type",
        [{"type": "section", "text": {"type": "html", "text": "x"}}],
        "/blocks/0/text/type",
    ),
    ("11 fields", [{"type": "section", "fields": [plain("f")] * 11}], "/blocks/0/fields"),
    ("long field", [{"type": "section", "fields": [plain("f" * 2001)]}], "/blocks/0/fields/0/text"),
    ("header length", [{"type": "header", "text": plain("h" * 151)}], "/blocks/0/text/text"),
    (
        "header mrkdwn",
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "/blocks/0/text/type",
    ),
    (
        "11 context items",
        [{"type": "context", "elements": [plain("c")] * 11}],
        "/blocks/0/elements",
    ),
    (
        "26 actions",
        [actions(*[button(action_id=f"b{i}") for i in range(26)])],
        "/blocks/0/elements",
    ),
    ("button text", [actions(button(text=plain("b" * 76)))], "/blocks/0/elements/0/text/text"),
    ("action_id", [actions(button(action_id="a" * 256))], "/blocks/0/elements/0/action_id"),
    ("same action_id", [actions(button(), button())], "/blocks/0/elements/1/action_id"),
    ("button value", [actions(button(value="v" * 2001))], "/blocks/0/elements/0/value"),
    ("button url", [actions(button(url="u" * 3001))], "/blocks/0/elements/0/url"),
    (
        "confirm title",
        [actions(button(confirm={**CONFIRM, "title": plain("t" * 101)}))],
        "/blocks/0/elements/0/confirm/title/text",
    ),
    (
        "confirm text",
        [actions(button(confirm={**CONFIRM, "text": plain("t" * 301)}))],
        "/blocks/0/elements/0/confirm/text/text",
    ),
    (
        "confirm button",
        [actions(button(confirm={**CONFIRM, "confirm": plain("c" * 31)}))],
        "/blocks/0/elements/0/confirm/confirm/text",
    ),
    (
        "deny button",
        [actions(button(confirm={**CONFIRM, "deny": plain("d" * 31)}))],
        "/blocks/0/elements/0/confirm/deny/text",
    ),
    (
        "101 options",
        [actions(select(options=[option(str(i)) for i in range(101)]))],
        "/blocks/0/elements/0/options",
    ),
    (
        "option text",
        [actions(select(options=[option("a", "o" * 76)]))],
        "/blocks/0/elements/0/options/0/text/text",
    ),
    (
        "option value",
        [actions(select(options=[option("v" * 151)]))],
        "/blocks/0/elements/0/options/0/value",
    ),
    (
        "101 option groups",
        [
            actions(
                select(
                    options=None,
                    option_groups=[{"label": plain("g"), "options": [option("a")]}] * 101,
                )
            )
        ],
        "/blocks/0/elements/0/option_groups",
    ),
    (
        "initial option",
        [actions(select(initial_option=option("zzz")))],
        "/blocks/0/elements/0/initial_option",
    ),
    (
        "select placeholder",
        [actions(select(placeholder=plain("p" * 151)))],
        "/blocks/0/elements/0/placeholder/text",
    ),
    (
        "unknown element",
        [actions({"type": "slider", "action_id": "s"})],
        "/blocks/0/elements/0/type",
    ),
    ("input label", [{**text_input(), "label": plain("l" * 2001)}], "/blocks/0/label/text"),
    ("input hint", [{**text_input(), "hint": plain("h" * 2001)}], "/blocks/0/hint/text"),
    (
        "placeholder",
        [text_input(placeholder=plain("p" * 151))],
        "/blocks/0/element/placeholder/text",
    ),
    ("max_length", [text_input(max_length=3001)], "/blocks/0/element/max_length"),
    ("min_length", [text_input(min_length=3001)], "/blocks/0/element/min_length"),
]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [pytest.param(blocks, pointer, id=name) for name, blocks, pointer in MESSAGE_LIMITS],
)
def test_block_kit_limits_on_messages(
    client: WebClient, room: str, blocks: list[dict[str, Any]], pointer: str
) -> None:
    refused = error_of(client.chat_postMessage, channel=room, text="t", blocks=blocks)
    assert refused["error"] == "invalid_blocks"
    messages = refused["response_metadata"]["messages"]
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages


VIEW_LIMITS = [
    ("101 blocks", modal([section("x")] * 101), "/view/blocks"),
    ("type", {**modal(), "type": "dialog"}, "/view/type"),
    ("title", modal(title=plain("t" * 25)), "/view/title/text"),
    ("submit", modal(submit=plain("s" * 25)), "/view/submit/text"),
    ("close", modal(close=plain("c" * 25)), "/view/close/text"),
    ("inputs need submit", modal([text_input()]), "/view/submit"),
    ("private_metadata", modal(private_metadata="m" * 3001), "/view/private_metadata"),
    ("callback_id", modal(callback_id="c" * 256), "/view/callback_id"),
    ("external_id", modal(external_id="e" * 256), "/view/external_id"),
    ("block in view", modal([section("x" * 3001)]), "/view/blocks/0/text/text"),
]


@pytest.mark.parametrize(
    ("view", "pointer"),
    [pytest.param(view, pointer, id=name) for name, view, pointer in VIEW_LIMITS],
)
def test_block_kit_limits_on_views(
    slack: FakeSlack, client: WebClient, alice: str, view: dict[str, Any], pointer: str
) -> None:
    refused = error_of(client.views_open, trigger_id=slack.issue_trigger(alice), view=view)
    assert refused["error"] == "invalid_arguments"
    messages = refused["response_metadata"]["messages"]
    assert any(m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages


def test_rich_valid_payloads_pass() -> None:
    blocks = [
        {"type": "header", "text": plain("SEC-2026-0042")},
        {
            "type": "section",
            "block_id": "status",
            "text": {"type": "mrkdwn", "text": "*Phase:* triage"},
            "fields": [plain("Severity"), plain("High")],
            "accessory": select(initial_option=option("a")),
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "due <!date^1^{date}|x>"}]},
        actions(button(style="primary", confirm=CONFIRM), button(action_id="other", value="v")),
    ]
    assert validate_message_blocks(blocks) == []
    assert validate_view(modal([text_input(max_length=3000)], submit=plain("Open"))) == []
    assert validate_view({"type": "home", "blocks": blocks}) == []


# -- faults -----------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("conversations.create", error="ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="later")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert client.conversations_create(name="later")["ok"]
    assert [call.status for call in slack.calls_to("conversations.create")] == [429, 200]


def test_slack_sdk_retry_handler_waits_out_a_rate_limit(slack: FakeSlack) -> None:
    patient = WebClient(
        token=TOKEN, base_url=slack.base_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    slack.fail("conversations.create", error="ratelimited", retry_after=0)
    assert patient.conversations_create(name="eventually")["ok"]
    assert [call.error for call in slack.calls_to("conversations.create")] == ["ratelimited", None]


def test_server_errors_drops_and_lost_replies(slack: FakeSlack, client: WebClient) -> None:
    room = client.conversations_create(name="flaky")["channel"]["id"]
    slack.fail("chat.postMessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=room, text="x")
        assert raised.value.response.status_code == 500
    slack.fail("pins.add", error="internal_error")
    assert error_of(client.pins_add, channel=room, timestamp="1.1")["error"] == "internal_error"
    slack.fail("chat.update", drop=True)
    impatient = WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[])
    with pytest.raises(OSError):
        impatient.chat_update(channel=room, ts="1.1", text="x")
    assert [call.error for call in slack.calls_to("chat.update")] == ["connection_dropped"]
    # The post happened, but its reply was lost: a retry would post twice.
    slack.fail("chat.postMessage", status=503, after_effect=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=room, text="kept")
    assert [m.text for m in slack.messages(room)] == ["kept"]
    slack.fail("chat.postMessage", error="ratelimited", when=lambda p: p.get("text") == "b")
    client.chat_postMessage(channel=room, text="a")
    assert error_of(client.chat_postMessage, channel=room, text="b")["error"] == "ratelimited"


def test_history_shows_message_metadata_only_when_asked(client: WebClient, room: str) -> None:
    marker = {"event_type": "disclosure_post", "event_payload": {"post_key": "k1"}}
    parent = client.chat_postMessage(channel=room, text="a", metadata=marker)["ts"]
    client.chat_postMessage(channel=room, text="b", thread_ts=parent, metadata=marker)
    for method, args in (
        (client.conversations_history, {}),
        (client.conversations_replies, {"ts": parent}),
    ):
        plain = method(channel=room, **args)["messages"]
        assert all("metadata" not in message for message in plain)
        full = method(channel=room, include_all_metadata=True, **args)["messages"]
        assert [message["metadata"] for message in full] == [marker] * len(full)


def _post_until_answered(client: WebClient, room: str, text: str) -> list[str]:
    """Post, retrying the identical call; what each failed attempt looked like."""
    failures: list[str] = []
    while True:
        try:
            client.chat_postMessage(channel=room, text=text)
            return failures
        except SlackApiError as exc:
            failures.append(str(exc.response.status_code))
            if exc.response.status_code == 429:
                assert exc.response.headers["Retry-After"] == "1"
        except OSError:
            failures.append("no answer")
        assert len(failures) < 2, f"{text} failed twice in a row: {failures}"


def test_a_seeded_storm_fails_every_method_before_and_after_the_effect(
    slack: FakeSlack, room: str
) -> None:
    impatient = WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[], timeout=0.4)

    def play() -> tuple[list[list[str]], list[tuple[str, str]]]:
        for message in list(slack.workspace.channels[room].messages):
            message.deleted = True
        storm = slack.storm(0.3, seed=7, slow=0.6, spare=("auth.test",))
        tries = [_post_until_answered(impatient, room, f"post {n}") for n in range(24)]
        impatient.auth_test()
        impatient.auth_test()
        hits = [(call.method, call.error) for call in slack.calls if call.error]
        posted = [m.text for m in slack.messages(room)]
        after = sum(n for (_, kind), n in storm.hits.items() if kind.endswith("_after"))
        assert storm.methods_hit() == {"chat.postMessage"}  # auth.test is spared
        assert tries[0], "a method's first call always fails"
        assert sum(map(len, tries)) == sum(storm.hits.values()) > 7
        # Lost answers: the work was done, so the retry posted a second copy.
        assert len(posted) == 24 + after and after > 0
        assert {kind.removesuffix("_after") for _, kind in storm.hits} == {
            "ratelimited",
            "http_500",
            "http_503",
            "drop",
            "slow",
        }
        slack.clear_faults()
        assert slack.faults.storm is None
        return tries, hits

    first = play()
    slack.workspace.calls.clear()
    assert play() == first, "the same seed fails the same calls the same way"


# -- files ------------------------------------------------------------------------------------


def test_files_upload_v2_round_trip(slack: FakeSlack, client: WebClient, room: str) -> None:
    parent = client.chat_postMessage(channel=room, text="export")["ts"]
    answer = client.files_upload_v2(
        channel=room,
        filename="advisory.md",
        content="# Advisory\n",
        title="Advisory draft",
        initial_comment="Draft attached",
        thread_ts=parent,
    )
    assert answer["file"]["name"] == "advisory.md"
    [stored] = slack.files
    assert (stored.channel, stored.title, stored.content) == (
        room,
        "Advisory draft",
        b"# Advisory\n",
    )
    assert (stored.initial_comment, stored.thread_ts) == ("Draft attached", parent)
    hidden = slack.add_channel("elsewhere", is_private=True)
    refused = error_of(client.files_upload_v2, channel=hidden, filename="a", content="b")
    assert refused["error"] == "channel_not_found"


# -- the driver and a real Bolt app -----------------------------------------------------------


class BoltServer:
    """A Bolt app served over HTTP on a local port, like the bot is."""

    def __init__(self, app: App) -> None:
        bolt = app

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                headers = {key.lower(): [value] for key, value in self.headers.items()}
                answer = bolt.dispatch(BoltRequest(body=body, headers=headers))
                data = answer.body.encode()
                self.send_response(answer.status)
                for key, values in answer.headers.items():
                    for value in values:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        serve = threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/slack/events"

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def bolt_app(slack: FakeSlack) -> Iterator[tuple[App, SlackDriver]]:
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=slack.base_url),
        process_before_response=True,
    )
    served = BoltServer(app)
    yield app, SlackDriver(bot_url=served.url, signing_secret=SECRET, slack=slack)
    served.stop()


def test_driver_signs_like_slack(slack: FakeSlack) -> None:
    driver = SlackDriver("http://127.0.0.1:9/slack/events", SECRET, slack)
    body = b"payload=%7B%7D"
    headers = driver.sign(body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    stale = driver.sign(body, timestamp=1_000_000_000)
    assert not verifier.is_valid(
        body, stale["X-Slack-Request-Timestamp"], stale["X-Slack-Signature"]
    )


def test_forged_requests_are_refused_by_bolt(bolt_app: tuple[App, SlackDriver]) -> None:
    _, driver = bolt_app
    body = json.dumps({"type": "url_verification", "challenge": "c"}).encode()
    forged = {**driver.sign(body), "X-Slack-Signature": "v0=" + "0" * 64}
    assert driver.post_raw(body, {"Content-Type": "application/json", **forged}).status == 401
    assert driver.url_verification("c").json() == {"challenge": "c"}


def test_slash_command_modal_and_submission(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str
) -> None:
    app, driver = bolt_app
    room = slack.add_channel("triage", is_private=True, members=[alice, slack.bot_user_id])
    submitted: list[dict[str, Any]] = []

    @app.command("/disclose")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = modal([text_input(min_length=3)], submit=plain("Open"), callback_id="disclose")
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view("disclose")
    def submit(ack: Any, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        submitted.append(view)
        if title == "bad":
            ack(response_action="errors", errors={"title": "Too vague"})
        else:
            ack()

    assert driver.slash("/disclose", "", user_id=alice, channel_id=room).status == 200
    view = slack.open_view_for(alice)
    assert view is not None and view["callback_id"] == "disclose"
    with pytest.raises(SubmissionRefused):
        driver.submit_view(view["id"], alice, {})  # the required title is empty
    refused = driver.submit_view(view["id"], alice, {"title": {"value": "bad"}})
    assert refused.view_errors == {"title": "Too vague"} and slack.open_view_for(alice)
    accepted = driver.submit_view(
        view["id"], alice, {"title": {"value": {"type": "plain_text_input", "value": "XSS"}}}
    )
    assert accepted.problems == [] and slack.open_view_for(alice) is None
    assert [v["state"]["values"]["title"]["value"]["value"] for v in submitted] == ["bad", "XSS"]


def test_block_action_on_a_message_and_response_url(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str, client: WebClient
) -> None:
    app, driver = bolt_app
    room = slack.add_channel("triage", is_private=True, members=[alice, slack.bot_user_id])
    posted = client.chat_postMessage(
        channel=room, text="Lead?", blocks=[actions(button(value="SEC-1"))]
    )

    @app.action("go")
    def accept(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        assert body["actions"][0]["value"] == "SEC-1"
        respond(text="Taken by you", replace_original=True)
        respond(text="just for you")

    message = slack.messages(room)[0]
    answer = driver.block_action(alice, "go", message=message)
    assert answer.status == 200 and answer.problems == []
    assert slack.message(room, posted["ts"]).text == "Taken by you"
    assert [(e.user, e.text) for e in slack.ephemerals] == [(alice, "just for you")]
    with pytest.raises(SubmissionRefused):
        driver.block_action(alice, "no-such-button", message=message)


def test_slash_reply_is_shown_to_the_user(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str
) -> None:
    app, driver = bolt_app
    room = slack.add_channel("general", members=[alice, slack.bot_user_id])

    @app.command("/cvss")
    def score(ack: Any) -> None:
        ack(text="Use /cvss in an incident channel")

    driver.slash("/cvss", "CVSS:3.1/AV:N", user_id=alice, channel_id=room)
    [note] = slack.ephemerals_for(alice)
    assert note.text == "Use /cvss in an incident channel" and note.source == "command_reply"
    assert "only visible to @alice" in slack.transcript()
    assert "#general" not in slack.transcript(slack.add_user("bob"))


def test_events_carry_ids_and_retry_headers(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str
) -> None:
    app, driver = bolt_app
    seen: list[tuple[str, str | None]] = []

    @app.event("reaction_added")
    def reacted(body: dict[str, Any], context: Any) -> None:
        seen.append((body["event_id"], context.get("retry_num")))

    event = {"type": "reaction_added", "user": alice, "reaction": "eyes"}
    first = driver.event(event)
    driver.event(event, retry_num=1, event_id=first.payload["event_id"])
    assert first.status == 200
    assert [event_id for event_id, _ in seen] == [first.payload["event_id"]] * 2


def test_action_in_a_modal_updates_it_with_its_hash(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str, client: WebClient
) -> None:
    app, driver = bolt_app
    picker = select(options=[option("N", "Network"), option("L", "Local")])
    scoring = modal([{"type": "actions", "block_id": "metrics", "elements": [picker]}])
    view = client.views_open(trigger_id=slack.issue_trigger(alice), view=scoring)["view"]
    seen: list[dict[str, Any]] = []

    @app.action("pick")
    def live_update(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        seen.append(body)
        chosen = body["actions"][0]["selected_option"]["value"]
        client.views_update(
            view_id=body["view"]["id"],
            hash=body["view"]["hash"],
            view=modal([section(f"Attack vector: {chosen}")]),
        )

    assert driver.block_action(alice, "pick", value="L", view_id=view["id"]).problems == []
    assert seen[0]["container"] == {"type": "view", "view_id": view["id"]}
    assert seen[0]["trigger_id"] and "response_url" not in seen[0]
    assert slack.open_view_for(alice)["blocks"] == [section("Attack vector: L")]
    # The button is gone from the updated view: nobody can click it now.
    with pytest.raises(SubmissionRefused):
        driver.block_action(alice, "pick", value="N", view_id=view["id"])
    stale = error_of(client.views_update, view_id=view["id"], hash=view["hash"], view=modal())
    assert stale["error"] == "hash_conflict"


def test_an_action_in_a_modal_input_carries_every_input_as_the_person_left_it(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str, client: WebClient
) -> None:
    app, driver = bolt_app
    picker = select(options=[option("N", "Network"), option("L", "Local")])
    blocks = [
        {
            "type": "input",
            "block_id": "av",
            "dispatch_action": True,
            "label": plain("AV"),
            "element": picker,
        },
        text_input("note", initial_value="first draft"),
    ]
    form = modal(blocks, submit=plain("Save"))
    view = client.views_open(trigger_id=slack.issue_trigger(alice), view=form)["view"]
    seen: list[dict[str, Any]] = []

    @app.action("pick")
    def changed(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.append(body["view"]["state"]["values"])

    driver.block_action(alice, "pick", value="L", view_id=view["id"])
    driver.block_action(alice, "pick", value="N", view_id=view["id"])
    assert [values["av"]["pick"]["selected_option"]["value"] for values in seen] == ["L", "N"]
    assert seen[0]["note"]["value"]["value"] == "first draft"
    assert slack.views[view["id"]]["state"]["values"]["av"]["pick"]["selected_option"] == option(
        "N", "Network"
    )


def test_shortcuts_open_modals_with_their_trigger(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str
) -> None:
    app, driver = bolt_app
    room = slack.add_channel("triage", is_private=True, members=[alice, slack.bot_user_id])
    ts = slack.add_message(room, alice, "the reporter wrote back")
    quoted: list[str] = []

    @app.shortcut("new_incident")
    def start(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.message_shortcut("add_to_timeline")
    def add(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        quoted.append(body["message"]["text"])
        respond(text="Added to the timeline")

    assert driver.shortcut("new_incident", alice).problems == []
    assert slack.open_view_for(alice) is not None
    driver.message_action("add_to_timeline", alice, slack.message(room, ts))
    assert quoted == ["the reporter wrote back"]
    assert [note.text for note in slack.ephemerals_for(alice)] == ["Added to the timeline"]


def test_response_urls_allow_five_uses_in_thirty_minutes(slack: FakeSlack, alice: str) -> None:
    room = slack.add_channel("triage", is_private=True, members=[alice, slack.bot_user_id])

    def post(url: str, payload: dict[str, Any]) -> int:
        data = json.dumps(payload).encode()
        request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    url = slack.issue_response_url(alice, room)
    assert [post(url, {"text": f"note {n}"}) for n in range(6)] == [200] * 5 + [404]
    assert post(slack.issue_response_url(alice, room), {"blocks": [section("x" * 3001)]}) == 400
    public = slack.issue_response_url(alice, room)
    assert post(public, {"text": "for everyone", "response_type": "in_channel"}) == 200
    assert [m.text for m in slack.messages(room)] == ["for everyone"]
    late = slack.issue_response_url(alice, room)
    slack.advance(30 * 60 + 1)
    assert post(late, {"text": "too late"}) == 404
    assert [call.error for call in slack.calls_to("response_url")][-3:] == [
        "invalid_blocks",
        None,
        "expired_url",
    ]


def test_users_and_usergroups(slack: FakeSlack, client: WebClient, alice: str) -> None:
    gone = slack.add_user("erin", deleted=True)
    group = slack.add_usergroup("security-team", [alice, gone])
    assert client.usergroups_users_list(usergroup=group)["users"] == [alice]
    ci = slack.add_user("ci-bot", is_bot=True)
    slack.set_usergroup_users(group, [ci, alice])
    assert client.usergroups_users_list(usergroup=group)["users"] == [ci, alice]
    bot_user = client.users_info(user=ci)["user"]
    assert bot_user["is_bot"] and bot_user["profile"]["bot_id"].startswith("B")
    assert error_of(client.usergroups_users_list, usergroup="S0NOPE0000")["error"] == (
        "no_such_subteam"
    )
    info = client.users_info(user=gone)["user"]
    assert (info["name"], info["deleted"]) == ("erin", True)
    assert client.users_info(user=alice)["user"]["tz"] == "Europe/Berlin"
    assert error_of(client.users_info, user="U0NOPE0000")["error"] == "user_not_found"
    members = client.users_list(limit=2)
    assert len(members["members"]) == 2 and members["response_metadata"]["next_cursor"]


def test_transcript_shows_each_person_only_their_own(
    slack: FakeSlack, client: WebClient, room: str, alice: str
) -> None:
    bob = slack.add_user("bob")
    headline = client.chat_postMessage(
        channel=room,
        text="SEC-1",
        blocks=[
            {"type": "header", "text": plain("SEC-1: XSS")},
            section(f"Lead: <@{alice}>, due <!date^1772442000^{{date_short}} {{time}}|soon>"),
            actions(button(text=plain("Accept"))),
        ],
    )["ts"]
    client.chat_postMessage(channel=room, text="Scored High", thread_ts=headline)
    client.chat_postMessage(channel=bob, text="You are on call")
    everything = slack.transcript()
    assert "#sec-room (private)" in everything and "You are on call" in everything
    assert "# SEC-1: XSS" in everything and "[Accept]" in everything
    assert "Lead: @alice, due Mar 2, 2026 9:00 AM" in everything
    for_alice = slack.transcript(alice)
    assert "Lead: @alice, due Mar 2, 2026 10:00 AM" in for_alice  # Berlin time
    assert "> [" in for_alice and "Scored High" in for_alice
    assert "You are on call" not in for_alice
    for_bob = slack.transcript(bob)
    assert "sec-room" not in for_bob and "You are on call" in for_bob


def test_response_actions_are_carried_out_and_checked(
    slack: FakeSlack, bolt_app: tuple[App, SlackDriver], alice: str, client: WebClient
) -> None:
    app, driver = bolt_app
    answers = iter(
        [
            {"response_action": "push", "view": modal(callback_id="step")},
            {"response_action": "update", "view": modal(title=plain("x" * 30))},
            {"response_action": "errors", "errors": {"nope": "not an input"}},
            {"response_action": "clear"},
        ]
    )
    closed: list[str] = []

    @app.view("step")
    def step(ack: Any) -> None:
        ack(**next(answers))

    @app.view_closed("step")
    def gone(ack: Any, body: dict[str, Any]) -> None:
        ack()
        closed.append(body["view"]["id"])

    first = client.views_open(
        trigger_id=slack.issue_trigger(alice), view=modal(callback_id="step", notify_on_close=True)
    )["view"]["id"]
    assert driver.submit_view(first, alice).problems == []
    second = slack.view_stack(alice)[-1]
    assert slack.view_stack(alice) == [first, second]
    assert slack.views[second]["previous_view_id"] == first
    invalid = driver.submit_view(second, alice)
    assert invalid.problems and "json-pointer:/view/title/text" in invalid.problems[0]
    assert "not an input block" in driver.submit_view(second, alice).problems[0]
    assert driver.submit_view(second, alice).problems == []
    assert slack.open_view_for(alice) is None
    with pytest.raises(SubmissionRefused):
        driver.submit_view(second, alice)  # no longer open
    reopened = client.views_open(
        trigger_id=slack.issue_trigger(alice), view=modal(callback_id="step", notify_on_close=True)
    )["view"]["id"]
    assert driver.close_view(reopened, alice) is not None and closed == [reopened]


def test_delays_and_an_injected_clock(slack: FakeSlack, client: WebClient) -> None:
    slack.delay("auth.test", 0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2
    slack.clear_faults()
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.2

    moments = iter([1_772_442_000.0 + step for step in range(100)])
    with FakeSlack(bot_token=TOKEN, clock=lambda: next(moments)) as fixed:
        own = WebClient(token=TOKEN, base_url=fixed.base_url)
        room = own.conversations_create(name="clocked")["channel"]
        assert room["created"] >= 1_772_442_000
        ts = own.chat_postMessage(channel=room["id"], text="x")["ts"]
        assert ts.startswith("17724420") and len(ts.split(".")[1]) == 6
        trigger = fixed.issue_trigger(fixed.add_user("zoe"))
        fixed.advance(10)
        assert error_of(own.views_open, trigger_id=trigger, view=modal())["error"] == (
            "expired_trigger_id"
        )

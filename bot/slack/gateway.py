"""The one wrapper around the Slack Web API: retries, rate limits and known errors."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.channel_guard import ChannelGuard

log = logging.getLogger(__name__)

INVITE_BATCH = 1000  # conversations.invite takes at most 1000 users per call
RETRYABLE_STATUS = {500, 502, 503, 504}
READ_METHODS = frozenset(
    {
        "auth.test",
        "conversations.info",
        "conversations.list",
        "conversations.members",
        "conversations.history",
        "conversations.replies",
        "users.info",
        "users.list",
        "usergroups.users.list",
        "pins.list",
    }
)
# Methods Slack reads as form or query fields only (sent as slack_sdk sends them).
FORM_METHODS = frozenset({"files.getUploadURLExternal", "files.completeUploadExternal"})
# Every post carries a key in its message metadata, so that when an answer is lost (a 5xx,
# a dropped connection, a timeout) the gateway can find the message instead of posting twice.
POST_EVENT = "disclosure_post"  # the metadata event type of posts that bring none of their own
POST_KEY = "post_key"
HISTORY_WINDOW = 100  # newest top-level messages searched for a lost post
# Errors that, on the retry of a call whose earlier answer was lost, mean that earlier call
# did the work: the trigger was used by it, the upload completed by it.
DONE_BY_LOST_CALL = {
    "views.open": "exchanged_trigger_id",
    "views.push": "exchanged_trigger_id",
    "files.completeUploadExternal": "file_not_found",
}

# What Slack's error codes mean for the person waiting on the bot.
PLAIN_WORDS = {
    "ratelimited": "Slack asked us to slow down (rate limited)",
    "name_taken": "a channel of that name already exists",
    "restricted_action": "the workspace does not let the bot do this",
    "missing_scope": "the bot is missing a Slack permission (scope)",
    "channel_not_found": "the bot cannot see that channel",
    "not_in_channel": "the bot is not a member of that channel",
    "is_archived": "that channel is archived",
    "invalid_auth": "the bot's Slack token is not valid",
    "not_authed": "the bot has no Slack token",
    "account_inactive": "the bot's Slack token was revoked",
    "expired_trigger_id": "Slack's three-second window to open the form passed",
    "unavailable": "Slack did not answer",
    "no_triage_channel": "no triage channel is configured (TRIAGE_CHANNEL)",
    "unreadable_change": "this version of the bot cannot read the change",
    "triage_not_private": (
        "the triage channel is public, and incident details only ever go to private channels"
    ),
    "triage_ext_shared": (
        "the triage channel is shared with another organisation, and incident details only "
        "ever go to channels of this workspace"
    ),
    "channel_not_private": (
        "that channel is no longer private (made public or shared with another organisation), "
        "so the bot no longer posts there"
    ),
}


class SlackError(Exception):
    """Slack refused a call with a known error code."""

    def __init__(
        self,
        method: str,
        error: str,
        response: dict[str, Any] | None = None,
        *,
        after_lost_answer: bool = False,
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.response = response or {}
        # An earlier attempt of the same call may have done the work (its answer was lost):
        # e.g. `name_taken` then most likely names the channel that attempt created.
        self.after_lost_answer = after_lost_answer

    @property
    def plain(self) -> str:
        return PLAIN_WORDS.get(self.error, f"Slack answered `{self.error}`")


class SlackUnavailable(SlackError):
    """Slack is down, slow or rate limiting us beyond what is worth waiting for."""

    def __init__(self, method: str, error: str, retry_after: float | None = None) -> None:
        super().__init__(method, error)
        self.retry_after = retry_after

    @property
    def plain(self) -> str:
        if self.error.startswith("http_"):
            return f"Slack did not answer (HTTP {self.error.removeprefix('http_')})"
        return super().plain


@dataclass
class InviteOutcome:
    invited: list[str] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class SlackGateway:
    def __init__(
        self,
        client: WebClient,
        *,
        attempts: int = 3,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        # The gateway does all retrying: slack_sdk's own retry of a dropped connection could
        # not know that a post may already be in the channel.
        client.retry_handlers = []
        self.attempts = attempts
        self.max_wait = max_wait
        self.identity: dict[str, Any] = {}  # the last auth.test answer
        self.guard: ChannelGuard | None = None  # set at start-up (bot.bootstrap)
        self._sleep = sleep

    # -- the one call path -------------------------------------------------------------
    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a Web API method, waiting out short rate limits and retrying server errors.

        A retry after a lost answer (5xx, dropped connection, timeout) first checks whether
        the lost call did the work: a post is looked up by its key; see docs/architecture.md.
        """
        params = self._prepared(method, params)
        lost = False  # an attempt's answer was lost: Slack may have done the work
        for attempt in range(1, self.attempts + 1):
            if lost:
                found = self._lost_post(method, params)
                if found is not None:
                    return found
            try:
                response = self._send(method, params)
                return dict(response.data)
            except SlackApiError as exc:
                status = exc.response.status_code
                error = _error_code(exc)
                if status == 429:  # refused, not done
                    wait = _retry_after(exc.response.headers)
                    self._wait_out_rate_limit(method, wait, last=attempt == self.attempts)
                    continue
                if status in RETRYABLE_STATUS:
                    lost = method not in READ_METHODS
                    if attempt == self.attempts:
                        return self._given_up(method, params, f"http_{status}", lost)
                    self._sleep(0.2 * attempt)
                    continue
                if lost and DONE_BY_LOST_CALL.get(method) == error:
                    log.info("%s: the call whose answer was lost did it (%s)", method, error)
                    return {"ok": True}
                raise SlackError(method, error, _data(exc), after_lost_answer=lost) from None
            except (OSError, TimeoutError) as exc:
                lost = method not in READ_METHODS
                if attempt == self.attempts:
                    return self._given_up(method, params, "unavailable", lost, exc)
                self._sleep(0.2 * attempt)
        raise SlackUnavailable(method, "unavailable")  # pragma: no cover - loop always returns

    def _prepared(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The call's parameters as sent: no None values, the channel checked, no unfurls,
        and a post key on every post."""
        params = {key: value for key, value in params.items() if value is not None}
        if self.guard is not None:
            self.guard.check(self, method, params)  # only private, unshared channels
        if method in ("chat.postMessage", "chat.scheduleMessage"):
            # Slack fetching a link in a reporter's text would tell its server when we posted.
            params.update(unfurl_links=False, unfurl_media=False)
        if method == "chat.postMessage":
            params["metadata"] = _with_post_key(params.get("metadata"))
        return params

    def _wait_out_rate_limit(self, method: str, wait: float, last: bool) -> None:
        """Sleep for Slack's Retry-After (``wait`` seconds); SlackUnavailable when it is too
        long or no retry is left."""
        if last or wait > self.max_wait:
            raise SlackUnavailable(method, "ratelimited", wait) from None
        log.info("rate limited on %s, waiting %.1fs", method, wait)
        self._sleep(wait)

    def _given_up(
        self,
        method: str,
        params: dict[str, Any],
        error: str,
        lost: bool,
        cause: BaseException | None = None,
    ) -> dict[str, Any]:
        found = self._lost_post(method, params) if lost else None
        if found is not None:
            return found
        raise SlackUnavailable(method, error) from cause

    def _lost_post(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The answer a lost chat.postMessage would have given, if the message is there."""
        if method != "chat.postMessage":
            return None
        key = params["metadata"]["event_payload"][POST_KEY]
        try:
            return self.find_post(str(params["channel"]), key, params.get("thread_ts"))
        except SlackError as exc:
            # Cannot tell: posting again risks one duplicate, not posting risks a loss.
            log.warning("could not look for a lost post: %s", exc.error)
            return None

    def find_post(
        self, channel: str, key: str, thread_ts: str | None = None
    ) -> dict[str, Any] | None:
        """The message posted with ``key`` (in the thread, the newest history or the DM), as
        chat.postMessage would have answered; None if it is not there. SlackError: cannot tell."""
        channel = self._conversation_of(channel)
        messages = self._thread(channel, thread_ts) if thread_ts else self._recent(channel)
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get(POST_KEY) == key:
                log.info("found the post %s (%s)", key, message.get("ts"))
                return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
        return None

    def _conversation_of(self, channel: str) -> str:
        """A post to a user ID goes to the DM with them; history needs the DM's own ID."""
        if channel[:1] in ("U", "W"):
            return str(self.call("conversations.open", users=channel)["channel"]["id"])
        return channel

    def _recent(self, channel: str) -> list[dict[str, Any]]:
        page = self.call(
            "conversations.history",
            channel=channel,
            limit=HISTORY_WINDOW,
            include_all_metadata=True,
        )
        return list(page.get("messages", []))

    def _thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.call(
                "conversations.replies",
                channel=channel,
                ts=thread_ts,
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
            messages.extend(page.get("messages", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return messages

    def _send(self, method: str, params: dict[str, Any]) -> Any:
        # Slack reads JSON bodies on write methods only; read methods take form/query fields.
        if method in READ_METHODS:
            fields = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
            return self.client.api_call(method, http_verb="GET", params=fields)
        if method in FORM_METHODS:
            fields = {
                k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in params.items()
            }
            return self.client.api_call(method, params=fields)
        return self.client.api_call(method, json=params)

    # -- identity -------------------------------------------------------------------------
    def auth_test(self) -> dict[str, Any]:
        try:
            response = self.client.api_call("auth.test")
        except SlackApiError as exc:
            status = exc.response.status_code
            if status in RETRYABLE_STATUS or status == 429:
                raise SlackUnavailable("auth.test", f"http_{status}") from None
            raise SlackError("auth.test", _error_code(exc), _data(exc)) from None
        except OSError as exc:
            raise SlackUnavailable("auth.test", "unavailable") from exc
        data = dict(response.data)  # type: ignore[arg-type]
        header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
        if isinstance(header, list):
            header = header[0] if header else ""
        data["scopes"] = sorted(s.strip() for s in (header or "").split(",") if s.strip())
        self.identity = data
        return data

    # -- channels -------------------------------------------------------------------------
    def create_private_channel(self, name: str) -> dict[str, Any]:
        return _part(self.call("conversations.create", name=name, is_private=True), "channel")

    def channel_info(self, channel: str) -> dict[str, Any]:
        return _part(self.call("conversations.info", channel=channel), "channel")

    def find_channel_by_name(self, name: str) -> dict[str, Any] | None:
        """A channel the bot can see with exactly this name, archived ones included."""
        cursor = None
        while True:
            page = self.call(
                "conversations.list",
                types="private_channel,public_channel",
                exclude_archived=False,
                limit=1000,
                cursor=cursor,
            )
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def invite(self, channel: str, users: Iterable[str]) -> InviteOutcome:
        """Invite in batches; when a batch is refused, find out user by user who failed."""
        outcome = InviteOutcome()
        wanted = list(dict.fromkeys(users))
        for start in range(0, len(wanted), INVITE_BATCH):
            batch = wanted[start : start + INVITE_BATCH]
            try:
                self.call("conversations.invite", channel=channel, users=",".join(batch))
                outcome.invited.extend(batch)
            except SlackUnavailable:
                raise
            except SlackError:
                for user in batch:
                    self._invite_one(channel, user, outcome)
        return outcome

    def _invite_one(self, channel: str, user: str, outcome: InviteOutcome) -> None:
        try:
            self.call("conversations.invite", channel=channel, users=user)
            outcome.invited.append(user)
        except SlackUnavailable:
            raise
        except SlackError as exc:
            if exc.error in ("already_in_channel", "cant_invite_self"):
                outcome.already_members.append(user)
            else:
                outcome.failed[user] = exc.error

    def set_topic(self, channel: str, topic: str) -> None:
        self.call("conversations.setTopic", channel=channel, topic=topic)

    # -- messages -------------------------------------------------------------------------
    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        *,
        key: str | None = None,
        look_first: bool = False,
    ) -> str:
        """Post a message; with a durable ``key`` and ``look_first`` (an earlier run may
        have posted it before a crash), the message already there is returned instead."""
        if key is not None and look_first:
            found = self.find_post(channel, key, thread_ts)
            if found is not None:
                log.info("the post %s is there already (%s)", key, found["ts"])
                return str(found["ts"])
        response = self.call(
            "chat.postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            metadata=post_metadata(key) if key is not None else None,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    def ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self.call("chat.postEphemeral", channel=channel, user=user, text=text, blocks=blocks)

    def dm(
        self,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        key: str | None = None,
        look_first: bool = False,
    ) -> str:
        """A direct message from the bot; chat.postMessage to a user ID opens the DM."""
        return self.post(user, text, blocks, key=key, look_first=look_first)

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except SlackError as exc:
            if exc.error != "already_pinned":
                raise

    # -- views ----------------------------------------------------------------------------
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """The opened view; empty when the answer was lost but the modal opened all the same.

        The trigger is single use, so a retry can never open a second modal: it either opens
        the one the lost call did not, or is told the trigger is spent (the modal is open).
        """
        opened = self.call("views.open", trigger_id=trigger_id, view=view)
        shown: dict[str, Any] = opened.get("view", {})
        return shown

    def update_view(
        self, view_id: str, view: dict[str, Any], view_hash: str | None = None
    ) -> dict[str, Any]:
        answer = self.call("views.update", view_id=view_id, view=view, hash=view_hash)
        return _part(answer, "view")

    def push_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        pushed = self.call("views.push", trigger_id=trigger_id, view=view)
        shown: dict[str, Any] = pushed.get("view", {})
        return shown

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.call("views.publish", user_id=user, view=view)

    # -- users ----------------------------------------------------------------------------
    def user_info(self, user: str) -> dict[str, Any]:
        return _part(self.call("users.info", user=user), "user")

    def usergroup_members(self, usergroup: str) -> list[str]:
        return list(self.call("usergroups.users.list", usergroup=usergroup).get("users", []))

    # -- files ----------------------------------------------------------------------------
    def upload(
        self,
        channel: str,
        filename: str,
        content: str | bytes,
        title: str | None = None,
        comment: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Slack's external upload: an upload URL, the bytes, then the share (as
        ``files_upload_v2`` does it, but through the retries here)."""
        if self.guard is not None:  # before the bytes leave, not only at the share
            self.guard.check(self, "files.completeUploadExternal", {"channel_id": channel})
        data = content.encode() if isinstance(content, str) else content
        file_id = self._upload_bytes(filename, data)
        self.call(
            "files.completeUploadExternal",
            files=[{"id": file_id, "title": title or filename}],
            channel_id=channel,
            initial_comment=comment,
            thread_ts=thread_ts,
        )

    def _upload_bytes(self, filename: str, data: bytes) -> str:
        """The ID of a file holding ``data``; a failed upload starts over with a fresh URL
        (an upload never completed is never shared, so nothing shows twice)."""
        for attempt in range(1, self.attempts + 1):
            target = self.call("files.getUploadURLExternal", filename=filename, length=len(data))
            request = urllib.request.Request(
                target["upload_url"],
                data=data,
                method="POST",
                headers={"Content-Type": "application/octet-stream"},
            )
            try:
                with urllib.request.urlopen(
                    request, timeout=self.client.timeout, context=self.client.ssl
                ) as answer:
                    answer.read()
                return str(target["file_id"])
            except urllib.error.HTTPError as exc:
                if exc.code == 429:  # refused, so the bytes are not there: wait and start over
                    wait = _retry_after(exc.headers)
                    self._wait_out_rate_limit("files.upload", wait, last=attempt == self.attempts)
                    continue
                if exc.code not in RETRYABLE_STATUS or attempt == self.attempts:
                    raise SlackError("files.upload", f"http_{exc.code}") from None
            except OSError as exc:
                if attempt == self.attempts:
                    raise SlackUnavailable("files.upload", "unavailable") from exc
            self._sleep(0.2 * attempt)
        raise SlackUnavailable("files.upload", "unavailable")  # pragma: no cover


def _data(exc: SlackApiError) -> dict[str, Any]:
    data = getattr(exc.response, "data", None)
    return dict(data) if isinstance(data, dict) else {}


def _retry_after(headers: Any) -> float:
    """Seconds to wait from a 429's Retry-After header (1 when it is missing or unreadable)."""
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _error_code(exc: SlackApiError) -> str:
    data = _data(exc)
    return str(data.get("error") or f"http_{exc.response.status_code}")


def post_metadata(key: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Message metadata carrying ``key``: a post made twice with it is found the second time."""
    given = dict(metadata or {"event_type": POST_EVENT})
    given["event_payload"] = {**(given.get("event_payload") or {}), POST_KEY: key}
    return given


def _part(answer: dict[str, Any], key: str) -> dict[str, Any]:
    """One object of a Web API answer (a KeyError when it is missing, as for any malformed
    answer)."""
    part: dict[str, Any] = answer[key]
    return part


def _with_post_key(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The post's metadata (or the gateway's own) with its key: the caller's durable one
    (a row's, so a crash can find the post later) or else a fresh one for this call."""
    given = (metadata or {}).get("event_payload") or {}
    return post_metadata(str(given.get(POST_KEY) or uuid.uuid4().hex), metadata)

"""The one wrapper around the Slack Web API: retries, rate limits and known errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
    "triage_not_private": (
        "the triage channel is public, and incident details only ever go to private channels"
    ),
}


class SlackError(Exception):
    """Slack refused a call with a known error code."""

    def __init__(self, method: str, error: str, response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.response = response or {}

    @property
    def plain(self) -> str:
        return PLAIN_WORDS.get(self.error, f"Slack answered `{self.error}`")


class SlackUnavailable(SlackError):
    """Slack is down, slow or rate limiting us beyond what is worth waiting for."""

    def __init__(self, method: str, error: str, retry_after: float | None = None) -> None:
        super().__init__(method, error)
        self.retry_after = retry_after


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
        self.attempts = attempts
        self.max_wait = max_wait
        self._sleep = sleep

    # -- the one call path -------------------------------------------------------------
    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a Web API method, waiting out short rate limits and retrying server errors."""
        params = {key: value for key, value in params.items() if value is not None}
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._send(method, params)
                return dict(response.data)  # type: ignore[arg-type]
            except SlackApiError as exc:
                status = exc.response.status_code
                error = _error_code(exc)
                if status == 429:
                    wait = _retry_after(exc)
                    if attempt == self.attempts or wait > self.max_wait:
                        raise SlackUnavailable(method, "ratelimited", wait) from None
                    log.info("rate limited on %s, waiting %.1fs", method, wait)
                    self._sleep(wait)
                    continue
                if status in RETRYABLE_STATUS:
                    if attempt == self.attempts:
                        raise SlackUnavailable(method, f"http_{status}") from None
                    self._sleep(0.2 * attempt)
                    continue
                raise SlackError(method, error, _data(exc)) from None
            except (OSError, TimeoutError) as exc:
                if attempt == self.attempts:
                    raise SlackUnavailable(method, "unavailable") from exc
                self._sleep(0.2 * attempt)
        raise SlackUnavailable(method, "unavailable")  # pragma: no cover - loop always returns

    def _send(self, method: str, params: dict[str, Any]) -> Any:
        # Slack reads JSON bodies on write methods only; read methods take form/query fields.
        if method in READ_METHODS:
            fields = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
            return self.client.api_call(method, http_verb="GET", params=fields)
        return self.client.api_call(method, json=params)

    # -- identity -------------------------------------------------------------------------
    def auth_test(self) -> dict[str, Any]:
        try:
            response = self.client.api_call("auth.test")
        except SlackApiError as exc:
            raise SlackError("auth.test", _error_code(exc), _data(exc)) from None
        except OSError as exc:
            raise SlackUnavailable("auth.test", "unavailable") from exc
        data = dict(response.data)  # type: ignore[arg-type]
        header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
        if isinstance(header, list):
            header = header[0] if header else ""
        data["scopes"] = sorted(s.strip() for s in (header or "").split(",") if s.strip())
        return data

    # -- channels -------------------------------------------------------------------------
    def create_private_channel(self, name: str) -> dict[str, Any]:
        return self.call("conversations.create", name=name, is_private=True)["channel"]

    def channel_info(self, channel: str) -> dict[str, Any]:
        return self.call("conversations.info", channel=channel)["channel"]

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
                    return channel
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
    ) -> str:
        response = self.call(
            "chat.postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
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

    def dm(self, user: str, text: str, blocks: list[dict[str, Any]] | None = None) -> str:
        """A direct message from the bot; chat.postMessage to a user ID opens the DM."""
        return self.post(user, text, blocks)

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except SlackError as exc:
            if exc.error != "already_pinned":
                raise

    # -- views ----------------------------------------------------------------------------
    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        return self.call("views.open", trigger_id=trigger_id, view=view)["view"]

    def update_view(
        self, view_id: str, view: dict[str, Any], view_hash: str | None = None
    ) -> dict[str, Any]:
        return self.call("views.update", view_id=view_id, view=view, hash=view_hash)["view"]

    def push_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        return self.call("views.push", trigger_id=trigger_id, view=view)["view"]

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.call("views.publish", user_id=user, view=view)

    # -- users ----------------------------------------------------------------------------
    def user_info(self, user: str) -> dict[str, Any]:
        return self.call("users.info", user=user)["user"]

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
        try:
            self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title or filename,
                initial_comment=comment,
                thread_ts=thread_ts,
            )
        except SlackApiError as exc:
            raise SlackError("files.upload", _error_code(exc), _data(exc)) from None


def _data(exc: SlackApiError) -> dict[str, Any]:
    data = getattr(exc.response, "data", None)
    return dict(data) if isinstance(data, dict) else {}


def _retry_after(exc: SlackApiError) -> float:
    value = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _error_code(exc: SlackApiError) -> str:
    data = _data(exc)
    return str(data.get("error") or f"http_{exc.response.status_code}")

"""conversations.*: channels, membership, topics, DMs and history."""

from __future__ import annotations

from typing import Any

from ..errors import SlackError
from ..model import Channel, Message
from ..params import Params
from ..workspace import Workspace
from .paging import paginate

INVITE_MAX = 1000
TOPIC_MAX = 250
MPIM_MAX = 8
LIST_TYPES = {"public_channel": "public", "private_channel": "private", "mpim": "mpim", "im": "im"}


def list_kinds(p: Params) -> set[str]:
    words = p.ids("types") or ["public_channel"]
    unknown = [word for word in words if word not in LIST_TYPES]
    if unknown:
        raise SlackError("invalid_types")
    return {LIST_TYPES[word] for word in words}


def _api(ws: Workspace, channel: Channel, *, with_count: bool = False) -> dict[str, Any]:
    return channel.to_api(ws.bot_user_id, with_count=with_count)


def create(ws: Workspace, p: Params) -> dict[str, Any]:
    name = ws.check_name(p.text("name"))
    channel = ws.new_channel(
        name, is_private=p.flag("is_private"), members=[ws.bot_user_id], creator=ws.bot_user_id
    )
    return {"channel": _api(ws, channel)}


def info(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    return {"channel": _api(ws, channel, with_count=p.flag("include_num_members"))}


def list_(ws: Workspace, p: Params) -> dict[str, Any]:
    kinds = list_kinds(p)
    exclude_archived = p.flag("exclude_archived")
    visible = [
        channel
        for channel in ws.channels.values()
        if channel.kind in kinds
        and not (exclude_archived and channel.is_archived)
        and (channel.kind == "public" or ws.bot_user_id in channel.members)
    ]
    page, metadata = paginate(visible, p)
    channels = [_api(ws, channel, with_count=True) for channel in page]
    return {"channels": channels, "response_metadata": metadata}


def members(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    page, metadata = paginate(list(channel.members), p)
    return {"members": page, "response_metadata": metadata}


def invite(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    ws.writable(channel)
    given = p.ids("users")
    if not given:
        raise SlackError("no_user")
    if len(given) > INVITE_MAX:
        raise SlackError("too_many_users")
    wanted = list(dict.fromkeys(given))
    errors = []
    accepted = []
    for user_id in wanted:
        problem = _invite_problem(ws, channel, user_id)
        if problem:
            errors.append({"user": user_id, "ok": False, "error": problem})
        else:
            accepted.append(user_id)
    # Without `force` one bad user fails the whole call and nobody is invited.
    if errors and (not p.flag("force") or not accepted):
        raise SlackError(str(errors[0]["error"]), errors=errors)
    channel.members.extend(accepted)
    result: dict[str, Any] = {"channel": _api(ws, channel)}
    if errors:
        result["errors"] = errors
    return result


def _invite_problem(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    if user_id == ws.bot_user_id:
        return "cant_invite_self"
    user = ws.users.get(user_id)
    if user is None:
        return "user_not_found"
    if user.deleted:
        return "cant_invite"  # Slack documents no deactivated-specific error for invites
    if user_id in channel.members:
        return "already_in_channel"
    return None


def kick(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.writable(ws.conversation(p.text("channel")))
    user_id = p.text("user")
    if user_id == ws.bot_user_id:
        raise SlackError("cant_kick_self")
    ws.user(user_id)
    if user_id not in channel.members:
        raise SlackError("not_in_channel")
    channel.members.remove(user_id)
    return {}


def join(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if channel.kind != "public":
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.bot_user_id in channel.members:
        return {
            "channel": _api(ws, channel),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.append(ws.bot_user_id)
    return {"channel": _api(ws, channel)}


def set_topic(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.writable(ws.conversation(p.text("channel")))
    topic = p.text("topic") or ""
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    channel.topic, channel.topic_set_by, channel.topic_set_at = topic, ws.bot_user_id, int(ws.now())
    return {"channel": _api(ws, channel)}


def rename(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.writable(ws.conversation(p.text("channel")))
    if channel.is_im or channel.is_mpim:
        raise SlackError("method_not_supported_for_channel_type")
    name = ws.check_name(p.text("name"), except_id=channel.id)
    if name != channel.name:
        channel.previous_names.insert(0, channel.name)
        channel.name = name
    return {"channel": _api(ws, channel)}


def archive(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("already_archived")
    if ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {}


def unarchive(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = ws.conversation(p.text("channel"))
    if not channel.is_archived:
        raise SlackError("not_archived")
    if ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    channel.is_archived = False
    return {}


def open_(ws: Workspace, p: Params) -> dict[str, Any]:
    wanted = [user for user in dict.fromkeys(p.ids("users")) if user != ws.bot_user_id]
    if not wanted:
        if p.text("channel"):
            channel = ws.conversation(p.text("channel"))
            if not (channel.is_im or channel.is_mpim):
                raise SlackError("method_not_supported_for_channel_type")
            return _opened(ws, channel, p, already=True)
        raise SlackError("users_list_not_supplied" if "users" not in p else "not_enough_users")
    if len(wanted) == 1:
        already = wanted[0] in ws.dms
        return _opened(ws, ws.open_dm(wanted[0]), p, already=already)
    if len(wanted) > MPIM_MAX:
        raise SlackError("too_many_users")
    for user_id in wanted:
        if ws.user(user_id).deleted:
            raise SlackError("user_disabled")
    members = sorted([*wanted, ws.bot_user_id])
    for channel in ws.channels.values():
        if channel.is_mpim and sorted(channel.members) == members:
            return _opened(ws, channel, p, already=True)
    name = "mpdm-" + "--".join(ws.name_of(user) for user in members) + "-1"
    channel = ws.new_channel(name, is_private=True, members=members, creator=ws.bot_user_id)
    channel.is_mpim = True
    return _opened(ws, channel, p, already=False)


def _opened(ws: Workspace, channel: Channel, p: Params, *, already: bool) -> dict[str, Any]:
    full = p.flag("return_im") or channel.is_mpim
    result: dict[str, Any] = {"channel": _api(ws, channel) if full else {"id": channel.id}}
    if already:
        result.update(no_op=True, already_open=True)
    return result


def _readable(ws: Workspace, p: Params) -> Channel:
    channel = ws.conversation(p.text("channel"))
    if ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def history(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _readable(ws, p)
    inclusive = p.flag("inclusive")
    oldest, latest = p.text("oldest"), p.text("latest")
    newest_first = [
        message
        for message in reversed(channel.messages)
        if not (message.deleted and not message.replies)
        and _in_range(message.ts, oldest, latest, inclusive)
    ]
    page, metadata = paginate(newest_first, p, max_limit=999)
    return {
        "messages": _shown(page, p),
        "has_more": bool(metadata["next_cursor"]),
        "pin_count": len(channel.pins),
        "response_metadata": metadata,
    }


def _in_range(ts: str, oldest: str | None, latest: str | None, inclusive: bool) -> bool:
    value = float(ts)
    if oldest and (value < float(oldest) or (value == float(oldest) and not inclusive)):
        return False
    return not (latest and (value > float(latest) or (value == float(latest) and not inclusive)))


def replies(ws: Workspace, p: Params) -> dict[str, Any]:
    channel = _readable(ws, p)
    found = channel.by_ts.get(p.text("ts") or "")
    if found is None:
        raise SlackError("thread_not_found")
    parent = channel.by_ts[found.thread_ts] if found.is_reply and found.thread_ts else found
    thread = [parent, *(reply for reply in parent.replies if not reply.deleted)]
    page, metadata = paginate(thread, p)
    return {
        "messages": _shown(page, p),
        "has_more": bool(metadata["next_cursor"]),
        "response_metadata": metadata,
    }


def _shown(messages: list[Message], p: Params) -> list[dict[str, Any]]:
    """As history and replies list messages: metadata only with ``include_all_metadata``."""
    shown = [message.to_dict() for message in messages]
    if not p.flag("include_all_metadata"):
        for message in shown:
            message.pop("metadata", None)
    return shown

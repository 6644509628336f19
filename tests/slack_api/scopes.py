"""Which bot token scope each Web API method needs, by kind of conversation where it varies."""

from __future__ import annotations

ByKind = dict[str, str]  # conversation kind ("public", "private", "im", "mpim") -> scope


def _kinds(public: str, private: str, im: str, mpim: str) -> ByKind:
    return {"public": public, "private": private, "im": im, "mpim": mpim}


MANAGE = _kinds("channels:manage", "groups:write", "im:write", "mpim:write")
READ = _kinds("channels:read", "groups:read", "im:read", "mpim:read")
HISTORY = _kinds("channels:history", "groups:history", "im:history", "mpim:history")

METHOD_SCOPES: dict[str, str | ByKind | None] = {
    "auth.test": None,
    "conversations.create": MANAGE,
    "conversations.invite": MANAGE,
    "conversations.kick": MANAGE,
    "conversations.rename": MANAGE,
    "conversations.archive": MANAGE,
    "conversations.unarchive": MANAGE,
    "conversations.setTopic": MANAGE,
    "conversations.join": "channels:join",
    "conversations.open": _kinds("im:write", "im:write", "im:write", "mpim:write"),
    "conversations.info": READ,
    "conversations.list": READ,
    "conversations.members": READ,
    "conversations.history": HISTORY,
    "conversations.replies": HISTORY,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "chat.getPermalink": None,
    "pins.add": "pins:write",
    "pins.remove": "pins:write",
    "pins.list": "pins:read",
    "reactions.add": "reactions:write",
    "reactions.get": "reactions:read",
    "views.open": None,
    "views.update": None,
    "views.push": None,
    "views.publish": None,
    "users.info": "users:read",
    "users.list": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}

# What a freshly installed bot gets: every scope above, plus slash commands.
# `chat:write.public` is deliberately absent: no method needs it, and without it posting to a
# public channel the bot has not joined fails with `not_in_channel`, as for most real bots.
DEFAULT_SCOPES = frozenset(
    {"commands"}
    | {spec for spec in METHOD_SCOPES.values() if isinstance(spec, str)}
    | {
        scope
        for spec in METHOD_SCOPES.values()
        if isinstance(spec, dict)
        for scope in spec.values()
    }
)


def needed_scopes(method: str, kinds: set[str] | None) -> set[str]:
    """The scopes a call needs; ``kinds`` None means the conversation kind is unknown."""
    spec = METHOD_SCOPES.get(method)
    if spec is None:
        return set()
    if isinstance(spec, str):
        return {spec}
    if kinds is None:
        return set(spec.values())
    return {spec[kind] for kind in kinds}

"""auth.test, users.* and usergroups.*: who is who in the workspace."""

from __future__ import annotations

from typing import Any

from ..errors import SlackError
from ..params import Params
from ..workspace import Workspace
from .paging import paginate


def auth_test(ws: Workspace, p: Params) -> dict[str, Any]:
    del p
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.name_of(ws.bot_user_id),
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, p: Params) -> dict[str, Any]:
    return {"user": ws.user(p.text("user")).to_api()}


def users_list(ws: Workspace, p: Params) -> dict[str, Any]:
    page, metadata = paginate(list(ws.users.values()), p, default_limit=200)
    return {
        "members": [user.to_api() for user in page],
        "cache_ts": int(ws.now()),
        "response_metadata": metadata,
    }


def usergroups_list(ws: Workspace, p: Params) -> dict[str, Any]:
    with_users = p.flag("include_users")
    groups = []
    for group in ws.usergroups.values():
        item: dict[str, Any] = {
            "id": group.id,
            "team_id": ws.team_id,
            "handle": group.handle,
            "name": group.name or group.handle,
            "is_usergroup": True,
            "user_count": len(group.users),
        }
        if with_users:
            item["users"] = list(group.users)
        groups.append(item)
    return {"usergroups": groups}


def usergroup_users(ws: Workspace, p: Params) -> dict[str, Any]:
    group = ws.usergroups.get(p.text("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    # Slack drops deactivated people from their user groups.
    users = [uid for uid in group.users if uid in ws.users and not ws.users[uid].deleted]
    return {"users": users}

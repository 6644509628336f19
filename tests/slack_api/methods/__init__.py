"""The Web API methods the fake server answers, by Slack's method name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..params import Params
from ..workspace import Workspace
from . import apps, chat, conversations, files, people, pins, views

Handler = Callable[[Workspace, Params], dict[str, Any]]

METHODS: dict[str, Handler] = {
    "apps.connections.open": apps.connections_open,
    "auth.test": people.auth_test,
    "conversations.create": conversations.create,
    "conversations.invite": conversations.invite,
    "conversations.info": conversations.info,
    "conversations.list": conversations.list_,
    "conversations.members": conversations.members,
    "conversations.setTopic": conversations.set_topic,
    "conversations.rename": conversations.rename,
    "conversations.archive": conversations.archive,
    "conversations.unarchive": conversations.unarchive,
    "conversations.kick": conversations.kick,
    "conversations.join": conversations.join,
    "conversations.open": conversations.open_,
    "conversations.history": conversations.history,
    "conversations.replies": conversations.replies,
    "chat.postMessage": chat.post_message,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.update": chat.update,
    "chat.delete": chat.delete,
    "chat.getPermalink": chat.get_permalink,
    "pins.add": pins.add,
    "pins.remove": pins.remove,
    "pins.list": pins.list_,
    "reactions.add": pins.react,
    "reactions.get": pins.reactions_get,
    "views.open": views.open_,
    "views.update": views.update,
    "views.push": views.push,
    "views.publish": views.publish,
    "users.info": people.users_info,
    "users.list": people.users_list,
    "usergroups.list": people.usergroups_list,
    "usergroups.users.list": people.usergroup_users,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
}

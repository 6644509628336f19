"""A local Slack Web API server owned by the project, and a driver that plays Slack to the bot.

``FakeSlack`` serves the Web API on 127.0.0.1 (point ``WebClient(base_url=slack.base_url)`` at
it) and keeps one workspace in memory. ``SlackDriver`` sends the bot signed slash commands,
interactive payloads and events over real HTTP, and shows the bot's answers as Slack would.

What it emulates, so that bugs in the bot fail tests:

- auth (``not_authed``, ``invalid_auth``) and per-method scopes (``missing_scope`` with
  ``needed``/``provided``; ``x-oauth-scopes`` on every answer);
- channels: Slack's name rules and ``name_taken`` (archived channels included), private
  channels hidden from non-members (``channel_not_found``), ``not_in_channel``, ``is_archived``,
  invites (up to 1000, all-or-nothing unless ``force``, with a per-user ``errors`` list), topics
  (250 chars), renames, archive/unarchive, kick, join, DMs and group DMs, cursor pagination;
- messages: strictly rising ``ts``, threads and broadcasts, ``no_text``, ``msg_too_long``,
  ``thread_not_found``, edits (marked ``edited``; only the bot's own), deletes (thread parents
  leave a tombstone), pins (``already_pinned``, ``no_pin``, 100 per channel), reactions,
  permalinks, ephemeral messages (only to members), message metadata (listed by history
  and replies only with ``include_all_metadata``);
- Block Kit limits on every message and view (see ``blockkit``), answered with
  ``invalid_blocks``/``invalid_arguments`` and ``response_metadata.messages`` naming the path;
- views: triggers single use and valid 3 s on the server clock, a stack of at most 3 modals
  (``views.push`` only with a trigger from inside the open modal), ``hash_conflict``,
  ``not_found`` for closed views, App Home per user;
- files: ``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal``
  (what ``files_upload_v2`` does);
- response URLs: 5 uses in 30 minutes, ``replace_original``/``delete_original``/``in_channel``;
- faults: 429 with ``Retry-After``, 5xx pages, ``ok: false`` errors, dropped connections,
  before or after the call took effect, and slow answers; or a seeded storm of them over
  every method (``FakeSlack.storm``);
- the driver: v0 signatures, 3 s ack deadline, slash replies shown to the user, view
  submissions' ``response_action`` carried out (and checked), required inputs enforced.

- Socket Mode (``FakeSlack.socket_mode``): ``apps.connections.open`` for the app-level token
  only, a websocket with ``hello``, envelopes pushed and redelivered, acks timed, Slack's
  ``disconnect`` and dropped connections; ``SocketModeDriver`` sends the driver's payloads
  as envelopes.

What it does not: rate limits unless injected, the RTM API, Enterprise Grid,
user tokens, events the workspace would emit on its own (the driver sends those on request),
``channel_join``/``channel_topic`` system messages, message unfurling, file messages in
history (files are listed separately), scheduled messages, Slack's undocumented cap on the
total text of a message's blocks (``msg_blocks_too_long``), and mrkdwn validation.
Where Slack's documentation names no error, the choice is marked in the code: inviting a
deactivated user answers ``cant_invite``; a DM to one answers ``user_disabled``.
"""

from .driver import SlackDriver
from .elements import SubmissionRefused
from .fake import FakeSlack
from .model import Call, Channel, Ephemeral, Message, UploadedFile, User
from .transport import DriverResponse

__all__ = [
    "Call",
    "Channel",
    "DriverResponse",
    "Ephemeral",
    "FakeSlack",
    "Message",
    "SlackDriver",
    "SubmissionRefused",
    "UploadedFile",
    "User",
]

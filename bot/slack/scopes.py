"""The bot token scopes the code uses; `manifest.yml` and `python -m bot check` follow this."""

REQUIRED_SCOPES = frozenset(
    {
        "commands",  # /disclose and /cvss
        "chat:write",  # headline, thread replies, reminders, DMs
        "groups:write",  # create, invite to and set the topic of private channels
        "groups:read",  # find a private incident channel by name, read its info
        "channels:read",  # check that the triage channel is not public
        "pins:write",  # pin the headline
        "im:write",  # open DMs with team members
        "im:history",  # after a lost answer, look for the bot's own DM before sending it again
        "users:read",  # skip deactivated users and bots on the roster
        "usergroups:read",  # a roster given as a Slack user group
        "files:write",  # exports uploaded to the incident channel
        "reactions:read",  # add a message to the timeline with a reaction
        "groups:history",  # read the message a reaction or shortcut points at
    }
)

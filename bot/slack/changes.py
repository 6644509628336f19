"""What a committed change shows in Slack: the one place that decides it.

Every outbox row names a change (its kind and facts, written in the changing transaction);
`what_shows` turns it, with the incident as it is now, into the posts to make and whether
the incident's own messages (pinned headline, triage parent, topic) must be repainted.
The delivery worker (bot.slack.delivery) calls it and nothing else decides. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.incident import scores as incident_scores
from bot.incident.models import Incident
from bot.scoring.engine import score
from bot.slack.blocks import cvss_records as records
from bot.slack.blocks import lifecycle as lifecycle_blocks
from bot.slack.blocks.cvss import score_post_blocks, score_post_text
from bot.slack.blocks.text import escape, mrkdwn

Blocks = list[dict[str, Any]]

# The kinds of change, as the rows name them.
PHASE = "phase"
FIX_READY = "fix_ready"
PUBLIC = "public"
UPDATE = "update"
ADVISORY = "advisory"
FIX_TEAM_JOINED = "fix_team_joined"
FIX_TEAM_RELEASED = "fix_team_released"
EXPORTED = "exported"
SCORE = "score"
DEADLINE = "deadline"
LEAD = "lead"
REPAINT = "repaint"  # only the incident's own messages, to show its current state
NOTE = "note"  # a thread note another feature worded (bot.slack.incident_messages.post_update)

# Incident fields a phase note reads as they were at the change (a later change may move them).
AS_OF = ("resolution", "duplicate_of", "disclosure_planned_at", "fixed_versions")


@dataclass(frozen=True)
class Post:
    """One message. `name` is stable for the row, so its post key is too."""

    name: str
    channel: str
    text: str
    blocks: Blocks | None
    thread_ts: str | None = None


@dataclass(frozen=True)
class Shows:
    posts: list[Post] = field(default_factory=list)
    repaint: bool = False
    reason: str | None = None  # what other features hear through `hooks.changed`


def as_of(incident: Incident) -> dict[str, Any]:
    """The facts a phase note needs from the incident at the moment of the change."""
    found: dict[str, Any] = {}
    for name in AS_OF:
        value = getattr(incident, name)
        found[name] = value.isoformat() if isinstance(value, datetime) else value
    return found


def what_shows(kind: str, facts: dict[str, Any], incident: Incident, triage: str | None) -> Shows:
    """The posts and repaint for change ``kind`` of ``incident``; ``triage`` is the triage
    channel's ID (None when there is none)."""
    actor = str(facts.get("actor", ""))

    def note(text_blocks: tuple[str, Blocks], *, in_channel: bool = True) -> list[Post]:
        return thread_note(incident, triage, *text_blocks, in_channel=in_channel)

    if kind == PHASE:
        then = _incident_then(incident, facts.get("as_of") or {})
        said = lifecycle_blocks.phase_changed(
            then, facts["old"], facts["new"], actor, facts.get("why", "")
        )
        return Shows(note(said), repaint=True, reason="phase")
    if kind == FIX_READY:
        return Shows(
            note(lifecycle_blocks.fix_ready(incident, actor)), repaint=True, reason="fix_ready"
        )
    if kind == PUBLIC:
        said = lifecycle_blocks.made_public(incident, actor, facts.get("why", ""))
        return Shows(note(said), repaint=True, reason="public")
    if kind == UPDATE:
        next_at = _when(facts.get("next_update_at"))
        said = lifecycle_blocks.update_posted(incident, actor, facts["text"], next_at)
        return Shows(note(said), repaint=True, reason="update")
    if kind == ADVISORY:
        return Shows(
            note(lifecycle_blocks.advisory_edited(incident, actor, facts["fields"])), repaint=True
        )
    if kind == FIX_TEAM_JOINED:
        user, role = facts["user"], facts["role"]
        welcome = lifecycle_blocks.fix_team_welcome(incident, actor, role)
        posts = [Post(f"dm:{user}", user, *welcome)]
        posts += note(lifecycle_blocks.fix_team_joined(incident, user, actor, role))
        return Shows(posts, reason="fix_team")
    if kind == FIX_TEAM_RELEASED:
        said = lifecycle_blocks.fix_team_released(incident, facts["user"], actor)
        return Shows(note(said), reason="fix_team")
    if kind == EXPORTED:
        said = lifecycle_blocks.exported(incident, actor, facts["files"])
        return Shows(note(said, in_channel=False))
    return _from_other_features(kind, facts, incident, triage)


def _from_other_features(
    kind: str, facts: dict[str, Any], incident: Incident, triage: str | None
) -> Shows:
    """Scores, deadlines, leads, notes and plain repaints: their text comes with the change."""
    if kind == SCORE:
        return _score(incident, facts, triage)
    if kind == DEADLINE:
        posts = thread_note(incident, triage, facts["text"], None)
        return Shows(posts, repaint=True, reason=facts.get("reason") or "deadline")
    if kind == LEAD:
        changed = bool(facts.get("lead_changed"))
        line = facts.get("line") or ""
        posts = thread_note(incident, triage, line, None) if line else []
        return Shows(posts, repaint=changed, reason="lead" if changed else None)
    if kind == REPAINT:
        return Shows(repaint=True)
    if kind == NOTE:
        posts = thread_note(
            incident,
            triage,
            facts["text"],
            facts.get("blocks"),
            in_channel=facts.get("in_channel", True),
        )
        return Shows(posts)
    raise ValueError(f"no rule for showing a change of kind {kind!r}")


def _score(incident: Incident, facts: dict[str, Any], triage: str | None) -> Shows:
    result = score(facts["vector"])
    user, value = facts["user"], facts["value"]
    if not facts["final"]:
        blocks = records.proposal_blocks(result, user, facts.get("decider"), value)
        return Shows(thread_note(incident, triage, records.proposal_text(result), blocks))
    at = _when(facts["at"])
    assert at is not None
    if facts.get("via") == incident_scores.VIA_PICK:
        blocks = records.picked_blocks(result, user, at, value)
    else:
        blocks = score_post_blocks(result, user, at, value)
    posts = thread_note(incident, triage, score_post_text(result), blocks)
    return Shows(posts, repaint=True, reason="score")


def thread_note(
    incident: Incident,
    triage: str | None,
    text: str,
    blocks: Blocks | None,
    *,
    in_channel: bool = True,
) -> list[Post]:
    """A reply under the triage parent and the same note under the channel's headline."""
    posts = []
    if triage and incident.triage_ts:
        posts.append(Post("triage", triage, text, blocks, incident.triage_ts))
    if in_channel and incident.channel_id:
        posts.append(Post("channel", incident.channel_id, text, blocks, incident.headline_ts))
    return posts


def given_up(incident: Incident, kind: str, why: str) -> tuple[str, Blocks]:
    """What the triage thread is told about a change the bot could not show in Slack."""
    text = (
        f":warning: A Slack update about *{incident.human_id}* ({kind.replace('_', ' ')}) "
        f"could not be delivered: {escape(why)}. The change itself is saved."
    )
    return text, [{"type": "section", "text": mrkdwn(text)}]


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _incident_then(incident: Incident, then: dict[str, Any]) -> Incident:
    """The incident with the fields a note reads set back to their values at the change
    (a detached copy of this delivery's own load; nothing is written back)."""
    for name, value in then.items():
        if name in AS_OF:
            setattr(incident, name, _when(value) if name.endswith("_at") else value)
    return incident

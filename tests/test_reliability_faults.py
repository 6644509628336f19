"""A whole disclosure under a storm of Slack failures still happens exactly once.

The demo's acts run twice on fresh workspaces: once with Slack behaving, once with the local
Slack failing a seeded share of every method's calls (429 with Retry-After, 500 and 503
pages, dropped connections, answers later than the client waits), about half after the
call took effect, so the bot never hears that Slack did the work. Afterwards the workspace
and the database must hold every incident, channel, headline, thread reply, score, export
and reminder exactly once, and tell the same story as the calm run. The test prints what
it checked (``pytest -s``).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.audit.models import AuditEntry
from bot.database import Database
from bot.demo import Demo
from bot.reminder.models import ReminderRow
from bot.scoring.models import ScoreRecord
from bot.slack.gateway import POST_KEY
from bot.slack.reminder_delivery import MARKER
from bot.timeline.models import TimelineEvent
from tests.crash.scenario import play_full_scenario
from tests.harness import RunningBot
from tests.slack_api import FakeSlack, Message
from tests.slack_api.storm import BEFORE_ONLY, EITHER_SIDE, Storm, is_after_effect
from tests.vocabulary import fresh_bot

SHARE = 0.15  # of each method's calls
SEED = 20260302
CLIENT_TIMEOUT = 0.75  # the bot's read timeout for this test (15 s in production)
SLOW = 1.0  # a slow answer: later than the bot waits
PATIENCE = 30.0  # seconds the demo waits for each step: the storm slows every one down
# Writes that a retry would repeat if the lost call had done the work.
NOT_IDEMPOTENT = (
    "chat.postMessage",
    "conversations.create",
    "pins.add",
    "files.completeUploadExternal",
    "views.open",
)
# Response URLs are the bot's answers to slash commands and buttons, sent by Bolt outside
# the gateway; they stay calm (see docs/architecture.md).
SPARED = ("response_url",)
SLACK_ID = re.compile(r"\b[CDUFGW][A-Z0-9]{6,}\b|\b\d{10}\.\d{6}\b")


@dataclass
class Checks:
    """Named checks: each passes or records why not; the names are the report."""

    results: list[tuple[str, bool]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: object = "") -> None:
        self.results.append((name, passed))
        if not passed:
            self.failures.append(f"{name}: {detail}")

    def report(self) -> str:
        return "\n".join(f"  [{'x' if ok else ' '}] {name}" for name, ok in self.results)


def bot_messages(slack: FakeSlack) -> list[tuple[str, Message]]:
    """Every message the bot posted, with where it is (channels and DMs by name)."""
    found = []
    with slack.workspace.lock:
        for channel in slack.workspace.channels.values():
            if channel.is_im:
                where = f"DM {slack.user(channel.im_user or '').name}"
            else:
                where = f"#{channel.name}"
            for message in channel.by_ts.values():
                if message.user == slack.bot_user_id and not message.deleted:
                    found.append((f"{where}{' thread' if message.is_reply else ''}", message))
    return found


def plain(text: str) -> str:
    return SLACK_ID.sub("<id>", text)


def story(bot: RunningBot) -> dict[str, Counter[str]]:
    """What a run leaves behind, comparable between two runs."""
    slack = bot.slack
    with bot.services.db.transaction() as session:
        timeline = Counter(session.scalars(select(TimelineEvent.kind)))
        audit = Counter(session.scalars(select(AuditEntry.action)))
        scores = Counter(f"{s.vector} {s.score}" for s in session.scalars(select(ScoreRecord)))
        sent = select(ReminderRow).where(ReminderRow.state == "sent")
        reminders = Counter(f"{r.key} to {r.delivered}" for r in session.scalars(sent))
    return {
        "places": Counter(where for where, _ in bot_messages(slack)),
        "texts": Counter(f"{where}: {plain(m.text)}" for where, m in bot_messages(slack)),
        "files": Counter(file.filename for file in slack.files),
        "answers": Counter(plain(e.text) for e in slack.ephemerals),
        "incidents": Counter(f"{i.human_id} {i.phase}" for i in bot.incidents()),
        "timeline": timeline,
        "audit": audit,
        "scores": scores,
        "reminders": reminders,
    }


def in_a_storm(bot: RunningBot) -> Storm:
    bot.services.gateway.client.timeout = CLIENT_TIMEOUT
    return bot.slack.storm(SHARE, seed=SEED, slow=SLOW, spare=SPARED)


def check_exactly_once(bot: RunningBot, checks: Checks) -> None:
    slack, ws = bot.slack, bot.workspace
    incidents = bot.incidents()
    posted = bot_messages(slack)

    checks.check(
        "every incident's set-up finished without an error",
        bool(incidents) and all(i.setup_complete and not i.setup_error for i in incidents),
        [(i.human_id, i.setup_error) for i in incidents],
    )
    made = [
        c
        for c in slack.workspace.channels.values()
        if not c.is_im and c.id not in (ws.triage, ws.general)
    ]
    checks.check(
        "one private channel per incident, and no other channel",
        sorted(c.id for c in made) == sorted(i.channel_id or "" for i in incidents)
        and all(c.is_private for c in made),
        [c.name for c in made],
    )
    for incident in incidents:
        channel = slack.channel(incident.channel_id or "")
        top = [m for m in channel.messages if m.user == slack.bot_user_id]
        checks.check(
            f"{incident.human_id}: the headline is the channel's first bot message, posted once",
            bool(top) and top[0].ts == incident.headline_ts,
            [m.text for m in top],
        )
        checks.check(
            f"{incident.human_id}: the headline is pinned once, and nothing else is",
            channel.pins == [incident.headline_ts],
            channel.pins,
        )
    triage = [m for m in slack.messages(ws.triage) if m.user == slack.bot_user_id]
    checks.check(
        "one triage notice per incident",
        sorted(m.ts for m in triage) == sorted(i.triage_ts or "" for i in incidents),
        [m.text for m in triage],
    )
    keys = Counter(((m.metadata or {}).get("event_payload") or {}).get(POST_KEY) for _, m in posted)
    checks.check(
        "every bot message carries a post key, and no key twice",
        None not in keys and all(count == 1 for count in keys.values()),
        [key for key, count in keys.items() if count > 1 or key is None],
    )
    with bot.services.db.transaction() as session:
        sent = list(session.scalars(select(ReminderRow).where(ReminderRow.state == "sent")))
    marked = Counter(
        (m.metadata["event_payload"]["reminder_id"], m.metadata["event_payload"]["place"])
        for _, m in posted
        if (m.metadata or {}).get("event_type") == MARKER
    )
    expected = Counter(
        (row.id, place) for row in sent for place in row.delivered.split(",") if place
    )
    checks.check(
        f"each of the {len(sent)} sent reminders is posted once in each of its places",
        bool(sent) and marked == expected,
        {"posted": marked, "recorded": expected},
    )


def compare_with_calm(
    calm: dict[str, Counter[str]], storm: dict[str, Counter[str]], checks: Checks
) -> None:
    what = {
        "places": "the same number of bot messages in every channel, thread and DM",
        "texts": "the same bot messages, word for word, none more often",
        "files": "the same exports, each uploaded once",
        "answers": "the same answers to slash commands and buttons",
        "incidents": "the same incidents in the same phases",
        "timeline": "the same timeline events",
        "audit": "the same audit entries",
        "scores": "the same CVSS scores, stored once",
        "reminders": "the same reminders sent to the same places",
    }
    for part, name in what.items():
        extra, missing = storm[part] - calm[part], calm[part] - storm[part]
        checks.check(
            f"as in a calm run: {name}",
            not extra and not missing,
            {"extra": dict(extra), "missing": dict(missing)},
        )


def check_the_storm(storm: Storm, slack: FakeSlack, since: int, checks: Checks) -> None:
    called = {call.method for call in slack.calls[since:]} - set(SPARED)
    hit = storm.methods_hit()
    checks.check(
        f"faults hit every one of the {len(called)} methods the bot called",
        called <= hit,
        sorted(called - hit),
    )
    kinds = {kind for _, kind in storm.hits}
    checks.check(
        "429s, 500 and 503 pages, drops and slow answers were injected, before and after "
        "the effect",
        {kind.removesuffix("_after") for kind in kinds} == {*BEFORE_ONLY, *EITHER_SIDE}
        and any(map(is_after_effect, kinds))
        and not all(map(is_after_effect, kinds)),
        sorted(storm.hits),
    )
    for method in NOT_IDEMPOTENT:
        checks.check(
            f"{method}: Slack did the work and the answer was lost at least once",
            any(is_after_effect(kind) for kind in storm.kinds_for(method)),
            sorted(storm.kinds_for(method)),
        )


def test_a_full_disclosure_in_a_storm_of_slack_failures_happens_exactly_once(
    bot: RunningBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait = Demo.wait
    monkeypatch.setattr(
        Demo, "wait", lambda demo, condition, timeout=PATIENCE: wait(demo, condition, timeout)
    )
    play_full_scenario(bot)
    calm = story(bot)
    bot.stop()

    stormy = fresh_bot(Database(db.url), bot.slack)
    try:
        since = len(stormy.slack.calls)
        storm = in_a_storm(stormy)
        started = time.monotonic()
        play_full_scenario(stormy)
        took = time.monotonic() - started
        bot.slack.clear_faults()
        checks = Checks()
        check_the_storm(storm, stormy.slack, since, checks)
        check_exactly_once(stormy, checks)
        compare_with_calm(calm, story(stormy), checks)
    finally:
        stormy.slack.clear_faults()
        stormy.stop()
    injected = sum(storm.hits.values())
    print(
        f"\n{injected} faults injected in {len(stormy.slack.calls)} calls over {took:.1f} s; "
        f"checked:\n{checks.report()}"
    )
    assert checks.results
    assert not checks.failures, "\n".join(checks.failures)

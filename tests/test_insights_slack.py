"""`/disclose stats` and the App Home's figures through the running bot, on both databases.

Signed slash commands go to the bot; the local Slack server records what it sent. The
seeded year is tests/insights_history.py; the figures checked here are worked out by
hand in tests/test_insights.py (the period `2025` is the same one).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from PIL import Image

from bot.incident.models import Incident
from bot.slack.middleware import NOT_ON_ROSTER
from bot.slack.reminder_delivery import Ticker
from tests.crash.leaks import details, sent_by_calls, sent_in_workspace
from tests.harness import START, RunningBot, wait_until
from tests.insights_history import seed_history
from tests.reminder_helpers import TUESDAY_9, press, tick_at
from tests.slack_api import UploadedFile
from tests.vocabulary import click_message, command, dm_offers, offers, open_home, opened, texts


def seed(bot: RunningBot) -> list[Incident]:
    ws = bot.workspace
    return seed_history(bot.services.db, {"alice": ws.alice, "bob": ws.bob, "carol": ws.carol})


def ask(bot: RunningBot, user: str, text: str, channel: str) -> str:
    """Run `/disclose <text>`; the JSON of the ephemeral answer the user sees."""
    before = len(bot.slack.ephemerals_for(user))
    bot.driver.slash("/disclose", text, user_id=user, channel_id=channel)
    note = wait_until(lambda: bot.slack.ephemerals_for(user)[before:], what="the answer")[-1]
    return note.text + texts(note.blocks or [])


def files_in_dm(bot: RunningBot, user: str) -> list[UploadedFile]:
    dm = bot.slack.dm_channel(user)
    return [file for file in bot.slack.files if dm and file.channel == dm]


def assert_nothing_names_an_incident(bot: RunningBot, incidents: list[Incident]) -> int:
    """Neither the words of any incident nor its ID in anything the bot sent, wherever it
    went (the DM of a member who may read the incidents included). Returns how many
    sent things were read."""
    sent = [*sent_by_calls(bot.slack), *sent_in_workspace(bot.slack)]
    for incident in incidents:
        secrets = [*details(incident).values(), incident.human_id]
        for item in sent:
            for secret in secrets:
                assert secret not in item.content, (incident.human_id, item.source, item.place)
    return len(sent)


@pytest.mark.parametrize("where", ["general", "triage"])
def test_a_member_gets_the_figures_and_the_files_by_dm(bot: RunningBot, where: str) -> None:
    ws = bot.workspace
    incidents = seed(bot)
    channel = getattr(ws, where)
    answer = ask(bot, ws.alice, "stats 2025", channel)
    assert "Insights: 2025" in answer
    assert "*Opened* 12 (Critical 3, High 3, Medium 3, Low 2, Unscored 1)" in answer
    assert "*Closed* 10" in answer
    # Time to a fix: median 168 h = 7.0 days (40 working hours = 5 business days), the
    # 90th percentile 672 h = 28 days (160 working hours = 20 business days).
    assert (
        "Fix: median 7.0 days (5.0 business days), 90th percentile 28.0 days "
        "(20.0 business days), n=8, 2 still waiting"
    ) in answer
    # 10 + 1 + 1 + 2 on time of 12 + 2 + 7 + 3 due.
    assert "14 of 24 met on time" in answer
    assert "Fix ready (merged privately): 1 on time, 3 late, 3 missed (14%)" in answer
    # Carol took 2 of the 11 roles taken in 2025 (18%) and led for 1407 h = 58.6 days.
    assert f"<@{ws.carol}>: 2 taken (18%), 0 passed, 1 expired; 58.6 days" in answer

    files = wait_until(lambda: len(files_in_dm(bot, ws.alice)) == 3 and files_in_dm(bot, ws.alice))
    assert bot.services.background.wait()
    assert [f.filename for f in files] == [
        "time-to-fix.png",
        "deadline-hit-rates.png",
        "insights-2025.csv",
    ]
    # Only to the one who asked: no file anywhere else, nothing in the channel.
    assert bot.slack.files == files
    assert [m for m in bot.slack.messages(channel) if m.user == bot.slack.bot_user_id] == []
    for file in files[:2]:
        image = Image.open(io.BytesIO(file.content))
        image.load()
        assert image.size == (900, 500)
    table = {tuple(r[:3]): r[3] for r in csv.reader(io.StringIO(files[2].content.decode()))}
    assert table[("time", "fix", "median")] == "168.00"
    assert table[("deadline", "acknowledge", "on_time")] == "10"
    assert table[("lead", ws.bob, "taken")] == "4"
    assert files[0].initial_comment == "Insights for 2025"

    assert assert_nothing_names_an_incident(bot, incidents) > 5


def test_the_home_tab_shows_the_headline_figures(bot: RunningBot) -> None:
    ws = bot.workspace
    incidents = seed(bot)
    blocks = open_home(bot, ws.bob)["blocks"]
    body = texts(blocks)
    # The last 90 days before Monday 2 March 2026 09:00 start on 2 December 2025 09:00:
    # only Z1 (5 January) was reported since; nothing closed. Due in those days: L's
    # acknowledgement (2 Dec 10:00, met 1 Dec: on time), L's fix (15 Dec, met 12 Jan:
    # late), I's disclosure (15 Dec, met 12 Jan: late), Z1's acknowledgement (6 Jan, still
    # open: missed), so 1 of 4 on time. Fix and disclosure met none on time (0 of 1, both
    # 28 days late), the acknowledgement 1 of 2: the fix comes first, in the policy's order.
    assert "How we're doing: last 90 days" in body
    assert "*Opened / closed*\\n1 / 0" in body
    assert "*Deadlines met on time*\\n25% (1 of 4)" in body
    assert "*Most often missed or late*\\nFix ready (merged privately)" in body
    # The tab lists the member's open incidents by name, as it always did; the figures'
    # section (from its header to its closing note) names none.
    start = next(n for n, b in enumerate(blocks) if "How we're doing" in texts([b]))
    end = next(n for n, b in enumerate(blocks) if "/disclose stats" in texts([b]))
    section = texts(blocks[start : end + 1])
    assert "Deadlines met on time" in section
    for incident in incidents:
        for secret in [*details(incident).values(), incident.human_id]:
            assert secret not in section


def test_a_non_member_is_refused_and_shown_nothing(bot: RunningBot) -> None:
    ws = bot.workspace
    incidents = seed(bot)
    answer = ask(bot, ws.dave, "stats 2025", ws.general)
    assert answer.startswith(NOT_ON_ROSTER)
    assert "Opened" not in answer and "Insights" not in answer
    assert bot.services.background.wait()
    assert bot.slack.files == []
    assert bot.slack.dm_channel(ws.dave) is None  # no DM was even opened
    home = texts(open_home(bot, ws.dave)["blocks"])
    assert "How we're doing" not in home and "Opened" not in home
    assert_nothing_names_an_incident(bot, incidents)


def test_a_bad_period_says_what_is_allowed_and_sends_nothing(bot: RunningBot) -> None:
    ws = bot.workspace
    seed(bot)
    answer = ask(bot, ws.alice, "stats fortnight", ws.general)
    assert "`fortnight` is not a period. Allowed:" in answer and "last-quarter" in answer
    assert bot.services.background.wait()
    assert bot.slack.files == []


def test_files_that_cannot_be_sent_are_reported_by_dm(bot: RunningBot) -> None:
    ws = bot.workspace
    incidents = seed(bot)
    bot.slack.fail("files.getUploadURLExternal", status=503, times=None)
    try:
        answer = ask(bot, ws.alice, "stats last-year", ws.general)
        assert "Insights: 2025" in answer  # the figures themselves still arrive
        dm = wait_until(lambda: bot.slack.dm_channel(ws.alice), what="a DM")
        notes = wait_until(lambda: bot.slack.messages(dm), what="the failure notice")
    finally:
        bot.slack.clear_faults()
    assert bot.services.background.wait()
    assert "The insights charts could not be sent" in notes[-1].text
    assert "/disclose stats" in notes[-1].text
    assert bot.slack.files == []
    assert_nothing_names_an_incident(bot, incidents)


def test_figures_follow_a_disclosure_played_through_the_bot(bot: RunningBot) -> None:
    """No seeded rows: the report, the lead's accept, the reminder's Done and the fix mark
    all go through Slack, so the figures rest on the rows the bot itself writes."""
    ws = bot.workspace
    incident = opened(bot)  # reported through the form on Monday 2 March 09:00
    offer = offers(bot, incident.id)[0]
    assert offer.candidate_id is not None
    bot.clock.set(START + timedelta(hours=2))
    click_message(bot, offer.candidate_id, "lead_accept", dm_offers(bot, offer.candidate_id)[0])
    wait_until(lambda: bot.incident(incident.human_id).lead_id, what="the lead")

    ticker = Ticker(bot.services)
    sent = tick_at(bot, ticker, TUESDAY_9 - timedelta(hours=1))  # the hour-ahead nudges
    ack = next(m for m in sent if m.kind == "acknowledge" and m.place == "triage")
    bot.clock.set(TUESDAY_9 - timedelta(minutes=30))
    press(bot, ws.carol, ack, "reminder_done")
    command(bot, ws.alice, incident.channel_id, "phase fixing")
    bot.clock.set(START + timedelta(days=3))  # Thursday 09:00
    command(bot, ws.alice, incident.channel_id, "fixready")
    bot.services.background.wait()

    bot.clock.set(START + timedelta(days=3, hours=1))
    before = set(sent_by_calls(bot.slack)) | set(sent_in_workspace(bot.slack))
    answer = ask(bot, ws.bob, "stats 7d", ws.general)
    # Acknowledged Tuesday 08:30: 23.5 h, of which Monday 09:00-17:00 are working hours
    # (8 h, one business day). The lead accepted at 11:00: 2 h. The fix was marked ready
    # on Thursday 09:00: 72 h = 3 days, working hours Monday, Tuesday, Wednesday = 3 days.
    assert "*Opened* 1 (Unscored 1)" in answer and "by source: HackerOne 1" in answer
    assert (
        "Acknowledge the reporter: median 23.5 h (1.0 business days), "
        "90th percentile 23.5 h (1.0 business days), n=1"
    ) in answer
    assert "Fix lead: median 2.0 h (2.0 business h)" in answer
    assert "Fix: median 3.0 days (3.0 business days)" in answer
    # Due in the week: the acknowledgement and the lead, both Tuesday 09:00, both on time.
    assert "2 of 2 met on time" in answer
    assert f"<@{offer.candidate_id}>: 1 taken (100%)" in answer

    files = wait_until(lambda: len(files_in_dm(bot, ws.bob)) == 3 and files_in_dm(bot, ws.bob))
    assert bot.services.background.wait()
    rows = {tuple(r[:3]): r[3] for r in csv.reader(io.StringIO(files[2].content.decode()))}
    assert rows[("time", "fix", "business_median")] == "24.00"
    # Bob may read the incident's channel, yet nothing the command sent names it.
    after = set(sent_by_calls(bot.slack)) | set(sent_in_workspace(bot.slack))
    secrets = [*details(bot.incident(incident.human_id)).values(), incident.human_id]
    new = after - before
    assert len(new) >= 4  # the answer and three files at least
    for item in new:
        assert all(secret not in item.content for secret in secrets), item.source

"""Command text arrives escaped by Slack; it is stored as typed and shown escaped once."""

from __future__ import annotations

from sqlalchemy import select

from bot.timeline.models import TimelineEvent
from tests.forms import disclose_values
from tests.harness import RunningBot, wait_until


def test_update_text_is_stored_as_typed_and_never_double_escaped(bot: RunningBot) -> None:
    ws, slack = bot.workspace, bot.slack
    bot.driver.slash("/disclose", "", user_id=ws.alice, channel_id=ws.general)
    view = wait_until(lambda: slack.open_view_for(ws.alice), what="form")
    bot.driver.submit_view(view["id"], ws.alice, values=disclose_values())
    (incident,) = bot.wait_for_setup()

    # What Slack sends when someone types: update a < b & c <!channel>
    escaped = "update a &lt; b &amp; c &lt;!channel&gt;"
    bot.driver.slash("/disclose", escaped, user_id=ws.alice, channel_id=incident.channel_id)

    def stored() -> str | None:
        with bot.services.db.transaction() as session:
            return session.scalar(select(TimelineEvent.text).where(TimelineEvent.kind == "update"))

    assert wait_until(stored, what="the update") == "a < b & c <!channel>"
    replies = wait_until(
        lambda: [m for m in slack.thread(ws.triage, incident.triage_ts) if "a &lt; b" in m.text],
        what="the thread reply",
    )
    assert "a &lt; b &amp; c &lt;!channel&gt;" in replies[-1].text
    assert "&amp;amp;" not in replies[-1].text and "<!channel>" not in replies[-1].text

"""`/disclose stats [period]` and the App Home's insights section, for the security team.

The figures come back as an ephemeral answer; the charts and the CSV go by DM to whoever
asked, never to a channel, since a channel may have readers off the team. The roster
check is the subcommand registry's, as for every other subcommand.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.insights import Insights, PeriodError, compute, parse_period
from bot.insights import charts as insight_charts
from bot.insights.period import Period
from bot.insights.table import to_csv
from bot.services import Services
from bot.slack.blocks import insights as insight_blocks
from bot.slack.gateway import SlackError
from bot.slack.listeners import home
from bot.slack.listeners.commands import CommandContext, Reply, subcommand

log = logging.getLogger(__name__)


def insights_for(services: Services, period: Period) -> Insights:
    with services.db.transaction() as session:
        return compute(session, period, services.calendar, services.roster.members)


def report_files(insights: Insights) -> list[tuple[str, bytes, str]]:
    """(file name, content, title) of what goes to the asker's DM."""
    fix = insight_charts.fix_time_chart(insights)
    rates = insight_charts.hit_rate_chart(insights)
    stem = insights.period.label.replace(" ", "-").lower()
    return [
        (fix.filename, fix.png, fix.title),
        (rates.filename, rates.png, rates.title),
        (f"insights-{stem}.csv", to_csv(insights).encode(), f"Insights, {insights.period.label}"),
    ]


def send_files(services: Services, user_id: str, insights: Insights) -> None:
    """Upload the charts and the CSV into the DM with `user_id`."""
    gateway = services.gateway
    try:
        files = report_files(insights)
        dm = str(gateway.call("conversations.open", users=user_id)["channel"]["id"])
        for index, (name, content, title) in enumerate(files):
            comment = f"Insights for {insights.period.label}" if index == 0 else None
            gateway.upload(dm, name, content, title=title, comment=comment)
    except SlackError as exc:
        log.warning("could not send the insights files to %s: %s", user_id, exc.error)
        try:
            gateway.dm(
                user_id,
                f"The insights charts could not be sent ({exc.plain}). "
                "Run `/disclose stats` again to retry.",
            )
        except SlackError:
            log.warning("could not tell %s either", user_id)


@subcommand(
    "stats",
    "stats [period]",
    "shows how the team does against its policy (last 90 days, `quarter`, `year`, "
    "`last-quarter`, or two dates), with charts and CSV by DM.",
    needs_incident=False,
)
def stats(context: CommandContext) -> Reply:
    services = context.services
    try:
        period = parse_period(context.args, services.clock.now(), services.calendar.tz)
    except PeriodError as exc:
        return Reply(str(exc))
    insights = insights_for(services, period)
    services.background.defer(send_files, services, context.user_id, insights)
    text, blocks = insight_blocks.stats_reply(insights)
    return Reply(text, blocks)


def home_section(services: Services, user_id: str) -> list[dict[str, Any]]:
    """The App Home's headline figures over the default period (members only: the tab
    shows outsiders nothing before it gets here)."""
    period = parse_period("", services.clock.now(), services.calendar.tz)
    return insight_blocks.home_section(insights_for(services, period))


def connect(services: Services) -> None:
    """The insights section of the App Home (the subcommands register themselves)."""
    home.providers.insights = home_section

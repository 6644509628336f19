"""`/disclose stats` and the App Home's insights section: figures only, never an incident.

Pure functions of an `Insights`; the only names they print are team members' mentions
(lead load) and the policy's deadline labels.
"""

from __future__ import annotations

from typing import Any

from bot.insights.report import MEASURES, Insights, source_label
from bot.insights.table import business_text, calendar_text, measure_line, percent
from bot.slack.blocks.text import mrkdwn, plain, slack_date, user_mention

Blocks = list[dict[str, Any]]
FILES_ON_THE_WAY = "The charts and the CSV are on their way to you by DM."
HOME_MEASURES = ("acknowledge", "lead", "fix")
SPAN = "{date_short} {time}"  # each reader's own time zone


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def _counts(counts: dict[str, int], source: bool = False) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{source_label(k) if source else k} {n}" for k, n in counts.items())


def overall_rate(insights: Insights) -> tuple[int, int]:
    """(met on time, due) over every deadline kind."""
    return (
        sum(rate.on_time for rate in insights.deadlines),
        sum(rate.total for rate in insights.deadlines),
    )


def stats_reply(insights: Insights) -> tuple[str, Blocks]:
    period = insights.period
    day = insights.business_day
    counts = (
        f"*Opened* {insights.opened} ({_counts(insights.opened_by_severity)})\n"
        f"   by source: {_counts(insights.opened_by_source, source=True)}\n"
        f"*Closed* {insights.closed} ({_counts(insights.closed_by_severity)})\n"
        f"   by source: {_counts(insights.closed_by_source, source=True)}"
    )
    times = "*Time from report* (median, 90th percentile; business time in brackets)\n" + "\n".join(
        "• " + measure_line(name, spread, day) for name, spread in insights.measures.items()
    )
    by_severity = "*Time to a fix by severity*\n" + (
        "\n".join(
            "• " + measure_line(group, spread, day)
            for group, spread in insights.fix_by_severity.items()
        )
        or "_no incident reported in the period_"
    )
    on_time, due = overall_rate(insights)
    deadlines = f"*Deadlines due in the period*: {on_time} of {due} met on time\n" + (
        "\n".join(
            f"• {rate.label}: {rate.on_time} on time, {rate.late} late, {rate.missed} missed "
            f"({percent(rate.rate)})"
            for rate in insights.deadlines
        )
        or "_none fell due_"
    )
    worst = insights.worst_offenders
    if worst:
        deadlines += "\n*Most often missed or late*: " + "; ".join(
            f"{rate.label} ({rate.late + rate.missed} of {rate.total}, worst "
            f"{calendar_text(rate.worst_lateness)} late)"
            for rate in worst
        )
    taken = sum(load.taken for load in insights.leads)
    leads = "*Lead load* (roles taken and their share, offers passed, expired; time leading)\n" + (
        "\n".join(
            f"• {user_mention(load.member)}: {load.taken} taken"
            + (f" ({percent(load.taken / taken)})" if taken else "")
            + f", {load.passed} passed, "
            f"{load.expired} expired; {calendar_text(load.leading) if load.leading else '0 h'}"
            for load in insights.leads
        )
        or "_nobody_"
    )
    title = f"Insights: {period.label}"
    blocks: Blocks = [
        {"type": "header", "text": plain(title, 150)},
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"{slack_date(period.since, SPAN)} to {slack_date(period.until, SPAN)} · "
                    "incidents reported in the period; aggregates only"
                )
            ],
        },
        _section(counts),
        _section(times),
        _section(by_severity),
        _section(deadlines),
        _section(leads),
        {"type": "context", "elements": [mrkdwn(FILES_ON_THE_WAY)]},
    ]
    text = (
        f"{title}: {insights.opened} opened, {insights.closed} closed, "
        f"{on_time} of {due} deadlines met on time. {FILES_ON_THE_WAY}"
    )
    return text, blocks


def home_section(insights: Insights) -> Blocks:
    """Headline figures for the App Home."""
    on_time, due = overall_rate(insights)
    fields = [
        mrkdwn(f"*Opened / closed*\n{insights.opened} / {insights.closed}"),
        mrkdwn(
            "*Deadlines met on time*\n"
            + (f"{percent(on_time / due)} ({on_time} of {due})" if due else "none due")
        ),
    ]
    for name in HOME_MEASURES:
        spread = insights.measures[name]
        fields.append(
            mrkdwn(
                f"*{MEASURES[name]}, median*\n"
                + (
                    f"{calendar_text(spread.median)} "
                    f"({business_text(spread.business_median, insights.business_day)})"
                    if spread.count
                    else "no sample"
                )
            )
        )
    worst = insights.worst_offenders
    fields.append(
        mrkdwn("*Most often missed or late*\n" + (worst[0].label if worst else "nothing"))
    )
    return [
        {"type": "divider"},
        {"type": "header", "text": plain(f"How we're doing: {insights.period.label}", 150)},
        {"type": "section", "fields": fields},
        {
            "type": "context",
            "elements": [mrkdwn("`/disclose stats [period]` for every figure, with charts.")],
        },
    ]

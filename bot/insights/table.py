"""A report as rows (for CSV) and as plain lines (for the command line).

The CSV is long-form, one figure a row: `section,group,name,value,unit`. Durations are in
hours (calendar hours, or working hours for business time), so a spreadsheet can sum and
chart them; empty values mean "no sample".
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.insights.report import MEASURES, Insights, source_label
from bot.insights.spread import Spread

Row = tuple[str, str, str, str, str]
HEADER: Row = ("section", "group", "name", "value", "unit")


def hours(value: timedelta | None) -> str:
    return "" if value is None else f"{value / timedelta(hours=1):.2f}"


def calendar_text(value: timedelta | None) -> str:
    if value is None:
        return "–"
    total = value / timedelta(hours=1)
    return f"{total:.1f} h" if total < 48 else f"{total / 24:.1f} days"


def business_text(value: timedelta | None, business_day: timedelta) -> str:
    if value is None:
        return "–"
    total = value / timedelta(hours=1)
    if value < business_day:
        return f"{total:.1f} business h"
    return f"{value / business_day:.1f} business days"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def _spread_rows(section: str, group: str, spread: Spread) -> list[Row]:
    return [
        (section, group, "reached", str(spread.count), "incidents"),
        (section, group, "pending", str(spread.pending), "incidents"),
        (section, group, "median", hours(spread.median), "hours"),
        (section, group, "p90", hours(spread.p90), "hours"),
        (section, group, "business_median", hours(spread.business_median), "working hours"),
        (section, group, "business_p90", hours(spread.business_p90), "working hours"),
        (section, group, "longest_pending", hours(spread.longest_pending), "hours"),
    ]


def rows(insights: Insights) -> list[Row]:
    period = insights.period
    found: list[Row] = [
        ("period", "", "label", period.label, ""),
        ("period", "", "since", period.since.isoformat(), "UTC"),
        ("period", "", "until", period.until.isoformat(), "UTC"),
        ("opened", "all", "count", str(insights.opened), "incidents"),
        ("closed", "all", "count", str(insights.closed), "incidents"),
    ]
    for section, counts in (
        ("opened", insights.opened_by_severity),
        ("closed", insights.closed_by_severity),
    ):
        found += [(section, "severity", name, str(n), "incidents") for name, n in counts.items()]
    for section, counts in (
        ("opened", insights.opened_by_source),
        ("closed", insights.closed_by_source),
    ):
        found += [
            (section, "source", source_label(name), str(n), "incidents")
            for name, n in counts.items()
        ]
    for name, spread in insights.measures.items():
        found += _spread_rows("time", name, spread)
    for group, spread in insights.fix_by_severity.items():
        found += _spread_rows("time_to_fix", group, spread)
    for rate in insights.deadlines:
        found += [
            ("deadline", rate.kind, "on_time", str(rate.on_time), "deadlines"),
            ("deadline", rate.kind, "late", str(rate.late), "deadlines"),
            ("deadline", rate.kind, "missed", str(rate.missed), "deadlines"),
            ("deadline", rate.kind, "hit_rate", _share(rate.rate), "share"),
            ("deadline", rate.kind, "median_lateness", hours(rate.median_lateness), "hours"),
            ("deadline", rate.kind, "worst_lateness", hours(rate.worst_lateness), "hours"),
        ]
    for load in insights.leads:
        found += [
            ("lead", load.member, "taken", str(load.taken), "roles"),
            ("lead", load.member, "passed", str(load.passed), "offers"),
            ("lead", load.member, "expired", str(load.expired), "offers"),
            ("lead", load.member, "leading", hours(load.leading), "hours"),
        ]
    return found


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def to_csv(insights: Insights) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(insights))
    return buffer.getvalue()


def measure_line(name: str, spread: Spread, business_day: timedelta) -> str:
    label = MEASURES.get(name, name)
    if not spread.count:
        waiting = f", {spread.pending} waiting" if spread.pending else ""
        return f"{label}: no sample{waiting}"
    line = (
        f"{label}: median {calendar_text(spread.median)} "
        f"({business_text(spread.business_median, business_day)}), "
        f"90th percentile {calendar_text(spread.p90)} "
        f"({business_text(spread.business_p90, business_day)}), n={spread.count}"
    )
    if spread.pending:
        line += (
            f", {spread.pending} still waiting (longest {calendar_text(spread.longest_pending)})"
        )
    return line


def summary_lines(insights: Insights) -> list[str]:
    """The report in plain words, for a terminal."""
    period = insights.period
    lines = [
        f"Insights for {period.label} "
        f"({period.since:%Y-%m-%d %H:%M} to {period.until:%Y-%m-%d %H:%M} UTC)",
        "",
        f"Opened: {insights.opened}" + _counts(insights.opened_by_severity),
        "  by source:" + _counts(insights.opened_by_source, source=True),
        f"Closed: {insights.closed}" + _counts(insights.closed_by_severity),
        "  by source:" + _counts(insights.closed_by_source, source=True),
        "",
        "Time from report (calendar, business in brackets):",
    ]
    lines += [
        "  " + measure_line(name, spread, insights.business_day)
        for name, spread in insights.measures.items()
    ]
    lines += ["", "Time to a fix by severity:"]
    lines += [
        "  " + measure_line(group, spread, insights.business_day)
        for group, spread in insights.fix_by_severity.items()
    ] or ["  none"]
    lines += ["", "Deadlines due in the period (on time / late / missed, hit rate):"]
    lines += [
        f"  {rate.label}: {rate.on_time} / {rate.late} / {rate.missed}, {percent(rate.rate)}"
        for rate in insights.deadlines
    ] or ["  none"]
    worst = insights.worst_offenders
    if worst:
        lines += ["", "Most often missed or late:"]
        lines += [
            f"  {rate.label}: {rate.late + rate.missed} of {rate.total}, "
            f"worst {calendar_text(rate.worst_lateness)} late"
            for rate in worst
        ]
    lines += ["", "Lead load (taken / passed / expired, time leading):"]
    lines += [
        f"  {load.member}: {load.taken} / {load.passed} / {load.expired}, "
        f"{calendar_text(load.leading) if load.leading else '0 h'}"
        for load in insights.leads
    ] or ["  nobody"]
    return lines


def _counts(counts: dict[str, int], source: bool = False) -> str:
    if not counts:
        return " none" if source else ""
    named = [f"{source_label(k) if source else k} {n}" for k, n in counts.items()]
    return (" " if source else " (") + ", ".join(named) + ("" if source else ")")

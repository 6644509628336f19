"""`python -m bot stats`: a period's insights on the command line, as text or CSV."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from bot.insights.period import FORMS, Period, PeriodError, between, parse_date, parse_period


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot stats",
        description="How the team does against its policy, in aggregate (no incident named).",
    )
    parser.add_argument(
        "--since", metavar="DATE", help="first day, YYYY-MM-DD (the team's time zone)"
    )
    parser.add_argument("--until", metavar="DATE", help="last day, included (default today)")
    parser.add_argument(
        "--period", metavar="WORDS", help="instead of dates: " + FORMS.replace("`", "")
    )
    parser.add_argument("--csv", action="store_true", help="print CSV instead of text")
    parser.add_argument(
        "--charts", metavar="DIR", type=Path, help="also write the two PNG charts into DIR"
    )
    return parser


def period_from(args: argparse.Namespace, now: datetime, zone: tzinfo = UTC) -> Period:
    if args.period and (args.since or args.until):
        raise PeriodError("Give either --period or --since/--until, not both.")
    if args.period:
        return parse_period(args.period, now, zone)
    if args.until and not args.since:
        raise PeriodError("--until needs --since.")
    if not args.since:
        return parse_period("", now, zone)
    last = parse_date(args.until) if args.until else now.astimezone(zone).date()
    return between(parse_date(args.since), last, now, zone=zone)


def main(argv: list[str], now: datetime | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.bootstrap import load_policy_and_calendar
    from bot.config import ConfigError, load_settings
    from bot.database import Database
    from bot.insights import charts, table
    from bot.insights.report import compute

    args = build_parser().parse_args(argv)
    moment = now or datetime.now(UTC)
    try:
        settings = load_settings()
        _, calendar = load_policy_and_calendar(settings)
        period = period_from(args, moment, calendar.tz)
    except (PeriodError, ConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            insights = compute(session, period, calendar, settings.security_team)
    except SQLAlchemyError as error:
        print(
            f"The database could not be read ({error.__class__.__name__}); "
            "check DATABASE_URL and run `python -m bot migrate`.",
            file=sys.stderr,
        )
        return 1
    finally:
        db.dispose()
    if args.csv:
        sys.stdout.write(table.to_csv(insights))
    else:
        print("\n".join(table.summary_lines(insights)))
    if args.charts:
        args.charts.mkdir(parents=True, exist_ok=True)
        for chart in (charts.fix_time_chart(insights), charts.hit_rate_chart(insights)):
            (args.charts / chart.filename).write_bytes(chart.png)
            print(f"wrote {args.charts / chart.filename}", file=sys.stderr)
    return 0

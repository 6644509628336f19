"""Cost of the insights figures and charts, against `/disclose leads` in the same run.

Seeds the test history (14 incidents with their deadlines and offers) N times over, on
SQLite and PostgreSQL, and times `compute` for the year, the two charts and the CSV,
next to the lead table `/disclose leads` builds. Run by hand from the project root:

    python -m bench.insights [--copies 10 100 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from bot.database import Database
from bot.insights import charts, table
from bot.insights.period import between
from bot.insights.report import compute
from bot.lead.service import stats as lead_stats
from bot.policy import BusinessCalendar
from tests.databases import drop_postgres_schema, empty_tables, migrated_url
from tests.insights_history import seed_history

PEOPLE = {"alice": "UALICE01", "bob": "UBOB0002", "carol": "UCAROL03"}
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def timed(run: Callable[[], object], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[10, 100, 500])
    args = parser.parse_args()
    period = between(date(2025, 1, 1), date(2025, 12, 31), NOW)
    calendar = BusinessCalendar()
    members = list(PEOPLE.values())
    print("backend     incidents  leads ms  compute ms  ratio  charts ms  csv ms")
    for backend in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as workdir:
            url, schema = migrated_url(backend, Path(workdir))
            db = Database(url)
            try:
                for copies in args.copies:
                    empty_tables(db)
                    for copy in range(copies):
                        seed_history(db, PEOPLE, prefix=f"B{copy}")

                    def figures(db: Database = db) -> object:
                        with db.transaction() as session:
                            return compute(session, period, calendar, members)

                    def leads(db: Database = db) -> object:
                        with db.transaction() as session:
                            return lead_stats(session, members, NOW)

                    insights = figures()
                    base, cost = timed(leads), timed(figures)
                    drawn = timed(
                        lambda i=insights: (charts.fix_time_chart(i), charts.hit_rate_chart(i)), 3
                    )
                    written = timed(lambda i=insights: table.to_csv(i))
                    print(
                        f"{backend:<11} {copies * 14:>9}  {base:>8.1f}  {cost:>10.1f}"
                        f"  {cost / base:>5.1f}  {drawn:>9.1f}  {written:>6.2f}"
                    )
            finally:
                db.dispose()
                if schema:
                    drop_postgres_schema(schema)


if __name__ == "__main__":
    main()

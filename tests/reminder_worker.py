"""A bot process that only ticks reminders, for the crash test: `python -m tests.reminder_worker`.

Reads DATABASE_URL, SLACK_API_URL, SLACK_BOT_TOKEN, TRIAGE_CHANNEL and SECURITY_TEAM from
the environment, and LEASE_SECONDS; ticks until killed. Prints "ticking" once started.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from bot.bootstrap import build_services
from bot.config import Settings
from bot.slack.reminder_delivery import Ticker


def main() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = build_services(settings)
    ticker = Ticker(services, lease=timedelta(seconds=float(os.environ["LEASE_SECONDS"])))
    ticker.batch = 10
    print("ticking", flush=True)
    while True:
        ticker.tick()
        time.sleep(0.05)


if __name__ == "__main__":
    main()

"""A bot process that only sends mail, for the crash test: `python -m tests.mail_worker`.

Reads DATABASE_URL, SMTP_URL, MAIL_FROM (and the Slack settings) from the environment,
and LEASE_SECONDS; sends until killed. Prints "sending" once started.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from bot.bootstrap import build_services
from bot.config import Settings
from bot.mail.worker import MailWorker


def main() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = build_services(settings)
    worker = MailWorker(services, lease=timedelta(seconds=float(os.environ["LEASE_SECONDS"])))
    worker.batch = 10
    print("sending", flush=True)
    while True:
        worker.run()
        time.sleep(0.05)


if __name__ == "__main__":
    main()

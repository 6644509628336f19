"""`python -m bot [run|worker|demo|migrate|check|cvss|stats|mail-in]`."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger("bot")


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.intake_secret,
        settings.github_webhook_secret,
        settings.cve_api_key,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def run(settings: Settings) -> int:
    from bot import logs
    from bot.bootstrap import build_services, identify, reconcile_after_start
    from bot.jobs import start_background
    from bot.server import BackgroundServer, serve_forever
    from bot.slack.app import build_app
    from bot.slack.delivery_loop import DeliveryLoop
    from bot.web import build_wsgi

    settings.require_slack()
    logs.configure(_secrets(settings))
    services = build_services(settings)
    identify(services)
    bolt_app = build_app(services)
    wsgi = build_wsgi(services, bolt_app)
    threading.Thread(
        target=reconcile_after_start, args=(services,), daemon=True, name="reconcile"
    ).start()
    start_background(services)
    if settings.deliver_in_web:
        DeliveryLoop(services).start()
    if settings.socket_mode:
        BackgroundServer(build_wsgi(services, None), host="0.0.0.0", port=settings.port).start()
        log.info("Socket Mode; health check on port %d", settings.port)
        socket_mode_handler(bolt_app, settings).start()  # type: ignore[no-untyped-call]
    else:
        log.info("serving /slack/events and /healthz on port %d", settings.port)
        serve_forever(wsgi, settings.port)
    return 0


def socket_mode_handler(bolt_app: App, settings: Settings) -> SocketModeHandler:
    """The websocket to Slack that `run` keeps open when SLACK_APP_TOKEN is set; it opens
    links through the bot's own Web API client, so SLACK_API_URL applies to it too."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    return SocketModeHandler(bolt_app, settings.slack_app_token.get_secret_value())


def worker(settings: Settings) -> int:
    """Delivery to Slack (the outbox, reminders) and the scheduled jobs, for deployments that
    scale the web process separately (DELIVER_IN_WEB=false there); any number may run."""
    from bot import logs
    from bot.bootstrap import build_services, identify
    from bot.jobs import run_blocking
    from bot.slack.delivery_loop import WORKER_POLL, DeliveryLoop

    settings.require_slack()
    logs.configure(_secrets(settings))
    services = build_services(settings)
    identify(services)
    DeliveryLoop(services, poll=WORKER_POLL).start()
    log.info("worker delivering to Slack and running scheduled jobs")
    run_blocking(services)
    return 0


def migrate(settings: Settings) -> int:
    from bot.database.migrate import upgrade

    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def check(settings: Settings) -> int:
    from bot.bootstrap import build_services
    from bot.slack.gateway import SlackError
    from bot.slack.scopes import REQUIRED_SCOPES

    settings.require_slack()
    services = build_services(settings)
    problems = []
    if not services.db.ping():
        problems.append("the database does not answer (DATABASE_URL)")
    try:
        auth = services.gateway.auth_test()
        missing = sorted(REQUIRED_SCOPES - set(auth["scopes"]))
        if missing:
            problems.append("the bot token lacks scopes: " + ", ".join(missing))
        print(f"Slack: connected as {auth.get('user')} in {auth.get('team')}")
    except SlackError as exc:
        problems.append(f"Slack refused auth.test: {exc.plain}")
    for problem in problems:
        print(f"problem: {problem}")
    print("all checks passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


# sysexits.h: what a mail system's pipe transport reads from the exit code.
EX_OK, EX_DATAERR, EX_TEMPFAIL, EX_CONFIG = 0, 65, 75, 78


def mail_in(settings: Settings) -> int:
    """One message on standard input (an MTA's pipe transport, procmail, fetchmail's mda).

    0: stored (or stored before); 65: not a mail message, the mail system bounces it;
    75: the database did not answer (or the bot failed), the mail system keeps the message
    and retries.
    The Slack side follows here when it can, else the running bot's reconcile finishes it.
    """
    from bot import logs
    from bot.bootstrap import build_services, identify
    from bot.database import UNAVAILABLE
    from bot.intake.mail_parse import NotAMessage
    from bot.intake.mail_wsgi import show_in_slack, store_mail
    from bot.slack.app import build_app

    logs.configure(_secrets(settings))
    raw = sys.stdin.buffer.read(settings.mail_max_bytes + 1)
    if len(raw) > settings.mail_max_bytes:
        print(f"mail-in: the message is over {settings.mail_max_bytes} bytes", file=sys.stderr)
        return EX_DATAERR
    try:
        services = build_services(settings)
        outcome = store_mail(services, raw)
    except NotAMessage as error:
        print(f"mail-in: not stored: {error}", file=sys.stderr)
        return EX_DATAERR
    except UNAVAILABLE:
        print("mail-in: the database did not answer; try again later", file=sys.stderr)
        return EX_TEMPFAIL
    except Exception:  # a fault of ours: keep the message queued for a fixed bot, not bounced
        log.exception("mail-in: the message could not be stored; the mail system retries")
        return EX_TEMPFAIL
    print(f"mail-in: {outcome.outcome} {outcome.human_id or ''}".rstrip())
    if outcome.created and outcome.incident_id is not None and settings.slack_bot_token:
        try:
            identify(services)
            build_app(services)  # its listeners hook the set-up's follow-ups in
            show_in_slack(services, outcome)
            services.background.wait()
        except Exception as error:  # stored: the bot's reconcile job finishes the Slack side
            log.warning("mail-in: Slack side left to the bot: %s", error)
    return EX_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "cvss":
        from bot.scoring.cli import main as cvss_main

        return cvss_main(argv[1:])
    if argv and argv[0] == "stats":
        from bot.insights.cli import main as stats_main

        return stats_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "worker", "demo", "migrate", "check", "cvss", "stats", "mail-in"],
        help="run (default): serve the bot; worker: Slack delivery and scheduled jobs; "
        "demo: play a disclosure locally; "
        "migrate: upgrade the database; check: validate settings and Slack access; "
        "cvss: score vectors; stats: insights for a period (--since DATE, --csv); "
        "mail-in: store one mail message from standard input",
    )
    args = parser.parse_args(argv)
    if args.command == "demo":
        from bot.demo import main as demo_main

        return demo_main()
    from bot.slack.gateway import SlackError

    try:
        settings = load_settings()
        commands = {
            "run": run,
            "worker": worker,
            "migrate": migrate,
            "check": check,
            "mail-in": mail_in,
        }
        return commands[args.command](settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EX_CONFIG if args.command == "mail-in" else 2
    except SlackError as error:
        print(f"Slack refused to start the bot: {error.plain}.", file=sys.stderr)
        return 2

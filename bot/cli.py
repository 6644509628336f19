"""`python -m bot [run|worker|demo|migrate|check|cvss|stats|mail-in]`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import threading
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.delivery_loop import DeliveryLoop

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
    from bot.database.outage import OutageLog, wait_until_answering
    from bot.jobs import start_background
    from bot.server import BackgroundServer
    from bot.shutdown import StopSignal, bounded, wind_down
    from bot.slack.app import build_app, drain
    from bot.slack.delivery_loop import DeliveryLoop
    from bot.web import build_wsgi

    settings.require_slack()
    logs.configure(_secrets(settings), settings.log_level)
    stop = StopSignal().install()
    services = build_services(settings)
    identify(services)
    bolt_app = build_app(services)
    outage = OutageLog()
    delivery = DeliveryLoop(services) if settings.deliver_in_web else None
    delivering: list[threading.Thread] = []

    def start_once_answering() -> None:
        if not wait_until_answering(services.db, outage, stop.event):
            return
        if delivery is not None:  # started once the database answers: no line a second
            delivering.append(delivery.start())
        reconcile_after_start(services)

    threading.Thread(target=start_once_answering, daemon=True, name="reconcile").start()
    scheduler = start_background(services, outage)
    handler = None
    if settings.socket_mode:
        health = build_wsgi(services, None)
        server = BackgroundServer(health, host="0.0.0.0", port=settings.port).start()
        handler = socket_mode_handler(bolt_app, settings)
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("Socket Mode; health check on port %d", settings.port)
    else:
        wsgi = build_wsgi(services, bolt_app)
        server = BackgroundServer(wsgi, host="0.0.0.0", port=settings.port).start()
        log.info("serving /slack/events and /healthz on port %d", settings.port)
    stop.wait()
    steps = [
        (
            "Socket Mode connection",
            bounded(lambda: close_socket_mode(handler) if handler else None),
        ),
        ("HTTP requests", server.stop_gracefully),
        ("scheduled jobs", bounded(lambda: scheduler.shutdown(wait=True))),
        ("listeners", bounded(lambda: drain(bolt_app))),
        ("background work", services.background.wait),
        ("Slack delivery", lambda seconds: _stop_delivery(delivery, delivering, seconds)),
    ]
    if not wind_down(steps, stop.name, settings.stop_within_seconds):
        # Threads still at work would hold the interpreter's exit; their leases cover them.
        logging.shutdown()
        os._exit(0)
    services.db.dispose()
    return 0


def _stop_delivery(
    delivery: DeliveryLoop | None, threads: list[threading.Thread], seconds: float
) -> bool:
    """Let the delivery loop finish the row in hand and stop; False if it is still at it."""
    if delivery is None:
        return True
    delivery.stop()
    for thread in threads:
        thread.join(seconds)
    return not any(thread.is_alive() for thread in threads)


def socket_mode_handler(bolt_app: App, settings: Settings) -> SocketModeHandler:
    """The websocket to Slack that `run` keeps open when SLACK_APP_TOKEN is set; it opens
    links through the bot's own Web API client, so SLACK_API_URL applies to it too."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.slack_app_token is not None
    return SocketModeHandler(bolt_app, settings.slack_app_token.get_secret_value())


def close_socket_mode(handler: SocketModeHandler) -> None:
    """Close the websocket now. slack_sdk's client closes its socket under the lock its
    reader holds through each read, and a read ends only at its timeout (seconds); shutting
    the socket down first ends the read at once."""
    client = handler.client
    client.auto_reconnect_enabled = False  # the ended read must not look like a drop
    client.closed = True
    sock = getattr(client.current_session, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    handler.close()  # type: ignore[no-untyped-call]


def worker(settings: Settings) -> int:
    """Delivery to Slack (the outbox, reminders) and the scheduled jobs, for deployments that
    scale the web process separately (DELIVER_IN_WEB=false there); any number may run."""
    from bot import logs
    from bot.bootstrap import build_services, identify
    from bot.jobs import start_background
    from bot.shutdown import StopSignal, bounded, wind_down
    from bot.slack.delivery_loop import WORKER_POLL, DeliveryLoop

    settings.require_slack()
    logs.configure(_secrets(settings), settings.log_level)
    stop = StopSignal().install()
    services = build_services(settings)
    identify(services)
    delivery = DeliveryLoop(services, poll=WORKER_POLL)
    delivering = [delivery.start()]
    scheduler = start_background(services)
    log.info("worker delivering to Slack and running scheduled jobs")
    stop.wait()
    steps = [
        ("Slack delivery", lambda seconds: _stop_delivery(delivery, delivering, seconds)),
        ("scheduled jobs", bounded(lambda: scheduler.shutdown(wait=True))),
        ("background work", services.background.wait),
    ]
    if not wind_down(steps, stop.name, settings.stop_within_seconds):
        logging.shutdown()
        os._exit(0)
    services.db.dispose()
    return 0


def migrate(settings: Settings) -> int:
    from bot.database.migrate import upgrade

    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def check(settings: Settings) -> int:
    from bot.bootstrap import SLACK_API, build_services
    from bot.slack.gateway import SlackError, SlackUnavailable
    from bot.slack.scopes import REQUIRED_SCOPES
    from bot.slack.triage import triage_problems

    settings.require_slack()
    services = build_services(settings)
    problems = []
    reason = services.db.unavailable_reason()
    if reason:
        problems.append(f"the database does not answer (DATABASE_URL): {reason}")
    else:
        print(f"database: answers ({services.db.dialect})")
    slack_at = settings.slack_api_url or SLACK_API
    unanswered = f"check the network, or SLACK_API_URL if set (asked {slack_at})"
    try:
        auth = services.gateway.auth_test()
        print(f"Slack: connected as {auth.get('user')} in {auth.get('team')}")
        missing = sorted(REQUIRED_SCOPES - set(auth["scopes"]))
        if missing:
            problems.append(
                "the bot token lacks scopes: " + ", ".join(missing) + " (add them to the app, "
                "as manifest.yml lists them, and reinstall it to the workspace)"
            )
        if settings.triage_channel:
            found = triage_problems(
                services.gateway, settings.triage_channel, str(auth.get("user") or "bot")
            )
            problems.extend(found)
            if not found:
                print("triage channel: private, this workspace only, the bot is a member")
    except SlackUnavailable as exc:
        problems.append(f"Slack did not answer {exc.method} ({_why(exc)}); {unanswered}")
    except SlackError as exc:
        problems.append(f"Slack refused {exc.method}: {exc.plain} (SLACK_BOT_TOKEN)")
    services.db.dispose()
    for problem in problems:
        print(f"problem: {problem}")
    print("all checks passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


SETTINGS_FROM = (
    "Settings are read from environment variables, then from a .env file in the working "
    "directory (see .env.example for every variable)."
)
# Each command, what it does, and the settings it needs.
COMMANDS = {
    "run": (
        "serve the bot (the default)",
        "Serve Slack's requests (HTTP on PORT at /slack/events, or Socket Mode when "
        "SLACK_APP_TOKEN is set), /healthz and the intake endpoints, and run the scheduled "
        "jobs. Needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (not in Socket Mode), "
        "SECURITY_TEAM and TRIAGE_CHANNEL. Stops gracefully on SIGTERM or SIGINT.",
    ),
    "worker": (
        "deliver to Slack and run the scheduled jobs",
        "The outbox's delivery to Slack, reminders, lead offers, set-up sweeps and roster "
        "refreshes, for deployments that scale the web process separately "
        "(DELIVER_IN_WEB=false there); any number may run. Needs the same settings as run.",
    ),
    "migrate": (
        "upgrade the database",
        "Upgrade DATABASE_URL to the latest schema (SQLite upgrades itself on start).",
    ),
    "check": (
        "validate the settings, database, Slack token and triage channel",
        "Check the settings, that the database answers, that the token works and has every "
        "scope, and that TRIAGE_CHANNEL is private, not shared with another organisation, "
        "and has the bot as a member. Each problem is named with its fix; exit status 1 "
        "if there is any.",
    ),
    "demo": (
        "play a disclosure against the local Slack API server",
        "Needs no settings and no Slack account; see `python -m bot demo --help`.",
    ),
    "cvss": (
        "score CVSS vectors",
        "Needs no settings; see `python -m bot cvss --help`.",
    ),
    "stats": (
        "insights for a period (--since DATE, --csv)",
        "Reads DATABASE_URL; see `python -m bot stats --help`.",
    ),
    "mail-in": (
        "store one mail message from standard input",
        "For a mail system's pipe transport: exit 0 stored, 65 not a mail message (bounced), "
        "75 try again later, 78 a setting to fix. Reads DATABASE_URL (and the Slack "
        "settings to show the report at once).",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="A Slack bot for private vulnerability disclosures.",
        epilog=SETTINGS_FROM,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, details) in COMMANDS.items():
        commands.add_parser(name, help=summary, description=details, epilog=SETTINGS_FROM)
    parser.set_defaults(command="run")
    return parser


def _why(error: Exception) -> str:
    """The network's reason for an unanswered call (connection refused, timed out...)."""
    cause = error.__cause__
    reason = getattr(cause, "reason", None) or cause
    return str(reason) if reason else getattr(error, "plain", str(error))


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
    if argv and argv[0] == "demo":
        from bot.demo import main as demo_main

        return demo_main(argv[1:])
    if argv and argv[0] == "cvss":
        from bot.scoring.cli import main as cvss_main

        return cvss_main(argv[1:])
    if argv and argv[0] == "stats":
        from bot.insights.cli import main as stats_main

        return stats_main(argv[1:])
    args = _parser().parse_args(argv)
    from bot.slack.gateway import SlackError, SlackUnavailable

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
    except SlackUnavailable as error:
        print(
            f"Slack did not answer {error.method} at start-up ({_why(error)}). Check the "
            "network (or SLACK_API_URL if set) and start again.",
            file=sys.stderr,
        )
        return 2
    except SlackError as error:
        print(f"Slack refused {error.method} at start-up: {error.plain}.", file=sys.stderr)
        return 2

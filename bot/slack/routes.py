"""Every Slack request the bot answers, and the one function that answers it.

One row per command, action ID, view callback ID, shortcut and event, with the listener
middleware that runs first (bot/slack/middleware.py): `roster_only` for what only the
security team may do, an `incident_from_*` for listeners about one incident. For a
listener whose work follows the ack (`@after_ack`), the middleware that reads the
database runs after the ack too, so a burst of clicks is acknowledged at once. The IDs
are written out, so searching for an action ID finds its row; a test checks that every
ID the Block Kit builders use has a row. To answer something new, add a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import App

from bot.services import Services
from bot.slack.follow_up import AfterAck
from bot.slack.listeners import (
    advisory_packages,
    channel_watch,
    cve,
    cvss,
    cvss_modal,
    disclose,
    distributors,
    embargo,
    home,
    leads,
    lifecycle,
    mail,
    reminders,
    reporter,
    retrospective,
    stats,
    timeline_capture,
)
from bot.slack.middleware import (
    incident_from_button,
    incident_from_button_or_message,
    incident_from_message,
    incident_from_metadata,
    incident_in_channel,
    roster_only,
    services_in_context,
)

Constraint = str | re.Pattern[str] | dict[str, Any]
Middleware = Sequence[Callable[..., Any]]
READS_DATABASE = {
    incident_from_button,
    incident_from_button_or_message,
    incident_from_message,
    incident_from_metadata,
    incident_in_channel,
}


@dataclass(frozen=True)
class Route:
    kind: str  # the Bolt method: command, action, view, shortcut or event
    constraint: Constraint  # the command, action ID, callback ID or event type
    listener: Callable[..., Any]
    middleware: Middleware = ()
    matchers: Sequence[Callable[..., bool]] = ()


# The listener middleware of the rows below, by what the request is.
ANYONE: Middleware = ()
TEAM: Middleware = (roster_only,)  # a team member's request
TEAM_BUTTON: Middleware = (roster_only, incident_from_button)  # value "<incident ID>|…"
TEAM_MESSAGE: Middleware = (roster_only, incident_from_message)  # on a message in its channel
TEAM_FORM: Middleware = (roster_only, incident_from_metadata)  # private_metadata: the ID
IN_CHANNEL: Middleware = (incident_in_channel,)  # the channel's incident, or None


def command(
    name: str, listener: Callable[..., Any], middleware: Middleware = ANYONE, **kw: Any
) -> Route:
    return Route("command", name, listener, middleware, **kw)


def action(
    action_id: str | re.Pattern[str], listener: Callable[..., Any], middleware: Middleware = ANYONE
) -> Route:
    return Route("action", action_id, listener, middleware)


def view(callback_id: str, listener: Callable[..., Any], middleware: Middleware = ANYONE) -> Route:
    return Route("view", callback_id, listener, middleware)


def shortcut(
    callback_id: str, listener: Callable[..., Any], middleware: Middleware = ANYONE
) -> Route:
    return Route("shortcut", callback_id, listener, middleware)


def event(
    kind: str | dict[str, str], listener: Callable[..., Any], middleware: Middleware = ANYONE
) -> Route:
    return Route("event", kind, listener, middleware)


ROUTES: list[Route] = [
    # /disclose: the report form is open to anyone; subcommands are for the team.
    command("/disclose", disclose.help_for_anyone, matchers=[disclose.off_team_asks_help]),
    command(
        "/disclose", disclose.run_subcommand, (*TEAM, *IN_CHANNEL), matchers=[disclose.has_text]
    ),
    command("/disclose", disclose.open_report_form),
    view("disclose_submit", disclose.submit_report),
    action("incident_setup_retry", disclose.retry_setup, TEAM_BUTTON),
    # The incident headline's buttons and their forms.
    action("lifecycle_update", lifecycle.open_update_form, TEAM_BUTTON),
    action("lifecycle_embargo", lifecycle.open_embargo_form, TEAM_BUTTON),
    action("lifecycle_released", lifecycle.open_released_form, TEAM_BUTTON),
    action("lifecycle_close", lifecycle.open_close_form, TEAM_BUTTON),
    action("lifecycle_advisory", lifecycle.open_advisory_form, TEAM_BUTTON),
    action("lifecycle_fixteam", lifecycle.open_fixteam_form, TEAM_BUTTON),
    action("lifecycle_start_fixing", lifecycle.start_fixing, TEAM_BUTTON),
    action("lifecycle_fix_ready", lifecycle.fix_ready, TEAM_BUTTON),
    action("lifecycle_disclosed", lifecycle.disclosed, TEAM_BUTTON),
    action("lifecycle_reopen", lifecycle.reopen, TEAM_BUTTON),
    action("lifecycle_export", lifecycle.export, TEAM_BUTTON),
    action("lifecycle_fixteam_release", lifecycle.release_member, TEAM_BUTTON),
    action("advisory_package_add", advisory_packages.add_package, TEAM_FORM),
    action("advisory_package_remove", advisory_packages.remove_package, TEAM_FORM),
    view("lifecycle_update_submit", lifecycle.submit_update, TEAM_FORM),
    view("lifecycle_embargo_submit", lifecycle.submit_embargo, TEAM_FORM),
    view("lifecycle_released_submit", lifecycle.submit_released, TEAM_FORM),
    view("lifecycle_close_submit", lifecycle.submit_close, TEAM_FORM),
    view("lifecycle_advisory_submit", lifecycle.submit_advisory, TEAM_FORM),
    view("lifecycle_fixteam_submit", lifecycle.submit_fixteam, TEAM_FORM),
    # Fix lead offers, away time on the Home tab.
    action("lead_accept", leads.accept_offer, TEAM),
    action("lead_volunteer", leads.volunteer, TEAM),
    action("lead_pass", leads.open_pass_form, TEAM),
    view("lead_pass_submit", leads.submit_pass, TEAM),
    action("home_away_until", leads.away_from_home, TEAM),
    action("home_back", leads.back_from_home, TEAM),
    event("app_home_opened", home.home_opened),
    # CVE IDs and records: publish or reject from a preview, reserve from the advisory form.
    action("cve_publish", cve.publish_clicked, TEAM_BUTTON),
    action("cve_reject", cve.reject_clicked, TEAM),
    action("cve_reserve", cve.reserve_clicked, TEAM_BUTTON),
    # Distributors: the notice buttons and forms, adding one, the removal notice.
    action("distributors_notify", distributors.notice_button, TEAM_BUTTON),
    action("distributors_final", distributors.notice_button, TEAM_BUTTON),
    action("distributors_update", distributors.notice_button, TEAM_BUTTON),
    action("distributors_resend", distributors.notice_button, TEAM_BUTTON),
    view("distributors_notice_submit", distributors.notice_submitted, TEAM),
    action("distributors_add", distributors.add_button, TEAM),
    view("distributors_add_submit", distributors.add_submitted, TEAM),
    view("distributors_removal_submit", distributors.removal_submitted, TEAM),
    # Embargo breaks and the public announcement.
    action("embargo_leak", embargo.leak_button, TEAM_BUTTON),
    view("embargo_leak_submit", embargo.leak_submitted, TEAM),
    action("embargo_leak_public", embargo.public_button, TEAM_BUTTON),
    action("announce_open", embargo.announce_button, TEAM_BUTTON),
    view("announce_submit", embargo.announcement_submitted, TEAM),
    # Writing to the reporter: the button, a canned reply picked, the form sent.
    action("reporter_message", reporter.open_message_form, TEAM_BUTTON),
    action("reporter_template", reporter.template_chosen, TEAM_FORM),
    view("reporter_message_submit", reporter.submit_message, TEAM_FORM),
    # Who can read an incident channel: Slack's channel events, a stranger joining.
    event("channel_shared", channel_watch.channel_changed),
    event("channel_unshared", channel_watch.channel_changed),
    event("channel_unarchive", channel_watch.channel_changed),
    event("group_unarchive", channel_watch.channel_changed),
    event("channel_id_changed", channel_watch.channel_id_changed),
    event("member_joined_channel", channel_watch.member_joined),
    event("subteam_members_changed", channel_watch.team_group_changed),
    action("embargo_join_add_fixteam", channel_watch.join_add_to_fix_team, TEAM_BUTTON),
    action("embargo_join_remove", channel_watch.join_remove, TEAM_BUTTON),
    # Reminders and deadlines.
    action("reminder_done", reminders.mark_done, TEAM),
    action("reminder_snooze_1h", reminders.snooze, TEAM),
    action("reminder_snooze_4h", reminders.snooze, TEAM),
    action("reminder_snooze_1d", reminders.snooze, TEAM),
    action("reminder_reschedule", reminders.open_reschedule_form, TEAM),
    action("reminder_use_time", reminders.use_suggested_time, TEAM_BUTTON),
    view("reminder_reschedule_submit", reminders.submit_reschedule, TEAM),
    # /cvss, score posts and the scoring form (anyone may use it as a calculator).
    command("/cvss", cvss.cvss_command, IN_CHANNEL),
    action("cvss_record", cvss.record_vector, TEAM_MESSAGE),
    action(re.compile(r"^cvss_pick:"), cvss.pick_vector, TEAM_BUTTON),
    action("cvss_compare", cvss.compare, (roster_only, incident_from_button_or_message)),
    action("cvss_use_vector", cvss.use_vector, TEAM_MESSAGE),
    action(re.compile(r"^cvss_metric:"), cvss_modal.metric_changed),
    action("cvss_version", cvss_modal.version_changed),
    action("cvss_vector", cvss_modal.vector_pasted),
    action("cvss_advanced", cvss_modal.open_advanced),
    view("cvss_advanced", cvss_modal.advanced_done),
    view("cvss_modal", cvss_modal.submit_score, TEAM),
    # The incident timeline: 📌, the message shortcut, edits and deletions.
    event("reaction_added", timeline_capture.reacted, TEAM),
    shortcut("timeline_add", timeline_capture.add_from_shortcut, TEAM),
    event({"type": "message", "subtype": "message_changed"}, timeline_capture.message_edited),
    event({"type": "message", "subtype": "message_deleted"}, timeline_capture.message_deleted),
    event("message", timeline_capture.other_messages),
]


def register(app: App, services: Services) -> None:
    """The services in every request's context, the features' hooks, then every route."""
    app.use(services_in_context(services, view_updates=cvss_modal.ViewUpdates(services)))
    leads.connect(services)
    reminders.connect(services)
    stats.connect(services)
    mail.connect(services)
    retrospective.connect(services)
    distributors.connect(services)
    for route in ROUTES:
        listener, before = route.listener, list(route.middleware)
        if isinstance(listener, AfterAck):
            # Reading the database waits until after the ack, with the listener's work.
            later = [m for m in before if m in READS_DATABASE]
            before = [m for m in before if m not in READS_DATABASE]
            listener = listener.with_middleware(later)
        options: dict[str, Any] = {"middleware": before}
        if route.matchers:
            options["matchers"] = list(route.matchers)
        getattr(app, route.kind)(route.constraint, **options)(listener)

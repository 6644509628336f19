"""Messages and modals about distributors, notices, leaks and the announcement. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.distributor.models import Distributor, NoticeKind
from bot.distributor.notices import DistributorStatus
from bot.incident.models import Incident
from bot.slack.blocks.text import VALUE, clip, escape, input_block, mrkdwn, plain, slack_date

__all__ = ["VALUE"]

Blocks = list[dict[str, Any]]

ADD_CALLBACK = "distributors_add_submit"
NOTICE_CALLBACK = "distributors_notice_submit"
LEAK_CALLBACK = "embargo_leak_submit"
ANNOUNCE_CALLBACK = "announce_submit"
REMOVAL_CALLBACK = "distributors_removal_submit"

NOTIFY_ACTION = "distributors_notify"
FINAL_ACTION = "distributors_final"
UPDATE_ACTION = "distributors_update"
RESEND_ACTION = "distributors_resend"
LEAK_ACTION = "embargo_leak"
ANNOUNCE_ACTION = "announce_open"
ADD_ACTION = "distributors_add"
PUBLIC_ACTION = "embargo_leak_public"

KIND_TITLES = {
    NoticeKind.NOTICE: ("Notify distributors", "Send notices"),
    NoticeKind.RESEND: ("Re-send to silent", "Send again"),
    NoticeKind.FINAL: ("Final notice", "Send final notice"),
    NoticeKind.UPDATE: ("Date change notice", "Send update"),
}
STATE_WORDS = {
    "queued": ":hourglass_flowing_sand: queued",
    "sent": ":email: sent",
    "failed": ":warning: not delivered",
    "refused": ":x: refused",
}



def _text(
    block_id: str,
    label: str,
    initial: str = "",
    *,
    multiline: bool = False,
    optional: bool = True,
    max_length: int = 3000,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


def _modal(
    callback: str, title: str, submit: str, metadata: dict[str, Any], blocks: Blocks
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(action_id: str, label: str, value: str, style: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(label, 75),
        "value": value,
    }
    if style:
        found["style"] = style
    return found


# -- the list ---------------------------------------------------------------------------------


def distributor_line(row: Distributor, leaks: int) -> str:
    addresses = ", ".join(escape(a) for a in row.addresses)
    leak_text = f" · :rotating_light: {leaks} leak{'s' if leaks != 1 else ''}" if leaks else ""
    if row.active:
        return (
            f"*{escape(row.organisation)}* · {addresses} · terms accepted "
            f"{row.terms_accepted_on:%Y-%m-%d} (recorded by {escape(row.recorded_by)}){leak_text}"
        )
    return (
        f"~{escape(row.organisation)}~ removed {row.removed_at:%Y-%m-%d}: "
        f"{escape(row.removal_reason or '')}{leak_text}"
    )


def distributor_list(rows: Sequence[Distributor], leaks: dict[int, int]) -> tuple[str, Blocks]:
    active = [r for r in rows if r.active]
    removed = [r for r in rows if not r.active]
    if not rows:
        text = "No distributors yet. `/disclose distributors add` adds one."
    else:
        lines = [f"*Private distributors* ({len(active)} active)"]
        lines += [distributor_line(r, leaks.get(r.id, 0)) for r in active]
        if removed:
            lines.append("*Removed*")
            lines += [distributor_line(r, leaks.get(r.id, 0)) for r in removed]
        text = "\n".join(lines)
    blocks: Blocks = [_section(clip(text, 3000))]
    blocks.append({"type": "actions", "elements": [button(ADD_ACTION, "Add a distributor", "add")]})
    return clip(text, 3000), blocks


def add_modal(today: datetime) -> dict[str, Any]:
    blocks: Blocks = [
        _text("organisation", "Organisation", optional=False, max_length=200),
        _text(
            "addresses",
            "Addresses to write to",
            optional=False,
            max_length=1000,
            hint="Comma-separated, e.g. security@distro.example, psirt@distro.example",
        ),
        input_block(
            "terms_accepted",
            "Embargo terms accepted on",
            {"type": "datepicker", "initial_date": f"{today:%Y-%m-%d}"},
            optional=False,
        ),
    ]
    return _modal(ADD_CALLBACK, "Add a distributor", "Add", {}, blocks)


# -- notices ----------------------------------------------------------------------------------


def notice_modal(
    incident: Incident,
    kind: NoticeKind,
    *,
    recipients: Sequence[Distributor],
    selected: set[int],
    planned_at: datetime | None,
    warnings: Sequence[str],
    subject: str,
    details: str,
    terms: str,
    when_text: str | None,
    previous_planned_at: datetime | None = None,
    flags: set[str] | None = None,
) -> dict[str, Any]:
    """`planned_at` is also the date the warnings were reviewed for (kept in the metadata,
    so a different date chosen in the form is reviewed again before anything is sent)."""
    title, submit = KIND_TITLES[kind]
    blocks: Blocks = [
        {
            "type": "context",
            "elements": [mrkdwn(f"*{incident.human_id}* · {escape(incident.title)}")],
        }
    ]
    if warnings:
        blocks.append(
            _section(
                ":warning: *Before you send*\n" + "\n".join(f"• {escape(w)}" for w in warnings)
            )
        )
    if kind == NoticeKind.NOTICE:
        element: dict[str, Any] = {"type": "datetimepicker"}
        if planned_at is not None:
            element["initial_date_time"] = int(planned_at.timestamp())
        blocks.append(
            input_block(
                "planned",
                "Public disclosure",
                element,
                # Checked by the bot, so a missing date gets a refusal in plain words.
                optional=True,
                hint="Shown to distributors in UTC and in the announcement time zone.",
            )
        )
    else:
        blocks.append(_section(f"*Public disclosure:* {escape(when_text or 'not set')}"))
    options = [_option(d.organisation, str(d.id)) for d in recipients]
    chosen = [o for o in options if int(o["value"]) in selected]
    select: dict[str, Any] = {"type": "multi_static_select", "options": options[:100]}
    if chosen:
        select["initial_options"] = chosen[:100]
    blocks.append(
        input_block(
            "recipients",
            "Recipients",
            select,
            optional=False,
            hint="One email per distributor, each with its own acknowledgement link. "
            "Remove any that should not get this one.",
        )
    )
    flag_options = [
        _option("The patch may be deployed before the disclosure", "early_deploy"),
        _option("The patch itself is under embargo", "patch_embargoed"),
    ]
    ticked = [o for o in flag_options if o["value"] in (flags or {"patch_embargoed"})]
    checkboxes: dict[str, Any] = {"type": "checkboxes", "options": flag_options}
    if ticked:
        checkboxes["initial_options"] = ticked
    blocks.append(input_block("flags", "Embargo conditions", checkboxes))
    blocks.append(_text("terms", "Embargo terms", terms, multiline=True, optional=False))
    blocks.append(_text("subject", "Subject", subject, optional=False, max_length=250))
    blocks.append(
        _text(
            "details",
            "Notice",
            details,
            multiline=True,
            optional=False,
            hint="Below the embargo date, conditions and terms, which the bot writes from "
            "the fields above. Edit freely; only distributors read it.",
        )
    )
    metadata: dict[str, Any] = {"incident": incident.human_id, "kind": kind.value}
    if planned_at is not None:
        metadata["reviewed"] = int(planned_at.timestamp())
    if previous_planned_at is not None:
        metadata["previous"] = previous_planned_at.isoformat()
    return _modal(NOTICE_CALLBACK, title, submit, metadata, blocks)


def notices_queued(human_id: str, kind: NoticeKind, names: Sequence[str]) -> str:
    what = {
        NoticeKind.NOTICE: "Embargoed notice",
        NoticeKind.RESEND: "Notice (again)",
        NoticeKind.FINAL: "Final notice",
        NoticeKind.UPDATE: "Date change notice",
    }[kind]
    return (
        f":email: {what} for *{human_id}* queued to {len(names)} distributor"
        f"{'s' if len(names) != 1 else ''}: {escape(', '.join(names))}. "
        "Delivery and acknowledgements show in `/disclose distributors status`."
    )


def status_lines(statuses: Sequence[DistributorStatus]) -> list[str]:
    lines = []
    for status in statuses:
        parts = [f"*{escape(status.organisation)}*", STATE_WORDS.get(status.state, status.state)]
        if status.sent_at:
            parts.append(f"sent {slack_date(status.sent_at)}")
        if status.error and not status.sent_at:
            parts.append(escape(clip(status.error, 200)))
        parts.append(
            f":white_check_mark: acknowledged {slack_date(status.acknowledged_at)}"
            if status.acknowledged_at
            else "not acknowledged"
        )
        if status.final_sent_at:
            parts.append(f"final notice {slack_date(status.final_sent_at)}")
        lines.append(" · ".join(parts))
    return lines


def status_message(human_id: str, statuses: Sequence[DistributorStatus]) -> tuple[str, Blocks]:
    if not statuses:
        text = f"No distributor has been notified about {human_id} yet."
        return text, [_section(text)]
    acked = sum(1 for s in statuses if s.acknowledged_at)
    head = f"*Distributors for {human_id}*: {acked} of {len(statuses)} acknowledged"
    text = clip("\n".join([head, *status_lines(statuses)]), 3000)
    return text, [_section(text)]


def headline_note(statuses: Sequence[DistributorStatus]) -> str | None:
    """The headline's one line about distributors, or None before any notice."""
    if not statuses:
        return None
    acked = [s for s in statuses if s.acknowledged_at]
    failed = [s for s in statuses if s.state in ("failed", "refused") and not s.sent_at]
    text = f":email: Distributors: {len(acked)} of {len(statuses)} acknowledged"
    waiting = [s.organisation for s in statuses if not s.acknowledged_at]
    if waiting:
        text += " · waiting for " + escape(", ".join(waiting[:8]))
    if failed:
        text += " · :x: not delivered to " + escape(", ".join(s.organisation for s in failed))
    return clip(text, 2000)


def silent_reminder(
    human_id: str, names: Sequence[str], window: str, incident_value: str
) -> tuple[str, Blocks]:
    text = (
        f":bell: *{human_id}*: no acknowledgement after {escape(window)} from "
        f"{escape(', '.join(names))}. Send the notice again to them only?"
    )
    return clip(text, 3000), [
        _section(text),
        {
            "type": "actions",
            "elements": [button(RESEND_ACTION, "Re-send to the silent ones", incident_value)],
        },
    ]


def date_changed_offer(
    human_id: str, before: datetime, after: datetime, count: int, incident_value: str
) -> tuple[str, Blocks]:
    text = (
        f":calendar: The public disclosure of *{human_id}* moved from {slack_date(before)} to "
        f"{slack_date(after)}. {count} distributor{'s were' if count != 1 else ' was'} told "
        "the old date: send them an update?"
    )
    return clip(text, 3000), [
        _section(text),
        {
            "type": "actions",
            "elements": [button(UPDATE_ACTION, "Draft the update notice", incident_value)],
        },
    ]


def final_notice_offer(
    human_id: str, planned: datetime, count: int, incident_value: str
) -> tuple[str, Blocks]:
    text = (
        f":alarm_clock: The final notice for *{human_id}* is due: the public disclosure is "
        f"{slack_date(planned)}. It goes to the {count} distributor"
        f"{'s' if count != 1 else ''} told so far."
    )
    return clip(text, 3000), [
        _section(text),
        {
            "type": "actions",
            "elements": [button(FINAL_ACTION, "Draft the final notice", incident_value)],
        },
    ]


# -- leaks ------------------------------------------------------------------------------------


def leak_modal(
    incident: Incident, distributors: Sequence[Distributor], now: datetime
) -> dict[str, Any]:
    options = [_option(d.organisation, str(d.id)) for d in distributors]
    blocks: Blocks = [
        {
            "type": "context",
            "elements": [mrkdwn(f"*{incident.human_id}* · {escape(incident.title)}")],
        },
        _text("what", "What leaked", multiline=True, optional=False, max_length=2000),
        _text(
            "to_whom",
            "To whom",
            optional=False,
            max_length=500,
            hint="A person, a mailing list, a public site...",
        ),
        input_block(
            "happened_at",
            "When",
            {"type": "datetimepicker", "initial_date_time": int(now.timestamp())},
            optional=False,
        ),
    ]
    if options:
        blocks.append(
            input_block(
                "distributor",
                "Through which distributor",
                {"type": "static_select", "options": options[:100]},
                hint="Leave empty if it did not come through a distributor.",
            )
        )
    blocks += [
        _text(
            "prevention", "Steps taken so it does not happen again", multiline=True, max_length=2000
        ),
        input_block(
            "public",
            "Is the issue public now?",
            {
                "type": "checkboxes",
                "options": [_option("Yes: the leak made the issue public", "public")],
            },
        ),
    ]
    return _modal(
        LEAK_CALLBACK, "Record an embargo break", "Record", {"incident": incident.human_id}, blocks
    )


def leak_recorded(
    human_id: str, what: str, through: str | None, public: bool
) -> tuple[str, Blocks]:
    via = f" through *{escape(through)}*" if through else ""
    text = (
        f":rotating_light: Embargo break recorded for *{human_id}*{via}: {escape(clip(what, 500))}"
    )
    blocks: Blocks = [_section(text)]
    if public:
        blocks.append(
            _section(
                "The leak made the issue public: mark it public (or run `/disclose public` in "
                "the incident channel) so every deadline becomes as soon as possible and the "
                "announcement may go out."
            )
        )
        make_public = button(PUBLIC_ACTION, "Mark the issue public", human_id, "danger")
        make_public["confirm"] = {
            "title": plain("Mark it public?", 100),
            "text": plain("Every deadline becomes as soon as possible. No undo.", 300),
            "confirm": plain("Yes", 30),
            "deny": plain("Cancel", 30),
        }
        blocks.append({"type": "actions", "elements": [make_public]})
    return text, blocks


def removal_modal(row: Distributor, subject: str, body: str) -> dict[str, Any]:
    blocks: Blocks = [
        _section(f"To {escape(', '.join(row.addresses))}"),
        _text("subject", "Subject", subject, optional=False, max_length=250),
        _text("body", "Message", body, multiline=True, optional=False),
    ]
    return _modal(REMOVAL_CALLBACK, "Removal notice", "Send", {"distributor": row.id}, blocks)


# -- announcement -----------------------------------------------------------------------------


def announce_modal(
    incident: Incident,
    *,
    subject: str,
    body: str,
    recipients: Sequence[str],
    channel: str | None,
    oss_subject: str | None,
) -> dict[str, Any]:
    where = []
    if recipients:
        where.append("email to " + escape(", ".join(recipients)))
    if channel:
        where.append(f"a post in <#{channel}>")
    blocks: Blocks = [
        {
            "type": "context",
            "elements": [mrkdwn(f"*{incident.human_id}* · {escape(incident.title)}")],
        },
        _section(
            ":loudspeaker: *This goes public.* It sends "
            + " and ".join(where)
            + "."
            + (
                f"\noss-security gets its own message: “{escape(oss_subject)}”."
                if oss_subject
                else ""
            )
        ),
        _text("subject", "Subject", subject, optional=False, max_length=250),
        _text("body", "Announcement", body, multiline=True, optional=False),
        input_block(
            "confirm",
            "Confirm",
            {
                "type": "checkboxes",
                "options": [_option("Yes, publish this now", "yes")],
            },
            optional=True,  # checked by the bot, which says what is missing
        ),
    ]
    return _modal(
        ANNOUNCE_CALLBACK, "Public announcement", "Publish", {"incident": incident.human_id}, blocks
    )


def announcement_post(subject: str, body: str) -> tuple[str, Blocks]:
    """The public channel's post: the announcement's own words, nothing else."""
    text = f"*{escape(subject)}*\n\n{escape(body)}"
    return clip(f"{subject}", 300), [_section(clip(text, 3000))]

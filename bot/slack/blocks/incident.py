"""Messages about one incident: headline, triage notice, topic and notes to the opener."""

from __future__ import annotations

from typing import Any

from bot.incident.models import Incident, Phase, Source
from bot.scoring.engine import severity_emoji
from bot.slack.blocks.text import clip, escape, mrkdwn, plain, slack_date, user_mention

Blocks = list[dict[str, Any]]

PHASE_LABELS = {
    Phase.TRIAGE.value: "Triage",
    Phase.FIXING.value: "Fixing",
    Phase.EMBARGO.value: "Embargo",
    Phase.RELEASED.value: "Released",
    Phase.DISCLOSED.value: "Disclosed",
    Phase.CLOSED.value: "Closed",
}
TOPIC_MAX = 250


def phase_label(incident: Incident) -> str:
    return PHASE_LABELS.get(incident.phase, incident.phase)


def severity_text(incident: Incident) -> str:
    if not incident.severity:
        return "Not scored yet"
    return f"{severity_emoji(incident.severity)} {_severity_and_score(incident)}"


def _severity_and_score(incident: Incident) -> str:
    """ "High 7.5", or the severity alone when only that is known (no vector scored yet)."""
    if incident.cvss_score is None:
        return str(incident.severity)
    return f"{incident.severity} {incident.cvss_score:.1f}"


def source_text(incident: Incident) -> str:
    try:
        label = Source(incident.source).label
    except ValueError:
        label = incident.source
    if incident.external_ref:
        return f"{label} · {escape(incident.external_ref)}"
    return label


AUTOMATED_OPENERS = {"intake": "the report webhook", "github": "GitHub advisory webhook"}


def opener_text(incident: Incident) -> str:
    automated = AUTOMATED_OPENERS.get(incident.opened_by)
    return f"_{automated}_" if automated else user_mention(incident.opened_by)


def reporter_text(incident: Incident) -> str:
    name = escape(incident.reporter_name) or "_anonymous_"
    if incident.reporter_contact:
        return f"{name} ({escape(incident.reporter_contact)})"
    return name


def headline_text(incident: Incident) -> str:
    """The notification/fallback text: no mentions, so nobody is pinged by an edit."""
    title = escape(incident.title)
    return clip(f"{incident.human_id} · {title} · {phase_label(incident)}", 300)


def headline_blocks(
    incident: Incident, next_deadline: str | None = None, notes: list[str] | None = None
) -> Blocks:
    fields = [
        f"*Phase*\n{phase_label(incident)}",
        f"*Severity*\n{severity_text(incident)}",
        f"*Fix lead*\n{user_mention(incident.lead_id)}",
        f"*Commander*\n{user_mention(incident.commander_id, 'on-call not known')}",
        f"*Next deadline*\n{next_deadline or '_none planned yet_'}",
        f"*Reporter*\n{reporter_text(incident)}",
        f"*Source*\n{source_text(incident)}",
        f"*Opened by*\n{opener_text(incident)} {slack_date(incident.created_at)}",
    ]
    if incident.component or incident.affected_versions:
        affected = " ".join(
            part
            for part in (escape(incident.component), escape(incident.affected_versions))
            if part
        )
        fields.append(f"*Affected*\n{affected}")
    blocks: Blocks = [
        {
            "type": "header",
            "text": plain(f"{incident.human_id} · {incident.title}", 150),
        },
    ]
    if incident.is_public:
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    ":rotating_light: *Already public.* Every deadline is as soon as possible."
                ),
            }
        )
    blocks.append({"type": "section", "fields": [mrkdwn(f, 2000) for f in fields]})
    if incident.cvss_vector:
        blocks.append(
            {"type": "context", "elements": [mrkdwn(f"`{escape(incident.cvss_vector)}`")]}
        )
    if incident.description:
        blocks.append({"type": "section", "text": mrkdwn(escape(incident.description), 3000)})
    for note in notes or []:  # already escaped by the feature that wrote it
        blocks.append({"type": "context", "elements": [mrkdwn(note, 3000)]})
    blocks += lifecycle_blocks(incident)
    return blocks


def lifecycle_blocks(incident: Incident) -> Blocks:
    """Milestones so far, and the buttons for the steps that make sense in this phase."""
    milestones = [
        f"{label} {slack_date(moment)}"
        for label, moment in (
            ("Last update", incident.last_update_at),
            ("Fix ready", incident.fix_ready_at),
            ("Public disclosure planned", incident.disclosure_planned_at),
            ("Released", incident.released_at),
            ("Disclosed", incident.disclosed_at),
            ("Closed", incident.closed_at),
            ("Published on GitHub", incident.github_published_at),
        )
        if moment is not None
    ]
    if incident.cve_id:
        milestones.append(escape(incident.cve_id))
    if incident.resolution:
        milestones.append(f"Resolution: {incident.resolution.replace('_', ' ')}")
    blocks: Blocks = []
    if milestones:
        blocks.append({"type": "context", "elements": [mrkdwn(" · ".join(milestones))]})
    blocks.append(
        {"type": "actions", "block_id": "lifecycle", "elements": lifecycle_buttons(incident)}
    )
    return blocks


def _button(
    action_id: str, label: str, incident: Incident, confirm: tuple[str, str] | None = None
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(label, 75),
        "value": incident.human_id,
    }
    if confirm is not None:
        button["confirm"] = {
            "title": plain(confirm[0], 100),
            "text": plain(confirm[1], 300),
            "confirm": plain("Yes", 30),
            "deny": plain("Cancel", 30),
        }
    return button


def lifecycle_buttons(incident: Incident) -> Blocks:
    phase = incident.phase
    if phase == Phase.CLOSED.value:
        return [
            _button(
                "lifecycle_reopen",
                "Reopen",
                incident,
                ("Reopen this incident?", "It goes back to the phase it was closed in."),
            ),
            _button("lifecycle_export", "Export", incident),
        ]
    buttons = [_button("lifecycle_update", "Post update", incident)]
    if phase == Phase.TRIAGE.value:
        buttons.append(
            _button(
                "lifecycle_start_fixing",
                "Start fixing",
                incident,
                ("Start fixing?", "The incident leaves triage for good: phases only move on."),
            )
        )
    if phase == Phase.FIXING.value:
        if incident.fix_ready_at is None:
            buttons.append(
                _button(
                    "lifecycle_fix_ready",
                    "Mark fix ready",
                    incident,
                    ("Mark the fix ready?", "This records that the fix is merged privately."),
                )
            )
        buttons.append(_button("distributors_notify", "Notify distributors", incident))
        buttons.append(_button("lifecycle_embargo", "Embargo, told by hand", incident))
    if phase == Phase.EMBARGO.value or (phase == Phase.FIXING.value and incident.is_public):
        buttons.append(_button("lifecycle_released", "Released", incident))
    if phase == Phase.EMBARGO.value:
        buttons.append(_button("distributors_final", "Final notice", incident))
        buttons.append(_button("embargo_leak", "Record a leak", incident))
    if phase in (Phase.RELEASED.value, Phase.DISCLOSED.value):
        buttons.append(_button("announce_open", "Announce publicly", incident))
    if phase == Phase.RELEASED.value:
        buttons.append(
            _button(
                "lifecycle_disclosed",
                "Disclosed",
                incident,
                ("Mark as disclosed?", "This records that the advisory is public. No undo."),
            )
        )
    buttons += [
        _button("lifecycle_close", "Close", incident),
        _button("lifecycle_fixteam", "Fix team", incident),
        _button("lifecycle_advisory", "Advisory fields", incident),
        _button("reporter_message", "Message reporter", incident),
        _button("lifecycle_export", "Export", incident),
    ]
    return buttons


def triage_notice_text(incident: Incident) -> str:
    """The one line in the triage channel; its thread carries the incident's updates."""
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "channel pending"
    return clip(
        f":lock: *{incident.human_id}* {escape(incident.title)} · {phase_label(incident)} · "
        f"{severity_text(incident)} · lead {user_mention(incident.lead_id, 'none yet')} · "
        f"{channel}",
        3000,
    )


def triage_notice_blocks(
    incident: Incident, next_deadline: str | None = None, last_update_by: str | None = None
) -> Blocks:
    """The one line, and under it when the team last posted an update and what is due next.

    Only the time and author of the update: its text stays in the thread.
    """
    if incident.last_update_at is None:
        last_update = "No update yet"
    else:
        author = f" by {user_mention(last_update_by)}" if last_update_by else ""
        last_update = f"Last update {slack_date(incident.last_update_at)}{author}"
    progress = f"{last_update} · Next deadline: {next_deadline or '_none planned_'}"
    return [
        {"type": "section", "text": mrkdwn(triage_notice_text(incident))},
        {"type": "context", "elements": [mrkdwn(progress)]},
    ]


def topic(incident: Incident) -> str:
    lead = f"<@{incident.lead_id}>" if incident.lead_id else "none yet"
    severity = _severity_and_score(incident) if incident.severity else "not scored"
    public = " | PUBLIC" if incident.is_public else ""
    return clip(
        f"{incident.human_id} | Phase: {phase_label(incident)} | Severity: {severity} | "
        f"Lead: {lead}{public}",
        TOPIC_MAX,
    )


def opened_for_team(incident: Incident) -> tuple[str, Blocks]:
    text = f"{incident.human_id} is open in <#{incident.channel_id}>."
    return text, [{"type": "section", "text": mrkdwn(f":white_check_mark: {text}")}]


def received_for_reporter(incident: Incident) -> tuple[str, Blocks]:
    """What someone outside the security team is told: a receipt and nothing more."""
    text = (
        f"Thank you. The security team has received your report (reference "
        f"{incident.human_id}) and will contact you about it."
    )
    return text, [{"type": "section", "text": mrkdwn(text)}]


def setup_failed(incident: Incident, step: str, reason: str) -> tuple[str, Blocks]:
    text = (
        f"{incident.human_id} is saved, but setting up Slack stopped at *{step}*: {reason}. "
        "Nothing is lost; press Retry to finish the remaining steps."
    )
    blocks: Blocks = [
        {"type": "section", "text": mrkdwn(f":warning: {text}")},
        {
            "type": "actions",
            "block_id": "incident_setup",
            "elements": [
                {
                    "type": "button",
                    "action_id": "incident_setup_retry",
                    "text": plain("Retry"),
                    "style": "primary",
                    "value": incident.human_id,
                }
            ],
        },
    ]
    return clip(text, 3000), blocks


def setup_repaired(incident: Incident, repair: str = "") -> tuple[str, Blocks]:
    text = f"{incident.human_id}: the Slack set-up is now complete in <#{incident.channel_id}>."
    if repair:
        text = f"{text} {repair}"
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(f":white_check_mark: {text}")}]


def setup_repair_text(channel_id: str, adopted: bool, finished: list[str]) -> str:
    """What a set-up resumed after an interruption (a restart) repaired, in one sentence or two."""
    said = "The bot was interrupted while setting up this incident and has resumed it."
    if adopted:
        said += f" The channel <#{channel_id}>, created before the interruption, was adopted."
    if finished:
        said += f" Finished after the interruption: {', '.join(finished)}."
    else:
        said += " No step was left to finish."
    return said


def setup_repair_notice(incident: Incident, repair: str) -> tuple[str, Blocks]:
    text = f"{incident.human_id}: {repair}"
    return clip(text, 3000), [{"type": "section", "text": mrkdwn(f":wrench: {text}", 3000)}]

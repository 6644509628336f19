"""Messages about one incident: headline, triage notice, topic and notes to the opener."""

from __future__ import annotations

from typing import Any

from bot.incident.models import Incident, Phase, Source
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
SEVERITY_EMOJI = {
    "None": ":white_circle:",
    "Low": ":large_green_circle:",
    "Medium": ":large_yellow_circle:",
    "High": ":large_orange_circle:",
    "Critical": ":red_circle:",
}
TOPIC_MAX = 250


def phase_label(incident: Incident) -> str:
    return PHASE_LABELS.get(incident.phase, incident.phase)


def severity_text(incident: Incident) -> str:
    if not incident.severity:
        return "Not scored yet"
    emoji = SEVERITY_EMOJI.get(incident.severity, "")
    return f"{emoji} {incident.severity} {incident.cvss_score:.1f}".strip()


def source_text(incident: Incident) -> str:
    try:
        label = Source(incident.source).label
    except ValueError:
        label = incident.source
    if incident.external_ref:
        return f"{label} · {escape(incident.external_ref)}"
    return label


def reporter_text(incident: Incident) -> str:
    name = escape(incident.reporter_name) or "_anonymous_"
    if incident.reporter_contact:
        return f"{name} ({escape(incident.reporter_contact)})"
    return name


def headline_text(incident: Incident) -> str:
    """The notification/fallback text: no mentions, so nobody is pinged by an edit."""
    return clip(f"{incident.human_id} · {incident.title} · {phase_label(incident)}", 300)


def headline_blocks(incident: Incident, next_deadline: str | None = None) -> Blocks:
    fields = [
        f"*Phase*\n{phase_label(incident)}",
        f"*Severity*\n{severity_text(incident)}",
        f"*Fix lead*\n{user_mention(incident.lead_id)}",
        f"*Next deadline*\n{next_deadline or '_none planned yet_'}",
        f"*Reporter*\n{reporter_text(incident)}",
        f"*Source*\n{source_text(incident)}",
        f"*Opened by*\n{user_mention(incident.opened_by, 'intake')} "
        f"{slack_date(incident.created_at)}",
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
    return blocks


def triage_notice_text(incident: Incident) -> str:
    """The one line in the triage channel; its thread carries the incident's updates."""
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "channel pending"
    return clip(
        f":lock: *{incident.human_id}* {escape(incident.title)} · {phase_label(incident)} · "
        f"{severity_text(incident)} · lead {user_mention(incident.lead_id, 'none yet')} · "
        f"{channel}",
        3000,
    )


def triage_notice_blocks(incident: Incident) -> Blocks:
    return [{"type": "section", "text": mrkdwn(triage_notice_text(incident))}]


def topic(incident: Incident) -> str:
    lead = f"<@{incident.lead_id}>" if incident.lead_id else "none yet"
    severity = (
        f"{incident.severity} {incident.cvss_score:.1f}" if incident.severity else "not scored"
    )
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


def setup_repaired(incident: Incident) -> tuple[str, Blocks]:
    text = f"{incident.human_id}: the Slack set-up is now complete in <#{incident.channel_id}>."
    return text, [{"type": "section", "text": mrkdwn(f":white_check_mark: {text}")}]

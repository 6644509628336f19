"""Drafting the embargoed notice, with the fields of the Kubernetes distributors template:
subject `[EMBARGOED] CVE: summary`, the embargo conditions, the issue and its rating,
affected and fixed versions, mitigation and detection. Pure functions of the incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.distributor.models import NoticeKind
from bot.distributor.times import disclosure_time_text
from bot.exports.advisory import affected_lines, calculator_link, fixed_lines
from bot.exports.context import ExportContext
from bot.incident.models import Incident

DEFAULT_TERMS = (
    "Use this information only to prepare fixed releases for your users. Do not share it "
    "outside the people in your organisation who need it for that, do not publish or "
    "deploy anything that reveals the issue before the disclosure time unless this notice "
    "allows it, and tell us at once if the information reaches anyone else."
)
NO_CVE = "CVE pending"


@dataclass(frozen=True)
class NoticeOptions:
    planned_at: datetime
    zone: str  # the team's announcement time zone
    early_deploy: bool = False  # may the patch be deployed before the disclosure?
    patch_embargoed: bool = True  # is the patch itself under embargo?
    terms: str = DEFAULT_TERMS
    signature: str = "the security team"
    previous_planned_at: datetime | None = None  # for an update notice


def summary_of(incident: Incident) -> str:
    return (incident.advisory_summary or incident.title).strip().splitlines()[0][:200]


def notice_subject(incident: Incident, kind: NoticeKind) -> str:
    cve = incident.cve_id or NO_CVE
    lead = {
        NoticeKind.FINAL: "[EMBARGOED] Final notice: ",
        NoticeKind.UPDATE: "[EMBARGOED] Date changed: ",
    }.get(kind, "[EMBARGOED] ")
    return f"{lead}{cve}: {summary_of(incident)}"


def _rating(incident: Incident) -> str:
    if not incident.cvss_vector or incident.cvss_score is None:
        return "Not rated yet."
    link = calculator_link(incident.cvss_vector)
    rated = f"{incident.severity} ({incident.cvss_score:.1f}), {incident.cvss_vector}"
    return rated + (f"\n{link}" if link else "")


def notice_header(kind: NoticeKind, options: NoticeOptions) -> str:
    """The part the bot writes from the form's fields: the embargo, its time and terms."""
    when = disclosure_time_text(options.planned_at, options.zone)
    opening = {
        NoticeKind.NOTICE: "This is an advance notice of a security issue, under embargo.",
        NoticeKind.RESEND: "We sent you this advance notice earlier and have not heard back. "
        "It is under embargo.",
        NoticeKind.FINAL: "Final notice: the public disclosure of the issue below is near.",
        NoticeKind.UPDATE: "The planned public disclosure of the issue below has moved.",
    }[kind]
    sections = [f"EMBARGOED until {when}", opening]
    if kind == NoticeKind.UPDATE and options.previous_planned_at is not None:
        before = disclosure_time_text(options.previous_planned_at, options.zone)
        sections.append(f"Previously planned: {before}\nNow planned: {when}")
    sections += [
        "Embargo conditions\n"
        + (
            "- The patch may be deployed before the disclosure time.\n"
            if options.early_deploy
            else "- Do not deploy the patch before the disclosure time.\n"
        )
        + (
            "- The patch itself is under embargo: do not publish it or its source before then."
            if options.patch_embargoed
            else "- The patch itself is not under embargo."
        ),
        f"Embargo terms\n{options.terms.strip() or DEFAULT_TERMS}",
    ]
    return "\n\n".join(sections)


def _version_lines(ctx: ExportContext) -> tuple[str, str]:
    """Affected and fixed versions from the advisory's package data, as its export
    writes them; what is not known yet reads "to be confirmed" to distributors."""
    known = [p for p in ctx.affected_packages() if p.name]
    affected = affected_lines(ctx) if any(p.range_phrases() for p in known) else ""
    fixed = fixed_lines(ctx) if any(p.fixed for p in known) else ""
    return affected or "- to be confirmed", fixed or "- to be confirmed"


def notice_details(ctx: ExportContext, signature: str) -> str:
    """The part the lead may edit in the form: the issue, as the advisory fields say it."""
    incident = ctx.incident
    affected, fixed = _version_lines(ctx)
    sections = [
        f"Issue\n{summary_of(incident)}",
        f"CVE: {incident.cve_id or NO_CVE}",
        f"Rating: {_rating(incident)}",
        "Affected versions\n" + affected,
        "Fixed versions\n" + fixed,
    ]
    if incident.mitigation.strip():
        sections.append(f"Mitigation\n{incident.mitigation.strip()}")
    if incident.detection.strip():
        sections.append(f"Detection\n{incident.detection.strip()}")
    sections.append(
        "If you find evidence that this issue is being exploited, or that this information "
        "has reached anyone outside the embargo, reply to this message at once.\n\n"
        f"Thank you,\n{signature}"
    )
    return "\n\n".join(sections)


def notice_body(header: str, details: str) -> str:
    """Each recipient's acknowledgement link is added below this when the notice is queued."""
    return f"{header.strip()}\n\n{details.strip()}\n"


def acknowledgement_footer(link: str) -> str:
    return (
        "\n--\nPlease confirm that you received this notice: " + link + "\n"
        "(The link is yours alone; it records the acknowledgement and shows nothing more.)\n"
    )


def removal_notice(organisation: str, reason: str, leaks: int, signature: str) -> tuple[str, str]:
    """Subject and body telling an organisation it was taken off the distributors list."""
    subject = f"Removal from the private distributors list: {organisation}"
    why = reason.strip() or "it no longer meets the list's membership criteria"
    body = (
        f"Hello {organisation},\n\n"
        f"We have removed {organisation} from our private distributors list, because {why}."
        + (
            f" Our records show {leaks} embargo break(s) through your organisation."
            if leaks
            else ""
        )
        + "\n\nYou will no longer receive embargoed notices. If the reason no longer applies, "
        "you are welcome to apply again through the usual process.\n\n"
        f"Thank you,\n{signature}\n"
    )
    return subject, body

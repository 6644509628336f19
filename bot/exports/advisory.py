"""The announcement and the public tracking issue, after the Kubernetes templates.

`advisory_markdown` follows the security announcement email of the Kubernetes Security
Response Committee field by field (subject, summary, rating, Am I vulnerable?, affected
versions, mitigation, fixed versions, fix impact, detection, additional details,
acknowledgements, sign-off); `tracking_issue_markdown` the body of its public tracking
issue (title, CVSS line, the same sections, the labels). Everything the incident knows
is filled in; every section still empty says TODO, so a draft is never mistaken for a
finished announcement, and nothing generic is written in a person's place.
"""

from __future__ import annotations

from bot.advisory.model import AffectedPackage, Credit
from bot.exports.context import ExportContext
from bot.exports.osv import exported_credits

TODO = "TODO"
CALCULATOR = {
    "CVSS:3.0": "https://www.first.org/cvss/calculator/3.0#",
    "CVSS:3.1": "https://www.first.org/cvss/calculator/3.1#",
    "CVSS:4.0": "https://www.first.org/cvss/calculator/4.0#",
}
ISSUE_LABELS = (
    "/area security",
    "/kind bug",
    "/committee security-response",
    "/label official-cve-feed",
)


def calculator_link(vector: str) -> str | None:
    prefix = vector.split("/", 1)[0]
    base = CALCULATOR.get(prefix)
    return base + vector if base else None


def _or_todo(text: str | None, what: str) -> str:
    text = (text or "").strip()
    return text if text else f"{TODO}: {what}"


def _vector_link(vector: str) -> str:
    link = calculator_link(vector)
    return f"[{vector}]({link})" if link else vector


def severity_line(ctx: ExportContext) -> str:
    incident = ctx.incident
    if not incident.cvss_vector:
        return f"{TODO}: score the issue (`/cvss` in the incident channel)"
    return f"{incident.severity} ({incident.cvss_score:.1f}) {_vector_link(incident.cvss_vector)}"


def _component(ctx: ExportContext) -> str:
    names = [p.name for p in ctx.affected_packages() if p.name]
    return ", ".join(dict.fromkeys(names)) or ctx.incident.component or f"{TODO}: component"


def _label(package: AffectedPackage) -> str:
    return f"{package.name} ({package.ecosystem})" if package.ecosystem else package.name


def affected_lines(ctx: ExportContext) -> str:
    """One line per affected component and range."""
    lines = [
        f"- {_label(p)} {phrase}"
        for p in ctx.affected_packages()
        for phrase in p.range_phrases() or [f"{TODO}: the affected versions"]
    ]
    return "\n".join(lines) or f"- {TODO}: the affected versions"


def fixed_lines(ctx: ExportContext) -> str:
    """One line per fixed version, with the links to the fix."""
    lines = []
    for package in ctx.affected_packages():
        links = ", ".join(package.fix_links)
        fixed_by = f" - fixed by {links}" if links else ""
        lines += [f"- {_label(package)} {version}{fixed_by}" for version in package.fixed]
        if not package.fixed and links:
            lines.append(f"- {_label(package)} {TODO}: the fixed version{fixed_by}")
    return "\n".join(lines) or f"- {TODO}: the versions that contain the fix"


def _names(credits: list[Credit]) -> str:
    names = [c.name for c in credits]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def acknowledgements(ctx: ExportContext) -> str:
    credits = exported_credits(ctx)
    reporters = [c for c in credits if c.type in ("REPORTER", "FINDER")]
    fixers = [c for c in credits if c.type.startswith("REMEDIATION_")]
    coordinators = [c for c in credits if c.type == "COORDINATOR"]
    managers = [c for c in credits if c.role == "release manager"]
    others = [c for c in credits if c not in (*reporters, *fixers, *coordinators, *managers)]
    lines = [
        f"This vulnerability was reported by {_names(reporters)}."
        if reporters
        else f"{TODO}: who reported this vulnerability, and how they want to be credited."
    ]
    if fixers and coordinators:
        lines.append(
            f"The issue was fixed by {_names(fixers)} and coordinated by {_names(coordinators)}."
        )
    elif coordinators:
        lines.append(f"The issue was fixed and coordinated by {_names(coordinators)}.")
    elif fixers:
        lines.append(f"The issue was fixed by {_names(fixers)}.")
    else:
        lines.append(f"{TODO}: who fixed and coordinated the issue.")
    if managers:
        lines.append(f"The release was managed by {_names(managers)}.")
    lines += [f"Also credited: {c.name}" for c in others]
    return "\n\n".join(lines)


def _mitigation(ctx: ExportContext) -> str:
    incident = ctx.incident
    after = (incident.upgrade_steps or "").strip()
    before = (incident.mitigation or "").strip()
    return "\n\n".join(
        [
            f"**ACTION REQUIRED:** The following steps must be taken after upgrading: {after}"
            if after
            else f"{TODO}: steps required after upgrading, if any (else delete this line)",
            f"Prior to upgrading, this vulnerability can be mitigated by: {before}"
            if before
            else f"{TODO}: what users can do before they can upgrade",
        ]
    )


def weaknesses(ctx: ExportContext) -> list[str]:
    """The CWE IDs, each linked to its MITRE definition; nothing when none is known."""
    cwes = list(ctx.incident.cwe_ids or [])
    if not cwes:
        return []
    links = [f"[{cwe}](https://cwe.mitre.org/data/definitions/{cwe[4:]}.html)" for cwe in cwes]
    return ["Weaknesses: " + ", ".join(links)]


def _tracking_link(ctx: ExportContext) -> str:
    return _or_todo(ctx.incident.tracking_issue_url, "the link to the public tracking issue")


def _common_sections(ctx: ExportContext, details: list[str]) -> list[str]:
    incident = ctx.incident
    return [
        "### Am I vulnerable?",
        _or_todo(
            incident.am_i_vulnerable,
            "how to tell whether a deployment is affected: the vulnerable configuration, "
            "and the commands that show the component, version or configuration in use",
        ),
        "#### Affected Versions",
        affected_lines(ctx),
        "### How do I mitigate this vulnerability?",
        _mitigation(ctx),
        "#### Fixed Versions",
        fixed_lines(ctx),
        f"**Fix impact:** {_or_todo(incident.fix_impact, 'side effects of the fix, if any')}",
        f"To upgrade, refer to the documentation: {TODO}: the upgrade documentation of "
        + _component(ctx),
        "### Detection",
        _or_todo(incident.detection, "how users can tell whether they were exploited"),
        "If you find evidence that this vulnerability has been exploited, please contact the "
        "security team.",
        *details,
        "#### Acknowledgements",
        acknowledgements(ctx),
    ]


def subject(ctx: ExportContext) -> str:
    incident = ctx.incident
    cve = incident.cve_id or f"{TODO}: CVE ID"
    return f"[Security Advisory] {cve}: {incident.advisory_summary or incident.title}"


def _summary_sentence(ctx: ExportContext) -> str:
    summary = (ctx.incident.advisory_summary or "").strip()
    if not summary:
        return (
            f"A security issue was discovered in {_component(ctx)} where {TODO}: ACTOR may be "
            "able to DO SOMETHING."
        )
    return f"A security issue was discovered in {_component(ctx)}: {summary}"


def _rating(ctx: ExportContext) -> str:
    incident = ctx.incident
    cve = incident.cve_id or f"{TODO}: CVE ID"
    if not incident.cvss_vector:
        rating = f"{TODO}: score the issue (`/cvss` in the incident channel)"
    else:
        rating = (
            f"**{incident.severity}** ({_vector_link(incident.cvss_vector)}) "
            f"({incident.cvss_score:.1f})"
        )
    return f"This issue has been rated {rating}, and assigned **{cve}**."


def signoff(ctx: ExportContext) -> str:
    lead = ctx.name(ctx.incident.lead_id) if ctx.incident.lead_id else f"{TODO}: the fix lead"
    return f"Thank You,\n\n{lead} on behalf of the security team"


def advisory_markdown(ctx: ExportContext) -> str:
    incident = ctx.incident
    details = [
        "#### Additional Details",
        f"See the tracking issue for more details: {_tracking_link(ctx)}",
        *weaknesses(ctx),
    ]
    if (incident.advisory_details or "").strip():
        details.append(incident.advisory_details.strip())
    sections = [
        f"Subject: {subject(ctx)}",
        f"_Draft from {incident.human_id}, exported {ctx.now:%Y-%m-%d %H:%M} UTC. "
        "Embargoed until the public disclosure._",
        "---",
        "Hello,",
        _summary_sentence(ctx),
        _rating(ctx),
        *_common_sections(ctx, details),
        signoff(ctx),
    ]
    return "\n\n".join(sections) + "\n"


def tracking_issue_markdown(ctx: ExportContext) -> str:
    """The public tracking issue's title and body, labels included."""
    incident = ctx.incident
    cve = incident.cve_id or f"{TODO}: CVE ID"
    vector = incident.cvss_vector
    cvss = (
        f"CVSS Rating: {_vector_link(vector)}"
        if vector
        else f"CVSS Rating: {TODO}: score the issue (`/cvss` in the incident channel)"
    )
    details = [
        "## Additional Details",
        *weaknesses(ctx),
        _or_todo(
            incident.advisory_details,
            "vulnerability background, technical explanation, reproduction steps "
            "(no more than needed)",
        ),
    ]
    sections = [
        f"Title: {cve}: {incident.advisory_summary or incident.title}",
        "---",
        cvss,
        _or_todo(incident.advisory_details or incident.description, "the description"),
        *_common_sections(ctx, details),
        "\n".join(ISSUE_LABELS),
    ]
    return "\n\n".join(sections) + "\n"

"""A draft advisory with the fields of the Kubernetes security announcement template.

Everything the incident knows is filled in; every field still empty says TODO, so the
draft cannot be mistaken for a finished announcement.
"""

from __future__ import annotations

from bot.exports.context import ExportContext

TODO = "TODO"
CALCULATOR = {
    "CVSS:3.0": "https://www.first.org/cvss/calculator/3.0#",
    "CVSS:3.1": "https://www.first.org/cvss/calculator/3.1#",
    "CVSS:4.0": "https://www.first.org/cvss/calculator/4.0#",
}


def calculator_link(vector: str) -> str | None:
    prefix = vector.split("/", 1)[0]
    base = CALCULATOR.get(prefix)
    return base + vector if base else None


def _or_todo(text: str | None, what: str) -> str:
    text = (text or "").strip()
    return text if text else f"{TODO}: {what}"


def _bullets(text: str, what: str) -> str:
    items = [line.strip(" -*•") for line in (text or "").replace(",", "\n").splitlines()]
    items = [item for item in items if item]
    if not items:
        return f"- {TODO}: {what}"
    return "\n".join(f"- {item}" for item in items)


def severity_line(ctx: ExportContext) -> str:
    incident = ctx.incident
    if not incident.cvss_vector:
        return f"{TODO}: score the issue (`/cvss` in the incident channel)"
    link = calculator_link(incident.cvss_vector)
    vector = f"[{incident.cvss_vector}]({link})" if link else incident.cvss_vector
    return f"{incident.severity} ({incident.cvss_score:.1f}) {vector}"


def acknowledgements(ctx: ExportContext) -> str:
    incident = ctx.incident
    lines = []
    reporter = incident.reporter_name.strip()
    lines.append(
        f"This vulnerability was reported by {reporter}."
        if reporter
        else f"{TODO}: who reported this vulnerability, and how they want to be credited."
    )
    fixers = [ctx.name(user) for user in ctx.fix_team_credits()]
    if incident.lead_id:
        coordinator = ctx.name(incident.lead_id)
        if fixers:
            lines.append(
                f"The issue was fixed by {', '.join(fixers)} and coordinated by {coordinator}."
            )
        else:
            lines.append(f"The issue was fixed and coordinated by {coordinator}.")
    elif fixers:
        lines.append(f"The issue was fixed by {', '.join(fixers)}.")
    else:
        lines.append(f"{TODO}: who fixed and coordinated the issue.")
    lines += [f"Also credited: {line}" for line in ctx.credit_lines()]
    return "\n\n".join(lines)


def advisory_markdown(ctx: ExportContext) -> str:
    incident = ctx.incident
    component = incident.package_name or incident.component or f"{TODO}: component"
    cve = incident.cve_id or f"{TODO}: CVE ID"
    summary = _or_todo(
        incident.advisory_summary,
        f"one sentence: a security issue was discovered in {component} where "
        "ACTOR may be able to DO SOMETHING",
    )
    sections = [
        f"# {cve}: {incident.title}",
        f"_Draft from {incident.human_id}, exported {ctx.now:%Y-%m-%d %H:%M} UTC. "
        "Embargoed until the public disclosure._",
        f"**CVE:** {cve}",
        f"**CVSS rating:** {severity_line(ctx)}",
        summary,
        "## Am I vulnerable?",
        f"Clusters and deployments running an affected version of {component} are vulnerable."
        if incident.affected_versions.strip()
        else f"{TODO}: who is affected, and under which configuration.",
        "### Affected versions",
        _bullets(incident.affected_versions, "the affected versions"),
        "## How do I mitigate this vulnerability?",
        _or_todo(incident.mitigation, "what users can do before they can upgrade"),
        "### Fixed versions",
        _bullets(incident.fixed_versions, "the versions that contain the fix"),
        "## Detection",
        _or_todo(incident.detection, "how users can tell whether they were exploited"),
        "If you find evidence that this vulnerability has been exploited, please contact the "
        "security team.",
        "## Additional details",
        _or_todo(incident.advisory_details, "further details, links to the fix and issue"),
        "## Acknowledgements",
        acknowledgements(ctx),
    ]
    return "\n\n".join(sections) + "\n"

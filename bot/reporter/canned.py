"""Starting points for a reply, after the Kubernetes Security Response Committee's
response templates (their intent; the words are this project's own)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Canned:
    key: str
    label: str
    text: str


CANNED = (
    Canned(
        "acknowledge",
        "Acknowledgement",
        "Thank you for reporting this to us privately. We have received your report and "
        "are tracking it as {human_id}. The team is looking into it now, and we will write "
        "again as soon as we know more about its impact and a fix.\n\n"
        "Until the issue is fixed and announced, please keep it between us. If you plan to "
        "publish your findings, tell us when, so that we can coordinate the disclosure.",
    ),
    Canned(
        "not_vulnerability",
        "Not a vulnerability",
        "Thank you for taking the time to write to us. Having looked at your report, we do "
        "not think it describes a security vulnerability or a security incident, so it does "
        "not need the private process. Please raise it in the project's public channels (the "
        "issue tracker or the discussion list), where more people can help.",
    ),
    Canned(
        "container_image",
        "Vulnerability in a container image",
        "Thank you for your message. The vulnerabilities you found in the container image "
        "are already public CVEs in software that the image ships. Since nothing about them "
        "is secret, please report them in the project's public issue tracker, where the "
        "image maintainers can pick them up.",
    ),
    Canned(
        "clickjacking",
        "Clickjacking",
        "Thank you for helping to improve the project's security. The pages you mention are "
        "read-only and neither collect nor process personal information, so we do not see "
        "clickjacking on them as a threat to the project or its users. If you have found a "
        "specific case where framing a page can harm a user, please send us the details.",
    ),
    Canned(
        "spf_record",
        "SPF record",
        "Thank you for helping to improve the project's security. The project does not send "
        "mail to customers from this domain, so we do not consider the current SPF record a "
        "threat to the project or its users. If you can show a specific way in which the "
        "record can be used to harm someone, please send us the details.",
    ),
)
BY_KEY = {canned.key: canned for canned in CANNED}


def starting_text(key: str, human_id: str) -> str:
    found = BY_KEY.get(key)
    return found.text.format(human_id=human_id) if found else ""

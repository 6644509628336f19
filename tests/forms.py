"""Building the state.values Slack sends for the `/disclose` form."""

from __future__ import annotations

from typing import Any


def disclose_values(
    title: str = "Heap overflow in the YAML parser",
    description: str = "A crafted document overflows a heap buffer.",
    reporter_name: str = "Rita Reporter",
    reporter_contact: str = "rita@example.org",
    source: str = "hackerone",
    external_ref: str = "https://hackerone.com/reports/123456",
    component: str = "yaml-parser",
    affected_versions: str = "<= 1.28.3",
    public: bool = False,
    cvss_vector: str | None = None,
) -> dict[str, Any]:
    def text(value: str | None) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value or None}}

    return {
        "title": text(title),
        "description": text(description),
        "reporter_name": text(reporter_name),
        "reporter_contact": text(reporter_contact),
        "source": {
            "value": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": source},
                    "value": source,
                },
            }
        },
        "external_ref": text(external_ref),
        "component": text(component),
        "affected_versions": text(affected_versions),
        "is_public": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "public"}] if public else [],
            }
        },
        "cvss_vector": text(cvss_vector),
    }

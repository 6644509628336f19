"""The `/disclose` modal and the reading of what was typed into it."""

from __future__ import annotations

from typing import Any

from bot.incident.models import DESCRIPTION_MAX, SOURCE_LABELS, TITLE_MAX, Source
from bot.incident.validation import SHORT_FIELD_MAX, VERSIONS_MAX, IncidentDraft
from bot.slack.blocks.text import plain

CALLBACK_ID = "disclose_submit"
VALUE = "value"  # the action_id of every input's element


def _text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    optional: bool = True,
    multiline: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def disclose_modal(private_metadata: str = "") -> dict[str, Any]:
    source_options = [
        {"text": plain(SOURCE_LABELS[source]), "value": source.value} for source in Source
    ]
    blocks = [
        _text_input(
            "title",
            "Title",
            max_length=TITLE_MAX,
            optional=False,
            placeholder="e.g. Heap overflow in the YAML parser",
        ),
        _text_input(
            "description",
            "Description",
            max_length=DESCRIPTION_MAX,
            multiline=True,
            placeholder="What is affected, how it was found, what an attacker could do",
        ),
        _text_input("reporter_name", "Reporter name", max_length=SHORT_FIELD_MAX),
        _text_input(
            "reporter_contact",
            "Reporter contact",
            max_length=SHORT_FIELD_MAX,
            placeholder="email, HackerOne handle, GitHub user",
        ),
        {
            "type": "input",
            "block_id": "source",
            "label": plain("Source"),
            "element": {
                "type": "static_select",
                "action_id": VALUE,
                "options": source_options,
                "initial_option": source_options[-1],
            },
        },
        _text_input(
            "external_ref",
            "External reference",
            max_length=500,
            placeholder="https://hackerone.com/reports/123 or GHSA-xxxx-xxxx-xxxx",
        ),
        _text_input("component", "Affected component", max_length=SHORT_FIELD_MAX),
        _text_input(
            "affected_versions",
            "Affected versions",
            max_length=VERSIONS_MAX,
            placeholder="e.g. <= 1.28.3, 1.29.0",
        ),
        {
            "type": "input",
            "block_id": "is_public",
            "optional": True,
            "label": plain("Disclosure status"),
            "element": {
                "type": "checkboxes",
                "action_id": VALUE,
                "options": [
                    {
                        "text": plain("Already public"),
                        "description": plain("Every deadline becomes as soon as possible"),
                        "value": "public",
                    }
                ],
            },
        },
        _text_input(
            "cvss_vector",
            "CVSS vector",
            max_length=300,
            placeholder="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            hint="Optional. You can also score later with /cvss.",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Report a vulnerability"),
        "submit": plain("Open incident"),
        "close": plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def _value(values: dict[str, Any], block_id: str) -> Any:
    return (values.get(block_id) or {}).get(VALUE) or {}


def read_submission(values: dict[str, Any]) -> IncidentDraft:
    """Turn a view_submission's state.values into a draft (validation comes after)."""

    def text(block_id: str) -> str:
        return (_value(values, block_id).get("value") or "").strip()

    source = (_value(values, "source").get("selected_option") or {}).get("value")
    public = [o.get("value") for o in _value(values, "is_public").get("selected_options") or []]
    return IncidentDraft(
        title=text("title"),
        description=text("description"),
        reporter_name=text("reporter_name"),
        reporter_contact=text("reporter_contact"),
        source=source or Source.OTHER.value,
        external_ref=text("external_ref"),
        component=text("component"),
        affected_versions=text("affected_versions"),
        is_public="public" in public,
        cvss_vector=text("cvss_vector") or None,
    )

"""Block Kit for CVSS scoring: the modal, its advanced step, score posts, comparisons and
the calculator answer. Pure functions from scoring state to Slack payloads; no I/O.

The modal keeps its state (version, chosen metrics, a revision counter and the caller's
context) as JSON in `private_metadata`. Every metric select sits in an input block with
`dispatch_action`, so each change sends a `block_actions` event the bot answers with
`views.update`. Slack keeps what a person chose in an input block across updates as long
as its block_id stays the same, and then ignores a new `initial_option`; block_ids therefore
end in the revision, which the state bumps whenever the bot itself changes the choices
(a pasted vector, a version switch).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bot.scoring.compare import Comparison
from bot.scoring.engine import Incomplete, ScoreResult, VectorError, parse_vector, score_metrics
from bot.scoring.metrics import (
    CATALOGUES,
    DEFAULT_VERSION,
    NOT_DEFINED,
    Catalogue,
    Group,
    Metric,
    catalogue,
)
from bot.scoring.severity import severity_emoji
from bot.slack.blocks.text import clip, escape, mrkdwn, plain, slack_date

Block = dict[str, Any]

CALLBACK_MODAL = "cvss_modal"
CALLBACK_ADVANCED = "cvss_advanced"
ACTION_VERSION = "cvss_version"
ACTION_METRIC = "cvss_metric:"  # + metric key, e.g. "cvss_metric:AV"
ACTION_VECTOR = "cvss_vector"
ACTION_ADVANCED = "cvss_advanced"
ACTION_COMPARE = "cvss_compare"
ACTION_USE_VECTOR = "cvss_use_vector"
ACTION_PICK = "cvss_pick:"  # + number of the vector in the comparison
ACTION_RECORD = "cvss_record"
BLOCK_SUMMARY = "cvss_summary"
BLOCK_ERROR = "cvss_error"

MODAL_VERSIONS = ("3.1", "4.0")  # offered in the modal; a 3.0 vector keeps its version
METADATA_MAX = 3000
VECTOR_INPUT_MAX = 400
NOT_SET = "Not set yet"
GROUP_TITLES = {
    Group.BASE: "Base",
    Group.TEMPORAL: "Temporal",
    Group.THREAT: "Threat",
    Group.ENVIRONMENTAL: "Environmental",
    Group.SUPPLEMENTAL: "Supplemental",
}
GROUP_NOTES = {
    Group.TEMPORAL: "What is known today about exploits, fixes and the report itself.",
    Group.THREAT: "What is known today about attacks on this vulnerability.",
    Group.ENVIRONMENTAL: "How the vulnerability plays out where the affected system runs.",
    Group.SUPPLEMENTAL: "Extra context for readers; it never changes the score.",
}


# --- state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CvssState:
    """What the modal shows. `context` is the caller's (incident, channel, root view id...);
    `error` and `typed` (a bad pasted vector) live for one render only."""

    version: str = DEFAULT_VERSION
    metrics: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    revision: int = 0
    context: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    error: str | None = None
    typed: str = ""

    @property
    def catalogue(self) -> Catalogue:
        return catalogue(self.version)

    def outcome(self) -> ScoreResult | Incomplete:
        return score_metrics(self.version, self.metrics)

    def with_metric(self, key: str, code: str | None) -> CvssState:
        """One select changed; Not Defined or None clears the metric."""
        metrics = dict(self.metrics)
        if code and code != NOT_DEFINED:
            metric = self.catalogue.by_key.get(key)
            if metric is None or code not in metric.codes:
                return self  # a stale event from another version's select
            metrics[key] = code
        else:
            metrics.pop(key, None)
        return replace(self, metrics=MappingProxyType(metrics), error=None, typed="")

    def with_version(self, version: str) -> CvssState:
        """Switch version, keeping the choices that mean the same in the new one."""
        if version == self.version or version not in CATALOGUES:
            return self
        target = catalogue(version)
        kept = {
            k: v
            for k, v in self.metrics.items()
            if k in target.by_key and v in target.by_key[k].codes
        }
        return replace(
            self,
            version=version,
            metrics=MappingProxyType(kept),
            revision=self.revision + 1,
            error=None,
            typed="",
        )

    def with_vector(self, text: str) -> CvssState:
        """A pasted vector fills every select, or the state carries the error to show."""
        try:
            vector = parse_vector(text)
        except VectorError as error:
            return replace(self, error=error.message, typed=text.strip())
        metrics = {k: v for k, v in vector.metrics.items() if v != NOT_DEFINED}
        return replace(
            self,
            version=vector.version,
            metrics=MappingProxyType(metrics),
            revision=self.revision + 1,
            error=None,
            typed="",
        )

    def with_view_values(self, values: Mapping[str, Mapping[str, Any]]) -> CvssState:
        """Apply every select of a `view.state.values` payload, so the latest event wins
        even when an earlier `views.update` lost a race."""
        state = self
        current = f":{self.revision}"
        for block_id, actions in values.items():
            if not block_id.endswith(current):
                continue  # a block from before the last re-render
            for action_id, element in actions.items():
                key = metric_key(action_id)
                option = element.get("selected_option")
                if key and option:  # never clear from here: only the action itself clears
                    state = state.with_metric(key, option.get("value"))
        return state


def state_from_vector(
    text: str | None, version: str = DEFAULT_VERSION, **context: str
) -> CvssState:
    """The opening state: an incident's current vector when there is one, else empty."""
    state = CvssState(version=version, context=MappingProxyType(dict(context)))
    return state.with_vector(text) if text else state


def to_metadata(state: CvssState) -> str:
    """The state as private_metadata JSON (ValueError past Slack's 3000 characters)."""
    data = {"v": state.version, "m": dict(state.metrics), "r": state.revision}
    if state.context:
        data["c"] = dict(state.context)
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > METADATA_MAX:
        raise ValueError(f"private_metadata would be {len(text)} characters")
    return text


def from_metadata(text: str) -> CvssState:
    """Read back `to_metadata`; anything unknown (a metric, a version) is dropped, and
    metadata that is not ours at all gives an empty calculator rather than an error."""
    try:
        data = json.loads(text) if text else {}
        version = str(data["v"]) if data.get("v") in CATALOGUES else DEFAULT_VERSION
        state = CvssState(
            version=version,
            revision=int(data.get("r", 0)),
            context=MappingProxyType({str(k): str(v) for k, v in data.get("c", {}).items()}),
        )
        for key, code in data.get("m", {}).items():
            state = state.with_metric(str(key), str(code))
    except (ValueError, TypeError, AttributeError):
        return CvssState(version=DEFAULT_VERSION)
    return state


def metric_key(action_id: str) -> str | None:
    """ "AV" for "cvss_metric:AV", None for any other action."""
    return action_id[len(ACTION_METRIC) :] if action_id.startswith(ACTION_METRIC) else None


def metric_block_id(key: str, state: CvssState) -> str:
    return f"{ACTION_METRIC}{key}:{state.revision}"


def vector_block_id(state: CvssState) -> str:
    return f"{ACTION_VECTOR}:{state.revision}"


def submit_errors(state: CvssState) -> dict[str, str]:
    """Field errors for `response_action: errors` when base metrics are still unset."""
    outcome = state.outcome()
    if isinstance(outcome, ScoreResult):
        return {}
    return {metric_block_id(m.key, state): f"Choose a value for {m.name}." for m in outcome.missing}


# --- the modal ------------------------------------------------------------------------


def modal_view(state: CvssState) -> Block:
    """The scoring modal: live summary, version, one select per base metric, vector box."""
    cat = state.catalogue
    blocks: list[Block] = [*summary_blocks(state), {"type": "divider"}, _version_input(state)]
    blocks += [_metric_input(metric, state) for metric in cat.base]
    blocks += [{"type": "divider"}, _vector_input(state)]
    if state.error:
        blocks.append(
            {
                "type": "context",
                "block_id": BLOCK_ERROR,
                "elements": [mrkdwn(f":warning: {escape(state.error)}")],
            }
        )
    blocks.append(_advanced_button(state))
    return _modal(CALLBACK_MODAL, "CVSS score", "Save score", "Cancel", blocks, state)


def advanced_view(state: CvssState) -> Block:
    """The pushed step: every metric but the base ones, by group."""
    blocks: list[Block] = summary_blocks(state)
    for group in state.catalogue.groups():
        if group is Group.BASE:
            continue
        blocks.append({"type": "header", "text": plain(f"{GROUP_TITLES[group]} metrics", 150)})
        blocks.append({"type": "context", "elements": [mrkdwn(GROUP_NOTES[group])]})
        blocks += [_metric_input(metric, state) for metric in state.catalogue.group(group)]
    return _modal(CALLBACK_ADVANCED, "Advanced metrics", "Done", "Back", blocks, state)


def _modal(
    callback_id: str, title: str, submit: str, close: str, blocks: list[Block], state: CvssState
) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain(close, 24),
        "private_metadata": to_metadata(state),
        "blocks": blocks,
    }


def summary_blocks(state: CvssState) -> list[Block]:
    """The top of both views: vector, score and severity, or what is still missing."""
    outcome = state.outcome()
    cat = state.catalogue
    if isinstance(outcome, Incomplete):
        chosen = ", ".join(m.name for m in outcome.missing)
        so_far = ""
        if state.metrics:
            partial = "/".join(
                f"{m.key}:{state.metrics[m.key]}" for m in cat.metrics if m.key in state.metrics
            )
            so_far = f"\n`{cat.prefix}/{partial}`"
        text = (
            f"{severity_emoji(None)} *Not scored yet* · CVSS {cat.version}\n"
            f"Still to choose: {chosen}{so_far}"
        )
        return [{"type": "section", "block_id": BLOCK_SUMMARY, "text": mrkdwn(text)}]
    blocks: list[Block] = [
        {"type": "section", "block_id": BLOCK_SUMMARY, "text": mrkdwn(_headline(outcome))}
    ]
    details = _score_details(outcome)
    if details:
        blocks.append({"type": "context", "elements": [mrkdwn(details)]})
    return blocks


def _headline(result: ScoreResult) -> str:
    return (
        f"{result.emoji} *{result.score:.1f} {result.severity}* · {score_name(result)}\n"
        f"`{result.clean_vector}`"
    )


def score_name(result: ScoreResult) -> str:
    """ "CVSS 3.1 base score", "CVSS 3.1 environmental score", "CVSS 4.0 (CVSS-BT)"."""
    if result.nomenclature is not None:
        return f"CVSS 4.0 ({result.nomenclature})"
    return f"CVSS {result.version} {result.score_kind} score"


def _score_details(result: ScoreResult) -> str:
    """For 3.x with temporal or environmental metrics: the other scores as well."""
    if result.nomenclature is not None or result.score_kind == "base":
        return ""
    parts = [("Base", result.base_score, result.base_severity)]
    parts.append(("Temporal", result.temporal_score, result.temporal_severity))
    if result.score_kind == "environmental":
        parts.append(("Environmental", result.environmental_score, result.environmental_severity))
    return " · ".join(f"{name} {value:.1f} {severity}" for name, value, severity in parts)


def _version_input(state: CvssState) -> Block:
    versions: tuple[str, ...] = MODAL_VERSIONS
    if state.version not in versions:
        versions = (state.version, *versions)
    options = [_option(f"CVSS {v}", v) for v in versions]
    return {
        "type": "input",
        "block_id": f"{ACTION_VERSION}:{state.revision}",
        "dispatch_action": True,
        "label": plain("Version"),
        "element": {
            "type": "radio_buttons",
            "action_id": ACTION_VERSION,
            "options": options,
            "initial_option": options[versions.index(state.version)],
        },
    }


def _metric_input(metric: Metric, state: CvssState) -> Block:
    options = [_option(f"{value.label} ({value.code})", value.code) for value in metric.values]
    element: Block = {
        "type": "static_select",
        "action_id": f"{ACTION_METRIC}{metric.key}",
        "placeholder": plain(NOT_SET, 150),
        "options": options,
    }
    chosen = state.metrics.get(metric.key) or ("" if metric.required else NOT_DEFINED)
    if chosen:
        element["initial_option"] = options[metric.codes.index(chosen)]
    return {
        "type": "input",
        "block_id": metric_block_id(metric.key, state),
        "dispatch_action": True,
        "optional": True,  # missing base metrics are reported by submit_errors, in words
        "label": plain(metric.title),
        "hint": plain(metric.description, 150),
        "element": element,
    }


def _vector_input(state: CvssState) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": ACTION_VECTOR,
        "max_length": VECTOR_INPUT_MAX,
        "placeholder": plain(f"e.g. {_example(state.version)}", 150),
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
    }
    if state.typed:
        element["initial_value"] = clip(state.typed, VECTOR_INPUT_MAX)
    return {
        "type": "input",
        "block_id": vector_block_id(state),
        "dispatch_action": True,
        "optional": True,
        "label": plain("Or paste a vector"),
        "element": element,
    }


def _example(version: str) -> str:
    if version == "4.0":
        return "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    return f"CVSS:{version}/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _advanced_button(state: CvssState) -> Block:
    cat = state.catalogue
    groups = [GROUP_TITLES[g].lower() for g in cat.groups() if g is not Group.BASE]
    chosen = sum(1 for m in cat.advanced if m.key in state.metrics)
    label = f"Advanced: {', '.join(groups)}"
    return {
        "type": "actions",
        "block_id": f"{ACTION_ADVANCED}:{state.revision}",
        "elements": [
            {
                "type": "button",
                "action_id": ACTION_ADVANCED,
                "text": plain(label + (f" ({chosen} set)" if chosen else ""), 75),
            }
        ],
    }


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, 75), "value": value}


# --- messages -------------------------------------------------------------------------


def score_post_text(result: ScoreResult) -> str:
    """Notification text for a recorded score (no mention, so nobody is pinged)."""
    return f"CVSS score recorded: {result.score:.1f} {result.severity} ({result.clean_vector})"


def score_post_blocks(
    result: ScoreResult, user_id: str, when: datetime | None = None, value: str = ""
) -> list[Block]:
    """A recorded score, for the incident thread and channel: who, when, what, and buttons to
    compare members' scores or start a new scoring from this vector. `value` is handed back
    by "Compare scores" (e.g. the incident id)."""
    fields = [
        f"*Score*\n{result.emoji} {result.score:.1f} {result.severity}",
        f"*Version*\n{score_name(result)}",
        f"*Vector*\n`{result.clean_vector}`",
        f"*Scored by*\n<@{user_id}>" + (f" {slack_date(when)}" if when else ""),
    ]
    blocks: list[Block] = [
        {
            "type": "section",
            "text": mrkdwn(
                f"{result.emoji} *CVSS score recorded: {result.score:.1f} {result.severity}*"
            ),
            "fields": [mrkdwn(f, 2000) for f in fields],
        }
    ]
    details = _score_details(result)
    if details:
        blocks.append({"type": "context", "elements": [mrkdwn(details)]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                _button("Compare scores", ACTION_COMPARE, value or result.clean_vector),
                _button("Use this vector", ACTION_USE_VECTOR, result.clean_vector),
            ],
        }
    )
    return blocks


def _button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    button["value"] = clip(value, 2000)
    if style:
        button["style"] = style
    return button


def calculator_blocks(result: ScoreResult, record_button: bool = False) -> list[Block]:
    """The answer to `/cvss <vector>`: the score alone, never anything about an incident.
    With record_button (in an incident channel, for a roster member) it offers to record."""
    blocks: list[Block] = [{"type": "section", "text": mrkdwn(_headline(result))}]
    notes = [d for d in (_score_details(result),) if d]
    if not record_button:
        notes.append("Calculator only: nothing was recorded.")
    if notes:
        blocks.append({"type": "context", "elements": [mrkdwn(n) for n in notes]})
    if record_button:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(
                        "Record on this incident", ACTION_RECORD, result.clean_vector, "primary"
                    ),
                    _button("Adjust in the modal", ACTION_USE_VECTOR, result.clean_vector),
                ],
            }
        )
    return blocks


def calculator_error_blocks(error: VectorError) -> list[Block]:
    return [{"type": "section", "text": mrkdwn(f":warning: {escape(error.message)}")}]


def compare_text(comparison: Comparison) -> str:
    scored = sum(1 for m in comparison.members if m.result is not None)
    return f"CVSS scores of {scored} team members, compared"


def compare_blocks(comparison: Comparison) -> list[Block]:
    """Members' scores, the metrics where they disagree, and one button per distinct vector
    to make it the final one (`cvss_pick:<n>`, the vector as value)."""
    distinct = list(dict.fromkeys(m.result.clean_vector for m in comparison.members if m.result))
    member_lines = []
    for member in comparison.members:
        if member.result is None:
            member_lines.append(f"<@{member.member}> :warning: {escape(member.error or '')}")
            continue
        number = distinct.index(member.result.clean_vector) + 1
        member_lines.append(
            f"<@{member.member}> {member.result.emoji} *{member.result.score:.1f} "
            f"{member.result.severity}* · vector {number} `{member.result.clean_vector}`"
        )
    blocks: list[Block] = [{"type": "header", "text": plain("Team CVSS scores", 150)}]
    blocks += _sections(member_lines)
    if len(comparison.versions) > 1:
        versions = ", ".join(comparison.versions)
        blocks.append(_note(f":warning: The vectors use different CVSS versions ({versions})."))
    if comparison.disagreements:
        lines = ["*Where the vectors differ*"]
        for row in comparison.disagreements:
            by_label: dict[str, list[str]] = {}
            for person, label in row.labels.items():
                by_label.setdefault(label, []).append(f"<@{person}>")
            groups = " · ".join(f"{label}: {' '.join(ids)}" for label, ids in by_label.items())
            lines.append(f"*{row.name} ({row.key})* — {groups}")
        blocks += _sections(lines)
    elif len(distinct) == 1 and comparison.unanimous:
        blocks.append(_note(":white_check_mark: Every vector is the same."))
    results = {m.result.clean_vector: m.result for m in comparison.members if m.result}
    buttons = [
        _button(
            f"Pick vector {n} ({results[vector].score:.1f} {results[vector].severity})",
            f"{ACTION_PICK}{n}",
            vector,
        )
        for n, vector in enumerate(distinct, start=1)
    ]
    for start in range(0, len(buttons), 25):  # an actions block holds at most 25 elements
        blocks.append({"type": "actions", "elements": buttons[start : start + 25]})
    return blocks


def _note(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def _sections(lines: list[str], limit: int = 3000) -> list[Block]:
    """Lines packed into as few sections as Slack's 3000-character text limit allows."""
    sections: list[Block] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            sections.append({"type": "section", "text": mrkdwn(current)})
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append({"type": "section", "text": mrkdwn(current)})
    return sections


def score_topic_text(result: ScoreResult) -> str:
    """A short score for headlines and channel topics: "9.8 Critical (CVSS 3.1)"."""
    label = result.nomenclature or f"CVSS {result.version}"
    return f"{result.score:.1f} {result.severity} ({label})"

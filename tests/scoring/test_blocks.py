"""Block Kit for CVSS scoring: within Slack's limits, complete, and faithful to the state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.scoring.compare import diff_vectors
from bot.scoring.engine import ScoreResult, VectorError, parse_vector, score
from bot.scoring.metrics import CATALOGUES, NOT_DEFINED, Group, catalogue
from bot.slack.blocks import cvss as cvss_blocks
from bot.slack.blocks.cvss import CvssState, from_metadata, state_from_vector, to_metadata
from tests.scoring.slack_limits import check_blocks, check_view

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
CONTEXT = {"incident": "SEC-2026-0042", "channel": "C0123456789", "root_view": "V0123456789"}


def full_state(version: str) -> CvssState:
    """Every metric set: base to its first value, the others to their last."""
    cat = catalogue(version)
    metrics = {m.key: (m.codes[0] if m.required else m.codes[-1]) for m in cat.metrics}
    state = state_from_vector(None, version, **CONTEXT)
    for key, code in metrics.items():
        state = state.with_metric(key, code)
    return state


def empty_state(version: str) -> CvssState:
    return state_from_vector(None, version, **CONTEXT)


STATES = [
    pytest.param(make(version), id=f"{version}-{make.__name__}")
    for version in sorted(CATALOGUES)
    for make in (full_state, empty_state)
]


def selects(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """metric key -> its select element."""
    found = {}
    for block in view["blocks"]:
        element = block.get("element", {})
        key = cvss_blocks.metric_key(element.get("action_id", ""))
        if key:
            found[key] = element
    return found


@pytest.mark.parametrize("state", STATES)
def test_views_fit_slack(state: CvssState) -> None:
    for view in (cvss_blocks.modal_view(state), cvss_blocks.advanced_view(state)):
        assert check_view(view) == []
        json.dumps(view)  # serialisable as is


@pytest.mark.parametrize("state", STATES)
def test_every_metric_and_value_is_offered_in_words(state: CvssState) -> None:
    cat = state.catalogue
    main, advanced = (
        selects(cvss_blocks.modal_view(state)),
        selects(cvss_blocks.advanced_view(state)),
    )
    assert list(main) == [m.key for m in cat.base]
    assert list(advanced) == [m.key for m in cat.advanced]
    for metric in cat.metrics:
        element = (main | advanced)[metric.key]
        assert [o["value"] for o in element["options"]] == list(metric.codes)
        assert [o["text"]["text"] for o in element["options"]] == [
            f"{v.label} ({v.code})" for v in metric.values
        ]
    view = cvss_blocks.modal_view(state)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    hints = [b["hint"]["text"] for b in view["blocks"] if "hint" in b]
    assert labels[1 : len(cat.base) + 1] == [m.title for m in cat.base]
    assert hints == [m.description for m in cat.base]


@pytest.mark.parametrize("version", sorted(CATALOGUES))
def test_initial_options_follow_the_state(version: str) -> None:
    full, empty = full_state(version), empty_state(version)
    for element in (
        selects(cvss_blocks.modal_view(empty)) | selects(cvss_blocks.advanced_view(empty))
    ).values():
        key = cvss_blocks.metric_key(element["action_id"])
        metric = catalogue(version).by_key[key]
        if metric.required:
            assert "initial_option" not in element
        else:
            assert element["initial_option"]["value"] == NOT_DEFINED
    for element in (
        selects(cvss_blocks.modal_view(full)) | selects(cvss_blocks.advanced_view(full))
    ).values():
        key = cvss_blocks.metric_key(element["action_id"])
        assert element["initial_option"]["value"] == full.metrics[key]


def test_every_change_dispatches_an_action() -> None:
    view = cvss_blocks.modal_view(empty_state("3.1"))
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert inputs and all(b["dispatch_action"] for b in inputs)
    vector_box = next(b for b in inputs if b["element"]["action_id"] == cvss_blocks.ACTION_VECTOR)
    assert vector_box["element"]["dispatch_action_config"] == {
        "trigger_actions_on": ["on_enter_pressed"]
    }
    assert all(b.get("block_id", "cvss_").startswith("cvss_") for b in view["blocks"])


def test_summary_of_an_unscored_state() -> None:
    state = empty_state("4.0").with_metric("AV", "N").with_metric("AC", "L")
    summary = cvss_blocks.summary_blocks(state)[0]["text"]["text"]
    assert summary.startswith(":grey_question: *Not scored yet* · CVSS 4.0\nStill to choose: ")
    assert "Attack Requirements, Privileges Required" in summary
    assert summary.endswith("`CVSS:4.0/AV:N/AC:L`")


def test_summary_of_a_scored_state() -> None:
    state = empty_state("3.1").with_vector(V31 + "/E:U/CR:L")
    view = cvss_blocks.modal_view(state)
    assert view["blocks"][0]["text"]["text"] == (
        f":large_orange_circle: *8.7 High* · CVSS 3.1 environmental score\n`{V31}/E:U/CR:L`"
    )
    assert view["blocks"][1]["elements"][0]["text"] == (
        "Base 9.8 Critical · Temporal 9.0 Critical · Environmental 8.7 High"
    )
    button = next(b for b in view["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["text"]["text"] == "Advanced: temporal, environmental (2 set)"


def test_a_bad_paste_shows_the_error_and_keeps_the_choices() -> None:
    state = empty_state("3.1").with_metric("AV", "L").with_vector("cvss:3.1/AV:N")
    assert state.metrics == {"AV": "L"}
    view = cvss_blocks.modal_view(state)
    error = next(b for b in view["blocks"] if b.get("block_id") == cvss_blocks.BLOCK_ERROR)
    assert error["elements"][0]["text"].startswith(
        ':warning: Write the prefix in capitals: "CVSS:3.1", not "cvss:3.1".'
    )
    box = next(b for b in view["blocks"] if b.get("block_id") == cvss_blocks.vector_block_id(state))
    assert box["element"]["initial_value"] == "cvss:3.1/AV:N"
    # The next change clears the error.
    assert cvss_blocks.BLOCK_ERROR not in json.dumps(
        cvss_blocks.modal_view(state.with_metric("AC", "L"))
    )


def test_a_good_paste_fills_every_select_under_new_block_ids() -> None:
    before = empty_state("3.1")
    after = before.with_vector(f"  {V40}/E:A  ")
    assert after.version == "4.0" and after.revision == before.revision + 1
    view = cvss_blocks.modal_view(after)
    assert {k: e["initial_option"]["value"] for k, e in selects(view).items()} == {
        k: v for k, v in parse_vector(V40).metrics.items()
    }
    old_ids = {b.get("block_id") for b in cvss_blocks.modal_view(before)["blocks"]}
    new_ids = {b.get("block_id") for b in view["blocks"]} - {cvss_blocks.BLOCK_SUMMARY, None}
    assert not old_ids & new_ids  # Slack would otherwise keep the old choices on screen


def test_switching_version_keeps_what_means_the_same() -> None:
    state = empty_state("3.1").with_vector(V31.replace("UI:N", "UI:R"))
    switched = state.with_version("4.0")
    assert dict(switched.metrics) == {"AV": "N", "AC": "L", "PR": "N"}
    assert switched.revision == state.revision + 1
    assert state.with_version("3.1") is state


def test_a_3_0_vector_keeps_its_version_in_the_modal() -> None:
    view = cvss_blocks.modal_view(empty_state("3.1").with_vector(V31.replace("3.1", "3.0")))
    radio = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert [o["value"] for o in radio["options"]] == ["3.0", "3.1", "4.0"]
    assert radio["initial_option"]["value"] == "3.0"


def test_metric_changes() -> None:
    state = empty_state("4.0")
    assert state.with_metric("AV", "N").metrics == {"AV": "N"}
    assert state.with_metric("AV", "N").with_metric("AV", None).metrics == {}
    assert state.with_metric("E", "A").with_metric("E", "X").metrics == {}
    assert state.with_metric("S", "C") is state  # 3.x Scope value, stale event
    assert state.with_metric("ZZ", "N") is state


def test_view_state_values_win_over_a_lost_update() -> None:
    state = empty_state("3.1").with_metric("AV", "N")
    values = {
        cvss_blocks.metric_block_id("AV", state): {
            "cvss_metric:AV": {"type": "static_select", "selected_option": {"value": "P"}}
        },
        cvss_blocks.metric_block_id("AC", state): {
            "cvss_metric:AC": {"type": "static_select", "selected_option": {"value": "H"}}
        },
        cvss_blocks.metric_block_id("PR", state): {
            "cvss_metric:PR": {"type": "static_select", "selected_option": None}
        },
        "cvss_metric:UI:99": {  # from another revision: ignored
            "cvss_metric:UI": {"type": "static_select", "selected_option": {"value": "R"}}
        },
        cvss_blocks.vector_block_id(state): {
            "cvss_vector": {"type": "plain_text_input", "value": "x"}
        },
    }
    assert dict(state.with_view_values(values).metrics) == {"AV": "P", "AC": "H"}


@pytest.mark.parametrize("state", STATES)
def test_private_metadata_round_trips(state: CvssState) -> None:
    text = cvss_blocks.modal_view(state)["private_metadata"]
    assert len(text) <= 3000
    back = from_metadata(text)
    assert (back.version, dict(back.metrics), back.revision, dict(back.context)) == (
        state.version,
        dict(state.metrics),
        state.revision,
        CONTEXT,
    )
    assert from_metadata(to_metadata(back)) == back


def test_private_metadata_refuses_what_slack_would() -> None:
    with pytest.raises(ValueError, match="private_metadata"):
        to_metadata(CvssState(context={"note": "x" * 3000}))
    assert from_metadata("") == CvssState()
    odd = from_metadata('{"v": "9.9", "m": {"AV": "N", "ZZ": "Q"}, "r": 3}')
    assert (odd.version, dict(odd.metrics), odd.revision) == ("3.1", {"AV": "N"}, 3)


def test_submit_errors_name_each_missing_metric() -> None:
    state = empty_state("3.1").with_metric("AV", "N")
    errors = cvss_blocks.submit_errors(state)
    assert errors[cvss_blocks.metric_block_id("S", state)] == "Choose a value for Scope."
    assert len(errors) == 7
    assert cvss_blocks.submit_errors(state.with_vector(V31)) == {}


# --- messages -------------------------------------------------------------------------


@pytest.mark.parametrize("vector", [V31, V31 + "/E:P/MAV:L", V40, V40 + "/E:A/CR:H"])
def test_score_post(vector: str) -> None:
    result = score(vector)
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    post = cvss_blocks.score_post_blocks(result, "U0ALICE", when, value="SEC-2026-0042")
    assert check_blocks(post) == []
    text = json.dumps(post)
    assert "<@U0ALICE>" in text and result.clean_vector in text and "<!date^" in text
    assert f"{result.score:.1f} {result.severity}" in text
    assert (result.nomenclature or f"CVSS {result.version}") in text
    actions = post[-1]["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        (cvss_blocks.ACTION_COMPARE, "SEC-2026-0042"),
        (cvss_blocks.ACTION_USE_VECTOR, result.clean_vector),
    ]
    assert "<@" not in cvss_blocks.score_post_text(result)


def test_compare_table_for_a_large_team() -> None:
    base = parse_vector(V31).metrics
    av = ["N", "A", "L", "P"]
    vectors = {
        f"U{i:03d}": "CVSS:3.1/"
        + "/".join(f"{k}:{av[i % 4] if k == 'AV' else v}" for k, v in base.items())
        + ("/E:P" if i % 3 else "")
        for i in range(50)
    }
    vectors["U999"] = "CVSS:3.1/AV:N<!channel>"
    comparison = diff_vectors(vectors)
    message = cvss_blocks.compare_blocks(comparison)
    assert check_blocks(message) == []
    text = json.dumps(message, ensure_ascii=False)
    assert "The vector contains the character &lt; (U+003C" in text and "<!" not in text
    assert "*Attack Vector (AV)* — Network:" in text
    picks = [e for b in message if b["type"] == "actions" for e in b["elements"]]
    assert len(picks) == 8  # four attack vectors, with and without E:P
    assert picks[0]["action_id"] == "cvss_pick:1"
    assert picks[0]["text"]["text"] == "Pick vector 1 (9.8 Critical)"
    assert {p["value"] for p in picks} == {
        m.result.clean_vector for m in comparison.members if m.result
    }


def test_compare_when_everyone_agrees() -> None:
    message = cvss_blocks.compare_blocks(diff_vectors({"U1": V40, "U2": V40}))
    assert ":white_check_mark: Every vector is the same." in json.dumps(message)
    assert check_blocks(message) == []


@pytest.mark.parametrize("record", [False, True])
def test_calculator_answer(record: bool) -> None:
    result: ScoreResult = score(V31 + "/E:U")
    answer = cvss_blocks.calculator_blocks(result, record_button=record)
    assert check_blocks(answer) == []
    text = json.dumps(answer)
    assert "Calculator only: nothing was recorded." in text if not record else "cvss_record" in text
    assert "SEC-" not in text


def test_calculator_error() -> None:
    with pytest.raises(VectorError) as raised:
        parse_vector("CVSS:3.1/AV:<@U1>")
    answer = cvss_blocks.calculator_error_blocks(raised.value)
    assert check_blocks(answer) == []
    assert answer[0]["text"]["text"].startswith(":warning: The vector contains the character &lt;")


def test_topic_text() -> None:
    assert cvss_blocks.score_topic_text(score(V31)) == "9.8 Critical (CVSS 3.1)"
    assert cvss_blocks.score_topic_text(score(V40 + "/E:U")) == "8.1 High (CVSS-BT)"


def test_advanced_view_groups() -> None:
    view = cvss_blocks.advanced_view(full_state("4.0"))
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Threat metrics", "Environmental metrics", "Supplemental metrics"]
    assert view["callback_id"] == cvss_blocks.CALLBACK_ADVANCED
    assert len(view["blocks"]) <= 100
    assert Group.SUPPLEMENTAL in catalogue("4.0").groups()

"""Affected packages edited in Slack: a block per package in the Advisory fields form
(add, remove, an error under the input that is wrong) and `/disclose affected`."""

from __future__ import annotations

import html
from typing import Any

from bot.advisory import store
from bot.advisory.model import AffectedPackage
from bot.incident.models import Incident
from tests.harness import RunningBot, wait_until
from tests.vocabulary import command, open_incident, open_modal, submit, thread_texts


def packages(bot: RunningBot, incident: Incident) -> list[AffectedPackage]:
    with bot.services.db.transaction() as session:
        return store.packages(session, incident.id)


def advisory_form(bot: RunningBot, incident: Incident) -> dict[str, Any]:
    return open_modal(
        bot, bot.workspace.bob, incident, "lifecycle_advisory", "lifecycle_advisory_submit"
    )


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def press(
    bot: RunningBot, view: dict[str, Any], action_id: str, value: str, state: dict | None = None
) -> dict:
    """Click a button inside the open form (`state`: what was typed so far, else what the
    form shows); the rebuilt form."""
    before = view.get("hash")
    response = bot.driver.block_action(
        bot.workspace.bob, action_id, value=value, view_id=view["id"], state=state
    )
    assert response.status == 200 and not response.problems, response.problems
    return wait_until(
        lambda: (v := bot.slack.open_view_for(bot.workspace.bob)) and v.get("hash") != before and v,
        what="the rebuilt form",
    )


def test_the_form_adds_removes_and_checks_each_package(bot: RunningBot) -> None:
    incident = open_incident(bot)
    view = advisory_form(bot, incident)
    assert "pkg_0x0_name" in block_ids(view)  # one empty package block to start with
    typed = {
        "pkg_0x0_ecosystem": {"value": {"selected_option": {"value": "Maven"}}},
        "pkg_0x0_name": {"value": {"type": "plain_text_input", "value": "org.xwiki:core"}},
        "pkg_0x0_ranges": {
            "value": {"type": "plain_text_input", "value": ">= 11.6, < 11.10.13\n>= 12.0, < 12.6.7"}
        },
    }
    view = press(bot, view, "advisory_package_add", incident.human_id, typed)
    assert {"pkg_1x0_name", "pkg_1x1_name"} <= set(block_ids(view))
    first = next(b for b in view["blocks"] if b.get("block_id") == "pkg_1x0_ranges")
    assert first["element"]["initial_value"] == ">= 11.6, < 11.10.13\n>= 12.0, < 12.6.7"

    errors = submit(
        bot,
        bot.workspace.bob,
        view,
        {
            "pkg_1x1_ecosystem": {"value": "PyPI"},
            "pkg_1x1_name": {"value": "xwiki-client"},
            "pkg_1x1_ranges": {"value": "> 2.1.0"},
            "pkg_1x1_fixed": {"value": "banana!"},
        },
    )
    assert "no exact OSV form" in errors["pkg_1x1_ranges"]
    assert "Not versions of this ecosystem" in errors["pkg_1x1_fixed"]
    assert packages(bot, incident) == []  # nothing was stored

    assert not submit(
        bot,
        bot.workspace.bob,
        view,
        {
            "pkg_1x1_ecosystem": {"value": "PyPI"},
            "pkg_1x1_name": {"value": "xwiki-client"},
            "pkg_1x1_ranges": {"value": ">= 2.1.1, < 2.3"},
            "pkg_1x1_fixed": {"value": "2.3"},
            "pkg_1x1_links": {"value": "https://github.com/xwiki/client/pull/7"},
            "cwe_ids": {"value": "285, CWE-863"},
        },
    )
    maven, pypi = wait_until(lambda: len(packages(bot, incident)) == 2 and packages(bot, incident))
    assert maven.ranges == [
        [{"introduced": "11.6"}, {"fixed": "11.10.13"}],
        [{"introduced": "12.0"}, {"fixed": "12.6.7"}],
    ]
    assert (pypi.ecosystem, pypi.fixed, pypi.fix_links) == (
        "PyPI",
        ["2.3"],
        ["https://github.com/xwiki/client/pull/7"],
    )
    stored = bot.incident(incident.human_id)
    assert stored.cwe_ids == ["CWE-285", "CWE-863"]
    assert stored.component == "org.xwiki:core, xwiki-client"
    wait_until(
        lambda: any("affected packages" in t for t in thread_texts(bot, incident)),
        what="the thread note",
    )

    # Open again: a block per stored package; remove the first one.
    view = advisory_form(bot, incident)
    names = [b for b in view["blocks"] if b.get("block_id", "").endswith("_name")]
    assert [b["element"]["initial_value"] for b in names] == ["org.xwiki:core", "xwiki-client"]
    view = press(bot, view, "advisory_package_remove", f"{incident.human_id}|0x0")
    names = [b for b in view["blocks"] if b.get("block_id", "").endswith("_name")]
    assert [b["element"]["initial_value"] for b in names] == ["xwiki-client"]
    assert not submit(bot, bot.workspace.bob, view, {})
    wait_until(lambda: [p.name for p in packages(bot, incident)] == ["xwiki-client"])


def affected(bot: RunningBot, incident: Incident, text: str) -> str:
    """`/disclose affected …` and its answer as Slack shows it (entities decoded)."""
    assert incident.channel_id is not None
    return html.unescape(command(bot, bot.workspace.bob, incident.channel_id, f"affected {text}"))


def test_disclose_affected_is_the_forms_twin(bot: RunningBot) -> None:
    incident = open_incident(bot)
    answer = affected(
        bot,
        incident,
        'maven org.xwiki:core ">= 11.6, < 11.10.13; >= 12.0, < 12.6.7" fixed 11.10.13, 12.6.7',
    )
    assert "org.xwiki:core (Maven) >= 11.6, < 11.10.13; >= 12.0, < 12.6.7" in answer
    (package,) = packages(bot, incident)
    assert package.fixed == ["11.10.13", "12.6.7"]

    answer = affected(
        bot, incident, "npm left-pad > 1.0.0 links https://github.com/left-pad/left-pad/pull/9"
    )
    assert "left-pad (npm) >= 1.0.1-0" in answer
    assert [p.name for p in packages(bot, incident)] == ["org.xwiki:core", "left-pad"]
    assert packages(bot, incident)[1].fix_links == ["https://github.com/left-pad/left-pad/pull/9"]

    answer = affected(bot, incident, "PyPI thing > 1.0")
    assert answer.startswith("Nothing changed.") and "no exact OSV form" in answer
    answer = affected(bot, incident, "cobol thing < 1")
    assert "not an OSV ecosystem" in answer and "PyPI" in answer

    answer = affected(bot, incident, "")
    assert "left-pad (npm)" in answer and "/disclose affected remove" in answer
    answer = affected(bot, incident, "remove maven org.xwiki:core")
    assert "org.xwiki:core" not in answer
    assert [p.name for p in packages(bot, incident)] == ["left-pad"]


def test_text_that_does_not_read_is_shown_and_must_be_fixed(bot: RunningBot) -> None:
    incident = open_incident(bot, affected_versions="all of them")
    view = advisory_form(bot, incident)
    ranges = next(b for b in view["blocks"] if b.get("block_id") == "pkg_0x0_ranges")
    assert ranges["element"]["initial_value"] == "all of them"  # kept, never dropped
    errors = submit(
        bot,
        bot.workspace.bob,
        view,
        {"pkg_0x0_ecosystem": {"value": "npm"}, "pkg_0x0_name": {"value": "yaml-parser"}},
    )
    assert "is not a bound" in errors["pkg_0x0_ranges"]
    assert packages(bot, incident) == []
    assert bot.incident(incident.human_id).affected_versions == "all of them"

"""Ground truth through Slack: every FIRST example, pasted into the /cvss modal and submitted
through signed requests, is recorded with exactly the published score."""

from __future__ import annotations

from bot.scoring.engine import score
from tests.cvss_session import open_cvss, paste, records, submit, summary
from tests.harness import RunningBot
from tests.scoring.examples import all_examples
from tests.vocabulary import open_incident


def test_every_first_example_is_recorded_as_published(bot: RunningBot) -> None:
    alice = bot.workspace.alice
    incident = open_incident(bot)
    examples = all_examples()
    assert len(examples) == 70
    for vector, published in examples:
        modal = open_cvss(bot, alice, incident)
        shown = paste(bot, alice, modal["id"], vector)
        assert f"*{published:.1f} " in summary(shown), vector
        assert not submit(bot, alice, modal["id"]), vector
        latest = records(bot, incident)[-1]
        assert (latest.vector, latest.score) == (score(vector).clean_vector, published)
        assert bot.incident(incident.human_id).cvss_score == published
    assert len(records(bot, incident)) == len(examples)

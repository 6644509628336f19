"""A whole disclosure played against a running test bot, reusing the demo's acts.

The demo's acts are the project's one script of a complete disclosure (report, lead
offer, CVSS modal, lifecycle to closed, exports, a report from outside the team); new
features add acts there, so every proof that runs this scenario covers them too.
"""

from __future__ import annotations

import contextlib
import io

from bot.demo import ACTS, Demo
from tests.harness import RunningBot


def demo_for(bot: RunningBot) -> Demo:
    ws = bot.workspace
    # Dave, outside the security team, plays the maintainer the fix team takes in.
    people = {"alice": ws.alice, "bob": ws.bob, "carol": ws.carol, "frank": ws.dave}
    channels = {"triage": ws.triage, "general": ws.general}
    return Demo(bot.slack, bot.driver, bot.services, people, channels, bot.server.url)


def play_full_scenario(bot: RunningBot) -> str:
    """Run every act of the demo; returns what the acts narrated."""
    demo = demo_for(bot)
    narration = io.StringIO()
    with contextlib.redirect_stdout(narration):
        for act in ACTS.values():
            act.play(demo)
    bot.services.background.wait()
    return narration.getvalue()

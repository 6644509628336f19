"""Recording a CVSS score from Slack: the database first, then the thread, headline and hooks."""

from __future__ import annotations

from bot.incident import scores as incident_scores
from bot.scoring.engine import ScoreResult
from bot.services import Services
from bot.slack.blocks import cvss_records as records
from bot.slack.blocks.cvss import score_post_blocks, score_post_text
from bot.slack.incident_messages import post_update, refresh


def record(
    services: Services, incident_id: int, result: ScoreResult, actor: str, via: str
) -> incident_scores.Recorded:
    """Store the score (raises ScoringRefused); call `announce` after answering Slack."""
    with services.db.transaction() as session:
        return incident_scores.record_score(
            session, incident_id, result, actor=actor, now=services.clock.now(), via=via
        )


def announce(services: Services, recorded: incident_scores.Recorded, via: str) -> None:
    """The thread reply (and note in the incident channel); a final score also repaints the
    headline and topic and lets deadlines re-plan."""
    result, value = recorded.result, recorded.human_id
    if recorded.repeated:
        return  # a duplicate of what was just announced
    if not recorded.is_final:
        blocks = records.proposal_blocks(result, recorded.user_id, recorded.decider, value)
        post_update(services, recorded.incident_id, records.proposal_text(result), blocks)
        return
    if via == incident_scores.VIA_PICK:
        blocks = records.picked_blocks(result, recorded.user_id, recorded.at, value)
    else:
        blocks = score_post_blocks(result, recorded.user_id, recorded.at, value)
    refresh(services, recorded.incident_id)
    post_update(services, recorded.incident_id, score_post_text(result), blocks)
    services.hooks.changed(services, recorded.incident_id, "score")

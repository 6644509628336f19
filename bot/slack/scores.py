"""Recording a CVSS score from Slack: the score and its outbox row in one transaction.

What the record shows (a proposal under the triage parent, or a final score with the
headline and topic repainted) is decided in bot.slack.changes from the row.
"""

from __future__ import annotations

from bot.incident import scores as incident_scores
from bot.outbox.service import emit
from bot.scoring.engine import ScoreResult
from bot.services import Services
from bot.slack import changes


def record(
    services: Services, incident_id: int, result: ScoreResult, actor: str, via: str
) -> incident_scores.Recorded:
    """Store the score (raises ScoringRefused); call `show` after answering Slack."""
    now = services.clock.now()
    with services.db.transaction() as session:
        recorded = incident_scores.record_score(
            session, incident_id, result, actor=actor, now=now, via=via
        )
        if not recorded.repeated:  # a repeat stores nothing and shows nothing
            emit(
                session,
                incident_id,
                changes.SCORE,
                now,
                vector=result.vector,
                user=recorded.user_id,
                at=recorded.at.isoformat(),
                final=recorded.is_final,
                decider=recorded.decider,
                via=via,
                value=recorded.human_id,
            )
        return recorded


def show(services: Services, recorded: incident_scores.Recorded) -> None:
    """After the answer to Slack: deliver what the record shows."""
    services.doorbell.ring(recorded.incident_id)

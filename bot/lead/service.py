"""Lead offers: making them, answering them, and moving on when nobody answers.

Every answer runs in one transaction holding the incident's row lock (PostgreSQL's
`FOR UPDATE`, SQLite's `BEGIN IMMEDIATE`), so of several clicks arriving together the
first valid one wins and the others see its result. Nothing here talks to Slack: the
results say which offers to post or repaint and what happened.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit.service import BOT_ACTOR, record
from bot.database import lease
from bot.incident import service as incidents
from bot.incident.models import Incident
from bot.lead import rotation
from bot.lead.models import LeadOffer, OfferKind, OfferStatus
from bot.timeline.service import add_event

Expiry = Callable[[datetime], datetime]  # when an offer made at this moment lapses


@dataclass(frozen=True)
class Team:
    """What the service needs to know about the team at this moment."""

    members: Sequence[str]  # eligible roster members, in roster order
    max_open: int
    expiry: Expiry


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    HANDED_OFF = "handed_off"
    VOLUNTEERED = "volunteered"
    PASSED = "passed"
    ALREADY_LED = "already_led"  # somebody else already holds the role
    NOT_YOURS = "not_yours"  # the offer is for someone else
    NOT_OPEN = "not_open"  # the offer was answered or lapsed, or the incident closed
    NOT_FOUND = "not_found"
    AWAY = "away"  # the person asked is away: nothing was offered
    OFFERED = "offered"
    NOTHING_TO_DO = "nothing_to_do"


@dataclass
class Result:
    outcome: Outcome
    incident_id: int | None = None
    offer_id: int | None = None
    lead_id: str | None = None  # the lead after this answer
    previous_lead: str | None = None
    candidate_id: str | None = None  # whom the offer was for
    repaint: list[int] = field(default_factory=list)  # answered offers to edit in place
    new_offer: int | None = None  # an offer made just now, still to be posted
    back_at: datetime | None = None  # with AWAY: when the person asked is back

    @property
    def lead_changed(self) -> bool:
        return self.outcome in (Outcome.ACCEPTED, Outcome.HANDED_OFF, Outcome.VOLUNTEERED)


def refusal(incident: Incident, offer: LeadOffer, outcome: Outcome) -> Result:
    """An answer to `offer` that changed nothing: the incident keeps its lead."""
    return _about(incident, offer, outcome, lead_id=incident.lead_id)


def _about(
    incident: Incident,
    offer: LeadOffer,
    outcome: Outcome,
    *,
    lead_id: str | None,
    previous_lead: str | None = None,
    repaint: list[int] | None = None,
) -> Result:
    """The result of an answer to `offer`, naming the incident, the offer and its candidate."""
    return Result(
        outcome,
        incident_id=incident.id,
        offer_id=offer.id,
        candidate_id=offer.candidate_id,
        lead_id=lead_id,
        previous_lead=previous_lead,
        repaint=repaint if repaint is not None else [],
    )


# -- reading -------------------------------------------------------------------------------
def get_offer(session: Session, offer_id: int) -> LeadOffer | None:
    return session.get(LeadOffer, offer_id)


def offers_for(session: Session, incident_id: int) -> list[LeadOffer]:
    query = select(LeadOffer).where(LeadOffer.incident_id == incident_id).order_by(LeadOffer.id)
    return list(session.scalars(query))


def pending_for(session: Session, incident_id: int) -> list[LeadOffer]:
    return [o for o in offers_for(session, incident_id) if o.is_pending]


def due_offer_ids(session: Session, now: datetime) -> list[int]:
    query = (
        select(LeadOffer.id)
        .where(LeadOffer.status == OfferStatus.PENDING.value)
        .where(LeadOffer.expires_at.is_not(None), LeadOffer.expires_at <= now)
        .order_by(LeadOffer.expires_at, LeadOffer.id)
    )
    return list(session.scalars(query))


def unposted_offer_ids(session: Session) -> list[int]:
    query = (
        select(LeadOffer.id)
        .where(LeadOffer.status == OfferStatus.PENDING.value, LeadOffer.posted.is_(False))
        .where(LeadOffer.kind != OfferKind.VOLUNTEER.value)
        .order_by(LeadOffer.id)
    )
    return list(session.scalars(query))


def _lock(session: Session, offer_id: int) -> tuple[Incident, LeadOffer] | None:
    offer = session.get(LeadOffer, offer_id)
    if offer is None:
        return None
    incident = incidents.lock(session, offer.incident_id)
    assert incident is not None
    session.refresh(offer, with_for_update=True)
    return incident, offer


# -- making offers -------------------------------------------------------------------------
def _new_offer(
    session: Session,
    incident: Incident,
    kind: OfferKind,
    candidate: str | None,
    by: str,
    now: datetime,
    expires_at: datetime | None,
) -> LeadOffer:
    offer = LeadOffer(
        incident_id=incident.id,
        kind=kind.value,
        candidate_id=candidate,
        status=OfferStatus.PENDING.value,
        offered_by=by,
        created_at=now,
        expires_at=expires_at,
        reason="",
        posted=False,
    )
    session.add(offer)
    session.flush()
    if kind is OfferKind.TEAM:
        text = "Nobody in the rotation could take the fix-lead role; the whole team is asked"
    elif kind is OfferKind.HANDOFF:
        text = f"<@{by}> offered the fix-lead role to <@{candidate}> (handoff)"
    else:
        text = f"The fix-lead role was offered to <@{candidate}>"
    add_event(
        session,
        incident.id,
        now,
        by,
        "lead_offered",
        text,
        {"offer": offer.id, "kind": kind.value, "candidate": candidate},
    )
    record(
        session,
        now,
        by,
        "lead.offer",
        incident.id,
        offer=offer.id,
        kind=kind.value,
        candidate=candidate,
    )
    return offer


def _next_rotation_offer(
    session: Session, incident: Incident, team: Team, now: datetime, by: str = BOT_ACTOR
) -> LeadOffer:
    """The next member in the rotation is asked; with nobody left, the whole team."""
    asked = {
        o.candidate_id
        for o in offers_for(session, incident.id)
        if o.kind == OfferKind.ROTATION.value and o.candidate_id
    }
    order = rotation.queue(session, team.members, now, team.max_open, exclude=asked)
    if order:
        return _new_offer(
            session, incident, OfferKind.ROTATION, order[0], by, now, team.expiry(now)
        )
    return _new_offer(session, incident, OfferKind.TEAM, None, by, now, None)


def first_offer(session: Session, incident_id: int, team: Team, now: datetime) -> Result:
    """Offer the role for a newly opened incident, once: nothing if an offer exists."""
    incident = incidents.lock(session, incident_id)
    if incident is None:
        return Result(Outcome.NOT_FOUND)
    if incident.lead_id or not incident.is_open or offers_for(session, incident_id):
        return Result(Outcome.NOTHING_TO_DO, incident_id, lead_id=incident.lead_id)
    offer = _next_rotation_offer(session, incident, team, now)
    return Result(
        Outcome.OFFERED, incident_id, offer.id, candidate_id=offer.candidate_id, new_offer=offer.id
    )


def request_handoff(
    session: Session, incident_id: int, target: str, by: str, team: Team, now: datetime
) -> Result:
    """Offer the role to one person; the current lead stays lead until they accept.
    Someone away is not asked: the offer would lapse unanswered."""
    incident = incidents.lock(session, incident_id)
    if incident is None:
        return Result(Outcome.NOT_FOUND)
    if not incident.is_open:
        return Result(Outcome.NOT_OPEN, incident_id)
    if incident.lead_id == target:
        return Result(Outcome.ALREADY_LED, incident_id, lead_id=target)
    back = rotation.away_until(session, [target], now).get(target)
    if back is not None:
        return Result(
            Outcome.AWAY, incident_id, lead_id=incident.lead_id, candidate_id=target, back_at=back
        )
    repaint = []
    for earlier in pending_for(session, incident_id):
        if earlier.kind == OfferKind.HANDOFF.value:
            _close(earlier, OfferStatus.SUPERSEDED, by, now)
            repaint.append(earlier.id)
    offer = _new_offer(session, incident, OfferKind.HANDOFF, target, by, now, team.expiry(now))
    return Result(
        Outcome.OFFERED,
        incident_id,
        offer.id,
        lead_id=incident.lead_id,
        candidate_id=target,
        repaint=repaint,
        new_offer=offer.id,
    )


# -- answering -----------------------------------------------------------------------------
def _close(offer: LeadOffer, status: OfferStatus, by: str, now: datetime, reason: str = "") -> None:
    offer.status = status.value
    offer.answered_by = by
    offer.answered_at = now
    offer.reason = reason


def _supersede_others(
    session: Session, incident_id: int, keep: int, by: str, now: datetime
) -> list[int]:
    closed = []
    for other in pending_for(session, incident_id):
        if other.id != keep:
            _close(other, OfferStatus.SUPERSEDED, by, now)
            closed.append(other.id)
    return closed


def _become_lead(session: Session, incident: Incident, user: str, now: datetime) -> str | None:
    previous = incident.lead_id
    incident.lead_id = user
    incident.updated_at = now
    rotation.take_turn(session, user)
    return previous


def accept(session: Session, offer_id: int, user: str, now: datetime) -> Result:
    locked = _lock(session, offer_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    incident, offer = locked
    if offer.kind == OfferKind.TEAM.value:
        return volunteer(session, offer_id, user, now)
    if not offer.is_pending or not incident.is_open:
        if offer.status == OfferStatus.ACCEPTED.value or (
            offer.kind == OfferKind.ROTATION.value and incident.lead_id
        ):
            return _about(incident, offer, Outcome.ALREADY_LED, lead_id=incident.lead_id)
        return _about(incident, offer, Outcome.NOT_OPEN, lead_id=incident.lead_id)
    if offer.candidate_id != user:
        return _about(incident, offer, Outcome.NOT_YOURS, lead_id=incident.lead_id)
    if offer.kind == OfferKind.ROTATION.value and incident.lead_id:
        return _about(incident, offer, Outcome.ALREADY_LED, lead_id=incident.lead_id)

    _close(offer, OfferStatus.ACCEPTED, user, now)
    previous = _become_lead(session, incident, user, now)
    handoff = offer.kind == OfferKind.HANDOFF.value and previous is not None
    if handoff:
        text = f"<@{user}> accepted the handoff and took over as fix lead from <@{previous}>"
    else:
        text = f"<@{user}> accepted the fix-lead role"
    add_event(
        session,
        incident.id,
        now,
        user,
        "lead_accepted",
        text,
        {"offer": offer.id, "kind": offer.kind, "previous": previous},
    )
    record(
        session,
        now,
        user,
        "lead.accept",
        incident.id,
        offer=offer.id,
        kind=offer.kind,
        previous=previous,
    )
    repaint = [offer.id, *_supersede_others(session, incident.id, offer.id, user, now)]
    outcome = Outcome.HANDED_OFF if handoff else Outcome.ACCEPTED
    return _about(incident, offer, outcome, lead_id=user, previous_lead=previous, repaint=repaint)


def volunteer(session: Session, offer_id: int, user: str, now: datetime) -> Result:
    """Anyone on the team takes the role while nobody holds it."""
    locked = _lock(session, offer_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    incident, offer = locked
    if not incident.is_open:
        return _about(incident, offer, Outcome.NOT_OPEN, lead_id=incident.lead_id)
    if incident.lead_id:
        return _about(incident, offer, Outcome.ALREADY_LED, lead_id=incident.lead_id)

    record_row = _new_volunteer_record(session, incident, user, now)
    _become_lead(session, incident, user, now)
    add_event(
        session,
        incident.id,
        now,
        user,
        "lead_accepted",
        f"<@{user}> volunteered and took the fix-lead role",
        {"offer": record_row.id, "kind": OfferKind.VOLUNTEER.value},
    )
    record(session, now, user, "lead.volunteer", incident.id, offer=offer.id)
    repaint = _supersede_others(session, incident.id, record_row.id, user, now)
    if offer.id not in repaint:
        repaint.append(offer.id)  # an offer that lapsed a moment ago still shows its buttons
    return _about(incident, offer, Outcome.VOLUNTEERED, lead_id=user, repaint=repaint)


def _new_volunteer_record(
    session: Session, incident: Incident, user: str, now: datetime
) -> LeadOffer:
    row = LeadOffer(
        incident_id=incident.id,
        kind=OfferKind.VOLUNTEER.value,
        candidate_id=user,
        status=OfferStatus.ACCEPTED.value,
        offered_by=user,
        created_at=now,
        answered_at=now,
        answered_by=user,
        reason="",
        posted=True,
    )
    session.add(row)
    session.flush()
    return row


def pass_offer(
    session: Session, offer_id: int, user: str, reason: str, team: Team, now: datetime
) -> Result:
    """Decline: a rotation offer moves on to the next member, a handoff leaves things be."""
    locked = _lock(session, offer_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    incident, offer = locked
    if not offer.is_pending or not incident.is_open:
        return _about(incident, offer, Outcome.NOT_OPEN, lead_id=incident.lead_id)
    if offer.candidate_id != user:
        return _about(incident, offer, Outcome.NOT_YOURS, lead_id=incident.lead_id)
    reason = reason.strip()
    _close(offer, OfferStatus.PASSED, user, now, reason)
    add_event(
        session,
        incident.id,
        now,
        user,
        "lead_passed",
        f"<@{user}> passed on the fix-lead role" + (f": {reason}" if reason else ""),
        {"offer": offer.id, "kind": offer.kind, "reason": reason},
    )
    record(session, now, user, "lead.pass", incident.id, offer=offer.id, reason=reason)
    result = _about(incident, offer, Outcome.PASSED, lead_id=incident.lead_id, repaint=[offer.id])
    if offer.kind == OfferKind.ROTATION.value and not incident.lead_id:
        result.new_offer = _next_rotation_offer(session, incident, team, now).id
    return result


def expire(session: Session, offer_id: int, team: Team, now: datetime) -> Result:
    """Let a lapsed offer go and ask the next member. Safe to run from any replica."""
    locked = _lock(session, offer_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    incident, offer = locked
    if not offer.is_pending or offer.expires_at is None or offer.expires_at > now:
        return _about(incident, offer, Outcome.NOTHING_TO_DO, lead_id=incident.lead_id)
    _close(offer, OfferStatus.EXPIRED, BOT_ACTOR, now)
    add_event(
        session,
        incident.id,
        now,
        BOT_ACTOR,
        "lead_offer_expired",
        f"The offer to <@{offer.candidate_id}> lapsed without an answer",
        {"offer": offer.id, "kind": offer.kind},
    )
    record(session, now, BOT_ACTOR, "lead.offer_expired", incident.id, offer=offer.id)
    result = _about(incident, offer, Outcome.NOT_OPEN, lead_id=incident.lead_id, repaint=[offer.id])
    if offer.kind == OfferKind.ROTATION.value and not incident.lead_id and incident.is_open:
        result.new_offer = _next_rotation_offer(session, incident, team, now).id
    return result


# -- posting bookkeeping -------------------------------------------------------------------
def claim_for_posting(session: Session, offer_id: int, now: datetime, until: datetime) -> bool:
    """Take the right to post an unposted offer; False if it is posted or being posted."""
    unposted = (LeadOffer.id == offer_id) & LeadOffer.posted.is_(False)
    return lease.acquire(session, LeadOffer.post_lease_until, unposted, now, until) is not None


def mark_posted(session: Session, offer_id: int, **where: str | None) -> None:
    offer = session.get(LeadOffer, offer_id)
    assert offer is not None
    for name, value in where.items():
        setattr(offer, name, value)
    offer.posted = True
    offer.post_lease_until = None


# -- the team's view -----------------------------------------------------------------------
@dataclass
class MemberStats:
    user_id: str
    led: int
    open: int
    passed: int
    last_led: datetime | None
    away_until: datetime | None


def stats(session: Session, members: Sequence[str], now: datetime) -> list[MemberStats]:
    accepted = OfferStatus.ACCEPTED.value
    led = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(LeadOffer.candidate_id, func.count(), func.max(LeadOffer.answered_at))
            .where(LeadOffer.status == accepted, LeadOffer.candidate_id.in_(members))
            .group_by(LeadOffer.candidate_id)
        )
    }
    passed = dict(
        session.execute(
            select(LeadOffer.candidate_id, func.count())
            .where(LeadOffer.status == OfferStatus.PASSED.value)
            .where(LeadOffer.candidate_id.in_(members))
            .group_by(LeadOffer.candidate_id)
        ).all()
    )
    load = rotation.open_leads(session, members)
    away = rotation.away_until(session, members, now)
    rows = []
    for user in members:
        count, last = led.get(user, (0, None))
        rows.append(
            MemberStats(
                user,
                int(count),
                load.get(user, 0),
                int(passed.get(user, 0)),
                _aware(last),
                away.get(user),
            )
        )
    return rows


def _aware(moment: datetime | None) -> datetime | None:
    from bot.database import utc

    return None if moment is None else utc(moment)

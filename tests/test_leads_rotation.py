"""The lead rotation through the service layer: fairness over many incidents, on both backends."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.database import Database
from bot.incident import service as incidents
from bot.incident.models import Phase
from bot.incident.validation import IncidentDraft
from bot.lead import rotation
from bot.lead import service as leads
from bot.lead.models import OfferKind

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEAM = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN", "U0FRANK", "U0GRACE"]


def team(members: list[str] = TEAM, max_open: int = 3) -> leads.Team:
    return leads.Team(members, max_open, expiry=lambda moment: moment + timedelta(hours=4))


def open_one(session, now: datetime, title: str = "bug") -> int:
    incident, _ = incidents.open_incident(
        session, IncidentDraft(title=title), opened_by="U0ALICE", now=now, prefix="SEC"
    )
    return incident.id


def close(session, incident_id: int) -> None:
    incident = incidents.get(session, incident_id)
    assert incident is not None
    incident.phase = Phase.CLOSED.value


def test_a_thousand_incidents_share_the_lead_role_evenly(db: Database) -> None:
    now, open_ids = START, []
    with db.transaction() as session:
        for number in range(1000):
            now += timedelta(minutes=5)
            incident_id = open_one(session, now, f"incident {number}")
            offer = leads.first_offer(session, incident_id, team(), now)
            assert offer.candidate_id is not None
            accepted = leads.accept(session, offer.offer_id, offer.candidate_id, now)
            assert accepted.outcome == leads.Outcome.ACCEPTED
            open_ids.append(incident_id)
            if len(open_ids) > 10:  # incidents close as new ones come in
                close(session, open_ids.pop(0))
        stats = leads.stats(session, TEAM, now)
    counts = {row.user_id: row.led for row in stats}
    assert sum(counts.values()) == 1000
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    assert all(row.passed == 0 for row in stats)
    assert sum(row.open for row in stats) == 10


def test_away_periods_and_passes_follow_the_documented_rule(db: Database) -> None:
    """An independent model of the rule predicts every offer the service makes."""
    chance = random.Random(20260302)
    last_turn = dict.fromkeys(TEAM, 0)
    turns, passes, now = 0, Counter[str](), START
    away: dict[str, datetime] = {}

    def expected(asked: set[str]) -> str | None:
        available = [
            (last_turn[user], index, user)
            for index, user in enumerate(TEAM)
            if user not in asked and not (user in away and away[user] > now)
        ]
        return min(available)[2] if available else None

    with db.transaction() as session:
        for number in range(300):
            now += timedelta(hours=3)
            if number % 25 == 0:  # someone goes on holiday for a few days
                user = chance.choice(TEAM)
                away[user] = now + timedelta(days=chance.randint(1, 6))
                rotation.set_away(session, user, away[user])
            incident_id = open_one(session, now, f"incident {number}")
            result = leads.first_offer(session, incident_id, team(), now)
            asked: set[str] = set()
            while True:
                offer = leads.get_offer(session, result.new_offer)
                assert offer is not None
                if offer.kind == OfferKind.TEAM.value:
                    assert expected(asked) is None
                    volunteer = chance.choice(TEAM)
                    leads.volunteer(session, offer.id, volunteer, now)
                    turns += 1
                    last_turn[volunteer] = turns
                    break
                assert offer.candidate_id == expected(asked), f"incident {number}"
                asked.add(offer.candidate_id)
                if chance.random() < 0.3:  # a pass keeps the passer's place
                    passes[offer.candidate_id] += 1
                    result = leads.pass_offer(
                        session, offer.id, offer.candidate_id, "busy", team(), now
                    )
                    continue
                leads.accept(session, offer.id, offer.candidate_id, now)
                turns += 1
                last_turn[offer.candidate_id] = turns
                break
            close(session, incident_id)
        stats = {row.user_id: row for row in leads.stats(session, TEAM, now)}
    assert sum(row.led for row in stats.values()) == 300
    assert {user: row.passed for user, row in stats.items() if row.passed} == dict(passes)


def test_a_pass_does_not_count_as_a_turn(db: Database) -> None:
    members = TEAM[:3]
    with db.transaction() as session:
        first = open_one(session, START)
        offer = leads.first_offer(session, first, team(members), START)
        assert offer.candidate_id == members[0]
        moved = leads.pass_offer(session, offer.offer_id, members[0], "", team(members), START)
        second_offer = leads.get_offer(session, moved.new_offer)
        assert second_offer is not None and second_offer.candidate_id == members[1]
        leads.accept(session, second_offer.id, members[1], START)
        # The passer is asked first for the next incident, then the rotation goes on.
        nxt = leads.first_offer(session, open_one(session, START), team(members), START)
        assert nxt.candidate_id == members[0]
        leads.accept(session, nxt.offer_id, members[0], START)
        third = leads.first_offer(session, open_one(session, START), team(members), START)
        assert third.candidate_id == members[2]


def test_members_at_the_open_lead_limit_are_skipped(db: Database) -> None:
    members = TEAM[:2]
    with db.transaction() as session:
        for _ in range(2):
            result = leads.first_offer(session, open_one(session, START), team(members, 1), START)
            leads.accept(session, result.offer_id, result.candidate_id, START)
        full = leads.first_offer(session, open_one(session, START), team(members, 1), START)
        offer = leads.get_offer(session, full.new_offer)
        assert offer is not None and offer.kind == OfferKind.TEAM.value
        assert offer.expires_at is None


def test_first_offer_is_made_once(db: Database) -> None:
    with db.transaction() as session:
        incident_id = open_one(session, START)
        assert leads.first_offer(session, incident_id, team(), START).outcome == "offered"
        again = leads.first_offer(session, incident_id, team(), START)
        assert again.outcome == leads.Outcome.NOTHING_TO_DO
        assert len(leads.offers_for(session, incident_id)) == 1


def test_handoff_needs_acceptance_and_a_decline_changes_nothing(db: Database) -> None:
    alice, bob, carol = TEAM[:3]
    with db.transaction() as session:
        incident_id = open_one(session, START)
        first = leads.first_offer(session, incident_id, team(), START)
        leads.accept(session, first.offer_id, alice, START)
        handoff = leads.request_handoff(session, incident_id, bob, alice, team(), START)
        assert incidents.get(session, incident_id).lead_id == alice
        wrong = leads.accept(session, handoff.offer_id, carol, START)
        assert wrong.outcome == leads.Outcome.NOT_YOURS
        declined = leads.pass_offer(session, handoff.offer_id, bob, "on leave", team(), START)
        assert declined.outcome == leads.Outcome.PASSED and declined.new_offer is None
        assert incidents.get(session, incident_id).lead_id == alice
        again = leads.request_handoff(session, incident_id, carol, alice, team(), START)
        taken = leads.accept(session, again.offer_id, carol, START)
        assert taken.outcome == leads.Outcome.HANDED_OFF and taken.previous_lead == alice
        assert incidents.get(session, incident_id).lead_id == carol


def test_expiry_moves_on_and_runs_once(db: Database) -> None:
    members = TEAM[:2]
    with db.transaction() as session:
        incident_id = open_one(session, START)
        first = leads.first_offer(session, incident_id, team(members), START)
    later = START + timedelta(hours=4)
    with db.transaction() as session:
        assert leads.due_offer_ids(session, later - timedelta(seconds=1)) == []
        assert leads.due_offer_ids(session, later) == [first.offer_id]
        moved = leads.expire(session, first.offer_id, team(members), later)
        assert moved.new_offer is not None
        twice = leads.expire(session, first.offer_id, team(members), later)
        assert twice.outcome == leads.Outcome.NOTHING_TO_DO
    with db.transaction() as session:
        second = leads.get_offer(session, moved.new_offer)
        assert second is not None and second.candidate_id == members[1]
        exhausted = leads.expire(session, second.id, team(members), later + timedelta(hours=4))
        last = leads.get_offer(session, exhausted.new_offer)
        assert last is not None and last.kind == OfferKind.TEAM.value

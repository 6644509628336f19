"""Deadline planning: which deadlines apply to an incident, and when to remind about them.

Pure: facts, policy and calendar in; deadlines and reminder times out. Storing them,
ticking and sending belong to the callers.
"""

from bot.deadline.disclosure_date import DisclosureReview, review_disclosure_date
from bot.deadline.facts import PHASES, IncidentFacts
from bot.deadline.model import Deadline, DeadlineKind, Owner, Status
from bot.deadline.planner import plan_deadlines
from bot.deadline.reminders import PlannedReminder, ReminderKind, Stage, reminder_times

__all__ = [
    "PHASES",
    "Deadline",
    "DeadlineKind",
    "DisclosureReview",
    "IncidentFacts",
    "Owner",
    "PlannedReminder",
    "ReminderKind",
    "Stage",
    "Status",
    "plan_deadlines",
    "reminder_times",
    "review_disclosure_date",
]

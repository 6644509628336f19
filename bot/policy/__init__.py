"""Disclosure policies: durations, presets, policy files and the business calendar.

Pure domain code: no Slack, no database; time only through arguments. See README.md.
"""

from bot.policy.calendar import BusinessCalendar
from bot.policy.durations import Duration, DurationError, parse_duration
from bot.policy.loader import PolicyError, load_policy, policy_from_mapping
from bot.policy.model import Policy
from bot.policy.presets import DEFAULT_PRESET, PRESETS, preset

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "BusinessCalendar",
    "Duration",
    "DurationError",
    "Policy",
    "PolicyError",
    "load_policy",
    "parse_duration",
    "policy_from_mapping",
    "preset",
]

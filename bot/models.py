"""Imports every model module so the metadata is complete (Alembic, tests)."""

from __future__ import annotations

import importlib

MODEL_MODULES = [
    "bot.incident.models",
    "bot.timeline.models",
    "bot.audit.models",
    "bot.lead.models",
    "bot.oncall.models",
    "bot.intake.models",
    "bot.scoring.models",
    "bot.reminder.models",
    "bot.intake.raw",
    "bot.embargo.models",
    "bot.cve.models",
    "bot.intake.mail_models",
    "bot.outbox.models",
    "bot.advisory.records",
    "bot.mail.models",
    "bot.distributor.models",
]


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)

"""Keeping the distributors list: add, remove, list, and a seed from a TOML file."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit.service import record
from bot.distributor.models import Distributor, EmbargoLeak


class DistributorError(ValueError):
    """A change to the list that cannot be made; the text says what and why."""


def parse_addresses(text: str | Sequence[str]) -> list[str]:
    raw = text.replace(";", ",").replace("\n", ",").split(",") if isinstance(text, str) else text
    found: list[str] = []
    for item in (part.strip().strip("<>") for part in raw):
        if not item:
            continue
        _, address = parseaddr(item)
        if "@" not in address or address != item or " " in address:
            raise DistributorError(
                f"{item!r} is not an email address; give addresses such as "
                "security@distro.example, separated by commas."
            )
        if address.lower() not in (known.lower() for known in found):
            found.append(address)
    if not found:
        raise DistributorError("Give at least one address to write to.")
    return found


def find(session: Session, organisation: str) -> Distributor | None:
    return session.scalar(
        select(Distributor).where(func.lower(Distributor.organisation) == organisation.lower())
    )


def add_distributor(
    session: Session,
    organisation: str,
    addresses: str | Sequence[str],
    terms_accepted_on: date,
    *,
    actor: str,
    now: datetime,
) -> Distributor:
    """Add one, or bring a removed one back with the new details."""
    name = " ".join(organisation.split())
    if not name or len(name) > 200:
        raise DistributorError("Give the organisation's name (at most 200 characters).")
    if terms_accepted_on > now.date():
        raise DistributorError("The date the embargo terms were accepted cannot be in the future.")
    emails = parse_addresses(addresses)
    row = find(session, name)
    if row is not None and row.active:
        raise DistributorError(f"{row.organisation} is on the list already.")
    if row is None:
        row = Distributor(organisation=name, created_at=now)
        session.add(row)
    row.addresses_json = json.dumps(emails)
    row.terms_accepted_on = terms_accepted_on
    row.recorded_by = actor
    row.active = True
    row.removed_at = row.removed_by = row.removal_reason = None
    session.flush()
    record(session, now, actor, "distributor.added", None, organisation=name, addresses=emails)
    return row


def remove_distributor(
    session: Session, organisation: str, reason: str, *, actor: str, now: datetime
) -> Distributor:
    row = find(session, organisation)
    if row is None or not row.active:
        raise DistributorError(f"{organisation} is not on the list.")
    if not reason.strip():
        raise DistributorError("Say why it is removed: the reason is kept with the record.")
    row.active = False
    row.removed_at, row.removed_by, row.removal_reason = now, actor, reason.strip()
    record(
        session,
        now,
        actor,
        "distributor.removed",
        None,
        organisation=row.organisation,
        reason=reason.strip(),
    )
    return row


def distributors(session: Session, *, include_removed: bool = False) -> list[Distributor]:
    query = select(Distributor).order_by(func.lower(Distributor.organisation))
    if not include_removed:
        query = query.where(Distributor.active.is_(True))
    return list(session.scalars(query))


def leak_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(EmbargoLeak.distributor_id, func.count())
        .where(EmbargoLeak.distributor_id.is_not(None))
        .group_by(EmbargoLeak.distributor_id)
    )
    return {int(found): int(count) for found, count in rows.all() if found is not None}


@dataclass(frozen=True)
class SeedEntry:
    organisation: str
    addresses: list[str]
    terms_accepted_on: date


def read_seed_file(path: Path) -> list[SeedEntry]:
    """`[[distributor]]` tables with organisation, addresses and terms_accepted (a date)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DistributorError(f"{path}: {exc}") from None
    entries = data.get("distributor", [])
    if not isinstance(entries, list):
        raise DistributorError(f"{path}: expected [[distributor]] tables")
    found: list[SeedEntry] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, distributor {number}"
        if not isinstance(entry, dict):
            raise DistributorError(f"{where}: expected a table")
        name, addresses, accepted = (
            entry.get("organisation"),
            entry.get("addresses"),
            entry.get("terms_accepted"),
        )
        if not isinstance(name, str) or not name.strip():
            raise DistributorError(f"{where}: organisation must be a non-empty string")
        if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
            raise DistributorError(f"{where}: addresses must be a list of strings")
        if not isinstance(accepted, date) or isinstance(accepted, datetime):
            raise DistributorError(f"{where}: terms_accepted must be a date such as 2026-01-31")
        try:
            found.append(SeedEntry(name.strip(), parse_addresses(addresses), accepted))
        except DistributorError as exc:
            raise DistributorError(f"{where}: {exc}") from None
    return found


def seed(session: Session, entries: list[SeedEntry], *, now: datetime) -> int:
    """Add the entries not yet known (by name); the list in the database wins after that."""
    added = 0
    for entry in entries:
        if find(session, entry.organisation) is None:
            add_distributor(
                session,
                entry.organisation,
                entry.addresses,
                entry.terms_accepted_on,
                actor="distributors-file",
                now=now,
            )
            added += 1
    return added

"""The CVE steps of an incident: the rows (service.py) and CVE Services (gateway.py) together."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.cve import service
from bot.cve.advisory import from_export
from bot.cve.gateway import CveServices, CveServicesError
from bot.cve.record import cna_container, fingerprint
from bot.cve.schema_check import container_problems
from bot.exports.files import load_context, people_in
from bot.incident.scores import history
from bot.services import Services

NOT_CONFIGURED = (
    "CVE Services is not set up for this bot: set CVE_API_ORG, CVE_API_USER and CVE_API_KEY "
    "(and CVE_API_URL for the test service)."
)
REJECT_REASON = "This candidate was reserved by the CNA but not used for a vulnerability."

Refused = service.Refused
NamesFor = Callable[[set[str]], Mapping[str, str]]


@dataclass
class Draft:
    human_id: str
    cve_id: str
    container: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    embargoed: str | None = None  # why it may not be published yet
    published: bool = False  # a record exists: the next send is an update

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.container)


class CveDesk:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def api(self) -> CveServices:
        api = self.services.cve
        if api is None:
            raise Refused(NOT_CONFIGURED)
        return api

    def reserve(self, incident_id: int, actor: str) -> str:
        api = self.api
        now = self.services.clock.now()
        with self.services.db.transaction() as session:
            claim = service.begin_reservation(session, incident_id, actor, now)
            claim_id, year = claim.id, claim.year
            known = service.known_ids(session, year)
        try:
            reserved = api.reserve(year, known)
        except CveServicesError as exc:
            with self.services.db.transaction() as session:
                service.abandon_reservation(session, claim_id)
            raise Refused(f"No CVE ID was reserved: {exc.plain}.") from None
        with self.services.db.transaction() as session:
            incident = service.finish_reservation(
                session,
                claim_id,
                reserved.cve_id,
                actor=actor,
                now=self.services.clock.now(),
                policy=self.services.policy,
                calendar=self.services.calendar,
            )
            if incident.cve_id != reserved.cve_id:
                return (
                    f"{reserved.cve_id} was reserved, but {incident.human_id} got "
                    f"{incident.cve_id} meanwhile; {reserved.cve_id} is listed as unused."
                )
            return f"{reserved.cve_id} is reserved for {incident.human_id}."

    def draft(self, incident_id: int, names_for: NamesFor | None = None) -> Draft:
        """The record as it would be sent; `names_for` turns the user IDs the credits name
        (the fix lead, the fix team) into people's names."""
        now = self.services.clock.now()
        with self.services.db.transaction() as session:
            context = load_context(session, incident_id, now)
        names = names_for(people_in(context)) if names_for else {}
        with self.services.db.transaction() as session:
            context = load_context(session, incident_id, now, names)
            incident = context.incident
            vectors = [s.vector for s in reversed(history(session, incident_id)) if s.is_final]
            advisory = from_export(context, vectors)
            was_published = bool(incident.cve_id and service.published(session, incident.cve_id))
            embargoed = service.may_publish(incident)
            human_id = incident.human_id
        vendor = self.services.settings.cve_vendor or self.services.settings.cve_api_org or "N/A"
        container = cna_container(advisory, vendor)
        problems = [f"Missing {what}." for what in advisory.missing]
        if not problems:
            problems = container_problems(container)
        return Draft(
            human_id, advisory.cve_id, container, problems, embargoed, published=was_published
        )

    def publish(
        self, incident_id: int, actor: str, confirmed: str, names_for: NamesFor | None = None
    ) -> str:
        """Send the record the person confirmed (by fingerprint): create it, or update it."""
        api = self.api
        draft = self.draft(incident_id, names_for)
        if draft.problems:
            raise Refused("The record is not valid yet: " + " ".join(draft.problems))
        if draft.embargoed:
            raise Refused(draft.embargoed)
        if draft.fingerprint != confirmed:
            raise Refused(
                "The advisory fields changed since the preview; run the command again "
                "to see what would be sent now."
            )
        try:
            if draft.published:
                api.update(draft.cve_id, draft.container)
            else:
                api.publish(draft.cve_id, draft.container)
        except CveServicesError as exc:
            raise Refused(f"{draft.cve_id} was not sent: {exc.plain}.") from None
        with self.services.db.transaction() as session:
            service.record_published(
                session,
                incident_id,
                draft.cve_id,
                json.dumps(draft.container, sort_keys=True),
                draft.fingerprint,
                actor=actor,
                now=self.services.clock.now(),
                update=draft.published,
            )
        verb = "updated" if draft.published else "published"
        return f"The CVE record {draft.cve_id} of {draft.human_id} is {verb}."

    def unused(self) -> list[service.UnusedId]:
        try:
            reserved = self.api.reserved_ids()
        except CveServicesError as exc:
            raise Refused(f"The reserved IDs could not be listed: {exc.plain}.") from None
        with self.services.db.transaction() as session:
            return service.unused_ids(session, [r.cve_id for r in reserved])

    def reject(self, cve_id: str, actor: str) -> str:
        api = self.api
        with self.services.db.transaction() as session:
            unused = {u.cve_id for u in service.unused_ids(session, [cve_id])}
        if cve_id not in unused:
            raise Refused(f"{cve_id} is on an open incident; it is not rejected.")
        try:
            api.reject(cve_id, REJECT_REASON)
        except CveServicesError as exc:
            raise Refused(f"{cve_id} was not rejected: {exc.plain}.") from None
        with self.services.db.transaction() as session:
            service.record_rejected(session, cve_id, actor=actor, now=self.services.clock.now())
        return f"{cve_id} is rejected."

"""What stops a notice from going out, and what the lead should know before sending it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.distributor.models import NoticeKind
from bot.distributor.times import describe
from bot.incident.models import Incident
from bot.policy import BusinessCalendar, Policy


@dataclass
class NoticeReview:
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def review_notice(
    incident: Incident,
    planned_at: datetime | None,
    kind: NoticeKind,
    *,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> NoticeReview:
    review = NoticeReview()
    if not incident.cve_id:
        review.warnings.append(
            'No CVE ID yet: the notice will say "CVE pending". Distributors track notices '
            "by CVE; set it first with `/disclose advisory` if you can."
        )
    if planned_at is None:
        review.refusals.append(
            "No public disclosure date is set. Pick one: distributors plan their releases "
            "around it, and the notice must name it."
        )
        return review
    if planned_at <= now:
        review.refusals.append("The public disclosure date is in the past; pick a later one.")
        return review
    if incident.is_public:
        review.warnings.append(
            "The issue is already public: there is nothing left to embargo, so a notice "
            "may not be needed."
        )
    if kind in (NoticeKind.NOTICE, NoticeKind.RESEND):
        steps = policy.deadlines_for(incident.severity)
        ahead = describe((planned_at - now).total_seconds())
        minimum = steps.distributor_notice
        if minimum is not None:
            due = calendar.subtract(planned_at, minimum)
            if now > due:
                review.warnings.append(
                    f"Short notice: distributors get {ahead} before the disclosure, and the "
                    f"{policy.name} policy asks for at least {minimum.describe()}: "
                    f"{describe((now - due).total_seconds())} short."
                )
        earliest = steps.distributor_notice_earliest
        if earliest is not None and now < calendar.subtract(planned_at, earliest):
            review.warnings.append(
                f"Early notice: the {policy.name} policy tells distributors at most "
                f"{earliest.describe()} before the disclosure; this is {ahead} before it."
            )
    return review

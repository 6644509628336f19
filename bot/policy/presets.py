"""Built-in policies. Every number cites where it comes from.

Sources, by the short names used in the comments:
- K8S-SRP: Kubernetes "Security Release Process" (kubernetes/committee-security-response,
  security-release-process.md).
- K8S-SRP-2017: its first version (kubernetes/community, contributors/devel/
  security-release-process.md), which still carried the release-day target.
- K8S-ONCALL: Kubernetes "Security Response Committee Oncall" (src-oncall.md).
- K8S-PATCH: Kubernetes "Patch Releases" page, section "Cadence".
- OPENSSF: OpenSSF "Guide to implementing a coordinated vulnerability disclosure process
  for open source projects" (ossf/oss-vulnerability-guide, maintainer-guide.md),
  section "Response process", numbered steps.
- GO: "Go Security Policy" (go.dev/security/policy).
- P0: Google Project Zero "Vulnerability Disclosure Policy" (90+30).
- CERT: CERT/CC "Vulnerability Disclosure Policy".
- SPEC: this project's product spec, section 4 (and section 3 for lead offers).
Numbers marked "project choice" are this bot's own defaults where the source gives none.

Presets other than `kubernetes` start from it and change what their own source specifies,
so a team on `openssf` still gets a fix lead within 24 hours.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.policy.durations import Duration, parse_duration
from bot.policy.model import (
    CalendarRules,
    Deadlines,
    DisclosureRule,
    Policy,
    PublicCollapse,
    Reminders,
    StaleUpdates,
    frozen_tracks,
)

DEFAULT_PRESET = "kubernetes"


def _d(text: str) -> Duration:
    return parse_duration(text)


KUBERNETES = Policy(
    name="kubernetes",
    deadlines=Deadlines(
        # SPEC section 4. (The kubernetes.io "Security Vulnerability Response" section
        # promises 3 working days to reporters; the preset keeps the spec's tighter target.)
        acknowledge=_d("1 business day"),
        # K8S-SRP "Fix Team Organization": within the first 24 hours of Disclosure.
        lead_assigned=_d("PT24H"),
        # K8S-SRP "Fix Development Process": CVSS score within 1-7 days of Disclosure.
        score_and_plan=_d("P7D"),
        # The process sets no separate deadline for the private fix.
        fix_ready=None,
        # K8S-SRP-2017 "Fix Release Day": completed within 1-21 days of Disclosure.
        fix_released=_d("P21D"),
        # K8S-SRP "Advance Vulnerability Disclosure to Private Distributors List": at least
        # 7 days before the planned public disclosure date ...
        distributor_notice=_d("P7D"),
        # ... completed within 1-4 weeks prior to public disclosure.
        distributor_notice_earliest=_d("P28D"),
        # K8S-SRP "Fix Release Day", communications: at least 24 hours in advance.
        final_notice=_d("PT24H"),
        # K8S-SRP "Retrospective": 1-3 days after the Release Date.
        retrospective=_d("P3D"),
        retrospective_earliest=_d("P1D"),
        # K8S-SRP sets no maximum embargo.
        embargo_max=None,
        # K8S-SRP "Fix Release Day": the announcement goes out with the release; a release
        # without a planned date leaves the rest of that day for it (project choice).
        disclose_after_release=_d("P1D"),
    ),
    tracks=frozen_tracks(
        {
            # K8S-SRP "Fix Development Process": Critical and High fixes get an out-of-band
            # release, so they keep the base 21 days (fast track: no waiting for a patch).
            # Medium and Low ride the next patch release; K8S-PATCH "Cadence": 3 to 4 weeks.
            "medium": {"fix_released": _d("P28D")},
            # K8S-SRP: under ~4.0 the Fix Team may slow the release down (holidays,
            # bandwidth); two patch releases (project choice).
            "low": {"fix_released": _d("P56D")},
        }
    ),
    stale_update=StaleUpdates(
        # K8S-ONCALL "Responsibilities", daily: ping the incident commander of critical
        # issues if the last update was more than 2 days ago.
        critical=_d("P2D"),
        # K8S-ONCALL "Responsibilities", weekly: high severity, more than 7 days.
        high=_d("P7D"),
        # K8S-ONCALL "Responsibilities", weekly: medium severity, more than 1 month.
        medium=_d("P30D"),
        # K8S-ONCALL names no interval for low severity or unscored issues.
        low=None,
        unscored=None,
    ),
    reminders=Reminders(
        # SPEC section 4: e.g. 24 hours and 1 hour before.
        before=(_d("PT24H"), _d("PT1H")),
        # Overdue repeats, their cap and the escalation: project choice.
        overdue_every=_d("P1D"),
        overdue_max=3,
        escalate=True,
        urgent_severities=frozenset({"Critical"}),
    ),
    disclosure=DisclosureRule(
        # K8S-SRP "Fix Release Day", communications: 4pm UTC on a non-Friday weekday.
        time_of_day=time(16),
        timezone="UTC",
        weekdays=frozenset({0, 1, 2, 3}),
        avoid_holidays=True,
        # K8S-SRP "Fix Release Day": release and announcement on the same day.
        release_on_disclosure_day=True,
    ),
    public=PublicCollapse(
        # K8S-SRP "Patch, Release, and Public Communication": for a Public Disclosure all
        # timelines become ASAP. What ASAP means in hours is a project choice.
        acknowledge=_d("PT1H"),
        lead_assigned=_d("PT1H"),
        score_and_plan=_d("PT4H"),
        fix_ready=_d("P1D"),
        fix_released=_d("P1D"),
        public_disclosure=_d("PT1H"),
        stale_update=_d("P1D"),
    ),
    # K8S-ONCALL: the oncall is business hours only, not weekends or holidays; working and
    # quiet hours themselves are project choices.
    calendar=CalendarRules(
        working_days=frozenset(range(5)),
        working_hours=(time(9), time(17)),
        quiet_hours=(time(20), time(8)),
        quiet_days_off=True,
    ),
    # SPEC section 3: the offer window defaults to 4 business hours.
    lead_offer_window=_d("4 business hours"),
)


OPENSSF = replace(
    KUBERNETES,
    name="openssf",
    deadlines=replace(
        KUBERNETES.deadlines,
        # OPENSSF step 1 "Immediately acknowledge receipt": within 1-2 days.
        acknowledge=_d("P2D"),
        # OPENSSF step 8 "Notify providers under embargo": 1-30 workdays before disclosure.
        distributor_notice=_d("1 working day"),
        distributor_notice_earliest=_d("30 working days"),
        # OPENSSF step 3 "Discuss embargo period": 90 days is the longest embargo.
        embargo_max=_d("P90D"),
    ),
    disclosure=replace(
        KUBERNETES.disclosure,
        # OPENSSF step 7: release on Monday, Tuesday or Wednesday, avoiding widely observed
        # holidays; the guide names no time of day.
        time_of_day=None,
        weekdays=frozenset({0, 1, 2}),
        avoid_holidays=True,
    ),
)


GO = replace(
    KUBERNETES,
    name="go",
    deadlines=replace(
        KUBERNETES.deadlines,
        # GO "Reporting a Security Bug": acknowledged within 7 days.
        acknowledge=_d("P7D"),
        # GO "Reporting a Security Bug": fixed or made public within 90 days.
        fix_released=_d("P90D"),
        embargo_max=_d("P90D"),
        # GO "Tracks", PRIVATE: a pre-announcement 3 to 7 days before the release.
        distributor_notice=_d("P3D"),
        distributor_notice_earliest=_d("P7D"),
    ),
    # GO "Tracks": severity does not change the fix timeline (PRIVATE and URGENT differ in
    # release vehicle, which the bot does not model), so no per-severity tracks.
    tracks=frozen_tracks({}),
)


PROJECT_ZERO = replace(
    KUBERNETES,
    name="project-zero",
    deadlines=replace(
        KUBERNETES.deadlines,
        # P0 "90+30 policy": 90 days after notification to make a patch available ...
        fix_released=_d("P90D"),
        # ... details public 30 days after the patch ...
        disclose_after_release=_d("P30D"),
        # ... or at the end of the 90 days when there is no patch.
        embargo_max=_d("P90D"),
    ),
    tracks=frozen_tracks(
        {
            # P0 "In-the-wild vulnerabilities": a 7-day deadline replaces the 90-day one;
            # the 30 days after the patch still apply.
            "exploited": {"fix_released": _d("P7D"), "embargo_max": _d("P7D")},
        }
    ),
    disclosure=replace(
        KUBERNETES.disclosure,
        # P0 "90+30 policy": details go public 30 days after the fix, not with it.
        release_on_disclosure_day=False,
    ),
)


CERT_CC = replace(
    KUBERNETES,
    name="cert-cc",
    deadlines=replace(
        KUBERNETES.deadlines,
        # CERT: disclosed to the public 45 days after the initial report.
        embargo_max=_d("P45D"),
    ),
    disclosure=replace(
        KUBERNETES.disclosure,
        # CERT: publication does not wait for patches or workarounds.
        release_on_disclosure_day=False,
    ),
)


PRESETS: dict[str, Policy] = {
    policy.name: policy for policy in (KUBERNETES, OPENSSF, GO, PROJECT_ZERO, CERT_CC)
}


def preset(name: str = DEFAULT_PRESET) -> Policy:
    """A built-in policy by name; `KeyError` names the presets there are."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}") from None

"""Insights: how the team does against its policy, in aggregate only.

`report.compute` reads a period's incidents, deadlines and lead offers into an
`Insights`; `table` turns it into CSV rows and plain lines, `charts` into two PNGs. No
output names an incident. Nothing here knows Slack.
"""

from bot.insights.period import Period, PeriodError, parse_period
from bot.insights.report import Insights, compute

__all__ = ["Insights", "Period", "PeriodError", "compute", "parse_period"]

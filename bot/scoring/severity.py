"""Qualitative severity bands of CVSS scores, and their colour in Slack."""

from __future__ import annotations

SEVERITIES: tuple[str, ...] = ("None", "Low", "Medium", "High", "Critical")

_EMOJI = {
    "None": ":white_circle:",
    "Low": ":large_green_circle:",
    "Medium": ":large_yellow_circle:",
    "High": ":large_orange_circle:",
    "Critical": ":red_circle:",
}
UNSCORED_EMOJI = ":grey_question:"


def severity_of(score: float) -> str:
    """FIRST's rating scale: 0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0+ Critical."""
    return _BY_SCORE.get(score) or _band(score)


def _band(score: float) -> str:
    if score <= 0.0:
        return "None"
    if score < 4.0:
        return "Low"
    if score < 7.0:
        return "Medium"
    if score < 9.0:
        return "High"
    return "Critical"


# Scores have one decimal, so a table covers them all (i / 10 is the same float as "9.8").
_BY_SCORE = {i / 10: _band(i / 10) for i in range(101)}


def severity_emoji(severity: str | None) -> str:
    """A colour-coded emoji for a severity band; a question mark when there is no score yet."""
    return _EMOJI.get(severity or "", UNSCORED_EMOJI)

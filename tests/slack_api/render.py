"""Slack text as a person reads it: mrkdwn tokens resolved, Block Kit laid out as plain lines."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .workspace import Workspace

TOKEN_RE = re.compile(r"<([^<>\n]+)>")
DATE_TOKEN_RE = re.compile(r"\{(\w+)\}")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Renderer:
    """Renders for one reader: names resolved, dates in the reader's time zone."""

    def __init__(self, ws: Workspace, tz_name: str | None = None) -> None:
        self.ws = ws
        self.tz = zone(tz_name)

    # -- text ------------------------------------------------------------------------------
    def mrkdwn(self, text: str) -> str:
        resolved = TOKEN_RE.sub(lambda match: self._token(match.group(1)), text)
        return resolved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    def _token(self, inner: str) -> str:
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or self.ws.name_of(target[1:]))
        if target.startswith("#"):
            channel = self.ws.channels.get(target[1:])
            return "#" + (label or (channel.name if channel else target[1:]))
        if target.startswith("!subteam^"):
            group = self.ws.usergroups.get(target[9:])
            return label or "@" + (group.handle if group else target[9:])
        if target.startswith("!date^"):
            return self._date(target, label)
        if target.startswith("!"):
            return "@" + target[1:]
        return f"{label} ({target})" if label else target

    def _date(self, target: str, fallback: str) -> str:
        parts = target.split("^")
        try:
            moment = datetime.fromtimestamp(int(parts[1]), self.tz)
        except (IndexError, ValueError, OverflowError, OSError):
            return fallback
        today = datetime.fromtimestamp(self.ws.now(), self.tz)
        text = format_date(moment, parts[2] if len(parts) > 2 else "{date_num}", today)
        return text

    def text(self, obj: Any) -> str:
        if isinstance(obj, dict):
            value = str(obj.get("text", ""))
            return self.mrkdwn(value) if obj.get("type") == "mrkdwn" else value
        return "" if obj is None else str(obj)

    def time(self, ts: str) -> str:
        return datetime.fromtimestamp(float(ts), self.tz).strftime("%a %H:%M")

    # -- blocks ----------------------------------------------------------------------------
    def blocks(self, blocks: list[dict[str, Any]] | None) -> list[str]:
        lines: list[str] = []
        for block in blocks or []:
            lines.extend(self._block(block))
        return lines

    def _block(self, block: dict[str, Any]) -> list[str]:
        kind = block.get("type")
        if kind == "header":
            return [f"# {self.text(block.get('text'))}"]
        if kind == "divider":
            return ["-" * 24]
        if kind == "section":
            return self._section(block)
        if kind == "context":
            return [" · ".join(self._context_item(item) for item in block.get("elements", []))]
        if kind == "actions":
            return [" ".join(self.element(item) for item in block.get("elements", []))]
        if kind == "input":
            label = self.text(block.get("label"))
            optional = " (optional)" if block.get("optional") else ""
            lines = [f"{label}{optional}: {self.element(block.get('element') or {})}"]
            if block.get("hint"):
                lines.append(f"  ({self.text(block['hint'])})")
            return lines
        if kind == "image":
            return [f"[image: {block.get('alt_text', '')}]"]
        if kind == "rich_text":
            return [_rich_text(block)]
        if kind == "markdown":
            return self.mrkdwn(str(block.get("text", ""))).splitlines()
        return [f"[{kind} block]"]

    def _section(self, block: dict[str, Any]) -> list[str]:
        lines = self.text(block.get("text")).splitlines() if block.get("text") else []
        fields = [self.text(field).replace("\n", " ") for field in block.get("fields") or []]
        for start in range(0, len(fields), 2):
            lines.append(" | ".join(fields[start : start + 2]))
        if block.get("accessory"):
            accessory = self.element(block["accessory"])
            if lines:
                lines[-1] = f"{lines[-1]}  {accessory}"
            else:
                lines.append(accessory)
        return lines

    def _context_item(self, item: dict[str, Any]) -> str:
        if item.get("type") == "image":
            return f"[image: {item.get('alt_text', '')}]"
        return self.text(item).replace("\n", " ")

    def element(self, item: dict[str, Any]) -> str:
        kind = str(item.get("type", ""))
        if kind == "button":
            return f"[{self.text(item.get('text'))}]"
        if kind == "image":
            return f"[image: {item.get('alt_text', '')}]"
        if kind == "overflow":
            return "[...]"
        if kind in ("checkboxes", "radio_buttons"):
            marks = {_option_value(o) for o in _initial(item)}
            boxes = []
            for option in item.get("options", []):
                mark = "x" if _option_value(option) in marks else " "
                boxes.append(f"({mark}) {self.text(option.get('text'))}")
            return "  ".join(boxes)
        if kind.endswith("_input"):
            value = item.get("initial_value")
            shown = value if value else self.text(item.get("placeholder")) or "..."
            return f"[{shown}]"
        chosen = ", ".join(self.text(option.get("text")) for option in _initial(item))
        shown = chosen or self.text(item.get("placeholder")) or kind.replace("_", " ")
        initial_date = item.get("initial_date") or item.get("initial_time")
        return f"[{initial_date or shown} v]"


def _initial(item: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(item.get("initial_options"), list):
        return list(item["initial_options"])
    return [item["initial_option"]] if isinstance(item.get("initial_option"), dict) else []


def _option_value(option: Any) -> Any:
    return option.get("value") if isinstance(option, dict) else None


def _rich_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "link":
            return str(node.get("text") or node.get("url", ""))
        if node.get("type") == "user":
            return "@" + str(node.get("user_id", ""))
        return "".join(_rich_text(child) for child in node.get("elements", []))
    if isinstance(node, list):
        return "".join(_rich_text(child) for child in node)
    return ""


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _clock(moment: datetime, seconds: bool = False) -> str:
    hour = moment.hour % 12 or 12
    tail = f":{moment.second:02d}" if seconds else ""
    return f"{hour}:{moment.minute:02d}{tail} {'AM' if moment.hour < 12 else 'PM'}"


def _ago(moment: datetime, now: datetime) -> str:
    delta = now - moment
    future = delta < timedelta(0)
    seconds = abs(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if future else f"{amount} ago"
    return "just now"


def format_date(moment: datetime, pattern: str, now: datetime) -> str:
    """Slack's ``<!date^...>`` tokens, e.g. ``{date_short_pretty} at {time}``."""
    long_date = f"{moment:%B} {_ordinal(moment.day)}, {moment.year}"
    plain = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": long_date,
        "date_short": f"{moment:%b} {moment.day}, {moment.year}",
        "date_long": f"{moment:%A}, {long_date}",
        "time": _clock(moment),
        "time_secs": _clock(moment, seconds=True),
        "ago": _ago(moment, now),
    }
    relative = {0: "today", -1: "yesterday", 1: "tomorrow"}.get((moment.date() - now.date()).days)

    def token(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.endswith("_pretty"):
            base = name[: -len("_pretty")]
            if relative and base in plain:
                return relative.capitalize() if match.start() == 0 else relative
            return plain.get(base, match.group(0))
        return plain.get(name, match.group(0))

    return DATE_TOKEN_RE.sub(token, pattern)

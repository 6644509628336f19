"""Explaining what is wrong with a vector that did not parse.

`diagnose` is only called for input that failed the fast path of `parse_vector`, so it can
afford to look closely. Structural problems (prefix, separators, slashes) stop the
examination at once; metric problems are all collected so that one message names every bad
metric. Where a fix is unambiguous (case, quotes, separators, a missing prefix) the message
ends with "Did you mean ...?" and the corrected vector.
"""

from __future__ import annotations

import re
import unicodedata

from bot.scoring.metrics import CATALOGUES, Catalogue, Metric
from bot.scoring.parsing import VectorError, parse_vector

MAX_LENGTH = 400  # the longest valid vector (every CVSS 4.0 metric) is under 250 characters
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:./")
_SEPARATORS = (",", ";", "|", "\\")
_QUOTES = "\"'`“”‘’"
_SUPPORTED = "CVSS:3.0, CVSS:3.1 or CVSS:4.0"
_PREFIX_SHAPE = re.compile(r"CVSS:(\d+\.\d+)")
_PREFIX_VERSION = re.compile(r"(?i)CVSS\W*v?(\d)(?:\W?(\d))?")


def diagnose(text: str) -> VectorError:
    """The error for a trimmed vector text that did not parse."""
    return _structure(text) or _metrics(text)


def _first_valid(*candidates: str | None) -> str | None:
    """The first candidate correction that is a valid vector."""
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return parse_vector(candidate).text
        except VectorError:
            pass
    return None


def _error(message: str, *fixes: str | None, metrics: tuple[str, ...] = ()) -> VectorError:
    """An error that ends with "Did you mean ...?" when one of the fixes is valid."""
    suggestion = _first_valid(*fixes)
    if suggestion is not None:
        message = f"{message} Did you mean {suggestion}?"
    return VectorError(message, metrics, suggestion)


def _structure(text: str) -> VectorError | None:
    """Problems with the string as a whole; None when it is shaped like a vector."""
    if not text:
        return VectorError("The vector is empty.")
    if len(text) > MAX_LENGTH:
        return VectorError(f"The text is {len(text)} characters long, too long for a CVSS vector.")
    return _characters(text) or _prefix(text) or _slashes(text)


def _characters(text: str) -> VectorError | None:
    if text[0] in _QUOTES and text[-1] in _QUOTES and len(text) > 1:
        return _error("Remove the quotes around the vector.", text[1:-1].strip())
    for char in text:
        if char in _ALLOWED:
            continue
        if char.isspace():
            return _error(
                "The vector must not contain spaces.",
                "".join(text.split()),
                "/".join(text.split()),
            )
        if char == "=":
            return _error(
                'Write each metric as KEY:VALUE, with ":" rather than "=".',
                text.replace("=", ":"),
            )
        if char in _SEPARATORS:
            return _error(f'Separate metrics with "/", not "{char}".', text.replace(char, "/"))
        return VectorError(
            f"The vector contains {_show(char)}, which cannot appear in a CVSS vector "
            '(only letters, digits, ":", "." and "/" can).'
        )
    return None


def _show(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if not char.isprintable():
        return f"the invisible character {code}"
    name = unicodedata.name(char, "")
    return f"the character {char} ({code}{' ' + name if name else ''})"


def _prefix(text: str) -> VectorError | None:
    head, slash, rest = text.partition("/")
    if not head:
        return _error(
            'The vector starts with "/"; it must start with a version prefix such as "CVSS:3.1/".',
            text.lstrip("/"),
        )
    if not head.upper().startswith("CVSS"):
        return _missing_prefix(text)
    shape = _PREFIX_SHAPE.fullmatch(head.upper())
    if shape is None:
        return _malformed_prefix(head, rest)
    version = shape.group(1)
    if version not in CATALOGUES:
        return VectorError(f"CVSS version {version} is not supported; use {_SUPPORTED}.")
    if not rest:
        return VectorError(f'The vector has no metrics after "{head}{slash}".')
    if head != head.upper():
        message = f'Write the prefix in capitals: "{head.upper()}", not "{head}".'
        fixed = _fix_case(CATALOGUES[version], text)
        if _first_valid(fixed) is not None:
            return _error(message, fixed)
        further = diagnose(f"{head.upper()}/{rest}")  # what is wrong besides the prefix
        return VectorError(f"{message} {further.message}", further.metrics, further.suggestion)
    return None


def _missing_prefix(text: str) -> VectorError:
    if "CVSS:" in text.upper():
        return VectorError('The "CVSS:" version prefix must come first in the vector.')
    if "Au" in {field.partition(":")[0] for field in text.split("/")}:
        return VectorError(
            "This looks like a CVSS v2 vector; only CVSS 3.0, 3.1 and 4.0 are supported."
        )
    return _error(
        'The vector must start with a version prefix such as "CVSS:3.1/" or "CVSS:4.0/".',
        f"CVSS:3.1/{text}",
        f"CVSS:4.0/{text}",
    )


def _malformed_prefix(head: str, rest: str) -> VectorError:
    found = _PREFIX_VERSION.match(head)
    major, minor = found.groups() if found else ("", None)
    # "CVSS:4" can only mean 4.0; "CVSS:3" could be 3.0 or 3.1, so no guess there.
    version = f"{major}.{minor}" if minor else {"4": "4.0"}.get(major, "")
    if version not in CATALOGUES:
        return VectorError(f'The prefix "{head}" is malformed; write it like "CVSS:3.1".')
    return _error(
        f'The prefix "{head}" is malformed; write it like "CVSS:{version}".',
        f"CVSS:{version}/{rest}",
    )


def _slashes(text: str) -> VectorError | None:
    if text.endswith("/"):
        return _error('The vector ends with "/".', text.rstrip("/"))
    head, _, rest = text.partition("/")
    previous = head
    for field in rest.split("/"):
        if not field:
            return VectorError(f'The vector has an empty field ("//") after "{previous}".')
        previous = field
    return None


def _metrics(text: str) -> VectorError:
    """Problems with individual metrics, all of them; then missing base metrics."""
    head, _, rest = text.partition("/")
    cat = CATALOGUES[head[5:]]
    problems: list[str] = []
    culprits: list[str] = []
    case_fixes: list[str] = []
    seen: dict[str, list[str]] = {}
    for field in rest.split("/"):
        key, colon, value = field.partition(":")
        if not colon or not key or ":" in value:
            problems.append(f'"{field}" is not a metric; write metrics as KEY:VALUE, like AV:N.')
            continue
        metric = cat.by_key.get(key) or cat.by_key.get(key.upper())
        if metric is None:
            problems.append(_unknown_metric(cat, key))
            culprits.append(key)
            continue
        code = _fold(metric, value)
        if code is None:
            what = f'cannot be "{value}"' if value else "has no value"
            problems.append(f"{metric.title} {what}; allowed: {metric.allowed_text()}.")
            culprits.append(metric.key)
        elif (metric.key, code) != (key, value):
            case_fixes.append(f'"{metric.key}:{code}", not "{field}"')
            culprits.append(metric.key)
        seen.setdefault(metric.key, []).append(f"{metric.key}:{code or value}")
    if case_fixes:
        fixes = "; ".join(case_fixes)
        problems.insert(0, f"Metric names and values are case-sensitive: write {fixes}.")
    for key, given in seen.items():
        if len(given) > 1:
            problems.append(
                f"{cat.by_key[key].title} is given {len(given)} times ({', '.join(given)}); "
                "give it once."
            )
            culprits.append(key)
    missing = [m for m in cat.base if m.key not in seen]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.append(f"Missing base metric{plural}: {', '.join(m.title for m in missing)}.")
        culprits.extend(m.key for m in missing)
    if not problems:  # parse_vector saw a problem that the checks above do not know
        raise AssertionError(f"no diagnosis for {text!r}")
    fix = _fix_case(cat, text) if case_fixes else None
    return _error(" ".join(problems), fix, metrics=tuple(dict.fromkeys(culprits)))


def _fold(metric: Metric, value: str) -> str | None:
    """The allowed code equal to value ignoring case (CVSS 4.0 has "Clear", "Amber"...)."""
    for code in metric.codes:
        if code.upper() == value.upper():
            return code
    return None


def _unknown_metric(cat: Catalogue, key: str) -> str:
    family = "4.0" if cat.version.startswith("3") else "3.x"
    other = CATALOGUES["4.0" if family == "4.0" else "3.1"].by_key.get(key)
    if other is not None:
        return (
            f'"{key}" is not a CVSS {cat.version} metric; {other.name} ({key}) belongs to '
            f"CVSS {family}."
        )
    return f'"{key}" is not a CVSS {cat.version} metric.'


def _fix_case(cat: Catalogue, text: str) -> str:
    """The vector with prefix, keys and values in their proper case, where known."""
    _, _, rest = text.partition("/")
    fields = []
    for field in rest.split("/"):
        key, _, value = field.partition(":")
        metric = cat.by_key.get(key.upper())
        code = _fold(metric, value) if metric else None
        fields.append(f"{metric.key}:{code}" if metric and code else field)
    return f"{cat.prefix}/" + "/".join(fields)

"""Bad input: each malformed vector gets exactly this message, and nothing ever crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scoring.engine import score
from bot.scoring.parsing import VectorError, parse_vector

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

# (what was typed or pasted, the exact message)
MALFORMED = [
    (
        "",
        "The vector is empty.",
    ),
    (
        "   ",
        "The vector is empty.",
    ),
    (
        "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (f'Write the prefix in capitals: "CVSS:3.1", not "cvss:3.1". Did you mean {V31}?'),
    ),
    (
        "Cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        (f'Write the prefix in capitals: "CVSS:4.0", not "Cvss:4.0". Did you mean {V40}?'),
    ),
    (
        "cvss:3.1/AV:N",
        (
            'Write the prefix in capitals: "CVSS:3.1", not "cvss:3.1". Missing base metrics: '
            "Attack Complexity (AC), Privileges Required (PR), User Interaction (UI), Scope (S), "
            "Confidentiality (C), Integrity (I), Availability (A)."
        ),
    ),
    (
        "CVSS:3.1/AV:n/AC:l/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            'Metric names and values are case-sensitive: write "AV:N", not "AV:n"; "AC:L", not '
            f'"AC:l". Did you mean {V31}?'
        ),
    ),
    (
        "CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            'Metric names and values are case-sensitive: write "AV:N", not "av:N". Did you mean '
            f"{V31}?"
        ),
    ),
    (
        f"{V40}/U:amber",
        (
            'Metric names and values are case-sensitive: write "U:Amber", not "U:amber". Did you '
            f"mean {V40}/U:Amber?"
        ),
    ),
    (
        "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "CVSS version 2.0 is not supported; use CVSS:3.0, CVSS:3.1 or CVSS:4.0.",
    ),
    (
        "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS version 3.2 is not supported; use CVSS:3.0, CVSS:3.1 or CVSS:4.0.",
    ),
    (
        "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS version 4.1 is not supported; use CVSS:3.0, CVSS:3.1 or CVSS:4.0.",
    ),
    (
        "CVSS3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (f'The prefix "CVSS3.1" is malformed; write it like "CVSS:3.1". Did you mean {V31}?'),
    ),
    (
        "CVSS:v3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (f'The prefix "CVSS:v3.1" is malformed; write it like "CVSS:3.1". Did you mean {V31}?'),
    ),
    (
        "CVSS:4/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        (f'The prefix "CVSS:4" is malformed; write it like "CVSS:4.0". Did you mean {V40}?'),
    ),
    (
        "CVSS:3/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        'The prefix "CVSS:3" is malformed; write it like "CVSS:3.1".',
    ),
    (
        "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            'The vector must start with a version prefix such as "CVSS:3.1/" or "CVSS:4.0/". Did '
            f"you mean {V31}?"
        ),
    ),
    (
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        (
            'The vector must start with a version prefix such as "CVSS:3.1/" or "CVSS:4.0/". Did '
            f"you mean {V40}?"
        ),
    ),
    (
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "This looks like a CVSS v2 vector; only CVSS 3.0, 3.1 and 4.0 are supported.",
    ),
    (
        "AV:N/CVSS:3.1/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        'The "CVSS:" version prefix must come first in the vector.',
    ),
    (
        "CVSS:3.1",
        'The vector has no metrics after "CVSS:3.1".',
    ),
    (
        "CVSS:3.1/",
        'The vector has no metrics after "CVSS:3.1/".',
    ),
    (
        f"/{V31}",
        (
            'The vector starts with "/"; it must start with a version prefix such as "CVSS:3.1/". '
            f"Did you mean {V31}?"
        ),
    ),
    (
        f"{V31}/",
        f'The vector ends with "/". Did you mean {V31}?',
    ),
    (
        "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        'The vector has an empty field ("//") after "AV:N".',
    ),
    (
        "CVSS:3.1/AV:N,AC:L,PR:N,UI:N,S:U,C:H,I:H,A:H",
        (f'Separate metrics with "/", not ",". Did you mean {V31}?'),
    ),
    (
        "CVSS:3.1/AV:N;AC:L;PR:N;UI:N;S:U;C:H;I:H;A:H",
        (f'Separate metrics with "/", not ";". Did you mean {V31}?'),
    ),
    (
        "CVSS:3.1/AV:N AC:L PR:N UI:N S:U C:H I:H A:H",
        (f"The vector must not contain spaces. Did you mean {V31}?"),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N /S:U/C:H/I:H/A:H",
        (f"The vector must not contain spaces. Did you mean {V31}?"),
    ),
    (
        "CVSS:3.1/AV=N/AC=L/PR=N/UI=N/S=U/C=H/I=H/A=H",
        (f'Write each metric as KEY:VALUE, with ":" rather than "=". Did you mean {V31}?'),
    ),
    (
        f'"{V31}"',
        (f"Remove the quotes around the vector. Did you mean {V31}?"),
    ),
    (
        f"`{V31}`",
        (f"Remove the quotes around the vector. Did you mean {V31}?"),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Н",
        (
            "The vector contains the character Н (U+041D CYRILLIC CAPITAL LETTER EN), which "
            'cannot appear in a CVSS vector (only letters, digits, ":", "." and "/" can).'
        ),
    ),
    (
        f"{V31}?",
        (
            "The vector contains the character ? (U+003F QUESTION MARK), which cannot appear in a "
            'CVSS vector (only letters, digits, ":", "." and "/" can).'
        ),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/XX:N/A:H",
        '"XX" is not a CVSS 3.1 metric.',
    ),
    (
        "CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H",
        '"AT" is not a CVSS 3.1 metric; Attack Requirements (AT) belongs to CVSS 4.0.',
    ),
    (
        f"{V40}/C:H",
        '"C" is not a CVSS 4.0 metric; Confidentiality (C) belongs to CVSS 3.x.',
    ),
    (
        "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            'Attack Vector (AV) cannot be "Q"; allowed: N (Network), A (Adjacent), L (Local), P '
            "(Physical)."
        ),
    ),
    (
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            'Attack Vector (AV) cannot be "X"; allowed: N (Network), A (Adjacent), L (Local), P '
            "(Physical)."
        ),
    ),
    (
        "CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        (
            "Attack Vector (AV) has no value; allowed: N (Network), A (Adjacent), L (Local), P "
            "(Physical)."
        ),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H",
        'User Interaction (UI) cannot be "P"; allowed: N (None), R (Required).',
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        'User Interaction (UI) cannot be "R"; allowed: N (None), P (Passive), A (Active).',
    ),
    (
        f"{V31}/E:A",
        (
            'Exploit Code Maturity (E) cannot be "A"; allowed: X (Not Defined), H (High), F '
            "(Functional), P (Proof-of-Concept), U (Unproven)."
        ),
    ),
    (
        f"{V31}:H",
        (
            '"A:H:H" is not a metric; write metrics as KEY:VALUE, like AV:N. Missing base metric: '
            "Availability (A)."
        ),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/AH",
        (
            '"AH" is not a metric; write metrics as KEY:VALUE, like AV:N. Missing base metric: '
            "Availability (A)."
        ),
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/:H",
        (
            '":H" is not a metric; write metrics as KEY:VALUE, like AV:N. Missing base metric: '
            "Availability (A)."
        ),
    ),
    (
        "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "Attack Vector (AV) is given 2 times (AV:N, AV:L); give it once.",
    ),
    (
        f"{V31}/A:H",
        "Availability (A) is given 2 times (A:H, A:H); give it once.",
    ),
    (
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        "Missing base metric: Availability (A).",
    ),
    (
        "CVSS:3.1/AV:N",
        (
            "Missing base metrics: Attack Complexity (AC), Privileges Required (PR), User "
            "Interaction (UI), Scope (S), Confidentiality (C), Integrity (I), Availability (A)."
        ),
    ),
    (
        "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "Missing base metric: Attack Requirements (AT).",
    ),
    (
        "CVSS:3.1/AV:Q/AC:Z/PR:N/UI:N/S:U/C:H/I:H",
        (
            'Attack Vector (AV) cannot be "Q"; allowed: N (Network), A (Adjacent), L (Local), P '
            '(Physical). Attack Complexity (AC) cannot be "Z"; allowed: L (Low), H (High). '
            "Missing base metric: Availability (A)."
        ),
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[repr(t) for t, _ in MALFORMED])
def test_exact_message(text: str, message: str) -> None:
    with pytest.raises(VectorError) as raised:
        parse_vector(text)
    assert raised.value.message == message
    assert str(raised.value) == message
    with pytest.raises(VectorError):
        score(text)


def test_the_table_is_long_enough() -> None:
    assert len(MALFORMED) >= 30
    assert len({text for text, _ in MALFORMED}) == len(MALFORMED)


@pytest.mark.parametrize(
    ("text", "metrics"),
    [
        (V31.replace("AV:N", "AV:Q"), ("AV",)),
        (V31.replace("AV:N", "AV:n").replace("AC:L", "AC:l"), ("AV", "AC")),
        (V31 + "/XX:N", ("XX",)),
        (V31 + "/A:L", ("A",)),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", ("A",)),
        ("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", ("A",)),
        (V31 + "/", ()),
        ("CVSS:3.2/AV:N", ()),
    ],
)
def test_offending_metrics(text: str, metrics: tuple[str, ...]) -> None:
    with pytest.raises(VectorError) as raised:
        parse_vector(text)
    assert raised.value.metrics == metrics
    assert raised.value.metric == (metrics[0] if metrics else None)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V31),
        ("cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h", V31),
        (V31.replace("/", ",").replace("CVSS:3.1,", "CVSS:3.1/"), V31),
        (V31[9:], V31),
        (V40[9:], V40),
        (f"'{V40}'", V40),
        (V31 + "/", V31),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", V31),
        (V31 + "/E:q", None),
    ],
)
def test_suggestions(text: str, suggestion: str | None) -> None:
    with pytest.raises(VectorError) as raised:
        parse_vector(text)
    assert raised.value.suggestion == suggestion


def test_whitespace_around_a_vector_is_trimmed() -> None:
    vector = parse_vector(f" \t{V31}\r\n ")
    assert vector.text == V31
    assert score(f"  {V40}  ").vector == V40


FRAGMENTS = st.sampled_from(
    [
        "CVSS:3.1",
        "CVSS:3.0",
        "CVSS:4.0",
        "cvss:3.1",
        "AV:N",
        "av:n",
        "AC:L",
        "AT:N",
        "S:U",
        "C:H",
        "VC:H",
        "U:Clear",
        "E:X",
        "X",
        ":",
        "/",
        "//",
        ",",
        " ",
        "Q",
        "",
        "CVSS:",
        "\u200b",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS, max_size=14).map("/".join) | st.text(max_size=60))
def test_any_text_parses_or_says_why(text: str) -> None:
    """Random input never crashes: a Vector, or a VectorError whose suggestion is valid."""
    try:
        parse_vector(text)
    except VectorError as error:
        assert error.message
        if error.suggestion is not None:
            assert parse_vector(error.suggestion).text == error.suggestion

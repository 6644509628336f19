"""Benchmark, run by hand: the cost of a CVE record preview and of reading one mail.

    python -m bench.cve_and_mail [--count 300] [--rounds 5]

A preview builds the CNA container from the advisory fields and validates it against the
bundled CVE JSON 5.1.1 schema; its baseline, in the same process, is the OSV export of the
same incident validated against the OSV schema (what `/disclose export` already does).
Reading mail parses the multipart test report (quoted-printable, encoded words, an
attachment) into a `ParsedMail`; its baseline is the standard library's parse alone
(`email.message_from_bytes` with the default policy and `get_body`). CPU time, best round
of each, measured back to back to keep other processes' load out of the ratios.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jsonschema import Draft202012Validator  # noqa: E402

from bot.cve.advisory import from_export  # noqa: E402
from bot.cve.record import cna_container  # noqa: E402
from bot.cve.schema_check import container_problems  # noqa: E402
from bot.exports.context import ExportContext  # noqa: E402
from bot.exports.osv import osv_record  # noqa: E402
from bot.incident.models import Incident  # noqa: E402
from bot.intake.mail_parse import parse_mail  # noqa: E402

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MAIL = (ROOT / "tests" / "data" / "mail" / "report-multipart.eml").read_bytes()
OSV = Draft202012Validator(json.loads((ROOT / "tests" / "data" / "osv-schema.json").read_text()))


def incident() -> Incident:
    return Incident(
        human_id="SEC-2026-0007",
        title="Heap overflow in the YAML parser",
        description="",
        reporter_name="Rita",
        reporter_contact="rita@example.org",
        source="email",
        external_ref="https://hackerone.com/reports/1",
        component="yaml",
        affected_versions=">= 1.27.0, <= 1.28.3",
        fixed_versions="1.28.4",
        phase="released",
        cve_id="CVE-2026-10000",
        advisory_summary="A crafted document overflows a heap buffer (CWE-787).",
        advisory_details="See https://github.com/example/yaml/pull/42",
        mitigation="Refuse large uploads.",
        detection="",
        credits="Quinn",
        package_ecosystem="Go",
        package_name="example.org/yaml",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        cvss_score=9.8,
        severity="Critical",
        lead_id=None,
        opened_by="U0ALICE",
        created_at=NOW,
        reported_at=NOW,
        disclosed_at=None,
        disclosure_planned_at=None,
    )


def cpu(work: Callable[[], object], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        work()
    return (time.process_time() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    case = incident()
    context = ExportContext(case, [], NOW)

    def preview() -> None:
        assert not container_problems(cna_container(from_export(context), "Example"))

    def osv_export() -> None:
        OSV.validate(osv_record(ExportContext(case, [], NOW)))

    def read_mail() -> None:
        parse_mail(MAIL)

    def stdlib_mail() -> None:
        message = email.message_from_bytes(MAIL, policy=email.policy.default)
        body = message.get_body(("plain", "html"))  # type: ignore[attr-defined]
        assert body is not None
        body.get_content()

    started = time.process_time()
    preview()  # the validator is built once, on first use
    first = time.process_time() - started
    best = {name: float("inf") for name in ("preview", "osv", "mail", "stdlib")}
    for _ in range(args.rounds):
        best["preview"] = min(best["preview"], cpu(preview, args.count))
        best["osv"] = min(best["osv"], cpu(osv_export, args.count))
        best["mail"] = min(best["mail"], cpu(read_mail, args.count))
        best["stdlib"] = min(best["stdlib"], cpu(stdlib_mail, args.count))
    print(
        f"CVE preview {best['preview'] * 1000:.2f} ms, OSV export {best['osv'] * 1000:.2f} ms "
        f"(ratio {best['preview'] / best['osv']:.2f}); the first preview {first * 1000:.0f} ms"
    )
    print(
        f"mail read {best['mail'] * 1000:.2f} ms, stdlib parse {best['stdlib'] * 1000:.2f} ms "
        f"(ratio {best['mail'] / best['stdlib']:.2f})"
    )


if __name__ == "__main__":
    main()

"""The command line: check, migrate, and the manifest that goes with them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from bot.cli import main
from bot.slack.scopes import REQUIRED_SCOPES
from tests.harness import BOT_TOKEN, SIGNING_SECRET, Workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slack, workspace: Workspace):
    monkeypatch.chdir(tmp_path)
    values = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECURITY_TEAM": ",".join(workspace.roster),
        "TRIAGE_CHANNEL": workspace.triage,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_check_passes_with_every_scope(environment, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert "all checks passed" in capsys.readouterr().out


def test_check_names_missing_scopes(environment, slack, capsys: pytest.CaptureFixture[str]) -> None:
    slack.scopes = set(REQUIRED_SCOPES) - {"pins:write", "groups:write"}
    try:
        assert main(["check"]) == 1
    finally:
        slack.scopes = set(REQUIRED_SCOPES) | slack.scopes
    out = capsys.readouterr().out
    assert "the bot token lacks scopes: groups:write, pins:write" in out
    assert BOT_TOKEN not in out


def test_check_reports_a_bad_token(environment, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-some-other-token")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Slack refused auth.test: the bot's Slack token is not valid" in out
    assert "xoxb-some-other-token" not in out


def test_migrate_creates_the_schema(environment, tmp_path: Path) -> None:
    assert main(["migrate"]) == 0
    engine = create_engine(environment["DATABASE_URL"])
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"incident", "timeline_event", "audit_log", "alembic_version"} <= tables


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    manifest = (ROOT / "manifest.yml").read_text()
    section = manifest.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    scopes = set(re.findall(r"^      - ([a-z:.]+)$", section, flags=re.MULTILINE))
    assert scopes == set(REQUIRED_SCOPES)
    assert "command: /disclose" in manifest and "command: /cvss" in manifest


def triage_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check"])
    return code, capsys.readouterr().out


def test_check_names_a_triage_channel_the_bot_is_not_in_and_the_fix(
    environment, slack, workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.workspace.channels[workspace.triage].members.remove(slack.bot_user_id)
    code, out = triage_check(capsys)
    assert code == 1
    assert f"TRIAGE_CHANNEL {workspace.triage}: the bot cannot see this channel" in out
    assert "invite the bot with `/invite @" in out
    assert "all checks passed" not in out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("public", "is public, and incident details only ever go to private channels"),
        ("shared", "is shared with another organisation (Slack Connect)"),
    ],
)
def test_check_refuses_a_public_or_shared_triage_channel(
    environment, slack, workspace: Workspace, capsys, change: str, expected: str
) -> None:
    channel = slack.workspace.channels[workspace.triage]
    if change == "public":
        channel.is_private = False
    else:
        channel.is_ext_shared = True
    code, out = triage_check(capsys)
    assert code == 1
    assert f"TRIAGE_CHANNEL {workspace.triage} (#security-triage) {expected}" in out


def test_check_passes_a_private_triage_channel_the_bot_is_in(environment, capsys) -> None:
    code, out = triage_check(capsys)
    assert code == 0
    assert "triage channel: private, this workspace only, the bot is a member" in out


def test_check_tells_slack_not_answering_from_slack_refusing(
    environment, monkeypatch, capsys
) -> None:
    from tests.bot_process import free_port

    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{free_port()}/api/")
    code, out = triage_check(capsys)
    assert code == 1
    assert "Slack did not answer auth.test (" in out
    assert "Slack refused" not in out


def test_start_up_names_the_triage_channel_and_the_invite(
    environment, slack, workspace: Workspace, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from tests.bot_process import free_port

    slack.workspace.channels[workspace.triage].members.remove(slack.bot_user_id)
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(free_port())},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"TRIAGE_CHANNEL {workspace.triage}: the bot cannot see this channel" in result.stderr
    assert "/invite @" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_socket_mode_manifest_is_the_http_one_without_urls() -> None:
    http = (ROOT / "manifest.yml").read_text()
    socket = (ROOT / "manifest.socket-mode.yml").read_text()

    def body(text: str) -> list[str]:
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        return [line for line in lines if "https://bot.example.com" not in line]

    assert "https://" not in "\n".join(body(socket))
    assert "socket_mode_enabled: true" in socket and "socket_mode_enabled: false" in http
    expected = [
        line.replace("socket_mode_enabled: false", "socket_mode_enabled: true")
        for line in body(http)
    ]
    assert body(socket) == expected


def test_the_messages_tab_is_read_only_since_the_bot_reads_no_dm() -> None:
    for name in ("manifest.yml", "manifest.socket-mode.yml"):
        manifest = (ROOT / name).read_text()
        assert "messages_tab_read_only_enabled: true" in manifest
        assert "message.im" not in manifest


@pytest.mark.parametrize("command", ["run", "worker", "migrate", "check"])
def test_help_describes_each_command_and_where_settings_come_from(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import COMMANDS

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"usage: python -m bot {command}" in out
    assert " ".join(COMMANDS[command][1].split()) in out
    assert "then from a .env file in the working directory" in out


def test_an_sqlite_file_that_cannot_be_opened_is_named_without_a_traceback(
    environment, monkeypatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'bot.sqlite3'}")
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL: SQLite cannot use sqlite:///" in err
    assert "unable to open database file" in err


def test_start_up_says_slack_did_not_answer_when_it_did_not(environment, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.bot_process import free_port

    nobody = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PORT": str(free_port()),
            "SLACK_API_URL": nobody,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Slack did not answer auth.test at start-up (" in result.stderr
    assert "Slack refused" not in result.stderr and "Traceback" not in result.stderr
    assert "ERROR" not in result.stderr  # one message, not slack_sdk's log line too

"""Settings: one clear message per bad variable, and never a secret in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "DATABASE_URL",
        "PORT",
        "SECURITY_TEAM",
        "TRIAGE_CHANNEL",
        "TEAM_TIMEZONE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "SLACK_BOT_TOKEN",
            "xoxp-user-token-secret",
            "SLACK_BOT_TOKEN: expected a bot token starting with xoxb-",
        ),
        (
            "SLACK_APP_TOKEN",
            "xoxb-wrong-kind",
            "SLACK_APP_TOKEN: expected an app-level token starting with xapp-",
        ),
        (
            "SECURITY_TEAM",
            "U01ABC,bob",
            "SECURITY_TEAM: expected comma-separated Slack user IDs such as U012ABCDEF, not 'bob'",
        ),
        (
            "TRIAGE_CHANNEL",
            "#triage",
            "TRIAGE_CHANNEL: expected a channel ID such as C012ABCDEF, not '#triage'",
        ),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL: expected a sqlite:/// or postgresql:// URL"),
        (
            "SLACK_API_URL",
            "slack.example",
            "SLACK_API_URL: expected an http(s) URL such as https://slack.com/api/",
        ),
        (
            "TEAM_TIMEZONE",
            "Mars/Olympus",
            "TEAM_TIMEZONE: expected an IANA time zone such as Europe/Berlin, not 'Mars/Olympus'",
        ),
    ],
)
def test_bad_settings_name_the_variable_and_what_is_expected(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert expected in str(error.value)
    if "TOKEN" in variable:
        assert value not in str(error.value)


def test_heroku_style_postgres_urls_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/bot")
    assert load_settings().database_url == "postgresql+psycopg://u:p@db.example:5432/bot"


def test_sqlite_is_the_default_and_team_ids_split_on_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECURITY_TEAM", " U01AAA , W02BBB,")
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.security_team == ["U01AAA", "W02BBB"]


def test_serving_without_credentials_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as error:
        Settings(_env_file=None).require_slack()  # type: ignore[call-arg]
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TRIAGE_CHANNEL", "SECURITY_TEAM"):
        assert name in str(error.value)
    assert "python -m bot demo" in str(error.value)


def test_start_up_stops_with_one_message_and_no_secret(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),  # this checkout's bot
        "SLACK_BOT_TOKEN": "xoxp-not-a-bot-token-value",
        "SLACK_SIGNING_SECRET": "s3cr3t-signing-value",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN: expected a bot token starting with xoxb-" in result.stderr
    assert "xoxp-not-a-bot-token-value" not in result.stderr + result.stdout
    assert "s3cr3t-signing-value" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "placeholder"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-..."),
        ("SLACK_SIGNING_SECRET", "..."),
        ("SLACK_APP_TOKEN", "xapp-..."),
        ("INTAKE_SECRET", "..."),
    ],
)
def test_the_placeholders_of_env_example_are_refused_as_placeholders(
    monkeypatch: pytest.MonkeyPatch, variable: str, placeholder: str
) -> None:
    monkeypatch.setenv(variable, placeholder)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert f"{variable}: still the placeholder from .env.example" in str(error.value)


def test_the_placeholders_are_the_ones_env_example_ships() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    assert "SLACK_BOT_TOKEN=xoxb-...\n" in example
    assert "SLACK_SIGNING_SECRET=...\n" in example


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking-token")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real-looking-token")
    monkeypatch.setenv("SECURITY_TEAM", "U012ABCDEF")
    monkeypatch.setenv("TRIAGE_CHANNEL", "C056MNOPQR")
    load_settings().require_slack()  # no ConfigError
    monkeypatch.delenv("SLACK_APP_TOKEN")
    with pytest.raises(ConfigError) as error:
        load_settings().require_slack()
    assert "SLACK_SIGNING_SECRET" in str(error.value)

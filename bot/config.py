"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
DEFAULT_DATABASE_URL = "sqlite:///disclosure-bot.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(Exception):
    """Start-up cannot go on: the message names each variable and what it expects."""


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=3000, ge=1, le=65535)
    security_team: Annotated[list[str], NoDecode] = Field(default_factory=list)
    triage_channel: str | None = None
    policy_file: Path | None = None
    team_timezone: str = "UTC"
    incident_prefix: str = "SEC"
    # Each intake endpoint is served only when its secret is set.
    intake_secret: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None
    security_team_group: str | None = None
    max_open_leads: int = Field(default=3, ge=1)
    oncall_start_day: str = "monday"
    oncall_start_time: str = "09:00"
    oncall_timezone: str | None = None  # default: TEAM_TIMEZONE
    cvss_default_version: str = "3.1"  # what /cvss offers first when nothing is scored
    holidays_country: str | None = None  # e.g. US; wins over the policy file's calendar
    holidays_subdivision: str | None = None  # e.g. CA (a state or region of the country)
    reminder_tick_seconds: float = Field(default=15.0, gt=0, le=3600)
    # How long a set-up run holds an incident without finishing a step; after a crash the
    # next run waits this long at most before resuming.
    setup_lease_seconds: float = Field(default=30.0, gt=0, le=600)
    # DEBUG adds the scheduler's line for every job run; WARNING keeps only what needs a look.
    log_level: str = "INFO"
    # How long a stop (SIGTERM, SIGINT) waits for work in progress; keep it below the
    # platform's grace period (Kubernetes: 30 s, Heroku: 30 s).
    stop_within_seconds: float = Field(default=10.0, gt=0, le=300)
    # CVE Services (the CVE Program's API for CNAs): the CNA's short name, user and API key.
    cve_api_url: str = "https://cveawg.mitre.org/api"
    cve_api_org: str | None = None
    cve_api_user: str | None = None
    cve_api_key: SecretStr | None = None
    cve_vendor: str | None = None  # the vendor named in CVE records; default CVE_API_ORG
    # Mail to the security address (POST /intake/email, python -m bot mail-in).
    mail_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    mail_attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    # What a committed change shows in Slack is delivered from the outbox by this process
    # (true, the default) or only by `python -m bot worker` processes (false).
    deliver_in_web: bool = True
    # How long a delivery worker holds an incident's outbox rows; after a crash another
    # worker takes them over once it ran out (and finds the posts already made by key).
    delivery_lease_seconds: float = Field(default=60.0, gt=0, le=600)
    # Outbound email: smtp:// (STARTTLS when offered) or smtps://, with optional
    # user:password (a secret, hence SecretStr); the sender and the answer address.
    smtp_url: SecretStr | None = None
    mail_from: str | None = None
    mail_reply_to: str | None = None
    mail_tick_seconds: float = Field(default=10.0, gt=0, le=3600)
    # Distributors and the public announcement. PUBLIC_URL is where the bot's HTTP
    # server is reached from outside (acknowledgement links in notices).
    public_url: str | None = None
    distributors_file: Path | None = None
    distributor_ack_window: str = "2 business days"  # then the lead hears who is silent
    announce_to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    announce_channel: str | None = None  # the one public channel the bot posts in
    announce_timezone: str | None = None  # default: TEAM_TIMEZONE
    announce_project: str = "project"  # the [project] in oss-security subjects
    announce_signature: str = "the security team"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "intake_secret",
        "github_webhook_secret",
    )
    @classmethod
    def _not_a_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        # .env.example marks every secret to fill in with "..." (xoxb-..., xapp-...).
        if value is not None and value.get_secret_value().endswith("..."):
            raise ValueError(
                "still the placeholder from .env.example; paste the real value from the "
                "Slack app's settings (or remove the line)"
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("expected a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("expected an app-level token starting with xapp-")
        return value

    @field_validator("intake_secret")
    @classmethod
    def _intake_secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("expected a random secret of at least 16 characters")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://", value):
            raise ValueError("expected an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("security_team", mode="before")
    @classmethod
    def _team_ids(cls, value: object) -> object:
        ids = _split_ids(value)
        if isinstance(ids, list):
            bad = [item for item in ids if not USER_ID.match(str(item))]
            if bad:
                raise ValueError(
                    "expected comma-separated Slack user IDs such as U012ABCDEF, "
                    f"not {', '.join(repr(b) for b in bad[:3])}"
                )
        return ids

    @field_validator("triage_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and not CHANNEL_ID.match(value):
            raise ValueError(f"expected a channel ID such as C012ABCDEF, not {value!r}")
        return value

    @field_validator("incident_prefix")
    @classmethod
    def _prefix_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", value):
            raise ValueError("expected 1 to 10 uppercase letters or digits, such as SEC")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected the bot's public base URL, such as https://bot.example.org")
        return value.rstrip("/")

    @field_validator("distributor_ack_window")
    @classmethod
    def _ack_window(cls, value: str) -> str:
        from bot.policy import DurationError, parse_duration

        try:
            parse_duration(value)
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("announce_to", mode="before")
    @classmethod
    def _announce_addresses(cls, value: object) -> object:
        from email.utils import parseaddr

        items = _split_ids(value)
        if isinstance(items, list):
            bad = [i for i in items if "@" not in parseaddr(str(i))[1] or " " in str(i)]
            if bad:
                raise ValueError(
                    "expected comma-separated addresses such as announce@example.org, "
                    f"not {', '.join(repr(b) for b in bad[:3])}"
                )
        return items

    @field_validator("announce_channel")
    @classmethod
    def _announce_channel_id(cls, value: str | None) -> str | None:
        if value is not None and not CHANNEL_ID.match(value):
            raise ValueError(f"expected a channel ID such as C012ABCDEF, not {value!r}")
        return value

    @field_validator("team_timezone", "oncall_timezone", "announce_timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone such as Europe/Berlin, not {value!r}"
            ) from None
        return value

    @field_validator("security_team_group")
    @classmethod
    def _group_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^S[A-Z0-9]{2,}$", value):
            raise ValueError(f"expected a user group ID such as S012ABCDEF, not {value!r}")
        return value

    @field_validator("oncall_start_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.strip().lower() not in WEEKDAYS:
            raise ValueError(f"expected a weekday name such as monday, not {value!r}")
        return value.strip().lower()

    @field_validator("oncall_start_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f"expected a 24-hour time such as 09:00, not {value!r}")
        return value.strip()

    @field_validator("cvss_default_version")
    @classmethod
    def _cvss_version(cls, value: str) -> str:
        if value.strip() not in ("3.1", "4.0"):
            raise ValueError(f"expected 3.1 or 4.0, not {value!r}")
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return value.strip().upper()

    @field_validator("cve_api_url")
    @classmethod
    def _cve_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("expected an http(s) URL such as https://cveawg.mitre.org/api")
        return value.rstrip("/")

    @property
    def cve_configured(self) -> bool:
        return bool(self.cve_api_org and self.cve_api_user and self.cve_api_key)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        from bot.mail.address import parse_smtp_url

        if value is not None:
            parse_smtp_url(value.get_secret_value())  # its ValueError names what is wrong
        return value

    @field_validator("mail_from", "mail_reply_to")
    @classmethod
    def _mail_address(cls, value: str | None) -> str | None:
        from email.utils import parseaddr

        if value is None:
            return None
        _, address = parseaddr(value)
        if "@" not in address or " " in address:
            raise ValueError(
                f"expected an address such as security@example.org or "
                f"'Security Team <security@example.org>', not {value!r}"
            )
        return value.strip()

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def require_slack(self) -> None:
        """Serving real Slack traffic needs credentials and a triage channel."""
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                # Socket Mode requests come over Slack's websocket, never signed HTTP.
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret or self.socket_mode or None),
                ("TRIAGE_CHANNEL", self.triage_channel),
            )
            if value is None
        ]
        if not self.security_team and not self.security_team_group:
            missing.append("SECURITY_TEAM (or SECURITY_TEAM_GROUP)")
        if missing:
            raise ConfigError(
                "Missing settings: "
                + ", ".join(missing)
                + ". Set them in the environment or in .env (see .env.example); "
                "without Slack credentials, `python -m bot demo` plays a disclosure locally."
            )


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` URLs that hosting platforms hand out."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    if not (url.startswith("sqlite") or url.startswith("postgresql+")):
        raise ValueError("expected a sqlite:/// or postgresql:// URL")
    return url


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{field.upper()}: {message}")
        raise ConfigError("Invalid settings:\n  " + "\n  ".join(lines)) from None

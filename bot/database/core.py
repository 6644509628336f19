"""Engine and session handling for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Engine, MetaData, Update, create_engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# How long one unit of work may wait for the database before giving up: below Slack's
# three seconds, so a request answers "try again" in time instead of timing out. psycopg
# rounds connect timeouts below 2 seconds up to 2.
WAIT_SECONDS = 2.0
# Work that nobody waits on queues longer for SQLite's single writer.
PATIENT_WAIT_SECONDS = 30.0

_patience = threading.local()


@contextmanager
def patient_waits() -> Iterator[None]:
    """Transactions of this thread, inside the block, wait PATIENT_WAIT_SECONDS for a turn."""
    before = getattr(_patience, "seconds", None)
    _patience.seconds = PATIENT_WAIT_SECONDS
    try:
        yield
    finally:
        _patience.seconds = before


def _wait_budget() -> float:
    return getattr(_patience, "seconds", None) or WAIT_SECONDS


class DatabaseBusy(OperationalError):
    """SQLite: no turn to write came within the wait (another transaction held it)."""

    def __init__(self, waited: float) -> None:
        super().__init__("BEGIN", None, TimeoutError(f"no turn to write within {waited:.1f} s"))


# What a database that is down, restarting, unreachable or locked raises.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)


def outage_reason(error: BaseException) -> str:
    """The driver's one-line message, for a log line without SQL and traceback."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def changed_rows(session: Session, statement: Update) -> int:
    """Run a conditional UPDATE; how many rows it changed."""
    result = cast("CursorResult[Any]", session.execute(statement))
    return int(result.rowcount)


def changed_one(session: Session, statement: Update) -> bool:
    """Run a conditional UPDATE; True when it changed exactly one row (the guard that lets
    one of several concurrent writers win)."""
    return changed_rows(session, statement) == 1


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC on every backend and always hands back aware datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        moment = value.astimezone(UTC)
        # SQLite has no time zone type: keep naive UTC there so ordering by text works.
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else utc(value)


def _tune_sqlite(engine: Engine, busy_ms: Callable[[], int]) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE, so concurrent writers queue instead of failing
    (for what is left of the transaction's wait, see `Database.transaction`)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms()}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _patient_ms() -> int:
    return 10_000  # migrations and tools outside requests can afford to wait for a writer


def make_engine(url: str, busy_ms: Callable[[], int] = _patient_ms, **options: Any) -> Engine:
    # A failed statement's error would otherwise carry its parameters (a report's title,
    # description, contact) into the logs and tracebacks.
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **options)
        _tune_sqlite(engine, busy_ms)
        return engine
    # A dead pooled connection is noticed on checkout and replaced, so the pool recovers
    # by itself once the server is back; connecting and queueing for a connection give
    # up within the wait instead of hanging a request.
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    options.setdefault("pool_timeout", WAIT_SECONDS)
    if "connect_timeout" not in url:
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", max(2, int(WAIT_SECONDS)))
    return create_engine(url, **options)


class Database:
    """The database the bot runs on: one engine, short transactions."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self._deadline = threading.local()  # SQLite: when this thread's transaction gives up
        self.engine = make_engine(url, busy_ms=self._busy_ms, **engine_options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and its busy handler waits by sleeping in steps;
        # queueing on a lock in this process hands the database over without that delay.
        self._writer = threading.RLock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error. Raises one of
        UNAVAILABLE when the database does not answer within WAIT_SECONDS."""
        if self._writer is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._writer_turn(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        # The wait for this process's lock and SQLite's busy wait (another process holding
        # the file) share one budget, so queued requests give up in time too.
        if getattr(self._deadline, "at", None) is not None:  # nested: the outer one counts
            with self._writer:  # type: ignore[union-attr]
                yield
            return
        budget = _wait_budget()
        deadline = time.monotonic() + budget
        assert self._writer is not None
        if not self._writer.acquire(timeout=budget):
            raise DatabaseBusy(budget)
        self._deadline.at = deadline
        try:
            yield
        finally:
            self._deadline.at = None
            self._writer.release()

    def _busy_ms(self) -> int:
        deadline = getattr(self._deadline, "at", None)
        if deadline is None:
            return int(_wait_budget() * 1000)
        return max(1, int((deadline - time.monotonic()) * 1000))

    def ping(self) -> bool:
        return self.unavailable_reason() is None

    def unavailable_reason(self) -> str | None:
        """None while the database answers; otherwise the driver's one-line reason
        (connection refused, authentication failed, unknown host...)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return None
        except Exception as error:
            return outage_reason(error)

    def dispose(self) -> None:
        self.engine.dispose()

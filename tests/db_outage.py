"""Database outages a test can start and end: a TCP proxy in front of PostgreSQL that can be
cut, and a second SQLite connection that takes the write lock and keeps it."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


class Outage(Protocol):
    def start(self) -> None: ...
    def end(self) -> None: ...


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to the database server until cut.

    Cut, it closes every live connection (what a server crash or fail-over does to them) and
    accepts new ones without ever answering (an unreachable host behind a load balancer):
    the worst case for a client, which only its own timeouts end.
    """

    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._held: set[socket.socket] = set()
        self._cut = False
        self._stopped = False
        self.refused = 0  # connections held unanswered while cut
        threading.Thread(target=self._accept, daemon=True, name="db-proxy").start()

    def url_for(self, url: str) -> str:
        """The same database URL, through the proxy."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def start(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._live = self._live, set()
        for sock in doomed:
            _close(sock)

    def end(self) -> None:
        with self._lock:
            self._cut = False
            held, self._held = self._held, set()
        for sock in held:
            _close(sock)

    def stop(self) -> None:
        self._stopped = True
        self.start()
        self.end()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._cut:
                    self._held.add(client)
                    self.refused += 1
                    continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._live.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True, name="db-proxy-pump"
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._live.discard(source)
                self._live.discard(sink)
            _close(source)
            _close(sink)


class SqliteWriteLock:
    """Another connection takes SQLite's write lock and keeps it until the outage ends.

    SQLite has no server to go down. What a bot on it meets instead is the file held by
    another process: a migration, a VACUUM, a backup tool or an admin shell left inside a
    transaction. In WAL mode readers still read; every writer waits out its busy timeout
    and fails with "database is locked", the error a write meets whenever the file is not
    available to it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def start(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN EXCLUSIVE")
        self._connection = connection

    def end(self) -> None:
        if self._connection is not None:
            self._connection.execute("ROLLBACK")
            self._connection.close()
            self._connection = None

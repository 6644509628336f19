"""Serving the WSGI app with waitress, in the foreground or on a background thread."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

THREADS = 16
# Slack may send a burst (a busy incident, everyone clicking): accept the connections
# rather than leave them in the kernel's queue, where a dropped SYN costs a full second.
# select() cannot watch more than 1,024 sockets, hence poll().
CONNECTION_LIMIT = 4096
BACKLOG = 4096
# Nothing the bot accepts is near this size; waitress would otherwise buffer up to 1 GiB.
MAX_REQUEST_BODY = 1024 * 1024
# A client that opens a connection and never finishes its request holds a slot; idle ones
# are closed after CHANNEL_TIMEOUT (waitress' default is 120 s, swept every 30 s), so a
# flood of half-open connections locks /healthz and Slack out for seconds, not minutes.
# Slack sends whole requests at once; a request being served is never idle.
CHANNEL_TIMEOUT = 10
CLEANUP_INTERVAL = 2
# Descriptors kept free of client connections: the database pool, Slack calls, log files.
RESERVED_DESCRIPTORS = 256


def connection_limit() -> int:
    """At most CONNECTION_LIMIT, and always below the process' descriptor limit, so that a
    flood makes waitress stop accepting (and wait for the sweep) instead of failing the
    bot's own sockets with EMFILE."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return CONNECTION_LIMIT
    if soft == resource.RLIM_INFINITY:
        return CONNECTION_LIMIT
    return max(64, min(CONNECTION_LIMIT, soft - RESERVED_DESCRIPTORS))


def _limits() -> dict[str, Any]:
    return {
        "threads": THREADS,
        "connection_limit": connection_limit(),
        "backlog": BACKLOG,
        "asyncore_use_poll": True,
        "ident": "bot",
        "max_request_body_size": MAX_REQUEST_BODY,
        "channel_timeout": CHANNEL_TIMEOUT,
        "cleanup_interval": CLEANUP_INTERVAL,
    }


class BackgroundServer:
    """A real HTTP server on a free port, for tests, benchmarks and the demo."""

    def __init__(self, wsgi: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = create_server(wsgi, host=host, port=port, **_limits())
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="http")

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop_gracefully(self, timeout: float) -> bool:
        """Stop accepting connections, give requests already received up to `timeout`
        seconds to be answered, then close everything; False if some were cut short."""
        server: Any = self._server
        with contextlib.suppress(OSError):
            # The listening socket only: the server's own close() also closes the wake-up
            # pipe that answered requests still need.
            server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))
        deadline = time.monotonic() + timeout
        answered = self._answered()
        while not answered and time.monotonic() < deadline:
            time.sleep(0.02)
            answered = self._answered()
        self.stop()
        return answered

    def _answered(self) -> bool:
        server: Any = self._server
        dispatcher = server.task_dispatcher
        with dispatcher.lock:
            working = dispatcher.active_count > 0 or bool(dispatcher.queue)
        channels = [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]
        return not working and all(not c.requests and not c.total_outbufs_len for c in channels)

    def stop(self) -> None:
        """Close every channel, keep-alive clients included, from inside the loop thread
        (closing sockets under a running select() from outside races with it)."""

        def close_all() -> None:
            for channel in list(self._server._map.values()):  # type: ignore[union-attr]
                channel.close()

        try:
            self._server.trigger.pull_trigger(close_all)  # type: ignore[union-attr]
        except OSError:  # the loop already ended and closed its wake-up pipe
            close_all()
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()


def serve_forever(wsgi: Any, port: int, host: str = "0.0.0.0") -> None:
    create_server(wsgi, host=host, port=port, **_limits()).run()

"""Serving the WSGI app with waitress, in the foreground or on a background thread."""

from __future__ import annotations

import threading
from typing import Any

from waitress.server import create_server

THREADS = 16


class BackgroundServer:
    """A real HTTP server on a free port, for tests, benchmarks and the demo."""

    def __init__(self, wsgi: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = create_server(wsgi, host=host, port=port, threads=THREADS, ident="bot")
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

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


def serve_forever(wsgi: Any, port: int, host: str = "0.0.0.0") -> None:
    create_server(wsgi, host=host, port=port, threads=THREADS, ident="bot").run()

"""The HTTP side: routes Web API calls, upload URLs and response URLs on one local port."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .api import call_api
from .faults import Faults, Reply
from .methods.files import receive_bytes
from .responses import post_to_response_url
from .workspace import Workspace


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, workspace: Workspace, faults: Faults) -> None:
        self.workspace = workspace
        self.faults = faults
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, so a client may reuse its connection
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and body leave in one write

    def do_POST(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _route(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ws, faults = self.server.workspace, self.server.faults
        if url.path.startswith("/api/"):
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            reply = call_api(ws, faults, url.path[5:], self.headers, query, body)
        elif url.path.startswith("/upload/v1/"):
            reply = self._injected("files.upload") or self._upload(url.path[11:], body)
        elif url.path.startswith("/response/"):
            reply = self._injected("response_url") or post_to_response_url(ws, url.path[10:], body)
        else:
            reply = Reply(404, b"not found", "text/plain")
        self._send(reply)

    def _injected(self, name: str) -> Reply | None:
        fault = self.server.faults.take(name, {})
        return fault.reply() if fault else None

    def _upload(self, token: str, body: bytes) -> Reply:
        ws = self.server.workspace
        with ws.lock:
            file = receive_bytes(ws, token, body)
        if file is None:
            return Reply(404, b"upload URL not found or already used", "text/plain")
        return Reply(200, f"OK - {len(body)}".encode(), "text/plain; charset=utf-8")

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in (reply.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class HttpServer:
    """The listening socket and the thread serving it."""

    def __init__(self, workspace: Workspace, faults: Faults) -> None:
        self._server = _Server(workspace, faults)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

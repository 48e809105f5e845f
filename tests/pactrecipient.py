"""A PACT data recipient for the tests: its own TLS server with ``POST /auth/token`` and ``POST /3/events``.

What a requester's PACT solution does when the host answers it: authenticate the host (client credentials by
HTTP Basic, form body ``grant_type=client_credentials``), then accept CloudEvents in structured mode with the
Bearer token it issued.  It records every event it accepted (and the refusals), so a test can tell what the
host sent, how often and with which headers.  ``http.server`` over ``ssl``: nothing of the host's code.
"""
from __future__ import annotations

import base64
import json
import secrets
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote_plus

CLIENT_ID = "footprint-host"
SECRET = "recipient-issued-secret-0123456789"


class Recipient:
    def __init__(self, cert: Path, key: Path, *, port: int = 0, client_id: str = CLIENT_ID, secret: str = SECRET):
        self.client_id, self.secret = client_id, secret
        self.tokens: set[str] = set()
        self.events: list[dict] = []          # accepted: {"event", "content_type", "authorization"}
        self.refused: list[tuple[str, int]] = []  # (path, status)
        self.lock = threading.Lock()
        recipient = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: dict | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if status >= 300:
                    with recipient.lock:
                        recipient.refused.append((self.path, status))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/auth/token":
                    scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
                    try:
                        user, _, password = base64.b64decode(encoded).decode().partition(":")
                    except Exception:
                        user = password = ""
                    if scheme != "Basic" or unquote_plus(user) != recipient.client_id \
                            or unquote_plus(password) != recipient.secret \
                            or body != b"grant_type=client_credentials":
                        return self._answer(401, {"error": "invalid_client"})
                    token = secrets.token_urlsafe(16)
                    with recipient.lock:
                        recipient.tokens.add(token)
                    return self._answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
                if self.path == "/3/events":
                    scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
                    if scheme != "Bearer" or token not in recipient.tokens:
                        return self._answer(400, {"code": "BadRequest", "message": "Invalid token provided"})
                    if not (self.headers.get("Content-Type") or "").startswith("application/cloudevents+json"):
                        return self._answer(400, {"code": "BadRequest", "message": "not a structured CloudEvent"})
                    with recipient.lock:
                        recipient.events.append({"event": json.loads(body),
                                                 "content_type": self.headers["Content-Type"]})
                    return self._answer(200)
                return self._answer(404, {"code": "NotFound", "message": "Not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def received(self, type_suffix: str | None = None) -> list[dict]:
        with self.lock:
            events = [e["event"] for e in self.events]
        return [e for e in events if type_suffix is None or e.get("type", "").endswith(type_suffix)]

    def wait_for(self, request_id: str, seconds: float = 30.0) -> dict:
        """The first event answering ``request_id`` (data.requestEventId), waiting up to ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event in self.received():
                if (event.get("data") or {}).get("requestEventId") == request_id:
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no answer to request {request_id!r} within {seconds} s; received {self.received()}, "
                             f"refused {self.refused}")


def free_port() -> int:
    """A loopback port nothing listens on now (for a recipient that is down, then started there)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

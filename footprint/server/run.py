"""Start the host: check what a user can fix first (certificate, port, database), then run uvicorn over TLS.

Every check that can fail for a reason the user can act on runs before the server starts, so the
answer is one line and exit 2, never a traceback from inside uvicorn:

* the certificate or key is missing, unreadable, or not a matching PEM pair;
* the address is in use or cannot be bound (the socket is bound here and handed to uvicorn);
* the database URL cannot be reached or is not a footprint database (migrations run here).

There is no plain-HTTP listener at all: the only socket speaks TLS, so a plain HTTP request gets
no HTTP answer (the TLS handshake fails and the connection closes).
"""
from __future__ import annotations

import errno
import logging
import socket
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footprint.errors import FootprintError
from footprint.market import db as _db
from footprint.market.db import DatabaseError
from footprint.server.answers import MAX_ANSWER_FOOTPRINTS
from footprint.server.delivery import DeliveryPolicy
from footprint.server.store import Store


class ServeError(FootprintError):
    """The server cannot start: certificate, address or database (one line, exit 2)."""


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8443
    tls_cert: str | Path | None = None
    tls_key: str | Path | None = None
    database: Any = None
    token_ttl: int = 3600
    access_log: str | Path | None = None
    event_attempts: int = 8       # tries to send an answer to a RequestCreated, then failed (delivery.py)
    event_backoff: float = 5.0    # seconds before the second try; doubles
    public_url: str | None = None  # the URL clients reach the host at: the ``source`` of every event it sends
    max_answer_footprints: int = MAX_ANSWER_FOOTPRINTS  # the most footprints one answer to a RequestCreated carries


def event_source(public_url: str | None, host: str, port: int) -> str:
    """The CloudEvents ``source`` of every event this host sends: ``public_url``, else the address it listens on.

    One identity for the answers to requests and the PublishedEvents (answers.py).  A wildcard address (0.0.0.0,
    ::) names no host a client reaches: the machine's fully qualified name stands for it.
    """
    from footprint.server.answers import host_source

    if public_url is not None:
        try:
            return host_source(public_url)
        except ValueError as exc:
            raise ServeError(str(exc), field="--public-url", value=public_url,
                             expected="the https URL clients reach this host at, e.g. https://pact.example.com") \
                from None
    name = socket.getfqdn() if host in ("", "0.0.0.0", "::") else host
    return f"https://[{name}]:{port}" if ":" in name else f"https://{name}:{port}"


def check_tls(cert: str | Path | None, key: str | Path | None) -> ssl.SSLContext:
    """A server TLS context from a PEM certificate and key, or ServeError naming the file."""
    if not cert or not key:
        raise ServeError("TLS is required: give --tls-cert and --tls-key", field="--tls-cert",
                         expected="PEM files, e.g. from 'openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
                                  "-out cert.pem -days 365 -subj /CN=localhost'")
    for name, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not Path(path).is_file():
            raise ServeError("file not found", file=path, field=name, expected="a PEM file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except ssl.SSLError as exc:
        raise ServeError(f"not a usable certificate and key: {exc.reason or exc}", file=cert,
                         expected="a PEM certificate and the PEM private key that belongs to it") from None
    except OSError as exc:
        raise ServeError(f"cannot read the certificate or key: {exc.strerror}", file=cert) from None
    return context


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ServeError saying the port is in use."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot resolve the host: {exc.strerror}", field="--host", value=host) from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use", field="--port", value=port,
                             expected="a free port (--port), or stop the program that holds it") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}", field="--port", value=port) from None
    sock.set_inheritable(True)
    return sock


def prepare_database(database: Any) -> Store:
    store = Store(database)
    try:
        store.prepare()
    except DatabaseError as exc:
        raise ServeError(exc.message, file=exc.file,
                         expected=exc.expected or "a reachable database: a file path, or a URL such as "
                                                  "postgresql://user@host/db") from None
    return store


def configure_event_log() -> None:
    """The log of answers to RequestCreated events (queued, delivered, retried, failed): one line each, on stderr."""
    logger = logging.getLogger("footprint.server.events")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s events %(levelname)s %(message)s"))
    logger.handlers[:] = [handler]


def configure_access_log(path: str | Path | None) -> None:
    logger = logging.getLogger("footprint.server.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler: logging.Handler = logging.FileHandler(path, encoding="utf-8") if path else \
        logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.handlers[:] = [handler]


#: The most of a request's head (request line and headers) the HTTP layer buffers.  h11's default, 16 KiB, made
#: a long query's answer depend on how the bytes arrived: a 60 kB query read in one piece reached the app (its PACT
#: error, "longer than MAX_QUERY_BYTES"), read in TLS records of 16 kB it was cut off by h11 with a plain-text 400
#: ("Invalid HTTP request received.") that a PACT client cannot parse.  Above this, h11's plain 400 stays.
MAX_HEAD_BYTES = 64 * 1024


def uvicorn_config(app, tls_cert: Path | str, tls_key: Path | str, **overrides):
    """The uvicorn configuration of the host (serve, and the tests that run a real server: one set of limits)."""
    import uvicorn

    settings = dict(ssl_certfile=str(tls_cert), ssl_keyfile=str(tls_key),
                    access_log=False, log_level="warning", server_header=False,
                    # no X-Forwarded-For/-Proto trust: a local client could otherwise pick the address
                    # the failed-authentication limit counts against
                    proxy_headers=False,
                    # the pure-Python h11 parser, whose head limit is set here (httptools, where installed, has
                    # its own); Python's default server context refuses SSLv3/TLS 1.0/1.1
                    http="h11", h11_max_incomplete_event_size=MAX_HEAD_BYTES)
    settings.update(overrides)
    return uvicorn.Config(app, **settings)


def serve(options: ServeOptions, *, ready=None) -> None:
    """Run until interrupted.  ``ready(url)`` is called once the socket listens (tests, the CLI's banner)."""
    import uvicorn

    from footprint.server.app import create_app

    check_tls(options.tls_cert, options.tls_key)
    # the code this host runs, named now: an upgrade before the first request would otherwise be named as the
    # code it runs (the digests are taken on first use), and a later build refused (paths.installed_code_changed)
    from footprint.paths import builder_digest, code_digest

    code_digest(), builder_digest()
    prepare_database(options.database)
    sock = bind(options.host, options.port)
    configure_access_log(options.access_log)
    configure_event_log()
    if options.event_attempts < 1 or not options.event_backoff > 0:
        raise ServeError("event delivery needs at least 1 attempt and a wait above 0 s", field="--event-attempts",
                         value=f"{options.event_attempts}, {options.event_backoff}",
                         expected="--event-attempts at least 1 and --event-backoff above 0 seconds")
    if options.max_answer_footprints < 1:
        raise ServeError("an answer carries at least 1 footprint", field="--max-answer-footprints",
                         value=options.max_answer_footprints, expected="a whole number of footprints, at least 1")
    port = sock.getsockname()[1]
    app = create_app(options.database, token_ttl=options.token_ttl,
                     delivery=DeliveryPolicy(attempts=options.event_attempts, backoff=options.event_backoff),
                     source=event_source(options.public_url, options.host, port),
                     max_footprints=options.max_answer_footprints)
    server = uvicorn.Server(uvicorn_config(app, options.tls_cert, options.tls_key))
    if ready is not None:
        ready(f"https://{options.host}:{port}")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        _db.dispose(options.database)


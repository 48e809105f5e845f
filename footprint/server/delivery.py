"""Sending the host's events to the clients' event endpoints: the outbox.

Two kinds wait in it: the answers to RequestCreated events (RequestFulfilled/RequestRejected, queued by
Store.receive) and the PublishedEvents ``footprint publish`` queues (Store._queue_published), sent alike.

How a PACT solution sends an event to another (PACT v3, Action Events and Authenticate): it obtains an access
token from the recipient's token endpoint (OAuth 2.0 client credentials, RFC 6749 §4.4, the id and secret by
HTTP Basic, form-urlencoded first as §2.3.1 says), then ``POST {base}/3/events`` with the CloudEvent in
structured mode (``application/cloudevents+json``) and ``Authorization: Bearer <token>``; a 2xx answer is
receipt.  The recipient's endpoint, token URL and credentials are the client's (``footprint clients
endpoint``), since PACT leaves them to the solutions.

Durable and bounded: the answers wait in the database (Store.receive queued them with the request), a worker of
the server process sends the due ones, and a restart resumes what was not sent.  A failed attempt (recipient
down, token refused, a non-2xx answer) is tried again after a wait that doubles, up to ``attempts`` tries; then
the answer is marked failed, logged, and shown by ``footprint clients show``.  Delivered once: the row is marked
delivered when the recipient answered 2xx.  If that answer is lost (the connection drops after the recipient
stored the event, or this process dies right then) the same event, with the same ``id``, is sent again, which a
CloudEvents recipient recognises as a duplicate by ``source`` and ``id``.

Kept bounded: the worker also runs Store.prune, at start and every ``prune_every`` seconds, so delivered rows
and received events go after answers.RETENTION_DAYS and failed rows once replaced (pending rows never); before,
both tables grew by one row per request for ever.

TLS: the recipient's certificate is verified (Python's default context, the system's CAs, TLS 1.2 or newer); a
client's endpoint may name a CA file instead (a recipient with a private CA).  Redirects are not followed (a
redirect could take the secret or the footprints elsewhere, or to plain http).
"""
from __future__ import annotations

import asyncio
import base64
import http.client
import json
import logging
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from footprint.server.answers import DEFAULT_SOURCE, RETENTION_DAYS, stamped

LOG = logging.getLogger("footprint.server.events")
EVENT_MEDIA = "application/cloudevents+json; charset=UTF-8"


@dataclass
class DeliveryPolicy:
    """How often and how long the host tries to send an answer."""

    attempts: int = 8         # tries in all, then failed
    backoff: float = 5.0      # seconds before the 2nd try; doubles each time
    max_wait: float = 3600.0  # the longest wait between two tries
    poll: float = 5.0         # how often the worker looks for due answers (a new request wakes it at once)
    timeout: float = 15.0     # seconds for each HTTP request to the recipient, in all (delivery._post)
    lease: float = 120.0      # how long a claimed answer is this process's to send
    prune_every: float = 3600.0  # seconds between two prunings of old events and outbox rows (Store.prune)

    def wait(self, attempts_made: int) -> float:
        return min(self.backoff * 2 ** max(0, attempts_made - 1), self.max_wait)


class DeliveryError(Exception):
    """One attempt failed; the message names the step and the recipient's answer (never a secret or token)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError for the 3xx: an attempt failed, reported as such


def _shown(body: bytes) -> str:
    """A recipient's answer body for a log line: 200 characters, no control characters."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", body[:400].decode("utf-8", "replace"))[:200].strip()


def _context(ca_file: str | None) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"cannot read the CA file {ca_file}: {getattr(exc, 'strerror', None) or exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Watched(urllib.request.HTTPSHandler):
    """urllib's HTTPS handler, keeping the connections it opens so a deadline can cut them (``_post``)."""

    def __init__(self, context: ssl.SSLContext):
        super().__init__(context=context)
        self.connections: list[http.client.HTTPSConnection] = []
        self._context_ = context

    def https_open(self, req: urllib.request.Request) -> Any:
        def connection(host: str, **kwargs: Any) -> http.client.HTTPSConnection:
            made = http.client.HTTPSConnection(host, **kwargs)
            self.connections.append(made)
            return made

        return self.do_open(connection, req, context=self._context_)

    def cut(self) -> None:
        for made in self.connections:
            if made.sock is not None:
                try:
                    made.sock.shutdown(socket.SHUT_RDWR)  # a blocked recv returns at once
                except OSError:
                    pass


def _post(url: str, body: bytes, headers: dict[str, str], context: ssl.SSLContext, timeout: float,
          what: str) -> tuple[int, bytes]:
    """(status, first 64 KiB of the body) of a POST within ``timeout`` seconds in all; DeliveryError if no HTTP
    answer came in that time.

    In all: urllib's timeout bounds each read, so a recipient sending a byte every few seconds held an attempt (and
    the outbox worker, which sends one event at a time, so every client's events) for as long as it liked.
    """
    handler = _Watched(context)
    opener = urllib.request.build_opener(_NoRedirect, handler)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        handler.cut()

    timer = threading.Timer(timeout, cut)
    timer.daemon = True
    timer.start()
    try:
        with opener.open(request, timeout=timeout) as response:
            try:
                return response.status, response.read(65536)
            except (OSError, http.client.HTTPException):
                return response.status, b""  # the status is the answer (the body was cut short, or at the deadline)
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(65536)
        except (OSError, http.client.HTTPException):
            body = b""  # the status is the answer; a body cut short is not a reason to lose it
        finally:
            exc.close()
        return exc.code, body
    except (urllib.error.URLError, OSError, ssl.SSLError, ValueError, http.client.HTTPException) as exc:
        if expired.is_set():
            raise DeliveryError(f"{what} {url} did not answer within {timeout:g} s") from None
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc  # reset, cut short, malformed
        raise DeliveryError(f"{what} {url} not reached: {getattr(reason, 'strerror', None) or reason}") from None
    finally:
        timer.cancel()


class Sender:
    """Sends one answer: a token from the recipient (kept until shortly before it expires), then the event, with
    this host's ``source`` (answers.stamped: one identity for every event the host sends)."""

    def __init__(self, store: Any, policy: DeliveryPolicy, source: str = DEFAULT_SOURCE):
        self.store, self.policy, self.source = store, policy, source
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    def deliver(self, client_id: str, event_json: str) -> None:
        endpoint = self.store.endpoint(client_id)
        if endpoint is None:
            raise DeliveryError(f"client '{client_id}' has no event endpoint any more")
        context = _context(endpoint["ca_file"])
        key = (endpoint["token_url"], endpoint["remote_client_id"], endpoint["remote_secret"])
        token = self._token(key, context)
        url = endpoint["base_url"] + "/3/events"
        status, body = _post(url, stamped(event_json, self.source),
                             {"Content-Type": EVENT_MEDIA, "Authorization": f"Bearer {token}",
                              "Accept": "application/json"}, context, self.policy.timeout, "the event endpoint")
        if 200 <= status < 300:
            return
        if status in (400, 401, 403):
            self._tokens.pop(key, None)  # a token refused (expired, revoked): the next try fetches a new one
        raise DeliveryError(f"the event endpoint {url} answered HTTP {status}: {_shown(body)}")

    def _token(self, key: tuple[str, str, str], context: ssl.SSLContext) -> str:
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        token_url, client_id, secret = key
        basic = base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode("utf-8")).decode("ascii")
        status, body = _post(token_url, b"grant_type=client_credentials",
                             {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}",
                              "Accept": "application/json"}, context, self.policy.timeout, "the token endpoint")
        if status != 200:
            raise DeliveryError(f"the token endpoint {token_url} answered HTTP {status}: {_shown(body)}")
        try:
            answer = json.loads(body.decode("utf-8"))
            token = answer["access_token"]
            lifetime = float(answer.get("expires_in") or 300)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise DeliveryError(f"the token endpoint {token_url} answered 200 without an access_token") from None
        if not isinstance(token, str) or not token or re.search(r"[\x00-\x20\x7f]", token):
            raise DeliveryError(f"the token endpoint {token_url} answered an unusable access_token")
        self._tokens[key] = (token, time.monotonic() + max(0.0, min(lifetime, 3600.0) - 30.0))
        return token


class Outbox:
    """The server's worker that sends due answers; ``wake()`` after a request queued one."""

    def __init__(self, store: Any, policy: DeliveryPolicy | None = None, source: str = DEFAULT_SOURCE):
        self.store, self.policy = store, policy or DeliveryPolicy()
        self.sender = Sender(store, self.policy, source)
        self._wake: asyncio.Event | None = None
        self.stopping = threading.Event()  # set at shutdown: the worker sends no further answer after the current one

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Send due answers until cancelled (the server's lifespan starts and cancels it)."""
        from starlette.concurrency import run_in_threadpool

        self._wake = asyncio.Event()
        pruned_at: float | None = None
        while True:
            self._wake.clear()
            try:
                if pruned_at is None or time.monotonic() - pruned_at >= self.policy.prune_every:
                    pruned_at = time.monotonic()
                    gone = await run_in_threadpool(self.store.prune)
                    if any(gone.values()):
                        LOG.info("pruned %d event(s), %d delivered and %d failed outbox row(s) (kept: pending ones, "
                                 "the last %d days)", gone["events"], gone["delivered"], gone["failed"],
                                 RETENTION_DAYS)
                await run_in_threadpool(self.deliver_due)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database unreachable for a moment: log, try again at the next round
                first_line = str(exc).splitlines()[0][:300] if str(exc) else ""
                LOG.error("event outbox: %s: %s", type(exc).__name__, first_line)
            try:
                await asyncio.wait_for(self._wake.wait(), self.policy.poll)
            except asyncio.TimeoutError:
                pass

    def deliver_due(self) -> int:
        """Send the answers due now, one claimed at a time (until shutdown); how many were delivered.

        One at a time: a shutdown waits for the answer being sent only (its outcome is recorded), and no answer
        stays leased to a process that is gone (a restart would wait out the lease).

        A client whose endpoint failed an attempt gets no further one in this round: its other answers wait for the
        next round (``poll`` seconds).  Why: the worker sends one answer at a time, and an endpoint that never
        answers holds each attempt for ``timeout`` seconds; a client that queued 3 requests to such an endpoint held
        every other client's answers 3 x 15 s (a hundred requests: 25 minutes, again at each retry).  Now an
        unreachable endpoint costs the others one timeout a round.
        """
        delivered = 0
        failing: set[str] = set()
        while not self.stopping.is_set():
            claimed = self.store.due_answers(time.time(), self.policy.lease, skip=failing)
            if not claimed:
                break
            row = claimed[0]
            made = int(row["attempts"]) + 1
            what = (f"PublishedEvent {row['request_id']!r} to client {row['client_id']}" if row["kind"] == "Published"
                    else f"{row['kind']} answering request {row['request_id']!r} of client {row['client_id']}")
            try:
                self.sender.deliver(row["client_id"], row["event"])
            except DeliveryError as exc:
                failing.add(row["client_id"])
                if made >= self.policy.attempts:
                    self.store.answer_failed_attempt(row["seq"], str(exc), None)
                    LOG.warning("%s: FAILED after %d attempts, not tried again (footprint clients show %s): %s",
                                what, made, row["client_id"], exc)
                else:
                    wait = self.policy.wait(made)
                    self.store.answer_failed_attempt(row["seq"], str(exc), time.time() + wait)
                    LOG.warning("%s: attempt %d of %d failed, next in %g s: %s", what, made, self.policy.attempts,
                                wait, exc)
                continue
            self.store.answer_delivered(row["seq"])
            delivered += 1
            LOG.info("%s: delivered (attempt %d)", what, made)
        return delivered

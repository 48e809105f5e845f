"""What the host answers a RequestCreated event with: PACT v3 RequestFulfilled or RequestRejected CloudEvents.

PACT Technical Specifications v3 (Action Events; WBCSD's conformance cases #13 and #14.B wait for it): a data
owner answers a requester's ``org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3`` by sending, to the
requester's own ``POST /3/events``, either a ``RequestFulfilledEvent.3`` whose ``data.pfs`` holds the matching
ProductFootprints, or a ``RequestRejectedEvent.3`` whose ``data.error`` is an Error object (``code``,
``message``); both name the request in ``data.requestEventId``.  CloudEvents 1.0, structured mode: every
answer has a fresh ``id``, this host's ``source``, ``time``, ``specversion`` "1.0".

One ``source`` for everything this host sends (answers and PublishedEvents): the host's public URL, which
``footprint serve`` is given (``--public-url``) or derives from the address it listens on, stamped on each event
when the outbox sends it (``stamped``).  PACT v3's BaseEvent: "The domain and endpoint of the application from
which the event originates".  Why at sending: ``footprint publish`` queues PublishedEvents without a server and
knows no host name (they said ``urn:footprint:pact-host``), and the answers took the request's ``Host`` header,
which the requesting client writes (``Host: attacker.example`` made the answer claim to come from
``https://attacker.example``).  Only the server sends, so the server's one identity goes on every event.

One answer, bounded: PACT v3 says the data owner "MUST send a single RequestFulfilled event" with the matching
footprints, and "if the data owner can immediately determine that it will not be able to handle this request it
MUST respond with an appropriate 4xx".  A request matching more footprints than one event carries
(``max_footprints``, default MAX_ANSWER_FOOTPRINTS; MAX_ANSWER_BYTES) is refused at once (400 BadRequest, nothing
stored or queued): a request with no criteria made a 2.8 MB answer of 300 footprints, stored in the outbox for
every such request, and no footprint host accepts an event body over 1 MiB.  Truncating the list instead would
send an incomplete answer as a complete one.

The request's criteria are read exactly as ListFootprints reads its query parameters (lists of product,
company, classification and geography values, any of which matches; validOn/validAfter/validBefore; status),
so a request matches what the same client's ListFootprints with those filters would list.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from footprint.server import formats

REQUEST_CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
FULFILLED = "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
REJECTED = "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
#: PACT v3: a data owner tells a recipient which footprints were published (made available) to it, by id only; the
#: recipient then fetches them (GetFootprint), as that client, so the event carries no footprint data
PUBLISHED = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"
#: the ``source`` of a host whose public URL was not given (create_app without one; ``footprint serve`` always
#: gives one: --public-url, or the address it listens on)
DEFAULT_SOURCE = "urn:footprint:pact-host"
#: the most footprints one RequestFulfilled event carries (PACT v3: one event per request); ListFootprints' default
#: page.  A record's size is some 9 kB, so 100 stay near MAX_ANSWER_BYTES (``footprint serve --max-answer-footprints``)
MAX_ANSWER_FOOTPRINTS = 100
#: the largest answer event sent (bytes of JSON): what a footprint host accepts as an event body (create_app's
#: max_body), so an answer is never one its recipient refuses on every try
MAX_ANSWER_BYTES = 1024 * 1024
#: room kept in MAX_ANSWER_BYTES for the ``source`` stamped at sending (a URL)
SOURCE_ROOM = 2048
#: the most answers to one client's requests waiting in the outbox (pending); a further request is refused (400)
#: until they are delivered or failed.  Why: each request queued one answer whatever became of the others, so a
#: client whose endpoint never answers grew the outbox without end
MAX_PENDING_ANSWERS = 100
#: the most values one criterion (productId, companyId, classification, geography) of a RequestCreated may list.
#: Why: 200 000 product ids in a 1 MiB event became 200 000 SQL parameters and held the host 14 s (and on a
#: database with a lower parameter limit, an error); ListFootprints' 8 KiB query holds some hundreds at most
MAX_CRITERION_VALUES = 1000
#: The most events one client has stored at a time (RequestCreated and Published; answers are not stored, see
#: Store.receive), and their most characters of ``data`` in all.  Why: each event may be 1 MiB, and a client could
#: send them without end until the register's disk was full.  The server's worker forgets events after
#: RETENTION_DAYS (Store.prune), so this is a rolling window, not a life-long quota.
MAX_STORED_EVENTS = 1000
MAX_STORED_EVENT_CHARS = 16 * 1024 * 1024
#: How long received events and delivered answers are kept (days), and how many failed answers per client at most.
#: Why: the outbox and the events table grew by one row per request for ever.  A failed answer stays (for
#: ``footprint clients show``) until a later answer to that client was delivered and RETENTION_DAYS passed, or
#: until MAX_FAILED_KEPT newer failed ones replace it.
RETENTION_DAYS = 30
MAX_FAILED_KEPT = 100
#: the request's data members that are ListFootprints' key filters (PACT v3 names them alike)
KEY_MEMBERS = {"productId": "product", "companyId": "company", "classification": "classification",
               "geography": "geography"}
#: PACT v3's Error code for "nothing of what was asked can be given" (the conformance suite's #14 example uses it);
#: the same words whether no footprint matches or only footprints another client may see do (no leak)
REJECTED_CODE = "NotFound"
REJECTED_MESSAGE = "No footprint available to this client matches the request's criteria."


def request_criteria(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request's criteria as ListFootprints' filters: {'keys': {kind: [lower-cased values]}, 'valid_on', ...}.

    The event was validated first (app.validate_event): lists of strings, RFC 3339 date-times.
    """
    from footprint.server.store import utc_text

    keys: dict[str, list[str]] = {}
    for member, kind in KEY_MEMBERS.items():
        values = [str(v).strip().lower() for v in data.get(member) or [] if str(v).strip()]
        if values:
            keys[kind] = values
    moments: dict[str, str | None] = {}
    for member, name in (("validOn", "valid_on"), ("validAfter", "valid_after"), ("validBefore", "valid_before")):
        parsed = formats.date_time(data[member]) if isinstance(data.get(member), str) else None
        moments[name] = utc_text(parsed) if parsed is not None else None
    status = data.get("status") if isinstance(data.get("status"), str) else None
    return {"keys": keys, **moments, "status": status}


def answer_event(kind: str, request_id: str, time: str, pfs: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The CloudEvent answering request ``request_id``: kind 'RequestFulfilled' (with ``pfs``) or 'RequestRejected'.

    Without ``source``: the outbox stamps the host's at sending (``stamped``).
    """
    event: dict[str, Any] = {"specversion": "1.0", "id": str(uuid.uuid4()), "time": time}
    if kind == "RequestFulfilled":
        if not pfs:
            raise ValueError("a RequestFulfilled event names at least one footprint")
        event["type"] = FULFILLED
        event["data"] = {"requestEventId": request_id, "pfs": list(pfs)}
    else:
        event["type"] = REJECTED
        event["data"] = {"requestEventId": request_id,
                         "error": {"code": REJECTED_CODE, "message": REJECTED_MESSAGE}}
    return event


def published_event(pf_ids: Sequence[str], time: str) -> dict[str, Any]:
    """The PublishedEvent CloudEvent telling one client of the footprints ``pf_ids`` newly visible to it (without
    ``source``: stamped at sending)."""
    if not pf_ids:
        raise ValueError("a PublishedEvent names at least one footprint")
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "time": time, "type": PUBLISHED,
            "data": {"pfIds": list(pf_ids)}}


def stamped(event_json: str, source: str) -> bytes:
    """A queued event as sent: with this host's ``source`` (the same for every event and every attempt)."""
    event = json.loads(event_json)
    event["source"] = source
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def host_source(url: str) -> str:
    """The ``source`` of a host whose public URL is ``url`` (https, a host, no query), or ValueError saying why not."""
    problem = https_url(url, "the public URL")
    if problem:
        raise ValueError(problem)
    return url.rstrip("/")


def https_url(text: str, what: str) -> str | None:
    """Why ``text`` is not an https URL the host may send credentials or data to, or None.

    https only (the events carry footprints, the token request the secret), a host name, no user
    information (it would be sent as credentials), no query or fragment (the path is appended to).
    """
    try:
        parts = urlsplit(text)
        port = parts.port  # reads the port: ValueError if it is not a number in range
    except ValueError:
        return f"{what} is not a URL"
    del port
    if parts.scheme != "https":
        return f"{what} must be an https:// URL (events carry footprints, token requests the secret)"
    if not parts.hostname:
        return f"{what} names no host"
    if parts.username is not None or parts.password is not None:
        return f"{what} must not carry user information (user:password@)"
    if parts.query or parts.fragment:
        return f"{what} must not carry a query or fragment"
    if any(ord(c) < 33 or ord(c) == 127 for c in text):
        return f"{what} holds a space or control character"
    return None

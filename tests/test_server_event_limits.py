"""The PACT host's events as a hostile client sends them: bounded answers, bounded events, one host identity.

Trials against one real ``footprint serve`` (a child process over TLS, started once for the module) with a
requester's own TLS endpoint (tests/pactrecipient.py):

* a RequestCreated with no criteria was answered with every footprint the client may see, in one event (300
  records made a 2.8 MB RequestFulfilled, stored in the outbox for every such request, larger than any footprint
  host accepts); now a request matching more than ``--max-answer-footprints`` is refused at once (400), nothing
  stored or queued; a RequestFulfilled received with more footprints than that is refused too;
* a criterion listing 200 000 product ids became 200 000 SQL parameters (14 s of the host); now 400;
* a second, different event under an id the client had used was answered 200 and never answered; now 400;
* the answers took their CloudEvents ``source`` from the request's Host header (``Host: attacker.example``:
  ``source: https://attacker.example``) while PublishedEvents said ``urn:footprint:pact-host``; now both carry
  the host's one public URL (``--public-url``).
"""
from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from footprint.export.pact import to_pact
from footprint.server.publish import publish
from footprint.server.store import Store
from liveserver import certificate_or_skip
from pactrecipient import CLIENT_ID as REMOTE_ID, SECRET as REMOTE_SECRET, Recipient
from test_server import _declaration
from test_server_outbound import Host

PUBLIC_URL = "https://pact.example.test/pact"
MAX = 2
CE = "org.wbcsd.pact.ProductFootprint."
EVENT_CT = "application/cloudevents+json; charset=UTF-8"


@pytest.fixture(scope="module")
def served(tmp_path_factory, example_declaration):
    """A host with client 'buyer' (an event endpoint at a running recipient) seeing 3 footprints (its own, 2 public),
    serving with --max-answer-footprints 2 and --public-url."""
    home = tmp_path_factory.mktemp("limits")
    cert, key = certificate_or_skip(home)
    database = str(home / "host.sqlite")
    store = Store(database)
    store.prepare()
    secret = store.add_client("buyer")
    docs = [_declaration(example_declaration, "lim-buyer", "Alpha Magnets GmbH", country="DE"),
            _declaration(example_declaration, "lim-public-1", "Open Rare Earths", country="DE"),
            _declaration(example_declaration, "lim-public-2", "Open Oxides SA", country="FR")]
    publish(docs[0], to=["buyer"], database=database)
    for document in docs[1:]:
        publish(document, public=True, database=database)
    recipient = Recipient(cert, key)
    store.set_endpoint("buyer", recipient.url, recipient.url + "/auth/token", REMOTE_ID, REMOTE_SECRET, str(cert))
    host = Host(database, cert, key, home, home / "serve.log", extra=("--max-answer-footprints", str(MAX),
                                                                     "--public-url", PUBLIC_URL + "/"))
    http = httpx.Client(verify=str(cert), timeout=60)
    try:
        token = http.post(host.url + "/auth/token", data={"grant_type": "client_credentials"},
                          auth=("buyer", secret)).json()["access_token"]
        yield {"host": host, "http": http, "token": token, "recipient": recipient, "store": store, "db": database,
               "records": [to_pact(d) for d in docs], "example": example_declaration}
    finally:
        http.close()
        host.stop()
        recipient.stop()
        from footprint.market import db

        db.dispose(database)


def _send(served, kind: str, data: dict, event_id: str | None = None, **headers: str) -> tuple[str, httpx.Response]:
    event_id = event_id or str(uuid.uuid4())
    body = {"specversion": "1.0", "id": event_id, "source": "https://requester.example/3/events",
            "time": "2026-12-01T12:00:00Z", "type": CE + kind + "Event.3", "data": data}
    response = served["http"].post(served["host"].url + "/3/events", content=json.dumps(body),
                                   headers={"Authorization": f"Bearer {served['token']}", "Content-Type": EVENT_CT,
                                            **headers})
    return event_id, response


def _queued(served) -> list[str]:
    return [a["request_id"] for a in served["store"].client_report("buyer")["answers"]]


def test_a_request_matching_more_than_one_answer_carries_is_refused_at_once_and_nothing_is_queued(served):
    before = _queued(served)
    for criteria in ({}, {"status": "Active"}, {"geography": ["DE", "FR"]}):
        event_id, response = _send(served, "RequestCreated", criteria)
        assert response.status_code == 400, (criteria, response.text)
        body = response.json()
        assert body["code"] == "BadRequest" and "matches 3 footprints" in body["message"]
        assert f"at most {MAX} footprints" in body["message"] and "ListFootprints" in body["message"]
        assert event_id not in [e["id"] for e in served["store"].events()]  # not accepted: not stored
    assert _queued(served) == before
    # narrowed to what one answer carries: fulfilled, complete
    event_id, response = _send(served, "RequestCreated", {"geography": ["DE"]})
    assert response.status_code == 200, response.text
    answer = served["recipient"].wait_for(event_id)
    assert answer["type"] == CE + "RequestFulfilledEvent.3"
    assert sorted(pf["id"] for pf in answer["data"]["pfs"]) == sorted(r["id"] for r in served["records"][:2])


def test_an_event_received_with_more_footprints_than_the_host_sends_in_one_is_refused(served):
    pfs = [dict(served["records"][1], id=str(uuid.uuid4())) for _ in range(MAX + 1)]
    event_id, response = _send(served, "RequestFulfilled", {"requestEventId": "r-1", "pfs": pfs})
    assert response.status_code == 400 and response.json()["code"] == "BadRequest"
    assert f"data.pfs holds {MAX + 1}" in response.json()["message"]
    assert event_id not in [e["id"] for e in served["store"].events()]
    _, response = _send(served, "RequestFulfilled", {"requestEventId": "r-1", "pfs": pfs[:MAX]})
    assert response.status_code == 200, response.text


def test_a_criterion_listing_more_values_than_the_host_reads_is_refused(served):
    from footprint.server.answers import MAX_CRITERION_VALUES

    started = time.monotonic()
    event_id, response = _send(served, "RequestCreated", {"productId": ["urn:x"] * (MAX_CRITERION_VALUES + 1)})
    assert response.status_code == 400 and "data.productId lists" in response.json()["message"]
    assert time.monotonic() - started < 10
    assert event_id not in [e["id"] for e in served["store"].events()]
    # malformed lists were refused before and still are, each naming the field
    for bad in ("urn:x", [1], [], ["  "], {"a": 1}, None):
        _, response = _send(served, "RequestCreated", {"productId": bad})
        assert response.status_code == 400 and "data.productId" in response.json()["message"], bad


def test_a_used_event_id_with_other_data_is_refused_and_the_same_event_again_is_a_duplicate(served):
    event_id, first = _send(served, "RequestCreated", {"productId": ["urn:none"]})
    assert first.status_code == 200
    _, again = _send(served, "RequestCreated", {"productId": ["urn:none"]}, event_id)
    assert again.status_code == 200  # the same event sent again (CloudEvents: same source and id)
    _, other = _send(served, "RequestCreated", {"productId": served["records"][0]["productIds"]}, event_id)
    assert other.status_code == 400 and "a new id for each new event" in other.json()["message"]
    answer = served["recipient"].wait_for(event_id)
    assert answer["type"] == CE + "RequestRejectedEvent.3"  # the first request's answer, once
    time.sleep(1.0)
    assert [e["data"].get("requestEventId") for e in served["recipient"].received()].count(event_id) == 1


def test_answers_and_published_events_carry_the_hosts_one_public_url_whatever_host_the_request_names(served):
    event_id, response = _send(served, "RequestCreated", {"productId": ["urn:none"]}, Host="attacker.example")
    assert response.status_code == 200
    assert served["recipient"].wait_for(event_id)["source"] == PUBLIC_URL
    document = _declaration(served["example"], "lim-pushed", "Pushed Metals AG", country="AT")
    assert publish(document, to=["buyer"], database=served["db"]).pushed == {"buyer": [to_pact(document)["id"]]}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not served["recipient"].received("PublishedEvent.3"):
        time.sleep(0.1)
    [pushed] = served["recipient"].received("PublishedEvent.3")
    assert pushed["source"] == PUBLIC_URL and pushed["data"] == {"pfIds": [to_pact(document)["id"]]}
    assert {e["source"] for e in served["recipient"].received()} == {PUBLIC_URL}


def test_an_answer_over_the_byte_limit_is_refused_in_the_store(served):
    """MAX_ANSWER_BYTES (1 MiB, what a footprint host accepts as an event) bounds the answer when few large
    records match: the store refuses it as it refuses too many (some 110 records of this size)."""
    from footprint.server.store import RequestRefused

    event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "urn:x", "time": "2026-12-01T12:00:00Z",
             "type": CE + "RequestCreatedEvent.3", "data": {"geography": ["DE"]}}
    with pytest.raises(RequestRefused, match="bytes of answer"):
        served["store"].receive(event, "buyer", max_footprints=MAX, max_bytes=4096)
    assert event["id"] not in [e["id"] for e in served["store"].events()]
    assert served["store"].receive(event, "buyer", max_footprints=MAX).answer == "RequestFulfilled"


# ------------------------------------------------------------------ the outbox against an endpoint that never answers

@pytest.fixture()
def silent_world(tmp_path):
    """A database whose client 'silent' has an endpoint that accepts connections and never answers, and whose client
    'buyer' has a working one; no server runs (the outbox's code is driven here)."""
    import socket
    import threading

    cert, key = certificate_or_skip(tmp_path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def hold() -> None:
        while True:
            try:
                held.append(listener.accept()[0])  # accepted, never answered (not even the TLS handshake)
            except OSError:
                return

    threading.Thread(target=hold, daemon=True).start()
    database = str(tmp_path / "outbox.sqlite")
    store = Store(database)
    store.prepare()
    recipient = Recipient(cert, key)
    silent = f"https://127.0.0.1:{listener.getsockname()[1]}"
    for client, url in (("silent", silent), ("buyer", recipient.url)):
        store.add_client(client)
        store.set_endpoint(client, url, url + "/auth/token", REMOTE_ID, REMOTE_SECRET, str(cert))
    yield store, recipient
    recipient.stop()
    listener.close()
    for sock in held:
        sock.close()
    from footprint.market import db

    db.dispose(database)


def _request(store: Store, client: str, event_id: str):
    return store.receive({"specversion": "1.0", "id": event_id, "source": "urn:r", "time": "2026-12-01T12:00:00Z",
                          "type": CE + "RequestCreatedEvent.3", "data": {"productId": ["urn:none"]}}, client)


def test_an_endpoint_that_never_answers_holds_the_other_clients_answers_one_timeout_not_one_per_request(silent_world):
    from footprint.server.delivery import DeliveryPolicy, Outbox

    store, recipient = silent_world
    for k in range(4):
        _request(store, "silent", f"s-{k}")
    _request(store, "buyer", "b-1")
    started = time.monotonic()
    delivered = Outbox(store, DeliveryPolicy(attempts=5, backoff=60, timeout=1.5)).deliver_due()
    elapsed = time.monotonic() - started
    assert delivered == 1 and recipient.wait_for("b-1", 1)["type"] == CE + "RequestRejectedEvent.3"
    assert elapsed < 4.0, f"the round took {elapsed:.1f} s: one timeout per request of the silent client"
    tried = {a["request_id"]: a["attempts"] for a in store.client_report("silent")["answers"]}
    assert sorted(tried.values()) == [0, 0, 0, 1]  # one attempt this round; the others wait for the next


def test_a_client_with_too_many_answers_waiting_gets_its_further_requests_refused(silent_world):
    from footprint.server.answers import MAX_PENDING_ANSWERS
    from footprint.server.store import RequestRefused

    store, _recipient = silent_world
    for k in range(MAX_PENDING_ANSWERS):
        assert _request(store, "silent", f"p-{k}").answer == "RequestRejected"
    with pytest.raises(RequestRefused, match="wait to be delivered"):
        _request(store, "silent", "p-over")
    assert "p-over" not in [e["id"] for e in store.events()]
    assert _request(store, "buyer", "b-ok").answer == "RequestRejected"  # another client is not held by it


def test_an_endpoint_that_answers_a_byte_at_a_time_holds_an_attempt_no_longer_than_the_timeout(tmp_path):
    """urllib's timeout bounds each read: a recipient dripping its answer held the worker (all events) forever."""
    import socket
    import ssl
    import threading

    from footprint.server.delivery import DeliveryError, _context, _post

    cert, key = certificate_or_skip(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(str(cert), str(key))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def drip() -> None:
        try:
            conn = server.wrap_socket(listener.accept()[0], server_side=True)
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(0.3)
            conn.close()
        except OSError:
            pass

    threading.Thread(target=drip, daemon=True).start()
    url = f"https://127.0.0.1:{listener.getsockname()[1]}/3/events"
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryError, match="did not answer within 1.5 s"):
            _post(url, b"{}", {"Content-Type": "application/json"}, _context(str(cert)), 1.5, "the event endpoint")
        assert time.monotonic() - started < 4.0
    finally:
        stop.set()
        listener.close()


def test_the_command_lines_default_answer_size_is_the_hosts():
    """`serve --max-answer-footprints` shows its default without importing the server (a cold CLI): it must be
    the number the host uses when none is given (server.answers.MAX_ANSWER_FOOTPRINTS, ServeOptions)."""
    import cli
    from footprint.server.answers import MAX_ANSWER_FOOTPRINTS
    from footprint.server.run import ServeOptions

    option = next(p for p in cli.main.commands["serve"].params if p.name == "max_answer_footprints")
    assert option.default == MAX_ANSWER_FOOTPRINTS == ServeOptions().max_answer_footprints

"""The host answers a RequestCreated event: RequestFulfilled or RequestRejected, sent to the requester's endpoint.

PACT v3 (Action Events) and WBCSD's mandatory conformance cases #13 and #14.B: a data recipient that sends
``RequestCreatedEvent.3`` to ``POST /3/events`` waits for the host to send, to its own ``/3/events``, a
``RequestFulfilledEvent.3`` (``data.pfs``: the matching footprints, ``data.requestEventId``: the request's id)
or a ``RequestRejectedEvent.3`` (``data.error``).  The host stored the request, answered 200, and sent nothing.

Everything here is real: ``footprint serve`` in a child process (the CLI), a recipient with its own TLS server,
token endpoint and event endpoint (tests/pactrecipient.py), a self-signed certificate both use.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from footprint.export.pact import to_pact
from footprint.server.publish import publish
from footprint.server.store import Store
from liveserver import certificate_or_skip, stop_server
from pactrecipient import CLIENT_ID as REMOTE_ID, SECRET as REMOTE_SECRET, Recipient, free_port
from test_server import _declaration

REPO = Path(__file__).resolve().parents[1]
CREATED = "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"
EVENT_CT = "application/cloudevents+json; charset=UTF-8"


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from cli import main; main()", *args], cwd=REPO, text=True,
                          capture_output=True, timeout=120, env={**os.environ, "FOOTPRINT_HOME": str(home)})


class Host:
    """``footprint serve`` as a child process, its stderr (banner, event log) in a file."""

    def __init__(self, database: str, cert: Path, key: Path, home: Path, log: Path, *, attempts: int = 6,
                 backoff: float = 0.3, extra: tuple[str, ...] = ()):
        self.log = log
        self.stderr = open(log, "a", encoding="utf-8")
        start = log.stat().st_size
        command = [sys.executable, "-c", "from cli import main; main()", "serve", "--port", "0",
                   "--tls-cert", str(cert), "--tls-key", str(key), "--db", database,
                   "--access-log", str(log.with_suffix(".access")), "--event-attempts", str(attempts),
                   "--event-backoff", str(backoff), *extra]
        self.process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.stderr, env={**os.environ, "FOOTPRINT_HOME": str(home)})
        deadline = time.monotonic() + 60
        self.url = ""
        while time.monotonic() < deadline and not self.url and self.process.poll() is None:
            for line in log.read_text(encoding="utf-8")[start:].splitlines():
                if line.startswith("footprint serve: https://"):
                    self.url = line.split()[2]
            time.sleep(0.1)
        if not self.url:
            self.stop()
            raise RuntimeError("footprint serve did not start: " + log.read_text(encoding="utf-8")[-800:])

    def stop(self) -> None:
        stop_server(self.process)
        self.stderr.close()

    def wait_log(self, text: str, seconds: float = 30.0) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            content = self.log.read_text(encoding="utf-8")
            if text in content:
                return content
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not in the host's log: {self.log.read_text(encoding='utf-8')[-1500:]}")


@pytest.fixture()
def world(tmp_path, example_declaration):
    """A database with clients 'buyer' (records: its own, and a public one) and 'other' (a record only for it)."""
    cert, key = certificate_or_skip(tmp_path)
    database = str(tmp_path / "host.sqlite")
    store = Store(database)
    store.prepare()
    secrets_ = {name: store.add_client(name) for name in ("buyer", "other")}
    docs = {"buyer": _declaration(example_declaration, "out-buyer", "Alpha Magnets GmbH", country="DE"),
            "other": _declaration(example_declaration, "out-other", "Hidden Oxides SA", country="FR"),
            "public": _declaration(example_declaration, "out-public", "Open Rare Earths", country="DE")}
    publish(docs["buyer"], to=["buyer"], database=database)
    publish(docs["other"], to=["other"], database=database)
    publish(docs["public"], public=True, database=database)
    secret_file = tmp_path / "remote-secret.txt"
    secret_file.write_text(REMOTE_SECRET + "\n", encoding="utf-8")
    state = {"db": database, "store": store, "secrets": secrets_, "cert": cert, "key": key, "home": tmp_path,
             "records": {name: to_pact(doc) for name, doc in docs.items()}, "secret_file": secret_file,
             "hosts": [], "recipients": []}
    yield state
    for host in state["hosts"]:
        host.stop()
    for recipient in state["recipients"]:
        recipient.stop()
    from footprint.market import db

    db.dispose(database)


def _recipient(world, **kwargs) -> Recipient:
    recipient = Recipient(world["cert"], world["key"], **kwargs)
    world["recipients"].append(recipient)
    return recipient


def _host(world, **kwargs) -> Host:
    host = Host(world["db"], world["cert"], world["key"], world["home"], world["home"] / "serve.log", **kwargs)
    world["hosts"].append(host)
    return host


def _endpoint(world, client: str, url: str, *, secret_file: Path | None = None) -> None:
    done = _cli("clients", "endpoint", client, url, "--remote-client-id", REMOTE_ID, "--remote-secret-file",
                str(secret_file or world["secret_file"]), "--ca-file", str(world["cert"]), "--db", world["db"],
                home=world["home"])
    assert done.returncode == 0, done.stderr


def _request(world, host: Host, client: str, data: dict, event_id: str | None = None) -> str:
    """Send a RequestCreated as ``client`` (token, then POST /3/events); its id.  The answer must be 200."""
    event_id = event_id or f"{uuid.uuid4()}/13"
    with httpx.Client(verify=str(world["cert"]), timeout=30) as http:
        token = http.post(host.url + "/auth/token", data={"grant_type": "client_credentials"},
                          auth=(client, world["secrets"][client])).json()["access_token"]
        body = {"specversion": "1.0", "id": event_id, "source": "https://requester.example/3/events",
                "time": "2026-12-01T12:00:00Z", "type": CREATED, "data": data}
        response = http.post(host.url + "/3/events", content=json.dumps(body),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": EVENT_CT})
    assert response.status_code == 200, response.text
    return event_id


def _show(world, client: str) -> str:
    done = _cli("clients", "show", client, "--db", world["db"], home=world["home"])
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_request_matching_a_visible_footprint_is_fulfilled_with_it(world):
    recipient = _recipient(world)
    _endpoint(world, "buyer", recipient.url)
    host = _host(world)
    mine = world["records"]["buyer"]
    request_id = _request(world, host, "buyer", {"productId": mine["productIds"], "comment": "PCF please"})
    answer = recipient.wait_for(request_id)
    assert answer["type"] == "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3"
    assert answer["specversion"] == "1.0" and answer["source"] == host.url
    assert str(uuid.UUID(answer["id"])) == answer["id"] and answer["time"].endswith("Z")
    assert answer["data"]["requestEventId"] == request_id
    assert [pf["id"] for pf in answer["data"]["pfs"]] == [mine["id"]]
    assert answer["data"]["pfs"][0]["productIds"] == mine["productIds"]
    assert recipient.events[0]["content_type"].startswith("application/cloudevents+json")
    assert "delivered" in host.wait_log("RequestFulfilled answering request")
    assert "1 delivered" in _show(world, "buyer")


def test_request_matching_nothing_or_only_another_clients_footprint_is_rejected_without_a_leak(world):
    recipient = _recipient(world)
    _endpoint(world, "buyer", recipient.url)
    host = _host(world)
    hidden = world["records"]["other"]
    nothing = _request(world, host, "buyer", {"productId": ["urn:pact:null"]}, f"{uuid.uuid4()}/14.B")
    theirs = _request(world, host, "buyer", {"productId": hidden["productIds"]})
    for request_id in (nothing, theirs):
        answer = recipient.wait_for(request_id)
        assert answer["type"] == "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3"
        assert answer["data"]["requestEventId"] == request_id
        assert answer["data"]["error"]["code"] == "NotFound" and answer["data"]["error"]["message"]
        assert "pfs" not in answer["data"]
    # the two refusals say the same: nothing tells the buyer that another client's footprint matched
    assert recipient.wait_for(nothing)["data"]["error"] == recipient.wait_for(theirs)["data"]["error"]
    everything = json.dumps(recipient.received())
    assert hidden["id"] not in everything and hidden["productIds"][0] not in everything
    # by geography: the buyer's and the public record match, and another client's (FR): only the first two are sent
    both = _request(world, host, "buyer", {"geography": ["DE", "FR"]})
    sent = [pf["id"] for pf in recipient.wait_for(both)["data"]["pfs"]]
    assert sorted(sent) == sorted([world["records"]["buyer"]["id"], world["records"]["public"]["id"]])


def test_recipient_down_then_up_gets_the_answer_once_after_a_retry(world):
    port = free_port()
    _endpoint(world, "buyer", f"https://127.0.0.1:{port}")
    host = _host(world, attempts=20, backoff=0.3)
    request_id = _request(world, host, "buyer", {"productId": world["records"]["buyer"]["productIds"]})
    host.wait_log("attempt 1 of 20 failed")
    recipient = _recipient(world, port=port)
    answer = recipient.wait_for(request_id)
    assert answer["data"]["requestEventId"] == request_id
    host.wait_log("delivered (attempt")
    time.sleep(1.5)  # several backoff periods: nothing is sent again
    assert len(recipient.received()) == 1
    assert "1 delivered" in _show(world, "buyer")


def test_an_answer_not_delivered_before_a_restart_is_delivered_after_it(world):
    port = free_port()
    _endpoint(world, "buyer", f"https://127.0.0.1:{port}")
    first = _host(world, attempts=50, backoff=0.2)
    request_id = _request(world, host=first, client="buyer", data={"productId": ["urn:pact:null"]})
    first.wait_log("attempt 1 of 50 failed")
    first.stop()
    assert "1 pending" in _show(world, "buyer")
    recipient = _recipient(world, port=port)
    time.sleep(0.5)
    assert recipient.received() == []  # no host runs: nothing sent
    second = _host(world, attempts=50, backoff=0.2)
    answer = recipient.wait_for(request_id)
    assert answer["type"].endswith("RequestRejectedEvent.3")
    second.wait_log("delivered (attempt")
    time.sleep(1.0)
    assert len(recipient.received()) == 1 and "1 delivered" in _show(world, "buyer")


def test_the_same_request_sent_twice_is_answered_once(world):
    recipient = _recipient(world)
    _endpoint(world, "buyer", recipient.url)
    host = _host(world)
    data = {"productId": world["records"]["buyer"]["productIds"]}
    request_id = _request(world, host, "buyer", data)
    recipient.wait_for(request_id)
    assert _request(world, host, "buyer", data, request_id) == request_id  # 200 again: a duplicate
    time.sleep(1.5)
    assert len(recipient.received()) == 1


def test_a_refused_token_is_retried_then_failed_and_shown(world, tmp_path):
    recipient = _recipient(world)
    wrong = tmp_path / "wrong-secret.txt"
    wrong.write_text("not-what-the-recipient-issued\n", encoding="utf-8")
    _endpoint(world, "buyer", recipient.url, secret_file=wrong)
    host = _host(world, attempts=3, backoff=0.2)
    request_id = _request(world, host, "buyer", {"productId": world["records"]["buyer"]["productIds"]})
    log = host.wait_log("FAILED after 3 attempts")
    assert request_id in log and "answered HTTP 401" in log
    assert "not-what-the-recipient-issued" not in log
    shown = _show(world, "buyer")
    assert "1 failed" in shown and "token endpoint" in shown and "HTTP 401" in shown
    assert "not-what-the-recipient-issued" not in shown and REMOTE_SECRET not in shown
    assert recipient.received() == [] and [p for p, _s in recipient.refused] == ["/auth/token"] * 3


def test_a_client_without_endpoint_is_stored_answered_200_and_logged_as_not_answered(world):
    host = _host(world)
    request_id = _request(world, host, "other", {"productId": ["urn:pact:null"]})
    log = host.wait_log("not answered: the client has no event endpoint")
    assert request_id in log
    assert [e["id"] for e in world["store"].events()] == [request_id]
    shown = _show(world, "other")
    assert "event endpoint: none" in shown and "answers: none" in shown


def test_endpoint_command_refuses_plain_http_and_reads_the_secret_only_from_a_file(world):
    for url in ("http://127.0.0.1:9/", "https://user:pw@127.0.0.1/", "https://127.0.0.1/?x=1", "ftp://h/"):
        done = _cli("clients", "endpoint", "buyer", url, "--remote-client-id", REMOTE_ID, "--remote-secret-file",
                    str(world["secret_file"]), "--db", world["db"], home=world["home"])
        assert done.returncode == 2 and "Traceback" not in done.stderr, (url, done.stderr)
    done = _cli("clients", "endpoint", "buyer", "https://127.0.0.1", "--remote-client-id", REMOTE_ID,
                "--remote-secret", "on-the-command-line", "--db", world["db"], home=world["home"])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = _cli("clients", "endpoint", "nobody", "https://127.0.0.1", "--remote-client-id", REMOTE_ID,
                "--remote-secret-file", str(world["secret_file"]), "--db", world["db"], home=world["home"])
    assert done.returncode == 2 and "no client 'nobody'" in done.stderr
    _endpoint(world, "buyer", "https://recipient.example/pact/")
    shown = _show(world, "buyer")
    assert "https://recipient.example/pact/3/events" in shown and "https://recipient.example/pact/auth/token" in shown
    assert REMOTE_SECRET not in shown
    removed = _cli("clients", "remove", "buyer", "--db", world["db"], home=world["home"])
    assert removed.returncode == 0
    assert world["store"].endpoint("buyer") is None  # its credentials are gone with it


def test_store_queues_one_answer_per_request_in_the_transaction_that_stores_it(database, example_declaration,
                                                                                 tmp_path):
    """The decision and the outbox on both databases (SQLite, PostgreSQL), sent by the server's worker code."""
    from footprint.server.delivery import DeliveryPolicy, Outbox

    cert, key = certificate_or_skip(tmp_path)
    store = Store(database)
    store.prepare()
    store.add_client("buyer")
    store.add_client("other")
    mine = _declaration(example_declaration, "q-buyer", "Alpha Magnets GmbH", country="DE")
    theirs = _declaration(example_declaration, "q-other", "Hidden Oxides SA", country="FR")
    publish(mine, to=["buyer"], database=database)
    publish(theirs, to=["other"], database=database)
    recipient = Recipient(cert, key)
    try:
        store.set_endpoint("buyer", recipient.url, recipient.url + "/auth/token", REMOTE_ID, REMOTE_SECRET, str(cert))
        event = {"specversion": "1.0", "id": "r-1", "source": "urn:x", "time": "2026-12-01T12:00:00Z",
                 "type": CREATED,
                 "data": {"companyId": [to_pact(mine)["companyIds"][0], to_pact(theirs)["companyIds"][0]]}}
        first = store.receive(event, "buyer")
        again = store.receive(event, "buyer")
        assert (first.new, first.answer) == (True, "RequestFulfilled") and (again.new, again.answer) == (False, None)
        assert store.receive({**event, "id": "r-2"}, "other").answer is None  # no endpoint: nothing queued
        outbox = Outbox(store, DeliveryPolicy(attempts=2, backoff=0.1), "https://host.example")
        assert outbox.deliver_due() == 1 and outbox.deliver_due() == 0
        [answer] = recipient.received()
        assert answer["source"] == "https://host.example" and answer["data"]["requestEventId"] == "r-1"
        assert [pf["id"] for pf in answer["data"]["pfs"]] == [to_pact(mine)["id"]]
    finally:
        recipient.stop()
        from footprint.market import db

        db.dispose(database)

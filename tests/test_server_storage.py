"""What the PACT host keeps of what clients send, as a hostile client fills it: bounded events, a pruned outbox.

Trials against one real ``footprint serve`` (a child process over TLS, started once for the module):

* a RequestFulfilled or RequestRejected (this host sends no requests, so none answers anything of it) was stored,
  up to 1 MiB each, without end; now acknowledged 200 (WBCSD's docs #13/#14) and not stored;
* RequestCreated and Published events were stored without a per-client limit (a client without an endpoint
  filled the disk at 1 MiB an event); now at most ``MAX_STORED_EVENTS`` per client, then 400 BadRequest;
* delivered and failed outbox rows, and received events, were never pruned; now the server's worker forgets
  delivered rows and events after ``RETENTION_DAYS`` and failed rows once replaced, and ``footprint clients
  show`` still lists every pending and kept failed answer.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from footprint.server.answers import MAX_STORED_EVENTS, RETENTION_DAYS
from footprint.server.store import Store, utc_text
from liveserver import certificate_or_skip
from test_server_outbound import REPO, Host

CE = "org.wbcsd.pact.ProductFootprint."
EVENT_CT = "application/cloudevents+json; charset=UTF-8"
OLD = utc_text(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=RETENTION_DAYS + 10))
RECENT = utc_text(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
FAR = 1e12  # next_attempt: never due while the test runs (the worker must not touch these rows)


def _sql(database: str, statement: str, rows: list[dict]) -> None:
    from sqlalchemy import text

    from footprint.market import db

    with db.transaction(database, write=True) as conn:
        conn.execute(text(statement), rows)


def _outbox_row(client: str, request_id: str, state: str, created: str, delivered_at: str | None) -> dict:
    return {"c": client, "s": "urn:r", "r": request_id, "k": "RequestRejected", "e": "{}", "st": state,
            "n": FAR if state == "pending" else 0, "t": created, "d": delivered_at,
            "err": "HTTP 503" if state == "failed" else None}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A host with 'filler' (MAX_STORED_EVENTS - 1 events stored), 'keeper' (old and recent outbox rows and
    events, written before the server starts: its worker prunes at once) and 'sender', none with an endpoint."""
    home = tmp_path_factory.mktemp("storage")
    cert, key = certificate_or_skip(home)
    database = str(home / "host.sqlite")
    store = Store(database)
    store.prepare()
    secrets = {name: store.add_client(name) for name in ("filler", "keeper", "sender")}
    event = "INSERT INTO events (event_id, source, type, client_id, time, received_at, data) VALUES " \
            "(:e, 'urn:r', :t, :c, '2026-12-01T12:00:00Z', :r, '{\"pfIds\": []}')"
    _sql(database, event, [{"e": f"f-{k}", "t": CE + "PublishedEvent.3", "c": "filler", "r": RECENT}
                           for k in range(MAX_STORED_EVENTS - 1)])
    _sql(database, event, [{"e": e, "t": CE + "RequestCreatedEvent.3", "c": "keeper", "r": r}
                           for e, r in (("old-done", OLD), ("old-pending", OLD), ("new-done", RECENT))])
    _sql(database, "INSERT INTO outbox (client_id, request_source, request_id, kind, event, state, attempts, "
                   "next_attempt, last_error, created, delivered_at) VALUES (:c, :s, :r, :k, :e, :st, 1, :n, :err, "
                   ":t, :d)",
         [_outbox_row("keeper", "old-failed-replaced", "failed", OLD, None),
          _outbox_row("keeper", "old-done", "delivered", OLD, OLD),
          _outbox_row("keeper", "old-pending", "pending", OLD, None),
          _outbox_row("keeper", "new-done", "delivered", RECENT, RECENT),
          _outbox_row("keeper", "old-failed-last", "failed", OLD, None)])
    host = Host(database, cert, key, home, home / "serve.log")
    http = httpx.Client(verify=str(cert), timeout=60)
    try:
        tokens = {name: http.post(host.url + "/auth/token", data={"grant_type": "client_credentials"},
                                  auth=(name, secret)).json()["access_token"] for name, secret in secrets.items()}
        yield {"host": host, "http": http, "tokens": tokens, "store": store, "db": database, "home": home}
    finally:
        http.close()
        host.stop()
        from footprint.market import db

        db.dispose(database)


def _send(served, client: str, kind: str, data: dict, event_id: str | None = None) -> tuple[str, httpx.Response]:
    event_id = event_id or str(uuid.uuid4())
    body = {"specversion": "1.0", "id": event_id, "source": "https://requester.example/3/events",
            "time": "2026-12-01T12:00:00Z", "type": CE + kind + "Event.3", "data": data}
    response = served["http"].post(served["host"].url + "/3/events", content=json.dumps(body),
                                   headers={"Authorization": f"Bearer {served['tokens'][client]}",
                                            "Content-Type": EVENT_CT})
    return event_id, response


def _stored(served, client: str) -> list[str]:
    return [e["id"] for e in served["store"].events() if e["client_id"] == client]


def test_answers_to_requests_this_host_never_sent_are_acknowledged_and_not_stored(served, example_declaration):
    from footprint.export.pact import to_pact

    fulfilled, response = _send(served, "sender", "RequestFulfilled",
                                {"requestEventId": "never-sent", "pfs": [to_pact(example_declaration)]})
    assert response.status_code == 200 and response.content == b"", response.text
    rejected, response = _send(served, "sender", "RequestRejected",
                               {"requestEventId": "never-sent", "error": {"code": "NotFound", "message": "x" * 900_000}})
    assert response.status_code == 200 and response.content == b"", response.text
    assert fulfilled not in _stored(served, "sender") and rejected not in _stored(served, "sender")
    served["host"].wait_log(f"RequestRejected {rejected!r} of client sender acknowledged, not stored")


def test_a_client_gets_no_more_events_stored_than_the_limit_then_a_pact_bad_request(served):
    kept, response = _send(served, "filler", "RequestCreated", {"productId": ["urn:none"]})
    assert response.status_code == 200, response.text          # the last one the limit lets in
    for kind, data in (("RequestCreated", {"productId": ["urn:none"]}),
                       ("Published", {"pfIds": [str(uuid.uuid4())]})):
        refused, response = _send(served, "filler", kind, data)
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["code"] == "BadRequest" and f"at most {MAX_STORED_EVENTS} events" in body["message"]
        assert refused not in _stored(served, "filler")
    assert len(_stored(served, "filler")) == MAX_STORED_EVENTS
    _, response = _send(served, "filler", "RequestCreated", {"productId": ["urn:none"]}, event_id=kept)
    assert response.status_code == 200                          # the same event again: a duplicate, as before
    _, response = _send(served, "sender", "Published", {"pfIds": [str(uuid.uuid4())]})
    assert response.status_code == 200, response.text           # another client is not held by it


def test_the_running_server_prunes_old_rows_and_clients_show_still_reports_what_it_must(served):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answers = {a["request_id"]: a["state"] for a in served["store"].client_report("keeper")["answers"]}
        if "old-done" not in answers:
            break
        time.sleep(0.2)
    assert answers == {"old-pending": "pending", "new-done": "delivered", "old-failed-last": "failed"}
    assert sorted(_stored(served, "keeper")) == ["new-done", "old-pending"]
    shown = subprocess.run([sys.executable, "-c", "from cli import main; main()", "clients", "show", "keeper",
                            "--db", served["db"]], cwd=REPO, capture_output=True, text=True, timeout=120,
                           env={**os.environ, "FOOTPRINT_HOME": str(served["home"])})
    assert shown.returncode == 0, shown.stderr
    assert "answers: 1 delivered, 1 failed, 1 pending" in shown.stdout, shown.stdout
    assert "(delivered ones are kept 30 days)" in shown.stdout, shown.stdout  # the count is of the last 30 days
    assert "failed: RequestRejected for request 'old-failed-last' (1 attempt(s)): HTTP 503" in shown.stdout
    assert "pending: RequestRejected for request 'old-pending'" in shown.stdout
    served["host"].wait_log("pruned 1 event(s), 1 delivered and 1 failed outbox row(s)")


def test_a_request_sent_again_after_its_event_was_pruned_is_answered_again(tmp_path):
    """The outbox keeps a request's failed answer after its event is forgotten: the resend must not collide."""
    store = Store(str(tmp_path / "host.sqlite"))
    store.prepare()
    store.add_client("buyer")
    store.set_endpoint("buyer", "https://buyer.example", "https://buyer.example/auth/token", "host", "s")
    request = {"specversion": "1.0", "id": "r-1", "source": "urn:r", "time": "2026-12-01T12:00:00Z",
               "type": CE + "RequestCreatedEvent.3", "data": {"productId": ["urn:none"]}}
    assert store.receive(request, "buyer").answer == "RequestRejected"
    seq = store.due_answers(time.time(), 60)[0]["seq"]
    store.answer_failed_attempt(seq, "HTTP 503", None)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=RETENTION_DAYS + 1)
    assert store.prune(later)["events"] == 1
    again = store.receive(request, "buyer")
    assert again.new and again.answer == "RequestRejected"
    assert [a["state"] for a in store.client_report("buyer")["answers"]] == ["pending"]
    from footprint.market import db

    db.dispose(str(tmp_path / "host.sqlite"))

"""The host tells a client with an event endpoint what ``footprint publish`` made newly visible to it.

PACT v3 (Action Events): a data owner sends ``org.wbcsd.pact.ProductFootprint.PublishedEvent.3`` with
``data.pfIds``, the ids of the footprints published to the recipient, to the recipient's ``POST /3/events``.
The host stored such events from others but never sent one: a client learnt of a new or corrected record only by
polling ListFootprints.  Now ``publish`` queues one event per client in the outbox, in the publication's
transaction, and the running server's worker sends it as it sends the answers to requests.

Real throughout: the store on SQLite and PostgreSQL, the outbox worker's code, a recipient with its own TLS
server (tests/pactrecipient.py), and ``footprint publish``/``footprint serve`` as child processes.
"""
from __future__ import annotations

import json
import time

import pytest

from footprint.export.pact import to_pact
from footprint.server.delivery import DeliveryPolicy, Outbox
from footprint.server.publish import publish
from footprint.server.store import PublishError, Store
from liveserver import certificate_or_skip
from pactrecipient import CLIENT_ID as REMOTE_ID, SECRET as REMOTE_SECRET, Recipient, free_port
from test_server import _declaration
from test_server_outbound import Host, _cli

PUBLISHED = "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"


@pytest.fixture()
def certificate(tmp_path):
    return certificate_or_skip(tmp_path)


@pytest.fixture()
def hosted(database, certificate):
    """A database with clients alpha and beta, alpha with an event endpoint at a running recipient."""
    cert, _key = certificate
    store = Store(database)
    store.prepare()
    store.add_client("alpha")
    store.add_client("beta")
    recipient = Recipient(*certificate)
    store.set_endpoint("alpha", recipient.url, recipient.url + "/auth/token", REMOTE_ID, REMOTE_SECRET, str(cert))
    yield store, recipient
    recipient.stop()
    from footprint.market import db

    db.dispose(database)


def _send(store: Store) -> int:
    return Outbox(store, DeliveryPolicy(attempts=2, backoff=0.1)).deliver_due()


def _queued(store: Store, client: str) -> list[dict]:
    return [a for a in store.client_report(client)["answers"] if a["kind"] == "Published"]


def test_a_publication_to_a_client_with_an_endpoint_sends_it_one_published_event(hosted, database,
                                                                                  example_declaration):
    store, recipient = hosted
    document = _declaration(example_declaration, "push-alpha", "Alpha Magnets GmbH", country="DE")
    result = publish(document, to=["alpha"], database=database)
    pf_id = to_pact(document)["id"]
    assert result.pushed == {"alpha": [pf_id]}
    assert _send(store) == 1 and _send(store) == 0
    [event] = recipient.received()
    assert event["type"] == PUBLISHED and event["specversion"] == "1.0" and event["data"] == {"pfIds": [pf_id]}
    assert event["source"] and event["id"] and event["time"].endswith("Z")
    # published again to the same client: nothing new is visible, nothing is sent
    again = publish(document, to=["alpha"], database=database)
    assert again.pushed == {} and _send(store) == 0 and len(recipient.received()) == 1


def test_a_client_without_endpoint_and_another_clients_publication_queue_nothing(hosted, database,
                                                                                 example_declaration):
    store, recipient = hosted
    document = _declaration(example_declaration, "push-beta", "Beta Oxides SA", country="FR")
    result = publish(document, to=["beta"], database=database)  # beta has no endpoint; alpha may not see it
    assert result.pushed == {}
    assert _queued(store, "alpha") == [] and _queued(store, "beta") == []
    assert _send(store) == 0 and recipient.received() == []


def test_a_public_publication_and_a_wider_audience_tell_each_client_what_is_new_to_it(hosted, database,
                                                                                     example_declaration):
    store, recipient = hosted
    beta_only = _declaration(example_declaration, "push-wider", "Beta Oxides SA", country="FR")
    publish(beta_only, to=["beta"], database=database)
    wider = publish(beta_only, to=["beta", "alpha"], database=database)  # now alpha may see it too
    assert wider.pushed == {"alpha": [to_pact(beta_only)["id"]]}
    public = _declaration(example_declaration, "push-public", "Open Rare Earths", country="DE")
    assert publish(public, public=True, database=database).pushed == {"alpha": [to_pact(public)["id"]]}
    assert publish(public, to=["alpha"], database=database).pushed == {}  # alpha saw it already (public)
    assert _send(store) == 2
    assert [e["data"]["pfIds"] for e in recipient.received()] == [[to_pact(beta_only)["id"]], [to_pact(public)["id"]]]


def test_a_replacement_tells_the_readers_of_the_replaced_record(hosted, database, example_declaration):
    store, recipient = hosted
    old = _declaration(example_declaration, "push-old", "Alpha Magnets GmbH", country="DE")
    new = _declaration(example_declaration, "push-new", "Alpha Magnets GmbH", country="DE")
    publish(old, to=["alpha"], database=database)
    result = publish(new, to=["alpha"], database=database, replace=True)
    assert result.deprecated == [to_pact(old)["id"]] and result.pushed == {"alpha": [to_pact(new)["id"]]}
    assert _send(store) == 2
    assert recipient.received()[-1]["data"]["pfIds"] == [to_pact(new)["id"]]


def test_a_publication_that_fails_queues_nothing(hosted, database, example_declaration):
    store, recipient = hosted
    told = _declaration(example_declaration, "push-told", "Beta Oxides SA", country="FR")
    publish(told, to=["alpha"], database=database)
    document = _declaration(example_declaration, "push-failed", "Alpha Magnets GmbH", country="DE")
    with pytest.raises(PublishError):
        publish(document, to=["alpha", "nobody"], database=database)
    assert [a["pf_ids"] for a in _queued(store, "alpha")] == [[to_pact(told)["id"]]]
    assert _send(store) == 1 and [e["data"]["pfIds"] for e in recipient.received()] == [[to_pact(told)["id"]]]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_publish_command_queues_and_a_server_started_later_sends_it_once_even_across_a_restart(
        database, certificate, tmp_path, example_declaration):
    cert, key = certificate
    store = Store(database)
    store.prepare()
    store.add_client("alpha")
    port = free_port()  # the recipient is down at first
    secret = tmp_path / "secret.txt"
    secret.write_text(REMOTE_SECRET + "\n", encoding="utf-8")
    done = _cli("clients", "endpoint", "alpha", f"https://127.0.0.1:{port}", "--remote-client-id", REMOTE_ID,
                "--remote-secret-file", str(secret), "--ca-file", str(cert), "--db", database, home=tmp_path)
    assert done.returncode == 0, done.stderr
    document = _declaration(example_declaration, "push-cli", "Alpha Magnets GmbH", country="DE")
    path = tmp_path / "decl.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = _cli("publish", str(path), "--to", "alpha", "--db", database, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PublishedEvent queued for 1 client(s)" in done.stdout
    shown = _cli("clients", "show", "alpha", "--db", database, home=tmp_path).stdout
    assert "1 pending" in shown and to_pact(document)["id"] in shown
    log = tmp_path / "serve.log"
    first = Host(database, cert, key, tmp_path, log, attempts=50, backoff=0.2)
    try:
        first.wait_log("attempt 1 of 50 failed")
    finally:
        first.stop()
    recipient = Recipient(cert, key, port=port)
    try:
        second = Host(database, cert, key, tmp_path, log, attempts=50, backoff=0.2)
        try:
            second.wait_log("delivered (attempt")
            time.sleep(1.0)
        finally:
            second.stop()
        [event] = recipient.received()
        assert event["type"] == PUBLISHED and event["data"]["pfIds"] == [to_pact(document)["id"]]
    finally:
        recipient.stop()
        from footprint.market import db

        db.dispose(database)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_replacement_whose_preceding_ids_break_the_pact_schema_is_refused_and_nothing_is_queued(
        database, example_declaration):
    """precedingPfIds is added by the store after to_pact's schema check: the record served is now checked whole.

    Trial: a replaced record's id in the database that is not a UUID (a database written by hand or by another
    tool); before, the replacement was served with ``precedingPfIds: ["not-a-uuid"]``, exit 0.
    """
    from sqlalchemy import text

    from footprint.errors import FootprintError
    from footprint.market import db

    store = Store(database)
    store.prepare()
    store.add_client("alpha")
    store.set_endpoint("alpha", "https://recipient.example", "https://recipient.example/auth/token", REMOTE_ID,
                       REMOTE_SECRET)
    old = _declaration(example_declaration, "check-old", "Alpha Magnets GmbH", country="DE")
    new = _declaration(example_declaration, "check-new", "Alpha Magnets GmbH", country="DE")
    publish(old, to=["alpha"], database=database)
    with db.transaction(database, write=True) as conn:
        for table in ("published", "audiences", "pf_keys"):
            conn.execute(text(f"UPDATE {table} SET pf_id = 'not-a-uuid' WHERE pf_id = :p"), {"p": to_pact(old)["id"]})
        conn.execute(text("DELETE FROM outbox"))
    try:
        with pytest.raises(FootprintError, match="precedingPfIds"):
            publish(new, to=["alpha"], database=database, replace=True)
        assert store.client_report("alpha")["answers"] == []
        with db.transaction(database, write=False) as conn:
            rows = conn.execute(text("SELECT pf_id, status FROM published")).all()
        assert [tuple(r) for r in rows] == [("not-a-uuid", "Active")]
    finally:
        db.dispose(database)

"""The PACT host after its audit: events scoped by their sender, and corrections kept to their readers.

SQLite and PostgreSQL; the fixtures and helpers are tests/test_server.py's (clients alpha and beta,
records for each and for everyone).
"""
from __future__ import annotations

import copy
import json
import uuid

import pytest

from footprint.declaration.declaration import content_hash
from footprint.market import db
from footprint.server.publish import publish
from footprint.server.store import PublishError
from test_server import _bearer, _declaration, _event, _pf_id, _post_event, _token, host  # noqa: F401 (fixture)


# ------------------------------------------------------------------ events: (client, source, id)


def test_another_clients_event_under_the_same_source_and_id_does_not_block_the_senders_own(host):
    """CloudEvents ids are unique per source, which the sender chooses: beta sending an event under alpha's
    source and id first made alpha's own RequestCreated refused (HTTP 400).  Both are stored, each as its
    sender's; a resend by the same client is still a duplicate (200, stored once)."""
    source = "//alpha-buyer.example/3/events"
    squatter = dict(_event("RequestCreated", {"productId": ["urn:example:decoy"]}, "req-7"), source=source)
    mine = dict(_event("RequestCreated", {"productId": ["urn:example:wanted"]}, "req-7"), source=source)
    beta, alpha = _token(host, "beta"), _token(host, "alpha")
    assert _post_event(host, squatter, beta).status_code == 200
    response = _post_event(host, mine, alpha)
    assert response.status_code == 200 and response.content == b"", response.text
    for event, token in ((mine, alpha), (squatter, beta)):          # replays by the same sender: duplicates
        assert _post_event(host, event, token).status_code == 200
    stored = [(e["client_id"], e["source"], e["id"], e["data"]) for e in host["store"].events()]
    assert stored == [("beta", source, "req-7", {"productId": ["urn:example:decoy"]}),
                      ("alpha", source, "req-7", {"productId": ["urn:example:wanted"]})]


def test_a_replay_with_other_content_from_the_same_client_is_still_a_duplicate(host):
    """The same client's (source, id) again is the event it sent before, whatever it now carries."""
    token = _token(host, "alpha")
    first = _event("RequestCreated", {"productId": ["urn:example:first"]}, "req-9")
    assert _post_event(host, first, token).status_code == 200
    again = _event("RequestCreated", {"productId": ["urn:example:second"]}, "req-9")
    assert _post_event(host, again, token).status_code == 200
    assert [e["data"] for e in host["store"].events()] == [{"productId": ["urn:example:first"]}]


def _events_unique(database) -> list[list[str]]:
    import sqlalchemy

    with db.transaction(database, write=False) as conn:
        return sorted(sorted(u["column_names"]) for u in sqlalchemy.inspect(conn).get_unique_constraints("events"))


def test_migration_0008_from_an_empty_database_scopes_events_by_client(database):
    db.upgrade(database)
    assert db.current_revision(database) == db.head_revision() == "0008"
    assert _events_unique(database) == [["client_id", "event_id", "source"]]


def test_events_stored_at_0007_survive_the_upgrade_and_the_scope_is_per_client_after_it(host):
    """A store at revision 0007 with an event: the upgrade to 0008 keeps it (and its resend stays a duplicate);
    after it, another client's event of the same (source, id) is stored (SQLite and PostgreSQL)."""
    import sqlalchemy
    from alembic import command

    database = host["db"]
    with db.engine(database).begin() as conn:
        command.downgrade(db._alembic_config(conn), "0007")
        conn.execute(sqlalchemy.text(
            "INSERT INTO events (event_id, source, type, client_id, time, received_at, data) VALUES ('req-1', "
            "'//buyer.example/3/events', 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3', 'alpha', "
            "'2025-03-05T17:31:00Z', '2025-03-05T17:31:01Z', '{\"productId\": [\"urn:example:p\"]}')"))
    db.dispose(database)
    assert db.current_revision(database) == "0007"
    assert _events_unique(database) == [["event_id", "source"]]
    host["store"].prepare()
    assert db.current_revision(database) == "0008"
    assert _events_unique(database) == [["client_id", "event_id", "source"]]
    event = _event("RequestCreated", {"productId": ["urn:example:p"]}, "req-1")
    assert host["store"].store_event(event, "alpha") is False       # the same sender: a duplicate
    assert host["store"].store_event(event, "beta") is True         # another sender: its own event
    assert [(e["client_id"], e["data"]) for e in host["store"].events()] == [
        ("alpha", {"productId": ["urn:example:p"]}), ("beta", {"productId": ["urn:example:p"]})]
    with db.engine(database).begin() as conn, pytest.raises(RuntimeError, match="several clients share"):
        command.downgrade(db._alembic_config(conn), "0007")
    db.dispose(database)
    assert db.current_revision(database) == "0008"                  # the refused downgrade changed nothing

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


def test_a_replay_with_other_content_from_the_same_client_is_refused_and_the_same_content_is_a_duplicate(host):
    """The same client's (source, id) again is the event it sent before: the same content is a duplicate (200,
    stored once); other content under it is 400, since that request would be answered 200 and never answered
    (PACT v3: a request the data owner can tell at once it will not handle gets a 4xx).  This reverses the earlier
    "whatever it now carries" (200)."""
    token = _token(host, "alpha")
    first = _event("RequestCreated", {"productId": ["urn:example:first"]}, "req-9")
    assert _post_event(host, first, token).status_code == 200
    assert _post_event(host, first, token).status_code == 200
    again = _event("RequestCreated", {"productId": ["urn:example:second"]}, "req-9")
    refused = _post_event(host, again, token)
    assert refused.status_code == 400 and refused.json()["code"] == "BadRequest"
    assert "a new id for each new event" in refused.json()["message"]
    assert [e["data"] for e in host["store"].events()] == [{"productId": ["urn:example:first"]}]


def _events_unique(database) -> list[list[str]]:
    import sqlalchemy

    with db.transaction(database, write=False) as conn:
        return sorted(sorted(u["column_names"]) for u in sqlalchemy.inspect(conn).get_unique_constraints("events"))


def test_migration_0008_from_an_empty_database_scopes_events_by_client(database):
    db.upgrade(database)
    assert db.current_revision(database) == db.head_revision() == "0009"
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
    assert db.current_revision(database) == db.head_revision()
    assert _events_unique(database) == [["client_id", "event_id", "source"]]
    event = _event("RequestCreated", {"productId": ["urn:example:p"]}, "req-1")
    assert host["store"].store_event(event, "alpha") is False       # the same sender: a duplicate
    assert host["store"].store_event(event, "beta") is True         # another sender: its own event
    assert [(e["client_id"], e["data"]) for e in host["store"].events()] == [
        ("alpha", {"productId": ["urn:example:p"]}), ("beta", {"productId": ["urn:example:p"]})]
    with db.engine(database).begin() as conn:
        command.downgrade(db._alembic_config(conn), "0008")  # below the outbox (0009), which downgrades freely
    with db.engine(database).begin() as conn, pytest.raises(RuntimeError, match="several clients share"):
        command.downgrade(db._alembic_config(conn), "0007")
    db.dispose(database)
    assert db.current_revision(database) == "0008"                  # the refused downgrade changed nothing


# ------------------------------------------------------------------ publish --replace: the same readers


def _correction(first: dict, ident: str) -> dict:
    corrected = copy.deepcopy(first)
    corrected["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, ident)}"
    corrected["results"][0]["value"] *= 0.9
    corrected["content_sha256"] = content_hash(corrected)
    return corrected


def _status(host, name: str, pf_id: str) -> tuple[int, str | None]:
    response = host["client"].get(f"/3/footprints/{pf_id}", headers=_bearer(_token(host, name)))
    return response.status_code, (response.json()["data"]["status"] if response.status_code == 200 else None)


@pytest.mark.parametrize("old, new, words", [
    ({"to": ["alpha"]}, {"to": ["beta"]}, ("client alpha", "client beta", "--to alpha")),
    ({"to": ["alpha"]}, {"public": True}, ("client alpha", "everyone", "--to alpha")),
    ({"public": True}, {"to": ["alpha"]}, ("everyone", "client alpha", "--public")),
    ({"to": ["alpha"]}, {"to": ["alpha", "beta"]}, ("client alpha", "clients alpha, beta", "--to alpha")),
    ({"to": ["alpha", "beta"]}, {"to": ["alpha"]}, ("clients alpha, beta", "client alpha", "--to alpha --to beta")),
])
def test_a_correction_for_other_readers_is_refused_and_changes_nothing(host, example_declaration, old, new, words):
    """alpha's record, corrected with --replace for beta: alpha saw its footprint turn Deprecated and never its
    replacement, and beta's record named in precedingPfIds a record beta could not open (exit 0)."""
    first = _declaration(example_declaration, "decl-eps-v1", "Epsilon Metals AG", country="DE")
    publish(first, database=host["db"], **old)
    corrected = _correction(first, "decl-eps-v2")
    with pytest.raises(PublishError) as refused:
        publish(corrected, database=host["db"], replace=True, **new)
    message = str(refused.value)
    assert _pf_id(first) in message and "goes to the readers of the record it corrects" in message
    theirs, mine, flags = words
    assert f"visible to {theirs}," in message and f"visible to {mine}:" in message and f"({flags})" in message
    assert _status(host, "alpha", _pf_id(first)) == (200, "Active")        # nothing deprecated
    assert _status(host, "alpha", _pf_id(corrected))[0] == 404             # nothing published


@pytest.mark.parametrize("old, new", [
    ({"to": ["alpha"]}, {"to": ["alpha"]}),
    ({"public": True}, {"public": True}),
    ({"to": ["alpha", "beta"]}, {"to": ["beta", "alpha"]}),
    ({"to": ["alpha"], "public": True}, {"public": True}),   # public: everyone reads both, alpha included
])
def test_a_correction_for_the_same_readers_replaces_the_record(host, example_declaration, old, new):
    first = _declaration(example_declaration, "decl-zeta-v1", "Zeta Oxides SA", country="FR")
    publish(first, database=host["db"], **old)
    corrected = _correction(first, "decl-zeta-v2")
    assert publish(corrected, database=host["db"], replace=True, **new).deprecated == [_pf_id(first)]
    assert _status(host, "alpha", _pf_id(first)) == (200, "Deprecated")
    response = host["client"].get(f"/3/footprints/{_pf_id(corrected)}", headers=_bearer(_token(host, "alpha")))
    assert response.json()["data"]["precedingPfIds"] == [_pf_id(first)]


def test_the_cli_refuses_a_correction_for_other_readers_with_exit_2(host, example_declaration, tmp_path):
    from click.testing import CliRunner

    from cli import main

    first = _declaration(example_declaration, "decl-eta-v1", "Eta Magnets GmbH", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(_correction(first, "decl-eta-v2")), encoding="utf-8")
    done = CliRunner().invoke(main, ["publish", str(path), "--to", "beta", "--replace", "--db", host["db"]])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and "visible to client alpha" in done.output
    assert "visible to client beta" in done.output and "--to alpha" in done.output
    assert _status(host, "alpha", _pf_id(first)) == (200, "Active")


# ------------------------------------------------------------------ a record no client can open any more


def _status_in_database(host, pf_id: str) -> str:
    from sqlalchemy import text

    with db.transaction(host["db"], write=False) as conn:
        return conn.execute(text("SELECT status FROM published WHERE pf_id = :p"), {"p": pf_id}).scalar_one()


def test_a_record_whose_clients_were_all_removed_can_still_be_corrected(host, example_declaration):
    """alpha's record, then 'clients remove alpha': no client reads it, and every correction was refused, exit 2:
    without --replace (the same facility and period), with --replace to anyone (other readers than 'no client'),
    and nobody can be named as 'no client'.  Now --replace deprecates it and the correction does not name it in
    precedingPfIds (its readers could not open it); without --replace it is still refused."""
    first = _declaration(example_declaration, "decl-theta-v1", "Theta Metals AG", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    host["store"].remove_client("alpha")
    corrected = _correction(first, "decl-theta-v2")
    with pytest.raises(PublishError, match="publish it with --replace"):
        publish(corrected, to=["beta"], database=host["db"])
    done = publish(corrected, to=["beta"], database=host["db"], replace=True)
    assert done.deprecated == [_pf_id(first)] and done.unreadable == [_pf_id(first)]
    response = host["client"].get(f"/3/footprints/{_pf_id(corrected)}", headers=_bearer(_token(host, "beta")))
    assert response.status_code == 200 and "precedingPfIds" not in response.json()["data"]
    assert _status(host, "beta", _pf_id(first))[0] == 403                  # beta still cannot open the old one
    assert _status_in_database(host, _pf_id(first)) == "Deprecated"        # never two Active for one production


def test_the_cli_publishes_a_correction_of_a_record_nobody_reads(host, example_declaration, tmp_path):
    from click.testing import CliRunner

    from cli import main

    first = _declaration(example_declaration, "decl-iota-v1", "Iota Oxides SA", country="FR")
    publish(first, to=["alpha"], database=host["db"])
    host["store"].remove_client("alpha")
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(_correction(first, "decl-iota-v2")), encoding="utf-8")
    done = CliRunner().invoke(main, ["publish", str(path), "--to", "beta", "--replace", "--db", host["db"]])
    assert done.exit_code == 0, done.output
    assert f"replaced: PACT id {_pf_id(first)} is now Deprecated (no client could open it" in done.output


# ------------------------------------------------------------------ a replacement's audience stays its original's


def test_a_replacement_is_not_widened_past_the_readers_of_the_record_it_replaced(host, example_declaration):
    """--replace keeps a correction to the replaced record's readers, but publishing the correction again --to beta
    passed (exit 0): beta got a record whose precedingPfIds names one beta cannot open.  Now refused, unless the
    replaced record is published to beta first."""
    first = _declaration(example_declaration, "decl-kappa-v1", "Kappa Magnets GmbH", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    corrected = _correction(first, "decl-kappa-v2")
    publish(corrected, to=["alpha"], database=host["db"], replace=True)
    for wider in ({"to": ["beta"]}, {"public": True}):
        with pytest.raises(PublishError) as refused:
            publish(corrected, database=host["db"], **wider)
        message = str(refused.value)
        assert f"replaced PACT id {_pf_id(first)}, which is visible to client alpha" in message
        assert f"publish the replaced record (PACT id {_pf_id(first)}) to the new audience first" in message
        assert _status(host, "beta", _pf_id(corrected))[0] == 403          # nothing granted
    widened = publish(first, to=["beta"], database=host["db"])     # the original first: its replacement goes with it
    assert (widened.audiences, widened.successors) == (["beta"], [_pf_id(corrected)])
    assert publish(corrected, to=["beta"], database=host["db"]).audiences == []  # ... so this is already done
    response = host["client"].get(f"/3/footprints/{_pf_id(corrected)}", headers=_bearer(_token(host, "beta")))
    assert response.json()["data"]["precedingPfIds"] == [_pf_id(first)]
    assert _status(host, "beta", _pf_id(first)) == (200, "Deprecated")


def test_the_cli_refuses_widening_a_replacement_with_exit_2(host, example_declaration, tmp_path):
    from click.testing import CliRunner

    from cli import main

    first = _declaration(example_declaration, "decl-lambda-v1", "Lambda Oxides SA", country="FR")
    publish(first, to=["alpha"], database=host["db"])
    corrected = _correction(first, "decl-lambda-v2")
    publish(corrected, to=["alpha"], database=host["db"], replace=True)
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(corrected), encoding="utf-8")
    done = CliRunner().invoke(main, ["publish", str(path), "--public", "--db", host["db"]])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and "visible to client alpha" in done.output
    assert "--to alpha" in done.output and _status(host, "beta", _pf_id(corrected))[0] == 403

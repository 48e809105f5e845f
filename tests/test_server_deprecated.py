"""A replaced (Deprecated) record published to a new client goes with the record that replaces it.

The trial: a record published to alpha, a correction published with --replace (the record is Deprecated, the
correction names it in precedingPfIds), then ``footprint publish OLD.json --to beta``: exit 0, and beta saw the
Deprecated record with no successor it could open (403 on the correction).  Refusing it would leave no way to
give beta the correction at all (the correction is refused to readers who cannot open the record it replaces),
so the replacement is granted with it, in one transaction, and the command says so.
"""
from __future__ import annotations

import json

from footprint.server.publish import publish
from test_server import _bearer, _declaration, _pf_id, _token, host  # noqa: F401 (fixture)
from test_server_follow import _correction, _status


def test_a_deprecated_record_published_to_a_new_client_brings_its_replacement(host, example_declaration):
    first = _declaration(example_declaration, "decl-mu-v1", "Mu Magnets GmbH", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    corrected = _correction(first, "decl-mu-v2")
    publish(corrected, to=["alpha"], database=host["db"], replace=True)
    result = publish(first, to=["beta"], database=host["db"])
    assert result.audiences == ["beta"] and result.successors == [_pf_id(corrected)]
    assert _status(host, "beta", _pf_id(first)) == (200, "Deprecated")
    response = host["client"].get(f"/3/footprints/{_pf_id(corrected)}", headers=_bearer(_token(host, "beta")))
    assert response.status_code == 200 and response.json()["data"]["status"] == "Active"
    assert response.json()["data"]["precedingPfIds"] == [_pf_id(first)]
    listed = host["client"].get("/3/footprints", headers=_bearer(_token(host, "beta"))).json()["data"]
    assert {_pf_id(first), _pf_id(corrected)} <= {pf["id"] for pf in listed}


def test_a_chain_of_corrections_goes_to_its_end(host, example_declaration):
    first = _declaration(example_declaration, "decl-nu-v1", "Nu Oxides SA", country="FR")
    publish(first, to=["alpha"], database=host["db"])
    second = _correction(first, "decl-nu-v2")
    publish(second, to=["alpha"], database=host["db"], replace=True)
    third = _correction(second, "decl-nu-v3")
    publish(third, to=["alpha"], database=host["db"], replace=True)
    result = publish(first, to=["beta"], database=host["db"])
    assert result.successors == [_pf_id(second), _pf_id(third)]
    assert [_status(host, "beta", _pf_id(d)) for d in (first, second, third)] == [
        (200, "Deprecated"), (200, "Deprecated"), (200, "Active")]


def test_publishing_a_deprecated_record_to_everyone_makes_its_replacement_public(host, example_declaration):
    first = _declaration(example_declaration, "decl-xi-v1", "Xi Metals AG", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    corrected = _correction(first, "decl-xi-v2")
    publish(corrected, to=["alpha"], database=host["db"], replace=True)
    assert publish(first, public=True, database=host["db"]).successors == [_pf_id(corrected)]
    assert _status(host, "beta", _pf_id(corrected)) == (200, "Active")
    assert host["client"].get(f"/declarations/{_pf_id(corrected)}").status_code == 200


def test_a_record_deprecated_without_a_replacement_is_published_alone(host, example_declaration):
    first = _declaration(example_declaration, "decl-omicron-v1", "Omicron Oxides SA", country="FR")
    publish(first, to=["alpha"], database=host["db"])
    host["store"].deprecate(_pf_id(first))
    result = publish(first, to=["beta"], database=host["db"])
    assert result.audiences == ["beta"] and result.successors == []
    assert _status(host, "beta", _pf_id(first)) == (200, "Deprecated")


def test_the_cli_names_the_replacement_it_published_with_the_record(host, example_declaration, tmp_path):
    from click.testing import CliRunner

    from cli import main

    first = _declaration(example_declaration, "decl-pi-v1", "Pi Magnets GmbH", country="DE")
    publish(first, to=["alpha"], database=host["db"])
    corrected = _correction(first, "decl-pi-v2")
    publish(corrected, to=["alpha"], database=host["db"], replace=True)
    path = tmp_path / "first.json"
    path.write_text(json.dumps(first), encoding="utf-8")
    done = CliRunner().invoke(main, ["publish", str(path), "--to", "beta", "--db", host["db"]])
    assert done.exit_code == 0, done.output
    assert f"its replacement PACT id {_pf_id(corrected)} is now also visible to: beta" in done.output

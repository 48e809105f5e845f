"""A record of the earlier rule hash is taken only where the declaration does not contradict the library's rule.

Before: content_sha256(earlier=True) left out each process's product.name and conformity_assessment.module, and
the readers took that hash as the library's.  A declaration made by the earlier footprint under a copy of
rules/ndpr-oxide.yaml with ``module: "A (internal production control, no notified body)"`` recorded exactly the
library's earlier hash, and ``footprint market add`` registered it, exit 0 (as it did one made under a copy
renaming two products, and the shipped NdPr-oxide supplier declaration with its module edited and re-hashed).
Now what the declaration records of those fields is compared with the library's rule
(rule.earlier_record_problem), and a declaration made under another rule file must predate the change.
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli

REPO = Path(__file__).resolve().parents[1]
SUPPLIER = REPO / "examples" / "suppliers" / "ndpr-oxide-2025.json"
SELF_DECLARED = "A (internal production control, no notified body)"


def _shipped() -> dict:
    return json.loads(SUPPLIER.read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict, name: str = "d.json") -> Path:
    from footprint.inputs.upstream import content_hash

    document["content_sha256"] = content_hash(document)
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _market_add(tmp_path: Path, declaration: Path):
    return CliRunner().invoke(cli.main, ["market", "add", str(declaration), "--mass", "1000", "--year", "2025",
                                         "--register", str(tmp_path / "market.sqlite")])


def _under_a_copy(document: dict, created: str) -> dict:
    """``document`` as the earlier footprint wrote it under a copy of its rule: other rule file bytes."""
    changed = copy.deepcopy(document)
    other = hashlib.sha256(b"a copy of the rule with other product names").hexdigest()
    changed["rule"]["sha256"] = changed["provenance"]["rule"]["sha256"] = other
    changed["provenance"]["rule"]["path"] = "own/ndpr-oxide.yaml"
    changed["provenance"]["created"] = created
    return changed


def test_market_add_refuses_an_earlier_hash_beside_another_module(project, tmp_path):
    document = _shipped()
    document["conformity_assessment"]["module"] = SELF_DECLARED
    result = _market_add(tmp_path, _write(tmp_path, document))
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "provenance.rule.content_sha256" in result.stderr and "earlier hash" in result.stderr
    assert f"conformity_assessment.module is '{SELF_DECLARED}'" in result.stderr
    assert "Traceback" not in result.output


def test_market_add_refuses_an_earlier_hash_beside_another_main_product(project, tmp_path):
    document = _shipped()
    entry = next(a for a in document["allocation"] if a["process"] == "beneficiation")
    entry["main_product"] = entry["products"][0]["name"] = "rare-earth concentrate"
    result = _market_add(tmp_path, _write(tmp_path, document))
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "main_product is 'rare-earth concentrate'" in result.stderr


def test_an_earlier_hash_under_another_rule_file_made_after_the_change_is_refused(project, tmp_path):
    """Product names of processes without co-products are recorded nowhere: a declaration under another rule
    file than the library's is taken only if created while footprint still wrote the earlier hash."""
    result = _market_add(tmp_path, _write(tmp_path, _under_a_copy(_shipped(), "2026-12-02T06:23:57Z")))
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "created 2026-12-02T06:23:57Z, not before 2026-12-02T03:55:58Z" in result.stderr


def test_an_earlier_hash_under_another_rule_file_made_before_the_change_passes(project, tmp_path):
    result = _market_add(tmp_path, _write(tmp_path, _under_a_copy(_shipped(), "2026-01-15T00:00:00Z")))
    assert result.exit_code == 0, (result.exit_code, result.output)


def test_the_readers_of_a_supplier_declaration_refuse_it_too(project, tmp_path):
    """rule_check (a buyer declaring with the supplier's file) took the earlier hash as the library's rule."""
    from footprint.errors import FootprintError
    from footprint.inputs import rule, upstream

    document = _shipped()
    document["conformity_assessment"]["module"] = SELF_DECLARED
    with pytest.raises(FootprintError, match="conformity_assessment.module is 'A ") as caught:
        upstream.read(_write(tmp_path, document))  # reading a supplier's file checks its rule (rule_check)
    assert "provenance.rule.content_sha256 cbe69c7ffb37" in str(caught.value)
    library = rule.library_rule("ndpr-oxide")
    recorded = document["provenance"]["rule"]["content_sha256"]
    assert rule.recorded_content_agrees(recorded, library, document) is False
    assert rule.recorded_content_agrees(recorded, library, _shipped()) is None


def test_verify_no_longer_calls_such_a_record_a_warning(project, tmp_path):
    """verify's compare took the earlier hash as a warning whatever the declaration said beside it."""
    from footprint.declaration.verify import compare

    declared = _shipped()
    recomputed = copy.deepcopy(declared)
    recomputed["provenance"]["rule"]["path"] = str(REPO / "rules" / "ndpr-oxide.yaml")
    declared["conformity_assessment"]["module"] = SELF_DECLARED
    recomputed["provenance"]["rule"]["content_sha256"] = "0" * 64
    outcome = compare(declared, recomputed)
    hashed = next(d for d in outcome.differences if d.item == "provenance.rule.content_sha256")
    assert hashed.severity == "failure"
    declared["conformity_assessment"]["module"] = recomputed["conformity_assessment"]["module"]
    hashed = next(d for d in compare(declared, recomputed).differences if d.item == "provenance.rule.content_sha256")
    assert hashed.severity == "warning"


@pytest.mark.parametrize("supplier", sorted((REPO / "examples" / "suppliers").glob("*.json")), ids=lambda p: p.name)
def test_the_shipped_suppliers_still_enter_the_market(project, tmp_path, supplier):
    result = _market_add(tmp_path, supplier)
    assert result.exit_code == 0, (result.exit_code, result.output)

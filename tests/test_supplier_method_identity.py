"""A supplier's declaration is added to ours only when its factors are ours, category by category.

Every footprint declaration says ``method.name: EF v3.1``; what tells the factors apart is the content
hash of each category's factors it records (``provenance.methods``).  A supplier who declared with another
CF extension (other rare-earth ADP factors in footprint/data/adp-ree-extension.yaml) had its
resource-use value summed with ours, exit 0 (trial: the NdPr-metal example on such an NdPr-oxide
declaration, resource use 0.657 instead of about 1e-4 kg Sb-Eq per kg).  These tests fail on the code
that compared the method name only.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import footprint
from footprint.errors import FootprintError
from footprint.inputs import upstream

import downstream as downstream_rule  # tests/downstream.py (conftest puts tests/ on the path)

RULE = downstream_rule.rule("test-method-identity", supplementary=("crustal_scarcity",))


def _row(document: dict, category: str) -> dict:
    return next(r for r in upstream.all_results(document) if r["category"] == category)


@pytest.fixture()
def downstream(tmp_path, example_declaration) -> tuple[Path, Path, Path]:
    """A rule consuming 1.2 t of the NdPr oxide example's declaration per t of metal."""
    return downstream_rule.write(tmp_path, example_declaration, RULE)


def _other_factors(supplier: Path, example_declaration: dict, category: str, *, scale: float = 1000.0,
                   keep_hashes: bool = True, extension_sha: str | None = None) -> None:
    """The supplier's file as another installation writes it: ``category`` from other factors (its value and the
    hash of its factors differ), hashed again as that installation's declare would."""
    document = json.loads(json.dumps(example_declaration))
    _row(document, category)["value"] *= scale
    methods = document["provenance"]["methods"]
    if keep_hashes:
        methods[category] = {**methods[category], "sha256": "f" * 64}
    else:
        del document["provenance"]["methods"]
    if extension_sha is not None:
        document["method"]["extensions"][0]["sha256"] = extension_sha
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))


@pytest.mark.parametrize("category", ["resource_use_minerals_metals", "crustal_scarcity", "climate_change"])
def test_a_supplier_characterised_with_other_factors_is_refused_naming_file_category_and_hashes(
        project, downstream, example_declaration, category):
    rule_path, data_path, supplier = downstream
    ours = example_declaration["provenance"]["methods"][category]["sha256"]
    _other_factors(supplier, example_declaration, category)
    with pytest.raises(FootprintError) as caught:
        footprint.declare(rule_path, data_path)
    error = caught.value
    assert error.exit_code == 2
    text = str(error)
    assert "ndpr-oxide.json" in text and f"'{category}'" in text and "other factors" in text
    assert "f" * 16 in text and ours[:16] in text
    assert error.field == "processes.reduction.inputs[0].declaration"


def test_the_cli_refuses_it_with_exit_2_and_writes_nothing(project, downstream, example_declaration, tmp_path):
    from click.testing import CliRunner

    from cli import main

    rule_path, data_path, supplier = downstream
    _other_factors(supplier, example_declaration, "resource_use_minerals_metals")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["declare", str(rule_path), str(data_path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "resource_use_minerals_metals" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_supplier_with_our_factors_is_taken_as_before(project, downstream):
    rule_path, data_path, _supplier = downstream
    document = footprint.declare(rule_path, data_path)
    assert [s["product"] for s in document["provenance"]["upstream_declarations"]] == ["NdPr oxide"]


def test_without_per_category_hashes_the_same_method_files_are_taken(project, downstream, example_declaration):
    """A declaration recording no provenance.methods (written before footprint recorded them) computed from the
    same bw2io file and CF extension has our factors: taken, with the same numbers."""
    rule_path, data_path, supplier = downstream
    before = footprint.declare(rule_path, data_path)
    _other_factors(supplier, example_declaration, "climate_change", scale=1.0, keep_hashes=False)
    after = footprint.declare(rule_path, data_path)
    assert _row(after, "climate_change")["value"] == pytest.approx(_row(before, "climate_change")["value"], rel=1e-12)


def test_without_per_category_hashes_another_extension_is_refused(project, downstream, example_declaration):
    rule_path, data_path, supplier = downstream
    _other_factors(supplier, example_declaration, "resource_use_minerals_metals", keep_hashes=False,
                   extension_sha="e" * 64)
    with pytest.raises(FootprintError, match=r"records no hash of its '[a-z_]+' factors") as caught:
        footprint.declare(rule_path, data_path)
    assert "ndpr-oxide.json" in str(caught.value) and "eeeeeeeeeeee" in str(caught.value)


def test_verify_and_batch_refuse_it_too(project, downstream, example_declaration, tmp_path, monkeypatch):
    """A buyer's declaration made on such a supplier (as the earlier code made it) fails verify; a batch row too."""
    rule_path, data_path, supplier = downstream
    _other_factors(supplier, example_declaration, "resource_use_minerals_metals")
    with monkeypatch.context() as patched:  # the earlier code: the method name alone was compared
        patched.setattr(upstream, "check_methods", lambda *args, **kwargs: None)
        mixed = footprint.declare(rule_path, data_path)
    written = tmp_path / "mixed.json"
    written.write_text(footprint.api._declaration.to_json(mixed))
    with pytest.raises(FootprintError, match="other factors"):
        footprint.api.verify_declaration(written, data_path, rule=rule_path)
    outcomes = footprint.api.declare_many([(rule_path, data_path)])
    assert outcomes[0].status == "error" and "other factors" in outcomes[0].message


def test_coverage_of_the_data_refuses_the_supplier_as_declare_does(project, downstream, example_declaration):
    """Old code: 'inventories coverage --data' built the system apart from declare's _prepare and listed the
    supplier characterised with other factors as covering climate change, exit 0."""
    from click.testing import CliRunner

    from cli import main

    rule_path, data_path, supplier = downstream
    listed = footprint.inventory_coverage(rule_path, data_path)  # the supplier as written: listed
    assert listed is not None
    _other_factors(supplier, example_declaration, "climate_change")
    with pytest.raises(FootprintError) as caught:
        footprint.inventory_coverage(rule_path, data_path)
    assert caught.value.field == "processes.reduction.inputs[0].declaration" and "'climate_change'" in str(caught.value)
    result = CliRunner().invoke(main, ["inventories", "coverage", str(rule_path), "--data", str(data_path)])
    assert result.exit_code == 2, result.output
    assert "other factors" in result.stderr and "Traceback" not in result.output

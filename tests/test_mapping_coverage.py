"""A declared category's coverage counts the imported datasets a ``--mapping`` puts in the library's place.

Coverage was judged over the library's datasets only.  With every background input mapped to an imported
database, no library dataset was left, and a declaration whose climate change came wholly from imported
datasets read "partial: only the producer's own emissions give a value; no dataset or supplier's
declaration is used" (exit 0; ``--strict`` refused it on that false ground).  An imported dataset now
covers a category where its cradle-to-gate score is not zero (engine.mapping.imported_coverage, the same
reading the CFF's Ev line is applied by), and one whose score is zero there is named as not covering it.

The case is tests/test_cff_mapping.py's (CFF, A = 0.2, R1 = 0.5, 100 kg of product): the recycling process
emits 500 kg CO2, 1 kg SO2 and 10 g PM2.5; 50 kg of virgin alloy is bought, its rule default and the rule's
Ev both ``chemical/ammonium-sulphate``; the mapping replaces that dataset by the imported
"acid production, test" (bg-jl, 0.20596 kg CO2e/kg from CO2 and CH4 only: nothing in acidification or
particulate matter).  Every background input is then imported.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from test_background import imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl, imported once)
from test_cff import _value  # noqa: E402
from test_cff_mapping import CODE_ENTRY, EV_LIBRARY, MAPPED, REL, _case, _mapping  # noqa: E402

import footprint  # noqa: E402
from footprint.api import StrictQualityError  # noqa: E402

ACID = "imported dataset bg-jl: 'acid production, test'"
RATED = f"""database: bg-jl
map:
  {EV_LIBRARY}: {{name: "acid production, test", dqr: {{TeR: 2, GeR: 2, TiR: 2, P: 2}}}}
"""

#: the headline categories the imported acid's cradle-to-gate score is not zero in (engine.mapping.imported_coverage)
COVERED = ["climate_change", "photochemical_ozone_formation", "ecotoxicity_freshwater"]


def _results(document: dict) -> dict[str, dict]:
    return {r["category"]: r for r in document["results"]}


def _declared(rule_path: Path, categories: list[str]) -> None:
    rule = yaml.safe_load(rule_path.read_text())
    rule["impact_categories"]["declared"] = categories
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))


def test_a_category_characterised_through_imported_datasets_is_complete(imported, tmp_path):
    """Climate change: the imported acid's score is 0.20596 (not zero), the only dataset used: complete.
    The old code said "partial: only the producer's own emissions give a value"."""
    rule_path, data_path = _case(tmp_path)
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, CODE_ENTRY))
    assert _value(document) == pytest.approx(MAPPED, rel=REL)  # the number is not touched: 1.185364
    climate = _results(document)["climate_change"]
    assert climate["coverage"] == "complete" and not climate.get("coverage_note")
    assert not [w for w in document["data_quality"]["warnings"] if "climate_change is partial" in w]
    assert not [w for w in document["data_quality"]["warnings"] if "only the producer's own emissions" in w]


def test_an_imported_dataset_with_a_zero_score_does_not_cover_the_category(imported, tmp_path):
    """Acidification: the recycling's SO2 gives it a value, the imported acid's score is zero there: partial,
    naming the imported dataset (not "only the producer's own emissions", no dataset being named at all)."""
    rule_path, data_path = _case(tmp_path)
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, CODE_ENTRY))
    for category in ("acidification", "particulate_matter"):
        result = _results(document)[category]
        assert result["coverage"] == "partial"
        assert ACID in result["coverage_note"] and "only the producer's own emissions" not in result["coverage_note"]
    (listed,) = [p for p in document["data_quality"]["partial_coverage"] if p["dataset"] == ACID]
    assert "climate_change" in listed["covers"] and "acidification" not in listed["covers"]
    (missing,) = listed["missing"]
    assert {"acidification", "particulate_matter"} <= set(missing["categories"])
    assert "climate_change" not in missing["categories"]


def test_strict_declares_a_category_fully_characterised_through_an_import(imported, tmp_path):
    """Declared: climate change, photochemical ozone formation, freshwater ecotoxicity, the three categories the
    imported acid's score is not zero in (its CO2 and CH4; EF 3.1 gives methane a POCP and an ecotoxicity
    factor), the acid rated (DQR 2, within the rule's 5): nothing is partial, so --strict writes the
    declaration (the old code refused it: every category 'partial: only the producer's own emissions')."""
    rule_path, data_path = _case(tmp_path)
    _declared(rule_path, COVERED)
    mapping = _mapping(tmp_path, RATED)
    document = footprint.declare(rule_path, data_path, mapping=mapping, strict=True)
    assert {c: r["coverage"] for c, r in _results(document).items()} == dict.fromkeys(COVERED, "complete")
    from click.testing import CliRunner

    import cli

    out = tmp_path / "strict.json"
    run = CliRunner().invoke(cli.main, ["declare", str(rule_path), str(data_path), "-o", str(out),
                                        "--mapping", str(mapping), "--strict"])
    assert run.exit_code == 0, run.output
    assert out.exists() and "Traceback" not in run.output


def test_declare_batch_and_verify_by_both_solvers_agree_on_the_imported_coverage(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    assert_paths_agree(rule_path, data_path, _mapping(tmp_path, CODE_ENTRY), tmp_path)


def assert_paths_agree(rule_path: Path, data_path: Path, mapping: Path, tmp_path: Path) -> None:
    """declare, declare_many and verify by both solvers give one document under ``mapping`` (coverage and notes
    are compared too)."""
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    document = footprint.declare(rule_path, data_path, mapping=mapping, created=created)
    (outcome,) = footprint.declare_many([{"rule": str(rule_path), "data": str(data_path), "mapping": str(mapping)}],
                                        created=created)
    assert outcome.status == "ok" and outcome.document["content_sha256"] == document["content_sha256"]
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    for reference in (True, False):  # coverage and its notes are compared too
        checked = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping, reference=reference)
        assert checked.ok, [vars(d) for d in checked.failures][:5]


def test_strict_still_refuses_a_category_an_import_gives_no_value(imported, tmp_path):
    """Acidification declared: the imported acid's score is zero there, so it stays partial and --strict refuses."""
    rule_path, data_path = _case(tmp_path)
    _declared(rule_path, [*COVERED[:2], "acidification"])
    with pytest.raises(StrictQualityError, match=r"acidification is partial: some inputs give no value .*"
                                                 r"imported dataset bg-jl: 'acid production, test'"):
        footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, RATED), strict=True)


# ----------------------------------------------------------------------------- before declaring: the coverage command


def _command(rule_path: Path, data_path: Path, mapping: Path | None) -> dict[str, str]:
    report = footprint.inventory_coverage(rule_path, data_path, mapping=mapping)
    return {c.category: c.status for c in report.categories}


@pytest.mark.parametrize("declared", [None, COVERED], ids=["the rule's categories", "the three the import covers"])
def test_the_coverage_command_with_the_mapping_shows_what_the_declaration_will_say(imported, tmp_path, declared):
    """'inventories coverage --data --mapping' reads the mapping as declare does (the same _prepare, map_system and
    imported_coverage): per category, the coverage the declaration made with the same mapping records.

    Without --mapping the command reads the library's ammonium sulphate the mapping replaces (climate change only):
    with the three categories the import covers declared, photochemical ozone formation and freshwater
    ecotoxicity read "none" (declare without the mapping would refuse them) where the declaration with the
    mapping says complete.  The old command had no --mapping at all."""
    rule_path, data_path = _case(tmp_path)
    if declared:
        _declared(rule_path, declared)
    for text in (CODE_ENTRY, RATED):
        mapping = _mapping(tmp_path, text, f"map-{len(text)}.yaml")
        document = footprint.declare(rule_path, data_path, mapping=mapping)
        made = {c: r["coverage"] for c, r in _results(document).items()}
        assert _command(rule_path, data_path, mapping) == made
    if declared:
        assert made == dict.fromkeys(COVERED, "complete")
        assert _command(rule_path, data_path, None) != made  # the library's dataset: what the mapping replaces
    else:  # the imported acid is complete where its score is not zero, and named where it is zero
        assert made["climate_change"] == "complete" and made["acidification"] == "partial"
    report = footprint.inventory_coverage(rule_path, data_path, mapping=mapping)
    climate = next(c for c in report.categories if c.category == "climate_change")
    assert [(d.code, d.status) for d in climate.imported] == [(ACID, "complete")]
    assert "chemical/ammonium-sulphate" not in [d.code for d in climate.datasets]  # mapped away


def test_the_coverage_command_says_imported_coverage_is_read_from_scores(imported, tmp_path):
    from click.testing import CliRunner

    import cli

    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, CODE_ENTRY)
    argv = ["inventories", "coverage", str(rule_path), "--data", str(data_path), "--mapping", str(mapping)]
    run = CliRunner().invoke(cli.main, argv)
    assert run.exit_code == 0, run.output
    assert f"with the mapping {mapping.as_posix()}" in run.output.splitlines()[0]
    assert f"complete {ACID}: its cradle-to-gate score is not zero in this category (read from its score" in run.output
    assert f"none     {ACID}: its cradle-to-gate score is zero in this category" in run.output
    assert "coverage read from their cradle-to-gate scores" in run.output
    assert "its mapping entry states no gaps" in run.output
    as_json = CliRunner().invoke(cli.main, [*argv, "--json"])
    assert as_json.exit_code == 0, as_json.output
    import json

    categories = {c["category"]: c for c in json.loads(as_json.output)["categories"]}
    assert categories["acidification"]["imported"] == [
        {"code": ACID, "status": "none", "explanation": "its cradle-to-gate score is zero in this category (read "
                                                        "from its score: its mapping entry states no gaps)"}]


def test_the_coverage_command_refuses_a_mapping_without_data(imported, tmp_path):
    """A mapping retargets one producer's inventory; the rule's defaults are not one: refused, naming --data."""
    from click.testing import CliRunner

    import cli

    rule_path, _data_path = _case(tmp_path)
    run = CliRunner().invoke(cli.main, ["inventories", "coverage", str(rule_path), "--mapping",
                                        str(_mapping(tmp_path, CODE_ENTRY))])
    assert run.exit_code == 2 and "--mapping needs --data" in run.output and "Traceback" not in run.output

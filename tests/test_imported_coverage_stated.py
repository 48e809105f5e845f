"""A mapping entry states what its imported dataset misses (``gaps``), and coverage says so.

An imported dataset counted as complete in every category its cradle-to-gate score is not zero in, and its
mapping entry could say nothing else (``gaps`` was refused as an unknown key).  A user-built partial import
(the sample acid here: CO2 and CH4 only, no N2O, no SO2) read "complete" for climate change in the
declaration and in ``inventories coverage --mapping``, exit 0.  An entry's ``gaps`` (categories, flows,
reason: the shape a library dataset states its gaps in) now makes it partial there, with the reason; a zero
score stays "none" whatever is stated; malformed statements are refused (exit 2, file/field/value/expected);
the declared numbers do not move (the CFF's Ev line is still applied where the score gives a value); and an
entry stating nothing gets a note naming the dataset: its coverage rests on its score alone.

The case is tests/test_mapping_coverage.py's (tests/test_cff_mapping.py: CFF, Ev and the virgin alloy both
the imported "acid production, test" of bg-jl, 1.185364 kg CO2e per kg of product, every background input
imported), and the example producer with the sample electricity of bg-es (tests/test_background.py).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from test_background import EXAMPLE, imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl)
from test_cff import _value  # noqa: E402
from test_cff_mapping import EV_LIBRARY, MAPPED, REL, _case, _mapping  # noqa: E402
from test_mapping_coverage import _declared, _results, assert_paths_agree  # noqa: E402  (the same edits and checks)

import cli  # noqa: E402
import footprint  # noqa: E402
from footprint.api import StrictQualityError  # noqa: E402
from footprint.data.background import MappingError  # noqa: E402

ACID = "imported dataset bg-jl: 'acid production, test'"
ELECTRICITY = "imported dataset bg-es: 'electricity production, test'"
FLOWS = "N2O of the electricity used; process CH4"
REASON = "our own import inventories fossil CO2 and the grid's CH4 only"
#: the headline categories the imported acid's score is not zero in (tests/test_mapping_coverage.py)
COVERED = ["climate_change", "photochemical_ozone_formation", "ecotoxicity_freshwater"]
SCORE_ALONE = "rests on its cradle-to-gate score alone"


def _entry(gaps: str = "", extra: str = "") -> str:
    text = f"""database: bg-jl
map:
  {EV_LIBRARY}:
    name: "acid production, test"
"""
    if extra:
        text += extra
    if gaps:
        text += "    gaps:\n" + gaps
    return text


CLIMATE_GAP = f"""      - categories: [climate_change]
        flows: "{FLOWS}"
        reason: "{REASON}"
"""
ACIDIFICATION_GAP = """      - categories: [acidification]
        flows: SO2 of the electricity used
        reason: not inventoried in our import
"""
RATED = "    dqr: {TeR: 2, GeR: 2, TiR: 2, P: 2}\n"


def _acid_row(document: dict) -> dict:
    (row,) = [p for p in document["data_quality"]["partial_coverage"] if p["dataset"] == ACID]
    return row


# ----------------------------------------------------------------------------- the declaration


def test_a_stated_gap_makes_the_category_partial_with_its_reason(imported, tmp_path):
    """Climate change through the imported acid alone: complete by its score (0.20596, not zero), partial once
    its entry states the N2O it misses; the partial_coverage row carries the stated flows and reason.  Main
    refused the entry ('gaps': unknown key in a mapping entry), so a user could not say it at all."""
    rule_path, data_path = _case(tmp_path)
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, _entry(CLIMATE_GAP)))
    climate = _results(document)["climate_change"]
    assert climate["coverage"] == "partial"
    assert ACID in climate["coverage_note"]
    assert [w for w in document["data_quality"]["warnings"]
            if w.startswith("coverage: declared category climate_change is partial") and ACID in w]
    row = _acid_row(document)
    assert "climate_change" not in row["covers"]
    assert {"categories": ["climate_change"], "flows": FLOWS, "reason": REASON} in row["missing"]
    zero = [m for m in row["missing"] if m["flows"] == "its cradle-to-gate score is zero in these categories"]
    assert zero and "acidification" in zero[0]["categories"] and "climate_change" not in zero[0]["categories"]


def test_a_stated_gap_moves_no_number(imported, tmp_path):
    """The statement narrows coverage, never the value: every result and contribution is the unstated
    mapping's; the CFF's Ev line (the imported acid) is still applied for climate change (1.185364)."""
    rule_path, data_path = _case(tmp_path)
    plain = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, _entry(), "plain.yaml"))
    stated = footprint.declare(rule_path, data_path,
                               mapping=_mapping(tmp_path, _entry(CLIMATE_GAP + ACIDIFICATION_GAP), "stated.yaml"))
    assert _value(stated) == pytest.approx(MAPPED, rel=REL)
    assert {c: r["value"] for c, r in _results(stated).items()} == {c: r["value"] for c, r in _results(plain).items()}
    assert [(c["category"], c["process"], c["item"], c["value"]) for c in stated["contributions"]] == \
        [(c["category"], c["process"], c["item"], c["value"]) for c in plain["contributions"]]
    assert stated["recycled_content"] == plain["recycled_content"]


def test_a_zero_score_stays_none_whatever_is_stated(imported, tmp_path):
    """A gap stated for acidification, where the acid's score is zero: the acid still gives no value there
    (none in the command, not "partial"), and climate change, where it states nothing, stays complete."""
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, _entry(ACIDIFICATION_GAP))
    document = footprint.declare(rule_path, data_path, mapping=mapping)
    assert _results(document)["climate_change"]["coverage"] == "complete"
    assert _results(document)["acidification"]["coverage"] == "partial"  # the recycling's own SO2, as before
    row = _acid_row(document)
    assert "climate_change" in row["covers"] and "acidification" not in row["covers"]
    report = footprint.inventory_coverage(rule_path, data_path, mapping=mapping)
    rows = {c.category: {d.code: d for d in c.imported} for c in report.categories}
    assert rows["acidification"][ACID].status == "none"
    assert "score is zero" in rows["acidification"][ACID].explanation
    assert "not inventoried in our import" in rows["acidification"][ACID].explanation
    assert rows["climate_change"][ACID].status == "complete"


def test_strict_refuses_a_declared_category_an_import_states_a_gap_in(imported, tmp_path):
    """The three categories the acid's score is not zero in, the acid rated: --strict wrote it (test_mapping_coverage);
    with climate change stated incomplete it refuses, naming the imported dataset; without a statement the note
    on the score reading is no breach (--strict still writes)."""
    rule_path, data_path = _case(tmp_path)
    _declared(rule_path, COVERED)
    footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, _entry(extra=RATED), "plain.yaml"), strict=True)
    with pytest.raises(StrictQualityError, match=r"climate_change is partial: .*acid production, test"):
        footprint.declare(rule_path, data_path, strict=True,
                          mapping=_mapping(tmp_path, _entry(CLIMATE_GAP, extra=RATED), "stated.yaml"))


def test_declare_batch_and_verify_by_both_solvers_agree_on_a_stated_gap(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    assert_paths_agree(rule_path, data_path, _mapping(tmp_path, _entry(CLIMATE_GAP)), tmp_path)


def test_a_gap_stated_on_one_of_two_entries_naming_the_dataset_holds(imported, tmp_path):
    """The kind entry for the virgin alloy and the dataset-code entry name the same imported dataset; the gap
    is stated on the kind entry only (which the code entry takes every input from): it still holds, never
    read away by the entry that states nothing."""
    rule_path, data_path = _case(tmp_path)
    text = _entry() + f"""  virgin-alloy:
    name: "acid production, test"
    gaps:
{CLIMATE_GAP}"""
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, text))
    assert _results(document)["climate_change"]["coverage"] == "partial"
    assert {"categories": ["climate_change"], "flows": FLOWS, "reason": REASON} in _acid_row(document)["missing"]


def test_the_example_producer_with_a_partial_electricity_import(imported, tmp_path):
    """The brief's case: the sample electricity (CO2 and CH4 only) replaces the Inner Mongolia grid of the example
    producer; its entry states the N2O it misses.  Climate change is partial, naming it; the value is the unstated
    mapping's; the acid, stating nothing, gets the note on its score reading and the electricity does not."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("""database: bg-jl
map:
  hydrochloric-acid: {name: "acid production, test"}
  electricity/CN-NM: {database: bg-es, name: "electricity production, test", location: CN}
""")
    stated = tmp_path / "stated.yaml"
    stated.write_text(plain.read_text().replace(
        '  electricity/CN-NM: {database: bg-es, name: "electricity production, test", location: CN}\n',
        """  electricity/CN-NM:
    database: bg-es
    name: "electricity production, test"
    location: CN
    gaps: [{categories: [climate_change], flows: N2O of the coal burned, reason: only CO2 and CH4 imported}]
"""))
    before = footprint.declare("ndpr-oxide", EXAMPLE, mapping=plain)
    after = footprint.declare("ndpr-oxide", EXAMPLE, mapping=stated)
    assert _results(before)["climate_change"]["coverage"] == "complete"
    climate = _results(after)["climate_change"]
    assert climate["coverage"] == "partial" and ELECTRICITY in climate["coverage_note"]
    assert {c: r["value"] for c, r in _results(after).items()} == {c: r["value"] for c, r in _results(before).items()}
    notes = [w for w in after["data_quality"]["warnings"] if SCORE_ALONE in w]
    assert len(notes) == 1 and "bg-jl: 'acid production, test'" in notes[0] and "map.hydrochloric-acid" in notes[0]
    assert len([w for w in before["data_quality"]["warnings"] if SCORE_ALONE in w]) == 2


# ----------------------------------------------------------------------------- no statement: the note


def test_an_entry_stating_nothing_is_named_as_resting_on_its_score(imported, tmp_path):
    """Climate change complete through the acid's score: the declaration now says once, naming the dataset and
    its entry, that this rests on the score alone; main said nothing where it counted the import complete."""
    rule_path, data_path = _case(tmp_path)
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, _entry()))
    notes = [w for w in document["data_quality"]["warnings"] if SCORE_ALONE in w]
    assert len(notes) == 1
    assert ACID.removeprefix("imported dataset ") in notes[0] and f"map.{EV_LIBRARY}" in notes[0]
    assert "climate_change" in notes[0] and "'gaps'" in notes[0]
    stated = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, _entry(CLIMATE_GAP), "s.yaml"))
    assert not [w for w in stated["data_quality"]["warnings"] if SCORE_ALONE in w]


# ----------------------------------------------------------------------------- the coverage command


def test_the_coverage_command_shows_the_stated_gap_as_the_declaration_does(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, _entry(CLIMATE_GAP))
    document = footprint.declare(rule_path, data_path, mapping=mapping)
    report = footprint.inventory_coverage(rule_path, data_path, mapping=mapping)
    assert {c.category: c.status for c in report.categories} == {c: r["coverage"] for c, r in
                                                                 _results(document).items()}
    climate = next(c for c in report.categories if c.category == "climate_change")
    assert climate.status == "partial"
    (row,) = climate.imported
    assert (row.code, row.status) == (ACID, "partial") and FLOWS in row.explanation and REASON in row.explanation
    argv = ["inventories", "coverage", str(rule_path), "--data", str(data_path), "--mapping", str(mapping)]
    run = CliRunner().invoke(cli.main, argv)
    assert run.exit_code == 0, run.output
    assert "climate_change: partial" in run.output
    assert f"partial  {ACID}: its mapping entry states: missing {FLOWS} ({REASON})" in run.output
    assert "rests on the cradle-to-gate score alone" not in run.output  # it states something
    as_json = CliRunner().invoke(cli.main, [*argv, "--json"])
    categories = {c["category"]: c for c in json.loads(as_json.output)["categories"]}
    assert categories["climate_change"]["imported"][0]["status"] == "partial"


def test_the_coverage_command_names_an_import_resting_on_its_score(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, _entry())
    argv = ["inventories", "coverage", str(rule_path), "--data", str(data_path), "--mapping", str(mapping)]
    run = CliRunner().invoke(cli.main, argv)
    assert run.exit_code == 0, run.output
    assert f"coverage of {ACID} rests on the cradle-to-gate score alone" in run.output
    assert "(read from its score: an imported dataset states no gaps)" not in run.output  # no longer true


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("gaps, field, message", [
    ("      - {categories: [climate_chang], flows: x, reason: y}\n", ".gaps[0].categories[0]",
     "unknown impact category"),
    ("      - {categories: [climate_change], flows: x}\n", ".gaps[0].reason", "needs its reason"),
    ("      - {categories: [climate_change], flows: x, reason: '  '}\n", ".gaps[0].reason", "needs its reason"),
    ("      - {categories: [climate_change], reason: y}\n", ".gaps[0].flows", "needs its flows"),
    ("      - {flows: x, reason: y}\n", ".gaps[0].categories", "needs the categories"),
    ("      - {categories: [climate_change], flows: x, reason: y, status: parital}\n", ".gaps[0].status",
     "unknown key in a stated gap"),
    ("      - partial\n", ".gaps[0]", "must be a mapping"),
], ids=["unknown category", "no reason", "blank reason", "no flows", "no categories", "unknown status key",
        "a bare word"])
def test_a_malformed_statement_is_refused_naming_the_field(imported, tmp_path, gaps, field, message):
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, _entry(gaps))
    with pytest.raises(MappingError, match=message) as caught:
        footprint.declare(rule_path, data_path, mapping=mapping)
    assert caught.value.field == f"map.{EV_LIBRARY}{field}"
    run = CliRunner().invoke(cli.main, ["inventories", "coverage", str(rule_path), "--data", str(data_path),
                                        "--mapping", str(mapping)])
    assert run.exit_code == 2 and f"map.{EV_LIBRARY}{field}" in run.output and "Traceback" not in run.output
    assert str(mapping.name) in run.output


@pytest.mark.parametrize("gaps", ["[]", "{climate_change: partial}", "partial"])
def test_gaps_that_are_no_list_of_gaps_are_refused(imported, tmp_path, gaps):
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, _entry() + f"    gaps: {gaps}\n")
    with pytest.raises(MappingError, match="'gaps' must be a non-empty list") as caught:
        footprint.declare(rule_path, data_path, mapping=mapping)
    assert caught.value.field == f"map.{EV_LIBRARY}.gaps"

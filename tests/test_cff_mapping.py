"""The CFF's Ev is the burden of the virgin material the declaration uses, also under a background mapping.

A rule names its virgin-material dataset (``recycled_content.virgin.dataset``, the CFF's Ev); a
``--mapping`` entry that replaces that dataset (a dataset-code entry naming it, or a kind entry for the
virgin material bought) used to retarget the virgin material bought while Ev still read the library
dataset: one declaration mixed two virgin burdens, exit 0.  Ev now comes from the mapped (imported)
activity, scored in the same snapshot and by the same solver as the rest of the declaration; the record
of Ev's source names it; what cannot be done correctly is refused (exit 2), never a mixed number.

The case is tests/test_cff.py's (A = 0.2, Qsin/Qp = 1): a recycling process emits 500 kg CO2 turning
50 kg of scrap into 50 kg of recycled alloy (plus 1 kg SO2 and 10 g PM2.5, so that acidification and
particulate matter have a value of their own); 50 kg of virgin alloy is blended in; 100 kg of product,
R1 = 0.5.  The rule's Ev and the virgin alloy's default dataset are ``chemical/ammonium-sulphate``
(0.55 kg CO2e/kg, climate change only).  The mapping puts the imported "acid production, test" of
tests/importdata.py in its place: 0.2 kWh x 0.5298 + 0.1 = 0.20596 kg CO2e/kg (climate change only).

Per kg of product, climate change, Ev = Ev' = 0.20596, Erec = 500/50 = 10 per kg recycled:

* cut-off picture in the foreground: recycling 500/100 = 5.0; virgin alloy 50 x 0.20596 / 100 = 0.10298
* CFF line: (1 - A)(Rm·Ev·Qsin/Qp - Rm·Erec) = 0.8 x (0.5 x 0.20596 - 0.5 x 10) = 0.8 x (-4.89702) = -3.917616
* total: 5.0 + 0.10298 - 3.917616 = 1.185364
  (= (1-R1)·Ev + R1·(A·Erec + (1-A)·Ev) = 0.10298 + 0.5 x (2 + 0.164768) = 1.185364)

The old code read Ev = 0.55 from the library beside the imported virgin alloy:
5.0 + 0.10298 + 0.8 x (0.5 x 0.55 - 5) = 5.10298 - 3.78 = 1.32298 (exit 0).
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import importdata  # noqa: E402
from test_background import imported  # noqa: E402,F401  (the sample databases bg-es and bg-jl, imported once)
from test_cff import _value, _write  # noqa: E402

import footprint  # noqa: E402
import footprint.api  # noqa: E402,F401  (test_cff._virgin_declaration reads footprint.api)
from footprint.data.background import MappingError  # noqa: E402
from footprint.declaration.declaration import content_hash  # noqa: E402

REL = 1e-6  # Brightway stores processed characterisation factors in float32
EV_LIBRARY = "chemical/ammonium-sulphate"
ACID = importdata.ACID_GWP  # 0.20596 kg CO2e per kg, the imported Ev
#: the hand computation of the module docstring
MAPPED = 5.0 + 50 * ACID / 100 + 0.8 * (0.5 * ACID - 0.5 * 10)
MIXED = 5.0 + 50 * ACID / 100 + 0.8 * (0.5 * 0.55 - 0.5 * 10)  # what the old code declared

CODE_ENTRY = f"""database: bg-jl
map:
  {EV_LIBRARY}: {{name: "acid production, test"}}
"""
#: the two virgin kinds mapped to two different imported datasets: no single virgin burden for Ev
TWO_VIRGIN_IMPORTS = """database: bg-jl
map:
  virgin-alloy: {name: "acid production, test"}
  virgin-alloy-2: {database: bg-es, name: "acid production, test"}
"""
KIND_ENTRY = """database: bg-jl
map:
  virgin-alloy: {name: "acid production, test"}
"""


def _case(tmp_path: Path, *, r1: float = 0.5, second_kind: bool = False) -> tuple[Path, Path]:
    """The module's case: Ev and the virgin alloy's default both the library's ammonium sulphate.

    ``r1=1.0``: all recycled, 50 kg of product and no virgin input (listed under ``not_used``).
    ``second_kind``: a second virgin input kind drawing on the same dataset, 25 kg of each.
    """
    rule_path, data_path = _write(tmp_path, virgin={"dataset": EV_LIBRARY}, r1=r1)
    rule = yaml.safe_load(rule_path.read_text())
    if second_kind:
        rule["input_kinds"]["virgin-alloy-2"] = {"dataset": EV_LIBRARY}
        rule["recycled_content"]["virgin_input_kinds"].append("virgin-alloy-2")
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = yaml.safe_load(data_path.read_text())
    data["processes"]["recycling"]["emissions"] += [
        {"flow": "Sulfur dioxide", "compartment": "air", "amount": 1, "unit": "kg"},
        {"flow": "Particulate Matter, < 2.5 um", "compartment": "air", "amount": 0.01, "unit": "kg"}]
    blending = data["processes"]["blending"]
    blending["inputs"] = [{"from": "recycling", "amount": 50, "unit": "kg"}]
    if r1 >= 1.0:
        blending["output"]["amount"] = data["production"]["amount"] = 50
        blending["not_used"] = ["virgin-alloy"]
    elif second_kind:
        blending["inputs"] += [{"kind": "virgin-alloy", "amount": 25, "unit": "kg"},
                               {"kind": "virgin-alloy-2", "amount": 25, "unit": "kg"}]
    else:
        blending["inputs"].append({"kind": "virgin-alloy", "amount": 50, "unit": "kg"})  # the rule's default dataset
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


def _mapping(tmp_path: Path, text: str, name: str = "map.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("entry", [CODE_ENTRY, KIND_ENTRY], ids=["dataset-code entry", "virgin kind entry"])
def test_ev_is_read_from_the_imported_dataset_that_replaces_the_rules(imported, tmp_path, entry):
    rule_path, data_path = _case(tmp_path)
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, entry))
    assert _value(document) == pytest.approx(MAPPED, rel=REL)  # 1.185364; the old code: 1.32298
    assert _value(document) != pytest.approx(MIXED, rel=1e-3)
    block = document["recycled_content"]
    climate = block["by_category"]["climate_change"]
    assert climate["Ev"] == pytest.approx(ACID, rel=REL) and climate["applied"] is True
    assert climate["adjustment"] == pytest.approx(0.8 * (0.5 * ACID - 5.0), rel=REL)
    # the record of Ev's source names the imported activity and what it replaced
    virgin = block["virgin"]
    assert virgin["dataset"].startswith("bg-jl::")
    assert virgin["imported"]["name"] == "acid production, test" and virgin["imported"]["replaced"] == EV_LIBRARY
    assert virgin["imported"]["mapping_entry"] == yaml.safe_load(entry)["map"].popitem()[0]
    # the virgin alloy bought and Ev come from the same dataset
    bought = [c for c in document["contributions"] if c["category"] == "climate_change" and c["process"] == "blending"
              and c["item"] == "virgin-alloy"]
    assert [c["dataset"] for c in bought] == [virgin["dataset"]]
    # the mapping's provenance lists Ev as a use of the entry; the library dataset is no longer used
    applied = document["provenance"]["background"]["mapping"]["applied"]
    (uses,) = [e["inputs"] for e in applied.values()]
    assert {"process": "recycled-content", "input": "recycled_content.virgin.dataset",
            "label": "Ev (Circular Footprint Formula)", "replaced": EV_LIBRARY} in uses
    assert EV_LIBRARY not in document["provenance"]["inventories"]["used"]
    # the imported acid has no acidification: Ev gives no value there, so no line (Ev = 0 would be a credit)
    assert block["by_category"]["acidification"]["applied"] is False


def test_verify_recomputes_the_mapped_ev_by_both_paths_and_refuses_the_mixed_number(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    mapping = _mapping(tmp_path, CODE_ENTRY)
    document = footprint.declare(rule_path, data_path, mapping=mapping)
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    for fast in (False, True):  # the reference path (FullLCA) and declare's own
        outcome = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping, reference=not fast)
        assert outcome.ok, [vars(d) for d in outcome.failures][:5]
    # the old code's declaration: Ev from the library beside the imported virgin alloy, re-hashed
    mixed = json.loads(path.read_text())
    mixed["recycled_content"]["virgin"] = {"dataset": EV_LIBRARY, "amount_per_kg_recycled": 1.0, "unit": "kg",
                                           "basis": ""}
    for result in mixed["results"]:
        if result["category"] == "climate_change":
            result["value"] = MIXED
    mixed["content_sha256"] = content_hash(mixed)
    path.write_text(json.dumps(mixed, indent=2))
    outcome = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping)
    assert not outcome.ok
    items = {d.item for d in outcome.failures}
    assert "recycled_content.virgin.dataset" in items and any(i.startswith("results") for i in items)


def test_a_batch_row_with_a_mapping_column_declares_what_declare_does(imported, tmp_path):
    rule_path, data_path = _case(tmp_path)
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    rows = [{"rule": str(rule_path), "data": str(data_path), "mapping": str(_mapping(tmp_path, CODE_ENTRY))},
            {"rule": str(rule_path), "data": str(data_path), "mapping": str(_mapping(tmp_path, KIND_ENTRY, "k.yaml"))}]
    outcomes = footprint.declare_many(rows, created=created)
    assert [o.status for o in outcomes] == ["ok", "ok"], [o.message for o in outcomes]
    for row, outcome in zip(rows, outcomes):
        assert _value(outcome.document) == pytest.approx(MAPPED, rel=REL)
        alone = footprint.declare(row["rule"], row["data"], mapping=row["mapping"], created=created)
        assert outcome.document["content_sha256"] == alone["content_sha256"]


ALL_RECYCLED = 2.0 + 0.8 * ACID  # R1 = 1 with Ev the imported acid: test_all_recycled_..._replace_ev


@pytest.mark.parametrize("entry", [CODE_ENTRY, KIND_ENTRY], ids=["dataset-code entry", "virgin kind entry"])
def test_all_recycled_a_dataset_code_entry_and_a_virgin_kind_entry_both_replace_ev(imported, tmp_path, entry):
    """R1 = 1, no virgin input: 50 kg recycled alloy, 500 kg CO2; per kg: Erec = 500/50 = 10, Rm = 1.

    Ev still stands in the formula's R1 term: (1 - R1)·Ev + R1·(A·Erec + (1 - A)·Ev·Qsin/Qp) with R1 = 1,
    A = 0.2, Qsin/Qp = 1 gives 0.2 x 10 + 0.8 x Ev.  With Ev the imported acid (0.20596 kg CO2e/kg):
    2 + 0.8 x 0.20596 = 2.164768.  A dataset-code entry replaces the dataset wherever used, Ev included; a kind
    entry for the virgin alloy (whose rule default is the Ev dataset) says the user's virgin material is the
    imported acid although none is bought, so it replaces Ev too.  The old code kept the library's Ev for the
    kind entry (listing it as not applied): 2 + 0.8 x 0.55 = 2.44, exit 0.
    """
    rule_path, data_path = _case(tmp_path, r1=1.0)
    mapping = _mapping(tmp_path, entry)
    document = footprint.declare(rule_path, data_path, mapping=mapping)
    assert _value(document) == pytest.approx(ALL_RECYCLED, rel=REL)  # 2.164768; the old code's kind entry: 2.44
    assert _value(document) != pytest.approx(2.0 + 0.8 * 0.55, rel=1e-3)
    key = next(iter(yaml.safe_load(entry)["map"]))
    virgin = document["recycled_content"]["virgin"]
    assert virgin["dataset"].startswith("bg-jl::") and virgin["imported"]["mapping_entry"] == key
    assert virgin["imported"]["replaced"] == EV_LIBRARY
    background = document["provenance"]["background"]["mapping"]
    assert [u["input"] for u in background["applied"][key]["inputs"]] == ["recycled_content.virgin.dataset"]
    assert background["not_applied"] == {}
    assert EV_LIBRARY not in document["provenance"]["inventories"]["used"]
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    for reference in (True, False):  # verify recomputes the same number by the reference path and declare's own
        outcome = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping, reference=reference)
        assert outcome.ok, [vars(d) for d in outcome.failures][:5]


def test_all_recycled_two_virgin_kind_entries_naming_different_imports_are_refused(imported, tmp_path):
    """R1 = 1 and two virgin kinds whose rule default is the Ev dataset, mapped to two different imported
    datasets, none bought: two virgin burdens for one Ev, refused as when the inputs are bought."""
    rule_path, data_path = _case(tmp_path, r1=1.0, second_kind=True)
    two = _mapping(tmp_path, TWO_VIRGIN_IMPORTS, "two.yaml")
    with pytest.raises(MappingError, match="from 2 different imported datasets") as caught:
        footprint.declare(rule_path, data_path, mapping=two)
    assert caught.value.value == "virgin-alloy, virgin-alloy-2" and caught.value.field == "map.virgin-alloy"
    same = _mapping(tmp_path, """database: bg-jl
map:
  virgin-alloy: {name: "acid production, test"}
  virgin-alloy-2: {name: "acid production, test"}
""", "same.yaml")  # both naming the same imported dataset: one virgin burden
    assert _value(footprint.declare(rule_path, data_path, mapping=same)) == pytest.approx(ALL_RECYCLED, rel=REL)


def test_a_virgin_kind_entry_beside_virgin_material_bought_from_the_library_is_refused(imported, tmp_path):
    """R1 = 0.5, two virgin kinds on the Ev dataset: 50 kg of the first bought from the library, none of the
    second, whose kind entry says the virgin material is the imported acid.  Ev would have two sources (the
    library's for the material bought, the import for the entry): refused, never a pick.  (The old code read
    Ev from the library and listed the entry as not applied.)"""
    rule_path, data_path = _case(tmp_path, second_kind=True)
    data = yaml.safe_load(data_path.read_text())
    blending = data["processes"]["blending"]
    blending["inputs"] = [blending["inputs"][0], {"kind": "virgin-alloy", "amount": 50, "unit": "kg"}]
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    second = _mapping(tmp_path, """database: bg-jl
map:
  virgin-alloy-2: {name: "acid production, test"}
""", "second.yaml")
    with pytest.raises(MappingError, match=r"from chemical/ammonium-sulphate for others "
                                           r"\(processes\.blending\.inputs\[1\]\)") as caught:
        footprint.declare(rule_path, data_path, mapping=second)
    assert caught.value.field == "map.virgin-alloy-2"


def test_an_imported_ev_not_per_unit_of_mass_is_refused(imported, tmp_path):
    rule_path, data_path = _case(tmp_path, r1=1.0)
    mapping = _mapping(tmp_path, f"""database: bg-jl
map:
  {EV_LIBRARY}: {{name: "electricity production, test"}}
""")
    with pytest.raises(MappingError, match="not counted in a unit of mass") as caught:
        footprint.declare(rule_path, data_path, mapping=mapping)
    error = caught.value
    assert error.file == str(mapping) and error.field == f"map.{EV_LIBRARY}"
    assert error.value == "electricity production, test: kilowatt hour" and "unit of mass" in error.expected
    from click.testing import CliRunner

    import cli

    run = CliRunner().invoke(cli.main, ["declare", str(rule_path), str(data_path), "-o", str(tmp_path / "o.json"),
                                        "--mapping", str(mapping)])
    assert run.exit_code == 2 and "Traceback" not in run.output and not (tmp_path / "o.json").exists()


def test_virgin_material_from_the_library_and_an_import_at_once_is_refused(imported, tmp_path):
    """Two virgin kinds on the rule's Ev dataset, 25 kg each: one mapped, one not; or mapped to two imports."""
    rule_path, data_path = _case(tmp_path, second_kind=True)
    with pytest.raises(MappingError, match=r"from chemical/ammonium-sulphate for others "
                                           r"\(processes\.blending\.inputs\[2\]\)") as caught:
        footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, KIND_ENTRY))
    assert caught.value.field == "map.virgin-alloy" and "one entry replacing" in caught.value.expected
    two = _mapping(tmp_path, TWO_VIRGIN_IMPORTS, "two.yaml")
    with pytest.raises(MappingError, match="from 2 different imported datasets") as caught:
        footprint.declare(rule_path, data_path, mapping=two)
    assert caught.value.value == "virgin-alloy, virgin-alloy-2"
    # one dataset-code entry for the rule's Ev dataset maps both inputs and Ev: the module's number again
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, CODE_ENTRY, "code.yaml"))
    assert _value(document) == pytest.approx(MAPPED, rel=REL)


def test_a_supplier_declaration_as_ev_is_not_touched_by_a_mapping(imported, tmp_path):
    """The rule's Ev is a supplier's declaration (40 kg CO2e/kg, tests/test_cff.py); the virgin alloy bought is
    the library dataset, mapped by its kind entry to the imported acid.  A mapping retargets datasets only, so
    Ev stays the declaration named by the rule: 5 + 50 x 0.20596 / 100 + 0.8 x (0.5 x 40 - 5) = 17.10298."""
    rule_path, data_path = _case(tmp_path)
    rule = yaml.safe_load(rule_path.read_text())
    rule["recycled_content"]["virgin"] = {"declaration": "virgin.json"}
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    document = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, KIND_ENTRY))
    assert _value(document) == pytest.approx(5.0 + 50 * ACID / 100 + 0.8 * (0.5 * 40 - 5), rel=REL)
    assert "declaration" in document["recycled_content"]["virgin"]
    assert "imported" not in document["recycled_content"]["virgin"]


#: the note a declaration carries when the virgin material bought is imported while Ev stays the rule's declaration
DECLARED_EV_NOTE = ("recycled content: the virgin material bought (processes.blending.inputs[1]) comes from imported "
                    "dataset bg-jl: 'acid production, test' (mapping entry {key}), while Ev of the Circular Footprint "
                    "Formula stays the rule's declaration urn:uuid:00000000-0000-0000-0000-000000000040 (virgin metal, "
                    "Virgin Metal Co.; recycled_content.virgin.declaration): the formula's parameters are the rule's, "
                    "a mapping does not change them")


@pytest.mark.parametrize("entry", [CODE_ENTRY, KIND_ENTRY], ids=["dataset-code entry", "virgin kind entry"])
def test_a_declaration_as_ev_beside_imported_virgin_material_is_said_on_every_path(imported, tmp_path, entry):
    """Ev stays the rule's supplier declaration (methodology.md 2.6: the CFF's parameters are the rule-set's, a
    producer's mapping does not lower (1-A)·Ev·Qsin/Qp), while the virgin alloy bought comes from the imported acid.
    The declaration named neither source beside the other; now one note names both, the same on declare, a batch
    row and verify by either solver (verify compares data_quality.warnings).  Without the mapping: no note."""
    rule_path, data_path = _case(tmp_path)
    rule = yaml.safe_load(rule_path.read_text())
    rule["recycled_content"]["virgin"] = {"declaration": "virgin.json"}
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    mapping = _mapping(tmp_path, entry)
    note = DECLARED_EV_NOTE.format(key=next(iter(yaml.safe_load(entry)["map"])))
    created = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    document = footprint.declare(rule_path, data_path, mapping=mapping, created=created)
    assert _value(document) == pytest.approx(5.0 + 50 * ACID / 100 + 0.8 * (0.5 * 40 - 5), rel=REL)  # unchanged
    assert document["data_quality"]["warnings"].count(note) == 1
    (outcome,) = footprint.declare_many([{"rule": str(rule_path), "data": str(data_path), "mapping": str(mapping)}],
                                        created=created)
    assert outcome.status == "ok" and note in outcome.document["data_quality"]["warnings"]
    assert outcome.document["content_sha256"] == document["content_sha256"]
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    for reference in (True, False):
        checked = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping, reference=reference)
        assert checked.ok, [vars(d) for d in checked.failures][:5]
    # a verify that recomputes without the note (the old code's declaration) finds the warnings different
    old = json.loads(path.read_text())
    old["data_quality"]["warnings"].remove(note)
    old["content_sha256"] = content_hash(old)
    path.write_text(json.dumps(old, indent=2))
    checked = footprint.verify_declaration(path, data_path, rule=rule_path, mapping=mapping)
    assert not checked.ok and any(d.item.startswith("data_quality.warnings") for d in checked.failures)
    unmapped = footprint.declare(rule_path, data_path)
    assert not [w for w in unmapped["data_quality"]["warnings"] if "comes from imported dataset" in w]


def test_an_imported_ev_is_rated_by_its_entry_as_published_and_held_to_the_limit(imported, tmp_path):
    """R1 = 1 (Erec 10 per kg, the line 0.8 x (0.20596 - 10) = -7.835232), producer's DQR 1 throughout.

    Entry with dqr 3/3/3/3: the line is rated (1 + 3)/2 = 2 per criterion (as a library Ev dataset's DQR is
    averaged in), not re-scored for the German facility (Ev stands for the market's virgin material), so no
    re-scored dataset is listed.  Climate change weights |10| at 1 and |-7.835232| at 2:
    (10 + 2 x 7.835232) / 17.835232 = 1.439311.  Without a dqr the entry leaves the rule's secondary limit
    undemonstrated (a Data Needs Matrix warning, as for any imported dataset) and the line is rated on the
    producer's data alone (1.0).
    """
    rule_path, data_path = _case(tmp_path, r1=1.0)
    rated = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, f"""database: bg-jl
map:
  {EV_LIBRARY}: {{name: "acid production, test", dqr: {{TeR: 3, GeR: 3, TiR: 3, P: 3}}}}
"""))
    quality = rated["data_quality"]
    line = 0.8 * (ACID - 10.0)
    expected = (10.0 * 1 + abs(line) * 2) / (10.0 + abs(line))
    assert quality["by_category"]["climate_change"]["GeR"] == round(expected, 3)  # stated to four figures: 1.439
    assert quality["rescored_datasets"] == []
    assert not [w for w in quality["warnings"] if "Data Needs Matrix" in w]
    unrated = footprint.declare(rule_path, data_path, mapping=_mapping(tmp_path, CODE_ENTRY, "code.yaml"))
    assert unrated["data_quality"]["by_category"]["climate_change"]["GeR"] == 1.0
    assert any("Data Needs Matrix: secondary dataset bg-jl: 'acid production, test' has no DQR" in w
               for w in unrated["data_quality"]["warnings"])

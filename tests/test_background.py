"""Declaring against an imported database: the mapping file, the numbers, the provenance, --strict.

The example producer is declared twice: with footprint's open datasets, and with the
Inner Mongolia grid and the hydrochloric acid pointed at datasets imported from
EcoSpold2 and openLCA JSON-LD files built in tests/importdata.py.  Every mapped
contribution must change by exactly the ratio of the per-unit scores computed by hand.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
import importdata  # noqa: E402

import footprint  # noqa: E402
from footprint.data import imports  # noqa: E402
from footprint.data.background import MappingError  # noqa: E402
from footprint.errors import DeclarationError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
GWP = ("EF v3.1", "climate change", "global warming potential (GWP100)")
CN_NM_CO2 = 0.6849  # kg CO2 per kWh, inventories/electricity/CN-NM.yaml (CO2 only, CF 1)


@pytest.fixture(scope="module")
def imported(project, tmp_path_factory):
    work = tmp_path_factory.mktemp("bg")
    imports.import_database(importdata.ecospold2(work / "es"), "ecospold2", "bg-es", version="es-1", replace=True)
    imports.import_database(importdata.jsonld(work / "jl.zip"), "jsonld", "bg-jl", version="jl-1", replace=True)
    return work


@pytest.fixture()
def mapping(imported, tmp_path) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text("""database: bg-jl
map:
  hydrochloric-acid: {name: "acid production, test"}
  electricity/CN-NM: {database: bg-es, name: "electricity production, test", location: CN}
""")
    return path


def _rows(document: dict, item: str) -> list[dict]:
    return [c for c in document["contributions"] if c["category"] == "climate_change" and c["item"] == item]


def _default_score(bd, bc, code: str) -> float:
    lca = bc.LCA({bd.get_node(database="footprint-inventories", code=code): 1}, method=GWP)
    lca.lci()
    lca.lcia()
    return lca.score


def test_mapped_inputs_change_by_the_hand_computed_ratio(project, example_declaration, mapping):
    bd, bc, _bi = project
    mapped = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    acid_default = _default_score(bd, bc, "chemical/hydrochloric-acid-30pct")
    grid_default = _default_score(bd, bc, "electricity/CN-NM")  # 0.6849 CO2 + CH4 and N2O of the coal burned
    assert grid_default == pytest.approx(CN_NM_CO2 + 7.23996e-05 * 29.8 + 1.08599e-05 * 273, rel=1e-5)
    expected = {"electricity": importdata.ELEC_GWP / grid_default, "hydrochloric-acid": importdata.ACID_GWP / acid_default}
    changed = 0.0
    for item, ratio in expected.items():
        before, after = _rows(example_declaration, item), _rows(mapped, item)
        assert before and len(before) == len(after)
        for old, new in zip(before, after):
            assert (old["process"], new["dataset"].split("::")[0]) == (new["process"],
                                                                        "bg-es" if item == "electricity" else "bg-jl")
            assert new["value"] == pytest.approx(old["value"] * ratio, rel=1e-6)
            changed += new["value"] - old["value"]
    # the Inner Mongolia grid is of direct scope, so the default declaration adds its coal chain per kWh; the
    # imported dataset that replaces it brings its own scope, so those upstream rows go with it (none are left)
    upstream = [c for c in example_declaration["contributions"] if c["category"] == "climate_change"
                and c["item"].startswith("electricity: upstream fuel chain")]
    assert upstream and not [c for c in mapped["contributions"] if c["item"].startswith("electricity: upstream")]
    changed -= sum(c["value"] for c in upstream)
    total = {r["category"]: r["value"] for r in example_declaration["results"]}["climate_change"]
    new_total = {r["category"]: r["value"] for r in mapped["results"]}["climate_change"]
    assert new_total == pytest.approx(total + changed, rel=1e-9)


def test_declaration_records_database_version_hash_and_mapping(project, example_declaration, mapping):
    mapped = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    background = mapped["provenance"]["background"]
    by_name = {db["database"]: db for db in background["imported"]}
    assert by_name["bg-es"]["version"] == "es-1" and by_name["bg-jl"]["format"] == "jsonld"
    assert by_name["bg-es"]["sha256"] == imports.database_info("bg-es")["sha256"]
    assert set(background["mapping"]["applied"]) == {"hydrochloric-acid", "electricity/CN-NM"}
    assert len(background["mapping"]["sha256"]) == 64
    assert mapped["id"] != example_declaration["id"]


def test_mapping_errors_name_the_entry_and_the_alternatives(imported, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("map:\n  electricity: {database: nope, code: x}\n")
    with pytest.raises(imports.ImportFailed, match="bg-es"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)
    bad.write_text("map:\n  electricity: {name: \"electricity productoin, test\"}\n")
    with pytest.raises(MappingError) as err:
        footprint.declare("ndpr-oxide", EXAMPLE, background="bg-es", mapping=bad)
    assert "map.electricity" in str(err.value) and "electricity production, test" in str(err.value)
    bad.write_text("map:\n  electricity: {code: 1}\n")
    with pytest.raises(MappingError, match="database"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)
    with pytest.raises(footprint.FootprintError, match="--mapping"):
        footprint.declare("ndpr-oxide", EXAMPLE, background="bg-es")


def test_a_unit_that_does_not_convert_is_refused(imported, tmp_path):
    bad = tmp_path / "unit.yaml"
    bad.write_text("map:\n  lorry: {database: bg-jl, name: \"acid production, test\"}\n")  # t*km -> kg
    with pytest.raises(MappingError, match=r"field 'map\.lorry': unit .*acid production, test: "):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)  # the key the user wrote, not the dataset's name


def test_a_code_with_a_location_or_name_of_another_dataset_is_refused(project, imported, tmp_path):
    """{code: <the CN grid>, location: RoW} silently declared the CN grid: the user meant one of two datasets."""
    bd, _bc, _bi = project
    code = bd.get_node(database="bg-es", name="electricity production, test")["code"]
    for extra, field in (("location: RoW", "location"), ('name: "market for electricity"', "name")):
        bad = tmp_path / "code.yaml"
        bad.write_text(f'map:\n  electricity/CN-NM: {{database: bg-es, code: "{code}", {extra}}}\n')
        with pytest.raises(MappingError, match=rf"map\.electricity/CN-NM\.{field}': the dataset with this code"):
            footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)
    fine = tmp_path / "fine.yaml"
    fine.write_text(f'map:\n  electricity/CN-NM: {{database: bg-es, code: "{code}", location: CN}}\n')
    assert footprint.declare("ndpr-oxide", EXAMPLE, mapping=fine)["provenance"]["background"]["mapping"]


def test_strict_turns_data_needs_matrix_breaches_into_exit_2_and_writes_nothing(example_declaration, tmp_path):
    import cli
    from footprint.api import StrictQualityError

    breaches = [w for w in example_declaration["data_quality"]["warnings"] if w.startswith("Data Needs Matrix")]
    assert breaches, "the example breaches the matrix (most relevant processes above DQR 1.6)"
    with pytest.raises(StrictQualityError) as err:
        footprint.declare("ndpr-oxide", EXAMPLE, strict=True)
    assert all(b in str(err.value) for b in breaches)
    output = tmp_path / "decl.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", str(output), "--strict"])
    assert result.exit_code == 2 and "Data Needs Matrix" in result.stderr and not output.exists()
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", str(output)])
    assert result.exit_code == 0 and json.loads(output.read_text())["data_quality"]["warnings"]


def test_cli_declare_with_background_and_mapping(mapping, tmp_path):
    import cli

    output = tmp_path / "decl.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", str(output),
                                           "--background", "bg-jl", "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text())
    assert {db["database"] for db in document["provenance"]["background"]["imported"]} == {"bg-es", "bg-jl"}


def test_mapping_dqr_enters_the_declaration_dqr(imported, tmp_path, example_declaration):
    rated = tmp_path / "rated.yaml"
    rated.write_text("map:\n  electricity/CN-NM: {database: bg-es, name: \"electricity production, test\", "
                     "dqr: {TeR: 5, GeR: 5, TiR: 5, P: 5}}\n")
    unrated = tmp_path / "unrated.yaml"
    unrated.write_text("map:\n  electricity/CN-NM: {database: bg-es, name: \"electricity production, test\"}\n")
    poor = footprint.declare("ndpr-oxide", EXAMPLE, mapping=rated)
    bare = footprint.declare("ndpr-oxide", EXAMPLE, mapping=unrated)
    # the mapped grid is not among the most relevant contributions of the declared categories (the overall DQR
    # rests on those), but the DQR of the processes that draw power from it rises
    users = [pid for pid, entry in poor["data_quality"]["by_process"].items()
             if entry["dqr"] is not None and entry["dqr"] > bare["data_quality"]["by_process"][pid]["dqr"]]
    assert users and poor["data_quality"]["dqr"] >= bare["data_quality"]["dqr"]
    assert any("no DQR in the mapping" in w for w in bare["data_quality"]["warnings"])
    assert not any("no DQR in the mapping" in w for w in poor["data_quality"]["warnings"])
    rated.write_text("map:\n  electricity/CN-NM: {database: bg-es, name: \"electricity production, test\", "
                     "dqr: {TeR: 9}}\n")
    with pytest.raises(MappingError, match="dqr"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=rated)


def test_verify_recomputes_against_the_same_background(mapping, tmp_path):
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping)
    path = tmp_path / "decl.json"
    footprint.write_declaration(document, path)
    outcome = footprint.verify_declaration(path, EXAMPLE)
    assert outcome.ok, [str(d) for d in outcome.failures][:5]
    moved = tmp_path / "elsewhere" / mapping.name
    moved.parent.mkdir()
    mapping.rename(moved)  # a recorded mapping that cannot be found is an error, never a recomputation without it
    with pytest.raises(DeclarationError, match="cannot be found") as err:
        footprint.verify_declaration(path, EXAMPLE)
    assert str(mapping) in str(err.value) and "--mapping" in str(err.value)
    assert footprint.verify_declaration(path, EXAMPLE, mapping=moved).ok  # --mapping FILE: found again


def test_monte_carlo_over_an_imported_background_keeps_its_scores_and_says_so(mapping):
    """Imported datasets keep their deterministic score; the model notes name them; the run reproduces the value."""
    document = footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping, uncertainty=500, seed=2)
    block = document["uncertainty"]
    notes = " ".join(block["model"]["notes"])
    assert "imported databases keep their deterministic score" in notes and "bg-es::" in notes
    for entry in block["results"]:
        assert entry["p2_5"] <= entry["median"] <= entry["p97_5"]
    sampled = {row["input"] for r in block["results"] for row in r["contribution_to_variance"]}
    assert not any(item.startswith("dataset:bg-") for item in sampled)  # an unsampled score drives nothing


@pytest.mark.parametrize("key, nearest", [("hydrochloric-acd", "hydrochloric-acid"),
                                          ("electricity/CN-NMM", "electricity/CN-NM")])
def test_a_mapping_key_that_matches_nothing_is_exit_2_naming_the_key_and_the_nearest(imported, tmp_path, key,
                                                                                      nearest):
    """The issue: a typo'd key mapped nothing, and the provenance still listed it as applied."""
    import cli

    typo = tmp_path / "typo.yaml"
    typo.write_text(f'database: bg-jl\nmap:\n  {key}: {{name: "acid production, test"}}\n')
    output = tmp_path / "decl.json"
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "-o", str(output),
                                           "--mapping", str(typo)])
    assert result.exit_code == 2 and not output.exists(), result.output
    assert f"field 'map.{key}'" in result.stderr and "matches no input kind" in result.stderr
    assert f"nearest: {nearest}" in result.stderr and "Traceback" not in result.stderr


def test_verify_cli_without_the_recorded_mapping_is_exit_2_naming_it(mapping, tmp_path):
    import cli

    declaration = footprint.write_declaration(footprint.declare("ndpr-oxide", EXAMPLE, mapping=mapping),
                                              tmp_path / "decl.json")
    elsewhere = tmp_path / "moved" / mapping.name
    elsewhere.parent.mkdir()
    mapping.rename(elsewhere)
    result = CliRunner().invoke(cli.main, ["verify", str(declaration), "--data", str(EXAMPLE)])
    assert result.exit_code == 2 and str(mapping) in result.stderr and "--mapping FILE" in result.stderr
    result = CliRunner().invoke(cli.main, ["verify", str(declaration), "--data", str(EXAMPLE),
                                           "--mapping", str(elsewhere)])
    assert result.exit_code == 0 and "verified" in result.output, result.output


def test_mapping_reads_each_database_index_once_per_background_version(mapping, monkeypatch):
    """Resolution is lookups in an index read once per database and background version (the node
    table was read and unpickled once per entry); a new version (an import, a set-up) reads it again."""
    from footprint.data import background, warm

    reads = []
    original = background.NodeIndex.read
    monkeypatch.setattr(background.NodeIndex, "read",
                        classmethod(lambda cls, database: reads.append(database) or original(database)))
    warm.clear()
    first = background.load_mapping(mapping)
    again = background.load_mapping(mapping)
    assert sorted(reads) == ["bg-es", "bg-jl"]  # two databases, two entries each resolved by lookup
    assert (first.kinds, first.codes) == (again.kinds, again.codes)
    monkeypatch.setattr("footprint.data.project.background_version", lambda: "another set-up")
    background.load_mapping(mapping)
    assert sorted(reads) == ["bg-es", "bg-es", "bg-jl", "bg-jl"]
    warm.clear()


def _acid_mapping(tmp_path: Path, database: str, **amounts) -> Path:
    imports.import_database(importdata.excel_acid(tmp_path / f"{database}.xlsx", database, **amounts), "excel",
                            database, replace=True)
    path = tmp_path / "map.yaml"
    path.write_text(f'database: {database}\nmap:\n  hydrochloric-acid: {{name: "acid production"}}\n')
    return path


def test_a_dataset_per_two_kg_is_divided_by_its_reference_amount(project, example_declaration, tmp_path):
    """0.2 kg CO2 per run making 2 kg of acid = 0.1 kg CO2-eq per kg (CF 1): each acid row scales by 0.1/default."""
    bd, bc, _bi = project
    mapped = footprint.declare("ndpr-oxide", EXAMPLE, mapping=_acid_mapping(tmp_path, "bg-ref2", reference=2, co2=0.2))
    ratio = 0.2 / 2 / _default_score(bd, bc, "chemical/hydrochloric-acid-30pct")
    before, after = _rows(example_declaration, "hydrochloric-acid"), _rows(mapped, "hydrochloric-acid")
    assert before and len(before) == len(after)
    for old, new in zip(before, after):
        assert new["value"] == pytest.approx(old["value"] * ratio, rel=1e-6)


@pytest.mark.parametrize("reference", [-1, 0])
def test_a_waste_treatment_or_a_dataset_making_nothing_is_refused(project, tmp_path, reference):
    """-1 (ecoinvent's waste-treatment convention) made every acid row negative with exit 0; 0 a traceback."""
    bad = _acid_mapping(tmp_path, f"bg-ref{reference}", reference=reference, co2=0.1)
    with pytest.raises(MappingError, match=rf"map\.hydrochloric-acid.*acid production \[CN\]: reference amount "
                                           rf"{reference}"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)
    import cli

    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", str(EXAMPLE), "--mapping", str(bad),
                                           "-o", str(tmp_path / "d.json")])
    assert result.exit_code == 2 and "reference amount" in result.stderr and not (tmp_path / "d.json").exists()


def test_an_upstream_dataset_making_nothing_is_exit_2_naming_it(project, tmp_path):
    """The mapped acid is fine, the electricity it uses makes 0 kWh: a singular matrix was a scipy traceback."""
    bad = _acid_mapping(tmp_path, "bg-up0", reference=1, co2=0.1, electricity_reference=0, electricity=0.2)
    with pytest.raises(footprint.FootprintError, match=r"cannot be solved.*bg-up0: 'electricity, test' \[CN\]"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)


def test_a_name_of_two_datasets_or_a_location_of_none_is_refused_listing_the_datasets(project, tmp_path):
    """Two 'acid production' (CN, RoW): neither is picked; the message shows what tells them apart."""
    path = _acid_mapping(tmp_path, "bg-two", reference=1, co2=0.1, locations=("CN", "RoW"))
    with pytest.raises(MappingError, match=r"2 datasets match.*datasets of this name: location CN, .* location RoW"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=path)
    path.write_text('database: bg-two\nmap:\n  hydrochloric-acid: {name: "acid production", location: XX}\n')
    with pytest.raises(MappingError, match=r"no dataset matches.*datasets of this name: location CN"):
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=path)
    path.write_text('database: bg-two\nmap:\n  hydrochloric-acid: {name: "acid production", location: RoW}\n')
    assert footprint.declare("ndpr-oxide", EXAMPLE, mapping=path)["provenance"]["background"]["mapping"][
        "applied"]["hydrochloric-acid"]["location"] == "RoW"


@pytest.mark.parametrize("text, field", [
    ('map:\n  hydrochloric-acid: {database: bg-jl, name: "acid production, test", locaton: RoW}\n',
     "map.hydrochloric-acid.locaton"),
    ('map:\n  hydrochloric-acid: {database: bg-jl, name: "acid production, test", amount: 0.5}\n',
     "map.hydrochloric-acid.amount"),
    ('databse: bg-es\nmap:\n  hydrochloric-acid: {database: bg-jl, name: "acid production, test"}\n', "databse"),
])
def test_an_unknown_key_in_a_mapping_is_refused(imported, tmp_path, text, field):
    """A misspelt 'locaton' was ignored: the only dataset of that name (location China) was declared as
    if the user had asked for RoW; an 'amount' was ignored too (exit 0 with the unscaled flow)."""
    bad = tmp_path / "keys.yaml"
    bad.write_text(text)
    with pytest.raises(MappingError, match="unknown key") as err:
        footprint.declare("ndpr-oxide", EXAMPLE, mapping=bad)
    assert f"'{field}'" in str(err.value) and "keys.yaml" in str(err.value)

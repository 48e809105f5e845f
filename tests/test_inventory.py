"""The open inventory library: every dataset sourced, loadable and linked to biosphere3."""
from __future__ import annotations

from pathlib import Path

import pytest

from footprint.data import inventory
from footprint.errors import InventoryError, LinkingError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue():
    return inventory.load_catalogue([REPO / "inventories"])


def test_every_dataset_names_source_year_geography_and_confidence(catalogue):
    assert len(catalogue.datasets) > 40
    for code, dataset in catalogue.datasets.items():
        assert dataset.source.citation.strip(), code
        assert dataset.geography, code
        assert dataset.confidence in {"V", "L", "L?", "D", "J"}, code
        assert "climate_change" in dataset.coverage or dataset.gaps_for("climate_change"), code  # computed
        assert dataset.kind != "electricity" or dataset.scope in ("direct", "life-cycle"), code


def test_screening_datasets_carry_a_poor_precision_score(catalogue):
    screening = [d for d in catalogue.datasets.values() if d.screening]
    assert screening, "the chemicals are screening values"
    for dataset in screening:
        assert dataset.dqr.P >= 4, dataset.code


def test_the_rule_defaults_exist(catalogue):
    import footprint

    check = footprint.validate_rules([REPO / "rules" / "ndpr-oxide.yaml"])[0]
    assert check.error is None, check.error


def test_every_flow_resolves_in_biosphere3(project, catalogue):
    bd = project[0]
    data = inventory.to_brightway(catalogue, inventory.biosphere_index(bd))
    assert len(data) == len(catalogue.datasets)


def test_inner_mongolia_grid_factor_is_transcribed(project, catalogue):
    dataset = catalogue.datasets["electricity/CN-NM"]
    co2 = [e for e in dataset.exchanges if e.name == "Carbon dioxide, fossil"]
    assert co2[0].amount == pytest.approx(0.6849) and co2[0].unit == "kg" and dataset.year == 2022


def _dataset(tmp_path: Path, body: str, code: str = "fuel/x") -> Path:
    path = tmp_path / f"{code}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return path


BASE = ("code: fuel/x\nname: x\nkind: fuel\nunit: MJ\ngeography: GLO\nyear: 2020\nsource: {citation: test}\n"
        "confidence: V\ndqr: {TeR: 1, GeR: 1, TiR: 1, P: 1}\nexchanges:\n")


def test_a_code_that_does_not_match_the_path_is_refused(tmp_path):
    _dataset(tmp_path, BASE.replace("code: fuel/x", "code: fuel/y") + "  []\n")
    with pytest.raises(InventoryError, match="does not match the file path"):
        inventory.load_catalogue([tmp_path])


def test_an_unknown_flow_names_the_file_and_suggests_compartments(project, tmp_path):
    _dataset(tmp_path, BASE + "  - {type: biosphere, name: Sulfur dioxide, categories: [air, indoor], amount: 1, "
                              "unit: kg}\n")
    catalogue = inventory.load_catalogue([tmp_path])
    with pytest.raises(LinkingError, match="compartments of 'Sulfur dioxide'") as info:
        inventory.to_brightway(catalogue, inventory.biosphere_index(project[0]))
    assert "fuel/x.yaml" in str(info.value)


def test_an_unknown_input_dataset_is_refused(tmp_path):
    _dataset(tmp_path, BASE + "  - {type: technosphere, dataset: fuel/missing, amount: 1, unit: MJ}\n")
    with pytest.raises(LinkingError, match="fuel/missing"):
        inventory.load_catalogue([tmp_path])


def test_user_datasets_extend_the_library(tmp_path, monkeypatch):
    from footprint import paths

    user_home = tmp_path / "home"
    _dataset(user_home / "inventories", BASE.replace("code: fuel/x", "code: fuel/my-own") + "  []\n",
             code="fuel/my-own")
    monkeypatch.setenv("FOOTPRINT_HOME", str(user_home))
    roots = paths.inventories_dirs()
    assert roots[-1] == user_home / "inventories"
    assert "fuel/my-own" in inventory.load_catalogue(roots).datasets


# ----------------------------------------------------------------------------- inventories list / show


def test_list_filters_by_kind_and_geography(catalogue):
    import footprint

    electricity = footprint.list_inventories(kind="electricity")
    assert electricity and all(d.kind == "electricity" for d in electricity)
    assert len(electricity) == sum(1 for d in catalogue.datasets.values() if d.kind == "electricity")
    inner_mongolia = footprint.list_inventories(kind="electricity", geography="cn-nm")
    assert [d.code for d in inner_mongolia] == ["electricity/CN-NM"]
    assert footprint.list_inventories(kind="transport", geography="CN-NM") == []


def test_cli_show_prints_source_dqr_coverage_and_flows():
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.main, ["inventories", "show", "electricity/CN-NM"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "MEE" in out and "DQR 2.25 (TeR 2, GeR 1, TiR 3, P 3)" in out
    assert "covers 5/16 EF categories completely" in out and "not covered" in out
    assert "scope: direct (life-cycle rules add 0.280619 kg of fuel/coal-upstream per kWh)" in out
    assert "missing (ionising_radiation): Rn-222 from coal mining" in out
    assert "0.6849 kg" in out and "Carbon dioxide, fossil (air)" in out
    listed = CliRunner().invoke(cli.main, ["inventories", "list", "--kind", "chemical"])
    assert listed.exit_code == 0 and "chemical/hydrochloric-acid-30pct" in listed.output
    assert "screening" in listed.output and "electricity/" not in listed.output


def test_cli_show_unknown_code_suggests_the_closest():
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.main, ["inventories", "show", "electricity/CN-MN"])
    assert result.exit_code == 2 and "electricity/CN-NM" in result.stderr and "Traceback" not in result.output

"""Coverage is computed from flows and factors, gaps are stated, and the shipped rules are held to it.

A dataset covers a category when its flows (or those of the datasets it draws on) carry a
factor of that category and it states no missing flow for it.  The shipped rules' declared
categories must be complete for their examples, except the pairs listed below, each with the
missing flows and why no open figure exists; the list is checked both ways, so it cannot rot.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprint.data import inventory
from footprint.errors import InventoryError

REPO = Path(__file__).resolve().parents[1]

HEADER = ("code: {code}\nname: test\nkind: {kind}\nunit: kg\ngeography: GLO\nsource: {{citation: test}}\n"
          "confidence: V\ndqr: {{TeR: 1, GeR: 1, TiR: 1, P: 1}}\n")


def _library(tmp_path: Path, files: dict[str, str]) -> inventory.Catalogue:
    root = tmp_path / "inventories"
    for code, body in files.items():
        path = root / f"{code}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER.format(code=code, kind=code.split("/")[0]) + body)
    return inventory.load_catalogue([root])


CO2 = "  - {type: biosphere, name: 'Carbon dioxide, fossil', categories: [air], amount: 1.0, unit: kg}\n"
SO2 = "  - {type: biosphere, name: 'Sulfur dioxide', categories: [air], amount: 0.01, unit: kg}\n"


def test_a_dataset_covers_what_its_flows_carry_a_factor_for(tmp_path):
    catalogue = _library(tmp_path, {"chemical/co2-only": "exchanges:\n" + CO2,
                                    "chemical/with-so2": "exchanges:\n" + CO2 + SO2})
    assert catalogue.status["chemical/co2-only"]["climate_change"] == "complete"
    assert catalogue.status["chemical/co2-only"]["acidification"] == "none"  # nothing, and no reason given
    # SO2 has EF 3.1 factors in acidification and particulate matter (as a precursor), none in marine eutrophication
    assert {"acidification", "particulate_matter"} <= set(catalogue.datasets["chemical/with-so2"].coverage)
    assert catalogue.status["chemical/with-so2"]["eutrophication_marine"] == "none"


def test_a_stated_gap_makes_the_dataset_partial_and_says_why(tmp_path):
    gap = ("gaps:\n  - categories: [acidification]\n    flows: NOx of the kiln\n"
           "    reason: no open figure\n")
    catalogue = _library(tmp_path, {"chemical/x": gap + "exchanges:\n" + CO2 + SO2})
    assert catalogue.status["chemical/x"]["acidification"] == "partial"
    entry = catalogue.coverage_of("chemical/x", "acidification")
    assert entry.flows == ["Sulfur dioxide (air)"]
    assert "missing NOx of the kiln (no open figure)" in entry.explanation()


def test_an_incomplete_input_makes_the_user_partial(tmp_path):
    catalogue = _library(tmp_path, {
        "chemical/base": "exchanges:\n" + CO2,
        "chemical/user": "exchanges:\n" + SO2 + "  - {type: technosphere, dataset: chemical/base, amount: 2, unit: kg}\n"})
    assert catalogue.status["chemical/user"]["acidification"] == "partial"  # its own SO2, but the input has none
    assert catalogue.coverage_of("chemical/user", "acidification").incomplete_inputs == ["chemical/base"]
    assert catalogue.characterises["chemical/user"] >= {"acidification", "climate_change"}


def test_coverage_written_in_a_file_is_refused(tmp_path):
    with pytest.raises(InventoryError, match="'coverage' is computed"):
        _library(tmp_path, {"chemical/old": "coverage: [climate_change]\nexchanges:\n" + CO2})


def test_a_lumped_co2e_with_a_second_greenhouse_gas_is_refused(tmp_path):
    methane = "  - {type: biosphere, name: 'Methane, fossil', categories: [air], amount: 0.001, unit: kg}\n"
    with pytest.raises(InventoryError, match="Methane, fossil") as err:
        _library(tmp_path, {"chemical/lumped": "lumped_co2e: {gwp_basis: AR5}\nexchanges:\n" + CO2 + methane})
    assert "counts them twice" in str(err.value)


def test_an_electricity_dataset_must_state_its_scope(tmp_path):
    with pytest.raises(InventoryError, match="scope"):
        _library(tmp_path, {"electricity/XX": "exchanges:\n" + CO2})


# ----------------------------------------------------------------------------- the shipped rules

#: (rule, category) that may stay partial or none for the rule's example, with the missing flows and why no open
#: figure fills them (the datasets' 'gaps' say the same per dataset; the report lists them).
ALLOWED = {
    ("ndpr-oxide", "acidification"): "SO2/NOx of the fuel supply chains (DEFRA WTT is CO2e only), lorry exhaust "
                                      "(rail and ships now carry USLCI/EPA exhaust), "
                                      "MgO and NH4HCO3 (GWP ranges only)",
    ("ndpr-oxide", "particulate_matter"): "as acidification",
    ("ndpr-oxide", "ionising_radiation"): "radionuclides of electricity in the chemicals' chains, coal-mine Rn-222, "
                                          "oil and gas chains: no open normalised releases",
    ("ndpr-oxide", "crustal_scarcity"): "metals in the background chains (chemicals, grids): GWP-only sources",
    ("ndpr-metal", "acidification"): "as ndpr-oxide; argon and carbon anode GWP only",
    ("ndpr-metal", "particulate_matter"): "as ndpr-oxide",
    ("ndpr-metal", "ionising_radiation"): "as ndpr-oxide",
    ("ndpr-metal", "crustal_scarcity"): "as ndpr-oxide",
    ("dy-oxide", "acidification"): "NH4HCO3 GWP only; fuel chains; transport exhaust",
    ("dy-oxide", "ionising_radiation"): "as ndpr-oxide",
    ("dy-oxide", "eutrophication_marine"): "NH3/nitrate of the chemical chains; transport exhaust NOx",
    ("dy-oxide", "crustal_scarcity"): "as ndpr-oxide",
    ("dy-metal", "acidification"): "argon, carbon anode GWP only", ("dy-metal", "particulate_matter"): "as acidification",
    ("dy-metal", "ionising_radiation"): "as ndpr-oxide", ("dy-metal", "crustal_scarcity"): "as ndpr-oxide",
    ("tb-oxide", "acidification"): "as dy-oxide", ("tb-oxide", "ionising_radiation"): "as dy-oxide",
    ("tb-oxide", "eutrophication_marine"): "as dy-oxide", ("tb-oxide", "crustal_scarcity"): "as ndpr-oxide",
    ("mixed-reo-iac", "acidification"): "(NH4)2SO4 and NH4HCO3 GWP only",
    ("mixed-reo-iac", "eutrophication_freshwater"): "P of the chemical chains; only the grid's coal mining (NETL) carries P",
    ("mixed-reo-iac", "eutrophication_marine"): "ammonium-N of the chemical chains",
    ("mixed-reo-iac", "crustal_scarcity"): "metals in the background chains",
    ("ndfeb-magnet", "acidification"): "H2SO4/NaOH beyond four USLCI flows; B4C, nickel, steel GWP only",
    ("ndfeb-magnet", "particulate_matter"): "as acidification", ("ndfeb-magnet", "ionising_radiation"): "as ndpr-oxide",
    ("ndfeb-magnet", "crustal_scarcity"): "as ndpr-oxide",
    ("ndfeb-recycled-hpms", "acidification"): "UK grid mix not in the open sources; H2 (SMR), nickel GWP only",
    ("ndfeb-recycled-hpms", "particulate_matter"): "as acidification",
    ("ndfeb-recycled-hpms", "photochemical_ozone_formation"): "as acidification; NMVOC nowhere",
    ("ndfeb-recycled-hydromet", "acidification"): "CaO, oxalic acid, virgin NdPr oxide GWP only",
    ("ndfeb-recycled-hydromet", "eutrophication_freshwater"): "phosphate: no flow in any open source used",
    ("ndfeb-recycled-hydromet", "ecotoxicity_freshwater"): "metals to water: no open figure for these chemicals",
    ("copper-cathode-sxew", "acidification"): "world grid: oil-fired and fuel-chain SO2/NOx",
    ("copper-cathode-sxew", "water_use"): "cooling-water evaporation of the grid: no open per-kWh figure",
    ("copper-cathode-sxew", "resource_use_minerals_metals"): "metals in grid infrastructure",
    ("lithium-carbonate-brine", "particulate_matter"): "soda ash and quicklime: GWP only; fuel chains; world grid",
    ("lithium-carbonate-brine", "acidification"): "as particulate matter",
    ("lithium-carbonate-brine", "water_use"): "the plant's own consumption (Schenker 2022) counts; chemicals and "
                                               "the grid have no water figure",
    ("lithium-carbonate-spodumene", "particulate_matter"): "spodumene concentrate and soda ash GWP only",
    ("lithium-carbonate-spodumene", "acidification"): "as particulate matter",
    ("lithium-carbonate-spodumene", "resource_use_fossils"): "no fuel in the example; chemicals without fuel flows",
}


def _examples():
    for rule in sorted((REPO / "rules").glob("*.yaml")):
        yield rule.stem, REPO / "examples" / rule.stem / "activity-2025.yaml"


@pytest.fixture(scope="module")
def shipped(project):
    """rule -> (declaration or None when it is refused for a declared category without data, coverage report)."""
    import footprint
    from footprint.api import CoverageError

    out = {}
    for rule, data in _examples():
        try:
            document = footprint.declare(rule, data)
        except CoverageError:
            document = None
        out[rule] = (document, footprint.inventory_coverage(rule, data))
    return out


def _statuses(document: dict | None, report) -> dict[str, str]:
    """Declared category -> coverage: the declaration's when it declares, the coverage command's otherwise."""
    if document is not None:
        return {r["category"]: r["coverage"] for r in document["results"]}
    return {c.category: c.status for c in report.categories}


def test_every_declared_category_of_every_shipped_rule_is_complete_or_explained(shipped):
    unexplained = []
    for rule, (document, report) in shipped.items():
        for category, status in _statuses(document, report).items():
            if status != "complete" and (rule, category) not in ALLOWED:
                unexplained.append(f"{rule}: {category} is {status}")
    assert not unexplained, "declared categories that are not complete and not listed with a reason: " + \
        "; ".join(unexplained)


def test_the_list_of_exceptions_holds_no_pair_that_became_complete(shipped):
    stale = [pair for pair in ALLOWED if _statuses(*shipped[pair[0]]).get(pair[1]) in (None, "complete")]
    assert not stale, f"now complete (or no longer declared): remove them from ALLOWED: {stale}"


def test_the_command_and_the_declaration_agree_on_coverage(shipped):
    """What 'footprint inventories coverage --data' shows is what the declaration says, category by category."""
    for rule, (document, report) in shipped.items():
        if document is None:
            assert "none" in {c.status for c in report.categories}, f"{rule} is refused: some category has no data"
            continue
        assert {c.category: c.status for c in report.categories} == _statuses(document, report), rule


def test_every_incomplete_dataset_states_the_missing_flows_and_why(shipped):
    """No silent gap: each dataset short of complete names missing flows, or an input that is short."""
    silent = []
    for rule, (_document, report) in shipped.items():
        for category in report.categories:
            for dataset in category.incomplete:
                if dataset.explanation.endswith("states no reason") or not dataset.explanation:
                    silent.append(f"{rule}/{category.category}: {dataset.code}")
    assert not silent, silent


def test_climate_change_is_complete_for_every_shipped_rule(shipped):
    for rule, (document, report) in shipped.items():
        assert _statuses(document, report)["climate_change"] == "complete", rule


def test_resource_use_fossils_is_no_longer_zero_where_fuels_and_grids_are_used(shipped, project):
    """Fuels carry what they take from the ground; EF 3.1 (as bundled) counts it in MJ.

    fuel/coal: 1 kg 'Coal, hard, unspecified' (through fuel/coal-upstream) x 18.01 MJ/kg (the EF 3.1 factor)
    = 18.01 MJ per kg.  fuel/diesel: 1 MJ / 43.0 MJ/kg (IPCC NCV) = 0.0232558 kg 'Oil, crude' x 43.4 MJ/kg
    = 1.00930 MJ per MJ, plus the natural gas its crude chain takes from the ground (ESU 2021 via premise,
    flared and burned at the wells: 0.00202563 m3 per MJ x 36.0 MJ/m3 = 0.0729227 MJ) = 1.08222 MJ per MJ.
    The direct-scope Inner Mongolia grid carries no fuel itself (0); its stated upstream,
    0.280619 kg coal per kWh, adds 0.280619 x 18.01 = 5.05395 MJ per kWh under a life-cycle rule.
    """
    from footprint.engine import solvers
    from footprint.inputs.categories import category

    rows, scores = solvers.background_scores([inventory.BACKGROUND_DB], [category("resource_use_fossils")])
    node = solvers.node_ids(inventory.BACKGROUND_DB)
    assert scores[rows[node["fuel/coal"]], 0] == pytest.approx(18.01, rel=1e-7)  # CFs stored as float32
    assert scores[rows[node["fuel/diesel"]], 0] == pytest.approx(43.4 / 43.0 + 0.00202563 * 36.0, rel=1e-6)
    assert scores[rows[node["electricity/CN-NM"]], 0] == 0.0
    assert scores[rows[node["fuel/coal-upstream"]], 0] * 0.280619 == pytest.approx(5.05395, rel=1e-5)
    fossils = next(r for r in shipped["ndpr-oxide"][0]["additional_information"]["results"]
                   if r["category"] == "resource_use_fossils")
    assert fossils["value"] > 100  # MJ per kg NdPr oxide (zero before the fuels carried their resource flows)


def test_the_coverage_command_names_characterising_datasets_and_reasons(project):
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.main, ["inventories", "coverage", "ndpr-oxide", "--data",
                                           str(REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "climate_change: complete" in out
    assert "acidification: partial" in out and "characterised by:" in out
    # the coal chain's mining gases are counted (ElectricityLCI), its transport exhaust is the stated gap
    assert "fuel/coal-upstream: flows: Ammonia (air), Nitrogen oxides (air), Sulfur dioxide (air)" in out
    assert "missing exhaust of the coal's transport from mine to user" in out
    as_json = CliRunner().invoke(cli.main, ["inventories", "coverage", "ndpr-oxide", "--json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert report["rule"] == "ndpr-oxide" and "by default" in report["basis"]
    categories = [c["category"] for c in report["categories"]]
    assert categories == ["climate_change", "acidification", "particulate_matter", "ionising_radiation",
                          "crustal_scarcity"]
    codes = {d["code"] for c in report["categories"] for d in c["datasets"]}
    assert {"electricity/GLO", "fuel/coal", "chemical/sulphuric-acid"} <= codes  # GLO: the concrete grid fallback


def test_the_coverage_command_refuses_an_unknown_rule_cleanly(project):
    from click.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.main, ["inventories", "coverage", "no-such-rule"])
    assert result.exit_code == 2 and "Traceback" not in result.output


#: dy-metal's processes with no input at all (every expected input stated as not used): the producer's own
#: emissions are the only data, and no dataset or supplier's declaration is used
NO_INPUTS = """rule: dy-metal
declarant: {{name: Trial Co, facility: trial, country: CN, region: CN-JX, identifier: "urn:example:trial"}}
period: {{start: 2025-01-01, end: 2025-12-31}}
production: {{amount: 80, unit: t, source: receipts, dqr: {{TeR: 1, GeR: 1, TiR: 1, P: 2}}}}
processes:
  electrolysis:
    dqr: {{TeR: 2, GeR: 1, TiR: 1, P: 3}}
    output: {{amount: 80, unit: t, source: tapped metal}}
    not_used: [fuel-oil, coal]
    excluded:  # left out under the cut-off: something goes in (no product is made from nothing), no dataset used
      - {{kinds: [dy-oxide, electricity], item: "oxide feed and power", reason: "trial: no dataset used"}}
    emissions:
      - {{flow: "Carbon dioxide, fossil", compartment: air, amount: 22.6, unit: t, source: stack}}
{extra}
  casting:
    dqr: {{TeR: 2, GeR: 1, TiR: 1, P: 3}}
    output: {{amount: 80, unit: t, source: ingots}}
    not_used: [electricity, argon, fuel-oil, coal]
    inputs:
      - {{from: electrolysis, amount: 80, unit: t, source: tapped metal}}
"""


def test_a_declared_category_nothing_gives_a_value_is_refused_when_no_dataset_is_used(project, tmp_path):
    """Before: with no dataset used, 'no dataset is missing the category' held vacuously, and acidification,
    particulate matter, ionising radiation and crustal scarcity were declared as 0 with coverage complete, exit 0
    (while 'footprint inventories coverage' said none)."""
    import footprint
    from footprint.api import CoverageError

    data = tmp_path / "activity.yaml"
    data.write_text(NO_INPUTS.format(extra=""))
    with pytest.raises(CoverageError) as err:
        footprint.declare("dy-metal", data)
    assert err.value.value == "acidification, particulate_matter, ionising_radiation, crustal_scarcity"
    assert {c.category: c.status for c in footprint.inventory_coverage("dy-metal", data).categories} == {
        "climate_change": "partial", "acidification": "none", "particulate_matter": "none",
        "ionising_radiation": "none", "crustal_scarcity": "none"}


def test_with_no_dataset_used_the_declaration_and_the_command_agree_on_coverage(project, tmp_path):
    """The producer's own emissions alone give a value: partial in both (before: complete in the declaration)."""
    import footprint

    rule = tmp_path / "dy-metal.yaml"  # without the supplementary indicator nothing here gives a value to
    text = (REPO / "rules" / "dy-metal.yaml").read_text()
    rule.write_text(text.replace("  supplementary: [crustal_scarcity]\n", "").replace("version: 1.1.0",
                                                                                      "version: 1.1.99"))
    data = tmp_path / "activity.yaml"
    data.write_text(NO_INPUTS.format(extra='      - {flow: "Sulfur dioxide", compartment: air, amount: 0.5, unit: t, '
                                           'source: stack}\n      - {flow: "Particulate Matter, < 2.5 um", '
                                           'compartment: air, amount: 0.1, unit: t, source: stack}\n'
                                           '      - {flow: "Radon-222", compartment: air, amount: 1, unit: kBq, '
                                           'source: stack}'))
    document = footprint.declare(rule, data)
    declared = {r["category"]: r["coverage"] for r in document["results"]}
    assert declared == {c.category: c.status for c in footprint.inventory_coverage(rule, data).categories}
    assert set(declared.values()) == {"partial"} and all(r["value"] > 0 for r in document["results"])
    assert "only the producer's own emissions" in document["results"][0]["coverage_note"]

"""The PEF most-relevant analysis: ranking by hand, selection rules, and never inside a declaration."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from footprint.engine import hotspots
from footprint.errors import FootprintError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"

# A hand-built result: each value is a round fraction of one person's yearly impact, using the EF 3.1
# normalisation factors of methodology.md section 2.3 (so the hand calculation below is exact).
HAND_TOTALS = {
    "climate_change": 75.5308,                  # 0.01 x NF 7553.08 kg CO2 eq
    "particulate_matter": 5.95367e-6,           # 0.01 x NF 5.95367e-4 disease incidence
    "acidification": 5.55695,                   # 0.10 x NF 55.5695 mol H+ eq
    "resource_use_minerals_metals": 0.000636226,  # 0.01 x NF 0.0636226 kg Sb eq
    "water_use": 114.687,                       # 0.01 x NF 11468.7 m3 world eq
}
# Weighted = normalised x WF: 0.01 x 21.06 % ; 0.01 x 8.96 % ; 0.10 x 6.20 % ; 0.01 x 7.55 % ; 0.01 x 8.51 %
HAND_WEIGHTED = {"climate_change": 0.002106, "particulate_matter": 0.000896, "acidification": 0.0062,
                 "resource_use_minerals_metals": 0.000755, "water_use": 0.000851}
HAND_TOTAL = 0.002106 + 0.000896 + 0.0062 + 0.000755 + 0.000851  # = 0.010808


def test_factors_are_the_published_ef31_table():
    factors = hotspots.load_factors()
    assert len(factors.factors) == 16
    assert sum(f.weighting for f in factors.factors.values()) == pytest.approx(1.0, abs=1e-9)
    assert factors.factors["climate_change"].normalisation == 7553.08
    assert factors.factors["climate_change"].weighting == pytest.approx(0.2106)
    assert factors.factors["resource_use_minerals_metals"].normalisation == 0.0636226
    assert "Ecobalyse" in factors.source


def test_ranking_matches_the_hand_calculation():
    scores = hotspots.rank_categories(HAND_TOTALS, hotspots.load_factors(), threshold=0.8)
    ranked = [s.category for s in scores if s.weighted]
    assert ranked == ["acidification", "climate_change", "particulate_matter", "water_use",
                      "resource_use_minerals_metals"]
    by_id = {s.category: s for s in scores}
    for cid, weighted in HAND_WEIGHTED.items():
        assert by_id[cid].weighted == pytest.approx(weighted, rel=1e-9)
    assert by_id["acidification"].share == pytest.approx(0.0062 / HAND_TOTAL)
    assert by_id["climate_change"].cumulative == pytest.approx(0.008306 / HAND_TOTAL)  # 76.85 %
    assert by_id["particulate_matter"].cumulative == pytest.approx(0.009202 / HAND_TOTAL)  # 85.14 %: reaches 80 %
    assert [s.category for s in scores if s.selected] == ["acidification", "climate_change", "particulate_matter"]


def test_threshold_is_a_parameter():
    factors = hotspots.load_factors()
    wide = hotspots.rank_categories(HAND_TOTALS, factors, threshold=0.9)
    # cumulative after water use: 0.010053 / 0.010808 = 93.0 % >= 90 %
    assert [s.category for s in wide if s.selected] == ["acidification", "climate_change", "particulate_matter",
                                                         "water_use"]


def test_climate_change_always_and_at_least_three():
    factors = hotspots.load_factors()
    narrow = hotspots.rank_categories(HAND_TOTALS, factors, threshold=0.5)  # acidification alone is 57 %
    selected = {s.category: s.reason for s in narrow if s.selected}
    assert list(selected) == ["acidification", "climate_change", "particulate_matter"]
    assert "always" in selected["climate_change"] and "at least 3" in selected["particulate_matter"]
    tiny_climate = dict(HAND_TOTALS, climate_change=0.0755308)  # 1e-5 person-years: ranks last of the five
    scores = hotspots.rank_categories(tiny_climate, factors, threshold=0.8)
    chosen = [s for s in scores if s.selected]
    assert "climate_change" in [s.category for s in chosen]
    assert next(s for s in scores if s.category == "climate_change").rank == 5


def test_most_relevant_contributors_use_absolute_values():
    chosen = hotspots.most_relevant({"a": 50.0, "b": 30.0, "c": 15.0, "d": 5.0}, 0.8)
    assert [c.id for c in chosen] == ["a", "b"] and chosen[-1].cumulative == pytest.approx(0.8)
    credit = hotspots.most_relevant({"a": -60.0, "b": 30.0, "c": 10.0}, 0.8)
    assert [c.id for c in credit] == ["a", "b"]
    assert hotspots.most_relevant({"a": 0.0}, 0.8) == []


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5])
def test_threshold_out_of_range_is_refused(threshold):
    with pytest.raises(FootprintError, match="threshold"):
        hotspots.rank_categories(HAND_TOTALS, hotspots.load_factors(), threshold=threshold)


def test_analysis_of_the_example_declaration(example_declaration):
    result = hotspots.from_declaration(example_declaration)
    assert len(result.categories) == 16
    assert "climate_change" in result.selected and len(result.selected) >= 3
    weighted = sorted((abs(s.weighted) for s in result.categories), reverse=True)
    assert [abs(s.weighted) for s in result.categories] == weighted
    from footprint.inputs.upstream import all_results

    computed = all_results(example_declaration)  # declared and additional: the analysis ranks all 16
    for cid in result.selected:
        total = next(r for r in computed if r["category"] == cid)["value"]
        processes = result.processes[cid]
        assert processes and processes[-1].cumulative >= 0.8 - 1e-9
        assert sum(c.value for c in processes) == pytest.approx(
            sum(v for k, v in next(r for r in computed if r["category"] == cid)
                ["by_process"].items() if k in {c.id for c in processes}))
        assert abs(total) > 0


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(str(key).lower())
            _keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys(item, found)
    return found


def test_a_declaration_carries_no_normalised_or_weighted_values(example_declaration):
    keys = _keys(example_declaration, set())
    for word in ("normalis", "normaliz", "weighted", "single_score", "weighting_factor"):
        assert not [k for k in keys if word in k], word
    text = json.dumps(example_declaration)
    assert "EF 3.1 normalisation" not in text and "Ecobalyse" not in text


def test_cli_hotspots_text_and_json(project):
    runner = CliRunner()
    text = runner.invoke(cli.main, ["hotspots", "ndpr-oxide", str(EXAMPLE)])
    assert text.exit_code == 0, text.output
    assert "Climate change" in text.stdout and "NOT part of any declaration" in text.stdout
    machine = runner.invoke(cli.main, ["hotspots", "ndpr-oxide", str(EXAMPLE), "--json", "--threshold", "0.9"])
    assert machine.exit_code == 0, machine.output
    data = json.loads(machine.stdout)
    assert data["threshold"] == 0.9 and "climate_change" in data["selected"]
    bad = runner.invoke(cli.main, ["hotspots", "ndpr-oxide", str(EXAMPLE), "--threshold", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# ----------------------------------------------------------------------------- audit: factors, ties, zeros

# methodology.md section 2.3 (EF 3.1 as implemented by Ecobalyse), transcribed by hand: NF per person
# and year, WF in %.  Every factor of the file must be this table.
METHODOLOGY_TABLE = {
    "climate_change": (7553.08, 21.06), "ozone_depletion": (0.053648, 6.31),
    "human_toxicity_cancer": (1.72529e-5, 2.13), "human_toxicity_non_cancer": (1.28736e-4, 1.84),
    "particulate_matter": (5.95367e-4, 8.96), "ionising_radiation": (4220.16, 5.01),
    "photochemical_ozone_formation": (40.8592, 4.78), "acidification": (55.5695, 6.20),
    "eutrophication_terrestrial": (176.755, 3.71), "eutrophication_freshwater": (1.60685, 2.80),
    "eutrophication_marine": (19.5452, 2.96), "ecotoxicity_freshwater": (56716.6, 1.92),
    "land_use": (819498, 7.94), "water_use": (11468.7, 8.51), "resource_use_fossils": (65004.3, 8.32),
    "resource_use_minerals_metals": (0.0636226, 7.55),
}


def test_every_factor_is_the_methodology_table():
    factors = hotspots.load_factors().factors
    assert set(factors) == set(METHODOLOGY_TABLE)
    for cid, (nf, wf_pct) in METHODOLOGY_TABLE.items():
        assert factors[cid].normalisation == nf, cid
        assert factors[cid].weighting == pytest.approx(wf_pct / 100, abs=1e-12), cid


def _factor_file(tmp_path, change) -> Path:
    import yaml

    raw = yaml.safe_load(hotspots.FACTORS_FILE.read_text(encoding="utf-8"))
    change(raw["factors"])
    path = tmp_path / "factors.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, field, message", [
    (lambda f: f["land_use"].update(normalisation=0), "factors.land_use.normalisation", "above zero"),
    (lambda f: f.pop("water_use"), "factors", "missing water_use"),
    (lambda f: f["resource_use_fossils"].update(unit="GJ"), "factors.resource_use_fossils.unit", "another unit"),
    (lambda f: f["ozone_depletion"].update(weighting_pct=7.31), "factors", "do not sum to 100"),
    (lambda f: f.update(crustal_scarcity={"normalisation": 1, "unit": "kg Si-Eq", "weighting_pct": 0}),
     "factors", "unknown crustal_scarcity"),
])
def test_a_factor_file_that_would_rank_wrongly_is_refused(tmp_path, change, field, message):
    """Old code: a normalisation factor of 0 was a ZeroDivisionError traceback, a missing category a
    KeyError, and a factor in GJ for a result in MJ, weights summing to 101 % or an extra category were
    used as they stood: the ranking moved with exit 0."""
    with pytest.raises(FootprintError) as caught:
        hotspots.load_factors(_factor_file(tmp_path, change))
    assert caught.value.field == field and message in str(caught.value)


def test_categories_tied_at_the_threshold_are_selected_together():
    """Two categories of equal weighted score at the 80 % threshold: old code kept the one whose id sorts
    first (acidification) and dropped the other (eutrophication_terrestrial), so a name decided relevance.
    Hand values (person-years x WF): climate change 0.05 x 21.06 % = 0.01053 Pt; particulate matter
    0.05 x 8.96 % = 0.00448 Pt; acidification 0.05 x 6.20 % = 0.0031 Pt; eutrophication, terrestrial
    0.0031 / 0.0371 = 0.083558 person-years x NF 176.755 = 14.7690 mol N eq -> 0.0031 Pt; water use
    0.01 x 8.51 % = 0.000851 Pt.  Total 0.022061 Pt; cumulative 47.73 %, 68.04 %, 82.09 % (acidification
    reaches 80 %), 96.14 % (its tie), 100 %."""
    totals = {"climate_change": 377.654, "particulate_matter": 2.976835e-5, "acidification": 2.778475,
              "eutrophication_terrestrial": 0.0031 / 0.0371 * 176.755, "water_use": 114.687}
    scores = hotspots.rank_categories(totals, hotspots.load_factors(), threshold=0.8)
    by_id = {s.category: s for s in scores}
    assert by_id["acidification"].weighted == pytest.approx(by_id["eutrophication_terrestrial"].weighted)
    assert by_id["acidification"].cumulative == pytest.approx(0.01811 / 0.022061)
    assert [s.category for s in scores if s.selected] == ["climate_change", "particulate_matter",
                                                         "acidification", "eutrophication_terrestrial"]
    assert "tied with acidification" in by_id["eutrophication_terrestrial"].reason
    assert not by_id["water_use"].selected


def test_contributors_tied_at_the_threshold_are_kept_together():
    """Processes a 40, b 40, c 20 at 40 %: old code returned [a] (a reaches 40 % and sorts first),
    leaving b, exactly as large, out of the most relevant processes."""
    chosen = hotspots.most_relevant({"b": 40.0, "a": 40.0, "c": 20.0}, 0.4)
    assert [c.id for c in chosen] == ["a", "b"] and chosen[-1].cumulative == pytest.approx(0.8)
    assert [c.id for c in hotspots.most_relevant({"a": -40.0, "b": 40.0, "c": 20.0}, 0.4)] == ["a", "b"]
    assert [c.id for c in hotspots.most_relevant({"a": 50.0, "b": 30.0, "c": 20.0}, 0.5)] == ["a"]


def test_all_zero_results_are_refused():
    """Old code: 16 zeros ranked by name; climate change and the next two ids alphabetically
    (acidification, ecotoxicity_freshwater) came out as 'most relevant' with exit 0."""
    with pytest.raises(FootprintError, match="nothing to rank"):
        hotspots.rank_categories({}, hotspots.load_factors())


def test_a_declared_indicator_without_factors_is_named_not_dropped(example_declaration):
    """ndpr-oxide declares crustal_scarcity beside EF 3.1; it has no normalisation or weighting factor.
    Old code left it out of the text report without a word."""
    result = hotspots.from_declaration(example_declaration)
    assert result.not_ranked == ["crustal_scarcity"]
    assert ("declared by the rule but not ranked (no EF 3.1 normalisation and weighting factor): "
            "crustal_scarcity") in result.text()
    assert result.to_dict()["declared_not_ranked"] == ["crustal_scarcity"]


def test_a_result_in_another_unit_than_its_factor_is_refused(example_declaration):
    import copy

    from footprint.inputs.upstream import all_results

    document = copy.deepcopy(example_declaration)
    next(r for r in all_results(document) if r["category"] == "resource_use_fossils")["unit"] = "GJ"
    with pytest.raises(FootprintError, match="other units"):
        hotspots.from_declaration(document)


def test_a_factors_caveat_is_printed_where_its_category_matters(example_declaration):
    """The ozone-depletion factor is 2.5 % from an independent transcription (0.053648 against
    0.0523484: 0.053648 / 0.0523484 = 1.0248); old code kept that doubt in a YAML comment only, never in
    the report a rule author reads.  It is printed when the category is selected or declared."""
    import copy

    from footprint.inputs.upstream import all_results

    shipped = hotspots.load_factors()
    assert "0.0523484" in shipped.caveats["ozone_depletion"]
    quiet = hotspots.from_declaration(example_declaration, factors=shipped)  # ozone depletion 0: not selected
    assert "ozone_depletion" not in quiet.selected and "caveat" not in quiet.text()
    document = copy.deepcopy(example_declaration)
    ozone = next(r for r in all_results(document) if r["category"] == "ozone_depletion")
    ozone["value"] = 0.053648  # one person-year x 6.31 %: far above every other category
    loud = hotspots.from_declaration(document, factors=shipped)
    assert loud.selected[0] == "ozone_depletion"
    assert f"caveat (ozone_depletion): {shipped.caveats['ozone_depletion']}" in loud.text()
    assert loud.to_dict()["caveats"] == {"ozone_depletion": shipped.caveats["ozone_depletion"]}

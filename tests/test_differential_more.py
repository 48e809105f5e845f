"""Differential test, continued: what tests/test_differential.py leaves out, against plain Brightway.

Its helpers (the generated chains and recycled-content systems, the rule and activity writers, the
bw2data/bw2calc recomputation and the comparison) are imported, not copied; this file adds:

* **ore mined** (footprint/engine/ore.py): the first process of a generated chain mines ore; the rule gives
  its contents (TREO in %, fraction, ppm or g/t with a distribution of rare earths as their reporting
  oxides, or a rare earth as an element content of its own, beside Fe, Cu or Li) and the producer may
  replace some of them with its own assay.  The recomputation turns them into resource flows from this
  file's own atomic weights and oxide formulas (Castor & Hedrick's reporting oxides: CeO2, Pr6O11, Tb4O7,
  sesquioxides for the others; ree-data.md): element kg = ore kg x content x share of the group x element
  mass fraction of its oxide, written in the plain bw2data foreground as 'natural resource::in ground'
  flows of the mining process (allocated like its other flows), and characterised by EF 3.1 'material
  resources: metals/minerals' (footprint's CF extension is empty: checked) and the Crustal Scarcity
  Indicator 2020 as bw2io bundles them;
* **an imported database and a mapping** (footprint/data/background.py, footprint/engine/mapping.py): a
  small Brightway Excel database is imported (datasets in MJ, t, GJ and kWh, of reference amounts other
  than 1, one drawing on another) and a mapping points input kinds (electricity, sulphuric-acid, lorry) and
  dataset codes (fuel/natural-gas, fuel/diesel) at them (natural gas by its code: a kind entry would take
  the gas bought by the m3 too, which footprint refuses as a unit that does not fit); the recomputation
  links the plain foreground to the imported activities with this file's unit factors (and adds no fuel
  chain for a replaced grid);
* **supplier declarations whose declared unit is not 1 kg** (footprint/inputs/upstream.py): the virgin
  material blended in, and Ev, bought by the kg, g or t from a declaration per 1 t, 1000 kg, 500 g, 0.5 t
  or 2 kg; the declaration states its values (and the elements its product took from the ground) per its
  declared unit, the recomputation takes them per kg.  The elements the buyer lists (mineral_resources)
  are the kg of virgin material bought per declared unit, recomputed as the change of the plain
  recomputation's climate change when the supplier's value rises by 1 per kg, times the element's kg/kg.

Tolerance 1e-6 relative as in test_differential (bw2data keeps the written foreground in float32).
DIFF_EXAMPLES=N and DIFF_RANDOM=1 run more or other examples.
"""
from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import footprint
import test_differential as td
from footprint.errors import FootprintError
from test_cff import _virgin_declaration
from test_differential import Line, System, compare, primary_systems, recompute, secondary_systems

REPO = Path(__file__).resolve().parents[1]
#: fewer examples than test_differential: three properties here, under two minutes on a loaded machine
SETTINGS = settings(td.SETTINGS, max_examples=int(os.environ.get("DIFF_EXAMPLES", "10")))

#: the resource categories compared here, by the Brightway keys bw2io ships
RESOURCE_METHODS = {
    "resource_use_minerals_metals": ("EF v3.1", "material resources: metals/minerals",
                                     "abiotic depletion potential (ADP): elements (ultimate reserves)"),
    "crustal_scarcity": ("Crustal Scarcity Indicator 2020", "material resources: metals/minerals",
                         "crustal scarcity potential (CSP)"),
}

#: this file's own table: element -> (biosphere3 name, atomic weight (IUPAC 2021), reporting oxide (metal, O))
O_WEIGHT = 15.999
RARE_EARTHS = {
    "Sc": ("Scandium", 44.956, (2, 3)), "Y": ("Yttrium", 88.906, (2, 3)), "La": ("Lanthanum", 138.905, (2, 3)),
    "Ce": ("Cerium", 140.116, (1, 2)), "Pr": ("Praseodymium", 140.908, (6, 11)),
    "Nd": ("Neodymium", 144.242, (2, 3)), "Sm": ("Samarium", 150.36, (2, 3)), "Eu": ("Europium", 151.964, (2, 3)),
    "Gd": ("Gadolinium", 157.25, (2, 3)), "Tb": ("Terbium", 158.925, (4, 7)), "Dy": ("Dysprosium", 162.500, (2, 3)),
    "Ho": ("Holmium", 164.930, (2, 3)), "Er": ("Erbium", 167.259, (2, 3)), "Tm": ("Thulium", 168.934, (2, 3)),
    "Yb": ("Ytterbium", 173.045, (2, 3)), "Lu": ("Lutetium", 174.967, (2, 3)),
}
METALS = {"Fe": "Iron", "Cu": "Copper", "Li": "Lithium"}
#: a content's unit -> its fraction of the ore
CONTENT_UNITS = {"%": 1e-2, "fraction": 1.0, "ppm": 1e-6, "g/t": 1e-6}


def _oxide_fraction(element: str) -> float:
    _name, weight, (atoms, oxygen) = RARE_EARTHS[element]
    return atoms * weight / (atoms * weight + oxygen * O_WEIGHT)


# ------------------------------------------------------------------ ore mined

def _content(draw, fraction: float) -> dict:
    unit = draw(st.sampled_from(sorted(CONTENT_UNITS)))
    return {"value": fraction / CONTENT_UNITS[unit], "unit": unit, "source": "test"}


def _distribution(draw, elements: list[str]) -> dict:
    weights = [td._amount(draw, 0.05, 1.0) for _ in elements]
    total = td._amount(draw, 60.0, 100.0)  # % of the group: the rest is not characterised (a 'trace')
    return {"shares": {e: w / sum(weights) * total for e, w in zip(elements, weights)}, "source": "test"}


@st.composite
def ore_systems(draw) -> tuple[System, dict, dict | None]:
    """A generated chain whose first process mines ore: (system, the rule's extraction, the producer's assay)."""
    system = draw(primary_systems())
    system.supplied.pop("p0", None)  # the mine is modelled with the data drawn for it
    if system.override and system.processes[0].method == "specified":
        # primary_systems drew the sensitivity run's method over the processes it modelled, which may not have
        # held p0 (then supplied): a run's method over specified shares is refused (rightly), not this test's case
        system.override = None
    mine = system.processes[0]
    assume(mine.output.dim == "mass")  # an ore counted in MJ is refused (it has no mass): not this test's case
    extraction: dict = {"contents": {}, "distributions": {}}
    metals = draw(st.lists(st.sampled_from(sorted(METALS)), max_size=2, unique=True))
    form = draw(st.sampled_from(["TREO", "element", "none" if metals else "TREO"]))
    if form == "TREO":
        elements = draw(st.lists(st.sampled_from(sorted(RARE_EARTHS)), min_size=2, max_size=6, unique=True))
        extraction["contents"]["TREO"] = _content(draw, td._amount(draw, 1e-4, 0.08))
        extraction["distributions"]["TREO"] = _distribution(draw, elements)
    elif form == "element":
        extraction["contents"][draw(st.sampled_from(sorted(RARE_EARTHS)))] = _content(draw, td._amount(draw, 1e-5, 0.01))
    for metal in metals:
        extraction["contents"][metal] = _content(draw, td._amount(draw, 1e-4, 0.4))
    if not extraction["distributions"]:
        del extraction["distributions"]
    assay = None
    if draw(st.booleans()):  # the producer's assay replaces some of the rule's values, key by key
        assay = {"contents": {}, "distributions": {}}
        for key in extraction["contents"]:
            if draw(st.booleans()):
                assay["contents"][key] = _content(draw, extraction["contents"][key]["value"]
                                                  * CONTENT_UNITS[extraction["contents"][key]["unit"]]
                                                  * td._amount(draw, 0.5, 1.5))
        others = sorted(set(METALS) - set(extraction["contents"]))
        if others and draw(st.booleans()):  # a content the rule does not give: the assay adds it
            assay["contents"][draw(st.sampled_from(others))] = _content(draw, td._amount(draw, 1e-4, 0.2))
        if "TREO" in extraction["contents"] and draw(st.booleans()):
            # the same elements (every one the rule's distribution holds, as the engine requires), other shares
            assay["distributions"]["TREO"] = _distribution(draw, sorted(extraction["distributions"]["TREO"]["shares"]))
        if draw(st.booleans()):
            assay["dqr"] = {"TeR": 1, "GeR": 1, "TiR": 1, "P": 1}
        assay = {k: v for k, v in assay.items() if v}
        assume(any(k in assay for k in ("contents", "distributions")))
    return system, extraction, assay


def _extracted(system: System, extraction: dict, assay: dict | None) -> dict[str, float]:
    """biosphere3 element name -> kg taken from the ground in the period (before allocation)."""
    contents = dict(extraction["contents"]) | dict((assay or {}).get("contents", {}))
    distributions = dict(extraction.get("distributions", {})) | dict((assay or {}).get("distributions", {}))
    ore_kg = system.processes[0].output.base
    kg: dict[str, float] = {}
    for key, content in contents.items():
        fraction = content["value"] * CONTENT_UNITS[content["unit"]]
        if key == "TREO":
            for element, share in distributions["TREO"]["shares"].items():
                name = RARE_EARTHS[element][0]
                kg[name] = kg.get(name, 0.0) + ore_kg * fraction * share / 100.0 * _oxide_fraction(element)
        else:
            name = RARE_EARTHS[key][0] if key in RARE_EARTHS else METALS[key]
            kg[name] = kg.get(name, 0.0) + ore_kg * fraction
    return kg


def _write_ore(system: System, extraction: dict, assay: dict | None, directory: Path) -> tuple[Path, Path]:
    rule_path, data_path = td.write(system, directory)
    rule = yaml.safe_load(rule_path.read_text())
    for stage in rule["stages"]:
        for entry in stage["processes"]:
            if entry["id"] == "p0":
                entry["extraction"] = extraction
    rule["impact_categories"]["supplementary"] = ["crustal_scarcity"]
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    if assay is not None:
        data = yaml.safe_load(data_path.read_text())
        data["processes"]["p0"]["ore"] = assay
        data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    return rule_path, data_path


def _extension_is_empty() -> None:
    """The recomputation characterises with bw2io's EF 3.1 method: footprint's extension must add nothing."""
    extension = yaml.safe_load((REPO / "footprint" / "data" / "adp-ree-extension.yaml").read_text())
    assert not extension["factors"], "adp-ree-extension.yaml has factors: add them to RESOURCE_METHODS' method here"


@pytest.fixture
def resource_methods(monkeypatch):
    """test_differential's recomputation, comparing the two resource categories as well."""
    _extension_is_empty()
    for category, method in RESOURCE_METHODS.items():
        monkeypatch.setitem(td.METHODS, category, method)


@SETTINGS
@given(case=ore_systems())
def test_ore_mined_declares_the_resource_flows_plain_brightway_computes(project, resource_methods,
                                                                         tmp_path_factory, case):
    system, extraction, assay = case
    directory = tmp_path_factory.mktemp("ore")
    rule_path, data_path = _write_ore(system, extraction, assay, directory)
    try:
        document = footprint.declare(rule_path, data_path, allocation=system.override)
    except FootprintError as exc:
        pytest.fail(f"refused: {exc}\n{rule_path.read_text()}\n{data_path.read_text()}")
    # the truth: the same system whose mine also takes these elements from the ground
    truth = copy.deepcopy(system)
    for name, kg in sorted(_extracted(system, extraction, assay).items()):
        truth.processes[0].emissions.append((name, "natural resource::in ground", Line(kg, "kg", "mass")))
    expected = recompute(truth)
    problems = compare(document, expected)
    # something was taken from the ground, and it shows (else the comparison above proves little)
    assert expected.totals["crustal_scarcity"] > 0
    assert not problems, "\n".join(problems) + "\n" + rule_path.read_text() + data_path.read_text()


# ------------------------------------------------------------------ a supplier's declared unit other than 1 kg

#: a supplier's declared unit: (amount, unit)
NICKEL = 0.9  # kg of nickel taken from the ground per kg of the supplier's virgin metal
SUPPLIER_UNITS = [(1.0, "t"), (1000.0, "kg"), (500.0, "g"), (0.5, "t"), (2.0, "kg")]


def _per_unit_declaration(amount: float, unit: str) -> dict:
    """test_cff's declaration of the virgin metal, stated per ``amount`` ``unit`` (values scaled to it), re-hashed."""
    from footprint.inputs.upstream import content_hash

    kg = amount * td.FACTORS["mass"][unit]
    document = _virgin_declaration({c: v * kg for c, v in td.VIRGIN_VALUES.items()})
    document["declared_unit"] = dict(document["declared_unit"], amount=amount, unit=unit)
    document["mineral_resources"] = {"elements": [{"element": "Nickel", "symbol": None, "kg": NICKEL * kg,
                                                   "ef31_characterised": True}]}
    document["content_sha256"] = content_hash(document)
    return document


@st.composite
def supplier_systems(draw) -> tuple[System, tuple[float, str]]:
    system = draw(secondary_systems())
    system.virgin_declared = True
    if system.recycled == "cff":
        system.ev_declared = draw(st.booleans())
    bought = any(kind == td.VIRGIN_KIND for p in system.processes for kind, _l in p.inputs)
    assume(bought or system.ev_declared)  # a declaration is read
    amount, unit = draw(st.sampled_from(SUPPLIER_UNITS))
    if system.ev_declared and system.ev_unit is None and unit != "kg":
        system.ev_unit = "kg"  # Ev's amount of a source not counted in kg needs its unit (rule.VirginBurden.amount_in)
    return system, (amount, unit)


def _declared_virgin_kg(system: System) -> float:
    """kg of virgin metal bought by declaration per declared unit: the plain recomputation's climate change
    with the supplier's value raised by 1 kg CO2-eq per kg, less the one without (Ev from its dataset)."""
    probe = copy.deepcopy(system)
    probe.ev_declared = False  # Ev from a declaration is no input bought: it lists no element
    methods, values = dict(td.METHODS), dict(td.VIRGIN_VALUES)
    try:
        td.METHODS.clear()
        td.METHODS["climate_change"] = methods["climate_change"]
        base = recompute(probe).totals["climate_change"]
        td.VIRGIN_VALUES["climate_change"] = values["climate_change"] + 1.0
        return recompute(probe).totals["climate_change"] - base
    finally:
        td.METHODS.clear()
        td.METHODS.update(methods)
        td.VIRGIN_VALUES.clear()
        td.VIRGIN_VALUES.update(values)


@SETTINGS
@given(case=supplier_systems())
def test_a_supplier_declared_per_t_or_g_is_read_per_kg(project, tmp_path_factory, case):
    system, (amount, unit) = case
    directory = tmp_path_factory.mktemp("supplier")
    rule_path, data_path = td.write(system, directory)
    (directory / "virgin.json").write_text(json.dumps(_per_unit_declaration(amount, unit)))
    try:
        document = footprint.declare(rule_path, data_path, allocation=system.override)
    except FootprintError as exc:
        pytest.fail(f"refused: {exc}\n{data_path.read_text()}")
    problems = compare(document, recompute(system))
    bought = _declared_virgin_kg(system)
    listed = {row["element"]: row["kg"] for row in (document.get("mineral_resources") or {}).get("elements", [])}
    if not math.isclose(listed.get("Nickel", 0.0), NICKEL * bought, rel_tol=1e-5, abs_tol=1e-12):
        problems.append(f"mineral_resources Nickel: declared {listed.get('Nickel')!r}, recomputed {NICKEL * bought!r}")
    assert not problems, (f"supplier per {amount:g} {unit}\n" + "\n".join(problems) + "\n" + rule_path.read_text()
                          + data_path.read_text())


# ------------------------------------------------------------------ an imported database and a mapping

IMPORTED = "diff-imported"
HEADER = ["name", "amount", "unit", "location", "categories", "type", "reference product"]
#: footprint dataset code -> (imported activity name, its unit, the imported unit per unit of the library's)
REPLACED = {
    "electricity/DE": ("electricity, diff", "megajoule", 3.6),  # kWh -> MJ
    "electricity/CN-NM": ("electricity, diff", "megajoule", 3.6),
    "chemical/sulphuric-acid": ("acid, diff", "ton", 1e-3),  # kg -> t
    "fuel/natural-gas": ("gas, diff", "gigajoule", 1e-3),  # MJ -> GJ
    "fuel/diesel": ("diesel, diff", "kilowatt hour", 1 / 3.6),  # MJ -> kWh
    "transport/lorry": ("lorry, diff", "kilogram kilometer", 1e3),  # t*km -> kg*km
}
#: the mapping's dataset-code entries (they take a default dataset of an optional process too; a kind entry does not)
CODE_ENTRIES = {"fuel/natural-gas", "fuel/diesel"}
MAPPING = """database: diff-imported
map:
  electricity: {name: "electricity, diff", location: %s}
  sulphuric-acid: {name: "acid, diff"}
  fuel/natural-gas: {name: "gas, diff"}
  fuel/diesel: {name: "diesel, diff"}
  lorry: {name: "lorry, diff"}
"""


def _activity_rows(name: str, unit: str, location: str, reference: float, exchanges: list[list]) -> list[list]:
    return [["Activity", name], ["reference product", name], ["location", location], ["unit", unit],
            ["Exchanges"], HEADER, [name, reference, unit, location, "", "production", name], *exchanges, []]


def _emissions(co2: float, so2: float, pm: float) -> list[list]:
    return [["Carbon dioxide, fossil", co2, "kilogram", "", "air", "biosphere", ""],
            ["Sulfur dioxide", so2, "kilogram", "", "air", "biosphere", ""],
            ["Particulate Matter, < 2.5 um", pm, "kilogram", "", "air", "biosphere", ""]]


def _workbook(path: Path) -> Path:
    """A Brightway Excel database whose units differ from the library's and whose reference amounts are not 1."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "diff"
    rows: list[list] = [["Database", IMPORTED], []]
    for location in ("DE", "CN-NM"):  # 2 MJ per run, drawing 2e-5 t of the imported acid
        rows += _activity_rows("electricity, diff", "megajoule", location, 2.0,
                               [*_emissions(0.31, 4e-4, 2e-5),
                                ["acid, diff", 2e-5, "ton", "GLO", "", "technosphere", "acid, diff"]])
    rows += _activity_rows("acid, diff", "ton", "GLO", 1.0, _emissions(150.0, 2.0, 0.1))
    rows += _activity_rows("gas, diff", "gigajoule", "GLO", 0.5, _emissions(28.0, 1e-3, 1e-4))
    rows += _activity_rows("diesel, diff", "kilowatt hour", "GLO", 3.0, _emissions(0.8, 2e-3, 3e-4))
    rows += _activity_rows("lorry, diff", "kilogram kilometer", "GLO", 1.0, _emissions(1e-4, 2e-7, 1e-8))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def imported(project, tmp_path_factory) -> dict[str, tuple[tuple[str, str], float]]:
    """The database imported once; the recomputation's links: library dataset code -> (node key, factor)."""
    import bw2data as bd

    from footprint.data import imports

    imports.import_database(_workbook(tmp_path_factory.mktemp("imported") / "db.xlsx"), "excel", IMPORTED,
                            version="1", replace=True)
    from footprint.data import project as fp_project

    with fp_project.scratch_project():
        nodes = {(a["name"], a["location"]): a.key for a in bd.Database(IMPORTED)}
    links = {}
    for code, (name, _unit, factor) in REPLACED.items():
        location = code.split("/")[1] if code.startswith("electricity/") else "GLO"
        links[code] = (nodes[(name, location)], factor)
    return links


def _entries_used(system: System) -> set[str]:
    """The mapping entries an input of the generated system draws on (a code entry also takes a default dataset)."""
    used = set()
    for p in system.processes:
        if p.id in system.supplied:
            used |= {system.supplied[p.id]} & {"fuel/natural-gas"}
            continue
        kinds = {kind for kind, _line in p.inputs}
        used |= {"electricity", "sulphuric-acid"} & kinds
        used |= {f"fuel/{kind}" for kind in ("natural-gas", "diesel") if kind in kinds}
        used |= {"lorry"} & {kind for kind, _line, _form in p.legs}
    return used


@SETTINGS
@given(system=primary_systems())
def test_a_mapping_to_an_imported_database_declares_what_plain_brightway_computes(imported, tmp_path_factory,
                                                                                  system):
    directory = tmp_path_factory.mktemp("mapped")
    rule_path, data_path = td.write(system, directory)
    mapping = directory / "mapping.yaml"
    mapping.write_text(MAPPING % (system.region or "DE"))
    try:
        document = footprint.declare(rule_path, data_path, allocation=system.override, mapping=mapping)
    except FootprintError as exc:
        pytest.fail(f"refused: {exc}\n{data_path.read_text()}")
    applied = set(document["provenance"]["background"]["mapping"]["applied"])
    assert applied == _entries_used(system), applied  # else the comparison below proves little
    by_code = {code: link for code, link in imported.items() if code in CODE_ENTRIES}
    problems = compare(document, recompute(system, mapped=imported, mapped_defaults=by_code))
    assert not problems, "\n".join(problems) + "\n" + rule_path.read_text() + data_path.read_text()


def test_the_oxide_fractions_are_the_reporting_oxides():
    """This file's own table, checked by hand: Nd in Nd2O3 and Pr in Pr6O11."""
    assert math.isclose(_oxide_fraction("Nd"), 288.484 / 336.481, rel_tol=1e-5)
    assert math.isclose(_oxide_fraction("Pr"), 6 * 140.908 / (6 * 140.908 + 11 * 15.999), rel_tol=1e-12)

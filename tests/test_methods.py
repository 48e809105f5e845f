"""Impact categories and footprint's documented CF extension (rare-earth ADP factors).

The shipped extension file holds only factors with a published source; none was found
for Nd, Pr, Dy, Tb, La, Ce, Sm, Eu, Gd or Sc (see footprint/data/adp-ree-extension.yaml),
so the extended method must equal the bundled one and say which elements lack a factor.
The mechanism itself is tested with a test-only factor file: 1 kg of neodymium in
ground must then score exactly that factor in a real Brightway LCA.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from footprint.data import methods
from footprint.errors import MethodError
from footprint.inputs import categories

BASE = ("EF v3.1", "material resources: metals/minerals",
        "abiotic depletion potential (ADP): elements (ultimate reserves)")
#: the method the resource category reads: an extension must be written under it (methods._same_method_as_the_category)
EXTENDED = categories.category("resource_use_minerals_metals").method
REE = {"Nd", "Pr", "Dy", "Tb", "La", "Ce", "Sm", "Eu", "Gd", "Sc"}


def test_resource_category_uses_the_extended_method_not_the_bundled_one():
    category = categories.category("resource_use_minerals_metals")
    extension = methods.load_extension()
    assert category.method == extension.method != BASE
    assert extension.base_method == BASE
    assert methods.bundled_methods() and category.method not in methods.bundled_methods()


def test_shipped_extension_has_only_sourced_factors_and_names_the_gaps():
    extension = methods.load_extension()
    for factor in extension.factors:
        assert factor.source.strip() and factor.cf > 0 and factor.flows
    described = extension.describe()
    assert described["sha256"] == hashlib.sha256(methods.EXTENSION_FILE.read_bytes()).hexdigest()
    # every one of the ten elements is either characterised or listed as lacking a published factor
    assert REE == set(described["elements"]) | set(described["without_published_factor"])


def test_extended_method_in_the_project_is_the_bundled_method_plus_the_extension(project):
    bd = project[0]
    extension = methods.load_extension()
    base = dict((flow, cf) for flow, cf in bd.Method(BASE).load())
    extended = dict((flow, cf) for flow, cf in bd.Method(extension.method).load())
    assert len(extended) == len(base) + sum(len(f.flows) for f in extension.factors)
    for flow, cf in base.items():
        assert extended[flow] == cf


def _extension_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "ext.yaml"
    path.write_text(f"""id: test-ext
version: "9"
base_method: {list(BASE)}
method: {list(EXTENDED)}
unit: kg Sb-Eq
factors:
{body}
""")
    return path


# TEST VALUE ONLY (not a published factor): it checks that the mechanism carries a factor through.
TEST_CF = 2.5e-7


def test_one_kg_neodymium_in_ground_scores_the_extension_factor(scratch, tmp_path):
    from footprint.data import inventory

    bd, bc, _bi = scratch
    path = _extension_file(tmp_path, f"""  - element: Nd
    flows: [["Neodymium", ["natural resource", "in ground"]],
            ["Neodymium, 4% in bastnasite, 0.4% in crude ore", ["natural resource", "in ground"]]]
    cf: {TEST_CF}
    unit: kg Sb-Eq
    source: test value for the mechanism, not a published factor
""")
    extension = methods.load_extension(path)
    index = inventory.biosphere_index(bd)
    assert methods.write_extended_method(bd, extension, index) == len(bd.Method(BASE).load()) + 2
    nd, _ = index[("Neodymium", ("natural resource", "in ground"))]
    sb, _ = index[("Antimony", ("natural resource", "in ground"))]
    name = "test-nd-extraction"
    database = bd.Database(name)
    database.write({
        (name, "mine"): {"name": "mine", "unit": "kilogram", "location": "GLO", "type": "process", "exchanges": [
            {"input": (name, "mine"), "amount": 1.0, "type": "production"},
            {"input": ("biosphere3", nd), "amount": 1.0, "type": "biosphere"}]},
        (name, "sb"): {"name": "sb", "unit": "kilogram", "location": "GLO", "type": "process", "exchanges": [
            {"input": (name, "sb"), "amount": 1.0, "type": "production"},
            {"input": ("biosphere3", sb), "amount": 1.0, "type": "biosphere"}]},
    })
    try:
        for code, expected in (("mine", TEST_CF), ("sb", 1.0)):  # Sb is the reference: 1 kg Sb-eq/kg
            lca = bc.LCA({bd.get_node(database=name, code=code): 1}, method=extension.method)
            lca.lci()
            lca.lcia()
            assert lca.score == pytest.approx(expected, rel=1e-12)
        lca = bc.LCA({bd.get_node(database=name, code="mine"): 1}, method=BASE)
        lca.lci()
        lca.lcia()
        assert lca.score == 0, "the bundled method leaves neodymium at zero: the gap the extension fills"
    finally:
        del bd.databases[name]
        bd.Method(extension.method).deregister()


@pytest.mark.parametrize("body, field", [
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: ''}",
     "factors[0].source"),
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: -1, source: x}", "factors[0].cf"),
    ("  - {element: Nd, flows: [], cf: 1.0e-7, source: x}", "factors[0].flows"),
    # a key the reader does not know was ignored: the factor applied per kg although the author wrote per t
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, cf_per: t, source: x}",
     "factors[0].cf_per"),
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\nscale: 1000",
     "'scale'"),
])
def test_a_bad_factor_is_refused_with_file_and_field(tmp_path, body, field):
    with pytest.raises(MethodError) as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert field in str(err.value) and "ext.yaml" in str(err.value)


def test_unknown_flow_in_an_extension_names_the_closest_biosphere_flows(project, tmp_path):
    from footprint.data import inventory
    from footprint.errors import LinkingError

    bd = project[0]
    path = _extension_file(tmp_path, "  - {element: Nd, flows: [['Neodymium, 4% in bastnasit', [natural resource, "
                                     "in ground]]], cf: 1.0e-7, source: x}")
    with pytest.raises(LinkingError, match="Neodymium, 4% in bastnasite"):
        methods.write_extended_method(bd, methods.load_extension(path), inventory.biosphere_index(bd))


def test_declaration_names_the_method_version_including_the_extension(example_declaration):
    method = example_declaration["method"]
    extension = methods.load_extension()
    assert method["name"] == "EF v3.1"
    assert method["extensions"][0]["id"] == extension.id == "footprint-adp-ree"
    assert method["extensions"][0]["sha256"] == extension.sha256
    assert extension.id in method["implementation"] and extension.sha256[:12] in method["implementation"]


def test_declaring_after_the_extension_file_changed_rewrites_the_extended_method(project, monkeypatch, tmp_path):
    import footprint
    from footprint.data import project as fp_project

    changed = tmp_path / "adp-ree-extension.yaml"
    changed.write_text(methods.EXTENSION_FILE.read_text() + "\n# edited\n")
    monkeypatch.setattr(methods, "EXTENSION_FILE", changed)
    try:
        state = footprint.ensure_setup().inputs
        assert state["extension_sha256"] == methods.load_extension().sha256 == fp_project.read_state()[
            "extension_sha256"]
    finally:
        monkeypatch.undo()
        footprint.ensure_setup()
    assert fp_project.read_state()["extension_sha256"] == methods.load_extension().sha256


def test_a_flow_characterised_by_two_factors_is_refused(tmp_path):
    """Two CFs for one flow: the later one would have won silently (dict overwrite in write_extended_method)."""
    body = ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\n"
            "  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 9.0e-7, source: y}")
    with pytest.raises(MethodError, match="characterised twice") as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert "factors[1].flows[0]" in str(err.value) and "factors[0]" in str(err.value)


def test_an_extension_factor_for_a_flow_the_bundled_method_has_is_refused(scratch, tmp_path):
    """Antimony carries EF 3.1's reference factor 1 kg Sb-eq/kg; an extension factor for it would have
    replaced that value silently while the declaration still names EF 3.1."""
    from footprint.data import inventory

    bd = scratch[0]
    path = _extension_file(tmp_path, "  - {element: Sb, flows: [[Antimony, [natural resource, in ground]]], "
                                     "cf: 5.0, source: 'test value, not a published factor'}")
    before = bd.Method(EXTENDED).load()  # the scratch copy holds the set-up's extended method
    with pytest.raises(MethodError, match="already characterises") as err:
        methods.write_extended_method(bd, methods.load_extension(path), inventory.biosphere_index(bd))
    assert "factors[0].flows[0]" in str(err.value) and "Antimony" in str(err.value)
    assert bd.Method(EXTENDED).load() == before  # nothing written


ND = '[["Neodymium", ["natural resource", "in ground"]]]'


@pytest.mark.parametrize("body, field, value, expected", [
    # the audit's case: a Dy factor listing a neodymium flow characterised Nd with Dy's value, exit 0
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\n"
     "  - {element: Pr, flows: [[Praseodymium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\n"
     "  - {element: Tb, flows: [[Terbium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\n"
     "  - {element: Dy, flows: [[Dysprosium, [natural resource, in ground]],\n"
     "                         ['Neodymium, 4% in bastnasite, 0.4% in crude ore', [natural resource, in ground]]],"
     " cf: 3.0e-6, source: x}",
     "factors[3].flows[1]", "Neodymium, 4% in bastnasite", "a resource flow of Dy: named 'Dysprosium'"),
    ("  - {element: Dy, flows: [[Pd, Pd 2.0E-4%, Pt 4.8E-4%, [natural resource, in ground]]], cf: 1.0e-7, source: x}"
     .replace("[Pd, Pd 2.0E-4%, Pt 4.8E-4%,", "['Pd, Pd 2.0E-4%, Pt 4.8E-4%',"),
     "factors[0].flows[0]", "Pd, Pd 2.0E-4%", "another element (Pd, Palladium)"),
    # a kg of ore (or of a mineral) is not a kg of the element
    ("  - {element: Fe, flows: [[Iron ore, [natural resource, in ground]]], cf: 1.0e-7, source: x}",
     "factors[0].flows[0]", "Iron ore", "names no element"),
    # the element must be a symbol: a name, a typo or a missing element checks nothing
    (f"  - {{element: Neodymium, flows: {ND}, cf: 1.0e-7, source: x}}", "factors[0].element", "Neodymium",
     "chemical symbol"),
    (f"  - {{flows: {ND}, cf: 1.0e-7, source: x}}", "factors[0].element", "without an element", "chemical symbol"),
])
def test_a_factor_whose_flows_are_of_another_element_is_refused(tmp_path, body, field, value, expected):
    with pytest.raises(MethodError) as err:
        methods.load_extension(_extension_file(tmp_path, body))
    message = str(err.value)
    assert "ext.yaml" in message and f"field '{field}'" in message and value in message and expected in message


def test_every_flow_the_shipped_file_lists_for_an_element_passes_the_element_check(tmp_path):
    """The shipped file's ``searched`` entries name the real biosphere3 flows of each rare earth (with the ore
    variants "Neodymium, 4% in bastnasite, 0.4% in crude ore"); as factors they all pass the check."""
    import yaml

    searched = yaml.safe_load(methods.EXTENSION_FILE.read_text())["searched"]
    body = "\n".join(f"  - {{element: {s['element']}, flows: {json.dumps(s['flows'])}, cf: 1.0e-7, source: test}}"
                     for s in searched)
    extension = methods.load_extension(_extension_file(tmp_path, body))
    assert [f.element for f in extension.factors] == [s["element"] for s in searched] and len(searched) == 10
    assert methods.load_extension().factors == ()  # the shipped file itself loads, unchanged (no factor yet)


def test_cli_refuses_a_factor_for_another_element_with_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import cli

    body = "  - {element: Dy, flows: [[Neodymium, [natural resource, in ground]]], cf: 3.0e-6, source: x}"
    monkeypatch.setattr(methods, "EXTENSION_FILE", _extension_file(tmp_path, body))
    result = CliRunner().invoke(cli.main, ["declare", "ndpr-oxide", "examples/ndpr-oxide/activity-2025.yaml",
                                           "-o", str(tmp_path / "d.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "factors[0].flows[0]" in result.output and "(Nd, Neodymium)" in result.output
    assert not (tmp_path / "d.json").exists()


@pytest.mark.parametrize("key, value", [
    ("method", '["my extension", "material resources: metals/minerals", "adp"]'),
    ("base_method", '["EF v3.1", "climate change", "global warming potential (GWP100)"]'),
    ("unit", "kg CO2-Eq"),
])
def test_an_extension_under_another_method_than_the_category_reads_is_refused(tmp_path, key, value):
    """Before: set-up wrote the factors under 'my extension', which no category reads; resource use kept the
    method an earlier set-up had written while the declaration named this file (helper report, 2026-11-30).
    Another base method would have been written, and declared, as resource use."""
    text = _extension_file(tmp_path, "").read_text()
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in text.splitlines()]
    path = tmp_path / "other.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(MethodError, match=f"the extension's {key} is not the one the category "
                                          "resource_use_minerals_metals reads") as err:
        methods.load_extension(path)
    assert err.value.field == key


@pytest.mark.parametrize("cf", [".nan", ".inf", "-.inf"])
def test_a_factor_that_is_not_a_finite_number_is_refused(tmp_path, cf):
    """Before: NaN passed 'cf <= 0' (a comparison with NaN is false) and so did .inf; set-up wrote the factor, and
    declaring ndpr-oxide was refused as if the mining ore amount were of unrealistic size (blamed on the activity
    data, not on the extension file)."""
    body = f"  - {{element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: {cf}, source: x}}"
    with pytest.raises(MethodError, match="positive finite number") as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert err.value.field == "factors[0].cf" and "ext.yaml" in str(err.value)


@pytest.mark.parametrize("element, flow", [
    ("Sc", "[Scandium, [water, ground-]]"),  # a real biosphere3 emission flow the bundled method leaves at zero
    ("Sc", "[Scandium, [air, non-urban air or from high stacks]]"),
    ("Nd", "[Neodymium, [natural resource]]"),
])
def test_a_factor_for_a_flow_not_taken_from_the_ground_is_refused(tmp_path, element, flow):
    """Before: a factor for scandium emitted to ground water passed every check (the element is Sc, the bundled
    method has no factor for that flow) and set-up wrote it: every scandium emission was declared as resource use,
    minerals and metals, exit 0."""
    body = f"  - {{element: {element}, flows: [{flow}], cf: 1.0e-7, source: x}}"
    with pytest.raises(MethodError, match="not a resource taken from the ground") as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert err.value.field == "factors[0].flows[0]"


def test_the_resource_compartment_is_the_one_every_bundled_factor_has():
    """The compartment an extension flow must be in is the bundled ADP method's only one (bw2io's file)."""
    compartments = {categories for _name, categories, _cf in methods.bundled_factors("resource_use_minerals_metals")}
    assert compartments == {methods.RESOURCE_COMPARTMENT}


@pytest.mark.parametrize("body, field", [
    # a string of compartments was read character by character; None crashed with a TypeError (a traceback)
    ("  - {element: Nd, flows: [[Neodymium, natural resource]], cf: 1.0e-7, source: x}", "factors[0].flows"),
    ("  - {element: Nd, flows: [[Neodymium, null]], cf: 1.0e-7, source: x}", "factors[0].flows"),
    ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: [a, b]}",
     "factors[0].source"),
])
def test_a_malformed_factor_is_refused_not_crashed(tmp_path, body, field):
    with pytest.raises(MethodError) as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert err.value.field == field


def test_one_element_in_two_factors_is_refused(tmp_path):
    """Before: Nd at 1e-7 on 'Neodymium' and at 9e-7 on its bastnasite variant loaded: a kg of neodymium scored
    by how the dataset spelt its flow, both declared as one EF 3.1 resource category."""
    body = ("  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: x}\n"
            "  - {element: Nd, flows: [['Neodymium, 4% in bastnasite, 0.4% in crude ore', "
            "[natural resource, in ground]]], cf: 9.0e-7, source: y}")
    with pytest.raises(MethodError, match="element characterised by two factors") as err:
        methods.load_extension(_extension_file(tmp_path, body))
    assert err.value.field == "factors[1].element" and "factors[0]" in str(err.value)


def test_a_malformed_searched_list_is_refused(tmp_path):
    """Before: 'searched: [Nd]' loaded, and describing the extension (every declaration does) crashed."""
    path = _extension_file(tmp_path, "  []")
    path.write_text(path.read_text().replace("factors:\n  []", "factors: []\nsearched: [Nd]"))
    with pytest.raises(MethodError) as err:
        methods.load_extension(path)
    assert err.value.field == "searched"


def test_every_category_is_declared_in_the_unit_bw2io_ships_its_method_in():
    """The category table's units are those of bw2io's file (the extended minerals method through its base)."""
    methods.check_category_units(methods._bundled_methods())


@pytest.mark.parametrize("category_id, unit", [("acidification", "kmol H+-Eq"), ("crustal_scarcity", "g Si-Eq"),
                                               ("resource_use_minerals_metals", "g Sb-Eq")])
def test_a_bw2io_file_with_another_unit_for_a_category_is_refused(category_id, unit):
    """Before: set-up wrote whatever bw2io shipped and declarations stated the table's unit beside it: a bw2io
    release giving acidification in kmol H+-eq would have been declared as mol H+-eq, exit 0."""
    method = categories.category(category_id).method
    if method[0] == categories.EXTENDED_METHOD_NAME:
        method = (categories.METHOD_NAME, *method[1:])
    entries = [dict(entry, unit=unit) if tuple(entry["name"]) == method else entry
               for entry in methods._bundled_methods()]
    with pytest.raises(MethodError, match="in another unit than footprint declares it in") as err:
        methods.check_category_units(entries)
    assert err.value.field == category_id and err.value.value == unit


def test_the_characterised_flows_follow_the_method_each_category_reads(project, monkeypatch):
    """Before: the table (kept in memory and as JSON under FOOTPRINT_HOME across upgrades) was keyed by the
    category ids only; a category reading another method kept the flows of the old one, and coverage with them."""
    water = ("Water", ("air", "non-urban air or from high stacks"))
    assert "water_use" in methods.characterised_flows()[water]  # the table of the shipped mapping, now cached
    ozone = categories.category("ozone_depletion")
    monkeypatch.setitem(categories._BY_ID, "water_use",
                        categories.Category("water_use", "Water use", "test", ozone.method, ozone.unit))
    changed = methods.characterised_flows()
    assert "water_use" not in changed.get(water, ())
    assert "water_use" in changed[("Methane, tetrachloro-, R-10", ("air",))]

"""What the declared product takes from the ground or releases, and what EF 3.1 does not count of it.

EF 3.1 "resource use, minerals and metals" (ADP, ultimate reserves) has no factor for any
rare earth but yttrium, so mining Nd, Pr, Dy or Tb adds zero to it in every tool that uses
EF 3.1.  A declaration must say so instead of showing a silent zero: this block lists the
elements the inventory extracts per declared unit, marks those EF 3.1 (with footprint's CF
extension) leaves uncharacterised, and gives the Crustal Scarcity Indicator 2020 result
beside it, named as the supplementary indicator it is.

The same holds for radionuclides: EF 3.1 "ionising radiation" has no factor for thorium-232
(nor for several other nuclides in some compartments), so the thorium a rare-earth mine releases
counts as zero.  The 'radionuclides' block lists the releases per declared unit and states which
EF 3.1 does not characterise, through the same foreground walk as the elements.

Kept apart from declaration.build so the declaration's other contents can change freely.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from footprint.engine import exact
from footprint.inputs.categories import CRUSTAL_SCARCITY_CITATION, category

if TYPE_CHECKING:  # a declaration is read without the engine
    from footprint.engine.calculate import Result

MINERALS = "resource_use_minerals_metals"
CRUSTAL = "crustal_scarcity"
IONISING = "ionising_radiation"
RESOURCE = ("natural resource", "in ground")
BECQUEREL = "kilo Becquerel"  # the biosphere3 unit of every radionuclide flow


def _element(flow_name: str) -> str:
    """'Neodymium, 4% in bastnasite, 0.4% in crude ore' -> 'Neodymium'."""
    return flow_name.split(",")[0].strip()


def _foreground_flows(result: Result, keep) -> dict[tuple[str, tuple[str, ...]], float]:
    """Amount per declared unit of each foreground biosphere flow that ``keep(name, categories, unit)`` selects,
    summed exactly (exact.total: the same in any order the producer listed its emissions)."""
    names = _biosphere_names(result)
    terms: dict[tuple[str, tuple[str, ...]], list[float]] = {}
    for process in result.system.processes:
        scale = result.scales.get(process.id, 0.0)
        for flow in process.flows:
            if flow.kind == "biosphere" and flow.target in names:
                name, categories, unit = names[flow.target]
                if keep(name, categories, unit):
                    terms.setdefault((name, categories), []).append(scale * flow.amount)
    return {key: exact.total(values) for key, values in terms.items()}


def extracted_elements(result: Result) -> dict[str, float]:
    """kg of each metal or mineral taken from the ground per declared unit: foreground and suppliers' declarations.

    Fossil fuels and uranium are energy carriers (EF 3.1 counts them under 'resource use, fossils')
    and are left out; background datasets are not searched (the open library carries elements only
    in process datasets, which rules use as defaults for optional processes).
    """
    from footprint.data.methods import characterised_flows

    characterised = characterised_flows()
    terms: dict[str, list[float]] = {}  # summed exactly at the end (exact.total)
    flows = _foreground_flows(result, lambda name, categories, _unit: categories == RESOURCE and
                              "resource_use_fossils" not in characterised.get((name, categories), ()))
    for (name, _categories), kg in flows.items():
        terms.setdefault(_element(name), []).append(kg)
    for process in result.system.processes:
        scale = result.scales.get(process.id, 0.0)
        for flow in process.flows:
            if flow.kind == "upstream" and flow.upstream is not None:
                for element, per_kg in flow.upstream.elements.items():  # read with its hash check
                    from footprint.inputs import units

                    kg = scale * flow.amount * units.convert(1.0, flow.unit, "kg") * per_kg
                    terms.setdefault(element, []).append(kg)
    amounts = {element: exact.total(values) for element, values in terms.items()}
    return {element: kg for element, kg in sorted(amounts.items()) if kg}


def released_radionuclides(result: Result) -> dict[tuple[str, tuple[str, ...]], float]:
    """kBq of each radionuclide released per declared unit by the foreground, per (flow, compartment)."""
    flows = _foreground_flows(result, lambda _name, _categories, unit: unit == BECQUEREL)
    return {key: kbq for key, kbq in sorted(flows.items()) if kbq}


def radionuclide_block(result: Result) -> dict[str, Any] | None:
    """The declaration's 'radionuclides' block: releases, and which EF 3.1 ionising radiation does not count.

    None when the foreground releases no radionuclide.  The background datasets carry radionuclides
    too (coal fly ash, grids); they are characterised where EF 3.1 has factors and are not listed here.
    """
    from footprint.data.methods import characterised_flows

    releases = released_radionuclides(result)
    if not releases:
        return None
    characterised = characterised_flows()
    rows, missing = [], []
    for (name, categories), kbq in releases.items():
        counted = IONISING in characterised.get((name, categories), ())
        compartment = "::".join(categories)
        rows.append({"nuclide": name, "compartment": compartment, "kBq": kbq, "ef31_characterised": counted})
        if not counted:
            missing.append((name, compartment, kbq))
    declared = IONISING in result.system.rule.rule.impact_categories.declared
    statement = None
    if missing:
        listed = ", ".join(f"{name} to {compartment} {kbq:.4g} kBq" for name, compartment, kbq in missing)
        statement = (f"EF 3.1 '{category(IONISING).label.lower()}' has no characterisation factor for "
                     f"{listed} per declared unit: these releases add zero to that category"
                     + (", which this declaration declares." if declared else "."))
    return {
        "releases": rows,
        "ef31_gap": {"category": IONISING, "declared": declared,
                     "uncharacterised": [{"nuclide": n, "compartment": c, "kBq": k} for n, c, k in missing],
                     "statement": statement},
        "scope": "foreground processes; background datasets are characterised where EF 3.1 has factors",
    }


def _biosphere_names(result: Result) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """biosphere3 code -> (name, categories, unit) of the flows the foreground emits (the snapshot's index,
    inverted once per snapshot: no query per declaration)."""
    codes = {f.target for p in result.system.processes for f in p.flows if f.kind == "biosphere"}
    if not codes:
        return {}
    from footprint.data import project, warm

    def inverted() -> dict[str, tuple[str, tuple[str, ...], str]]:
        return {code: (name, categories, unit)
                for (name, categories), (code, unit) in project.bound_snapshot().biosphere_index().items()}

    names = warm.cached(project.background_version(), "biosphere-names", inverted)
    return {code: names[code] for code in codes if code in names}


def block(result: Result) -> dict[str, Any] | None:
    """The declaration's 'mineral_resources' block, or None when nothing is taken from the ground and CSI is not declared."""
    from footprint.data.methods import characterised_flows, load_extension
    from footprint.inputs.extraction import ELEMENTS

    rule = result.system.rule.rule
    supplementary = set(rule.impact_categories.supplementary)
    elements = extracted_elements(result)
    if not elements and CRUSTAL not in supplementary:
        return None
    characterised = characterised_flows()
    by_name = {name: symbol for symbol, (name, _oxide) in ELEMENTS.items()}
    rows, missing = [], []
    for element, kg in elements.items():
        counted = MINERALS in characterised.get((element, RESOURCE), ())
        rows.append({"element": element, "symbol": by_name.get(element), "kg": kg, "ef31_characterised": counted})
        if not counted:
            missing.append((element, kg))
    extension = load_extension().describe()
    minerals = category(MINERALS)
    crustal = category(CRUSTAL)
    statement = None
    if missing:
        listed = ", ".join(f"{by_name.get(element, element)} {kg:.3g} kg" for element, kg in missing)
        statement = (f"EF 3.1 '{minerals.label.lower()}' has no characterisation factor for "
                     f"{', '.join(by_name.get(e, e) for e, _ in missing)}: the {listed} taken from the ground per "
                     f"declared unit add zero to that category. The supplementary Crustal Scarcity Indicator 2020 "
                     f"counts them"
                     + (f" ({result.totals[CRUSTAL]:.4g} {crustal.unit})." if CRUSTAL in result.totals else "."))
    return {
        "elements": rows,
        "ef31_gap": {
            "category": MINERALS,
            "uncharacterised": [{"element": e, "kg": kg} for e, kg in missing],
            "statement": statement,
            "extension": {"id": extension["id"], "version": extension["version"], "sha256": extension["sha256"],
                          "factors": extension["factors"],
                          "note": "licensed factors (e.g. Adibi, Lafhaj & Payet 2019, Int J LCA 24:712-724) are added "
                                  "through this extension file; it names what the declared EF 3.1 result includes"},
        },
        "crustal_scarcity": {
            "value": result.totals.get(CRUSTAL), "unit": crustal.unit, "declared": CRUSTAL in supplementary,
            "indicator": "Crustal Scarcity Indicator 2020 (supplementary, not part of EF 3.1)",
            "method": list(crustal.method), "citation": CRUSTAL_SCARCITY_CITATION,
        },
        "scope": "foreground processes and suppliers' declarations; background datasets are not searched for elements",
    }

"""Element flows of an extraction process: ore mass x grade x element share.

Resource indicators register only what the inventory takes from the ground.  A mining
process that reports tonnes of ore would otherwise score zero in "resource use, minerals
and metals" and in the Crustal Scarcity Indicator, however much neodymium it extracts.
Here the rule's ``extraction`` defaults (or the producer's ``ore`` assay, which replaces
the values it names) become biosphere3 resource flows:

    element kg = ore kg x content of the group (e.g. TREO) x element oxide's share of the group
                 x element mass fraction of that oxide          (an element content: ore kg x content)

The whole element content of the ore mined counts as extracted (LCA convention for
resources in ground: what leaves the deposit, whether or not it is recovered).
"""
from __future__ import annotations

import re
from pathlib import Path

from footprint.data import pedigree
from footprint.engine.system import Flow
from footprint.errors import ActivityDataError
from footprint.inputs import units
from footprint.inputs.activity import LoadedActivity
from footprint.inputs.extraction import ELEMENTS, GROUPS, OreComposition, oxide_element_fraction
from footprint.inputs.rule import LoadedRule

RESOURCE_COMPARTMENT = ("natural resource", "in ground")


def composition(rule_extraction: OreComposition | None, assay: OreComposition | None
                ) -> tuple[dict, dict, set[str]]:
    """(contents, distributions, keys taken from the assay): the assay replaces the rule key by key."""
    contents = dict(rule_extraction.contents) if rule_extraction else {}
    distributions = dict(rule_extraction.distributions) if rule_extraction else {}
    from_assay: set[str] = set()
    if assay is not None:
        contents.update(assay.contents)
        distributions.update(assay.distributions)
        from_assay = set(assay.contents) | {f"{g} distribution" for g in assay.distributions}
    return contents, distributions, from_assay


def _every_element_given(rule_extraction: OreComposition | None, assay: OreComposition | None, path: Path,
                         where: str) -> None:
    """Refuse an assay's distribution of a group that leaves out an element the rule's distribution holds.

    Why: the assay replaces the rule's distribution of a group whole (composition), so an element it does
    not name is not taken from the ground at all.  ndpr-oxide's mining with an assay of TREO giving only
    Nd 18.5 % and Pr 6.2 % dropped La, Ce and the rest (73.9 % of the group) from the resource flows,
    exit 0; an XLSX workbook whose producer filled only the rows it cared about did the same.  A share of
    0 states that the assay found none of an element.
    """
    if assay is None or rule_extraction is None:
        return
    for group, distribution in assay.distributions.items():
        rule_distribution = rule_extraction.distributions.get(group)
        if rule_distribution is None:
            continue
        missing = [element for element, share in rule_distribution.shares.items()
                   if share > 0 and element not in distribution.shares]
        if missing:
            held = ", ".join(f"{element} {rule_distribution.shares[element]:g} %" for element in missing)
            raise ActivityDataError(
                f"the assay's distribution of {group} leaves out {held} of the rule's distribution: an element "
                "left out would count as not taken from the ground", file=path,
                field=f"{where}.ore.distributions.{group}", value=", ".join(sorted(distribution.shares)),
                expected=f"a share for each of {', '.join(missing)} as well (0 where the assay found none)")


def _counted_once(contents: dict, distributions: dict, from_assay: set[str], path: Path, where: str) -> None:
    """Refuse an element given as an ore content of its own and as a share of a group's content.

    Why: element_amounts adds the element's kg from every content naming it, so a producer's assay
    ``contents: {Nd: 0.65 %}`` beside the rule's TREO (whose distribution holds Nd) took Nd from the
    ground twice (ndpr-oxide crustal scarcity 70,597 -> 85,914 kg Si eq) with exit 0.  'rules
    validate' refuses it within a rule (authoring.lint.extraction_problems); an assay meets the
    rule's values only here.
    """
    for group, content in contents.items():
        if group not in GROUPS:
            continue
        for element, share in distributions[group].shares.items():
            if element in contents and share > 0:
                given = "the producer's assay" if element in from_assay else "the rule"
                grouped = "the producer's assay" if (group in from_assay or f"{group} distribution" in from_assay) \
                    else "the rule"
                raise ActivityDataError(
                    f"{element} would be taken from the ground twice: as an ore content of its own ({given}) and "
                    f"as {share:g} % of {group} ({grouped})", file=path, field=f"{where}.ore.contents.{element}",
                    value=f"{contents[element].value:g} {contents[element].unit}",
                    expected=f"{element} either as a content or within the {group} distribution (an assay of "
                             f"{group} replaces the rule's {group}; give its distribution under "
                             f"ore.distributions.{group})")


def _assay_where_mined(rule_process, assay: OreComposition | None, path: Path, where: str) -> None:
    """Refuse an assay on a process the rule gives no ``extraction`` for: no ore is mined there.

    Why: the assay's contents were multiplied by that process's output as if it were ore mined, so an
    ``ore`` block put under ndpr-oxide's separation (its output t of oxide) or an ``ore_content`` row added
    to the beneficiation sheet took the elements from the ground a second time beside mining's (Nd, Fe,
    crustal scarcity and resource use too high), exit 0.  The template offers the assay only where the
    rule mines.
    """
    if assay is None or rule_process.extraction is not None:
        return
    raise ActivityDataError(
        f"an ore assay on process '{rule_process.id}', which the rule does not model as mining (it gives no "
        "extraction values for it): its contents would be taken from the ground a second time", file=path,
        field=f"{where}.ore", value=", ".join(sorted({*assay.contents, *assay.distributions})) or "ore",
        expected="the assay under the rule's extraction process (the one whose template sheet offers ore rows), "
                 "or no ore here")


def element_amounts(ore_kg: float, contents: dict, distributions: dict) -> dict[str, tuple[float, str]]:
    """element -> (kg extracted, how it was computed) for ``ore_kg`` of ore."""
    amounts: dict[str, tuple[float, str]] = {}
    for key, content in contents.items():
        if key in GROUPS:
            distribution = distributions[key]
            for element, share in distribution.shares.items():
                fraction = oxide_element_fraction(element)
                kg = ore_kg * content.fraction * share / 100.0 * fraction
                how = (f"{content.value:g} {content.unit} {key} x {share:g} % of {key} x {fraction:.4f} "
                       f"{element} in its oxide ({content.source}; {distribution.source})")
                previous = amounts.get(element, (0.0, ""))
                amounts[element] = (previous[0] + kg, "; ".join(filter(None, [previous[1], how])))
        else:
            previous = amounts.get(key, (0.0, ""))
            how = f"{content.value:g} {content.unit} {key} ({content.source})"
            amounts[key] = (previous[0] + ore_kg * content.fraction, "; ".join(filter(None, [previous[1], how])))
    return amounts


def element_flows(process_id: str, rule_process, data, output: float, share: float, flows_index: dict, *,
                  path: Path, where: str) -> list[Flow]:
    """Biosphere resource flows for one extraction process (empty when neither rule nor producer gives an ore)."""
    from footprint.data.inventory import resolve_flow

    rule_extraction = rule_process.extraction
    assay = data.ore
    if rule_extraction is None and assay is None:
        return []
    _assay_where_mined(rule_process, assay, path, where)
    contents, distributions, from_assay = composition(rule_extraction, assay)
    missing = [g for g in contents if g in GROUPS and g not in distributions]
    if missing:
        raise ActivityDataError(f"ore content {missing[0]} has no distribution", file=path, field=f"{where}.ore",
                                expected=f"ore.distributions.{missing[0]}: shares of each element, % of {missing[0]}")
    _every_element_given(rule_extraction, assay, path, where)
    _counted_once(contents, distributions, from_assay, path, where)
    try:
        ore_kg = units.convert(output, rule_process.product.unit, "kg")
    except Exception:  # a product counted in pieces or energy has no ore mass
        raise ActivityDataError("an extraction process needs a product measured in mass", file=path,
                                field=f"{where}.output", value=rule_process.product.unit,
                                expected="the ore (or contained metal) mined, in kg or t") from None
    flows = []
    dqr = (assay.dqr if assay is not None and assay.dqr else None) or data.dqr
    for element, (kg, how) in sorted(element_amounts(ore_kg, contents, distributions).items()):
        name = ELEMENTS[element][0]
        code, flow_unit = resolve_flow(flows_index, name, RESOURCE_COMPARTMENT, file=path, field=f"{where}.ore")
        amount = units.convert(kg, "kg", units.pint_expression(flow_unit))
        primary = element in from_assay or any(k in from_assay for k in contents if k in GROUPS
                                               and element in distributions[k].shares)
        flows.append(Flow(process_id, "biosphere", code, amount * share, flow_unit,
                          f"{name}, in ground (ore mined)", f"{where}.ore", dqr, primary,
                          f"computed from the ore mined: {how}",
                          uncertainty=pedigree.lognormal(*pedigree.emission_class(name, RESOURCE_COMPARTMENT), dqr)))
    return flows


#: '>= 99.0 % TREO', '>= 99.99 % Cu': a minimum content of the declared product that a rule's grade states
#: first, read only where it names a content key of its own (not a ratio such as 'Dy2O3/TREO').
_STATED_GRADE = re.compile(r"(?:>=|≥)\s*(\d+(?:\.\d+)?)\s*%\s*([A-Z][A-Za-z0-9]*)(?![A-Za-z0-9/])")


def stated_grade(grade: str) -> tuple[str, float] | None:
    """(content key, minimum mass fraction) of the declared product, when its grade states one as '>= N % KEY'."""
    found = _STATED_GRADE.search(grade)
    if found is None:
        return None
    return found.group(2), float(found.group(1)) / 100.0


def check_element_balance(loaded: LoadedRule, activity: LoadedActivity, outputs: dict[str, float],
                          production_kg: float) -> None:
    """Refuse data in which the declared product holds more of an element than the ore mined contains.

    Why: the ore's contents (the rule's, or the producer's assay) and the ore mass are the resource
    flows of the declaration, and a lower assay or ore mass lowers them with exit 0.  ndpr-oxide's
    mining with an assay of 0.01 % TREO declared 2,858 instead of 70,600 kg Si-Eq of crustal scarcity
    though its 489,000 t of ore then held 48.9 t of rare-earth oxides for 2,000 t of product at
    >= 99.0 % TREO (a yield of 4,049 %); an ore mass reported as the concentrate's (16,300 t at 4.1 %
    TREO, 668 t) did the same (4,692 kg Si-Eq).  Only the element's grade that the rule's declared
    unit states ('>= 99.0 % TREO') and a content the extraction gives under the same key are compared,
    and only where no input can bring the element in (no supplier's product accepted): co-products and
    losses only add to what the ore must hold, so the check never refuses a possible yield.  The
    rule's mass-balance tolerance is allowed once per process of the chain (stock drawn down).
    """
    rule = loaded.rule
    stated = stated_grade(rule.declared_unit.grade)
    if stated is None or any(spec.upstream_products for spec in rule.input_kinds.values()):
        return
    key, grade = stated
    mined = 0.0
    sources: list[str] = []
    mines: list[str] = []  # the extraction processes counted (the first is named in the error)
    for _stage, rp in rule.processes():
        pdata = activity.data.processes.get(rp.id)
        if pdata is None or rp.id not in outputs or (rp.extraction is None and pdata.ore is None):
            continue
        contents, _distributions, from_assay = composition(rp.extraction, pdata.ore)
        if key not in contents:
            continue
        ore_kg = units.convert(outputs[rp.id], rp.product.unit, "kg")
        mined += ore_kg * contents[key].fraction
        mines.append(rp.id)
        origin = "the producer's assay" if key in from_assay else "the rule"
        sources.append(f"processes.{rp.id}: {ore_kg / 1000:,.6g} t x {contents[key].value:g} {contents[key].unit} "
                       f"{key} ({origin})")
    if not sources:
        return
    held = production_kg * grade
    allowed = mined * (1.0 + rule.mass_balance_tolerance) ** len(activity.data.processes)
    if held <= allowed:
        return
    mine = mines[0]
    reported = activity.data.processes[mine].output
    raise ActivityDataError(
        f"the declared product holds more {key} than the ore mined contains: {production_kg / 1000:,.6g} t of "
        f"{rule.declared_unit.product} at {grade * 100:g} % {key} (the rule's grade '{rule.declared_unit.grade}') hold "
        f"{held / 1000:,.6g} t of {key}, the ore mined {mined / 1000:,.6g} t ({'; '.join(sources)}): a yield of "
        f"{held / mined:.0%}, above 100 % (with the rule's {rule.mass_balance_tolerance:.0%} tolerance per process)",
        file=activity.path, field=f"processes.{mine}.output",
        value=f"{float(reported.amount):,.6g} {reported.unit}",
        expected=f"the ore mined in the period and its {key} content (processes.{mine}.ore) as measured: at least "
                 f"{held / 1000:,.6g} t of {key} in it")

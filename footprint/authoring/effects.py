"""Which fields of a calculation rule affect what a declaration under it states, and which only document it.

A reviewer of a rule change (``footprint rules diff``) needs to see at a glance which differences can move a
declared result and which are wording: a new price moves every number, a mended description none.  The one
table below classifies every field of the rule model (footprint/inputs/rule.py), written as rules/README.md
writes it (``a.b``, list items ``a[].b``, mapping entries ``a.*.b``); a test holds it to the model, so a field
added later cannot go unclassified.

"documentation only" is kept for free text that no code reads to compute, check, match, restate or refuse
anything (titles, descriptions, labels, a process's name, notes, bases, sources and their citations); exactly
these fields are prose to ``conflict_with`` and ``content_sha256`` too (footprint.inputs.rule.PROSE_FIELDS; a
test holds the two lists equal), except ``sources[].id``, a key the text cites, and the ``sources`` block.
Everything else, and every field not sure to be prose, "affects results": numbers, units, datasets, names
used as keys (a product's name, process and stage ids), the boundary, allocation, recycled content, cut-off,
declared categories, the class scheme, the rule's status (a withdrawn rule declares nothing), and the claims a
declaration restates (the CRM, its list version, sampling, the conformity-assessment module).  A change whose
field cannot be named (a key the model does not have) affects results.  The rule's id and version are marked
"identity": a declaration names its rule by them, but a change of them alone moves nothing it states.
"""
from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from footprint.inputs.rule import Rule

RESULTS = "affects results"
DOCUMENTATION = "documentation only"
#: the rule's id and version: what a declaration names its rule by.  A change of them alone moves no number and
#: no claim computed under the rule (a version bump with nothing else changed declares the same values), yet it
#: is no wording either: declarations under the new text name another rule.  Marked "affects results", a bare
#: version bump read as if it moved declared numbers, and the summary counted it among them.
IDENTITY = "identity"

#: every field of the rule model -> what a change of it can do; a whole block (``validity``, a process) is
#: classified as its most consequential part
EFFECTS: dict[str, str] = {
    # identity: what a declaration names its rule by, and whether the rule may declare at all
    "id": IDENTITY,
    "version": IDENTITY,
    "title": DOCUMENTATION,
    "status": RESULTS,  # a withdrawn rule declares nothing
    "legal_basis": DOCUMENTATION,
    "crm": RESULTS,  # free text, but what the declaration says the material is
    "crm_list_version": RESULTS,  # restated in every declaration as the list it refers to
    # validity: which reporting periods may be declared
    "validity": RESULTS,
    "validity.from": RESULTS,
    "validity.until": RESULTS,
    "validity.reporting_periods": RESULTS,
    "validity.reporting_periods.from": RESULTS,
    "validity.reporting_periods.until": RESULTS,
    "validity.reporting_periods.reason": DOCUMENTATION,
    "validity.reporting_periods.length_months": RESULTS,
    "validity.reporting_periods.length_tolerance_days": RESULTS,
    # the declared unit
    "declared_unit": RESULTS,
    "declared_unit.amount": RESULTS,
    "declared_unit.unit": RESULTS,
    "declared_unit.product": RESULTS,
    "declared_unit.chemical_form": RESULTS,
    "declared_unit.grade": RESULTS,
    "route": RESULTS,
    "reference_process": RESULTS,
    # the boundary
    "stages": RESULTS,
    "stages[].id": RESULTS,
    "stages[].label": DOCUMENTATION,
    "stages[].processes": RESULTS,
    "stages[].processes[].id": RESULTS,
    "stages[].processes[].name": DOCUMENTATION,
    "stages[].processes[].annex_v": RESULTS,  # the Annex V points a declaration (and a supplier's) states
    "stages[].processes[].company_specific": RESULTS,
    "stages[].processes[].product": RESULTS,
    "stages[].processes[].product.name": RESULTS,  # the key of co-products, prices and the declared product
    "stages[].processes[].product.unit": RESULTS,
    "stages[].processes[].inputs_from": RESULTS,
    "stages[].processes[].co_products": RESULTS,
    "stages[].processes[].expected_inputs": RESULTS,  # what declare refuses to see missing
    "stages[].processes[].default_dataset": RESULTS,
    "stages[].processes[].emission_subcompartments": RESULTS,
    "stages[].processes[].extraction": RESULTS,
    "stages[].processes[].extraction.contents": RESULTS,
    "stages[].processes[].extraction.contents.*.value": RESULTS,
    "stages[].processes[].extraction.contents.*.unit": RESULTS,
    "stages[].processes[].extraction.contents.*.source": DOCUMENTATION,
    "stages[].processes[].extraction.distributions": RESULTS,
    "stages[].processes[].extraction.distributions.*.shares": RESULTS,
    "stages[].processes[].extraction.distributions.*.source": DOCUMENTATION,
    "stages[].processes[].extraction.description": DOCUMENTATION,
    "stages[].processes[].description": DOCUMENTATION,
    # allocation
    "stages[].processes[].allocation": RESULTS,
    "stages[].processes[].allocation.method": RESULTS,
    "stages[].processes[].allocation.options": RESULTS,  # what --allocation may ask for
    "stages[].processes[].allocation.prices": RESULTS,
    "stages[].processes[].allocation.prices.*.value": RESULTS,
    "stages[].processes[].allocation.prices.*.unit": RESULTS,
    "stages[].processes[].allocation.prices.*.basis": DOCUMENTATION,
    "stages[].processes[].allocation.price_basis": DOCUMENTATION,
    # default datasets
    "input_kinds": RESULTS,
    "input_kinds.*.dataset": RESULTS,
    "input_kinds.*.fallback": RESULTS,
    "input_kinds.*.upstream_products": RESULTS,
    "input_kinds.*.alternatives": RESULTS,
    "input_kinds.*.description": DOCUMENTATION,
    # parameters
    "electricity": RESULTS,
    "electricity.model": DOCUMENTATION,  # prose: the grid comes from the input kind's datasets and scope
    "electricity.supplier_specific_allowed": RESULTS,
    "electricity.scope": RESULTS,
    "recycled_content": RESULTS,
    "recycled_content.method": RESULTS,
    "recycled_content.A": RESULTS,
    "recycled_content.Qsin_Qp": RESULTS,
    "recycled_content.erec_processes": RESULTS,
    "recycled_content.virgin": RESULTS,
    "recycled_content.virgin.dataset": RESULTS,
    "recycled_content.virgin.declaration": RESULTS,
    "recycled_content.virgin.amount": RESULTS,
    "recycled_content.virgin.unit": RESULTS,
    "recycled_content.virgin.basis": DOCUMENTATION,
    "recycled_content.virgin.description": DOCUMENTATION,
    "recycled_content.virgin_input_kinds": RESULTS,
    "recycled_content.elements": RESULTS,
    "recycled_content.note": DOCUMENTATION,
    "cut_off": RESULTS,
    "cut_off.threshold": RESULTS,
    "cut_off.basis": DOCUMENTATION,
    "dqr_limits": RESULTS,
    "dqr_limits.most_relevant": RESULTS,
    "dqr_limits.other": RESULTS,
    "dqr_limits.secondary": RESULTS,
    "dqr_limits.source": DOCUMENTATION,
    "mass_balance_tolerance": RESULTS,
    # declared categories
    "impact_categories": RESULTS,
    "impact_categories.declared": RESULTS,
    "impact_categories.rationale": DOCUMENTATION,
    "impact_categories.supplementary": RESULTS,
    "sampling": RESULTS,
    "sampling.allowed": RESULTS,
    "sampling.note": DOCUMENTATION,
    "conformity_assessment": RESULTS,
    "conformity_assessment.module": RESULTS,  # the assessment a declaration says it is subject to
    "conformity_assessment.note": DOCUMENTATION,
    # the class scheme: the class a declaration is given
    "class_scheme": RESULTS,
    "class_scheme.category": RESULTS,
    "class_scheme.number_of_classes": RESULTS,
    "class_scheme.window_years": RESULTS,
    "class_scheme.weighting": RESULTS,
    "class_scheme.method": RESULTS,
    "class_scheme.head_room": RESULTS,
    "class_scheme.review_years": RESULTS,
    "class_scheme.trigger_basis": RESULTS,
    # sources: cited by the text, read by no calculation
    "sources": DOCUMENTATION,
    "sources[].id": DOCUMENTATION,
    "sources[].citation": DOCUMENTATION,
}


def _unwrap(annotation: Any) -> Any:
    """``Optional[X]`` -> X (any other annotation as it is)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _aliases(model: type[BaseModel]) -> dict[str, Any]:
    return {info.alias or name: info.annotation for name, info in model.model_fields.items()}


def model_field(loc: tuple[str, ...]) -> str | None:
    """The field of the rule model a change at ``loc`` lies in, as EFFECTS names it; None when ``loc`` names a
    key the model does not have.

    ``loc`` is the change's place in the dumped rule: keys of models, keys of mappings, and for a list one part
    per element whatever it is (a stage's or a source's id): ``("stages", "refining", "processes",
    "separation", "allocation", "prices", "NdPr oxide", "value")`` lies in
    ``stages[].processes[].allocation.prices.*.value``.  A place inside a field that is not itself a model
    (a share of ``extraction.distributions.*.shares``) lies in that field.
    """
    node: Any = Rule
    prefix, field = "", None
    for part in loc:
        node = _unwrap(node)
        origin = typing.get_origin(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = _aliases(node)
            if part not in fields:
                return None
            prefix = f"{prefix}.{part}" if prefix else part
            field, node = prefix, fields[part]
        elif origin is list:
            prefix, node = prefix + "[]", typing.get_args(node)[0]
        elif origin is dict:
            prefix, node = prefix + ".*", typing.get_args(node)[1]
        else:  # inside a value that is not a model (a mapping of numbers, a text): the field found so far
            break
    return field


def effect_of(loc: tuple[str, ...]) -> str:
    """What a change at ``loc`` can do: RESULTS, IDENTITY or DOCUMENTATION (EFFECTS; a field the table does not
    classify, or no field at all, counts as affecting results)."""
    field = model_field(loc)
    return RESULTS if field is None else EFFECTS.get(field, RESULTS)


def affects_results(loc: tuple[str, ...]) -> bool:
    """Whether a change at ``loc`` can change what a declaration under the rule states (effect_of is RESULTS)."""
    return effect_of(loc) == RESULTS

"""A declaration as a PACT Technical Specifications v3 ProductFootprint record.

PACT (WBCSD's Partnership for Carbon Transparency) is the format customers'
carbon-accounting systems already ingest.  It carries only greenhouse gases,
so climate change goes into ``pcf`` and everything else a CRMA declaration
states (the other declared EF 3.1 categories, the EF version, precision P,
the performance class) travels in a Data Model Extension.  The mapping is
``../shared/domain/methodology.md`` §5.3-5.4; field rules are from the PACT
v3 specification (wbcsd/data-exchange-protocol, spec/v3).

Choices a reader of the record should know:

* ``id`` is a UUID v5 of the declaration id, so exporting the same
  declaration twice gives the same record id.
* ``referencePeriodEnd`` is *exclusive* in PACT ("the end (excluding) of the
  time boundary"), so a period ending 2025-12-31 becomes 2026-01-01T00:00:00Z.
* Decimals are JSON strings (PACT v3), written without exponent.
* ``pcfExcludingBiogenicUptake`` is the EF 3.1 climate change, which gives biogenic CO2 uptake no
  factor; ``pcfIncludingBiogenicUptake`` subtracts the uptake the declaration records (its own
  processes' direct flows), and the export is refused where a dataset, an imported database or a
  supplier may bring uptake the declaration does not record (``_biogenic``).
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any, Mapping

from footprint._text import percent_digits
from footprint.export._biogenic import foreground_uptake, refuse_unknown_uptake
from footprint.export._errors import ExportError

SPEC_VERSION = "3.0.0"
EXTENSION_SPEC_VERSION = "2.0.0"
EXTENSION_SCHEMA = "https://footprint.invalid/schemas/pact-extension/crma-ef-declaration/1.0.0/data-model.json"
EXTENSION_DOCS = "https://footprint.invalid/docs/exports#pact"
#: Namespace of PACT record ids derived from declaration ids (fixed: ids must be stable).
PACT_NAMESPACE = uuid.UUID("3c5b7f0e-8a9d-4e1f-9b2a-70616374ee33")
CLIMATE = "climate_change"
CLIMATE_FOSSIL = "climate_change_fossil"
_SUBDIVISION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def decimal_string(value: Any, significant: int = 6) -> str:
    """A number as a PACT decimal string: fixed notation, ``significant`` digits, no exponent."""
    number = Decimal(f"{float(value):.{significant}g}")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent_string(fraction: Any, significant: int = 4) -> str:
    """A share (0.99996) as a PACT percentage decimal ("99.996"): never "100" when it is not whole, never "0"
    when it is not nothing.

    Why: at four significant figures a primary data share of 0.99996 went out as primaryDataShare "100", a
    claim that every datum of the PCF is primary, which the declaration does not make.  More figures are
    written until the rounded text is not the claim (the report's percent_digits, footprint._text, says
    "> 99.9 %" for the same reason).
    """
    percent = 100 * float(fraction)
    for figures in range(significant, 18):
        text = decimal_string(percent, figures)
        if Decimal(text) not in (Decimal(0), Decimal(100)) or Decimal(repr(percent)) == Decimal(text):
            return text
    return decimal_string(percent, 17)


def decimal_strings_apart(values: list[Any], significant: int = 6) -> list[str]:
    """decimal_string of each value with the fewest figures (at least ``significant``) at which values that
    differ are written differently.

    Why: a performance class record carries the classed value beside the scheme's thresholds; at six figures a
    value of 46.5554938 classed B above the threshold 46.5554937 was written "46.5555" beside the threshold
    "46.5555", which reads as a value on the threshold (and so in A).  Rounding is monotone, so values written
    differently keep their order.
    """
    numbers = [float(v) for v in values]
    for figures in range(significant, 18):
        texts = [decimal_string(v, figures) for v in numbers]
        if len({Decimal(t) for t in texts}) == len(set(numbers)):
            return texts
    return [decimal_string(v, 17) for v in numbers]


def _amount(value: Any) -> str:
    """A declared unit's amount exactly as declared, as a PACT decimal ("1", "1000", "12345.67")."""
    from footprint._text import amount_text

    if not _is_share(value):
        raise ExportError("the declared unit's amount is not a number", field="declared_unit.amount", value=value,
                          expected="a positive number (1 for 1 kg)")
    return amount_text(value)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "unnamed"


def _result(document: Mapping[str, Any], category: str) -> Mapping[str, Any]:
    """A computed result, declared or additional (the fossil share is never declared on its own)."""
    from footprint.inputs.upstream import all_results

    for result in all_results(dict(document)):
        if result.get("category") == category:
            return result
    raise ExportError(f"the declaration has no '{category}' result, which PACT requires", field="results",
                      expected=f"a result with category '{category}' (declarations by 'footprint declare' have it)")


def _datetime(day: str, *, next_day: bool = False) -> str:
    date = dt.date.fromisoformat(str(day)[:10])
    if next_day:
        date += dt.timedelta(days=1)
    return f"{date.isoformat()}T00:00:00Z"


def _created(document: Mapping[str, Any]) -> str:
    created = str((document.get("provenance") or {}).get("created") or "")
    try:
        moment = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError("provenance.created is not an ISO 8601 date-time", field="provenance.created",
                          value=created, expected="e.g. 2026-11-23T01:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _geography(declarant: Mapping[str, Any]) -> dict[str, str]:
    """At most one geography field: the ISO 3166-2 subdivision when given, else the country."""
    region, country = str(declarant.get("region") or ""), str(declarant.get("country") or "")
    if _SUBDIVISION.match(region):
        return {"geographyCountrySubdivision": region}
    if _COUNTRY.match(country):
        return {"geographyCountry": country}
    return {}  # PACT: no geography field means global


def _company_ids(declarant: Mapping[str, Any]) -> list[str]:
    identifier = str(declarant.get("identifier") or "")
    if identifier.lower().startswith("urn:"):
        return [identifier]
    return [f"urn:footprint:company:{_slug(str(declarant.get('name') or 'unnamed'))}"]


def _exempted(cut_off: Mapping[str, Any]) -> tuple[str, str | None]:
    """Exempted share in %: the sum of the exclusions' estimated shares (the known part).

    An exclusion without an estimate adds nothing to the number (its share is not known) and is
    named in the description as not estimated, so the number is then a lower bound, said so.  It
    must never drop the estimated shares beside it: an exclusion estimated at 2 % next to one
    without an estimate is at least 2 % exempted, not 0.
    """
    excluded = [e for e in cut_off.get("excluded") or [] if isinstance(e, Mapping)]
    if not excluded:
        return "0", None
    known = [float(e["estimated_share"]) for e in excluded if _is_share(e.get("estimated_share"))]
    unknown = len(excluded) - len(known)
    description = "; ".join(f"{e.get('process', '?')}: {e.get('item', '?')} ({e.get('reason', 'no reason given')})"
                            + ("" if _is_share(e.get("estimated_share")) else " [contribution not estimated]")
                            for e in excluded)
    if unknown:
        description += (f" [{unknown} of {len(excluded)} exclusion(s) left out under the rule's cut-off without an "
                        "estimated contribution: exemptedEmissionsPercent counts only the estimated ones and is a "
                        "lower bound]")
    return decimal_string(100 * sum(known), 4), description


#: Significant digits of a DQR in the record: a DQR is 1-5 with the three decimals a declaration keeps, so four
#: digits carry it whole (three made the example's 2.009 "2.01" and its TeR 1.399 "1.4").
DQR_DIGITS = 4


def dqr_string(value: Any) -> str:
    """A DQR as the declaration holds it: DQR_DIGITS significant digits, more where the declaration keeps more.

    Why: a DQR beside a PEF level's limit is declared with the digits that set it apart (1.5003, "very good",
    footprint.engine.quality.declared_dqr); at four digits it went out as "1.5", a DQR PEF calls "excellent"."""
    number = float(value)
    for figures in range(DQR_DIGITS, 18):
        text = decimal_string(number, figures)
        if float(text) == number:
            return text
    return decimal_string(number, 17)


def _dqi(dq: Mapping[str, Any]) -> dict[str, str]:
    """PACT's dqi: the technological, geographical and temporal DQR of the PCF, i.e. of climate change.

    Why not ``data_quality.criteria``: in a schema 2.0 declaration those are the mean over every declared
    category (acidification, ionising radiation, ...), so the example's PCF went out with TeR 1.4 and TiR
    2.33 where its climate change reads 1.651 and 2.765 (``data_quality.by_category.climate_change``).  A
    schema 1.0 declaration's criteria were climate change's (its ``basis``).
    """
    basis = dq.get("basis")
    criteria = (dq.get("by_category") or {}).get(CLIMATE) if basis != CLIMATE else dq.get("criteria")
    if not isinstance(criteria, Mapping) or not all(_is_share(criteria.get(k)) for k in ("TeR", "GeR", "TiR")):
        raise ExportError("the declaration has no data quality of climate change, which PACT's dqi describes",
                          field=f"data_quality.by_category.{CLIMATE}",
                          expected="TeR, GeR and TiR of climate change (declarations by 'footprint declare' have them)")
    return {"technologicalDQR": decimal_string(criteria["TeR"], DQR_DIGITS),
            "geographicalDQR": decimal_string(criteria["GeR"], DQR_DIGITS),
            "temporalDQR": decimal_string(criteria["TiR"], DQR_DIGITS)}


def _is_share(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _comment(document: Mapping[str, Any]) -> str:
    rule = document.get("rule") or {}
    method = document.get("method") or {}
    dq = document.get("data_quality") or {}
    lines = [
        f"CRMA (Regulation (EU) 2024/1252) Art. 31 footprint declaration {document.get('id')} "
        f"(content sha256 {document.get('content_sha256')}), rule {rule.get('id')} {rule.get('version')} "
        f"({rule.get('status', 'status not stated')}).",
        f"Climate change characterised with {method.get('name')} ({method.get('implementation')}); "
        + _uptake_sentence(foreground_uptake(document)),
        f"PEF DQR {dq.get('dqr')} ({dq.get('level')}); precision P {((dq.get('criteria') or {}).get('P'))}.",
    ]
    from footprint.inputs.upstream import all_results, declared_results

    values = {r.get("category"): r.get("value") for r in all_results(dict(document))}
    split = [values.get(c) for c in (CLIMATE_FOSSIL, "climate_change_biogenic", "climate_change_land_use")]
    total = values.get(CLIMATE)
    if isinstance(total, (int, float)) and all(isinstance(v, (int, float)) for v in split if v is not None):
        unsplit = total - sum(v for v in split if v is not None)
        if abs(unsplit) > 1e-6 * abs(total):  # datasets that give climate change only, not by origin
            lines.append(f"{decimal_string(unsplit)} kg CO2e per declared unit of the climate-change total come "
                         "from datasets that do not split it by origin (fossil, biogenic, land use); "
                         "fossilGhgEmissions does not include them.")
    minerals = document.get("mineral_resources") or {}
    statement = (minerals.get("ef31_gap") or {}).get("statement")
    if statement:
        lines.append(statement)
    statement = ((document.get("radionuclides") or {}).get("ef31_gap") or {}).get("statement")
    if statement:  # thorium-232 and other releases EF 3.1 ionising radiation does not count
        lines.append(statement)
    csi = minerals.get("crustal_scarcity") or {}
    if isinstance(csi.get("value"), (int, float)):
        # whether it is declared and how complete, as the declaration says: the lithium brine example's
        # (additional information, partial) read here like a declared, complete value
        result = next((r for r in all_results(dict(document)) if r.get("category") == "crustal_scarcity"), {})
        declared = any(r.get("category") == "crustal_scarcity" for r in declared_results(dict(document)))
        status = "declared" if declared else "additional information, not declared"
        coverage = result.get("coverage")
        if coverage not in (None, "complete"):
            status += f"; coverage {coverage}: a lower bound"
        lines.append(f"Crustal scarcity (supplementary indicator, not EF 3.1; {status}): "
                     f"{decimal_string(csi['value'])} {csi.get('unit')} per declared unit ({csi.get('citation')}).")
    for result in declared_results(dict(document)):
        if result.get("coverage") not in (None, "complete"):
            lines.append(f"Coverage warning, {result.get('category')}: {result.get('coverage_note') or result.get('coverage')}.")
    partial = [p.get("dataset") for p in dq.get("partial_coverage") or [] if isinstance(p, Mapping)]
    if partial:
        lines.append("Datasets with partial coverage of the EF categories: " + ", ".join(map(str, partial)) + ".")
    lines += [f"Warning: {w}" for w in dq.get("warnings") or []]
    return "\n".join(lines)


def _uptake_sentence(uptake: float) -> str:
    if uptake == 0:
        return ("pcfIncludingBiogenicUptake equals pcfExcludingBiogenicUptake because the inventories carry no "
                "biogenic CO2 uptake.")  # checked by refuse_unknown_uptake, the wording as before
    return (f"pcfIncludingBiogenicUptake subtracts the {decimal_string(uptake)} kg CO2 per declared unit the "
            "declarant's processes take up from the air (biogenic CO2 uptake, which EF 3.1 does not characterise).")


def _boundary(document: Mapping[str, Any]) -> str:
    stages = {s.get("id"): s.get("label") for s in document.get("stages") or []}
    parts = []
    for process in document.get("processes") or []:
        stage = stages.get(process.get("stage"), process.get("stage"))
        points = ", ".join(process.get("annex_v") or [])
        parts.append(f"{stage}: {process.get('name')} (Annex V {points})")
    return "Cradle to gate. " + "; ".join(parts)


def _allocation(document: Mapping[str, Any]) -> str | None:
    items = []
    for a in document.get("allocation") or []:
        share = a.get("main_share")
        # percent_digits: a main share of 0.9996 read "100.0 %", as if the co-products carried nothing
        share_text = f"{percent_digits(share)} %" if _is_share(share) else "?"
        items.append(f"{a.get('process')}: {a.get('method')} allocation, {share_text} to {a.get('main_product')}")
    return "; ".join(items) or None


def _verification(document: Mapping[str, Any]) -> dict[str, str] | None:
    """PACT's verification record, only from a verification that names who verified (declaration.claims)."""
    from footprint.declaration.claims import conformity_verified, verification_block

    block = verification_block(document)
    ca = conformity_verified(document)
    if block is None and ca is not None:
        block = {"providerName": ca.get("body"), "completedAt": ca.get("date"),
                 "standardName": f"CRMA Art. 31, Annex V point 9 ({ca.get('module')})",
                 "comments": f"certificate or statement {ca.get('certificate_id')}"}
    if not isinstance(block, Mapping) or not block:
        return None
    record = {"coverage": "product level"}
    for source, target in (("providerName", "providerName"), ("provider", "providerName"),
                           ("completedAt", "completedAt"), ("standardName", "standardName"),
                           ("comments", "comments")):
        if block.get(source) and target not in record:
            record[target] = str(block[source])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", record.get("completedAt", "")):
        record["completedAt"] += "T00:00:00Z"  # PACT wants an RFC 3339 date-time
    return record


def _class_extension(document: Mapping[str, Any]) -> dict[str, Any] | None:
    pc = document.get("performance_class")
    if not isinstance(pc, Mapping) or not pc.get("class"):
        return None
    out: dict[str, Any] = {"class": str(pc["class"])}
    if pc.get("scheme_id") is not None:
        out["schemeId"] = str(pc["scheme_id"])
    if pc.get("category") is not None:
        out["category"] = str(pc["category"])
    value = pc.get("value") if _is_share(pc.get("value")) else None
    # under a scheme of basis "median" the class comes from the Monte Carlo median, not the declared value: the
    # record said class A beside a value above A's threshold, with nothing to say why (the report and label
    # show the classed value, label.classed_value); now the median goes out as classedValue, with the basis
    classed = pc.get("classed_value") if pc.get("basis") == "median" and _is_share(pc.get("classed_value")) else None
    thresholds = [t for t in pc.get("thresholds") or [] if _is_share(t)]
    texts = decimal_strings_apart([*([value] if value is not None else []), *([classed] if classed is not None else []),
                                   *thresholds])  # never equal when not
    if value is not None:
        out["value"], texts = texts[0], texts[1:]
    if classed is not None:
        out["basis"], out["classedValue"], texts = "median", texts[0], texts[1:]
    if pc.get("thresholds"):
        out["thresholds"] = texts if len(thresholds) == len(pc["thresholds"]) else [
            decimal_string(t) for t in pc["thresholds"]]
    if pc.get("labels"):
        out["labels"] = [str(x) for x in pc["labels"]]
    return out


def _refuse_partial_pcf(*results: Mapping[str, Any]) -> None:
    """Refuse a PCF whose climate change (or its fossil part) is not completely characterised.

    Why: a PACT record's ``pcfExcludingBiogenicUptake`` is a plain number; the coverage flag rode only in
    footprint's extension and comment, which a customer's system does not read, so a lower bound (some
    flows without a factor) went out as the product's carbon footprint, exit 0.  ``classes assign``
    refuses a partial value for the same reason.
    """
    for result in results:
        coverage = result.get("coverage")
        if coverage not in (None, "complete"):
            raise ExportError(f"{result.get('category')} is {coverage}: some flows of the datasets used have no "
                              "characterisation factor, so the value is a lower bound, and a PACT record's pcf carries "
                              "no coverage flag a customer's system reads", field=f"results[{result.get('category')}]"
                              ".coverage", value=coverage,
                              expected="a declaration whose climate change is complete (see 'footprint inventories "
                                       "coverage RULE --data FILE'), or the declaration itself (JSON, report) "
                                       "instead of a PACT record")


def _refuse_bulk_amount_other_than_1(unit: Mapping[str, Any]) -> None:
    """Refuse a declared unit of other than 1 kg: PACT v3 says of ``declaredUnitAmount`` that for a product
    supplied in bulk in kg "the value MUST be 1" (shared/domain/methodology.md, PACT data model).

    Why: a rule of its own id may declare per 1000 kg (Annex V point 3 allows it); its declaration went out as
    ``declaredUnitAmount`` "1000" beside ``pcfExcludingBiogenicUptake`` "46555.5", exit 0, which a customer's
    system holding to the spec reads as 46,555 kg CO2e per kg.  footprint does not rescale a declaration's
    values (its class, thresholds and comment are per the declared unit too): a refusal says what to do.
    """
    amount = unit.get("amount", 1)
    try:
        one = not isinstance(amount, bool) and float(amount) == 1.0
    except (TypeError, ValueError):
        one = False
    if not one:
        raise ExportError("PACT v3 requires a product supplied in bulk in kg to be declared per 1 kg "
                          "('declaredUnitAmount ... MUST be 1'); this declaration is per another amount",
                          field="declared_unit.amount", value=amount,
                          expected="1 (declare under a rule whose declared unit is 1 kg, as Annex V point 3 "
                                   "sets by default; footprint does not rescale a declaration)")


def to_pact(document: Mapping[str, Any]) -> dict[str, Any]:
    """The PACT v3 ProductFootprint record of a declaration (a plain dict, decimals as strings), checked
    against the stored v3 field rules: a record that breaks one is refused, never written or published."""
    from footprint.export.pact_schema import check_record

    record = build_record(document)
    check_record(record, document.get("id"))
    return record


def build_record(document: Mapping[str, Any]) -> dict[str, Any]:
    """The record field by field (to_pact checks it whole before anyone gets it)."""
    declarant = document.get("declarant") or {}
    unit = document.get("declared_unit") or {}
    rule = document.get("rule") or {}
    dq = document.get("data_quality") or {}
    criteria = dq.get("criteria") or {}
    period = document.get("period") or {}
    from footprint.inputs.upstream import refuse_rule_not_in_library, refuse_sensitivity_run

    refuse_sensitivity_run(document, ExportError)  # every customer's system reads a PACT footprint as the product's
    refuse_rule_not_in_library(document, ExportError)  # ... and under the rule it names, as the library holds it
    if unit.get("unit") != "kg":
        raise ExportError("PACT export supports declared units in kg only", field="declared_unit.unit",
                          value=unit.get("unit"), expected="kg (Annex V point 3: the declared unit is 1 kg)")
    _refuse_bulk_amount_other_than_1(unit)
    climate = _result(document, CLIMATE)
    fossil = _result(document, CLIMATE_FOSSIL)
    _refuse_partial_pcf(climate, fossil)
    refuse_unknown_uptake(document)  # a dataset, import or supplier with uptake made the two pcf values wrongly equal
    total = decimal_string(climate["value"])
    uptake = foreground_uptake(document)
    including = total if uptake == 0 else decimal_string(float(climate["value"]) - uptake)
    exempted, exempted_text = _exempted(document.get("cut_off") or {})
    stages = " \u2192 ".join(str(s.get("label")) for s in document.get("stages") or [])
    description = ", ".join(str(x) for x in (unit.get("product"), unit.get("grade")) if x)
    description += f"; {document.get('route', '')} route: {stages}".rstrip()
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "kilogram",
        # the amount is a definition every value is per, never rounded (amount_text): at six figures a declared
        # unit of 12345.67 kg went out as 12345.7 kg
        "declaredUnitAmount": _amount(unit.get("amount", 1)),
        "productMassPerDeclaredUnit": _amount(unit.get("amount", 1)),
        "referencePeriodStart": _datetime(period.get("start")),
        "referencePeriodEnd": _datetime(period.get("end"), next_day=True),
        **_geography(declarant),
        "boundaryProcessesDescription": _boundary(document),
        "pcfExcludingBiogenicUptake": total,
        "pcfIncludingBiogenicUptake": including,
        "fossilGhgEmissions": decimal_string(fossil["value"]),
        "fossilCarbonContent": "0",
        "packagingEmissionsIncluded": False,
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["PEF", "ISO14040-44"],
        "productOrSectorSpecificRules": [{
            "operator": "Other",
            "otherOperatorName": "footprint calculation rules under Regulation (EU) 2024/1252 Art. 31 "
                                 "(Annex V)",
            "ruleNames": [f"{rule.get('id')} {rule.get('version')}"],
        }],
        "exemptedEmissionsPercent": exempted,
        "secondaryEmissionFactorSources": [{
            "name": "footprint open inventories (inventories/)",
            "version": str(((document.get("provenance") or {}).get("inventories") or {}).get("sha256", "?"))[:12],
        }],
        "primaryDataShare": percent_string(dq.get("primary_data_share", 0.0)),
        "dqi": _dqi(dq),
    }
    if exempted_text:
        pcf["exemptedEmissionsDescription"] = exempted_text
    allocation = _allocation(document)
    if allocation:
        pcf["allocationRulesDescription"] = allocation
    verification = _verification(document)
    if verification:
        pcf["verification"] = verification
    from footprint.inputs.upstream import declared_results

    others = [{"category": r.get("category"), "label": r.get("label"), "indicator": r.get("indicator"),
               "unit": r.get("unit"), "value": decimal_string(r.get("value")), "coverage": r.get("coverage"),
               **({"coverageWarning": r["coverage_note"]} if r.get("coverage_note") else {})}
              for r in declared_results(dict(document)) if r.get("category") != CLIMATE]
    method = document.get("method") or {}
    extension_data: dict[str, Any] = {
        "declarationId": document.get("id"),
        "contentSha256": document.get("content_sha256"),
        "efVersion": str(method.get("version", "")),
        "method": method.get("name"),
        "impactCategories": others,
        "dqr": dqr_string(dq.get("dqr", 0)),
        "precisionP": decimal_string(criteria["P"], DQR_DIGITS),
        "performanceClass": _class_extension(document),
    }
    rc = document.get("recycled_content") or {}
    if isinstance(rc, Mapping) and rc.get("method") not in (None, "not-applicable"):
        extension_data["recycledContent"] = {"method": rc.get("method"), "R1": rc.get("R1"),
                                             "byElement": dict(rc.get("by_element") or {})}
    record: dict[str, Any] = {
        "id": str(uuid.uuid5(PACT_NAMESPACE, str(document.get("id")))),
        "specVersion": SPEC_VERSION,
        "created": _created(document),
        "status": "Active",
        "companyName": str(declarant.get("name") or ""),
        "companyIds": _company_ids(declarant),
        "productDescription": description,
        "productIds": [f"urn:footprint:product:{_slug(str(rule.get('id')))}:{_slug(str(declarant.get('name')))}"],
        "productNameCompany": str(unit.get("product") or ""),
        "comment": _comment(document),
        "pcf": pcf,
        "extensions": [{"specVersion": EXTENSION_SPEC_VERSION, "dataSchema": EXTENSION_SCHEMA,
                        "documentation": EXTENSION_DOCS, "data": extension_data}],
    }
    if not record["companyName"] or not record["productNameCompany"]:
        raise ExportError("PACT needs a company name and a product name", field="declarant.name",
                          expected="a non-empty declarant name and declared_unit.product")
    return record

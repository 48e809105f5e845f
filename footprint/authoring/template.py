"""Activity-data templates generated from a rule, as YAML or as an XLSX workbook.

A producer should not have to read a rule file to learn what to report.  The
template lists, per process of the rule, the output, every co-product, the
upstream inputs (``from``), every input kind the rule expects (with the unit of
the default dataset, so no conversion surprises), the transport kinds, and empty
places for direct emissions and cut-off exclusions; each line has columns for
the source, the four DQR criteria and the data type.  Amounts are left empty on
purpose: an unfilled template fails validation instead of declaring zeros.

The XLSX layout (read back by footprint.inputs.activity.load_activity):

* sheet ``declarant``: key/value rows (rule, name, facility, country, region,
  identifier, period_start, period_end, production_amount, production_unit,
  production_source, production_TeR .. production_P, production_data_type);
* one sheet per process (named by the process id), header row then one row per
  item: section (dqr, output, co_product, input, transport, emission, excluded,
  allocation_share), item, compartment, amount, unit, source, TeR, GeR, TiR, P,
  data_type, share, comment.  For inputs, ``item`` is an input kind or
  ``from: <process>``; input, transport and emission rows with an empty amount
  are ignored (not every expected input is used by every plant).  Optional
  columns distribution, gsd, sd, minimum, maximum, mode state an amount's
  uncertainty (footprint.inputs.distribution); left empty, it is derived from
  the DQR scores.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from footprint._io import write_atomic
from footprint._text import xlsx_append
from footprint.data.inventory import Catalogue
from footprint.errors import FootprintError
from footprint.inputs import units
from footprint.inputs.activity_xlsx import COLUMNS, DECLARANT_KEYS, DECLARANT_SHEET, UNCERTAINTY_COLUMNS
from footprint.inputs.rule import LoadedRule, Rule, RuleProcess


def kind_unit(rule: Rule, kind: str, catalogue: Catalogue | None) -> tuple[str, str]:
    """(unit, dataset kind) of an input kind: the unit of its first concrete default dataset."""
    spec = rule.input_kinds[kind]
    if catalogue is not None:
        for template in (spec.dataset, *spec.fallback):
            code = template if "{" not in template else None
            if code and code in catalogue.datasets:
                dataset = catalogue.datasets[code]
                return dataset.unit, dataset.kind
        for template in (spec.dataset, *spec.fallback):  # a regional template: any dataset with its prefix
            prefix = template.split("{")[0]
            for code, dataset in catalogue.datasets.items():
                if prefix and code.startswith(prefix):
                    return dataset.unit, dataset.kind
    return "", ""


#: Why a fuel's energy basis is said where the template asks for it.  The fuel datasets are per MJ of net
#: calorific value (IPCC factors), while gas bills in Europe state kWh of gross calorific value (Hs), about
#: a tenth more for natural gas (inventories/fuel/natural-gas.yaml): a bill copied as it reads overstates
#: the gas burned, exit 0.
GROSS_BILLS = "a bill or meter in gross calorific value (GCV, Hs) states more energy for the same fuel; convert it"


def _is_transport(rule: Rule, kind: str, catalogue: Catalogue | None) -> bool:
    unit, dataset_kind = kind_unit(rule, kind, catalogue)
    return dataset_kind == "transport" or unit.replace(" ", "") in ("t*km", "tkm")


def _accepts_declarations(rule: Rule) -> bool:
    """Whether any input kind accepts a supplier's declaration (then the XLSX gets a 'declaration' column)."""
    return any(getattr(spec, "upstream_products", None) for spec in rule.input_kinds.values())


def unexpected_kinds(rule: Rule) -> list[str]:
    """Input kinds of the rule that no process lists in ``expected_inputs``.

    Why: ``expected_inputs`` is read only by this template, and the engine takes any input kind of the
    rule in any process.  A kind no process expects (a carbon anode, a shielding gas) was in no line of
    the template, so a producer filling it in never reported it and declared less than the example.
    The template now offers these kinds in every process, as lines to fill in if used.
    """
    expected = {kind for _stage, process in rule.processes() for kind in process.expected_inputs}
    return [kind for kind in rule.input_kinds if kind not in expected]


#: Production is read only to check the mass balance (it must match the reference process's output): its
#: own DQR or data type is read by no score, so the template does not ask for them.
PRODUCTION_NOT_SCORED = ("production_TeR", "production_GeR", "production_TiR", "production_P", "production_data_type")


def period_length(rule: Rule) -> str:
    """'; 12 months (...)' when the rule fixes the reporting period's length (declare refuses another), else ''."""
    spans = rule.validity.reporting_periods
    if spans is None or spans.length_months is None:
        return ""
    return (f"; {spans.length_months} months (the rule's reporting period length, within "
            f"{spans.length_tolerance_days} days: a 52/53-week fiscal year passes)")


def _specified(process: RuleProcess) -> bool:
    return process.allocation is not None and process.allocation.method == "specified"


def _rows(rule: Rule, process: RuleProcess, catalogue: Catalogue | None) -> list[dict[str, Any]]:
    """The template rows of one process (shared by the YAML and XLSX writers)."""
    rows: list[dict[str, Any]] = [
        {"section": "dqr", "comment": "default DQR (1 best .. 5 worst) for every row below without its own"},
        {"section": "output", "item": process.product.name, "unit": process.product.unit,
         "comment": f"{process.product.name} made in the period (mandatory)"}]
    for name in process.co_products:
        rows.append({"section": "co_product", "item": name, "unit": process.product.unit,
                     "share": None if _specified(process) else "",
                     "comment": "mandatory (0 if none was made)"
                                + ("; share: allocation share (method 'specified')" if _specified(process) else "")})
    if _specified(process):
        rows.append({"section": "allocation_share", "item": process.product.name,
                     "comment": "main product's allocation share (method 'specified'; all shares sum to 1)"})
    for upstream in process.inputs_from:
        rows.append({"section": "input", "item": f"from: {upstream}", "unit": rule.process(upstream).product.unit,
                     "comment": f"{rule.process(upstream).product.name} received from process '{upstream}'"})
    for kind in process.expected_inputs:
        unit, dataset_kind = kind_unit(rule, kind, catalogue)
        section = "transport" if _is_transport(rule, kind, catalogue) else "input"
        comment = " ".join(rule.input_kinds[kind].description.split())
        if dataset_kind == "fuel" and units.convertible(unit, "MJ") and "NCV" not in comment:
            comment += f"; {unit} of net calorific value (NCV): {GROSS_BILLS}"
        accepted = getattr(rule.input_kinds[kind], "upstream_products", None)
        if accepted:
            comment += (f"; or give a supplier's declaration JSON in 'declaration' (accepted products: "
                        f"{', '.join(accepted)})")
        rows.append({"section": section, "item": kind, "unit": unit, "comment": comment})
    for kind in unexpected_kinds(rule):
        unit, _k = kind_unit(rule, kind, catalogue)
        section = "transport" if _is_transport(rule, kind, catalogue) else "input"
        comment = " ".join(rule.input_kinds[kind].description.split())
        rows.append({"section": section, "item": kind, "unit": unit, "other": True,
                     "comment": f"if this process uses it (the rule lists it for no process): {comment}".rstrip(": ")})
    rows += ore_rows(process)
    rows.append(water_row(rule))
    rows.append({"section": "emission", "item": "", "compartment": "air",
                 "comment": "direct emissions, flow name as in biosphere3 (e.g. 'Carbon dioxide, fossil'): "
                            + EMISSIONS_SCOPE})
    rows.append({"section": "excluded", "item": "",
                 "comment": f"items left out under the {rule.cut_off.threshold:.0%} cut-off: amount = estimated "
                            "share (0..1), comment = reason"})
    return rows


#: What 'emissions' holds.  Every fuel dataset a rule maps ('diesel, burned in an industrial engine', coal,
#: natural gas, fuel oil, LPG) includes its combustion, so a plant's stack CO2 that also counts those fuels
#: would be declared twice; process emissions (carbonate decomposition in roasting, dust, radionuclides) are
#: what belongs here.
EMISSIONS_SCOPE = ("direct releases the input datasets do not hold (process CO2, dust, acid gases, radionuclides); "
                   "the combustion of fuels reported as inputs is in their datasets: do not report it again")


def ore_rows(process: RuleProcess) -> list[dict[str, Any]]:
    """Optional assay rows of an extraction process (read by footprint.engine.ore), the rule's values as comments.

    Left blank they keep the rule's values; filled, the producer's assay replaces the ones it names. The YAML
    writer offers the same as one commented ``ore:`` line.
    """
    if process.extraction is None or not process.extraction.contents:
        return []
    rows: list[dict[str, Any]] = []
    for key, content in process.extraction.contents.items():
        rows.append({"section": "ore_content", "item": key, "unit": content.unit,
                     "comment": f"optional: your assay of {key} in the ore mined replaces the rule's "
                                f"{content.value:g} {content.unit} (unit: %, fraction, ppm or g/t)"})
    for group, distribution in process.extraction.distributions.items():
        for element, share in distribution.shares.items():
            rows.append({"section": "ore_share", "item": f"{group}: {element}", "unit": "%",
                         "comment": f"optional: {element}'s share of {group}, % of the group's oxide mass "
                                    f"(rule: {share:g}); give every share of {group} if you give one"})
    return rows


def water_row(rule: Rule) -> dict[str, Any]:
    """The water flow EF 3.1 water use registers, as the bundled method defines it (read, not assumed).

    bw2io's EF 3.1 (AWARE) characterises only 'Water' emitted to air, with one global factor
    and no regional ones: consumption (evaporated, built into products, sent to another basin)
    must be reported as that flow, or water use stays zero whatever the plant withdraws.
    """
    from footprint.data.methods import water_use_flows

    flows = water_use_flows()
    names = sorted({f["flow"] for f in flows})
    compartments = sorted({f["compartment"] for f in flows})
    factors = sorted({f["cf"] for f in flows})
    regional = "one global factor" if len(factors) == 1 else "factors by compartment"
    declared = "water_use" in rule.impact_categories.declared
    comment = (f"{'MANDATORY (the rule declares water use): ' if declared else ''}water consumed in m3 = withdrawn "
               f"minus returned to the same basin (evaporated, built into products, sent elsewhere), as flow "
               f"'{names[0]}' to '{compartments[0].split('::')[0]}'. EF 3.1 water use as bundled characterises only "
               f"this flow ({', '.join(compartments)}; {regional}: {', '.join(f'{x:g}' for x in factors)} m3 world eq. "
               "deprived per m3, no regional factors); withdrawals and returns alone count zero")
    return {"section": "emission", "item": names[0], "compartment": compartments[0].split("::")[0], "unit": "m**3",
            "comment": comment, "mandatory": declared}


# ----------------------------------------------------------------------------- YAML


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def yaml_template(loaded: LoadedRule, catalogue: Catalogue | None = None) -> str:
    """A commented YAML skeleton; every amount is null, so it fails validation until filled."""
    rule = loaded.rule
    dqr = "{TeR: null, GeR: null, TiR: null, P: null}"
    du = rule.declared_unit
    out = [f"# Activity-data template for rule {rule.id} {rule.version}: {rule.title}",
           f"# Declared unit: {du.amount:g} {du.unit} {du.product} ({du.chemical_form}, {du.grade}).",
           "# Report totals for one facility and reporting period (meters, invoices, stack tests).",
           "# Replace every null; amounts left null fail validation on purpose. DQR criteria: 1 (best) .. 5 (worst).",
           "# An input or transport line you do not use: amount 0, or delete it and list its kind under the process's",
           "# 'not_used: [...]'; one you use but leave out under the cut-off: an 'excluded' item naming it in 'kinds'.",
           "# An expected input neither reported, not used nor excluded is refused. data_type: primary | secondary.",
           f"# Emissions: {EMISSIONS_SCOPE}.",
           "# Optional per input, leg or emission: uncertainty: {type: lognormal, gsd: 1.1} (or normal sd, "
           "triangular/uniform minimum maximum); without it the uncertainty is derived from the DQR scores.",
           "# Generated by 'footprint template'; check with 'footprint declare'.",
           f"rule: {rule.id}",
           "declarant:",
           "  name: null          # legal name of the producer",
           "  facility: null      # facility or site",
           "  country: null       # ISO 3166-1 alpha-2, e.g. CN",
           "  region: null        # ISO 3166-2, e.g. CN-NM: selects the regional grid; required where the library "
           "holds grids of regions of your country, else optional",
           "  identifier: null    # optional, e.g. urn:... or an LEI",
           f"period: {{start: null, end: null}}   # YYYY-MM-DD{period_length(rule)}",
           f"production: {{amount: null, unit: {du.unit}, source: null}}"
           f"   # {du.product} sold or stocked in the period (checked against the output of "
           f"'{rule.reference_process}')",
           ]
    if rule.recycled_content.method != "not-applicable":
        out.append(f"recycled_content:   # method '{rule.recycled_content.method}'")
        out.append("  R1: null           # recycled share of the feed, 0..1")
        out.append("  source: null")
        out.append(f"  dqr: {dqr}")
        if rule.recycled_content.elements:  # Art. 28/29: the declaration lists the elements not stated
            shares = ", ".join(f"{element}: null" for element in rule.recycled_content.elements)
            out.append(f"  # by_element: {{{shares}}}   # optional: recycled share of each element the rule asks "
                       "for, 0..1 (Art. 28/29 of Regulation (EU) 2024/1252); one left out is declared 'not stated'")
    out += ["", "processes:"]
    for stage, process in rule.processes():
        need = "REQUIRED" if process.company_specific == "required" else \
            f"optional (omit the whole process to use the default dataset {process.default_dataset})"
        out.append(f"  {process.id}:   # {process.name}; stage {stage.id}; Annex V {', '.join(process.annex_v)}; "
                   f"company-specific data {need}")
        head, co_lines, inputs, transport, other, other_transport = [], [], [], [], [], []
        for row in _rows(rule, process, catalogue):
            section, comment = row["section"], row.get("comment", "")
            tail = f"   # {comment}" if comment else ""
            if section == "dqr":
                head.append(f"    dqr: {dqr}{tail}")
            elif section == "output":
                head.append(f"    output: {{amount: null, unit: {_q(row['unit'])}, source: null}}{tail}")
            elif section == "co_product":
                share = ", share: null" if _specified(process) else ""
                co_lines.append(f"      - {{name: {_q(row['item'])}, amount: null, unit: {_q(row['unit'])}, "
                                f"source: null{share}}}{tail}")
            elif section == "allocation_share":
                head.append(f"    allocation_share: null{tail}")
            elif section == "input" and row.get("other"):
                other.append(f"      # - {{kind: {row['item']}, amount: null, unit: {_q(row['unit'])}, source: null}}"
                             f"{tail}")
            elif section == "input":
                item = row["item"]
                key = f"from: {item.removeprefix('from: ')}" if item.startswith("from: ") else f"kind: {item}"
                inputs.append(f"      - {{{key}, amount: null, unit: {_q(row['unit'])}, source: null}}{tail}")
            elif section == "transport":
                line = f"- {{kind: {row['item']}, amount: null, unit: {_q(row['unit'])}, source: null}}{tail}"
                (other_transport if row.get("other") else transport).append(
                    f"      # {line}" if row.get("other") else f"      {line}")
        out += head
        if process.extraction is not None and process.extraction.contents:  # read by footprint.engine.ore
            given = ", ".join(f"{k} {c.value:g} {c.unit}" for k, c in process.extraction.contents.items())
            contents = ", ".join(f"{k}: {{value: null, unit: {_q(c.unit)}, source: null}}"
                                 for k, c in process.extraction.contents.items())
            out.append(f"    # ore: {{contents: {{{contents}}}}}   # optional: your own assay of the ore mined "
                       f"replaces the rule's values it names (rule: {given}; a group such as TREO also takes "
                       "'distributions', with a share for every element of the rule's split, 0 if none)")
        if co_lines:
            out += ["    co_products:"] + co_lines
        empty = "[]   # to use a line below, delete this [] and uncomment the line"
        out.append("    inputs:" if inputs else f"    inputs: {empty if other else '[]'}")
        out += inputs + other  # other kinds of the rule: commented lines, uncommented by a producer using them
        out.append("    transport:" if transport else f"    transport: {empty if other_transport else '[]'}")
        out += transport + other_transport
        water = water_row(rule)
        water_line = (f"{{flow: {_q(water['item'])}, compartment: {water['compartment']}, amount: null, unit: \"m**3\", "
                      f"source: null}}   # {water['comment']}")
        if water["mandatory"]:
            out += ["    emissions:", f"      - {water_line}"]
            out.append("      # - {flow: \"Carbon dioxide, fossil\", compartment: air, amount: null, unit: t, source: null}")
        else:
            out.append("    emissions: []   # - {flow: \"Carbon dioxide, fossil\", compartment: air, amount: null, "
                       "unit: t, source: null}")
            out.append(f"    #   - {water_line}")
        out.append("    excluded: []    # - {item: \"...\", estimated_share: 0.001, reason: \"...\"}")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- XLSX


def _sheet_title(process_id: str) -> str:
    return process_id[:31]


def xlsx_template(loaded: LoadedRule, catalogue: Catalogue | None = None) -> bytes:
    """The workbook as bytes (written atomically by the caller)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    rule = loaded.rule
    bold = Font(bold=True)
    mandatory = PatternFill("solid", fgColor="FFF2CC")
    book = Workbook()
    sheet = book.active
    sheet.title = DECLARANT_SHEET
    sheet.append(["key", "value", "comment"])
    du = rule.declared_unit
    notes = {"rule": "rule id (do not change)", "name": "legal name of the producer (mandatory)",
             "facility": "facility or site (mandatory)", "country": "ISO 3166-1 alpha-2, e.g. CN (mandatory)",
             "region": "ISO 3166-2, e.g. CN-NM; required where the library holds grids of regions of the country",
             "identifier": "optional, e.g. an LEI or URN",
             "period_start": "YYYY-MM-DD (mandatory)", "period_end": f"YYYY-MM-DD (mandatory){period_length(rule)}",
             "production_amount": f"{du.product} sold or stocked in the period (mandatory)",
             "production_unit": "unit of production_amount", "production_source": "where the number comes from",
             "production_data_type": "primary | secondary", "comment": "free text"}
    values = {"rule": rule.id, "production_unit": du.unit}
    notes["recycled_content_R1"] = "recycled content of the product, 0..1 (R1 of the Circular Footprint Formula)"
    notes["recycled_content_source"] = "where R1 comes from (mass balance, supplier certificates)"
    notes["recycled_content_data_type"] = "primary | secondary"
    recycled = rule.recycled_content.method != "not-applicable"
    for element in rule.recycled_content.elements:  # Art. 28/29: the declaration lists the elements not stated
        notes[f"recycled_share_{element}"] = (f"optional: recycled share of {element}, 0..1 (Art. 28/29 of "
                                              "Regulation (EU) 2024/1252); left blank it is declared 'not stated'")
    for key in DECLARANT_KEYS:
        if (key.startswith("recycled_content") and not recycled) or key in PRODUCTION_NOT_SCORED:
            continue
        if key.startswith("recycled_share_") and key.removeprefix("recycled_share_") not in \
                rule.recycled_content.elements:
            continue
        xlsx_append(sheet, [key, values.get(key), notes.get(key, "DQR criterion 1 (best) .. 5 (worst)")])
        if "mandatory" in notes.get(key, ""):
            sheet.cell(row=sheet.max_row, column=2).fill = mandatory
    for cell in sheet[1]:
        cell.font = bold
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 60
    columns = COLUMNS + (("declaration",) if _accepts_declarations(rule) else ()) + UNCERTAINTY_COLUMNS
    for stage, process in rule.processes():
        ws = book.create_sheet(_sheet_title(process.id))
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = bold
        need = "REQUIRED" if process.company_specific == "required" else \
            f"optional: delete this sheet to use the default dataset {process.default_dataset}"
        ws.cell(row=1, column=1).comment = Comment(
            f"{process.name}; stage {stage.id}; Annex V {', '.join(process.annex_v)}; company-specific data {need}",
            "footprint")
        ws.cell(row=1, column=columns.index("amount") + 1).comment = Comment(
            "Each input and transport row the rule expects: the amount of the period, or 0 if the process does "
            "not use it; a row left blank is refused when declaring (it would count as zero). An 'excluded' row "
            "may name the input kinds it leaves out in a 'kinds' column you add (comma-separated).", "footprint")
        ws.cell(row=1, column=columns.index("distribution") + 1).comment = Comment(
            "Optional uncertainty of the amount: lognormal (gsd), normal (sd), triangular (minimum, maximum, mode) "
            "or uniform (minimum, maximum), in the amount's unit. Empty: derived from the DQR scores.", "footprint")
        for row in _rows(rule, process, catalogue):
            # input kinds and names come from the rule: '=diesel' is written as text, never as a formula
            xlsx_append(ws, [row.get(column) if row.get(column) != "" else None for column in columns])
            if row["section"] in ("output", "co_product", "allocation_share") or row.get("mandatory"):
                ws.cell(row=ws.max_row, column=COLUMNS.index("amount") + 1).fill = mandatory
        for letter, width in zip("ABCDEFGHIJKLM", (12, 34, 14, 12, 10, 40, 5, 5, 5, 5, 10, 7, 70)):
            ws.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SUFFIXES = {"yaml": (".yaml", ".yml"), "xlsx": (".xlsx",)}


def template_format(output: Path, fmt: str | None = None) -> str:
    """The format to write: ``fmt`` if given, else from the suffix; a contradicting suffix is an error.

    'footprint declare' picks its reader by suffix, so a YAML template saved as .xlsx
    (or the reverse) could not be read back once filled in.
    """
    suffix = Path(output).suffix.lower()
    if fmt is None:
        return "xlsx" if suffix in SUFFIXES["xlsx"] else "yaml"
    if fmt not in SUFFIXES:
        raise FootprintError("unknown template format", field="--format", value=fmt, expected="yaml or xlsx")
    other = next(f for f in SUFFIXES if f != fmt)
    if suffix in SUFFIXES[other]:
        raise FootprintError(f"a {fmt} template cannot be saved as {suffix}", file=output, field="--format",
                             value=fmt, expected=f"an output ending in {' or '.join(SUFFIXES[fmt])}, "
                                                 f"or --format {other}")
    return fmt


def write_template(loaded: LoadedRule, output: Path, *, fmt: str | None = None, catalogue: Catalogue | None = None,
                   force: bool = False) -> Path:
    """Write the template; ``fmt`` None takes the format from the output's suffix (see template_format)."""
    fmt = template_format(output, fmt)
    content = yaml_template(loaded, catalogue) if fmt == "yaml" else xlsx_template(loaded, catalogue)
    return write_atomic(output, content, force=force)

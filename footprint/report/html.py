"""Self-contained HTML report of a footprint declaration.

One HTML5 file with inline CSS and the chart as a ``data:`` URI: it can be
mailed, archived next to the declaration JSON or printed to PDF without
any external resource or JavaScript.

Every string taken from the declaration is user input.  Cells are escaped
by default: only values wrapped in :class:`Html` (markup this module built
itself) are inserted verbatim, so forgetting to escape is not possible by
accident.
"""

from __future__ import annotations

import base64
import html as _html
import json
from string import Template
from typing import Any, Iterable, Mapping, Sequence

from footprint.report._format import (
    MISSING,
    as_number,
    fmt_amount,
    fmt_dqr,
    fmt_pct,
    fmt_share,
    fmt_sig,
    fmt_sig_list,
    numbers_in,
    sig_apart,
)
from footprint.report.figures import (
    TOP_PROCESSES,
    class_label_png,
    declared_results,
    process_chart_png,
    process_names_and_stages,
    stage_chart_png,
    stage_order,
)
from footprint.report.i18n import (
    DEFAULT_LANGUAGE,
    STRINGS,
    category_label,
    check_language,
    coverage_suffix,
    level,
    text,
)

FOOTER_SENTENCE = text("footer", "en")

_CRITERIA = ("TeR", "GeR", "TiR", "P")  # PEF criteria; labels in i18n

_HASH_KEEP = 12


class Html(str):
    """A string that is already safe markup and must not be escaped again."""


def esc(value: Any) -> Html:
    """Escape any value for HTML text and attribute context."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html(MISSING)
    return Html(_html.escape(str(value), quote=True))


def _join(parts: Iterable[Any], sep: str = "") -> Html:
    """Concatenate fragments, escaping any plain strings among them."""
    return Html(sep.join(esc(p) for p in parts))


def _tag(name: str, content: Any = "", **attrs: Any) -> Html:
    """Build one element; attribute values and plain content are escaped.

    ``class_`` maps to ``class``; attributes whose value is None are dropped.
    """
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{esc(val)}"'
        for key, val in attrs.items() if val is not None
    )
    return Html(f"<{name}{rendered}>{esc(content)}</{name}>")


def _void(name: str, **attrs: Any) -> Html:
    """A void element such as ``<img>`` (no content, no closing tag)."""
    return Html(_tag(name, **attrs)[: -len(f"</{name}>")])


def _table(headers: Sequence[Any], rows: Iterable[Sequence[Any]],
           foot: Sequence[Any] | None = None, class_: str | None = None,
           numeric: Sequence[int] = ()) -> Html:
    """A table; columns listed in ``numeric`` are right-aligned."""
    def row(cells: Sequence[Any], cell_tag: str) -> Html:
        return _tag("tr", _join(
            _tag(cell_tag, c, class_="num" if i in numeric else None)
            for i, c in enumerate(cells)))

    head = _tag("thead", row(headers, "th"))
    body = _tag("tbody", _join(row(r, "td") for r in rows))
    tail = _tag("tfoot", row(foot, "td")) if foot else Html("")
    return _tag("table", _join([head, body, tail]), class_=class_)


def _dl(items: Iterable[tuple[str, Any]]) -> Html:
    """Definition list of label/value pairs, skipping empty values."""
    return _tag("dl", _join(
        _join([_tag("dt", k), _tag("dd", v)]) for k, v in items
        if v not in (None, "", [], {})))


def _section(title: str, body: Any, id_: str) -> Html:
    """A top-level report section with an anchor id."""
    return _tag("section", _join([_tag("h2", title), body]), id=id_)


def _badge(text: Any, kind: str) -> Html:
    """A small coloured label (coverage, DQR level, screening)."""
    return _tag("span", text, class_=f"badge badge-{kind}")


def _hash(value: Any) -> Html:
    """Shortened hash with the full value in ``title`` (and in print)."""
    if value in (None, ""):
        return Html(MISSING)
    full = str(value)
    if len(full) <= _HASH_KEEP + 4:
        return _tag("code", full, class_="hash", title=full)
    short = _join([_tag("span", full[:_HASH_KEEP] + "\u2026", class_="short"),
                   _tag("span", full, class_="full")])
    return _tag("code", short, class_="hash", title=full)


def _as_list(value: Any) -> list[Any]:
    """Normalise an optional key that may be absent, a dict or a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _as_dict(value: Any) -> Mapping[str, Any]:
    """Treat anything that is not a mapping as empty, for defensive lookups."""
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------
# lookups
# --------------------------------------------------------------------------

def _stage_labels(d: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Stage id -> label (standard Annex V labels in ``lang``), including stages only seen in results."""
    return dict(stage_order(d, lang))


def _processes(d: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Process id -> process record."""
    return {str(p.get("id")): p for p in _as_list(d.get("processes"))
            if isinstance(p, Mapping)}


def _category_labels(d: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Category id -> human label in ``lang`` (declared and additional results)."""
    return {str(r.get("category")): category_label(r, lang)
            for r in _all_results(d) if isinstance(r, Mapping)}


def _all_results(d: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    from footprint.inputs.upstream import all_results

    return all_results(dict(d))


def _additional_results(d: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    from footprint.inputs.upstream import additional_results

    return additional_results(dict(d))


def _process_order(d: Mapping[str, Any], by_process: Mapping[str, Any]) -> list[str]:
    """Processes grouped by stage order, then declaration order; extras (the recycled-content line) last in their stage."""
    stage_rank = {sid: i for i, sid in enumerate(_stage_labels(d))}
    known = list(_processes(d))
    ids = known + [pid for pid in by_process if pid not in known]
    facts = process_names_and_stages(d)

    def key(pid: str) -> tuple[int, int]:
        stage = facts.get(pid, ("", ""))[1]
        return stage_rank.get(stage, len(stage_rank)), ids.index(pid)

    return sorted((p for p in ids if p in by_process), key=key)


# --------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------

def _declared_unit_text(unit: Mapping[str, Any]) -> str:
    """"1 kg NdPr oxide ((Nd,Pr) oxide)" - the functional reference."""
    text_ = f"{fmt_amount(unit.get('amount'))} {unit.get('unit', '')} {unit.get('product', '')}"
    form = unit.get("chemical_form")
    return " ".join(text_.split()) + (f" ({form})" if form else "")


def _declarant_text(declarant: Mapping[str, Any]) -> Html:
    """Name, facility and location on separate lines."""
    country, region = declarant.get("country"), declarant.get("region")
    place = " / ".join(str(x) for x in (country, region) if x)
    lines = [declarant.get("name"), declarant.get("facility"), place]
    return Html("<br>".join(esc(x) for x in lines if x))


def _period_text(period: Any) -> str:
    """"start – end", tolerating a plain string."""
    p = _as_dict(period)
    if not p:
        return str(period) if period else MISSING
    return f"{p.get('start', '?')} \u2013 {p.get('end', '?')}"


def _rule_text(rule: Mapping[str, Any]) -> Html:
    """Rule id, version and title, with the rule hash."""
    head = f"{rule.get('id', MISSING)} v{rule.get('version', '?')}"
    parts: list[Any] = [_tag("strong", head)]
    if rule.get("title"):
        parts.append(f" \u2014 {rule['title']}")
    if rule.get("sha256"):
        parts += [" ", _hash(rule["sha256"])]
    return _join(parts)


def _method_text(method: Mapping[str, Any]) -> str:
    """Impact method name plus implementation."""
    name = method.get("name") or MISSING
    impl = method.get("implementation")
    return f"{name} ({impl})" if impl else str(name)


def _performance_class(d: Mapping[str, Any]) -> Any:
    """Optional performance class: the class letter of the record, or a plain string."""
    value = d.get("performance_class")
    if isinstance(value, Mapping):
        return value.get("class") or ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _conformity(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The conformity-assessment record once a verifier filled it (status verified, body named), else None."""
    from footprint.declaration.claims import conformity_verified

    block = conformity_verified(d)
    if block is not None:
        return {"status": "verified", "provider": block.get("body"), "certificate": block.get("certificate_id"),
                "date": block.get("date")}
    return None


def _claimed_verification(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The verification the declaration claims (footprint.declaration.claims), or None: then "not verified"."""
    from footprint.declaration.claims import verification_block

    return verification_block(d) or _conformity(d)


def _verification_text(d: Mapping[str, Any], lang: str) -> Html:
    """"verified (provider, date)" when the declaration claims a verification that names who, else "not verified"."""
    block = _claimed_verification(d)
    if not block:
        return _badge(text("not_verified", lang), "warn")
    details = ", ".join(str(block[k]) for k in ("providerName", "provider", "completedAt", "date")
                        if block.get(k))
    return _join([_badge(text("verified", lang), "level"), f" ({details})" if details else ""])


def _route_text(route: Any, lang: str) -> Any:
    key = f"route_{route}"
    return text(key, lang) if key in STRINGS else route


def _header(d: Mapping[str, Any], lang: str) -> Html:
    """Page header: what, per what, by whom, when, under which rule, verified or not."""
    unit = _as_dict(d.get("declared_unit"))
    product = unit.get("product") or text("unnamed_product", lang)
    items = [
        (text("product", lang), product),
        (text("declared_unit", lang), _declared_unit_text(unit)),
        (text("grade", lang), unit.get("grade")),
        (text("declarant", lang), _declarant_text(_as_dict(d.get("declarant")))),
        (text("reporting_period", lang), _period_text(d.get("period"))),
        (text("rule", lang), _rule_text(_as_dict(d.get("rule")))),
        (text("route", lang), _route_text(d.get("route"), lang)),
        (text("impact_method", lang), _method_text(_as_dict(d.get("method")))),
        (text("performance_class", lang), _performance_class(d)),
        (text("verification_status", lang), _verification_text(d, lang)),
    ]
    title = _tag("p", text("kicker", lang), class_="kicker")
    sensitivity = _as_dict(d.get("sensitivity"))
    banner = Html("")
    if sensitivity:  # a sensitivity run's page must not read as the declaration under the rule's methods
        moved = ", ".join(f"{process}: {_as_dict(p).get('rule_method')}"
                          for process, p in _as_dict(sensitivity.get("processes")).items())
        banner = _tag("p", _badge(text("sensitivity_run", lang, method=sensitivity.get("allocation"),
                                       processes=moved), "warn"), class_="sensitivity")
    return _tag("header", _join([title, banner, _tag("h1", product), _dl(items)]))


def _coverage_cell(result: Mapping[str, Any], lang: str) -> Html:
    """Flag any coverage other than complete, with the reason next to it; complete needs no remark."""
    coverage = result.get("coverage")
    note = result.get("coverage_note")
    if note and coverage != "complete":
        key = f"coverage_{coverage or 'unknown'}"
        badge = _badge(text(key, lang) if key in STRINGS else coverage, "warn")
        return _join([badge, " ", _tag("span", text("coverage_warning", lang, note=note), class_="note")])
    if coverage == "complete":
        return Html("")
    key = f"coverage_{coverage or 'unknown'}"
    return _badge(text(key, lang) if key in STRINGS else coverage, "warn")


def _result_rows(results: Iterable[Mapping[str, Any]], lang: str) -> list[list[Any]]:
    """Rows of the results tables."""
    return [[category_label(r, lang), r.get("indicator"),
             fmt_sig(r.get("value")), r.get("unit"), _coverage_cell(r, lang)]
            for r in results]


def _result_headers(lang: str) -> list[str]:
    return [text(k, lang) for k in ("impact_category", "indicator", "value", "unit", "coverage")]


def _results(d: Mapping[str, Any], lang: str) -> Html:
    """Declared results: the substance of the declaration."""
    declared = declared_results(d)
    title = text("declared_results", lang)
    if not declared:
        return _section(title, _tag("p", text("no_declared", lang)), "results")
    unit = _declared_unit_text(_as_dict(d.get("declared_unit")))
    note = _tag("p", text("results_note", lang, unit=unit), class_="note")
    table = _table(_result_headers(lang), _result_rows(declared, lang), class_="results", numeric=[2])
    return _section(title, _join([table, note]), "results")


def _not_declared(d: Mapping[str, Any], lang: str) -> Html:
    """Other computed categories (additional information), collapsed so they are not mistaken as declared."""
    rest = _additional_results(d)
    if not rest:
        return Html("")
    noun = text("category_one" if len(rest) == 1 else "category_many", lang)
    summary = _tag("summary", text("not_declared_summary", lang, count=len(rest), noun=noun))
    note = _tag("p", text("not_declared_note", lang), class_="note")
    table = _table(_result_headers(lang), _result_rows(rest, lang), numeric=[2])
    return _tag("details", _join([summary, note, table]), class_="not-declared")


def _scope(d: Mapping[str, Any], lang: str) -> Html:
    """What the declaration covers (schema 2.0): boundary, categories and why, validity, CRM list, sampling."""
    boundary = _as_dict(d.get("system_boundary"))
    categories = _as_dict(d.get("impact_categories"))
    if not boundary and not categories:
        return Html("")
    rule = _as_dict(d.get("rule"))
    validity = _as_dict(rule.get("validity"))
    periods = _as_dict(validity.get("reporting_periods"))
    sampling = _as_dict(d.get("sampling"))
    labels = _category_labels(d, lang)
    items = [(text("system_boundary", lang), boundary.get("statement")),
             (text("declared_categories", lang),
              ", ".join(labels.get(str(c), str(c)) for c in _as_list(categories.get("declared")))),
             # the declared results table shows these too: listed here so the two lists agree
             (text("supplementary_categories", lang),
              ", ".join(labels.get(str(c), str(c)) for c in _as_list(categories.get("supplementary")))),
             (text("category_rationale", lang), categories.get("rationale")),
             (text("rule_validity", lang),
              text("rule_validity_text", lang, first=validity.get("from", MISSING), last=validity.get("until", MISSING),
                   start=periods.get("from", MISSING), end=periods.get("until", MISSING))
              + (text("period_length_text", lang, months=periods["length_months"])
                 if periods.get("length_months") else "") if validity else MISSING),
             (text("crm_list_version", lang), rule.get("crm_list_version") or MISSING),
             (text("sampling", lang), sampling.get("approach") or MISSING)]
    return _section(text("scope", lang), _dl(items), "scope")


def _bill_of_materials(d: Mapping[str, Any], lang: str) -> Html:
    """Inputs by kind, electricity by source and direct emissions' compartments per declared unit."""
    bom = _as_dict(d.get("bill_of_materials"))
    if not bom:
        return Html("")
    inputs = [[i.get("kind"), i.get("dataset") or i.get("declaration"), fmt_sig(i.get("amount")), i.get("unit")]
              for i in _as_list(bom.get("inputs")) if isinstance(i, Mapping)]
    power = [[e.get("dataset"), e.get("geography"), fmt_sig(e.get("amount")), e.get("unit"), fmt_pct(e.get("share")),
              fmt_pct(e.get("renewable_share")) if e.get("renewable_share") is not None else text("not_known", lang)]
             for e in _as_list(bom.get("electricity")) if isinstance(e, Mapping)]
    emissions = [[e.get("process"), e.get("flow"), e.get("compartment"), e.get("chosen_by")]
                 for e in _as_list(bom.get("direct_emissions")) if isinstance(e, Mapping)]
    parts: list[Any] = [_tag("p", text("bom_note", lang, per=bom.get("per", "")), class_="note")]
    parts += [_tag("h3", text("bom_inputs", lang)),
              _table([text(k, lang) for k in ("input_kind", "dataset", "amount", "unit")], inputs, numeric=[2])
              if inputs else _tag("p", text("none", lang))]
    parts += [_tag("h3", text("bom_electricity", lang)),
              _table([text(k, lang) for k in ("dataset", "geography", "amount", "unit", "share", "renewable_share")],
                     power, numeric=[2, 4]) if power else _tag("p", text("none", lang))]
    if emissions:
        parts += [_tag("h3", text("bom_emissions", lang)),
                  _table([text(k, lang) for k in ("process", "flow", "compartment", "chosen_by")], emissions)]
    return _section(text("bill_of_materials", lang), _join(parts), "bill-of-materials")


def _recycled_content(d: Mapping[str, Any], lang: str) -> Html:
    """The recycled-content method, R1 (overall and per element) and Erec/Ev per declared category."""
    rc = _as_dict(d.get("recycled_content"))
    if not rc or rc.get("method") in (None, "not-applicable"):
        return Html("")
    elements = _as_dict(rc.get("by_element"))
    element_text = ", ".join(f"{k} {fmt_pct(v)}" for k, v in elements.items()) or MISSING
    missing = _as_list(rc.get("elements_not_stated"))
    if missing:
        element_text += " " + text("elements_not_stated", lang, elements=", ".join(str(e) for e in missing))
    items = [(text("rc_method", lang), rc.get("method")), (text("rc_formula", lang), rc.get("formula")),
             ("R1", fmt_pct(rc.get("R1"))), (text("rc_by_element", lang), element_text)]
    if rc.get("A") is not None:
        items += [("A", fmt_sig(rc.get("A"))), ("Qsin/Qp", fmt_sig(rc.get("Qsin_Qp")))]
    virgin = _as_dict(rc.get("virgin"))
    if virgin:
        imported = _as_dict(virgin.get("imported"))  # a mapping entry replaced the rule's Ev dataset: say by what
        source = (f"{imported.get('database')}: '{imported.get('name')}' [{imported.get('location')}] "
                  f"({virgin.get('dataset')}, in place of {imported.get('replaced')})" if imported
                  else virgin.get("dataset") or virgin.get("declaration"))
        items.append(("Ev", _join([esc(source), " × ",
                                  esc(fmt_sig(virgin.get("amount_per_kg_recycled", 1.0))), " ",
                                  esc(virgin.get("unit", "")), _tag("br"), esc(virgin.get("basis", ""))])))
    labels = _category_labels(d, lang)
    rows = [[labels.get(str(c), c), fmt_sig(_as_dict(v).get("Erec")), fmt_sig(_as_dict(v).get("Ev")),
             fmt_sig(_as_dict(v).get("adjustment")),
             text("yes", lang) if _as_dict(v).get("applied") else text("no", lang)]
            for c, v in _as_dict(rc.get("by_category")).items()]
    table = _table([text(k, lang) for k in ("impact_category", "rc_erec", "rc_ev", "rc_adjustment", "rc_applied")],
                   rows, numeric=[1, 2, 3]) if rows else Html("")
    return _section(text("recycled_content", lang), _join([_dl(items), table]), "recycled-content")


def _img(png: bytes, alt: str, width: str) -> Html:
    """An image embedded as a base64 PNG data URI (no external resource)."""
    data = base64.b64encode(png).decode("ascii")
    return _void("img", src=f"data:image/png;base64,{data}", width=width, alt=alt)


def _chart(d: Mapping[str, Any], lang: str) -> Html:
    """Stage chart embedded as a base64 PNG data URI."""
    img = _img(stage_chart_png(d, lang), text("stage_chart_alt", lang), "900")
    caption = _tag("figcaption", text("stage_chart_caption", lang))
    return _section(text("contribution_by_stage", lang), _tag("figure", _join([img, caption])), "chart")


def _process_charts(d: Mapping[str, Any], lang: str) -> Html:
    """One top-processes chart per declared category."""
    figures = []
    for result in declared_results(d):
        label = category_label(result, lang)
        count = min(len(_as_dict(result.get("by_process"))), TOP_PROCESSES)
        img = _img(process_chart_png(d, result, lang=lang), text("process_chart_alt", lang, category=label), "900")
        caption = _tag("figcaption", text("process_chart_caption", lang, count=count,
                                          unit=result.get("unit", "")))
        figures.append(_tag("figure", _join([img, caption]), class_="process-chart"))
    if not figures:
        return Html("")
    return _section(text("top_processes", lang), _join(figures), "top-processes")


def _class_section(d: Mapping[str, Any], lang: str) -> Html:
    """The performance class on a label graphic, with its scheme and thresholds."""
    pc = d.get("performance_class")
    if not isinstance(pc, Mapping) or not pc.get("class"):
        return Html("")
    labels = [str(x) for x in _as_list(pc.get("labels"))] or [str(pc["class"])]
    category = str(pc.get("category") or "")
    result = next((r for r in declared_results(d)
                   if isinstance(r, Mapping) and r.get("category") == category), {})
    unit = str(result.get("unit") or "")
    shown = {**pc, "category": category_label(result, lang) if result else category}
    img = _img(class_label_png(shown, unit, lang),
               text("class_label_alt", lang, first=labels[0], last=labels[-1], cls=pc["class"]), "520")
    from footprint.report.label import classed_value

    value, median = classed_value(pc)  # the value the class was decided on (a Monte Carlo median, said so)
    sig = sig_apart([*_as_list(pc.get("thresholds")), value])  # as the label: the value never reads as a threshold
    thresholds = fmt_sig_list(_as_list(pc.get("thresholds")), sig)
    classed = f"{fmt_sig(value, sig)} {unit}".strip() if value is not None else None
    if median and classed is not None:
        declared = as_number(pc.get("value"))
        classed = text("class_value_median", lang, classed=classed,
                       value=f"{fmt_sig(declared)} {unit}".strip() if declared is not None else MISSING)
    facts = _dl([(text("performance_class", lang), _tag("strong", pc["class"])),
                 (text("class_scheme", lang), pc.get("scheme_id")),
                 (text("class_category", lang), shown["category"]),
                 (text("class_value", lang), classed),
                 (text("class_thresholds", lang), f"{thresholds} {unit}".strip() if thresholds else None)])
    figure = _tag("figure", img, class_="class-label")
    from footprint.report.uncertainty import probability_bar  # (imports this module)

    facts = _join([facts, probability_bar(pc, lang)])
    return _section(text("performance_class", lang), _tag("div", _join([figure, facts]), class_="label-pair"),
                    "performance-class")


def _stage_table(d: Mapping[str, Any], result: Mapping[str, Any], lang: str) -> Html:
    """One category's contributions by stage."""
    by_stage, total = _as_dict(result.get("by_stage")), result.get("value")
    rows = [[label, fmt_sig(by_stage.get(sid)), fmt_share(by_stage.get(sid), total)]
            for sid, label in _stage_labels(d, lang).items() if sid in by_stage]
    foot = [text("total", lang), fmt_sig(total), fmt_share(total, total)]
    return _table([text("stage", lang), text("value_unit", lang, unit=result.get("unit", "")),
                   text("pct_total", lang)], rows, foot=foot, class_="contrib", numeric=[1, 2])


def _process_table(d: Mapping[str, Any], result: Mapping[str, Any], lang: str) -> Html:
    """One category's contributions by process, grouped by stage."""
    by_process, total = _as_dict(result.get("by_process")), result.get("value")
    facts, stages = process_names_and_stages(d, lang), _stage_labels(d, lang)
    rows = []
    for pid in _process_order(d, by_process):
        name, stage = facts.get(pid, (pid, None))
        rows.append([name, stages.get(str(stage), stage), fmt_sig(by_process.get(pid)),
                     fmt_share(by_process.get(pid), total)])
    return _table([text("process", lang), text("stage", lang),
                   text("value_unit", lang, unit=result.get("unit", "")), text("pct_total", lang)],
                  rows, class_="contrib", numeric=[2, 3])


def _contributions(d: Mapping[str, Any], lang: str) -> Html:
    """Per declared category, the stage and process tables side by side."""
    blocks = []
    for result in declared_results(d):
        title = (f"{category_label(result, lang)} \u2014 "
                 f"{fmt_sig(result.get('value'))} {result.get('unit', '')}{coverage_suffix(result, lang)}")
        pair = _tag("div", _join([_stage_table(d, result, lang), _process_table(d, result, lang)]),
                    class_="pair")
        blocks.append(_tag("div", _join([_tag("h3", title), pair]), class_="category"))
    if not blocks:
        return Html("")
    return _section(text("contribution_by_stage_process", lang), _join(blocks), "contributions")


def _dqr(value: Any) -> str:
    """A DQR as declared (fmt_dqr): the number beside a level word or a limit must be the one they were decided on."""
    return fmt_dqr(value)


def _criteria_table(criteria: Mapping[str, Any], lang: str) -> Html:
    """TeR / GeR / TiR / P ratings, known criteria first."""
    keys = [k for k in _CRITERIA if k in criteria] + [k for k in criteria if k not in _CRITERIA]
    rows = [[k, text(k, lang) if k in _CRITERIA else "", _dqr(criteria[k])] for k in keys]
    return _table([text("criterion", lang), text("meaning", lang), text("rating", lang)], rows,
                  class_="criteria", numeric=[2])


def _dqr_by_process_table(d: Mapping[str, Any], dq: Mapping[str, Any], lang: str) -> Html:
    """DQR per process with stage, Annex V points and data origin."""
    by_process = _as_dict(dq.get("by_process"))
    procs, stages = _processes(d), _stage_labels(d, lang)
    basis = _basis_label(d, dq, lang)
    rows = []
    for pid in _process_order(d, by_process):
        proc, entry = procs.get(pid, {}), _as_dict(by_process.get(pid))
        origin = {True: text("company_specific", lang), False: text("secondary", lang)}.get(
            proc.get("company_specific"), MISSING)
        rows.append([proc.get("name") or pid, stages.get(str(proc.get("stage")), proc.get("stage")),
                     ", ".join(str(x) for x in _as_list(proc.get("annex_v"))) or MISSING,
                     origin, _dqr(entry.get("dqr")), fmt_pct(entry.get("share"))])
    if _declared_basis(dq):
        share_header = text("share_largest", lang)
    else:
        share_header = text("share_of", lang, basis=basis) if basis else text("share", lang)
    return _table([text("process", lang), text("stage", lang), text("annex_v_point", lang), text("data", lang),
                   "DQR", share_header], rows, numeric=[4, 5])


def _mineral_resources(d: Mapping[str, Any], lang: str) -> Html:
    """Elements extracted, which EF 3.1 leaves at zero (the rare-earth gap), and crustal scarcity beside it."""
    block = _as_dict(d.get("mineral_resources"))
    if not block:
        return ""
    rows = [[_as_dict(e).get("element"), fmt_sig(_as_dict(e).get("kg")),
             text("counted", lang) if _as_dict(e).get("ef31_characterised") else
             _badge(text("not_counted", lang), "warn")] for e in _as_list(block.get("elements"))]
    parts = [_tag("p", text("mineral_resources_note", lang))]
    if rows:
        parts.append(_table([text("element", lang), text("amount_kg", lang), text("ef31_counts", lang)], rows,
                            numeric=[1]))
    gap = _as_dict(block.get("ef31_gap"))
    if gap.get("statement"):
        parts.append(_tag("p", _tag("strong", gap["statement"]), class_="warnings"))
    csi = _as_dict(block.get("crustal_scarcity"))
    if csi.get("value") is not None:
        # the same value as the crustal_scarcity result, so with its coverage flag: without it a partial
        # value (a lower bound, flagged in the results table) read here as the whole
        result = next((r for r in _all_results(d) if r.get("category") == "crustal_scarcity"), {})
        flag = _coverage_cell(result, lang) if result else Html("")
        shown = _join([f"{fmt_sig(csi['value'])} {csi.get('unit', '')}", " " if flag else "", flag])
        parts.append(_dl([(text("crustal_scarcity", lang), shown), ("", csi.get("citation", ""))]))
    return _section(text("mineral_resources", lang), _join(parts), "mineral-resources")


def _radionuclides(d: Mapping[str, Any], lang: str) -> Html:
    """Radionuclides released, and which EF 3.1 ionising radiation leaves at zero (thorium-232)."""
    block = _as_dict(d.get("radionuclides"))
    if not block:
        return ""
    rows = [[_as_dict(r).get("nuclide"), _as_dict(r).get("compartment"), fmt_sig(_as_dict(r).get("kBq")),
             text("counted", lang) if _as_dict(r).get("ef31_characterised") else
             _badge(text("not_counted", lang), "warn")] for r in _as_list(block.get("releases"))]
    parts = [_tag("p", text("radionuclides_note", lang)),
             _table([text("nuclide", lang), text("compartment", lang), text("amount_kbq", lang),
                     text("ef31_counts_ir", lang)], rows, numeric=[2])]
    gap = _as_dict(block.get("ef31_gap"))
    if gap.get("statement"):
        parts.append(_tag("p", _tag("strong", gap["statement"]), class_="warnings"))
    return _section(text("radionuclides", lang), _join(parts), "radionuclides")


def _missing_text(item: Mapping[str, Any]) -> str:
    return "; ".join(f"{', '.join(_as_list(m.get('categories')))}: {m.get('flows')} ({m.get('reason')})"
                     for m in _as_list(item.get("missing")) if isinstance(m, Mapping)) or MISSING


def _partial_coverage_table(d: Mapping[str, Any], dq: Mapping[str, Any], lang: str) -> Html:
    """Datasets that only characterise some categories or are screening data."""
    items = [i for i in _as_list(dq.get("partial_coverage")) if isinstance(i, Mapping)]
    if not items:
        return _tag("p", text("none", lang))
    labels = _category_labels(d, lang)
    rows = [[i.get("dataset"),
             ", ".join(labels.get(str(c), str(c)) for c in _as_list(i.get("covers"))) or MISSING,
             _missing_text(i),
             _badge(text("screening", lang), "warn") if i.get("screening") else text("no", lang)]
            for i in items]
    return _table([text("dataset", lang), text("covers_only", lang), text("missing_flows", lang),
                   text("screening_data", lang)], rows, class_="partial")


def _warnings(dq: Mapping[str, Any], lang: str) -> Html:
    """Warnings, visually prominent: a verifier must not overlook them."""
    warnings = _as_list(dq.get("warnings"))
    if not warnings:
        return _tag("p", text("no_warnings", lang), class_="ok")
    items = _join(_tag("li", w) for w in warnings)
    return _tag("div", _join([_tag("strong", text("warnings_count", lang, count=len(warnings))),
                              _tag("ul", items)]), class_="warnings", role="note")


def _declared_basis(dq: Mapping[str, Any]) -> bool:
    """Schema 2.0: the DQR rests on the declared categories' most relevant contributions."""
    return str(dq.get("basis", "")).startswith("declared categories")


def _basis_label(d: Mapping[str, Any], dq: Mapping[str, Any], lang: str) -> Any:
    if _declared_basis(dq):
        return text("dqr_basis_declared", lang)
    return _category_labels(d, lang).get(str(dq.get("basis")), dq.get("basis"))


def _data_quality(d: Mapping[str, Any], lang: str) -> Html:
    """Overall DQR, criteria, primary data share, per-process DQR, caveats."""
    dq = _as_dict(d.get("data_quality"))
    title = text("data_quality", lang)
    if not dq:
        return _section(title, _tag("p", text("no_dq", lang)), "data-quality")
    basis = _basis_label(d, dq, lang)
    overall = _join([_tag("strong", _dqr(dq.get("dqr"))), " ",
                     _badge(level(dq.get("level"), lang) if dq.get("level") else text("unrated", lang), "level")])
    summary = _dl([(text("overall_dqr", lang), overall),
                   (text("primary_data_share", lang), fmt_pct(dq.get("primary_data_share"))),
                   (text("dqr_basis", lang), basis)])
    parts = [_warnings(dq, lang), summary,
             _tag("h3", text("rating_per_criterion", lang)), _criteria_table(_as_dict(dq.get("criteria")), lang),
             _tag("h3", text("dqr_by_process", lang)), _dqr_by_process_table(d, dq, lang),
             _tag("h3", text("partial_datasets", lang)),
             _partial_coverage_table(d, dq, lang)]
    return _section(title, _join(parts), "data-quality")


def _allocation_rows(d: Mapping[str, Any]) -> list[list[Any]]:
    """One row per allocated multi-output process."""
    procs, rows = _processes(d), []
    for a in _as_list(d.get("allocation")):
        if not isinstance(a, Mapping):
            rows.append([MISSING, MISSING, MISSING, str(a), MISSING])
            continue
        pid = str(a.get("process"))
        products = "; ".join(f"{_as_dict(p).get('name', '?')} {fmt_pct(_as_dict(p).get('share'))}"
                             for p in _as_list(a.get("products")))
        rows.append([procs.get(pid, {}).get("name") or pid, a.get("method"),
                     fmt_pct(a.get("main_share")), products or MISSING, a.get("basis")])
    return rows


def _excluded_text(item: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """An excluded item: "process: item; estimated share 2.0 %; reason" (a name alone as given).

    Why not the record's keys and values as they are: the share is a fraction, and "estimated_share:
    0.02" printed under the threshold "3.0 %" read as 0.02 % where the producer estimated 2 %; a
    missing estimate was left out, so an unestimated exclusion looked like one not worth a number.
    """
    if not isinstance(item, Mapping):
        return str(item)
    head = ": ".join(str(item[k]) for k in ("process", "item") if item.get(k) is not None)
    share = item.get("estimated_share")
    parts = [head, text("excluded_share", lang, share=fmt_pct(share)) if as_number(share) is not None
             else text("excluded_share_unknown", lang)]
    if item.get("kinds"):
        parts.append(text("excluded_kinds", lang, kinds=", ".join(str(k) for k in _as_list(item["kinds"]))))
    parts += [f"{k}: {v}" for k, v in item.items()
              if k not in ("process", "item", "estimated_share", "kinds", "reason") and v is not None]
    if item.get("reason"):
        parts.append(str(item["reason"]))
    return "; ".join(p for p in parts if p)


def _allocation_cut_off(d: Mapping[str, Any], lang: str) -> Html:
    """Allocation and cut-off, only if the declaration carries them."""
    parts: list[Any] = []
    rows = _allocation_rows(d)
    if rows:
        parts += [_tag("h3", text("allocation", lang)),
                  _table([text(k, lang) for k in ("process", "method", "share_declared", "co_products", "basis")],
                         rows, numeric=[2])]
    cut = d.get("cut_off")
    if isinstance(cut, Mapping):
        excluded = _as_list(cut.get("excluded"))
        listing = (_tag("ul", _join(_tag("li", _excluded_text(e, lang)) for e in excluded))
                   if excluded else text("none_lower", lang))
        parts += [_tag("h3", text("cut_off", lang)),
                  _dl([(text("threshold", lang), fmt_pct(cut.get("threshold"))),
                       (text("excluded", lang), listing)])]
    if not parts:
        return Html("")
    return _section(text("allocation_cut_off", lang), _join(parts), "allocation")


def _verification(d: Mapping[str, Any], lang: str) -> Html:
    """The verification record as given, or a plain statement that there is none (with the rule's module)."""
    block = _claimed_verification(d)
    given = d.get("verification")  # a block that is no verification is still shown, under "not verified"
    ca = _as_dict(d.get("conformity_assessment"))
    module = (_dl([(text("ca_module", lang), ca.get("module")),
                   (text("ca_body", lang), ca.get("body") or MISSING),
                   (text("ca_certificate", lang), ca.get("certificate_id") or MISSING),
                   (text("ca_date", lang), ca.get("date") or MISSING)]) if ca else Html(""))
    if not block:
        shown = _dl((str(k), _provenance_value(v)) for k, v in given.items()) if isinstance(given, Mapping) else (
            _tag("p", given) if given else Html(""))
        note = text("not_a_verification_note" if given else "not_verified_note", lang)
        body = _join([_tag("p", _join([_tag("strong", text("verification_status", lang)), ": ",
                                       _badge(text("not_verified", lang), "warn")])),
                      _tag("p", note, class_="note"), shown, module])
    else:
        body = _join([_tag("p", _join([_tag("strong", text("verification_status", lang)), ": ",
                                       _verification_text(d, lang)])),
                      _dl((str(k), _provenance_value(v)) for k, v in block.items()), module])
    return _section(text("verification", lang), body, "verification")


def _provenance_value(value: Any) -> Html:
    """Render one provenance entry; any ``*sha256`` key becomes a short hash."""
    if not isinstance(value, Mapping):
        return esc(json.dumps(value) if isinstance(value, list) else value)
    items = []
    for key, val in value.items():
        rendered = _hash(val) if str(key).endswith("sha256") else esc(
            json.dumps(val) if isinstance(val, (list, dict)) else val)
        items.append(_join([_tag("span", key, class_="key"), " ", rendered]))
    return _join(items, "<br>")


def _provenance_label(key: Any, lang: str) -> str:
    name = f"prov_{key}"
    return text(name, lang) if name in STRINGS else str(key).replace("_", " ").capitalize()


def _provenance(d: Mapping[str, Any], lang: str) -> Html:
    """Inputs, hashes and software versions that make the result reproducible."""
    prov = _as_dict(d.get("provenance"))
    method = _as_dict(d.get("method"))
    rows = [[_provenance_label(k, lang), _provenance_value(v)]
            for k, v in prov.items() if k not in ("libraries", "created")]
    if method.get("cf_sha256"):
        rows.append([text("cf", lang), _hash(method["cf_sha256"])])
    libs = _as_dict(prov.get("libraries"))
    lib_table = (_table([text("library", lang), text("version", lang)], [[k, v] for k, v in libs.items()])
                 if libs else Html(""))
    ids = _dl([(text("declaration_id", lang), d.get("id")),
               (text("content_hash", lang), _hash(d.get("content_sha256"))),
               (text("created", lang), prov.get("created")),
               (text("schema_version", lang), d.get("schema_version"))])
    parts = [ids, _table([text("input", lang), text("reference", lang)], rows, class_="provenance") if rows else "",
             _tag("h3", text("software", lang)) if libs else "", lib_table]
    return _section(text("provenance", lang), _join(parts), "provenance")


def _footer(d: Mapping[str, Any], lang: str) -> Html:
    """Closing statement required by Annex V point 7."""
    return _tag("footer", _tag("p", text("footer", lang)))


# --------------------------------------------------------------------------
# page
# --------------------------------------------------------------------------

_CSS = """
:root { --ink:#1d2329; --muted:#5b6670; --line:#d5dbe0; --band:#f3f5f7;
        --accent:#0b5394; --warn:#9a5b00; --warn-bg:#fff4e0; --ok:#2e7d32; }
* { box-sizing:border-box; }
body { font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
       color:var(--ink); max-width:1000px; margin:0 auto; padding:24px 28px 40px; }
header { border-bottom:3px solid var(--accent); padding-bottom:12px; margin-bottom:8px; }
.kicker { color:var(--muted); font-size:13px; margin:0; text-transform:uppercase; letter-spacing:.04em; }
h1 { font-size:28px; margin:4px 0 12px; color:var(--accent); }
h2 { font-size:20px; margin:32px 0 10px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:16px; margin:20px 0 8px; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 18px; margin:8px 0; }
dt { color:var(--muted); font-weight:600; }
dd { margin:0; }
table { border-collapse:collapse; width:100%; margin:6px 0 12px; font-size:14px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
thead th { background:var(--band); border-bottom:2px solid var(--line); }
tfoot td { font-weight:600; border-top:2px solid var(--line); }
.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
table.results td:nth-child(3) { font-weight:600; }
.pair { display:grid; grid-template-columns:2fr 3fr; gap:18px; }
.badge { display:inline-block; padding:0 7px; border-radius:9px; font-size:12px;
         font-weight:600; border:1px solid currentColor; }
.badge-warn { color:var(--warn); background:var(--warn-bg); }
.badge-level { color:var(--accent); }
.warnings { background:var(--warn-bg); border-left:5px solid var(--warn); padding:8px 14px; margin:8px 0 14px; }
.warnings strong { color:var(--warn); }
.warnings ul { margin:4px 0 0; padding-left:20px; }
.ok { color:var(--ok); }
.note { color:var(--muted); font-size:13px; }
details.not-declared { margin:14px 0; border:1px solid var(--line); border-radius:4px; padding:6px 12px; }
details.not-declared summary { cursor:pointer; font-weight:600; color:var(--muted); }
figure { margin:8px 0; }
figure img { max-width:100%; height:auto; display:block; }
figcaption { color:var(--muted); font-size:13px; }
code.hash { font-size:13px; background:var(--band); padding:0 4px; border-radius:3px; }
code.hash .full { display:none; }
.provenance .key { color:var(--muted); }
footer { margin-top:36px; padding-top:10px; border-top:1px solid var(--line); color:var(--muted); font-size:13px; }
.label-pair { display:grid; grid-template-columns:auto 1fr; gap:18px; align-items:center; }
figure.class-label img { max-width:420px; }
@media (max-width:700px) { .pair, .label-pair { grid-template-columns:1fr; } }
@media print {
  @page { size:A4; margin:16mm 14mm; }
  body { font-size:10pt; max-width:none; padding:0; }
  h1 { font-size:18pt; } h2 { font-size:13pt; margin-top:16pt; } h3 { font-size:11pt; }
  table { font-size:9pt; }
  h2, h3 { break-after:avoid; }
  tr, figure, .warnings, dl, .label-pair { break-inside:avoid; }
  .category { break-inside:avoid; }
  details.not-declared summary { color:var(--ink); }
  details::details-content { content-visibility:visible; display:block; }
  code.hash .short { display:none; }
  code.hash .full { display:inline; word-break:break-all; }
  a { color:inherit; text-decoration:none; }
}
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="footprint">
<title>$title</title>
<style>$css</style>
</head>
<body>
$body
</body>
</html>
""")


def render_html(declaration: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """Render a declaration dict as one self-contained HTML5 page in ``lang`` ("en" or "de")."""
    lang = check_language(lang)
    d = declaration
    product = _as_dict(d.get("declared_unit")).get("product") or text("declaration", lang)
    from footprint.report.uncertainty import section as _uncertainty  # (imports this module)

    with numbers_in(lang):  # tables, charts and figures in the reader's number convention
        sections = [_header(d, lang), _tag("main", _join([
            _results(d, lang), _mineral_resources(d, lang), _radionuclides(d, lang), _not_declared(d, lang),
            _scope(d, lang),
            _class_section(d, lang), _chart(d, lang),
            _process_charts(d, lang), _contributions(d, lang), _uncertainty(d, lang), _bill_of_materials(d, lang),
            _recycled_content(d, lang),
            _data_quality(d, lang), _allocation_cut_off(d, lang), _verification(d, lang), _provenance(d, lang),
        ])), _footer(d, lang)]
    return page(esc(text("page_title", lang, product=product)), _join(sections, "\n"), lang)


def page(title: Html, body: Html, lang: str = DEFAULT_LANGUAGE) -> str:
    """The self-contained HTML5 page shell (inline CSS, no external resources) every report uses."""
    return _PAGE.substitute(lang=lang, title=title, css=_CSS, body=body)

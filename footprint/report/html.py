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
    fmt_pct,
    fmt_share,
    fmt_sig,
)
from footprint.report.figures import declared_results, stage_chart_png, stage_order

FOOTER_SENTENCE = (
    "Characterised results per declared unit (EF 3.1); no normalisation or "
    "weighting, as Annex V point 7 requires."
)

_CRITERIA = {
    "TeR": "Technological representativeness",
    "GeR": "Geographical representativeness",
    "TiR": "Time representativeness",
    "P": "Precision",
}

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

def _stage_labels(d: Mapping[str, Any]) -> dict[str, str]:
    """Stage id -> label, including stages only seen in results."""
    return dict(stage_order(d))


def _processes(d: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Process id -> process record."""
    return {str(p.get("id")): p for p in _as_list(d.get("processes"))
            if isinstance(p, Mapping)}


def _category_labels(d: Mapping[str, Any]) -> dict[str, str]:
    """Category id -> human label."""
    return {str(r.get("category")): str(r.get("label") or r.get("category"))
            for r in _as_list(d.get("results")) if isinstance(r, Mapping)}


def _process_order(d: Mapping[str, Any], by_process: Mapping[str, Any]) -> list[str]:
    """Processes grouped by stage order, then declaration order; extras last."""
    stage_rank = {sid: i for i, sid in enumerate(_stage_labels(d))}
    known = list(_processes(d))
    ids = known + [pid for pid in by_process if pid not in known]
    procs = _processes(d)

    def key(pid: str) -> tuple[int, int]:
        stage = str(procs.get(pid, {}).get("stage"))
        return stage_rank.get(stage, len(stage_rank)), ids.index(pid)

    return sorted((p for p in ids if p in by_process), key=key)


# --------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------

def _declared_unit_text(unit: Mapping[str, Any]) -> str:
    """"1 kg NdPr oxide ((Nd,Pr) oxide)" - the functional reference."""
    text = f"{fmt_amount(unit.get('amount'))} {unit.get('unit', '')} {unit.get('product', '')}"
    form = unit.get("chemical_form")
    return " ".join(text.split()) + (f" ({form})" if form else "")


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
    """Optional performance class; may be a string or a small mapping."""
    value = d.get("performance_class")
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _header(d: Mapping[str, Any]) -> Html:
    """Page header: what, per what, by whom, when, under which rule."""
    unit = _as_dict(d.get("declared_unit"))
    product = unit.get("product") or "Unnamed product"
    items = [
        ("Product", product),
        ("Declared unit", _declared_unit_text(unit)),
        ("Grade", unit.get("grade")),
        ("Declarant", _declarant_text(_as_dict(d.get("declarant")))),
        ("Reporting period", _period_text(d.get("period"))),
        ("Rule", _rule_text(_as_dict(d.get("rule")))),
        ("Route", d.get("route")),
        ("Impact method", _method_text(_as_dict(d.get("method")))),
        ("Performance class", _performance_class(d)),
    ]
    title = _tag("p", "Environmental footprint declaration \u2014 "
                 "Regulation (EU) 2024/1252, Article 31 and Annex V", class_="kicker")
    return _tag("header", _join([title, _tag("h1", product), _dl(items)]))


def _coverage_cell(result: Mapping[str, Any]) -> Html:
    """Flag any coverage other than complete; complete needs no remark."""
    coverage = result.get("coverage")
    if coverage == "complete":
        return Html("")
    return _badge(coverage or "unknown", "warn")


def _result_rows(results: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """Rows of the results tables."""
    return [[r.get("label") or r.get("category"), r.get("indicator"),
             fmt_sig(r.get("value")), r.get("unit"), _coverage_cell(r)]
            for r in results]


_RESULT_HEADERS = ["Impact category", "Indicator", "Value", "Unit", "Coverage"]


def _results(d: Mapping[str, Any]) -> Html:
    """Declared results: the substance of the declaration."""
    declared = declared_results(d)
    if not declared:
        return _section("Declared results", _tag("p", "No declared impact categories."), "results")
    unit = _declared_unit_text(_as_dict(d.get("declared_unit")))
    note = _tag("p", f"Per declared unit: {unit}. \u201cpartial\u201d coverage means some "
                "background datasets do not characterise this category "
                "(see Data quality).", class_="note")
    table = _table(_RESULT_HEADERS, _result_rows(declared), class_="results", numeric=[2])
    return _section("Declared results", _join([table, note]), "results")


def _not_declared(d: Mapping[str, Any]) -> Html:
    """Other computed categories, collapsed so they are not mistaken as declared."""
    rest = [r for r in _as_list(d.get("results")) if not r.get("declared")]
    if not rest:
        return Html("")
    noun = "category" if len(rest) == 1 else "categories"
    summary = _tag("summary", f"Computed, not declared ({len(rest)} {noun})")
    note = _tag("p", "Computed for information; not part of the declaration.", class_="note")
    table = _table(_RESULT_HEADERS, _result_rows(rest), numeric=[2])
    return _tag("details", _join([summary, note, table]), class_="not-declared")


def _chart(d: Mapping[str, Any]) -> Html:
    """Stage chart embedded as a base64 PNG data URI."""
    data = base64.b64encode(stage_chart_png(d)).decode("ascii")
    img = _void("img", src=f"data:image/png;base64,{data}", width="900",
                alt="Horizontal stacked bars: share of each life-cycle stage in "
                    "each declared impact category")
    caption = _tag("figcaption", "Share of each life-cycle stage in the total of "
                   "each declared category (categories have different units).")
    return _section("Contribution by stage", _tag("figure", _join([img, caption])), "chart")


def _stage_table(d: Mapping[str, Any], result: Mapping[str, Any]) -> Html:
    """One category's contributions by stage."""
    by_stage, total = _as_dict(result.get("by_stage")), result.get("value")
    rows = [[label, fmt_sig(by_stage.get(sid)), fmt_share(by_stage.get(sid), total)]
            for sid, label in _stage_labels(d).items() if sid in by_stage]
    foot = ["Total", fmt_sig(total), fmt_share(total, total)]
    return _table(["Stage", f"Value ({result.get('unit', '')})", "% of total"],
                  rows, foot=foot, class_="contrib", numeric=[1, 2])


def _process_table(d: Mapping[str, Any], result: Mapping[str, Any]) -> Html:
    """One category's contributions by process, grouped by stage."""
    by_process, total = _as_dict(result.get("by_process")), result.get("value")
    procs, stages = _processes(d), _stage_labels(d)
    rows = []
    for pid in _process_order(d, by_process):
        proc = procs.get(pid, {})
        stage = stages.get(str(proc.get("stage")), proc.get("stage"))
        rows.append([proc.get("name") or pid, stage, fmt_sig(by_process.get(pid)),
                     fmt_share(by_process.get(pid), total)])
    return _table(["Process", "Stage", f"Value ({result.get('unit', '')})", "% of total"],
                  rows, class_="contrib", numeric=[2, 3])


def _contributions(d: Mapping[str, Any]) -> Html:
    """Per declared category, the stage and process tables side by side."""
    blocks = []
    for result in declared_results(d):
        title = (f"{result.get('label') or result.get('category')} \u2014 "
                 f"{fmt_sig(result.get('value'))} {result.get('unit', '')}")
        pair = _tag("div", _join([_stage_table(d, result), _process_table(d, result)]),
                    class_="pair")
        blocks.append(_tag("div", _join([_tag("h3", title), pair]), class_="category"))
    if not blocks:
        return Html("")
    return _section("Contribution by stage and process", _join(blocks), "contributions")


def _dqr(value: Any) -> str:
    """DQR values are conventionally shown with one decimal."""
    number = as_number(value)
    return MISSING if number is None else f"{number:.1f}"


def _criteria_table(criteria: Mapping[str, Any]) -> Html:
    """TeR / GeR / TiR / P ratings, known criteria first."""
    keys = [k for k in _CRITERIA if k in criteria] + [k for k in criteria if k not in _CRITERIA]
    rows = [[k, _CRITERIA.get(k, ""), _dqr(criteria[k])] for k in keys]
    return _table(["Criterion", "Meaning", "Rating"], rows, numeric=[2])


def _dqr_by_process_table(d: Mapping[str, Any], dq: Mapping[str, Any]) -> Html:
    """DQR per process with stage, Annex V points and data origin."""
    by_process = _as_dict(dq.get("by_process"))
    procs, stages = _processes(d), _stage_labels(d)
    basis = _category_labels(d).get(str(dq.get("basis")), dq.get("basis"))
    rows = []
    for pid in _process_order(d, by_process):
        proc, entry = procs.get(pid, {}), _as_dict(by_process.get(pid))
        origin = {True: "company-specific", False: "secondary"}.get(
            proc.get("company_specific"), MISSING)
        rows.append([proc.get("name") or pid, stages.get(str(proc.get("stage")), proc.get("stage")),
                     ", ".join(str(x) for x in _as_list(proc.get("annex_v"))) or MISSING,
                     origin, _dqr(entry.get("dqr")), fmt_pct(entry.get("share"))])
    share_header = f"Share of {basis}" if basis else "Share"
    return _table(["Process", "Stage", "Annex V point", "Data", "DQR", share_header],
                  rows, numeric=[4, 5])


def _partial_coverage_table(d: Mapping[str, Any], dq: Mapping[str, Any]) -> Html:
    """Datasets that only characterise some categories or are screening data."""
    items = [i for i in _as_list(dq.get("partial_coverage")) if isinstance(i, Mapping)]
    if not items:
        return _tag("p", "None.")
    labels = _category_labels(d)
    rows = [[i.get("dataset"),
             ", ".join(labels.get(str(c), str(c)) for c in _as_list(i.get("covers"))) or MISSING,
             _badge("screening", "warn") if i.get("screening") else "no"]
            for i in items]
    return _table(["Dataset", "Covers only", "Screening data"], rows)


def _warnings(dq: Mapping[str, Any]) -> Html:
    """Warnings, visually prominent: a verifier must not overlook them."""
    warnings = _as_list(dq.get("warnings"))
    if not warnings:
        return _tag("p", "No data-quality warnings.", class_="ok")
    items = _join(_tag("li", w) for w in warnings)
    return _tag("div", _join([_tag("strong", f"Warnings ({len(warnings)})"), _tag("ul", items)]),
                class_="warnings", role="note")


def _data_quality(d: Mapping[str, Any]) -> Html:
    """Overall DQR, criteria, primary data share, per-process DQR, caveats."""
    dq = _as_dict(d.get("data_quality"))
    if not dq:
        return _section("Data quality", _tag("p", "No data-quality information."), "data-quality")
    basis = _category_labels(d).get(str(dq.get("basis")), dq.get("basis"))
    overall = _join([_tag("strong", _dqr(dq.get("dqr"))), " ",
                     _badge(dq.get("level") or "unrated", "level")])
    summary = _dl([("Overall DQR", overall),
                   ("Primary data share", fmt_pct(dq.get("primary_data_share"))),
                   ("DQR basis", basis)])
    parts = [_warnings(dq), summary,
             _tag("h3", "Rating per criterion"), _criteria_table(_as_dict(dq.get("criteria"))),
             _tag("h3", "DQR by process"), _dqr_by_process_table(d, dq),
             _tag("h3", "Datasets with partial coverage or screening data"),
             _partial_coverage_table(d, dq)]
    return _section("Data quality", _join(parts), "data-quality")


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


def _excluded_text(item: Any) -> str:
    """An excluded flow may be a name or a small record."""
    if isinstance(item, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


def _allocation_cut_off(d: Mapping[str, Any]) -> Html:
    """Allocation and cut-off, only if the declaration carries them."""
    parts: list[Any] = []
    rows = _allocation_rows(d)
    if rows:
        parts += [_tag("h3", "Allocation"),
                  _table(["Process", "Method", "Share to declared product",
                          "Co-products", "Basis"], rows, numeric=[2])]
    cut = d.get("cut_off")
    if isinstance(cut, Mapping):
        excluded = _as_list(cut.get("excluded"))
        listing = (_tag("ul", _join(_tag("li", _excluded_text(e)) for e in excluded))
                   if excluded else "none")
        parts += [_tag("h3", "Cut-off"),
                  _dl([("Threshold", fmt_pct(cut.get("threshold"))), ("Excluded", listing)])]
    if not parts:
        return Html("")
    return _section("Allocation and cut-off", _join(parts), "allocation")


def _provenance_value(value: Any) -> Html:
    """Render one provenance entry; any ``*sha256`` key becomes a short hash."""
    if not isinstance(value, Mapping):
        return esc(value)
    items = []
    for key, val in value.items():
        rendered = _hash(val) if str(key).endswith("sha256") else esc(
            json.dumps(val) if isinstance(val, (list, dict)) else val)
        items.append(_join([_tag("span", key, class_="key"), " ", rendered]))
    return _join(items, "<br>")


def _provenance(d: Mapping[str, Any]) -> Html:
    """Inputs, hashes and software versions that make the result reproducible."""
    prov = _as_dict(d.get("provenance"))
    method = _as_dict(d.get("method"))
    rows = [[str(k).replace("_", " ").capitalize(), _provenance_value(v)]
            for k, v in prov.items() if k not in ("libraries", "created")]
    if method.get("cf_sha256"):
        rows.append(["Characterisation factors", _hash(method["cf_sha256"])])
    libs = _as_dict(prov.get("libraries"))
    lib_table = (_table(["Library", "Version"], [[k, v] for k, v in libs.items()])
                 if libs else Html(""))
    ids = _dl([("Declaration id", d.get("id")), ("Content hash", _hash(d.get("content_sha256"))),
               ("Created", prov.get("created")), ("Schema version", d.get("schema_version"))])
    parts = [ids, _table(["Input", "Reference"], rows, class_="provenance") if rows else "",
             _tag("h3", "Software") if libs else "", lib_table]
    return _section("Provenance", _join(parts), "provenance")


def _footer(d: Mapping[str, Any]) -> Html:
    """Closing statement required by Annex V point 7."""
    return _tag("footer", _tag("p", FOOTER_SENTENCE))


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
@media (max-width:700px) { .pair { grid-template-columns:1fr; } }
@media print {
  @page { size:A4; margin:16mm 14mm; }
  body { font-size:10pt; max-width:none; padding:0; }
  h1 { font-size:18pt; } h2 { font-size:13pt; margin-top:16pt; } h3 { font-size:11pt; }
  table { font-size:9pt; }
  h2, h3 { break-after:avoid; }
  tr, figure, .warnings, dl { break-inside:avoid; }
  .category { break-inside:avoid; }
  details.not-declared summary { color:var(--ink); }
  details::details-content { content-visibility:visible; display:block; }
  code.hash .short { display:none; }
  code.hash .full { display:inline; word-break:break-all; }
  a { color:inherit; text-decoration:none; }
}
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
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


def render_html(declaration: Mapping[str, Any]) -> str:
    """Render a declaration dict as one self-contained HTML5 page."""
    d = declaration
    product = _as_dict(d.get("declared_unit")).get("product") or "declaration"
    sections = [_header(d), _tag("main", _join([
        _results(d), _not_declared(d), _chart(d), _contributions(d),
        _data_quality(d), _allocation_cut_off(d), _provenance(d),
    ])), _footer(d)]
    return _PAGE.substitute(
        title=esc(f"Environmental footprint declaration \u2014 {product}"),
        css=_CSS, body=_join(sections, "\n"))

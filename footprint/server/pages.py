"""The web pages of ``footprint serve``: server-rendered HTML, no script, no build step, no external resource.

Three pages, all over the same TLS port as the PACT API, all showing only what was published to
everyone (``footprint publish --public``) or what the market register aggregates:

* ``/``: the published declarations, filtered by rule, reporting year, declarant and class;
* ``/declarations/{id}``: one declaration's report, the same page ``footprint report`` writes;
* ``/rules/{rule}/classes``: the rule's class scheme derived from the market register (thresholds,
  the distribution of declarations under the class bands), as ``footprint classes derive`` derives it.

The Content-Security-Policy allows inline styles and ``data:`` images only; a page that tried to load
anything else would be blocked by the browser (and the browser test would see the console error).
"""
from __future__ import annotations

import base64
import re
import threading
from collections import OrderedDict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from footprint.errors import FootprintError
from footprint.report._format import fmt_sig, sig_apart
from footprint.report.html import Html, _dl, _join, _section, _table, _tag, _void, esc
from footprint.report.html import page as html_page
from footprint.server.store import Store

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
WINDOW = re.compile(r"^(\d{4})-(\d{4})$")
DEPRECATED_BANNER = ('<p class="deprecated" role="alert" style="background:#fde2e1;border:2px solid #c0392b;'
                     'padding:0.6em 1em;font-weight:bold">Deprecated: this declaration has been replaced (a '
                     'correction was published in its place) or withdrawn. Its numbers are not the current '
                     'ones: see the <a href="/">list of published declarations</a>.</p>\n')
RULE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_EXTRA_CSS = """<style>
form.filters { display:flex; gap:1em; flex-wrap:wrap; align-items:end; margin:1em 0; }
form.filters label { display:flex; flex-direction:column; font-size:0.85em; color:var(--muted); }
nav.site { font-size:0.9em; margin-bottom:1em; }
</style>"""


def _nav() -> Html:
    return _tag("nav", _tag("a", "Published declarations", href="/"), class_="site")


def _page(title: str, body: Html, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html_page(esc(title), Html(_EXTRA_CSS + _nav() + body), "en"), status_code=status,
                        headers={"cache-control": "no-store"})


def error_page(status: int, message: str = "") -> HTMLResponse:
    titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request", 500: "Internal error"}
    title = titles.get(status, "Error")
    return _page(title, _tag("main", _join([_tag("h1", title), _tag("p", message) if message else ""])), status)


def _field(element: str, attrs: dict[str, Any], content: Any = None) -> Html:
    """A form element with a ``name`` attribute (report.html's _tag takes ``name`` as the element's name)."""
    rendered = "".join(f' {key}="{esc(value)}"' for key, value in attrs.items() if value is not None)
    return Html(f"<{element}{rendered}>" + (f"{esc(content)}</{element}>" if content is not None else ""))


def _select(name: str, options: list[str], chosen: str | None) -> Html:
    items = [_tag("option", "any", value="")] + [
        _tag("option", o, value=o, selected="selected" if o == chosen else None) for o in options]
    return _field("select", {"name": name, "id": f"f-{name}"}, _join(items))


class Pages:
    """Route handlers over the store and the market register (the same database)."""

    def __init__(self, store: Store, database: Any):
        self.store, self.database = store, database
        self._reports: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def routes(self) -> list[Route]:
        return [Route("/", self.index, methods=["GET"]),
                Route("/declarations/{pf_id}", self.declaration, methods=["GET"]),
                Route("/rules/{rule_id}/classes", self.classes, methods=["GET"])]

    # ------------------------------------------------------------------ the list

    async def index(self, request: Request) -> HTMLResponse:
        query = request.query_params
        rule, declarant, chosen_class = (query.get("rule") or None, query.get("declarant") or None,
                                         query.get("class") or None)
        year_text = (query.get("period") or "").strip()
        if year_text and not re.fullmatch(r"\d{4}", year_text):
            return error_page(400, "period: a reporting year such as 2025")
        year = int(year_text) if year_text else None
        rows = await run_in_threadpool(self.store.public_rows, rule=rule, year=year, declarant=declarant,
                                       class_label=chosen_class)
        facets = await run_in_threadpool(self.store.public_facets)
        form = _tag("form", _join([
            _tag("label", _join(["Rule", _select("rule", facets["rule_id"], rule)])),
            _tag("label", _join(["Reporting year", _field("input", {"type": "text", "name": "period", "id": "f-period",
                                                                   "value": year_text, "size": "6"})])),
            _tag("label", _join(["Declarant", _field("input", {"type": "text", "name": "declarant",
                                                              "id": "f-declarant", "value": declarant or ""})])),
            _tag("label", _join(["Class", _select("class", facets["class_label"], chosen_class)])),
            _tag("button", "Filter", type="submit")]), method="get", action="/", class_="filters")
        table_rows = []
        for row in rows:
            climate = row["climate_change"] or {}
            value = f"{fmt_sig(climate['value'])} {_per(climate.get('unit', ''), row)}" if "value" in climate else ""
            if value and climate.get("coverage") not in (None, "complete"):  # a lower bound, not the product's value
                value = f"\u2265 {value} ({climate.get('coverage')}: a lower bound)"
            table_rows.append([
                _tag("a", row["declarant"] or row["declaration_id"], href=f"/declarations/{row['pf_id']}"),
                _tag("a", f"{row['rule_id']} {row['rule_version']}", href=f"/rules/{row['rule_id']}/classes"),
                f"{row['period_start']} \u2013 {row['period_end']}", Html(f'<span class="value">{esc(value)}</span>'),
                row["class_label"] or "", row["status"]])
        table = _table(["Declarant", "Rule", "Reporting period", "Climate change per declared unit", "Class",
                        "Status"], table_rows, class_="declarations", numeric=(3,))
        body = _tag("main", _join([
            _tag("h1", "Published footprint declarations"),
            _tag("p", "Declarations published to everyone on this host; customers' systems fetch the same "
                      "records as PACT v3 ProductFootprints at /3/footprints."),
            form, _tag("p", f"{len(rows)} declaration(s)", id="count"), table]))
        return _page("Published footprint declarations", body)

    # ------------------------------------------------------------------ one declaration

    async def declaration(self, request: Request) -> HTMLResponse:
        pf_id = request.path_params["pf_id"]
        found = await run_in_threadpool(self.store.public_document, pf_id) if re.fullmatch(
            r"[0-9a-f-]{36}", pf_id) else None
        if found is None:
            return error_page(404, "No declaration published to everyone has this id.")
        document, status = found
        key = f"{pf_id}:{document.get('content_sha256')}:{status}"
        with self._lock:
            cached = self._reports.get(key)
        if cached is None:
            from footprint.report import render_html

            cached = await run_in_threadpool(render_html, document, "en")
            if status.lower() != "active":  # a replaced declaration's page read as the current one
                cached = cached.replace("<body>\n", "<body>\n" + DEPRECATED_BANNER, 1)
            with self._lock:
                self._reports[key] = cached
                while len(self._reports) > 64:
                    self._reports.popitem(last=False)
        return HTMLResponse(cached, headers={"cache-control": "no-store"})

    # ------------------------------------------------------------------ a rule's classes

    async def classes(self, request: Request) -> HTMLResponse:
        rule_id = request.path_params["rule_id"]
        if not RULE_ID.fullmatch(rule_id):
            return error_page(404, "No such rule.")
        window = (request.query_params.get("window") or "").strip()
        if window and not WINDOW.match(window):
            return error_page(400, "window: two years such as 2022-2024")
        try:
            body = await run_in_threadpool(self._classes_body, rule_id, window or None)
        except FootprintError as exc:
            return error_page(404, f"No class scheme for rule '{rule_id}': {exc.message}")
        return _page(f"Performance classes \u2014 {rule_id}", body)

    def _classes_body(self, rule_id: str, window: str | None) -> Html:
        import footprint
        from footprint.report.classes_report import scheme_distribution_png
        from matplotlib.colors import to_hex

        from footprint.report.label import class_colours

        if window is None:
            window = default_window([r["year"] for r in footprint.market_rows(register=self.database, rule=rule_id)])
        from footprint.market.classes import population

        scheme = footprint.derive_classes(rule_id, None, window, register=self.database)
        start, end = (int(y) for y in window.split("-"))
        points, _unit = footprint.market_register(self.database).points(rule_id, scheme["category"], start, end)
        # the declarations the scheme ranks, at the value it ranks them by: a partial value (a lower bound) is left
        # out of the derivation, and counting it here put it in a class (often A) the scheme never gave it
        points, _partial, _without = population(points, (scheme.get("basis") or {}).get("value", "value"))
        limits = [None, *scheme["thresholds"], None]
        unit = scheme.get("unit") or ""
        sig = sig_apart(scheme["thresholds"])  # two thresholds that differ never print the same
        rows = []
        for k, (label, colour) in enumerate(zip(scheme["labels"], class_colours(len(scheme["labels"])))):
            low, high = limits[k], limits[k + 1]
            band = ("\u2264 " + fmt_sig(high, sig) if low is None else
                    "> " + fmt_sig(low, sig) if high is None else f"{fmt_sig(low, sig)} \u2013 {fmt_sig(high, sig)}")
            count = scheme["classes"][k]["declarations"]  # the scheme's own count (classes.class_counts)
            rows.append([Html(f'<span class="class-label" style="background:{esc(to_hex(colour))}">{esc(label)}</span>'),
                         f"{band} {unit}", str(count)])
        excluded = scheme["counts"].get("excluded_partial")
        image = base64.b64encode(scheme_distribution_png(points, scheme)).decode("ascii")
        return _tag("main", _join([
            _tag("h1", f"{rule_id}: performance classes for {scheme['category']}"),
            _dl([("Scheme", _tag("code", scheme["scheme_id"])),
                 ("Window", f"{scheme['window']['start']}\u2013{scheme['window']['end']}"),
                 ("Method", f"{scheme['method']}, {scheme['weighting']}-weighted, "
                            f"{scheme['number_of_classes']} classes"),
                 ("Declarations / mass", f"{scheme['counts']['declarations']} / "
                                         f"{fmt_sig(scheme['counts']['mass_kg'] / 1000.0)} t"
                                         + (f" ({excluded} with a partial value, a lower bound, left out)"
                                            if excluded else "")),
                 ("Boundary convention", scheme.get("boundary", "")),
                 ("Register hash", _tag("code", scheme["register_sha256"]))]),
            _section("Thresholds", _table(["Class", "Band", "Declarations"], rows, class_="thresholds",
                                          numeric=(2,)), "thresholds"),
            _section("Market distribution", _tag("figure", _join([
                _void("img", src=f"data:image/png;base64,{image}", alt="Distribution of the declarations placed "
                                                                       "on the market, with the class bands"),
                _tag("figcaption", "Declarations of the window, "
                                   + ("weighted by mass placed on the market" if scheme["weighting"] == "mass"
                                      else "counted") + "; coloured bands are the classes.")])), "distribution")]))


def _per(unit: str, row: dict) -> str:
    """A value's unit with its basis when the declared unit is not 1 kg: 'kg CO2-Eq per 1000 kg'.

    Why: the list puts declarations of several rules in one column; a rule declaring per 1000 kg (Annex V
    point 3) showed 4.66e+04 kg CO2-Eq beside another's 46.6 kg CO2-Eq with nothing to say they are per
    different amounts (the column head says only "per declared unit").
    """
    from footprint.market.registry import per_declared_unit

    try:
        return per_declared_unit(unit, row.get("declared_unit")) or unit
    except ValueError:  # a declared unit that states no mass: say so rather than guess 1 kg
        return f"{unit} per declared unit (no mass stated)"


def default_window(years: list[int], today: "dt.date | None" = None) -> str:
    """The class page's window when none is asked for: the three years up to the last complete one that has
    placements.

    Why: it was the three years up to the last registered year, so a register holding this year's first
    placements asked for a window that is not over (classes.derivation_date refuses it: thresholds of part of
    a market) and the page said there was no scheme.
    """
    import datetime as dt

    from footprint._time import utc_today

    last_complete = (today or utc_today()).year - 1
    done = [year for year in years if year <= last_complete]
    if not done:
        raise FootprintError("the market register holds no declaration of this rule placed in a completed year"
                             + (f" (only {min(years)}-{max(years)})" if years else ""))
    return f"{max(done) - 2}-{max(done)}"

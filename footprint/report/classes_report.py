"""The class-scheme revision report: one self-contained HTML page for the three-yearly review.

It answers the reviewer's questions in order: how do the thresholds change,
which declarations (and how much mass) change class, has the top of the scale
filled up enough to trigger a rescaling (energy-label practice: 30 % in A or
50 % in A+B), and what the distribution looks like under the old and the new
bands.  Figures are embedded as base64 PNG; no external resource, no script.
"""
from __future__ import annotations

import base64
import math
from typing import Any, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from footprint.market.registry import MarketPoint
from footprint._text import decimals_apart
from footprint.report._format import fmt_pct, fmt_sig, sig_apart
from footprint.report.html import Html, _dl, _join, _section, _table, _tag, _void, esc
from footprint.report.html import page as html_page
from footprint.report.label import class_colours, png


def _bands_axis(ax: Any, points: Sequence[MarketPoint], scheme: Mapping[str, Any], weight: str,
                lo: float, hi: float, title: str) -> None:
    limits = [float(t) for t in scheme["thresholds"]]
    edges = [lo, *[min(max(t, lo), hi) for t in limits], hi]
    for k, colour in enumerate(class_colours(len(scheme["labels"]))):
        if edges[k + 1] > edges[k]:
            ax.axvspan(edges[k], edges[k + 1], color=colour, alpha=0.35, linewidth=0)
            middle = math.sqrt(edges[k] * edges[k + 1]) if edges[k] > 0 else (edges[k] + edges[k + 1]) / 2
            ax.text(middle, 1.0, scheme["labels"][k], transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, fontweight="bold")
            if k:
                ax.axvline(edges[k], color="#1d2329", linewidth=0.6, linestyle=":")
    values = [p.value for p in points]
    weights = [p.mass_kg / 1000.0 if weight == "mass" else 1.0 for p in points]
    logarithmic = lo > 0
    if values:
        bins = [lo * (hi / lo) ** (k / 40) for k in range(41)] if logarithmic else 40
        ax.hist(values, bins=bins, weights=weights, color="#1d2329", alpha=0.8)
    if logarithmic:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.set_xlim(lo, hi)
    ax.set_ylabel("mass placed (t)" if weight == "mass" else "declarations", fontsize=8)
    ax.set_title(title, fontsize=9, loc="left", pad=14)
    ax.tick_params(labelsize=7)


def distribution_png(points: Sequence[MarketPoint], old: Mapping[str, Any], new: Mapping[str, Any]) -> bytes:
    """Two panels over the new window's declarations: old bands above, new bands below."""
    values = [p.value for p in points] or [0.0, 1.0]
    limits = [float(t) for t in (*old["thresholds"], *new["thresholds"])]
    lo, hi = min(min(values), *limits), max(max(values), *limits)
    if lo > 0:  # footprints are positive and right-skewed: a log axis shows the bands evenly
        lo, hi = lo / 1.1, hi * 1.1
    else:
        pad = (hi - lo) * 0.04 or 1.0
        lo, hi = lo - pad, hi + pad
    fig = Figure(figsize=(9.0, 5.6), dpi=150, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    weight = new.get("weighting", "mass")
    _bands_axis(top, points, old, weight, lo, hi, f"Old scheme {old['window']['start']}-{old['window']['end']}")
    _bands_axis(bottom, points, new, weight, lo, hi, f"New scheme {new['window']['start']}-{new['window']['end']}")
    bottom.set_xlabel(f"{new.get('category')} ({new.get('unit') or 'per declared unit'})", fontsize=8)
    return png(fig)


def scheme_distribution_png(points: Sequence[MarketPoint], scheme: Mapping[str, Any]) -> bytes:
    """One panel: the window's declarations (weighted as the scheme is) under the scheme's class bands."""
    values = [p.value for p in points] or [0.0, 1.0]
    limits = [float(t) for t in scheme["thresholds"]]
    lo, hi = min(min(values), *limits), max(max(values), *limits)
    if lo > 0:
        lo, hi = lo / 1.1, hi * 1.1
    else:
        pad = (hi - lo) * 0.04 or 1.0
        lo, hi = lo - pad, hi + pad
    fig = Figure(figsize=(9.0, 3.2), dpi=150, layout="constrained")
    ax = fig.subplots(1, 1)
    window = scheme["window"]
    _bands_axis(ax, points, scheme, scheme.get("weighting", "mass"), lo, hi,
                f"Declarations placed on the market {window['start']}-{window['end']}")
    ax.set_xlabel(f"{scheme.get('category')} ({scheme.get('unit') or 'per declared unit'})", fontsize=8)
    return png(fig)


def _img(data: bytes, alt: str) -> Html:
    return _void("img", src="data:image/png;base64," + base64.b64encode(data).decode("ascii"), alt=alt)


def _threshold_rows(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[list[Any]]:
    rows = []
    sig = sig_apart([*old["thresholds"], *new["thresholds"]])  # a threshold that moved never reads as unchanged
    for k in range(max(len(old["labels"]), len(new["labels"]))):
        def bounds(s: Mapping[str, Any]) -> tuple[str, str]:
            if k >= len(s["labels"]):
                return "", ""
            t = s["thresholds"]
            low = "" if k == 0 else f"> {fmt_sig(t[k - 1], sig)}"
            high = "" if k >= len(t) else f"\u2264 {fmt_sig(t[k], sig)}"
            return s["labels"][k], " and ".join(x for x in (low, high) if x) or "all"
        old_name, old_band = bounds(old)
        new_name, new_band = bounds(new)
        rows.append([old_name, old_band, new_name, new_band])
    return rows


def _matrix(matrix: Mapping[str, Any], key: str, fmt) -> Html:
    headers = ["old \u2193 / new \u2192", *matrix["new_labels"], "total"]
    rows = []
    for i, name in enumerate(matrix["old_labels"]):
        cells = matrix[key][i]
        rows.append([name, *[fmt(c) for c in cells], fmt(sum(cells))])
    totals = [sum(matrix[key][i][j] for i in range(len(matrix["old_labels"])))
              for j in range(len(matrix["new_labels"]))]
    foot = ["total", *[fmt(c) for c in totals], fmt(sum(totals))]
    return _table(headers, rows, foot=foot, numeric=range(1, len(headers)))


def _shares(shares: Mapping[str, Any], names: Sequence[str]) -> Html:
    triggers = shares["triggers"]
    top_name = names[0]
    two_name = "+".join(names[:2])
    rows = []
    for label, key in ((f"class {top_name}", "top"), (f"classes {two_name}", "top_two")):
        row = [shares[key]["declarations"], shares[key]["mass"], triggers[key]]
        places = decimals_apart(row)  # a share below its trigger never prints as the trigger
        rows.append([label, *(fmt_pct(x, places) for x in row)])
    return _table(["", "share of declarations", "share of mass", "rescaling trigger"], rows, numeric=(1, 2, 3))


def _verdict(shares: Mapping[str, Any]) -> Html:
    """Rescaling is decided on the scheme's trigger basis; the other basis is information only."""
    basis = shares.get("basis", "mass")
    name = "declarations" if basis == "count" else "mass"
    other = "mass" if name == "declarations" else "declarations"
    info = (f" By {other} (for information only) the trigger is "
            f"{'reached' if shares['triggered'][other] else 'not reached'}.")
    if shares.get("rescale", shares["triggered"][name]):
        return _tag("p", _join([_tag("strong", "Rescaling triggered"),
                                f" under the old scheme (basis: {name}).", info]), class_="warnings")
    return _tag("p", f"No rescaling trigger reached under the old scheme (basis: {name})." + info, class_="ok")


def _scheme_dl(scheme: Mapping[str, Any]) -> Html:
    return _dl([
        ("Scheme", _tag("code", scheme["scheme_id"])),
        ("Rule", f"{scheme['rule']['id']} ({', '.join(scheme['rule'].get('versions') or []) or 'any version'})"),
        ("Category", f"{scheme['category']} [{scheme.get('unit') or 'unit not recorded'}]"),
        ("Window", f"{scheme['window']['start']}\u2013{scheme['window']['end']}"),
        ("Method", f"{scheme['method']}, {scheme['weighting']}-weighted, {scheme['number_of_classes']} classes"
                   + (", head-room" if scheme.get("head_room", {}).get("enabled") else "")),
        ("Declarations / mass", f"{scheme['counts']['declarations']} / "
                                f"{fmt_sig(scheme['counts']['mass_kg'] / 1000.0)} t"),
        ("Register hash", _tag("code", scheme["register_sha256"])),
        ("Derived / next review", f"{scheme['derived']} / {scheme['next_review']}"),
    ])


def _near(near: Mapping[str, Any]) -> Any:
    """How many declarations have a new threshold inside their own 95 % interval (Monte Carlo)."""
    if not near.get("with_interval"):
        return _tag("p", "No declaration of the new window carries a Monte Carlo (footprint declare --uncertainty), "
                         "so how many a revision could move by chance is not known.", class_="note")
    ids = near.get("ids") or []
    return _join([
        _tag("p", f"{near['near']} of the {near['with_interval']} declarations with a Monte Carlo "
                  f"({near['declarations']} in the window) have a new threshold within their own 95 % interval "
                  f"({fmt_pct(near['near_mass_share'])} of the mass placed on the market): their class could change by "
                  "chance alone."),
        _tag("p", "Declarations: " + ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else ""), class_="note")
        if ids else ""])


def _population_note(scheme: Mapping[str, Any]) -> str:
    """What the migration and the triggers leave out or move, as the derivation did (classes.population)."""
    notes = []
    partial = (scheme.get("counts") or {}).get("excluded_partial")
    if partial:
        notes.append(f" {partial} declaration(s) with a partial value (a lower bound) are left out, as in the "
                     "derivation.")
    if (scheme.get("basis") or {}).get("value") == "median":
        notes.append(" Each declaration stands at its Monte Carlo median (its declared value where it has none), "
                     "as in the derivation.")
    return "".join(notes)


def render_revision(old: Mapping[str, Any], new: Mapping[str, Any], points: Sequence[MarketPoint],
                    matrix: Mapping[str, Any], shares_old: Mapping[str, Any],
                    shares_new: Mapping[str, Any], near: Mapping[str, Any] | None = None) -> str:
    """The revision report as one HTML5 page."""
    def tonnes(kg: float) -> str:
        return fmt_sig(kg / 1000.0) if kg else "0"

    moved_n = sum(matrix["declarations"][i][j] for i in range(len(matrix["old_labels"]))
                  for j in range(len(matrix["new_labels"])) if matrix["old_labels"][i] != matrix["new_labels"][j])
    moved_mass = math.fsum(matrix["mass_kg"][i][j] for i in range(len(matrix["old_labels"]))
                           for j in range(len(matrix["new_labels"]))
                           if matrix["old_labels"][i] != matrix["new_labels"][j])
    header = _tag("header", _join([
        _tag("p", "Performance class revision \u2014 Regulation (EU) 2024/1252, Annex V point 8", class_="kicker"),
        _tag("h1", f"{new['rule']['id']}: {new['category']}, {old['window']['start']}-{old['window']['end']} "
                   f"\u2192 {new['window']['start']}-{new['window']['end']}"),
    ]))
    body = _join([
        _section("Schemes", _tag("div", _join([_tag("div", _join([_tag("h3", "Old"), _scheme_dl(old)])),
                                               _tag("div", _join([_tag("h3", "New"), _scheme_dl(new)]))]),
                                 class_="pair"), "schemes"),
        _section("Thresholds", _join([
            _table(["old class", "old band", "new class", "new band"], _threshold_rows(old, new)),
            _tag("p", f"Boundary convention: {new.get('boundary', '')}.", class_="note")]), "thresholds"),
        _section("Migration", _join([
            _tag("p", f"The {len(points)} declarations placed on the market in "
                      f"{new['window']['start']}-{new['window']['end']}, classed under the old and the new scheme: "
                      f"{moved_n} declarations ({tonnes(moved_mass)} t) change class label."
                      + _population_note(new)),
            _tag("h3", "Declarations"), _matrix(matrix, "declarations", lambda c: str(c)),
            _tag("h3", "Mass placed on the market (t)"), _matrix(matrix, "mass_kg", tonnes)]), "migration"),
        _section("Near a threshold", _near(near or {}), "near-threshold"),
        _section("Top classes and rescaling triggers", _join([
            _tag("h3", "Under the old scheme"), _shares(shares_old, old["labels"]), _verdict(shares_old),
            _tag("h3", "Under the new scheme"), _shares(shares_new, new["labels"]),
            _tag("p", "Triggers follow the EU energy label (Regulation (EU) 2017/1369): rescale when the top class "
                      "holds the first share or the top two classes the second; both are parameters.",
                 class_="note")]), "triggers"),
        _section("Distribution with class bands", _tag("figure", _join([
            _img(distribution_png(points, old, new), "Histogram of the declarations with old and new class bands"),
            _tag("figcaption", f"Declarations of the new window, "
                               f"{'weighted by mass placed on the market' if new['weighting'] == 'mass' else 'counted'}"
                               "; coloured bands are the classes.")])), "distribution"),
    ])
    page = _join([header, _tag("main", body),
                  _tag("footer", _tag("p", "Derived by footprint from the market register; thresholds are on "
                                           "characterised results per declared unit."))], "\n")
    return html_page(esc(f"Class revision \u2014 {new['rule']['id']} {new['category']}"), page, "en")

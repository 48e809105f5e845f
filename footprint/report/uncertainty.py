"""The report's uncertainty parts: the Monte Carlo table, what drives it, and the class-probability bar.

Kept apart from html.py (which lays out the page); its English and German strings are in
i18n.STRINGS (keys ``mc_*``) with every other label, so the test that both languages have the
same keys and placeholders covers them too.  Everything read from the declaration is
escaped as in html.py.
"""
from __future__ import annotations

from typing import Any, Mapping

from footprint.report._format import MISSING, as_number, fmt_pct, fmt_sig, localise, sig_apart
from footprint.report.html import Html, _join, _section, _table, _tag, esc
from footprint.report.i18n import category_label, text
from footprint.report.label import class_colours



def _interval(entry: Mapping[str, Any]) -> str:
    return f"{fmt_sig(entry.get('p2_5'))} \u2013 {fmt_sig(entry.get('p97_5'))}"


def section(d: Mapping[str, Any], lang: str) -> Html:
    """The Monte Carlo statistics per declared category and the top inputs by share of variance."""
    block = d.get("uncertainty")
    if not isinstance(block, Mapping) or not isinstance(block.get("results"), list):
        return Html("")
    labels = {r.get("category"): category_label(r, lang) for r in d.get("results") or [] if isinstance(r, Mapping)}
    rows = []
    for entry in block["results"]:
        if not isinstance(entry, Mapping):
            continue
        rows.append([labels.get(entry.get("category"), entry.get("category")), fmt_sig(entry.get("value")),
                     fmt_sig(entry.get("mean")), fmt_sig(entry.get("median")), fmt_sig(entry.get("sd")),
                     _interval(entry), entry.get("unit", "")])
    pedigree = (block.get("model") or {}).get("pedigree") or {}
    parts = [_tag("p", text("mc_intro", lang, n=localise(f"{block.get('iterations', 0):,}"), seed=block.get("seed"),
                          table=f"{pedigree.get('id', '')} {pedigree.get('version', '')}".strip())),
             _table([text(key, lang) for key in ("mc_category", "mc_declared", "mc_mean", "mc_median", "mc_sd",
                                                 "mc_interval", "unit")],
                    rows, numeric=[1, 2, 3, 4])]
    for entry in block["results"]:
        drivers = [row for row in entry.get("contribution_to_variance") or [] if isinstance(row, Mapping)]
        if not drivers:
            continue
        rows = [[row.get("label") or row.get("input"), row.get("kind", ""), fmt_pct(row.get("share")),
                 _rho(row.get("spearman"))] for row in drivers]
        parts.append(_tag("h3", text("mc_drivers", lang, category=labels.get(entry.get("category"),
                                                                        entry.get("category")))))
        parts.append(_table([text("mc_input", lang), "", text("mc_share", lang), text("mc_rho", lang)], rows,
                            numeric=[2, 3]))
    parts.append(_tag("p", text("mc_drivers_note", lang), class_="note"))
    return _section(text("mc_title", lang), _join(parts), "uncertainty")


def _rho(value: Any) -> str:
    """A Spearman coefficient to two decimals; a missing one is MISSING, never "+0.00" (no correlation)."""
    rho = as_number(value)
    return MISSING if rho is None else localise(f"{rho:+.2f}")


def probability_bar(pc: Mapping[str, Any], lang: str) -> Html:
    """A small stacked bar of the class probabilities (energy-label colours) and the nearest threshold."""
    parts = []
    probabilities = pc.get("probabilities")
    names = [str(x) for x in pc.get("labels") or []]
    if isinstance(probabilities, Mapping) and names:
        colours = class_colours(len(names))
        cells = []
        for name, colour in zip(names, colours):
            share = as_number(probabilities.get(name)) or 0.0
            if share <= 0:
                continue
            rgb = "#%02x%02x%02x" % tuple(int(round(255 * c)) for c in colour[:3])
            label = f"{esc(name)} {esc(fmt_pct(share, 0))}" if share >= 0.08 else ""  # 0.996 never "100%"
            cells.append(Html(f'<span style="display:inline-block;width:{100 * share:.2f}%;background:{rgb};'
                              f'text-align:center;font-size:12px;line-height:20px;overflow:hidden" '
                              f'title="{esc(name)}: {esc(fmt_pct(share))}">{label}</span>'))
        bar = Html('<div class="class-probabilities" style="width:100%;max-width:420px;border:1px solid #d5dbe0;'
                   'white-space:nowrap;font-weight:600">' + "".join(cells) + "</div>")
        # every class with a probability, however small ("C < 1 %"): a class left out made the list read
        # "A 50 %, B 50 %" beside a declaration with a 0.4 % chance of C
        listed = ", ".join([f"{n} {fmt_pct(as_number(probabilities.get(n)) or 0.0, 0)}" for n in names
                           if (as_number(probabilities.get(n)) or 0.0) > 0])
        parts.append(_tag("p", _join([_tag("strong", text("mc_probabilities", lang) + ": "), esc(listed)])))
        parts.append(bar)
    nearest = pc.get("nearest_threshold")
    if isinstance(nearest, Mapping):
        from footprint.report.label import classed_value

        sig = sig_apart([*(pc.get("thresholds") or []), classed_value(pc)[0]])  # the threshold as the label shows it
        line = text("mc_nearest_text", lang, t=fmt_sig(nearest.get("threshold"), sig),
                 between="/".join(str(x) for x in nearest.get("between") or []), d=fmt_sig(nearest.get("distance")))
        inside = nearest.get("within_95_interval")
        if inside is not None:
            line += "; " + text("mc_inside" if inside else "mc_outside", lang)
        parts.append(_tag("p", _join([_tag("strong", text("mc_nearest", lang) + ": "), esc(line)])))
    return _join(parts) if parts else Html("")

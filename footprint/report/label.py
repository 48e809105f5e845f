"""The class label graphic: the A..n scale with the declaration's class and value marked.

Drawn the way readers know from the EU energy label (arrows widening from the
best class, green to red) so a customer sees at a glance where the material
stands.  Output is PNG bytes with no version or time metadata, so the same
``performance_class`` record always gives the same bytes.
"""
from __future__ import annotations

import io
from typing import Any, Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from footprint.report._format import as_number, fmt_pct, fmt_sig, numbers_in, sig_apart
from footprint.report.i18n import DEFAULT_LANGUAGE, text

_DPI = 150
#: Energy-label style ramp, dark green (best) to red (worst).
_RAMP = LinearSegmentedColormap.from_list("classes", ["#00a651", "#8dc63f", "#fff200", "#f7941d", "#ed1c24"])


def png(fig: Figure) -> bytes:
    """Reproducible PNG bytes (Agg writes no timestamp; the Software tag is dropped)."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def class_colours(n: int) -> list[tuple[float, float, float, float]]:
    return [_RAMP(k / (n - 1) if n > 1 else 0.0) for k in range(n)]


def _band_texts(thresholds: list, n: int, sig: int = 3) -> list[str]:
    """"<= t1", "t1 - t2", ..., "> t_last" per class; empty when the thresholds do not fit the labels.

    ``sig``: the significant figures at which the thresholds and the value tell apart (sig_apart).
    """
    limits = [as_number(t) for t in thresholds]
    if len(limits) != n - 1 or any(t is None for t in limits) or not limits:
        return ["" for _ in range(n)]
    middle = [f"{fmt_sig(limits[k - 1], sig)} \u2013 {fmt_sig(limits[k], sig)}" for k in range(1, n - 1)]
    return [f"\u2264 {fmt_sig(limits[0], sig)}", *middle, f"> {fmt_sig(limits[-1], sig)}"]


def build_label_figure(performance_class: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> Figure:
    """The figure for one ``performance_class`` record (class, labels, thresholds, value, unit, category).

    A record without labels or with thresholds that do not fit them (an old or
    hand-made file) still draws: the class alone, or the scale without bands.
    Its numbers are written in ``lang``'s convention (a German label shows 37,9).
    """
    with numbers_in(lang):
        return _label_figure(performance_class, lang)


def _label_figure(performance_class: Mapping[str, Any], lang: str) -> Figure:
    current = str(performance_class.get("class", ""))
    names = [str(x) for x in performance_class.get("labels") or []] or [current]
    n = len(names)
    value, median = classed_value(performance_class)
    thresholds = list(performance_class.get("thresholds") or [])
    sig = sig_apart([*thresholds, value])  # the value never prints as a threshold it is not
    bands = _band_texts(thresholds, n, sig)
    probabilities = _probabilities(performance_class, names)
    extra = 0.55 if probabilities else 0.0  # room for the class-probability bar
    height = 0.9 + 0.42 * n + extra
    fig = Figure(figsize=(5.2, height), dpi=_DPI)
    bottom = extra / height
    ax = fig.add_axes((0.02, 0.02 + bottom, 0.96, 0.84 * (height - extra) / height))
    ax.set_xlim(0, 10)
    ax.set_ylim(n, 0)
    ax.set_axis_off()
    for k, (name, colour) in enumerate(zip(names, class_colours(n))):
        width = 3.0 + 3.0 * k / max(n - 1, 1)
        y0, y1 = k + 0.1, k + 0.9
        chosen = name == current
        ax.add_patch(Polygon([(0, y0), (width, y0), (width + 0.4, (y0 + y1) / 2), (width, y1), (0, y1)],
                             closed=True, facecolor=colour, edgecolor="#333333" if chosen else "none",
                             linewidth=1.5))
        ax.text(0.25, k + 0.5, name, va="center", ha="left", fontsize=12, fontweight="bold", color="#1d2329")
        ax.text(0.9, k + 0.5, bands[k], va="center", ha="left", fontsize=7.5, color="#1d2329")
        if chosen:
            ax.add_patch(Polygon([(9.9, y0), (7.6, y0), (7.2, (y0 + y1) / 2), (7.6, y1), (9.9, y1)], closed=True,
                                 facecolor="#1d2329"))
            mark = f"{name}  {fmt_sig(value, sig)}" if value is not None else name
            if median and value is not None:  # the value the class was decided on, said to be the median
                mark += f" ({text('class_mark_median', lang)})"
            ax.text(8.75, k + 0.5, mark, va="center", ha="center", fontsize=8 if median else 9, fontweight="bold",
                    color="white")
    unit = performance_class.get("unit") or ""
    category = category_name(performance_class.get("category"), lang)
    title = f"{text('class_label_title', lang)} {current}"
    if category:
        title += f" \u2014 {category}" + (f" ({unit})" if unit else "")
    fig.suptitle(title, fontsize=8.5, y=0.97)
    if probabilities:
        _probability_bar(fig, probabilities, names, (0.02, 0.03, 0.96, 0.45 * extra / height), lang)
    return fig


def category_name(category: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A category as a reader names it: the record's id ("climate_change") as its EF label ("Climate change",
    German "Klimawandel"); a label already given (the report passes one) as it is.

    Why: ``classes assign --label`` draws the declaration's ``performance_class``, which holds the id, so the
    label a producer hands out read "Performance class B — climate_change (kg CO2-Eq)".
    """
    from footprint.inputs.categories import all_categories
    from footprint.report.i18n import category_label

    labels = {c.id: c.label for c in all_categories()}
    if isinstance(category, str) and category in labels:
        return category_label({"category": category, "label": labels[category]}, lang)
    return str(category or "")


def classed_value(performance_class: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The value the class was decided on, and whether it is the Monte Carlo median (a scheme of basis "median").

    Why: under such a scheme ``value`` stays the declared value and ``classed_value`` is the median the
    class comes from.  The label marked the declared value and the report called it "Value classified":
    a declaration classed A at its median 45.1 read "A 46.6" beside the band "<= 45.6".
    """
    classed = as_number(performance_class.get("classed_value"))
    if performance_class.get("basis") == "median" and classed is not None:
        return classed, True
    return as_number(performance_class.get("value")), False


def _probabilities(performance_class: Mapping[str, Any], names: list[str]) -> list[float] | None:
    """The class probabilities of a Monte Carlo, in label order (None without them)."""
    given = performance_class.get("probabilities")
    if not isinstance(given, Mapping):
        return None
    values = [as_number(given.get(name)) or 0.0 for name in names]
    return values if sum(values) > 0 else None


def _probability_bar(fig: Figure, probabilities: list[float], names: list[str], box: tuple, lang: str) -> None:
    """One stacked bar: each class's probability in its label colour, labelled where wide enough."""
    ax = fig.add_axes(box)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    left = 0.0
    for name, share, colour in zip(names, probabilities, class_colours(len(names))):
        if share <= 0:
            continue
        ax.add_patch(Polygon([(left, 0), (left + share, 0), (left + share, 1), (left, 1)], closed=True,
                             facecolor=colour, edgecolor="white", linewidth=0.5))
        if share >= 0.08:
            ax.text(left + share / 2, 0.5, f"{name} {fmt_pct(share, 0)}", ha="center", va="center", fontsize=7.5,
                    fontweight="bold", color="#1d2329")
        left += share
    ax.text(0.0, 1.25, text("class_probabilities", lang), ha="left", va="bottom", fontsize=7, color="#1d2329")


def class_label_png(performance_class: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """PNG bytes of the class label for a declaration's ``performance_class``."""
    return png(build_label_figure(performance_class, lang))

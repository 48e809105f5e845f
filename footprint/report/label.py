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

from footprint.report._format import fmt_sig

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


def _band_text(k: int, thresholds: list[float]) -> str:
    if k == 0:
        return f"\u2264 {fmt_sig(thresholds[0])}"
    if k == len(thresholds):
        return f"> {fmt_sig(thresholds[-1])}"
    return f"{fmt_sig(thresholds[k - 1])} \u2013 {fmt_sig(thresholds[k])}"


def build_label_figure(performance_class: Mapping[str, Any]) -> Figure:
    """The figure for one ``performance_class`` record (class, labels, thresholds, value, unit)."""
    names = list(performance_class["labels"])
    limits = [float(t) for t in performance_class["thresholds"]]
    chosen = names.index(performance_class["class"])
    n = len(names)
    fig = Figure(figsize=(5.2, 0.9 + 0.42 * n), dpi=_DPI)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.84))
    ax.set_xlim(0, 10)
    ax.set_ylim(n, 0)
    ax.set_axis_off()
    for k, (name, colour) in enumerate(zip(names, class_colours(n))):
        width = 3.0 + 3.0 * k / max(n - 1, 1)
        y0, y1 = k + 0.1, k + 0.9
        ax.add_patch(Polygon([(0, y0), (width, y0), (width + 0.4, (y0 + y1) / 2), (width, y1), (0, y1)],
                             closed=True, facecolor=colour, edgecolor="#333333" if k == chosen else "none",
                             linewidth=1.5))
        ax.text(0.25, k + 0.5, name, va="center", ha="left", fontsize=12, fontweight="bold", color="#1d2329")
        ax.text(0.9, k + 0.5, _band_text(k, limits), va="center", ha="left", fontsize=7.5, color="#1d2329")
        if k == chosen:
            ax.add_patch(Polygon([(9.9, y0), (7.6, y0), (7.2, (y0 + y1) / 2), (7.6, y1), (9.9, y1)], closed=True,
                                 facecolor="#1d2329"))
            ax.text(8.75, k + 0.5, f"{name}  {fmt_sig(performance_class.get('value'))}", va="center",
                    ha="center", fontsize=9, fontweight="bold", color="white")
    unit = performance_class.get("unit") or ""
    title = f"{performance_class.get('category', '')}"
    fig.suptitle(f"Performance class {names[chosen]} \u2014 {title} ({unit} per declared unit)".replace(" ()", ""),
                 fontsize=8.5, y=0.97)
    return fig


def class_label_png(performance_class: Mapping[str, Any]) -> bytes:
    """PNG bytes of the class label for a declaration's ``performance_class``."""
    return png(build_label_figure(performance_class))

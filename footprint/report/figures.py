"""Stage-contribution chart for a footprint declaration.

Uses ``matplotlib.figure.Figure`` with an explicit Agg canvas instead of
``pyplot``: no global backend switch, no figure registry to leak, and safe
to call from a web server thread.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from footprint._text import percent_digits
from footprint.report._format import as_number, fmt_share, fmt_sig, localise, numbers_in
from footprint.report.i18n import DEFAULT_LANGUAGE, category_label, coverage_suffix, stage_label, text

#: Okabe-Ito palette: distinguishable with the common colour-vision
#: deficiencies and in greyscale print.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7",
    "#56B4E9", "#D55E00", "#F0E442", "#666666",
)

_WIDTH_IN = 9.0
_DPI = 150
_MIN_LABEL_SHARE = 6.0  # % - narrower segments get no in-bar label
TOP_PROCESSES = 6  # bars in the process chart; the rest are summed in one bar


@dataclass(frozen=True)
class CategoryShares:
    """One bar of the chart: a category and its per-stage shares in %."""

    label: str
    total_text: str
    shares: tuple[float, ...]
    all_zero: bool
    gross_basis: bool


def stage_order(declaration: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> list[tuple[str, str]]:
    """Return ``(stage_id, label)`` in declaration order, standard Annex V labels in ``lang``.

    Stage ids that only occur in a result's ``by_stage`` are appended with
    their id as label, so no contribution silently disappears from the chart.
    """
    order: list[tuple[str, str]] = []
    seen: set[str] = set()
    for stage in declaration.get("stages") or []:
        sid = str(stage.get("id", ""))
        if sid not in seen:
            order.append((sid, stage_label(sid, str(stage.get("label") or sid), lang)))
            seen.add(sid)
    for result in declared_results(declaration):
        for sid in (result.get("by_stage") or {}):
            if str(sid) not in seen:
                order.append((str(sid), str(sid)))
                seen.add(str(sid))
    return order


def process_names_and_stages(declaration: Mapping[str, Any],
                             lang: str = DEFAULT_LANGUAGE) -> dict[str, tuple[str, str]]:
    """Process id -> (name, stage id) of every row a result's ``by_process`` may hold.

    The rule's processes come from ``processes``.  A line that is no process of the rule, the recycled-content
    line of the Circular Footprint Formula (``recycled-content``), has its stage only in the ``contributions``
    the declaration records for it: without this lookup the report's process table printed it as
    "recycled-content" under stage "—" while the stage table counted it in Recycling (16.9 of the 18.4 kg
    CO2-Eq of the example), and the process chart drew it in no stage's colour.
    """
    facts = {str(p.get("id")): (str(p.get("name") or p.get("id")), str(p.get("stage")))
             for p in declaration.get("processes") or [] if isinstance(p, Mapping)}
    for row in declaration.get("contributions") or []:
        if not isinstance(row, Mapping) or str(row.get("process")) in facts or row.get("stage") is None:
            continue
        pid = str(row.get("process"))
        name = text("rc_adjustment", lang) if row.get("kind") == "recycled-content" else pid
        facts[pid] = (name, str(row.get("stage")))
    return facts


def declared_results(declaration: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The declared results (schema 1.0: flagged ``declared``; 2.0: ``results`` itself)."""
    from footprint.inputs.upstream import declared_results as _declared

    return _declared(dict(declaration))


def stage_shares(by_stage: Mapping[str, Any],
                 stage_ids: Sequence[str]) -> tuple[tuple[float, ...], bool]:
    """Per-stage shares in % of the category total, plus the basis used.

    The basis is the net total (sum of stage values) as usual in
    contribution analysis.  When any stage is negative (credits) the net
    total can be near zero and shares explode, so the sum of absolute
    contributions is used instead; the flag returned is True in that case.
    An all-zero category gets all-zero shares.
    """
    values = [as_number(by_stage.get(sid)) or 0.0 for sid in stage_ids]
    has_negative = any(v < 0 for v in values)
    basis = sum(abs(v) for v in values) if has_negative else sum(values)
    if basis == 0:
        return tuple(0.0 for _ in values), has_negative
    # v / basis first: a stage that is the whole total is then exactly 100 (100 * v / v was 100.00000000000001)
    return tuple(100.0 * (v / basis) for v in values), has_negative


def _category_bars(declaration: Mapping[str, Any], lang: str,
                   stage_ids: Sequence[str]) -> list[CategoryShares]:
    """Build one :class:`CategoryShares` per declared result."""
    bars = []
    for result in declared_results(declaration):
        shares, gross = stage_shares(result.get("by_stage") or {}, stage_ids)
        label = category_label(result, lang)
        total = f"{fmt_sig(result.get('value'))} {result.get('unit', '')}".strip() + coverage_suffix(result, lang)
        bars.append(CategoryShares(label, total, shares, not any(shares), gross))
    return bars


def _text_colour(face: str) -> str:
    """Black or white, whichever reads better on ``face``."""
    r, g, b = to_rgb(face)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _draw_bar(ax: Any, row: int, bar: CategoryShares, lang: str = DEFAULT_LANGUAGE) -> None:
    """Stack positives rightwards and negatives leftwards from zero."""
    right = left = 0.0
    for index, share in enumerate(bar.shares):
        if share == 0:
            continue
        start = right if share > 0 else left + share
        colour = PALETTE[index % len(PALETTE)]
        ax.barh(row, abs(share), left=start, height=0.6, color=colour,
                edgecolor="white", linewidth=0.8)
        if abs(share) >= _MIN_LABEL_SHARE:  # 99.97 % reads "> 99", never "100" (percent_digits)
            ax.text(start + abs(share) / 2, row, localise(percent_digits(share / 100.0, 0)), ha="center",
                    va="center", fontsize=9, color=_text_colour(colour))
        if share > 0:
            right += share
        else:
            left += share
    if bar.all_zero:
        ax.text(1, row, text("stage_chart_zero", lang), va="center",
                fontsize=9, style="italic", color="#555555")


def _y_label(bar: CategoryShares) -> str:
    """Category label, wrapped, with the absolute total underneath."""
    wrapped = "\n".join(textwrap.wrap(bar.label, 22)) or bar.label
    suffix = " \u2020" if bar.gross_basis else ""
    return f"{wrapped}{suffix}\n{bar.total_text}"


def _style_axes(ax: Any, bars: Sequence[CategoryShares], lang: str = DEFAULT_LANGUAGE) -> None:
    """Axis limits, ticks and grid shared by all bars."""
    most_negative = min([sum(s for s in b.shares if s < 0) for b in bars] or [0.0])
    ax.set_xlim(min(0.0, most_negative - 2 if most_negative < 0 else 0.0), 100.0)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_yticks(range(len(bars)), [_y_label(b) for b in bars], fontsize=9)
    note = _footnote(bars, lang)
    axis = text("stage_chart_axis", lang)
    ax.set_xlabel(f"{axis}\n{note}" if note else axis, fontsize=10)
    ax.xaxis.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.axvline(0, color="#333333", linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(fig: Figure, stages: Sequence[tuple[str, str]]) -> None:
    """Legend under the plot, one entry per stage in declaration order."""
    handles = [Patch(facecolor=PALETTE[i % len(PALETTE)], label=label)
               for i, (_, label) in enumerate(stages)]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", frameon=False,
                   ncols=min(len(handles), 5), fontsize=9)


def _title(declaration: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """Chart title naming the product, so a copied image stays meaningful."""
    product = (declaration.get("declared_unit") or {}).get("product")
    base = text("stage_chart_title", lang)
    return f"{base}\n{product}" if product else base


def _footnote(bars: Iterable[CategoryShares], lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Explain the dagger mark for categories with negative contributions."""
    if any(b.gross_basis for b in bars):
        return text("stage_chart_gross", lang)
    return None


def build_stage_figure(declaration: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Build (but do not render) the stage chart; useful for tests and reuse.

    Its numbers are written in ``lang``'s convention whoever calls it (as the class label's),
    not only inside render_html's numbers_in: a German chart shows 31,2.
    """
    with numbers_in(lang):
        return _stage_figure(declaration, lang)


def _stage_figure(declaration: Mapping[str, Any], lang: str) -> Figure:
    stages = stage_order(declaration, lang)
    bars = _category_bars(declaration, lang, [sid for sid, _ in stages])
    height = 1.9 + 0.62 * max(len(bars), 1)
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    if not bars:
        ax.set_axis_off()
        ax.text(0.5, 0.5, text("no_declared_chart", lang), ha="center",
                va="center", transform=ax.transAxes)
    else:
        for row, bar in enumerate(bars):
            _draw_bar(ax, row, bar, lang)
        _style_axes(ax, bars, lang)
        _legend(fig, stages)
    fig.suptitle(_title(declaration, lang), fontsize=11)
    return fig


def stage_chart_png(declaration: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Render the stage chart as PNG bytes.

    ``metadata={"Software": None}`` drops the matplotlib version tag so
    the bytes depend only on the declaration (Agg writes no timestamp),
    which keeps reports reproducible and hashable.
    """
    return _png(build_stage_figure(declaration, lang))


def _png(fig: Figure) -> bytes:
    """Render a figure as reproducible PNG bytes.

    ``metadata={"Software": None}`` drops the matplotlib version tag so the
    bytes depend only on the declaration (Agg writes no timestamp), which
    keeps reports reproducible and hashable.
    """
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


# ----------------------------------------------------------------------------- top processes


@dataclass(frozen=True)
class ProcessBar:
    """One bar of the process chart: a process (or the rest), its value and stage colour."""

    label: str
    value: float
    colour: str


def top_processes(declaration: Mapping[str, Any], result: Mapping[str, Any],
                  top: int = TOP_PROCESSES, lang: str = DEFAULT_LANGUAGE) -> list[ProcessBar]:
    """The ``top`` processes by absolute contribution, the rest summed into one bar.

    Sorting by absolute value keeps a large credit (negative contribution)
    visible; summing the rest keeps the bars adding up to the category total,
    so the chart never hides part of the result.
    """
    facts = process_names_and_stages(declaration, lang)
    names = {pid: name for pid, (name, _stage) in facts.items()}
    stage_of = {pid: stage for pid, (_name, stage) in facts.items()}
    stage_index = {sid: i for i, (sid, _label) in enumerate(stage_order(declaration))}
    values = [(str(pid), as_number(v) or 0.0) for pid, v in (result.get("by_process") or {}).items()]
    values.sort(key=lambda item: -abs(item[1]))
    bars = [ProcessBar(names.get(pid, pid), value,
                       PALETTE[stage_index.get(stage_of.get(pid, ""), len(PALETTE) - 1) % len(PALETTE)])
            for pid, value in values[:top]]
    rest = values[top:]
    if rest:
        bars.append(ProcessBar(text("process_chart_other", lang, count=len(rest)),
                               sum(v for _pid, v in rest), "#BBBBBB"))
    return bars


def build_process_figure(declaration: Mapping[str, Any], result: Mapping[str, Any],
                         top: int = TOP_PROCESSES, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Horizontal bars of the largest processes of one category, coloured by stage; numbers as ``lang`` writes them."""
    with numbers_in(lang):
        return _process_figure(declaration, result, top, lang)


def _process_figure(declaration: Mapping[str, Any], result: Mapping[str, Any], top: int, lang: str) -> Figure:
    bars = top_processes(declaration, result, top, lang)
    total = as_number(result.get("value")) or 0.0
    unit = str(result.get("unit") or "")
    height = 1.5 + 0.42 * max(len(bars), 1)
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    labels = ["\n".join(textwrap.wrap(b.label, 40)) or b.label for b in bars]
    ax.barh(range(len(bars)), [b.value for b in bars], color=[b.colour for b in bars],
            height=0.6, edgecolor="white")
    span = max([abs(b.value) for b in bars] or [1.0]) or 1.0
    for row, bar in enumerate(bars):
        # a process that is not zero never reads "(0 %)", one that is not all never "(100 %)" (fmt_share)
        share = f" ({fmt_share(bar.value, total, 0)})" if total else ""
        ax.text(bar.value + (0.01 * span if bar.value >= 0 else -0.01 * span), row,
                f"{fmt_sig(bar.value)}{share}", va="center", fontsize=8,
                ha="left" if bar.value >= 0 else "right")
    ax.set_yticks(range(len(bars)), labels, fontsize=8)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    low = min(0.0, min([b.value for b in bars] or [0.0]))
    ax.set_xlim(low * 1.25 if low < 0 else 0.0, max(0.0, max([b.value for b in bars] or [0.0])) * 1.3 or 1.0)
    ax.set_xlabel(text("process_chart_axis", lang, unit=unit), fontsize=9)
    ax.xaxis.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.axvline(0, color="#333333", linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    stages = stage_order(declaration, lang)
    used = {b.colour for b in bars}
    handles = [Patch(facecolor=PALETTE[i % len(PALETTE)], label=label)
               for i, (_sid, label) in enumerate(stages) if PALETTE[i % len(PALETTE)] in used]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", frameon=False,
                   ncols=min(len(handles), 5), fontsize=8)
    category = category_label(result, lang) + coverage_suffix(result, lang)  # a partial total is a lower bound
    fig.suptitle(text("process_chart_title", lang, category=category), fontsize=10)
    return fig


def process_chart_png(declaration: Mapping[str, Any], result: Mapping[str, Any],
                      top: int = TOP_PROCESSES, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Render the top-processes chart of one declared result as PNG bytes."""
    return _png(build_process_figure(declaration, result, top, lang))


# ----------------------------------------------------------------------------- class label


def class_label_png(performance_class: Mapping[str, Any], unit: str = "",
                    lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The class label graphic as PNG bytes (drawn by ``footprint.report.label``, the one drawing)."""
    from footprint.report.label import class_label_png as label_png

    return label_png({**performance_class, "unit": performance_class.get("unit") or unit}, lang)

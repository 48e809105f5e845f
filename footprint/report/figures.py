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

from footprint.report._format import as_number, fmt_sig

#: Okabe-Ito palette: distinguishable with the common colour-vision
#: deficiencies and in greyscale print.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7",
    "#56B4E9", "#D55E00", "#F0E442", "#666666",
)

_WIDTH_IN = 9.0
_DPI = 150
_MIN_LABEL_SHARE = 6.0  # % - narrower segments get no in-bar label
_AXIS_LABEL = "share of category total, %"


@dataclass(frozen=True)
class CategoryShares:
    """One bar of the chart: a category and its per-stage shares in %."""

    label: str
    total_text: str
    shares: tuple[float, ...]
    all_zero: bool
    gross_basis: bool


def stage_order(declaration: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return ``(stage_id, label)`` in declaration order.

    Stage ids that only occur in a result's ``by_stage`` are appended with
    their id as label, so no contribution silently disappears from the chart.
    """
    order: list[tuple[str, str]] = []
    seen: set[str] = set()
    for stage in declaration.get("stages") or []:
        sid = str(stage.get("id", ""))
        if sid not in seen:
            order.append((sid, str(stage.get("label") or sid)))
            seen.add(sid)
    for result in declaration.get("results") or []:
        for sid in (result.get("by_stage") or {}):
            if str(sid) not in seen:
                order.append((str(sid), str(sid)))
                seen.add(str(sid))
    return order


def declared_results(declaration: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Results flagged ``declared``; only these belong in the declaration."""
    return [r for r in declaration.get("results") or [] if r.get("declared")]


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
    return tuple(100.0 * v / basis for v in values), has_negative


def _category_bars(declaration: Mapping[str, Any],
                   stage_ids: Sequence[str]) -> list[CategoryShares]:
    """Build one :class:`CategoryShares` per declared result."""
    bars = []
    for result in declared_results(declaration):
        shares, gross = stage_shares(result.get("by_stage") or {}, stage_ids)
        label = str(result.get("label") or result.get("category") or "?")
        total = f"{fmt_sig(result.get('value'))} {result.get('unit', '')}".strip()
        bars.append(CategoryShares(label, total, shares, not any(shares), gross))
    return bars


def _text_colour(face: str) -> str:
    """Black or white, whichever reads better on ``face``."""
    r, g, b = to_rgb(face)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _draw_bar(ax: Any, row: int, bar: CategoryShares) -> None:
    """Stack positives rightwards and negatives leftwards from zero."""
    right = left = 0.0
    for index, share in enumerate(bar.shares):
        if share == 0:
            continue
        start = right if share > 0 else left + share
        colour = PALETTE[index % len(PALETTE)]
        ax.barh(row, abs(share), left=start, height=0.6, color=colour,
                edgecolor="white", linewidth=0.8)
        if abs(share) >= _MIN_LABEL_SHARE:
            ax.text(start + abs(share) / 2, row, f"{share:.0f}", ha="center",
                    va="center", fontsize=9, color=_text_colour(colour))
        if share > 0:
            right += share
        else:
            left += share
    if bar.all_zero:
        ax.text(1, row, "total is zero \u2013 no shares", va="center",
                fontsize=9, style="italic", color="#555555")


def _y_label(bar: CategoryShares) -> str:
    """Category label, wrapped, with the absolute total underneath."""
    wrapped = "\n".join(textwrap.wrap(bar.label, 22)) or bar.label
    suffix = " \u2020" if bar.gross_basis else ""
    return f"{wrapped}{suffix}\n{bar.total_text}"


def _style_axes(ax: Any, bars: Sequence[CategoryShares]) -> None:
    """Axis limits, ticks and grid shared by all bars."""
    most_negative = min([sum(s for s in b.shares if s < 0) for b in bars] or [0.0])
    ax.set_xlim(min(0.0, most_negative - 2 if most_negative < 0 else 0.0), 100.0)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_yticks(range(len(bars)), [_y_label(b) for b in bars], fontsize=9)
    note = _footnote(bars)
    ax.set_xlabel(f"{_AXIS_LABEL}\n{note}" if note else _AXIS_LABEL, fontsize=10)
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


def _title(declaration: Mapping[str, Any]) -> str:
    """Chart title naming the product, so a copied image stays meaningful."""
    product = (declaration.get("declared_unit") or {}).get("product")
    base = "Contribution of life-cycle stages to declared impact categories"
    return f"{base}\n{product}" if product else base


def _footnote(bars: Iterable[CategoryShares]) -> str | None:
    """Explain the dagger mark for categories with negative contributions."""
    if any(b.gross_basis for b in bars):
        return ("\u2020 contains negative contributions: shares relative to the "
                "sum of absolute stage contributions")
    return None


def build_stage_figure(declaration: Mapping[str, Any]) -> Figure:
    """Build (but do not render) the stage chart; useful for tests and reuse."""
    stages = stage_order(declaration)
    bars = _category_bars(declaration, [sid for sid, _ in stages])
    height = 1.9 + 0.62 * max(len(bars), 1)
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    if not bars:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No declared impact categories", ha="center",
                va="center", transform=ax.transAxes)
    else:
        for row, bar in enumerate(bars):
            _draw_bar(ax, row, bar)
        _style_axes(ax, bars)
        _legend(fig, stages)
    fig.suptitle(_title(declaration), fontsize=11)
    return fig


def stage_chart_png(declaration: Mapping[str, Any]) -> bytes:
    """Render the stage chart as PNG bytes.

    ``metadata={"Software": None}`` drops the matplotlib version tag so
    the bytes depend only on the declaration (Agg writes no timestamp),
    which keeps reports reproducible and hashable.
    """
    fig = build_stage_figure(declaration)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()

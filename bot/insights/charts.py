"""The two charts of a report, as PNG bytes with the very numbers they were drawn from.

Rendered with matplotlib's Agg canvas (no display, no pyplot state shared between
threads). Each chart keeps its categories and series so a reader of the code, or a test,
can check the picture against the report it came from.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.insights.report import Insights

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH, HEIGHT, DPI = 900, 500, 100
COLOURS = {
    "median": "#4c72b0",
    "p90": "#dd8452",
    "on time": "#55a868",
    "late": "#dd8452",
    "missed": "#c44e52",
}


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes
    width: int
    height: int
    categories: tuple[str, ...]
    series: dict[str, tuple[float, ...]]


def _days(value: timedelta | None) -> float:
    return round(value / timedelta(days=1), 2) if value is not None else 0.0


def fix_time_chart(insights: Insights) -> Chart:
    """Median and 90th percentile time to a fix per severity, in calendar days."""
    groups = [(g, s) for g, s in insights.fix_by_severity.items() if s.count]
    categories = tuple(f"{group} ({spread.count})" for group, spread in groups)
    series = {
        "median": tuple(_days(spread.median) for _, spread in groups),
        "p90": tuple(_days(spread.p90) for _, spread in groups),
    }
    title = f"Time to a fix by severity, {insights.period.label} (calendar days)"

    def draw(ax: Axes) -> None:
        if not categories:
            _empty(ax, "No incident of this period has a fix yet.")
            return
        width = 0.38
        positions = range(len(categories))
        for offset, (name, label) in zip(
            (-width / 2, width / 2), (("median", "median"), ("p90", "90th percentile")), strict=True
        ):
            bars = ax.bar(
                [p + offset for p in positions],
                series[name],
                width,
                label=label,
                color=COLOURS[name],
            )
            ax.bar_label(bars, fmt="%.1f", padding=2, fontsize=8)
        ax.set_xticks(list(positions), categories)
        ax.set_ylabel("days from report to fix")
        ax.legend()

    return Chart("time-to-fix.png", title, _render(title, draw), WIDTH, HEIGHT, categories, series)


def hit_rate_chart(insights: Insights) -> Chart:
    """Each deadline kind's deadlines met on time, late and missed, as shares (%)."""
    rows = [row for row in insights.deadlines if row.total]
    categories = tuple(f"{row.label} ({row.total})" for row in rows)
    series = {
        "on time": tuple(round(100 * row.on_time / row.total, 1) for row in rows),
        "late": tuple(round(100 * row.late / row.total, 1) for row in rows),
        "missed": tuple(round(100 * row.missed / row.total, 1) for row in rows),
    }
    title = f"Deadline hit rates, {insights.period.label}"

    def draw(ax: Axes) -> None:
        if not categories:
            _empty(ax, "No deadline fell due in this period.")
            return
        positions = list(range(len(categories)))[::-1]  # the policy's order, top down
        left = [0.0] * len(categories)
        for name in ("on time", "late", "missed"):
            ax.barh(positions, series[name], left=left, label=name, color=COLOURS[name])
            left = [a + b for a, b in zip(left, series[name], strict=True)]
        ax.set_yticks(positions, categories)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the deadlines due in the period")
        ax.legend(ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)

    return Chart(
        "deadline-hit-rates.png", title, _render(title, draw), WIDTH, HEIGHT, categories, series
    )


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.set_axis_off()


def _render(title: str, draw: Callable[[Axes], None]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, pad=22)
    draw(axes)
    figure.tight_layout()  # the layout inside the canvas; the canvas keeps its size
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()

"""Charts: ECharts options for pages (rendered by static/js/portal.js) and plain SVG for PDFs.

PDFs run no JavaScript, so their charts are SVG drawn here, escaped like any template text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .queries import RankingRow

PORTAL_RED = "#8b1a1a"
# Inline SVG does not inherit the document's font: without a family of its own, fontconfig's default
# sans-serif (the Japanese Noto CJK) was embedded as an extra font in every report.
SVG_FONT = "Noto Sans CJK SC"
PALETTE = ["#8b1a1a", "#2f6690", "#d08c2e", "#3a7d44", "#6c4f8c", "#b05a7a", "#4f6d7a", "#a47148"]


def _number(value: Decimal | None) -> float | None:
    # ECharts needs JSON numbers; the exact Decimal is what the tables show.
    return None if value is None else float(value)


def ranking_bars(rows: Sequence[RankingRow]) -> dict[str, Any]:
    names = [str(row.assessment.agency) for row in rows][::-1]
    return {
        "title": {"text": _("最终得分排名"), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 140, "right": 40, "top": 40, "bottom": 30},
        "xAxis": {"type": "value", "min": 0, "max": 100},
        "yAxis": {"type": "category", "data": names},
        "series": [
            {
                "type": "bar",
                "data": [_number(row.assessment.final_score) for row in rows][::-1],
                "itemStyle": {"color": PORTAL_RED},
                "label": {"show": True, "position": "right"},
            }
        ],
    }


def basic_vs_target(rows: Sequence[RankingRow]) -> dict[str, Any]:
    names = [str(row.assessment.agency) for row in rows]
    return {
        "title": {"text": _("基础管理与目标管理得分"), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24},
        "grid": {"left": 50, "right": 20, "top": 60, "bottom": 80},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 45}},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {
                "name": _("基础管理"),
                "type": "bar",
                "data": [_number(r.assessment.basic_total) for r in rows],
                "itemStyle": {"color": "#2f6690"},
            },
            {
                "name": _("目标管理"),
                "type": "bar",
                "data": [_number(r.assessment.target_total) for r in rows],
                "itemStyle": {"color": "#d08c2e"},
            },
        ],
    }


def trend_lines(years: list[int], series: dict[str, list[Decimal | None]]) -> dict[str, Any]:
    return {
        "title": {"text": _("各县（市、区）历年最终得分"), "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 60},
        "xAxis": {"type": "category", "data": [str(y) for y in years]},
        "yAxis": {"type": "value", "scale": True},
        "series": [
            {"name": name, "type": "line", "data": [_number(v) for v in values], "connectNulls": True}
            for name, values in series.items()
        ],
    }


def svg_bars(
    labels: Sequence[str],
    values: Sequence[Decimal | None],
    *,
    highlight: int | None = None,
    width: int = 640,
    bar_height: int = 18,
    maximum: Decimal = Decimal("100"),
) -> SafeString:
    """A horizontal bar chart as inline SVG (labels escaped): one bar per label, value printed at its end."""
    label_width, gap, top = 150, 6, 8
    plot = width - label_width - 60
    height = top * 2 + len(labels) * (bar_height + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart-svg" font-family="{SVG_FONT}">'
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_width + plot * tick / float(maximum)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - top}" stroke="#ddd" stroke-width="0.5"/>'
        )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * (bar_height + gap)
        colour = PORTAL_RED if index == highlight else "#7f8c99"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.75:.1f}" text-anchor="end" font-size="10">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + bar_height * 0.75:.1f}" font-size="9">—</text>')
            continue
        length = plot * float(value) / float(maximum)
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height * 0.75:.1f}" font-size="9">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label passed through escape() above

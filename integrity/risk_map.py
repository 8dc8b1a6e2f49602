"""The risk heat map (likelihood × impact) and per-agency summaries, each built in one query."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from integrity.models import Risk, RiskLevel, risk_level
from integrity.models.risks import level_score_range

RATINGS = range(1, 6)
LEVEL_COLOURS = {
    RiskLevel.LOW: "#8fd19e",
    RiskLevel.MEDIUM: "#ffe083",
    RiskLevel.HIGH: "#f5a05a",
    RiskLevel.CRITICAL: "#d9534f",
}
LEVEL_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]


def risk_heat_map(risks: QuerySet[Risk]) -> dict[tuple[int, int], int]:
    """How many risks sit in each (likelihood, impact) cell: one grouped query, whatever the number of risks."""
    rows = risks.order_by().values_list("likelihood", "impact").annotate(n=Count("pk"))
    return {(likelihood, impact): n for likelihood, impact, n in rows}


def heat_map_grid(cells: dict[tuple[int, int], int]) -> list[dict[str, Any]]:
    """Rows for the accessible table beside the chart: impact 5 at the top, likelihood 1–5 across."""
    return [
        {
            "impact": impact,
            "cells": [
                {
                    "likelihood": likelihood,
                    "count": cells.get((likelihood, impact), 0),
                    "level": risk_level(likelihood, impact),
                }
                for likelihood in RATINGS
            ],
        }
        for impact in reversed(RATINGS)
    ]


def heat_map_chart(cells: dict[tuple[int, int], int], title: str) -> dict[str, Any]:
    """An ECharts option: each cell coloured by its level, labelled with its number of risks."""
    data = [
        [
            likelihood - 1,
            impact - 1,
            cells.get((likelihood, impact), 0),
            LEVEL_ORDER.index(risk_level(likelihood, impact)),
        ]
        for likelihood in RATINGS
        for impact in RATINGS
    ]
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"position": "top"},
        "grid": {"left": 70, "right": 20, "top": 40, "bottom": 80},
        "xAxis": {
            "type": "category",
            "name": _("可能性"),
            "nameLocation": "middle",
            "nameGap": 28,
            "data": [str(value) for value in RATINGS],
            "splitArea": {"show": True},
        },
        "yAxis": {
            "type": "category",
            "name": _("影响程度"),
            "nameLocation": "middle",
            "nameGap": 36,
            "data": [str(value) for value in RATINGS],
            "splitArea": {"show": True},
        },
        "visualMap": {
            "type": "piecewise",
            "dimension": 3,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "pieces": [
                {"value": index, "label": str(level.label), "color": LEVEL_COLOURS[level]}
                for index, level in enumerate(LEVEL_ORDER)
            ],
        },
        "series": [
            {
                "name": _("风险数"),
                "type": "heatmap",
                "data": data,
                "label": {"show": True, "formatter": "{@[2]}"},
                "itemStyle": {"borderColor": "#fff", "borderWidth": 2},
            }
        ],
    }


def agency_risk_summary(risks: QuerySet[Risk], today: Any) -> list[dict[str, Any]]:
    """Open risks per agency and level, and how many are due for review: one grouped query."""
    annotations = {}
    for level in LEVEL_ORDER:
        low, high = level_score_range(level)
        annotations[str(level.value)] = Count("pk", filter=Q(score__gte=low, score__lte=high))
    rows = (
        risks.order_by()
        .values("agency_id", "agency__name", "agency__short_name", "agency__division__code")
        .annotate(total=Count("pk"), due=Count("pk", filter=Q(next_review_on__lte=today)), **annotations)
        .order_by("agency__division__code")
    )
    return [
        {
            "agency_id": row["agency_id"],
            "name": row["agency__short_name"] or row["agency__name"],
            "total": row["total"],
            "due": row["due"],
            "levels": [row[str(level.value)] for level in LEVEL_ORDER],
        }
        for row in rows
    ]


def heat_map_context(cells: dict[tuple[int, int], int], title: str) -> dict[str, Any]:
    return {"chart": heat_map_chart(cells, title), "grid": heat_map_grid(cells), "levels": LEVEL_ORDER}

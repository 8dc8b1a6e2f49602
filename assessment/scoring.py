"""The arithmetic of 第四条, in one place: Decimal throughout, one rounding rule.

    track score = the sum of the track's item points (each item has two decimal places, so the
                  sum is exact);
    final score = basic score × basic weight + target score × target weight, the weights summing
                  to 1 (the weighted average the regulation names: 两项双百分考核成绩的加权平均数),
                  rounded half up (四舍五入) to two decimal places — once, at the end.

The regulation gives no weights: the default is 0.4 for basic management and 0.6 for target
management, stated beside every result, and each year may set its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

TRACK_TOTAL = Decimal("100")
TWO_PLACES = Decimal("0.01")
DEFAULT_BASIC_WEIGHT = Decimal("0.400")
DEFAULT_TARGET_WEIGHT = Decimal("0.600")
ROUNDING_RULE = _("四舍五入保留两位小数")


def round_score(value: Decimal) -> Decimal:
    """The one rounding rule: half up (四舍五入) to two places."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def track_total(points: Iterable[Decimal | None]) -> Decimal:
    """The sum of the scored items of a track (unscored items count as nothing yet)."""
    return round_score(sum((Decimal(p) for p in points if p is not None), Decimal("0")))


def weighted_sum(basic: Decimal, target: Decimal, basic_weight: Decimal, target_weight: Decimal) -> Decimal:
    """The unrounded weighted average, as shown on the result page before rounding."""
    if basic_weight < 0 or target_weight < 0 or basic_weight + target_weight != 1:
        raise ValueError(f"weights must be non-negative and sum to 1, not {basic_weight} + {target_weight}")
    return Decimal(basic) * Decimal(basic_weight) + Decimal(target) * Decimal(target_weight)


def final_score(basic: Decimal, target: Decimal, basic_weight: Decimal, target_weight: Decimal) -> Decimal:
    """最终考核结果 = the weighted average of the two track scores, rounded half up to two places."""
    return round_score(weighted_sum(basic, target, basic_weight, target_weight))


@dataclass(frozen=True)
class Result:
    basic_total: Decimal
    target_total: Decimal
    final_score: Decimal | None  # None until every item of both tracks is scored
    basic_missing: int
    target_missing: int

    @property
    def complete(self) -> bool:
        return self.basic_missing == 0 and self.target_missing == 0


def compute_result(
    scores: Iterable[tuple[str, Decimal | None]], basic_weight: Decimal, target_weight: Decimal
) -> Result:
    """Everything an assessment stores, from its inputs: (track, points) per item and the weights."""
    by_track: dict[str, list[Decimal | None]] = {"basic": [], "target": []}
    for track, points in scores:
        by_track[str(track)].append(points)
    basic = track_total(by_track["basic"])
    target = track_total(by_track["target"])
    basic_missing = sum(1 for p in by_track["basic"] if p is None)
    target_missing = sum(1 for p in by_track["target"] if p is None)
    complete = basic_missing == 0 and target_missing == 0 and by_track["basic"] and by_track["target"]
    final = final_score(basic, target, basic_weight, target_weight) if complete else None
    return Result(basic, target, final, basic_missing, target_missing)

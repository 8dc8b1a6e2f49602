"""The arithmetic of 第四条: Decimal, weighted average, one rounding rule (half up to two places)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assessment.actions import parse_points
from assessment.scoring import compute_result, final_score, round_score, track_total, weighted_sum

D = Decimal


@pytest.mark.parametrize(
    ("basic", "target", "wb", "wt", "expected"),
    [
        ("90", "80", "0.4", "0.6", "84.00"),
        # 80.01 × 0.5 + 90.00 × 0.5 = 85.005: half up gives 85.01 (banker's rounding would give 85.00)
        ("80.01", "90.00", "0.5", "0.5", "85.01"),
        # 80.01 × 0.4 + 90.02 × 0.6 = 32.004 + 54.012 = 86.016 → 86.02
        ("80.01", "90.02", "0.4", "0.6", "86.02"),
        # 0.333 / 0.667: 87.35 × 0.333 + 91.15 × 0.667 = 29.08755 + 60.79705 = 89.8846 → 89.88
        ("87.35", "91.15", "0.333", "0.667", "89.88"),
        # x.xx5 exactly after weighting, just above and below
        ("70.01", "70.00", "0.5", "0.5", "70.01"),  # 70.005 → 70.01
        ("70.00", "70.01", "0.25", "0.75", "70.01"),  # 70.0075 → 70.01
        ("70.01", "70.00", "0.25", "0.75", "70.00"),  # 70.0025 → 70.00
        ("0", "0", "0.4", "0.6", "0.00"),
        ("100", "100", "0.4", "0.6", "100.00"),
        ("100", "0", "1", "0", "100.00"),
        # where binary floating point goes wrong: 0.1 + 0.2 style sums stay exact
        ("0.1", "0.2", "0.5", "0.5", "0.15"),
    ],
)
def test_final_is_the_weighted_average_rounded_half_up(basic, target, wb, wt, expected):
    result = final_score(D(basic), D(target), D(wb), D(wt))
    assert result == D(expected)
    assert str(result) == expected  # two places, always


def test_unrounded_sum_is_shown_before_rounding():
    assert weighted_sum(D("80.01"), D("90.00"), D("0.5"), D("0.5")) == D("85.0050")


@pytest.mark.parametrize(("wb", "wt"), [("0.4", "0.5"), ("0.5", "0.6"), ("-0.1", "1.1")])
def test_weights_must_sum_to_one_and_not_be_negative(wb, wt):
    with pytest.raises(ValueError, match="sum to 1"):
        final_score(D("90"), D("90"), D(wb), D(wt))


def test_round_score_is_half_up_not_bankers():
    assert round_score(D("2.345")) == D("2.35")
    assert round_score(D("2.335")) == D("2.34")
    assert round_score(D("2.3449999")) == D("2.34")


def test_track_total_ignores_unscored_items_and_is_exact():
    assert track_total([D("14.90"), None, D("0.10"), D("0.20")]) == D("15.20")
    assert track_total([]) == D("0.00")


def test_compute_result_has_no_final_until_every_item_is_scored():
    scores = [("basic", D("15")), ("basic", None), ("target", D("10"))]
    result = compute_result(scores, D("0.4"), D("0.6"))
    assert (result.basic_total, result.target_total, result.final_score) == (D("15.00"), D("10.00"), None)
    assert (result.basic_missing, result.target_missing) == (1, 0)
    complete = compute_result([("basic", D("95.55")), ("target", D("88.45"))], D("0.4"), D("0.6"))
    assert complete.final_score == D("91.29")  # 38.22 + 53.07 = 91.29


@given(
    basic=st.decimals(min_value=0, max_value=100, places=2),
    target=st.decimals(min_value=0, max_value=100, places=2),
    permille=st.integers(min_value=0, max_value=1000),
)
def test_final_lies_between_the_track_scores_and_has_two_places(basic, target, permille):
    wb = D(permille) / 1000
    result = final_score(basic, target, wb, 1 - wb)
    assert min(basic, target) - D("0.005") <= result <= max(basic, target) + D("0.005")
    assert result == result.quantize(D("0.01"))


@pytest.mark.parametrize(
    ("value", "expected"), [("12", "12.00"), ("12.5", "12.50"), (" 0 ", "0.00"), (15, "15.00"), (14.25, "14.25")]
)
def test_parse_points_accepts_numbers_with_up_to_two_places(value, expected):
    assert parse_points(value, D("15")) == D(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("15.01", "须在0至15.00分之间"),
        ("-1", "须在0至15.00分之间"),
        ("12.345", "最多保留两位小数"),
        ("十二", "不是有效的数字"),
        ("NaN", "不是有效的数字"),
        ("", "不是有效的数字"),
    ],
)
def test_parse_points_refuses_bad_input_with_a_clear_message(value, message):
    with pytest.raises(ValidationError, match=message):
        parse_points(value, D("15.00"))


@pytest.mark.django_db
def test_check_command_recomputes_every_result_and_reports_mismatches(org, year, teams, assessor, team_member):
    import io

    from django.core.management import CommandError, call_command

    from assessment.models import Assessment, Track
    from tests.assessment.factories import confirmed, fill_track

    weihui = confirmed(year.assessments.get(agency=org.weihui), assessor, team_member)
    fill_track(year.assessments.get(agency=org.huixian), Track.BASIC, assessor, submit=False)
    out = io.StringIO()
    call_command("check_assessment_results", stdout=out)
    assert "3 assessments checked, 0 mismatches" in out.getvalue()
    Assessment.objects.filter(pk=weihui.pk).update(final_score=weihui.final_score + D("0.01"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 mismatches"):
        call_command("check_assessment_results", "--year", "2026", stdout=out)
    assert f"卫辉市社保中心 (id {weihui.pk})" in out.getvalue()
    assert f"recomputed {weihui.basic_total}/{weihui.target_total}/{weihui.final_score}" in out.getvalue()

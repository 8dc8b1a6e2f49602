"""Years and catalogues: the regulation's items, sums of exactly 100 per track, copy to next year."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assessment import actions
from assessment.actions import ItemChange, SubItemSpec, catalogue_problems
from assessment.models import Assessment, AssessmentYear, CatalogueItem, Score, Track
from supervision.workflow import TransitionNotAllowed
from tests.assessment.factories import open_year

pytestmark = pytest.mark.django_db

BASIC = ["文明创建", "优质服务", "廉政建设", "政治业务学习", "信息宣传", "公共管理"]
TARGET = [
    "待遇发放情况",
    "扩大参保覆盖面情况",
    "规范化建设情况",
    "基金财务管理情况",
    "个人权益记录管理情况",
    "稽核审计工作情况",
    "信息化工作情况",
    "社会化服务情况",
]


def names(year, track):
    return list(year.items.filter(track=track).order_by("position").values_list("name", flat=True))


def total(year, track):
    return sum(year.items.filter(track=track).values_list("max_points", flat=True))


def test_new_year_has_the_regulations_items_and_stated_defaults(org, admin_user):
    year = actions.year_create(acting_user=admin_user, city=org.city, year=2026)
    assert names(year, Track.BASIC) == BASIC
    assert names(year, Track.TARGET) == TARGET
    assert total(year, Track.BASIC) == total(year, Track.TARGET) == Decimal("100")
    assert (year.basic_weight, year.target_weight) == (Decimal("0.400"), Decimal("0.600"))
    assert year.deadline == datetime.date(2027, 1, 31)  # 次年一月份完成
    assert catalogue_problems(year) == []


def test_only_the_system_administrator_configures_years(org, assessor):
    with pytest.raises(PermissionDenied):
        actions.year_create(acting_user=assessor, city=org.city, year=2026)


def test_track_sum_other_than_100_is_refused_and_nothing_changes(org, admin_user):
    year = actions.year_create(acting_user=admin_user, city=org.city, year=2026)
    first = year.items.get(track=Track.BASIC, position=1)
    with pytest.raises(ValidationError, match=r"合计须为100分，当前为105\.00分"):
        actions.catalogue_update(
            year, Track.BASIC, [ItemChange(first.pk, Decimal("20"), "", "")], acting_user=admin_user
        )
    first.refresh_from_db()
    assert first.max_points == Decimal("15.00")
    second = year.items.get(track=Track.BASIC, position=4)  # 政治业务学习, 15 → 10
    actions.catalogue_update(
        year,
        Track.BASIC,
        [ItemChange(first.pk, Decimal("20"), "新要点", "每例扣1分"), ItemChange(second.pk, Decimal("10"), "", "")],
        acting_user=admin_user,
    )
    assert total(year, Track.BASIC) == Decimal("100")
    first.refresh_from_db()
    assert first.history.first().history_user == admin_user


def test_sub_items_must_add_up_to_their_item(org, admin_user):
    year = actions.year_create(acting_user=admin_user, city=org.city, year=2026)
    item = year.items.get(name="信息宣传")
    with pytest.raises(ValidationError, match=r"各细项分值合计须等于该项分值10\.00分"):
        actions.sub_items_replace(item, [SubItemSpec("政务信息", Decimal("6"))], acting_user=admin_user)
    actions.sub_items_replace(
        item,
        [SubItemSpec("政务信息", Decimal("6"), "少1篇扣0.5分"), SubItemSpec("信息公开", Decimal("4"))],
        acting_user=admin_user,
    )
    assert list(item.sub_items.values_list("name", flat=True)) == ["政务信息", "信息公开"]


def test_opening_refuses_a_catalogue_that_does_not_sum_to_100(org, admin_user):
    year = actions.year_create(acting_user=admin_user, city=org.city, year=2026)
    CatalogueItem.objects.filter(year=year, name="信息宣传").update(max_points=Decimal("9.5"))
    with pytest.raises(TransitionNotAllowed, match=r"基础管理各项分值合计须为100分，当前为99\.50分"):
        actions.year_open(year, acting_user=admin_user)
    year.refresh_from_db()
    assert year.status == AssessmentYear.Status.PREPARING
    assert not Assessment.objects.exists()


def test_opening_creates_one_assessment_per_county_with_empty_scores(org, admin_user):
    year = open_year(admin_user, org.city)
    assert year.status == AssessmentYear.Status.SCORING
    assert Assessment.objects.filter(year=year).count() == 3
    assert Score.objects.filter(assessment__year=year).count() == 3 * 14
    assert not Score.objects.filter(points__isnull=False).exists()
    with pytest.raises(TransitionNotAllowed, match="考核已开始"):
        first = year.items.get(track=Track.BASIC, position=1)
        actions.catalogue_update(
            year, Track.BASIC, [ItemChange(first.pk, Decimal("15"), "x", "")], acting_user=admin_user
        )
    with pytest.raises(TransitionNotAllowed, match="权重不能再修改"):
        actions.year_update_settings(
            year,
            acting_user=admin_user,
            basic_weight=Decimal("0.5"),
            target_weight=Decimal("0.5"),
            scoring_opens_on=year.scoring_opens_on,
            deadline=year.deadline,
            objection_days=10,
        )


def test_database_refuses_weights_not_summing_to_one_and_points_out_of_range(org, admin_user):
    year = open_year(admin_user, org.city)
    with transaction.atomic(), pytest.raises(IntegrityError):
        AssessmentYear.objects.filter(pk=year.pk).update(basic_weight=Decimal("0.5"))
    score = Score.objects.filter(assessment__year=year).select_related("item").first()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Score.objects.filter(pk=score.pk).update(points=score.max_points + Decimal("0.01"))
    with transaction.atomic(), pytest.raises(IntegrityError):
        Score.objects.filter(pk=score.pk).update(points=Decimal("-0.01"))
    with transaction.atomic(), pytest.raises(IntegrityError):
        CatalogueItem.objects.filter(pk=score.item_id).update(max_points=Decimal("0"))


def test_weights_are_validated_on_settings(org, admin_user):
    year = actions.year_create(acting_user=admin_user, city=org.city, year=2026)
    with pytest.raises(ValidationError, match="合计等于1"):
        actions.year_update_settings(
            year,
            acting_user=admin_user,
            basic_weight=Decimal("0.3"),
            target_weight=Decimal("0.6"),
            scoring_opens_on=year.scoring_opens_on,
            deadline=year.deadline,
            objection_days=10,
        )
    actions.year_update_settings(
        year,
        acting_user=admin_user,
        basic_weight=Decimal("0.35"),
        target_weight=Decimal("0.65"),
        scoring_opens_on=year.scoring_opens_on,
        deadline=year.deadline,
        objection_days=15,
        version=year.version,
    )
    year.refresh_from_db()
    assert (year.basic_weight, year.target_weight, year.objection_days) == (Decimal("0.35"), Decimal("0.65"), 15)


def test_copy_to_next_year_takes_catalogue_weights_window_and_teams(org, admin_user, assessor, team_member):
    source = actions.year_create(acting_user=admin_user, city=org.city, year=2025)
    actions.year_update_settings(
        source,
        acting_user=admin_user,
        basic_weight=Decimal("0.45"),
        target_weight=Decimal("0.55"),
        scoring_opens_on=datetime.date(2025, 11, 15),
        deadline=datetime.date(2026, 1, 25),
        objection_days=7,
    )
    first = source.items.get(track=Track.TARGET, position=1)
    second = source.items.get(track=Track.TARGET, position=2)
    actions.catalogue_update(
        source,
        Track.TARGET,
        [ItemChange(first.pk, Decimal("20"), "要点", "每例扣3分"), ItemChange(second.pk, Decimal("10"), "", "")],
        acting_user=admin_user,
    )
    actions.team_create(source, acting_user=admin_user, name="第一考核组", leader=team_member)

    copy = actions.year_copy(source, acting_user=admin_user, copy_teams=True)
    assert copy.year == 2026 and copy.copied_from == source
    assert (copy.basic_weight, copy.target_weight, copy.objection_days) == (Decimal("0.450"), Decimal("0.550"), 7)
    assert (copy.scoring_opens_on, copy.deadline) == (datetime.date(2026, 11, 15), datetime.date(2027, 1, 25))
    fields = ("track", "position", "name", "max_points", "description", "deduction_rule")
    assert list(copy.items.values_list(*fields)) == list(source.items.values_list(*fields))
    copied_item = copy.items.get(name="优质服务")
    assert copied_item.sub_items.count() == 5
    assert copy.items.get(name="待遇发放情况").max_points == Decimal("20")
    assert list(copy.teams.values_list("name", flat=True)) == ["第一考核组"]
    assert copy.teams.get().memberships.get().user == team_member
    with pytest.raises(ValidationError, match="2026年度已经存在"):
        actions.year_copy(source, acting_user=admin_user)
    # the source is untouched by later edits of the copy
    item = copy.items.get(track=Track.TARGET, position=1)
    other = copy.items.get(track=Track.TARGET, position=3)
    actions.catalogue_update(
        copy,
        Track.TARGET,
        [ItemChange(item.pk, Decimal("15"), "", ""), ItemChange(other.pk, Decimal("15"), "", "")],
        acting_user=admin_user,
    )
    assert source.items.get(track=Track.TARGET, position=1).max_points == Decimal("20")

"""Who scores what (第四条), locking, reopening with a reason, delegation and filing, objections."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessment import actions, rules
from assessment.models import Assessment, Filing, Objection, Score, Track
from supervision.models import AgencyUserObjectPermission, Notification
from supervision.permissions import Action, Role, can
from supervision.workflow import EditConflict, TransitionNotAllowed
from tests.assessment.factories import confirmed, fill_track, score_fully, scores_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = Decimal


def first_score(assessment: Assessment, track: str) -> Score:
    return scores_of(assessment, track)[0]


def try_score(user, assessment, track) -> bool:
    try:
        actions.score_set(first_score(assessment, track), acting_user=user, points="1")
    except PermissionDenied:
        return False
    return True


@pytest.fixture
def delegate(org):
    """A member of the city agency's staff whom the bureau authorises to assess 红旗区."""
    return make_user("delegate", [Role.CITY_AGENCY_LEADER], org.city_agency)


@pytest.fixture
def delegated(hongqi_assessment, assessor, delegate):
    actions.delegation_grant(
        hongqi_assessment, acting_user=assessor, delegates=[delegate], note="垂直管理，授权代为考核"
    )
    hongqi_assessment.refresh_from_db()
    return hongqi_assessment


class TestPermissionMatrix:
    """Basic: the bureau's assessor. Target: the assigned team only. Delegated: the delegates only."""

    @pytest.mark.parametrize(
        ("persona", "basic", "target"),
        [
            ("assessor", True, False),
            ("team_member", False, True),  # 第一考核组 has 卫辉市
            ("team_b", False, False),  # 第二考核组 has 辉县市, not 卫辉市
            ("head_weihui", False, False),
            ("staff_weihui", False, False),
            ("inspector", False, False),
            ("leader", False, False),
            ("outsider", False, False),
        ],
    )
    def test_who_may_score_weihui(self, request, weihui_assessment, persona, basic, target):
        user = request.getfixturevalue(persona)
        assert rules.may_score(user, weihui_assessment, Track.BASIC) is basic
        assert rules.may_score(user, weihui_assessment, Track.TARGET) is target
        assert try_score(user, weihui_assessment, Track.BASIC) is basic
        assert try_score(user, weihui_assessment, Track.TARGET) is target

    def test_team_of_another_county_scores_its_own_county_only(self, weihui_assessment, huixian_assessment, team_b):
        assert try_score(team_b, huixian_assessment, Track.TARGET)
        assert not try_score(team_b, weihui_assessment, Track.TARGET)

    @pytest.mark.parametrize(
        ("persona", "allowed"),
        [("delegate", True), ("assessor", False), ("team_member", False), ("leader", False), ("head_weihui", False)],
    )
    def test_only_delegated_city_agency_staff_score_a_delegated_county(self, request, delegated, persona, allowed):
        user = request.getfixturevalue(persona)
        assert try_score(user, delegated, Track.BASIC) is allowed
        assert try_score(user, delegated, Track.TARGET) is allowed

    def test_county_head_never_scores_and_sees_the_result_only_once_confirmed(
        self, weihui_assessment, assessor, team_member, head_weihui, head_huixian
    ):
        assert not rules.may_view_result(head_weihui, weihui_assessment)
        confirmed(weihui_assessment, assessor, team_member)
        assert rules.may_view_result(head_weihui, weihui_assessment)
        assert not rules.may_view_result(head_huixian, weihui_assessment)
        assert not try_score(head_weihui, weihui_assessment, Track.BASIC)

    def test_team_assignment_grants_and_removal_revokes_the_object_permission(
        self, org, year, teams, team_member, assessor
    ):
        seconded = make_user("seconded", [Role.ASSESSMENT_TEAM], org.huixian_bureau)  # from a county bureau
        first, _second = teams
        weihui = year.assessments.get(agency=org.weihui)
        assert not can(seconded, Action.VIEW, org.weihui)
        actions.team_update(
            first, acting_user=assessor, name=first.name, leader=team_member, members=[team_member, seconded]
        )
        assert can(seconded, Action.VIEW, org.weihui)
        assert AgencyUserObjectPermission.objects.filter(user=seconded, content_object=org.weihui).exists()
        assert try_score(seconded, weihui, Track.TARGET)
        actions.team_set_counties(first, [], acting_user=assessor)
        seconded = type(seconded).objects.get(pk=seconded.pk)
        assert not can(seconded, Action.VIEW, org.weihui)
        assert not try_score(seconded, year.assessments.get(agency=org.weihui), Track.TARGET)

    def test_removed_member_loses_the_right(self, year, teams, team_member, team_b, assessor, weihui_assessment):
        first, _ = teams
        actions.team_update(first, acting_user=assessor, name=first.name, leader=team_b, members=[team_b])
        assert not rules.may_score(team_member, weihui_assessment, Track.TARGET)
        assert rules.may_score(team_b, weihui_assessment, Track.TARGET)
        assert first.memberships.get(user=team_member).removed_at is not None  # kept, not deleted


class TestScoringAndLocking:
    def test_scores_keep_running_totals_and_the_final_appears_when_complete(
        self, weihui_assessment, assessor, team_member
    ):
        fill_track(weihui_assessment, Track.BASIC, assessor, [15, 25, 20, "14.5", 10, "13.75"])
        assert weihui_assessment.status == Assessment.Status.SCORING
        assert weihui_assessment.basic_total == D("98.25")
        assert weihui_assessment.final_score is None
        fill_track(weihui_assessment, Track.TARGET, team_member, [15, 15, 10, 15, 10, 15, 10, "9.99"])
        assert weihui_assessment.target_total == D("99.99")
        # 98.25 × 0.4 + 99.99 × 0.6 = 39.30 + 59.994 = 99.294 → 99.29
        assert weihui_assessment.final_score == D("99.29")
        assert weihui_assessment.status == Assessment.Status.SUBMITTED

    def test_points_out_of_range_are_refused_and_nothing_is_written(self, weihui_assessment, assessor):
        score = first_score(weihui_assessment, Track.BASIC)
        written = score.history.count()  # the empty score's creation
        with pytest.raises(ValidationError, match=r"须在0至15\.00分之间"):
            actions.score_set(score, acting_user=assessor, points="15.5")
        score.refresh_from_db()
        assert score.points is None and score.history.count() == written == 1

    def test_stale_version_is_a_conflict_not_a_lost_update(self, weihui_assessment, assessor, admin_user):
        score = first_score(weihui_assessment, Track.BASIC)
        seen = score.version
        actions.score_set(score, acting_user=admin_user, points="12", comment="甲", version=seen)
        with pytest.raises(EditConflict):
            actions.score_set(score, acting_user=assessor, points="10", comment="乙", version=seen)
        score.refresh_from_db()
        assert (score.points, score.comment, score.scored_by) == (D("12.00"), "甲", admin_user)

    def test_a_track_is_submitted_only_when_complete_then_locked_for_its_scorers(self, weihui_assessment, assessor):
        scores = scores_of(weihui_assessment, Track.BASIC)
        for score in scores[:-1]:
            actions.score_set(score, acting_user=assessor, points="5")
        with pytest.raises(TransitionNotAllowed, match="未评分"):
            actions.track_submit(weihui_assessment, Track.BASIC, acting_user=assessor)
        actions.score_set(scores[-1], acting_user=assessor, points="5")
        actions.track_submit(weihui_assessment, Track.BASIC, acting_user=assessor)
        with pytest.raises(TransitionNotAllowed, match="已提交"):
            actions.score_set(scores[0], acting_user=assessor, points="4")
        scores[0].refresh_from_db()
        assert scores[0].points == D("5.00")

    def test_confirm_locks_the_result_and_notifies_the_county_head(
        self, weihui_assessment, assessor, team_member, head_weihui
    ):
        score_fully(weihui_assessment, assessor, team_member)
        with pytest.raises(PermissionDenied):
            actions.assessment_confirm(weihui_assessment, acting_user=team_member)
        actions.assessment_confirm(weihui_assessment, acting_user=assessor)
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.CONFIRMED
        assert weihui_assessment.objection_deadline == timezone.localdate() + datetime.timedelta(days=10)
        assert Notification.objects.filter(recipient=head_weihui, title__contains="考核结果已确认").exists()
        for user, track in ((assessor, Track.BASIC), (team_member, Track.TARGET)):
            with pytest.raises(TransitionNotAllowed, match="已锁定"):
                actions.score_set(first_score(weihui_assessment, track), acting_user=user, points="1")

    def test_reopening_needs_a_reason_and_is_in_history(self, weihui_assessment, assessor, team_member, head_weihui):
        confirmed(weihui_assessment, assessor, team_member)
        with pytest.raises(ValidationError, match="理由"):
            actions.assessment_reopen(weihui_assessment, acting_user=assessor, reason="  ")
        with pytest.raises(PermissionDenied):
            actions.assessment_reopen(weihui_assessment, acting_user=head_weihui, reason="想改")
        actions.assessment_reopen(
            weihui_assessment, acting_user=assessor, reason="复核发现录入错误", tracks=[Track.BASIC]
        )
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.SCORING
        assert weihui_assessment.basic_submitted_at is None
        assert weihui_assessment.target_submitted_at is not None  # the target track stays submitted
        assert weihui_assessment.confirmed_at is None and weihui_assessment.reopen_count == 1
        latest = weihui_assessment.history.first()
        assert latest.history_change_reason == "重新打开：复核发现录入错误"
        assert latest.history_user == assessor
        # the target track stays locked; the basic track can be changed and resubmitted
        with pytest.raises(TransitionNotAllowed):
            actions.score_set(first_score(weihui_assessment, Track.TARGET), acting_user=team_member, points="1")
        actions.score_set(first_score(weihui_assessment, Track.BASIC), acting_user=assessor, points="1")
        actions.track_submit(weihui_assessment, Track.BASIC, acting_user=assessor)
        actions.assessment_confirm(weihui_assessment, acting_user=assessor)
        weihui_assessment.refresh_from_db()
        assert weihui_assessment.status == Assessment.Status.CONFIRMED

    def test_stale_confirmation_is_refused(self, weihui_assessment, assessor, team_member):
        score_fully(weihui_assessment, assessor, team_member)
        seen = weihui_assessment.version
        actions.assessment_reopen(weihui_assessment, acting_user=assessor, reason="退回", tracks=[Track.TARGET])
        fill_track(weihui_assessment, Track.TARGET, team_member, 5)
        with pytest.raises(EditConflict):
            actions.assessment_confirm(weihui_assessment, acting_user=assessor, version=seen)


class TestDelegationAndFiling:
    def test_only_for_vertically_managed_counties(self, weihui_assessment, assessor, delegate):
        with pytest.raises(PermissionDenied):
            actions.delegation_grant(weihui_assessment, acting_user=assessor, delegates=[delegate])

    def test_delegates_must_work_at_the_city_agency(self, hongqi_assessment, assessor, team_member):
        with pytest.raises(ValidationError, match="市社会保险经办机构"):
            actions.delegation_grant(hongqi_assessment, acting_user=assessor, delegates=[team_member])

    def test_record_names_who_authorised_when_and_whom(self, delegated, assessor, delegate):
        delegation = delegated.delegations.get()
        assert delegation.authorised_by == assessor and delegation.authorised_at is not None
        assert list(delegation.delegates.all()) == [delegate]
        assert delegation.delegate_agency.kind == "city_agency"
        assert Notification.objects.filter(recipient=delegate, title__contains="授权代为考核").exists()

    def test_delegated_result_is_confirmed_by_the_delegate_then_filed_and_acknowledged(
        self, delegated, assessor, delegate
    ):
        score_fully(delegated, delegate, delegate)
        with pytest.raises(PermissionDenied):
            actions.assessment_confirm(delegated, acting_user=assessor)
        actions.assessment_confirm(delegated, acting_user=delegate)
        with pytest.raises(PermissionDenied):
            actions.filing_submit(delegated, acting_user=assessor)
        filing = actions.filing_submit(delegated, acting_user=delegate, note="请备案")
        assert Notification.objects.filter(recipient=assessor, title__contains="报送备案").exists()
        with pytest.raises(TransitionNotAllowed, match="已报送备案"):
            actions.filing_submit(delegated, acting_user=delegate)
        with pytest.raises(PermissionDenied):
            actions.filing_acknowledge(filing, acting_user=delegate)
        actions.filing_acknowledge(filing, acting_user=assessor, text="同意备案")
        delegated.refresh_from_db()
        filing.refresh_from_db()
        assert delegated.status == Assessment.Status.FILED
        assert (filing.acknowledged_by, filing.final_score) == (assessor, delegated.final_score)

    def test_reopening_a_filed_result_voids_the_filing(self, delegated, assessor, delegate):
        score_fully(delegated, delegate, delegate)
        actions.assessment_confirm(delegated, acting_user=delegate)
        filing = actions.filing_submit(delegated, acting_user=delegate)
        actions.filing_acknowledge(filing, acting_user=assessor)
        with pytest.raises(PermissionDenied):  # once filed, only the bureau may reopen
            actions.assessment_reopen(delegated, acting_user=delegate, reason="改")
        actions.assessment_reopen(delegated, acting_user=assessor, reason="备案审查发现问题")
        assert Filing.objects.get().superseded

    def test_revoking_hands_the_county_back_to_the_bureau(self, delegated, assessor, delegate, org):
        actions.delegation_revoke(delegated.delegations.get(), acting_user=assessor, reason="改由市局直接考核")
        assert not try_score(delegate, delegated, Track.BASIC)
        assert try_score(assessor, delegated, Track.BASIC)
        assert not AgencyUserObjectPermission.objects.filter(user=delegate, content_object=org.hongqi).exists()

    def test_a_county_already_being_scored_cannot_be_delegated(self, hongqi_assessment, assessor, delegate):
        actions.score_set(first_score(hongqi_assessment, Track.BASIC), acting_user=assessor, points="10")
        with pytest.raises(TransitionNotAllowed, match="已开始评分"):
            actions.delegation_grant(hongqi_assessment, acting_user=assessor, delegates=[delegate])


class TestObjections:
    @pytest.fixture
    def result(self, weihui_assessment, assessor, team_member):
        return confirmed(weihui_assessment, assessor, team_member)

    def test_head_objects_assessor_rejects_and_the_result_stands(self, result, head_weihui, assessor):
        item = result.year.items.get(name="待遇发放情况")
        objection = actions.objection_raise(result, acting_user=head_weihui, items=[item], text="扣分依据不足")
        assert Notification.objects.filter(recipient=assessor, title__contains="提出异议").exists()
        with pytest.raises(TransitionNotAllowed, match="待答复"):
            actions.objection_raise(result, acting_user=head_weihui, items=[], text="再提一次")
        actions.objection_answer(objection, acting_user=assessor, upheld=False, text="经复核，维持原评分")
        objection.refresh_from_db()
        result.refresh_from_db()
        assert objection.status == Objection.Status.REJECTED and objection.answered_by == assessor
        assert result.status == Assessment.Status.CONFIRMED
        assert Notification.objects.filter(recipient=head_weihui, title__contains="异议已答复").exists()

    def test_upheld_objection_reopens_the_contested_track_and_the_change_is_reasoned(
        self, result, head_weihui, assessor, team_member
    ):
        item = result.year.items.get(name="待遇发放情况")  # a target-management item
        objection = actions.objection_raise(result, acting_user=head_weihui, items=[item], text="银行故障所致")
        actions.objection_answer(objection, acting_user=assessor, upheld=True, text="异议成立，请考核小组复核")
        result.refresh_from_db()
        assert result.status == Assessment.Status.SCORING
        assert result.target_submitted_at is None and result.basic_submitted_at is not None
        assert result.history.first().history_change_reason.startswith("重新打开：异议成立")
        score = result.scores.get(item=item)
        actions.score_set(score, acting_user=team_member, points=score.max_points, comment="复核后不扣分")
        actions.track_submit(result, Track.TARGET, acting_user=team_member)
        actions.assessment_confirm(result, acting_user=assessor)

    def test_only_the_own_county_head_within_the_window(self, result, head_huixian, staff_weihui, head_weihui):
        for user in (head_huixian, staff_weihui):
            with pytest.raises(PermissionDenied):
                actions.objection_raise(result, acting_user=user, items=[], text="x")
        late = timezone.now() + datetime.timedelta(days=11)
        with pytest.raises(TransitionNotAllowed, match="异议期"):
            actions.objection_raise(result, acting_user=head_weihui, items=[], text="x", at=late)

    def test_no_objection_before_confirmation(self, weihui_assessment, head_weihui):
        with pytest.raises(TransitionNotAllowed, match="异议期"):
            actions.objection_raise(weihui_assessment, acting_user=head_weihui, items=[], text="x")

    def test_open_objection_blocks_publication(self, result, head_weihui):
        actions.objection_raise(result, acting_user=head_weihui, items=[], text="总体有异议")
        problems = actions.publication_problems(result.year, timezone.localdate() + datetime.timedelta(days=30))
        assert any("待答复的异议" in p for p in problems)

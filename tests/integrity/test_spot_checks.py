from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integrity import actions
from integrity.models import SpotCheck, SpotCheckIssue
from supervision.models import Finding, Notification
from supervision.models.findings import local_today
from supervision.workflow import TransitionNotAllowed

pytestmark = pytest.mark.django_db


def create(user, agency, **fields) -> SpotCheck:
    values = {
        "business_area": SpotCheck.BusinessArea.BENEFIT_REVIEW,
        "subject": "新增退休人员待遇核定档案",
        "period_start": datetime.date(2025, 10, 1),
        "period_end": datetime.date(2025, 12, 31),
        "checked_on": local_today(),
        "population": 120,
        "sample_size": 20,
    }
    values.update(fields)
    return actions.spot_check_create(acting_user=user, agency=agency, **values)


def add_issue(spot_check, user, title="缺少审批表") -> SpotCheckIssue:
    return actions.spot_check_add_issue(
        spot_check,
        acting_user=user,
        article="第七条（四）",
        title=title,
        description="仅有经办人意见。",
        file_reference="WH-0087",
    )


@pytest.fixture
def spot_check(org, inspector):
    return create(inspector, org.weihui)


def test_feed_back_turns_each_active_issue_into_one_finding(spot_check, inspector, head_weihui):
    first = add_issue(spot_check, inspector, "缺少审批表")
    second = add_issue(spot_check, inspector, "未立卷")
    withdrawn = add_issue(spot_check, inspector, "录入错误的问题")
    actions.spot_check_withdraw_issue(withdrawn, acting_user=inspector, reason="误登")
    findings = actions.spot_check_feed_back(
        spot_check, acting_user=inspector, deadline=local_today() + datetime.timedelta(days=30)
    )
    assert len(findings) == 2
    issue_type = ContentType.objects.get_for_model(SpotCheckIssue)
    for issue in (first, second):
        issue.refresh_from_db()
        finding = Finding.objects.get(source_type=issue_type, source_id=issue.pk)
        assert issue.finding == finding
        assert finding.source == Finding.Source.SPOT_CHECK
        assert "WH-0087" in finding.description
    withdrawn.refresh_from_db()
    assert withdrawn.finding is None
    assert Notification.objects.filter(recipient=head_weihui, title__startswith="业务抽查情况反馈").exists()
    with pytest.raises(TransitionNotAllowed):
        actions.spot_check_feed_back(spot_check, acting_user=inspector, deadline=local_today())
    assert Finding.objects.count() == 2
    with pytest.raises(TransitionNotAllowed):
        add_issue(spot_check, inspector)


def test_report_to_the_leader_after_feedback_only(spot_check, inspector, leader):
    with pytest.raises(TransitionNotAllowed):
        actions.spot_check_report(spot_check, acting_user=inspector, to=leader.person, text="报告")
    actions.spot_check_feed_back(spot_check, acting_user=inspector, deadline=local_today())
    actions.spot_check_report(spot_check, acting_user=inspector, to=leader.person, text="抽查20件，未发现问题。")
    spot_check.refresh_from_db()
    assert spot_check.status == SpotCheck.Status.REPORTED
    assert Notification.objects.filter(recipient=leader, title__startswith="业务抽查情况报告").exists()


def test_only_inspectors_reaching_the_agency_spot_check(org, head_weihui, spot_check):
    with pytest.raises(PermissionDenied):
        create(head_weihui, org.weihui)
    with pytest.raises(PermissionDenied):
        add_issue(spot_check, head_weihui)


class TestPages:
    def test_create_through_the_form(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:spot_check_new"),
            {
                "agency": org.weihui.pk,
                "business_area": SpotCheck.BusinessArea.REGISTRATION,
                "subject": "参保登记档案",
                "period_start": "2025-01-01",
                "period_end": "2025-06-30",
                "checked_on": local_today().isoformat(),
                "population": 50,
                "sample_size": 10,
            },
        )
        spot_check = SpotCheck.objects.get()
        assert response["Location"] == reverse("integrity:spot_check_detail", args=[spot_check.pk])

    def test_sample_larger_than_population_is_refused(self, client, org, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:spot_check_new"),
            {
                "agency": org.weihui.pk,
                "business_area": SpotCheck.BusinessArea.REGISTRATION,
                "subject": "参保登记档案",
                "period_start": "2025-01-01",
                "period_end": "2025-06-30",
                "checked_on": local_today().isoformat(),
                "population": 5,
                "sample_size": 10,
            },
        )
        assert response.status_code == 400
        assert "抽查件数不能多于业务总量" in response.content.decode()
        assert not SpotCheck.objects.exists()

    def test_draft_is_hidden_from_the_agency_fed_back_is_shown(
        self, client, spot_check, inspector, head_weihui, head_huixian
    ):
        client.force_login(head_weihui)
        url = reverse("integrity:spot_check_detail", args=[spot_check.pk])
        assert client.get(url).status_code == 404
        actions.spot_check_feed_back(spot_check, acting_user=inspector, deadline=local_today())
        assert client.get(url).status_code == 200
        assert spot_check.subject in client.get(reverse("integrity:spot_check_list")).content.decode()
        client.force_login(head_huixian)
        assert client.get(url).status_code == 404

    def test_issue_feedback_and_report_through_the_page(self, client, spot_check, inspector, leader):
        client.force_login(inspector)
        detail = reverse("integrity:spot_check_detail", args=[spot_check.pk])
        response = client.post(
            reverse("integrity:spot_check_issue_add", args=[spot_check.pk]),
            {"article": "第七条（四）", "severity": "minor", "title": "缺少审批表", "description": "说明"},
        )
        assert response["Location"] == detail
        response = client.post(
            reverse("integrity:spot_check_feedback", args=[spot_check.pk]),
            {"deadline": (local_today() + datetime.timedelta(days=5)).isoformat(), "version": spot_check.version},
            follow=True,
        )
        assert "发现的问题已下达整改要求" in response.content.decode()
        spot_check.refresh_from_db()
        response = client.post(
            reverse("integrity:spot_check_report", args=[spot_check.pk]),
            {"to": leader.person.pk, "text": "已反馈。", "version": spot_check.version},
        )
        spot_check.refresh_from_db()
        assert spot_check.status == SpotCheck.Status.REPORTED

    def test_issue_without_description_writes_nothing(self, client, spot_check, inspector):
        client.force_login(inspector)
        response = client.post(
            reverse("integrity:spot_check_issue_add", args=[spot_check.pk]), {"article": "第七条（四）", "title": "x"}
        )
        assert response.status_code == 400
        assert not SpotCheckIssue.objects.exists()

    def test_wrong_method_and_rights(self, client, spot_check, inspector, head_weihui):
        client.force_login(inspector)
        assert client.get(reverse("integrity:spot_check_feedback", args=[spot_check.pk])).status_code == 405
        actions.spot_check_feed_back(spot_check, acting_user=inspector, deadline=local_today())
        client.force_login(head_weihui)
        response = client.post(reverse("integrity:spot_check_report", args=[spot_check.pk]), {"text": "x"})
        assert response.status_code == 403
        assert client.get(reverse("integrity:spot_check_new")).status_code == 403

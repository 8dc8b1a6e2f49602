from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from integrity import actions
from integrity.models import ServiceCommitment, ServiceRule
from supervision.actions.accountability import accountability_record
from supervision.models import AccountabilityRecord
from supervision.models.findings import local_today
from tests.factories import verify_two_factor
from tests.integrity.factories import grant
from tests.supervision.factories import raise_finding

pytestmark = pytest.mark.django_db


def commit(user, agency, **fields) -> ServiceCommitment:
    values = {
        "item": "养老保险关系转移接续",
        "time_limit": 15,
        "time_unit": "working_days",
        "commitment": "15个工作日内办结。",
    }
    values.update(fields)
    return actions.service_commitment_save(None, acting_user=user, agency=agency, **values)


class TestCommitments:
    def test_head_keeps_own_agencys_commitments(self, org, head_weihui, head_huixian, inspector):
        commitment = commit(head_weihui, org.weihui)
        assert commitment.time_limit_display == "15 个工作日"
        for user in (head_huixian, inspector):
            with pytest.raises(PermissionDenied):
                commit(user, org.weihui)

    def test_on_the_spot_needs_no_number(self, org, head_weihui):
        commitment = commit(head_weihui, org.weihui, item="参保登记", time_limit=None, time_unit="on_the_spot")
        assert commitment.time_limit_display == "即时办结"

    def test_withdrawn_commitment_is_kept_and_locked(self, client, org, head_weihui):
        commitment = commit(head_weihui, org.weihui)
        client.force_login(head_weihui)
        client.post(reverse("integrity:service_commitment_withdraw", args=[commitment.pk]), {"reason": "事项下放"})
        commitment.refresh_from_db()
        assert (commitment.is_active, commitment.withdraw_reason) == (False, "事项下放")
        assert client.get(reverse("integrity:service_commitment_detail", args=[commitment.pk])).status_code == 200

    def test_pages(self, client, org, head_weihui, head_huixian, staff_weihui, inspector):
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:service_commitment_new"),
            {"agency": org.weihui.pk, "item": "退休待遇核定", "time_limit": 10, "time_unit": "working_days",
             "commitment": "10个工作日内办结。", "effective_on": local_today().isoformat()},
        )  # fmt: skip
        commitment = ServiceCommitment.objects.get()
        assert response["Location"] == reverse("integrity:service_commitment_detail", args=[commitment.pk])
        response = client.post(
            reverse("integrity:service_commitment_new"),
            {"agency": org.weihui.pk, "item": "x", "time_unit": "working_days", "commitment": "x",
             "effective_on": local_today().isoformat()},
        )  # fmt: skip
        assert response.status_code == 400 and "请填写承诺时限" in response.content.decode()
        client.force_login(inspector)
        assert "退休待遇核定" in client.get(reverse("integrity:service")).content.decode()
        assert client.get(reverse("integrity:service_commitment_edit", args=[commitment.pk])).status_code == 403
        client.force_login(staff_weihui)
        assert client.get(reverse("integrity:service_commitment_new")).status_code == 403
        client.force_login(head_huixian)
        assert client.get(reverse("integrity:service_commitment_detail", args=[commitment.pk])).status_code == 404
        assert "退休待遇核定" not in client.get(reverse("integrity:service")).content.decode()

    def test_edit_with_stale_version_shows_conflict(self, client, org, head_weihui):
        commitment = commit(head_weihui, org.weihui)
        actions.service_commitment_save(commitment, acting_user=head_weihui, version=1, item="改过的事项")
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:service_commitment_edit", args=[commitment.pk]),
            {"item": "旧页面", "time_limit": 5, "time_unit": "working_days", "commitment": "x",
             "effective_on": local_today().isoformat(), "version": 1},
        )  # fmt: skip
        assert "已被他人修改" in response.content.decode()
        commitment.refresh_from_db()
        assert commitment.item == "改过的事项"


class TestRules:
    def test_rules_on_record_and_repealed(self, client, org, head_weihui):
        client.force_login(head_weihui)
        response = client.post(
            reverse("integrity:service_rule_new"),
            {"agency": org.weihui.pk, "kind": ServiceRule.Kind.FIRST_INQUIRY, "title": "首问负责制实施办法",
             "content": "首位接待的工作人员为首问责任人。", "effective_on": local_today().isoformat()},
        )  # fmt: skip
        rule = ServiceRule.objects.get()
        assert response["Location"] == reverse("integrity:service_rule_detail", args=[rule.pk])
        client.post(reverse("integrity:service_rule_repeal", args=[rule.pk]), {"reason": "已修订"})
        rule.refresh_from_db()
        assert not rule.is_active
        assert client.get(reverse("integrity:service_rule_repeal", args=[rule.pk])).status_code == 405


class TestAccountability:
    def test_list_detail_and_new_are_restricted(self, client, org, inspector, head_weihui, admin_user):
        finding = raise_finding(inspector, org.weihui)
        record = accountability_record(
            acting_user=admin_user,
            agency=org.weihui,
            breach="违反首问负责制。",
            decision="批评教育。",
            consequence=AccountabilityRecord.Consequence.CRITICISM,
            decided_by="卫辉市社会保险中心",
            decided_on=local_today(),
            source_record=finding,
        )
        for user in (inspector, head_weihui):
            client.force_login(user)
            assert client.get(reverse("integrity:accountability_list")).status_code == 403
            assert client.get(reverse("integrity:accountability_detail", args=[record.pk])).status_code == 404
            assert client.get(reverse("integrity:accountability_new")).status_code == 403
            assert "责任追究" not in client.get(reverse("integrity:index")).content.decode()
        verify_two_factor(client, admin_user)
        assert "违反首问负责制" not in client.get(reverse("integrity:accountability_list")).content.decode()
        body = client.get(reverse("integrity:accountability_detail", args=[record.pk])).content.decode()
        assert "违反首问负责制" in body and reverse("findings:detail", args=[finding.pk]) in body

    def test_granted_user_records_one_linked_to_a_finding(self, client, org, inspector, leader, staff_weihui):
        finding = raise_finding(inspector, org.weihui)
        leader = grant(leader, "supervision.view_accountabilityrecord", "supervision.add_accountabilityrecord")
        client.force_login(leader)
        assert client.get(reverse("integrity:accountability_new"), {"finding": finding.pk}).status_code == 200
        response = client.post(
            reverse("integrity:accountability_new"),
            {"agency": org.weihui.pk, "person": staff_weihui.person.pk, "finding": finding.pk,
             "breach": "支出审批不严。", "decision": "调离工作岗位。", "consequence": "transfer",
             "decided_by": "卫辉市人力资源和社会保障局", "decided_on": local_today().isoformat()},
        )  # fmt: skip
        record = AccountabilityRecord.objects.get()
        assert response["Location"] == reverse("integrity:accountability_detail", args=[record.pk])
        assert record.source_record == finding and record.person == staff_weihui.person
        body = client.get(reverse("integrity:accountability_detail", args=[record.pk])).content.decode()
        assert "人事管理有关规定" in body
        assert "调离工作岗位" in client.get(reverse("integrity:accountability_list")).content.decode()

    def test_finding_of_another_agency_is_refused(self, client, org, inspector, leader):
        finding = raise_finding(inspector, org.huixian)
        leader = grant(leader, "supervision.view_accountabilityrecord", "supervision.add_accountabilityrecord")
        client.force_login(leader)
        response = client.post(
            reverse("integrity:accountability_new"),
            {"agency": org.weihui.pk, "finding": finding.pk, "breach": "x", "decision": "x", "consequence": "criticism",
             "decided_by": "x", "decided_on": (local_today() - datetime.timedelta(days=1)).isoformat()},
        )  # fmt: skip
        assert response.status_code == 400
        assert "须属于同一单位" in response.content.decode()
        assert not AccountabilityRecord.objects.exists()

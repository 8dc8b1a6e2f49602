"""Every list of the app answers with the same number of SQL queries for few and for many rows."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from integrity import actions
from integrity.models import IntegrityTalk, ReportPeriod, RiskCategory, ServiceRule, SpotCheck
from supervision.actions.accountability import accountability_record
from supervision.models import AccountabilityRecord
from supervision.models.findings import local_today
from tests.factories import AgencyFactory, DivisionFactory, PersonFactory
from tests.integrity.factories import grant, make_risk, record_talk

pytestmark = pytest.mark.django_db


def new_agency(org):
    return AgencyFactory(division=DivisionFactory(city=org.city))


def spot_checks(org, admin, index):
    agency = new_agency(org)
    check = actions.spot_check_create(
        acting_user=admin, agency=agency, business_area=SpotCheck.BusinessArea.OTHER, subject=f"抽查{index}",
        period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 12, 31), checked_on=local_today(), sample_size=5,
    )  # fmt: skip
    actions.spot_check_add_issue(check, acting_user=admin, article="第七条（四）", title="问题", description="说明")
    actions.spot_check_feed_back(check, acting_user=admin, deadline=local_today())


def risk_reports(org, admin, index):
    agency = new_agency(org)
    risk = make_risk(admin, agency)
    actions.risk_report_save(
        None,
        acting_user=admin,
        agency=agency,
        year=2025,
        period=ReportPeriod.ANNUAL,
        title=f"报告{index}",
        analysis="x",
        risks=[risk],
    )


def plans(org, admin, index):
    agency = new_agency(org)
    actions.plan_save(
        None, acting_user=admin, agency=agency, title=f"预案{index}", category=RiskCategory.FUND_SAFETY, triggers="x", steps="x",
        responsible=PersonFactory(agency=agency), risks=[make_risk(admin, agency)],
    )  # fmt: skip


def service(org, admin, index):
    agency = new_agency(org)
    actions.service_commitment_save(
        None,
        acting_user=admin,
        agency=agency,
        item=f"事项{index}",
        time_limit=5,
        time_unit="working_days",
        commitment="x",
    )
    actions.service_rule_save(
        None, acting_user=admin, agency=agency, kind=ServiceRule.Kind.FIRST_INQUIRY, title="首问", content="x"
    )


def accountability(org, admin, index):
    agency = new_agency(org)
    accountability_record(
        acting_user=admin, agency=agency, person=PersonFactory(agency=agency), breach="x", decision="x",
        consequence=AccountabilityRecord.Consequence.CRITICISM, decided_by="x", decided_on=local_today(),
    )  # fmt: skip


def assignments(org, admin, index):
    agency = new_agency(org)
    actions.assignment_save(
        None, acting_user=admin, person=PersonFactory(agency=agency), year=2026, post="岗", business_duties="x",
        integrity_duties="x", assigned_by=PersonFactory(agency=agency),
    )  # fmt: skip


def commitments(org, admin, index):
    agency = new_agency(org)
    actions.commitments_issue(acting_user=admin, people=[PersonFactory(agency=agency)], year=2026, text="承诺")


def talks(org, admin, index):
    agency = new_agency(org)
    talk = record_talk(admin, PersonFactory(agency=agency))
    actions.talk_follow_up(talk, acting_user=admin, happened_on=local_today(), text="x")


def search_hits(org, admin, index):
    agency = new_agency(org)
    make_risk(admin, agency, title=f"查找风险{index}")
    actions.service_commitment_save(
        None, acting_user=admin, agency=agency, item=f"查找事项{index}", time_limit=5, time_unit="days", commitment="x"
    )
    record_talk(admin, PersonFactory(agency=agency), reason="查找")


LEADER_PERMS = (
    "integrity.view_integritytalk",
    "supervision.view_accountabilityrecord",
)

CASES = [
    ("integrity:spot_check_list", spot_checks, "inspector", {}),
    ("integrity:risk_report_list", risk_reports, "inspector", {}),
    ("integrity:plan_list", plans, "inspector", {}),
    ("integrity:service", service, "inspector", {}),
    ("integrity:accountability_list", accountability, "leader", {}),
    ("integrity:assignment_list", assignments, "leader", {}),
    ("integrity:commitment_list", commitments, "leader", {}),
    ("integrity:talk_list", talks, "leader", {}),
    ("integrity:search", search_hits, "leader", {"q": "查找"}),
]


@pytest.mark.parametrize(("url_name", "build", "persona", "params"), CASES, ids=[case[0] for case in CASES])
def test_list_query_count_does_not_grow(
    request, client, org, admin_user, url_name, build, persona, params, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    if persona == "leader":
        user = grant(user, *LEADER_PERMS)
    client.force_login(user)
    url = reverse(url_name)
    build(org, admin_user, 0)
    assert client.get(url, params).status_code == 200
    with django_assert_max_num_queries(30) as small:
        client.get(url, params)
    for index in range(1, 13):
        build(org, admin_user, index)
    with django_assert_max_num_queries(30) as large:
        body = client.get(url, params).content.decode()
    assert len(small.captured_queries) == len(large.captured_queries), url_name
    assert "共 13 条" in body or url_name in {"integrity:search", "integrity:service"}, url_name


def test_talk_kinds_are_all_listed(client, org, admin_user, leader):
    leader = grant(leader, "integrity.view_integritytalk")
    for kind in IntegrityTalk.Kind.values:
        record_talk(admin_user, PersonFactory(agency=org.weihui), kind=kind)
    client.force_login(leader)
    body = client.get(reverse("integrity:talk_list")).content.decode()
    for label in IntegrityTalk.Kind.labels:
        assert str(label) in body

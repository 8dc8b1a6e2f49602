"""The overview, the dashboard counts, the admin pages, and every page with the demo data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from supervision.models import (
    Channel,
    CorrectionOrder,
    Disclosure,
    FundInspection,
    GuidanceVisit,
    HandlingDecision,
    Inquiry,
    MaterialSeal,
    SemiannualReport,
    SupervisionActivity,
)
from tests.factories import verify_two_factor
from tests.oversight.factories import open_report, submit_report

pytestmark = pytest.mark.django_db


def test_overview_and_dashboard_for_head_and_reviewer(client, org, head_weihui, reviewer_weihui):
    submit_report(open_report(org.weihui), head_weihui)
    client.force_login(reviewer_weihui)
    body = client.get(reverse("dashboard")).content.decode()
    assert "待我审阅的半年汇报" in body
    assert client.get(reverse("oversight:index")).status_code == 200
    client.force_login(head_weihui)
    body = client.get(reverse("dashboard")).content.decode()
    assert "待报送的半年汇报" in body
    assert "监督检查" in body  # the navigation entry


def test_overview_refuses_users_with_neither_an_agency_nor_a_channel(client, outsider, supervisor_user):
    for user in (outsider, supervisor_user):
        client.force_login(user)
        assert client.get(reverse("oversight:index")).status_code == 403
    assert client.post(reverse("oversight:index")).status_code == 405


def test_admin_lists_every_supervision_model(client, admin_user):
    verify_two_factor(client, admin_user)
    for model in ("supervisionactivity", "semiannualreport", "guidancevisit", "fundinspection", "disclosure"):
        assert client.get(reverse(f"admin:supervision_{model}_changelist")).status_code == 200, model


@pytest.mark.django_db
def test_the_demo_has_every_state_the_issue_asks_for_and_every_page_renders(demo_database):
    assert set(SupervisionActivity.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(SemiannualReport.objects.values_list("status", flat=True)) == set(SemiannualReport.Status.values)
    assert SemiannualReport.objects.overdue().exists()
    assert SemiannualReport.objects.filter(events__kind="returned", status="accepted").exists()
    assert set(GuidanceVisit.objects.values_list("status", flat=True)) >= {"planned", "done"}
    published = FundInspection.objects.get(disclosure__status=Disclosure.Status.PUBLISHED)
    assert MaterialSeal.objects.filter(material__inspection=published, released_on__isnull=True).exists()
    assert MaterialSeal.objects.filter(material__inspection=published, released_on__isnull=False).exists()
    assert Inquiry.objects.filter(inspection=published).exists()
    assert CorrectionOrder.objects.filter(inspection=published).exists()
    assert HandlingDecision.objects.filter(inspection=published).exists()
    assert FundInspection.objects.filter(status=FundInspection.Status.IN_PROGRESS).exists()
    # One seeding for both checks: it renders PDFs and takes a few seconds.
    _every_page_renders_for_the_demo_accounts(Client())


def _every_page_renders_for_the_demo_accounts(client: Client) -> None:
    activity = SupervisionActivity.objects.filter(channel=Channel.LEGISLATIVE).first()
    report = SemiannualReport.objects.filter(agency__division__name="卫辉市", status="submitted").get()
    visit = GuidanceVisit.objects.filter(status="done").first()
    inspection = FundInspection.objects.get(disclosure__isnull=False)
    inquiry = Inquiry.objects.first()
    pages = {
        "inspector": [
            reverse("oversight:index"),
            reverse("oversight:activity_list"),
            reverse("oversight:activity_new"),
            reverse("oversight:activity_detail", args=[activity.pk]),
            reverse("oversight:activity_edit", args=[activity.pk]),
            reverse("oversight:activity_finding", args=[activity.pk]),
            reverse("oversight:report_list"),
            reverse("oversight:report_list") + "?overdue=yes",
            reverse("oversight:report_detail", args=[report.pk]),
            reverse("oversight:visit_list"),
            reverse("oversight:visit_new"),
            reverse("oversight:visit_detail", args=[visit.pk]),
            reverse("oversight:visit_finding", args=[visit.pk]),
            reverse("oversight:inspection_list"),
            reverse("oversight:inspection_new"),
            reverse("oversight:inspection_detail", args=[inspection.pk]),
            reverse("oversight:inquiry_detail", args=[inquiry.pk]),
            reverse("dashboard"),
        ],
        "head_weihui": [
            reverse("oversight:report_list"),
            reverse("oversight:inspection_detail", args=[inspection.pk]),
            reverse("dashboard"),
        ],
        "bureau_weihui": [reverse("oversight:report_detail", args=[report.pk]), reverse("dashboard")],
        "supervisor": [reverse("oversight:index"), reverse("oversight:activity_list"), reverse("dashboard")],
        "committee": [reverse("oversight:activity_list")],
    }
    for username, urls in pages.items():
        client.force_login(User.objects.get(username=username))
        for url in urls:
            assert client.get(url).status_code == 200, (username, url)
    client.logout()
    disclosure = Disclosure.objects.get()
    for url in (reverse("disclosure:list"), reverse("disclosure:detail", args=[disclosure.public_id])):
        assert client.get(url).status_code == 200
    for language in ("en", "zh-hans"):
        client.cookies["django_language"] = language
        assert client.get(reverse("disclosure:list")).status_code == 200

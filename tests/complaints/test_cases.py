"""Reconsideration and litigation (第十七条): recorded against an agency, with per-agency per-year statistics."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from complaints import actions
from complaints.models import ReviewCase
from supervision.workflow import EditConflict
from tests.complaints.factories import accepted

pytestmark = pytest.mark.django_db


def record(user, agency, **fields) -> ReviewCase:
    values = {
        "kind": ReviewCase.Kind.RECONSIDERATION,
        "applicant_type": ReviewCase.ApplicantType.INDIVIDUAL,
        "applicant_name": "王志强",
        "subject": ReviewCase.Subject.BENEFIT,
        "body": "卫辉市人民政府",
        "case_number": "卫政复决〔2026〕8号",
        "filed_on": datetime.date(2026, 3, 2),
    }
    values.update(fields)
    return actions.review_case_record(acting_user=user, agency=agency, **values)


def form_data(org, **overrides):
    data = {
        "kind": ReviewCase.Kind.LITIGATION,
        "agency": org.huixian.pk,
        "applicant_type": ReviewCase.ApplicantType.EMPLOYER,
        "applicant_name": "辉县市某建材有限公司",
        "subject": ReviewCase.Subject.CONTRIBUTION,
        "summary": "不服社会保险费核定。",
        "body": "辉县市人民法院",
        "case_number": "（2026）豫0782行初15号",
        "filed_on": "2026-04-01",
        "accepted_on": "2026-04-08",
        "decided_on": "",
        "outcome": ReviewCase.Outcome.PENDING,
        "outcome_note": "",
        "complaint_number": "",
    }
    data.update(overrides)
    return data


def test_handler_records_a_lawsuit_linked_to_a_complaint(client, org, handler):
    complaint = accepted(org, handler, unit=org.huixian)
    client.force_login(handler)
    response = client.post(reverse("complaints:case_new"), form_data(org, complaint_number=complaint.number.lower()))
    assert response.status_code == 302
    case = ReviewCase.objects.get()
    assert (case.agency, case.complaint, case.recorded_by) == (org.huixian, complaint, handler)
    assert case.history.count() == 1
    body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "行政诉讼" in body


def test_outcome_is_recorded_later_with_its_date(client, org, handler):
    case = record(handler, org.weihui)
    client.force_login(handler)
    url = reverse("complaints:case_update", args=[case.pk])
    data = form_data(
        org, kind=case.kind, agency=org.weihui.pk, outcome=ReviewCase.Outcome.REVOKED, version=case.version
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert "已有结果的案件须填写决定（判决）日期" in response.content.decode()
    case.refresh_from_db()
    assert case.outcome == ReviewCase.Outcome.PENDING
    data["decided_on"] = "2026-06-30"
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.outcome == ReviewCase.Outcome.REVOKED and case.is_corrected and case.version == 2
    with pytest.raises(EditConflict):
        actions.review_case_update(case, acting_user=handler, version=1, outcome_note="旧页面")


def test_bad_dates_are_refused(client, org, handler):
    client.force_login(handler)
    response = client.post(reverse("complaints:case_new"), form_data(org, accepted_on="2026-03-01"))
    assert response.status_code == 400
    assert "不能早于申请（起诉）日期" in response.content.decode()
    assert not ReviewCase.objects.exists()


def test_statistics_per_agency_per_year(client, org, handler):
    record(handler, org.weihui, outcome=ReviewCase.Outcome.REVOKED, decided_on=datetime.date(2026, 5, 1))
    record(handler, org.weihui, outcome=ReviewCase.Outcome.UPHELD, decided_on=datetime.date(2026, 5, 2))
    record(handler, org.weihui, kind=ReviewCase.Kind.LITIGATION, body="卫辉市人民法院")
    record(handler, org.huixian, subject=ReviewCase.Subject.CONTRIBUTION)
    record(handler, org.weihui, filed_on=datetime.date(2025, 7, 1))
    client.force_login(handler)
    response = client.get(reverse("complaints:case_stats"), {"year": 2026})
    rows = {row["agency__name"]: row for row in response.context["rows"]}
    weihui = rows["卫辉市社会保险中心"]
    assert (weihui["total"], weihui["reconsideration"], weihui["litigation"]) == (3, 2, 1)
    assert (weihui["decided"], weihui["corrected"], weihui["pending"], weihui["rate"]) == (2, 1, 1, 50.0)
    assert rows["辉县市社会保险中心"]["total"] == 1
    assert response.context["totals"]["total"] == 4
    previous = client.get(reverse("complaints:case_stats"), {"year": 2025}).context["rows"]
    assert [row["total"] for row in previous] == [1]


def test_county_head_sees_and_records_only_their_own_agency(client, org, handler, head_weihui, head_huixian):
    own = record(handler, org.weihui)
    other = record(handler, org.huixian)
    client.force_login(head_weihui)
    body = client.get(reverse("complaints:case_list")).content.decode()
    assert reverse("complaints:case_detail", args=[own.pk]) in body
    assert reverse("complaints:case_detail", args=[other.pk]) not in body
    assert client.get(reverse("complaints:case_detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("complaints:case_new"), form_data(org))  # 辉县市: not theirs
    assert response.status_code == 400
    with pytest.raises(PermissionDenied):
        record(head_weihui, org.huixian)
    stats = client.get(reverse("complaints:case_stats"), {"year": 2026}).context["rows"]
    assert [row["agency__name"] for row in stats] == ["卫辉市社会保险中心"]


def test_others_get_403_and_updates_are_post_only(client, org, handler, inspector, staff_weihui):
    case = record(handler, org.weihui)
    client.force_login(inspector)
    assert client.get(reverse("complaints:case_list")).status_code == 403
    assert client.get(reverse("complaints:case_detail", args=[case.pk])).status_code == 403
    client.force_login(staff_weihui)
    assert client.post(reverse("complaints:case_update", args=[case.pk]), {}).status_code == 403
    client.force_login(handler)
    assert client.get(reverse("complaints:case_update", args=[case.pk])).status_code == 405


def test_export(client, org, handler):
    record(handler, org.weihui, applicant_name="=cmd|' /C calc'!A0")
    client.force_login(handler)
    response = client.get(reverse("complaints:case_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "行政复议" and rows[0][3].startswith("'=")


def test_case_list_query_count_does_not_grow(client, org, handler, django_assert_max_num_queries):
    client.force_login(handler)
    url = reverse("complaints:case_list")
    record(handler, org.weihui)
    client.get(url)
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    for index in range(12):
        record(handler, org.huixian if index % 2 else org.weihui, case_number=f"案{index}")
    with django_assert_max_num_queries(15) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)

"""Supervision records built through the actions, as users would."""

from __future__ import annotations

import datetime
from typing import Any

from supervision.actions import oversight as actions
from supervision.models import Agency, Channel, FundInspection, SemiannualReport, SupervisionActivity
from supervision.models.findings import local_today
from supervision.models.oversight import ActivityKind

REPORT_DATA: dict[str, Any] = {
    "insured_count": 152300,
    "new_insured_count": 3120,
    "beneficiary_count": 41200,
    "contribution_income": "38650.20",
    "benefit_expenditure": "45210.75",
    "cases_handled": 18432,
    "complaints_received": 23,
    "narrative": "各项待遇按时足额发放，基金运行平稳。",
    "problems": "",
    "plans": "",
}


def record_activity(user: Any, subjects: list[Agency], **fields: Any) -> SupervisionActivity:
    values: dict[str, Any] = {
        "channel": Channel.LEGISLATIVE,
        "kind": ActivityKind.FIELD_INSPECTION,
        "body": "市人大常委会",
        "title": "市人大代表视察经办服务大厅",
        "held_on": local_today() - datetime.timedelta(days=3),
        "summary": "实地查看窗口设置。",
    }
    values.update(fields)
    return actions.activity_record(acting_user=user, subjects=subjects, **values)


def open_report(agency: Agency, year: int = 2026, half: int = 1) -> SemiannualReport:
    report, _created = actions.report_open(agency=agency, year=year, half=half)
    return report


def submit_report(report: SemiannualReport, head: Any) -> SemiannualReport:
    return actions.report_save(report, acting_user=head, data=dict(REPORT_DATA), submit=True)


def open_inspection(leader: Any, agencies: list[Agency], **fields: Any) -> FundInspection:
    today = local_today()
    values: dict[str, Any] = {
        "title": "2026年度社会保险基金专项检查",
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2025, 12, 31),
        "started_on": today - datetime.timedelta(days=10),
        "scope": "基金收支、管理情况",
    }
    values.update(fields)
    return actions.inspection_open(acting_user=leader, agencies=agencies, **values)


def register_material(inspection: FundInspection, user: Any, agency: Agency, *, seal: bool = False, **fields: Any):
    values: dict[str, Any] = {
        "name": "待遇发放审批台账",
        "quantity": "2册",
        "handling": "read",
        "registered_on": inspection.started_on,
    }
    values.update(fields)
    seal_data = None
    if seal:
        seal_data = {"seal_number": f"FC-{values['name'][:4]}-1", "place": "档案室", "sealed_on": inspection.started_on}
    return actions.material_register(inspection, acting_user=user, agency=agency, seal=seal_data, **values)


def conclude(inspection: FundInspection, user: Any, conclusion: str = "基金收支总体规范。") -> FundInspection:
    return actions.inspection_conclude(inspection, acting_user=user, ended_on=local_today(), conclusion=conclusion)


def publish(inspection: FundInspection, user: Any, **fields: Any):
    values = {"title": "卫辉市社会保险基金专项检查结果", "summary": "检查发现问题1项，已责令改正。"}
    values.update(fields)
    return actions.disclosure_publish(inspection, acting_user=user, **values)

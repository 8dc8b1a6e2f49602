"""Complaints as the public files them and handlers route them: through the real actions."""

from __future__ import annotations

from typing import Any

from captcha.models import CaptchaStore

from complaints import actions
from complaints.models import Complaint, ExternalBody
from supervision.models import Agency


def captcha_answer() -> dict[str, str]:
    """A fresh captcha and its right answer, read from the store as only the server knows it."""
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def intake_data(org: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": Complaint.Kind.REPORT,
        "city": org.city.pk,
        "agency": org.weihui.pk,
        "matter_type": Complaint.MatterType.BENEFIT,
        "title": "养老金被无故停发",
        "description": "2026年5月起我的养老金被停发，窗口人员不说明理由，多次询问无果。",
        "occurred_on": "2026-05-10",
        "consent": "on",
        **captcha_answer(),
    }
    data.update(overrides)
    return data


def submit(org: Any, **fields: Any) -> tuple[Complaint, str]:
    values = {
        "city": org.city,
        "kind": Complaint.Kind.COMPLAINT,
        "agency": org.weihui,
        "matter_type": Complaint.MatterType.BENEFIT,
        "title": "养老金被无故停发",
        "description": "2026年5月起我的养老金被停发，窗口人员不说明理由。",
        "contact_name": "张三",
        "contact_phone": "139 0373 1234",
        "wants_reply": True,
    }
    values.update(fields)
    return actions.complaint_submit(**values)


def external_body(org: Any, name: str = "新乡市医疗保障局", **fields: Any) -> ExternalBody:
    values = {
        "kind": ExternalBody.Kind.HEALTHCARE_SECURITY,
        "city": org.city,
        "address": "新乡市人民东路1号",
        "phone": "0373-1234567",
        "remit": "医疗保险、生育保险经办和医保基金监管",
    }
    values.update(fields)
    return ExternalBody.objects.get_or_create(name=name, defaults=values)[0]


def accepted(org: Any, handler: Any, unit: Agency | None = None, **fields: Any) -> Complaint:
    complaint, _code = submit(org, **fields)
    return actions.complaint_accept(complaint, acting_user=handler, unit=unit or org.weihui, working_days=10)

"""Demo complaints and reports in every state, the external bodies, and reconsideration and litigation cases.

Built through the actions as the public and the handlers would; dates are then moved into the past
so that the clocks, the overdue marks and the trend chart show something real. Each complaint is
keyed by its title, so running `seed_demo` twice changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from complaints import actions
from complaints.models import (
    ClockPause,
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    ExternalBody,
    ReviewCase,
    local_today,
    tracking_hash,
)
from supervision.models import AccountabilityRecord, Agency, City, Person
from supervision.workdays import add_working_days

# Tracking codes of two demo complaints, for trying the public tracking page (README).
DEMO_CODE_TRANSFERRED = "DEMO-TRAN-SFER-2026"
DEMO_CODE_REPLIED = "DEMO-REPL-IED0-2026"

BODIES = [
    ("新乡市医疗保障局", ExternalBody.Kind.HEALTHCARE_SECURITY, "医疗保险、生育保险的经办和医保基金监管；医疗费用报销。", "0373-2021001"),
    ("国家税务总局新乡市税务局", ExternalBody.Kind.TAX, "社会保险费的征收和欠费追缴。", "0373-12366"),
    ("新乡市劳动保障监察支队", ExternalBody.Kind.LABOUR_INSPECTION, "用人单位拖欠工资、未签劳动合同等劳动保障违法行为。", "0373-12333"),
    ("中共新乡市纪律检查委员会、新乡市监察委员会", ExternalBody.Kind.DISCIPLINE, "公职人员违纪违法问题。", "0373-12388"),
]  # fmt: skip


def _body(city: City, name: str, kind: str, remit: str, phone: str) -> ExternalBody:
    body, _ = ExternalBody.objects.get_or_create(
        name=name, defaults={"kind": kind, "city": city, "remit": remit, "phone": phone, "address": "新乡市"}
    )
    return body


def _agency(division: str) -> Agency:
    return Agency.objects.get(division__name=division, kind=Agency.Kind.COUNTY_AGENCY)


def _backdate(complaint: Complaint, days: int) -> None:
    """Move a freshly filed complaint `days` into the past (received, acceptance clock)."""
    when = timezone.now() - datetime.timedelta(days=days)
    day = timezone.localdate(when)
    due = add_working_days(day, settings.COMPLAINT_ACCEPT_WORKING_DAYS, complaint.city_id)
    number = f"{complaint.number[:2]}{day:%Y%m%d}{complaint.number[10:]}"
    Complaint.objects.filter(pk=complaint.pk).update(
        number=number, received_at=when, received_on=day, consent_at=when, accept_due=due
    )
    for event in complaint.events.filter(kind=ComplaintEvent.Kind.RECEIVED):
        event.public_text = event.public_text.replace(complaint.number, number)
        event.created_at = when
        event.save(update_fields=["public_text", "created_at"])
    complaint.refresh_from_db()


def _shift_handling(complaint: Complaint, days: int) -> None:
    """Move the handling dates back by `days` as well (accepted, replied, closed, transferred)."""
    complaint.refresh_from_db()
    delta = datetime.timedelta(days=days)
    updates: dict[str, Any] = {}
    for field in ("accepted_on", "reply_due", "replied_on", "closed_on", "transferred_on"):
        value = getattr(complaint, field)
        if value is not None:
            updates[field] = value - delta
    Complaint.objects.filter(pk=complaint.pk).update(**updates)
    for event in complaint.events.exclude(kind=ComplaintEvent.Kind.RECEIVED):
        ComplaintEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - delta)
    ClockPause.objects.filter(complaint=complaint).update(started_on=F("started_on") - delta)
    ComplaintLetter.objects.filter(complaint=complaint).update(issued_on=F("issued_on") - delta)
    complaint.refresh_from_db()


# (title, kind, division or None, matter, outcome, days ago, anonymous)
DEMO = [
    ("养老金自2026年5月起被停发", "complaint", "卫辉市", "benefit", "accepted", 6, False),
    ("窗口工作人员推诿，不一次性告知所需材料", "complaint", "卫辉市", "service", "replied", 20, False),
    ("养老保险关系转移接续办理超过三个月", "complaint", "卫辉市", "transfer", "closed", 75, False),
    ("有人冒领已故亲属的养老金", "report", "卫辉市", "fund", "reply_overdue", 50, True),
    ("同一人反映冒领养老金问题", "report", "卫辉市", "fund", "merged", 45, True),
    ("某公司未给员工缴纳社会保险", "report", "辉县市", "contribution", "received", 1, True),
    ("个人权益记录缴费月数少记12个月", "complaint", "辉县市", "records", "accept_overdue", 12, False),
    ("住院医疗费用报销被拒", "complaint", None, "other", "transferred", 30, False),
    ("社保费核定基数与工资不符，要求退费", "complaint", "红旗区", "contribution", "transferred_tax", 100, False),
    ("咨询灵活就业人员参保政策", "complaint", "红旗区", "other", "declined", 40, False),
    ("失业保险金申领材料要求过多", "complaint", "红旗区", "benefit", "paused", 15, False),
    ("工伤待遇核定结果有误", "complaint", "辉县市", "benefit", "closed_old", 160, False),
    ("经办人员办事收取好处费", "report", "辉县市", "integrity", "closed_old2", 220, True),
    ("社会保险登记办理被无故退回", "complaint", "卫辉市", "registration", "reopened", 90, False),
]  # fmt: skip


def seed_complaints(**_options: object) -> None:
    city = City.objects.get(code="410700")
    bodies = {name: _body(city, name, kind, remit, phone) for name, kind, remit, phone in BODIES}
    handler = User.objects.get(username="handler")
    head = User.objects.get(username="head_weihui")
    admin = User.objects.get(username="admin")
    made: dict[str, Complaint] = {}
    for title, kind, division, matter, outcome, ago, anonymous in DEMO:
        existing = Complaint.objects.filter(title=title).first()
        if existing is not None:
            made[outcome] = existing
            continue
        made[outcome] = _seed_one(
            city, bodies, handler, head, made, title, kind, division, matter, outcome, ago, anonymous
        )
    _seed_accountability(admin, made["closed"])
    _seed_cases(handler, made)


def _contact(anonymous: bool, index: int) -> dict[str, Any]:
    if anonymous:
        return {}
    return {
        "contact_name": ["张建国", "李秀英", "王志强", "刘丽娟", "陈海燕", "杨伟"][index % 6],
        "contact_phone": f"139037{31000 + index}",
        "wants_reply": True,
    }


def _seed_one(
    city: City,
    bodies: dict[str, ExternalBody],
    handler: User,
    head: User,
    made: dict[str, Complaint],
    title: str,
    kind: str,
    division: str | None,
    matter: str,
    outcome: str,
    ago: int,
    anonymous: bool,
) -> Complaint:
    agency = _agency(division) if division else None
    complaint, _code = actions.complaint_submit(
        city=city,
        kind=kind,
        agency=agency,
        matter_type=matter,
        title=title,
        description=f"{title}。具体情况：办事时间、地点和经过已在附件中说明，请依法调查处理。",
        occurred_on=local_today() - datetime.timedelta(days=ago + 10),
        **_contact(anonymous, len(made)),
    )
    _backdate(complaint, ago)
    unit = agency or Agency.objects.get(city=city, kind=Agency.Kind.CITY_AGENCY)
    if outcome in {"received", "accept_overdue"}:
        actions.mark_overdue_complaints()
        return complaint
    if outcome == "declined":
        actions.complaint_decline(
            complaint, acting_user=handler, reason="所反映的是政策咨询，不属于举报投诉，已电话告知办理渠道。"
        )
        _shift_handling(complaint, ago - 3)
        return complaint
    if outcome in {"transferred", "transferred_tax"}:
        body = bodies["新乡市医疗保障局" if outcome == "transferred" else "国家税务总局新乡市税务局"]
        actions.complaint_transfer(
            complaint,
            acting_user=handler,
            body=body,
            reason="所反映事项属于医疗保险报销，由医疗保障部门负责。"
            if outcome == "transferred"
            else "社会保险费的核定征收和退费由税务部门负责。",
        )
        _shift_handling(complaint, ago - 2)
        if outcome == "transferred":
            Complaint.objects.filter(pk=complaint.pk).update(tracking_hash=tracking_hash(DEMO_CODE_TRANSFERRED))
        return complaint
    if outcome == "merged":
        actions.complaint_merge(
            complaint, acting_user=handler, master=made["reply_overdue"], reason="反映同一冒领问题。"
        )
        return complaint
    actions.complaint_accept(complaint, acting_user=handler, unit=unit, working_days=20, note="请认真核实，依法处理。")
    if outcome == "paused":
        actions.complaint_pause(complaint, acting_user=handler, reason="等待反映人补充失业证明材料")
        _shift_handling(complaint, ago - 3)
        return complaint
    if outcome == "accepted":
        actions.complaint_note(complaint, acting_user=head, text="已调取停发记录：系待遇资格认证未通过所致，正在核实。")
        return complaint
    if outcome == "reply_overdue":
        actions.complaint_note(complaint, acting_user=head, text="已与死亡登记信息比对，初步确认存在冒领。")
        _shift_handling(complaint, ago - 2)
        actions.mark_overdue_complaints()
        return complaint
    responder = head if unit.division and unit.division.name == "卫辉市" else handler
    substantiation = (
        Complaint.Substantiation.SUBSTANTIATED if outcome in {"closed", "reopened"} else Complaint.Substantiation.PARTLY
    )
    actions.complaint_reply(
        complaint,
        acting_user=responder,
        text="经调查核实，反映的情况基本属实。已责成经办窗口整改，并向您当面说明办理要求。",
        substantiation=substantiation,
    )
    if outcome in {"closed", "closed_old", "closed_old2", "reopened"}:
        actions.complaint_close(complaint, acting_user=handler, note="已电话回访。")
        if outcome == "closed" and complaint.kind == Complaint.Kind.COMPLAINT:
            actions.complaint_rate(complaint, satisfaction=Complaint.Satisfaction.SATISFIED, comment="处理及时。")
            actions.complaint_raise_finding(complaint, acting_user=handler, article="第六条")
        if outcome == "reopened":
            actions.complaint_rate(
                complaint, satisfaction=Complaint.Satisfaction.DISSATISFIED, comment="登记至今仍未办理。"
            )
            actions.complaint_reopen(
                complaint, acting_user=handler, reason="反映人不满意，要求重新核查。", working_days=10
            )
    if outcome == "replied":
        Complaint.objects.filter(pk=complaint.pk).update(tracking_hash=tracking_hash(DEMO_CODE_REPLIED))
    _shift_handling(complaint, max(ago - 5, 0) if outcome != "reopened" else 0)
    return complaint


def _seed_accountability(admin: User, complaint: Complaint) -> None:
    if AccountabilityRecord.objects.filter(source_id=complaint.pk, source_label__contains=complaint.number).exists():
        return
    person = Person.objects.filter(agency=complaint.unit, position=Person.Position.STAFF).order_by("pk").first()
    actions.complaint_accountability(
        complaint,
        acting_user=admin,
        agency=complaint.unit,
        person=person,
        breach="违反限时办结制，转移接续手续超期三个月未办结。",
        decision="对经办人员进行诫勉谈话，责令书面检查。",
        consequence=AccountabilityRecord.Consequence.ADMONITION,
        decided_by="卫辉市人力资源和社会保障局",
        decided_on=local_today() - datetime.timedelta(days=20),
    )


def _seed_cases(handler: User, made: dict[str, Complaint]) -> None:
    year = local_today().year
    cases = [
        {
            "kind": ReviewCase.Kind.RECONSIDERATION,
            "agency": _agency("卫辉市"),
            "applicant_type": ReviewCase.ApplicantType.INDIVIDUAL,
            "applicant_name": "王志强",
            "subject": ReviewCase.Subject.TRANSFER,
            "summary": "申请人请求撤销经办机构不予办理养老保险关系转移接续的决定。",
            "body": "卫辉市人民政府",
            "case_number": f"卫政复决〔{year}〕8号",
            "filed_on": local_today() - datetime.timedelta(days=70),
            "accepted_on": local_today() - datetime.timedelta(days=65),
            "decided_on": local_today() - datetime.timedelta(days=10),
            "outcome": ReviewCase.Outcome.REVOKED,
            "outcome_note": "撤销原不予办理决定，责令重新办理。",
            "complaint": made.get("closed"),
        },
        {
            "kind": ReviewCase.Kind.LITIGATION,
            "agency": _agency("辉县市"),
            "applicant_type": ReviewCase.ApplicantType.EMPLOYER,
            "applicant_name": "辉县市某建材有限公司",
            "subject": ReviewCase.Subject.CONTRIBUTION,
            "summary": "原告不服社会保险费核定结果，请求撤销核定决定。",
            "body": "辉县市人民法院",
            "case_number": f"（{year}）豫0782行初15号",
            "filed_on": local_today() - datetime.timedelta(days=35),
            "accepted_on": local_today() - datetime.timedelta(days=30),
            "outcome": ReviewCase.Outcome.PENDING,
        },
    ]
    for fields in cases:
        if ReviewCase.objects.filter(case_number=fields["case_number"]).exists():
            continue
        agency = fields.pop("agency")
        actions.review_case_record(acting_user=handler, agency=agency, **fields)

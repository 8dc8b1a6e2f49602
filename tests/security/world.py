"""One city with every kind of record, built through the real actions, for the authorization matrix.

Two counties carry everything: 卫辉市 (county A, the county of the `head` and `staff` personas) and
辉县市 (county B, whose records are what a county-A head must never reach). Two vertically managed
districts carry the delegated assessments (红旗区 has a filing waiting for the bureau, 牧野区 a confirmed
result still to be filed). Every free-text field of county B, and the name of every person of county
B, contains `SECRET`, so a page that leaks county B's data to a county-A user is caught by its text,
not only by its status.

`World.a` and `World.b` hold the same records for each county (`Side`); `World.users` the personas,
keyed by the actor names of `tests.security.matrix.ACTORS`.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from captcha.models import CaptchaStore
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from assessment import actions as assessment_actions
from assessment import reports as assessment_reports
from assessment import resources as assessment_resources
from assessment.models import Assessment, AssessmentYear, Score, Track
from complaints import actions as complaint_actions
from complaints.models import Complaint, ComplaintLetter, ExternalBody, ReviewCase
from integrity import actions as integrity_actions
from integrity.demo import ensure_regulation_checklists
from integrity.models import Checklist, InspectionItemResult
from supervision.actions import attendance as attendance_actions
from supervision.actions import attendance_import as attendance_import_actions
from supervision.actions import findings as finding_actions
from supervision.actions import oversight as oversight_actions
from supervision.actions.accountability import accountability_record
from supervision.models import (
    Agency,
    Attachment,
    Channel,
    ChannelMembership,
    City,
    Division,
    Finding,
    LeaveKind,
    Notification,
    Person,
    VerticalManagement,
)
from supervision.models.attendance import Half
from supervision.models.oversight import ActivityKind, last_ended_period
from supervision.permissions import Role
from supervision.workdays import add_working_days, is_working_day
from tests.factories import make_user, verify_two_factor

SECRET = "乙县机密"

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def today() -> datetime.date:
    return timezone.localdate()


def sign_in_sheet(side: Side, day: datetime.date) -> SimpleUploadedFile:
    """An attendance machine's export for the side's head: one valid sign-in on `day`."""
    content = f"姓名,签到时间\n{side.head.person.name},{day:%Y-%m-%d} 08:21\n".encode()
    return SimpleUploadedFile(f"{side.mark}考勤机.csv", content, content_type="text/csv")


def past_working_day(city: City, at_least_days_ago: int) -> datetime.date:
    day = today() - datetime.timedelta(days=at_least_days_ago)
    while not is_working_day(day, city.pk):
        day -= datetime.timedelta(days=1)
    return day


def half_years() -> list[tuple[int, int]]:
    """The last three half-years that are over: the draft report's, the submitted one's, one still free."""
    periods = [last_ended_period(today())]
    while len(periods) < 3:
        year, half = periods[-1]
        periods.append((year, 1) if half == 2 else (year - 1, 2))
    return periods


@dataclass
class Side:
    """The records of one county (A or B)."""

    name: str
    agency: Agency
    bureau: Agency
    head: Any
    staff: Any
    mark: str  # "" for county A, SECRET for county B
    clerk: Person | None = None
    records: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        records = self.__dict__.get("records", {})
        if name in records:
            return records[name]
        raise AttributeError(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.records[name] = value


@dataclass
class World:
    city: City
    city_bureau: Agency
    city_agency: Agency
    users: dict[str, Any]
    a: Side
    b: Side
    records: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        records = self.__dict__.get("records", {})
        if name in records:
            return records[name]
        raise AttributeError(name)

    def __setitem__(self, name: str, value: Any) -> None:
        self.records[name] = value


def _county(city: City, name: str, code: str, kind: str = Division.Kind.COUNTY_CITY) -> tuple[Agency, Agency]:
    division = Division.objects.create(city=city, name=name, kind=kind, code=code)
    bureau = Agency.objects.create(
        city=city, division=division, kind=Agency.Kind.COUNTY_BUREAU, name=f"{name}人力资源和社会保障局"
    )
    agency = Agency.objects.create(
        city=city,
        division=division,
        kind=Agency.Kind.COUNTY_AGENCY,
        name=f"{name}社会保险中心",
        short_name=f"{name}社保中心",
    )
    return bureau, agency


def build_world(mark_a: str = "", mark_b: str = SECRET) -> World:
    """The world; `mark_a`/`mark_b` start every free-text field (and county B's people's names) of each county.

    The matrix marks county B with `SECRET`; other tests plant payloads instead (markup, formulas).
    """
    LeaveKind.objects.ensure_defaults()
    city = City.objects.create(name="新乡市", code="410700")
    city_bureau = Agency.objects.create(city=city, kind=Agency.Kind.CITY_BUREAU, name="新乡市人力资源和社会保障局")
    city_agency = Agency.objects.create(city=city, kind=Agency.Kind.CITY_AGENCY, name="新乡市社会保险中心")
    bureau_a, agency_a = _county(city, "卫辉市", "410781")
    bureau_b, agency_b = _county(city, "辉县市", "410782")
    _bureau_c, agency_c = _county(city, "红旗区", "410702", Division.Kind.DISTRICT)
    _bureau_d, agency_d = _county(city, "牧野区", "410711", Division.Kind.DISTRICT)
    for year in (2025, 2026):
        VerticalManagement.objects.create(agency=agency_c, year=year, is_vertical=True)
        VerticalManagement.objects.create(agency=agency_d, year=year, is_vertical=True)

    admin = make_user("admin", [Role.SYSTEM_ADMIN], city_bureau)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    users = {
        "admin": admin,
        "assessor": make_user("assessor", [Role.CITY_ASSESSOR], city_bureau),
        "team": make_user("team_a", [Role.ASSESSMENT_TEAM], city_bureau),
        "leader": make_user("leader", [Role.CITY_AGENCY_LEADER], city_agency, Person.Position.MAIN_LEADER),
        "office": make_user("office", [Role.CITY_AGENCY_OFFICE], city_agency, Person.Position.OFFICE),
        "head": make_user("head_weihui", [Role.COUNTY_HEAD], agency_a, Person.Position.HEAD),
        "staff": make_user("staff_weihui", [Role.COUNTY_STAFF], agency_a, Person.Position.STAFF),
        "inspector": make_user("inspector", [Role.INSPECTOR], city_bureau),
        "handler": make_user("handler", [Role.COMPLAINT_HANDLER], city_bureau),
        "supervisor": make_user("supervisor", [Role.SUPERVISOR], None),
    }
    ChannelMembership.objects.create(user=users["supervisor"], channel=Channel.LEGISLATIVE, body="市人大常委会")
    # Not actors of the matrix, but the people the real flows need.
    head_b = make_user("head_huixian", [Role.COUNTY_HEAD], agency_b, Person.Position.HEAD)
    staff_b = make_user("staff_huixian", [Role.COUNTY_STAFF], agency_b, Person.Position.STAFF)
    world = World(
        city=city,
        city_bureau=city_bureau,
        city_agency=city_agency,
        users=users,
        a=Side("A", agency_a, bureau_a, users["head"], users["staff"], mark_a),
        b=Side("B", agency_b, bureau_b, head_b, staff_b, mark_b),
    )
    for side in (world.a, world.b):
        tag = side.name.lower()
        side["deputy"] = make_user(f"deputy_{tag}", [Role.COUNTY_STAFF], side.agency, Person.Position.DEPUTY)
        side["reviewer"] = make_user(f"reviewer_{tag}", [Role.INSPECTOR], side.bureau)
        side.clerk = make_user(f"clerk_{tag}", [Role.COUNTY_STAFF], side.agency, Person.Position.STAFF).person
    world["personnel"] = make_user("personnel", [Role.CITY_AGENCY_OFFICE], city_agency, Person.Position.PERSONNEL)
    world["delegate"] = make_user("delegate", [Role.CITY_AGENCY_OFFICE], city_agency, Person.Position.STAFF)
    world["team_b"] = make_user("team_b", [Role.ASSESSMENT_TEAM], city_bureau)
    world["approver"] = make_user("approver", [Role.INSPECTOR], city_bureau)
    world.approver.user_permissions.add(Permission.objects.get(codename="publish_disclosure"))
    world["agency_c"], world["agency_d"] = agency_c, agency_d
    world["leave_kind"] = LeaveKind.objects.get(name="事假")
    world["leave_day"] = add_working_days(today(), 12, city.pk)

    for person in Person.objects.filter(agency__division=agency_b.division):
        person.name = f"{mark_b}{person.name}"  # a page naming county B's people is a leak too
        person.save(update_fields=["name"])
    ensure_regulation_checklists()
    world["checklist"] = Checklist.objects.get(article=8)
    for side in (world.a, world.b):
        _findings(world, side)
        _attendance(world, side)
        _oversight(world, side)
        _complaints(world, side)
        _integrity(world, side)
    _assessment(world)
    world["notification_a"] = Notification.objects.filter(recipient=world.a.head).order_by("pk").first()
    world["notification_b"] = Notification.objects.filter(recipient=world.b.head).order_by("pk").first()
    captcha = CaptchaStore.generate_key()
    world["captcha_key"] = captcha
    return world


def signed_in_clients(users: dict[str, Any], **options: Any) -> dict[str, Client]:
    """A test client per actor, signed in as its user; the system administrator in two steps."""
    clients = {}
    for actor, user in users.items():
        client = clients[actor] = Client(**options)
        if actor == "admin":
            verify_two_factor(client, user)
        else:
            client.force_login(user)
    return clients


def add_county(world: World, name: str, code: str, tag: str) -> Side:
    """One more county with every record of a side (the matrix's two, and more for the query-count tests);
    its assessments join the years that are under way, last year's confirmed like county A's."""
    bureau, agency = _county(world.city, name, code)
    head = make_user(f"head_{tag}", [Role.COUNTY_HEAD], agency, Person.Position.HEAD)
    staff = make_user(f"staff_{tag}", [Role.COUNTY_STAFF], agency, Person.Position.STAFF)
    side = Side(tag.upper(), agency, bureau, head, staff, "")
    side["deputy"] = make_user(f"deputy_{tag}", [Role.COUNTY_STAFF], agency, Person.Position.DEPUTY)
    side["reviewer"] = make_user(f"reviewer_{tag}", [Role.INSPECTOR], bureau)
    side.clerk = make_user(f"clerk_{tag}", [Role.COUNTY_STAFF], agency, Person.Position.STAFF).person
    _findings(world, side)
    _attendance(world, side)
    _oversight(world, side)
    _complaints(world, side)
    _integrity(world, side)
    assessor, team = world.users["assessor"], world.users["team"]
    for year in (world.year_last, world.year):
        assessment_actions.year_add_missing_agencies(year, acting_user=assessor)
    created = assessment_actions.team_create(
        world.year_last, acting_user=assessor, name=f"2025第{tag}考核组", leader=team, members=[team]
    )
    assessment = _assessment_of(world.year_last, agency)
    assessment_actions.team_set_counties(created, [assessment], acting_user=assessor)
    _fill(assessment, Track.BASIC, assessor, submit=True)
    _fill(assessment, Track.TARGET, team, submit=True)
    assessment_actions.assessment_confirm(assessment, acting_user=assessor)
    side["assessment_last"] = _assessment_of(world.year_last, agency)
    return side


# ---------------------------------------------------------------------------------------------
# Findings


def _raise(world: World, side: Side, title: str, **fields: Any) -> Finding:
    return finding_actions.finding_raise(
        acting_user=world.users["inspector"],
        agency=side.agency,
        article="第八条（四）",
        title=f"{side.mark}{title}",
        description=f"{side.mark}抽查发现1笔划拨无审批单。",
        deadline=today() + datetime.timedelta(days=30),
        severity=Finding.Severity.MAJOR,
        **fields,
    )


def _findings(world: World, side: Side) -> None:
    inspector = world.users["inspector"]
    side["finding"] = _raise(world, side, "基金支出户存在未经审批的划拨", files=[pdf("检查底稿.pdf")])
    side["finding_file"] = Attachment.objects.for_object(side.finding.events.get()).get()
    answered = _raise(world, side, "待遇复核记录不全")
    side["finding_answered"] = finding_actions.finding_answer(
        answered, acting_user=side.head, text=f"{side.mark}已补齐复核记录。", files=[pdf("整改报告.pdf")]
    )
    closed = _raise(world, side, "票据管理不规范")
    finding_actions.finding_answer(closed, acting_user=side.head, text=f"{side.mark}已整改。")
    side["finding_closed"] = finding_actions.finding_verify(closed, acting_user=inspector, accepted=True)
    side["accountability"] = accountability_record(
        acting_user=world.users["admin"],
        agency=side.agency,
        person=side.staff.person,
        breach=f"{side.mark}未按期整改。",
        decision="通报批评。",
        consequence="circulated",
        decided_by="市人社局",
        decided_on=today(),
        source_record=side.finding_closed,
    )


# ---------------------------------------------------------------------------------------------
# Attendance (第五条)


def _leave_request(start: datetime.date, end: datetime.date, mark: str, acting: Person | None = None):
    return attendance_actions.LeaveRequest(
        kind=LeaveKind.objects.get(name="事假"),
        start_date=start,
        start_half=Half.AM,
        end_date=end,
        end_half=Half.PM,
        reason=f"{mark}家中有事。",
        contact="13900000000",
        acting_person=acting,
    )


def _attendance(world: World, side: Side) -> None:
    city = world.city
    attendance_actions.sign_in(acting_user=side.staff, ip_address="10.0.0.1")
    soon = add_working_days(today(), 5, city.pk)
    side["leave_pending"] = attendance_actions.leave_submit(
        acting_user=side.staff, request=_leave_request(soon, soon, side.mark)
    )
    first = past_working_day(city, 3)
    past = attendance_actions.leave_submit(acting_user=side.staff, request=_leave_request(first, first, side.mark))
    side["leave_approved"] = attendance_actions.leave_approve(past, acting_user=side.head)
    later = add_working_days(today(), 10, city.pk)
    deputy = side.deputy.person
    head_leave = attendance_actions.leave_submit(
        acting_user=side.head, request=_leave_request(later, later, side.mark, acting=deputy)
    )
    side["head_leave_granted"] = attendance_actions.leave_approve(head_leave, acting_user=world.users["leader"])
    further = add_working_days(today(), 20, city.pk)
    side["head_leave_pending"] = attendance_actions.leave_submit(
        acting_user=side.head, request=_leave_request(further, further, side.mark, acting=deputy)
    )
    visit_day = past_working_day(city, 8)
    visited_at = timezone.make_aware(datetime.datetime.combine(visit_day, datetime.time(10, 0)))
    side["discipline_visit"] = attendance_actions.visit_record(
        acting_user=world.users["inspector"],
        agency=side.agency,
        visited_at=visited_at,
        method="unannounced",
        notes=f"{side.mark}上午十点到岗检查。",
        observations={side.clerk.pk: False},
        files=[png("检查照片.png")],
    )
    side["observation"] = side.discipline_visit.observations.get()
    side["attendance_import"] = attendance_import_actions.preview(
        side.agency, sign_in_sheet(side, past_working_day(city, 4)), acting_user=side.head
    )
    side["discipline_visit_file"] = Attachment.objects.for_object(side.discipline_visit).get()


# ---------------------------------------------------------------------------------------------
# Supervision (第十二条至第十五条)


def _oversight(world: World, side: Side) -> None:
    inspector = world.users["inspector"]
    mark = side.mark
    side["activity"] = oversight_actions.activity_record(
        acting_user=inspector,
        channel=Channel.LEGISLATIVE,
        kind=ActivityKind.FIELD_INSPECTION,
        body="市人大常委会",
        title=f"{mark}市人大代表视察经办服务大厅",
        held_on=today() - datetime.timedelta(days=3),
        subjects=[side.agency],
        summary=f"{mark}实地查看窗口设置。",
        files=[pdf("视察记录.pdf")],
    )
    side["activity_file"] = Attachment.objects.for_object(side.activity).get()

    latest, earlier, _free = half_years()
    draft, _created = oversight_actions.report_open(
        agency=side.agency, year=latest[0], half=latest[1], acting_user=side.head
    )
    side["report_draft"] = draft
    submitted, _created = oversight_actions.report_open(
        agency=side.agency, year=earlier[0], half=earlier[1], acting_user=side.head
    )
    data = {
        "insured_count": 152300,
        "new_insured_count": 3120,
        "beneficiary_count": 41200,
        "contribution_income": Decimal("38650.20"),
        "benefit_expenditure": Decimal("45210.75"),
        "cases_handled": 18432,
        "complaints_received": 23,
        "narrative": f"{mark}各项待遇按时足额发放。",
        "problems": "",
        "plans": "",
    }
    side["report_submitted"] = oversight_actions.report_save(
        submitted, acting_user=side.head, data=data, files=[pdf("汇报.pdf")], submit=True
    )
    side["report_file"] = Attachment.objects.for_object(side.report_submitted).get()

    side["visit_planned"] = oversight_actions.visit_plan(
        acting_user=inspector,
        agency=side.agency,
        planned_on=today() + datetime.timedelta(days=7),
        topics=f"{mark}待遇审核流程",
    )
    done = oversight_actions.visit_plan(
        acting_user=inspector, agency=side.agency, planned_on=today(), topics=f"{mark}基金财务管理"
    )
    side["visit_done"] = oversight_actions.visit_record(
        done, acting_user=inspector, visited_on=today(), notes=f"{mark}已指导。", files=[pdf("指导记录.pdf")]
    )
    side["visit_file"] = Attachment.objects.for_object(side.visit_done).get()

    def open_inspection(title: str) -> Any:
        return oversight_actions.inspection_open(
            acting_user=inspector,
            title=f"{mark}{title}",
            agencies=[side.agency],
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            started_on=today() - datetime.timedelta(days=10),
            scope="基金收支、管理情况",
        )

    inspection = open_inspection("2026年度社会保险基金专项检查")
    side["inspection"] = inspection
    material = {"quantity": "2册", "handling": "read", "registered_on": inspection.started_on}
    side["material"] = oversight_actions.material_register(
        inspection, acting_user=inspector, agency=side.agency, name=f"{mark}待遇发放审批台账", **material
    )
    side["material_sealed"] = oversight_actions.material_register(
        inspection,
        acting_user=inspector,
        agency=side.agency,
        name=f"{mark}基金支出凭证",
        seal={"seal_number": f"FC-{side.name}-1", "place": "档案室", "sealed_on": inspection.started_on},
        **material,
    )
    started = timezone.localtime() - datetime.timedelta(days=2)
    side["inquiry"] = oversight_actions.inquiry_record(
        inspection,
        acting_user=inspector,
        agency=side.agency,
        interviewee="赵会计",
        interviewee_unit=str(side.agency),
        interviewee_position="会计",
        place="会议室",
        started_at=started,
        ended_at=started + datetime.timedelta(hours=1),
        inquirers="钱检查、孙检查",
        recorder="李记录",
        transcript=f"{mark}问：基金支出户划拨是否经审批？答：部分未审批。",
        files=[pdf("询问笔录.pdf")],
    )
    side["inquiry_file"] = Attachment.objects.for_object(side.inquiry).get()
    side["order"] = oversight_actions.order_issue(
        inspection,
        acting_user=inspector,
        agency=side.agency,
        conduct="misappropriating",
        facts=f"{mark}基金支出未经审批。",
        requirements="立即改正。",
        deadline=today() + datetime.timedelta(days=15),
        issued_on=today(),
    )
    side["order_file"] = oversight_actions.document_of(side.order)
    side["decision"] = oversight_actions.decision_issue(
        inspection,
        acting_user=inspector,
        agency=side.agency,
        facts=f"{mark}基金支出未经审批。",
        basis="《社会保险经办条例》第十五条",
        decision="责令追回。",
        decided_on=today(),
    )
    side["decision_file"] = oversight_actions.document_of(side.decision)

    concluded = open_inspection("2025年度基金专项检查")
    side["inspection_concluded"] = oversight_actions.inspection_conclude(
        concluded, acting_user=inspector, ended_on=today(), conclusion="基金收支总体规范。"
    )
    published = open_inspection("2024年度基金专项检查")
    published = oversight_actions.inspection_conclude(
        published, acting_user=inspector, ended_on=today(), conclusion="基金收支总体规范。"
    )
    side["inspection_published"] = published
    side["disclosure"] = oversight_actions.disclosure_publish(
        published, acting_user=world.approver, title=f"{side.agency.name}基金专项检查结果", summary="未发现问题。"
    )
    withdrawn = open_inspection("2023年度基金专项检查")
    withdrawn = oversight_actions.inspection_conclude(
        withdrawn, acting_user=inspector, ended_on=today(), conclusion="基金收支总体规范。"
    )
    disclosure = oversight_actions.disclosure_publish(
        withdrawn, acting_user=world.approver, title=f"{mark}{side.agency.name}2023年检查结果", summary="未发现问题。"
    )
    side["disclosure_withdrawn"] = oversight_actions.disclosure_withdraw(
        disclosure, acting_user=world.approver, reason="内容有误"
    )


# ---------------------------------------------------------------------------------------------
# Complaints and reports (第十六条、第十七条)


def _complaints(world: World, side: Side) -> None:
    handler = world.users["handler"]
    mark = side.mark

    def submit(title: str, **fields: Any) -> tuple[Complaint, str]:
        values = {
            "city": world.city,
            "kind": Complaint.Kind.COMPLAINT,
            "agency": side.agency,
            "matter_type": Complaint.MatterType.BENEFIT,
            "title": f"{mark}{title}",
            "description": f"{mark}2026年5月起我的养老金被停发，窗口人员不说明理由。",
            "contact_name": "张三",
            "contact_phone": "13903731234",
            "wants_reply": True,
        }
        values.update(fields)
        return complaint_actions.complaint_submit(**values)

    def accepted(title: str, **fields: Any) -> tuple[Complaint, str]:
        complaint, code = submit(title, **fields)
        complaint = complaint_actions.complaint_accept(
            complaint, acting_user=handler, unit=side.agency, working_days=10
        )
        return complaint, code

    side["complaint_received"], _code = submit("窗口人员态度恶劣", files=[png("现场照片.png")])
    side["complaint_file"] = Attachment.objects.for_object(side.complaint_received).get()
    side["complaint_master"], _code = accepted("养老金停发（先收到的一件）")
    side["complaint"], side["complaint_code"] = accepted("养老金被无故停发")
    side["complaint_letter"] = side.complaint.letters.get(kind=ComplaintLetter.Kind.ACCEPTANCE_NOTICE)
    side["complaint_assignment_letter"] = side.complaint.letters.get(kind=ComplaintLetter.Kind.ASSIGNMENT)
    event = complaint_actions.complaint_note(
        side.complaint, acting_user=handler, text=f"{mark}已调取发放记录。", files=[pdf("发放记录.pdf")]
    )
    side["complaint_note_file"] = Attachment.objects.for_object(event).get()
    paused, _code = accepted("医保报销被拒")
    complaint_actions.complaint_pause(paused, acting_user=handler, reason=f"{mark}等待反映人补充材料")
    side["complaint_paused"] = Complaint.objects.get(pk=paused.pk)
    replied, side["complaint_replied_code"] = accepted("失业金发放延误")
    side["complaint_replied"] = complaint_actions.complaint_reply(
        replied,
        acting_user=handler,
        text=f"{mark}经查属实，已责令整改。",
        substantiation=Complaint.Substantiation.SUBSTANTIATED,
    )
    side["case"] = complaint_actions.review_case_record(
        acting_user=handler,
        agency=side.agency,
        kind=ReviewCase.Kind.RECONSIDERATION,
        applicant_type=ReviewCase.ApplicantType.INDIVIDUAL,
        applicant_name=f"{mark}王五",
        subject=ReviewCase.Subject.BENEFIT,
        summary=f"{mark}不服停发养老金决定",
        body="新乡市人民政府",
        case_number=f"新政复〔2026〕{side.name}1号",
        filed_on=today() - datetime.timedelta(days=20),
    )
    world[f"external_body_{side.name.lower()}"] = ExternalBody.objects.get_or_create(
        name="新乡市医疗保障局",
        defaults={"kind": ExternalBody.Kind.HEALTHCARE_SECURITY, "city": world.city, "remit": "医疗保险"},
    )[0]


# ---------------------------------------------------------------------------------------------
# Internal control and integrity (第六条至第十一条)


def _integrity(world: World, side: Side) -> None:
    inspector, admin = world.users["inspector"], world.users["admin"]
    mark = side.mark

    def plan(title: str) -> Any:
        return integrity_actions.inspection_plan(
            acting_user=inspector,
            agency=side.agency,
            checklists=list(Checklist.objects.filter(article=8)),
            title=f"{mark}{title}",
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            planned_on=today(),
        )

    inspection = plan("2026年度基金管理内控检查")
    first, second = inspection.results.order_by("pk")[:2]
    integrity_actions.inspection_record_result(
        first,
        acting_user=inspector,
        outcome=InspectionItemResult.Result.NOT_COMPLIANT,
        problem=f"{mark}支出户划拨无审批单",
        severity="major",
        files=[pdf("检查记录.pdf")],
    )
    side["control_inspection"] = inspection
    side["control_result"] = second
    side["control_result_file"] = Attachment.objects.for_object(first).get()
    completed = plan("2025年度基金管理内控检查")
    for result in completed.results.order_by("pk"):
        integrity_actions.inspection_record_result(
            result, acting_user=inspector, outcome=InspectionItemResult.Result.COMPLIANT, notes=f"{mark}符合。"
        )
    integrity_actions.inspection_complete(
        completed, acting_user=inspector, conclusion=f"{mark}总体良好。", deadline=today() + datetime.timedelta(days=20)
    )
    side["control_completed"] = completed

    def spot_check(subject: str) -> Any:
        check = integrity_actions.spot_check_create(
            acting_user=inspector,
            agency=side.agency,
            business_area="benefit_review",
            subject=f"{mark}{subject}",
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 6, 30),
            checked_on=today(),
            population=200,
            sample_size=20,
            method="随机抽取",
            summary="",
            files=[pdf("抽查清单.pdf")],
        )
        issue = integrity_actions.spot_check_add_issue(
            check,
            acting_user=inspector,
            file_reference="DY-2026-001",
            article="第七条（四）",
            severity="minor",
            title=f"{mark}待遇核定缺少复核签字",
            description=f"{mark}1件待遇核定无复核人签字。",
        )
        return check, issue

    side["spot_check"], side["spot_issue"] = spot_check("2026年上半年待遇核定抽查")
    side["spot_check_file"] = Attachment.objects.for_object(side.spot_check).get()
    fed, _issue = spot_check("2025年待遇核定抽查")
    integrity_actions.spot_check_feed_back(fed, acting_user=inspector, deadline=today() + datetime.timedelta(days=20))
    side["spot_check_fed"] = fed

    head = side.head
    side["risk"] = integrity_actions.risk_create(
        acting_user=head,
        agency=side.agency,
        likelihood=3,
        impact=4,
        owner=side.staff.person,
        title=f"{mark}待遇冒领风险",
        description=f"{mark}死亡人员家属继续领取待遇。",
        category="fund_safety",
        controls="生存认证。",
        next_review_on=today() + datetime.timedelta(days=30),
    )
    side["risk_report"] = integrity_actions.risk_report_save(
        None,
        acting_user=head,
        agency=side.agency,
        risks=[side.risk],
        files=[pdf("风险分析.pdf")],
        year=2026,
        period="h1",
        title=f"{mark}2026年上半年风险分析报告",
        analysis=f"{mark}总体可控。",
    )
    side["risk_report_file"] = Attachment.objects.for_object(side.risk_report).get()
    side["plan"] = integrity_actions.plan_save(
        None,
        acting_user=head,
        agency=side.agency,
        risks=[side.risk],
        responsible=side.staff.person,
        files=[pdf("处置预案.pdf")],
        title=f"{mark}待遇冒领处置预案",
        category="fund_safety",
        triggers=f"{mark}发现冒领线索。",
        steps="立即暂停发放，核实追回。",
    )
    side["plan_file"] = Attachment.objects.for_object(side.plan).get()
    side["service_commitment"] = integrity_actions.service_commitment_save(
        None,
        acting_user=head,
        agency=side.agency,
        item=f"{mark}养老保险待遇核定",
        time_limit=5,
        time_unit="working_days",
        commitment=f"{mark}资料齐全的5个工作日内办结。",
    )
    side["service_rule"] = integrity_actions.service_rule_save(
        None,
        acting_user=head,
        agency=side.agency,
        files=[pdf("首问负责制.pdf")],
        kind="first_inquiry",
        title=f"{mark}首问负责制",
        content=f"{mark}首位接待人员负责到底。",
    )
    side["service_rule_file"] = Attachment.objects.for_object(side.service_rule).get()
    side["assignment"] = integrity_actions.assignment_save(
        None,
        acting_user=head,
        person=side.staff.person,
        assigned_by=head.person,
        files=[pdf("责任书.pdf")],
        year=2026,
        post=f"{mark}待遇审核岗",
        business_duties=f"{mark}待遇审核。",
        integrity_duties="廉洁履职。",
    )
    side["assignment_file"] = Attachment.objects.for_object(side.assignment).get()
    integrity_actions.commitments_issue(
        acting_user=head, people=[side.staff.person, side.clerk], year=2026, text=f"{mark}本人郑重承诺：廉洁履职。"
    )
    side["commitment"] = _commitment_of(side.staff.person)
    side["commitment_clerk"] = _commitment_of(side.clerk)
    integrity_actions.commitment_sign(side.commitment_clerk, acting_user=head, files=[pdf("承诺书.pdf")])
    side["commitment_file"] = Attachment.objects.for_object(side.commitment_clerk).get()
    side["talk"] = integrity_actions.talk_record(
        acting_user=admin,
        person=side.staff.person,
        files=[pdf("约谈记录.pdf")],
        kind="reminder",
        held_on=today() - datetime.timedelta(days=3),
        talked_by="市社保中心主任",
        reason=f"{mark}群众反映其办事推诿拖延。",
        content="重申廉洁纪律要求。",
    )
    side["talk_file"] = Attachment.objects.for_object(side.talk).get()


def _commitment_of(person: Person) -> Any:
    from integrity.models import IntegrityCommitment

    return IntegrityCommitment.objects.get(person=person, year=2026)


# ---------------------------------------------------------------------------------------------
# The dual-100-point assessment (第四条)


def _fill(assessment: Assessment, track: str, user: Any, *, submit: bool) -> None:
    scores = assessment.scores.filter(item__track=track).select_related("item").order_by("item__position")
    for score in scores:
        assessment_actions.score_set(
            score, acting_user=user, points=score.max_points - Decimal("1.5"), comment=f"{score.item.name}评分说明"
        )
    if submit:
        assessment_actions.track_submit(assessment, track, acting_user=user)


def _assessment_of(year: AssessmentYear, agency: Agency) -> Assessment:
    return Assessment.objects.select_related("year", "agency").get(year=year, agency=agency)


def _open_year(admin: Any, city: City, year: int) -> AssessmentYear:
    record = assessment_actions.year_create(acting_user=admin, city=city, year=year)
    assessment_actions.year_open(record, acting_user=admin)
    record.refresh_from_db()
    return record


def _assessment(world: World) -> None:
    users = world.users
    admin, assessor, team = users["admin"], users["assessor"], users["team"]
    sides = {"a": world.a, "b": world.b}
    members = {"a": team, "b": world.team_b}
    delegates = [users["leader"], world.delegate]

    # 2024: every result confirmed long ago, the objection period over: ready to publish.
    earlier = _open_year(admin, world.city, 2024)
    world["year_ready"] = earlier
    created = assessment_actions.team_create(
        earlier, acting_user=assessor, name="2024考核组", leader=team, members=[team]
    )
    everyone = list(Assessment.objects.filter(year=earlier).select_related("year", "agency"))
    assessment_actions.team_set_counties(created, everyone, acting_user=assessor)
    long_ago = timezone.now() - datetime.timedelta(days=60)
    for assessment in everyone:
        _fill(assessment, Track.BASIC, assessor, submit=True)
        _fill(assessment, Track.TARGET, team, submit=True)
        assessment_actions.assessment_confirm(assessment, acting_user=assessor, at=long_ago)

    # 2025: every result confirmed; objections open; January reports rendered.
    last = _open_year(admin, world.city, 2025)
    world["year_last"] = last
    for key, side in sides.items():
        created = assessment_actions.team_create(
            last, acting_user=assessor, name=f"2025第{key}考核组", leader=members[key], members=[members[key]]
        )
        assessment = _assessment_of(last, side.agency)
        assessment_actions.team_set_counties(created, [assessment], acting_user=assessor)
        _fill(assessment, Track.BASIC, assessor, submit=True)
        _fill(assessment, Track.TARGET, members[key], submit=True)
        assessment_actions.assessment_confirm(assessment, acting_user=assessor)
        side["assessment_last"] = _assessment_of(last, side.agency)
        side["objection"] = assessment_actions.objection_raise(
            side.assessment_last,
            acting_user=side.head,
            items=[side.assessment_last.scores.order_by("pk").first().item],
            text=f"{side.mark}文明创建得分偏低，请复核。",
            files=[pdf("异议材料.pdf")],
        )
        side["objection_file"] = Attachment.objects.for_object(side.objection).get()
        side["report"] = assessment_reports.render_county_report(side.assessment_last.pk).report
    for agency, name in ((world.agency_c, "delegated_c"), (world.agency_d, "delegated_d")):
        assessment = _assessment_of(last, agency)
        assessment_actions.delegation_grant(assessment, acting_user=assessor, delegates=delegates)
        _fill(assessment, Track.BASIC, users["leader"], submit=True)
        _fill(assessment, Track.TARGET, users["leader"], submit=True)
        assessment_actions.assessment_confirm(assessment, acting_user=users["leader"])
        world[name] = _assessment_of(last, agency)
    world["filing"] = assessment_actions.filing_submit(world.delegated_c, acting_user=users["leader"])
    world["summary_report"] = assessment_reports.render_summary_report(last.pk).report
    world["report_run"] = assessment_reports.start_run(last, requested_by=assessor)

    # 2026: scoring under way; 红旗区 delegated, 牧野区 not yet.
    current = _open_year(admin, world.city, 2026)
    world["year"] = current
    for key, side in sides.items():
        created = assessment_actions.team_create(
            current, acting_user=assessor, name=f"第{key}考核组", leader=members[key], members=[members[key]]
        )
        side["team"] = created
        assessment = _assessment_of(current, side.agency)
        assessment_actions.team_set_counties(created, [assessment], acting_user=assessor)
        _fill(assessment, Track.BASIC, assessor, submit=False)
        _fill(assessment, Track.TARGET, members[key], submit=False)
        side["assessment"] = _assessment_of(current, side.agency)
        side["basic_score"] = Score.objects.select_related("item").get(
            assessment=side.assessment, item__track=Track.BASIC, item__position=1
        )
        side["target_score"] = Score.objects.select_related("item").get(
            assessment=side.assessment, item__track=Track.TARGET, item__position=1
        )
        assessment_actions.score_attach(side.basic_score, [pdf("评分依据.pdf")], acting_user=assessor)
        side["score_file"] = Attachment.objects.for_object(side.basic_score).get()
        side["site_visit"] = assessment_actions.site_visit_record(
            side.assessment,
            acting_user=members[key],
            visited_on=today(),
            place=str(side.agency),
            members=[members[key]],
            notes=f"{side.mark}实地查看了经办大厅。",
            files=[png("考察照片.png")],
        )
        side["site_visit_file"] = Attachment.objects.for_object(side.site_visit).get()
    world["delegated_current"] = _assessment_of(current, world.agency_c)
    assessment_actions.delegation_grant(world.delegated_current, acting_user=assessor, delegates=delegates)
    world["vertical_current"] = _assessment_of(current, world.agency_d)
    world["score_import"] = assessment_resources.import_preview(current, score_sheet(), acting_user=assessor)

    # 2027: being prepared by the system administrator.
    world["year_next"] = assessment_actions.year_create(acting_user=admin, city=world.city, year=2027)
    world["item_next"] = world.year_next.items.order_by("track", "position").first()


def score_sheet() -> SimpleUploadedFile:
    headers = ["年度", "县（市、区）", "考核类别", "序号", "考核项目", "分值", "得分", "评分说明"]
    names = ["文明创建", "优质服务", "廉政建设", "政治业务学习", "信息宣传", "公共管理"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for index, name in enumerate(names):
        sheet.append([2026, "卫辉市", "基础管理", index + 1, name, None, 5, f"{name}：导入"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("评分.xlsx", buffer.getvalue())

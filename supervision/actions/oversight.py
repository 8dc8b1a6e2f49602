"""Audited actions of supervision (第十二条至第十五条).

Each action runs in one transaction, checks the acting user's right, locks the row it changes,
refuses a stale version where two people may edit the same record, writes history in the same
transaction and notifies the people who must act (mail after commit, through `notify`).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from supervision.actions.findings import agency_heads, finding_raise, finding_withdraw
from supervision.attachments import attach
from supervision.models import (
    Agency,
    CorrectionOrder,
    Disclosure,
    Finding,
    FundInspection,
    GuidanceVisit,
    HandlingDecision,
    Inquiry,
    InspectionMaterial,
    MaterialSeal,
    OversightSettings,
    SemiannualReport,
    SemiannualReportEvent,
    SupervisionActivity,
)
from supervision.models.findings import finding_source_fields, local_today
from supervision.models.oversight import KINDS_BY_CHANNEL, last_ended_period
from supervision.notifications import notify
from supervision.permissions import (
    Action,
    Role,
    agencies_for,
    can,
    is_system_admin,
    may_publish_disclosure,
    person_of,
    remember_roles,
    scoped_any,
)
from supervision.personal_data import validate_no_personal_data
from supervision.workflow import TransitionNotAllowed, bump_version

logger = logging.getLogger(__name__)
User = get_user_model()

GENERATED_DOCUMENT = "系统生成的文书"


def _may_act_on_all(user: Any, action: str, agencies: Iterable[Agency | int]) -> bool:
    ids = {agency if isinstance(agency, int) else agency.pk for agency in agencies}
    if not ids:
        return False
    return agencies_for(user, action).filter(pk__in=ids).count() == len(ids)


def _organiser_of(user: Any, agency: Agency) -> Agency:
    """The unit that acts: where the user works, or (for an administrator without a unit) the city bureau."""
    person = person_of(user)
    if person is not None:
        return person.agency
    return Agency.objects.get(city_id=agency.city_id, kind=Agency.Kind.CITY_BUREAU)


def _reason(record: models.Model, reason: str) -> None:
    record._change_reason = reason[:100]


# ---------------------------------------------------------------------------------------------
# 第十二条: supervision channels
# ---------------------------------------------------------------------------------------------


def may_record_activity(user: Any, subjects: Iterable[Agency | int]) -> bool:
    return _may_act_on_all(user, Action.INSPECT, subjects)


def may_edit_activity(user: Any, activity: SupervisionActivity) -> bool:
    return activity.voided_at is None and may_record_activity(user, activity.subjects.values_list("pk", flat=True))


def _check_kind(channel: str, kind: str) -> None:
    if kind not in KINDS_BY_CHANNEL.get(channel, ()):
        raise ValidationError({"kind": _("所选监督方式不属于该监督渠道。")})


@transaction.atomic
def activity_record(
    *,
    acting_user: Any,
    channel: str,
    kind: str,
    body: str,
    title: str,
    held_on: datetime.date,
    subjects: Sequence[Agency],
    summary: str,
    participants: str = "",
    outcome: str = "",
    files: Iterable[UploadedFile] = (),
) -> SupervisionActivity:
    """Record one activity of a channel (第十二条) with the agencies it concerned."""
    if not may_record_activity(acting_user, subjects):
        raise PermissionDenied
    _check_kind(channel, kind)
    activity = SupervisionActivity(
        channel=channel,
        kind=kind,
        body=body,
        title=title,
        held_on=held_on,
        summary=summary,
        participants=participants,
        outcome=outcome,
        recorded_by=acting_user,
    )
    activity.full_clean()
    _reason(activity, _("登记监督活动"))
    activity.save()
    activity.subjects.set(subjects)
    attach(activity, files, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_update(
    activity: SupervisionActivity,
    *,
    acting_user: Any,
    version: int | None = None,
    subjects: Sequence[Agency],
    files: Iterable[UploadedFile] = (),
    **fields: Any,
) -> SupervisionActivity:
    activity = SupervisionActivity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    if not may_edit_activity(acting_user, activity) or not may_record_activity(acting_user, subjects):
        raise PermissionDenied
    bump_version(activity, version)
    _check_kind(fields.get("channel", activity.channel), fields.get("kind", activity.kind))
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.full_clean()
    before = sorted(str(agency) for agency in activity.subjects.all())
    after = sorted(str(agency) for agency in subjects)
    reason = _("修改监督活动")
    if before != after:
        reason = _("被监督单位：%(before)s → %(after)s") % {"before": "、".join(before), "after": "、".join(after)}
    _reason(activity, reason)
    activity.save()
    activity.subjects.set(subjects)
    attach(activity, files, acting_user=acting_user)
    return activity


@transaction.atomic
def activity_void(
    activity: SupervisionActivity, *, acting_user: Any, reason: str, version: int | None = None
) -> SupervisionActivity:
    activity = SupervisionActivity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    if not may_edit_activity(acting_user, activity):
        raise PermissionDenied
    bump_version(activity, version)
    activity.void(reason)
    _reason(activity, reason)
    activity.save()
    return activity


# ---------------------------------------------------------------------------------------------
# Findings from any supervision record (整改建议)
# ---------------------------------------------------------------------------------------------

SOURCES: dict[type[models.Model], str] = {
    SupervisionActivity: Finding.Source.SUPERVISION_CHANNEL,
    GuidanceVisit: Finding.Source.GUIDANCE_VISIT,
    FundInspection: Finding.Source.FUND_INSPECTION,
}


def finding_agencies(user: Any, record: models.Model) -> models.QuerySet[Agency]:
    """The agencies for which `user` may record a problem found by `record` (empty: none)."""
    if isinstance(record, SupervisionActivity):
        if not may_edit_activity(user, record):
            return Agency.objects.none()
        return record.subjects.all()
    if isinstance(record, GuidanceVisit):
        if record.status != GuidanceVisit.Status.DONE or not can(user, Action.INSPECT, record.agency_id):
            return Agency.objects.none()
        return Agency.objects.filter(pk=record.agency_id)
    if isinstance(record, FundInspection):
        if record.status == FundInspection.Status.CANCELLED or not (is_system_admin(user) or record.is_on_team(user)):
            return Agency.objects.none()
        return agencies_for(user, Action.INSPECT).filter(pk__in=record.agencies.values("pk"))
    return Agency.objects.none()


def source_label(record: models.Model) -> str:
    if isinstance(record, SupervisionActivity):
        return f"{record.get_channel_display()}：{record.title}"[:200]
    if isinstance(record, GuidanceVisit):
        return _("%(organiser)s %(date)s 业务监督指导") % {
            "organiser": record.organiser,
            "date": (record.visited_on or record.planned_on).isoformat(),
        }
    return str(record)[:200]


@transaction.atomic
def record_finding(
    record: models.Model, *, acting_user: Any, agency: Agency, files: Iterable[UploadedFile] = (), **fields: Any
) -> Finding:
    """A problem found by a channel activity, a guidance visit or a fund inspection, with 整改建议."""
    if not finding_agencies(acting_user, record).filter(pk=agency.pk).exists():
        raise PermissionDenied
    return finding_raise(
        acting_user=acting_user,
        agency=agency,
        source=SOURCES[type(record)],
        source_record=record,
        source_label=fields.pop("source_label", None) or source_label(record),
        files=files,
        **fields,
    )


def findings_of(record: models.Model) -> models.QuerySet[Finding]:
    fields = finding_source_fields(record)
    return Finding.objects.filter(source_type=fields["source_type"], source_id=fields["source_id"])


# ---------------------------------------------------------------------------------------------
# 第十三条: semiannual reports
# ---------------------------------------------------------------------------------------------


def report_recipient(agency: Agency) -> Agency | None:
    """The same-level HRSS department: the county bureau of the agency's county."""
    if agency.division_id is None:
        return None
    return Agency.objects.filter(division_id=agency.division_id, kind=Agency.Kind.COUNTY_BUREAU).first()


def report_reviewers(report: SemiannualReport) -> list[Any]:
    """Who reviews: staff of the recipient county bureau holding the reviewing right."""
    candidates = User.objects.filter(
        is_active=True,
        person__agency_id=report.recipient_id,
        person__is_active=True,
        groups__name__in=[Role.INSPECTOR],
    ).distinct()
    candidates = list(candidates.select_related("person__agency"))
    remember_roles(candidates)
    return [user for user in candidates if can(user, Action.REVIEW_REPORTS, report.agency_id)]


def may_edit_report(user: Any, report: SemiannualReport) -> bool:
    return report.is_editable and can(user, Action.ACT_FOR, report.agency_id)


def may_review_report(user: Any, report: SemiannualReport) -> bool:
    return report.status == SemiannualReport.Status.SUBMITTED and can(user, Action.REVIEW_REPORTS, report.agency_id)


def _report_url(report: SemiannualReport) -> str:
    return reverse("oversight:report_detail", args=[report.pk])


def _report_event(report: SemiannualReport, kind: str, actor: Any = None, text: str = "") -> SemiannualReportEvent:
    return SemiannualReportEvent.objects.create(
        report=report, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None, text=text
    )


@transaction.atomic
def report_open(*, agency: Agency, year: int, half: int, acting_user: Any = None) -> tuple[SemiannualReport, bool]:
    """The report of `agency` for one half-year, created as a draft if it does not exist yet.

    Opened by the county head (who may act for the agency) or by the beat sweep (no acting user).
    """
    if acting_user is not None and not can(acting_user, Action.ACT_FOR, agency):
        raise PermissionDenied
    if not agency.is_county_agency:
        raise ValidationError(_("只有县（市、区）社会保险经办机构报送半年汇报。"))
    existing = SemiannualReport.objects.filter(agency=agency, year=year, half=half).first()
    if existing is not None:
        return existing, False
    recipient = report_recipient(agency)
    if recipient is None:
        raise ValidationError(
            _("%(agency)s 所在县（市、区）尚未登记人力资源和社会保障局，无法确定报送对象。") % {"agency": agency}
        )
    report = SemiannualReport(
        agency=agency,
        recipient=recipient,
        year=year,
        half=half,
        due_on=OversightSettings.for_city(agency.city_id).due_date(year, half),
    )
    _reason(report, _("开始填报"))
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # A concurrent opener (the sweep and the head at once) won the unique constraint.
        existing = SemiannualReport.objects.filter(agency=agency, year=year, half=half).first()
        if existing is None:
            raise
        return existing, False
    _report_event(report, SemiannualReportEvent.Kind.OPENED, acting_user)
    if acting_user is None:
        notify(
            agency_heads(agency.pk),
            _("请报送%(period)s业务经办情况汇报") % {"period": report.period_label},
            body=_("依据第十三条，请于 %(due)s 前向%(recipient)s报送。")
            % {"due": report.due_on.isoformat(), "recipient": recipient},
            url=_report_url(report),
            key=f"semiannual-open-{report.pk}",
        )
    return report, True


REPORT_FIELDS = (
    "insured_count",
    "new_insured_count",
    "beneficiary_count",
    "contribution_income",
    "benefit_expenditure",
    "cases_handled",
    "complaints_received",
    "narrative",
    "problems",
    "plans",
)


def _locked_report(report: SemiannualReport) -> SemiannualReport:
    return (
        SemiannualReport.objects.select_for_update(of=("self",)).select_related("agency", "recipient").get(pk=report.pk)
    )


@transaction.atomic
def report_save(
    report: SemiannualReport,
    *,
    acting_user: Any,
    data: dict[str, Any],
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
    submit: bool = False,
) -> SemiannualReport:
    """Save the figures and narrative of a draft; with `submit`, report it to the county bureau."""
    report = _locked_report(report)
    if not can(acting_user, Action.ACT_FOR, report.agency_id):
        raise PermissionDenied
    if not report.is_editable:
        raise TransitionNotAllowed(_("已报送或已审阅通过的汇报不能修改。"))
    bump_version(report, version)
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    attach(report, files, acting_user=acting_user)
    if submit:
        late = report.overdue_on(local_today())
        report.submit(acting_user)
        _reason(report, _("报送"))
        report.save()
        text = _("第 %(round)s 次报送。") % {"round": report.round}
        if late:
            text += _("逾期报送（期限 %(due)s）。") % {"due": report.effective_due_on.isoformat()}
        _report_event(report, SemiannualReportEvent.Kind.SUBMITTED, acting_user, text)
        notify(
            report_reviewers(report),
            _("半年汇报待审阅：%(agency)s %(period)s") % {"agency": report.agency, "period": report.period_label},
            body=text,
            url=_report_url(report),
        )
    else:
        _reason(report, _("保存草稿"))
        report.save()
    return report


@transaction.atomic
def report_review(
    report: SemiannualReport, *, acting_user: Any, accepted: bool, comment: str, version: int | None = None
) -> SemiannualReport:
    """The county bureau accepts the report, or returns it for revision with comments."""
    report = _locked_report(report)
    if not can(acting_user, Action.REVIEW_REPORTS, report.agency_id):
        raise PermissionDenied
    bump_version(report, version)
    if accepted:
        report.accept(acting_user, comment)
        kind, title = SemiannualReportEvent.Kind.ACCEPTED, _("半年汇报已审阅通过：%(period)s")
    else:
        settings = OversightSettings.for_city(report.agency.city_id)
        report.return_for_revision(
            acting_user, comment, local_today() + datetime.timedelta(days=settings.resubmit_days)
        )
        kind, title = SemiannualReportEvent.Kind.RETURNED, _("半年汇报被退回修改：%(period)s")
    _reason(report, str(SemiannualReportEvent.Kind(kind).label))
    report.save()
    text = comment
    if not accepted:
        text = _("%(comment)s（请于 %(due)s 前修改后重新报送）") % {
            "comment": comment,
            "due": report.resubmit_due.isoformat(),
        }
    _report_event(report, kind, acting_user, text)
    notify(agency_heads(report.agency_id), title % {"period": report.period_label}, body=text, url=_report_url(report))
    return report


def open_due_reports(today: datetime.date) -> int:
    """Open the last ended half-year's report for every active county agency that has none yet."""
    year, half = last_ended_period(today)
    have = SemiannualReport.objects.filter(year=year, half=half).values("agency_id")
    opened = 0
    for agency in Agency.objects.county_agencies().active().exclude(pk__in=have).select_related("city"):
        try:
            _report, created = report_open(agency=agency, year=year, half=half)
        except ValidationError as problem:
            logger.warning("semiannual report of %s not opened: %s", agency, problem.messages)
            continue
        opened += created
    return opened


def remind_due_reports(today: datetime.date) -> int:
    """Remind the county head a few days before the (re)submission deadline; once per deadline."""
    reminded = 0
    reports = SemiannualReport.objects.pending().with_effective_due().select_related("agency")
    days_by_city: dict[int, int] = {}
    for report in reports.filter(effective_due__gte=today, effective_due__lte=today + datetime.timedelta(days=31)):
        city_id = report.agency.city_id
        if city_id not in days_by_city:
            days_by_city[city_id] = OversightSettings.for_city(city_id).reminder_days
        if report.effective_due > today + datetime.timedelta(days=days_by_city[city_id]):
            continue
        with transaction.atomic():
            sent = notify(
                agency_heads(report.agency_id),
                _("半年汇报即将到期：%(period)s") % {"period": report.period_label},
                body=_("请于 %(due)s 前报送%(period)s业务经办情况汇报。")
                % {"due": report.effective_due.isoformat(), "period": report.period_label},
                url=_report_url(report),
                key=f"semiannual-reminder-{report.pk}-{report.effective_due.isoformat()}",
            )
            if sent:
                _report_event(report, SemiannualReportEvent.Kind.REMINDED, None, _("已提醒报送。"))
                reminded += 1
    return reminded


def mark_overdue_reports(today: datetime.date) -> int:
    """Mark reports past their deadline and tell the county head and the reviewing bureau, once."""
    marked = 0
    for pk in SemiannualReport.objects.newly_overdue(today).values_list("pk", flat=True):
        marked += _mark_one_report_overdue(pk, today)
    return marked


@transaction.atomic
def _mark_one_report_overdue(pk: int, today: datetime.date) -> int:
    report = SemiannualReport.objects.select_for_update(of=("self",)).select_related("agency").filter(pk=pk).first()
    if report is None or report.overdue_since is not None or not report.overdue_on(today):
        return 0
    due = report.effective_due_on
    report.mark_overdue(today)
    _reason(report, _("逾期未报送"))
    report.save(update_fields=["overdue_since"])
    _report_event(report, SemiannualReportEvent.Kind.OVERDUE, None, _("报送期限 %(due)s 已过。") % {"due": due})
    notify(
        [*agency_heads(report.agency_id), *report_reviewers(report)],
        _("半年汇报逾期未报送：%(agency)s %(period)s") % {"agency": report.agency, "period": report.period_label},
        body=_("报送期限 %(due)s 已过，尚未报送。") % {"due": due.isoformat()},
        url=_report_url(report),
        key=f"semiannual-overdue-{report.pk}-{due.isoformat()}",
    )
    return 1


def semiannual_sweep(today: datetime.date | None = None) -> dict[str, int]:
    """The daily beat sweep of 第十三条: open the period's reports, remind, mark overdue. Idempotent."""
    today = today or local_today()
    return {
        "opened": open_due_reports(today),
        "reminded": remind_due_reports(today),
        "overdue": mark_overdue_reports(today),
    }


# ---------------------------------------------------------------------------------------------
# 第十四条: guidance visits
# ---------------------------------------------------------------------------------------------


def _visit_url(visit: GuidanceVisit) -> str:
    return reverse("oversight:visit_detail", args=[visit.pk])


@transaction.atomic
def visit_plan(
    *, acting_user: Any, agency: Agency, planned_on: datetime.date, topics: str, team: str = ""
) -> GuidanceVisit:
    if not can(acting_user, Action.INSPECT, agency):
        raise PermissionDenied
    visit = GuidanceVisit(
        organiser=_organiser_of(acting_user, agency),
        agency=agency,
        planned_on=planned_on,
        topics=topics,
        team=team,
        recorded_by=acting_user,
    )
    visit.full_clean()
    _reason(visit, _("计划业务监督指导"))
    visit.save()
    notify(
        agency_heads(agency.pk),
        _("业务监督指导通知：%(date)s") % {"date": planned_on.isoformat()},
        body=_("%(organiser)s 计划于 %(date)s 到你单位开展业务监督指导。指导内容：%(topics)s")
        % {"organiser": visit.organiser, "date": planned_on.isoformat(), "topics": topics},
        url=_visit_url(visit),
    )
    return visit


def _locked_visit(visit: GuidanceVisit, user: Any) -> GuidanceVisit:
    visit = GuidanceVisit.objects.select_for_update(of=("self",)).select_related("agency").get(pk=visit.pk)
    if not can(user, Action.INSPECT, visit.agency_id):
        raise PermissionDenied
    return visit


@transaction.atomic
def visit_record(
    visit: GuidanceVisit,
    *,
    acting_user: Any,
    visited_on: datetime.date,
    notes: str,
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
) -> GuidanceVisit:
    visit = _locked_visit(visit, acting_user)
    bump_version(visit, version)
    visit.record_done(visited_on, notes)
    _reason(visit, _("登记指导情况"))
    visit.save()
    attach(visit, files, acting_user=acting_user)
    return visit


@transaction.atomic
def visit_cancel(visit: GuidanceVisit, *, acting_user: Any, reason: str, version: int | None = None) -> GuidanceVisit:
    visit = _locked_visit(visit, acting_user)
    bump_version(visit, version)
    visit.cancel(reason)
    _reason(visit, reason)
    visit.save()
    notify(
        agency_heads(visit.agency_id),
        _("业务监督指导已取消：%(date)s") % {"date": visit.planned_on.isoformat()},
        body=reason,
        url=_visit_url(visit),
    )
    return visit


# ---------------------------------------------------------------------------------------------
# 第十五条: fund inspections and their measures
# ---------------------------------------------------------------------------------------------


def _inspection_url(inspection: FundInspection) -> str:
    return reverse("oversight:inspection_detail", args=[inspection.pk])


def may_open_inspection(user: Any, agencies: Iterable[Agency | int]) -> bool:
    return _may_act_on_all(user, Action.INSPECT, agencies)


def may_record_measure(user: Any, inspection: FundInspection, agency: Agency | int | None = None) -> bool:
    """Measures are recorded by the inspection team, for the subject agencies they may inspect."""
    if not (is_system_admin(user) or inspection.is_on_team(user)):
        return False
    agency_id = agency if isinstance(agency, int) or agency is None else agency.pk
    subjects = inspection.agencies.values("pk")
    reachable = agencies_for(user, Action.INSPECT).filter(pk__in=subjects)
    if agency_id is not None:
        reachable = reachable.filter(pk=agency_id)
    return reachable.exists()


def may_lead_inspection(user: Any, inspection: FundInspection) -> bool:
    """Concluding or cancelling: a team member who may inspect every subject agency."""
    return (is_system_admin(user) or inspection.is_on_team(user)) and _may_act_on_all(
        user, Action.INSPECT, inspection.agencies.values_list("pk", flat=True)
    )


def team_candidates(user: Any) -> models.QuerySet[Any]:
    """Inspectors of the acting user's city who may join an inspection team."""
    person = person_of(user)
    users = User.objects.filter(is_active=True, groups__name=Role.INSPECTOR, person__is_active=True)
    if person is not None:
        users = users.filter(person__agency__city_id=person.agency.city_id)
    return users.select_related("person", "person__agency").distinct().order_by("person__agency", "username")


@transaction.atomic
def inspection_open(
    *,
    acting_user: Any,
    title: str,
    agencies: Sequence[Agency],
    period_start: datetime.date,
    period_end: datetime.date,
    started_on: datetime.date,
    scope: str,
    members: Sequence[Any] = (),
) -> FundInspection:
    """Open a fund inspection of one or more agencies; the acting user leads the team."""
    if not may_open_inspection(acting_user, agencies):
        raise PermissionDenied
    allowed = set(team_candidates(acting_user).values_list("pk", flat=True))
    if any(member.pk not in allowed for member in members):
        raise PermissionDenied
    inspection = FundInspection(
        organiser=_organiser_of(acting_user, agencies[0]),
        title=title,
        period_start=period_start,
        period_end=period_end,
        started_on=started_on,
        scope=scope,
        leader=acting_user,
        created_by=acting_user,
    )
    inspection.full_clean()
    _reason(inspection, _("开展基金监督检查"))
    inspection.save()
    inspection.agencies.set(agencies)
    inspection.members.set([member for member in members if member.pk != acting_user.pk])
    for agency in agencies:
        notify(
            agency_heads(agency.pk),
            _("社会保险基金监督检查通知：%(title)s") % {"title": title},
            body=_(
                "%(organiser)s 自 %(date)s 起对你单位 %(start)s 至 %(end)s 的社会保险基金收支、管理情况进行监督检查。"
            )
            % {
                "organiser": inspection.organiser,
                "date": started_on.isoformat(),
                "start": period_start.isoformat(),
                "end": period_end.isoformat(),
            },
            url=_inspection_url(inspection),
        )
    return inspection


def _locked_inspection(inspection: FundInspection) -> FundInspection:
    return FundInspection.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=inspection.pk)


def _require_measure(user: Any, inspection: FundInspection, agency: Agency) -> None:
    if not may_record_measure(user, inspection, agency):
        raise PermissionDenied


@transaction.atomic
def material_register(
    inspection: FundInspection,
    *,
    acting_user: Any,
    agency: Agency,
    name: str,
    quantity: str,
    handling: str,
    registered_on: datetime.date,
    description: str = "",
    note: str = "",
    seal: dict[str, Any] | None = None,
) -> InspectionMaterial:
    """第十五条（一）: enter a material read, recorded or copied; with `seal`, seal it at once."""
    inspection = _locked_inspection(inspection)
    _require_measure(acting_user, inspection, agency)
    inspection.require_in_progress()
    if registered_on > local_today():
        raise TransitionNotAllowed(_("登记日期不能晚于今天。"))
    material = InspectionMaterial(
        inspection=inspection,
        agency=agency,
        name=name,
        description=description,
        quantity=quantity,
        handling=handling,
        registered_on=registered_on,
        registered_by=acting_user,
        note=note,
    )
    material.full_clean()
    _reason(material, _("登记检查材料"))
    material.save()
    if seal:
        material_seal(material, acting_user=acting_user, **seal)
    return material


def _locked_material(material: InspectionMaterial) -> InspectionMaterial:
    return (
        InspectionMaterial.objects.select_for_update(of=("self",))
        .select_related("inspection", "agency")
        .get(pk=material.pk)
    )


@transaction.atomic
def material_seal(
    material: InspectionMaterial, *, acting_user: Any, seal_number: str, place: str, sealed_on: datetime.date
) -> MaterialSeal:
    """Seal (封存) a material at risk of being moved, hidden or destroyed: an entry of the seal register."""
    material = _locked_material(material)
    inspection = material.inspection
    _require_measure(acting_user, inspection, material.agency_id)
    inspection.require_in_progress()
    if sealed_on < inspection.started_on:
        raise TransitionNotAllowed(_("封存日期不能早于检查开始日期。"))
    if MaterialSeal.objects.filter(material__inspection=inspection, seal_number=seal_number).exists():
        raise TransitionNotAllowed(_("封条编号 %(number)s 在本次检查中已使用。") % {"number": seal_number})
    material.seal(sealed_on)
    _reason(material, _("封存，封条编号 %(number)s") % {"number": seal_number})
    material.save()
    seal = MaterialSeal(
        material=material, seal_number=seal_number, place=place, sealed_on=sealed_on, sealed_by=acting_user
    )
    seal.full_clean()
    seal.save()
    return seal


@transaction.atomic
def material_release(
    material: InspectionMaterial, *, acting_user: Any, released_on: datetime.date, reason: str
) -> MaterialSeal:
    """Release a sealed material; its seal entry stays in the register with the release date and person."""
    material = _locked_material(material)
    inspection = material.inspection
    _require_measure(acting_user, inspection, material.agency_id)
    inspection.require_not_cancelled()
    seal = MaterialSeal.objects.select_for_update().filter(material=material, released_on__isnull=True).first()
    material.release(seal, released_on)
    _reason(material, _("解除封存：%(reason)s") % {"reason": reason})
    material.save()
    if seal is None:  # material.release has refused this already; keeps type checkers honest
        raise TransitionNotAllowed(_("该材料尚未封存，不能解除封存。"))
    seal.released_on = released_on
    seal.released_by = acting_user
    seal.release_reason = reason
    _reason(seal, reason)
    seal.save()
    return seal


@transaction.atomic
def inquiry_record(
    inspection: FundInspection, *, acting_user: Any, agency: Agency, files: Iterable[UploadedFile] = (), **fields: Any
) -> Inquiry:
    """第十五条（二）: an inquiry record, with the signed statement as evidence when it is at hand."""
    inspection = _locked_inspection(inspection)
    _require_measure(acting_user, inspection, agency)
    inspection.require_in_progress()
    inquiry = Inquiry(inspection=inspection, agency=agency, recorded_by=acting_user, **fields)
    inquiry.full_clean()
    if inquiry.started_at > timezone.now():
        raise TransitionNotAllowed(_("询问开始时间不能晚于现在。"))
    _reason(inquiry, _("登记询问笔录"))
    inquiry.save()
    attach(inquiry, files, acting_user=acting_user, description=_("签字确认的询问笔录"))
    return inquiry


@transaction.atomic
def inquiry_add_statement(inquiry: Inquiry, *, acting_user: Any, files: Iterable[UploadedFile]) -> Inquiry:
    inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("inspection").get(pk=inquiry.pk)
    _require_measure(acting_user, inquiry.inspection, inquiry.agency_id)
    inquiry.inspection.require_not_cancelled()
    files = list(files)
    if not files:
        raise TransitionNotAllowed(_("请选择签字确认的询问笔录扫描件。"))
    attach(inquiry, files, acting_user=acting_user, description=_("签字确认的询问笔录"))
    return inquiry


def _render_document(template_name: str, context: dict[str, Any]) -> bytes:
    from supervision.documents import render_pdf

    return render_pdf(template_name, context)


def _allocate_number(inspection: FundInspection, year: int) -> str:
    from supervision.documents import allocate_document_number

    prefix = OversightSettings.for_city(inspection.organiser.city_id).document_prefix
    return allocate_document_number(prefix, year)


def _store_document(record: models.Model, pdf: bytes, filename: str, acting_user: Any) -> None:
    upload = SimpleUploadedFile(filename, pdf, content_type="application/pdf")
    attach(record, [upload], acting_user=acting_user, description=GENERATED_DOCUMENT)


def document_of(record: models.Model) -> Any:
    """The generated PDF of an order or decision (an attachment), or None."""
    from supervision.models import Attachment

    return Attachment.objects.for_object(record).filter(description=GENERATED_DOCUMENT).first()


@transaction.atomic
def order_issue(
    inspection: FundInspection,
    *,
    acting_user: Any,
    agency: Agency,
    conduct: str,
    facts: str,
    requirements: str,
    deadline: datetime.date,
    issued_on: datetime.date,
) -> CorrectionOrder:
    """第十五条（三）: a numbered 责令改正通知书 as a PDF; its correction is tracked as a finding."""
    inspection = _locked_inspection(inspection)
    _require_measure(acting_user, inspection, agency)
    inspection.require_in_progress()
    if issued_on > local_today():
        raise TransitionNotAllowed(_("下达日期不能晚于今天。"))
    order = CorrectionOrder(
        inspection=inspection,
        agency=agency,
        number=_allocate_number(inspection, issued_on.year),
        conduct=conduct,
        facts=facts,
        requirements=requirements,
        deadline=deadline,
        issued_on=issued_on,
        issued_by=acting_user,
    )
    order.full_clean()
    _reason(order, _("下达责令改正通知书"))
    order.save()
    order.finding = finding_raise(
        acting_user=acting_user,
        agency=agency,
        article="第十五条（三）",
        severity=Finding.Severity.SEVERE,
        title=_("责令改正：%(conduct)s") % {"conduct": order.get_conduct_display()},
        description=facts,
        suggestion=requirements,
        deadline=deadline,
        found_on=issued_on,
        source=Finding.Source.FUND_INSPECTION,
        source_record=inspection,
        source_label=_("责令改正通知书 %(number)s") % {"number": order.number},
    )
    order.save(update_fields=["finding"])
    pdf = _render_document(
        "supervision/oversight/documents/correction_order.html",
        {
            "title": _("责令改正通知书"),
            "document_number": order.number,
            "issuer": inspection.organiser.name,
            "issued_on": issued_on,
            "order": order,
            "inspection": inspection,
        },
    )
    _store_document(order, pdf, f"{order.number} 责令改正通知书.pdf", acting_user)
    return order


@transaction.atomic
def decision_issue(
    inspection: FundInspection,
    *,
    acting_user: Any,
    agency: Agency,
    facts: str,
    basis: str,
    decision: str,
    decided_on: datetime.date,
) -> HandlingDecision:
    """第十五条: a numbered 处理决定书 as a PDF, served on the agency."""
    inspection = _locked_inspection(inspection)
    _require_measure(acting_user, inspection, agency)
    inspection.require_not_cancelled()
    if decided_on > local_today():
        raise TransitionNotAllowed(_("决定日期不能晚于今天。"))
    record = HandlingDecision(
        inspection=inspection,
        agency=agency,
        number=_allocate_number(inspection, decided_on.year),
        facts=facts,
        basis=basis,
        decision=decision,
        decided_on=decided_on,
        issued_by=acting_user,
    )
    record.full_clean()
    _reason(record, _("作出处理决定"))
    record.save()
    pdf = _render_document(
        "supervision/oversight/documents/handling_decision.html",
        {
            "title": _("处理决定书"),
            "document_number": record.number,
            "issuer": inspection.organiser.name,
            "issued_on": decided_on,
            "decision": record,
            "inspection": inspection,
        },
    )
    _store_document(record, pdf, f"{record.number} 处理决定书.pdf", acting_user)
    notify(
        agency_heads(agency.pk),
        _("处理决定书 %(number)s") % {"number": record.number},
        body=decision,
        url=_inspection_url(inspection),
    )
    return record


@transaction.atomic
def document_revoke(
    document: CorrectionOrder | HandlingDecision, *, acting_user: Any, reason: str
) -> CorrectionOrder | HandlingDecision:
    """撤销 a 责令改正通知书 or 处理决定书 issued in error: it stays on file, marked revoked with the reason.

    A revoked order's correction is no longer demanded: its open finding is withdrawn with the same reason.
    """
    inspection = _locked_inspection(document.inspection)
    document = type(document).objects.select_for_update(of=("self",)).select_related("agency").get(pk=document.pk)
    _require_measure(acting_user, inspection, document.agency)
    if document.is_revoked:
        raise TransitionNotAllowed(_("%(number)s 已于此前撤销。") % {"number": document.number})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明撤销理由。")})
    document.revoked_at = timezone.now()
    document.revoked_by = acting_user
    document.revoke_reason = reason
    _reason(document, _("撤销：%(reason)s") % {"reason": reason})
    document.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    finding = getattr(document, "finding", None)
    if finding is not None and finding.status in Finding.OPEN_STATUSES:
        finding_withdraw(
            finding,
            acting_user=acting_user,
            reason=_("%(number)s 已撤销：%(reason)s") % {"number": document.number, "reason": reason},
        )
    notify(
        agency_heads(document.agency_id),
        _("%(number)s 已撤销") % {"number": document.number},
        body=reason,
        url=_inspection_url(inspection),
    )
    return document


@transaction.atomic
def inspection_conclude(
    inspection: FundInspection,
    *,
    acting_user: Any,
    ended_on: datetime.date,
    conclusion: str,
    version: int | None = None,
) -> FundInspection:
    inspection = _locked_inspection(inspection)
    if not may_lead_inspection(acting_user, inspection):
        raise PermissionDenied
    bump_version(inspection, version)
    inspection.conclude(ended_on, conclusion)
    _reason(inspection, _("检查结束"))
    inspection.save()
    return inspection


@transaction.atomic
def inspection_cancel(
    inspection: FundInspection, *, acting_user: Any, reason: str, version: int | None = None
) -> FundInspection:
    inspection = _locked_inspection(inspection)
    if not may_lead_inspection(acting_user, inspection):
        raise PermissionDenied
    bump_version(inspection, version)
    open_seals = MaterialSeal.objects.filter(material__inspection=inspection, released_on__isnull=True).count()
    inspection.cancel(reason, open_seals=open_seals)
    _reason(inspection, reason)
    inspection.save()
    return inspection


# ---------------------------------------------------------------------------------------------
# 第十二条（四）、第十五条: publication of results
# ---------------------------------------------------------------------------------------------


def may_publish(user: Any, inspection: FundInspection) -> bool:
    return (
        inspection.status == FundInspection.Status.CONCLUDED
        and may_publish_disclosure(user)
        and scoped_any(FundInspection.objects.filter(pk=inspection.pk), user).exists()
    )


@transaction.atomic
def disclosure_publish(
    inspection: FundInspection, *, acting_user: Any, title: str, summary: str, version: int | None = None
) -> Disclosure:
    """Publish (or re-publish) an inspection's results: a snapshot of only what the public may read.

    `version` is the disclosure's version the approver saw, 0 when there was none yet: a publication
    or withdrawal by someone else since is refused as a conflict, never overwritten.
    """
    inspection = _locked_inspection(inspection)
    if not may_publish(acting_user, inspection):
        raise PermissionDenied
    validate_no_personal_data(title)
    validate_no_personal_data(summary)
    disclosure = Disclosure.objects.select_for_update(of=("self",)).filter(inspection=inspection).first()
    if disclosure is None:
        disclosure = Disclosure(inspection=inspection)
    else:
        bump_version(disclosure, version)
    agencies = list(inspection.agencies.select_related("division").order_by("division__code"))
    findings = findings_of(inspection).aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(status=Finding.Status.CLOSED))
    )
    now = timezone.now()
    disclosure.status = Disclosure.Status.PUBLISHED
    disclosure.title = title
    disclosure.summary = summary
    disclosure.year = inspection.started_on.year
    disclosure.organiser_name = inspection.organiser.name
    disclosure.agencies_text = "、".join(agency.name for agency in agencies)[:500]
    disclosure.period_start = inspection.period_start
    disclosure.period_end = inspection.period_end
    disclosure.inspected_from = inspection.started_on
    disclosure.inspected_to = inspection.ended_on or inspection.started_on
    disclosure.finding_count = findings["total"]
    disclosure.rectified_count = findings["closed"]
    disclosure.decision_count = inspection.decisions.count()
    disclosure.published_at = now
    disclosure.published_by = acting_user
    disclosure.withdrawn_at = None
    disclosure.withdrawn_by = None
    disclosure.withdraw_reason = ""
    disclosure.changed_at = now
    disclosure.full_clean()
    _reason(disclosure, _("批准公开"))
    disclosure.save()
    disclosure.divisions.set({agency.division_id for agency in agencies if agency.division_id})
    return disclosure


@transaction.atomic
def disclosure_withdraw(
    disclosure: Disclosure, *, acting_user: Any, reason: str, version: int | None = None
) -> Disclosure:
    disclosure = Disclosure.objects.select_for_update(of=("self",)).select_related("inspection").get(pk=disclosure.pk)
    if (
        not may_publish_disclosure(acting_user)
        or not scoped_any(FundInspection.objects.filter(pk=disclosure.inspection_id), acting_user).exists()
    ):
        raise PermissionDenied
    bump_version(disclosure, version)
    disclosure.withdraw(acting_user, reason)
    _reason(disclosure, reason)
    disclosure.save()
    return disclosure

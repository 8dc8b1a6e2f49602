"""Audited actions of the integrity app (Arts. 6–11).

Each action runs in one transaction, checks the acting user's right, locks the row it changes,
refuses a stale version where two people may edit the same record, writes history in the same
transaction and notifies the people who must act (mail after commit, through `notify`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from integrity import access
from integrity.models import (
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ControlInspection,
    DisposalPlan,
    InspectionItemResult,
    IntegrityCommitment,
    IntegrityTalk,
    IntegrityTalkFollowUp,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    RiskReview,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
    SpotCheckIssue,
)
from supervision.actions.findings import agency_heads, finding_raise
from supervision.attachments import attach
from supervision.documents import allocate_document_number
from supervision.models import Agency, Finding, Person
from supervision.notifications import notify
from supervision.permissions import Action, Role, can
from supervision.workflow import EditConflict, TransitionNotAllowed, audit, bump_version

User = get_user_model()

# Inspection reports are numbered in their own series: 新人社内控〔2026〕1号.
REPORT_NUMBER_PREFIX = "新人社内控"


def _locked(model: type[models.Model], pk: int, *related: str) -> Any:
    queryset = model.objects.select_for_update(of=("self",))
    if related:
        queryset = queryset.select_related(*related)
    return queryset.get(pk=pk)


def _save(record: models.Model, reason: str, *, by: Any) -> None:
    """Validate and save with its reason; the history names the acting user even outside a request."""
    audit(record, by, reason)
    record.full_clean()
    record.save()


# Checklists (第七条至第十条) ---------------------------------------------------------------------


@transaction.atomic
def checklist_revise(
    checklist: Checklist,
    *,
    acting_user: Any,
    changes: Mapping[int, Mapping[str, str]],
    note: str,
    expected_version: int | None = None,
) -> ChecklistVersion:
    """Make a new version of a checklist with edited check points and guidance.

    `changes` maps an item position to its new `check_points` and `guidance`. The items of earlier
    versions are never touched, so inspections planned with them read as they were carried out.
    """
    if not access.may_revise_checklists(acting_user):
        raise PermissionDenied
    checklist = _locked(Checklist, checklist.pk)
    current = checklist.versions.order_by("-number").first()
    if expected_version is not None and current.number != int(expected_version):
        raise EditConflict
    items = list(current.items.order_by("position"))
    changed = False
    for item in items:
        change = changes.get(item.position, {})
        for field in ("check_points", "guidance"):
            if field in change and change[field].strip() != getattr(item, field).strip():
                changed = True
    if not changed:
        raise TransitionNotAllowed(_("没有修改任何检查要点或检查指引，未生成新版本。"))
    version = ChecklistVersion.objects.create(
        checklist=checklist, number=current.number + 1, note=note, created_by=acting_user
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            version=version,
            position=item.position,
            code=item.code,
            text=item.text,
            check_points=changes.get(item.position, {}).get("check_points", item.check_points).strip(),
            guidance=changes.get(item.position, {}).get("guidance", item.guidance).strip(),
        )
        for item in items
    )
    audit(checklist, acting_user, _("修订为第%(number)s版：%(note)s") % {"number": version.number, "note": note})
    checklist.save()
    return version


# Control inspections -------------------------------------------------------------------------


def _inspection_url(inspection: ControlInspection) -> str:
    return reverse("integrity:inspection_detail", args=[inspection.pk])


@transaction.atomic
def inspection_plan(
    *,
    acting_user: Any,
    agency: Agency,
    checklists: Sequence[Checklist],
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    planned_on: datetime.date,
    team: Iterable[Any] = (),
) -> ControlInspection:
    """Plan an inspection with the current version of each chosen checklist; one result row per item."""
    if not can(acting_user, Action.INSPECT, agency):
        raise PermissionDenied
    members = [member for member in team if member.pk != acting_user.pk]
    for member in members:
        if not can(member, Action.INSPECT, agency):
            raise PermissionDenied
    if not checklists:
        raise TransitionNotAllowed(_("请至少选择一份检查清单。"))
    inspection = ControlInspection(
        agency=agency,
        title=title,
        period_start=period_start,
        period_end=period_end,
        planned_on=planned_on,
        lead=acting_user,
    )
    _save(inspection, _("制定检查计划"), by=acting_user)
    versions = [checklist.current_version() for checklist in checklists]
    inspection.checklists.set(versions)
    inspection.team.set(members)
    items = ChecklistItem.objects.filter(version__in=versions).order_by("version__checklist__article", "position")
    bulk_create_with_history(
        [InspectionItemResult(inspection=inspection, item=item) for item in items],
        InspectionItemResult,
        default_user=acting_user,
        default_change_reason=_("制定检查计划"),
    )
    notify(
        members,
        _("内控检查任务：%(title)s") % {"title": title},
        body=_("您已被列为检查组成员，计划检查日期 %(day)s。") % {"day": planned_on},
        url=_inspection_url(inspection),
    )
    return inspection


@transaction.atomic
def inspection_update_plan(
    inspection: ControlInspection,
    *,
    acting_user: Any,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    planned_on: datetime.date,
    team: Iterable[Any] = (),
    version: int | None = None,
) -> ControlInspection:
    """Change the plan of an open inspection: its name, period, date and team (not its agency or checklists)."""
    inspection = _locked(ControlInspection, inspection.pk, "agency")
    if not access.may_conduct(acting_user, inspection):
        raise PermissionDenied
    inspection.ensure_open()
    bump_version(inspection, version)
    members = [member for member in team if member.pk != inspection.lead_id]
    for member in members:
        if not can(member, Action.INSPECT, inspection.agency_id):
            raise PermissionDenied
    before = set(inspection.team.values_list("pk", flat=True))
    inspection.title = title
    inspection.period_start = period_start
    inspection.period_end = period_end
    inspection.planned_on = planned_on
    _save(inspection, _("修改检查计划"), by=acting_user)
    inspection.team.set(members)
    notify(
        [member for member in members if member.pk not in before],
        _("内控检查任务：%(title)s") % {"title": title},
        body=_("您已被列为检查组成员，计划检查日期 %(day)s。") % {"day": planned_on},
        url=_inspection_url(inspection),
    )
    return inspection


@transaction.atomic
def inspection_record_result(
    result: InspectionItemResult,
    *,
    acting_user: Any,
    outcome: str,
    problem: str = "",
    notes: str = "",
    severity: str = Finding.Severity.MINOR,
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
) -> InspectionItemResult:
    """Record one item: compliant / partly / not compliant / not applicable, with notes and evidence."""
    result = _locked(InspectionItemResult, result.pk, "item")
    inspection = _locked(ControlInspection, result.inspection_id)
    if not access.may_conduct(acting_user, inspection):
        raise PermissionDenied
    inspection.ensure_open()
    bump_version(result, version)
    if outcome == InspectionItemResult.Result.PENDING:
        raise TransitionNotAllowed(_("请选择检查结果。"))
    if outcome in InspectionItemResult.SHORTCOMINGS and not problem.strip():
        raise TransitionNotAllowed(_("部分符合或不符合的条目须写明问题摘要。"))
    result.result = outcome
    result.problem = problem.strip() if outcome in InspectionItemResult.SHORTCOMINGS else ""
    result.notes = notes
    result.severity = severity
    result.recorded_by = acting_user
    result.recorded_at = timezone.now()
    _save(result, _("记录检查结果"), by=acting_user)
    attach(result, files, acting_user=acting_user)
    if inspection.status == ControlInspection.Status.PLANNED:
        inspection.start()
        _save(inspection, _("开始检查"), by=acting_user)
    return result


@transaction.atomic
def inspection_complete(
    inspection: ControlInspection,
    *,
    acting_user: Any,
    conclusion: str,
    deadline: datetime.date,
    version: int | None = None,
) -> list[Finding]:
    """Complete an inspection: every partly or not compliant item becomes one Finding, exactly once."""
    inspection = _locked(ControlInspection, inspection.pk, "agency")
    if not access.may_conduct(acting_user, inspection):
        raise PermissionDenied
    if inspection.status == ControlInspection.Status.COMPLETED:
        raise TransitionNotAllowed(_("该检查已经完成，不能重复完成。"))
    bump_version(inspection, version)
    results = list(
        inspection.results.select_for_update(of=("self",))
        .select_related("item")
        .order_by("item__version__checklist__article", "item__position")
    )
    pending = sum(1 for result in results if result.result == InspectionItemResult.Result.PENDING)
    if pending and inspection.is_open:
        raise TransitionNotAllowed(_("还有 %(count)s 项未检查，全部条目记录结果后才能完成检查。") % {"count": pending})
    inspection.complete(acting_user)
    inspection.conclusion = conclusion
    inspection.report_number = _report_number(inspection)
    _save(inspection, _("完成检查"), by=acting_user)
    findings = []
    for result in results:
        if not result.is_shortcoming or result.finding_id:
            continue
        finding = finding_raise(
            acting_user=acting_user,
            agency=inspection.agency,
            article=result.item.code,
            title=result.problem,
            description=_("%(item)s：%(text)s\n\n检查情况：%(notes)s")
            % {"item": result.item.code, "text": result.item.text, "notes": result.notes or result.problem},
            deadline=deadline,
            severity=result.severity,
            suggestion=result.item.guidance,
            source=Finding.Source.CONTROL_INSPECTION,
            source_record=result,
            source_label=inspection.title,
            found_on=timezone.localdate(),
        )
        result.finding = finding
        audit(result, acting_user, _("下达整改要求"))
        result.save(update_fields=["finding"])
        findings.append(finding)
    recipients = agency_heads(inspection.agency_id)
    notify(
        recipients,
        _("内控检查已完成：%(title)s") % {"title": inspection.title},
        body=_("检查发现 %(count)s 个问题，请按整改要求在 %(deadline)s 前整改并答复。")
        % {"count": len(findings), "deadline": deadline}
        if findings
        else _("检查未发现需要整改的问题。"),
        url=_inspection_url(inspection),
    )
    return findings


def _report_number(inspection: ControlInspection) -> str:
    """The report's document number, allocated in the completing transaction (gap-free)."""
    return allocate_document_number(REPORT_NUMBER_PREFIX, timezone.localdate().year)


@transaction.atomic
def inspection_cancel(inspection: ControlInspection, *, acting_user: Any, reason: str) -> ControlInspection:
    inspection = _locked(ControlInspection, inspection.pk)
    if not access.may_conduct(acting_user, inspection):
        raise PermissionDenied
    inspection.cancel(reason)
    _save(inspection, reason, by=acting_user)
    return inspection


# Spot checks (第十条（二）) -----------------------------------------------------------------------


def _spot_check_url(spot_check: SpotCheck) -> str:
    return reverse("integrity:spot_check_detail", args=[spot_check.pk])


@transaction.atomic
def spot_check_create(
    *, acting_user: Any, agency: Agency, files: Iterable[UploadedFile] = (), **fields: Any
) -> SpotCheck:
    if not access.may_spot_check(acting_user, agency):
        raise PermissionDenied
    spot_check = SpotCheck(agency=agency, checked_by=acting_user, **fields)
    _save(spot_check, _("登记业务抽查"), by=acting_user)
    attach(spot_check, files, acting_user=acting_user)
    return spot_check


@transaction.atomic
def spot_check_update(
    spot_check: SpotCheck,
    *,
    acting_user: Any,
    version: int | None = None,
    files: Iterable[UploadedFile] = (),
    **fields: Any,
) -> SpotCheck:
    spot_check = _locked(SpotCheck, spot_check.pk)
    if not access.may_spot_check(acting_user, spot_check.agency_id):
        raise PermissionDenied
    spot_check.ensure_draft()
    bump_version(spot_check, version)
    for name, value in fields.items():
        setattr(spot_check, name, value)
    _save(spot_check, _("修改抽查情况"), by=acting_user)
    attach(spot_check, files, acting_user=acting_user)
    return spot_check


@transaction.atomic
def spot_check_add_issue(spot_check: SpotCheck, *, acting_user: Any, **fields: Any) -> SpotCheckIssue:
    spot_check = _locked(SpotCheck, spot_check.pk)
    if not access.may_spot_check(acting_user, spot_check.agency_id):
        raise PermissionDenied
    spot_check.ensure_draft()
    issue = SpotCheckIssue(spot_check=spot_check, created_by=acting_user, **fields)
    _save(issue, _("登记抽查发现的问题"), by=acting_user)
    return issue


@transaction.atomic
def spot_check_withdraw_issue(issue: SpotCheckIssue, *, acting_user: Any, reason: str) -> SpotCheckIssue:
    spot_check = _locked(SpotCheck, issue.spot_check_id)
    issue = _locked(SpotCheckIssue, issue.pk)
    if not access.may_spot_check(acting_user, spot_check.agency_id):
        raise PermissionDenied
    spot_check.ensure_draft()
    if issue.withdrawn_at:
        raise TransitionNotAllowed(_("该问题已经撤回。"))
    issue.withdrawn_at = timezone.now()
    issue.withdraw_reason = reason
    _save(issue, reason, by=acting_user)
    return issue


@transaction.atomic
def spot_check_feed_back(
    spot_check: SpotCheck, *, acting_user: Any, deadline: datetime.date, version: int | None = None
) -> list[Finding]:
    """Feed the results back to the agency: each shortcoming becomes a Finding, exactly once."""
    spot_check = _locked(SpotCheck, spot_check.pk, "agency")
    if not access.may_spot_check(acting_user, spot_check.agency_id):
        raise PermissionDenied
    bump_version(spot_check, version)
    spot_check.feed_back()
    _save(spot_check, _("反馈被抽查单位"), by=acting_user)
    findings = []
    label = _("业务抽查：%(subject)s") % {"subject": spot_check.subject}
    for issue in spot_check.issues.select_for_update(of=("self",)).filter(withdrawn_at__isnull=True, finding=None):
        reference = _("（档案或业务编号：%(ref)s）") % {"ref": issue.file_reference} if issue.file_reference else ""
        finding = finding_raise(
            acting_user=acting_user,
            agency=spot_check.agency,
            article=issue.article,
            title=issue.title,
            description=f"{issue.description}{reference}",
            deadline=deadline,
            severity=issue.severity,
            source=Finding.Source.SPOT_CHECK,
            source_record=issue,
            source_label=label[:200],
        )
        issue.finding = finding
        audit(issue, acting_user, _("下达整改要求"))
        issue.save(update_fields=["finding"])
        findings.append(finding)
    notify(
        agency_heads(spot_check.agency_id),
        _("业务抽查情况反馈：%(subject)s") % {"subject": spot_check.subject},
        body=_("抽查 %(size)s 件，发现问题 %(count)s 个。") % {"size": spot_check.sample_size, "count": len(findings)},
        url=_spot_check_url(spot_check),
    )
    return findings


@transaction.atomic
def spot_check_report(
    spot_check: SpotCheck, *, acting_user: Any, to: Person, text: str, version: int | None = None
) -> SpotCheck:
    """Report the spot check to the main leader (报告主要领导)."""
    spot_check = _locked(SpotCheck, spot_check.pk)
    if not access.may_spot_check(acting_user, spot_check.agency_id):
        raise PermissionDenied
    bump_version(spot_check, version)
    spot_check.report(to, text)
    _save(spot_check, _("报告主要领导"), by=acting_user)
    if to.user_id:
        notify(
            [to.user],
            _("业务抽查情况报告：%(subject)s") % {"subject": spot_check.subject},
            body=text,
            url=_spot_check_url(spot_check),
        )
    return spot_check


# Risk register (第十条（三）) ---------------------------------------------------------------------


def _check_person(person: Person | None, agency: Agency | int) -> None:
    agency_id = agency if isinstance(agency, int) else agency.pk
    if person is not None and person.agency_id != agency_id:
        raise PermissionDenied


@transaction.atomic
def risk_create(
    *, acting_user: Any, agency: Agency, likelihood: int, impact: int, owner: Person | None = None, **fields: Any
) -> Risk:
    if not access.may_keep_risks(acting_user, agency):
        raise PermissionDenied
    _check_person(owner, agency)
    risk = Risk(agency=agency, owner=owner, created_by=acting_user, **fields)
    risk.rate(likelihood, impact)
    _save(risk, _("识别登记风险"), by=acting_user)
    return risk


@transaction.atomic
def risk_update(
    risk: Risk,
    *,
    acting_user: Any,
    likelihood: int,
    impact: int,
    owner: Person | None = None,
    version: int | None = None,
    **fields: Any,
) -> Risk:
    risk = _locked(Risk, risk.pk)
    if not access.may_keep_risks(acting_user, risk.agency_id):
        raise PermissionDenied
    risk.ensure_open()
    bump_version(risk, version)
    _check_person(owner, risk.agency_id)
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.owner = owner
    risk.rate(likelihood, impact)
    _save(risk, _("修改风险"), by=acting_user)
    return risk


@transaction.atomic
def risk_review(
    risk: Risk,
    *,
    acting_user: Any,
    likelihood: int,
    impact: int,
    status: str,
    note: str,
    next_review_on: datetime.date | None,
    reviewed_on: datetime.date | None = None,
    version: int | None = None,
) -> RiskReview:
    """Review a risk: rate it again, set its status and the next review date (none when closing)."""
    risk = _locked(Risk, risk.pk)
    if not access.may_keep_risks(acting_user, risk.agency_id):
        raise PermissionDenied
    risk.ensure_open()
    bump_version(risk, version)
    reviewed_on = reviewed_on or timezone.localdate()
    if status != Risk.Status.CLOSED and next_review_on is None:
        raise TransitionNotAllowed(_("未关闭的风险须确定下次复核日期。"))
    if next_review_on is not None and next_review_on <= reviewed_on:
        raise TransitionNotAllowed(_("下次复核日期须晚于本次复核日期。"))
    review = RiskReview.objects.create(
        risk=risk,
        reviewed_on=reviewed_on,
        likelihood=likelihood,
        impact=impact,
        status=status,
        note=note,
        next_review_on=next_review_on,
        reviewed_by=acting_user,
    )
    risk.rate(likelihood, impact)
    risk.last_reviewed_on = reviewed_on
    if status == Risk.Status.CLOSED:
        risk.close(note)
    else:
        risk.status = status
        risk.next_review_on = next_review_on
    _save(risk, _("风险复核：%(note)s") % {"note": note[:80]}, by=acting_user)
    return review


def remind_risk_reviews(today: datetime.date | None = None) -> int:
    """The daily sweep: tell each risk's owner (or the agency head) once per review date that it is due."""
    today = today or timezone.localdate()
    sent = 0
    due = Risk.objects.due_for_review(today).select_related("owner__user", "agency")
    for risk in due.iterator(chunk_size=200):
        recipients = [risk.owner.user] if risk.owner and risk.owner.user_id else agency_heads(risk.agency_id)
        with transaction.atomic():
            created = notify(
                recipients,
                _("风险待复核：%(title)s") % {"title": risk.title},
                body=_("%(agency)s 的风险“%(title)s”应于 %(day)s 复核。")
                % {"agency": risk.agency, "title": risk.title, "day": risk.next_review_on},
                url=reverse("integrity:risk_detail", args=[risk.pk]),
                key=f"risk-review-{risk.pk}-{risk.next_review_on.isoformat()}",
            )
        sent += len(created)
    return sent


@transaction.atomic
def risk_report_save(
    report: RiskAnalysisReport | None,
    *,
    acting_user: Any,
    agency: Agency | None = None,
    risks: Iterable[Risk] = (),
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
    **fields: Any,
) -> RiskAnalysisReport:
    """Write or revise a draft risk analysis report (风险分析报告)."""
    if report is None:
        if agency is None or not access.may_keep_risks(acting_user, agency):
            raise PermissionDenied
        report = RiskAnalysisReport(agency=agency, created_by=acting_user, **fields)
        reason = _("撰写风险分析报告")
    else:
        report = _locked(RiskAnalysisReport, report.pk)
        if not access.may_keep_risks(acting_user, report.agency_id):
            raise PermissionDenied
        report.ensure_draft()
        bump_version(report, version)
        for name, value in fields.items():
            setattr(report, name, value)
        reason = _("修改风险分析报告")
    risks = list(risks)
    if any(risk.agency_id != report.agency_id for risk in risks):
        raise PermissionDenied
    _save(report, reason, by=acting_user)
    report.risks.set(risks)
    attach(report, files, acting_user=acting_user)
    return report


@transaction.atomic
def risk_report_submit(
    report: RiskAnalysisReport, *, acting_user: Any, version: int | None = None
) -> RiskAnalysisReport:
    report = _locked(RiskAnalysisReport, report.pk, "agency")
    if not access.may_keep_risks(acting_user, report.agency_id):
        raise PermissionDenied
    bump_version(report, version)
    report.submit(acting_user)
    _save(report, _("报送风险分析报告"), by=acting_user)
    inspectors = User.objects.filter(
        groups__name=Role.INSPECTOR,
        is_active=True,
        person__agency__city_id=report.agency.city_id,
        person__agency__kind__in=Agency.CITY_KINDS,
    ).distinct()
    notify(
        inspectors,
        _("风险分析报告已报送：%(title)s") % {"title": report.title},
        url=reverse("integrity:risk_report_detail", args=[report.pk]),
    )
    return report


@transaction.atomic
def plan_save(
    plan: DisposalPlan | None,
    *,
    acting_user: Any,
    agency: Agency | None = None,
    risks: Iterable[Risk] = (),
    responsible: Person | None = None,
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
    **fields: Any,
) -> DisposalPlan:
    """Write or revise a risk disposal plan (风险处置预案)."""
    if plan is None:
        if agency is None or not access.may_keep_risks(acting_user, agency):
            raise PermissionDenied
        plan = DisposalPlan(agency=agency, created_by=acting_user, **fields)
        reason = _("制订风险处置预案")
    else:
        plan = _locked(DisposalPlan, plan.pk)
        if not access.may_keep_risks(acting_user, plan.agency_id):
            raise PermissionDenied
        plan.ensure_editable()
        bump_version(plan, version)
        for name, value in fields.items():
            setattr(plan, name, value)
        reason = _("修订风险处置预案")
    _check_person(responsible, plan.agency_id)
    risks = list(risks)
    if any(risk.agency_id != plan.agency_id for risk in risks):
        raise PermissionDenied
    plan.responsible = responsible
    _save(plan, reason, by=acting_user)
    plan.risks.set(risks)
    attach(plan, files, acting_user=acting_user)
    return plan


@transaction.atomic
def plan_put_in_force(plan: DisposalPlan, *, acting_user: Any, effective_on: datetime.date) -> DisposalPlan:
    plan = _locked(DisposalPlan, plan.pk)
    if not access.may_keep_risks(acting_user, plan.agency_id):
        raise PermissionDenied
    plan.put_in_force(effective_on)
    _save(plan, _("预案施行"), by=acting_user)
    return plan


@transaction.atomic
def plan_repeal(plan: DisposalPlan, *, acting_user: Any, reason: str) -> DisposalPlan:
    plan = _locked(DisposalPlan, plan.pk)
    if not access.may_keep_risks(acting_user, plan.agency_id):
        raise PermissionDenied
    plan.repeal(reason)
    _save(plan, reason, by=acting_user)
    return plan


# Service standards (第六条) ----------------------------------------------------------------------


@transaction.atomic
def service_commitment_save(
    record: ServiceCommitment | None,
    /,
    *,
    acting_user: Any,
    agency: Agency | None = None,
    version: int | None = None,
    **fields: Any,
) -> ServiceCommitment:
    commitment = record
    if commitment is None:
        if agency is None or not access.may_keep_service(acting_user, agency):
            raise PermissionDenied
        commitment = ServiceCommitment(agency=agency, created_by=acting_user, **fields)
        reason = _("公开服务承诺")
    else:
        commitment = _locked(ServiceCommitment, commitment.pk)
        if not access.may_keep_service(acting_user, commitment.agency_id):
            raise PermissionDenied
        if not commitment.is_active:
            raise TransitionNotAllowed(_("已停止的承诺不能修改。"))
        bump_version(commitment, version)
        for name, value in fields.items():
            setattr(commitment, name, value)
        reason = _("修改服务承诺")
    if commitment.time_unit == ServiceCommitment.TimeUnit.ON_THE_SPOT:
        commitment.time_limit = None
    _save(commitment, reason, by=acting_user)
    return commitment


@transaction.atomic
def service_commitment_withdraw(commitment: ServiceCommitment, *, acting_user: Any, reason: str) -> ServiceCommitment:
    commitment = _locked(ServiceCommitment, commitment.pk)
    if not access.may_keep_service(acting_user, commitment.agency_id):
        raise PermissionDenied
    commitment.withdraw(reason)
    _save(commitment, reason, by=acting_user)
    return commitment


@transaction.atomic
def service_rule_save(
    rule: ServiceRule | None,
    *,
    acting_user: Any,
    agency: Agency | None = None,
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
    **fields: Any,
) -> ServiceRule:
    if rule is None:
        if agency is None or not access.may_keep_service(acting_user, agency):
            raise PermissionDenied
        rule = ServiceRule(agency=agency, created_by=acting_user, **fields)
        reason = _("登记服务制度")
    else:
        rule = _locked(ServiceRule, rule.pk)
        if not access.may_keep_service(acting_user, rule.agency_id):
            raise PermissionDenied
        if not rule.is_active:
            raise TransitionNotAllowed(_("已废止的制度不能修改。"))
        bump_version(rule, version)
        for name, value in fields.items():
            setattr(rule, name, value)
        reason = _("修订服务制度")
    _save(rule, reason, by=acting_user)
    attach(rule, files, acting_user=acting_user)
    return rule


@transaction.atomic
def service_rule_repeal(rule: ServiceRule, *, acting_user: Any, reason: str) -> ServiceRule:
    rule = _locked(ServiceRule, rule.pk)
    if not access.may_keep_service(acting_user, rule.agency_id):
        raise PermissionDenied
    rule.repeal(reason)
    _save(rule, reason, by=acting_user)
    return rule


# Integrity (第十一条) -----------------------------------------------------------------------------


@transaction.atomic
def assignment_save(
    assignment: ResponsibilityAssignment | None,
    *,
    acting_user: Any,
    person: Person | None = None,
    assigned_by: Person | None = None,
    files: Iterable[UploadedFile] = (),
    version: int | None = None,
    **fields: Any,
) -> ResponsibilityAssignment:
    """Record or revise a person's 一岗双责 duties for a year."""
    if assignment is None:
        if person is None or not access.may_manage_integrity(acting_user, person.agency_id):
            raise PermissionDenied
        assignment = ResponsibilityAssignment(
            person=person, agency_id=person.agency_id, recorded_by=acting_user, **fields
        )
        reason = _("落实一岗双责")
    else:
        assignment = _locked(ResponsibilityAssignment, assignment.pk)
        if not access.may_manage_integrity(acting_user, assignment.agency_id):
            raise PermissionDenied
        bump_version(assignment, version)
        for name, value in fields.items():
            setattr(assignment, name, value)
        reason = _("修改一岗双责")
    assignment.assigned_by = assigned_by
    _save(assignment, reason, by=acting_user)
    attach(assignment, files, acting_user=acting_user)
    return assignment


@transaction.atomic
def commitments_issue(*, acting_user: Any, people: Iterable[Person], year: int, text: str) -> list[IntegrityCommitment]:
    """Issue the year's integrity commitment (廉政承诺书) to people who have none yet; they sign it."""
    people = list(people)
    for agency_id in {person.agency_id for person in people}:
        if not access.may_manage_integrity(acting_user, agency_id):
            raise PermissionDenied
    already = set(
        IntegrityCommitment.objects.filter(person__in=people, year=year)
        .exclude(status=IntegrityCommitment.Status.VOID)
        .values_list("person_id", flat=True)
    )
    issued = []
    for person in people:
        if person.pk in already:
            continue
        commitment = IntegrityCommitment(
            person=person, agency_id=person.agency_id, year=year, text=text, issued_by=acting_user
        )
        _save(commitment, _("发起廉政承诺"), by=acting_user)
        issued.append(commitment)
    notify(
        User.objects.filter(pk__in=[commitment.person.user_id for commitment in issued if commitment.person.user_id]),
        _("请签署%(year)s年度廉政承诺书") % {"year": year},
        url=reverse("integrity:commitment_list"),
    )
    return issued


@transaction.atomic
def commitment_sign(
    commitment: IntegrityCommitment, *, acting_user: Any, files: Iterable[UploadedFile] = ()
) -> IntegrityCommitment:
    """The person signs their own commitment online; a manager records a paper-signed one (with its scan)."""
    commitment = _locked(IntegrityCommitment, commitment.pk, "person")
    files = list(files)
    if commitment.person.user_id == getattr(acting_user, "pk", None):
        method = IntegrityCommitment.Method.ONLINE
    elif access.may_manage_integrity(acting_user, commitment.agency_id):
        method = IntegrityCommitment.Method.PAPER
        if not files:
            raise TransitionNotAllowed(_("登记纸质签署须上传签署后的承诺书扫描件。"))
    else:
        raise PermissionDenied
    commitment.sign(method)
    _save(commitment, str(IntegrityCommitment.Method(method).label), by=acting_user)
    attach(commitment, files, acting_user=acting_user)
    return commitment


@transaction.atomic
def commitment_void(commitment: IntegrityCommitment, *, acting_user: Any, reason: str) -> IntegrityCommitment:
    commitment = _locked(IntegrityCommitment, commitment.pk)
    if not access.may_manage_integrity(acting_user, commitment.agency_id):
        raise PermissionDenied
    commitment.void(reason)
    _save(commitment, reason, by=acting_user)
    return commitment


@transaction.atomic
def talk_record(
    *, acting_user: Any, person: Person, files: Iterable[UploadedFile] = (), **fields: Any
) -> IntegrityTalk:
    """Record an integrity talk. Nobody is notified: the record exists for the entitled few only."""
    if not access.may_record_talks(acting_user) or not can(acting_user, Action.VIEW, person.agency_id):
        raise PermissionDenied
    talk = IntegrityTalk(person=person, agency_id=person.agency_id, recorded_by=acting_user, **fields)
    _save(talk, _("登记廉政约谈"), by=acting_user)
    attach(talk, files, acting_user=acting_user)
    return talk


@transaction.atomic
def talk_follow_up(
    talk: IntegrityTalk, *, acting_user: Any, happened_on: datetime.date, text: str, files: Iterable[UploadedFile] = ()
) -> IntegrityTalkFollowUp:
    talk = _locked(IntegrityTalk, talk.pk)
    if not access.may_record_talks(acting_user) or not can(acting_user, Action.VIEW, talk.agency_id):
        raise PermissionDenied
    follow_up = IntegrityTalkFollowUp.objects.create(
        talk=talk, happened_on=happened_on, text=text, recorded_by=acting_user
    )
    attach(follow_up, files, acting_user=acting_user)
    audit(talk, acting_user, _("登记约谈后续情况"))
    talk.save()
    return follow_up

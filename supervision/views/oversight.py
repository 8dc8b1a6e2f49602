"""Supervision pages (第十二条至第十五条): channel activities, semiannual reports, guidance visits,
fund inspections with their measures, handling decisions and the approval of public disclosure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supervision.actions import oversight as actions
from supervision.exports import xlsx_response
from supervision.filters_oversight import ActivityFilter, InspectionFilter, ReportFilter, VisitFilter
from supervision.forms import PortalForm
from supervision.forms.oversight import (
    ActivityForm,
    CancelForm,
    ConcludeForm,
    DecisionForm,
    InquiryForm,
    InspectionForm,
    MaterialForm,
    OrderForm,
    PublishForm,
    RecordFindingForm,
    ReleaseForm,
    ReportForm,
    ReportStartForm,
    ReviewForm,
    RevokeForm,
    SealForm,
    StatementForm,
    VisitForm,
    VisitRecordForm,
    VoidForm,
    WithdrawForm,
)
from supervision.models import (
    Agency,
    Attachment,
    Channel,
    CorrectionOrder,
    Disclosure,
    Finding,
    FundInspection,
    GuidanceVisit,
    HandlingDecision,
    Inquiry,
    InspectionMaterial,
    MaterialSeal,
    SemiannualReport,
    SupervisionActivity,
)
from supervision.models.findings import local_today
from supervision.models.oversight import last_ended_period, period_label
from supervision.pagination import paginate
from supervision.permissions import (
    Action,
    agencies_for,
    channels_for,
    get_for_user,
    is_system_admin,
    scoped,
    scoped_any,
    visible_activities,
)
from supervision.views.findings import DEFAULT_RECTIFICATION_WORKING_DAYS
from supervision.views.outcome import run_action
from supervision.workdays import add_working_days
from supervision.workflow import TransitionNotAllowed

# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    """Reports, visits and inspections are for bureau and agency staff; supervisors see channels only."""
    if not agencies_for(user).exists():
        raise PermissionDenied


def _finding_count(model: type) -> Coalesce:
    findings = (
        Finding.objects.filter(source_type=ContentType.objects.get_for_model(model), source_id=OuterRef("pk"))
        .order_by()
        .values("source_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(findings, output_field=IntegerField()), 0)


def _run(
    request: HttpRequest,
    perform: Callable[[], Any],
    success: str,
    on_error: Callable[[], HttpResponse],
) -> Any:
    """Run an action; refused moves, stale forms and invalid values become messages and the error page."""
    succeeded, result = run_action(request, perform, success)
    return result if succeeded else on_error()


def _is_response(value: Any) -> bool:
    return isinstance(value, HttpResponse)


def _files_by_record(model: type, ids: list[int]) -> dict[int, list[Attachment]]:
    if not ids:
        return {}
    grouped: dict[int, list[Attachment]] = {}
    attachments = Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    )
    for attachment in attachments:
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


def _findings_for(record: Any, user: Any) -> QuerySet[Finding]:
    return scoped(actions.findings_of(record).with_list_relations(), user)


# ---------------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    activities = visible_activities(user).current()
    is_staff = agencies_for(user).exists()
    if not is_staff and not channels_for(user):
        raise PermissionDenied
    counts = activities.aggregate(**{value: Count("pk", filter=Q(channel=value)) for value in Channel.values})
    context: dict[str, Any] = {
        "is_staff": is_staff,
        "channels": [{"value": value, "label": label, "count": counts[value]} for value, label in Channel.choices],
    }
    if is_staff:
        reports = scoped(SemiannualReport.objects.all(), user)
        context.update(
            reports_pending=reports.filter(status=SemiannualReport.Status.DRAFT).count(),
            reports_overdue=reports.overdue().count(),
            reports_to_review=scoped(reports.awaiting_review(), user, Action.REVIEW_REPORTS).count(),
            visits_planned=scoped(GuidanceVisit.objects.filter(status=GuidanceVisit.Status.PLANNED), user).count(),
            inspections_open=scoped_any(FundInspection.objects.in_progress(), user).count(),
            disclosures=scoped_any(
                FundInspection.objects.filter(disclosure__status=Disclosure.Status.PUBLISHED), user
            ).count(),
        )
    return render(request, "supervision/oversight/index.html", context)


# ---------------------------------------------------------------------------------------------
# 第十二条: channel activities
# ---------------------------------------------------------------------------------------------


def get_activity_for_user(user: Any, pk: int) -> SupervisionActivity:
    activity = visible_activities(user).select_related("recorded_by__person").filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


@require_safe
def activity_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not agencies_for(user).exists() and not channels_for(user):
        raise PermissionDenied
    activities = (
        visible_activities(user)
        .prefetch_related(Prefetch("subjects", queryset=Agency.objects.select_related("division")))
        .annotate(finding_count=_finding_count(SupervisionActivity))
    )
    activity_filter = ActivityFilter(request.GET or None, queryset=activities, agencies=agencies_for(user))
    page = paginate(request, activity_filter.qs)
    can_record = agencies_for(user, Action.INSPECT).exists()
    return render(
        request,
        "supervision/oversight/activity_list.html",
        {"filter": activity_filter, "page": page, "can_record": can_record},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.INSPECT)
    if not agencies.exists():
        raise PermissionDenied
    channel = request.GET.get("channel", Channel.LEGISLATIVE)
    initial = {"channel": channel, "body": ActivityForm.default_body(channel), "held_on": local_today()}
    form = ActivityForm(request.POST or None, request.FILES or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = actions.activity_record(
            acting_user=request.user,
            channel=data["channel"],
            kind=data["kind"],
            body=data["body"],
            title=data["title"],
            held_on=data["held_on"],
            subjects=list(data["subjects"]),
            participants=data["participants"],
            summary=data["summary"],
            outcome=data["outcome"],
            files=data["files"],
        )
        messages.success(request, _("已登记监督活动。"))
        return redirect("oversight:activity_detail", activity.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/oversight/activity_form.html", {"form": form}, status=status)


@require_safe
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    return render(request, "supervision/oversight/activity_detail.html", _activity_context(request, activity))


def _activity_context(request: HttpRequest, activity: SupervisionActivity, **forms: PortalForm) -> dict[str, Any]:
    user = request.user
    may_edit = actions.may_edit_activity(user, activity)
    # A supervisor reads the problems the activity found without reaching the agencies' own pages.
    findings = actions.findings_of(activity).with_list_relations()
    visible_findings = set(scoped(findings, user).values_list("pk", flat=True))
    return {
        "activity": activity,
        "subjects": activity.subjects.select_related("division").order_by("division__code"),
        "files": Attachment.objects.for_object(activity),
        "findings": findings,
        "linked_findings": visible_findings,
        "may_edit": may_edit,
        "void_form": forms.get("void_form") or (VoidForm(initial={"version": activity.version}) if may_edit else None),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    if not actions.may_edit_activity(request.user, activity):
        raise PermissionDenied
    agencies = agencies_for(request.user, Action.INSPECT)
    initial = {
        "channel": activity.channel,
        "kind": activity.kind,
        "body": activity.body,
        "title": activity.title,
        "held_on": activity.held_on,
        "subjects": list(activity.subjects.all()),
        "participants": activity.participants,
        "summary": activity.summary,
        "outcome": activity.outcome,
        "version": activity.version,
    }
    form = ActivityForm(request.POST or None, request.FILES or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        result = _run(
            request,
            lambda: actions.activity_update(
                activity,
                acting_user=request.user,
                version=data.pop("version"),
                subjects=list(data.pop("subjects")),
                files=data.pop("files"),
                **data,
            ),
            _("监督活动已修改。"),
            lambda: redirect("oversight:activity_edit", activity.pk),
        )
        return result if _is_response(result) else redirect("oversight:activity_detail", activity.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "supervision/oversight/activity_form.html", {"form": form, "activity": activity}, status=status
    )


@require_POST
def activity_void(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    if not actions.may_edit_activity(request.user, activity):
        raise PermissionDenied
    form = VoidForm(request.POST)
    if not form.is_valid():
        context = _activity_context(request, activity, void_form=form)
        return render(request, "supervision/oversight/activity_detail.html", context, status=400)
    _run(
        request,
        lambda: actions.activity_void(
            activity, acting_user=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        ),
        _("监督活动已作废。"),
        lambda: None,
    )
    return redirect("oversight:activity_detail", activity.pk)


def _finding_view(request: HttpRequest, record: Any, back: str, template_context: dict[str, Any]) -> HttpResponse:
    agencies = actions.finding_agencies(request.user, record)
    if not agencies.exists():
        raise PermissionDenied
    # As on the findings page: a rectification demand defaults to 20 working days.
    initial = {"deadline": add_working_days(local_today(), DEFAULT_RECTIFICATION_WORKING_DAYS)}
    form = RecordFindingForm(request.POST or None, request.FILES or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        finding = actions.record_finding(
            record,
            acting_user=request.user,
            agency=data["agency"],
            article=data["article"],
            severity=data["severity"],
            title=data["title"],
            description=data["description"],
            suggestion=data["suggestion"],
            deadline=data["deadline"],
            responsible=data["responsible"],
            files=data["files"],
        )
        messages.success(request, _("已登记问题并提出整改建议：%(title)s") % {"title": finding.title})
        return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "supervision/oversight/finding_form.html",
        {"form": form, "record": record, "back": back, **template_context},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def activity_finding(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    back = reverse("oversight:activity_detail", args=[activity.pk])
    return _finding_view(request, activity, back, {"section": _("渠道监督")})


# ---------------------------------------------------------------------------------------------
# 第十三条: semiannual reports
# ---------------------------------------------------------------------------------------------


def get_report_for_user(user: Any, pk: int, action: str = Action.VIEW) -> SemiannualReport:
    return get_for_user(SemiannualReport.objects.with_list_relations(), user, pk, action)


def _report_filter(request: HttpRequest) -> ReportFilter:
    reports = scoped(SemiannualReport.objects.with_list_relations(), request.user)
    return ReportFilter(request.GET or None, queryset=reports, agencies=agencies_for(request.user))


@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    report_filter = _report_filter(request)
    page = paginate(request, report_filter.qs)
    year, half = last_ended_period(local_today())
    own = agencies_for(request.user, Action.ACT_FOR).county_agencies()
    missing = own.exclude(pk__in=SemiannualReport.objects.filter(year=year, half=half).values("agency_id"))
    start_form = ReportStartForm(agencies=own, initial={"year": year, "half": half})
    return render(
        request,
        "supervision/oversight/report_list.html",
        {
            "filter": report_filter,
            "page": page,
            "missing": list(missing.select_related("division")),
            "period": {"year": year, "half": half, "label": period_label(year, half)},
            "start_form": start_form,
            "overdue_view": request.GET.get("overdue") == "yes",
        },
    )


REPORT_EXPORT_HEADERS = [
    _lazy("报告单位"),
    _lazy("年度"),
    _lazy("半年"),
    _lazy("报送对象"),
    _lazy("报送期限"),
    _lazy("状态"),
    _lazy("是否逾期"),
    _lazy("报送时间"),
    _lazy("报送次数"),
    _lazy("参保人数（人）"),
    _lazy("新增参保人数（人）"),
    _lazy("待遇领取人数（人）"),
    _lazy("基金征缴收入（万元）"),
    _lazy("待遇支出（万元）"),
    _lazy("办结业务（件）"),
    _lazy("受理举报投诉（件）"),
    _lazy("审阅意见"),
]


@require_safe
def report_export(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    rows = (
        [
            str(report.agency),
            report.year,
            report.get_half_display(),
            str(report.recipient),
            report.effective_due_on,
            report.get_status_display(),
            report.is_overdue,
            report.submitted_at,
            report.round,
            report.insured_count,
            report.new_insured_count,
            report.beneficiary_count,
            report.contribution_income,
            report.benefit_expenditure,
            report.cases_handled,
            report.complaints_received,
            report.review_comment,
        ]
        for report in _report_filter(request).qs.iterator(chunk_size=500)
    )
    return xlsx_response(_("半年业务经办情况汇报.xlsx"), _("半年汇报"), REPORT_EXPORT_HEADERS, rows)


@require_POST
def report_start(request: HttpRequest) -> HttpResponse:
    own = agencies_for(request.user, Action.ACT_FOR)
    if not own.exists():
        raise PermissionDenied
    form = ReportStartForm(request.POST, agencies=own)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("oversight:report_list")
    data = form.cleaned_data
    try:
        report, _created = actions.report_open(
            agency=data["agency"], year=data["year"], half=data["half"], acting_user=request.user
        )
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
        return redirect("oversight:report_list")
    return redirect("oversight:report_edit", report.pk)


def _report_context(request: HttpRequest, report: SemiannualReport, **forms: PortalForm) -> dict[str, Any]:
    may_review = actions.may_review_report(request.user, report)
    return {
        "report": report,
        "events": report.events.select_related("actor__person"),
        "files": Attachment.objects.for_object(report),
        "may_edit": actions.may_edit_report(request.user, report),
        "review_form": forms.get("review_form")
        or (ReviewForm(initial={"version": report.version}) if may_review else None),
    }


@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk)
    return render(request, "supervision/oversight/report_detail.html", _report_context(request, report))


@require_http_methods(["GET", "HEAD", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, Action.ACT_FOR)
    if not report.is_editable:
        messages.info(request, _("该汇报已报送，不能修改。"))
        return redirect("oversight:report_detail", report.pk)
    submitting = "submit" in request.POST
    initial = {name: getattr(report, name) for name in actions.REPORT_FIELDS} | {"version": report.version}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial, submitting=submitting)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        result = _run(
            request,
            lambda: actions.report_save(
                report,
                acting_user=request.user,
                data={name: data[name] for name in actions.REPORT_FIELDS},
                files=data["files"],
                version=data["version"],
                submit=submitting,
            ),
            _("汇报已报送%(recipient)s。") % {"recipient": report.recipient} if submitting else _("草稿已保存。"),
            lambda: redirect("oversight:report_edit", report.pk),
        )
        if _is_response(result):
            return result
        return redirect("oversight:report_detail" if submitting else "oversight:report_edit", report.pk)
    status = 400 if request.method == "POST" else 200
    context = {"report": report, "form": form, "files": Attachment.objects.for_object(report)}
    return render(request, "supervision/oversight/report_form.html", context, status=status)


@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, Action.REVIEW_REPORTS)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = _report_context(request, report, review_form=form)
        return render(request, "supervision/oversight/report_detail.html", context, status=400)
    data = form.cleaned_data
    _run(
        request,
        lambda: actions.report_review(
            report,
            acting_user=request.user,
            accepted=data["decision"] == "accept",
            comment=data["comment"],
            version=data["version"],
        ),
        _("审阅结论已记录。"),
        lambda: None,
    )
    return redirect("oversight:report_detail", report.pk)


# ---------------------------------------------------------------------------------------------
# 第十四条: guidance visits
# ---------------------------------------------------------------------------------------------


def get_visit_for_user(user: Any, pk: int, action: str = Action.VIEW) -> GuidanceVisit:
    return get_for_user(GuidanceVisit.objects.with_list_relations(), user, pk, action)


@require_safe
def visit_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    visits = scoped(
        GuidanceVisit.objects.with_list_relations().annotate(finding_count=_finding_count(GuidanceVisit)),
        request.user,
    )
    visit_filter = VisitFilter(request.GET or None, queryset=visits, agencies=agencies_for(request.user))
    page = paginate(request, visit_filter.qs)
    can_plan = agencies_for(request.user, Action.INSPECT).exists()
    return render(
        request, "supervision/oversight/visit_list.html", {"filter": visit_filter, "page": page, "can_plan": can_plan}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.INSPECT)
    if not agencies.exists():
        raise PermissionDenied
    form = VisitForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        visit = actions.visit_plan(acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("已登记业务监督指导计划，并通知被指导单位。"))
        return redirect("oversight:visit_detail", visit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/oversight/visit_form.html", {"form": form}, status=status)


def _visit_context(request: HttpRequest, visit: GuidanceVisit, **forms: PortalForm) -> dict[str, Any]:
    from supervision.permissions import can

    may_act = visit.status == GuidanceVisit.Status.PLANNED and can(request.user, Action.INSPECT, visit.agency_id)
    initial = {"version": visit.version}
    return {
        "visit": visit,
        "files": Attachment.objects.for_object(visit),
        "findings": _findings_for(visit, request.user),
        "may_raise": actions.finding_agencies(request.user, visit).exists(),
        "record_form": forms.get("record_form")
        or (VisitRecordForm(initial={**initial, "visited_on": local_today()}) if may_act else None),
        "cancel_form": forms.get("cancel_form") or (CancelForm(initial=initial) if may_act else None),
    }


@require_safe
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    return render(request, "supervision/oversight/visit_detail.html", _visit_context(request, visit))


@require_POST
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, Action.INSPECT)
    form = VisitRecordForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _visit_context(request, visit, record_form=form)
        return render(request, "supervision/oversight/visit_detail.html", context, status=400)
    data = form.cleaned_data
    _run(
        request,
        lambda: actions.visit_record(
            visit,
            acting_user=request.user,
            visited_on=data["visited_on"],
            notes=data["notes"],
            files=data["files"],
            version=data["version"],
        ),
        _("已登记指导情况。"),
        lambda: None,
    )
    return redirect("oversight:visit_detail", visit.pk)


@require_POST
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, Action.INSPECT)
    form = CancelForm(request.POST)
    if not form.is_valid():
        context = _visit_context(request, visit, cancel_form=form)
        return render(request, "supervision/oversight/visit_detail.html", context, status=400)
    _run(
        request,
        lambda: actions.visit_cancel(
            visit, acting_user=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        ),
        _("业务监督指导已取消。"),
        lambda: None,
    )
    return redirect("oversight:visit_detail", visit.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def visit_finding(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    back = reverse("oversight:visit_detail", args=[visit.pk])
    return _finding_view(request, visit, back, {"section": _("业务监督指导")})


# ---------------------------------------------------------------------------------------------
# 第十五条: fund inspections
# ---------------------------------------------------------------------------------------------


def get_inspection_for_user(user: Any, pk: int) -> FundInspection:
    inspection = (
        scoped_any(FundInspection.objects.select_related("organiser", "leader__person"), user).filter(pk=pk).first()
    )
    if inspection is None:
        raise Http404
    return inspection


@require_safe
def inspection_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request.user)
    inspections = scoped_any(
        FundInspection.objects.select_related("organiser", "leader__person", "disclosure")
        .prefetch_related(Prefetch("agencies", queryset=Agency.objects.select_related("division")))
        .annotate(finding_count=_finding_count(FundInspection)),
        request.user,
    )
    inspection_filter = InspectionFilter(request.GET or None, queryset=inspections, agencies=agencies_for(request.user))
    page = paginate(request, inspection_filter.qs)
    can_open = agencies_for(request.user, Action.INSPECT).exists()
    return render(
        request,
        "supervision/oversight/inspection_list.html",
        {"filter": inspection_filter, "page": page, "can_open": can_open},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.INSPECT)
    if not agencies.exists():
        raise PermissionDenied
    members = actions.team_candidates(request.user).exclude(pk=request.user.pk)
    initial = {"started_on": local_today()}
    form = InspectionForm(request.POST or None, agencies=agencies, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        inspection = actions.inspection_open(
            acting_user=request.user,
            title=data["title"],
            agencies=list(data["agencies"]),
            period_start=data["period_start"],
            period_end=data["period_end"],
            started_on=data["started_on"],
            scope=data["scope"],
            members=list(data["members"]),
        )
        messages.success(request, _("已登记基金监督检查，并通知被检查单位。"))
        return redirect("oversight:inspection_detail", inspection.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/oversight/inspection_form.html", {"form": form}, status=status)


def _documents_by_record(model: type, ids: list[int]) -> dict[int, Attachment]:
    documents: dict[int, Attachment] = {}
    for record_id, files in _files_by_record(model, ids).items():
        for attachment in files:
            if attachment.description == actions.GENERATED_DOCUMENT:
                documents[record_id] = attachment
    return documents


def _inspection_context(request: HttpRequest, inspection: FundInspection, **forms: PortalForm) -> dict[str, Any]:
    user = request.user
    subject_ids = list(inspection.agencies.values_list("pk", flat=True))
    visible = set(agencies_for(user).filter(pk__in=subject_ids).values_list("pk", flat=True))
    inspectable = set(agencies_for(user, Action.INSPECT).filter(pk__in=subject_ids).values_list("pk", flat=True))
    on_team = is_system_admin(user) or inspection.is_on_team(user)
    may_record = on_team and bool(inspectable) and inspection.is_in_progress
    may_decide = on_team and bool(inspectable) and inspection.status != FundInspection.Status.CANCELLED

    materials = list(
        inspection.materials.filter(agency_id__in=visible)
        .select_related("agency", "registered_by__person")
        .prefetch_related(
            Prefetch("seals", queryset=MaterialSeal.objects.select_related("sealed_by__person", "released_by__person"))
        )
    )
    for material in materials:
        material.may_act = (
            on_team and material.agency_id in inspectable and inspection.status != FundInspection.Status.CANCELLED
        )
    seals = [seal for material in materials for seal in material.seals.all()]
    inquiries = list(inspection.inquiries.filter(agency_id__in=inspectable).select_related("agency"))
    statements = _files_by_record(Inquiry, [inquiry.pk for inquiry in inquiries])
    for inquiry in inquiries:
        inquiry.statements = statements.get(inquiry.pk, [])
    orders = list(inspection.orders.filter(agency_id__in=visible).select_related("agency", "finding"))
    order_documents = _documents_by_record(CorrectionOrder, [order.pk for order in orders])
    for order in orders:
        order.document = order_documents.get(order.pk)
    decisions = list(inspection.decisions.filter(agency_id__in=visible).select_related("agency"))
    decision_documents = _documents_by_record(HandlingDecision, [decision.pk for decision in decisions])
    for decision in decisions:
        decision.document = decision_documents.get(decision.pk)
    disclosure = Disclosure.objects.filter(inspection=inspection).first()
    may_publish = actions.may_publish(user, inspection)
    may_lead = inspection.is_in_progress and actions.may_lead_inspection(user, inspection)
    publish_initial = {
        # 0 when nothing is published yet: someone else's first publication meanwhile is then a conflict.
        "version": disclosure.version if disclosure else 0,
        "title": disclosure.title if disclosure else inspection.title,
        "summary": disclosure.summary if disclosure else inspection.conclusion,
    }
    return {
        "inspection": inspection,
        "agencies": inspection.agencies.select_related("division").order_by("division__code"),
        "members": inspection.members.select_related("person"),
        "materials": materials,
        "seals": seals,
        "inquiries": inquiries,
        "may_see_inquiries": bool(inspectable),
        "orders": orders,
        "decisions": decisions,
        "findings": _findings_for(inspection, user),
        "disclosure": disclosure,
        "may_record": may_record,
        "may_decide": may_decide,
        "may_raise": actions.finding_agencies(user, inspection).exists(),
        "conclude_form": forms.get("conclude_form")
        or (ConcludeForm(initial={"version": inspection.version, "ended_on": local_today()}) if may_lead else None),
        "cancel_form": forms.get("cancel_form")
        or (CancelForm(initial={"version": inspection.version}) if may_lead else None),
        "publish_form": forms.get("publish_form") or (PublishForm(initial=publish_initial) if may_publish else None),
        "withdraw_form": forms.get("withdraw_form")
        or (
            WithdrawForm(initial={"version": disclosure.version})
            if may_publish and disclosure and disclosure.is_published
            else None
        ),
        "seal_form": SealForm(initial={"sealed_on": local_today()}),
        "release_form": ReleaseForm(initial={"released_on": local_today()}),
    }


@require_safe
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    return render(request, "supervision/oversight/inspection_detail.html", _inspection_context(request, inspection))


def _measure_view(
    request: HttpRequest,
    pk: int,
    form_class: type[PortalForm],
    template_title: str,
    perform: Callable[[FundInspection, dict[str, Any]], Any],
    success: str,
    *,
    in_progress_only: bool = True,
    multipart: bool = False,
) -> HttpResponse:
    """One page per measure (材料、询问、责令改正、处理决定): a form limited to the team's agencies."""
    inspection = get_inspection_for_user(request.user, pk)
    agencies = agencies_for(request.user, Action.INSPECT).filter(pk__in=inspection.agencies.values("pk"))
    if not actions.may_record_measure(request.user, inspection):
        raise PermissionDenied
    allowed = inspection.is_in_progress if in_progress_only else inspection.status != FundInspection.Status.CANCELLED
    if not allowed:
        messages.error(request, _("检查已结束或已撤销，不能再登记检查措施。"))
        return redirect("oversight:inspection_detail", inspection.pk)
    form = form_class(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        result = _run(
            request,
            lambda: perform(inspection, form),
            success,
            lambda: render(
                request,
                "supervision/oversight/measure_form.html",
                {"form": form, "inspection": inspection, "title": template_title, "multipart": multipart},
                status=400,
            ),
        )
        if _is_response(result):
            return result
        return redirect("oversight:inspection_detail", inspection.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "supervision/oversight/measure_form.html",
        {"form": form, "inspection": inspection, "title": template_title, "multipart": multipart},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def material_new(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, form: Any) -> InspectionMaterial:
        data = form.cleaned_data
        return actions.material_register(
            inspection,
            acting_user=request.user,
            agency=data["agency"],
            name=data["name"],
            description=data["description"],
            quantity=data["quantity"],
            handling=data["handling"],
            registered_on=data["registered_on"],
            note=data["note"],
            seal=form.seal_data(),
        )

    return _measure_view(request, pk, MaterialForm, _("登记检查材料"), perform, _("已登记检查材料。"))


@require_http_methods(["GET", "HEAD", "POST"])
def inquiry_new(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, form: Any) -> Inquiry:
        data = dict(form.cleaned_data)
        agency, files = data.pop("agency"), data.pop("files")
        return actions.inquiry_record(inspection, acting_user=request.user, agency=agency, files=files, **data)

    return _measure_view(request, pk, InquiryForm, _("登记询问笔录"), perform, _("已登记询问笔录。"), multipart=True)


@require_http_methods(["GET", "HEAD", "POST"])
def order_new(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, form: Any) -> CorrectionOrder:
        return actions.order_issue(inspection, acting_user=request.user, **form.cleaned_data)

    return _measure_view(
        request, pk, OrderForm, _("下达责令改正通知书"), perform, _("已生成责令改正通知书，并登记整改跟踪。")
    )


@require_http_methods(["GET", "HEAD", "POST"])
def decision_new(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, form: Any) -> HandlingDecision:
        return actions.decision_issue(inspection, acting_user=request.user, **form.cleaned_data)

    return _measure_view(
        request, pk, DecisionForm, _("作出处理决定"), perform, _("已生成处理决定书。"), in_progress_only=False
    )


@require_http_methods(["GET", "HEAD", "POST"])
def inspection_finding(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    back = reverse("oversight:inspection_detail", args=[inspection.pk])
    return _finding_view(request, inspection, back, {"section": _("基金监督检查")})


def _inspection_form_action(
    request: HttpRequest,
    pk: int,
    form_class: type[PortalForm],
    form_name: str,
    allowed: Callable[[FundInspection], bool],
    perform: Callable[[FundInspection, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    if not allowed(inspection):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        context = _inspection_context(request, inspection, **{form_name: form})
        return render(request, "supervision/oversight/inspection_detail.html", context, status=400)
    result = _run(
        request,
        lambda: perform(inspection, form.cleaned_data),
        success,
        lambda: render(
            request,
            "supervision/oversight/inspection_detail.html",
            _inspection_context(request, inspection, **{form_name: form}),
            status=400,
        ),
    )
    return result if _is_response(result) else redirect("oversight:inspection_detail", inspection.pk)


@require_POST
def inspection_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_form_action(
        request,
        pk,
        ConcludeForm,
        "conclude_form",
        lambda inspection: actions.may_lead_inspection(request.user, inspection),
        lambda inspection, data: actions.inspection_conclude(inspection, acting_user=request.user, **data),
        _("检查已结束，检查结论已记录。"),
    )


@require_POST
def inspection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_form_action(
        request,
        pk,
        CancelForm,
        "cancel_form",
        lambda inspection: actions.may_lead_inspection(request.user, inspection),
        lambda inspection, data: actions.inspection_cancel(inspection, acting_user=request.user, **data),
        _("检查已撤销。"),
    )


@require_POST
def inspection_publish(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, data: dict[str, Any]) -> Disclosure:
        return actions.disclosure_publish(
            inspection, acting_user=request.user, title=data["title"], summary=data["summary"], version=data["version"]
        )

    return _inspection_form_action(
        request,
        pk,
        PublishForm,
        "publish_form",
        lambda inspection: actions.may_publish(request.user, inspection),
        perform,
        _("检查结果已向社会公开。"),
    )


@require_POST
def inspection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(inspection: FundInspection, data: dict[str, Any]) -> Disclosure:
        return actions.disclosure_withdraw(
            inspection.disclosure, acting_user=request.user, reason=data["reason"], version=data["version"]
        )

    return _inspection_form_action(
        request,
        pk,
        WithdrawForm,
        "withdraw_form",
        lambda inspection: (
            actions.may_publish(request.user, inspection) and Disclosure.objects.filter(inspection=inspection).exists()
        ),
        perform,
        _("已撤回公开的检查结果。"),
    )


# Materials and seals: htmx swaps the row in place; without htmx the page reloads.


def get_material_for_user(user: Any, pk: int) -> InspectionMaterial:
    material = (
        InspectionMaterial.objects.select_related("inspection", "agency")
        .filter(pk=pk, inspection__in=scoped_any(FundInspection.objects.all(), user), agency__in=agencies_for(user))
        .first()
    )
    if material is None:
        raise Http404
    if not actions.may_record_measure(user, material.inspection, material.agency_id):
        raise PermissionDenied
    return material


def _material_row(request: HttpRequest, material: InspectionMaterial, status: int = 200, **forms: Any) -> HttpResponse:
    material = (
        InspectionMaterial.objects.select_related("agency", "registered_by__person", "inspection")
        .prefetch_related(
            Prefetch("seals", queryset=MaterialSeal.objects.select_related("sealed_by__person", "released_by__person"))
        )
        .get(pk=material.pk)
    )
    material.may_act = material.inspection.status != FundInspection.Status.CANCELLED
    context = {
        "material": material,
        "inspection": material.inspection,
        "seal_form": forms.get("seal_form") or SealForm(initial={"sealed_on": local_today()}),
        "release_form": forms.get("release_form") or ReleaseForm(initial={"released_on": local_today()}),
    }
    return render(request, "supervision/oversight/material_row.html", context, status=status)


def _material_action(
    request: HttpRequest,
    pk: int,
    form_class: type[PortalForm],
    form_name: str,
    perform: Callable[[Any, dict], Any],
    success: str,
) -> HttpResponse:
    material = get_material_for_user(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(material, form.cleaned_data)
        except TransitionNotAllowed as refused:
            form.add_error(None, refused.message)
        else:
            if request.htmx:
                return _material_row(request, material)
            messages.success(request, success)
            return redirect(reverse("oversight:inspection_detail", args=[material.inspection_id]) + "#materials")
    if request.htmx:
        # htmx swaps only successful responses: the row comes back with the errors, nothing written.
        return _material_row(request, material, **{form_name: form})
    for error in form.non_field_errors():
        messages.error(request, error)
    for name, errors in form.errors.items():
        if name != "__all__":
            for error in errors:
                messages.error(request, f"{form.fields[name].label}：{error}")
    return redirect(reverse("oversight:inspection_detail", args=[material.inspection_id]) + "#materials")


@require_POST
def material_seal(request: HttpRequest, pk: int) -> HttpResponse:
    return _material_action(
        request,
        pk,
        SealForm,
        "seal_form",
        lambda material, data: actions.material_seal(material, acting_user=request.user, **data),
        _("材料已封存。"),
    )


@require_POST
def material_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _material_action(
        request,
        pk,
        ReleaseForm,
        "release_form",
        lambda material, data: actions.material_release(material, acting_user=request.user, **data),
        _("已解除封存。"),
    )


def _revoke(
    request: HttpRequest, model: type[CorrectionOrder] | type[HandlingDecision], pk: int, anchor: str, success: str
) -> HttpResponse:
    document = model.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    inspection = get_inspection_for_user(request.user, document.inspection_id)
    if not actions.may_record_measure(request.user, inspection, document.agency_id):
        raise PermissionDenied
    back = reverse("oversight:inspection_detail", args=[inspection.pk]) + anchor
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤销%(number)s：请写明撤销理由。") % {"number": document.number})
        return redirect(back)
    run_action(
        request,
        lambda: actions.document_revoke(document, acting_user=request.user, reason=form.cleaned_data["reason"]),
        success % {"number": document.number},
    )
    return redirect(back)


@require_POST
def order_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _revoke(request, CorrectionOrder, pk, "#orders", _("责令改正通知书 %(number)s 已撤销，其整改跟踪一并撤销。"))


@require_POST
def decision_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _revoke(request, HandlingDecision, pk, "#decisions", _("处理决定书 %(number)s 已撤销。"))


@require_safe
def seal_register_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The seal register (封存清单) of one inspection as a spreadsheet, for signing on site."""
    inspection = get_inspection_for_user(request.user, pk)
    visible = agencies_for(request.user).filter(pk__in=inspection.agencies.values("pk"))
    seals = (
        MaterialSeal.objects.filter(material__inspection=inspection, material__agency__in=visible)
        .select_related("material__agency", "sealed_by__person", "released_by__person")
        .order_by("sealed_on", "pk")
    )
    headers = [
        _("封条编号"),
        _("材料名称"),
        _("材料所属单位"),
        _("数量"),
        _("封存地点"),
        _("封存日期"),
        _("封存人"),
        _("解除封存日期"),
        _("解除封存人"),
        _("解除封存理由"),
    ]

    def name(user: Any) -> str:
        if user is None:
            return ""
        person = getattr(user, "person", None)
        return person.name if person else user.get_username()

    rows = (
        [
            seal.seal_number,
            seal.material.name,
            str(seal.material.agency),
            seal.material.quantity,
            seal.place,
            seal.sealed_on,
            name(seal.sealed_by),
            seal.released_on,
            name(seal.released_by),
            seal.release_reason,
        ]
        for seal in seals
    )
    return xlsx_response(_("封存清单.xlsx"), _("封存清单"), headers, rows)


# Inquiries: seen only by those who may inspect the agency concerned.


def get_inquiry_for_user(user: Any, pk: int) -> Inquiry:
    inquiry = (
        Inquiry.objects.select_related("inspection", "agency", "recorded_by__person")
        .filter(
            pk=pk,
            inspection__in=scoped_any(FundInspection.objects.all(), user),
            agency__in=agencies_for(user, Action.INSPECT),
        )
        .first()
    )
    if inquiry is None:
        raise Http404
    return inquiry


@require_safe
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_inquiry_for_user(request.user, pk)
    may_add = actions.may_record_measure(request.user, inquiry.inspection, inquiry.agency_id)
    return render(
        request,
        "supervision/oversight/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "statements": Attachment.objects.for_object(inquiry),
            "statement_form": StatementForm() if may_add else None,
        },
    )


@require_POST
def inquiry_statement(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_inquiry_for_user(request.user, pk)
    if not actions.may_record_measure(request.user, inquiry.inspection, inquiry.agency_id):
        raise PermissionDenied
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        context = {"inquiry": inquiry, "statements": Attachment.objects.for_object(inquiry), "statement_form": form}
        return render(request, "supervision/oversight/inquiry_detail.html", context, status=400)
    _run(
        request,
        lambda: actions.inquiry_add_statement(inquiry, acting_user=request.user, files=form.cleaned_data["files"]),
        _("已上传签字确认的询问笔录。"),
        lambda: None,
    )
    return redirect("oversight:inquiry_detail", inquiry.pk)

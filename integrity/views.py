"""Pages of internal control and integrity (第六条至第十一条).

Every list starts from a queryset scoped in `integrity.access`; every single record is fetched by a
`get_<thing>_for_user` helper (outsiders 404, insiders without the right 403); every change is a
POST that calls an action in `integrity.actions`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    AccountabilityFilter,
    AssignmentFilter,
    CommitmentFilter,
    InspectionFilter,
    PlanFilter,
    RiskFilter,
    RiskReportFilter,
    ServiceCommitmentFilter,
    SpotCheckFilter,
    TalkFilter,
)
from integrity.forms import (
    AccountabilityForm,
    AssignmentForm,
    ChecklistRevisionForm,
    CommitmentIssueForm,
    CommitmentSignForm,
    DisposalPlanForm,
    EffectiveForm,
    FeedBackForm,
    InspectionCompleteForm,
    InspectionPlanForm,
    ItemResultForm,
    ReasonForm,
    RiskForm,
    RiskReportForm,
    RiskReviewForm,
    ServiceCommitmentForm,
    ServiceRuleForm,
    SpotCheckForm,
    SpotCheckIssueForm,
    SpotCheckReportForm,
    TalkFollowUpForm,
    TalkForm,
)
from integrity.models import (
    Checklist,
    ChecklistVersion,
    ControlInspection,
    DisposalPlan,
    InspectionItemResult,
    IntegrityCommitment,
    IntegrityTalk,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    RiskLevel,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
)
from integrity.risk_map import agency_risk_summary, heat_map_context, risk_heat_map
from supervision.actions.accountability import accountability_record
from supervision.attachments import Attachment
from supervision.documents import pdf_response, render_pdf
from supervision.exports import xlsx_response
from supervision.forms import PortalForm
from supervision.models import Finding, Person
from supervision.pagination import paginate
from supervision.permissions import (
    Action,
    agencies_for,
    may_record_accountability,
    may_view_accountability,
    person_of,
    scoped,
    visible_accountability,
)
from supervision.views.findings import DEFAULT_RECTIFICATION_WORKING_DAYS
from supervision.views.outcome import run_action
from supervision.workdays import add_working_days
from supervision.workflow import EditConflict, TransitionNotAllowed

Handler = Callable[[dict[str, Any]], Any]


def default_rectification_deadline() -> Any:
    """Rectification demands default to the bureau's usual period, counted in working days."""
    return add_working_days(timezone.localdate(), DEFAULT_RECTIFICATION_WORKING_DAYS)


# Shared helpers ----------------------------------------------------------------------------------


def _get(queryset: QuerySet[Any], pk: int) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _form_page(
    request: HttpRequest,
    form: PortalForm,
    *,
    title: str,
    back: str,
    submit: str,
    tab: str,
    status: int = 200,
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "integrity/form.html",
        {"form": form, "title": title, "back": back, "submit": submit, "tab": tab, "intro": intro},
        status=400 if request.method == "POST" else status,
    )


def _files_for(records: list[Any]) -> dict[int, list[Attachment]]:
    """Current attachments of several records of one kind, in one query."""
    if not records:
        return {}
    attachments = Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(type(records[0])), object_id__in=[r.pk for r in records]
    )
    grouped: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


def _files_of(record: Any) -> list[Attachment]:
    return list(Attachment.objects.for_object(record))


def _version_initial(record: Any) -> dict[str, Any]:
    return {"version": record.version}


def _changes_from(form: PortalForm, *exclude: str) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name not in {"version", "files", *exclude}}


# Overview and search ---------------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    inspections = visible_inspections_with_relations(user)
    risks = access.visible_risks(user)
    # One query per kind of record, whatever the number of counts shown.
    open_statuses = [ControlInspection.Status.PLANNED, ControlInspection.Status.IN_PROGRESS]
    inspection_counts = inspections.order_by().aggregate(
        open=Count("pk", filter=Q(status__in=open_statuses), distinct=True),
        completed=Count("pk", filter=Q(status=ControlInspection.Status.COMPLETED), distinct=True),
    )
    risk_counts = risks.order_by().aggregate(
        open=Count("pk", filter=Q(pk__in=risks.open().values("pk")), distinct=True),
        due=Count("pk", filter=Q(pk__in=risks.due_for_review(today).values("pk")), distinct=True),
    )
    counts = {
        "inspections_open": inspection_counts["open"],
        "inspections_completed": inspection_counts["completed"],
        "risks_open": risk_counts["open"],
        "risks_due": risk_counts["due"],
        "commitments": access.visible_service_commitments(user).filter(is_active=True).count(),
    }
    cells = risk_heat_map(risks.open())
    person = person_of(user)
    my_commitments = (
        IntegrityCommitment.objects.filter(person=person, status=IntegrityCommitment.Status.PENDING).order_by("-year")
        if person
        else IntegrityCommitment.objects.none()
    )
    return render(
        request,
        "integrity/index.html",
        {
            "tab": "index",
            "counts": counts,
            "recent_inspections": inspections.order_by("-planned_on", "-pk")[:5],
            "heat": heat_map_context(cells, _("风险热力图")),
            "my_commitments": list(my_commitments),
            "checklists": Checklist.objects.order_by("article"),
        },
    )


def visible_inspections_with_relations(user: Any) -> QuerySet[ControlInspection]:
    return access.visible_inspections(user).with_list_relations()


SEARCH_LIMIT = 10


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Search the records of this app the user may see; integrity talks only for the entitled."""
    user = request.user
    query = request.GET.get("q", "").strip()
    sections: list[dict[str, Any]] = []
    if query:
        sections = [
            {
                "title": _("内控检查"),
                "rows": [
                    (inspection.title, reverse("integrity:inspection_detail", args=[inspection.pk]), inspection.agency)
                    for inspection in visible_inspections_with_relations(user).filter(
                        Q(title__icontains=query) | Q(conclusion__icontains=query)
                    )[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("业务抽查"),
                "rows": [
                    (check.subject, reverse("integrity:spot_check_detail", args=[check.pk]), check.agency)
                    for check in access.visible_spot_checks(user)
                    .select_related("agency")
                    .filter(Q(subject__icontains=query) | Q(summary__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("风险台账"),
                "rows": [
                    (risk.title, reverse("integrity:risk_detail", args=[risk.pk]), risk.agency)
                    for risk in access.visible_risks(user)
                    .select_related("agency")
                    .filter(Q(title__icontains=query) | Q(description__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("风险处置预案"),
                "rows": [
                    (plan.title, reverse("integrity:plan_detail", args=[plan.pk]), plan.agency)
                    for plan in access.visible_plans(user)
                    .select_related("agency")
                    .filter(Q(title__icontains=query) | Q(triggers__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("服务承诺"),
                "rows": [
                    (item.item, reverse("integrity:service_commitment_detail", args=[item.pk]), item.agency)
                    for item in access.visible_service_commitments(user)
                    .select_related("agency")
                    .filter(Q(item__icontains=query) | Q(commitment__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("一岗双责"),
                "rows": [
                    (
                        f"{row.year} · {row.person.name} · {row.post}",
                        reverse("integrity:assignment_detail", args=[row.pk]),
                        row.agency,
                    )
                    for row in access.visible_assignments(user)
                    .select_related("agency", "person")
                    .filter(Q(person__name__icontains=query) | Q(post__icontains=query))[:SEARCH_LIMIT]
                ],
            },
            {
                "title": _("廉政承诺书"),
                "rows": [
                    (
                        f"{row.year} · {row.person.name}",
                        reverse("integrity:commitment_detail", args=[row.pk]),
                        row.agency,
                    )
                    for row in access.visible_commitments(user)
                    .select_related("agency", "person")
                    .filter(person__name__icontains=query)[:SEARCH_LIMIT]
                ],
            },
        ]
        if access.may_view_talks(user):
            sections.append(
                {
                    "title": _("廉政约谈"),
                    "rows": [
                        (
                            f"{talk.held_on} · {talk.person.name} · {talk.get_kind_display()}",
                            reverse("integrity:talk_detail", args=[talk.pk]),
                            talk.agency,
                        )
                        for talk in access.visible_talks(user)
                        .select_related("agency", "person")
                        .filter(
                            Q(person__name__icontains=query) | Q(reason__icontains=query) | Q(content__icontains=query)
                        )[:SEARCH_LIMIT]
                    ],
                }
            )
    found = any(section["rows"] for section in sections)
    return render(
        request, "integrity/search.html", {"tab": "index", "query": query, "sections": sections, "found": found}
    )


# Checklists --------------------------------------------------------------------------------------------


@require_safe
def checklist_list(request: HttpRequest) -> HttpResponse:
    checklists = Checklist.objects.order_by("article").prefetch_related("versions")
    rows = []
    for checklist in checklists:
        versions = sorted(checklist.versions.all(), key=lambda version: version.number)
        rows.append({"checklist": checklist, "current": versions[-1] if versions else None, "count": len(versions)})
    current_ids = [row["current"].pk for row in rows if row["current"]]
    item_counts = dict(
        ChecklistVersion.objects.filter(pk__in=current_ids).annotate(n=Count("items")).values_list("pk", "n")
    )
    for row in rows:
        row["items"] = item_counts.get(row["current"].pk, 0) if row["current"] else 0
    return render(
        request,
        "integrity/checklists/list.html",
        {"tab": "checklists", "rows": rows, "may_revise": access.may_revise_checklists(request.user)},
    )


@require_safe
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = _get(Checklist.objects.all(), pk)
    versions = list(checklist.versions.select_related("created_by", "created_by__person").order_by("-number"))
    wanted = request.GET.get("version")
    version = versions[0]
    if wanted:
        version = next((v for v in versions if str(v.number) == wanted), None)
        if version is None:
            raise Http404
    return render(
        request,
        "integrity/checklists/detail.html",
        {
            "tab": "checklists",
            "checklist": checklist,
            "version": version,
            "is_current": version.pk == versions[0].pk,
            "items": version.items.order_by("position"),
            "versions": versions,
            "may_revise": access.may_revise_checklists(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def checklist_revise(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = _get(Checklist.objects.all(), pk)
    if not access.may_revise_checklists(request.user):
        raise PermissionDenied
    current = checklist.current_version()
    form = ChecklistRevisionForm(request.POST or None, version=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.checklist_revise(
                checklist,
                acting_user=request.user,
                changes=form.changes(),
                note=data["note"],
                expected_version=data["version"],
            ),
            _("已生成新版本；此前的检查仍保留其使用的版本。"),
        )[0]:
            return redirect("integrity:checklist_detail", checklist.pk)
        form = ChecklistRevisionForm(request.POST, version=checklist.current_version())
        form.is_valid()
    return render(
        request,
        "integrity/checklists/revise.html",
        {"tab": "checklists", "checklist": checklist, "version": current, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# Control inspections -------------------------------------------------------------------------------------


def get_inspection_for_user(user: Any, pk: int) -> ControlInspection:
    return _get(visible_inspections_with_relations(user), pk)


def _inspection_filter(request: HttpRequest) -> InspectionFilter:
    inspections = (
        visible_inspections_with_relations(request.user)
        .annotate(
            shortcomings=Count(
                "results", filter=Q(results__result__in=InspectionItemResult.SHORTCOMINGS), distinct=True
            ),
            open_findings=Count(
                "results",
                filter=Q(results__finding__isnull=False) & Q(results__finding__status__in=Finding.OPEN_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-planned_on", "-pk")
    )
    return InspectionFilter(
        request.GET or None, queryset=inspections, agencies=agencies_for(request.user).county_agencies()
    )


@require_safe
def inspection_list(request: HttpRequest) -> HttpResponse:
    inspection_filter = _inspection_filter(request)
    page = paginate(request, inspection_filter.qs)
    return render(
        request,
        "integrity/inspections/list.html",
        {
            "tab": "inspections",
            "filter": inspection_filter,
            "page": page,
            "may_plan": access.may_plan_inspections(request.user),
        },
    )


INSPECTION_HEADERS = [
    _lazy("编号"),
    _lazy("检查名称"),
    _lazy("被检查单位"),
    _lazy("检查期间起"),
    _lazy("检查期间止"),
    _lazy("计划检查日期"),
    _lazy("检查组长"),
    _lazy("状态"),
    _lazy("部分符合或不符合项"),
    _lazy("未销号问题"),
    _lazy("完成时间"),
    _lazy("报告文号"),
]


@require_safe
def inspection_export(request: HttpRequest) -> HttpResponse:
    rows = (
        [
            inspection.pk,
            inspection.title,
            str(inspection.agency),
            inspection.period_start,
            inspection.period_end,
            inspection.planned_on,
            _person_name(inspection.lead),
            inspection.get_status_display(),
            inspection.shortcomings,
            inspection.open_findings,
            inspection.completed_at,
            inspection.report_number,
        ]
        for inspection in _inspection_filter(request).qs.iterator(chunk_size=500)
    )
    return xlsx_response(_("内控检查清单.xlsx"), _("内控检查"), INSPECTION_HEADERS, rows)


def _person_name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


@require_http_methods(["GET", "HEAD", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    if not access.may_plan_inspections(request.user):
        raise PermissionDenied
    agencies = agencies_for(request.user, Action.INSPECT)
    initial = {"planned_on": timezone.localdate()}
    if request.GET.get("agency"):
        initial["agency"] = request.GET["agency"]
    form = InspectionPlanForm(request.POST or None, user=request.user, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        inspection = actions.inspection_plan(
            acting_user=request.user,
            agency=data["agency"],
            checklists=list(data["checklists"]),
            title=form.title_or_default(),
            period_start=data["period_start"],
            period_end=data["period_end"],
            planned_on=data["planned_on"],
            team=list(data["team"]),
        )
        messages.success(request, _("检查计划已制定，可以逐项记录检查结果。"))
        return redirect("integrity:inspection_detail", inspection.pk)
    return _form_page(
        request,
        form,
        title=_("制定内控检查计划"),
        back=reverse("integrity:inspection_list"),
        submit=_("制定计划"),
        tab="inspections",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    if not access.may_conduct(request.user, inspection):
        raise PermissionDenied
    if not inspection.is_open:
        messages.error(request, _("检查已完成或已撤销，不能再修改检查计划。"))
        return redirect("integrity:inspection_detail", inspection.pk)
    initial = {
        "title": inspection.title,
        "period_start": inspection.period_start,
        "period_end": inspection.period_end,
        "planned_on": inspection.planned_on,
        "team": list(inspection.team.values_list("pk", flat=True)),
        "version": inspection.version,
    }
    form = InspectionPlanForm(
        request.POST or None,
        user=request.user,
        agencies=agencies_for(request.user, Action.INSPECT),
        inspection=inspection,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.inspection_update_plan(
                inspection,
                acting_user=request.user,
                title=data["title"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                planned_on=data["planned_on"],
                team=list(data["team"]),
                version=data["version"],
            ),
            _("检查计划已修改。"),
        )[0]:
            return redirect("integrity:inspection_detail", inspection.pk)
    return _form_page(
        request,
        form,
        title=_("修改检查计划"),
        back=reverse("integrity:inspection_detail", args=[inspection.pk]),
        submit=_("保存"),
        tab="inspections",
    )


def _results_of(inspection: ControlInspection) -> list[InspectionItemResult]:
    results = list(
        inspection.results.select_related(
            "item", "item__version", "item__version__checklist", "finding", "recorded_by", "recorded_by__person"
        ).order_by("item__version__checklist__article", "item__position")
    )
    files = _files_for(results)
    for result in results:
        result.files = files.get(result.pk, [])
    return results


def _row_context(
    inspection: ControlInspection, result: InspectionItemResult, editable: bool, form: Any = None
) -> dict[str, Any]:
    if editable and form is None:
        form = ItemResultForm(
            prefix=f"r{result.pk}",
            initial={
                "version": result.version,
                "result": "" if result.result == InspectionItemResult.Result.PENDING else result.result,
                "problem": result.problem,
                "notes": result.notes,
                "severity": result.severity,
            },
        )
    return {"inspection": inspection, "result": result, "editable": editable, "form": form}


def _progress(inspection: ControlInspection) -> dict[str, int]:
    totals = inspection.results.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=~Q(result=InspectionItemResult.Result.PENDING)),
        shortcomings=Count("pk", filter=Q(result__in=InspectionItemResult.SHORTCOMINGS)),
    )
    return totals


@require_safe
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    return render(request, "integrity/inspections/detail.html", _inspection_context(request, inspection))


def _inspection_context(request: HttpRequest, inspection: ControlInspection, **forms: Any) -> dict[str, Any]:
    may_conduct = access.may_conduct(request.user, inspection)
    editable = may_conduct and inspection.is_open
    results = _results_of(inspection)
    groups: list[dict[str, Any]] = []
    for result in results:
        version = result.item.version
        if not groups or groups[-1]["version"].pk != version.pk:
            groups.append({"version": version, "rows": []})
        groups[-1]["rows"].append(_row_context(inspection, result, editable))
    findings = [result.finding for result in results if result.finding_id]
    progress = _progress(inspection)
    default_deadline = default_rectification_deadline()
    return {
        "tab": "inspections",
        "inspection": inspection,
        "team": list(inspection.team.select_related("person")),
        "groups": groups,
        "findings": findings,
        "progress": progress,
        "may_conduct": may_conduct,
        "editable": editable,
        "complete_form": forms.get("complete_form")
        or (
            InspectionCompleteForm(initial={"version": inspection.version, "deadline": default_deadline})
            if editable
            else None
        ),
        "cancel_form": ReasonForm() if editable else None,
    }


@require_POST
def result_update(request: HttpRequest, pk: int, result_pk: int) -> HttpResponse:
    """Record one item; answered in place (htmx) with the row and the progress counter."""
    inspection = get_inspection_for_user(request.user, pk)
    if not access.may_conduct(request.user, inspection):
        raise PermissionDenied
    result = _get(inspection.results.select_related("item", "item__version", "item__version__checklist"), result_pk)
    form = ItemResultForm(request.POST, request.FILES, prefix=f"r{result.pk}")
    status = 200
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.inspection_record_result(
                result,
                acting_user=request.user,
                outcome=data["result"],
                problem=data["problem"],
                notes=data["notes"],
                severity=data["severity"],
                files=data["files"],
                version=data["version"],
            )
        except (EditConflict, TransitionNotAllowed) as refused:  # shown in the row, not as a page message
            error, status = str(refused.message), 409
        except ValidationError as invalid:
            error, status = "；".join(invalid.messages), 400
        else:
            form = None
    else:
        status = 400
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif status == 400:
            messages.error(
                request,
                _("检查结果未保存：%(errors)s")
                % {"errors": "；".join(e for errs in form.errors.values() for e in errs)},
            )
        else:
            messages.success(request, _("检查结果已保存。"))
        return redirect(reverse("integrity:inspection_detail", args=[inspection.pk]) + f"#item-{result.pk}")
    inspection.refresh_from_db()
    result = _results_of_one(inspection, result.pk)
    context = _row_context(inspection, result, inspection.is_open, form)
    context.update({"error": error, "saved": status == 200, "progress": _progress(inspection), "oob": True})
    return render(request, "integrity/inspections/item_row.html", context, status=status)


def _results_of_one(inspection: ControlInspection, pk: int) -> InspectionItemResult:
    result = inspection.results.select_related(
        "item", "item__version", "item__version__checklist", "finding", "recorded_by", "recorded_by__person"
    ).get(pk=pk)
    result.files = _files_of(result)
    return result


@require_POST
def inspection_complete(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    if not access.may_conduct(request.user, inspection):
        raise PermissionDenied
    form = InspectionCompleteForm(request.POST)
    if not form.is_valid():
        context = _inspection_context(request, inspection, complete_form=form)
        return render(request, "integrity/inspections/detail.html", context, status=400)
    data = form.cleaned_data
    run_action(
        request,
        lambda: actions.inspection_complete(
            inspection,
            acting_user=request.user,
            conclusion=data["conclusion"],
            deadline=data["deadline"],
            version=data["version"],
        ),
        _("检查已完成；部分符合和不符合的条目已作为问题下达整改要求。"),
    )
    return redirect("integrity:inspection_detail", inspection.pk)


@require_POST
def inspection_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk)
    if not access.may_conduct(request.user, inspection):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.inspection_cancel(inspection, acting_user=request.user, reason=form.cleaned_data["reason"]),
            _("检查已撤销。"),
        )
    else:
        messages.error(request, _("撤销检查须写明理由。"))
    return redirect("integrity:inspection_detail", inspection.pk)


@require_safe
def inspection_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection report (检查报告) as PDF: items, results, findings and the signature block."""
    inspection = get_inspection_for_user(request.user, pk)
    if inspection.status != ControlInspection.Status.COMPLETED:
        raise Http404
    results = _results_of(inspection)
    groups: list[dict[str, Any]] = []
    for result in results:
        if not groups or groups[-1]["version"].pk != result.item.version_id:
            groups.append({"version": result.item.version, "rows": []})
        groups[-1]["rows"].append(result)
    counts = dict.fromkeys(InspectionItemResult.Result.values, 0)
    for result in results:
        counts[result.result] += 1
    pdf = render_pdf(
        "integrity/inspections/report_pdf.html",
        {
            "title": _("内控检查报告"),
            "document_number": inspection.report_number,
            "issued_on": timezone.localtime(inspection.completed_at).date() if inspection.completed_at else None,
            "snapshot_at": timezone.now(),
            "inspection": inspection,
            "team": list(inspection.team.select_related("person")),
            "groups": groups,
            "findings": [result.finding for result in results if result.finding_id],
            "counts": [
                (label, counts[value]) for value, label in InspectionItemResult.Result.choices if value != "pending"
            ],
        },
    )
    name = _("%(number)s %(agency)s内控检查报告.pdf") % {
        "number": inspection.report_number,
        "agency": inspection.agency,
    }
    return pdf_response(pdf, name.strip())


# Spot checks (第十条（二）) ----------------------------------------------------------------------------


def get_spot_check_for_user(user: Any, pk: int) -> SpotCheck:
    return _get(access.visible_spot_checks(user).with_list_relations().select_related("reported_to"), pk)


@require_safe
def spot_check_list(request: HttpRequest) -> HttpResponse:
    checks = (
        access.visible_spot_checks(request.user)
        .with_list_relations()
        .annotate(issue_count=Count("issues", filter=Q(issues__withdrawn_at__isnull=True)))
        .order_by("-checked_on", "-pk")
    )
    spot_filter = SpotCheckFilter(
        request.GET or None, queryset=checks, agencies=agencies_for(request.user).county_agencies()
    )
    return render(
        request,
        "integrity/spot_checks/list.html",
        {
            "tab": "spot_checks",
            "filter": spot_filter,
            "page": paginate(request, spot_filter.qs),
            "may_create": agencies_for(request.user, Action.INSPECT).county_agencies().exists(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def spot_check_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.INSPECT)
    if not agencies.county_agencies().exists():
        raise PermissionDenied
    form = SpotCheckForm(
        request.POST or None, request.FILES or None, agencies=agencies, initial={"checked_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spot_check = actions.spot_check_create(acting_user=request.user, files=data["files"], **_changes_from(form))
        messages.success(request, _("已登记业务抽查，请逐件登记发现的问题，然后反馈被抽查单位。"))
        return redirect("integrity:spot_check_detail", spot_check.pk)
    return _form_page(
        request,
        form,
        title=_("登记业务抽查"),
        back=reverse("integrity:spot_check_list"),
        submit=_("登记"),
        tab="spot_checks",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def spot_check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = get_spot_check_for_user(request.user, pk)
    if not access.may_spot_check(request.user, spot_check.agency_id):
        raise PermissionDenied
    if spot_check.status != SpotCheck.Status.DRAFT:
        messages.error(request, _("抽查情况已反馈，不能再修改。"))
        return redirect("integrity:spot_check_detail", spot_check.pk)
    agencies = agencies_for(request.user, Action.INSPECT)
    form = SpotCheckForm(
        request.POST or None,
        request.FILES or None,
        agencies=agencies,
        instance=spot_check,
        initial=_version_initial(spot_check),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.spot_check_update(
                SpotCheck.objects.get(pk=pk),
                acting_user=request.user,
                version=data["version"],
                files=data["files"],
                **_changes_from(form),
            ),
            _("抽查情况已保存。"),
        )[0]:
            return redirect("integrity:spot_check_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修改抽查情况"),
        back=reverse("integrity:spot_check_detail", args=[pk]),
        submit=_("保存"),
        tab="spot_checks",
    )


def _spot_check_context(request: HttpRequest, spot_check: SpotCheck, **forms: Any) -> dict[str, Any]:
    may_act = access.may_spot_check(request.user, spot_check.agency_id)
    issues = list(spot_check.issues.select_related("finding").order_by("pk"))
    draft = spot_check.status == SpotCheck.Status.DRAFT
    initial = _version_initial(spot_check)
    return {
        "tab": "spot_checks",
        "spot_check": spot_check,
        "issues": issues,
        "active_issues": [issue for issue in issues if not issue.withdrawn_at],
        "files": _files_of(spot_check),
        "may_act": may_act,
        "issue_form": forms.get("issue_form") or (SpotCheckIssueForm() if may_act and draft else None),
        "feedback_form": forms.get("feedback_form")
        or (
            FeedBackForm(initial={**initial, "deadline": default_rectification_deadline()})
            if may_act and draft
            else None
        ),
        "report_form": forms.get("report_form")
        or (
            SpotCheckReportForm(spot_check=spot_check, initial=initial)
            if may_act and spot_check.status == SpotCheck.Status.FED_BACK
            else None
        ),
        "withdraw_form": ReasonForm() if may_act and draft else None,
    }


@require_safe
def spot_check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = get_spot_check_for_user(request.user, pk)
    return render(request, "integrity/spot_checks/detail.html", _spot_check_context(request, spot_check))


def _spot_check_guarded(request: HttpRequest, pk: int) -> SpotCheck:
    spot_check = get_spot_check_for_user(request.user, pk)
    if not access.may_spot_check(request.user, spot_check.agency_id):
        raise PermissionDenied
    return spot_check


@require_POST
def spot_check_issue_add(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = _spot_check_guarded(request, pk)
    form = SpotCheckIssueForm(request.POST)
    if not form.is_valid():
        context = _spot_check_context(request, spot_check, issue_form=form)
        return render(request, "integrity/spot_checks/detail.html", context, status=400)
    run_action(
        request,
        lambda: actions.spot_check_add_issue(spot_check, acting_user=request.user, **form.cleaned_data),
        _("已登记问题。"),
    )
    return redirect("integrity:spot_check_detail", spot_check.pk)


@require_POST
def spot_check_issue_withdraw(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    spot_check = _spot_check_guarded(request, pk)
    issue = _get(spot_check.issues.all(), issue_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.spot_check_withdraw_issue(
                issue, acting_user=request.user, reason=form.cleaned_data["reason"]
            ),
            _("问题已撤回。"),
        )
    else:
        messages.error(request, _("撤回须写明理由。"))
    return redirect("integrity:spot_check_detail", spot_check.pk)


@require_POST
def spot_check_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = _spot_check_guarded(request, pk)
    form = FeedBackForm(request.POST)
    if not form.is_valid():
        context = _spot_check_context(request, spot_check, feedback_form=form)
        return render(request, "integrity/spot_checks/detail.html", context, status=400)
    data = form.cleaned_data
    run_action(
        request,
        lambda: actions.spot_check_feed_back(
            spot_check, acting_user=request.user, deadline=data["deadline"], version=data["version"]
        ),
        _("已反馈被抽查单位，发现的问题已下达整改要求。"),
    )
    return redirect("integrity:spot_check_detail", spot_check.pk)


@require_POST
def spot_check_report(request: HttpRequest, pk: int) -> HttpResponse:
    spot_check = _spot_check_guarded(request, pk)
    form = SpotCheckReportForm(request.POST, spot_check=spot_check)
    if not form.is_valid():
        context = _spot_check_context(request, spot_check, report_form=form)
        return render(request, "integrity/spot_checks/detail.html", context, status=400)
    data = form.cleaned_data
    run_action(
        request,
        lambda: actions.spot_check_report(
            spot_check, acting_user=request.user, to=data["to"], text=data["text"], version=data["version"]
        ),
        _("已报告主要领导。"),
    )
    return redirect("integrity:spot_check_detail", spot_check.pk)


# Risk register (第十条（三）) ----------------------------------------------------------------------------


def get_risk_for_user(user: Any, pk: int) -> Risk:
    return _get(access.visible_risks(user).with_list_relations(), pk)


def _risk_filter(request: HttpRequest) -> RiskFilter:
    return RiskFilter(
        request.GET or None,
        queryset=access.visible_risks(request.user).with_list_relations(),
        agencies=agencies_for(request.user).county_agencies(),
    )


@require_safe
def risk_list(request: HttpRequest) -> HttpResponse:
    risk_filter = _risk_filter(request)
    risks = risk_filter.qs
    open_risks = risks.open()
    cells = risk_heat_map(open_risks)
    agency = risk_filter.form.cleaned_data.get("agency") if risk_filter.form.is_valid() else None
    title = _("%(agency)s 风险热力图") % {"agency": agency} if agency else _("全市风险热力图")
    return render(
        request,
        "integrity/risks/list.html",
        {
            "tab": "risks",
            "filter": risk_filter,
            "page": paginate(request, risks),
            "heat": heat_map_context(cells, title),
            "summary": agency_risk_summary(open_risks, timezone.localdate()) if not agency else [],
            "levels": [level.label for level in (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)],
            "may_create": access.risk_keeping_agencies(request.user).exists(),
        },
    )


RISK_HEADERS = [
    _lazy("编号"),
    _lazy("单位"),
    _lazy("风险名称"),
    _lazy("风险类别"),
    _lazy("对应条款"),
    _lazy("风险描述"),
    _lazy("可能性"),
    _lazy("影响程度"),
    _lazy("风险值"),
    _lazy("风险等级"),
    _lazy("风险责任人"),
    _lazy("现有控制措施"),
    _lazy("应对措施"),
    _lazy("状态"),
    _lazy("下次复核日期"),
    _lazy("最近复核日期"),
]


@require_safe
def risk_export(request: HttpRequest) -> HttpResponse:
    rows = (
        [
            risk.pk,
            str(risk.agency),
            risk.title,
            risk.get_category_display(),
            risk.article,
            risk.description,
            risk.likelihood,
            risk.impact,
            risk.score,
            risk.get_level_display(),
            risk.owner.name if risk.owner else "",
            risk.controls,
            risk.treatment,
            risk.get_status_display(),
            risk.next_review_on,
            risk.last_reviewed_on,
        ]
        for risk in _risk_filter(request).qs.iterator(chunk_size=500)
    )
    return xlsx_response(_("风险台账.xlsx"), _("风险台账"), RISK_HEADERS, rows)


@require_http_methods(["GET", "HEAD", "POST"])
def risk_new(request: HttpRequest) -> HttpResponse:
    agencies = access.risk_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    initial = {
        "identified_on": timezone.localdate(),
        "next_review_on": timezone.localdate() + datetime.timedelta(days=90),
    }
    if request.GET.get("agency"):
        initial["agency"] = request.GET["agency"]
    form = RiskForm(request.POST or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        risk = actions.risk_create(acting_user=request.user, **_changes_from(form))
        messages.success(request, _("风险已登记。"))
        return redirect("integrity:risk_detail", risk.pk)
    return _form_page(
        request, form, title=_("识别登记风险"), back=reverse("integrity:risk_list"), submit=_("登记"), tab="risks"
    )


@require_safe
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_risk_for_user(request.user, pk)
    return render(request, "integrity/risks/detail.html", _risk_context(request, risk))


def _risk_context(request: HttpRequest, risk: Risk, **forms: Any) -> dict[str, Any]:
    may_keep = access.may_keep_risks(request.user, risk.agency_id)
    editable = may_keep and risk.status != Risk.Status.CLOSED
    review_initial = {
        "version": risk.version,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "status": risk.status,
        "next_review_on": timezone.localdate() + datetime.timedelta(days=90),
    }
    return {
        "tab": "risks",
        "risk": risk,
        "reviews": list(risk.reviews.select_related("reviewed_by", "reviewed_by__person")),
        "plans": list(risk.disposal_plans.exclude(status=DisposalPlan.Status.REPEALED)),
        "reports": list(risk.analysis_reports.order_by("-year", "-period")),
        "editable": editable,
        "review_form": forms.get("review_form") or (RiskReviewForm(initial=review_initial) if editable else None),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_risk_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, risk.agency_id):
        raise PermissionDenied
    form = RiskForm(
        request.POST or None, agencies=agencies_for(request.user), instance=risk, initial=_version_initial(risk)
    )
    if request.method == "POST" and form.is_valid():
        data = _changes_from(form)
        if run_action(
            request,
            lambda: actions.risk_update(
                Risk.objects.get(pk=pk), acting_user=request.user, version=form.cleaned_data["version"], **data
            ),
            _("风险已修改。"),
        )[0]:
            return redirect("integrity:risk_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修改风险"),
        back=reverse("integrity:risk_detail", args=[pk]),
        submit=_("保存"),
        tab="risks",
    )


@require_POST
def risk_review(request: HttpRequest, pk: int) -> HttpResponse:
    risk = get_risk_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, risk.agency_id):
        raise PermissionDenied
    form = RiskReviewForm(request.POST)
    if not form.is_valid():
        return render(
            request, "integrity/risks/detail.html", _risk_context(request, risk, review_form=form), status=400
        )
    data = form.cleaned_data
    run_action(
        request,
        lambda: actions.risk_review(
            risk,
            acting_user=request.user,
            likelihood=data["likelihood"],
            impact=data["impact"],
            status=data["status"],
            note=data["note"],
            next_review_on=data["next_review_on"] if data["status"] != Risk.Status.CLOSED else None,
            version=data["version"],
        ),
        _("复核已记录。"),
    )
    return redirect("integrity:risk_detail", risk.pk)


# Risk analysis reports and disposal plans -------------------------------------------------------------------


def get_risk_report_for_user(user: Any, pk: int) -> RiskAnalysisReport:
    return _get(
        access.visible_risk_reports(user).select_related("agency", "created_by__person", "submitted_by__person"), pk
    )


@require_safe
def risk_report_list(request: HttpRequest) -> HttpResponse:
    reports = (
        access.visible_risk_reports(request.user)
        .select_related("agency", "agency__division", "created_by", "created_by__person")
        .annotate(risk_count=Count("risks"))
        .order_by("-year", "-period", "agency__division__code")
    )
    report_filter = RiskReportFilter(
        request.GET or None, queryset=reports, agencies=agencies_for(request.user).county_agencies()
    )
    return render(
        request,
        "integrity/risk_reports/list.html",
        {
            "tab": "risks",
            "filter": report_filter,
            "page": paginate(request, report_filter.qs),
            "may_create": access.risk_keeping_agencies(request.user).exists(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def risk_report_new(request: HttpRequest) -> HttpResponse:
    agencies = access.risk_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = RiskReportForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = actions.risk_report_save(
            None,
            acting_user=request.user,
            agency=data["agency"],
            risks=data["risks"],
            files=data["files"],
            **_changes_from(form, "agency", "risks"),
        )
        messages.success(request, _("风险分析报告已保存为草稿，确认后请报送。"))
        return redirect("integrity:risk_report_detail", report.pk)
    return _form_page(
        request,
        form,
        title=_("撰写风险分析报告"),
        back=reverse("integrity:risk_report_list"),
        submit=_("保存草稿"),
        tab="risks",
    )


@require_safe
def risk_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_risk_report_for_user(request.user, pk)
    may_keep = access.may_keep_risks(request.user, report.agency_id)
    return render(
        request,
        "integrity/risk_reports/detail.html",
        {
            "tab": "risks",
            "report": report,
            "risks": list(report.risks.select_related("owner").order_by("-score")),
            "files": _files_of(report),
            "may_edit": may_keep and report.status == RiskAnalysisReport.Status.DRAFT,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def risk_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_risk_report_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, report.agency_id):
        raise PermissionDenied
    form = RiskReportForm(
        request.POST or None,
        request.FILES or None,
        agencies=agencies_for(request.user),
        instance=report,
        initial=_version_initial(report),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.risk_report_save(
                RiskAnalysisReport.objects.get(pk=pk),
                acting_user=request.user,
                risks=data["risks"],
                files=data["files"],
                version=data["version"],
                **_changes_from(form, "risks"),
            ),
            _("风险分析报告已保存。"),
        )[0]:
            return redirect("integrity:risk_report_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修改风险分析报告"),
        back=reverse("integrity:risk_report_detail", args=[pk]),
        submit=_("保存"),
        tab="risks",
    )


@require_POST
def risk_report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_risk_report_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, report.agency_id):
        raise PermissionDenied
    run_action(
        request,
        lambda: actions.risk_report_submit(report, acting_user=request.user, version=_int(request.POST.get("version"))),
        _("风险分析报告已报送。"),
    )
    return redirect("integrity:risk_report_detail", report.pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def get_plan_for_user(user: Any, pk: int) -> DisposalPlan:
    return _get(access.visible_plans(user).select_related("agency", "responsible", "created_by__person"), pk)


@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        access.visible_plans(request.user)
        .select_related("agency", "agency__division", "responsible")
        .annotate(risk_count=Count("risks"))
        .order_by("agency__division__code", "title")
    )
    plan_filter = PlanFilter(request.GET or None, queryset=plans, agencies=agencies_for(request.user).county_agencies())
    return render(
        request,
        "integrity/plans/list.html",
        {
            "tab": "risks",
            "filter": plan_filter,
            "page": paginate(request, plan_filter.qs),
            "may_create": access.risk_keeping_agencies(request.user).exists(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    agencies = access.risk_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = DisposalPlanForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = actions.plan_save(
            None,
            acting_user=request.user,
            agency=data["agency"],
            risks=data["risks"],
            responsible=data["responsible"],
            files=data["files"],
            **_changes_from(form, "agency", "risks", "responsible"),
        )
        messages.success(request, _("风险处置预案已保存。"))
        return redirect("integrity:plan_detail", plan.pk)
    return _form_page(
        request, form, title=_("制订风险处置预案"), back=reverse("integrity:plan_list"), submit=_("保存"), tab="risks"
    )


@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    may_keep = access.may_keep_risks(request.user, plan.agency_id)
    return render(
        request,
        "integrity/plans/detail.html",
        {
            "tab": "risks",
            "plan": plan,
            "risks": list(plan.risks.order_by("-score")),
            "files": _files_of(plan),
            "may_edit": may_keep and plan.status != DisposalPlan.Status.REPEALED,
            "may_put_in_force": may_keep and plan.status == DisposalPlan.Status.DRAFT,
            "effective_form": EffectiveForm(initial={"effective_on": timezone.localdate()}),
            "repeal_form": ReasonForm(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, plan.agency_id):
        raise PermissionDenied
    form = DisposalPlanForm(
        request.POST or None,
        request.FILES or None,
        agencies=agencies_for(request.user),
        instance=plan,
        initial=_version_initial(plan),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.plan_save(
                DisposalPlan.objects.get(pk=pk),
                acting_user=request.user,
                risks=data["risks"],
                responsible=data["responsible"],
                files=data["files"],
                version=data["version"],
                **_changes_from(form, "risks", "responsible"),
            ),
            _("风险处置预案已修订。"),
        )[0]:
            return redirect("integrity:plan_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修订风险处置预案"),
        back=reverse("integrity:plan_detail", args=[pk]),
        submit=_("保存"),
        tab="risks",
    )


@require_POST
def plan_in_force(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, plan.agency_id):
        raise PermissionDenied
    form = EffectiveForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.plan_put_in_force(
                plan, acting_user=request.user, effective_on=form.cleaned_data["effective_on"]
            ),
            _("预案已施行。"),
        )
    else:
        messages.error(request, _("请填写施行日期。"))
    return redirect("integrity:plan_detail", plan.pk)


@require_POST
def plan_repeal(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    if not access.may_keep_risks(request.user, plan.agency_id):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.plan_repeal(plan, acting_user=request.user, reason=form.cleaned_data["reason"]),
            _("预案已废止。"),
        )
    else:
        messages.error(request, _("废止须写明理由。"))
    return redirect("integrity:plan_detail", plan.pk)


# Service standards (第六条) ---------------------------------------------------------------------------------


def _service_filter(request: HttpRequest) -> ServiceCommitmentFilter:
    commitments = access.visible_service_commitments(request.user).select_related("agency", "agency__division")
    return ServiceCommitmentFilter(
        request.GET or None,
        queryset=commitments.order_by("agency__division__code", "-is_active", "item"),
        agencies=agencies_for(request.user).county_agencies(),
    )


@require_safe
def service_overview(request: HttpRequest) -> HttpResponse:
    service_filter = _service_filter(request)
    agency = service_filter.form.cleaned_data.get("agency") if service_filter.form.is_valid() else None
    rules = (
        access.visible_service_rules(request.user).select_related("agency", "agency__division").filter(is_active=True)
    )
    if agency:
        rules = rules.filter(agency=agency)
    return render(
        request,
        "integrity/service/overview.html",
        {
            "tab": "service",
            "filter": service_filter,
            "page": paginate(request, service_filter.qs),
            "rules": rules.order_by("agency__division__code", "kind")[:100],
            "may_keep": access.service_keeping_agencies(request.user).exists(),
        },
    )


COMMITMENT_HEADERS = [
    _lazy("单位"),
    _lazy("服务事项"),
    _lazy("承诺时限"),
    _lazy("法定时限"),
    _lazy("承诺内容"),
    _lazy("办理依据"),
    _lazy("公开承诺日期"),
    _lazy("有效"),
]


@require_safe
def service_export(request: HttpRequest) -> HttpResponse:
    rows = (
        [
            str(row.agency),
            row.item,
            row.time_limit_display,
            row.legal_limit,
            row.commitment,
            row.basis,
            row.effective_on,
            row.is_active,
        ]
        for row in _service_filter(request).qs.iterator(chunk_size=500)
    )
    return xlsx_response(_("服务承诺.xlsx"), _("服务承诺"), COMMITMENT_HEADERS, rows)


def get_service_commitment_for_user(user: Any, pk: int) -> ServiceCommitment:
    return _get(access.visible_service_commitments(user).select_related("agency", "created_by__person"), pk)


def get_service_rule_for_user(user: Any, pk: int) -> ServiceRule:
    return _get(access.visible_service_rules(user).select_related("agency", "created_by__person"), pk)


@require_http_methods(["GET", "HEAD", "POST"])
def service_commitment_new(request: HttpRequest) -> HttpResponse:
    agencies = access.service_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = ServiceCommitmentForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        commitment = actions.service_commitment_save(None, acting_user=request.user, **_changes_from(form))
        messages.success(request, _("服务承诺已登记。"))
        return redirect("integrity:service_commitment_detail", commitment.pk)
    return _form_page(
        request, form, title=_("登记服务承诺"), back=reverse("integrity:service"), submit=_("登记"), tab="service"
    )


@require_safe
def service_commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_service_commitment_for_user(request.user, pk)
    return render(
        request,
        "integrity/service/commitment_detail.html",
        {
            "tab": "service",
            "commitment": commitment,
            "may_edit": commitment.is_active and access.may_keep_service(request.user, commitment.agency_id),
            "withdraw_form": ReasonForm(),
            "may_record_accountability": may_record_accountability(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def service_commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_service_commitment_for_user(request.user, pk)
    if not access.may_keep_service(request.user, commitment.agency_id):
        raise PermissionDenied
    form = ServiceCommitmentForm(
        request.POST or None,
        agencies=agencies_for(request.user),
        instance=commitment,
        initial=_version_initial(commitment),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_action(
            request,
            lambda: actions.service_commitment_save(
                ServiceCommitment.objects.get(pk=pk),
                acting_user=request.user,
                version=form.cleaned_data["version"],
                **_changes_from(form),
            ),
            _("服务承诺已修改。"),
        )[0]
    ):
        return redirect("integrity:service_commitment_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修改服务承诺"),
        back=reverse("integrity:service_commitment_detail", args=[pk]),
        submit=_("保存"),
        tab="service",
    )


@require_POST
def service_commitment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_service_commitment_for_user(request.user, pk)
    if not access.may_keep_service(request.user, commitment.agency_id):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.service_commitment_withdraw(
                commitment, acting_user=request.user, reason=form.cleaned_data["reason"]
            ),
            _("已停止该项承诺。"),
        )
    else:
        messages.error(request, _("停止承诺须写明理由。"))
    return redirect("integrity:service_commitment_detail", commitment.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def service_rule_new(request: HttpRequest) -> HttpResponse:
    agencies = access.service_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    initial = {"kind": request.GET.get("kind", "")}
    form = ServiceRuleForm(request.POST or None, request.FILES or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        rule = actions.service_rule_save(
            None, acting_user=request.user, files=form.cleaned_data["files"], **_changes_from(form)
        )
        messages.success(request, _("服务制度已登记。"))
        return redirect("integrity:service_rule_detail", rule.pk)
    return _form_page(
        request, form, title=_("登记服务制度"), back=reverse("integrity:service"), submit=_("登记"), tab="service"
    )


@require_safe
def service_rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_service_rule_for_user(request.user, pk)
    return render(
        request,
        "integrity/service/rule_detail.html",
        {
            "tab": "service",
            "rule": rule,
            "files": _files_of(rule),
            "may_edit": rule.is_active and access.may_keep_service(request.user, rule.agency_id),
            "repeal_form": ReasonForm(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def service_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_service_rule_for_user(request.user, pk)
    if not access.may_keep_service(request.user, rule.agency_id):
        raise PermissionDenied
    form = ServiceRuleForm(
        request.POST or None,
        request.FILES or None,
        agencies=agencies_for(request.user),
        instance=rule,
        initial=_version_initial(rule),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.service_rule_save(
                ServiceRule.objects.get(pk=pk),
                acting_user=request.user,
                files=data["files"],
                version=data["version"],
                **_changes_from(form),
            ),
            _("服务制度已修订。"),
        )[0]:
            return redirect("integrity:service_rule_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修订服务制度"),
        back=reverse("integrity:service_rule_detail", args=[pk]),
        submit=_("保存"),
        tab="service",
    )


@require_POST
def service_rule_repeal(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_service_rule_for_user(request.user, pk)
    if not access.may_keep_service(request.user, rule.agency_id):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.service_rule_repeal(rule, acting_user=request.user, reason=form.cleaned_data["reason"]),
            _("服务制度已废止。"),
        )
    else:
        messages.error(request, _("废止须写明理由。"))
    return redirect("integrity:service_rule_detail", rule.pk)


# Accountability (责任追究, the ground floor's shared record) ---------------------------------------------------


@require_safe
def accountability_list(request: HttpRequest) -> HttpResponse:
    if not may_view_accountability(request.user):
        raise PermissionDenied
    records = visible_accountability(request.user).select_related("agency__division")
    record_filter = AccountabilityFilter(
        request.GET or None, queryset=records, agencies=agencies_for(request.user).county_agencies()
    )
    return render(
        request,
        "integrity/accountability/list.html",
        {
            "tab": "accountability",
            "filter": record_filter,
            "page": paginate(request, record_filter.qs),
            "may_record": may_record_accountability(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def accountability_new(request: HttpRequest) -> HttpResponse:
    if not may_record_accountability(request.user) or not may_view_accountability(request.user):
        raise PermissionDenied
    agencies = agencies_for(request.user)
    findings = scoped(Finding.objects.all(), request.user)
    initial: dict[str, Any] = {"decided_on": timezone.localdate()}
    finding_pk = _int(request.GET.get("finding"))
    if finding_pk:
        finding = findings.filter(pk=finding_pk).select_related("agency").first()
        if finding is not None:
            initial.update({"finding": finding.pk, "agency": finding.agency_id, "source_label": str(finding)[:200]})
    commitment_pk = _int(request.GET.get("commitment"))
    if commitment_pk:
        commitment = access.visible_service_commitments(request.user).filter(pk=commitment_pk).first()
        if commitment is not None:
            initial.update(
                {
                    "agency": commitment.agency_id,
                    "breach": _("违反服务承诺“%(item)s”（承诺时限：%(limit)s）。")
                    % {"item": commitment.item, "limit": commitment.time_limit_display},
                }
            )
    form = AccountabilityForm(request.POST or None, agencies=agencies, findings=findings, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        finding = data["finding"]
        record = accountability_record(
            acting_user=request.user,
            agency=data["agency"],
            person=data["person"],
            breach=data["breach"],
            decision=data["decision"],
            consequence=data["consequence"],
            decided_by=data["decided_by"],
            decided_on=data["decided_on"],
            source_record=finding,
            source_label=data["source_label"] or (str(finding)[:200] if finding else ""),
        )
        messages.success(request, _("责任追究记录已登记。"))
        return redirect("integrity:accountability_detail", record.pk)
    return _form_page(
        request,
        form,
        title=_("登记责任追究"),
        back=reverse("integrity:accountability_list"),
        submit=_("登记"),
        tab="accountability",
        intro=_("第十六条：因责任追究涉及的人员调动、职务调整，按照市人力资源和社会保障行政部门人事管理有关规定执行。"),
    )


@require_safe
def accountability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get(visible_accountability(request.user).select_related("recorded_by__person", "source_type"), pk)
    source_url = ""
    is_finding = record.source_type_id and record.source_type.model_class() is Finding
    if is_finding and scoped(Finding.objects.filter(pk=record.source_id), request.user).exists():
        source_url = reverse("findings:detail", args=[record.source_id])
    return render(
        request,
        "integrity/accountability/detail.html",
        {"tab": "accountability", "record": record, "source_url": source_url},
    )


# 一岗双责 ---------------------------------------------------------------------------------------------------


def get_assignment_for_user(user: Any, pk: int) -> ResponsibilityAssignment:
    return _get(
        access.visible_assignments(user).select_related("agency", "person", "assigned_by", "recorded_by__person"), pk
    )


@require_safe
def assignment_list(request: HttpRequest) -> HttpResponse:
    rows = access.visible_assignments(request.user).select_related(
        "agency", "agency__division", "person", "assigned_by"
    )
    assignment_filter = AssignmentFilter(
        request.GET or None, queryset=rows, agencies=access.integrity_agencies(request.user)
    )
    return render(
        request,
        "integrity/assignments/list.html",
        {
            "tab": "integrity",
            "filter": assignment_filter,
            "page": paginate(request, assignment_filter.qs),
            "may_manage": access.may_manage_integrity(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def assignment_new(request: HttpRequest) -> HttpResponse:
    agencies = access.integrity_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = AssignmentForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assignment = actions.assignment_save(
            None,
            acting_user=request.user,
            person=data["person"],
            assigned_by=data["assigned_by"],
            files=data["files"],
            **_changes_from(form, "person", "assigned_by"),
        )
        messages.success(request, _("一岗双责已登记。"))
        return redirect("integrity:assignment_detail", assignment.pk)
    return _form_page(
        request,
        form,
        title=_("登记一岗双责"),
        back=reverse("integrity:assignment_list"),
        submit=_("登记"),
        tab="integrity",
    )


@require_safe
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    return render(
        request,
        "integrity/assignments/detail.html",
        {
            "tab": "integrity",
            "assignment": assignment,
            "files": _files_of(assignment),
            "may_edit": access.may_manage_integrity(request.user, assignment.agency_id),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    if not access.may_manage_integrity(request.user, assignment.agency_id):
        raise PermissionDenied
    form = AssignmentForm(
        request.POST or None,
        request.FILES or None,
        agencies=access.integrity_agencies(request.user),
        instance=assignment,
        initial=_version_initial(assignment),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.assignment_save(
                ResponsibilityAssignment.objects.get(pk=pk),
                acting_user=request.user,
                assigned_by=data["assigned_by"],
                files=data["files"],
                version=data["version"],
                **_changes_from(form, "assigned_by"),
            ),
            _("一岗双责已修改。"),
        )[0]:
            return redirect("integrity:assignment_detail", pk)
    return _form_page(
        request,
        form,
        title=_("修改一岗双责"),
        back=reverse("integrity:assignment_detail", args=[pk]),
        submit=_("保存"),
        tab="integrity",
    )


# Integrity commitments (廉政承诺书) --------------------------------------------------------------------------


def get_commitment_for_user(user: Any, pk: int) -> IntegrityCommitment:
    return _get(access.visible_commitments(user).select_related("agency", "person", "issued_by__person"), pk)


@require_safe
def commitment_list(request: HttpRequest) -> HttpResponse:
    rows = access.visible_commitments(request.user).select_related("agency", "agency__division", "person")
    commitment_filter = CommitmentFilter(
        request.GET or None, queryset=rows, agencies=access.integrity_agencies(request.user)
    )
    person = person_of(request.user)
    mine = (
        list(
            IntegrityCommitment.objects.filter(person=person, status=IntegrityCommitment.Status.PENDING).order_by(
                "-year"
            )
        )
        if person
        else []
    )
    return render(
        request,
        "integrity/commitments/list.html",
        {
            "tab": "integrity",
            "filter": commitment_filter,
            "page": paginate(request, commitment_filter.qs),
            "mine": mine,
            "may_manage": access.may_manage_integrity(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def commitment_issue(request: HttpRequest) -> HttpResponse:
    agencies = access.integrity_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = CommitmentIssueForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = Person.objects.active().filter(agency=data["agency"])
        issued = actions.commitments_issue(
            acting_user=request.user, people=people, year=data["year"], text=data["text"]
        )
        messages.success(
            request,
            _("已向 %(agency)s 的 %(count)s 人发起%(year)s年度廉政承诺（已有承诺书的人员不重复发起）。")
            % {"agency": data["agency"], "count": len(issued), "year": data["year"]},
        )
        return redirect(reverse("integrity:commitment_list") + f"?agency={data['agency'].pk}&year={data['year']}")
    return _form_page(
        request,
        form,
        title=_("发起年度廉政承诺"),
        back=reverse("integrity:commitment_list"),
        submit=_("发起"),
        tab="integrity",
        intro=_(
            "第十一条：禁止利用职权从事营利活动。向所选单位的全体在岗人员发起本年度廉政承诺书，由本人在网上签署，或登记纸质签署。"
        ),
    )


@require_safe
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request.user, pk)
    pending = commitment.status == IntegrityCommitment.Status.PENDING
    own = commitment.person.user_id == request.user.pk
    manager = access.may_manage_integrity(request.user, commitment.agency_id)
    return render(
        request,
        "integrity/commitments/detail.html",
        {
            "tab": "integrity",
            "commitment": commitment,
            "files": _files_of(commitment),
            "may_sign": pending and own,
            "paper_form": CommitmentSignForm() if pending and manager and not own else None,
            "void_form": ReasonForm() if manager and commitment.status != IntegrityCommitment.Status.VOID else None,
        },
    )


@require_POST
def commitment_sign(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request.user, pk)
    own = commitment.person.user_id == request.user.pk
    if not own and not access.may_manage_integrity(request.user, commitment.agency_id):
        raise PermissionDenied
    form = CommitmentSignForm(request.POST, request.FILES)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.commitment_sign(commitment, acting_user=request.user, files=form.cleaned_data["files"]),
            _("承诺书已签署。"),
        )
    else:
        messages.error(request, "；".join(error for errors in form.errors.values() for error in errors))
    return redirect("integrity:commitment_detail", commitment.pk)


@require_POST
def commitment_void(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request.user, pk)
    if not access.may_manage_integrity(request.user, commitment.agency_id):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.commitment_void(commitment, acting_user=request.user, reason=form.cleaned_data["reason"]),
            _("承诺书已作废。"),
        )
    else:
        messages.error(request, _("作废须写明理由。"))
    return redirect("integrity:commitment_detail", commitment.pk)


# Integrity talks (廉政约谈): restricted; everyone else gets 404, as if they did not exist --------------------------


def _talks_or_404(user: Any) -> QuerySet[IntegrityTalk]:
    if not access.may_view_talks(user):
        raise Http404
    return access.visible_talks(user)


def get_talk_for_user(user: Any, pk: int) -> IntegrityTalk:
    return _get(_talks_or_404(user).select_related("agency", "person", "recorded_by__person"), pk)


@require_safe
def talk_list(request: HttpRequest) -> HttpResponse:
    talks = _talks_or_404(request.user).select_related("agency", "agency__division", "person")
    talk_filter = TalkFilter(request.GET or None, queryset=talks, agencies=agencies_for(request.user))
    return render(
        request,
        "integrity/talks/list.html",
        {
            "tab": "talks",
            "filter": talk_filter,
            "page": paginate(request, talk_filter.qs),
            "may_record": access.may_record_talks(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def talk_new(request: HttpRequest) -> HttpResponse:
    _talks_or_404(request.user)
    if not access.may_record_talks(request.user):
        raise PermissionDenied
    form = TalkForm(request.POST or None, request.FILES or None, agencies=agencies_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        talk = actions.talk_record(
            acting_user=request.user, person=data["person"], files=data["files"], **_changes_from(form, "person")
        )
        messages.success(request, _("廉政约谈已登记。"))
        return redirect("integrity:talk_detail", talk.pk)
    return _form_page(
        request,
        form,
        title=_("登记廉政约谈"),
        back=reverse("integrity:talk_list"),
        submit=_("登记"),
        tab="talks",
        intro=_("廉政约谈记录仅系统管理员和经授权的人员可见，不通知任何人。"),
    )


@require_safe
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talk = get_talk_for_user(request.user, pk)
    follow_ups = list(talk.follow_ups.select_related("recorded_by__person"))
    files = _files_for(follow_ups)
    for follow_up in follow_ups:
        follow_up.files = files.get(follow_up.pk, [])
    return render(
        request,
        "integrity/talks/detail.html",
        {
            "tab": "talks",
            "talk": talk,
            "files": _files_of(talk),
            "follow_ups": follow_ups,
            "follow_up_form": TalkFollowUpForm(initial={"happened_on": timezone.localdate()})
            if access.may_record_talks(request.user)
            else None,
        },
    )


@require_POST
def talk_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    talk = get_talk_for_user(request.user, pk)
    if not access.may_record_talks(request.user):
        raise PermissionDenied
    form = TalkFollowUpForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        actions.talk_follow_up(
            talk, acting_user=request.user, happened_on=data["happened_on"], text=data["text"], files=data["files"]
        )
        messages.success(request, _("后续情况已登记。"))
    else:
        messages.error(request, "；".join(error for errors in form.errors.values() for error in errors))
    return redirect("integrity:talk_detail", talk.pk)

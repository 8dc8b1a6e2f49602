"""Control inspections: planning, recording each item, completion and the report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    InspectionFilter,
)
from integrity.forms import (
    InspectionCompleteForm,
    InspectionPlanForm,
    ItemResultForm,
    ReasonForm,
)
from integrity.models import (
    ControlInspection,
    InspectionItemResult,
)
from integrity.views.common import (
    default_rectification_deadline,
    files_for,
    files_of,
    form_page,
    get_or_404,
    visible_inspections_with_relations,
)
from supervision.documents import pdf_response, render_pdf
from supervision.exports import xlsx_response
from supervision.models import Finding
from supervision.pagination import paginate
from supervision.permissions import (
    Action,
    agencies_for,
)
from supervision.views.outcome import run_action
from supervision.workflow import EditConflict, TransitionNotAllowed

# Control inspections


def get_inspection_for_user(user: Any, pk: int) -> ControlInspection:
    return get_or_404(visible_inspections_with_relations(user), pk)


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
    return form_page(
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
    return form_page(
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
    files = files_for(results)
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
    result = get_or_404(
        inspection.results.select_related("item", "item__version", "item__version__checklist"), result_pk
    )
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
    result.files = files_of(result)
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

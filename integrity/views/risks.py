"""The risk register, risk analysis reports and disposal plans (第十条（三）)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    PlanFilter,
    RiskFilter,
    RiskReportFilter,
)
from integrity.forms import (
    DisposalPlanForm,
    EffectiveForm,
    ReasonForm,
    RiskForm,
    RiskReportForm,
    RiskReviewForm,
)
from integrity.models import (
    DisposalPlan,
    Risk,
    RiskAnalysisReport,
    RiskLevel,
)
from integrity.risk_map import agency_risk_summary, heat_map_context, risk_heat_map
from integrity.views.common import (
    changes_from,
    files_of,
    form_page,
    get_or_404,
    int_or_none,
    version_initial,
)
from supervision.exports import xlsx_response
from supervision.pagination import paginate
from supervision.permissions import (
    agencies_for,
)
from supervision.views.outcome import run_action

# Risk register (第十条（三）)


def get_risk_for_user(user: Any, pk: int) -> Risk:
    return get_or_404(access.visible_risks(user).with_list_relations(), pk)


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
        risk = actions.risk_create(acting_user=request.user, **changes_from(form))
        messages.success(request, _("风险已登记。"))
        return redirect("integrity:risk_detail", risk.pk)
    return form_page(
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
        request.POST or None, agencies=agencies_for(request.user), instance=risk, initial=version_initial(risk)
    )
    if request.method == "POST" and form.is_valid():
        data = changes_from(form)
        if run_action(
            request,
            lambda: actions.risk_update(
                Risk.objects.get(pk=pk), acting_user=request.user, version=form.cleaned_data["version"], **data
            ),
            _("风险已修改。"),
        )[0]:
            return redirect("integrity:risk_detail", pk)
    return form_page(
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
    return get_or_404(
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
            **changes_from(form, "agency", "risks"),
        )
        messages.success(request, _("风险分析报告已保存为草稿，确认后请报送。"))
        return redirect("integrity:risk_report_detail", report.pk)
    return form_page(
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
            "files": files_of(report),
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
        initial=version_initial(report),
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
                **changes_from(form, "risks"),
            ),
            _("风险分析报告已保存。"),
        )[0]:
            return redirect("integrity:risk_report_detail", pk)
    return form_page(
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
        lambda: actions.risk_report_submit(
            report, acting_user=request.user, version=int_or_none(request.POST.get("version"))
        ),
        _("风险分析报告已报送。"),
    )
    return redirect("integrity:risk_report_detail", report.pk)


def get_plan_for_user(user: Any, pk: int) -> DisposalPlan:
    return get_or_404(access.visible_plans(user).select_related("agency", "responsible", "created_by__person"), pk)


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
            **changes_from(form, "agency", "risks", "responsible"),
        )
        messages.success(request, _("风险处置预案已保存。"))
        return redirect("integrity:plan_detail", plan.pk)
    return form_page(
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
            "files": files_of(plan),
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
        initial=version_initial(plan),
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
                **changes_from(form, "risks", "responsible"),
            ),
            _("风险处置预案已修订。"),
        )[0]:
            return redirect("integrity:plan_detail", pk)
    return form_page(
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

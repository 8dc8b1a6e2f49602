"""Spot checks of business files (第十条（二）)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    SpotCheckFilter,
)
from integrity.forms import (
    FeedBackForm,
    ReasonForm,
    SpotCheckForm,
    SpotCheckIssueForm,
    SpotCheckReportForm,
)
from integrity.models import (
    SpotCheck,
)
from integrity.views.common import (
    changes_from,
    default_rectification_deadline,
    files_of,
    form_page,
    get_or_404,
    version_initial,
)
from supervision.pagination import paginate
from supervision.permissions import (
    Action,
    agencies_for,
)
from supervision.views.outcome import run_action

# Spot checks (第十条（二）)


def get_spot_check_for_user(user: Any, pk: int) -> SpotCheck:
    return get_or_404(access.visible_spot_checks(user).with_list_relations().select_related("reported_to"), pk)


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
        spot_check = actions.spot_check_create(acting_user=request.user, files=data["files"], **changes_from(form))
        messages.success(request, _("已登记业务抽查，请逐件登记发现的问题，然后反馈被抽查单位。"))
        return redirect("integrity:spot_check_detail", spot_check.pk)
    return form_page(
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
        initial=version_initial(spot_check),
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
                **changes_from(form),
            ),
            _("抽查情况已保存。"),
        )[0]:
            return redirect("integrity:spot_check_detail", pk)
    return form_page(
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
    initial = version_initial(spot_check)
    return {
        "tab": "spot_checks",
        "spot_check": spot_check,
        "issues": issues,
        "active_issues": [issue for issue in issues if not issue.withdrawn_at],
        "files": files_of(spot_check),
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
    issue = get_or_404(spot_check.issues.all(), issue_pk)
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

"""Service commitments and rules (第六条)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    ServiceCommitmentFilter,
)
from integrity.forms import (
    ReasonForm,
    ServiceCommitmentForm,
    ServiceRuleForm,
)
from integrity.models import (
    ServiceCommitment,
    ServiceRule,
)
from integrity.views.common import (
    changes_from,
    files_of,
    form_page,
    get_or_404,
    version_initial,
)
from supervision.exports import xlsx_response
from supervision.pagination import paginate
from supervision.permissions import (
    agencies_for,
    may_record_accountability,
)
from supervision.views.outcome import run_action

# Service standards (第六条)


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
    return get_or_404(access.visible_service_commitments(user).select_related("agency", "created_by__person"), pk)


def get_service_rule_for_user(user: Any, pk: int) -> ServiceRule:
    return get_or_404(access.visible_service_rules(user).select_related("agency", "created_by__person"), pk)


@require_http_methods(["GET", "HEAD", "POST"])
def service_commitment_new(request: HttpRequest) -> HttpResponse:
    agencies = access.service_keeping_agencies(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = ServiceCommitmentForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        commitment = actions.service_commitment_save(None, acting_user=request.user, **changes_from(form))
        messages.success(request, _("服务承诺已登记。"))
        return redirect("integrity:service_commitment_detail", commitment.pk)
    return form_page(
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
        initial=version_initial(commitment),
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
                **changes_from(form),
            ),
            _("服务承诺已修改。"),
        )[0]
    ):
        return redirect("integrity:service_commitment_detail", pk)
    return form_page(
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
            None, acting_user=request.user, files=form.cleaned_data["files"], **changes_from(form)
        )
        messages.success(request, _("服务制度已登记。"))
        return redirect("integrity:service_rule_detail", rule.pk)
    return form_page(
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
            "files": files_of(rule),
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
        initial=version_initial(rule),
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
                **changes_from(form),
            ),
            _("服务制度已修订。"),
        )[0]:
            return redirect("integrity:service_rule_detail", pk)
    return form_page(
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

"""Findings and rectification pages: list, export, record, detail thread, answer, verify, reopen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supervision.actions import findings as actions
from supervision.exports import xlsx_response
from supervision.filters import FindingFilter
from supervision.forms import PortalForm
from supervision.forms.findings import AnswerForm, DeadlineForm, FindingForm, ReopenForm, VerifyForm, WithdrawForm
from supervision.models import Attachment, Finding, FindingEvent
from supervision.models.findings import local_today
from supervision.pagination import paginate
from supervision.permissions import Action, agencies_for, get_for_user, scoped
from supervision.views.outcome import run_form_action
from supervision.workdays import add_working_days

DEFAULT_RECTIFICATION_WORKING_DAYS = 20


def get_finding_for_user(user: Any, pk: int) -> Finding:
    return get_for_user(Finding.objects.with_list_relations(), user, pk)


def _filtered(request: HttpRequest) -> FindingFilter:
    findings = scoped(Finding.objects.with_list_relations(), request.user)
    return FindingFilter(request.GET or None, queryset=findings, agencies=agencies_for(request.user).county_agencies())


@require_safe
def finding_list(request: HttpRequest) -> HttpResponse:
    finding_filter = _filtered(request)
    page = paginate(request, finding_filter.qs)
    can_raise = agencies_for(request.user, Action.INSPECT).exists()
    return render(
        request, "supervision/findings/list.html", {"filter": finding_filter, "page": page, "can_raise": can_raise}
    )


EXPORT_HEADERS = [
    _lazy("编号"),
    _lazy("被检查单位"),
    _lazy("来源"),
    _lazy("违反条款"),
    _lazy("严重程度"),
    _lazy("问题摘要"),
    _lazy("问题描述"),
    _lazy("整改建议"),
    _lazy("发现人"),
    _lazy("发现日期"),
    _lazy("整改期限"),
    _lazy("整改责任人"),
    _lazy("状态"),
    _lazy("是否逾期"),
    _lazy("整改轮次"),
]


def _export_row(finding: Finding) -> list[Any]:
    return [
        finding.pk,
        str(finding.agency),
        finding.get_source_display(),
        finding.article,
        finding.get_severity_display(),
        finding.title,
        finding.description,
        finding.suggestion,
        _display_user(finding.found_by),
        finding.found_on,
        finding.deadline,
        finding.responsible.name if finding.responsible else "",
        finding.get_status_display(),
        finding.is_overdue,
        finding.round,
    ]


@require_safe
def finding_export(request: HttpRequest) -> HttpResponse:
    rows = (_export_row(finding) for finding in _filtered(request).qs.iterator(chunk_size=500))
    return xlsx_response(_("问题与整改清单.xlsx"), _("问题与整改"), EXPORT_HEADERS, rows)


def _display_user(user: Any) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


@require_http_methods(["GET", "HEAD", "POST"])
def finding_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.INSPECT)
    if not agencies.exists():
        raise PermissionDenied
    # A rectification demand defaults to 20 working days, the usual period in the bureau's notices.
    initial = {"deadline": add_working_days(local_today(), DEFAULT_RECTIFICATION_WORKING_DAYS)}
    form = FindingForm(request.POST or None, request.FILES or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        finding = actions.finding_raise(
            acting_user=request.user,
            agency=data["agency"],
            source=data["source"],
            article=data["article"],
            severity=data["severity"],
            title=data["title"],
            description=data["description"],
            suggestion=data["suggestion"],
            deadline=data["deadline"],
            responsible=data["responsible"],
            files=data["files"],
        )
        messages.success(request, _("已登记问题并下达整改要求。"))
        return redirect("findings:detail", finding.pk)
    return render(request, "supervision/findings/new.html", {"form": form})


@require_safe
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    return render(request, "supervision/findings/detail.html", _detail_context(request, finding))


def _detail_context(request: HttpRequest, finding: Finding, **forms: PortalForm) -> dict[str, Any]:
    events = list(finding.events.select_related("actor", "actor__person"))
    files = _files_by_event(events)
    for event in events:
        event.files = files.get(event.pk, [])
    initial = {"version": finding.version}
    may_answer = finding.status == Finding.Status.RECTIFYING and actions.can_answer_finding(request.user, finding)
    may_verify = actions.can_verify_finding(request.user, finding)
    return {
        "finding": finding,
        "events": events,
        "answer_form": forms.get("answer_form") or (AnswerForm(initial=initial) if may_answer else None),
        "verify_form": forms.get("verify_form")
        or (VerifyForm(initial=initial) if may_verify and finding.status == Finding.Status.ANSWERED else None),
        "reopen_form": forms.get("reopen_form")
        or (ReopenForm(initial=initial) if may_verify and finding.status == Finding.Status.CLOSED else None),
        "deadline_form": forms.get("deadline_form")
        or (DeadlineForm(initial=initial) if may_verify and finding.status in Finding.OPEN_STATUSES else None),
        "withdraw_form": forms.get("withdraw_form")
        or (WithdrawForm(initial=initial) if may_verify and finding.status in Finding.OPEN_STATUSES else None),
    }


def _files_by_event(events: list[FindingEvent]) -> dict[int, list[Attachment]]:
    from django.contrib.contenttypes.models import ContentType

    if not events:
        return {}
    attachments = Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(FindingEvent), object_id__in=[event.pk for event in events]
    )
    grouped: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


def _act(
    request: HttpRequest,
    finding: Finding,
    form: PortalForm,
    form_name: str,
    perform: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    return run_form_action(
        request,
        form,
        perform,
        success,
        done=lambda: redirect("findings:detail", finding.pk),
        invalid=lambda bad: render(
            request,
            "supervision/findings/detail.html",
            _detail_context(request, finding, **{form_name: bad}),
            status=400,
        ),
    )


@require_POST
def finding_answer(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    if not actions.can_answer_finding(request.user, finding):
        raise PermissionDenied
    form = AnswerForm(request.POST, request.FILES)
    return _act(
        request,
        finding,
        form,
        "answer_form",
        lambda data: actions.finding_answer(
            finding, acting_user=request.user, text=data["text"], files=data["files"], version=data["version"]
        ),
        _("整改情况已答复，等待核验。"),
    )


@require_POST
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    if not actions.can_verify_finding(request.user, finding):
        raise PermissionDenied
    form = VerifyForm(request.POST)
    return _act(
        request,
        finding,
        form,
        "verify_form",
        lambda data: actions.finding_verify(
            finding,
            acting_user=request.user,
            accepted=data["decision"] == "accept",
            text=data["text"],
            version=data["version"],
        ),
        _("核验结论已记录。"),
    )


@require_POST
def finding_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    if not actions.can_verify_finding(request.user, finding):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    return _act(
        request,
        finding,
        form,
        "reopen_form",
        lambda data: actions.finding_reopen(
            finding, acting_user=request.user, reason=data["reason"], deadline=data["deadline"], version=data["version"]
        ),
        _("问题已重新打开。"),
    )


@require_POST
def finding_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    if not actions.can_verify_finding(request.user, finding):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    return _act(
        request,
        finding,
        form,
        "withdraw_form",
        lambda data: actions.finding_withdraw(
            finding, acting_user=request.user, reason=data["reason"], version=data["version"]
        ),
        _("问题已撤销。"),
    )


@require_POST
def finding_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_finding_for_user(request.user, pk)
    if not actions.can_verify_finding(request.user, finding):
        raise PermissionDenied
    form = DeadlineForm(request.POST)
    return _act(
        request,
        finding,
        form,
        "deadline_form",
        lambda data: actions.finding_change_deadline(
            finding, acting_user=request.user, deadline=data["deadline"], reason=data["reason"], version=data["version"]
        ),
        _("整改期限已调整。"),
    )

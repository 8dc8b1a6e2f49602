"""Accountability, 一岗双责 assignments, integrity commitments and integrity talks (第十一条)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from integrity import access, actions
from integrity.filters import (
    AccountabilityFilter,
    AssignmentFilter,
    CommitmentFilter,
    TalkFilter,
)
from integrity.forms import (
    AccountabilityForm,
    AssignmentForm,
    CommitmentIssueForm,
    CommitmentSignForm,
    ReasonForm,
    TalkFollowUpForm,
    TalkForm,
)
from integrity.models import (
    IntegrityCommitment,
    IntegrityTalk,
    ResponsibilityAssignment,
)
from integrity.views.common import (
    changes_from,
    files_for,
    files_of,
    form_page,
    get_or_404,
    int_or_none,
    version_initial,
)
from supervision.actions.accountability import accountability_record
from supervision.models import Finding, Person
from supervision.pagination import paginate
from supervision.permissions import (
    agencies_for,
    may_record_accountability,
    may_view_accountability,
    person_of,
    scoped,
    visible_accountability,
)
from supervision.views.outcome import run_action

# Accountability (责任追究, the ground floor's shared record)


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
    finding_pk = int_or_none(request.GET.get("finding"))
    if finding_pk:
        finding = findings.filter(pk=finding_pk).select_related("agency").first()
        if finding is not None:
            initial.update({"finding": finding.pk, "agency": finding.agency_id, "source_label": str(finding)[:200]})
    commitment_pk = int_or_none(request.GET.get("commitment"))
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
    return form_page(
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
    record = get_or_404(visible_accountability(request.user).select_related("recorded_by__person", "source_type"), pk)
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
    return get_or_404(
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
            **changes_from(form, "person", "assigned_by"),
        )
        messages.success(request, _("一岗双责已登记。"))
        return redirect("integrity:assignment_detail", assignment.pk)
    return form_page(
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
            "files": files_of(assignment),
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
        initial=version_initial(assignment),
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
                **changes_from(form, "assigned_by"),
            ),
            _("一岗双责已修改。"),
        )[0]:
            return redirect("integrity:assignment_detail", pk)
    return form_page(
        request,
        form,
        title=_("修改一岗双责"),
        back=reverse("integrity:assignment_detail", args=[pk]),
        submit=_("保存"),
        tab="integrity",
    )


# Integrity commitments (廉政承诺书) --------------------------------------------------------------------------


def get_commitment_for_user(user: Any, pk: int) -> IntegrityCommitment:
    return get_or_404(access.visible_commitments(user).select_related("agency", "person", "issued_by__person"), pk)


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
    return form_page(
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
            "files": files_of(commitment),
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
    return get_or_404(_talks_or_404(user).select_related("agency", "person", "recorded_by__person"), pk)


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
            acting_user=request.user, person=data["person"], files=data["files"], **changes_from(form, "person")
        )
        messages.success(request, _("廉政约谈已登记。"))
        return redirect("integrity:talk_detail", talk.pk)
    return form_page(
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
    files = files_for(follow_ups)
    for follow_up in follow_ups:
        follow_up.files = files.get(follow_up.pk, [])
    return render(
        request,
        "integrity/talks/detail.html",
        {
            "tab": "talks",
            "talk": talk,
            "files": files_of(talk),
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

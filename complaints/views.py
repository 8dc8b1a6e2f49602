"""Handling complaints and reports (第十六条) and recording reconsideration and litigation (第十七条).

Complaint handlers reach every complaint of their city (or county); a county agency head reaches
only what is routed to their agency. Another county's complaint answers 404; a colleague without the
right to handle complaints gets 403.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from complaints import actions
from complaints.filters import ComplaintFilter, ReviewCaseFilter
from complaints.forms import (
    AcceptForm,
    AccountabilityForm,
    CloseForm,
    DeclineForm,
    FindingFromComplaintForm,
    MergeForm,
    NoteForm,
    PauseForm,
    ReassignForm,
    ReopenForm,
    ReplyForm,
    ReviewCaseForm,
    StaffRatingForm,
    TransferForm,
)
from complaints.models import ClockPause, Complaint, ComplaintEvent, ReviewCase, local_today
from supervision.documents import pdf_response
from supervision.exports import xlsx_response
from supervision.forms import PortalForm, VersionedForm
from supervision.models import Agency, Attachment
from supervision.pagination import paginate
from supervision.permissions import (
    Action,
    Role,
    agencies_for,
    get_for_user,
    may_record_accountability,
    may_view_accountability,
    role_required,
    scoped,
    visible_accountability,
)
from supervision.views.outcome import run_action, run_form_action
from supervision.workdays import schedule_warning

HANDLING_ROLES = (Role.COMPLAINT_HANDLER, Role.COUNTY_HEAD)
LONG_TEXTS = ("description", "reply", "decision_reason")


def visible_complaints(user: Any) -> QuerySet[Complaint]:
    return scoped(Complaint.objects.all(), user, Action.HANDLE_COMPLAINTS, via="unit")


def get_complaint_for_user(user: Any, pk: int) -> Complaint:
    queryset = (
        Complaint.objects.with_list_relations().select_related("city", "unit__division").prefetch_related("pauses")
    )
    return get_for_user(queryset, user, pk, Action.HANDLE_COMPLAINTS, via="unit")


def _filtered(request: HttpRequest) -> ComplaintFilter:
    complaints = visible_complaints(request.user).with_list_relations().prefetch_related("pauses")
    agencies = agencies_for(request.user, Action.HANDLE_COMPLAINTS)
    return ComplaintFilter(request.GET or None, queryset=complaints, agencies=agencies)


@role_required(*HANDLING_ROLES)
@require_safe
def complaint_list(request: HttpRequest) -> HttpResponse:
    complaint_filter = _filtered(request)
    # The table shows none of the long texts.
    page = paginate(request, complaint_filter.qs.defer(*LONG_TEXTS))
    return render(request, "complaints/list.html", {"filter": complaint_filter, "page": page})


EXPORT_HEADERS = [
    _lazy("受理编号"),
    _lazy("类别"),
    _lazy("事项类型"),
    _lazy("标题"),
    _lazy("被举报投诉单位"),
    _lazy("收到日期"),
    _lazy("受理期限"),
    _lazy("受理日期"),
    _lazy("承办单位"),
    _lazy("答复期限"),
    _lazy("答复日期"),
    _lazy("查实情况"),
    _lazy("移交部门"),
    _lazy("移交日期"),
    _lazy("状态"),
    _lazy("是否逾期"),
    _lazy("反映人满意度"),
    _lazy("办结日期"),
]


def _export_row(complaint: Complaint) -> list[Any]:
    return [
        complaint.number,
        complaint.get_kind_display(),
        complaint.get_matter_type_display(),
        complaint.title,
        complaint.agency.name if complaint.agency else _("不确定"),
        complaint.received_on,
        complaint.accept_due,
        complaint.accepted_on,
        complaint.unit.name,
        complaint.reply_due,
        complaint.replied_on,
        complaint.get_substantiation_display(),
        complaint.transferred_to.name if complaint.transferred_to else "",
        complaint.transferred_on,
        complaint.get_status_display(),
        complaint.is_overdue,
        complaint.get_satisfaction_display(),
        complaint.closed_on,
    ]


@role_required(*HANDLING_ROLES)
@require_safe
def complaint_export(request: HttpRequest) -> HttpResponse:
    rows = (_export_row(complaint) for complaint in _filtered(request).qs.iterator(chunk_size=500))
    return xlsx_response(_("举报投诉清单.xlsx"), _("举报投诉"), EXPORT_HEADERS, rows)


# -- dashboard -------------------------------------------------------------------------------------------


def _labelled(counts: QuerySet, field: str, choices: Any) -> list[dict[str, Any]]:
    labels = dict(choices)
    return [{"key": row[field], "label": labels.get(row[field], row[field]), "count": row["n"]} for row in counts]


def _months(today: datetime.date, count: int = 12) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for _offset in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def trend_chart(complaints: QuerySet[Complaint], today: datetime.date) -> dict[str, Any]:
    """An ECharts option: complaints received, accepted, transferred and closed per month, last 12 months."""
    months = _months(today)
    since = months[0]

    # One query: the four dates of every complaint touching the last 12 months, counted here by month.
    fields = ("received_on", "accepted_on", "transferred_on", "closed_on")
    touching = Q()
    for field in fields:
        touching |= Q(**{f"{field}__gte": since})
    counted: dict[str, dict[datetime.date, int]] = {field: defaultdict(int) for field in fields}
    for *days, status in complaints.filter(touching).order_by().values_list(*fields, "status"):
        for field, day in zip(fields, days, strict=True):
            if day is None or day < since or (field == "closed_on" and status != Complaint.Status.CLOSED):
                continue
            counted[field][day.replace(day=1)] += 1

    series = [
        (_("收到"), counted["received_on"]),
        (_("受理"), counted["accepted_on"]),
        (_("移交"), counted["transferred_on"]),
        (_("办结"), counted["closed_on"]),
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [str(name) for name, _data in series]},
        "grid": {"left": 40, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [f"{month:%Y-%m}" for month in months]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": str(name), "type": "line", "smooth": True, "data": [data.get(month, 0) for month in months]}
            for name, data in series
        ],
    }


@role_required(*HANDLING_ROLES)
@require_safe
def complaint_dashboard(request: HttpRequest) -> HttpResponse:
    today = local_today()
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() else today.year
    visible = visible_complaints(request.user)
    in_year = visible.filter(received_on__year=year)
    by_unit = (
        in_year.values("unit__name")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
            substantiated=Count("pk", filter=Q(substantiation__in=Complaint.SUBSTANTIATED)),
        )
        .order_by("-n", "unit__name")
    )
    by_agency = in_year.values("agency__name").annotate(n=Count("pk")).order_by("-n", "agency__name")
    # The year's total and the overdue counts in one query.
    totals = visible.aggregate(
        total=Count("pk", filter=Q(received_on__year=year)),
        overdue=Count("pk", filter=Q(pk__in=visible.overdue(today).values("pk"))),
        accept_overdue=Count("pk", filter=Q(pk__in=visible.accept_overdue(today).values("pk"))),
        reply_overdue=Count("pk", filter=Q(pk__in=visible.reply_overdue(today).values("pk"))),
    )
    context = {
        "year": year,
        "years": _years(visible, year, today),
        "total": totals["total"],
        "by_status": _labelled(
            in_year.values("status").annotate(n=Count("pk")).order_by("status"), "status", Complaint.Status.choices
        ),
        "by_kind": _labelled(
            in_year.values("kind").annotate(n=Count("pk")).order_by("kind"), "kind", Complaint.Kind.choices
        ),
        "by_matter": _labelled(
            in_year.values("matter_type").annotate(n=Count("pk")).order_by("-n"),
            "matter_type",
            Complaint.MatterType.choices,
        ),
        "by_unit": by_unit,
        "by_agency": by_agency,
        "overdue": totals["overdue"],
        "accept_overdue": totals["accept_overdue"],
        "reply_overdue": totals["reply_overdue"],
        "satisfaction": _labelled(
            in_year.exclude(satisfaction="").values("satisfaction").annotate(n=Count("pk")).order_by("satisfaction"),
            "satisfaction",
            Complaint.Satisfaction.choices,
        ),
        "chart": trend_chart(visible, today),
    }
    return render(request, "complaints/dashboard.html", context)


def _years(complaints: QuerySet[Complaint], year: int, today: datetime.date) -> list[int]:
    found = {day.year for day in complaints.dates("received_on", "year")}
    return sorted(found | {year, today.year}, reverse=True)


# -- one complaint ---------------------------------------------------------------------------------------


def _files_by_event(events: list[ComplaintEvent]) -> dict[int, list[Attachment]]:
    if not events:
        return {}
    attachments = Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(ComplaintEvent), object_id__in=[event.pk for event in events]
    )
    grouped: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


def _accountability_agencies(user: Any, complaint: Complaint) -> QuerySet[Agency]:
    ids = [pk for pk in (complaint.agency_id, complaint.unit_id) if pk]
    return agencies_for(user).filter(pk__in=ids)


def _schedule_warnings(complaint: Complaint) -> list[str]:
    """Say so when a running deadline falls in a year whose holiday schedule is only estimated."""
    due = {ClockPause.Clock.ACCEPT: complaint.accept_due, ClockPause.Clock.REPLY: complaint.reply_due}.get(
        complaint.running_clock or ""
    )
    if due is None:
        return []
    warning = schedule_warning(due.year, complaint.city_id)
    return [warning] if warning else []


def _detail_context(request: HttpRequest, complaint: Complaint, **forms: PortalForm) -> dict[str, Any]:
    user = request.user
    events = list(complaint.events.select_related("actor", "actor__person"))
    files = _files_by_event(events)
    for event in events:
        event.files = files.get(event.pk, [])
    initial = {"version": complaint.version}
    status = complaint.status
    may_triage = actions.can_triage(user, complaint)
    may_handle = actions.can_handle(user, complaint)
    units = actions.units_for(user)
    clock = complaint.running_clock
    open_pause = complaint.open_pause(clock) if clock else None

    def offer(name: str, condition: bool, factory: Callable[[], PortalForm]) -> PortalForm | None:
        if name in forms:
            return forms[name]
        return factory() if condition else None

    context: dict[str, Any] = {
        "complaint": complaint,
        "events": events,
        "intake_files": Attachment.objects.for_object(complaint),
        "letters": list(complaint.letters.all()),
        "pauses": list(complaint.pauses.all()),
        "open_pause": open_pause,
        "duplicates": list(complaint.duplicates.only("pk", "number", "title", "received_on")),
        "review_cases": list(scoped(complaint.review_cases.select_related("agency"), user, Action.HANDLE_COMPLAINTS)),
        "findings": list(actions.findings_from(complaint).select_related("agency")),
        "may_triage": may_triage,
        "may_handle": may_handle,
        "public_status": complaint.public_status(),
        "schedule_warnings": _schedule_warnings(complaint),
        "accept_form": offer(
            "accept_form",
            may_triage and status == Complaint.Status.RECEIVED,
            lambda: AcceptForm(initial=initial, units=units),
        ),
        "transfer_form": offer(
            "transfer_form",
            may_triage and complaint.is_open,
            lambda: TransferForm(initial=initial, city=complaint.city),
        ),
        "decline_form": offer(
            "decline_form", may_triage and status == Complaint.Status.RECEIVED, lambda: DeclineForm(initial=initial)
        ),
        "merge_form": offer(
            "merge_form",
            may_triage and complaint.is_open,
            lambda: MergeForm(initial=initial, candidates=visible_complaints(user), exclude_pk=complaint.pk),
        ),
        "reassign_form": offer(
            "reassign_form",
            may_triage and status == Complaint.Status.ACCEPTED,
            lambda: ReassignForm(initial=initial, units=units),
        ),
        "note_form": offer(
            "note_form",
            may_handle and status in (*Complaint.OPEN_STATUSES, Complaint.Status.REPLIED),
            NoteForm,
        ),
        "pause_form": offer(
            "pause_form", may_handle and clock is not None and open_pause is None, lambda: PauseForm(initial=initial)
        ),
        "resume_form": VersionedForm(initial=initial) if may_handle and open_pause is not None else None,
        "reply_form": offer(
            "reply_form", may_handle and status == Complaint.Status.ACCEPTED, lambda: ReplyForm(initial=initial)
        ),
        "close_form": offer(
            "close_form", may_handle and status == Complaint.Status.REPLIED, lambda: CloseForm(initial=initial)
        ),
        "reopen_form": offer(
            "reopen_form",
            may_triage and status in (Complaint.Status.REPLIED, Complaint.Status.CLOSED),
            lambda: ReopenForm(initial=initial),
        ),
        "rating_form": offer(
            "rating_form",
            may_handle and status in (Complaint.Status.REPLIED, Complaint.Status.CLOSED),
            lambda: StaffRatingForm(initial=initial),
        ),
        "finding_form": offer(
            "finding_form",
            may_triage
            and complaint.is_substantiated
            and actions.finding_agency(complaint) is not None
            and not actions.findings_from(complaint).exists(),
            FindingFromComplaintForm,
        ),
    }
    if may_view_accountability(user):
        ct = ContentType.objects.get_for_model(Complaint)
        context["accountability"] = list(visible_accountability(user).filter(source_type=ct, source_id=complaint.pk))
        context["show_accountability"] = True
        agencies = _accountability_agencies(user, complaint)
        context["accountability_form"] = offer(
            "accountability_form",
            may_record_accountability(user) and may_handle and agencies.exists(),
            lambda: AccountabilityForm(agencies=agencies),
        )
    return context


@require_safe
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_complaint_for_user(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


@require_safe
def complaint_letter(request: HttpRequest, pk: int, letter_pk: int) -> HttpResponse:
    complaint = get_complaint_for_user(request.user, pk)
    letter = complaint.letters.filter(pk=letter_pk).first()
    if letter is None:
        raise Http404
    with letter.file.open("rb") as handle:
        return pdf_response(handle.read(), letter.filename, inline=True)


def _act(
    request: HttpRequest,
    complaint: Complaint,
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
        done=lambda: redirect("complaints:detail", complaint.pk),
        invalid=lambda bad: render(
            request, "complaints/detail.html", _detail_context(request, complaint, **{form_name: bad}), status=400
        ),
    )


def _for_triage(request: HttpRequest, pk: int) -> Complaint:
    complaint = get_complaint_for_user(request.user, pk)
    if not actions.can_triage(request.user, complaint):
        raise PermissionDenied
    return complaint


@require_POST
def complaint_accept(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = AcceptForm(request.POST, units=actions.units_for(request.user))
    return _act(
        request,
        complaint,
        form,
        "accept_form",
        lambda data: actions.complaint_accept(
            complaint,
            acting_user=request.user,
            unit=data["unit"],
            working_days=data["working_days"],
            note=data["note"],
            version=data["version"],
        ),
        _("已受理并交办，已生成受理告知书和交办单。"),
    )


@require_POST
def complaint_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = ReassignForm(request.POST, units=actions.units_for(request.user))
    return _act(
        request,
        complaint,
        form,
        "reassign_form",
        lambda data: actions.complaint_reassign(
            complaint, acting_user=request.user, unit=data["unit"], reason=data["reason"], version=data["version"]
        ),
        _("已改派承办单位。"),
    )


@require_POST
def complaint_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = TransferForm(request.POST, city=complaint.city)
    return _act(
        request,
        complaint,
        form,
        "transfer_form",
        lambda data: actions.complaint_transfer(
            complaint, acting_user=request.user, body=data["body"], reason=data["reason"], version=data["version"]
        ),
        _("已书面通知反映人并移交，已生成书面通知和移交函。"),
    )


@require_POST
def complaint_decline(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = DeclineForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "decline_form",
        lambda data: actions.complaint_decline(
            complaint, acting_user=request.user, reason=data["reason"], version=data["version"]
        ),
        _("已决定不予受理。"),
    )


@require_POST
def complaint_merge(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = MergeForm(request.POST, candidates=visible_complaints(request.user), exclude_pk=complaint.pk)
    return _act(
        request,
        complaint,
        form,
        "merge_form",
        lambda data: actions.complaint_merge(
            complaint, acting_user=request.user, master=data["master"], reason=data["reason"], version=data["version"]
        ),
        _("已合并办理。"),
    )


def _for_handling(request: HttpRequest, pk: int) -> Complaint:
    complaint = get_complaint_for_user(request.user, pk)
    if not actions.can_handle(request.user, complaint):
        raise PermissionDenied
    return complaint


@require_POST
def complaint_note(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = NoteForm(request.POST, request.FILES)
    return _act(
        request,
        complaint,
        form,
        "note_form",
        lambda data: actions.complaint_note(
            complaint, acting_user=request.user, text=data["text"], files=data["files"]
        ),
        _("已添加调查核实记录。"),
    )


@require_POST
def complaint_pause(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = PauseForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "pause_form",
        lambda data: actions.complaint_pause(
            complaint, acting_user=request.user, reason=data["reason"], version=data["version"]
        ),
        _("已暂停计时。"),
    )


@require_POST
def complaint_resume(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = VersionedForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "resume_form",
        lambda data: actions.complaint_resume(complaint, acting_user=request.user, version=data["version"]),
        _("已恢复计时，期限已顺延。"),
    )


@require_POST
def complaint_reply(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = ReplyForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "reply_form",
        lambda data: actions.complaint_reply(
            complaint,
            acting_user=request.user,
            text=data["text"],
            substantiation=data["substantiation"],
            version=data["version"],
        ),
        _("已答复反映人，已生成答复意见书。"),
    )


@require_POST
def complaint_close(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = CloseForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "close_form",
        lambda data: actions.complaint_close(
            complaint, acting_user=request.user, note=data["note"], version=data["version"]
        ),
        _("已办结。"),
    )


@require_POST
def complaint_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = ReopenForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "reopen_form",
        lambda data: actions.complaint_reopen(
            complaint,
            acting_user=request.user,
            reason=data["reason"],
            working_days=data["working_days"],
            version=data["version"],
        ),
        _("已重新办理。"),
    )


@require_POST
def complaint_rate(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    form = StaffRatingForm(request.POST)
    return _act(
        request,
        complaint,
        form,
        "rating_form",
        lambda data: actions.complaint_rate(
            complaint,
            acting_user=request.user,
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            version=data["version"],
        ),
        _("已记录反映人满意度。"),
    )


@require_POST
def complaint_finding(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_triage(request, pk)
    form = FindingFromComplaintForm(request.POST)

    def perform(data: dict[str, Any]) -> HttpResponse:
        finding = actions.complaint_raise_finding(complaint, acting_user=request.user, article=data["article"])
        return redirect("findings:detail", finding.pk)

    return _act(request, complaint, form, "finding_form", perform, _("已登记问题并下达整改要求，请核对整改期限。"))


@require_POST
def complaint_accountability(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _for_handling(request, pk)
    if not may_record_accountability(request.user):
        raise PermissionDenied
    form = AccountabilityForm(request.POST, agencies=_accountability_agencies(request.user, complaint))
    return _act(
        request,
        complaint,
        form,
        "accountability_form",
        lambda data: actions.complaint_accountability(complaint, acting_user=request.user, **data),
        _("已登记责任追究记录。"),
    )


# -- reconsideration and litigation (第十七条) ---------------------------------------------------------------


def visible_cases(user: Any) -> QuerySet[ReviewCase]:
    return scoped(ReviewCase.objects.select_related("agency", "complaint"), user, Action.HANDLE_COMPLAINTS)


def get_case_for_user(user: Any, pk: int) -> ReviewCase:
    return get_for_user(
        ReviewCase.objects.select_related("agency", "complaint", "recorded_by__person"),
        user,
        pk,
        Action.HANDLE_COMPLAINTS,
    )


def _cases_filtered(request: HttpRequest) -> ReviewCaseFilter:
    agencies = agencies_for(request.user, Action.HANDLE_COMPLAINTS)
    return ReviewCaseFilter(request.GET or None, queryset=visible_cases(request.user), agencies=agencies)


@role_required(*HANDLING_ROLES)
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    case_filter = _cases_filtered(request)
    page = paginate(request, case_filter.qs)
    return render(request, "complaints/cases/list.html", {"filter": case_filter, "page": page})


CASE_HEADERS = [
    _lazy("案件类型"),
    _lazy("被申请人（被告）"),
    _lazy("申请人类型"),
    _lazy("申请人（原告）"),
    _lazy("争议事项"),
    _lazy("复议机关（法院）"),
    _lazy("案号"),
    _lazy("申请（起诉）日期"),
    _lazy("受理（立案）日期"),
    _lazy("决定（判决）日期"),
    _lazy("结果"),
    _lazy("结果说明"),
    _lazy("关联举报投诉"),
]


@role_required(*HANDLING_ROLES)
@require_safe
def case_export(request: HttpRequest) -> HttpResponse:
    rows = (
        [
            case.get_kind_display(),
            case.agency.name,
            case.get_applicant_type_display(),
            case.applicant_name,
            case.get_subject_display(),
            case.body,
            case.case_number,
            case.filed_on,
            case.accepted_on,
            case.decided_on,
            case.get_outcome_display(),
            case.outcome_note,
            case.complaint.number if case.complaint else "",
        ]
        for case in _cases_filtered(request).qs.iterator(chunk_size=500)
    )
    return xlsx_response(_("行政复议和行政诉讼案件.xlsx"), _("复议诉讼"), CASE_HEADERS, rows)


def _case_form(request: HttpRequest, instance: ReviewCase | None = None) -> ReviewCaseForm:
    return ReviewCaseForm(
        request.POST or None,
        instance=instance,
        agencies=agencies_for(request.user, Action.HANDLE_COMPLAINTS),
        complaints=visible_complaints(request.user),
    )


def _case_fields(form: ReviewCaseForm) -> dict[str, Any]:
    data = {name: form.cleaned_data[name] for name in ReviewCaseForm.Meta.fields}
    data["complaint"] = form.cleaned_data.get("complaint_number")
    return data


@role_required(*HANDLING_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    if not agencies_for(request.user, Action.HANDLE_COMPLAINTS).county_agencies().exists():
        raise PermissionDenied
    form = _case_form(request)
    if request.method == "POST" and form.is_valid():
        fields = _case_fields(form)
        case = actions.review_case_record(acting_user=request.user, agency=fields.pop("agency"), **fields)
        messages.success(request, _("已登记案件。"))
        return redirect("complaints:case_detail", case.pk)
    return render(
        request, "complaints/cases/form.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@require_safe
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    return render(request, "complaints/cases/detail.html", {"case": case, "form": _case_form(request, case)})


@require_POST
def case_update(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    form = _case_form(request, case)
    if form.is_valid():
        run_action(
            request,
            lambda: actions.review_case_update(
                case, acting_user=request.user, version=form.cleaned_data["version"], **_case_fields(form)
            ),
            _("案件已更新。"),
        )
        return redirect("complaints:case_detail", case.pk)
    case.refresh_from_db()
    return render(request, "complaints/cases/detail.html", {"case": case, "form": form}, status=400)


@role_required(*HANDLING_ROLES)
@require_safe
def case_stats(request: HttpRequest) -> HttpResponse:
    """Per agency, per year: cases by kind and subject, decided, corrected (纠错) and the correction rate."""
    today = local_today()
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() else today.year
    cases = visible_cases(request.user).filter(filed_on__year=year)
    decided = ~Q(outcome=ReviewCase.Outcome.PENDING)
    corrected = Q(outcome__in=ReviewCase.CORRECTED)
    rows = list(
        cases.values("agency__pk", "agency__name")
        .annotate(
            total=Count("pk"),
            reconsideration=Count("pk", filter=Q(kind=ReviewCase.Kind.RECONSIDERATION)),
            litigation=Count("pk", filter=Q(kind=ReviewCase.Kind.LITIGATION)),
            pending=Count("pk", filter=Q(outcome=ReviewCase.Outcome.PENDING)),
            decided=Count("pk", filter=decided),
            corrected=Count("pk", filter=corrected),
            withdrawn=Count("pk", filter=Q(outcome=ReviewCase.Outcome.WITHDRAWN)),
        )
        .order_by("-total", "agency__name")
    )
    for row in rows:
        row["rate"] = round(row["corrected"] * 100 / row["decided"], 1) if row["decided"] else None
    subjects = Counter(dict(cases.values_list("subject").annotate(n=Count("pk")).order_by()))
    years = sorted(
        {day.year for day in visible_cases(request.user).dates("filed_on", "year")} | {year, today.year}, reverse=True
    )
    context = {
        "year": year,
        "years": years,
        "rows": rows,
        "totals": {
            key: sum(row[key] for row in rows)
            for key in ("total", "reconsideration", "litigation", "pending", "decided", "corrected", "withdrawn")
        },
        "subjects": [(label, subjects.get(value, 0)) for value, label in ReviewCase.Subject.choices],
    }
    return render(request, "complaints/cases/stats.html", context)

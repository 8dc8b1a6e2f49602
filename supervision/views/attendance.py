"""Work style and attendance pages (第五条): sign-in, months and days, leave, filing, visits."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supervision import attendance as sheets
from supervision.actions import attendance as actions
from supervision.documents import pdf_response, render_pdf
from supervision.exports import xlsx_response
from supervision.forms import PortalForm
from supervision.forms.attendance import (
    DecideForm,
    LeaveFilter,
    LeaveForm,
    ReturnForm,
    VisitFilter,
    VisitFindingForm,
    VisitForm,
    WithdrawForm,
)
from supervision.models import (
    Agency,
    Attachment,
    DisciplineVisit,
    Finding,
    Leave,
    LeaveFiling,
    Person,
    VisitObservation,
)
from supervision.pagination import paginate
from supervision.permissions import Action, agencies_for, get_agency_for_user, get_for_user, person_of, scoped
from supervision.views.outcome import run_form_action
from supervision.workdays import add_working_days
from supervision.workflow import TransitionNotAllowed

# The navigation inside the attendance pages, shown to those who may use each part.


def _tabs(request: HttpRequest, active: str) -> dict[str, Any]:
    user = request.user
    # One query whatever the reach: the first two agencies overseen and both rights, in one row.
    overseen = agencies_for(user, Action.OVERSEE_ATTENDANCE).county_agencies().order_by("pk").values("pk")
    rights = (
        Agency.objects.order_by()
        .values(
            first=Subquery(overseen[:1]),
            second=Subquery(overseen[1:2]),
            approve=Exists(agencies_for(user, Action.APPROVE_HEAD_LEAVE)),
            visit=Exists(agencies_for(user, Action.VISIT)),
        )
        .first()
    ) or {"first": None, "second": None, "approve": False, "visit": False}
    return {
        "active_tab": active,
        "tab_person": person_of(user) is not None,
        "tab_agency": rights["first"],
        "tab_overview": rights["second"] is not None,
        "tab_filings": actions.section_of(user) is not None or rights["approve"],
        "tab_visits": rights["visit"],
    }


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is the proxy's address behind a reverse proxy; the proxy sets X-Forwarded-For.
    from django.conf import settings

    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


# My month and the sign-in.


def _sign_in_context(person: Person | None, month: sheets.Sheet | None = None) -> dict[str, Any]:
    """The sign-in panel: today's record, read from the person's month sheet when that holds today."""
    if person is None:
        return {"person": None}
    today = timezone.localdate()
    if month is not None and today in month.days:
        record = month.rows[0].days[month.days.index(today)]
    else:
        record = sheets.build_sheet(person.agency, [person], today, today).rows[0].days[0]
    return {"person": person, "today": today, "today_record": record}


@require_safe
def attendance_home(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        oversee = agencies_for(request.user, Action.OVERSEE_ATTENDANCE)
        if oversee.county_agencies().count() > 1:
            return redirect("attendance:overview")
        if agencies_for(request.user, Action.VISIT).exists():
            return redirect("attendance:visit_list")
        raise PermissionDenied
    year, month = sheets.parse_month(request.GET.get("month"))
    sheet = sheets.month_sheet(person.agency, year, month, people=[person])
    recent = Leave.objects.filter(person=person).select_related("kind").order_by("-start_date", "-pk")[:5]
    context = {
        **_tabs(request, "mine"),
        **_sign_in_context(person, sheet),
        **_month_nav(year, month),
        "sheet": sheet,
        "row": sheet.rows[0],
        "recent_leaves": recent,
    }
    return render(request, "supervision/attendance/home.html", context)


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    record, created = actions.sign_in(
        acting_user=request.user, ip_address=_client_ip(request), user_agent=request.headers.get("user-agent", "")
    )
    when = f"{timezone.localtime(record.signed_at):%H:%M}"
    if created:
        messages.success(request, _("签到成功，签到时间 %(time)s。") % {"time": when})
    else:
        messages.info(request, _("今天已于 %(time)s 签到，无需重复签到。") % {"time": when})
    if request.htmx:
        context = {**_sign_in_context(person_of(request.user)), "just_signed": True}
        return render(request, "supervision/attendance/sign_in_panel.html", context)
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("attendance:home")


def _month_nav(year: int, month: int) -> dict[str, Any]:
    previous, following = sheets.shift_month(year, month, -1), sheets.shift_month(year, month, 1)
    return {
        "year": year,
        "month": month,
        "month_value": f"{year:04d}-{month:02d}",
        "previous_month": f"{previous[0]:04d}-{previous[1]:02d}",
        "next_month": f"{following[0]:04d}-{following[1]:02d}",
    }


# An agency's day and month.


def _agency_for_oversight(request: HttpRequest, pk: int) -> Agency:
    return get_agency_for_user(request.user, pk, Action.OVERSEE_ATTENDANCE)


@require_safe
def agency_day(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency_for_oversight(request, pk)
    day = sheets.parse_day(request.GET.get("date"))
    people = sheets.agency_people(agency)
    sheet = sheets.build_sheet(agency, people, day, day)
    records = [(row.person, row.days[0]) for row in sheet.rows]
    moment = timezone.now() if day == timezone.localdate() else None
    presiding = sheets.presiding_people([agency.pk], moment or _noon(day), people=people)[agency.pk]
    counts: dict[str, int] = {}
    for _person, record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    context = {
        **_tabs(request, "agency"),
        "agency": agency,
        "day": day,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "working": sheet.working[day],
        "records": records,
        "counts": [(status, counts.get(status, 0)) for status in sheets.DayStatus if counts.get(status)],
        "presiding": presiding,
        "warnings": sheet.warnings,
        "agencies": agencies_for(request.user, Action.OVERSEE_ATTENDANCE).county_agencies().select_related("division"),
    }
    return render(request, "supervision/attendance/agency_day.html", context)


def _noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@require_safe
def agency_month(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency_for_oversight(request, pk)
    year, month = sheets.parse_month(request.GET.get("month"))
    sheet = sheets.month_sheet(agency, year, month)
    context = {
        **_tabs(request, "agency"),
        **_month_nav(year, month),
        "agency": agency,
        "sheet": sheet,
        "agencies": agencies_for(request.user, Action.OVERSEE_ATTENDANCE).county_agencies().select_related("division"),
    }
    return render(request, "supervision/attendance/agency_month.html", context)


EXPORT_LEGEND = [
    "√ 出勤；迟 迟到；缺 缺勤；休 非工作日；事 事假；病 病假；年 年休假；婚 婚假；丧 丧假；产 产假；探 探亲假；外 外出；差 出差。",
    "“事/√”表示上午事假、下午出勤；“√/事”表示上午出勤、下午事假。天数以半天为最小单位。",
]


@require_safe
def agency_month_export(request: HttpRequest, pk: int) -> HttpResponse:
    agency = _agency_for_oversight(request, pk)
    year, month = sheets.parse_month(request.GET.get("month"))
    sheet = sheets.month_sheet(agency, year, month)
    headers = [
        _("序号"),
        _("姓名"),
        _("职务"),
        *[str(day.day) for day in sheet.days],
        _("应出勤（天）"),
        _("出勤（天）"),
        _("迟到（次）"),
        _("缺勤（天）"),
        _("请假（天）"),
        _("外出、出差（天）"),
    ]
    rows: list[list[Any]] = []
    for index, row in enumerate(sheet.rows, start=1):
        totals = row.totals
        rows.append(
            [
                index,
                row.person.name,
                row.person.title or row.person.get_position_display(),
                *[record.symbol for record in row.days],
                totals.due,
                totals.attended,
                totals.late,
                totals.absent,
                totals.on_leave,
                totals.out,
            ]
        )
    rows.append([])
    rows.append([_("单位"), str(agency.name), _("月份"), f"{year}年{month}月", "", _("制表时间"), timezone.localtime()])
    rows.extend([[_("说明"), line] for line in EXPORT_LEGEND])
    filename = _("%(agency)s%(year)s年%(month)s月考勤表.xlsx") % {"agency": agency, "year": year, "month": month}
    return xlsx_response(filename, f"{year}-{month:02d}", headers, rows)


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    agencies = list(
        agencies_for(request.user, Action.OVERSEE_ATTENDANCE)
        .county_agencies()
        .active()
        .order_by("city__code", "division__code")
    )
    if not agencies:
        raise PermissionDenied
    day = sheets.parse_day(request.GET.get("date"))
    summaries = sheets.city_day(agencies, day)
    overdue = scoped(Leave.objects.overdue_return().filter(is_head_leave=True), request.user, Action.OVERSEE_ATTENDANCE)
    context = {
        **_tabs(request, "overview"),
        "day": day,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "summaries": summaries,
        "statuses": sheets.DayStatus,
        "overdue_heads": overdue.with_list_relations()[:20],
    }
    return render(request, "supervision/attendance/overview.html", context)


# Leave.


def get_leave_for_user(user: Any, pk: int) -> Leave:
    """A leave the user may see, or 404 (another county's leave never shows)."""
    leave = actions.visible_leaves(user).select_related("person__user", "acting_person__user").filter(pk=pk).first()
    if leave is None:
        raise Http404
    return leave


LIST_VIEWS = {"mine", "approve", "all"}


@require_safe
def leave_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    awaiting = actions.leaves_awaiting(user)
    awaiting_count = awaiting.count()
    view = request.GET.get("view") or ("approve" if awaiting_count else "mine")
    if view not in LIST_VIEWS:
        view = "mine"
    if view == "mine":
        base = Leave.objects.with_list_relations().filter(person__user=user)
    elif view == "approve":
        base = awaiting
    else:
        base = actions.visible_leaves(user)
    oversee = agencies_for(user, Action.OVERSEE_ATTENDANCE)
    leave_filter = LeaveFilter(request.GET or None, queryset=base.order_by("-start_date", "-pk"), agencies=oversee)
    page = paginate(request, leave_filter.qs)
    context = {
        **_tabs(request, "leave"),
        "view": view,
        "filter": leave_filter,
        "page": page,
        "awaiting": awaiting_count,
        "may_apply": person_of(user) is not None,
        "may_see_all": oversee.exists() or Leave.objects.filter(decided_by=user).exists(),
    }
    return render(request, "supervision/attendance/leave_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def leave_new(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        raise PermissionDenied
    form = LeaveForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leave = actions.leave_submit(
                acting_user=request.user,
                request=actions.LeaveRequest(
                    kind=data["kind"],
                    start_date=data["start_date"],
                    start_half=data["start_half"],
                    end_date=data["end_date"],
                    end_half=data["end_half"],
                    reason=data["reason"],
                    destination=data["destination"],
                    contact=data["contact"],
                    acting_person=data.get("acting_person"),
                ),
            )
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(request, _("申请已提交，等待审批。"))
            return redirect("attendance:leave_detail", leave.pk)
    status = 400 if request.method == "POST" else 200
    presiding = sheets.presiding_people([person.agency_id])[person.agency_id]
    context = {**_tabs(request, "leave"), "form": form, "person": person, "presiding": presiding}
    return render(request, "supervision/attendance/leave_new.html", context, status=status)


def _add_errors(form: PortalForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_safe
def leave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    return render(request, "supervision/attendance/leave_detail.html", _leave_context(request, leave))


def _leave_context(request: HttpRequest, leave: Leave, **forms: PortalForm) -> dict[str, Any]:
    user = request.user
    initial = {"version": leave.version}
    is_pending = leave.status == Leave.Status.SUBMITTED
    may_decide = is_pending and actions.can_decide_leave(user, leave)
    may_withdraw = is_pending and leave.person.user_id == user.pk
    may_return = leave.status == Leave.Status.APPROVED and actions.can_record_return(user, leave)
    filings = list(leave.filings.select_related("acknowledged_by__person"))
    section = actions.section_of(user)
    my_filing = next((f for f in filings if f.section == section and f.acknowledged_at is None), None)
    if my_filing is not None and not actions.can_acknowledge(user, my_filing):
        my_filing = None
    approver = None
    if is_pending and leave.approval_level == Leave.Level.AGENCY:
        approver = sheets.presiding_person(leave.agency_id)
    return {
        **_tabs(request, "leave"),
        "leave": leave,
        "events": leave.events.select_related("actor__person"),
        "filings": filings,
        "approver": approver,
        "my_filing": my_filing,
        "decide_form": forms.get("decide_form") or (DecideForm(initial=initial) if may_decide else None),
        "withdraw_form": forms.get("withdraw_form") or (WithdrawForm(initial=initial) if may_withdraw else None),
        "return_form": forms.get("return_form") or (ReturnForm(initial=initial) if may_return else None),
    }


def _act(
    request: HttpRequest,
    leave: Leave,
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
        done=lambda: redirect("attendance:leave_detail", leave.pk),
        invalid=lambda bad: render(
            request,
            "supervision/attendance/leave_detail.html",
            _leave_context(request, leave, **{form_name: bad}),
            status=400,
        ),
    )


@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    if not actions.can_decide_leave(request.user, leave):
        raise PermissionDenied
    form = DecideForm(request.POST)

    def perform(data: dict[str, Any]) -> Leave:
        if data["decision"] == "approve":
            return actions.leave_approve(leave, acting_user=request.user, note=data["note"], version=data["version"])
        return actions.leave_reject(leave, acting_user=request.user, reason=data["note"], version=data["version"])

    return _act(request, leave, form, "decide_form", perform, _("审批意见已记录。"))


@require_POST
def leave_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    if leave.person.user_id != request.user.pk:
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    return _act(
        request,
        leave,
        form,
        "withdraw_form",
        lambda data: actions.leave_withdraw(
            leave, acting_user=request.user, reason=data["reason"], version=data["version"]
        ),
        _("申请已撤回。"),
    )


@require_POST
def leave_return(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    if not actions.can_record_return(request.user, leave):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    return _act(
        request,
        leave,
        form,
        "return_form",
        lambda data: actions.leave_return(
            leave, acting_user=request.user, returned_at=data["returned_at"], note=data["note"], version=data["version"]
        ),
        _("已销假。"),
    )


@require_POST
def filing_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    section = actions.section_of(request.user)
    filing = leave.filings.filter(section=section).first() if section else None
    if filing is None or not actions.can_acknowledge(request.user, filing):
        raise PermissionDenied
    try:
        actions.filing_acknowledge(filing, acting_user=request.user)
    except TransitionNotAllowed as refused:
        messages.info(request, refused.message)
    else:
        messages.success(request, _("已确认备案。"))
    back = request.POST.get("next", "")
    if back.startswith("/attendance/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("attendance:leave_detail", pk)


@require_safe
def leave_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    leave = get_leave_for_user(request.user, pk)
    context = {
        "title": _("请销假报告单"),
        "leave": leave,
        "events": leave.events.select_related("actor__person"),
        "filings": leave.filings.select_related("acknowledged_by__person"),
        "issuer": leave.agency.name,
        "snapshot_at": timezone.now(),
    }
    pdf = render_pdf("supervision/attendance/leave_pdf.html", context)
    filename = f"请销假报告单-{leave.person.name}-{leave.start_date:%Y%m%d}.pdf"
    return pdf_response(pdf, filename, inline=True)


@require_safe
def filing_list(request: HttpRequest) -> HttpResponse:
    """Heads' leaves filed with the city agency's office and personnel section (备案)."""
    user = request.user
    section = actions.section_of(user)
    if section is None and not agencies_for(user, Action.APPROVE_HEAD_LEAVE).exists():
        raise PermissionDenied
    leaves = scoped(
        Leave.objects.with_list_relations().filter(is_head_leave=True, status__in=Leave.GRANTED),
        user,
        Action.OVERSEE_ATTENDANCE,
    ).prefetch_related(Prefetch("filings", queryset=LeaveFiling.objects.select_related("acknowledged_by__person")))
    if request.GET.get("pending") == "1" and section:
        leaves = leaves.filter(filings__section=section, filings__acknowledged_at__isnull=True)
    oversee = agencies_for(user, Action.OVERSEE_ATTENDANCE)
    leave_filter = LeaveFilter(request.GET or None, queryset=leaves.order_by("-start_date", "-pk"), agencies=oversee)
    page = paginate(request, leave_filter.qs)
    for leave in page:
        leave.my_filing = next(
            (f for f in leave.filings.all() if f.section == section and f.acknowledged_at is None), None
        )
    pending = 0
    if section:
        pending = leaves.filter(filings__section=section, filings__acknowledged_at__isnull=True).count()
    context = {
        **_tabs(request, "filings"),
        "filter": leave_filter,
        "page": page,
        "section": section,
        "pending": pending,
    }
    return render(request, "supervision/attendance/filing_list.html", context)


# Discipline visits (明察暗访、定期检查).


def get_visit_for_user(user: Any, pk: int) -> DisciplineVisit:
    return get_for_user(
        DisciplineVisit.objects.select_related("agency", "agency__city", "recorded_by__person"),
        user,
        pk,
        Action.VISIT,
    )


@require_safe
def visit_list(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.VISIT)
    if not agencies.exists():
        raise PermissionDenied
    visits = (
        scoped(DisciplineVisit.objects.all(), request.user, Action.VISIT)
        .select_related("agency", "recorded_by__person")
        .annotate(
            observed=Count("observations", distinct=True),
            absent=Count("observations", filter=Q(observations__present=False), distinct=True),
            raised=Count("observations", filter=Q(observations__finding__isnull=False), distinct=True),
        )
        .order_by("-visited_at", "-pk")
    )
    visit_filter = VisitFilter(request.GET or None, queryset=visits, agencies=agencies.county_agencies())
    page = paginate(request, visit_filter.qs)
    return render(
        request,
        "supervision/attendance/visit_list.html",
        {**_tabs(request, "visits"), "filter": visit_filter, "page": page},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    agencies = agencies_for(request.user, Action.VISIT).county_agencies().active().select_related("division")
    if not agencies.exists():
        raise PermissionDenied
    agency_id = request.POST.get("agency") or request.GET.get("agency")
    agency = None
    if agency_id:
        agency = get_for_user(agencies, request.user, agency_id, Action.VISIT, via="pk")
    if agency is None:
        context = {**_tabs(request, "visits"), "agencies": agencies.order_by("division__code")}
        return render(request, "supervision/attendance/visit_new.html", context)
    people = list(agency.people.active().order_by("position", "name"))
    form = VisitForm(request.POST or None, request.FILES or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = actions.visit_record(
                acting_user=request.user,
                agency=agency,
                visited_at=data["visited_at"],
                method=data["method"],
                notes=data["notes"],
                observations=form.observations(),
                files=data["files"],
            )
        except ValidationError as refused:
            _add_errors(form, refused)
        else:
            messages.success(request, _("检查记录已登记。"))
            return redirect("attendance:visit_detail", visit.pk)
    status = 400 if request.method == "POST" else 200
    context = {**_tabs(request, "visits"), "agency": agency, "form": form}
    return render(request, "supervision/attendance/visit_new.html", context, status=status)


@require_safe
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    return render(request, "supervision/attendance/visit_detail.html", _visit_context(request, visit))


def _visit_context(
    request: HttpRequest, visit: DisciplineVisit, form: VisitFindingForm | None = None
) -> dict[str, Any]:
    rows, working = sheets.visit_rows(visit)
    default_deadline = add_working_days(timezone.localdate(), 10, visit.agency.city_id)
    findings = Finding.objects.filter(
        source_type=ContentType.objects.get_for_model(DisciplineVisit), source_id=visit.pk
    ).select_related("agency")
    return {
        **_tabs(request, "visits"),
        "visit": visit,
        "rows": rows,
        "working": working,
        "discrepancies": sum(1 for row in rows if row.discrepancy),
        "finding_form": form or VisitFindingForm(initial={"deadline": default_deadline}),
        "findings": findings,
        "files": Attachment.objects.for_object(visit),
    }


@require_POST
def visit_finding(request: HttpRequest, pk: int, observation_pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    observation = VisitObservation.objects.filter(visit=visit, pk=observation_pk).first()
    if observation is None:
        raise Http404
    form = VisitFindingForm(request.POST)
    if not form.is_valid():
        context = _visit_context(request, visit, form)
        return render(request, "supervision/attendance/visit_detail.html", context, status=400)
    try:
        finding = actions.visit_raise_finding(
            observation, acting_user=request.user, deadline=form.cleaned_data["deadline"]
        )
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
        return redirect("attendance:visit_detail", visit.pk)
    messages.success(request, _("已转为问题并下达整改要求。"))
    return redirect("findings:detail", finding.pk)

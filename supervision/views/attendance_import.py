"""Attendance-machine import pages (考勤机记录导入): upload and preview, apply, cancel, the template."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supervision.actions import attendance_import as imports
from supervision.exports import xlsx_response
from supervision.forms.attendance import SignInImportForm
from supervision.models import AttendanceImport
from supervision.permissions import Action, get_agency_for_user, get_for_user
from supervision.views.attendance import _tabs
from supervision.workflow import TransitionNotAllowed


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_agency_for_user(request.user, pk, Action.OVERSEE_ATTENDANCE)
    form = SignInImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = imports.preview(agency, form.cleaned_data["file"], acting_user=request.user)
        return redirect("attendance:import_preview", record.pk)
    recent = AttendanceImport.objects.filter(agency=agency, uploaded_by=request.user).order_by("-uploaded_at")[:10]
    context = {**_tabs(request, "agency"), "agency": agency, "form": form, "recent": recent}
    return render(request, "supervision/attendance/import_upload.html", context, status=400 if form.errors else 200)


@require_safe
def import_template(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_agency_for_user(request.user, pk, Action.OVERSEE_ATTENDANCE)
    example = timezone.localdate() - datetime.timedelta(days=1)
    rows = [
        [person.name, f"{example:%Y-%m-%d} 08:30"] for person in agency.people.active().order_by("position", "name")
    ]
    return xlsx_response(f"{agency}考勤机记录导入模板.xlsx", _("签到记录"), [imports.COL_NAME, "签到时间"], rows)


def _get_import(request: HttpRequest, pk: int) -> AttendanceImport:
    record = get_for_user(
        AttendanceImport.objects.select_related("agency"), request.user, pk, Action.OVERSEE_ATTENDANCE
    )
    # An import is its uploader's: nobody else previews or applies another person's file.
    if record.uploaded_by_id != request.user.pk:
        raise Http404
    return record


@require_safe
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get_import(request, pk)
    context = {**_tabs(request, "agency"), "agency": record.agency, "record": record}
    if request.htmx:
        response = render(request, "supervision/attendance/import_status.html", context)
        if not record.is_pending:
            response["HX-Refresh"] = "true"  # done: show the whole result page
        return response
    return render(request, "supervision/attendance/import_preview.html", context)


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get_import(request, pk)
    try:
        outcome = imports.request_apply(record, acting_user=request.user)
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
        return redirect("attendance:import_preview", pk)
    if outcome.queued:
        messages.info(request, _("文件较大，已交后台导入，完成后本页会显示结果。"))
    elif outcome.errors:
        messages.error(request, _("导入未执行，没有写入任何签到记录：文件中有错误。"))
    else:
        messages.success(request, _("已导入%(count)s条签到记录。") % {"count": outcome.created})
    return redirect("attendance:import_preview", pk)


@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    record = _get_import(request, pk)
    imports.cancel(record, acting_user=request.user)
    messages.info(request, _("已取消本次导入，未写入任何签到记录。"))
    return redirect("attendance:import_upload", record.agency_id)

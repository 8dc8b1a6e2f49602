"""The public side of 第十六条: file a complaint or report, get a tracking code, follow it.

Every view here is explicitly public (`@login_not_required`). What a visitor sees of a complaint is
its public fields only: the status said plainly, the dates, the unit or body, the public reply and
the letters addressed to the complainant. An unknown code and a known code with the wrong contact get
the same answer; repeated wrong codes from one address are refused for a while.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from complaints import actions, throttle
from complaints.forms import ComplaintIntakeForm, PublicRatingForm, TrackForm
from complaints.models import Complaint, ComplaintLetter, tracking_hash
from supervision.documents import pdf_response
from supervision.workflow import TransitionNotAllowed

RECEIPT_COOKIE = "complaint_receipt"
RECEIPT_SALT = "complaints.receipt"
RECEIPT_MAX_AGE = 60 * 60
TRACKED_SESSION_KEY = "complaints_tracked"
INTAKE_WINDOW = 60 * 60
TRACK_WINDOW = 15 * 60


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    limited = throttle.exceeded("intake", request, settings.COMPLAINT_INTAKE_PER_HOUR)
    if limited:
        return render(request, "complaints/public/limited.html", {"intake": True}, status=429)
    form = ComplaintIntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        complaint, code = actions.complaint_submit(
            city=data["city"],
            kind=data["kind"],
            agency=data["agency"],
            matter_type=data["matter_type"],
            title=data["title"],
            description=data["description"],
            occurred_on=data["occurred_on"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            contact_email=data["contact_email"],
            contact_address=data["contact_address"],
            wants_reply=data["wants_reply"],
            files=data["files"],
            acting_user=request.user,
        )
        throttle.hit("intake", request, INTAKE_WINDOW)
        response = redirect("complaints:receipt")
        # The code is shown once and never stored in clear: it travels to the receipt in a signed cookie.
        response.set_signed_cookie(
            RECEIPT_COOKIE,
            f"{complaint.pk}:{code}",
            salt=RECEIPT_SALT,
            max_age=RECEIPT_MAX_AGE,
            httponly=True,
            samesite="Strict",
            secure=settings.SESSION_COOKIE_SECURE,
            path="/complaints/",
        )
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "complaints/public/new.html", {"form": form}, status=status)


@login_not_required
@never_cache
@require_safe
def complaint_receipt(request: HttpRequest) -> HttpResponse:
    """The printable receipt (回执) with the tracking code, readable for an hour by the browser that filed."""
    raw = request.get_signed_cookie(RECEIPT_COOKIE, default="", salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
    pk, _sep, code = raw.partition(":")
    complaint = Complaint.objects.select_related("agency", "city").filter(pk=int(pk) if pk.isdigit() else None).first()
    if complaint is None or not complaint.code_matches(code):
        return redirect("complaints:track")
    return render(request, "complaints/public/receipt.html", {"complaint": complaint, "code": code})


def _tracked(request: HttpRequest) -> Complaint | None:
    pk = request.session.get(TRACKED_SESSION_KEY)
    if pk is None:
        return None
    return (
        Complaint.objects.select_related("unit", "transferred_to", "merged_into", "merged_into__unit", "agency")
        .filter(pk=pk)
        .first()
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_track(request: HttpRequest) -> HttpResponse:
    """Code (and contact, when one was given) → the public status; anything else → one neutral answer."""
    if throttle.exceeded("track", request, settings.COMPLAINT_TRACK_FAILURES_PER_15_MIN):
        return render(request, "complaints/public/limited.html", {"intake": False}, status=429)
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code, contact = form.cleaned_data["code"], form.cleaned_data["contact"]
        complaint = Complaint.objects.filter(tracking_hash=tracking_hash(code)).first()
        if complaint is not None and complaint.code_matches(code) and complaint.contact_matches(contact):
            request.session.cycle_key()
            request.session[TRACKED_SESSION_KEY] = complaint.pk
            return redirect("complaints:track_result")
        throttle.hit("track", request, TRACK_WINDOW)
        form.add_error(
            None, _("没有找到与该查询码相符的举报投诉。请核对查询码；提交时留有联系方式的，请填写相同的电话或邮箱。")
        )
        return render(request, "complaints/public/track.html", {"form": form}, status=404)
    return render(request, "complaints/public/track.html", {"form": form})


def public_context(complaint: Complaint) -> dict[str, Any]:
    """Only public fields: never internal notes, people's names, or accountability."""
    shown = complaint.merged_into if complaint.status == Complaint.Status.MERGED else complaint
    events = [
        {"kind": event.get_kind_display(), "text": event.public_text, "at": event.created_at}
        for event in complaint.events.exclude(public_text="").only("complaint", "kind", "public_text", "created_at")
    ]
    letters = [
        letter
        for letter in complaint.letters.only("pk", "complaint", "kind", "number", "issued_on")
        if letter.kind in ComplaintLetter.TO_COMPLAINANT
    ]
    return {
        "complaint": complaint,
        "status_text": complaint.public_status(),
        "shown": shown,
        "events": events,
        "letters": letters,
    }


@login_not_required
@never_cache
@require_safe
def complaint_track_result(request: HttpRequest) -> HttpResponse:
    complaint = _tracked(request)
    if complaint is None:
        return redirect("complaints:track")
    context = public_context(complaint)
    if complaint.status in (Complaint.Status.REPLIED, Complaint.Status.CLOSED) and not complaint.satisfaction:
        context["rating_form"] = PublicRatingForm()
    return render(request, "complaints/public/track_result.html", context)


@login_not_required
@require_POST
def complaint_track_rate(request: HttpRequest) -> HttpResponse:
    complaint = _tracked(request)
    if complaint is None:
        return redirect("complaints:track")
    form = PublicRatingForm(request.POST)
    if not form.is_valid():
        context = {**public_context(complaint), "rating_form": form}
        return render(request, "complaints/public/track_result.html", context, status=400)
    try:
        actions.complaint_rate(
            complaint, satisfaction=form.cleaned_data["satisfaction"], comment=form.cleaned_data["comment"]
        )
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("感谢您的评价。"))
    return redirect("complaints:track_result")


@login_not_required
@require_safe
def complaint_track_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """A letter addressed to the complainant, for the visitor who has just given the right code."""
    complaint = _tracked(request)
    if complaint is None:
        raise Http404
    letter = complaint.letters.filter(pk=pk, kind__in=ComplaintLetter.TO_COMPLAINANT).first()
    if letter is None:
        raise Http404
    with letter.file.open("rb") as handle:
        return pdf_response(handle.read(), letter.filename, inline=True)

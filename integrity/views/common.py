"""Helpers shared by the pages of internal control and integrity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from integrity import access
from integrity.models import ControlInspection
from supervision.attachments import Attachment
from supervision.forms import PortalForm
from supervision.views.findings import DEFAULT_RECTIFICATION_WORKING_DAYS
from supervision.workdays import add_working_days

Handler = Callable[[dict[str, Any]], Any]


def default_rectification_deadline() -> Any:
    """Rectification demands default to the bureau's usual period, counted in working days."""
    return add_working_days(timezone.localdate(), DEFAULT_RECTIFICATION_WORKING_DAYS)


# Shared helpers ----------------------------------------------------------------------------------


def get_or_404(queryset: QuerySet[Any], pk: int) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def form_page(
    request: HttpRequest,
    form: PortalForm,
    *,
    title: str,
    back: str,
    submit: str,
    tab: str,
    status: int = 200,
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "integrity/form.html",
        {"form": form, "title": title, "back": back, "submit": submit, "tab": tab, "intro": intro},
        status=400 if request.method == "POST" else status,
    )


def files_for(records: list[Any]) -> dict[int, list[Attachment]]:
    """Current attachments of several records of one kind, in one query."""
    if not records:
        return {}
    attachments = Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(type(records[0])), object_id__in=[r.pk for r in records]
    )
    grouped: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


def files_of(record: Any) -> list[Attachment]:
    return list(Attachment.objects.for_object(record))


def version_initial(record: Any) -> dict[str, Any]:
    return {"version": record.version}


def changes_from(form: PortalForm, *exclude: str) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name not in {"version", "files", *exclude}}


def visible_inspections_with_relations(user: Any) -> QuerySet[ControlInspection]:
    return access.visible_inspections(user).with_list_relations()


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

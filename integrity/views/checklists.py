"""The control checklists of 第七条至第十条 and their versions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from integrity import access, actions
from integrity.forms import (
    ChecklistRevisionForm,
)
from integrity.models import (
    Checklist,
    ChecklistVersion,
)
from integrity.views.common import (
    get_or_404,
)
from supervision.views.outcome import run_action

# Checklists


@require_safe
def checklist_list(request: HttpRequest) -> HttpResponse:
    checklists = Checklist.objects.order_by("article").prefetch_related("versions")
    rows = []
    for checklist in checklists:
        versions = sorted(checklist.versions.all(), key=lambda version: version.number)
        rows.append({"checklist": checklist, "current": versions[-1] if versions else None, "count": len(versions)})
    current_ids = [row["current"].pk for row in rows if row["current"]]
    item_counts = dict(
        ChecklistVersion.objects.filter(pk__in=current_ids).annotate(n=Count("items")).values_list("pk", "n")
    )
    for row in rows:
        row["items"] = item_counts.get(row["current"].pk, 0) if row["current"] else 0
    return render(
        request,
        "integrity/checklists/list.html",
        {"tab": "checklists", "rows": rows, "may_revise": access.may_revise_checklists(request.user)},
    )


@require_safe
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = get_or_404(Checklist.objects.all(), pk)
    versions = list(checklist.versions.select_related("created_by", "created_by__person").order_by("-number"))
    wanted = request.GET.get("version")
    version = versions[0]
    if wanted:
        version = next((v for v in versions if str(v.number) == wanted), None)
        if version is None:
            raise Http404
    return render(
        request,
        "integrity/checklists/detail.html",
        {
            "tab": "checklists",
            "checklist": checklist,
            "version": version,
            "is_current": version.pk == versions[0].pk,
            "items": version.items.order_by("position"),
            "versions": versions,
            "may_revise": access.may_revise_checklists(request.user),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def checklist_revise(request: HttpRequest, pk: int) -> HttpResponse:
    checklist = get_or_404(Checklist.objects.all(), pk)
    if not access.may_revise_checklists(request.user):
        raise PermissionDenied
    current = checklist.current_version()
    form = ChecklistRevisionForm(request.POST or None, version=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: actions.checklist_revise(
                checklist,
                acting_user=request.user,
                changes=form.changes(),
                note=data["note"],
                expected_version=data["version"],
            ),
            _("已生成新版本；此前的检查仍保留其使用的版本。"),
        )[0]:
            return redirect("integrity:checklist_detail", checklist.pk)
        form = ChecklistRevisionForm(request.POST, version=checklist.current_version())
        form.is_valid()
    return render(
        request,
        "integrity/checklists/revise.html",
        {"tab": "checklists", "checklist": checklist, "version": current, "form": form},
        status=400 if request.method == "POST" else 200,
    )

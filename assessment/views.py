"""Pages of the dual-100-point assessment (第四条), on the URL map of DESIGN.md.

/assessment/                          years (the county head is sent to their own results)
/assessment/<year>/                   year overview: every county's status, scores, rank, who still has to score what
/assessment/<year>/ranking/           ranking with ties, change against last year, charts
/assessment/<year>/agency/<id>/       one county's scoring page (htmx save per field)
/assessment/<year>/agency/<id>/result/  the result with every input of the formula; objections
/assessment/<year>/teams/…            assessment teams, members, assigned counties, site visits
/assessment/<year>/import/…           Excel/CSV import with preview; /export/ the printable results
/assessment/<year>/reports/           January PDF reports: generate now, progress, downloads
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supervision.forms import VersionedForm
from supervision.models import Attachment, City
from supervision.pagination import paginate
from supervision.permissions import Action, Role, agencies_for, has_role, is_system_admin, scoped
from supervision.views.outcome import run_action
from supervision.workflow import EditConflict, TransitionNotAllowed

from . import actions, charts, queries, reports, resources, rules
from .filters import AssessmentFilter, ObjectionFilter
from .forms import (
    AcknowledgeForm,
    CatalogueFormSet,
    ConfirmForm,
    CopyYearForm,
    DelegationForm,
    EvidenceForm,
    FilingForm,
    ImportForm,
    ObjectionAnswerForm,
    ObjectionForm,
    ReasonForm,
    ReopenForm,
    ScoreForm,
    SiteVisitForm,
    SubItemFormSet,
    TeamCountiesForm,
    TeamForm,
    YearForm,
    YearSettingsForm,
)
from .models import (
    Assessment,
    AssessmentYear,
    Delegation,
    Filing,
    Objection,
    Report,
    ReportRun,
    Score,
    ScoreImport,
    SiteVisit,
    Team,
    TeamMember,
    Track,
)
from .scoring import ROUNDING_RULE, compute_result, weighted_sum

User = get_user_model()

OVERVIEW_PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------
# Access helpers: outsiders get 404, insiders without the right 403.


def _city(request: HttpRequest) -> City:
    city = rules.city_of(request.user)
    if city is not None:
        return city
    cities = City.objects.order_by("code")
    code = request.GET.get("city")
    city = cities.filter(code=code).first() if code else cities.first()
    if city is None:
        raise Http404
    return city


def get_year_for_user(request: HttpRequest, year: int) -> AssessmentYear:
    record = AssessmentYear.objects.select_related("city").filter(city=_city(request), year=year).first()
    if record is None:
        raise Http404
    if not rules.may_view_year(request.user, record):
        raise PermissionDenied
    return record


def get_assessment_for_user(request: HttpRequest, year: int, agency_id: int) -> Assessment:
    """The county's assessment of that year if the user may see the county at all (else 404)."""
    assessment = (
        scoped(
            Assessment.objects.select_related("year", "year__city", "agency", "agency__division", "team"),
            request.user,
        )
        .filter(year__year=year, agency_id=agency_id)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _agency_redirect(assessment: Assessment) -> HttpResponse:
    return redirect("assessment:agency", assessment.year.year, assessment.agency_id)


def _act(request: HttpRequest, perform: Callable[[], Any], success: str) -> bool:
    """Run an action and say how it went; refusals become messages, never half-done changes."""
    return run_action(request, perform, success)[0]


# ---------------------------------------------------------------------------------------------
# Years


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    if not (has_role(request.user, *rules.ASSESSMENT_ROLES) or _is_assessment_participant(request.user)):
        if has_role(request.user, Role.COUNTY_HEAD):
            return redirect("assessment:mine")
        raise PermissionDenied
    city = _city(request)
    years = (
        AssessmentYear.objects.filter(city=city)
        .annotate(
            county_count=Count("assessments", distinct=True),
            result_count=Count(
                "assessments",
                filter=Q(assessments__status__in=["confirmed", "filed", "published"]),
                distinct=True,
            ),
        )
        .order_by("-year")
    )
    return render(
        request,
        "assessment/index.html",
        {
            "city": city,
            "years": years,
            "may_manage": rules.may_manage_year(request.user),
            "copy_form": CopyYearForm(),
        },
    )


def _is_assessment_participant(user: Any) -> bool:
    uid = getattr(user, "pk", None)
    return bool(uid) and (
        TeamMember.objects.active().filter(user_id=uid).exists()
        or Delegation.objects.filter(revoked_at__isnull=True, delegates__pk=uid).exists()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def year_new(request: HttpRequest) -> HttpResponse:
    _require(rules.may_manage_year(request.user))
    city = _city(request)
    latest = AssessmentYear.objects.filter(city=city).order_by("-year").first()
    initial = {
        "year": (latest.year + 1) if latest else timezone.localdate().year,
        "basic_weight": Decimal("0.400"),
        "target_weight": Decimal("0.600"),
        "objection_days": 10,
    }
    form = YearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = actions.year_create(
                acting_user=request.user,
                city=city,
                year=data["year"],
                basic_weight=data["basic_weight"],
                target_weight=data["target_weight"],
                scoring_opens_on=data["scoring_opens_on"],
                deadline=data["deadline"],
                objection_days=data["objection_days"],
            )
        except ValidationError as invalid:
            form.add_error("year", invalid)
        else:
            messages.success(
                request, _("已新建%(year)s年度考核，考核内容为条例规定的默认目录。") % {"year": record.year}
            )
            return redirect("assessment:catalogue", record.year)
    return render(
        request, "assessment/year_new.html", {"form": form, "latest": latest}, status=400 if form.errors else 200
    )


@require_POST
def year_copy(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_manage_year(request.user, record))
    form = CopyYearForm(request.POST)
    form.is_valid()
    created: list[AssessmentYear] = []
    ok = _act(
        request,
        lambda: created.append(
            actions.year_copy(record, acting_user=request.user, copy_teams=form.cleaned_data.get("copy_teams", False))
        ),
        _("已由%(year)s年度复制下一年度的考核内容和权重。") % {"year": record.year},
    )
    if ok:
        return redirect("assessment:catalogue", created[0].year)
    return redirect("assessment:index")


@require_http_methods(["GET", "HEAD", "POST"])
def year_settings(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_manage_year(request.user, record))
    locked = record.status != AssessmentYear.Status.PREPARING
    initial = {
        "basic_weight": record.basic_weight,
        "target_weight": record.target_weight,
        "scoring_opens_on": record.scoring_opens_on,
        "deadline": record.deadline,
        "objection_days": record.objection_days,
        "version": record.version,
    }
    form = YearSettingsForm(request.POST or None, initial=initial, weights_locked=locked)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(
            request,
            lambda: actions.year_update_settings(
                record,
                acting_user=request.user,
                basic_weight=data["basic_weight"],
                target_weight=data["target_weight"],
                scoring_opens_on=data["scoring_opens_on"],
                deadline=data["deadline"],
                objection_days=data["objection_days"],
                version=data["version"],
            ),
            _("考核年度设置已保存。"),
        ):
            return redirect("assessment:catalogue", record.year)
        return redirect("assessment:year_settings", record.year)
    return render(
        request,
        "assessment/year_settings.html",
        {"year": record, "form": form},
        status=400 if form.errors else 200,
    )


@require_safe
def catalogue(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    items = list(record.items.prefetch_related("sub_items").order_by("track", "position"))
    tracks = []
    for track, label in Track.choices:
        track_items = [item for item in items if item.track == track]
        tracks.append(
            {
                "track": track,
                "label": label,
                "items": track_items,
                "total": sum((item.max_points for item in track_items), Decimal("0")),
                "weight": record.weights[track],
            }
        )
    return render(
        request,
        "assessment/catalogue.html",
        {
            "year": record,
            "tracks": tracks,
            "problems": actions.catalogue_problems(record),
            "may_manage": rules.may_manage_year(request.user, record),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def catalogue_edit(request: HttpRequest, year: int, track: str) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_manage_year(request.user, record))
    if track not in Track.values:
        raise Http404
    if record.status != AssessmentYear.Status.PREPARING:
        messages.error(request, _("考核已开始，考核内容和分值不能再修改。"))
        return redirect("assessment:catalogue", record.year)
    items = list(record.items.filter(track=track).order_by("position"))
    initial = [
        {"item_id": i.pk, "max_points": i.max_points, "description": i.description, "deduction_rule": i.deduction_rule}
        for i in items
    ]
    formset = CatalogueFormSet(request.POST or None, initial=initial, prefix="items")
    # The year's version: two administrators editing the catalogue at once never overwrite each other.
    version_form = VersionedForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and formset.is_valid() and version_form.is_valid():
        changes = [
            actions.ItemChange(
                f.cleaned_data["item_id"],
                f.cleaned_data["max_points"],
                f.cleaned_data["description"],
                f.cleaned_data["deduction_rule"],
            )
            for f in formset.forms
        ]
        if _act(
            request,
            lambda: actions.catalogue_update(
                record, track, changes, acting_user=request.user, version=version_form.cleaned_data["version"]
            ),
            _("%(track)s考核内容已保存。") % {"track": Track(track).label},
        ):
            return redirect("assessment:catalogue", record.year)
    rows = list(zip(items, formset.forms, strict=False))
    return render(
        request,
        "assessment/catalogue_edit.html",
        {"year": record, "track": Track(track), "formset": formset, "rows": rows, "version_form": version_form},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def item_edit(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_manage_year(request.user, record))
    item = get_object_or_404(record.items, pk=pk)
    if record.status != AssessmentYear.Status.PREPARING:
        messages.error(request, _("考核已开始，考核内容和分值不能再修改。"))
        return redirect("assessment:catalogue", record.year)
    initial = [{"name": s.name, "points": s.points, "deduction_rule": s.deduction_rule} for s in item.sub_items.all()]
    formset = SubItemFormSet(request.POST or None, initial=initial, prefix="subs", item=item)
    version_form = VersionedForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and formset.is_valid() and version_form.is_valid():
        specs = [
            actions.SubItemSpec(
                f.cleaned_data["name"], f.cleaned_data["points"], f.cleaned_data.get("deduction_rule", "")
            )
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if _act(
            request,
            lambda: actions.sub_items_replace(
                item, specs, acting_user=request.user, version=version_form.cleaned_data["version"]
            ),
            _("“%(item)s”的细项已保存。") % {"item": item.name},
        ):
            return redirect("assessment:catalogue", record.year)
    return render(
        request,
        "assessment/item_edit.html",
        {"year": record, "item": item, "formset": formset, "version_form": version_form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def year_open(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_manage_year(request.user, record))
    if _act(
        request,
        lambda: actions.year_open(record, acting_user=request.user),
        _("考核已开始，已为各县（市、区）建立考核表。"),
    ):
        return redirect("assessment:overview", record.year)
    return redirect("assessment:catalogue", record.year)


@require_POST
def year_add_agencies(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_run_year(request.user, record))
    added: list[int] = []
    _act(
        request,
        lambda: added.append(actions.year_add_missing_agencies(record, acting_user=request.user)),
        _("已补充新设立的县（市、区）经办机构。"),
    )
    return redirect("assessment:overview", record.year)


@require_POST
def year_publish(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_run_year(request.user, record))
    _act(
        request,
        lambda: actions.year_publish(record, acting_user=request.user),
        _("%(year)s年度考核结果已公布。") % {"year": record.year},
    )
    return redirect("assessment:ranking", record.year)


@require_safe
def overview(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    visible = scoped(Assessment.objects.filter(year=record), request.user)
    assessments = queries.with_progress(visible.with_list_relations()).order_by(
        "agency__division__code", "agency__name"
    )
    assessment_filter = AssessmentFilter(
        request.GET or None, queryset=assessments, request=request, teams=record.teams.order_by("name")
    )
    page = paginate(request, assessment_filter.qs, OVERVIEW_PAGE_SIZE)
    all_ranks = queries.ranks(record)
    for assessment in page:
        assessment.rank = all_ranks.get(assessment.pk)
    counts = queries.status_counts(visible)
    statuses = [(value, label, counts.get(value, 0)) for value, label in Assessment.Status.choices]
    return render(
        request,
        "assessment/overview.html",
        {
            "year": record,
            "filter": assessment_filter,
            "page": page,
            "statuses": statuses,
            "total": sum(counts.values()),
            "may_manage": rules.may_manage_year(request.user, record),
            "may_run": rules.may_run_year(request.user, record),
            "publication_problems": actions.publication_problems(record)
            if rules.may_run_year(request.user, record) and record.status != AssessmentYear.Status.PREPARING
            else [],
            "past_deadline": record.is_past_deadline(),
            "rounding_rule": ROUNDING_RULE,
        },
    )


@require_safe
def ranking(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    visible = scoped(Assessment.objects.all(), request.user)
    page = paginate(request, queries.ranking(record, visible), queries.RANKING_PAGE_SIZE)
    rows = page.object_list
    years, series = queries.trend(record, [row.assessment.agency_id for row in rows])
    chart_data = {
        "ranking": charts.ranking_bars(rows),
        "tracks": charts.basic_vs_target(rows),
        "trend": charts.trend_lines(years, series),
    }
    return render(
        request,
        "assessment/ranking.html",
        {
            "year": record,
            "rows": rows,
            "page": page,
            "previous": queries.previous_year(record),
            "charts": chart_data,
            "rounding_rule": ROUNDING_RULE,
            "county_count": Assessment.objects.filter(year=record).count(),
        },
    )


@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """The county head's own view: their county's results over the years."""
    _require(has_role(request.user, Role.COUNTY_HEAD))
    agencies = agencies_for(request.user, Action.ACT_FOR).county_agencies()
    assessments = list(
        Assessment.objects.filter(agency__in=agencies)
        .select_related("year", "agency")
        .annotate(open_objections=Count("objections", filter=Q(objections__status=Objection.Status.OPEN)))
        .order_by("-year__year")
    )
    rank_by_year = {}
    for assessment in assessments:
        if assessment.has_result and assessment.year_id not in rank_by_year:
            rank_by_year[assessment.year_id] = queries.ranks(assessment.year_id)
        assessment.rank = rank_by_year.get(assessment.year_id, {}).get(assessment.pk)
        assessment.county_count = len(rank_by_year.get(assessment.year_id, {}))
    results = [a for a in assessments if a.has_result][::-1]
    chart = {
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [str(a.year.year) for a in results]},
        "yAxis": {"type": "value", "scale": True},
        "series": [{"type": "line", "name": _("最终得分"), "data": [float(a.final_score) for a in results]}],
    }
    return render(request, "assessment/mine.html", {"assessments": assessments, "chart": chart})


# ---------------------------------------------------------------------------------------------
# One county: scoring page, score saves, transitions


def _scores(assessment: Assessment) -> list[Score]:
    return list(
        assessment.scores.select_related("item", "scored_by", "scored_by__person")
        .prefetch_related("item__sub_items")
        .order_by("item__track", "item__position")
    )


def _evidence_counts(model: type, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = (
        Attachment.objects.current()
        .filter(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        .values_list("object_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _tracks(assessment: Assessment, scores: list[Score], user: Any) -> list[dict[str, Any]]:
    evidence = _evidence_counts(Score, [s.pk for s in scores])
    tracks = []
    for track, label in Track.choices:
        track_scores = [s for s in scores if s.item.track == track]
        editable = rules.may_score(user, assessment, track) and assessment.track_is_open(track)
        for score in track_scores:
            score.evidence_count = evidence.get(score.pk, 0)
            score.editable = editable
        missing = sum(1 for s in track_scores if s.points is None)
        tracks.append(
            {
                "track": track,
                "label": label,
                "scores": track_scores,
                "total": getattr(assessment, f"{track}_total"),
                "weight": assessment.year.weights[track],
                "missing": missing,
                "editable": editable,
                "may_submit": editable and missing == 0,
                "submitted_at": assessment.submitted_at(track),
                "submitted_by": getattr(assessment, f"{track}_submitted_by"),
            }
        )
    return tracks


def _delegate_candidates(assessment: Assessment) -> QuerySet[Any]:
    agency = rules.city_agency(assessment.year.city_id)
    return (
        User.objects.filter(is_active=True, person__agency=agency, person__is_active=True)
        .select_related("person", "person__agency")
        .order_by("person__position", "person__name")
    )


def _agency_context(request: HttpRequest, assessment: Assessment, **forms: Any) -> dict[str, Any]:
    user = request.user
    scores = _scores(assessment)
    delegation = rules.active_delegation(assessment)
    version = {"version": assessment.version}
    may_confirm = rules.may_confirm(user, assessment)
    may_reopen = rules.may_reopen(user, assessment)
    vertical = assessment.agency.is_vertically_managed(assessment.year.year)
    may_delegate = (
        vertical
        and delegation is None
        and rules.may_delegate(user, assessment)
        and assessment.status == Assessment.Status.DRAFT
    )
    filings = list(assessment.filings.select_related("filed_by__person", "acknowledged_by__person"))
    pending_filing = next((f for f in filings if f.is_pending), None)
    visits = list(
        assessment.site_visits.select_related("recorded_by__person").prefetch_related(
            Prefetch("members", queryset=User.objects.select_related("person"))
        )
    )
    visit_files = _files_for(SiteVisit, [v.pk for v in visits])
    for visit in visits:
        visit.files = visit_files.get(visit.pk, [])
    team_members = []
    if assessment.team_id:
        team_members = [
            m.user for m in assessment.team.memberships.active().select_related("user__person").order_by("added_at")
        ]
    status = assessment.status
    return {
        "assessment": assessment,
        "year": assessment.year,
        "tracks": _tracks(assessment, scores, user),
        "delegation": delegation,
        "vertical": vertical,
        "team_members": team_members,
        "visits": visits,
        "objections": list(assessment.objections.select_related("raised_by__person", "answered_by__person")),
        "filings": filings,
        "pending_filing": pending_filing,
        "rank": queries.ranks(assessment.year_id).get(assessment.pk) if assessment.has_result else None,
        "may_record_visit": rules.may_record_visit(user, assessment) and assessment.status in ("draft", "scoring"),
        "confirm_form": forms.get("confirm_form")
        or (ConfirmForm(initial=version) if may_confirm and status == Assessment.Status.SUBMITTED else None),
        "reopen_form": forms.get("reopen_form")
        or (
            ReopenForm(initial=version)
            if may_reopen
            and status
            in (
                Assessment.Status.SUBMITTED,
                Assessment.Status.CONFIRMED,
                Assessment.Status.FILED,
                Assessment.Status.PUBLISHED,
            )
            else None
        ),
        "delegation_form": forms.get("delegation_form")
        or (DelegationForm(delegates=_delegate_candidates(assessment)) if may_delegate else None),
        "revoke_form": ReasonForm()
        if delegation is not None
        and rules.is_city_assessor(user, assessment)
        and not rules.is_delegate(user, assessment)
        and status in (Assessment.Status.DRAFT, Assessment.Status.SCORING)
        else None,
        "filing_form": FilingForm()
        if delegation is not None
        and rules.may_file(user, assessment)
        and status == Assessment.Status.CONFIRMED
        and pending_filing is None
        else None,
        "acknowledge_form": AcknowledgeForm()
        if pending_filing is not None and rules.may_acknowledge_filing(user, assessment)
        else None,
        "may_answer": rules.may_answer_objection(user, assessment),
        "rounding_rule": ROUNDING_RULE,
    }


def _files_for(model: type, ids: list[int]) -> dict[int, list[Attachment]]:
    if not ids:
        return {}
    grouped: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.current().filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    ):
        grouped.setdefault(attachment.object_id, []).append(attachment)
    return grouped


@require_safe
def agency(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    if not rules.may_view_scoring(request.user, assessment):
        if rules.is_own_county_head(request.user, assessment):
            return redirect("assessment:result", year, agency_id)
        raise PermissionDenied
    return render(request, "assessment/agency.html", _agency_context(request, assessment))


def _score_for(assessment: Assessment, item_id: int) -> Score:
    return get_object_or_404(
        assessment.scores.select_related("item", "scored_by", "scored_by__person"), item_id=item_id
    )


@require_POST
def score_update(request: HttpRequest, year: int, agency_id: int, item_id: int) -> HttpResponse:
    """Save one item's points and comment (htmx, on change); a stale version gets a conflict message."""
    assessment = get_assessment_for_user(request, year, agency_id)
    score = _score_for(assessment, item_id)
    _require(rules.may_score(request.user, assessment, score.item.track))
    form = ScoreForm(request.POST, max_points=score.max_points)
    outcome, message, status = "error", "", 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            score = actions.score_set(
                score, acting_user=request.user, points=data["points"], comment=data["comment"], version=data["version"]
            )
        except EditConflict:
            outcome, status = "conflict", 409
            score = _score_for(assessment, item_id)
            message = _(
                "该项已被%(who)s于%(when)s修改为%(points)s分。为避免覆盖，您的输入未保存；请核对后重新输入。"
            ) % {
                "who": _user_name(score.scored_by),
                "when": timezone.localtime(score.scored_at).strftime("%H:%M:%S") if score.scored_at else "",
                "points": score.points if score.points is not None else "—",
            }
        except (TransitionNotAllowed, ValidationError) as refused:
            message = refused.message if isinstance(refused, TransitionNotAllowed) else " ".join(refused.messages)
        else:
            outcome, status = "saved", 200
    else:
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
    if not request.htmx:
        if outcome == "saved":
            messages.success(request, _("“%(item)s”评分已保存。") % {"item": score.item.name})
        else:
            messages.error(request, message)
        return _agency_redirect(assessment)
    assessment.refresh_from_db(fields=["basic_total", "target_total", "final_score", "status"])
    score.editable = outcome != "error" or assessment.track_is_open(score.item.track)
    return render(
        request,
        "assessment/score_saved.html",
        {
            "assessment": assessment,
            "year": assessment.year,
            "score": score,
            "outcome": outcome,
            "message": message,
            "tracks": _tracks(assessment, _scores(assessment), request.user),
            "rounding_rule": ROUNDING_RULE,
        },
        status=status,
    )


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


@require_http_methods(["GET", "HEAD", "POST"])
def score_detail(request: HttpRequest, year: int, agency_id: int, item_id: int) -> HttpResponse:
    """One item of one county: rules, sub-items, points, who set them, history and evidence."""
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_view_scoring(request.user, assessment) or rules.may_view_result(request.user, assessment))
    score = _score_for(assessment, item_id)
    may_attach = rules.may_score(request.user, assessment, score.item.track) and assessment.track_is_open(
        score.item.track
    )
    form = EvidenceForm(request.POST or None, request.FILES or None) if may_attach else None
    if request.method == "POST":
        _require(may_attach)
        if (
            form is not None
            and form.is_valid()
            and _act(
                request,
                lambda: actions.score_attach(score, form.cleaned_data["files"], acting_user=request.user),
                _("证据材料已上传。"),
            )
        ):
            return redirect("assessment:score_detail", year, agency_id, item_id)
    files = list(Attachment.objects.for_object(score))
    return render(
        request,
        "assessment/score_detail.html",
        {"assessment": assessment, "year": assessment.year, "score": score, "files": files, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
def track_submit(request: HttpRequest, year: int, agency_id: int, track: str) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    if track not in Track.values:
        raise Http404
    _require(rules.may_score(request.user, assessment, track))
    _act(
        request,
        lambda: actions.track_submit(assessment, track, acting_user=request.user),
        _("%(track)s评分已提交。") % {"track": Track(track).label},
    )
    return _agency_redirect(assessment)


@require_POST
def confirm(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_confirm(request.user, assessment))
    form = ConfirmForm(request.POST)
    form.is_valid()
    _act(
        request,
        lambda: actions.assessment_confirm(
            assessment, acting_user=request.user, version=form.cleaned_data.get("version")
        ),
        _("考核结果已确认并锁定。"),
    )
    return _agency_redirect(assessment)


@require_POST
def reopen(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_reopen(request.user, assessment))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render(
            request, "assessment/agency.html", _agency_context(request, assessment, reopen_form=form), status=400
        )
    data = form.cleaned_data
    _act(
        request,
        lambda: actions.assessment_reopen(
            assessment, acting_user=request.user, reason=data["reason"], tracks=data["tracks"], version=data["version"]
        ),
        _("考核已重新打开，原因已记录。"),
    )
    return _agency_redirect(assessment)


@require_POST
def delegate(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_delegate(request.user, assessment))
    form = DelegationForm(request.POST, delegates=_delegate_candidates(assessment))
    if not form.is_valid():
        return render(
            request, "assessment/agency.html", _agency_context(request, assessment, delegation_form=form), status=400
        )
    _act(
        request,
        lambda: actions.delegation_grant(
            assessment,
            acting_user=request.user,
            delegates=list(form.cleaned_data["delegates"]),
            note=form.cleaned_data["note"],
        ),
        _("已授权市社会保险经办机构代为考核。"),
    )
    return _agency_redirect(assessment)


@require_POST
def delegation_revoke(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    delegation = rules.active_delegation(assessment)
    if delegation is None:
        raise Http404
    _require(rules.is_city_assessor(request.user, assessment) and not rules.is_delegate(request.user, assessment))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤销授权须写明理由。"))
        return _agency_redirect(assessment)
    _act(
        request,
        lambda: actions.delegation_revoke(delegation, acting_user=request.user, reason=form.cleaned_data["reason"]),
        _("代为考核授权已撤销。"),
    )
    return _agency_redirect(assessment)


@require_POST
def file_result(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_file(request.user, assessment))
    form = FilingForm(request.POST)
    form.is_valid()
    _act(
        request,
        lambda: actions.filing_submit(assessment, acting_user=request.user, note=form.cleaned_data.get("note", "")),
        _("考核结果已报送市人社局备案。"),
    )
    return _agency_redirect(assessment)


@require_POST
def filing_acknowledge(request: HttpRequest, year: int, agency_id: int, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    filing = get_object_or_404(Filing.objects.filter(assessment=assessment), pk=pk)
    _require(rules.may_acknowledge_filing(request.user, assessment))
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    _act(
        request,
        lambda: actions.filing_acknowledge(filing, acting_user=request.user, text=form.cleaned_data.get("text", "")),
        _("已备案。"),
    )
    return _agency_redirect(assessment)


def _visit_members(assessment: Assessment, user: Any) -> QuerySet[Any]:
    delegation = rules.active_delegation(assessment)
    if delegation is not None:
        ids = [d.pk for d in delegation.delegates.all()]
    elif assessment.team_id:
        ids = list(assessment.team.memberships.active().values_list("user_id", flat=True))
    else:
        ids = []
    return User.objects.filter(pk__in=[*ids, user.pk]).select_related("person", "person__agency").order_by("pk")


@require_http_methods(["GET", "HEAD", "POST"])
def visit_new(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    _require(rules.may_record_visit(request.user, assessment))
    members = _visit_members(assessment, request.user)
    form = SiteVisitForm(
        request.POST or None,
        request.FILES or None,
        members=members,
        initial={
            "visited_on": timezone.localdate(),
            "place": assessment.agency.address or str(assessment.agency),
            "members": list(members),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(
            request,
            lambda: actions.site_visit_record(
                assessment,
                acting_user=request.user,
                visited_on=data["visited_on"],
                place=data["place"],
                members=list(data["members"]),
                notes=data["notes"],
                files=data["files"],
            ),
            _("实地考察记录已登记。"),
        ):
            return _agency_redirect(assessment)
    return render(
        request,
        "assessment/visit_new.html",
        {"assessment": assessment, "year": assessment.year, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def visit_void(request: HttpRequest, year: int, agency_id: int, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    visit = get_object_or_404(assessment.site_visits, pk=pk)
    _require(visit.recorded_by_id == request.user.pk or rules.may_record_visit(request.user, assessment))
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("作废须写明理由。"))
    else:
        _act(
            request,
            lambda: actions.site_visit_void(visit, acting_user=request.user, reason=form.cleaned_data["reason"]),
            _("实地考察记录已作废。"),
        )
    return _agency_redirect(assessment)


# ---------------------------------------------------------------------------------------------
# Result (every input of the formula) and objections


def _weights_set_by(year: AssessmentYear) -> Any:
    """The history entry in which the year's current weights were set."""
    setter = None
    for record in year.history.select_related("history_user__person").order_by("-history_date", "-history_id")[:50]:
        if (record.basic_weight, record.target_weight) != (year.basic_weight, year.target_weight):
            break
        setter = record
    return setter


@require_http_methods(["GET", "HEAD", "POST"])
def result(request: HttpRequest, year: int, agency_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request, year, agency_id)
    user = request.user
    if not rules.may_view_result(user, assessment):
        if rules.is_own_county_head(user, assessment):
            return render(
                request, "assessment/result_pending.html", {"assessment": assessment, "year": assessment.year}
            )
        raise PermissionDenied
    objection_form = None
    if rules.may_raise_objection(user, assessment) and assessment.objection_window_open():
        objection_form = ObjectionForm(request.POST or None, request.FILES or None, assessment=assessment)
    if request.method == "POST":
        _require(objection_form is not None)
        if objection_form.is_valid():
            data = objection_form.cleaned_data
            if _act(
                request,
                lambda: actions.objection_raise(
                    assessment, acting_user=user, items=list(data["items"]), text=data["text"], files=data["files"]
                ),
                _("异议已提交，请等待答复。"),
            ):
                return redirect("assessment:result", year, agency_id)
    scores = _scores(assessment)
    inputs = compute_result(
        [(s.item.track, s.points) for s in scores], assessment.year.basic_weight, assessment.year.target_weight
    )
    unrounded = (
        weighted_sum(
            inputs.basic_total, inputs.target_total, assessment.year.basic_weight, assessment.year.target_weight
        )
        if inputs.complete
        else None
    )
    recomputed_matches = (inputs.basic_total, inputs.target_total, inputs.final_score) == (
        assessment.basic_total,
        assessment.target_total,
        assessment.final_score,
    )
    objections = list(
        assessment.objections.select_related("raised_by__person", "answered_by__person").prefetch_related("items")
    )
    all_ranks = queries.ranks(assessment.year_id)
    county_reports = (
        Report.objects.filter(assessment=assessment).latest_per_subject().order_by("-version")
        if assessment.has_result
        else Report.objects.none()
    )
    return render(
        request,
        "assessment/result.html",
        {
            "assessment": assessment,
            "year": assessment.year,
            "tracks": _tracks(assessment, scores, None),
            "basic_weighted": inputs.basic_total * assessment.year.basic_weight,
            "target_weighted": inputs.target_total * assessment.year.target_weight,
            "unrounded": unrounded,
            "recomputed": inputs,
            "recomputed_matches": recomputed_matches,
            "weights_set_by": _weights_set_by(assessment.year),
            "rank": all_ranks.get(assessment.pk),
            "county_count": len(all_ranks),
            "objections": objections,
            "objection_form": objection_form,
            "filings": list(assessment.filings.select_related("filed_by__person", "acknowledged_by__person")),
            "delegation": rules.active_delegation(assessment),
            "reports": county_reports,
            "rounding_rule": ROUNDING_RULE,
        },
        status=400 if objection_form is not None and objection_form.errors else 200,
    )


def get_objection_for_user(request: HttpRequest, year: int, pk: int) -> Objection:
    objection = (
        scoped(
            Objection.objects.select_related(
                "assessment", "assessment__year", "assessment__agency", "raised_by__person", "answered_by__person"
            ),
            request.user,
            via="assessment__agency",
        )
        .filter(assessment__year__year=year, pk=pk)
        .first()
    )
    if objection is None:
        raise Http404
    if not rules.may_view_result(request.user, objection.assessment):
        raise PermissionDenied
    return objection


@require_safe
def objection_list(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    objections = scoped(
        Objection.objects.filter(assessment__year=record).select_related(
            "assessment__agency", "raised_by__person", "answered_by__person"
        ),
        request.user,
        via="assessment__agency",
    )
    objection_filter = ObjectionFilter(request.GET or None, queryset=objections)
    page = paginate(request, objection_filter.qs)
    return render(request, "assessment/objection_list.html", {"year": record, "filter": objection_filter, "page": page})


@require_safe
def objection_detail(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    objection = get_objection_for_user(request, year, pk)
    return render(request, "assessment/objection_detail.html", _objection_context(request, objection))


def _objection_context(request: HttpRequest, objection: Objection, answer_form: Any = None) -> dict[str, Any]:
    assessment = objection.assessment
    may_answer = objection.status == Objection.Status.OPEN and rules.may_answer_objection(request.user, assessment)
    item_ids = list(objection.items.values_list("pk", flat=True))
    scores = list(
        assessment.scores.filter(item_id__in=item_ids)
        .select_related("item", "scored_by__person")
        .order_by("item__track", "item__position")
    )
    return {
        "objection": objection,
        "assessment": assessment,
        "year": assessment.year,
        "scores": scores,
        "files": list(Attachment.objects.for_object(objection)),
        "answer_form": answer_form
        or (ObjectionAnswerForm(initial={"version": objection.version}) if may_answer else None),
        "may_withdraw": objection.status == Objection.Status.OPEN and objection.raised_by_id == request.user.pk,
    }


@require_POST
def objection_answer(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    objection = get_objection_for_user(request, year, pk)
    _require(rules.may_answer_objection(request.user, objection.assessment))
    form = ObjectionAnswerForm(request.POST)
    if not form.is_valid():
        return render(
            request, "assessment/objection_detail.html", _objection_context(request, objection, form), status=400
        )
    data = form.cleaned_data
    _act(
        request,
        lambda: actions.objection_answer(
            objection,
            acting_user=request.user,
            upheld=data["outcome"] == "upheld",
            text=data["text"],
            version=data["version"],
        ),
        _("异议已答复。"),
    )
    return redirect("assessment:objection", year, pk)


@require_POST
def objection_withdraw(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    objection = get_objection_for_user(request, year, pk)
    _require(objection.raised_by_id == request.user.pk)
    _act(request, lambda: actions.objection_withdraw(objection, acting_user=request.user), _("异议已撤回。"))
    return redirect("assessment:result", year, objection.assessment.agency_id)


# ---------------------------------------------------------------------------------------------
# Teams


def _team_candidates(year: AssessmentYear, team: Team | None = None) -> QuerySet[Any]:
    """Members come from the assessment-team role of the city; current members stay selectable."""
    current = list(team.memberships.active().values_list("user_id", flat=True)) if team else []
    return (
        User.objects.filter(
            Q(groups__name=Role.ASSESSMENT_TEAM, person__agency__city=year.city, person__is_active=True, is_active=True)
            | Q(pk__in=current)
        )
        .distinct()
        .select_related("person", "person__agency")
        .order_by("person__agency__kind", "person__name", "username")
    )


def get_team_for_user(request: HttpRequest, year: int, pk: int) -> Team:
    record = get_year_for_user(request, year)
    return get_object_or_404(Team.objects.select_related("year", "leader__person"), year=record, pk=pk)


@require_safe
def team_list(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    teams = list(
        record.teams.select_related("leader__person").prefetch_related(
            Prefetch(
                "memberships", queryset=TeamMember.objects.active().select_related("user__person"), to_attr="members"
            ),
            Prefetch(
                "assessments",
                queryset=queries.with_progress(Assessment.objects.select_related("agency")).order_by(
                    "agency__division__code"
                ),
                to_attr="counties",
            ),
        )
    )
    unassigned = queries.with_progress(
        Assessment.objects.filter(year=record, team__isnull=True).select_related("agency")
    ).order_by("agency__division__code")
    return render(
        request,
        "assessment/team_list.html",
        {"year": record, "teams": teams, "unassigned": unassigned, "may_run": rules.may_run_year(request.user, record)},
    )


@require_safe
def team_detail(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    team = get_team_for_user(request, year, pk)
    members = list(team.memberships.select_related("user__person").order_by("removed_at", "added_at"))
    counties = list(
        queries.with_progress(team.assessments.select_related("agency", "agency__division")).order_by(
            "agency__division__code"
        )
    )
    visits = list(
        SiteVisit.objects.filter(assessment__team=team)
        .select_related("assessment__agency", "recorded_by__person")
        .prefetch_related(Prefetch("members", queryset=User.objects.select_related("person")))
    )
    return render(
        request,
        "assessment/team_detail.html",
        {
            "year": team.year,
            "team": team,
            "members": members,
            "counties": counties,
            "visits": visits,
            "may_run": rules.may_run_year(request.user, team.year),
            "is_member": any(m.user_id == request.user.pk and m.removed_at is None for m in members),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def team_new(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_run_year(request.user, record))
    form = TeamForm(request.POST or None, candidates=_team_candidates(record))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[Team] = []
        if _act(
            request,
            lambda: created.append(
                actions.team_create(
                    record,
                    acting_user=request.user,
                    name=data["name"],
                    leader=data["leader"],
                    members=list(data["members"]),
                    note=data["note"],
                )
            ),
            _("考核小组已组建。"),
        ):
            return redirect("assessment:team_counties", record.year, created[0].pk)
    return render(
        request,
        "assessment/team_form.html",
        {"year": record, "form": form, "team": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def team_edit(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    team = get_team_for_user(request, year, pk)
    _require(rules.may_run_year(request.user, team.year))
    initial = {
        "name": team.name,
        "leader": team.leader,
        "note": team.note,
        "members": list(User.objects.filter(assessment_teams__team=team, assessment_teams__removed_at__isnull=True)),
        "version": team.version,
    }
    form = TeamForm(request.POST or None, initial=initial, candidates=_team_candidates(team.year, team))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _act(
            request,
            lambda: actions.team_update(
                team,
                acting_user=request.user,
                name=data["name"],
                leader=data["leader"],
                members=list(data["members"]),
                note=data["note"],
                version=data["version"],
            ),
            _("考核小组已保存。"),
        ):
            return redirect("assessment:team", team.year.year, team.pk)
    return render(
        request,
        "assessment/team_form.html",
        {"year": team.year, "form": form, "team": team},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def team_counties(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    team = get_team_for_user(request, year, pk)
    _require(rules.may_run_year(request.user, team.year))
    candidates = (
        queries.with_progress(Assessment.objects.filter(year=team.year).select_related("agency", "team"))
        .filter(delegated=False)
        .order_by("agency__division__code")
    )
    form = TeamCountiesForm(
        request.POST or None,
        assessments=candidates,
        initial={"assessments": list(team.assessments.all()), "version": team.version},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _act(
            request,
            lambda: actions.team_set_counties(
                team,
                list(form.cleaned_data["assessments"]),
                acting_user=request.user,
                version=form.cleaned_data["version"],
            ),
            _("已更新%(team)s负责的县（市、区）。") % {"team": team.name},
        )
    ):
        return redirect("assessment:team", team.year.year, team.pk)
    return render(
        request,
        "assessment/team_counties.html",
        {"year": team.year, "team": team, "form": form},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Excel: results export (printable) and score import (preview, all or nothing)


@require_safe
def export_results(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    visible = scoped(Assessment.objects.filter(year=record), request.user)
    return resources.results_workbook_response(record, visible)


@require_safe
def import_template(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    visible = scoped(Assessment.objects.filter(year=record), request.user)
    return resources.score_sheet_response(record, visible, request.GET.get("format", "xlsx"))


def _may_import(user: Any, year: AssessmentYear) -> bool:
    uid = getattr(user, "pk", None)
    return (
        is_system_admin(user)
        or Role.CITY_ASSESSOR in rules.roles_of(user)
        or TeamMember.objects.active().filter(team__year=year, user_id=uid).exists()
        or Delegation.objects.filter(assessment__year=year, revoked_at__isnull=True, delegates__pk=uid).exists()
    )


@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(_may_import(request.user, record))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        score_import = resources.import_preview(record, form.cleaned_data["file"], acting_user=request.user)
        return redirect("assessment:import_preview", record.year, score_import.pk)
    recent = ScoreImport.objects.filter(year=record, uploaded_by=request.user).order_by("-uploaded_at")[:10]
    return render(
        request,
        "assessment/import_upload.html",
        {"year": record, "form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


def _get_import(request: HttpRequest, year: int, pk: int) -> ScoreImport:
    record = get_year_for_user(request, year)
    # An import is its uploader's: nobody else previews or applies another person's file.
    return get_object_or_404(ScoreImport.objects.select_related("year"), year=record, pk=pk, uploaded_by=request.user)


@require_safe
def import_preview(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    score_import = _get_import(request, year, pk)
    preview = resources.preview_rows(score_import) if score_import.status == ScoreImport.Status.PREVIEWED else None
    return render(
        request,
        "assessment/import_preview.html",
        {"year": score_import.year, "score_import": score_import, "preview": preview},
    )


@require_POST
def import_apply(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    score_import = _get_import(request, year, pk)
    try:
        outcome = resources.import_apply(score_import, acting_user=request.user)
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
        return redirect("assessment:import_preview", year, pk)
    if outcome.errors:
        messages.error(request, _("导入未执行，没有写入任何评分：文件中有错误，或预览后评分已被他人修改。"))
        return redirect("assessment:import_preview", year, pk)
    messages.success(request, _("已导入%(count)s项评分。") % {"count": outcome.applied})
    return redirect("assessment:overview", year)


@require_POST
def import_cancel(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    score_import = _get_import(request, year, pk)
    resources.import_cancel(score_import, acting_user=request.user)
    messages.info(request, _("已取消本次导入，未写入任何评分。"))
    return redirect("assessment:import_upload", year)


# ---------------------------------------------------------------------------------------------
# January reports


@require_safe
def report_list(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    visible = scoped(Assessment.objects.filter(year=record), request.user).values("pk")
    reports_qs = (
        Report.objects.filter(year=record)
        .filter(Q(assessment__isnull=True) | Q(assessment__in=visible))
        .select_related("assessment__agency", "assessment__agency__division")
        .order_by("kind", "assessment__agency__division__code", "-version")
    )
    grouped: dict[str, list[Report]] = {}
    for report in reports_qs:
        grouped.setdefault(report.subject_key, []).append(report)
    run = record.report_runs.order_by("-created_at").first()
    return render(
        request,
        "assessment/reports.html",
        {
            "year": record,
            "groups": list(grouped.values()),
            "run": run,
            "progress": reports.run_progress(run) if run else None,
            "entries": _run_entries(run),
            "may_generate": rules.may_run_year(request.user, record),
            "result_count": Assessment.objects.with_results().filter(year=record).count(),
        },
    )


@require_POST
def report_generate(request: HttpRequest, year: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    _require(rules.may_run_year(request.user, record))
    try:
        run = reports.start_run(record, requested_by=request.user)
    except TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    else:
        if run.queue_unavailable:
            messages.warning(
                request,
                _(
                    "任务队列暂时不可用：本次生成请求已记录，队列恢复后将自动开始生成，无需重复提交；"
                    "如急需，可稍后再点“立即生成”。"
                ),
            )
        else:
            messages.info(request, _("已开始生成考核报告。"))
    return redirect("assessment:reports", record.year)


@require_safe
def report_progress(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    record = get_year_for_user(request, year)
    run = get_object_or_404(ReportRun.objects.filter(year=record), pk=pk)
    return render(
        request,
        "assessment/report_progress.html",
        {"year": record, "run": run, "progress": reports.run_progress(run), "entries": _run_entries(run)},
    )


def _run_entries(run: ReportRun | None) -> list[Any]:
    if run is None or run.finished_at is None:
        return []
    return list(
        run.entries.select_related("report", "assessment__agency").order_by("assessment__agency__division__code")
    )


@require_safe
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("year", "assessment", "assessment__agency"), pk=pk)
    if report.assessment_id is not None:
        visible = scoped(Assessment.objects.filter(pk=report.assessment_id), request.user).first()
        if visible is None:
            raise Http404
        _require(rules.may_view_result(request.user, visible))
    else:
        _require(rules.may_view_year(request.user, report.year))
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=report.filename(), content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

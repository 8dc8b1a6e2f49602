"""List filters of supervision (第十二条至第十五条) and of the public disclosure pages."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from supervision.forms import PortalForm
from supervision.models import (
    Agency,
    Channel,
    Disclosure,
    Division,
    FundInspection,
    GuidanceVisit,
    SemiannualReport,
    SupervisionActivity,
)
from supervision.models.oversight import ActivityKind


class _AgencyFilterMixin:
    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.filters["agency"].queryset = (  # type: ignore[attr-defined]
            agencies.county_agencies().select_related("division").order_by("division__code")
        )


class ActivityFilter(_AgencyFilterMixin, django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("监督渠道"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("监督方式"))
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(), field_name="subjects", label=_("被监督单位")
    )
    year = django_filters.NumberFilter(field_name="held_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = SupervisionActivity
        form = PortalForm
        fields = ["channel", "kind", "year"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value) | Q(body__icontains=value))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filtering through the many-to-many may repeat rows; keep each activity once.
        filtered = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("agency"):
            return queryset.filter(pk__in=filtered.values("pk"))
        return filtered


class ReportFilter(_AgencyFilterMixin, django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("报告单位"))
    year = django_filters.NumberFilter(label=_("年度"))
    half = django_filters.ChoiceFilter(choices=SemiannualReport.Half.choices, label=_("半年"))
    status = django_filters.ChoiceFilter(choices=SemiannualReport.Status.choices, label=_("状态"))
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("已逾期")), ("no", _("未逾期"))], method="filter_overdue", label=_("是否逾期")
    )

    class Meta:
        model = SemiannualReport
        form = PortalForm
        fields = ["agency", "year", "half", "status"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        overdue = SemiannualReport.objects.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value == "yes" else queryset.exclude(pk__in=overdue)


class VisitFilter(_AgencyFilterMixin, django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("被指导单位"))
    status = django_filters.ChoiceFilter(choices=GuidanceVisit.Status.choices, label=_("状态"))
    year = django_filters.NumberFilter(field_name="planned_on__year", label=_("年度"))

    class Meta:
        model = GuidanceVisit
        form = PortalForm
        fields = ["agency", "status", "year"]


class InspectionFilter(_AgencyFilterMixin, django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(), method="filter_agency", label=_("被检查单位")
    )
    status = django_filters.ChoiceFilter(choices=FundInspection.Status.choices, label=_("状态"))
    year = django_filters.NumberFilter(field_name="started_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = FundInspection
        form = PortalForm
        fields = ["status", "year"]

    def filter_agency(self, queryset: QuerySet, name: str, value: Agency) -> QuerySet:
        return queryset.filter(pk__in=FundInspection.objects.filter(agencies=value).values("pk"))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(scope__icontains=value))


class PublicDisclosureFilter(django_filters.FilterSet):
    """The public list: by year, by county, and a search of the published text only."""

    year = django_filters.ChoiceFilter(choices=[], label=_("年度"), empty_label=_("全部年度"))
    county = django_filters.ModelChoiceFilter(
        queryset=Division.objects.none(),
        method="filter_county",
        label=_("县（市、区）"),
        empty_label=_("全部县（市、区）"),
    )
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = Disclosure
        form = PortalForm
        fields = ["year"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        published = Disclosure.objects.published()
        years = sorted(set(published.values_list("year", flat=True)), reverse=True)
        self.filters["year"].extra["choices"] = [(year, str(year)) for year in years]
        self.filters["county"].queryset = Division.objects.filter(pk__in=published.values("divisions")).order_by("code")

    def filter_county(self, queryset: QuerySet, name: str, value: Division) -> QuerySet:
        return queryset.filter(pk__in=Disclosure.objects.published().filter(divisions=value).values("pk"))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(title__icontains=value) | Q(summary__icontains=value) | Q(agencies_text__icontains=value)
        )

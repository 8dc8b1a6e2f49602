from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from supervision.forms import PortalForm
from supervision.models import Agency, Finding


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="search")
    kind = django_filters.ChoiceFilter(label=_("单位类别"), choices=Agency.Kind.choices)

    class Meta:
        model = Agency
        fields = ["kind"]
        form = PortalForm

    def search(self, queryset: QuerySet[Agency], name: str, value: str) -> QuerySet[Agency]:
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(division__name__icontains=value)
        )


class FindingFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("被检查单位"))
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices, label=_("状态"))
    severity = django_filters.ChoiceFilter(choices=Finding.Severity.choices, label=_("严重程度"))
    source = django_filters.ChoiceFilter(choices=Finding.Source.choices, label=_("来源"))
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("已逾期")), ("no", _("未逾期"))], method="filter_overdue", label=_("是否逾期")
    )
    year = django_filters.NumberFilter(field_name="found_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = Finding
        fields = ["agency", "status", "severity", "source", "year"]
        form = PortalForm

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = agencies.select_related("division").order_by("division__code", "kind")

    def filter_overdue(self, queryset: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        overdue = Finding.objects.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value == "yes" else queryset.exclude(pk__in=overdue)

    def search(self, queryset: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        return queryset.filter(
            Q(title__icontains=value) | Q(article__icontains=value) | Q(description__icontains=value)
        )

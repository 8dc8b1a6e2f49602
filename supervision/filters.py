from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from supervision.models import Agency


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), method="search")
    kind = django_filters.ChoiceFilter(label=_("单位类别"), choices=Agency.Kind.choices)

    class Meta:
        model = Agency
        fields = ["kind"]

    def search(self, queryset: QuerySet[Agency], name: str, value: str) -> QuerySet[Agency]:
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(division__name__icontains=value)
        )

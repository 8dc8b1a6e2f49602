from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Assessment, Objection, Team
from .queries import user_todo

TODO_CHOICES = [
    ("basic", _("待评基础管理")),
    ("target", _("待我小组评目标管理")),
    ("delegated", _("受托考核")),
    ("confirm", _("待确认")),
    ("objection", _("有待答复的异议")),
    ("filing", _("待备案确认")),
]


class AssessmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("县（市、区）"))
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices, label=_("状态"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.none(), label=_("考核小组"))
    todo = django_filters.ChoiceFilter(choices=TODO_CHOICES, method="filter_todo", label=_("待办"))

    class Meta:
        model = Assessment
        fields = ["status", "team"]

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["team"].queryset = teams

    def search(self, queryset: QuerySet[Assessment], name: str, value: str) -> QuerySet[Assessment]:
        return queryset.filter(
            Q(agency__name__icontains=value)
            | Q(agency__short_name__icontains=value)
            | Q(agency__division__name__icontains=value)
        )

    def filter_todo(self, queryset: QuerySet[Assessment], name: str, value: str) -> QuerySet[Assessment]:
        return user_todo(queryset, self.request.user, value)


class ObjectionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Objection.Status.choices, label=_("状态"))

    class Meta:
        model = Objection
        fields = ["status"]

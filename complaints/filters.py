from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ReviewCase
from supervision.forms import PortalForm
from supervision.models import Agency


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Complaint.Status.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=Complaint.Kind.choices, label=_("类别"))
    matter_type = django_filters.ChoiceFilter(choices=Complaint.MatterType.choices, label=_("事项类型"))
    unit = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("承办单位"))
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("被举报投诉单位"))
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("已逾期")), ("no", _("未逾期"))], method="filter_overdue", label=_("是否逾期")
    )
    year = django_filters.NumberFilter(field_name="received_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = Complaint
        form = PortalForm
        fields = ["status", "kind", "matter_type", "unit", "agency", "year"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the agencies the visible complaints name: a city's every unit twice over (two dropdowns
        # of some 600 options each) was most of the list's time.
        ordered = agencies.only("pk", "name", "short_name").order_by("kind", "division__code")  # str() needs no more
        complaints = self.queryset.order_by()
        self.filters["unit"].queryset = ordered.filter(pk__in=complaints.values("unit_id"))
        self.filters["agency"].queryset = ordered.filter(pk__in=complaints.values("agency_id"))

    def filter_overdue(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet[Complaint]:
        overdue = Complaint.objects.overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value == "yes" else queryset.exclude(pk__in=overdue)

    def search(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet[Complaint]:
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(description__icontains=value))


class ReviewCaseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReviewCase.Kind.choices, label=_("案件类型"))
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("被申请人（被告）"))
    subject = django_filters.ChoiceFilter(choices=ReviewCase.Subject.choices, label=_("争议事项"))
    outcome = django_filters.ChoiceFilter(choices=ReviewCase.Outcome.choices, label=_("结果"))
    year = django_filters.NumberFilter(field_name="filed_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = ReviewCase
        form = PortalForm
        fields = ["kind", "agency", "subject", "outcome", "year"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = (
            agencies.county_agencies().select_related("division").order_by("division__code")
        )

    def search(self, queryset: QuerySet[ReviewCase], name: str, value: str) -> QuerySet[ReviewCase]:
        return queryset.filter(
            Q(case_number__icontains=value) | Q(applicant_name__icontains=value) | Q(summary__icontains=value)
        )

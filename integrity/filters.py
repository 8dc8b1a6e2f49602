from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrity.models import (
    Checklist,
    ControlInspection,
    DisposalPlan,
    IntegrityCommitment,
    IntegrityTalk,
    ReportPeriod,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    RiskCategory,
    RiskLevel,
    ServiceCommitment,
    SpotCheck,
)
from supervision.forms import PortalForm
from supervision.models import AccountabilityRecord, Agency


class AgencyScopedFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("单位"))

    # Offer only the agencies that have a record in the list: a system administrator reaches every
    # agency of every city (thousands of options, most of the page's time and size).
    agencies_with_records = False

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.agencies_with_records:
            agencies = agencies.filter(pk__in=self.queryset.order_by().values("agency_id"))
        self.filters["agency"].queryset = agencies.select_related("division").order_by("division__code", "kind")


class InspectionFilter(AgencyScopedFilter):
    status = django_filters.ChoiceFilter(choices=ControlInspection.Status.choices, label=_("状态"))
    checklist = django_filters.ModelChoiceFilter(
        queryset=Checklist.objects.order_by("article"),
        field_name="checklists__checklist",
        label=_("检查清单"),
        distinct=True,
    )
    year = django_filters.NumberFilter(field_name="planned_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = ControlInspection
        form = PortalForm
        fields = ["agency", "status", "checklist", "year"]

    def search(self, queryset: QuerySet[ControlInspection], name: str, value: str) -> QuerySet[ControlInspection]:
        return queryset.filter(Q(title__icontains=value) | Q(conclusion__icontains=value))


class SpotCheckFilter(AgencyScopedFilter):
    status = django_filters.ChoiceFilter(choices=SpotCheck.Status.choices, label=_("状态"))
    business_area = django_filters.ChoiceFilter(choices=SpotCheck.BusinessArea.choices, label=_("业务类别"))
    year = django_filters.NumberFilter(field_name="checked_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = SpotCheck
        form = PortalForm
        fields = ["agency", "status", "business_area", "year"]

    def search(self, queryset: QuerySet[SpotCheck], name: str, value: str) -> QuerySet[SpotCheck]:
        return queryset.filter(Q(subject__icontains=value) | Q(summary__icontains=value))


class RiskFilter(AgencyScopedFilter):
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices, label=_("风险类别"))
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices, method="filter_level", label=_("风险等级"))
    status = django_filters.ChoiceFilter(choices=Risk.Status.choices, label=_("状态"))
    due = django_filters.ChoiceFilter(choices=[("yes", _("已到复核日期"))], method="filter_due", label=_("复核"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = Risk
        form = PortalForm
        fields = ["agency", "category", "status"]

    def filter_level(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.of_level(value)

    def filter_due(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.due_for_review(timezone.localdate()) if value == "yes" else queryset

    def search(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(article__icontains=value)
        )


class ServiceCommitmentFilter(AgencyScopedFilter):
    is_active = django_filters.BooleanFilter(label=_("有效"))
    q = django_filters.CharFilter(method="search", label=_("服务事项"))

    class Meta:
        model = ServiceCommitment
        form = PortalForm
        fields = ["agency", "is_active"]

    def search(self, queryset: QuerySet[ServiceCommitment], name: str, value: str) -> QuerySet[ServiceCommitment]:
        return queryset.filter(Q(item__icontains=value) | Q(commitment__icontains=value))


class AccountabilityFilter(AgencyScopedFilter):
    agencies_with_records = True
    consequence = django_filters.ChoiceFilter(choices=AccountabilityRecord.Consequence.choices, label=_("处理方式"))
    year = django_filters.NumberFilter(field_name="decided_on__year", label=_("年度"))

    class Meta:
        model = AccountabilityRecord
        form = PortalForm
        fields = ["agency", "consequence", "year"]


class PersonRecordFilter(AgencyScopedFilter):
    year = django_filters.NumberFilter(label=_("年度"))
    q = django_filters.CharFilter(field_name="person__name", lookup_expr="icontains", label=_("姓名"))


class AssignmentFilter(PersonRecordFilter):
    class Meta:
        model = ResponsibilityAssignment
        form = PortalForm
        fields = ["agency", "year"]


class CommitmentFilter(PersonRecordFilter):
    status = django_filters.ChoiceFilter(choices=IntegrityCommitment.Status.choices, label=_("状态"))

    class Meta:
        model = IntegrityCommitment
        form = PortalForm
        fields = ["agency", "year", "status"]


class TalkFilter(AgencyScopedFilter):
    agencies_with_records = True
    kind = django_filters.ChoiceFilter(choices=IntegrityTalk.Kind.choices, label=_("约谈类型"))
    year = django_filters.NumberFilter(field_name="held_on__year", label=_("年度"))
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    class Meta:
        model = IntegrityTalk
        form = PortalForm
        fields = ["agency", "kind", "year"]

    def search(self, queryset: QuerySet[IntegrityTalk], name: str, value: str) -> QuerySet[IntegrityTalk]:
        return queryset.filter(Q(person__name__icontains=value) | Q(reason__icontains=value))


class RiskReportFilter(AgencyScopedFilter):
    year = django_filters.NumberFilter(label=_("年度"))
    period = django_filters.ChoiceFilter(choices=ReportPeriod.choices, label=_("期间"))
    status = django_filters.ChoiceFilter(choices=RiskAnalysisReport.Status.choices, label=_("状态"))

    class Meta:
        form = PortalForm
        model = RiskAnalysisReport
        fields = ["agency", "year", "period", "status"]


class PlanFilter(AgencyScopedFilter):
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices, label=_("风险类别"))
    status = django_filters.ChoiceFilter(choices=DisposalPlan.Status.choices, label=_("状态"))

    class Meta:
        form = PortalForm
        model = DisposalPlan
        fields = ["agency", "category", "status"]

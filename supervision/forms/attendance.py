from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.attachments import EvidenceField
from supervision.forms import DateInput, DateTimeInput, PortalForm, VersionedForm
from supervision.models import Agency, DisciplineVisit, Leave, LeaveKind, Person
from supervision.models.attendance import Half
from supervision.models.findings import local_today


class LeaveForm(PortalForm):
    kind = forms.ModelChoiceField(queryset=LeaveKind.objects.none(), label=_("请假类别"))
    start_date = forms.DateField(widget=DateInput, label=_("开始日期"))
    start_half = forms.ChoiceField(choices=Half.choices, initial=Half.AM, label=_("开始于"))
    end_date = forms.DateField(widget=DateInput, label=_("结束日期"))
    end_half = forms.ChoiceField(choices=Half.choices, initial=Half.PM, label=_("结束于"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=_("事由"))
    destination = forms.CharField(max_length=200, required=False, label=_("外出地点"))
    contact = forms.CharField(max_length=100, label=_("外出期间联系方式"), help_text=_("手机号码等，便于联系。"))
    acting_person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=_("主持工作的同志"),
        help_text=_("第五条：外出期间，需确定1名负责同志主持工作。"),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["kind"].queryset = LeaveKind.objects.active()
        if person.position == Person.Position.HEAD:
            self.fields["acting_person"].required = True
            self.fields["acting_person"].queryset = (
                Person.objects.active()
                .filter(agency_id=person.agency_id)
                .exclude(pk=person.pk)
                .order_by("position", "name")
            )
            self.fields["acting_person"].label_from_instance = lambda p: (
                f"{p.name}（{p.title or p.get_position_display()}）"
            )
        else:
            del self.fields["acting_person"]
        if not self.is_bound:
            self.initial.setdefault("contact", person.phone)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            start_key = (start, cleaned.get("start_half") == Half.PM)
            end_key = (end, cleaned.get("end_half") == Half.PM)
            if end_key < start_key:
                self.add_error("end_date", _("结束时间不能早于开始时间。"))
        return cleaned


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(
        choices=[("approve", _("同意")), ("reject", _("不同意"))], widget=forms.RadioSelect, label=_("审批意见")
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
        label=_("意见说明"),
        help_text=_("不同意时须写明理由。"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            self.add_error("note", _("不同意时须写明理由。"))
        return cleaned


class WithdrawForm(VersionedForm):
    reason = forms.CharField(max_length=300, required=False, label=_("撤回原因"))


class ReturnForm(VersionedForm):
    returned_at = forms.DateTimeField(widget=DateTimeInput, label=_("实际返岗时间"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=1000, label=_("销假说明")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("returned_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_returned_at(self) -> datetime.datetime:
        value = self.cleaned_data["returned_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("实际返岗时间不能晚于现在。"))
        return value


class LeaveFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Leave.Status.choices, label=_("状态"))
    kind = django_filters.ModelChoiceFilter(queryset=LeaveKind.objects.all(), label=_("请假类别"))
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("单位"))
    head = django_filters.ChoiceFilter(
        choices=[("yes", _("主要负责同志")), ("no", _("其他人员"))], method="filter_head", label=_("请假人")
    )
    late = django_filters.ChoiceFilter(
        choices=[("yes", _("逾期销假或逾期未销假"))], method="filter_late", label=_("销假情况")
    )
    month = django_filters.CharFilter(
        method="filter_month", label=_("月份"), widget=forms.TextInput(attrs={"type": "month"})
    )
    q = django_filters.CharFilter(method="search", label=_("姓名或事由"))

    class Meta:
        model = Leave
        fields = ["status", "kind", "agency"]
        form = PortalForm

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = agencies.select_related("division").order_by("division__code", "kind")

    def filter_head(self, queryset: QuerySet[Leave], name: str, value: str) -> QuerySet[Leave]:
        return queryset.filter(is_head_leave=value == "yes")

    def filter_late(self, queryset: QuerySet[Leave], name: str, value: str) -> QuerySet[Leave]:
        overdue = Q(status=Leave.Status.APPROVED, due_back_on__lt=timezone.localdate())
        return queryset.filter(Q(returned_late=True) | overdue)

    def filter_month(self, queryset: QuerySet[Leave], name: str, value: str) -> QuerySet[Leave]:
        from supervision.attendance import month_days, parse_month

        days = month_days(*parse_month(value))
        return queryset.touching(days[0], days[-1])

    def search(self, queryset: QuerySet[Leave], name: str, value: str) -> QuerySet[Leave]:
        return queryset.filter(Q(person__name__icontains=value) | Q(reason__icontains=value))


class VisitForm(PortalForm):
    visited_at = forms.DateTimeField(widget=DateTimeInput, label=_("检查时间"))
    method = forms.ChoiceField(choices=DisciplineVisit.Method.choices, label=_("检查方式"))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("检查情况"))
    files = EvidenceField()

    PRESENT, ABSENT, UNCHECKED = "present", "absent", ""

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
        choices = [(self.PRESENT, _("在岗")), (self.ABSENT, _("不在岗")), (self.UNCHECKED, _("未核查"))]
        for person in people:
            self.fields[f"person_{person.pk}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                initial=self.UNCHECKED,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                label=person.name,
            )

    def person_fields(self) -> list[tuple[Person, forms.BoundField]]:
        return [(person, self[f"person_{person.pk}"]) for person in self.people]

    def visible_fields(self) -> list[forms.BoundField]:
        return [field for field in super().visible_fields() if not field.name.startswith("person_")]

    def clean_visited_at(self) -> datetime.datetime:
        value = self.cleaned_data["visited_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("检查时间不能晚于现在。"))
        return value

    def observations(self) -> dict[int, bool]:
        result = {}
        for person in self.people:
            value = self.cleaned_data.get(f"person_{person.pk}")
            if value in (self.PRESENT, self.ABSENT):
                result[person.pk] = value == self.PRESENT
        return result

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not self.observations():
            raise forms.ValidationError(_("请至少核查一名人员是否在岗。"))
        return cleaned


class VisitFindingForm(PortalForm):
    deadline = forms.DateField(widget=DateInput, label=_("整改期限"))

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline < local_today():
            raise forms.ValidationError(_("整改期限不能早于今天。"))
        return deadline


class VisitFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.none(), label=_("被检查单位"))
    method = django_filters.ChoiceFilter(choices=DisciplineVisit.Method.choices, label=_("检查方式"))
    year = django_filters.NumberFilter(field_name="visited_at__year", label=_("年度"))

    class Meta:
        model = DisciplineVisit
        fields = ["agency", "method"]
        form = PortalForm

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["agency"].queryset = agencies.select_related("division").order_by("division__code", "kind")


class SignInImportForm(PortalForm):
    file = forms.FileField(
        label=_("考勤机导出文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。须有“姓名”列，以及“签到时间”列或“日期”“时间”两列。"),
    )

    def clean_file(self) -> Any:
        from supervision.imports import check_upload

        return check_upload(self.cleaned_data["file"])

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from supervision.attachments import EvidenceField
from supervision.forms import DateInput, PortalForm, VersionedForm
from supervision.models import Agency, Finding, Person
from supervision.models.findings import local_today


class FindingForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("被检查单位"))
    source = forms.ChoiceField(choices=Finding.Source.choices, initial=Finding.Source.OTHER, label=_("来源"))
    article = forms.CharField(max_length=50, label=_("违反条款"), help_text=_("如“第八条（四）”。"))
    severity = forms.ChoiceField(choices=Finding.Severity.choices, label=_("严重程度"))
    title = forms.CharField(max_length=200, label=_("问题摘要"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("问题描述"))
    suggestion = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("整改建议"))
    deadline = forms.DateField(widget=DateInput, label=_("整改期限"))
    responsible = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, label=_("整改责任人"), help_text=_("须为被检查单位的人员。")
    )
    files = EvidenceField()

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies.select_related("division").order_by("division__code", "kind")
        self.fields["responsible"].queryset = (
            Person.objects.active().filter(agency__in=agencies).select_related("agency").order_by("agency", "name")
        )
        self.fields["responsible"].label_from_instance = lambda person: f"{person.agency} · {person.name}"

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline < local_today():
            raise forms.ValidationError(_("整改期限不能早于今天。"))
        return deadline

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        person, agency = cleaned.get("responsible"), cleaned.get("agency")
        if person and agency and person.agency_id != agency.pk:
            self.add_error("responsible", _("整改责任人须为被检查单位的人员。"))
        return cleaned


class AnswerForm(VersionedForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("整改情况"))
    files = EvidenceField()


class VerifyForm(VersionedForm):
    decision = forms.ChoiceField(
        choices=[("accept", _("整改到位，核验销号")), ("reject", _("整改不到位，退回整改"))],
        widget=forms.RadioSelect,
        label=_("核验结论"),
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("核验意见"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("text", "").strip():
            self.add_error("text", _("退回整改时须写明理由。"))
        return cleaned


class ReopenForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("重新打开的理由"))
    deadline = forms.DateField(widget=DateInput, label=_("新的整改期限"))

    def clean_deadline(self) -> datetime.date:
        deadline = self.cleaned_data["deadline"]
        if deadline < local_today():
            raise forms.ValidationError(_("整改期限不能早于今天。"))
        return deadline


class WithdrawForm(VersionedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=300, label=_("撤销理由"))


class DeadlineForm(ReopenForm):
    reason = forms.CharField(max_length=300, label=_("调整理由"))
    deadline = forms.DateField(widget=DateInput, label=_("新的整改期限"))

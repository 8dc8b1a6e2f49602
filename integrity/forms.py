from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrity.models import (
    Checklist,
    ChecklistVersion,
    ControlInspection,
    DisposalPlan,
    InspectionItemResult,
    IntegrityTalk,
    ResponsibilityAssignment,
    Risk,
    RiskAnalysisReport,
    ServiceCommitment,
    ServiceRule,
    SpotCheck,
    SpotCheckIssue,
)
from supervision.attachments import EvidenceField
from supervision.forms import DateInput, PortalForm, PortalModelForm, VersionedForm
from supervision.models import AccountabilityRecord, Agency, Finding, Person
from supervision.permissions import Action, Role, agencies_for, can, remember_roles

User = get_user_model()

TEXTAREA = {"rows": 3}


def _agency_choices(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    return agencies.select_related("division").order_by("division__code", "kind")


def _people_in(agencies: QuerySet[Agency]) -> QuerySet[Person]:
    return Person.objects.active().filter(agency__in=agencies).select_related("agency").order_by("agency", "name")


def _person_label(person: Person) -> str:
    return f"{person.agency} · {person.name}"


def _not_in_past(day: datetime.date) -> datetime.date:
    if day < timezone.localdate():
        raise forms.ValidationError(_("日期不能早于今天。"))
    return day


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PeopleFormMixin:
    """Limit an agency field and person fields to what the user may act on, and keep them consistent."""

    person_fields: tuple[str, ...] = ()

    def limit(self, agencies: QuerySet[Agency], agency: Agency | None = None) -> None:
        self.fixed_agency = agency
        if "agency" in self.fields:  # type: ignore[attr-defined]
            self.fields["agency"].queryset = _agency_choices(agencies)  # type: ignore[attr-defined]
        people_agencies = agencies.filter(pk=agency.pk) if agency else agencies
        for name in self.person_fields:
            field = self.fields[name]  # type: ignore[attr-defined]
            field.queryset = _people_in(people_agencies)
            field.label_from_instance = _person_label

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        agency = cleaned.get("agency") or getattr(self, "fixed_agency", None)
        for name in self.person_fields:
            person = cleaned.get(name)
            if person and agency and person.agency_id != agency.pk:
                self.add_error(name, _("须为本单位的人员。"))  # type: ignore[attr-defined]
        return cleaned


# Checklists --------------------------------------------------------------------------------------


class ChecklistRevisionForm(PortalForm):
    """Check points and guidance of every item; the regulation's text itself is not editable."""

    note = forms.CharField(max_length=300, label=_("修订说明"), help_text=_("说明本次修订的内容和原因。"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, version: ChecklistVersion, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"]["version"] = version.number
        self.items = list(version.items.order_by("position"))
        for item in self.items:
            kwargs["initial"][f"points_{item.position}"] = item.check_points
            kwargs["initial"][f"guidance_{item.position}"] = item.guidance
        super().__init__(*args, **kwargs)
        for item in self.items:
            self.fields[f"points_{item.position}"] = forms.CharField(
                widget=forms.Textarea(attrs=TEXTAREA),
                required=False,
                label=_("%(code)s 检查要点") % {"code": item.code},
            )
            self.fields[f"guidance_{item.position}"] = forms.CharField(
                widget=forms.Textarea(attrs=TEXTAREA),
                required=False,
                label=_("%(code)s 检查指引") % {"code": item.code},
            )
        self.order_fields(["version", *[name for name in self.fields if name not in {"note", "version"}], "note"])

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(item, self[f"points_{item.position}"], self[f"guidance_{item.position}"]) for item in self.items]

    def changes(self) -> dict[int, dict[str, str]]:
        return {
            item.position: {
                "check_points": self.cleaned_data[f"points_{item.position}"],
                "guidance": self.cleaned_data[f"guidance_{item.position}"],
            }
            for item in self.items
        }


# Control inspections -------------------------------------------------------------------------------


class InspectionPlanForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("被检查单位"))
    checklists = forms.ModelMultipleChoiceField(
        queryset=Checklist.objects.order_by("article"),
        widget=forms.CheckboxSelectMultiple,
        label=_("检查清单"),
        help_text=_("使用各清单的现行版本。"),
    )
    title = forms.CharField(max_length=200, required=False, label=_("检查名称"), help_text=_("留空则自动生成。"))
    period_start = forms.DateField(widget=DateInput, label=_("检查期间起"))
    period_end = forms.DateField(widget=DateInput, label=_("检查期间止"))
    planned_on = forms.DateField(widget=DateInput, label=_("计划检查日期"))
    team = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("检查组成员"),
        help_text=_("检查组长之外的成员，须为有权检查该单位的稽核、内控检查人员。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        user: Any,
        agencies: QuerySet[Agency],
        inspection: ControlInspection | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.inspection = inspection
        self.fields["agency"].queryset = _agency_choices(agencies.county_agencies())
        self.fields["checklists"].label_from_instance = lambda checklist: str(checklist)
        if inspection is not None:  # the agency and the checklists are fixed once planned
            del self.fields["agency"]
            del self.fields["checklists"]
            self.fields["title"].required = True
            self.fields["title"].help_text = ""
        self.fields["team"].queryset = (
            User.objects.filter(
                groups__name=Role.INSPECTOR, is_active=True, person__agency__in=agencies_for(user, Action.VIEW)
            )
            .exclude(pk=inspection.lead_id if inspection else user.pk)
            .select_related("person", "person__agency")
            .order_by("person__agency", "person__name")
            .distinct()
        )
        self.fields["team"].label_from_instance = lambda member: f"{member.person.agency} · {member.person.name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("检查期间止不能早于检查期间起。"))
        agency = cleaned.get("agency") or (self.inspection.agency if self.inspection else None)
        if agency:
            team = list(cleaned.get("team") or [])
            remember_roles(team)
            for member in team:
                if not can(member, Action.INSPECT, agency):
                    self.add_error("team", _("%(name)s 无权检查该单位。") % {"name": member.person.name})
        return cleaned

    def title_or_default(self) -> str:
        data = self.cleaned_data
        if data["title"].strip():
            return data["title"].strip()
        articles = "、".join(checklist.article_label for checklist in data["checklists"])
        return _("%(agency)s %(year)s年内控检查（%(articles)s）") % {
            "agency": data["agency"],
            "year": data["planned_on"].year,
            "articles": articles,
        }


class ItemResultForm(VersionedForm):
    result = forms.ChoiceField(
        choices=[c for c in InspectionItemResult.Result.choices if c[0] != InspectionItemResult.Result.PENDING],
        widget=forms.RadioSelect,
        label=_("检查结果"),
    )
    problem = forms.CharField(
        max_length=200,
        required=False,
        label=_("问题摘要"),
        help_text=_("部分符合或不符合时必填，将作为整改问题的标题。"),
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("检查情况"))
    severity = forms.ChoiceField(choices=Finding.Severity.choices, label=_("严重程度"))
    files = EvidenceField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("result") in InspectionItemResult.SHORTCOMINGS and not cleaned.get("problem", "").strip():
            self.add_error("problem", _("部分符合或不符合的条目须写明问题摘要。"))
        return cleaned


class InspectionCompleteForm(VersionedForm):
    conclusion = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("检查结论"))
    deadline = forms.DateField(
        widget=DateInput,
        label=_("整改期限"),
        help_text=_("部分符合和不符合的条目将下达整改要求，须在此日期前整改并答复。"),
    )

    def clean_deadline(self) -> datetime.date:
        return _not_in_past(self.cleaned_data["deadline"])


class ReasonForm(PortalForm):
    reason = forms.CharField(max_length=300, label=_("理由"))


# Spot checks ----------------------------------------------------------------------------------------


class SpotCheckForm(PeopleFormMixin, VersionMixin, PortalModelForm):
    files = EvidenceField(label=_("抽查清单及材料"))

    class Meta:
        model = SpotCheck
        fields = [
            "agency",
            "business_area",
            "subject",
            "period_start",
            "period_end",
            "checked_on",
            "population",
            "sample_size",
            "method",
            "summary",
        ]
        widgets = {
            "period_start": DateInput,
            "period_end": DateInput,
            "checked_on": DateInput,
            "summary": forms.Textarea(attrs=TEXTAREA),
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(agencies.county_agencies())
        if self.instance.pk:
            del self.fields["agency"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        population, sample = cleaned.get("population"), cleaned.get("sample_size")
        if population is not None and sample is not None and sample > population:
            self.add_error("sample_size", _("抽查件数不能多于业务总量。"))
        if sample is not None and sample < 1:
            self.add_error("sample_size", _("抽查件数至少为1件。"))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("业务期间止不能早于业务期间起。"))
        return cleaned

    def _post_clean(self) -> None:  # the action validates the complete record
        pass


class SpotCheckIssueForm(PortalModelForm):
    class Meta:
        model = SpotCheckIssue
        fields = ["file_reference", "article", "severity", "title", "description"]
        widgets = {"description": forms.Textarea(attrs=TEXTAREA)}


class FeedBackForm(VersionedForm):
    deadline = forms.DateField(widget=DateInput, label=_("整改期限"))

    def clean_deadline(self) -> datetime.date:
        return _not_in_past(self.cleaned_data["deadline"])


class SpotCheckReportForm(VersionedForm):
    to = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("报告对象"))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("报告内容"))

    def __init__(self, *args: Any, spot_check: SpotCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leaders = Person.objects.active().filter(
            agency__city_id=spot_check.agency.city_id,
            position__in=[Person.Position.MAIN_LEADER, Person.Position.HEAD],
        )
        self.fields["to"].queryset = (
            (leaders.filter(agency__kind__in=Agency.CITY_KINDS) | leaders.filter(agency_id=spot_check.agency_id))
            .select_related("agency")
            .order_by("agency", "name")
        )
        self.fields["to"].label_from_instance = lambda person: (
            f"{person.agency} · {person.name}（{person.title or person.get_position_display()}）"
        )


# Risk register -----------------------------------------------------------------------------------------


class RiskForm(PeopleFormMixin, VersionMixin, PortalModelForm):
    person_fields = ("owner",)

    class Meta:
        model = Risk
        fields = [
            "agency",
            "title",
            "category",
            "article",
            "description",
            "likelihood",
            "impact",
            "owner",
            "controls",
            "treatment",
            "status",
            "identified_on",
            "next_review_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs=TEXTAREA),
            "controls": forms.Textarea(attrs=TEXTAREA),
            "treatment": forms.Textarea(attrs=TEXTAREA),
            "identified_on": DateInput,
            "next_review_on": DateInput,
        }
        help_texts = {
            "likelihood": _("1 很少发生，5 几乎必然发生。"),
            "impact": _("1 影响轻微，5 造成基金重大损失或严重社会影响。"),
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in Risk.Status.choices if c[0] != Risk.Status.CLOSED]
        if self.instance.pk:
            del self.fields["agency"]
            self.limit(agencies, self.instance.agency)
        else:
            self.limit(agencies)

    def _post_clean(self) -> None:
        pass


class RiskReviewForm(VersionedForm):
    likelihood = forms.TypedChoiceField(
        coerce=int, choices=Risk._meta.get_field("likelihood").choices, label=_("可能性")
    )
    impact = forms.TypedChoiceField(coerce=int, choices=Risk._meta.get_field("impact").choices, label=_("影响程度"))
    status = forms.ChoiceField(choices=Risk.Status.choices, label=_("复核后状态"))
    note = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label=_("复核意见"))
    next_review_on = forms.DateField(widget=DateInput, required=False, label=_("下次复核日期"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        status, next_review = cleaned.get("status"), cleaned.get("next_review_on")
        if status and status != Risk.Status.CLOSED and not next_review:
            self.add_error("next_review_on", _("未关闭的风险须确定下次复核日期。"))
        if next_review and next_review <= timezone.localdate():
            self.add_error("next_review_on", _("下次复核日期须晚于今天。"))
        return cleaned


class RiskReportForm(VersionMixin, PortalModelForm):
    files = EvidenceField(label=_("附件"))

    class Meta:
        model = RiskAnalysisReport
        fields = ["agency", "year", "period", "title", "analysis", "risks"]
        widgets = {"analysis": forms.Textarea(attrs={"rows": 8}), "risks": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["agency"]
            del self.fields["year"]
            del self.fields["period"]
            risks = Risk.objects.filter(agency_id=self.instance.agency_id)
        else:
            self.fields["agency"].queryset = _agency_choices(agencies)
            self.fields["year"].initial = timezone.localdate().year
            risks = Risk.objects.filter(agency__in=agencies)
        self.fields["risks"].queryset = risks.select_related("agency").order_by("agency", "-score")
        self.fields["risks"].label_from_instance = lambda risk: (
            f"{risk.agency} · {risk.title}（{risk.get_level_display()}）"
        )
        self.fields["risks"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        agency = cleaned.get("agency") or (self.instance.agency if self.instance.pk else None)
        if agency:
            if any(risk.agency_id != agency.pk for risk in cleaned.get("risks") or []):
                self.add_error("risks", _("只能选择本单位的风险。"))
            if not self.instance.pk and cleaned.get("year") and cleaned.get("period"):
                exists = RiskAnalysisReport.objects.filter(
                    agency=agency, year=cleaned["year"], period=cleaned["period"]
                ).exists()
                if exists:
                    self.add_error("period", _("该单位本期间的风险分析报告已经存在。"))
        return cleaned

    def _post_clean(self) -> None:
        pass


class DisposalPlanForm(PeopleFormMixin, VersionMixin, PortalModelForm):
    person_fields = ("responsible",)
    files = EvidenceField(label=_("附件"))

    class Meta:
        model = DisposalPlan
        fields = [
            "agency",
            "title",
            "category",
            "risks",
            "triggers",
            "steps",
            "responsible",
            "contacts",
            "last_drill_on",
        ]
        widgets = {
            "triggers": forms.Textarea(attrs=TEXTAREA),
            "steps": forms.Textarea(attrs={"rows": 6}),
            "risks": forms.CheckboxSelectMultiple,
            "last_drill_on": DateInput,
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["agency"]
            self.limit(agencies, self.instance.agency)
            # Keep risks closed since they were linked: an edit must not drop them silently.
            risks = Risk.objects.filter(agency_id=self.instance.agency_id).filter(
                ~Q(status=Risk.Status.CLOSED) | Q(disposal_plans=self.instance)
            )
        else:
            self.limit(agencies)
            risks = Risk.objects.filter(agency__in=agencies).open()
        self.fields["risks"].queryset = risks.distinct().select_related("agency").order_by("agency", "-score")
        self.fields["risks"].label_from_instance = lambda risk: f"{risk.agency} · {risk.title}"
        self.fields["risks"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        agency = cleaned.get("agency") or getattr(self, "fixed_agency", None)
        if agency and any(risk.agency_id != agency.pk for risk in cleaned.get("risks") or []):
            self.add_error("risks", _("只能选择本单位的风险。"))
        return cleaned

    def _post_clean(self) -> None:
        pass


class EffectiveForm(PortalForm):
    effective_on = forms.DateField(widget=DateInput, label=_("施行日期"))


# Service standards -----------------------------------------------------------------------------------


class ServiceCommitmentForm(VersionMixin, PortalModelForm):
    class Meta:
        model = ServiceCommitment
        fields = ["agency", "item", "time_limit", "time_unit", "legal_limit", "commitment", "basis", "effective_on"]
        widgets = {"commitment": forms.Textarea(attrs=TEXTAREA), "effective_on": DateInput}

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = _agency_choices(agencies)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        unit, limit = cleaned.get("time_unit"), cleaned.get("time_limit")
        if unit and unit != ServiceCommitment.TimeUnit.ON_THE_SPOT and not limit:
            self.add_error("time_limit", _("请填写承诺时限；当场办结的事项请选择“即时办结”。"))
        return cleaned

    def _post_clean(self) -> None:
        pass


class ServiceRuleForm(VersionMixin, PortalModelForm):
    files = EvidenceField(label=_("制度文件"))

    class Meta:
        model = ServiceRule
        fields = ["agency", "kind", "title", "content", "effective_on"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6}), "effective_on": DateInput}

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = _agency_choices(agencies)

    def _post_clean(self) -> None:
        pass


# Accountability (责任追究) ------------------------------------------------------------------------------


class AccountabilityForm(PeopleFormMixin, PortalModelForm):
    person_fields = ("person",)
    finding = forms.ModelChoiceField(
        queryset=Finding.objects.none(),
        required=False,
        label=_("关联的问题"),
        help_text=_("由检查、抽查或举报投诉发现的问题。"),
    )

    class Meta:
        model = AccountabilityRecord
        fields = [
            "agency",
            "person",
            "finding",
            "source_label",
            "breach",
            "decision",
            "consequence",
            "decided_by",
            "decided_on",
        ]
        widgets = {
            "breach": forms.Textarea(attrs=TEXTAREA),
            "decision": forms.Textarea(attrs=TEXTAREA),
            "decided_on": DateInput,
        }
        help_texts = {"source_label": _("如举报投诉的查询码、检查名称。")}

    def __init__(self, *args: Any, agencies: QuerySet[Agency], findings: QuerySet[Finding], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(agencies)
        self.fields["finding"].queryset = findings.select_related("agency").order_by("-found_on")
        self.fields["finding"].label_from_instance = lambda finding: (
            f"{finding.agency} · {finding.article} · {finding.title}"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        finding, agency = cleaned.get("finding"), cleaned.get("agency")
        if finding and agency and finding.agency_id != agency.pk:
            self.add_error("finding", _("关联的问题须属于同一单位。"))
        return cleaned

    def _post_clean(self) -> None:
        pass


# Integrity (第十一条) ------------------------------------------------------------------------------------


class AssignmentForm(PeopleFormMixin, VersionMixin, PortalModelForm):
    person_fields = ("person",)
    files = EvidenceField(label=_("责任书扫描件"))

    class Meta:
        model = ResponsibilityAssignment
        fields = ["person", "year", "post", "business_duties", "integrity_duties", "assigned_by", "signed_on"]
        widgets = {
            "business_duties": forms.Textarea(attrs=TEXTAREA),
            "integrity_duties": forms.Textarea(attrs=TEXTAREA),
            "signed_on": DateInput,
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(agencies)
        # The leaders of the agencies one manages and of the city-level units above them; never the
        # leaders of another county, whom a county head has no business seeing or naming.
        leaders = Person.objects.active().filter(
            Q(agency__in=agencies) | Q(agency__city__in=agencies.values("city"), agency__kind__in=Agency.CITY_KINDS),
            position__in=[Person.Position.MAIN_LEADER, Person.Position.HEAD, Person.Position.DEPUTY],
        )
        self.fields["assigned_by"].queryset = leaders.select_related("agency").order_by("agency", "name")
        self.fields["assigned_by"].label_from_instance = _person_label
        if self.instance.pk:
            del self.fields["person"]
            del self.fields["year"]
        else:
            self.fields["year"].initial = timezone.localdate().year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        person, year = cleaned.get("person"), cleaned.get("year")
        if person and year and ResponsibilityAssignment.objects.filter(person=person, year=year).exists():
            self.add_error("year", _("该人员本年度的一岗双责已经登记，请修改原记录。"))
        return cleaned

    def _post_clean(self) -> None:
        pass


DEFAULT_COMMITMENT_TEXT = _(
    "本人郑重承诺：严格履行“一岗双责”，遵守廉洁从政各项规定，坚持廉洁奉公、勤政为民；"
    "不利用职权从事营利活动，不利用职务便利为本人或他人谋取私利；坚持阳光政务、透明化服务，"
    "做到公平、公正、公开；自觉接受组织和群众监督。如有违反，愿接受组织处理。"
)


class CommitmentIssueForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("单位"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("承诺内容"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update({"year": timezone.localdate().year, "text": DEFAULT_COMMITMENT_TEXT})
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies)


class CommitmentSignForm(PortalForm):
    files = EvidenceField(label=_("签署后的承诺书扫描件"))


class TalkForm(PeopleFormMixin, PortalModelForm):
    person_fields = ("person",)
    files = EvidenceField(label=_("约谈记录材料"))

    class Meta:
        model = IntegrityTalk
        fields = ["person", "kind", "held_on", "place", "talked_by", "reason", "content", "follow_up_due"]
        widgets = {
            "held_on": DateInput,
            "follow_up_due": DateInput,
            "reason": forms.Textarea(attrs=TEXTAREA),
            "content": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit(agencies)

    def clean_held_on(self) -> datetime.date:
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("约谈日期不能晚于今天。"))
        return day

    def _post_clean(self) -> None:
        pass


class TalkFollowUpForm(PortalForm):
    happened_on = forms.DateField(widget=DateInput, label=_("日期"))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("后续情况"))
    files = EvidenceField()

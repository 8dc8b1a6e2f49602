"""Forms of supervision (第十二条至第十五条)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.attachments import EvidenceField
from supervision.forms import DateInput, DateTimeInput, PortalForm, VersionedForm
from supervision.forms.findings import FindingForm
from supervision.models import Agency, Channel, CorrectionOrder, InspectionMaterial, SemiannualReport
from supervision.models.findings import local_today
from supervision.models.oversight import CHANNEL_BODIES, KINDS_BY_CHANNEL, ActivityKind
from supervision.personal_data import validate_no_personal_data


def _agency_choices(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    return agencies.select_related("division").order_by("division__code", "kind")


def _not_in_future(value: datetime.date) -> datetime.date:
    if value > local_today():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return value


# ---------------------------------------------------------------------------------------------
# 第十二条
# ---------------------------------------------------------------------------------------------


def kind_choices() -> list[tuple[Any, Any]]:
    """监督方式 grouped under their channel, so the list itself says which belongs where."""
    labels = dict(ActivityKind.choices)
    return [
        (Channel(channel).label, [(kind, labels[kind]) for kind in kinds])
        for channel, kinds in KINDS_BY_CHANNEL.items()
    ]


class ActivityForm(VersionedForm):
    channel = forms.ChoiceField(choices=Channel.choices, label=_("监督渠道"))
    kind = forms.ChoiceField(choices=kind_choices, label=_("监督方式"))
    body = forms.CharField(
        max_length=100, label=_("监督主体"), help_text=_("如：市人民代表大会常务委员会、社会保险委员会、市审计局")
    )
    title = forms.CharField(max_length=200, label=_("活动名称"))
    held_on = forms.DateField(widget=DateInput, label=_("开展日期"), validators=[_not_in_future])
    subjects = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        label=_("被监督单位"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 键）。"),
    )
    participants = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("参加人员"))
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("情况摘要"))
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("监督意见及落实情况"))
    files = EvidenceField(label=_("相关材料"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = _agency_choices(agencies.county_agencies())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        channel, kind = cleaned.get("channel"), cleaned.get("kind")
        if channel and kind and kind not in KINDS_BY_CHANNEL[channel]:
            self.add_error("kind", _("所选监督方式不属于该监督渠道。"))
        return cleaned

    @staticmethod
    def default_body(channel: str) -> str:
        return str(CHANNEL_BODIES.get(channel, ""))


class VoidForm(VersionedForm):
    reason = forms.CharField(max_length=300, label=_("作废理由"))


class RecordFindingForm(FindingForm):
    """A problem found by a supervision record: the source is the record, 整改建议 are required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["source"]
        self.fields["suggestion"].required = True
        self.fields["suggestion"].help_text = _("第十五条：发现问题，应提出整改建议。")


# ---------------------------------------------------------------------------------------------
# 第十三条
# ---------------------------------------------------------------------------------------------


class ReportForm(VersionedForm):
    """The figures and narrative; all optional for a draft, all required to submit."""

    insured_count = forms.IntegerField(min_value=0, required=False, label=_("参保人数（人）"))
    new_insured_count = forms.IntegerField(min_value=0, required=False, label=_("新增参保人数（人）"))
    beneficiary_count = forms.IntegerField(min_value=0, required=False, label=_("待遇领取人数（人）"))
    contribution_income = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False, label=_("基金征缴收入（万元）")
    )
    benefit_expenditure = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False, label=_("待遇支出（万元）")
    )
    cases_handled = forms.IntegerField(min_value=0, required=False, label=_("办结业务（件）"))
    complaints_received = forms.IntegerField(min_value=0, required=False, label=_("受理举报投诉（件）"))
    narrative = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, label=_("业务经办情况"))
    problems = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("存在的问题"))
    plans = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("下一步工作打算"))
    files = EvidenceField(label=_("附件"))

    FIGURES = (
        "insured_count",
        "new_insured_count",
        "beneficiary_count",
        "contribution_income",
        "benefit_expenditure",
        "cases_handled",
        "complaints_received",
    )

    def __init__(self, *args: Any, submitting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.submitting:
            for name in SemiannualReport.REQUIRED_FOR_SUBMISSION:
                value = cleaned.get(name)
                if name not in self.errors and (value is None or (isinstance(value, str) and not value.strip())):
                    self.add_error(name, _("报送前须填写此项。"))
        return cleaned


class ReviewForm(VersionedForm):
    decision = forms.ChoiceField(
        choices=[("accept", _("审阅通过")), ("return", _("退回修改"))], widget=forms.RadioSelect, label=_("审阅结论")
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("审阅意见"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("退回修改时须写明审阅意见。"))
        return cleaned


class ReportStartForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("报告单位"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    half = forms.TypedChoiceField(choices=SemiannualReport.Half.choices, coerce=int, label=_("半年"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies.county_agencies())

    def clean(self) -> dict[str, Any]:
        from supervision.models.oversight import period_end

        cleaned = super().clean()
        year, half = cleaned.get("year"), cleaned.get("half")
        if year and half and period_end(year, half) >= local_today():
            self.add_error("half", _("该半年尚未结束，结束后再填报。"))
        return cleaned


# ---------------------------------------------------------------------------------------------
# 第十四条
# ---------------------------------------------------------------------------------------------


class VisitForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("被指导单位"))
    planned_on = forms.DateField(widget=DateInput, label=_("计划日期"))
    topics = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("指导内容"))
    team = forms.CharField(max_length=300, required=False, label=_("参加人员"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies.county_agencies())


class VisitRecordForm(VersionedForm):
    visited_on = forms.DateField(widget=DateInput, label=_("实际开展日期"), validators=[_not_in_future])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("指导情况记录"))
    files = EvidenceField(label=_("相关材料"))


class CancelForm(VersionedForm):
    reason = forms.CharField(max_length=300, label=_("理由"))


# ---------------------------------------------------------------------------------------------
# 第十五条
# ---------------------------------------------------------------------------------------------


class InspectionForm(PortalForm):
    title = forms.CharField(max_length=200, label=_("检查名称"))
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        label=_("被检查单位"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 键）。"),
    )
    period_start = forms.DateField(widget=DateInput, label=_("检查所属期起"))
    period_end = forms.DateField(widget=DateInput, label=_("检查所属期止"))
    started_on = forms.DateField(widget=DateInput, label=_("检查开始日期"))
    members = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("检查组成员"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("检查组组长为登记人本人。"),
    )
    scope = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("检查内容"),
        initial=_("社会保险基金收支、管理情况（第八条各项）"),
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], members: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = _agency_choices(agencies.county_agencies())
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = lambda user: (
            f"{user.person.name}（{user.person.agency}）" if getattr(user, "person", None) else user.get_username()
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("所属期止不能早于所属期起。"))
        return cleaned


class MaterialForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("材料所属单位"))
    name = forms.CharField(max_length=200, label=_("材料名称"))
    description = forms.CharField(max_length=300, required=False, label=_("内容及所属期间"))
    quantity = forms.CharField(max_length=50, label=_("数量"), help_text=_("如：3册、120页、1个U盘"))
    handling = forms.ChoiceField(choices=InspectionMaterial.Handling.choices, label=_("处置方式"))
    registered_on = forms.DateField(widget=DateInput, label=_("登记日期"), validators=[_not_in_future])
    note = forms.CharField(max_length=300, required=False, label=_("备注"))
    seal_now = forms.BooleanField(required=False, label=_("同时封存（可能被转移、隐匿或者灭失的资料）"))
    seal_number = forms.CharField(max_length=50, required=False, label=_("封条编号"))
    place = forms.CharField(max_length=200, required=False, label=_("封存地点"))
    sealed_on = forms.DateField(widget=DateInput, required=False, label=_("封存日期"), validators=[_not_in_future])

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies)
        self.initial.setdefault("registered_on", local_today())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("seal_now"):
            for name in ("seal_number", "place", "sealed_on"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("封存时须填写此项。"))
        return cleaned

    def seal_data(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("seal_now"):
            return None
        return {"seal_number": data["seal_number"], "place": data["place"], "sealed_on": data["sealed_on"]}


class SealForm(PortalForm):
    seal_number = forms.CharField(max_length=50, label=_("封条编号"))
    place = forms.CharField(max_length=200, label=_("封存地点"))
    sealed_on = forms.DateField(widget=DateInput, label=_("封存日期"), validators=[_not_in_future])


class ReleaseForm(PortalForm):
    released_on = forms.DateField(widget=DateInput, label=_("解除封存日期"), validators=[_not_in_future])
    reason = forms.CharField(max_length=300, label=_("解除封存理由"))


class RevokeForm(PortalForm):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label=_("撤销理由"))


class InquiryForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("涉及单位"))
    interviewee = forms.CharField(max_length=50, label=_("被询问人"))
    interviewee_unit = forms.CharField(max_length=100, label=_("被询问人工作单位"))
    interviewee_position = forms.CharField(max_length=50, required=False, label=_("被询问人职务"))
    place = forms.CharField(max_length=200, label=_("询问地点"))
    started_at = forms.DateTimeField(widget=DateTimeInput, label=_("询问开始时间"))
    ended_at = forms.DateTimeField(widget=DateTimeInput, label=_("询问结束时间"))
    inquirers = forms.CharField(max_length=200, label=_("询问人"), help_text=_("不少于两人。"))
    recorder = forms.CharField(max_length=50, label=_("记录人"))
    transcript = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label=_("询问内容（问答）"),
        help_text=_("按“问：……答：……”逐条记录。"),
    )
    files = EvidenceField(label=_("签字确认的询问笔录"), help_text=_("被询问人逐页签字确认后的扫描件，可稍后补传。"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("started_at"), cleaned.get("ended_at")
        if start and end and end < start:
            self.add_error("ended_at", _("结束时间不能早于开始时间。"))
        if start and start > timezone.now():
            self.add_error("started_at", _("询问开始时间不能晚于现在。"))
        return cleaned


class StatementForm(PortalForm):
    files = EvidenceField(label=_("签字确认的询问笔录"), required=True)


class OrderForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("被责令单位"))
    conduct = forms.ChoiceField(choices=CorrectionOrder.Conduct.choices, label=_("违法行为"))
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("违法事实"))
    requirements = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("改正要求"), initial=_("立即停止上述行为，并按要求改正。")
    )
    issued_on = forms.DateField(widget=DateInput, label=_("下达日期"), validators=[_not_in_future])
    deadline = forms.DateField(widget=DateInput, label=_("改正期限"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies)
        self.initial.setdefault("issued_on", local_today())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        issued, deadline = cleaned.get("issued_on"), cleaned.get("deadline")
        if issued and deadline and deadline < issued:
            self.add_error("deadline", _("改正期限不能早于下达日期。"))
        return cleaned


class DecisionForm(PortalForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("被处理单位"))
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("查明的事实"))
    basis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("处理依据"),
        initial=_(
            "《中华人民共和国社会保险法》和《新乡市人力资源和社会保障局县（市、区）社会保险经办管理监督工作制度》第十五条"
        ),
    )
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("处理决定"))
    decided_on = forms.DateField(widget=DateInput, label=_("决定日期"), validators=[_not_in_future])

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices(agencies)
        self.initial.setdefault("decided_on", local_today())


class ConcludeForm(VersionedForm):
    ended_on = forms.DateField(widget=DateInput, label=_("检查结束日期"), validators=[_not_in_future])
    conclusion = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("检查结论"))


class PublishForm(VersionedForm):
    title = forms.CharField(max_length=200, label=_("公开标题"), validators=[validate_no_personal_data])
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("公开摘要"),
        validators=[validate_no_personal_data],
        help_text=_("将向社会公布。不得含有身份证号码、手机号码、银行卡号等个人信息。"),
    )


class WithdrawForm(VersionedForm):
    reason = forms.CharField(max_length=300, label=_("撤回理由"))

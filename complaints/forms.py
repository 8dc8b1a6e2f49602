from __future__ import annotations

import datetime
from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ExternalBody, ReviewCase, local_today
from supervision.attachments import EvidenceField
from supervision.forms import DateInput, PortalForm, PortalModelForm, VersionedForm
from supervision.models import AccountabilityRecord, Agency, City, Person

NOT_SURE = ""
MAX_TOTAL_UPLOAD_BYTES = 50 * 1024 * 1024

CONSENT_TEXT = _(
    "我承诺所反映的情况真实，知悉捏造事实诬告陷害他人须承担法律责任。"
    "我同意本部门为办理本件而使用我提供的信息；如事项不属于本部门职责范围，同意将反映内容和联系方式移交有权处理的部门、机构。"
    "本部门对举报人的信息予以保密。"
)


class PortalCaptchaInput(CaptchaTextInput):
    # Widget templates are found by the form renderer, which reads app templates only.
    template_name = "complaints/captcha_widget.html"


class ComplaintIntakeForm(PortalForm):
    """The public intake (第十六条: 任何组织或者个人有权……举报、投诉)."""

    kind = forms.ChoiceField(
        choices=Complaint.Kind.choices,
        widget=forms.RadioSelect,
        label=_("类别"),
        help_text=_("举报：反映违法违规行为，可以匿名；投诉：反映自身权益受到侵害，需要答复的请留下联系方式。"),
    )
    city = forms.ModelChoiceField(queryset=City.objects.none(), label=_("设区市"))
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("不确定"),
        label=_("被举报投诉单位"),
    )
    matter_type = forms.ChoiceField(choices=Complaint.MatterType.choices, label=_("事项类型"))
    title = forms.CharField(max_length=100, label=_("标题"), help_text=_("一句话概括所反映的问题。"))
    description = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": 5000}),
        label=_("反映内容"),
        help_text=_("请写明何时、何地、何人、何事，以及您掌握的证据；不超过5000字。"),
    )
    occurred_on = forms.DateField(widget=DateInput, required=False, label=_("发生时间"))
    files = EvidenceField(label=_("证明材料"))
    contact_name = forms.CharField(max_length=50, required=False, label=_("姓名"))
    contact_phone = forms.CharField(max_length=30, required=False, label=_("联系电话"))
    contact_email = forms.EmailField(required=False, label=_("电子邮箱"))
    contact_address = forms.CharField(max_length=200, required=False, label=_("通讯地址"))
    wants_reply = forms.BooleanField(required=False, label=_("需要答复"))
    consent = forms.BooleanField(label=CONSENT_TEXT)
    captcha = CaptchaField(
        label=_("验证码"),
        widget=PortalCaptchaInput(),
        error_messages={"invalid": _("验证码不正确或已过期，请看新图片重新输入。")},
        help_text=_("请输入图片中的字符，不区分大小写。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cities = City.objects.order_by("code")
        self.fields["city"].queryset = cities
        self.single_city = cities.count() == 1
        if self.single_city:
            self.fields["city"].initial = cities.first()
            self.fields["city"].widget = forms.HiddenInput()
        self.fields["agency"].queryset = (
            Agency.objects.active()
            .filter(kind__in=[Agency.Kind.COUNTY_AGENCY, Agency.Kind.CITY_AGENCY])
            .select_related("division", "city")
            .order_by("city__code", "kind", "division__code")
        )
        self.fields["agency"].label_from_instance = lambda agency: agency.name
        self.fields["files"].help_text = _(
            "可选，最多 %(count)s 个文件。PDF、图片或 Office 文档，单个文件不超过 %(limit)s MB；不接受压缩包。"
        ) % {"count": settings.COMPLAINT_MAX_FILES, "limit": settings.UPLOAD_MAX_BYTES // 1024 // 1024}

    def clean_occurred_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("occurred_on")
        if day and day > local_today():
            raise forms.ValidationError(_("发生时间不能晚于今天。"))
        return day

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data.get("files") or []
        if len(files) > settings.COMPLAINT_MAX_FILES:
            raise forms.ValidationError(
                _("最多上传 %(count)s 个文件。") % {"count": settings.COMPLAINT_MAX_FILES}, code="too_many"
            )
        if sum(upload.size or 0 for upload in files) > MAX_TOTAL_UPLOAD_BYTES:
            raise forms.ValidationError(_("材料合计不能超过 50 MB。"), code="too_large")
        return files

    def clean_description(self) -> str:
        text = self.cleaned_data["description"].strip()
        if len(text) < 10:
            raise forms.ValidationError(_("请把情况说清楚一些（至少10个字）。"))
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        city, agency = cleaned.get("city"), cleaned.get("agency")
        if city and agency and agency.city_id != city.pk:
            self.add_error("agency", _("该单位不属于所选设区市。"))
        has_contact = any(cleaned.get(name) for name in ("contact_phone", "contact_email", "contact_address"))
        if cleaned.get("kind") == Complaint.Kind.COMPLAINT and cleaned.get("wants_reply"):
            if not cleaned.get("contact_name"):
                self.add_error("contact_name", _("需要答复的投诉请留下姓名。"))
            if not has_contact:
                self.add_error("contact_phone", _("需要答复的投诉请至少留下一种联系方式（电话、邮箱或地址）。"))
        if cleaned.get("wants_reply") and not has_contact and cleaned.get("kind") == Complaint.Kind.REPORT:
            self.add_error("contact_phone", _("需要答复请至少留下一种联系方式；匿名举报可凭查询码查询办理结果。"))
        return cleaned


class TrackForm(PortalForm):
    code = forms.CharField(
        max_length=40,
        label=_("查询码"),
        help_text=_("提交时得到的16位查询码，如 ABCD-EFGH-JKMN-PQRS。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    contact = forms.CharField(
        max_length=100,
        required=False,
        label=_("联系电话或电子邮箱"),
        help_text=_("提交时留有联系方式的，须填写相同的电话或邮箱。"),
    )


class PublicRatingForm(PortalForm):
    satisfaction = forms.ChoiceField(
        choices=Complaint.Satisfaction.choices, widget=forms.RadioSelect, label=_("您对办理结果是否满意")
    )
    comment = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("意见和建议")
    )


# -- handling ----------------------------------------------------------------------------------------------


class OwnIds:
    """Several forms share the complaint page: each gets its own element ids, so each label finds its field."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class AcceptForm(OwnIds, VersionedForm):
    id_prefix = "accept"
    unit = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("承办单位"))
    working_days = forms.IntegerField(
        min_value=1, max_value=120, label=_("办理时限（工作日）"), help_text=_("自受理之日起按工作日计算答复期限。")
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("交办意见"), help_text=_("写入交办单。")
    )

    def __init__(self, *args: Any, units: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("kind", "division__code")
        self.fields["unit"].label_from_instance = lambda agency: agency.name
        self.fields["working_days"].initial = settings.COMPLAINT_REPLY_WORKING_DAYS


class ReassignForm(OwnIds, VersionedForm):
    id_prefix = "reassign"
    unit = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("新的承办单位"))
    reason = forms.CharField(max_length=300, label=_("改派理由"))

    def __init__(self, *args: Any, units: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("kind", "division__code")
        self.fields["unit"].label_from_instance = lambda agency: agency.name


class TransferForm(OwnIds, VersionedForm):
    id_prefix = "transfer"
    body = forms.ModelChoiceField(queryset=ExternalBody.objects.none(), label=_("有权处理的部门、机构"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("不属于本部门职责范围的理由"),
        help_text=_("写入给反映人的书面通知和移交函。"),
    )

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = ExternalBody.objects.filter(is_active=True).filter(
            city__isnull=True
        ) | ExternalBody.objects.filter(is_active=True, city=city)


class DeclineForm(OwnIds, VersionedForm):
    id_prefix = "decline"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("不予受理的理由"),
        help_text=_("公开：反映人凭查询码可以看到。"),
    )


class MergeForm(OwnIds, VersionedForm):
    id_prefix = "merge"
    master = forms.CharField(max_length=20, label=_("并入的受理编号"), help_text=_("同一事项先收到的那一件的编号。"))
    reason = forms.CharField(max_length=300, required=False, label=_("说明"))

    def __init__(self, *args: Any, candidates: QuerySet[Complaint], exclude_pk: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates.exclude(pk=exclude_pk)

    def clean_master(self) -> Complaint:
        number = self.cleaned_data["master"].strip().upper()
        master = self.candidates.filter(number=number).exclude(status=Complaint.Status.MERGED).first()
        if master is None:
            raise forms.ValidationError(_("找不到可以并入的举报投诉，请核对编号。"))
        return master


class NoteForm(OwnIds, PortalForm):
    id_prefix = "note"
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("调查核实情况"))
    files = EvidenceField()


class PauseForm(OwnIds, VersionedForm):
    id_prefix = "pause"
    reason = forms.CharField(
        max_length=300, label=_("暂停计时的理由"), help_text=_("如：等待反映人补充材料。公开：反映人可以看到。")
    )


class ReplyForm(OwnIds, VersionedForm):
    id_prefix = "reply"
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("答复意见"),
        help_text=_("公开：反映人凭查询码可以看到，并生成答复意见书。请勿写入举报人、调查对象的个人信息。"),
    )
    substantiation = forms.ChoiceField(choices=Complaint.Substantiation.choices, label=_("查实情况"))


class CloseForm(OwnIds, VersionedForm):
    id_prefix = "close"
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("办结说明（内部）"))


class ReopenForm(OwnIds, VersionedForm):
    id_prefix = "reopen"
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("重新办理的理由"))
    working_days = forms.IntegerField(min_value=1, max_value=120, label=_("办理时限（工作日）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_days"].initial = settings.COMPLAINT_REPLY_WORKING_DAYS


class StaffRatingForm(OwnIds, PublicRatingForm):
    """A handler records the complainant's satisfaction (e.g. after a call); carries the version seen."""

    id_prefix = "rate"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    satisfaction = forms.ChoiceField(choices=Complaint.Satisfaction.choices, label=_("反映人满意度"))
    comment = forms.CharField(max_length=500, required=False, label=_("回访记录"))


class FindingFromComplaintForm(OwnIds, PortalForm):
    id_prefix = "finding"
    article = forms.CharField(max_length=50, initial="第十六条", label=_("违反条款"))


class AccountabilityForm(OwnIds, PortalForm):
    id_prefix = "accountability"
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("单位"))
    person = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, label=_("被追责人员"))
    breach = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("违反的制度或承诺"))
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("处理决定"))
    consequence = forms.ChoiceField(choices=AccountabilityRecord.Consequence.choices, label=_("处理方式"))
    decided_by = forms.CharField(max_length=100, label=_("决定机关"))
    decided_on = forms.DateField(widget=DateInput, label=_("决定日期"))

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["person"].queryset = Person.objects.active().filter(agency__in=agencies).select_related("agency")
        self.fields["person"].label_from_instance = lambda person: f"{person.agency} · {person.name}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        person, agency = cleaned.get("person"), cleaned.get("agency")
        if person and agency and person.agency_id != agency.pk:
            self.add_error("person", _("被追责人员须为所选单位的人员。"))
        return cleaned


# -- reconsideration and litigation (第十七条) ---------------------------------------------------------------


class ReviewCaseForm(PortalModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    complaint_number = forms.CharField(
        max_length=20, required=False, label=_("关联举报投诉编号"), help_text=_("由举报投诉引起的，填写其受理编号。")
    )

    class Meta:
        model = ReviewCase
        fields = [
            "kind",
            "agency",
            "applicant_type",
            "applicant_name",
            "subject",
            "summary",
            "body",
            "case_number",
            "filed_on",
            "accepted_on",
            "decided_on",
            "outcome",
            "outcome_note",
        ]
        widgets = {
            "filed_on": DateInput,
            "accepted_on": DateInput,
            "decided_on": DateInput,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, agencies: QuerySet[Agency], complaints: QuerySet[Complaint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies.county_agencies().order_by("division__code")
        self.complaints = complaints
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if self.instance.complaint_id:
                self.fields["complaint_number"].initial = self.instance.complaint.number

    def clean_complaint_number(self) -> Complaint | None:
        number = self.cleaned_data.get("complaint_number", "").strip().upper()
        if not number:
            return None
        complaint = self.complaints.filter(number=number).first()
        if complaint is None:
            raise forms.ValidationError(_("找不到该编号的举报投诉。"))
        return complaint

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        outcome, decided_on = cleaned.get("outcome"), cleaned.get("decided_on")
        if outcome and outcome != ReviewCase.Outcome.PENDING and not decided_on:
            self.add_error("decided_on", _("已有结果的案件须填写决定（判决）日期。"))
        filed_on = cleaned.get("filed_on")
        for name in ("accepted_on", "decided_on"):
            day = cleaned.get(name)
            if day and filed_on and day < filed_on:
                self.add_error(name, _("不能早于申请（起诉）日期。"))
        if filed_on and filed_on > local_today():
            self.add_error("filed_on", _("不能晚于今天。"))
        return cleaned

    def _post_clean(self) -> None:
        # The action validates the model (with recorded_by set); here only the form's own checks run.
        pass

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.attachments import EvidenceField
from supervision.forms import DateInput, PortalForm, VersionedForm
from supervision.imports import check_upload

from .models import Assessment, CatalogueItem, Track
from .scoring import TRACK_TOTAL

User = get_user_model()

WEIGHT_HELP = _("两项权重合计须等于1；条例未规定权重，系统默认基础管理0.4、目标管理0.6。")


def user_label(user: Any) -> str:
    person = getattr(user, "person", None)
    if person is not None:
        return f"{person.name}（{person.agency}）"
    return user.get_full_name() or user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class WeightsMixin:
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        basic, target = cleaned.get("basic_weight"), cleaned.get("target_weight")
        if basic is not None and target is not None and basic + target != 1:
            self.add_error("target_weight", _("两项权重合计须等于1，当前为%(sum)s。") % {"sum": basic + target})  # type: ignore[attr-defined]
        opens, deadline = cleaned.get("scoring_opens_on"), cleaned.get("deadline")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", _("评分截止日期不能早于评分开始日期。"))  # type: ignore[attr-defined]
        return cleaned


def _weight_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=4,
        decimal_places=3,
        help_text=WEIGHT_HELP,
    )


class YearForm(WeightsMixin, PortalForm):
    year = forms.IntegerField(label=_("考核年度"), min_value=2017, max_value=2100)
    basic_weight = _weight_field(_("基础管理权重"))
    target_weight = _weight_field(_("目标管理权重"))
    scoring_opens_on = forms.DateField(label=_("评分开始日期"), widget=DateInput, required=False)
    deadline = forms.DateField(
        label=_("评分截止日期"),
        widget=DateInput,
        required=False,
        help_text=_("留空则为次年1月31日（第四条：次年一月份完成）。"),
    )
    objection_days = forms.IntegerField(label=_("异议期（天）"), min_value=0, max_value=90, initial=10)


class YearSettingsForm(WeightsMixin, VersionedForm):
    basic_weight = _weight_field(_("基础管理权重"))
    target_weight = _weight_field(_("目标管理权重"))
    scoring_opens_on = forms.DateField(label=_("评分开始日期"), widget=DateInput)
    deadline = forms.DateField(label=_("评分截止日期"), widget=DateInput)
    objection_days = forms.IntegerField(label=_("异议期（天）"), min_value=0, max_value=90)

    def __init__(self, *args: Any, weights_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if weights_locked:
            for name in ("basic_weight", "target_weight"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("考核已开始，权重不能再修改。")


class CopyYearForm(PortalForm):
    copy_teams = forms.BooleanField(label=_("同时复制考核小组及成员（不含分配的县）"), required=False)


class CatalogueItemForm(PortalForm):
    item_id = forms.IntegerField(widget=forms.HiddenInput)
    max_points = forms.DecimalField(
        label=_("分值"), min_value=Decimal("0.01"), max_value=TRACK_TOTAL, max_digits=5, decimal_places=2
    )
    description = forms.CharField(label=_("考核要点"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    deduction_rule = forms.CharField(label=_("扣分规则"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BaseCatalogueFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        total = sum((form.cleaned_data["max_points"] for form in self.forms), Decimal("0"))
        if total != TRACK_TOTAL:
            raise ValidationError(_("各项分值合计须为100分，当前为%(total)s分。") % {"total": total})


CatalogueFormSet = forms.formset_factory(CatalogueItemForm, formset=BaseCatalogueFormSet, extra=0)


class SubItemForm(PortalForm):
    name = forms.CharField(label=_("细项"), max_length=100)
    points = forms.DecimalField(
        label=_("分值"), min_value=Decimal("0.01"), max_value=TRACK_TOTAL, max_digits=5, decimal_places=2
    )
    deduction_rule = forms.CharField(label=_("扣分规则"), max_length=300, required=False)


class BaseSubItemFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, item: CatalogueItem, **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if filled:
            total = sum((f.cleaned_data["points"] for f in filled), Decimal("0"))
            if total != self.item.max_points:
                raise ValidationError(
                    _("各细项分值合计须等于该项分值%(max)s分，当前为%(total)s分。")
                    % {"max": self.item.max_points, "total": total}
                )


SubItemFormSet = forms.formset_factory(SubItemForm, formset=BaseSubItemFormSet, extra=2, can_delete=True)


class ScoreForm(VersionedForm):
    """One item's points and comment, saved by htmx on change."""

    comment = forms.CharField(label=_("评分说明"), required=False, max_length=2000)

    def __init__(self, *args: Any, max_points: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        out_of_range = _("得分须在0至%(max)s分之间。") % {"max": max_points}
        self.fields["points"] = forms.DecimalField(
            label=_("得分"),
            max_digits=5,
            decimal_places=2,
            min_value=Decimal("0"),
            max_value=max_points,
            error_messages={
                "max_value": out_of_range,
                "min_value": out_of_range,
                "max_decimal_places": _("得分最多保留两位小数。"),
                "max_digits": out_of_range,
                "max_whole_digits": out_of_range,
                "invalid": _("请输入数字。"),
                "required": _("请输入得分。"),
            },
        )


class EvidenceForm(PortalForm):
    files = EvidenceField(required=True)


class ConfirmForm(VersionedForm):
    pass


class ReopenForm(VersionedForm):
    reason = forms.CharField(label=_("重新打开的理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    tracks = forms.MultipleChoiceField(
        label=_("需要重新评分的类别"),
        choices=Track.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Track.BASIC, Track.TARGET],
    )


class DelegationForm(PortalForm):
    delegates = UsersChoiceField(
        label=_("受托考核人员"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("市社会保险经办机构的工作人员，负责两项评分并报送备案。"),
    )
    note = forms.CharField(label=_("授权说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, delegates: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegates"].queryset = delegates


class ReasonForm(PortalForm):
    reason = forms.CharField(label=_("理由"), max_length=300)


class FilingForm(PortalForm):
    note = forms.CharField(label=_("报送说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AcknowledgeForm(PortalForm):
    text = forms.CharField(label=_("备案意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SiteVisitForm(PortalForm):
    visited_on = forms.DateField(label=_("考察日期"), widget=DateInput)
    place = forms.CharField(label=_("考察地点"), max_length=200)
    members = UsersChoiceField(label=_("参加人员"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("考察情况"), widget=forms.Textarea(attrs={"rows": 5}))
    files = EvidenceField()

    def __init__(self, *args: Any, members: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members

    def clean_visited_on(self) -> datetime.date:
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise ValidationError(_("考察日期不能晚于今天。"))
        return day


class ObjectionForm(PortalForm):
    items = forms.ModelMultipleChoiceField(
        label=_("有异议的项目"),
        queryset=CatalogueItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("可多选；不选表示对总体结果有异议。"),
    )
    text = forms.CharField(label=_("异议内容和理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)
    files = EvidenceField()

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = assessment.year.items.order_by("track", "position")
        self.fields["items"].label_from_instance = lambda item: f"{item.get_track_display()} · {item.name}"


class ObjectionAnswerForm(VersionedForm):
    outcome = forms.ChoiceField(
        label=_("答复结论"),
        choices=[("rejected", _("维持原评分")), ("upheld", _("异议成立，重新打开相关评分"))],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(label=_("答复意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000)


class TeamForm(VersionedForm):
    name = forms.CharField(label=_("小组名称"), max_length=50)
    leader = UserChoiceField(label=_("组长"), queryset=User.objects.none(), required=False)
    members = UsersChoiceField(
        label=_("成员"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, candidates: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = candidates
        self.fields["members"].queryset = candidates


class TeamCountiesForm(VersionedForm):
    assessments = forms.ModelMultipleChoiceField(
        label=_("负责考核的县（市、区）"),
        queryset=Assessment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, assessments: QuerySet[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessments"].queryset = assessments
        self.fields["assessments"].label_from_instance = lambda a: (
            f"{a.agency}（{a.team.name}）" if a.team_id else str(a.agency)
        )


class ImportForm(PortalForm):
    file = forms.FileField(
        label=_("评分文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），格式同“下载评分模板”。先预览，确认后才写入。"),
    )

    def clean_file(self) -> Any:
        return check_upload(self.cleaned_data["file"])

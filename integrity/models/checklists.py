"""Internal-control checklists (第七条至第十条), seeded verbatim from the regulation and versioned.

Each article is a `Checklist`; its items live in numbered `ChecklistVersion`s. The regulation's text of
an item never changes; the bureau adds check points and guidance. Editing a checklist makes a new
version; an inspection keeps the items of the version it was planned with, so past inspections read
exactly as they were carried out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ControlArea(models.TextChoices):
    BUSINESS_OPERATION = "business_operation", _("业务运行控制（第七条）")
    FUND_SAFETY = "fund_safety", _("基金安全管理（第八条）")
    INFORMATION_SYSTEM = "information_system", _("信息系统控制（第九条）")
    INTERNAL_CONTROL = "internal_control", _("内控管理（第十条）")


class Checklist(models.Model):
    article = models.PositiveSmallIntegerField(_("条款序号"), unique=True)
    article_label = models.CharField(_("条款"), max_length=20, help_text=_("如“第八条”。"))
    area = models.CharField(_("控制领域"), max_length=30, choices=ControlArea.choices, unique=True)
    title = models.CharField(_("名称"), max_length=100)
    lead = models.TextField(_("条文导语"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("内控检查清单")
        verbose_name_plural = _("内控检查清单")
        ordering = ["article"]

    def __str__(self) -> str:
        return f"{self.article_label} {self.title}"

    def current_version(self) -> ChecklistVersion | None:
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions", verbose_name=_("清单"))
    number = models.PositiveSmallIntegerField(_("版本号"))
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修订人"),
    )
    created_at = models.DateTimeField(_("修订时间"), default=timezone.now)

    class Meta:
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")
        ordering = ["checklist__article", "-number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="checklist_version_unique")]

    def __str__(self) -> str:
        return _("%(checklist)s（第%(number)s版）") % {"checklist": self.checklist, "number": self.number}


class ChecklistItem(models.Model):
    """One item of one version; never changed once written (a revision copies the items)."""

    version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="items", verbose_name=_("清单版本")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("条款项"), max_length=20, help_text=_("如“第八条（四）”。"))
    text = models.TextField(_("条文"))
    check_points = models.TextField(_("检查要点"), blank=True)
    guidance = models.TextField(_("检查指引"), blank=True)

    class Meta:
        verbose_name = _("清单条目")
        verbose_name_plural = _("清单条目")
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="checklist_item_position_unique")]

    def __str__(self) -> str:
        return self.code

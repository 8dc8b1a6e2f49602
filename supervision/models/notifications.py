"""In-app notifications; each is also mailed to its recipient when they have an address."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def mail_pending(self) -> NotificationQuerySet:
        return self.filter(emailed_at__isnull=True, mail_skipped=False)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(
        _("去重键"), max_length=150, blank=True, help_text=_("同一接收人同一键只通知一次，用于定时任务的幂等。")
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    mail_skipped = models.BooleanField(_("无需发送邮件"), default=False)
    mail_attempts = models.PositiveSmallIntegerField(_("邮件发送次数"), default=0)
    mail_last_attempt_at = models.DateTimeField(_("最近一次发送尝试"), null=True, blank=True)
    mail_error = models.CharField(_("邮件发送错误"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, mail_skipped=False),
                name="notification_mail_due",
            ),
        ]

    def __str__(self) -> str:
        return self.title

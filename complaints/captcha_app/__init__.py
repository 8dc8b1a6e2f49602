"""django-simple-captcha installed without its message catalogue.

Its zh_Hans catalogue re-translates Django's own "This field is required." (as 这个字段是必须的),
which would change the wording of every form of the portal; its own messages are replaced in our
form anyway. This AppConfig points the app at this (empty) directory, so Django finds no `locale`
(and no templates: the widget template is ours) while models and migrations still come from
`captcha`.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptchaConfig(AppConfig):
    name = "captcha"
    label = "captcha"
    verbose_name = _("验证码")
    default_auto_field = "django.db.models.BigAutoField"
    path = str(Path(__file__).resolve().parent)
